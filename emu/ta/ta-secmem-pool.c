// SPDX-License-Identifier: MIT
/* The secure-memory TA's pools: lend/unlend, extent reservation, zeroing through the secure view. */
#include "config.h"

#include <assert.h>
#include <bitstring.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ta/chunk-alloc.h"
#include "emu.h"
#include "internal.h"
#include "trace/sim.h"
#include "ta/ta-secmem-pool.h"

/* ------------------------------------------------------------ secure memory */

/*
 * memset(0) through the secure view; the range was validated at boot. The
 * TA's own zeroing does not mark the pages written (emu.h).
 */
static int secure_zero(struct rh_platform *plat, const struct rh_secmem_extent *ext)
{
	void *p;
	int ret;

	ret = rh_physmem_secure_ptr(plat->physmem, ext->pa, ext->len, &p);
	if (ret) {
		EMSG(plat, "secmem: no secure view of 0x%" PRIx64 "+0x%" PRIx64 ": %s",
		     ext->pa, ext->len, strerror(-ret));
		return ret;
	}
	memset(p, 0, ext->len);
	rh_sim_charge(plat, RH_SIM_SECURE_ZERO, ext->len);
	return 0;
}

int rh_secmem_zero_buf(struct rh_platform *plat, const struct rh_secmem_buf *buf)
{
	unsigned int i;
	int ret = 0;

	/* Go on after a failure: scrub as much as can be scrubbed. */
	for (i = 0; i < buf->nr; i++) {
		int r = secure_zero(plat, &buf->ext[i]);

		if (r && !ret)
			ret = r;
	}
	return ret;
}

/* Granules of @ext in @pool's zeroed bitmap, first and last. */
static void ext_granules(const struct secmem_pool *pool,
			 const struct rh_secmem_extent *ext, int *ret_first,
			 int *ret_last)
{
	*ret_first = (int)((ext->pa - pool->base) / SECMEM_GRANULE);
	*ret_last = (int)((ext->pa + ext->len - pool->base) / SECMEM_GRANULE) - 1;
}

/* Are bits @first..@last of @map all set? (libbsd has no ranged search.) */
static bool bits_all_set(const bitstr_t *map, int first, int last)
{
	int i = first;

	for (; i <= last && (i & 7); i++)
		if (!bit_test(map, i))
			return false;
	for (; i + 7 <= last; i += 8)
		if (map[i >> 3] != 0xff)
			return false;
	for (; i <= last; i++)
		if (!bit_test(map, i))
			return false;
	return true;
}

/*
 * @buf's extents leave the pool: true if every granule of them was
 * scrubbed by the TA since it was last handed out. Their bits are cleared
 * (the new owner will write). Under sm->lock.
 */
bool rh_secmem_pool_claim_zeroed(struct secmem_pool *pool,
				 const struct rh_secmem_buf *buf)
{
	bool all = true;
	unsigned int i;
	int first, last;

	for (i = 0; i < buf->nr; i++) {
		ext_granules(pool, &buf->ext[i], &first, &last);
		if (all && !bits_all_set(pool->zeroed, first, last))
			all = false;
		bit_nclear(pool->zeroed, first, last);
	}
	return all;
}

/*
 * ZALLOC's zeroing, outside the lock: an extent is skipped when the pool
 * knows it zeroed (@known, from pool_claim_zeroed()) and no page of it was
 * written through the secure view since (a DMA write that lands after this
 * test goes to the new buffer, as any later one would).
 */
int rh_secmem_zero_new_buffer(struct rh_platform *plat, struct secmem_pool *pool,
			      const struct rh_secmem_buf *buf, bool known)
{
	const struct rh_secmem_extent *ext;
	unsigned int i;
	int ret;

	for (i = 0; i < buf->nr; i++) {
		ext = &buf->ext[i];
		if (known && !rh_physmem_test_written(plat->physmem, ext->pa, ext->len)) {
			atomic_fetch_add_explicit(&pool->bytes_known_zero, ext->len,
						  memory_order_relaxed);
			continue;
		}
		/*
		 * Memory never touched since boot faults in page by page in
		 * the memset below (~12 us a page here): populate it in bulk
		 * first. Best effort: the memset faults in whatever is left.
		 */
		rh_physmem_populate(plat->physmem, ext->pa, ext->len);
		ret = secure_zero(plat, ext);
		if (ret)
			return ret;
		atomic_fetch_add_explicit(&pool->bytes_zeroed, ext->len,
					  memory_order_relaxed);
	}
	return 0;
}

