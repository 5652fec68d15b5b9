// SPDX-License-Identifier: MIT
/* Unit tests of the emulated TEE core (emu/optee/tee-core.c). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/alloc.h>
#include <rheap/platform.h>
#include <rheap/tee-backend.h>

#include "internal.h"
#include "optee/msg.h"
#include "rh-test.h"
#include "test-ta.h"

#define MAX_PARAMS 6

struct test_msg {
	uint64_t words[RH_OPTEE_MSG_GET_ARG_SIZE(MAX_PARAMS) / 8];
};

static struct rh_optee_msg_arg *A(struct test_msg *m)
{
	return (struct rh_optee_msg_arg *)m->words;
}

struct fixture {
	struct rh_tee_emu *emu;
	unsigned int log_errors;
	char last_log[512];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(rh_tee_emu_new(NULL, &f->emu), 0);
	assert_int_equal(rh_test_ta_add_all(f->emu), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rh_tee_emu_free(f->emu);
	free(f);
	return 0;
}

static void uuid_of(const char *text, uint8_t *uuid)
{
	assert_int_equal(rh_uuid_parse(text, uuid), 0);
}

/* Sends @m (its size from num_params) and checks the SMC itself worked. */
static void call(struct rh_tee_emu *emu, struct test_msg *m)
{
	assert_int_equal(rh_tee_emu_call(emu, m->words,
					 RH_OPTEE_MSG_GET_ARG_SIZE(A(m)->num_params)),
			 0);
}

