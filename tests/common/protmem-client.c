// SPDX-License-Identifier: MIT
/* Test helpers: raw protected-memory messages to a platform's TEE, and a probe TA that uses protected memrefs. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/tee.h>

#include "optee/tee.h"
#include "protmem-client.h"
#include "rh-test.h"

/* Room for OPEN_SESSION's two meta parameters and four of a call. */
struct pmc_msg {
	uint64_t words[RH_OPTEE_MSG_GET_ARG_SIZE(6) / sizeof(uint64_t)];
};

static void quiet_log(void *data, enum rh_log_level level, const char *msg)
{
	(void)data;
	if (getenv("RHEAP_TEST_LOG"))
		fprintf(stderr, "<%d> %s\n", (int)level, msg);
}

int pmc_platform_try(const void *dtb, size_t size, struct rh_platform **ret_plat)
{
	RH_DEFINE_PLATFORM_INFO(info);

	info.dtb = dtb;
	info.dtb_size = size;
	info.log_fn = quiet_log;
	return rh_platform_new(&info, ret_plat);
}

void pmc_platform(const void *dtb, size_t size, struct rh_platform **ret_plat)
{
	assert_int_equal(pmc_platform_try(dtb, size, ret_plat), 0);
}

static struct rh_optee_msg_arg *msg_init(struct pmc_msg *m, uint32_t cmd, uint32_t num)
{
	struct rh_optee_msg_arg *a = (struct rh_optee_msg_arg *)m->words;

	memset(m, 0, sizeof(*m));
	a->cmd = cmd;
	a->num_params = num;
	return a;
}

static uint32_t msg_call(struct rh_platform *plat, struct rh_optee_msg_arg *a)
{
	assert_int_equal(rh_tee_emu_call(rh_tee_emu_of(plat), a,
					 RH_OPTEE_MSG_GET_ARG_SIZE(a->num_params)), 0);
	return a->ret;
}

uint32_t pmc_lend(struct rh_platform *plat, uint64_t use_case, uint64_t pa,
		  uint64_t size, uint64_t cookie)
{
	struct pmc_msg m;
	struct rh_optee_msg_arg *a = msg_init(&m, RH_OPTEE_MSG_CMD_LEND_PROTMEM, 2);

	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	a->params[0].u.value.a = use_case;
	a->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	a->params[1].u.tmem.buf_ptr = pa;
	a->params[1].u.tmem.size = size;
	a->params[1].u.tmem.shm_ref = cookie;
	return msg_call(plat, a);
}

uint32_t pmc_reclaim(struct rh_platform *plat, uint64_t cookie)
{
	struct pmc_msg m;
	struct rh_optee_msg_arg *a = msg_init(&m, RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM, 1);

	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	a->params[0].u.rmem.shm_ref = cookie;
	return msg_call(plat, a);
}

uint32_t pmc_register_shm(struct rh_platform *plat, void *buf, size_t size, uint64_t cookie)
{
	struct pmc_msg m;
	struct rh_optee_msg_arg *a = msg_init(&m, RH_OPTEE_MSG_CMD_REGISTER_SHM, 1);

	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	a->params[0].u.tmem.buf_ptr = (uintptr_t)buf;
	a->params[0].u.tmem.size = size;
	a->params[0].u.tmem.shm_ref = cookie;
	return msg_call(plat, a);
}

uint32_t pmc_unregister_shm(struct rh_platform *plat, uint64_t cookie)
{
	struct pmc_msg m;
	struct rh_optee_msg_arg *a = msg_init(&m, RH_OPTEE_MSG_CMD_UNREGISTER_SHM, 1);

	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	a->params[0].u.rmem.shm_ref = cookie;
	return msg_call(plat, a);
}

/* A cookie the normal world's own counter will not reach in a test. */
#define PMC_ATTR_COOKIE 0x7e5700000001ull

uint32_t pmc_config(struct rh_platform *plat, uint64_t use_case, void *attrs,
		    size_t *inout_size, uint64_t ret_vals[3])
{
	struct pmc_msg m;
	struct rh_optee_msg_arg *a = msg_init(&m, RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG, 2);
	uint32_t res;

	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	a->params[0].u.value.a = use_case;
	if (attrs) {
		assert_int_equal(pmc_register_shm(plat, attrs, *inout_size, PMC_ATTR_COOKIE),
				 RH_TEEC_SUCCESS);
		a->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
		a->params[1].u.rmem.shm_ref = PMC_ATTR_COOKIE;
		a->params[1].u.rmem.size = *inout_size;
	} else {
		a->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	}
	res = msg_call(plat, a);
	if (attrs)
		assert_int_equal(pmc_unregister_shm(plat, PMC_ATTR_COOKIE), RH_TEEC_SUCCESS);
	if (inout_size)
		*inout_size = (size_t)a->params[1].u.rmem.size;
	if (ret_vals) {
		ret_vals[0] = a->params[0].u.value.a;
		ret_vals[1] = a->params[0].u.value.b;
		ret_vals[2] = a->params[0].u.value.c;
	}
	return res;
}

/* ------------------------------------------------------------ the probe TA */

