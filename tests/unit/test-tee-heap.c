// SPDX-License-Identifier: MIT
/* Unit tests of the protected heaps (src/tee/tee-heap.c) and the OP-TEE driver's pools (src/tee/optee/). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rheap/device-bus.h>
#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/phys.h>
#include <rheap/platform.h>
#include <rheap/replay.h>
#include <rheap/secure-stats.h>
#include <rheap/tee-backend.h>
#include <rheap/tee-heap.h>
#include <rheap/tee-mock.h>
#include <rheap/tee-protmem.h>
#include <rheap/tee.h>
#include <rheap/teec.h>
#include <rheap/uapi.h>
#include <rheap/uapi/dma-buf.h>
#include <rheap/uapi/dma-heap.h>
#include <rheap/uapi/tee.h>

#include "emu.h"
#include "internal.h"
#include "mm/cma.h"
#include "protmem-client.h"
#include "rh-test.h"
#include "tee/optee/optee.h"
#include "tee/tee-heap.h"

#define MB (1024ULL * 1024)
#define VIDEO RH_TEE_HEAP_SECURE_VIDEO_NAME
#define UI RH_TEE_HEAP_TRUSTED_UI_NAME
#define RECORD RH_TEE_HEAP_SECURE_VIDEO_RECORD_NAME

/* The secure world's configuration in platforms/optee-protmem.dts. */
#define VIDEO_MIN (512 * MB)
#define VIDEO_ALIGN (2 * MB)
#define RECORD_MIN (64 * MB)
#define CARVEOUT_SIZE (32 * MB)
#define VDEC_ID 1
#define DISPLAY_ID 2
#define CAMERA_ID 4
#define VENC_ID 5

struct fixture {
	struct rh_platform *plat;
	const struct rh_reserved_region *cma, *carveout;
	struct rh_device *vdec, *display, *gpu;
	struct rh_tee_context *ctx;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	pmc_platform(rh_test_dtb_platform_optee_protmem, rh_test_dtb_platform_optee_protmem_size,
		     &f->plat);
	f->cma = rh_phys_reserved_find(f->plat, "linux,cma");
	f->carveout = rh_phys_reserved_find(f->plat, "protmem-carveout");
	f->vdec = rh_device_find(f->plat, "vdec");
	f->display = rh_device_find(f->plat, "display");
	f->gpu = rh_device_find(f->plat, "gpu");
	assert_non_null(f->cma);
	assert_non_null(f->carveout);
	assert_non_null(f->vdec);
	assert_non_null(f->display);
	assert_non_null(f->gpu);
	pmc_probe_add(f->plat);
	f->ctx = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(f->ctx));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rh_tee_client_close_context(f->ctx);
	rh_mock_tee_set_protmem_caps(NULL);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static struct rh_tee_heap_stats hstats(struct fixture *f, const char *name)
{
	struct rh_tee_heap_stats st;

	assert_int_equal(rh_tee_heap_get_stats(f->plat, name, &st), 0);
	return st;
}

static struct rh_protmem_stats sstats(struct fixture *f, uint32_t use_case)
{
	struct rh_protmem_stats st;

	assert_int_equal(rh_protmem_get_stats(f->plat, use_case, &st), 0);
	return st;
}

/* The TEE backend changes only while no context is open: the fixture's goes. */
static void drop_ctx(struct fixture *f)
{
	rh_tee_client_close_context(f->ctx);
	f->ctx = NULL;
}

/* A buffer of heap @name as a dma-buf fd, or the allocation's error. */
static int try_alloc(struct rh_platform *plat, const char *name, size_t size)
{
	struct rh_dma_heap *heap = rh_dma_heap_find(plat, name);
	int fd;

	assert_non_null(heap);
	fd = rh_dma_heap_buffer_alloc(heap, size, O_RDWR | O_CLOEXEC, 0);
	rh_dma_heap_put(heap);
	return fd;
}

static int alloc_fd(struct fixture *f, const char *name, size_t size)
{
	int fd = try_alloc(f->plat, name, size);

	assert_true(fd >= 0);
	return fd;
}

/* The one entry of buffer @fd's table, as an attachment of @dev maps it. */
static rh_phys_addr_t buffer_pa(struct fixture *f, int fd)
{
	struct rh_dma_buf *dmabuf = rh_dma_buf_get(f->plat, fd);
	struct rh_dma_buf_attachment *att;
	struct rh_sg_table *sgt;
	rh_phys_addr_t pa;

	assert_false(RH_IS_ERR(dmabuf));
	att = rh_dma_buf_attach(dmabuf, f->vdec);
	assert_false(RH_IS_ERR(att));
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_BIDIRECTIONAL);
	assert_false(RH_IS_ERR(sgt));
	assert_int_equal(sgt->orig_nents, 1);
	pa = rh_sg_phys(sgt->sgl);
	rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_BIDIRECTIONAL);
	rh_dma_buf_detach(dmabuf, att);
	rh_dma_buf_put(dmabuf);
	return pa;
}

static uint32_t open_probe(struct fixture *f)
{
	struct rh_tee_ioctl_open_session_arg arg;

	memset(&arg, 0, sizeof(arg));
	assert_int_equal(rh_uuid_parse(PMC_PROBE_UUID, arg.uuid), 0);
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_PUBLIC;
	assert_int_equal(rh_tee_client_open_session(f->ctx, &arg, NULL), 0);
	assert_int_equal(arg.ret, RH_TEEC_SUCCESS);
	return arg.session;
}

/*
 * Probe command @cmd on [@offs, @offs + @size) of @shm with value @in;
 * the client's return in *@ret_rc, the TA's result returned, p1 in @out.
 */
static uint32_t probe_call(struct fixture *f, uint32_t session, uint32_t cmd,
			   struct rh_tee_shm *shm, size_t offs, size_t size, uint64_t in,
			   uint64_t out[3], int *ret_rc)
{
	struct rh_tee_ioctl_invoke_arg arg;
	struct rh_tee_param p[2];

	memset(&arg, 0, sizeof(arg));
	memset(p, 0, sizeof(p));
	arg.session = session;
	arg.func = cmd;
	arg.num_params = cmd == PMC_PROBE_RELEASE ? 0 : 2;
	p[0].attr = cmd == PMC_PROBE_FILL ? RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT :
		    RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[0].u.memref.shm = shm;
	p[0].u.memref.shm_offs = offs;
	p[0].u.memref.size = size;
	p[1].attr = cmd == PMC_PROBE_FILL ? RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT :
		    RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	p[1].u.value.a = in;
	*ret_rc = rh_tee_client_invoke_func(f->ctx, &arg, arg.num_params ? p : NULL);
	if (out) {
		out[0] = p[1].u.value.a;
		out[1] = p[1].u.value.b;
		out[2] = p[1].u.value.c;
	}
	return arg.ret;
}

static uint32_t probe(struct fixture *f, uint32_t session, uint32_t cmd, struct rh_tee_shm *shm,
		      size_t offs, size_t size, uint64_t in, uint64_t out[3])
{
	int rc;
	uint32_t ret = probe_call(f, session, cmd, shm, offs, size, in, out, &rc);

	assert_int_equal(rc, 0);
	return ret;
}

/* ------------------------------------------------------------ probe */

static void test_heaps_at_probe(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_heap_stats st;
	struct rh_protmem_stats ss;

	assert_string_equal(rh_tee_dma_heap_name(RH_TEE_DMA_HEAP_SECURE_VIDEO_PLAY), VIDEO);
	assert_string_equal(rh_tee_dma_heap_name(RH_TEE_DMA_HEAP_TRUSTED_UI), UI);
	assert_string_equal(rh_tee_dma_heap_name(RH_TEE_DMA_HEAP_SECURE_VIDEO_RECORD), RECORD);
	assert_null(rh_tee_dma_heap_name(0));
	assert_null(rh_tee_dma_heap_name(4));

	/* The carveout the secure world reports: static, bound, nothing lent. */
	st = hstats(f, UI);
	assert_int_equal(st.id, RH_TEE_DMA_HEAP_TRUSTED_UI);
	assert_true(st.bound);
	assert_false(st.dynamic);
	assert_int_equal(st.base, f->carveout->base);
	assert_int_equal(st.size, CARVEOUT_SIZE);
	assert_int_equal(st.binds, 1);

	/* Dynamic pools: configured at probe, nothing lent before a buffer. */
	st = hstats(f, VIDEO);
	assert_int_equal(st.id, RH_TEE_DMA_HEAP_SECURE_VIDEO_PLAY);
	assert_true(st.bound);
	assert_true(st.dynamic);
	assert_false(st.lent);
	assert_int_equal(st.min_size, VIDEO_MIN);
	assert_int_equal(st.nr_mem_attrs, 2);
	assert_int_equal(st.mem_attrs[0], RH_PROTMEM_ATTR(VDEC_ID, RH_PROTMEM_ACCESS_READ |
							      RH_PROTMEM_ACCESS_WRITE));
	assert_int_equal(st.mem_attrs[1], RH_PROTMEM_ATTR(DISPLAY_ID, RH_PROTMEM_ACCESS_READ));
	assert_int_equal(st.lends, 0);
	st = hstats(f, RECORD);
	assert_true(st.dynamic);
	assert_int_equal(st.min_size, RECORD_MIN);
	assert_int_equal(st.nr_mem_attrs, 2);
	assert_int_equal(st.mem_attrs[0], RH_PROTMEM_ATTR(CAMERA_ID, RH_PROTMEM_ACCESS_WRITE));
	assert_int_equal(st.mem_attrs[1], RH_PROTMEM_ATTR(VENC_ID, RH_PROTMEM_ACCESS_READ |
							      RH_PROTMEM_ACCESS_WRITE));
	/* Two passes for each use case with attributes. */
	ss = sstats(f, 0);
	assert_int_equal(ss.configs, 4);
	assert_int_equal(ss.lends, 0);
}

static void test_stats_errors(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_heap_stats st;
	struct rh_platform *mtk;

	assert_neg_errno(rh_tee_heap_get_stats(NULL, VIDEO, &st), EINVAL);
	assert_neg_errno(rh_tee_heap_get_stats(f->plat, NULL, &st), EINVAL);
	assert_neg_errno(rh_tee_heap_get_stats(f->plat, VIDEO, NULL), EINVAL);
	assert_neg_errno(rh_tee_heap_get_stats(f->plat, "system", &st), ENOENT);
	assert_neg_errno(rh_tee_heap_get_stats(f->plat, "protected,", &st), ENOENT);
	/* The MediaTek board's TEE serves no protected memory: no such heap. */
	pmc_platform(NULL, 0, &mtk);
	assert_neg_errno(rh_tee_heap_get_stats(mtk, VIDEO, &st), ENOENT);
	assert_null(rh_dma_heap_find(mtk, VIDEO));
	rh_platform_unref(mtk);
}

