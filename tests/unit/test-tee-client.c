// SPDX-License-Identifier: MIT
/* Unit tests of the TEE client (src/tee/tee-client.c), against the emulator and a mock. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rheap/alloc.h>
#include <rheap/platform.h>
#include <rheap/tee.h>
#include <rheap/trace.h>

#include <rheap/tee-backend.h>
#include <rheap/tee-mock.h>
#include <rheap/tee-secmem.h>
#include "rh-test.h"
#include "optee/tee.h"
#include "test-ta.h"

struct fixture {
	struct rh_platform *plat;
	struct rh_tee_emu *emu;
	struct rh_tee_context *ctx;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(rh_platform_new(NULL, &f->plat), 0);
	f->emu = rh_tee_emu_of(f->plat);
	assert_non_null(f->emu);
	assert_int_equal(rh_test_ta_add_all(f->emu), 0);
	f->ctx = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(f->ctx));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_emu_stats st;

	rh_tee_client_close_context(f->ctx);
	/* Nothing may be left in the TEE once the client is gone. */
	rh_tee_emu_get_stats(f->emu, &st);
	assert_int_equal(st.sessions, 0);
	assert_int_equal(st.shm, 0);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static struct rh_tee_emu_stats stats(struct fixture *f)
{
	struct rh_tee_emu_stats st;

	rh_tee_emu_get_stats(f->emu, &st);
	return st;
}

static uint32_t open_session(struct fixture *f, const char *uuid)
{
	struct rh_tee_ioctl_open_session_arg arg;
	struct rh_tee_param p[4];

	memset(&arg, 0, sizeof(arg));
	memset(p, 0, sizeof(p));
	assert_int_equal(rh_uuid_parse(uuid, arg.uuid), 0);
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_PUBLIC;
	arg.num_params = 4;
	assert_int_equal(rh_tee_client_open_session(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_SUCCESS);
	assert_int_equal(arg.ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	return arg.session;
}

static void invoke_arg(struct rh_tee_ioctl_invoke_arg *arg, uint32_t session,
		       uint32_t func)
{
	memset(arg, 0, sizeof(*arg));
	arg->session = session;
	arg->func = func;
	arg->num_params = 4;
}

/* ------------------------------------------------------------ UUIDs, results */

static void test_uuid(void **state)
{
	static const uint8_t mtk[16] = { 0x44, 0x77, 0x58, 0x8a, 0x84, 0x76,
					 0x11, 0xe2, 0xad, 0x15, 0xe4, 0x1f,
					 0x13, 0x90, 0xd6, 0x76 };
	uint8_t u[16], keep[16];
	char text[RH_UUID_STRING_LEN + 1];

	assert_int_equal(rh_uuid_parse("4477588a-8476-11e2-ad15-e41f1390d676", u),
			 0);
	assert_memory_equal(u, mtk, 16);
	assert_int_equal(rh_uuid_parse("4477588A-8476-11E2-AD15-E41F1390D676", u),
			 0);
	assert_memory_equal(u, mtk, 16);
	rh_uuid_unparse(u, text);
	assert_string_equal(text, "4477588a-8476-11e2-ad15-e41f1390d676");

	memset(keep, 0xa5, sizeof(keep));
	memcpy(u, keep, 16);
	assert_neg_errno(rh_uuid_parse("4477588a-8476-11e2-ad15-e41f1390d67", u),
			 EINVAL);
	assert_neg_errno(rh_uuid_parse("4477588a-8476-11e2-ad15-e41f1390d6766", u),
			 EINVAL);
	assert_neg_errno(rh_uuid_parse("4477588a_8476-11e2-ad15-e41f1390d676", u),
			 EINVAL);
	assert_neg_errno(rh_uuid_parse("4477588a-8476-11e2-ad15-e41f1390d67g", u),
			 EINVAL);
	assert_neg_errno(rh_uuid_parse("4477588a84761-1e2-ad15-e41f1390d676", u),
			 EINVAL);
	assert_neg_errno(rh_uuid_parse("", u), EINVAL);
	assert_neg_errno(rh_uuid_parse(NULL, u), EINVAL);
	assert_neg_errno(rh_uuid_parse("4477588a-8476-11e2-ad15-e41f1390d676",
				       NULL),
			 EINVAL);
	/* Bad input leaves the output alone. */
	assert_memory_equal(u, keep, 16);
	rh_uuid_unparse(NULL, text);
	assert_string_equal(text, "");
}

static void test_result_to_errno(void **state)
{
	static const struct {
		uint32_t res;
		int err;
	} table[] = {
		{ RH_TEEC_SUCCESS, 0 },
		{ RH_TEEC_ERROR_OUT_OF_MEMORY, -ENOMEM },
		{ 0xFFFF000C, -ENOMEM }, /* the seed's TEE_RESULT_OOM */
		{ RH_TEEC_ERROR_BAD_PARAMETERS, -EINVAL },
		{ RH_TEEC_ERROR_BAD_FORMAT, -EBADMSG },
		{ RH_TEEC_ERROR_ACCESS_DENIED, -EACCES },
		{ RH_TEEC_ERROR_SECURITY, -EPERM },
		{ RH_TEEC_ERROR_ITEM_NOT_FOUND, -ENOENT },
		{ RH_TEEC_ERROR_BUSY, -EBUSY },
		{ RH_TEEC_ERROR_ACCESS_CONFLICT, -EBUSY },
		{ RH_TEEC_ERROR_SHORT_BUFFER, -ENOSPC },
		{ RH_TEEC_ERROR_NOT_SUPPORTED, -EOPNOTSUPP },
		{ RH_TEEC_ERROR_NOT_IMPLEMENTED, -EOPNOTSUPP },
		{ RH_TEEC_ERROR_CANCEL, -ECANCELED },
		{ RH_TEEC_ERROR_EXTERNAL_CANCEL, -ECANCELED },
		{ RH_TEEC_ERROR_TARGET_DEAD, -EPIPE },
		{ RH_TEEC_ERROR_COMMUNICATION, -ECOMM },
		{ RH_TEEC_ERROR_OVERFLOW, -EOVERFLOW },
		{ RH_TEEC_ERROR_EXCESS_DATA, -E2BIG },
		{ RH_TEEC_ERROR_NO_DATA, -ENODATA },
		{ RH_TEEC_ERROR_GENERIC, -EIO },
		{ RH_TEEC_ERROR_BAD_STATE, -EIO },
		{ RH_TEEC_ERROR_STORAGE_NOT_AVAILABLE, -EIO },
		{ 0x12345678, -EIO }, /* a TA's own code */
		{ 0xFFFFFFFF, -EIO },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		assert_int_equal(rh_tee_result_to_errno(table[i].res),
				 table[i].err);
	assert_string_equal(rh_tee_result_name(RH_TEEC_ERROR_TARGET_DEAD),
			    "TEEC_ERROR_TARGET_DEAD");
	assert_string_equal(rh_tee_result_name(0x12345678), "unknown");
}

/* ------------------------------------------------------------ contexts */

static int match_optee(struct rh_tee_ioctl_version_data *ver, const void *data)
{
	int *calls = (int *)data;

	(*calls)++;
	return ver->impl_id == RH_TEE_IMPL_ID_OPTEE;
}

static int match_none(struct rh_tee_ioctl_version_data *ver, const void *data)
{
	return 0;
}

static void test_open_context(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_version_data v;
	struct rh_tee_context *ctx;
	const struct rh_tee_ops *ops;
	void *priv;
	int calls = 0;

	ctx = rh_tee_client_open_context(f->plat, NULL, match_optee, &calls, &v);
	assert_false(RH_IS_ERR_OR_NULL(ctx));
	assert_int_equal(calls, 1);
	assert_int_equal(v.impl_id, RH_TEE_IMPL_ID_OPTEE);
	memset(&v, 0, sizeof(v));
	rh_tee_client_get_version(ctx, &v);
	assert_int_equal(v.impl_id, RH_TEE_IMPL_ID_OPTEE);
	/* One TEE a platform: nothing after it. */
	assert_int_equal(RH_PTR_ERR(rh_tee_client_open_context(f->plat, ctx, NULL,
							       NULL, NULL)),
			 -ENOENT);
	rh_tee_client_close_context(ctx);

	assert_int_equal(RH_PTR_ERR(rh_tee_client_open_context(f->plat, NULL,
							       match_none, NULL,
							       NULL)),
			 -ENOENT);
	assert_int_equal(RH_PTR_ERR(rh_tee_client_open_context(NULL, NULL, NULL,
							       NULL, NULL)),
			 -EINVAL);
	/* NULL and error pointers are ignored. */
	rh_tee_client_close_context(NULL);
	rh_tee_client_close_context(RH_ERR_PTR(-ENODEV));

	/* The backend cannot change while a context is open. */
	assert_int_equal(rh_platform_get_tee_backend(f->plat, &ops, &priv), 0);
	assert_neg_errno(rh_platform_set_tee_backend(f->plat, NULL, NULL), EBUSY);
	rh_tee_client_close_context(f->ctx);
	f->ctx = NULL;
	/* "No TEE" (driver not probed): -ENOENT, the seed's heap says -ENODEV. */
	assert_int_equal(rh_platform_set_tee_backend(f->plat, NULL, NULL), 0);
	assert_int_equal(RH_PTR_ERR(rh_tee_client_open_context(f->plat, NULL,
							       NULL, NULL, NULL)),
			 -ENOENT);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, ops, priv), 0);
	f->ctx = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(f->ctx));

	assert_neg_errno(rh_platform_set_tee_backend(NULL, NULL, NULL), EINVAL);
	assert_neg_errno(rh_platform_get_tee_backend(f->plat, NULL, &priv), EINVAL);
	assert_neg_errno(rh_platform_get_default_tee_backend(f->plat, &ops, NULL),
			 EINVAL);
}

