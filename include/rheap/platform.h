/* SPDX-License-Identifier: MIT */
/* The simulated platform: owns DRAM, firewall, devices, heaps, TEE and fd table. */
#ifndef RHEAP_PLATFORM_H
#define RHEAP_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/export.h>

RH_BEGIN_DECLS

struct rh_platform;
struct rh_cost_model;

/** Simulated page size (PAGE_SHIFT 12, as every arm64 SoC of the seed). */
#define RH_PAGE_SHIFT 12
#define RH_PAGE_SIZE (1UL << RH_PAGE_SHIFT)
#define RH_PAGE_ALIGN(x) (((x) + RH_PAGE_SIZE - 1) & ~(uint64_t)(RH_PAGE_SIZE - 1))

/** Physical and DMA addresses of the simulated platform (never host pointers). */
typedef uint64_t rh_phys_addr_t;
typedef uint64_t rh_dma_addr_t;

enum rh_log_level {
	RH_LOG_ERR = 3,
	RH_LOG_WARN = 4,
	RH_LOG_INFO = 6,
	RH_LOG_DEBUG = 7,
};

#define RH_NAME_LEN 64
#define RH_MAX_RESERVED 16
#define RH_MAX_DEVICES 32

/**
 * struct rh_reserved_region - a /reserved-memory child node
 * @name: node name without unit address ("restricted-cma")
 * @compatible: first compatible string, or "" when absent
 * @base, @size: the region (from reg, or allocated from size/alignment)
 * @alignment: 0 when the node has none
 * @no_map: "no-map" present (static TEE carveout)
 * @reusable: "reusable" present (CMA-able)
 */
struct rh_reserved_region {
	char name[RH_NAME_LEN];
	char compatible[RH_NAME_LEN];
	rh_phys_addr_t base;
	uint64_t size;
	uint64_t alignment;
	bool no_map;
	bool reusable;
};

/**
 * struct rh_device_desc - a DMA master described by the device tree
 * @name: node name ("vcodec")
 * @compatible: first compatible string
 * @master_id: bus master id used by the firewall ("rheap-sim,master-id", or
 *             "mediatek,master-id" on the MediaTek platforms)
 * @secure_capable: "rheap-sim,secure-capable" or "mediatek,secure-capable"
 *                  present
 */
struct rh_device_desc {
	char name[RH_NAME_LEN];
	char compatible[RH_NAME_LEN];
	uint32_t master_id;
	bool secure_capable;
};

/**
 * struct rh_platform_desc - everything the device tree says about the platform
 */
struct rh_platform_desc {
	char model[RH_NAME_LEN];
	rh_phys_addr_t dram_base;
	uint64_t dram_size;
	unsigned int nr_reserved;
	struct rh_reserved_region reserved[RH_MAX_RESERVED];
	unsigned int firewall_regions;
	uint64_t firewall_granularity;
	unsigned int nr_devices;
	struct rh_device_desc devices[RH_MAX_DEVICES];
	/* root "rheap-sim,cost-model": the built-in cost model a user gets by default; "" when absent */
	char cost_model[RH_NAME_LEN];
};

/**
 * struct rh_platform_info - how to build a platform (zero it, then fill)
 * @dtb, @dtb_size: a flattened device tree blob; NULL for @dtb_path or default
 * @dtb_path: a .dtb file; used when @dtb is NULL; both NULL: built-in default
 * @log_level: 0 = $RHEAP_LOG_LEVEL or RH_LOG_ERR
 * @log_fn, @log_data: log sink; NULL = one line per message on stderr
 * @trace_fn, @trace_data: optional; called once inside rh_platform_new(),
 *	right after the trace module is up and before any other module is
 *	built, so that the sinks it attaches (rh_trace_add_*_sink(),
 *	rh_trace_add_sink()) see the boot events too: the platform and its
 *	reserved regions, firewall regions programmed at boot, heaps being
 *	registered. Only the trace API may be used on @plat there. A non-zero
 *	return fails rh_platform_new() with it (-EINVAL when positive); the
 *	sinks attached so far are finished as on destruction.
 * @cost_model: optional; run simulated clocks on this model (copied;
 *	rheap/cost-model.h). NULL: no simulated time, and no cost at all.
 * @cost_seed: seed of the model's random draws; 0: RH_COST_DEFAULT_SEED
 */
struct rh_platform_info {
	const void *dtb;
	size_t dtb_size;
	const char *dtb_path;
	enum rh_log_level log_level;
	void (*log_fn)(void *data, enum rh_log_level level, const char *msg);
	void *log_data;
	int (*trace_fn)(void *data, struct rh_platform *plat);
	void *trace_data;
	const struct rh_cost_model *cost_model;
	uint64_t cost_seed;
};

