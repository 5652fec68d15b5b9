// SPDX-License-Identifier: MIT
/* Unit tests of the system heap: order pattern, zeroing, sg_dup_table per attachment, mmap/vmap, no leaks. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rheap/alloc.h>
#include <rheap/device-bus.h>
#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/firewall.h>
#include <rheap/phys.h>
#include <rheap/platform.h>
#include <rheap/scatterlist.h>
#include <rheap/uapi.h>

#include "emu.h"
#include "internal.h"
#include "mm/page-alloc.h"
#include "rh-test.h"

struct fix {
	struct rh_platform *plat;
	struct rh_dma_heap *system, *uncached;
	struct rh_device *vcodec, *gpu;
	uint64_t free_at_start;
};

static uint64_t free_pages(struct fix *f)
{
	struct rh_page_alloc_stats st;

	rh_page_alloc_get_stats(f->plat->page_alloc, &st);
	return st.nr_free;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(rh_platform_new(NULL, &f->plat), 0);
	f->system = rh_dma_heap_find(f->plat, "system");
	f->uncached = rh_dma_heap_find(f->plat, "system-uncached");
	assert_non_null(f->system);
	assert_non_null(f->uncached);
	f->vcodec = rh_device_find(f->plat, "vcodec");
	f->gpu = rh_device_find(f->plat, "gpu");
	assert_non_null(f->vcodec);
	assert_non_null(f->gpu);
	f->free_at_start = free_pages(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_stats st;

	/* Every page went back to the allocator. */
	assert_int_equal(free_pages(f), f->free_at_start);
	assert_int_equal(rh_dma_heap_get_stats(f->system, &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(rh_dma_heap_get_stats(f->uncached, &st), 0);
	assert_int_equal(st.count, 0);
	rh_dma_heap_put(f->system);
	rh_dma_heap_put(f->uncached);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static struct rh_dma_buf *alloc_buf(struct rh_dma_heap *heap, size_t len)
{
	struct rh_dma_buf *dmabuf;

	dmabuf = rh_dma_heap_buffer_alloc_dmabuf(heap, len, O_RDWR | O_CLOEXEC, 0);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	return dmabuf;
}

/* The buffer's own table, through an attachment's duplicate of it. */
struct layout {
	unsigned int nents;
	uint32_t len[64];
	rh_phys_addr_t pa[64];
};

static void get_layout(struct fix *f, struct rh_dma_buf *dmabuf, struct layout *l)
{
	struct rh_dma_buf_attachment *att = rh_dma_buf_attach(dmabuf, f->vcodec);
	struct rh_scatterlist *sg;
	struct rh_sg_table *sgt;
	unsigned int i;

	assert_false(RH_IS_ERR_OR_NULL(att));
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_BIDIRECTIONAL);
	assert_false(RH_IS_ERR_OR_NULL(sgt));
	assert_true(sgt->orig_nents <= 64);
	l->nents = sgt->orig_nents;
	rh_for_each_sgtable_sg(sgt, sg, i) {
		l->len[i] = sg->length;
		l->pa[i] = rh_sg_phys(sg);
		assert_int_equal(sg->offset, 0);
		assert_int_equal(rh_sg_dma_address(sg), l->pa[i]);
		assert_int_equal(rh_sg_dma_len(sg), l->len[i]);
		/* Naturally aligned blocks of the page allocator. */
		assert_true(RH_IS_ALIGNED(l->pa[i], (uint64_t)l->len[i]));
	}
	rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_BIDIRECTIONAL);
	rh_dma_buf_detach(dmabuf, att);
}

static void test_registered(void **state)
{
	struct fix *f = *state;
	const char *names[RH_DMA_HEAP_MAX];
	int n, i, found = 0;

	n = rh_dma_heap_list(f->plat, names, RH_DMA_HEAP_MAX);
	for (i = 0; i < n; i++)
		if (!strcmp(names[i], "system") || !strcmp(names[i], "system-uncached"))
			found++;
	assert_int_equal(found, 2);
	assert_string_equal(rh_dma_heap_get_name(f->system), "system");
}