static int bad_get_version(void *priv, struct rh_tee_ioctl_version_data *v)
{
	return -EIO;
}

static int bad_msg(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return -EIO;
}

static void test_backend_tables(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ops ops = {
		.version = RH_TEE_OPS_VERSION,
		.get_version = bad_get_version,
		.open_session = bad_msg,
		.invoke = bad_msg,
		.close_session = bad_msg,
	};
	struct rh_tee_ops wrong;
	struct rh_tee_ioctl_version_data v;
	struct rh_optee_msg_arg msg;

	rh_tee_client_close_context(f->ctx);
	f->ctx = NULL;
	wrong = ops;
	wrong.version = RH_TEE_OPS_VERSION + 1;
	assert_neg_errno(rh_platform_set_tee_backend(f->plat, &wrong, NULL),
			 EINVAL);
	wrong = ops;
	wrong.invoke = NULL;
	assert_neg_errno(rh_platform_set_tee_backend(f->plat, &wrong, NULL),
			 EINVAL);
	wrong = ops;
	wrong.get_version = NULL;
	assert_neg_errno(rh_platform_set_tee_backend(f->plat, &wrong, NULL),
			 EINVAL);

	/* A backend that does not answer get_version is no TEE. */
	assert_int_equal(rh_platform_set_tee_backend(f->plat, &ops, NULL), 0);
	assert_int_equal(RH_PTR_ERR(rh_tee_client_open_context(f->plat, NULL,
							       NULL, NULL, NULL)),
			 -ENOENT);

	/* The checked call helper. */
	memset(&msg, 0, sizeof(msg));
	msg.cmd = RH_OPTEE_MSG_CMD_INVOKE_COMMAND;
	assert_neg_errno(rh_tee_ops_call(&ops, NULL, &msg, sizeof(msg)), EIO);
	assert_neg_errno(rh_tee_ops_call(NULL, NULL, &msg, sizeof(msg)),
			 EOPNOTSUPP);
	wrong.version = 0;
	assert_neg_errno(rh_tee_ops_call(&wrong, NULL, &msg, sizeof(msg)),
			 EOPNOTSUPP);
	assert_neg_errno(rh_tee_ops_call(&ops, NULL, &msg, sizeof(msg) - 1),
			 EINVAL);
	assert_neg_errno(rh_tee_ops_call(&ops, NULL, NULL, sizeof(msg)), EINVAL);
	msg.cmd = RH_OPTEE_MSG_CMD_CANCEL; /* optional, missing */
	assert_neg_errno(rh_tee_ops_call(&ops, NULL, &msg, sizeof(msg)),
			 EOPNOTSUPP);
	msg.cmd = 99;
	assert_neg_errno(rh_tee_ops_call(&ops, NULL, &msg, sizeof(msg)), EINVAL);
	assert_neg_errno(rh_tee_ops_get_version(&ops, NULL, &v), EIO);
	assert_neg_errno(rh_tee_ops_get_version(&ops, NULL, NULL), EINVAL);
	wrong = ops;
	wrong.version = 0;
	assert_neg_errno(rh_tee_ops_get_version(&wrong, NULL, &v), EOPNOTSUPP);
	assert_neg_errno(rh_tee_ops_ta_panic_next(&ops, NULL, 1), EOPNOTSUPP);

	/* Back to the emulator. */
	{
		const struct rh_tee_ops *def;
		void *priv;

		assert_int_equal(rh_platform_get_default_tee_backend(f->plat, &def,
								     &priv),
				 0);
		assert_int_equal(rh_platform_set_tee_backend(f->plat, def, priv), 0);
	}
	f->ctx = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(f->ctx));
}

static int protmem_msg(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	*(uint32_t *)priv = msg->cmd;
	msg->ret = RH_TEEC_SUCCESS;
	return 0;
}

static int protmem_caps(void *priv, struct rh_tee_protmem_caps *ret_caps)
{
	ret_caps->flags = RH_TEE_PROTMEM_CAP_DYNAMIC;
	ret_caps->pa_width = 48;
	return 0;
}

/*
 * Version 2 of the table adds the protected-memory methods; a version-1
 * table is still a backend, read only as far as version 1 goes.
 */
static void test_backend_table_versions(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ops ops = {
		.version = RH_TEE_OPS_VERSION,
		.get_version = bad_get_version,
		.open_session = bad_msg,
		.invoke = bad_msg,
		.close_session = bad_msg,
		.lend_protmem = protmem_msg,
		.reclaim_protmem = protmem_msg,
		.get_protmem_config = protmem_msg,
		.protmem_caps = protmem_caps,
	};
	static const uint32_t cmds[] = {
		RH_OPTEE_MSG_CMD_LEND_PROTMEM, RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM,
		RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG,
	};
	struct rh_tee_protmem_caps caps, untouched;
	struct rh_optee_msg_arg msg;
	uint32_t seen;
	unsigned int i;

	assert_int_equal(RH_TEE_OPS_VERSION, 2);
	assert_int_equal(RH_TEE_OPS_VERSION_MIN, 1);
	rh_tee_client_close_context(f->ctx);
	f->ctx = NULL;

	/* Each protected-memory command reaches its own method. */
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		memset(&msg, 0, sizeof(msg));
		msg.cmd = cmds[i];
		seen = 0;
		assert_int_equal(rh_tee_ops_call(&ops, &seen, &msg, sizeof(msg)), 0);
		assert_int_equal(seen, cmds[i]);
	}
	assert_int_equal(rh_tee_ops_protmem_caps(&ops, NULL, &caps), 0);
	assert_int_equal(caps.flags, RH_TEE_PROTMEM_CAP_DYNAMIC);
	assert_int_equal(caps.pa_width, 48);
	assert_neg_errno(rh_tee_ops_protmem_caps(&ops, NULL, NULL), EINVAL);

	/* Version 1: the same methods are never read, so never called. */
	ops.version = 1;
	assert_int_equal(rh_platform_set_tee_backend(f->plat, &ops, NULL), 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		memset(&msg, 0, sizeof(msg));
		msg.cmd = cmds[i];
		seen = 0;
		assert_neg_errno(rh_tee_ops_call(&ops, &seen, &msg, sizeof(msg)),
				 EOPNOTSUPP);
		assert_int_equal(seen, 0);
	}
	memset(&untouched, 0x5a, sizeof(untouched));
	caps = untouched;
	assert_neg_errno(rh_tee_ops_protmem_caps(&ops, NULL, &caps), EOPNOTSUPP);
	assert_memory_equal(&caps, &untouched, sizeof(caps));
	/* A version-1 message method still works. */
	memset(&msg, 0, sizeof(msg));
	msg.cmd = RH_OPTEE_MSG_CMD_INVOKE_COMMAND;
	assert_neg_errno(rh_tee_ops_call(&ops, NULL, &msg, sizeof(msg)), EIO);

	/* Version 2 without them: optional, missing. */
	ops.version = 2;
	ops.lend_protmem = NULL;
	ops.protmem_caps = NULL;
	memset(&msg, 0, sizeof(msg));
	msg.cmd = RH_OPTEE_MSG_CMD_LEND_PROTMEM;
	assert_neg_errno(rh_tee_ops_call(&ops, NULL, &msg, sizeof(msg)), EOPNOTSUPP);
	assert_neg_errno(rh_tee_ops_protmem_caps(&ops, NULL, &caps), EOPNOTSUPP);
	/* Versions outside 1..2 are refused. */
	ops.version = 0;
	assert_neg_errno(rh_platform_set_tee_backend(f->plat, &ops, NULL), EINVAL);
	assert_neg_errno(rh_tee_ops_protmem_caps(&ops, NULL, &caps), EOPNOTSUPP);
	ops.version = RH_TEE_OPS_VERSION + 1;
	assert_neg_errno(rh_platform_set_tee_backend(f->plat, &ops, NULL), EINVAL);
	/* DO_BOTTOM_HALF and STOP_ASYNC_NOTIF (6, 7) are not commands of the table. */
	ops.version = 2;
	msg.cmd = 6;
	assert_neg_errno(rh_tee_ops_call(&ops, NULL, &msg, sizeof(msg)), EINVAL);
	msg.cmd = 11;
	assert_neg_errno(rh_tee_ops_call(&ops, NULL, &msg, sizeof(msg)), EINVAL);

	{
		const struct rh_tee_ops *def;
		void *priv;

		assert_int_equal(rh_platform_get_default_tee_backend(f->plat, &def, &priv), 0);
		assert_int_equal(rh_platform_set_tee_backend(f->plat, def, priv), 0);
	}
	f->ctx = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(f->ctx));
}

