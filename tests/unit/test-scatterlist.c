// SPDX-License-Identifier: MIT
/* Unit tests of src/scatterlist.c: tables, chaining, from_pages, dup, restricted flag. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rh-test.h"

#include <rheap/alloc.h>
#include <rheap/err.h>
#include <rheap/scatterlist.h>

#define PG RH_PAGE_SIZE
#define SGMAX RH_SCATTERLIST_MAX_SEGMENT
#define MAX_ENTS RH_SG_MAX_SINGLE_ALLOC
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Live library allocations, counted through the allocation hook. */
struct alloc_count {
	long live;
	long total;
};

static struct alloc_count counter;

static void count_allocated(void *ptr, size_t size, void *data)
{
	struct alloc_count *c = data;

	(void)ptr;
	(void)size;
	c->live++;
	c->total++;
}

static void count_freed(void *ptr, void *data)
{
	struct alloc_count *c = data;

	(void)ptr;
	c->live--;
}

static int hook_setup(void **state)
{
	struct rh_alloc_hook hook = {
		.allocated = count_allocated,
		.freed = count_freed,
		.data = &counter,
	};

	(void)state;
	memset(&counter, 0, sizeof(counter));
	rh_alloc_hook_set(&hook);
	return 0;
}

/* Every test must give back every allocation it caused. */
static int hook_teardown(void **state)
{
	(void)state;
	rh_alloc_hook_set(NULL);
	rh_fail_nth_set(0);
	if (counter.live != 0) {
		print_error("leak: %ld live allocations\n", counter.live);
		return -1;
	}
	return 0;
}

/* Chunks sg_alloc_table needs for @n entries: 128, then 127 usable per chunk. */
static unsigned int chunks_for(unsigned int n)
{
	if (n <= MAX_ENTS)
		return 1;
	return 1 + (unsigned int)((n - MAX_ENTS + (MAX_ENTS - 2)) / (MAX_ENTS - 1));
}

/* ------------------------------------------------------------ from_pages */

struct from_pages_case {
	int ret;
	unsigned int n_pages;
	unsigned long pfns[8];
	unsigned long size;
	unsigned int max_seg;
	unsigned int expect;
};

/*
 * Validates a table built from @pfns: counts, per-entry limits, the first
 * entry's offset, the trimmed last entry, and that a page walk visits
 * exactly the input frames in order.
 */
static void check_from_pages(struct rh_sg_table *sgt, const unsigned long *pfns,
			     unsigned int n_pages, unsigned int offset,
			     unsigned long size, unsigned int max_seg,
			     unsigned int expect)
{
	struct rh_sg_page_iter piter;
	struct rh_scatterlist *sg, *last = NULL;
	unsigned long sum = 0;
	unsigned int i, pages = 0;
	unsigned int seg = max_seg & ~(unsigned int)(PG - 1);

	assert_int_equal(sgt->nents, expect);
	assert_int_equal(sgt->orig_nents, expect);
	assert_int_equal(rh_sg_nents(sgt->sgl), expect);

	rh_for_each_sgtable_sg(sgt, sg, i) {
		assert_non_null(sg);
		assert_false(rh_sg_is_chain(sg));
		assert_int_equal(sg->offset, i == 0 ? offset : 0);
		assert_true(sg->length > 0);
		assert_true(sg->length <= seg);
		/* Only the last entry is marked end. */
		assert_int_equal(rh_sg_is_last(sg), i + 1 == expect);
		sum += sg->length;
		last = sg;
	}
	/* Lengths sum to size: the last entry is trimmed to what is left. */
	assert_int_equal(sum, size);
	assert_ptr_equal(rh_sg_last(sgt->sgl, sgt->orig_nents), last);

	rh_for_each_sgtable_page(sgt, &piter, 0) {
		assert_true(pages < n_pages);
		assert_int_equal(rh_sg_page_iter_page(&piter), pfns[pages]);
		pages++;
	}
	assert_int_equal(pages, n_pages);
}

static void test_from_pages_upstream_cases(void **state)
{
	/* tools/testing/scatterlist/main.c, the current table (peer-behaviour §2.1) */
	static const struct from_pages_case cases[] = {
		{ -EINVAL, 1, { 0 }, PG, 0, 0 },
		{ 0, 1, { 0 }, PG, PG + 1, 1 },
		{ 0, 1, { 0 }, PG, SGMAX + 1, 1 },
		{ 0, 1, { 0 }, PG, SGMAX, 1 },
		{ 0, 1, { 0 }, PG, UINT_MAX, 1 },
		{ 0, 1, { 0 }, 1, SGMAX, 1 },
		{ 0, 2, { 0, 1 }, 2 * PG, SGMAX, 1 },
		{ 0, 2, { 1, 0 }, 2 * PG, SGMAX, 2 },
		{ 0, 3, { 0, 1, 2 }, 3 * PG, SGMAX, 1 },
		{ 0, 3, { 0, 2, 1 }, 3 * PG, SGMAX, 3 },
		{ 0, 3, { 0, 1, 3 }, 3 * PG, SGMAX, 2 },
		{ 0, 3, { 1, 2, 4 }, 3 * PG, SGMAX, 2 },
		{ 0, 3, { 1, 3, 4 }, 3 * PG, SGMAX, 2 },
		{ 0, 4, { 0, 1, 3, 4 }, 4 * PG, SGMAX, 2 },
		{ 0, 5, { 0, 1, 3, 4, 5 }, 5 * PG, SGMAX, 2 },
		{ 0, 5, { 0, 1, 3, 4, 6 }, 5 * PG, SGMAX, 3 },
		{ 0, 5, { 0, 1, 2, 3, 4 }, 5 * PG, SGMAX, 1 },
		{ 0, 5, { 0, 1, 2, 3, 4 }, 5 * PG, 2 * PG, 3 },
		{ 0, 6, { 0, 1, 2, 3, 4, 5 }, 6 * PG, 2 * PG, 3 },
		{ 0, 6, { 0, 2, 3, 4, 5, 6 }, 6 * PG, 2 * PG, 4 },
		{ 0, 6, { 0, 1, 3, 4, 5, 6 }, 6 * PG, 2 * PG, 3 },
		/* max_segment just under a page also rounds down to 0 */
		{ -EINVAL, 1, { 0 }, PG, PG - 1, 0 },
	};
	unsigned int i, ran = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct from_pages_case *c = &cases[i];
		struct rh_sg_table sgt, before;
		int ret;

		memset(&sgt, 0xa5, sizeof(sgt));
		before = sgt;
		ret = rh_sg_alloc_table_from_pages_segment(&sgt, c->pfns,
							   c->n_pages, 0,
							   c->size, c->max_seg);
		assert_int_equal(ret, c->ret);
		ran++;
		if (ret) {
			/* Out-parameter untouched on failure. */
			assert_memory_equal(&sgt, &before, sizeof(sgt));
			continue;
		}
		check_from_pages(&sgt, c->pfns, c->n_pages, 0, c->size,
				 c->max_seg, c->expect);
		rh_sg_free_table(&sgt);
		assert_null(sgt.sgl);
	}
	/* As the upstream harness: every row ran. */
	assert_int_equal(ran, ARRAY_SIZE(cases));
}

