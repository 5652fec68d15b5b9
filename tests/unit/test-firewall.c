// SPDX-License-Identifier: MIT
/* Unit tests of emu/hw/firewall.c: region programming, limits, policies, violation log. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <rheap/alloc.h>
#include <rheap/firewall.h>
#include <rheap/phys.h>

#include "emu.h"
#include "hand-platform.h"
#include "rh-test.h"

#define BASE 0x40000000ULL
#define SIZE (64ULL << 20)
#define NR_REGIONS 4
#define MB (1ULL << 20)

struct fixture {
	struct rh_physmem *pm;
	struct rh_firewall *fw;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(rh_physmem_create(NULL, BASE, SIZE, &f->pm), 0);
	assert_int_equal(rh_firewall_create(NULL, f->pm, NR_REGIONS, 0x1000, &f->fw), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rh_firewall_destroy(f->fw);
	rh_physmem_destroy(f->pm);
	free(f);
	return 0;
}

static struct rh_platform_stats stats_of(struct rh_firewall *fw)
{
	struct rh_platform_stats st;

	memset(&st, 0, sizeof(st));
	rh_firewall_fill_stats(fw, &st);
	return st;
}

static bool normal_readable(struct fixture *f, rh_phys_addr_t pa)
{
	void *p;

	assert_int_equal(rh_physmem_normal_ptr(f->pm, pa, 1, &p), 0);
	return hand_readable(p, 1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_create_bad_args(void **state)
{
	struct rh_firewall *sentinel = (struct rh_firewall *)(uintptr_t)0x99;
	struct rh_firewall *fw = sentinel;
	struct rh_physmem *pm;

	assert_int_equal(rh_physmem_create(NULL, BASE, SIZE, &pm), 0);
	assert_neg_errno(rh_firewall_create(NULL, NULL, 4, 0x1000, &fw), EINVAL);
	assert_neg_errno(rh_firewall_create(NULL, pm, 4, 0x1000, NULL), EINVAL);
	assert_neg_errno(rh_firewall_create(NULL, pm, RH_FW_MAX_REGIONS + 1, 0x1000, &fw),
			 EINVAL);
	assert_neg_errno(rh_firewall_create(NULL, pm, 4, 0, &fw), EINVAL);
	assert_neg_errno(rh_firewall_create(NULL, pm, 4, 0x3000, &fw), EINVAL);
	assert_ptr_equal(fw, sentinel);

	/* Sub-page granularity is rounded up to the page the MMU can protect. */
	assert_int_equal(rh_firewall_create(NULL, pm, RH_FW_MAX_REGIONS, 0x100, &fw), 0);
	assert_int_equal(rh_firewall_nr_regions(fw), RH_FW_MAX_REGIONS);
	assert_int_equal(rh_firewall_granularity(fw), RH_PAGE_SIZE);
	rh_firewall_destroy(fw);
	assert_int_equal(rh_firewall_create(NULL, pm, 8, 0x10000, &fw), 0);
	assert_int_equal(rh_firewall_granularity(fw), 0x10000);
	assert_neg_errno(rh_firewall_program(fw, BASE + 0x1000, 0x10000, 0, NULL), EINVAL);
	assert_neg_errno(rh_firewall_program(fw, BASE, 0x1000, 0, NULL), EINVAL);
	assert_int_equal(rh_firewall_program(fw, BASE + 0x10000, 0x20000, 0, NULL), 0);
	rh_firewall_destroy(fw);
	rh_firewall_destroy(NULL);
	rh_physmem_destroy(pm);
}