/* OPEN_SESSION of @uuid_text; extra TA params copied from @p (n of them). */
static void build_open(struct test_msg *m, const char *uuid_text,
		       const struct rh_optee_msg_param *p, unsigned int n)
{
	uint8_t uuid[16];

	memset(m, 0, sizeof(*m));
	uuid_of(uuid_text, uuid);
	A(m)->cmd = RH_OPTEE_MSG_CMD_OPEN_SESSION;
	A(m)->num_params = 2 + n;
	A(m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT |
			       RH_OPTEE_MSG_ATTR_META;
	A(m)->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT |
			       RH_OPTEE_MSG_ATTR_META;
	memcpy(&A(m)->params[0].u.value, uuid, 16);
	if (n)
		memcpy(&A(m)->params[2], p, n * sizeof(*p));
}

/* Opens a session to @uuid_text and returns its id (asserts success). */
static uint32_t open_ok(struct rh_tee_emu *emu, const char *uuid_text)
{
	struct test_msg m;

	build_open(&m, uuid_text, NULL, 0);
	call(emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_SUCCESS);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_int_not_equal(A(&m)->session, 0);
	return A(&m)->session;
}

static void build_invoke(struct test_msg *m, uint32_t session, uint32_t func,
			 unsigned int n)
{
	memset(m, 0, sizeof(*m));
	A(m)->cmd = RH_OPTEE_MSG_CMD_INVOKE_COMMAND;
	A(m)->session = session;
	A(m)->func = func;
	A(m)->num_params = n;
}

static void invoke(struct rh_tee_emu *emu, uint32_t session, uint32_t func,
		   uint32_t *ret, uint32_t *origin)
{
	struct test_msg m;

	build_invoke(&m, session, func, 0);
	call(emu, &m);
	*ret = A(&m)->ret;
	*origin = A(&m)->ret_origin;
}

static uint32_t simple_cmd(struct rh_tee_emu *emu, uint32_t cmd,
			   uint32_t session, uint32_t *origin)
{
	struct test_msg m;

	memset(&m, 0, sizeof(m));
	A(&m)->cmd = cmd;
	A(&m)->session = session;
	call(emu, &m);
	*origin = A(&m)->ret_origin;
	return A(&m)->ret;
}

static void close_ok(struct rh_tee_emu *emu, uint32_t session)
{
	uint32_t origin;

	assert_int_equal(simple_cmd(emu, RH_OPTEE_MSG_CMD_CLOSE_SESSION,
				    session, &origin),
			 RH_TEEC_SUCCESS);
}

/* INFO: instance id, sessions open, sessions ever opened. */
static void info(struct rh_tee_emu *emu, uint32_t session, uint64_t *id,
		 uint64_t *open)
{
	struct test_msg m;

	build_invoke(&m, session, TEST_TA_CMD_INFO, 1);
	A(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	call(emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_SUCCESS);
	*id = A(&m)->params[0].u.value.a;
	*open = A(&m)->params[0].u.value.b;
}

static struct rh_tee_emu_stats stats_of(struct rh_tee_emu *emu)
{
	struct rh_tee_emu_stats st;

	rh_tee_emu_get_stats(emu, &st);
	return st;
}

static void register_shm(struct rh_tee_emu *emu, void *buf, uint64_t size,
			 uint64_t cookie, uint32_t expect)
{
	struct test_msg m;

	memset(&m, 0, sizeof(m));
	A(&m)->cmd = RH_OPTEE_MSG_CMD_REGISTER_SHM;
	A(&m)->num_params = 1;
	A(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	A(&m)->params[0].u.tmem.buf_ptr = (uintptr_t)buf;
	A(&m)->params[0].u.tmem.size = size;
	A(&m)->params[0].u.tmem.shm_ref = cookie;
	call(emu, &m);
	assert_int_equal(A(&m)->ret, expect);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TEE);
}

static uint32_t unregister_shm(struct rh_tee_emu *emu, uint64_t cookie)
{
	struct test_msg m;

	memset(&m, 0, sizeof(m));
	A(&m)->cmd = RH_OPTEE_MSG_CMD_UNREGISTER_SHM;
	A(&m)->num_params = 1;
	A(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	A(&m)->params[0].u.rmem.shm_ref = cookie;
	call(emu, &m);
	return A(&m)->ret;
}

/* ------------------------------------------------------------ tests */

static uint32_t nop_invoke(struct rh_ta_ctx *ctx, void *sess, uint32_t cmd,
			   uint32_t types, struct rh_ta_param p[4])
{
	return RH_TEEC_SUCCESS;
}

static void test_register_ta(void **state)
{
	struct fixture *f = *state;
	struct rh_ta_ops ops[RH_TEE_EMU_MAX_TAS + 1];
	struct rh_ta_ops bad = rh_test_ta_multi;
	unsigned int i, base = stats_of(f->emu).tas;
	uint8_t uuid[16];

	assert_int_equal(base, 5);
	assert_neg_errno(rh_tee_emu_add_ta(NULL, &rh_test_ta_multi), EINVAL);
	assert_neg_errno(rh_tee_emu_add_ta(f->emu, NULL), EINVAL);
	bad.name = NULL;
	assert_neg_errno(rh_tee_emu_add_ta(f->emu, &bad), EINVAL);
	bad = rh_test_ta_multi;
	bad.invoke = NULL;
	assert_neg_errno(rh_tee_emu_add_ta(f->emu, &bad), EINVAL);
	bad = rh_test_ta_multi;
	bad.flags = 1u << 9;
	assert_neg_errno(rh_tee_emu_add_ta(f->emu, &bad), EINVAL);
	assert_neg_errno(rh_tee_emu_add_ta(f->emu, &rh_test_ta_single), EEXIST);

	/* Fill the registry up. */
	memset(ops, 0, sizeof(ops));
	for (i = 0; i < RH_TEE_EMU_MAX_TAS + 1 - base; i++) {
		ops[i].name = "filler";
		ops[i].invoke = nop_invoke;
		ops[i].uuid[0] = 0x99;
		ops[i].uuid[15] = (uint8_t)i;
		if (i < RH_TEE_EMU_MAX_TAS - base)
			assert_int_equal(rh_tee_emu_add_ta(f->emu, &ops[i]), 0);
		else
			assert_neg_errno(rh_tee_emu_add_ta(f->emu, &ops[i]),
					 ENOSPC);
	}
	assert_int_equal(stats_of(f->emu).tas, RH_TEE_EMU_MAX_TAS);

	/* Removal: unknown, busy, then fine; the slot is reusable. */
	uuid_of("00000000-0000-0000-0000-000000000000", uuid);
	assert_neg_errno(rh_tee_emu_remove_ta(f->emu, uuid), ENOENT);
	assert_neg_errno(rh_tee_emu_remove_ta(f->emu, NULL), EINVAL);
	i = open_ok(f->emu, TEST_TA_SINGLE_UUID);
	assert_neg_errno(rh_tee_emu_remove_ta(f->emu, rh_test_ta_single.uuid),
			 EBUSY);
	close_ok(f->emu, i);
	assert_int_equal(rh_tee_emu_remove_ta(f->emu, rh_test_ta_single.uuid), 0);
	assert_int_equal(rh_tee_emu_add_ta(f->emu, &rh_test_ta_single), 0);
	assert_int_equal(stats_of(f->emu).tas, RH_TEE_EMU_MAX_TAS);
}

static void test_smc_entry(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_emu_stats st = stats_of(f->emu);
	struct test_msg m;

	memset(&m, 0, sizeof(m));
	assert_neg_errno(rh_tee_emu_call(NULL, m.words, 32), EINVAL);
	assert_neg_errno(rh_tee_emu_call(f->emu, NULL, 32), EINVAL);
	assert_neg_errno(rh_tee_emu_call(f->emu, m.words, 31), EINVAL);
	assert_int_equal(stats_of(f->emu).calls, st.calls);

	/* Malformed but readable: answered in the message, counted. */
	A(&m)->cmd = RH_OPTEE_MSG_CMD_INVOKE_COMMAND;
	A(&m)->num_params = 3;
	assert_int_equal(rh_tee_emu_call(f->emu, m.words, 64), 0);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_BAD_FORMAT);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TEE);
	assert_int_equal(stats_of(f->emu).malformed, st.malformed + 1);
	assert_int_equal(stats_of(f->emu).calls, st.calls + 1);
	/* Every call is an entry and a return. */
	assert_int_equal(stats_of(f->emu).world_switches, st.world_switches + 2);
}

static void test_unknown_ta_and_session(void **state)
{
	struct fixture *f = *state;
	uint32_t ret, origin, id;
	struct test_msg m;

	build_open(&m, "deadbeef-5b69-11e4-9dbb-101f74f00099", NULL, 0);
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TEE);
	assert_int_equal(A(&m)->session, 0);
	assert_int_equal(stats_of(f->emu).sessions, 0);

	invoke(f->emu, 0x12345, TEST_TA_CMD_NOP, &ret, &origin);
	assert_int_equal(ret, RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, RH_TEEC_ORIGIN_TEE);
	assert_int_equal(simple_cmd(f->emu, RH_OPTEE_MSG_CMD_CLOSE_SESSION, 7,
				    &origin),
			 RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(simple_cmd(f->emu, RH_OPTEE_MSG_CMD_CANCEL, 7, &origin),
			 RH_TEEC_ERROR_BAD_PARAMETERS);

	/* A closed session's id stays dead, also once its slot is reused. */
	id = open_ok(f->emu, TEST_TA_MULTI_UUID);
	close_ok(f->emu, id);
	invoke(f->emu, id, TEST_TA_CMD_NOP, &ret, &origin);
	assert_int_equal(ret, RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(simple_cmd(f->emu, RH_OPTEE_MSG_CMD_CLOSE_SESSION, id,
				    &origin),
			 RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(stats_of(f->emu).sessions, 0);
	assert_int_equal(stats_of(f->emu).instances, 0);
}

static void test_values_and_results(void **state)
{
	struct fixture *f = *state;
	struct rh_optee_msg_param *p;
	uint32_t id, ret, origin;
	struct test_msg m;

	id = open_ok(f->emu, TEST_TA_MULTI_UUID);
	build_invoke(&m, id, TEST_TA_CMD_VALUES, 3);
	p = A(&m)->params;
	p[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 10;
	p[0].u.value.b = 1ULL << 40;
	p[0].u.value.c = 0xf0;
	p[1].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	p[1].u.value.a = 0xdead; /* not an input: the TA sees 0 */
	p[2].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	p[2].u.value.a = 5;
	p[2].u.value.b = 0x0f;
	p[2].u.value.c = 0x0f;
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_SUCCESS);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(p[1].u.value.a, 15);
	assert_int_equal(p[1].u.value.b, (1ULL << 40) + 0x0f);
	assert_int_equal(p[1].u.value.c, 0xff);
	assert_int_equal(p[2].u.value.a, 20);
	assert_int_equal(p[2].u.value.b, ~0x0fULL);
	assert_int_equal(p[2].u.value.c, 7);
	/* Inputs are left as sent. */
	assert_int_equal(p[0].u.value.a, 10);

	/* Wrong parameter types: the TA refuses. */
	p[1].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);

	/* Any result of the TA comes back with origin TRUSTED_APP. */
	build_invoke(&m, id, TEST_TA_CMD_RESULT, 1);
	A(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	A(&m)->params[0].u.value.a = RH_TEEC_ERROR_OUT_OF_MEMORY;
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_OUT_OF_MEMORY);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);

	invoke(f->emu, id, 0x777, &ret, &origin);
	assert_int_equal(ret, RH_TEEC_ERROR_NOT_SUPPORTED);
	assert_int_equal(origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	close_ok(f->emu, id);
}

static void test_memrefs(void **state)
{
	struct fixture *f = *state;
	unsigned char src[16], dst[32];
	struct rh_optee_msg_param *p;
	struct test_msg m;
	uint32_t id;
	size_t i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i + 1);
	memset(dst, 0, sizeof(dst));
	register_shm(f->emu, src, sizeof(src), 1, RH_TEEC_SUCCESS);
	register_shm(f->emu, dst, sizeof(dst), 2, RH_TEEC_SUCCESS);
	assert_int_equal(stats_of(f->emu).shm, 2);
	id = open_ok(f->emu, TEST_TA_MULTI_UUID);

	/* Echo 12 bytes from offset 4 into dst at 8. */
	build_invoke(&m, id, TEST_TA_CMD_ECHO, 2);
	p = A(&m)->params;
	p[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	p[0].u.rmem = (struct rh_optee_msg_param_rmem){ 4, 12, 1 };
	p[1].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	p[1].u.rmem = (struct rh_optee_msg_param_rmem){ 8, 24, 2 };
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_SUCCESS);
	assert_int_equal(p[1].u.rmem.size, 12);
	assert_memory_equal(dst + 8, src + 4, 12);
	assert_int_equal(dst[7], 0);
	assert_int_equal(dst[20], 0);

	/* Too small: SHORT_BUFFER and the size needed, nothing written. */
	memset(dst, 0, sizeof(dst));
	p[1].u.rmem = (struct rh_optee_msg_param_rmem){ 0, 5, 2 };
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(p[1].u.rmem.size, 12);
	assert_int_equal(dst[0], 0);
	/* A NULL output memref asks for the size. */
	p[1].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	p[1].u.tmem = (struct rh_optee_msg_param_tmem){ 0, 0, 0 };
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(p[1].u.tmem.size, 12);

	/* Range outside the buffer, unknown cookie: refused by the TEE. */
	p[1].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	p[1].u.rmem = (struct rh_optee_msg_param_rmem){ 31, 2, 2 };
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TEE);
	p[1].u.rmem = (struct rh_optee_msg_param_rmem){ 2, UINT64_MAX, 2 };
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_BAD_PARAMETERS);
	p[1].u.rmem = (struct rh_optee_msg_param_rmem){ 0, 4, 3 };
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_BAD_PARAMETERS);

	/* In-place transform. */
	build_invoke(&m, id, TEST_TA_CMD_NEGATE, 1);
	p[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INOUT;
	p[0].u.rmem = (struct rh_optee_msg_param_rmem){ 0, 16, 1 };
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_SUCCESS);
	assert_int_equal(src[0], 0xff);
	assert_int_equal(src[15], (unsigned char)-16);

	/* Unregistered buffers can no longer be referenced. */
	assert_int_equal(unregister_shm(f->emu, 1), RH_TEEC_SUCCESS);
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(unregister_shm(f->emu, 1), RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(unregister_shm(f->emu, 2), RH_TEEC_SUCCESS);
	assert_int_equal(stats_of(f->emu).shm, 0);
	close_ok(f->emu, id);
}

