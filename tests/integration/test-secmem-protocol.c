// SPDX-License-Identifier: MIT
/* The seed's TEE protocol end to end: what restricted_heap_mtk.c sends, what the TAs answer. */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/device-bus.h>
#include <rheap/device.h>
#include <rheap/phys.h>
#include <rheap/platform.h>
#include <rheap/secure-stats.h>
#include <rheap/svp.h>
#include <rheap/tee-secmem.h>
#include <rheap/tee.h>

#include "emu.h"
#include "internal.h"
#include "rh-test.h"
#include "secmem-client.h"
#include "ta/ta-secmem.h"
#include "ta/ta-svp.h"

#define KB (1024ULL)
#define MB (1024ULL * 1024)
#define TZ RH_MTK_SECURE_MEMORY_TYPE_CM_TZ
#define CMA RH_MTK_SECURE_MEMORY_TYPE_CM_CMA

/* The built-in mt8188-svp platform, as the demo runs it. */
struct fixture {
	struct rh_platform *plat;
	const struct rh_reserved_region *chunk, *cma;
	struct rh_device *vcodec, *display, *gpu;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tc_default_platform(&f->plat);
	f->chunk = rh_phys_reserved_find_compatible(f->plat, "mediatek,secure-chunk-memory");
	f->cma = rh_phys_reserved_find_compatible(f->plat,
						  "mediatek,dynamic-restricted-region");
	f->vcodec = rh_device_find(f->plat, "vcodec");
	f->display = rh_device_find(f->plat, "display");
	f->gpu = rh_device_find(f->plat, "gpu");
	assert_non_null(f->chunk);
	assert_non_null(f->cma);
	assert_non_null(f->vcodec);
	assert_non_null(f->display);
	assert_non_null(f->gpu);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_emu_stats es;

