// SPDX-License-Identifier: MIT
/* Trace core: event table, sink registry, emit, and the platform API. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include <rheap/trace.h>

#include "internal.h"
#include "trace/sim.h"
#include "trace/trace.h"

#define T(type_, name_, track_, key_, fields_, from_, to_, arrow_)	\
	[RH_TRACE_##type_] = {						\
		.name = name_, .track = RH_TRACE_TRACK_##track_,	\
		.name_key = key_, .fields = fields_,			\
		.from = RH_ROLE_##from_, .to = RH_ROLE_##to_,		\
		.arrow = RH_ARROW_##arrow_,				\
	}

/*
 * Per type: usual actor, JSON key of ev->name, fields always printed, and
 * how a sequence diagram draws it (from -> to, arrow kind).
 */
static const struct rh_trace_type_info type_table[RH_TRACE_NR_TYPES] = {
	T(PLATFORM_BOOT, "platform_boot", NORMAL_WORLD, "model",
	  RH_TF_NAME | RH_TF_PA | RH_TF_SIZE | RH_TF_COUNT, ACTOR, NONE, NOTE),
	T(PLATFORM_SHUTDOWN, "platform_shutdown", NORMAL_WORLD, "model",
	  RH_TF_NAME, ACTOR, NONE, NOTE),
	T(REGION_RESERVED, "region_reserved", NORMAL_WORLD, "region",
	  RH_TF_NAME | RH_TF_PA | RH_TF_SIZE, ACTOR, NONE, NOTE),
	T(FIREWALL_PROGRAM, "firewall_program", FIREWALL, "owner",
	  RH_TF_ID | RH_TF_PA | RH_TF_SIZE | RH_TF_COUNT, TEE, ACTOR, CALL),
	T(FIREWALL_CLEAR, "firewall_clear", FIREWALL, "owner",
	  RH_TF_ID | RH_TF_PA | RH_TF_SIZE | RH_TF_COUNT, TEE, ACTOR, CALL),
	T(FIREWALL_VIOLATION, "firewall_violation", FIREWALL, "master",
	  RH_TF_NAME | RH_TF_ID | RH_TF_PA | RH_TF_SIZE, ACTOR, NONE, NOTE),
	T(CPU_TRAP, "cpu_trap", CPU, "name",
	  RH_TF_PA | RH_TF_SIZE | RH_TF_ERR, APP, FIREWALL, FAIL),
	T(HEAP_REGISTER, "heap_register", NORMAL_WORLD, "heap",
	  RH_TF_NAME, ACTOR, NONE, NOTE),
	T(HEAP_OPEN, "heap_open", APP, "heap",
	  RH_TF_NAME | RH_TF_ID, APP, KERNEL, CALL),
	T(BUFFER_ALLOC, "buffer_alloc", NORMAL_WORLD, "heap",
	  RH_TF_NAME | RH_TF_ID | RH_TF_SIZE, APP, KERNEL, CALL),
	T(BUFFER_FREE, "buffer_free", NORMAL_WORLD, "heap",
	  RH_TF_NAME | RH_TF_ID | RH_TF_SIZE, APP, KERNEL, CALL),
	T(BUFFER_EXPORT, "buffer_export", NORMAL_WORLD, "heap",
	  RH_TF_NAME | RH_TF_ID | RH_TF_HANDLE, KERNEL, APP, REPLY),
	T(ATTACH, "attach", DEVICE, "heap",
	  RH_TF_ID, ACTOR, KERNEL, CALL),
	T(DETACH, "detach", DEVICE, "heap",
	  RH_TF_ID, ACTOR, KERNEL, CALL),
	T(MAP, "map", DEVICE, "heap",
	  RH_TF_ID | RH_TF_PA | RH_TF_SIZE | RH_TF_COUNT | RH_TF_SECURE, ACTOR, KERNEL, CALL),
	T(UNMAP, "unmap", DEVICE, "heap",
	  RH_TF_ID, ACTOR, KERNEL, CALL),
	T(CPU_ACCESS_DENIED, "cpu_access_denied", NORMAL_WORLD, "heap",
	  RH_TF_ID | RH_TF_ERR, APP, KERNEL, FAIL),
	T(MMAP_DENIED, "mmap_denied", NORMAL_WORLD, "heap",
	  RH_TF_ID | RH_TF_ERR, APP, KERNEL, FAIL),
	T(TEE_OPEN_SESSION, "tee_open_session", NORMAL_WORLD, "ta",
	  RH_TF_NAME | RH_TF_ID, KERNEL, TEE, CALL),
	T(TEE_CLOSE_SESSION, "tee_close_session", NORMAL_WORLD, "ta",
	  RH_TF_NAME | RH_TF_ID, KERNEL, TEE, CALL),
	T(TEE_INVOKE, "tee_invoke", NORMAL_WORLD, "ta",
	  RH_TF_ID | RH_TF_CMD, KERNEL, TEE, CALL),
	T(TEE_RETURN, "tee_return", TEE, "ta",
	  RH_TF_ID | RH_TF_CMD | RH_TF_TEE_RESULT | RH_TF_ORIGIN, TEE, KERNEL, REPLY),
	T(WORLD_SWITCH, "world_switch", TEE, "name",
	  RH_TF_SECURE | RH_TF_COUNT, KERNEL, TEE, NOTE),
	T(TEE_PANIC, "tee_panic", TEE, "ta",
	  RH_TF_NAME, ACTOR, NONE, NOTE),
	T(TA_ALLOC, "ta_alloc", TEE, "ta",
	  RH_TF_HANDLE | RH_TF_PA | RH_TF_SIZE, ACTOR, NONE, NOTE),
	T(TA_FREE, "ta_free", TEE, "ta",
	  RH_TF_HANDLE | RH_TF_SIZE, ACTOR, NONE, NOTE),
	T(TA_SCRUB, "ta_scrub", TEE, "ta",
	  RH_TF_PA | RH_TF_SIZE, ACTOR, NONE, NOTE),
	T(CMA_ALLOC, "cma_alloc", NORMAL_WORLD, "cma",
	  RH_TF_PA | RH_TF_SIZE, ACTOR, NONE, NOTE),
	T(CMA_RELEASE, "cma_release", NORMAL_WORLD, "cma",
	  RH_TF_PA | RH_TF_SIZE, ACTOR, NONE, NOTE),
	T(REGION_LEND, "region_lend", NORMAL_WORLD, "region",
	  RH_TF_PA | RH_TF_SIZE, KERNEL, TEE, CALL),
	T(REGION_RECLAIM, "region_reclaim", NORMAL_WORLD, "region",
	  RH_TF_PA | RH_TF_SIZE, TEE, KERNEL, REPLY),
	T(DEVICE_SECURE_SWITCH, "device_secure_switch", DEVICE, "name",
	  RH_TF_SECURE, TEE, ACTOR, CALL),
	T(DMA_READ, "dma_read", DEVICE, "name",
	  RH_TF_PA | RH_TF_SIZE | RH_TF_SECURE, ACTOR, FIREWALL, CALL),
	T(DMA_WRITE, "dma_write", DEVICE, "name",
	  RH_TF_PA | RH_TF_SIZE | RH_TF_SECURE, ACTOR, FIREWALL, CALL),
	T(DMA_DENIED, "dma_denied", DEVICE, "name",
	  RH_TF_PA | RH_TF_SIZE | RH_TF_ERR, ACTOR, FIREWALL, FAIL),
	T(DECRYPT, "decrypt", TEE, "ta",
	  RH_TF_HANDLE | RH_TF_SIZE, ACTOR, NONE, NOTE),
	T(FRAME_DIGEST, "frame_digest", DEVICE, "name",
	  RH_TF_ID | RH_TF_MSG, ACTOR, NONE, NOTE),
	T(ATTACK, "attack", APP, "attack",
	  RH_TF_NAME | RH_TF_ERR, ACTOR, NONE, NOTE),
	T(NOTE, "note", APP, "name",
	  RH_TF_MSG, ACTOR, NONE, NOTE),
	T(PHASE_BEGIN, "phase_begin", APP, "phase",
	  RH_TF_NAME, ALL, NONE, NOTE),
	T(PHASE_END, "phase_end", APP, "phase",
	  RH_TF_NAME, ACTOR, NONE, COMMENT),
	T(SIM_COST, "sim_cost", NORMAL_WORLD, "cost",
	  RH_TF_NAME, ACTOR, NONE, NOTE),
};

