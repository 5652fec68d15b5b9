// SPDX-License-Identifier: MIT
/* Scatter-gather tables over simulated page frames (mirrors lib/scatterlist.c). */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/scatterlist.h>

#include "lib/alloc.h"

/* The chunk geometry (128 entries a page) and the pointer-in-page_link trick. */
_Static_assert(sizeof(struct rh_scatterlist) == 32,
	       "struct rh_scatterlist must stay 32 bytes (128 per 4 KiB chunk)");
_Static_assert(RH_SG_MAX_SINGLE_ALLOC == 128, "128 entries per chunk");
_Static_assert(sizeof(unsigned long) >= sizeof(void *),
	       "page_link must hold a chunk pointer");
_Static_assert(_Alignof(struct rh_scatterlist) > RH_SG_PAGE_LINK_MASK,
	       "chunk pointers must leave the marker bits free");

/* sg_next() for the loops of this file, which call it once an entry. */
static inline struct rh_scatterlist *sg_next_entry(const struct rh_scatterlist *sg)
{
	if (rh_sg_is_last(sg))
		return NULL;
	sg++;
	if (rh_sg_is_chain(sg))
		return rh_sg_chain_ptr(sg);
	return (struct rh_scatterlist *)sg;
}

RH_EXPORT struct rh_scatterlist *rh_sg_next(struct rh_scatterlist *sg)
{
	return sg ? sg_next_entry(sg) : NULL;
}

RH_EXPORT int rh_sg_nents(struct rh_scatterlist *sg)
{
	int nents;

	for (nents = 0; sg; sg = rh_sg_next(sg))
		nents++;
	return nents;
}

RH_EXPORT int rh_sg_nents_for_len(struct rh_scatterlist *sg, uint64_t len)
{
	uint64_t total;
	int nents;

	if (!len)
		return 0;

	for (nents = 0, total = 0; sg; sg = rh_sg_next(sg)) {
		nents++;
		total += sg->length;
		if (total >= len)
			return nents;
	}

	return -EINVAL;
}

RH_EXPORT struct rh_scatterlist *rh_sg_last(struct rh_scatterlist *sgl,
					    unsigned int nents)
{
	struct rh_scatterlist *sg, *ret = NULL;
	unsigned int i;

	/* Not for_each_sg: a list shorter than @nents must not be walked past. */
	for (i = 0, sg = sgl; sg && i < nents; i++, sg = rh_sg_next(sg))
		ret = sg;

	return i == nents ? ret : NULL;
}

RH_EXPORT void rh_sg_init_table(struct rh_scatterlist *sgl, unsigned int nents)
{
	if (!sgl || !nents)
		return;
	memset(sgl, 0, sizeof(*sgl) * nents);
	rh_sg_mark_end(&sgl[nents - 1]);
}

/*
 * The kernel takes a whole page for a full chunk; the size is what matters
 * here. Not zeroed: every caller runs rh_sg_init_table() on it next, as
 * the kernel's sg_kmalloc() (kmalloc_array) callers do.
 */
static struct rh_scatterlist *sg_kmalloc(unsigned int nents)
{
	assert(nents <= RH_SG_MAX_SINGLE_ALLOC);
	return rh_malloc((size_t)nents * sizeof(struct rh_scatterlist));
}

/*
 * Mirrors __sg_free_table(): walks @num_ents usable entries in chunks of
 * @max_ents, each non-final chunk ending with a chain entry.
 */
static void sg_free_chunks(struct rh_sg_table *table, unsigned int max_ents,
			   unsigned int num_ents)
{
	struct rh_scatterlist *sgl, *next;

	if (!table->sgl)
		return;

	sgl = table->sgl;
	while (num_ents) {
		unsigned int alloc_size = num_ents;
		unsigned int sg_size;

		if (alloc_size > max_ents) {
			next = rh_sg_chain_ptr(&sgl[max_ents - 1]);
			alloc_size = max_ents;
			sg_size = alloc_size - 1;
		} else {
			sg_size = alloc_size;
			next = NULL;
		}

		num_ents -= sg_size;
		rh_free(sgl);
		sgl = next;
	}

	table->sgl = NULL;
}

