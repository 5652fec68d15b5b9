// SPDX-License-Identifier: MIT
/* Unit tests of the TEE mock (tests/common/mock-tee.c): scripted answers, pass-through, strict order. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <rheap/rheap.h>
#include <rheap/secure-stats.h>
#include <rheap/tee-backend.h>
#include <rheap/tee-mock.h>

#include "rh-test.h"

#define MIB (1u << 20)

static struct rh_platform *plat_new(void)
{
	struct rh_platform *plat;

	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	return plat;
}

/* One allocation of @len from @heap_name; the fd (closed by the caller) or -errno. */
static int alloc_from(struct rh_platform *plat, const char *heap_name, uint64_t len)
{
	struct rh_dma_heap_allocation_data data = { .len = len, .fd_flags = O_RDWR };
	char path[96];
	int heap, ret;

	snprintf(path, sizeof(path), RH_DMA_HEAP_DEV_DIR "/%s", heap_name);
	heap = rh_open(plat, path, O_RDWR);
	assert_true(heap >= 0);
	ret = rh_ioctl(plat, heap, RH_DMA_HEAP_IOCTL_ALLOC, &data);
	rh_close(plat, heap);
	return ret ? ret : (int)data.fd;
}

static uint64_t live_bufs(struct rh_platform *plat)
{
	struct rh_dma_buf_stats st;

	assert_int_equal(rh_dma_buf_get_stats(plat, &st), 0);
	return st.count;
}

/* Installed, nothing scripted: the emulated TEE answers everything. */
static void test_pass_through(void **state)
{
	struct rh_platform *plat = plat_new();
	int fd;

	assert_int_equal(rh_mock_tee_install(plat), 0);
	fd = alloc_from(plat, RH_RESTRICTED_MTK_CMA_NAME, MIB);
	assert_true(fd >= 0);
	assert_int_equal(rh_close(plat, fd), 0);
	assert_int_equal(rh_mock_tee_log_count(), 0);
	assert_string_equal(rh_mock_tee_last_log(), "");
	rh_platform_unref(plat);
}

/* The nth matching call fails; others of the same command and other commands pass. */
static void test_fail_nth(void **state)
{
	struct rh_platform *plat = plat_new();
	struct rh_secmem_stats ss;
	int fd1, fd2;

	assert_int_equal(rh_mock_tee_install(plat), 0);
	rh_mock_tee_fail_nth(RH_MTK_TZCMD_SECMEM_ZALLOC, 2, RH_TEEC_ERROR_OUT_OF_MEMORY);
	fd1 = alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB);
	assert_true(fd1 >= 0);
	assert_int_equal(alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB), -ENOMEM);
	/* used once: the third goes through again */
	fd2 = alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB);
	assert_true(fd2 >= 0);
	/* the failed one never reached the TA */
	assert_int_equal(rh_secmem_get_stats(plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &ss), 0);
	assert_int_equal(ss.zallocs, 2);
	/* the heap's error line is expected: kept, not printed */
	assert_true(rh_mock_tee_log_count() >= 1);
	assert_non_null(strstr(rh_mock_tee_last_log(), "cmd 0x10000"));
	rh_close(plat, fd1);
	rh_close(plat, fd2);
	assert_int_equal(live_bufs(plat), 0);
	rh_platform_unref(plat);
}

/* Two scripted answers of one command count independently, from when each was scripted. */
static void test_fail_nth_counts(void **state)
{
	struct rh_platform *plat = plat_new();
	int fds[4], i;

	assert_int_equal(rh_mock_tee_install(plat), 0);
	rh_mock_tee_fail_nth(RH_MTK_TZCMD_SECMEM_ZALLOC, 3, RH_TEEC_ERROR_OUT_OF_MEMORY);
	rh_mock_tee_fail_nth(RH_MTK_TZCMD_SECMEM_ZALLOC, 1, RH_TEEC_ERROR_BUSY);
	assert_int_equal(alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB), -ENOMEM);
	fds[0] = alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB);
	assert_true(fds[0] >= 0);
	assert_int_equal(alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB), -ENOMEM);
	for (i = 1; i < 4; i++) {
		fds[i] = alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB);
		assert_true(fds[i] >= 0);
	}
	for (i = 0; i < 4; i++)
		rh_close(plat, fds[i]);
	rh_platform_unref(plat);
}

/* "The next ZALLOC answers X": output values written into the message. */
static void test_answer_next_values(void **state)
{
	/* one entry at 0x1000: outside the chunk, which the heap must not believe */
	static const struct rh_mock_tee_reply outside = {
		.origin = RH_TEEC_ORIGIN_TRUSTED_APP,
		.value[2] = { .set = true, .a = 1, .b = 0x1000 },
		.value[3] = { .set = true, .a = 0x5ec },
	};
	struct rh_platform *plat = plat_new();
	struct rh_restricted_mtk_stats ms;

	assert_int_equal(rh_mock_tee_install(plat), 0);
	rh_mock_tee_answer_next(RH_MTK_TZCMD_SECMEM_ZALLOC, &outside);
	assert_int_equal(alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB), -EINVAL);
	assert_int_equal(rh_restricted_mtk_get_stats(plat, RH_RESTRICTED_MTK_CM_NAME, &ms), 0);
	assert_int_equal(ms.invalid_layouts, 1);
	assert_int_equal(live_bufs(plat), 0);
	rh_platform_unref(plat);
}

