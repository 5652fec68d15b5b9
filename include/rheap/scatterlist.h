/* SPDX-License-Identifier: MIT */
/* Scatter-gather tables over simulated page frames, as include/linux/scatterlist.h. */
#ifndef RHEAP_SCATTERLIST_H
#define RHEAP_SCATTERLIST_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>

RH_BEGIN_DECLS

/**
 * struct rh_scatterlist - one entry of a scatter-gather list
 * @page_link: (pfn << 2) | RH_SG_CHAIN | RH_SG_END for a data entry; a chain
 *             entry holds a pointer to the next chunk | RH_SG_CHAIN. Pages
 *             are page frames of the platform's physical address space,
 *             never host pointers. Use the accessors, not the field.
 * @offset: byte offset of the data in the first page
 * @length: bytes of data
 * @dma_address: bus address after rh_dma_map_sgtable(); access with
 *               rh_sg_dma_address()
 * @dma_length: mapped length; access with rh_sg_dma_len()
 * @dma_flags: RH_SG_DMA_* bits; access with the rh_sg_dma_*() helpers
 *
 * 32 bytes on LP64, so a page-sized chunk holds RH_SG_MAX_SINGLE_ALLOC (128)
 * entries, exactly as the kernel's struct scatterlist.
 */
struct rh_scatterlist {
	unsigned long page_link;
	unsigned int offset;
	unsigned int length;
	rh_dma_addr_t dma_address;
	unsigned int dma_length;
	unsigned int dma_flags;
};

/**
 * struct rh_sg_table - a (possibly chained) scatter-gather table
 * @sgl: the first entry
 * @nents: number of mapped (DMA) entries
 * @orig_nents: number of CPU entries
 */
struct rh_sg_table {
	struct rh_scatterlist *sgl;
	unsigned int nents;
	unsigned int orig_nents;
};

/**
 * struct rh_sg_append_table - a table built by several append calls
 * @sgt: the table being built
 * @prv: last populated entry (private)
 * @total_nents: slots allocated, including unused ones (private)
 *
 * Zero it before the first rh_sg_alloc_append_table_from_pages() call.
 */
struct rh_sg_append_table {
	struct rh_sg_table sgt;
	struct rh_scatterlist *prv;
	unsigned int total_nents;
};

/* Low bits of page_link, as the kernel's SG_CHAIN / SG_END. */
#define RH_SG_CHAIN 0x01UL
#define RH_SG_END 0x02UL
#define RH_SG_PAGE_LINK_MASK (RH_SG_CHAIN | RH_SG_END)
#define RH_SG_PFN_SHIFT 2

/* dma_flags bits, same values as CONFIG_NEED_SG_DMA_FLAGS kernels + the seed. */
#define RH_SG_DMA_BUS_ADDRESS (1 << 0)
#define RH_SG_DMA_SWIOTLB (1 << 1)
/* Written as in the seed (patch 2/9): bit 2. */
#define RH_SG_DMA_RESTRICTED (2 << 1)

/** Entries per page-sized chunk of a chained table (128). */
#define RH_SG_MAX_SINGLE_ALLOC (RH_PAGE_SIZE / sizeof(struct rh_scatterlist))

/** Largest segment from_pages builds by default (UINT_MAX rounded down). */
#define RH_SCATTERLIST_MAX_SEGMENT (UINT_MAX & ~(unsigned int)(RH_PAGE_SIZE - 1))

/* Mirrors: sg_dma_address(), sg_dma_len() (include/linux/scatterlist.h); lvalues. */
#define rh_sg_dma_address(sg) ((sg)->dma_address)
#define rh_sg_dma_len(sg) ((sg)->dma_length)

/** Mirrors: sg_is_chain() (include/linux/scatterlist.h) */
static inline bool rh_sg_is_chain(const struct rh_scatterlist *sg)
{
	return sg->page_link & RH_SG_CHAIN;
}

/** Mirrors: sg_is_last() (include/linux/scatterlist.h) */
static inline bool rh_sg_is_last(const struct rh_scatterlist *sg)
{
	return sg->page_link & RH_SG_END;
}