static void test_shm_registry(void **state)
{
	struct fixture *f = *state;
	unsigned char buf[64], other[8];
	uint64_t i;

	register_shm(f->emu, buf, sizeof(buf), 5, RH_TEEC_SUCCESS);
	/* A cookie is registered once. */
	register_shm(f->emu, buf, 8, 5, RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(unregister_shm(f->emu, 5), RH_TEEC_SUCCESS);

	/* Non-secure window: only buffers inside it are accepted. */
	assert_neg_errno(rh_tee_emu_set_ns_window(f->emu, NULL, 8), EINVAL);
	assert_neg_errno(rh_tee_emu_set_ns_window(NULL, buf, 8), EINVAL);
	assert_int_equal(rh_tee_emu_set_ns_window(f->emu, buf, sizeof(buf)), 0);
	register_shm(f->emu, buf + 60, 4, 6, RH_TEEC_SUCCESS);
	register_shm(f->emu, buf + 60, 5, 7, RH_TEEC_ERROR_BAD_PARAMETERS);
	register_shm(f->emu, other, 4, 8, RH_TEEC_ERROR_BAD_PARAMETERS);
	register_shm(f->emu, buf + 64, 1, 9, RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(rh_tee_emu_set_ns_window(f->emu, NULL, 0), 0);
	register_shm(f->emu, other, 4, 8, RH_TEEC_SUCCESS);
	assert_int_equal(unregister_shm(f->emu, 6), RH_TEEC_SUCCESS);
	assert_int_equal(unregister_shm(f->emu, 8), RH_TEEC_SUCCESS);

	/* The registry is bounded. */
	for (i = 1; i <= RH_TEE_EMU_MAX_SHM; i++)
		register_shm(f->emu, buf, 1, i, RH_TEEC_SUCCESS);
	register_shm(f->emu, buf, 1, i, RH_TEEC_ERROR_OUT_OF_MEMORY);
	assert_int_equal(stats_of(f->emu).shm, RH_TEE_EMU_MAX_SHM);
	for (i = 1; i <= RH_TEE_EMU_MAX_SHM; i += 2)
		assert_int_equal(unregister_shm(f->emu, i), RH_TEEC_SUCCESS);
	/* The rest is reclaimed when the emulator goes (LSan checks). */
}

static void test_open_session_params(void **state)
{
	struct fixture *f = *state;
	struct rh_optee_msg_param p[2];
	struct test_msg m;

	memset(p, 0, sizeof(p));
	/* TA refuses: its result, origin TRUSTED_APP, no session left. */
	p[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = RH_TEEC_ERROR_ACCESS_DENIED;
	build_open(&m, TEST_TA_SINGLE_UUID, p, 1);
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(stats_of(f->emu).sessions, 0);
	assert_int_equal(stats_of(f->emu).instances, 0);

	/* Outputs of OPEN_SESSION are written back. */
	p[0].u.value.a = 0;
	p[1].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	build_open(&m, TEST_TA_SINGLE_UUID, p, 2);
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_SUCCESS);
	assert_int_equal(A(&m)->params[3].u.value.a, TEST_TA_OPEN_MAGIC);
	close_ok(f->emu, A(&m)->session);

	/* A memref to an unknown cookie is refused before the TA. */
	p[1].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	p[1].u.rmem.shm_ref = 77;
	build_open(&m, TEST_TA_SINGLE_UUID, p, 2);
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TEE);
	assert_int_equal(stats_of(f->emu).sessions, 0);
	assert_int_equal(stats_of(f->emu).instances, 0);
}

static void test_panic_single_instance(void **state)
{
	struct fixture *f = *state;
	uint64_t id1, id2, id3, open;
	uint32_t s1, s2, s3, ret, origin;

	s1 = open_ok(f->emu, TEST_TA_SINGLE_UUID);
	s2 = open_ok(f->emu, TEST_TA_SINGLE_UUID);
	info(f->emu, s1, &id1, &open);
	info(f->emu, s2, &id2, &open);
	assert_int_equal(id1, id2); /* one instance serves both */
	assert_int_equal(open, 2);
	assert_int_equal(stats_of(f->emu).instances, 1);

	invoke(f->emu, s1, TEST_TA_CMD_PANIC, &ret, &origin);
	assert_int_equal(ret, RH_TEEC_ERROR_TARGET_DEAD);
	assert_int_equal(origin, RH_TEEC_ORIGIN_TEE);
	assert_int_equal(stats_of(f->emu).panics, 1);
	/* Both sessions of the instance are dead now. */
	invoke(f->emu, s1, TEST_TA_CMD_NOP, &ret, &origin);
	assert_int_equal(ret, RH_TEEC_ERROR_TARGET_DEAD);
	assert_int_equal(origin, RH_TEEC_ORIGIN_TEE);
	invoke(f->emu, s2, TEST_TA_CMD_NOP, &ret, &origin);
	assert_int_equal(ret, RH_TEEC_ERROR_TARGET_DEAD);

	/* A new session gets a new instance. */
	s3 = open_ok(f->emu, TEST_TA_SINGLE_UUID);
	info(f->emu, s3, &id3, &open);
	assert_int_not_equal(id3, id1);
	assert_int_equal(open, 1);
	assert_int_equal(stats_of(f->emu).instances, 2);

	/* Dead sessions still close; the dead instance is then reclaimed. */
	close_ok(f->emu, s1);
	close_ok(f->emu, s2);
	assert_int_equal(stats_of(f->emu).instances, 1);
	close_ok(f->emu, s3);
	assert_int_equal(stats_of(f->emu).instances, 0);
	assert_int_equal(stats_of(f->emu).sessions, 0);
}

static void test_panic_multi_instance(void **state)
{
	struct fixture *f = *state;
	uint32_t s1, s2, ret, origin;
	uint64_t id1, id2, open;

	s1 = open_ok(f->emu, TEST_TA_MULTI_UUID);
	s2 = open_ok(f->emu, TEST_TA_MULTI_UUID);
	info(f->emu, s1, &id1, &open);
	info(f->emu, s2, &id2, &open);
	assert_int_not_equal(id1, id2);
	assert_int_equal(stats_of(f->emu).instances, 2);

	/* Panic by return value this time. */
	invoke(f->emu, s1, TEST_TA_CMD_PANIC_RET, &ret, &origin);
	assert_int_equal(ret, RH_TEEC_ERROR_TARGET_DEAD);
	assert_int_equal(origin, RH_TEEC_ORIGIN_TEE);
	invoke(f->emu, s1, TEST_TA_CMD_NOP, &ret, &origin);
	assert_int_equal(ret, RH_TEEC_ERROR_TARGET_DEAD);
	/* The other instance lives on. */
	invoke(f->emu, s2, TEST_TA_CMD_NOP, &ret, &origin);
	assert_int_equal(ret, RH_TEEC_SUCCESS);
	assert_int_equal(origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	close_ok(f->emu, s1);
	close_ok(f->emu, s2);
	assert_int_equal(stats_of(f->emu).instances, 0);
}

static void test_panic_in_open_and_create(void **state)
{
	struct fixture *f = *state;
	struct rh_optee_msg_param p;
	struct test_msg m;
	uint32_t s;

	memset(&p, 0, sizeof(p));
	p.attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p.u.value.b = 1;
	build_open(&m, TEST_TA_SINGLE_UUID, &p, 1);
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_TARGET_DEAD);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TEE);
	assert_int_equal(stats_of(f->emu).instances, 0);
	s = open_ok(f->emu, TEST_TA_SINGLE_UUID);
	close_ok(f->emu, s);

	build_open(&m, TEST_TA_BADCREATE_UUID, NULL, 0);
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_TARGET_DEAD);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TEE);
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_TARGET_DEAD);
	assert_int_equal(stats_of(f->emu).instances, 0);
	assert_int_equal(stats_of(f->emu).sessions, 0);
}