#define RH_DEFINE_PLATFORM_INFO(name) struct rh_platform_info name = { 0 }

/**
 * rh_platform_new() - create a platform
 * @info: NULL for the built-in default platform
 * @ret_plat: the new platform (one reference), written only on success
 *
 * @return 0, -EINVAL for a bad device tree (one log line names node and
 * property) or a @dtb_path file that is empty or larger than 2 MiB, the
 * errno of open()/read() for an unreadable @dtb_path (-ENOENT, -EACCES,
 * -EISDIR, ...; -EIO for a short read), -ENOMEM.
 */
RH_EXPORT int rh_platform_new(const struct rh_platform_info *info,
			      struct rh_platform **ret_plat);

/**
 * rh_platform_ref() - take another user reference (for another thread, say)
 *
 * Every thread that calls into a platform must own a reference for as long
 * as it does (docs/architecture.md, "What callers may do concurrently").
 * @return @plat; NULL for NULL, and for a platform whose users' last
 * reference is already gone (a caller bug, logged: the platform only
 * lives on for the objects that hold it).
 */
RH_EXPORT struct rh_platform *rh_platform_ref(struct rh_platform *plat);

/**
 * rh_platform_unref() - drop a user reference; NULL-safe; always returns NULL
 *
 * The users' last reference closes every fd and mapping of the platform;
 * the platform itself goes once the objects that hold it (dma-bufs,
 * importers, callers' TEE contexts) are gone too. Until then, a call of
 * the fd layer on it answers -EINVAL and a further unref is ignored, both
 * logged as caller bugs; afterwards any use is a use-after-free.
 */
RH_EXPORT struct rh_platform *rh_platform_unref(struct rh_platform *plat);

RH_EXPORT const struct rh_platform_desc *
rh_platform_get_desc(const struct rh_platform *plat);

RH_EXPORT void rh_platform_set_log_fn(struct rh_platform *plat,
				      void (*log_fn)(void *data,
						     enum rh_log_level level,
						     const char *msg),
				      void *data);
RH_EXPORT void rh_platform_set_log_level(struct rh_platform *plat,
					 enum rh_log_level level);
RH_EXPORT enum rh_log_level rh_platform_get_log_level(const struct rh_platform *plat);

/**
 * struct rh_platform_stats - hardware and world-switch counters of a platform
 * @firewall_regions: regions the firewall has (from the device tree)
 * @firewall_regions_in_use: regions programmed now
 * @firewall_regions_peak: most regions programmed at the same time
 * @firewall_programs: region programming operations since creation
 * @firewall_clears: region clearing operations since creation
 * @firewall_policy_changes: policy updates of programmed regions
 * @violations: accesses refused since creation (rh_phys_violations_reset()
 *              does not reset it)
 * @cpu_violations: of which normal-world CPU accesses that trapped
 * @dma_violations: of which DMA transactions refused
 * @world_switches: normal <-> secure world transitions (SMC entry + return)
 *
 * Reprogramming operations of the firewall are firewall_programs +
 * firewall_clears + firewall_policy_changes; a CMA heap that lends one
 * region for many buffers keeps them low (DESIGN.md §3).
 */
struct rh_platform_stats {
	unsigned int firewall_regions;
	unsigned int firewall_regions_in_use;
	unsigned int firewall_regions_peak;
	uint64_t firewall_programs;
	uint64_t firewall_clears;
	uint64_t firewall_policy_changes;
	uint64_t violations;
	uint64_t cpu_violations;
	uint64_t dma_violations;
	uint64_t world_switches;
};

/**
 * rh_platform_get_stats() - snapshot of the platform counters
 * @ret_stats: filled only on success
 *
 * Each counter is read atomically; the snapshot as a whole is not.
 * @return 0, -EINVAL for a NULL argument.
 */
RH_EXPORT int rh_platform_get_stats(struct rh_platform *plat,
				    struct rh_platform_stats *ret_stats);

/**
 * rh_platform_parse_dtb() - parse and validate a device tree blob
 * @blob, @size: the blob
 * @ret_desc: filled only on success
 * @errbuf, @errlen: on -EINVAL, one line naming the node and the property
 */
RH_EXPORT int rh_platform_parse_dtb(const void *blob, size_t size,
				    struct rh_platform_desc *ret_desc,
				    char *errbuf, size_t errlen);

/** The built-in default platform's DTB (mt8188-svp), embedded at build time. */
RH_EXPORT const void *rh_platform_default_dtb(size_t *ret_size);

RH_END_DECLS

#endif /* RHEAP_PLATFORM_H */
