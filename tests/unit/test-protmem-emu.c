// SPDX-License-Identifier: MIT
/* Unit tests of the secure world's protected memory (emu/optee/protmem.c): config, lend, reclaim, holds. */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/device-bus.h>
#include <rheap/device.h>
#include <rheap/firewall.h>
#include <rheap/phys.h>
#include <rheap/platform.h>
#include <rheap/secure-stats.h>
#include <rheap/tee-backend.h>
#include <rheap/tee-protmem.h>
#include <rheap/tee.h>

#include "emu.h"
#include "internal.h"
#include "protmem-client.h"
#include "rh-test.h"

#define MB (1024ULL * 1024)
#define VIDEO RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY
#define UI RH_OPTEE_MSG_PROTMEM_TRUSTED_UI
#define RECORD RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_RECORD
#define BADP RH_TEEC_ERROR_BAD_PARAMETERS
#define COOKIE 0x5e000001ull

/* The secure world's configuration in platforms/optee-protmem.dts. */
#define VIDEO_MIN (512 * MB)
#define VIDEO_ALIGN (2 * MB)
#define RECORD_MIN (64 * MB)

struct fixture {
	struct rh_platform *plat;
	const struct rh_reserved_region *cma, *carveout;
	struct rh_device *vdec, *display, *gpu, *camera, *venc;
	uint32_t session;
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
	f->camera = rh_device_find(f->plat, "camera");
	f->venc = rh_device_find(f->plat, "venc");
	assert_non_null(f->cma);
	assert_non_null(f->carveout);
	assert_non_null(f->vdec);
	assert_non_null(f->venc);
	pmc_probe_add(f->plat);
	assert_int_equal(pmc_probe_open(f->plat, &f->session), RH_TEEC_SUCCESS);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pmc_probe_close(f->plat, f->session);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static struct rh_protmem_stats pm_stats(struct fixture *f, uint32_t use_case)
{
	struct rh_protmem_stats st;

	assert_int_equal(rh_protmem_get_stats(f->plat, use_case, &st), 0);
	return st;
}

/* The normal world's record that its TEE driver hands [base, +size) over. */
static void hand_over(struct fixture *f, uint64_t base, uint64_t size)
{
	assert_int_equal(rh_platform_lend_region(f->plat, base, size, RH_LEND_TEE_DRIVER), 0);
}

static void take_back(struct fixture *f, uint64_t base, uint64_t size)
{
	rh_platform_reclaim_region(f->plat, base, size);
}

static void lend_video(struct fixture *f, uint64_t base, uint64_t cookie)
{
	hand_over(f, base, VIDEO_MIN);
	assert_int_equal(pmc_lend(f->plat, VIDEO, base, VIDEO_MIN, cookie), RH_TEEC_SUCCESS);
}

static void reclaim_video(struct fixture *f, uint64_t base, uint64_t cookie)
{
	assert_int_equal(pmc_reclaim(f->plat, cookie), RH_TEEC_SUCCESS);
	take_back(f, base, VIDEO_MIN);
}

/* ------------------------------------------------------------ boot */

static void test_boot_carveout(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_protmem_caps caps;
	const struct rh_tee_ops *ops;
	struct rh_protmem_stats st;
	unsigned char probe[16];
	struct rh_fw_region r;
	unsigned int i, found = 0;
	void *priv;

	/* The fast calls: a carveout for the trusted UI, lends for the rest. */
	assert_int_equal(rh_platform_get_default_tee_backend(f->plat, &ops, &priv), 0);
	assert_int_equal(rh_tee_ops_protmem_caps(ops, priv, &caps), 0);
	assert_int_equal(caps.flags, RH_TEE_PROTMEM_CAP_STATIC | RH_TEE_PROTMEM_CAP_DYNAMIC);
	assert_int_equal(caps.static_use_case, UI);
	assert_int_equal(caps.static_base, f->carveout->base);
	assert_int_equal(caps.static_size, f->carveout->size);
	assert_int_equal(caps.pa_width, 64);

	/* Protected from boot: one firewall region admitting the display only. */
	for (i = 0; i < rh_platform_get_desc(f->plat)->firewall_regions; i++) {
		assert_int_equal(rh_phys_firewall_region(f->plat, i, &r), 0);
		if (!r.in_use)
			continue;
		found++;
		assert_int_equal(r.base, f->carveout->base);
		assert_int_equal(r.size, f->carveout->size);
		assert_int_equal(r.masters, RH_FW_MASTER(rh_device_master_id(f->display)));
	}
	assert_int_equal(found, 1);
	assert_neg_errno(rh_phys_probe_read(f->plat, f->carveout->base, probe, sizeof(probe)),
			 EFAULT);
	/* Its master holds secure mode for good, with a window over all of it. */
	assert_true(rh_device_is_secure(f->display));
	assert_int_equal(rh_emu_device_secure_refs(f->display), 1);
	assert_int_equal(rh_firewall_window_count(f->plat->firewall,
						  rh_device_master_id(f->display)), 1);
	assert_int_equal(rh_device_dma_read(f->display, f->carveout->base, probe, sizeof(probe)),
			 0);
	assert_neg_errno(rh_device_dma_read(f->gpu, f->carveout->base, probe, sizeof(probe)),
			 EACCES);
	assert_false(rh_device_is_secure(f->vdec));

	st = pm_stats(f, UI);
	assert_true(st.configured);
	assert_false(st.dynamic);
	assert_int_equal(st.ranges, 1);
	assert_int_equal(st.bytes, f->carveout->size);
	assert_int_equal(st.peak_bytes, f->carveout->size);
	assert_int_equal(st.masters, 1);
	st = pm_stats(f, VIDEO);
	assert_true(st.configured);
	assert_true(st.dynamic);
	assert_int_equal(st.min_size, VIDEO_MIN);
	assert_int_equal(st.alignment, VIDEO_ALIGN);
	assert_int_equal(st.masters, 2);
	assert_int_equal(st.ranges, 0);
	st = pm_stats(f, 0);
	assert_int_equal(st.masters, 5);
	assert_int_equal(st.ranges, 1);
	assert_int_equal(st.dynamic, false);

	assert_neg_errno(rh_protmem_get_stats(NULL, 0, &st), EINVAL);
	assert_neg_errno(rh_protmem_get_stats(f->plat, 4, &st), EINVAL);
	assert_neg_errno(rh_protmem_get_stats(f->plat, 0, NULL), EINVAL);
}

/* A platform whose TEE has no protected memory: every request NOT_SUPPORTED. */
static void test_no_protmem(void **state)
{
	struct rh_tee_protmem_caps caps;
	const struct rh_tee_ops *ops;
	struct rh_protmem_stats st;
	struct rh_platform *plat;
	const void *dtb;
	size_t size;
	void *priv;

	(void)state;
	dtb = rh_platform_default_dtb(&size);
	pmc_platform(dtb, size, &plat);
	assert_int_equal(rh_platform_get_default_tee_backend(plat, &ops, &priv), 0);
	assert_int_equal(rh_tee_ops_protmem_caps(ops, priv, &caps), 0);
	assert_int_equal(caps.flags, 0);
	assert_neg_errno(rh_protmem_get_stats(plat, 0, &st), ENODEV);
	assert_int_equal(pmc_config(plat, VIDEO, NULL, NULL, NULL), RH_TEEC_ERROR_NOT_SUPPORTED);
	assert_int_equal(pmc_lend(plat, VIDEO, 0x80000000, VIDEO_MIN, COOKIE),
			 RH_TEEC_ERROR_NOT_SUPPORTED);
	assert_int_equal(pmc_reclaim(plat, COOKIE), RH_TEEC_ERROR_NOT_SUPPORTED);
	rh_platform_unref(plat);
}

/* ------------------------------------------------------------ GET_PROTMEM_CONFIG */

static void test_config_two_passes(void **state)
{
	struct fixture *f = *state;
	uint32_t attrs[4], want;
	uint64_t vals[3];
	size_t size = 0;
	uint64_t configs = pm_stats(f, 0).configs;

	/* First pass: no buffer, the size it takes. */
	assert_int_equal(pmc_config(f->plat, VIDEO, NULL, &size, vals),
			 RH_TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(size, 2 * sizeof(uint32_t));
	assert_int_equal(vals[0], VIDEO_MIN);
	assert_int_equal(vals[1], VIDEO_ALIGN);
	assert_int_equal(vals[2], 64);
	/* A buffer too small is a short buffer too. */
	size = sizeof(uint32_t);
	assert_int_equal(pmc_config(f->plat, VIDEO, attrs, &size, vals),
			 RH_TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(size, 2 * sizeof(uint32_t));
	/* Second pass: one attribute a master, master id and access. */
	memset(attrs, 0xee, sizeof(attrs));
	size = sizeof(attrs);
	assert_int_equal(pmc_config(f->plat, VIDEO, attrs, &size, vals), RH_TEEC_SUCCESS);
	assert_int_equal(size, 2 * sizeof(uint32_t));
	want = RH_PROTMEM_ATTR(rh_device_master_id(f->vdec),
			       RH_PROTMEM_ACCESS_READ | RH_PROTMEM_ACCESS_WRITE);
	assert_int_equal(le32toh(attrs[0]), want);
	assert_int_equal(RH_PROTMEM_ATTR_MASTER(le32toh(attrs[1])),
			 rh_device_master_id(f->display));
	assert_int_equal(RH_PROTMEM_ATTR_ACCESS(le32toh(attrs[1])), RH_PROTMEM_ACCESS_READ);
	assert_int_equal(attrs[2], 0xeeeeeeeeu); /* nothing past what it reported */

	size = sizeof(attrs);
	assert_int_equal(pmc_config(f->plat, RECORD, attrs, &size, vals), RH_TEEC_SUCCESS);
	assert_int_equal(vals[0], RECORD_MIN);
	assert_int_equal(RH_PROTMEM_ATTR_MASTER(le32toh(attrs[0])),
			 rh_device_master_id(f->camera));
	assert_int_equal(RH_PROTMEM_ATTR_ACCESS(le32toh(attrs[0])), RH_PROTMEM_ACCESS_WRITE);

	/* The carveout's use case is not lent: nothing to configure. */
	assert_int_equal(pmc_config(f->plat, UI, NULL, NULL, NULL), RH_TEEC_ERROR_NOT_SUPPORTED);
	/* No such use case. */
	assert_int_equal(pmc_config(f->plat, 0, NULL, NULL, NULL), BADP);
	assert_int_equal(pmc_config(f->plat, 4, NULL, NULL, NULL), BADP);
	assert_int_equal(pmc_config(f->plat, 1ull << 32 | VIDEO, NULL, NULL, NULL), BADP);
	assert_int_equal(pm_stats(f, 0).configs, configs + 8);
}

/* ------------------------------------------------------------ LEND / RECLAIM */

static void test_lend_and_reclaim(void **state)
{
	struct fixture *f = *state;
	uint64_t base = f->cma->base, out[3];
	unsigned char pix[64], back[64];
	struct rh_platform_stats ps0, ps;
	struct pmc_mem mem = { .cookie = COOKIE, .offs = 4096, .size = sizeof(pix) };
	struct rh_protmem_stats st;

	assert_int_equal(rh_platform_get_stats(f->plat, &ps0), 0);
	lend_video(f, base, COOKIE);
	/* One more firewall region; the normal view is gone. */
	assert_int_equal(rh_platform_get_stats(f->plat, &ps), 0);
	assert_int_equal(ps.firewall_regions_in_use, ps0.firewall_regions_in_use + 1);
	assert_neg_errno(rh_phys_probe_read(f->plat, base, back, 1), EFAULT);
	/* The use case's masters are secure and mapped; the display counts twice. */
	assert_true(rh_device_is_secure(f->vdec));
	assert_int_equal(rh_emu_device_secure_refs(f->vdec), 1);
	assert_int_equal(rh_emu_device_secure_refs(f->display), 2);
	assert_false(rh_device_is_secure(f->camera));
	memset(pix, 0x3c, sizeof(pix));
	assert_int_equal(rh_device_dma_write(f->vdec, base + 8192, pix, sizeof(pix)), 0);
	assert_int_equal(rh_device_dma_read(f->display, base + 8192, back, sizeof(back)), 0);
	assert_memory_equal(back, pix, sizeof(pix));
	/* The display only reads, the gpu and the camera are not admitted. */
	assert_neg_errno(rh_device_dma_read(f->gpu, base, back, 1), EACCES);
	assert_neg_errno(rh_device_dma_read(f->camera, base, back, 1), EACCES);

	/* A TA writes through the lend's cookie, sees protected memory of the use case. */
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_FILL, &mem, 0x5a, NULL), 0);
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_READ, &mem, 0, out), 0);
	assert_int_equal(out[0], VIDEO);
	assert_int_equal(out[1], 0x5a * sizeof(pix));
	/* ... and by physical address, the same bytes. */
	mem.cookie = 0;
	mem.pa = base + 4096;
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_READ, &mem, 0, out), 0);
	assert_int_equal(out[0], VIDEO);
	assert_int_equal(out[2], 0x5a);
	st = pm_stats(f, VIDEO);
	assert_int_equal(st.ranges, 1);
	assert_int_equal(st.bytes, VIDEO_MIN);
	assert_int_equal(st.lends, 1);
	assert_int_equal(st.held, 0);

	reclaim_video(f, base, COOKIE);
	/* Masters out, region gone, what the secure side wrote scrubbed. */
	assert_false(rh_device_is_secure(f->vdec));
	assert_int_equal(rh_emu_device_secure_refs(f->display), 1);
	assert_int_equal(rh_firewall_window_count(f->plat->firewall,
						  rh_device_master_id(f->vdec)), 0);
	assert_int_equal(rh_platform_get_stats(f->plat, &ps), 0);
	assert_int_equal(ps.firewall_regions_in_use, ps0.firewall_regions_in_use);
	assert_int_equal(rh_phys_probe_read(f->plat, base + 4096, back, sizeof(back)), 0);
	assert_int_equal(back[0], 0);
	assert_int_equal(rh_phys_probe_read(f->plat, base + 8192, back, sizeof(back)), 0);
	assert_memory_equal(back, (unsigned char[64]){ 0 }, sizeof(back));
	st = pm_stats(f, VIDEO);
	assert_int_equal(st.ranges, 0);
	assert_int_equal(st.reclaims, 1);
	assert_int_equal(st.peak_bytes, VIDEO_MIN);
	assert_true(st.bytes_scrubbed > 0);
	assert_true(st.bytes_scrubbed < VIDEO_MIN); /* only what was written */
	/* The cookie is gone: a call naming it finds nothing. */
	mem.cookie = COOKIE;
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_READ, &mem, 0, out), BADP);
	mem.cookie = 0;
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_READ, &mem, 0, out), BADP);

	/* Lent again later: the next cycle works the same. */
	lend_video(f, base, COOKIE + 1);
	reclaim_video(f, base, COOKIE + 1);
	assert_int_equal(pm_stats(f, VIDEO).lends, 2);
}

