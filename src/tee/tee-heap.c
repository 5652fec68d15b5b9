// SPDX-License-Identifier: MIT
/* The TEE subsystem's protected dma-heaps: registry per use case, buffers, static pool (drivers/tee/tee_heap.c). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/phys.h>
#include <rheap/replay.h>
#include <rheap/scatterlist.h>
#include <rheap/tee-backend.h>
#include <rheap/tee-heap.h>

#include "internal.h"
#include "lib/genalloc.h"
#include "tee/tee-heap.h"
#include "trace/trace.h"

/*
 * Linux 6.18's drivers/tee/tee_heap.c: one dma-heap per use case, kept in
 * a registry keyed by id; a TEE device binds a pool to it at probe. The
 * heap is refcounted: the registration holds one reference, each buffer
 * another; a TEE device going away drops the registration's
 * (tee_device_put_all_dma_heaps()) and the heap lets go of the device and
 * destroys the pool with the last reference, after which another device
 * may bind it again. The dma-heap itself stays registered for good, as
 * dma-heaps cannot be removed.
 *
 * A buffer is one contiguous entry. Its dma-buf ops are upstream's exactly:
 * attach copies the table, map/unmap use DMA_ATTR_SKIP_CPU_SYNC, and there
 * is no mmap, begin/end_cpu_access or vmap op, so the dma-buf core answers
 * for them (mmap: -EINVAL, DMA_BUF_IOCTL_SYNC: 0, vmap: -EINVAL) where the
 * MediaTek heaps answer -EPERM. No normal-world code ever maps the memory.
 */

#define TEE_HEAP_NR_IDS 4 /* index = use case; 0 unused */

struct tee_dma_heap {
	struct rh_platform *plat;
	struct rh_dma_heap *heap;
	uint32_t id;
	/* Protects kref, pool, teedev, shutting_down, binds (the kernel's mu). */
	pthread_mutex_t mu;
	unsigned int kref;
	struct rh_tee_protmem_pool *pool;
	struct rh_tee_device *teedev;
	bool shutting_down;
	unsigned int binds;
};

struct tee_heap_buffer {
	struct tee_dma_heap *heap;
	size_t size;
	size_t offs;
	struct rh_sg_table table;
};

struct tee_heap_attachment {
	struct rh_sg_table table;
	struct rh_device *dev;
};

struct rh_tee_heap_registry {
	pthread_mutex_t lock;
	struct tee_dma_heap *heaps[TEE_HEAP_NR_IDS];
};

static const struct rh_dma_buf_ops tee_heap_buf_ops;

RH_EXPORT const char *rh_tee_dma_heap_name(uint32_t id)
{
	switch (id) {
	case RH_TEE_DMA_HEAP_SECURE_VIDEO_PLAY:
		return RH_TEE_HEAP_SECURE_VIDEO_NAME;
	case RH_TEE_DMA_HEAP_TRUSTED_UI:
		return RH_TEE_HEAP_TRUSTED_UI_NAME;
	case RH_TEE_DMA_HEAP_SECURE_VIDEO_RECORD:
		return RH_TEE_HEAP_SECURE_VIDEO_RECORD_NAME;
	default:
		return NULL;
	}
}

RH_EXPORT const char *rh_tee_dma_heap_of_role(const char *role)
{
	static const struct {
		const char *role;
		uint32_t id;
	} roles[] = {
		{ "bitstream", RH_TEE_DMA_HEAP_SECURE_VIDEO_PLAY },
		{ "frame", RH_TEE_DMA_HEAP_SECURE_VIDEO_PLAY },
		{ "working", RH_TEE_DMA_HEAP_SECURE_VIDEO_PLAY },
		{ "record", RH_TEE_DMA_HEAP_SECURE_VIDEO_RECORD },
		{ "encode", RH_TEE_DMA_HEAP_SECURE_VIDEO_RECORD },
		{ "ui", RH_TEE_DMA_HEAP_TRUSTED_UI },
		{ "overlay", RH_TEE_DMA_HEAP_TRUSTED_UI },
	};
	unsigned int i;

	for (i = 0; role && i < RH_ARRAY_SIZE(roles); i++)
		if (!strcmp(role, roles[i].role))
			return rh_tee_dma_heap_name(roles[i].id);
	return NULL;
}