RH_EXPORT void rh_sg_free_table(struct rh_sg_table *table)
{
	if (!table)
		return;
	sg_free_chunks(table, RH_SG_MAX_SINGLE_ALLOC, table->orig_nents);
}

RH_EXPORT void rh_sg_free_append_table(struct rh_sg_append_table *sgt_append)
{
	if (!sgt_append)
		return;
	sg_free_chunks(&sgt_append->sgt, RH_SG_MAX_SINGLE_ALLOC,
		       sgt_append->total_nents);
	memset(sgt_append, 0, sizeof(*sgt_append));
}

/*
 * Mirrors __sg_alloc_table() with the default allocator and no first chunk.
 * With @init false the data entries are left unwritten (no end marker
 * either): only rh_sg_dup_table() asks for that, and it writes every field
 * of every data entry itself. Chain entries are complete either way.
 */
static int sg_alloc_chunks(struct rh_sg_table *table, unsigned int nents,
			   unsigned int max_ents, bool init)
{
	struct rh_scatterlist *sg, *prv;
	unsigned int left;

	memset(table, 0, sizeof(*table));

	if (nents == 0)
		return -EINVAL;

	left = nents;
	prv = NULL;
	do {
		unsigned int sg_size, alloc_size = left;

		if (alloc_size > max_ents) {
			alloc_size = max_ents;
			sg_size = alloc_size - 1;
		} else {
			sg_size = alloc_size;
		}

		left -= sg_size;

		sg = sg_kmalloc(alloc_size);
		if (!sg) {
			/*
			 * The previous chunk's last slot is not a link yet:
			 * count it so the free walk sees that chunk whole.
			 */
			if (prv)
				table->nents = ++table->orig_nents;
			return -ENOMEM;
		}

		if (init)
			rh_sg_init_table(sg, alloc_size);
		table->nents = table->orig_nents += sg_size;

		if (prv) {
			if (!init)
				memset(&prv[max_ents - 1], 0, sizeof(*prv));
			rh_sg_chain(prv, max_ents, sg);
		} else {
			table->sgl = sg;
		}

		if (!left && init)
			rh_sg_mark_end(&sg[sg_size - 1]);

		prv = sg;
	} while (left);

	return 0;
}

RH_EXPORT int rh_sg_alloc_table(struct rh_sg_table *table, unsigned int nents)
{
	int ret;

	if (!table)
		return -EINVAL;

	ret = sg_alloc_chunks(table, nents, RH_SG_MAX_SINGLE_ALLOC, true);
	if (ret)
		rh_sg_free_table(table);
	return ret;
}

/*
 * What one append call changed, so that a failure can put the table back
 * exactly as it was (the kernel leaves the caller to free the whole table).
 */
struct append_undo {
	struct rh_scatterlist *first_new;  /* first chunk allocated by this call */
	unsigned int n_new;                /* chunks allocated by this call */
	struct rh_scatterlist *chain_slot; /* old slot turned into a chain entry */
	struct rh_scatterlist *last_chunk; /* chunk holding the newest slots */
	unsigned int last_chunk_size;
};

/*
 * Mirrors get_next_sg(): the slot after @cur, or a new chunk when @cur's
 * next slot is its chunk's last one and more than one entry is still to come.
 */
static struct rh_scatterlist *get_next_sg(struct rh_sg_append_table *table,
					  struct rh_scatterlist *cur,
					  unsigned long needed_sges,
					  struct append_undo *undo)
{
	struct rh_scatterlist *new_sg, *next_sg = NULL;
	unsigned int alloc_size;

	if (cur) {
		next_sg = rh_sg_next(cur);
		/* The caller checked that @cur is not the end of the table. */
		assert(next_sg);
		if (!rh_sg_is_last(next_sg) || needed_sges == 1)
			return next_sg;
		/* Only the first link of a call can sit in an old chunk. */
		if (!undo->chain_slot)
			undo->chain_slot = next_sg;
		/*
		 * The free walk expects chain entries only at the end of
		 * full chunks; a short chunk was sized by an earlier call's
		 * left_pages, which must then have been understated.
		 */
		if (undo->last_chunk_size != RH_SG_MAX_SINGLE_ALLOC)
			return RH_ERR_PTR(-EINVAL);
	}

