// SPDX-License-Identifier: MIT
/* GlobalPlatform TEE Client API façade over the rh_tee client (libteec semantics). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <rheap/teec.h>

#include "internal.h"
#include "tee/tee-internal.h"

/*
 * Mirrors optee_client's libteec/src/tee_client_api.c: the same argument
 * checks in the same order, origin API for every check of this layer,
 * origin COMMS with ioctl_errno_to_res() for failures of the layer below,
 * and the TEE's own ret/origin otherwise.
 */

/* ioctl_errno_to_res() (libteec): the one errno -> GP result map here. */
static TEEC_Result errno_to_res(int err)
{
	switch (err) {
	case -ENOMEM:
		return TEEC_ERROR_OUT_OF_MEMORY;
	case -EINVAL:
		return TEEC_ERROR_BAD_PARAMETERS;
	default:
		return TEEC_ERROR_GENERIC;
	}
}

static TEEC_Result set_origin(uint32_t *ret_origin, TEEC_Result res,
			      uint32_t origin)
{
	if (ret_origin)
		*ret_origin = origin;
	return res;
}

/* ------------------------------------------------------------ context */

struct match_req {
	bool optee_tz;
};

static int match_gp(struct rh_tee_ioctl_version_data *v, const void *data)
{
	const struct match_req *req = data;

	if (!(v->gen_caps & RH_TEE_GEN_CAP_GP))
		return 0;
	if (req->optee_tz)
		return v->impl_id == RH_TEE_IMPL_ID_OPTEE &&
		       (v->impl_caps & RH_TEE_OPTEE_CAP_TZ);
	return 1;
}

RH_EXPORT TEEC_Result rh_TEEC_InitializeContext(struct rh_platform *plat,
						const char *name,
						TEEC_Context *context)
{
	struct match_req req = { .optee_tz = name != NULL };
	struct rh_tee_context *ctx;

	if (!plat || !context)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (name && strcmp(name, "optee-tz"))
		return TEEC_ERROR_ITEM_NOT_FOUND;
	/* A user-space client: its contexts may not use REE-kernel logins. */
	ctx = rh_tee_context_open(plat, match_gp, &req, NULL, true);
	if (RH_IS_ERR(ctx))
		return RH_PTR_ERR(ctx) == -ENOMEM ? TEEC_ERROR_OUT_OF_MEMORY :
						    TEEC_ERROR_ITEM_NOT_FOUND;
	context->imp_ctx = ctx;
	context->imp_plat = plat;
	return TEEC_SUCCESS;
}

RH_EXPORT void rh_TEEC_FinalizeContext(TEEC_Context *context)
{
	if (!context || !context->imp_ctx)
		return;
	rh_tee_client_close_context(context->imp_ctx);
	context->imp_ctx = NULL;
}

/* ------------------------------------------------------------ shared memory */

static bool flags_ok(uint32_t flags)
{
	return flags && !(flags & ~(TEEC_MEM_INPUT | TEEC_MEM_OUTPUT));
}

RH_EXPORT TEEC_Result rh_TEEC_AllocateSharedMemory(TEEC_Context *context,
						   TEEC_SharedMemory *shm)
{
	struct rh_tee_shm *s;

	if (!context || !context->imp_ctx || !shm || !flags_ok(shm->flags))
		return TEEC_ERROR_BAD_PARAMETERS;
	/* Size 0 is allowed: 8 bytes back a non-NULL buffer (as libteec). */
	s = rh_tee_shm_alloc_kernel_buf(context->imp_ctx,
					shm->size ? shm->size : 8);
	if (RH_IS_ERR(s))
		return TEEC_ERROR_OUT_OF_MEMORY;
	shm->buffer = rh_tee_shm_get_va(s, 0);
	shm->imp_shm = s;
	shm->imp_ctx = context;
	shm->imp_live = true;
	shm->imp_allocated = true;
	return TEEC_SUCCESS;
}

RH_EXPORT TEEC_Result rh_TEEC_RegisterSharedMemory(TEEC_Context *context,
						   TEEC_SharedMemory *shm)
{
	struct rh_tee_shm *s = NULL;

	if (!context || !context->imp_ctx || !shm || !flags_ok(shm->flags) ||
	    !shm->buffer)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (shm->size) {
		s = rh_tee_shm_register_kernel_buf(context->imp_ctx, shm->buffer,
						   shm->size);
		if (RH_IS_ERR(s))
			return TEEC_ERROR_OUT_OF_MEMORY;
	}
	shm->imp_shm = s;
	shm->imp_ctx = context;
	shm->imp_live = true;
	shm->imp_allocated = false;
	return TEEC_SUCCESS;
}

