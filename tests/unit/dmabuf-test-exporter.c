// SPDX-License-Identifier: MIT
/* A counting dma-buf exporter and heap for the dma-buf, dma-heap and uapi tests. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rheap/device.h>

#include "dmabuf-test-exporter.h"
#include "rh-test.h"

#define TX_SEG (64u << 10)

static struct tx_ctx *ctx_of(struct rh_dma_buf *dmabuf)
{
	return ((struct tx_buf *)rh_dma_buf_priv(dmabuf))->ctx;
}

static int tx_attach(struct rh_dma_buf *dmabuf, struct rh_dma_buf_attachment *attach)
{
	struct tx_buf *buf = rh_dma_buf_priv(dmabuf);
	struct rh_sg_table *table;

	if (buf->ctx->attach_ret)
		return buf->ctx->attach_ret;
	table = rh_sg_dup_table(&buf->table);
	if (RH_IS_ERR(table))
		return (int)RH_PTR_ERR(table);
	attach->priv = table;
	atomic_fetch_add(&buf->ctx->attaches, 1);
	return 0;
}

static void tx_detach(struct rh_dma_buf *dmabuf, struct rh_dma_buf_attachment *attach)
{
	rh_sg_dup_table_free(attach->priv);
	attach->priv = NULL;
	atomic_fetch_add(&ctx_of(dmabuf)->detaches, 1);
}

static struct rh_sg_table *tx_map(struct rh_dma_buf_attachment *attach,
				  enum rh_dma_data_direction dir)
{
	struct tx_ctx *ctx = ctx_of(attach->dmabuf);
	struct rh_sg_table *table = attach->priv;
	int ret;

	if (ctx->map_null)
		return NULL;
	if (ctx->map_err)
		return RH_ERR_PTR(ctx->map_err);
	if (!table) {
		/* tx_min_ops: no attach op, map the buffer's own table. */
		table = &((struct tx_buf *)rh_dma_buf_priv(attach->dmabuf))->table;
	}
	ret = rh_dma_map_sgtable(attach->dev, table, dir, ctx->map_attrs);
	if (ret)
		return RH_ERR_PTR(ret);
	ctx->last_dir = dir;
	ctx->last_attrs = ctx->map_attrs;
	atomic_fetch_add(&ctx->maps, 1);
	return table;
}

static void tx_unmap(struct rh_dma_buf_attachment *attach, struct rh_sg_table *sgt,
		     enum rh_dma_data_direction dir)
{
	struct tx_ctx *ctx = ctx_of(attach->dmabuf);

	rh_dma_unmap_sgtable(attach->dev, sgt, dir, ctx->map_attrs);
	atomic_fetch_add(&ctx->unmaps, 1);
}

static void tx_release(struct rh_dma_buf *dmabuf)
{
	struct tx_buf *buf = rh_dma_buf_priv(dmabuf);

	atomic_fetch_add(&buf->ctx->releases, 1);
	if (buf->memfd >= 0)
		close(buf->memfd);
	rh_sg_free_table(&buf->table);
	free(buf);
}

static int tx_begin(struct rh_dma_buf *dmabuf, enum rh_dma_data_direction dir)
{
	struct tx_ctx *ctx = ctx_of(dmabuf);

	ctx->last_dir = dir;
	atomic_fetch_add(&ctx->begins, 1);
	return ctx->begin_ret;
}

static int tx_end(struct rh_dma_buf *dmabuf, enum rh_dma_data_direction dir)
{
	struct tx_ctx *ctx = ctx_of(dmabuf);

	ctx->last_dir = dir;
	atomic_fetch_add(&ctx->ends, 1);
	return ctx->end_ret;
}