/** Mirrors: sg_chain_ptr() (include/linux/scatterlist.h) */
static inline struct rh_scatterlist *rh_sg_chain_ptr(const struct rh_scatterlist *sg)
{
	return (struct rh_scatterlist *)(uintptr_t)(sg->page_link & ~RH_SG_PAGE_LINK_MASK);
}

/**
 * rh_sg_page() - the page frame number of a data entry
 *
 * Mirrors: sg_page() (include/linux/scatterlist.h), returning a pfn instead
 * of a struct page pointer.
 */
static inline unsigned long rh_sg_page(const struct rh_scatterlist *sg)
{
	return sg->page_link >> RH_SG_PFN_SHIFT;
}

/**
 * rh_sg_assign_page() - set the page frame of @sg, keeping its end marker
 *
 * Mirrors: sg_assign_page() (include/linux/scatterlist.h)
 */
static inline void rh_sg_assign_page(struct rh_scatterlist *sg, unsigned long pfn)
{
	sg->page_link = (sg->page_link & RH_SG_END) | (pfn << RH_SG_PFN_SHIFT);
}

/**
 * rh_sg_set_page() - point @sg at @len bytes from @offset in page frame @pfn
 *
 * The end marker is kept; the DMA fields are not touched.
 * Mirrors: sg_set_page() (include/linux/scatterlist.h)
 */
static inline void rh_sg_set_page(struct rh_scatterlist *sg, unsigned long pfn,
				  unsigned int len, unsigned int offset)
{
	rh_sg_assign_page(sg, pfn);
	sg->offset = offset;
	sg->length = len;
}

/**
 * rh_sg_phys() - physical address of the data of @sg (pfn << 12 + offset)
 *
 * Mirrors: sg_phys() (include/linux/scatterlist.h)
 */
static inline rh_phys_addr_t rh_sg_phys(const struct rh_scatterlist *sg)
{
	return ((rh_phys_addr_t)rh_sg_page(sg) << RH_PAGE_SHIFT) + sg->offset;
}

/** Mirrors: sg_mark_end() (include/linux/scatterlist.h) */
static inline void rh_sg_mark_end(struct rh_scatterlist *sg)
{
	sg->page_link |= RH_SG_END;
	sg->page_link &= ~RH_SG_CHAIN;
}

/** Mirrors: sg_unmark_end() (include/linux/scatterlist.h) */
static inline void rh_sg_unmark_end(struct rh_scatterlist *sg)
{
	sg->page_link &= ~RH_SG_END;
}

/**
 * rh_sg_chain() - turn the last entry of @prv into a link to @sgl
 * @prv: a chunk of @prv_nents entries; its last entry becomes the chain entry
 * @sgl: the next chunk
 *
 * Mirrors: sg_chain() (include/linux/scatterlist.h)
 */
static inline void rh_sg_chain(struct rh_scatterlist *prv, unsigned int prv_nents,
			       struct rh_scatterlist *sgl)
{
	struct rh_scatterlist *chain_sg = &prv[prv_nents - 1];

	chain_sg->offset = 0;
	chain_sg->length = 0;
	chain_sg->page_link = ((unsigned long)(uintptr_t)sgl | RH_SG_CHAIN) & ~RH_SG_END;
}

/**
 * rh_sg_page_count() - number of pages @sg touches (offset included)
 *
 * Mirrors: sg_page_count() (lib/scatterlist.c, static there)
 */
static inline int rh_sg_page_count(const struct rh_scatterlist *sg)
{
	return (int)(RH_PAGE_ALIGN((uint64_t)sg->offset + sg->length) >> RH_PAGE_SHIFT);
}

/**
 * rh_sg_next() - the next entry, jumping over chain entries
 * @return NULL after the entry marked end (or for a NULL @sg).
 *
 * Mirrors: sg_next() (lib/scatterlist.c)
 */
RH_EXPORT struct rh_scatterlist *rh_sg_next(struct rh_scatterlist *sg);

