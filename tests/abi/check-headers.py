#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every public header compiles on its own as C11 -pedantic and as C++."""
import os
import pathlib
import subprocess
import sys
import tempfile

src_include, build_include, cc = sys.argv[1], sys.argv[2], sys.argv[3]
cxx = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
headers = sorted(p.relative_to(src_include).as_posix()
                 for p in pathlib.Path(src_include).rglob('*.h'))
headers.append('rheap/version.h')  # generated
failed = 0
with tempfile.TemporaryDirectory() as tmp:
    for hdr in headers:
        jobs = [(cc, 'c', ['-std=c11', '-pedantic', '-Wall', '-Wextra', '-Werror'])]
        if cxx:
            jobs.append((cxx, 'cpp', ['-std=c++17', '-Wall', '-Wextra', '-Werror']))
        for compiler, ext, flags in jobs:
            src = os.path.join(tmp, 'hdr.' + ext)
            with open(src, 'w') as f:
                f.write('#include <%s>\n#include <%s>\nint rh_hdr_check_dummy;\n' % (hdr, hdr))
            cmd = compiler.split() + flags + ['-I', src_include, '-I', build_include,
                                              '-fsyntax-only', src]
            res = subprocess.run(cmd, capture_output=True, text=True)
            if res.returncode:
                failed += 1
                print('FAIL %s (%s):\n%s' % (hdr, ext, res.stderr))
            else:
                print('ok   %s (%s)' % (hdr, ext))
print('%d passed, %d failed' % (len(headers) * (2 if cxx else 1) - failed, failed))
sys.exit(1 if failed else 0)
