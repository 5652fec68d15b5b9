// SPDX-License-Identifier: MIT
/* The MTK restricted heaps end to end: real emulated TAs, firewall, importers, TEE faults. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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
#include <rheap/heaps/restricted-mtk.h>
#include <rheap/heaps/restricted.h>
#include <rheap/importer.h>
#include <rheap/phys.h>
#include <rheap/platform.h>
#include <rheap/scatterlist.h>
#include <rheap/secure-stats.h>
#include <rheap/svp.h>
#include <rheap/tee-backend.h>
#include <rheap/tee-secmem.h>
#include <rheap/tee.h>
#include <rheap/uapi.h>

#include "internal.h"
#include "rh-test.h"
#include "secmem-client.h"
#include "ta/ta-secmem.h"
#include "optee/tee.h"

/* platforms/minimal.dts */
#define CHUNK_BASE 0x48000000ULL
#define CHUNK_SIZE 0x2000000ULL
#define CMA_BASE 0x4c000000ULL
#define CMA_SIZE 0x4000000ULL
#define SZ_1M (1ULL << 20)
#define SZ_2M (2ULL << 20)

struct fix {
	struct rh_platform *plat;
	struct rh_tee_fault *fault;
	struct rh_dma_heap *cm, *cma;
	struct rh_device *vcodec, *display, *gpu;
	struct rh_importer *iv, *id, *ig; /* vcodec, display, gpu */
	char last_log[512];
	unsigned int nr_logs;
};

static void capture_log(void *data, enum rh_log_level level, const char *msg)
{
	struct fix *f = data;

	(void)level;
	snprintf(f->last_log, sizeof(f->last_log), "%s", msg);
	f->nr_logs++;
}

static struct rh_dma_heap *find_heap(struct rh_platform *plat, const char *name)
{
	struct rh_dma_heap *heap = rh_dma_heap_find(plat, name);

	rh_dma_heap_put(heap);
	return heap;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	const struct rh_tee_ops *ops;
	void *priv;

	assert_non_null(f);
	tc_minimal_platform(&f->plat);
	rh_platform_set_log_fn(f->plat, capture_log, f);
	/* Every TEE call goes through a (disarmed) fault wrapper. */
	assert_int_equal(rh_platform_get_default_tee_backend(f->plat, &ops, &priv), 0);
	assert_int_equal(rh_tee_fault_new(f->plat, ops, priv, &f->fault), 0);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, rh_tee_fault_get_ops(), f->fault),
			 0);
	f->cm = find_heap(f->plat, RH_RESTRICTED_MTK_CM_NAME);
	f->cma = find_heap(f->plat, RH_RESTRICTED_MTK_CMA_NAME);
	f->vcodec = rh_device_find(f->plat, "vcodec");
	f->display = rh_device_find(f->plat, "display");
	f->gpu = rh_device_find(f->plat, "gpu");
	assert_non_null(f->cm);
	assert_non_null(f->cma);
	assert_true(rh_device_is_secure_capable(f->vcodec));
	assert_false(rh_device_is_secure_capable(f->gpu));
	assert_int_equal(rh_importer_new(f->vcodec, &f->iv), 0);
	assert_int_equal(rh_importer_new(f->display, &f->id), 0);
	assert_int_equal(rh_importer_new(f->gpu, &f->ig), 0);
	*state = f;
	return 0;
}

/*
 * What the heaps believe equals what the secure-memory TA holds, the CMA
 * region is lent exactly while it is taken, and the firewall protects the
 * chunk plus the region while it is lent.
 */
static void assert_consistent(struct fix *f)
{
	struct rh_restricted_mtk_stats cm, cma;
	struct rh_secmem_stats tz, dyn;
	struct rh_platform_stats ps;

	assert_int_equal(rh_restricted_mtk_get_stats(f->plat, RH_RESTRICTED_MTK_CM_NAME, &cm), 0);
	assert_int_equal(rh_restricted_mtk_get_stats(f->plat, RH_RESTRICTED_MTK_CMA_NAME, &cma), 0);
	assert_int_equal(rh_secmem_get_stats(f->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &tz), 0);
	assert_int_equal(rh_secmem_get_stats(f->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &dyn), 0);
	assert_int_equal(cm.tee_buffers, tz.live_buffers);
	assert_int_equal(cm.tee_bytes, tz.bytes_used);
	assert_int_equal(cma.tee_buffers, dyn.live_buffers);
	assert_int_equal(cma.tee_bytes, dyn.bytes_used);
	assert_int_equal(cma.cma_used_size + cma.pending_bytes, dyn.bytes_used);
	assert_int_equal(cma.cma_held, dyn.lent);
	assert_int_equal(cma.cma_held, cma.cma_used_size + cma.pending_bytes > 0);
	assert_int_equal(dyn.base, CMA_BASE);
	assert_int_equal(rh_platform_get_stats(f->plat, &ps), 0);
	assert_int_equal(ps.firewall_regions_in_use, 1 + (dyn.lent ? 1 : 0));
}

