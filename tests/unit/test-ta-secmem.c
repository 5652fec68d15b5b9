// SPDX-License-Identifier: MIT
/* Unit tests of the MTK secure-memory TA (emu/ta/ta-secmem.c) through the real TEE client. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/alloc.h>
#include <rheap/device-bus.h>
#include <rheap/device.h>
#include <rheap/firewall.h>
#include <rheap/phys.h>
#include <rheap/platform.h>
#include <rheap/secure-stats.h>
#include <rheap/tee-backend.h>
#include <rheap/tee-secmem.h>
#include <rheap/tee.h>

#include "emu.h"
#include "hand-platform.h"
#include "internal.h"
#include "rh-test.h"
#include "secmem-client.h"
#include "ta/ta-secmem.h"
#include "tee/tee-internal.h"

#define KB (1024ULL)
#define MB (1024ULL * 1024)
#define TZ RH_MTK_SECURE_MEMORY_TYPE_CM_TZ
#define CMA RH_MTK_SECURE_MEMORY_TYPE_CM_CMA
#define OOM RH_MTK_TEE_RESULT_OOM
#define BADP RH_TEEC_ERROR_BAD_PARAMETERS

struct fixture {
	struct rh_platform *plat;
	struct tc tc;
	rh_phys_addr_t chunk_base, cma_base;
	uint64_t chunk_size, cma_size;
	struct rh_device *vcodec, *display, *gpu;
	uint64_t masters;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const struct rh_reserved_region *r;

	assert_non_null(f);
	tc_minimal_platform(&f->plat);
	r = rh_phys_reserved_find_compatible(f->plat, "mediatek,secure-chunk-memory");
	assert_non_null(r);
	f->chunk_base = r->base;
	f->chunk_size = r->size;
	r = rh_phys_reserved_find_compatible(f->plat, "mediatek,dynamic-restricted-region");
	assert_non_null(r);
	f->cma_base = r->base;
	f->cma_size = r->size;
	/* minimal.dts: 32 MiB chunk, 64 MiB dynamic region */
	assert_int_equal(f->chunk_size, 32 * MB);
	assert_int_equal(f->cma_size, 64 * MB);
	f->vcodec = rh_device_find(f->plat, "vcodec");
	f->display = rh_device_find(f->plat, "display");
	f->gpu = rh_device_find(f->plat, "gpu");
	assert_non_null(f->vcodec);
	assert_non_null(f->display);
	assert_non_null(f->gpu);
	f->masters = RH_FW_MASTER(rh_device_master_id(f->vcodec)) |
		     RH_FW_MASTER(rh_device_master_id(f->display));
	tc_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &f->tc);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct rh_secmem_stats tz = tc_stats(f->plat, TZ), cma = tc_stats(f->plat, CMA);

	/* Every test gives back what it took, and the TA agrees. */
	assert_int_equal(tz.live_buffers, 0);
	assert_int_equal(tz.bytes_used, 0);
	assert_int_equal(tz.free_blocks, 1);
	assert_int_equal(tz.largest_free, f->chunk_size);
	assert_int_equal(cma.live_buffers, 0);
	assert_false(cma.lent);
	assert_int_equal(cma.firewall_regions, 0);
	tc_close(&f->tc);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static unsigned char *sec(struct fixture *f, rh_phys_addr_t pa, size_t len)
{
	void *p;

	assert_int_equal(rh_emu_secure_ptr(f->plat, pa, len, &p), 0);
	return p;
}

static bool all_zero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* Test windows: what the secure video TA would map for a granted buffer. */
#define TEST_GRANT 0x7e57

/* @dev in secure mode with a secure window over [@pa, @pa + @len). */
static void grant(struct fixture *f, struct rh_device *dev, rh_phys_addr_t pa,
		  uint64_t len)
{
	assert_int_equal(rh_emu_device_secure_get(f->plat, dev), 0);
	assert_int_equal(rh_firewall_window_add(f->plat->firewall, rh_device_master_id(dev),
						pa, len, TEST_GRANT), 0);
}

static void ungrant(struct fixture *f, struct rh_device *dev)
{
	rh_firewall_window_remove(f->plat->firewall, rh_device_master_id(dev), TEST_GRANT);
	assert_int_equal(rh_emu_device_secure_put(f->plat, dev), 0);
}

static struct rh_platform_stats plat_stats(struct fixture *f)
{
	struct rh_platform_stats st;

	assert_int_equal(rh_platform_get_stats(f->plat, &st), 0);
	return st;
}

static uint64_t zalloc_cma(struct fixture *f, uint64_t size, uint64_t *ret_nr,
			   uint64_t *ret_pa)
{
	uint64_t h = 0;

	assert_int_equal(tc_zalloc(&f->tc, size, RH_PAGE_SIZE, CMA, f->cma_base,
				   f->cma_size, ret_nr, ret_pa, &h),
			 RH_TEEC_SUCCESS);
	return h;
}

/* ------------------------------------------------------------ boot */

static void test_boot_state(void **state)
{
	struct fixture *f = *state;
	struct rh_secmem_stats tz, cma, st;
	struct rh_fw_region reg;
	unsigned char byte;
	unsigned int idx;

	/* The static chunk is protected from boot, for the secure-capable masters. */
	assert_int_equal(rh_firewall_find(f->plat->firewall, f->chunk_base, &idx), 0);
	assert_int_equal(rh_firewall_get_region(f->plat->firewall, idx, &reg), 0);
	assert_int_equal(reg.base, f->chunk_base);
	assert_int_equal(reg.size, f->chunk_size);
	assert_int_equal(reg.masters, f->masters);
	assert_int_equal(rh_secmem_master_mask(f->plat), f->masters);
	assert_neg_errno(rh_phys_probe_read(f->plat, f->chunk_base, &byte, 1), EFAULT);
	assert_neg_errno(rh_phys_probe_read(f->plat, f->chunk_base + f->chunk_size - 1,
					    &byte, 1), EFAULT);
	/* The dynamic region belongs to the normal world until it is lent. */
	assert_neg_errno(rh_firewall_find(f->plat->firewall, f->cma_base, &idx), ENOENT);
	assert_int_equal(rh_phys_probe_read(f->plat, f->cma_base, &byte, 1), 0);
	assert_int_equal(plat_stats(f).firewall_regions_in_use, 1);

	tz = tc_stats(f->plat, TZ);
	assert_true(tz.available);
	assert_true(tz.lent);
	assert_int_equal(tz.base, f->chunk_base);
	assert_int_equal(tz.size, f->chunk_size);
	assert_int_equal(tz.bytes_used, 0);
	assert_int_equal(tz.live_buffers, 0);
	assert_int_equal(tz.largest_free, f->chunk_size);
	assert_int_equal(tz.free_blocks, 1);
	assert_int_equal(tz.firewall_regions, 1);
	assert_int_equal(tz.zallocs, 0);
	assert_int_equal(tz.frees, 0);
	assert_int_equal(tz.oom, 0);
	assert_int_equal(tz.lends, 1); /* protected at boot */
	assert_int_equal(tz.unlends, 0);
	cma = tc_stats(f->plat, CMA);
	assert_true(cma.available);
	assert_false(cma.lent);
	assert_int_equal(cma.base, f->cma_base);
	assert_int_equal(cma.size, f->cma_size);
	assert_int_equal(cma.largest_free, 0);
	assert_int_equal(cma.free_blocks, 0);
	assert_int_equal(cma.firewall_regions, 0);
	assert_int_equal(cma.lends, 0);

	assert_neg_errno(rh_secmem_get_stats(NULL, TZ, &st), EINVAL);
	assert_neg_errno(rh_secmem_get_stats(f->plat, TZ, NULL), EINVAL);
	assert_neg_errno(rh_secmem_get_stats(f->plat, 0, &st), EINVAL);
	assert_neg_errno(rh_secmem_get_stats(f->plat, 3, &st), EINVAL);
}

extern const unsigned char rh_test_dtb_defaults[];
extern const size_t rh_test_dtb_defaults_size;

/* tests/data/good-dtb/defaults.dts: no reserved memory, no masters. */
static void test_platform_without_pools(void **state)
{
	struct rh_platform *plat;
	struct rh_secmem_stats st;
	struct rh_platform_stats ps;
	uint64_t h = 0;
	struct tc tc;

	(void)state;
	tc_platform_from_dtb(rh_test_dtb_defaults, rh_test_dtb_defaults_size, &plat);
	assert_int_equal(rh_secmem_master_mask(plat), 0);
	st = tc_stats(plat, TZ);
	assert_false(st.available);
	assert_false(st.lent);
	assert_int_equal(st.base, 0);
	assert_int_equal(st.firewall_regions, 0);
	assert_false(tc_stats(plat, CMA).available);
	assert_int_equal(rh_platform_get_stats(plat, &ps), 0);
	assert_int_equal(ps.firewall_regions_in_use, 0);

	/* The TA runs, but has nothing to hand out. */
	tc_open(plat, RH_TZ_TA_MEM_UUID_MTK, &tc);
	assert_int_equal(tc_zalloc(&tc, MB, 4096, TZ, 0, 0, NULL, NULL, &h),
			 RH_TEEC_ERROR_NOT_SUPPORTED);
	assert_int_equal(tc_zalloc(&tc, MB, 4096, CMA, 0x48000000, 0x1000000, NULL, NULL, &h),
			 BADP);
	assert_int_equal(h, 0);
	tc_close(&tc);
	rh_platform_unref(plat);
}