static void test_keep_alive(void **state)
{
	struct fixture *f = *state;
	uint64_t id1, id2, open;
	uint32_t s, ret, origin;

	s = open_ok(f->emu, TEST_TA_KEEPALIVE_UUID);
	info(f->emu, s, &id1, &open);
	close_ok(f->emu, s);
	/* The instance outlives its last session... */
	assert_int_equal(stats_of(f->emu).instances, 1);
	s = open_ok(f->emu, TEST_TA_KEEPALIVE_UUID);
	info(f->emu, s, &id2, &open);
	assert_int_equal(id1, id2);
	/* ...until it panics. */
	invoke(f->emu, s, TEST_TA_CMD_PANIC, &ret, &origin);
	assert_int_equal(ret, RH_TEEC_ERROR_TARGET_DEAD);
	close_ok(f->emu, s);
	assert_int_equal(stats_of(f->emu).instances, 0);
	/* A kept instance is destroyed with the emulator (LSan checks). */
	s = open_ok(f->emu, TEST_TA_KEEPALIVE_UUID);
	close_ok(f->emu, s);
	assert_int_equal(stats_of(f->emu).instances, 1);
}

static void test_single_session(void **state)
{
	struct fixture *f = *state;
	struct test_msg m;
	uint32_t s;

	s = open_ok(f->emu, TEST_TA_EXCLUSIVE_UUID);
	build_open(&m, TEST_TA_EXCLUSIVE_UUID, NULL, 0);
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_BUSY);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TEE);
	close_ok(f->emu, s);
	s = open_ok(f->emu, TEST_TA_EXCLUSIVE_UUID);
	close_ok(f->emu, s);
}

