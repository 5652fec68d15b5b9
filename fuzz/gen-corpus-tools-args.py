#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeds of fuzz/tools-args.c: option arguments for each parser of tools/tools-common.c.

Usage: fuzz/gen-corpus-tools-args.py [OUTDIR]   (default fuzz/corpus/tools-args)

A seed is one selector byte (bits 0-2: the parser, 0 size, 1 size with 0
allowed, 2 u64, 3 uint, 4 int, 5 WxH; bits 3-7: the range, an index into
the target's tables) followed by the argument string.
"""
import os
import sys

SIZE, SIZE0, U64, UINT, INT, WXH = range(6)

SEEDS = {
    SIZE: ['4096', '0x1000', '4K', '4k', '4KiB', '4kib', '2M', '1G', '1T', '16383T', '16384T',
           '0', '', 'K', '4KB', '4 K', '+4', '-4', '0x', '0xg', '18446744073709551615',
           '18446744073709551616', '0xffffffffffffffff', '0x10000000000000000', '1P', '4Ki',
           '4KiBx', '00012'],
    SIZE0: ['0', '0K', '0x0', '1'],
    U64: ['0', '1', '1000000', '1000001', '0x10', '18446744073709551615', '18446744073709551616',
          '', '-1', ' 1', '1 ', '1x', '5'],
    UINT: ['1', '4294967295', '4294967296', '16384', '16385', '0'],
    INT: ['0', '-0', '-1', '1', '-9223372036854775808', '9223372036854775807',
          '-9223372036854775809', '9223372036854775808', '-', '--1', '0x10', '-20', '19', '20'],
    WXH: ['3840x2160', '1920X1080', '1x1', '65535x65535', '65536x1', '0x720', 'x', '1x', 'x1',
          '1xx1', '1920x1080x2', '99999999999999999999x1'],
}

RANGES = {U64: 6, UINT: 6, INT: 5}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, 'corpus', 'tools-args')
    os.makedirs(out, exist_ok=True)
    names = {SIZE: 'size', SIZE0: 'size0', U64: 'u64', UINT: 'uint', INT: 'int', WXH: 'wxh'}
    count = 0
    for which, args in SEEDS.items():
        for i, arg in enumerate(args):
            rng = i % RANGES.get(which, 1)
            data = bytes([which | rng << 3]) + arg.encode()
            with open(os.path.join(out, f'{names[which]}-{i:02d}.bin'), 'wb') as f:
                f.write(data)
            count += 1
    # The message checks: control characters, quotes, invalid and valid UTF-8.
    for i, arg in enumerate([b'a\nb\tc\x1b[31m', b'"\\\x7f', b'\xff\xfe', b'\xc3\xa9t\xc3\xa9',
                             b'\xe2\x82\xac\xf0\x9f\x98\x80', b'\xed\xa0\x80', b'\xc0\xaf']):
        with open(os.path.join(out, f'message-{i:02d}.bin'), 'wb') as f:
            f.write(bytes([SIZE]) + arg)
        count += 1
    print(f'{count} seeds in {out}')


if __name__ == '__main__':
    main()