static void test_roles(void **state)
{
	struct rh_replay_event ev = { .op = RH_REPLAY_OP_ALLOC };

	(void)state;
	assert_string_equal(rh_tee_dma_heap_of_role("bitstream"), VIDEO);
	assert_string_equal(rh_tee_dma_heap_of_role("frame"), VIDEO);
	assert_string_equal(rh_tee_dma_heap_of_role("working"), VIDEO);
	assert_string_equal(rh_tee_dma_heap_of_role("record"), RECORD);
	assert_string_equal(rh_tee_dma_heap_of_role("ui"), UI);
	assert_null(rh_tee_dma_heap_of_role("sys"));
	assert_null(rh_tee_dma_heap_of_role(""));
	assert_null(rh_tee_dma_heap_of_role(NULL));
	/* A trace's MediaTek rows go by role, secure video when it names none; others stay. */
	ev.heap = "restricted_mtk_cma";
	ev.role = "frame";
	assert_string_equal(rh_tee_heap_replay_map(NULL, &ev), VIDEO);
	ev.role = "overlay";
	assert_string_equal(rh_tee_heap_replay_map(NULL, &ev), UI);
	ev.heap = "restricted_mtk_cm";
	ev.role = "";
	assert_string_equal(rh_tee_heap_replay_map(NULL, &ev), VIDEO);
	ev.heap = "system";
	ev.role = "frame";
	assert_null(rh_tee_heap_replay_map(NULL, &ev));
	assert_null(rh_tee_heap_replay_map(NULL, NULL));
}

/* ------------------------------------------------------------ dynamic pools */

static void test_lend_on_first_reclaim_on_last(void **state)
{
	struct fixture *f = *state;
	struct rh_cma *cma = f->plat->optee->dma_cma;
	struct rh_tee_heap_stats st;
	struct rh_protmem_stats ss;
	unsigned int display_refs;
	rh_phys_addr_t pa1, pa2;
	int fd1, fd2;

	/* The display is secure already: the carveout is its too. */
	display_refs = rh_emu_device_secure_refs(f->display);
	assert_int_equal(display_refs, 1);
	assert_int_equal(rh_emu_device_secure_refs(f->vdec), 0);
	fd1 = alloc_fd(f, VIDEO, 8 * MB);
	st = hstats(f, VIDEO);
	assert_true(st.lent);
	assert_int_equal(st.lends, 1);
	assert_int_equal(st.size, VIDEO_MIN);
	assert_int_equal(st.base % VIDEO_ALIGN, 0);
	assert_true(st.base >= f->cma->base &&
		    st.base + st.size <= f->cma->base + f->cma->size);
	assert_int_equal(st.buffers, 1);
	assert_int_equal(st.bytes, 8 * MB);
	assert_int_equal(rh_cma_get_used_pages(cma), VIDEO_MIN / RH_PAGE_SIZE);
	/* The secure world protects the chunk; the normal world gave it away. */
	ss = sstats(f, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY);
	assert_int_equal(ss.lends, 1);
	assert_int_equal(ss.ranges, 1);
	assert_int_equal(ss.bytes, VIDEO_MIN);
	assert_int_equal(rh_platform_region_lent_to(f->plat, st.base, st.size, &(uint32_t){ 0 }),
			 0);
	assert_int_equal(rh_emu_device_secure_refs(f->vdec), 1);
	assert_int_equal(rh_emu_device_secure_refs(f->display), display_refs + 1);
	pa1 = buffer_pa(f, fd1);
	assert_int_equal(pa1, st.base);
	/* The CPU cannot reach the lent chunk. */
	assert_int_not_equal(rh_phys_probe_read(f->plat, pa1, &(uint8_t){ 0 }, 1), 0);

	/* A second buffer shares the chunk: no second lend. */
	fd2 = alloc_fd(f, VIDEO, 3 * MB + 1);
	pa2 = buffer_pa(f, fd2);
	assert_true(pa2 >= pa1 + 8 * MB && pa2 + 3 * MB + 1 <= st.base + st.size);
	assert_int_equal(hstats(f, VIDEO).lends, 1);

	assert_int_equal(rh_close(f->plat, fd1), 0);
	st = hstats(f, VIDEO);
	assert_true(st.lent);
	assert_int_equal(st.reclaims, 0);
	assert_int_equal(st.buffers, 1);

	/* The last buffer reclaims: scrubbed, unprotected, back in CMA. */
	assert_int_equal(rh_close(f->plat, fd2), 0);
	st = hstats(f, VIDEO);
	assert_false(st.lent);
	assert_int_equal(st.reclaims, 1);
	assert_int_equal(st.buffers, 0);
	assert_int_equal(st.base, 0);
	assert_int_equal(rh_cma_get_used_pages(cma), 0);
	ss = sstats(f, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY);
	assert_int_equal(ss.reclaims, 1);
	assert_int_equal(ss.ranges, 0);
	assert_neg_errno(rh_platform_region_lent_to(f->plat, pa1, VIDEO_MIN, &(uint32_t){ 0 }),
			 ENOENT);
	assert_int_equal(rh_emu_device_secure_refs(f->vdec), 0);
	assert_int_equal(rh_emu_device_secure_refs(f->display), display_refs);
	assert_int_equal(rh_phys_probe_read(f->plat, pa1, &(uint8_t){ 0 }, 1), 0);

	/* The next buffer lends again. */
	fd1 = alloc_fd(f, VIDEO, 4096);
	assert_int_equal(hstats(f, VIDEO).lends, 2);
	assert_int_equal(rh_close(f->plat, fd1), 0);
	assert_int_equal(hstats(f, VIDEO).reclaims, 2);
}

static void test_pool_exhausted(void **state)
{
	struct fixture *f = *state;
	int fd1, fd2;

	/* More than one lend holds: refused, nothing lent. */
	assert_neg_errno(try_alloc(f->plat, VIDEO, VIDEO_MIN + 4096), ENOMEM);
	assert_false(hstats(f, VIDEO).lent);
	assert_int_equal(rh_cma_get_used_pages(f->plat->optee->dma_cma), 0);
	/* The whole chunk, then nothing left in it. */
	fd1 = alloc_fd(f, VIDEO, VIDEO_MIN);
	assert_neg_errno(try_alloc(f->plat, VIDEO, 4096), ENOMEM);
	assert_int_equal(hstats(f, VIDEO).buffers, 1);
	/* Another use case lends its own chunk from what CMA has left. */
	fd2 = alloc_fd(f, RECORD, 4096);
	assert_true(hstats(f, RECORD).lent);
	assert_int_equal(rh_cma_get_used_pages(f->plat->optee->dma_cma),
			 (VIDEO_MIN + RECORD_MIN) / RH_PAGE_SIZE);
	assert_int_equal(rh_emu_device_secure_refs(rh_device_find(f->plat, "camera")), 1);
	assert_int_equal(rh_close(f->plat, fd1), 0);
	assert_int_equal(rh_close(f->plat, fd2), 0);
	assert_int_equal(rh_cma_get_used_pages(f->plat->optee->dma_cma), 0);
}

/* ------------------------------------------------------------ buffers */

static void test_buffer_has_no_cpu_access(void **state)
{
	struct fixture *f = *state;
	struct rh_dma_buf_sync sync = { .flags = RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_RW };
	struct rh_vm_area vma = { .vm_start = 0x10000, .vm_end = 0x11000 };
	struct rh_dma_buf *dmabuf;
	void *addr = NULL;
	int fd;

	fd = alloc_fd(f, VIDEO, MB);
	dmabuf = rh_dma_buf_get(f->plat, fd);
	assert_false(RH_IS_ERR(dmabuf));
	assert_string_equal(rh_dma_buf_exp_name(dmabuf), RH_TEE_HEAP_EXP_NAME);
	assert_int_equal(rh_dma_buf_size(dmabuf), MB);
	/* The dma-buf core's answers for the missing ops (not -EPERM). */
	assert_neg_errno(rh_mmap(f->plat, fd, MB, PROT_READ, MAP_SHARED, 0, &addr), EINVAL);
	assert_neg_errno(rh_mmap(f->plat, fd, 4096, PROT_NONE, MAP_SHARED, 0, &addr), EINVAL);
	assert_null(addr);
	assert_neg_errno(rh_dma_buf_mmap(dmabuf, &vma, 0), EINVAL);
	assert_neg_errno(rh_dma_buf_vmap(dmabuf, &addr), EINVAL);
	assert_null(addr);
	assert_int_equal(rh_dma_buf_begin_cpu_access(dmabuf, RH_DMA_BIDIRECTIONAL), 0);
	assert_int_equal(rh_dma_buf_end_cpu_access(dmabuf, RH_DMA_BIDIRECTIONAL), 0);
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_SYNC, &sync), 0);
	sync.flags = RH_DMA_BUF_SYNC_END | RH_DMA_BUF_SYNC_RW;
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_SYNC, &sync), 0);
	rh_dma_buf_put(dmabuf);
	assert_int_equal(rh_close(f->plat, fd), 0);
}

