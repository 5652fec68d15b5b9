// SPDX-License-Identifier: MIT
/* Unit tests of the dma-buf core: export, lifetime, attachments, CPU access, vmap, names, bufinfo. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#include <rheap/heaps/restricted.h>
#include <rheap/phys.h>
#include <rheap/platform.h>
#include <rheap/scatterlist.h>
#include <rheap/uapi.h>

#include "dmabuf-test-exporter.h"
#include "emu.h"
#include "internal.h"
#include "rh-test.h"

struct fix {
	struct rh_platform *plat;
	struct tx_ctx ctx;
	struct rh_device *vcodec, *display;
	char last_log[512];
	int nr_logs;
};

static void capture_log(void *data, enum rh_log_level level, const char *msg)
{
	struct fix *f = data;

	(void)level;
	snprintf(f->last_log, sizeof(f->last_log), "%s", msg);
	f->nr_logs++;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->plat = tx_platform_new();
	f->ctx.plat = f->plat;
	rh_platform_set_log_fn(f->plat, capture_log, f);
	f->vcodec = rh_device_find(f->plat, "vcodec");
	f->display = rh_device_find(f->plat, "display");
	assert_non_null(f->vcodec);
	assert_non_null(f->display);
	*state = f;
	return 0;
}

static struct rh_dma_buf_stats stats_of(struct fix *f)
{
	struct rh_dma_buf_stats st;

	assert_int_equal(rh_dma_buf_get_stats(f->plat, &st), 0);
	return st;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	/* Every test must leave no buffer behind. */
	assert_int_equal(stats_of(f).count, 0);
	assert_int_equal(stats_of(f).exported, stats_of(f).released);
	assert_int_equal(f->ctx.releases, (int)stats_of(f).released);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static struct rh_dma_buf *export_ok(struct fix *f, const struct rh_dma_buf_ops *ops,
				    size_t size)
{
	struct rh_dma_buf *dmabuf = tx_export(&f->ctx, ops, size, O_RDWR | O_CLOEXEC);

	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	return dmabuf;
}

/* ------------------------------------------------------------ export */

static int dummy_priv;

static void test_export_validation(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf_ops no_map = tx_full_ops, no_unmap = tx_full_ops,
			      no_release = tx_full_ops;
	RH_DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct rh_dma_buf_export_info bad;

	no_map.map_dma_buf = NULL;
	no_unmap.unmap_dma_buf = NULL;
	no_release.release = NULL;
	info.exp_name = "test";
	info.owner = f->plat;
	info.ops = &tx_full_ops;
	info.size = RH_PAGE_SIZE;
	info.flags = O_RDWR;
	info.priv = &dummy_priv;

	assert_ptr_equal(rh_dma_buf_export(NULL), RH_ERR_PTR(-EINVAL));
	bad = info;
	bad.owner = NULL;
	assert_ptr_equal(rh_dma_buf_export(&bad), RH_ERR_PTR(-EINVAL));
	bad = info;
	bad.priv = NULL;
	assert_ptr_equal(rh_dma_buf_export(&bad), RH_ERR_PTR(-EINVAL));
	bad = info;
	bad.ops = NULL;
	assert_ptr_equal(rh_dma_buf_export(&bad), RH_ERR_PTR(-EINVAL));
	bad = info;
	bad.ops = &no_map;
	assert_ptr_equal(rh_dma_buf_export(&bad), RH_ERR_PTR(-EINVAL));
	bad = info;
	bad.ops = &no_unmap;
	assert_ptr_equal(rh_dma_buf_export(&bad), RH_ERR_PTR(-EINVAL));
	bad = info;
	bad.ops = &no_release;
	assert_ptr_equal(rh_dma_buf_export(&bad), RH_ERR_PTR(-EINVAL));
	bad = info;
	bad.exp_name = NULL;
	assert_ptr_equal(rh_dma_buf_export(&bad), RH_ERR_PTR(-EINVAL));
	assert_int_equal(stats_of(f).exported, 0);
	assert_int_equal(stats_of(f).count, 0);
}

static void test_export_fields(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *a, *b;
	char name[RH_DMA_BUF_NAME_LEN];

	a = export_ok(f, &tx_full_ops, 3 * RH_PAGE_SIZE);
	b = export_ok(f, &tx_min_ops, RH_PAGE_SIZE);
	assert_int_equal(rh_dma_buf_size(a), 3 * RH_PAGE_SIZE);
	assert_string_equal(rh_dma_buf_exp_name(a), "tx-exporter");
	assert_ptr_equal(rh_dma_buf_get_ops(a), &tx_full_ops);
	assert_ptr_equal(rh_dma_buf_get_ops(b), &tx_min_ops);
	assert_ptr_equal(rh_dma_buf_platform(a), f->plat);
	assert_ptr_equal(((struct tx_buf *)rh_dma_buf_priv(a))->ctx, &f->ctx);
	/* Inode numbers are unique and start at 1 on a fresh platform. */
	assert_int_equal(rh_dma_buf_ino(a), 1);
	assert_int_equal(rh_dma_buf_ino(b), 2);
	assert_int_equal(rh_dma_buf_file_count(a), 1);
	assert_int_equal(rh_dma_buf_get_name(a, name), -ENOENT);
	assert_int_equal(stats_of(f).count, 2);
	assert_int_equal(stats_of(f).bytes, 4 * RH_PAGE_SIZE);

	/* NULL-safe accessors. */
	assert_null(rh_dma_buf_priv(NULL));
	assert_int_equal(rh_dma_buf_size(NULL), 0);
	assert_null(rh_dma_buf_exp_name(NULL));
	assert_null(rh_dma_buf_get_ops(NULL));
	assert_int_equal(rh_dma_buf_ino(NULL), 0);
	assert_null(rh_dma_buf_platform(NULL));
	assert_int_equal(rh_dma_buf_file_count(NULL), 0);

	rh_dma_buf_put(a);
	rh_dma_buf_put(b);
	assert_int_equal(f->ctx.releases, 2);
	/* Numbers are never reused. */
	a = export_ok(f, &tx_full_ops, RH_PAGE_SIZE);
	assert_int_equal(rh_dma_buf_ino(a), 3);
	rh_dma_buf_put(a);
}

