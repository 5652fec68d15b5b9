// SPDX-License-Identifier: MIT
/* The system heap: zeroed pages of normal DRAM, large orders first (drivers/dma-buf/heaps/system_heap.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/scatterlist.h>

#include "dma-buf/dmabuf-internal.h"
#include "internal.h"
#include "trace/sim.h"
#include "mm/page-alloc.h"

/*
 * "system" and Android's "system-uncached" differ only in cache
 * maintenance: the uncached one maps with DMA_ATTR_SKIP_CPU_SYNC (its CPU
 * mappings are write-combined on real hardware).
 */
struct system_heap_variant {
	const char *name;
	bool uncached;
};

static const struct system_heap_variant system_heap_variants[] = {
	{ "system", false },
	{ "system-uncached", true },
};

struct system_heap_buffer {
	struct rh_dma_heap *heap;
	struct rh_platform *plat;
	unsigned long len;
	struct rh_sg_table sg_table;
	bool uncached;
};

struct dma_heap_attachment {
	struct rh_device *dev;
	struct rh_sg_table *table;
};

/*
 * The kernel's order pattern: 1 MiB, 64 KiB, then single pages, each tried
 * only while it fits the remaining size and does not exceed the last order
 * that succeeded.
 */
static const unsigned int orders[] = { 8, 4, 0 };
#define NUM_ORDERS RH_ARRAY_SIZE(orders)

static int system_heap_attach(struct rh_dma_buf *dmabuf,
			      struct rh_dma_buf_attachment *attachment)
{
	struct system_heap_buffer *buffer = rh_dma_buf_priv(dmabuf);
	struct dma_heap_attachment *a;
	struct rh_sg_table *table;

	a = rh_zalloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	/* The seed's change: one sg_dup_table() copy per attachment. */
	table = rh_sg_dup_table(&buffer->sg_table);
	if (RH_IS_ERR(table)) {
		rh_free(a);
		return (int)RH_PTR_ERR(table);
	}
	a->table = table;
	a->dev = attachment->dev;
	attachment->priv = a;
	return 0;
}

static void system_heap_detach(struct rh_dma_buf *dmabuf,
			       struct rh_dma_buf_attachment *attachment)
{
	struct dma_heap_attachment *a = attachment->priv;

	rh_sg_dup_table_free(a->table);
	rh_free(a);
}

static unsigned long buffer_attrs(const struct system_heap_buffer *buffer)
{
	return buffer->uncached ? RH_DMA_ATTR_SKIP_CPU_SYNC : 0;
}

static struct rh_sg_table *
system_heap_map_dma_buf(struct rh_dma_buf_attachment *attachment,
			enum rh_dma_data_direction direction)
{
	struct system_heap_buffer *buffer = rh_dma_buf_priv(attachment->dmabuf);
	struct dma_heap_attachment *a = attachment->priv;
	struct rh_sg_table *table = a->table;
	int ret;

	ret = rh_dma_map_sgtable(attachment->dev, table, direction, buffer_attrs(buffer));
	if (ret)
		return RH_ERR_PTR(ret);
	return table;
}

static void system_heap_unmap_dma_buf(struct rh_dma_buf_attachment *attachment,
				      struct rh_sg_table *table,
				      enum rh_dma_data_direction direction)
{
	struct system_heap_buffer *buffer = rh_dma_buf_priv(attachment->dmabuf);

	rh_dma_unmap_sgtable(attachment->dev, table, direction, buffer_attrs(buffer));
}

/*
 * Map the buffer from page vma->vm_pgoff into the vma, one host mapping per
 * physically contiguous run of entries (the kernel remaps page by page; the
 * result is the same, with far fewer mapping calls and registered aliases:
 * the buddy allocator hands out neighbouring blocks more often than not).
 */
static int system_heap_map_pages(struct system_heap_buffer *buffer,
				 struct rh_vm_area *vma)
{
	uint64_t skip = (uint64_t)vma->vm_pgoff << RH_PAGE_SHIFT, run_len = 0;
	uintptr_t addr = vma->vm_start;
	rh_phys_addr_t run_pa = 0;
	struct rh_scatterlist *sg;
	unsigned int i;
	int ret;

