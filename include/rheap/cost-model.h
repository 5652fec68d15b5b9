/* SPDX-License-Identifier: MIT */
/* Simulated time: a hardware cost model and the per-platform clocks it drives. */
#ifndef RHEAP_COST_MODEL_H
#define RHEAP_COST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/export.h>

RH_BEGIN_DECLS

struct rh_platform;

/*
 * A cost model says what each simulated operation would cost on a given SoC.
 * Its text form is one "key = value" a line:
 *
 *	# comment (also after a value)
 *	base = mt8188            start from a built-in model (first line only)
 *	world_switch_ns = 1500   ns; a unit may follow: 1.5us, 0.4 ms, 2s
 *	secure_zero_bytes_per_s = 10 GB/s
 *	cma_tail_probability = 0.01   (or 1%)
 *
 * Values are decimal numbers; a key ending in _ns, _ns_per_page,
 * _ns_per_mib or _ns_per_entry takes a time (ns, us, ms, s), one ending in
 * _bytes_per_s a rate (B/s, KB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s; bare
 * numbers are B/s, and a rate must not be 0), a _probability a number in
 * [0, 1] or a percentage. Values are kept as integers (ns, bytes per second,
 * parts per billion): a value finer than that is refused. Unknown keys, a
 * key given twice, malformed values and cma_tail_min_ns above
 * cma_tail_max_ns are refused with the line number.
 */

/**
 * enum rh_cost_key - the parameters of a model (rh_cost_model_key_name()
 * gives the text key: RH_COST_WORLD_SWITCH_NS is "world_switch_ns")
 * @RH_COST_SMC_FAST_NS: a fast SMC handled at EL3, round trip (the TA's SiP
 *	call that reprograms the firewall)
 * @RH_COST_WORLD_SWITCH_NS: one transition between the normal world and the
 *	trusted OS (an SMC entry, or the return); a TEE call makes two
 * @RH_COST_TEE_INVOKE_NS: the driver and trusted-OS work of one
 *	OPEN_SESSION, INVOKE_COMMAND or CLOSE_SESSION message, past the switches
 * @RH_COST_TEE_CMD_NS: a secure-memory or secure-video TA command's own work
 * @RH_COST_SHM_REGISTER_NS_PER_PAGE: mapping registered shared memory in the
 *	trusted OS, per 4 KiB page
 * @RH_COST_CMA_ALLOC_NS: fixed cost of a cma_alloc()
 * @RH_COST_CMA_MIGRATE_NS_PER_MIB: migrating the movable pages out of the
 *	range cma_alloc() takes, per MiB
 * @RH_COST_CMA_TAIL_PROBABILITY: chance that a cma_alloc() hits a slow tail
 *	(pinned pages, writeback), in parts per billion
 * @RH_COST_CMA_TAIL_MIN_NS, @RH_COST_CMA_TAIL_MAX_NS: the tail's extra cost,
 *	drawn uniformly in [min, max]
 * @RH_COST_CMA_RELEASE_NS_PER_MIB: cma_release(), per MiB
 * @RH_COST_FIREWALL_PROGRAM_NS: programming or clearing one firewall region
 *	or secure window (MMIO writes), past the SiP call
 * @RH_COST_CACHE_CLEAN_BYTES_PER_S: cache maintenance of a range whose
 *	protection changes
 * @RH_COST_SECURE_ZERO_BYTES_PER_S: the TA zeroing and scrubbing secure memory
 * @RH_COST_PAGE_ALLOC_NS_PER_PAGE: the system heap's page allocation, per page
 * @RH_COST_DMA_MAP_NS_PER_ENTRY: mapping a dma-buf for a device, per sg entry
 */
enum rh_cost_key {
	RH_COST_SMC_FAST_NS,
	RH_COST_WORLD_SWITCH_NS,
	RH_COST_TEE_INVOKE_NS,
	RH_COST_TEE_CMD_NS,
	RH_COST_SHM_REGISTER_NS_PER_PAGE,
	RH_COST_CMA_ALLOC_NS,
	RH_COST_CMA_MIGRATE_NS_PER_MIB,
	RH_COST_CMA_TAIL_PROBABILITY,
	RH_COST_CMA_TAIL_MIN_NS,
	RH_COST_CMA_TAIL_MAX_NS,
	RH_COST_CMA_RELEASE_NS_PER_MIB,
	RH_COST_FIREWALL_PROGRAM_NS,
	RH_COST_CACHE_CLEAN_BYTES_PER_S,
	RH_COST_SECURE_ZERO_BYTES_PER_S,
	RH_COST_PAGE_ALLOC_NS_PER_PAGE,
	RH_COST_DMA_MAP_NS_PER_ENTRY,