static void test_program_and_query(void **state)
{
	struct fixture *f = *state;
	struct rh_platform_stats st;
	struct rh_fw_region r;
	unsigned int idx = 99;

	st = stats_of(f->fw);
	assert_int_equal(st.firewall_regions, NR_REGIONS);
	assert_int_equal(st.firewall_regions_in_use, 0);
	assert_int_equal(st.firewall_programs, 0);

	assert_int_equal(rh_firewall_program(f->fw, BASE + 8 * MB, 2 * MB,
					     RH_FW_MASTER(1) | RH_FW_MASTER(2), &idx), 0);
	assert_int_equal(idx, 0);
	assert_int_equal(rh_firewall_get_region(f->fw, 0, &r), 0);
	assert_int_equal(r.index, 0);
	assert_true(r.in_use);
	assert_int_equal(r.base, BASE + 8 * MB);
	assert_int_equal(r.size, 2 * MB);
	assert_int_equal(r.masters, RH_FW_MASTER(1) | RH_FW_MASTER(2));
	assert_int_equal(rh_firewall_get_region(f->fw, 1, &r), 0);
	assert_int_equal(r.index, 1);
	assert_false(r.in_use);
	assert_int_equal(r.base, 0);
	assert_int_equal(r.size, 0);

	assert_int_equal(rh_firewall_find(f->fw, BASE + 9 * MB, &idx), 0);
	assert_int_equal(idx, 0);
	assert_neg_errno(rh_firewall_find(f->fw, BASE + 10 * MB, &idx), ENOENT);
	assert_neg_errno(rh_firewall_find(f->fw, BASE + 8 * MB - 1, &idx), ENOENT);

	/* ret_index is optional */
	assert_int_equal(rh_firewall_program(f->fw, BASE, RH_PAGE_SIZE, 0, NULL), 0);
	assert_int_equal(rh_firewall_find(f->fw, BASE, &idx), 0);
	assert_int_equal(idx, 1);

	st = stats_of(f->fw);
	assert_int_equal(st.firewall_regions_in_use, 2);
	assert_int_equal(st.firewall_regions_peak, 2);
	assert_int_equal(st.firewall_programs, 2);
	assert_int_equal(st.firewall_clears, 0);

	assert_neg_errno(rh_firewall_get_region(f->fw, NR_REGIONS, &r), EINVAL);
	assert_neg_errno(rh_firewall_get_region(f->fw, 0, NULL), EINVAL);
	assert_neg_errno(rh_firewall_get_region(NULL, 0, &r), EINVAL);
	assert_neg_errno(rh_firewall_find(NULL, BASE, &idx), EINVAL);
	assert_neg_errno(rh_firewall_find(f->fw, BASE, NULL), EINVAL);
}

static void test_program_protects_normal_view(void **state)
{
	struct fixture *f = *state;
	unsigned char *sec;
	unsigned int idx;

	assert_int_equal(rh_physmem_secure_ptr(f->pm, BASE + 4 * MB, MB, (void **)&sec), 0);
	sec[0] = 0x11;
	assert_true(normal_readable(f, BASE + 4 * MB));
	assert_int_equal(rh_firewall_program(f->fw, BASE + 4 * MB, MB, RH_FW_SECURE_ONLY,
					     &idx), 0);
	assert_false(normal_readable(f, BASE + 4 * MB));
	assert_false(normal_readable(f, BASE + 5 * MB - 1));
	assert_true(normal_readable(f, BASE + 4 * MB - 1));
	assert_true(normal_readable(f, BASE + 5 * MB));
	/* The secure view is never protected. */
	assert_int_equal(sec[0], 0x11);
	sec[1] = 0x22;

	assert_int_equal(rh_firewall_clear(f->fw, idx), 0);
	assert_true(normal_readable(f, BASE + 4 * MB));
	assert_true(normal_readable(f, BASE + 5 * MB - 1));
	assert_int_equal(stats_of(f->fw).firewall_clears, 1);
	assert_int_equal(stats_of(f->fw).firewall_regions_in_use, 0);
	assert_int_equal(stats_of(f->fw).firewall_regions_peak, 1);
}

static void test_program_errors(void **state)
{
	struct fixture *f = *state;
	struct rh_platform_stats st;
	unsigned int idx = 77;

	assert_int_equal(rh_firewall_program(f->fw, BASE + 16 * MB, 4 * MB, 0, &idx), 0);
	assert_int_equal(idx, 0);
	idx = 77;

	assert_neg_errno(rh_firewall_program(NULL, BASE, RH_PAGE_SIZE, 0, &idx), EINVAL);
	assert_neg_errno(rh_firewall_program(f->fw, BASE, 0, 0, &idx), EINVAL);
	assert_neg_errno(rh_firewall_program(f->fw, BASE + 0x800, RH_PAGE_SIZE, 0, &idx),
			 EINVAL);
	assert_neg_errno(rh_firewall_program(f->fw, BASE, RH_PAGE_SIZE + 0x800, 0, &idx),
			 EINVAL);
	assert_neg_errno(rh_firewall_program(f->fw, BASE - RH_PAGE_SIZE, 2 * RH_PAGE_SIZE, 0,
					     &idx), ERANGE);
	assert_neg_errno(rh_firewall_program(f->fw, BASE + SIZE - RH_PAGE_SIZE,
					     2 * RH_PAGE_SIZE, 0, &idx), ERANGE);
	assert_neg_errno(rh_firewall_program(f->fw, BASE + SIZE, RH_PAGE_SIZE, 0, &idx),
			 ERANGE);
	assert_neg_errno(rh_firewall_program(f->fw, 0xfffffffffffff000ULL, 0x2000, 0, &idx),
			 ERANGE);

	/* Every way of overlapping [16 MiB, 20 MiB) */
	assert_neg_errno(rh_firewall_program(f->fw, BASE + 16 * MB, 4 * MB, 0, &idx), EBUSY);
	assert_neg_errno(rh_firewall_program(f->fw, BASE + 15 * MB, 2 * MB, 0, &idx), EBUSY);
	assert_neg_errno(rh_firewall_program(f->fw, BASE + 19 * MB, 2 * MB, 0, &idx), EBUSY);
	assert_neg_errno(rh_firewall_program(f->fw, BASE + 17 * MB, MB, 0, &idx), EBUSY);
	assert_neg_errno(rh_firewall_program(f->fw, BASE + 8 * MB, 32 * MB, 0, &idx), EBUSY);
	assert_neg_errno(rh_firewall_program(f->fw, BASE + 20 * MB - RH_PAGE_SIZE,
					     RH_PAGE_SIZE, 0, &idx), EBUSY);
	assert_int_equal(idx, 77);

	st = stats_of(f->fw);
	assert_int_equal(st.firewall_regions_in_use, 1);
	assert_int_equal(st.firewall_programs, 1);
	/* Failed calls did not touch the mapping either. */
	assert_true(normal_readable(f, BASE + 15 * MB));
	assert_true(normal_readable(f, BASE + 20 * MB));

	/* Adjacent on both sides is fine. */
	assert_int_equal(rh_firewall_program(f->fw, BASE + 15 * MB, MB, 0, &idx), 0);
	assert_int_equal(rh_firewall_program(f->fw, BASE + 20 * MB, MB, 0, &idx), 0);
}

