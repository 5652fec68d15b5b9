// SPDX-License-Identifier: MIT
/* libteec: the GlobalPlatform TEE Client API over the /dev/tee0 ioctls (linux/tee.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/tee.h>

#include "tee_client_api.h"

/* Linux 6.18's uapi, for older system headers. */
#ifndef TEE_IOC_SHM_REGISTER_FD
struct tee_ioctl_shm_register_fd_data {
	__s64 fd;
	__u64 size;
	__u32 flags;
	__s32 id;
} __attribute__((aligned(8)));
#define TEE_IOC_SHM_REGISTER_FD \
	_IOWR(TEE_IOC_MAGIC, TEE_IOC_BASE + 8, struct tee_ioctl_shm_register_fd_data)
#endif

/*
 * Behaves as OP-TEE's libteec on a device: a context is an open /dev/teeN
 * whose TEE is GlobalPlatform compliant; shared memory is registered user
 * memory when the TEE can register memory (TEE_GEN_CAP_REG_MEM), else a
 * TEE_IOC_SHM_ALLOC buffer mapped from its fd; temporary memory references
 * travel in a temporary shared buffer, copied in before and out after the
 * call; an ioctl that fails is reported with origin COMMS.
 */

#define TEEC_EXPORT __attribute__((visibility("default")))
#define MAX_DEVICES 16

/* How a TEEC_SharedMemory was made (internal.flags). */
#define SHM_ALLOCATED 0x1 /* the library owns buffer */
#define SHM_MAPPED 0x2    /* buffer is an mmap() of registered_fd */

static TEEC_Result errno_to_result(int err)
{
	switch (err) {
	case ENOMEM:
		return TEEC_ERROR_OUT_OF_MEMORY;
	case EINVAL:
		return TEEC_ERROR_BAD_PARAMETERS;
	case EPERM:
	case EACCES:
		return TEEC_ERROR_ACCESS_DENIED;
	default:
		return TEEC_ERROR_GENERIC;
	}
}

