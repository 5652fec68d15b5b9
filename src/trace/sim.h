/* SPDX-License-Identifier: MIT */
/* Internal side of simulated time: the model's layout and the charge points' inline test. */
#ifndef RH_TRACE_SIM_H
#define RH_TRACE_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/cost-model.h>

#include "internal.h"

/* 128-bit products of a count and a rate (GCC and Clang extension). */
__extension__ typedef unsigned __int128 rh_u128;

struct rh_cost_model {
	uint64_t v[RH_COST_NR_KEYS];
	char name[RH_COST_NAME_MAX + 1];
};

/* Built-in model text by name (platforms/NAME.cost); NULL when unknown. */
const char *rh_cost_builtin_text(const char *name, size_t *ret_len);

/*
 * The platform's clocks (src/trace/sim-clock.c). rh_platform_new() creates
 * them from &rh_platform_info.cost_model before any module is built (boot
 * work is charged too) and frees them after the last module is gone.
 */
struct rh_sim;
int rh_sim_new(const struct rh_cost_model *model, uint64_t seed, struct rh_sim **ret_sim);
void rh_sim_free(struct rh_sim *sim);

void rh_sim_charge_slow(struct rh_platform *plat, enum rh_sim_cost cost, uint64_t units);

/*
 * rh_sim_charge() - charge @units of @cost to the calling thread's clock
 *
 * @units: RH_SIM_WORLD_SWITCH, SMC_FAST, TEE_INVOKE, TEE_CMD: how many;
 * SHM_REGISTER and PAGE_ALLOC: pages; DMA_MAP: sg entries; CMA_ALLOC,
 * CMA_RELEASE, SECURE_ZERO: bytes; FIREWALL_PROGRAM: bytes whose cache is
 * cleaned (0 for a change that moves no memory between worlds). CMA_ALLOC
 * also charges the migration and draws the tail; FIREWALL_PROGRAM also the
 * SiP call and the cache clean. CMA_MIGRATE, CMA_TAIL and CACHE_CLEAN are
 * never charged on their own.
 *
 * Without a model this is a load and a test the compiler lays out as not
 * taken (a NULL @plat, as the standalone CMA and firewall of the unit tests
 * have, is no model either): the charge points cost nothing measurable
 * (bench/bench-cost.c).
 */
static inline void rh_sim_charge(struct rh_platform *plat, enum rh_sim_cost cost,
				 uint64_t units)
{
	if (__builtin_expect(plat && plat->sim, 0))
		rh_sim_charge_slow(plat, cost, units);
}

/*
 * The calling thread's clock and its 1-based thread number (0 when the
 * thread never acted on @plat) for event stamps; plat->sim must be set.
 */
uint64_t rh_sim_thread_now(const struct rh_platform *plat, uint32_t *ret_thread);

#endif /* RH_TRACE_SIM_H */
