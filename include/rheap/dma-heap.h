/* SPDX-License-Identifier: MIT */
/* DMA-heap registry: named allocators of dma-bufs (include/linux/dma-heap.h). */
#ifndef RHEAP_DMA_HEAP_H
#define RHEAP_DMA_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include <rheap/dma-buf.h>
#include <rheap/err.h>
#include <rheap/export.h>
#include <rheap/platform.h>

RH_BEGIN_DECLS

struct rh_dma_heap;

/** Most heaps a platform may register (the kernel's NUM_HEAP_MINORS). */
#define RH_DMA_HEAP_MAX 128
/** Longest heap name, NUL included (a device node name). */
#define RH_DMA_HEAP_NAME_LEN 64

/**
 * struct rh_dma_heap_ops - what a heap implements
 *
 * Mirrors: struct dma_heap_ops (include/linux/dma-heap.h)
 */
struct rh_dma_heap_ops {
	/**
	 * @allocate: mandatory. Allocates a buffer of @len bytes (already
	 * page aligned and non-zero; @fd_flags and @heap_flags already
	 * validated) and exports it with rh_dma_buf_export(), @fd_flags as
	 * the export flags. Returns the buffer holding one reference, or
	 * RH_ERR_PTR(-errno) (typically -ENOMEM) with nothing leaked. May be
	 * called from many threads at once; no core lock is held.
	 */
	struct rh_dma_buf *(*allocate)(struct rh_dma_heap *heap,
				       unsigned long len, uint32_t fd_flags,
				       uint64_t heap_flags);
};

/**
 * struct rh_dma_heap_export_info - what rh_dma_heap_add() needs
 * @name: heap name, the node /dev/dma_heap/<name> (copied; non-empty, no
 *        '/', shorter than RH_DMA_HEAP_NAME_LEN)
 * @ops: the heap's ops; @ops->allocate mandatory
 * @priv: heap data, read back with rh_dma_heap_get_drvdata()
 *
 * Mirrors: struct dma_heap_export_info (include/linux/dma-heap.h)
 */
struct rh_dma_heap_export_info {
	const char *name;
	const struct rh_dma_heap_ops *ops;
	void *priv;
};

/**
 * rh_dma_heap_add() - register a heap with @plat
 *
 * The heap lives as long as the platform; it is listed, found by name and
 * opened as /dev/dma_heap/<name> through the fd layer (rh_open()).
 *
 * Mirrors: dma_heap_add() (drivers/dma-buf/dma-heap.c), same order of
 * checks: name, ops, allocation, minor number, uniqueness.
 * @return the heap (no reference for the caller: the platform owns it), or
 * RH_ERR_PTR(-EINVAL) (NULL @plat/@exp_info, NULL or "" name, a name with
 * '/' or too long, NULL ops or allocate; a duplicate name, logged as
 * "Already registered heap named <name>"), RH_ERR_PTR(-ENOMEM),
 * RH_ERR_PTR(-EBUSY) when RH_DMA_HEAP_MAX heaps are registered.
 */
RH_EXPORT struct rh_dma_heap *
rh_dma_heap_add(struct rh_platform *plat,
		const struct rh_dma_heap_export_info *exp_info);

/**
 * rh_dma_heap_find() - look up a heap by name, taking a reference
 *
 * NOTE: the caller must drop the reference with rh_dma_heap_put().
 * Mirrors: dma_heap_find() (drivers/dma-buf/dma-heap.c, Android common
 * kernels)
 * @return the heap, or NULL (unknown name, NULL argument).
 */
RH_EXPORT struct rh_dma_heap *rh_dma_heap_find(struct rh_platform *plat,
					       const char *name);

/**
 * rh_dma_heap_put() - drop a reference taken by rh_dma_heap_find(); NULL-safe
 *
 * Mirrors: dma_heap_put() (drivers/dma-buf/dma-heap.c, Android common kernels)
 */
RH_EXPORT void rh_dma_heap_put(struct rh_dma_heap *heap);

/**
 * rh_dma_heap_list() - names of the registered heaps, in registration order
 * @ret_names: room for @max pointers (owned by the platform), may be NULL
 *             when @max is 0
 * @max: capacity of @ret_names
 *
 * The "readdir(/dev/dma_heap)" of the platform.
 * @return the number of heaps (may exceed @max: only @max were written),
 * -EINVAL for a NULL @plat or NULL @ret_names with @max > 0.
 */