/**
 * rh_sg_nents() - number of entries up to the end marker (chain entries not
 * counted); 0 for NULL.
 *
 * Mirrors: sg_nents() (lib/scatterlist.c)
 */
RH_EXPORT int rh_sg_nents(struct rh_scatterlist *sg);

/**
 * rh_sg_nents_for_len() - entries needed to cover @len bytes
 * @return 0 when @len is 0, the count, or -EINVAL when the list is too short.
 *
 * Mirrors: sg_nents_for_len() (lib/scatterlist.c)
 */
RH_EXPORT int rh_sg_nents_for_len(struct rh_scatterlist *sg, uint64_t len);

/**
 * rh_sg_last() - the last of the @nents entries starting at @sgl
 * @return the entry, or NULL when @sgl is NULL, @nents is 0 or the list
 * ends before @nents entries.
 *
 * Mirrors: sg_last() (lib/scatterlist.c)
 */
RH_EXPORT struct rh_scatterlist *rh_sg_last(struct rh_scatterlist *sgl,
					    unsigned int nents);

/**
 * rh_sg_init_table() - zero @nents entries and mark the last one end
 *
 * A no-op for a NULL @sgl or @nents 0.
 * Mirrors: sg_init_table() (lib/scatterlist.c)
 */
RH_EXPORT void rh_sg_init_table(struct rh_scatterlist *sgl, unsigned int nents);

/**
 * rh_sg_alloc_table() - allocate a table of @nents zeroed entries
 * @table: zeroed first, even on failure
 * @nents: more than RH_SG_MAX_SINGLE_ALLOC gives a chained table (each
 *         non-final page-sized chunk gives 127 entries and one chain entry)
 *
 * On success nents == orig_nents == @nents and only the last entry is marked
 * end. Free with rh_sg_free_table().
 *
 * Mirrors: sg_alloc_table() (lib/scatterlist.c), without the gfp argument.
 * @return 0, -EINVAL for a NULL @table or @nents 0, -ENOMEM (everything
 * allocated so far is freed and table->sgl is NULL).
 */
RH_EXPORT int rh_sg_alloc_table(struct rh_sg_table *table, unsigned int nents);

/**
 * rh_sg_free_table() - free the entries of @table and set table->sgl NULL
 *
 * A no-op for NULL, a zeroed or an already freed table. Walks orig_nents.
 * Mirrors: sg_free_table() (lib/scatterlist.c)
 */
RH_EXPORT void rh_sg_free_table(struct rh_sg_table *table);

/**
 * rh_sg_alloc_append_table_from_pages() - append page frames to a table
 * @sgt_append: zeroed before the first call
 * @pfns: @n_pages page frame numbers
 * @offset: byte offset in the first page; must be 0 (and < RH_PAGE_SIZE) in
 *          every call but the first
 * @size: bytes after @offset; the pages must cover exactly offset + size
 * @max_segment: longest entry, rounded down to a page multiple
 * @left_pages: pages still to be appended by later calls; 0 in the last
 *              call (which marks the end)
 *
 * Physically contiguous frames merge into one entry (also with the last
 * entry of an earlier call), split at @max_segment. An earlier call's
 * entries never move. On failure the table is exactly as before the call.
 * Free with rh_sg_free_append_table().
 *
 * Mirrors: sg_alloc_append_table_from_pages() (lib/scatterlist.c)
 * @return 0, -EINVAL (NULL arguments, @max_segment < page, @offset or @size
 * inconsistent with @n_pages, @left_pages understated or table already
 * finished by an earlier call), -ENOMEM.
 */
RH_EXPORT int rh_sg_alloc_append_table_from_pages(struct rh_sg_append_table *sgt_append,
						  const unsigned long *pfns,
						  unsigned int n_pages,
						  unsigned int offset,
						  unsigned long size,
						  unsigned int max_segment,
						  unsigned int left_pages);

/**
 * rh_sg_free_append_table() - free a table built by the append call
 *
 * NULL-safe; the append table is zeroed afterwards.
 * Mirrors: sg_free_append_table() (lib/scatterlist.c)
 */