static void test_lend_refused(void **state)
{
	struct fixture *f = *state;
	uint64_t base = f->cma->base, refused = pm_stats(f, 0).refused_lends;
	struct rh_platform_stats ps0, ps;
	unsigned char b;

	assert_int_equal(rh_platform_get_stats(f->plat, &ps0), 0);
	/* Memory the normal world did not hand over. */
	assert_int_equal(pmc_lend(f->plat, VIDEO, base, VIDEO_MIN, COOKIE),
			 RH_TEEC_ERROR_ACCESS_DENIED);
	/* Handed over through a TA session (the MTK heap's record): not this lend's. */
	assert_int_equal(rh_platform_lend_region(f->plat, base, VIDEO_MIN, 0x105), 0);
	assert_int_equal(pmc_lend(f->plat, VIDEO, base, VIDEO_MIN, COOKIE),
			 RH_TEEC_ERROR_ACCESS_DENIED);
	take_back(f, base, VIDEO_MIN);
	/* Handed over, but a different range than the one claimed. */
	hand_over(f, base, VIDEO_MIN);
	assert_int_equal(pmc_lend(f->plat, VIDEO, base, VIDEO_MIN + VIDEO_ALIGN, COOKIE),
			 RH_TEEC_ERROR_ACCESS_DENIED);
	/* Use cases: none, unknown, the carveout's. */
	assert_int_equal(pmc_lend(f->plat, 0, base, VIDEO_MIN, COOKIE), BADP);
	assert_int_equal(pmc_lend(f->plat, 4, base, VIDEO_MIN, COOKIE), BADP);
	assert_int_equal(pmc_lend(f->plat, UI, base, VIDEO_MIN, COOKIE), BADP);
	/* Alignment (granularity, the use case's), minimum size. */
	assert_int_equal(pmc_lend(f->plat, VIDEO, base + 4096, VIDEO_MIN, COOKIE), BADP);
	assert_int_equal(pmc_lend(f->plat, VIDEO, base + 1, VIDEO_MIN, COOKIE), BADP);
	assert_int_equal(pmc_lend(f->plat, VIDEO, base, VIDEO_MIN + 1, COOKIE), BADP);
	assert_int_equal(pmc_lend(f->plat, VIDEO, base, VIDEO_MIN - VIDEO_ALIGN, COOKIE), BADP);
	/* Not DRAM; the carveout (protected, and reserved for the secure world). */
	assert_int_equal(pmc_lend(f->plat, VIDEO, 0x200000000ull, VIDEO_MIN, COOKIE), BADP);
	assert_int_equal(pmc_lend(f->plat, VIDEO, f->carveout->base & ~(VIDEO_ALIGN - 1),
				  VIDEO_MIN, COOKIE),
			 BADP);
	assert_int_equal(pm_stats(f, 0).refused_lends, refused + 12);
	/* Nothing of it changed anything. */
	assert_int_equal(rh_platform_get_stats(f->plat, &ps), 0);
	assert_int_equal(ps.firewall_regions_in_use, ps0.firewall_regions_in_use);
	assert_false(rh_device_is_secure(f->vdec));
	assert_int_equal(rh_phys_probe_read(f->plat, base, &b, 1), 0);
	assert_int_equal(pm_stats(f, VIDEO).ranges, 0);

	/* Lent: the same cookie again, or a range overlapping it, is refused. */
	assert_int_equal(pmc_lend(f->plat, VIDEO, base, VIDEO_MIN, COOKIE), RH_TEEC_SUCCESS);
	hand_over(f, base + VIDEO_MIN, RECORD_MIN);
	assert_int_equal(pmc_lend(f->plat, RECORD, base + VIDEO_MIN, RECORD_MIN, COOKIE), BADP);
	assert_int_equal(pmc_lend(f->plat, VIDEO, base, VIDEO_MIN, COOKIE + 1), BADP);
	/* A second use case beside it is fine. */
	assert_int_equal(pmc_lend(f->plat, RECORD, base + VIDEO_MIN, RECORD_MIN, COOKIE + 2),
			 RH_TEEC_SUCCESS);
	assert_true(rh_device_is_secure(f->camera));
	assert_true(rh_device_is_secure(f->venc));
	assert_int_equal(pmc_reclaim(f->plat, COOKIE + 2), RH_TEEC_SUCCESS);
	take_back(f, base + VIDEO_MIN, RECORD_MIN);
	assert_false(rh_device_is_secure(f->camera));
	reclaim_video(f, base, COOKIE);
}

