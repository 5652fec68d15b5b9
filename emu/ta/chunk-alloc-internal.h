/* SPDX-License-Identifier: MIT */
/* Internals of the secure-world range allocator, shared by chunk-alloc.c and chunk-alloc-check.c. */
#ifndef RH_EMU_CHUNK_ALLOC_INTERNAL_H
#define RH_EMU_CHUNK_ALLOC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta/chunk-alloc.h"

/*
 * Data structures (all outside the region, which is never touched):
 *
 * - every extent, free or live, has a 32-byte record in one array, linked
 *   by 32-bit indexes (two records a cache line, half the footprint of
 *   pointer links); the records form a circular list in address order
 *   through record 0, a sentinel that is never free, so a freed range
 *   finds its neighbours in O(1) and with no test for the ends;
 * - free extents are segregated by size class: one class per size below
 *   CHUNK_EXACT_CLASSES granules, then CHUNK_SL_COUNT per power of two
 *   (TLSF's mapping), with a two-level bitmap of the non-empty classes.
 *   Each class is a circular list (head index per class). Below
 *   CHUNK_EXACT_CLASSES the head is an exact fit; above, a class spans
 *   1/32 of its power of two and the allocation looks at up to
 *   CHUNK_CLASS_SCAN members for the smallest (lowest address among
 *   equals). Read in class order this is best fit: exact below 1024
 *   granules, and above whenever a class holds at most CHUNK_CLASS_SCAN
 *   extents (otherwise within 1/32 of it) -- not TLSF's good fit, which
 *   skips the request's own class;
 * - live ranges are in a chained hash keyed by start (the chain runs
 *   through the record's free-list link, unused while it is live), kept at
 *   most half full, so free() finds its record in O(1).
 *
 * History (docs/performance.md has the figures): three red-black trees,
 * then size-class trees with exact-size lists below 1024 granules and
 * 64-byte pointer-linked records; the trees and the branchy empty-list and
 * list-end cases went when benchmark 4 asked for 0.9x TLSF's time on a
 * quiet machine.
 *
 * Positions are in granules from the region base, so a region has at most
 * 2^32 - 2 granules.
 */
struct chunk_node {
	uint32_t start;
	uint32_t size;
	uint32_t prev;		/* address order; 0 = the sentinel */
	uint32_t next;
	uint32_t fnext;		/* free: class list; live: hash chain; spare: pool */
	uint32_t fprev;		/* free: class list */
	uint16_t cls;		/* free: the class whose list holds it */
	uint16_t free;		/* 1 free, 0 live (and the sentinel) */
	uint32_t pad;
};

_Static_assert(sizeof(struct chunk_node) == 32, "two records a cache line");

/* Record 0: the address list's sentinel, never free, start above all. */
#define CHUNK_SENTINEL 0u

/*
 * Size classes: one per size below 2^CHUNK_EXACT_LOG2 granules (class ==
 * size), then 2^CHUNK_SL_LOG2 per power of two (TLSF's second level) up to
 * 2^32 - 1 granules: 1728 classes.
 */
#define CHUNK_SL_LOG2 5
#define CHUNK_SL_COUNT (1u << CHUNK_SL_LOG2)
#define CHUNK_EXACT_LOG2 10
#define CHUNK_EXACT_CLASSES (1u << CHUNK_EXACT_LOG2)
#define CHUNK_NR_CLASSES \
	(CHUNK_EXACT_CLASSES + (32 - CHUNK_EXACT_LOG2) * CHUNK_SL_COUNT)
#define CHUNK_CLASS_WORDS ((CHUNK_NR_CLASSES + 63) / 64)
#define CHUNK_SUMMARY_WORDS ((CHUNK_CLASS_WORDS + 63) / 64)

_Static_assert(CHUNK_NR_CLASSES <= UINT16_MAX, "cls is 16 bits");
_Static_assert(CHUNK_EXACT_LOG2 > CHUNK_SL_LOG2, "class mapping");

#define CHUNK_NODES_FIRST 32
#define CHUNK_HASH_FIRST_BITS 6
/* Members of a class above the exact ones that an allocation compares. */
#define CHUNK_CLASS_SCAN 16
/*
 * Aligned requests look at this many misaligned candidates before settling
 * for the smallest extent that fits at any alignment.
 */
#define CHUNK_ALIGN_SCAN 32

struct rh_chunk_alloc {
	struct chunk_node *nodes;	/* [0] is the sentinel */
	uint32_t nr_nodes;		/* capacity of @nodes */
	uint32_t spare;			/* unused records, through fnext */
	uint32_t nr_spare;

	uint32_t *used_tab;		/* hash buckets of live ranges */
	uint32_t used_bits;		/* capacity is 1 << used_bits */

	rh_phys_addr_t base;
	uint64_t size;
	uint64_t granule;
	uint64_t base_gr;	/* base in granules, for alignment maths */
	unsigned int shift;	/* log2(granule) */
	uint32_t nr_granules;

	uint64_t used_granules;
	uint64_t free_blocks;
	uint64_t used_blocks;
	uint64_t metadata_bytes;

	uint64_t class_map[CHUNK_CLASS_WORDS];	/* bit c: head[c] != 0 */
	uint64_t class_summary[CHUNK_SUMMARY_WORDS]; /* bit w: class_map[w] != 0 */
	uint32_t head[CHUNK_NR_CLASSES];	/* first record of each class, 0 = empty */
};

static inline uint32_t hash_slot(uint32_t start, uint32_t bits)
{
	return (uint32_t)(start * UINT32_C(2654435769)) >> (32 - bits);
}

static inline unsigned int size_class(uint32_t n)
{
	unsigned int fl;

	if (n < CHUNK_EXACT_CLASSES)
		return n;
	fl = 31u - (unsigned int)__builtin_clz(n);
	return CHUNK_EXACT_CLASSES + (fl - CHUNK_EXACT_LOG2) * CHUNK_SL_COUNT +
	       ((n >> (fl - CHUNK_SL_LOG2)) & (CHUNK_SL_COUNT - 1));
}

/* chunk-alloc.c: the hash link holding live range @start, or NULL. */
uint32_t *hash_find(const struct rh_chunk_alloc *ca, uint32_t start);

#endif /* RH_EMU_CHUNK_ALLOC_INTERNAL_H */
