// SPDX-License-Identifier: MIT
/* Unit tests of the device tree parser (src/platform/platform-dt.c). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include <rheap/alloc.h>
#include <rheap/platform.h>

#include "rh-test.h"

/* Blobs compiled by dtc and embedded by tests/data/meson.build. */
#define DTB(name)                                            \
	extern const unsigned char rh_test_dtb_##name[];     \
	extern const size_t rh_test_dtb_##name##_size
DTB(platform_minimal);
DTB(platform_mt8188_svp);
DTB(platform_optee_protmem);
DTB(cells_1);
DTB(defaults);
DTB(address_cells);
DTB(alignment_not_pow2);
DTB(alignment_small);
DTB(duplicate_device_name);
DTB(duplicate_master_id);
DTB(firewall_granularity);
DTB(firewall_granularity_small);
DTB(firewall_regions_many);
DTB(firewall_regions_zero);
DTB(memory_no_reg);
DTB(misaligned_reg);
DTB(missing_memory);
DTB(no_room);
DTB(outside_dram);
DTB(overlap);
DTB(reserved_no_reg);
DTB(restricted_no_map);
DTB(restricted_no_reusable);
DTB(size_misaligned);

#define MiB (1ULL << 20)
#define POISON 0xa5
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void poison_desc(struct rh_platform_desc *desc)
{
	memset(desc, POISON, sizeof(*desc));
}

static void assert_desc_untouched(const struct rh_platform_desc *desc)
{
	const unsigned char *p = (const unsigned char *)desc;
	size_t i;

	for (i = 0; i < sizeof(*desc); i++)
		assert_int_equal(p[i], POISON);
}

/* The error line: non-empty, exactly one line. */
static void assert_one_line(const char *err)
{
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
	assert_null(strchr(err, '\r'));
}

/*
 * Parses @blob expecting -EINVAL with an error line that starts with
 * "<path>: <prop>: " and contains @extra (may be NULL); the desc stays as it was.
 */
static void expect_bad(const void *blob, size_t size, const char *path, const char *prop,
		       const char *extra)
{
	struct rh_platform_desc desc;
	char err[512], prefix[300];
	int ret;

	poison_desc(&desc);
	memset(err, 0, sizeof(err));
	ret = rh_platform_parse_dtb(blob, size, &desc, err, sizeof(err));
	if (ret != -EINVAL)
		fail_msg("expected -EINVAL, got %d (%s)", ret, err);
	assert_desc_untouched(&desc);
	assert_one_line(err);
	snprintf(prefix, sizeof(prefix), "%s: %s: ", path, prop);
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("error \"%s\" does not start with \"%s\"", err, prefix);
	if (extra && !strstr(err, extra))
		fail_msg("error \"%s\" does not mention \"%s\"", err, extra);
}

static void parse_ok(const void *blob, size_t size, struct rh_platform_desc *desc)
{
	char err[256] = "";
	int ret;

	memset(desc, 0, sizeof(*desc));
	ret = rh_platform_parse_dtb(blob, size, desc, err, sizeof(err));
	if (ret)
		fail_msg("parse failed: %d (%s)", ret, err);
}

static void assert_region(const struct rh_reserved_region *r, const char *name,
			  const char *compatible, uint64_t base, uint64_t size,
			  uint64_t alignment, bool no_map, bool reusable)
{
	assert_string_equal(r->name, name);
	assert_string_equal(r->compatible, compatible);
	assert_int_equal(r->base, base);
	assert_int_equal(r->size, size);
	assert_int_equal(r->alignment, alignment);
	assert_int_equal(r->no_map, no_map);
	assert_int_equal(r->reusable, reusable);
}

static void assert_device(const struct rh_device_desc *d, const char *name,
			  const char *compatible, uint32_t id, bool secure)
{
	assert_string_equal(d->name, name);
	assert_string_equal(d->compatible, compatible);
	assert_int_equal(d->master_id, id);
	assert_int_equal(d->secure_capable, secure);
}

/* Slots past nr_* are left zeroed. */
static void assert_unused_zero(const struct rh_platform_desc *desc)
{
	static const struct rh_reserved_region zr;
	static const struct rh_device_desc zd;
	unsigned int i;

	for (i = desc->nr_reserved; i < RH_MAX_RESERVED; i++)
		assert_memory_equal(&desc->reserved[i], &zr, sizeof(zr));
	for (i = desc->nr_devices; i < RH_MAX_DEVICES; i++)
		assert_memory_equal(&desc->devices[i], &zd, sizeof(zd));
}

