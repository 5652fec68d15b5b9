/* SPDX-License-Identifier: MIT */
/* The OP-TEE driver's protected-memory part: driver state, probe/remove, dynamic pools. */
#ifndef RH_TEE_OPTEE_H
#define RH_TEE_OPTEE_H

#include <pthread.h>
#include <rheap/tee-backend.h>
#include <stdint.h>

#include "tee/tee-heap.h"

struct rh_platform;
struct rh_cma;

/*
 * The driver's state on a platform (plat->optee): the DMA memory it lends
 * from (the platform's default CMA area, what dma_alloc_pages() of the
 * OP-TEE device would use) and the TEE device of its current probe.
 */
struct rh_optee {
	struct rh_platform *plat;
	pthread_mutex_t lock; /* @dev, probe and remove */
	struct rh_optee_device *dev;
	struct rh_cma *dma_cma; /* NULL: no default CMA area */
};

/* One probe of the driver on one backend: the TEE device heaps hold. */
struct rh_optee_device {
	struct rh_tee_device teedev;
	struct rh_optee *optee;
	struct rh_tee_protmem_caps caps;
};

/*
 * Module hooks (platform.c, after the heaps): rh_optee_init() probes the
 * driver on the platform's TEE backend; rh_optee_fini() removes it.
 * rh_optee_rebind() removes and probes again: the backend changed
 * (rh_platform_set_tee_backend()). The probe registers a protected heap
 * for each use case the secure world serves: its static carveout (the
 * protmem_caps fast call) and every use case whose GET_PROTMEM_CONFIG
 * answers. A use case that cannot be set up is logged and skipped, as
 * upstream's "Protected memory service not available"; only -ENOMEM of
 * the driver's own state fails the platform.
 */
int rh_optee_init(struct rh_platform *plat);
void rh_optee_fini(struct rh_platform *plat);
void rh_optee_rebind(struct rh_platform *plat);

/*
 * rh_optee_protmem_alloc_dyn_pool() - the dynamic pool of use case @id:
 * asks the secure world for its configuration (GET_PROTMEM_CONFIG, twice
 * when it has attributes) through a context of its own; nothing is lent
 * until the first buffer. The pool holds @dev.
 * Mirrors: optee_protmem_alloc_dyn_pool() (drivers/tee/optee/protmem.c)
 * Returns the pool or RH_ERR_PTR(): -EINVAL (the secure world does not
 * serve @id, or answered badly), -ENOMEM, -EIO (transport), -ENOENT (no
 * TEE).
 */
struct rh_tee_protmem_pool *rh_optee_protmem_alloc_dyn_pool(struct rh_optee_device *dev,
							     uint32_t id);

#endif /* RH_TEE_OPTEE_H */