	alloc_size = needed_sges < RH_SG_MAX_SINGLE_ALLOC ?
		     (unsigned int)needed_sges : RH_SG_MAX_SINGLE_ALLOC;
	new_sg = sg_kmalloc(alloc_size);
	if (!new_sg)
		return RH_ERR_PTR(-ENOMEM);
	rh_sg_init_table(new_sg, alloc_size);
	if (cur) {
		table->total_nents += alloc_size - 1;
		rh_sg_chain(next_sg, 1, new_sg);
	} else {
		table->sgt.sgl = new_sg;
		table->total_nents = alloc_size;
	}
	if (!undo->n_new++)
		undo->first_new = new_sg;
	undo->last_chunk = new_sg;
	undo->last_chunk_size = alloc_size;
	return new_sg;
}

/* Puts back what a failed append call changed; see struct append_undo. */
static void append_rollback(struct rh_sg_append_table *table,
			    struct rh_scatterlist *old_prv,
			    unsigned int old_total_nents,
			    const struct append_undo *undo)
{
	struct rh_scatterlist *chunk = undo->first_new, *next;
	struct rh_scatterlist *sg;
	unsigned int i;

	for (i = 0; i < undo->n_new; i++) {
		next = i + 1 < undo->n_new ?
		       rh_sg_chain_ptr(&chunk[RH_SG_MAX_SINGLE_ALLOC - 1]) : NULL;
		rh_free(chunk);
		chunk = next;
	}

	if (!old_prv) {
		table->sgt.sgl = NULL;
		table->total_nents = 0;
		return;
	}

	/* Slots between the old last entry and the link were unused and zero. */
	if (undo->chain_slot) {
		for (sg = old_prv + 1; sg < undo->chain_slot; sg++)
			memset(sg, 0, sizeof(*sg));
		undo->chain_slot->page_link = RH_SG_END;
		undo->chain_slot->offset = 0;
		undo->chain_slot->length = 0;
	}
	table->total_nents = old_total_nents;
}

/* Size and place of the last chunk, from the same geometry the free walk uses. */
static void append_last_chunk(const struct rh_sg_append_table *table,
			      struct append_undo *undo)
{
	struct rh_scatterlist *sgl = table->sgt.sgl;
	unsigned int left = table->total_nents;

	while (left > RH_SG_MAX_SINGLE_ALLOC) {
		sgl = rh_sg_chain_ptr(&sgl[RH_SG_MAX_SINGLE_ALLOC - 1]);
		left -= RH_SG_MAX_SINGLE_ALLOC - 1;
	}
	undo->last_chunk = sgl;
	undo->last_chunk_size = left;
}

static bool pfn_follows(const unsigned long *pfns, unsigned int i)
{
	return pfns[i] == pfns[i - 1] + 1;
}

