// SPDX-License-Identifier: MIT
/* Strict parser and encoder of the TEE wire format (secure side, fuzzed). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "optee/msg.h"

/*
 * The buffer belongs to the normal world: it may be unaligned (fuzzers) and
 * may change under us, so every field is read exactly once, with memcpy,
 * into a private copy that is validated and used from then on.
 */

#define ATTR_CACHE_BITS \
	(RH_OPTEE_MSG_ATTR_CACHE_MASK << RH_OPTEE_MSG_ATTR_CACHE_SHIFT)
#define ATTR_KNOWN_BITS \
	(RH_OPTEE_MSG_ATTR_TYPE_MASK | RH_OPTEE_MSG_ATTR_META | \
	 RH_OPTEE_MSG_ATTR_NONCONTIG | ATTR_CACHE_BITS)

static const char *const cmd_names[] = {
	[RH_OPTEE_MSG_CMD_OPEN_SESSION] = "OPEN_SESSION",
	[RH_OPTEE_MSG_CMD_INVOKE_COMMAND] = "INVOKE_COMMAND",
	[RH_OPTEE_MSG_CMD_CLOSE_SESSION] = "CLOSE_SESSION",
	[RH_OPTEE_MSG_CMD_CANCEL] = "CANCEL",
	[RH_OPTEE_MSG_CMD_REGISTER_SHM] = "REGISTER_SHM",
	[RH_OPTEE_MSG_CMD_UNREGISTER_SHM] = "UNREGISTER_SHM",
	[RH_OPTEE_MSG_CMD_LEND_PROTMEM] = "LEND_PROTMEM",
	[RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM] = "RECLAIM_PROTMEM",
	[RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG] = "GET_PROTMEM_CONFIG",
};

const char *rh_emu_msg_cmd_name(uint32_t cmd)
{
	if (cmd < sizeof(cmd_names) / sizeof(cmd_names[0]) && cmd_names[cmd])
		return cmd_names[cmd];
	return "unknown";
}

static uint32_t refuse(struct rh_emu_msg *msg, uint32_t res, const char *fmt,
		       ...) RH_PRINTF(3, 4);

static uint32_t refuse(struct rh_emu_msg *msg, uint32_t res, const char *fmt,
		       ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg->why, sizeof(msg->why), fmt, ap);
	va_end(ap);
	return res;
}

static bool is_value(uint32_t type)
{
	return type >= RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT &&
	       type <= RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
}

static bool is_rmem(uint32_t type)
{
	return type >= RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT &&
	       type <= RH_OPTEE_MSG_ATTR_TYPE_RMEM_INOUT;
}

static bool is_tmem(uint32_t type)
{
	return type >= RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT &&
	       type <= RH_OPTEE_MSG_ATTR_TYPE_TMEM_INOUT;
}

static bool is_login(uint64_t login)
{
	switch (login) {
	case RH_OPTEE_MSG_LOGIN_PUBLIC:
	case RH_OPTEE_MSG_LOGIN_USER:
	case RH_OPTEE_MSG_LOGIN_GROUP:
	case RH_OPTEE_MSG_LOGIN_APPLICATION:
	case RH_OPTEE_MSG_LOGIN_APPLICATION_USER:
	case RH_OPTEE_MSG_LOGIN_APPLICATION_GROUP:
	case RH_OPTEE_MSG_LOGIN_REE_KERNEL:
		return true;
	default:
		return false;
	}
}

