// SPDX-License-Identifier: MIT
/* A small trusted application for tests and fuzzing: values, memrefs, panics. */
#include "config.h"

#include <stdatomic.h>
#include <string.h>

#include "test-ta.h"
#include "lib/alloc.h"

struct test_ta_inst {
	uint64_t id;
	atomic_uint sessions;
	atomic_uint opened;
};

struct test_ta_sess {
	uint32_t magic;
};

static uint32_t test_ta_create(struct rh_ta_ctx *ctx)
{
	struct test_ta_inst *inst;

	/* Through the library allocator, so fail-nth sweeps reach it. */
	inst = rh_zalloc(sizeof(*inst));
	if (!inst)
		return RH_TEEC_ERROR_OUT_OF_MEMORY;
	if (rh_ta_random(ctx, &inst->id, sizeof(inst->id))) {
		rh_free(inst);
		return RH_TEEC_ERROR_GENERIC;
	}
	atomic_init(&inst->sessions, 0);
	atomic_init(&inst->opened, 0);
	rh_ta_set_priv(ctx, inst);
	return RH_TEEC_SUCCESS;
}

static uint32_t test_ta_create_panics(struct rh_ta_ctx *ctx)
{
	return RH_TA_RESULT_PANIC;
}

static void test_ta_destroy(struct rh_ta_ctx *ctx)
{
	rh_free(rh_ta_get_priv(ctx));
}

static uint32_t test_ta_open(struct rh_ta_ctx *ctx, uint32_t types,
			     struct rh_ta_param params[RH_TA_NUM_PARAMS],
			     void **ret_sess_ctx)
{
	struct test_ta_inst *inst = rh_ta_get_priv(ctx);
	struct test_ta_sess *sess;

	if (params[0].type == RH_TA_PARAM_VALUE_INPUT) {
		if (params[0].u.value.b == 1)
			return RH_TA_RESULT_PANIC;
		if (params[0].u.value.a)
			return (uint32_t)params[0].u.value.a;
	}
	sess = rh_zalloc(sizeof(*sess));
	if (!sess)
		return RH_TEEC_ERROR_OUT_OF_MEMORY;
	sess->magic = TEST_TA_OPEN_MAGIC;
	if (params[1].type == RH_TA_PARAM_VALUE_OUTPUT)
		params[1].u.value.a = TEST_TA_OPEN_MAGIC;
	atomic_fetch_add(&inst->sessions, 1);
	atomic_fetch_add(&inst->opened, 1);
	*ret_sess_ctx = sess;
	return RH_TEEC_SUCCESS;
}

static void test_ta_close(struct rh_ta_ctx *ctx, void *sess_ctx)
{
	struct test_ta_inst *inst = rh_ta_get_priv(ctx);

	atomic_fetch_sub(&inst->sessions, 1);
	rh_free(sess_ctx);
}

static uint32_t cmd_values(struct rh_ta_param *p)
{
	p[1].u.value.a = p[0].u.value.a + p[2].u.value.a;
	p[1].u.value.b = p[0].u.value.b + p[2].u.value.b;
	p[1].u.value.c = p[0].u.value.c ^ p[2].u.value.c;
	p[2].u.value.a = p[0].u.value.a * 2;
	p[2].u.value.b = ~p[2].u.value.b;
	p[2].u.value.c = 7;
	return RH_TEEC_SUCCESS;
}

static uint32_t cmd_echo(struct rh_ta_param *p)
{
	if (!p[0].u.memref.buffer && p[0].u.memref.size)
		return RH_TEEC_ERROR_BAD_PARAMETERS;
	if (p[1].u.memref.size < p[0].u.memref.size ||
	    (!p[1].u.memref.buffer && p[0].u.memref.size)) {
		p[1].u.memref.size = p[0].u.memref.size;
		return RH_TEEC_ERROR_SHORT_BUFFER;
	}
	if (p[0].u.memref.size)
		memmove(p[1].u.memref.buffer, p[0].u.memref.buffer,
			p[0].u.memref.size);
	p[1].u.memref.size = p[0].u.memref.size;
	return RH_TEEC_SUCCESS;
}

static uint32_t cmd_negate(struct rh_ta_param *p)
{
	unsigned char *b = p[0].u.memref.buffer;
	size_t i;

	if (!b && p[0].u.memref.size)
		return RH_TEEC_ERROR_BAD_PARAMETERS;
	for (i = 0; i < p[0].u.memref.size; i++)
		b[i] = (unsigned char)(~b[i] + 1);
	return RH_TEEC_SUCCESS;
}