/* ------------------------------------------------------------ sessions */

static void test_open_session_errors(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_open_session_arg arg;
	struct rh_tee_emu_stats before = stats(f);
	struct rh_tee_param p[4];

	memset(&arg, 0, sizeof(arg));
	memset(p, 0, sizeof(p));
	assert_int_equal(rh_uuid_parse(TEST_TA_MULTI_UUID, arg.uuid), 0);
	arg.num_params = 4;
	assert_neg_errno(rh_tee_client_open_session(NULL, &arg, p), EINVAL);
	assert_neg_errno(rh_tee_client_open_session(RH_ERR_PTR(-ENODEV), &arg, p),
			 EINVAL);
	assert_neg_errno(rh_tee_client_open_session(f->ctx, NULL, p), EINVAL);
	assert_neg_errno(rh_tee_client_open_session(f->ctx, &arg, NULL), EINVAL);
	arg.num_params = 5;
	assert_neg_errno(rh_tee_client_open_session(f->ctx, &arg, p), EINVAL);
	arg.num_params = 4;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT | 0x100; /* META */
	assert_neg_errno(rh_tee_client_open_session(f->ctx, &arg, p), EINVAL);
	p[2].attr = 4;
	assert_neg_errno(rh_tee_client_open_session(f->ctx, &arg, p), EINVAL);
	p[2].attr = 0;
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_APPLICATION;
	assert_neg_errno(rh_tee_client_open_session(f->ctx, &arg, p), EINVAL);
	arg.clnt_login = 3;
	assert_neg_errno(rh_tee_client_open_session(f->ctx, &arg, p), EINVAL);
	/* None of that reached the TEE. */
	assert_int_equal(stats(f).calls, before.calls);

	/* Unknown TA: the call succeeds, the TEE says ITEM_NOT_FOUND. */
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_PUBLIC;
	assert_int_equal(rh_uuid_parse("deadbeef-5b69-11e4-9dbb-101f74f00099",
				       arg.uuid),
			 0);
	arg.session = 0x77;
	assert_int_equal(rh_tee_client_open_session(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(arg.ret_origin, RH_TEEC_ORIGIN_TEE);
	assert_int_equal(arg.session, 0x77); /* not written on failure */
	/* The TA's own refusal. */
	assert_int_equal(rh_uuid_parse(TEST_TA_MULTI_UUID, arg.uuid), 0);
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = RH_TEEC_ERROR_ACCESS_DENIED;
	assert_int_equal(rh_tee_client_open_session(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(arg.ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(stats(f).sessions, 0);
}

static void test_open_session_outputs(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_open_session_arg arg;
	struct rh_tee_param p[2];

	memset(&arg, 0, sizeof(arg));
	memset(p, 0, sizeof(p));
	assert_int_equal(rh_uuid_parse(TEST_TA_SINGLE_UUID, arg.uuid), 0);
	arg.num_params = 2;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	assert_int_equal(rh_tee_client_open_session(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_SUCCESS);
	assert_int_equal(p[1].u.value.a, TEST_TA_OPEN_MAGIC);
	assert_int_equal(stats(f).sessions, 1);
	assert_int_equal(rh_tee_client_close_session(f->ctx, arg.session), 0);
	assert_int_equal(stats(f).sessions, 0);
	/* Twice, or a session the context never had: -EINVAL. */
	assert_neg_errno(rh_tee_client_close_session(f->ctx, arg.session), EINVAL);
	assert_neg_errno(rh_tee_client_close_session(f->ctx, 0), EINVAL);
	assert_neg_errno(rh_tee_client_close_session(NULL, 1), EINVAL);
}

static void test_invoke_values(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_invoke_arg arg;
	struct rh_tee_param p[4];
	uint32_t s = open_session(f, TEST_TA_MULTI_UUID);

	invoke_arg(&arg, s, TEST_TA_CMD_VALUES);
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 40;
	p[0].u.value.b = 1;
	p[0].u.value.c = 0x3;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	p[1].u.value.a = 999;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	p[2].u.value.a = 2;
	p[2].u.value.b = 0;
	p[2].u.value.c = 0x5;
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_SUCCESS);
	assert_int_equal(arg.ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(p[1].u.value.a, 42);
	assert_int_equal(p[1].u.value.b, 1);
	assert_int_equal(p[1].u.value.c, 0x6);
	assert_int_equal(p[2].u.value.a, 80);
	assert_int_equal(p[2].u.value.b, UINT64_MAX);
	assert_int_equal(p[2].u.value.c, 7);
	/* Inputs are not written back. */
	assert_int_equal(p[0].u.value.a, 40);

	/* The TA's result passes through. */
	invoke_arg(&arg, s, TEST_TA_CMD_RESULT);
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 0xFFFF000C;
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, 0xFFFF000C);
	assert_int_equal(arg.ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(rh_tee_client_close_session(f->ctx, s), 0);
}

static void test_invoke_errors(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_invoke_arg arg;
	struct rh_tee_emu_stats before;
	struct rh_tee_context *other;
	struct rh_tee_shm *shm, *foreign;
	struct rh_tee_param p[4];
	uint32_t s = open_session(f, TEST_TA_MULTI_UUID);
	static const uint64_t bad_types[] = { 4, 8, 9, 0xa, 0xb, 0xc, 0xff };
	size_t i;

	shm = rh_tee_shm_alloc_kernel_buf(f->ctx, 64);
	assert_false(RH_IS_ERR(shm));
	other = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR(other));
	foreign = rh_tee_shm_alloc_kernel_buf(other, 64);
	assert_false(RH_IS_ERR(foreign));
	before = stats(f);

	invoke_arg(&arg, s, TEST_TA_CMD_NOP);
	memset(p, 0, sizeof(p));
	assert_neg_errno(rh_tee_client_invoke_func(NULL, &arg, p), EINVAL);
	assert_neg_errno(rh_tee_client_invoke_func(f->ctx, NULL, p), EINVAL);
	assert_neg_errno(rh_tee_client_invoke_func(f->ctx, &arg, NULL), EINVAL);
	arg.num_params = 5;
	assert_neg_errno(rh_tee_client_invoke_func(f->ctx, &arg, p), EINVAL);
	arg.num_params = 4;
	for (i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		p[3].attr = bad_types[i];
		assert_neg_errno(rh_tee_client_invoke_func(f->ctx, &arg, p),
				 EINVAL);
	}
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT | 1ULL << 32;
	assert_neg_errno(rh_tee_client_invoke_func(f->ctx, &arg, p), EINVAL);

	/* Memrefs: inside the shm, of this context. */
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[3].u.memref.shm = shm;
	p[3].u.memref.shm_offs = 60;
	p[3].u.memref.size = 5;
	assert_neg_errno(rh_tee_client_invoke_func(f->ctx, &arg, p), EINVAL);
	p[3].u.memref.shm_offs = 64;
	p[3].u.memref.size = 1;
	assert_neg_errno(rh_tee_client_invoke_func(f->ctx, &arg, p), EINVAL);
	p[3].u.memref.shm_offs = 2;
	p[3].u.memref.size = SIZE_MAX;
	assert_neg_errno(rh_tee_client_invoke_func(f->ctx, &arg, p), EINVAL);
	p[3].u.memref.shm_offs = 0;
	p[3].u.memref.size = 8;
	p[3].u.memref.shm = foreign;
	assert_neg_errno(rh_tee_client_invoke_func(f->ctx, &arg, p), EINVAL);

	/* Sessions of other contexts or closed ones. */
	memset(p, 0, sizeof(p));
	arg.session = s + 1;
	assert_neg_errno(rh_tee_client_invoke_func(f->ctx, &arg, p), EINVAL);
	arg.session = s;
	assert_neg_errno(rh_tee_client_invoke_func(other, &arg, p), EINVAL);
	/* Nothing of the above reached the TEE. */
	assert_int_equal(stats(f).calls, before.calls);

	/* Edge of the shm is fine. */
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[3].u.memref.shm = shm;
	p[3].u.memref.shm_offs = 60;
	p[3].u.memref.size = 4;
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_SUCCESS);

	assert_int_equal(rh_tee_client_close_session(f->ctx, s), 0);
	memset(p, 0, sizeof(p));
	assert_neg_errno(rh_tee_client_invoke_func(f->ctx, &arg, p), EINVAL);
	rh_tee_shm_put(foreign);
	rh_tee_client_close_context(other);
	rh_tee_shm_put(shm);
}

static void test_memref_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_invoke_arg arg;
	struct rh_tee_shm *in, *out;
	struct rh_tee_param p[4];
	unsigned char src[100], dst[100];
	uint32_t s = open_session(f, TEST_TA_SINGLE_UUID);
	size_t i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(3 * i);
	memset(dst, 0, sizeof(dst));
	in = rh_tee_shm_register_kernel_buf(f->ctx, src, sizeof(src));
	assert_false(RH_IS_ERR(in));
	out = rh_tee_shm_register_kernel_buf(f->ctx, dst, sizeof(dst));
	assert_false(RH_IS_ERR(out));
	assert_int_equal(stats(f).shm, 2);
	assert_int_equal(rh_tee_shm_get_size(in), sizeof(src));
	assert_ptr_equal(rh_tee_shm_get_va(in, 0), src);
	assert_ptr_equal(rh_tee_shm_get_va(in, 99), src + 99);
	assert_int_equal(RH_PTR_ERR(rh_tee_shm_get_va(in, 100)), -EINVAL);

	invoke_arg(&arg, s, TEST_TA_CMD_ECHO);
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[0].u.memref = (__typeof__(p[0].u.memref)){ .shm = in, .shm_offs = 10,
						  .size = 50 };
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
	p[1].u.memref = (__typeof__(p[1].u.memref)){ .shm = out, .shm_offs = 20,
						  .size = 80 };
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_SUCCESS);
	assert_int_equal(p[1].u.memref.size, 50);
	assert_memory_equal(dst + 20, src + 10, 50);

	/* SHORT_BUFFER: the size needed comes back, larger than sent. */
	p[1].u.memref.size = 10;
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(arg.ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(p[1].u.memref.size, 50);
	assert_int_equal(p[1].u.memref.shm_offs, 20);
	assert_ptr_equal(p[1].u.memref.shm, out);

	/* A NULL memref (the TEE has MEMREF_NULL) asks for the size. */
	p[1].u.memref = (__typeof__(p[1].u.memref)){ .shm = NULL, .size = 0 };
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(p[1].u.memref.size, 50);

	/* In/out. */
	invoke_arg(&arg, s, TEST_TA_CMD_NEGATE);
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
	p[0].u.memref = (__typeof__(p[0].u.memref)){ .shm = in, .size = 100 };
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_SUCCESS);
	assert_int_equal(src[1], (unsigned char)-3);
	assert_int_equal(p[0].u.memref.size, 100);

	rh_tee_shm_put(in);
	rh_tee_shm_put(out);
	assert_int_equal(stats(f).shm, 0);
	assert_int_equal(rh_tee_client_close_session(f->ctx, s), 0);
}

static void test_shm(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_shm *shm;
	unsigned char buf[8];
	unsigned char *va;
	size_t i;

	assert_int_equal(RH_PTR_ERR(rh_tee_shm_register_kernel_buf(f->ctx, NULL, 8)),
			 -EINVAL);
	assert_int_equal(RH_PTR_ERR(rh_tee_shm_register_kernel_buf(f->ctx, buf, 0)),
			 -EINVAL);
	assert_int_equal(RH_PTR_ERR(rh_tee_shm_register_kernel_buf(NULL, buf, 8)),
			 -EINVAL);
	assert_int_equal(RH_PTR_ERR(rh_tee_shm_alloc_kernel_buf(f->ctx, 0)),
			 -EINVAL);
	assert_int_equal(RH_PTR_ERR(rh_tee_shm_alloc_kernel_buf(NULL, 8)),
			 -EINVAL);
	assert_int_equal(stats(f).shm, 0);

	shm = rh_tee_shm_alloc_kernel_buf(f->ctx, 4096);
	assert_false(RH_IS_ERR(shm));
	va = rh_tee_shm_get_va(shm, 0);
	for (i = 0; i < 4096; i++)
		assert_int_equal(va[i], 0);
	assert_int_equal(rh_tee_shm_get_size(shm), 4096);
	assert_int_equal(stats(f).shm, 1);

	/* The shm keeps the context alive, and the backend pinned. */
	rh_tee_client_close_context(f->ctx);
	f->ctx = NULL;
	assert_neg_errno(rh_platform_set_tee_backend(f->plat, NULL, NULL), EBUSY);
	va[4095] = 1;
	rh_tee_shm_put(shm);
	assert_int_equal(stats(f).shm, 0);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, NULL, NULL), 0);

	/* Puts of nothing are harmless. */
	rh_tee_shm_put(NULL);
	rh_tee_shm_put(RH_ERR_PTR(-ENOMEM));
	assert_int_equal(rh_tee_shm_get_size(NULL), 0);
	assert_int_equal(RH_PTR_ERR(rh_tee_shm_get_va(NULL, 0)), -EINVAL);
	{
		const struct rh_tee_ops *ops;
		void *priv;

		assert_int_equal(rh_platform_get_default_tee_backend(f->plat, &ops,
								     &priv),
				 0);
		assert_int_equal(rh_platform_set_tee_backend(f->plat, ops, priv), 0);
	}
	f->ctx = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(f->ctx));
}