RH_EXPORT int rh_sg_alloc_append_table_from_pages(struct rh_sg_append_table *sgt_append,
						  const unsigned long *pfns,
						  unsigned int n_pages,
						  unsigned int offset,
						  unsigned long size,
						  unsigned int max_segment,
						  unsigned int left_pages)
{
	unsigned int chunks, cur_page, seg_len, i, prv_len = 0;
	unsigned int added_nents = 0, old_total_nents;
	struct append_undo undo = { 0 };
	struct rh_scatterlist *s, *old_prv;
	uint64_t span;

	if (!sgt_append || (n_pages && !pfns))
		return -EINVAL;

	/* The algorithm below requires max_segment to be aligned to a page. */
	max_segment &= ~(unsigned int)(RH_PAGE_SIZE - 1);
	if (max_segment < RH_PAGE_SIZE)
		return -EINVAL;

	s = old_prv = sgt_append->prv;
	old_total_nents = sgt_append->total_nents;

	/* A first call needs a zeroed table and at least one page. */
	if (!s && (sgt_append->sgt.sgl || !n_pages))
		return -EINVAL;
	/* Only the first call may start inside a page (as the kernel's WARN_ON). */
	if (offset >= RH_PAGE_SIZE || (s && offset))
		return -EINVAL;
	/* The pages cover exactly [offset, offset + size): no stray lengths. */
	span = (uint64_t)offset + size;
	if (n_pages && (size == 0 || span > (uint64_t)n_pages << RH_PAGE_SHIFT ||
			span <= (uint64_t)(n_pages - 1) << RH_PAGE_SHIFT))
		return -EINVAL;
	if (!n_pages && size)
		return -EINVAL;

	if (s) {
		/*
		 * Merge frames contiguous with the previous call's last entry,
		 * only when that entry ends on a page boundary. Unlike the
		 * kernel, a partial final page adds its real length.
		 */
		rh_phys_addr_t end;
		unsigned long next_pfn;

		end = rh_sg_phys(s) + s->length;
		next_pfn = (unsigned long)(end >> RH_PAGE_SHIFT);
		prv_len = s->length;
		while (n_pages && (end & (RH_PAGE_SIZE - 1)) == 0 &&
		       pfns[0] == next_pfn) {
			unsigned long add = size < RH_PAGE_SIZE ? size : RH_PAGE_SIZE;

			if ((uint64_t)s->length + RH_PAGE_SIZE > max_segment)
				break;
			s->length += (unsigned int)add;
			size -= add;
			next_pfn++;
			pfns++;
			n_pages--;
		}
		if (!n_pages)
			goto out;
		/* No free slot after the last entry: finished or understated. */
		if (rh_sg_is_last(s)) {
			s->length = prv_len;
			return -EINVAL;
		}
		append_last_chunk(sgt_append, &undo);
	}

	/* compute number of contiguous chunks */
	chunks = 1;
	seg_len = 0;
	for (i = 1; i < n_pages; i++) {
		seg_len += RH_PAGE_SIZE;
		if (seg_len >= max_segment || !pfn_follows(pfns, i)) {
			chunks++;
			seg_len = 0;
		}
	}

	/* merging chunks and putting them into the scatterlist */
	cur_page = 0;
	for (i = 0; i < chunks; i++) {
		unsigned int j, chunk_size;

		/* look for the end of the current chunk */
		seg_len = 0;
		for (j = cur_page + 1; j < n_pages; j++) {
			seg_len += RH_PAGE_SIZE;
			if (seg_len >= max_segment || !pfn_follows(pfns, j))
				break;
		}

		/* Pass how many chunks might be left */
		s = get_next_sg(sgt_append, s,
				(unsigned long)chunks - i + left_pages, &undo);
		if (RH_IS_ERR(s)) {
			append_rollback(sgt_append, old_prv, old_total_nents,
					&undo);
			if (old_prv)
				old_prv->length = prv_len;
			return (int)RH_PTR_ERR(s);
		}
		chunk_size = ((j - cur_page) << RH_PAGE_SHIFT) - offset;
		rh_sg_set_page(s, pfns[cur_page],
			       size < chunk_size ? (unsigned int)size : chunk_size,
			       offset);
		added_nents++;
		size -= size < chunk_size ? size : chunk_size;
		offset = 0;
		cur_page = j;
	}
	sgt_append->sgt.nents += added_nents;
	sgt_append->sgt.orig_nents = sgt_append->sgt.nents;
	sgt_append->prv = s;
out:
	if (!left_pages)
		rh_sg_mark_end(s);
	return 0;
}

RH_EXPORT int rh_sg_alloc_table_from_pages_segment(struct rh_sg_table *sgt,
						   const unsigned long *pfns,
						   unsigned int n_pages,
						   unsigned int offset,
						   unsigned long size,
						   unsigned int max_segment)
{
	struct rh_sg_append_table append = { 0 };
	int err;

	if (!sgt)
		return -EINVAL;

	err = rh_sg_alloc_append_table_from_pages(&append, pfns, n_pages, offset,
						  size, max_segment, 0);
	if (err) {
		/* Nothing to free after a failed call; kept as in the kernel. */
		rh_sg_free_append_table(&append);
		return err;
	}
	*sgt = append.sgt;
	assert(append.total_nents == sgt->orig_nents);
	return 0;
}

/* sg_set_page() writes the first 16 bytes of an entry; they are copied whole. */
_Static_assert(offsetof(struct rh_scatterlist, offset) == 8 &&
	       offsetof(struct rh_scatterlist, length) == 12 &&
	       offsetof(struct rh_scatterlist, dma_address) == 16,
	       "page_link, offset and length make the first 16 bytes, DMA the rest");

