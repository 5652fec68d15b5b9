// SPDX-License-Identifier: MIT
/* Fault sweeps: an entry point under every TEE fault and every failed allocation, nothing left behind. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/alloc.h>
#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/heaps/restricted-mtk.h>
#include <rheap/secure-stats.h>
#include <rheap/tee-backend.h>
#include <rheap/tee-secmem.h>
#include <rheap/uapi.h>

#include "emu.h"
#include "fault-sweep.h"
#include "internal.h"
#include "optee/tee.h"
#include "rh-test.h"

/* A TEE result from @origin, written before or after the TEE did the work. */
#define RESULT(name, result, origin, after) \
	{ name, RH_TEE_FAULT_RESULT, RH_TEEC_ERROR_##result, RH_TEEC_ORIGIN_##origin, after }

const struct rh_sweep_fault rh_sweep_fault_kinds[] = {
	RESULT("GENERIC from API", GENERIC, API, false),
	RESULT("GENERIC from API, after", GENERIC, API, true),
	RESULT("GENERIC from COMMS", GENERIC, COMMS, false),
	RESULT("GENERIC from COMMS, after", GENERIC, COMMS, true),
	RESULT("GENERIC from TEE", GENERIC, TEE, false),
	RESULT("GENERIC from TEE, after", GENERIC, TEE, true),
	RESULT("GENERIC from TA", GENERIC, TRUSTED_APP, false),
	RESULT("GENERIC from TA, after", GENERIC, TRUSTED_APP, true),
	RESULT("TARGET_DEAD from TEE", TARGET_DEAD, TEE, false),
	RESULT("TARGET_DEAD from TEE, after", TARGET_DEAD, TEE, true),
	{ "transport", RH_TEE_FAULT_TRANSPORT, 0, 0, false },
	{ "transport, after", RH_TEE_FAULT_TRANSPORT, 0, 0, true },
	{ "TA panic", RH_TEE_FAULT_PANIC, 0, 0, false },
};
const unsigned int rh_sweep_nr_fault_kinds = RH_ARRAY_SIZE(rh_sweep_fault_kinds);

static void *sweep_dtb;
static size_t sweep_dtb_size;

/* The run under way, for the failure messages: entry point, fault, call. */
static char cur_run[160];

const char *rh_sweep_current(void)
{
	return cur_run;
}

void rh_sweep_set_dtb(const void *dtb, size_t size)
{
	free(sweep_dtb);
	sweep_dtb = NULL;
	sweep_dtb_size = 0;
	if (!dtb)
		return;
	sweep_dtb = malloc(size);
	assert_non_null(sweep_dtb);
	memcpy(sweep_dtb, dtb, size);
	sweep_dtb_size = size;
}

/* ------------------------------------------------------------ allocations */

/* Per thread, as the library's hook: only this thread's allocations count. */
static _Thread_local long tl_live_allocs;

static void counted_alloc(void *ptr, size_t size, void *data)
{
	(void)ptr;
	(void)size;
	(void)data;
	tl_live_allocs++;
}

static void counted_free(void *ptr, void *data)
{
	(void)ptr;
	(void)data;
	tl_live_allocs--;
}

void rh_sweep_count_allocs(void)
{
	static const struct rh_alloc_hook hook = {
		.allocated = counted_alloc,
		.freed = counted_free,
	};

	rh_alloc_hook_set(&hook);
}

long rh_sweep_live_allocs(void)
{
	return tl_live_allocs;
}

/* ------------------------------------------------------------ platforms */

/*
 * The faults make the library log at every turn: keep the output readable,
 * except for the one run RHEAP_SWEEP_LOG names (as a failure message
 * names it, e.g. "free (TA panic, call 2)"), which logs everything.
 */
static void quiet_log(void *data, enum rh_log_level level, const char *msg)
{
	(void)data;
	(void)level;
	if (getenv("RHEAP_SWEEP_LOG") && !strcmp(getenv("RHEAP_SWEEP_LOG"), cur_run))
		fprintf(stderr, "  log: %s\n", msg);
}

/* With @stacked, a second wrapper (env->inner) sits between env->fault and the emulator. */
static void env_new(struct rh_sweep_env *env, bool stacked)
{
	RH_DEFINE_PLATFORM_INFO(info);
	const struct rh_tee_ops *ops;
	void *priv;

	info.dtb = sweep_dtb;
	info.dtb_size = sweep_dtb_size;
	info.log_fn = quiet_log;
	if (getenv("RHEAP_SWEEP_LOG"))
		info.log_level = RH_LOG_DEBUG;
	assert_int_equal(rh_platform_new(&info, &env->plat), 0);
	assert_int_equal(rh_platform_get_default_tee_backend(env->plat, &ops, &priv), 0);
	env->inner = NULL;
	if (stacked) {
		assert_int_equal(rh_tee_fault_new(env->plat, ops, priv, &env->inner), 0);
		ops = rh_tee_fault_get_ops();
		priv = env->inner;
	}
	assert_int_equal(rh_tee_fault_new(env->plat, ops, priv, &env->fault), 0);
	assert_int_equal(rh_platform_set_tee_backend(env->plat, rh_tee_fault_get_ops(),
						     env->fault),
			 0);
}

void rh_sweep_env_new(struct rh_sweep_env *env)
{
	env_new(env, false);
}

void rh_sweep_env_free(struct rh_sweep_env *env)
{
	/* The wrappers are the platform's backend: they go after the platform. */
	env->plat = rh_platform_unref(env->plat);
	rh_tee_fault_free(env->fault);
	rh_tee_fault_free(env->inner);
	env->fault = NULL;
	env->inner = NULL;
}

/*
 * One buffer allocated and freed on each MTK heap: their sessions are open.
 * @tolerant: a failure is allowed (and is the point: see works_again()).
 */
static void warm_heaps(struct rh_platform *plat, bool tolerant)
{
	static const char *const names[] = { RH_RESTRICTED_MTK_CM_NAME,
					     RH_RESTRICTED_MTK_CMA_NAME };
	struct rh_dma_heap *heap;
	struct rh_dma_buf *b;
	unsigned int i;

	for (i = 0; i < RH_ARRAY_SIZE(names); i++) {
		heap = rh_dma_heap_find(plat, names[i]);
		if (!heap)
			continue;
		b = rh_dma_heap_buffer_alloc_dmabuf(heap, 4096, 0, 0);
		if (!tolerant)
			assert_false(RH_IS_ERR_OR_NULL(b));
		if (!RH_IS_ERR(b))
			rh_dma_buf_put(b);
		rh_dma_heap_put(heap);
	}
}

/* ------------------------------------------------------------ idle */

static void assert_heap_idle(struct rh_platform *plat, const char *name,
			     unsigned int *inout_sessions)
{
	struct rh_restricted_mtk_stats st;

	if (rh_restricted_mtk_get_stats(plat, name, &st))
		return;
	if (st.tee_buffers || st.tee_bytes || st.pending_frees || st.pending_bytes ||
	    st.lost_buffers || st.lost_bytes || st.tee_doubt || st.cma_held ||
	    st.cma_used_size)
		fail_msg("%s: %s not idle: tee_buffers %llu, pending %u, lost %llu, doubt %d, cma_held %d, cma_used %llu",
			 cur_run, name, (unsigned long long)st.tee_buffers, st.pending_frees,
			 (unsigned long long)st.lost_buffers, st.tee_doubt, st.cma_held,
			 (unsigned long long)st.cma_used_size);
	if (st.tee_open)
		(*inout_sessions)++;
}

void rh_sweep_assert_idle(struct rh_platform *plat)
{
	struct rh_secmem_stats tz, dyn;
	struct rh_platform_stats ps;
	struct rh_tee_emu_stats es;
	struct rh_dma_buf_stats bs;
	unsigned int i, n, sessions = 0;
	struct rh_device *dev;

	/* No secure byte: nothing in either pool, the region not lent. */
	assert_int_equal(rh_secmem_get_stats(plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &tz), 0);
	assert_int_equal(rh_secmem_get_stats(plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &dyn), 0);
	if (tz.live_buffers || tz.bytes_used || dyn.live_buffers || dyn.bytes_used || dyn.lent)
		fail_msg("%s: secure memory left: chunk %llu buffers / %llu bytes, region %llu buffers / %llu bytes, lent %d",
			 cur_run, (unsigned long long)tz.live_buffers, (unsigned long long)tz.bytes_used,
			 (unsigned long long)dyn.live_buffers, (unsigned long long)dyn.bytes_used, dyn.lent);
	/* No firewall region but the chunk's (protected from boot). */
	assert_int_equal(rh_platform_get_stats(plat, &ps), 0);
	if (ps.firewall_regions_in_use != (tz.available ? 1u : 0u))
		fail_msg("%s: %u firewall regions in use", cur_run, ps.firewall_regions_in_use);
	/* No device left in secure mode, nor with a secure window. */
	n = rh_device_count(plat);
	for (i = 0; i < n; i++) {
		dev = rh_device_get(plat, i);
		if (rh_device_is_secure(dev) ||
		    rh_firewall_window_count(plat->firewall, rh_device_master_id(dev)))
			fail_msg("%s: device %s still secure (%u windows)", cur_run,
				 rh_device_name(dev),
				 rh_firewall_window_count(plat->firewall,
							  rh_device_master_id(dev)));
	}
	/* No buffer, no fd but stdio. */
	assert_int_equal(rh_dma_buf_get_stats(plat, &bs), 0);
	if (bs.count || rh_fd_count(plat) != 3)
		fail_msg("%s: %llu dma-bufs, %d fds", cur_run, (unsigned long long)bs.count,
			 rh_fd_count(plat));
	/* The heaps hold nothing in the TEE; their sessions are the only ones. */
	assert_heap_idle(plat, RH_RESTRICTED_MTK_CM_NAME, &sessions);
	assert_heap_idle(plat, RH_RESTRICTED_MTK_CMA_NAME, &sessions);
	rh_tee_emu_get_stats(rh_tee_emu_of(plat), &es);
	if (es.sessions != sessions || es.shm)
		fail_msg("%s: TEE holds %u sessions (the heaps %u) and %u shared buffers",
			 cur_run, es.sessions, sessions, es.shm);
}

/* ------------------------------------------------------------ runs */

enum sweep_mode {
	SWEEP_NONE,
	SWEEP_TEE,
	SWEEP_ALLOC,
};

/*
 * The faults of one run: SWEEP_TEE fails call nth[0] with k[0] at the
 * platform's wrapper and, when k[1] is set, call nth[1] (as the inner
 * wrapper counts them) with k[1]; SWEEP_ALLOC fails allocation nth[0].
 */
struct sweep_point {
	enum sweep_mode mode;
	const struct rh_sweep_fault *k[2];
	unsigned int nth[2];
	bool stacked; /* two wrappers (double faults, and their clean reference) */
};

struct sweep_run {
	int ret;
	bool fired[2];
	long allocs; /* live allocations after the run worked again */
};

static void arm(struct rh_tee_fault *fault, const struct rh_sweep_fault *k,
		unsigned int nth)
{
	struct rh_tee_fault_spec spec = { 0 };

	spec.nth = nth;
	spec.action = k->action;
	spec.result = k->result;
	spec.origin = k->origin;
	spec.error = k->action == RH_TEE_FAULT_TRANSPORT ? -EIO : 0;
	spec.after = k->after;
	assert_int_equal(rh_tee_fault_arm(fault, &spec), 0);
}

static void describe(const struct rh_sweep_entry *e, const struct sweep_point *pt)
{
	if (pt->mode == SWEEP_NONE)
		snprintf(cur_run, sizeof(cur_run), "%s (no fault)", e->name);
	else if (pt->mode == SWEEP_ALLOC)
		snprintf(cur_run, sizeof(cur_run), "%s (allocation %u failed)", e->name,
			 pt->nth[0]);
	else if (!pt->k[1])
		snprintf(cur_run, sizeof(cur_run), "%s (%s, call %u)", e->name, pt->k[0]->name,
			 pt->nth[0]);
	else
		snprintf(cur_run, sizeof(cur_run), "%s (%s, call %u; then %s, call %u)", e->name,
			 pt->k[0]->name, pt->nth[0], pt->k[1]->name, pt->nth[1]);
}

static void check_ret(const struct rh_sweep_entry *e, const struct sweep_point *pt, int ret,
		      bool fired)
{
	if (!fired) {
		if (ret)
			fail_msg("%s: failed with %d", cur_run, ret);
		return;
	}
	if (ret > 0)
		fail_msg("%s: positive return %d", cur_run, ret);
	if (pt->mode == SWEEP_ALLOC && ret && ret != -ENOMEM &&
	    (!e->other_errno || ret != e->other_errno))
		fail_msg("%s: %d instead of -ENOMEM", cur_run, ret);
}

/*
 * @e once more without faults, then closed and checked idle; true if @op
 * worked. With two faults, one may hide the other's TA death (a panic
 * whose TARGET_DEAD answer is replaced or lost): a heap whose session
 * went with it can only learn it from its next call, which fails once,
 * so each heap makes that call first (@stacked).
 */
static bool works_again(const struct rh_sweep_entry *e, struct rh_sweep_env *env,
			bool stacked)
{
	int ret;

	if (stacked) {
		warm_heaps(env->plat, true);
		rh_sweep_assert_idle(env->plat);
	}
	if (e->prepare)
		e->prepare(env);
	ret = e->op(env);
	if (e->close)
		e->close(env);
	rh_sweep_assert_idle(env->plat);
	return !ret;
}

/* One run of @e on a fresh platform, the faults of @pt armed around @op only. */
static void run_once(const struct rh_sweep_entry *e, void *priv, const struct sweep_point *pt,
		     struct sweep_run *r)
{
	struct rh_sweep_env env = { .priv = priv };
	long before = tl_live_allocs;
	int fds = rh_test_count_fds();

	describe(e, pt);
	if (!(e->flags & RH_SWEEP_NO_PLATFORM)) {
		env_new(&env, pt->stacked);
		if (!(e->flags & RH_SWEEP_COLD))
			warm_heaps(env.plat, false);
	}
	if (e->prepare)
		e->prepare(&env);

	if (pt->mode == SWEEP_TEE) {
		arm(env.fault, pt->k[0], pt->nth[0]);
		if (pt->k[1])
			arm(env.inner, pt->k[1], pt->nth[1]);
	} else if (pt->mode == SWEEP_ALLOC) {
		rh_fail_nth_set(pt->nth[0]);
	}
	r->ret = e->op(&env);
	r->fired[0] = r->fired[1] = false;
	if (pt->mode == SWEEP_TEE) {
		/* The platform may be gone: the wrappers live on until env_free. */
		r->fired[0] = rh_tee_fault_fired(env.fault) > 0;
		assert_int_equal(rh_tee_fault_arm(env.fault, NULL), 0);
		if (pt->k[1]) {
			r->fired[1] = rh_tee_fault_fired(env.inner) > 0;
			assert_int_equal(rh_tee_fault_arm(env.inner, NULL), 0);
		}
	} else if (pt->mode == SWEEP_ALLOC) {
		r->fired[0] = rh_fail_nth_get() == 0;
		rh_fail_nth_set(0);
	}
	check_ret(e, pt, r->ret, r->fired[0] || r->fired[1]);

	if (!(e->flags & (RH_SWEEP_TEARDOWN | RH_SWEEP_NO_PLATFORM))) {
		if (e->close)
			e->close(&env);
		rh_sweep_assert_idle(env.plat);
		/* It works again, and leaves exactly what a clean run leaves. */
		if (!works_again(e, &env, pt->k[1] != NULL))
			fail_msg("%s: does not work again", cur_run);
	} else if (e->close) {
		e->close(&env);
	}
	r->allocs = tl_live_allocs - before;
	rh_sweep_env_free(&env);
	if (tl_live_allocs != before)
		fail_msg("%s: %ld allocations survive the platform", cur_run,
			 tl_live_allocs - before);
	assert_int_equal(rh_test_count_fds(), fds);
}

/* run_once(), and the live allocations it left equal the clean run's. */
static void run_checked(const struct rh_sweep_entry *e, void *priv,
			const struct sweep_point *pt, const struct sweep_run *ref,
			struct sweep_run *r)
{
	run_once(e, priv, pt, r);
	if (r->allocs != ref->allocs)
		fail_msg("%s: %ld live allocations, a clean run leaves %ld", cur_run, r->allocs,
			 ref->allocs);
}

/* The fault of @pt (its first) at call 1, 2, ... until it no longer fires. */
static unsigned int sweep(const struct rh_sweep_entry *e, void *priv, struct sweep_point pt,
			  const struct sweep_run *ref)
{
	struct sweep_run r;
	unsigned int n;

	for (n = 1; n < 10000; n++) {
		pt.nth[0] = n;
		run_checked(e, priv, &pt, ref, &r);
		if (!r.fired[0])
			return n - 1;
	}
	fail_msg("%s: the sweep does not end", e->name);
	return 0;
}

static void run_reference(const struct rh_sweep_entry *e, void *priv, bool stacked,
			  struct sweep_run *ref)
{
	const struct sweep_point none = { SWEEP_NONE, { NULL, NULL }, { 0, 0 }, stacked };

	run_once(e, priv, &none, ref);
}

unsigned int rh_sweep_tee_faults(const struct rh_sweep_entry *e, void *priv)
{
	struct sweep_point pt = { SWEEP_TEE, { NULL, NULL }, { 0, 0 }, false };
	struct sweep_run ref;
	unsigned int i, n, total = 0;

	run_reference(e, priv, false, &ref);
	for (i = 0; i < rh_sweep_nr_fault_kinds; i++) {
		pt.k[0] = &rh_sweep_fault_kinds[i];
		n = sweep(e, priv, pt, &ref);
		if (!n)
			fail_msg("%s: no call for fault %s", e->name, rh_sweep_fault_kinds[i].name);
		total += n;
	}
	return total;
}

unsigned int rh_sweep_tee_double_faults(const struct rh_sweep_entry *e, void *priv)
{
	struct sweep_point pt = { SWEEP_TEE, { NULL, NULL }, { 0, 0 }, true };
	struct sweep_run ref, r;
	unsigned int i, j, n, m, total = 0;

	run_reference(e, priv, true, &ref);
	for (i = 0; i < rh_sweep_nr_fault_kinds; i++) {
		pt.k[0] = &rh_sweep_fault_kinds[i];
		/*
		 * Only the inner wrapper makes the TA panic: the outer one arms
		 * the panic in the emulator before forwarding, and an inner fault
		 * that keeps that call from the TEE would leave the panic armed
		 * for a later, unrelated session.
		 */
		if (pt.k[0]->action == RH_TEE_FAULT_PANIC)
			continue;
		for (j = 0; j < rh_sweep_nr_fault_kinds; j++) {
			pt.k[1] = &rh_sweep_fault_kinds[j];
			for (n = 1; n < 10000; n++) {
				bool first_fired = false;

				pt.nth[0] = n;
				for (m = 1; m < 10000; m++) {
					pt.nth[1] = m;
					run_checked(e, priv, &pt, &ref, &r);
					first_fired |= r.fired[0];
					if (!r.fired[1])
						break;
					total++;
				}
				/* Once the first fault no longer fires, all is swept. */
				if (!first_fired)
					break;
			}
		}
	}
	return total;
}

unsigned int rh_sweep_alloc_faults(const struct rh_sweep_entry *e, void *priv)
{
	struct sweep_point pt = { SWEEP_ALLOC, { NULL, NULL }, { 0, 0 }, false };
	struct sweep_run ref;

	run_reference(e, priv, false, &ref);
	return sweep(e, priv, pt, &ref);
}