static void test_close_context_closes_sessions(void **state)
{
	struct fixture *f = *state;

	open_session(f, TEST_TA_MULTI_UUID);
	open_session(f, TEST_TA_SINGLE_UUID);
	open_session(f, TEST_TA_SINGLE_UUID);
	assert_int_equal(stats(f).sessions, 3);
	rh_tee_client_close_context(f->ctx);
	assert_int_equal(stats(f).sessions, 0);
	assert_int_equal(stats(f).instances, 0);
	f->ctx = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(f->ctx));
}

static void test_session_limit(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_open_session_arg arg;
	uint32_t ids[RH_TEE_CONTEXT_MAX_SESSIONS];
	unsigned int i;

	for (i = 0; i < RH_TEE_CONTEXT_MAX_SESSIONS; i++)
		ids[i] = open_session(f, TEST_TA_SINGLE_UUID);
	memset(&arg, 0, sizeof(arg));
	assert_int_equal(rh_uuid_parse(TEST_TA_SINGLE_UUID, arg.uuid), 0);
	assert_neg_errno(rh_tee_client_open_session(f->ctx, &arg, NULL), ENOSPC);
	assert_int_equal(stats(f).sessions, RH_TEE_CONTEXT_MAX_SESSIONS);
	assert_int_equal(rh_tee_client_close_session(f->ctx, ids[3]), 0);
	ids[3] = open_session(f, TEST_TA_SINGLE_UUID);
	for (i = 0; i < RH_TEE_CONTEXT_MAX_SESSIONS; i++)
		assert_int_equal(rh_tee_client_close_session(f->ctx, ids[i]), 0);
}

static void test_panic_through_client(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_invoke_arg arg;
	uint32_t s1 = open_session(f, TEST_TA_SINGLE_UUID);
	uint32_t s2 = open_session(f, TEST_TA_SINGLE_UUID);
	uint32_t s3;

	invoke_arg(&arg, s1, TEST_TA_CMD_PANIC);
	arg.num_params = 0;
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, NULL), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_TARGET_DEAD);
	assert_int_equal(arg.ret_origin, RH_TEEC_ORIGIN_TEE);
	arg.session = s2;
	arg.func = TEST_TA_CMD_NOP;
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, NULL), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_TARGET_DEAD);
	s3 = open_session(f, TEST_TA_SINGLE_UUID);
	arg.session = s3;
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, NULL), 0);
	assert_int_equal(arg.ret, RH_TEEC_SUCCESS);
	assert_int_equal(rh_tee_client_close_session(f->ctx, s1), 0);
	assert_int_equal(rh_tee_client_close_session(f->ctx, s2), 0);
	assert_int_equal(rh_tee_client_close_session(f->ctx, s3), 0);
}