#undef T

static const char *const track_names[RH_TRACE_NR_TRACKS] = {
	[RH_TRACE_TRACK_AUTO] = "auto",
	[RH_TRACE_TRACK_NORMAL_WORLD] = "normal_world",
	[RH_TRACE_TRACK_TEE] = "tee",
	[RH_TRACE_TRACK_FIREWALL] = "firewall",
	[RH_TRACE_TRACK_DEVICE] = "device",
	[RH_TRACE_TRACK_CPU] = "cpu",
	[RH_TRACE_TRACK_APP] = "app",
};

/* What the narration's actor column says when the event names no track. */
static const char *const actor_names[RH_TRACE_NR_TRACKS] = {
	[RH_TRACE_TRACK_AUTO] = "?",
	[RH_TRACE_TRACK_NORMAL_WORLD] = "kernel",
	[RH_TRACE_TRACK_TEE] = "TEE",
	[RH_TRACE_TRACK_FIREWALL] = "firewall",
	[RH_TRACE_TRACK_DEVICE] = "device",
	[RH_TRACE_TRACK_CPU] = "cpu",
	[RH_TRACE_TRACK_APP] = "app",
};

const struct rh_trace_type_info *rh_trace_type_info(enum rh_trace_event_type type)
{
	if ((unsigned int)type >= RH_TRACE_NR_TYPES)
		return NULL;
	return &type_table[type];
}