/* Attribute checks common to every parameter of every command. */
static uint32_t decode_attr(struct rh_emu_msg *msg, unsigned int i,
			    const struct rh_optee_msg_param *raw)
{
	struct rh_emu_msg_param *p = &msg->params[i];
	uint64_t attr = raw->attr;
	uint32_t type = attr & RH_OPTEE_MSG_ATTR_TYPE_MASK;
	bool meta_expected = msg->cmd == RH_OPTEE_MSG_CMD_OPEN_SESSION && i < 2;

	if (attr & ~ATTR_KNOWN_BITS)
		return refuse(msg, RH_TEEC_ERROR_BAD_FORMAT,
			      "param %u: reserved attribute bits 0x%llx", i,
			      (unsigned long long)(attr & ~ATTR_KNOWN_BITS));
	if (!(type == RH_OPTEE_MSG_ATTR_TYPE_NONE || is_value(type) ||
	      is_rmem(type) || is_tmem(type)))
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "param %u: unknown type 0x%x", i, type);
	if (!!(attr & RH_OPTEE_MSG_ATTR_META) != meta_expected)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      meta_expected ? "param %u: meta parameter expected" :
					      "param %u: unexpected meta parameter",
			      i);
	/* Page lists only share memory (REGISTER_SHM); calls use rmem. */
	if ((attr & RH_OPTEE_MSG_ATTR_NONCONTIG) &&
	    (!is_tmem(type) || msg->cmd != RH_OPTEE_MSG_CMD_REGISTER_SHM))
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "param %u: non-contiguous memory outside REGISTER_SHM",
			      i);
	if (attr & ATTR_CACHE_BITS) {
		if (!is_rmem(type) && !is_tmem(type))
			return refuse(msg, RH_TEEC_ERROR_BAD_FORMAT,
				      "param %u: cache attributes on a non-memory parameter",
				      i);
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "param %u: cache attributes other than predefined",
			      i);
	}

	p->attr = attr;
	p->type = type;
	if (is_rmem(type)) {
		p->u.mem.buf = NULL;
		p->u.mem.addr = 0;
		p->u.mem.offs = raw->u.rmem.offs;
		p->u.mem.size = raw->u.rmem.size;
		p->u.mem.shm_ref = raw->u.rmem.shm_ref;
		p->u.mem.prot = 0;
		p->u.mem.prot_region = NULL;
	} else if (is_tmem(type)) {
		p->u.mem.buf = NULL;
		p->u.mem.addr = raw->u.tmem.buf_ptr;
		p->u.mem.offs = 0;
		p->u.mem.size = raw->u.tmem.size;
		p->u.mem.shm_ref = raw->u.tmem.shm_ref;
		p->u.mem.prot = 0;
		p->u.mem.prot_region = NULL;
	} else {
		p->u.value = raw->u.value;
	}
	return RH_TEEC_SUCCESS;
}

/* A parameter handed to a trusted application. */
static uint32_t check_ta_param(struct rh_emu_msg *msg, unsigned int i)
{
	const struct rh_emu_msg_param *p = &msg->params[i];

	/*
	 * Unregistered normal memory would be a host address the secure side
	 * cannot validate: a tmem is a NULL memref (size queries) or a
	 * physical address, which only protected memory may be (the
	 * resolver checks it, as OP-TEE's set_tmem_param() only finds SDP and
	 * protmem objects by address); a cookie there names nothing.
	 */
	if (is_tmem(p->type) && p->u.mem.shm_ref)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "param %u: temporary memory must be registered first",
			      i);
	return RH_TEEC_SUCCESS;
}

static uint32_t check_counts(struct rh_emu_msg *msg)
{
	uint32_t min, max;

	switch (msg->cmd) {
	case RH_OPTEE_MSG_CMD_OPEN_SESSION:
		min = 2;
		max = 2 + RH_TA_NUM_PARAMS;
		break;
	case RH_OPTEE_MSG_CMD_INVOKE_COMMAND:
		min = 0;
		max = RH_TA_NUM_PARAMS;
		break;
	case RH_OPTEE_MSG_CMD_CLOSE_SESSION:
	case RH_OPTEE_MSG_CMD_CANCEL:
		min = 0;
		max = 0;
		break;
	case RH_OPTEE_MSG_CMD_REGISTER_SHM:
	case RH_OPTEE_MSG_CMD_UNREGISTER_SHM:
	case RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM:
		min = 1;
		max = 1;
		break;
	case RH_OPTEE_MSG_CMD_LEND_PROTMEM:
	case RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG:
		min = 2;
		max = 2;
		break;
	default:
		return refuse(msg, RH_TEEC_ERROR_NOT_IMPLEMENTED,
			      "unknown command 0x%x", msg->cmd);
	}
	if (msg->num_params < min || msg->num_params > max)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "%s with %u parameters (%u..%u allowed)",
			      rh_emu_msg_cmd_name(msg->cmd), msg->num_params, min,
			      max);
	return RH_TEEC_SUCCESS;
}