static void test_attach_and_map(void **state)
{
	struct fixture *f = *state;
	struct rh_dma_buf_attachment *a1, *a2, *ag;
	struct rh_device_stats before, after;
	struct rh_sg_table *t1, *t2, *tg;
	struct rh_dma_buf *dmabuf;
	uint8_t pattern[64], back[64];
	int fd;

	fd = alloc_fd(f, VIDEO, 2 * MB);
	dmabuf = rh_dma_buf_get(f->plat, fd);
	assert_false(RH_IS_ERR(dmabuf));
	a1 = rh_dma_buf_attach(dmabuf, f->vdec);
	a2 = rh_dma_buf_attach(dmabuf, f->display);
	ag = rh_dma_buf_attach(dmabuf, f->gpu);
	assert_false(RH_IS_ERR(a1));
	assert_false(RH_IS_ERR(a2));
	assert_false(RH_IS_ERR(ag));
	assert_int_equal(rh_device_get_stats(f->vdec, &before), 0);
	t1 = rh_dma_buf_map_attachment(a1, RH_DMA_BIDIRECTIONAL);
	t2 = rh_dma_buf_map_attachment(a2, RH_DMA_TO_DEVICE);
	tg = rh_dma_buf_map_attachment(ag, RH_DMA_FROM_DEVICE);
	assert_false(RH_IS_ERR(t1));
	assert_false(RH_IS_ERR(t2));
	assert_false(RH_IS_ERR(tg));
	/* Each attachment has its own copy of the one-entry table. */
	assert_ptr_not_equal(t1, t2);
	assert_ptr_not_equal(t1->sgl, t2->sgl);
	assert_int_equal(t1->orig_nents, 1);
	assert_int_equal(t2->orig_nents, 1);
	assert_int_equal(rh_sg_phys(t1->sgl), rh_sg_phys(t2->sgl));
	assert_int_equal(t1->sgl->length, 2 * MB);
	assert_int_equal(rh_sg_dma_address(t1->sgl), rh_sg_phys(t1->sgl));
	/* Mapped with DMA_ATTR_SKIP_CPU_SYNC: no cache maintenance. */
	assert_int_equal(rh_device_get_stats(f->vdec, &after), 0);
	assert_int_equal(after.maps, before.maps + 1);
	assert_int_equal(after.cpu_syncs, before.cpu_syncs);

	/*
	 * The use case's masters reach it through their windows; the GPU
	 * never. (Windows have no direction: the display's read-only
	 * attribute is reported, not enforced by the firewall.)
	 */
	memset(pattern, 0x5a, sizeof(pattern));
	assert_int_equal(rh_device_dma_write_sg(f->vdec, t1, 4096, pattern, sizeof(pattern)), 0);
	assert_int_equal(rh_device_dma_read_sg(f->display, t2, 4096, back, sizeof(back)), 0);
	assert_memory_equal(back, pattern, sizeof(back));
	assert_neg_errno(rh_device_dma_read_sg(f->gpu, tg, 4096, back, sizeof(back)), EACCES);
	assert_neg_errno(rh_device_dma_write_sg(f->gpu, tg, 0, pattern, sizeof(pattern)), EACCES);

	rh_dma_buf_unmap_attachment(a1, t1, RH_DMA_BIDIRECTIONAL);
	rh_dma_buf_unmap_attachment(a2, t2, RH_DMA_TO_DEVICE);
	rh_dma_buf_unmap_attachment(ag, tg, RH_DMA_FROM_DEVICE);
	assert_int_equal(rh_device_get_stats(f->vdec, &after), 0);
	assert_int_equal(after.unmaps, before.unmaps + 1);
	assert_int_equal(after.cpu_syncs, before.cpu_syncs);
	rh_dma_buf_detach(dmabuf, a1);
	rh_dma_buf_detach(dmabuf, a2);
	rh_dma_buf_detach(dmabuf, ag);
	rh_dma_buf_put(dmabuf);
	assert_int_equal(rh_close(f->plat, fd), 0);
	/* Reclaimed: scrubbed before the normal world got it back. */
	assert_true(sstats(f, 0).bytes_scrubbed >= 4096);
}

/* ------------------------------------------------------------ static pool */

static void test_static_pool(void **state)
{
	struct fixture *f = *state;
	rh_phys_addr_t pa1, pa2;
	int fd1, fd2, fd3;

	fd1 = alloc_fd(f, UI, 8 * MB);
	fd2 = alloc_fd(f, UI, 100);
	pa1 = buffer_pa(f, fd1);
	pa2 = buffer_pa(f, fd2);
	assert_int_equal(pa1, f->carveout->base);
	assert_int_equal(pa2, f->carveout->base + 8 * MB);
	/* A static pool lends nothing. */
	assert_int_equal(sstats(f, 0).lends, 0);
	assert_int_equal(hstats(f, UI).buffers, 2);
	assert_neg_errno(try_alloc(f->plat, UI, CARVEOUT_SIZE - 8 * MB), ENOMEM);
	fd3 = alloc_fd(f, UI, CARVEOUT_SIZE - 8 * MB - 4096);
	assert_int_equal(rh_close(f->plat, fd1), 0);
	/* The hole is used again, first fit. */
	fd1 = alloc_fd(f, UI, 4 * MB);
	assert_int_equal(buffer_pa(f, fd1), f->carveout->base);
	assert_int_equal(rh_close(f->plat, fd1), 0);
	assert_int_equal(rh_close(f->plat, fd2), 0);
	assert_int_equal(rh_close(f->plat, fd3), 0);
	assert_int_equal(hstats(f, UI).buffers, 0);
}

static void test_static_pool_errors(void **state)
{
	struct fixture *f = *state;
	const struct rh_platform_desc *d = rh_platform_get_desc(f->plat);
	struct rh_tee_protmem_pool *pool;

	assert_int_equal((long)RH_PTR_ERR(rh_tee_protmem_static_pool_alloc(NULL, d->dram_base, MB)),
			 -EINVAL);
	assert_int_equal((long)RH_PTR_ERR(rh_tee_protmem_static_pool_alloc(f->plat,
									   d->dram_base + 1, MB)),
			 -EINVAL);
	assert_int_equal((long)RH_PTR_ERR(rh_tee_protmem_static_pool_alloc(f->plat, d->dram_base,
									   MB + 1)),
			 -EINVAL);
	assert_int_equal((long)RH_PTR_ERR(rh_tee_protmem_static_pool_alloc(f->plat, d->dram_base,
									   0)),
			 -EINVAL);
	/* Not DRAM, or running past its end. */
	assert_int_equal((long)RH_PTR_ERR(rh_tee_protmem_static_pool_alloc(f->plat, 0x1000, MB)),
			 -EINVAL);
	assert_int_equal((long)RH_PTR_ERR(rh_tee_protmem_static_pool_alloc(
				     f->plat, d->dram_base + d->dram_size - MB, 2 * MB)),
			 -EINVAL);
	/* A carveout the secure world protects is DRAM all the same. */
	pool = rh_tee_protmem_static_pool_alloc(f->plat, f->carveout->base, f->carveout->size);
	assert_false(RH_IS_ERR(pool));
	pool->ops->destroy_pool(pool);
}

/* ------------------------------------------------------------ SHM_REGISTER_FD */

