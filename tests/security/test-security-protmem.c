// SPDX-License-Identifier: MIT
/* Security suite: attacks on the protected heaps (Linux 6.18 protocol) on the OP-TEE board, public API only. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <rheap/secure-stats.h>
#include <rheap/tee-backend.h>
#include <sys/mman.h>

#include "protmem-client.h"
#include "sec-common.h"

/*
 * The victim plays protected video the upstream way: a secure-video
 * buffer, which the decoder writes and the display reads through their
 * secure windows over the lent chunk. The attacker has everything the
 * normal world has: the CPU, the other bus masters, the heaps, and raw
 * messages to the TEE.
 */

#define MB (1024u * 1024u)

struct fixture {
	struct rh_platform *plat;
	struct rh_device *vdec, *display, *gpu, *camera;
	struct rh_importer *dec, *disp;
	struct rh_dma_buf *frame;
	struct rh_importer_map *frame_dec, *frame_disp;
	rh_phys_addr_t frame_pa;
	const struct rh_tee_ops *tee;
	void *tee_priv;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	pmc_platform(rh_test_dtb_platform_optee_protmem, rh_test_dtb_platform_optee_protmem_size,
		     &f->plat);
	f->vdec = rh_device_find(f->plat, "vdec");
	f->display = rh_device_find(f->plat, "display");
	f->gpu = rh_device_find(f->plat, "gpu");
	f->camera = rh_device_find(f->plat, "camera");
	assert_non_null(f->camera);
	f->frame = sec_alloc(f->plat, RH_TEE_HEAP_SECURE_VIDEO_NAME, MB);
	assert_int_equal(rh_importer_new(f->vdec, &f->dec), 0);
	assert_int_equal(rh_importer_new(f->display, &f->disp), 0);
	assert_int_equal(rh_importer_map(f->dec, f->frame, RH_DMA_FROM_DEVICE, &f->frame_dec), 0);
	assert_int_equal(rh_importer_map(f->disp, f->frame, RH_DMA_TO_DEVICE, &f->frame_disp), 0);
	f->frame_pa = rh_sg_phys(rh_importer_map_sgt(f->frame_dec)->sgl);
	assert_int_equal(rh_importer_write(f->frame_dec, 0, SEC_SECRET, sizeof(SEC_SECRET)), 0);
	assert_int_equal(rh_platform_get_default_tee_backend(f->plat, &f->tee, &f->tee_priv), 0);
	sec_violations(f->plat, NULL);
	*state = f;
	return 0;
}

