// SPDX-License-Identifier: MIT
/* Simulated clocks of a platform: one per thread, charged by the cost model at each operation. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <rheap/cost-model.h>
#include <rheap/trace.h>

#include "internal.h"
#include "trace/sim.h"
#include "trace/trace.h"

#define MIB (UINT64_C(1) << 20)
#define NS_PER_S UINT64_C(1000000000)

struct sim_thread {
	uint64_t thread_id; /* thread_id() of its thread; written before nr_threads publishes it */
	atomic_ullong now;
};

struct rh_sim {
	uint64_t id; /* unique per process: the key of the per-thread cache */
	struct rh_cost_model model;
	atomic_ullong rng; /* splitmix64 counter */
	pthread_mutex_t lock; /* adding a thread slot */
	atomic_uint nr_threads;
	struct sim_thread threads[RH_SIM_MAX_THREADS];
	atomic_ullong ns[RH_SIM_NR_COSTS];
	atomic_ullong count[RH_SIM_NR_COSTS];
};

static const char *const cost_names[RH_SIM_NR_COSTS] = {
	[RH_SIM_WORLD_SWITCH] = "world_switch",
	[RH_SIM_SMC_FAST] = "smc_fast",
	[RH_SIM_TEE_INVOKE] = "tee_invoke",
	[RH_SIM_TEE_CMD] = "tee_cmd",
	[RH_SIM_SHM_REGISTER] = "shm_register",
	[RH_SIM_CMA_ALLOC] = "cma_alloc",
	[RH_SIM_CMA_MIGRATE] = "cma_migrate",
	[RH_SIM_CMA_TAIL] = "cma_tail",
	[RH_SIM_CMA_RELEASE] = "cma_release",
	[RH_SIM_FIREWALL_PROGRAM] = "firewall_program",
	[RH_SIM_CACHE_CLEAN] = "cache_clean",
	[RH_SIM_SECURE_ZERO] = "secure_zero",
	[RH_SIM_PAGE_ALLOC] = "page_alloc",
	[RH_SIM_DMA_MAP] = "dma_map",
};

/*
 * Who does the work, for the track a cost shows on and the secure-world
 * total: the TEE core and the TAs run in the secure world, the firewall is
 * reprogrammed from it (a SiP call to EL3), the transitions themselves and
 * the kernel's own work (CMA, pages, DMA mappings) are normal-world time.
 */
static const enum rh_trace_track cost_track[RH_SIM_NR_COSTS] = {
	[RH_SIM_WORLD_SWITCH] = RH_TRACE_TRACK_NORMAL_WORLD,
	[RH_SIM_SMC_FAST] = RH_TRACE_TRACK_FIREWALL,
	[RH_SIM_TEE_INVOKE] = RH_TRACE_TRACK_TEE,
	[RH_SIM_TEE_CMD] = RH_TRACE_TRACK_TEE,
	[RH_SIM_SHM_REGISTER] = RH_TRACE_TRACK_TEE,
	[RH_SIM_CMA_ALLOC] = RH_TRACE_TRACK_NORMAL_WORLD,
	[RH_SIM_CMA_MIGRATE] = RH_TRACE_TRACK_NORMAL_WORLD,
	[RH_SIM_CMA_TAIL] = RH_TRACE_TRACK_NORMAL_WORLD,
	[RH_SIM_CMA_RELEASE] = RH_TRACE_TRACK_NORMAL_WORLD,
	[RH_SIM_FIREWALL_PROGRAM] = RH_TRACE_TRACK_FIREWALL,
	[RH_SIM_CACHE_CLEAN] = RH_TRACE_TRACK_FIREWALL,
	[RH_SIM_SECURE_ZERO] = RH_TRACE_TRACK_TEE,
	[RH_SIM_PAGE_ALLOC] = RH_TRACE_TRACK_NORMAL_WORLD,
	[RH_SIM_DMA_MAP] = RH_TRACE_TRACK_NORMAL_WORLD,
};

/* The key whose value a charge of these costs multiplies by its units. */
static const enum rh_cost_key unit_key[RH_SIM_NR_COSTS] = {
	[RH_SIM_WORLD_SWITCH] = RH_COST_WORLD_SWITCH_NS,
	[RH_SIM_SMC_FAST] = RH_COST_SMC_FAST_NS,
	[RH_SIM_TEE_INVOKE] = RH_COST_TEE_INVOKE_NS,
	[RH_SIM_TEE_CMD] = RH_COST_TEE_CMD_NS,
	[RH_SIM_SHM_REGISTER] = RH_COST_SHM_REGISTER_NS_PER_PAGE,
	[RH_SIM_PAGE_ALLOC] = RH_COST_PAGE_ALLOC_NS_PER_PAGE,
	[RH_SIM_DMA_MAP] = RH_COST_DMA_MAP_NS_PER_ENTRY,
};

static atomic_ullong next_sim_id = 1;
static atomic_ullong next_thread_id = 1;

/*
 * A number no other thread of the process ever gets: pthread_t values are
 * reused once a thread is joined, and a new thread must start a new clock.
 */