static void test_exhaustion(void **state)
{
	struct fixture *f = *state;
	unsigned int i, idx;

	for (i = 0; i < NR_REGIONS; i++) {
		assert_int_equal(rh_firewall_program(f->fw, BASE + i * 2 * MB, MB, 0, &idx), 0);
		assert_int_equal(idx, i);
	}
	assert_neg_errno(rh_firewall_program(f->fw, BASE + 32 * MB, MB, 0, &idx), ENOSPC);
	assert_true(normal_readable(f, BASE + 32 * MB));
	assert_int_equal(stats_of(f->fw).firewall_regions_in_use, NR_REGIONS);

	/* The lowest free index is reused. */
	assert_int_equal(rh_firewall_clear(f->fw, 1), 0);
	assert_int_equal(rh_firewall_program(f->fw, BASE + 32 * MB, MB, 0, &idx), 0);
	assert_int_equal(idx, 1);
	assert_neg_errno(rh_firewall_program(f->fw, BASE + 40 * MB, MB, 0, &idx), ENOSPC);

	assert_int_equal(stats_of(f->fw).firewall_programs, NR_REGIONS + 1);
	assert_int_equal(stats_of(f->fw).firewall_clears, 1);
	assert_int_equal(stats_of(f->fw).firewall_regions_peak, NR_REGIONS);
}

static void test_no_regions(void **state)
{
	struct rh_physmem *pm;
	struct rh_firewall *fw;
	unsigned int idx;

	assert_int_equal(rh_physmem_create(NULL, BASE, SIZE, &pm), 0);
	assert_int_equal(rh_firewall_create(NULL, pm, 0, 0x1000, &fw), 0);
	assert_neg_errno(rh_firewall_program(fw, BASE, MB, 0, &idx), ENOSPC);
	assert_neg_errno(rh_firewall_clear(fw, 0), EINVAL);
	assert_int_equal(rh_firewall_check(fw, BASE, MB, 3, "gpu", false, false), 0);
	rh_firewall_destroy(fw);
	rh_physmem_destroy(pm);
}

static void test_clear_errors(void **state)
{
	struct fixture *f = *state;

	assert_neg_errno(rh_firewall_clear(NULL, 0), EINVAL);
	assert_neg_errno(rh_firewall_clear(f->fw, NR_REGIONS), EINVAL);
	assert_neg_errno(rh_firewall_clear(f->fw, UINT32_MAX), EINVAL);
	assert_neg_errno(rh_firewall_clear(f->fw, 0), ENOENT);
	assert_int_equal(rh_firewall_program(f->fw, BASE, MB, 0, NULL), 0);
	assert_int_equal(rh_firewall_clear(f->fw, 0), 0);
	assert_neg_errno(rh_firewall_clear(f->fw, 0), ENOENT);
	assert_int_equal(stats_of(f->fw).firewall_clears, 1);
}