/* ------------------------------------------------------------ pools */

/* Protect the whole pool and build its allocator; under sm->lock. */
int rh_secmem_pool_lend(struct rh_platform *plat, uint64_t masters,
			struct secmem_pool *pool)
{
	struct rh_chunk_alloc *ca;
	bitstr_t *zeroed;
	unsigned int idx;
	int ret;

	ret = rh_chunk_alloc_create(pool->base, pool->size, SECMEM_GRANULE, &ca);
	if (ret)
		return ret;
	/* Nothing is known to be zero yet: the normal world used the region. */
	zeroed = rh_calloc(bitstr_size(pool->size / SECMEM_GRANULE), 1);
	if (!zeroed) {
		rh_chunk_alloc_destroy(ca);
		return -ENOMEM;
	}
	/* The normal view goes PROT_NONE before any master can be let in. */
	ret = rh_firewall_program(plat->firewall, pool->base, pool->size,
				  masters, &idx);
	if (ret) {
		EMSG(plat, "secmem: cannot protect %s 0x%" PRIx64 "+0x%" PRIx64 ": %s",
		     pool->name, pool->base, pool->size, strerror(-ret));
		rh_free(zeroed);
		rh_chunk_alloc_destroy(ca);
		return ret;
	}
	pool->ca = ca;
	pool->zeroed = zeroed;
	pool->fw_index = idx;
	pool->fw_programmed = true;
	pool->lend_handed_out = 0;
	pool->lend_scrubbed = 0;
	pool->lend_lo = UINT64_MAX;
	pool->lend_hi = 0;
	pool->lends++;
	IMSG(plat, "secmem: %s 0x%" PRIx64 "+0x%" PRIx64 " protected (firewall region %u)",
	     pool->name, pool->base, pool->size, idx);
	return 0;
}

/*
 * The last CMA buffer is gone: make sure nothing secure is left, drop the
 * protection and the allocator (the region is "reported free"). Under
 * sm->lock. Every buffer was scrubbed when it was freed, so the region's
 * used area is clean by construction; that is verified by accounting (no
 * second pass over memory) and, should it ever not hold, the whole span
 * handed out during the lend is scrubbed again before the normal world
 * sees it.
 */
static void pool_unlend(struct rh_platform *plat, struct secmem_pool *pool)
{
	int ret;

	assert(pool->ca && pool->fw_programmed && !pool->nr_bufs);
	if (!rh_chunk_alloc_is_empty(pool->ca) ||
	    pool->lend_scrubbed != pool->lend_handed_out) {
		struct rh_secmem_extent span = {
			.pa = pool->lend_lo,
			.len = pool->lend_hi - pool->lend_lo,
		};

		EMSG(plat, "secmem: %s: %" PRIu64 " bytes handed out, %" PRIu64 " scrubbed; scrubbing the used span",
		     pool->name, pool->lend_handed_out, pool->lend_scrubbed);
		if (pool->lend_hi > pool->lend_lo && secure_zero(plat, &span))
			return; /* stay protected rather than leak */
	}
	ret = rh_firewall_clear(plat->firewall, pool->fw_index);
	if (ret) {
		/* Still protected and empty: the next ZALLOC reuses the lend. */
		EMSG(plat, "secmem: cannot unprotect %s: %s", pool->name,
		     strerror(-ret));
		return;
	}
	rh_chunk_alloc_destroy(pool->ca);
	pool->ca = NULL;
	pool->lent_to = NULL;
	rh_free(pool->zeroed);
	pool->zeroed = NULL;
	pool->fw_programmed = false;
	pool->unlends++;
	IMSG(plat, "secmem: %s scrubbed and unprotected, reported free",
	     pool->name);
}

/* A CMA pool whose last buffer is gone goes back to the normal world; under sm->lock. */
void rh_secmem_pool_unlend_if_idle(struct rh_platform *plat,
				   struct secmem_pool *pool)
{
	if (pool->type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA && !pool->nr_bufs)
		pool_unlend(plat, pool);
}

/* Return @n reserved extents to @pool's allocator; under sm->lock. */
void rh_secmem_pool_free_extents(struct secmem_pool *pool,
				 const struct rh_secmem_extent *ext, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rh_chunk_alloc_free(pool->ca, ext[i].pa, NULL);
}

static void sort_extents(struct rh_secmem_extent *ext, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++) {
		struct rh_secmem_extent e = ext[i];

		for (j = i; j && ext[j - 1].pa > e.pa; j--)
			ext[j] = ext[j - 1];
		ext[j] = e;
	}
}