RH_EXPORT const char *rh_tee_heap_replay_map(void *data, const struct rh_replay_event *ev)
{
	const char *heap;

	(void)data;
	if (!ev || !ev->heap || strncmp(ev->heap, "restricted_mtk_", strlen("restricted_mtk_")))
		return NULL;
	heap = rh_tee_dma_heap_of_role(ev->role);
	return heap ? heap : RH_TEE_HEAP_SECURE_VIDEO_NAME;
}

int rh_tee_heap_registry_init(struct rh_platform *plat)
{
	struct rh_tee_heap_registry *reg;

	reg = rh_zalloc(sizeof(*reg));
	if (!reg)
		return -ENOMEM;
	pthread_mutex_init(&reg->lock, NULL);
	plat->tee_heaps = reg;
	return 0;
}

void rh_tee_heap_registry_fini(struct rh_platform *plat)
{
	struct rh_tee_heap_registry *reg = plat->tee_heaps;
	struct tee_dma_heap *h;
	unsigned int i;

	if (!reg)
		return;
	for (i = 0; i < TEE_HEAP_NR_IDS; i++) {
		h = reg->heaps[i];
		if (!h)
			continue;
		/*
		 * The TEE drivers are gone by now; a heap still bound has
		 * buffers somebody leaked, which keep it and its pool: leaked
		 * with them (their release may still come).
		 */
		if (h->teedev) {
			rh_err(plat, "tee_heap: %s still has %u reference(s) at teardown",
			       rh_dma_heap_get_name(h->heap), h->kref);
			continue;
		}
		pthread_mutex_destroy(&h->mu);
		rh_free(h);
	}
	pthread_mutex_destroy(&reg->lock);
	rh_free(reg);
	plat->tee_heaps = NULL;
}

/* ------------------------------------------------------------ references */

/* The last reference: the pool and the device go. Under h->mu. */
static void tee_heap_release(struct tee_dma_heap *h)
{
	h->pool->ops->destroy_pool(h->pool);
	rh_tee_device_put(h->teedev);
	h->pool = NULL;
	h->teedev = NULL;
}

/* Under h->mu. */
static void put_tee_heap(struct tee_dma_heap *h)
{
	if (!--h->kref)
		tee_heap_release(h);
}

/* ------------------------------------------------------------ buffers */

/* Mirrors: copy_sg_table() (tee_heap.c; the same as sg_dup_table()) */
static int copy_sg_table(struct rh_sg_table *dst, const struct rh_sg_table *src)
{
	struct rh_scatterlist *src_sg, *dst_sg;
	unsigned int i;
	int ret;

	ret = rh_sg_alloc_table(dst, src->orig_nents);
	if (ret)
		return ret;
	dst_sg = dst->sgl;
	rh_for_each_sgtable_sg(src, src_sg, i) {
		rh_sg_set_page(dst_sg, rh_sg_page(src_sg), src_sg->length, src_sg->offset);
		dst_sg = rh_sg_next(dst_sg);
	}
	return 0;
}

static int tee_heap_attach(struct rh_dma_buf *dmabuf,
			   struct rh_dma_buf_attachment *attachment)
{
	struct tee_heap_buffer *buf = rh_dma_buf_priv(dmabuf);
	struct tee_heap_attachment *a;
	int ret;

	a = rh_zalloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	ret = copy_sg_table(&a->table, &buf->table);
	if (ret) {
		rh_free(a);
		return ret;
	}
	a->dev = attachment->dev;
	attachment->priv = a;
	return 0;
}

static void tee_heap_detach(struct rh_dma_buf *dmabuf,
			    struct rh_dma_buf_attachment *attachment)
{
	struct tee_heap_attachment *a = attachment->priv;