static void test_cancel(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_cancel_arg arg = { .cancel_id = 5 };

	arg.session = open_session(f, TEST_TA_MULTI_UUID);
	assert_int_equal(rh_tee_client_cancel_req(f->ctx, &arg), 0);
	assert_int_equal(stats(f).cancels, 1);
	assert_neg_errno(rh_tee_client_cancel_req(f->ctx, NULL), EINVAL);
	assert_int_equal(rh_tee_client_close_session(f->ctx, arg.session), 0);
	assert_neg_errno(rh_tee_client_cancel_req(f->ctx, &arg), EINVAL);
	assert_int_equal(stats(f).cancels, 1);
}

/* ------------------------------------------------------------ client UUIDs (mock) */

struct capture {
	struct rh_optee_msg_param params[6];
	uint32_t num_params;
	uint32_t cancel_id;
};

static void capture_msg(struct rh_optee_msg_arg *msg, size_t size, void *data)
{
	struct capture *c = data;

	c->num_params = msg->num_params;
	c->cancel_id = msg->cancel_id;
	memcpy(c->params, msg->params,
	       msg->num_params * sizeof(struct rh_optee_msg_param));
}

/* Swap the fixture's context for one on the mock backend. */
static void use_mock(struct fixture *f)
{
	rh_tee_client_close_context(f->ctx);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, rh_mock_tee_ops(),
						     NULL),
			 0);
	rh_mock_tee_expect_version(NULL);
	f->ctx = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(f->ctx));
}

static void drop_mock(struct fixture *f, uint32_t session)
{
	static const struct rh_mock_tee_reply ok = { .origin = RH_TEEC_ORIGIN_TEE };

	if (session)
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_CLOSE_SESSION, 0, &ok);
	rh_tee_client_close_context(f->ctx);
	f->ctx = NULL;
}

static void test_client_uuid(void **state)
{
	static const uint8_t uid0[16] = { 0xef, 0x01, 0x80, 0xa3, 0x13, 0xf3,
					  0x5d, 0x1c, 0xb7, 0xf5, 0x88, 0x8c,
					  0x0e, 0x21, 0x05, 0x9a };
	static const uint8_t uid1000[16] = { 0xfc, 0x34, 0x27, 0x5c, 0xd8, 0xdd,
					     0x5b, 0xa7, 0x96, 0x8b, 0x50, 0x47,
					     0x18, 0x36, 0x3b, 0x87 };
	static const uint8_t gid0[16] = { 0xd9, 0x3b, 0xc1, 0x68, 0xf8, 0x63,
					  0x58, 0xd3, 0xa1, 0xfe, 0xbb, 0x20,
					  0x39, 0x42, 0x1b, 0x99 };
	static const uint8_t nil[16] = { 0 };
	struct fixture *f = *state;
	struct rh_tee_ioctl_open_session_arg arg;
	struct capture cap;
	struct rh_mock_tee_reply fail = {
		.ret = RH_TEEC_ERROR_ACCESS_DENIED,
		.origin = RH_TEEC_ORIGIN_TRUSTED_APP,
		.fill = capture_msg,
		.data = &cap,
	};
	gid_t gid;

	use_mock(f);
	memset(&arg, 0, sizeof(arg));
	assert_int_equal(rh_uuid_parse(TEST_TA_MULTI_UUID, arg.uuid), 0);
	arg.cancel_id = 9;

	/* PUBLIC: nil client UUID, TA UUID bytes as parsed, login in c. */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &fail);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &arg, NULL), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(cap.num_params, 2);
	assert_int_equal(cap.cancel_id, 9);
	assert_int_equal(cap.params[0].attr, RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT |
						     RH_OPTEE_MSG_ATTR_META);
	assert_memory_equal(&cap.params[0].u.value, arg.uuid, 16);
	assert_memory_equal(&cap.params[1].u.value, nil, 16);
	assert_int_equal(cap.params[1].u.value.c, RH_TEE_IOCTL_LOGIN_PUBLIC);

	arg.clnt_login = RH_TEE_IOCTL_LOGIN_REE_KERNEL;
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &fail);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &arg, NULL), 0);
	assert_memory_equal(&cap.params[1].u.value, nil, 16);
	assert_int_equal(cap.params[1].u.value.c, RH_TEE_IOCTL_LOGIN_REE_KERNEL);

	/* USER: UUIDv5("uid=<euid>") in the kernel's name space. */
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_USER;
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &fail);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &arg, NULL), 0);
	if (geteuid() == 0)
		assert_memory_equal(&cap.params[1].u.value, uid0, 16);
	else if (geteuid() == 1000)
		assert_memory_equal(&cap.params[1].u.value, uid1000, 16);
	assert_int_equal(((uint8_t *)&cap.params[1].u.value)[6] >> 4, 5);

	/* GROUP: a group of the process, or -EPERM. */
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_GROUP;
	gid = getegid();
	memcpy(arg.clnt_uuid, &gid, sizeof(gid));
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &fail);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &arg, NULL), 0);
	if (gid == 0)
		assert_memory_equal(&cap.params[1].u.value, gid0, 16);
	gid = 0x7ffffff0;
	memcpy(arg.clnt_uuid, &gid, sizeof(gid));
	assert_neg_errno(rh_tee_client_open_session(f->ctx, &arg, NULL), EPERM);
	drop_mock(f, 0);
}

/* ------------------------------------------------------------ what the TEE answers (mock) */

static void change_attr(struct rh_optee_msg_arg *msg, size_t size, void *data)
{
	/* A value output turned into a memref "pointing" elsewhere. */
	msg->params[msg->num_params - 1].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	msg->params[msg->num_params - 1].u.rmem.shm_ref = 0x4141;
}

static void change_count(struct rh_optee_msg_arg *msg, size_t size, void *data)
{
	msg->num_params = 0;
}

static void write_value(struct rh_optee_msg_arg *msg, size_t size, void *data)
{
	msg->params[msg->num_params - 1].u.value.a = 0xabcdef;
	msg->params[msg->num_params - 1].u.value.c = 3;
}

