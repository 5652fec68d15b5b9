// SPDX-License-Identifier: MIT
/* Unit tests of the CMA area model (src/mm/cma.c). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/alloc.h>

#include "mm/cma.h"
#include "internal.h"
#include "log-capture.h"
#include "rh-test.h"

#define MiB (1ULL << 20)
#define PG RH_PAGE_SIZE
#define BASE 0x4c000000ULL

static struct rh_cma *new_cma(struct rh_platform *plat, rh_phys_addr_t base, uint64_t size,
			      unsigned int order_per_bit)
{
	struct rh_cma *cma = NULL;

	assert_int_equal(rh_cma_init_reserved_mem(plat, base, size, order_per_bit, "test-cma",
						  &cma), 0);
	assert_non_null(cma);
	return cma;
}

static void test_init_alignment(void **state)
{
	struct rh_cma *cma = (void *)0x1;

	/* cma_init_reserved_mem(): nonzero size, base and size aligned to the bit size */
	assert_neg_errno(rh_cma_init_reserved_mem(NULL, BASE, 0, 0, "x", &cma), EINVAL);
	assert_neg_errno(rh_cma_init_reserved_mem(NULL, BASE + 0x800, MiB, 0, "x", &cma),
			 EINVAL);
	assert_neg_errno(rh_cma_init_reserved_mem(NULL, BASE, MiB + 0x800, 0, "x", &cma),
			 EINVAL);
	assert_neg_errno(rh_cma_init_reserved_mem(NULL, BASE + PG, MiB, 2, "x", &cma), EINVAL);
	assert_neg_errno(rh_cma_init_reserved_mem(NULL, BASE, MiB + 2 * PG, 2, "x", &cma),
			 EINVAL);
	assert_neg_errno(rh_cma_init_reserved_mem(NULL, BASE, 8 * MiB,
						  RH_CMA_MAX_ORDER_PER_BIT + 1, "x", &cma),
			 EINVAL);
	assert_neg_errno(rh_cma_init_reserved_mem(NULL, UINT64_MAX - PG + 1, 2 * PG, 0, "x",
						  &cma), EINVAL);
	assert_neg_errno(rh_cma_init_reserved_mem(NULL, BASE, MiB, 0, "x", NULL), EINVAL);
	assert_ptr_equal(cma, (void *)0x1);

	/* Aligned to exactly the bit size is enough. */
	assert_int_equal(rh_cma_init_reserved_mem(NULL, BASE + 4 * PG, 8 * PG, 2, NULL, &cma),
			 0);
	assert_int_equal(rh_cma_get_base(cma), BASE + 4 * PG);
	assert_int_equal(rh_cma_get_size(cma), 8 * PG);
	assert_int_equal(rh_cma_get_order_per_bit(cma), 2);
	assert_string_equal(rh_cma_get_name(cma), "cma");
	assert_int_equal(rh_cma_get_used_pages(cma), 0);
	rh_cma_destroy(cma);
}

static void test_getters(void **state)
{
	char longname[100];
	struct rh_cma *cma = new_cma(NULL, BASE, 64 * MiB, 0);

	assert_int_equal(rh_cma_get_base(cma), BASE);
	assert_int_equal(rh_cma_get_size(cma), 64 * MiB);
	assert_string_equal(rh_cma_get_name(cma), "test-cma");
	assert_int_equal(rh_cma_get_order_per_bit(cma), 0);
	rh_cma_destroy(cma);

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(rh_cma_init_reserved_mem(NULL, BASE, MiB, 0, longname, &cma), 0);
	assert_int_equal(strlen(rh_cma_get_name(cma)), RH_NAME_LEN - 1);
	assert_memory_equal(rh_cma_get_name(cma), longname, RH_NAME_LEN - 1);
	rh_cma_destroy(cma);

	assert_int_equal(rh_cma_get_base(NULL), 0);
	assert_int_equal(rh_cma_get_size(NULL), 0);
	assert_null(rh_cma_get_name(NULL));
	assert_int_equal(rh_cma_get_used_pages(NULL), 0);
	rh_cma_destroy(NULL);
}