static void test_mt8188_svp(void **state)
{
	const struct rh_reserved_region *tee, *cma;
	struct rh_platform_desc desc;
	const void *blob;
	size_t size = 0;

	blob = rh_platform_default_dtb(&size);
	assert_int_equal(size, rh_test_dtb_platform_mt8188_svp_size);
	assert_memory_equal(blob, rh_test_dtb_platform_mt8188_svp, size);
	parse_ok(blob, size, &desc);

	assert_string_equal(desc.model, "librheap-sim MT8188 secure video platform");
	assert_int_equal(desc.dram_base, 0x40000000);
	assert_int_equal(desc.dram_size, 0x80000000);
	assert_int_equal(desc.nr_reserved, 2);
	tee = &desc.reserved[0];
	cma = &desc.reserved[1];
	assert_region(tee, "tee-chunk", "mediatek,secure-chunk-memory", 0x60000000, 0x18000000,
		      0, true, false);
	/* 384 MiB, 4 MiB aligned, placed top-down: the last 384 MiB of DRAM */
	assert_region(cma, "restricted-cma", "mediatek,dynamic-restricted-region",
		      0xa8000000, 384 * MiB, 4 * MiB, false, true);
	assert_true(cma->base % (4 * MiB) == 0);
	assert_int_equal(cma->base + cma->size, desc.dram_base + desc.dram_size);
	assert_true(cma->base >= tee->base + tee->size || cma->base + cma->size <= tee->base);

	assert_int_equal(desc.firewall_regions, 8);
	assert_int_equal(desc.firewall_granularity, 0x1000);

	assert_int_equal(desc.nr_devices, 4);
	assert_device(&desc.devices[0], "vcodec", "mediatek,mt8188-vcodec-dec", 1, true);
	assert_device(&desc.devices[1], "display", "mediatek,mt8188-disp-ovl", 2, true);
	assert_device(&desc.devices[2], "gpu", "mediatek,mt8188-mali", 3, false);
	assert_device(&desc.devices[3], "camisp", "mediatek,mt8188-camisp", 4, false);
	assert_unused_zero(&desc);
}

/* The QEMU-virt-like OP-TEE board: generic property names, a default CMA area. */
static void test_optee_protmem(void **state)
{
	struct rh_platform_desc desc;

	parse_ok(rh_test_dtb_platform_optee_protmem, rh_test_dtb_platform_optee_protmem_size,
		 &desc);
	assert_int_equal(desc.dram_base, 0x40000000);
	assert_int_equal(desc.dram_size, 0x80000000);
	assert_int_equal(desc.nr_reserved, 2);
	assert_region(&desc.reserved[0], "protmem-carveout", "rheap-sim,protmem-carveout",
		      0xb8000000, 32 * MiB, 0, true, false);
	/* Top-down, 4 MiB aligned, below the carveout it cannot overlap. */
	assert_region(&desc.reserved[1], "linux,cma", "shared-dma-pool", 0x88000000, 768 * MiB,
		      4 * MiB, false, true);
	assert_int_equal(desc.firewall_regions, 8);
	assert_int_equal(desc.nr_devices, 5);
	assert_device(&desc.devices[0], "vdec", "rheap-sim,video-decoder", 1, true);
	assert_device(&desc.devices[1], "display", "rheap-sim,display", 2, true);
	assert_device(&desc.devices[2], "gpu", "arm,mali-valhall-jm", 3, false);
	assert_device(&desc.devices[3], "camera", "rheap-sim,camera", 4, true);
	assert_device(&desc.devices[4], "venc", "rheap-sim,video-encoder", 5, true);
	assert_unused_zero(&desc);
}

static void test_minimal(void **state)
{
	struct rh_platform_desc desc;

	parse_ok(rh_test_dtb_platform_minimal, rh_test_dtb_platform_minimal_size, &desc);
	assert_string_equal(desc.model, "librheap-sim minimal test platform");
	assert_int_equal(desc.dram_base, 0x40000000);
	assert_int_equal(desc.dram_size, 256 * MiB);
	assert_int_equal(desc.nr_reserved, 2);
	assert_region(&desc.reserved[0], "tee-chunk", "mediatek,secure-chunk-memory",
		      0x48000000, 32 * MiB, 0, true, false);
	assert_region(&desc.reserved[1], "restricted-cma", "mediatek,dynamic-restricted-region",
		      0x4c000000, 64 * MiB, 0, false, true);
	assert_int_equal(desc.firewall_regions, 4);
	assert_int_equal(desc.firewall_granularity, 0x1000);
	assert_int_equal(desc.nr_devices, 3);
	assert_device(&desc.devices[0], "vcodec", "mediatek,mt8188-vcodec-dec", 1, true);
	assert_device(&desc.devices[1], "display", "mediatek,mt8188-disp-ovl", 2, true);
	assert_device(&desc.devices[2], "gpu", "arm,mali-valhall-jm", 3, false);
	assert_unused_zero(&desc);
}

/* One cell each, two dynamic regions, disabled nodes, nested devices. */
static void test_cells_1(void **state)
{
	struct rh_platform_desc desc;

	parse_ok(rh_test_dtb_cells_1, rh_test_dtb_cells_1_size, &desc);
	assert_string_equal(desc.model, "");
	/* only the first reg entry of the memory node */
	assert_int_equal(desc.dram_base, 0x80000000);
	assert_int_equal(desc.dram_size, 0x20000000);
	assert_int_equal(desc.nr_reserved, 3);
	assert_region(&desc.reserved[0], "carveout", "", 0x90000000, 0x1000000, 0, true, false);
	/* top of DRAM, 2 MiB aligned */
	assert_region(&desc.reserved[1], "pool-a", "mediatek,dynamic-restricted-region",
		      0x9f800000, 0x800000, 0x200000, false, true);
	/* right below pool-a, page aligned */
	assert_region(&desc.reserved[2], "pool-b", "shared-dma-pool", 0x9f7fd000, 0x3000, 0,
		      false, false);
	assert_int_equal(desc.firewall_regions, 64);
	assert_int_equal(desc.firewall_granularity, 0x200000);
	assert_int_equal(desc.nr_devices, 2);
	assert_device(&desc.devices[0], "dsp", "", 0xffffffff, false);
	assert_device(&desc.devices[1], "npu", "vendor,npu", 0, true);
	assert_unused_zero(&desc);
}

