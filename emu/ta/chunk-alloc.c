// SPDX-License-Identifier: MIT
/* Secure-world range allocator: segregated best fit over index-linked records, immediate coalescing. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/alloc.h"

#include "ta/chunk-alloc-internal.h"

/*
 * Costs (benchmark 4, docs/performance.md): an alloc+free pair is a few
 * hundred instructions, and what decides the time beyond their number is
 * the branches the CPU cannot predict (whether a class list is empty,
 * whether a record is the first of the region, which neighbour is free).
 * So the lists are circular with sentinels where they can be (the address
 * list runs through record 0, which is never free) and the class lists'
 * empty cases are written without branches; the inherent decisions (split
 * or not, which neighbours merge) remain.
 */

/* ------------------------------------------------------------ record pool */

/*
 * Grows the record array to at least @want records (doubling); the new
 * ones go on the spare list, lowest index first. Records move, indexes do
 * not. -ENOMEM changes nothing.
 */
static int pool_grow(struct rh_chunk_alloc *ca, uint64_t want)
{
	uint64_t cap = ca->nr_nodes ? ca->nr_nodes : CHUNK_NODES_FIRST;
	uint32_t i, first = ca->nr_nodes ? ca->nr_nodes : 1;
	struct chunk_node *nodes;

	while (cap < want)
		cap *= 2;
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	if (cap < want || cap <= ca->nr_nodes)
		return -ENOMEM;
	nodes = rh_malloc((size_t)cap * sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	if (ca->nr_nodes)
		memcpy(nodes, ca->nodes, (size_t)ca->nr_nodes * sizeof(*nodes));
	rh_free(ca->nodes);
	ca->nodes = nodes;
	for (i = (uint32_t)cap; i-- > first;) {
		nodes[i].fnext = ca->spare;
		nodes[i].free = 0;
		ca->spare = i;
	}
	ca->nr_spare += (uint32_t)cap - first;
	ca->metadata_bytes += ((uint64_t)cap - ca->nr_nodes) * sizeof(*nodes);
	ca->nr_nodes = (uint32_t)cap;
	return 0;
}

static inline uint32_t node_get(struct rh_chunk_alloc *ca)
{
	uint32_t i = ca->spare;

	ca->spare = ca->nodes[i].fnext;
	ca->nr_spare--;
	return i;
}

static inline void node_put(struct rh_chunk_alloc *ca, uint32_t i)
{
	ca->nodes[i].free = 0;
	ca->nodes[i].fnext = ca->spare;
	ca->spare = i;
	ca->nr_spare++;
}

/* ------------------------------------------------------------ live-range hash */

static inline void hash_put(uint32_t *tab, uint32_t bits,
			    struct chunk_node *nodes, uint32_t i)
{
	uint32_t *head = &tab[hash_slot(nodes[i].start, bits)];

	nodes[i].fnext = *head;
	*head = i;
}

/* The link holding the live range starting at @start, or NULL. */
uint32_t *hash_find(const struct rh_chunk_alloc *ca, uint32_t start)
{
	uint32_t *link = &ca->used_tab[hash_slot(start, ca->used_bits)];

	while (*link) {
		if (ca->nodes[*link].start == start)
			return link;
		link = &ca->nodes[*link].fnext;
	}
	return NULL;
}

/*
 * Keeps the table at most half full for one more live range (short chains:
 * a second probe is an unpredictable branch); -ENOMEM changes nothing.
 */
static int hash_reserve(struct rh_chunk_alloc *ca)
{
	uint32_t bits = ca->used_bits + 1, i, e, next, *tab;

	if ((ca->used_blocks + 1) * 2 <= (UINT64_C(1) << ca->used_bits) ||
	    ca->used_bits >= 31)
		return 0;
	tab = rh_calloc(UINT64_C(1) << bits, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	for (i = 0; i < (UINT32_C(1) << ca->used_bits); i++) {
		for (e = ca->used_tab[i]; e; e = next) {
			next = ca->nodes[e].fnext;
			hash_put(tab, bits, ca->nodes, e);
		}
	}
	ca->metadata_bytes += (sizeof(*tab) << bits) -
			      (sizeof(*tab) << ca->used_bits);
	rh_free(ca->used_tab);
	ca->used_tab = tab;
	ca->used_bits = bits;
	return 0;
}

/* ------------------------------------------------------------ size classes */

/* @c ? @a : @b by arithmetic: data-dependent, so no branch to mispredict. */
static inline uint32_t select_u32(bool c, uint32_t a, uint32_t b)
{
	return b ^ ((a ^ b) & (0u - (uint32_t)c));
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

/*
 * Links free record @i into class @c (size_class() of its size). The list
 * is circular; @i goes at the tail and becomes the head when its address
 * is lower than the head's, so the head -- what an exact-size allocation
 * takes -- tends to the lowest address. Written without branches: an empty
 * class reads the sentinel as its head, whose start is above all.
 */
static inline void class_insert(struct rh_chunk_alloc *ca, uint32_t i,
				unsigned int c)
{
	struct chunk_node *nodes = ca->nodes, *e = &nodes[i];
	uint32_t h = ca->head[c], h2 = select_u32(h != 0, h, i), p;

	e->cls = (uint16_t)c;
	e->free = 1;
	e->fnext = h2;
	e->fprev = i;
	p = nodes[h2].fprev;
	e->fprev = p;
	nodes[p].fnext = i;
	nodes[h2].fprev = i;
	ca->head[c] = select_u32(e->start < nodes[h].start, i, h);
	ca->class_map[c / 64] |= UINT64_C(1) << (c % 64);
	ca->class_summary[c / 4096] |= UINT64_C(1) << (c / 64 % 64);
}

/* Unlinks free record @i from its class list, without branches. */
static inline void class_remove(struct rh_chunk_alloc *ca, uint32_t i)
{
	struct chunk_node *nodes = ca->nodes, *e = &nodes[i];
	unsigned int c = e->cls;
	uint32_t n = e->fnext, p = e->fprev, h = ca->head[c];
	uint64_t empty = n == i, w;

	nodes[p].fnext = n;
	nodes[n].fprev = p;
	ca->head[c] = select_u32(h == i, select_u32(empty, 0, n), h);
	w = ca->class_map[c / 64] & ~((UINT64_C(1) << (c % 64)) & (0 - empty));
	ca->class_map[c / 64] = w;
	ca->class_summary[c / 4096] &= ~((UINT64_C(1) << (c / 64 % 64)) &
					 (0 - (uint64_t)(w == 0)));
}

/* Free record @i changed size: move it when its class changed. */
static inline void class_resize(struct rh_chunk_alloc *ca, uint32_t i)
{
	unsigned int c = size_class(ca->nodes[i].size);

	if (c == ca->nodes[i].cls)
		return;
	class_remove(ca, i);
	class_insert(ca, i, c);
}

/*
 * The smallest member of non-empty class @c of at least @n granules (the
 * lowest address among equals), looking at up to CHUNK_CLASS_SCAN members;
 * 0 when none of those is large enough.
 */
static uint32_t class_best(const struct rh_chunk_alloc *ca, unsigned int c,
			   uint32_t n)
{
	const struct chunk_node *nodes = ca->nodes;
	uint32_t h = ca->head[c], i = h, best = 0;
	uint64_t key, best_key = UINT64_MAX;
	unsigned int k = 0;

	do {
		key = (uint64_t)nodes[i].size << 32 | nodes[i].start;
		if (nodes[i].size >= n && key < best_key) {
			best_key = key;
			best = i;
		}
		i = nodes[i].fnext;
	} while (i != h && ++k < CHUNK_CLASS_SCAN);
	return best;
}

/* Best fit for @n granules at any address: a record, or 0. */
static inline uint32_t find_fit(const struct rh_chunk_alloc *ca, uint32_t n)
{
	unsigned int c = size_class(n);
	uint32_t e;

	if (c < CHUNK_EXACT_CLASSES)
		e = ca->head[c];
	else
		e = ca->head[c] ? class_best(ca, c, n) : 0;
	if (e)
		return e;
	/*
	 * Every member of a higher class is large enough, and all of one
	 * class are within 1/32 of each other: its head will do.
	 */
	c = class_next(ca, c + 1);
	return c < CHUNK_NR_CLASSES ? ca->head[c] : 0;
}

/*
 * Best fit for @n granules at granule alignment @a > 1: class by class
 * upwards, the smallest member where the aligned range fits. After
 * CHUNK_ALIGN_SCAN members too small once aligned, the best fit for
 * n + a - 1 granules (which fits at any alignment) is taken if there is
 * one; otherwise the scan goes on, so a fit is found whenever one exists.
 * *@ret_head: granules skipped to reach the aligned start.
 */
static uint32_t find_aligned(const struct rh_chunk_alloc *ca, uint32_t n,
			     uint64_t a, uint32_t *ret_head)
{
	const struct chunk_node *nodes = ca->nodes;
	uint32_t h, i, best, best_pad = 0, big;
	uint64_t pad, key, best_key;
	unsigned int c, tries = 0;

	for (c = class_next(ca, size_class(n)); c < CHUNK_NR_CLASSES;
	     c = class_next(ca, c + 1)) {
		h = i = ca->head[c];
		best = 0;
		best_key = UINT64_MAX;
		do {
			pad = (0 - (ca->base_gr + nodes[i].start)) & (a - 1);
			key = (uint64_t)nodes[i].size << 32 | nodes[i].start;
			if (nodes[i].size >= n && pad + n <= nodes[i].size) {
				if (key < best_key) {
					best_key = key;
					best = i;
					best_pad = (uint32_t)pad;
				}
			} else if (nodes[i].size >= n && ++tries == CHUNK_ALIGN_SCAN &&
				   n + a - 1 <= ca->nr_granules) {
				big = find_fit(ca, (uint32_t)(n + a - 1));
				if (big) {
					*ret_head = (uint32_t)((0 - (ca->base_gr +
							nodes[big].start)) & (a - 1));
					return big;
				}
			}
			i = nodes[i].fnext;
		} while (i != h);
		if (best) {
			*ret_head = best_pad;
			return best;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ address list */

/* Circular through the sentinel: no record is ever at an end. */
static inline void addr_insert_before(struct chunk_node *nodes, uint32_t pos,
				      uint32_t i)
{
	nodes[i].next = pos;
	nodes[i].prev = nodes[pos].prev;
	nodes[nodes[pos].prev].next = i;
	nodes[pos].prev = i;
}

static inline void addr_insert_after(struct chunk_node *nodes, uint32_t pos,
				     uint32_t i)
{
	addr_insert_before(nodes, nodes[pos].next, i);
}

static inline void addr_unlink(struct chunk_node *nodes, uint32_t i)
{
	nodes[nodes[i].prev].next = nodes[i].next;
	nodes[nodes[i].next].prev = nodes[i].prev;
}

/* ------------------------------------------------------------ API */

/* The whole region as one free extent (create and reset). */
static void init_extents(struct rh_chunk_alloc *ca)
{
	struct chunk_node *s = &ca->nodes[CHUNK_SENTINEL];
	uint32_t e;

	memset(ca->head, 0, sizeof(ca->head));
	memset(ca->class_map, 0, sizeof(ca->class_map));
	memset(ca->class_summary, 0, sizeof(ca->class_summary));
	memset(s, 0, sizeof(*s));
	s->start = UINT32_MAX;
	e = node_get(ca);
	ca->nodes[e].start = 0;
	ca->nodes[e].size = ca->nr_granules;
	ca->nodes[e].prev = ca->nodes[e].next = CHUNK_SENTINEL;
	s->prev = s->next = e;
	class_insert(ca, e, size_class(ca->nr_granules));
	ca->free_blocks = 1;
	ca->used_blocks = 0;
	ca->used_granules = 0;
}

int rh_chunk_alloc_create(rh_phys_addr_t base, uint64_t size, uint64_t granule,
			  struct rh_chunk_alloc **ret)
{
	struct rh_chunk_alloc *ca;
	int err;

	/* 2^32 - 1 positions: the sentinel's start is above every extent's. */
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
	ca->metadata_bytes = sizeof(*ca);

	ca->used_bits = CHUNK_HASH_FIRST_BITS;
	ca->used_tab = rh_calloc(UINT64_C(1) << ca->used_bits,
				 sizeof(*ca->used_tab));
	if (!ca->used_tab) {
		err = -ENOMEM;
		goto err_free_ca;
	}
	ca->metadata_bytes += sizeof(*ca->used_tab) << ca->used_bits;

	err = pool_grow(ca, CHUNK_NODES_FIRST);
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
	if (!ca)
		return;
	rh_free(ca->nodes);
	rh_free(ca->used_tab);
	rh_free(ca);
}

int rh_chunk_alloc_alloc(struct rh_chunk_alloc *ca, uint64_t size,
			 uint64_t align, rh_phys_addr_t *ret_pa)
{
	struct chunk_node *nodes, *ext, *u;
	uint32_t e, ui, ti, n, head = 0, tail;

	if (!ca || !ret_pa || !size)
		return -EINVAL;
	/* The granule is a power of two: the usual alignment needs no more checks. */
	if (align != ca->granule && ((align & (align - 1)) || align < ca->granule))
		return -EINVAL;
	if (size > ca->size)
		return -ENOMEM;
	n = (uint32_t)((size + ca->granule - 1) >> ca->shift);

	if (__builtin_expect(align == ca->granule, 1))
		e = find_fit(ca, n);
	else
		e = find_aligned(ca, n, align >> ca->shift, &head);
	if (!e)
		return -ENOMEM;
	/*
	 * Records and hash room first: a failure must leave everything as
	 * is. Growing moves the records, so no pointer is taken before.
	 */
	if (__builtin_expect(ca->nr_spare < 2 ||
			     (ca->used_blocks + 1) * 2 >
			     (UINT64_C(1) << ca->used_bits), 0) &&
	    ((ca->nr_spare < 2 && pool_grow(ca, (uint64_t)ca->nr_nodes + 2)) ||
	     hash_reserve(ca)))
		return -ENOMEM;

	nodes = ca->nodes;
	ext = &nodes[e];
	tail = ext->size - head - n;
	if (!head && !tail) {
		class_remove(ca, e);
		ca->free_blocks--;
		ui = e;
	} else if (!head) {
		/* Carve from the start; the rest keeps its place in the list. */
		ui = node_get(ca);
		nodes[ui].start = ext->start;
		nodes[ui].size = n;
		addr_insert_before(nodes, e, ui);
		ext->start += n;
		ext->size = tail;
		class_resize(ca, e);
	} else {
		ui = node_get(ca);
		nodes[ui].start = ext->start + head;
		nodes[ui].size = n;
		addr_insert_after(nodes, e, ui);
		ext->size = head;
		class_resize(ca, e);
		if (tail) {
			ti = node_get(ca);
			nodes[ti].start = nodes[ui].start + n;
			nodes[ti].size = tail;
			addr_insert_after(nodes, ui, ti);
			class_insert(ca, ti, size_class(tail));
			ca->free_blocks++;
		}
	}
	u = &nodes[ui];
	u->free = 0;
	hash_put(ca->used_tab, ca->used_bits, nodes, ui);
	ca->used_blocks++;
	ca->used_granules += n;

	*ret_pa = ca->base + ((uint64_t)u->start << ca->shift);
	return 0;
}

/* Granule index of @pa, or false when @pa cannot start a range. */
static bool pa_to_granule(const struct rh_chunk_alloc *ca, rh_phys_addr_t pa,
			  uint32_t *ret_start)
{
	uint64_t off = pa - ca->base;

	/* pa below base wraps to a huge offset: one test covers both ends. */
	if (off >= ca->size || (off & (ca->granule - 1)))
		return false;
	*ret_start = (uint32_t)(off >> ca->shift);
	return true;
}

int rh_chunk_alloc_free(struct rh_chunk_alloc *ca, rh_phys_addr_t pa,
			uint64_t *ret_size)
{
	struct chunk_node *nodes;
	uint32_t *link, u, p, x, s, n;

	if (!ca)
		return -EINVAL;
	if (!pa_to_granule(ca, pa, &s))
		return -ENOENT;
	link = hash_find(ca, s);
	if (!link)
		return -ENOENT;
	nodes = ca->nodes;
	u = *link;
	*link = nodes[u].fnext;
	n = nodes[u].size;
	ca->used_blocks--;
	ca->used_granules -= n;

	/* The sentinel is never free: no test for the ends of the region. */
	p = nodes[u].prev;
	x = nodes[u].next;
	if (nodes[p].free && nodes[x].free) {
		class_remove(ca, x);
		ca->free_blocks--;
		nodes[p].size += n + nodes[x].size;
		addr_unlink(nodes, u);
		addr_unlink(nodes, x);
		class_resize(ca, p);
		node_put(ca, x);
		node_put(ca, u);
	} else if (nodes[p].free) {
		nodes[p].size += n;
		addr_unlink(nodes, u);
		class_resize(ca, p);
		node_put(ca, u);
	} else if (nodes[x].free) {
		nodes[x].start = s;
		nodes[x].size += n;
		addr_unlink(nodes, u);
		class_resize(ca, x);
		node_put(ca, u);
	} else {
		class_insert(ca, u, size_class(n));
		ca->free_blocks++;
	}

	if (ret_size)
		*ret_size = (uint64_t)n << ca->shift;
	return 0;
}

int rh_chunk_alloc_lookup(const struct rh_chunk_alloc *ca, rh_phys_addr_t pa,
			  uint64_t *ret_size)
{
	uint32_t *link, s;

	if (!ca || !ret_size)
		return -EINVAL;
	if (!pa_to_granule(ca, pa, &s))
		return -ENOENT;
	link = hash_find(ca, s);
	if (!link)
		return -ENOENT;
	*ret_size = (uint64_t)ca->nodes[*link].size << ca->shift;
	return 0;
}

void rh_chunk_alloc_stats(const struct rh_chunk_alloc *ca,
			  struct rh_chunk_alloc_stats *ret)
{
	uint64_t largest = 0;
	uint32_t h, i;
	unsigned int c;
	int w;

	if (!ca || !ret)
		return;
	/* The largest extent: any of an exact class, else the top class's largest. */
	for (w = CHUNK_CLASS_WORDS - 1; w >= 0; w--) {
		if (!ca->class_map[w])
			continue;
		c = (unsigned int)(w * 64 + 63 - __builtin_clzll(ca->class_map[w]));
		h = i = ca->head[c];
		do {
			if (ca->nodes[i].size > largest)
				largest = ca->nodes[i].size;
			i = ca->nodes[i].fnext;
		} while (i != h);
		break;
	}

	ret->bytes_used = ca->used_granules << ca->shift;
	ret->bytes_free = ca->size - ret->bytes_used;
	ret->largest_free = largest << ca->shift;
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
	uint32_t i;
	int ret;

	if (!ca || !fn)
		return -EINVAL;
	for (i = ca->nodes[CHUNK_SENTINEL].next; i != CHUNK_SENTINEL;
	     i = ca->nodes[i].next) {
		if (ca->nodes[i].free)
			continue;
		ret = fn(ca->base + ((uint64_t)ca->nodes[i].start << ca->shift),
			 (uint64_t)ca->nodes[i].size << ca->shift, data);
		if (ret)
			return ret;
	}
	return 0;
}

void rh_chunk_alloc_reset(struct rh_chunk_alloc *ca)
{
	uint32_t i;

	if (!ca)
		return;
	ca->spare = 0;
	ca->nr_spare = 0;
	for (i = ca->nr_nodes; i-- > 1;)
		node_put(ca, i);
	memset(ca->used_tab, 0, sizeof(*ca->used_tab) << ca->used_bits);
	init_extents(ca);
}
