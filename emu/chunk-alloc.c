// SPDX-License-Identifier: MIT
/* Secure-world range allocator: best fit, immediate coalescing, red-black trees. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/tree.h>

#include "util/alloc.h"

#include "chunk-alloc.h"

/*
 * One record per extent. A free extent is linked in free_by_addr (for
 * coalescing) and free_by_size (for best fit); a live range is linked in
 * used_by_addr only. Positions are in granules from the region base so the
 * best-fit key (size, start) packs into one 64-bit compare.
 */
struct chunk_extent {
	RB_ENTRY(chunk_extent) addr_link;
	union {
		RB_ENTRY(chunk_extent) size_link;
		struct chunk_extent *next_spare; /* while in the node pool */
	};
	uint32_t start;
	uint32_t size;
};

RB_HEAD(chunk_addr_tree, chunk_extent);
RB_HEAD(chunk_size_tree, chunk_extent);

/* Records come from slabs so the hot path never calls the system allocator. */
struct chunk_slab {
	struct chunk_slab *next;
	uint32_t nr;
	struct chunk_extent nodes[];
};

#define CHUNK_SLAB_FIRST 16
#define CHUNK_SLAB_MAX 1024
/* Aligned requests scan this many best-fit candidates before settling for
 * the smallest extent that fits at any alignment (bounds the worst case). */
#define CHUNK_ALIGN_SCAN 32