static void test_order_pattern(void **state)
{
	static const struct {
		size_t len;
		unsigned int nents;
		uint32_t seg[4];
	} cases[] = {
		{ 4096, 1, { 4096 } },
		{ 20480, 5, { 4096, 4096, 4096, 4096 } },
		{ 64 << 10, 1, { 64 << 10 } },
		{ (64 << 10) + 4096, 2, { 64 << 10, 4096 } },
		{ 1 << 20, 1, { 1 << 20 } },
		{ 2 << 20, 2, { 1 << 20, 1 << 20 } },
		{ (1 << 20) + (64 << 10) + 4096, 3, { 1 << 20, 64 << 10, 4096 } },
		{ (1 << 20) - 4096, 30, { 64 << 10, 64 << 10, 64 << 10, 64 << 10 } },
	};
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf;
	struct layout l;
	unsigned int k, i;
	uint64_t total;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		dmabuf = alloc_buf(f->system, cases[k].len);
		assert_int_equal(rh_dma_buf_size(dmabuf), cases[k].len);
		assert_string_equal(rh_dma_buf_exp_name(dmabuf), "system");
		get_layout(f, dmabuf, &l);
		assert_int_equal(l.nents, cases[k].nents);
		total = 0;
		for (i = 0; i < l.nents; i++) {
			if (i < 4)
				assert_int_equal(l.len[i], cases[k].seg[i]);
			/* Never a larger block after a smaller one. */
			if (i)
				assert_true(l.len[i] <= l.len[i - 1]);
			total += l.len[i];
		}
		assert_int_equal(total, cases[k].len);
		assert_int_equal(free_pages(f), f->free_at_start - cases[k].len / 4096);
		rh_dma_buf_put(dmabuf);
		assert_int_equal(free_pages(f), f->free_at_start);
	}
}

/* Entries of the buffer's table (through an attachment) and whether all are @len long. */
static unsigned int count_entries(struct fix *f, struct rh_dma_buf *dmabuf, uint32_t len,
				  bool *ret_all_len)
{
	struct rh_dma_buf_attachment *att = rh_dma_buf_attach(dmabuf, f->vcodec);
	struct rh_scatterlist *sg;
	struct rh_sg_table *sgt;
	unsigned int i, n;
	bool all = true;

	assert_false(RH_IS_ERR_OR_NULL(att));
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_TO_DEVICE);
	assert_false(RH_IS_ERR_OR_NULL(sgt));
	n = sgt->orig_nents;
	rh_for_each_sgtable_sg(sgt, sg, i)
		all &= sg->length == len;
	rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_TO_DEVICE);
	rh_dma_buf_detach(dmabuf, att);
	*ret_all_len = all;
	return n;
}

struct frag_arg {
	struct fix *f;
	int fd;
};

static int frag_alloc(void *p)
{
	struct frag_arg *arg = p;

	arg->fd = rh_dma_heap_buffer_alloc(arg->f->system, 600 << 16, O_RDWR, 0);
	return arg->fd < 0 ? arg->fd : 0;
}

static void frag_close(void *p)
{
	struct frag_arg *arg = p;

	assert_int_equal(rh_close(arg->f->plat, arg->fd), 0);
}

static void frag_clean(void *p)
{
	struct frag_arg *arg = p;

	assert_int_equal(free_pages(arg->f), 40 * 255);
}

/*
 * With no 1 MiB block left, requests fall back to 64 KiB blocks, then to
 * pages. Forty 1 MiB holes, each with its first page reserved, leave
 * 40 x (15 x 64 KiB + 15 pages) free.
 */
