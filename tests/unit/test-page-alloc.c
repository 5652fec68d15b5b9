// SPDX-License-Identifier: MIT
/* Unit tests of the buddy page allocator (src/mm/page-alloc.c). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/alloc.h>

#include "internal.h"
#include "mm/page-alloc.h"
#include "log-capture.h"
#include "rh-test.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define BASE 0x40000000ULL
#define PAGES(bytes) ((bytes) >> RH_PAGE_SHIFT)

/* A bare platform whose log lines land here: lets tests see "caller bug" reports. */
static struct rh_page_alloc *new_alloc(struct rh_platform *plat, rh_phys_addr_t base,
				       uint64_t size)
{
	struct rh_page_alloc *pa = NULL;

	assert_int_equal(rh_page_alloc_init(plat, base, size, &pa), 0);
	assert_non_null(pa);
	return pa;
}

static struct rh_page_alloc_stats get_stats(struct rh_page_alloc *pa)
{
	struct rh_page_alloc_stats st;

	memset(&st, 0xa5, sizeof(st));
	rh_page_alloc_get_stats(pa, &st);
	return st;
}

/* Every page is free, allocated or reserved, and the free blocks add up. */
static void assert_consistent(struct rh_page_alloc *pa)
{
	struct rh_page_alloc_stats st = get_stats(pa);
	uint64_t sum = 0;
	unsigned int o;

	for (o = 0; o <= RH_MAX_ORDER; o++)
		sum += st.nr_free_blocks[o] << o;
	assert_int_equal(sum, st.nr_free);
	assert_int_equal(st.nr_free + st.nr_allocated + st.nr_reserved, st.nr_pages);
}

static void assert_stats_equal(const struct rh_page_alloc_stats *a,
			       const struct rh_page_alloc_stats *b)
{
	assert_memory_equal(a, b, sizeof(*a));
}

static void test_init_bad_args(void **state)
{
	struct rh_page_alloc *pa = (void *)0x1;

	assert_neg_errno(rh_page_alloc_init(NULL, BASE, 0, &pa), EINVAL);
	assert_neg_errno(rh_page_alloc_init(NULL, BASE + 0x800, 8 * MiB, &pa), EINVAL);
	assert_neg_errno(rh_page_alloc_init(NULL, BASE, 8 * MiB + 1, &pa), EINVAL);
	assert_neg_errno(rh_page_alloc_init(NULL, UINT64_MAX - 0xfff, 2 * RH_PAGE_SIZE, &pa),
			 EINVAL);
	assert_neg_errno(rh_page_alloc_init(NULL, BASE, 8 * MiB, NULL), EINVAL);
	assert_ptr_equal(pa, (void *)0x1);
}

static int init_op(void *arg)
{
	struct rh_page_alloc **pa = arg;

	return rh_page_alloc_init(NULL, BASE, 64 * MiB, pa);
}

static void init_undo(void *arg)
{
	struct rh_page_alloc **pa = arg;

	assert_non_null(*pa);
	rh_page_alloc_destroy(*pa);
	*pa = NULL;
}

static void init_clean(void *arg)
{
	struct rh_page_alloc **pa = arg;

	assert_null(*pa);
}

static void test_init_fail_nth(void **state)
{
	struct rh_page_alloc *pa = NULL;
	unsigned int sites;

	sites = rh_test_fail_nth_sweep(init_op, init_undo, init_clean, &pa);
	assert_int_equal(sites, 3);
}

static void test_fresh_2g(void **state)
{
	struct rh_page_alloc *pa = new_alloc(NULL, BASE, 2 * GiB);
	struct rh_page_alloc_stats st = get_stats(pa);
	rh_phys_addr_t addr;
	unsigned int o;

	assert_int_equal(st.nr_pages, 524288);
	assert_int_equal(st.nr_free, 524288);
	assert_int_equal(st.nr_allocated, 0);
	assert_int_equal(st.nr_reserved, 0);
	for (o = 0; o < RH_MAX_ORDER; o++)
		assert_int_equal(st.nr_free_blocks[o], 0);
	assert_int_equal(st.nr_free_blocks[RH_MAX_ORDER], 512);
	assert_int_equal(rh_page_alloc_get_base(pa), BASE);
	assert_int_equal(rh_page_alloc_get_size(pa), 2 * GiB);

	assert_int_equal(rh_page_alloc_alloc(pa, RH_MAX_ORDER, &addr), 0);
	assert_int_equal(addr, BASE);
	rh_page_alloc_free(pa, addr, RH_MAX_ORDER);
	assert_consistent(pa);
	rh_page_alloc_destroy(pa);
}