	rh_for_each_sgtable_sg(&buffer->sg_table, sg, i) {
		uint64_t len = sg->length;
		rh_phys_addr_t pa = rh_sg_phys(sg);

		if (skip >= len) {
			skip -= len;
			continue;
		}
		pa += skip;
		len -= skip;
		skip = 0;
		if (len > vma->vm_end - addr - run_len)
			len = vma->vm_end - addr - run_len;
		if (run_len && pa != run_pa + run_len) {
			ret = rh_remap_phys_range(vma, addr, run_pa, (size_t)run_len);
			if (ret)
				return ret;
			addr += run_len;
			run_len = 0;
		}
		if (!run_len)
			run_pa = pa;
		run_len += len;
		if (addr + run_len >= vma->vm_end)
			break;
	}
	return run_len ? rh_remap_phys_range(vma, addr, run_pa, (size_t)run_len) : 0;
}

static int system_heap_mmap(struct rh_dma_buf *dmabuf, struct rh_vm_area *vma)
{
	return system_heap_map_pages(rh_dma_buf_priv(dmabuf), vma);
}

static int system_heap_vmap(struct rh_dma_buf *dmabuf, void **ret_vaddr)
{
	struct system_heap_buffer *buffer = rh_dma_buf_priv(dmabuf);
	struct rh_vm_area vma = { 0 };
	void *vaddr;
	int ret;

	/* vmap(): one contiguous kernel range over scattered pages. */
	vaddr = mmap(NULL, buffer->len, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vaddr == MAP_FAILED)
		return -ENOMEM;
	vma.vm_start = (uintptr_t)vaddr;
	vma.vm_end = (uintptr_t)vaddr + buffer->len;
	vma.vm_prot = PROT_READ | PROT_WRITE;
	vma.vm_flags = MAP_SHARED;
	vma.vm_dmabuf = dmabuf;
	ret = system_heap_map_pages(buffer, &vma);
	if (ret) {
		/* Unregisters the runs already mapped, with the range. */
		rh_phys_unmap_alias(buffer->plat, vaddr, buffer->len);
		return ret;
	}
	*ret_vaddr = vaddr;
	return 0;
}

static void system_heap_vunmap(struct rh_dma_buf *dmabuf, void *vaddr)
{
	struct system_heap_buffer *buffer = rh_dma_buf_priv(dmabuf);
	int ret;

	/* vunmap(): the aliases go from the platform's registry with the range. */
	ret = rh_phys_unmap_alias(buffer->plat, vaddr, buffer->len);
	if (ret)
		rh_err(buffer->plat, "system heap: vunmap of %p failed: %s", vaddr,
		       strerror(-ret));
}

static unsigned int sg_order(const struct rh_scatterlist *sg)
{
	return (unsigned int)__builtin_ctzl(sg->length >> RH_PAGE_SHIFT);
}

static void system_heap_free_pages(struct system_heap_buffer *buffer)
{
	struct rh_scatterlist *sg;
	unsigned int i;

	rh_for_each_sgtable_sg(&buffer->sg_table, sg, i)
		rh_page_alloc_free(buffer->plat->page_alloc, rh_sg_phys(sg), sg_order(sg));
	rh_sg_free_table(&buffer->sg_table);
}

static void system_heap_dma_buf_release(struct rh_dma_buf *dmabuf)
{
	struct system_heap_buffer *buffer = rh_dma_buf_priv(dmabuf);

	system_heap_free_pages(buffer);
	rh_free(buffer);
}

/*
 * begin/end_cpu_access are not needed: the simulated CPU is coherent with
 * DRAM, and the cache maintenance the kernel would do for mapped
 * attachments is accounted by rh_dma_map_sgtable()/unmap only.
 */
static const struct rh_dma_buf_ops system_heap_buf_ops = {
	.attach = system_heap_attach,
	.detach = system_heap_detach,
	.map_dma_buf = system_heap_map_dma_buf,
	.unmap_dma_buf = system_heap_unmap_dma_buf,
	.mmap = system_heap_mmap,
	.vmap = system_heap_vmap,
	.vunmap = system_heap_vunmap,
	.release = system_heap_dma_buf_release,
};

/* Blocks allocated so far, before the sg_table can be sized (page->lru list). */
#define BLOCKS_PER_CHUNK 511
struct block_chunk {
	struct block_chunk *next;
	uint64_t block[BLOCKS_PER_CHUNK]; /* pa | order */
};

struct block_list {
	struct block_chunk *head, *tail;
	unsigned int nr;        /* blocks in total */
	unsigned int tail_used; /* blocks in the tail chunk */
};

