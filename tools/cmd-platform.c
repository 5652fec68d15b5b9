// SPDX-License-Identifier: MIT
/* rheap-sim platform: memory map, reserved regions, firewall, devices and heaps. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/device.h>
#include <rheap/dma-heap.h>
#include <rheap/firewall.h>
#include <rheap/phys.h>
#include <rheap/platform.h>
#include <rheap/tee-heap.h>
#include <rheap/tee-protmem.h>

#include "commands.h"

#define CMD "platform"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " " CMD " [--platform NAME|FILE] [--json]\n"
		"\n"
		"Show the platform: DRAM and reserved regions in address order, the\n"
		"firewall slots (programmed at boot or free), the DMA masters and the\n"
		"registered dma-heaps, with what backs each protected heap of the TEE\n"
		"(Linux 6.18: a static carveout, or memory lent to the TEE on demand).\n"
		"\n"
		CLI_PLATFORM_HELP
		"  --json                one JSON document on stdout\n"
		"  --help                this text\n");
}

/* Reserved regions sorted by base address (the memory map order). */
static void sort_regions(const struct rh_platform_desc *desc, unsigned int *order)
{
	unsigned int i, j;

	for (i = 0; i < desc->nr_reserved; i++)
		order[i] = i;
	for (i = 1; i < desc->nr_reserved; i++) {
		unsigned int v = order[i];

		for (j = i; j > 0 && desc->reserved[order[j - 1]].base >
					     desc->reserved[v].base; j--)
			order[j] = order[j - 1];
		order[j] = v;
	}
}

static const char *region_owner(const struct rh_platform_desc *desc,
				 const struct rh_fw_region *r)
{
	unsigned int i;

	for (i = 0; i < desc->nr_reserved; i++)
		if (r->base >= desc->reserved[i].base &&
		    r->base - desc->reserved[i].base < desc->reserved[i].size)
			return desc->reserved[i].name;
	return "";
}

static void masters_str(struct rh_platform *plat, uint64_t masters, char *buf,
			size_t len)
{
	unsigned int i, n = rh_device_count(plat);
	size_t used = 0;

	if (masters == RH_FW_SECURE_ONLY) {
		snprintf(buf, len, "secure CPU only");
		return;
	}
	if (masters == RH_FW_ANY_SECURE_MASTER) {
		snprintf(buf, len, "any master in secure mode");
		return;
	}
	used = snprintf(buf, len, "secure CPU");
	for (i = 0; i < n && used < len; i++) {
		struct rh_device *dev = rh_device_get(plat, i);
		uint32_t id = rh_device_master_id(dev);

		if (id < 64 && (masters & RH_FW_MASTER(id)))
			used += snprintf(buf + used, len - used, ", %s", rh_device_name(dev));
	}
	if (used < len)
		snprintf(buf + used, len - used, " (in secure mode)");
}

/* The name of bus master @id, or NULL. */
static const char *master_name(struct rh_platform *plat, uint32_t id)
{
	unsigned int i, n = rh_device_count(plat);

	for (i = 0; i < n; i++)
		if (rh_device_master_id(rh_device_get(plat, i)) == id)
			return rh_device_name(rh_device_get(plat, i));
	return NULL;
}

static const char *access_str(uint32_t attr)
{
	switch (RH_PROTMEM_ATTR_ACCESS(attr)) {
	case RH_PROTMEM_ACCESS_READ:
		return "r";
	case RH_PROTMEM_ACCESS_WRITE:
		return "w";
	case RH_PROTMEM_ACCESS_READ | RH_PROTMEM_ACCESS_WRITE:
		return "rw";
	default:
		return "?";
	}
}

/* "vdec rw, display r": the masters a dynamic protected heap's TEE reported. */
static void attrs_str(struct rh_platform *plat, const struct rh_tee_heap_stats *st, char *buf,
		      size_t len)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < st->nr_mem_attrs && used < len; i++) {
		const char *name = master_name(plat, RH_PROTMEM_ATTR_MASTER(st->mem_attrs[i]));

		if (name)
			used += snprintf(buf + used, len - used, "%s%s %s", i ? ", " : "", name,
					 access_str(st->mem_attrs[i]));
		else
			used += snprintf(buf + used, len - used, "%smaster %u %s", i ? ", " : "",
					 RH_PROTMEM_ATTR_MASTER(st->mem_attrs[i]),
					 access_str(st->mem_attrs[i]));
	}
}

/* One line on what backs protected heap @name; nothing for other heaps. */
static void text_protected(struct rh_platform *plat, const char *name)
{
	struct rh_tee_heap_stats st;
	char sz[32], who[160];

	if (rh_tee_heap_get_stats(plat, name, &st))
		return;
	if (!st.bound) {
		printf("      protected heap of the TEE: no TEE serves it now\n");
	} else if (!st.dynamic) {
		printf("      protected heap of the TEE: static carveout 0x%010" PRIx64
		       "-0x%010" PRIx64 " (%s), protected from boot\n", st.base,
		       st.base + st.size - 1, cli_size_str(st.size, sz, sizeof(sz)));
	} else {
		attrs_str(plat, &st, who, sizeof(who));
		printf("      protected heap of the TEE: %s of DMA memory lent to it with the "
		       "first buffer (LEND_PROTMEM), reclaimed with the last; masters %s\n",
		       cli_size_str(st.min_size, sz, sizeof(sz)), who[0] ? who : "none reported");
	}
}

