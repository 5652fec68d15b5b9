/* SPDX-License-Identifier: MIT */
/* CMA area model (mm/cma.c): a reserved range handed out in bitmap-tracked runs. */
#ifndef RH_CMA_H
#define RH_CMA_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/platform.h>

/* Largest order_per_bit accepted (the kernel bounds it by pageblock_order). */
#define RH_CMA_MAX_ORDER_PER_BIT 10
/* Largest align_order accepted by rh_cma_alloc(): half of the 2^52 pages of a 64-bit space. */
#define RH_CMA_MAX_ALIGN_ORDER (64 - RH_PAGE_SHIFT - 1)

struct rh_cma;

/**
 * rh_cma_init_reserved_mem() - create a CMA area over an already reserved range
 * @plat: used for log lines only (may be NULL)
 * @base, @size: the range; both aligned to PAGE_SIZE << @order_per_bit,
 *               @size nonzero
 * @order_per_bit: each bitmap bit covers 2^@order_per_bit pages
 * @name: the area's name (NULL: "cma"); truncated to RH_NAME_LEN - 1
 * @ret_cma: the area, written only on success
 *
 * The kernel also wants pageblock alignment (CMA_MIN_ALIGNMENT_BYTES) because
 * its pages go back to the buddy as MIGRATE_CMA; the model has no pageblocks.
 *
 * Mirrors: cma_init_reserved_mem() (mm/cma.c), with cma_activate_area()'s
 * bitmap allocation done here.
 * @return 0, -EINVAL (alignment, size, order_per_bit), -ENOMEM.
 */
int rh_cma_init_reserved_mem(struct rh_platform *plat, rh_phys_addr_t base, uint64_t size,
			     unsigned int order_per_bit, const char *name,
			     struct rh_cma **ret_cma);

/** rh_cma_destroy() - free the area's metadata; NULL-safe */
void rh_cma_destroy(struct rh_cma *cma);

/**
 * rh_cma_alloc() - allocate @count contiguous pages from the area
 * @count: number of pages (rounded up to the bit granularity in the bitmap)
 * @align_order: the result is aligned to PAGE_SIZE << @align_order
 * @ret_pa: physical address of the first page, written only on success
 *
 * First fit from the start of the area, as bitmap_find_next_zero_area_off().
 *
 * Mirrors: cma_alloc() (mm/cma.c); the kernel returns NULL for every failure.
 * @return 0, -EINVAL (@count 0 or larger than the area, @align_order above
 * RH_CMA_MAX_ALIGN_ORDER), -ENOMEM (no free run large enough).
 */
int rh_cma_alloc(struct rh_cma *cma, unsigned long count, unsigned int align_order,
		 rh_phys_addr_t *ret_pa);

/**
 * rh_cma_release() - give back pages obtained with rh_cma_alloc()
 *
 * Refuses (false, logged as a caller bug, nothing changed) a range that is
 * not inside the area, not aligned to the bit granularity, or not entirely
 * allocated (double release).
 *
 * Mirrors: cma_release() (mm/cma.c)
 * @return true when the pages were released.
 */
bool rh_cma_release(struct rh_cma *cma, rh_phys_addr_t pa, unsigned long count);

/** Mirrors: cma_get_base(), cma_get_size(), cma_get_name() (mm/cma.c) */
rh_phys_addr_t rh_cma_get_base(const struct rh_cma *cma);
uint64_t rh_cma_get_size(const struct rh_cma *cma);
const char *rh_cma_get_name(const struct rh_cma *cma);

/** rh_cma_get_order_per_bit() - the area's bitmap granularity */
unsigned int rh_cma_get_order_per_bit(const struct rh_cma *cma);

/**
 * rh_cma_get_used_pages() - pages currently allocated (whole bits)
 *
 * Mirrors: cma_used_get() (mm/cma_debug.c)
 */
unsigned long rh_cma_get_used_pages(struct rh_cma *cma);

#endif /* RH_CMA_H */
