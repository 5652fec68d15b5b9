// SPDX-License-Identifier: MIT
/* Buddy page allocator for normal-world DRAM, after mm/page_alloc.c (metadata only). */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "internal.h"
#include "mm/page-alloc.h"

/*
 * Per-page state, one byte a page (2 GiB of DRAM = 512 KiB): the type in the
 * high nibble, the block order in the low nibble of a block's first page.
 * Pages inside a block (not its head) are PS_NONE, like a tail struct page.
 */
#define PS_NONE 0x00
#define PS_FREE 0x10     /* head of a free block: PageBuddy() + buddy_order() */
#define PS_ALLOC 0x20    /* head of an allocated block */
#define PS_RESERVED 0x30 /* every page of a reserved range */
#define PS_TYPE(s) ((s) & 0xf0)
#define PS_ORDER(s) ((unsigned int)((s) & 0x0f))

/*
 * The free "lists" are one hierarchical bitmap per order: bit i of level 0 is
 * set when the i-th order-aligned slot is the head of a free block; bit j of
 * level l+1 is set when word j of level l is nonzero. Insert and remove are
 * O(levels), finding the lowest free block is O(levels) = O(log64 n), and the
 * whole thing costs ~2 bits a page instead of list links in every page.
 * (BSD <bitstring.h> has neither 64-bit words nor a find-next, hence our own.)
 */
#define HB_MAX_LEVELS 10 /* 64^10 bits: more than any 64-bit span of pages */
#define HB_NONE UINT64_MAX

struct hbitmap {
	unsigned int nr_levels;
	uint64_t *level[HB_MAX_LEVELS];
};

struct free_area {
	struct hbitmap map;
	uint64_t first_slot; /* start_pfn >> order */
	uint64_t nr_free;    /* blocks */
};

struct rh_page_alloc {
	struct rh_platform *plat;
	pthread_mutex_t lock; /* the metadata below; never held across anything else */
	rh_phys_addr_t base;
	uint64_t size;
	uint64_t start_pfn, end_pfn;
	uint8_t *state;  /* nr_pages bytes */
	uint64_t *words; /* storage of every free_area's bitmap levels */
	struct free_area free_area[RH_NR_ORDERS];
	uint64_t nr_free, nr_allocated, nr_reserved; /* pages */
};

static size_t div_round_up(uint64_t n, uint64_t d)
{
	return (size_t)((n + d - 1) / d);
}

/* Words needed by a bitmap of @nbits bits, all levels; fills @nwords per level. */
static size_t hb_words(uint64_t nbits, size_t nwords[HB_MAX_LEVELS], unsigned int *ret_levels)
{
	unsigned int l = 0;
	size_t total;

	nwords[0] = div_round_up(nbits, 64);
	total = nwords[0];
	while (nwords[l] > 1) {
		nwords[l + 1] = div_round_up(nwords[l], 64);
		total += nwords[l + 1];
		l++;
	}
	*ret_levels = l + 1;
	return total;
}

static void hb_set(struct hbitmap *hb, uint64_t idx)
{
	unsigned int l;
	uint64_t was;

	for (l = 0; l < hb->nr_levels; l++) {
		was = hb->level[l][idx / 64];
		hb->level[l][idx / 64] = was | (1ULL << (idx % 64));
		if (was)
			break;
		idx /= 64;
	}
}

static void hb_clear(struct hbitmap *hb, uint64_t idx)
{
	unsigned int l;

	for (l = 0; l < hb->nr_levels; l++) {
		hb->level[l][idx / 64] &= ~(1ULL << (idx % 64));
		if (hb->level[l][idx / 64])
			break;
		idx /= 64;
	}
}

static uint64_t hb_find_first(const struct hbitmap *hb)
{
	unsigned int l = hb->nr_levels - 1;
	uint64_t idx = 0;

	if (!hb->level[l][0])
		return HB_NONE;
	for (;;) {
		idx = idx * 64 + (uint64_t)__builtin_ctzll(hb->level[l][idx]);
		if (!l)
			return idx;
		l--;
	}
}