RH_EXPORT void rh_sg_free_append_table(struct rh_sg_append_table *sgt_append);

/**
 * rh_sg_alloc_table_from_pages_segment() - table from an array of page frames
 * @sgt: written only on success
 * @pfns, @n_pages, @offset, @size, @max_segment: as the append call
 *
 * The first entry carries @offset, the last is trimmed so the lengths sum to
 * @size; nents == orig_nents. Free with rh_sg_free_table().
 *
 * Mirrors: sg_alloc_table_from_pages_segment() (lib/scatterlist.c)
 * @return 0, -EINVAL, -ENOMEM.
 */
RH_EXPORT int rh_sg_alloc_table_from_pages_segment(struct rh_sg_table *sgt,
						   const unsigned long *pfns,
						   unsigned int n_pages,
						   unsigned int offset,
						   unsigned long size,
						   unsigned int max_segment);

/**
 * rh_sg_alloc_table_from_pages() - as the _segment variant, no segment limit
 * beyond RH_SCATTERLIST_MAX_SEGMENT
 *
 * Mirrors: sg_alloc_table_from_pages() (include/linux/scatterlist.h)
 */
static inline int rh_sg_alloc_table_from_pages(struct rh_sg_table *sgt,
					       const unsigned long *pfns,
					       unsigned int n_pages,
					       unsigned int offset,
					       unsigned long size)
{
	return rh_sg_alloc_table_from_pages_segment(sgt, pfns, n_pages, offset,
						    size, UINT_MAX);
}

/**
 * rh_sg_dup_table() - duplicate the CPU view of @table
 *
 * The copy has orig_nents entries (nents == orig_nents) and each copies the
 * page frame, length and offset of the source entry; dma_address,
 * dma_length and dma_flags are zero (the restricted mark is not copied).
 * Free it with rh_sg_dup_table_free() only: a copy of up to
 * RH_SG_MAX_SINGLE_ALLOC entries shares one allocation with its structure,
 * so rh_sg_free_table() must not be called on it.
 *
 * Mirrors: sg_dup_table() (lib/scatterlist.c, seed patch 3/9)
 * @return the new table, never NULL: RH_ERR_PTR(-ENOMEM) with nothing
 * leaked, RH_ERR_PTR(-EINVAL) for a NULL or empty @table.
 */
RH_EXPORT struct rh_sg_table *rh_sg_dup_table(const struct rh_sg_table *table);

/**
 * rh_sg_dup_table_free() - free a table returned by rh_sg_dup_table()
 *
 * Frees the entries and the structure; NULL and error pointers are ignored.
 * The kernel caller does sg_free_table() + kfree(); this helper exists
 * because the library's allocator is internal.
 */
RH_EXPORT void rh_sg_dup_table_free(struct rh_sg_table *table);

/**
 * rh_sg_dma_mark_restricted() - set RH_SG_DMA_RESTRICTED on @sg only
 *
 * ORs the bit in (other dma_flags bits are kept); does not walk the list.
 * A no-op when the library is built with sg_dma_flags=false (as the seed's
 * !CONFIG_NEED_SG_DMA_FLAGS stub) and for NULL.
 * Mirrors: sg_dma_mark_restricted() (include/linux/scatterlist.h, seed 2/9)
 */
RH_EXPORT void rh_sg_dma_mark_restricted(struct rh_scatterlist *sg);

/**
 * rh_sg_dma_is_restricted() - whether @sg carries RH_SG_DMA_RESTRICTED
 *
 * Always false when built with sg_dma_flags=false, and for NULL.
 * Mirrors: sg_dma_is_restricted() (include/linux/scatterlist.h, seed 2/9)
 */
RH_EXPORT bool rh_sg_dma_is_restricted(const struct rh_scatterlist *sg);

/*
 * Iterators. Mirrors: for_each_sg(), for_each_sgtable_sg() (orig_nents, CPU
 * view) and for_each_sgtable_dma_sg() (nents, DMA view).
 */