static int print_text(struct rh_platform *plat, const char *dtb_path)
{
	const struct rh_platform_desc *desc = rh_platform_get_desc(plat);
	const char *heaps[RH_DMA_HEAP_MAX];
	unsigned int order[RH_MAX_RESERVED], i, in_use = 0, n;
	char sz[32], who[256];
	int nheaps, h;

	printf("Platform: %s (%s)\n", desc->model, dtb_path ? dtb_path : "built-in mt8188-svp");
	printf("\nMemory map:\n");
	printf("  0x%010" PRIx64 "-0x%010" PRIx64 "  %-18s %9s\n", desc->dram_base,
	       desc->dram_base + desc->dram_size - 1, "DRAM",
	       cli_size_str(desc->dram_size, sz, sizeof(sz)));
	sort_regions(desc, order);
	for (i = 0; i < desc->nr_reserved; i++) {
		const struct rh_reserved_region *r = &desc->reserved[order[i]];

		printf("  0x%010" PRIx64 "-0x%010" PRIx64 "    %-16s %9s  %s%s%s\n",
		       r->base, r->base + r->size - 1, r->name,
		       cli_size_str(r->size, sz, sizeof(sz)),
		       r->compatible[0] ? r->compatible : "(no compatible)",
		       r->no_map ? ", no-map" : "", r->reusable ? ", reusable" : "");
	}

	for (i = 0; i < desc->firewall_regions; i++) {
		struct rh_fw_region r;

		if (!rh_phys_firewall_region(plat, i, &r) && r.in_use)
			in_use++;
	}
	printf("\nFirewall: %u region slots, granularity %s, %u programmed\n",
	       desc->firewall_regions,
	       cli_size_str(desc->firewall_granularity, sz, sizeof(sz)), in_use);
	for (i = 0; i < desc->firewall_regions; i++) {
		struct rh_fw_region r;

		if (rh_phys_firewall_region(plat, i, &r))
			continue;
		if (!r.in_use) {
			printf("  slot %u: free\n", i);
			continue;
		}
		masters_str(plat, r.masters, who, sizeof(who));
		printf("  slot %u: 0x%010" PRIx64 "-0x%010" PRIx64 " %s %s: %s\n", i, r.base,
		       r.base + r.size - 1, cli_size_str(r.size, sz, sizeof(sz)),
		       region_owner(desc, &r), who);
	}

	n = rh_device_count(plat);
	printf("\nDevices (DMA masters):\n");
	for (i = 0; i < n; i++) {
		struct rh_device *dev = rh_device_get(plat, i);

		printf("  %-10s master %-3u %-15s %-7s %s\n", rh_device_name(dev),
		       rh_device_master_id(dev),
		       rh_device_is_secure_capable(dev) ? "secure-capable" : "non-secure",
		       rh_device_is_secure(dev) ? "secure" : "normal",
		       rh_device_compatible(dev));
	}

	nheaps = rh_dma_heap_list(plat, heaps, RH_DMA_HEAP_MAX);
	printf("\nHeaps (/dev/dma_heap):\n");
	for (h = 0; h < nheaps && h < RH_DMA_HEAP_MAX; h++) {
		printf("  %s\n", heaps[h]);
		text_protected(plat, heaps[h]);
	}
	return fflush(stdout) ? TOOLS_EXIT_FAILURE : 0;
}

static void json_hex(struct tools_json *j, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	tools_json_kv_string(j, key, buf);
}

/* "protected_heaps": what backs each protected heap of the TEE. */
static void json_protected(struct tools_json *j, struct rh_platform *plat, const char **heaps,
			   int nheaps)
{
	struct rh_tee_heap_stats st;
	const char *name;
	unsigned int i;
	int h;

	tools_json_key(j, "protected_heaps");
	tools_json_array_begin(j);
	for (h = 0; h < nheaps && h < RH_DMA_HEAP_MAX; h++) {
		if (rh_tee_heap_get_stats(plat, heaps[h], &st))
			continue;
		tools_json_object_begin(j);
		tools_json_kv_string(j, "name", heaps[h]);
		tools_json_kv_uint(j, "use_case", st.id);
		tools_json_kv_bool(j, "bound", st.bound);
		tools_json_kv_string(j, "pool", st.dynamic ? "dynamic" : "static");
		if (st.dynamic) {
			tools_json_kv_uint(j, "min_size", st.min_size);
		} else {
			json_hex(j, "base", st.base);
			tools_json_kv_uint(j, "size", st.size);
		}
		tools_json_key(j, "masters");
		tools_json_array_begin(j);
		for (i = 0; i < st.nr_mem_attrs; i++) {
			tools_json_object_begin(j);
			name = master_name(plat, RH_PROTMEM_ATTR_MASTER(st.mem_attrs[i]));
			tools_json_kv_uint(j, "master_id", RH_PROTMEM_ATTR_MASTER(st.mem_attrs[i]));
			if (name)
				tools_json_kv_string(j, "device", name);
			tools_json_kv_string(j, "access", access_str(st.mem_attrs[i]));
			tools_json_object_end(j);
		}
		tools_json_array_end(j);
		tools_json_object_end(j);
	}
	tools_json_array_end(j);
}

