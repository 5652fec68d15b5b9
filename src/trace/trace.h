/* SPDX-License-Identifier: MIT */
/* Internal trace state, the zero-cost emit macro and the helpers the sinks share. */
#ifndef RH_TRACE_INTERNAL_H
#define RH_TRACE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rheap/trace.h>

#include "internal.h"

_Static_assert(RH_TRACE_NR_TYPES < 64, "event masks are 64-bit");

struct rh_trace_sink_slot {
	int id;
	uint64_t mask;
	const struct rh_trace_sink_ops *ops;
	void *priv;
};

/*
 * Lives without a platform (rh_trace_create) so it can be tested before the
 * rest of the platform exists; platform.c wraps it as its first module.
 */
struct rh_trace {
	atomic_uint nr_sinks; /* the only thing the fast path reads */
	pthread_mutex_t lock; /* sinks, next_id; held across sink->event */
	uint64_t t0_ns;       /* CLOCK_MONOTONIC at creation */
	int next_id;
	unsigned int nr;
	struct rh_trace_sink_slot sinks[RH_TRACE_MAX_SINKS];
};

int rh_trace_create(struct rh_trace **ret_trace);
/* Finishes every sink (in the order they were added), then frees. NULL-safe. */
void rh_trace_destroy(struct rh_trace *trace);
int rh_trace_sink_add(struct rh_trace *trace, const struct rh_trace_sink_ops *ops,
		      void *priv, int *ret_id);
int rh_trace_sink_remove(struct rh_trace *trace, int id);
int rh_trace_sink_set_mask(struct rh_trace *trace, int id, uint64_t mask);
void rh_trace_deliver(struct rh_trace *trace, const struct rh_trace_event *ev);
/* ns since creation, never 0. */
uint64_t rh_trace_now(const struct rh_trace *trace);

/* Platform module hooks (platform.c: first in, last out). */
int rh_trace_init(struct rh_platform *plat);
void rh_trace_fini(struct rh_platform *plat);

/* Built-in sinks: state allocated with rh_malloc, freed by ops->finish. */
int rh_trace_text_sink_new(FILE *out, unsigned int flags,
			   const struct rh_trace_sink_ops **ret_ops, void **ret_priv);
int rh_trace_json_sink_new(FILE *out, const struct rh_trace_sink_ops **ret_ops,
			   void **ret_priv);
int rh_trace_chrome_sink_new(FILE *out, const struct rh_trace_sink_ops **ret_ops,
			     void **ret_priv);
/* The Chrome sink on the simulated clock, one track per simulated thread. */
int rh_trace_chrome_sim_sink_new(FILE *out, const struct rh_trace_sink_ops **ret_ops,
				 void **ret_priv);
int rh_trace_mermaid_sink_new(FILE *out, const struct rh_trace_sink_ops **ret_ops,
			      void **ret_priv);

/*
 * The fast path: one pointer load and one relaxed atomic load. A sink added
 * concurrently may miss the event in flight; that is the price of no lock.
 */
static inline bool rh_trace_active(const struct rh_platform *plat)
{
	return plat && plat->trace &&
	       atomic_load_explicit(&plat->trace->nr_sinks, memory_order_relaxed) != 0;
}

/*
 * RH_TRACE(plat, RH_TRACE_BUFFER_ALLOC, .name = heap->name, .size = len);
 * The type comes first (positional), then designated fields. Nothing after
 * the flag test is evaluated when no sink is attached: no clock read, no
 * formatting, no allocation. (ts_ns is named only to keep the initializer
 * designated, which -Wmissing-field-initializers wants; emit overwrites it.)
 */
#define RH_TRACE(plat, ...)							\
	do {									\
		struct rh_platform *rh_trace_plat_ = (plat);			\
		if (rh_trace_active(rh_trace_plat_)) {				\
			const struct rh_trace_event rh_trace_ev_ = {		\
				__VA_ARGS__, .ts_ns = 0 };			\
			rh_trace_emit(rh_trace_plat_, &rh_trace_ev_);		\
		}								\
	} while (0)

/*
 * As rh_trace_emit() with @ev->msg replaced by a printf-formatted message.
 * Call it behind rh_trace_active() so the arguments cost nothing when off:
 *	if (rh_trace_active(plat))
 *		rh_trace_emitf(plat, &(struct rh_trace_event){ RH_TRACE_NOTE,
 *			       .ts_ns = 0 }, "%u frames", n);
 */
void rh_trace_emitf(struct rh_platform *plat, const struct rh_trace_event *ev,
		    const char *fmt, ...) RH_PRINTF(3, 4);

/*
 * Index of the output value parameter in which command @cmd of the TA @ta
 * (UUID text) reports the TA's own status while the call itself answers
 * TEEC_SUCCESS (SECMEM_FREE: 1), or -1 (trace-tee-names.c).
 */