static uint64_t thread_id(void)
{
	static _Thread_local uint64_t id;

	if (!id)
		id = atomic_fetch_add_explicit(&next_thread_id, 1, memory_order_relaxed);
	return id;
}

/* The last platform clock this thread used; a new platform gets a new id. */
static _Thread_local struct {
	uint64_t id;
	struct sim_thread *t;
	uint32_t number;
} tls_clock;

RH_EXPORT const char *rh_sim_cost_name(enum rh_sim_cost cost)
{
	return (unsigned int)cost < RH_SIM_NR_COSTS ? cost_names[cost] : NULL;
}

int rh_sim_new(const struct rh_cost_model *model, uint64_t seed, struct rh_sim **ret_sim)
{
	struct rh_sim *sim;
	unsigned int i;

	if (!model || !ret_sim)
		return -EINVAL;
	sim = rh_zalloc(sizeof(*sim));
	if (!sim)
		return -ENOMEM;
	sim->id = atomic_fetch_add_explicit(&next_sim_id, 1, memory_order_relaxed);
	sim->model = *model;
	atomic_init(&sim->rng, seed ? seed : RH_COST_DEFAULT_SEED);
	pthread_mutex_init(&sim->lock, NULL);
	atomic_init(&sim->nr_threads, 0);
	for (i = 0; i < RH_SIM_MAX_THREADS; i++)
		atomic_init(&sim->threads[i].now, 0);
	for (i = 0; i < RH_SIM_NR_COSTS; i++) {
		atomic_init(&sim->ns[i], 0);
		atomic_init(&sim->count[i], 0);
	}
	*ret_sim = sim;
	return 0;
}

void rh_sim_free(struct rh_sim *sim)
{
	if (!sim)
		return;
	pthread_mutex_destroy(&sim->lock);
	rh_free(sim);
}

/*
 * splitmix64 (Steele, Lea, Flood 2014) over an atomic counter: every draw
 * takes its own counter value, so one thread's sequence of draws is a
 * function of the seed alone.
 */
static uint64_t sim_random(struct rh_sim *sim)
{
	const uint64_t gamma = UINT64_C(0x9e3779b97f4a7c15);
	uint64_t z = atomic_fetch_add_explicit(&sim->rng, gamma, memory_order_relaxed) + gamma;

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * The calling thread's slot; @add gives a new thread a slot (the last one
 * is shared once all are taken).
 */
static struct sim_thread *thread_slot(struct rh_sim *sim, bool add, uint32_t *ret_number)
{
	uint64_t self = thread_id();
	unsigned int i, n;

	if (tls_clock.id == sim->id) {
		*ret_number = tls_clock.number;
		return tls_clock.t;
	}
	n = atomic_load_explicit(&sim->nr_threads, memory_order_acquire);
	for (i = 0; i < n; i++)
		if (sim->threads[i].thread_id == self)
			goto found;
	if (!add)
		return NULL;
	pthread_mutex_lock(&sim->lock);
	i = atomic_load_explicit(&sim->nr_threads, memory_order_relaxed);
	if (i < RH_SIM_MAX_THREADS) {
		sim->threads[i].thread_id = self;
		atomic_store_explicit(&sim->nr_threads, i + 1, memory_order_release);
	} else {
		i = RH_SIM_MAX_THREADS - 1;
	}
	pthread_mutex_unlock(&sim->lock);
found:
	tls_clock.id = sim->id;
	tls_clock.t = &sim->threads[i];
	tls_clock.number = i + 1;
	*ret_number = i + 1;
	return &sim->threads[i];
}

static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t div)
{
	rh_u128 v = (rh_u128)a * b / div;

	/* Values are capped at parse time; a product this large is a bug's. */
	return v > UINT64_MAX / 2 ? UINT64_MAX / 2 : (uint64_t)v;
}

/* Adds @ns to the thread's clock and the books, and tells the sinks. */
static void sim_add(struct rh_platform *plat, struct sim_thread *t, enum rh_sim_cost cost,
		    uint64_t ns, uint64_t size, uint64_t count)
{
	atomic_fetch_add_explicit(&t->now, ns, memory_order_relaxed);
	atomic_fetch_add_explicit(&plat->sim->ns[cost], ns, memory_order_relaxed);
	atomic_fetch_add_explicit(&plat->sim->count[cost], 1, memory_order_relaxed);
	if (ns)
		RH_TRACE(plat, RH_TRACE_SIM_COST, .track = cost_track[cost],
			 .name = cost_names[cost], .size = size, .count = count,
			 .sim_dur_ns = ns);
}

