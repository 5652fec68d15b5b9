#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of fuzz/tee-msg.c: valid and malformed TEE messages.

Usage: fuzz/gen-corpus-tee-msg.py [OUTDIR]   (default: fuzz/corpus/tee-msg)

The layout is OP-TEE's optee_msg_arg (include/rheap/tee-msg.h): a 32-byte
header {u32 cmd, func, session, cancel_id, pad, ret, ret_origin, num_params}
then 32-byte parameters {u64 attr; u64 a, b, c}, little-endian. The names
below (sessions 0x100 / 0x201, cookies 1 / 2, the arena at 0x20000000) are
the state fuzz/tee-msg.c sets up before each input.
"""
import os
import struct
import sys
import uuid

# Commands
OPEN, INVOKE, CLOSE, CANCEL, REGISTER, UNREGISTER = range(6)
# Attribute types and bits
NONE, VIN, VOUT, VIO = 0, 1, 2, 3
RIN, ROUT, RIO = 5, 6, 7
TIN, TOUT, TIO = 9, 0xA, 0xB
META = 1 << 8
NONCONTIG = 1 << 9
CACHE_SHIFT = 16

# State of the harness
SINGLE_SESSION = 0x100
MULTI_SESSION = 0x201
ARENA = 0x20000000
SHM1, SHM1_SIZE = 1, 256
SHM2, SHM2_SIZE = 2, 4096

# Test TA (tests/common/test-ta.h)
def test_uuid(n):
    return uuid.UUID('c0ffee00-7e57-4000-8000-%012x' % n).bytes

TA_MULTI, TA_SINGLE, TA_KEEPALIVE, TA_EXCLUSIVE, TA_BADCREATE = (
    test_uuid(n) for n in range(1, 6))
CMD_VALUES, CMD_ECHO, CMD_NEGATE, CMD_PANIC, CMD_PANIC_RET, CMD_RESULT, \
    CMD_INFO, CMD_RANDOM, CMD_NOP = range(9)


def param(attr, a=0, b=0, c=0):
    return struct.pack('<QQQQ', attr, a, b, c)


def value(attr, a=0, b=0, c=0):
    return param(attr, a, b, c)


def rmem(attr, offs, size, cookie):
    return param(attr, offs, size, cookie)


def tmem(attr, addr, size, cookie=0):
    return param(attr, addr, size, cookie)


def msg(cmd, params=(), func=0, session=0, cancel_id=0, pad=0, num=None):
    body = b''.join(params)
    if num is None:
        num = len(params)
    return struct.pack('<8I', cmd, func, session, cancel_id, pad, 0, 0,
                       num) + body


def meta_uuid(u, login=0, attr=VIN | META):
    a, b = struct.unpack('<QQ', u)
    return param(attr, a, b, login)


def open_session(ta, extra=(), login=0):
    return msg(OPEN, [meta_uuid(ta), meta_uuid(bytes(16), login)] +
               list(extra))


def invoke(func, params=(), session=SINGLE_SESSION):
    return msg(INVOKE, params, func=func, session=session)


def corpus():
    c = {}
    # ---- valid messages
    c['open-single'] = open_session(TA_SINGLE)
    c['open-multi-values'] = open_session(
        TA_MULTI, [value(VIN), value(VOUT)])
    c['open-refuse'] = open_session(TA_SINGLE, [value(VIN, 0xFFFF0001)])
    c['open-panic'] = open_session(TA_SINGLE, [value(VIN, 0, 1)])
    c['open-keepalive'] = open_session(TA_KEEPALIVE)
    c['open-exclusive'] = open_session(TA_EXCLUSIVE)
    c['open-badcreate'] = open_session(TA_BADCREATE)
    c['open-unknown-ta'] = open_session(uuid.UUID(
        '4477588a-8476-11e2-ad15-e41f1390d676').bytes)
    c['open-login-user'] = open_session(TA_MULTI, login=1)
    c['open-login-kernel'] = open_session(TA_MULTI, login=0x80000000)
    c['open-memref'] = open_session(TA_MULTI, [rmem(RIN, 0, 16, SHM1)])
    c['invoke-nop'] = invoke(CMD_NOP)
    c['invoke-nop-multi'] = invoke(CMD_NOP, session=MULTI_SESSION)
    c['invoke-values'] = invoke(CMD_VALUES, [
        value(VIN, 7, 8, 9), value(VOUT), value(VIO, 1, 2, 3)])
    c['invoke-echo'] = invoke(CMD_ECHO, [
        rmem(RIN, 0, 200, SHM1), rmem(ROUT, 0, 4096, SHM2)])
    c['invoke-echo-short'] = invoke(CMD_ECHO, [
        rmem(RIN, 0, 200, SHM1), rmem(ROUT, 100, 10, SHM2)])
    c['invoke-echo-null'] = invoke(CMD_ECHO, [
        rmem(RIN, 0, 64, SHM1), tmem(TOUT, 0, 0)])
    c['invoke-echo-same'] = invoke(CMD_ECHO, [
        rmem(RIN, 0, 128, SHM2), rmem(ROUT, 64, 128, SHM2)])
    c['invoke-negate'] = invoke(CMD_NEGATE, [rmem(RIO, 0, 256, SHM1)])
    c['invoke-negate-empty'] = invoke(CMD_NEGATE, [rmem(RIO, 256, 0, SHM1)])
    c['invoke-random'] = invoke(CMD_RANDOM, [rmem(ROUT, 0, 4096, SHM2)])
    c['invoke-info'] = invoke(CMD_INFO, [value(VOUT)])
    c['invoke-result'] = invoke(CMD_RESULT, [value(VIN, 0xFFFF000C)])
    c['invoke-panic'] = invoke(CMD_PANIC)
    c['invoke-panic-ret'] = invoke(CMD_PANIC_RET, session=MULTI_SESSION)
    c['invoke-wrong-types'] = invoke(CMD_VALUES, [value(VOUT)] * 4)
    c['invoke-unknown-cmd'] = invoke(0x10000, [value(VIN, 0x1000, 0x1000),
                                               value(VIN, 1), value(VIO),
                                               value(VOUT)])
    c['invoke-unknown-session'] = invoke(CMD_NOP, session=0x300)
    c['close-single'] = msg(CLOSE, session=SINGLE_SESSION)
    c['close-multi'] = msg(CLOSE, session=MULTI_SESSION)
    c['close-unknown'] = msg(CLOSE, session=7)
    c['cancel'] = msg(CANCEL, session=SINGLE_SESSION, cancel_id=5)
    c['register-arena'] = msg(REGISTER, [tmem(TIN, ARENA + 0x4000, 0x1000, 3)])
    c['register-arena-dup'] = msg(REGISTER, [tmem(TIN, ARENA + 0x4000, 8, 1)])
    c['register-outside'] = msg(REGISTER, [tmem(TIN, 0x1000, 0x1000, 3)])
    c['unregister-1'] = msg(UNREGISTER, [rmem(RIN, 0, 0, SHM1)])
    c['unregister-unknown'] = msg(UNREGISTER, [rmem(RIN, 0, 0, 9)])

    # ---- malformed messages
    good = invoke(CMD_NOP, [value(VIN)])
    c['bad-empty'] = b''
    c['bad-short-header'] = good[:31]
    c['bad-size-short'] = good[:-1]
    c['bad-size-long'] = good + b'\0'
    c['bad-size-extra-param'] = good + param(NONE)
    c['bad-count-huge'] = msg(INVOKE, num=0xFFFFFFFF)
    c['bad-page'] = msg(INVOKE, [param(NONE)] * 128)
    c['bad-pad'] = msg(INVOKE, pad=1)
    c['bad-cmd'] = msg(6)
    c['bad-cmd-high'] = msg(0xFFFFFFFF)
    c['bad-count-invoke'] = invoke(CMD_NOP, [param(NONE)] * 5)
    c['bad-count-open'] = msg(OPEN, [meta_uuid(TA_SINGLE)])
    c['bad-count-close'] = msg(CLOSE, [param(NONE)], session=SINGLE_SESSION)
    c['bad-count-register'] = msg(REGISTER)
    for t in (4, 8, 0xC, 0xF, 0xFF):
        c['bad-type-%x' % t] = invoke(CMD_NOP, [param(t)])
    c['bad-reserved-bit10'] = invoke(CMD_NOP, [param(VIN | 1 << 10)])
    c['bad-reserved-bit63'] = invoke(CMD_NOP, [param(VIN | 1 << 63)])
    c['bad-noncontig'] = invoke(CMD_NOP, [rmem(RIN | NONCONTIG, 0, 1, SHM1)])
    c['bad-cache-value'] = invoke(CMD_NOP, [param(VIN | 1 << CACHE_SHIFT)])
    c['bad-cache-rmem'] = invoke(CMD_NOP, [
        rmem(RIN | 2 << CACHE_SHIFT, 0, 1, SHM1)])
    c['bad-meta-invoke'] = invoke(CMD_NOP, [param(VIN | META)])
    c['bad-meta-missing'] = msg(OPEN, [meta_uuid(TA_SINGLE, attr=VIN),
                                       meta_uuid(bytes(16))])
    c['bad-meta-third'] = open_session(TA_SINGLE, [param(VIN | META)])
    c['bad-meta-type'] = msg(OPEN, [meta_uuid(TA_SINGLE, attr=VIO | META),
                                    meta_uuid(bytes(16))])
    c['bad-login'] = open_session(TA_SINGLE, login=3)
    c['bad-tmem-addr'] = invoke(CMD_ECHO, [tmem(TIN, ARENA, 16),
                                           rmem(ROUT, 0, 16, SHM2)])
    c['bad-tmem-cookie'] = invoke(CMD_NOP, [tmem(TIN, 0, 16, SHM1)])
    c['bad-rmem-cookie'] = invoke(CMD_NOP, [rmem(RIN, 0, 16, 77)])
    c['bad-rmem-range'] = invoke(CMD_NOP, [rmem(RIN, 250, 7, SHM1)])
    c['bad-rmem-offset'] = invoke(CMD_NOP, [rmem(RIN, 257, 0, SHM1)])
    c['bad-rmem-wrap'] = invoke(CMD_NOP, [
        rmem(RIN, 2, 0xFFFFFFFFFFFFFFFF, SHM1)])
    c['bad-register-cookie0'] = msg(REGISTER, [tmem(TIN, ARENA, 16, 0)])
    c['bad-register-addr0'] = msg(REGISTER, [tmem(TIN, 0, 16, 3)])
    c['bad-register-size0'] = msg(REGISTER, [tmem(TIN, ARENA, 0, 3)])
    c['bad-register-wrap'] = msg(REGISTER, [
        tmem(TIN, 0xFFFFFFFFFFFFF000, 0x2000, 3)])
    c['bad-register-type'] = msg(REGISTER, [rmem(RIN, 0, 16, 3)])
    c['bad-unregister-offs'] = msg(UNREGISTER, [rmem(RIN, 4, 0, SHM1)])
    c['bad-unregister-cookie0'] = msg(UNREGISTER, [rmem(RIN, 0, 0, 0)])
    return c


def dictionary():
    """libFuzzer dictionary entries: little-endian fields the parser keys on."""
    def esc(b):
        return ''.join('\\x%02x' % x for x in b)
    d = []
    for name, v in (('cmd_open', OPEN), ('cmd_invoke', INVOKE),
                    ('cmd_close', CLOSE), ('cmd_cancel', CANCEL),
                    ('cmd_register', REGISTER), ('cmd_unregister', UNREGISTER),
                    ('session_single', SINGLE_SESSION),
                    ('session_multi', MULTI_SESSION),
                    ('num_params_4', 4), ('num_params_6', 6)):
        d.append((name, struct.pack('<I', v)))
    for name, v in (('attr_value_in', VIN), ('attr_value_out', VOUT),
                    ('attr_value_inout', VIO), ('attr_rmem_in', RIN),
                    ('attr_rmem_out', ROUT), ('attr_rmem_inout', RIO),
                    ('attr_tmem_in', TIN), ('attr_tmem_out', TOUT),
                    ('attr_tmem_inout', TIO), ('attr_meta_value', VIN | META),
                    ('cookie_1', SHM1), ('cookie_2', SHM2),
                    ('arena', ARENA), ('arena_page', ARENA + 0x1000),
                    ('size_4k', 4096), ('u64_max', 0xFFFFFFFFFFFFFFFF)):
        d.append((name, struct.pack('<Q', v)))
    for name, u in (('uuid_multi', TA_MULTI), ('uuid_single', TA_SINGLE),
                    ('uuid_keepalive', TA_KEEPALIVE)):
        d.append((name, u))
    return ''.join('%s="%s"\n' % (n, esc(b)) for n, b in d)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, 'corpus',
                                                            'tee-msg')
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(corpus().items()):
        with open(os.path.join(out, name + '.bin'), 'wb') as f:
            f.write(data)
    with open(os.path.join(here, 'tee-msg.dict'), 'w') as f:
        f.write('# Generated by fuzz/gen-corpus-tee-msg.py: wire-format tokens.\n')
        f.write(dictionary())
    print('%d inputs written to %s' % (len(corpus()), out))


if __name__ == '__main__':
    main()