static void test_order_fallback(void **state)
{
	struct fix *f = *state;
	struct rh_page_alloc *pa = f->plat->page_alloc;
	struct frag_arg arg = { .f = f };
	rh_phys_addr_t *blocks;
	struct rh_dma_buf *dmabuf;
	struct layout l;
	unsigned int n = 0, i;
	size_t cap = 4096;
	bool all_64k;

	blocks = malloc(cap * sizeof(*blocks));
	assert_non_null(blocks);
	while (!rh_page_alloc_alloc(pa, 8, &blocks[n])) {
		n++;
		assert_true(n < cap);
	}
	assert_int_equal(free_pages(f), 0);
	assert_ptr_equal(rh_dma_heap_buffer_alloc_dmabuf(f->system, 4096, O_RDWR, 0),
			 RH_ERR_PTR(-ENOMEM));
	for (i = 0; i < 40; i++) {
		n--;
		rh_page_alloc_free(pa, blocks[n], 8);
		assert_int_equal(rh_page_alloc_reserve(pa, blocks[n], 4096), 0);
	}
	/* Those 40 pages are gone for good. */
	f->free_at_start -= 40;
	assert_int_equal(free_pages(f), 40 * 255);

	/* 1 MiB + 64 KiB + 4 KiB: 17 x 64 KiB, then one page. */
	dmabuf = alloc_buf(f->system, (1 << 20) + (64 << 10) + 4096);
	get_layout(f, dmabuf, &l);
	assert_int_equal(l.nents, 18);
	for (i = 0; i < 18; i++)
		assert_int_equal(l.len[i], i < 17 ? 64 << 10 : 4096);
	rh_dma_buf_put(dmabuf);

	/* 600 blocks: more than one chunk of the allocation's block list. */
	dmabuf = alloc_buf(f->system, 600 << 16);
	assert_int_equal(count_entries(f, dmabuf, 64 << 10, &all_64k), 600);
	assert_true(all_64k);
	rh_dma_buf_put(dmabuf);
	assert_true(rh_test_fail_nth_sweep(frag_alloc, frag_close, frag_clean, &arg) >= 5);

	/* More than is left: everything taken on the way is given back. */
	assert_ptr_equal(rh_dma_heap_buffer_alloc_dmabuf(f->system, 40 * 255 * 4096 + 4096,
							 O_RDWR, 0),
			 RH_ERR_PTR(-ENOMEM));
	assert_int_equal(free_pages(f), 40 * 255);

	while (n--)
		rh_page_alloc_free(pa, blocks[n], 8);
	free(blocks);
}

static void test_too_large(void **state)
{
	struct fix *f = *state;

	assert_ptr_equal(rh_dma_heap_buffer_alloc_dmabuf(f->system, (size_t)64 << 30, O_RDWR, 0),
			 RH_ERR_PTR(-ENOMEM));
	/* All of DRAM: more than is free once reserved-memory is taken out. */
	assert_ptr_equal(rh_dma_heap_buffer_alloc_dmabuf(f->system, 2UL << 30, O_RDWR, 0),
			 RH_ERR_PTR(-ENOMEM));
	assert_int_equal(free_pages(f), f->free_at_start);
}

/* Reserved memory (TEE chunk, restricted CMA) is never handed out. */
static void test_reserved_excluded(void **state)
{
	struct fix *f = *state;
	const struct rh_platform_desc *desc = rh_platform_get_desc(f->plat);
	uint64_t reserved = 0;
	unsigned int i;

	for (i = 0; i < desc->nr_reserved; i++)
		reserved += desc->reserved[i].size;
	assert_true(reserved > 0);
	assert_int_equal(f->free_at_start, (desc->dram_size - reserved) / 4096);
}

static void test_zeroed_and_normal_view(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf;
	unsigned char *p, probe[64];
	rh_phys_addr_t prev;
	struct layout l;
	size_t i;

	dmabuf = alloc_buf(f->system, (1 << 20) + 8192);
	assert_int_equal(rh_dma_buf_vmap(dmabuf, (void **)&p), 0);
	for (i = 0; i < (1 << 20) + 8192; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0xff, (1 << 20) + 8192);
	/* The vmap is the DRAM the layout describes (read back by PA). */
	get_layout(f, dmabuf, &l);
	p[0] = 0x11;
	p[1 << 20] = 0x22;
	assert_int_equal(rh_phys_probe_read(f->plat, l.pa[0], probe, 1), 0);
	assert_int_equal(probe[0], 0x11);
	assert_int_equal(rh_phys_probe_read(f->plat, l.pa[1], probe, 64), 0);
	assert_int_equal(probe[0], 0x22);
	assert_int_equal(probe[63], 0xff);
	rh_dma_buf_vunmap(dmabuf, p);
	rh_dma_buf_put(dmabuf);

	/* The same pages come back (lowest first), zeroed again. */
	prev = l.pa[0];
	dmabuf = alloc_buf(f->system, (1 << 20) + 8192);
	get_layout(f, dmabuf, &l);
	assert_int_equal(l.pa[0], prev);
	assert_int_equal(rh_phys_probe_read(f->plat, l.pa[0], probe, 64), 0);
	for (i = 0; i < 64; i++)
		assert_int_equal(probe[i], 0);
	assert_int_equal(rh_dma_buf_vmap(dmabuf, (void **)&p), 0);
	for (i = 0; i < (1 << 20) + 8192; i++)
		assert_int_equal(p[i], 0);
	rh_dma_buf_vunmap(dmabuf, p);
	rh_dma_buf_put(dmabuf);
}