TEEC_EXPORT TEEC_Result TEEC_InitializeContext(const char *name, TEEC_Context *ctx)
{
	struct tee_ioctl_version_data vers;
	char devname[32];
	int n, fd;

	if (!ctx)
		return TEEC_ERROR_BAD_PARAMETERS;
	/* @name is implementation defined: libteec tries every /dev/teeN. */
	for (n = 0; n < MAX_DEVICES; n++) {
		snprintf(devname, sizeof(devname), "/dev/tee%d", n);
		fd = open(devname, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (ioctl(fd, TEE_IOC_VERSION, &vers) == 0 &&
		    (vers.gen_caps & TEE_GEN_CAP_GP)) {
			ctx->fd = fd;
			ctx->reg_mem = vers.gen_caps & TEE_GEN_CAP_REG_MEM;
			ctx->memref_null = vers.gen_caps & TEE_GEN_CAP_MEMREF_NULL;
			return TEEC_SUCCESS;
		}
		close(fd);
	}
	return TEEC_ERROR_ITEM_NOT_FOUND;
}

TEEC_EXPORT void TEEC_FinalizeContext(TEEC_Context *ctx)
{
	if (ctx && ctx->fd >= 0)
		close(ctx->fd);
	if (ctx)
		ctx->fd = -1;
}

/* TEEC_UUID fields in the big-endian octet order of the wire. */
static void uuid_to_octets(uint8_t *d, const TEEC_UUID *s)
{
	d[0] = (uint8_t)(s->timeLow >> 24);
	d[1] = (uint8_t)(s->timeLow >> 16);
	d[2] = (uint8_t)(s->timeLow >> 8);
	d[3] = (uint8_t)s->timeLow;
	d[4] = (uint8_t)(s->timeMid >> 8);
	d[5] = (uint8_t)s->timeMid;
	d[6] = (uint8_t)(s->timeHiAndVersion >> 8);
	d[7] = (uint8_t)s->timeHiAndVersion;
	memcpy(d + 8, s->clockSeqAndNode, sizeof(s->clockSeqAndNode));
}

/* ------------------------------------------------------------ shared memory */

static int shm_register(int fd, void *buf, size_t size, int *ret_id)
{
	struct tee_ioctl_shm_register_data data = {
		.addr = (uintptr_t)buf,
		.length = size,
	};
	int shm_fd = ioctl(fd, TEE_IOC_SHM_REGISTER, &data);

	if (shm_fd >= 0)
		*ret_id = data.id;
	return shm_fd;
}

static int shm_alloc(int fd, size_t size, int *ret_id)
{
	struct tee_ioctl_shm_alloc_data data = { .size = size };
	int shm_fd = ioctl(fd, TEE_IOC_SHM_ALLOC, &data);

	if (shm_fd >= 0)
		*ret_id = data.id;
	return shm_fd;
}

TEEC_EXPORT TEEC_Result TEEC_RegisterSharedMemory(TEEC_Context *ctx,
						  TEEC_SharedMemory *shm)
{
	size_t size;
	int fd;

	if (!ctx || !shm)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (!shm->flags || (shm->flags & ~(TEEC_MEM_INPUT | TEEC_MEM_OUTPUT)))
		return TEEC_ERROR_BAD_PARAMETERS;
	if (!shm->buffer)
		return TEEC_ERROR_BAD_PARAMETERS;
	/* A 0-byte buffer still gets a registration: 8 bytes, as libteec does. */
	size = shm->size ? shm->size : 8;
	shm->shadow_buffer = NULL;
	shm->internal.flags = 0;
	if (!ctx->reg_mem)
		return TEEC_ERROR_NOT_SUPPORTED;
	fd = shm_register(ctx->fd, shm->buffer, size, &shm->id);
	if (fd < 0)
		return errno_to_result(errno);
	shm->registered_fd = fd;
	shm->alloced_size = size;
	return TEEC_SUCCESS;
}

TEEC_EXPORT TEEC_Result TEEC_AllocateSharedMemory(TEEC_Context *ctx,
						  TEEC_SharedMemory *shm)
{
	size_t size;
	void *buf;
	int fd;

	if (!ctx || !shm)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (!shm->flags || (shm->flags & ~(TEEC_MEM_INPUT | TEEC_MEM_OUTPUT)))
		return TEEC_ERROR_BAD_PARAMETERS;
	size = shm->size ? shm->size : 8;
	shm->shadow_buffer = NULL;
	if (ctx->reg_mem) {
		buf = calloc(1, size);
		if (!buf)
			return TEEC_ERROR_OUT_OF_MEMORY;
		fd = shm_register(ctx->fd, buf, size, &shm->id);
		if (fd < 0) {
			free(buf);
			return errno_to_result(errno);
		}
		shm->internal.flags = SHM_ALLOCATED;
	} else {
		fd = shm_alloc(ctx->fd, size, &shm->id);
		if (fd < 0)
			return errno_to_result(errno);
		buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (buf == MAP_FAILED) {
			close(fd);
			return TEEC_ERROR_OUT_OF_MEMORY;
		}
		shm->internal.flags = SHM_ALLOCATED | SHM_MAPPED;
	}
	shm->buffer = buf;
	shm->registered_fd = fd;
	shm->alloced_size = size;
	return TEEC_SUCCESS;
}

/*
 * A dma-buf of a protected heap: no buffer, no shadow; the size is the
 * buffer's. Any refusal of the ioctl is a bad parameter, as in libteec.
 */
TEEC_EXPORT TEEC_Result TEEC_RegisterSharedMemoryFileDescriptor(TEEC_Context *ctx,
								TEEC_SharedMemory *shm, int fd)
{
	struct tee_ioctl_shm_register_fd_data data;
	int rfd;

	if (!ctx || !shm || fd < 0)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (!shm->flags || (shm->flags & ~(TEEC_MEM_INPUT | TEEC_MEM_OUTPUT)))
		return TEEC_ERROR_BAD_PARAMETERS;
	memset(&data, 0, sizeof(data));
	data.fd = fd;
	rfd = ioctl(ctx->fd, TEE_IOC_SHM_REGISTER_FD, &data);
	if (rfd < 0)
		return TEEC_ERROR_BAD_PARAMETERS;
	shm->buffer = NULL;
	shm->shadow_buffer = NULL;
	shm->internal.flags = 0;
	shm->registered_fd = rfd;
	shm->id = data.id;
	shm->size = data.size;
	shm->alloced_size = data.size;
	return TEEC_SUCCESS;
}

TEEC_EXPORT void TEEC_ReleaseSharedMemory(TEEC_SharedMemory *shm)
{
	if (!shm || shm->registered_fd < 0)
		return;
	if (shm->internal.flags & SHM_MAPPED)
		munmap(shm->buffer, shm->alloced_size);
	else if (shm->internal.flags & SHM_ALLOCATED)
		free(shm->buffer);
	close(shm->registered_fd);
	shm->registered_fd = -1;
	shm->id = -1;
	shm->buffer = NULL;
	shm->internal.flags = 0;
}

/* ------------------------------------------------------------ operations */

/* Temporary buffers of one call, released after it. */
struct call_shm {
	TEEC_SharedMemory shm[TEEC_CONFIG_PAYLOAD_REF_COUNT];
};

static TEEC_Result tmpref_in(TEEC_Context *ctx, uint32_t type,
			     TEEC_TempMemoryReference *tmpref,
			     struct tee_ioctl_param *p, TEEC_SharedMemory *shm)
{
	p->attr = type;
	if (!tmpref->buffer) {
		if (tmpref->size && !ctx->memref_null)
			return TEEC_ERROR_BAD_PARAMETERS;
		/* A NULL memref: the TA sees NULL (a size query). */
		p->b = tmpref->size;
		p->c = TEE_MEMREF_NULL;
		return TEEC_SUCCESS;
	}
	shm->size = tmpref->size;
	shm->flags = type == TEEC_MEMREF_TEMP_INPUT ? TEEC_MEM_INPUT :
		     type == TEEC_MEMREF_TEMP_OUTPUT ? TEEC_MEM_OUTPUT :
						       TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	if (TEEC_AllocateSharedMemory(ctx, shm) != TEEC_SUCCESS)
		return TEEC_ERROR_OUT_OF_MEMORY;
	if (type != TEEC_MEMREF_TEMP_OUTPUT)
		memcpy(shm->buffer, tmpref->buffer, tmpref->size);
	p->a = 0;
	p->b = tmpref->size;
	p->c = (uint64_t)shm->id;
	return TEEC_SUCCESS;
}

static TEEC_Result memref_in(uint32_t type, TEEC_RegisteredMemoryReference *ref,
			     struct tee_ioctl_param *p)
{
	TEEC_SharedMemory *shm = ref->parent;
	uint32_t need;

	if (!shm || shm->registered_fd < 0)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (type == TEEC_MEMREF_WHOLE) {
		p->attr = shm->flags == TEEC_MEM_INPUT ? TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT :
			  shm->flags == TEEC_MEM_OUTPUT ? TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT :
							  TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
		p->a = 0;
		p->b = shm->size;
	} else {
		/* A partial reference needs the directions of its memory. */
		need = type == TEEC_MEMREF_PARTIAL_INPUT ? TEEC_MEM_INPUT :
		       type == TEEC_MEMREF_PARTIAL_OUTPUT ? TEEC_MEM_OUTPUT :
							    TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
		if ((shm->flags & need) != need)
			return TEEC_ERROR_BAD_PARAMETERS;
		p->attr = type - TEEC_MEMREF_PARTIAL_INPUT + TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
		p->a = ref->offset;
		p->b = ref->size;
	}
	p->c = (uint64_t)shm->id;
	return TEEC_SUCCESS;
}

static TEEC_Result ops_in(TEEC_Context *ctx, TEEC_Operation *op,
			  struct tee_ioctl_param *params, struct call_shm *tmp)
{
	TEEC_Result res;
	uint32_t type;
	int i;

	for (i = 0; i < TEEC_CONFIG_PAYLOAD_REF_COUNT; i++)
		tmp->shm[i].registered_fd = -1;
	memset(params, 0, sizeof(*params) * TEEC_CONFIG_PAYLOAD_REF_COUNT);
	if (!op)
		return TEEC_SUCCESS;
	for (i = 0; i < TEEC_CONFIG_PAYLOAD_REF_COUNT; i++) {
		type = TEEC_PARAM_TYPE_GET(op->paramTypes, i);
		switch (type) {
		case TEEC_NONE:
			break;
		case TEEC_VALUE_INPUT:
		case TEEC_VALUE_OUTPUT:
		case TEEC_VALUE_INOUT:
			params[i].attr = type;
			params[i].a = op->params[i].value.a;
			params[i].b = op->params[i].value.b;
			break;
		case TEEC_MEMREF_TEMP_INPUT:
		case TEEC_MEMREF_TEMP_OUTPUT:
		case TEEC_MEMREF_TEMP_INOUT:
			res = tmpref_in(ctx, type, &op->params[i].tmpref, &params[i],
					&tmp->shm[i]);
			if (res)
				return res;
			break;
		case TEEC_MEMREF_WHOLE:
		case TEEC_MEMREF_PARTIAL_INPUT:
		case TEEC_MEMREF_PARTIAL_OUTPUT:
		case TEEC_MEMREF_PARTIAL_INOUT:
			res = memref_in(type, &op->params[i].memref, &params[i]);
			if (res)
				return res;
			break;
		default:
			return TEEC_ERROR_BAD_PARAMETERS;
		}
	}
	return TEEC_SUCCESS;
}

/* Outputs back into the operation; temporary buffers copied out and freed. */
static void ops_out(TEEC_Operation *op, const struct tee_ioctl_param *params,
		    struct call_shm *tmp)
{
	TEEC_TempMemoryReference *tref;
	uint32_t type;
	int i;

	for (i = 0; op && i < TEEC_CONFIG_PAYLOAD_REF_COUNT; i++) {
		type = TEEC_PARAM_TYPE_GET(op->paramTypes, i);
		switch (type) {
		case TEEC_VALUE_OUTPUT:
		case TEEC_VALUE_INOUT:
			op->params[i].value.a = (uint32_t)params[i].a;
			op->params[i].value.b = (uint32_t)params[i].b;
			break;
		case TEEC_MEMREF_TEMP_OUTPUT:
		case TEEC_MEMREF_TEMP_INOUT:
			tref = &op->params[i].tmpref;
			if (tref->buffer && tmp->shm[i].registered_fd >= 0)
				memcpy(tref->buffer, tmp->shm[i].buffer,
				       params[i].b < tref->size ? params[i].b : tref->size);
			tref->size = params[i].b;
			break;
		case TEEC_MEMREF_WHOLE:
		case TEEC_MEMREF_PARTIAL_OUTPUT:
		case TEEC_MEMREF_PARTIAL_INOUT:
			op->params[i].memref.size = params[i].b;
			break;
		default:
			break;
		}
	}
	for (i = 0; i < TEEC_CONFIG_PAYLOAD_REF_COUNT; i++)
		TEEC_ReleaseSharedMemory(&tmp->shm[i]);
}

/* The open-session / invoke header followed by the four parameters. */
union call_buf {
	struct tee_ioctl_open_session_arg open;
	struct tee_ioctl_invoke_arg invoke;
	uint64_t raw[(sizeof(struct tee_ioctl_open_session_arg) +
		      TEEC_CONFIG_PAYLOAD_REF_COUNT * sizeof(struct tee_ioctl_param)) / 8];
};

TEEC_EXPORT TEEC_Result TEEC_OpenSession(TEEC_Context *ctx, TEEC_Session *session,
					 const TEEC_UUID *destination,
					 uint32_t connectionMethod,
					 const void *connectionData,
					 TEEC_Operation *operation,
					 uint32_t *returnOrigin)
{
	union call_buf buf;
	struct tee_ioctl_open_session_arg *arg = &buf.open;
	struct tee_ioctl_param *params = (struct tee_ioctl_param *)(arg + 1);
	struct tee_ioctl_buf_data data = {
		.buf_ptr = (uintptr_t)&buf,
		.buf_len = sizeof(*arg) + TEEC_CONFIG_PAYLOAD_REF_COUNT * sizeof(*params),
	};
	uint32_t origin = TEEC_ORIGIN_API;
	struct call_shm tmp;
	TEEC_Result res;
	gid_t gid;

	if (!ctx || !session || !destination) {
		res = TEEC_ERROR_BAD_PARAMETERS;
		goto out;
	}
	memset(&buf, 0, sizeof(buf));
	uuid_to_octets(arg->uuid, destination);
	arg->clnt_login = connectionMethod;
	if (connectionMethod == TEEC_LOGIN_GROUP) {
		/* The group to log in with; the kernel checks membership. */
		if (!connectionData) {
			res = TEEC_ERROR_BAD_PARAMETERS;
			goto out;
		}
		memcpy(&gid, connectionData, sizeof(gid));
		memcpy(arg->clnt_uuid, &gid, sizeof(gid));
	}
	arg->num_params = TEEC_CONFIG_PAYLOAD_REF_COUNT;
	res = ops_in(ctx, operation, params, &tmp);
	if (res) {
		ops_out(NULL, params, &tmp);
		goto out;
	}
	if (operation)
		operation->session = session;
	if (ioctl(ctx->fd, TEE_IOC_OPEN_SESSION, &data)) {
		res = errno_to_result(errno);
		origin = TEEC_ORIGIN_COMMS;
		ops_out(NULL, params, &tmp);
		goto out;
	}
	res = arg->ret;
	origin = arg->ret_origin;
	if (res == TEEC_SUCCESS) {
		session->ctx = ctx;
		session->session_id = arg->session;
	}
	ops_out(operation, params, &tmp);
out:
	if (returnOrigin)
		*returnOrigin = origin;
	return res;
}

TEEC_EXPORT void TEEC_CloseSession(TEEC_Session *session)
{
	struct tee_ioctl_close_session_arg arg;

	if (!session || !session->ctx)
		return;
	arg.session = session->session_id;
	if (ioctl(session->ctx->fd, TEE_IOC_CLOSE_SESSION, &arg))
		fprintf(stderr, "libteec: close session 0x%x: %s\n", arg.session,
			strerror(errno));
	session->ctx = NULL;
}

TEEC_EXPORT TEEC_Result TEEC_InvokeCommand(TEEC_Session *session, uint32_t commandID,
					   TEEC_Operation *operation,
					   uint32_t *returnOrigin)
{
	union call_buf buf;
	struct tee_ioctl_invoke_arg *arg = &buf.invoke;
	struct tee_ioctl_param *params = (struct tee_ioctl_param *)(arg + 1);
	struct tee_ioctl_buf_data data = {
		.buf_ptr = (uintptr_t)&buf,
		.buf_len = sizeof(*arg) + TEEC_CONFIG_PAYLOAD_REF_COUNT * sizeof(*params),
	};
	uint32_t origin = TEEC_ORIGIN_API;
	struct call_shm tmp;
	TEEC_Result res;

	if (!session || !session->ctx) {
		res = TEEC_ERROR_BAD_PARAMETERS;
		goto out;
	}
	memset(&buf, 0, sizeof(buf));
	arg->func = commandID;
	arg->session = session->session_id;
	arg->num_params = TEEC_CONFIG_PAYLOAD_REF_COUNT;
	res = ops_in(session->ctx, operation, params, &tmp);
	if (res) {
		ops_out(NULL, params, &tmp);
		goto out;
	}
	if (operation)
		operation->session = session;
	if (ioctl(session->ctx->fd, TEE_IOC_INVOKE, &data)) {
		res = errno_to_result(errno);
		origin = TEEC_ORIGIN_COMMS;
		ops_out(NULL, params, &tmp);
		goto out;
	}
	res = arg->ret;
	origin = arg->ret_origin;
	ops_out(operation, params, &tmp);
out:
	if (returnOrigin)
		*returnOrigin = origin;
	return res;
}

TEEC_EXPORT void TEEC_RequestCancellation(TEEC_Operation *operation)
{
	struct tee_ioctl_cancel_arg arg = { 0 };

	if (!operation || !operation->session || !operation->session->ctx)
		return;
	arg.session = operation->session->session_id;
	ioctl(operation->session->ctx->fd, TEE_IOC_CANCEL, &arg);
}
