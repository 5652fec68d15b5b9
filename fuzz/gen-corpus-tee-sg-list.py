#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of fuzz/tee-sg-list.c: scripted TEE answers to the MTK heaps.

Usage: fuzz/gen-corpus-tee-sg-list.py [OUTDIR]   (default: fuzz/corpus/tee-sg-list)

Input layout (fuzz/tee-sg-list.c), little-endian:
  u8 flags, u16 pages (buffer = pages + 1 pages), u64 sg_num, u64 pa,
  u64 handle, u32 zalloc_ret, u32 retrieve_ret, u64 report, then packed
  {u64 pa; u32 length} RETRIEVE_SG entries. Without F_REPORT, the low 16
  bits of report name the library allocation (1-based) that fails while
  the heap allocates (0: none).
Every PA is relative to the heap's region base (added modulo 2^64). The
few seeds that need the region's size or base (its end, PA 0) use those of
the fuzzing platform (fuzz/fuzz-common.h); on another platform they
are still inputs, of another class.
The corpus also keeps found-*.bin, inputs libFuzzer found that reach code
these seeds do not (docs/fuzzing.md); this script neither writes nor removes
them.
"""
import os
import struct
import sys

F_CMA = 0x01
PATH_FD = 1 << 1
PATH_IOCTL = 2 << 1
F_ZALLOC_FAIL = 0x08
F_RETRIEVE_FAIL = 0x10
F_REPORT = 0x20
F_MAP = 0x40
F_TRANSPORT = 0x80

PAGE = 0x1000
# fuzz/fuzz-common.h: the TEE chunk (CM)
CM_BASE, CM_SIZE = 0x41000000, 0x400000
MASK = (1 << 64) - 1

TEEC_ERROR_ITEM_NOT_FOUND = 0xFFFF0008
TEEC_ERROR_TARGET_DEAD = 0xFFFF3024
TEEC_ERROR_SHORT_BUFFER = 0xFFFF0010
TEE_RESULT_OOM = 0xFFFF000C


def case(flags=0, size=16 * PAGE, sg_num=1, pa=0x100000, handle=0x5eed,
         zalloc_ret=0, retrieve_ret=0, report=0, entries=(), raw=b''):
    assert size % PAGE == 0 and 1 <= size // PAGE <= 0x10000
    hdr = struct.pack('<BHQQQIIQ', flags, size // PAGE - 1, sg_num & MASK,
                      pa & MASK, handle, zalloc_ret, retrieve_ret, report & MASK)
    assert len(hdr) == 43
    return hdr + b''.join(struct.pack('<QI', p & MASK, n) for p, n in entries) + raw


def three(*entries, **kw):
    return case(sg_num=len(entries), entries=entries,
                size=kw.pop('size', None) or sum(n for _, n in entries), **kw)


OK3 = ((0x200000, 0x4000), (0x100000, 0x8000), (0x300000, 0x4000))

CASES = {
    # valid
    'valid-1-entry-cm': case(),
    'valid-1-entry-cma': case(flags=F_CMA),
    'valid-1-entry-fd': case(flags=PATH_FD, size=PAGE, pa=0),
    'valid-1-entry-ioctl-map': case(flags=PATH_IOCTL | F_MAP | F_CMA),
    'valid-1-entry-region-end': case(size=0x10000, pa=CM_SIZE - 0x10000),
    'valid-1-entry-handle-0': case(handle=0),
    'valid-3-entry-cm': three(*OK3),
    'valid-3-entry-cma-map': three(*OK3, flags=F_CMA | F_MAP),
    'valid-3-entry-ioctl': three(*OK3, flags=PATH_IOCTL),
    'valid-3-entry-fd-report-exact': three(*OK3, flags=PATH_FD | F_REPORT,
                                           report=3 * 12),
    'valid-2-entry-adjacent': three((0x5000, 0x3000), (0x2000, 0x3000)),
    'valid-256-entries': case(sg_num=256, size=256 * PAGE, flags=F_MAP,
                              entries=[(i * 2 * PAGE, PAGE) for i in range(256)]),
    # ZALLOC refused by the TA
    'bad-zalloc-oom': case(flags=F_ZALLOC_FAIL, zalloc_ret=TEE_RESULT_OOM),
    'bad-zalloc-target-dead': case(flags=F_ZALLOC_FAIL | F_CMA,
                                   zalloc_ret=TEEC_ERROR_TARGET_DEAD),
    'bad-zalloc-transport': case(flags=F_ZALLOC_FAIL | F_TRANSPORT, zalloc_ret=1),
    # entry count
    'bad-sg-num-0': case(sg_num=0),
    'bad-sg-num-257': case(sg_num=257),
    'bad-sg-num-2p32-plus-2': case(sg_num=(1 << 32) + 2, size=0xc000,
                                   entries=OK3[:2]),
    'bad-sg-num-max': case(sg_num=MASK),
    # one entry: the PA ZALLOC gives
    'bad-1-entry-pa-0': case(pa=-CM_BASE),
    'bad-1-entry-unaligned': case(pa=0x100800),
    'bad-1-entry-below-region': case(pa=-PAGE),
    'bad-1-entry-past-end': case(pa=CM_SIZE),
    'bad-1-entry-straddles-end': case(size=0x10000, pa=CM_SIZE - 0x8000),
    'bad-1-entry-wraps': case(pa=MASK - CM_BASE - 0x7fff),
    # several entries: each one
    'bad-3-entry-pa-0': three((-CM_BASE, 0x4000), *OK3[1:]),
    'bad-3-entry-pa-unaligned': three((0x200200, 0x4000), *OK3[1:]),
    'bad-3-entry-len-unaligned': three((0x200000, 0x4100), (0x100000, 0x7f00),
                                       OK3[2]),
    'bad-3-entry-len-0': three((0x200000, 0), (0x100000, 0xc000), OK3[2]),
    'bad-3-entry-below-region': three((-0x4000, 0x4000), *OK3[1:]),
    'bad-3-entry-past-end': three((CM_SIZE - 0x2000, 0x4000), *OK3[1:]),
    'bad-3-entry-len-huge': three((0x200000, 0xfffff000), *OK3[1:],
                                  size=0x10000),
    # several entries: together
    'bad-3-entry-sum-short': three(*OK3, size=0x14000),
    'bad-3-entry-sum-long': three(*OK3, size=0xc000),
    'bad-3-entry-overlap': three((0x200000, 0x4000), (0x202000, 0x8000),
                                 (0x300000, 0x4000)),
    'bad-3-entry-duplicate': three((0x200000, 0x4000), (0x200000, 0x4000),
                                   (0x300000, 0x8000)),
    'bad-3-entry-contained': three((0x200000, 0x8000), (0x202000, 0x4000),
                                   (0x300000, 0x4000)),
    'bad-3-entry-truncated': three(*OK3)[:43 + 12 + 5],
    'bad-3-entry-missing': case(sg_num=3, size=0x10000),
    # RETRIEVE_SG answers
    'bad-retrieve-item-not-found': three(*OK3, flags=F_RETRIEVE_FAIL,
                                         retrieve_ret=TEEC_ERROR_ITEM_NOT_FOUND),
    'bad-retrieve-short-buffer': three(*OK3, flags=F_RETRIEVE_FAIL | F_CMA,
                                       retrieve_ret=TEEC_ERROR_SHORT_BUFFER),
    'bad-retrieve-transport': three(*OK3, flags=F_RETRIEVE_FAIL | F_TRANSPORT,
                                    retrieve_ret=1),
    'bad-retrieve-report-short': three(*OK3, flags=F_REPORT, report=2 * 12),
    'bad-retrieve-report-long': three(*OK3, flags=F_REPORT, report=4 * 12),
    'bad-retrieve-report-huge': three(*OK3, flags=F_REPORT | PATH_FD,
                                      report=MASK),
    'bad-retrieve-report-0': three(*OK3, flags=F_REPORT | PATH_IOCTL, report=0),
    'bad-empty': b'',
}

# An allocation of the library fails during the heap's allocation (report,
# unused without F_REPORT, is the 1-based allocation; rh_fail_nth_set()):
# every unwinding path must still FREE the TA's buffer once and leak nothing.
for nth in (1, 2, 3, 4, 6, 8, 12, 16, 24, 32):
    CASES[f'fail-nth-{nth:02d}-3-entry-cm'] = three(*OK3, report=nth)
    CASES[f'fail-nth-{nth:02d}-3-entry-cma-ioctl'] = three(*OK3, flags=F_CMA | PATH_IOCTL,
                                                           report=nth)
    CASES[f'fail-nth-{nth:02d}-1-entry-fd'] = case(flags=PATH_FD, report=nth)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'corpus', 'tee-sg-list')
    os.makedirs(out, exist_ok=True)
    for name, data in CASES.items():
        with open(os.path.join(out, name + '.bin'), 'wb') as f:
            f.write(data)
    print('%d inputs written to %s' % (len(CASES), out))


if __name__ == '__main__':
    main()