static uint8_t *page_state(struct rh_page_alloc *pa, uint64_t pfn)
{
	assert(pfn >= pa->start_pfn && pfn < pa->end_pfn);
	return &pa->state[pfn - pa->start_pfn];
}

/* Mirrors __add_to_free_list(): head @pfn becomes a free block of @order. */
static void add_free_block(struct rh_page_alloc *pa, uint64_t pfn, unsigned int order)
{
	struct free_area *area = &pa->free_area[order];

	*page_state(pa, pfn) = PS_FREE | order;
	hb_set(&area->map, (pfn >> order) - area->first_slot);
	area->nr_free++;
}

/* Mirrors del_page_from_free_list(). */
static void del_free_block(struct rh_page_alloc *pa, uint64_t pfn, unsigned int order)
{
	struct free_area *area = &pa->free_area[order];

	assert(*page_state(pa, pfn) == (PS_FREE | order));
	*page_state(pa, pfn) = PS_NONE;
	hb_clear(&area->map, (pfn >> order) - area->first_slot);
	area->nr_free--;
}

/* Is @pfn the head of a free block of exactly @order? (page_is_buddy()) */
static bool is_free_block(struct rh_page_alloc *pa, uint64_t pfn, unsigned int order)
{
	if (pfn < pa->start_pfn || pfn >= pa->end_pfn)
		return false;
	return *page_state(pa, pfn) == (PS_FREE | order);
}

/* The free block containing @pfn, if any. */
static bool find_free_block(struct rh_page_alloc *pa, uint64_t pfn, uint64_t *ret_head,
			    unsigned int *ret_order)
{
	unsigned int order;
	uint64_t head;

	for (order = 0; order <= RH_MAX_ORDER; order++) {
		head = pfn & ~((1ULL << order) - 1);
		if (head < pa->start_pfn)
			return false;
		if (*page_state(pa, head) == (PS_FREE | order)) {
			*ret_head = head;
			*ret_order = order;
			return true;
		}
	}
	return false;
}

int rh_page_alloc_init(struct rh_platform *plat, rh_phys_addr_t base, uint64_t size,
		       struct rh_page_alloc **ret_pa)
{
	size_t nwords[RH_NR_ORDERS][HB_MAX_LEVELS];
	unsigned int nr_levels[RH_NR_ORDERS];
	struct rh_page_alloc *pa;
	uint64_t end, nr_pages, pfn, first, last, *w;
	size_t total = 0;
	unsigned int order, l;

	if (!ret_pa || !size || !RH_IS_ALIGNED(base | size, RH_PAGE_SIZE) ||
	    __builtin_add_overflow(base, size, &end))
		return -EINVAL;
	nr_pages = size >> RH_PAGE_SHIFT;
	if (nr_pages > SIZE_MAX / 2)
		return -ENOMEM;

	pa = rh_zalloc(sizeof(*pa));
	if (!pa)
		return -ENOMEM;
	pa->plat = plat;
	pa->base = base;
	pa->size = size;
	pa->start_pfn = base >> RH_PAGE_SHIFT;
	pa->end_pfn = pa->start_pfn + nr_pages;

	pa->state = rh_calloc(nr_pages, 1);
	if (!pa->state)
		goto err_free_pa;

	for (order = 0; order <= RH_MAX_ORDER; order++) {
		first = pa->start_pfn >> order;
		last = (pa->end_pfn - 1) >> order;
		total += hb_words(last - first + 1, nwords[order], &nr_levels[order]);
	}
	pa->words = rh_calloc(total, sizeof(uint64_t));
	if (!pa->words)
		goto err_free_state;
	w = pa->words;
	for (order = 0; order <= RH_MAX_ORDER; order++) {
		pa->free_area[order].first_slot = pa->start_pfn >> order;
		pa->free_area[order].map.nr_levels = nr_levels[order];
		for (l = 0; l < nr_levels[order]; l++) {
			pa->free_area[order].map.level[l] = w;
			w += nwords[order][l];
		}
	}