/* Each lend takes a firewall region: the secure world runs out of them. */
static void test_lend_out_of_regions(void **state)
{
	struct fixture *f = *state;
	uint64_t base = f->cma->base;
	unsigned int nr = 0, i;
	struct rh_platform_stats ps;
	uint32_t res;

	for (;;) {
		hand_over(f, base + nr * RECORD_MIN, RECORD_MIN);
		res = pmc_lend(f->plat, RECORD, base + nr * RECORD_MIN, RECORD_MIN, COOKIE + nr);
		if (res)
			break;
		nr++;
	}
	/* The TZC-400 has 8 regions, the carveout uses one. */
	assert_int_equal(res, RH_TEEC_ERROR_OUT_OF_MEMORY);
	assert_int_equal(nr, 7);
	assert_int_equal(rh_platform_get_stats(f->plat, &ps), 0);
	assert_int_equal(ps.firewall_regions_in_use, 8);
	/* The refused one left its masters as they were. */
	assert_int_equal(rh_emu_device_secure_refs(f->camera), nr);
	take_back(f, base + nr * RECORD_MIN, RECORD_MIN);
	for (i = 0; i < nr; i++) {
		assert_int_equal(pmc_reclaim(f->plat, COOKIE + i), RH_TEEC_SUCCESS);
		take_back(f, base + i * RECORD_MIN, RECORD_MIN);
	}
	assert_int_equal(rh_emu_device_secure_refs(f->camera), 0);
	assert_int_equal(pm_stats(f, RECORD).peak_bytes, 7 * RECORD_MIN);
}

