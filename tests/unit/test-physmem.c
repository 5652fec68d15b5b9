// SPDX-License-Identifier: MIT
/* Unit tests of emu/hw/physmem.c: two aliasing views of one memfd, bounds, protection. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rheap/alloc.h>

#include "emu.h"
#include "hand-platform.h"
#include "rh-test.h"

#define BASE 0x40000000ULL
#define SIZE (16ULL << 20)

static int setup(void **state)
{
	struct rh_physmem *pm = NULL;

	assert_int_equal(rh_physmem_create(NULL, BASE, SIZE, &pm), 0);
	*state = pm;
	return 0;
}

static int teardown(void **state)
{
	rh_physmem_destroy(*state);
	return 0;
}

static void test_create_geometry(void **state)
{
	struct rh_physmem *pm = *state;

	assert_int_equal(rh_physmem_base(pm), BASE);
	assert_int_equal(rh_physmem_size(pm), SIZE);
}

static void test_create_bad_args(void **state)
{
	struct rh_physmem *sentinel = (struct rh_physmem *)(uintptr_t)0x1234;
	struct rh_physmem *pm = sentinel;
	int fds = rh_test_count_fds();

	assert_neg_errno(rh_physmem_create(NULL, BASE, 0, &pm), EINVAL);
	assert_neg_errno(rh_physmem_create(NULL, BASE + 1, SIZE, &pm), EINVAL);
	assert_neg_errno(rh_physmem_create(NULL, BASE, SIZE + 1, &pm), EINVAL);
	assert_neg_errno(rh_physmem_create(NULL, BASE, RH_PHYSMEM_MAX_SIZE + RH_PAGE_SIZE, &pm),
			 EINVAL);
	/* base + size would wrap past the top of the address space */
	assert_neg_errno(rh_physmem_create(NULL, UINT64_MAX - RH_PAGE_SIZE + 1,
					   2 * RH_PAGE_SIZE, &pm), EINVAL);
	assert_neg_errno(rh_physmem_create(NULL, BASE, SIZE, NULL), EINVAL);
	assert_ptr_equal(pm, sentinel);
	assert_int_equal(rh_test_count_fds(), fds);
	rh_physmem_destroy(NULL);
}

static void test_create_top_of_address_space(void **state)
{
	struct rh_physmem *pm;
	void *p;

	/* The last page of the 64-bit space: nothing may wrap in the checks. */
	assert_int_equal(rh_physmem_create(NULL, UINT64_MAX - RH_PAGE_SIZE + 1 - RH_PAGE_SIZE,
					   RH_PAGE_SIZE, &pm), 0);
	assert_int_equal(rh_physmem_check(pm, rh_physmem_base(pm), RH_PAGE_SIZE), 0);
	assert_neg_errno(rh_physmem_check(pm, rh_physmem_base(pm), RH_PAGE_SIZE + 1), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, UINT64_MAX, 2), ERANGE);
	assert_neg_errno(rh_physmem_secure_ptr(pm, UINT64_MAX - 1, 16, &p), ERANGE);
	rh_physmem_destroy(pm);
}

static void test_views_alias(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char *sec, *nor;

	assert_int_equal(rh_physmem_secure_ptr(pm, BASE + 0x5000, 64, (void **)&sec), 0);
	assert_int_equal(rh_physmem_normal_ptr(pm, BASE + 0x5000, 64, (void **)&nor), 0);
	assert_ptr_not_equal(sec, nor);

	/* Fresh DRAM reads as zero. */
	assert_int_equal(nor[0], 0);
	memcpy(sec, "secure->normal", 15);
	assert_memory_equal(nor, "secure->normal", 15);
	memcpy(nor + 32, "normal->secure", 15);
	assert_memory_equal(sec + 32, "normal->secure", 15);
}

