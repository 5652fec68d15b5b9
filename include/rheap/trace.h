/* SPDX-License-Identifier: MIT */
/* Typed trace events of the simulated platform and their pluggable sinks. */
#ifndef RHEAP_TRACE_H
#define RHEAP_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rheap/export.h>

RH_BEGIN_DECLS

struct rh_platform;

/**
 * enum rh_trace_event_type - what happened
 *
 * The stable string name of each type (rh_trace_event_type_name()) is the
 * lower-case enumerator without the prefix: RH_TRACE_BUFFER_ALLOC is
 * "buffer_alloc". Values are append-only. The fields each type fills are
 * listed next to it; "name" is &struct rh_trace_event.name, and the key it
 * takes in JSON output is given in brackets. Every type may also carry @msg
 * and @err (0 or a negative errno: the step failed or was refused).
 *
 * Conceptually these play the part of the kernel's tracepoints (TRACE_EVENT,
 * include/linux/tracepoint.h): one event per observable state change. Only
 * the CMA pair has an upstream counterpart (include/trace/events/cma.h);
 * docs/kernel-map.md lists where each is emitted.
 */
enum rh_trace_event_type {
	/* ---- Platform (normal world) */
	/* name [model], pa = DRAM base, size = DRAM size, count = reserved regions */
	RH_TRACE_PLATFORM_BOOT,
	/* name [model] */
	RH_TRACE_PLATFORM_SHUTDOWN,
	/* name [region], pa, size, msg = compatible */
	RH_TRACE_REGION_RESERVED,

	/* ---- Firewall (TZASC / EMI-MPU model) */
	/* name [owner], id = region slot, pa, size, count = slots in use */
	RH_TRACE_FIREWALL_PROGRAM,
	/* name [owner], id = region slot, pa, size, count = slots in use */
	RH_TRACE_FIREWALL_CLEAR,
	/* name [master], id = master id, pa, size, msg = "read"/"write" */
	RH_TRACE_FIREWALL_VIOLATION,
	/* pa, size, err = -EFAULT: a normal-world CPU access trapped */
	RH_TRACE_CPU_TRAP,

	/* ---- dma-heap / dma-buf (normal world) */
	/* name [heap] */
	RH_TRACE_HEAP_REGISTER,
	/* name [heap], id = fd */
	RH_TRACE_HEAP_OPEN,
	/* name [heap], id = buffer id, size, pa = first entry, count = nents, err */
	RH_TRACE_BUFFER_ALLOC,
	/* name [heap], id = buffer id, size */
	RH_TRACE_BUFFER_FREE,
	/* name [heap], id = buffer id, handle = fd */
	RH_TRACE_BUFFER_EXPORT,
	/* track DEVICE + track_name, name [heap], id = buffer id, err */
	RH_TRACE_ATTACH,
	/* track DEVICE + track_name, name [heap], id = buffer id */
	RH_TRACE_DETACH,
	/*
	 * track DEVICE, name [heap], id = buffer id, pa = first dma address,
	 * size, count = nents, secure = sg_dma_is_restricted()
	 */
	RH_TRACE_MAP,
	/* track DEVICE, name [heap], id = buffer id */
	RH_TRACE_UNMAP,
	/* name [heap], id = buffer id, err = -EPERM, msg = "begin_cpu_access"/"vmap"/... */
	RH_TRACE_CPU_ACCESS_DENIED,
	/* name [heap], id = buffer id, err = -EPERM */
	RH_TRACE_MMAP_DENIED,

	/* ---- TEE client and core */
	/* name [ta] (UUID), id = session, tee_result, origin, err */
	RH_TRACE_TEE_OPEN_SESSION,
	/* name [ta], id = session */
	RH_TRACE_TEE_CLOSE_SESSION,
	/* name [ta], id = session, cmd: the normal world enters (instant) */
	RH_TRACE_TEE_INVOKE,
	/*
	 * name [ta], id = session, cmd, tee_result, origin, err; a span whose
	 * start_ns is rh_trace_clock() taken at the invoke. err is the result
	 * as an errno, or, when the call returned TEEC_SUCCESS but the
	 * command reports the TA's own status in an output value (SECMEM_FREE's
	 * p1.a), that status as an errno, with msg saying which value it was.
	 */
	RH_TRACE_TEE_RETURN,
	/* secure = true entering the secure world, false leaving; count = switches so far */
	RH_TRACE_WORLD_SWITCH,
	/* name [ta], msg = reason */
	RH_TRACE_TEE_PANIC,