#define rh_for_each_sg(sglist, sg, nr, i) \
	for ((i) = 0, (sg) = (sglist); (i) < (nr); (i)++, (sg) = rh_sg_next(sg))
#define rh_for_each_sgtable_sg(sgt, sg, i) \
	rh_for_each_sg((sgt)->sgl, sg, (sgt)->orig_nents, i)
#define rh_for_each_sgtable_dma_sg(sgt, sg, i) \
	rh_for_each_sg((sgt)->sgl, sg, (sgt)->nents, i)

/**
 * struct rh_sg_page_iter - page-by-page walk over a list
 * @sg: current entry
 * @sg_pgoffset: page index inside @sg
 * @nents_left, @pg_advance: private
 *
 * Mirrors: struct sg_page_iter (include/linux/scatterlist.h)
 */
struct rh_sg_page_iter {
	struct rh_scatterlist *sg;
	unsigned int sg_pgoffset;
	unsigned int nents_left;
	int pg_advance;
};

/** Mirrors: struct sg_dma_page_iter (include/linux/scatterlist.h) */
struct rh_sg_dma_page_iter {
	struct rh_sg_page_iter base;
};

/** Mirrors: __sg_page_iter_start() (lib/scatterlist.c) */
RH_EXPORT void rh_sg_page_iter_start(struct rh_sg_page_iter *piter,
				     struct rh_scatterlist *sglist,
				     unsigned int nents, unsigned long pgoffset);

/**
 * rh_sg_page_iter_next() - advance to the next page (CPU lengths)
 * @return false when the walk is over.
 * Mirrors: __sg_page_iter_next() (lib/scatterlist.c)
 */
RH_EXPORT bool rh_sg_page_iter_next(struct rh_sg_page_iter *piter);

/**
 * rh_sg_page_iter_dma_next() - advance to the next page (DMA lengths)
 * Mirrors: __sg_page_iter_dma_next() (lib/scatterlist.c)
 */
RH_EXPORT bool rh_sg_page_iter_dma_next(struct rh_sg_dma_page_iter *dma_iter);

/**
 * rh_sg_page_iter_page() - page frame number of the iterator's current page
 * Mirrors: sg_page_iter_page() (include/linux/scatterlist.h)
 */
static inline unsigned long rh_sg_page_iter_page(const struct rh_sg_page_iter *piter)
{
	return rh_sg_page(piter->sg) + piter->sg_pgoffset;
}

/** Mirrors: sg_page_iter_dma_address() (include/linux/scatterlist.h) */
static inline rh_dma_addr_t
rh_sg_page_iter_dma_address(const struct rh_sg_dma_page_iter *dma_iter)
{
	return rh_sg_dma_address(dma_iter->base.sg) +
	       ((rh_dma_addr_t)dma_iter->base.sg_pgoffset << RH_PAGE_SHIFT);
}

/*
 * Mirrors: for_each_sg_page(), for_each_sgtable_page(), for_each_sg_dma_page(),
 * for_each_sgtable_dma_page() (include/linux/scatterlist.h)
 */
#define rh_for_each_sg_page(sglist, piter, nents, pgoffset) \
	for (rh_sg_page_iter_start((piter), (sglist), (nents), (pgoffset)); \
	     rh_sg_page_iter_next(piter);)
#define rh_for_each_sgtable_page(sgt, piter, pgoffset) \
	rh_for_each_sg_page((sgt)->sgl, piter, (sgt)->orig_nents, pgoffset)
#define rh_for_each_sg_dma_page(sglist, dma_iter, dma_nents, pgoffset) \
	for (rh_sg_page_iter_start(&(dma_iter)->base, (sglist), (dma_nents), (pgoffset)); \
	     rh_sg_page_iter_dma_next(dma_iter);)
#define rh_for_each_sgtable_dma_page(sgt, dma_iter, pgoffset) \
	rh_for_each_sg_dma_page((sgt)->sgl, dma_iter, (sgt)->nents, pgoffset)

RH_END_DECLS

#endif /* RHEAP_SCATTERLIST_H */