static void test_lazy_population(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char vec[SIZE / RH_PAGE_SIZE];
	unsigned char *nor, *sec;
	size_t i, resident = 0;

	assert_int_equal(rh_physmem_normal_ptr(pm, BASE, SIZE, (void **)&nor), 0);
	assert_int_equal(rh_physmem_secure_ptr(pm, BASE, SIZE, (void **)&sec), 0);
	assert_int_equal(mincore(nor, SIZE, vec), 0);
	for (i = 0; i < RH_ARRAY_SIZE(vec); i++)
		resident += vec[i] & 1;
	assert_int_equal(resident, 0);

	/* One page touched through the secure view is one page of memfd. */
	sec[3 * RH_PAGE_SIZE] = 1;
	assert_int_equal(mincore(nor, SIZE, vec), 0);
	for (i = 0, resident = 0; i < RH_ARRAY_SIZE(vec); i++)
		resident += vec[i] & 1;
	assert_int_equal(resident, 1);
	assert_int_equal(vec[3] & 1, 1);
}

static void test_bounds(void **state)
{
	struct rh_physmem *pm = *state;
	void *sentinel = (void *)(uintptr_t)0x42, *p = sentinel;
	rh_phys_addr_t pa = 0;

	assert_int_equal(rh_physmem_check(pm, BASE, SIZE), 0);
	assert_int_equal(rh_physmem_check(pm, BASE + SIZE - 1, 1), 0);
	assert_neg_errno(rh_physmem_check(pm, BASE, 0), EINVAL);
	assert_neg_errno(rh_physmem_check(pm, BASE - 1, 1), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, BASE - 1, 2), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, BASE + SIZE, 1), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, BASE + SIZE - 1, 2), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, BASE, SIZE + 1), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, 0, 1), ERANGE);
	/* pa + len wraps to a small number inside DRAM if computed naively */
	assert_neg_errno(rh_physmem_check(pm, BASE + 0x1000, UINT64_MAX), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, UINT64_MAX, UINT64_MAX), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, UINT64_MAX - 0xff, 0x200), ERANGE);

	assert_neg_errno(rh_physmem_secure_ptr(pm, BASE + SIZE, 1, &p), ERANGE);
	assert_neg_errno(rh_physmem_normal_ptr(pm, BASE - RH_PAGE_SIZE, 16, &p), ERANGE);
	assert_neg_errno(rh_physmem_normal_ptr(pm, BASE, 0, &p), EINVAL);
	assert_neg_errno(rh_physmem_secure_ptr(pm, BASE + 8, SIZE, &p), ERANGE);
	assert_ptr_equal(p, sentinel);

	assert_int_equal(rh_physmem_normal_ptr(pm, BASE + SIZE - 8, 8, &p), 0);
	assert_int_equal(rh_physmem_normal_to_phys(pm, p, &pa), 0);
	assert_int_equal(pa, BASE + SIZE - 8);
	assert_neg_errno(rh_physmem_normal_to_phys(pm, (char *)p + 8, &pa), ERANGE);
	assert_int_equal(rh_physmem_secure_ptr(pm, BASE, 1, &p), 0);
	/* A secure-view pointer is not a normal-view one. */
	assert_neg_errno(rh_physmem_normal_to_phys(pm, p, &pa), ERANGE);
	assert_int_equal(pa, BASE + SIZE - 8);
}

static void test_protect_unprotect(void **state)
{
	struct rh_physmem *pm = *state;
	rh_phys_addr_t pa = BASE + 0x100000;
	unsigned char *nor, *sec;

	assert_int_equal(rh_physmem_normal_ptr(pm, pa, 0x4000, (void **)&nor), 0);
	assert_int_equal(rh_physmem_secure_ptr(pm, pa, 0x4000, (void **)&sec), 0);
	/* Populate the normal view, then protect: the data must survive DONTNEED. */
	memset(nor, 0xa5, 0x4000);
	assert_int_equal(rh_physmem_protect_normal(pm, pa, 0x4000), 0);
	assert_false(hand_readable(nor, 1));
	assert_false(hand_readable(nor + 0x3fff, 1));
	assert_true(hand_readable(nor - 1, 1));
	assert_true(hand_readable(nor + 0x4000, 1));
	assert_int_equal(sec[0], 0xa5);
	assert_int_equal(sec[0x3fff], 0xa5);
	sec[0x10] = 0x5a;

	assert_int_equal(rh_physmem_unprotect_normal(pm, pa, 0x4000), 0);
	assert_true(hand_readable(nor, 0x40));
	assert_int_equal(nor[0], 0xa5);
	assert_int_equal(nor[0x10], 0x5a);
	nor[0x20] = 1; /* writable again */
	assert_int_equal(sec[0x20], 1);
}