static int block_list_add(struct block_list *bl, rh_phys_addr_t pa, unsigned int order)
{
	struct block_chunk *c;

	if (!bl->tail || bl->tail_used == BLOCKS_PER_CHUNK) {
		c = rh_malloc(sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->next = NULL;
		if (bl->tail)
			bl->tail->next = c;
		else
			bl->head = c;
		bl->tail = c;
		bl->tail_used = 0;
	}
	bl->tail->block[bl->tail_used++] = pa | order;
	bl->nr++;
	return 0;
}

#define BLOCK_PA(b) ((b) & ~(uint64_t)(RH_PAGE_SIZE - 1))
#define BLOCK_ORDER(b) ((unsigned int)((b) & (RH_PAGE_SIZE - 1)))

/* Gives the blocks back unless @keep_pages, then frees the list itself. */
static void block_list_destroy(struct block_list *bl, struct rh_page_alloc *pa,
			       bool keep_pages)
{
	struct block_chunk *c, *next;
	unsigned int i, n;

	for (c = bl->head; c; c = next) {
		next = c->next;
		n = c == bl->tail ? bl->tail_used : BLOCKS_PER_CHUNK;
		for (i = 0; !keep_pages && i < n; i++)
			rh_page_alloc_free(pa, BLOCK_PA(c->block[i]), BLOCK_ORDER(c->block[i]));
		rh_free(c);
	}
	memset(bl, 0, sizeof(*bl));
}

static int alloc_largest_available(struct rh_platform *plat, unsigned long size,
				   unsigned int max_order, rh_phys_addr_t *ret_pa,
				   unsigned int *ret_order)
{
	unsigned int i;

	for (i = 0; i < NUM_ORDERS; i++) {
		if (size < (RH_PAGE_SIZE << orders[i]))
			continue;
		if (max_order < orders[i])
			continue;
		if (rh_page_alloc_alloc(plat->page_alloc, orders[i], ret_pa))
			continue;
		rh_sim_charge(plat, RH_SIM_PAGE_ALLOC, UINT64_C(1) << orders[i]);
		*ret_order = orders[i];
		return 0;
	}
	return -ENOMEM;
}

/* memset(0) of [@pa, @pa + @len) through the normal view. */
static int zero_normal(struct rh_platform *plat, rh_phys_addr_t pa, uint64_t len)
{
	void *vaddr;
	int ret;

	ret = rh_phys_normal_ptr(plat, pa, (size_t)len, &vaddr);
	if (ret)
		return ret;
	memset(vaddr, 0, (size_t)len);
	return 0;
}

static struct rh_dma_buf *system_heap_allocate(struct rh_dma_heap *heap,
					       unsigned long len, uint32_t fd_flags,
					       uint64_t heap_flags)
{
	const struct system_heap_variant *variant = rh_dma_heap_get_drvdata(heap);
	struct rh_platform *plat = rh_dma_heap_platform(heap);
	RH_DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct system_heap_buffer *buffer;
	unsigned long size_remaining = len;
	unsigned int max_order = orders[0];
	struct block_list blocks = { 0 };
	struct rh_page_alloc_stats pst;
	struct rh_scatterlist *sg;
	struct block_chunk *c;
	struct rh_dma_buf *dmabuf;
	rh_phys_addr_t pa, zero_pa = 0;
	uint64_t zero_len = 0;
	unsigned int order, i, k;
	int ret;

	/*
	 * More than is free now cannot succeed: fail before allocating (and
	 * zeroing) everything that is left, only to give it back.
	 */
	rh_page_alloc_get_stats(plat->page_alloc, &pst);
	if (len / RH_PAGE_SIZE > pst.nr_free)
		return RH_ERR_PTR(-ENOMEM);

	buffer = rh_zalloc(sizeof(*buffer));
	if (!buffer)
		return RH_ERR_PTR(-ENOMEM);
	buffer->heap = heap;
	buffer->plat = plat;
	buffer->len = len;
	buffer->uncached = variant->uncached;

	while (size_remaining > 0) {
		ret = alloc_largest_available(plat, size_remaining, max_order, &pa, &order);
		if (ret)
			goto err_free_blocks;
		ret = block_list_add(&blocks, pa, order);
		if (ret) {
			rh_page_alloc_free(plat->page_alloc, pa, order);
			goto err_free_blocks;
		}
		/*
		 * __GFP_ZERO: freed dirty memory never reaches a new buffer.
		 * Blocks that follow each other in DRAM (the buddy allocator
		 * hands out the lowest free block first, so most do) are
		 * zeroed by one memset: past the cache size glibc switches to
		 * non-temporal stores, which 64 memsets of 1 MiB never reach
		 * (a 64 MiB buffer zeroed 2.7x slower, rheap-bench alloc).
		 */
		if (zero_len && pa != zero_pa + zero_len) {
			ret = zero_normal(plat, zero_pa, zero_len);
			if (ret)
				goto err_free_blocks;
			zero_len = 0;
		}
		if (!zero_len)
			zero_pa = pa;
		zero_len += RH_PAGE_SIZE << order;
		size_remaining -= RH_PAGE_SIZE << order;
		max_order = order;
	}
	ret = zero_normal(plat, zero_pa, zero_len);
	if (ret)
		goto err_free_blocks;

	ret = rh_sg_alloc_table(&buffer->sg_table, blocks.nr);
	if (ret)
		goto err_free_blocks;
	sg = buffer->sg_table.sgl;
	for (c = blocks.head; c; c = c->next) {
		k = c == blocks.tail ? blocks.tail_used : BLOCKS_PER_CHUNK;
		for (i = 0; i < k; i++) {
			rh_sg_set_page(sg, (unsigned long)(BLOCK_PA(c->block[i]) >> RH_PAGE_SHIFT),
				       (unsigned int)(RH_PAGE_SIZE << BLOCK_ORDER(c->block[i])), 0);
			sg = rh_sg_next(sg);
		}
	}
	/* The table owns the pages now. */
	block_list_destroy(&blocks, plat->page_alloc, true);

	/* create the dmabuf */
	exp_info.exp_name = rh_dma_heap_get_name(heap);
	exp_info.owner = plat;
	exp_info.ops = &system_heap_buf_ops;
	exp_info.size = buffer->len;
	exp_info.flags = (int)fd_flags;
	exp_info.priv = buffer;
	dmabuf = rh_dma_buf_export(&exp_info);
	if (RH_IS_ERR(dmabuf)) {
		ret = (int)RH_PTR_ERR(dmabuf);
		goto err_free_pages;
	}
	return dmabuf;

err_free_pages:
	system_heap_free_pages(buffer);
	rh_free(buffer);
	return RH_ERR_PTR(ret);
err_free_blocks:
	block_list_destroy(&blocks, plat->page_alloc, false);
	rh_free(buffer);
	return RH_ERR_PTR(ret);
}

static const struct rh_dma_heap_ops system_heap_ops = {
	.allocate = system_heap_allocate,
};

/*
 * The normal world's page allocator: all of DRAM minus /reserved-memory
 * (what memblock_free_all() hands to the buddy allocator). The system heap
 * is its only user, so it is set up here.
 */
static int normal_pages_init(struct rh_platform *plat)
{
	const struct rh_platform_desc *desc = &plat->desc;
	struct rh_page_alloc *pa;
	unsigned int i;
	int ret;

	ret = rh_page_alloc_init(plat, desc->dram_base, desc->dram_size, &pa);
	if (ret)
		return ret;
	for (i = 0; i < desc->nr_reserved; i++) {
		ret = rh_page_alloc_reserve(pa, desc->reserved[i].base, desc->reserved[i].size);
		if (ret) {
			rh_err(plat, "system heap: cannot reserve %s: %d",
			       desc->reserved[i].name, ret);
			rh_page_alloc_destroy(pa);
			return ret;
		}
	}
	plat->page_alloc = pa;
	return 0;
}

int rh_system_heap_init(struct rh_platform *plat)
{
	struct rh_dma_heap_export_info exp_info;
	struct rh_dma_heap *heap;
	unsigned int i;
	int ret;

	ret = normal_pages_init(plat);
	if (ret)
		return ret;
	for (i = 0; i < RH_ARRAY_SIZE(system_heap_variants); i++) {
		exp_info.name = system_heap_variants[i].name;
		exp_info.ops = &system_heap_ops;
		exp_info.priv = (void *)&system_heap_variants[i];
		heap = rh_dma_heap_add(plat, &exp_info);
		if (RH_IS_ERR(heap)) {
			/* Heaps stay registered until the registry goes; never used. */
			rh_system_heap_fini(plat);
			return (int)RH_PTR_ERR(heap);
		}
	}
	return 0;
}

void rh_system_heap_fini(struct rh_platform *plat)
{
	rh_page_alloc_destroy(plat->page_alloc);
	plat->page_alloc = NULL;
}
