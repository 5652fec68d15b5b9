// SPDX-License-Identifier: MIT
/* Helpers of the fuzz targets: a small platform built once, and the check that an input left it clean. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <libfdt.h>

#include <rheap/dma-buf.h>
#include <rheap/heaps/restricted-mtk.h>
#include <rheap/secure-stats.h>
#include <rheap/tee-secmem.h>
#include <rheap/uapi.h>

#include "fuzz-common.h"

void fuzz_fail(const char *target, const char *what)
{
	fprintf(stderr, "%s: %s\n", target, what);
	abort();
}

static void fdt_must(int ret, const char *what)
{
	if (ret)
		fuzz_fail("fuzz platform", what);
}

static void prop_reg(void *fdt, uint64_t base, uint64_t size)
{
	fdt32_t reg[4] = {
		cpu_to_fdt32((uint32_t)(base >> 32)), cpu_to_fdt32((uint32_t)base),
		cpu_to_fdt32((uint32_t)(size >> 32)), cpu_to_fdt32((uint32_t)size),
	};

	fdt_must(fdt_property(fdt, "reg", reg, sizeof(reg)), "fdt reg");
}

static void begin(void *fdt, const char *name, const char *compatible)
{
	fdt_must(fdt_begin_node(fdt, name), "fdt node");
	if (compatible)
		fdt_must(fdt_property_string(fdt, "compatible", compatible), "fdt compatible");
}

static void cells(void *fdt)
{
	fdt_must(fdt_property_u32(fdt, "#address-cells", 2) ||
		 fdt_property_u32(fdt, "#size-cells", 2), "fdt cells");
}

/* The fuzzing platform, as a .dts would describe it (platforms/minimal.dts, smaller). */
static void build_dtb(void *fdt, int size)
{
	fdt_must(fdt_create(fdt, size) || fdt_finish_reservemap(fdt), "fdt header");
	begin(fdt, "", "rheap-sim,fuzz");
	fdt_must(fdt_property_string(fdt, "model", "librheap-sim fuzz platform"), "fdt model");
	cells(fdt);

	begin(fdt, "memory@40000000", NULL);
	fdt_must(fdt_property_string(fdt, "device_type", "memory"), "fdt memory");
	prop_reg(fdt, FUZZ_DRAM_BASE, FUZZ_DRAM_SIZE);
	fdt_must(fdt_end_node(fdt), "fdt end");

	begin(fdt, "reserved-memory", NULL);
	cells(fdt);
	fdt_must(fdt_property(fdt, "ranges", NULL, 0), "fdt ranges");
	begin(fdt, "tee-chunk@41000000", RH_MTK_SECURE_CHUNK_COMPATIBLE);
	prop_reg(fdt, FUZZ_CHUNK_BASE, FUZZ_CHUNK_SIZE);
	fdt_must(fdt_property(fdt, "no-map", NULL, 0), "fdt no-map");
	fdt_must(fdt_end_node(fdt), "fdt end");
	begin(fdt, "restricted-cma@41800000", RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	prop_reg(fdt, FUZZ_CMA_BASE, FUZZ_CMA_SIZE);
	fdt_must(fdt_property(fdt, "reusable", NULL, 0), "fdt reusable");
	fdt_must(fdt_end_node(fdt) || fdt_end_node(fdt), "fdt end");

	begin(fdt, "firewall", "rheap-sim,firewall");
	fdt_must(fdt_property_u32(fdt, "rheap-sim,regions", 4) ||
		 fdt_property_u32(fdt, "rheap-sim,granularity", 0x1000), "fdt firewall");
	fdt_must(fdt_end_node(fdt), "fdt end");

	begin(fdt, "vcodec", "mediatek,mt8188-vcodec-dec");
	fdt_must(fdt_property_u32(fdt, "mediatek,master-id", 1) ||
		 fdt_property(fdt, "mediatek,secure-capable", NULL, 0), "fdt vcodec");
	fdt_must(fdt_end_node(fdt), "fdt end");
	begin(fdt, "gpu", "arm,mali-valhall-jm");
	fdt_must(fdt_property_u32(fdt, "mediatek,master-id", 3), "fdt gpu");
	fdt_must(fdt_end_node(fdt), "fdt end");

	fdt_must(fdt_end_node(fdt) || fdt_finish(fdt), "fdt finish");
}

static void quiet(void *data, enum rh_log_level level, const char *msg)
{
}

struct rh_platform *fuzz_platform_new(const char *target)
{
	static uint64_t dtb[512];
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_platform *plat;

	build_dtb(dtb, sizeof(dtb));
	info.dtb = dtb;
	info.dtb_size = fdt_totalsize(dtb);
	info.log_fn = quiet;
	if (rh_platform_new(&info, &plat))
		fuzz_fail(target, "the fuzz platform does not build");
	return plat;
}

void fuzz_check_clean(const char *target, struct rh_platform *plat)
{
	struct rh_secmem_stats ss;
	struct rh_dma_buf_stats bs;

	if (rh_fd_count(plat) != 3)
		fuzz_fail(target, "fd left open");
	if (rh_dma_buf_get_stats(plat, &bs) || bs.count != 0)
		fuzz_fail(target, "dma-buf left alive");
	if (!rh_secmem_get_stats(plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &ss) &&
	    ss.live_buffers != 0)
		fuzz_fail(target, "TEE chunk buffer left");
	if (!rh_secmem_get_stats(plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &ss) &&
	    (ss.live_buffers != 0 || ss.lent))
		fuzz_fail(target, "CMA region still lent");
}