static int init_op(void *arg)
{
	struct rh_cma **cma = arg;

	return rh_cma_init_reserved_mem(NULL, BASE, 384 * MiB, 0, "restricted-cma", cma);
}

static void init_undo(void *arg)
{
	struct rh_cma **cma = arg;

	assert_non_null(*cma);
	rh_cma_destroy(*cma);
	*cma = NULL;
}

static void init_clean(void *arg)
{
	struct rh_cma **cma = arg;

	assert_null(*cma);
}

static void test_init_fail_nth(void **state)
{
	struct rh_cma *cma = NULL;

	assert_int_equal(rh_test_fail_nth_sweep(init_op, init_undo, init_clean, &cma), 2);
}

/* What the MTK CMA heap does: the whole region at once (patch 9). */
static void test_whole_area(void **state)
{
	const unsigned long count = (384 * MiB) >> RH_PAGE_SHIFT;
	struct rh_cma *cma = new_cma(NULL, 0xa8000000ULL, 384 * MiB, 0);
	rh_phys_addr_t pa = 0x1234, pa2 = 0x1234;
	int i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(rh_cma_alloc(cma, count, 0, &pa), 0);
		assert_int_equal(pa, 0xa8000000ULL);
		assert_int_equal(rh_cma_get_used_pages(cma), count);
		assert_neg_errno(rh_cma_alloc(cma, 1, 0, &pa2), ENOMEM);
		assert_int_equal(pa2, 0x1234);
		assert_true(rh_cma_release(cma, pa, count));
		assert_int_equal(rh_cma_get_used_pages(cma), 0);
	}
	rh_cma_destroy(cma);
}

static void test_alloc_bad_args(void **state)
{
	struct rh_cma *cma = new_cma(NULL, BASE, 64 * PG, 0);
	rh_phys_addr_t pa = 0x1234;

	assert_neg_errno(rh_cma_alloc(cma, 0, 0, &pa), EINVAL);
	assert_neg_errno(rh_cma_alloc(cma, 65, 0, &pa), EINVAL);
	assert_neg_errno(rh_cma_alloc(cma, (unsigned long)-1, 0, &pa), EINVAL);
	assert_neg_errno(rh_cma_alloc(cma, 1, RH_CMA_MAX_ALIGN_ORDER + 1, &pa), EINVAL);
	assert_neg_errno(rh_cma_alloc(cma, 1, 0, NULL), EINVAL);
	assert_neg_errno(rh_cma_alloc(NULL, 1, 0, &pa), EINVAL);
	assert_int_equal(pa, 0x1234);
	assert_int_equal(rh_cma_get_used_pages(cma), 0);
	/* The largest alignment is accepted, and finds nothing this far out. */
	assert_neg_errno(rh_cma_alloc(cma, 1, RH_CMA_MAX_ALIGN_ORDER, &pa), ENOMEM);
	rh_cma_destroy(cma);
}