static void test_register_fd(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_shm *shm;
	struct rh_dma_heap *sys;
	int fd, sys_fd;

	fd = alloc_fd(f, VIDEO, 3 * MB);
	shm = rh_tee_shm_register_fd(f->ctx, fd);
	assert_false(RH_IS_ERR_OR_NULL(shm));
	assert_int_equal(rh_tee_shm_get_size(shm), 3 * MB);
	/* Protected memory has no CPU address. */
	assert_int_equal((long)RH_PTR_ERR(rh_tee_shm_get_va(shm, 0)), -EINVAL);
	/* The shm holds the buffer: the fd may go, the chunk stays lent. */
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal(hstats(f, VIDEO).buffers, 1);
	assert_true(hstats(f, VIDEO).lent);
	rh_tee_shm_put(shm);
	assert_int_equal(hstats(f, VIDEO).buffers, 0);
	assert_false(hstats(f, VIDEO).lent);

	/* Only a protected heap's buffer qualifies. */
	sys = rh_dma_heap_find(f->plat, "system");
	assert_non_null(sys);
	sys_fd = rh_dma_heap_buffer_alloc(sys, 4096, O_RDWR | O_CLOEXEC, 0);
	rh_dma_heap_put(sys);
	assert_true(sys_fd >= 0);
	assert_int_equal((long)RH_PTR_ERR(rh_tee_shm_register_fd(f->ctx, sys_fd)), -EINVAL);
	assert_int_equal(rh_close(f->plat, sys_fd), 0);
	/* Not a dma-buf, closed, or never open. */
	fd = rh_open(f->plat, "/dev/tee0", O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal((long)RH_PTR_ERR(rh_tee_shm_register_fd(f->ctx, fd)), -EINVAL);
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal((long)RH_PTR_ERR(rh_tee_shm_register_fd(f->ctx, fd)), -EBADF);
	assert_int_equal((long)RH_PTR_ERR(rh_tee_shm_register_fd(f->ctx, -1)), -EBADF);
	assert_int_equal((long)RH_PTR_ERR(rh_tee_shm_register_fd(NULL, 0)), -EINVAL);
	assert_int_equal(hstats(f, VIDEO).buffers, 0);
}

static void test_register_fd_other_platform(void **state)
{
	struct fixture *f = *state;
	struct rh_platform *other;
	struct rh_tee_context *octx;
	int fd, ofd;

	/* The same board twice: a buffer of one is nothing to the other's TEE. */
	pmc_platform(rh_test_dtb_platform_optee_protmem, rh_test_dtb_platform_optee_protmem_size,
		     &other);
	octx = rh_tee_client_open_context(other, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(octx));
	ofd = alloc_fd(&(struct fixture){ .plat = other }, VIDEO, MB);
	fd = alloc_fd(f, VIDEO, MB);
	/* fd numbers are per platform: whichever the number, never the other's buffer. */
	if (ofd != fd)
		assert_int_equal((long)RH_PTR_ERR(rh_tee_shm_register_fd(f->ctx, ofd)), -EBADF);
	assert_int_equal(rh_close(other, ofd), 0);
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal(rh_tee_heap_update_from_dma_buf(f->plat, NULL, NULL, NULL,
							 &(size_t){ 0 }, &(size_t){ 0 },
							 &(struct rh_tee_protmem_ref){ 0 }),
			 -EINVAL);
	rh_tee_client_close_context(octx);
	rh_platform_unref(other);
}

static void test_registered_memref_reaches_ta(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_shm *shm, *ui_shm, *normal;
	uint64_t out[3];
	uint32_t session;
	int fd, ui_fd, rc;

	session = open_probe(f);
	/* A buffer past the start of the chunk: memrefs land at its offset. */
	fd = alloc_fd(f, VIDEO, MB);
	ui_fd = alloc_fd(f, VIDEO, 2 * MB);
	assert_int_equal(rh_close(f->plat, fd), 0);
	shm = rh_tee_shm_register_fd(f->ctx, ui_fd);
	assert_false(RH_IS_ERR_OR_NULL(shm));
	assert_int_equal(rh_close(f->plat, ui_fd), 0);

	assert_int_equal(probe(f, session, PMC_PROBE_FILL, shm, 4096, 8192, 0x11, NULL),
			 RH_TEEC_SUCCESS);
	assert_int_equal(probe(f, session, PMC_PROBE_READ, shm, 4096, 8192, 0, out),
			 RH_TEEC_SUCCESS);
	assert_int_equal(out[0], RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY);
	assert_int_equal(out[1], 8192 * 0x11);
	assert_int_equal(out[2], 0x11);
	/* The same range seen from a page before: half filled. */
	assert_int_equal(probe(f, session, PMC_PROBE_READ, shm, 0, 8192, 0, out),
			 RH_TEEC_SUCCESS);
	assert_int_equal(out[1], 4096 * 0x11);
	/* Bounds are the buffer's, checked before anything is sent. */
	assert_int_equal(probe_call(f, session, PMC_PROBE_READ, shm, 2 * MB - 4096, 8192, 0, out,
				    &rc), 0);
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(probe_call(f, session, PMC_PROBE_READ, shm, SIZE_MAX - 10, 20, 0, out,
				    &rc), 0);
	assert_int_equal(rc, -EINVAL);

	/* A carveout buffer goes by physical address: prot of its use case. */
	ui_fd = alloc_fd(f, UI, MB);
	ui_shm = rh_tee_shm_register_fd(f->ctx, ui_fd);
	assert_false(RH_IS_ERR_OR_NULL(ui_shm));
	assert_int_equal(rh_close(f->plat, ui_fd), 0);
	assert_int_equal(probe(f, session, PMC_PROBE_READ, ui_shm, MB - 4096, 4096, 0, out),
			 RH_TEEC_SUCCESS);
	assert_int_equal(out[0], RH_OPTEE_MSG_PROTMEM_TRUSTED_UI);

	/* Normal shared memory stays normal. */
	normal = rh_tee_shm_alloc_kernel_buf(f->ctx, 4096);
	assert_false(RH_IS_ERR_OR_NULL(normal));
	assert_int_equal(probe(f, session, PMC_PROBE_READ, normal, 0, 4096, 0, out),
			 RH_TEEC_SUCCESS);
	assert_int_equal(out[0], 0);
	rh_tee_shm_put(normal);
	rh_tee_shm_put(ui_shm);
	rh_tee_shm_put(shm);
	assert_int_equal(rh_tee_client_close_session(f->ctx, session), 0);
	assert_false(hstats(f, VIDEO).lent);
}

/* ------------------------------------------------------------ /dev/tee0 */

struct uapi_call {
	struct rh_tee_ioctl_invoke_arg arg;
	struct rh_tee_ioctl_param params[2];
};

/* PMC_PROBE_READ through TEE_IOC_INVOKE of memref [@offs, @offs + @size) of shm @id. */
static int uapi_read(struct fixture *f, int tee, uint32_t session, int32_t id, uint64_t offs,
		     uint64_t size, uint64_t out[3])
{
	struct uapi_call c;
	struct rh_tee_ioctl_buf_data buf = { (uintptr_t)&c, sizeof(c) };
	int rc;

	memset(&c, 0, sizeof(c));
	c.arg.func = PMC_PROBE_READ;
	c.arg.session = session;
	c.arg.num_params = 2;
	c.params[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	c.params[0].a = offs;
	c.params[0].b = size;
	c.params[0].c = (uint64_t)(int64_t)id;
	c.params[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	rc = rh_ioctl(f->plat, tee, RH_TEE_IOC_INVOKE, &buf);
	if (!rc) {
		assert_int_equal(c.arg.ret, RH_TEEC_SUCCESS);
		out[0] = c.params[1].a;
		out[1] = c.params[1].b;
		out[2] = c.params[1].c;
	}
	return rc;
}

static void test_uapi_register_fd(void **state)
{
	struct fixture *f = *state;
	struct rh_dma_heap_allocation_data h = { .len = 2 * MB, .fd_flags = O_RDWR | O_CLOEXEC };
	struct rh_tee_ioctl_shm_register_fd_data r;
	struct rh_tee_ioctl_open_session_arg o;
	struct rh_tee_ioctl_buf_data ob = { (uintptr_t)&o, sizeof(o) };
	struct rh_tee_dev_stats ds;
	uint64_t out[3];
	void *addr = NULL;
	int tee, heap, shm_fd, sys;

	assert_int_equal(rh_uapi_check_user_pointers(f->plat, true), 0);
	tee = rh_open(f->plat, RH_TEE_DEV_PATH, O_RDWR);
	heap = rh_open(f->plat, "/dev/dma_heap/" VIDEO, O_RDONLY);
	assert_true(tee >= 0);
	assert_true(heap >= 0);
	assert_int_equal(rh_ioctl(f->plat, heap, RH_DMA_HEAP_IOCTL_ALLOC, &h), 0);

	memset(&r, 0, sizeof(r));
	r.fd = h.fd;
	shm_fd = rh_ioctl(f->plat, tee, RH_TEE_IOC_SHM_REGISTER_FD, &r);
	assert_true(shm_fd >= 0);
	assert_int_equal(r.size, 2 * MB);
	assert_int_equal(r.flags, RH_TEE_SHM_DMA_BUF);
	assert_true(r.id > 0);
	/* Neither the shm nor the buffer can be mapped. */
	assert_neg_errno(rh_mmap(f->plat, shm_fd, 4096, PROT_READ, MAP_SHARED, 0, &addr), EINVAL);
	assert_neg_errno(rh_mmap(f->plat, (int)h.fd, 4096, PROT_READ, MAP_SHARED, 0, &addr),
			 EINVAL);
	assert_null(addr);
	/* The shm holds the buffer. */
	assert_int_equal(rh_close(f->plat, (int)h.fd), 0);
	assert_int_equal(hstats(f, VIDEO).buffers, 1);

	/* A user program hands it to a TA by id; bounds are the buffer's. */
	memset(&o, 0, sizeof(o));
	assert_int_equal(rh_uuid_parse(PMC_PROBE_UUID, o.uuid), 0);
	o.clnt_login = RH_TEE_IOCTL_LOGIN_PUBLIC;
	assert_int_equal(rh_ioctl(f->plat, tee, RH_TEE_IOC_OPEN_SESSION, &ob), 0);
	assert_int_equal(o.ret, RH_TEEC_SUCCESS);
	assert_int_equal(uapi_read(f, tee, o.session, r.id, 0, 2 * MB, out), 0);
	assert_int_equal(out[0], RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY);
	assert_neg_errno(uapi_read(f, tee, o.session, r.id, 2 * MB - 4096, 8192, out), EINVAL);
	assert_neg_errno(uapi_read(f, tee, o.session, r.id, UINT64_MAX, 2, out), EINVAL);

	/* Refused: flags, another heap's buffer, what is not a dma-buf, a closed fd. */
	memset(&r, 0, sizeof(r));
	r.fd = shm_fd;
	r.flags = RH_TEE_SHM_DMA_BUF;
	assert_neg_errno(rh_ioctl(f->plat, tee, RH_TEE_IOC_SHM_REGISTER_FD, &r), EINVAL);
	r.flags = 0;
	assert_neg_errno(rh_ioctl(f->plat, tee, RH_TEE_IOC_SHM_REGISTER_FD, &r), EINVAL);
	r.fd = tee;
	assert_neg_errno(rh_ioctl(f->plat, tee, RH_TEE_IOC_SHM_REGISTER_FD, &r), EINVAL);
	r.fd = h.fd;
	assert_neg_errno(rh_ioctl(f->plat, tee, RH_TEE_IOC_SHM_REGISTER_FD, &r), EINVAL);
	r.fd = -1;
	assert_neg_errno(rh_ioctl(f->plat, tee, RH_TEE_IOC_SHM_REGISTER_FD, &r), EINVAL);
	r.fd = (int64_t)1 << 40;
	assert_neg_errno(rh_ioctl(f->plat, tee, RH_TEE_IOC_SHM_REGISTER_FD, &r), EINVAL);
	sys = rh_open(f->plat, "/dev/dma_heap/system", O_RDONLY);
	assert_true(sys >= 0);
	h.fd = 0;
	assert_int_equal(rh_ioctl(f->plat, sys, RH_DMA_HEAP_IOCTL_ALLOC, &h), 0);
	r.fd = h.fd;
	assert_neg_errno(rh_ioctl(f->plat, tee, RH_TEE_IOC_SHM_REGISTER_FD, &r), EINVAL);
	assert_int_equal(rh_close(f->plat, (int)h.fd), 0);
	assert_int_equal(rh_close(f->plat, sys), 0);
	assert_neg_errno(rh_ioctl(f->plat, tee, RH_TEE_IOC_SHM_REGISTER_FD, (void *)16), EFAULT);

	/* The shm's fd is its last holder: the chunk goes back with it. */
	assert_int_equal(rh_tee_dev_get_stats(f->plat, &ds), 0);
	assert_int_equal(ds.shms, 1);
	assert_int_equal(rh_close(f->plat, shm_fd), 0);
	assert_int_equal(hstats(f, VIDEO).buffers, 0);
	assert_false(hstats(f, VIDEO).lent);
	assert_int_equal(rh_close(f->plat, heap), 0);
	assert_int_equal(rh_close(f->plat, tee), 0);
	assert_int_equal(rh_tee_dev_get_stats(f->plat, &ds), 0);
	assert_int_equal(ds.shms, 0);
	assert_int_equal(ds.sessions, 0);
}

static void test_teec_register_fd(void **state)
{
	struct fixture *f = *state;
	/* PMC_PROBE_UUID */
	const TEEC_UUID probe_uuid = { 0xc0ffee00, 0x7e57, 0x4000,
				       { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa1 } };
	TEEC_SharedMemory shm = { .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	TEEC_SharedMemory bad = { .flags = TEEC_MEM_INPUT };
	TEEC_Context ctx;
	TEEC_Session sess;
	TEEC_Operation op;
	uint32_t origin;
	int fd, sys_fd;

	assert_int_equal(rh_TEEC_InitializeContext(f->plat, NULL, &ctx), TEEC_SUCCESS);
	fd = alloc_fd(f, VIDEO, MB);
	shm.buffer = &shm; /* overwritten: protected memory has no address */
	shm.size = 12;
	assert_int_equal(TEEC_RegisterSharedMemoryFileDescriptor(&ctx, &shm, fd), TEEC_SUCCESS);
	assert_null(shm.buffer);
	assert_int_equal(shm.size, MB);
	assert_int_equal(rh_close(f->plat, fd), 0);

	assert_int_equal(TEEC_OpenSession(&ctx, &sess, &probe_uuid, TEEC_LOGIN_PUBLIC, NULL, NULL,
					  &origin), TEEC_SUCCESS);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = &shm;
	op.params[0].memref.offset = 4096;
	op.params[0].memref.size = 4096;
	assert_int_equal(TEEC_InvokeCommand(&sess, PMC_PROBE_READ, &op, &origin), TEEC_SUCCESS);
	assert_int_equal(op.params[1].value.a, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY);
	/* Partial references stay inside the buffer. */
	op.params[0].memref.offset = MB - 4095;
	assert_int_equal(TEEC_InvokeCommand(&sess, PMC_PROBE_READ, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_API);
	TEEC_CloseSession(&sess);

	/* What libteec refuses: bad arguments, and whatever the TEE will not take. */
	fd = alloc_fd(f, VIDEO, MB);
	assert_int_equal(TEEC_RegisterSharedMemoryFileDescriptor(NULL, &bad, fd),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(TEEC_RegisterSharedMemoryFileDescriptor(&ctx, NULL, fd),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(TEEC_RegisterSharedMemoryFileDescriptor(&ctx, &bad, -1),
			 TEEC_ERROR_BAD_PARAMETERS);
	bad.flags = 0;
	assert_int_equal(TEEC_RegisterSharedMemoryFileDescriptor(&ctx, &bad, fd),
			 TEEC_ERROR_BAD_PARAMETERS);
	bad.flags = 4;
	assert_int_equal(TEEC_RegisterSharedMemoryFileDescriptor(&ctx, &bad, fd),
			 TEEC_ERROR_BAD_PARAMETERS);
	bad.flags = TEEC_MEM_INPUT;
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal(TEEC_RegisterSharedMemoryFileDescriptor(&ctx, &bad, fd),
			 TEEC_ERROR_BAD_PARAMETERS);
	sys_fd = try_alloc(f->plat, "system", 4096);
	assert_true(sys_fd >= 0);
	assert_int_equal(TEEC_RegisterSharedMemoryFileDescriptor(&ctx, &bad, sys_fd),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(rh_close(f->plat, sys_fd), 0);
	assert_false(bad.imp_live);

	assert_int_equal(hstats(f, VIDEO).buffers, 1);
	TEEC_ReleaseSharedMemory(&shm);
	assert_int_equal(hstats(f, VIDEO).buffers, 0);
	TEEC_FinalizeContext(&ctx);
}

/* ------------------------------------------------------------ reclaim refused */

static void test_reclaim_refused_keeps_lent(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_heap_stats st;
	struct rh_tee_shm *shm;
	uint64_t out[3];
	uint32_t session;
	rh_phys_addr_t base;
	int fd;

	session = open_probe(f);
	fd = alloc_fd(f, VIDEO, MB);
	shm = rh_tee_shm_register_fd(f->ctx, fd);
	assert_false(RH_IS_ERR_OR_NULL(shm));
	assert_int_equal(rh_close(f->plat, fd), 0);
	/* A TA keeps a reference beyond the call. */
	assert_int_equal(probe(f, session, PMC_PROBE_HOLD, shm, 0, MB, 0, out), RH_TEEC_SUCCESS);
	assert_int_equal(out[0], 0);
	base = hstats(f, VIDEO).base;
	rh_tee_shm_put(shm);

	/* The secure world refuses the reclaim: the chunk stays lent. */
	st = hstats(f, VIDEO);
	assert_true(st.lent);
	assert_int_equal(st.reclaim_failures, 1);
	assert_int_equal(st.reclaims, 0);
	assert_int_equal(st.buffers, 0);
	assert_int_equal(sstats(f, 0).busy_reclaims, 1);
	assert_int_equal(rh_cma_get_used_pages(f->plat->optee->dma_cma), VIDEO_MIN / RH_PAGE_SIZE);
	assert_int_not_equal(rh_phys_probe_read(f->plat, base, &(uint8_t){ 0 }, 1), 0);

	/* The next buffer uses it, no second lend; its free tries again. */
	fd = alloc_fd(f, VIDEO, MB);
	st = hstats(f, VIDEO);
	assert_int_equal(st.lends, 1);
	assert_int_equal(st.base, base);
	assert_int_equal(probe(f, session, PMC_PROBE_RELEASE, NULL, 0, 0, 0, NULL),
			 RH_TEEC_SUCCESS);
	assert_int_equal(rh_close(f->plat, fd), 0);
	st = hstats(f, VIDEO);
	assert_false(st.lent);
	assert_int_equal(st.reclaims, 1);
	assert_int_equal(st.reclaim_failures, 1);
	assert_int_equal(rh_cma_get_used_pages(f->plat->optee->dma_cma), 0);
	assert_int_equal(rh_tee_client_close_session(f->ctx, session), 0);
}

/* ------------------------------------------------------------ backend swap */

static void test_backend_swap_rebinds(void **state)
{
	struct fixture *f = *state;
	struct rh_dma_heap *heap;
	const struct rh_tee_ops *emu_ops;
	struct rh_tee_context *mctx;
	struct rh_tee_heap_stats st;
	void *emu_priv;
	int fd, fd2;

	drop_ctx(f);
	assert_int_equal(rh_platform_get_tee_backend(f->plat, &emu_ops, &emu_priv), 0);
	/* A lent chunk holds the lend's context: the TEE cannot go meanwhile. */
	fd = alloc_fd(f, VIDEO, MB);
	assert_neg_errno(rh_platform_set_tee_backend(f->plat, rh_mock_tee_ops(), NULL), EBUSY);
	assert_true(hstats(f, VIDEO).bound);
	assert_int_equal(rh_close(f->plat, fd), 0);

	/* A carveout buffer holds nothing of the TEE: it outlives it. */
	fd = alloc_fd(f, UI, MB);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, rh_mock_tee_ops(), NULL), 0);
	/* A TEE without protected memory: the heaps stay, unbound. */
	heap = rh_dma_heap_find(f->plat, VIDEO);
	assert_non_null(heap);
	rh_dma_heap_put(heap);
	st = hstats(f, UI);
	assert_false(st.bound);
	assert_true(st.shutting_down);
	assert_int_equal(st.buffers, 1);
	st = hstats(f, VIDEO);
	assert_false(st.bound);
	assert_false(st.shutting_down);
	assert_neg_errno(try_alloc(f->plat, VIDEO, MB), EINVAL);
	assert_neg_errno(try_alloc(f->plat, UI, MB), EINVAL);
	assert_neg_errno(try_alloc(f->plat, RECORD, MB), EINVAL);
	/* A buffer of the old TEE is nothing to a context of the new one. */
	rh_mock_tee_expect_version(NULL);
	mctx = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(mctx));
	assert_int_equal((long)RH_PTR_ERR(rh_tee_shm_register_fd(mctx, fd)), -EINVAL);
	rh_tee_client_close_context(mctx);
	/* The old pool goes with its last buffer. */
	assert_int_equal(rh_close(f->plat, fd), 0);
	st = hstats(f, UI);
	assert_false(st.shutting_down);
	assert_int_equal(st.buffers, 0);

	/* The TEE is back: the same heaps are bound again. */
	assert_int_equal(rh_platform_set_tee_backend(f->plat, emu_ops, emu_priv), 0);
	st = hstats(f, VIDEO);
	assert_true(st.bound);
	assert_int_equal(st.binds, 2);
	assert_int_equal(hstats(f, UI).binds, 2);
	fd = alloc_fd(f, VIDEO, MB);
	fd2 = alloc_fd(f, UI, MB);
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal(rh_close(f->plat, fd2), 0);
	/* Plugging the same TEE in again rebinds too. */
	assert_int_equal(rh_platform_set_tee_backend(f->plat, emu_ops, emu_priv), 0);
	assert_int_equal(hstats(f, VIDEO).binds, 3);
	assert_false(hstats(f, VIDEO).lent);
}

/* ------------------------------------------------------------ registry */

struct fake_dev {
	struct rh_tee_device teedev;
	unsigned int released;
};

static void fake_release(struct rh_tee_device *teedev)
{
	rh_container_of(teedev, struct fake_dev, teedev)->released++;
}

static void fake_init(struct fake_dev *d, struct rh_platform *plat)
{
	memset(d, 0, sizeof(*d));
	d->teedev.plat = plat;
	d->teedev.ops = rh_mock_tee_ops();
	d->teedev.release = fake_release;
	atomic_init(&d->teedev.refcount, 1);
}

static struct rh_tee_protmem_pool *dram_pool(struct rh_platform *plat, uint64_t offs)
{
	const struct rh_platform_desc *d = rh_platform_get_desc(plat);
	struct rh_tee_protmem_pool *pool;

	pool = rh_tee_protmem_static_pool_alloc(plat, d->dram_base + offs, 16 * MB);
	assert_false(RH_IS_ERR(pool));
	return pool;
}

static void test_registry(void **state)
{
	struct rh_platform *plat;
	struct fake_dev a, b;
	struct rh_tee_protmem_pool *pa, *pb;
	struct rh_tee_heap_stats st;
	int fd;

	(void)state;
	/* The MediaTek board: no protected heap until a TEE device registers one. */
	pmc_platform(NULL, 0, &plat);
	fake_init(&a, plat);
	fake_init(&b, plat);
	pa = dram_pool(plat, 0);
	pb = dram_pool(plat, 16 * MB);

	assert_neg_errno(rh_tee_device_register_dma_heap(NULL, 1, pa), EINVAL);
	assert_neg_errno(rh_tee_device_register_dma_heap(&a.teedev, 1, NULL), EINVAL);
	assert_neg_errno(rh_tee_device_register_dma_heap(&a.teedev, 0, pa), EINVAL);
	assert_neg_errno(rh_tee_device_register_dma_heap(&a.teedev, 4, pa), EINVAL);
	assert_int_equal(atomic_load(&a.teedev.refcount), 1);

	assert_int_equal(rh_tee_device_register_dma_heap(&a.teedev, 3, pa), 0);
	assert_int_equal(atomic_load(&a.teedev.refcount), 2);
	st = (struct rh_tee_heap_stats){ 0 };
	assert_int_equal(rh_tee_heap_get_stats(plat, RECORD, &st), 0);
	assert_true(st.bound);
	assert_int_equal(st.id, 3);
	/* A second live registration of the id: refused, the pool stays the caller's. */
	assert_neg_errno(rh_tee_device_register_dma_heap(&b.teedev, 3, pb), EBUSY);
	assert_neg_errno(rh_tee_device_register_dma_heap(&a.teedev, 3, pb), EBUSY);
	assert_int_equal(atomic_load(&b.teedev.refcount), 1);

	fd = try_alloc(plat, RECORD, MB);
	assert_true(fd >= 0);
	/* The device goes; its buffer keeps heap, pool and device. */
	rh_tee_device_put_all_dma_heaps(&a.teedev);
	rh_tee_device_put_all_dma_heaps(&a.teedev);
	assert_int_equal(rh_tee_heap_get_stats(plat, RECORD, &st), 0);
	assert_true(st.shutting_down);
	assert_neg_errno(try_alloc(plat, RECORD, MB), EINVAL);
	assert_neg_errno(rh_tee_device_register_dma_heap(&b.teedev, 3, pb), EBUSY);
	assert_int_equal(a.released, 0);
	assert_int_equal(rh_close(plat, fd), 0);
	/* With it the heap lets go of the device. */
	assert_int_equal(atomic_load(&a.teedev.refcount), 1);
	assert_int_equal(rh_tee_heap_get_stats(plat, RECORD, &st), 0);
	assert_false(st.bound);
	assert_false(st.shutting_down);

	/* Another device binds the same heap again. */
	assert_int_equal(rh_tee_device_register_dma_heap(&b.teedev, 3, pb), 0);
	assert_int_equal(rh_tee_heap_get_stats(plat, RECORD, &st), 0);
	assert_true(st.bound);
	assert_int_equal(st.binds, 2);
	fd = try_alloc(plat, RECORD, MB);
	assert_true(fd >= 0);
	assert_int_equal(rh_close(plat, fd), 0);
	rh_tee_device_put_all_dma_heaps(&b.teedev);
	assert_int_equal(atomic_load(&b.teedev.refcount), 1);
	rh_tee_device_put(&a.teedev);
	rh_tee_device_put(&b.teedev);
	assert_int_equal(a.released, 1);
	assert_int_equal(b.released, 1);
	rh_tee_device_put_all_dma_heaps(NULL);
	rh_platform_unref(plat);
}

/* ------------------------------------------------------------ a TEE that answers badly */

static const struct rh_tee_protmem_caps dyn_caps = {
	.flags = RH_TEE_PROTMEM_CAP_DYNAMIC,
	.pa_width = 40,
};

/* GET_PROTMEM_CONFIG's answer as a scripted reply writes it. */
struct config_answer {
	uint64_t min_size, alignment, pa_width;
	uint64_t attrs_size;
	uint64_t p1_attr; /* 0: leave the type as sent */
};

static void fill_config(struct rh_optee_msg_arg *msg, size_t size, void *data)
{
	const struct config_answer *c = data;

	(void)size;
	assert_int_equal(msg->num_params, 2);
	assert_int_equal(msg->params[0].attr, RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT);
	msg->params[0].u.value.a = c->min_size;
	msg->params[0].u.value.b = c->alignment;
	msg->params[0].u.value.c = c->pa_width;
	msg->params[1].u.rmem.size = c->attrs_size;
	if (c->p1_attr)
		msg->params[1].attr = c->p1_attr;
}

/* Scripts the probe's calls for secure video (@reply), the other two refused. */
static void script_probe(const struct rh_mock_tee_reply *video)
{
	static const struct rh_mock_tee_reply unsupported = {
		.ret = RH_TEEC_ERROR_NOT_SUPPORTED, .origin = RH_TEEC_ORIGIN_TEE,
	};

	rh_mock_tee_expect_version(NULL);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG, 0, video);
	rh_mock_tee_expect_version(NULL);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG, 0, &unsupported);
	rh_mock_tee_expect_version(NULL);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG, 0, &unsupported);
}

/* Plugs in a bare mock whose secure video answers @c (NULL: a transport failure). */
static bool probe_with(struct fixture *f, struct config_answer *c, uint32_t ret)
{
	struct rh_mock_tee_reply video = {
		.ret = ret, .origin = RH_TEEC_ORIGIN_TEE, .fill = fill_config, .data = c,
	};

	if (!c)
		video = (struct rh_mock_tee_reply){ .rc = -EIO };
	rh_mock_tee_set_protmem_caps(&dyn_caps);
	script_probe(&video);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, rh_mock_tee_ops(), NULL), 0);
	return hstats(f, VIDEO).bound;
}

