// SPDX-License-Identifier: MIT
/* OP-TEE driver, its protected-memory part: probe and remove on a TEE backend (drivers/tee/optee/smc_abi.c). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include <rheap/phys.h>
#include <rheap/tee-backend.h>
#include <rheap/tee-heap.h>
#include <rheap/tee.h>

#include "internal.h"
#include "mm/cma.h"
#include "tee/optee/optee.h"
#include "tee/tee-heap.h"
#include "tee/tee-internal.h"

/*
 * What optee_probe() / optee_remove() of the SMC ABI do for protected
 * memory (optee_protmem_pool_init(), tee_device_put_all_dma_heaps()):
 * learn from the secure world's capabilities what it offers, register a
 * heap for its static carveout, and one for each use case it lends
 * memory for. Upstream's SMC ABI registers secure video only; the
 * simulation asks the secure world about every use case and registers
 * each it serves (docs/kernel-map.md).
 *
 * The driver is bound to the platform's TEE backend: changing the backend
 * is unloading the driver and loading it again on the new one (the heaps
 * stay registered and are bound again by whatever the new TEE serves).
 * The DMA memory to lend comes from the platform's default CMA area: the
 * reusable reserved region whose compatible is "shared-dma-pool".
 */

#define DMA_POOL_COMPATIBLE "shared-dma-pool"

static void optee_dev_release(struct rh_tee_device *teedev)
{
	rh_free(rh_container_of(teedev, struct rh_optee_device, teedev));
}

/* Register @pool for @id; a failed registration frees it. */
static void register_pool(struct rh_optee_device *dev, uint32_t id,
			  struct rh_tee_protmem_pool *pool)
{
	if (rh_tee_device_register_dma_heap(&dev->teedev, id, pool))
		pool->ops->destroy_pool(pool);
}

/* The static carveout (static_protmem_pool_init()). */
static void probe_static(struct rh_optee_device *dev)
{
	struct rh_platform *plat = dev->teedev.plat;
	const struct rh_tee_protmem_caps *caps = &dev->caps;
	struct rh_tee_protmem_pool *pool;

	if (!rh_tee_dma_heap_name(caps->static_use_case)) {
		rh_bug_tee(plat, "optee: the protected carveout serves unknown use case %" PRIu32,
			   caps->static_use_case);
		return;
	}
	pool = rh_tee_protmem_static_pool_alloc(plat, caps->static_base,
						(size_t)caps->static_size);
	if (RH_IS_ERR(pool)) {
		rh_err(plat, "optee: protected carveout 0x%" PRIx64 "+0x%" PRIx64 " unusable: %s",
		       caps->static_base, caps->static_size, strerror((int)-RH_PTR_ERR(pool)));
		return;
	}
	register_pool(dev, caps->static_use_case, pool);
}

/* Every use case the secure world lends memory for (optee_protmem_alloc_dyn_pool()). */
static void probe_dynamic(struct rh_optee_device *dev)
{
	struct rh_platform *plat = dev->teedev.plat;
	struct rh_tee_protmem_pool *pool;
	uint32_t id;

	for (id = RH_TEE_DMA_HEAP_SECURE_VIDEO_PLAY; id <= RH_TEE_DMA_HEAP_SECURE_VIDEO_RECORD;
	     id++) {
		if ((dev->caps.flags & RH_TEE_PROTMEM_CAP_STATIC) &&
		    id == dev->caps.static_use_case)
			continue;
		pool = rh_optee_protmem_alloc_dyn_pool(dev, id);
		if (RH_IS_ERR(pool)) {
			rh_dbg(plat, "optee: no protected memory for %s: %s",
			       rh_tee_dma_heap_name(id), strerror((int)-RH_PTR_ERR(pool)));
			continue;
		}
		register_pool(dev, id, pool);
	}
}