static void test_session_table_full(void **state)
{
	struct fixture *f = *state;
	uint32_t ids[RH_TEE_EMU_MAX_SESSIONS];
	struct test_msg m;
	unsigned int i, j;

	for (i = 0; i < RH_TEE_EMU_MAX_SESSIONS; i++) {
		ids[i] = open_ok(f->emu, TEST_TA_SINGLE_UUID);
		for (j = 0; j < i; j++)
			assert_int_not_equal(ids[i], ids[j]);
	}
	build_open(&m, TEST_TA_SINGLE_UUID, NULL, 0);
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_BUSY);
	assert_int_equal(A(&m)->ret_origin, RH_TEEC_ORIGIN_TEE);
	close_ok(f->emu, ids[7]);
	ids[7] = open_ok(f->emu, TEST_TA_SINGLE_UUID);
	for (i = 0; i < RH_TEE_EMU_MAX_SESSIONS; i++)
		close_ok(f->emu, ids[i]);
	assert_int_equal(stats_of(f->emu).sessions, 0);
}

static void test_injected_panic_and_cancel(void **state)
{
	struct fixture *f = *state;
	const struct rh_tee_ops *ops = rh_tee_emu_get_ops();
	uint32_t s, ret, origin;
	struct test_msg m;

	s = open_ok(f->emu, TEST_TA_MULTI_UUID);
	assert_int_equal(simple_cmd(f->emu, RH_OPTEE_MSG_CMD_CANCEL, s, &origin),
			 RH_TEEC_SUCCESS);
	assert_int_equal(stats_of(f->emu).cancels, 1);

	assert_neg_errno(ops->ta_panic_next(f->emu, 0x4242), ENOENT);
	assert_int_equal(ops->ta_panic_next(f->emu, s), 0);
	invoke(f->emu, s, TEST_TA_CMD_NOP, &ret, &origin);
	assert_int_equal(ret, RH_TEEC_ERROR_TARGET_DEAD);
	assert_int_equal(origin, RH_TEEC_ORIGIN_TEE);
	close_ok(f->emu, s);

	/* Session 0: the next OPEN_SESSION's TA panics, once. */
	assert_int_equal(ops->ta_panic_next(f->emu, 0), 0);
	build_open(&m, TEST_TA_SINGLE_UUID, NULL, 0);
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_TARGET_DEAD);
	s = open_ok(f->emu, TEST_TA_SINGLE_UUID);
	close_ok(f->emu, s);
	assert_int_equal(stats_of(f->emu).panics, 2);
	assert_int_equal(stats_of(f->emu).instances, 0);
}

