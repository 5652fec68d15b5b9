#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn a file (a .dtb, a .cost model) into a C source holding it as a byte array."""
import sys

src, dst, symbol = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, 'rb').read()
with open(dst, 'w') as out:
    out.write('/* Generated from %s by embed.py; do not edit. */\n' % src.split('/')[-1])
    out.write('#include <stddef.h>\n\n')
    out.write('extern const unsigned char %s[];\n' % symbol)
    out.write('extern const size_t %s_size;\n\n' % symbol)
    out.write('__attribute__((aligned(8))) const unsigned char %s[] = {\n' % symbol)
    for i in range(0, len(data), 12):
        out.write('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 12]) + '\n')
    out.write('};\n')
    out.write('const size_t %s_size = %d;\n' % (symbol, len(data)))