static void test_split_merge(void **state)
{
	struct rh_page_alloc *pa = new_alloc(NULL, BASE, 8 * MiB);
	struct rh_page_alloc_stats st;
	rh_phys_addr_t addr, addr2;
	unsigned int o;

	assert_int_equal(get_stats(pa).nr_free_blocks[RH_MAX_ORDER], 2);

	/* One page from a fresh allocator splits a 4 MiB block all the way down. */
	assert_int_equal(rh_page_alloc_alloc(pa, 0, &addr), 0);
	assert_int_equal(addr, BASE);
	st = get_stats(pa);
	for (o = 0; o < RH_MAX_ORDER; o++)
		assert_int_equal(st.nr_free_blocks[o], 1);
	assert_int_equal(st.nr_free_blocks[RH_MAX_ORDER], 1);
	assert_int_equal(st.nr_allocated, 1);
	assert_int_equal(st.nr_free, PAGES(8 * MiB) - 1);
	assert_consistent(pa);

	/* The next page is the buddy left free by the split. */
	assert_int_equal(rh_page_alloc_alloc(pa, 0, &addr2), 0);
	assert_int_equal(addr2, BASE + RH_PAGE_SIZE);
	assert_int_equal(get_stats(pa).nr_free_blocks[0], 0);

	/* Freeing both coalesces back to two max-order blocks. */
	rh_page_alloc_free(pa, addr, 0);
	assert_int_equal(get_stats(pa).nr_free_blocks[0], 1);
	rh_page_alloc_free(pa, addr2, 0);
	st = get_stats(pa);
	for (o = 0; o < RH_MAX_ORDER; o++)
		assert_int_equal(st.nr_free_blocks[o], 0);
	assert_int_equal(st.nr_free_blocks[RH_MAX_ORDER], 2);
	assert_int_equal(st.nr_free, PAGES(8 * MiB));
	assert_int_equal(st.nr_allocated, 0);
	rh_page_alloc_destroy(pa);
}

static void test_orders_aligned(void **state)
{
	struct rh_page_alloc *pa = new_alloc(NULL, BASE, 16 * MiB);
	rh_phys_addr_t addrs[RH_NR_ORDERS];
	unsigned int o;

	/* Mixed orders: every block is naturally aligned and inside the span. */
	for (o = 0; o <= RH_MAX_ORDER; o++) {
		assert_int_equal(rh_page_alloc_alloc(pa, o, &addrs[o]), 0);
		assert_true(RH_IS_ALIGNED(addrs[o], RH_PAGE_SIZE << o));
		assert_true(addrs[o] >= BASE);
		assert_true(addrs[o] + (RH_PAGE_SIZE << o) <= BASE + 16 * MiB);
	}
	assert_int_equal(get_stats(pa).nr_allocated, (1u << RH_NR_ORDERS) - 1);
	assert_consistent(pa);
	for (o = 0; o <= RH_MAX_ORDER; o++)
		rh_page_alloc_free(pa, addrs[o], o);
	assert_int_equal(get_stats(pa).nr_free_blocks[RH_MAX_ORDER], 4);
	rh_page_alloc_destroy(pa);
}

static void test_bad_order(void **state)
{
	struct rh_page_alloc *pa = new_alloc(NULL, BASE, 8 * MiB);
	struct rh_page_alloc_stats before = get_stats(pa), after;
	rh_phys_addr_t addr = 0x1234;

	assert_neg_errno(rh_page_alloc_alloc(pa, RH_MAX_ORDER + 1, &addr), EINVAL);
	assert_neg_errno(rh_page_alloc_alloc(pa, 0, NULL), EINVAL);
	assert_neg_errno(rh_page_alloc_alloc(NULL, 0, &addr), EINVAL);
	assert_int_equal(addr, 0x1234);
	after = get_stats(pa);
	assert_stats_equal(&before, &after);
	rh_page_alloc_destroy(pa);
}