static void test_backend_ops(void **state)
{
	struct fixture *f = *state;
	const struct rh_tee_ops *ops = rh_tee_emu_get_ops();
	struct rh_tee_ioctl_version_data v;
	struct test_msg m;

	assert_int_equal(ops->version, RH_TEE_OPS_VERSION);
	assert_int_equal(ops->get_version(f->emu, &v), 0);
	assert_int_equal(v.impl_id, RH_TEE_IMPL_ID_OPTEE);
	assert_int_equal(v.impl_caps, RH_TEE_OPTEE_CAP_TZ);
	assert_true(v.gen_caps & RH_TEE_GEN_CAP_GP);
	assert_true(v.gen_caps & RH_TEE_GEN_CAP_REG_MEM);
	assert_true(v.gen_caps & RH_TEE_GEN_CAP_MEMREF_NULL);
	assert_neg_errno(ops->get_version(f->emu, NULL), EINVAL);

	/* A method only carries its own command. */
	build_open(&m, TEST_TA_MULTI_UUID, NULL, 0);
	assert_neg_errno(ops->invoke(f->emu, A(&m), RH_OPTEE_MSG_GET_ARG_SIZE(2)),
			 EINVAL);
	assert_neg_errno(ops->open_session(f->emu, A(&m), 16), EINVAL);
	assert_int_equal(ops->open_session(f->emu, A(&m),
					   RH_OPTEE_MSG_GET_ARG_SIZE(2)),
			 0);
	assert_int_equal(A(&m)->ret, RH_TEEC_SUCCESS);
	close_ok(f->emu, A(&m)->session);
}