RH_EXPORT TEEC_Result rh_TEEC_RegisterSharedMemoryFileDescriptor(TEEC_Context *context,
								 TEEC_SharedMemory *shm, int fd)
{
	struct rh_tee_shm *s;

	if (!context || !context->imp_ctx || !shm || fd < 0 || !flags_ok(shm->flags))
		return TEEC_ERROR_BAD_PARAMETERS;
	s = rh_tee_shm_register_fd(context->imp_ctx, fd);
	/* libteec: a refused TEE_IOC_SHM_REGISTER_FD is a bad parameter. */
	if (RH_IS_ERR(s))
		return RH_PTR_ERR(s) == -ENOMEM ? TEEC_ERROR_OUT_OF_MEMORY :
						  TEEC_ERROR_BAD_PARAMETERS;
	shm->buffer = NULL;
	shm->size = rh_tee_shm_get_size(s);
	shm->imp_shm = s;
	shm->imp_ctx = context;
	shm->imp_live = true;
	shm->imp_allocated = false;
	return TEEC_SUCCESS;
}

RH_EXPORT void rh_TEEC_ReleaseSharedMemory(TEEC_SharedMemory *shm)
{
	if (!shm || !shm->imp_live)
		return;
	rh_tee_shm_put(shm->imp_shm);
	shm->imp_shm = NULL;
	shm->imp_ctx = NULL;
	shm->imp_live = false;
	shm->buffer = NULL;
}

/* ------------------------------------------------------------ operations */

struct op_state {
	struct rh_tee_param params[TEEC_CONFIG_PAYLOAD_REF_COUNT];
	struct rh_tee_shm *temp[TEEC_CONFIG_PAYLOAD_REF_COUNT];
};

static void put_temps(struct op_state *st)
{
	unsigned int i;

	for (i = 0; i < TEEC_CONFIG_PAYLOAD_REF_COUNT; i++) {
		rh_tee_shm_put(st->temp[i]);
		st->temp[i] = NULL;
	}
}

static TEEC_Result pre_tmpref(struct rh_tee_context *ctx, uint32_t type,
			      const TEEC_TempMemoryReference *tmp,
			      struct rh_tee_param *p, struct rh_tee_shm **temp)
{
	struct rh_tee_shm *s;

	p->attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT + type -
		  TEEC_MEMREF_TEMP_INPUT;
	if (!tmp->buffer) {
		if (tmp->size)
			return TEEC_ERROR_BAD_PARAMETERS;
		return TEEC_SUCCESS; /* NULL memref */
	}
	if (!tmp->size)
		return TEEC_SUCCESS; /* nothing to share */
	s = rh_tee_shm_register_kernel_buf(ctx, tmp->buffer, tmp->size);
	if (RH_IS_ERR(s))
		return TEEC_ERROR_OUT_OF_MEMORY;
	*temp = s;
	p->u.memref.shm = s;
	p->u.memref.size = tmp->size;
	return TEEC_SUCCESS;
}

static TEEC_Result pre_whole(const TEEC_RegisteredMemoryReference *ref,
			     struct rh_tee_param *p)
{
	const TEEC_SharedMemory *shm = ref->parent;

	if (!shm || !shm->imp_live)
		return TEEC_ERROR_BAD_PARAMETERS;
	switch (shm->flags & (TEEC_MEM_INPUT | TEEC_MEM_OUTPUT)) {
	case TEEC_MEM_INPUT | TEEC_MEM_OUTPUT:
		p->attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
		break;
	case TEEC_MEM_INPUT:
		p->attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
		break;
	case TEEC_MEM_OUTPUT:
		p->attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
		break;
	default:
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	p->u.memref.shm = shm->imp_shm;
	p->u.memref.size = shm->imp_shm ? shm->size : 0;
	return TEEC_SUCCESS;
}

static TEEC_Result pre_partial(uint32_t type,
			       const TEEC_RegisteredMemoryReference *ref,
			       struct rh_tee_param *p)
{
	const TEEC_SharedMemory *shm = ref->parent;
	uint32_t need;
	size_t end;

