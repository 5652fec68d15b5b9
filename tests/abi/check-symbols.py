#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The shared library exports exactly the RH_EXPORT-marked rh_ functions."""
import pathlib
import re
import subprocess
import sys

src_root, lib = sys.argv[1], sys.argv[2]
out = subprocess.run(['nm', '-D', '--defined-only', lib], capture_output=True,
                     text=True, check=True).stdout
exported = set()
for line in out.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in 'TDBRVW' and not parts[2].startswith('RHEAP_'):
        exported.add(parts[2].split('@')[0])

marked = set()
pattern = re.compile(r'RH_EXPORT\b[^;{(]*?\b(rh_\w+)\s*\(', re.S)
for path in list(pathlib.Path(src_root, 'src').rglob('*.c')) + \
        list(pathlib.Path(src_root, 'emu').rglob('*.c')):
    text = path.read_text()
    for m in pattern.finditer(text):
        marked.add(m.group(1))

bad = sorted(s for s in exported if not s.startswith('rh_'))
missing = sorted(marked - exported)
unmarked = sorted(exported - marked)
for name, items in (('exported without the rh_ prefix', bad),
                    ('marked RH_EXPORT but not exported', missing),
                    ('exported but not marked RH_EXPORT', unmarked)):
    for s in items:
        print('%s: %s' % (name, s))
failed = len(bad) + len(missing) + len(unmarked)
print('%d passed, %d failed' % (len(exported) - failed if len(exported) >= failed else 0, failed))
sys.exit(1 if failed else 0)