static void test_defaults(void **state)
{
	struct rh_platform_desc desc;

	parse_ok(rh_test_dtb_defaults, rh_test_dtb_defaults_size, &desc);
	assert_string_equal(desc.model, "defaults");
	assert_int_equal(desc.dram_base, 0x40000000);
	assert_int_equal(desc.dram_size, 0x10000000);
	assert_int_equal(desc.nr_reserved, 0);
	assert_int_equal(desc.firewall_regions, 8);
	assert_int_equal(desc.firewall_granularity, 4096);
	assert_int_equal(desc.nr_devices, 0);
	assert_unused_zero(&desc);
}

#define BAD(n) rh_test_dtb_##n, &rh_test_dtb_##n##_size
#define RMEM "/reserved-memory/"

static const struct bad_case {
	const unsigned char *blob;
	const size_t *size;
	const char *path, *prop, *extra;
} bad_cases[] = {
	{ BAD(missing_memory), "/memory", "reg", "no memory node" },
	{ BAD(memory_no_reg), "/memory@40000000", "reg", "missing" },
	{ BAD(address_cells), "/", "#address-cells", "3" },
	{ BAD(overlap), RMEM "overlapper@49000000", "reg", RMEM "tee-chunk@48000000" },
	{ BAD(misaligned_reg), RMEM "tee-chunk@48000000", "reg", "page aligned" },
	{ BAD(outside_dram), RMEM "restricted-cma@4c000000", "reg", "outside DRAM" },
	{ BAD(alignment_not_pow2), RMEM "dyn-pool", "alignment", "power of two" },
	{ BAD(alignment_small), RMEM "dyn-pool", "alignment", "0x800" },
	{ BAD(size_misaligned), RMEM "dyn-pool", "size", "page size" },
	{ BAD(no_room), RMEM "dyn-pool", "size", "no room" },
	{ BAD(reserved_no_reg), RMEM "restricted-cma@4c000000", "reg", "neither reg nor size" },
	{ BAD(restricted_no_reusable), RMEM "restricted-cma@4c000000", "reusable",
	  "mediatek,dynamic-restricted-region" },
	{ BAD(restricted_no_map), RMEM "restricted-cma@4c000000", "no-map", "reusable" },
	{ BAD(duplicate_master_id), "/camisp", "mediatek,master-id", "/display" },
	{ BAD(duplicate_device_name), "/soc/gpu@13000000", "name", "/gpu" },
	{ BAD(firewall_regions_zero), "/firewall", "rheap-sim,regions", "out of range" },
	{ BAD(firewall_regions_many), "/firewall", "rheap-sim,regions", "65" },
	{ BAD(firewall_granularity), "/firewall", "rheap-sim,granularity", "0x1800" },
	{ BAD(firewall_granularity_small), "/firewall", "rheap-sim,granularity", "0x800" },
};

static void test_bad_dtbs(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		print_message("bad dtb %zu: %s %s\n", i, bad_cases[i].path, bad_cases[i].prop);
		expect_bad(bad_cases[i].blob, *bad_cases[i].size, bad_cases[i].path,
			   bad_cases[i].prop, bad_cases[i].extra);
	}
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_not_a_dtb(void **state)
{
	const size_t size = rh_test_dtb_platform_minimal_size;
	uint64_t words[512], seed = 7;
	unsigned char *copy;
	uint32_t off;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(words); i++)
		words[i] = rnd(&seed);
	expect_bad(words, sizeof(words), "/", "header", "not a device tree blob");
	/* truncated: totalsize says more than we have */
	expect_bad(rh_test_dtb_platform_minimal, size / 2, "/", "header", "totalsize");
	expect_bad(rh_test_dtb_platform_minimal, 10, "/", "header", "not a device tree blob");
	expect_bad(rh_test_dtb_platform_minimal, 0, "/", "header", "not a device tree blob");

	copy = malloc(size);
	assert_non_null(copy);
	memcpy(copy, rh_test_dtb_platform_minimal, size);
	copy[0] ^= 0xff;
	expect_bad(copy, size, "/", "header", "not a device tree blob");

	/* Old layouts (here version 6) are refused before libfdt walks them. */
	memcpy(copy, rh_test_dtb_platform_minimal, size);
	((fdt32_t *)copy)[5] = cpu_to_fdt32(6);
	((fdt32_t *)copy)[6] = cpu_to_fdt32(2);
	expect_bad(copy, size, "/", "header", "version 6, need 17");

	/* A valid header over a broken structure block. */
	memcpy(copy, rh_test_dtb_platform_minimal, size);
	off = fdt_off_dt_struct(copy);
	copy[off + 3] = 0x07; /* no such token */
	expect_bad(copy, size, "/", "structure", "not a device tree blob");
	free(copy);
}

