#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of fuzz/tee-ioctl.c: small programs of /dev/tee0 calls.

Usage: fuzz/gen-corpus-tee-ioctl.py [OUTDIR]   (default: fuzz/corpus/tee-ioctl)

Each input is a list of calls, one opcode byte and its operands each (the
encoding is in fuzz/tee-ioctl.c). An fd operand below 0xf0 is the n-th fd
the program made (n modulo their number). A session operand below 0xe0 is
the n-th session the program opened; a shm-id operand below 0xc0 the n-th
live shm, 0xc0 MEMREF_NULL. TAs: 0 hello_world, 1 the secure-memory TA
(kernel only), 2 svp, 3 sdp_basic. The corpus also keeps found-*.bin,
inputs libFuzzer found that reach code these seeds do not
(docs/fuzzing.md); this script neither writes nor removes them.
"""
import os
import struct
import sys

(OPEN, BUFFER, VERSION, SHM_ALLOC, SHM_REGISTER, OPEN_SESSION, INVOKE, CANCEL,
 CLOSE_SESSION, REGISTER_FD, MMAP, MUNMAP, CLOSE, DUP, RAW) = range(15)
HELLO, SECMEM, SVP, SDP = range(4)
PUBLIC, USER, GROUP, APPLICATION, USER_APP, GROUP_APP, KERNEL, KERNEL_MAX = range(8)
NONE, VAL_IN, VAL_OUT, VAL_INOUT, MEM_IN, MEM_OUT, MEM_INOUT, META = range(8)
O_RDWR, O_CLOEXEC_BIT = 2, 4
MEMREF_NULL = 0xc0


def u8(v):
    return struct.pack('<B', v)


def u16(v):
    return struct.pack('<H', v)


def u32(v):
    return struct.pack('<I', v)


def op_open(path=0, acc=O_RDWR):
    return u8(OPEN) + u8(acc | O_CLOEXEC_BIT | path << 4)


def op_buffer(heap=0, pages=1):
    return u8(BUFFER) + u8(heap | (pages - 1) << 4)


def user_ptr(offset):
    return u8(0) + u16(offset)


def op_version(fd, offset=0):
    return u8(VERSION) + u8(fd) + user_ptr(offset)


def op_shm_alloc(fd, size=4096):
    return u8(SHM_ALLOC) + u8(fd) + u8(0) + u16(size) + u8(0)


def op_shm_register(fd, offset=0, length=4096):
    return u8(SHM_REGISTER) + u8(fd) + u8(0) + user_ptr(offset) + u16(length)


def value(attr, a=0, b=0, c=0):
    return u8(attr) + u32(a) + u32(b) + u32(c)


def memref(attr, shm=0, offs=0, size=16):
    return u8(attr) + u16(offs) + u16(size) + u8(shm)


def params(*ps):
    return u8(len(ps)) + b''.join(ps)


def op_open_session(fd, ta=HELLO, login=PUBLIC, ps=params()):
    return u8(OPEN_SESSION) + u8(fd) + u8(ta) + u8(login) + u8(0) + u8(0) + ps


def op_invoke(fd, session=0, func=0, ps=params()):
    return u8(INVOKE) + u8(fd) + u8(session) + u8(0) + u8(func) + u8(0) + ps


def op_cancel(fd, session=0):
    return u8(CANCEL) + u8(fd) + u8(session) + u8(0)


def op_close_session(fd, session=0):
    return u8(CLOSE_SESSION) + u8(fd) + u8(session)


def op_register_fd(fd, target):
    return u8(REGISTER_FD) + u8(fd) + u8(target) + u16(4096) + u8(0)


def op_close(fd):
    return u8(CLOSE) + u8(fd)


def op_dup(fd):
    return u8(DUP) + u8(fd)


def op_mmap(fd, pages=1):
    return u8(MMAP) + u8(fd) + u8(0x06 | (pages - 1) << 4)


def prog(*ops):
    return b''.join(ops)


SEEDS = {
    'version': prog(op_open(), op_version(0)),
    'version-bad-node': prog(op_open(path=1), op_open(), op_version(0)),
    'hello-inc': prog(op_open(), op_open_session(0),
                      op_invoke(0, func=0, ps=params(value(VAL_INOUT, a=41))),
                      op_close_session(0, 0)),
    'hello-memref': prog(op_open(), op_shm_alloc(0), op_mmap(1), op_open_session(0),
                         op_invoke(0, ps=params(memref(MEM_INOUT, 0, 0, 64))),
                         op_invoke(0, ps=params(memref(MEM_IN, MEMREF_NULL, 0, 0)))),
    'shm-register': prog(op_open(), op_shm_register(0, 0, 8192), op_open_session(0),
                         op_invoke(0, ps=params(memref(MEM_OUT, 0, 100, 200)))),
    'register-fd-system': prog(op_open(), op_buffer(0), op_register_fd(0, 1)),
    'secmem-refused': prog(op_open(), op_open_session(0, ta=SECMEM),
                           op_open_session(0, ta=SECMEM, login=KERNEL)),
    'svp-sdp': prog(op_open(), op_open_session(0, ta=SVP), op_open_session(0, ta=SDP),
                    op_invoke(0, session=0, func=1), op_invoke(0, session=1, func=1)),
    'two-contexts': prog(op_open(), op_open(), op_shm_alloc(0), op_open_session(0),
                         op_invoke(1, session=0),
                         op_invoke(0, ps=params(memref(MEM_IN, 0))),
                         op_close_session(1, 0), op_close(0), op_invoke(1, session=0)),
    'dup-close': prog(op_open(), op_dup(0), op_open_session(1), op_close(0),
                      op_invoke(0, session=0), op_cancel(0, 0)),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'corpus', 'tee-ioctl')
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name + '.bin'), 'wb') as f:
            f.write(data)
    print('%d inputs written to %s' % (len(SEEDS), out))


if __name__ == '__main__':
    main()
