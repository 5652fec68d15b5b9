// SPDX-License-Identifier: MIT
/* Secure-world range allocator: best fit on size-class red-black trees, immediate coalescing. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/tree.h>

#include "util/alloc.h"

#include "chunk-alloc.h"

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

/* RB_GENERATE_STATIC needs __unused, which libbsd's cdefs.h leaves undefined. */
#define CHUNK_RB_ATTR __attribute__((unused)) static
RB_GENERATE_INTERNAL(chunk_size_tree, chunk_extent, size_link, size_cmp,
		     CHUNK_RB_ATTR)

/* ------------------------------------------------------------ node pool */

static int pool_grow(struct rh_chunk_alloc *ca)
{
	uint32_t nr = ca->next_slab_nr, i;
	struct chunk_slab *slab;
	size_t bytes = sizeof(*slab) + 63 + (size_t)nr * sizeof(slab->nodes[0]);
	uintptr_t p;

	slab = rh_malloc(bytes);
	if (!slab)
		return -ENOMEM;
	p = ((uintptr_t)(slab + 1) + 63) & ~(uintptr_t)63;
	slab->nodes = (struct chunk_extent *)p;
	slab->nr = nr;
	slab->next = ca->slabs;
	ca->slabs = slab;
	for (i = 0; i < nr; i++) {
		slab->nodes[i].next = ca->spare;
		ca->spare = &slab->nodes[i];
	}
	ca->nr_spare += nr;
	ca->nr_nodes += nr;
	ca->metadata_bytes += bytes;
	if (ca->next_slab_nr < CHUNK_SLAB_MAX)
		ca->next_slab_nr *= 2;
	return 0;
}

static struct chunk_extent *node_get(struct rh_chunk_alloc *ca)
{
	struct chunk_extent *e = ca->spare;

	assert(e && ca->nr_spare);
	ca->spare = e->next;
	ca->nr_spare--;
	return e;
}

static void node_put(struct rh_chunk_alloc *ca, struct chunk_extent *e)
{
	e->next = ca->spare;
	ca->spare = e;
	ca->nr_spare++;
}

/* ------------------------------------------------------------ live-range hash */

static inline uint32_t hash_slot(uint32_t start, uint32_t bits)
{
	return (uint32_t)(start * UINT32_C(2654435769)) >> (32 - bits);
}

static void hash_put(struct chunk_extent **tab, uint32_t bits,
		     struct chunk_extent *e)
{
	struct chunk_extent **head = &tab[hash_slot(e->start, bits)];

	e->hash_next = *head;
	*head = e;
}

/* The link pointing at the live range starting at @start, or NULL. */
static struct chunk_extent **hash_find(const struct rh_chunk_alloc *ca,
				       uint32_t start)
{
	struct chunk_extent **link =
		&ca->used_tab[hash_slot(start, ca->used_bits)];

	while (*link) {
		if ((*link)->start == start)
			return link;
		link = &(*link)->hash_next;
	}
	return NULL;
}

