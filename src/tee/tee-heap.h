/* SPDX-License-Identifier: MIT */
/* The protected heaps' registry and pools: what a TEE driver uses (drivers/tee/tee_heap.c, tee_core.h). */
#ifndef RH_TEE_HEAP_INTERNAL_H
#define RH_TEE_HEAP_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/dma-buf.h>
#include <rheap/scatterlist.h>
#include <rheap/tee-backend.h>
#include <rheap/tee-heap.h>
#include <rheap/tee.h>

struct rh_platform;
struct rh_tee_protmem_pool;

/*
 * struct rh_tee_device - a TEE device: one probe of a TEE driver on one
 * backend (struct tee_device). Heaps it registers hold it; it goes with
 * its last reference (@release, the driver's).
 */
struct rh_tee_device {
	struct rh_platform *plat;
	const struct rh_tee_ops *ops; /* the backend it was probed on */
	void *priv;
	atomic_int refcount;
	void (*release)(struct rh_tee_device *teedev);
};

static inline void rh_tee_device_get(struct rh_tee_device *teedev)
{
	atomic_fetch_add_explicit(&teedev->refcount, 1, memory_order_relaxed);
}

static inline void rh_tee_device_put(struct rh_tee_device *teedev)
{
	if (atomic_fetch_sub_explicit(&teedev->refcount, 1, memory_order_acq_rel) == 1)
		teedev->release(teedev);
}

/*
 * struct rh_tee_protmem_ref - how a buffer is named to the secure world
 * (what update_shm tells the shm of a registered dma-buf): by the lend
 * it lies in (@parent_cookie, an rmem at the buffer's offset in it), or,
 * @parent_cookie 0, by its physical address @paddr (a tmem).
 */
struct rh_tee_protmem_ref {
	uint64_t parent_cookie;
	rh_phys_addr_t paddr;
};

/*
 * struct rh_tee_protmem_pool_ops - a pool of protected memory
 * @alloc: a one-entry @sgt of @size bytes, *@offs its offset in the pool;
 *         0 or -ENOMEM (nothing left), the lend's error (dynamic)
 * @free: undo @alloc
 * @update_shm: how the buffer at @offs is named to the secure world
 * @destroy_pool: the pool goes (no buffer left)
 * @get_stats: optional (not in the kernel): the pool's part of the stats
 * Mirrors: struct tee_protmem_pool_ops (include/linux/tee_core.h)
 */
struct rh_tee_protmem_pool_ops {
	int (*alloc)(struct rh_tee_protmem_pool *pool, struct rh_sg_table *sgt,
		     size_t size, size_t *offs);
	void (*free)(struct rh_tee_protmem_pool *pool, struct rh_sg_table *sgt);
	int (*update_shm)(struct rh_tee_protmem_pool *pool, struct rh_sg_table *sgt,
			  size_t offs, struct rh_tee_protmem_ref *ret_ref);
	void (*destroy_pool)(struct rh_tee_protmem_pool *pool);
	void (*get_stats)(struct rh_tee_protmem_pool *pool, struct rh_tee_heap_stats *st);
};

/* Mirrors: struct tee_protmem_pool */
struct rh_tee_protmem_pool {
	const struct rh_tee_protmem_pool_ops *ops;
};

/*
 * Module hooks (platform.c, after the dma-heap registry): the registry of
 * protected heaps, keyed by use case (the kernel's tee_dma_heap xarray).
 */
int rh_tee_heap_registry_init(struct rh_platform *plat);
void rh_tee_heap_registry_fini(struct rh_platform *plat);

/*
 * rh_tee_device_register_dma_heap() - @teedev serves use case @id with
 * @pool. The first registration of an id adds the dma-heap (which then
 * stays); a later one re-binds it if no TEE device holds it any more.
 * On success the heap holds @teedev and owns @pool (destroyed with the
 * heap's last reference).
 * Mirrors: tee_device_register_dma_heap() (drivers/tee/tee_heap.c)
 * Returns 0, -EINVAL (unknown @id, NULL), -EBUSY (another live TEE device
 * holds the id), -ENOMEM, or rh_dma_heap_add()'s error.
 */
int rh_tee_device_register_dma_heap(struct rh_tee_device *teedev, uint32_t id,
				    struct rh_tee_protmem_pool *pool);

/*
 * rh_tee_device_put_all_dma_heaps() - @teedev goes away: each heap it
 * serves drops its registration; buffers still alive keep it (and its
 * pool) until they go, new allocations fail with -EINVAL.
 * Mirrors: tee_device_put_all_dma_heaps()
 */
void rh_tee_device_put_all_dma_heaps(struct rh_tee_device *teedev);

/*
 * rh_tee_heap_update_from_dma_buf() - what registering @dmabuf with a
 * context on backend (@ops, @priv) of @plat gives: its size and how the
 * secure world names it. Only a buffer of a protected heap served by that
 * same TEE qualifies.
 * Mirrors: tee_heap_update_from_dma_buf()
 * Returns 0, -EINVAL (another exporter, another TEE or platform).
 */
int rh_tee_heap_update_from_dma_buf(struct rh_platform *plat, const struct rh_tee_ops *ops,
				    void *priv, struct rh_dma_buf *dmabuf, size_t *ret_size,
				    size_t *ret_offs, struct rh_tee_protmem_ref *ret_ref);

/*
 * rh_tee_protmem_static_pool_alloc() - a pool over the carveout
 * [@paddr, @paddr + @size) the secure world reported: page granules,
 * first fit; buffers are named by physical address.
 * Mirrors: tee_protmem_static_pool_alloc()
 * Returns the pool or RH_ERR_PTR(-EINVAL) (not page aligned, not DRAM),
 * RH_ERR_PTR(-ENOMEM).
 */
struct rh_tee_protmem_pool *rh_tee_protmem_static_pool_alloc(struct rh_platform *plat,
							     rh_phys_addr_t paddr,
							     size_t size);

/*
 * rh_tee_protmem_one_entry_table() - the table of a pool's buffer: one
 * entry over [@pa, @pa + @size). Returns 0, -ENOMEM.
 */
int rh_tee_protmem_one_entry_table(struct rh_sg_table *sgt, rh_phys_addr_t pa, size_t size);

#endif /* RH_TEE_HEAP_INTERNAL_H */