/* ------------------------------------------------------------ lifetime */

static void test_refcount_release_once(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf = export_ok(f, &tx_full_ops, RH_PAGE_SIZE);
	int i;

	for (i = 0; i < 5; i++)
		rh_get_dma_buf(dmabuf);
	assert_int_equal(rh_dma_buf_file_count(dmabuf), 6);
	for (i = 0; i < 5; i++) {
		rh_dma_buf_put(dmabuf);
		assert_int_equal(f->ctx.releases, 0);
	}
	assert_int_equal(rh_dma_buf_file_count(dmabuf), 1);
	rh_dma_buf_put(dmabuf);
	assert_int_equal(f->ctx.releases, 1);
	assert_int_equal(stats_of(f).release_errors, 0);
	/* NULL is fine. */
	rh_dma_buf_put(NULL);
	rh_get_dma_buf(NULL);
}

struct thread_arg {
	struct rh_dma_buf *dmabuf;
	int loops;
};

static void *get_put_thread(void *p)
{
	struct thread_arg *arg = p;
	int i;

	for (i = 0; i < arg->loops; i++) {
		rh_get_dma_buf(arg->dmabuf);
		rh_dma_buf_put(arg->dmabuf);
	}
	return NULL;
}

static void test_refcount_threads(void **state)
{
	struct fix *f = *state;
	struct thread_arg arg = { export_ok(f, &tx_full_ops, RH_PAGE_SIZE), 20000 };
	pthread_t th[8];
	int i;

	for (i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&th[i], NULL, get_put_thread, &arg), 0);
	for (i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(rh_dma_buf_file_count(arg.dmabuf), 1);
	assert_int_equal(f->ctx.releases, 0);
	rh_dma_buf_put(arg.dmabuf);
	assert_int_equal(f->ctx.releases, 1);
}

static void test_release_with_live_attachment(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf = export_ok(f, &tx_full_ops, RH_PAGE_SIZE);
	struct rh_dma_buf_attachment *att;
	struct rh_sg_table *sgt;

	att = rh_dma_buf_attach(dmabuf, f->vcodec);
	assert_false(RH_IS_ERR_OR_NULL(att));
	/* The importer drops its last reference before detaching: a bug. */
	rh_dma_buf_put(dmabuf);
	assert_int_equal(stats_of(f).release_errors, 1);
	assert_non_null(strstr(f->last_log, "released with 1 attachment(s)"));
	/* ... reported, but nothing is freed under the attachment. */
	assert_int_equal(f->ctx.releases, 0);
	assert_int_equal(rh_dma_buf_file_count(dmabuf), 0);
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_TO_DEVICE);
	assert_false(RH_IS_ERR_OR_NULL(sgt));
	rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_TO_DEVICE);
	/* A get on a dead file is refused and logged, not resurrected. */
	rh_get_dma_buf(dmabuf);
	assert_int_equal(rh_dma_buf_file_count(dmabuf), 0);
	assert_non_null(strstr(f->last_log, "caller bug"));
	rh_dma_buf_detach(dmabuf, att);
	assert_int_equal(f->ctx.releases, 1);
	assert_int_equal(f->ctx.detaches, 1);
}

static void test_release_with_live_vmap(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf = export_ok(f, &tx_full_ops, 2 * RH_PAGE_SIZE);
	unsigned char *p;

	assert_int_equal(rh_dma_buf_vmap(dmabuf, (void **)&p), 0);
	p[0] = 0x5a;
	rh_dma_buf_put(dmabuf);
	assert_int_equal(stats_of(f).release_errors, 1);
	assert_non_null(strstr(f->last_log, "and 1 vmap(s) still alive"));
	assert_int_equal(f->ctx.releases, 0);
	/* The vmap still works until it is undone. */
	assert_int_equal(p[0], 0x5a);
	rh_dma_buf_vunmap(dmabuf, p);
	assert_int_equal(f->ctx.vunmaps, 1);
	assert_int_equal(f->ctx.releases, 1);
}

static void test_put_without_reference(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf = export_ok(f, &tx_full_ops, RH_PAGE_SIZE);
	struct rh_dma_buf_attachment *att = rh_dma_buf_attach(dmabuf, f->display);

	assert_false(RH_IS_ERR_OR_NULL(att));
	rh_dma_buf_put(dmabuf);
	assert_int_equal(stats_of(f).release_errors, 1);
	/* One put too many: logged, the count does not go negative. */
	rh_dma_buf_put(dmabuf);
	assert_int_equal(rh_dma_buf_file_count(dmabuf), 0);
	assert_non_null(strstr(f->last_log, "without a reference"));
	assert_int_equal(f->ctx.releases, 0);
	rh_dma_buf_detach(dmabuf, att);
	assert_int_equal(f->ctx.releases, 1);
}

/* ------------------------------------------------------------ attachments */

