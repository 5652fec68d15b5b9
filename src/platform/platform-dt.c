// SPDX-License-Identifier: MIT
/* Device tree parsing with libfdt: DRAM, reserved-memory, firewall, DMA masters. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "internal.h"
#include "trace/sim.h"

#define DT_PATH_MAX 256
#define DT_COMPAT_DYNAMIC_RESTRICTED "mediatek,dynamic-restricted-region"
#define DT_COMPAT_FIREWALL "rheap-sim,firewall"
#define DT_FIREWALL_DEFAULT_REGIONS 8u
#define DT_FIREWALL_MAX_REGIONS 64u
#define DT_FIREWALL_DEFAULT_GRANULARITY 4096u

struct dt_ctx {
	const void *fdt;
	char *errbuf;
	size_t errlen;
};

static bool is_power_of_2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* The error line may quote node names from an untrusted blob: keep it one line. */
static void sanitize_line(char *s)
{
	for (; *s; s++)
		if (!isprint((unsigned char)*s))
			*s = '?';
}

/*
 * Names and strings the description keeps end up in log lines and the
 * CLI's output, which must stay one line each: a control character in them
 * is refused. The kernel takes any byte (of_fdt), dtc warns about node names
 * outside the spec's characters (check_node_name_chars()).
 */
static bool printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isprint((unsigned char)s[i]))
			return false;
	return true;
}

static void dt_node_path(const struct dt_ctx *ctx, int node, char *buf, size_t len)
{
	const char *name;

	if (node >= 0 && fdt_get_path(ctx->fdt, node, buf, (int)len) == 0)
		return;
	name = node >= 0 ? fdt_get_name(ctx->fdt, node, NULL) : NULL;
	snprintf(buf, len, "%s", name ? name : "?");
}