static void test_mmap_offsets(void **state)
{
	struct fix *f = *state;
	size_t len = (1 << 20) + (64 << 10) + 4096;
	unsigned char *whole, *part, *v;
	int fd;

	fd = rh_dma_heap_buffer_alloc(f->system, len, O_RDWR | O_CLOEXEC, 0);
	assert_true(fd >= 3);
	assert_int_equal(rh_mmap(f->plat, fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0,
				 (void **)&whole), 0);
	/* A mapping that starts inside the first block and spans all three. */
	assert_int_equal(rh_mmap(f->plat, fd, len - 4096 * 255, PROT_READ, MAP_SHARED,
				 4096 * 255, (void **)&part), 0);
	whole[4096 * 255] = 0xa1;
	whole[1 << 20] = 0xb2;
	whole[len - 1] = 0xc3;
	assert_int_equal(part[0], 0xa1);
	assert_int_equal(part[4096], 0xb2);
	assert_int_equal(part[len - 4096 * 255 - 1], 0xc3);
	/* vmap sees the same memory. */
	{
		struct rh_dma_buf *dmabuf = rh_dma_buf_get(f->plat, fd);

		assert_false(RH_IS_ERR_OR_NULL(dmabuf));
		assert_int_equal(rh_dma_buf_vmap(dmabuf, (void **)&v), 0);
		assert_int_equal(v[len - 1], 0xc3);
		rh_dma_buf_vunmap(dmabuf, v);
		rh_dma_buf_put(dmabuf);
	}
	/* The fd can go first; the mappings keep the pages. */
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_true(free_pages(f) < f->free_at_start);
	assert_int_equal(whole[1 << 20], 0xb2);
	assert_int_equal(rh_munmap(f->plat, part, len - 4096 * 255), 0);
	assert_int_equal(rh_munmap(f->plat, whole, len), 0);
	assert_int_equal(free_pages(f), f->free_at_start);
}

/* Runs of physically contiguous entries: the host mappings a CPU mapping of the buffer needs. */
static unsigned int layout_runs(const struct layout *l)
{
	unsigned int i, runs = l->nents ? 1 : 0;

	for (i = 1; i < l->nents; i++)
		if (l->pa[i] != l->pa[i - 1] + l->len[i - 1])
			runs++;
	return runs;
}

static void test_mappings_are_registered_aliases(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *hole, *dmabuf;
	struct rh_phys_cpu_map m;
	unsigned char *map, *v;
	struct layout l;
	size_t len = (64 << 10) + 3 * 4096;
	unsigned int i, k;
	size_t off;
	int fd;

	/* Leave one-page holes behind, so the next buffer is scattered. */
	hole = alloc_buf(f->system, 4096);
	dmabuf = alloc_buf(f->system, 4096);
	rh_dma_buf_put(hole);
	hole = alloc_buf(f->system, 4096 * 3);
	rh_dma_buf_put(dmabuf);
	fd = rh_dma_heap_buffer_alloc(f->system, len, O_RDWR | O_CLOEXEC, 0);
	assert_true(fd >= 3);
	dmabuf = rh_dma_buf_get(f->plat, fd);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	get_layout(f, dmabuf, &l);
	assert_true(layout_runs(&l) > 1);

	/* One alias per contiguous run, each at the PA the table gives. */
	assert_int_equal(rh_mmap(f->plat, fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0,
				 (void **)&map), 0);
	assert_int_equal(rh_physmem_nr_aliases(f->plat->physmem), layout_runs(&l));
	for (i = 0, off = 0; i < l.nents; off += l.len[i], i++) {
		for (k = 0; k < l.len[i]; k += 4096) {
			assert_true(rh_phys_cpu_lookup(f->plat, map + off + k, &m));
			assert_int_equal(m.pa, l.pa[i] + k);
			assert_int_equal(m.prot, PROT_READ | PROT_WRITE);
		}
	}
	assert_int_equal(rh_dma_buf_vmap(dmabuf, (void **)&v), 0);
	assert_int_equal(rh_physmem_nr_aliases(f->plat->physmem), 2 * layout_runs(&l));
	map[len - 1] = 0x42;
	assert_int_equal(v[len - 1], 0x42);
	rh_dma_buf_vunmap(dmabuf, v);
	assert_int_equal(rh_physmem_nr_aliases(f->plat->physmem), layout_runs(&l));
	assert_int_equal(rh_munmap(f->plat, map, len), 0);
	assert_int_equal(rh_physmem_nr_aliases(f->plat->physmem), 0);
	assert_false(rh_phys_cpu_lookup(f->plat, map, &m));
	rh_dma_buf_put(dmabuf);
	assert_int_equal(rh_close(f->plat, fd), 0);
	rh_dma_buf_put(hole);
}