static void test_reclaim_refused(void **state)
{
	struct fixture *f = *state;
	uint64_t base = f->cma->base, out[3];
	struct pmc_mem mem = { .cookie = COOKIE, .offs = 0, .size = 4096 };
	struct rh_protmem_stats st0 = pm_stats(f, 0), st;

	/* Nothing lent under that cookie. */
	assert_int_equal(pmc_reclaim(f->plat, COOKIE), RH_TEEC_ERROR_ITEM_NOT_FOUND);
	lend_video(f, base, COOKIE);
	assert_int_equal(pmc_reclaim(f->plat, COOKIE + 1), RH_TEEC_ERROR_ITEM_NOT_FOUND);

	/* A TA keeps holding it: reclaim is refused until it lets go. */
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_HOLD, &mem, 0, out), 0);
	assert_int_equal(out[0], 0);
	assert_int_equal(pm_stats(f, VIDEO).held, 1);
	assert_int_equal(pmc_reclaim(f->plat, COOKIE), RH_TEEC_ERROR_BUSY);
	assert_true(rh_device_is_secure(f->vdec)); /* still lent, untouched */
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_RELEASE, NULL, 0, NULL), 0);
	assert_int_equal(pm_stats(f, VIDEO).held, 0);

	/* Normal memory cannot be held. */
	{
		unsigned char normal[64];

		assert_int_equal(pmc_register_shm(f->plat, normal, sizeof(normal), 0x7e5711), 0);
		mem.cookie = 0x7e5711;
		mem.size = sizeof(normal);
		assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_HOLD, &mem, 0, out), 0);
		assert_int_equal((int64_t)out[0], -EINVAL);
		assert_int_equal(pmc_unregister_shm(f->plat, 0x7e5711), 0);
	}
	reclaim_video(f, base, COOKIE);

	/* Closing the session lets go of what it held. */
	lend_video(f, base, COOKIE);
	mem.cookie = COOKIE;
	mem.size = 4096;
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_HOLD, &mem, 0, out), 0);
	assert_int_equal(pmc_reclaim(f->plat, COOKIE), RH_TEEC_ERROR_BUSY);
	pmc_probe_close(f->plat, f->session);
	assert_int_equal(pmc_probe_open(f->plat, &f->session), 0);
	reclaim_video(f, base, COOKIE);

	st = pm_stats(f, 0);
	assert_int_equal(st.unknown_reclaims, st0.unknown_reclaims + 2);
	assert_int_equal(st.busy_reclaims, st0.busy_reclaims + 2);
}