static void test_exhaustion_and_recovery(void **state)
{
	const uint64_t n = PAGES(4 * MiB);
	struct rh_page_alloc *pa = new_alloc(NULL, BASE, 4 * MiB);
	rh_phys_addr_t *addrs = calloc(n, sizeof(*addrs));
	rh_phys_addr_t addr = 0x1234;
	uint64_t i;

	assert_non_null(addrs);
	for (i = 0; i < n; i++) {
		assert_int_equal(rh_page_alloc_alloc(pa, 0, &addrs[i]), 0);
		/* lowest address first: pages come out in order */
		assert_int_equal(addrs[i], BASE + i * RH_PAGE_SIZE);
	}
	assert_neg_errno(rh_page_alloc_alloc(pa, 0, &addr), ENOMEM);
	assert_neg_errno(rh_page_alloc_alloc(pa, 3, &addr), ENOMEM);
	assert_int_equal(addr, 0x1234);
	assert_int_equal(get_stats(pa).nr_free, 0);

	/* One page back: it is what the next allocation gets. */
	rh_page_alloc_free(pa, addrs[77], 0);
	assert_int_equal(rh_page_alloc_alloc(pa, 0, &addr), 0);
	assert_int_equal(addr, addrs[77]);

	/* Fragmentation: every other page free -> no order-1 block. */
	for (i = 0; i < n; i += 2)
		rh_page_alloc_free(pa, addrs[i], 0);
	assert_int_equal(get_stats(pa).nr_free, n / 2);
	assert_int_equal(get_stats(pa).nr_free_blocks[0], n / 2);
	assert_neg_errno(rh_page_alloc_alloc(pa, 1, &addr), ENOMEM);
	assert_consistent(pa);

	/* Free the rest: everything merges and an order-1 block exists again. */
	for (i = 1; i < n; i += 2)
		rh_page_alloc_free(pa, addrs[i], 0);
	assert_int_equal(get_stats(pa).nr_free_blocks[RH_MAX_ORDER], 1);
	assert_int_equal(rh_page_alloc_alloc(pa, 1, &addr), 0);
	assert_int_equal(addr, BASE);
	rh_page_alloc_free(pa, addr, 1);
	assert_int_equal(get_stats(pa).nr_free_blocks[RH_MAX_ORDER], 1);
	free(addrs);
	rh_page_alloc_destroy(pa);
}

/* A span that is not max-order aligned is covered by the largest aligned blocks. */
static void test_unaligned_span(void **state)
{
	/* pfn 0x40003 .. 0x40003 + 0x105 */
	struct rh_page_alloc *pa = new_alloc(NULL, BASE + 3 * RH_PAGE_SIZE, 0x105 * RH_PAGE_SIZE);
	struct rh_page_alloc_stats st = get_stats(pa);
	rh_phys_addr_t addr;

	assert_int_equal(st.nr_pages, 0x105);
	assert_int_equal(st.nr_free, 0x105);
	assert_consistent(pa);
	/* 0x40003: 1 page, 0x40004: 4, 0x40008: 8, ... 0x40100: 8 */
	assert_int_equal(st.nr_free_blocks[0], 1);
	assert_int_equal(st.nr_free_blocks[2], 1);
	assert_int_equal(st.nr_free_blocks[3], 2);
	assert_int_equal(st.nr_free_blocks[8], 0);
	assert_neg_errno(rh_page_alloc_alloc(pa, 8, &addr), ENOMEM);
	assert_int_equal(rh_page_alloc_alloc(pa, 7, &addr), 0);
	assert_int_equal(addr, BASE + 0x80 * RH_PAGE_SIZE);
	assert_int_equal(rh_page_alloc_alloc(pa, 2, &addr), 0);
	assert_int_equal(addr, BASE + 4 * RH_PAGE_SIZE);
	rh_page_alloc_destroy(pa);
}