static int teardown(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf_stats st;

	assert_int_equal(rh_tee_fault_arm(f->fault, NULL), 0);
	rh_importer_free(f->iv);
	rh_importer_free(f->id);
	rh_importer_free(f->ig);
	assert_consistent(f);
	assert_int_equal(rh_dma_buf_get_stats(f->plat, &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(st.release_errors, 0);
	rh_platform_unref(f->plat);
	rh_tee_fault_free(f->fault);
	free(f);
	return 0;
}

static struct rh_dma_buf *alloc(struct rh_dma_heap *heap, size_t len)
{
	struct rh_dma_buf *b = rh_dma_heap_buffer_alloc_dmabuf(heap, len, O_RDWR | O_CLOEXEC, 0);

	assert_false(RH_IS_ERR_OR_NULL(b));
	return b;
}

static int try_alloc(struct rh_dma_heap *heap, size_t len)
{
	struct rh_dma_buf *b = rh_dma_heap_buffer_alloc_dmabuf(heap, len, O_RDWR, 0);

	if (RH_IS_ERR(b))
		return (int)RH_PTR_ERR(b);
	rh_dma_buf_put(b);
	return 0;
}

static rh_phys_addr_t first_pa(struct rh_dma_buf *b)
{
	return rh_sg_phys(rh_restricted_buffer_get(b)->sg_table.sgl);
}

static void arm(struct fix *f, uint32_t func, enum rh_tee_fault_action action,
		uint32_t result, bool after)
{
	struct rh_tee_fault_spec spec = { 0 };

	spec.nth = 1;
	spec.cmd_mask = RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_INVOKE_COMMAND);
	spec.match_func = true;
	spec.func = func;
	spec.action = action;
	spec.result = result;
	spec.origin = RH_TEEC_ORIGIN_TRUSTED_APP;
	spec.error = action == RH_TEE_FAULT_TRANSPORT ? -EIO : 0;
	spec.after = after;
	assert_int_equal(rh_tee_fault_arm(f->fault, &spec), 0);
}

static void disarm(struct fix *f)
{
	assert_int_equal(rh_tee_fault_arm(f->fault, NULL), 0);
}

static struct rh_secmem_stats ta_stats(struct fix *f, enum rh_mtk_secure_mem_type type)
{
	struct rh_secmem_stats st;

	assert_int_equal(rh_secmem_get_stats(f->plat, type, &st), 0);
	return st;
}

static struct rh_restricted_mtk_stats heap_stats(struct fix *f, const char *name)
{
	struct rh_restricted_mtk_stats st;

	assert_int_equal(rh_restricted_mtk_get_stats(f->plat, name, &st), 0);
	return st;
}

/*
 * Leaves the chunk with eight free 2 MiB holes between eight live 2 MiB
 * buffers, so that a 4 MiB buffer has to be made of two extents.
 */
static void fragment_chunk(struct fix *f, struct rh_dma_buf *keep[8])
{
	struct rh_dma_buf *b[16];
	unsigned int i;

	for (i = 0; i < 16; i++)
		b[i] = alloc(f->cm, SZ_2M);
	for (i = 0; i < 16; i++) {
		if (i % 2)
			rh_dma_buf_put(b[i]);
		else
			keep[i / 2] = b[i];
	}
}

static void put_all(struct rh_dma_buf **b, unsigned int n)
{
	while (n--)
		rh_dma_buf_put(b[n]);
}

/* ------------------------------------------------------------ allocation */

/* The uapi path on both heaps; the heaps and the TA agree at every step. */
static void test_uapi_both_heaps(void **state)
{
	static const size_t sizes[] = { 1, 4096, 5000, SZ_1M, 3 * SZ_1M + 12345 };
	struct fix *f = *state;
	struct rh_dma_heap_allocation_data data;
	int heap_fd[2], fds[2][5], h;
	unsigned int i;

	heap_fd[0] = rh_open(f->plat, "/dev/dma_heap/" RH_RESTRICTED_MTK_CM_NAME, O_RDONLY);
	heap_fd[1] = rh_open(f->plat, "/dev/dma_heap/" RH_RESTRICTED_MTK_CMA_NAME, O_RDONLY);
	assert_true(heap_fd[0] >= 0 && heap_fd[1] >= 0);
	for (h = 0; h < 2; h++) {
		for (i = 0; i < RH_ARRAY_SIZE(sizes); i++) {
			memset(&data, 0, sizeof(data));
			data.len = sizes[i];
			data.fd_flags = O_RDWR | O_CLOEXEC;
			assert_int_equal(rh_ioctl(f->plat, heap_fd[h], RH_DMA_HEAP_IOCTL_ALLOC,
						  &data), 0);
			fds[h][i] = (int)data.fd;
			assert_int_equal(rh_lseek(f->plat, fds[h][i], 0, SEEK_END),
					 (off_t)RH_PAGE_ALIGN(sizes[i]));
			assert_consistent(f);
		}
	}
	assert_true(ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA).lent);
	for (h = 0; h < 2; h++)
		for (i = 0; i < RH_ARRAY_SIZE(sizes); i++) {
			assert_int_equal(rh_close(f->plat, fds[h][i]), 0);
			assert_consistent(f);
		}
	assert_false(ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA).lent);
	assert_int_equal(rh_close(f->plat, heap_fd[0]), 0);
	assert_int_equal(rh_close(f->plat, heap_fd[1]), 0);
}

/* Every PA the TA gave lies in its pool; the CMA heap's in the lent region. */
static void test_layout_in_pools(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_buffer *buf;
	struct rh_dma_buf *a, *b;

	a = alloc(f->cm, SZ_1M);
	b = alloc(f->cma, SZ_1M);
	buf = rh_restricted_buffer_get(a);
	assert_int_equal(buf->sg_table.orig_nents, 1);
	assert_true(first_pa(a) >= CHUNK_BASE && first_pa(a) + SZ_1M <= CHUNK_BASE + CHUNK_SIZE);
	assert_true(first_pa(b) >= CMA_BASE && first_pa(b) + SZ_1M <= CMA_BASE + CMA_SIZE);
	assert_int_not_equal(buf->restricted_addr, 0);
	/* The handle is not the PA. */
	assert_int_not_equal(buf->restricted_addr, first_pa(a));
	rh_dma_buf_put(a);
	rh_dma_buf_put(b);
}

/* A buffer of several extents: RETRIEVE_SG against the real TA. */
static void test_discontiguous(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_buffer *buf;
	struct rh_importer_map *mw, *mr;
	struct rh_dma_buf *keep[8], *b;
	struct rh_scatterlist *sg;
	uint8_t out[32], in[32];
	uint64_t sum = 0;
	size_t off;
	unsigned int i;

	fragment_chunk(f, keep);
	b = alloc(f->cm, 2 * SZ_2M);
	buf = rh_restricted_buffer_get(b);
	assert_true(buf->sg_table.orig_nents >= 2);
	rh_for_each_sgtable_sg(&buf->sg_table, sg, i) {
		assert_true(rh_sg_phys(sg) >= CHUNK_BASE);
		assert_true(rh_sg_phys(sg) + sg->length <= CHUNK_BASE + CHUNK_SIZE);
		sum += sg->length;
	}
	assert_int_equal(sum, 2 * SZ_2M);
	assert_int_equal(heap_stats(f, RH_RESTRICTED_MTK_CM_NAME).retrieve_sgs,
			 ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ).retrieves);
	assert_int_equal(ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ).discontiguous, 1);
	assert_consistent(f);

	/* A secure device writes across the extent boundary, another reads it. */
	for (i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(rh_importer_map(f->id, b, RH_DMA_FROM_DEVICE, &mw), 0);
	assert_int_equal(rh_importer_map(f->iv, b, RH_DMA_TO_DEVICE, &mr), 0);
	off = buf->sg_table.sgl->length - 16;
	assert_int_equal(rh_importer_write(mw, off, out, sizeof(out)), 0);
	assert_int_equal(rh_importer_read(mr, off, in, sizeof(in)), 0);
	assert_memory_equal(in, out, sizeof(in));
	rh_importer_unmap(mw);
	rh_importer_unmap(mr);
	rh_dma_buf_put(b);
	put_all(keep, 8);
}