RH_EXPORT const char *rh_trace_event_type_name(enum rh_trace_event_type type)
{
	if ((unsigned int)type >= RH_TRACE_NR_TYPES)
		return NULL;
	return type_table[type].name;
}

RH_EXPORT int rh_trace_event_type_from_name(const char *name,
					    enum rh_trace_event_type *ret_type)
{
	unsigned int i;

	if (!name || !ret_type)
		return -EINVAL;
	for (i = 0; i < RH_TRACE_NR_TYPES; i++) {
		if (!strcmp(type_table[i].name, name)) {
			*ret_type = (enum rh_trace_event_type)i;
			return 0;
		}
	}
	return -ENOENT;
}

RH_EXPORT const char *rh_trace_track_name(enum rh_trace_track track)
{
	if ((unsigned int)track >= RH_TRACE_NR_TRACKS)
		return NULL;
	return track_names[track];
}

const char *rh_trace_actor_name(const struct rh_trace_event *ev)
{
	if (ev->track_name && ev->track_name[0])
		return ev->track_name;
	if ((unsigned int)ev->track >= RH_TRACE_NR_TRACKS)
		return "?";
	return actor_names[ev->track];
}

const char *rh_trace_errno_name(int err, char *buf, size_t len)
{
	const char *name = err < 0 ? strerrorname_np(-err) : NULL;

	if (name)
		return name;
	snprintf(buf, len, "E%d", err < 0 ? -err : err);
	return buf;
}

/* ------------------------------------------------------------------ core */

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int rh_trace_create(struct rh_trace **ret_trace)
{
	struct rh_trace *trace;
	int ret;

	if (!ret_trace)
		return -EINVAL;
	trace = rh_zalloc(sizeof(*trace));
	if (!trace)
		return -ENOMEM;
	ret = -pthread_mutex_init(&trace->lock, NULL);
	if (ret)
		goto err_free;
	atomic_init(&trace->nr_sinks, 0);
	/* One ns early, so that rh_trace_now() is never 0 (0 means "no start"). */
	trace->t0_ns = monotonic_ns() - 1;
	trace->next_id = 1;
	*ret_trace = trace;
	return 0;

err_free:
	rh_free(trace);
	return ret;
}

void rh_trace_destroy(struct rh_trace *trace)
{
	unsigned int i;

	if (!trace)
		return;
	/* Sole owner now: no emitter can run, so no lock around the finish ops. */
	atomic_store_explicit(&trace->nr_sinks, 0, memory_order_relaxed);
	for (i = 0; i < trace->nr; i++)
		if (trace->sinks[i].ops->finish)
			trace->sinks[i].ops->finish(trace->sinks[i].priv);
	trace->nr = 0;
	pthread_mutex_destroy(&trace->lock);
	rh_free(trace);
}

uint64_t rh_trace_now(const struct rh_trace *trace)
{
	return monotonic_ns() - trace->t0_ns;
}

static struct rh_trace_sink_slot *find_sink(struct rh_trace *trace, int id,
					    unsigned int *ret_index)
{
	unsigned int i;

	for (i = 0; i < trace->nr; i++) {
		if (trace->sinks[i].id == id) {
			if (ret_index)
				*ret_index = i;
			return &trace->sinks[i];
		}
	}
	return NULL;
}