static void test_bad_args(void **state)
{
	struct rh_platform_desc desc;
	char err[64] = "";

	poison_desc(&desc);
	assert_neg_errno(rh_platform_parse_dtb(NULL, 100, &desc, err, sizeof(err)), EINVAL);
	assert_desc_untouched(&desc);
	assert_one_line(err);
	assert_neg_errno(rh_platform_parse_dtb(rh_test_dtb_platform_minimal,
					       rh_test_dtb_platform_minimal_size, NULL, err,
					       sizeof(err)), EINVAL);
	/* no error buffer, or a tiny one: still the right errno, never an overflow */
	assert_neg_errno(rh_platform_parse_dtb(rh_test_dtb_missing_memory,
					       rh_test_dtb_missing_memory_size, &desc, NULL, 0),
			 EINVAL);
	memset(err, 'x', sizeof(err));
	assert_neg_errno(rh_platform_parse_dtb(rh_test_dtb_missing_memory,
					       rh_test_dtb_missing_memory_size, &desc, err, 0),
			 EINVAL);
	assert_int_equal(err[0], 'x');
	assert_neg_errno(rh_platform_parse_dtb(rh_test_dtb_missing_memory,
					       rh_test_dtb_missing_memory_size, &desc, err, 8),
			 EINVAL);
	assert_string_equal(err, "/memory");
	assert_int_equal(err[8], 'x');
	assert_desc_untouched(&desc);
}

/* libfdt wants 8-byte alignment: the parser copies a misaligned blob. */
static void test_misaligned_blob(void **state)
{
	const size_t size = rh_test_dtb_platform_mt8188_svp_size;
	struct rh_platform_desc a, b;
	unsigned char *buf = malloc(size + 1);
	char err[128];

	assert_non_null(buf);
	memcpy(buf + 1, rh_test_dtb_platform_mt8188_svp, size);
	parse_ok(rh_test_dtb_platform_mt8188_svp, size, &a);
	parse_ok(buf + 1, size, &b);
	assert_memory_equal(&a, &b, sizeof(a));

	/* the copy is the parser's only allocation */
	poison_desc(&b);
	rh_fail_nth_set(1);
	assert_neg_errno(rh_platform_parse_dtb(buf + 1, size, &b, err, sizeof(err)), ENOMEM);
	assert_int_equal(rh_fail_nth_get(), 0);
	rh_fail_nth_set(0);
	assert_desc_untouched(&b);
	rh_fail_nth_set(1);
	assert_int_equal(rh_platform_parse_dtb(rh_test_dtb_platform_minimal,
					       rh_test_dtb_platform_minimal_size, &b, err,
					       sizeof(err)), 0);
	assert_int_not_equal(rh_fail_nth_get(), 0);
	rh_fail_nth_set(0);
	free(buf);
}

/* ------------------------------------------------------------------ libfdt edits */

struct edited {
	void *fdt;
	size_t size;
};

static struct edited edit_open(const void *blob)
{
	struct edited e;

	e.size = fdt_totalsize(blob) + 8192;
	e.fdt = malloc(e.size);
	assert_non_null(e.fdt);
	assert_int_equal(fdt_open_into(blob, e.fdt, (int)e.size), 0);
	return e;
}

static int node(const struct edited *e, const char *path)
{
	int off = fdt_path_offset(e->fdt, path);

	assert_true(off >= 0);
	return off;
}

static void edit_expect_bad(struct edited *e, const char *path, const char *prop,
			    const char *extra)
{
	assert_int_equal(fdt_pack(e->fdt), 0);
	expect_bad(e->fdt, fdt_totalsize(e->fdt), path, prop, extra);
	free(e->fdt);
}