	if (!shm || !shm->imp_live)
		return TEEC_ERROR_BAD_PARAMETERS;
	need = type == TEEC_MEMREF_PARTIAL_INPUT  ? TEEC_MEM_INPUT :
	       type == TEEC_MEMREF_PARTIAL_OUTPUT ? TEEC_MEM_OUTPUT :
						    TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	if ((shm->flags & need) != need)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (__builtin_add_overflow(ref->offset, ref->size, &end) ||
	    end > shm->size)
		return TEEC_ERROR_BAD_PARAMETERS;
	p->attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT + type -
		  TEEC_MEMREF_PARTIAL_INPUT;
	p->u.memref.shm = shm->imp_shm;
	p->u.memref.shm_offs = shm->imp_shm ? ref->offset : 0;
	p->u.memref.size = ref->size;
	return TEEC_SUCCESS;
}

/* teec_pre_process_operation(): GP parameters to kernel parameters. */
static TEEC_Result pre_process(struct rh_tee_context *ctx, TEEC_Operation *op,
			       struct op_state *st)
{
	TEEC_Result res = TEEC_SUCCESS;
	TEEC_Parameter *gp;
	unsigned int i;
	uint32_t type;

	memset(st, 0, sizeof(*st));
	if (!op)
		return TEEC_SUCCESS;
	for (i = 0; i < TEEC_CONFIG_PAYLOAD_REF_COUNT && !res; i++) {
		type = TEEC_PARAM_TYPE_GET(op->paramTypes, i);
		gp = &op->params[i];
		switch (type) {
		case TEEC_NONE:
			break;
		case TEEC_VALUE_INPUT:
		case TEEC_VALUE_OUTPUT:
		case TEEC_VALUE_INOUT:
			st->params[i].attr = type;
			st->params[i].u.value.a = gp->value.a;
			st->params[i].u.value.b = gp->value.b;
			break;
		case TEEC_MEMREF_TEMP_INPUT:
		case TEEC_MEMREF_TEMP_OUTPUT:
		case TEEC_MEMREF_TEMP_INOUT:
			res = pre_tmpref(ctx, type, &gp->tmpref, &st->params[i],
					 &st->temp[i]);
			break;
		case TEEC_MEMREF_WHOLE:
			res = pre_whole(&gp->memref, &st->params[i]);
			break;
		case TEEC_MEMREF_PARTIAL_INPUT:
		case TEEC_MEMREF_PARTIAL_OUTPUT:
		case TEEC_MEMREF_PARTIAL_INOUT:
			res = pre_partial(type, &gp->memref, &st->params[i]);
			break;
		default:
			res = TEEC_ERROR_BAD_PARAMETERS;
			break;
		}
	}
	if (res)
		put_temps(st);
	return res;
}

/* teec_post_process_operation(): outputs back into the GP parameters. */
static void post_process(TEEC_Operation *op, const struct op_state *st)
{
	const struct rh_tee_param *p;
	TEEC_Parameter *gp;
	unsigned int i;
	uint32_t type;

	if (!op)
		return;
	for (i = 0; i < TEEC_CONFIG_PAYLOAD_REF_COUNT; i++) {
		type = TEEC_PARAM_TYPE_GET(op->paramTypes, i);
		gp = &op->params[i];
		p = &st->params[i];
		switch (type) {
		case TEEC_VALUE_OUTPUT:
		case TEEC_VALUE_INOUT:
			gp->value.a = (uint32_t)p->u.value.a;
			gp->value.b = (uint32_t)p->u.value.b;
			break;
		case TEEC_MEMREF_TEMP_OUTPUT:
		case TEEC_MEMREF_TEMP_INOUT:
			gp->tmpref.size = p->u.memref.size;
			break;
		case TEEC_MEMREF_WHOLE:
			if (gp->memref.parent->flags & TEEC_MEM_OUTPUT)
				gp->memref.size = p->u.memref.size;
			break;
		case TEEC_MEMREF_PARTIAL_OUTPUT:
		case TEEC_MEMREF_PARTIAL_INOUT:
			gp->memref.size = p->u.memref.size;
			break;
		default:
			break;
		}
	}
}

/* GP UUID to the 16 wire bytes, big-endian (uuid_to_octets()). */
static void uuid_to_octets(uint8_t *d, const TEEC_UUID *s)
{
	d[0] = s->timeLow >> 24;
	d[1] = s->timeLow >> 16;
	d[2] = s->timeLow >> 8;
	d[3] = s->timeLow;
	d[4] = s->timeMid >> 8;
	d[5] = s->timeMid;
	d[6] = s->timeHiAndVersion >> 8;
	d[7] = s->timeHiAndVersion;
	memcpy(d + 8, s->clockSeqAndNode, sizeof(s->clockSeqAndNode));
}

RH_EXPORT TEEC_Result rh_TEEC_OpenSession(TEEC_Context *context,
					  TEEC_Session *session,
					  const TEEC_UUID *destination,
					  uint32_t connectionMethod,
					  const void *connectionData,
					  TEEC_Operation *operation,
					  uint32_t *returnOrigin)
{
	struct rh_tee_ioctl_open_session_arg arg;
	struct op_state st;
	TEEC_Result res;
	int ret;

	if (!context || !context->imp_ctx || !session || !destination)
		return set_origin(returnOrigin, TEEC_ERROR_BAD_PARAMETERS,
				  TEEC_ORIGIN_API);
	memset(&arg, 0, sizeof(arg));
	uuid_to_octets(arg.uuid, destination);
	arg.clnt_login = connectionMethod;
	if (connectionMethod == TEEC_LOGIN_GROUP) {
		/* Connection data is the group id, for GROUP logins only. */
		if (!connectionData)
			return set_origin(returnOrigin, TEEC_ERROR_BAD_PARAMETERS,
					  TEEC_ORIGIN_API);
		memcpy(arg.clnt_uuid, connectionData, sizeof(uint32_t));
	}
	res = pre_process(context->imp_ctx, operation, &st);
	if (res)
		return set_origin(returnOrigin, res, TEEC_ORIGIN_API);
	arg.num_params = TEEC_CONFIG_PAYLOAD_REF_COUNT;
	ret = rh_tee_client_open_session(context->imp_ctx, &arg, st.params);
	if (ret) {
		res = set_origin(returnOrigin, errno_to_res(ret),
				 TEEC_ORIGIN_COMMS);
	} else {
		res = set_origin(returnOrigin, arg.ret, arg.ret_origin);
		if (res == TEEC_SUCCESS) {
			session->imp_ctx = context;
			session->imp_session_id = arg.session;
		}
		post_process(operation, &st);
	}
	put_temps(&st);
	return res;
}

RH_EXPORT void rh_TEEC_CloseSession(TEEC_Session *session)
{
	if (!session || !session->imp_ctx)
		return;
	rh_tee_client_close_session(session->imp_ctx->imp_ctx,
				    session->imp_session_id);
	session->imp_ctx = NULL;
}

RH_EXPORT TEEC_Result rh_TEEC_InvokeCommand(TEEC_Session *session,
					    uint32_t commandID,
					    TEEC_Operation *operation,
					    uint32_t *returnOrigin)
{
	struct rh_tee_ioctl_invoke_arg arg;
	struct rh_tee_context *ctx;
	struct op_state st;
	TEEC_Result res;
	int ret;

	if (!session || !session->imp_ctx)
		return set_origin(returnOrigin, TEEC_ERROR_BAD_PARAMETERS,
				  TEEC_ORIGIN_API);
	ctx = session->imp_ctx->imp_ctx;
	if (operation) {
		operation->imp_session = session;
		operation->started = 1;
	}
	res = pre_process(ctx, operation, &st);
	if (res)
		return set_origin(returnOrigin, res, TEEC_ORIGIN_API);
	memset(&arg, 0, sizeof(arg));
	arg.func = commandID;
	arg.session = session->imp_session_id;
	arg.num_params = TEEC_CONFIG_PAYLOAD_REF_COUNT;
	ret = rh_tee_client_invoke_func(ctx, &arg, st.params);
	if (ret) {
		res = set_origin(returnOrigin, errno_to_res(ret),
				 TEEC_ORIGIN_COMMS);
	} else {
		res = set_origin(returnOrigin, arg.ret, arg.ret_origin);
		post_process(operation, &st);
	}
	put_temps(&st);
	return res;
}

RH_EXPORT void rh_TEEC_RequestCancellation(TEEC_Operation *operation)
{
	struct rh_tee_ioctl_cancel_arg arg = { 0 };
	TEEC_Session *session;

	if (!operation || !operation->imp_session ||
	    !operation->imp_session->imp_ctx)
		return;
	session = operation->imp_session;
	arg.session = session->imp_session_id;
	rh_tee_client_cancel_req(session->imp_ctx->imp_ctx, &arg);
}