RH_EXPORT int rh_dma_heap_list(struct rh_platform *plat, const char **ret_names,
			       unsigned int max);

/**
 * rh_dma_heap_get_drvdata() - the priv given at registration
 *
 * Mirrors: dma_heap_get_drvdata() (drivers/dma-buf/dma-heap.c)
 * @return the pointer, NULL for a NULL @heap.
 */
RH_EXPORT void *rh_dma_heap_get_drvdata(struct rh_dma_heap *heap);

/**
 * rh_dma_heap_get_name() - the heap's name (valid while the heap lives)
 *
 * Mirrors: dma_heap_get_name() (drivers/dma-buf/dma-heap.c)
 * @return the name, NULL for a NULL @heap.
 */
RH_EXPORT const char *rh_dma_heap_get_name(struct rh_dma_heap *heap);

/**
 * rh_dma_heap_platform() - the platform @heap is registered with
 * @return the platform, NULL for a NULL @heap.
 */
RH_EXPORT struct rh_platform *rh_dma_heap_platform(struct rh_dma_heap *heap);

/**
 * rh_dma_heap_buffer_alloc() - allocate a buffer and install it in an fd
 * @len: rounded up to whole pages
 * @fd_flags: within RH_DMA_HEAP_VALID_FD_FLAGS (O_CLOEXEC | O_ACCMODE)
 * @heap_flags: must be 0
 *
 * The kernel's checks in the kernel's order: fd_flags, heap_flags, then
 * PAGE_ALIGN(len) != 0; then the heap's allocate op; if no fd can be
 * allocated the buffer is released again. (The "fd must be 0 on input"
 * check of the ioctl comes before all of these, in rh_ioctl().)
 *
 * Mirrors: dma_heap_ioctl_allocate() minus the fd check, and
 * dma_heap_buffer_alloc() (drivers/dma-buf/dma-heap.c)
 * @return the new dma-buf fd (>= 0), -EINVAL (NULL @heap, bad flags, @len 0
 * or so large that it wraps when page aligned), the heap's error
 * (-ENOMEM ...), -EMFILE (fd table full).
 */
RH_EXPORT int rh_dma_heap_buffer_alloc(struct rh_dma_heap *heap, size_t len,
				       uint32_t fd_flags, uint64_t heap_flags);

/**
 * rh_dma_heap_buffer_alloc_dmabuf() - as rh_dma_heap_buffer_alloc() without
 * the fd: for in-process importers
 *
 * The caller owns the returned reference (rh_dma_buf_put() or
 * rh_dma_buf_fd()).
 * Mirrors: dma_heap_buffer_alloc() (drivers/dma-buf/dma-heap.c of Android
 * common kernels, which returns the dma_buf)
 * @return the buffer, or RH_ERR_PTR() with the errors above except -EMFILE.
 */
RH_EXPORT struct rh_dma_buf *
rh_dma_heap_buffer_alloc_dmabuf(struct rh_dma_heap *heap, size_t len,
				uint32_t fd_flags, uint64_t heap_flags);

/**
 * struct rh_dma_heap_stats - per-heap accounting of live buffers
 * @count: buffers allocated from the heap and not released yet
 * @bytes: their total size
 * @peak_count: most live buffers at any time
 * @peak_bytes: most live bytes at any time
 * @allocs: successful allocations since registration
 * @alloc_failures: allocations the heap's allocate op refused
 * @frees: buffers released
 */
struct rh_dma_heap_stats {
	uint64_t count;
	uint64_t bytes;
	uint64_t peak_count;
	uint64_t peak_bytes;
	uint64_t allocs;
	uint64_t alloc_failures;
	uint64_t frees;
};

/**
 * rh_dma_heap_get_stats() - consistent snapshot of @heap's statistics
 * @ret_stats: written only on success
 * @return 0, -EINVAL for NULL.
 */
RH_EXPORT int rh_dma_heap_get_stats(struct rh_dma_heap *heap,
				    struct rh_dma_heap_stats *ret_stats);

RH_END_DECLS

#endif /* RHEAP_DMA_HEAP_H */