static void test_edited_reserved(void **state)
{
	static const char not_a_string[] = { 'a', 'b', 'c' };
	struct edited e;
	char name[32];
	int i, rmem, child;

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop(e.fdt, node(&e, RMEM "tee-chunk@48000000"), "compatible",
				     not_a_string, sizeof(not_a_string)), 0);
	edit_expect_bad(&e, RMEM "tee-chunk@48000000", "compatible", "NUL");

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_string(e.fdt, node(&e, RMEM "tee-chunk@48000000"),
					    "compatible",
					    "vendor,a-compatible-string-that-is-longer-than-"
					    "sixty-three-characters"), 0);
	edit_expect_bad(&e, RMEM "tee-chunk@48000000", "compatible", "longer than 63");

	/* reg of 3 cells where 2+2 are expected */
	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_u64(e.fdt, node(&e, RMEM "tee-chunk@48000000"), "reg",
					 0x48000000), 0);
	assert_int_equal(fdt_appendprop_u32(e.fdt, node(&e, RMEM "tee-chunk@48000000"), "reg",
					    0x1000), 0);
	edit_expect_bad(&e, RMEM "tee-chunk@48000000", "reg", "cells");

	e = edit_open(rh_test_dtb_platform_minimal);
	rmem = node(&e, RMEM "tee-chunk@48000000");
	assert_int_equal(fdt_setprop_u64(e.fdt, rmem, "reg", 0x48000000), 0);
	assert_int_equal(fdt_appendprop_u64(e.fdt, rmem, "reg", 0), 0);
	edit_expect_bad(&e, RMEM "tee-chunk@48000000", "reg", "zero size");

	/* size with the wrong number of cells */
	e = edit_open(rh_test_dtb_platform_mt8188_svp);
	assert_int_equal(fdt_setprop_u32(e.fdt, node(&e, RMEM "restricted-cma"), "size",
					 0x1000000), 0);
	edit_expect_bad(&e, RMEM "restricted-cma", "size", "cell");

	e = edit_open(rh_test_dtb_platform_mt8188_svp);
	assert_int_equal(fdt_setprop_u64(e.fdt, node(&e, RMEM "restricted-cma"), "size", 0), 0);
	edit_expect_bad(&e, RMEM "restricted-cma", "size", "nonzero");

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_u32(e.fdt, node(&e, "/reserved-memory"), "#size-cells", 3),
			 0);
	edit_expect_bad(&e, "/reserved-memory", "#size-cells", "not supported");

	/* 17 regions */
	e = edit_open(rh_test_dtb_platform_minimal);
	rmem = node(&e, "/reserved-memory");
	for (i = 0; i < RH_MAX_RESERVED - 1; i++) {
		snprintf(name, sizeof(name), "r%02d", i);
		child = fdt_add_subnode(e.fdt, rmem, name);
		assert_true(child >= 0);
		assert_int_equal(fdt_setprop_u64(e.fdt, child, "reg",
						 0x40000000ULL + (uint64_t)i * 0x100000), 0);
		assert_int_equal(fdt_appendprop_u64(e.fdt, child, "reg", 0x1000), 0);
		rmem = node(&e, "/reserved-memory");
	}
	/* fdt_add_subnode() puts new nodes first: the 17th is the last original one */
	edit_expect_bad(&e, RMEM "restricted-cma@4c000000", "reg", "more than 16");
}

static void test_edited_memory_and_root(void **state)
{
	static const char not_a_string[] = { 'm', 'o', 'd' };
	struct rh_platform_desc desc;
	struct edited e;
	char longmodel[100];

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_u64(e.fdt, node(&e, "/memory@40000000"), "reg",
					 0xfffffffffffff000ULL), 0);
	assert_int_equal(fdt_appendprop_u64(e.fdt, node(&e, "/memory@40000000"), "reg",
					    0x2000), 0);
	edit_expect_bad(&e, "/memory@40000000", "reg", "wraps");

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_u64(e.fdt, node(&e, "/memory@40000000"), "reg",
					 0x40000000), 0);
	assert_int_equal(fdt_appendprop_u64(e.fdt, node(&e, "/memory@40000000"), "reg",
					    0x10000800), 0);
	edit_expect_bad(&e, "/memory@40000000", "reg", "page aligned");

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_u64(e.fdt, node(&e, "/memory@40000000"), "reg",
					 0x40000000), 0);
	assert_int_equal(fdt_appendprop_u64(e.fdt, node(&e, "/memory@40000000"), "reg", 0), 0);
	edit_expect_bad(&e, "/memory@40000000", "reg", "zero size");

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_u32(e.fdt, 0, "#size-cells", 0), 0);
	edit_expect_bad(&e, "/", "#size-cells", "not supported");

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_u64(e.fdt, 0, "#address-cells", 2), 0);
	edit_expect_bad(&e, "/", "#address-cells", "one cell");

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop(e.fdt, 0, "model", not_a_string, sizeof(not_a_string)), 0);
	edit_expect_bad(&e, "/", "model", "NUL");

	/* A long model is informative only: truncated, not an error. */
	e = edit_open(rh_test_dtb_platform_minimal);
	memset(longmodel, 'm', sizeof(longmodel) - 1);
	longmodel[sizeof(longmodel) - 1] = '\0';
	assert_int_equal(fdt_setprop_string(e.fdt, 0, "model", longmodel), 0);
	parse_ok(e.fdt, fdt_totalsize(e.fdt), &desc);
	assert_int_equal(strlen(desc.model), RH_NAME_LEN - 1);
	free(e.fdt);

	/* A disabled memory node does not count. */
	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_string(e.fdt, node(&e, "/memory@40000000"), "status",
					    "disabled"), 0);
	edit_expect_bad(&e, "/memory", "reg", "no memory node");
}