static void test_align_order(void **state)
{
	/* base pfn 0x4c001: not aligned to anything above a page */
	struct rh_cma *cma = new_cma(NULL, BASE + PG, 64 * PG, 0);
	rh_phys_addr_t a, b, c, d;

	assert_int_equal(rh_cma_alloc(cma, 1, 0, &a), 0);
	assert_int_equal(a, BASE + PG);
	/* 16 KiB alignment skips to pfn 0x4c004 (bit 3), leaving bits 1-2 */
	assert_int_equal(rh_cma_alloc(cma, 1, 2, &b), 0);
	assert_int_equal(b, BASE + 4 * PG);
	assert_int_equal(rh_cma_alloc(cma, 2, 0, &c), 0);
	assert_int_equal(c, BASE + 2 * PG);
	/* 8 pages at 32 KiB alignment: pfn 0x4c008 */
	assert_int_equal(rh_cma_alloc(cma, 8, 3, &d), 0);
	assert_int_equal(d, BASE + 8 * PG);
	assert_true(RH_IS_ALIGNED(d, 8 * PG));
	assert_int_equal(rh_cma_get_used_pages(cma), 12);
	/* 64 KiB alignment inside a 256 KiB area at +4 KiB: three such places */
	assert_int_equal(rh_cma_alloc(cma, 16, 4, &a), 0);
	assert_int_equal(a, BASE + 16 * PG);
	assert_int_equal(rh_cma_alloc(cma, 16, 4, &a), 0);
	assert_int_equal(a, BASE + 32 * PG);
	assert_int_equal(rh_cma_alloc(cma, 16, 4, &a), 0);
	assert_int_equal(a, BASE + 48 * PG);
	/* left: bits 4-6 (pfn 0x4c005-7) and bit 63 (pfn 0x4c040) */
	assert_int_equal(rh_cma_get_used_pages(cma), 60);
	assert_neg_errno(rh_cma_alloc(cma, 16, 4, &a), ENOMEM);
	assert_neg_errno(rh_cma_alloc(cma, 4, 0, &a), ENOMEM);
	assert_neg_errno(rh_cma_alloc(cma, 2, 2, &a), ENOMEM);
	assert_int_equal(rh_cma_alloc(cma, 3, 0, &a), 0);
	assert_int_equal(a, BASE + 5 * PG);
	assert_neg_errno(rh_cma_alloc(cma, 2, 0, &a), ENOMEM);
	assert_int_equal(rh_cma_alloc(cma, 1, 6, &a), 0);
	assert_int_equal(a, BASE + 64 * PG);
	assert_int_equal(rh_cma_get_used_pages(cma), 64);
	rh_cma_destroy(cma);
}

static void test_order_per_bit(void **state)
{
	struct log_capture *cap = log_capture_new();
	struct rh_cma *cma = new_cma(&cap->plat, BASE, 64 * PG, 2); /* 16 bits of 4 pages */
	rh_phys_addr_t a, b, c;

	assert_int_equal(rh_cma_alloc(cma, 1, 0, &a), 0);
	assert_int_equal(a, BASE);
	assert_int_equal(rh_cma_get_used_pages(cma), 4);
	assert_int_equal(rh_cma_alloc(cma, 5, 0, &b), 0);
	assert_int_equal(b, BASE + 4 * PG);
	assert_int_equal(rh_cma_get_used_pages(cma), 12);
	/* align_order below order_per_bit adds nothing */
	assert_int_equal(rh_cma_alloc(cma, 1, 1, &c), 0);
	assert_int_equal(c, BASE + 12 * PG);
	/* an alignment of 8 bits (32 pages) */
	assert_int_equal(rh_cma_alloc(cma, 1, 5, &c), 0);
	assert_int_equal(c, BASE + 32 * PG);
	assert_int_equal(rh_cma_get_used_pages(cma), 20);

	assert_true(rh_cma_release(cma, a, 1));
	assert_int_equal(rh_cma_get_used_pages(cma), 16);
	/* a release must start on a bit */
	assert_false(rh_cma_release(cma, b + PG, 1));
	assert_int_equal(cap->nr_lines, 1);
	assert_non_null(strstr(cap->last, "order_per_bit"));
	/* 5 pages was two bits */
	assert_true(rh_cma_release(cma, b, 5));
	assert_int_equal(rh_cma_get_used_pages(cma), 8);
	assert_true(rh_cma_release(cma, c, 4));
	assert_true(rh_cma_release(cma, BASE + 12 * PG, 1));
	assert_int_equal(rh_cma_get_used_pages(cma), 0);
	assert_int_equal(cap->nr_lines, 1);
	rh_cma_destroy(cma);
	free(cap);
}