static void test_random(void **state)
{
	struct fixture *f = *state;
	unsigned char a[300], b[300], zero[300];
	struct rh_optee_msg_param *p;
	struct test_msg m;
	uint32_t s;

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	register_shm(f->emu, a, sizeof(a), 1, RH_TEEC_SUCCESS);
	register_shm(f->emu, b, sizeof(b), 2, RH_TEEC_SUCCESS);
	s = open_ok(f->emu, TEST_TA_MULTI_UUID);
	build_invoke(&m, s, TEST_TA_CMD_RANDOM, 1);
	p = A(&m)->params;
	p[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	p[0].u.rmem = (struct rh_optee_msg_param_rmem){ 0, sizeof(a), 1 };
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_SUCCESS);
	p[0].u.rmem.shm_ref = 2; /* longer than the keystream buffer */
	call(f->emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_SUCCESS);
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, a + 150, 150);
	close_ok(f->emu, s);

	assert_neg_errno(rh_tee_emu_random(NULL, a, 1), EINVAL);
	assert_neg_errno(rh_ta_random(NULL, a, 1), EINVAL);
}

static void test_errno_results(void **state)
{
	static const int errs[] = { 0,	     -ENOMEM,	  -EINVAL,    -EBADMSG,
				    -EACCES, -EPERM,	  -ENOENT,    -EBUSY,
				    -ENOSPC, -EOPNOTSUPP, -ECANCELED, -EPIPE,
				    -ECOMM,  -EOVERFLOW,  -E2BIG,     -ENODATA };
	size_t i;

	/* Reverse of the client's table: every errno survives the trip. */
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		assert_int_equal(rh_tee_result_to_errno(
					 rh_errno_to_tee_result(errs[i])),
				 errs[i]);
	assert_int_equal(rh_errno_to_tee_result(-ENOMEM),
			 RH_TEEC_ERROR_OUT_OF_MEMORY);
	assert_int_equal(rh_errno_to_tee_result(-EOPNOTSUPP),
			 RH_TEEC_ERROR_NOT_SUPPORTED);
	assert_int_equal(rh_errno_to_tee_result(-EXDEV), RH_TEEC_ERROR_GENERIC);
	assert_int_equal(rh_errno_to_tee_result(5), RH_TEEC_ERROR_GENERIC);
}

/* fail-nth: the emulator's allocations fail cleanly with OUT_OF_MEMORY. */
struct sweep {
	struct rh_tee_emu *emu;
	uint32_t session;
	const char *uuid;
};

static int sweep_open(void *arg)
{
	struct sweep *sw = arg;
	struct test_msg m;

	build_open(&m, sw->uuid, NULL, 0);
	call(sw->emu, &m);
	if (A(&m)->ret == RH_TEEC_SUCCESS)
		sw->session = A(&m)->session;
	return rh_tee_result_to_errno(A(&m)->ret);
}

static void sweep_close(void *arg)
{
	struct sweep *sw = arg;

	close_ok(sw->emu, sw->session);
}

static void sweep_clean(void *arg)
{
	struct sweep *sw = arg;

	assert_int_equal(stats_of(sw->emu).sessions, 0);
	assert_int_equal(stats_of(sw->emu).instances, 0);
}

static void test_fail_nth_open(void **state)
{
	struct fixture *f = *state;
	struct sweep sw = { .emu = f->emu, .uuid = TEST_TA_SINGLE_UUID };
	unsigned int sites;

	/* session, instance, the TA's instance state, the TA's session state */
	sites = rh_test_fail_nth_sweep(sweep_open, sweep_close, sweep_clean, &sw);
	assert_int_equal(sites, 4);
	sw.uuid = TEST_TA_MULTI_UUID;
	sites = rh_test_fail_nth_sweep(sweep_open, sweep_close, sweep_clean, &sw);
	assert_int_equal(sites, 4);
}

static void test_fail_nth_register(void **state)
{
	struct fixture *f = *state;
	unsigned char buf[8];
	struct test_msg m;

	rh_fail_nth_set(1);
	memset(&m, 0, sizeof(m));
	A(&m)->cmd = RH_OPTEE_MSG_CMD_REGISTER_SHM;
	A(&m)->num_params = 1;
	A(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	A(&m)->params[0].u.tmem.buf_ptr = (uintptr_t)buf;
	A(&m)->params[0].u.tmem.size = sizeof(buf);
	A(&m)->params[0].u.tmem.shm_ref = 1;
	call(f->emu, &m);
	assert_int_equal(rh_fail_nth_get(), 0);
	rh_fail_nth_set(0);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_OUT_OF_MEMORY);
	assert_int_equal(stats_of(f->emu).shm, 0);
	/* An invoke allocates nothing. */
	{
		uint32_t s = open_ok(f->emu, TEST_TA_MULTI_UUID), ret, origin;

		rh_fail_nth_set(1);
		invoke(f->emu, s, TEST_TA_CMD_NOP, &ret, &origin);
		assert_int_equal(ret, RH_TEEC_SUCCESS);
		assert_int_not_equal(rh_fail_nth_get(), 0);
		rh_fail_nth_set(0);
		close_ok(f->emu, s);
	}
}

/* Threads open, invoke and close on one single-instance TA at once. */
struct worker {
	struct rh_tee_emu *emu;
	uint32_t shared;
	unsigned int failures;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint32_t s, ret, origin;
	struct test_msg m;
	unsigned int i;

