// SPDX-License-Identifier: MIT
/* dma-buf core: buffer objects, lifetime, attachments, CPU access, bufinfo (drivers/dma-buf/dma-buf.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/queue.h>

#include <rheap/dma-buf.h>
#include <rheap/scatterlist.h>

#include "dma-buf/dmabuf-internal.h"
#include "internal.h"
#include "trace/sim.h"
#include "trace/trace.h"

/* The core's bookkeeping around the attachment importers and exporters see. */
struct dma_buf_attach_node {
	struct rh_dma_buf_attachment pub;
	TAILQ_ENTRY(dma_buf_attach_node) node;
	unsigned int map_count; /* live map_attachment calls */
};

struct rh_dma_buf {
	struct rh_platform *plat;
	const struct rh_dma_buf_ops *ops;
	size_t size;
	const char *exp_name;
	void *priv;
	uint64_t ino;
	int f_flags;
	unsigned int f_mode;

	/* fds, mappings and gets: the kernel's file_count(dmabuf->file). */
	atomic_long file_count;
	/*
	 * What keeps the object itself alive: 1 while file_count > 0, plus one
	 * per attachment, plus one while a vmap is active. Release runs when
	 * it reaches 0, so an importer that forgets to detach cannot make the
	 * exporter free memory that is still mapped.
	 */
	atomic_long kref;

	pthread_mutex_t lock; /* attachments, vmap, name (the kernel's resv lock + name_lock) */
	TAILQ_HEAD(, dma_buf_attach_node) attachments;
	unsigned int nr_attachments;
	unsigned int vmapping_counter;
	void *vmap_ptr;
	bool has_name;
	char name[RH_DMA_BUF_NAME_LEN];

	struct rh_dma_heap *heap; /* set when allocated through a heap */
	TAILQ_ENTRY(rh_dma_buf) list_node;
};

/* Per-platform state: the kernel's db_list and dmabuf_inode counter. */
struct rh_dma_buf_core {
	pthread_mutex_t lock;
	TAILQ_HEAD(, rh_dma_buf) list; /* newest first, as list_add() */
	struct rh_dma_buf_stats stats; /* count/bytes/peaks/exported/released under lock */
	atomic_uint_fast64_t next_ino;
	atomic_uint_fast64_t release_errors;
};

int rh_dma_buf_core_init(struct rh_platform *plat)
{
	struct rh_dma_buf_core *core;

	core = rh_zalloc(sizeof(*core));
	if (!core)
		return -ENOMEM;
	pthread_mutex_init(&core->lock, NULL);
	TAILQ_INIT(&core->list);
	atomic_init(&core->next_ino, 0);
	atomic_init(&core->release_errors, 0);
	plat->dmabufs = core;
	return 0;
}

void rh_dma_buf_core_fini(struct rh_platform *plat)
{
	struct rh_dma_buf_core *core = plat->dmabufs;
	struct rh_dma_buf *dmabuf;

	if (!core)
		return;
	/*
	 * The file table is gone by now, so whatever is left is held by a get
	 * reference, an attachment or a vmap somebody forgot. Those objects
	 * are leaked on purpose: their owners may still touch them.
	 */
	TAILQ_FOREACH(dmabuf, &core->list, list_node)
		rh_err(plat, "dma-buf: %s buffer ino %" PRIu64 " (%zu bytes) leaked: count %ld",
		       dmabuf->exp_name, dmabuf->ino, dmabuf->size,
		       atomic_load(&dmabuf->file_count));
	pthread_mutex_destroy(&core->lock);
	rh_free(core);
	plat->dmabufs = NULL;
}