static void test_set_masters(void **state)
{
	struct fixture *f = *state;
	struct rh_fw_region r;

	assert_neg_errno(rh_firewall_set_masters(f->fw, 0, RH_FW_MASTER(1)), ENOENT);
	assert_neg_errno(rh_firewall_set_masters(f->fw, NR_REGIONS, RH_FW_MASTER(1)), EINVAL);
	assert_neg_errno(rh_firewall_set_masters(NULL, 0, RH_FW_MASTER(1)), EINVAL);
	assert_int_equal(rh_firewall_program(f->fw, BASE, MB, RH_FW_SECURE_ONLY, NULL), 0);
	/* The TEE mapped the range for vcodec: only the policy stands in the way. */
	assert_int_equal(rh_firewall_window_add(f->fw, 1, BASE, MB, 7), 0);
	assert_neg_errno(rh_firewall_check(f->fw, BASE, 16, 1, "vcodec", true, true), EACCES);
	assert_int_equal(rh_firewall_set_masters(f->fw, 0, RH_FW_MASTER(1)), 0);
	assert_int_equal(rh_firewall_check(f->fw, BASE, 16, 1, "vcodec", true, true), 0);
	assert_int_equal(rh_firewall_get_region(f->fw, 0, &r), 0);
	assert_int_equal(r.masters, RH_FW_MASTER(1));
	assert_int_equal(stats_of(f->fw).firewall_policy_changes, 1);
	/* The CPU stays locked out: a policy change does not remap. */
	assert_false(normal_readable(f, BASE));
}

static void test_secure_windows(void **state)
{
	struct fixture *f = *state;
	struct rh_violation v;

	assert_int_equal(rh_firewall_program(f->fw, BASE, 4 * MB, RH_FW_ANY_SECURE_MASTER, NULL), 0);
	rh_firewall_violations_reset(f->fw);

	/* Secure, but nothing mapped for it: protected memory stays shut. */
	assert_neg_errno(rh_firewall_check(f->fw, BASE, 64, 1, "vcodec", true, false), EACCES);
	assert_int_equal(rh_firewall_violations_get(f->fw, &v, 1), 1);
	assert_int_equal(v.fault_pa, BASE);
	assert_true(v.secure);

	/* Bad windows. */
	assert_neg_errno(rh_firewall_window_add(NULL, 1, BASE, MB, 9), EINVAL);
	assert_neg_errno(rh_firewall_window_add(f->fw, 1, BASE, 0, 9), EINVAL);
	assert_neg_errno(rh_firewall_window_add(f->fw, 1, BASE + 1, MB, 9), EINVAL);
	assert_neg_errno(rh_firewall_window_add(f->fw, 1, BASE, MB + 1, 9), EINVAL);
	assert_neg_errno(rh_firewall_window_add(f->fw, 1, BASE + SIZE, MB, 9), ERANGE);

	/* Two buffers (cookies 9 and 10) side by side, one further away (11). */
	assert_int_equal(rh_firewall_window_add(f->fw, 1, BASE + MB, MB, 9), 0);
	assert_int_equal(rh_firewall_window_add(f->fw, 1, BASE, MB, 10), 0);
	assert_int_equal(rh_firewall_window_add(f->fw, 1, BASE + 3 * MB, MB, 11), 0);
	assert_neg_errno(rh_firewall_window_add(f->fw, 1, BASE + MB / 2 * 3, MB, 12), EBUSY);
	assert_neg_errno(rh_firewall_window_add(f->fw, 1, BASE, 4096, 12), EBUSY);
	/* Another master may have a window over the same pages. */
	assert_int_equal(rh_firewall_window_add(f->fw, 2, BASE, MB, 10), 0);
	assert_int_equal(rh_firewall_window_count(f->fw, 1), 3);
	assert_int_equal(rh_firewall_window_count(f->fw, 2), 1);

	/* Inside, across touching windows: fine; through the gap: refused. */
	assert_int_equal(rh_firewall_check(f->fw, BASE, 2 * MB, 1, "vcodec", true, true), 0);
	assert_int_equal(rh_firewall_check(f->fw, BASE + 3 * MB, MB, 1, "vcodec", true, false), 0);
	assert_neg_errno(rh_firewall_check(f->fw, BASE + 2 * MB - 64, 128, 1, "vcodec", true,
					   false), EACCES);
	assert_int_equal(rh_firewall_violations_get(f->fw, &v, 1), 1);
	assert_int_equal(v.fault_pa, BASE + 2 * MB);
	/* Master 2 only has the first MiB. */
	assert_neg_errno(rh_firewall_check(f->fw, BASE + MB, 64, 2, "display", true, false),
			 EACCES);
	/* Windows do nothing for a non-secure master. */
	assert_neg_errno(rh_firewall_check(f->fw, BASE, 64, 1, "vcodec", false, false), EACCES);

	/* Secure masters read unprotected memory, but never write it. */
	assert_int_equal(rh_firewall_check(f->fw, BASE + 4 * MB, 64, 1, "vcodec", true, false), 0);
	assert_neg_errno(rh_firewall_check(f->fw, BASE + 4 * MB, 64, 1, "vcodec", true, true),
			 EACCES);
	assert_int_equal(rh_firewall_violations_get(f->fw, &v, 1), 1);
	assert_int_equal(v.region, -1);
	assert_true(v.write);
	/* Non-secure masters write unprotected memory as before. */
	assert_int_equal(rh_firewall_check(f->fw, BASE + 4 * MB, 64, 3, "gpu", false, true), 0);

	/* Revocation by grant: only that cookie's windows go, for one or all masters. */
	assert_int_equal(rh_firewall_window_remove(f->fw, 1, 99), 0);
	assert_int_equal(rh_firewall_window_remove(f->fw, 1, 9), 1);
	assert_neg_errno(rh_firewall_check(f->fw, BASE + MB, 64, 1, "vcodec", true, false), EACCES);
	assert_int_equal(rh_firewall_check(f->fw, BASE, 64, 1, "vcodec", true, false), 0);
	assert_int_equal(rh_firewall_window_remove(f->fw, RH_FW_ANY_WINDOW_MASTER, 10), 2);
	assert_neg_errno(rh_firewall_check(f->fw, BASE, 64, 2, "display", true, false), EACCES);
	assert_int_equal(rh_firewall_window_count(f->fw, 1), 1);
	assert_int_equal(rh_firewall_window_count(f->fw, 2), 0);
	assert_int_equal(rh_firewall_window_remove(NULL, 1, 11), 0);
}