	for (i = 0; i < 300; i++) {
		build_open(&m, TEST_TA_SINGLE_UUID, NULL, 0);
		if (rh_tee_emu_call(w->emu, m.words, RH_OPTEE_MSG_GET_ARG_SIZE(2)) ||
		    A(&m)->ret) {
			w->failures++;
			continue;
		}
		s = A(&m)->session;
		build_invoke(&m, w->shared, TEST_TA_CMD_NOP, 0);
		rh_tee_emu_call(w->emu, m.words, 32);
		ret = A(&m)->ret;
		origin = A(&m)->ret_origin;
		if (ret || origin != RH_TEEC_ORIGIN_TRUSTED_APP)
			w->failures++;
		memset(&m, 0, sizeof(m));
		A(&m)->cmd = RH_OPTEE_MSG_CMD_CLOSE_SESSION;
		A(&m)->session = s;
		rh_tee_emu_call(w->emu, m.words, 32);
		if (A(&m)->ret)
			w->failures++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	struct worker w[4];
	pthread_t t[4];
	uint32_t shared;
	uint64_t id, open;
	unsigned int i;

	shared = open_ok(f->emu, TEST_TA_SINGLE_UUID);
	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ .emu = f->emu, .shared = shared };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]),
				 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	info(f->emu, shared, &id, &open);
	assert_int_equal(open, 1);
	close_ok(f->emu, shared);
	assert_int_equal(stats_of(f->emu).sessions, 0);
	assert_int_equal(stats_of(f->emu).instances, 0);
}

/* ------------------------------------------------------------ on a platform */

static void count_log(void *data, enum rh_log_level level, const char *msg)
{
	struct fixture *f = data;

	if (level <= RH_LOG_ERR) {
		f->log_errors++;
		snprintf(f->last_log, sizeof(f->last_log), "%s", msg);
	}
}

static void test_platform_emulator(void **state)
{
	struct fixture *f = *state;
	struct rh_platform_stats pst0, pst1;
	const struct rh_tee_ops *ops;
	struct rh_platform *plat;
	struct rh_tee_emu *emu;
	unsigned char r1[16], r2[16];
	struct test_msg m;
	void *priv;

	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	rh_platform_set_log_fn(plat, count_log, f);
	emu = rh_tee_emu_of(plat);
	assert_non_null(emu);
	assert_null(rh_tee_emu_of(NULL));
	/* The emulator is the default and current backend. */
	assert_int_equal(rh_platform_get_default_tee_backend(plat, &ops, &priv), 0);
	assert_ptr_equal(ops, rh_tee_emu_get_ops());
	assert_ptr_equal(priv, emu);
	assert_int_equal(rh_platform_get_tee_backend(plat, &ops, &priv), 0);
	assert_ptr_equal(priv, emu);

	assert_neg_errno(rh_tee_emu_register_ta(NULL, &rh_test_ta_multi), EINVAL);
	assert_int_equal(rh_tee_emu_register_ta(plat, &rh_test_ta_multi), 0);
	assert_neg_errno(rh_tee_emu_register_ta(plat, &rh_test_ta_multi), EEXIST);

	/* Each SMC is two world switches on the platform counter. */
	assert_int_equal(rh_platform_get_stats(plat, &pst0), 0);
	build_open(&m, TEST_TA_MULTI_UUID, NULL, 0);
	call(emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_SUCCESS);
	close_ok(emu, A(&m)->session);
	assert_int_equal(rh_platform_get_stats(plat, &pst1), 0);
	assert_int_equal(pst1.world_switches, pst0.world_switches + 4);

	/* A malformed message: exactly one error line that says why. */
	f->log_errors = 0;
	memset(&m, 0, sizeof(m));
	A(&m)->cmd = RH_OPTEE_MSG_CMD_INVOKE_COMMAND;
	A(&m)->pad = 3;
	call(emu, &m);
	assert_int_equal(A(&m)->ret, RH_TEEC_ERROR_BAD_FORMAT);
	assert_int_equal(f->log_errors, 1);
	assert_non_null(strstr(f->last_log, "reserved header field"));
	assert_non_null(strstr(f->last_log, "[secure]"));

	assert_int_equal(rh_tee_emu_random(plat, r1, sizeof(r1)), 0);
	assert_int_equal(rh_tee_emu_random(plat, r2, sizeof(r2)), 0);
	assert_memory_not_equal(r1, r2, sizeof(r1));
	assert_neg_errno(rh_tee_emu_random(plat, NULL, 4), EINVAL);
	assert_int_equal(rh_tee_emu_random(plat, NULL, 0), 0);
	rh_platform_unref(plat);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_register_ta),
		T(test_smc_entry),
		T(test_unknown_ta_and_session),
		T(test_values_and_results),
		T(test_memrefs),
		T(test_shm_registry),
		T(test_open_session_params),
		T(test_panic_single_instance),
		T(test_panic_multi_instance),
		T(test_panic_in_open_and_create),
		T(test_keep_alive),
		T(test_single_session),
		T(test_session_table_full),
		T(test_injected_panic_and_cancel),
		T(test_backend_ops),
		T(test_random),
		T(test_errno_results),
		T(test_fail_nth_open),
		T(test_fail_nth_register),
		T(test_threads),
		T(test_platform_emulator),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