	/* ---- Secure-memory TA */
	/* name [ta], handle, pa, size, err */
	RH_TRACE_TA_ALLOC,
	/* name [ta], handle, size, err (forged/double free refused) */
	RH_TRACE_TA_FREE,
	/* name [ta], pa, size */
	RH_TRACE_TA_SCRUB,

	/* ---- CMA and region lending */
	/* name [cma], pa, size, err */
	RH_TRACE_CMA_ALLOC,
	/* name [cma], pa, size */
	RH_TRACE_CMA_RELEASE,
	/* name [region], pa, size: normal world lends it to the TEE */
	RH_TRACE_REGION_LEND,
	/* name [region], pa, size: the TEE gave it back */
	RH_TRACE_REGION_RECLAIM,

	/* ---- Devices */
	/* track DEVICE + track_name, secure = new state */
	RH_TRACE_DEVICE_SECURE_SWITCH,
	/* track DEVICE, pa, size, secure = master state */
	RH_TRACE_DMA_READ,
	/* track DEVICE, pa, size, secure = master state */
	RH_TRACE_DMA_WRITE,
	/* track DEVICE, pa, size, err = -EACCES, msg = "read"/"write" */
	RH_TRACE_DMA_DENIED,

	/* ---- Secure video path */
	/* name [ta], handle = destination (0: a registered protected buffer), size, msg = cipher */
	RH_TRACE_DECRYPT,
	/* track DEVICE, id = frame number, msg = digest (hex) */
	RH_TRACE_FRAME_DIGEST,

	/* ---- Narration */
	/* track APP, name [attack], err = what the attacker got (0: it worked), msg = why */
	RH_TRACE_ATTACK,
	/* msg = free text */
	RH_TRACE_NOTE,
	/* track APP, name [phase] = step title */
	RH_TRACE_PHASE_BEGIN,
	/* track APP, name [phase] */
	RH_TRACE_PHASE_END,

	/* ---- Simulated time (a platform with a cost model: rheap/cost-model.h) */
	/*
	 * track = who did the work, name [cost] = rh_sim_cost_name(), size =
	 * the bytes it concerned, count = units charged (pages, entries,
	 * calls), sim_dur_ns = the simulated time it took
	 */
	RH_TRACE_SIM_COST,

	RH_TRACE_NR_TYPES,
};

/**
 * enum rh_trace_track - who acts (a track in Chrome traces, a participant in
 * sequence diagrams)
 * @RH_TRACE_TRACK_AUTO: the event type's usual actor (filled in by emit)
 * @RH_TRACE_TRACK_NORMAL_WORLD: kernel side: heaps, dma-buf, TEE client ("normal_world")
 * @RH_TRACE_TRACK_TEE: the secure world: TEE core and TAs ("tee")
 * @RH_TRACE_TRACK_FIREWALL: the memory firewall ("firewall")
 * @RH_TRACE_TRACK_DEVICE: a DMA master; &rh_trace_event.track_name names it ("device")
 * @RH_TRACE_TRACK_CPU: a normal-world CPU access to physical memory ("cpu")
 * @RH_TRACE_TRACK_APP: the user-space application ("app")
 */
enum rh_trace_track {
	RH_TRACE_TRACK_AUTO,
	RH_TRACE_TRACK_NORMAL_WORLD,
	RH_TRACE_TRACK_TEE,
	RH_TRACE_TRACK_FIREWALL,
	RH_TRACE_TRACK_DEVICE,
	RH_TRACE_TRACK_CPU,
	RH_TRACE_TRACK_APP,

	RH_TRACE_NR_TRACKS,
};