RH_EXPORT struct rh_dma_buf *
rh_dma_buf_export(const struct rh_dma_buf_export_info *exp_info)
{
	const struct rh_dma_buf_ops *ops;
	struct rh_dma_buf_core *core;
	struct rh_dma_buf *dmabuf;

	if (!exp_info || !exp_info->owner)
		return RH_ERR_PTR(-EINVAL);
	ops = exp_info->ops;
	if (!exp_info->priv || !ops || !ops->map_dma_buf ||
	    !ops->unmap_dma_buf || !ops->release) {
		rh_err(exp_info->owner,
		       "caller bug: dma-buf: export by %s without priv or mandatory ops",
		       exp_info->exp_name ? exp_info->exp_name : "?");
		return RH_ERR_PTR(-EINVAL);
	}
	/* As with CONFIG_DMABUF_SYSFS_STATS: the exporter must have a name. */
	if (!exp_info->exp_name) {
		rh_err(exp_info->owner, "caller bug: dma-buf: exporter name must not be empty");
		return RH_ERR_PTR(-EINVAL);
	}
	core = exp_info->owner->dmabufs;
	if (!core)
		return RH_ERR_PTR(-EINVAL);

	dmabuf = rh_zalloc(sizeof(*dmabuf));
	if (!dmabuf)
		return RH_ERR_PTR(-ENOMEM);
	dmabuf->plat = exp_info->owner;
	dmabuf->ops = ops;
	dmabuf->size = exp_info->size;
	dmabuf->exp_name = exp_info->exp_name;
	dmabuf->priv = exp_info->priv;
	dmabuf->f_flags = exp_info->flags;
	/* OPEN_FMODE() + the bits alloc_file() adds for a seekable pseudo file. */
	dmabuf->f_mode = (((unsigned int)exp_info->flags + 1) & O_ACCMODE) |
			 RH_FMODE_LSEEK | RH_FMODE_OPENED;
	atomic_init(&dmabuf->file_count, 1);
	atomic_init(&dmabuf->kref, 1);
	pthread_mutex_init(&dmabuf->lock, NULL);
	TAILQ_INIT(&dmabuf->attachments);
	dmabuf->ino = atomic_fetch_add(&core->next_ino, 1) + 1;

	pthread_mutex_lock(&core->lock);
	TAILQ_INSERT_HEAD(&core->list, dmabuf, list_node);
	core->stats.count++;
	core->stats.bytes += dmabuf->size;
	core->stats.exported++;
	if (core->stats.count > core->stats.peak_count)
		core->stats.peak_count = core->stats.count;
	if (core->stats.bytes > core->stats.peak_bytes)
		core->stats.peak_bytes = core->stats.bytes;
	pthread_mutex_unlock(&core->lock);
	/* A buffer may outlive its users' platform reference: hold it. */
	rh_platform_hold(dmabuf->plat);
	return dmabuf;
}

/* The last reference of any kind is gone: dma_buf_release(). */
static void dma_buf_release(struct rh_dma_buf *dmabuf)
{
	struct rh_dma_buf_core *core = dmabuf->plat->dmabufs;
	struct rh_platform *plat = dmabuf->plat;
	struct rh_dma_heap *heap = dmabuf->heap;
	size_t size = dmabuf->size;

	pthread_mutex_lock(&core->lock);
	TAILQ_REMOVE(&core->list, dmabuf, list_node);
	core->stats.count--;
	core->stats.bytes -= size;
	core->stats.released++;
	pthread_mutex_unlock(&core->lock);

	RH_TRACE(dmabuf->plat, RH_TRACE_BUFFER_FREE, .name = dmabuf->exp_name,
		 .id = dmabuf->ino, .size = size);
	dmabuf->ops->release(dmabuf);
	/* The heap's accounting follows the memory, which is free only now. */
	if (heap)
		rh_dma_heap_buffer_released(heap, size);
	pthread_mutex_destroy(&dmabuf->lock);
	rh_free(dmabuf);
	rh_platform_release(plat);
}

static void dma_buf_kref_put(struct rh_dma_buf *dmabuf)
{
	if (atomic_fetch_sub_explicit(&dmabuf->kref, 1, memory_order_acq_rel) == 1)
		dma_buf_release(dmabuf);
}