static void test_attach_args(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf = export_ok(f, &tx_full_ops, RH_PAGE_SIZE);
	struct rh_platform *other = tx_platform_new();
	struct rh_device *foreign = rh_device_find(other, "vcodec");

	assert_ptr_equal(rh_dma_buf_attach(NULL, f->vcodec), RH_ERR_PTR(-EINVAL));
	assert_ptr_equal(rh_dma_buf_attach(dmabuf, NULL), RH_ERR_PTR(-EINVAL));
	assert_non_null(foreign);
	assert_ptr_equal(rh_dma_buf_attach(dmabuf, foreign), RH_ERR_PTR(-EINVAL));
	assert_int_equal(f->ctx.attaches, 0);
	/* The exporter's attach error is returned; nothing is registered. */
	f->ctx.attach_ret = -ENOSPC;
	assert_ptr_equal(rh_dma_buf_attach(dmabuf, f->vcodec), RH_ERR_PTR(-ENOSPC));
	f->ctx.attach_ret = 0;
	/* Bad detach calls are ignored. */
	rh_dma_buf_detach(NULL, NULL);
	rh_dma_buf_detach(dmabuf, NULL);
	rh_dma_buf_put(dmabuf);
	assert_int_equal(f->ctx.releases, 1);
	assert_int_equal(stats_of(f).release_errors, 0);
	rh_platform_unref(other);
}

static void test_attach_keeps_buffer(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf = export_ok(f, &tx_full_ops, RH_PAGE_SIZE);
	struct rh_dma_buf_attachment *a1, *a2;

	a1 = rh_dma_buf_attach(dmabuf, f->vcodec);
	a2 = rh_dma_buf_attach(dmabuf, f->display);
	assert_false(RH_IS_ERR_OR_NULL(a1));
	assert_false(RH_IS_ERR_OR_NULL(a2));
	assert_ptr_equal(a1->dmabuf, dmabuf);
	assert_ptr_equal(a1->dev, f->vcodec);
	assert_non_null(a1->priv);
	assert_ptr_not_equal(a1->priv, a2->priv);
	/* Attachments are not file references. */
	assert_int_equal(rh_dma_buf_file_count(dmabuf), 1);
	rh_dma_buf_detach(dmabuf, a1);
	rh_dma_buf_detach(dmabuf, a2);
	assert_int_equal(f->ctx.attaches, 2);
	assert_int_equal(f->ctx.detaches, 2);
	assert_int_equal(f->ctx.releases, 0);
	rh_dma_buf_put(dmabuf);
	assert_int_equal(f->ctx.releases, 1);
}

static void test_map_directions(void **state)
{
	static const enum rh_dma_data_direction dirs[] = {
		RH_DMA_BIDIRECTIONAL, RH_DMA_TO_DEVICE, RH_DMA_FROM_DEVICE,
	};
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf = export_ok(f, &tx_full_ops, 256 << 10);
	struct rh_dma_buf_attachment *att = rh_dma_buf_attach(dmabuf, f->vcodec);
	struct rh_device_stats ds;
	struct rh_scatterlist *sg;
	struct rh_sg_table *sgt;
	uint64_t expect = TX_FAKE_PA;
	unsigned int i, k;

	assert_false(RH_IS_ERR_OR_NULL(att));
	for (k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
		sgt = rh_dma_buf_map_attachment(att, dirs[k]);
		assert_false(RH_IS_ERR_OR_NULL(sgt));
		assert_ptr_equal(sgt, att->priv);
		assert_int_equal(f->ctx.last_dir, dirs[k]);
		/* The DMA fields are filled for the device (identity bus). */
		assert_int_equal(sgt->nents, 4);
		expect = TX_FAKE_PA;
		rh_for_each_sgtable_dma_sg(sgt, sg, i) {
			assert_int_equal(rh_sg_dma_address(sg), expect);
			assert_int_equal(rh_sg_dma_len(sg), 64 << 10);
			expect += 64 << 10;
		}
		rh_dma_buf_unmap_attachment(att, sgt, dirs[k]);
	}
	assert_int_equal(f->ctx.maps, 3);
	assert_int_equal(f->ctx.unmaps, 3);
	/*
	 * Without SKIP_CPU_SYNC every map syncs the caches, and every unmap
	 * but the TO_DEVICE one (arm64's arch_sync_dma_for_cpu()).
	 */
	assert_int_equal(rh_device_get_stats(f->vcodec, &ds), 0);
	assert_int_equal(ds.maps, 3);
	assert_int_equal(ds.cpu_syncs, 5);

	/* SKIP_CPU_SYNC is the exporter's choice and reaches the device. */
	f->ctx.map_attrs = RH_DMA_ATTR_SKIP_CPU_SYNC;
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_BIDIRECTIONAL);
	assert_false(RH_IS_ERR_OR_NULL(sgt));
	rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_BIDIRECTIONAL);
	assert_int_equal(rh_device_get_stats(f->vcodec, &ds), 0);
	assert_int_equal(ds.maps, 4);
	assert_int_equal(ds.cpu_syncs, 5);
	f->ctx.map_attrs = 0;

	/* Bad arguments. */
	assert_ptr_equal(rh_dma_buf_map_attachment(NULL, RH_DMA_TO_DEVICE), RH_ERR_PTR(-EINVAL));
	assert_ptr_equal(rh_dma_buf_map_attachment(att, RH_DMA_NONE), RH_ERR_PTR(-EINVAL));
	assert_ptr_equal(rh_dma_buf_map_attachment(att, (enum rh_dma_data_direction)7),
			 RH_ERR_PTR(-EINVAL));
	/* Exporter errors: NULL means -ENOMEM, error pointers pass through. */
	f->ctx.map_null = true;
	assert_ptr_equal(rh_dma_buf_map_attachment(att, RH_DMA_TO_DEVICE), RH_ERR_PTR(-ENOMEM));
	f->ctx.map_null = false;
	f->ctx.map_err = -EIO;
	assert_ptr_equal(rh_dma_buf_map_attachment(att, RH_DMA_TO_DEVICE), RH_ERR_PTR(-EIO));
	f->ctx.map_err = 0;
	assert_int_equal(f->ctx.maps, 4);
	/* Unmap of an unmapped attachment: logged, the exporter is not called. */
	rh_dma_buf_unmap_attachment(att, att->priv, RH_DMA_TO_DEVICE);
	assert_int_equal(f->ctx.unmaps, 4);
	assert_non_null(strstr(f->last_log, "unmap of an unmapped attachment"));
	rh_dma_buf_unmap_attachment(NULL, NULL, RH_DMA_TO_DEVICE);

	rh_dma_buf_detach(dmabuf, att);
	rh_dma_buf_put(dmabuf);
}