	assert_int_equal(tc_stats(f->plat, TZ).live_buffers, 0);
	assert_int_equal(tc_stats(f->plat, CMA).live_buffers, 0);
	assert_false(tc_stats(f->plat, CMA).lent);
	rh_tee_emu_get_stats(rh_tee_emu_of(f->plat), &es);
	assert_int_equal(es.sessions, 0);
	assert_int_equal(es.shm, 0);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

/*
 * What the normal world must check in every answer (DESIGN.md §3): a
 * bounded, non-empty list of page-aligned entries inside the pool whose
 * lengths add up to the buffer size.
 */
static void check_entries(const struct rh_mtk_tee_scatterlist *e, unsigned int n,
			  const struct rh_reserved_region *pool, uint64_t size)
{
	uint64_t sum = 0;
	unsigned int i;

	assert_true(n >= 1 && n <= RH_MTK_TEE_MAX_SG_ENTRIES);
	for (i = 0; i < n; i++) {
		uint64_t pa = le64toh(e[i].pa);
		uint32_t len = le32toh(e[i].length);

		assert_int_not_equal(pa, 0);
		assert_int_equal(pa % RH_PAGE_SIZE, 0);
		assert_int_equal(len % RH_PAGE_SIZE, 0);
		assert_true(len > 0);
		assert_true(pa >= pool->base && pa + len <= pool->base + pool->size);
		sum += len;
	}
	assert_int_equal(sum, size);
}

/* ------------------------------------------------------------ sessions */

static void test_uuids_and_sessions(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_open_session_arg arg;
	struct rh_tee_param p[4];
	struct rh_tee_context *ctx;
	uint8_t uuid[16];
	struct tc a, b;

	/* The TA tables carry the textual UUIDs of the protocol header. */
	assert_int_equal(rh_uuid_parse(RH_TZ_TA_MEM_UUID_MTK, uuid), 0);
	assert_memory_equal(rh_ta_secmem_ops.uuid, uuid, 16);
	assert_int_equal(rh_ta_secmem_ops.flags,
			 RH_TA_FLAG_SINGLE_INSTANCE | RH_TA_FLAG_MULTI_SESSION);
	assert_int_equal(rh_uuid_parse(RH_TA_SVP_UUID, uuid), 0);
	assert_memory_equal(rh_ta_svp_ops.uuid, uuid, 16);

	/* Patch 7: login PUBLIC, 4 NONE params; each heap its own session. */
	tc_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &a);
	tc_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &b);
	assert_int_not_equal(a.session, b.session);
	{
		struct rh_tee_emu_stats es;

		rh_tee_emu_get_stats(rh_tee_emu_of(f->plat), &es);
		assert_int_equal(es.sessions, 2);
		assert_int_equal(es.instances, 1); /* single instance */
	}
	tc_close(&a);
	tc_close(&b);

	/* One byte off: no such TA, answered by the TEE itself. */
	ctx = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(ctx));
	memset(&arg, 0, sizeof(arg));
	memset(p, 0, sizeof(p));
	assert_int_equal(rh_uuid_parse(RH_TZ_TA_MEM_UUID_MTK, arg.uuid), 0);
	arg.uuid[15] ^= 1;
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_REE_KERNEL;
	arg.num_params = 4;
	assert_int_equal(rh_tee_client_open_session(ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(arg.ret_origin, RH_TEEC_ORIGIN_TEE);
	rh_tee_client_close_context(ctx);
}

/* ------------------------------------------------------------ CM heap */

/* Behaviours 22, 24, 30: one contiguous block, no RETRIEVE_SG. */
static void test_cm_heap_flow(void **state)
{
	struct fixture *f = *state;
	struct rh_mtk_tee_scatterlist e;
	struct rh_tee_param p[4];
	struct tc heap;
	uint64_t handle, status;

	tc_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &heap);
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = MB;
	p[0].u.value.b = RH_PAGE_SIZE;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = TZ;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	assert_int_equal(tc_invoke(&heap, RH_MTK_TZCMD_SECMEM_ZALLOC, p), 0);
	assert_int_equal(p[2].u.value.a, 1); /* sg_num */
	e.pa = htole64(p[2].u.value.b);
	e.length = htole32((uint32_t)MB); /* the heap uses buf->size */
	check_entries(&e, 1, f->chunk, MB);
	handle = p[3].u.value.a;
	assert_int_not_equal(handle, 0);
	assert_int_not_equal(handle, p[2].u.value.b);

	/* Release: FREE with p1 VALUE_OUTPUT, the TA's status comes back in it. */
	status = 0xdeadbeef;
	assert_int_equal(tc_free(&heap, handle, &status), 0);
	assert_int_equal(status, 0);
	/* A second release would be a bug; the TA says so in p1.a. */
	assert_int_equal(tc_free(&heap, handle, &status), 0);
	assert_int_equal(status, RH_TEEC_ERROR_ITEM_NOT_FOUND);
	tc_close(&heap);
}

/* Behaviours 26, 29: several blocks, then RETRIEVE_SG into registered memory. */
static void test_retrieve_sg_flow(void **state)
{
	struct fixture *f = *state;
	struct rh_mtk_tee_scatterlist *list;
	struct rh_tee_emu_stats es0, es;
	const struct rh_reserved_region *chunk;
	struct rh_tee_param p[4];
	struct rh_platform *plat;
	struct rh_tee_shm *shm;
	uint64_t h[4], nr, handle, part;
	unsigned int i;
	struct tc heap;

	/* minimal.dts: a 32 MiB chunk is quicker to fragment than 384 MiB. */
	(void)f;
	tc_minimal_platform(&plat);
	chunk = rh_phys_reserved_find_compatible(plat, "mediatek,secure-chunk-memory");
	assert_non_null(chunk);
	part = chunk->size / 4;
	tc_open(plat, RH_TZ_TA_MEM_UUID_MTK, &heap);
	for (i = 0; i < 4; i++)
		h[i] = tc_zalloc_tz(&heap, part, NULL, NULL);
	tc_free_ok(&heap, h[0]);
	tc_free_ok(&heap, h[2]);
	/* Half the chunk is free, in two holes: the TA answers two blocks. */
	assert_int_equal(tc_zalloc(&heap, 2 * part, RH_PAGE_SIZE, TZ, 0, 0, &nr, NULL,
				   &handle), 0);
	assert_int_equal(nr, 2);

	/* kmalloc_array(sg_num, 12) + tee_shm_register_kernel_buf() */
	rh_tee_emu_get_stats(rh_tee_emu_of(plat), &es0);
	list = calloc(nr, sizeof(*list));
	assert_non_null(list);
	shm = rh_tee_shm_register_kernel_buf(heap.ctx, list, nr * sizeof(*list));
	assert_false(RH_IS_ERR_OR_NULL(shm));
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = handle;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
	p[1].u.memref.shm = shm;
	p[1].u.memref.size = nr * sizeof(*list);
	assert_int_equal(sizeof(*list), 12);
	assert_int_equal(tc_invoke(&heap, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG, p), 0);
	assert_int_equal(p[1].u.memref.size, 24);
	check_entries(list, (unsigned int)nr, chunk, 2 * part);
	/* TEE order is address order; the holes were the 1st and 3rd quarter. */
	assert_int_equal(le64toh(list[0].pa), chunk->base);
	assert_int_equal(le64toh(list[1].pa), chunk->base + 2 * part);
	rh_tee_shm_put(shm);
	free(list);
	rh_tee_emu_get_stats(rh_tee_emu_of(plat), &es);
	assert_int_equal(es.shm, es0.shm);

	tc_free_ok(&heap, handle);
	tc_free_ok(&heap, h[1]);
	tc_free_ok(&heap, h[3]);
	assert_int_equal(tc_stats(plat, TZ).live_buffers, 0);
	tc_close(&heap);
	rh_platform_unref(plat);
}