static void test_windows_many(void **state)
{
	struct fixture *f = *state;
	unsigned int i, n = SIZE / 4096 < 2000 ? (unsigned int)(SIZE / 4096) : 2000;

	/* Grows past its first allocation; every other page, in reverse order. */
	for (i = n; i-- > 0;)
		if (!(i & 1))
			assert_int_equal(rh_firewall_window_add(f->fw, 5, BASE + (uint64_t)i * 4096,
								4096, i), 0);
	assert_int_equal(rh_firewall_window_count(f->fw, 5), (n + 1) / 2);
	assert_int_equal(rh_firewall_program(f->fw, BASE, (uint64_t)n * 4096,
					     RH_FW_ANY_SECURE_MASTER, NULL), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(rh_firewall_check(f->fw, BASE + (uint64_t)i * 4096, 4096, 5,
						   "m", true, false),
				 i & 1 ? -EACCES : 0);
}

static void test_check_policies(void **state)
{
	struct fixture *f = *state;
	rh_phys_addr_t only = BASE, some = BASE + 4 * MB, any = BASE + 8 * MB;

	/* Nothing programmed: everybody, secure or not, reaches everything. */
	assert_int_equal(rh_firewall_check(f->fw, BASE, SIZE, 3, "gpu", false, true), 0);
	assert_int_equal(rh_firewall_check(f->fw, BASE, SIZE, 1, "vcodec", true, false), 0);

	assert_int_equal(rh_firewall_program(f->fw, only, MB, RH_FW_SECURE_ONLY, NULL), 0);
	assert_int_equal(rh_firewall_program(f->fw, some, MB, RH_FW_MASTER(1) | RH_FW_MASTER(2),
					     NULL), 0);
	assert_int_equal(rh_firewall_program(f->fw, any, MB, RH_FW_ANY_SECURE_MASTER, NULL), 0);
	/* Every master's secure windows cover the three regions: the policy decides. */
	{
		static const uint32_t ids[] = { 1, 2, 3, 200 };
		unsigned int i;

		for (i = 0; i < 4; i++) {
			assert_int_equal(rh_firewall_window_add(f->fw, ids[i], only, MB, 1), 0);
			assert_int_equal(rh_firewall_window_add(f->fw, ids[i], some, MB, 2), 0);
			assert_int_equal(rh_firewall_window_add(f->fw, ids[i], any, MB, 3), 0);
		}
	}

	/* secure-only: no bus master at all, secure or not */
	assert_neg_errno(rh_firewall_check(f->fw, only, 64, 1, "vcodec", true, false), EACCES);
	assert_neg_errno(rh_firewall_check(f->fw, only, 64, 3, "gpu", false, false), EACCES);
	/* listed masters, only while secure */
	assert_int_equal(rh_firewall_check(f->fw, some, 64, 1, "vcodec", true, true), 0);
	assert_int_equal(rh_firewall_check(f->fw, some, 64, 2, "display", true, false), 0);
	assert_neg_errno(rh_firewall_check(f->fw, some, 64, 1, "vcodec", false, true), EACCES);
	assert_neg_errno(rh_firewall_check(f->fw, some, 64, 3, "gpu", true, false), EACCES);
	assert_neg_errno(rh_firewall_check(f->fw, some, 64, 200, "big", true, false), EACCES);
	/* any secure master, including ids no mask can name */
	assert_int_equal(rh_firewall_check(f->fw, any, 64, 3, "gpu", true, false), 0);
	assert_int_equal(rh_firewall_check(f->fw, any, 64, 200, "big", true, false), 0);
	assert_neg_errno(rh_firewall_check(f->fw, any, 64, 3, "gpu", false, false), EACCES);
	assert_neg_errno(rh_firewall_check(f->fw, any, 64, RH_MASTER_CPU, "cpu", false, false),
			 EACCES);

	/* Unprotected memory right next to the regions stays open. */
	assert_int_equal(rh_firewall_check(f->fw, only + MB, MB, 3, "gpu", false, true), 0);
	assert_neg_errno(rh_firewall_check(f->fw, only + MB, 0, 3, "gpu", false, true), EINVAL);
	/* One byte into a region is enough to be refused. */
	assert_neg_errno(rh_firewall_check(f->fw, some - 4, 5, 3, "gpu", false, true), EACCES);
	assert_int_equal(rh_firewall_check(f->fw, some - 4, 4, 3, "gpu", false, true), 0);
	/* A transfer spanning an allowed and a refused region is refused. */
	assert_neg_errno(rh_firewall_check(f->fw, only, 4 * MB + 64, 1, "vcodec", true, false),
			 EACCES);
	/* ... and so is a secure one leaving its windows for unprotected memory. */
	assert_neg_errno(rh_firewall_check(f->fw, some, 8 * MB, 1, "vcodec", true, false),
			 EACCES);

	assert_neg_errno(rh_firewall_check(f->fw, BASE + SIZE, 1, 3, "gpu", false, false),
			 ERANGE);
	assert_neg_errno(rh_firewall_check(f->fw, BASE - 1, 2, 3, "gpu", false, false), ERANGE);
	assert_neg_errno(rh_firewall_check(NULL, BASE, 1, 3, "gpu", false, false), EINVAL);
	assert_int_equal(rh_firewall_violation_count(f->fw), 10);
}

static void test_violation_record(void **state)
{
	struct fixture *f = *state;
	struct rh_violation rec[4];
	uint64_t t0, t1;
	unsigned int n;

	assert_int_equal(rh_firewall_program(f->fw, BASE + 2 * MB, MB, RH_FW_MASTER(1), NULL), 0);
	assert_int_equal(rh_firewall_program(f->fw, BASE + 6 * MB, MB, RH_FW_MASTER(1), NULL), 0);
	assert_int_equal(rh_firewall_violations_get(f->fw, rec, 4), 0);
	assert_int_equal(rh_firewall_violation_count(f->fw), 0);

	t0 = now_ns();
	/* Starts before region 0 and spans both regions: fault at region 0. */
	assert_neg_errno(rh_firewall_check(f->fw, BASE + MB, 6 * MB, 3, "gpu", false, true),
			 EACCES);
	assert_neg_errno(rh_firewall_check(f->fw, BASE + 6 * MB + 0x10, 0x20, 1, "vcodec",
					   false, false), EACCES);
	rh_firewall_record_cpu_fault(f->fw, BASE + 6 * MB - RH_PAGE_SIZE, 2 * RH_PAGE_SIZE,
				     BASE + 6 * MB, false);
	rh_firewall_record_cpu_fault(f->fw, BASE, 8, BASE, true); /* no region there */
	t1 = now_ns();

	assert_int_equal(rh_firewall_violation_count(f->fw), 4);
	n = rh_firewall_violations_get(f->fw, rec, 4);
	assert_int_equal(n, 4);

	assert_int_equal(rec[0].pa, BASE + MB);
	assert_int_equal(rec[0].size, 6 * MB);
	assert_int_equal(rec[0].fault_pa, BASE + 2 * MB);
	assert_int_equal(rec[0].master_id, 3);
	assert_string_equal(rec[0].master, "gpu");
	assert_true(rec[0].write);
	assert_false(rec[0].secure);
	assert_int_equal(rec[0].region, 0);
	assert_in_range(rec[0].timestamp_ns, t0, t1);

	assert_int_equal(rec[1].pa, BASE + 6 * MB + 0x10);
	assert_int_equal(rec[1].fault_pa, BASE + 6 * MB + 0x10);
	assert_int_equal(rec[1].size, 0x20);
	assert_string_equal(rec[1].master, "vcodec");
	assert_int_equal(rec[1].master_id, 1);
	assert_false(rec[1].write);
	assert_int_equal(rec[1].region, 1);

	assert_int_equal(rec[2].master_id, RH_MASTER_CPU);
	assert_string_equal(rec[2].master, "cpu");
	assert_int_equal(rec[2].fault_pa, BASE + 6 * MB);
	assert_int_equal(rec[2].region, 1);
	assert_false(rec[2].secure);
	assert_int_equal(rec[3].region, -1);
	assert_true(rec[3].write);

	assert_true(rec[0].seq < rec[1].seq && rec[1].seq < rec[2].seq &&
		    rec[2].seq < rec[3].seq);
	assert_true(rec[0].timestamp_ns <= rec[3].timestamp_ns);

	assert_int_equal(stats_of(f->fw).violations, 4);
	assert_int_equal(stats_of(f->fw).cpu_violations, 2);
	assert_int_equal(stats_of(f->fw).dma_violations, 2);

	/* A NULL name is logged as "?" */
	assert_neg_errno(rh_firewall_check(f->fw, BASE + 2 * MB, 1, 9, NULL, false, false),
			 EACCES);
	assert_int_equal(rh_firewall_violations_get(f->fw, rec, 1), 1);
	assert_string_equal(rec[0].master, "?");
}

static void test_violation_log_ring(void **state)
{
	struct fixture *f = *state;
	struct rh_violation rec[RH_VIOLATION_LOG_SIZE + 8];
	unsigned int i, n, total = RH_VIOLATION_LOG_SIZE + 6;
	uint64_t first_seq;

	assert_int_equal(rh_firewall_program(f->fw, BASE, MB, 0, NULL), 0);
	for (i = 0; i < total; i++)
		assert_neg_errno(rh_firewall_check(f->fw, BASE + i, 1, 3, "gpu", false, false),
				 EACCES);
	assert_int_equal(rh_firewall_violation_count(f->fw), total);

	n = rh_firewall_violations_get(f->fw, rec, RH_ARRAY_SIZE(rec));
	assert_int_equal(n, RH_VIOLATION_LOG_SIZE);
	/* Oldest first; the 6 oldest were overwritten. */
	for (i = 0; i < n; i++)
		assert_int_equal(rec[i].pa, BASE + 6 + i);
	first_seq = rec[0].seq;
	assert_int_equal(rec[n - 1].seq, first_seq + n - 1);

	/* A smaller buffer gets the most recent records. */
	n = rh_firewall_violations_get(f->fw, rec, 3);
	assert_int_equal(n, 3);
	assert_int_equal(rec[0].pa, BASE + total - 3);
	assert_int_equal(rec[2].pa, BASE + total - 1);

	rh_firewall_violations_reset(f->fw);
	assert_int_equal(rh_firewall_violation_count(f->fw), 0);
	assert_int_equal(rh_firewall_violations_get(f->fw, rec, 3), 0);
	/* Lifetime counters and sequence numbers keep running. */
	assert_int_equal(stats_of(f->fw).violations, total);
	assert_neg_errno(rh_firewall_check(f->fw, BASE, 1, 3, "gpu", false, false), EACCES);
	assert_int_equal(rh_firewall_violations_get(f->fw, rec, 3), 1);
	assert_int_equal(rec[0].seq, first_seq + RH_VIOLATION_LOG_SIZE);
	assert_int_equal(rh_firewall_violation_count(f->fw), 1);
}

static struct rh_physmem *sweep_pm;

static int create_op(void *arg)
{
	return rh_firewall_create(NULL, sweep_pm, 8, 0x1000, arg);
}

static void create_undo(void *arg)
{
	struct rh_firewall **fw = arg;

	rh_firewall_destroy(*fw);
	*fw = NULL;
}

static void test_create_fail_nth(void **state)
{
	struct rh_firewall *fw = NULL;

	assert_int_equal(rh_physmem_create(NULL, BASE, SIZE, &sweep_pm), 0);
	assert_int_equal(rh_test_fail_nth_sweep(create_op, create_undo, NULL, &fw), 1);
	assert_null(fw);
	rh_physmem_destroy(sweep_pm);
}

static void test_platform_wiring(void **state)
{
	struct rh_platform_desc desc;
	struct rh_platform_stats st;
	struct rh_platform *plat = NULL;
	struct rh_violation v;
	struct rh_fw_region r;
	unsigned int n;

	hand_desc_minimal(&desc);
	desc.firewall_regions = 2;
	desc.firewall_granularity = 0x10000;
	assert_int_equal(hand_platform_new(&desc, &plat), 0);
	assert_int_equal(rh_firewall_nr_regions(plat->firewall), 2);
	assert_int_equal(rh_firewall_granularity(plat->firewall), 0x10000);

	assert_int_equal(rh_firewall_program(plat->firewall, HAND_CHUNK_BASE, HAND_CHUNK_SIZE,
					     RH_FW_SECURE_ONLY, NULL), 0);
	assert_int_equal(rh_phys_firewall_region(plat, 0, &r), 0);
	assert_true(r.in_use);
	assert_int_equal(r.base, HAND_CHUNK_BASE);
	assert_int_equal(r.size, HAND_CHUNK_SIZE);
	assert_neg_errno(rh_phys_firewall_region(plat, 2, &r), EINVAL);
	assert_neg_errno(rh_phys_firewall_region(NULL, 0, &r), EINVAL);
	assert_neg_errno(rh_phys_firewall_region(plat, 0, NULL), EINVAL);

	/* The public log API sees the same log. */
	assert_int_equal(rh_phys_violation_count(plat), 0);
	assert_neg_errno(rh_phys_violation_last(plat, &v), ENOENT);
	assert_neg_errno(rh_phys_dma_check(plat, 3, "gpu", false, HAND_CHUNK_BASE, 16, false),
			 EACCES);
	assert_int_equal(rh_phys_violation_count(plat), 1);
	assert_int_equal(rh_phys_violation_last(plat, &v), 0);
	assert_string_equal(v.master, "gpu");
	assert_int_equal(rh_phys_violations_get(plat, &v, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_neg_errno(rh_phys_violations_get(plat, &v, 0, &n), EINVAL);
	assert_neg_errno(rh_phys_violations_get(plat, NULL, 1, &n), EINVAL);
	assert_neg_errno(rh_phys_violations_get(plat, &v, 1, NULL), EINVAL);
	assert_neg_errno(rh_phys_violations_get(NULL, &v, 1, &n), EINVAL);
	assert_neg_errno(rh_phys_violation_last(NULL, &v), EINVAL);
	assert_neg_errno(rh_phys_violation_last(plat, NULL), EINVAL);
	assert_int_equal(rh_phys_violation_count(NULL), 0);
	rh_phys_violations_reset(plat);
	rh_phys_violations_reset(NULL);
	assert_int_equal(rh_phys_violation_count(plat), 0);

	assert_int_equal(rh_platform_get_stats(plat, &st), 0);
	assert_int_equal(st.firewall_regions, 2);
	assert_int_equal(st.firewall_regions_in_use, 1);
	assert_int_equal(st.firewall_programs, 1);
	assert_int_equal(st.violations, 1);
	assert_int_equal(st.dma_violations, 1);
	assert_int_equal(st.world_switches, 0);
	rh_platform_count_world_switch(plat);
	rh_platform_count_world_switch(plat);
	assert_int_equal(rh_platform_get_stats(plat, &st), 0);
	assert_int_equal(st.world_switches, 2);
	assert_neg_errno(rh_platform_get_stats(NULL, &st), EINVAL);
	assert_neg_errno(rh_platform_get_stats(plat, NULL), EINVAL);

	hand_platform_free(plat);
}

static void test_init_bad_desc(void **state)
{
	struct rh_platform_desc desc;
	struct rh_platform *plat = NULL;
	int fds = rh_test_count_fds();

	hand_desc_minimal(&desc);
	desc.firewall_granularity = 0x1800;
	assert_neg_errno(hand_platform_new(&desc, &plat), EINVAL);
	desc.firewall_granularity = 0x1000;
	desc.firewall_regions = RH_FW_MAX_REGIONS + 1;
	assert_neg_errno(hand_platform_new(&desc, &plat), EINVAL);
	assert_null(plat);
	/* The physmem created before the firewall failed was released. */
	assert_int_equal(rh_test_count_fds(), fds);
}

static void test_minimal_platform(void **state)
{
	struct rh_platform *plat = NULL;
	struct rh_platform_stats st;
	unsigned int i, idx;

	/* minimal.dts: 4 regions of 4 KiB granularity */
	assert_int_equal(minimal_platform_new(&plat), 0);
	assert_int_equal(rh_firewall_nr_regions(plat->firewall), 4);
	assert_int_equal(rh_firewall_granularity(plat->firewall), 0x1000);
	/* The secure-memory TA protected the static chunk at boot: region 0. */
	assert_int_equal(rh_firewall_find(plat->firewall, HAND_CHUNK_BASE, &idx), 0);
	assert_int_equal(idx, 0);
	for (i = 1; i < 4; i++)
		assert_int_equal(rh_firewall_program(plat->firewall, HAND_DRAM_BASE + i * MB,
						     RH_PAGE_SIZE, RH_FW_SECURE_ONLY, &idx), 0);
	assert_neg_errno(rh_firewall_program(plat->firewall, HAND_DRAM_BASE + 8 * MB,
					     RH_PAGE_SIZE, RH_FW_SECURE_ONLY, &idx), ENOSPC);
	assert_int_equal(rh_platform_get_stats(plat, &st), 0);
	assert_int_equal(st.firewall_regions, 4);
	assert_int_equal(st.firewall_regions_in_use, 4);
	assert_int_equal(st.firewall_programs, 4);
	rh_platform_unref(plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_bad_args),
		cmocka_unit_test_setup_teardown(test_program_and_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_program_protects_normal_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_program_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
		cmocka_unit_test(test_no_regions),
		cmocka_unit_test_setup_teardown(test_clear_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_masters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_policies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secure_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_windows_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_violation_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_violation_log_ring, setup, teardown),
		cmocka_unit_test(test_create_fail_nth),
		cmocka_unit_test(test_platform_wiring),
		cmocka_unit_test(test_init_bad_desc),
		cmocka_unit_test(test_minimal_platform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
