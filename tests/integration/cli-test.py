#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Integration tests of the rheap-sim command line.

Runs every subcommand, checks exit codes (0 ok, 1 failed run, 2 bad
arguments with exactly one "rheap-sim <cmd>: <problem>" line on stderr),
parses the JSON, JSON-lines and Chrome trace outputs with the json module
and checks the events they carry and their order.

Usage: cli-test.py RHEAP_SIM MINIMAL_DTB SOURCE_ROOT [unittest args]
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

RHEAP_SIM = MINIMAL_DTB = SOURCE_ROOT = None

HEADER = 't_us,op,heap,size,id,attrs\n'


def run(*args, input_text=None, env=None):
    full_env = dict(os.environ)
    full_env.pop('NO_COLOR', None)
    if env:
        full_env.update(env)
    return subprocess.run([RHEAP_SIM] + list(args), capture_output=True, text=True,
                          input=input_text, env=full_env, timeout=120)


def run_on_tty(*args, env=None):
    """Runs with stdout and stderr on a pseudo-terminal; returns (status, output)."""
    import pty
    full_env = dict(os.environ)
    full_env.pop('NO_COLOR', None)
    full_env['TERM'] = 'xterm'
    if env:
        full_env.update(env)
    master, slave = pty.openpty()
    proc = subprocess.Popen([RHEAP_SIM] + list(args), stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=slave, env=full_env)
    os.close(slave)
    out = b''
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO once the child side is closed
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return proc.wait(timeout=120), out.decode('utf-8', 'replace')


def json_lines(text):
    """Every line must be one JSON object."""
    events = []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise AssertionError('line %d is not JSON (%s): %r' % (n, e, line))
        if not isinstance(obj, dict):
            raise AssertionError('line %d is not a JSON object: %r' % (n, line))
        events.append(obj)
    return events


class CliTestCase(unittest.TestCase):
    def assertUsageError(self, res, cmd):
        """Exit 2 and exactly one line naming the program and the command."""
        self.assertEqual(res.returncode, 2, res.stderr)
        lines = res.stderr.splitlines()
        self.assertEqual(len(lines), 1, res.stderr)
        prefix = 'rheap-sim %s: ' % cmd if cmd else 'rheap-sim: '
        self.assertTrue(lines[0].startswith(prefix), lines[0])
        self.assertGreater(len(lines[0]), len(prefix))

    def assertOk(self, res):
        self.assertEqual(res.returncode, 0, 'stdout:\n%s\nstderr:\n%s' % (res.stdout[-3000:],
                                                                          res.stderr))

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()


class TestMain(CliTestCase):
    def test_help_and_version(self):
        res = run('--help')
        self.assertOk(res)
        for cmd in ('demo', 'platform', 'alloc', 'bufinfo', 'replay'):
            self.assertIn(cmd, res.stdout)
            sub = run(cmd, '--help')
            self.assertOk(sub)
            self.assertIn('Usage: rheap-sim ' + cmd, sub.stdout)
        res = run('--version')
        self.assertOk(res)
        self.assertRegex(res.stdout, r'^rheap-sim \d+\.\d+\.\d+\n$')

    def test_bad_command_lines(self):
        self.assertUsageError(run(), None)
        self.assertUsageError(run('frobnicate'), None)
        self.assertUsageError(run('--frobnicate'), None)
        self.assertUsageError(run('-z'), None)


class TestPlatform(CliTestCase):
    def test_text(self):
        res = run('platform')
        self.assertOk(res)
        for word in ('Memory map', 'tee-chunk', 'restricted-cma', 'Firewall: 8 region slots',
                     'slot 0: 0x0060000000', 'vcodec', 'restricted_mtk_cma'):
            self.assertIn(word, res.stdout)

    def test_json(self):
        res = run('platform', '--json')
        self.assertOk(res)
        doc = json.loads(res.stdout)
        self.assertEqual(doc['dram'], {'base': '0x40000000', 'size': 2 << 30})
        names = [r['name'] for r in doc['reserved']]
        self.assertEqual(names, ['tee-chunk', 'restricted-cma'])  # address order
        self.assertEqual(doc['firewall']['regions'], len(doc['firewall']['slots']))
        used = [s for s in doc['firewall']['slots'] if s['in_use']]
        # Only the TEE's static chunk is protected at boot.
        self.assertEqual(len(used), 1)
        self.assertEqual(used[0]['region'], 'tee-chunk')
        self.assertEqual(int(used[0]['base'], 16), int(doc['reserved'][0]['base'], 16))
        devs = {d['name']: d for d in doc['devices']}
        self.assertTrue(devs['vcodec']['secure_capable'])
        self.assertFalse(devs['gpu']['secure_capable'])
        self.assertFalse(any(d['secure'] for d in doc['devices']))
        for heap in ('system', 'restricted_mtk_cm', 'restricted_mtk_cma'):
            self.assertIn(heap, doc['heaps'])

    def test_dtb(self):
        res = run('platform', '--dtb', MINIMAL_DTB, '--json')
        self.assertOk(res)
        doc = json.loads(res.stdout)
        self.assertEqual(doc['firewall']['regions'], 4)
        self.assertIn('minimal', doc['model'])

    def test_builtin_names_and_alias(self):
        # One option everywhere: --platform, with --dtb as its alias; a
        # built-in name or a path.
        by_name = json.loads(run('platform', '--platform', 'minimal', '--json').stdout)
        by_path = json.loads(run('platform', '--dtb', MINIMAL_DTB, '--json').stdout)
        self.assertEqual(by_name, by_path)
        default = json.loads(run('platform', '--json').stdout)
        self.assertEqual(json.loads(run('platform', '--platform', 'mt8188-svp',
                                        '--json').stdout), default)
        for cmd in ('demo', 'platform', 'alloc', 'bufinfo', 'replay'):
            with self.subTest(cmd=cmd):
                out = run(cmd, '--help').stdout
                self.assertIn('--platform NAME|FILE', out)
                self.assertIn('--dtb is', out)

    def test_platform_hints(self):
        empty = self.write('empty.dtb', '')
        dts = self.write('board.dts', '/dts-v1/;\n/ { };\n')
        src = self.write('board.dtb', '/dts-v1/;\n/ { };\n')
        res = run('platform', '--platform', empty)
        self.assertUsageError(res, 'platform')
        self.assertIn('empty', res.stderr)
        self.assertIn('dtc', res.stderr)
        for path in (dts, src):
            with self.subTest(path=path):
                res = run('platform', '--platform', path)
                self.assertUsageError(res, 'platform')
                self.assertIn('device tree source', res.stderr)
                self.assertIn('dtc -I dts -O dtb', res.stderr)
        res = run('platform', '--platform', 'nosuchboard')
        self.assertUsageError(res, 'platform')
        self.assertIn('mt8188-svp, minimal, optee-protmem', res.stderr)

    def test_bad_arguments(self):
        bad = self.write('bad.dtb', 'this is not a device tree\n')
        for args in (['--dtb'], ['--dtb', '/nonexistent/x.dtb'], ['--dtb', bad],
                     ['--dtb', self.tmp.name], ['--bogus'], ['extra'], ['-x'],
                     ['--platform'], ['--platform', 'nosuch']):
            with self.subTest(args=args):
                self.assertUsageError(run('platform', *args), 'platform')


