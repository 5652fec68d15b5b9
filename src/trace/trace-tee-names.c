// SPDX-License-Identifier: MIT
/* Names of the trusted applications, their commands and the TEE result origins, for narration. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <rheap/tee-protmem.h>
#include <rheap/tee-secmem.h>
#include <rheap/tee.h>
#include <rheap/trace.h>

#include "internal.h"
#include "trace/trace.h"

/*
 * The narration shows "SECMEM_ZALLOC" where the wire only carries 0x10000:
 * a learner should not need the protocol header open to read a run. Only the
 * TAs the library ships are known; any other TA keeps its raw numbers.
 */
struct tee_cmd_name {
	uint32_t cmd;
	const char *name;
	/* The output value parameter whose a carries the TA's own status, or -1. */
	int status_param;
};

struct tee_ta_names {
	const char *uuid;
	const char *name;
	const struct tee_cmd_name *cmds;
	size_t nr_cmds;
};

static const struct tee_cmd_name secmem_cmds[] = {
	{ RH_MTK_TZCMD_SECMEM_ZALLOC, "SECMEM_ZALLOC", -1 },
	/* tee-secmem.h: FREE answers TEE_SUCCESS and puts the TA's status in p1.a. */
	{ RH_MTK_TZCMD_SECMEM_FREE, "SECMEM_FREE", 1 },
	{ RH_MTK_TZCMD_SECMEM_RETRIEVE_SG, "SECMEM_RETRIEVE_SG", -1 },
};

static const struct tee_cmd_name svp_cmds[] = {
	{ RH_SVP_CMD_SET_DEVICE_SECURE, "SET_DEVICE_SECURE", -1 },
	{ RH_SVP_CMD_DECRYPT, "DECRYPT", -1 },
};

static const struct tee_cmd_name sdp_cmds[] = {
	{ RH_SDP_CMD_INJECT, "INJECT", -1 },
	{ RH_SDP_CMD_TRANSFORM, "TRANSFORM", -1 },
	{ RH_SDP_CMD_DUMP, "DUMP", -1 },
};

static const struct tee_ta_names known_tas[] = {
	{ RH_TZ_TA_MEM_UUID_MTK, "mtk-secmem", secmem_cmds, RH_ARRAY_SIZE(secmem_cmds) },
	{ RH_TA_SVP_UUID, "svp", svp_cmds, RH_ARRAY_SIZE(svp_cmds) },
	{ RH_TA_SDP_UUID, "sdp_basic", sdp_cmds, RH_ARRAY_SIZE(sdp_cmds) },
};

static const struct tee_ta_names *ta_find(const char *ta)
{
	size_t i;

	if (!ta)
		return NULL;
	for (i = 0; i < RH_ARRAY_SIZE(known_tas); i++)
		/* UUIDs are case-insensitive; the trace carries rh_uuid_unparse()'s lower case. */
		if (!strcasecmp(known_tas[i].uuid, ta))
			return &known_tas[i];
	return NULL;
}

static const struct tee_cmd_name *cmd_find(const char *ta, uint32_t cmd)
{
	const struct tee_ta_names *t = ta_find(ta);
	size_t i;

	for (i = 0; t && i < t->nr_cmds; i++)
		if (t->cmds[i].cmd == cmd)
			return &t->cmds[i];
	return NULL;
}

RH_EXPORT const char *rh_trace_tee_ta_name(const char *ta)
{
	const struct tee_ta_names *t = ta_find(ta);

	return t ? t->name : NULL;
}

RH_EXPORT const char *rh_trace_tee_cmd_name(const char *ta, uint32_t cmd)
{
	const struct tee_cmd_name *c = cmd_find(ta, cmd);

	return c ? c->name : NULL;
}

RH_EXPORT const char *rh_trace_tee_origin_name(uint32_t origin)
{
	switch (origin) {
	case RH_TEEC_ORIGIN_API:
		return "API";
	case RH_TEEC_ORIGIN_COMMS:
		return "COMMS";
	case RH_TEEC_ORIGIN_TEE:
		return "TEE";
	case RH_TEEC_ORIGIN_TRUSTED_APP:
		return "TA";
	default:
		return NULL;
	}
}

int rh_trace_tee_status_param(const char *ta, uint32_t cmd)
{
	const struct tee_cmd_name *c = cmd_find(ta, cmd);

	return c ? c->status_param : -1;
}
