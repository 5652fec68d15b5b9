/* SPDX-License-Identifier: MIT */
/* A small trusted application for tests and fuzzing: values, memrefs, panics. */
#ifndef RH_TEST_TA_H
#define RH_TEST_TA_H

#include <stdint.h>

#include "optee/tee.h"

/*
 * Five registrations of the same code with different flags:
 *   multi:     no flags (an instance a session)
 *   single:    SINGLE_INSTANCE | MULTI_SESSION
 *   keepalive: SINGLE_INSTANCE | MULTI_SESSION | INSTANCE_KEEP_ALIVE
 *   exclusive: SINGLE_INSTANCE (one session at a time)
 *   badcreate: create panics
 */
#define TEST_TA_MULTI_UUID "c0ffee00-7e57-4000-8000-000000000001"
#define TEST_TA_SINGLE_UUID "c0ffee00-7e57-4000-8000-000000000002"
#define TEST_TA_KEEPALIVE_UUID "c0ffee00-7e57-4000-8000-000000000003"
#define TEST_TA_EXCLUSIVE_UUID "c0ffee00-7e57-4000-8000-000000000004"
#define TEST_TA_BADCREATE_UUID "c0ffee00-7e57-4000-8000-000000000005"

extern const struct rh_ta_ops rh_test_ta_multi;
extern const struct rh_ta_ops rh_test_ta_single;
extern const struct rh_ta_ops rh_test_ta_keepalive;
extern const struct rh_ta_ops rh_test_ta_exclusive;
extern const struct rh_ta_ops rh_test_ta_badcreate;

/* Registers all five; returns 0 or the first error. */
int rh_test_ta_add_all(struct rh_tee_emu *emu);

/*
 * Commands (exact parameter types, else TEEC_ERROR_BAD_PARAMETERS;
 * unknown command: TEEC_ERROR_NOT_SUPPORTED):
 *
 * VALUES (VALUE_INPUT in, VALUE_OUTPUT out, VALUE_INOUT io, NONE):
 *   out = {in.a + io.a, in.b + io.b, in.c ^ io.c}; io = {2 in.a, ~io.b, 7}
 * ECHO (MEMREF_INPUT src, MEMREF_OUTPUT dst, NONE, NONE): copies src to
 *   dst, dst.size = src.size; SHORT_BUFFER with dst.size = src.size when
 *   dst is smaller
 * NEGATE (MEMREF_INOUT, NONE, NONE, NONE): every byte b := ~b + 1
 * PANIC (any): rh_ta_panic(0xbad)
 * PANIC_RET (any): returns RH_TA_RESULT_PANIC
 * RESULT (VALUE_INPUT, NONE, NONE, NONE): returns (uint32_t)a
 * INFO (VALUE_OUTPUT, NONE, NONE, NONE): a = instance id (random),
 *   b = sessions the instance has open, c = sessions ever opened on it
 * RANDOM (MEMREF_OUTPUT, NONE, NONE, NONE): fills it with rh_ta_random()
 * NOP (any): returns TEEC_SUCCESS
 *
 * open_session: if param 0 is VALUE_INPUT, a != 0 is returned as the
 * result and b == 1 makes it panic; a VALUE_OUTPUT param 1 gets
 * a = TEST_TA_OPEN_MAGIC.
 */
enum {
	TEST_TA_CMD_VALUES = 0,
	TEST_TA_CMD_ECHO = 1,
	TEST_TA_CMD_NEGATE = 2,
	TEST_TA_CMD_PANIC = 3,
	TEST_TA_CMD_PANIC_RET = 4,
	TEST_TA_CMD_RESULT = 5,
	TEST_TA_CMD_INFO = 6,
	TEST_TA_CMD_RANDOM = 7,
	TEST_TA_CMD_NOP = 8,
};

#define TEST_TA_OPEN_MAGIC 0x5e55104eu
#define TEST_TA_PANIC_CODE 0xbadu

#endif /* RH_TEST_TA_H */
