// SPDX-License-Identifier: MIT
/* Unit tests of the SDP test TA (emu/ta/ta-sdp.c) and of DECRYPT into a registered protected buffer (ta-svp). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/dma-heap.h>
#include <rheap/platform.h>
#include <rheap/svp.h>
#include <rheap/tee-heap.h>
#include <rheap/tee-protmem.h>
#include <rheap/tee-secmem.h>
#include <rheap/teec.h>
#include <rheap/uapi.h>

#include "protmem-client.h"
#include "rh-test.h"

#define KB 1024u
#define MB (1024u * 1024u)
#define BUF_SIZE (256 * KB)

/* RH_TA_SDP_UUID, RH_TA_SVP_UUID */
static const TEEC_UUID sdp_uuid = { 0x12345678, 0x5b69, 0x11e4,
				    { 0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99 } };
static const TEEC_UUID svp_uuid = { 0x5cf4a2b8, 0x1d3e, 0x4f60,
				    { 0x8a, 0x7b, 0x9c, 0x0d, 0x1e, 0x2f, 0x3a, 0x4b } };

struct fixture {
	struct rh_platform *plat;
	TEEC_Context ctx;
	TEEC_Session sdp;
	/* a registered buffer of each protected heap */
	int video_fd;
	TEEC_SharedMemory video, record, ui;
	TEEC_SharedMemory normal;
};

static int alloc_fd(struct rh_platform *plat, const char *name, size_t size)
{
	struct rh_dma_heap *heap = rh_dma_heap_find(plat, name);
	int fd;

	assert_non_null(heap);
	fd = rh_dma_heap_buffer_alloc(heap, size, O_RDWR | O_CLOEXEC, 0);
	rh_dma_heap_put(heap);
	assert_true(fd >= 0);
	return fd;
}

/* A buffer of @heap registered with the TEE; its fd closed unless @ret_fd. */
static void register_buf(struct fixture *f, const char *heap, TEEC_SharedMemory *shm,
			 int *ret_fd)
{
	int fd = alloc_fd(f->plat, heap, BUF_SIZE);

	shm->flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	assert_int_equal(TEEC_RegisterSharedMemoryFileDescriptor(&f->ctx, shm, fd), TEEC_SUCCESS);
	if (ret_fd)
		*ret_fd = fd;
	else
		assert_int_equal(rh_close(f->plat, fd), 0);
}

static int setup_board(void **state, const void *dtb, size_t size)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint32_t origin;

	assert_non_null(f);
	pmc_platform(dtb, size, &f->plat);
	/* A user program's client, as xtest is. */
	assert_int_equal(rh_TEEC_InitializeContext(f->plat, NULL, &f->ctx), TEEC_SUCCESS);
	assert_int_equal(TEEC_OpenSession(&f->ctx, &f->sdp, &sdp_uuid, TEEC_LOGIN_PUBLIC, NULL,
					  NULL, &origin), TEEC_SUCCESS);
	register_buf(f, RH_TEE_HEAP_SECURE_VIDEO_NAME, &f->video, &f->video_fd);
	register_buf(f, RH_TEE_HEAP_SECURE_VIDEO_RECORD_NAME, &f->record, NULL);
	register_buf(f, RH_TEE_HEAP_TRUSTED_UI_NAME, &f->ui, NULL);
	f->normal.size = BUF_SIZE;
	f->normal.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	assert_int_equal(TEEC_AllocateSharedMemory(&f->ctx, &f->normal), TEEC_SUCCESS);
	*state = f;
	return 0;
}

static int setup_test_board(void **state)
{
	return setup_board(state, rh_test_dtb_protmem_dump_allowed,
			   rh_test_dtb_protmem_dump_allowed_size);
}