int rh_trace_sink_add(struct rh_trace *trace, const struct rh_trace_sink_ops *ops,
		      void *priv, int *ret_id)
{
	struct rh_trace_sink_slot *slot;
	int id;

	if (!trace || !ops || !ops->event || !ret_id)
		return -EINVAL;
	pthread_mutex_lock(&trace->lock);
	if (trace->nr == RH_TRACE_MAX_SINKS) {
		pthread_mutex_unlock(&trace->lock);
		return -ENOSPC;
	}
	/* Ids are not reused soon, so a stale id cannot remove a newer sink. */
	do {
		id = trace->next_id;
		trace->next_id = id == INT_MAX ? 1 : id + 1;
	} while (find_sink(trace, id, NULL));
	slot = &trace->sinks[trace->nr++];
	slot->id = id;
	slot->mask = RH_TRACE_MASK_ALL;
	slot->ops = ops;
	slot->priv = priv;
	atomic_store_explicit(&trace->nr_sinks, trace->nr, memory_order_relaxed);
	pthread_mutex_unlock(&trace->lock);
	*ret_id = id;
	return 0;
}

int rh_trace_sink_remove(struct rh_trace *trace, int id)
{
	const struct rh_trace_sink_ops *ops;
	unsigned int i;
	void *priv;

	if (!trace)
		return -EINVAL;
	pthread_mutex_lock(&trace->lock);
	if (!find_sink(trace, id, &i)) {
		pthread_mutex_unlock(&trace->lock);
		return -ENOENT;
	}
	ops = trace->sinks[i].ops;
	priv = trace->sinks[i].priv;
	memmove(&trace->sinks[i], &trace->sinks[i + 1],
		(trace->nr - i - 1) * sizeof(trace->sinks[0]));
	trace->nr--;
	atomic_store_explicit(&trace->nr_sinks, trace->nr, memory_order_relaxed);
	pthread_mutex_unlock(&trace->lock);
	/* Unlinked under the lock: no event can reach it any more. */
	return ops->finish ? ops->finish(priv) : 0;
}

int rh_trace_sink_set_mask(struct rh_trace *trace, int id, uint64_t mask)
{
	struct rh_trace_sink_slot *slot;

	if (!trace || (mask & ~RH_TRACE_MASK_ALL))
		return -EINVAL;
	pthread_mutex_lock(&trace->lock);
	slot = find_sink(trace, id, NULL);
	if (slot)
		slot->mask = mask;
	pthread_mutex_unlock(&trace->lock);
	return slot ? 0 : -ENOENT;
}

void rh_trace_deliver(struct rh_trace *trace, const struct rh_trace_event *ev)
{
	struct rh_trace_event e;
	unsigned int i;

	if (!trace || !ev || (unsigned int)ev->type >= RH_TRACE_NR_TYPES ||
	    (unsigned int)ev->track >= RH_TRACE_NR_TRACKS)
		return;
	if (!atomic_load_explicit(&trace->nr_sinks, memory_order_relaxed))
		return;
	e = *ev;
	if (e.track == RH_TRACE_TRACK_AUTO)
		e.track = type_table[e.type].track;
	pthread_mutex_lock(&trace->lock);
	/* Clock read under the lock: output order is timestamp order. */
	e.ts_ns = rh_trace_now(trace);
	if (e.start_ns && e.start_ns <= e.ts_ns) {
		e.dur_ns = e.ts_ns - e.start_ns;
	} else {
		e.start_ns = 0;
		e.dur_ns = 0;
	}
	for (i = 0; i < trace->nr; i++)
		if (trace->sinks[i].mask & RH_TRACE_MASK(e.type))
			trace->sinks[i].ops->event(trace->sinks[i].priv, &e);
	pthread_mutex_unlock(&trace->lock);
}

/*
 * The simulated stamp of a platform with a cost model: the emitting thread's
 * clock, its number, and a span's simulated length.
 */
static void sim_stamp(const struct rh_platform *plat, struct rh_trace_event *e)
{
	e->sim_ns = rh_sim_thread_now(plat, &e->thread);
	if (e->start_ns)
		e->sim_dur_ns = e->sim_start_ns <= e->sim_ns ? e->sim_ns - e->sim_start_ns : 0;
}

