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

#include "lib/alloc.h"

#include "ta/chunk-alloc-internal.h"

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

static void hash_put(struct chunk_extent **tab, uint32_t bits,
		     struct chunk_extent *e)
{
	struct chunk_extent **head = &tab[hash_slot(e->start, bits)];

	e->hash_next = *head;
	*head = e;
}

/* The link pointing at the live range starting at @start, or NULL. */
struct chunk_extent **hash_find(const struct rh_chunk_alloc *ca,
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