	RH_COST_NR_KEYS,
};

/** Parts per billion of a probability of 1 (RH_COST_CMA_TAIL_PROBABILITY). */
#define RH_COST_PPB 1000000000u

/** Seed of the cost model's random tail when &rh_platform_info.cost_seed is 0. */
#define RH_COST_DEFAULT_SEED UINT64_C(0x5eed)

/** Longest model name (rh_cost_model_name()), NUL excluded. */
#define RH_COST_NAME_MAX 63

struct rh_cost_model;

/**
 * rh_cost_model_new() - a model holding the values of a built-in one
 * @builtin: "mt8188", "a53-little" or "qemu-optee" (rh_cost_model_builtin())
 * @ret_model: written only on success; free with rh_cost_model_free()
 * @return 0, -EINVAL (NULL argument), -ENOENT (no such built-in), -ENOMEM.
 */
RH_EXPORT int rh_cost_model_new(const char *builtin, struct rh_cost_model **ret_model);

/**
 * rh_cost_model_builtin() - name of built-in model @index (0, 1, ...)
 *
 * The built-in models are platforms/NAME.cost, embedded at build time.
 * @return a static string, or NULL past the last one.
 */
RH_EXPORT const char *rh_cost_model_builtin(unsigned int index);

/**
 * rh_cost_model_parse() - apply the "key = value" lines of @text to @model
 * @text, @len: the text (need not be NUL-terminated; a NUL byte is an error)
 * @origin: what to call the text in messages ("my.cost"); NULL: "model"
 * @errbuf, @errlen: on -EINVAL, one line: "my.cost:3: unknown key 'foo'"
 *
 * Keys the text sets replace the model's; a "base = NAME" first line first
 * resets every key to built-in NAME. On error @model is left as it was.
 * @return 0, -EINVAL (bad text, NULL @model or @text), -ENOMEM.
 */
RH_EXPORT int rh_cost_model_parse(struct rh_cost_model *model, const char *text,
				  size_t len, const char *origin, char *errbuf,
				  size_t errlen);

/**
 * rh_cost_model_parse_file() - rh_cost_model_parse() of a file's contents
 * @return as rh_cost_model_parse(), or the -errno of reading @path (its
 * message in @errbuf), -EFBIG for a file over 1 MiB.
 */
RH_EXPORT int rh_cost_model_parse_file(struct rh_cost_model *model, const char *path,
				       char *errbuf, size_t errlen);

/**
 * rh_cost_model_load() - the model a user names: built-in or file
 * @spec: a built-in name, or a path (it contains '/' or ends in ".cost")
 *	whose keys override @base
 * @base: the built-in a file starts from when it has no "base =" line (the
 *	platform's default, &rh_platform_desc.cost_model); NULL or "": mt8188
 * @ret_model: written only on success
 * @errbuf, @errlen: one line saying what is wrong
 * @return 0, -EINVAL (bad file, NULL argument), -ENOENT (no such built-in
 * or file), the -errno of reading the file, -ENOMEM.
 */
RH_EXPORT int rh_cost_model_load(const char *spec, const char *base,
				 struct rh_cost_model **ret_model, char *errbuf,
				 size_t errlen);

/**
 * rh_cost_model_get() - the value of @key, in its unit (ns, bytes per
 * second, or parts per billion for the probability)
 * @return 0, -EINVAL (NULL argument, @key out of range).
 */
RH_EXPORT int rh_cost_model_get(const struct rh_cost_model *model, enum rh_cost_key key,
				uint64_t *ret_value);

/**
 * rh_cost_model_set() - set @key to @value (same unit as rh_cost_model_get())
 * @return 0, -EINVAL (NULL @model, @key out of range, a rate of 0, a
 * probability above RH_COST_PPB, a tail minimum above its maximum).
 */
RH_EXPORT int rh_cost_model_set(struct rh_cost_model *model, enum rh_cost_key key,
				uint64_t value);

/**
 * rh_cost_model_key_name() - text key of @key ("world_switch_ns")
 * @return a static string, NULL when out of range.
 */
RH_EXPORT const char *rh_cost_model_key_name(enum rh_cost_key key);

/**
 * rh_cost_model_name() - what the model was built from: "mt8188", or
 * "mt8188+my.cost" once a file changed it (cut at RH_COST_NAME_MAX)
 * @return a string owned by @model, "" for NULL.
 */
RH_EXPORT const char *rh_cost_model_name(const struct rh_cost_model *model);

/** rh_cost_model_dup() - a copy of @model; NULL on a NULL @model or no memory. */
RH_EXPORT struct rh_cost_model *rh_cost_model_dup(const struct rh_cost_model *model);