/* The last fd, mapping or get is gone: dma_buf_file_release(). */
static void dma_buf_file_release(struct rh_dma_buf *dmabuf)
{
	unsigned int attachments, vmaps;

	pthread_mutex_lock(&dmabuf->lock);
	attachments = dmabuf->nr_attachments;
	vmaps = dmabuf->vmapping_counter;
	pthread_mutex_unlock(&dmabuf->lock);
	if (attachments || vmaps) {
		/* The kernel WARNs (attachments) or BUGs (vmaps) here. */
		atomic_fetch_add(&dmabuf->plat->dmabufs->release_errors, 1);
		rh_err(dmabuf->plat,
		       "dma-buf: %s buffer ino %" PRIu64 " released with %u attachment(s) and %u vmap(s) still alive",
		       dmabuf->exp_name, dmabuf->ino, attachments, vmaps);
	}
	dma_buf_kref_put(dmabuf);
}

RH_EXPORT void rh_get_dma_buf(struct rh_dma_buf *dmabuf)
{
	long old;

	if (!dmabuf)
		return;
	old = atomic_load_explicit(&dmabuf->file_count, memory_order_relaxed);
	do {
		if (old <= 0) {
			rh_err(dmabuf->plat,
			       "caller bug: dma-buf: get of buffer ino %" PRIu64 " whose last reference is gone",
			       dmabuf->ino);
			return;
		}
	} while (!atomic_compare_exchange_weak_explicit(&dmabuf->file_count, &old,
							old + 1,
							memory_order_relaxed,
							memory_order_relaxed));
}

RH_EXPORT void rh_dma_buf_put(struct rh_dma_buf *dmabuf)
{
	long old;

	if (!dmabuf)
		return;
	old = atomic_fetch_sub_explicit(&dmabuf->file_count, 1, memory_order_acq_rel);
	if (old > 1)
		return;
	if (old < 1) {
		atomic_fetch_add(&dmabuf->file_count, 1);
		rh_err(dmabuf->plat, "caller bug: dma-buf: put of buffer ino %" PRIu64 " without a reference",
			      dmabuf->ino);
		return;
	}
	dma_buf_file_release(dmabuf);
}

static bool valid_direction(enum rh_dma_data_direction dir)
{
	return dir == RH_DMA_BIDIRECTIONAL || dir == RH_DMA_TO_DEVICE ||
	       dir == RH_DMA_FROM_DEVICE;
}

RH_EXPORT struct rh_dma_buf_attachment *
rh_dma_buf_attach(struct rh_dma_buf *dmabuf, struct rh_device *dev)
{
	struct dma_buf_attach_node *a;
	int ret;

	if (!dmabuf || !dev)
		return RH_ERR_PTR(-EINVAL);
	if (rh_device_platform(dev) != dmabuf->plat) {
		rh_err(dmabuf->plat, "caller bug: dma-buf: attach of device %s of another platform",
			      rh_device_name(dev));
		return RH_ERR_PTR(-EINVAL);
	}
	a = rh_zalloc(sizeof(*a));
	if (!a)
		return RH_ERR_PTR(-ENOMEM);
	a->pub.dmabuf = dmabuf;
	a->pub.dev = dev;
	if (dmabuf->ops->attach) {
		ret = dmabuf->ops->attach(dmabuf, &a->pub);
		if (ret)
			goto err_free;
	}
	atomic_fetch_add_explicit(&dmabuf->kref, 1, memory_order_relaxed);
	pthread_mutex_lock(&dmabuf->lock);
	TAILQ_INSERT_TAIL(&dmabuf->attachments, a, node);
	dmabuf->nr_attachments++;
	pthread_mutex_unlock(&dmabuf->lock);
	RH_TRACE(dmabuf->plat, RH_TRACE_ATTACH, .track = RH_TRACE_TRACK_DEVICE,
		 .track_name = rh_device_name(dev), .name = dmabuf->exp_name, .id = dmabuf->ino);
	return &a->pub;

err_free:
	rh_free(a);
	RH_TRACE(dmabuf->plat, RH_TRACE_ATTACH, .track = RH_TRACE_TRACK_DEVICE,
		 .track_name = rh_device_name(dev), .name = dmabuf->exp_name, .id = dmabuf->ino,
		 .err = ret);
	return RH_ERR_PTR(ret);
}

