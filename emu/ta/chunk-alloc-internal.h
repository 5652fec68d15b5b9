/* SPDX-License-Identifier: MIT */
/* Internals of the secure-world range allocator, shared by chunk-alloc.c and chunk-alloc-check.c. */
#ifndef RH_EMU_CHUNK_ALLOC_INTERNAL_H
#define RH_EMU_CHUNK_ALLOC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/tree.h>

#include "ta/chunk-alloc.h"

/*
 * Data structures (all outside the region, which is never touched):
 *
 * - every extent, free or live, has a 64-byte record; the records form a
 *   list in address order that tiles the region (boundary tags kept off
 *   the memory), so a freed range finds its neighbours in O(1);
 * - free extents are indexed by size class (one class per size below
 *   1024 granules, then 32 per power of two as in TLSF's mapping, with a
 *   two-level bitmap of the non-empty ones). A class from 1024 granules up
 *   is a libbsd red-black tree ordered by (size, start); a class below
 *   holds a single size, so it is a list (O(1) instead of rebalancing:
 *   equal sizes pile up by the dozen). Read in class order this is one
 *   size order and the best fit -- the smallest extent >= n -- is exact,
 *   not TLSF's good fit. Among equal sizes the lowest address wins in the
 *   trees; lists are kept address-sorted by a bounded insertion scan (see
 *   list_class_insert()). The classes keep each tree a few nodes deep;
 * - live ranges are in a chained hash keyed by start (chains threaded
 *   through the record's tree links, unused while it is live), so free()
 *   finds its record in O(1).
 *
 * Why not three plain trees (free by size, free by address, live by
 * address): that first version made three O(log n) searches and up to six
 * rebalancing operations per alloc+free pair and ran at 2.8-3.3x the TLSF
 * baseline's time on benchmark 4 (docs/performance.md has the history).
 *
 * Positions are in granules from the region base, so a region has at most
 * 2^32 - 1 granules and the best-fit key packs into one 64-bit compare.
 */
struct chunk_extent {
	uint32_t start;
	uint32_t size;
	union {
		RB_ENTRY(chunk_extent) size_link; /* free: its size class */
		struct chunk_extent *hash_next;	  /* live: its hash chain */
	};
	struct chunk_extent *prev;	/* address order; NULL at the start */
	struct chunk_extent *next;	/* address order; doubles as pool link */
	uint16_t free;
	uint16_t cls;		/* size class whose tree holds it (free only) */
	uint32_t pad;
};

_Static_assert(sizeof(struct chunk_extent) == 64, "one cache line per record");
/* The searches index { rbe_left, rbe_right } as an array (see below). */
_Static_assert(offsetof(struct chunk_extent, size_link.rbe_right) ==
	       offsetof(struct chunk_extent, size_link.rbe_left) +
	       sizeof(struct chunk_extent *), "RB_ENTRY child layout");

RB_HEAD(chunk_size_tree, chunk_extent);

/* Records come from slabs so the hot path never calls the system allocator. */
struct chunk_slab {
	struct chunk_slab *next;
	struct chunk_extent *nodes; /* 64-byte aligned inside this allocation */
	uint32_t nr;
};

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

#define CHUNK_SLAB_FIRST 16
#define CHUNK_SLAB_MAX 1024
#define CHUNK_HASH_FIRST_BITS 6
/*
 * Aligned requests scan this many best-fit candidates before settling for
 * the smallest extent that fits at any alignment (bounds the usual case).
 */
#define CHUNK_ALIGN_SCAN 32
/* Members a list-class insertion looks at to keep address order. */
#define CHUNK_LIST_SCAN 8

struct rh_chunk_alloc {
	struct chunk_size_tree by_size[CHUNK_NR_CLASSES];
	uint64_t class_map[CHUNK_CLASS_WORDS];	/* bit c: by_size[c] non-empty */
	uint64_t class_summary[CHUNK_SUMMARY_WORDS]; /* bit w: class_map[w] != 0 */
	struct chunk_extent *first;	/* lowest extent, never NULL */

	struct chunk_extent **used_tab;	/* hash buckets of live ranges */
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

	struct chunk_extent *spare;
	uint32_t nr_spare;
	uint32_t nr_nodes;
	uint32_t next_slab_nr;
	struct chunk_slab *slabs;
	uint64_t metadata_bytes;
};

static inline uint64_t ext_key(const struct chunk_extent *e)
{
	return (uint64_t)e->size << 32 | e->start;
}

static inline int size_cmp(const struct chunk_extent *a,
			   const struct chunk_extent *b)
{
	uint64_t ka = ext_key(a), kb = ext_key(b);

	return (ka > kb) - (ka < kb);
}

/*
 * Generated here, static, so that each file has its own copy and the
 * allocator's hot path keeps inlining the tree operations.
 */
/* RB_GENERATE_STATIC needs __unused, which libbsd's cdefs.h leaves undefined. */
#define CHUNK_RB_ATTR __attribute__((unused)) static
RB_GENERATE_INTERNAL(chunk_size_tree, chunk_extent, size_link, size_cmp,
		     CHUNK_RB_ATTR)

/* Helpers of both files, static inline as before the split. */
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

/*
 * Classes below CHUNK_EXACT_CLASSES hold one size each (class == size), so
 * their extents need no size order: they are a circular list threaded
 * through size_link (rbe_left = next, rbe_right = prev) with the head in
 * rbh_root. That is where small slivers pile up by the dozen, and a list
 * makes their insertion and removal O(1) instead of a rebalancing tree
 * operation. A plain LIFO list cost up to 2 points of median utilisation
 * at first failure on benchmark 4 (WR) and its worst W1 seed fell from
 * 0.905 to 0.786; list_class_insert() keeps address order instead.
 */
static inline bool class_is_list(unsigned int c)
{
	return c < CHUNK_EXACT_CLASSES;
}

/* chunk-alloc.c */
struct chunk_extent **hash_find(const struct rh_chunk_alloc *ca,
				uint32_t start);

#endif /* RH_EMU_CHUNK_ALLOC_INTERNAL_H */
