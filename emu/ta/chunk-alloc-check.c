// SPDX-License-Identifier: MIT
/* Secure-world range allocator: rh_chunk_alloc_check(), the self-check of every invariant. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "ta/chunk-alloc-internal.h"

/*
 * Class @c: a well-linked circular list of free records of its class, the
 * head among them; adds its members to *@count. -1 when broken (a walk
 * longer than the free extents cannot be a list of them).
 */
static int class_check(const struct rh_chunk_alloc *ca, unsigned int c,
		       uint64_t *count)
{
	const struct chunk_node *nodes = ca->nodes;
	uint32_t h = ca->head[c], i = h;
	uint64_t n = 0;

	if (!h)
		return 0;
	do {
		if (i >= ca->nr_nodes || i == CHUNK_SENTINEL ||
		    nodes[nodes[i].fprev].fnext != i ||
		    nodes[nodes[i].fnext].fprev != i || !nodes[i].free ||
		    nodes[i].cls != c || size_class(nodes[i].size) != c ||
		    ++n > ca->free_blocks)
			return -1;
		i = nodes[i].fnext;
	} while (i != h);
	*count += n;
	return 0;
}

int rh_chunk_alloc_check(struct rh_chunk_alloc *ca)
{
	const struct chunk_node *nodes, *s;
	uint64_t cursor = 0, used = 0, nfree = 0, nused = 0, nclass = 0;
	uint64_t slots = 0, spare = 0, walked = 0;
	uint32_t i, last = CHUNK_SENTINEL, *link;
	unsigned int c;
	bool nonempty;

	if (!ca || !ca->nodes || !ca->nr_nodes)
		return -EUCLEAN;
	nodes = ca->nodes;
	s = &nodes[CHUNK_SENTINEL];
	if (s->free || s->start != UINT32_MAX)
		return -EUCLEAN;

	/* Class bitmaps match the lists; every list is sound. */
	for (i = 0; i < CHUNK_CLASS_WORDS; i++) {
		nonempty = ca->class_summary[i / 64] & (UINT64_C(1) << (i % 64));
		if (nonempty != (ca->class_map[i] != 0))
			return -EUCLEAN;
	}
	for (c = 0; c < CHUNK_NR_CLASSES; c++) {
		nonempty = ca->class_map[c / 64] & (UINT64_C(1) << (c % 64));
		if (nonempty != (ca->head[c] != 0) || class_check(ca, c, &nclass))
			return -EUCLEAN;
	}
	if (nclass != ca->free_blocks)
		return -EUCLEAN;

	/* The address list tiles the region; no two free extents touch. */
	for (i = s->next; i != CHUNK_SENTINEL; last = i, i = nodes[i].next) {
		if (i >= ca->nr_nodes || ++walked > ca->nr_nodes ||
		    nodes[i].start != cursor || nodes[i].size == 0 ||
		    nodes[i].prev != last)
			return -EUCLEAN;
		if (nodes[i].free && nodes[last].free)
			return -EUCLEAN;
		cursor += nodes[i].size;
		if (nodes[i].free) {
			nfree++;
		} else {
			nused++;
			used += nodes[i].size;
			link = hash_find(ca, nodes[i].start);
			if (!link || *link != i)
				return -EUCLEAN;
		}
	}
	if (s->prev != last || cursor != ca->nr_granules ||
	    used != ca->used_granules || nfree != ca->free_blocks ||
	    nused != ca->used_blocks)
		return -EUCLEAN;

	/* The hash holds live ranges only, each once (the walk found them all). */
	for (i = 0; i < (UINT32_C(1) << ca->used_bits); i++) {
		uint32_t e;

		for (e = ca->used_tab[i]; e; e = nodes[e].fnext) {
			if (e >= ca->nr_nodes || nodes[e].free ||
			    hash_slot(nodes[e].start, ca->used_bits) != i ||
			    ++slots > ca->used_blocks)
				return -EUCLEAN;
		}
	}
	if (slots != ca->used_blocks)
		return -EUCLEAN;

	/* Every other record is spare. */
	for (i = ca->spare; i; i = nodes[i].fnext)
		if (i >= ca->nr_nodes || nodes[i].free || ++spare > ca->nr_spare)
			return -EUCLEAN;
	if (spare != ca->nr_spare ||
	    ca->nr_spare + ca->free_blocks + ca->used_blocks + 1 != ca->nr_nodes)
		return -EUCLEAN;
	return 0;
}