static void test_from_pages_offset_and_trim(void **state)
{
	static const unsigned long contig[] = { 10, 11, 12 };
	static const unsigned long split[] = { 5, 9, 10 };
	static const unsigned long run[] = { 40, 41, 42, 43, 44, 45, 46, 47, 48, 49 };
	struct rh_sg_table sgt;
	struct rh_scatterlist *sg;
	unsigned long size;

	(void)state;

	/* One contiguous run: one entry starting at the offset. */
	size = 3 * PG - 512 - 100;
	assert_int_equal(rh_sg_alloc_table_from_pages(&sgt, contig, 3, 512, size), 0);
	check_from_pages(&sgt, contig, 3, 512, size, UINT_MAX, 1);
	assert_int_equal(rh_sg_phys(sgt.sgl), 10 * PG + 512);
	assert_int_equal(sgt.sgl->length, size);
	rh_sg_free_table(&sgt);

	/* Two runs: the first carries the offset, the last is trimmed. */
	size = 3 * PG - 100 - 50;
	assert_int_equal(rh_sg_alloc_table_from_pages(&sgt, split, 3, 100, size), 0);
	check_from_pages(&sgt, split, 3, 100, size, UINT_MAX, 2);
	sg = sgt.sgl;
	assert_int_equal(rh_sg_page(sg), 5);
	assert_int_equal(sg->length, PG - 100);
	sg = rh_sg_next(sg);
	assert_int_equal(rh_sg_page(sg), 9);
	assert_int_equal(sg->offset, 0);
	assert_int_equal(sg->length, 2 * PG - 50);
	rh_sg_free_table(&sgt);

	/* A long run split at max_segment (3 pages): 3 + 3 + 3 + 1. */
	size = 10 * PG - 100 - 7;
	assert_int_equal(rh_sg_alloc_table_from_pages_segment(&sgt, run, 10, 100,
							      size, 3 * PG), 0);
	check_from_pages(&sgt, run, 10, 100, size, 3 * PG, 4);
	sg = sgt.sgl;
	assert_int_equal(sg->length, 3 * PG - 100);
	sg = rh_sg_last(sgt.sgl, sgt.orig_nents);
	assert_int_equal(rh_sg_page(sg), 49);
	assert_int_equal(sg->length, PG - 7);
	rh_sg_free_table(&sgt);
}

/* A table big enough to chain: every other frame, so nothing merges. */
static void test_from_pages_chained(void **state)
{
	unsigned long *pfns;
	struct rh_sg_table sgt;
	unsigned int i, n = 300;

	(void)state;
	pfns = calloc(n, sizeof(*pfns));
	assert_non_null(pfns);
	for (i = 0; i < n; i++)
		pfns[i] = 2 * i + 7;

	assert_int_equal(rh_sg_alloc_table_from_pages(&sgt, pfns, n, 0, n * PG), 0);
	check_from_pages(&sgt, pfns, n, 0, n * PG, UINT_MAX, n);
	assert_true(rh_sg_is_chain(&sgt.sgl[MAX_ENTS - 1]));
	rh_sg_free_table(&sgt);
	free(pfns);
}

static void test_from_pages_bad_input(void **state)
{
	static const unsigned long pfns[] = { 1, 2, 3 };
	struct rh_sg_table sgt, before;

	(void)state;
	memset(&sgt, 0x5a, sizeof(sgt));
	before = sgt;

	assert_neg_errno(rh_sg_alloc_table_from_pages(NULL, pfns, 3, 0, 3 * PG), EINVAL);
	assert_neg_errno(rh_sg_alloc_table_from_pages(&sgt, NULL, 3, 0, 3 * PG), EINVAL);
	assert_neg_errno(rh_sg_alloc_table_from_pages(&sgt, pfns, 0, 0, 0), EINVAL);
	/* size 0, too big for the pages, or leaving the last page unused */
	assert_neg_errno(rh_sg_alloc_table_from_pages(&sgt, pfns, 3, 0, 0), EINVAL);
	assert_neg_errno(rh_sg_alloc_table_from_pages(&sgt, pfns, 3, 0, 3 * PG + 1), EINVAL);
	assert_neg_errno(rh_sg_alloc_table_from_pages(&sgt, pfns, 3, 1, 3 * PG), EINVAL);
	assert_neg_errno(rh_sg_alloc_table_from_pages(&sgt, pfns, 3, 0, 2 * PG), EINVAL);
	/* the offset must fall inside the first page */
	assert_neg_errno(rh_sg_alloc_table_from_pages(&sgt, pfns, 3, PG, 2 * PG), EINVAL);
	/* max_segment below a page */
	assert_neg_errno(rh_sg_alloc_table_from_pages_segment(&sgt, pfns, 3, 0, 3 * PG,
							      PG - 1), EINVAL);
	assert_neg_errno(rh_sg_alloc_table_from_pages_segment(&sgt, pfns, 3, 0, 3 * PG,
							      0), EINVAL);
	assert_memory_equal(&sgt, &before, sizeof(sgt));
	assert_int_equal(counter.total, 0);
}

/* ---------------------------------------------------------------- append */

struct append_case {
	unsigned int n1;
	unsigned long pfns1[8];
	unsigned int n2;
	unsigned long pfns2[8];
	unsigned int max_seg;
	unsigned int expect;
};

static void test_append_upstream_cases(void **state)
{
	static const struct append_case cases[] = {
		{ 3, { 0, 1, 2 }, 3, { 3, 4, 5 }, SGMAX, 1 },
		{ 3, { 0, 1, 2 }, 3, { 4, 5, 6 }, SGMAX, 2 },
		{ 6, { 0, 1, 3, 4, 5, 6 }, 6, { 7, 8, 9, 10, 11, 12 }, 12 * PG, 2 },
		/* the merge into the previous entry stops at max_segment */
		{ 4, { 0, 1, 2, 3 }, 4, { 4, 5, 6, 7 }, 6 * PG, 2 },
	};
	unsigned int i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct append_case *c = &cases[i];
		struct rh_sg_append_table app;
		unsigned long all[16];

		memset(&app, 0, sizeof(app));
		assert_int_equal(rh_sg_alloc_append_table_from_pages(&app, c->pfns1, c->n1,
								     0, c->n1 * PG,
								     c->max_seg, c->n2), 0);
		/* Not finished yet: no end marker on the last entry. */
		assert_false(rh_sg_is_last(app.prv));
		assert_int_equal(rh_sg_alloc_append_table_from_pages(&app, c->pfns2, c->n2,
								     0, c->n2 * PG,
								     c->max_seg, 0), 0);
		for (j = 0; j < c->n1; j++)
			all[j] = c->pfns1[j];
		for (j = 0; j < c->n2; j++)
			all[c->n1 + j] = c->pfns2[j];
		check_from_pages(&app.sgt, all, c->n1 + c->n2, 0,
				 (c->n1 + c->n2) * PG, c->max_seg, c->expect);
		rh_sg_free_append_table(&app);
		assert_null(app.sgt.sgl);
	}

	/* The max_segment case: 6 pages merged, then a new 2-page entry. */
	{
		static const unsigned long a[] = { 0, 1, 2, 3 }, b[] = { 4, 5, 6, 7 };
		struct rh_sg_append_table app;

		memset(&app, 0, sizeof(app));
		assert_int_equal(rh_sg_alloc_append_table_from_pages(&app, a, 4, 0, 4 * PG,
								     6 * PG, 4), 0);
		assert_int_equal(rh_sg_alloc_append_table_from_pages(&app, b, 4, 0, 4 * PG,
								     6 * PG, 0), 0);
		assert_int_equal(app.sgt.sgl[0].length, 6 * PG);
		assert_int_equal(rh_sg_page(&app.sgt.sgl[1]), 6);
		assert_int_equal(app.sgt.sgl[1].length, 2 * PG);
		rh_sg_free_append_table(&app);
	}
}

