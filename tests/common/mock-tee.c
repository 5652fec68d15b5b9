// SPDX-License-Identifier: MIT
/* A cmocka mock of struct rh_tee_ops. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <rheap/tee-mock.h>

static const struct rh_tee_ioctl_version_data default_version = {
	.impl_id = RH_TEE_IMPL_ID_OPTEE,
	.impl_caps = RH_TEE_OPTEE_CAP_TZ,
	.gen_caps = RH_TEE_GEN_CAP_GP | RH_TEE_GEN_CAP_REG_MEM |
		    RH_TEE_GEN_CAP_MEMREF_NULL,
};

static int mock_tee_get_version(void *priv,
				struct rh_tee_ioctl_version_data *ret_vers)
{
	const struct rh_tee_ioctl_version_data *v =
		mock_ptr_type(const struct rh_tee_ioctl_version_data *);

	*ret_vers = v ? *v : default_version;
	return 0;
}

/* Every message method ends here; @method is the command of the method. */
static int mock_tee_msg(uint32_t method, struct rh_optee_msg_arg *msg,
			size_t size)
{
	const struct rh_mock_tee_reply *reply;
	uint32_t cmd = msg->cmd, func = msg->func;

	check_expected(cmd);
	check_expected(func);
	/* The method called must be the one for the command. */
	assert_int_equal(method, cmd);
	assert_int_equal(size, RH_OPTEE_MSG_GET_ARG_SIZE(msg->num_params));
	reply = mock_ptr_type(const struct rh_mock_tee_reply *);
	if (reply->fill)
		reply->fill(msg, size, reply->data);
	if (reply->rc)
		return reply->rc;
	msg->ret = reply->ret;
	msg->ret_origin = reply->origin;
	if (cmd == RH_OPTEE_MSG_CMD_OPEN_SESSION)
		msg->session = reply->session;
	return 0;
}

static int mock_tee_open_session(void *priv, struct rh_optee_msg_arg *msg,
				 size_t size)
{
	return mock_tee_msg(RH_OPTEE_MSG_CMD_OPEN_SESSION, msg, size);
}

static int mock_tee_invoke(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return mock_tee_msg(RH_OPTEE_MSG_CMD_INVOKE_COMMAND, msg, size);
}

static int mock_tee_close_session(void *priv, struct rh_optee_msg_arg *msg,
				  size_t size)
{
	return mock_tee_msg(RH_OPTEE_MSG_CMD_CLOSE_SESSION, msg, size);
}

static int mock_tee_cancel(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return mock_tee_msg(RH_OPTEE_MSG_CMD_CANCEL, msg, size);
}

static int mock_tee_shm_register(void *priv, struct rh_optee_msg_arg *msg,
				 size_t size)
{
	return mock_tee_msg(RH_OPTEE_MSG_CMD_REGISTER_SHM, msg, size);
}

static int mock_tee_shm_unregister(void *priv, struct rh_optee_msg_arg *msg,
				   size_t size)
{
	return mock_tee_msg(RH_OPTEE_MSG_CMD_UNREGISTER_SHM, msg, size);
}

static int mock_tee_ta_panic_next(void *priv, uint32_t session)
{
	check_expected(session);
	return mock_type(int);
}

static const struct rh_tee_ops mock_tee_ops = {
	.version = RH_TEE_OPS_VERSION,
	.get_version = mock_tee_get_version,
	.open_session = mock_tee_open_session,
	.invoke = mock_tee_invoke,
	.close_session = mock_tee_close_session,
	.cancel = mock_tee_cancel,
	.shm_register = mock_tee_shm_register,
	.shm_unregister = mock_tee_shm_unregister,
	.ta_panic_next = mock_tee_ta_panic_next,
};

RH_EXPORT const struct rh_tee_ops *rh_mock_tee_ops(void)
{
	return &mock_tee_ops;
}

RH_EXPORT void rh_mock_tee_expect(uint32_t cmd, uint32_t func,
			const struct rh_mock_tee_reply *reply)
{
	expect_value(mock_tee_msg, cmd, cmd);
	expect_value(mock_tee_msg, func, func);
	will_return(mock_tee_msg, cast_ptr_to_largest_integral_type(reply));
}

RH_EXPORT void rh_mock_tee_expect_version(const struct rh_tee_ioctl_version_data *vers)
{
	will_return(mock_tee_get_version, cast_ptr_to_largest_integral_type(vers));
}

RH_EXPORT void rh_mock_tee_expect_panic_next(uint32_t session, int rc)
{
	expect_value(mock_tee_ta_panic_next, session, session);
	will_return(mock_tee_ta_panic_next, rc);
}
