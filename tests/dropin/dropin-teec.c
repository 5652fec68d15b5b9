// SPDX-License-Identifier: MIT
/* Drop-in: a GP client built with -lteec: hello_world INC/DEC, shared memory, the refused secure-memory TA. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/tee.h>
#include <tee_client_api.h>

#include "dropin-check.h"

/* optee_examples/hello_world's TA interface (hello_world_ta.h). */
#define TA_HELLO_WORLD_UUID \
	{ 0x8aaaf200, 0x2450, 0x11e4, { 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b } }
#define TA_HELLO_WORLD_CMD_INC_VALUE 0
#define TA_HELLO_WORLD_CMD_DEC_VALUE 1
/* The MediaTek secure-memory TA: kernel sessions only. */
#define TA_SECMEM_UUID \
	{ 0x4477588a, 0x8476, 0x11e2, { 0xad, 0x15, 0xe4, 0x1f, 0x13, 0x90, 0xd6, 0x76 } }

static void check_hello(TEEC_Context *ctx)
{
	TEEC_UUID uuid = TA_HELLO_WORLD_UUID;
	TEEC_SharedMemory shm = { .size = 64, .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	TEEC_SharedMemory reg = { .flags = TEEC_MEM_INPUT };
	TEEC_Session sess;
	TEEC_Operation op;
	uint32_t origin;
	char buf[32] = "registered";
	TEEC_Result res;

	res = TEEC_OpenSession(ctx, &sess, &uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	CHECK(res == TEEC_SUCCESS, "hello_world open: 0x%x origin %u", res, origin);
	if (res)
		return;
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = 42;
	res = TEEC_InvokeCommand(&sess, TA_HELLO_WORLD_CMD_INC_VALUE, &op, &origin);
	CHECK(res == TEEC_SUCCESS && op.params[0].value.a == 43, "INC: 0x%x, %u", res,
	      op.params[0].value.a);
	res = TEEC_InvokeCommand(&sess, TA_HELLO_WORLD_CMD_DEC_VALUE, &op, &origin);
	res |= TEEC_InvokeCommand(&sess, TA_HELLO_WORLD_CMD_DEC_VALUE, &op, &origin);
	CHECK(res == TEEC_SUCCESS && op.params[0].value.a == 41, "DEC twice: %u",
	      op.params[0].value.a);
	res = TEEC_InvokeCommand(&sess, 7, &op, &origin);
	CHECK(res == TEEC_ERROR_BAD_PARAMETERS && origin == TEEC_ORIGIN_TRUSTED_APP,
	      "unknown command: 0x%x origin %u", res, origin);

	/* Shared memory both ways reaches the TA (which wants a value: BAD_PARAMETERS). */
	CHECK(TEEC_AllocateSharedMemory(ctx, &shm) == TEEC_SUCCESS && shm.buffer, "allocate");
	reg.buffer = buf;
	reg.size = sizeof(buf);
	CHECK(TEEC_RegisterSharedMemory(ctx, &reg) == TEEC_SUCCESS, "register");
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE, TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_TEMP_INOUT, TEEC_NONE);
	op.params[0].memref.parent = &shm;
	op.params[1].memref.parent = &reg;
	op.params[1].memref.offset = 4;
	op.params[1].memref.size = 8;
	op.params[2].tmpref.buffer = buf;
	op.params[2].tmpref.size = 16;
	res = TEEC_InvokeCommand(&sess, TA_HELLO_WORLD_CMD_INC_VALUE, &op, &origin);
	CHECK(res == TEEC_ERROR_BAD_PARAMETERS && origin == TEEC_ORIGIN_TRUSTED_APP,
	      "memrefs reach the TA: 0x%x origin %u", res, origin);
	/* A partial reference past its memory never leaves the kernel. */
	op.params[1].memref.size = sizeof(buf);
	res = TEEC_InvokeCommand(&sess, TA_HELLO_WORLD_CMD_INC_VALUE, &op, &origin);
	CHECK(res == TEEC_ERROR_BAD_PARAMETERS && origin == TEEC_ORIGIN_COMMS,
	      "out of bounds: 0x%x origin %u", res, origin);
	TEEC_ReleaseSharedMemory(&shm);
	TEEC_ReleaseSharedMemory(&reg);
	TEEC_CloseSession(&sess);
}

static void check_secmem_refused(TEEC_Context *ctx)
{
	TEEC_UUID uuid = TA_SECMEM_UUID;
	TEEC_Session sess;
	uint32_t origin;
	TEEC_Result res;

	res = TEEC_OpenSession(ctx, &sess, &uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	CHECK(res == TEEC_ERROR_ACCESS_DENIED && origin == TEEC_ORIGIN_TRUSTED_APP,
	      "secure-memory TA must refuse a user program: 0x%x origin %u", res, origin);
	if (res == TEEC_SUCCESS)
		TEEC_CloseSession(&sess);
	/* Nor can a user program log in as the kernel. */
	res = TEEC_OpenSession(ctx, &sess, &uuid, TEE_IOCTL_LOGIN_REE_KERNEL, NULL, NULL, &origin);
	CHECK(res == TEEC_ERROR_ACCESS_DENIED && origin == TEEC_ORIGIN_COMMS,
	      "REE-kernel login: 0x%x origin %u", res, origin);
}

static void check_raw_errors(int fd)
{
	struct tee_ioctl_version_data v;
	struct tee_ioctl_buf_data data;
	char big[TEE_MAX_ARG_SIZE + 64] = { 0 };

	CHECK(ioctl(fd, TEE_IOC_VERSION, &v) == 0 && v.impl_id == TEE_IMPL_ID_OPTEE &&
		      (v.gen_caps & TEE_GEN_CAP_GP), "version");
	data.buf_ptr = (unsigned long)big;
	data.buf_len = sizeof(big);
	CHECK(ioctl(fd, TEE_IOC_INVOKE, &data) == -1 && errno == EINVAL, "buf_len > max");
	CHECK(ioctl(fd, TEE_IOC_VERSION, (void *)8) == -1 && errno == EFAULT, "EFAULT");
	CHECK(ioctl(fd, _IO(TEE_IOC_MAGIC, 0x30)) == -1 && errno == EINVAL, "unknown ioctl");
	CHECK(read(fd, big, 8) == -1 && errno == EINVAL, "read on /dev/tee0");
}

int main(void)
{
	TEEC_Context ctx;

	CHECK(TEEC_InitializeContext(NULL, &ctx) == TEEC_SUCCESS, "InitializeContext");
	check_hello(&ctx);
	check_secmem_refused(&ctx);
	check_raw_errors(ctx.fd);
	TEEC_FinalizeContext(&ctx);
	printf("%d failures\n", failures);
	return failures ? 1 : 0;
}
