#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The what-if table of docs/performance.md: the T1-T4 traces under each built-in cost model.

Usage: whatif.py RHEAP_SIM TRACES_DIR [--seed N]

Runs `rheap-sim replay TRACE --cost-model MODEL --json` for every pair and
prints a Markdown table: simulated total, frames over the 16.6 ms deadline,
the worst frame, and where the time went (TEE: world switches, messages, TA
commands, shared memory; zeroing; CMA: allocation, migration, tail, release;
firewall: SiP calls, region programming, cache cleaning). Simulated time
depends on the model and the seed only, so the table is the same on every
machine.
"""
import json
import os
import subprocess
import sys

TRACES = ['t1-4k-hevc.csv', 't2-ladder.csv', 't3-pip.csv', 't4-churn.csv']
MODELS = ['mt8188', 'a53-little', 'qemu-optee']
GROUPS = [
    ('TEE', ['world_switch', 'tee_invoke', 'tee_cmd', 'shm_register']),
    ('zeroing', ['secure_zero']),
    ('CMA', ['cma_alloc', 'cma_migrate', 'cma_tail', 'cma_release']),
    ('firewall', ['smc_fast', 'firewall_program', 'cache_clean']),
    ('other', ['page_alloc', 'dma_map']),
]


def ms(ns):
    return '%.1f ms' % (ns / 1e6) if ns >= 1e5 else '%.0f us' % (ns / 1e3)


def main():
    if len(sys.argv) not in (3, 5) or (len(sys.argv) == 5 and sys.argv[3] != '--seed'):
        sys.exit(__doc__.strip().splitlines()[2])
    rheap_sim, traces = sys.argv[1], sys.argv[2]
    seed = sys.argv[4] if len(sys.argv) == 5 else None
    print('| trace | model | simulated total | frames over 16.6 ms | worst frame | '
          + ' | '.join(g for g, _ in GROUPS) + ' |')
    print('|---|---|---:|---:|---:|' + '---:|' * len(GROUPS))
    for trace in TRACES:
        for model in MODELS:
            args = [rheap_sim, 'replay', os.path.join(traces, trace), '--cost-model', model,
                    '--json']
            if seed:
                args += ['--seed', seed]
            res = subprocess.run(args, capture_output=True, text=True, check=True)
            doc = json.loads(res.stdout)
            total = doc['sim_total_ns']
            parts = []
            for _, names in GROUPS:
                ns = sum(doc['sim_breakdown'][n]['ns'] for n in names)
                parts.append('%.1f%%' % (100.0 * ns / total) if total else '-')
            print('| T%s | %s | %s | %d of %d | %s | %s |' % (
                trace[1], model, ms(total), doc['sim_deadline_misses'], doc['frames'],
                ms(doc['sim_frame_ns_max']), ' | '.join(parts)))


if __name__ == '__main__':
    main()