static void test_enomem_fragmented(void **state)
{
	struct rh_cma *cma = new_cma(NULL, BASE, 64 * PG, 0);
	rh_phys_addr_t pa[64], x = 0x1234;
	unsigned int i;

	for (i = 0; i < 64; i++) {
		assert_int_equal(rh_cma_alloc(cma, 1, 0, &pa[i]), 0);
		assert_int_equal(pa[i], BASE + i * PG);
	}
	assert_neg_errno(rh_cma_alloc(cma, 1, 0, &x), ENOMEM);
	for (i = 0; i < 64; i += 2)
		assert_true(rh_cma_release(cma, pa[i], 1));
	assert_int_equal(rh_cma_get_used_pages(cma), 32);
	assert_neg_errno(rh_cma_alloc(cma, 2, 0, &x), ENOMEM);
	assert_int_equal(x, 0x1234);
	/* Freeing neighbours makes room again, exactly there. */
	assert_true(rh_cma_release(cma, pa[41], 1));
	assert_int_equal(rh_cma_alloc(cma, 3, 0, &x), 0);
	assert_int_equal(x, pa[40]);
	rh_cma_destroy(cma);
}

static void test_release_errors(void **state)
{
	struct log_capture *cap = log_capture_new();
	struct rh_cma *cma = new_cma(&cap->plat, BASE, 64 * PG, 0);
	rh_phys_addr_t a, b;
	unsigned int lines = 0;

	assert_int_equal(rh_cma_alloc(cma, 4, 0, &a), 0);
	assert_int_equal(rh_cma_alloc(cma, 4, 0, &b), 0);
	assert_int_equal(rh_cma_get_used_pages(cma), 8);

	assert_false(rh_cma_release(cma, BASE - PG, 1));
	assert_int_equal(cap->nr_lines, ++lines);
	assert_non_null(strstr(cap->last, "caller bug"));
	assert_non_null(strstr(cap->last, "test-cma"));
	assert_non_null(strstr(cap->last, "not inside"));
	assert_false(rh_cma_release(cma, BASE + 64 * PG, 1));
	assert_int_equal(cap->nr_lines, ++lines);
	assert_false(rh_cma_release(cma, BASE + 60 * PG, 5));
	assert_int_equal(cap->nr_lines, ++lines);
	assert_non_null(strstr(cap->last, "past the end"));
	assert_false(rh_cma_release(cma, a + 1, 1));
	assert_int_equal(cap->nr_lines, ++lines);
	assert_false(rh_cma_release(cma, a, 0));
	assert_int_equal(cap->nr_lines, ++lines);
	/* straddling allocated and free pages: refused whole */
	assert_false(rh_cma_release(cma, b, 5));
	assert_int_equal(cap->nr_lines, ++lines);
	assert_non_null(strstr(cap->last, "not allocated"));
	assert_false(rh_cma_release(cma, BASE + 20 * PG, 1));
	assert_int_equal(cap->nr_lines, ++lines);
	assert_false(rh_cma_release(NULL, a, 1));
	assert_int_equal(rh_cma_get_used_pages(cma), 8);

	/* A part of an allocation may go back (the kernel allows it) ... */
	assert_true(rh_cma_release(cma, a + 2 * PG, 2));
	assert_int_equal(rh_cma_get_used_pages(cma), 6);
	/* ... but not twice. */
	assert_false(rh_cma_release(cma, a + 2 * PG, 2));
	assert_int_equal(cap->nr_lines, ++lines);
	assert_true(rh_cma_release(cma, a, 2));
	assert_true(rh_cma_release(cma, b, 4));
	assert_false(rh_cma_release(cma, b, 4)); /* double release */
	assert_int_equal(cap->nr_lines, ++lines);
	assert_int_equal(rh_cma_get_used_pages(cma), 0);
	rh_cma_destroy(cma);
	free(cap);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Reference first fit: the lowest aligned run of free pages. */
static long ref_first_fit(const unsigned char *used, unsigned long n, uint64_t base_pfn,
			  unsigned long count, unsigned int align)
{
	unsigned long i, j;

	for (i = 0; i + count <= n; i++) {
		if ((base_pfn + i) & ((1UL << align) - 1))
			continue;
		for (j = 0; j < count && !used[i + j]; j++)
			;
		if (j == count)
			return (long)i;
	}
	return -1;
}

/* Random alloc/release: results equal a naive first-fit model, page for page. */
static void test_random_model(void **state)
{
	const unsigned long n = 4096;
	const uint64_t base = BASE + 3 * PG;
	struct rh_cma *cma = new_cma(NULL, base, n * PG, 0);
	unsigned char *used = calloc(n, 1);
	struct { unsigned long off, count; } live[512];
	unsigned long nr_live = 0, nr_used = 0, count, k, i;
	uint64_t seed = 42;
	unsigned int align, step;
	rh_phys_addr_t pa;
	long expect;
	int ret;

	assert_non_null(used);
	for (step = 0; step < 20000; step++) {
		if (nr_live == 512 || (nr_live && rnd(&seed) % 2)) {
			k = rnd(&seed) % nr_live;
			assert_true(rh_cma_release(cma, base + live[k].off * PG, live[k].count));
			for (i = 0; i < live[k].count; i++)
				used[live[k].off + i] = 0;
			nr_used -= live[k].count;
			live[k] = live[--nr_live];
			continue;
		}
		count = 1 + rnd(&seed) % 64;
		align = (unsigned int)(rnd(&seed) % 6);
		expect = ref_first_fit(used, n, base >> RH_PAGE_SHIFT, count, align);
		ret = rh_cma_alloc(cma, count, align, &pa);
		if (expect < 0) {
			assert_int_equal(ret, -ENOMEM);
			continue;
		}
		assert_int_equal(ret, 0);
		assert_int_equal(pa, base + (uint64_t)expect * PG);
		for (i = 0; i < count; i++)
			used[expect + (long)i] = 1;
		live[nr_live].off = (unsigned long)expect;
		live[nr_live++].count = count;
		nr_used += count;
		assert_int_equal(rh_cma_get_used_pages(cma), nr_used);
	}
	while (nr_live--)
		assert_true(rh_cma_release(cma, base + live[nr_live].off * PG,
					   live[nr_live].count));
	assert_int_equal(rh_cma_get_used_pages(cma), 0);
	free(used);
	rh_cma_destroy(cma);
}

static void *thread_churn(void *data)
{
	struct rh_cma *cma = data;
	rh_phys_addr_t pa[16];
	unsigned long cnt[16];
	unsigned int nr = 0, i;
	uint64_t seed = (uint64_t)(uintptr_t)&nr | 1;

	for (i = 0; i < 5000; i++) {
		if (nr == 16 || (nr && rnd(&seed) % 2)) {
			nr--;
			if (!rh_cma_release(cma, pa[nr], cnt[nr]))
				return (void *)1;
			continue;
		}
		cnt[nr] = 1 + rnd(&seed) % 8;
		if (rh_cma_alloc(cma, cnt[nr], 0, &pa[nr]) == 0)
			nr++;
	}
	while (nr--)
		if (!rh_cma_release(cma, pa[nr], cnt[nr]))
			return (void *)1;
	return NULL;
}

static void test_threads(void **state)
{
	struct rh_cma *cma = new_cma(NULL, BASE, 256 * PG, 0);
	pthread_t th[4];
	void *res;
	unsigned int i;

	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_churn, cma), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], &res), 0);
		assert_null(res);
	}
	assert_int_equal(rh_cma_get_used_pages(cma), 0);
	rh_cma_destroy(cma);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_alignment),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_init_fail_nth),
		cmocka_unit_test(test_whole_area),
		cmocka_unit_test(test_alloc_bad_args),
		cmocka_unit_test(test_align_order),
		cmocka_unit_test(test_order_per_bit),
		cmocka_unit_test(test_enomem_fragmented),
		cmocka_unit_test(test_release_errors),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