/* Keeps the load factor <= 1 for one more live range; -ENOMEM changes nothing. */
static int hash_reserve(struct rh_chunk_alloc *ca)
{
	struct chunk_extent **tab, *e, *next;
	uint32_t bits = ca->used_bits + 1, i;

	if (ca->used_blocks + 1 <= (UINT64_C(1) << ca->used_bits))
		return 0;
	tab = rh_calloc(UINT64_C(1) << bits, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	for (i = 0; i < (UINT32_C(1) << ca->used_bits); i++) {
		for (e = ca->used_tab[i]; e; e = next) {
			next = e->hash_next;
			hash_put(tab, bits, e);
		}
	}
	ca->metadata_bytes += (sizeof(*tab) << bits) -
			      (sizeof(*tab) << ca->used_bits);
	rh_free(ca->used_tab);
	ca->used_tab = tab;
	ca->used_bits = bits;
	return 0;
}

/* ------------------------------------------------------------ size trees */

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

/* First non-empty class >= @c, or CHUNK_NR_CLASSES. */
static unsigned int class_next(const struct rh_chunk_alloc *ca, unsigned int c)
{
	unsigned int w = c / 64, sw;
	uint64_t bits;

	if (c >= CHUNK_NR_CLASSES)
		return CHUNK_NR_CLASSES;
	bits = ca->class_map[w] & (~UINT64_C(0) << (c % 64));
	if (bits)
		return w * 64 + (unsigned int)__builtin_ctzll(bits);
	/* The next non-empty word, through the summary bitmap. */
	w++;
	for (sw = w / 64; sw < CHUNK_SUMMARY_WORDS; sw++, w = sw * 64) {
		bits = ca->class_summary[sw] & (~UINT64_C(0) << (w % 64));
		if (bits) {
			w = sw * 64 + (unsigned int)__builtin_ctzll(bits);
			return w * 64 +
			       (unsigned int)__builtin_ctzll(ca->class_map[w]);
		}
	}
	return CHUNK_NR_CLASSES;
}

static inline void class_mark(struct rh_chunk_alloc *ca, unsigned int c)
{
	ca->class_map[c / 64] |= UINT64_C(1) << (c % 64);
	ca->class_summary[c / 4096] |= UINT64_C(1) << (c / 64 % 64);
}

static inline void class_unmark_if_empty(struct rh_chunk_alloc *ca,
					 unsigned int c)
{
	if (!RB_EMPTY(&ca->by_size[c]))
		return;
	ca->class_map[c / 64] &= ~(UINT64_C(1) << (c % 64));
	if (!ca->class_map[c / 64])
		ca->class_summary[c / 4096] &= ~(UINT64_C(1) << (c / 64 % 64));
}

/*
 * The descents below walk the libbsd trees without branches on the key:
 * { rbe_left, rbe_right } are indexed by the comparison, which removes the
 * unpredictable three-way branch of the generated loops (the first cost in
 * `perf annotate` of benchmark 4). Insertion links the node and lets the
 * generated RB_INSERT_COLOR rebalance, as the kernel's rb_link_node() +
 * rb_insert_color() pair does.
 */
static inline struct chunk_extent **children(struct chunk_extent *e)
{
	return &RB_LEFT(e, size_link);
}

/*
 * A list class is circular (rbe_left = next, rbe_right = prev), head in
 * rbh_root. Insertion keeps it sorted by address when the place is among
 * the first CHUNK_LIST_SCAN members (else at the tail), and a new lowest
 * address always becomes the head: allocation takes the head, so it
 * behaves like address-ordered best fit at O(1).
 */
static void list_class_insert(struct chunk_extent **head,
			      struct chunk_extent *e)
{
	struct chunk_extent *h = *head, *pos, *prev;
	unsigned int steps;

	if (!h) {
		RB_LEFT(e, size_link) = RB_RIGHT(e, size_link) = e;
		*head = e;
		return;
	}
	/* Insert before the first of the next few members above @e, else at
	 * the tail: lists stay address-sorted in practice, in O(1). */
	pos = h;
	for (steps = 0; steps < CHUNK_LIST_SCAN && pos->start < e->start;
	     steps++) {
		pos = RB_LEFT(pos, size_link);
		if (pos == h)
			break;
	}
	if (steps == CHUNK_LIST_SCAN)
		pos = h; /* give up: append at the tail, i.e. before the head */
	prev = RB_RIGHT(pos, size_link);
	RB_LEFT(e, size_link) = pos;
	RB_RIGHT(e, size_link) = prev;
	RB_LEFT(prev, size_link) = e;
	RB_RIGHT(pos, size_link) = e;
	if (e->start < h->start)
		*head = e;
}

/* Smallest extent of non-empty class @c. */
static struct chunk_extent *class_first(const struct rh_chunk_alloc *ca,
					unsigned int c)
{
	struct chunk_extent *e = RB_ROOT(&ca->by_size[c]);

	if (class_is_list(c))
		return e;
	while (e && RB_LEFT(e, size_link))
		e = RB_LEFT(e, size_link);
	return e;
}

/*
 * Smallest free extent with key >= @key: the best fit; among equal sizes
 * the lowest address in tree classes, the head in list classes.
 */
static struct chunk_extent *size_nfind(const struct rh_chunk_alloc *ca,
				       uint64_t key)
{
	unsigned int c = size_class((uint32_t)(key >> 32));
	struct chunk_extent *node = RB_ROOT(&ca->by_size[c]), *res = NULL;
	bool right;

	if (class_is_list(c)) {
		if (node)
			return node;
	} else {
		while (node) {
			right = key > ext_key(node);
			res = right ? res : node;
			node = children(node)[right];
		}
		if (res)
			return res;
	}
	/* Every extent of a higher class is larger: take the smallest. */
	c = class_next(ca, c + 1);
	return c < CHUNK_NR_CLASSES ? class_first(ca, c) : NULL;
}

/* The next free extent in size order, across classes. */
static struct chunk_extent *size_next(const struct rh_chunk_alloc *ca,
				      struct chunk_extent *e)
{
	struct chunk_extent *next;
	unsigned int c;

	if (class_is_list(e->cls)) {
		next = RB_LEFT(e, size_link);
		if (next == RB_ROOT(&ca->by_size[e->cls]))
			next = NULL; /* wrapped around */
	} else
		next = chunk_size_tree_RB_NEXT(e);
	if (next)
		return next;
	c = class_next(ca, e->cls + 1u);
	return c < CHUNK_NR_CLASSES ? class_first(ca, c) : NULL;
}

/* Links free extent @e into class @c, which must be size_class(e->size). */
static void size_insert_class(struct rh_chunk_alloc *ca, struct chunk_extent *e,
			      unsigned int c)
{
	struct chunk_extent **link = &RB_ROOT(&ca->by_size[c]);
	struct chunk_extent *parent = NULL;
	uint64_t key = ext_key(e);

	e->cls = (uint16_t)c;
	class_mark(ca, c);
	if (class_is_list(c)) {
		list_class_insert(link, e);
		return;
	}
	if (!*link) {
		/* Most tree classes hold zero or one extent: no rebalancing. */
		RB_SET(e, NULL, size_link);
		RB_COLOR(e, size_link) = RB_BLACK;
		*link = e;
		return;
	}
	while (*link) {
		parent = *link;
		link = &children(parent)[key > ext_key(parent)];
	}
	RB_SET(e, parent, size_link);
	*link = e;
	chunk_size_tree_RB_INSERT_COLOR(&ca->by_size[c], e);
}

static void size_insert(struct rh_chunk_alloc *ca, struct chunk_extent *e)
{
	size_insert_class(ca, e, size_class(e->size));
}

/* Unlinks @e from the class it was inserted in (its size may have changed). */
static void size_remove(struct rh_chunk_alloc *ca, struct chunk_extent *e)
{
	unsigned int c = e->cls;
	struct chunk_extent *next = RB_LEFT(e, size_link);
	struct chunk_extent *prev = RB_RIGHT(e, size_link);

	if (class_is_list(c)) {
		if (next == e) {
			RB_ROOT(&ca->by_size[c]) = NULL;
		} else {
			RB_LEFT(prev, size_link) = next;
			RB_RIGHT(next, size_link) = prev;
			if (RB_ROOT(&ca->by_size[c]) == e)
				RB_ROOT(&ca->by_size[c]) = next;
		}
	} else if (RB_ROOT(&ca->by_size[c]) == e && !next && !prev) {
		RB_ROOT(&ca->by_size[c]) = NULL;
	} else {
		chunk_size_tree_RB_REMOVE(&ca->by_size[c], e);
	}
	class_unmark_if_empty(ca, c);
}

/* @e's size changed while linked: move it only when its place is wrong. */
static void size_update(struct rh_chunk_alloc *ca, struct chunk_extent *e)
{
	unsigned int c = size_class(e->size);
	struct chunk_extent *nb;

	/* A list class holds one size: a new size is always a new class. */
	if (c == e->cls && !class_is_list(c)) {
		nb = chunk_size_tree_RB_PREV(e);
		if (!nb || ext_key(nb) < ext_key(e)) {
			nb = chunk_size_tree_RB_NEXT(e);
			if (!nb || ext_key(e) < ext_key(nb))
				return;
		}
	}
	size_remove(ca, e);
	size_insert_class(ca, e, c);
}

/* ------------------------------------------------------------ address list */

static void list_insert_after(struct chunk_extent *pos, struct chunk_extent *e)
{
	e->prev = pos;
	e->next = pos->next;
	if (pos->next)
		pos->next->prev = e;
	pos->next = e;
}

static void list_insert_before(struct rh_chunk_alloc *ca,
			       struct chunk_extent *pos, struct chunk_extent *e)
{
	e->next = pos;
	e->prev = pos->prev;
	if (pos->prev)
		pos->prev->next = e;
	else
		ca->first = e;
	pos->prev = e;
}

static void list_unlink(struct rh_chunk_alloc *ca, struct chunk_extent *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		ca->first = e->next;
	if (e->next)
		e->next->prev = e->prev;
}

/* ------------------------------------------------------------ API */

/* The whole region as one free extent (create and reset). */
static void init_extents(struct rh_chunk_alloc *ca)
{
	struct chunk_extent *e = node_get(ca);

	unsigned int c;

	for (c = 0; c < CHUNK_NR_CLASSES; c++)
		RB_INIT(&ca->by_size[c]);
	memset(ca->class_map, 0, sizeof(ca->class_map));
	memset(ca->class_summary, 0, sizeof(ca->class_summary));
	e->start = 0;
	e->size = ca->nr_granules;
	e->prev = e->next = NULL;
	e->free = 1;
	ca->first = e;
	size_insert(ca, e);
	ca->free_blocks = 1;
	ca->used_blocks = 0;
	ca->used_granules = 0;
}

int rh_chunk_alloc_create(rh_phys_addr_t base, uint64_t size, uint64_t granule,
			  struct rh_chunk_alloc **ret)
{
	struct rh_chunk_alloc *ca;
	int err;

	if (!ret || !granule || (granule & (granule - 1)) ||
	    granule > (UINT64_C(1) << 40) || !size || (size & (granule - 1)) ||
	    (base & (granule - 1)) || base + size < base ||
	    size / granule > UINT32_MAX)
		return -EINVAL;

	ca = rh_zalloc(sizeof(*ca));
	if (!ca)
		return -ENOMEM;
	ca->base = base;
	ca->size = size;
	ca->granule = granule;
	ca->shift = (unsigned int)__builtin_ctzll(granule);
	ca->base_gr = base >> ca->shift;
	ca->nr_granules = (uint32_t)(size >> ca->shift);
	ca->next_slab_nr = CHUNK_SLAB_FIRST;
	ca->metadata_bytes = sizeof(*ca);

	ca->used_bits = CHUNK_HASH_FIRST_BITS;
	ca->used_tab = rh_calloc(UINT64_C(1) << ca->used_bits,
				 sizeof(*ca->used_tab));
	if (!ca->used_tab) {
		err = -ENOMEM;
		goto err_free_ca;
	}
	ca->metadata_bytes += sizeof(*ca->used_tab) << ca->used_bits;

	err = pool_grow(ca);
	if (err)
		goto err_free_tab;
	init_extents(ca);

	*ret = ca;
	return 0;

err_free_tab:
	rh_free(ca->used_tab);
err_free_ca:
	rh_free(ca);
	return err;
}

void rh_chunk_alloc_destroy(struct rh_chunk_alloc *ca)
{
	struct chunk_slab *slab, *next;

	if (!ca)
		return;
	for (slab = ca->slabs; slab; slab = next) {
		next = slab->next;
		rh_free(slab);
	}
	rh_free(ca->used_tab);
	rh_free(ca);
}

/*
 * Best-fit candidate for @n granules at granule alignment @a; *@ret_head
 * is the number of granules skipped to reach the aligned start.
 */
static struct chunk_extent *find_fit(const struct rh_chunk_alloc *ca,
				     uint32_t n, uint64_t a,
				     uint32_t *ret_head)
{
	struct chunk_extent *e = size_nfind(ca, (uint64_t)n << 32), *big;
	unsigned int tries = 0;
	uint64_t pad;

	*ret_head = 0;
	if (a == 1 || !e)
		return e;
	while (e) {
		pad = (0 - (ca->base_gr + e->start)) & (a - 1);
		if (pad + n <= e->size) {
			*ret_head = (uint32_t)pad;
			return e;
		}
		/*
		 * Many misaligned candidates: any extent of n + a - 1 granules
		 * fits at any alignment, take the smallest such. Without one,
		 * keep scanning so a fit is found whenever one exists.
		 */
		if (++tries == CHUNK_ALIGN_SCAN && n + a - 1 <= ca->nr_granules) {
			big = size_nfind(ca, (n + a - 1) << 32);
			if (big) {
				pad = (0 - (ca->base_gr + big->start)) & (a - 1);
				*ret_head = (uint32_t)pad;
				return big;
			}
		}
		e = size_next(ca, e);
	}
	return NULL;
}

/* Makes sure @n records can be taken without failing; changes nothing else. */
static int pool_reserve(struct rh_chunk_alloc *ca, uint32_t n)
{
	while (ca->nr_spare < n) {
		if (pool_grow(ca))
			return -ENOMEM;
	}
	return 0;
}

int rh_chunk_alloc_alloc(struct rh_chunk_alloc *ca, uint64_t size,
			 uint64_t align, rh_phys_addr_t *ret_pa)
{
	struct chunk_extent *e, *u, *t;
	uint32_t n, head, tail;

	if (!ca || !ret_pa || !size || (align & (align - 1)) ||
	    align < ca->granule)
		return -EINVAL;
	if (size > ca->size)
		return -ENOMEM;
	n = (uint32_t)((size + ca->granule - 1) >> ca->shift);

	e = find_fit(ca, n, align >> ca->shift, &head);
	if (!e)
		return -ENOMEM;
	tail = e->size - head - n;
	/* Records and hash room first: a failure must leave everything as is. */
	if (__builtin_expect(ca->nr_spare < 2 || ca->used_blocks >=
			     (UINT64_C(1) << ca->used_bits), 0) &&
	    (pool_reserve(ca, (head != 0) + (tail != 0)) || hash_reserve(ca)))
		return -ENOMEM;

	if (!head && !tail) {
		size_remove(ca, e);
		ca->free_blocks--;
		u = e;
	} else if (!head) {
		/* Carve from the start; the rest keeps its place in the list. */
		u = node_get(ca);
		u->start = e->start;
		u->size = n;
		list_insert_before(ca, e, u);
		e->start += n;
		e->size = tail;
		size_update(ca, e);
	} else {
		u = node_get(ca);
		u->start = e->start + head;
		u->size = n;
		list_insert_after(e, u);
		e->size = head;
		size_update(ca, e);
		if (tail) {
			t = node_get(ca);
			t->start = u->start + n;
			t->size = tail;
			t->free = 1;
			list_insert_after(u, t);
			size_insert(ca, t);
			ca->free_blocks++;
		}
	}
	u->free = 0;
	hash_put(ca->used_tab, ca->used_bits, u);
	ca->used_blocks++;
	ca->used_granules += n;

	*ret_pa = ca->base + ((uint64_t)u->start << ca->shift);
	return 0;
}

/* Granule index of @pa, or false when @pa cannot start a range. */
static bool pa_to_granule(const struct rh_chunk_alloc *ca, rh_phys_addr_t pa,
			  uint32_t *ret_start)
{
	uint64_t off;

	if (pa < ca->base)
		return false;
	off = pa - ca->base;
	if (off >= ca->size || (off & (ca->granule - 1)))
		return false;
	*ret_start = (uint32_t)(off >> ca->shift);
	return true;
}

int rh_chunk_alloc_free(struct rh_chunk_alloc *ca, rh_phys_addr_t pa,
			uint64_t *ret_size)
{
	struct chunk_extent *u, *prev, *next, **link;
	bool merge_prev, merge_next;
	uint32_t s, n;

	if (!ca)
		return -EINVAL;
	if (!pa_to_granule(ca, pa, &s))
		return -ENOENT;
	link = hash_find(ca, s);
	if (!link)
		return -ENOENT;
	u = *link;
	*link = u->hash_next; /* before size_link reuses the word */
	n = u->size;
	ca->used_blocks--;
	ca->used_granules -= n;

	prev = u->prev;
	next = u->next;
	merge_prev = prev && prev->free;
	merge_next = next && next->free;

	if (merge_prev && merge_next) {
		size_remove(ca, next);
		ca->free_blocks--;
		prev->size += n + next->size;
		list_unlink(ca, u);
		list_unlink(ca, next);
		size_update(ca, prev);
		node_put(ca, next);
		node_put(ca, u);
	} else if (merge_prev) {
		prev->size += n;
		list_unlink(ca, u);
		size_update(ca, prev);
		node_put(ca, u);
	} else if (merge_next) {
		next->start = s;
		next->size += n;
		list_unlink(ca, u);
		size_update(ca, next);
		node_put(ca, u);
	} else {
		u->free = 1;
		size_insert(ca, u);
		ca->free_blocks++;
	}

	if (ret_size)
		*ret_size = (uint64_t)n << ca->shift;
	return 0;
}

int rh_chunk_alloc_lookup(const struct rh_chunk_alloc *ca, rh_phys_addr_t pa,
			  uint64_t *ret_size)
{
	struct chunk_extent **link;
	uint32_t s;

	if (!ca || !ret_size)
		return -EINVAL;
	if (!pa_to_granule(ca, pa, &s))
		return -ENOENT;
	link = hash_find(ca, s);
	if (!link)
		return -ENOENT;
	*ret_size = (uint64_t)(*link)->size << ca->shift;
	return 0;
}

void rh_chunk_alloc_stats(const struct rh_chunk_alloc *ca,
			  struct rh_chunk_alloc_stats *ret)
{
	struct chunk_extent *e = NULL;
	unsigned int c;
	int w;

	if (!ca || !ret)
		return;
	/* The largest extent: any of a list class, else a tree's rightmost. */
	for (w = CHUNK_CLASS_WORDS - 1; w >= 0; w--) {
		if (ca->class_map[w]) {
			c = (unsigned int)(w * 64 + 63 -
					   __builtin_clzll(ca->class_map[w]));
			e = RB_ROOT(&ca->by_size[c]);
			while (!class_is_list(c) && RB_RIGHT(e, size_link))
				e = RB_RIGHT(e, size_link);
			break;
		}
	}

	ret->bytes_used = ca->used_granules << ca->shift;
	ret->bytes_free = ca->size - ret->bytes_used;
	ret->largest_free = e ? (uint64_t)e->size << ca->shift : 0;
	ret->free_blocks = ca->free_blocks;
	ret->used_blocks = ca->used_blocks;
	ret->metadata_bytes = ca->metadata_bytes;
}

bool rh_chunk_alloc_is_empty(const struct rh_chunk_alloc *ca)
{
	return !ca || ca->used_blocks == 0;
}

int rh_chunk_alloc_for_each_used(struct rh_chunk_alloc *ca,
				 int (*fn)(rh_phys_addr_t pa, uint64_t size,
					   void *data),
				 void *data)
{
	struct chunk_extent *e;
	int ret;

	if (!ca || !fn)
		return -EINVAL;
	for (e = ca->first; e; e = e->next) {
		if (e->free)
			continue;
		ret = fn(ca->base + ((uint64_t)e->start << ca->shift),
			 (uint64_t)e->size << ca->shift, data);
		if (ret)
			return ret;
	}
	return 0;
}

void rh_chunk_alloc_reset(struct rh_chunk_alloc *ca)
{
	struct chunk_slab *slab;
	uint32_t i;

	if (!ca)
		return;
	ca->spare = NULL;
	ca->nr_spare = 0;
	for (slab = ca->slabs; slab; slab = slab->next) {
		for (i = 0; i < slab->nr; i++)
			node_put(ca, &slab->nodes[i]);
	}
	memset(ca->used_tab, 0, sizeof(*ca->used_tab) << ca->used_bits);
	init_extents(ca);
}

/* ------------------------------------------------------------ self-check */

/* Red-black shape of a size subtree: its black height, or -1 if broken. */
static int size_tree_check(struct chunk_extent *e, struct chunk_extent *parent,
			   uint64_t *count)
{
	int l, r;

	if (!e)
		return 1;
	if (RB_PARENT(e, size_link) != parent || !e->free ||
	    size_class(e->size) != e->cls)
		return -1;
	if (RB_COLOR(e, size_link) == RB_RED && parent &&
	    RB_COLOR(parent, size_link) == RB_RED)
		return -1;
	(*count)++;
	l = size_tree_check(RB_LEFT(e, size_link), e, count);
	r = size_tree_check(RB_RIGHT(e, size_link), e, count);
	if (l < 0 || r < 0 || l != r)
		return -1;
	return l + (RB_COLOR(e, size_link) == RB_BLACK);
}

static int list_class_check(const struct rh_chunk_alloc *ca, unsigned int c,
			    uint64_t *count)
{
	struct chunk_extent *head = RB_ROOT(&ca->by_size[c]), *e = head;
	uint64_t n = 0;

	if (!head)
		return 0;
	do {
		if (RB_LEFT(RB_RIGHT(e, size_link), size_link) != e || !e->free ||
		    e->cls != c || e->size != c || ++n > ca->free_blocks)
			return -1;
		e = RB_LEFT(e, size_link);
	} while (e != head);
	*count += n;
	return 0;
}

int rh_chunk_alloc_check(struct rh_chunk_alloc *ca)
{
	struct chunk_extent *e, *last = NULL;
	uint64_t cursor = 0, used = 0, nfree = 0, nused = 0, nsize = 0, slots = 0;
	struct chunk_extent **link;
	uint32_t i;
	unsigned int c;
	bool nonempty;

	if (!ca)
		return -EINVAL;
	for (i = 0; i < CHUNK_CLASS_WORDS; i++) {
		nonempty = ca->class_summary[i / 64] & (UINT64_C(1) << (i % 64));
		if (nonempty != (ca->class_map[i] != 0))
			return -EUCLEAN;
	}
	for (c = 0; c < CHUNK_NR_CLASSES; c++) {
		nonempty = ca->class_map[c / 64] & (UINT64_C(1) << (c % 64));
		if (nonempty == RB_EMPTY(&ca->by_size[c]))
			return -EUCLEAN;
		if (class_is_list(c)) {
			if (list_class_check(ca, c, &nsize) < 0)
				return -EUCLEAN;
		} else if (size_tree_check(RB_ROOT(&ca->by_size[c]), NULL,
					   &nsize) < 0) {
			return -EUCLEAN;
		}
		if (RB_ROOT(&ca->by_size[c]) &&
		    RB_ROOT(&ca->by_size[c])->cls != c)
			return -EUCLEAN;
	}
	if (nsize != ca->free_blocks)
		return -EUCLEAN;

	/* The address list tiles the region; no two free extents touch. */
	if (!ca->first || ca->first->prev)
		return -EUCLEAN;
	for (e = ca->first; e; last = e, e = e->next) {
		if (e->start != cursor || e->size == 0 || e->prev != last)
			return -EUCLEAN;
		if (e->free && last && last->free)
			return -EUCLEAN;
		cursor += e->size;
		if (e->free) {
			nfree++;
		} else {
			nused++;
			used += e->size;
			link = hash_find(ca, e->start);
			if (!link || *link != e)
				return -EUCLEAN;
		}
	}
	if (cursor != ca->nr_granules || used != ca->used_granules ||
	    nfree != ca->free_blocks || nused != ca->used_blocks)
		return -EUCLEAN;

	/* The hash holds live ranges only, each once (the walk found them all). */
	for (i = 0; i < (UINT32_C(1) << ca->used_bits); i++) {
		for (e = ca->used_tab[i]; e; e = e->hash_next) {
			if (e->free || hash_slot(e->start, ca->used_bits) != i ||
			    ++slots > ca->used_blocks)
				return -EUCLEAN;
		}
	}
	if (slots != ca->used_blocks)
		return -EUCLEAN;

	/* (size, start) strictly increasing through the tree classes in order
	 * (list classes hold one size each, checked above). */
	last = NULL;
	for (c = CHUNK_EXACT_CLASSES; c < CHUNK_NR_CLASSES; c++) {
		RB_FOREACH(e, chunk_size_tree, &ca->by_size[c]) {
			if (last && ext_key(last) >= ext_key(e))
				return -EUCLEAN;
			last = e;
		}
	}
	if (ca->nr_spare + ca->free_blocks + ca->used_blocks != ca->nr_nodes)
		return -EUCLEAN;
	return 0;
}
