/* SPDX-License-Identifier: MIT */
/* Buddy page allocator for the normal-world DRAM (metadata only, never touches memory). */
#ifndef RH_PAGE_ALLOC_H
#define RH_PAGE_ALLOC_H

#include <stdint.h>

#include <rheap/platform.h>

/* Orders 0..RH_MAX_ORDER inclusive, like the kernel's MAX_PAGE_ORDER (4 MiB blocks). */
#define RH_MAX_ORDER 10
#define RH_NR_ORDERS (RH_MAX_ORDER + 1)

struct rh_page_alloc;

/**
 * struct rh_page_alloc_stats - a snapshot, like /proc/buddyinfo + /proc/meminfo
 * @nr_pages: pages spanned by the allocator (free + allocated + reserved)
 * @nr_free: free pages
 * @nr_allocated: pages handed out and not yet freed
 * @nr_reserved: pages removed by rh_page_alloc_reserve()
 * @nr_free_blocks: free blocks of each order (buddyinfo's columns)
 */
struct rh_page_alloc_stats {
	uint64_t nr_pages;
	uint64_t nr_free;
	uint64_t nr_allocated;
	uint64_t nr_reserved;
	uint64_t nr_free_blocks[RH_NR_ORDERS];
};

/**
 * rh_page_alloc_init() - create a buddy allocator whose every page is free
 * @plat: used for log lines only (may be NULL)
 * @base, @size: the span (page aligned, size nonzero, no wrap)
 * @ret_pa: the allocator, written only on success
 *
 * Reserved ranges are then taken out with rh_page_alloc_reserve().
 *
 * Mirrors: memblock_free_all() / __free_pages_memory() (mm/memblock.c)
 * @return 0, -EINVAL (bad span), -ENOMEM.
 */
int rh_page_alloc_init(struct rh_platform *plat, rh_phys_addr_t base, uint64_t size,
		       struct rh_page_alloc **ret_pa);

/** rh_page_alloc_destroy() - free the allocator's metadata; NULL-safe */
void rh_page_alloc_destroy(struct rh_page_alloc *pa);

/**
 * rh_page_alloc_reserve() - remove a range from the allocator for good
 * @base, @size: page aligned, inside the span
 *
 * Every page of the range must be free (reserve before handing pages out).
 *
 * Mirrors: memblock_reserve() (mm/memblock.c); the split of the free blocks
 * that straddle the range is break_down_buddy_pages() (mm/page_alloc.c).
 * @return 0, -EINVAL (misaligned, empty or outside the span), -EBUSY (a page
 * of the range is allocated or already reserved; nothing changed).
 */
int rh_page_alloc_reserve(struct rh_page_alloc *pa, rh_phys_addr_t base, uint64_t size);

/**
 * rh_page_alloc_alloc() - allocate 2^@order contiguous pages, naturally aligned
 * @ret_pa: physical address of the first page, written only on success
 *
 * Lowest address first among the smallest fitting free blocks.
 *
 * Mirrors: __rmqueue_smallest() + expand() (mm/page_alloc.c)
 * @return 0, -EINVAL (@order > RH_MAX_ORDER), -ENOMEM (no free block).
 */
int rh_page_alloc_alloc(struct rh_page_alloc *pa, unsigned int order,
			rh_phys_addr_t *ret_pa);

/**
 * rh_page_alloc_free() - give back a block, coalescing it with its free buddies
 *
 * A free of an address that is not the start of an allocated block of exactly
 * @order (double free, wrong order, reserved or outside) is logged as a caller
 * bug and ignored.
 *
 * Mirrors: __free_pages() -> __free_one_page() (mm/page_alloc.c)
 */
void rh_page_alloc_free(struct rh_page_alloc *pa, rh_phys_addr_t addr, unsigned int order);

/** rh_page_alloc_get_stats() - consistent snapshot taken under the lock */
void rh_page_alloc_get_stats(struct rh_page_alloc *pa, struct rh_page_alloc_stats *ret_stats);

/** rh_page_alloc_get_base()/_get_size() - the span given to rh_page_alloc_init() */
rh_phys_addr_t rh_page_alloc_get_base(const struct rh_page_alloc *pa);
uint64_t rh_page_alloc_get_size(const struct rh_page_alloc *pa);

#endif /* RH_PAGE_ALLOC_H */