	/* __free_pages_memory(): the largest naturally aligned blocks that fit. */
	for (pfn = pa->start_pfn; pfn < pa->end_pfn; pfn += 1ULL << order) {
		order = pfn ? (unsigned int)__builtin_ctzll(pfn) : RH_MAX_ORDER;
		if (order > RH_MAX_ORDER)
			order = RH_MAX_ORDER;
		while (pfn + (1ULL << order) > pa->end_pfn)
			order--;
		add_free_block(pa, pfn, order);
	}
	pa->nr_free = nr_pages;
	pthread_mutex_init(&pa->lock, NULL);
	*ret_pa = pa;
	return 0;

err_free_state:
	rh_free(pa->state);
err_free_pa:
	rh_free(pa);
	return -ENOMEM;
}

void rh_page_alloc_destroy(struct rh_page_alloc *pa)
{
	if (!pa)
		return;
	pthread_mutex_destroy(&pa->lock);
	rh_free(pa->words);
	rh_free(pa->state);
	rh_free(pa);
}

/* Hands the parts of a free block outside [lo, hi) back, reserves the rest. */
static void carve_block(struct rh_page_alloc *pa, uint64_t head, unsigned int order,
			uint64_t lo, uint64_t hi)
{
	uint64_t end = head + (1ULL << order);

	if (end <= lo || head >= hi) {
		add_free_block(pa, head, order);
		return;
	}
	if (head >= lo && end <= hi) {
		memset(page_state(pa, head), PS_RESERVED, (size_t)(end - head));
		return;
	}
	assert(order > 0);
	carve_block(pa, head, order - 1, lo, hi);
	carve_block(pa, head + (1ULL << (order - 1)), order - 1, lo, hi);
}

int rh_page_alloc_reserve(struct rh_page_alloc *pa, rh_phys_addr_t base, uint64_t size)
{
	uint64_t lo, hi, pfn, head;
	unsigned int order;
	bool found;
	int ret = 0;

	if (!pa || !size || !RH_IS_ALIGNED(base | size, RH_PAGE_SIZE) ||
	    base < pa->base || size > pa->size || base - pa->base > pa->size - size)
		return -EINVAL;
	lo = base >> RH_PAGE_SHIFT;
	hi = lo + (size >> RH_PAGE_SHIFT);

	pthread_mutex_lock(&pa->lock);
	/* Check first so that a refused range changes nothing. */
	for (pfn = lo; pfn < hi; pfn = head + (1ULL << order)) {
		if (!find_free_block(pa, pfn, &head, &order)) {
			ret = -EBUSY;
			goto out_unlock;
		}
	}
	for (pfn = lo; pfn < hi; pfn = head + (1ULL << order)) {
		found = find_free_block(pa, pfn, &head, &order);
		assert(found);
		(void)found;
		del_free_block(pa, head, order);
		carve_block(pa, head, order, lo, hi);
	}
	pa->nr_free -= hi - lo;
	pa->nr_reserved += hi - lo;
out_unlock:
	pthread_mutex_unlock(&pa->lock);
	if (ret)
		rh_dbg(pa->plat, "page_alloc: reserve 0x%" PRIx64 "+0x%" PRIx64
		       ": range is not entirely free", base, size);
	return ret;
}