RH_EXPORT void rh_dma_buf_detach(struct rh_dma_buf *dmabuf,
				 struct rh_dma_buf_attachment *attach)
{
	struct dma_buf_attach_node *a;

	if (!dmabuf || !attach || attach->dmabuf != dmabuf) {
		rh_err(dmabuf ? dmabuf->plat : NULL,
		       "caller bug: dma-buf: detach with a NULL or foreign attachment");
		return;
	}
	a = rh_container_of(attach, struct dma_buf_attach_node, pub);
	pthread_mutex_lock(&dmabuf->lock);
	TAILQ_REMOVE(&dmabuf->attachments, a, node);
	dmabuf->nr_attachments--;
	pthread_mutex_unlock(&dmabuf->lock);
	if (a->map_count)
		rh_err(dmabuf->plat, "caller bug: dma-buf: %s detached from buffer ino %" PRIu64
			      " with %u mapping(s) alive",
			      rh_device_name(attach->dev), dmabuf->ino, a->map_count);
	if (dmabuf->ops->detach)
		dmabuf->ops->detach(dmabuf, attach);
	RH_TRACE(dmabuf->plat, RH_TRACE_DETACH, .track = RH_TRACE_TRACK_DEVICE,
		 .track_name = rh_device_name(attach->dev), .name = dmabuf->exp_name,
		 .id = dmabuf->ino);
	rh_free(a);
	dma_buf_kref_put(dmabuf);
}

RH_EXPORT struct rh_sg_table *
rh_dma_buf_map_attachment(struct rh_dma_buf_attachment *attach,
			  enum rh_dma_data_direction dir)
{
	struct dma_buf_attach_node *a;
	struct rh_scatterlist *sg;
	struct rh_dma_buf *dmabuf;
	struct rh_sg_table *sgt;
	unsigned int i;

	if (!attach || !attach->dmabuf || !valid_direction(dir))
		return RH_ERR_PTR(-EINVAL);
	dmabuf = attach->dmabuf;
	a = rh_container_of(attach, struct dma_buf_attach_node, pub);
	sgt = dmabuf->ops->map_dma_buf(attach, dir);
	if (!sgt)
		sgt = RH_ERR_PTR(-ENOMEM);
	if (RH_IS_ERR(sgt))
		return sgt;

	/* What CONFIG_DMA_API_DEBUG reports (importers assume page alignment). */
	rh_for_each_sgtable_dma_sg(sgt, sg, i) {
		if (!RH_IS_ALIGNED(rh_sg_dma_address(sg), RH_PAGE_SIZE) ||
		    !RH_IS_ALIGNED(rh_sg_dma_len(sg), RH_PAGE_SIZE))
			rh_dbg(dmabuf->plat, "dma-buf: addr %#" PRIx64 " or len %#x is not page aligned!",
			       rh_sg_dma_address(sg), rh_sg_dma_len(sg));
	}

	pthread_mutex_lock(&dmabuf->lock);
	a->map_count++;
	pthread_mutex_unlock(&dmabuf->lock);
	rh_sim_charge(dmabuf->plat, RH_SIM_DMA_MAP, sgt->nents);
	RH_TRACE(dmabuf->plat, RH_TRACE_MAP, .track = RH_TRACE_TRACK_DEVICE,
		 .track_name = rh_device_name(attach->dev), .name = dmabuf->exp_name,
		 .id = dmabuf->ino, .pa = sgt->nents ? rh_sg_dma_address(sgt->sgl) : 0,
		 .size = dmabuf->size, .count = sgt->nents,
		 .secure = rh_sg_dma_is_restricted(sgt->sgl));
	return sgt;
}

RH_EXPORT void rh_dma_buf_unmap_attachment(struct rh_dma_buf_attachment *attach,
					   struct rh_sg_table *sgt,
					   enum rh_dma_data_direction dir)
{
	struct dma_buf_attach_node *a;
	struct rh_dma_buf *dmabuf;
	bool mapped;