/*
 * The TA's own limits: CM has no kernel-side capacity check, CMA has; both
 * answer a full region with -ENOMEM.
 */
static void test_capacity(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *b;

	assert_neg_errno(try_alloc(f->cm, CHUNK_SIZE + 4096), ENOMEM);
	assert_true(ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ).oom >= 1);
	assert_neg_errno(try_alloc(f->cma, CMA_SIZE + 4096), ENOMEM);
	b = alloc(f->cma, CMA_SIZE);
	assert_neg_errno(try_alloc(f->cma, 4096), ENOMEM);
	assert_consistent(f);
	rh_dma_buf_put(b);
	b = alloc(f->cm, CHUNK_SIZE);
	assert_neg_errno(try_alloc(f->cm, 4096), ENOMEM);
	rh_dma_buf_put(b);
}

/*
 * The system heap never hands out the reserved regions (the chunk, and
 * the dynamic region whether lent or not): nearly all the rest of DRAM.
 */
static void test_system_heap_avoids_regions(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap *sys = find_heap(f->plat, "system");
	struct rh_dma_buf *lent, *b[15];
	struct rh_scatterlist *sg;
	struct rh_sg_table *sgt;
	struct rh_dma_buf_attachment *att;
	unsigned int i, j;
	uint64_t pa;

	lent = alloc(f->cma, SZ_1M);
	/* 150 of the 160 MiB of DRAM outside the reserved regions. */
	for (i = 0; i < 15; i++) {
		b[i] = alloc(sys, 10 * SZ_1M);
		att = rh_dma_buf_attach(b[i], f->gpu);
		assert_false(RH_IS_ERR_OR_NULL(att));
		sgt = rh_dma_buf_map_attachment(att, RH_DMA_TO_DEVICE);
		assert_false(RH_IS_ERR_OR_NULL(sgt));
		rh_for_each_sgtable_dma_sg(sgt, sg, j) {
			pa = rh_sg_dma_address(sg);
			assert_true(pa + rh_sg_dma_len(sg) <= CHUNK_BASE ||
				    pa >= CMA_BASE + CMA_SIZE ||
				    (pa >= CHUNK_BASE + CHUNK_SIZE && pa + rh_sg_dma_len(sg) <= CMA_BASE));
		}
		rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_TO_DEVICE);
		rh_dma_buf_detach(b[i], att);
	}
	rh_dma_buf_put(lent);
	assert_neg_errno(try_alloc(sys, 20 * SZ_1M), ENOMEM);
	put_all(b, 15);
}

/* ------------------------------------------------------------ inaccessibility */

static void probe_denied(struct fix *f, rh_phys_addr_t pa)
{
	struct rh_violation v;
	uint8_t byte = 0x5a;

	assert_neg_errno(rh_phys_probe_read(f->plat, pa, &byte, 1), EFAULT);
	assert_int_equal(rh_phys_violation_last(f->plat, &v), 0);
	assert_string_equal(v.master, "cpu");
	assert_int_equal(v.fault_pa, pa);
	assert_false(v.write);
	assert_neg_errno(rh_phys_probe_write(f->plat, pa, &byte, 1), EFAULT);
}

/* The CPU can neither read nor map nor sync a restricted buffer. */
static void test_cpu_denied(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf_sync sync = { .flags = RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_READ };
	struct rh_dma_buf *b[2];
	void *ptr = NULL;
	unsigned int i;
	int fd;

	b[0] = alloc(f->cm, 3 * 4096);
	b[1] = alloc(f->cma, 3 * 4096);
	for (i = 0; i < 2; i++) {
		probe_denied(f, first_pa(b[i]));
		probe_denied(f, first_pa(b[i]) + 2 * 4096 + 123);
		fd = rh_dma_buf_fd(b[i], O_CLOEXEC);
		assert_true(fd >= 0);
		assert_neg_errno(rh_mmap(f->plat, fd, 4096, PROT_READ, MAP_SHARED, 0, &ptr), EPERM);
		assert_null(ptr);
		assert_neg_errno(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_SYNC, &sync), EPERM);
		assert_int_equal(rh_close(f->plat, fd), 0);
	}
	assert_true(rh_phys_violation_count(f->plat) >= 8);
}

/* A device that cannot be secure gets -EACCES and keeps nothing. */
static void test_nonsecure_device(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf_attachment *att;
	struct rh_importer_stats st;
	struct rh_importer_map *m = NULL;
	struct rh_device_stats ds;
	struct rh_sg_table *sgt;
	struct rh_dma_buf *b;
	uint8_t byte;

	b = alloc(f->cma, 8192);
	assert_neg_errno(rh_importer_map(f->ig, b, RH_DMA_TO_DEVICE, &m), EACCES);
	assert_null(m);
	assert_non_null(strstr(f->last_log, "TEEC_ERROR_ACCESS_DENIED"));
	assert_int_equal(rh_importer_get_stats(f->ig, &st), 0);
	assert_int_equal(st.maps, 0);
	assert_int_equal(st.refused, 1);
	assert_false(rh_device_is_secure(f->gpu));

	/* A driver that skips the check: attach and map work, DMA is refused. */
	att = rh_dma_buf_attach(b, f->gpu);
	assert_false(RH_IS_ERR_OR_NULL(att));
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_TO_DEVICE);
	assert_false(RH_IS_ERR_OR_NULL(sgt));
	assert_true(rh_sg_dma_is_restricted(sgt->sgl) == RH_NEED_SG_DMA_FLAGS);
	assert_neg_errno(rh_device_dma_read_sg(f->gpu, sgt, 0, &byte, 1), EACCES);
	assert_int_equal(rh_device_get_stats(f->gpu, &ds), 0);
	assert_int_equal(ds.refused, 1);
	rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_TO_DEVICE);
	rh_dma_buf_detach(b, att);
	/* The refused importer left no attachment behind: the release happens now. */
	rh_dma_buf_put(b);
}

