#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of fuzz/tee-protmem.c: protected-memory messages both ways.

Usage: fuzz/gen-corpus-tee-protmem.py [OUTDIR]   (default: fuzz/corpus/tee-protmem)

An input is: u8 n, n x {u16 len; message}, then the normal side: u8 flags,
u64 static_base, u64 static_size, u32 static_use_case, then the answers
(each u32 ret, u32 origin, then bytes XORed into what the driver sent).
Messages are OP-TEE's optee_msg_arg (include/rheap/tee-msg.h), little-endian.
The addresses are those fuzz/tee-protmem.c records as handed over on the
optee-protmem board (platforms/optee-protmem.dts: linux,cma at 0x88000000).
"""
import os
import struct
import sys

LEND, RECLAIM, CONFIG = 8, 9, 10
REGISTER = 4
VIN, VOUT, VIO = 1, 2, 3
RIN, ROUT = 5, 6
TIN, TOUT = 9, 0xA
VIDEO, UI, RECORD = 1, 2, 3
MB = 1 << 20

RANGE0, RANGE0_SIZE = 0x88000000, 512 * MB
RANGE1, RANGE1_SIZE = RANGE0 + 512 * MB, 64 * MB
CARVEOUT, CARVEOUT_SIZE = 0xB8000000, 32 * MB
SHM_COOKIE = 1

SUCCESS = 0
BAD_PARAMETERS = 0xFFFF0006
ITEM_NOT_FOUND = 0xFFFF0008
NOT_SUPPORTED = 0xFFFF000A
OUT_OF_MEMORY = 0xFFFF000C
BUSY = 0xFFFF000D
SHORT_BUFFER = 0xFFFF0010
ORIGIN_TEE = 3


def param(attr, a=0, b=0, c=0):
    return struct.pack('<QQQQ', attr, a, b, c)


def msg(cmd, params, func=0, session=0, num=None):
    n = len(params) if num is None else num
    return struct.pack('<IIIIIIII', cmd, func, session, 0, 0, 0, 0, n) + b''.join(params)


def lend(use_case, pa, size, cookie):
    return msg(LEND, [param(VIN, use_case), param(TIN, pa, size, cookie)])


def reclaim(cookie, attr=RIN):
    return msg(RECLAIM, [param(attr, 0, 0, cookie)])


def config(use_case, out=None):
    """out None: a NULL memref; else (offs, size) in the registered shm."""
    p1 = param(TOUT) if out is None else param(ROUT, out[0], out[1], SHM_COOKIE)
    return msg(CONFIG, [param(VIO, use_case), p1])


def secure(*msgs):
    out = struct.pack('<B', len(msgs))
    for m in msgs:
        out += struct.pack('<H', len(m)) + m
    return out


def normal(flags=0, base=0, size=0, use_case=0, answers=b''):
    return struct.pack('<BQQI', flags, base, size, use_case) + answers


def ans(ret, xor=b'', origin=ORIGIN_TEE):
    return struct.pack('<II', ret, origin) + xor


def xor_param(sent, want):
    """Bytes XORed into a sent parameter (attr, a, b, c) to make it @want."""
    return b''.join(struct.pack('<Q', s ^ w) for s, w in zip(sent, want))


def config_answers(use_case, min_size, align, pa_width, attrs):
    """The driver's two passes for @use_case, answered with this config."""
    values = xor_param((VIO, use_case, 0, 0), (VIO, min_size, align, pa_width))
    first = ans(SHORT_BUFFER if attrs else SUCCESS,
                values + xor_param((TOUT, 0, 0, 0), (TOUT, 0, 4 * len(attrs), 0)))
    if not attrs:
        return first
    # REGISTER_SHM and UNREGISTER_SHM of the attribute array succeed.
    reg = ans(SUCCESS, bytes(32))
    # The array itself cannot be written from here: the TEE says it did.
    second = ans(SUCCESS, values + bytes(32))
    return first + reg + second + ans(SUCCESS, bytes(32))


def refused(n_params=2):
    return ans(NOT_SUPPORTED, bytes(32 * n_params))