/* A DRAM buffer: what a driver's mmap op does with remap_pfn_range(). */
static int tx_mmap_phys(struct tx_buf *buf, struct rh_vm_area *vma)
{
	rh_phys_addr_t pa = buf->phys_base + ((rh_phys_addr_t)vma->vm_pgoff << RH_PAGE_SHIFT);
	size_t len = vma->vm_end - vma->vm_start;
	int ret;

	if (buf->ctx->mmap_ret) {
		/* Half way: the first page is mapped when the exporter gives up. */
		ret = rh_remap_phys_range(vma, vma->vm_start, pa, RH_PAGE_SIZE);
		return ret ? ret : buf->ctx->mmap_ret;
	}
	ret = rh_remap_phys_range(vma, vma->vm_start, pa, len);
	if (!ret)
		atomic_fetch_add(&buf->ctx->mmaps, 1);
	return ret;
}

static int tx_mmap(struct rh_dma_buf *dmabuf, struct rh_vm_area *vma)
{
	struct tx_buf *buf = rh_dma_buf_priv(dmabuf);
	void *p;

	if (buf->memfd < 0)
		return tx_mmap_phys(buf, vma);
	if (buf->ctx->mmap_ret)
		return buf->ctx->mmap_ret;
	p = mmap((void *)vma->vm_start, vma->vm_end - vma->vm_start, vma->vm_prot,
		 MAP_SHARED | MAP_FIXED, buf->memfd,
		 (off_t)vma->vm_pgoff * (off_t)RH_PAGE_SIZE);
	if (p == MAP_FAILED)
		return -errno;
	atomic_fetch_add(&buf->ctx->mmaps, 1);
	return 0;
}