/*
 * No free block holds @size: build it from pieces, each the largest free
 * block (the last piece: the best-fitting block), at most
 * RH_MTK_TEE_MAX_SG_ENTRIES of them. Deterministic for a given allocator
 * state. Returns the number of pieces in @ext (address order) or -ENOMEM
 * with nothing taken. Under sm->lock.
 */
static int pool_take_pieces(struct secmem_pool *pool, uint64_t size,
			    struct rh_secmem_extent *ext)
{
	struct rh_chunk_alloc_stats st;
	uint64_t left = size;
	unsigned int n = 0;
	int ret;

	while (left) {
		uint64_t piece = left;
		rh_phys_addr_t pa;

		rh_chunk_alloc_stats(pool->ca, &st);
		if (piece > st.largest_free)
			piece = st.largest_free;
		if (piece > SECMEM_MAX_EXTENT_LEN)
			piece = SECMEM_MAX_EXTENT_LEN;
		if (!piece || n == RH_MTK_TEE_MAX_SG_ENTRIES) {
			ret = -ENOMEM;
			goto err_give_back;
		}
		ret = rh_chunk_alloc_alloc(pool->ca, piece, SECMEM_GRANULE, &pa);
		if (ret)
			goto err_give_back;
		ext[n].pa = pa;
		ext[n].len = piece;
		n++;
		left -= piece;
	}
	sort_extents(ext, n);
	return (int)n;

err_give_back:
	while (n--)
		rh_chunk_alloc_free(pool->ca, ext[n].pa, NULL);
	return ret;
}

/*
 * Reserve @size bytes aligned to @align in @pool for *@bufp (which has
 * room for one extent; replaced by a larger one for a discontiguous
 * buffer). Returns 0 or -ENOMEM with nothing taken. Under sm->lock.
 */
int rh_secmem_pool_take(struct secmem_pool *pool, uint64_t size, uint64_t align,
			struct rh_secmem_buf **bufp)
{
	struct rh_secmem_extent ext[RH_MTK_TEE_MAX_SG_ENTRIES];
	struct rh_chunk_alloc_stats st;
	struct rh_secmem_buf *big;
	rh_phys_addr_t pa;
	int ret, n;

	ret = rh_chunk_alloc_alloc(pool->ca, size, align, &pa);
	if (!ret) {
		(*bufp)->nr = 1;
		(*bufp)->ext[0].pa = pa;
		(*bufp)->ext[0].len = size;
		return 0;
	}
	if (ret != -ENOMEM || align != SECMEM_GRANULE)
		return -ENOMEM;
	/* Discontiguous only when free space, not metadata, was short. */
	rh_chunk_alloc_stats(pool->ca, &st);
	if (st.largest_free >= size || st.bytes_free < size)
		return -ENOMEM;
	n = pool_take_pieces(pool, size, ext);
	if (n < 0)
		return n;
	big = rh_malloc(sizeof(*big) + (size_t)n * sizeof(big->ext[0]));
	if (!big) {
		rh_secmem_pool_free_extents(pool, ext, (unsigned int)n);
		return -ENOMEM;
	}
	memcpy(big, *bufp, sizeof(*big));
	memcpy(big->ext, ext, (size_t)n * sizeof(ext[0]));
	big->nr = (unsigned int)n;
	rh_free(*bufp);
	*bufp = big;
	return 0;
}

/* Give the extents of an unlinked buffer back; under sm->lock. */
void rh_secmem_pool_give_back(struct rh_platform *plat, struct rh_secmem_buf *buf,
			      bool scrubbed)
{
	struct secmem_pool *pool = buf->pool;
	unsigned int i;

	for (i = 0; i < buf->nr; i++) {
		int ret = rh_chunk_alloc_free(pool->ca, buf->ext[i].pa, NULL);

		if (ret)
			EMSG(plat, "secmem: %s: extent 0x%" PRIx64 " was not live: %s",
			     pool->name, buf->ext[i].pa, strerror(-ret));
	}
	if (scrubbed) {
		pool->lend_scrubbed += buf->size;
		for (i = 0; i < buf->nr; i++) {
			int first, last;

			ext_granules(pool, &buf->ext[i], &first, &last);
			bit_nset(pool->zeroed, first, last);
		}
	}
	pool->nr_bufs--;
	pool->live_extents -= buf->nr;
	rh_secmem_pool_unlend_if_idle(plat, pool);
}
