// SPDX-License-Identifier: MIT
/* CMA area model after mm/cma.c: bitmap of 2^order_per_bit-page chunks, first fit. */
#include "config.h"

#include <bitstring.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lib/bitmap.h"
#include "mm/cma.h"
#include "internal.h"
#include "trace/sim.h"
#include "trace/trace.h"

/* Mirrors struct cma (mm/cma.h). */
struct rh_cma {
	struct rh_platform *plat;
	uint64_t base_pfn;
	unsigned long count;   /* pages */
	unsigned long nr_bits; /* count >> order_per_bit */
	unsigned int order_per_bit;
	bitstr_t *bitmap;      /* one bit per 2^order_per_bit pages, set = allocated */
	unsigned long used_bits;
	pthread_mutex_t lock;  /* bitmap and used_bits (the kernel's cma->lock) */
	char name[RH_NAME_LEN];
};

/* Mirrors cma_bitmap_aligned_mask(). */
static unsigned long cma_bitmap_aligned_mask(const struct rh_cma *cma,
					     unsigned int align_order)
{
	if (align_order <= cma->order_per_bit)
		return 0;
	return (1UL << (align_order - cma->order_per_bit)) - 1;
}

/* Mirrors cma_bitmap_aligned_offset(): bits from base_pfn to the next aligned pfn. */
static unsigned long cma_bitmap_aligned_offset(const struct rh_cma *cma,
					       unsigned int align_order)
{
	uint64_t mask = (1ULL << align_order) - 1;

	return (unsigned long)((cma->base_pfn & mask) >> cma->order_per_bit);
}

/* Mirrors cma_bitmap_pages_to_bits(). */
static unsigned long cma_bitmap_pages_to_bits(const struct rh_cma *cma, unsigned long pages)
{
	return RH_ALIGN_UP(pages, 1UL << cma->order_per_bit) >> cma->order_per_bit;
}

int rh_cma_init_reserved_mem(struct rh_platform *plat, rh_phys_addr_t base, uint64_t size,
			     unsigned int order_per_bit, const char *name,
			     struct rh_cma **ret_cma)
{
	struct rh_cma *cma;
	uint64_t end, align;

	if (!ret_cma || order_per_bit > RH_CMA_MAX_ORDER_PER_BIT)
		return -EINVAL;
	align = (uint64_t)RH_PAGE_SIZE << order_per_bit;
	/* cma_init_reserved_mem(): nonzero size, base and size aligned. */
	if (!size || !RH_IS_ALIGNED(base | size, align) ||
	    __builtin_add_overflow(base, size, &end))
		return -EINVAL;
	/* BSD bitstring macros index with int. */
	if ((size >> RH_PAGE_SHIFT) > ULONG_MAX ||
	    ((size >> RH_PAGE_SHIFT) >> order_per_bit) > INT_MAX)
		return -EINVAL;

	cma = rh_zalloc(sizeof(*cma));
	if (!cma)
		return -ENOMEM;
	cma->plat = plat;
	cma->base_pfn = base >> RH_PAGE_SHIFT;
	cma->count = (unsigned long)(size >> RH_PAGE_SHIFT);
	cma->order_per_bit = order_per_bit;
	cma->nr_bits = cma->count >> order_per_bit;
	snprintf(cma->name, sizeof(cma->name), "%s", name ? name : "cma");
	cma->bitmap = rh_calloc(bitstr_size(cma->nr_bits), sizeof(bitstr_t));
	if (!cma->bitmap)
		goto err_free_cma;
	pthread_mutex_init(&cma->lock, NULL);
	*ret_cma = cma;
	return 0;

err_free_cma:
	rh_free(cma);
	return -ENOMEM;
}

void rh_cma_destroy(struct rh_cma *cma)
{
	if (!cma)
		return;
	if (cma->used_bits)
		rh_warn(cma->plat, "cma %s: destroyed with %lu pages still allocated",
			cma->name, cma->used_bits << cma->order_per_bit);
	pthread_mutex_destroy(&cma->lock);
	rh_free(cma->bitmap);
	rh_free(cma);
}