/* A secure device reads what the TEE wrote (decrypted into the buffer). */
static void test_secure_device_reads_tee_data(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_buffer *buf;
	struct rh_importer_stats st;
	struct rh_importer_map *m;
	uint8_t plain[10000], cipher[10000], out[10000], iv[RH_SVP_IV_LEN];
	uint64_t written = 0;
	struct rh_dma_buf *b;
	struct tc svp;
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i * 7 + 3);
	b = alloc(f->cma, 64 * 1024);
	buf = rh_restricted_buffer_get(b);
	assert_int_equal(rh_svp_package_sample(f->plat, plain, sizeof(plain), iv, cipher), 0);
	tc_open(f->plat, RH_TA_SVP_UUID, &svp);
	assert_int_equal(tc_decrypt(&svp, cipher, sizeof(cipher), buf->restricted_addr, 4096, iv,
				    sizeof(iv), &written), RH_TEEC_SUCCESS);
	assert_int_equal(written, sizeof(plain));
	tc_close(&svp);

	/* Through the fd, as a driver gets it from userspace (b stays ours). */
	rh_get_dma_buf(b);
	fd = rh_dma_buf_fd(b, O_CLOEXEC);
	assert_true(fd >= 0);
	assert_false(rh_device_is_secure(f->vcodec));
	assert_int_equal(rh_importer_map_fd(f->iv, fd, RH_DMA_TO_DEVICE, &m), 0);
	assert_int_equal(rh_close(f->plat, fd), 0); /* the mapping keeps the buffer */
	assert_true(rh_importer_map_is_restricted(m) == RH_NEED_SG_DMA_FLAGS);
	if (!RH_NEED_SG_DMA_FLAGS) {
		/* Without the flag the importer cannot know: DMA is refused. */
		assert_neg_errno(rh_importer_read(m, 4096, out, 16), EACCES);
		rh_importer_unmap(m);
		rh_dma_buf_put(b);
		return;
	}
	assert_true(rh_device_is_secure(f->vcodec));
	assert_int_equal(rh_importer_read(m, 4096, out, sizeof(out)), 0);
	assert_memory_equal(out, plain, sizeof(plain));
	/* ZALLOC zeroed the rest. */
	assert_int_equal(rh_importer_read(m, 0, out, 4096), 0);
	for (i = 0; i < 4096; i++)
		assert_int_equal(out[i], 0);
	/* The CPU still cannot. */
	probe_denied(f, first_pa(b) + 4096);
	assert_int_equal(rh_importer_get_stats(f->iv, &st), 0);
	assert_int_equal(st.secure_switches, 1);
	assert_int_equal(st.restricted_maps, 1);

	/* Unmapped: back to normal mode, and the device is refused again. */
	rh_importer_unmap(m);
	assert_false(rh_device_is_secure(f->vcodec));
	assert_int_equal(rh_importer_get_stats(f->iv, &st), 0);
	assert_int_equal(st.normal_switches, 1);
	assert_int_equal(st.maps, 0);
	assert_neg_errno(rh_device_dma_read(f->vcodec, first_pa(b), out, 16), EACCES);
	rh_dma_buf_put(b);
}

/* Secure mode lasts while any restricted mapping of the importer lives. */
static void test_secure_mode_refcounted(void **state)
{
	struct fix *f = *state;
	struct rh_importer_map *m1, *m2, *m3;
	struct rh_dma_buf *a, *b, *c;
	struct rh_dma_heap *sys;
	uint8_t data[64] = "clear", out[64];

	if (!RH_NEED_SG_DMA_FLAGS)
		skip();
	sys = find_heap(f->plat, "system");
	a = alloc(f->cm, 4096);
	b = alloc(f->cma, 4096);
	c = alloc(sys, 4096);
	assert_int_equal(rh_importer_map(f->id, a, RH_DMA_BIDIRECTIONAL, &m1), 0);
	assert_int_equal(rh_importer_map(f->id, b, RH_DMA_BIDIRECTIONAL, &m2), 0);
	/* A normal buffer: no secure-world involvement at all. */
	assert_int_equal(rh_importer_map(f->id, c, RH_DMA_BIDIRECTIONAL, &m3), 0);
	assert_false(rh_importer_map_is_restricted(m3));
	assert_true(rh_device_is_secure(f->display));
	rh_importer_unmap(m1);
	assert_true(rh_device_is_secure(f->display));
	assert_int_equal(rh_importer_write(m2, 0, data, sizeof(data)), 0);
	assert_int_equal(rh_importer_read(m2, 0, out, sizeof(out)), 0);
	assert_memory_equal(out, data, sizeof(data));
	rh_importer_unmap(m2);
	assert_false(rh_device_is_secure(f->display));
	/* The system heap buffer still works for the normal device. */
	assert_int_equal(rh_importer_write(m3, 0, data, sizeof(data)), 0);
	rh_importer_unmap(m3);
	rh_dma_buf_put(a);
	rh_dma_buf_put(b);
	rh_dma_buf_put(c);
}

/* After the last CMA buffer, the region is the normal world's again, all zero. */
static void test_cma_region_returned_zeroed(void **state)
{
	struct fix *f = *state;
	struct rh_importer_map *m;
	struct rh_dma_buf *a, *b;
	struct rh_secmem_stats dyn;
	uint8_t *chunk, fill[4096];
	uint64_t off, i;

	memset(fill, 0xab, sizeof(fill));
	a = alloc(f->cma, SZ_1M);
	b = alloc(f->cma, SZ_1M);
	if (RH_NEED_SG_DMA_FLAGS) {
		/* Secret data all over both buffers. */
		assert_int_equal(rh_importer_map(f->id, a, RH_DMA_FROM_DEVICE, &m), 0);
		for (off = 0; off < SZ_1M; off += sizeof(fill))
			assert_int_equal(rh_importer_write(m, off, fill, sizeof(fill)), 0);
		rh_importer_unmap(m);
		assert_int_equal(rh_importer_map(f->id, b, RH_DMA_FROM_DEVICE, &m), 0);
		assert_int_equal(rh_importer_write(m, SZ_1M - 4096, fill, sizeof(fill)), 0);
		rh_importer_unmap(m);
	}
	rh_dma_buf_put(a);
	/* One buffer left: the whole region stays protected. */
	probe_denied(f, CMA_BASE);
	probe_denied(f, CMA_BASE + CMA_SIZE - 4096);
	assert_consistent(f);
	rh_dma_buf_put(b);

	dyn = ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA);
	assert_false(dyn.lent);
	assert_int_equal(dyn.unlends, 1);
	assert_false(heap_stats(f, RH_RESTRICTED_MTK_CMA_NAME).cma_held);
	chunk = malloc(SZ_1M);
	assert_non_null(chunk);
	for (off = 0; off < CMA_SIZE; off += SZ_1M) {
		assert_int_equal(rh_phys_probe_read(f->plat, CMA_BASE + off, chunk, SZ_1M), 0);
		for (i = 0; i < SZ_1M; i++)
			if (chunk[i])
				fail_msg("byte at 0x%llx is 0x%x",
					 (unsigned long long)(CMA_BASE + off + i), chunk[i]);
	}
	free(chunk);
	/* The static chunk stays protected. */
	probe_denied(f, CHUNK_BASE);
}