static void test_reserve(void **state)
{
	const uint64_t size = 8 * MiB, n = PAGES(size);
	const rh_phys_addr_t rbase = BASE + 5 * RH_PAGE_SIZE;
	const uint64_t rsize = 0x201 * RH_PAGE_SIZE;
	struct rh_page_alloc *pa = new_alloc(NULL, BASE, size);
	struct rh_page_alloc_stats st;
	rh_phys_addr_t addr;
	uint64_t got = 0;

	assert_int_equal(rh_page_alloc_reserve(pa, rbase, rsize), 0);
	st = get_stats(pa);
	assert_int_equal(st.nr_reserved, 0x201);
	assert_int_equal(st.nr_free, n - 0x201);
	assert_consistent(pa);

	/* Reserved pages are never handed out: drain everything page by page. */
	while (rh_page_alloc_alloc(pa, 0, &addr) == 0) {
		assert_false(addr >= rbase && addr < rbase + rsize);
		got++;
	}
	assert_int_equal(got, n - 0x201);
	assert_int_equal(get_stats(pa).nr_free, 0);
	rh_page_alloc_destroy(pa);

	/* With max-order blocks, same by blocks of every order. */
	pa = new_alloc(NULL, BASE, size);
	assert_int_equal(rh_page_alloc_reserve(pa, BASE + 4 * MiB, 4 * MiB), 0);
	assert_int_equal(get_stats(pa).nr_free_blocks[RH_MAX_ORDER], 1);
	assert_int_equal(rh_page_alloc_alloc(pa, RH_MAX_ORDER, &addr), 0);
	assert_int_equal(addr, BASE);
	assert_neg_errno(rh_page_alloc_alloc(pa, 0, &addr), ENOMEM);
	rh_page_alloc_free(pa, BASE, RH_MAX_ORDER);
	assert_consistent(pa);
	rh_page_alloc_destroy(pa);
}

static void test_reserve_errors(void **state)
{
	struct rh_page_alloc *pa = new_alloc(NULL, BASE, 8 * MiB);
	struct rh_page_alloc_stats before, after;
	rh_phys_addr_t addr;

	assert_int_equal(rh_page_alloc_alloc(pa, 0, &addr), 0);
	assert_int_equal(rh_page_alloc_reserve(pa, BASE + MiB, MiB), 0);
	before = get_stats(pa);

	assert_neg_errno(rh_page_alloc_reserve(pa, BASE, 0), EINVAL);
	assert_neg_errno(rh_page_alloc_reserve(pa, BASE + 0x800, RH_PAGE_SIZE), EINVAL);
	assert_neg_errno(rh_page_alloc_reserve(pa, BASE, RH_PAGE_SIZE + 1), EINVAL);
	assert_neg_errno(rh_page_alloc_reserve(pa, BASE - RH_PAGE_SIZE, 2 * RH_PAGE_SIZE),
			 EINVAL);
	assert_neg_errno(rh_page_alloc_reserve(pa, BASE + 8 * MiB - RH_PAGE_SIZE,
					       2 * RH_PAGE_SIZE), EINVAL);
	assert_neg_errno(rh_page_alloc_reserve(pa, BASE + 8 * MiB, RH_PAGE_SIZE), EINVAL);
	assert_neg_errno(rh_page_alloc_reserve(NULL, BASE, RH_PAGE_SIZE), EINVAL);
	/* The allocated page, and a range ending in the reserved one: refused whole. */
	assert_neg_errno(rh_page_alloc_reserve(pa, BASE, 16 * RH_PAGE_SIZE), EBUSY);
	assert_neg_errno(rh_page_alloc_reserve(pa, BASE + 16 * RH_PAGE_SIZE,
					       MiB), EBUSY);
	assert_neg_errno(rh_page_alloc_reserve(pa, BASE + MiB, RH_PAGE_SIZE), EBUSY);
	after = get_stats(pa);
	assert_stats_equal(&before, &after);
	assert_consistent(pa);
	rh_page_alloc_destroy(pa);
}