/* Mirrors: the protected-memory part of optee_probe(); under optee->lock. */
static int optee_probe(struct rh_optee *optee)
{
	struct rh_platform *plat = optee->plat;
	struct rh_optee_device *dev;
	const struct rh_tee_ops *ops;
	void *priv;

	pthread_mutex_lock(&plat->lock);
	ops = plat->tee_ops;
	priv = plat->tee_priv;
	pthread_mutex_unlock(&plat->lock);
	if (!ops)
		return 0; /* no TEE: nothing to probe */
	dev = rh_zalloc(sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->teedev.plat = plat;
	dev->teedev.ops = ops;
	dev->teedev.priv = priv;
	dev->teedev.release = optee_dev_release;
	atomic_init(&dev->teedev.refcount, 1);
	dev->optee = optee;
	optee->dev = dev;
	/* A backend without the fast calls (version 1, most mocks) has none. */
	if (rh_tee_ops_protmem_caps(ops, priv, &dev->caps))
		memset(&dev->caps, 0, sizeof(dev->caps));
	if (dev->caps.flags & RH_TEE_PROTMEM_CAP_STATIC)
		probe_static(dev);
	if (dev->caps.flags & RH_TEE_PROTMEM_CAP_DYNAMIC)
		probe_dynamic(dev);
	return 0;
}

/* Mirrors: optee_remove() -> tee_device_put_all_dma_heaps(); under optee->lock. */
static void optee_remove(struct rh_optee *optee)
{
	struct rh_optee_device *dev = optee->dev;

	if (!dev)
		return;
	optee->dev = NULL;
	rh_tee_device_put_all_dma_heaps(&dev->teedev);
	/* Buffers still alive keep it, through their heap, until they go. */
	rh_tee_device_put(&dev->teedev);
}

void rh_optee_rebind(struct rh_platform *plat)
{
	struct rh_optee *optee = plat ? plat->optee : NULL;

	if (!optee)
		return;
	pthread_mutex_lock(&optee->lock);
	optee_remove(optee);
	if (optee_probe(optee))
		rh_err(plat, "optee: no memory to probe the new TEE");
	pthread_mutex_unlock(&optee->lock);
}

int rh_optee_init(struct rh_platform *plat)
{
	const struct rh_platform_desc *desc = &plat->desc;
	struct rh_optee *optee;
	unsigned int i;
	int ret;

	optee = rh_zalloc(sizeof(*optee));
	if (!optee)
		return -ENOMEM;
	optee->plat = plat;
	pthread_mutex_init(&optee->lock, NULL);
	for (i = 0; i < desc->nr_reserved && !optee->dma_cma; i++) {
		const struct rh_reserved_region *r = &desc->reserved[i];

		if (!r->reusable || strcmp(r->compatible, DMA_POOL_COMPATIBLE))
			continue;
		ret = rh_cma_init_reserved_mem(plat, r->base, r->size, 0, r->name,
					       &optee->dma_cma);
		if (ret == -ENOMEM)
			goto err_free;
		if (ret)
			rh_err(plat, "optee: %s cannot be a CMA area: %s", r->name, strerror(-ret));
	}
	plat->optee = optee;
	pthread_mutex_lock(&optee->lock);
	ret = optee_probe(optee);
	pthread_mutex_unlock(&optee->lock);
	if (ret)
		goto err_unset;
	return 0;

err_unset:
	plat->optee = NULL;
err_free:
	rh_cma_destroy(optee->dma_cma);
	pthread_mutex_destroy(&optee->lock);
	rh_free(optee);
	return ret;
}

void rh_optee_fini(struct rh_platform *plat)
{
	struct rh_optee *optee = plat->optee;

	if (!optee)
		return;
	pthread_mutex_lock(&optee->lock);
	optee_remove(optee);
	pthread_mutex_unlock(&optee->lock);
	plat->optee = NULL;
	rh_cma_destroy(optee->dma_cma);
	pthread_mutex_destroy(&optee->lock);
	rh_free(optee);
}