/* Three calls, across chunk boundaries, with a partial last page. */
static void test_append_chained(void **state)
{
	struct rh_sg_append_table app;
	unsigned long *pfns;
	unsigned int i, n = 500;
	unsigned long size = (unsigned long)n * PG - 123;

	(void)state;
	pfns = calloc(n, sizeof(*pfns));
	assert_non_null(pfns);
	for (i = 0; i < n; i++)
		pfns[i] = 3 * i + 1;

	memset(&app, 0, sizeof(app));
	assert_int_equal(rh_sg_alloc_append_table_from_pages(&app, pfns, 150, 0,
							     150 * PG, SGMAX, 350), 0);
	assert_int_equal(app.sgt.nents, 150);
	assert_int_equal(rh_sg_alloc_append_table_from_pages(&app, pfns + 150, 200, 0,
							     200 * PG, SGMAX, 150), 0);
	assert_int_equal(app.sgt.nents, 350);
	assert_int_equal(rh_sg_alloc_append_table_from_pages(&app, pfns + 350, 150, 0,
							     150 * PG - 123, SGMAX, 0), 0);
	check_from_pages(&app.sgt, pfns, n, 0, size, UINT_MAX, n);
	assert_int_equal(app.total_nents, app.sgt.orig_nents);
	rh_sg_free_append_table(&app);
	free(pfns);
}

struct sg_snapshot {
	unsigned int n;
	unsigned long page_link[16];
	unsigned int length[16];
};

static void snapshot_chunk(struct sg_snapshot *snap, const struct rh_scatterlist *sgl,
			   unsigned int n)
{
	unsigned int i;

	snap->n = n;
	for (i = 0; i < n; i++) {
		snap->page_link[i] = sgl[i].page_link;
		snap->length[i] = sgl[i].length;
	}
}

static void assert_chunk_unchanged(const struct sg_snapshot *snap,
				   const struct rh_scatterlist *sgl)
{
	unsigned int i;

	for (i = 0; i < snap->n; i++) {
		assert_int_equal(sgl[i].page_link, snap->page_link[i]);
		assert_int_equal(sgl[i].length, snap->length[i]);
	}
}

static void test_append_bad_input(void **state)
{
	static const unsigned long a[] = { 0, 2 }, b[] = { 10, 20 }, c[] = { 30 };
	static const unsigned long d[] = { 3 };
	struct rh_sg_append_table app, before;
	struct sg_snapshot snap;

	(void)state;
	memset(&app, 0, sizeof(app));
	assert_neg_errno(rh_sg_alloc_append_table_from_pages(NULL, a, 2, 0, 2 * PG,
							     SGMAX, 0), EINVAL);
	assert_neg_errno(rh_sg_alloc_append_table_from_pages(&app, NULL, 2, 0, 2 * PG,
							     SGMAX, 0), EINVAL);
	/* a first call without pages */
	assert_neg_errno(rh_sg_alloc_append_table_from_pages(&app, a, 0, 0, 0,
							     SGMAX, 0), EINVAL);
	assert_neg_errno(rh_sg_alloc_append_table_from_pages(&app, a, 2, 0, 2 * PG,
							     PG - 1, 0), EINVAL);
	assert_null(app.sgt.sgl);
	assert_int_equal(counter.total, 0);

	/* Understated left_pages: a 3-slot chunk for 2 entries + 1 page. */
	assert_int_equal(rh_sg_alloc_append_table_from_pages(&app, a, 2, 0, 2 * PG,
							     SGMAX, 1), 0);
	assert_int_equal(app.total_nents, 3);
	snapshot_chunk(&snap, app.sgt.sgl, 3);
	before = app;

	/* Offset in a later call (the kernel's WARN_ON) */
	assert_neg_errno(rh_sg_alloc_append_table_from_pages(&app, d, 1, 1, PG - 1,
							     SGMAX, 0), EINVAL);
	/* Two more entries cannot chain from the short chunk. */
	assert_neg_errno(rh_sg_alloc_append_table_from_pages(&app, b, 2, 0, 2 * PG,
							     SGMAX, 0), EINVAL);
	assert_memory_equal(&app, &before, sizeof(app));
	assert_chunk_unchanged(&snap, app.sgt.sgl);
	assert_int_equal(counter.live, 1);

	/* One more entry fits the spare slot and finishes the table. */
	assert_int_equal(rh_sg_alloc_append_table_from_pages(&app, c, 1, 0, PG,
							     SGMAX, 0), 0);
	assert_int_equal(app.sgt.nents, 3);
	assert_int_equal(rh_sg_nents(app.sgt.sgl), 3);
	assert_true(rh_sg_is_last(app.prv));

	/* A finished table takes no new entry. */
	before = app;
	snapshot_chunk(&snap, app.sgt.sgl, 3);
	assert_neg_errno(rh_sg_alloc_append_table_from_pages(&app, b, 1, 0, PG,
							     SGMAX, 0), EINVAL);
	assert_memory_equal(&app, &before, sizeof(app));
	assert_chunk_unchanged(&snap, app.sgt.sgl);

	rh_sg_free_append_table(&app);
	rh_sg_free_append_table(&app);
	rh_sg_free_append_table(NULL);
}

/* --------------------------------------------------------- alloc + chain */

/* Sets entry i to frame 1000 + 2i, (i % 3 + 1) pages; returns the total. */
static uint64_t fill_table(struct rh_sg_table *t)
{
	struct rh_scatterlist *sg;
	uint64_t total = 0;
	unsigned int i;

	rh_for_each_sgtable_sg(t, sg, i) {
		rh_sg_set_page(sg, 1000 + 2 * i, (i % 3 + 1) * PG, 0);
		total += sg->length;
	}
	return total;
}

