#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-csv.py: a quick rheap-bench run writes the CSV docs/performance.md describes."""
import csv
import os
import subprocess
import sys
import tempfile

COLUMNS = ('bench,case,metric,unit,value,p99,min,baseline,baseline_value,ratio,goal,'
           'status,seed,quick,ratio_min,faults,baseline_faults,others_cpu,load1,flags').split(',')


def fail(msg):
    print('check-csv: ' + msg, file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 3:
        fail('usage: check-csv.py RHEAP-BENCH CSV-TABLES.SH')
    bench, tables = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'out.csv')
        run = subprocess.run([bench, 'sgdup', '--quick', '--no-progress', '--csv', path],
                             capture_output=True, text=True)
        if run.returncode:
            fail('rheap-bench sgdup failed: ' + run.stderr)
        if 'indicative only' not in run.stdout:
            fail('a quick run does not say its figures are indicative only')
        with open(path, newline='') as f:
            rows = list(csv.reader(f))
        if rows[0] != COLUMNS:
            fail('header is %s' % rows[0])
        if len(rows) < 5:
            fail('%d rows' % (len(rows) - 1))
        for r in rows[1:]:
            d = dict(zip(COLUMNS, r))
            if len(r) != len(COLUMNS):
                fail('row of %d fields: %s' % (len(r), r))
            if d['quick'] != '1' or 'quick' not in d['flags'].split():
                fail('a quick figure is not flagged quick: %s' % r)
            if d['ratio_min'] and float(d['ratio_min']) > float(d['ratio']):
                fail('minimum of the paired ratios above their median: %s' % r)
            if d['faults'] == '' or d['baseline_faults'] == '':
                fail('page faults not counted: %s' % r)
            if d['others_cpu'] and float(d['others_cpu']) < 0:
                fail('negative load: %s' % r)
            loaded = d['others_cpu'] and float(d['others_cpu']) > 0.3
            if bool(loaded) != ('loaded' in d['flags'].split()):
                fail('loaded flag does not match others_cpu: %s' % r)
        out = subprocess.run(['sh', tables, path], capture_output=True, text=True)
        if out.returncode or '| 4096 entries | dup+free |' not in out.stdout:
            fail('csv-tables.sh: ' + out.stderr + out.stdout)
        # A second run appends rows under the same header.
        subprocess.run([bench, 'sgdup', '--quick', '--no-progress', '--csv', path],
                       capture_output=True, check=True)
        with open(path, newline='') as f:
            again = list(csv.reader(f))
        if again[0] != COLUMNS or len(again) != 2 * len(rows) - 1:
            fail('appending run: %d rows' % len(again))
    print('check-csv: ok')


if __name__ == '__main__':
    main()