/* ------------------------------------------------------------ TEE failures */

/* ZALLOC answered OOM (injected): -ENOMEM, the region taken and given back. */
static void test_fault_zalloc_oom(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;

	arm(f, RH_MTK_TZCMD_SECMEM_ZALLOC, RH_TEE_FAULT_RESULT, RH_MTK_TEE_RESULT_OOM, false);
	assert_neg_errno(try_alloc(f->cma, SZ_1M), ENOMEM);
	assert_int_equal(rh_tee_fault_fired(f->fault), 1);
	st = heap_stats(f, RH_RESTRICTED_MTK_CMA_NAME);
	assert_int_equal(st.cma_allocs, 1);
	assert_int_equal(st.cma_releases, 1);
	assert_int_equal(st.frees, 0);
	assert_consistent(f);
	arm(f, RH_MTK_TZCMD_SECMEM_ZALLOC, RH_TEE_FAULT_TRANSPORT, 0, false);
	assert_neg_errno(try_alloc(f->cm, SZ_1M), ENOMEM);
	assert_consistent(f);
	disarm(f);
	assert_int_equal(try_alloc(f->cma, SZ_1M), 0);
}

/* RETRIEVE_SG fails: FREE goes out, -EOPNOTSUPP, the TA holds nothing more. */
static void test_fault_retrieve_sg(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *keep[8];
	uint64_t live;

	fragment_chunk(f, keep);
	live = ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ).live_buffers;
	arm(f, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG, RH_TEE_FAULT_RESULT, RH_TEEC_ERROR_GENERIC, false);
	assert_neg_errno(try_alloc(f->cm, 2 * SZ_2M), EOPNOTSUPP);
	assert_int_equal(ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ).live_buffers, live);
	assert_consistent(f);
	disarm(f);
	assert_int_equal(try_alloc(f->cm, 2 * SZ_2M), 0);
	put_all(keep, 8);
}

/* A CMA buffer freed while FREE is lost in transport; the heap's stats after. */
static struct rh_restricted_mtk_stats free_lost_in_transport(struct fix *f, bool after)
{
	struct rh_dma_buf *b = alloc(f->cma, SZ_1M);

	arm(f, RH_MTK_TZCMD_SECMEM_FREE, RH_TEE_FAULT_TRANSPORT, 0, after);
	rh_dma_buf_put(b);
	disarm(f);
	return heap_stats(f, RH_RESTRICTED_MTK_CMA_NAME);
}

/*
 * FREE lost in transport, before or after the TA: while the heap has other
 * buffers it is deferred and delivered (or confirmed) by the next
 * allocation; once the heap is idle it is sent again at once.
 */
static void test_fault_free_transport(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	struct rh_dma_buf *keep;
	bool after;

	for (after = false; ; after = true) {
		keep = alloc(f->cma, 4096);
		st = free_lost_in_transport(f, after);
		assert_int_equal(st.pending_frees, 1);
		/* The region stays while the TA may hold the buffer. */
		assert_true(st.cma_held);
		assert_int_equal(ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA).live_buffers,
				 after ? 1 : 2);
		/* The next allocation delivers it. */
		assert_int_equal(try_alloc(f->cma, 4096), 0);
		st = heap_stats(f, RH_RESTRICTED_MTK_CMA_NAME);
		assert_int_equal(st.pending_frees, 0);
		assert_int_equal(st.free_failures, 0);
		assert_consistent(f);
		rh_dma_buf_put(keep);
		assert_false(heap_stats(f, RH_RESTRICTED_MTK_CMA_NAME).cma_held);

		/* The last buffer: sent again right away, nothing to recycle. */
		st = free_lost_in_transport(f, after);
		assert_int_equal(st.pending_frees, 0);
		assert_int_equal(st.free_failures, 0);
		assert_int_equal(st.tee_recycles, 0);
		assert_false(st.cma_held);
		assert_int_equal(ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA).live_buffers, 0);
		assert_consistent(f);
		if (after)
			break;
	}
}

/*
 * FREE answered by the TEE itself (origin TEE, before the TA ran): not the
 * TA's word, so sent again; answered by the TA with an error: final, as in
 * v5, but the session may keep the buffer, so the idle heap recycles it
 * and the TA releases it (v5 leaves it there for good).
 */
static void test_fault_free_refused(void **state)
{
	static const uint32_t origins[] = { RH_TEEC_ORIGIN_API, RH_TEEC_ORIGIN_COMMS,
					    RH_TEEC_ORIGIN_TEE, RH_TEEC_ORIGIN_TRUSTED_APP };
	struct fix *f = *state;
	struct rh_tee_fault_spec spec = { 0 };
	struct rh_restricted_mtk_stats st;
	struct rh_dma_buf *b;
	unsigned int i;

	for (i = 0; i < RH_ARRAY_SIZE(origins); i++) {
		b = alloc(f->cm, SZ_1M);
		spec.nth = 1;
		spec.match_func = true;
		spec.func = RH_MTK_TZCMD_SECMEM_FREE;
		spec.action = RH_TEE_FAULT_RESULT;
		spec.result = RH_TEEC_ERROR_GENERIC;
		spec.origin = origins[i];
		assert_int_equal(rh_tee_fault_arm(f->fault, &spec), 0);
		rh_dma_buf_put(b);
		assert_int_equal(rh_tee_fault_fired(f->fault), 1);
		disarm(f);
		st = heap_stats(f, RH_RESTRICTED_MTK_CM_NAME);
		assert_int_equal(st.free_failures, origins[i] == RH_TEEC_ORIGIN_TRUSTED_APP);
		assert_int_equal(st.tee_recycles, origins[i] == RH_TEEC_ORIGIN_TRUSTED_APP);
		assert_false(st.tee_doubt);
		assert_int_equal(st.tee_buffers, 0);
		assert_int_equal(st.pending_frees, 0);
		assert_int_equal(ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ).live_buffers, 0);
		assert_int_equal(ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ).bytes_used, 0);
		assert_consistent(f);
	}
	/* The recycled session works. */
	assert_int_equal(try_alloc(f->cm, SZ_1M), 0);
}

