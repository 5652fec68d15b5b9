/* SPDX-License-Identifier: MIT */
/* Internals of the MediaTek restricted heaps: platform hooks and what restricted-mtk{,-tee}.c share. */
#ifndef RH_HEAPS_MTK_INTERNAL_H
#define RH_HEAPS_MTK_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rheap/heaps/restricted-mtk.h>
#include <rheap/phys.h>
#include <rheap/tee-secmem.h>

struct rh_platform;
struct rh_restricted_buffer;
struct rh_restricted_heap;
struct rh_tee_context;

/*
 * rh_restricted_mtk_init() - the seed's boot sequence for the MTK heaps:
 * the reserved-memory hook (RESERVEDMEM_OF_DECLARE, CMA area of every
 * "mediatek,dynamic-restricted-region" node, the last one wins), then
 * module_init (restricted_mtk_cm, then restricted_mtk_cma if it has a CMA
 * area). Run after the dma-heap registry. A heap that cannot be set up or
 * registered is logged and skipped, as in the seed; only -ENOMEM for the
 * module's own state fails the platform.
 * rh_restricted_mtk_fini() - closes the TEE sessions and frees the state;
 * the buffers are released by then (the file table goes first).
 */
int rh_restricted_mtk_init(struct rh_platform *plat);
void rh_restricted_mtk_fini(struct rh_platform *plat);

/* A FREE to send again once the TA can be reached. */
struct mtk_pending_free {
	uint64_t handle;
	uint64_t size;
	uint32_t epoch; /* the session the handle belongs to */
};

/* Mirrors: struct mtk_restricted_heap_data, plus the simulator's counters. */
struct mtk_restricted_heap_data {
	struct rh_platform *plat;
	struct rh_restricted_heap *rheap;

	/*
	 * TEE context and session: written only by heap_init (serialised by
	 * the core's init lock) with tee_lock held for writing; every TEE
	 * call holds it for reading, so a reopen never pulls the context
	 * from under a call in flight.
	 */
	pthread_rwlock_t tee_lock;
	struct rh_tee_context *tee_ctx;
	uint32_t tee_session;
	uint32_t tee_epoch; /* sessions closed so far: the current one's number */
	atomic_bool tee_dead; /* a call answered TARGET_DEAD */
	/*
	 * The session may own secure memory the heap does not know of (not in
	 * v5): a ZALLOC failed (the TA may have allocated before the answer
	 * went wrong), a FREE failed for good. The heap recycles the session
	 * once it is idle (mtk_tee_settle_if_idle()).
	 */
	atomic_bool tee_doubt;
	atomic_bool tee_open; /* tee_ctx != NULL, for the sibling heap to read */
	/* Buffers restricted and not yet unrestricted: the callers' ones. */
	atomic_uint live_buffers;

	enum rh_mtk_secure_mem_type mem_type;

	/* CMA accounting (patch 9) and the deferred FREEs, under lock. */
	pthread_mutex_t lock;
	rh_phys_addr_t cma_page;
	bool cma_held;
	uint64_t cma_used_size;
	uint64_t cma_allocs;
	uint64_t cma_releases;
	struct mtk_pending_free *pending;
	unsigned int nr_pending;
	unsigned int max_pending;
	uint64_t pending_bytes; /* the TEE may still hold them: the region stays */
	atomic_uint pending_hint; /* nr_pending, for heap_init's fast path */
	/*
	 * What the TA said of the lent region (ZALLOC p3.b, FREE p1.b; not in
	 * v5): the lend our buffers came from, and the last lend it reported
	 * over. The region goes back to Linux only once that lend is over.
	 */
	uint64_t lend_seen;
	uint64_t unlent_through;
	/*
	 * A session was dropped without the TEE confirming its close: it may
	 * still hold the region, so a later close proves nothing about the
	 * lend; only a FREE's report of the region unlent clears it.
	 */
	bool lend_unconfirmed;

	/* Every PA the TEE reports must lie in here. */
	rh_phys_addr_t region_base;
	uint64_t region_size;

	atomic_ullong tee_inits;
	atomic_ullong tee_init_failures;
	atomic_ullong tee_recycles;
	atomic_ullong tee_buffers;
	atomic_ullong tee_bytes;
	/*
	 * Buffers of a session that died (TA panic): the TA released them when
	 * heap_init closed it, so their FREE is not sent.
	 */
	atomic_ullong lost_buffers;
	atomic_ullong lost_bytes;
	atomic_ullong zallocs;
	atomic_ullong zalloc_failures;
	atomic_ullong retrieve_sgs;
	atomic_ullong tee_errors;
	atomic_ullong invalid_layouts;
	atomic_ullong frees;
	atomic_ullong free_failures;
};

#define ctr_inc(c) atomic_fetch_add_explicit(&(c), 1, memory_order_relaxed)
#define ctr_add(c, v) atomic_fetch_add_explicit(&(c), (v), memory_order_relaxed)
#define ctr_sub(c, v) atomic_fetch_sub_explicit(&(c), (v), memory_order_relaxed)
#define ctr_get(c) atomic_load_explicit(&(c), memory_order_relaxed)

/* restricted-mtk-tee.c: the TEE side (heap_init, restrict_buf, unrestrict_buf ops). */
void mtk_tee_session_close(struct mtk_restricted_heap_data *data);
/*
 * mtk_tee_settle_if_idle() - once no buffer of the heap's callers is left,
 * leave nothing in the secure world the heap does not know of: deferred
 * FREEs are sent again, and a session in doubt, dead, or whose FREEs still
 * do not go through is closed (the TA releases what it owns) and a new one
 * opened. Called without tee_lock; takes the core's init lock. Returns
 * true if it recycled the session.
 */
bool mtk_tee_settle_if_idle(struct mtk_restricted_heap_data *data);
int mtk_restricted_heap_init(struct rh_restricted_heap *rheap);
int mtk_tee_restrict_memory(struct rh_restricted_heap *rheap,
			    struct rh_restricted_buffer *buf);
void mtk_tee_unrestrict_memory(struct rh_restricted_heap *rheap,
			       struct rh_restricted_buffer *buf);

/* restricted-mtk.c: the CMA accounting, for the deferred FREEs. */
void mtk_cma_release_if_unused(struct mtk_restricted_heap_data *data);
/*
 * mtk_doubt_siblings() - @data's TA died: the other MTK heaps' sessions
 * went with it if they were on the same (single) instance, which the
 * normal world cannot tell. Those that have one are put in doubt, so each recycles its
 * session once idle, where a needless recycle costs nothing (a dead
 * session with live buffers waits for its own TARGET_DEAD).
 * mtk_settle_all() - mtk_tee_settle_if_idle() on every MTK heap of @plat;
 * called with no heap lock held.
 */
void mtk_doubt_siblings(struct mtk_restricted_heap_data *data);
void mtk_settle_all(struct rh_platform *plat);

#endif /* RH_HEAPS_MTK_INTERNAL_H */