static uint32_t test_ta_invoke(struct rh_ta_ctx *ctx, void *sess_ctx,
			       uint32_t cmd, uint32_t types,
			       struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	struct test_ta_inst *inst = rh_ta_get_priv(ctx);
	struct test_ta_sess *sess = sess_ctx;

	if (!sess || sess->magic != TEST_TA_OPEN_MAGIC)
		return RH_TEEC_ERROR_BAD_STATE;
	switch (cmd) {
	case TEST_TA_CMD_VALUES:
		if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_VALUE_INPUT,
					       RH_TA_PARAM_VALUE_OUTPUT,
					       RH_TA_PARAM_VALUE_INOUT,
					       RH_TA_PARAM_NONE))
			return RH_TEEC_ERROR_BAD_PARAMETERS;
		return cmd_values(p);
	case TEST_TA_CMD_ECHO:
		if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_MEMREF_INPUT,
					       RH_TA_PARAM_MEMREF_OUTPUT,
					       RH_TA_PARAM_NONE, RH_TA_PARAM_NONE))
			return RH_TEEC_ERROR_BAD_PARAMETERS;
		return cmd_echo(p);
	case TEST_TA_CMD_NEGATE:
		if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_MEMREF_INOUT,
					       RH_TA_PARAM_NONE, RH_TA_PARAM_NONE,
					       RH_TA_PARAM_NONE))
			return RH_TEEC_ERROR_BAD_PARAMETERS;
		return cmd_negate(p);
	case TEST_TA_CMD_PANIC:
		rh_ta_panic(ctx, TEST_TA_PANIC_CODE);
		return RH_TEEC_SUCCESS;
	case TEST_TA_CMD_PANIC_RET:
		return RH_TA_RESULT_PANIC;
	case TEST_TA_CMD_RESULT:
		if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_VALUE_INPUT,
					       RH_TA_PARAM_NONE, RH_TA_PARAM_NONE,
					       RH_TA_PARAM_NONE))
			return RH_TEEC_ERROR_BAD_PARAMETERS;
		return (uint32_t)p[0].u.value.a;
	case TEST_TA_CMD_INFO:
		if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_VALUE_OUTPUT,
					       RH_TA_PARAM_NONE, RH_TA_PARAM_NONE,
					       RH_TA_PARAM_NONE))
			return RH_TEEC_ERROR_BAD_PARAMETERS;
		p[0].u.value.a = inst->id;
		p[0].u.value.b = atomic_load(&inst->sessions);
		p[0].u.value.c = atomic_load(&inst->opened);
		return RH_TEEC_SUCCESS;
	case TEST_TA_CMD_RANDOM:
		if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_MEMREF_OUTPUT,
					       RH_TA_PARAM_NONE, RH_TA_PARAM_NONE,
					       RH_TA_PARAM_NONE))
			return RH_TEEC_ERROR_BAD_PARAMETERS;
		if (!p[0].u.memref.buffer && p[0].u.memref.size)
			return RH_TEEC_ERROR_BAD_PARAMETERS;
		if (rh_ta_random(ctx, p[0].u.memref.buffer, p[0].u.memref.size))
			return RH_TEEC_ERROR_GENERIC;
		return RH_TEEC_SUCCESS;
	case TEST_TA_CMD_NOP:
		return RH_TEEC_SUCCESS;
	default:
		return RH_TEEC_ERROR_NOT_SUPPORTED;
	}
}

#define TEST_TA(var, uuid_bytes, ta_name, ta_flags, create_fn)              \
	const struct rh_ta_ops var = {                                     \
		.name = ta_name,                                           \
		.uuid = uuid_bytes,                                        \
		.flags = ta_flags,                                         \
		.create = create_fn,                                       \
		.destroy = test_ta_destroy,                                \
		.open_session = test_ta_open,                              \
		.close_session = test_ta_close,                            \
		.invoke = test_ta_invoke,                                  \
	}

/* c0ffee00-7e57-4000-8000-00000000000N */
#define TEST_UUID(n)                                                       \
	{ 0xc0, 0xff, 0xee, 0x00, 0x7e, 0x57, 0x40, 0x00,                  \
	  0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, n }

TEST_TA(rh_test_ta_multi, TEST_UUID(1), "test-multi", 0, test_ta_create);
TEST_TA(rh_test_ta_single, TEST_UUID(2), "test-single",
	RH_TA_FLAG_SINGLE_INSTANCE | RH_TA_FLAG_MULTI_SESSION, test_ta_create);
TEST_TA(rh_test_ta_keepalive, TEST_UUID(3), "test-keepalive",
	RH_TA_FLAG_SINGLE_INSTANCE | RH_TA_FLAG_MULTI_SESSION |
		RH_TA_FLAG_INSTANCE_KEEP_ALIVE,
	test_ta_create);
TEST_TA(rh_test_ta_exclusive, TEST_UUID(4), "test-exclusive",
	RH_TA_FLAG_SINGLE_INSTANCE, test_ta_create);
TEST_TA(rh_test_ta_badcreate, TEST_UUID(5), "test-badcreate",
	RH_TA_FLAG_SINGLE_INSTANCE | RH_TA_FLAG_MULTI_SESSION,
	test_ta_create_panics);

int rh_test_ta_add_all(struct rh_tee_emu *emu)
{
	static const struct rh_ta_ops *const all[] = {
		&rh_test_ta_multi,     &rh_test_ta_single,
		&rh_test_ta_keepalive, &rh_test_ta_exclusive,
		&rh_test_ta_badcreate,
	};
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		ret = rh_tee_emu_add_ta(emu, all[i]);
		if (ret)
			return ret;
	}
	return 0;
}