struct rh_chunk_alloc {
	struct chunk_addr_tree free_by_addr;
	struct chunk_size_tree free_by_size;
	struct chunk_addr_tree used_by_addr;

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

static inline int addr_cmp(const struct chunk_extent *a,
			   const struct chunk_extent *b)
{
	return (a->start > b->start) - (a->start < b->start);
}

static inline int size_cmp(const struct chunk_extent *a,
			   const struct chunk_extent *b)
{
	uint64_t ka = ext_key(a), kb = ext_key(b);

	return (ka > kb) - (ka < kb);
}

/* RB_GENERATE_STATIC needs __unused, which libbsd's cdefs.h leaves undefined. */
#define CHUNK_RB_ATTR __attribute__((unused)) static
RB_GENERATE_INTERNAL(chunk_addr_tree, chunk_extent, addr_link, addr_cmp,
		     CHUNK_RB_ATTR)
RB_GENERATE_INTERNAL(chunk_size_tree, chunk_extent, size_link, size_cmp,
		     CHUNK_RB_ATTR)

/* ------------------------------------------------------------ node pool */

static int pool_grow(struct rh_chunk_alloc *ca)
{
	uint32_t nr = ca->next_slab_nr, i;
	struct chunk_slab *slab;
	size_t bytes = sizeof(*slab) + (size_t)nr * sizeof(slab->nodes[0]);

	slab = rh_malloc(bytes);
	if (!slab)
		return -ENOMEM;
	slab->nr = nr;
	slab->next = ca->slabs;
	ca->slabs = slab;
	for (i = 0; i < nr; i++) {
		slab->nodes[i].next_spare = ca->spare;
		ca->spare = &slab->nodes[i];
	}
	ca->nr_spare += nr;
	ca->nr_nodes += nr;
	ca->metadata_bytes += bytes;
	if (ca->next_slab_nr < CHUNK_SLAB_MAX)
		ca->next_slab_nr *= 2;
	return 0;
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

static struct chunk_extent *node_get(struct rh_chunk_alloc *ca)
{
	struct chunk_extent *e = ca->spare;

	assert(e && ca->nr_spare);
	ca->spare = e->next_spare;
	ca->nr_spare--;
	return e;
}

static void node_put(struct rh_chunk_alloc *ca, struct chunk_extent *e)
{
	e->next_spare = ca->spare;
	ca->spare = e;
	ca->nr_spare++;
}

/* ------------------------------------------------------------ tree helpers */

/*
 * The searches below walk the libbsd trees with conditional moves instead
 * of the generated three-way-branch loops: the branches are unpredictable
 * and cost more than the compares (measured with perf on benchmark 4).
 * Insertion links the node itself and lets the generated
 * RB_INSERT_COLOR rebalance, as the kernel's rb_link_node() +
 * rb_insert_color() pair does.
 */

/* Smallest free extent with key >= @key: best fit, lowest address first. */
static struct chunk_extent *size_nfind(const struct rh_chunk_alloc *ca,
				       uint64_t key)
{
	struct chunk_extent *node = RB_ROOT(&ca->free_by_size), *res = NULL;
	bool left;

	while (node) {
		left = key <= ext_key(node);
		res = left ? node : res;
		node = left ? RB_LEFT(node, size_link) : RB_RIGHT(node, size_link);
	}
	return res;
}

static void size_insert(struct rh_chunk_alloc *ca, struct chunk_extent *e)
{
	struct chunk_extent **link = &RB_ROOT(&ca->free_by_size);
	struct chunk_extent *parent = NULL;
	uint64_t key = ext_key(e);

	while (*link) {
		parent = *link;
		link = key < ext_key(parent) ? &RB_LEFT(parent, size_link) :
					       &RB_RIGHT(parent, size_link);
	}
	RB_SET(e, parent, size_link);
	*link = e;
	chunk_size_tree_RB_INSERT_COLOR(&ca->free_by_size, e);
}

/* @e's key just decreased (or increased): restore the size order. */
static void size_shrunk(struct rh_chunk_alloc *ca, struct chunk_extent *e)
{
	struct chunk_extent *prev = chunk_size_tree_RB_PREV(e);

	if (prev && ext_key(prev) > ext_key(e)) {
		chunk_size_tree_RB_REMOVE(&ca->free_by_size, e);
		size_insert(ca, e);
	}
}

static void size_grew(struct rh_chunk_alloc *ca, struct chunk_extent *e)
{
	struct chunk_extent *next = chunk_size_tree_RB_NEXT(e);

	if (next && ext_key(next) < ext_key(e)) {
		chunk_size_tree_RB_REMOVE(&ca->free_by_size, e);
		size_insert(ca, e);
	}
}

static struct chunk_extent *used_find(const struct rh_chunk_alloc *ca,
				      uint32_t start)
{
	struct chunk_extent *node = RB_ROOT(&ca->used_by_addr);

	while (node && node->start != start)
		node = start < node->start ? RB_LEFT(node, addr_link) :
					     RB_RIGHT(node, addr_link);
	return node;
}

static void used_insert(struct rh_chunk_alloc *ca, struct chunk_extent *e)
{
	struct chunk_extent **link = &RB_ROOT(&ca->used_by_addr);
	struct chunk_extent *parent = NULL;

	while (*link) {
		parent = *link;
		link = e->start < parent->start ? &RB_LEFT(parent, addr_link) :
						  &RB_RIGHT(parent, addr_link);
	}
	RB_SET(e, parent, addr_link);
	*link = e;
	chunk_addr_tree_RB_INSERT_COLOR(&ca->used_by_addr, e);
}

/* Free extents just below and just above granule @start (either may be NULL). */
static void free_neighbours(const struct rh_chunk_alloc *ca, uint32_t start,
			    struct chunk_extent **ret_prev,
			    struct chunk_extent **ret_next)
{
	struct chunk_extent *node = RB_ROOT(&ca->free_by_addr);
	struct chunk_extent *prev = NULL, *next = NULL;
	bool left;

	while (node) {
		left = start < node->start;
		next = left ? node : next;
		prev = left ? prev : node;
		node = left ? RB_LEFT(node, addr_link) : RB_RIGHT(node, addr_link);
	}
	*ret_prev = prev;
	*ret_next = next;
}

/*
 * Links @e into free_by_addr between its neighbours without a search: if
 * @next has no left child @e becomes it; otherwise @prev is the rightmost
 * node of that subtree (or the maximum when @next is NULL) and has no right
 * child.
 */
static void free_addr_link(struct rh_chunk_alloc *ca, struct chunk_extent *e,
			   struct chunk_extent *prev, struct chunk_extent *next)
{
	struct chunk_extent *parent = NULL;

	if (next && !RB_LEFT(next, addr_link)) {
		parent = next;
		RB_LEFT(parent, addr_link) = e;
	} else if (prev) {
		assert(!RB_RIGHT(prev, addr_link));
		parent = prev;
		RB_RIGHT(parent, addr_link) = e;
	} else {
		assert(!RB_ROOT(&ca->free_by_addr));
		RB_ROOT(&ca->free_by_addr) = e;
	}
	RB_PARENT(e, addr_link) = parent;
	RB_LEFT(e, addr_link) = RB_RIGHT(e, addr_link) = NULL;
	RB_COLOR(e, addr_link) = RB_RED;
	chunk_addr_tree_RB_INSERT_COLOR(&ca->free_by_addr, e);
}

/* Links @e into free_by_addr right after @prev (which is linked). */
static void free_addr_link_after(struct rh_chunk_alloc *ca,
				 struct chunk_extent *e,
				 struct chunk_extent *prev)
{
	struct chunk_extent *next = RB_RIGHT(prev, addr_link);

	if (!next) {
		RB_RIGHT(prev, addr_link) = e;
		RB_SET(e, prev, addr_link);
	} else {
		while (RB_LEFT(next, addr_link))
			next = RB_LEFT(next, addr_link);
		RB_LEFT(next, addr_link) = e;
		RB_SET(e, next, addr_link);
	}
	chunk_addr_tree_RB_INSERT_COLOR(&ca->free_by_addr, e);
}

static void free_unlink(struct rh_chunk_alloc *ca, struct chunk_extent *e)
{
	chunk_size_tree_RB_REMOVE(&ca->free_by_size, e);
	chunk_addr_tree_RB_REMOVE(&ca->free_by_addr, e);
	ca->free_blocks--;
}

/* ------------------------------------------------------------ API */

int rh_chunk_alloc_create(rh_phys_addr_t base, uint64_t size, uint64_t granule,
			  struct rh_chunk_alloc **ret)
{
	struct rh_chunk_alloc *ca;
	struct chunk_extent *e;
	int err;

	if (!ret || !granule || (granule & (granule - 1)) ||
	    granule > (UINT64_C(1) << 40) || !size || (size & (granule - 1)) ||
	    (base & (granule - 1)) || base + size < base ||
	    size / granule > UINT32_MAX)
		return -EINVAL;

	ca = rh_zalloc(sizeof(*ca));
	if (!ca)
		return -ENOMEM;
	RB_INIT(&ca->free_by_addr);
	RB_INIT(&ca->free_by_size);
	RB_INIT(&ca->used_by_addr);
	ca->base = base;
	ca->size = size;
	ca->granule = granule;
	ca->shift = (unsigned int)__builtin_ctzll(granule);
	ca->base_gr = base >> ca->shift;
	ca->nr_granules = (uint32_t)(size >> ca->shift);
	ca->next_slab_nr = CHUNK_SLAB_FIRST;
	ca->metadata_bytes = sizeof(*ca);

	err = pool_grow(ca);
	if (err)
		goto err_free_ca;

	e = node_get(ca);
	e->start = 0;
	e->size = ca->nr_granules;
	free_addr_link(ca, e, NULL, NULL);
	size_insert(ca, e);
	ca->free_blocks = 1;

	*ret = ca;
	return 0;

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
		e = chunk_size_tree_RB_NEXT(e);
	}
	return NULL;
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
	/* Records first: a failure here must leave the trees untouched. */
	if (pool_reserve(ca, (head != 0) + (tail != 0)))
		return -ENOMEM;

	if (!head && !tail) {
		free_unlink(ca, e);
		u = e;
	} else if (!head) {
		/* Carve from the start: the rest keeps its place by address. */
		u = node_get(ca);
		u->start = e->start;
		u->size = n;
		e->start += n;
		e->size = tail;
		size_shrunk(ca, e);
	} else {
		u = node_get(ca);
		u->start = e->start + head;
		u->size = n;
		e->size = head;
		size_shrunk(ca, e);
		if (tail) {
			t = node_get(ca);
			t->start = u->start + n;
			t->size = tail;
			free_addr_link_after(ca, t, e);
			size_insert(ca, t);
			ca->free_blocks++;
		}
	}
	used_insert(ca, u);
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
	struct chunk_extent *u, *prev, *next;
	bool merge_prev, merge_next;
	uint32_t s, n;

	if (!ca)
		return -EINVAL;
	if (!pa_to_granule(ca, pa, &s))
		return -ENOENT;
	u = used_find(ca, s);
	if (!u)
		return -ENOENT;
	n = u->size;

	chunk_addr_tree_RB_REMOVE(&ca->used_by_addr, u);
	ca->used_blocks--;
	ca->used_granules -= n;

	free_neighbours(ca, s, &prev, &next);
	merge_prev = prev && prev->start + prev->size == s;
	merge_next = next && s + n == next->start;

	if (merge_prev && merge_next) {
		free_unlink(ca, next);
		prev->size += n + next->size;
		size_grew(ca, prev);
		node_put(ca, next);
		node_put(ca, u);
	} else if (merge_prev) {
		prev->size += n;
		size_grew(ca, prev);
		node_put(ca, u);
	} else if (merge_next) {
		/* Grows downwards: its place by address does not change. */
		next->start = s;
		next->size += n;
		size_grew(ca, next);
		node_put(ca, u);
	} else {
		free_addr_link(ca, u, prev, next);
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
	struct chunk_extent *u;
	uint32_t s;

	if (!ca || !ret_size)
		return -EINVAL;
	if (!pa_to_granule(ca, pa, &s))
		return -ENOENT;
	u = used_find(ca, s);
	if (!u)
		return -ENOENT;
	*ret_size = (uint64_t)u->size << ca->shift;
	return 0;
}

void rh_chunk_alloc_stats(const struct rh_chunk_alloc *ca,
			  struct rh_chunk_alloc_stats *ret)
{
	struct chunk_extent *e;

	if (!ca || !ret)
		return;
	/* The maximum of the size tree is its rightmost node. */
	e = RB_ROOT(&ca->free_by_size);
	while (e && RB_RIGHT(e, size_link))
		e = RB_RIGHT(e, size_link);

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
	struct chunk_extent *u;
	int ret;

	if (!ca || !fn)
		return -EINVAL;
	RB_FOREACH(u, chunk_addr_tree, &ca->used_by_addr) {
		ret = fn(ca->base + ((uint64_t)u->start << ca->shift),
			 (uint64_t)u->size << ca->shift, data);
		if (ret)
			return ret;
	}
	return 0;
}

void rh_chunk_alloc_reset(struct rh_chunk_alloc *ca)
{
	struct chunk_slab *slab;
	struct chunk_extent *e;
	uint32_t i;

	if (!ca)
		return;
	ca->spare = NULL;
	ca->nr_spare = 0;
	for (slab = ca->slabs; slab; slab = slab->next) {
		for (i = 0; i < slab->nr; i++)
			node_put(ca, &slab->nodes[i]);
	}
	RB_INIT(&ca->free_by_addr);
	RB_INIT(&ca->free_by_size);
	RB_INIT(&ca->used_by_addr);
	ca->used_granules = 0;
	ca->used_blocks = 0;

	e = node_get(ca);
	e->start = 0;
	e->size = ca->nr_granules;
	free_addr_link(ca, e, NULL, NULL);
	size_insert(ca, e);
	ca->free_blocks = 1;
}

/* ------------------------------------------------------------ self-check */

/* Red-black shape of one subtree: returns its black height, -1 if broken. */
#define DEFINE_RB_CHECK(name, field)						\
static int name##_check(struct chunk_extent *e, struct chunk_extent *parent,	\
			uint64_t *count)					\
{										\
	int l, r;								\
										\
	if (!e)									\
		return 1;							\
	if (RB_PARENT(e, field) != parent)					\
		return -1;							\
	if (RB_COLOR(e, field) == RB_RED && parent &&				\
	    RB_COLOR(parent, field) == RB_RED)					\
		return -1;							\
	(*count)++;								\
	l = name##_check(RB_LEFT(e, field), e, count);				\
	r = name##_check(RB_RIGHT(e, field), e, count);				\
	if (l < 0 || r < 0 || l != r)						\
		return -1;							\
	return l + (RB_COLOR(e, field) == RB_BLACK);				\
}

DEFINE_RB_CHECK(addr_tree, addr_link)
DEFINE_RB_CHECK(size_tree, size_link)

int rh_chunk_alloc_check(struct rh_chunk_alloc *ca)
{
	struct chunk_extent *f, *u, *e, *last = NULL;
	uint64_t cursor = 0, used = 0, nfree = 0, nused = 0, nsize = 0;
	bool last_free = false;

	if (!ca)
		return -EINVAL;
	if (addr_tree_check(RB_ROOT(&ca->free_by_addr), NULL, &nfree) < 0 ||
	    addr_tree_check(RB_ROOT(&ca->used_by_addr), NULL, &nused) < 0 ||
	    size_tree_check(RB_ROOT(&ca->free_by_size), NULL, &nsize) < 0)
		return -EUCLEAN;
	if (nfree != ca->free_blocks || nsize != ca->free_blocks ||
	    nused != ca->used_blocks)
		return -EUCLEAN;

	/* Merge-walk both address trees: the extents must tile the region. */
	f = RB_MIN(chunk_addr_tree, &ca->free_by_addr);
	u = RB_MIN(chunk_addr_tree, &ca->used_by_addr);
	while (f || u) {
		bool is_free = f && (!u || f->start < u->start);

		e = is_free ? f : u;
		if (e->start != cursor || e->size == 0)
			return -EUCLEAN;
		if (is_free && last_free)
			return -EUCLEAN; /* two touching free extents */
		cursor += e->size;
		if (is_free) {
			f = chunk_addr_tree_RB_NEXT(f);
		} else {
			used += e->size;
			u = chunk_addr_tree_RB_NEXT(u);
		}
		last_free = is_free;
	}
	if (cursor != ca->nr_granules || used != ca->used_granules)
		return -EUCLEAN;

	/* Size order strictly increasing, and every member is a free extent. */
	RB_FOREACH(e, chunk_size_tree, &ca->free_by_size) {
		if (last && ext_key(last) >= ext_key(e))
			return -EUCLEAN;
		if (chunk_addr_tree_RB_FIND(&ca->free_by_addr, e) != e)
			return -EUCLEAN;
		last = e;
	}
	if (ca->nr_spare + ca->free_blocks + ca->used_blocks != ca->nr_nodes)
		return -EUCLEAN;
	return 0;
}