/* The session does not open: -EINVAL, retried by the next allocation. */
static void test_fault_open_session(void **state)
{
	struct fix *f = *state;
	struct rh_tee_fault_spec spec = { 0 };

	spec.nth = 1;
	spec.cmd_mask = RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_OPEN_SESSION);
	spec.action = RH_TEE_FAULT_RESULT;
	spec.result = RH_TEEC_ERROR_BUSY;
	spec.origin = RH_TEEC_ORIGIN_TEE;
	assert_int_equal(rh_tee_fault_arm(f->fault, &spec), 0);
	assert_neg_errno(try_alloc(f->cma, SZ_1M), EINVAL);
	assert_false(heap_stats(f, RH_RESTRICTED_MTK_CMA_NAME).tee_open);
	assert_int_equal(heap_stats(f, RH_RESTRICTED_MTK_CMA_NAME).cma_allocs, 0);
	spec.action = RH_TEE_FAULT_TRANSPORT;
	spec.error = -EIO;
	assert_int_equal(rh_tee_fault_arm(f->fault, &spec), 0);
	assert_neg_errno(try_alloc(f->cma, SZ_1M), EINVAL);
	disarm(f);
	assert_int_equal(try_alloc(f->cma, SZ_1M), 0);
	assert_int_equal(heap_stats(f, RH_RESTRICTED_MTK_CMA_NAME).tee_inits, 1);
}

/* The TA panics inside ZALLOC, RETRIEVE_SG or FREE: nothing leaks on either side. */
static void test_fault_panic(void **state)
{
	static const uint32_t funcs[] = {
		RH_MTK_TZCMD_SECMEM_ZALLOC, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG,
		RH_MTK_TZCMD_SECMEM_FREE,
	};
	struct fix *f = *state;
	struct rh_dma_buf *keep[8], *old, *b;
	struct rh_restricted_mtk_stats st;
	struct rh_secmem_stats tz;
	unsigned int i;

	old = alloc(f->cma, SZ_1M);
	for (i = 0; i < RH_ARRAY_SIZE(funcs); i++) {
		print_message("panic in 0x%x\n", funcs[i]);
		fragment_chunk(f, keep);
		if (funcs[i] == RH_MTK_TZCMD_SECMEM_FREE) {
			b = alloc(f->cm, SZ_1M);
			arm(f, funcs[i], RH_TEE_FAULT_PANIC, 0, false);
			rh_dma_buf_put(b);
			assert_int_equal(heap_stats(f, RH_RESTRICTED_MTK_CM_NAME).pending_frees, 1);
		} else {
			arm(f, funcs[i], RH_TEE_FAULT_PANIC, 0, false);
			assert_true(try_alloc(f->cm, 2 * SZ_2M) < 0);
		}
		assert_int_equal(rh_tee_fault_fired(f->fault), 1);
		disarm(f);
		/*
		 * The next allocation reopens the session; closing the dead one
		 * made the TA release what it held, so the deferred FREE finds
		 * nothing and the kept buffers are lost to the TEE.
		 */
		assert_int_equal(try_alloc(f->cm, 4096), 0);
		st = heap_stats(f, RH_RESTRICTED_MTK_CM_NAME);
		assert_int_equal(st.tee_inits, i + 2);
		assert_int_equal(st.pending_frees, 0);
		assert_int_equal(st.lost_buffers, 8);
		assert_int_equal(st.lost_bytes, 8 * SZ_2M);
		assert_int_equal(st.tee_buffers, 0);
		assert_int_equal(rh_secmem_get_stats(f->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &tz), 0);
		assert_int_equal(tz.live_buffers, 0);
		assert_int_equal(tz.bytes_used, 0);
		assert_consistent(f);
		/* Their FREEs find nothing, and that is no failure. */
		put_all(keep, 8);
		st = heap_stats(f, RH_RESTRICTED_MTK_CM_NAME);
		assert_int_equal(st.lost_buffers, 0);
		assert_int_equal(st.lost_bytes, 0);
		assert_int_equal(st.free_failures, 0);
		assert_consistent(f);
	}
	/*
	 * The TA is single-instance: the CMA heap's session died with it, and
	 * the TA still holds its buffer until the heap notices and reopens.
	 * The FREE is deferred; the reopen releases the buffer and the region.
	 */
	rh_dma_buf_put(old);
	/*
	 * Its FREE met the dead session; the heap is idle, so it recycles the
	 * session at once: the close released the buffer and the region.
	 */
	st = heap_stats(f, RH_RESTRICTED_MTK_CMA_NAME);
	assert_int_equal(st.pending_frees, 0);
	assert_int_equal(st.tee_recycles, 1);
	assert_int_equal(st.tee_inits, 2);
	assert_int_equal(st.free_failures, 0);
	assert_int_equal(st.lost_buffers, 0);
	assert_false(st.cma_held);
	assert_consistent(f);
	assert_int_equal(try_alloc(f->cma, 4096), 0);
	assert_int_equal(heap_stats(f, RH_RESTRICTED_MTK_CMA_NAME).tee_inits, 2);
}

/* No TEE driver: -ENODEV; once it probes, the same heaps work. */
static void test_no_tee_then_retry(void **state)
{
	struct fix *f = *state;
	struct rh_importer_map *m;
	struct rh_dma_buf *b;

	assert_int_equal(rh_platform_set_tee_backend(f->plat, NULL, NULL), 0);
	assert_neg_errno(try_alloc(f->cm, 4096), ENODEV);
	assert_neg_errno(try_alloc(f->cma, 4096), ENODEV);
	assert_int_equal(heap_stats(f, RH_RESTRICTED_MTK_CMA_NAME).cma_allocs, 0);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, rh_tee_fault_get_ops(), f->fault),
			 0);
	b = alloc(f->cma, 4096);
	/* The importer's own session too. */
	assert_int_equal(rh_importer_map(f->iv, b, RH_DMA_TO_DEVICE, &m), 0);
	rh_importer_unmap(m);
	rh_dma_buf_put(b);
}