	if (!attach || !attach->dmabuf || RH_IS_ERR_OR_NULL(sgt))
		return;
	dmabuf = attach->dmabuf;
	a = rh_container_of(attach, struct dma_buf_attach_node, pub);
	pthread_mutex_lock(&dmabuf->lock);
	mapped = a->map_count > 0;
	if (mapped)
		a->map_count--;
	pthread_mutex_unlock(&dmabuf->lock);
	if (!mapped) {
		rh_err(dmabuf->plat, "caller bug: dma-buf: unmap of an unmapped attachment of %s",
			      rh_device_name(attach->dev));
		return;
	}
	dmabuf->ops->unmap_dma_buf(attach, sgt, dir);
	RH_TRACE(dmabuf->plat, RH_TRACE_UNMAP, .track = RH_TRACE_TRACK_DEVICE,
		 .track_name = rh_device_name(attach->dev), .name = dmabuf->exp_name,
		 .id = dmabuf->ino);
}

/* Begin (@end false) or end CPU access: the exporter's hook, 0 without one. */
static int dma_buf_cpu_access(struct rh_dma_buf *dmabuf,
			      enum rh_dma_data_direction dir, bool end)
{
	int (*op)(struct rh_dma_buf *dmabuf, enum rh_dma_data_direction dir);

	if (!dmabuf || !valid_direction(dir))
		return -EINVAL;
	op = end ? dmabuf->ops->end_cpu_access : dmabuf->ops->begin_cpu_access;
	/* No fences in the simulation: nothing to wait for after the op. */
	return op ? op(dmabuf, dir) : 0;
}

RH_EXPORT int rh_dma_buf_begin_cpu_access(struct rh_dma_buf *dmabuf,
					  enum rh_dma_data_direction dir)
{
	return dma_buf_cpu_access(dmabuf, dir, false);
}

RH_EXPORT int rh_dma_buf_end_cpu_access(struct rh_dma_buf *dmabuf,
					enum rh_dma_data_direction dir)
{
	return dma_buf_cpu_access(dmabuf, dir, true);
}

int rh_dma_buf_mmap_internal(struct rh_dma_buf *dmabuf, struct rh_vm_area *vma)
{
	/* check if buffer supports mmap */
	if (!dmabuf->ops->mmap)
		return -EINVAL;
	/* check for overflowing the buffer's size */
	if (vma->vm_pgoff + rh_vma_pages(vma) < vma->vm_pgoff ||
	    vma->vm_pgoff + rh_vma_pages(vma) > dmabuf->size >> RH_PAGE_SHIFT)
		return -EINVAL;
	vma->vm_dmabuf = dmabuf;
	return dmabuf->ops->mmap(dmabuf, vma);
}

RH_EXPORT int rh_dma_buf_mmap(struct rh_dma_buf *dmabuf,
			      struct rh_vm_area *vma, unsigned long pgoff)
{
	if (!dmabuf || !vma || vma->vm_end < vma->vm_start)
		return -EINVAL;
	/* check if buffer supports mmap */
	if (!dmabuf->ops->mmap)
		return -EINVAL;
	/* check for offset overflow */
	if (pgoff + rh_vma_pages(vma) < pgoff)
		return -EOVERFLOW;
	/* check for overflowing the buffer's size */
	if (pgoff + rh_vma_pages(vma) > dmabuf->size >> RH_PAGE_SHIFT)
		return -EINVAL;
	vma->vm_pgoff = pgoff;
	vma->vm_dmabuf = dmabuf;
	return dmabuf->ops->mmap(dmabuf, vma);
}

RH_EXPORT int rh_remap_phys_range(struct rh_vm_area *vma, uintptr_t addr,
				  rh_phys_addr_t pa, size_t size)
{
	if (!vma || !vma->vm_dmabuf || !size ||
	    !RH_IS_ALIGNED(addr, RH_PAGE_SIZE) || !RH_IS_ALIGNED(size, RH_PAGE_SIZE) ||
	    !RH_IS_ALIGNED(pa, RH_PAGE_SIZE) || addr < vma->vm_start ||
	    addr > vma->vm_end || size > vma->vm_end - addr)
		return -EINVAL;
	/*
	 * A MAP_SHARED mapping of the DRAM memfd at @pa, registered with the
	 * platform: the firewall protects it with every other CPU mapping of
	 * the same pages (PROT_NONE there, now or when they are lent later),
	 * and the core unregisters it when it unmaps the vma.
	 */
	return rh_phys_map_alias(vma->vm_dmabuf->plat, (void *)addr, pa, size,
				 vma->vm_prot);
}