static void test_edited_firewall(void **state)
{
	struct edited e;
	int fw;

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_u64(e.fdt, node(&e, "/firewall"), "rheap-sim,regions", 4),
			 0);
	edit_expect_bad(&e, "/firewall", "rheap-sim,regions", "one cell");

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop(e.fdt, node(&e, "/firewall"), "rheap-sim,granularity",
				     "abc", 3), 0);
	edit_expect_bad(&e, "/firewall", "rheap-sim,granularity", "cells");

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_u32(e.fdt, node(&e, "/firewall"), "rheap-sim,granularity",
					 0), 0);
	edit_expect_bad(&e, "/firewall", "rheap-sim,granularity", "power of two");

	e = edit_open(rh_test_dtb_platform_minimal);
	fw = fdt_add_subnode(e.fdt, 0, "tzc");
	assert_true(fw >= 0);
	assert_int_equal(fdt_setprop_string(e.fdt, fw, "compatible", "rheap-sim,firewall"), 0);
	/* the new node comes first in the tree */
	edit_expect_bad(&e, "/firewall", "compatible", "second rheap-sim,firewall node (first is "
			"/tzc)");
}

static void test_edited_generic_master_id(void **state)
{
	struct rh_platform_desc desc;
	struct edited e;

	/* "rheap-sim,master-id" and "rheap-sim,secure-capable" on any node. */
	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_delprop(e.fdt, node(&e, "/gpu"), "mediatek,master-id"), 0);
	assert_int_equal(fdt_setprop_u32(e.fdt, node(&e, "/gpu"), "rheap-sim,master-id", 9), 0);
	assert_int_equal(fdt_setprop_empty(e.fdt, node(&e, "/gpu"), "rheap-sim,secure-capable"),
			 0);
	parse_ok(e.fdt, fdt_totalsize(e.fdt), &desc);
	assert_device(&desc.devices[2], "gpu", "arm,mali-valhall-jm", 9, true);
	free(e.fdt);

	/* Both names on one node: which is meant? */
	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_u32(e.fdt, node(&e, "/gpu"), "rheap-sim,master-id", 9), 0);
	edit_expect_bad(&e, "/gpu", "rheap-sim,master-id", "given twice");

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_delprop(e.fdt, node(&e, "/gpu"), "mediatek,master-id"), 0);
	assert_int_equal(fdt_setprop_u64(e.fdt, node(&e, "/gpu"), "rheap-sim,master-id", 9), 0);
	edit_expect_bad(&e, "/gpu", "rheap-sim,master-id", "one cell");

	/* Ids are unique whichever name carries them. */
	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_delprop(e.fdt, node(&e, "/gpu"), "mediatek,master-id"), 0);
	assert_int_equal(fdt_setprop_u32(e.fdt, node(&e, "/gpu"), "rheap-sim,master-id", 2), 0);
	edit_expect_bad(&e, "/gpu", "rheap-sim,master-id", "duplicate id 2 (also /display)");
}

static void test_edited_devices(void **state)
{
	struct rh_platform_desc desc;
	struct edited e;
	char name[32];
	int i, dev;

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_u64(e.fdt, node(&e, "/gpu"), "mediatek,master-id", 3), 0);
	edit_expect_bad(&e, "/gpu", "mediatek,master-id", "one cell");

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_set_name(e.fdt, node(&e, "/gpu"),
				      "a-device-node-name-that-is-much-longer-than-sixty-three-"
				      "characters@1"), 0);
	edit_expect_bad(&e, "/a-device-node-name-that-is-much-longer-than-sixty-three-"
			"characters@1", "name", "longer than 63");

	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_set_name(e.fdt, node(&e, "/gpu"), "@1"), 0);
	edit_expect_bad(&e, "/@1", "name", "empty");

	/*
	 * A name from the blob with a newline is refused (it would split the
	 * log lines that name the device), by an error line that stays one line.
	 */
	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_set_name(e.fdt, node(&e, "/gpu"), "gp\nu"), 0);
	edit_expect_bad(&e, "/gp?u", "name", "non-printable character");
	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_set_name(e.fdt, node(&e, "/gpu"), "gpu\x7f@1"), 0);
	edit_expect_bad(&e, "/gpu?@1", "name", "non-printable character");
	/* So are the strings the description keeps. */
	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_string(e.fdt, node(&e, "/gpu"), "compatible", "arm,\tmali"),
			 0);
	edit_expect_bad(&e, "/gpu", "compatible", "non-printable character");
	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_string(e.fdt, 0, "model", "two\nlines"), 0);
	edit_expect_bad(&e, "/", "model", "non-printable character");

	/* A disabled master is not a device. */
	e = edit_open(rh_test_dtb_platform_minimal);
	assert_int_equal(fdt_setprop_string(e.fdt, node(&e, "/display"), "status", "fail"), 0);
	parse_ok(e.fdt, fdt_totalsize(e.fdt), &desc);
	assert_int_equal(desc.nr_devices, 2);
	assert_string_equal(desc.devices[1].name, "gpu");
	free(e.fdt);

	/* 33 masters */
	e = edit_open(rh_test_dtb_platform_minimal);
	for (i = 0; i < RH_MAX_DEVICES - 2; i++) {
		snprintf(name, sizeof(name), "dev%02d", i);
		dev = fdt_add_subnode(e.fdt, 0, name);
		assert_true(dev >= 0);
		assert_int_equal(fdt_setprop_u32(e.fdt, dev, "mediatek,master-id", 100 + i), 0);
	}
	/* fdt_add_subnode() puts new nodes first: the 33rd is the last original one */
	edit_expect_bad(&e, "/gpu", "mediatek,master-id", "more than 32 devices");
}

