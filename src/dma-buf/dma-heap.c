// SPDX-License-Identifier: MIT
/* dma-heap registry and allocation path with the kernel's checks (drivers/dma-buf/dma-heap.c). */
#include "config.h"

#include <bitstring.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/queue.h>

#include <rheap/dma-heap.h>
#include <rheap/uapi.h>
#include <rheap/uapi/dma-heap.h>

#include "dma-buf/dmabuf-internal.h"
#include "internal.h"
#include "trace/trace.h"

struct rh_dma_heap {
	struct rh_platform *plat;
	char *name;
	const struct rh_dma_heap_ops *ops;
	void *priv;
	int minor;
	atomic_int refcount; /* the registry's + rh_dma_heap_find()'s + one per live buffer */
	pthread_mutex_t stats_lock;
	struct rh_dma_heap_stats stats;
	TAILQ_ENTRY(rh_dma_heap) node;
};

struct rh_heap_registry {
	pthread_mutex_t lock; /* the kernel's heap_list_lock */
	TAILQ_HEAD(, rh_dma_heap) heaps; /* registration order */
	unsigned int nr_heaps;
	bitstr_t bit_decl(minors, RH_DMA_HEAP_MAX); /* the kernel's dma_heap_minors xarray */
};

int rh_dma_heap_registry_init(struct rh_platform *plat)
{
	struct rh_heap_registry *reg;

	reg = rh_zalloc(sizeof(*reg));
	if (!reg)
		return -ENOMEM;
	pthread_mutex_init(&reg->lock, NULL);
	TAILQ_INIT(&reg->heaps);
	plat->heaps = reg;
	return 0;
}

static void dma_heap_free(struct rh_dma_heap *heap)
{
	pthread_mutex_destroy(&heap->stats_lock);
	rh_free(heap->name);
	rh_free(heap);
}

void rh_dma_heap_registry_fini(struct rh_platform *plat)
{
	struct rh_heap_registry *reg = plat->heaps;
	struct rh_dma_heap *heap;

	if (!reg)
		return;
	while ((heap = TAILQ_FIRST(&reg->heaps))) {
		TAILQ_REMOVE(&reg->heaps, heap, node);
		if (atomic_load(&heap->refcount) != 1)
			rh_err(plat, "dma_heap: heap %s still has %d reference(s) at teardown",
			       heap->name, atomic_load(&heap->refcount) - 1);
		/* Drop the registry's reference; leaked ones keep the heap. */
		rh_dma_heap_put(heap);
	}
	pthread_mutex_destroy(&reg->lock);
	rh_free(reg);
	plat->heaps = NULL;
}

