// SPDX-License-Identifier: MIT
/* Unit tests of emu/ta/chunk-alloc.c: validation, best fit, alignment, coalescing, model check. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rh-test.h"

#include <rheap/alloc.h>

#include "ta/chunk-alloc.h"

#define PG UINT64_C(4096)
#define KIB UINT64_C(1024)
#define MIB (KIB * 1024)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A base that is page aligned but not 64 KiB or 2 MiB aligned. */
#define ODD_BASE UINT64_C(0x40003000)

static struct rh_chunk_alloc *create(rh_phys_addr_t base, uint64_t size)
{
	struct rh_chunk_alloc *ca = NULL;

	assert_int_equal(rh_chunk_alloc_create(base, size, PG, &ca), 0);
	assert_non_null(ca);
	assert_int_equal(rh_chunk_alloc_check(ca), 0);
	return ca;
}

static rh_phys_addr_t alloc_ok(struct rh_chunk_alloc *ca, uint64_t size,
			       uint64_t align)
{
	rh_phys_addr_t pa = 0;

	assert_int_equal(rh_chunk_alloc_alloc(ca, size, align, &pa), 0);
	assert_int_equal(rh_chunk_alloc_check(ca), 0);
	return pa;
}

static void free_ok(struct rh_chunk_alloc *ca, rh_phys_addr_t pa,
		    uint64_t expect_size)
{
	uint64_t size = 0;

	assert_int_equal(rh_chunk_alloc_free(ca, pa, &size), 0);
	assert_int_equal(size, expect_size);
	assert_int_equal(rh_chunk_alloc_check(ca), 0);
}

static void get_stats(struct rh_chunk_alloc *ca, struct rh_chunk_alloc_stats *st)
{
	memset(st, 0xa5, sizeof(*st));
	rh_chunk_alloc_stats(ca, st);
}

static void assert_pristine(struct rh_chunk_alloc *ca, uint64_t size)
{
	struct rh_chunk_alloc_stats st;

	get_stats(ca, &st);
	assert_true(rh_chunk_alloc_is_empty(ca));
	assert_int_equal(st.bytes_used, 0);
	assert_int_equal(st.bytes_free, size);
	assert_int_equal(st.largest_free, size);
	assert_int_equal(st.free_blocks, 1);
	assert_int_equal(st.used_blocks, 0);
	assert_int_equal(rh_chunk_alloc_check(ca), 0);
}

/* ------------------------------------------------------------ create */

static void test_create_bad_args(void **state)
{
	struct rh_chunk_alloc *ca = (void *)&ca; /* sentinel: never written */
	struct rh_chunk_alloc *const sentinel = ca;

	(void)state;
	assert_neg_errno(rh_chunk_alloc_create(0, MIB, PG, NULL), EINVAL);
	assert_neg_errno(rh_chunk_alloc_create(0, MIB, 0, &ca), EINVAL);
	assert_neg_errno(rh_chunk_alloc_create(0, MIB, 3000, &ca), EINVAL);
	assert_neg_errno(rh_chunk_alloc_create(0, MIB, UINT64_C(1) << 41, &ca),
			 EINVAL);
	assert_neg_errno(rh_chunk_alloc_create(0, 0, PG, &ca), EINVAL);
	assert_neg_errno(rh_chunk_alloc_create(0, MIB + 512, PG, &ca), EINVAL);
	assert_neg_errno(rh_chunk_alloc_create(0x800, MIB, PG, &ca), EINVAL);
	/* aligned, but base + size wraps around */
	assert_neg_errno(rh_chunk_alloc_create(UINT64_MAX - MIB + 1, 2 * MIB,
					       PG, &ca), EINVAL);
	/* more than 2^32 granules */
	assert_neg_errno(rh_chunk_alloc_create(0, UINT64_C(1) << 33, 1, &ca),
			 EINVAL);
	assert_ptr_equal(ca, sentinel);
}

static void test_create_edges(void **state)
{
	struct rh_chunk_alloc *ca;
	rh_phys_addr_t pa;

	(void)state;
	/* The last page cannot be used: its end address is not representable. */
	assert_neg_errno(rh_chunk_alloc_create(UINT64_MAX - PG + 1, PG, PG, &ca),
			 EINVAL);
	/* One granule, just below it. */
	ca = create(UINT64_MAX - 2 * PG + 1, PG);
	assert_pristine(ca, PG);
	pa = alloc_ok(ca, 1, PG);
	assert_int_equal(pa, UINT64_MAX - 2 * PG + 1);
	assert_neg_errno(rh_chunk_alloc_alloc(ca, 1, PG, &pa), ENOMEM);
	assert_neg_errno(rh_chunk_alloc_free(ca, UINT64_MAX - PG + 1, NULL),
			 ENOENT);
	free_ok(ca, UINT64_MAX - 2 * PG + 1, PG);
	assert_pristine(ca, PG);
	rh_chunk_alloc_destroy(ca);

	/* Exactly 2^32 - 1 granules of one byte is allowed. */
	assert_int_equal(rh_chunk_alloc_create(0, UINT32_MAX, 1, &ca), 0);
	assert_int_equal(rh_chunk_alloc_alloc(ca, UINT32_MAX, 1, &pa), 0);
	assert_int_equal(pa, 0);
	rh_chunk_alloc_destroy(ca);

	rh_chunk_alloc_destroy(NULL); /* no-op */
}

static int create_op(void *arg)
{
	return rh_chunk_alloc_create(ODD_BASE, 64 * MIB, PG, arg);
}

static void create_undo(void *arg)
{
	struct rh_chunk_alloc **ca = arg;

	assert_pristine(*ca, 64 * MIB);
	rh_chunk_alloc_destroy(*ca);
	*ca = NULL;
}

static void create_clean(void *arg)
{
	struct rh_chunk_alloc **ca = arg;

	assert_null(*ca); /* ret written only on success */
}