static void test_protect_bad_args(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char *nor;

	assert_neg_errno(rh_physmem_protect_normal(pm, BASE + 1, RH_PAGE_SIZE), EINVAL);
	assert_neg_errno(rh_physmem_protect_normal(pm, BASE, RH_PAGE_SIZE - 1), EINVAL);
	assert_neg_errno(rh_physmem_protect_normal(pm, BASE, 0), EINVAL);
	assert_neg_errno(rh_physmem_protect_normal(pm, BASE + SIZE, RH_PAGE_SIZE), ERANGE);
	assert_neg_errno(rh_physmem_protect_normal(pm, BASE - RH_PAGE_SIZE, 2 * RH_PAGE_SIZE),
			 ERANGE);
	assert_neg_errno(rh_physmem_unprotect_normal(pm, BASE + 0x800, RH_PAGE_SIZE), EINVAL);
	assert_neg_errno(rh_physmem_unprotect_normal(pm, BASE, SIZE + RH_PAGE_SIZE), ERANGE);
	/* Nothing was protected by the failed calls. */
	assert_int_equal(rh_physmem_normal_ptr(pm, BASE, SIZE, (void **)&nor), 0);
	assert_true(hand_readable(nor, 1));
	assert_true(hand_readable(nor + SIZE - 1, 1));
}

static int create_op(void *arg)
{
	return rh_physmem_create(NULL, BASE, SIZE, arg);
}

static void create_undo(void *arg)
{
	struct rh_physmem **pm = arg;

	rh_physmem_destroy(*pm);
	*pm = NULL;
}

static int fd_count_before;

static void create_clean(void *arg)
{
	assert_int_equal(rh_test_count_fds(), fd_count_before);
}

static void test_create_fail_nth(void **state)
{
	struct rh_physmem *pm = NULL;

	fd_count_before = rh_test_count_fds();
	assert_int_equal(rh_test_fail_nth_sweep(create_op, create_undo, create_clean, &pm), 1);
	assert_null(pm);
}

static void test_platform_hooks(void **state)
{
	struct rh_platform_desc desc;
	struct rh_platform *plat = NULL;
	unsigned char *nor, *sec;
	rh_phys_addr_t pa;

	hand_desc_minimal(&desc);
	assert_int_equal(hand_platform_new(&desc, &plat), 0);
	assert_non_null(plat->physmem);
	assert_int_equal(rh_physmem_base(plat->physmem), desc.dram_base);
	assert_int_equal(rh_physmem_size(plat->physmem), desc.dram_size);

	assert_int_equal(rh_phys_normal_ptr(plat, HAND_CMA_BASE, 4, (void **)&nor), 0);
	assert_int_equal(rh_emu_secure_ptr(plat, HAND_CMA_BASE, 4, (void **)&sec), 0);
	sec[0] = 0x77;
	assert_int_equal(nor[0], 0x77);
	assert_int_equal(rh_phys_normal_to_phys(plat, nor, &pa), 0);
	assert_int_equal(pa, HAND_CMA_BASE);

	assert_neg_errno(rh_phys_normal_ptr(NULL, HAND_CMA_BASE, 4, (void **)&nor), EINVAL);
	assert_neg_errno(rh_phys_normal_ptr(plat, HAND_CMA_BASE, 4, NULL), EINVAL);
	assert_neg_errno(rh_emu_secure_ptr(NULL, HAND_CMA_BASE, 4, (void **)&sec), EINVAL);
	assert_neg_errno(rh_emu_secure_ptr(plat, HAND_CMA_BASE, 4, NULL), EINVAL);
	assert_neg_errno(rh_phys_normal_ptr(plat, desc.dram_base + desc.dram_size, 1,
					    (void **)&nor), ERANGE);
	assert_neg_errno(rh_phys_normal_to_phys(NULL, nor, &pa), EINVAL);
	assert_neg_errno(rh_phys_normal_to_phys(plat, sec, &pa), ERANGE);

	rh_physmem_fini(plat);
	assert_null(plat->physmem);
	/* fini is idempotent: the hand platform runs it again */
	hand_platform_free(plat);
}