/* Is @name attached to any buffer, according to bufinfo? */
static bool bufinfo_mentions(struct fix *f, const char *name)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	bool found;

	assert_non_null(out);
	assert_int_equal(rh_dma_buf_bufinfo(f->plat, out), 0);
	fclose(out);
	found = strstr(text, name) != NULL;
	free(text);
	return found;
}

static void test_probe_cpu(void **state)
{
	struct fix *f = *state;
	int fd, heap_fd, flags;

	fd = rh_dma_heap_buffer_alloc(f->system, (3 << 20) + 4096, O_RDWR | O_CLOEXEC, 0);
	assert_true(fd >= 3);
	/* Normal memory: every page, or the sample, is readable. */
	for (flags = 0; flags <= (int)RH_PROBE_CPU_SAMPLE; flags += RH_PROBE_CPU_SAMPLE)
		assert_int_equal(rh_dma_buf_probe_cpu(f->plat, fd, (unsigned int)flags), 0);
	assert_int_equal(rh_phys_violation_count(f->plat), 0);
	/* The probe's attachment is gone, the buffer's references are as before. */
	assert_false(bufinfo_mentions(f, "cpu-probe"));
	{
		struct rh_dma_buf *dmabuf = rh_dma_buf_get(f->plat, fd);

		assert_false(RH_IS_ERR_OR_NULL(dmabuf));
		assert_int_equal(rh_dma_buf_file_count(dmabuf), 2);
		rh_dma_buf_put(dmabuf);
	}

	/* Bad input. */
	assert_neg_errno(rh_dma_buf_probe_cpu(NULL, fd, 0), EINVAL);
	assert_neg_errno(rh_dma_buf_probe_cpu(f->plat, fd, 2), EINVAL);
	assert_neg_errno(rh_dma_buf_probe_cpu(f->plat, fd, ~0u), EINVAL);
	assert_neg_errno(rh_dma_buf_probe_cpu(f->plat, -1, 0), EBADF);
	assert_neg_errno(rh_dma_buf_probe_cpu(f->plat, RH_FD_MAX, 0), EBADF);
	assert_neg_errno(rh_dma_buf_probe_cpu(f->plat, 0, 0), EINVAL); /* stdin: no dma-buf */
	heap_fd = rh_open(f->plat, "/dev/dma_heap/system", O_RDWR);
	assert_true(heap_fd >= 3);
	assert_neg_errno(rh_dma_buf_probe_cpu(f->plat, heap_fd, 0), EINVAL);
	assert_int_equal(rh_close(f->plat, heap_fd), 0);
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_neg_errno(rh_dma_buf_probe_cpu(f->plat, fd, 0), EBADF);
	assert_int_equal(rh_phys_violation_count(f->plat), 0);
}

