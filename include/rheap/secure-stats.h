/* SPDX-License-Identifier: MIT */
/* Test bench: the secure world's memory bookkeeping (MediaTek secure-memory TA, OP-TEE protected memory), read from outside. */
#ifndef RHEAP_SECURE_STATS_H
#define RHEAP_SECURE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>
#include <rheap/tee-protmem.h>
#include <rheap/tee-secmem.h>

RH_BEGIN_DECLS

/*
 * Not a normal-world capability: read-only windows on the secure world's
 * bookkeeping, as a TEE's debugfs would be, so that tests and tools can
 * compare what the normal world believes with what the secure world holds.
 * They reveal no handle, cookie, address of a buffer or content.
 */

/**
 * struct rh_secmem_stats - what the secure-memory TA holds in one pool
 * @available: the pool exists (CM_TZ: the static chunk was found and
 *             protected at boot; CM_CMA: the platform describes a dynamic
 *             restricted region)
 * @lent: the pool is protected and managed now (CM_TZ: same as
 *        @available; CM_CMA: from the first ZALLOC to the last FREE)
 * @base, @size: the pool's region (0 when not @available)
 * @bytes_used: bytes of live buffers (page multiples)
 * @live_buffers: buffers holding memory of this pool (one being zeroed or
 *                scrubbed by a ZALLOC or FREE in flight included)
 * @live_extents: physically contiguous pieces of those buffers
 * @largest_free: largest free block (0 while the pool is not @lent)
 * @free_blocks: free blocks, always coalesced (0 while not @lent)
 * @firewall_regions: firewall regions the pool holds now (0 or 1)
 * @zallocs: ZALLOC requests that succeeded
 * @discontiguous: of which answered with more than one extent
 * @oom: ZALLOC requests answered TEE_RESULT_OOM (no room, or the TA's own
 *       metadata could not be allocated)
 * @frees: FREE requests that released a buffer of this pool
 * @retrieves: RETRIEVE_SG requests answered for buffers of this pool
 * @lends, @unlends: CM_CMA: times the region was protected on a first
 *                   ZALLOC and given back on a last FREE (0 for CM_TZ)
 * @bytes_zeroed: bytes ZALLOC zeroed
 * @bytes_known_zero: bytes ZALLOC handed out without zeroing them: the TA
 *                    scrubbed them at their last FREE and nothing wrote
 *                    them through the secure view since (zero once)
 * @bad_params: requests refused with BAD_PARAMETERS (whole TA)
 * @refused_handles: unknown, forged, already freed or another session's
 *                   handles presented to FREE, RETRIEVE_SG or another TA
 *                   (whole TA)
 * @access_denied: requests refused with ACCESS_DENIED: sessions opened by
 *                 a client that is not the kernel, CMA region claims the
 *                 normal world did not lend to the caller (whole TA)
 *
 * The last three are TA-wide: a refused request may have no pool.
 */
struct rh_secmem_stats {
	bool available;
	bool lent;
	rh_phys_addr_t base;
	uint64_t size;
	uint64_t bytes_used;
	uint64_t live_buffers;
	uint64_t live_extents;
	uint64_t largest_free;
	uint64_t free_blocks;
	unsigned int firewall_regions;
	uint64_t zallocs;
	uint64_t discontiguous;
	uint64_t oom;
	uint64_t frees;
	uint64_t retrieves;
	uint64_t lends;
	uint64_t unlends;
	uint64_t bytes_zeroed;
	uint64_t bytes_known_zero;
	uint64_t bad_params;
	uint64_t refused_handles;
	uint64_t access_denied;
};

/**
 * rh_secmem_get_stats() - read the secure-memory TA's numbers for one pool
 * @plat: the platform
 * @type: RH_MTK_SECURE_MEMORY_TYPE_CM_TZ or _CM_CMA
 * @ret_stats: filled on success
 *
 * A read-only window on the secure world's bookkeeping (as a debugfs file
 * of the TEE would be), so that tests and tools can compare what the
 * normal-world heaps believe with what the TA holds. It reveals no handle,
 * address of a buffer or content. One consistent snapshot (taken under
 * the TA's lock).
 * @return 0, -EINVAL for a NULL argument or an unknown @type, -ENODEV when
 * the platform runs no secure-memory TA.
 */
RH_EXPORT int rh_secmem_get_stats(struct rh_platform *plat,
				  enum rh_mtk_secure_mem_type type,
				  struct rh_secmem_stats *ret_stats);

/**
 * struct rh_protmem_stats - the secure world's protected memory of one use
 * case (or of all of them, use case 0)
 * @configured: the secure world serves the use case
 * @dynamic: lent by the normal world on demand (else a static carveout)
 * @min_size, @alignment: what a lend must be (dynamic)
 * @masters: bus masters the use case admits (in secure mode, through their
 *           secure windows over each protected range)
 * @ranges: protected ranges now (a static carveout counts as one)
 * @bytes: their total size
 * @peak_bytes: most bytes protected at once
 * @lends: LEND_PROTMEM accepted
 * @reclaims: RECLAIM_PROTMEM accepted (the range scrubbed and given back)
 * @held: holds on its memory now (TA calls in flight, kept references)
 * @refused_lends: LEND_PROTMEM refused (bad, foreign, unaligned,
 *                overlapping, or not handed over by the normal world)
 * @busy_reclaims: RECLAIM_PROTMEM refused because the memory was held
 * @unknown_reclaims: RECLAIM_PROTMEM of a cookie nothing is lent under
 * @bytes_scrubbed: bytes zeroed before ranges went back
 * @configs: GET_PROTMEM_CONFIG answered
 *
 * The last four counters are the TEE's as a whole (a refused request may
 * name no use case) and are the same for every @use_case.
 */
struct rh_protmem_stats {
	bool configured;
	bool dynamic;
	uint64_t min_size;
	uint64_t alignment;
	unsigned int masters;
	unsigned int ranges;
	uint64_t bytes;
	uint64_t peak_bytes;
	uint64_t lends;
	uint64_t reclaims;
	unsigned int held;
	uint64_t refused_lends;
	uint64_t busy_reclaims;
	uint64_t unknown_reclaims;
	uint64_t bytes_scrubbed;
	uint64_t configs;
};

/**
 * rh_protmem_get_stats() - read the secure world's protected-memory numbers
 * @use_case: RH_OPTEE_MSG_PROTMEM_* (1..3), or 0 for every use case
 *            together (@configured: any; @dynamic, @min_size, @alignment:
 *            0; the rest summed)
 * @ret_stats: filled on success
 *
 * A read-only window on the secure world's bookkeeping, as
 * rh_secmem_get_stats() is for the MediaTek TA: no cookie, address or
 * content. One consistent snapshot.
 * @return 0, -EINVAL for a NULL argument or a use case above 3, -ENODEV
 * when the platform's TEE has no protected-memory configuration.
 */
RH_EXPORT int rh_protmem_get_stats(struct rh_platform *plat, uint32_t use_case,
				   struct rh_protmem_stats *ret_stats);

RH_END_DECLS

#endif /* RHEAP_SECURE_STATS_H */