class TestAlloc(CliTestCase):
    def test_system_attached(self):
        res = run('alloc', 'system', '64K', '--count', '3', '--attach', 'gpu', '--json')
        self.assertOk(res)
        doc = json.loads(res.stdout)
        self.assertEqual(doc['heap'], 'system')
        self.assertEqual(len(doc['buffers']), 3)
        self.assertEqual(doc['freed'], 3)
        for b in doc['buffers']:
            self.assertEqual(b['size'], 65536)
            self.assertFalse(b['restricted_heap'])
            att = b['attachment']
            self.assertEqual(att['device'], 'gpu')
            self.assertFalse(att['sg_dma_is_restricted'])
            self.assertEqual(sum(e['len'] for e in att['entries']), 65536)
            for e in att['entries']:
                self.assertIn('dma_address', e)
            self.assertIn('exp_name:\tsystem', b['fdinfo'])
        self.assertIn('Total 3 objects, 196608 bytes', doc['bufinfo'])
        self.assertEqual(doc['bufinfo'].count('\tgpu\n'), 3)

    def test_restricted_cma(self):
        plat = json.loads(run('platform', '--json').stdout)
        cma = [r for r in plat['reserved'] if r['name'] == 'restricted-cma'][0]
        base, size = int(cma['base'], 16), cma['size']
        res = run('alloc', 'restricted_mtk_cma', '12M', '--attach', 'vcodec', '--json')
        self.assertOk(res)
        b = json.loads(res.stdout)['buffers'][0]
        self.assertTrue(b['restricted_heap'])
        self.assertNotEqual(int(b['secure_handle'], 16), 0)
        self.assertTrue(b['attachment']['sg_dma_is_restricted'])
        for e in b['sg_table']['entries']:
            pa = int(e['pa'], 16)
            self.assertTrue(base <= pa and pa + e['len'] <= base + size)
        self.assertEqual(sum(e['len'] for e in b['sg_table']['entries']), 12 << 20)

    def test_page_rounding_and_text(self):
        res = run('alloc', 'restricted_mtk_cm', '4097')
        self.assertOk(res)
        self.assertIn('8 KiB (8192 bytes)', res.stdout)
        self.assertIn('restricted heap buffer: secure handle 0x', res.stdout)
        self.assertIn('Dma-buf Objects:', res.stdout)
        self.assertIn('freed 1 buffer', res.stdout)

    def test_failure(self):
        # Larger than the CMA region: the run fails (1), nothing is left
        # behind, and the message says how big the heap's region is.
        res = run('alloc', 'restricted_mtk_cma', '1G')
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn('rheap-sim alloc: allocation 1 of', res.stderr)
        self.assertIn('ENOMEM', res.stderr)
        self.assertIn('restricted_mtk_cma allocates from a 384 MiB region', res.stderr)
        res = run('alloc', 'system', '3G')
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("platform's 2 GiB of DRAM", res.stderr)

    def test_negative_sizes(self):
        for size in ('-4K', '-1', '0xffffffffffffffff', '18446744073709551615'):
            with self.subTest(size=size):
                res = run('alloc', 'system', size)
                self.assertUsageError(res, 'alloc')
                self.assertIn('negative', res.stderr)
        # An option's value is not a size.
        res = run('alloc', 'system', '4K', '--count', '-1')
        self.assertUsageError(res, 'alloc')
        self.assertIn("bad --count '-1'", res.stderr)

    def test_bad_arguments(self):
        for args in ([], ['system'], ['system', '4K', 'extra'], ['nosuchheap', '4K'],
                     ['system', '12Q'], ['system', '0'], ['system', '-4K'], ['system', ''],
                     ['system', '4K', '--count', '0'], ['system', '4K', '--count', 'x'],
                     ['system', '4K', '--count', '100000'], ['system', '4K', '--attach', 'nodev'],
                     ['system', '4K', '--attach'], ['system', '4K', '--frob'],
                     ['a/b', '4K'], ['system', '99999999999999999999999']):
            with self.subTest(args=args):
                self.assertUsageError(run('alloc', *args), 'alloc')


class TestBufinfo(CliTestCase):
    def test_bufinfo(self):
        res = run('bufinfo')
        self.assertOk(res)
        out = res.stdout
        self.assertTrue(out.startswith('\nDma-buf Objects:\n'), out[:80])
        header = out.splitlines()[2]
        self.assertEqual(header.split('\t'), ['size    ', 'flags   ', 'mode    ', 'count   ',
                                              'exp_name', 'ino     ', 'name'])
        rows = [l.split('\t') for l in out.splitlines() if re.match(r'^\d{8}\t', l)]
        self.assertEqual(len(rows), 5)
        by_name = {r[6]: r for r in rows}
        self.assertEqual(set(by_name), {'ui-layer', '<none>', 'es-bitstream', 'frame-0',
                                        'frame-1'})
        self.assertEqual(by_name['es-bitstream'][4], 'restricted_mtk_cm')
        self.assertEqual(by_name['frame-0'][4], 'restricted_mtk_cma')
        # The duplicated fd shows in the count column (fds + the tool's reference).
        self.assertGreater(int(by_name['<none>'][3]), int(by_name['ui-layer'][3]))
        total = sum(int(r[0]) for r in rows)
        self.assertIn('Total 5 objects, %d bytes' % total, out)
        self.assertEqual(out.count('Total 2 devices attached'), 2)
        self.assertIn('\tvcodec\n\tdisplay\n', out)

    def test_fdinfo(self):
        res = run('bufinfo', '--fdinfo')
        self.assertOk(res)
        self.assertEqual(res.stdout.count('/proc/self/fdinfo/'), 5)
        self.assertIn('exp_name:\trestricted_mtk_cm\nname:\tes-bitstream', res.stdout)

    def test_bad_arguments(self):
        for args in (['extra'], ['--bogus'], ['--dtb', '/nonexistent']):
            with self.subTest(args=args):
                self.assertUsageError(run('bufinfo', *args), 'bufinfo')


