// SPDX-License-Identifier: MIT
/* Tests that misuse the TEE mock on purpose: run one by name, they must fail saying why. */
#include "config.h"

#include <fcntl.h>
#include <string.h>

#include <rheap/rheap.h>
#include <rheap/tee-mock.h>

#include "rh-test.h"

static int alloc_cm(struct rh_platform *plat)
{
	struct rh_dma_heap_allocation_data data = { .len = 1u << 20, .fd_flags = O_RDWR };
	int heap = rh_open(plat, RH_DMA_HEAP_DEV_DIR "/" RH_RESTRICTED_MTK_CM_NAME, O_RDWR);

	rh_ioctl(plat, heap, RH_DMA_HEAP_IOCTL_ALLOC, &data);
	rh_close(plat, heap);
	return (int)data.fd;
}

/* Strict mode with a call nobody queued: the ZALLOC is named. */
static void unexpected_call(void **state)
{
	static const struct rh_mock_tee_reply opened = { .session = 0x100 };
	struct rh_platform *plat;

	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	rh_mock_tee_reset();
	assert_int_equal(rh_platform_set_tee_backend(plat, rh_mock_tee_ops(), NULL), 0);
	rh_mock_tee_expect_version(NULL);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &opened);
	alloc_cm(plat);
}

/* A call other than the one queued: both are named. */
static void wrong_call(void **state)
{
	static const struct rh_mock_tee_reply ok = { 0 };
	struct rh_platform *plat;

	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	rh_mock_tee_reset();
	assert_int_equal(rh_platform_set_tee_backend(plat, rh_mock_tee_ops(), NULL), 0);
	rh_mock_tee_expect_version(NULL);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_INVOKE_COMMAND, RH_MTK_TZCMD_SECMEM_FREE, &ok);
	alloc_cm(plat);
}

/* A scripted failure whose call never comes: the test fails at the script's line. */
static void never_called(void **state)
{
	struct rh_platform *plat;

	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	assert_int_equal(rh_mock_tee_install(plat), 0);
	rh_mock_tee_fail_nth(RH_MTK_TZCMD_SECMEM_ZALLOC, 5, RH_TEEC_ERROR_OUT_OF_MEMORY);
	rh_platform_unref(plat);
}

/* .forward with no TEE behind the mock. */
static void forward_without_install(void **state)
{
	static const struct rh_mock_tee_reply fwd = { .forward = true };
	struct rh_platform *plat;

	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	rh_mock_tee_reset();
	assert_int_equal(rh_platform_set_tee_backend(plat, rh_mock_tee_ops(), NULL), 0);
	rh_mock_tee_expect_version(NULL);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &fwd);
	alloc_cm(plat);
}

/* A reply that writes an output the message does not have as an output. */
static void value_not_output(void **state)
{
	static const struct rh_mock_tee_reply bad = { .value[0] = { .set = true, .a = 1 } };
	struct rh_platform *plat;

	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	assert_int_equal(rh_mock_tee_install(plat), 0);
	rh_mock_tee_answer_next(RH_MTK_TZCMD_SECMEM_ZALLOC, &bad);
	alloc_cm(plat);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest all[] = {
		cmocka_unit_test(unexpected_call),
		cmocka_unit_test(wrong_call),
		cmocka_unit_test(never_called),
		cmocka_unit_test(forward_without_install),
		cmocka_unit_test(value_not_output),
	};
	size_t i;

	for (i = 0; argc == 2 && i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i].name, argv[1]))
			return _cmocka_run_group_tests(argv[1], &all[i], 1, NULL, NULL);
	fprintf(stderr, "usage: mock-misuse CASE\n");
	return 2;
}