static uint32_t check_open_session(struct rh_emu_msg *msg)
{
	const struct rh_emu_msg_param *p = msg->params;

	if (p[0].type != RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT ||
	    p[1].type != RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "OPEN_SESSION meta parameters must be value inputs");
	if (!is_login(p[1].u.value.c))
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "OPEN_SESSION with unknown login 0x%llx",
			      (unsigned long long)p[1].u.value.c);
	/* The UUIDs travel as raw octets in a and b (export_uuid()). */
	memcpy(msg->ta_uuid, &p[0].u.value.a, 8);
	memcpy(msg->ta_uuid + 8, &p[0].u.value.b, 8);
	memcpy(msg->clnt_uuid, &p[1].u.value.a, 8);
	memcpy(msg->clnt_uuid + 8, &p[1].u.value.b, 8);
	msg->login = (uint32_t)p[1].u.value.c;
	msg->first = 2;
	return RH_TEEC_SUCCESS;
}

static uint32_t check_register_shm(struct rh_emu_msg *msg)
{
	const struct rh_emu_msg_param *p = &msg->params[0];
	uint64_t end;

	/*
	 * A contiguous buffer comes as a tmem input (the kernel API's own
	 * buffers); a page list (user memory) as any tmem type with NONCONTIG,
	 * as OP-TEE's register_shm() accepts them.
	 */
	if (!(p->attr & RH_OPTEE_MSG_ATTR_NONCONTIG) &&
	    p->type != RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "REGISTER_SHM needs a tmem input, got type 0x%x",
			      p->type);
	if (!p->u.mem.shm_ref)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "REGISTER_SHM with cookie 0");
	if (!(p->u.mem.addr & ~(uint64_t)(RH_EMU_NONCONTIG_PAGE_SIZE - 1)))
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      (p->attr & RH_OPTEE_MSG_ATTR_NONCONTIG) ?
				      "REGISTER_SHM with a page list at address 0" :
				      "REGISTER_SHM of address 0");
	if (!p->u.mem.size || p->u.mem.size > RH_EMU_MSG_MAX_SHM_SIZE)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "REGISTER_SHM of %llu bytes",
			      (unsigned long long)p->u.mem.size);
	if (__builtin_add_overflow(p->u.mem.addr, p->u.mem.size, &end))
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "REGISTER_SHM range wraps");
#if UINTPTR_MAX < UINT64_MAX
	if (end - 1 > UINTPTR_MAX)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "REGISTER_SHM range beyond the address space");
#endif
	return RH_TEEC_SUCCESS;
}

static uint32_t check_unregister_shm(struct rh_emu_msg *msg)
{
	const struct rh_emu_msg_param *p = &msg->params[0];

	if (p->type != RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "UNREGISTER_SHM needs an rmem input, got type 0x%x",
			      p->type);
	if (p->u.mem.offs || p->u.mem.size)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "UNREGISTER_SHM with offset/size set");
	if (!p->u.mem.shm_ref)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "UNREGISTER_SHM with cookie 0");
	return RH_TEEC_SUCCESS;
}