int rh_cma_alloc(struct rh_cma *cma, unsigned long count, unsigned int align_order,
		 rh_phys_addr_t *ret_pa)
{
	unsigned long mask, offset, bitmap_count, bitmap_no;

	if (!cma || !ret_pa || !count || align_order > RH_CMA_MAX_ALIGN_ORDER)
		return -EINVAL;
	/* cma_alloc() gives up at once when the request exceeds the area. */
	if (count > cma->count)
		return -EINVAL;
	mask = cma_bitmap_aligned_mask(cma, align_order);
	offset = cma_bitmap_aligned_offset(cma, align_order);
	bitmap_count = cma_bitmap_pages_to_bits(cma, count);

	pthread_mutex_lock(&cma->lock);
	bitmap_no = rh_bitmap_find_next_zero_area_off(cma->bitmap, cma->nr_bits, 0, bitmap_count,
					    mask, offset);
	if (bitmap_no + bitmap_count > cma->nr_bits) {
		pthread_mutex_unlock(&cma->lock);
		rh_dbg(cma->plat, "cma %s: alloc failed, req-size: %lu pages, align order %u",
		       cma->name, count, align_order);
		RH_TRACE(cma->plat, RH_TRACE_CMA_ALLOC, .name = cma->name,
			 .size = (uint64_t)count << RH_PAGE_SHIFT, .err = -ENOMEM);
		return -ENOMEM;
	}
	bit_nset(cma->bitmap, (int)bitmap_no, (int)(bitmap_no + bitmap_count - 1));
	cma->used_bits += bitmap_count;
	pthread_mutex_unlock(&cma->lock);

	*ret_pa = (cma->base_pfn + ((uint64_t)bitmap_no << cma->order_per_bit))
		  << RH_PAGE_SHIFT;
	rh_sim_charge(cma->plat, RH_SIM_CMA_ALLOC, (uint64_t)count << RH_PAGE_SHIFT);
	RH_TRACE(cma->plat, RH_TRACE_CMA_ALLOC, .name = cma->name, .pa = *ret_pa,
		 .size = (uint64_t)count << RH_PAGE_SHIFT);
	return 0;
}

bool rh_cma_release(struct rh_cma *cma, rh_phys_addr_t pa, unsigned long count)
{
	unsigned long bitmap_no, bitmap_count, off;
	const char *reason = NULL;
	uint64_t pfn;

	if (!cma)
		return false;
	pfn = pa >> RH_PAGE_SHIFT;
	/* cma_pages_valid() plus what the kernel only VM_BUG_ONs. */
	if (!count)
		reason = "empty range";
	else if (!RH_IS_ALIGNED(pa, RH_PAGE_SIZE))
		reason = "not page aligned";
	else if (pfn < cma->base_pfn || pfn - cma->base_pfn >= cma->count)
		reason = "not inside the area";
	else if (count > cma->count - (pfn - cma->base_pfn))
		reason = "runs past the end of the area";
	else if (!RH_IS_ALIGNED(pfn - cma->base_pfn, 1UL << cma->order_per_bit))
		reason = "not aligned to the area's order_per_bit";
	if (reason)
		goto out_bad;

	off = (unsigned long)(pfn - cma->base_pfn);
	bitmap_no = off >> cma->order_per_bit;
	bitmap_count = cma_bitmap_pages_to_bits(cma, count);

	pthread_mutex_lock(&cma->lock);
	if (rh_bitmap_find_next(cma->bitmap, bitmap_no + bitmap_count, bitmap_no, false) <
	    bitmap_no + bitmap_count) {
		pthread_mutex_unlock(&cma->lock);
		reason = "pages not allocated (double release?)";
		goto out_bad;
	}
	bit_nclear(cma->bitmap, (int)bitmap_no, (int)(bitmap_no + bitmap_count - 1));
	cma->used_bits -= bitmap_count;
	pthread_mutex_unlock(&cma->lock);
	rh_sim_charge(cma->plat, RH_SIM_CMA_RELEASE, (uint64_t)count << RH_PAGE_SHIFT);
	RH_TRACE(cma->plat, RH_TRACE_CMA_RELEASE, .name = cma->name, .pa = pa,
		 .size = (uint64_t)count << RH_PAGE_SHIFT);
	return true;

out_bad:
	rh_err(cma->plat, "caller bug: cma %s: release of 0x%" PRIx64
	       " (%lu pages) refused: %s", cma->name, pa, count, reason);
	return false;
}

rh_phys_addr_t rh_cma_get_base(const struct rh_cma *cma)
{
	return cma ? cma->base_pfn << RH_PAGE_SHIFT : 0;
}

uint64_t rh_cma_get_size(const struct rh_cma *cma)
{
	return cma ? (uint64_t)cma->count << RH_PAGE_SHIFT : 0;
}

const char *rh_cma_get_name(const struct rh_cma *cma)
{
	return cma ? cma->name : NULL;
}

unsigned int rh_cma_get_order_per_bit(const struct rh_cma *cma)
{
	return cma ? cma->order_per_bit : 0;
}

unsigned long rh_cma_get_used_pages(struct rh_cma *cma)
{
	unsigned long used;

	if (!cma)
		return 0;
	pthread_mutex_lock(&cma->lock);
	used = cma->used_bits << cma->order_per_bit;
	pthread_mutex_unlock(&cma->lock);
	return used;
}
