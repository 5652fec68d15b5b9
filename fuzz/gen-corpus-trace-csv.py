#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeds of fuzz/trace-csv.c: allocation traces (replay.h), valid ones and one per parser error.

Usage: fuzz/gen-corpus-trace-csv.py [OUTDIR]   (default fuzz/corpus/trace-csv)

The valid seeds allocate little, so that the replay on the fuzzing platform
(32 MiB of DRAM, a 4 MiB TEE chunk, an 8 MiB dynamic region) mostly succeeds;
the first rows of each bench/traces/ file are seeds too (their frames are too
large for that platform: the allocation failures are covered). Every other
seed breaks one rule of the format.
"""
import os
import sys

H = 't_us,op,heap,size,id,attrs\n'

VALID = {
    'ok-every-op': H + ('0,A,system,4096,a,role=ui\n'
                        '10,A,restricted_mtk_cm,8192,b,role=bitstream sess=1\n'
                        '20,A,restricted_mtk_cma,65536,c,role=frame sess=1\n'
                        '30,M,,,seek,sess=1\n'
                        '40,F,,,a,\n50,F,restricted_mtk_cm,8192,b,\n60,F,,,c,\n'),
    'ok-comments-crlf': ('# a comment first\r\n\r\n' + H.replace('\n', '\r\n') +
                         '# between rows\r\n0,A,system,1,x.1_y-2,\r\n5,F,,,x.1_y-2,\r\n'),
    'ok-no-final-newline': H + '0,A,system,4097,a,\n1,F,,4097,a,',
    'ok-expect': H + ('0,A,restricted_mtk_cma,1073741824,big,expect=ENOMEM\n'
                      '1,A,nosuchheap,4096,n,expect=EINVAL\n'
                      '2,A,system,4096,s,expect=ENOSPC role=x\n'),
    'ok-reuse-id': H + '0,A,system,1,a,\n1,F,,,a,\n2,A,restricted_mtk_cm,4096,a,\n3,F,,,a,\n',
    'ok-leftover': H + '0,A,system,4096,a,\n0,A,system,4096,b,\n0,A,restricted_mtk_cm,4096,c,\n',
    'ok-unknown-keys': H + '0,A,system,4096,a,future=1 codec=hevc role=frame sess=7\n',
    'ok-header-only': '# nothing yet\n' + H,
    'ok-max-t-us': H + '0,M,,,start,\n9223372036854775,M,,,end,\n',
    'ok-long-names': H + ('0,A,' + 'h' * 63 + ',1,' + 'i' * 64 + ',role=' + 'r' * 32 + '\n'),
    'ok-churn': H + ''.join(f'{t},A,system,{4096 * (1 + t % 5)},b{t},\n{t},F,,,b{t},\n'
                            for t in range(0, 40, 2)),
}

BAD = {
    'bad-empty': '',
    'bad-no-header': '0,A,system,4096,a,\n',
    'bad-fields-5': H + '0,A,system,4096,a\n',
    'bad-fields-7': H + '0,A,system,4096,a,,\n',
    'bad-quoted': H + '0,A,"system",4096,a,\n',
    'bad-t-us-sign': H + '-1,A,system,4096,a,\n',
    'bad-t-us-hex': H + '0x10,A,system,4096,a,\n',
    'bad-t-us-overflow': H + '18446744073709551616,A,system,4096,a,\n',
    'bad-t-us-timed-wrap': H + '9223372036854776,A,system,4096,a,\n',
    'bad-t-us-back': H + '5,A,system,4096,a,\n4,A,system,4096,b,\n',
    'bad-op': H + '0,X,system,4096,a,\n',
    'bad-id': H + '0,A,system,4096,a/b,\n',
    'bad-heap': H + '0,A,dev/x,4096,a,\n',
    'bad-size-zero': H + '0,A,system,0,a,\n',
    'bad-size-unalignable': H + '0,A,system,18446744073709551615,a,\n',
    'bad-live-twice': H + '0,A,system,1,a,\n1,A,system,1,a,\n',
    'bad-free-unknown': H + '0,F,,,a,\n',
    'bad-free-heap': H + '0,A,system,1,a,\n1,F,other,,a,\n',
    'bad-free-size': H + '0,A,system,1,a,\n1,F,,2,a,\n',
    'bad-mark-heap': H + '0,M,system,,m,\n',
    'bad-attr-form': H + '0,A,system,1,a,role\n',
    'bad-attr-key': H + '0,A,system,1,a,k!=x\n',
    'bad-attr-repeat': H + '0,A,system,4096,a,foo=1 foo=2\n',
    'bad-attr-repeat-role': H + '0,A,system,4096,a,role=x role=y\n',
    'bad-role-long': H + '0,A,system,1,a,role=' + 'r' * 33 + '\n',
    'bad-sess': H + '0,A,system,1,a,sess=4294967296\n',
    'bad-expect': H + '0,A,system,1,a,expect=EAGAIN\n',
    'bad-expect-free': H + '0,A,system,1,a,\n1,F,,,a,expect=ENOMEM\n',
    'bad-nul': H + '0,A,sys\0tem,1,a,\n',
}


def bench_seeds(root):
    seeds = {}
    traces = os.path.join(root, 'bench', 'traces')
    if not os.path.isdir(traces):
        return seeds
    for name in sorted(os.listdir(traces)):
        if not name.endswith('.csv'):
            continue
        with open(os.path.join(traces, name)) as f:
            lines = f.readlines()[:48]
        seeds['bench-' + name[:-4]] = ''.join(lines)
    return seeds


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, 'corpus', 'trace-csv')
    os.makedirs(out, exist_ok=True)
    seeds = dict(VALID)
    seeds.update(BAD)
    seeds.update(bench_seeds(os.path.dirname(here)))
    for name, text in sorted(seeds.items()):
        with open(os.path.join(out, name + '.csv'), 'wb') as f:
            f.write(text.encode())
    print(f'{len(seeds)} seeds in {out}')


if __name__ == '__main__':
    main()