static void test_config_answers(void **state)
{
	struct fixture *f = *state;
	const struct rh_tee_ops *emu_ops;
	void *emu_priv;
	struct {
		struct config_answer c;
		uint32_t ret;
		bool usable;
	} cases[] = {
		{ { 4 * MB, 2 * MB, 40, 0, 0 }, RH_TEEC_SUCCESS, true },
		{ { 4 * MB, 0, 64, 0, 0 }, RH_TEEC_SUCCESS, true },
		/* refused */
		{ { 4 * MB, 2 * MB, 40, 0, 0 }, RH_TEEC_ERROR_ACCESS_DENIED, false },
		/* sizes no pool can have */
		{ { 0, 2 * MB, 40, 0, 0 }, RH_TEEC_SUCCESS, false },
		{ { 4 * MB + 1, 2 * MB, 40, 0, 0 }, RH_TEEC_SUCCESS, false },
		{ { 1024 * MB, 2 * MB, 40, 0, 0 }, RH_TEEC_SUCCESS, false },
		{ { 4 * MB, 3 * MB, 40, 0, 0 }, RH_TEEC_SUCCESS, false },
		{ { 4 * MB, 2 * MB, 0, 0, 0 }, RH_TEEC_SUCCESS, false },
		{ { 4 * MB, 2 * MB, 65, 0, 0 }, RH_TEEC_SUCCESS, false },
		/* attribute arrays it cannot have */
		{ { 4 * MB, 2 * MB, 40, 6, 0 }, RH_TEEC_ERROR_SHORT_BUFFER, false },
		{ { 4 * MB, 2 * MB, 40, 9 * 4, 0 }, RH_TEEC_ERROR_SHORT_BUFFER, false },
		/* attributes reported with success to a NULL memref */
		{ { 4 * MB, 2 * MB, 40, 8, 0 }, RH_TEEC_SUCCESS, false },
		/* a parameter of another type back */
		{ { 4 * MB, 2 * MB, 40, 0, RH_OPTEE_MSG_ATTR_TYPE_TMEM_INOUT }, RH_TEEC_SUCCESS,
		  false },
	};
	unsigned int i;

	drop_ctx(f);
	assert_int_equal(rh_platform_get_tee_backend(f->plat, &emu_ops, &emu_priv), 0);
	for (i = 0; i < RH_ARRAY_SIZE(cases); i++) {
		bool bound = probe_with(f, &cases[i].c, cases[i].ret);

		if (bound != cases[i].usable)
			fail_msg("case %u: bound %d", i, bound);
		assert_false(hstats(f, RECORD).bound);
		assert_false(hstats(f, UI).bound);
	}
	/* The call never answered. */
	assert_false(probe_with(f, NULL, 0));
	/* A bare mock without protected memory: no message at all. */
	rh_mock_tee_set_protmem_caps(NULL);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, rh_mock_tee_ops(), NULL), 0);
	assert_false(hstats(f, VIDEO).bound);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, emu_ops, emu_priv), 0);
	assert_true(hstats(f, VIDEO).bound);
}