static void test_bad_answers(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_open_session_arg oarg;
	struct rh_tee_ioctl_invoke_arg arg;
	struct rh_tee_param p[1];
	const struct rh_mock_tee_reply opened = {
		.ret = RH_TEEC_SUCCESS, .origin = RH_TEEC_ORIGIN_TRUSTED_APP,
		.session = 0x31, .fill = change_attr,
	};
	const struct rh_mock_tee_reply closed = { .origin = RH_TEEC_ORIGIN_TEE };
	const struct rh_mock_tee_reply good = {
		.ret = RH_TEEC_SUCCESS, .origin = RH_TEEC_ORIGIN_TRUSTED_APP,
		.session = 0x32, .fill = write_value,
	};
	const struct rh_mock_tee_reply reattr = {
		.ret = RH_TEEC_SUCCESS, .origin = RH_TEEC_ORIGIN_TRUSTED_APP,
		.fill = change_attr,
	};
	const struct rh_mock_tee_reply recount = {
		.ret = RH_TEEC_SUCCESS, .origin = RH_TEEC_ORIGIN_TRUSTED_APP,
		.fill = change_count,
	};
	const struct rh_mock_tee_reply transport = { .rc = -EIO };

	use_mock(f);
	memset(&oarg, 0, sizeof(oarg));
	oarg.num_params = 1;
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	/* The TEE opened a session but mangled the answer: closed again. */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &opened);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_CLOSE_SESSION, 0, &closed);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &oarg, p), 0);
	assert_int_equal(oarg.ret, RH_TEEC_ERROR_COMMUNICATION);
	assert_int_equal(oarg.ret_origin, RH_TEEC_ORIGIN_COMMS);
	/* Transport failure. */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &transport);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &oarg, p), 0);
	assert_int_equal(oarg.ret, RH_TEEC_ERROR_COMMUNICATION);
	assert_int_equal(oarg.ret_origin, RH_TEEC_ORIGIN_COMMS);
	/* A good one. */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &good);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &oarg, p), 0);
	assert_int_equal(oarg.ret, RH_TEEC_SUCCESS);
	assert_int_equal(oarg.session, 0x32);
	assert_int_equal(p[0].u.value.a, 0xabcdef);
	assert_int_equal(p[0].u.value.c, 3);

	/* Invoke answers that change attributes or counts: COMMS, no output. */
	memset(&arg, 0, sizeof(arg));
	arg.session = 0x32;
	arg.func = 0x10000;
	arg.num_params = 1;
	p[0].u.value.a = 1;
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_INVOKE_COMMAND, 0x10000, &reattr);
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_COMMUNICATION);
	assert_int_equal(arg.ret_origin, RH_TEEC_ORIGIN_COMMS);
	assert_int_equal(p[0].u.value.a, 1);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_INVOKE_COMMAND, 0x10000, &recount);
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_COMMUNICATION);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_INVOKE_COMMAND, 0x10000, &transport);
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_COMMUNICATION);
	assert_int_equal(p[0].u.value.a, 1);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_INVOKE_COMMAND, 0x10000, &good);
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_SUCCESS);
	assert_int_equal(p[0].u.value.a, 0xabcdef);

	/* REGISTER_SHM refused by the TEE: its result as errno. */
	{
		const struct rh_mock_tee_reply oom = {
			.ret = RH_TEEC_ERROR_OUT_OF_MEMORY,
			.origin = RH_TEEC_ORIGIN_TEE,
		};
		unsigned char buf[4];

		const struct rh_mock_tee_reply unknown = {
			.ret = RH_TEEC_ERROR_BAD_PARAMETERS,
			.origin = RH_TEEC_ORIGIN_TEE,
		};
		const struct rh_mock_tee_reply unregistered = {
			.origin = RH_TEEC_ORIGIN_TEE,
		};

		/*
		 * The TEE may have registered it all the same (a lost answer):
		 * the cookie is unregistered; "unknown" is the expected answer.
		 */
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_REGISTER_SHM, 0, &oom);
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_UNREGISTER_SHM, 0, &unknown);
		assert_int_equal(RH_PTR_ERR(rh_tee_shm_register_kernel_buf(f->ctx,
									   buf,
									   4)),
				 -ENOMEM);
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_REGISTER_SHM, 0, &transport);
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_UNREGISTER_SHM, 0, &unregistered);
		assert_int_equal(RH_PTR_ERR(rh_tee_shm_register_kernel_buf(f->ctx,
									   buf,
									   4)),
				 -EIO);
	}
	drop_mock(f, 0x32);
}

/*
 * Release messages go again until the TEE confirms them (not in the
 * kernel): a close or an unregister lost on the way would leave the
 * session, and what it owns, or the registration in the secure world.
 */
static void test_release_resent(void **state)
{
	struct fixture *f = *state;
	const struct rh_mock_tee_reply opened = {
		.origin = RH_TEEC_ORIGIN_TRUSTED_APP, .session = 0x44,
	};
	const struct rh_mock_tee_reply ok = { .origin = RH_TEEC_ORIGIN_TEE };
	const struct rh_mock_tee_reply transport = { .rc = -EIO };
	const struct rh_mock_tee_reply refused = {
		.ret = RH_TEEC_ERROR_GENERIC, .origin = RH_TEEC_ORIGIN_TEE,
	};
	const struct rh_mock_tee_reply unknown = {
		.ret = RH_TEEC_ERROR_BAD_PARAMETERS, .origin = RH_TEEC_ORIGIN_TEE,
	};
	const struct rh_mock_tee_reply replaced = {
		.ret = RH_TEEC_ERROR_GENERIC, .origin = RH_TEEC_ORIGIN_TEE,
		.session = 0x45,
	};
	struct rh_tee_ioctl_open_session_arg oarg;
	struct rh_tee_shm *shm;
	unsigned char buf[4];
	unsigned int i;

	use_mock(f);
	memset(&oarg, 0, sizeof(oarg));
	/* Lost in transport, refused by the TEE before the TA ran, then closed. */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &opened);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &oarg, NULL), 0);
	assert_int_equal(oarg.session, 0x44);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_CLOSE_SESSION, 0, &transport);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_CLOSE_SESSION, 0, &refused);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_CLOSE_SESSION, 0, &ok);
	assert_int_equal(rh_tee_client_close_session(f->ctx, 0x44), 0);
	/* The first close arrived and only its answer was lost: "unknown" ends it. */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &opened);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &oarg, NULL), 0);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_CLOSE_SESSION, 0, &transport);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_CLOSE_SESSION, 0, &unknown);
	assert_int_equal(rh_tee_client_close_session(f->ctx, 0x44), 0);
	/* Never confirmed: given up after three sends (the session is forgotten). */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &opened);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &oarg, NULL), 0);
	for (i = 0; i < 3; i++)
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_CLOSE_SESSION, 0, &transport);
	assert_int_equal(rh_tee_client_close_session(f->ctx, 0x44), 0);
	assert_neg_errno(rh_tee_client_close_session(f->ctx, 0x44), EINVAL);

	/*
	 * The TEE opened a session and the answer was replaced: the id it
	 * wrote is closed again ("unknown" would have meant nothing to close).
	 */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &replaced);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_CLOSE_SESSION, 0, &ok);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &oarg, NULL), 0);
	assert_int_equal(oarg.ret, RH_TEEC_ERROR_GENERIC);

	/* UNREGISTER_SHM lost in transport: sent again; "unknown" ends it. */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_REGISTER_SHM, 0, &ok);
	shm = rh_tee_shm_register_kernel_buf(f->ctx, buf, sizeof(buf));
	assert_false(RH_IS_ERR_OR_NULL(shm));
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_UNREGISTER_SHM, 0, &transport);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_UNREGISTER_SHM, 0, &unknown);
	rh_tee_shm_put(shm);
	drop_mock(f, 0);
}

static void test_backend_capabilities(void **state)
{
	struct fixture *f = *state;
	const struct rh_tee_ioctl_version_data bare = {
		.impl_id = RH_TEE_IMPL_ID_AMDTEE,
		.gen_caps = RH_TEE_GEN_CAP_GP,
	};
	struct rh_tee_ioctl_invoke_arg arg;
	const struct rh_mock_tee_reply opened = {
		.origin = RH_TEEC_ORIGIN_TRUSTED_APP, .session = 5,
	};
	struct rh_tee_ioctl_open_session_arg oarg;
	struct rh_tee_param p[1];
	unsigned char buf[4];
	int calls = 0;

	rh_tee_client_close_context(f->ctx);
	f->ctx = NULL;
	assert_int_equal(rh_platform_set_tee_backend(f->plat, rh_mock_tee_ops(),
						     NULL),
			 0);
	/* The seed's match: OP-TEE only. */
	rh_mock_tee_expect_version(&bare);
	assert_int_equal(RH_PTR_ERR(rh_tee_client_open_context(f->plat, NULL,
							       match_optee, &calls,
							       NULL)),
			 -ENOENT);
	assert_int_equal(calls, 1);
	rh_mock_tee_expect_version(&bare);
	f->ctx = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(f->ctx));
	/* No REG_MEM: no registration; no MEMREF_NULL: no NULL memref. */
	assert_int_equal(RH_PTR_ERR(rh_tee_shm_register_kernel_buf(f->ctx, buf, 4)),
			 -EOPNOTSUPP);
	memset(&oarg, 0, sizeof(oarg));
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &opened);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &oarg, NULL), 0);
	memset(&arg, 0, sizeof(arg));
	arg.session = 5;
	arg.num_params = 1;
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
	assert_neg_errno(rh_tee_client_invoke_func(f->ctx, &arg, p), EINVAL);
	drop_mock(f, 5);
}

/* More calls in flight on a context than message slots: nested invokes. */
struct nest {
	struct rh_tee_context *ctx;
	unsigned int depth, max;
	int inner_ret;
};

static void nest_fill(struct rh_optee_msg_arg *msg, size_t size, void *data)
{
	struct nest *n = data;
	struct rh_tee_ioctl_invoke_arg arg;
	int ret;

	if (++n->depth >= n->max)
		return;
	memset(&arg, 0, sizeof(arg));
	arg.session = 9;
	ret = rh_tee_client_invoke_func(n->ctx, &arg, NULL);
	if (ret)
		n->inner_ret = ret;
	/* Our own message is intact after the nested call. */
	assert_int_equal(msg->cmd, RH_OPTEE_MSG_CMD_INVOKE_COMMAND);
	assert_int_equal(msg->session, 9);
}