/* OP-TEE's lend_protmem(): exactly a value input and a tmem input. */
static uint32_t check_lend_protmem(struct rh_emu_msg *msg)
{
	const struct rh_emu_msg_param *p = msg->params;
	uint64_t end;

	if (p[0].type != RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT ||
	    p[1].type != RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "LEND_PROTMEM needs a value input and a tmem input");
	if (!p[1].u.mem.shm_ref)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "LEND_PROTMEM with cookie 0");
	if (!p[1].u.mem.addr || !p[1].u.mem.size)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "LEND_PROTMEM of 0x%llx+0x%llx",
			      (unsigned long long)p[1].u.mem.addr,
			      (unsigned long long)p[1].u.mem.size);
	if (__builtin_add_overflow(p[1].u.mem.addr, p[1].u.mem.size, &end))
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "LEND_PROTMEM range wraps");
	return RH_TEEC_SUCCESS;
}

/* OP-TEE's reclaim_protmem(): an rmem input naming the lend by its cookie. */
static uint32_t check_reclaim_protmem(struct rh_emu_msg *msg)
{
	const struct rh_emu_msg_param *p = &msg->params[0];

	if (p->type != RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "RECLAIM_PROTMEM needs an rmem input, got type 0x%x",
			      p->type);
	if (p->u.mem.offs || p->u.mem.size)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "RECLAIM_PROTMEM with offset/size set");
	if (!p->u.mem.shm_ref)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "RECLAIM_PROTMEM with cookie 0");
	return RH_TEEC_SUCCESS;
}

/*
 * OP-TEE's get_protmem_config(): a value inout and the attribute buffer,
 * registered memory or a NULL memref when only the size is asked.
 */
static uint32_t check_get_protmem_config(struct rh_emu_msg *msg)
{
	const struct rh_emu_msg_param *p = msg->params;

	if (p[0].type != RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "GET_PROTMEM_CONFIG needs a value inout, got type 0x%x",
			      p[0].type);
	if (p[1].type == RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT)
		return RH_TEEC_SUCCESS;
	if (p[1].type == RH_OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT && !p[1].u.mem.addr &&
	    !p[1].u.mem.shm_ref)
		return RH_TEEC_SUCCESS;
	return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
		      "GET_PROTMEM_CONFIG needs an rmem output or a NULL tmem output");
}

uint32_t rh_emu_msg_decode(const void *buf, size_t size, struct rh_emu_msg *msg)
{
	const unsigned char *bytes = buf;
	struct rh_optee_msg_arg hdr;
	struct rh_optee_msg_param raw;
	unsigned int i;
	uint32_t res;

	msg->why[0] = '\0';
	msg->num_params = 0;
	msg->first = 0;
	if (size < sizeof(hdr))
		return refuse(msg, RH_TEEC_ERROR_BAD_FORMAT,
			      "message of %zu bytes is shorter than a header",
			      size);
	memcpy(&hdr, bytes, sizeof(hdr));
	msg->cmd = hdr.cmd;
	msg->func = hdr.func;
	msg->session = hdr.session;
	msg->cancel_id = hdr.cancel_id;

	if (size > RH_OPTEE_MSG_MAX_SIZE)
		return refuse(msg, RH_TEEC_ERROR_BAD_FORMAT,
			      "message of %zu bytes exceeds a page", size);
	if (hdr.num_params > RH_OPTEE_MSG_MAX_PARAMS ||
	    size != RH_OPTEE_MSG_GET_ARG_SIZE(hdr.num_params))
		return refuse(msg, RH_TEEC_ERROR_BAD_FORMAT,
			      "message of %zu bytes with num_params %u", size,
			      hdr.num_params);
	if (hdr.pad)
		return refuse(msg, RH_TEEC_ERROR_BAD_FORMAT,
			      "reserved header field set (0x%x)", hdr.pad);
	msg->num_params = hdr.num_params;
	res = check_counts(msg);
	if (res)
		goto err_clear;

	for (i = 0; i < msg->num_params; i++) {
		memcpy(&raw, bytes + RH_OPTEE_MSG_GET_ARG_SIZE(i), sizeof(raw));
		res = decode_attr(msg, i, &raw);
		if (res)
			goto err_clear;
	}

	switch (msg->cmd) {
	case RH_OPTEE_MSG_CMD_OPEN_SESSION:
		res = check_open_session(msg);
		break;
	case RH_OPTEE_MSG_CMD_REGISTER_SHM:
		res = check_register_shm(msg);
		break;
	case RH_OPTEE_MSG_CMD_UNREGISTER_SHM:
		res = check_unregister_shm(msg);
		break;
	case RH_OPTEE_MSG_CMD_LEND_PROTMEM:
		res = check_lend_protmem(msg);
		break;
	case RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM:
		res = check_reclaim_protmem(msg);
		break;
	case RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG:
		res = check_get_protmem_config(msg);
		break;
	default:
		res = RH_TEEC_SUCCESS;
		break;
	}
	if (res)
		goto err_clear;
	if (msg->cmd == RH_OPTEE_MSG_CMD_OPEN_SESSION ||
	    msg->cmd == RH_OPTEE_MSG_CMD_INVOKE_COMMAND) {
		for (i = msg->first; i < msg->num_params; i++) {
			res = check_ta_param(msg, i);
			if (res)
				goto err_clear;
		}
	}
	return RH_TEEC_SUCCESS;

err_clear:
	/* Nothing of a refused message is written back. */
	msg->num_params = 0;
	return res;
}

