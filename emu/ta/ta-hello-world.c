// SPDX-License-Identifier: MIT
/* optee_examples' hello_world TA: a TA any user program may open (INC/DEC a value). */
#include "config.h"

#include <string.h>

#include "emu.h"
#include "internal.h"
#include "optee/tee.h"

/*
 * The first TA OP-TEE developers meet (optee_examples/hello_world): its
 * host program opens a PUBLIC session and invokes command 0 to add one to
 * value a of a VALUE_INOUT parameter, command 1 to subtract one. It is
 * written here from its documented interface, so that program runs
 * unchanged on /dev/tee0; unlike the secure-memory TA, it accepts sessions
 * of any login.
 */

/* 8aaaf200-2450-11e4-abe2-0002a5d5c51b (TA_HELLO_WORLD_UUID) */
#define HELLO_WORLD_UUID                                                 \
	{ 0x8a, 0xaa, 0xf2, 0x00, 0x24, 0x50, 0x11, 0xe4,                  \
	  0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b }

#define TA_HELLO_WORLD_CMD_INC_VALUE 0
#define TA_HELLO_WORLD_CMD_DEC_VALUE 1

static uint32_t hello_open_session(struct rh_ta_ctx *ctx, uint32_t param_types,
				   struct rh_ta_param params[RH_TA_NUM_PARAMS],
				   void **ret_sess_ctx)
{
	/* TA_OpenSessionEntryPoint() of the example takes no parameter. */
	if (param_types != RH_TA_PARAM_TYPES(RH_TA_PARAM_NONE, RH_TA_PARAM_NONE,
					     RH_TA_PARAM_NONE, RH_TA_PARAM_NONE))
		return RH_TEEC_ERROR_BAD_PARAMETERS;
	*ret_sess_ctx = NULL;
	return RH_TEEC_SUCCESS;
}

static uint32_t hello_invoke(struct rh_ta_ctx *ctx, void *sess_ctx, uint32_t cmd,
			     uint32_t param_types,
			     struct rh_ta_param params[RH_TA_NUM_PARAMS])
{
	const uint32_t expected =
		RH_TA_PARAM_TYPES(RH_TA_PARAM_VALUE_INOUT, RH_TA_PARAM_NONE,
				  RH_TA_PARAM_NONE, RH_TA_PARAM_NONE);
	/* The example's value is a GP uint32_t: it wraps at 32 bits. */
	uint32_t a = (uint32_t)params[0].u.value.a;

	if (cmd != TA_HELLO_WORLD_CMD_INC_VALUE &&
	    cmd != TA_HELLO_WORLD_CMD_DEC_VALUE)
		return RH_TEEC_ERROR_BAD_PARAMETERS;
	if (param_types != expected)
		return RH_TEEC_ERROR_BAD_PARAMETERS;
	if (cmd == TA_HELLO_WORLD_CMD_INC_VALUE)
		a++;
	else
		a--;
	params[0].u.value.a = a;
	return RH_TEEC_SUCCESS;
}

/* Multi-instance (the example's TA_FLAGS): every session gets its own. */
static const struct rh_ta_ops rh_ta_hello_world_ops = {
	.name = "hello_world",
	.uuid = HELLO_WORLD_UUID,
	.flags = 0,
	.open_session = hello_open_session,
	.invoke = hello_invoke,
};

int rh_ta_hello_world_init(struct rh_platform *plat)
{
	int ret = rh_tee_emu_register_ta(plat, &rh_ta_hello_world_ops);

	if (ret)
		EMSG(plat, "hello_world: cannot register the TA: %s", strerror(-ret));
	return ret;
}

void rh_ta_hello_world_fini(struct rh_platform *plat)
{
	/* Stateless: the TA stays registered until the TEE core ends. */
}