static void test_bad_frees(void **state)
{
	struct log_capture *cap = log_capture_new();
	struct rh_page_alloc *pa = new_alloc(&cap->plat, BASE, 8 * MiB);
	struct rh_page_alloc_stats before, after;
	rh_phys_addr_t a0, a2, b;
	unsigned int lines;

	assert_int_equal(rh_page_alloc_reserve(pa, BASE + 4 * MiB, MiB), 0);
	assert_int_equal(rh_page_alloc_alloc(pa, 0, &a0), 0);
	assert_int_equal(rh_page_alloc_alloc(pa, 2, &a2), 0);
	assert_int_equal(rh_page_alloc_alloc(pa, 0, &b), 0);
	rh_page_alloc_free(pa, b, 0);
	before = get_stats(pa);
	lines = cap->nr_lines;

	rh_page_alloc_free(pa, b, 0); /* double free */
	assert_int_equal(cap->nr_lines, ++lines);
	assert_non_null(strstr(cap->last, "caller bug"));
	assert_non_null(strstr(cap->last, "double free"));
	rh_page_alloc_free(pa, a2, 1); /* wrong order */
	assert_int_equal(cap->nr_lines, ++lines);
	assert_non_null(strstr(cap->last, "another order"));
	rh_page_alloc_free(pa, a2, 3);
	assert_int_equal(cap->nr_lines, ++lines);
	rh_page_alloc_free(pa, a2 + RH_PAGE_SIZE, 0); /* inside a block */
	assert_int_equal(cap->nr_lines, ++lines);
	assert_non_null(strstr(cap->last, "not the first page"));
	rh_page_alloc_free(pa, a2 + 2 * RH_PAGE_SIZE, 1);
	assert_int_equal(cap->nr_lines, ++lines);
	rh_page_alloc_free(pa, a0 + 1, 0); /* not page aligned */
	assert_int_equal(cap->nr_lines, ++lines);
	rh_page_alloc_free(pa, BASE - RH_PAGE_SIZE, 0); /* outside */
	assert_int_equal(cap->nr_lines, ++lines);
	assert_non_null(strstr(cap->last, "outside"));
	rh_page_alloc_free(pa, BASE + 8 * MiB, 0);
	assert_int_equal(cap->nr_lines, ++lines);
	rh_page_alloc_free(pa, BASE + 4 * MiB, 0); /* reserved */
	assert_int_equal(cap->nr_lines, ++lines);
	assert_non_null(strstr(cap->last, "reserved"));
	rh_page_alloc_free(pa, a0, RH_MAX_ORDER + 1);
	assert_int_equal(cap->nr_lines, ++lines);
	assert_non_null(strstr(cap->last, "order out of range"));
	rh_page_alloc_free(pa, BASE + 6 * MiB, 0); /* never allocated, free */
	assert_int_equal(cap->nr_lines, ++lines);
	rh_page_alloc_free(NULL, a0, 0);
	assert_int_equal(cap->nr_lines, lines);

	after = get_stats(pa);
	assert_stats_equal(&before, &after);
	assert_consistent(pa);

	/* The real owners can still free, and everything coalesces. */
	rh_page_alloc_free(pa, a0, 0);
	rh_page_alloc_free(pa, a2, 2);
	after = get_stats(pa);
	assert_int_equal(after.nr_allocated, 0);
	assert_int_equal(after.nr_free_blocks[RH_MAX_ORDER], 1);
	assert_int_equal(cap->nr_lines, lines);
	rh_page_alloc_destroy(pa);
	free(cap);
}

/* xorshift64: deterministic pseudo-random sequence */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct live_block {
	rh_phys_addr_t addr;
	unsigned int order;
};