	rh_sg_free_table(&a->table);
	rh_free(a);
}

static struct rh_sg_table *tee_heap_map_dma_buf(struct rh_dma_buf_attachment *attachment,
						enum rh_dma_data_direction direction)
{
	struct tee_heap_attachment *a = attachment->priv;
	int ret;

	ret = rh_dma_map_sgtable(attachment->dev, &a->table, direction,
				 RH_DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		return RH_ERR_PTR(ret);
	return &a->table;
}

static void tee_heap_unmap_dma_buf(struct rh_dma_buf_attachment *attachment,
				   struct rh_sg_table *table,
				   enum rh_dma_data_direction direction)
{
	struct tee_heap_attachment *a = attachment->priv;

	/* The kernel WARNs and unmaps all the same. */
	if (&a->table != table)
		rh_bug_caller(rh_dma_buf_platform(attachment->dmabuf),
			      "tee_heap: unmap of a table that is not the attachment's");
	rh_dma_unmap_sgtable(attachment->dev, table, direction, RH_DMA_ATTR_SKIP_CPU_SYNC);
}

/* Mirrors: tee_heap_buf_free() */
static void tee_heap_buf_free(struct rh_dma_buf *dmabuf)
{
	struct tee_heap_buffer *buf = rh_dma_buf_priv(dmabuf);
	struct tee_dma_heap *h = buf->heap;

	h->pool->ops->free(h->pool, &buf->table);
	pthread_mutex_lock(&h->mu);
	put_tee_heap(h);
	pthread_mutex_unlock(&h->mu);
	rh_free(buf);
}

static const struct rh_dma_buf_ops tee_heap_buf_ops = {
	.attach = tee_heap_attach,
	.detach = tee_heap_detach,
	.map_dma_buf = tee_heap_map_dma_buf,
	.unmap_dma_buf = tee_heap_unmap_dma_buf,
	.release = tee_heap_buf_free,
};

/* Mirrors: tee_dma_heap_alloc() */
static struct rh_dma_buf *tee_dma_heap_alloc(struct rh_dma_heap *heap, unsigned long len,
					     uint32_t fd_flags, uint64_t heap_flags)
{
	struct tee_dma_heap *h = rh_dma_heap_get_drvdata(heap);
	RH_DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct rh_tee_device *teedev = NULL;
	struct rh_tee_protmem_pool *pool = NULL;
	struct tee_heap_buffer *buf;
	struct rh_dma_buf *dmabuf;
	int rc;

	/*
	 * Upstream hands out buffers while the heap is shutting down (its
	 * device removed, buffers still alive): from a pool whose driver is
	 * gone. Refused here, as for an unbound heap.
	 */
	pthread_mutex_lock(&h->mu);
	if (h->teedev && !h->shutting_down) {
		teedev = h->teedev;
		pool = h->pool;
		h->kref++;
	}
	pthread_mutex_unlock(&h->mu);
	/* No TEE device serves the use case (any more): upstream's answer. */
	if (!teedev)
		return RH_ERR_PTR(-EINVAL);

	buf = rh_zalloc(sizeof(*buf));
	if (!buf) {
		dmabuf = RH_ERR_PTR(-ENOMEM);
		goto err;
	}
	buf->size = len;
	buf->heap = h;
	rc = pool->ops->alloc(pool, &buf->table, len, &buf->offs);
	if (rc) {
		dmabuf = RH_ERR_PTR(rc);
		goto err_free;
	}

	exp_info.exp_name = RH_TEE_HEAP_EXP_NAME;
	exp_info.owner = h->plat;
	exp_info.ops = &tee_heap_buf_ops;
	exp_info.size = len;
	exp_info.priv = buf;
	exp_info.flags = (int)fd_flags;
	dmabuf = rh_dma_buf_export(&exp_info);
	if (RH_IS_ERR(dmabuf))
		goto err_protmem_free;
	return dmabuf;

err_protmem_free:
	pool->ops->free(pool, &buf->table);
err_free:
	rh_free(buf);
err:
	pthread_mutex_lock(&h->mu);
	put_tee_heap(h);
	pthread_mutex_unlock(&h->mu);
	return dmabuf;
}

static const struct rh_dma_heap_ops tee_dma_heap_ops = {
	.allocate = tee_dma_heap_alloc,
};

/* ------------------------------------------------------------ registry */

/* Mirrors: alloc_dma_heap(); the registry lock is held. */
static int alloc_dma_heap(struct rh_tee_heap_registry *reg, struct rh_tee_device *teedev,
			  uint32_t id, struct rh_tee_protmem_pool *pool)
{
	struct rh_dma_heap_export_info exp_info = {
		.ops = &tee_dma_heap_ops,
		.name = rh_tee_dma_heap_name(id),
	};
	struct tee_dma_heap *h;

	h = rh_zalloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->plat = teedev->plat;
	h->id = id;
	h->kref = 1;
	h->teedev = teedev;
	h->pool = pool;
	h->binds = 1;
	pthread_mutex_init(&h->mu, NULL);
	exp_info.priv = h;
	h->heap = rh_dma_heap_add(teedev->plat, &exp_info);
	if (RH_IS_ERR(h->heap)) {
		int rc = (int)RH_PTR_ERR(h->heap);

		pthread_mutex_destroy(&h->mu);
		rh_free(h);
		return rc;
	}
	reg->heaps[id] = h;
	return 0;
}

int rh_tee_device_register_dma_heap(struct rh_tee_device *teedev, uint32_t id,
				    struct rh_tee_protmem_pool *pool)
{
	struct rh_tee_heap_registry *reg;
	struct tee_dma_heap *h;
	int rc;