static void test_alloc_chain_200(void **state)
{
	struct rh_sg_table t;
	struct rh_scatterlist *sg, *second, *last;
	unsigned int i, walked = 0, ends = 0;
	uint64_t total;

	(void)state;
	assert_int_equal(rh_sg_alloc_table(&t, 200), 0);
	assert_int_equal(t.nents, 200);
	assert_int_equal(t.orig_nents, 200);
	assert_int_equal(counter.live, 2);

	/* 127 entries + chain in the first chunk, 73 in the second */
	for (i = 0; i < MAX_ENTS - 1; i++) {
		assert_false(rh_sg_is_chain(&t.sgl[i]));
		assert_false(rh_sg_is_last(&t.sgl[i]));
	}
	assert_true(rh_sg_is_chain(&t.sgl[MAX_ENTS - 1]));
	assert_false(rh_sg_is_last(&t.sgl[MAX_ENTS - 1]));
	second = rh_sg_chain_ptr(&t.sgl[MAX_ENTS - 1]);
	assert_ptr_equal(rh_sg_next(&t.sgl[MAX_ENTS - 2]), second);
	last = &second[72];
	assert_true(rh_sg_is_last(last));
	for (i = 0; i < 72; i++)
		assert_false(rh_sg_is_last(&second[i]));

	for (sg = t.sgl; sg; sg = rh_sg_next(sg)) {
		assert_false(rh_sg_is_chain(sg));
		ends += rh_sg_is_last(sg);
		walked++;
	}
	assert_int_equal(walked, 200);
	assert_int_equal(ends, 1);
	assert_int_equal(rh_sg_nents(t.sgl), 200);
	assert_null(rh_sg_next(last));
	assert_ptr_equal(rh_sg_last(t.sgl, 200), last);
	assert_ptr_equal(rh_sg_last(t.sgl, 128), &second[0]);
	assert_ptr_equal(rh_sg_last(t.sgl, 1), &t.sgl[0]);
	assert_null(rh_sg_last(t.sgl, 0));
	assert_null(rh_sg_last(t.sgl, 201));
	assert_null(rh_sg_last(NULL, 3));

	/* Entries start zeroed. */
	rh_for_each_sgtable_sg(&t, sg, i) {
		assert_int_equal(rh_sg_page(sg), 0);
		assert_int_equal(sg->length, 0);
		assert_int_equal(sg->dma_flags, 0);
	}
	assert_int_equal(i, 200);

	total = fill_table(&t);
	assert_int_equal(rh_sg_nents_for_len(t.sgl, 0), 0);
	assert_int_equal(rh_sg_nents_for_len(t.sgl, 1), 1);
	assert_int_equal(rh_sg_nents_for_len(t.sgl, PG), 1);
	assert_int_equal(rh_sg_nents_for_len(t.sgl, PG + 1), 2);
	assert_int_equal(rh_sg_nents_for_len(t.sgl, total), 200);
	assert_int_equal(rh_sg_nents_for_len(t.sgl, total - 1), 200);
	assert_neg_errno(rh_sg_nents_for_len(t.sgl, total + 1), EINVAL);
	assert_int_equal(rh_sg_nents_for_len(NULL, 0), 0);
	assert_neg_errno(rh_sg_nents_for_len(NULL, 1), EINVAL);

	/* set_page keeps the end marker */
	assert_true(rh_sg_is_last(last));

	rh_sg_free_table(&t);
	assert_null(t.sgl);
	/* A second free and a free of a zeroed table are no-ops. */
	rh_sg_free_table(&t);
	memset(&t, 0, sizeof(t));
	rh_sg_free_table(&t);
	rh_sg_free_table(NULL);
}

static void test_alloc_chunk_boundaries(void **state)
{
	static const unsigned int sizes[] = { 1, 127, 128, 129, 254, 255, 256, 1000 };
	unsigned int k;

	(void)state;
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		unsigned int n = sizes[k], left = n, links = 0;
		struct rh_scatterlist *chunk;
		struct rh_sg_table t;

		assert_int_equal(rh_sg_alloc_table(&t, n), 0);
		assert_int_equal(counter.live, chunks_for(n));
		assert_int_equal(rh_sg_nents(t.sgl), n);
		/* Full chunks end in a link; the last chunk holds the rest. */
		chunk = t.sgl;
		while (left > MAX_ENTS) {
			assert_true(rh_sg_is_chain(&chunk[MAX_ENTS - 1]));
			chunk = rh_sg_chain_ptr(&chunk[MAX_ENTS - 1]);
			left -= MAX_ENTS - 1;
			links++;
		}
		assert_int_equal(links + 1, chunks_for(n));
		assert_true(rh_sg_is_last(&chunk[left - 1]));
		assert_ptr_equal(rh_sg_last(t.sgl, n), &chunk[left - 1]);
		rh_sg_free_table(&t);
		assert_int_equal(counter.live, 0);
	}
}

static void test_alloc_bad_input(void **state)
{
	struct rh_sg_table t;

	(void)state;
	memset(&t, 0xa5, sizeof(t));
	assert_neg_errno(rh_sg_alloc_table(&t, 0), EINVAL);
	/* zeroed first, as __sg_alloc_table does */
	assert_null(t.sgl);
	assert_int_equal(t.nents, 0);
	assert_int_equal(t.orig_nents, 0);
	assert_neg_errno(rh_sg_alloc_table(NULL, 4), EINVAL);
	assert_int_equal(counter.total, 0);
}

static void test_inline_helpers(void **state)
{
	struct rh_scatterlist a[3], b[2], *sg;
	unsigned int i;

	(void)state;
	rh_sg_init_table(a, 3);
	rh_sg_init_table(b, 2);
	assert_true(rh_sg_is_last(&a[2]));
	assert_false(rh_sg_is_last(&a[1]));

	rh_sg_set_page(&a[0], 0x12345, 100, 4000);
	assert_int_equal(rh_sg_page(&a[0]), 0x12345);
	assert_int_equal(rh_sg_phys(&a[0]), (uint64_t)0x12345 * PG + 4000);
	/* 4000 + 100 crosses into a second page */
	assert_int_equal(rh_sg_page_count(&a[0]), 2);
	rh_sg_set_page(&a[1], 7, 0, 0);
	assert_int_equal(rh_sg_page_count(&a[1]), 0);

	rh_sg_set_page(&a[2], 0xfffffffffUL, PG, 0);
	assert_true(rh_sg_is_last(&a[2]));
	assert_int_equal(rh_sg_page(&a[2]), 0xfffffffffUL);
	rh_sg_unmark_end(&a[2]);
	assert_false(rh_sg_is_last(&a[2]));
	assert_int_equal(rh_sg_page(&a[2]), 0xfffffffffUL);
	rh_sg_mark_end(&a[2]);
	assert_true(rh_sg_is_last(&a[2]));

	/* A caller-built chain: a[2] becomes the link, 2 + 2 entries remain. */
	rh_sg_set_page(&b[0], 50, PG, 0);
	rh_sg_set_page(&b[1], 60, PG, 0);
	rh_sg_chain(a, 3, b);
	assert_true(rh_sg_is_chain(&a[2]));
	assert_false(rh_sg_is_last(&a[2]));
	assert_ptr_equal(rh_sg_chain_ptr(&a[2]), b);
	assert_ptr_equal(rh_sg_next(&a[1]), &b[0]);
	assert_int_equal(rh_sg_nents(a), 4);
	assert_null(rh_sg_next(&b[1]));
	assert_null(rh_sg_next(NULL));
	assert_int_equal(rh_sg_nents(NULL), 0);
	assert_ptr_equal(rh_sg_last(a, 4), &b[1]);

	i = 0;
	rh_for_each_sg(a, sg, 4, i)
		assert_non_null(sg);
	assert_int_equal(i, 4);

	/* DMA accessors are lvalues. */
	rh_sg_dma_address(&b[0]) = 0xabc000;
	rh_sg_dma_len(&b[0]) = 3 * PG;
	assert_int_equal(b[0].dma_address, 0xabc000);
	assert_int_equal(b[0].dma_length, 3 * PG);

	/* init_table ignores nothing-to-do input */
	rh_sg_init_table(NULL, 3);
	rh_sg_init_table(a, 0);
	assert_true(rh_sg_is_chain(&a[2]));
}

