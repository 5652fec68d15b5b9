// SPDX-License-Identifier: MIT
/* Unit tests of the range allocator the protected-memory pools sub-allocate with (src/lib/genalloc.c). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/alloc.h>

#include "internal.h"
#include "lib/genalloc.h"
#include "log-capture.h"
#include "rh-test.h"

#define PAGE 4096ULL
#define BASE 0x80000000ULL

static void test_create_errors(void **state)
{
	struct rh_gen_pool *pool = NULL;

	(void)state;
	assert_neg_errno(rh_gen_pool_create(NULL, 12, BASE, 16 * PAGE, NULL), EINVAL);
	assert_neg_errno(rh_gen_pool_create(NULL, 63, BASE, 16 * PAGE, &pool), EINVAL);
	/* 0 is "no memory": no pool may start there. */
	assert_neg_errno(rh_gen_pool_create(NULL, 12, 0, 16 * PAGE, &pool), EINVAL);
	assert_neg_errno(rh_gen_pool_create(NULL, 12, BASE, 0, &pool), EINVAL);
	assert_neg_errno(rh_gen_pool_create(NULL, 12, BASE + 1, 16 * PAGE, &pool), EINVAL);
	assert_neg_errno(rh_gen_pool_create(NULL, 12, BASE, 16 * PAGE + 1, &pool), EINVAL);
	assert_neg_errno(rh_gen_pool_create(NULL, 12, UINT64_MAX - PAGE + 1, 2 * PAGE, &pool),
			 EINVAL);
	assert_null(pool);
	rh_gen_pool_destroy(NULL);
	assert_int_equal(rh_gen_pool_alloc(NULL, PAGE), 0);
	assert_int_equal(rh_gen_pool_avail(NULL), 0);
	assert_int_equal(rh_gen_pool_size(NULL), 0);
	rh_gen_pool_free(NULL, BASE, PAGE);
}

static void test_first_fit(void **state)
{
	struct rh_gen_pool *pool;
	rh_phys_addr_t a, b, c, d;

	(void)state;
	assert_int_equal(rh_gen_pool_create(NULL, 12, BASE, 16 * PAGE, &pool), 0);
	assert_int_equal(rh_gen_pool_size(pool), 16 * PAGE);
	assert_int_equal(rh_gen_pool_avail(pool), 16 * PAGE);
	assert_int_equal(rh_gen_pool_alloc(pool, 0), 0);
	assert_int_equal(rh_gen_pool_alloc(pool, 17 * PAGE), 0);
	assert_int_equal(rh_gen_pool_alloc(pool, SIZE_MAX), 0);
	/* Sizes round up to the unit; runs are handed out first fit. */
	a = rh_gen_pool_alloc(pool, 1);
	b = rh_gen_pool_alloc(pool, 3 * PAGE);
	c = rh_gen_pool_alloc(pool, PAGE + 1);
	assert_int_equal(a, BASE);
	assert_int_equal(b, BASE + PAGE);
	assert_int_equal(c, BASE + 4 * PAGE);
	assert_int_equal(rh_gen_pool_avail(pool), 10 * PAGE);
	rh_gen_pool_free(pool, b, 3 * PAGE);
	/* Too large for the hole: after the last run. */
	d = rh_gen_pool_alloc(pool, 4 * PAGE);
	assert_int_equal(d, BASE + 6 * PAGE);
	/* Fits the hole. */
	assert_int_equal(rh_gen_pool_alloc(pool, 2 * PAGE), BASE + PAGE);
	assert_int_equal(rh_gen_pool_alloc(pool, 6 * PAGE), BASE + 10 * PAGE);
	assert_int_equal(rh_gen_pool_avail(pool), PAGE);
	assert_int_equal(rh_gen_pool_alloc(pool, 2 * PAGE), 0);
	assert_int_equal(rh_gen_pool_alloc(pool, PAGE), BASE + 3 * PAGE);
	assert_int_equal(rh_gen_pool_avail(pool), 0);
	rh_gen_pool_free(pool, a, 1);
	rh_gen_pool_free(pool, BASE + PAGE, 2 * PAGE);
	rh_gen_pool_free(pool, BASE + 3 * PAGE, PAGE);
	rh_gen_pool_free(pool, c, PAGE + 1);
	rh_gen_pool_free(pool, d, 4 * PAGE);
	rh_gen_pool_free(pool, BASE + 10 * PAGE, 6 * PAGE);
	assert_int_equal(rh_gen_pool_avail(pool), 16 * PAGE);
	rh_gen_pool_destroy(pool);
}

static void test_bad_frees(void **state)
{
	struct log_capture *lc = log_capture_new();
	struct rh_gen_pool *pool;
	rh_phys_addr_t a;

	(void)state;
	assert_int_equal(rh_gen_pool_create(&lc->plat, 12, BASE, 8 * PAGE, &pool), 0);
	a = rh_gen_pool_alloc(pool, 2 * PAGE);
	assert_int_equal(a, BASE);
	/* Outside, unaligned, past the end, never allocated: refused and logged. */
	rh_gen_pool_free(pool, BASE - PAGE, PAGE);
	rh_gen_pool_free(pool, BASE + 1, PAGE);
	rh_gen_pool_free(pool, BASE + 8 * PAGE, PAGE);
	rh_gen_pool_free(pool, BASE + 6 * PAGE, 4 * PAGE);
	rh_gen_pool_free(pool, BASE + PAGE, 2 * PAGE);
	assert_int_equal(lc->nr_lines, 5);
	assert_non_null(strstr(lc->last, "not allocated"));
	assert_int_equal(rh_gen_pool_avail(pool), 6 * PAGE);
	/* Destroyed with memory allocated: a caller bug, logged. */
	rh_gen_pool_destroy(pool);
	assert_int_equal(lc->nr_lines, 6);
	assert_non_null(strstr(lc->last, "still allocated"));
	free(lc);
}

static void test_fail_nth(void **state)
{
	struct rh_gen_pool *pool = NULL;
	unsigned int n;
	int ret;

	(void)state;
	/* Every allocation of create fails cleanly. */
	for (n = 1; n < 10; n++) {
		rh_fail_nth_set(n);
		ret = rh_gen_pool_create(NULL, 12, BASE, 8 * PAGE, &pool);
		if (rh_fail_nth_get()) {
			rh_fail_nth_set(0);
			assert_int_equal(ret, 0);
			break;
		}
		rh_fail_nth_set(0);
		assert_neg_errno(ret, ENOMEM);
	}
	assert_int_equal(n, 3);
	rh_gen_pool_destroy(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_first_fit),
		cmocka_unit_test(test_bad_frees),
		cmocka_unit_test(test_fail_nth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