RH_EXPORT int rh_unmap_phys_range(struct rh_platform *plat, void *addr, size_t size)
{
	return rh_phys_unmap_alias(plat, addr, size);
}

RH_EXPORT int rh_dma_buf_vmap(struct rh_dma_buf *dmabuf, void **ret_vaddr)
{
	void *vaddr;
	int ret;

	if (!dmabuf || !ret_vaddr)
		return -EINVAL;
	if (!dmabuf->ops->vmap)
		return -EINVAL;
	pthread_mutex_lock(&dmabuf->lock);
	if (dmabuf->vmapping_counter) {
		dmabuf->vmapping_counter++;
		*ret_vaddr = dmabuf->vmap_ptr;
		pthread_mutex_unlock(&dmabuf->lock);
		return 0;
	}
	ret = dmabuf->ops->vmap(dmabuf, &vaddr);
	if (ret) {
		pthread_mutex_unlock(&dmabuf->lock);
		return ret;
	}
	dmabuf->vmap_ptr = vaddr;
	dmabuf->vmapping_counter = 1;
	atomic_fetch_add_explicit(&dmabuf->kref, 1, memory_order_relaxed);
	pthread_mutex_unlock(&dmabuf->lock);
	*ret_vaddr = vaddr;
	return 0;
}

RH_EXPORT void rh_dma_buf_vunmap(struct rh_dma_buf *dmabuf, void *vaddr)
{
	bool last = false;

	if (!dmabuf)
		return;
	pthread_mutex_lock(&dmabuf->lock);
	if (!dmabuf->vmapping_counter || vaddr != dmabuf->vmap_ptr) {
		pthread_mutex_unlock(&dmabuf->lock);
		/* The kernel BUG()s here. */
		rh_err(dmabuf->plat, "caller bug: dma-buf: vunmap of %p, not the active vmap of buffer ino %" PRIu64,
			      vaddr, dmabuf->ino);
		return;
	}
	if (--dmabuf->vmapping_counter == 0) {
		if (dmabuf->ops->vunmap)
			dmabuf->ops->vunmap(dmabuf, vaddr);
		dmabuf->vmap_ptr = NULL;
		last = true;
	}
	pthread_mutex_unlock(&dmabuf->lock);
	if (last)
		dma_buf_kref_put(dmabuf);
}

RH_EXPORT int rh_dma_buf_set_name(struct rh_dma_buf *dmabuf, const char *name)
{
	size_t len;

	if (!dmabuf)
		return -EINVAL;
	/* strndup_user(name, DMA_BUF_NAME_LEN): a bad pointer, then a too long string. */
	if (!name)
		return -EFAULT;
	len = strnlen(name, RH_DMA_BUF_NAME_LEN);
	if (len >= RH_DMA_BUF_NAME_LEN)
		return -EINVAL;
	pthread_mutex_lock(&dmabuf->lock);
	memcpy(dmabuf->name, name, len + 1);
	dmabuf->has_name = true;
	pthread_mutex_unlock(&dmabuf->lock);
	return 0;
}

RH_EXPORT int rh_dma_buf_get_name(struct rh_dma_buf *dmabuf, char *ret_name)
{
	int ret = 0;

	if (!dmabuf || !ret_name)
		return -EINVAL;
	pthread_mutex_lock(&dmabuf->lock);
	if (dmabuf->has_name)
		memcpy(ret_name, dmabuf->name, sizeof(dmabuf->name));
	else
		ret = -ENOENT;
	pthread_mutex_unlock(&dmabuf->lock);
	return ret;
}

RH_EXPORT void *rh_dma_buf_priv(const struct rh_dma_buf *dmabuf)
{
	return dmabuf ? dmabuf->priv : NULL;
}

