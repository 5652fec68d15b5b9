/* SPDX-License-Identifier: MIT */
/* The secure-memory TA's pools: lend/unlend, extent reservation, zeroing through the secure view. */
#ifndef RH_EMU_TA_SECMEM_POOL_H
#define RH_EMU_TA_SECMEM_POOL_H

#include <bitstring.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rheap/platform.h>
#include <rheap/tee-secmem.h>

#include "ta/ta-secmem.h"

/*
 * Only emu/ta-secmem*.c include this header. A pool is one protected
 * region (the static chunk, or the lent CMA region) with its allocator.
 * The TA (ta-secmem.c) owns the handles, the protocol and the lock:
 * "under sm->lock" means the caller holds the TA's lock; the zeroing
 * functions run without it.
 */

#define SECMEM_GRANULE ((uint64_t)RH_PAGE_SIZE)
/* An entry's length is a u32 on the wire: pieces stay below 4 GiB. */
#define SECMEM_MAX_EXTENT_LEN ((uint64_t)UINT32_MAX & ~(SECMEM_GRANULE - 1))

struct secmem_session;

struct secmem_pool {
	const char *name;
	enum rh_mtk_secure_mem_type type;
	bool available;
	rh_phys_addr_t base;
	uint64_t size;
	struct rh_chunk_alloc *ca; /* NULL while not lent */
	bitstr_t *zeroed; /* a bit a granule: scrubbed by FREE, not handed out since */
	unsigned int fw_index;
	bool fw_programmed;
	/* CM_CMA: the session the region was lent through (NULL: not lent) */
	struct secmem_session *lent_to;
	unsigned int nr_bufs;  /* in the handle table, published or not */
	uint64_t live_extents;
	/* lend-time accounting: every byte handed out was scrubbed */
	uint64_t lend_handed_out;
	uint64_t lend_scrubbed;
	rh_phys_addr_t lend_lo;
	rh_phys_addr_t lend_hi;
	/* statistics */
	uint64_t zallocs;
	uint64_t discontiguous;
	uint64_t oom;
	uint64_t frees;
	uint64_t retrieves;
	uint64_t lends;
	uint64_t unlends;
	atomic_ullong bytes_zeroed;     /* counted outside the lock */
	atomic_ullong bytes_known_zero;
};

struct rh_secmem_buf {
	uint64_t handle;
	atomic_bool published; /* zeroed and returned to the normal world */
	unsigned int pins;     /* under sm->lock */
	struct secmem_session *owner; /* the session that allocated it */
	TAILQ_ENTRY(rh_secmem_buf) owner_node; /* in owner->bufs, under sm->lock */
	struct secmem_pool *pool;
	uint64_t size;
	unsigned int nr;
	struct rh_secmem_extent ext[];
};

TAILQ_HEAD(secmem_buf_list, rh_secmem_buf);

/*
 * A client session of the TA (always the kernel's: the TA refuses the
 * others). Buffers belong to the session that allocated them; no other
 * session can free or look them up, and they are released when it
 * closes. Under sm->lock.
 */
struct secmem_session {
	TAILQ_ENTRY(secmem_session) node; /* in sm->sessions */
	uint32_t id;                      /* the TEE's session id */
	struct secmem_buf_list bufs;
	unsigned int nr_bufs;
};

/* Protect the whole pool and build its allocator for @masters; under sm->lock. */
int rh_secmem_pool_lend(struct rh_platform *plat, uint64_t masters,
			struct secmem_pool *pool);
/* A CMA pool whose last buffer is gone goes back to the normal world; under sm->lock. */
void rh_secmem_pool_unlend_if_idle(struct rh_platform *plat,
				   struct secmem_pool *pool);
/*
 * Reserve @size bytes aligned to @align in @pool for *@bufp (which has
 * room for one extent; replaced by a larger one for a discontiguous
 * buffer). Returns 0 or -ENOMEM with nothing taken. Under sm->lock.
 */
int rh_secmem_pool_take(struct secmem_pool *pool, uint64_t size, uint64_t align,
			struct rh_secmem_buf **bufp);
/* Return @n reserved extents to @pool's allocator; under sm->lock. */
void rh_secmem_pool_free_extents(struct secmem_pool *pool,
				 const struct rh_secmem_extent *ext, unsigned int n);
/* Give the extents of an unlinked buffer back; under sm->lock. */
void rh_secmem_pool_give_back(struct rh_platform *plat, struct rh_secmem_buf *buf,
			      bool scrubbed);
/*
 * @buf's extents leave the pool: true if every granule of them was
 * scrubbed by the TA since it was last handed out. Under sm->lock.
 */
bool rh_secmem_pool_claim_zeroed(struct secmem_pool *pool,
				 const struct rh_secmem_buf *buf);
/* ZALLOC's zeroing, outside the lock (@known from rh_secmem_pool_claim_zeroed()). */
int rh_secmem_zero_new_buffer(struct rh_platform *plat, struct secmem_pool *pool,
			      const struct rh_secmem_buf *buf, bool known);
/* memset(0) of every extent through the secure view; the first error. */
int rh_secmem_zero_buf(struct rh_platform *plat, const struct rh_secmem_buf *buf);

#endif /* RH_EMU_TA_SECMEM_POOL_H */
