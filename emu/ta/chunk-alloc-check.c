// SPDX-License-Identifier: MIT
/* Secure-world range allocator: rh_chunk_alloc_check(), the self-check of every invariant. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/tree.h>

#include "ta/chunk-alloc-internal.h"

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