static bool heap_name_valid(const char *name)
{
	size_t len = strnlen(name, RH_DMA_HEAP_NAME_LEN);

	return len < RH_DMA_HEAP_NAME_LEN && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

RH_EXPORT struct rh_dma_heap *
rh_dma_heap_add(struct rh_platform *plat,
		const struct rh_dma_heap_export_info *exp_info)
{
	struct rh_heap_registry *reg;
	struct rh_dma_heap *heap, *h;
	int minor;

	if (!plat || !plat->heaps || !exp_info)
		return RH_ERR_PTR(-EINVAL);
	reg = plat->heaps;
	if (!exp_info->name || !strcmp(exp_info->name, "")) {
		rh_err(plat, "dma_heap: Cannot add heap without a name");
		return RH_ERR_PTR(-EINVAL);
	}
	/* A device node name: no '/', bounded. */
	if (!heap_name_valid(exp_info->name)) {
		rh_err(plat, "dma_heap: Cannot add heap with an invalid name");
		return RH_ERR_PTR(-EINVAL);
	}
	if (!exp_info->ops || !exp_info->ops->allocate) {
		rh_err(plat, "dma_heap: Cannot add heap with invalid ops struct");
		return RH_ERR_PTR(-EINVAL);
	}

	heap = rh_zalloc(sizeof(*heap));
	if (!heap)
		return RH_ERR_PTR(-ENOMEM);
	heap->name = rh_strdup(exp_info->name);
	if (!heap->name) {
		rh_free(heap);
		return RH_ERR_PTR(-ENOMEM);
	}
	heap->plat = plat;
	heap->ops = exp_info->ops;
	heap->priv = exp_info->priv;
	atomic_init(&heap->refcount, 1);
	pthread_mutex_init(&heap->stats_lock, NULL);

	pthread_mutex_lock(&reg->lock);
	/* Find unused minor number (xa_alloc() fails with -EBUSY when full). */
	bit_ffc(reg->minors, RH_DMA_HEAP_MAX, &minor);
	if (minor < 0) {
		pthread_mutex_unlock(&reg->lock);
		rh_err(plat, "dma_heap: Unable to get minor number for heap");
		dma_heap_free(heap);
		return RH_ERR_PTR(-EBUSY);
	}
	/* check the name is unique */
	TAILQ_FOREACH(h, &reg->heaps, node) {
		if (!strcmp(h->name, exp_info->name)) {
			pthread_mutex_unlock(&reg->lock);
			rh_err(plat, "dma_heap: Already registered heap named %s",
			       exp_info->name);
			dma_heap_free(heap);
			return RH_ERR_PTR(-EINVAL);
		}
	}
	bit_set(reg->minors, minor);
	heap->minor = minor;
	TAILQ_INSERT_TAIL(&reg->heaps, heap, node);
	reg->nr_heaps++;
	pthread_mutex_unlock(&reg->lock);
	rh_dbg(plat, "dma_heap: registered %s (minor %d)", heap->name, minor);
	RH_TRACE(plat, RH_TRACE_HEAP_REGISTER, .name = heap->name, .id = (uint64_t)minor);
	return heap;
}

RH_EXPORT struct rh_dma_heap *rh_dma_heap_find(struct rh_platform *plat,
					       const char *name)
{
	struct rh_heap_registry *reg;
	struct rh_dma_heap *h;

	if (!plat || !plat->heaps || !name)
		return NULL;
	reg = plat->heaps;
	pthread_mutex_lock(&reg->lock);
	TAILQ_FOREACH(h, &reg->heaps, node) {
		if (!strcmp(h->name, name)) {
			atomic_fetch_add_explicit(&h->refcount, 1, memory_order_relaxed);
			pthread_mutex_unlock(&reg->lock);
			return h;
		}
	}
	pthread_mutex_unlock(&reg->lock);
	return NULL;
}

RH_EXPORT void rh_dma_heap_put(struct rh_dma_heap *heap)
{
	if (!heap)
		return;
	/* Heaps are only unlisted at platform teardown, so no lock is needed. */
	if (atomic_fetch_sub_explicit(&heap->refcount, 1, memory_order_acq_rel) == 1)
		dma_heap_free(heap);
}

RH_EXPORT int rh_dma_heap_list(struct rh_platform *plat, const char **ret_names,
			       unsigned int max)
{
	struct rh_heap_registry *reg;
	struct rh_dma_heap *h;
	unsigned int n = 0;

	if (!plat || !plat->heaps || (!ret_names && max))
		return -EINVAL;
	reg = plat->heaps;
	pthread_mutex_lock(&reg->lock);
	TAILQ_FOREACH(h, &reg->heaps, node) {
		if (n < max)
			ret_names[n] = h->name;
		n++;
	}
	pthread_mutex_unlock(&reg->lock);
	return (int)n;
}

RH_EXPORT void *rh_dma_heap_get_drvdata(struct rh_dma_heap *heap)
{
	return heap ? heap->priv : NULL;
}

RH_EXPORT const char *rh_dma_heap_get_name(struct rh_dma_heap *heap)
{
	return heap ? heap->name : NULL;
}

RH_EXPORT struct rh_platform *rh_dma_heap_platform(struct rh_dma_heap *heap)
{
	return heap ? heap->plat : NULL;
}

RH_EXPORT struct rh_dma_buf *
rh_dma_heap_buffer_alloc_dmabuf(struct rh_dma_heap *heap, size_t len,
				uint32_t fd_flags, uint64_t heap_flags)
{
	struct rh_dma_buf *dmabuf;
	uint64_t size;

	if (!heap)
		return RH_ERR_PTR(-EINVAL);
	if (fd_flags & ~(uint32_t)RH_DMA_HEAP_VALID_FD_FLAGS)
		return RH_ERR_PTR(-EINVAL);
	if (heap_flags & ~RH_DMA_HEAP_VALID_HEAP_FLAGS)
		return RH_ERR_PTR(-EINVAL);
	/*
	 * Allocations from all heaps have to begin and end on page
	 * boundaries; 0 and lengths that wrap when rounded up are refused.
	 */
	size = RH_PAGE_ALIGN((uint64_t)len);
	if (!size)
		return RH_ERR_PTR(-EINVAL);

	dmabuf = heap->ops->allocate(heap, (unsigned long)size, fd_flags, heap_flags);
	if (!dmabuf) {
		rh_err(heap->plat, "librheap-sim bug: dma_heap: %s allocate returned NULL", heap->name);
		dmabuf = RH_ERR_PTR(-ENOMEM);
	}
	pthread_mutex_lock(&heap->stats_lock);
	if (RH_IS_ERR(dmabuf)) {
		heap->stats.alloc_failures++;
	} else {
		heap->stats.allocs++;
		heap->stats.count++;
		heap->stats.bytes += rh_dma_buf_size(dmabuf);
		if (heap->stats.count > heap->stats.peak_count)
			heap->stats.peak_count = heap->stats.count;
		if (heap->stats.bytes > heap->stats.peak_bytes)
			heap->stats.peak_bytes = heap->stats.bytes;
	}
	pthread_mutex_unlock(&heap->stats_lock);
	RH_TRACE(heap->plat, RH_TRACE_BUFFER_ALLOC, .name = heap->name, .size = size,
		 .id = RH_IS_ERR(dmabuf) ? 0 : rh_dma_buf_ino(dmabuf),
		 .err = RH_IS_ERR(dmabuf) ? (int)RH_PTR_ERR(dmabuf) : 0);
	if (RH_IS_ERR(dmabuf))
		return dmabuf;
	/* The buffer keeps the heap (and its accounting) until released. */
	atomic_fetch_add_explicit(&heap->refcount, 1, memory_order_relaxed);
	rh_dma_buf_set_heap(dmabuf, heap);
	return dmabuf;
}

void rh_dma_heap_buffer_released(struct rh_dma_heap *heap, size_t size)
{
	pthread_mutex_lock(&heap->stats_lock);
	heap->stats.count--;
	heap->stats.bytes -= size;
	heap->stats.frees++;
	pthread_mutex_unlock(&heap->stats_lock);
	rh_dma_heap_put(heap);
}

RH_EXPORT int rh_dma_heap_buffer_alloc(struct rh_dma_heap *heap, size_t len,
				       uint32_t fd_flags, uint64_t heap_flags)
{
	struct rh_dma_buf *dmabuf;
	uint64_t ino;
	int fd;

	dmabuf = rh_dma_heap_buffer_alloc_dmabuf(heap, len, fd_flags, heap_flags);
	if (RH_IS_ERR(dmabuf))
		return (int)RH_PTR_ERR(dmabuf);
	/* Read before the fd owns the buffer: another thread may close it at once. */
	ino = rh_dma_buf_ino(dmabuf);
	fd = rh_dma_buf_fd(dmabuf, (int)fd_flags);
	if (fd < 0)
		/* just return, as put will call release and that will free */
		rh_dma_buf_put(dmabuf);
	else
		RH_TRACE(heap->plat, RH_TRACE_BUFFER_EXPORT, .name = heap->name, .id = ino,
			 .handle = (uint64_t)fd);
	return fd;
}

RH_EXPORT int rh_dma_heap_get_stats(struct rh_dma_heap *heap,
				    struct rh_dma_heap_stats *ret_stats)
{
	if (!heap || !ret_stats)
		return -EINVAL;
	pthread_mutex_lock(&heap->stats_lock);
	*ret_stats = heap->stats;
	pthread_mutex_unlock(&heap->stats_lock);
	return 0;
}