static void test_create_fail_nth(void **state)
{
	struct rh_chunk_alloc *ca = NULL;

	(void)state;
	assert_true(rh_test_fail_nth_sweep(create_op, create_undo, create_clean,
					   &ca) >= 2);
}

/* ------------------------------------------------------------ alloc args */

static void test_alloc_bad_args(void **state)
{
	struct rh_chunk_alloc *ca = create(ODD_BASE, 16 * MIB);
	struct rh_chunk_alloc_stats before, after;
	rh_phys_addr_t pa = 0x1234;

	(void)state;
	alloc_ok(ca, 3 * PG, PG); /* some state to preserve */
	get_stats(ca, &before);
	assert_neg_errno(rh_chunk_alloc_alloc(NULL, PG, PG, &pa), EINVAL);
	assert_neg_errno(rh_chunk_alloc_alloc(ca, PG, PG, NULL), EINVAL);
	assert_neg_errno(rh_chunk_alloc_alloc(ca, 0, PG, &pa), EINVAL);
	assert_neg_errno(rh_chunk_alloc_alloc(ca, PG, 0, &pa), EINVAL);
	assert_neg_errno(rh_chunk_alloc_alloc(ca, PG, 2048, &pa), EINVAL);
	assert_neg_errno(rh_chunk_alloc_alloc(ca, PG, 3 * PG, &pa), EINVAL);
	assert_neg_errno(rh_chunk_alloc_alloc(ca, PG, PG + 1, &pa), EINVAL);
	/* Larger than the whole region, or so large rounding would wrap. */
	assert_neg_errno(rh_chunk_alloc_alloc(ca, 16 * MIB + 1, PG, &pa), ENOMEM);
	assert_neg_errno(rh_chunk_alloc_alloc(ca, UINT64_MAX, PG, &pa), ENOMEM);
	/* An alignment no address in the region satisfies. */
	assert_neg_errno(rh_chunk_alloc_alloc(ca, PG, UINT64_C(1) << 63, &pa),
			 ENOMEM);
	assert_int_equal(pa, 0x1234);
	get_stats(ca, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(rh_chunk_alloc_check(ca), 0);
	rh_chunk_alloc_destroy(ca);
}

static void test_alloc_rounds_up(void **state)
{
	struct rh_chunk_alloc *ca = create(ODD_BASE, 16 * MIB);
	struct rh_chunk_alloc_stats st;
	rh_phys_addr_t a, b, c;
	uint64_t size;

	(void)state;
	a = alloc_ok(ca, 1, PG);
	b = alloc_ok(ca, PG + 1, PG);
	c = alloc_ok(ca, 5 * PG, PG);
	/* Best fit over one free extent: consecutive from the base. */
	assert_int_equal(a, ODD_BASE);
	assert_int_equal(b, ODD_BASE + PG);
	assert_int_equal(c, ODD_BASE + 3 * PG);
	get_stats(ca, &st);
	assert_int_equal(st.bytes_used, 8 * PG);
	assert_int_equal(st.used_blocks, 3);
	assert_int_equal(st.bytes_free, 16 * MIB - 8 * PG);
	assert_int_equal(rh_chunk_alloc_lookup(ca, b, &size), 0);
	assert_int_equal(size, 2 * PG);
	free_ok(ca, b, 2 * PG);
	free_ok(ca, a, PG);
	free_ok(ca, c, 5 * PG);
	assert_pristine(ca, 16 * MIB);
	rh_chunk_alloc_destroy(ca);
}

/* ------------------------------------------------------------ alignment */

static void test_alignment(void **state)
{
	static const uint64_t aligns[] = { 4 * KIB, 64 * KIB, 2 * MIB };
	struct rh_chunk_alloc_stats st;
	struct rh_chunk_alloc *ca;
	rh_phys_addr_t pa, small;
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(aligns); i++) {
		ca = create(ODD_BASE, 64 * MIB);
		small = alloc_ok(ca, PG, PG); /* makes the next start odd */
		pa = alloc_ok(ca, 3 * PG, aligns[i]);
		assert_int_equal(pa % aligns[i], 0);
		assert_true(pa >= ODD_BASE + PG);
		assert_true(pa + 3 * PG <= ODD_BASE + 64 * MIB);
		/* The first aligned address after the small buffer. */
		assert_int_equal(pa, (ODD_BASE + PG + aligns[i] - 1) &
				     ~(aligns[i] - 1));
		get_stats(ca, &st);
		/* The skipped head stays free (two free extents unless none). */
		assert_int_equal(st.free_blocks,
				 pa == ODD_BASE + PG ? 1 : 2);
		assert_int_equal(st.bytes_used, 4 * PG);
		free_ok(ca, pa, 3 * PG);
		free_ok(ca, small, PG);
		assert_pristine(ca, 64 * MIB);
		rh_chunk_alloc_destroy(ca);
	}
}

static void test_alignment_many(void **state)
{
	static const uint64_t aligns[] = { 4 * KIB, 64 * KIB, 2 * MIB };
	struct rh_chunk_alloc *ca = create(ODD_BASE, 256 * MIB);
	rh_phys_addr_t pas[300];
	uint64_t sizes[300], seed = 88172645463325252ull;
	unsigned int i, j, n = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(pas); i++) {
		uint64_t align, size;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		align = aligns[seed % 3];
		size = PG * (1 + (seed >> 8) % 64);
		if (rh_chunk_alloc_alloc(ca, size, align, &pas[n]) != 0)
			continue;
		assert_int_equal(pas[n] % align, 0);
		sizes[n++] = size;
		if (seed % 4 == 0 && n > 1) {
			/* free something in the middle to create holes */
			j = (unsigned int)((seed >> 20) % n);
			free_ok(ca, pas[j], sizes[j]);
			pas[j] = pas[n - 1];
			sizes[j] = sizes[n - 1];
			n--;
		}
	}
	assert_true(n > 100);
	assert_int_equal(rh_chunk_alloc_check(ca), 0);
	/* No two live ranges overlap. */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_true(pas[i] + sizes[i] <= pas[j] ||
				    pas[j] + sizes[j] <= pas[i]);
	for (i = 0; i < n; i++)
		free_ok(ca, pas[i], sizes[i]);
	assert_pristine(ca, 256 * MIB);
	rh_chunk_alloc_destroy(ca);
}