SEEDS = {
    # secure side: the configuration of every use case, both passes
    'config-null-video': secure(config(VIDEO)),
    'config-null-each': secure(config(VIDEO), config(UI), config(RECORD), config(0), config(4)),
    'config-array': secure(config(VIDEO, (0, 64)), config(RECORD, (0, 8))),
    'config-array-short': secure(config(VIDEO, (0, 4))),
    'config-array-offset': secure(config(VIDEO, (60, 8)), config(VIDEO, (64, 8))),
    'config-bad-types': secure(msg(CONFIG, [param(VIN, VIDEO), param(TOUT)]),
                               msg(CONFIG, [param(VIO, VIDEO)]),
                               msg(CONFIG, [param(VIO, VIDEO), param(TOUT), param(VIN)])),
    'config-bad-count': secure(msg(CONFIG, [param(VIO, VIDEO), param(TOUT)], num=200)),
    # lends and reclaims
    'lend-reclaim-video': secure(lend(VIDEO, RANGE0, RANGE0_SIZE, 0x100), reclaim(0x100)),
    'lend-both': secure(lend(VIDEO, RANGE0, RANGE0_SIZE, 0x100),
                        lend(RECORD, RANGE1, RANGE1_SIZE, 0x101),
                        reclaim(0x101), reclaim(0x100)),
    'lend-left-lent': secure(lend(VIDEO, RANGE0, RANGE0_SIZE, 0x100)),
    'lend-twice': secure(lend(VIDEO, RANGE0, RANGE0_SIZE, 0x100),
                         lend(VIDEO, RANGE0, RANGE0_SIZE, 0x102),
                         lend(RECORD, RANGE1, RANGE1_SIZE, 0x100)),
    'lend-overlap': secure(lend(VIDEO, RANGE0 + 2 * MB, RANGE0_SIZE, 0x100)),
    'lend-unaligned': secure(lend(VIDEO, RANGE0 + 4096, RANGE0_SIZE, 0x100)),
    'lend-too-small': secure(lend(VIDEO, RANGE1, RANGE1_SIZE, 0x100)),
    'lend-static-use-case': secure(lend(UI, RANGE0, RANGE0_SIZE, 0x100)),
    'lend-unknown-use-case': secure(lend(7, RANGE0, RANGE0_SIZE, 0x100)),
    'lend-carveout': secure(lend(VIDEO, CARVEOUT - 256 * MB, RANGE0_SIZE, 0x100),
                            lend(RECORD, CARVEOUT, RANGE1_SIZE, 0x100)),
    'lend-outside-dram': secure(lend(VIDEO, 0xC0000000, RANGE0_SIZE, 0x100),
                                lend(VIDEO, 0xFFFFFFFFFFFFF000, RANGE0_SIZE, 0x100)),
    'lend-cookie-zero': secure(lend(VIDEO, RANGE0, RANGE0_SIZE, 0)),
    'lend-rmem': secure(msg(LEND, [param(VIN, VIDEO), param(RIN, 0, RANGE0_SIZE, SHM_COOKIE)])),
    'reclaim-unknown': secure(reclaim(0x999), reclaim(SHM_COOKIE)),
    'reclaim-tmem': secure(lend(VIDEO, RANGE0, RANGE0_SIZE, 0x100), reclaim(0x100, TIN)),
    'reclaim-extra-param': secure(msg(RECLAIM, [param(RIN, 0, 0, 0x100), param(VIN)])),
    'everything': secure(config(VIDEO), config(VIDEO, (0, 64)),
                         lend(VIDEO, RANGE0, RANGE0_SIZE, 0x100),
                         lend(RECORD, RANGE1, RANGE1_SIZE, 0x101),
                         config(RECORD, (0, 64)), reclaim(0x100), reclaim(0x100),
                         reclaim(0x101)),
}

# normal side: the driver reading answers (no secure-side message first)
_video = config_answers(VIDEO, 4 * MB, 2 * MB, 40, [0x10003, 0x20001])
_no_ui_record = refused() + refused()
SEEDS.update({
    'driver-honest': secure() + normal(),
    'driver-video-lend-reclaim': secure() + normal(
        answers=_video + _no_ui_record + ans(SUCCESS, bytes(64)) + ans(SUCCESS, bytes(32))),
    'driver-lend-refused': secure() + normal(
        answers=_video + _no_ui_record + ans(BAD_PARAMETERS, bytes(64)) +
        ans(ITEM_NOT_FOUND, bytes(32))),
    'driver-lend-refused-unconfirmed': secure() + normal(
        answers=_video + _no_ui_record + ans(OUT_OF_MEMORY, bytes(64)) + ans(BUSY, bytes(32))),
    'driver-reclaim-busy': secure() + normal(
        answers=_video + _no_ui_record + ans(SUCCESS, bytes(64)) + ans(BUSY, bytes(32))),
    'driver-config-no-attrs': secure() + normal(
        answers=config_answers(VIDEO, 8 * MB, 0, 48, []) + _no_ui_record),
    'driver-config-bad-size': secure() + normal(
        answers=config_answers(VIDEO, 4 * MB + 1, 2 * MB, 40, []) + _no_ui_record),
    'driver-config-bad-align': secure() + normal(
        answers=config_answers(VIDEO, 4 * MB, 3 * MB, 40, []) + _no_ui_record),
    'driver-config-huge': secure() + normal(
        answers=config_answers(VIDEO, 1 << 62, 2 * MB, 40, []) + _no_ui_record),
    'driver-config-many-attrs': secure() + normal(
        answers=config_answers(VIDEO, 4 * MB, 2 * MB, 40, list(range(9))) + _no_ui_record),
    'driver-config-type-changed': secure() + normal(
        answers=ans(SUCCESS, xor_param((VIO, VIDEO, 0, 0), (VOUT, 4 * MB, 0, 40))) +
        _no_ui_record),
    'driver-header-changed': secure() + normal(
        flags=2, answers=ans(SUCCESS, struct.pack('<I', 1) + bytes(16) + bytes(64))),
    'driver-static': secure() + normal(flags=1, base=CARVEOUT, size=CARVEOUT_SIZE, use_case=UI,
                                       answers=refused() * 3),
    'driver-static-bad': secure() + normal(flags=1, base=CARVEOUT + 1, size=CARVEOUT_SIZE,
                                           use_case=UI),
    'driver-static-unknown-use-case': secure() + normal(flags=1, base=CARVEOUT,
                                                        size=CARVEOUT_SIZE, use_case=9),
    'driver-static-outside': secure() + normal(flags=1, base=0xFFFFFFFFFFFF0000,
                                               size=CARVEOUT_SIZE, use_case=RECORD),
    'both-sides': SEEDS['lend-both'] + normal(
        answers=_video + _no_ui_record + ans(SUCCESS, bytes(64)) + ans(SUCCESS, bytes(32))),
    'empty': b'',
})


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'corpus', 'tee-protmem')
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(out, name + '.bin'), 'wb') as f:
            f.write(data)
    print('%d seeds in %s' % (len(SEEDS), out))


if __name__ == '__main__':
    main()