/* The second pass: the array is registered for the call and unregistered after. */
static void test_config_second_pass(void **state)
{
	struct fixture *f = *state;
	struct config_answer first = { 4 * MB, 2 * MB, 40, 8, 0 };
	struct config_answer more = { 4 * MB, 2 * MB, 40, 12, 0 };
	struct config_answer changed = { 4 * MB, 2 * MB, 40, 8, RH_OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT };
	struct rh_mock_tee_reply short_buf = {
		.ret = RH_TEEC_ERROR_SHORT_BUFFER, .fill = fill_config, .data = &first,
	};
	struct rh_mock_tee_reply ok = { .ret = RH_TEEC_SUCCESS };
	struct rh_mock_tee_reply second[] = {
		{ .ret = RH_TEEC_SUCCESS, .fill = fill_config, .data = &more },
		{ .ret = RH_TEEC_SUCCESS, .fill = fill_config, .data = &changed },
		{ .ret = RH_TEEC_ERROR_BAD_PARAMETERS, .fill = fill_config, .data = &first },
		{ .ret = RH_TEEC_ERROR_SHORT_BUFFER, .fill = fill_config, .data = &more },
	};
	struct rh_mock_tee_reply unsupported = { .ret = RH_TEEC_ERROR_NOT_SUPPORTED };
	const struct rh_tee_ops *emu_ops;
	void *emu_priv;
	unsigned int i;

	drop_ctx(f);
	assert_int_equal(rh_platform_get_tee_backend(f->plat, &emu_ops, &emu_priv), 0);
	rh_mock_tee_set_protmem_caps(&dyn_caps);
	for (i = 0; i < RH_ARRAY_SIZE(second); i++) {
		rh_mock_tee_expect_version(NULL);
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG, 0, &short_buf);
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_REGISTER_SHM, 0, &ok);
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG, 0, &second[i]);
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_UNREGISTER_SHM, 0, &ok);
		rh_mock_tee_expect_version(NULL);
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG, 0, &unsupported);
		rh_mock_tee_expect_version(NULL);
		rh_mock_tee_expect(RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG, 0, &unsupported);
		assert_int_equal(rh_platform_set_tee_backend(f->plat, rh_mock_tee_ops(), NULL), 0);
		if (hstats(f, VIDEO).bound)
			fail_msg("second answer %u accepted", i);
	}
	assert_int_equal(rh_platform_set_tee_backend(f->plat, emu_ops, emu_priv), 0);
}

