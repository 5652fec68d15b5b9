// SPDX-License-Identifier: MIT
/* Unit tests of src/lib/scatterlist.c, part 2: from_pages, the append variant and their fail-nth sweeps. */
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

#include "sg-test.h"

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

void test_from_pages_upstream_cases(void **state)
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

void test_from_pages_offset_and_trim(void **state)
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
void test_from_pages_chained(void **state)
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

void test_from_pages_bad_input(void **state)
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

void test_append_upstream_cases(void **state)
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
void test_append_chained(void **state)
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

void test_append_bad_input(void **state)
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

/* ------------------------------------------------------- fail-nth sweeps */

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

void test_fail_nth_from_pages(void **state)
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

void test_fail_nth_append(void **state)
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
