/* SPDX-License-Identifier: MIT */
/* Fault sweeps: an entry point under every TEE fault and every failed allocation, nothing left behind. */
#ifndef RH_TEST_FAULT_SWEEP_H
#define RH_TEST_FAULT_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/alloc.h>
#include <rheap/platform.h>
#include <rheap/tee-backend.h>
#include <rheap/tee.h>

/*
 * The harness runs one entry point of the library (an allocation, a
 * release, an importer mapping, a TEE call, the platform's teardown ...)
 * on a fresh platform whose TEE backend is the library's own fault wrapper
 * in front of the emulator, and fails its 1st, 2nd, ... TEE call with
 * each fault kind (a result from each origin, TARGET_DEAD, a transport
 * error, each before and after the TEE did the work, a TA panic), or its
 * 1st, 2nd, ... library allocation (rh_fail_nth_set()), until a run sees
 * no fault. After every run the caller's part is closed and the harness
 * checks that nothing survives: no secure buffer or byte in the
 * secure-memory TA, no lent region, no firewall region but the boot
 * chunk's, no device secure window or secure mode, no dma-buf, no
 * simulated fd, no TEE session but the heaps' own, no registered shared
 * memory, no deferred FREE or doubt in the heaps, no process fd; then the
 * same entry point must work again without faults, and the library's live
 * allocations must then be exactly those of a run that saw no fault.
 * Destroying the platform must give every allocation and fd back.
 * A failure names its run ("free (GENERIC from TEE, call 2)"); with
 * RHEAP_SWEEP_LOG set to that name, that run logs everything at debug
 * level on stderr.
 */

struct rh_sweep_env {
	struct rh_platform *plat;   /* NULL once an op destroyed it */
	struct rh_tee_fault *fault; /* the platform's TEE backend */
	struct rh_tee_fault *inner; /* double faults: a second one behind it */
	void *priv;                 /* the entry point's state */
};

/* The heaps' sessions are not opened before @op: it runs heap_init. */
#define RH_SWEEP_COLD 0x1
/* @op destroys the platform (and sets env->plat to NULL). */
#define RH_SWEEP_TEARDOWN 0x2
/* No platform is made for @op: it makes (and destroys) its own. */
#define RH_SWEEP_NO_PLATFORM 0x4
/* @op makes no TEE call: left out of the TEE fault sweeps. */
#define RH_SWEEP_NO_TEE 0x8

/*
 * struct rh_sweep_entry - one entry point of the library
 * @prepare: optional; what @op needs, made without faults (asserts itself)
 * @op: the calls under fault; 0 or a negative errno (-ENOMEM for a failed
 *      allocation, unless @other_errno allows one more)
 * @close: optional; releases everything @prepare and @op made, whether
 *         @op succeeded or not (the caller closing everything)
 * @other_errno: a second errno @op may answer a failed allocation with
 *               (e.g. -EIO when a TEE call failed because the secure world
 *               ran out of memory and reports it its own way); 0 if none
 */
struct rh_sweep_entry {
	const char *name;
	unsigned int flags;
	void (*prepare)(struct rh_sweep_env *env);
	int (*op)(struct rh_sweep_env *env);
	void (*close)(struct rh_sweep_env *env);
	int other_errno;
};

/* A fault kind of the TEE sweep (see rh_sweep_fault_kinds). */
struct rh_sweep_fault {
	const char *name;
	enum rh_tee_fault_action action;
	uint32_t result;
	uint32_t origin;
	bool after;
};

extern const struct rh_sweep_fault rh_sweep_fault_kinds[];
extern const unsigned int rh_sweep_nr_fault_kinds;

/*
 * rh_sweep_set_dtb() - the device tree of every platform the harness makes
 * (copied; NULL: the built-in default platform).
 */
void rh_sweep_set_dtb(const void *dtb, size_t size);

/*
 * rh_sweep_count_allocs() - count the library's live allocations made by
 * this thread from now on (install it before the first platform).
 * rh_sweep_live_allocs() - that count.
 */
void rh_sweep_count_allocs(void);
long rh_sweep_live_allocs(void);

/* A platform as the harness makes it, fault wrapper disarmed; and its end. */
void rh_sweep_env_new(struct rh_sweep_env *env);
void rh_sweep_env_free(struct rh_sweep_env *env);

/* The run under way ("entry (fault, call n)"), for an entry point's own failure messages. */
const char *rh_sweep_current(void);

/* Asserts that @plat holds nothing but its idle heaps (see above). */
void rh_sweep_assert_idle(struct rh_platform *plat);

/*
 * rh_sweep_tee_faults() - every fault kind at TEE call 1, 2, ... of @e's op.
 * rh_sweep_alloc_faults() - rh_fail_nth_set() at allocation 1, 2, ...
 * Both return the number of faulted runs; @priv goes to env->priv.
 */
unsigned int rh_sweep_tee_faults(const struct rh_sweep_entry *e, void *priv);
unsigned int rh_sweep_alloc_faults(const struct rh_sweep_entry *e, void *priv);

/*
 * rh_sweep_tee_double_faults() - two faults in one run: every pair of
 * kinds, the first at call n of the platform's wrapper, the second at
 * call m of a wrapper behind it (which does not see a call the first
 * failed before the TEE), for every n and m that fire. Only the inner
 * wrapper panics the TA, and before the entry point must work again each
 * MTK heap makes one call that may fail (the first fault can hide the TA
 * death the second caused; a heap learns it from its next call). Long:
 * the fault sweep runs it only with RHEAP_SWEEP_EXHAUSTIVE=1.
 */
unsigned int rh_sweep_tee_double_faults(const struct rh_sweep_entry *e, void *priv);

#endif /* RH_TEST_FAULT_SWEEP_H */
