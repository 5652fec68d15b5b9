// SPDX-License-Identifier: MIT
/* Restricted heap core: lazy init, alloc -> restrict -> export, no CPU access (seed 4-6/9). */
#include "config.h"

#include <errno.h>
#include <pthread.h>

#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/heaps/restricted.h>
#include <rheap/scatterlist.h>

#include "internal.h"
#include "trace/trace.h"

/*
 * drivers/dma-buf/heaps/restricted_heap.c of the seed (v5, identical to
 * jenswi-linaro/linux-1), with two fixes the project policy asks for:
 * heap_init runs under a per-heap lock (v5 races two first allocations),
 * and attach treats sg_dup_table()'s error pointer as the failure it is
 * (v5 tests for NULL).
 */

struct restricted_heap_attachment {
	struct rh_sg_table *table;
	struct rh_device *dev;
};

/* Mirrors: restricted_heap_memory_allocate() */
static int restricted_heap_memory_allocate(struct rh_restricted_heap *rheap,
					   struct rh_restricted_buffer *buf)
{
	const struct rh_restricted_heap_ops *ops = rheap->ops;
	int ret;

	ret = ops->alloc(rheap, buf);
	if (ret)
		return ret;

	if (ops->restrict_buf) {
		ret = ops->restrict_buf(rheap, buf);
		if (ret)
			goto err_free;
	}
	return 0;

err_free:
	ops->free(rheap, buf);
	return ret;
}

/* Mirrors: restricted_heap_memory_free() */
static void restricted_heap_memory_free(struct rh_restricted_heap *rheap,
					struct rh_restricted_buffer *buf)
{
	const struct rh_restricted_heap_ops *ops = rheap->ops;

	if (ops->unrestrict_buf)
		ops->unrestrict_buf(rheap, buf);

	ops->free(rheap, buf);
}

static int restricted_heap_attach(struct rh_dma_buf *dmabuf,
				  struct rh_dma_buf_attachment *attachment)
{
	struct rh_restricted_buffer *buf = rh_dma_buf_priv(dmabuf);
	struct restricted_heap_attachment *a;
	struct rh_sg_table *table;

	a = rh_zalloc(sizeof(*a));
	if (!a)
		return -ENOMEM;

	table = rh_sg_dup_table(&buf->sg_table);
	if (RH_IS_ERR(table)) {
		rh_free(a);
		return (int)RH_PTR_ERR(table);
	}

	/* Importers look at the first entry only (sg_dma_is_restricted(sgt->sgl)). */
	rh_sg_dma_mark_restricted(table->sgl);

	a->table = table;
	a->dev = attachment->dev;
	attachment->priv = a;
	return 0;
}

static void restricted_heap_detach(struct rh_dma_buf *dmabuf,
				   struct rh_dma_buf_attachment *attachment)
{
	struct restricted_heap_attachment *a = attachment->priv;

	rh_sg_dup_table_free(a->table);
	rh_free(a);
}

static struct rh_sg_table *
restricted_heap_map_dma_buf(struct rh_dma_buf_attachment *attachment,
			    enum rh_dma_data_direction direction)
{
	struct restricted_heap_attachment *a = attachment->priv;
	struct rh_sg_table *table = a->table;
	int ret;

	/* The CPU never touches the memory: no cache maintenance. */
	ret = rh_dma_map_sgtable(attachment->dev, table, direction,
				 RH_DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		return RH_ERR_PTR(ret);
	return table;
}

static void restricted_heap_unmap_dma_buf(struct rh_dma_buf_attachment *attachment,
					  struct rh_sg_table *table,
					  enum rh_dma_data_direction direction)
{
	struct restricted_heap_attachment *a = attachment->priv;

	/* WARN_ON() in the seed: report and carry on. */
	if (a->table != table)
		rh_bug_caller(rh_dma_buf_platform(attachment->dmabuf),
			      "restricted heap: unmap of table %p, attachment maps %p",
			      (void *)table, (void *)a->table);