class TestReplay(CliTestCase):
    def test_good_trace(self):
        path = self.write('good.csv', '# a comment\n' + HEADER +
                          '0,A,restricted_mtk_cm,4194304,1.in0,role=bitstream\n'
                          '0,A,system,4096,1.ui,\n'
                          '\n'
                          '5000,A,restricted_mtk_cma,12533760,1.fr0,role=frame sess=1\n'
                          '5100,A,restricted_mtk_cma,12533760,1.fr1,role=frame\n'
                          '10000000,M,,,seek,sess=1\n'
                          '20000000,F,restricted_mtk_cma,,1.fr1,\n'
                          '20000050,F,,,1.fr0,\n'
                          '20000100,F,,4194304,1.in0,\n'
                          '20000150,F,system,,1.ui,\n')
        res = run('replay', path, '--json')
        self.assertOk(res)
        doc = json.loads(res.stdout)
        self.assertEqual(doc['events'], 9)
        self.assertEqual((doc['allocs'], doc['frees'], doc['marks']), (4, 4, 1))
        self.assertEqual(doc['peak_count'], 4)
        self.assertEqual(doc['peak_bytes'], 4194304 + 4096 + 2 * 12533760)
        self.assertEqual(doc['unexpected_failures'], 0)
        self.assertEqual(doc['leftover'], 0)
        heaps = {h['heap']: h for h in doc['heaps']}
        self.assertEqual(heaps['restricted_mtk_cma']['peak_bytes'], 2 * 12533760)
        self.assertEqual(heaps['restricted_mtk_cma']['region_lends'], 1)
        self.assertEqual(heaps['restricted_mtk_cma']['region_releases'], 1)
        ops = {(l['op'], l['heap']): l for l in doc['latency']}
        self.assertEqual(ops[('A', 'restricted_mtk_cma')]['count'], 2)
        for l in doc['latency']:
            self.assertTrue(l['p50_ns'] <= l['p90_ns'] <= l['p99_ns'] <= l['p99_9_ns']
                            <= l['max_ns'])
        text = run('replay', path)
        self.assertOk(text)
        self.assertIn('p99.9 us', text.stdout)
        self.assertIn('Failures: 0 expected, 0 unexpected', text.stdout)

    def test_expected_enomem(self):
        # The static chunk is 384 MiB: the second 300 MiB buffer cannot fit.
        path = self.write('oom.csv', HEADER +
                          '0,A,restricted_mtk_cm,314572800,a,\n'
                          '1,A,restricted_mtk_cm,314572800,b,expect=ENOMEM\n'
                          '2,F,,,b,\n'
                          '3,F,,,a,\n')
        res = run('replay', path, '--json')
        self.assertOk(res)
        doc = json.loads(res.stdout)
        self.assertEqual(doc['expected_failures'], 1)
        self.assertEqual(doc['frees_skipped'], 1)
        self.assertEqual(doc['failures'][0]['line'], 3)
        self.assertEqual(doc['failures'][0]['errno'], 'ENOMEM')
        self.assertTrue(doc['failures'][0]['expected'])

    def test_unexpected_failure(self):
        path = self.write('fail.csv', HEADER +
                          '0,A,restricted_mtk_cm,314572800,a,\n'
                          '1,A,restricted_mtk_cm,314572800,b,\n'
                          '3,F,,,a,\n')
        res = run('replay', path)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn('line 3: A restricted_mtk_cm 314572800 b: ENOMEM, UNEXPECTED', res.stdout)
        self.assertIn('rheap-sim replay: 1 operation failed unexpectedly', res.stderr)

    def test_unexpected_success(self):
        path = self.write('succ.csv', HEADER + '0,A,system,4096,a,expect=ENOMEM\n0,F,,,a,\n')
        res = run('replay', path, '--json')
        self.assertEqual(res.returncode, 1)
        self.assertEqual(json.loads(res.stdout)['unexpected_successes'], 1)

    def test_progress_bar_on_a_terminal(self):
        path = self.write('p.csv', HEADER + '0,A,system,4096,a,\n1,F,,,a,\n')
        status, out = run_on_tty('replay', path)
        self.assertEqual(status, 0, out)
        # Drawn, then erased before the results: "\r" + erase-line.
        self.assertIn('replay [', out)
        self.assertIn('\r\033[K', out)
        self.assertLess(out.rindex('\r\033[K'), out.index('Trace '))
        # Not on a pipe.
        res = run('replay', path)
        self.assertNotIn('\033[', res.stdout + res.stderr)

    def test_timed(self):
        path = self.write('timed.csv', HEADER + '0,A,system,4096,a,\n20000,F,,,a,\n')
        res = run('replay', path, '--timed', '--json')
        self.assertOk(res)
        doc = json.loads(res.stdout)
        self.assertTrue(doc['timed'])
        self.assertGreaterEqual(doc['elapsed_ns'], 20000 * 1000)

    def test_malformed_traces(self):
        cases = {
            'no header': ('0,A,system,4096,a,\n', 'line 1: expected the header'),
            'empty': ('', 'no header'),
            'fields': (HEADER + '0,A,system,4096,a\n', 'line 2: 5 fields'),
            'op': (HEADER + '0,X,system,4096,a,\n', "line 2: op 'X'"),
            'time': (HEADER + '5,A,system,4096,a,\n4,F,,,a,\n', 'line 3: t_us 4 goes back'),
            'unknown free': (HEADER + '0,A,system,4096,a,\n1,F,,,b,\n',
                             "line 3: F of unknown id 'b'"),
            'double free': (HEADER + '0,A,system,4096,a,\n1,F,,,a,\n2,F,,,a,\n',
                            "line 4: F of unknown id 'a'"),
            'dup id': (HEADER + '0,A,system,4096,a,\n1,A,system,4096,a,\n',
                       "line 3: id 'a' is already live (allocated on line 2)"),
            'size': (HEADER + '0,A,system,4K,a,\n', "line 2: size '4K'"),
            'zero': (HEADER + '0,A,system,0,a,\n', "line 2: size '0'"),
            'heap': (HEADER + '0,A,,4096,a,\n', 'line 2: A needs a heap'),
            'mark': (HEADER + '0,M,system,,seek,\n', 'line 2: M takes no heap'),
            'attr': (HEADER + '0,A,system,4096,a,role\n', "line 2: attribute 'role'"),
            'expect': (HEADER + '0,A,system,4096,a,expect=EAGAIN\n', "line 2: expect 'EAGAIN'"),
            'id': (HEADER + '0,A,system,4096,a b,\n', "line 2: id 'a b'"),
            'quote': (HEADER + '0,A,system,4096,"a",\n', 'line 2: quoted fields'),
            'free heap': (HEADER + '0,A,system,4096,a,\n1,F,restricted_mtk_cm,,a,\n',
                          'line 3: F of \'a\' names heap'),
        }
        for name, (text, msg) in cases.items():
            with self.subTest(case=name):
                path = self.write('bad.csv', text)
                res = run('replay', path)
                self.assertUsageError(res, 'replay')
                self.assertIn(msg, res.stderr)

    def test_bad_arguments(self):
        path = self.write('ok.csv', HEADER)
        nohp = self.write('noheap.csv', HEADER + '0,A,nosuchheap,4096,a,\n')
        for args in ([], [path, 'extra'], ['/nonexistent.csv'], [path, '--bogus'],
                     [self.tmp.name], [nohp], [path, '--dtb']):
            with self.subTest(args=args):
                self.assertUsageError(run('replay', *args), 'replay')
        res = run('replay', nohp)
        self.assertIn('line 2: cannot open heap nosuchheap', res.stderr)

    def test_benchmark_traces(self):
        traces = sorted(glob.glob(os.path.join(SOURCE_ROOT, 'bench', 'traces', '*.csv')))
        for path in traces:
            with self.subTest(trace=os.path.basename(path)):
                res = run('replay', path, '--json')
                self.assertOk(res)
                doc = json.loads(res.stdout)
                self.assertEqual(doc['unexpected_failures'], 0)
                self.assertEqual(doc['unexpected_successes'], 0)