/*
 * Write the @src->orig_nents data entries of @dst, a table of as many
 * entries from sg_alloc_chunks(init = false): chunks of
 * RH_SG_MAX_SINGLE_ALLOC entries, each but the last ending in a chain
 * entry. Each entry gets the page, offset and length of its source entry
 * and zero DMA fields, the last one the end marker: what sg_init_table()
 * + sg_set_page() give, in one pass. A source entry without marker bits
 * is copied as one 16-byte move; only chain entries and the end of @src
 * take the slow path. (sg_init_table() + an exported sg_next() call per
 * entry and side made a 256-entry copy 9x a memcpy of the entries,
 * rheap-bench sgdup.) Returns -EINVAL if @src ends before orig_nents
 * entries, as rh_sg_next() would.
 */
static int sg_copy_entries(struct rh_sg_table *dst, const struct rh_sg_table *src)
{
	const struct rh_scatterlist *s = src->sgl;
	struct rh_scatterlist *d = dst->sgl;
	unsigned int left = src->orig_nents, run, j;

	while (left) {
		run = left > RH_SG_MAX_SINGLE_ALLOC ? RH_SG_MAX_SINGLE_ALLOC - 1 : left;
		for (j = 0; j < run; j++, s++, d++) {
			if (s->page_link & RH_SG_PAGE_LINK_MASK) {
				while (rh_sg_is_chain(s))
					s = rh_sg_chain_ptr(s);
				if (rh_sg_is_last(s) && (run - j > 1 || left > run))
					return -EINVAL;
				d->page_link = s->page_link & ~RH_SG_PAGE_LINK_MASK;
				d->offset = s->offset;
				d->length = s->length;
			} else {
				memcpy(d, s, 16);
			}
			/* dma_address, dma_length, dma_flags: one 16-byte store */
			memset(&d->dma_address, 0, 16);
		}
		left -= run;
		/* @d is the chunk's chain entry now. */
		if (left)
			d = rh_sg_chain_ptr(d);
	}
	rh_sg_mark_end(d - 1);
	return 0;
}

/*
 * A copy of up to SG_DUP_BLOCK_MAX_ENTS entries is one allocation: its
 * struct, then its chunks back to back (each non-final one ending with
 * its chain entry, which points at the next slot). The kernel allocates
 * the struct and every page-sized chunk apart; walking the copy is the
 * same, and one malloc instead of two (1 chunk) or four (256 entries:
 * three 4 KiB chunks, above glibc's tcache sizes) is most of what a copy
 * costs (rheap-bench sgdup). Larger copies are chunked as the kernel's,
 * below malloc's mmap threshold per allocation. rh_sg_dup_table_free()
 * tells the layouts apart by where sgl points; the struct of a chunked
 * copy is allocated one entry longer, so that no other allocation (its
 * first chunk included) can ever start right after it.
 */
#define SG_DUP_BLOCK_MAX_ENTS 2048

static bool dup_is_one_block(const struct rh_sg_table *table)
{
	return table->sgl == (struct rh_scatterlist *)(void *)(table + 1);
}

/* Slots (data and chain entries) of a chained table of @nents, as sg_alloc_chunks() lays it. */
static unsigned int sg_dup_slots(unsigned int nents)
{
	unsigned int slots = 0;

	while (nents > RH_SG_MAX_SINGLE_ALLOC) {
		slots += RH_SG_MAX_SINGLE_ALLOC;
		nents -= RH_SG_MAX_SINGLE_ALLOC - 1;
	}
	return slots + nents;
}

/* The copy of @table's @nents entries in one block, or an ERR_PTR. */
static inline struct rh_sg_table *sg_dup_one_block(const struct rh_sg_table *table,
						   unsigned int nents)
{
	unsigned int slots = nents <= RH_SG_MAX_SINGLE_ALLOC ? nents : sg_dup_slots(nents), c;
	struct rh_sg_table *new_table;
	struct rh_scatterlist *sgl;

	new_table = rh_malloc(sizeof(*new_table) + slots * sizeof(struct rh_scatterlist));
	if (!new_table)
		return RH_ERR_PTR(-ENOMEM);
	sgl = (struct rh_scatterlist *)(void *)(new_table + 1);
	new_table->sgl = sgl;
	new_table->nents = new_table->orig_nents = nents;
	for (c = RH_SG_MAX_SINGLE_ALLOC - 1; c + 1 < slots; c += RH_SG_MAX_SINGLE_ALLOC) {
		memset(&sgl[c], 0, sizeof(*sgl));
		rh_sg_chain(&sgl[c + 1 - RH_SG_MAX_SINGLE_ALLOC], RH_SG_MAX_SINGLE_ALLOC,
			    &sgl[c + 1]);
	}
	if (sg_copy_entries(new_table, table)) {
		rh_free(new_table);
		return RH_ERR_PTR(-EINVAL);
	}
	return new_table;
}