	rh_dma_unmap_sgtable(attachment->dev, table, direction,
			     RH_DMA_ATTR_SKIP_CPU_SYNC);
}

static int restricted_heap_dma_buf_begin_cpu_access(struct rh_dma_buf *dmabuf,
						    enum rh_dma_data_direction direction)
{
	RH_TRACE(rh_dma_buf_platform(dmabuf), RH_TRACE_CPU_ACCESS_DENIED,
		 .name = rh_dma_buf_exp_name(dmabuf), .id = rh_dma_buf_ino(dmabuf),
		 .err = -EPERM, .msg = "begin_cpu_access");
	return -EPERM;
}

static int restricted_heap_dma_buf_end_cpu_access(struct rh_dma_buf *dmabuf,
						  enum rh_dma_data_direction direction)
{
	RH_TRACE(rh_dma_buf_platform(dmabuf), RH_TRACE_CPU_ACCESS_DENIED,
		 .name = rh_dma_buf_exp_name(dmabuf), .id = rh_dma_buf_ino(dmabuf),
		 .err = -EPERM, .msg = "end_cpu_access");
	return -EPERM;
}

static int restricted_heap_dma_buf_mmap(struct rh_dma_buf *dmabuf,
					struct rh_vm_area *vma)
{
	RH_TRACE(rh_dma_buf_platform(dmabuf), RH_TRACE_MMAP_DENIED,
		 .name = rh_dma_buf_exp_name(dmabuf), .id = rh_dma_buf_ino(dmabuf),
		 .err = -EPERM);
	return -EPERM;
}

/* Mirrors: restricted_heap_free(), the dma-buf release op */
static void restricted_heap_free(struct rh_dma_buf *dmabuf)
{
	struct rh_restricted_buffer *buf = rh_dma_buf_priv(dmabuf);
	struct rh_restricted_heap *rheap = rh_dma_heap_get_drvdata(buf->heap);

	restricted_heap_memory_free(rheap, buf);
	/* A no-op after unrestrict_buf/free gave the table back. */
	rh_sg_free_table(&buf->sg_table);
	rh_free(buf);
}

/* No vmap/vunmap: the core refuses rh_dma_buf_vmap() with -EINVAL. */
static const struct rh_dma_buf_ops restricted_heap_buf_ops = {
	.attach = restricted_heap_attach,
	.detach = restricted_heap_detach,
	.map_dma_buf = restricted_heap_map_dma_buf,
	.unmap_dma_buf = restricted_heap_unmap_dma_buf,
	.begin_cpu_access = restricted_heap_dma_buf_begin_cpu_access,
	.end_cpu_access = restricted_heap_dma_buf_end_cpu_access,
	.mmap = restricted_heap_dma_buf_mmap,
	.release = restricted_heap_free,
};

static int restricted_heap_init_locked(struct rh_restricted_heap *rheap)
{
	int ret;

	pthread_mutex_lock(&rheap->init_lock);
	ret = rheap->ops->heap_init(rheap);
	pthread_mutex_unlock(&rheap->init_lock);
	return ret;
}

/* Mirrors: restricted_heap_allocate() */
static struct rh_dma_buf *
restricted_heap_allocate(struct rh_dma_heap *heap, unsigned long size,
			 uint32_t fd_flags, uint64_t heap_flags)
{
	struct rh_restricted_heap *rheap = rh_dma_heap_get_drvdata(heap);
	const struct rh_restricted_heap_ops *ops = rheap->ops;
	RH_DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct rh_restricted_buffer *buf;
	struct rh_dma_buf *dmabuf;
	int ret;

	/*
	 * The TEE that protects the memory may come up after the heap is
	 * registered, so its setup waits for the first allocation (v5); unlike
	 * v5 it is serialised and retried after a failure.
	 */
	if (ops->heap_init) {
		ret = restricted_heap_init_locked(rheap);
		if (ret)
			return RH_ERR_PTR(ret);
	}

	buf = rh_zalloc(sizeof(*buf));
	if (!buf)
		return RH_ERR_PTR(-ENOMEM);

	buf->size = (size_t)RH_PAGE_ALIGN((uint64_t)size);
	buf->heap = heap;

	ret = restricted_heap_memory_allocate(rheap, buf);
	if (ret)
		goto err_free_buf;

	exp_info.exp_name = rh_dma_heap_get_name(heap);
	exp_info.owner = rheap->plat;
	exp_info.ops = &restricted_heap_buf_ops;
	exp_info.size = buf->size;
	exp_info.flags = (int)fd_flags;
	exp_info.priv = buf;

	dmabuf = rh_dma_buf_export(&exp_info);
	if (RH_IS_ERR(dmabuf)) {
		ret = (int)RH_PTR_ERR(dmabuf);
		goto err_free_restricted_mem;
	}

	return dmabuf;

err_free_restricted_mem:
	restricted_heap_memory_free(rheap, buf);
err_free_buf:
	rh_sg_free_table(&buf->sg_table);
	rh_free(buf);
	return RH_ERR_PTR(ret);
}

static const struct rh_dma_heap_ops rheap_ops = {
	.allocate = restricted_heap_allocate,
};

RH_EXPORT int rh_restricted_heap_add(struct rh_platform *plat,
				     struct rh_restricted_heap *rheap)
{
	struct rh_dma_heap_export_info exp_info;
	struct rh_dma_heap *heap;

	if (!plat || !rheap)
		return -EINVAL;
	if (!rheap->name || !rheap->ops || !rheap->ops->alloc ||
	    !rheap->ops->free) {
		rh_bug_caller(plat, "restricted heap %s: no name, ops, alloc or free",
			      rheap->name ? rheap->name : "?");
		return -EINVAL;
	}
	if (rheap->heap) {
		rh_bug_caller(plat, "restricted heap %s is already registered",
			      rheap->name);
		return -EINVAL;
	}

	pthread_mutex_init(&rheap->init_lock, NULL);
	rheap->plat = plat;

	exp_info.name = rheap->name;
	exp_info.ops = &rheap_ops;
	exp_info.priv = rheap;

	heap = rh_dma_heap_add(plat, &exp_info);
	if (RH_IS_ERR(heap)) {
		rheap->plat = NULL;
		pthread_mutex_destroy(&rheap->init_lock);
		return (int)RH_PTR_ERR(heap);
	}
	rheap->heap = heap;
	return 0;
}

RH_EXPORT struct rh_restricted_buffer *
rh_restricted_buffer_get(const struct rh_dma_buf *dmabuf)
{
	if (!dmabuf || rh_dma_buf_get_ops(dmabuf) != &restricted_heap_buf_ops)
		return NULL;
	return rh_dma_buf_priv(dmabuf);
}