/**
 * struct rh_trace_event - one event (zero it, then fill what the type uses)
 * @type:       first member, so `{ RH_TRACE_NOTE, .msg = "..." }` works
 * @track:      the actor; RH_TRACE_TRACK_AUTO picks the type's usual one
 * @ts_ns:      CLOCK_MONOTONIC ns since the platform was created; set by
 *              rh_trace_emit(), ignored on input
 * @start_ns:   0 for an instant; for a span, its start as returned by
 *              rh_trace_clock() (the event itself marks the end)
 * @dur_ns:     set by rh_trace_emit() from @start_ns (0 for an instant)
 * @track_name: device name for RH_TRACE_TRACK_DEVICE ("vcodec"), optional
 *              otherwise; NULL = the track's own name
 * @name:       heap, TA, region, attack or phase name (see the type)
 * @msg:        short free text (built-in sinks keep at most 255 bytes)
 * @pa:         physical (or DMA) address
 * @size:       bytes
 * @handle:     secure handle, or fd
 * @id:         buffer id, session, firewall slot, master id, frame number
 * @count:      a count (nents, slots in use, switches)
 * @cmd:        TEE command id
 * @tee_result: TEEC_Result of a TEE call
 * @origin:     TEEC_ORIGIN_* of @tee_result
 * @err:        0 or a negative errno
 * @secure:     restricted / secure state (see the type)
 * @sim_ns:     the emitting thread's simulated clock (rheap/cost-model.h),
 *              set by rh_trace_emit(); 0 when the platform has no model
 * @sim_start_ns: for a span (@start_ns set), rh_trace_sim_clock() taken at
 *              its start
 * @sim_dur_ns: simulated duration: of a span, set by rh_trace_emit() from
 *              @sim_start_ns; of an RH_TRACE_SIM_COST, the charge
 * @thread:     1-based simulated CPU thread that emitted the event, set by
 *              rh_trace_emit(); 0 when the platform has no model
 *
 * Strings are borrowed: valid only during the sink callback.
 */
struct rh_trace_event {
	enum rh_trace_event_type type;
	enum rh_trace_track track;
	uint64_t ts_ns;
	uint64_t start_ns;
	uint64_t dur_ns;
	const char *track_name;
	const char *name;
	const char *msg;
	uint64_t pa;
	uint64_t size;
	uint64_t handle;
	uint64_t id;
	uint64_t count;
	uint32_t cmd;
	uint32_t tee_result;
	uint32_t origin;
	int err;
	bool secure;
	uint64_t sim_ns;
	uint64_t sim_start_ns;
	uint64_t sim_dur_ns;
	uint32_t thread;
};

/** Bit of @type in a sink's event mask (rh_trace_set_sink_mask()). */
#define RH_TRACE_MASK(type) (UINT64_C(1) << (type))
#define RH_TRACE_MASK_ALL (RH_TRACE_MASK(RH_TRACE_NR_TYPES) - 1)

/** Most sinks one platform can hold at a time. */
#define RH_TRACE_MAX_SINKS 8

/**
 * struct rh_trace_sink_ops - a consumer of trace events
 * @event:  mandatory; called for each event, in timestamp order, with the
 *          platform's trace lock held (so two events never interleave). Must
 *          not call back into the trace API of the same platform.
 * @finish: optional; called exactly once when the sink is removed or the
 *          platform is destroyed, after its last @event and without the lock.
 *          Completes the output and releases @priv; its return value (0 or
 *          -errno) is what rh_trace_remove_sink() returns (on platform
 *          destroy it is lost: remove a sink first to learn of write errors).
 */
struct rh_trace_sink_ops {
	void (*event)(void *priv, const struct rh_trace_event *ev);
	int (*finish)(void *priv);
};

/**
 * rh_trace_add_sink() - attach a sink to @plat
 * @ops:    caller-owned table (must outlive the sink); @ops->event is required
 * @priv:   passed back to every callback
 * @ret_id: the sink's id for rh_trace_remove_sink(), written only on success
 *
 * Events emitted from now on reach the sink (all types; see
 * rh_trace_set_sink_mask()).
 *
 * @return 0, -EINVAL (NULL @plat/@ops/@ops->event/@ret_id), -ENOSPC
 * (RH_TRACE_MAX_SINKS reached).
 */
RH_EXPORT int rh_trace_add_sink(struct rh_platform *plat,
				const struct rh_trace_sink_ops *ops, void *priv,
				int *ret_id);

/**
 * rh_trace_remove_sink() - detach sink @id, then call its finish op
 *
 * When this returns, no callback of the sink runs any more.
 * @return the finish op's result (0 or -errno, e.g. -EIO for a write error of
 * a built-in sink; the sink is removed either way), -EINVAL for a NULL @plat,
 * -ENOENT for an unknown @id.
 */
RH_EXPORT int rh_trace_remove_sink(struct rh_platform *plat, int id);

/**
 * rh_trace_set_sink_mask() - choose the event types sink @id receives
 * @mask: RH_TRACE_MASK(type) bits; RH_TRACE_MASK_ALL by default
 * @return 0, -EINVAL (NULL @plat or bits beyond RH_TRACE_NR_TYPES), -ENOENT.
 */