/* ------------------------------------------------------------ CMA heap */

/* Behaviours 33, 37, 38 from the TEE's side (§9.4 ordering). */
static void test_cma_heap_flow(void **state)
{
	struct fixture *f = *state;
	struct rh_platform_stats ps0, ps;
	uint64_t h1, h2, pa1, pa2, nr;
	unsigned char buf[256], zero[256] = { 0 };
	struct tc heap;

	tc_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &heap);
	assert_int_equal(rh_platform_get_stats(f->plat, &ps0), 0);

	/* 38: a first ZALLOC that fails leaves nothing protected behind. */
	assert_int_equal(tc_zalloc(&heap, f->cma->size + MB, RH_PAGE_SIZE, CMA, f->cma->base,
				   f->cma->size, NULL, NULL, NULL), RH_MTK_TEE_RESULT_OOM);
	assert_int_equal(rh_phys_probe_read(f->plat, f->cma->base, buf, 1), 0);

	/* 33: the region rides along on every ZALLOC; only the first protects. */
	assert_int_equal(tc_zalloc(&heap, 2 * MB, RH_PAGE_SIZE, CMA, f->cma->base,
				   f->cma->size, &nr, &pa1, &h1), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(tc_zalloc(&heap, 2 * MB, RH_PAGE_SIZE, CMA, f->cma->base,
				   f->cma->size, &nr, &pa2, &h2), 0);
	assert_int_equal(rh_platform_get_stats(f->plat, &ps), 0);
	assert_int_equal(ps.firewall_programs, ps0.firewall_programs + 2); /* incl. 38's */
	assert_int_equal(ps.firewall_regions_in_use, ps0.firewall_regions_in_use + 1);
	assert_neg_errno(rh_phys_probe_read(f->plat, f->cma->base + f->cma->size - 1, buf, 1),
			 EFAULT);

	/* 37: the first release keeps the region, the last gives it back. */
	tc_free_ok(&heap, h1);
	assert_neg_errno(rh_phys_probe_read(f->plat, pa1, buf, 1), EFAULT);
	tc_free_ok(&heap, h2);
	assert_int_equal(rh_platform_get_stats(f->plat, &ps), 0);
	assert_int_equal(ps.firewall_regions_in_use, ps0.firewall_regions_in_use);
	/* Now cma_release() may hand the pages to anyone: they hold nothing. */
	assert_int_equal(rh_phys_probe_read(f->plat, pa1, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, zero, sizeof(buf));
	assert_int_equal(rh_phys_probe_read(f->plat, pa2, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, zero, sizeof(buf));
	tc_close(&heap);
}

struct heap_thread {
	struct fixture *f;
	uint64_t type;
	unsigned int rounds;
	unsigned int errors;
};

static void *heap_main(void *arg)
{
	struct heap_thread *t = arg;
	const struct rh_reserved_region *cma = t->f->cma;
	uint64_t held[4] = { 0 };
	unsigned int i, k;
	struct tc heap;

	tc_open(t->f->plat, RH_TZ_TA_MEM_UUID_MTK, &heap);
	for (i = 0; i < t->rounds; i++) {
		for (k = 0; k < 4; k++)
			if (tc_zalloc(&heap, (k + 1) * 256 * KB, RH_PAGE_SIZE, t->type,
				      t->type == CMA ? cma->base : 0,
				      t->type == CMA ? cma->size : 0, NULL, NULL, &held[k]))
				t->errors++;
		for (k = 0; k < 4; k++) {
			uint64_t status = 1;

			if (tc_free(&heap, held[k], &status) || status)
				t->errors++;
		}
	}
	tc_close(&heap);
	return NULL;
}

/* Behaviours 39, 40: the two heaps at once, each with its own session. */
static void test_two_heaps_at_once(void **state)
{
	struct fixture *f = *state;
	struct heap_thread t[2] = { { f, TZ, 100, 0 }, { f, CMA, 100, 0 } };
	struct rh_secmem_stats tz, cma;
	pthread_t th[2];
	unsigned int i;

	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, heap_main, &t[i]), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].errors, 0);
	}
	tz = tc_stats(f->plat, TZ);
	cma = tc_stats(f->plat, CMA);
	assert_int_equal(tz.zallocs, 400);
	assert_int_equal(tz.frees, 400);
	assert_int_equal(cma.zallocs, 400);
	assert_int_equal(cma.frees, 400);
	/* Each round lends and returns the region once. */
	assert_int_equal(cma.lends, 100);
	assert_int_equal(cma.unlends, 100);
	assert_int_equal(tz.lends, 1);
	assert_int_equal(tz.unlends, 0);
}