/* An aligned request skips a big-enough but misaligned hole. */
static void test_alignment_skips_misaligned_fit(void **state)
{
	struct rh_chunk_alloc *ca = create(0, 1 * MIB);
	struct rh_chunk_alloc_stats st;
	rh_phys_addr_t b, pa;

	(void)state;
	alloc_ok(ca, 68 * KIB, PG);		/* [0, 68K) live */
	b = alloc_ok(ca, 64 * KIB, PG);		/* [68K, 132K): the hole */
	alloc_ok(ca, 60 * KIB, PG);		/* [132K, 192K) live */
	free_ok(ca, b, 64 * KIB);		/* [192K, 1M) is free too */

	/* By size the hole is the best fit, but 64K-aligned it would start at
	 * 128K and end past 132K: the larger extent is used instead. */
	pa = alloc_ok(ca, 64 * KIB, 64 * KIB);
	assert_int_equal(pa, 192 * KIB);
	/* Unaligned, the same request takes the hole. */
	pa = alloc_ok(ca, 64 * KIB, PG);
	assert_int_equal(pa, b);
	free_ok(ca, pa, 64 * KIB);
	/* One page at 64K alignment fits at the hole's aligned tail. */
	pa = alloc_ok(ca, PG, 64 * KIB);
	assert_int_equal(pa, 128 * KIB);
	get_stats(ca, &st);
	assert_int_equal(st.free_blocks, 2); /* [68K, 128K) and [256K, 1M) */
	assert_int_equal(st.largest_free, 1 * MIB - 256 * KIB);
	rh_chunk_alloc_destroy(ca);
}

/*
 * More than CHUNK_ALIGN_SCAN (32) same-size candidates that fit by size
 * but not at the alignment: the search then takes the smallest extent
 * large enough for any alignment, or, when there is none, keeps scanning
 * to the one hole that fits.
 */
static void alignment_scan(bool leave_big)
{
	struct rh_chunk_alloc *ca = create(0, 64 * MIB);
	rh_phys_addr_t holes[40], good, pa;
	unsigned int i;

	for (i = 0; i < 40; i++) {
		/* 128 KiB slot: spacer, 64 KiB hole at +4 KiB, spacer */
		alloc_ok(ca, PG, PG);
		holes[i] = alloc_ok(ca, 64 * KIB, PG);
		alloc_ok(ca, 60 * KIB, PG);
	}
	good = alloc_ok(ca, 64 * KIB, PG);	/* 64 KiB aligned, highest */
	alloc_ok(ca, 64 * KIB, PG);
	assert_int_equal(good % (64 * KIB), 0);
	if (!leave_big)
		alloc_ok(ca, 64 * MIB - 41 * 128 * KIB, PG);
	for (i = 0; i < 40; i++)
		free_ok(ca, holes[i], 64 * KIB);
	free_ok(ca, good, 64 * KIB);

	pa = alloc_ok(ca, 64 * KIB, 64 * KIB);
	assert_int_equal(pa % (64 * KIB), 0);
	if (leave_big)
		assert_int_equal(pa, 41 * 128 * KIB); /* the big free tail */
	else
		assert_int_equal(pa, good);
	/* Nothing left can take another aligned 64 KiB without the tail. */
	if (!leave_big)
		assert_neg_errno(rh_chunk_alloc_alloc(ca, 64 * KIB, 64 * KIB, &pa),
				 ENOMEM);
	rh_chunk_alloc_destroy(ca);
}

static void test_alignment_scan_limit(void **state)
{
	(void)state;
	alignment_scan(true);
	alignment_scan(false);
}

/* ------------------------------------------------------------ exhaustion */

static void test_exhaustion_and_recovery(void **state)
{
	struct rh_chunk_alloc *ca = create(ODD_BASE, 1 * MIB);
	struct rh_chunk_alloc_stats before, after;
	rh_phys_addr_t pas[256], pa = 0x77;
	unsigned int i;

	(void)state;
	for (i = 0; i < 256; i++) {
		pas[i] = alloc_ok(ca, PG, PG);
		assert_int_equal(pas[i], ODD_BASE + i * PG);
	}
	get_stats(ca, &before);
	assert_int_equal(before.bytes_free, 0);
	assert_int_equal(before.largest_free, 0);
	assert_int_equal(before.free_blocks, 0);
	assert_int_equal(before.used_blocks, 256);
	assert_neg_errno(rh_chunk_alloc_alloc(ca, PG, PG, &pa), ENOMEM);
	assert_int_equal(pa, 0x77);
	get_stats(ca, &after);
	assert_memory_equal(&before, &after, sizeof(before));

	/* Fragmented: 8 free pages but no two adjacent. */
	for (i = 0; i < 16; i += 2)
		free_ok(ca, pas[i], PG);
	get_stats(ca, &before);
	assert_int_equal(before.bytes_free, 8 * PG);
	assert_int_equal(before.largest_free, PG);
	assert_int_equal(before.free_blocks, 8);
	assert_neg_errno(rh_chunk_alloc_alloc(ca, 2 * PG, PG, &pa), ENOMEM);
	get_stats(ca, &after);
	assert_memory_equal(&before, &after, sizeof(before));

	/* Recovery: the single pages are reusable, lowest address first. */
	assert_int_equal(alloc_ok(ca, PG, PG), pas[0]);
	free_ok(ca, pas[1], PG); /* joins the hole at pas[2] */
	get_stats(ca, &after);
	assert_int_equal(after.largest_free, 2 * PG);
	assert_int_equal(after.free_blocks, 7);
	assert_int_equal(alloc_ok(ca, 2 * PG, PG), pas[1]);

	rh_chunk_alloc_reset(ca);
	assert_pristine(ca, 1 * MIB);
	assert_int_equal(alloc_ok(ca, 1 * MIB, PG), ODD_BASE);
	rh_chunk_alloc_destroy(ca);
}

