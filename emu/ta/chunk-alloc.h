/* SPDX-License-Identifier: MIT */
/* Secure-world range allocator (metadata only) for the secmem TA's chunk and CMA regions. */
#ifndef RH_EMU_CHUNK_ALLOC_H
#define RH_EMU_CHUNK_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/platform.h>

/*
 * A chunk allocator hands out granule-aligned ranges of physical addresses
 * inside one region. It never reads or writes the region itself (it is
 * secure memory): every record lives in normal host memory taken through
 * rh_malloc(), so fail-nth works and the metadata can be counted.
 *
 * Policy: best fit (the smallest free extent that holds the request) with
 * immediate coalescing. Free extents are segregated by size: one class per
 * size below 1024 granules, where the class head is an exact fit and tends
 * to the lowest address (a freed extent below the head becomes the head);
 * above, 32 classes per power of two, where an allocation compares the
 * first 16 members of the request's class for the smallest that fits
 * (exact while a class holds at most 16 extents, within 1/32 beyond) and
 * otherwise takes the head of the next non-empty class. O(1) per operation
 * but for that bounded scan: neighbours come from an address-ordered
 * record list, live ranges from a hash. Metadata: about 7 KiB per
 * allocator (class heads and bitmaps) plus one 32-byte record per extent
 * and 4-8 bytes of hash bucket per live range, grown on demand.
 *
 * Locking: none. The caller (the secmem TA) serialises every call on one
 * allocator with its own lock; benchmark 4 ("chunk+mutex") measures what
 * a second, internal lock would add to every alloc+free pair.
 */
struct rh_chunk_alloc;

/**
 * struct rh_chunk_alloc_stats - a snapshot of an allocator
 * @bytes_used:     sum of the (granule-rounded) sizes of live ranges
 * @bytes_free:     region size minus @bytes_used
 * @largest_free:   size of the largest free extent (0 when full)
 * @free_blocks:    number of free extents (always coalesced)
 * @used_blocks:    number of live ranges
 * @metadata_bytes: host memory held for records (grows, never shrinks)
 */
struct rh_chunk_alloc_stats {
	uint64_t bytes_used;
	uint64_t bytes_free;
	uint64_t largest_free;
	uint64_t free_blocks;
	uint64_t used_blocks;
	uint64_t metadata_bytes;
};

/**
 * rh_chunk_alloc_create() - create an allocator over [@base, @base + @size)
 * @base:    first byte of the region; multiple of @granule
 * @size:    region size in bytes; non-zero multiple of @granule, at most
 *           2^32 granules, @base + @size must not overflow
 * @granule: allocation unit, a power of two (the TA uses 4096)
 * @ret:     the new allocator, with one free extent covering the region
 *
 * Mirrors: gen_pool_create() + gen_pool_add() (lib/genalloc.c), the role it
 * plays for a TEE's static secure-memory pool.
 *
 * Return: 0, -EINVAL for bad arguments, -ENOMEM.
 */
int rh_chunk_alloc_create(rh_phys_addr_t base, uint64_t size, uint64_t granule,
			  struct rh_chunk_alloc **ret);

/**
 * rh_chunk_alloc_destroy() - free an allocator and every record it holds
 * @ca: allocator or NULL. Live ranges are forgotten, not reported.
 *
 * Mirrors: gen_pool_destroy() (lib/genalloc.c), minus its BUG_ON on live
 * ranges: the TA checks rh_chunk_alloc_is_empty() and logs instead.
 */
void rh_chunk_alloc_destroy(struct rh_chunk_alloc *ca);

