// SPDX-License-Identifier: MIT
/* The player's tests: the emulated TEE answers, the mock scripts what must fail. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <rheap/rheap.h>
#include <rheap/tee-mock.h>

#include "player.h"

#define FRAME (1u << 20)

static void test_frames(void **state)
{
	struct rh_platform *plat;
	int fds[4];

	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	assert_int_equal(player_alloc_frames(plat, 4, FRAME, fds), 0);
	player_free_frames(plat, 4, fds);
	rh_platform_unref(plat);
}

/* The TEE runs out of memory at the third frame: the first two go back. */
static void test_third_frame_fails(void **state)
{
	struct rh_platform *plat;
	struct rh_dma_buf_stats st;
	int fds[4];

	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	assert_int_equal(rh_mock_tee_install(plat), 0);
	rh_mock_tee_fail_nth(RH_MTK_TZCMD_SECMEM_ZALLOC, 3, RH_TEEC_ERROR_OUT_OF_MEMORY);
	assert_int_equal(player_alloc_frames(plat, 4, FRAME, fds), -ENOMEM);
	assert_int_equal(rh_dma_buf_get_stats(plat, &st), 0);
	assert_int_equal(st.count, 0);
	assert_non_null(strstr(rh_mock_tee_last_log(), "cmd 0x10000"));
	rh_platform_unref(plat);
}

/* A TEE that answers a physical address outside the region is not believed. */
static void test_bad_answer_refused(void **state)
{
	static const struct rh_mock_tee_reply outside = {
		.origin = RH_TEEC_ORIGIN_TRUSTED_APP,
		.value[2] = { .set = true, .a = 1, .b = 0x1000 }, /* 1 entry, at 0x1000 */
		.value[3] = { .set = true, .a = 0x5ec },          /* its secure handle */
	};
	struct rh_platform *plat;
	int fds[1];

	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	assert_int_equal(rh_mock_tee_install(plat), 0);
	rh_mock_tee_answer_next(RH_MTK_TZCMD_SECMEM_ZALLOC, &outside);
	assert_int_equal(player_alloc_frames(plat, 1, FRAME, fds), -EINVAL);
	rh_platform_unref(plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_third_frame_fails),
		cmocka_unit_test(test_bad_answer_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