/* ------------------------------------------------------------ coalescing */

#define NBLK 6

static void permute_free(const unsigned int *order)
{
	static const uint64_t pages[NBLK] = { 1, 7, 2, 16, 3, 35 };
	struct rh_chunk_alloc *ca = create(ODD_BASE, 64 * PG);
	struct rh_chunk_alloc_stats st;
	rh_phys_addr_t pas[NBLK];
	uint64_t used = 0;
	unsigned int i;

	for (i = 0; i < NBLK; i++) {
		pas[i] = alloc_ok(ca, pages[i] * PG, PG);
		used += pages[i] * PG;
	}
	get_stats(ca, &st);
	assert_int_equal(st.bytes_used, 64 * PG);
	assert_int_equal(st.free_blocks, 0);
	for (i = 0; i < NBLK; i++) {
		free_ok(ca, pas[order[i]], pages[order[i]] * PG);
		used -= pages[order[i]] * PG;
		get_stats(ca, &st);
		assert_int_equal(st.bytes_used, used);
		assert_int_equal(st.used_blocks, NBLK - 1 - i);
	}
	/* Everything merged back into one extent of the full size. */
	assert_pristine(ca, 64 * PG);
	rh_chunk_alloc_destroy(ca);
}

static void test_coalesce_every_order(void **state)
{
	unsigned int order[NBLK] = { 0, 1, 2, 3, 4, 5 };
	unsigned int count = 0;

	(void)state;
	do {
		permute_free(order);
		count++;
	} while (rh_test_next_permutation(order, NBLK));
	assert_int_equal(count, 720);
}

/* Each of the four merge cases, counted through free_blocks. */
static void test_coalesce_cases(void **state)
{
	struct rh_chunk_alloc *ca = create(0, 16 * PG);
	struct rh_chunk_alloc_stats st;
	rh_phys_addr_t p[5];
	unsigned int i;

	(void)state;
	for (i = 0; i < 5; i++)
		p[i] = alloc_ok(ca, PG, PG); /* tail [5, 16) stays free */
	free_ok(ca, p[1], PG);		/* no merge: 2 free extents */
	get_stats(ca, &st);
	assert_int_equal(st.free_blocks, 2);
	free_ok(ca, p[2], PG);		/* merges with the previous one */
	get_stats(ca, &st);
	assert_int_equal(st.free_blocks, 2);
	assert_int_equal(st.largest_free, 11 * PG);
	free_ok(ca, p[4], PG);		/* merges with the next (the tail) */
	get_stats(ca, &st);
	assert_int_equal(st.free_blocks, 2);
	assert_int_equal(st.largest_free, 12 * PG);
	free_ok(ca, p[3], PG);		/* merges with both */
	get_stats(ca, &st);
	assert_int_equal(st.free_blocks, 1);
	assert_int_equal(st.largest_free, 15 * PG);
	free_ok(ca, p[0], PG);
	assert_pristine(ca, 16 * PG);
	rh_chunk_alloc_destroy(ca);
}

/* ------------------------------------------------------------ best fit */

/* Sizes of 1024 granules and more share a class per 1/32 of a power of two. */
#define TREE_PAGES 1024
#define U (TREE_PAGES * PG)

static void test_best_fit_choice(void **state)
{
	/* units of U:              A  x  B  x  C  x  D  x  E  x  rest */
	static const uint64_t layout[] = { 8, 0, 4, 0, 2, 0, 4, 0, 3, 0, 0 };
	struct rh_chunk_alloc *ca = create(ODD_BASE, 32 * U);
	rh_phys_addr_t p[ARRAY_SIZE(layout)], pa;
	unsigned int i;

	(void)state;
	/* x: one-page spacers; rest: whatever is left, kept live. */
	for (i = 0; i < ARRAY_SIZE(layout) - 1; i++)
		p[i] = alloc_ok(ca, layout[i] ? layout[i] * U : PG, PG);
	p[i] = alloc_ok(ca, 32 * U - (21 * U + 5 * PG), PG);
	/* Holes of 8, 4, 2, 4 and 3 U. */
	for (i = 0; i < 10; i += 2)
		free_ok(ca, p[i], layout[i] * U);

	/* Exact fit wins over everything larger. */
	pa = alloc_ok(ca, 2 * U, PG);
	assert_int_equal(pa, p[4]);
	/* 3U: the 3U hole E, not the earlier 4U holes. */
	pa = alloc_ok(ca, 3 * U, PG);
	assert_int_equal(pa, p[8]);
	/* 1U: the smallest holes left are the two of 4U; equal sizes go to
	 * the lower address (B), carved from its start. */
	pa = alloc_ok(ca, U, PG);
	assert_int_equal(pa, p[2]);
	/* B has 3U left: 3U goes there rather than to D (4U). */
	pa = alloc_ok(ca, 3 * U, PG);
	assert_int_equal(pa, p[2] + U);
	/* 5U: only A (8U) can hold it. */
	pa = alloc_ok(ca, 5 * U, PG);
	assert_int_equal(pa, p[0]);
	/* 4U: D is exact; A's remaining 3U is too small. */
	pa = alloc_ok(ca, 4 * U, PG);
	assert_int_equal(pa, p[6]);
	/* 4U again: nothing left that large. */
	assert_neg_errno(rh_chunk_alloc_alloc(ca, 4 * U, PG, &pa), ENOMEM);
	/* One page: the smallest hole is A's 3U tail. */
	pa = alloc_ok(ca, PG, PG);
	assert_int_equal(pa, p[0] + 5 * U);
	rh_chunk_alloc_destroy(ca);
}