int rh_page_alloc_alloc(struct rh_page_alloc *pa, unsigned int order,
			rh_phys_addr_t *ret_pa)
{
	unsigned int cur;
	uint64_t slot = HB_NONE, pfn;

	if (!pa || !ret_pa || order > RH_MAX_ORDER)
		return -EINVAL;

	pthread_mutex_lock(&pa->lock);
	for (cur = order; cur <= RH_MAX_ORDER; cur++) {
		slot = hb_find_first(&pa->free_area[cur].map);
		if (slot != HB_NONE)
			break;
	}
	if (slot == HB_NONE) {
		pthread_mutex_unlock(&pa->lock);
		return -ENOMEM;
	}
	pfn = (slot + pa->free_area[cur].first_slot) << cur;
	del_free_block(pa, pfn, cur);
	/* expand(): keep the low half, give the high halves back. */
	while (cur > order) {
		cur--;
		add_free_block(pa, pfn + (1ULL << cur), cur);
	}
	*page_state(pa, pfn) = PS_ALLOC | order;
	pa->nr_free -= 1ULL << order;
	pa->nr_allocated += 1ULL << order;
	pthread_mutex_unlock(&pa->lock);

	*ret_pa = pfn << RH_PAGE_SHIFT;
	return 0;
}

/* Why a free is refused, or NULL when it is the head of an allocated block of @order. */
static const char *bad_free_reason(struct rh_page_alloc *pa, uint64_t pfn, unsigned int order)
{
	uint8_t s;

	if (pfn & ((1ULL << order) - 1))
		return "not aligned to its order";
	s = *page_state(pa, pfn);
	switch (PS_TYPE(s)) {
	case PS_FREE:
		return "double free (block is free)";
	case PS_RESERVED:
		return "page is reserved";
	case PS_ALLOC:
		return PS_ORDER(s) == order ? NULL : "allocated with another order";
	default:
		return "not the first page of an allocated block";
	}
}

void rh_page_alloc_free(struct rh_page_alloc *pa, rh_phys_addr_t addr, unsigned int order)
{
	const char *reason = NULL;
	uint64_t pfn, buddy;
	unsigned int alloc_order = order;

	if (!pa)
		return;
	if (order > RH_MAX_ORDER) {
		reason = "order out of range";
		goto out_bad;
	}
	if (!RH_IS_ALIGNED(addr, RH_PAGE_SIZE) || addr < pa->base ||
	    addr - pa->base >= pa->size) {
		reason = "outside the allocator";
		goto out_bad;
	}
	pfn = addr >> RH_PAGE_SHIFT;

	pthread_mutex_lock(&pa->lock);
	reason = bad_free_reason(pa, pfn, order);
	if (reason) {
		pthread_mutex_unlock(&pa->lock);
		goto out_bad;
	}
	*page_state(pa, pfn) = PS_NONE;
	/* __free_one_page(): merge while the buddy is a free block of the same order. */
	while (order < RH_MAX_ORDER) {
		buddy = pfn ^ (1ULL << order);
		if (!is_free_block(pa, buddy, order))
			break;
		del_free_block(pa, buddy, order);
		pfn &= buddy;
		order++;
	}
	add_free_block(pa, pfn, order);
	pa->nr_free += 1ULL << alloc_order;
	pa->nr_allocated -= 1ULL << alloc_order;
	pthread_mutex_unlock(&pa->lock);
	return;

out_bad:
	rh_err(pa->plat, "caller bug: page_alloc: free of 0x%" PRIx64
	       " order %u refused: %s", addr, alloc_order, reason);
}

void rh_page_alloc_get_stats(struct rh_page_alloc *pa, struct rh_page_alloc_stats *ret_stats)
{
	unsigned int order;

	if (!pa || !ret_stats)
		return;
	pthread_mutex_lock(&pa->lock);
	ret_stats->nr_pages = pa->end_pfn - pa->start_pfn;
	ret_stats->nr_free = pa->nr_free;
	ret_stats->nr_allocated = pa->nr_allocated;
	ret_stats->nr_reserved = pa->nr_reserved;
	for (order = 0; order <= RH_MAX_ORDER; order++)
		ret_stats->nr_free_blocks[order] = pa->free_area[order].nr_free;
	pthread_mutex_unlock(&pa->lock);
}

rh_phys_addr_t rh_page_alloc_get_base(const struct rh_page_alloc *pa)
{
	return pa ? pa->base : 0;
}

uint64_t rh_page_alloc_get_size(const struct rh_page_alloc *pa)
{
	return pa ? pa->size : 0;
}