RH_EXPORT struct rh_sg_table *rh_sg_dup_table(const struct rh_sg_table *table)
{
	struct rh_sg_table *new_table;
	unsigned int nents;

	/* The seed would oops on NULL and say -ENOMEM for an empty source. */
	if (!table || !table->sgl || !table->orig_nents)
		return RH_ERR_PTR(-EINVAL);
	nents = table->orig_nents;

	if (nents <= SG_DUP_BLOCK_MAX_ENTS)
		return sg_dup_one_block(table, nents);

	/* sg_alloc_chunks() sets every field of the structure. */
	new_table = rh_malloc(sizeof(*new_table) + sizeof(struct rh_scatterlist));
	if (!new_table)
		return RH_ERR_PTR(-ENOMEM);

	if (sg_alloc_chunks(new_table, nents, RH_SG_MAX_SINGLE_ALLOC, false))
		goto err_free_chunks;

	if (sg_copy_entries(new_table, table))
		goto err_free_entries;

	return new_table;

err_free_entries:
	rh_sg_free_table(new_table);
	rh_free(new_table);
	return RH_ERR_PTR(-EINVAL);
err_free_chunks:
	rh_sg_free_table(new_table);
	rh_free(new_table);
	return RH_ERR_PTR(-ENOMEM);
}

RH_EXPORT void rh_sg_dup_table_free(struct rh_sg_table *table)
{
	if (RH_IS_ERR_OR_NULL(table))
		return;
	if (!dup_is_one_block(table))
		rh_sg_free_table(table);
	rh_free(table);
}

RH_EXPORT void rh_sg_dma_mark_restricted(struct rh_scatterlist *sg)
{
#if RH_NEED_SG_DMA_FLAGS
	if (sg)
		sg->dma_flags |= RH_SG_DMA_RESTRICTED;
#else
	(void)sg;
#endif
}

RH_EXPORT bool rh_sg_dma_is_restricted(const struct rh_scatterlist *sg)
{
#if RH_NEED_SG_DMA_FLAGS
	return sg && (sg->dma_flags & RH_SG_DMA_RESTRICTED);
#else
	(void)sg;
	return false;
#endif
}

RH_EXPORT void rh_sg_page_iter_start(struct rh_sg_page_iter *piter,
				     struct rh_scatterlist *sglist,
				     unsigned int nents, unsigned long pgoffset)
{
	piter->pg_advance = 0;
	piter->nents_left = nents;

	piter->sg = sglist;
	piter->sg_pgoffset = (unsigned int)pgoffset;
}

static int sg_dma_page_count(const struct rh_scatterlist *sg)
{
	return (int)(RH_PAGE_ALIGN((uint64_t)sg->offset + rh_sg_dma_len(sg)) >>
		     RH_PAGE_SHIFT);
}

/* Shared by the CPU and DMA walks; they differ only in the length used. */
static bool page_iter_next(struct rh_sg_page_iter *piter,
			   int (*count)(const struct rh_scatterlist *sg))
{
	if (!piter->nents_left || !piter->sg)
		return false;

	piter->sg_pgoffset += piter->pg_advance;
	piter->pg_advance = 1;

	while (piter->sg_pgoffset >= (unsigned int)count(piter->sg)) {
		piter->sg_pgoffset -= count(piter->sg);
		piter->sg = rh_sg_next(piter->sg);
		if (!--piter->nents_left || !piter->sg)
			return false;
	}

	return true;
}

RH_EXPORT bool rh_sg_page_iter_next(struct rh_sg_page_iter *piter)
{
	return page_iter_next(piter, rh_sg_page_count);
}

RH_EXPORT bool rh_sg_page_iter_dma_next(struct rh_sg_dma_page_iter *dma_iter)
{
	return page_iter_next(&dma_iter->base, sg_dma_page_count);
}