static int setup_production(void **state)
{
	return setup_board(state, rh_test_dtb_platform_optee_protmem,
			   rh_test_dtb_platform_optee_protmem_size);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_heap_stats st;

	TEEC_ReleaseSharedMemory(&f->normal);
	TEEC_ReleaseSharedMemory(&f->video);
	TEEC_ReleaseSharedMemory(&f->record);
	TEEC_ReleaseSharedMemory(&f->ui);
	assert_int_equal(rh_close(f->plat, f->video_fd), 0);
	TEEC_CloseSession(&f->sdp);
	TEEC_FinalizeContext(&f->ctx);
	/* Nothing of the tests is left: every chunk was reclaimed. */
	assert_int_equal(rh_tee_heap_get_stats(f->plat, RH_TEE_HEAP_SECURE_VIDEO_NAME, &st), 0);
	assert_false(st.lent);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

/* One SDP command: p0 and p1 as given; the result, *@origin the origin. */
static TEEC_Result sdp(struct fixture *f, uint32_t cmd, TEEC_Operation *op, uint32_t *origin)
{
	return TEEC_InvokeCommand(&f->sdp, cmd, op, origin);
}

static void partial(TEEC_Operation *op, unsigned int i, TEEC_SharedMemory *shm, size_t offs,
		    size_t size)
{
	op->params[i].memref.parent = shm;
	op->params[i].memref.offset = offs;
	op->params[i].memref.size = size;
}

static TEEC_Result inject(struct fixture *f, void *data, size_t len, TEEC_SharedMemory *dst,
			  size_t offs, size_t size, TEEC_Operation *op)
{
	uint32_t origin;

	memset(op, 0, sizeof(*op));
	op->paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_PARTIAL_OUTPUT,
					  TEEC_NONE, TEEC_NONE);
	op->params[0].tmpref.buffer = data;
	op->params[0].tmpref.size = len;
	partial(op, 1, dst, offs, size);
	return sdp(f, RH_SDP_CMD_INJECT, op, &origin);
}

static TEEC_Result transform(struct fixture *f, TEEC_SharedMemory *shm, size_t offs, size_t size)
{
	TEEC_Operation op;
	uint32_t origin;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INOUT, TEEC_NONE, TEEC_NONE,
					 TEEC_NONE);
	partial(&op, 0, shm, offs, size);
	return sdp(f, RH_SDP_CMD_TRANSFORM, &op, &origin);
}

static TEEC_Result dump(struct fixture *f, TEEC_SharedMemory *src, size_t offs, size_t size,
			void *out, size_t out_len, TEEC_Operation *op, uint32_t *origin)
{
	memset(op, 0, sizeof(*op));
	op->paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_MEMREF_TEMP_OUTPUT,
					  TEEC_NONE, TEEC_NONE);
	partial(op, 0, src, offs, size);
	op->params[1].tmpref.buffer = out;
	op->params[1].tmpref.size = out_len;
	return sdp(f, RH_SDP_CMD_DUMP, op, origin);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ------------------------------------------------------------ the xtest 1014 round */

static void test_inject_transform_dump(void **state)
{
	struct fixture *f = *state;
	unsigned char *in = malloc(BUF_SIZE), *out = malloc(BUF_SIZE);
	uint64_t seed = 0x5d9;
	TEEC_Operation op;
	uint32_t origin;
	unsigned int round;
	size_t i;

	assert_non_null(in);
	assert_non_null(out);
	/* As xtest 1014: random sizes at random offsets, each byte checked. */
	for (round = 0; round < 16; round++) {
		size_t len = 1 + rnd(&seed) % (BUF_SIZE / 4);
		size_t offs = rnd(&seed) % (BUF_SIZE - len + 1);

		for (i = 0; i < len; i++)
			in[i] = (unsigned char)rnd(&seed);
		assert_int_equal(inject(f, in, len, &f->video, offs, len, &op), TEEC_SUCCESS);
		assert_int_equal(op.params[1].memref.size, len);
		assert_int_equal(transform(f, &f->video, offs, len), TEEC_SUCCESS);
		memset(out, 0, len);
		assert_int_equal(dump(f, &f->video, offs, len, out, len, &op, &origin),
				 TEEC_SUCCESS);
		assert_int_equal(op.params[1].tmpref.size, len);
		for (i = 0; i < len; i++)
			if (out[i] != (unsigned char)(~in[i] + 1))
				fail_msg("round %u byte %zu: 0x%02x, want 0x%02x", round, i, out[i],
					 (unsigned char)(~in[i] + 1));
	}
	free(in);
	free(out);
}