	if (!teedev || !pool || !teedev->plat->tee_heaps)
		return -EINVAL;
	if (!rh_tee_dma_heap_name(id)) {
		rh_err(teedev->plat, "tee: can't register DMA heap id %" PRIu32 " (unknown)", id);
		return -EINVAL;
	}
	reg = teedev->plat->tee_heaps;
	rh_tee_device_get(teedev);
	pthread_mutex_lock(&reg->lock);
	h = reg->heaps[id];
	if (h) {
		pthread_mutex_lock(&h->mu);
		if (h->teedev) {
			rc = -EBUSY;
		} else {
			h->kref = 1;
			h->shutting_down = false;
			h->teedev = teedev;
			h->pool = pool;
			h->binds++;
			rc = 0;
		}
		pthread_mutex_unlock(&h->mu);
	} else {
		rc = alloc_dma_heap(reg, teedev, id, pool);
	}
	pthread_mutex_unlock(&reg->lock);
	if (rc) {
		rh_tee_device_put(teedev);
		rh_err(teedev->plat, "tee: can't register DMA heap id %" PRIu32 " (%s): %s", id,
		       rh_tee_dma_heap_name(id), strerror(-rc));
	}
	return rc;
}

void rh_tee_device_put_all_dma_heaps(struct rh_tee_device *teedev)
{
	struct rh_tee_heap_registry *reg;
	struct tee_dma_heap *h;
	unsigned int i;

	if (!teedev || !teedev->plat->tee_heaps)
		return;
	reg = teedev->plat->tee_heaps;
	pthread_mutex_lock(&reg->lock);
	for (i = 0; i < TEE_HEAP_NR_IDS; i++) {
		h = reg->heaps[i];
		if (!h)
			continue;
		pthread_mutex_lock(&h->mu);
		if (h->teedev == teedev && !h->shutting_down) {
			h->shutting_down = true;
			put_tee_heap(h);
		}
		pthread_mutex_unlock(&h->mu);
	}
	pthread_mutex_unlock(&reg->lock);
}

int rh_tee_heap_update_from_dma_buf(struct rh_platform *plat, const struct rh_tee_ops *ops,
				    void *priv, struct rh_dma_buf *dmabuf, size_t *ret_size,
				    size_t *ret_offs, struct rh_tee_protmem_ref *ret_ref)
{
	struct tee_heap_buffer *buf;
	struct rh_tee_device *teedev;
	struct rh_tee_protmem_pool *pool;
	struct rh_tee_protmem_ref ref = { 0 };
	int rc;

	/* The DMA-buf must be from our heap... */
	if (!dmabuf || rh_dma_buf_get_ops(dmabuf) != &tee_heap_buf_ops ||
	    rh_dma_buf_platform(dmabuf) != plat)
		return -EINVAL;
	buf = rh_dma_buf_priv(dmabuf);
	/* ...and from the same TEE device: its buffers keep it bound. */
	pthread_mutex_lock(&buf->heap->mu);
	teedev = buf->heap->teedev;
	pool = buf->heap->pool;
	pthread_mutex_unlock(&buf->heap->mu);
	if (!teedev || teedev->ops != ops || teedev->priv != priv)
		return -EINVAL;
	rc = pool->ops->update_shm(pool, &buf->table, buf->offs, &ref);
	if (rc)
		return rc;
	*ret_size = buf->size;
	*ret_offs = buf->offs;
	*ret_ref = ref;
	return 0;
}

RH_EXPORT int rh_tee_heap_get_stats(struct rh_platform *plat, const char *name,
				    struct rh_tee_heap_stats *ret_stats)
{
	struct rh_tee_heap_registry *reg;
	struct rh_tee_heap_stats st;
	struct rh_dma_heap_stats hs;
	struct tee_dma_heap *h = NULL;
	unsigned int i;