static void test_page_iter(void **state)
{
	struct rh_sg_page_iter piter;
	struct rh_sg_dma_page_iter diter;
	struct rh_sg_table t;
	struct rh_scatterlist *sg;
	unsigned int i, pages, expect_pages = 0, k;
	unsigned long expect_pfn;

	(void)state;
	assert_int_equal(rh_sg_alloc_table(&t, 200), 0);
	fill_table(&t);
	rh_for_each_sgtable_sg(&t, sg, i)
		expect_pages += (unsigned int)rh_sg_page_count(sg);

	/* Every page of every entry, in order, across the chain. */
	pages = 0;
	sg = t.sgl;
	k = 0;
	rh_for_each_sgtable_page(&t, &piter, 0) {
		if (k == (unsigned int)rh_sg_page_count(sg)) {
			sg = rh_sg_next(sg);
			k = 0;
		}
		assert_ptr_equal(piter.sg, sg);
		expect_pfn = rh_sg_page(sg) + k;
		assert_int_equal(rh_sg_page_iter_page(&piter), expect_pfn);
		k++;
		pages++;
	}
	assert_int_equal(pages, expect_pages);

	/* Starting 2 pages in skips entry 0 (1 page) and entry 1's first page. */
	rh_sg_page_iter_start(&piter, t.sgl, t.orig_nents, 2);
	assert_true(rh_sg_page_iter_next(&piter));
	assert_ptr_equal(piter.sg, &t.sgl[1]);
	assert_int_equal(rh_sg_page_iter_page(&piter), rh_sg_page(&t.sgl[1]) + 1);

	/* An offset entry spanning a page boundary counts two pages. */
	rh_sg_set_page(&t.sgl[0], 77, PG, 512);
	pages = 0;
	rh_for_each_sg_page(t.sgl, &piter, 1, 0)
		assert_int_equal(rh_sg_page_iter_page(&piter), 77 + pages++);
	assert_int_equal(pages, 2);

	/* DMA view: one merged segment of 5 pages over nents = 1 */
	rh_sg_dma_address(&t.sgl[0]) = 0x40000000;
	rh_sg_dma_len(&t.sgl[0]) = 5 * PG - 512;
	t.nents = 1;
	pages = 0;
	rh_for_each_sgtable_dma_page(&t, &diter, 0) {
		assert_int_equal(rh_sg_page_iter_dma_address(&diter),
				 0x40000000 + (uint64_t)pages * PG);
		pages++;
	}
	assert_int_equal(pages, 5);

	/* The entry walks follow the same split: nents (DMA), orig_nents (CPU). */
	k = 0;
	rh_for_each_sgtable_dma_sg(&t, sg, i) {
		assert_ptr_equal(sg, &t.sgl[0]);
		k++;
	}
	assert_int_equal(k, 1);
	assert_int_equal(i, 1);
	k = 0;
	rh_for_each_sgtable_sg(&t, sg, i)
		k++;
	assert_int_equal(k, 200);
	t.nents = 0;
	rh_for_each_sgtable_dma_sg(&t, sg, i)
		fail_msg("no DMA segment expected");
	assert_int_equal(i, 0);

	/* Empty walks */
	rh_sg_page_iter_start(&piter, NULL, 3, 0);
	assert_false(rh_sg_page_iter_next(&piter));
	rh_sg_page_iter_start(&piter, t.sgl, 0, 0);
	assert_false(rh_sg_page_iter_next(&piter));

	rh_sg_free_table(&t);
}

/* ------------------------------------------------------------------- dup */

static void test_dup_three_entries(void **state)
{
	struct rh_sg_table src, *dup;
	struct rh_scatterlist *s, *d;
	static const unsigned long pfn[] = { 0x100, 0x200, 0x300 };
	static const unsigned int len[] = { PG, 2 * PG, PG };
	static const unsigned int off[] = { 0, 0, 512 };
	unsigned int i;

	(void)state;
	/* restricted-heap-v5.md §13 behaviour 5 */
	assert_int_equal(rh_sg_alloc_table(&src, 3), 0);
	rh_for_each_sgtable_sg(&src, s, i) {
		rh_sg_set_page(s, pfn[i], len[i], off[i]);
		rh_sg_dma_address(s) = 0xd0000000 + i * 0x10000;
		rh_sg_dma_len(s) = len[i];
		s->dma_flags = RH_SG_DMA_SWIOTLB | RH_SG_DMA_BUS_ADDRESS;
	}
	/* a DMA-mapped view that merged entries: dup follows orig_nents */
	src.nents = 2;

	dup = rh_sg_dup_table(&src);
	assert_false(RH_IS_ERR_OR_NULL(dup));
	assert_ptr_not_equal(dup->sgl, src.sgl);
	assert_int_equal(dup->orig_nents, 3);
	assert_int_equal(dup->nents, 3);
	rh_for_each_sgtable_sg(dup, d, i) {
		assert_int_equal(rh_sg_page(d), pfn[i]);
		assert_int_equal(d->length, len[i]);
		assert_int_equal(d->offset, off[i]);
		assert_int_equal(rh_sg_dma_address(d), 0);
		assert_int_equal(rh_sg_dma_len(d), 0);
		assert_int_equal(d->dma_flags, 0);
		assert_int_equal(rh_sg_is_last(d), i == 2);
	}
	assert_int_equal(rh_sg_nents(dup->sgl), 3);

	/* Modifying the copy leaves the source alone. */
	rh_for_each_sgtable_sg(dup, d, i)
		rh_sg_set_page(d, 0x999, 42, 7);
	rh_sg_dma_mark_restricted(dup->sgl);
	rh_sg_dup_table_free(dup);

	/* Freeing the copy leaves the source intact. */
	rh_for_each_sgtable_sg(&src, s, i) {
		assert_int_equal(rh_sg_page(s), pfn[i]);
		assert_int_equal(s->length, len[i]);
		assert_int_equal(s->offset, off[i]);
		assert_int_equal(rh_sg_dma_address(s), 0xd0000000 + i * 0x10000);
		assert_int_equal(rh_sg_dma_len(s), len[i]);
		assert_int_equal(s->dma_flags, RH_SG_DMA_SWIOTLB | RH_SG_DMA_BUS_ADDRESS);
	}
	assert_int_equal(src.nents, 2);
	assert_int_equal(src.orig_nents, 3);
	rh_sg_free_table(&src);
}