static void test_short_buffers(void **state)
{
	struct fixture *f = *state;
	unsigned char data[8 * KB], out[4 * KB];
	TEEC_Operation op;
	uint32_t origin;

	memset(data, 0x3c, sizeof(data));
	assert_int_equal(inject(f, data, sizeof(data), &f->video, 0, 4 * KB, &op),
			 TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(op.params[1].memref.size, sizeof(data));
	assert_int_equal(inject(f, data, sizeof(data), &f->video, 0, sizeof(data), &op),
			 TEEC_SUCCESS);
	assert_int_equal(dump(f, &f->video, 0, sizeof(data), out, sizeof(out), &op, &origin),
			 TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(op.params[1].tmpref.size, sizeof(data));
	/* Empty works both ways. */
	assert_int_equal(inject(f, data, 0, &f->video, 0, 0, &op), TEEC_SUCCESS);
	/* A partial reference past the buffer never leaves the client. */
	assert_int_equal(inject(f, data, 16, &f->video, BUF_SIZE - 8, 16, &op),
			 TEEC_ERROR_BAD_PARAMETERS);
}

/* ------------------------------------------------------------ what each memref must be */

static void test_memrefs_checked(void **state)
{
	struct fixture *f = *state;
	unsigned char data[64] = { 1 }, out[64];
	TEEC_Operation op;
	uint32_t origin;

	/* INJECT's target: secure-video protected memory, nothing else. */
	assert_int_equal(inject(f, data, sizeof(data), &f->normal, 0, 64, &op),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(inject(f, data, sizeof(data), &f->record, 0, 64, &op),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(inject(f, data, sizeof(data), &f->ui, 0, 64, &op),
			 TEEC_ERROR_BAD_PARAMETERS);
	/* Its data: normal memory (protected content never moves through it). */
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_MEMREF_PARTIAL_OUTPUT,
					 TEEC_NONE, TEEC_NONE);
	partial(&op, 0, &f->record, 0, 64);
	partial(&op, 1, &f->video, 0, 64);
	assert_int_equal(sdp(f, RH_SDP_CMD_INJECT, &op, &origin), TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);
	/* TRANSFORM works on secure-video protected memory only. */
	assert_int_equal(transform(f, &f->normal, 0, 64), TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(transform(f, &f->record, 0, 64), TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(transform(f, &f->ui, 0, 64), TEEC_ERROR_BAD_PARAMETERS);
	/* DUMP: from secure-video protected memory into normal memory only. */
	assert_int_equal(dump(f, &f->normal, 0, 64, out, sizeof(out), &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(dump(f, &f->record, 0, 64, out, sizeof(out), &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_MEMREF_PARTIAL_OUTPUT,
					 TEEC_NONE, TEEC_NONE);
	partial(&op, 0, &f->video, 0, 64);
	partial(&op, 1, &f->record, 0, 64);
	assert_int_equal(sdp(f, RH_SDP_CMD_DUMP, &op, &origin), TEEC_ERROR_BAD_PARAMETERS);

	/* Exact parameter types, known commands. */
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INOUT, TEEC_VALUE_INPUT, TEEC_NONE,
					 TEEC_NONE);
	partial(&op, 0, &f->video, 0, 64);
	assert_int_equal(sdp(f, RH_SDP_CMD_TRANSFORM, &op, &origin), TEEC_ERROR_BAD_PARAMETERS);
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INOUT, TEEC_NONE, TEEC_NONE,
					 TEEC_NONE);
	assert_int_equal(sdp(f, RH_SDP_CMD_INJECT, &op, &origin), TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(sdp(f, RH_SDP_CMD_DUMP, &op, &origin), TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(sdp(f, 3, &op, &origin), TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(sdp(f, 0xffffffffu, &op, &origin), TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);
	/* Still working after all that. */
	assert_int_equal(transform(f, &f->video, 0, 64), TEEC_SUCCESS);
}

static void test_dump_refused_in_production(void **state)
{
	struct fixture *f = *state;
	unsigned char data[64], out[64];
	TEEC_Operation op;
	uint32_t origin;

	memset(data, 0xa5, sizeof(data));
	memset(out, 0, sizeof(out));
	assert_int_equal(inject(f, data, sizeof(data), &f->video, 0, 64, &op), TEEC_SUCCESS);
	assert_int_equal(transform(f, &f->video, 0, 64), TEEC_SUCCESS);
	assert_int_equal(dump(f, &f->video, 0, 64, out, sizeof(out), &op, &origin),
			 TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);
	/* Nothing came out. */
	assert_int_equal(out[0], 0);
	assert_int_equal(out[63], 0);
}

/* ------------------------------------------------------------ DECRYPT into protected memory */

static TEEC_Result decrypt(struct fixture *f, TEEC_Session *svp, const void *cipher, size_t len,
			   const uint8_t iv[RH_SVP_IV_LEN], TEEC_SharedMemory *dst, size_t offs,
			   size_t size, TEEC_Operation *op)
{
	uint32_t origin;

	memset(op, 0, sizeof(*op));
	op->paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_PARTIAL_OUTPUT,
					  TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_OUTPUT);
	op->params[0].tmpref.buffer = (void *)cipher;
	op->params[0].tmpref.size = len;
	partial(op, 1, dst, offs, size);
	op->params[2].tmpref.buffer = (void *)iv;
	op->params[2].tmpref.size = RH_SVP_IV_LEN;
	return TEEC_InvokeCommand(svp, RH_SVP_CMD_DECRYPT, op, &origin);
}

static void test_decrypt_into_registered_buffer(void **state)
{
	struct fixture *f = *state;
	unsigned char plain[3000], cipher[3000], out[3000];
	uint8_t iv[RH_SVP_IV_LEN];
	TEEC_Session svp;
	TEEC_Operation op;
	uint32_t origin;
	size_t i;

	for (i = 0; i < sizeof(plain); i++)
		plain[i] = (unsigned char)(i * 7 + 3);
	assert_int_equal(rh_svp_package_sample(f->plat, plain, sizeof(plain), iv, cipher), 0);
	/* A user program: the registration is its proof of holding the buffer. */
	assert_int_equal(TEEC_OpenSession(&f->ctx, &svp, &svp_uuid, TEEC_LOGIN_PUBLIC, NULL, NULL,
					  &origin), TEEC_SUCCESS);
	assert_int_equal(decrypt(f, &svp, cipher, sizeof(cipher), iv, &f->video, 4096, 8192, &op),
			 TEEC_SUCCESS);
	assert_int_equal(op.params[3].value.a, sizeof(plain));
	assert_int_equal(op.params[1].memref.size, sizeof(plain));
	/* The clear sample is in the protected buffer (dumped on this test board). */
	assert_int_equal(dump(f, &f->video, 4096, sizeof(out), out, sizeof(out), &op, &origin),
			 TEEC_SUCCESS);
	assert_memory_equal(out, plain, sizeof(plain));

	/* Only into secure-video protected memory. */
	assert_int_equal(decrypt(f, &svp, cipher, sizeof(cipher), iv, &f->normal, 0, 4096, &op),
			 TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(decrypt(f, &svp, cipher, sizeof(cipher), iv, &f->record, 0, 4096, &op),
			 TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(decrypt(f, &svp, cipher, sizeof(cipher), iv, &f->ui, 0, 4096, &op),
			 TEEC_ERROR_ACCESS_DENIED);
	/* The sample must fit; the IV must be one block; the ciphertext normal memory. */
	assert_int_equal(decrypt(f, &svp, cipher, sizeof(cipher), iv, &f->video, 0, 2048, &op),
			 TEEC_ERROR_BAD_PARAMETERS);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_MEMREF_PARTIAL_OUTPUT,
					 TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_OUTPUT);
	partial(&op, 0, &f->record, 0, 64);
	partial(&op, 1, &f->video, 0, 64);
	op.params[2].tmpref.buffer = iv;
	op.params[2].tmpref.size = RH_SVP_IV_LEN;
	assert_int_equal(TEEC_InvokeCommand(&svp, RH_SVP_CMD_DECRYPT, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	op.params[2].tmpref.size = 8;
	partial(&op, 0, &f->normal, 0, 64);
	assert_int_equal(TEEC_InvokeCommand(&svp, RH_SVP_CMD_DECRYPT, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	TEEC_CloseSession(&svp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inject_transform_dump, setup_test_board,
						teardown),
		cmocka_unit_test_setup_teardown(test_short_buffers, setup_test_board, teardown),
		cmocka_unit_test_setup_teardown(test_memrefs_checked, setup_test_board, teardown),
		cmocka_unit_test_setup_teardown(test_dump_refused_in_production, setup_production,
						teardown),
		cmocka_unit_test_setup_teardown(test_decrypt_into_registered_buffer,
						setup_test_board, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
