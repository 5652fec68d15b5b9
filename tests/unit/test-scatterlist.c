// SPDX-License-Identifier: MIT
/*
 * Unit tests of src/lib/scatterlist.c, part 1: tables and chaining, the inline
 * helpers and iterators, dup, the restricted flag and the fail-nth sweeps
 * of alloc and dup; test-scatterlist-pages.c has from_pages and append.
 */
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

struct alloc_count counter;

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

unsigned int chunks_for(unsigned int n)
{
	if (n <= MAX_ENTS)
		return 1;
	return 1 + (unsigned int)((n - MAX_ENTS + (MAX_ENTS - 2)) / (MAX_ENTS - 1));
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
	/* source: 3 chunks; copy: struct and its 3 chunks in one block */
	assert_int_equal(counter.live, 3 + 1);
	assert_ptr_equal(rh_sg_chain_ptr(&dup->sgl[MAX_ENTS - 1]), &dup->sgl[MAX_ENTS]);

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
	static const unsigned int sizes[] = { 3, 128, 129, 300, 2048, 2049, 3000 };
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
		/*
		 * Up to 2048 entries: the struct and its chunks in one
		 * allocation; beyond: the struct, then one per chunk.
		 */
		assert_int_equal(rh_test_fail_nth_sweep(op_dup, undo_dup, clean_dup, &op),
				 sizes[k] <= 2048 ? 1 : 1 + chunks_for(sizes[k]));
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