/* ------------------------------------------------------------ the secure video path */

#define FRAME_W 1920
#define FRAME_H 1080
#define FRAME_BYTES (FRAME_W * FRAME_H * 3 / 2) /* NV12 */
#define NR_FRAMES 4

static void test_secure_video_path(void **state)
{
	struct fixture *f = *state;
	const size_t es_len = 200 * KB;
	const uint64_t frame_size = RH_PAGE_ALIGN(FRAME_BYTES);
	unsigned char *plain = malloc(es_len), *cipher = malloc(es_len);
	unsigned char *frame = malloc(FRAME_BYTES), *shown = malloc(FRAME_BYTES);
	uint64_t es, es_pa, fb[NR_FRAMES], fb_pa[NR_FRAMES], written, status;
	struct rh_platform_stats ps0, ps;
	uint8_t iv[RH_SVP_IV_LEN];
	unsigned char probe[64];
	struct tc cm, cmheap, svp;
	unsigned int i;
	size_t k;

	assert_non_null(plain);
	assert_non_null(cipher);
	assert_non_null(frame);
	assert_non_null(shown);
	assert_int_equal(rh_platform_get_stats(f->plat, &ps0), 0);
	tc_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &cm);
	tc_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &cmheap);
	tc_open(f->plat, RH_TA_SVP_UUID, &svp);

	/* 3: the bitstream buffer (CM heap) receives the decrypted sample. */
	for (k = 0; k < es_len; k++)
		plain[k] = (unsigned char)(k * 7 + (k >> 10));
	assert_int_equal(rh_svp_package_sample(f->plat, plain, es_len, iv, cipher), 0);
	es = tc_zalloc_tz(&cm, RH_PAGE_ALIGN(es_len), NULL, &es_pa);
	assert_int_equal(tc_decrypt(&svp, cipher, es_len, es, 0, iv, sizeof(iv), &written), 0);
	assert_int_equal(written, es_len);

	/* 4: frame buffers from the CMA heap; the first one lends the region. */
	for (i = 0; i < NR_FRAMES; i++) {
		uint64_t nr;

		assert_int_equal(tc_zalloc(&cmheap, frame_size, RH_PAGE_SIZE, CMA, f->cma->base,
					   f->cma->size, &nr, &fb_pa[i], &fb[i]), 0);
		assert_int_equal(nr, 1);
	}
	assert_int_equal(rh_platform_get_stats(f->plat, &ps), 0);
	assert_int_equal(ps.firewall_programs, ps0.firewall_programs + 1);

	/*
	 * 5: the decoder is granted the bitstream and the frames, the display
	 * the frames (each mapping asks the TA); decode, then scan out.
	 */
	assert_int_equal(tc_set_device_secure(&svp, rh_device_master_id(f->vcodec), 1, es), 0);
	for (i = 0; i < NR_FRAMES; i++) {
		assert_int_equal(tc_set_device_secure(&svp, rh_device_master_id(f->vcodec), 1,
						      fb[i]), 0);
		assert_int_equal(tc_set_device_secure(&svp, rh_device_master_id(f->display), 1,
						      fb[i]), 0);
	}
	assert_int_equal(rh_device_dma_read(f->vcodec, es_pa, frame, es_len), 0);
	assert_memory_equal(frame, plain, es_len);
	for (i = 0; i < NR_FRAMES; i++) {
		for (k = 0; k < FRAME_BYTES; k++)
			frame[k] = (unsigned char)(plain[k % es_len] + i);
		assert_int_equal(rh_device_dma_write(f->vcodec, fb_pa[i], frame, FRAME_BYTES), 0);
		assert_int_equal(rh_device_dma_read(f->display, fb_pa[i], shown, FRAME_BYTES), 0);
		assert_memory_equal(shown, frame, FRAME_BYTES);
	}

	/* 6: the attacks, each refused. */
	assert_neg_errno(rh_phys_probe_read(f->plat, fb_pa[0], probe, sizeof(probe)), EFAULT);
	assert_neg_errno(rh_phys_probe_read(f->plat, es_pa, probe, sizeof(probe)), EFAULT);
	assert_neg_errno(rh_device_dma_read(f->gpu, fb_pa[1], probe, sizeof(probe)), EACCES);
	assert_int_equal(tc_set_device_secure(&svp, rh_device_master_id(f->gpu), 1, fb[1]),
			 RH_TEEC_ERROR_ACCESS_DENIED);
	/* The display was never granted the bitstream. */
	assert_neg_errno(rh_device_dma_read(f->display, es_pa, probe, sizeof(probe)), EACCES);
	assert_int_equal(tc_free(&cmheap, fb[0] ^ 0x5a5a, &status), 0);
	assert_int_equal(status, RH_TEEC_ERROR_ITEM_NOT_FOUND);

	/* 7: stop. */
	assert_int_equal(tc_set_device_secure(&svp, rh_device_master_id(f->vcodec), 0, es), 0);
	for (i = 0; i < NR_FRAMES; i++) {
		assert_int_equal(tc_set_device_secure(&svp, rh_device_master_id(f->vcodec), 0,
						      fb[i]), 0);
		assert_int_equal(tc_set_device_secure(&svp, rh_device_master_id(f->display), 0,
						      fb[i]), 0);
	}
	assert_false(rh_device_is_secure(f->vcodec));
	assert_false(rh_device_is_secure(f->display));
	tc_free_ok(&cm, es);
	for (i = 0; i < NR_FRAMES; i++)
		tc_free_ok(&cmheap, fb[i]);
	assert_int_equal(tc_free(&cmheap, fb[0], &status), 0); /* double free */
	assert_int_equal(status, RH_TEEC_ERROR_ITEM_NOT_FOUND);
	/* The region is the normal world's again, and all zero where frames were. */
	for (i = 0; i < NR_FRAMES; i++) {
		assert_int_equal(rh_phys_probe_read(f->plat, fb_pa[i], shown, FRAME_BYTES), 0);
		for (k = 0; k < FRAME_BYTES; k++)
			if (shown[k])
				fail_msg("frame %u byte %zu survived: 0x%02x", i, k, shown[k]);
	}
	assert_int_equal(rh_platform_get_stats(f->plat, &ps), 0);
	assert_int_equal(ps.firewall_clears, ps0.firewall_clears + 1);
	assert_int_equal(ps.cpu_violations, ps0.cpu_violations + 2);
	assert_int_equal(ps.dma_violations, ps0.dma_violations + 2);
	assert_int_equal(tc_stats(f->plat, TZ).refused_handles, 2);

	tc_close(&svp);
	tc_close(&cmheap);
	tc_close(&cm);
	free(plain);
	free(cipher);
	free(frame);
	free(shown);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_uuids_and_sessions),
		T(test_cm_heap_flow),
		T(test_retrieve_sg_flow),
		T(test_cma_heap_flow),
		T(test_two_heaps_at_once),
		T(test_secure_video_path),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