/* The secure-memory TA is not installed: a clear error, then it is. */
static void test_missing_ta(void **state)
{
	struct fix *f = *state;
	struct rh_tee_emu *emu = rh_tee_emu_of(f->plat);

	assert_non_null(emu);
	assert_int_equal(rh_tee_emu_remove_ta(emu, rh_ta_secmem_ops.uuid), 0);
	assert_neg_errno(try_alloc(f->cm, 4096), EINVAL);
	assert_non_null(strstr(f->last_log, RH_TZ_TA_MEM_UUID_MTK));
	assert_non_null(strstr(f->last_log, "TEEC_ERROR_ITEM_NOT_FOUND"));
	assert_neg_errno(try_alloc(f->cma, 4096), EINVAL);
	assert_int_equal(rh_tee_emu_add_ta(emu, &rh_ta_secmem_ops), 0);
	assert_int_equal(try_alloc(f->cm, 4096), 0);
	assert_int_equal(try_alloc(f->cma, 4096), 0);
}

/* One allocate + release cycle with the fault armed; true if it fired. */
static bool faulty_cycle(struct fix *f, const struct rh_tee_fault_spec *spec)
{
	struct rh_dma_buf *b;

	assert_int_equal(rh_tee_fault_arm(f->fault, spec), 0);
	b = rh_dma_heap_buffer_alloc_dmabuf(f->cm, 2 * SZ_2M, O_RDWR, 0);
	if (!RH_IS_ERR(b))
		rh_dma_buf_put(b);
	else
		assert_true(RH_PTR_ERR(b) < 0);
	if (!rh_tee_fault_fired(f->fault))
		return false;
	disarm(f);
	/* The next allocation delivers whatever was deferred. */
	assert_int_equal(try_alloc(f->cm, 4096), 0);
	assert_consistent(f);
	return true;
}

/*
 * Every TEE call of an allocate + release cycle (a discontiguous one:
 * ZALLOC, REGISTER_SHM, RETRIEVE_SG, UNREGISTER_SHM, FREE) fails once in
 * transport before reaching the TEE; then each call but ZALLOC fails
 * after the TEE did its work (a lost reply). Heaps and TA agree at the end
 * of every round.
 */
static void test_tee_fail_nth_sweep(void **state)
{
	static const struct {
		uint32_t cmd;
		uint32_t func;
	} lost[] = {
		{ RH_OPTEE_MSG_CMD_REGISTER_SHM, 0 },
		{ RH_OPTEE_MSG_CMD_INVOKE_COMMAND, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG },
		{ RH_OPTEE_MSG_CMD_UNREGISTER_SHM, 0 },
		{ RH_OPTEE_MSG_CMD_INVOKE_COMMAND, RH_MTK_TZCMD_SECMEM_FREE },
	};
	struct fix *f = *state;
	struct rh_tee_fault_spec spec;
	struct rh_dma_buf *keep[8];
	unsigned int n, i;

	fragment_chunk(f, keep);
	for (n = 1; ; n++) {
		memset(&spec, 0, sizeof(spec));
		spec.nth = n;
		spec.action = RH_TEE_FAULT_TRANSPORT;
		spec.error = -EIO;
		if (!faulty_cycle(f, &spec))
			break;
	}
	assert_true(n > 5);
	for (i = 0; i < RH_ARRAY_SIZE(lost); i++) {
		memset(&spec, 0, sizeof(spec));
		spec.nth = 1;
		spec.cmd_mask = RH_TEE_FAULT_CMD(lost[i].cmd);
		spec.match_func = lost[i].func != 0;
		spec.func = lost[i].func;
		spec.action = RH_TEE_FAULT_TRANSPORT;
		spec.error = -EIO;
		spec.after = true;
		assert_true(faulty_cycle(f, &spec));
	}
	disarm(f);
	put_all(keep, 8);
}

/*
 * ZALLOC's answer lost after the TA allocated: the heap never learns the
 * handle (v5 leaks it for good). The session is in doubt; once the heap
 * is idle it recycles the session, and closing it makes the TA release
 * the buffer. While other buffers live, the doubt waits.
 */
static void test_fault_zalloc_reply_lost(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	struct rh_dma_buf *keep;

	keep = alloc(f->cma, SZ_1M);
	arm(f, RH_MTK_TZCMD_SECMEM_ZALLOC, RH_TEE_FAULT_TRANSPORT, 0, true);
	assert_neg_errno(try_alloc(f->cma, SZ_1M), ENOMEM);
	disarm(f);
	st = heap_stats(f, RH_RESTRICTED_MTK_CMA_NAME);
	assert_true(st.tee_doubt);
	assert_int_equal(st.tee_buffers, 1);
	assert_int_equal(ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA).live_buffers, 2);
	rh_dma_buf_put(keep);
	st = heap_stats(f, RH_RESTRICTED_MTK_CMA_NAME);
	assert_false(st.tee_doubt);
	assert_int_equal(st.tee_recycles, 1);
	assert_int_equal(st.tee_inits, 2);
	assert_false(st.cma_held);
	assert_int_equal(ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA).live_buffers, 0);
	assert_false(ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA).lent);
	assert_consistent(f);

	/* The same on the chunk heap, idle at once. */
	arm(f, RH_MTK_TZCMD_SECMEM_ZALLOC, RH_TEE_FAULT_TRANSPORT, 0, true);
	assert_neg_errno(try_alloc(f->cm, SZ_1M), ENOMEM);
	disarm(f);
	assert_int_equal(ta_stats(f, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ).live_buffers, 0);
	assert_int_equal(heap_stats(f, RH_RESTRICTED_MTK_CM_NAME).tee_recycles, 1);
	assert_int_equal(try_alloc(f->cm, SZ_1M), 0);
}

struct sweep {
	struct fix *f;
	struct rh_dma_heap *heap;
	size_t len;
	struct rh_dma_buf *b;
};

static int sweep_op(void *arg)
{
	struct sweep *s = arg;

	s->b = rh_dma_heap_buffer_alloc_dmabuf(s->heap, s->len, O_RDWR, 0);
	return RH_IS_ERR(s->b) ? (int)RH_PTR_ERR(s->b) : 0;
}

static void sweep_undo(void *arg)
{
	struct sweep *s = arg;

	rh_dma_buf_put(s->b);
}

static void sweep_check(void *arg)
{
	struct sweep *s = arg;

	assert_consistent(s->f);
}

/* Every allocation, the TA's included, fails once: -ENOMEM and agreement. */
static void test_alloc_fail_nth(void **state)
{
	struct sweep s = { .f = *state };
	struct rh_dma_buf *keep[8];

	assert_int_equal(try_alloc(s.f->cm, 4096), 0);
	assert_int_equal(try_alloc(s.f->cma, 4096), 0);
	s.heap = s.f->cma;
	s.len = SZ_1M;
	assert_true(rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_check, &s) >= 3);
	fragment_chunk(s.f, keep);
	s.heap = s.f->cm;
	s.len = 2 * SZ_2M;
	assert_true(rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_check, &s) >= 5);
	put_all(keep, 8);
}

