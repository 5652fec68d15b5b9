/* SPDX-License-Identifier: MIT */
/* Restricted dma-buf heap core: buffers the normal world cannot touch (seed patches 4-6). */
#ifndef RHEAP_HEAPS_RESTRICTED_H
#define RHEAP_HEAPS_RESTRICTED_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/export.h>
#include <rheap/platform.h>
#include <rheap/scatterlist.h>

RH_BEGIN_DECLS

struct rh_cma;
struct rh_restricted_heap;

/**
 * struct rh_restricted_buffer - one buffer of a restricted heap (dmabuf priv)
 * @heap: the dma-heap it was allocated from
 * @size: the requested size rounded up to whole pages
 * @sg_table: the master table: the physical layout the secure world reported
 *            (filled by the heap's alloc or restrict_buf op); never mapped
 *            for the CPU
 * @restricted_addr: opaque handle of the buffer in the secure world (the
 *                   MTK TA's "secure handle"); 0 until restricted
 * @tee_epoch: not in v5: which of the provider's TEE sessions the handle
 *             belongs to (the MTK heaps count their session opens; a
 *             handle of a session that died went with it)
 *
 * The dma-buf core owns the lifetime: the buffer goes when the last
 * reference to its dma-buf is dropped.
 *
 * Mirrors: struct restricted_buffer (drivers/dma-buf/heaps/restricted_heap.h,
 * seed patches 4/9, 6/9, 8/9)
 */
struct rh_restricted_buffer {
	struct rh_dma_heap *heap;
	size_t size;
	struct rh_sg_table sg_table;
	uint64_t restricted_addr;
	uint32_t tee_epoch;
};

/**
 * struct rh_restricted_heap_ops - what a restricted heap provider implements
 *
 * Every op gets the heap and, except @heap_init, the buffer being
 * allocated or released. The v4 series spelt @alloc, @free, @restrict_buf
 * and @unrestrict_buf memory_alloc, memory_free, memory_restrict and
 * memory_unrestrict; the semantics are the same.
 *
 * Mirrors: struct restricted_heap_ops (restricted_heap.h, seed patch 5/9)
 */
struct rh_restricted_heap_ops {
	/**
	 * @heap_init: optional. Lazy set-up (e.g. opening the TEE session),
	 * called before every allocation under the heap's init lock, so
	 * it must return 0 quickly once done. A non-zero return fails that
	 * allocation with nothing allocated; the next allocation calls it
	 * again.
	 */
	int (*heap_init)(struct rh_restricted_heap *rheap);

	/**
	 * @alloc: mandatory. Obtains the normal-world side of @buf (e.g. CMA
	 * accounting; a no-op when the secure world allocates). Returns 0 or
	 * a negative errno, with nothing to undo on failure.
	 */
	int (*alloc)(struct rh_restricted_heap *rheap,
		     struct rh_restricted_buffer *buf);

	/** @free: mandatory. Undoes @alloc. */
	void (*free)(struct rh_restricted_heap *rheap,
		     struct rh_restricted_buffer *buf);

	/**
	 * @restrict_buf: optional. Protects @buf (asks the secure world for
	 * it) and fills @buf->sg_table and @buf->restricted_addr. Returns 0
	 * or a negative errno with everything it took undone; @free then runs.
	 */
	int (*restrict_buf)(struct rh_restricted_heap *rheap,
			    struct rh_restricted_buffer *buf);

	/** @unrestrict_buf: optional. Undoes @restrict_buf; must not fail. */
	void (*unrestrict_buf)(struct rh_restricted_heap *rheap,
			       struct rh_restricted_buffer *buf);
};

/**
 * struct rh_restricted_heap - a restricted heap provider
 * @name: heap name, the node /dev/dma_heap/<name>; must outlive the heap
 * @ops: the provider's ops (@ops->alloc and @ops->free mandatory)
 * @cma: the CMA area backing the heap, NULL when it has none
 * @cma_paddr: base of that area
 * @cma_size: size of that area
 * @priv_data: provider data
 *
 * Zero the whole structure, fill the public members, then call
 * rh_restricted_heap_add(). The structure must stay valid and in place
 * while the platform lives.
 *
 * Mirrors: struct restricted_heap (restricted_heap.h, seed patches 4/9,
 * 5/9, 7/9, 9/9)
 */
struct rh_restricted_heap {
	const char *name;
	const struct rh_restricted_heap_ops *ops;
	struct rh_cma *cma;
	rh_phys_addr_t cma_paddr;
	uint64_t cma_size;
	void *priv_data;

	/* private: set up by rh_restricted_heap_add(), owned by the core */
	struct rh_platform *plat;
	struct rh_dma_heap *heap;
	pthread_mutex_t init_lock; /* serialises ops->heap_init */
};

/**
 * rh_restricted_heap_add() - register @rheap with @plat's dma-heap registry
 *
 * The heap then allocates through the dma-heap uapi (rh_open() of
 * /dev/dma_heap/<name> and DMA_HEAP_IOCTL_ALLOC, or
 * rh_dma_heap_buffer_alloc()) in the seed's order: heap_init, page-aligned
 * size, alloc, restrict_buf, export (exporter name = heap name, size =
 * page-aligned size, flags = fd_flags). Its dma-bufs refuse every CPU
 * access (begin/end_cpu_access and mmap give -EPERM, vmap -EINVAL); each
 * attachment gets its own copy of the master table, marked
 * RH_SG_DMA_RESTRICTED on its first entry, mapped with
 * RH_DMA_ATTR_SKIP_CPU_SYNC. Release runs unrestrict_buf, then free.
 *
 * Mirrors: restricted_heap_add() (drivers/dma-buf/heaps/restricted_heap.c),
 * which takes no platform argument.
 * @return 0, -EINVAL (NULL argument, no name, no ops or no alloc/free op,
 * @rheap already registered, or the registry's -EINVAL: a duplicate or
 * invalid name), -ENOMEM, -EBUSY (registry full).
 */
RH_EXPORT int rh_restricted_heap_add(struct rh_platform *plat,
				     struct rh_restricted_heap *rheap);

/**
 * rh_restricted_buffer_get() - the restricted buffer behind @dmabuf
 *
 * No reference is taken: the buffer lives as long as @dmabuf.
 * Simulator helper; the kernel reads dmabuf->priv after comparing
 * dmabuf->ops (as tee_heap_update_from_dma_buf() does upstream).
 * @return the buffer, or NULL when @dmabuf is NULL or not exported by a
 * restricted heap.
 */
RH_EXPORT struct rh_restricted_buffer *
rh_restricted_buffer_get(const struct rh_dma_buf *dmabuf);

RH_END_DECLS

#endif /* RHEAP_HEAPS_RESTRICTED_H */