LEND_CYCLES = HEADER + ''.join('%d,A,restricted_mtk_cma,4096,c%d,\n%d,F,,,c%d,\n'
                                % (2 * i, i, 2 * i + 1, i) for i in range(12))


class TestReplaySim(CliTestCase):
    """replay --cost-model: simulated time next to the wall figures."""

    def setUp(self):
        super().setUp()
        self.t1 = os.path.join(SOURCE_ROOT, 'bench', 'traces', 't1-4k-hevc.csv')

    def sim_json(self, *args):
        res = run('replay', *args, '--json')
        self.assertOk(res)
        return json.loads(res.stdout)

    def test_t1_frames_and_misses(self):
        doc = self.sim_json(self.t1, '--cost-model', 'mt8188')
        self.assertEqual(doc['cost_model'], 'mt8188')
        self.assertEqual(doc['seed'], 0x5eed)
        self.assertEqual(doc['deadline_ns'], 16600000)
        # The first frame lends the 384 MiB region: 1 ms a MiB of migration alone.
        self.assertEqual(doc['sim_breakdown']['cma_migrate'], {'ns': 384000000, 'count': 1})
        misses = doc['sim_missed_frames']
        self.assertGreaterEqual(doc['sim_deadline_misses'], 1)
        self.assertEqual(len(misses), doc['sim_deadline_misses'])
        self.assertEqual(misses[0]['start_us'], 0)
        self.assertGreaterEqual(misses[0]['sim_ns'], 384000000)
        self.assertTrue(doc['sim_frame_ns_p50'] <= doc['sim_frame_ns_p99']
                        <= doc['sim_frame_ns_max'])
        self.assertEqual(doc['sim_frame_ns_max'], max(m['sim_ns'] for m in misses))
        # Every charge of the run is the replaying thread's: the parts add up.
        self.assertEqual(sum(c['ns'] for c in doc['sim_breakdown'].values()),
                         doc['sim_total_ns'])
        self.assertLess(doc['sim_secure_ns'], doc['sim_total_ns'])
        for l in doc['latency']:
            self.assertTrue(l['sim_p50_ns'] <= l['sim_p90_ns'] <= l['sim_p99_ns']
                            <= l['sim_p99_9_ns'] <= l['sim_max_ns'])
        # The wall-clock figures are still there.
        self.assertIn('frame_ns_p99', doc)
        self.assertIn('deadline_misses', doc)
        text = run('replay', self.t1, '--cost-model', 'mt8188', '--deadline', '33ms')
        self.assertOk(text)
        self.assertIn('Simulated on mt8188 (seed 0x5eed)', text.stdout)
        self.assertIn('deadline 33.0 ms', text.stdout)
        self.assertIn('missed: frame at 0.000 s', text.stdout)
        self.assertRegex(text.stdout, r'cma_migrate +384 ms')

    def test_world_switch_delta(self):
        base = self.sim_json(self.t1, '--cost-model', 'mt8188')
        model = self.write('ws.cost', '# one transition 777 ns dearer\n'
                                      'world_switch_ns = 1777\n')
        raised = self.sim_json(self.t1, '--cost-model', model)
        self.assertEqual(raised['cost_model'], 'mt8188+ws.cost')
        switches = base['platform']['world_switches']
        self.assertEqual(raised['platform']['world_switches'], switches)
        self.assertEqual(base['sim_breakdown']['world_switch']['count'], switches)
        self.assertEqual(raised['sim_total_ns'] - base['sim_total_ns'], 777 * switches)

    def test_seed_gives_the_timeline(self):
        trace = self.write('cycles.csv', LEND_CYCLES)
        model = self.write('tail.cost', 'cma_tail_probability = 50%\n')
        runs = [self.sim_json(trace, '--cost-model', model, '--seed', seed)
                for seed in ('7', '7', '0x8')]
        keys = [k for k in runs[0] if k.startswith('sim_')]
        self.assertIn('sim_total_ns', keys)
        self.assertEqual({k: runs[0][k] for k in keys}, {k: runs[1][k] for k in keys})
        self.assertNotEqual(runs[0]['sim_total_ns'], runs[2]['sim_total_ns'])
        self.assertEqual(runs[2]['seed'], 8)

    def test_default_model(self):
        doc = self.sim_json(self.t1, '--cost-model', 'default')
        self.assertEqual(doc['cost_model'], 'mt8188')
        small = self.write('small.csv', HEADER + '0,A,system,4096,a,\n1,F,,,a,\n')
        doc = self.sim_json(small, '--platform', MINIMAL_DTB, '--cost-model', 'default')
        self.assertEqual(doc['cost_model'], 'mt8188')
        doc = self.sim_json(small, '--cost-model', 'qemu-optee')
        self.assertEqual(doc['sim_breakdown']['page_alloc'], {'ns': 2000, 'count': 1})

    def test_model_off(self):
        doc = self.sim_json(self.t1)
        self.assertFalse([k for k in doc if k.startswith('sim_')])
        self.assertNotIn('cost_model', doc)
        self.assertGreaterEqual(doc['frames'], 1)

    def test_bad_models_and_options(self):
        bad = self.write('bad.cost', '# fine\nworld_switch = 3\n')
        res = run('replay', self.t1, '--cost-model', bad)
        self.assertUsageError(res, 'replay')
        self.assertIn('bad.cost:2: unknown key \'world_switch\'', res.stderr)
        slow = self.write('slow.cost', 'secure_zero_bytes_per_s = 0\n')
        res = run('replay', self.t1, '--cost-model', slow)
        self.assertUsageError(res, 'replay')
        self.assertIn('slow.cost:1: secure_zero_bytes_per_s: out-of-range value', res.stderr)
        for args in (['--cost-model', 'pentium'], ['--cost-model', ''],
                     ['--cost-model', '/nonexistent.cost'], ['--cost-model', self.tmp.name],
                     ['--cost-model', 'mt8188', '--seed', 'x'],
                     ['--deadline', '0'], ['--deadline', 'soon'], ['--deadline', '-1ms'],
                     ['--trace', os.path.join(self.tmp.name, 'no', 'such', 'dir.json')]):
            with self.subTest(args=args):
                self.assertUsageError(run('replay', self.t1, *args), 'replay')

    def test_perfetto_on_the_simulated_clock(self):
        out = os.path.join(self.tmp.name, 't1.json')
        self.assertOk(run('replay', self.t1, '--cost-model', 'mt8188', '--trace', out))
        with open(out) as f:
            doc = json.load(f)
        events = doc['traceEvents']
        threads = {e['args']['name'] for e in events
                   if e['ph'] == 'M' and e['name'] == 'thread_name'}
        self.assertIn('CPU thread 1', threads)
        self.assertIn('TEE on CPU thread 1', threads)
        migrate = [e for e in events if e['name'] == 'cma_migrate']
        self.assertEqual(len(migrate), 1)
        self.assertEqual((migrate[0]['ph'], migrate[0]['dur']), ('X', 384000.0))
        for e in events:
            if e['ph'] in ('X', 'i', 'B', 'E'):
                self.assertGreaterEqual(e['ts'], 0)
        # Without a model the same option writes the wall-clock trace.
        self.assertOk(run('replay', self.t1, '--trace', out))
        with open(out) as f:
            self.assertFalse([e for e in json.load(f)['traceEvents']
                              if e['name'] == 'cma_migrate'])