static void test_attach_dup_per_attachment(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf = alloc_buf(f->system, 2 << 20);
	struct rh_dma_buf_attachment *a1, *a2;
	struct rh_sg_table *t1, *t2;
	struct rh_device_stats before, after;
	unsigned char in[16] = "device sees it", out[16];
	unsigned char *p;

	a1 = rh_dma_buf_attach(dmabuf, f->vcodec);
	a2 = rh_dma_buf_attach(dmabuf, f->gpu);
	assert_false(RH_IS_ERR_OR_NULL(a1));
	assert_false(RH_IS_ERR_OR_NULL(a2));
	t1 = rh_dma_buf_map_attachment(a1, RH_DMA_TO_DEVICE);
	t2 = rh_dma_buf_map_attachment(a2, RH_DMA_FROM_DEVICE);
	assert_false(RH_IS_ERR_OR_NULL(t1));
	assert_false(RH_IS_ERR_OR_NULL(t2));
	/* Two copies of one table: same pages, separate DMA state. */
	assert_ptr_not_equal(t1, t2);
	assert_ptr_not_equal(t1->sgl, t2->sgl);
	assert_int_equal(t1->orig_nents, 2);
	assert_int_equal(rh_sg_phys(t1->sgl), rh_sg_phys(t2->sgl));
	assert_false(rh_sg_dma_is_restricted(t1->sgl));
	/* The same table again for a second map of the same attachment. */
	rh_dma_buf_unmap_attachment(a1, t1, RH_DMA_TO_DEVICE);
	assert_ptr_equal(rh_dma_buf_map_attachment(a1, RH_DMA_TO_DEVICE), t1);

	/* A non-secure master reaches system memory through the mapping. */
	assert_int_equal(rh_dma_buf_vmap(dmabuf, (void **)&p), 0);
	assert_int_equal(rh_device_dma_write_sg(f->gpu, t2, (1 << 20) - 8, in, sizeof(in)), 0);
	assert_memory_equal(p + (1 << 20) - 8, in, sizeof(in));
	assert_int_equal(rh_device_dma_read_sg(f->vcodec, t1, (1 << 20) - 8, out, sizeof(out)), 0);
	assert_memory_equal(out, in, sizeof(in));
	rh_dma_buf_vunmap(dmabuf, p);

	/* Cached heap: the map syncs the CPU caches. */
	assert_int_equal(rh_device_get_stats(f->vcodec, &before), 0);
	rh_dma_buf_unmap_attachment(a1, t1, RH_DMA_TO_DEVICE);
	t1 = rh_dma_buf_map_attachment(a1, RH_DMA_BIDIRECTIONAL);
	assert_int_equal(rh_device_get_stats(f->vcodec, &after), 0);
	assert_int_equal(after.cpu_syncs, before.cpu_syncs + 1);
	rh_dma_buf_unmap_attachment(a1, t1, RH_DMA_BIDIRECTIONAL);
	rh_dma_buf_unmap_attachment(a2, t2, RH_DMA_FROM_DEVICE);
	rh_dma_buf_detach(dmabuf, a1);
	rh_dma_buf_detach(dmabuf, a2);
	rh_dma_buf_put(dmabuf);
}

static void test_uncached_skips_sync(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf = alloc_buf(f->uncached, 64 << 10);
	struct rh_device_stats before, after;
	struct rh_dma_buf_attachment *att;
	struct rh_sg_table *sgt;

	assert_string_equal(rh_dma_buf_exp_name(dmabuf), "system-uncached");
	att = rh_dma_buf_attach(dmabuf, f->vcodec);
	assert_false(RH_IS_ERR_OR_NULL(att));
	assert_int_equal(rh_device_get_stats(f->vcodec, &before), 0);
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_BIDIRECTIONAL);
	assert_false(RH_IS_ERR_OR_NULL(sgt));
	rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_BIDIRECTIONAL);
	assert_int_equal(rh_device_get_stats(f->vcodec, &after), 0);
	assert_int_equal(after.maps, before.maps + 1);
	assert_int_equal(after.cpu_syncs, before.cpu_syncs);
	rh_dma_buf_detach(dmabuf, att);
	rh_dma_buf_put(dmabuf);
}

static void test_cpu_access_and_sync(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf_sync sync = { RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_RW };
	int fd = rh_dma_heap_buffer_alloc(f->system, 4096, O_RDWR, 0);

	assert_true(fd >= 3);
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_SYNC, &sync), 0);
	sync.flags = RH_DMA_BUF_SYNC_END | RH_DMA_BUF_SYNC_RW;
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_SYNC, &sync), 0);
	assert_int_equal(rh_close(f->plat, fd), 0);
}

/* ------------------------------------------------------------ fail-nth */

struct nth_arg {
	struct fix *f;
	struct rh_dma_buf *dmabuf;
	struct rh_dma_buf_attachment *att;
	int fd;
	void *p;
};