static void test_dup_chained_300(void **state)
{
	struct rh_sg_table src, *dup;
	struct rh_scatterlist *s, *d;
	unsigned int i;

	(void)state;
	assert_int_equal(rh_sg_alloc_table(&src, 300), 0);
	rh_for_each_sgtable_sg(&src, s, i)
		rh_sg_set_page(s, 5 * i + 3, (i % 7 + 1) * 100, i % 4000);

	dup = rh_sg_dup_table(&src);
	assert_false(RH_IS_ERR_OR_NULL(dup));
	assert_int_equal(dup->orig_nents, 300);
	assert_int_equal(dup->nents, 300);
	assert_int_equal(rh_sg_nents(dup->sgl), 300);
	assert_true(rh_sg_is_chain(&dup->sgl[MAX_ENTS - 1]));

	/* Walk both in parallel. */
	d = dup->sgl;
	rh_for_each_sgtable_sg(&src, s, i) {
		assert_non_null(d);
		assert_ptr_not_equal(d, s);
		assert_int_equal(rh_sg_page(d), rh_sg_page(s));
		assert_int_equal(d->length, s->length);
		assert_int_equal(d->offset, s->offset);
		assert_int_equal(rh_sg_is_last(d), i == 299);
		d = rh_sg_next(d);
	}
	assert_null(d);
	/* source: table + 3 chunks; copy: struct + 3 chunks */
	assert_int_equal(counter.live, 3 + 1 + 3);

	rh_sg_dup_table_free(dup);
	assert_int_equal(counter.live, 3);
	assert_int_equal(rh_sg_nents(src.sgl), 300);
	rh_sg_free_table(&src);
}

/*
 * A source chained at other places than rh_sg_alloc_table() chains (an
 * append table, a driver's own chunks): dup follows the links, copies
 * exactly orig_nents entries into its own geometry and ends there.
 */
static void test_dup_odd_chains(void **state)
{
	struct rh_scatterlist a[5], b[3], c[4], *d;
	struct rh_sg_table src, *dup;
	unsigned int i;

	(void)state;
	/* 4 entries + link, 2 entries + link, 4 entries */
	rh_sg_init_table(a, 5);
	rh_sg_init_table(b, 3);
	rh_sg_init_table(c, 4);
	rh_sg_chain(a, 5, b);
	rh_sg_chain(b, 3, c);
	for (i = 0; i < 4; i++)
		rh_sg_set_page(&a[i], 100 + i, PG, i);
	for (i = 0; i < 2; i++)
		rh_sg_set_page(&b[i], 200 + i, 2 * PG, 0);
	for (i = 0; i < 4; i++) {
		rh_sg_set_page(&c[i], 300 + i, 3 * PG, 8);
		rh_sg_dma_address(&c[i]) = 0xdead;
		c[i].dma_flags = RH_SG_DMA_SWIOTLB;
	}
	src.sgl = a;
	src.orig_nents = src.nents = 10;

	dup = rh_sg_dup_table(&src);
	assert_false(RH_IS_ERR_OR_NULL(dup));
	assert_int_equal(dup->orig_nents, 10);
	assert_int_equal(rh_sg_nents(dup->sgl), 10);
	for (i = 0, d = dup->sgl; i < 10; i++, d = rh_sg_next(d)) {
		unsigned long pfn = i < 4 ? 100 + i : i < 6 ? 200 + i - 4 : 300 + i - 6;

		assert_non_null(d);
		assert_int_equal(rh_sg_page(d), pfn);
		assert_int_equal(d->length, i < 4 ? PG : i < 6 ? 2 * PG : 3 * PG);
		assert_int_equal(d->offset, i < 4 ? i : i < 6 ? 0 : 8);
		assert_int_equal(rh_sg_dma_address(d), 0);
		assert_int_equal(rh_sg_dma_len(d), 0);
		assert_int_equal(d->dma_flags, 0);
		assert_false(rh_sg_is_chain(d));
		assert_int_equal(rh_sg_is_last(d), i == 9);
	}
	rh_sg_dup_table_free(dup);

	/* orig_nents shorter than the list: the copy ends at orig_nents. */
	src.orig_nents = src.nents = 5;
	dup = rh_sg_dup_table(&src);
	assert_false(RH_IS_ERR_OR_NULL(dup));
	assert_int_equal(rh_sg_nents(dup->sgl), 5);
	assert_int_equal(rh_sg_page(&dup->sgl[4]), 200);
	assert_true(rh_sg_is_last(&dup->sgl[4]));
	rh_sg_dup_table_free(dup);

	/* Longer than the list: refused, nothing leaked. */
	src.orig_nents = src.nents = 11;
	dup = rh_sg_dup_table(&src);
	assert_true(RH_IS_ERR(dup));
	assert_int_equal(RH_PTR_ERR(dup), -EINVAL);
	assert_int_equal(counter.live, 0);
}

/* Sizes around the chunk geometry: the copy walks chain entries on both sides. */
static void test_dup_chunk_boundaries(void **state)
{
	static const unsigned int sizes[] = { 1, 2, 127, 128, 129, 254, 255, 256, 383 };
	struct rh_scatterlist *s, *d;
	struct rh_sg_table src, *dup;
	unsigned int k, i;

	(void)state;
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		assert_int_equal(rh_sg_alloc_table(&src, sizes[k]), 0);
		rh_for_each_sgtable_sg(&src, s, i)
			rh_sg_set_page(s, 7 * i + 1, PG, 0);
		dup = rh_sg_dup_table(&src);
		assert_false(RH_IS_ERR_OR_NULL(dup));
		assert_int_equal(dup->orig_nents, sizes[k]);
		assert_int_equal(rh_sg_nents(dup->sgl), sizes[k]);
		d = dup->sgl;
		rh_for_each_sgtable_sg(&src, s, i) {
			assert_int_equal(rh_sg_page(d), rh_sg_page(s));
			assert_int_equal(d->length, PG);
			assert_int_equal(rh_sg_is_last(d), i == sizes[k] - 1);
			d = rh_sg_next(d);
		}
		assert_null(d);
		rh_sg_dup_table_free(dup);
		rh_sg_free_table(&src);
	}
	assert_int_equal(counter.live, 0);
}