/* ------------------------------------------------------------ importer API */

static void test_importer_bad_args(void **state)
{
	struct fix *f = *state;
	struct rh_importer_map *m = NULL;
	struct rh_importer_stats st;
	struct rh_importer *imp;
	struct rh_dma_buf *b;
	uint8_t byte;

	assert_neg_errno(rh_importer_new(NULL, &imp), EINVAL);
	assert_neg_errno(rh_importer_new(f->vcodec, NULL), EINVAL);
	b = alloc(f->cm, 4096);
	assert_neg_errno(rh_importer_map(NULL, b, RH_DMA_TO_DEVICE, &m), EINVAL);
	assert_neg_errno(rh_importer_map(f->iv, NULL, RH_DMA_TO_DEVICE, &m), EINVAL);
	assert_neg_errno(rh_importer_map(f->iv, b, RH_DMA_TO_DEVICE, NULL), EINVAL);
	assert_neg_errno(rh_importer_map(f->iv, b, RH_DMA_NONE, &m), EINVAL);
	assert_neg_errno(rh_importer_map_fd(f->iv, 1234, RH_DMA_TO_DEVICE, &m), EBADF);
	assert_neg_errno(rh_importer_map_fd(NULL, 0, RH_DMA_TO_DEVICE, &m), EINVAL);
	assert_null(m);
	assert_neg_errno(rh_importer_read(NULL, 0, &byte, 1), EINVAL);
	assert_neg_errno(rh_importer_get_stats(NULL, &st), EINVAL);
	assert_neg_errno(rh_importer_get_stats(f->iv, NULL), EINVAL);
	assert_null(rh_importer_map_sgt(NULL));
	assert_false(rh_importer_map_is_restricted(NULL));
	assert_null(rh_importer_device(NULL));
	assert_ptr_equal(rh_importer_device(f->iv), f->vcodec);
	rh_importer_unmap(NULL);
	rh_importer_free(NULL);

	assert_int_equal(rh_importer_map(f->iv, b, RH_DMA_TO_DEVICE, &m), 0);
	assert_non_null(rh_importer_map_sgt(m));
	/* Writing through a read mapping, out of range, empty. */
	assert_neg_errno(rh_importer_write(m, 0, &byte, 1), EINVAL);
	assert_neg_errno(rh_importer_read(m, 4096, &byte, 1), EINVAL);
	assert_neg_errno(rh_importer_read(m, 4095, &byte, 2), EINVAL);
	assert_neg_errno(rh_importer_read(m, 0, &byte, 0), EINVAL);
	assert_neg_errno(rh_importer_read(m, 0, NULL, 1), EINVAL);
	rh_importer_unmap(m);
	rh_dma_buf_put(b);
}

/* An importer freed with mappings: unmapped, device back to normal, logged. */
static void test_importer_free_with_maps(void **state)
{
	struct fix *f = *state;
	struct rh_importer_map *m1, *m2;
	struct rh_importer *imp;
	struct rh_dma_buf *b;

	assert_int_equal(rh_importer_new(f->vcodec, &imp), 0);
	b = alloc(f->cma, 8192);
	assert_int_equal(rh_importer_map(imp, b, RH_DMA_TO_DEVICE, &m1), 0);
	assert_int_equal(rh_importer_map(imp, b, RH_DMA_BIDIRECTIONAL, &m2), 0);
	rh_dma_buf_put(b); /* the mappings hold it */
	assert_int_equal(rh_device_is_secure(f->vcodec), RH_NEED_SG_DMA_FLAGS);
	rh_importer_free(imp);
	assert_non_null(strstr(f->last_log, "caller bug: importer vcodec: freed with a mapping"));
	assert_false(rh_device_is_secure(f->vcodec));
}

/* The secure video TA is missing: the importer fails cleanly. */
static void test_importer_missing_svp(void **state)
{
	struct fix *f = *state;
	struct rh_tee_emu *emu = rh_tee_emu_of(f->plat);
	struct rh_importer_map *m = NULL;
	uint8_t uuid[16];
	struct rh_dma_buf *b;

	if (!RH_NEED_SG_DMA_FLAGS)
		skip();
	b = alloc(f->cm, 4096);
	assert_int_equal(rh_uuid_parse(RH_TA_SVP_UUID, uuid), 0);
	assert_int_equal(rh_tee_emu_remove_ta(emu, uuid), 0);
	assert_neg_errno(rh_importer_map(f->iv, b, RH_DMA_TO_DEVICE, &m), ENOENT);
	assert_null(m);
	assert_false(rh_device_is_secure(f->vcodec));
	rh_dma_buf_put(b);
}

struct map_sweep {
	struct fix *f;
	struct rh_dma_buf *b;
	struct rh_importer_map *m;
};

static int map_op(void *arg)
{
	struct map_sweep *s = arg;

	return rh_importer_map(s->f->iv, s->b, RH_DMA_TO_DEVICE, &s->m);
}

static void map_undo(void *arg)
{
	struct map_sweep *s = arg;

	rh_importer_unmap(s->m);
}

static void map_check(void *arg)
{
	struct map_sweep *s = arg;
	struct rh_importer_stats st;

	assert_int_equal(rh_importer_get_stats(s->f->iv, &st), 0);
	assert_int_equal(st.maps, 0);
	assert_false(rh_device_is_secure(s->f->vcodec));
}

/* Every allocation of a restricted map fails once: -ENOMEM, nothing kept. */
static void test_importer_fail_nth(void **state)
{
	struct map_sweep s = { .f = *state };

	s.b = alloc(s.f->cma, 8192);
	assert_true(rh_test_fail_nth_sweep(map_op, map_undo, map_check, &s) >= 3);
	rh_dma_buf_put(s.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_uapi_both_heaps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout_in_pools, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discontiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capacity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_system_heap_avoids_regions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_denied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonsecure_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secure_device_reads_tee_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secure_mode_refcounted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cma_region_returned_zeroed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_zalloc_oom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_retrieve_sg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_free_transport, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_free_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_open_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_panic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_tee_then_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_ta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tee_fail_nth_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_zalloc_reply_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_fail_nth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_importer_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_importer_free_with_maps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_importer_missing_svp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_importer_fail_nth, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