class TestDemoSim(CliTestCase):
    """demo --cost-model: each step says what it would take on the phone."""

    def sim_lines(self, *args):
        res = run('demo', '--no-color', *args)
        self.assertOk(res)
        return [l for l in res.stdout.splitlines() if 'simulated on ' in l]

    def test_steps_narrate_simulated_time(self):
        lines = self.sim_lines('--cost-model', 'mt8188')
        self.assertEqual(len(lines), 7)  # one a step
        self.assertTrue(all('simulated on mt8188: this step takes ' in l for l in lines))
        # Step 4 lends the CMA region: its migration leads.
        self.assertIn('(cma_migrate 384 ms', lines[3])
        # From the model and the seed alone: the same words every run.
        self.assertEqual(lines, self.sim_lines('--cost-model', 'mt8188'))
        self.assertEqual(self.sim_lines('--cost-model', 'mt8188', '--seed', '3'),
                         self.sim_lines('--cost-model', 'mt8188', '--seed', '3'))
        # Without a model the narration has no such line.
        self.assertEqual(self.sim_lines(), [])

    def test_trace_and_json_on_the_simulated_clock(self):
        out = os.path.join(self.tmp.name, 'demo.json')
        res = run('demo', '--cost-model', 'a53-little', '--trace', out, '--json')
        self.assertOk(res)
        events = json_lines(res.stdout)
        self.assertTrue(all('sim_ns' in e and e['thread'] >= 1 for e in events))
        costs = [e for e in events if e['type'] == 'sim_cost']
        self.assertTrue(costs)
        self.assertTrue(all(e['sim_dur_ns'] > 0 for e in costs))
        with open(out) as f:
            trace = json.load(f)['traceEvents']
        self.assertTrue([e for e in trace if e['name'] == 'cma_migrate' and e['ph'] == 'X'])

    def test_bad_model(self):
        self.assertUsageError(run('demo', '--cost-model', 'pentium'), 'demo')
        self.assertUsageError(run('demo', '--cost-model', 'mt8188', '--seed', '-1'), 'demo')


# The run-wide order the demo must show, by event type (first occurrence):
# boot, heaps, TEE session, the bitstream, the CMA region lent, secure
# devices, pictures, attacks and their refusals, the region given back.
DEMO_ORDER = ['platform_boot', 'region_reserved', 'firewall_program', 'heap_register',
              'heap_open', 'ta_alloc', 'buffer_alloc', 'buffer_export', 'decrypt',
              'cma_alloc', 'region_lend', 'attach', 'map', 'device_secure_switch',
              'dma_read', 'dma_write', 'frame_digest', 'mmap_denied', 'attack',
              'cpu_access_denied', 'cpu_trap', 'firewall_violation', 'dma_denied',
              'buffer_free', 'ta_scrub', 'firewall_clear', 'cma_release', 'region_reclaim',
              'platform_shutdown']


