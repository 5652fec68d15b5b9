// SPDX-License-Identifier: MIT
/* The secure OS's protected memory: per-use-case configuration from the device tree. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include <rheap/device.h>
#include <rheap/firewall.h>
#include <rheap/phys.h>

#include "emu.h"
#include "internal.h"
#include "optee/protmem-internal.h"

#define OPTEE_COMPATIBLE "linaro,optee-tz"

struct pm_dt {
	struct rh_platform *plat;
	const void *fdt;
	int node;
};

/* One line naming node and property, as the normal world's DT parser does. */
static int RH_PRINTF(3, 4) pm_dt_error(const struct pm_dt *dt, const char *prop,
				       const char *fmt, ...)
{
	char path[256] = "?", problem[160];
	va_list ap;

	fdt_get_path(dt->fdt, dt->node, path, sizeof(path));
	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	EMSG(dt->plat, "protmem: %s: %s: %s", path, prop, problem);
	return -EINVAL;
}

/* A one- or two-cell number; -ENOENT when absent. */
static int pm_dt_u64(const struct pm_dt *dt, const char *prop, uint64_t *ret)
{
	const fdt32_t *val;
	int len;

	val = fdt_getprop(dt->fdt, dt->node, prop, &len);
	if (!val)
		return -ENOENT;
	if (len == 4)
		*ret = fdt32_ld(val);
	else if (len == 8)
		*ret = (uint64_t)fdt32_ld(val) << 32 | fdt32_ld(val + 1);
	else
		return pm_dt_error(dt, prop, "must be one or two cells, got %d bytes", len);
	return 0;
}

/* Node name up to its unit address. */
static void pm_dt_basename(const void *fdt, int node, char *buf, size_t len)
{
	const char *name = fdt_get_name(fdt, node, NULL);
	size_t n = name ? strcspn(name, "@") : 0;

	if (n >= len)
		n = len - 1;
	memcpy(buf, name ? name : "", n);
	buf[n] = '\0';
}

/* The node a phandle cell names; -EINVAL (logged) when none does. */
static int pm_dt_phandle(const struct pm_dt *dt, const char *prop, uint32_t phandle,
			 int *ret_node)
{
	int node = phandle ? fdt_node_offset_by_phandle(dt->fdt, phandle) : -1;

	if (node < 0)
		return pm_dt_error(dt, prop, "phandle 0x%x names no node", phandle);
	*ret_node = node;
	return 0;
}

static int pm_dt_masters(const struct pm_dt *dt, struct protmem_use_case *uc)
{
	const char *prop = "rheap-sim,masters";
	const fdt32_t *val;
	char name[RH_NAME_LEN];
	uint32_t access, id;
	int len, i, node = -1, ret;

	val = fdt_getprop(dt->fdt, dt->node, prop, &len);
	if (!val)
		return 0;
	if (len % 8)
		return pm_dt_error(dt, prop, "needs <phandle access> pairs, got %d bytes", len);
	if (len / 8 > RH_PROTMEM_MAX_MASTERS)
		return pm_dt_error(dt, prop, "more than %d masters", RH_PROTMEM_MAX_MASTERS);
	for (i = 0; i < len / 8; i++) {
		struct protmem_master *m = &uc->masters[uc->nr_masters];

		ret = pm_dt_phandle(dt, prop, fdt32_ld(val + 2 * i), &node);
		if (ret)
			return ret;
		access = fdt32_ld(val + 2 * i + 1);
		pm_dt_basename(dt->fdt, node, name, sizeof(name));
		m->dev = rh_device_find(dt->plat, name);
		if (!m->dev)
			return pm_dt_error(dt, prop, "%s is not a DMA master", name);
		if (!rh_device_is_secure_capable(m->dev))
			return pm_dt_error(dt, prop, "%s is not secure-capable", name);
		if (!access || access & ~(RH_PROTMEM_ACCESS_READ | RH_PROTMEM_ACCESS_WRITE))
			return pm_dt_error(dt, prop, "access 0x%x of %s is not 1 (read), 2 "
					   "(write) or 3", access, name);
		id = rh_device_master_id(m->dev);
		if (id >= 64)
			return pm_dt_error(dt, prop, "master id %u of %s is beyond the "
					   "firewall's 64 policy bits", id, name);
		if (uc->fw_masters & RH_FW_MASTER(id))
			return pm_dt_error(dt, prop, "%s is listed twice", name);
		m->access = access;
		uc->fw_masters |= RH_FW_MASTER(id);
		uc->nr_masters++;
	}
	return 0;
}