RH_EXPORT int rh_trace_set_sink_mask(struct rh_platform *plat, int id,
				     uint64_t mask);

/** Flags of the text narration sink and rh_trace_format_text(). */
enum rh_trace_text_flags {
	RH_TRACE_TEXT_COLOR = 1u << 0, /* ANSI colours (the caller decides: isatty, NO_COLOR) */
	RH_TRACE_TEXT_TIME = 1u << 1,  /* "[   0.001234] " prefix, seconds since creation */
	RH_TRACE_TEXT_NO_ACTOR = 1u << 2, /* omit the padded actor column */
	/* with RH_TRACE_TEXT_TIME: the simulated clock (rheap/cost-model.h), not wall time */
	RH_TRACE_TEXT_SIM_TIME = 1u << 3,
};

/**
 * rh_trace_add_text_sink() - human-readable narration, one line per event
 * @out:   caller-owned stream (flushed on finish, never closed)
 * @flags: enum rh_trace_text_flags
 * @return 0, -EINVAL (NULL @out, unknown flags, see rh_trace_add_sink()),
 * -ENOSPC, -ENOMEM.
 */
RH_EXPORT int rh_trace_add_text_sink(struct rh_platform *plat, FILE *out,
				     unsigned int flags, int *ret_id);

/**
 * rh_trace_add_json_sink() - JSON lines: one JSON object per event
 *
 * Keys in this order: "ts_ns", "type", "track", "actor", then "dur_ns" for
 * spans, the type's name key ("heap", "ta", ...), "pa", "size", "handle",
 * "id", "count", "cmd", "tee_result", "origin", "secure", "err", "errno",
 * "msg" when set (zero fields are left out unless the type always has them).
 * Addresses, handles and TEE codes are "0x..." strings (64-bit exact);
 * sizes, ids and counts are numbers.
 * @return as rh_trace_add_text_sink().
 */
RH_EXPORT int rh_trace_add_json_sink(struct rh_platform *plat, FILE *out,
				     int *ret_id);

/**
 * rh_trace_add_chrome_sink() - Chrome trace event JSON ({"traceEvents":[...]})
 *
 * Opens in Perfetto (ui.perfetto.dev) and chrome://tracing. Processes "Normal
 * world" (tracks App, Kernel, CPU), "Secure world" (TEE) and "Hardware"
 * (Firewall, then one track per device) are named by "M" metadata events;
 * spans are "X" events, phases B/E pairs, everything else "i" instants; the
 * event fields are in "args". Events are named by their type
 * ("buffer_alloc"), phases by their title, and TEE call spans by their
 * command (rh_trace_tee_cmd_name(): "SECMEM_ZALLOC", else "cmd 0x7"). The document is complete once the sink is
 * removed or the platform destroyed.
 * @return as rh_trace_add_text_sink().
 */
RH_EXPORT int rh_trace_add_chrome_sink(struct rh_platform *plat, FILE *out,
				       int *ret_id);

/**
 * rh_trace_add_chrome_sim_sink() - the Chrome trace on the simulated clock
 *
 * As rh_trace_add_chrome_sink(), with "ts" and "dur" from &rh_trace_event
 * .sim_ns / .sim_dur_ns (a platform with a cost model, rheap/cost-model.h):
 * what the run would have taken on the modelled SoC. The normal world's
 * events go on one track per simulated CPU thread ("CPU thread 1", ...);
 * the secure world, the firewall and each DMA master keep their tracks;
 * every charge (RH_TRACE_SIM_COST) is a span on the track of who did the
 * work. Without a model every timestamp is 0.
 * @return as rh_trace_add_text_sink().
 */
RH_EXPORT int rh_trace_add_chrome_sim_sink(struct rh_platform *plat, FILE *out,
					   int *ret_id);

/**
 * rh_trace_add_mermaid_sink() - Mermaid sequence diagram of the run
 *
 * "sequenceDiagram", participants App, Kernel, TEE, Firewall, then each
 * device when it first acts; one arrow or note per event (phase ends are
 * %% comments). Characters Mermaid treats specially (; # < > & and control
 * characters) are written as entity codes (#59;) or spaces.
 * @return as rh_trace_add_text_sink().
 */
RH_EXPORT int rh_trace_add_mermaid_sink(struct rh_platform *plat, FILE *out,
					int *ret_id);

