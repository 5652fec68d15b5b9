/* SPDX-License-Identifier: MIT */
/* The TEE subsystem's protected dma-heaps, one per use case (Linux 6.18 drivers/tee/tee_heap.c). */
#ifndef RHEAP_TEE_HEAP_H
#define RHEAP_TEE_HEAP_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>

RH_BEGIN_DECLS

/*
 * Since Linux 6.18 the TEE subsystem owns one dma-heap per use case of
 * protected memory; a TEE driver (OP-TEE) registers a pool for each use
 * case its secure world serves when it probes: a static carveout, or a
 * dynamic pool that lends DMA memory to the secure world on its first
 * buffer and reclaims it with its last. Buffers are one contiguous range
 * the CPU can never map (no mmap, CPU-access or vmap op: the dma-buf
 * core's default errors), and a TEE client hands one to a trusted
 * application by registering its fd (TEE_IOC_SHM_REGISTER_FD,
 * rh_tee_shm_register_fd()).
 *
 * The heaps are opened, allocated from and listed like every other heap:
 * /dev/dma_heap/protected,secure-video through rh_open(), or
 * rh_dma_heap_find(). They stay registered when their TEE goes away
 * (rh_platform_set_tee_backend()); an allocation then fails with -EINVAL
 * until a TEE serves the use case again.
 */

/** Mirrors: enum tee_dma_heap_id (include/linux/tee_core.h) */
enum rh_tee_dma_heap_id {
	RH_TEE_DMA_HEAP_SECURE_VIDEO_PLAY = 1,
	RH_TEE_DMA_HEAP_TRUSTED_UI = 2,
	RH_TEE_DMA_HEAP_SECURE_VIDEO_RECORD = 3,
};

#define RH_TEE_HEAP_SECURE_VIDEO_NAME "protected,secure-video"
#define RH_TEE_HEAP_TRUSTED_UI_NAME "protected,trusted-ui"
#define RH_TEE_HEAP_SECURE_VIDEO_RECORD_NAME "protected,secure-video-record"

/** The exporter name of their buffers (the tee module's KBUILD_MODNAME). */
#define RH_TEE_HEAP_EXP_NAME "tee"

/**
 * rh_tee_dma_heap_name() - the heap name of use case @id
 *
 * Mirrors: heap_id_2_name() (drivers/tee/tee_heap.c)
 * @return "protected,secure-video" ..., or NULL for an unknown @id.
 */
RH_EXPORT const char *rh_tee_dma_heap_name(uint32_t id);

/**
 * rh_tee_dma_heap_of_role() - the protected heap that serves a buffer role
 * @role: the role= of an allocation trace (<rheap/replay.h>): "bitstream",
 *        "frame" and "working" (decoder reference data) are secure video
 *        playback, "record" and "encode" secure video recording, "ui" and
 *        "overlay" trusted UI
 *
 * What replaying a trace written for the MediaTek heaps on a board with
 * the TEE's protected heaps allocates from: the same buffers, by use case.
 * @return the heap name, or NULL for another role (NULL, "", "sys" ...).
 */
RH_EXPORT const char *rh_tee_dma_heap_of_role(const char *role);

struct rh_replay_event;

/**
 * rh_tee_heap_replay_map() - map a trace's rows onto the protected heaps
 * @data: unused (an &rh_replay_options.map_heap callback)
 * @ev: the row
 *
 * A row of a MediaTek heap (restricted_mtk_*) allocates from the protected
 * heap of its role (rh_tee_dma_heap_of_role(); secure video when the role
 * names none), so that a trace written for the MediaTek heaps replays on a
 * board with the TEE's protected heaps.
 * @return the heap name, or NULL (the row keeps its own heap).
 */
RH_EXPORT const char *rh_tee_heap_replay_map(void *data, const struct rh_replay_event *ev);

/** Most memory attributes a heap reports (one per bus master of its use case). */
#define RH_TEE_HEAP_MAX_ATTRS 8

/**
 * struct rh_tee_heap_stats - what the normal world knows of a protected heap
 * @id: its use case (enum rh_tee_dma_heap_id)
 * @bound: a TEE device serves it: allocations reach a pool
 * @shutting_down: its TEE went away while buffers of it were alive; they
 *                 keep the old pool until the last one goes
 * @dynamic: memory is lent to the secure world on demand (else a static
 *           carveout the secure world reported)
 * @lent: dynamic: a chunk is lent now
 * @base, @size: the carveout, or the chunk lent now (0 otherwise)
 * @min_size: dynamic: the size of one lend (GET_PROTMEM_CONFIG)
 * @nr_mem_attrs, @mem_attrs: dynamic: the memory attributes the secure
 *                            world reported (RH_PROTMEM_ATTR(), one per
 *                            bus master of the use case)
 * @buffers, @bytes: live buffers and their total size
 * @lends, @reclaims: dynamic: LEND_PROTMEM and RECLAIM_PROTMEM that succeeded
 * @reclaim_failures: dynamic: reclaims the secure world refused; the
 *                    chunk then stays lent (and is used again) rather than
 *                    going back to Linux while protected
 * @quarantined: dynamic: bytes of lends that got no answer and whose
 *               reclaim failed too: they may be protected, so they never
 *               go back to Linux
 * @binds: times a TEE device registered it
 */
struct rh_tee_heap_stats {
	uint32_t id;
	bool bound;
	bool shutting_down;
	bool dynamic;
	bool lent;
	rh_phys_addr_t base;
	uint64_t size;
	uint64_t min_size;
	unsigned int nr_mem_attrs;
	uint32_t mem_attrs[RH_TEE_HEAP_MAX_ATTRS];
	uint64_t buffers;
	uint64_t bytes;
	uint64_t lends;
	uint64_t reclaims;
	uint64_t reclaim_failures;
	uint64_t quarantined;
	unsigned int binds;
};

/**
 * rh_tee_heap_get_stats() - snapshot of protected heap @name of @plat
 * @ret_stats: written only on success
 * @return 0, -EINVAL for NULL arguments, -ENOENT when @plat has no such
 * protected heap (never registered: no TEE ever served the use case).
 */
RH_EXPORT int rh_tee_heap_get_stats(struct rh_platform *plat, const char *name,
				    struct rh_tee_heap_stats *ret_stats);

RH_END_DECLS

#endif /* RHEAP_TEE_HEAP_H */