/* A DRAM buffer: a reserved range with the pages remapped into it, as vmap() does. */
static int tx_vmap_phys(struct rh_dma_buf *dmabuf, struct tx_buf *buf, void **ret_vaddr)
{
	struct rh_vm_area vma = { .vm_prot = PROT_READ | PROT_WRITE, .vm_flags = MAP_SHARED,
				  .vm_dmabuf = dmabuf };
	void *p;
	int ret;

	p = mmap(NULL, buf->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	vma.vm_start = (uintptr_t)p;
	vma.vm_end = vma.vm_start + buf->size;
	ret = rh_remap_phys_range(&vma, vma.vm_start, buf->phys_base, buf->size);
	if (ret) {
		rh_unmap_phys_range(buf->ctx->plat, p, buf->size);
		return ret;
	}
	*ret_vaddr = p;
	return 0;
}

static int tx_vmap(struct rh_dma_buf *dmabuf, void **ret_vaddr)
{
	struct tx_buf *buf = rh_dma_buf_priv(dmabuf);
	void *p = NULL;
	int ret;

	if (buf->ctx->vmap_ret)
		return buf->ctx->vmap_ret;
	if (buf->memfd < 0) {
		ret = tx_vmap_phys(dmabuf, buf, &p);
		if (ret)
			return ret;
	} else {
		p = mmap(NULL, buf->size, PROT_READ | PROT_WRITE, MAP_SHARED, buf->memfd, 0);
		if (p == MAP_FAILED)
			return -errno;
	}
	atomic_fetch_add(&buf->ctx->vmaps, 1);
	*ret_vaddr = p;
	return 0;
}

static void tx_vunmap(struct rh_dma_buf *dmabuf, void *vaddr)
{
	struct tx_buf *buf = rh_dma_buf_priv(dmabuf);

	if (buf->memfd < 0)
		assert_int_equal(rh_unmap_phys_range(buf->ctx->plat, vaddr, buf->size), 0);
	else
		munmap(vaddr, buf->size);
	atomic_fetch_add(&buf->ctx->vunmaps, 1);
}

const struct rh_dma_buf_ops tx_full_ops = {
	.attach = tx_attach,
	.detach = tx_detach,
	.map_dma_buf = tx_map,
	.unmap_dma_buf = tx_unmap,
	.release = tx_release,
	.begin_cpu_access = tx_begin,
	.end_cpu_access = tx_end,
	.mmap = tx_mmap,
	.vmap = tx_vmap,
	.vunmap = tx_vunmap,
};

const struct rh_dma_buf_ops tx_min_ops = {
	.map_dma_buf = tx_map,
	.unmap_dma_buf = tx_unmap,
	.release = tx_release,
};

static struct rh_dma_buf *tx_export_named(struct tx_ctx *ctx,
					  const struct rh_dma_buf_ops *ops,
					  const char *exp_name, size_t size,
					  int flags)
{
	RH_DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct rh_scatterlist *sg;
	struct rh_dma_buf *dmabuf;
	unsigned int nents, i;
	struct tx_buf *buf;
	size_t left;
	int ret;

	buf = calloc(1, sizeof(*buf));
	assert_non_null(buf);
	buf->ctx = ctx;
	buf->size = size;
	buf->phys_base = ctx->phys_base;
	buf->memfd = -1;
	if (!buf->phys_base) {
		buf->memfd = memfd_create("tx-buf", MFD_CLOEXEC);
		assert_true(buf->memfd >= 0);
		assert_int_equal(ftruncate(buf->memfd, (off_t)size), 0);
	}
	nents = size > TX_SEG ? (unsigned int)((size + TX_SEG - 1) / TX_SEG) : 1;
	ret = rh_sg_alloc_table(&buf->table, nents);
	if (ret)
		goto err_free;
	left = size ? size : RH_PAGE_SIZE;
	rh_for_each_sgtable_sg(&buf->table, sg, i) {
		unsigned int len = left > TX_SEG ? TX_SEG : (unsigned int)left;

		rh_sg_set_page(sg, (unsigned long)(((buf->phys_base ? buf->phys_base : TX_FAKE_PA) >>
						    RH_PAGE_SHIFT) +
						   (uint64_t)i * (TX_SEG >> RH_PAGE_SHIFT)),
			       len, 0);
		left -= len;
	}
	exp_info.exp_name = exp_name;
	exp_info.owner = ctx->plat;
	exp_info.ops = ops;
	exp_info.size = size;
	exp_info.flags = flags;
	exp_info.priv = buf;
	dmabuf = rh_dma_buf_export(&exp_info);
	if (RH_IS_ERR(dmabuf)) {
		ret = (int)RH_PTR_ERR(dmabuf);
		rh_sg_free_table(&buf->table);
		goto err_free;
	}
	return dmabuf;

err_free:
	if (buf->memfd >= 0)
		close(buf->memfd);
	free(buf);
	return RH_ERR_PTR(ret);
}

struct rh_dma_buf *tx_export(struct tx_ctx *ctx, const struct rh_dma_buf_ops *ops,
			     size_t size, int flags)
{
	return tx_export_named(ctx, ops, "tx-exporter", size, flags);
}

static struct rh_dma_buf *tx_heap_allocate(struct rh_dma_heap *heap,
					   unsigned long len, uint32_t fd_flags,
					   uint64_t heap_flags)
{
	struct tx_ctx *ctx = rh_dma_heap_get_drvdata(heap);

	atomic_fetch_add(&ctx->allocs, 1);
	if (ctx->alloc_err)
		return RH_ERR_PTR(ctx->alloc_err);
	if (ctx->alloc_null)
		return NULL;
	return tx_export_named(ctx, &tx_full_ops, rh_dma_heap_get_name(heap), len,
			       (int)fd_flags);
}

const struct rh_dma_heap_ops tx_heap_ops = {
	.allocate = tx_heap_allocate,
};

struct rh_dma_heap *tx_heap_add(struct tx_ctx *ctx, const char *name)
{
	struct rh_dma_heap_export_info info = {
		.name = name,
		.ops = &tx_heap_ops,
		.priv = ctx,
	};

	return rh_dma_heap_add(ctx->plat, &info);
}

struct rh_platform *tx_platform_new(void)
{
	struct rh_platform *plat = NULL;

	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	assert_non_null(plat);
	return plat;
}
