// SPDX-License-Identifier: MIT
/* The SDP test TA (optee_test's sdp_basic, which xtest 1014 drives): inject, transform, dump protected memory. */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <rheap/tee-protmem.h>

#include "emu.h"
#include "internal.h"
#include "optee/protmem.h"
#include "optee/tee.h"
#include "trace/sim.h"

/*
 * Written from the documented interface of optee_test's sdp_basic TA: a
 * user program copies data into a protected buffer through the TA
 * (INJECT), has the TA work on it in place (TRANSFORM) and, on a test
 * build, reads it back (DUMP), checking on the way that the normal world
 * could not. Every memref is checked for what the command says it is, as
 * the TA does with TEE_CheckMemoryAccessRights(): the protected one must
 * lie entirely in protected memory of secure video playback (the TEE tells
 * the use case of each memref, see struct rh_ta_param), the normal one must
 * be normal-world shared memory. Whether DUMP is allowed is the platform's
 * choice ("rheap-sim,sdp-dump-allowed" on the OP-TEE node): test boards
 * allow it, production ones answer ACCESS_DENIED, so that no TA call hands
 * protected content back to the normal world.
 */

/* 12345678-5b69-11e4-9dbb-101f74f00099 (TA_SDP_BASIC_UUID), RH_TA_SDP_UUID */
#define SDP_UUID                                                         \
	{ 0x12, 0x34, 0x56, 0x78, 0x5b, 0x69, 0x11, 0xe4,                  \
	  0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99 }

static bool is_protected_video(const struct rh_ta_param *p)
{
	return p->u.memref.buffer && p->u.memref.prot == RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY;
}

static bool is_normal(const struct rh_ta_param *p)
{
	return p->u.memref.prot == 0;
}

/* Copy @src into @dst (both checked); SHORT_BUFFER with the size needed. */
static uint32_t copy_checked(struct rh_ta_param *dst, const struct rh_ta_param *src)
{
	size_t len = src->u.memref.size;

	if (len > dst->u.memref.size) {
		dst->u.memref.size = len;
		return RH_TEEC_ERROR_SHORT_BUFFER;
	}
	if (len && (!src->u.memref.buffer || !dst->u.memref.buffer))
		return RH_TEEC_ERROR_BAD_PARAMETERS;
	if (len)
		memcpy(dst->u.memref.buffer, src->u.memref.buffer, len);
	dst->u.memref.size = len;
	return RH_TEEC_SUCCESS;
}

static uint32_t sdp_bad(struct rh_ta_ctx *ctx, const char *cmd, const char *what)
{
	EMSG(rh_ta_get_platform(ctx), "sdp: %s: %s", cmd, what);
	return RH_TEEC_ERROR_BAD_PARAMETERS;
}

/* TA_SDP_BASIC_CMD_INJECT: normal memory into protected memory. */
static uint32_t cmd_inject(struct rh_ta_ctx *ctx, uint32_t types,
			   struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_MEMREF_INPUT, RH_TA_PARAM_MEMREF_OUTPUT,
				       RH_TA_PARAM_NONE, RH_TA_PARAM_NONE))
		return sdp_bad(ctx, "INJECT", "parameter types");
	if (!is_normal(&p[0]))
		return sdp_bad(ctx, "INJECT", "the data is not normal-world shared memory");
	if (!is_protected_video(&p[1]))
		return sdp_bad(ctx, "INJECT", "the target is not secure-video protected memory");
	return copy_checked(&p[1], &p[0]);
}

/* TA_SDP_BASIC_CMD_TRANSFORM: every byte negated, in place. */
static uint32_t cmd_transform(struct rh_ta_ctx *ctx, uint32_t types,
			      struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	unsigned char *b = p[0].u.memref.buffer;
	size_t i;

	if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_MEMREF_INOUT, RH_TA_PARAM_NONE,
				       RH_TA_PARAM_NONE, RH_TA_PARAM_NONE))
		return sdp_bad(ctx, "TRANSFORM", "parameter types");
	if (!is_protected_video(&p[0]))
		return sdp_bad(ctx, "TRANSFORM", "the buffer is not secure-video protected memory");
	for (i = 0; i < p[0].u.memref.size; i++)
		b[i] = (unsigned char)(~b[i] + 1);
	return RH_TEEC_SUCCESS;
}

/* TA_SDP_BASIC_CMD_DUMP: protected memory out, where the platform allows it. */
static uint32_t cmd_dump(struct rh_ta_ctx *ctx, uint32_t types,
			 struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	struct rh_platform *plat = rh_ta_get_platform(ctx);

	if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_MEMREF_INPUT, RH_TA_PARAM_MEMREF_OUTPUT,
				       RH_TA_PARAM_NONE, RH_TA_PARAM_NONE))
		return sdp_bad(ctx, "DUMP", "parameter types");
	if (!plat || !rh_protmem_dump_allowed(plat)) {
		EMSG(plat, "sdp: DUMP refused: this platform keeps protected content in");
		return RH_TEEC_ERROR_ACCESS_DENIED;
	}
	if (!is_protected_video(&p[0]))
		return sdp_bad(ctx, "DUMP", "the source is not secure-video protected memory");
	if (!is_normal(&p[1]))
		return sdp_bad(ctx, "DUMP", "the target is not normal-world shared memory");
	return copy_checked(&p[1], &p[0]);
}

static uint32_t sdp_invoke(struct rh_ta_ctx *ctx, void *sess_ctx, uint32_t cmd,
			   uint32_t types, struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	rh_sim_charge(rh_ta_get_platform(ctx), RH_SIM_TEE_CMD, 1);
	switch (cmd) {
	case RH_SDP_CMD_INJECT:
		return cmd_inject(ctx, types, p);
	case RH_SDP_CMD_TRANSFORM:
		return cmd_transform(ctx, types, p);
	case RH_SDP_CMD_DUMP:
		return cmd_dump(ctx, types, p);
	default:
		EMSG(rh_ta_get_platform(ctx), "sdp: unknown command 0x%" PRIx32, cmd);
		return RH_TEEC_ERROR_BAD_PARAMETERS;
	}
}

/* Any client, any login (xtest opens it PUBLIC); multi-instance, stateless. */
static const struct rh_ta_ops rh_ta_sdp_ops = {
	.name = "sdp_basic",
	.uuid = SDP_UUID,
	.flags = 0,
	.invoke = sdp_invoke,
};

int rh_ta_sdp_init(struct rh_platform *plat)
{
	int ret = rh_tee_emu_register_ta(plat, &rh_ta_sdp_ops);

	if (ret)
		EMSG(plat, "sdp: cannot register the TA: %s", strerror(-ret));
	return ret;
}

void rh_ta_sdp_fini(struct rh_platform *plat)
{
	/* Stateless: the TA stays registered until the TEE core ends. */
}