/* Secure-write tracking: one bit a page, words of 64 pages. */
static void test_written_bits(void **state)
{
	struct rh_physmem *pm = *state;
	const uint64_t pg = RH_PAGE_SIZE;

	/* Nothing is marked at creation. */
	assert_false(rh_physmem_test_written(pm, BASE, SIZE));

	/* One byte marks its whole page, and only it. */
	rh_physmem_mark_written(pm, BASE + 5 * pg + 7, 1);
	assert_true(rh_physmem_test_written(pm, BASE + 5 * pg, pg));
	assert_true(rh_physmem_test_written(pm, BASE, SIZE));
	assert_false(rh_physmem_test_written(pm, BASE + 4 * pg, pg));
	assert_false(rh_physmem_test_written(pm, BASE + 6 * pg, pg));
	assert_false(rh_physmem_test_written(pm, BASE, 5 * pg));

	/* Clearing a range that covers it clears it; the rest is untouched. */
	rh_physmem_mark_written(pm, BASE + 200 * pg, pg);
	rh_physmem_clear_written(pm, BASE + 4 * pg, 3 * pg);
	assert_false(rh_physmem_test_written(pm, BASE, 100 * pg));
	assert_true(rh_physmem_test_written(pm, BASE + 200 * pg, 1));

	/* Ranges across 64-page words: pages 62..129. */
	rh_physmem_clear_written(pm, BASE, SIZE);
	rh_physmem_mark_written(pm, BASE + 62 * pg, 68 * pg);
	assert_false(rh_physmem_test_written(pm, BASE, 62 * pg));
	assert_true(rh_physmem_test_written(pm, BASE + 62 * pg, 1));
	assert_true(rh_physmem_test_written(pm, BASE + 64 * pg, 1));
	assert_true(rh_physmem_test_written(pm, BASE + 128 * pg, 1));
	assert_true(rh_physmem_test_written(pm, BASE + 129 * pg, pg));
	assert_false(rh_physmem_test_written(pm, BASE + 130 * pg, SIZE - 130 * pg));
	/* Clear the middle word only: both ends stay marked. */
	rh_physmem_clear_written(pm, BASE + 64 * pg, 64 * pg);
	assert_false(rh_physmem_test_written(pm, BASE + 64 * pg, 64 * pg));
	assert_true(rh_physmem_test_written(pm, BASE + 63 * pg, 1));
	assert_true(rh_physmem_test_written(pm, BASE + 128 * pg, 1));
	/* The last page of DRAM. */
	rh_physmem_mark_written(pm, BASE + SIZE - 1, 1);
	assert_true(rh_physmem_test_written(pm, BASE + SIZE - pg, pg));
	rh_physmem_clear_written(pm, BASE, SIZE);
	assert_false(rh_physmem_test_written(pm, BASE, SIZE));

	/* Outside DRAM, length 0, NULL: ignored; a test says "written". */
	rh_physmem_mark_written(pm, BASE + SIZE, pg);
	rh_physmem_mark_written(pm, BASE - pg, 2 * pg);
	rh_physmem_mark_written(pm, BASE, 0);
	rh_physmem_mark_written(NULL, BASE, pg);
	rh_physmem_clear_written(NULL, BASE, pg);
	assert_false(rh_physmem_test_written(pm, BASE, SIZE));
	assert_true(rh_physmem_test_written(pm, BASE + SIZE, 1));
	assert_true(rh_physmem_test_written(pm, BASE, 0));
	assert_true(rh_physmem_test_written(NULL, BASE, 1));
}