static void test_dup_bad_input(void **state)
{
	struct rh_sg_table empty = { 0 }, shorty;
	struct rh_scatterlist three[3];
	struct rh_sg_table *dup;

	(void)state;
	dup = rh_sg_dup_table(NULL);
	assert_true(RH_IS_ERR(dup));
	assert_int_equal(RH_PTR_ERR(dup), -EINVAL);
	dup = rh_sg_dup_table(&empty);
	assert_true(RH_IS_ERR(dup));
	assert_int_equal(RH_PTR_ERR(dup), -EINVAL);
	assert_int_equal(counter.total, 0);

	/* orig_nents claims more entries than the list holds */
	rh_sg_init_table(three, 3);
	shorty.sgl = three;
	shorty.orig_nents = 5;
	shorty.nents = 5;
	dup = rh_sg_dup_table(&shorty);
	assert_true(RH_IS_ERR(dup));
	assert_int_equal(RH_PTR_ERR(dup), -EINVAL);
	assert_int_equal(counter.live, 0);

	/* The dup free helper ignores NULL and error pointers. */
	rh_sg_dup_table_free(NULL);
	rh_sg_dup_table_free(RH_ERR_PTR(-ENOMEM));
}

/* ------------------------------------------------------- restricted flag */

static void test_restricted_flag(void **state)
{
	struct rh_sg_table t, *dup;
	struct rh_scatterlist *sg;
	unsigned int i;

	(void)state;
	assert_int_equal(RH_SG_DMA_BUS_ADDRESS, 0x1);
	assert_int_equal(RH_SG_DMA_SWIOTLB, 0x2);
	assert_int_equal(RH_SG_DMA_RESTRICTED, 0x4);

	assert_int_equal(rh_sg_alloc_table(&t, 3), 0);
	rh_for_each_sgtable_sg(&t, sg, i)
		rh_sg_set_page(sg, 10 + i, PG, 0);

	rh_sg_dma_mark_restricted(&t.sgl[1]);
#if RH_NEED_SG_DMA_FLAGS
	/* Only that one entry. */
	assert_int_equal(t.sgl[1].dma_flags, 0x4);
	assert_true(rh_sg_dma_is_restricted(&t.sgl[1]));
	/* Marking twice is harmless. */
	rh_sg_dma_mark_restricted(&t.sgl[1]);
	assert_int_equal(t.sgl[1].dma_flags, 0x4);
#else
	/* The seed's !CONFIG_NEED_SG_DMA_FLAGS stubs: no-op and false. */
	assert_int_equal(t.sgl[1].dma_flags, 0);
	assert_false(rh_sg_dma_is_restricted(&t.sgl[1]));
#endif
	assert_int_equal(t.sgl[0].dma_flags, 0);
	assert_int_equal(t.sgl[2].dma_flags, 0);
	assert_false(rh_sg_dma_is_restricted(&t.sgl[0]));
	assert_false(rh_sg_dma_is_restricted(&t.sgl[2]));

	/* OR, not overwrite: SWIOTLB stays. */
	t.sgl[2].dma_flags = RH_SG_DMA_SWIOTLB;
	rh_sg_dma_mark_restricted(&t.sgl[2]);
#if RH_NEED_SG_DMA_FLAGS
	assert_int_equal(t.sgl[2].dma_flags, 0x6);
	assert_true(rh_sg_dma_is_restricted(&t.sgl[2]));
#else
	assert_int_equal(t.sgl[2].dma_flags, 0x2);
	assert_false(rh_sg_dma_is_restricted(&t.sgl[2]));
#endif
	/* Other bits alone do not read as restricted. */
	t.sgl[0].dma_flags = RH_SG_DMA_BUS_ADDRESS | RH_SG_DMA_SWIOTLB;
	assert_false(rh_sg_dma_is_restricted(&t.sgl[0]));
	/* set_page leaves dma_flags alone */
	rh_sg_set_page(&t.sgl[1], 99, 2 * PG, 0);
	assert_int_equal(rh_sg_dma_is_restricted(&t.sgl[1]), RH_NEED_SG_DMA_FLAGS);

	/* NULL-safe */
	rh_sg_dma_mark_restricted(NULL);
	assert_false(rh_sg_dma_is_restricted(NULL));

	/* Round trip through dup: the mark is not copied, the copy can get its own. */
	dup = rh_sg_dup_table(&t);
	assert_false(RH_IS_ERR_OR_NULL(dup));
	rh_for_each_sgtable_sg(dup, sg, i) {
		assert_false(rh_sg_dma_is_restricted(sg));
		assert_int_equal(sg->dma_flags, 0);
	}
	rh_sg_dma_mark_restricted(dup->sgl);
	assert_int_equal(rh_sg_dma_is_restricted(dup->sgl), RH_NEED_SG_DMA_FLAGS);
	assert_false(rh_sg_dma_is_restricted(rh_sg_next(dup->sgl)));
	/* the source's first entry is still unmarked */
	assert_false(rh_sg_dma_is_restricted(t.sgl));
	rh_sg_dup_table_free(dup);
	assert_int_equal(rh_sg_dma_is_restricted(&t.sgl[2]), RH_NEED_SG_DMA_FLAGS);
	rh_sg_free_table(&t);
}

/* ------------------------------------------------------- fail-nth sweeps */

struct alloc_op {
	struct rh_sg_table t;
	unsigned int nents;
};

static int op_alloc(void *arg)
{
	struct alloc_op *op = arg;

	return rh_sg_alloc_table(&op->t, op->nents);
}

static void undo_alloc(void *arg)
{
	struct alloc_op *op = arg;

	assert_int_equal(rh_sg_nents(op->t.sgl), op->nents);
	rh_sg_free_table(&op->t);
}

static void clean_alloc(void *arg)
{
	struct alloc_op *op = arg;

	/* After failure everything is freed and the table says so. */
	assert_null(op->t.sgl);
	assert_int_equal(counter.live, 0);
}

static void test_fail_nth_alloc(void **state)
{
	static const unsigned int sizes[] = { 200, 1000 };
	unsigned int k;

	(void)state;
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct alloc_op op = { .nents = sizes[k] };

		assert_int_equal(rh_test_fail_nth_sweep(op_alloc, undo_alloc,
							clean_alloc, &op),
				 chunks_for(sizes[k]));
	}
}

struct from_pages_op {
	struct rh_sg_table t;
	struct rh_sg_table sentinel;
	unsigned long *pfns;
	unsigned int n;
};

static int op_from_pages(void *arg)
{
	struct from_pages_op *op = arg;

	memcpy(&op->t, &op->sentinel, sizeof(op->t));
	return rh_sg_alloc_table_from_pages(&op->t, op->pfns, op->n, 0,
					    (unsigned long)op->n * PG);
}

static void undo_from_pages(void *arg)
{
	struct from_pages_op *op = arg;

	check_from_pages(&op->t, op->pfns, op->n, 0, (unsigned long)op->n * PG,
			 UINT_MAX, op->n);
	rh_sg_free_table(&op->t);
	memcpy(&op->t, &op->sentinel, sizeof(op->t));
}

static void clean_from_pages(void *arg)
{
	struct from_pages_op *op = arg;

	assert_memory_equal(&op->t, &op->sentinel, sizeof(op->t));
	assert_int_equal(counter.live, 0);
}