static bool is_output_mem(uint32_t type)
{
	return type == RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT ||
	       type == RH_OPTEE_MSG_ATTR_TYPE_RMEM_INOUT ||
	       type == RH_OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT ||
	       type == RH_OPTEE_MSG_ATTR_TYPE_TMEM_INOUT;
}

/* One rmem: registered shared memory, else a protected lend's cookie. */
static uint32_t resolve_rmem(struct rh_emu_msg *msg, unsigned int i,
			     const struct rh_emu_mem_resolver *r, void *data)
{
	struct rh_emu_msg_param *p = &msg->params[i];
	struct rh_emu_prot_ref ref;
	uint64_t shm_size, end;
	void *base;
	int ret;

	if (!r->shm(data, p->u.mem.shm_ref, &base, &shm_size)) {
		if (__builtin_add_overflow(p->u.mem.offs, p->u.mem.size, &end) ||
		    end > shm_size)
			return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
				      "param %u: range 0x%llx+0x%llx outside shm of 0x%llx bytes",
				      i, (unsigned long long)p->u.mem.offs,
				      (unsigned long long)p->u.mem.size,
				      (unsigned long long)shm_size);
		p->u.mem.buf = (unsigned char *)base + p->u.mem.offs;
		return RH_TEEC_SUCCESS;
	}
	ret = r->prot_cookie ? r->prot_cookie(data, p->u.mem.shm_ref, p->u.mem.offs,
					       p->u.mem.size, is_output_mem(p->type), &ref) :
			       -ENOENT;
	if (ret == -ERANGE)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "param %u: range 0x%llx+0x%llx outside protected memory 0x%llx",
			      i, (unsigned long long)p->u.mem.offs,
			      (unsigned long long)p->u.mem.size,
			      (unsigned long long)p->u.mem.shm_ref);
	if (ret)
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "param %u: unknown shm cookie 0x%llx", i,
			      (unsigned long long)p->u.mem.shm_ref);
	p->u.mem.buf = ref.buf;
	p->u.mem.prot = ref.use_case;
	p->u.mem.prot_region = ref.region;
	return RH_TEEC_SUCCESS;
}

/* One tmem with an address: protected memory, or nothing. */
static uint32_t resolve_tmem_pa(struct rh_emu_msg *msg, unsigned int i,
				const struct rh_emu_mem_resolver *r, void *data)
{
	struct rh_emu_msg_param *p = &msg->params[i];
	struct rh_emu_prot_ref ref;

	if (!r->prot_pa || r->prot_pa(data, p->u.mem.addr, p->u.mem.size,
				      is_output_mem(p->type), &ref))
		return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
			      "param %u: 0x%llx+0x%llx is not protected memory", i,
			      (unsigned long long)p->u.mem.addr,
			      (unsigned long long)p->u.mem.size);
	p->u.mem.buf = ref.buf;
	p->u.mem.prot = ref.use_case;
	p->u.mem.prot_region = ref.region;
	return RH_TEEC_SUCCESS;
}