int rh_trace_tee_status_param(const char *ta, uint32_t cmd);

/* ------------------------------------------------------------------ sinks */

/* Mermaid participants other than devices. */
enum rh_trace_role {
	RH_ROLE_NONE,	/* no peer: a note over the actor */
	RH_ROLE_ACTOR,	/* the event's own track (device by name) */
	RH_ROLE_APP,
	RH_ROLE_KERNEL,
	RH_ROLE_TEE,
	RH_ROLE_FIREWALL,
	RH_ROLE_ALL,	/* a note across App..Firewall */
};

enum rh_trace_arrow {
	RH_ARROW_CALL,	 /* ->> ; -x when err != 0 */
	RH_ARROW_REPLY,	 /* -->> ; --x when err != 0 */
	RH_ARROW_FAIL,	 /* always -x */
	RH_ARROW_NOTE,	 /* Note over from[,to] */
	RH_ARROW_COMMENT, /* %% line */
};

/* Field bits: which fields a type always prints (others only when nonzero). */
enum rh_trace_field {
	RH_TF_NAME = 1u << 0,
	RH_TF_PA = 1u << 1,
	RH_TF_SIZE = 1u << 2,
	RH_TF_HANDLE = 1u << 3,
	RH_TF_ID = 1u << 4,
	RH_TF_COUNT = 1u << 5,
	RH_TF_CMD = 1u << 6,
	RH_TF_TEE_RESULT = 1u << 7,
	RH_TF_ORIGIN = 1u << 8,
	RH_TF_SECURE = 1u << 9,
	RH_TF_ERR = 1u << 10,
	RH_TF_MSG = 1u << 11,
};

struct rh_trace_type_info {
	const char *name;	  /* "buffer_alloc" */
	enum rh_trace_track track; /* default actor */
	const char *name_key;	  /* JSON key of ev->name ("heap") */
	unsigned int fields;	  /* RH_TF_* printed even when zero */
	enum rh_trace_role from, to;
	enum rh_trace_arrow arrow;
};

/* NULL when @type is out of range. */
const struct rh_trace_type_info *rh_trace_type_info(enum rh_trace_event_type type);
/* Display name of the actor: track_name, else "kernel", "TEE", ... */
const char *rh_trace_actor_name(const struct rh_trace_event *ev);
/* "EPERM" for -EPERM, "E<n>" when unknown; @buf at least 16 bytes. */
const char *rh_trace_errno_name(int err, char *buf, size_t len);

/*
 * Fixed-size line buffer: sinks format a whole event into one and write it
 * with a single fwrite, so a line is never split by another writer of the
 * same FILE. Appends past the end are dropped and flagged.
 */
#define RH_TRACE_LINE_MAX 4096
#define RH_TRACE_MSG_MAX 255
#define RH_TRACE_NAME_MAX 63

struct rh_sbuf {
	char *buf;
	size_t len, cap;
	bool overflow;
};

void rh_sbuf_init(struct rh_sbuf *sb, char *buf, size_t cap);
void rh_sbuf_puts(struct rh_sbuf *sb, const char *s);
void rh_sbuf_putc(struct rh_sbuf *sb, char c);
void rh_sbuf_printf(struct rh_sbuf *sb, const char *fmt, ...) RH_PRINTF(2, 3);
/* @s (at most @max bytes, cut at a UTF-8 boundary) as a quoted JSON string. */
void rh_sbuf_json_string(struct rh_sbuf *sb, const char *s, size_t max);
/*
 * @s (at most @max bytes, "..." appended when cut) as display text: control
 * characters and invalid UTF-8 become '?' (no terminal escapes from names).
 */
void rh_sbuf_text(struct rh_sbuf *sb, const char *s, size_t max);
/* "4 MiB", "12150 KiB", "1000 bytes" */
void rh_sbuf_size(struct rh_sbuf *sb, uint64_t size);
/* "850 ns", "3.30 us", "18.5 ms", "402 ms", "1.25 s": three significant digits. */
void rh_sbuf_duration(struct rh_sbuf *sb, uint64_t ns);
/* Writes the buffer; returns -EIO once the stream is in error. */
int rh_sbuf_write(const struct rh_sbuf *sb, FILE *out);

/* The narration sentence (no time, no actor column), shared by text and Mermaid. */
void rh_trace_sentence(struct rh_sbuf *sb, const struct rh_trace_event *ev);

/*
 * Decodes one UTF-8 sequence at @s (at most @len bytes). Returns its length,
 * or 0 when invalid (overlong, surrogate, > U+10FFFF, truncated).
 */
size_t rh_utf8_seq_len(const unsigned char *s, size_t len);

#endif /* RH_TRACE_INTERNAL_H */