static void test_message_slots(void **state)
{
	struct fixture *f = *state;
	struct nest n = { .max = 12 };
	const struct rh_mock_tee_reply opened = { .session = 9 };
	const struct rh_mock_tee_reply nested = { .fill = nest_fill, .data = &n };
	struct rh_tee_ioctl_open_session_arg oarg;
	struct rh_tee_ioctl_invoke_arg arg;
	unsigned int i;

	use_mock(f);
	n.ctx = f->ctx;
	memset(&oarg, 0, sizeof(oarg));
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &opened);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &oarg, NULL), 0);

	/* 12 calls in flight: 8 in slots, 4 in messages of their own. */
	for (i = 0; i < n.max; i++)
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_INVOKE_COMMAND, 0, &nested);
	memset(&arg, 0, sizeof(arg));
	arg.session = 9;
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, NULL), 0);
	assert_int_equal(n.depth, 12);
	assert_int_equal(n.inner_ret, 0);

	/* Without memory for the 9th: -ENOMEM for it, the others go on. */
	n.depth = 0;
	n.max = 9;
	for (i = 0; i < 8; i++)
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_INVOKE_COMMAND, 0, &nested);
	rh_fail_nth_set(1);
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, NULL), 0);
	rh_fail_nth_set(0);
	assert_int_equal(n.inner_ret, -ENOMEM);
	assert_int_equal(n.depth, 8);
	drop_mock(f, 9);
}

/* ------------------------------------------------------------ fail-nth */

struct sweep {
	struct fixture *f;
	struct rh_tee_context *ctx;
	struct rh_tee_shm *shm;
	uint32_t session;
	unsigned char buf[32];
	int what;
};

static int sweep_op(void *arg)
{
	struct sweep *sw = arg;
	struct rh_tee_ioctl_open_session_arg oarg;

	switch (sw->what) {
	case 0:
		sw->ctx = rh_tee_client_open_context(sw->f->plat, NULL, NULL,
						     NULL, NULL);
		return RH_IS_ERR(sw->ctx) ? (int)RH_PTR_ERR(sw->ctx) : 0;
	case 1:
		memset(&oarg, 0, sizeof(oarg));
		assert_int_equal(rh_uuid_parse(TEST_TA_SINGLE_UUID, oarg.uuid),
				 0);
		assert_int_equal(rh_tee_client_open_session(sw->f->ctx, &oarg,
							    NULL),
				 0);
		sw->session = oarg.session;
		return rh_tee_result_to_errno(oarg.ret);
	case 2:
		sw->shm = rh_tee_shm_register_kernel_buf(sw->f->ctx, sw->buf,
							 sizeof(sw->buf));
		return RH_IS_ERR(sw->shm) ? (int)RH_PTR_ERR(sw->shm) : 0;
	default:
		sw->shm = rh_tee_shm_alloc_kernel_buf(sw->f->ctx, 100);
		return RH_IS_ERR(sw->shm) ? (int)RH_PTR_ERR(sw->shm) : 0;
	}
}

static void sweep_undo(void *arg)
{
	struct sweep *sw = arg;

	switch (sw->what) {
	case 0:
		rh_tee_client_close_context(sw->ctx);
		break;
	case 1:
		assert_int_equal(rh_tee_client_close_session(sw->f->ctx,
							     sw->session),
				 0);
		break;
	default:
		rh_tee_shm_put(sw->shm);
		break;
	}
}

static void sweep_clean(void *arg)
{
	struct sweep *sw = arg;

	assert_int_equal(stats(sw->f).sessions, 0);
	assert_int_equal(stats(sw->f).shm, 0);
	/* Only the fixture's context is open: the backend can't change. */
	assert_neg_errno(rh_platform_set_tee_backend(sw->f->plat, NULL, NULL),
			 EBUSY);
}

static void test_fail_nth(void **state)
{
	struct sweep sw = { .f = *state };

	sw.what = 0;
	assert_int_equal(rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_clean,
						&sw),
			 1);
	/* session, instance + its TA state, the TA's session state */
	sw.what = 1;
	assert_int_equal(rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_clean,
						&sw),
			 4);
	/* shm object, the TEE's registration */
	sw.what = 2;
	assert_int_equal(rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_clean,
						&sw),
			 2);
	/* the buffer too */
	sw.what = 3;
	assert_int_equal(rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_clean,
						&sw),
			 3);
}

/* ------------------------------------------------------------ trace events */

#define MAX_EVENTS 32

struct logged_event {
	enum rh_trace_event_type type;
	char name[RH_UUID_STRING_LEN + 1];
	char msg[64];
	uint64_t id, count, start_ns, ts_ns;
	uint32_t cmd, tee_result, origin;
	int err;
	bool secure;
};

struct event_log {
	unsigned int nr;
	struct logged_event ev[MAX_EVENTS];
};

static void capture_event(void *priv, const struct rh_trace_event *ev)
{
	struct event_log *c = priv;
	struct logged_event *e;

	/*
	 * No cmocka assert here: the trace lock is held. A count above
	 * MAX_EVENTS fails the exact count checks of the test instead.
	 */
	if (c->nr++ >= MAX_EVENTS)
		return;
	e = &c->ev[c->nr - 1];
	memset(e, 0, sizeof(*e));
	e->type = ev->type;
	snprintf(e->name, sizeof(e->name), "%s", ev->name ? ev->name : "");
	snprintf(e->msg, sizeof(e->msg), "%s", ev->msg ? ev->msg : "");
	e->id = ev->id;
	e->count = ev->count;
	e->start_ns = ev->start_ns;
	e->ts_ns = ev->ts_ns;
	e->cmd = ev->cmd;
	e->tee_result = ev->tee_result;
	e->origin = ev->origin;
	e->err = ev->err;
	e->secure = ev->secure;
}

static const struct rh_trace_sink_ops capture_ops = {
	.event = capture_event,
};

/* The two world switches of one SMC, starting at c->ev[@i]. */
static void assert_smc(const struct event_log *c, unsigned int i, uint64_t *switches)
{
	assert_int_equal(c->ev[i].type, RH_TRACE_WORLD_SWITCH);
	assert_true(c->ev[i].secure);
	assert_int_equal(c->ev[i].count, ++*switches);
	assert_int_equal(c->ev[i + 1].type, RH_TRACE_WORLD_SWITCH);
	assert_false(c->ev[i + 1].secure);
	assert_int_equal(c->ev[i + 1].count, ++*switches);
}