uint32_t rh_emu_msg_resolve_mem(struct rh_emu_msg *msg,
				const struct rh_emu_mem_resolver *r, void *data)
{
	struct rh_emu_msg_param *p;
	unsigned int i;
	uint32_t res;

	for (i = msg->first; i < msg->num_params; i++) {
		p = &msg->params[i];
		if (is_rmem(p->type))
			res = resolve_rmem(msg, i, r, data);
		else if (is_tmem(p->type) && p->u.mem.addr)
			res = resolve_tmem_pa(msg, i, r, data);
		else
			continue;
		if (res) {
			rh_emu_msg_release_mem(msg, r, data);
			return res;
		}
	}
	return RH_TEEC_SUCCESS;
}

void rh_emu_msg_release_mem(struct rh_emu_msg *msg, const struct rh_emu_mem_resolver *r,
			    void *data)
{
	struct rh_emu_msg_param *p;
	unsigned int i;

	for (i = msg->first; i < msg->num_params; i++) {
		p = &msg->params[i];
		if ((!is_rmem(p->type) && !is_tmem(p->type)) || !p->u.mem.prot_region)
			continue;
		r->prot_put(data, p->u.mem.prot_region);
		p->u.mem.prot_region = NULL;
	}
}

uint32_t rh_emu_msg_resolve(struct rh_emu_msg *msg, rh_emu_shm_lookup_fn lookup,
			    void *data)
{
	const struct rh_emu_mem_resolver r = { .shm = lookup };

	return rh_emu_msg_resolve_mem(msg, &r, data);
}

uint32_t rh_emu_msg_to_ta(const struct rh_emu_msg *msg,
			  struct rh_ta_param ta[RH_TA_NUM_PARAMS])
{
	const struct rh_emu_msg_param *p;
	uint32_t types = 0, type;
	unsigned int i, n = 0;

	memset(ta, 0, sizeof(*ta) * RH_TA_NUM_PARAMS);
	for (i = msg->first; i < msg->num_params && n < RH_TA_NUM_PARAMS;
	     i++, n++) {
		p = &msg->params[i];
		type = p->type;
		if (is_value(type)) {
			if (type != RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT) {
				ta[n].u.value.a = p->u.value.a;
				ta[n].u.value.b = p->u.value.b;
				ta[n].u.value.c = p->u.value.c;
			}
		} else if (is_rmem(type) || is_tmem(type)) {
			/* RMEM 5..7 and TMEM 9..0xb both become MEMREF 5..7. */
			if (is_tmem(type))
				type -= RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT -
					RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
			ta[n].u.memref.buffer = p->u.mem.buf;
			ta[n].u.memref.size = (size_t)p->u.mem.size;
			ta[n].u.memref.prot = p->u.mem.prot;
		}
		ta[n].type = type;
		types |= type << (n * 4);
	}
	return types;
}

static bool is_output(uint32_t type)
{
	return type == RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT ||
	       type == RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT ||
	       type == RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT ||
	       type == RH_OPTEE_MSG_ATTR_TYPE_RMEM_INOUT ||
	       type == RH_OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT ||
	       type == RH_OPTEE_MSG_ATTR_TYPE_TMEM_INOUT;
}

void rh_emu_msg_from_ta(struct rh_emu_msg *msg,
			const struct rh_ta_param ta[RH_TA_NUM_PARAMS])
{
	struct rh_emu_msg_param *p;
	unsigned int i, n = 0;

	for (i = msg->first; i < msg->num_params && n < RH_TA_NUM_PARAMS;
	     i++, n++) {
		p = &msg->params[i];
		if (!is_output(p->type))
			continue;
		if (is_value(p->type)) {
			p->u.value.a = ta[n].u.value.a;
			p->u.value.b = ta[n].u.value.b;
			p->u.value.c = ta[n].u.value.c;
		} else {
			p->u.mem.size = ta[n].u.memref.size;
		}
	}
}

