/* SPDX-License-Identifier: MIT */
/* Test bench: the simulated firewall (TZASC / EMI-MPU) as the hardware sees it: its regions and violation log. */
#ifndef RHEAP_FIREWALL_H
#define RHEAP_FIREWALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>

RH_BEGIN_DECLS

/*
 * Not a normal-world capability: the firewall's registers and its violation
 * log belong to the secure world and to the test bench observing it (a
 * debugger on the SoC, the EMI MPU's interrupt handler in the TEE). Tests and
 * tools read them to check that every refusal happened and was recorded.
 */

/** Master id recorded for accesses by the normal-world CPU. */
#define RH_MASTER_CPU UINT32_MAX

/** Records kept by the violation log; older ones are overwritten (counted). */
#define RH_VIOLATION_LOG_SIZE 64

/**
 * struct rh_violation - one access refused by the firewall (an EMI-MPU report)
 * @seq: 1-based sequence number since the platform was created (never reset)
 * @timestamp_ns: CLOCK_MONOTONIC time of the refusal, in nanoseconds
 * @pa, @size: the whole access that was attempted
 * @fault_pa: first byte of the access that hit a protected region
 * @master_id: bus master id, or RH_MASTER_CPU for a normal-world CPU access
 * @master: device name, or "cpu"
 * @write: true for a write, false for a read
 * @secure: the master was in secure mode (always false for the CPU)
 * @region: firewall region index that refused it, -1 if it was cleared since
 */
struct rh_violation {
	uint64_t seq;
	uint64_t timestamp_ns;
	rh_phys_addr_t pa;
	uint64_t size;
	rh_phys_addr_t fault_pa;
	uint32_t master_id;
	char master[RH_NAME_LEN];
	bool write;
	bool secure;
	int region;
};

/**
 * rh_phys_violation_count() - violations since creation or the last reset
 *
 * Counts every refusal, including records the bounded log has dropped.
 * @return the count, 0 for a NULL @plat.
 */
RH_EXPORT uint64_t rh_phys_violation_count(struct rh_platform *plat);

/**
 * rh_phys_violations_get() - copy the logged violations, oldest first
 * @plat: the platform
 * @ret_records: room for @max records
 * @max: capacity of @ret_records (at most RH_VIOLATION_LOG_SIZE are kept)
 * @ret_count: number of records written
 *
 * When more than @max records are logged, the most recent @max are copied.
 * @return 0, -EINVAL for a NULL argument or @max 0.
 */
RH_EXPORT int rh_phys_violations_get(struct rh_platform *plat,
				     struct rh_violation *ret_records,
				     unsigned int max, unsigned int *ret_count);

/**
 * rh_phys_violation_last() - the most recent logged violation
 * @return 0, -ENOENT when the log is empty, -EINVAL for a NULL argument.
 */
RH_EXPORT int rh_phys_violation_last(struct rh_platform *plat,
				     struct rh_violation *ret_violation);

/**
 * rh_phys_violations_reset() - empty the log and zero rh_phys_violation_count()
 *
 * Sequence numbers and the lifetime counters of rh_platform_get_stats()
 * keep running. NULL-safe.
 */
RH_EXPORT void rh_phys_violations_reset(struct rh_platform *plat);

/** Firewall policy: only the secure-world CPU may access the region. */
#define RH_FW_SECURE_ONLY 0ULL
/** Firewall policy: any master in secure mode may access the region. */
#define RH_FW_ANY_SECURE_MASTER (~0ULL)
/** Firewall policy bit for master @id (0..63) while it is in secure mode. */
#define RH_FW_MASTER(id) (1ULL << (id))

/**
 * struct rh_fw_region - read-only view of one firewall region
 * @index: region number (0..firewall_regions - 1)
 * @in_use: the region is programmed; the other fields are 0 otherwise
 * @base, @size: the protected range
 * @masters: RH_FW_SECURE_ONLY, RH_FW_ANY_SECURE_MASTER or RH_FW_MASTER() bits
 *
 * The normal-world CPU and every master in non-secure mode are always
 * refused inside a programmed region.
 */
struct rh_fw_region {
	unsigned int index;
	bool in_use;
	rh_phys_addr_t base;
	uint64_t size;
	uint64_t masters;
};

/**
 * rh_phys_firewall_region() - describe firewall region @index
 *
 * Reading the configuration is allowed to the normal world (as the TZC-400
 * region registers are readable); programming is not (secure world only).
 * @return 0, -EINVAL for a NULL argument or an index out of range.
 */
RH_EXPORT int rh_phys_firewall_region(struct rh_platform *plat,
				      unsigned int index,
				      struct rh_fw_region *ret_region);

RH_END_DECLS

#endif /* RHEAP_FIREWALL_H */