void rh_sim_charge_slow(struct rh_platform *plat, enum rh_sim_cost cost, uint64_t units)
{
	struct rh_sim *sim = plat->sim;
	const uint64_t *v = sim->model.v;
	struct sim_thread *t;
	uint32_t number;
	uint64_t tail;

	if ((unsigned int)cost >= RH_SIM_NR_COSTS)
		return;
	t = thread_slot(sim, true, &number);
	switch (cost) {
	case RH_SIM_WORLD_SWITCH:
	case RH_SIM_SMC_FAST:
	case RH_SIM_TEE_INVOKE:
	case RH_SIM_TEE_CMD:
	case RH_SIM_DMA_MAP:
		sim_add(plat, t, cost, mul_div(units, v[unit_key[cost]], 1), 0, units);
		break;
	case RH_SIM_SHM_REGISTER:
	case RH_SIM_PAGE_ALLOC:
		/* per page: the event says how many bytes */
		sim_add(plat, t, cost, mul_div(units, v[unit_key[cost]], 1),
			units << RH_PAGE_SHIFT, units);
		break;
	case RH_SIM_CMA_ALLOC:
		/* alloc_contig_range(): fixed work, migration, and now and then a stall. */
		sim_add(plat, t, cost, v[RH_COST_CMA_ALLOC_NS], units, 1);
		sim_add(plat, t, RH_SIM_CMA_MIGRATE,
			mul_div(units, v[RH_COST_CMA_MIGRATE_NS_PER_MIB], MIB), units, 1);
		if (v[RH_COST_CMA_TAIL_PROBABILITY] &&
		    sim_random(sim) % RH_COST_PPB < v[RH_COST_CMA_TAIL_PROBABILITY]) {
			tail = v[RH_COST_CMA_TAIL_MIN_NS];
			if (v[RH_COST_CMA_TAIL_MAX_NS] > tail)
				tail += sim_random(sim) %
					(v[RH_COST_CMA_TAIL_MAX_NS] - tail + 1);
			sim_add(plat, t, RH_SIM_CMA_TAIL, tail, units, 1);
		}
		break;
	case RH_SIM_CMA_RELEASE:
		sim_add(plat, t, cost, mul_div(units, v[RH_COST_CMA_RELEASE_NS_PER_MIB], MIB),
			units, 1);
		break;
	case RH_SIM_FIREWALL_PROGRAM:
		/* tzc_configure_region(): a SiP call, MMIO writes, then the range's cache. */
		sim_add(plat, t, RH_SIM_SMC_FAST, v[RH_COST_SMC_FAST_NS], 0, 1);
		sim_add(plat, t, cost, v[RH_COST_FIREWALL_PROGRAM_NS], units, 1);
		if (units)
			sim_add(plat, t, RH_SIM_CACHE_CLEAN,
				mul_div(units, NS_PER_S, v[RH_COST_CACHE_CLEAN_BYTES_PER_S]),
				units, 1);
		break;
	case RH_SIM_SECURE_ZERO:
		sim_add(plat, t, cost,
			mul_div(units, NS_PER_S, v[RH_COST_SECURE_ZERO_BYTES_PER_S]), units, 1);
		break;
	default:
		/* CMA_MIGRATE, CMA_TAIL, CACHE_CLEAN: parts of the charges above. */
		break;
	}
}

uint64_t rh_sim_thread_now(const struct rh_platform *plat, uint32_t *ret_thread)
{
	struct sim_thread *t = thread_slot(plat->sim, true, ret_thread);

	return atomic_load_explicit(&t->now, memory_order_relaxed);
}

/* ------------------------------------------------------------------ API */

RH_EXPORT uint64_t rh_platform_sim_time(const struct rh_platform *plat)
{
	uint64_t max = 0, now;
	unsigned int i, n;

	if (!plat || !plat->sim)
		return 0;
	n = atomic_load_explicit(&plat->sim->nr_threads, memory_order_acquire);
	for (i = 0; i < n; i++) {
		now = atomic_load_explicit(&plat->sim->threads[i].now, memory_order_relaxed);
		if (now > max)
			max = now;
	}
	return max;
}

RH_EXPORT uint64_t rh_platform_sim_thread_time(const struct rh_platform *plat)
{
	struct sim_thread *t;
	uint32_t number;

	if (!plat || !plat->sim)
		return 0;
	t = thread_slot(plat->sim, false, &number);
	return t ? atomic_load_explicit(&t->now, memory_order_relaxed) : 0;
}

RH_EXPORT int rh_platform_get_sim_stats(const struct rh_platform *plat,
					struct rh_sim_stats *ret_stats)
{
	struct rh_sim_stats st = { 0 };
	unsigned int i;

	if (!plat || !ret_stats)
		return -EINVAL;
	if (plat->sim) {
		st.enabled = true;
		st.now_ns = rh_platform_sim_time(plat);
		st.threads = atomic_load_explicit(&plat->sim->nr_threads, memory_order_acquire);
		for (i = 0; i < RH_SIM_NR_COSTS; i++) {
			st.ns[i] = atomic_load_explicit(&plat->sim->ns[i], memory_order_relaxed);
			st.count[i] = atomic_load_explicit(&plat->sim->count[i],
							   memory_order_relaxed);
			st.total_ns += st.ns[i];
			if (cost_track[i] == RH_TRACE_TRACK_TEE ||
			    cost_track[i] == RH_TRACE_TRACK_FIREWALL)
				st.secure_ns += st.ns[i];
		}
	}
	*ret_stats = st;
	return 0;
}

RH_EXPORT const struct rh_cost_model *
rh_platform_get_cost_model(const struct rh_platform *plat)
{
	return plat && plat->sim ? &plat->sim->model : NULL;
}
