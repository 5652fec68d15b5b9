// SPDX-License-Identifier: MIT
/* Drop-in: xtest 1014's flow, a protected secure-video buffer through the SDP TA, as a user program does it. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <tee_client_api.h>

/*
 * libc, the Linux uapi headers and <tee_client_api.h> only: on a Linux 6.18
 * board with OP-TEE and optee_test's TAs this runs unchanged. Run it with
 * a platform whose secure world allows the SDP TA's DUMP (the tests'
 * variant of optee-protmem): rheap-sim run --platform FILE -- dropin-sdp.
 */

#include "dropin-check.h"

/* optee_test's sdp_basic TA (ta/sdp_basic/include/ta_sdp_basic.h). */
#define TA_SDP_BASIC_UUID \
	{ 0x12345678, 0x5b69, 0x11e4, { 0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99 } }
#define TA_SDP_BASIC_CMD_INJECT 0
#define TA_SDP_BASIC_CMD_TRANSFORM 1
#define TA_SDP_BASIC_CMD_DUMP 2

#define HEAP "/dev/dma_heap/protected,secure-video"
#define BUF_SIZE (512 * 1024)
#define ROUNDS 24

static int heap_alloc(const char *path, uint64_t len)
{
	struct dma_heap_allocation_data d = { .len = len, .fd_flags = O_RDWR | O_CLOEXEC };
	int heap = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (heap < 0)
		return -errno;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) ? -errno : (int)d.fd;
	close(heap);
	return ret;
}

static TEEC_Result call(TEEC_Session *s, uint32_t cmd, TEEC_Operation *op, uint32_t *origin)
{
	return TEEC_InvokeCommand(s, cmd, op, origin);
}

static void set_partial(TEEC_Operation *op, int i, TEEC_SharedMemory *shm, size_t offs,
			size_t size)
{
	op->params[i].memref.parent = shm;
	op->params[i].memref.offset = offs;
	op->params[i].memref.size = size;
}

static TEEC_Result inject(TEEC_Session *s, TEEC_SharedMemory *shm, size_t offs, void *in,
			  size_t len, uint32_t *origin)
{
	TEEC_Operation op;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_PARTIAL_OUTPUT,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref.buffer = in;
	op.params[0].tmpref.size = len;
	set_partial(&op, 1, shm, offs, len);
	return call(s, TA_SDP_BASIC_CMD_INJECT, &op, origin);
}

static TEEC_Result transform(TEEC_Session *s, TEEC_SharedMemory *shm, size_t offs, size_t len,
			     uint32_t *origin)
{
	TEEC_Operation op;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INOUT, TEEC_NONE, TEEC_NONE,
					 TEEC_NONE);
	set_partial(&op, 0, shm, offs, len);
	return call(s, TA_SDP_BASIC_CMD_TRANSFORM, &op, origin);
}

static TEEC_Result dump(TEEC_Session *s, TEEC_SharedMemory *shm, size_t offs, void *out,
			size_t len, uint32_t *origin)
{
	TEEC_Operation op;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_MEMREF_TEMP_OUTPUT,
					 TEEC_NONE, TEEC_NONE);
	set_partial(&op, 0, shm, offs, len);
	op.params[1].tmpref.buffer = out;
	op.params[1].tmpref.size = len;
	return call(s, TA_SDP_BASIC_CMD_DUMP, &op, origin);
}

/* The CPU has no way in: the buffer cannot be mapped, whatever the protection. */
static void check_no_cpu_access(int fd)
{
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	void *p;

	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED && errno == EINVAL, "mmap PROT_READ: %p errno %d", p, errno);
	p = mmap(NULL, 4096, PROT_NONE, MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED && errno == EINVAL, "mmap PROT_NONE: %p errno %d", p, errno);
	/* No CPU-access op: the dma-buf core's answer is success, and nothing to access. */
	CHECK(ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) == 0, "SYNC START: errno %d", errno);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	CHECK(ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) == 0, "SYNC END: errno %d", errno);
}