static int print_json(struct rh_platform *plat)
{
	const struct rh_platform_desc *desc = rh_platform_get_desc(plat);
	const char *heaps[RH_DMA_HEAP_MAX];
	unsigned int order[RH_MAX_RESERVED], i, n;
	struct tools_json j;
	int nheaps, h;

	tools_json_init(&j, stdout);
	tools_json_object_begin(&j);
	tools_json_kv_string(&j, "model", desc->model);
	tools_json_key(&j, "dram");
	tools_json_object_begin(&j);
	json_hex(&j, "base", desc->dram_base);
	tools_json_kv_uint(&j, "size", desc->dram_size);
	tools_json_object_end(&j);

	tools_json_key(&j, "reserved");
	tools_json_array_begin(&j);
	sort_regions(desc, order);
	for (i = 0; i < desc->nr_reserved; i++) {
		const struct rh_reserved_region *r = &desc->reserved[order[i]];

		tools_json_object_begin(&j);
		tools_json_kv_string(&j, "name", r->name);
		tools_json_kv_string(&j, "compatible", r->compatible);
		json_hex(&j, "base", r->base);
		tools_json_kv_uint(&j, "size", r->size);
		tools_json_kv_uint(&j, "alignment", r->alignment);
		tools_json_kv_bool(&j, "no_map", r->no_map);
		tools_json_kv_bool(&j, "reusable", r->reusable);
		tools_json_object_end(&j);
	}
	tools_json_array_end(&j);

	tools_json_key(&j, "firewall");
	tools_json_object_begin(&j);
	tools_json_kv_uint(&j, "regions", desc->firewall_regions);
	tools_json_kv_uint(&j, "granularity", desc->firewall_granularity);
	tools_json_key(&j, "slots");
	tools_json_array_begin(&j);
	for (i = 0; i < desc->firewall_regions; i++) {
		struct rh_fw_region r;

		if (rh_phys_firewall_region(plat, i, &r))
			continue;
		tools_json_object_begin(&j);
		tools_json_kv_uint(&j, "index", i);
		tools_json_kv_bool(&j, "in_use", r.in_use);
		if (r.in_use) {
			json_hex(&j, "base", r.base);
			tools_json_kv_uint(&j, "size", r.size);
			json_hex(&j, "masters", r.masters);
			tools_json_kv_string(&j, "region", region_owner(desc, &r));
		}
		tools_json_object_end(&j);
	}
	tools_json_array_end(&j);
	tools_json_object_end(&j);

	tools_json_key(&j, "devices");
	tools_json_array_begin(&j);
	n = rh_device_count(plat);
	for (i = 0; i < n; i++) {
		struct rh_device *dev = rh_device_get(plat, i);

		tools_json_object_begin(&j);
		tools_json_kv_string(&j, "name", rh_device_name(dev));
		tools_json_kv_string(&j, "compatible", rh_device_compatible(dev));
		tools_json_kv_uint(&j, "master_id", rh_device_master_id(dev));
		tools_json_kv_bool(&j, "secure_capable", rh_device_is_secure_capable(dev));
		tools_json_kv_bool(&j, "secure", rh_device_is_secure(dev));
		tools_json_object_end(&j);
	}
	tools_json_array_end(&j);

	tools_json_key(&j, "heaps");
	tools_json_array_begin(&j);
	nheaps = rh_dma_heap_list(plat, heaps, RH_DMA_HEAP_MAX);
	for (h = 0; h < nheaps && h < RH_DMA_HEAP_MAX; h++)
		tools_json_string(&j, heaps[h]);
	tools_json_array_end(&j);
	json_protected(&j, plat, heaps, nheaps);
	tools_json_object_end(&j);
	if (tools_json_finish(&j))
		return tools_error(stderr, PROG, CMD, "writing the JSON output failed");
	putchar('\n');
	return fflush(stdout) ? TOOLS_EXIT_FAILURE : 0;
}

int cmd_platform(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'd' },
		{ "dtb", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dtb_path = NULL;
	struct rh_platform *plat;
	bool json = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, ":d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dtb_path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_option_error(CMD, argv, c);
		}
	}
	if (optind < argc)
		return cli_extra_args(CMD, argc, argv);
	ret = cli_platform_new(CMD, dtb_path, NULL, &plat);
	if (ret)
		return ret;
	ret = json ? print_json(plat) : print_text(plat, dtb_path);
	rh_platform_unref(plat);
	return ret;
}