class TestDemo(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = run('demo', '--no-color')
        cls.json_run = run('demo', '--json')

    def test_text(self):
        res = self.text
        self.assertOk(res)
        out = res.stdout
        self.assertNotIn('\033[', out)
        titles = re.findall(r'== (\d)\. ', out)
        self.assertEqual(titles, list('1234567'))
        self.assertIn('4477588a-8476-11e2-ad15-e41f1390d676', out)  # the TA's UUID
        self.assertEqual(len(re.findall(r'display +frame \d+ digest [0-9a-f]{16}\n', out)), 8)
        self.assertIn('12443648 bytes each', out)  # 3840x2160 NV12, page-rounded
        self.assertRegex(out, r'result: all \d+ checks passed')
        self.assertNotIn('CHECK FAILED', out)
        self.assertEqual(res.stderr, '')

    def test_json_events(self):
        res = self.json_run
        self.assertOk(res)
        events = json_lines(res.stdout)
        for ev in events:
            for key in ('ts_ns', 'type', 'track', 'actor'):
                self.assertIn(key, ev)
        ts = [e['ts_ns'] for e in events]
        self.assertEqual(ts, sorted(ts))
        types = [e['type'] for e in events]
        first = {}
        for i, t in enumerate(types):
            first.setdefault(t, i)
        for t in DEMO_ORDER:
            self.assertIn(t, first)
        order = [first[t] for t in DEMO_ORDER]
        self.assertEqual(order, sorted(order), [(t, first[t]) for t in DEMO_ORDER])
        self.assertEqual(types[-1], 'platform_shutdown')
        phases = [e['phase'] for e in events if e['type'] == 'phase_begin']
        self.assertEqual([p.split('.')[0] for p in phases], list('1234567'))
        ends = [e['phase'] for e in events if e['type'] == 'phase_end']
        self.assertEqual(ends, phases)
        # Boot happens inside phase 1, before any allocation.
        self.assertLess(types.index('phase_begin'), first['platform_boot'])
        # Every attack refused, in the attack phase, each with its errno.
        attack_phase = [i for i, e in enumerate(events)
                        if e['type'] == 'phase_begin' and e['phase'].startswith('6.')][0]
        stop_phase = [i for i, e in enumerate(events)
                      if e['type'] == 'phase_begin' and e['phase'].startswith('7.')][0]
        attacks = [(i, e) for i, e in enumerate(events) if e['type'] == 'attack']
        self.assertEqual(len(attacks), 14)
        want = {'mmap': 'EPERM', 'dma_buf_sync': 'EPERM', 'cpu_read_frame': 'EFAULT',
                'cpu_read_bitstream': 'EFAULT', 'gpu_dma_read': 'EACCES',
                'gpu_import': 'EACCES', 'forged_handle_free': 'ENOENT',
                'double_free': 'ENOENT', 'user_secmem_session': 'EACCES',
                'user_device_secure': 'EACCES', 'display_reads_bitstream': 'EACCES',
                'secure_decoder_writes_out': 'EACCES', 'foreign_handle_free': 'ENOENT',
                'stranger_region_claim': 'EACCES'}
        self.assertEqual({e['attack']: e['errno'] for _, e in attacks}, want)
        for i, e in attacks:
            self.assertTrue(attack_phase < i < stop_phase)
            self.assertNotEqual(e['err'], 0)
            self.assertTrue(e['msg'])
        # The TA refused the forged handle, the foreign one and the double free.
        refused = [e for e in events if e['type'] == 'ta_free' and e.get('err')]
        self.assertEqual(len(refused), 3)
        # The region is scrubbed, unprotected and given back after the attacks.
        scrubs = [i for i, e in enumerate(events) if e['type'] == 'ta_scrub']
        self.assertGreater(scrubs[-1], stop_phase)
        lends = [i for i, e in enumerate(events) if e['type'] == 'region_lend']
        reclaims = [i for i, e in enumerate(events) if e['type'] == 'region_reclaim']
        self.assertEqual(len(lends), 1)
        self.assertEqual(len(reclaims), 1)
        self.assertLess(lends[0], attacks[0][0])
        self.assertGreater(reclaims[0], attacks[-1][0])
        self.assertGreater(reclaims[0], scrubs[-1])
        self.assertEqual(events[lends[0]]['pa'], events[reclaims[0]]['pa'])
        # Each refusal leaves its trace: traps and violations, the gpu's, display's and vcodec's DMA denied.
        self.assertEqual(types.count('cpu_trap'), 2)
        self.assertEqual(types.count('firewall_violation'), 5)
        self.assertEqual(types.count('dma_denied'), 3)
        self.assertEqual(types.count('mmap_denied'), 1)
        # Every mapping of the pictures is restricted, the devices went secure and back.
        maps = [e for e in events if e['type'] == 'map' and e['heap'] != 'system']
        self.assertTrue(maps and all(e['secure'] for e in maps))
        # The one system-heap mapping (an attack) is not.
        self.assertEqual([e['secure'] for e in events
                          if e['type'] == 'map' and e['heap'] == 'system'], [False])
        switches = [(e['actor'], e['secure']) for e in events
                    if e['type'] == 'device_secure_switch']
        self.assertEqual(sorted(switches), [('display', False), ('display', True),
                                            ('vcodec', False), ('vcodec', True)])
        # Every buffer allocated was freed.
        self.assertEqual(types.count('buffer_alloc'), types.count('buffer_free'))
        digests = [e for e in events if e['type'] == 'frame_digest']
        self.assertEqual([d['id'] for d in digests], list(range(8)))
        self.assertTrue(all(d['actor'] == 'display' for d in digests))
        results = [e['msg'] for e in events if e['type'] == 'note'
                   and e['msg'].startswith('result: ')]
        self.assertEqual(len(results), 1)
        self.assertIn('checks passed', results[0])

    def test_deterministic_pictures(self):
        a = re.findall(r'frame \d+ digest ([0-9a-f]+)', self.text.stdout)
        b = [e['msg'] for e in json_lines(self.json_run.stdout)
             if e['type'] == 'frame_digest']
        self.assertEqual(a, b)
        self.assertEqual(len(set(a)), len(a))

    def test_trace_and_mermaid(self):
        trace = os.path.join(self.tmp.name, 'demo.json')
        mmd = os.path.join(self.tmp.name, 'demo.mmd')
        res = run('demo', '--quiet', '--frames', '2', '--resolution', '1920x1080',
                  '--trace', trace, '--mermaid', mmd)
        self.assertOk(res)
        self.assertEqual(res.stdout, '')
        with open(trace) as f:
            doc = json.load(f)
        evs = doc['traceEvents']
        meta = [e for e in evs if e['ph'] == 'M']
        names = {e['args']['name'] for e in meta if e['name'] in ('process_name',
                                                                   'thread_name')}
        for track in ('Normal world', 'Secure world', 'Hardware', 'TEE', 'display'):
            self.assertTrue(any(track in n for n in names), (track, names))
        body = [e for e in evs if e['ph'] != 'M']
        for e in body:
            for key in ('name', 'ph', 'ts', 'pid', 'tid'):
                self.assertIn(key, e)
        self.assertEqual(sum(1 for e in body if e['ph'] == 'B'),
                         sum(1 for e in body if e['ph'] == 'E'))
        self.assertEqual(sum(1 for e in body if e['ph'] == 'B'), 7)
        # Complete ("X") events carry their start time and are written when
        # they end; every other event is written as it happens.
        ts = [e['ts'] for e in body if e['ph'] != 'X']
        self.assertEqual(ts, sorted(ts))
        for e in body:
            if e['ph'] == 'X':
                self.assertGreaterEqual(e['dur'], 0)
                self.assertLessEqual(e['ts'], max(ts))
        order = []
        for e in body:
            n = e['name']
            if n not in order:
                order.append(n)
        idx = {n: order.index(n) for n in order}
        for a, b in zip(DEMO_ORDER, DEMO_ORDER[1:]):
            if a in idx and b in idx:
                self.assertLess(idx[a], idx[b], (a, b))
        for n in DEMO_ORDER:
            self.assertTrue(any(n in o for o in order), (n, order))
        self.assertEqual(sum(1 for e in body if e['name'] == 'frame_digest'), 2)
        with open(mmd) as f:
            text = f.read()
        self.assertTrue(text.startswith('sequenceDiagram\n'), text[:40])
        for who in ('App', 'Kernel', 'TEE', 'Firewall'):
            self.assertRegex(text, r'participant %s' % who)
        self.assertIn('attack', text)

    def test_colours_only_on_a_terminal(self):
        args = ('demo', '--frames', '1', '--resolution', '64x64')
        status, out = run_on_tty(*args)
        self.assertEqual(status, 0, out)
        self.assertIn('\033[', out)
        for extra, env in ((['--no-color'], None), ([], {'NO_COLOR': '1'}),
                           ([], {'TERM': 'dumb'})):
            with self.subTest(extra=extra, env=env):
                status, out = run_on_tty(*(args + tuple(extra)), env=env)
                self.assertEqual(status, 0, out)
                self.assertNotIn('\033[', out)
                self.assertIn('== 7. Stop', out)
        self.assertNotIn('\033[', run(*args).stdout)

    def test_verbose(self):
        quiet = run('demo', '--frames', '1', '--resolution', '64x64', '--no-color')
        loud = run('demo', '--frames', '1', '--resolution', '64x64', '--no-color',
                   '--verbose')
        self.assertOk(quiet)
        self.assertOk(loud)
        for line in ('attach buffer #', 'detach buffer #', 'unmap buffer #'):
            self.assertNotIn(line, quiet.stdout)
            self.assertIn(line, loud.stdout)
        self.assertGreater(len(loud.stdout.splitlines()), len(quiet.stdout.splitlines()))

    def test_small_platform(self):
        res = run('demo', '--platform', MINIMAL_DTB, '--frames', '2', '--resolution',
                  '1280x720', '--json')
        self.assertOk(res)
        events = json_lines(res.stdout)
        self.assertIn('minimal', events[[e['type'] for e in events].index('platform_boot')]
                      ['model'])
        self.assertEqual(sum(1 for e in events if e['type'] == 'frame_digest'), 2)

    def test_too_many_frames_fails(self):
        # 64 MiB of CMA on the minimal platform: the 6th 4K frame does not fit,
        # and the failure says what would.
        for platform in (MINIMAL_DTB, 'minimal'):
            with self.subTest(platform=platform):
                res = run('demo', '--platform', platform, '--no-color')
                self.assertEqual(res.returncode, 1)
                self.assertIn('rheap-sim demo: check failed: frame 5: allocation',
                              res.stderr)
                self.assertIn('holds 5 frames of 3840x2160: try --frames 5', res.stderr)
                self.assertIn('result: stopped in step 4.', res.stdout)
        self.assertOk(run('demo', '--platform', 'minimal', '--frames', '5', '--quiet'))

    def test_tee_lines_name_commands(self):
        out = self.text.stdout
        self.assertRegex(out, r'TEE +cmd 0x10000 \(SECMEM_ZALLOC\) returned 0x00000000 '
                              r'\(TEEC_SUCCESS\) origin 4 \(TA\) after [0-9.]+ [mun]?s\n')
        self.assertIn('(mtk-secmem) -> session ', out)
        # The forged FREE: the line after the refusal does not read as a success.
        lines = out.splitlines()
        refused = [i for i, l in enumerate(lines) if 'free of handle' in l and 'refused' in l]
        self.assertEqual(len(refused), 3)
        for i in refused:
            self.assertIn('(SECMEM_FREE)', lines[i + 1])
            self.assertIn('but the TA refused it', lines[i + 1])
            self.assertIn('TEEC_ERROR_ITEM_NOT_FOUND', lines[i + 1])
        # "seed" is explained the first time it appears.
        first = [l for l in lines if 'seed' in l][0]
        self.assertIn('the seed is the Linux series', first)

    def test_world_switches_match_the_trace(self):
        events = json_lines(self.json_run.stdout)
        switches = [e for e in events if e['type'] == 'world_switch']
        note = [e['msg'] for e in events if e['type'] == 'note'
                and 'world switches' in e['msg']][0]
        total = int(re.match(r'TEE: (\d+) world switches in all', note).group(1))
        self.assertEqual(total, len(switches))
        self.assertEqual(switches[-1]['count'], total)

    def test_perfetto_spans_named_after_commands(self):
        trace = os.path.join(self.tmp.name, 'run.json')
        self.assertOk(run('demo', '--quiet', '--frames', '1', '--resolution', '64x64',
                          '--trace', trace))
        with open(trace) as f:
            spans = [e['name'] for e in json.load(f)['traceEvents'] if e['ph'] == 'X']
        self.assertNotIn('tee_return', spans)
        for cmd in ('SECMEM_ZALLOC', 'SECMEM_FREE', 'DECRYPT', 'SET_DEVICE_SECURE'):
            self.assertIn(cmd, spans)

    def test_bad_arguments(self):
        for args in (['--frames', '0'], ['--frames', '65'], ['--frames', 'x'], ['--frames'],
                     ['--resolution', '10x10'], ['--resolution', 'abc'],
                     ['--resolution', '9000x100'], ['--platform', '/nonexistent.dtb'],
                     ['--trace', '/nonexistent-dir/t.json'], ['--mermaid', '/nonexistent/m'],
                     ['--trace', 'same', '--mermaid', 'same'], ['--bogus'], ['extra'], ['-x'],
                     ['--quiet', '--verbose'], ['--dtb', 'nosuch']):
            with self.subTest(args=args):
                self.assertUsageError(run('demo', *args), 'demo')


class TestProtectedHeaps(CliTestCase):
    """The optee-protmem board: the TEE's protected heaps of Linux 6.18."""

    def test_platform_lists_the_protected_heaps(self):
        res = run('platform', '--platform', 'optee-protmem')
        self.assertOk(res)
        for heap in ('protected,secure-video', 'protected,trusted-ui',
                     'protected,secure-video-record'):
            self.assertRegex(res.stdout, r'\n  %s\n      protected heap of the TEE: ' % heap)
        self.assertIn('static carveout 0x00b8000000-0x00b9ffffff (32 MiB)', res.stdout)
        self.assertIn('masters vdec rw, display r', res.stdout)
        doc = json.loads(run('platform', '--platform', 'optee-protmem', '--json').stdout)
        pools = {h['name']: h for h in doc['protected_heaps']}
        self.assertEqual(sorted(pools), ['protected,secure-video',
                                         'protected,secure-video-record',
                                         'protected,trusted-ui'])
        self.assertEqual(pools['protected,trusted-ui']['pool'], 'static')
        self.assertEqual(pools['protected,secure-video']['pool'], 'dynamic')
        self.assertEqual(pools['protected,secure-video']['use_case'], 1)
        self.assertEqual([(m['device'], m['access'])
                          for m in pools['protected,secure-video']['masters']],
                         [('vdec', 'rw'), ('display', 'r')])
        # The MediaTek board has none.
        self.assertEqual(json.loads(run('platform', '--json').stdout)['protected_heaps'], [])

    def test_alloc_attached_to_the_decoder(self):
        res = run('alloc', 'protected,secure-video', '8M', '--platform', 'optee-protmem',
                  '--attach', 'vdec', '--json')
        self.assertOk(res)
        buf = json.loads(res.stdout)['buffers'][0]
        self.assertEqual(buf['exp_name'], 'tee')
        self.assertEqual(buf['size'], 8 << 20)
        self.assertFalse(buf['restricted_heap'])
        self.assertEqual(buf['attachment']['device'], 'vdec')
        self.assertEqual(buf['attachment']['orig_nents'], 1)
        self.assertFalse(buf['attachment']['sg_dma_is_restricted'])
        text = run('alloc', 'protected,secure-video', '8M', '--platform', 'optee-protmem',
                   '--attach', 'vdec')
        self.assertOk(text)
        self.assertIn('protected heap buffer', text.stdout)
        # More than the chunk the TEE is lent: the message says what there is.
        res = run('alloc', 'protected,secure-video', '600M', '--platform', 'optee-protmem')
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn('ENOMEM', res.stderr)
        self.assertIn('512 MiB chunk the TEE is lent', res.stderr)

    def test_bufinfo(self):
        res = run('bufinfo', '--platform', 'optee-protmem')
        self.assertOk(res)
        self.assertEqual(res.stdout.count('\ttee\t'), 3)
        for name in ('es-bitstream', 'frame-0', 'pin-pad'):
            self.assertIn(name, res.stdout)

    def test_replay_by_role(self):
        for name in ('t1-4k-hevc.csv', 't4-churn.csv'):
            with self.subTest(trace=name):
                res = run('replay', os.path.join(SOURCE_ROOT, 'bench', 'traces', name),
                          '--platform', 'optee-protmem', '--json')
                self.assertOk(res)
                doc = json.loads(res.stdout)
                heaps = {h['heap']: h for h in doc['heaps']}
                self.assertNotIn('restricted_mtk_cma', heaps)
                self.assertEqual(heaps['protected,secure-video']['region_lends'], 1)
                self.assertEqual(heaps['protected,secure-video']['region_releases'], 1)

    def test_demo(self):
        res = run('demo', '--platform', 'optee-protmem', '--no-color')
        self.assertOk(res)
        out = res.stdout
        self.assertEqual(re.findall(r'== (\d)\. ', out), list('1234567'))
        self.assertIn('LEND_PROTMEM', out)
        self.assertIn('RECLAIM_PROTMEM', out)
        self.assertIn('TEE_IOC_SHM_REGISTER_FD', out)
        self.assertIn('(sdp_basic)', out)
        self.assertEqual(len(re.findall(r'attack \S+: refused', out)), 12)
        self.assertEqual(len(re.findall(r'display +frame \d+ digest [0-9a-f]{16}\n', out)), 8)
        self.assertRegex(out, r'result: all \d+ checks passed')
        self.assertEqual(res.stderr, '')
        events = json_lines(run('demo', '--platform', 'optee-protmem', '--json').stdout)
        types = [e['type'] for e in events]
        self.assertLess(types.index('region_lend'), types.index('decrypt'))
        self.assertLess(types.index('decrypt'), types.index('frame_digest'))
        self.assertLess(types.index('frame_digest'), types.index('region_reclaim'))


class TestUmbrella(unittest.TestCase):
    def test_rheap_h_includes_every_header(self):
        # rheap.h has the normal world's API, testbench.h adds the rest:
        # together every header, and no test-bench header in rheap.h.
        inc = os.path.join(SOURCE_ROOT, 'include')

        def includes(name):
            with open(os.path.join(inc, 'rheap', name)) as f:
                return set(re.findall(r'#include <(rheap/[^>]+)>', f.read()))
        normal = includes('rheap.h')
        bench = includes('testbench.h') - {'rheap/rheap.h'}
        headers = {os.path.relpath(p, inc)
                   for p in glob.glob(os.path.join(inc, 'rheap', '**', '*.h'), recursive=True)}
        headers -= {'rheap/rheap.h', 'rheap/testbench.h'}
        headers.discard('rheap/tee-mock.h')  # librheap-sim-mock's, not the library's
        headers.add('rheap/version.h')  # generated from version.h.in
        self.assertEqual(sorted(headers - normal - bench), [])
        self.assertEqual(sorted((normal | bench) - headers), [])
        self.assertEqual(sorted(normal & bench), [])
        self.assertEqual(sorted(bench), ['rheap/alloc.h', 'rheap/device-bus.h',
                                         'rheap/firewall.h', 'rheap/secure-stats.h',
                                         'rheap/svp.h', 'rheap/tee-backend.h'])


if __name__ == '__main__':
    RHEAP_SIM, MINIMAL_DTB, SOURCE_ROOT = sys.argv[1:4]
    unittest.main(argv=[sys.argv[0]] + sys.argv[4:], verbosity=2)