static void nth_clean(void *p)
{
	struct nth_arg *arg = p;

	assert_int_equal(free_pages(arg->f), arg->f->free_at_start);
	assert_int_equal(rh_fd_count(arg->f->plat), 3);
}

static int nth_alloc(void *p)
{
	struct nth_arg *arg = p;

	/* 1 MiB + 64 KiB + one page: three blocks, three zeroings. */
	arg->fd = rh_dma_heap_buffer_alloc(arg->f->system, (1 << 20) + (64 << 10) + 4096,
					   O_RDWR, 0);
	return arg->fd < 0 ? arg->fd : 0;
}

static void nth_close(void *p)
{
	struct nth_arg *arg = p;

	assert_int_equal(rh_close(arg->f->plat, arg->fd), 0);
}

static int nth_attach_map_mmap(void *p)
{
	struct nth_arg *arg = p;
	struct rh_sg_table *sgt;
	int ret;

	arg->att = rh_dma_buf_attach(arg->dmabuf, arg->f->vcodec);
	if (RH_IS_ERR(arg->att))
		return (int)RH_PTR_ERR(arg->att);
	sgt = rh_dma_buf_map_attachment(arg->att, RH_DMA_TO_DEVICE);
	if (RH_IS_ERR(sgt)) {
		ret = (int)RH_PTR_ERR(sgt);
		goto err_detach;
	}
	rh_dma_buf_unmap_attachment(arg->att, sgt, RH_DMA_TO_DEVICE);
	ret = rh_mmap(arg->f->plat, arg->fd, 64 << 10, PROT_READ, MAP_SHARED, 0, &arg->p);
	if (ret)
		goto err_detach;
	return 0;

err_detach:
	rh_dma_buf_detach(arg->dmabuf, arg->att);
	return ret;
}

static void nth_attach_undo(void *p)
{
	struct nth_arg *arg = p;

	assert_int_equal(rh_munmap(arg->f->plat, arg->p, 64 << 10), 0);
	rh_dma_buf_detach(arg->dmabuf, arg->att);
}

static void nth_attach_clean(void *p)
{
	struct nth_arg *arg = p;

	assert_int_equal(rh_dma_buf_file_count(arg->dmabuf), 2);
	/* A failed mmap left no alias registered (nor a mapping: count above). */
	assert_int_equal(rh_physmem_nr_aliases(arg->f->plat->physmem), 0);
}

static int nth_probe(void *p)
{
	struct nth_arg *arg = p;

	return rh_dma_buf_probe_cpu(arg->f->plat, arg->fd, 0);
}

static void nth_probe_clean(void *p)
{
	struct nth_arg *arg = p;

	/* Whatever failed, nothing of the probe is left on the buffer. */
	assert_int_equal(rh_dma_buf_file_count(arg->dmabuf), 2);
	assert_false(bufinfo_mentions(arg->f, "cpu-probe"));
}

static void test_fail_nth(void **state)
{
	struct nth_arg arg = { .f = *state };

	/* buffer, block list, sg table, dma-buf: at least four sites. */
	assert_true(rh_test_fail_nth_sweep(nth_alloc, nth_close, nth_clean, &arg) >= 4);

	arg.fd = rh_dma_heap_buffer_alloc(arg.f->system, 1 << 20, O_RDWR, 0);
	assert_true(arg.fd >= 3);
	arg.dmabuf = rh_dma_buf_get(arg.f->plat, arg.fd);
	assert_false(RH_IS_ERR_OR_NULL(arg.dmabuf));
	assert_true(rh_test_fail_nth_sweep(nth_attach_map_mmap, nth_attach_undo,
					   nth_attach_clean, &arg) >= 3);
	/* The probe's device, attachment and table copy: three sites at least. */
	assert_true(rh_test_fail_nth_sweep(nth_probe, NULL, nth_probe_clean, &arg) >= 3);
	rh_dma_buf_put(arg.dmabuf);
	assert_int_equal(rh_close(arg.f->plat, arg.fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_pattern, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserved_excluded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zeroed_and_normal_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmap_offsets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mappings_are_registered_aliases, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_probe_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_dup_per_attachment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uncached_skips_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_access_and_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_nth, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