/* Random byte flips of a real blob: never a crash, -EINVAL with one line, or a sane desc. */
static void test_random_corruption(void **state)
{
	const size_t size = rh_test_dtb_platform_mt8188_svp_size;
	struct rh_platform_desc desc;
	unsigned int iter, flips, nr_ok = 0, nr_bad = 0, i;
	uint64_t seed = 0x5eed;
	unsigned char *copy = malloc(size);
	char err[256];
	int ret;

	assert_non_null(copy);
	for (iter = 0; iter < 3000; iter++) {
		memcpy(copy, rh_test_dtb_platform_mt8188_svp, size);
		flips = 1 + (unsigned int)(rnd(&seed) % 4);
		while (flips--)
			copy[rnd(&seed) % size] ^= (unsigned char)(1u << (rnd(&seed) % 8));
		poison_desc(&desc);
		err[0] = '\0';
		ret = rh_platform_parse_dtb(copy, size, &desc, err, sizeof(err));
		if (ret) {
			assert_int_equal(ret, -EINVAL);
			assert_one_line(err);
			assert_desc_untouched(&desc);
			nr_bad++;
			continue;
		}
		nr_ok++;
		assert_true(desc.dram_size > 0);
		assert_true(desc.nr_reserved <= RH_MAX_RESERVED);
		assert_true(desc.nr_devices <= RH_MAX_DEVICES);
		assert_true(desc.firewall_regions >= 1 && desc.firewall_regions <= 64);
		assert_non_null(memchr(desc.model, '\0', sizeof(desc.model)));
		for (i = 0; i < desc.nr_reserved; i++) {
			assert_true(desc.reserved[i].base >= desc.dram_base);
			assert_true(desc.reserved[i].base + desc.reserved[i].size <=
				    desc.dram_base + desc.dram_size);
			assert_non_null(memchr(desc.reserved[i].name, '\0', RH_NAME_LEN));
		}
		for (i = 0; i < desc.nr_devices; i++)
			assert_non_null(memchr(desc.devices[i].name, '\0', RH_NAME_LEN));
	}
	/* both outcomes are exercised */
	assert_true(nr_ok > 0);
	assert_true(nr_bad > 0);
	free(copy);
}

struct log_capture {
	unsigned int nr_lines;
	char last[512];
};

static void capture_log(void *data, enum rh_log_level level, const char *msg)
{
	struct log_capture *cap = data;

	cap->nr_lines++;
	snprintf(cap->last, sizeof(cap->last), "%s", msg);
}

/*
 * rh_platform_new(@info) must fail with -@err, leave its out-parameter
 * alone and log exactly one line, containing @extra.
 */
static void expect_new_fails(struct rh_platform_info *info, int err, const char *extra)
{
	struct log_capture cap = { 0 };
	struct rh_platform *plat = (void *)0x1;

	info->log_fn = capture_log;
	info->log_data = &cap;
	info->log_level = RH_LOG_ERR;
	assert_neg_errno(rh_platform_new(info, &plat), err);
	assert_ptr_equal(plat, (void *)0x1);
	assert_int_equal(cap.nr_lines, 1);
	if (!strstr(cap.last, extra))
		fail_msg("log line \"%s\" does not mention \"%s\"", cap.last, extra);
}

/* Through the public constructor: -EINVAL and one log line naming node and property. */
static void test_platform_new_bad_dtb(void **state)
{
	RH_DEFINE_PLATFORM_INFO(info);

	info.dtb = rh_test_dtb_overlap;
	info.dtb_size = rh_test_dtb_overlap_size;
	expect_new_fails(&info, EINVAL, RMEM "overlapper@49000000: reg: overlaps");
}

/* ------------------------------------------------------------ dtb_path */

struct dtb_dir {
	char dir[32];
	char path[64];
};