RH_EXPORT size_t rh_dma_buf_size(const struct rh_dma_buf *dmabuf)
{
	return dmabuf ? dmabuf->size : 0;
}

RH_EXPORT const char *rh_dma_buf_exp_name(const struct rh_dma_buf *dmabuf)
{
	return dmabuf ? dmabuf->exp_name : NULL;
}

RH_EXPORT const struct rh_dma_buf_ops *rh_dma_buf_get_ops(const struct rh_dma_buf *dmabuf)
{
	return dmabuf ? dmabuf->ops : NULL;
}

RH_EXPORT uint64_t rh_dma_buf_ino(const struct rh_dma_buf *dmabuf)
{
	return dmabuf ? dmabuf->ino : 0;
}

RH_EXPORT struct rh_platform *rh_dma_buf_platform(const struct rh_dma_buf *dmabuf)
{
	return dmabuf ? dmabuf->plat : NULL;
}

RH_EXPORT long rh_dma_buf_file_count(const struct rh_dma_buf *dmabuf)
{
	return dmabuf ? atomic_load(&dmabuf->file_count) : 0;
}

int rh_dma_buf_f_flags(const struct rh_dma_buf *dmabuf)
{
	return dmabuf->f_flags;
}

unsigned int rh_dma_buf_f_mode(const struct rh_dma_buf *dmabuf)
{
	return dmabuf->f_mode;
}

void rh_dma_buf_set_heap(struct rh_dma_buf *dmabuf, struct rh_dma_heap *heap)
{
	dmabuf->heap = heap;
}

RH_EXPORT int rh_dma_buf_get_stats(struct rh_platform *plat,
				   struct rh_dma_buf_stats *ret_stats)
{
	struct rh_dma_buf_core *core;

	if (!plat || !ret_stats || !plat->dmabufs)
		return -EINVAL;
	core = plat->dmabufs;
	pthread_mutex_lock(&core->lock);
	*ret_stats = core->stats;
	pthread_mutex_unlock(&core->lock);
	ret_stats->release_errors = atomic_load(&core->release_errors);
	return 0;
}

RH_EXPORT int rh_dma_buf_bufinfo(struct rh_platform *plat, FILE *out)
{
	struct dma_buf_attach_node *a;
	struct rh_dma_buf_core *core;
	struct rh_dma_buf *dmabuf;
	unsigned int attach_count;
	size_t size = 0;
	int count = 0;

	if (!plat || !out || !plat->dmabufs)
		return -EINVAL;
	core = plat->dmabufs;
	pthread_mutex_lock(&core->lock);
	fputs("\nDma-buf Objects:\n", out);
	fprintf(out, "%-8s\t%-8s\t%-8s\t%-8s\texp_name\t%-8s\tname\n",
		"size", "flags", "mode", "count", "ino");
	TAILQ_FOREACH(dmabuf, &core->list, list_node) {
		pthread_mutex_lock(&dmabuf->lock);
		fprintf(out, "%08zu\t%08x\t%08x\t%08ld\t%s\t%08" PRIu64 "\t%s\n",
			dmabuf->size, (unsigned int)dmabuf->f_flags,
			dmabuf->f_mode, atomic_load(&dmabuf->file_count),
			dmabuf->exp_name, dmabuf->ino,
			dmabuf->has_name ? dmabuf->name : "<none>");
		/* dma_resv_describe(): no fences in the simulation. */
		fputs("\tAttached Devices:\n", out);
		attach_count = 0;
		TAILQ_FOREACH(a, &dmabuf->attachments, node) {
			fprintf(out, "\t%s\n", rh_device_name(a->pub.dev));
			attach_count++;
		}
		pthread_mutex_unlock(&dmabuf->lock);
		fprintf(out, "Total %u devices attached\n\n", attach_count);
		count++;
		size += dmabuf->size;
	}
	fprintf(out, "\nTotal %d objects, %zu bytes\n", count, size);
	pthread_mutex_unlock(&core->lock);
	return ferror(out) ? -EIO : 0;
}