/* Without the platform's secure-memory state: -ENODEV, and the TA refuses to start. */
static void test_no_secure_state(void **state)
{
	const struct rh_tee_ops *def_ops;
	struct rh_tee_ioctl_open_session_arg arg;
	struct rh_platform_desc desc;
	struct rh_secmem_stats st;
	struct rh_secmem_pin pin;
	struct rh_platform *hand = NULL, *plat;
	struct rh_tee_context *ctx;
	struct rh_tee_param p[4];
	struct rh_tee_emu *emu;
	void *def_priv;

	(void)state;
	hand_desc_minimal(&desc);
	assert_int_equal(hand_platform_new(&desc, &hand), 0);
	assert_neg_errno(rh_secmem_get_stats(hand, TZ, &st), ENODEV);
	assert_neg_errno(rh_secmem_lookup(hand, 1, &pin), ENODEV);
	rh_secmem_unpin(hand, &pin);
	hand_platform_free(hand);

	/* A bare emulator (no platform) with the TA installed. */
	tc_minimal_platform(&plat);
	assert_int_equal(rh_tee_emu_new(NULL, &emu), 0);
	assert_int_equal(rh_tee_emu_add_ta(emu, &rh_ta_secmem_ops), 0);
	assert_int_equal(rh_platform_get_default_tee_backend(plat, &def_ops, &def_priv), 0);
	assert_int_equal(rh_platform_set_tee_backend(plat, rh_tee_emu_get_ops(), emu), 0);
	ctx = rh_tee_client_open_context(plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(ctx));
	memset(&arg, 0, sizeof(arg));
	memset(p, 0, sizeof(p));
	assert_int_equal(rh_uuid_parse(RH_TZ_TA_MEM_UUID_MTK, arg.uuid), 0);
	arg.num_params = 4;
	assert_int_equal(rh_tee_client_open_session(ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_BAD_STATE);
	assert_int_equal(arg.ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	rh_tee_client_close_context(ctx);
	assert_int_equal(rh_platform_set_tee_backend(plat, def_ops, def_priv), 0);
	rh_tee_emu_free(emu);
	rh_platform_unref(plat);
}

/* ------------------------------------------------------------ ZALLOC */

static void test_zalloc_tz(void **state)
{
	struct fixture *f = *state;
	struct rh_secmem_stats before = tc_stats(f->plat, TZ), st;
	uint64_t nr = 0, pa = 0, h, epa;
	unsigned char sg[12];
	size_t sz = sizeof(sg);
	uint32_t elen;

	h = tc_zalloc_tz(&f->tc, MB, &nr, &pa);
	assert_int_equal(nr, 1);
	assert_true(pa >= f->chunk_base && pa + MB <= f->chunk_base + f->chunk_size);
	assert_int_equal(pa % RH_PAGE_SIZE, 0);
	assert_true(h != 0);
	assert_true(h != pa && h != (uint32_t)pa && h != pa >> RH_PAGE_SHIFT);
	assert_true(all_zero(sec(f, pa, MB), MB));

	st = tc_stats(f->plat, TZ);
	assert_int_equal(st.bytes_used, MB);
	assert_int_equal(st.live_buffers, 1);
	assert_int_equal(st.live_extents, 1);
	assert_int_equal(st.zallocs, before.zallocs + 1);
	assert_int_equal(st.largest_free, f->chunk_size - MB);
	assert_int_equal(st.free_blocks, 1);
	assert_int_equal(st.discontiguous, 0);
	/* The CMA pool is not touched by a CM_TZ request. */
	assert_false(tc_stats(f->plat, CMA).lent);

	/* A contiguous buffer can be asked for its list too: one entry. */
	assert_int_equal(tc_retrieve_sg(&f->tc, h, sg, &sz), RH_TEEC_SUCCESS);
	assert_int_equal(sz, 12);
	tc_sg_entry(sg, 0, &epa, &elen);
	assert_int_equal(epa, pa);
	assert_int_equal(elen, MB);

	tc_free_ok(&f->tc, h);
	st = tc_stats(f->plat, TZ);
	before.zallocs++;
	before.frees++;
	before.retrieves++;
	tc_assert_stats_equal(&st, &before);
}

struct bad_case {
	const char *what;
	uint32_t attr[4];
	uint64_t size, align, type, base, rsize;
};

#define VI RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT
#define VO RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT
#define VIO RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT
#define NONE RH_TEE_IOCTL_PARAM_ATTR_TYPE_NONE
#define GOOD_ATTR { VI, VI, VIO, VO }

static void test_zalloc_bad_parameters(void **state)
{
	struct fixture *f = *state;
	const uint64_t cb = f->cma_base, cs = f->cma_size;
	const struct bad_case cases[] = {
		{ "p0 inout", { VIO, VI, VIO, VO }, MB, 4096, TZ, 0, 0 },
		{ "p1 output", { VI, VO, VIO, VO }, MB, 4096, TZ, 0, 0 },
		{ "p2 input", { VI, VI, VI, VO }, MB, 4096, TZ, 0, 0 },
		{ "p2 output", { VI, VI, VO, VO }, MB, 4096, TZ, 0, 0 },
		{ "p3 none", { VI, VI, VIO, NONE }, MB, 4096, TZ, 0, 0 },
		{ "p3 inout", { VI, VI, VIO, VIO }, MB, 4096, TZ, 0, 0 },
		{ "all none", { NONE, NONE, NONE, NONE }, MB, 4096, TZ, 0, 0 },
		{ "size 0", GOOD_ATTR, 0, 4096, TZ, 0, 0 },
		{ "size 4095", GOOD_ATTR, 4095, 4096, TZ, 0, 0 },
		{ "size 4097", GOOD_ATTR, 4097, 4096, TZ, 0, 0 },
		{ "align 0", GOOD_ATTR, MB, 0, TZ, 0, 0 },
		{ "align 1", GOOD_ATTR, MB, 1, TZ, 0, 0 },
		{ "align 2048", GOOD_ATTR, MB, 2048, TZ, 0, 0 },
		{ "align 3 pages", GOOD_ATTR, MB, 3 * 4096, TZ, 0, 0 },
		{ "align 2^64-4096", GOOD_ATTR, MB, ~4095ULL, TZ, 0, 0 },
		{ "size+align wraps", GOOD_ATTR, ~4095ULL, 4096, TZ, 0, 0 },
		{ "size+align wraps 2^63", GOOD_ATTR, 1ULL << 63, 1ULL << 63, TZ, 0, 0 },
		{ "type 0", GOOD_ATTR, MB, 4096, 0, 0, 0 },
		{ "type 3", GOOD_ATTR, MB, 4096, 3, 0, 0 },
		{ "type 2^32+1", GOOD_ATTR, MB, 4096, (1ULL << 32) | 1, 0, 0 },
		{ "CM_TZ with a region", GOOD_ATTR, MB, 4096, TZ, cb, cs },
		{ "CM_TZ with a size", GOOD_ATTR, MB, 4096, TZ, 0, 1 },
		{ "CMA no region", GOOD_ATTR, MB, 4096, CMA, 0, 0 },
		{ "CMA size 0", GOOD_ATTR, MB, 4096, CMA, cb, 0 },
		{ "CMA below DRAM", GOOD_ATTR, MB, 4096, CMA, 0x10000000, cs },
		{ "CMA beyond DRAM", GOOD_ATTR, MB, 4096, CMA, cb, 0x10000000 },
		{ "CMA wraps", GOOD_ATTR, MB, 4096, CMA, ~4095ULL, 2 * 4096 },
		{ "CMA base misaligned", GOOD_ATTR, MB, 4096, CMA, cb + 0x800, cs - 0x1000 },
		{ "CMA size misaligned", GOOD_ATTR, MB, 4096, CMA, cb, cs - 0x800 },
		{ "CMA other base", GOOD_ATTR, MB, 4096, CMA, cb + 4096, cs - 4096 },
		{ "CMA other size", GOOD_ATTR, MB, 4096, CMA, cb, cs / 2 },
		{ "CMA the chunk", GOOD_ATTR, MB, 4096, CMA, f->chunk_base, f->chunk_size },
	};
	struct rh_secmem_stats tz = tc_stats(f->plat, TZ), cma = tc_stats(f->plat, CMA), st;
	struct rh_platform_stats ps = plat_stats(f);
	struct rh_tee_param p[4];
	size_t i;

	for (i = 0; i < RH_ARRAY_SIZE(cases); i++) {
		const struct bad_case *c = &cases[i];
		unsigned int k;

		memset(p, 0, sizeof(p));
		for (k = 0; k < 4; k++)
			p[k].attr = c->attr[k];
		p[0].u.value.a = c->size;
		p[0].u.value.b = c->align;
		p[1].u.value.a = c->type;
		p[2].u.value.a = c->base;
		p[2].u.value.b = c->rsize;
		if (tc_invoke(&f->tc, RH_MTK_TZCMD_SECMEM_ZALLOC, p) != BADP)
			fail_msg("case \"%s\" was not refused with BAD_PARAMETERS", c->what);
		assert_int_equal(f->tc.origin, RH_TEEC_ORIGIN_TRUSTED_APP);
		/* Nothing is handed out. */
		assert_int_equal(p[3].u.value.a, 0);
		/* Counted once; nothing else moved, nothing was protected. */
		tz.bad_params++;
		cma.bad_params++;
		st = tc_stats(f->plat, TZ);
		tc_assert_stats_equal(&st, &tz);
		st = tc_stats(f->plat, CMA);
		tc_assert_stats_equal(&st, &cma);
	}
	assert_int_equal(plat_stats(f).firewall_programs, ps.firewall_programs);
	assert_int_equal(plat_stats(f).firewall_regions_in_use, 1);

	/* An unknown command is not a parameter problem. */
	memset(p, 0, sizeof(p));
	assert_int_equal(tc_invoke(&f->tc, 0x10003, p), RH_TEEC_ERROR_NOT_SUPPORTED);
	assert_int_equal(tc_stats(f->plat, TZ).bad_params, tz.bad_params);
}

static void test_alignment(void **state)
{
	struct fixture *f = *state;
	uint64_t h1, h2, h3, pa1, pa2, pa3, nr, h;
	uint64_t oom = tc_stats(f->plat, TZ).oom;

	h1 = tc_zalloc_tz(&f->tc, 4 * KB, NULL, &pa1);
	assert_int_equal(pa1, f->chunk_base); /* best fit, lowest address */
	assert_int_equal(tc_zalloc(&f->tc, 64 * KB, MB, TZ, 0, 0, &nr, &pa2, &h2),
			 RH_TEEC_SUCCESS);
	assert_int_equal(nr, 1);
	assert_int_equal(pa2 % MB, 0);
	assert_true(pa2 > pa1);
	assert_int_equal(tc_zalloc(&f->tc, 4 * KB, 16 * MB, TZ, 0, 0, &nr, &pa3, &h3),
			 RH_TEEC_SUCCESS);
	assert_int_equal(pa3 % (16 * MB), 0);
	assert_true(pa3 >= f->chunk_base && pa3 < f->chunk_base + f->chunk_size);
	assert_true(all_zero(sec(f, pa2, 64 * KB), 64 * KB));
	/* No address of the chunk is 2^40 aligned: no room for such a buffer. */
	assert_int_equal(tc_zalloc(&f->tc, 4 * KB, 1ULL << 40, TZ, 0, 0, &nr, &pa3, &h), OOM);
	assert_int_equal(tc_stats(f->plat, TZ).oom, oom + 1);
	assert_int_equal(tc_stats(f->plat, TZ).live_buffers, 3);
	tc_free_ok(&f->tc, h2);
	tc_free_ok(&f->tc, h1);
	tc_free_ok(&f->tc, h3);
}

static void test_exhaustion_oom(void **state)
{
	struct fixture *f = *state;
	struct rh_secmem_stats before, st;
	uint64_t h, pa, nr;

	h = tc_zalloc_tz(&f->tc, f->chunk_size, &nr, &pa);
	assert_int_equal(nr, 1);
	assert_int_equal(pa, f->chunk_base);
	before = tc_stats(f->plat, TZ);
	assert_int_equal(before.bytes_used, f->chunk_size);
	assert_int_equal(before.largest_free, 0);
	assert_int_equal(before.free_blocks, 0);

	/* TEE_RESULT_OOM, from the TA, and nothing changes but the count. */
	assert_int_equal(tc_zalloc(&f->tc, 4 * KB, 4096, TZ, 0, 0, NULL, NULL, NULL),
			 0xFFFF000Cu);
	assert_int_equal(f->tc.origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	st = tc_stats(f->plat, TZ);
	before.oom++;
	tc_assert_stats_equal(&st, &before);
	tc_free_ok(&f->tc, h);

	/* Larger than the whole pool: no split can help either. */
	assert_int_equal(tc_zalloc(&f->tc, f->chunk_size + 4 * KB, 4096, TZ, 0, 0, NULL,
				   NULL, NULL), OOM);
	assert_int_equal(tc_stats(f->plat, TZ).oom, before.oom + 1);
	assert_int_equal(tc_stats(f->plat, TZ).live_buffers, 0);
}

static void test_coalescing(void **state)
{
	struct fixture *f = *state;
	uint64_t h[4], pa[4], big, bpa, nr;
	struct rh_secmem_stats st;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		h[i] = tc_zalloc_tz(&f->tc, 8 * MB, NULL, &pa[i]);
		assert_int_equal(pa[i], f->chunk_base + i * 8 * MB);
	}
	assert_int_equal(tc_stats(f->plat, TZ).free_blocks, 0);
	tc_free_ok(&f->tc, h[1]);
	tc_free_ok(&f->tc, h[3]);
	st = tc_stats(f->plat, TZ);
	assert_int_equal(st.free_blocks, 2);
	assert_int_equal(st.largest_free, 8 * MB);
	/* Freeing the block between them merges all three. */
	tc_free_ok(&f->tc, h[2]);
	st = tc_stats(f->plat, TZ);
	assert_int_equal(st.free_blocks, 1);
	assert_int_equal(st.largest_free, 24 * MB);
	big = tc_zalloc_tz(&f->tc, 24 * MB, &nr, &bpa);
	assert_int_equal(nr, 1);
	assert_int_equal(bpa, pa[1]);
	tc_free_ok(&f->tc, big);
	tc_free_ok(&f->tc, h[0]);
	st = tc_stats(f->plat, TZ);
	assert_int_equal(st.free_blocks, 1);
	assert_int_equal(st.largest_free, f->chunk_size);
}

/* ------------------------------------------------------------ discontiguous + RETRIEVE_SG */

static void test_discontiguous_retrieve_sg(void **state)
{
	struct fixture *f = *state;
	uint64_t h[8], pa[8], a, b, nr, bpa, epa;
	unsigned char sg[100];
	struct rh_secmem_stats st;
	unsigned int i;
	uint32_t elen;
	size_t sz;

	for (i = 0; i < 8; i++)
		h[i] = tc_zalloc_tz(&f->tc, 4 * MB, NULL, &pa[i]);
	/* Free blocks: #1 (4 MiB), #3 (4 MiB), #5..#6 (8 MiB). */
	tc_free_ok(&f->tc, h[1]);
	tc_free_ok(&f->tc, h[3]);
	tc_free_ok(&f->tc, h[5]);
	tc_free_ok(&f->tc, h[6]);
	st = tc_stats(f->plat, TZ);
	assert_int_equal(st.free_blocks, 3);
	assert_int_equal(st.largest_free, 8 * MB);

	/* Page alignment only: a larger alignment never splits. */
	assert_int_equal(tc_zalloc(&f->tc, 10 * MB, 2 * 4096, TZ, 0, 0, NULL, NULL, NULL),
			 OOM);
	/* 10 MiB: the largest block (8 MiB), then the best fit for 2 MiB (#1). */
	a = 0;
	assert_int_equal(tc_zalloc(&f->tc, 10 * MB, 4096, TZ, 0, 0, &nr, &bpa, &a),
			 RH_TEEC_SUCCESS);
	assert_int_equal(nr, 2);
	assert_int_equal(bpa, 0); /* no single PA for a split buffer */
	st = tc_stats(f->plat, TZ);
	assert_int_equal(st.discontiguous, 1);
	assert_int_equal(st.live_buffers, 4 + 1);
	assert_int_equal(st.live_extents, 4 + 2);
	assert_int_equal(st.bytes_used, 16 * MB + 10 * MB);

	/* SHORT_BUFFER reports the size needed and leaves the buffer alone. */
	memset(sg, 0xee, sizeof(sg));
	sz = 12;
	assert_int_equal(tc_retrieve_sg(&f->tc, a, sg, &sz), RH_TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(f->tc.origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(sz, 24);
	assert_int_equal(sg[0], 0xee);
	sz = 0;
	assert_int_equal(tc_retrieve_sg(&f->tc, a, NULL, &sz), RH_TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(sz, 24);
	assert_int_equal(tc_stats(f->plat, TZ).retrieves, st.retrieves);
	/* A larger buffer is fine: the size written back is the size used. */
	sz = sizeof(sg);
	assert_int_equal(tc_retrieve_sg(&f->tc, a, sg, &sz), RH_TEEC_SUCCESS);
	assert_int_equal(sz, 24);
	assert_int_equal(sg[24], 0xee);
	tc_sg_entry(sg, 0, &epa, &elen);
	assert_int_equal(epa, pa[1]);
	assert_int_equal(elen, 2 * MB);
	tc_sg_entry(sg, 1, &epa, &elen);
	assert_int_equal(epa, pa[5]);
	assert_int_equal(elen, 8 * MB);
	/* Exactly the needed size. */
	sz = 24;
	assert_int_equal(tc_retrieve_sg(&f->tc, a, sg, &sz), RH_TEEC_SUCCESS);
	assert_int_equal(tc_stats(f->plat, TZ).retrieves, st.retrieves + 2);
	assert_true(all_zero(sec(f, pa[1], 2 * MB), 2 * MB));
	assert_true(all_zero(sec(f, pa[5], 8 * MB), 8 * MB));

	/* 6 MiB: block #3 (4 MiB, now the largest), then the 2 MiB left of #1. */
	assert_int_equal(tc_zalloc(&f->tc, 6 * MB, 4096, TZ, 0, 0, &nr, NULL, &b),
			 RH_TEEC_SUCCESS);
	assert_int_equal(nr, 2);
	sz = 24;
	assert_int_equal(tc_retrieve_sg(&f->tc, b, sg, &sz), RH_TEEC_SUCCESS);
	tc_sg_entry(sg, 0, &epa, &elen);
	assert_int_equal(epa, pa[1] + 2 * MB);
	assert_int_equal(elen, 2 * MB);
	tc_sg_entry(sg, 1, &epa, &elen);
	assert_int_equal(epa, pa[3]);
	assert_int_equal(elen, 4 * MB);
	assert_int_equal(tc_stats(f->plat, TZ).free_blocks, 0);

	/* Freeing a split buffer returns every piece (they coalesce back). */
	tc_free_ok(&f->tc, a);
	tc_free_ok(&f->tc, b);
	st = tc_stats(f->plat, TZ);
	assert_int_equal(st.live_extents, 4);
	assert_int_equal(st.free_blocks, 3);
	for (i = 0; i < 8; i++)
		if (i != 1 && i != 3 && i != 5 && i != 6)
			tc_free_ok(&f->tc, h[i]);
}

/* More pieces than RH_MTK_TEE_MAX_SG_ENTRIES are never handed out. */
static void test_discontiguous_entry_bound(void **state)
{
	struct fixture *f = *state;
	const unsigned int pages = (unsigned int)(f->chunk_size / RH_PAGE_SIZE);
	uint64_t *h = calloc(pages, sizeof(*h));
	uint64_t big, nr, epa, prev = 0;
	struct rh_secmem_stats st;
	unsigned char *sg;
	unsigned int i;
	uint32_t elen;
	size_t sz;

	assert_non_null(h);
	for (i = 0; i < pages; i++)
		h[i] = tc_zalloc_tz(&f->tc, RH_PAGE_SIZE, NULL, NULL);
	for (i = 0; i < pages; i += 2)
		tc_free_ok(&f->tc, h[i]);
	st = tc_stats(f->plat, TZ);
	assert_int_equal(st.free_blocks, pages / 2);
	assert_int_equal(st.largest_free, RH_PAGE_SIZE);

	assert_int_equal(tc_zalloc(&f->tc, (RH_MTK_TEE_MAX_SG_ENTRIES + 1) * RH_PAGE_SIZE,
				   4096, TZ, 0, 0, NULL, NULL, NULL), OOM);
	st.oom++;
	{
		struct rh_secmem_stats now = tc_stats(f->plat, TZ);

		tc_assert_stats_equal(&now, &st);
	}
	big = 0;
	assert_int_equal(tc_zalloc(&f->tc, RH_MTK_TEE_MAX_SG_ENTRIES * RH_PAGE_SIZE, 4096, TZ,
				   0, 0, &nr, NULL, &big), RH_TEEC_SUCCESS);
	assert_int_equal(nr, RH_MTK_TEE_MAX_SG_ENTRIES);
	sz = RH_MTK_TEE_MAX_SG_ENTRIES * 12;
	sg = malloc(sz);
	assert_non_null(sg);
	assert_int_equal(tc_retrieve_sg(&f->tc, big, sg, &sz), RH_TEEC_SUCCESS);
	assert_int_equal(sz, RH_MTK_TEE_MAX_SG_ENTRIES * 12);
	for (i = 0; i < RH_MTK_TEE_MAX_SG_ENTRIES; i++) {
		tc_sg_entry(sg, i, &epa, &elen);
		assert_int_equal(elen, RH_PAGE_SIZE);
		/* the even pages, in address order */
		assert_int_equal((epa - f->chunk_base) / RH_PAGE_SIZE % 2, 0);
		assert_true(epa > prev);
		prev = epa;
	}
	free(sg);
	tc_free_ok(&f->tc, big);
	for (i = 1; i < pages; i += 2)
		tc_free_ok(&f->tc, h[i]);
	free(h);
}

/* ------------------------------------------------------------ zero / scrub */

static void test_zero_on_alloc_exact(void **state)
{
	struct fixture *f = *state;
	uint64_t h, pa;

	/* Free secure memory holding stale bytes (e.g. left by a secure master). */
	memset(sec(f, f->chunk_base, 128 * KB), 0xa5, 128 * KB);
	h = tc_zalloc_tz(&f->tc, 64 * KB, NULL, &pa);
	assert_int_equal(pa, f->chunk_base);
	assert_true(all_zero(sec(f, pa, 64 * KB), 64 * KB));
	/* Only the allocated bytes are written. */
	assert_int_equal(sec(f, pa + 64 * KB, 1)[0], 0xa5);
	tc_free_ok(&f->tc, h);
	memset(sec(f, f->chunk_base, 128 * KB), 0, 128 * KB);
}

static void test_scrub_on_free(void **state)
{
	struct fixture *f = *state;
	static const char secret[] = "frame of a premium movie";
	char buf[sizeof(secret)];
	uint64_t h, pa, pa2;

	h = tc_zalloc_tz(&f->tc, 64 * KB, NULL, &pa);
	/* A secure master writes the content; the secure world writes a tail. */
	grant(f, f->vcodec, pa, 64 * KB);
	assert_int_equal(rh_device_dma_write(f->vcodec, pa, secret, sizeof(secret)), 0);
	memset(sec(f, pa + 60 * KB, 4 * KB), 0x5a, 4 * KB);
	assert_int_equal(rh_device_dma_read(f->vcodec, pa, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, secret, sizeof(secret));
	/* Non-secure masters never get in. */
	assert_neg_errno(rh_device_dma_read(f->gpu, pa, buf, sizeof(buf)), EACCES);
	ungrant(f, f->vcodec);
	assert_neg_errno(rh_device_dma_read(f->vcodec, pa, buf, sizeof(buf)), EACCES);

	tc_free_ok(&f->tc, h);
	/* Scrubbed on free, before anyone else can get the pages. */
	assert_true(all_zero(sec(f, pa, 64 * KB), 64 * KB));
	h = tc_zalloc_tz(&f->tc, 64 * KB, NULL, &pa2);
	assert_int_equal(pa2, pa);
	assert_true(all_zero(sec(f, pa2, 64 * KB), 64 * KB));
	tc_free_ok(&f->tc, h);
}

/* ------------------------------------------------------------ zero once */

/* Memory FREE scrubbed and nothing wrote since is not zeroed twice. */
static void test_zero_once(void **state)
{
	struct fixture *f = *state;
	struct rh_secmem_stats st0, st1, st2, st3;
	uint64_t h, pa, pa2;

	st0 = tc_stats(f->plat, TZ);
	h = tc_zalloc_tz(&f->tc, 64 * KB, NULL, &pa);
	st1 = tc_stats(f->plat, TZ);
	/* Never scrubbed by the TA since boot: zeroed. */
	assert_int_equal(st1.bytes_zeroed - st0.bytes_zeroed, 64 * KB);
	assert_int_equal(st1.bytes_known_zero, st0.bytes_known_zero);
	tc_free_ok(&f->tc, h);

	h = tc_zalloc_tz(&f->tc, 64 * KB, NULL, &pa2);
	assert_int_equal(pa2, pa);
	st2 = tc_stats(f->plat, TZ);
	assert_int_equal(st2.bytes_zeroed, st1.bytes_zeroed);
	assert_int_equal(st2.bytes_known_zero - st1.bytes_known_zero, 64 * KB);
	assert_true(all_zero(sec(f, pa, 64 * KB), 64 * KB));
	tc_free_ok(&f->tc, h);

	/* Half known, half never handed out: the whole extent is zeroed. */
	h = tc_zalloc_tz(&f->tc, 128 * KB, NULL, &pa2);
	assert_int_equal(pa2, pa);
	st3 = tc_stats(f->plat, TZ);
	assert_int_equal(st3.bytes_zeroed - st2.bytes_zeroed, 128 * KB);
	assert_int_equal(st3.bytes_known_zero, st2.bytes_known_zero);
	tc_free_ok(&f->tc, h);
}

/* Anything written through the secure view since the scrub is zeroed again. */
static void test_zero_once_after_secure_writes(void **state)
{
	struct fixture *f = *state;
	static const char stale[] = "stale bytes of a secure master";
	struct rh_secmem_stats st0, st1;
	uint64_t h, pa, pa2;

	h = tc_zalloc_tz(&f->tc, 64 * KB, NULL, &pa);
	tc_free_ok(&f->tc, h);

	/* A secure master writes freed memory (the firewall lets it: per region). */
	grant(f, f->vcodec, pa, 64 * KB);
	assert_int_equal(rh_device_dma_write(f->vcodec, pa + 60 * KB, stale, sizeof(stale)), 0);
	st0 = tc_stats(f->plat, TZ);
	h = tc_zalloc_tz(&f->tc, 64 * KB, NULL, &pa2);
	assert_int_equal(pa2, pa);
	st1 = tc_stats(f->plat, TZ);
	assert_int_equal(st1.bytes_zeroed - st0.bytes_zeroed, 64 * KB);
	assert_true(all_zero(sec(f, pa, 64 * KB), 64 * KB));

	/* A write into the live buffer is scrubbed by FREE: known zero again. */
	assert_int_equal(rh_device_dma_write(f->vcodec, pa, stale, sizeof(stale)), 0);
	tc_free_ok(&f->tc, h);
	assert_true(all_zero(sec(f, pa, 64 * KB), 64 * KB));
	/* sec() above handed out a secure pointer: that alone voids the knowledge. */
	st0 = tc_stats(f->plat, TZ);
	h = tc_zalloc_tz(&f->tc, 64 * KB, NULL, &pa2);
	st1 = tc_stats(f->plat, TZ);
	assert_int_equal(st1.bytes_zeroed - st0.bytes_zeroed, 64 * KB);
	tc_free_ok(&f->tc, h);
	st0 = tc_stats(f->plat, TZ);
	h = tc_zalloc_tz(&f->tc, 64 * KB, NULL, &pa2);
	st1 = tc_stats(f->plat, TZ);
	assert_int_equal(st1.bytes_known_zero - st0.bytes_known_zero, 64 * KB);
	tc_free_ok(&f->tc, h);

	/* The secure world writing freed memory through its view: zeroed too. */
	memset(sec(f, pa + 4 * KB, 4 * KB), 0x5a, 4 * KB);
	st0 = tc_stats(f->plat, TZ);
	h = tc_zalloc_tz(&f->tc, 64 * KB, NULL, &pa2);
	st1 = tc_stats(f->plat, TZ);
	assert_int_equal(st1.bytes_zeroed - st0.bytes_zeroed, 64 * KB);
	assert_true(all_zero(sec(f, pa, 64 * KB), 64 * KB));
	tc_free_ok(&f->tc, h);
	ungrant(f, f->vcodec);
}

/* A lent region's content is unknown at every lend: the first buffers are zeroed. */
static void test_zero_once_relend(void **state)
{
	struct fixture *f = *state;
	struct rh_secmem_stats st0, st1;
	uint64_t h, pa, pa2;

	h = zalloc_cma(f, 64 * KB, NULL, &pa);
	tc_free_ok(&f->tc, h);
	assert_false(tc_stats(f->plat, CMA).lent);
	/* Returned: the normal world may write the region meanwhile. */
	st0 = tc_stats(f->plat, CMA);
	h = zalloc_cma(f, 64 * KB, NULL, &pa2);
	assert_int_equal(pa2, pa);
	st1 = tc_stats(f->plat, CMA);
	assert_int_equal(st1.lends, st0.lends + 1);
	assert_int_equal(st1.bytes_zeroed - st0.bytes_zeroed, 64 * KB);
	assert_int_equal(st1.bytes_known_zero, st0.bytes_known_zero);
	tc_free_ok(&f->tc, h);
}

/* ------------------------------------------------------------ handles */

static void test_handles_unguessable(void **state)
{
	struct fixture *f = *state;
	enum { N = 64 };
	uint64_t h[N], pa[N], first_other, pa_other;
	struct rh_platform *other;
	bool all_same_step = true;
	unsigned int i, j;
	struct tc tc2;

	for (i = 0; i < N; i++) {
		h[i] = tc_zalloc_tz(&f->tc, RH_PAGE_SIZE, NULL, &pa[i]);
		assert_true(h[i] != 0);
		assert_true(h[i] != pa[i] && h[i] != (uint32_t)pa[i]);
		assert_true(h[i] != pa[i] >> RH_PAGE_SHIFT);
		assert_true(h[i] != pa[i] - f->chunk_base);
		assert_true(h[i] != i && h[i] != i + 1);
		for (j = 0; j < i; j++)
			assert_true(h[i] != h[j]);
		if (i >= 2 && h[i] - h[i - 1] != h[1] - h[0])
			all_same_step = false;
	}
	assert_false(all_same_step);

	/* Another platform, the same request, the same PA: another handle. */
	tc_minimal_platform(&other);
	tc_open(other, RH_TZ_TA_MEM_UUID_MTK, &tc2);
	first_other = tc_zalloc_tz(&tc2, RH_PAGE_SIZE, NULL, &pa_other);
	assert_int_equal(pa_other, pa[0]);
	assert_true(first_other != h[0]);
	/* A handle of one platform means nothing on the other. */
	{
		uint64_t status = 0;

		assert_int_equal(tc_free(&tc2, h[1], &status), RH_TEEC_SUCCESS);
		assert_int_equal(status, RH_TEEC_ERROR_ITEM_NOT_FOUND);
	}
	tc_free_ok(&tc2, first_other);
	tc_close(&tc2);
	rh_platform_unref(other);

	for (i = 0; i < N; i++)
		tc_free_ok(&f->tc, h[i]);
}

static void test_forged_and_double_free(void **state)
{
	struct fixture *f = *state;
	struct rh_secmem_stats tz, cma, st;
	uint64_t h, pa, status, forged[7];
	struct rh_tee_param p[4];
	unsigned char sg[12];
	unsigned int i;
	size_t sz;

	h = tc_zalloc_tz(&f->tc, 64 * KB, NULL, &pa);
	memset(sec(f, pa, 16), 0x77, 16);
	forged[0] = h ^ 1;
	forged[1] = h + 1;
	forged[2] = 0;
	forged[3] = h ^ (1ULL << 32);
	forged[4] = UINT64_MAX;
	forged[5] = pa;
	forged[6] = pa >> RH_PAGE_SHIFT;
	tz = tc_stats(f->plat, TZ);
	cma = tc_stats(f->plat, CMA);
	for (i = 0; i < RH_ARRAY_SIZE(forged); i++) {
		status = 0;
		assert_int_equal(tc_free(&f->tc, forged[i], &status), RH_TEEC_SUCCESS);
		assert_int_equal(status, RH_TEEC_ERROR_ITEM_NOT_FOUND);
		sz = sizeof(sg);
		assert_int_equal(tc_retrieve_sg(&f->tc, forged[i], sg, &sz),
				 RH_TEEC_ERROR_ITEM_NOT_FOUND);
		assert_int_equal(f->tc.origin, RH_TEEC_ORIGIN_TRUSTED_APP);
		tz.refused_handles += 2;
		cma.refused_handles += 2;
		st = tc_stats(f->plat, TZ);
		tc_assert_stats_equal(&st, &tz);
		st = tc_stats(f->plat, CMA);
		tc_assert_stats_equal(&st, &cma);
	}
	/* The real buffer is untouched. */
	assert_int_equal(sec(f, pa, 16)[15], 0x77);

	/* FREE with the wrong parameter types frees nothing. */
	memset(p, 0, sizeof(p));
	p[0].attr = VI;
	p[0].u.value.a = h;
	p[1].attr = VI;
	assert_int_equal(tc_invoke(&f->tc, RH_MTK_TZCMD_SECMEM_FREE, p), BADP);
	p[1].attr = VO;
	p[2].attr = VI;
	assert_int_equal(tc_invoke(&f->tc, RH_MTK_TZCMD_SECMEM_FREE, p), BADP);
	/* RETRIEVE_SG with a value instead of the memref, or no memref at all. */
	memset(p, 0, sizeof(p));
	p[0].attr = VI;
	p[0].u.value.a = h;
	p[1].attr = VIO;
	assert_int_equal(tc_invoke(&f->tc, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG, p), BADP);
	p[0].attr = VIO;
	p[1].attr = NONE;
	assert_int_equal(tc_invoke(&f->tc, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG, p), BADP);
	/* A memref the TA may only write, or only read (NULL memrefs). */
	memset(p, 0, sizeof(p));
	p[0].attr = VI;
	p[0].u.value.a = h;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
	assert_int_equal(tc_invoke(&f->tc, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG, p), BADP);
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	assert_int_equal(tc_invoke(&f->tc, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG, p), BADP);
	st = tc_stats(f->plat, TZ);
	assert_int_equal(st.live_buffers, 1);
	assert_int_equal(st.retrieves, tz.retrieves);
	assert_int_equal(st.bad_params, tz.bad_params + 6);

	tc_free_ok(&f->tc, h);
	tz = tc_stats(f->plat, TZ);
	/* Double free: refused, counted, nothing else changes. */
	status = 0;
	assert_int_equal(tc_free(&f->tc, h, &status), RH_TEEC_SUCCESS);
	assert_int_equal(status, RH_TEEC_ERROR_ITEM_NOT_FOUND);
	sz = sizeof(sg);
	assert_int_equal(tc_retrieve_sg(&f->tc, h, sg, &sz), RH_TEEC_ERROR_ITEM_NOT_FOUND);
	tz.refused_handles += 2;
	st = tc_stats(f->plat, TZ);
	tc_assert_stats_equal(&st, &tz);
}

/* ------------------------------------------------------------ CM_CMA */

static void test_cma_lend_and_return(void **state)
{
	struct fixture *f = *state;
	static const char secret[] = "decoded frame";
	struct rh_platform_stats ps0 = plat_stats(f), ps;
	uint64_t h1, h2, pa1, pa2, nr, h;
	struct rh_secmem_stats st, tz = tc_stats(f->plat, TZ);
	unsigned char buf[64], zero[64] = { 0 };
	struct rh_fw_region reg;
	unsigned int idx;

	h1 = zalloc_cma(f, 2 * MB, &nr, &pa1);
	assert_int_equal(nr, 1);
	assert_true(pa1 >= f->cma_base && pa1 + 2 * MB <= f->cma_base + f->cma_size);
	/* The whole region is protected by one firewall region. */
	assert_int_equal(rh_firewall_find(f->plat->firewall, f->cma_base, &idx), 0);
	assert_int_equal(rh_firewall_get_region(f->plat->firewall, idx, &reg), 0);
	assert_int_equal(reg.base, f->cma_base);
	assert_int_equal(reg.size, f->cma_size);
	assert_int_equal(reg.masters, f->masters);
	assert_neg_errno(rh_phys_probe_read(f->plat, f->cma_base + f->cma_size - 64, buf,
					    sizeof(buf)), EFAULT);
	ps = plat_stats(f);
	assert_int_equal(ps.firewall_programs, ps0.firewall_programs + 1);
	assert_int_equal(ps.firewall_regions_in_use, 2);
	st = tc_stats(f->plat, CMA);
	assert_true(st.lent);
	assert_int_equal(st.lends, 1);
	assert_int_equal(st.firewall_regions, 1);
	assert_int_equal(st.bytes_used, 2 * MB);
	assert_int_equal(st.largest_free, f->cma_size - 2 * MB);
	assert_true(all_zero(sec(f, pa1, 2 * MB), 2 * MB));

	/* Later buffers come from the lent region: no reprogramming. */
	h2 = zalloc_cma(f, 4 * MB, &nr, &pa2);
	assert_int_equal(nr, 1);
	assert_int_equal(plat_stats(f).firewall_programs, ps.firewall_programs);
	assert_int_equal(tc_stats(f->plat, CMA).lends, 1);
	assert_int_equal(tc_stats(f->plat, CMA).live_buffers, 2);
	/* The region must still be the configured one. */
	assert_int_equal(tc_zalloc(&f->tc, MB, 4096, CMA, f->cma_base, f->cma_size / 2,
				   NULL, NULL, &h), BADP);
	/* CM_TZ and CM_CMA are separate pools: the chunk saw only the refusal. */
	st = tc_stats(f->plat, TZ);
	tz.bad_params++;
	tc_assert_stats_equal(&st, &tz);

	grant(f, f->display, pa2, 4 * MB);
	assert_int_equal(rh_device_dma_write(f->display, pa2, secret, sizeof(secret)), 0);
	ungrant(f, f->display);
	assert_neg_errno(rh_device_dma_read(f->gpu, pa2, buf, sizeof(buf)), EACCES);

	/* Not the last buffer: the region stays lent. */
	tc_free_ok(&f->tc, h1);
	assert_true(tc_stats(f->plat, CMA).lent);
	assert_neg_errno(rh_phys_probe_read(f->plat, pa1, buf, sizeof(buf)), EFAULT);

	/* The last one: scrubbed, unprotected, reported free. */
	tc_free_ok(&f->tc, h2);
	st = tc_stats(f->plat, CMA);
	assert_false(st.lent);
	assert_int_equal(st.unlends, 1);
	assert_int_equal(st.firewall_regions, 0);
	assert_int_equal(st.largest_free, 0);
	assert_int_equal(st.bytes_used, 0);
	assert_int_equal(st.zallocs, 2);
	assert_int_equal(st.frees, 2);
	ps = plat_stats(f);
	assert_int_equal(ps.firewall_clears, ps0.firewall_clears + 1);
	assert_int_equal(ps.firewall_regions_in_use, 1);
	assert_neg_errno(rh_firewall_find(f->plat->firewall, f->cma_base, &idx), ENOENT);
	/* The normal world reads the pages back: zeros, no secret. */
	assert_int_equal(rh_phys_probe_read(f->plat, pa2, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, zero, sizeof(buf));
	assert_int_equal(rh_phys_probe_read(f->plat, pa1, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, zero, sizeof(buf));
	assert_int_equal(rh_device_dma_read(f->gpu, pa2, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, zero, sizeof(buf));

	/* A new session of secure playback lends it again. */
	h1 = zalloc_cma(f, MB, NULL, NULL);
	assert_int_equal(tc_stats(f->plat, CMA).lends, 2);
	assert_neg_errno(rh_phys_probe_read(f->plat, f->cma_base, buf, 1), EFAULT);
	tc_free_ok(&f->tc, h1);
	assert_int_equal(tc_stats(f->plat, CMA).unlends, 2);
}

static void test_cma_first_lend_failures(void **state)
{
	struct fixture *f = *state;
	struct rh_platform_stats ps0 = plat_stats(f);
	struct rh_secmem_stats st;
	unsigned int idx[3], i;
	unsigned char byte;
	uint64_t h = 0;

	/* Larger than the region: refused and the region is given back at once. */
	assert_int_equal(tc_zalloc(&f->tc, f->cma_size + 4 * KB, 4096, CMA, f->cma_base,
				   f->cma_size, NULL, NULL, NULL), OOM);
	st = tc_stats(f->plat, CMA);
	assert_false(st.lent);
	assert_int_equal(st.oom, 1);
	assert_int_equal(st.live_buffers, 0);
	assert_int_equal(st.firewall_regions, 0);
	assert_int_equal(plat_stats(f).firewall_regions_in_use, ps0.firewall_regions_in_use);
	assert_int_equal(rh_phys_probe_read(f->plat, f->cma_base, &byte, 1), 0);

	/* Every firewall region taken (4 on minimal.dts, 1 is the chunk's). */
	for (i = 0; i < 3; i++)
		assert_int_equal(rh_firewall_program(f->plat->firewall,
						     f->plat->desc.dram_base + i * MB,
						     RH_PAGE_SIZE, RH_FW_SECURE_ONLY,
						     &idx[i]), 0);
	assert_int_equal(tc_zalloc(&f->tc, MB, 4096, CMA, f->cma_base, f->cma_size, NULL,
				   NULL, NULL), OOM);
	st = tc_stats(f->plat, CMA);
	assert_false(st.lent);
	assert_int_equal(st.oom, 2);
	assert_int_equal(rh_phys_probe_read(f->plat, f->cma_base, &byte, 1), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(rh_firewall_clear(f->plat->firewall, idx[i]), 0);
	/* And it works once a region is free again. */
	assert_int_equal(tc_zalloc(&f->tc, MB, 4096, CMA, f->cma_base, f->cma_size, NULL,
				   NULL, &h), RH_TEEC_SUCCESS);
	tc_free_ok(&f->tc, h);
}

/* ------------------------------------------------------------ sessions, pins */

static void test_handles_belong_to_their_session(void **state)
{
	struct fixture *f = *state;
	struct rh_secmem_stats st;
	uint64_t h, h2, nr, pa, pa2, status;
	unsigned char sg[12];
	struct tc other;
	size_t sz = sizeof(sg);

	/* Both heaps open their own session to the one instance. */
	tc_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &other);
	h = tc_zalloc_tz(&f->tc, 8 * KB, &nr, &pa);
	memset(sec(f, pa, 8 * KB), 0x42, 8 * KB);
	/* To any other session the handle does not exist. */
	st = tc_stats(f->plat, TZ);
	assert_int_equal(tc_retrieve_sg(&other, h, sg, &sz), RH_TEEC_ERROR_ITEM_NOT_FOUND);
	status = 0;
	assert_int_equal(tc_free(&other, h, &status), RH_TEEC_SUCCESS);
	assert_int_equal(status, RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(tc_stats(f->plat, TZ).live_buffers, 1);
	assert_int_equal(tc_stats(f->plat, TZ).refused_handles, st.refused_handles + 2);
	assert_int_equal(sec(f, pa, 1)[0], 0x42);
	/* ... but the owner sees it. */
	sz = sizeof(sg);
	assert_int_equal(tc_retrieve_sg(&f->tc, h, sg, &sz), RH_TEEC_SUCCESS);

	/* The other session's own buffer is its own; closing it releases it. */
	h2 = tc_zalloc_tz(&other, 4 * KB, NULL, &pa2);
	memset(sec(f, pa2, 4 * KB), 0x43, 4 * KB);
	tc_close(&other);
	st = tc_stats(f->plat, TZ);
	assert_int_equal(st.live_buffers, 1);
	assert_true(all_zero(sec(f, pa2, 4 * KB), 4 * KB));
	status = 0;
	assert_int_equal(tc_free(&f->tc, h2, &status), RH_TEEC_SUCCESS);
	assert_int_equal(status, RH_TEEC_ERROR_ITEM_NOT_FOUND);

	/* The owner goes too: nothing it held survives it, scrubbed. */
	tc_close(&f->tc);
	assert_int_equal(tc_stats(f->plat, TZ).live_buffers, 0);
	assert_true(all_zero(sec(f, pa, 8 * KB), 8 * KB));
	tc_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &f->tc);
	status = 0;
	assert_int_equal(tc_free(&f->tc, h, &status), RH_TEEC_SUCCESS);
	assert_int_equal(status, RH_TEEC_ERROR_ITEM_NOT_FOUND);
}

/* Opens a session to the TA with @login on a kernel (@user false) or user context. */
static uint32_t open_with_login(struct fixture *f, bool user, uint32_t login,
				uint32_t *ret_origin)
{
	struct rh_tee_ioctl_open_session_arg arg = { 0 };
	struct rh_tee_context *ctx;
	int ret;

	ctx = rh_tee_context_open(f->plat, NULL, NULL, NULL, user);
	assert_false(RH_IS_ERR_OR_NULL(ctx));
	assert_int_equal(rh_uuid_parse(RH_TZ_TA_MEM_UUID_MTK, arg.uuid), 0);
	arg.clnt_login = login;
	ret = rh_tee_client_open_session(ctx, &arg, NULL);
	rh_tee_client_close_context(ctx);
	if (ret)
		return (uint32_t)ret;
	*ret_origin = arg.ret_origin;
	return arg.ret;
}

/* Only the kernel's own sessions reach the TA (OP-TEE's kernel-only TAs). */
static void test_kernel_only(void **state)
{
	struct fixture *f = *state;
	static const uint32_t user_logins[] = {
		RH_TEE_IOCTL_LOGIN_PUBLIC, RH_TEE_IOCTL_LOGIN_USER,
	};
	uint64_t denied = tc_stats(f->plat, TZ).access_denied;
	uint32_t origin;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		origin = 0;
		assert_int_equal(open_with_login(f, true, user_logins[i], &origin),
				 RH_TEEC_ERROR_ACCESS_DENIED);
		assert_int_equal(origin, RH_TEEC_ORIGIN_TRUSTED_APP);
		/* A kernel driver logging in as a user gets no more (v5 uses PUBLIC). */
		origin = 0;
		assert_int_equal(open_with_login(f, false, user_logins[i], &origin),
				 RH_TEEC_ERROR_ACCESS_DENIED);
		assert_int_equal(origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	}
	assert_int_equal(tc_stats(f->plat, TZ).access_denied, denied + 4);
	/* A user context cannot claim the kernel's login: refused before the TEE. */
	assert_int_equal(open_with_login(f, true, RH_TEE_IOCTL_LOGIN_REE_KERNEL, &origin),
			 (uint32_t)-EPERM);
	assert_int_equal(open_with_login(f, false, RH_TEE_IOCTL_LOGIN_REE_KERNEL, &origin),
			 RH_TEEC_SUCCESS);
	assert_int_equal(tc_stats(f->plat, TZ).access_denied, denied + 4);
}

/* The TA takes the dynamic region only as the normal world lent it. */
static void test_cma_claims(void **state)
{
	struct fixture *f = *state;
	struct rh_secmem_stats st0, st;
	uint64_t h, h2, pa;
	struct rh_tee_param p[4];
	unsigned char byte;
	struct tc other;

	/* Not lent at all (Linux still owns the pages): refused, nothing protected. */
	f->tc.no_lend = true;
	st0 = tc_stats(f->plat, CMA);
	assert_int_equal(tc_zalloc(&f->tc, MB, 4096, CMA, f->cma_base, f->cma_size, NULL, NULL,
				   &h), RH_TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(f->tc.origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	st = tc_stats(f->plat, CMA);
	assert_false(st.lent);
	assert_int_equal(st.lends, st0.lends);
	assert_int_equal(st.access_denied, st0.access_denied + 1);
	assert_int_equal(rh_phys_probe_read(f->plat, f->cma_base, &byte, 1), 0);

	/* Lent through another session: refused to us. */
	tc_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &other);
	assert_int_equal(rh_platform_lend_region(f->plat, f->cma_base, f->cma_size,
						 other.session), 0);
	assert_int_equal(tc_zalloc(&f->tc, MB, 4096, CMA, f->cma_base, f->cma_size, NULL, NULL,
				   &h), RH_TEEC_ERROR_ACCESS_DENIED);
	assert_false(tc_stats(f->plat, CMA).lent);

	/* The lender allocates; once lent, a stranger's claim is refused too. */
	other.no_lend = true;
	assert_int_equal(tc_zalloc(&other, MB, 4096, CMA, f->cma_base, f->cma_size, NULL, &pa,
				   &h), RH_TEEC_SUCCESS);
	assert_int_equal(rh_platform_lend_region(f->plat, f->cma_base, f->cma_size,
						 f->tc.session), 0);
	assert_int_equal(tc_zalloc(&f->tc, MB, 4096, CMA, f->cma_base, f->cma_size, NULL, NULL,
				   &h2), RH_TEEC_ERROR_ACCESS_DENIED);
	st = tc_stats(f->plat, CMA);
	assert_int_equal(st.live_buffers, 1);

	/* FREE reports the region's lend state in p1.b: lent (bit 0), lend count. */
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = h ^ 1;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	assert_int_equal(tc_invoke(&other, RH_MTK_TZCMD_SECMEM_FREE, p), RH_TEEC_SUCCESS);
	assert_int_equal(p[1].u.value.a, RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(p[1].u.value.b, st.lends << 1 | 1);
	p[0].u.value.a = h;
	p[1].u.value.a = p[1].u.value.b = 7;
	assert_int_equal(tc_invoke(&other, RH_MTK_TZCMD_SECMEM_FREE, p), RH_TEEC_SUCCESS);
	assert_int_equal(p[1].u.value.a, 0);
	assert_int_equal(p[1].u.value.b, st.lends << 1);
	assert_false(tc_stats(f->plat, CMA).lent);
	other.no_lend = false;
	tc_close(&other);
	f->tc.no_lend = false;
}

/* ZALLOC says in p3.b which lend of the dynamic region a buffer lives in. */
static void test_zalloc_reports_lend(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_param p[4];
	uint64_t lends = tc_stats(f->plat, CMA).lends;
	unsigned int round;

	for (round = 1; round <= 2; round++) {
		assert_int_equal(rh_platform_lend_region(f->plat, f->cma_base, f->cma_size,
							 f->tc.session), 0);
		memset(p, 0, sizeof(p));
		p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
		p[0].u.value.a = MB;
		p[0].u.value.b = 4096;
		p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
		p[1].u.value.a = CMA;
		p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
		p[2].u.value.a = f->cma_base;
		p[2].u.value.b = f->cma_size;
		p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
		assert_int_equal(tc_invoke(&f->tc, RH_MTK_TZCMD_SECMEM_ZALLOC, p),
				 RH_TEEC_SUCCESS);
		assert_int_equal(p[3].u.value.b, lends + round);
		tc_free_ok(&f->tc, p[3].u.value.a);
	}
	/* CM_TZ buffers live in no lend. */
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = MB;
	p[0].u.value.b = 4096;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = TZ;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	p[3].u.value.b = 5;
	assert_int_equal(tc_invoke(&f->tc, RH_MTK_TZCMD_SECMEM_ZALLOC, p), RH_TEEC_SUCCESS);
	assert_int_equal(p[3].u.value.b, 0);
	tc_free_ok(&f->tc, p[3].u.value.a);
}

/* A closing session gives the lent region back with its last buffer. */
static void test_session_close_unlends(void **state)
{
	struct fixture *f = *state;
	unsigned char byte;
	uint64_t pa;

	zalloc_cma(f, 2 * MB, NULL, &pa);
	zalloc_cma(f, 2 * MB, NULL, NULL);
	assert_true(tc_stats(f->plat, CMA).lent);
	memset(sec(f, pa, 64), 0x99, 64);
	tc_close(&f->tc);
	assert_false(tc_stats(f->plat, CMA).lent);
	assert_int_equal(rh_phys_probe_read(f->plat, pa, &byte, 1), 0);
	assert_int_equal(byte, 0);
	tc_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &f->tc);
}

struct free_job {
	struct tc *tc;
	uint64_t handle;
	uint64_t status;
	uint32_t res;
};

static void *free_thread(void *arg)
{
	struct free_job *job = arg;

	/* The owner's session, from another thread (the heaps free from any). */
	job->res = tc_free(job->tc, job->handle, &job->status);
	return NULL;
}

static void test_lookup_pins_buffer(void **state)
{
	struct fixture *f = *state;
	struct free_job job = { &f->tc, 0, ~0ULL, ~0u };
	struct rh_secmem_pin pin, other;
	uint64_t pa, refused;
	pthread_t thread;

	job.handle = tc_zalloc_tz(&f->tc, 16 * KB, NULL, &pa);
	assert_neg_errno(rh_secmem_lookup(NULL, job.handle, &pin), EINVAL);
	assert_neg_errno(rh_secmem_lookup(f->plat, job.handle, NULL), EINVAL);
	refused = tc_stats(f->plat, TZ).refused_handles;
	assert_neg_errno(rh_secmem_lookup(f->plat, job.handle ^ 0x80, &other),
			 ENOENT);
	assert_neg_errno(rh_secmem_lookup(f->plat, 0, &other), ENOENT);
	assert_int_equal(tc_stats(f->plat, TZ).refused_handles, refused + 2);
	rh_secmem_unpin(f->plat, NULL);

	assert_int_equal(rh_secmem_lookup(f->plat, job.handle, &pin), 0);
	assert_int_equal(pin.handle, job.handle);
	assert_int_equal(pin.type, TZ);
	assert_int_equal(pin.size, 16 * KB);
	assert_int_equal(pin.nr_extents, 1);
	assert_int_equal(pin.extents[0].pa, pa);
	assert_int_equal(pin.extents[0].len, 16 * KB);
	memset(sec(f, pa, 16 * KB), 0x3c, 16 * KB);

	/* FREE unpublishes at once but waits for the pin before scrubbing. */
	assert_int_equal(pthread_create(&thread, NULL, free_thread, &job), 0);
	while (rh_secmem_lookup(f->plat, job.handle, &other) == 0) {
		rh_secmem_unpin(f->plat, &other);
		sched_yield();
	}
	assert_int_equal(tc_stats(f->plat, TZ).live_buffers, 1);
	assert_int_equal(tc_stats(f->plat, TZ).bytes_used, 16 * KB);
	assert_int_equal(sec(f, pa, 16 * KB)[16 * KB - 1], 0x3c);
	rh_secmem_unpin(f->plat, &pin);
	assert_null(pin.buf);
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(job.res, RH_TEEC_SUCCESS);
	assert_int_equal(job.status, 0);
	assert_int_equal(tc_stats(f->plat, TZ).live_buffers, 0);
	assert_true(all_zero(sec(f, pa, 16 * KB), 16 * KB));
}

/* ------------------------------------------------------------ fail-nth */

struct sweep {
	struct fixture *f;
	uint64_t type;
	uint64_t size;
	uint64_t handle;
	struct rh_secmem_stats tz, cma;
	unsigned int fw_in_use;
};

static int sweep_op(void *arg)
{
	struct sweep *s = arg;
	uint64_t base = s->type == CMA ? s->f->cma_base : 0;
	uint64_t size = s->type == CMA ? s->f->cma_size : 0;

	return rh_tee_result_to_errno(tc_zalloc(&s->f->tc, s->size, 4096, s->type, base,
						size, NULL, NULL, &s->handle));
}

static void sweep_undo(void *arg)
{
	struct sweep *s = arg;

	tc_free_ok(&s->f->tc, s->handle);
}

/* What the pools hold must be as before; only the counters may move. */
static void state_equal(const struct rh_secmem_stats *a, const struct rh_secmem_stats *b)
{
	assert_int_equal(a->lent, b->lent);
	assert_int_equal(a->bytes_used, b->bytes_used);
	assert_int_equal(a->live_buffers, b->live_buffers);
	assert_int_equal(a->live_extents, b->live_extents);
	assert_int_equal(a->largest_free, b->largest_free);
	assert_int_equal(a->free_blocks, b->free_blocks);
	assert_int_equal(a->firewall_regions, b->firewall_regions);
	assert_int_equal(a->bad_params, b->bad_params);
	assert_int_equal(a->refused_handles, b->refused_handles);
}

static void sweep_check(void *arg)
{
	struct sweep *s = arg;
	struct rh_secmem_stats tz = tc_stats(s->f->plat, TZ), cma = tc_stats(s->f->plat, CMA);

	state_equal(&tz, &s->tz);
	state_equal(&cma, &s->cma);
	assert_int_equal(plat_stats(s->f).firewall_regions_in_use, s->fw_in_use);
}

static unsigned int sweep(struct fixture *f, uint64_t type, uint64_t size)
{
	struct sweep s = { .f = f, .type = type, .size = size };
	struct rh_secmem_stats before;
	unsigned int sites;

	s.tz = tc_stats(f->plat, TZ);
	s.cma = tc_stats(f->plat, CMA);
	s.fw_in_use = plat_stats(f).firewall_regions_in_use;
	before = tc_stats(f->plat, type);
	sites = rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_check, &s);
	/* Every injected failure was answered OOM and counted as such. */
	assert_int_equal(tc_stats(f->plat, type).oom, before.oom + sites);
	return sites;
}

static void test_fail_nth_zalloc(void **state)
{
	struct fixture *f = *state;
	uint64_t h[4];
	unsigned int i;

	/* Contiguous CM_TZ, first and later allocations. */
	assert_true(sweep(f, TZ, 64 * KB) >= 1);
	h[0] = tc_zalloc_tz(&f->tc, 64 * KB, NULL, NULL);
	assert_true(sweep(f, TZ, 64 * KB) >= 1);
	tc_free_ok(&f->tc, h[0]);

	/* Discontiguous: the chunk in four, two holes. */
	for (i = 0; i < 4; i++)
		h[i] = tc_zalloc_tz(&f->tc, 8 * MB, NULL, NULL);
	tc_free_ok(&f->tc, h[0]);
	tc_free_ok(&f->tc, h[2]);
	assert_true(sweep(f, TZ, 12 * MB) >= 2);
	tc_free_ok(&f->tc, h[1]);
	tc_free_ok(&f->tc, h[3]);

	/* CM_CMA: the first request lends the region (allocator + firewall). */
	assert_true(sweep(f, CMA, MB) >= 2);
	assert_false(tc_stats(f->plat, CMA).lent);
}

/* ------------------------------------------------------------ threads */

struct worker {
	struct fixture *f;
	unsigned int seed;
	unsigned int errors;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t held[8] = { 0 };
	unsigned int i, slot;
	/* One session from two threads, as a heap's allocations are. */
	struct tc tc = w->f->tc;

	for (i = 0; i < 400; i++) {
		uint64_t type = (rand_r(&w->seed) & 1) ? TZ : CMA;
		uint64_t size = (1 + rand_r(&w->seed) % 64) * RH_PAGE_SIZE;
		uint64_t status = 1;

		slot = (unsigned int)rand_r(&w->seed) % 8;
		if (held[slot]) {
			if (tc_free(&tc, held[slot], &status) || status)
				w->errors++;
			held[slot] = 0;
			continue;
		}
		if (tc_zalloc(&tc, size, 4096, type, type == CMA ? w->f->cma_base : 0,
			      type == CMA ? w->f->cma_size : 0, NULL, NULL, &held[slot]))
			w->errors++;
	}
	for (slot = 0; slot < 8; slot++) {
		uint64_t status = 1;

		if (held[slot] && (tc_free(&tc, held[slot], &status) || status))
			w->errors++;
	}
	return NULL;
}

static void test_two_threads(void **state)
{
	struct fixture *f = *state;
	struct worker w[2] = { { f, 1, 0 }, { f, 2, 0 } };
	struct rh_secmem_stats tz, cma;
	pthread_t t[2];
	unsigned int i;

	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].errors, 0);
	}
	tz = tc_stats(f->plat, TZ);
	cma = tc_stats(f->plat, CMA);
	assert_int_equal(tz.zallocs, tz.frees);
	assert_int_equal(cma.zallocs, cma.frees);
	assert_true(tz.zallocs > 0 && cma.zallocs > 0);
	assert_int_equal(cma.lends, cma.unlends);
	assert_int_equal(plat_stats(f).firewall_regions_in_use, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_boot_state),
		cmocka_unit_test(test_platform_without_pools),
		cmocka_unit_test(test_no_secure_state),
		T(test_zalloc_tz),
		T(test_zalloc_bad_parameters),
		T(test_alignment),
		T(test_exhaustion_oom),
		T(test_coalescing),
		T(test_discontiguous_retrieve_sg),
		T(test_discontiguous_entry_bound),
		T(test_zero_on_alloc_exact),
		T(test_scrub_on_free),
		T(test_zero_once),
		T(test_zero_once_after_secure_writes),
		T(test_zero_once_relend),
		T(test_handles_unguessable),
		T(test_forged_and_double_free),
		T(test_cma_lend_and_return),
		T(test_cma_first_lend_failures),
		T(test_handles_belong_to_their_session),
		T(test_session_close_unlends),
		T(test_kernel_only),
		T(test_cma_claims),
		T(test_zalloc_reports_lend),
		T(test_lookup_pins_buffer),
		T(test_fail_nth_zalloc),
		T(test_two_threads),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