static void test_static_caps_answers(void **state)
{
	struct fixture *f = *state;
	const struct rh_platform_desc *d = rh_platform_get_desc(f->plat);
	const struct rh_tee_protmem_caps bad[] = {
		{ .flags = RH_TEE_PROTMEM_CAP_STATIC, .static_use_case = 0,
		  .static_base = d->dram_base, .static_size = MB },
		{ .flags = RH_TEE_PROTMEM_CAP_STATIC, .static_use_case = 9,
		  .static_base = d->dram_base, .static_size = MB },
		{ .flags = RH_TEE_PROTMEM_CAP_STATIC, .static_use_case = 2,
		  .static_base = d->dram_base + 1, .static_size = MB },
		{ .flags = RH_TEE_PROTMEM_CAP_STATIC, .static_use_case = 2,
		  .static_base = 0x1000, .static_size = MB },
		{ .flags = RH_TEE_PROTMEM_CAP_STATIC, .static_use_case = 2,
		  .static_base = d->dram_base, .static_size = 0 },
	};
	const struct rh_tee_protmem_caps good = {
		.flags = RH_TEE_PROTMEM_CAP_STATIC, .static_use_case = 3,
		.static_base = f->carveout->base, .static_size = f->carveout->size,
	};
	const struct rh_tee_ops *emu_ops;
	void *emu_priv;
	unsigned int i;
	int fd;

	drop_ctx(f);
	assert_int_equal(rh_platform_get_tee_backend(f->plat, &emu_ops, &emu_priv), 0);
	for (i = 0; i < RH_ARRAY_SIZE(bad); i++) {
		rh_mock_tee_set_protmem_caps(&bad[i]);
		assert_int_equal(rh_platform_set_tee_backend(f->plat, rh_mock_tee_ops(), NULL), 0);
		if (hstats(f, UI).bound || hstats(f, RECORD).bound || hstats(f, VIDEO).bound)
			fail_msg("static caps %u accepted", i);
	}
	/* The carveout may serve any use case the TEE says. */
	rh_mock_tee_set_protmem_caps(&good);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, rh_mock_tee_ops(), NULL), 0);
	assert_true(hstats(f, RECORD).bound);
	assert_false(hstats(f, RECORD).dynamic);
	assert_false(hstats(f, UI).bound);
	fd = alloc_fd(f, RECORD, MB);
	assert_int_equal(buffer_pa(f, fd), f->carveout->base);
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, emu_ops, emu_priv), 0);
	assert_true(hstats(f, UI).bound);
	assert_true(hstats(f, RECORD).dynamic);
}

/* ------------------------------------------------------------ lend and reclaim, scripted */

struct lend_seen {
	uint64_t use_case, pa, size, cookie;
};

static void check_lend(struct rh_optee_msg_arg *msg, size_t size, void *data)
{
	struct lend_seen *seen = data;

	(void)size;
	assert_int_equal(msg->num_params, 2);
	assert_int_equal(msg->params[0].attr, RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT);
	assert_int_equal(msg->params[1].attr, RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT);
	seen->use_case = msg->params[0].u.value.a;
	seen->pa = msg->params[1].u.tmem.buf_ptr;
	seen->size = msg->params[1].u.tmem.size;
	seen->cookie = msg->params[1].u.tmem.shm_ref;
}

static void check_reclaim(struct rh_optee_msg_arg *msg, size_t size, void *data)
{
	struct lend_seen *seen = data;

	(void)size;
	assert_int_equal(msg->num_params, 1);
	assert_int_equal(msg->params[0].attr, RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT);
	assert_int_equal(msg->params[0].u.rmem.shm_ref, seen->cookie);
}

static void test_lend_reclaim_scripted(void **state)
{
	struct fixture *f = *state;
	struct config_answer c = { 4 * MB, 2 * MB, 40, 0, 0 };
	struct rh_mock_tee_reply video = { .ret = RH_TEEC_SUCCESS, .fill = fill_config, .data = &c };
	struct lend_seen seen = { 0 };
	struct rh_mock_tee_reply lend_refused = {
		.ret = RH_TEEC_ERROR_ACCESS_DENIED, .fill = check_lend, .data = &seen,
	};
	struct rh_mock_tee_reply lend_ok = { .ret = RH_TEEC_SUCCESS, .fill = check_lend,
					     .data = &seen };
	struct rh_mock_tee_reply reclaim_busy = { .ret = RH_TEEC_ERROR_BUSY,
						  .fill = check_reclaim, .data = &seen };
	struct rh_mock_tee_reply reclaim_ok = { .ret = RH_TEEC_SUCCESS, .fill = check_reclaim,
						.data = &seen };
	struct rh_mock_tee_reply lend_lost = { .rc = -EIO, .fill = check_lend, .data = &seen };
	struct rh_mock_tee_reply transport = { .rc = -EIO };
	struct rh_mock_tee_reply not_found = { .ret = RH_TEEC_ERROR_ITEM_NOT_FOUND };
	struct rh_cma *cma = f->plat->optee->dma_cma;
	const struct rh_tee_ops *emu_ops;
	struct rh_tee_heap_stats st;
	void *emu_priv;
	int fd, fd2;

	drop_ctx(f);
	assert_int_equal(rh_platform_get_tee_backend(f->plat, &emu_ops, &emu_priv), 0);
	rh_mock_tee_set_protmem_caps(&dyn_caps);
	script_probe(&video);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, rh_mock_tee_ops(), NULL), 0);
	assert_true(hstats(f, VIDEO).bound);

	/* Refused: nothing lent, the memory back in CMA, no record left. */
	rh_mock_tee_expect_version(NULL);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_LEND_PROTMEM, 0, &lend_refused);
	/* Not given back before the secure world says it holds nothing. */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM, 0, &not_found);
	assert_neg_errno(try_alloc(f->plat, VIDEO, MB), EINVAL);
	assert_int_equal(seen.use_case, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY);
	assert_int_equal(seen.size, 4 * MB);
	assert_int_equal(seen.pa % (2 * MB), 0);
	assert_true(seen.pa >= f->cma->base && seen.pa + seen.size <= f->cma->base + f->cma->size);
	assert_int_not_equal(seen.cookie, 0);
	assert_false(hstats(f, VIDEO).lent);
	assert_int_equal(rh_cma_get_used_pages(cma), 0);
	assert_neg_errno(rh_platform_region_lent_to(f->plat, seen.pa, seen.size,
						    &(uint32_t){ 0 }), ENOENT);

	/* The same when the lend got no answer. */
	rh_mock_tee_expect_version(NULL);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_LEND_PROTMEM, 0, &transport);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM, 0, &not_found);
	assert_neg_errno(try_alloc(f->plat, VIDEO, MB), EIO);
	assert_int_equal(rh_cma_get_used_pages(cma), 0);
	assert_int_equal(hstats(f, VIDEO).quarantined, 0);

	/* Lent; two buffers share it. */
	rh_mock_tee_expect_version(NULL);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_LEND_PROTMEM, 0, &lend_ok);
	fd = alloc_fd(f, VIDEO, MB);
	fd2 = alloc_fd(f, VIDEO, 2 * MB);
	st = hstats(f, VIDEO);
	assert_true(st.lent);
	assert_int_equal(st.lends, 1);
	assert_int_equal(st.base, seen.pa);
	assert_int_equal(rh_platform_region_lent_to(f->plat, seen.pa, seen.size,
						    &(uint32_t){ 0 }), 0);
	assert_int_equal(rh_close(f->plat, fd), 0);

	/* The last buffer's reclaim refused: kept lent, used again. */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM, 0, &reclaim_busy);
	assert_int_equal(rh_close(f->plat, fd2), 0);
	st = hstats(f, VIDEO);
	assert_true(st.lent);
	assert_int_equal(st.reclaim_failures, 1);
	assert_int_equal(rh_cma_get_used_pages(cma), 4 * MB / RH_PAGE_SIZE);
	fd = alloc_fd(f, VIDEO, MB);
	/* Its reclaim unanswered: still kept. */
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM, 0, &transport);
	assert_int_equal(rh_close(f->plat, fd), 0);
	st = hstats(f, VIDEO);
	assert_true(st.lent);
	assert_int_equal(st.reclaim_failures, 2);
	assert_int_equal(st.lends, 1);
	fd = alloc_fd(f, VIDEO, MB);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM, 0, &reclaim_ok);
	assert_int_equal(rh_close(f->plat, fd), 0);
	st = hstats(f, VIDEO);
	assert_false(st.lent);
	assert_int_equal(st.reclaims, 1);
	assert_int_equal(rh_cma_get_used_pages(cma), 0);
	assert_neg_errno(rh_platform_region_lent_to(f->plat, seen.pa, seen.size,
						    &(uint32_t){ 0 }), ENOENT);

	/* A lend unanswered whose reclaim goes unanswered too: quarantined. */
	rh_mock_tee_expect_version(NULL);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_LEND_PROTMEM, 0, &lend_lost);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM, 0, &transport);
	assert_neg_errno(try_alloc(f->plat, VIDEO, MB), EIO);
	st = hstats(f, VIDEO);
	assert_false(st.lent);
	assert_int_equal(st.quarantined, 4 * MB);
	assert_int_equal(rh_cma_get_used_pages(cma), 4 * MB / RH_PAGE_SIZE);
	assert_int_equal(rh_platform_region_lent_to(f->plat, seen.pa, seen.size,
						    &(uint32_t){ 0 }), 0);
	/* A refused lend the secure world will not confirm: quarantined too. */
	rh_mock_tee_expect_version(NULL);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_LEND_PROTMEM, 0, &lend_refused);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM, 0, &reclaim_busy);
	assert_neg_errno(try_alloc(f->plat, VIDEO, MB), EINVAL);
	assert_int_equal(hstats(f, VIDEO).quarantined, 8 * MB);
	assert_int_equal(rh_cma_get_used_pages(cma), 8 * MB / RH_PAGE_SIZE);
	/* The pool lends another chunk next time. */
	rh_mock_tee_expect_version(NULL);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_LEND_PROTMEM, 0, &lend_ok);
	fd = alloc_fd(f, VIDEO, MB);
	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM, 0, &reclaim_ok);
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, emu_ops, emu_priv), 0);
}

/* ------------------------------------------------------------ fail-nth */

struct sweep {
	struct fixture *f;
	int fd;
	struct rh_tee_shm *shm;
};

/* A buffer (its first: the lend) registered with the TEE. */
static int sweep_buffer(void *arg)
{
	struct sweep *sw = arg;

	sw->fd = try_alloc(sw->f->plat, VIDEO, MB);
	if (sw->fd < 0)
		return sw->fd;
	sw->shm = rh_tee_shm_register_fd(sw->f->ctx, sw->fd);
	if (RH_IS_ERR(sw->shm)) {
		assert_int_equal(rh_close(sw->f->plat, sw->fd), 0);
		return (int)RH_PTR_ERR(sw->shm);
	}
	return 0;
}

static void sweep_buffer_undo(void *arg)
{
	struct sweep *sw = arg;

	rh_tee_shm_put(sw->shm);
	assert_int_equal(rh_close(sw->f->plat, sw->fd), 0);
}

/* Nothing lent, protected, recorded or taken from CMA is left behind. */
static void sweep_clean(void *arg)
{
	struct sweep *sw = arg;
	struct rh_tee_heap_stats st = hstats(sw->f, VIDEO);

	assert_int_equal(st.buffers, 0);
	assert_false(st.lent);
	assert_int_equal(st.quarantined, 0);
	assert_int_equal(rh_cma_get_used_pages(sw->f->plat->optee->dma_cma), 0);
	assert_int_equal(sstats(sw->f, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY).ranges, 0);
	assert_int_equal(rh_emu_device_secure_refs(sw->f->vdec), 0);
}