static void xtest_1014(TEEC_Context *ctx, TEEC_Session *s)
{
	TEEC_SharedMemory shm = { .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	unsigned char *in = malloc(BUF_SIZE), *out = malloc(BUF_SIZE);
	uint32_t origin;
	TEEC_Result res;
	int fd, round;
	size_t i;

	if (!in || !out) {
		CHECK(0, "out of memory");
		goto out;
	}
	fd = heap_alloc(HEAP, BUF_SIZE);
	CHECK(fd >= 0, "allocation from " HEAP ": %d", fd);
	if (fd < 0)
		goto out;
	check_no_cpu_access(fd);
	res = TEEC_RegisterSharedMemoryFileDescriptor(ctx, &shm, fd);
	CHECK(res == TEEC_SUCCESS && shm.size == BUF_SIZE && !shm.buffer,
	      "register fd: 0x%x size %zu", res, shm.size);
	/* The registration holds the buffer: the fd can go. */
	close(fd);
	if (res)
		goto out;

	srand(1014);
	for (round = 0; round < ROUNDS; round++) {
		size_t len = 1 + (size_t)rand() % (BUF_SIZE / 8);
		size_t offs = (size_t)rand() % (BUF_SIZE - len + 1);

		for (i = 0; i < len; i++)
			in[i] = (unsigned char)rand();
		res = inject(s, &shm, offs, in, len, &origin);
		CHECK(res == TEEC_SUCCESS, "round %d inject: 0x%x origin %u", round, res, origin);
		res = transform(s, &shm, offs, len, &origin);
		CHECK(res == TEEC_SUCCESS, "round %d transform: 0x%x origin %u", round, res, origin);
		memset(out, 0, len);
		res = dump(s, &shm, offs, out, len, &origin);
		CHECK(res == TEEC_SUCCESS, "round %d dump: 0x%x origin %u", round, res, origin);
		for (i = 0; i < len && !res; i++)
			if (out[i] != (unsigned char)(~in[i] + 1)) {
				CHECK(0, "round %d byte %zu: 0x%02x", round, i, out[i]);
				break;
			}
	}

	/* Out of the buffer: refused before the TA (by libteec or the kernel). */
	res = inject(s, &shm, BUF_SIZE - 16, in, 32, &origin);
	CHECK(res == TEEC_ERROR_BAD_PARAMETERS && origin != TEEC_ORIGIN_TRUSTED_APP,
	      "inject past the end: 0x%x origin %u", res, origin);
	res = dump(s, &shm, SIZE_MAX - 8, out, 16, &origin);
	CHECK(res == TEEC_ERROR_BAD_PARAMETERS && origin != TEEC_ORIGIN_TRUSTED_APP,
	      "dump at a wrapping offset: 0x%x origin %u", res, origin);
	TEEC_ReleaseSharedMemory(&shm);
out:
	free(in);
	free(out);
}

/* What is not a protected buffer of this TEE is not registered; what is not protected is not used. */
static void check_refusals(TEEC_Context *ctx, TEEC_Session *s)
{
	TEEC_SharedMemory shm = { .flags = TEEC_MEM_INPUT }, normal = { .size = 4096 };
	unsigned char data[64] = { 0 };
	uint32_t origin;
	TEEC_Result res;
	int fd;

	fd = heap_alloc("/dev/dma_heap/system", 4096);
	CHECK(fd >= 0, "system heap: %d", fd);
	res = TEEC_RegisterSharedMemoryFileDescriptor(ctx, &shm, fd);
	CHECK(res == TEEC_ERROR_BAD_PARAMETERS, "a system-heap buffer registered: 0x%x", res);
	close(fd);
	res = TEEC_RegisterSharedMemoryFileDescriptor(ctx, &shm, fd);
	CHECK(res == TEEC_ERROR_BAD_PARAMETERS, "a closed fd registered: 0x%x", res);
	res = TEEC_RegisterSharedMemoryFileDescriptor(ctx, &shm, STDIN_FILENO);
	CHECK(res == TEEC_ERROR_BAD_PARAMETERS, "stdin registered: 0x%x", res);

	/* The TA will not inject into normal memory. */
	normal.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	if (TEEC_AllocateSharedMemory(ctx, &normal) != TEEC_SUCCESS) {
		CHECK(0, "allocate shared memory");
		return;
	}
	res = inject(s, &normal, 0, data, sizeof(data), &origin);
	CHECK(res == TEEC_ERROR_BAD_PARAMETERS && origin == TEEC_ORIGIN_TRUSTED_APP,
	      "inject into normal memory: 0x%x origin %u", res, origin);
	TEEC_ReleaseSharedMemory(&normal);
}

int main(void)
{
	TEEC_UUID uuid = TA_SDP_BASIC_UUID;
	TEEC_Context ctx;
	TEEC_Session s;
	uint32_t origin;
	TEEC_Result res;

	res = TEEC_InitializeContext(NULL, &ctx);
	if (res != TEEC_SUCCESS) {
		fprintf(stderr, "no TEE: 0x%x\n", res);
		return 1;
	}
	res = TEEC_OpenSession(&ctx, &s, &uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	if (res != TEEC_SUCCESS) {
		fprintf(stderr, "sdp_basic: 0x%x origin %u\n", res, origin);
		TEEC_FinalizeContext(&ctx);
		return 1;
	}
	xtest_1014(&ctx, &s);
	check_refusals(&ctx, &s);
	TEEC_CloseSession(&s);
	TEEC_FinalizeContext(&ctx);
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	else
		printf("xtest 1014 flow: ok\n");
	return failures ? 1 : 0;
}