/** rh_cost_model_free() - NULL-safe */
RH_EXPORT void rh_cost_model_free(struct rh_cost_model *model);

/*
 * ---------------------------------------------------------------- the clocks
 *
 * A platform built with a model (&rh_platform_info.cost_model) keeps a
 * simulated clock for each thread that acts on it. Every simulated
 * operation charges its modelled cost to the clock of the thread it runs
 * on: a TEE call blocks its caller, so the secure world's work (world
 * switches, the TA's commands, zeroing) lands on the caller's clock too and
 * is also counted as secure-world time; firewall reprogramming and CMA
 * migration charge the allocating thread. The random CMA tail draws from a
 * generator seeded by &rh_platform_info.cost_seed, so one seed gives one
 * timeline, bit for bit (for one thread; threads interleave their draws).
 * Clocks count busy time: nothing advances them while a thread waits.
 */

/**
 * enum rh_sim_cost - where simulated time goes (rh_sim_cost_name(): the
 * lower-case enumerator without the prefix, "world_switch")
 */
enum rh_sim_cost {
	RH_SIM_WORLD_SWITCH,	/* world_switch_ns per transition */
	RH_SIM_SMC_FAST,	/* smc_fast_ns per SiP call */
	RH_SIM_TEE_INVOKE,	/* tee_invoke_ns per message */
	RH_SIM_TEE_CMD,		/* tee_cmd_ns per TA command */
	RH_SIM_SHM_REGISTER,	/* shm_register_ns_per_page */
	RH_SIM_CMA_ALLOC,	/* cma_alloc_ns */
	RH_SIM_CMA_MIGRATE,	/* cma_migrate_ns_per_mib */
	RH_SIM_CMA_TAIL,	/* the random tail */
	RH_SIM_CMA_RELEASE,	/* cma_release_ns_per_mib */
	RH_SIM_FIREWALL_PROGRAM, /* firewall_program_ns */
	RH_SIM_CACHE_CLEAN,	/* cache_clean_bytes_per_s */
	RH_SIM_SECURE_ZERO,	/* secure_zero_bytes_per_s */
	RH_SIM_PAGE_ALLOC,	/* page_alloc_ns_per_page */
	RH_SIM_DMA_MAP,		/* dma_map_ns_per_entry */

	RH_SIM_NR_COSTS,
};

/** Most threads with a clock of their own; later ones share the last. */
#define RH_SIM_MAX_THREADS 64

/**
 * struct rh_sim_stats - simulated time of a platform
 * @enabled: the platform has a cost model (everything else is 0 otherwise)
 * @now_ns: rh_platform_sim_time()
 * @total_ns: every charge added up (all threads)
 * @secure_ns: of which the secure world's work
 * @threads: threads that have a clock
 * @ns: per cost, the time charged
 * @count: per cost, the charges made (a CMA migration of 384 MiB is one)
 */
struct rh_sim_stats {
	bool enabled;
	uint64_t now_ns;
	uint64_t total_ns;
	uint64_t secure_ns;
	unsigned int threads;
	uint64_t ns[RH_SIM_NR_COSTS];
	uint64_t count[RH_SIM_NR_COSTS];
};

/** rh_sim_cost_name() - "world_switch" ...; NULL when out of range */
RH_EXPORT const char *rh_sim_cost_name(enum rh_sim_cost cost);

/**
 * rh_platform_sim_time() - the platform's simulated time: the latest of its
 * threads' clocks
 * @return ns; 0 when the platform has no model or @plat is NULL.
 */
RH_EXPORT uint64_t rh_platform_sim_time(const struct rh_platform *plat);

/**
 * rh_platform_sim_thread_time() - the calling thread's simulated clock
 * @return ns; 0 when the platform has no model, @plat is NULL, or the
 * thread has not been charged yet.
 */
RH_EXPORT uint64_t rh_platform_sim_thread_time(const struct rh_platform *plat);

/**
 * rh_platform_get_sim_stats() - snapshot of where simulated time went
 * @ret_stats: written on success (enabled false when there is no model)
 * @return 0, -EINVAL for a NULL argument.
 */
RH_EXPORT int rh_platform_get_sim_stats(const struct rh_platform *plat,
					struct rh_sim_stats *ret_stats);

/**
 * rh_platform_get_cost_model() - the model the platform runs on
 * @return a model owned by the platform (NULL without one); never changes.
 */
RH_EXPORT const struct rh_cost_model *
rh_platform_get_cost_model(const struct rh_platform *plat);

RH_END_DECLS

#endif /* RHEAP_COST_MODEL_H */