static void test_fail_nth_buffer(void **state)
{
	struct sweep sw = { .f = *state };

	assert_true(rh_test_fail_nth_sweep(sweep_buffer, sweep_buffer_undo, sweep_clean, &sw) > 5);
}

/* The driver probing its TEE again: every use case's configuration. */
static int sweep_probe(void *arg)
{
	struct sweep *sw = arg;
	const struct rh_tee_ops *ops;
	void *priv;
	int ret;

	assert_int_equal(rh_platform_get_tee_backend(sw->f->plat, &ops, &priv), 0);
	ret = rh_platform_set_tee_backend(sw->f->plat, ops, priv);
	if (ret)
		return ret;
	/* A use case that could not be set up is skipped: its heap unbound. */
	if (!hstats(sw->f, VIDEO).bound || !hstats(sw->f, UI).bound ||
	    !hstats(sw->f, RECORD).bound)
		return -ENOMEM;
	return 0;
}

static void test_fail_nth_probe(void **state)
{
	struct sweep sw = { .f = *state };

	drop_ctx(sw.f);
	assert_true(rh_test_fail_nth_sweep(sweep_probe, NULL, sweep_clean, &sw) > 5);
	assert_int_equal(hstats(sw.f, VIDEO).nr_mem_attrs, 2);
}

/*
 * One fault at the nth protected-memory message of a workload: the probe
 * (GET_PROTMEM_CONFIG), a buffer of each dynamic use case (LEND), their
 * frees (RECLAIM). Whatever fails, nothing may stay protected without the
 * normal world knowing, nor go back to Linux still protected: at the end
 * every chunk is reclaimed, or quarantined (still lent, out of CMA).
 * Returns whether the fault fired.
 */
static bool fault_run(const struct rh_tee_fault_spec *spec)
{
	struct rh_tee_heap_stats video, record;
	const struct rh_tee_ops *emu_ops;
	struct rh_protmem_stats ss;
	struct rh_tee_fault *fault;
	struct rh_platform *plat;
	struct fixture f = { 0 };
	unsigned int round;
	void *emu_priv;
	uint64_t lent;
	bool fired = false;
	int fd1, fd2;

	pmc_platform(rh_test_dtb_platform_optee_protmem, rh_test_dtb_platform_optee_protmem_size,
		     &plat);
	f.plat = plat;
	assert_int_equal(rh_platform_get_tee_backend(plat, &emu_ops, &emu_priv), 0);
	assert_int_equal(rh_tee_fault_new(plat, emu_ops, emu_priv, &fault), 0);
	assert_int_equal(rh_tee_fault_arm(fault, spec), 0);
	assert_int_equal(rh_platform_set_tee_backend(plat, rh_tee_fault_get_ops(), fault), 0);
	for (round = 0; round < 3; round++) {
		/* The last round without faults: what was kept lent is reclaimed. */
		if (round == 2) {
			fired = rh_tee_fault_fired(fault) > 0;
			assert_int_equal(rh_tee_fault_arm(fault, NULL), 0);
		}
		fd1 = try_alloc(plat, VIDEO, MB);
		fd2 = try_alloc(plat, RECORD, MB);
		if (fd1 >= 0)
			assert_int_equal(rh_close(plat, fd1), 0);
		if (fd2 >= 0)
			assert_int_equal(rh_close(plat, fd2), 0);
		/*
		 * What the secure world protects beyond the carveout, the
		 * normal world knows it lent: kept lent after a refused
		 * reclaim, or quarantined. (The other way round it may not be:
		 * a reclaim whose answer was lost looks refused, and is tried
		 * again.)
		 */
		video = hstats(&f, VIDEO);
		record = hstats(&f, RECORD);
		lent = video.quarantined + record.quarantined + (video.lent ? video.size : 0) +
		       (record.lent ? record.size : 0);
		ss = sstats(&f, 0);
		assert_true(ss.bytes - CARVEOUT_SIZE <= lent);
		assert_int_equal(rh_cma_get_used_pages(plat->optee->dma_cma) * RH_PAGE_SIZE, lent);
	}
	assert_false(video.lent);
	assert_false(record.lent);
	assert_int_equal(rh_platform_set_tee_backend(plat, emu_ops, emu_priv), 0);
	rh_tee_fault_free(fault);
	rh_platform_unref(plat);
	return fired;
}

static void test_tee_faults(void **state)
{
	const struct rh_tee_fault_spec kinds[] = {
		{ .action = RH_TEE_FAULT_RESULT, .result = RH_TEEC_ERROR_GENERIC,
		  .origin = RH_TEEC_ORIGIN_TEE },
		{ .action = RH_TEE_FAULT_RESULT, .result = RH_TEEC_ERROR_OUT_OF_MEMORY,
		  .origin = RH_TEEC_ORIGIN_TEE, .after = true },
		{ .action = RH_TEE_FAULT_TRANSPORT, .error = -EIO },
		{ .action = RH_TEE_FAULT_TRANSPORT, .error = -EIO, .after = true },
		{ .action = RH_TEE_FAULT_TRANSPORT, .error = -ETIMEDOUT, .sticky = true },
		{ .action = RH_TEE_FAULT_RESULT, .result = RH_TEEC_ERROR_BUSY,
		  .origin = RH_TEEC_ORIGIN_TEE, .after = true, .sticky = true },
	};
	unsigned int k, n, runs = 0;

	(void)state;
	for (k = 0; k < RH_ARRAY_SIZE(kinds); k++) {
		for (n = 1; n < 64; n++) {
			struct rh_tee_fault_spec spec = kinds[k];

			spec.nth = n;
			spec.cmd_mask = RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_LEND_PROTMEM) |
					RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM) |
					RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG);
			runs++;
			if (!fault_run(&spec))
				break;
		}
		assert_true(n > 4);
	}
	assert_true(runs > 20);
}

/* ------------------------------------------------------------ record / replay */

/* One lend and reclaim through a registered buffer, on whatever TEE is plugged in. */
static void protmem_workload(struct rh_platform *plat)
{
	struct rh_tee_context *ctx = rh_tee_client_open_context(plat, NULL, NULL, NULL, NULL);
	struct rh_tee_shm *shm;
	int fd;

	assert_false(RH_IS_ERR_OR_NULL(ctx));
	fd = try_alloc(plat, VIDEO, 2 * MB);
	assert_true(fd >= 0);
	shm = rh_tee_shm_register_fd(ctx, fd);
	assert_false(RH_IS_ERR_OR_NULL(shm));
	assert_int_equal(rh_close(plat, fd), 0);
	rh_tee_shm_put(shm);
	rh_tee_client_close_context(ctx);
}

static void test_record_replay(void **state)
{
	char path[] = "/tmp/rheap-protmem-log-XXXXXX";
	const struct rh_tee_ops *emu_ops;
	struct rh_tee_heap_stats st;
	struct rh_tee_record *rec;
	struct rh_platform *plat;
	void *emu_priv;
	unsigned int calls;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	/* Recorded on the emulator: the probe (capabilities, 4 configurations), LEND, RECLAIM. */
	pmc_platform(rh_test_dtb_platform_optee_protmem, rh_test_dtb_platform_optee_protmem_size,
		     &plat);
	assert_int_equal(rh_platform_get_tee_backend(plat, &emu_ops, &emu_priv), 0);
	assert_int_equal(rh_tee_record_new(plat, path, RH_TEE_RECORD, emu_ops, emu_priv, &rec), 0);
	assert_int_equal(rh_platform_set_tee_backend(plat, rh_tee_record_get_ops(), rec), 0);
	protmem_workload(plat);
	calls = rh_tee_record_calls(rec);
	/*
	 * The capabilities; per dynamic use case a context (get_version) and
	 * two configurations with the array registered between them (8
	 * messages for 2 use cases); the workload's context, the lend's
	 * context, LEND and RECLAIM.
	 */
	assert_int_equal(calls, 1 + 2 * (1 + 4) + 1 + 1 + 2);
	assert_int_equal(rh_platform_set_tee_backend(plat, emu_ops, emu_priv), 0);
	assert_int_equal(rh_tee_record_finish(rec), 0);
	rh_tee_record_free(rec);
	rh_platform_unref(plat);

	/* Replayed with no TEE behind: the same heaps, the same lend, nothing protected. */
	pmc_platform(rh_test_dtb_platform_optee_protmem, rh_test_dtb_platform_optee_protmem_size,
		     &plat);
	assert_int_equal(rh_platform_get_tee_backend(plat, &emu_ops, &emu_priv), 0);
	assert_int_equal(rh_tee_record_new(plat, path, RH_TEE_REPLAY, NULL, NULL, &rec), 0);
	assert_int_equal(rh_platform_set_tee_backend(plat, rh_tee_record_get_ops(), rec), 0);
	assert_int_equal(rh_tee_heap_get_stats(plat, VIDEO, &st), 0);
	assert_true(st.bound);
	assert_int_equal(st.nr_mem_attrs, 2);
	protmem_workload(plat);
	assert_int_equal(rh_tee_heap_get_stats(plat, VIDEO, &st), 0);
	assert_int_equal(st.lends, 1);
	assert_int_equal(st.reclaims, 1);
	assert_int_equal(rh_tee_record_calls(rec), calls);
	assert_int_equal(rh_tee_record_finish(rec), 0);
	assert_int_equal(rh_platform_set_tee_backend(plat, emu_ops, emu_priv), 0);
	rh_tee_record_free(rec);
	rh_platform_unref(plat);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_heaps_at_probe),
		T(test_stats_errors),
		T(test_lend_on_first_reclaim_on_last),
		T(test_pool_exhausted),
		T(test_buffer_has_no_cpu_access),
		T(test_attach_and_map),
		T(test_static_pool),
		T(test_static_pool_errors),
		T(test_register_fd),
		T(test_register_fd_other_platform),
		T(test_registered_memref_reaches_ta),
		T(test_uapi_register_fd),
		T(test_teec_register_fd),
		T(test_reclaim_refused_keeps_lent),
		T(test_backend_swap_rebinds),
		T(test_registry),
		T(test_config_answers),
		T(test_config_second_pass),
		T(test_static_caps_answers),
		T(test_lend_reclaim_scripted),
		T(test_fail_nth_buffer),
		T(test_fail_nth_probe),
#undef T
		cmocka_unit_test(test_tee_faults),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_record_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
