#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeds of fuzz/dtb-platform.c: small platforms that build (and some that must not), compiled with dtc.

Usage: fuzz/gen-corpus-dtb-platform.py [OUTDIR]   (default fuzz/corpus/dtb-platform)

Each seed is a .dts below, compiled to OUTDIR/NAME.dtb. The DRAM of the
platforms that should build stays at or below the target's 256 MiB limit,
so every seed reaches the heaps; the others cover what rh_platform_new()
must refuse after the parser, or refuse with the parser.
"""
import os
import subprocess
import sys

HEAD = '/dts-v1/;\n'


def root(body, cells=(2, 2)):
    a, s = cells
    return (f'{HEAD}/ {{\n\tmodel = "dtb-platform seed";\n'
            f'\t#address-cells = <{a}>;\n\t#size-cells = <{s}>;\n{body}}};\n')


def memory(base=0x40000000, size=0x4000000):
    return (f'\tmemory@{base:x} {{\n\t\tdevice_type = "memory";\n'
            f'\t\treg = <0x{base >> 32:x} 0x{base & 0xffffffff:x} '
            f'0x{size >> 32:x} 0x{size & 0xffffffff:x}>;\n\t}};\n')


def region(name, compatible, base=None, size=0x400000, extra='', align=None):
    if base is None:
        where = f'\t\t\tsize = <0x0 0x{size:x}>;\n'
        if align is not None:
            where += f'\t\t\talignment = <0x0 0x{align:x}>;\n'
        node = name
    else:
        where = f'\t\t\treg = <0x0 0x{base:x} 0x0 0x{size:x}>;\n'
        node = f'{name}@{base:x}'
    return (f'\t\t{node} {{\n\t\t\tcompatible = "{compatible}";\n{where}{extra}\t\t}};\n')


def reserved(*regions):
    return ('\treserved-memory {\n\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n'
            '\t\tranges;\n' + ''.join(regions) + '\t};\n')


def chunk(base=0x41000000, size=0x400000):
    return region('tee-chunk', 'mediatek,secure-chunk-memory', base, size, '\t\t\tno-map;\n')


def dynamic(base=0x41800000, size=0x800000, align=None):
    return region('restricted-cma', 'mediatek,dynamic-restricted-region', base, size,
                  '\t\t\treusable;\n', align)


def firewall(regions=4, granularity=0x1000):
    return ('\tfirewall {\n\t\tcompatible = "rheap-sim,firewall";\n'
            f'\t\trheap-sim,regions = <{regions}>;\n'
            f'\t\trheap-sim,granularity = <0x{granularity:x}>;\n\t}};\n')


def device(name, compatible, master, secure=False, status=None):
    s = f'\t{name} {{\n\t\tcompatible = "{compatible}";\n\t\tmediatek,master-id = <{master}>;\n'
    if secure:
        s += '\t\tmediatek,secure-capable;\n'
    if status:
        s += f'\t\tstatus = "{status}";\n'
    return s + '\t};\n'


DEVICES = (device('vcodec', 'mediatek,mt8188-vcodec-dec', 1, True) +
           device('display', 'mediatek,mt8188-disp-ovl', 2, True) +
           device('gpu', 'arm,mali-valhall-jm', 3))

SEEDS = {
    # Platforms that build: every heap combination, small and tight regions.
    'both-heaps': root(memory() + reserved(chunk(), dynamic()) + firewall() + DEVICES),
    'chunk-only': root(memory() + reserved(chunk()) + firewall() + DEVICES),
    'dynamic-only': root(memory() + reserved(dynamic()) + firewall() + DEVICES),
    'dynamic-by-size': root(memory() + reserved(chunk(), dynamic(None, 0x800000, 0x400000)) +
                            firewall(8) + DEVICES),
    'system-only': root(memory() + DEVICES),
    'no-devices': root(memory() + reserved(chunk(), dynamic()) + firewall()),
    'one-page-regions': root(memory() + reserved(chunk(size=0x1000), dynamic(size=0x1000)) +
                             firewall() + DEVICES),
    'firewall-one-region': root(memory() + reserved(chunk(), dynamic()) + firewall(1) +
                                DEVICES),
    'firewall-coarse': root(memory() + reserved(chunk(), dynamic()) +
                            firewall(4, 0x200000) + DEVICES),
    'device-disabled': root(memory() + reserved(chunk(), dynamic()) + firewall() +
                            device('vcodec', 'mediatek,mt8188-vcodec-dec', 1, True,
                                   'disabled') +
                            device('gpu', 'arm,mali-valhall-jm', 3, False, 'okay')),
    'cells-1': root(memory(0x40000000, 0x4000000).replace(
        'reg = <0x0 0x40000000 0x0 0x4000000>', 'reg = <0x40000000 0x4000000>'),
        cells=(1, 1)),
    'dram-at-zero': root(memory(0, 0x4000000) +
                         reserved(chunk(0x1000000), dynamic(0x1800000)) + firewall() +
                         DEVICES),
    'dram-high': root(memory(0x100000000, 0x4000000) +
                      reserved(region('tee-chunk', 'mediatek,secure-chunk-memory',
                                      None, 0x400000, '\t\t\tno-map;\n')) +
                      firewall() + DEVICES),
    'dram-256m': root(memory(0x40000000, 0x10000000) + reserved(chunk(0x48000000, 0x2000000),
                      dynamic(0x4c000000, 0x4000000)) + firewall() + DEVICES),
    # Past the target's DRAM limit: only parsed.
    'dram-2g': root(memory(0x40000000, 0x80000000) + reserved(chunk(0x60000000, 0x18000000)) +
                    firewall(8) + DEVICES),
    # The parser refuses these.
    'bad-overlap': root(memory() + reserved(chunk(), dynamic(0x41000000)) + firewall()),
    'bad-outside-dram': root(memory() + reserved(chunk(0x80000000)) + firewall()),
    'bad-no-memory': root(reserved(chunk()) + firewall()),
    'bad-duplicate-master': root(memory() + device('a', 'x,y', 1) + device('b', 'x,z', 1)),
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, 'corpus', 'dtb-platform')
    os.makedirs(out, exist_ok=True)
    for name, dts in sorted(SEEDS.items()):
        path = os.path.join(out, name + '.dtb')
        subprocess.run(['dtc', '-q', '-I', 'dts', '-O', 'dtb', '-o', path, '-'],
                       input=dts.encode(), check=True)
    print(f'{len(SEEDS)} seeds in {out}')


if __name__ == '__main__':
    main()