/* A transport failure, and a reply the TEE did the work for (a lost answer). */
static void test_transport_and_forward(void **state)
{
	static const struct rh_mock_tee_reply lost = { .rc = -EIO, .forward = true };
	static const struct rh_mock_tee_reply cut = { .rc = -EIO };
	struct rh_platform *plat = plat_new();
	struct rh_secmem_stats ss;

	assert_int_equal(rh_mock_tee_install(plat), 0);
	rh_mock_tee_answer_next(RH_MTK_TZCMD_SECMEM_ZALLOC, &cut);
	assert_int_equal(alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB), -ENOMEM);
	assert_int_equal(rh_secmem_get_stats(plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &ss), 0);
	assert_int_equal(ss.zallocs, 0);
	/*
	 * forwarded: the TA allocated, the heap never heard of it; idle, the
	 * heap recycles its session in doubt and the TA releases the buffer
	 */
	rh_mock_tee_answer_next(RH_MTK_TZCMD_SECMEM_ZALLOC, &lost);
	assert_int_equal(alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB), -ENOMEM);
	assert_int_equal(rh_secmem_get_stats(plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &ss), 0);
	assert_int_equal(ss.zallocs, 1);
	assert_int_equal(ss.live_buffers, 0);
	assert_int_equal(ss.frees, 1);
	rh_platform_unref(plat);
}

/* Message commands too: the heap's OPEN_SESSION refused, then the next one works. */
static void test_answer_open_session(void **state)
{
	static const struct rh_mock_tee_reply busy = {
		.ret = RH_TEEC_ERROR_BUSY,
		.origin = RH_TEEC_ORIGIN_TEE,
	};
	struct rh_platform *plat = plat_new();
	int fd;

	assert_int_equal(rh_mock_tee_install(plat), 0);
	rh_mock_tee_answer_nth(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, 1, &busy);
	assert_true(alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB) < 0);
	fd = alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB);
	assert_true(fd >= 0);
	rh_close(plat, fd);
	rh_platform_unref(plat);
}

static void check_zalloc(struct rh_optee_msg_arg *msg, size_t size, void *data)
{
	unsigned int *calls = data;

	(*calls)++;
	assert_int_equal(msg->num_params, RH_MTK_TEE_PARAM_NUM);
	assert_int_equal(msg->params[0].u.value.a, MIB);
	assert_int_equal(msg->params[1].u.value.a, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ);
}

/*
 * Strict order, no TEE behind the mock: the sequence a heap's first buffer
 * makes, as the header documents it.
 */
static void test_strict_sequence(void **state)
{
	const struct rh_reserved_region *chunk;
	struct rh_platform *plat = plat_new();
	unsigned int calls = 0;
	const struct rh_mock_tee_reply opened = {
		.origin = RH_TEEC_ORIGIN_TRUSTED_APP, .session = 0x42 };
	const struct rh_mock_tee_reply ok = { .origin = RH_TEEC_ORIGIN_TRUSTED_APP };
	struct rh_mock_tee_reply zalloc = {
		.origin = RH_TEEC_ORIGIN_TRUSTED_APP,
		.fill = check_zalloc,
		.data = &calls,
		.value[3] = { .set = true, .a = 0x77 },
	};
	int fd;

	chunk = rh_phys_reserved_find_compatible(plat, RH_MTK_SECURE_CHUNK_COMPATIBLE);
	assert_non_null(chunk);
	zalloc.value[2] = (struct rh_mock_tee_value){ .set = true, .a = 1, .b = chunk->base };
	rh_mock_tee_reset();
	assert_int_equal(rh_platform_set_tee_backend(plat, rh_mock_tee_ops(), NULL), 0);
	rh_mock_tee_expect_version(NULL);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &opened);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_INVOKE_COMMAND, RH_MTK_TZCMD_SECMEM_ZALLOC, &zalloc);
	fd = alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB);
	assert_true(fd >= 0);
	assert_int_equal(calls, 1);
	/* the FREE at close; its p1.a 0 is the TA's "done" */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_INVOKE_COMMAND, RH_MTK_TZCMD_SECMEM_FREE, &ok);
	assert_int_equal(rh_close(plat, fd), 0);
	/* the heap's session, closed with the platform */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_CLOSE_SESSION, 0, &ok);
	rh_platform_unref(plat);
}

/* Installing twice keeps the TEE behind; NULL and a busy platform are refused. */
static void test_install_errors(void **state)
{
	struct rh_platform *plat = plat_new();
	struct rh_tee_context *ctx;
	const struct rh_tee_ops *ops;
	void *priv;
	int fd;

	assert_neg_errno(rh_mock_tee_install(NULL), EINVAL);
	assert_int_equal(rh_mock_tee_install(plat), 0);
	assert_int_equal(rh_mock_tee_install(plat), 0);
	assert_int_equal(rh_platform_get_tee_backend(plat, &ops, &priv), 0);
	assert_ptr_equal(ops, rh_mock_tee_ops());
	fd = alloc_from(plat, RH_RESTRICTED_MTK_CM_NAME, MIB);
	assert_true(fd >= 0);
	rh_close(plat, fd);
	/* the heap holds a context now */
	assert_neg_errno(rh_mock_tee_install(plat), EBUSY);
	ctx = rh_tee_client_open_context(plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR(ctx));
	rh_tee_client_close_context(ctx);
	rh_platform_unref(plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_through),
		cmocka_unit_test(test_fail_nth),
		cmocka_unit_test(test_fail_nth_counts),
		cmocka_unit_test(test_answer_next_values),
		cmocka_unit_test(test_transport_and_forward),
		cmocka_unit_test(test_answer_open_session),
		cmocka_unit_test(test_strict_sequence),
		cmocka_unit_test(test_install_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