static uint32_t probe_invoke(struct rh_ta_ctx *ctx, void *sess_ctx, uint32_t cmd,
			     uint32_t types, struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	void **hold = sess_ctx;
	unsigned char *buf = p[0].u.memref.buffer;
	uint64_t sum = 0;
	size_t i;

	switch (cmd) {
	case PMC_PROBE_FILL:
		if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_MEMREF_OUTPUT, RH_TA_PARAM_VALUE_INPUT,
					       RH_TA_PARAM_NONE, RH_TA_PARAM_NONE))
			return RH_TEEC_ERROR_BAD_PARAMETERS;
		if (buf)
			memset(buf, (int)p[1].u.value.a, p[0].u.memref.size);
		return RH_TEEC_SUCCESS;
	case PMC_PROBE_READ:
	case PMC_PROBE_HOLD:
		if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_MEMREF_INPUT, RH_TA_PARAM_VALUE_OUTPUT,
					       RH_TA_PARAM_NONE, RH_TA_PARAM_NONE))
			return RH_TEEC_ERROR_BAD_PARAMETERS;
		if (cmd == PMC_PROBE_HOLD) {
			if (*hold)
				return RH_TEEC_ERROR_BAD_STATE;
			p[1].u.value.a = (uint64_t)(int64_t)rh_ta_protmem_hold(ctx, &p[0], hold);
			return RH_TEEC_SUCCESS;
		}
		for (i = 0; buf && i < p[0].u.memref.size; i++)
			sum += buf[i];
		p[1].u.value.a = p[0].u.memref.prot;
		p[1].u.value.b = sum;
		p[1].u.value.c = buf && p[0].u.memref.size ? buf[0] : 0;
		return RH_TEEC_SUCCESS;
	case PMC_PROBE_RELEASE:
		rh_ta_protmem_release(ctx, *hold);
		*hold = NULL;
		return RH_TEEC_SUCCESS;
	default:
		return RH_TEEC_ERROR_NOT_SUPPORTED;
	}
}

static uint32_t probe_open(struct rh_ta_ctx *ctx, uint32_t types,
			   struct rh_ta_param p[RH_TA_NUM_PARAMS], void **ret_sess_ctx)
{
	*ret_sess_ctx = calloc(1, sizeof(void *));
	return *ret_sess_ctx ? RH_TEEC_SUCCESS : RH_TEEC_ERROR_OUT_OF_MEMORY;
}

static void probe_close(struct rh_ta_ctx *ctx, void *sess_ctx)
{
	void **hold = sess_ctx;

	rh_ta_protmem_release(ctx, *hold);
	free(sess_ctx);
}

static const struct rh_ta_ops probe_ta = {
	.name = "protmem-probe",
	/* c0ffee00-7e57-4000-8000-0000000000a1 */
	.uuid = { 0xc0, 0xff, 0xee, 0x00, 0x7e, 0x57, 0x40, 0x00,
		  0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa1 },
	.flags = 0,
	.open_session = probe_open,
	.close_session = probe_close,
	.invoke = probe_invoke,
};

void pmc_probe_add(struct rh_platform *plat)
{
	assert_int_equal(rh_tee_emu_register_ta(plat, &probe_ta), 0);
}

uint32_t pmc_probe_open(struct rh_platform *plat, uint32_t *ret_session)
{
	struct pmc_msg m;
	struct rh_optee_msg_arg *a = msg_init(&m, RH_OPTEE_MSG_CMD_OPEN_SESSION, 2);
	uint32_t res;

	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | RH_OPTEE_MSG_ATTR_META;
	a->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | RH_OPTEE_MSG_ATTR_META;
	memcpy(&a->params[0].u.value, probe_ta.uuid, sizeof(probe_ta.uuid));
	a->params[1].u.value.c = RH_OPTEE_MSG_LOGIN_PUBLIC;
	res = msg_call(plat, a);
	if (!res)
		*ret_session = a->session;
	return res;
}

void pmc_probe_close(struct rh_platform *plat, uint32_t session)
{
	struct pmc_msg m;
	struct rh_optee_msg_arg *a = msg_init(&m, RH_OPTEE_MSG_CMD_CLOSE_SESSION, 0);

	a->session = session;
	assert_int_equal(msg_call(plat, a), RH_TEEC_SUCCESS);
}

uint32_t pmc_probe(struct rh_platform *plat, uint32_t session, uint32_t cmd,
		   const struct pmc_mem *mem, uint64_t in, uint64_t ret_out[3])
{
	static const uint32_t mem_type[] = {
		[PMC_PROBE_FILL] = RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT,
		[PMC_PROBE_READ] = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT,
		[PMC_PROBE_HOLD] = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT,
	};
	struct pmc_msg m;
	struct rh_optee_msg_arg *a = msg_init(&m, RH_OPTEE_MSG_CMD_INVOKE_COMMAND,
					      cmd == PMC_PROBE_RELEASE ? 0 : 2);
	uint32_t res;

	a->func = cmd;
	a->session = session;
	if (cmd != PMC_PROBE_RELEASE) {
		uint64_t type = mem_type[cmd];

		if (!mem->cookie) {
			/* The same direction as a tmem. */
			type += RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT - RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
			a->params[0].u.tmem.buf_ptr = mem->pa;
		} else {
			a->params[0].u.rmem.shm_ref = mem->cookie;
			a->params[0].u.rmem.offs = mem->offs;
		}
		a->params[0].attr = type;
		a->params[0].u.rmem.size = mem->size;
		a->params[1].attr = cmd == PMC_PROBE_FILL ? RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT :
							    RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
		a->params[1].u.value.a = in;
	}
	res = msg_call(plat, a);
	if (ret_out) {
		ret_out[0] = a->params[1].u.value.a;
		ret_out[1] = a->params[1].u.value.b;
		ret_out[2] = a->params[1].u.value.c;
	}
	return res;
}