/* Who marks: secure-view pointers handed out and bus writes; not the raw view. */
static void test_written_marked_by_users(void **state)
{
	struct rh_platform_desc desc;
	struct rh_platform *plat = NULL;
	unsigned char byte = 0x5a;
	void *p;

	hand_desc_minimal(&desc);
	assert_int_equal(hand_platform_new(&desc, &plat), 0);
	assert_false(rh_physmem_test_written(plat->physmem, HAND_CMA_BASE, RH_PAGE_SIZE));

	/* The raw secure view (the TA's own zeroing, the bus) marks nothing. */
	assert_int_equal(rh_physmem_secure_ptr(plat->physmem, HAND_CMA_BASE, 1, &p), 0);
	assert_false(rh_physmem_test_written(plat->physmem, HAND_CMA_BASE, RH_PAGE_SIZE));
	/* A pointer handed out may be written through: marked. */
	assert_int_equal(rh_emu_secure_ptr(plat, HAND_CMA_BASE, 1, &p), 0);
	assert_true(rh_physmem_test_written(plat->physmem, HAND_CMA_BASE, RH_PAGE_SIZE));
	/* A refused request marks nothing. */
	assert_neg_errno(rh_emu_secure_ptr(plat, HAND_DRAM_BASE + HAND_DRAM_SIZE, 1, &p),
			 ERANGE);

	/* A bus write marks the pages it wrote; a bus read does not. */
	rh_physmem_clear_written(plat->physmem, HAND_DRAM_BASE, HAND_DRAM_SIZE);
	assert_int_equal(rh_phys_dma_transfer(plat, 1, "dev", false, HAND_CMA_BASE + RH_PAGE_SIZE,
					      &byte, 1, false), 0);
	assert_false(rh_physmem_test_written(plat->physmem, HAND_DRAM_BASE, HAND_DRAM_SIZE));
	assert_int_equal(rh_phys_dma_transfer(plat, 1, "dev", false, HAND_CMA_BASE + RH_PAGE_SIZE,
					      &byte, 1, true), 0);
	assert_false(rh_physmem_test_written(plat->physmem, HAND_CMA_BASE, RH_PAGE_SIZE));
	assert_true(rh_physmem_test_written(plat->physmem, HAND_CMA_BASE + RH_PAGE_SIZE, 1));
	hand_platform_free(plat);
}

static void test_init_bad_desc(void **state)
{
	struct rh_platform_desc desc;
	struct rh_platform *plat = NULL;

	hand_desc_minimal(&desc);
	desc.dram_size = 0;
	assert_neg_errno(hand_platform_new(&desc, &plat), EINVAL);
	hand_desc_minimal(&desc);
	desc.dram_base = 0x40000800;
	assert_neg_errno(hand_platform_new(&desc, &plat), EINVAL);
	assert_null(plat);
}

static void test_minimal_platform(void **state)
{
	struct rh_platform *plat = NULL;
	unsigned char *nor, *sec;

	assert_int_equal(minimal_platform_new(&plat), 0);
	assert_int_equal(rh_physmem_base(plat->physmem), HAND_DRAM_BASE);
	assert_int_equal(rh_physmem_size(plat->physmem), HAND_DRAM_SIZE);
	assert_int_equal(rh_phys_normal_ptr(plat, HAND_DRAM_BASE + HAND_DRAM_SIZE - 1, 1,
					    (void **)&nor), 0);
	assert_int_equal(rh_emu_secure_ptr(plat, HAND_DRAM_BASE + HAND_DRAM_SIZE - 1, 1,
					   (void **)&sec), 0);
	*sec = 0x3e;
	assert_int_equal(*nor, 0x3e);
	assert_neg_errno(rh_phys_normal_ptr(plat, HAND_DRAM_BASE + HAND_DRAM_SIZE, 1,
					    (void **)&nor), ERANGE);
	assert_neg_errno(rh_phys_normal_ptr(plat, HAND_DRAM_BASE - 1, 1, (void **)&nor), ERANGE);
	rh_platform_unref(plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_geometry, setup, teardown),
		cmocka_unit_test(test_create_bad_args),
		cmocka_unit_test(test_create_top_of_address_space),
		cmocka_unit_test_setup_teardown(test_views_alias, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lazy_population, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect_unprotect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect_bad_args, setup, teardown),
		cmocka_unit_test(test_create_fail_nth),
		cmocka_unit_test(test_platform_hooks),
		cmocka_unit_test_setup_teardown(test_written_bits, setup, teardown),
		cmocka_unit_test(test_written_marked_by_users),
		cmocka_unit_test(test_init_bad_desc),
		cmocka_unit_test(test_minimal_platform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