void rh_emu_msg_write_outputs(void *buf, const struct rh_emu_msg *msg)
{
	unsigned char *bytes = buf;
	const struct rh_emu_msg_param *p;
	size_t at;
	unsigned int i;

	for (i = msg->first; i < msg->num_params; i++) {
		p = &msg->params[i];
		if (!is_output(p->type))
			continue;
		at = RH_OPTEE_MSG_GET_ARG_SIZE(i) +
		     offsetof(struct rh_optee_msg_param, u);
		if (is_value(p->type))
			memcpy(bytes + at, &p->u.value, sizeof(p->u.value));
		else
			memcpy(bytes + at +
				       offsetof(struct rh_optee_msg_param_rmem, size),
			       &p->u.mem.size, sizeof(p->u.mem.size));
	}
}

void rh_emu_msg_set_result(void *buf, uint32_t ret, uint32_t origin)
{
	unsigned char *bytes = buf;

	memcpy(bytes + offsetof(struct rh_optee_msg_arg, ret), &ret, sizeof(ret));
	memcpy(bytes + offsetof(struct rh_optee_msg_arg, ret_origin), &origin,
	       sizeof(origin));
}

void rh_emu_msg_set_session(void *buf, uint32_t session)
{
	unsigned char *bytes = buf;

	memcpy(bytes + offsetof(struct rh_optee_msg_arg, session), &session,
	       sizeof(session));
}

uint32_t rh_emu_msg_noncontig_base(struct rh_emu_msg *msg, unsigned int i,
				   rh_emu_ns_check_fn ns_ok, void *data,
				   uint64_t *ret_base)
{
	const uint64_t page = RH_EMU_NONCONTIG_PAGE_SIZE;
	const struct rh_emu_msg_param *p = &msg->params[i];
	uint64_t list = p->u.mem.addr & ~(page - 1);
	uint64_t offs = p->u.mem.addr & (page - 1);
	uint64_t npages, n, entry, first = 0;
	unsigned int slot;

	/* The size is bounded by the parser: no overflow here. */
	npages = (offs + p->u.mem.size + page - 1) / page;
	for (n = 0; n < npages; n++) {
		slot = (unsigned int)(n % RH_EMU_NONCONTIG_ENTRIES);
		if (n && !slot) {
			/* The last entry of a full list page chains the next one. */
			memcpy(&list, (const void *)(uintptr_t)(list + page - sizeof(uint64_t)),
			       sizeof(list));
			if (!list || (list & (page - 1)))
				return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
					      "page list: bad link 0x%llx after %llu pages",
					      (unsigned long long)list,
					      (unsigned long long)n);
		}
		if (!slot && ns_ok && !ns_ok(data, list, page))
			return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
				      "page list at 0x%llx is not non-secure memory",
				      (unsigned long long)list);
		memcpy(&entry, (const void *)(uintptr_t)(list + slot * sizeof(uint64_t)),
		       sizeof(entry));
		if (!entry || (entry & (page - 1)))
			return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
				      "page list: page %llu at unaligned address 0x%llx",
				      (unsigned long long)n, (unsigned long long)entry);
		if (!n)
			first = entry;
		/*
		 * OP-TEE maps the pages side by side in its own address space;
		 * the emulator hands trusted applications the host's view, so
		 * it needs them side by side there already (user memory is).
		 */
		else if (entry != first + n * page)
			return refuse(msg, RH_TEEC_ERROR_BAD_PARAMETERS,
				      "page list: page %llu (0x%llx) does not follow page 0 in host memory",
				      (unsigned long long)n, (unsigned long long)entry);
	}
	*ret_base = first + offs;
	return RH_TEEC_SUCCESS;
}