static void test_detach_while_mapped(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf = export_ok(f, &tx_min_ops, RH_PAGE_SIZE);
	struct rh_dma_buf_attachment *att = rh_dma_buf_attach(dmabuf, f->vcodec);
	struct rh_sg_table *sgt;

	/* No attach op: the attachment has no priv, map uses the buffer's table. */
	assert_false(RH_IS_ERR_OR_NULL(att));
	assert_null(att->priv);
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_FROM_DEVICE);
	assert_false(RH_IS_ERR_OR_NULL(sgt));
	rh_dma_buf_detach(dmabuf, att);
	assert_non_null(strstr(f->last_log, "with 1 mapping(s) alive"));
	rh_dma_buf_put(dmabuf);
	assert_int_equal(f->ctx.releases, 1);
}

/* ------------------------------------------------------------ CPU access */

static void test_cpu_access(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *full = export_ok(f, &tx_full_ops, RH_PAGE_SIZE);
	struct rh_dma_buf *min = export_ok(f, &tx_min_ops, RH_PAGE_SIZE);

	/* Without the ops the core succeeds. */
	assert_int_equal(rh_dma_buf_begin_cpu_access(min, RH_DMA_BIDIRECTIONAL), 0);
	assert_int_equal(rh_dma_buf_end_cpu_access(min, RH_DMA_BIDIRECTIONAL), 0);
	/* With them, the op's result and the direction pass through. */
	assert_int_equal(rh_dma_buf_begin_cpu_access(full, RH_DMA_FROM_DEVICE), 0);
	assert_int_equal(f->ctx.last_dir, RH_DMA_FROM_DEVICE);
	assert_int_equal(rh_dma_buf_end_cpu_access(full, RH_DMA_TO_DEVICE), 0);
	assert_int_equal(f->ctx.last_dir, RH_DMA_TO_DEVICE);
	f->ctx.begin_ret = -EPERM;
	f->ctx.end_ret = -EAGAIN;
	assert_int_equal(rh_dma_buf_begin_cpu_access(full, RH_DMA_BIDIRECTIONAL), -EPERM);
	assert_int_equal(rh_dma_buf_end_cpu_access(full, RH_DMA_BIDIRECTIONAL), -EAGAIN);
	/* End without begin is not the core's business. */
	f->ctx.end_ret = 0;
	assert_int_equal(rh_dma_buf_end_cpu_access(full, RH_DMA_FROM_DEVICE), 0);
	assert_int_equal(f->ctx.begins, 2);
	assert_int_equal(f->ctx.ends, 3);
	/* Bad arguments never reach the exporter. */
	assert_int_equal(rh_dma_buf_begin_cpu_access(NULL, RH_DMA_TO_DEVICE), -EINVAL);
	assert_int_equal(rh_dma_buf_end_cpu_access(NULL, RH_DMA_TO_DEVICE), -EINVAL);
	assert_int_equal(rh_dma_buf_begin_cpu_access(full, RH_DMA_NONE), -EINVAL);
	assert_int_equal(rh_dma_buf_end_cpu_access(full, RH_DMA_NONE), -EINVAL);
	assert_int_equal(f->ctx.begins, 2);
	assert_int_equal(f->ctx.ends, 3);
	rh_dma_buf_put(full);
	rh_dma_buf_put(min);
}

