#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of fuzz/uapi-ioctl.c: small programs of fd-layer calls.

Usage: fuzz/gen-corpus-uapi-ioctl.py [OUTDIR]   (default: fuzz/corpus/uapi-ioctl)

Each input is a list of calls, one opcode byte and its operands each (the
encoding is in fuzz/uapi-ioctl.c). An fd operand below 0xc0 is the n-th fd
the program made (n modulo their number); 0xc0 + i is special[i] (-1, 0, 1,
2, 3, 4, 63, 1023, 1024, INT_MAX, INT_MIN), 0xcf the last fd closed. Heaps
are numbered in registration order: system, system-uncached,
restricted_mtk_cm, restricted_mtk_cma.
The corpus also keeps found-*.bin, inputs libFuzzer found that reach code
these seeds do not (docs/fuzzing.md); this script neither writes nor removes
them.
"""
import os
import struct
import sys

OPEN, IOCTL, BUFFER, MMAP, MUNMAP, LSEEK, CLOSE, DUP, FDINFO = range(9)
SYSTEM, UNCACHED, CM, CMA = range(4)
# real_cmds[] of fuzz/uapi-ioctl.c
ALLOC, ALLOC_OLD, ALLOC_NEW, SYNC, NAME_A, NAME_B, EXPORT, IMPORT = range(8)

O_RDONLY, O_WRONLY, O_RDWR = 0, 1, 2
O_CLOEXEC = 0o2000000
SYNC_READ, SYNC_WRITE, SYNC_RW, SYNC_END = 1, 2, 3, 4
PROT_READ, PROT_WRITE = 1, 2
SHARED, SHARED_VALIDATE, PRIVATE, NO_TYPE = range(4)
FD_STDIN, FD_BIG, FD_NEG, FD_LAST_CLOSED = 0xc1, 0xc8, 0xc0, 0xcf
PAGE = 4096


def u8(v):
    return struct.pack('<B', v)


def op_open(heap, acc=O_RDONLY, cloexec=True, extra=None):
    fb = acc | (4 if cloexec else 0) | (8 if extra is not None else 0)
    return u8(OPEN) + u8(heap) + u8(fb) + (
        struct.pack('<I', extra) if extra is not None else b'')


def cmd(idx, size=None, dirn=None, nr=None, typ=None, high=None):
    """A real command, possibly with other bits."""
    m = idx << 2 | (0x80 if high is not None else 0)
    x = ((1 if size is not None else 0) | (2 if dirn is not None else 0) |
         (4 if nr is not None else 0) | (8 if typ is not None else 0) |
         ((dirn or 0) << 4))
    out = u8(m) + u8(x)
    if size is not None:
        out += struct.pack('<H', size)
    if nr is not None:
        out += u8(nr)
    if typ is not None:
        out += u8(typ)
    if high is not None:
        out += struct.pack('<I', high)
    return out


def raw_cmd(value, high=None):
    return u8(3 | (0x80 if high is not None else 0)) + struct.pack('<I', value) + (
        struct.pack('<I', high) if high is not None else b'')


def op_ioctl(fd, command, arg=None, patch_fd=None):
    """arg None: NULL; bytes: user memory filled with them."""
    if arg is None:
        return u8(IOCTL) + u8(fd) + command + u8(0)
    mode = 1 | (2 if patch_fd is not None else 0)
    out = u8(IOCTL) + u8(fd) + command + u8(mode) + u8(len(arg)) + arg
    if patch_fd is not None:
        out += u8(patch_fd)
    return out


def op_name(fd, idx, name):
    return u8(IOCTL) + u8(fd) + cmd(idx) + u8(1) + u8(len(name)) + name


def alloc_data(length, fd=0, fd_flags=O_RDWR | O_CLOEXEC, heap_flags=0):
    return struct.pack('<QIIQ', length, fd, fd_flags, heap_flags)


def op_buffer(heap, pages=15, acc=O_RDWR, cloexec=True, odd=False):
    return u8(BUFFER) + u8(heap) + u8(pages - 1) + u8(
        acc | (4 if cloexec else 0) | (0x80 if odd else 0))


def op_mmap(fd, pages=1, prot=PROT_READ | PROT_WRITE, flags=SHARED, offset_pages=0,
            raw_len=None, raw_offset=None, raw_flags=None):
    out = u8(MMAP) + u8(fd)
    out += (u8(0x80) + struct.pack('<Q', raw_len)) if raw_len is not None else u8(pages)
    if raw_flags is not None:
        out += u8(prot | 0x80) + struct.pack('<I', raw_flags)
    else:
        out += u8(prot | flags << 3)
    out += (u8(0x80) + struct.pack('<q', raw_offset)) if raw_offset is not None \
        else u8(offset_pages)
    return out


def op_munmap(idx=0, how=0):
    return u8(MUNMAP) + u8(idx | how << 4)


def op_lseek(fd, offset=0, whence=2, raw_offset=None, raw_whence=None):
    b = ((offset + 1) & 0x0f) | (whence << 4 if raw_whence is None else 0x40)
    if raw_offset is not None:
        b |= 0x80
    out = u8(LSEEK) + u8(fd) + u8(b)
    if raw_offset is not None:
        out += struct.pack('<q', raw_offset)
    if raw_whence is not None:
        out += struct.pack('<i', raw_whence)
    return out


def op_close(fd):
    return u8(CLOSE) + u8(fd)


def op_dup(fd):
    return u8(DUP) + u8(fd)


def op_fdinfo(fd, bufinfo=False):
    return u8(FDINFO) + u8(fd) + u8(1 if bufinfo else 0)


def prog(*ops):
    return b''.join(ops)


HEAP0 = op_open(SYSTEM)
CASES = {
    # DMA_HEAP_IOCTL_ALLOC on every heap, valid arguments
    'alloc-system': prog(HEAP0, op_ioctl(0, cmd(ALLOC), alloc_data(0x10000)),
                         op_lseek(1), op_fdinfo(1)),
    'alloc-system-uncached': prog(op_open(UNCACHED),
                                  op_ioctl(0, cmd(ALLOC), alloc_data(PAGE))),
    'alloc-cm': prog(op_open(CM, O_RDWR), op_ioctl(0, cmd(ALLOC), alloc_data(0x20000)),
                     op_fdinfo(1, bufinfo=True)),
    'alloc-cma': prog(op_open(CMA), op_ioctl(0, cmd(ALLOC), alloc_data(0x100000)),
                      op_ioctl(0, cmd(ALLOC), alloc_data(0x100000))),
    'alloc-unaligned-len': prog(HEAP0, op_ioctl(0, cmd(ALLOC), alloc_data(PAGE + 1))),
    'alloc-rdonly': prog(HEAP0, op_ioctl(0, cmd(ALLOC),
                                         alloc_data(PAGE, fd_flags=O_RDONLY))),
    # size-compat rule: older (shorter) and newer (longer) structs
    'alloc-old-struct-16': prog(HEAP0, op_ioctl(0, cmd(ALLOC_OLD),
                                                alloc_data(PAGE)[:16])),
    'alloc-new-struct-32': prog(HEAP0, op_ioctl(0, cmd(ALLOC_NEW),
                                                alloc_data(PAGE) + b'\xaa' * 8)),
    'alloc-struct-8-no-fd-back': prog(HEAP0, op_ioctl(0, cmd(ALLOC, size=8),
                                                      alloc_data(PAGE)[:8])),
    'alloc-struct-12': prog(HEAP0, op_ioctl(0, cmd(ALLOC, size=12),
                                            alloc_data(PAGE)[:12])),
    'alloc-struct-big': prog(HEAP0, op_ioctl(0, cmd(ALLOC, size=0x3fff),
                                             alloc_data(PAGE) + b'\x55' * 40)),
    'alloc-struct-0': prog(HEAP0, op_ioctl(0, cmd(ALLOC, size=0), b'')),
    'alloc-dir-none': prog(HEAP0, op_ioctl(0, cmd(ALLOC, dirn=0), alloc_data(PAGE))),
    'alloc-dir-write-only': prog(HEAP0, op_ioctl(0, cmd(ALLOC, dirn=1),
                                                 alloc_data(PAGE))),
    'alloc-dir-read-only': prog(HEAP0, op_ioctl(0, cmd(ALLOC, dirn=2),
                                                alloc_data(PAGE))),
    'alloc-other-type': prog(HEAP0, op_ioctl(0, cmd(ALLOC, typ=ord('b')),
                                             alloc_data(PAGE))),
    'alloc-high-bits': prog(HEAP0, op_ioctl(0, cmd(ALLOC, high=1), alloc_data(PAGE))),
    'alloc-null-arg': prog(HEAP0, op_ioctl(0, cmd(ALLOC))),
    # bad allocation arguments
    'alloc-nr-1': prog(HEAP0, op_ioctl(0, cmd(ALLOC, nr=1), alloc_data(PAGE))),
    'alloc-bad-fd-flags': prog(HEAP0, op_ioctl(0, cmd(ALLOC),
                                               alloc_data(PAGE, fd_flags=0xffffffff))),
    'alloc-bad-heap-flags': prog(HEAP0, op_ioctl(0, cmd(ALLOC),
                                                 alloc_data(PAGE, heap_flags=1))),
    'alloc-fd-nonzero': prog(HEAP0, op_ioctl(0, cmd(ALLOC), alloc_data(PAGE, fd=3))),
    'alloc-len-0': prog(HEAP0, op_ioctl(0, cmd(ALLOC), alloc_data(0))),
    'alloc-len-huge': prog(HEAP0, op_ioctl(0, cmd(ALLOC), alloc_data(1 << 62))),
    'alloc-len-max': prog(HEAP0, op_ioctl(0, cmd(ALLOC), alloc_data((1 << 64) - 1))),
    'alloc-len-all-dram': prog(op_open(CM), op_ioctl(0, cmd(ALLOC), alloc_data(32 << 20))),
    # DMA_BUF_IOCTL_SYNC
    'sync-system': prog(op_buffer(SYSTEM),
                        op_ioctl(1, cmd(SYNC), struct.pack('<Q', SYNC_RW)),
                        op_ioctl(1, cmd(SYNC), struct.pack('<Q', SYNC_RW | SYNC_END)),
                        op_ioctl(1, cmd(SYNC), struct.pack('<Q', SYNC_READ)),
                        op_ioctl(1, cmd(SYNC), struct.pack('<Q', SYNC_READ | SYNC_END))),
    'sync-restricted-eperm': prog(op_buffer(CM),
                                  op_ioctl(1, cmd(SYNC), struct.pack('<Q', SYNC_WRITE))),
    'sync-bad-flags': prog(op_buffer(SYSTEM),
                           op_ioctl(1, cmd(SYNC), struct.pack('<Q', 8)),
                           op_ioctl(1, cmd(SYNC), struct.pack('<Q', 0)),
                           op_ioctl(1, cmd(SYNC), struct.pack('<Q', 1 << 63))),
    'sync-null': prog(op_buffer(SYSTEM), op_ioctl(1, cmd(SYNC))),
    'sync-other-size': prog(op_buffer(SYSTEM),
                            op_ioctl(1, cmd(SYNC, size=16), struct.pack('<QQ', 3, 0))),
    # DMA_BUF_SET_NAME_A / _B
    'name-a': prog(op_buffer(SYSTEM), op_name(1, NAME_A, b'decoder-out'),
                   op_fdinfo(1), op_fdinfo(1, bufinfo=True)),
    'name-b': prog(op_buffer(CMA), op_name(1, NAME_B, b'secure frame'), op_fdinfo(1)),
    'name-empty': prog(op_buffer(SYSTEM), op_name(1, NAME_B, b'')),
    'name-31': prog(op_buffer(SYSTEM), op_name(1, NAME_B, b'n' * 31)),
    'name-too-long': prog(op_buffer(SYSTEM), op_name(1, NAME_A, b'n' * 40)),
    'name-null': prog(op_buffer(SYSTEM), op_ioctl(1, cmd(NAME_B))),
    'name-on-heap-fd': prog(HEAP0, op_name(0, NAME_B, b'x')),
    # sync_file export / import
    'export-import-sync-file': prog(
        op_buffer(SYSTEM),
        op_ioctl(1, cmd(EXPORT), struct.pack('<Ii', SYNC_READ, 0)),
        op_ioctl(1, cmd(IMPORT), struct.pack('<I', SYNC_WRITE), patch_fd=2),
        op_ioctl(2, cmd(SYNC), struct.pack('<Q', SYNC_RW)),
        op_lseek(2), op_fdinfo(2)),
    'export-bad-flags': prog(op_buffer(SYSTEM),
                             op_ioctl(1, cmd(EXPORT), struct.pack('<Ii', 0, 0)),
                             op_ioctl(1, cmd(EXPORT), struct.pack('<Ii', 4, 0))),
    'import-not-sync-file': prog(op_buffer(SYSTEM),
                                 op_ioctl(1, cmd(IMPORT), struct.pack('<Ii', 1, 0),
                                          patch_fd=1)),
    'import-bad-fd': prog(op_buffer(SYSTEM),
                          op_ioctl(1, cmd(IMPORT), struct.pack('<Ii', 1, -1))),
    # unknown commands, fds that have no ioctls
    'unknown-cmd-dmabuf': prog(op_buffer(SYSTEM), op_ioctl(1, raw_cmd(0xdeadbeef), b'')),
    'unknown-cmd-high': prog(op_buffer(SYSTEM),
                             op_ioctl(1, raw_cmd(0x40086200, high=0xffffffff),
                                      struct.pack('<Q', 3))),
    'ioctl-stdin': prog(op_ioctl(FD_STDIN, cmd(ALLOC), alloc_data(PAGE))),
    'ioctl-bad-fds': prog(op_ioctl(FD_NEG, cmd(SYNC), struct.pack('<Q', 3)),
                          op_ioctl(FD_BIG, cmd(SYNC), struct.pack('<Q', 3))),
    'ioctl-closed-fd': prog(op_buffer(SYSTEM), op_close(1),
                            op_ioctl(FD_LAST_CLOSED, cmd(SYNC), struct.pack('<Q', 3))),
    # mmap / munmap
    'mmap-system': prog(op_buffer(SYSTEM, pages=4), op_mmap(1, pages=4), op_munmap(0)),
    'mmap-offset': prog(op_buffer(SYSTEM, pages=4), op_mmap(1, pages=2, offset_pages=2)),
    'mmap-past-end': prog(op_buffer(SYSTEM, pages=4), op_mmap(1, pages=3, offset_pages=2)),
    'mmap-private': prog(op_buffer(SYSTEM), op_mmap(1, flags=PRIVATE)),
    'mmap-no-type': prog(op_buffer(SYSTEM), op_mmap(1, flags=NO_TYPE)),
    'mmap-rdonly-fd-write': prog(op_buffer(SYSTEM, acc=O_RDONLY), op_mmap(1)),
    'mmap-restricted-eperm': prog(op_buffer(CM), op_mmap(1, prot=PROT_READ)),
    'mmap-heap-fd': prog(HEAP0, op_mmap(0)),
    'mmap-huge': prog(op_buffer(SYSTEM), op_mmap(1, raw_len=(1 << 64) - 1)),
    'mmap-bad-offset': prog(op_buffer(SYSTEM), op_mmap(1, raw_offset=-PAGE),
                            op_mmap(1, raw_offset=1), op_mmap(1, raw_offset=1 << 62)),
    'mmap-close-then-munmap': prog(op_buffer(SYSTEM), op_mmap(1, prot=PROT_READ),
                                   op_close(1), op_munmap(0)),
    'munmap-wrong-len': prog(op_buffer(SYSTEM, pages=2), op_mmap(1, pages=2),
                             op_munmap(0, how=1), op_munmap(0, how=2), op_munmap(0)),
    # lseek
    'lseek-all': prog(op_buffer(SYSTEM),
                      op_lseek(1, 0, 0), op_lseek(1, 0, 1), op_lseek(1, 1, 2),
                      op_lseek(1, raw_offset=-1, whence=0),
                      op_lseek(1, raw_whence=-1), op_lseek(1, raw_whence=99),
                      op_lseek(0), op_lseek(FD_STDIN)),
    # dup, close, fdinfo
    'dup-close': prog(op_buffer(SYSTEM), op_dup(1), op_close(1), op_lseek(2),
                      op_fdinfo(2), op_dup(0), op_close(FD_STDIN), op_dup(FD_NEG),
                      op_close(FD_BIG)),
    'open-bad-paths': prog(op_open(4), op_open(5), op_open(6), op_open(7), op_open(8),
                           op_open(9), op_open(10)),
    'open-odd-flags': prog(op_open(SYSTEM, O_RDWR, extra=0o100 | 0o200 | 0o1000),
                           op_ioctl(0, cmd(ALLOC), alloc_data(PAGE))),
    'many-buffers': prog(*[op_buffer(h, pages=2) for h in (0, 1, 2, 3) * 4]),
    'empty': b'',
    # found by libFuzzer: more argument bytes than the struct has (a harness bug, kept)
    'ioctl-arg-count-beyond-size': bytes.fromhex(
        '01fe0e0601011c0001080100 0000d7000000 0a0700000000000000'.replace(' ', '')),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'corpus', 'uapi-ioctl')
    os.makedirs(out, exist_ok=True)
    for name, data in CASES.items():
        with open(os.path.join(out, name + '.bin'), 'wb') as f:
            f.write(data)
    print('%d inputs written to %s' % (len(CASES), out))


if __name__ == '__main__':
    main()