void rh_trace_emitf(struct rh_platform *plat, const struct rh_trace_event *ev,
		    const char *fmt, ...)
{
	struct rh_trace_event e;
	char msg[RH_TRACE_MSG_MAX + 1];
	va_list ap;

	if (!rh_trace_active(plat) || !ev || !fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = *ev;
	e.msg = msg;
	if (plat->sim)
		sim_stamp(plat, &e);
	rh_trace_deliver(plat->trace, &e);
}

/* ------------------------------------------------------------------ platform */

int rh_trace_init(struct rh_platform *plat)
{
	return rh_trace_create(&plat->trace);
}

void rh_trace_fini(struct rh_platform *plat)
{
	rh_trace_destroy(plat->trace);
	plat->trace = NULL;
}

static struct rh_trace *plat_trace(const struct rh_platform *plat)
{
	return plat ? plat->trace : NULL;
}

RH_EXPORT int rh_trace_add_sink(struct rh_platform *plat,
				const struct rh_trace_sink_ops *ops, void *priv,
				int *ret_id)
{
	return rh_trace_sink_add(plat_trace(plat), ops, priv, ret_id);
}

RH_EXPORT int rh_trace_remove_sink(struct rh_platform *plat, int id)
{
	return rh_trace_sink_remove(plat_trace(plat), id);
}

RH_EXPORT int rh_trace_set_sink_mask(struct rh_platform *plat, int id, uint64_t mask)
{
	return rh_trace_sink_set_mask(plat_trace(plat), id, mask);
}

typedef int (*builtin_new_fn)(FILE *out, unsigned int flags,
			      const struct rh_trace_sink_ops **ret_ops, void **ret_priv);

static int add_builtin(struct rh_platform *plat, FILE *out, unsigned int flags,
		       builtin_new_fn new_fn, int *ret_id)
{
	const struct rh_trace_sink_ops *ops;
	void *priv;
	int ret;

	if (!plat_trace(plat) || !out || !ret_id)
		return -EINVAL;
	ret = new_fn(out, flags, &ops, &priv);
	if (ret)
		return ret;
	ret = rh_trace_sink_add(plat->trace, ops, priv, ret_id);
	if (ret)
		goto err_free_sink;
	return 0;

err_free_sink:
	/* Built-in sink state is one block that has written nothing yet. */
	rh_free(priv);
	return ret;
}

static int json_new(FILE *out, unsigned int flags, const struct rh_trace_sink_ops **ret_ops,
		    void **ret_priv)
{
	return flags ? -EINVAL : rh_trace_json_sink_new(out, ret_ops, ret_priv);
}

static int chrome_new(FILE *out, unsigned int flags, const struct rh_trace_sink_ops **ret_ops,
		      void **ret_priv)
{
	return flags ? -EINVAL : rh_trace_chrome_sink_new(out, ret_ops, ret_priv);
}

static int mermaid_new(FILE *out, unsigned int flags, const struct rh_trace_sink_ops **ret_ops,
		       void **ret_priv)
{
	return flags ? -EINVAL : rh_trace_mermaid_sink_new(out, ret_ops, ret_priv);
}

RH_EXPORT int rh_trace_add_text_sink(struct rh_platform *plat, FILE *out,
				     unsigned int flags, int *ret_id)
{
	return add_builtin(plat, out, flags, rh_trace_text_sink_new, ret_id);
}

RH_EXPORT int rh_trace_add_json_sink(struct rh_platform *plat, FILE *out, int *ret_id)
{
	return add_builtin(plat, out, 0, json_new, ret_id);
}

RH_EXPORT int rh_trace_add_chrome_sink(struct rh_platform *plat, FILE *out, int *ret_id)
{
	return add_builtin(plat, out, 0, chrome_new, ret_id);
}

static int chrome_sim_new(FILE *out, unsigned int flags,
			  const struct rh_trace_sink_ops **ret_ops, void **ret_priv)
{
	return flags ? -EINVAL : rh_trace_chrome_sim_sink_new(out, ret_ops, ret_priv);
}

RH_EXPORT int rh_trace_add_chrome_sim_sink(struct rh_platform *plat, FILE *out, int *ret_id)
{
	return add_builtin(plat, out, 0, chrome_sim_new, ret_id);
}

RH_EXPORT int rh_trace_add_mermaid_sink(struct rh_platform *plat, FILE *out, int *ret_id)
{
	return add_builtin(plat, out, 0, mermaid_new, ret_id);
}

RH_EXPORT bool rh_trace_enabled(const struct rh_platform *plat)
{
	return rh_trace_active(plat);
}

RH_EXPORT uint64_t rh_trace_clock(const struct rh_platform *plat)
{
	return rh_trace_active(plat) ? rh_trace_now(plat->trace) : 0;
}

RH_EXPORT uint64_t rh_trace_sim_clock(const struct rh_platform *plat)
{
	uint32_t thread;

	return rh_trace_active(plat) && plat->sim ? rh_sim_thread_now(plat, &thread) : 0;
}

RH_EXPORT void rh_trace_emit(struct rh_platform *plat, const struct rh_trace_event *ev)
{
	struct rh_trace_event e;

	if (!rh_trace_active(plat))
		return;
	if (plat->sim && ev) {
		e = *ev;
		sim_stamp(plat, &e);
		rh_trace_deliver(plat->trace, &e);
		return;
	}
	rh_trace_deliver(plat->trace, ev);
}