static void test_mmap_core(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *full = export_ok(f, &tx_full_ops, 4 * RH_PAGE_SIZE);
	struct rh_dma_buf *min = export_ok(f, &tx_min_ops, 4 * RH_PAGE_SIZE);
	struct rh_vm_area vma = { 0 };
	unsigned char *p;
	void *range;

	range = mmap(NULL, 2 * RH_PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(range != MAP_FAILED);
	vma.vm_start = (uintptr_t)range;
	vma.vm_end = vma.vm_start + 2 * RH_PAGE_SIZE;
	vma.vm_prot = PROT_READ | PROT_WRITE;
	vma.vm_flags = MAP_SHARED;

	assert_int_equal(rh_dma_buf_mmap(NULL, &vma, 0), -EINVAL);
	assert_int_equal(rh_dma_buf_mmap(full, NULL, 0), -EINVAL);
	/* No mmap op. */
	assert_int_equal(rh_dma_buf_mmap(min, &vma, 0), -EINVAL);
	/* Pages 3..4 of a 4-page buffer: beyond the end. */
	assert_int_equal(rh_dma_buf_mmap(full, &vma, 3), -EINVAL);
	assert_int_equal(rh_dma_buf_mmap(full, &vma, ~0UL), -EOVERFLOW);
	assert_int_equal(f->ctx.mmaps, 0);
	f->ctx.mmap_ret = -EPERM;
	assert_int_equal(rh_dma_buf_mmap(full, &vma, 2), -EPERM);
	f->ctx.mmap_ret = 0;
	assert_int_equal(rh_dma_buf_mmap(full, &vma, 2), 0);
	assert_int_equal(vma.vm_pgoff, 2);
	assert_ptr_equal(vma.vm_dmabuf, full);
	p = range;
	p[0] = 1;
	p[RH_PAGE_SIZE] = 2;
	assert_int_equal(f->ctx.mmaps, 1);
	munmap(range, 2 * RH_PAGE_SIZE);
	rh_dma_buf_put(full);
	rh_dma_buf_put(min);
}

static void test_vmap(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *full = export_ok(f, &tx_full_ops, 2 * RH_PAGE_SIZE);
	struct rh_dma_buf *min = export_ok(f, &tx_min_ops, RH_PAGE_SIZE);
	void *p1 = NULL, *p2 = NULL, *keep = (void *)&dummy_priv;

	assert_int_equal(rh_dma_buf_vmap(min, &keep), -EINVAL);
	assert_ptr_equal(keep, &dummy_priv);
	assert_int_equal(rh_dma_buf_vmap(NULL, &keep), -EINVAL);
	assert_int_equal(rh_dma_buf_vmap(full, NULL), -EINVAL);
	f->ctx.vmap_ret = -ENOMEM;
	assert_int_equal(rh_dma_buf_vmap(full, &keep), -ENOMEM);
	assert_ptr_equal(keep, &dummy_priv);
	f->ctx.vmap_ret = 0;

	/* Nested vmaps share one mapping; the exporter sees one vmap/vunmap. */
	assert_int_equal(rh_dma_buf_vmap(full, &p1), 0);
	assert_int_equal(rh_dma_buf_vmap(full, &p2), 0);
	assert_ptr_equal(p1, p2);
	assert_int_equal(f->ctx.vmaps, 1);
	/* A pointer that is not the vmap is refused. */
	rh_dma_buf_vunmap(full, (char *)p1 + 1);
	assert_non_null(strstr(f->last_log, "not the active vmap"));
	rh_dma_buf_vunmap(full, p1);
	assert_int_equal(f->ctx.vunmaps, 0);
	rh_dma_buf_vunmap(full, p2);
	assert_int_equal(f->ctx.vunmaps, 1);
	/* Nothing left to undo. */
	rh_dma_buf_vunmap(full, p2);
	assert_int_equal(f->ctx.vunmaps, 1);
	rh_dma_buf_vunmap(NULL, p2);
	/* A new vmap after the last vunmap maps again. */
	assert_int_equal(rh_dma_buf_vmap(full, &p1), 0);
	assert_int_equal(f->ctx.vmaps, 2);
	rh_dma_buf_vunmap(full, p1);
	rh_dma_buf_put(full);
	rh_dma_buf_put(min);
	assert_int_equal(stats_of(f).release_errors, 0);
}

/* ------------------------------------------------------------ CPU mappings of DRAM */

/*
 * A driver that maps DRAM it does not own (the restricted CMA region) into
 * user space before secure playback lends that region: its mmap and vmap
 * must lose access to the pages when the firewall protects them, and get
 * them back scrubbed when they are released.
 */
struct snoop {
	struct rh_dma_buf *dmabuf;
	int fd;
	const struct rh_reserved_region *cma;
	unsigned char *map, *vmap;
};

#define SNOOP_SIZE (64 * RH_PAGE_SIZE)

static void snoop_start(struct fix *f, struct snoop *sn)
{
	sn->cma = rh_phys_reserved_find_compatible(f->plat, "mediatek,dynamic-restricted-region");
	assert_non_null(sn->cma);
	f->ctx.phys_base = sn->cma->base;
	sn->dmabuf = export_ok(f, &tx_full_ops, SNOOP_SIZE);
	f->ctx.phys_base = 0;
	sn->fd = rh_dma_buf_fd(sn->dmabuf, O_CLOEXEC);
	assert_true(sn->fd >= 3);
	assert_int_equal(rh_mmap(f->plat, sn->fd, SNOOP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
				 0, (void **)&sn->map), 0);
	assert_int_equal(rh_dma_buf_vmap(sn->dmabuf, (void **)&sn->vmap), 0);
}

static void snoop_stop(struct fix *f, struct snoop *sn)
{
	rh_dma_buf_vunmap(sn->dmabuf, sn->vmap);
	assert_int_equal(rh_munmap(f->plat, sn->map, SNOOP_SIZE), 0);
	assert_int_equal(rh_close(f->plat, sn->fd), 0);
	/* Every alias went with its mapping. */
	assert_int_equal(rh_physmem_nr_aliases(f->plat->physmem), 0);
}

/* As teardown(), for tests whose restricted buffers the test exporter does not count. */
static int teardown_restricted(void **state)
{
	struct fix *f = *state;

	assert_int_equal(stats_of(f).count, 0);
	assert_int_equal(stats_of(f).exported, stats_of(f).released);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

/* Secure playback: the first restricted CMA buffer lends the region to the TEE. */
static int alloc_restricted(struct fix *f, size_t len, rh_phys_addr_t *ret_pa)
{
	struct rh_dma_heap *heap = rh_dma_heap_find(f->plat, "restricted_mtk_cma");
	struct rh_dma_buf *dmabuf;
	int fd;

	assert_non_null(heap);
	fd = rh_dma_heap_buffer_alloc(heap, len, O_RDWR | O_CLOEXEC, 0);
	rh_dma_heap_put(heap);
	assert_true(fd >= 3);
	dmabuf = rh_dma_buf_get(f->plat, fd);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	*ret_pa = rh_sg_phys(rh_restricted_buffer_get(dmabuf)->sg_table.sgl);
	rh_dma_buf_put(dmabuf);
	return fd;
}

static void test_alias_made_before_protection(void **state)
{
	struct fix *f = *state;
	unsigned char buf[16], *sec;
	struct rh_violation v;
	struct snoop sn;
	rh_phys_addr_t pa;
	unsigned int region;
	size_t off;
	int rfd;

	snoop_start(f, &sn);
	/* Before the lend: plain normal DRAM, the driver reads and writes it. */
	memset(sn.map, 0x5c, SNOOP_SIZE);
	assert_int_equal(sn.vmap[SNOOP_SIZE - 1], 0x5c);
	assert_int_equal(rh_dma_buf_probe_cpu(f->plat, sn.fd, 0), 0);

	rfd = alloc_restricted(f, 16 * RH_PAGE_SIZE, &pa);
	assert_true(pa >= sn.cma->base && pa + 16 * RH_PAGE_SIZE <= sn.cma->base + SNOOP_SIZE);
	off = (size_t)(pa - sn.cma->base);
	assert_int_equal(rh_emu_secure_ptr(f->plat, pa + 0x20, sizeof(buf), (void **)&sec), 0);
	memcpy(sec, "content key 0123", sizeof(buf));
	assert_int_equal(rh_firewall_find(f->plat->firewall, sn.cma->base, &region), 0);

	/* Both aliases made before the lend are cut off, and the attempt is on record. */
	memset(buf, 0, sizeof(buf));
	assert_neg_errno(rh_phys_probe_ptr_read(f->plat, sn.map + off + 0x20, buf, sizeof(buf)),
			 EFAULT);
	assert_int_equal(buf[0], 0);
	assert_int_equal(rh_phys_violation_last(f->plat, &v), 0);
	assert_string_equal(v.master, "cpu");
	assert_int_equal(v.pa, pa + 0x20);
	assert_int_equal(v.fault_pa, pa + 0x20);
	assert_int_equal(v.region, (int)region);
	assert_neg_errno(rh_phys_probe_ptr_write(f->plat, sn.vmap + off + 0x20, "overwrite", 9),
			 EFAULT);
	assert_int_equal(rh_phys_violation_last(f->plat, &v), 0);
	assert_true(v.write);
	assert_int_equal(v.fault_pa, pa + 0x20);
	assert_memory_equal(sec, "content key 0123", sizeof(buf));
	/* So is everything else of the lent region, victim's buffer or not. */
	assert_neg_errno(rh_phys_probe_ptr_read(f->plat, sn.map, buf, 1), EFAULT);
	assert_neg_errno(rh_dma_buf_probe_cpu(f->plat, sn.fd, RH_PROBE_CPU_SAMPLE), EFAULT);
	assert_neg_errno(rh_dma_buf_probe_cpu(f->plat, rfd, 0), EFAULT);

	/* Released: scrubbed, then handed back; the old aliases read zeros. */
	assert_int_equal(rh_close(f->plat, rfd), 0);
	assert_int_equal(rh_phys_probe_ptr_read(f->plat, sn.map + off + 0x20, buf, sizeof(buf)),
			 0);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[sizeof(buf) - 1], 0);
	assert_int_equal(sn.vmap[off + 0x20], 0);
	/* Outside the victim's buffer, what the driver wrote is still there. */
	assert_int_equal(sn.map[SNOOP_SIZE - 1], 0x5c);
	sn.vmap[0] = 1; /* writable again */
	assert_int_equal(rh_dma_buf_probe_cpu(f->plat, sn.fd, 0), 0);
	snoop_stop(f, &sn);
}

static void test_alias_made_during_protection(void **state)
{
	struct fix *f = *state;
	unsigned char *late, byte;
	struct snoop sn;
	rh_phys_addr_t pa;
	int rfd;

	snoop_start(f, &sn);
	rfd = alloc_restricted(f, RH_PAGE_SIZE, &pa);
	/* Mapped while the region is lent: PROT_NONE from the start. */
	assert_int_equal(rh_mmap(f->plat, sn.fd, SNOOP_SIZE, PROT_READ, MAP_SHARED, 0,
				 (void **)&late), 0);
	assert_neg_errno(rh_phys_probe_ptr_read(f->plat, late + (pa - sn.cma->base), &byte, 1),
			 EFAULT);
	assert_neg_errno(rh_phys_probe_ptr_read(f->plat, late + SNOOP_SIZE - 1, &byte, 1),
			 EFAULT);
	assert_int_equal(rh_close(f->plat, rfd), 0);
	/* Its own protection once released: read-only. */
	assert_int_equal(rh_phys_probe_ptr_read(f->plat, late, &byte, 1), 0);
	assert_neg_errno(rh_phys_probe_ptr_write(f->plat, late, &byte, 1), EFAULT);
	assert_int_equal(rh_munmap(f->plat, late, SNOOP_SIZE), 0);
	snoop_stop(f, &sn);
}

static void test_alias_exporter_error(void **state)
{
	struct fix *f = *state;
	const struct rh_reserved_region *cma =
		rh_phys_reserved_find_compatible(f->plat, "mediatek,dynamic-restricted-region");
	struct rh_dma_buf *dmabuf;
	void *p = NULL, *v = NULL;
	int fd;

	assert_non_null(cma);
	f->ctx.phys_base = cma->base;
	dmabuf = export_ok(f, &tx_full_ops, 4 * RH_PAGE_SIZE);
	f->ctx.phys_base = 0;
	fd = rh_dma_buf_fd(dmabuf, O_CLOEXEC);
	assert_true(fd >= 3);
	/* The exporter mapped a page, then failed: the core unmaps and unregisters it. */
	f->ctx.mmap_ret = -EIO;
	assert_neg_errno(rh_mmap(f->plat, fd, 4 * RH_PAGE_SIZE, PROT_READ, MAP_SHARED, 0, &p),
			 EIO);
	assert_null(p);
	assert_int_equal(rh_physmem_nr_aliases(f->plat->physmem), 0);
	f->ctx.mmap_ret = 0;
	/* A vmap and a mapping each add their alias; undoing them removes them. */
	assert_int_equal(rh_dma_buf_vmap(dmabuf, &v), 0);
	assert_int_equal(rh_mmap(f->plat, fd, 2 * RH_PAGE_SIZE, PROT_READ, MAP_SHARED,
				 2 * RH_PAGE_SIZE, &p), 0);
	assert_int_equal(rh_physmem_nr_aliases(f->plat->physmem), 2);
	rh_dma_buf_vunmap(dmabuf, v);
	assert_int_equal(rh_physmem_nr_aliases(f->plat->physmem), 1);
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal(rh_munmap(f->plat, p, 2 * RH_PAGE_SIZE), 0);
	assert_int_equal(rh_physmem_nr_aliases(f->plat->physmem), 0);
}

static void test_unmap_phys_range_args(void **state)
{
	struct fix *f = *state;
	void *normal;

	assert_int_equal(rh_phys_normal_ptr(f->plat, TX_FAKE_PA, RH_PAGE_SIZE, &normal), 0);
	assert_neg_errno(rh_unmap_phys_range(NULL, normal, RH_PAGE_SIZE), EINVAL);
	assert_neg_errno(rh_unmap_phys_range(f->plat, NULL, RH_PAGE_SIZE), EINVAL);
	assert_neg_errno(rh_unmap_phys_range(f->plat, (char *)normal + 1, RH_PAGE_SIZE), EINVAL);
	assert_neg_errno(rh_unmap_phys_range(f->plat, normal, 0), EINVAL);
	/* Never the platform's own view of DRAM. */
	assert_neg_errno(rh_unmap_phys_range(f->plat, normal, RH_PAGE_SIZE), EINVAL);
	assert_int_equal(rh_phys_probe_ptr_read(f->plat, normal, &(char){ 0 }, 1), 0);
}

/* ------------------------------------------------------------ names */

static void test_names(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf = export_ok(f, &tx_full_ops, RH_PAGE_SIZE);
	char name[RH_DMA_BUF_NAME_LEN], longest[RH_DMA_BUF_NAME_LEN];
	char too_long[RH_DMA_BUF_NAME_LEN + 1];

	memset(longest, 'n', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memset(too_long, 'x', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';

	assert_int_equal(rh_dma_buf_set_name(dmabuf, NULL), -EFAULT);
	assert_int_equal(rh_dma_buf_set_name(NULL, "x"), -EINVAL);
	/* 32 characters: no NUL within DMA_BUF_NAME_LEN bytes. */
	assert_int_equal(rh_dma_buf_set_name(dmabuf, too_long), -EINVAL);
	assert_int_equal(rh_dma_buf_get_name(dmabuf, name), -ENOENT);
	/* 31 characters is the longest valid name. */
	assert_int_equal(rh_dma_buf_set_name(dmabuf, longest), 0);
	assert_int_equal(rh_dma_buf_get_name(dmabuf, name), 0);
	assert_string_equal(name, longest);
	/* Replaced by a later name, "" included. */
	assert_int_equal(rh_dma_buf_set_name(dmabuf, "video-frame"), 0);
	assert_int_equal(rh_dma_buf_get_name(dmabuf, name), 0);
	assert_string_equal(name, "video-frame");
	assert_int_equal(rh_dma_buf_set_name(dmabuf, ""), 0);
	assert_int_equal(rh_dma_buf_get_name(dmabuf, name), 0);
	assert_string_equal(name, "");
	assert_int_equal(rh_dma_buf_get_name(NULL, name), -EINVAL);
	assert_int_equal(rh_dma_buf_get_name(dmabuf, NULL), -EINVAL);
	rh_dma_buf_put(dmabuf);
}

/* ------------------------------------------------------------ bufinfo */

static char *bufinfo_text(struct fix *f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(rh_dma_buf_bufinfo(f->plat, out), 0);
	fclose(out);
	return text;
}

static void test_bufinfo(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *a, *b;
	struct rh_dma_buf_attachment *att1, *att2;
	char *text;

	text = bufinfo_text(f);
	assert_string_equal(text,
			    "\nDma-buf Objects:\n"
			    "size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
			    "\nTotal 0 objects, 0 bytes\n");
	free(text);

	a = export_ok(f, &tx_full_ops, 2 * RH_PAGE_SIZE);
	b = tx_export(&f->ctx, &tx_full_ops, RH_PAGE_SIZE, O_RDONLY);
	assert_false(RH_IS_ERR_OR_NULL(b));
	assert_int_equal(rh_dma_buf_set_name(b, "frame-0"), 0);
	rh_get_dma_buf(b);
	att1 = rh_dma_buf_attach(b, f->vcodec);
	att2 = rh_dma_buf_attach(b, f->display);
	assert_false(RH_IS_ERR_OR_NULL(att1));
	assert_false(RH_IS_ERR_OR_NULL(att2));

	/* Newest first; flags O_RDONLY / O_RDWR|O_CLOEXEC; mode READ|WRITE|LSEEK|OPENED. */
	text = bufinfo_text(f);
	assert_string_equal(text,
			    "\nDma-buf Objects:\n"
			    "size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
			    "00004096\t00000000\t00080005\t00000002\ttx-exporter\t00000002\tframe-0\n"
			    "\tAttached Devices:\n"
			    "\tvcodec\n"
			    "\tdisplay\n"
			    "Total 2 devices attached\n\n"
			    "00008192\t00080002\t00080007\t00000001\ttx-exporter\t00000001\t<none>\n"
			    "\tAttached Devices:\n"
			    "Total 0 devices attached\n\n"
			    "\nTotal 2 objects, 12288 bytes\n");
	free(text);

	rh_dma_buf_detach(b, att1);
	rh_dma_buf_detach(b, att2);
	rh_dma_buf_put(b);
	rh_dma_buf_put(b);
	rh_dma_buf_put(a);
	assert_int_equal(rh_dma_buf_bufinfo(NULL, stdout), -EINVAL);
	assert_int_equal(rh_dma_buf_bufinfo(f->plat, NULL), -EINVAL);
}

static void test_stats(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf_stats st;
	struct rh_dma_buf *a, *b;

	a = export_ok(f, &tx_full_ops, RH_PAGE_SIZE);
	b = export_ok(f, &tx_full_ops, 3 * RH_PAGE_SIZE);
	rh_dma_buf_put(a);
	st = stats_of(f);
	assert_int_equal(st.count, 1);
	assert_int_equal(st.bytes, 3 * RH_PAGE_SIZE);
	assert_int_equal(st.peak_count, 2);
	assert_int_equal(st.peak_bytes, 4 * RH_PAGE_SIZE);
	assert_int_equal(st.exported, 2);
	assert_int_equal(st.released, 1);
	rh_dma_buf_put(b);
	assert_int_equal(rh_dma_buf_get_stats(NULL, &st), -EINVAL);
	assert_int_equal(rh_dma_buf_get_stats(f->plat, NULL), -EINVAL);
}

/* ------------------------------------------------------------ fail-nth */

struct nth_arg {
	struct fix *f;
	struct rh_dma_buf *dmabuf;
	struct rh_dma_buf_attachment *att;
};

static int nth_export(void *p)
{
	struct nth_arg *arg = p;

	arg->dmabuf = tx_export(&arg->f->ctx, &tx_full_ops, 8 * RH_PAGE_SIZE, O_RDWR);
	return RH_IS_ERR(arg->dmabuf) ? (int)RH_PTR_ERR(arg->dmabuf) : 0;
}

static void nth_export_undo(void *p)
{
	struct nth_arg *arg = p;

	rh_dma_buf_put(arg->dmabuf);
}

static void nth_export_clean(void *p)
{
	struct nth_arg *arg = p;

	assert_int_equal(stats_of(arg->f).count, 0);
}

static int nth_attach_map(void *p)
{
	struct nth_arg *arg = p;
	struct rh_sg_table *sgt;

	arg->att = rh_dma_buf_attach(arg->dmabuf, arg->f->vcodec);
	if (RH_IS_ERR(arg->att))
		return (int)RH_PTR_ERR(arg->att);
	sgt = rh_dma_buf_map_attachment(arg->att, RH_DMA_BIDIRECTIONAL);
	if (RH_IS_ERR(sgt)) {
		rh_dma_buf_detach(arg->dmabuf, arg->att);
		return (int)RH_PTR_ERR(sgt);
	}
	rh_dma_buf_unmap_attachment(arg->att, sgt, RH_DMA_BIDIRECTIONAL);
	return 0;
}

static void nth_attach_undo(void *p)
{
	struct nth_arg *arg = p;

	rh_dma_buf_detach(arg->dmabuf, arg->att);
}

static void nth_attach_clean(void *p)
{
	struct nth_arg *arg = p;

	assert_int_equal(arg->f->ctx.attaches, arg->f->ctx.detaches);
	assert_int_equal(rh_dma_buf_file_count(arg->dmabuf), 1);
}

static void test_fail_nth(void **state)
{
	struct nth_arg arg = { .f = *state };
	unsigned int sites;

	sites = rh_test_fail_nth_sweep(nth_export, nth_export_undo, nth_export_clean, &arg);
	/* The buffer object and the exporter's table. */
	assert_true(sites >= 2);

	arg.dmabuf = export_ok(arg.f, &tx_full_ops, 8 * RH_PAGE_SIZE);
	sites = rh_test_fail_nth_sweep(nth_attach_map, nth_attach_undo, nth_attach_clean, &arg);
	/* The attachment node and the exporter's duplicated table. */
	assert_true(sites >= 2);
	rh_dma_buf_put(arg.dmabuf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_export_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refcount_release_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refcount_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_with_live_attachment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_with_live_vmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_without_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_keeps_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_directions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_while_mapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmap_core, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_made_before_protection, setup,
						teardown_restricted),
		cmocka_unit_test_setup_teardown(test_alias_made_during_protection, setup,
						teardown_restricted),
		cmocka_unit_test_setup_teardown(test_alias_exporter_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_phys_range_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bufinfo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_nth, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