	if (!plat || !name || !ret_stats)
		return -EINVAL;
	reg = plat->tee_heaps;
	if (!reg)
		return -ENOENT;
	pthread_mutex_lock(&reg->lock);
	for (i = 0; i < TEE_HEAP_NR_IDS && !h; i++)
		if (reg->heaps[i] && !strcmp(rh_tee_dma_heap_name(i), name))
			h = reg->heaps[i];
	if (!h) {
		pthread_mutex_unlock(&reg->lock);
		return -ENOENT;
	}
	memset(&st, 0, sizeof(st));
	st.id = h->id;
	pthread_mutex_lock(&h->mu);
	st.bound = h->teedev && !h->shutting_down;
	st.shutting_down = h->teedev && h->shutting_down;
	st.binds = h->binds;
	if (h->pool && h->pool->ops->get_stats)
		h->pool->ops->get_stats(h->pool, &st);
	pthread_mutex_unlock(&h->mu);
	if (!rh_dma_heap_get_stats(h->heap, &hs)) {
		st.buffers = hs.count;
		st.bytes = hs.bytes;
	}
	pthread_mutex_unlock(&reg->lock);
	*ret_stats = st;
	return 0;
}

/* ------------------------------------------------------------ static pool */

struct tee_protmem_static_pool {
	struct rh_tee_protmem_pool pool;
	struct rh_gen_pool *gen_pool;
	rh_phys_addr_t pa_base;
	uint64_t size;
};

static struct tee_protmem_static_pool *to_protmem_static_pool(struct rh_tee_protmem_pool *pool)
{
	return rh_container_of(pool, struct tee_protmem_static_pool, pool);
}

/* A one-entry table over [@pa, @pa + @size): what both kinds of pool hand out. */
static int one_entry_table(struct rh_sg_table *sgt, rh_phys_addr_t pa, size_t size)
{
	int ret;

	/* One entry holds at most 4 GiB - 4 KiB (its length is 32 bits). */
	if (size > RH_SCATTERLIST_MAX_SEGMENT)
		return -ENOMEM;
	ret = rh_sg_alloc_table(sgt, 1);
	if (ret)
		return ret;
	rh_sg_set_page(sgt->sgl, (unsigned long)(pa >> RH_PAGE_SHIFT), (unsigned int)size, 0);
	return 0;
}

static int protmem_pool_op_static_alloc(struct rh_tee_protmem_pool *pool,
					struct rh_sg_table *sgt, size_t size, size_t *offs)
{
	struct tee_protmem_static_pool *stp = to_protmem_static_pool(pool);
	rh_phys_addr_t pa;
	int ret;