/* Formats "<path>: <property>: <problem>" into the caller's errbuf; returns -EINVAL. */
static int RH_PRINTF(4, 5) dt_error_path(const struct dt_ctx *ctx, const char *path,
					 const char *prop, const char *fmt, ...)
{
	char problem[256];
	va_list ap;

	if (!ctx->errbuf || !ctx->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	snprintf(ctx->errbuf, ctx->errlen, "%s: %s: %s", path, prop, problem);
	sanitize_line(ctx->errbuf);
	return -EINVAL;
}

static int RH_PRINTF(4, 5) dt_error(const struct dt_ctx *ctx, int node,
				    const char *prop, const char *fmt, ...)
{
	char path[DT_PATH_MAX];
	char problem[256];
	va_list ap;

	if (!ctx->errbuf || !ctx->errlen)
		return -EINVAL;
	dt_node_path(ctx, node, path, sizeof(path));
	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	return dt_error_path(ctx, path, prop, "%s", problem);
}

static uint64_t dt_read_cells(const void *val, int cells)
{
	const fdt32_t *p = val;
	uint64_t v = 0;
	int i;

	for (i = 0; i < cells; i++)
		v = (v << 32) | fdt32_ld(&p[i]);
	return v;
}

static bool dt_has_prop(const struct dt_ctx *ctx, int node, const char *name)
{
	return fdt_getprop(ctx->fdt, node, name, NULL) != NULL;
}

/*
 * Reads @name as a string list and copies its first string into @buf.
 * Returns 0 (absent: @buf = ""), or -EINVAL naming the property.
 */
static int dt_first_string(const struct dt_ctx *ctx, int node, const char *name,
			   char *buf, size_t buflen, bool truncate)
{
	const char *val;
	size_t slen;
	int len;

	buf[0] = '\0';
	val = fdt_getprop(ctx->fdt, node, name, &len);
	if (!val)
		return 0;
	if (len <= 0 || !memchr(val, '\0', (size_t)len))
		return dt_error(ctx, node, name, "not a NUL-terminated string");
	slen = strlen(val);
	if (!printable(val, slen))
		return dt_error(ctx, node, name, "first string has a non-printable character");
	if (slen >= buflen && !truncate)
		return dt_error(ctx, node, name, "first string longer than %zu characters",
				buflen - 1);
	snprintf(buf, buflen, "%s", val);
	return 0;
}

/* Node name without its unit address ("vcodec@16000000" -> "vcodec"). */
static int dt_node_basename(const struct dt_ctx *ctx, int node, char *buf, size_t buflen)
{
	const char *name;
	size_t n;
	int len;

	name = fdt_get_name(ctx->fdt, node, &len);
	if (!name || len < 0)
		return dt_error(ctx, node, "name", "unreadable node name");
	n = strcspn(name, "@");
	if (n > (size_t)len)
		n = (size_t)len;
	if (n == 0)
		return dt_error(ctx, node, "name", "empty node name");
	if (!printable(name, n))
		return dt_error(ctx, node, "name", "node name has a non-printable character");
	if (n >= buflen)
		return dt_error(ctx, node, "name", "node name longer than %zu characters",
				buflen - 1);
	memcpy(buf, name, n);
	buf[n] = '\0';
	return 0;
}

/* The base name and first "compatible" string a region or device keeps. */
static int dt_node_ident(const struct dt_ctx *ctx, int node, char *name, size_t name_len,
			 char *compatible, size_t compatible_len)
{
	int ret;

	ret = dt_node_basename(ctx, node, name, name_len);
	if (ret)
		return ret;
	return dt_first_string(ctx, node, "compatible", compatible, compatible_len, false);
}

/* Anything but status "okay"/"ok" hides a node, as of_fdt_device_is_available(). */
static bool dt_node_available(const struct dt_ctx *ctx, int node)
{
	const char *status;
	int len;

	status = fdt_getprop(ctx->fdt, node, "status", &len);
	if (!status)
		return true;
	if (len <= 0 || !memchr(status, '\0', (size_t)len))
		return false;
	return !strcmp(status, "okay") || !strcmp(status, "ok");
}

/* #address-cells / #size-cells of @node; only 1 and 2 are supported. */
static int dt_cells(const struct dt_ctx *ctx, int node, const char *name,
		    int def, int *ret_cells)
{
	const void *val;
	uint32_t cells;
	int len;

	val = fdt_getprop(ctx->fdt, node, name, &len);
	if (!val) {
		*ret_cells = def;
		return 0;
	}
	if (len != (int)sizeof(fdt32_t))
		return dt_error(ctx, node, name, "must be one cell, got %d bytes", len);
	cells = fdt32_ld(val);
	if (cells != 1 && cells != 2)
		return dt_error(ctx, node, name, "%" PRIu32 " not supported (1 or 2)", cells);
	*ret_cells = (int)cells;
	return 0;
}

/* A single-value property of @cells cells (size, alignment). */
static int dt_read_sized(const struct dt_ctx *ctx, int node, const char *name,
			 int cells, uint64_t *ret_val)
{
	const void *val;
	int len;

	val = fdt_getprop(ctx->fdt, node, name, &len);
	if (!val)
		return -ENOENT;
	if (len != cells * (int)sizeof(fdt32_t))
		return dt_error(ctx, node, name, "must be %d cell(s), got %d bytes",
				cells, len);
	*ret_val = dt_read_cells(val, cells);
	return 0;
}

/* First (base, size) entry of reg; -ENOENT when absent. */
static int dt_read_reg(const struct dt_ctx *ctx, int node, int ac, int sc,
		       uint64_t *ret_base, uint64_t *ret_size)
{
	const char *val;
	int len, entry;

	val = fdt_getprop(ctx->fdt, node, "reg", &len);
	if (!val)
		return -ENOENT;
	entry = (ac + sc) * (int)sizeof(fdt32_t);
	if (len < entry || len % entry)
		return dt_error(ctx, node, "reg", "%d bytes is not a multiple of (%d+%d) cells",
				len, ac, sc);
	*ret_base = dt_read_cells(val, ac);
	*ret_size = dt_read_cells(val + ac * sizeof(fdt32_t), sc);
	return 0;
}

/* The platform's default cost model must be one the library has. */
static int dt_cost_model(const struct dt_ctx *ctx, struct rh_platform_desc *desc)
{
	size_t len;
	int ret;

	ret = dt_first_string(ctx, 0, "rheap-sim,cost-model", desc->cost_model,
			      sizeof(desc->cost_model), false);
	if (ret || !desc->cost_model[0])
		return ret;
	if (!rh_cost_builtin_text(desc->cost_model, &len))
		return dt_error(ctx, 0, "rheap-sim,cost-model",
				"no built-in cost model \"%s\"", desc->cost_model);
	return 0;
}

static int dt_parse_root(const struct dt_ctx *ctx, struct rh_platform_desc *desc,
			 int *ret_ac, int *ret_sc)
{
	int ret;

	ret = dt_first_string(ctx, 0, "model", desc->model, sizeof(desc->model), true);
	if (ret)
		return ret;
	ret = dt_cost_model(ctx, desc);
	if (ret)
		return ret;
	/* Devicetree spec defaults when absent: 2 address cells, 1 size cell. */
	ret = dt_cells(ctx, 0, "#address-cells", 2, ret_ac);
	if (ret)
		return ret;
	return dt_cells(ctx, 0, "#size-cells", 1, ret_sc);
}

static bool dt_is_memory_node(const struct dt_ctx *ctx, int node)
{
	const char *name, *type;
	int len;

	type = fdt_getprop(ctx->fdt, node, "device_type", &len);
	if (type && len > 0 && memchr(type, '\0', (size_t)len))
		return !strcmp(type, "memory");
	name = fdt_get_name(ctx->fdt, node, &len);
	if (!name || len < 6 || strncmp(name, "memory", 6))
		return false;
	return len == 6 || name[6] == '@';
}

/* Mirrors early_init_dt_scan_memory(): the first memory node, its first reg entry. */
static int dt_parse_memory(const struct dt_ctx *ctx, int ac, int sc,
			   struct rh_platform_desc *desc)
{
	uint64_t base, size, end;
	int node, ret;

	fdt_for_each_subnode(node, ctx->fdt, 0) {
		if (dt_is_memory_node(ctx, node) && dt_node_available(ctx, node))
			break;
	}
	if (node < 0)
		return dt_error_path(ctx, "/memory", "reg",
				     "no memory node (device_type \"memory\") in the root");
	ret = dt_read_reg(ctx, node, ac, sc, &base, &size);
	if (ret == -ENOENT)
		return dt_error(ctx, node, "reg", "missing");
	if (ret)
		return ret;
	if (!size)
		return dt_error(ctx, node, "reg", "zero size");
	if (!RH_IS_ALIGNED(base | size, RH_PAGE_SIZE))
		return dt_error(ctx, node, "reg", "0x%" PRIx64 "+0x%" PRIx64
				" is not page aligned", base, size);
	if (__builtin_add_overflow(base, size, &end))
		return dt_error(ctx, node, "reg", "0x%" PRIx64 "+0x%" PRIx64
				" wraps the address space", base, size);
	desc->dram_base = base;
	desc->dram_size = size;
	return 0;
}

struct dt_rmem {
	int node;
	bool dynamic; /* size (+ alignment): placed after every static region */
};

static bool ranges_overlap(uint64_t a_base, uint64_t a_size, uint64_t b_base, uint64_t b_size)
{
	return a_base < b_base + b_size && b_base < a_base + a_size;
}

/* One /reserved-memory child into @r; the dynamic ones get their base later. */
static int dt_parse_rmem_node(const struct dt_ctx *ctx, int node, int ac, int sc,
			      const struct rh_platform_desc *desc,
			      struct rh_reserved_region *r, bool *ret_dynamic)
{
	uint64_t dram_end = desc->dram_base + desc->dram_size;
	uint64_t base = 0, size = 0, end;
	bool restricted;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = dt_node_ident(ctx, node, r->name, sizeof(r->name), r->compatible,
			    sizeof(r->compatible));
	if (ret)
		return ret;
	r->no_map = dt_has_prop(ctx, node, "no-map");
	r->reusable = dt_has_prop(ctx, node, "reusable");
	restricted = !fdt_node_check_compatible(ctx->fdt, node,
						DT_COMPAT_DYNAMIC_RESTRICTED);

	/* reserved-memory.yaml: a reusable region may go to the OS; no-map contradicts it. */
	if (r->no_map && r->reusable)
		return dt_error(ctx, node, "no-map", "contradicts reusable");
	if (restricted && !r->reusable)
		return dt_error(ctx, node, "reusable",
				"required by " DT_COMPAT_DYNAMIC_RESTRICTED);

	ret = dt_read_sized(ctx, node, "alignment", sc, &r->alignment);
	if (ret && ret != -ENOENT)
		return ret;
	if (!ret && (!is_power_of_2(r->alignment) || r->alignment < RH_PAGE_SIZE))
		return dt_error(ctx, node, "alignment", "0x%" PRIx64
				" is not a power of two >= the page size 0x%lx",
				r->alignment, RH_PAGE_SIZE);

	ret = dt_read_reg(ctx, node, ac, sc, &base, &size);
	if (ret && ret != -ENOENT)
		return ret;
	if (ret == -ENOENT) {
		ret = dt_read_sized(ctx, node, "size", sc, &size);
		if (ret == -ENOENT)
			return dt_error(ctx, node, "reg", "missing (neither reg nor size)");
		if (ret)
			return ret;
		if (!size || !RH_IS_ALIGNED(size, RH_PAGE_SIZE))
			return dt_error(ctx, node, "size", "0x%" PRIx64
					" is not a nonzero multiple of the page size", size);
		r->size = size;
		*ret_dynamic = true;
		return 0;
	}
	if (!size)
		return dt_error(ctx, node, "reg", "zero size");
	if (!RH_IS_ALIGNED(base | size, RH_PAGE_SIZE))
		return dt_error(ctx, node, "reg", "0x%" PRIx64 "+0x%" PRIx64
				" is not page aligned", base, size);
	if (__builtin_add_overflow(base, size, &end) || base < desc->dram_base ||
	    end > dram_end)
		return dt_error(ctx, node, "reg", "0x%" PRIx64 "+0x%" PRIx64
				" is outside DRAM 0x%" PRIx64 "-0x%" PRIx64,
				base, size, desc->dram_base, dram_end);
	r->base = base;
	r->size = size;
	*ret_dynamic = false;
	return 0;
}

struct dt_span {
	uint64_t base, end;
};

/*
 * Mirrors __reserved_mem_alloc_size() -> memblock_phys_alloc_range(): the
 * highest @align-aligned range of @size inside DRAM that overlaps nothing
 * already reserved (memblock allocates top-down by default).
 */
static bool dt_alloc_top_down(const struct rh_platform_desc *desc, const bool *placed,
			      uint64_t size, uint64_t align, uint64_t *ret_base)
{
	struct dt_span busy[RH_MAX_RESERVED], tmp;
	uint64_t lo = desc->dram_base, gap_start, gap_end, cand;
	unsigned int i, j, nr = 0;

	for (i = 0; i < desc->nr_reserved; i++) {
		if (!placed[i])
			continue;
		busy[nr].base = desc->reserved[i].base;
		busy[nr].end = desc->reserved[i].base + desc->reserved[i].size;
		/* insertion sort by base: at most RH_MAX_RESERVED entries */
		for (j = nr; j > 0 && busy[j - 1].base > busy[j].base; j--) {
			tmp = busy[j - 1];
			busy[j - 1] = busy[j];
			busy[j] = tmp;
		}
		nr++;
	}

	gap_end = desc->dram_base + desc->dram_size;
	for (i = nr;; i--) {
		gap_start = i ? busy[i - 1].end : lo;
		if (gap_end > gap_start && gap_end - gap_start >= size) {
			cand = (gap_end - size) & ~(align - 1);
			if (cand >= gap_start) {
				*ret_base = cand;
				return true;
			}
		}
		if (!i)
			return false;
		gap_end = busy[i - 1].base;
	}
}

/* Mirrors fdt_scan_reserved_mem() + fdt_init_reserved_mem() (drivers/of/of_reserved_mem.c). */
static int dt_parse_reserved(const struct dt_ctx *ctx, struct rh_platform_desc *desc)
{
	struct dt_rmem rmem[RH_MAX_RESERVED];
	bool placed[RH_MAX_RESERVED] = { false };
	char other[DT_PATH_MAX];
	struct rh_reserved_region *r;
	uint64_t align;
	unsigned int i, j;
	int parent, node, ac, sc, ret;
	bool dynamic;

	parent = fdt_subnode_offset(ctx->fdt, 0, "reserved-memory");
	if (parent < 0)
		return 0;
	ret = dt_cells(ctx, parent, "#address-cells", 2, &ac);
	if (ret)
		return ret;
	ret = dt_cells(ctx, parent, "#size-cells", 1, &sc);
	if (ret)
		return ret;

	fdt_for_each_subnode(node, ctx->fdt, parent) {
		if (!dt_node_available(ctx, node))
			continue;
		if (desc->nr_reserved == RH_MAX_RESERVED)
			return dt_error(ctx, node, "reg", "more than %d reserved regions",
					RH_MAX_RESERVED);
		r = &desc->reserved[desc->nr_reserved];
		dynamic = false;
		ret = dt_parse_rmem_node(ctx, node, ac, sc, desc, r, &dynamic);
		if (ret)
			return ret;
		rmem[desc->nr_reserved].node = node;
		rmem[desc->nr_reserved].dynamic = dynamic;
		placed[desc->nr_reserved] = !dynamic;
		desc->nr_reserved++;
	}

	/* Static regions first, as the kernel reserves them while scanning. */
	for (i = 0; i < desc->nr_reserved; i++) {
		for (j = 0; j < i; j++) {
			if (rmem[i].dynamic || rmem[j].dynamic)
				continue;
			if (!ranges_overlap(desc->reserved[i].base, desc->reserved[i].size,
					    desc->reserved[j].base, desc->reserved[j].size))
				continue;
			dt_node_path(ctx, rmem[j].node, other, sizeof(other));
			return dt_error(ctx, rmem[i].node, "reg", "overlaps %s", other);
		}
	}

	/* Then the dynamic ones in tree order, each avoiding all placed so far. */
	for (i = 0; i < desc->nr_reserved; i++) {
		if (!rmem[i].dynamic)
			continue;
		r = &desc->reserved[i];
		align = r->alignment ? r->alignment : RH_PAGE_SIZE;
		if (!dt_alloc_top_down(desc, placed, r->size, align, &r->base))
			return dt_error(ctx, rmem[i].node, "size", "no room for 0x%" PRIx64
					" bytes aligned to 0x%" PRIx64 " in DRAM",
					r->size, align);
		placed[i] = true;
	}
	return 0;
}

/* The firewall node (compatible "rheap-sim,firewall"); defaults without one. */
static int dt_parse_firewall(const struct dt_ctx *ctx, struct rh_platform_desc *desc)
{
	char first[DT_PATH_MAX];
	const void *val;
	uint64_t gran;
	uint32_t regions;
	int node, found = -1, len;

	desc->firewall_regions = DT_FIREWALL_DEFAULT_REGIONS;
	desc->firewall_granularity = DT_FIREWALL_DEFAULT_GRANULARITY;

	for (node = fdt_node_offset_by_compatible(ctx->fdt, -1, DT_COMPAT_FIREWALL);
	     node >= 0;
	     node = fdt_node_offset_by_compatible(ctx->fdt, node, DT_COMPAT_FIREWALL)) {
		if (!dt_node_available(ctx, node))
			continue;
		if (found >= 0) {
			dt_node_path(ctx, found, first, sizeof(first));
			return dt_error(ctx, node, "compatible",
					"second " DT_COMPAT_FIREWALL " node (first is %s)",
					first);
		}
		found = node;
	}
	if (found < 0)
		return 0;

	val = fdt_getprop(ctx->fdt, found, "rheap-sim,regions", &len);
	if (val) {
		if (len != (int)sizeof(fdt32_t))
			return dt_error(ctx, found, "rheap-sim,regions",
					"must be one cell, got %d bytes", len);
		regions = fdt32_ld(val);
		if (regions < 1 || regions > DT_FIREWALL_MAX_REGIONS)
			return dt_error(ctx, found, "rheap-sim,regions",
					"%" PRIu32 " is out of range 1..%u", regions,
					DT_FIREWALL_MAX_REGIONS);
		desc->firewall_regions = regions;
	}

	val = fdt_getprop(ctx->fdt, found, "rheap-sim,granularity", &len);
	if (val) {
		if (len != (int)sizeof(fdt32_t) && len != 2 * (int)sizeof(fdt32_t))
			return dt_error(ctx, found, "rheap-sim,granularity",
					"must be one or two cells, got %d bytes", len);
		gran = dt_read_cells(val, len / (int)sizeof(fdt32_t));
		if (!is_power_of_2(gran) || gran < RH_PAGE_SIZE)
			return dt_error(ctx, found, "rheap-sim,granularity",
					"0x%" PRIx64 " is not a power of two >= 0x%lx", gran,
					RH_PAGE_SIZE);
		desc->firewall_granularity = gran;
	}
	return 0;
}

/*
 * Every node carrying a master id is a DMA master: "rheap-sim,master-id"
 * (with "rheap-sim,secure-capable") on any SoC, or the MediaTek names the
 * seed's platforms use.
 */
static const char *dt_master_id_prop(const struct dt_ctx *ctx, int node)
{
	if (dt_has_prop(ctx, node, "rheap-sim,master-id"))
		return "rheap-sim,master-id";
	return "mediatek,master-id";
}

static int dt_parse_devices(const struct dt_ctx *ctx, struct rh_platform_desc *desc)
{
	int nodes[RH_MAX_DEVICES];
	char other[DT_PATH_MAX];
	struct rh_device_desc *d;
	const char *prop;
	const void *val;
	unsigned int i;
	int node, depth = 0, len, ret;

	for (node = fdt_next_node(ctx->fdt, -1, &depth); node >= 0;
	     node = fdt_next_node(ctx->fdt, node, &depth)) {
		prop = dt_master_id_prop(ctx, node);
		val = fdt_getprop(ctx->fdt, node, prop, &len);
		if (!val || !dt_node_available(ctx, node))
			continue;
		if (dt_has_prop(ctx, node, "rheap-sim,master-id") &&
		    dt_has_prop(ctx, node, "mediatek,master-id"))
			return dt_error(ctx, node, prop, "given twice (mediatek,master-id too)");
		if (desc->nr_devices == RH_MAX_DEVICES)
			return dt_error(ctx, node, prop, "more than %d devices", RH_MAX_DEVICES);
		if (len != (int)sizeof(fdt32_t))
			return dt_error(ctx, node, prop, "must be one cell, got %d bytes", len);
		d = &desc->devices[desc->nr_devices];
		memset(d, 0, sizeof(*d));
		d->master_id = fdt32_ld(val);
		d->secure_capable = dt_has_prop(ctx, node, "mediatek,secure-capable") ||
				    dt_has_prop(ctx, node, "rheap-sim,secure-capable");
		ret = dt_node_ident(ctx, node, d->name, sizeof(d->name), d->compatible,
				    sizeof(d->compatible));
		if (ret)
			return ret;
		for (i = 0; i < desc->nr_devices; i++) {
			if (desc->devices[i].master_id == d->master_id) {
				dt_node_path(ctx, nodes[i], other, sizeof(other));
				return dt_error(ctx, node, prop,
						"duplicate id %" PRIu32 " (also %s)",
						d->master_id, other);
			}
			if (!strcmp(desc->devices[i].name, d->name)) {
				dt_node_path(ctx, nodes[i], other, sizeof(other));
				return dt_error(ctx, node, "name",
						"duplicate device name \"%s\" (also %s)",
						d->name, other);
			}
		}
		nodes[desc->nr_devices++] = node;
	}
	if (node != -FDT_ERR_NOTFOUND)
		return dt_error_path(ctx, "/", "structure", "malformed tree: %s",
				     fdt_strerror(node));
	return 0;
}

static int dt_check_blob(const struct dt_ctx *ctx, const void *blob, size_t size)
{
	int err;

	if (size < sizeof(struct fdt_header))
		return dt_error_path(ctx, "/", "header",
				     "not a device tree blob (%zu bytes)", size);
	err = fdt_check_header(blob);
	if (err)
		return dt_error_path(ctx, "/", "header", "not a device tree blob (%s)",
				     fdt_strerror(err));
	/*
	 * dtc has written version 17 since 2007; the older layouts take paths
	 * of libfdt 1.6.1 that dereference NULL on crafted input (found by
	 * fuzz/platform-dtb.c), so they are refused here.
	 */
	if (fdt_version(blob) < 17)
		return dt_error_path(ctx, "/", "header",
				     "not a device tree blob (version %u, need 17)",
				     fdt_version(blob));
	if (fdt_totalsize(blob) > size)
		return dt_error_path(ctx, "/", "header",
				     "not a device tree blob (totalsize %u > %zu bytes)",
				     fdt_totalsize(blob), size);
	/* Walk the whole structure once so the lookups below see a sane tree. */
	err = fdt_check_full(blob, fdt_totalsize(blob));
	if (err)
		return dt_error_path(ctx, "/", "structure",
				     "not a device tree blob (%s)", fdt_strerror(err));
	return 0;
}

static int dt_parse(const struct dt_ctx *ctx, struct rh_platform_desc *desc)
{
	int ac, sc, ret;

	ret = dt_parse_root(ctx, desc, &ac, &sc);
	if (ret)
		return ret;
	ret = dt_parse_memory(ctx, ac, sc, desc);
	if (ret)
		return ret;
	ret = dt_parse_reserved(ctx, desc);
	if (ret)
		return ret;
	ret = dt_parse_firewall(ctx, desc);
	if (ret)
		return ret;
	return dt_parse_devices(ctx, desc);
}

RH_EXPORT int rh_platform_parse_dtb(const void *blob, size_t size,
				    struct rh_platform_desc *ret_desc,
				    char *errbuf, size_t errlen)
{
	struct rh_platform_desc desc;
	struct dt_ctx ctx = {
		.errbuf = errbuf,
		.errlen = errlen,
	};
	void *copy = NULL;
	int ret;

	if (!blob || !ret_desc)
		return dt_error_path(&ctx, "/", "blob", "%s is NULL",
				     blob ? "ret_desc" : "blob");
	/* libfdt wants an 8-byte aligned blob (FDT_ERR_ALIGNMENT). */
	if ((uintptr_t)blob & 7) {
		if (size < sizeof(struct fdt_header))
			return dt_check_blob(&ctx, blob, size);
		copy = rh_malloc(size);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, blob, size);
		blob = copy;
	}
	ctx.fdt = blob;
	memset(&desc, 0, sizeof(desc));
	ret = dt_check_blob(&ctx, blob, size);
	if (!ret)
		ret = dt_parse(&ctx, &desc);
	if (!ret)
		*ret_desc = desc;
	rh_free(copy);
	return ret;
}
