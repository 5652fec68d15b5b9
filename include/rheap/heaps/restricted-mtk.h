/* SPDX-License-Identifier: MIT */
/* MediaTek restricted heaps restricted_mtk_cm / restricted_mtk_cma: names and statistics. */
#ifndef RHEAP_HEAPS_RESTRICTED_MTK_H
#define RHEAP_HEAPS_RESTRICTED_MTK_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>

RH_BEGIN_DECLS

/*
 * The two heaps of drivers/dma-buf/heaps/restricted_heap_mtk.c (seed
 * patches 7/9-9/9), registered by every platform: the chunk-memory heap
 * always, the CMA heap only when the device tree has a
 * "mediatek,dynamic-restricted-region" reserved-memory node and its CMA
 * area could be set up.
 */
#define RH_RESTRICTED_MTK_CM_NAME "restricted_mtk_cm"
#define RH_RESTRICTED_MTK_CMA_NAME "restricted_mtk_cma"

/** Compatible of the static chunk the TEE owns from boot (CM_TZ memory). */
#define RH_MTK_SECURE_CHUNK_COMPATIBLE "mediatek,secure-chunk-memory"
/** Compatible of the region lent to the TEE on demand (seed patch 1/9). */
#define RH_MTK_DYNAMIC_REGION_COMPATIBLE "mediatek,dynamic-restricted-region"

/**
 * struct rh_restricted_mtk_stats - state and counters of one MTK heap
 * @mem_type: RH_MTK_SECURE_MEMORY_TYPE_CM_TZ (1) or _CM_CMA (2)
 * @tee_open: the heap holds a TEE context and a session to the TA
 * @tee_session: that session's id (0 when not open)
 * @tee_inits: context + session opened (more than 1 after a TA panic)
 * @tee_init_failures: heap_init calls that failed (no TEE, no TA ...)
 * @region_base, @region_size: where the TEE's physical addresses must lie
 *                             (CM: the static chunk, or DRAM without one;
 *                             CMA: the CMA region)
 * @has_cma: the heap has a CMA area (@cma_paddr, @cma_size)
 * @cma_paddr, @cma_size: the region lent to the TEE (cma_paddr, cma_size)
 * @cma_used_size: bytes of live buffers (and of allocations in flight)
 * @cma_held: the whole region is cma-allocated (lent) now: while
 *            @cma_used_size or @pending_bytes is not 0
 * @cma_allocs, @cma_releases: whole-region cma_alloc / cma_release calls
 * @tee_buffers, @tee_bytes: secure handles the heap holds (ZALLOC done,
 *                           FREE not delivered yet, deferred ones
 *                           included) and their sizes
 * @zallocs: ZALLOC commands that succeeded
 * @zalloc_failures: ZALLOC commands the TEE failed
 * @retrieve_sgs: RETRIEVE_SG commands that succeeded
 * @tee_errors: other commands the TEE failed (RETRIEVE_SG ...)
 * @invalid_layouts: answers refused by validation (entry count, PA,
 *                   alignment, region, sum of lengths, overlap)
 * @frees: FREE commands sent (a deferred one counts each time)
 * @free_failures: FREEs given up: the TA refused (non-zero status or
 *                 error result) or the retry could not be queued; those
 *                 buffers may still live in the TEE until the heap, once
 *                 idle, recycles its session (@tee_doubt)
 * @pending_frees, @pending_bytes: FREEs that could not reach a live TA
 *                                 (TARGET_DEAD, transport failure, no
 *                                 session, a refusal by the TEE, any
 *                                 failure not answered by the TA), sent
 *                                 again by the next allocation's heap_init
 *                                 or as soon as the heap is idle
 * @lost_buffers, @lost_bytes: buffers the TA released when the heap's
 *                             session died with it (TA panic) that still
 *                             have a dma-buf; their FREE finds nothing
 * @tee_recycles: sessions the heap closed to make the TA release what they
 *                owned: a dead TA's, or, once the heap was idle, one in
 *                doubt (see @tee_doubt) or whose FREEs did not go through
 * @tee_doubt: the session may own secure memory the heap does not know of
 *             (a ZALLOC or a FREE failed: the TA may have allocated, or
 *             kept the buffer); it is recycled once no buffer is left
 */
struct rh_restricted_mtk_stats {
	uint32_t mem_type;
	bool tee_open;
	uint32_t tee_session;
	uint64_t tee_inits;
	uint64_t tee_init_failures;
	rh_phys_addr_t region_base;
	uint64_t region_size;
	bool has_cma;
	rh_phys_addr_t cma_paddr;
	uint64_t cma_size;
	uint64_t cma_used_size;
	bool cma_held;
	uint64_t cma_allocs;
	uint64_t cma_releases;
	uint64_t tee_buffers;
	uint64_t tee_bytes;
	uint64_t zallocs;
	uint64_t zalloc_failures;
	uint64_t retrieve_sgs;
	uint64_t tee_errors;
	uint64_t invalid_layouts;
	uint64_t frees;
	uint64_t free_failures;
	unsigned int pending_frees;
	uint64_t pending_bytes;
	uint64_t lost_buffers;
	uint64_t lost_bytes;
	uint64_t tee_recycles;
	bool tee_doubt;
};

/**
 * rh_restricted_mtk_get_stats() - snapshot of MTK heap @name of @plat
 * @name: RH_RESTRICTED_MTK_CM_NAME or RH_RESTRICTED_MTK_CMA_NAME
 * @ret_stats: written only on success
 *
 * The CMA fields are read together under the heap's lock; the counters
 * each atomically.
 * @return 0, -EINVAL for NULL arguments, -ENOENT when @plat has no such
 * MTK heap registered (e.g. the CMA heap without a dynamic region).
 */
RH_EXPORT int rh_restricted_mtk_get_stats(struct rh_platform *plat,
					  const char *name,
					  struct rh_restricted_mtk_stats *ret_stats);

RH_END_DECLS

#endif /* RHEAP_HEAPS_RESTRICTED_MTK_H */