/*
 * Below 1024 granules every class is one size, kept as an address-sorted
 * list: still best fit by size, and the lowest address among equals
 * while a class holds few extents.
 */
static void test_best_fit_small_sizes(void **state)
{
	static const uint64_t layout[] = { 5, 1, 3, 1, 5, 1, 4, 1, 3, 1 };
	struct rh_chunk_alloc *ca = create(0, 64 * PG);
	rh_phys_addr_t p[ARRAY_SIZE(layout)];
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(layout); i++)
		p[i] = alloc_ok(ca, layout[i] * PG, PG);
	alloc_ok(ca, 39 * PG, PG); /* the rest */
	for (i = 0; i < ARRAY_SIZE(layout); i += 2)
		free_ok(ca, p[i], layout[i] * PG); /* holes 5, 3, 5, 4, 3 */

	assert_int_equal(alloc_ok(ca, 4 * PG, PG), p[6]);	/* exact */
	assert_int_equal(alloc_ok(ca, 2 * PG, PG), p[2]);	/* 3: lowest */
	assert_int_equal(alloc_ok(ca, 3 * PG, PG), p[8]);	/* 3: exact */
	assert_int_equal(alloc_ok(ca, 1 * PG, PG), p[2] + 2 * PG); /* 1 left */
	assert_int_equal(alloc_ok(ca, 5 * PG, PG), p[0]);	/* 5: lowest */
	assert_int_equal(alloc_ok(ca, 5 * PG, PG), p[4]);
	/* Freed high then low: the lower one goes first (not FIFO). */
	free_ok(ca, p[4], 5 * PG);
	free_ok(ca, p[0], 5 * PG);
	assert_int_equal(alloc_ok(ca, 5 * PG, PG), p[0]);
	assert_int_equal(alloc_ok(ca, 5 * PG, PG), p[4]);
	/* Freed low then high: still the lower one first (not LIFO). */
	free_ok(ca, p[0], 5 * PG);
	free_ok(ca, p[4], 5 * PG);
	assert_int_equal(alloc_ok(ca, 5 * PG, PG), p[0]);
	assert_int_equal(alloc_ok(ca, 5 * PG, PG), p[4]);
	rh_chunk_alloc_destroy(ca);
}

/*
 * Many equal small holes freed in a scrambled order: the lowest comes back
 * first (a freed extent below a class's head becomes the head), then every
 * hole is used before any other memory, each once.
 */
static void test_small_sizes_address_order(void **state)
{
	struct rh_chunk_alloc *ca = create(0, 256 * PG);
	rh_phys_addr_t p[64], pa;
	uint64_t seen = 0;
	unsigned int i, k;

	(void)state;
	for (i = 0; i < 64; i++) {
		p[i] = alloc_ok(ca, 2 * PG, PG);	/* the hole */
		alloc_ok(ca, PG, PG);			/* a spacer */
	}
	/* 37 is coprime with 64: a permutation, mostly out of order. */
	for (i = 0, k = 5; i < 64; i++, k = (k + 37) % 64)
		free_ok(ca, p[k], 2 * PG);
	assert_int_equal(alloc_ok(ca, 2 * PG, PG), p[0]);
	seen = 1;
	for (i = 1; i < 64; i++) {
		pa = alloc_ok(ca, 2 * PG, PG);
		assert_true(pa < 192 * PG && pa % (3 * PG) == 0);
		k = (unsigned int)(pa / (3 * PG));
		assert_false(seen & (UINT64_C(1) << k));
		seen |= UINT64_C(1) << k;
	}
	assert_int_equal(alloc_ok(ca, 2 * PG, PG), 192 * PG);
	rh_chunk_alloc_destroy(ca);
}

/*
 * A class above the exact sizes holds sizes within 1/32 of each other
 * (1024..1055 granules here); an allocation compares the first 16 members
 * from the head (CHUNK_CLASS_SCAN) for the smallest that fits, so best fit
 * is exact while a class holds at most 16 extents and within 1/32 beyond.
 */
static void test_class_scan(void **state)
{
	struct rh_chunk_alloc *ca = create(0, 128 * MIB);
	rh_phys_addr_t p[20], pa;
	int i;

	(void)state;
	/* Holes of 1024 + i granules, i = 0..19, then the rest kept live. */
	for (i = 0; i < 20; i++) {
		p[i] = alloc_ok(ca, (1024 + (uint64_t)i) * PG, PG);
		alloc_ok(ca, PG, PG);
	}
	alloc_ok(ca, 128 * MIB - (20 * 1024 + 190 + 20) * PG, PG);
	/* A freed extent joins the tail, or becomes the head when it is
	 * lower: freeing p0, p4..p19, then p1..p3 lists them in that order
	 * from the head, p3 20th. */
	free_ok(ca, p[0], 1024 * PG);
	for (i = 4; i < 20; i++)
		free_ok(ca, p[i], (1024 + (uint64_t)i) * PG);
	for (i = 1; i < 4; i++)
		free_ok(ca, p[i], (1024 + (uint64_t)i) * PG);

	/* 1027: the exact hole p3 is out of reach; the smallest of the first
	 * 16 (p0, p4..p18) that holds it is p4 (1028, within 1/32). */
	assert_int_equal(alloc_ok(ca, 1027 * PG, PG), p[4]);
	/* One page: p4's 1-granule tail, an exact fit. */
	assert_int_equal(alloc_ok(ca, PG, PG), p[4] + 1027 * PG);
	/* Two pages: no exact class holds them; the class of 1024..1055 is
	 * the next non-empty one, and its head (the lowest address) is taken. */
	assert_int_equal(alloc_ok(ca, 2 * PG, PG), p[0]);
	/* Larger than any hole and nothing free above: ENOMEM. */
	assert_neg_errno(rh_chunk_alloc_alloc(ca, 1044 * PG, PG, &pa), ENOMEM);
	rh_chunk_alloc_destroy(ca);
}