	pa = rh_gen_pool_alloc(stp->gen_pool, size);
	if (!pa)
		return -ENOMEM;
	ret = one_entry_table(sgt, pa, size);
	if (ret) {
		rh_gen_pool_free(stp->gen_pool, pa, size);
		return ret;
	}
	*offs = (size_t)(pa - stp->pa_base);
	return 0;
}

static void protmem_pool_op_static_free(struct rh_tee_protmem_pool *pool,
					struct rh_sg_table *sgt)
{
	struct tee_protmem_static_pool *stp = to_protmem_static_pool(pool);
	struct rh_scatterlist *sg;
	unsigned int i;

	rh_for_each_sgtable_sg(sgt, sg, i)
		rh_gen_pool_free(stp->gen_pool, rh_sg_phys(sg), sg->length);
	rh_sg_free_table(sgt);
}

static int protmem_pool_op_static_update_shm(struct rh_tee_protmem_pool *pool,
					     struct rh_sg_table *sgt, size_t offs,
					     struct rh_tee_protmem_ref *ret_ref)
{
	struct tee_protmem_static_pool *stp = to_protmem_static_pool(pool);

	ret_ref->paddr = stp->pa_base + offs;
	ret_ref->parent_cookie = 0;
	return 0;
}

static void protmem_pool_op_static_destroy_pool(struct rh_tee_protmem_pool *pool)
{
	struct tee_protmem_static_pool *stp = to_protmem_static_pool(pool);

	rh_gen_pool_destroy(stp->gen_pool);
	rh_free(stp);
}

static void protmem_pool_op_static_get_stats(struct rh_tee_protmem_pool *pool,
					     struct rh_tee_heap_stats *st)
{
	struct tee_protmem_static_pool *stp = to_protmem_static_pool(pool);

	st->base = stp->pa_base;
	st->size = stp->size;
}

static const struct rh_tee_protmem_pool_ops protmem_pool_ops_static = {
	.alloc = protmem_pool_op_static_alloc,
	.free = protmem_pool_op_static_free,
	.update_shm = protmem_pool_op_static_update_shm,
	.destroy_pool = protmem_pool_op_static_destroy_pool,
	.get_stats = protmem_pool_op_static_get_stats,
};

struct rh_tee_protmem_pool *rh_tee_protmem_static_pool_alloc(struct rh_platform *plat,
							     rh_phys_addr_t paddr,
							     size_t size)
{
	struct tee_protmem_static_pool *stp;
	void *unused;
	int rc;

	/* Check it's page aligned */
	if (!plat || !RH_IS_ALIGNED(paddr | size, RH_PAGE_SIZE) || !size)
		return RH_ERR_PTR(-EINVAL);
	/* pfn_valid(): the carveout must be DRAM (its view may be protected). */
	if (rh_phys_normal_ptr(plat, paddr, size, &unused))
		return RH_ERR_PTR(-EINVAL);
	stp = rh_zalloc(sizeof(*stp));
	if (!stp)
		return RH_ERR_PTR(-ENOMEM);
	rc = rh_gen_pool_create(plat, RH_PAGE_SHIFT, paddr, size, &stp->gen_pool);
	if (rc) {
		rh_free(stp);
		return RH_ERR_PTR(rc);
	}
	stp->pool.ops = &protmem_pool_ops_static;
	stp->pa_base = paddr;
	stp->size = size;
	return &stp->pool;
}

/* Exposed for the dynamic pools of the OP-TEE driver (src/tee/optee/protmem.c). */
int rh_tee_protmem_one_entry_table(struct rh_sg_table *sgt, rh_phys_addr_t pa, size_t size)
{
	return one_entry_table(sgt, pa, size);
}
