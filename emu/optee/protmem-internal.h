/* SPDX-License-Identifier: MIT */
/* The secure OS's protected-memory state, shared by protmem.c and protmem-dt.c. */
#ifndef RH_EMU_OPTEE_PROTMEM_INTERNAL_H
#define RH_EMU_OPTEE_PROTMEM_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rheap/tee-protmem.h>

#include "optee/msg.h"
#include "optee/protmem.h"

#define PROTMEM_NR_USE_CASES 4 /* index = use case; 0 unused */

struct protmem_master {
	struct rh_device *dev;
	uint32_t access; /* RH_PROTMEM_ACCESS_* */
};

struct protmem_use_case {
	bool configured;
	bool dynamic; /* lent on demand; else the static carveout */
	uint64_t min_size;
	uint64_t alignment;
	unsigned int nr_masters;
	struct protmem_master masters[RH_PROTMEM_MAX_MASTERS];
	uint64_t fw_masters; /* RH_FW_MASTER() bits of the masters */
	/* static: the carveout */
	rh_phys_addr_t base;
	uint64_t size;
	/* counters */
	uint64_t peak_bytes;
	uint64_t lends;
	uint64_t reclaims;
};

struct protmem_region {
	bool in_use;
	uint32_t use_case;
	uint64_t cookie; /* 0: the static carveout, never reclaimed */
	rh_phys_addr_t base;
	uint64_t size;
	unsigned char *sec; /* secure view of base */
	unsigned int fw_index;
	uint64_t win_cookie;
	unsigned int holds;
};

struct rh_protmem {
	struct rh_platform *plat;
	pthread_mutex_t lock;
	bool dump_allowed;
	struct protmem_use_case uc[PROTMEM_NR_USE_CASES];
	/* [0]: the static carveout, when a use case has one */
	struct protmem_region regions[1 + RH_PROTMEM_MAX_LENDS];
	uint64_t refused_lends;
	uint64_t busy_reclaims;
	uint64_t unknown_reclaims;
	uint64_t bytes_scrubbed;
	uint64_t configs;
};

static inline bool valid_use_case(uint64_t use_case)
{
	return use_case >= RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY &&
	       use_case < PROTMEM_NR_USE_CASES;
}

/*
 * rh_protmem_dt_parse() - the use cases of the OP-TEE node's children
 * (rheap-sim,use-case), as OP-TEE's plat_get_protmem_config() has them
 * compiled in: sizes, alignment, masters, a static carveout. No node is
 * fine. Returns 0 or -EINVAL (logged, naming the property).
 */
int rh_protmem_dt_parse(struct rh_protmem *pm);

#endif /* RH_EMU_OPTEE_PROTMEM_INTERNAL_H */