/* TA memrefs: inside the lend, the carveout, or nothing. */
static void test_memrefs(void **state)
{
	struct fixture *f = *state;
	uint64_t base = f->cma->base, out[3];
	struct pmc_mem mem = { .cookie = COOKIE };

	lend_video(f, base, COOKIE);
	/* The last byte; one byte past; offset + size wrapping. */
	mem.offs = VIDEO_MIN - 1;
	mem.size = 1;
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_READ, &mem, 0, out), 0);
	mem.size = 2;
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_READ, &mem, 0, out), BADP);
	mem.offs = 2;
	mem.size = UINT64_MAX;
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_READ, &mem, 0, out), BADP);
	/* By address: inside the carveout (its own use case), or normal memory. */
	mem.cookie = 0;
	mem.pa = f->carveout->base + 100;
	mem.size = 16;
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_READ, &mem, 0, out), 0);
	assert_int_equal(out[0], UI);
	mem.pa = f->carveout->base + f->carveout->size - 8;
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_READ, &mem, 0, out), BADP);
	mem.pa = base + VIDEO_MIN;
	mem.size = 1;
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_READ, &mem, 0, out), BADP);
	mem.pa = base - 8;
	mem.size = 16;
	assert_int_equal(pmc_probe(f->plat, f->session, PMC_PROBE_READ, &mem, 0, out), BADP);
	assert_int_equal(pm_stats(f, 0).held, 0);
	reclaim_video(f, base, COOKIE);
}