/* Thousands of extents: the record array and the hash grow and move. */
static void test_growth_keeps_everything(void **state)
{
	struct rh_chunk_alloc *ca = create(ODD_BASE, 64 * MIB);
	struct rh_chunk_alloc_stats st;
	rh_phys_addr_t p[8192];
	uint64_t size;
	unsigned int i;

	(void)state;
	for (i = 0; i < 8192; i++)
		assert_int_equal(rh_chunk_alloc_alloc(ca, PG, PG, &p[i]), 0);
	assert_int_equal(rh_chunk_alloc_check(ca), 0);
	for (i = 0; i < 8192; i++) {
		assert_int_equal(rh_chunk_alloc_lookup(ca, p[i], &size), 0);
		assert_int_equal(size, PG);
	}
	for (i = 0; i < 8192; i += 2)
		assert_int_equal(rh_chunk_alloc_free(ca, p[i], NULL), 0);
	get_stats(ca, &st);
	assert_int_equal(st.used_blocks, 4096);
	assert_int_equal(st.free_blocks, 4097);
	assert_true(st.metadata_bytes >= 8192 * 32);
	assert_int_equal(rh_chunk_alloc_check(ca), 0);
	for (i = 1; i < 8192; i += 2)
		assert_int_equal(rh_chunk_alloc_free(ca, p[i], NULL), 0);
	assert_pristine(ca, 64 * MIB);
	rh_chunk_alloc_destroy(ca);
}

/* ------------------------------------------------------------ bad frees */