static void dtb_dir_make(struct dtb_dir *d, const char *name, const void *data, size_t len)
{
	FILE *f;

	snprintf(d->path, sizeof(d->path), "%s/%s", d->dir, name);
	f = fopen(d->path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* rh_platform_new() from the file @path fails with -@err, @extra in the log line. */
static void expect_bad_file(const char *path, int err, const char *extra)
{
	RH_DEFINE_PLATFORM_INFO(info);

	info.dtb_path = path;
	expect_new_fails(&info, err, extra);
}

/* A platform built from a .dtb file, and every way that file can be unusable. */
static void test_platform_new_dtb_file(void **state)
{
	RH_DEFINE_PLATFORM_INFO(info);
	struct log_capture cap = { 0 };
	struct rh_platform_desc expect;
	const struct rh_platform_desc *desc;
	struct rh_platform *plat;
	struct dtb_dir d = { .dir = "/tmp/rh-test-dtb-XXXXXX" };
	int fds = rh_test_count_fds();
	FILE *f;

	assert_non_null(mkdtemp(d.dir));
	dtb_dir_make(&d, "minimal.dtb", rh_test_dtb_platform_minimal,
		     rh_test_dtb_platform_minimal_size);
	parse_ok(rh_test_dtb_platform_minimal, rh_test_dtb_platform_minimal_size, &expect);

	info.dtb_path = d.path;
	info.log_fn = capture_log;
	info.log_data = &cap;
	info.log_level = RH_LOG_ERR;
	assert_int_equal(rh_platform_new(&info, &plat), 0);
	desc = rh_platform_get_desc(plat);
	assert_string_equal(desc->model, expect.model);
	assert_int_equal(desc->dram_base, expect.dram_base);
	assert_int_equal(desc->dram_size, expect.dram_size);
	assert_int_equal(desc->nr_reserved, expect.nr_reserved);
	assert_int_equal(desc->nr_devices, expect.nr_devices);
	assert_int_equal(desc->firewall_regions, expect.firewall_regions);
	rh_platform_unref(plat);
	assert_int_equal(cap.nr_lines, 0);

	/* An in-memory blob wins over the path, which is then never opened. */
	info.dtb = rh_test_dtb_platform_mt8188_svp;
	info.dtb_size = rh_test_dtb_platform_mt8188_svp_size;
	info.dtb_path = "/nonexistent/never-read.dtb";
	assert_int_equal(rh_platform_new(&info, &plat), 0);
	assert_string_not_equal(rh_platform_get_desc(plat)->model, expect.model);
	rh_platform_unref(plat);
	assert_int_equal(cap.nr_lines, 0);

	/* Unreadable: the errno of open()/read(), the path in the message. */
	snprintf(d.path, sizeof(d.path), "%s/missing.dtb", d.dir);
	expect_bad_file(d.path, ENOENT, d.path);
	expect_bad_file(d.dir, EISDIR, d.dir);
	/* Empty, larger than any device tree we accept, or not a device tree. */
	dtb_dir_make(&d, "empty.dtb", "", 0);
	expect_bad_file(d.path, EINVAL, d.path);
	dtb_dir_make(&d, "huge.dtb", "", 0);
	f = fopen(d.path, "r+b");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), (2 << 20) + 1), 0);
	assert_int_equal(fclose(f), 0);
	expect_bad_file(d.path, EINVAL, d.path);
	assert_int_equal(unlink(d.path), 0);
	dtb_dir_make(&d, "text.dtb", "/dts-v1/;\n/ { };\n", 16);
	expect_bad_file(d.path, EINVAL, "/: header: not a device tree blob");

	assert_int_equal(unlink(d.path), 0);
	snprintf(d.path, sizeof(d.path), "%s/empty.dtb", d.dir);
	assert_int_equal(unlink(d.path), 0);
	snprintf(d.path, sizeof(d.path), "%s/minimal.dtb", d.dir);
	assert_int_equal(unlink(d.path), 0);
	assert_int_equal(rmdir(d.dir), 0);
	/* Every file opened on the way was closed again. */
	assert_int_equal(rh_test_count_fds(), fds);
}

static void quiet_log(void *data, enum rh_log_level level, const char *msg)
{
	(void)data;
	(void)level;
	(void)msg;
}

static int file_new_op(void *arg)
{
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_platform *plat;
	int ret;

	info.dtb_path = arg;
	info.log_fn = quiet_log;
	ret = rh_platform_new(&info, &plat);
	if (!ret)
		rh_platform_unref(plat);
	return ret;
}

static int fds_before_sweep;

static void file_new_clean(void *arg)
{
	(void)arg;
	assert_int_equal(rh_test_count_fds(), fds_before_sweep);
}

/* Creation from a file, failing each allocation in turn: -ENOMEM, no leak, no fd left. */
static void test_platform_new_dtb_file_fail_nth(void **state)
{
	struct dtb_dir d = { .dir = "/tmp/rh-test-dtb-XXXXXX" };

	assert_non_null(mkdtemp(d.dir));
	dtb_dir_make(&d, "minimal.dtb", rh_test_dtb_platform_minimal,
		     rh_test_dtb_platform_minimal_size);
	fds_before_sweep = rh_test_count_fds();
	/* At least the blob's copy and the platform itself are allocated. */
	assert_true(rh_test_fail_nth_sweep(file_new_op, NULL, file_new_clean, d.path) >= 2);
	assert_int_equal(unlink(d.path), 0);
	assert_int_equal(rmdir(d.dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mt8188_svp),
		cmocka_unit_test(test_optee_protmem),
		cmocka_unit_test(test_edited_generic_master_id),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_cells_1),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_dtbs),
		cmocka_unit_test(test_not_a_dtb),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_misaligned_blob),
		cmocka_unit_test(test_edited_reserved),
		cmocka_unit_test(test_edited_memory_and_root),
		cmocka_unit_test(test_edited_firewall),
		cmocka_unit_test(test_edited_devices),
		cmocka_unit_test(test_random_corruption),
		cmocka_unit_test(test_platform_new_bad_dtb),
		cmocka_unit_test(test_platform_new_dtb_file),
		cmocka_unit_test(test_platform_new_dtb_file_fail_nth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