/* ------------------------------------------------------------ configuration */

#define BAD_DT(name) { #name, rh_test_dtb_##name, &rh_test_dtb_##name##_size }
#define DECLARE_DT(name) \
	extern const unsigned char rh_test_dtb_##name[]; \
	extern const size_t rh_test_dtb_##name##_size
DECLARE_DT(protmem_bad_alignment);
DECLARE_DT(protmem_bad_use_case);
DECLARE_DT(protmem_carveout_mapped);
DECLARE_DT(protmem_duplicate_use_case);
DECLARE_DT(protmem_master_bad_access);
DECLARE_DT(protmem_master_not_device);
DECLARE_DT(protmem_master_not_secure);
DECLARE_DT(protmem_master_odd_cells);
DECLARE_DT(protmem_master_twice);
DECLARE_DT(protmem_min_size_unaligned);
DECLARE_DT(protmem_no_min_size);
DECLARE_DT(protmem_two_carveouts);

/* A bad secure-world configuration fails the boot, naming node and property. */
static void test_bad_configuration(void **state)
{
	static const struct {
		const char *name;
		const unsigned char *dtb;
		const size_t *size;
	} bad[] = {
		BAD_DT(protmem_bad_alignment), BAD_DT(protmem_bad_use_case),
		BAD_DT(protmem_carveout_mapped), BAD_DT(protmem_duplicate_use_case),
		BAD_DT(protmem_master_bad_access), BAD_DT(protmem_master_not_device),
		BAD_DT(protmem_master_not_secure), BAD_DT(protmem_master_odd_cells),
		BAD_DT(protmem_master_twice), BAD_DT(protmem_min_size_unaligned),
		BAD_DT(protmem_no_min_size), BAD_DT(protmem_two_carveouts),
	};
	struct rh_platform *plat = NULL;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%s\n", bad[i].name);
		assert_neg_errno(pmc_platform_try(bad[i].dtb, *bad[i].size, &plat), EINVAL);
		assert_null(plat);
	}
	/* The tests' board: the same with the SDP dump allowed. */
	pmc_platform(rh_test_dtb_protmem_dump_allowed, rh_test_dtb_protmem_dump_allowed_size,
		     &plat);
	rh_platform_unref(plat);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_boot_carveout),
		cmocka_unit_test(test_no_protmem),
		T(test_config_two_passes),
		T(test_lend_and_reclaim),
		T(test_lend_refused),
		T(test_lend_out_of_regions),
		T(test_reclaim_refused),
		T(test_memrefs),
		cmocka_unit_test(test_bad_configuration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