static void test_trace_events(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_open_session_arg oarg;
	struct rh_tee_ioctl_invoke_arg arg;
	struct rh_tee_param p[4];
	struct event_log c = { 0 };
	uint64_t switches = stats(f).world_switches;
	const struct logged_event *e;
	uint32_t s;
	int id;

	assert_int_equal(rh_trace_add_sink(f->plat, &capture_ops, &c, &id), 0);

	/* open: the SMC, then the session with the TA's UUID */
	s = open_session(f, TEST_TA_SINGLE_UUID);
	assert_int_equal(c.nr, 3);
	assert_smc(&c, 0, &switches);
	e = &c.ev[2];
	assert_int_equal(e->type, RH_TRACE_TEE_OPEN_SESSION);
	assert_string_equal(e->name, TEST_TA_SINGLE_UUID);
	assert_int_equal(e->id, s);
	assert_int_equal(e->tee_result, RH_TEEC_SUCCESS);
	assert_int_equal(e->origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(e->err, 0);

	/* invoke: entry, the SMC, the return as a span */
	c.nr = 0;
	invoke_arg(&arg, s, TEST_TA_CMD_RESULT);
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = RH_TEEC_ERROR_ACCESS_DENIED;
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(c.nr, 4);
	e = &c.ev[0];
	assert_int_equal(e->type, RH_TRACE_TEE_INVOKE);
	assert_string_equal(e->name, TEST_TA_SINGLE_UUID);
	assert_int_equal(e->id, s);
	assert_int_equal(e->cmd, TEST_TA_CMD_RESULT);
	assert_int_equal(e->start_ns, 0);
	assert_smc(&c, 1, &switches);
	e = &c.ev[3];
	assert_int_equal(e->type, RH_TRACE_TEE_RETURN);
	assert_string_equal(e->name, TEST_TA_SINGLE_UUID);
	assert_int_equal(e->id, s);
	assert_int_equal(e->cmd, TEST_TA_CMD_RESULT);
	assert_int_equal(e->tee_result, RH_TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(e->origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(e->err, -EACCES);
	/* A span from the invoke: it started no later than the entry event. */
	assert_int_not_equal(e->start_ns, 0);
	assert_true(e->start_ns <= c.ev[0].ts_ns);

	/* A panic: the TA's name and code from the TEE, TARGET_DEAD for the client. */
	c.nr = 0;
	invoke_arg(&arg, s, TEST_TA_CMD_PANIC);
	arg.num_params = 0;
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, NULL), 0);
	assert_int_equal(c.nr, 5);
	assert_int_equal(c.ev[0].type, RH_TRACE_TEE_INVOKE);
	assert_int_equal(c.ev[1].type, RH_TRACE_WORLD_SWITCH);
	e = &c.ev[2];
	assert_int_equal(e->type, RH_TRACE_TEE_PANIC);
	assert_string_equal(e->name, "test-single");
	assert_string_equal(e->msg, "panic code 0xbad");
	assert_int_equal(c.ev[3].type, RH_TRACE_WORLD_SWITCH);
	e = &c.ev[4];
	assert_int_equal(e->type, RH_TRACE_TEE_RETURN);
	assert_int_equal(e->tee_result, RH_TEEC_ERROR_TARGET_DEAD);
	assert_int_equal(e->origin, RH_TEEC_ORIGIN_TEE);
	assert_int_equal(e->err, -EPIPE);
	switches += 2;

	/* close: the session named, then the SMC */
	c.nr = 0;
	assert_int_equal(rh_tee_client_close_session(f->ctx, s), 0);
	assert_int_equal(c.nr, 3);
	e = &c.ev[0];
	assert_int_equal(e->type, RH_TRACE_TEE_CLOSE_SESSION);
	assert_string_equal(e->name, TEST_TA_SINGLE_UUID);
	assert_int_equal(e->id, s);
	assert_smc(&c, 1, &switches);

	/* A TA that does not exist: the failed open says why. */
	c.nr = 0;
	memset(&oarg, 0, sizeof(oarg));
	assert_int_equal(rh_uuid_parse("deadbeef-5b69-11e4-9dbb-101f74f00099",
				       oarg.uuid),
			 0);
	assert_int_equal(rh_tee_client_open_session(f->ctx, &oarg, NULL), 0);
	assert_int_equal(oarg.ret, RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(c.nr, 3);
	assert_smc(&c, 0, &switches);
	e = &c.ev[2];
	assert_int_equal(e->type, RH_TRACE_TEE_OPEN_SESSION);
	assert_string_equal(e->name, "deadbeef-5b69-11e4-9dbb-101f74f00099");
	assert_int_equal(e->id, 0);
	assert_int_equal(e->tee_result, RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(e->origin, RH_TEEC_ORIGIN_TEE);
	assert_int_equal(e->err, -ENOENT);

	/*
	 * SECMEM_FREE of an unknown handle: the call succeeds, the TA refuses
	 * in p1.a; the RETURN says so (err, msg) instead of reading as a success.
	 */
	memset(&oarg, 0, sizeof(oarg));
	assert_int_equal(rh_uuid_parse(RH_TZ_TA_MEM_UUID_MTK, oarg.uuid), 0);
	oarg.clnt_login = RH_TEE_IOCTL_LOGIN_REE_KERNEL;
	assert_int_equal(rh_tee_client_open_session(f->ctx, &oarg, NULL), 0);
	assert_int_equal(oarg.ret, RH_TEEC_SUCCESS);
	c.nr = 0;
	invoke_arg(&arg, oarg.session, RH_MTK_TZCMD_SECMEM_FREE);
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 0x1234;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_SUCCESS);
	assert_int_equal(p[1].u.value.a, RH_TEEC_ERROR_ITEM_NOT_FOUND);
	e = &c.ev[c.nr - 1];
	assert_int_equal(e->type, RH_TRACE_TEE_RETURN);
	assert_int_equal(e->tee_result, RH_TEEC_SUCCESS);
	assert_int_equal(e->err, -ENOENT);
	assert_string_equal(e->msg, "its status in p1.a is 0xffff0008 (TEEC_ERROR_ITEM_NOT_FOUND)");
	/* p1 sent as an input is not the TA's answer: the result alone counts */
	c.nr = 0;
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = 0;
	assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
	e = &c.ev[c.nr - 1];
	assert_int_equal(e->type, RH_TRACE_TEE_RETURN);
	assert_int_equal(e->err, arg.ret ? rh_tee_result_to_errno(arg.ret) : 0);
	assert_string_equal(e->msg, "");
	assert_int_equal(rh_tee_client_close_session(f->ctx, oarg.session), 0);
	switches = stats(f).world_switches;

	/* Calls refused before they reach the TEE say nothing. */
	c.nr = 0;
	invoke_arg(&arg, 0x777, TEST_TA_CMD_NOP);
	assert_neg_errno(rh_tee_client_invoke_func(f->ctx, &arg, NULL), EINVAL);
	assert_neg_errno(rh_tee_client_close_session(f->ctx, 0x777), EINVAL);
	oarg.num_params = 5;
	assert_neg_errno(rh_tee_client_open_session(f->ctx, &oarg, NULL), EINVAL);
	assert_int_equal(c.nr, 0);

	/* Without the sink, nothing more is delivered. */
	assert_int_equal(rh_trace_remove_sink(f->plat, id), 0);
	s = open_session(f, TEST_TA_MULTI_UUID);
	assert_int_equal(rh_tee_client_close_session(f->ctx, s), 0);
	assert_int_equal(c.nr, 0);
}

/* The invoke path allocates nothing, even with memrefs. */
static unsigned int allocs;

static bool count_alloc(size_t size, void *data)
{
	allocs++;
	return true;
}

static void test_invoke_allocates_nothing(void **state)
{
	struct fixture *f = *state;
	struct rh_alloc_hook hook = { .before_alloc = count_alloc };
	struct rh_tee_ioctl_invoke_arg arg;
	struct rh_tee_param p[4];
	struct rh_tee_shm *shm;
	uint32_t s = open_session(f, TEST_TA_SINGLE_UUID);
	unsigned int i;

	shm = rh_tee_shm_alloc_kernel_buf(f->ctx, 64);
	assert_false(RH_IS_ERR(shm));
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[0].u.memref.shm = shm;
	p[0].u.memref.size = 16;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
	p[1].u.memref.shm = shm;
	p[1].u.memref.shm_offs = 32;
	p[1].u.memref.size = 32;
	allocs = 0;
	rh_alloc_hook_set(&hook);
	for (i = 0; i < 100; i++) {
		invoke_arg(&arg, s, TEST_TA_CMD_ECHO);
		assert_int_equal(rh_tee_client_invoke_func(f->ctx, &arg, p), 0);
		assert_int_equal(arg.ret, RH_TEEC_SUCCESS);
		p[1].u.memref.size = 32;
	}
	rh_alloc_hook_set(NULL);
	assert_int_equal(allocs, 0);
	rh_tee_shm_put(shm);
	assert_int_equal(rh_tee_client_close_session(f->ctx, s), 0);
}

/* Threads share a context and a session: slots and session checks are lock-free. */
struct worker {
	struct rh_tee_context *ctx;
	uint32_t session;
	uint64_t seed;
	unsigned int failures;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct rh_tee_ioctl_invoke_arg a;
	struct rh_tee_param p[4];
	unsigned int i;

	for (i = 0; i < 2000; i++) {
		invoke_arg(&a, w->session, TEST_TA_CMD_VALUES);
		memset(p, 0, sizeof(p));
		p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
		p[0].u.value.a = w->seed + i;
		p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
		p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
		p[2].u.value.a = 1;
		if (rh_tee_client_invoke_func(w->ctx, &a, p) || a.ret ||
		    p[1].u.value.a != w->seed + i + 1 ||
		    p[2].u.value.a != 2 * (w->seed + i))
			w->failures++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	uint32_t s = open_session(f, TEST_TA_SINGLE_UUID);
	struct worker w[4];
	pthread_t t[4];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ .ctx = f->ctx, .session = s,
					.seed = (uint64_t)i << 32 };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]),
				 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(rh_tee_client_close_session(f->ctx, s), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_result_to_errno),
		T(test_open_context),
		T(test_backend_tables),
		T(test_backend_table_versions),
		T(test_open_session_errors),
		T(test_open_session_outputs),
		T(test_invoke_values),
		T(test_invoke_errors),
		T(test_memref_roundtrip),
		T(test_shm),
		T(test_close_context_closes_sessions),
		T(test_session_limit),
		T(test_panic_through_client),
		T(test_cancel),
		T(test_client_uuid),
		T(test_bad_answers),
		T(test_release_resent),
		T(test_backend_capabilities),
		T(test_message_slots),
		T(test_fail_nth),
		T(test_invoke_allocates_nothing),
		T(test_trace_events),
		T(test_threads),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