/**
 * rh_trace_enabled() - whether any sink is attached to @plat
 *
 * Lets callers skip building expensive event text. NULL-safe (false).
 */
RH_EXPORT bool rh_trace_enabled(const struct rh_platform *plat);

/**
 * rh_trace_clock() - the trace clock, for &rh_trace_event.start_ns
 * @return ns since @plat was created (never 0), or 0 when no sink is attached
 * (an event whose start_ns is 0 is an instant).
 */
RH_EXPORT uint64_t rh_trace_clock(const struct rh_platform *plat);

/**
 * rh_trace_sim_clock() - the calling thread's simulated clock, for
 * &rh_trace_event.sim_start_ns
 * @return ns; 0 when no sink is attached or the platform has no cost model.
 */
RH_EXPORT uint64_t rh_trace_sim_clock(const struct rh_platform *plat);

/**
 * rh_trace_emit() - deliver @ev to every sink of @plat
 *
 * Stamps a copy of @ev with the time, resolves RH_TRACE_TRACK_AUTO and the
 * span duration, then calls the sinks under the trace lock. Costs one
 * relaxed atomic load when no sink is attached. Ignores a NULL @plat/@ev and
 * types or tracks out of range (nothing to report them to).
 *
 * Mirrors: trace_<event>() calls of the kernel's tracepoints (include/linux/tracepoint.h)
 */
RH_EXPORT void rh_trace_emit(struct rh_platform *plat,
			     const struct rh_trace_event *ev);

/**
 * rh_trace_event_type_name() - stable name of @type ("buffer_alloc")
 * @return a static string, or NULL when @type is out of range.
 */
RH_EXPORT const char *rh_trace_event_type_name(enum rh_trace_event_type type);

/**
 * rh_trace_event_type_from_name() - inverse of rh_trace_event_type_name()
 * @return 0, -EINVAL (NULL args), -ENOENT (no such name).
 */
RH_EXPORT int rh_trace_event_type_from_name(const char *name,
					    enum rh_trace_event_type *ret_type);

/**
 * rh_trace_track_name() - stable name of @track ("normal_world")
 * @return a static string, or NULL when @track is out of range.
 */
RH_EXPORT const char *rh_trace_track_name(enum rh_trace_track track);

/**
 * rh_trace_format_text() - the narration line the text sink would print
 * @flags: enum rh_trace_text_flags
 * @buf, @len: output, always NUL-terminated when @len > 0 (no newline)
 *
 * For custom sinks that want the built-in wording.
 * @return the length of the full line (as snprintf: >= @len means
 * truncated), or -EINVAL (NULL @ev, bad type/track, unknown flags, NULL @buf
 * with @len > 0).
 */
RH_EXPORT int rh_trace_format_text(const struct rh_trace_event *ev,
				   unsigned int flags, char *buf, size_t len);

/**
 * rh_trace_tee_ta_name() - short name of a trusted application the library ships
 * @ta: the TA's UUID as text, as &rh_trace_event.name of the TEE events
 *
 * For narration and test messages: "mtk-secmem" for RH_TZ_TA_MEM_UUID_MTK,
 * "svp" for RH_TA_SVP_UUID.
 * @return a static string, or NULL for NULL or a TA the library does not ship.
 */
RH_EXPORT const char *rh_trace_tee_ta_name(const char *ta);

/**
 * rh_trace_tee_cmd_name() - name of command @cmd of the trusted application @ta
 * @ta: the TA's UUID as text
 * @cmd: the command (&rh_tee_ioctl_invoke_arg.func, &rh_trace_event.cmd)
 *
 * "SECMEM_ZALLOC" for 0x10000 of the MediaTek secure-memory TA, "DECRYPT"
 * for 0x2 of the secure video TA: the names of include/rheap/tee-secmem.h
 * without their prefix.
 * @return a static string, or NULL for an unknown TA or command.
 */
RH_EXPORT const char *rh_trace_tee_cmd_name(const char *ta, uint32_t cmd);

/**
 * rh_trace_tee_origin_name() - "API", "COMMS", "TEE" or "TA" for a
 * RH_TEEC_ORIGIN_* value (who produced a TEE result)
 * @return a static string, or NULL for any other value.
 */
RH_EXPORT const char *rh_trace_tee_origin_name(uint32_t origin);

RH_END_DECLS

#endif /* RHEAP_TRACE_H */