static void test_free_unknown_and_double(void **state)
{
	struct rh_chunk_alloc *ca = create(ODD_BASE, 1 * MIB);
	struct rh_chunk_alloc_stats before, after;
	rh_phys_addr_t a, b;
	uint64_t size = 0x55;

	(void)state;
	a = alloc_ok(ca, 4 * PG, PG);
	b = alloc_ok(ca, 2 * PG, PG);
	alloc_ok(ca, PG, PG);
	free_ok(ca, b, 2 * PG); /* b is now a free hole */
	get_stats(ca, &before);

	assert_neg_errno(rh_chunk_alloc_free(NULL, a, &size), EINVAL);
	assert_neg_errno(rh_chunk_alloc_free(ca, 0, &size), ENOENT);
	assert_neg_errno(rh_chunk_alloc_free(ca, ODD_BASE - PG, &size), ENOENT);
	assert_neg_errno(rh_chunk_alloc_free(ca, ODD_BASE + 1 * MIB, &size),
			 ENOENT);
	assert_neg_errno(rh_chunk_alloc_free(ca, UINT64_MAX, &size), ENOENT);
	assert_neg_errno(rh_chunk_alloc_free(ca, a + 1, &size), ENOENT);
	assert_neg_errno(rh_chunk_alloc_free(ca, a + PG, &size), ENOENT);
	assert_neg_errno(rh_chunk_alloc_free(ca, b, &size), ENOENT); /* double */
	assert_neg_errno(rh_chunk_alloc_free(ca, ODD_BASE + 512 * KIB, &size),
			 ENOENT); /* inside the free tail */
	assert_neg_errno(rh_chunk_alloc_lookup(ca, b, &size), ENOENT);
	assert_neg_errno(rh_chunk_alloc_lookup(ca, a + PG, &size), ENOENT);
	assert_neg_errno(rh_chunk_alloc_lookup(NULL, a, &size), EINVAL);
	assert_neg_errno(rh_chunk_alloc_lookup(ca, a, NULL), EINVAL);
	assert_int_equal(size, 0x55);
	get_stats(ca, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(rh_chunk_alloc_check(ca), 0);

	free_ok(ca, a, 4 * PG);
	assert_neg_errno(rh_chunk_alloc_free(ca, a, NULL), ENOENT); /* double */
	rh_chunk_alloc_destroy(ca);
}

/* ------------------------------------------------------------ fail-nth */

static void test_alloc_fail_nth(void **state)
{
	struct rh_chunk_alloc *ca = create(ODD_BASE, 256 * MIB);
	struct rh_chunk_alloc_stats before, after;
	rh_phys_addr_t pa;
	unsigned int i, n, injected = 0;
	int ret;

	(void)state;
	/*
	 * Aligned requests after an odd-sized one split extents in three,
	 * so records run out regularly; every allocation is swept.
	 */
	for (i = 0; i < 600; i++) {
		uint64_t align = (i % 3 == 0) ? 64 * KIB : PG;

		for (n = 1;; n++) {
			get_stats(ca, &before);
			pa = 0x99;
			rh_fail_nth_set(n);
			ret = rh_chunk_alloc_alloc(ca, PG * (1 + i % 5), align,
						   &pa);
			if (rh_fail_nth_get() != 0) {
				rh_fail_nth_set(0);
				assert_int_equal(ret, 0);
				break;
			}
			rh_fail_nth_set(0);
			injected++;
			assert_neg_errno(ret, ENOMEM);
			assert_int_equal(pa, 0x99);
			get_stats(ca, &after);
			/* Records reserved before the failing step are kept. */
			before.metadata_bytes = after.metadata_bytes;
			assert_memory_equal(&before, &after, sizeof(before));
			assert_int_equal(rh_chunk_alloc_check(ca), 0);
		}
		assert_int_equal(rh_chunk_alloc_check(ca), 0);
		if (i % 7 == 3)
			assert_int_equal(rh_chunk_alloc_free(ca, pa, NULL), 0);
	}
	assert_true(injected >= 3); /* the record pool grew several times */
	rh_chunk_alloc_destroy(ca);
}

/* Free never allocates: it succeeds even with every allocation failing. */
static void test_free_never_allocates(void **state)
{
	struct rh_chunk_alloc *ca = create(0, 64 * MIB);
	rh_phys_addr_t pas[200];
	unsigned int i;

	(void)state;
	for (i = 0; i < 200; i++)
		pas[i] = alloc_ok(ca, PG * (1 + i % 3), PG);
	for (i = 0; i < 200; i += 2) {
		rh_fail_nth_set(1);
		assert_int_equal(rh_chunk_alloc_free(ca, pas[i], NULL), 0);
		assert_int_equal(rh_fail_nth_get(), 1); /* not consumed */
	}
	rh_fail_nth_set(0);
	for (i = 1; i < 200; i += 2)
		assert_int_equal(rh_chunk_alloc_free(ca, pas[i], NULL), 0);
	assert_pristine(ca, 64 * MIB);
	rh_chunk_alloc_destroy(ca);
}

/* ------------------------------------------------------------ iteration */

struct walk {
	rh_phys_addr_t pa[16];
	uint64_t size[16];
	unsigned int n;
	unsigned int stop_at;
};

static int walk_fn(rh_phys_addr_t pa, uint64_t size, void *data)
{
	struct walk *w = data;

	assert_true(w->n < 16);
	w->pa[w->n] = pa;
	w->size[w->n] = size;
	w->n++;
	return w->n == w->stop_at ? 42 : 0;
}

static void test_for_each_used(void **state)
{
	struct rh_chunk_alloc *ca = create(ODD_BASE, 1 * MIB);
	struct walk w = { .n = 0 };
	rh_phys_addr_t p[6];
	unsigned int i;

	(void)state;
	assert_int_equal(rh_chunk_alloc_for_each_used(ca, walk_fn, &w), 0);
	assert_int_equal(w.n, 0);
	for (i = 0; i < 6; i++)
		p[i] = alloc_ok(ca, (i + 1) * PG, PG);
	free_ok(ca, p[1], 2 * PG);
	free_ok(ca, p[4], 5 * PG);
	p[1] = alloc_ok(ca, PG, PG); /* reuses the start of the old p[1] */

	assert_int_equal(rh_chunk_alloc_for_each_used(ca, walk_fn, &w), 0);
	assert_int_equal(w.n, 5);
	assert_int_equal(w.pa[0], p[0]);
	assert_int_equal(w.size[0], PG);
	assert_int_equal(w.pa[1], p[1]);
	assert_int_equal(w.size[1], PG);
	assert_int_equal(w.pa[2], p[2]);
	assert_int_equal(w.pa[3], p[3]);
	assert_int_equal(w.pa[4], p[5]);
	assert_int_equal(w.size[4], 6 * PG);

	w.n = 0;
	w.stop_at = 2;
	assert_int_equal(rh_chunk_alloc_for_each_used(ca, walk_fn, &w), 42);
	assert_int_equal(w.n, 2);
	assert_neg_errno(rh_chunk_alloc_for_each_used(ca, NULL, &w), EINVAL);
	assert_neg_errno(rh_chunk_alloc_for_each_used(NULL, walk_fn, &w),
			 EINVAL);
	rh_chunk_alloc_destroy(ca);
}

static void test_reset(void **state)
{
	struct rh_chunk_alloc *ca = create(0, 32 * MIB);
	struct rh_chunk_alloc_stats st;
	unsigned int i;

	(void)state;
	for (i = 0; i < 500; i++)
		alloc_ok(ca, PG * (1 + i % 4), i % 2 ? PG : 16 * KIB);
	get_stats(ca, &st);
	assert_int_equal(st.used_blocks, 500);
	rh_chunk_alloc_reset(ca);
	assert_pristine(ca, 32 * MIB);
	/* Records are kept, so a refill needs no allocation at all. */
	rh_fail_nth_set(1);
	for (i = 0; i < 500; i++)
		assert_int_equal(alloc_ok(ca, PG * (1 + i % 4),
					   i % 2 ? PG : 16 * KIB) % PG, 0);
	assert_int_equal(rh_fail_nth_get(), 1);
	rh_fail_nth_set(0);
	rh_chunk_alloc_reset(NULL);
	assert_false(rh_chunk_alloc_is_empty(ca));
	assert_true(rh_chunk_alloc_is_empty(NULL));
	rh_chunk_alloc_destroy(ca);
}

/* ------------------------------------------------------------ model check */

#define MC_PAGES 4099u /* odd on purpose, room for tree-class extents */

struct model {
	bool used[MC_PAGES];
	rh_phys_addr_t live_pa[MC_PAGES];
	uint64_t live_pages[MC_PAGES];
	unsigned int nlive;
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * The reference answer for a request of @n pages at page alignment @a:
 * the first page of the best-fit run (smallest free run that holds an
 * aligned range, lowest address among equals) and its length in
 * *@ret_len, or -1 when none fits.
 */
static long model_best(const struct model *m, uint64_t base_pg, uint64_t n,
		       uint64_t a, bool *ret_any, long *ret_len)
{
	long best = -1, best_len = 0;
	uint64_t i = 0, j, pad;

	*ret_any = false;
	while (i < MC_PAGES) {
		if (m->used[i]) {
			i++;
			continue;
		}
		for (j = i; j < MC_PAGES && !m->used[j]; j++)
			;
		pad = (0 - (base_pg + i)) & (a - 1);
		if (pad + n <= j - i) {
			*ret_any = true;
			if (best < 0 || (long)(j - i) < best_len) {
				best = (long)(i + pad);
				best_len = (long)(j - i);
			}
		}
		i = j;
	}
	*ret_len = best_len;
	return best;
}

/* Length of the free run starting at page @first (0 if it is used). */
static long model_run_len(const struct model *m, uint64_t first)
{
	uint64_t j;

	if (first > 0 && !m->used[first - 1])
		return 0; /* not the start of a run */
	for (j = first; j < MC_PAGES && !m->used[j]; j++)
		;
	return (long)(j - first);
}

static void model_stats(const struct model *m, struct rh_chunk_alloc_stats *st)
{
	uint64_t i = 0, j;

	memset(st, 0, sizeof(*st));
	while (i < MC_PAGES) {
		if (m->used[i]) {
			st->bytes_used += PG;
			i++;
			continue;
		}
		for (j = i; j < MC_PAGES && !m->used[j]; j++)
			;
		st->free_blocks++;
		if ((j - i) * PG > st->largest_free)
			st->largest_free = (j - i) * PG;
		i = j;
	}
	st->bytes_free = MC_PAGES * PG - st->bytes_used;
	st->used_blocks = m->nlive;
}

static void test_model_check(void **state)
{
	static const uint64_t aligns[] = { 1, 1, 1, 1, 2, 4, 16 };
	struct rh_chunk_alloc_stats want, got;
	struct model *m = calloc(1, sizeof(*m));
	rh_phys_addr_t base = ODD_BASE, pa;
	uint64_t seed = 0x9e3779b97f4a7c15ull, r, n, a, size, k;
	struct rh_chunk_alloc *ca;
	unsigned int op, idx, allocs = 0, fails = 0, tree_fits = 0;
	long best, best_len, got_len = 0;
	bool any;
	int ret;

	(void)state;
	assert_non_null(m);
	ca = create(base, MC_PAGES * PG);
	for (op = 0; op < 20000; op++) {
		r = xorshift(&seed);
		if (r % 100 < 55 || m->nlive == 0) {
			/* Mostly small, sometimes large requests. */
			n = (r >> 8) % 16 == 0 ? 1 + (r >> 16) % 1400 :
			    (r >> 8) % 16 < 4 ? 1 + (r >> 16) % 120 :
						1 + (r >> 16) % 12;
			a = aligns[(r >> 32) % ARRAY_SIZE(aligns)];
			size = n * PG - (r >> 40) % PG; /* unrounded bytes */
			best = model_best(m, base / PG, n, a, &any, &best_len);
			ret = rh_chunk_alloc_alloc(ca, size, a * PG, &pa);
			if (a == 1 && ret == 0)
				got_len = model_run_len(m, (pa - base) / PG);
			if (!any) {
				assert_neg_errno(ret, ENOMEM);
				fails++;
			} else {
				assert_int_equal(ret, 0);
				assert_int_equal(pa % (a * PG), 0);
				assert_true(pa >= base &&
					    pa + n * PG <= base + MC_PAGES * PG);
				for (k = 0; k < n; k++) {
					assert_false(m->used[(pa - base) / PG + k]);
					m->used[(pa - base) / PG + k] = true;
				}
				/*
				 * Unaligned requests: a run of exactly the best-fit
				 * length, carved from its start; the lowest such
				 * run when that length is tree-indexed.
				 */
				if (a == 1) {
					assert_int_equal(got_len, best_len);
					if (best_len >= TREE_PAGES) {
						assert_int_equal(pa, base + best * PG);
						tree_fits++;
					}
				}
				m->live_pa[m->nlive] = pa;
				m->live_pages[m->nlive++] = n;
				allocs++;
			}
		} else if (r % 100 < 97) {
			idx = (unsigned int)((r >> 8) % m->nlive);
			free_ok(ca, m->live_pa[idx], m->live_pages[idx] * PG);
			for (k = 0; k < m->live_pages[idx]; k++)
				m->used[(m->live_pa[idx] - base) / PG + k] = false;
			m->live_pa[idx] = m->live_pa[m->nlive - 1];
			m->live_pages[idx] = m->live_pages[m->nlive - 1];
			m->nlive--;
		} else {
			/* A bogus free: a free page, or the middle of a range. */
			k = (r >> 8) % MC_PAGES;
			pa = base + k * PG;
			for (idx = 0; idx < m->nlive; idx++)
				if (m->live_pa[idx] == pa)
					break;
			if (idx == m->nlive)
				assert_neg_errno(rh_chunk_alloc_free(ca, pa, NULL),
						 ENOENT);
		}
		model_stats(m, &want);
		get_stats(ca, &got);
		want.metadata_bytes = got.metadata_bytes;
		assert_memory_equal(&want, &got, sizeof(want));
		if (op % 64 == 0)
			assert_int_equal(rh_chunk_alloc_check(ca), 0);
	}
	assert_int_equal(rh_chunk_alloc_check(ca), 0);
	/* The walk must have exercised both outcomes a lot. */
	assert_true(allocs > 3000);
	assert_true(fails > 100);
	assert_true(tree_fits > 20);
	while (m->nlive) {
		m->nlive--;
		free_ok(ca, m->live_pa[m->nlive], m->live_pages[m->nlive] * PG);
	}
	assert_pristine(ca, MC_PAGES * PG);
	rh_chunk_alloc_destroy(ca);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_bad_args),
		cmocka_unit_test(test_create_edges),
		cmocka_unit_test(test_create_fail_nth),
		cmocka_unit_test(test_alloc_bad_args),
		cmocka_unit_test(test_alloc_rounds_up),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_alignment_many),
		cmocka_unit_test(test_alignment_skips_misaligned_fit),
		cmocka_unit_test(test_alignment_scan_limit),
		cmocka_unit_test(test_exhaustion_and_recovery),
		cmocka_unit_test(test_coalesce_every_order),
		cmocka_unit_test(test_coalesce_cases),
		cmocka_unit_test(test_best_fit_choice),
		cmocka_unit_test(test_best_fit_small_sizes),
		cmocka_unit_test(test_class_scan),
		cmocka_unit_test(test_growth_keeps_everything),
		cmocka_unit_test(test_small_sizes_address_order),
		cmocka_unit_test(test_free_unknown_and_double),
		cmocka_unit_test(test_alloc_fail_nth),
		cmocka_unit_test(test_free_never_allocates),
		cmocka_unit_test(test_for_each_used),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_model_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