static void test_fail_nth_from_pages(void **state)
{
	struct from_pages_op op;
	unsigned int i;

	(void)state;
	memset(&op, 0, sizeof(op));
	memset(&op.sentinel, 0x77, sizeof(op.sentinel));
	op.n = 400;
	op.pfns = calloc(op.n, sizeof(*op.pfns));
	assert_non_null(op.pfns);
	for (i = 0; i < op.n; i++)
		op.pfns[i] = 2 * i;
	assert_int_equal(rh_test_fail_nth_sweep(op_from_pages, undo_from_pages,
						clean_from_pages, &op),
			 chunks_for(op.n));
	free(op.pfns);
}

/*
 * One append after a first call that left room in a partly used chunk: a
 * failure must put back the partly written chunk and its end slot.
 */
struct append_op {
	struct rh_sg_append_table app;
	unsigned long *pfns;
	unsigned int n1, n2;
	unsigned int expect;
};

static void snapshot_table(const struct rh_sg_append_table *app,
			   unsigned long *links, unsigned int *lens, unsigned int n)
{
	struct rh_scatterlist *sg = app->sgt.sgl;
	unsigned int i;

	/* Walk slots, not entries: unused slots must stay zero too. */
	for (i = 0; i < n; i++) {
		links[i] = sg->page_link;
		lens[i] = sg->length;
		if (i + 1 < n && rh_sg_is_chain(sg + 1))
			sg = rh_sg_chain_ptr(sg + 1);
		else
			sg++;
	}
}

static int op_append(void *arg)
{
	struct append_op *op = arg;
	unsigned long links[2][256];
	unsigned int lens[2][256];
	struct rh_sg_append_table before;
	unsigned int armed, i;
	int ret;

	/* The first call is set-up, not under test: disarm for it. */
	armed = rh_fail_nth_get();
	rh_fail_nth_set(0);
	memset(&op->app, 0, sizeof(op->app));
	ret = rh_sg_alloc_append_table_from_pages(&op->app, op->pfns, op->n1, 0,
						  (unsigned long)op->n1 * PG,
						  SGMAX, op->n2);
	assert_int_equal(ret, 0);
	before = op->app;
	assert_true(op->app.total_nents <= 256);
	snapshot_table(&op->app, links[0], lens[0], op->app.total_nents);

	rh_fail_nth_set(armed);
	ret = rh_sg_alloc_append_table_from_pages(&op->app, op->pfns + op->n1,
						  op->n2, 0,
						  (unsigned long)op->n2 * PG,
						  SGMAX, 0);
	if (ret) {
		armed = rh_fail_nth_get();
		rh_fail_nth_set(0);
		assert_memory_equal(&op->app, &before, sizeof(before));
		snapshot_table(&op->app, links[1], lens[1], op->app.total_nents);
		for (i = 0; i < op->app.total_nents; i++) {
			assert_int_equal(links[0][i], links[1][i]);
			assert_int_equal(lens[0][i], lens[1][i]);
		}
		rh_sg_free_append_table(&op->app);
		rh_fail_nth_set(armed);
	}
	return ret;
}

static void undo_append(void *arg)
{
	struct append_op *op = arg;

	check_from_pages(&op->app.sgt, op->pfns, op->n1 + op->n2, 0,
			 (unsigned long)(op->n1 + op->n2) * PG, UINT_MAX,
			 op->expect);
	rh_sg_free_append_table(&op->app);
}

static void clean_append(void *arg)
{
	struct append_op *op = arg;

	assert_null(op->app.sgt.sgl);
	assert_int_equal(counter.live, 0);
}

static void test_fail_nth_append(void **state)
{
	struct append_op op;
	unsigned int i;

	(void)state;
	memset(&op, 0, sizeof(op));
	/*
	 * 150 entries use 23 slots of a second 128-slot chunk. The next call's
	 * first 3 frames extend the last entry (so a failure must also put its
	 * length back), its other 397 fill that chunk and 3 new ones.
	 */
	op.n1 = 150;
	op.n2 = 400;
	op.expect = op.n1 + op.n2 - 3;
	op.pfns = calloc(op.n1 + op.n2, sizeof(*op.pfns));
	assert_non_null(op.pfns);
	for (i = 0; i < op.n1; i++)
		op.pfns[i] = 2 * i + 1;
	for (i = 0; i < op.n2; i++)
		op.pfns[op.n1 + i] = i < 3 ? 2 * op.n1 + i : 2 * op.n1 + 4 + 2 * (i - 3);
	assert_int_equal(rh_test_fail_nth_sweep(op_append, undo_append,
						clean_append, &op), 3);
	free(op.pfns);
}

struct dup_op {
	struct rh_sg_table src;
	struct rh_sg_table *dup;
	long base_live;
};

static int op_dup(void *arg)
{
	struct dup_op *op = arg;

	op->dup = rh_sg_dup_table(&op->src);
	/* never NULL: either a table or an error pointer */
	assert_non_null(op->dup);
	if (RH_IS_ERR(op->dup))
		return (int)RH_PTR_ERR(op->dup);
	return 0;
}

static void undo_dup(void *arg)
{
	struct dup_op *op = arg;

	assert_int_equal(op->dup->orig_nents, op->src.orig_nents);
	rh_sg_dup_table_free(op->dup);
	op->dup = NULL;
}

static void clean_dup(void *arg)
{
	struct dup_op *op = arg;

	assert_int_equal(counter.live, op->base_live);
	assert_int_equal(rh_sg_nents(op->src.sgl), op->src.orig_nents);
}

static void test_fail_nth_dup(void **state)
{
	static const unsigned int sizes[] = { 3, 300 };
	struct rh_scatterlist *sg;
	unsigned int i, k;

	(void)state;
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct dup_op op;

		memset(&op, 0, sizeof(op));
		assert_int_equal(rh_sg_alloc_table(&op.src, sizes[k]), 0);
		rh_for_each_sgtable_sg(&op.src, sg, i)
			rh_sg_set_page(sg, i * 4, PG, 0);
		op.base_live = counter.live;
		/* the struct, then one allocation per chunk */
		assert_int_equal(rh_test_fail_nth_sweep(op_dup, undo_dup, clean_dup, &op),
				 1 + chunks_for(sizes[k]));
		rh_sg_free_table(&op.src);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, hook_setup, hook_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_from_pages_upstream_cases),
		T(test_from_pages_offset_and_trim),
		T(test_from_pages_chained),
		T(test_from_pages_bad_input),
		T(test_append_upstream_cases),
		T(test_append_chained),
		T(test_append_bad_input),
		T(test_alloc_chain_200),
		T(test_alloc_chunk_boundaries),
		T(test_alloc_bad_input),
		T(test_inline_helpers),
		T(test_page_iter),
		T(test_dup_three_entries),
		T(test_dup_chained_300),
		T(test_dup_odd_chains),
		T(test_dup_chunk_boundaries),
		T(test_dup_bad_input),
		T(test_restricted_flag),
		T(test_fail_nth_alloc),
		T(test_fail_nth_from_pages),
		T(test_fail_nth_append),
		T(test_fail_nth_dup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
