#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Keep the documentation's quoted output and code true to the program.

Markdown files mark code blocks with an HTML comment on the line before the
opening fence:

  <!-- output: rheap-sim ARGS -->             the block is what the command
  <!-- output: rheap-sim ARGS | step N -->    prints (or only its step N:
                                              from "== N. " to the next step)
  <!-- output: rheap-sim ARGS {file} | file -->  the block is the file the
                                              command writes ({file} is a
                                              temporary path)
  <!-- copy: PATH -->                         the block is the file PATH of
                                              the source tree, verbatim
  <!-- compiled: NAME -->                     the block is C that the build
                                              compiles and runs (extract)

Commands:

  doc-sync.py check  RHEAP_SIM SOURCE_ROOT FILE.md...
      Fails (exit 1) naming every block that differs from what the program
      prints now, with a diff and the command that refreshes the file.
      Secure handles, the ciphertext and durations change from run to run:
      they are compared as placeholders ("handle <1>": the first handle seen,
      and so on), so the quoted values of one real run stay valid.
  doc-sync.py update RHEAP_SIM SOURCE_ROOT FILE.md...
      Rewrites every output and copy block from a fresh run (the one command
      to run after a legitimate change of the demo's output).
  doc-sync.py extract FILE.md NAME OUT.c
      Writes the block marked "compiled: NAME" to OUT.c.
"""
import difflib
import os
import re
import shlex
import subprocess
import sys
import tempfile

MARKER = re.compile(r'^<!--\s*(output|copy|compiled):\s*(.*?)\s*-->\s*$')
FENCE = re.compile(r'^(```+|~~~+)')
REFRESH = 'ninja -C build update-docs'

# Values that differ from run to run, with what they become for comparison.
VOLATILE = [
    # Secure handles are random (emu/ta/ta-secmem.c): numbered by first use.
    (re.compile(r'(handle )(0x[0-9a-f]+)'), 'handle'),
    # The IV is random, hence the ciphertext.
    (re.compile(r'(ciphertext \(starts )([0-9a-f]+)'), 'cipher'),
    # Wall-clock durations of TEE calls.
    (re.compile(r'(after )([0-9.]+ (?:ns|us|ms|s))\b'), 'time'),
]


class Block:
    def __init__(self, path, kind, arg, marker_line, start, end, text):
        self.path, self.kind, self.arg = path, kind, arg
        self.marker_line = marker_line  # 1-based line of the marker
        self.start, self.end = start, end  # content lines [start, end) (0-based)
        self.text = text

    def where(self):
        return '%s:%d' % (self.path, self.marker_line)


def parse(path):
    """The marked blocks of a Markdown file, and its lines."""
    with open(path) as f:
        lines = f.read().split('\n')
    blocks, i = [], 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        if not m:
            i += 1
            continue
        fence = FENCE.match(lines[i + 1]) if i + 1 < len(lines) else None
        if not fence:
            raise SystemExit('%s:%d: a "%s" marker must be followed by a code fence'
                             % (path, i + 1, m.group(1)))
        close = fence.group(1)
        j = i + 2
        while j < len(lines) and lines[j].strip() != close:
            j += 1
        if j == len(lines):
            raise SystemExit('%s:%d: code block not closed' % (path, i + 2))
        blocks.append(Block(path, m.group(1), m.group(2), i + 1, i + 2, j,
                            '\n'.join(lines[i + 2:j])))
        i = j + 1
    return blocks, lines


def split_output_arg(arg):
    """'rheap-sim demo --no-color | step 3' -> (argv, selector)."""
    cmd, _, sel = arg.partition('|')
    argv = shlex.split(cmd)
    if not argv or argv[0] != 'rheap-sim':
        raise SystemExit('output markers run rheap-sim, not %r' % arg)
    return argv[1:], sel.strip()


def run_program(rheap_sim, argv, cache):
    """(stdout, {file contents}) of one run; identical commands run once."""
    key = tuple(argv)
    if key in cache:
        return cache[key]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'out')
        args = [a.replace('{file}', path) for a in argv]
        env = dict(os.environ)
        env.pop('NO_COLOR', None)
        res = subprocess.run([rheap_sim] + args, capture_output=True, text=True,
                             env=env, timeout=300)
        if res.returncode != 0:
            raise SystemExit('rheap-sim %s failed (exit %d):\n%s'
                             % (' '.join(argv), res.returncode, res.stderr))
        file_text = None
        if os.path.exists(path):
            with open(path) as f:
                file_text = f.read()
    cache[key] = (res.stdout, file_text)
    return cache[key]


def select(block, stdout, file_text):
    """What the block should hold, from the program's output."""
    _, sel = split_output_arg(block.arg)
    if sel == 'file':
        if file_text is None:
            raise SystemExit('%s: the command wrote no {file}' % block.where())
        return file_text.rstrip('\n')
    if not sel:
        return stdout.rstrip('\n')
    m = re.fullmatch(r'step (\d+)', sel)
    if not m:
        raise SystemExit('%s: unknown selector %r (use "step N" or "file")'
                         % (block.where(), sel))
    n = int(m.group(1))
    lines = stdout.rstrip('\n').split('\n')
    starts = [i for i, l in enumerate(lines) if re.match(r'^\S+\s+== \d+\. ', l)]
    heads = [int(re.search(r'== (\d+)\. ', lines[i]).group(1)) for i in starts]
    if n not in heads:
        raise SystemExit('%s: the output has no step %d (steps: %s)'
                         % (block.where(), n, heads))
    k = heads.index(n)
    # Step 1 also holds what precedes its title; the last step runs to the end.
    first = 0 if k == 0 else starts[k]
    last = starts[k + 1] if k + 1 < len(starts) else len(lines)
    return '\n'.join(lines[first:last])


def normalise(text):
    """Volatile values as placeholders numbered by first appearance."""
    seen = {}

    def repl(kind):
        def sub(m):
            key = (kind, m.group(2))
            if kind == 'time':
                return m.group(1) + '<time>'
            seen.setdefault(key, len([k for k in seen if k[0] == kind]) + 1)
            return '%s<%s %d>' % (m.group(1), kind, seen[key])
        return sub

    out = []
    for line in text.split('\n'):
        for pattern, kind in VOLATILE:
            line = pattern.sub(repl(kind), line)
        out.append(line)
    return out


def expected(block, root, rheap_sim, cache):
    if block.kind == 'copy':
        with open(os.path.join(root, block.arg)) as f:
            return f.read().rstrip('\n')
    argv, _ = split_output_arg(block.arg)
    stdout, file_text = run_program(rheap_sim, argv, cache)
    return select(block, stdout, file_text)


def check(rheap_sim, root, files):
    cache, failures = {}, 0
    for path in files:
        blocks, _ = parse(path)
        for b in blocks:
            if b.kind == 'compiled':
                continue
            want = expected(b, root, rheap_sim, cache)
            if b.kind == 'copy':
                have_n, want_n = b.text.split('\n'), want.split('\n')
            else:
                have_n, want_n = normalise(b.text), normalise(want)
            if have_n == want_n:
                continue
            failures += 1
            print('%s: the block quoting "%s" no longer matches %s:'
                  % (b.where(), b.arg, 'the file' if b.kind == 'copy' else
                     "the program's output"))
            sys.stdout.writelines(l + '\n' for l in difflib.unified_diff(
                have_n, want_n, 'quoted in %s' % os.path.basename(path),
                'printed now', lineterm='', n=2))
            print()
    if failures:
        print('%d block(s) differ. If the program changed on purpose, refresh the '
              'quoted blocks with:\n    %s\n(or: %s update %s %s %s), then read the '
              'prose around them again.' % (failures, REFRESH, sys.argv[0], rheap_sim,
                                           root, ' '.join(files)))
        return 1
    print('%s: every quoted block matches' % ', '.join(files))
    return 0


def update(rheap_sim, root, files):
    cache = {}
    for path in files:
        blocks, lines = parse(path)
        # Replace from the end so earlier line numbers stay valid.
        for b in reversed(blocks):
            if b.kind == 'compiled':
                continue
            want = expected(b, root, rheap_sim, cache)
            lines[b.start:b.end] = want.split('\n')
        with open(path, 'w') as f:
            f.write('\n'.join(lines))
        print('%s: %d block(s) refreshed' % (path, sum(b.kind != 'compiled' for b in blocks)))
    return 0


def extract(path, name, out):
    blocks, _ = parse(path)
    found = [b for b in blocks if b.kind == 'compiled' and b.arg == name]
    if len(found) != 1:
        raise SystemExit('%s: %d blocks marked "compiled: %s", expected 1'
                         % (path, len(found), name))
    text = '/* Extracted from %s by tools/doc-sync.py: edit it there. */\n%s\n' % (
        os.path.basename(path), found[0].text)
    with open(out, 'w') as f:
        f.write(text)
    return 0


def main(argv):
    if len(argv) >= 4 and argv[0] in ('check', 'update'):
        fn = check if argv[0] == 'check' else update
        return fn(argv[1], argv[2], argv[3:])
    if len(argv) == 4 and argv[0] == 'extract':
        return extract(argv[1], argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