/* Random alloc/free against a shadow map: no page is ever handed out twice. */
static void test_random_model(void **state)
{
	const uint64_t size = 32 * MiB, n = PAGES(size);
	struct rh_page_alloc *pa = new_alloc(NULL, BASE, size);
	struct live_block *live = calloc(n, sizeof(*live));
	unsigned char *owned = calloc(n, 1);
	uint64_t seed = 0x9e3779b97f4a7c15ULL, i, p, nr_live = 0, pages_live = 0;
	unsigned int nr_ok = 0, nr_enomem = 0;
	struct rh_page_alloc_stats st;
	unsigned int order, step;
	rh_phys_addr_t addr;
	size_t k;
	int ret;

	assert_non_null(live);
	assert_non_null(owned);
	assert_int_equal(rh_page_alloc_reserve(pa, BASE + 9 * MiB + 0x3000, 3 * MiB), 0);
	for (p = PAGES(9 * MiB) + 3; p < PAGES(12 * MiB) + 3; p++)
		owned[p] = 2;

	for (step = 0; step < 200000; step++) {
		if (nr_live && (rnd(&seed) % 100) < 45) {
			k = rnd(&seed) % nr_live;
			for (i = 0; i < (1ULL << live[k].order); i++) {
				p = PAGES(live[k].addr - BASE) + i;
				assert_int_equal(owned[p], 1);
				owned[p] = 0;
			}
			rh_page_alloc_free(pa, live[k].addr, live[k].order);
			pages_live -= 1ULL << live[k].order;
			live[k] = live[--nr_live];
			continue;
		}
		order = (unsigned int)(rnd(&seed) % 5);
		if (!(rnd(&seed) % 64))
			order = RH_MAX_ORDER - (unsigned int)(rnd(&seed) % 3);
		ret = rh_page_alloc_alloc(pa, order, &addr);
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			nr_enomem++;
			continue;
		}
		nr_ok++;
		assert_true(RH_IS_ALIGNED(addr, RH_PAGE_SIZE << order));
		for (i = 0; i < (1ULL << order); i++) {
			p = PAGES(addr - BASE) + i;
			assert_true(p < n);
			assert_int_equal(owned[p], 0);
			owned[p] = 1;
		}
		live[nr_live].addr = addr;
		live[nr_live++].order = order;
		pages_live += 1ULL << order;
		if (!(step % 4096)) {
			assert_consistent(pa);
			assert_int_equal(get_stats(pa).nr_allocated, pages_live);
		}
	}
	/* the run reached exhaustion many times and still allocated plenty */
	assert_true(nr_enomem > 1000);
	assert_true(nr_ok > 50000);
	while (nr_live) {
		nr_live--;
		rh_page_alloc_free(pa, live[nr_live].addr, live[nr_live].order);
	}
	st = get_stats(pa);
	assert_int_equal(st.nr_allocated, 0);
	assert_int_equal(st.nr_free, n - PAGES(3 * MiB));
	assert_consistent(pa);
	/* Fully coalesced: the 4 max blocks away from the reserved range are whole. */
	assert_int_equal(st.nr_free_blocks[RH_MAX_ORDER], 8 - 2);
	free(owned);
	free(live);
	rh_page_alloc_destroy(pa);
}

struct thread_arg {
	struct rh_page_alloc *pa;
	uint64_t seed;
};

static void *thread_churn(void *data)
{
	struct thread_arg *arg = data;
	struct live_block live[64];
	unsigned int nr = 0, i, order;
	rh_phys_addr_t addr;

	for (i = 0; i < 20000; i++) {
		if (nr == 64 || (nr && rnd(&arg->seed) % 2)) {
			nr--;
			rh_page_alloc_free(arg->pa, live[nr].addr, live[nr].order);
			continue;
		}
		order = (unsigned int)(rnd(&arg->seed) % 4);
		if (rh_page_alloc_alloc(arg->pa, order, &addr) == 0) {
			live[nr].addr = addr;
			live[nr++].order = order;
		}
	}
	while (nr--)
		rh_page_alloc_free(arg->pa, live[nr].addr, live[nr].order);
	return NULL;
}

static void test_threads(void **state)
{
	struct rh_page_alloc *pa = new_alloc(NULL, BASE, 8 * MiB);
	struct thread_arg args[4];
	pthread_t th[4];
	struct rh_page_alloc_stats st;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		args[i].pa = pa;
		args[i].seed = 0x1234567ULL * (i + 1);
		assert_int_equal(pthread_create(&th[i], NULL, thread_churn, &args[i]), 0);
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	st = get_stats(pa);
	assert_int_equal(st.nr_allocated, 0);
	assert_int_equal(st.nr_free, PAGES(8 * MiB));
	assert_int_equal(st.nr_free_blocks[RH_MAX_ORDER], 2);
	rh_page_alloc_destroy(pa);
}

static void test_null_safe(void **state)
{
	struct rh_page_alloc_stats st;

	memset(&st, 0x5a, sizeof(st));
	rh_page_alloc_get_stats(NULL, &st);
	assert_int_equal(st.nr_pages, 0x5a5a5a5a5a5a5a5aULL);
	assert_int_equal(rh_page_alloc_get_base(NULL), 0);
	assert_int_equal(rh_page_alloc_get_size(NULL), 0);
	rh_page_alloc_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_bad_args),
		cmocka_unit_test(test_init_fail_nth),
		cmocka_unit_test(test_fresh_2g),
		cmocka_unit_test(test_split_merge),
		cmocka_unit_test(test_orders_aligned),
		cmocka_unit_test(test_bad_order),
		cmocka_unit_test(test_exhaustion_and_recovery),
		cmocka_unit_test(test_unaligned_span),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_reserve_errors),
		cmocka_unit_test(test_bad_frees),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_null_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