/**
 * rh_chunk_alloc_alloc() - allocate a range
 * @ca:     allocator
 * @size:   bytes, non-zero; rounded up to the granule
 * @align:  alignment of the returned physical address, a power of two
 *          no smaller than the granule
 * @ret_pa: the range's first physical address
 *
 * Picks the smallest free extent that can hold the aligned range (see the
 * tie-break above) and carves the range from its start, or from the first
 * aligned address inside it (the head stays free). Aligned requests look
 * at up to 32 misaligned candidates class by class upwards, then take the smallest
 * extent that fits at any alignment, else keep scanning: a fit is always
 * found when one exists.
 *
 * Mirrors: gen_pool_alloc_algo() with a best-fit algorithm
 * (gen_pool_best_fit(), lib/genalloc.c).
 *
 * Return: 0, -EINVAL for bad arguments, -ENOMEM when no free extent fits or
 * a record cannot be allocated (then nothing changed).
 */
int rh_chunk_alloc_alloc(struct rh_chunk_alloc *ca, uint64_t size,
			 uint64_t align, rh_phys_addr_t *ret_pa);

/**
 * rh_chunk_alloc_free() - free a range returned by rh_chunk_alloc_alloc()
 * @ca:       allocator
 * @pa:       the address rh_chunk_alloc_alloc() returned
 * @ret_size: optional; the range's (rounded) size in bytes
 *
 * Coalesces with free neighbours at once. Never allocates, so it cannot
 * fail for a live range.
 *
 * Mirrors: gen_pool_free() (lib/genalloc.c), which takes the size from the
 * caller; here the allocator remembers it.
 *
 * Return: 0, -EINVAL when @ca is NULL, -ENOENT when @pa is not the start
 * of a live range (unknown or double free; nothing changed).
 */
int rh_chunk_alloc_free(struct rh_chunk_alloc *ca, rh_phys_addr_t pa,
			uint64_t *ret_size);

/**
 * rh_chunk_alloc_lookup() - size of the live range starting at @pa
 * @ca:       allocator
 * @pa:       start of a live range
 * @ret_size: its (rounded) size in bytes
 *
 * Return: 0, -EINVAL for NULL arguments, -ENOENT when @pa does not start a
 * live range.
 */
int rh_chunk_alloc_lookup(const struct rh_chunk_alloc *ca, rh_phys_addr_t pa,
			  uint64_t *ret_size);

/**
 * rh_chunk_alloc_stats() - fill @ret with the allocator's counters
 *
 * Mirrors: gen_pool_avail() / gen_pool_size() (lib/genalloc.c), extended.
 */
void rh_chunk_alloc_stats(const struct rh_chunk_alloc *ca,
			  struct rh_chunk_alloc_stats *ret);

/** rh_chunk_alloc_is_empty() - true when no range is live */
bool rh_chunk_alloc_is_empty(const struct rh_chunk_alloc *ca);

/**
 * rh_chunk_alloc_for_each_used() - visit live ranges in address order
 * @ca:   allocator
 * @fn:   called with each range's physical address and size; a non-zero
 *        return stops the walk. It must not call back into @ca.
 * @data: passed to @fn
 *
 * Lets the TA scrub only what was used before it gives a region back.
 *
 * Mirrors: gen_pool_for_each_chunk() (lib/genalloc.c), per range instead of
 * per chunk.
 *
 * Return: 0 after a full walk, or the first non-zero value @fn returned.
 */
int rh_chunk_alloc_for_each_used(struct rh_chunk_alloc *ca,
				 int (*fn)(rh_phys_addr_t pa, uint64_t size,
					   void *data),
				 void *data);

/**
 * rh_chunk_alloc_reset() - forget every live range
 *
 * Afterwards the region is one free extent again. Keeps the records for
 * reuse, so it never allocates and cannot fail.
 */
void rh_chunk_alloc_reset(struct rh_chunk_alloc *ca);

/**
 * rh_chunk_alloc_check() - verify every internal invariant (tests, debug)
 *
 * Extents tile the region, no two free extents touch, every free extent is
 * in the list of its size class and the bitmaps say which are non-empty,
 * the hash holds exactly the live ranges, counters match.
 *
 * Return: 0, or -EUCLEAN naming nothing (tests assert on 0).
 */
int rh_chunk_alloc_check(struct rh_chunk_alloc *ca);

#endif /* RH_EMU_CHUNK_ALLOC_H */
