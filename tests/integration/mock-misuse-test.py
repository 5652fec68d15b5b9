#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The TEE mock fails a test that misuses it, and says why and where.

Runs each case of mock-misuse (tests/unit/mock-misuse.c), which must fail,
and checks the message names the call and points at the test's own line.

Usage: mock-misuse-test.py MOCK_MISUSE
"""
import subprocess
import sys

# case: (what the failure must say, in order of appearance)
CASES = {
    'unexpected_call': ['rh_mock_tee: unexpected INVOKE_COMMAND of SECMEM_ZALLOC (func 0x10000)',
                        'on session 256 of TA 4477588a-8476-11e2-ad15-e41f1390d676 (mtk-secmem)',
                        'mock-misuse.c:'],
    'wrong_call': ['expected INVOKE_COMMAND of SECMEM_FREE (func 0x10001) (queued here), '
                   'got OPEN_SESSION', 'mock-misuse.c:'],
    # cmocka 1.1 prints the location, not the name, of what was left.
    'never_called': ['mock-misuse.c:58: note: remaining item was declared here'],
    'forward_without_install': ['a reply with .forward needs rh_mock_tee_install()'],
    'value_not_output': ['the reply sets value[0], which is not a value output of the '
                         'INVOKE_COMMAND'],
}


def main(exe):
    failed = 0
    for case, wants in CASES.items():
        res = subprocess.run([exe, case], capture_output=True, text=True, timeout=60)
        out = res.stdout + res.stderr
        problems = []
        if res.returncode == 0:
            problems.append('the misuse passed')
        pos = 0
        for want in wants:
            at = out.find(want, pos)
            if at < 0:
                problems.append('no %r' % want)
            else:
                pos = at
        # The message points at the test, never only at the mock's own source.
        if 'mock-tee.c' in out:
            problems.append('the failure points into mock-tee.c')
        status = 'ok' if not problems else 'FAILED: ' + '; '.join(problems)
        print('%s: %s' % (case, status))
        if problems:
            print(out)
            failed += 1
    print('%d passed, %d failed' % (len(CASES) - failed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