/* The victim's playback still works, then stops; nothing stays lent. */
static void victim_stop(struct fixture *f)
{
	struct rh_tee_heap_stats st;
	char buf[sizeof(SEC_SECRET)];

	assert_int_equal(rh_importer_read(f->frame_disp, 0, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, SEC_SECRET, sizeof(buf));
	rh_importer_unmap(f->frame_disp);
	rh_importer_unmap(f->frame_dec);
	rh_importer_free(f->disp);
	rh_importer_free(f->dec);
	rh_dma_buf_put(f->frame);
	f->frame = NULL;
	assert_int_equal(rh_tee_heap_get_stats(f->plat, RH_TEE_HEAP_SECURE_VIDEO_NAME, &st), 0);
	assert_false(st.lent);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->frame)
		victim_stop(f);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

/* A raw message to the TEE, as any kernel code can send it. */
struct raw {
	uint64_t words[RH_OPTEE_MSG_GET_ARG_SIZE(2) / sizeof(uint64_t)];
};

static uint32_t raw_lend(struct fixture *f, uint64_t use_case, uint64_t pa, uint64_t size,
			 uint64_t cookie)
{
	struct raw m = { { 0 } };
	struct rh_optee_msg_arg *a = (struct rh_optee_msg_arg *)m.words;

	a->cmd = RH_OPTEE_MSG_CMD_LEND_PROTMEM;
	a->num_params = 2;
	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	a->params[0].u.value.a = use_case;
	a->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	a->params[1].u.tmem.buf_ptr = pa;
	a->params[1].u.tmem.size = size;
	a->params[1].u.tmem.shm_ref = cookie;
	assert_int_equal(rh_tee_ops_call(f->tee, f->tee_priv, a, RH_OPTEE_MSG_GET_ARG_SIZE(2)), 0);
	return a->ret;
}

static uint32_t raw_reclaim(struct fixture *f, uint64_t cookie)
{
	struct raw m = { { 0 } };
	struct rh_optee_msg_arg *a = (struct rh_optee_msg_arg *)m.words;

	a->cmd = RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM;
	a->num_params = 1;
	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	a->params[0].u.rmem.shm_ref = cookie;
	assert_int_equal(rh_tee_ops_call(f->tee, f->tee_priv, a, RH_OPTEE_MSG_GET_ARG_SIZE(1)), 0);
	return a->ret;
}

static unsigned int protected_ranges(struct fixture *f)
{
	struct rh_protmem_stats st;

	assert_int_equal(rh_protmem_get_stats(f->plat, 0, &st), 0);
	return st.ranges;
}

/* Attack 1: the CPU, by every door: physical access, mmap, vmap, a registered shm. */
static void test_cpu_has_no_way_in(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_context *ctx;
	struct rh_tee_shm *shm;
	char buf[sizeof(SEC_SECRET)];
	void *addr = NULL;
	int fd;

	assert_int_equal(rh_phys_probe_read(f->plat, f->frame_pa, buf, sizeof(buf)), -EFAULT);
	assert_int_equal(rh_phys_probe_write(f->plat, f->frame_pa, "x", 1), -EFAULT);
	assert_int_equal(sec_violations(f->plat, NULL), 2);
	assert_int_equal(rh_dma_buf_vmap(f->frame, &addr), -EINVAL);
	rh_get_dma_buf(f->frame);
	fd = rh_dma_buf_fd(f->frame, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(rh_mmap(f->plat, fd, MB, PROT_READ, MAP_SHARED, 0, &addr), -EINVAL);
	assert_int_equal(rh_mmap(f->plat, fd, 4096, PROT_NONE, MAP_SHARED, 0, &addr), -EINVAL);
	ctx = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(ctx));
	shm = rh_tee_shm_register_fd(ctx, fd);
	assert_false(RH_IS_ERR_OR_NULL(shm));
	assert_int_equal((long)RH_PTR_ERR(rh_tee_shm_get_va(shm, 0)), -EINVAL);
	rh_tee_shm_put(shm);
	rh_tee_client_close_context(ctx);
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_null(addr);
}

/* Attack 2: bus masters outside the use case (a GPU never secure, a secure camera). */
static void test_other_masters_refused(void **state)
{
	struct fixture *f = *state;
	struct rh_importer *gpu, *cam;
	struct rh_importer_map *gm, *cm;
	struct rh_dma_buf *rec;
	char buf[sizeof(SEC_SECRET)];

	assert_int_equal(rh_importer_new(f->gpu, &gpu), 0);
	assert_int_equal(rh_importer_map(gpu, f->frame, RH_DMA_BIDIRECTIONAL, &gm), 0);
	assert_int_equal(rh_importer_read(gm, 0, buf, sizeof(buf)), -EACCES);
	assert_int_equal(rh_importer_write(gm, 0, "x", 1), -EACCES);
	/* The camera is secure while the record use case has a chunk lent: not here. */
	rec = sec_alloc(f->plat, RH_TEE_HEAP_SECURE_VIDEO_RECORD_NAME, MB);
	assert_true(rh_device_is_secure(f->camera));
	assert_int_equal(rh_importer_new(f->camera, &cam), 0);
	assert_int_equal(rh_importer_map(cam, f->frame, RH_DMA_BIDIRECTIONAL, &cm), 0);
	assert_int_equal(rh_importer_read(cm, 0, buf, sizeof(buf)), -EACCES);
	assert_int_equal(rh_importer_write(cm, 0, "x", 1), -EACCES);
	assert_int_equal(sec_violations(f->plat, NULL), 4);
	rh_importer_unmap(cm);
	rh_importer_unmap(gm);
	rh_importer_free(cam);
	rh_importer_free(gpu);
	rh_dma_buf_put(rec);
	assert_false(rh_device_is_secure(f->camera));
}

/* Attack 3: lends the normal world never handed over, or that break the rules. */
static void test_stranger_lends_refused(void **state)
{
	struct fixture *f = *state;
	const struct rh_reserved_region *cma = rh_phys_reserved_find(f->plat, "linux,cma");
	const struct rh_platform_desc *d = rh_platform_get_desc(f->plat);
	struct rh_dma_buf *sys = sec_alloc(f->plat, "system", 4 * MB);
	struct rh_importer_map *sm;
	struct rh_importer *gpu;
	struct rh_tee_heap_stats st;
	unsigned int ranges = protected_ranges(f);
	const uint64_t v = RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY;
	const uint64_t r = RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_RECORD;
	rh_phys_addr_t free_cma;
	unsigned char byte;

	assert_int_equal(rh_tee_heap_get_stats(f->plat, RH_TEE_HEAP_SECURE_VIDEO_NAME, &st), 0);
	/* CMA the driver did not take (its chunk is at the start): Linux may hand it out. */
	assert_int_equal(st.base, cma->base);
	free_cma = cma->base + cma->size - 64 * MB;
	assert_int_equal(raw_lend(f, r, free_cma, 64 * MB, 0xbad1), TEEC_ERROR_ACCESS_DENIED);
	/* The lent chunk again, under another cookie, or a part of it. */
	assert_int_not_equal(raw_lend(f, v, st.base, st.size, 0xbad2), TEEC_SUCCESS);
	assert_int_not_equal(raw_lend(f, r, st.base + 2 * MB, 64 * MB, 0xbad3), TEEC_SUCCESS);
	/* Unaligned, too small, outside DRAM, an unknown use case. */
	assert_int_not_equal(raw_lend(f, r, free_cma - 4096, 64 * MB, 0xbad4), TEEC_SUCCESS);
	assert_int_not_equal(raw_lend(f, r, free_cma, 2 * MB, 0xbad5), TEEC_SUCCESS);
	assert_int_not_equal(raw_lend(f, r, d->dram_base + d->dram_size, 64 * MB, 0xbad6),
			     TEEC_SUCCESS);
	assert_int_not_equal(raw_lend(f, 7, free_cma, 64 * MB, 0xbad7), TEEC_SUCCESS);
	/* A system-heap buffer a GPU is using. */
	assert_int_equal(rh_importer_new(f->gpu, &gpu), 0);
	assert_int_equal(rh_importer_map(gpu, sys, RH_DMA_BIDIRECTIONAL, &sm), 0);
	assert_int_not_equal(raw_lend(f, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_RECORD,
				      rh_sg_phys(rh_importer_map_sgt(sm)->sgl), 64 * MB, 0xbad8),
			     TEEC_SUCCESS);
	/* Nothing was protected: the memory is Linux's still. */
	assert_int_equal(protected_ranges(f), ranges);
	assert_int_equal(rh_phys_probe_read(f->plat, free_cma, &byte, 1), 0);
	assert_int_equal(rh_importer_write(sm, 0, "gpu", 3), 0);
	assert_int_equal(sec_violations(f->plat, NULL), 0);
	rh_importer_unmap(sm);
	rh_importer_free(gpu);
	rh_dma_buf_put(sys);
}

/* Attack 4: a RECLAIM by someone else: the chunk comes back only scrubbed. */
static void test_stranger_reclaim_scrubs(void **state)
{
	struct fixture *f = *state;
	char buf[sizeof(SEC_SECRET)];
	unsigned int ranges = protected_ranges(f);
	uint64_t cookie;

	/* Cookies are no secret: guess until the driver's lend goes. */
	for (cookie = 1; cookie < 64 && protected_ranges(f) == ranges; cookie++)
		raw_reclaim(f, cookie);
	assert_int_equal(protected_ranges(f), ranges - 1);
	/* The memory is readable again, and holds nothing of the frame. */
	memset(buf, 0x55, sizeof(buf));
	assert_int_equal(rh_phys_probe_read(f->plat, f->frame_pa, buf, sizeof(buf)), 0);
	assert_int_equal(buf[0], 0);
	assert_null(memmem(buf, sizeof(buf), "premium", 7));
	/* The decoder and the display lost their windows and their secure mode. */
	assert_false(rh_device_is_secure(f->vdec));
	if (!rh_importer_read(f->frame_disp, 0, buf, sizeof(buf)))
		assert_null(memmem(buf, sizeof(buf), "premium", 7));
	/* The victim's end: the driver's own reclaim finds nothing lent, and is done. */
	rh_importer_unmap(f->frame_disp);
	rh_importer_unmap(f->frame_dec);
	rh_importer_free(f->disp);
	rh_importer_free(f->dec);
	rh_dma_buf_put(f->frame);
	f->frame = NULL;
	assert_int_equal(protected_ranges(f), ranges - 1);
}

/* Attack 5: what the frame held is gone before Linux gets the memory back. */
static void test_scrubbed_after_reclaim(void **state)
{
	struct fixture *f = *state;
	rh_phys_addr_t pa = f->frame_pa;
	struct rh_protmem_stats st;
	char buf[sizeof(SEC_SECRET)];

	victim_stop(f);
	assert_int_equal(rh_protmem_get_stats(f->plat, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY, &st),
			 0);
	assert_true(st.bytes_scrubbed >= sizeof(SEC_SECRET));
	memset(buf, 0x55, sizeof(buf));
	assert_int_equal(rh_phys_probe_read(f->plat, pa, buf, sizeof(buf)), 0);
	assert_null(memmem(buf, sizeof(buf), "premium", 7));
	assert_int_equal(buf[0], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_cpu_has_no_way_in),
		T(test_other_masters_refused),
		T(test_stranger_lends_refused),
		T(test_stranger_reclaim_scrubs),
		T(test_scrubbed_after_reclaim),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