/* A static use case's carveout: a no-map reserved region the firewall can protect. */
static int pm_dt_carveout(const struct pm_dt *dt, struct protmem_use_case *uc,
			  uint32_t phandle)
{
	const char *prop = "rheap-sim,carveout";
	const struct rh_reserved_region *r;
	uint64_t gran = rh_firewall_granularity(dt->plat->firewall);
	char name[RH_NAME_LEN];
	int node = -1, ret;

	ret = pm_dt_phandle(dt, prop, phandle, &node);
	if (ret)
		return ret;
	pm_dt_basename(dt->fdt, node, name, sizeof(name));
	r = rh_phys_reserved_find(dt->plat, name);
	if (!r || !r->no_map)
		return pm_dt_error(dt, prop, "%s is not a no-map reserved region", name);
	if (!RH_IS_ALIGNED(r->base | r->size, gran))
		return pm_dt_error(dt, prop, "%s is not aligned to the firewall granularity "
				   "0x%" PRIx64, name, gran);
	uc->base = r->base;
	uc->size = r->size;
	return 0;
}

static int pm_dt_use_case(struct rh_protmem *pm, const struct pm_dt *dt)
{
	uint64_t gran = rh_firewall_granularity(pm->plat->firewall), id;
	struct protmem_use_case *uc;
	const fdt32_t *carveout;
	int ret, len;

	ret = pm_dt_u64(dt, "rheap-sim,use-case", &id);
	if (ret)
		return ret;
	if (!valid_use_case(id))
		return pm_dt_error(dt, "rheap-sim,use-case", "%" PRIu64 " is not 1, 2 or 3", id);
	uc = &pm->uc[id];
	if (uc->configured)
		return pm_dt_error(dt, "rheap-sim,use-case", "use case %" PRIu64
				   " is configured twice", id);
	carveout = fdt_getprop(dt->fdt, dt->node, "rheap-sim,carveout", &len);
	if (carveout) {
		if (len != 4)
			return pm_dt_error(dt, "rheap-sim,carveout", "must be one phandle");
		ret = pm_dt_carveout(dt, uc, fdt32_ld(carveout));
		if (ret)
			return ret;
	} else {
		if (pm_dt_u64(dt, "rheap-sim,min-size", &uc->min_size))
			return pm_dt_error(dt, "rheap-sim,min-size", "missing (neither a "
					   "carveout nor a minimum size)");
		ret = pm_dt_u64(dt, "rheap-sim,alignment", &uc->alignment);
		if (ret == -ENOENT)
			uc->alignment = gran;
		else if (ret)
			return ret;
		if (uc->alignment < gran || uc->alignment & (uc->alignment - 1))
			return pm_dt_error(dt, "rheap-sim,alignment", "0x%" PRIx64 " is not a "
					   "power of two >= the firewall granularity 0x%" PRIx64,
					   uc->alignment, gran);
		if (!uc->min_size || !RH_IS_ALIGNED(uc->min_size, gran))
			return pm_dt_error(dt, "rheap-sim,min-size", "0x%" PRIx64 " is not a "
					   "non-zero multiple of the firewall granularity",
					   uc->min_size);
		uc->dynamic = true;
	}
	ret = pm_dt_masters(dt, uc);
	if (ret)
		return ret;
	uc->configured = true;
	return 0;
}

int rh_protmem_dt_parse(struct rh_protmem *pm)
{
	struct pm_dt dt = { .plat = pm->plat, .fdt = pm->plat->dtb };
	unsigned int statics = 0, i;
	int child, ret;

	dt.node = fdt_node_offset_by_compatible(dt.fdt, -1, OPTEE_COMPATIBLE);
	if (dt.node < 0)
		return 0;
	pm->dump_allowed = fdt_getprop(dt.fdt, dt.node, "rheap-sim,sdp-dump-allowed",
				       NULL) != NULL;
	fdt_for_each_subnode(child, dt.fdt, dt.node) {
		struct pm_dt cdt = dt;

		cdt.node = child;
		if (!fdt_getprop(dt.fdt, child, "rheap-sim,use-case", NULL))
			continue;
		ret = pm_dt_use_case(pm, &cdt);
		if (ret)
			return ret;
	}
	for (i = 1; i < PROTMEM_NR_USE_CASES; i++)
		statics += pm->uc[i].configured && !pm->uc[i].dynamic;
	/* OPTEE_SMC_GET_PROTMEM_CONFIG reports one carveout. */
	if (statics > 1)
		return pm_dt_error(&dt, "rheap-sim,carveout", "%u use cases have a carveout; "
				   "the secure world reports one", statics);
	return 0;
}
