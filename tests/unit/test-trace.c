// SPDX-License-Identifier: MIT
/* Unit tests of the trace API: registry, emit, zero-cost path, the four sinks, threads. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/alloc.h>
#include <rheap/platform.h>
#include <rheap/tee-secmem.h>
#include <rheap/tee.h>
#include <rheap/trace.h>

#include "internal.h"
#include "trace/trace.h"

#include "json-check.h"
#include "rh-test.h"

/* ------------------------------------------------------------------ helpers */

/*
 * A platform shell holding only the trace module: the trace API needs
 * nothing else, so it is tested independently of the DT parser and emulator.
 */
static struct rh_platform *shell_new(void)
{
	struct rh_platform *plat = calloc(1, sizeof(*plat));

	assert_non_null(plat);
	assert_int_equal(rh_trace_init(plat), 0);
	assert_non_null(plat->trace);
	return plat;
}

static void shell_free(struct rh_platform *plat)
{
	rh_trace_fini(plat);
	assert_null(plat->trace);
	free(plat);
}

struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
}

/* Closes the stream; m->buf/m->len hold everything written. */
static void mem_close(struct mem *m)
{
	assert_int_equal(fclose(m->f), 0);
	m->f = NULL;
}

static void mem_free(struct mem *m)
{
	free(m->buf);
	m->buf = NULL;
}

static const char *const device_types_names[] = { "vcodec", "display" };

static bool is_device_type(enum rh_trace_event_type t)
{
	const struct rh_trace_type_info *info = rh_trace_type_info(t);

	return info->track == RH_TRACE_TRACK_DEVICE;
}

/* Every field set: the sinks must print all of them, validly. */
static struct rh_trace_event full_event(enum rh_trace_event_type t)
{
	struct rh_trace_event ev = {
		.type = t,
		.name = "restricted_mtk_cm",
		.msg = "details",
		.pa = 0x44000000,
		.size = 4u << 20,
		.handle = 0xfedcba9876543210ull,
		.id = 7,
		.count = 2,
		.cmd = 0x10000,
		.tee_result = 0xffff000c,
		.origin = 4,
		.err = -EPERM,
		.secure = true,
	};

	if (is_device_type(t))
		ev.track_name = device_types_names[t % 2];
	return ev;
}

static struct rh_trace_event bare_event(enum rh_trace_event_type t)
{
	struct rh_trace_event ev = { .type = t };

	return ev;
}

/* ------------------------------------------------------------------ names */

static void test_type_names(void **state)
{
	enum rh_trace_event_type back;
	unsigned int i, j;
	const char *n;

	for (i = 0; i < RH_TRACE_NR_TYPES; i++) {
		n = rh_trace_event_type_name(i);
		assert_non_null(n);
		assert_true(strlen(n) > 0);
		/* lower-case snake case only: it is a JSON value and a Chrome name */
		assert_int_equal(strspn(n, "abcdefghijklmnopqrstuvwxyz_"), strlen(n));
		assert_int_equal(rh_trace_event_type_from_name(n, &back), 0);
		assert_int_equal(back, i);
		for (j = 0; j < i; j++)
			assert_string_not_equal(n, rh_trace_event_type_name(j));
		assert_non_null(rh_trace_type_info(i));
		assert_non_null(rh_trace_type_info(i)->name_key);
		assert_int_not_equal(rh_trace_type_info(i)->track, RH_TRACE_TRACK_AUTO);
	}
	assert_string_equal(rh_trace_event_type_name(RH_TRACE_BUFFER_ALLOC), "buffer_alloc");
	assert_string_equal(rh_trace_event_type_name(RH_TRACE_TEE_INVOKE), "tee_invoke");
	assert_null(rh_trace_event_type_name(RH_TRACE_NR_TYPES));
	assert_null(rh_trace_event_type_name((enum rh_trace_event_type)-1));
	assert_null(rh_trace_type_info(RH_TRACE_NR_TYPES));

	back = RH_TRACE_NOTE;
	assert_neg_errno(rh_trace_event_type_from_name("no_such_event", &back), ENOENT);
	assert_neg_errno(rh_trace_event_type_from_name("", &back), ENOENT);
	assert_int_equal(back, RH_TRACE_NOTE); /* untouched on failure */
	assert_neg_errno(rh_trace_event_type_from_name(NULL, &back), EINVAL);
	assert_neg_errno(rh_trace_event_type_from_name("note", NULL), EINVAL);

	assert_string_equal(rh_trace_track_name(RH_TRACE_TRACK_NORMAL_WORLD), "normal_world");
	assert_string_equal(rh_trace_track_name(RH_TRACE_TRACK_TEE), "tee");
	assert_string_equal(rh_trace_track_name(RH_TRACE_TRACK_FIREWALL), "firewall");
	assert_string_equal(rh_trace_track_name(RH_TRACE_TRACK_DEVICE), "device");
	assert_string_equal(rh_trace_track_name(RH_TRACE_TRACK_CPU), "cpu");
	assert_string_equal(rh_trace_track_name(RH_TRACE_TRACK_APP), "app");
	assert_null(rh_trace_track_name(RH_TRACE_NR_TRACKS));
	assert_null(rh_trace_track_name((enum rh_trace_track)-1));
}

/* ------------------------------------------------------------------ registry */

struct rec_sink {
	unsigned int nr;
	struct rh_trace_event ev[64];
	char names[64][32];
	unsigned int finished;
	int finish_ret;
};

static void rec_event(void *priv, const struct rh_trace_event *ev)
{
	struct rec_sink *rs = priv;

	if (rs->nr < 64) {
		rs->ev[rs->nr] = *ev;
		/* strings are borrowed: keep a copy of the name */
		snprintf(rs->names[rs->nr], sizeof(rs->names[0]), "%s", ev->name ? ev->name : "");
		rs->ev[rs->nr].name = NULL;
		rs->ev[rs->nr].msg = NULL;
		rs->ev[rs->nr].track_name = NULL;
	}
	rs->nr++;
}

static int rec_finish(void *priv)
{
	struct rec_sink *rs = priv;

	rs->finished++;
	return rs->finish_ret;
}

static const struct rh_trace_sink_ops rec_ops = {
	.event = rec_event,
	.finish = rec_finish,
};

static const struct rh_trace_sink_ops rec_ops_nofinish = {
	.event = rec_event,
};

static const struct rh_trace_sink_ops bad_ops = {
	.finish = rec_finish,
};

static void test_create_errors(void **state)
{
	struct rh_trace *trace = NULL;
	unsigned int n;
	int ret;

	assert_neg_errno(rh_trace_create(NULL), EINVAL);
	rh_trace_destroy(NULL); /* NULL-safe */

	for (n = 1;; n++) {
		rh_fail_nth_set(n);
		ret = rh_trace_create(&trace);
		if (rh_fail_nth_get() != 0)
			break;
		rh_fail_nth_set(0);
		assert_neg_errno(ret, ENOMEM);
		assert_null(trace); /* written only on success */
	}
	rh_fail_nth_set(0);
	assert_int_equal(ret, 0);
	assert_non_null(trace);
	assert_int_equal(n, 2); /* exactly one allocation */
	rh_trace_destroy(trace);
}

static void test_add_remove(void **state)
{
	struct rh_platform *plat = shell_new();
	struct rec_sink rs = { 0 }, rs2 = { 0 };
	int ids[RH_TRACE_MAX_SINKS], id = -1, id2, i;

	/* bad arguments: nothing registered, ret_id untouched */
	assert_neg_errno(rh_trace_add_sink(NULL, &rec_ops, &rs, &id), EINVAL);
	assert_neg_errno(rh_trace_add_sink(plat, NULL, &rs, &id), EINVAL);
	assert_neg_errno(rh_trace_add_sink(plat, &bad_ops, &rs, &id), EINVAL);
	assert_neg_errno(rh_trace_add_sink(plat, &rec_ops, &rs, NULL), EINVAL);
	assert_int_equal(id, -1);
	assert_false(rh_trace_enabled(plat));

	assert_int_equal(rh_trace_add_sink(plat, &rec_ops, &rs, &id), 0);
	assert_true(id > 0);
	assert_true(rh_trace_enabled(plat));
	assert_int_equal(rh_trace_add_sink(plat, &rec_ops_nofinish, &rs2, &id2), 0);
	assert_int_not_equal(id, id2);

	/* remove: finish runs once, its value is returned */
	rs.finish_ret = -EIO;
	assert_neg_errno(rh_trace_remove_sink(plat, id), EIO);
	assert_int_equal(rs.finished, 1);
	assert_neg_errno(rh_trace_remove_sink(plat, id), ENOENT);
	assert_int_equal(rs.finished, 1);
	assert_neg_errno(rh_trace_remove_sink(plat, 12345), ENOENT);
	assert_neg_errno(rh_trace_remove_sink(NULL, id2), EINVAL);
	assert_true(rh_trace_enabled(plat));
	assert_int_equal(rh_trace_remove_sink(plat, id2), 0); /* no finish op */
	assert_false(rh_trace_enabled(plat));

	/* the limit */
	rs.finish_ret = 0;
	for (i = 0; i < RH_TRACE_MAX_SINKS; i++)
		assert_int_equal(rh_trace_add_sink(plat, &rec_ops, &rs, &ids[i]), 0);
	id = -1;
	assert_neg_errno(rh_trace_add_sink(plat, &rec_ops, &rs, &id), ENOSPC);
	assert_int_equal(id, -1);
	/* a stale id never matches a newer sink */
	for (i = 0; i < RH_TRACE_MAX_SINKS; i++)
		assert_int_not_equal(ids[i], id2);
	assert_int_equal(rh_trace_remove_sink(plat, ids[3]), 0);
	assert_int_equal(rh_trace_add_sink(plat, &rec_ops, &rs, &id), 0);
	assert_int_not_equal(id, ids[3]);

	/* destroy finishes every sink still attached */
	rs.finished = 0;
	shell_free(plat);
	assert_int_equal(rs.finished, RH_TRACE_MAX_SINKS);
}

static void test_emit_delivery(void **state)
{
	struct rh_platform *plat = shell_new();
	struct rec_sink rs = { 0 }, rs2 = { 0 };
	struct rh_trace_event ev;
	uint64_t start;
	int id, id2;

	assert_int_equal(rh_trace_add_sink(plat, &rec_ops, &rs, &id), 0);
	assert_int_equal(rh_trace_add_sink(plat, &rec_ops, &rs2, &id2), 0);

	/* AUTO resolves to the type's actor; the caller's ts is ignored */
	ev = bare_event(RH_TRACE_TA_ALLOC);
	ev.ts_ns = 123;
	rh_trace_emit(plat, &ev);
	assert_int_equal(rs.nr, 1);
	assert_int_equal(rs.ev[0].track, RH_TRACE_TRACK_TEE);
	assert_int_equal(rs.ev[0].dur_ns, 0);
	assert_int_equal(rs.ev[0].start_ns, 0);
	assert_true(rs.ev[0].ts_ns > 0);

	/* an explicit track is kept */
	ev = bare_event(RH_TRACE_NOTE);
	ev.track = RH_TRACE_TRACK_FIREWALL;
	rh_trace_emit(plat, &ev);
	assert_int_equal(rs.ev[1].track, RH_TRACE_TRACK_FIREWALL);
	assert_true(rs.ev[1].ts_ns >= rs.ev[0].ts_ns);

	/* a span: duration from start_ns */
	start = rh_trace_clock(plat);
	assert_true(start > 0);
	ev = bare_event(RH_TRACE_TEE_RETURN);
	ev.start_ns = start;
	rh_trace_emit(plat, &ev);
	assert_int_equal(rs.ev[2].start_ns, start);
	assert_true(rs.ev[2].ts_ns >= start);
	assert_int_equal(rs.ev[2].dur_ns, rs.ev[2].ts_ns - start);

	/* a start in the future is not a span */
	ev.start_ns = UINT64_MAX;
	rh_trace_emit(plat, &ev);
	assert_int_equal(rs.ev[3].start_ns, 0);
	assert_int_equal(rs.ev[3].dur_ns, 0);

	/* out-of-range type/track and NULLs are dropped */
	ev = bare_event(RH_TRACE_NR_TYPES);
	rh_trace_emit(plat, &ev);
	ev = bare_event(RH_TRACE_NOTE);
	ev.track = RH_TRACE_NR_TRACKS;
	rh_trace_emit(plat, &ev);
	rh_trace_emit(plat, NULL);
	rh_trace_emit(NULL, &ev);
	assert_int_equal(rs.nr, 4);
	assert_int_equal(rs2.nr, 4);

	/* masks */
	assert_int_equal(rh_trace_set_sink_mask(plat, id2, RH_TRACE_MASK(RH_TRACE_ATTACK)), 0);
	RH_TRACE(plat, RH_TRACE_NOTE, .msg = "not for rs2");
	RH_TRACE(plat, RH_TRACE_ATTACK, .name = "mmap", .err = -EPERM);
	assert_int_equal(rs.nr, 6);
	assert_int_equal(rs2.nr, 5);
	assert_int_equal(rs2.ev[4].type, RH_TRACE_ATTACK);
	assert_string_equal(rs2.names[4], "mmap");
	assert_int_equal(rs2.ev[4].err, -EPERM);
	assert_int_equal(rh_trace_set_sink_mask(plat, id2, 0), 0);
	RH_TRACE(plat, RH_TRACE_ATTACK, .name = "x");
	assert_int_equal(rs2.nr, 5);
	assert_neg_errno(rh_trace_set_sink_mask(plat, id2, RH_TRACE_MASK(RH_TRACE_NR_TYPES)),
			 EINVAL);
	assert_neg_errno(rh_trace_set_sink_mask(plat, 9999, 0), ENOENT);
	assert_neg_errno(rh_trace_set_sink_mask(NULL, id2, 0), EINVAL);

	/* emitf formats and truncates to the message limit */
	{
		char big[600];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		ev = bare_event(RH_TRACE_NOTE);
		rh_trace_emitf(plat, &ev, "%s", big);
		assert_int_equal(rs.nr, 8);
	}

	shell_free(plat);
	assert_int_equal(rs.finished, 1);
	assert_int_equal(rs2.finished, 1);
}

/* ------------------------------------------------------------------ zero cost */

static unsigned int evaluated;

static uint64_t touch(uint64_t v)
{
	evaluated++;
	return v;
}

static void test_zero_cost(void **state)
{
	struct rh_platform *plat = shell_new();
	struct rh_trace_event ev = full_event(RH_TRACE_BUFFER_ALLOC);
	struct mem m;
	int id;

	evaluated = 0;
	assert_false(rh_trace_enabled(plat));
	assert_int_equal(rh_trace_clock(plat), 0);

	/* No sink: nothing is built, nothing allocated. */
	rh_fail_nth_set(1);
	RH_TRACE(plat, RH_TRACE_BUFFER_ALLOC, .size = touch(4096), .name = "h");
	rh_trace_emit(plat, &ev);
	rh_trace_emitf(plat, &ev, "%u", 1u);
	/* emitf's arguments are evaluated by C: callers guard it like this */
	if (rh_trace_active(plat))
		rh_trace_emitf(plat, &ev, "%u", (unsigned int)touch(1));
	assert_int_equal(rh_fail_nth_get(), 1);
	rh_fail_nth_set(0);
	assert_int_equal(evaluated, 0);

	/* With built-in sinks attached, emitting still allocates nothing. */
	mem_open(&m);
	assert_int_equal(rh_trace_add_json_sink(plat, m.f, &id), 0);
	assert_int_equal(rh_trace_add_chrome_sink(plat, m.f, &id), 0);
	assert_int_equal(rh_trace_add_mermaid_sink(plat, m.f, &id), 0);
	assert_int_equal(rh_trace_add_text_sink(plat, m.f, 0, &id), 0);
	rh_fail_nth_set(1);
	RH_TRACE(plat, RH_TRACE_BUFFER_ALLOC, .size = touch(4096), .name = "h");
	rh_trace_emit(plat, &ev);
	rh_trace_emitf(plat, &ev, "%u", 1u);
	assert_int_equal(rh_fail_nth_get(), 1);
	rh_fail_nth_set(0);
	assert_int_equal(evaluated, 1);
	shell_free(plat);
	mem_close(&m);
	assert_true(m.len > 0);
	mem_free(&m);
}

/* ------------------------------------------------------------------ fail-nth on add */

struct add_ctx {
	struct rh_platform *plat;
	struct mem m;
	int which;
	int id;
};

static int add_op(void *arg)
{
	struct add_ctx *c = arg;

	switch (c->which) {
	case 0:
		return rh_trace_add_text_sink(c->plat, c->m.f, RH_TRACE_TEXT_COLOR, &c->id);
	case 1:
		return rh_trace_add_json_sink(c->plat, c->m.f, &c->id);
	case 2:
		return rh_trace_add_chrome_sink(c->plat, c->m.f, &c->id);
	default:
		return rh_trace_add_mermaid_sink(c->plat, c->m.f, &c->id);
	}
}

static void add_undo(void *arg)
{
	struct add_ctx *c = arg;

	assert_int_equal(rh_trace_remove_sink(c->plat, c->id), 0);
}

static void add_check_clean(void *arg)
{
	struct add_ctx *c = arg;

	assert_int_equal(c->plat->trace->nr, 0);
	assert_false(rh_trace_enabled(c->plat));
}

static void test_fail_nth_add(void **state)
{
	struct add_ctx c;
	unsigned int sites;

	for (c.which = 0; c.which < 4; c.which++) {
		c.plat = shell_new();
		mem_open(&c.m);
		c.id = -1;
		/* a failed add must write nothing to the stream */
		rh_fail_nth_set(1);
		assert_neg_errno(add_op(&c), ENOMEM);
		rh_fail_nth_set(0);
		assert_int_equal(c.id, -1);
		fflush(c.m.f);
		assert_int_equal(c.m.len, 0);
		sites = rh_test_fail_nth_sweep(add_op, add_undo, add_check_clean, &c);
		assert_int_equal(sites, 1);
		shell_free(c.plat);
		mem_close(&c.m);
		mem_free(&c.m);
	}
}

static void test_builtin_bad_args(void **state)
{
	struct rh_platform *plat = shell_new();
	struct rec_sink rs = { 0 };
	struct mem m;
	int id = -1, i;

	mem_open(&m);
	assert_neg_errno(rh_trace_add_text_sink(NULL, m.f, 0, &id), EINVAL);
	assert_neg_errno(rh_trace_add_text_sink(plat, NULL, 0, &id), EINVAL);
	assert_neg_errno(rh_trace_add_text_sink(plat, m.f, 0x80, &id), EINVAL);
	assert_neg_errno(rh_trace_add_text_sink(plat, m.f, 0, NULL), EINVAL);
	assert_neg_errno(rh_trace_add_json_sink(NULL, m.f, &id), EINVAL);
	assert_neg_errno(rh_trace_add_json_sink(plat, NULL, &id), EINVAL);
	assert_neg_errno(rh_trace_add_json_sink(plat, m.f, NULL), EINVAL);
	assert_neg_errno(rh_trace_add_chrome_sink(NULL, m.f, &id), EINVAL);
	assert_neg_errno(rh_trace_add_chrome_sink(plat, NULL, &id), EINVAL);
	assert_neg_errno(rh_trace_add_chrome_sink(plat, m.f, NULL), EINVAL);
	assert_neg_errno(rh_trace_add_mermaid_sink(NULL, m.f, &id), EINVAL);
	assert_neg_errno(rh_trace_add_mermaid_sink(plat, NULL, &id), EINVAL);
	assert_neg_errno(rh_trace_add_mermaid_sink(plat, m.f, NULL), EINVAL);
	assert_int_equal(id, -1);
	assert_false(rh_trace_enabled(plat));

	/* the limit also applies to built-ins, and the refused one leaks nothing */
	for (i = 0; i < RH_TRACE_MAX_SINKS; i++)
		assert_int_equal(rh_trace_add_sink(plat, &rec_ops, &rs, &id), 0);
	assert_neg_errno(rh_trace_add_chrome_sink(plat, m.f, &id), ENOSPC);
	fflush(m.f);
	assert_int_equal(m.len, 0);
	shell_free(plat);
	assert_int_equal(rs.finished, RH_TRACE_MAX_SINKS);
	mem_close(&m);
	mem_free(&m);
}

/* ------------------------------------------------------------------ text sink */

static void emit_all(struct rh_platform *plat, bool full)
{
	struct rh_trace_event ev;
	unsigned int t;

	for (t = 0; t < RH_TRACE_NR_TYPES; t++) {
		ev = full ? full_event(t) : bare_event(t);
		rh_trace_emit(plat, &ev);
	}
}

static size_t count_lines(const char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n;
}

static void check_no_control(const char *s, size_t len, bool allow_esc)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || (allow_esc && c == 0x1b))
			continue;
		assert_false(c < 0x20 || c == 0x7f);
	}
}

static void test_text_sink(void **state)
{
	unsigned int flags, pass;

	for (flags = 0; flags < 8; flags++) {
		for (pass = 0; pass < 2; pass++) {
			struct rh_platform *plat = shell_new();
			char *line, *save = NULL;
			unsigned int t = 0;
			struct mem m;
			int id;

			mem_open(&m);
			assert_int_equal(rh_trace_add_text_sink(plat, m.f, flags, &id), 0);
			emit_all(plat, pass);
			assert_int_equal(rh_trace_remove_sink(plat, id), 0);
			mem_close(&m);
			/* one line per event, nothing else */
			assert_int_equal(count_lines(m.buf, m.len), RH_TRACE_NR_TYPES);
			check_no_control(m.buf, m.len, flags & RH_TRACE_TEXT_COLOR);
			assert_int_equal(strchr(m.buf, '\033') != NULL,
					 !!(flags & RH_TRACE_TEXT_COLOR));
			for (line = strtok_r(m.buf, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save), t++) {
				char expect[RH_TRACE_LINE_MAX];
				struct rh_trace_event ev = pass ? full_event(t) : bare_event(t);

				assert_true(strlen(line) > 4);
				if (flags & RH_TRACE_TEXT_TIME)
					assert_int_equal(line[0], '[');
				/* the sink prints what rh_trace_format_text() says */
				assert_true(rh_trace_format_text(&ev, flags & ~RH_TRACE_TEXT_TIME,
								 expect, sizeof(expect)) > 0);
				if (!(flags & RH_TRACE_TEXT_TIME))
					assert_string_equal(line, expect);
				else
					assert_non_null(strstr(line, expect));
			}
			assert_int_equal(t, RH_TRACE_NR_TYPES);
			mem_free(&m);
			shell_free(plat);
		}
	}
}

static void test_format_text(void **state)
{
	struct rh_trace_event ev = full_event(RH_TRACE_BUFFER_ALLOC);
	char buf[256], small[8];
	int n;

	ev.err = 0;
	n = rh_trace_format_text(&ev, RH_TRACE_TEXT_NO_ACTOR, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "restricted_mtk_cm: allocated 4 MiB as buffer #7 "
				 "(2 sg entries, first at 0x44000000): details");
	n = rh_trace_format_text(&ev, 0, buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "kernel   restricted_mtk_cm", 26), 0);
	/* snprintf semantics */
	assert_int_equal(rh_trace_format_text(&ev, 0, small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(rh_trace_format_text(&ev, 0, NULL, 0), n);

	ev.err = -ENOMEM;
	rh_trace_format_text(&ev, RH_TRACE_TEXT_NO_ACTOR, buf, sizeof(buf));
	assert_string_equal(buf, "restricted_mtk_cm: allocating 4 MiB failed (-ENOMEM): details");

	ev = bare_event(RH_TRACE_ATTACK);
	ev.name = "mmap";
	ev.err = -EPERM;
	rh_trace_format_text(&ev, 0, buf, sizeof(buf));
	assert_string_equal(buf, "app      attack mmap: refused (-EPERM)");
	ev.err = 0;
	rh_trace_format_text(&ev, RH_TRACE_TEXT_NO_ACTOR, buf, sizeof(buf));
	assert_string_equal(buf, "attack mmap: SUCCEEDED");

	ev = bare_event(RH_TRACE_DMA_READ);
	ev.track_name = "display";
	ev.pa = 0x1000;
	ev.size = 12441600;
	rh_trace_format_text(&ev, 0, buf, sizeof(buf));
	assert_string_equal(buf, "display  DMA read of 0x1000 (12150 KiB) as a non-secure master");

	assert_neg_errno(rh_trace_format_text(NULL, 0, buf, sizeof(buf)), EINVAL);
	assert_neg_errno(rh_trace_format_text(&ev, 0x100, buf, sizeof(buf)), EINVAL);
	assert_neg_errno(rh_trace_format_text(&ev, 0, NULL, 4), EINVAL);
	ev.type = RH_TRACE_NR_TYPES;
	assert_neg_errno(rh_trace_format_text(&ev, 0, buf, sizeof(buf)), EINVAL);
	ev.type = RH_TRACE_NOTE;
	ev.track = RH_TRACE_NR_TRACKS;
	assert_neg_errno(rh_trace_format_text(&ev, 0, buf, sizeof(buf)), EINVAL);
}

/* The TEE lines name commands, results and origins next to their numbers. */
static void test_format_tee(void **state)
{
	struct rh_trace_event ev = bare_event(RH_TRACE_TEE_RETURN);
	char buf[512];

	ev.name = RH_TZ_TA_MEM_UUID_MTK;
	ev.cmd = RH_MTK_TZCMD_SECMEM_ZALLOC;
	ev.origin = RH_TEEC_ORIGIN_TRUSTED_APP;
	ev.dur_ns = 18495388;
	rh_trace_format_text(&ev, 0, buf, sizeof(buf));
	assert_string_equal(buf, "TEE      cmd 0x10000 (SECMEM_ZALLOC) returned 0x00000000 "
				 "(TEEC_SUCCESS) origin 4 (TA) after 18.5 ms");

	/* an error result: its name, the errno, short durations */
	ev.name = RH_TA_SVP_UUID;
	ev.cmd = RH_SVP_CMD_SET_DEVICE_SECURE;
	ev.tee_result = RH_TEEC_ERROR_ACCESS_DENIED;
	ev.err = -EACCES;
	ev.dur_ns = 5047;
	rh_trace_format_text(&ev, RH_TRACE_TEXT_NO_ACTOR, buf, sizeof(buf));
	assert_string_equal(buf, "cmd 0x1 (SET_DEVICE_SECURE) returned 0xffff0001 "
				 "(TEEC_ERROR_ACCESS_DENIED) origin 4 (TA) (-EACCES) after 5.05 us");

	/* TEEC_SUCCESS with the TA's refusal in an output: not a success */
	ev.name = RH_TZ_TA_MEM_UUID_MTK;
	ev.cmd = RH_MTK_TZCMD_SECMEM_FREE;
	ev.tee_result = 0;
	ev.err = -ENOENT;
	ev.msg = "its status in p1.a is 0xffff0008 (TEEC_ERROR_ITEM_NOT_FOUND)";
	ev.dur_ns = 999;
	rh_trace_format_text(&ev, RH_TRACE_TEXT_NO_ACTOR, buf, sizeof(buf));
	assert_string_equal(buf, "cmd 0x10001 (SECMEM_FREE) returned 0x00000000 (TEEC_SUCCESS) "
				 "origin 4 (TA) but the TA refused it: its status in p1.a is "
				 "0xffff0008 (TEEC_ERROR_ITEM_NOT_FOUND) (-ENOENT) after 999 ns");

	/* a TA the library does not ship, unknown result and origin: numbers only */
	ev = bare_event(RH_TRACE_TEE_RETURN);
	ev.name = "00000000-0000-0000-0000-000000000001";
	ev.cmd = 7;
	ev.tee_result = 0x1234;
	ev.origin = 9;
	ev.err = -EIO;
	ev.dur_ns = 1250000000;
	rh_trace_format_text(&ev, RH_TRACE_TEXT_NO_ACTOR, buf, sizeof(buf));
	assert_string_equal(buf, "cmd 0x7 returned 0x00001234 origin 9 (-EIO) after 1.25 s");

	ev = bare_event(RH_TRACE_TEE_INVOKE);
	ev.name = RH_TA_SVP_UUID;
	ev.cmd = RH_SVP_CMD_DECRYPT;
	ev.id = 513;
	rh_trace_format_text(&ev, RH_TRACE_TEXT_NO_ACTOR, buf, sizeof(buf));
	assert_string_equal(buf, "invoke cmd 0x2 (DECRYPT) on session 513 of TA " RH_TA_SVP_UUID
				 " (svp)");

	ev = bare_event(RH_TRACE_TEE_OPEN_SESSION);
	ev.name = RH_TZ_TA_MEM_UUID_MTK;
	ev.id = 256;
	rh_trace_format_text(&ev, RH_TRACE_TEXT_NO_ACTOR, buf, sizeof(buf));
	assert_string_equal(buf, "open session with TA " RH_TZ_TA_MEM_UUID_MTK
				 " (mtk-secmem) -> session 256");
	ev.tee_result = RH_TEEC_ERROR_ITEM_NOT_FOUND;
	ev.origin = RH_TEEC_ORIGIN_TEE;
	ev.err = -ENOENT;
	rh_trace_format_text(&ev, RH_TRACE_TEXT_NO_ACTOR, buf, sizeof(buf));
	assert_string_equal(buf, "open session with TA " RH_TZ_TA_MEM_UUID_MTK
				 " (mtk-secmem) failed: 0xffff0008 (TEEC_ERROR_ITEM_NOT_FOUND) "
				 "origin 3 (TEE) (-ENOENT)");

	ev = bare_event(RH_TRACE_TEE_CLOSE_SESSION);
	ev.name = RH_TZ_TA_MEM_UUID_MTK;
	ev.id = 256;
	rh_trace_format_text(&ev, RH_TRACE_TEXT_NO_ACTOR, buf, sizeof(buf));
	assert_string_equal(buf, "close session 256 with TA " RH_TZ_TA_MEM_UUID_MTK
				 " (mtk-secmem)");
}

static void test_tee_names(void **state)
{
	assert_string_equal(rh_trace_tee_ta_name(RH_TZ_TA_MEM_UUID_MTK), "mtk-secmem");
	/* UUIDs compare without regard to case */
	assert_string_equal(rh_trace_tee_ta_name("5CF4A2B8-1D3E-4F60-8A7B-9C0D1E2F3A4B"), "svp");
	assert_null(rh_trace_tee_ta_name(NULL));
	assert_null(rh_trace_tee_ta_name(""));
	assert_null(rh_trace_tee_ta_name("4477588a-8476-11e2-ad15-e41f1390d67"));

	assert_string_equal(rh_trace_tee_cmd_name(RH_TZ_TA_MEM_UUID_MTK, 0x10000), "SECMEM_ZALLOC");
	assert_string_equal(rh_trace_tee_cmd_name(RH_TZ_TA_MEM_UUID_MTK, 0x10001), "SECMEM_FREE");
	assert_string_equal(rh_trace_tee_cmd_name(RH_TZ_TA_MEM_UUID_MTK, 0x10002),
			    "SECMEM_RETRIEVE_SG");
	assert_string_equal(rh_trace_tee_cmd_name(RH_TA_SVP_UUID, 1), "SET_DEVICE_SECURE");
	assert_string_equal(rh_trace_tee_cmd_name(RH_TA_SVP_UUID, 2), "DECRYPT");
	/* a command of one TA is not one of another */
	assert_null(rh_trace_tee_cmd_name(RH_TA_SVP_UUID, 0x10000));
	assert_null(rh_trace_tee_cmd_name(RH_TZ_TA_MEM_UUID_MTK, 2));
	assert_null(rh_trace_tee_cmd_name(NULL, 0x10000));
	assert_null(rh_trace_tee_cmd_name(RH_TZ_TA_MEM_UUID_MTK, 0x10003));

	assert_string_equal(rh_trace_tee_origin_name(RH_TEEC_ORIGIN_API), "API");
	assert_string_equal(rh_trace_tee_origin_name(RH_TEEC_ORIGIN_COMMS), "COMMS");
	assert_string_equal(rh_trace_tee_origin_name(RH_TEEC_ORIGIN_TEE), "TEE");
	assert_string_equal(rh_trace_tee_origin_name(RH_TEEC_ORIGIN_TRUSTED_APP), "TA");
	assert_null(rh_trace_tee_origin_name(0));
	assert_null(rh_trace_tee_origin_name(5));

	/* only SECMEM_FREE reports the TA's status in an output (p1.a) */
	assert_int_equal(rh_trace_tee_status_param(RH_TZ_TA_MEM_UUID_MTK, 0x10001), 1);
	assert_int_equal(rh_trace_tee_status_param(RH_TZ_TA_MEM_UUID_MTK, 0x10000), -1);
	assert_int_equal(rh_trace_tee_status_param(RH_TA_SVP_UUID, 1), -1);
	assert_int_equal(rh_trace_tee_status_param(NULL, 0x10001), -1);
}

/* ------------------------------------------------------------------ JSON lines */

static const char *const canonical_keys[] = {
	"ts_ns", "type", "track", "actor", "dur_ns", "@name", "pa", "size", "handle",
	"id", "count", "cmd", "tee_result", "origin", "secure", "err", "errno", "msg",
};

/* Keys of @obj must follow the documented order; "@name" is the type's name key. */
static void check_key_order(const struct jc_value *obj, const char *name_key,
			    size_t first)
{
	size_t i, k = 0;

	for (i = first; i < obj->n; i++) {
		bool found = false;

		while (!found && k < sizeof(canonical_keys) / sizeof(canonical_keys[0])) {
			const char *ck = canonical_keys[k++];

			if (!strcmp(ck, "@name"))
				ck = name_key;
			found = !strcmp(ck, obj->keys[i]);
		}
		if (!found)
			fail_msg("key '%s' out of order or unknown", obj->keys[i]);
	}
}

struct lines_ctx {
	bool full;
	long long last_ts;
};

static int check_json_line(const struct jc_value *obj, size_t lineno, void *arg)
{
	struct lines_ctx *lc = arg;
	enum rh_trace_event_type t = (enum rh_trace_event_type)(lineno - 1);
	const struct rh_trace_type_info *info = rh_trace_type_info(t);
	long long ts, v;

	assert_true(obj->n >= 4);
	assert_string_equal(obj->keys[0], "ts_ns");
	assert_string_equal(obj->keys[1], "type");
	assert_string_equal(obj->keys[2], "track");
	assert_string_equal(obj->keys[3], "actor");
	assert_true(jc_get_int(obj, "ts_ns", &ts));
	assert_true(ts >= lc->last_ts);
	lc->last_ts = ts;
	assert_string_equal(jc_get_str(obj, "type"), rh_trace_event_type_name(t));
	assert_string_equal(jc_get_str(obj, "track"), rh_trace_track_name(info->track));
	check_key_order(obj, info->name_key, 4);

	/* fields the type always carries are present even when zero */
	if (info->fields & RH_TF_SIZE)
		assert_true(jc_get_int(obj, "size", &v));
	if (info->fields & RH_TF_ID)
		assert_true(jc_get_int(obj, "id", &v));
	if (info->fields & RH_TF_PA)
		assert_non_null(jc_get_str(obj, "pa"));
	if (info->fields & RH_TF_NAME)
		assert_non_null(jc_get(obj, info->name_key));

	if (lc->full) {
		assert_string_equal(jc_get_str(obj, info->name_key), "restricted_mtk_cm");
		assert_string_equal(jc_get_str(obj, "pa"), "0x44000000");
		assert_true(jc_get_int(obj, "size", &v));
		assert_int_equal(v, 4 << 20);
		assert_string_equal(jc_get_str(obj, "handle"), "0xfedcba9876543210");
		assert_true(jc_get_int(obj, "id", &v));
		assert_int_equal(v, 7);
		assert_true(jc_get_int(obj, "count", &v));
		assert_int_equal(v, 2);
		assert_string_equal(jc_get_str(obj, "cmd"), "0x10000");
		assert_string_equal(jc_get_str(obj, "tee_result"), "0xffff000c");
		assert_true(jc_get_int(obj, "origin", &v));
		assert_int_equal(v, 4);
		assert_true(jc_get(obj, "secure")->boolean);
		assert_true(jc_get_int(obj, "err", &v));
		assert_int_equal(v, -EPERM);
		assert_string_equal(jc_get_str(obj, "errno"), "EPERM");
		assert_string_equal(jc_get_str(obj, "msg"), "details");
		assert_int_equal(obj->n, 18 - 1); /* every key but dur_ns */
		if (is_device_type(t))
			assert_string_equal(jc_get_str(obj, "actor"), device_types_names[t % 2]);
	} else {
		/* zero fields the type does not always carry are left out */
		static const struct {
			const char *key;
			unsigned int bit;
		} opt[] = {
			{ "pa", RH_TF_PA }, { "size", RH_TF_SIZE }, { "handle", RH_TF_HANDLE },
			{ "id", RH_TF_ID }, { "count", RH_TF_COUNT }, { "cmd", RH_TF_CMD },
			{ "tee_result", RH_TF_TEE_RESULT }, { "origin", RH_TF_ORIGIN },
			{ "secure", RH_TF_SECURE }, { "err", RH_TF_ERR }, { "msg", RH_TF_MSG },
		};
		size_t i;

		for (i = 0; i < sizeof(opt) / sizeof(opt[0]); i++)
			assert_int_equal(jc_get(obj, opt[i].key) != NULL,
					 !!(info->fields & opt[i].bit));
		assert_null(jc_get(obj, "errno"));
		assert_null(jc_get(obj, "dur_ns"));
	}
	return 0;
}

static void test_json_sink(void **state)
{
	unsigned int pass;

	for (pass = 0; pass < 2; pass++) {
		struct rh_platform *plat = shell_new();
		struct lines_ctx lc = { .full = pass, .last_ts = 0 };
		char err[256] = "";
		size_t lines = 0;
		struct mem m;
		int id;

		mem_open(&m);
		assert_int_equal(rh_trace_add_json_sink(plat, m.f, &id), 0);
		emit_all(plat, pass);
		assert_int_equal(rh_trace_remove_sink(plat, id), 0);
		mem_close(&m);
		if (jc_parse_lines(m.buf, m.len, check_json_line, &lc, &lines, err, sizeof(err)))
			fail_msg("%s", err);
		assert_int_equal(lines, RH_TRACE_NR_TYPES);
		mem_free(&m);
		shell_free(plat);
	}
}

static void test_json_span(void **state)
{
	struct rh_platform *plat = shell_new();
	struct jc_value *v;
	char err[256] = "";
	long long dur;
	struct mem m;
	int id;

	mem_open(&m);
	assert_int_equal(rh_trace_add_json_sink(plat, m.f, &id), 0);
	RH_TRACE(plat, RH_TRACE_TEE_RETURN, .start_ns = rh_trace_clock(plat), .cmd = 0x10001);
	shell_free(plat); /* destroy finishes the sink */
	mem_close(&m);
	if (jc_parse(m.buf, m.len, &v, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(jc_key_index(v, "dur_ns"), 4);
	assert_true(jc_get_int(v, "dur_ns", &dur));
	assert_true(dur >= 0);
	assert_string_equal(jc_get_str(v, "track"), "tee");
	assert_string_equal(jc_get_str(v, "actor"), "TEE");
	assert_string_equal(jc_get_str(v, "cmd"), "0x10001");
	jc_free(v);
	mem_free(&m);
}

/* ------------------------------------------------------------------ Chrome trace */

static const struct jc_value *parse_chrome(const struct mem *m, struct jc_value **ret_root)
{
	const struct jc_value *events;
	char err[256] = "";

	if (jc_parse(m->buf, m->len, ret_root, err, sizeof(err)))
		fail_msg("chrome trace does not parse: %s", err);
	assert_int_equal((*ret_root)->type, JC_OBJECT);
	assert_string_equal((*ret_root)->keys[0], "traceEvents");
	events = jc_get(*ret_root, "traceEvents");
	assert_non_null(events);
	assert_int_equal(events->type, JC_ARRAY);
	assert_string_equal(jc_get_str(*ret_root, "displayTimeUnit"), "ns");
	return events;
}

/*
 * Checks every element's shape and that each (pid, tid) an event uses was
 * named by a thread_name metadata event before it. Returns the non-metadata
 * events in @ret_ev (borrowed pointers).
 */
static size_t check_chrome_events(const struct jc_value *events,
				  const struct jc_value **ret_ev, size_t max)
{
	long long named[64][2];
	size_t i, j, nr_named = 0, nr = 0;

	for (i = 0; i < events->n; i++) {
		const struct jc_value *e = jc_at(events, i);
		const char *ph = jc_get_str(e, "ph");
		long long pid, tid;
		bool found = false;

		assert_non_null(jc_get_str(e, "name"));
		assert_non_null(ph);
		assert_true(jc_get_int(e, "pid", &pid));
		assert_true(jc_get_int(e, "tid", &tid));
		assert_int_equal(jc_get(e, "args")->type, JC_OBJECT);
		if (!strcmp(ph, "M")) {
			if (!strcmp(jc_get_str(e, "name"), "thread_name")) {
				assert_true(nr_named < 64);
				assert_non_null(jc_get_str(jc_get(e, "args"), "name"));
				named[nr_named][0] = pid;
				named[nr_named++][1] = tid;
			}
			continue;
		}
		assert_true(strchr("iXBE", ph[0]) && ph[1] == '\0');
		assert_int_equal(jc_get(e, "ts")->type, JC_NUMBER);
		if (!strcmp(ph, "X"))
			assert_int_equal(jc_get(e, "dur")->type, JC_NUMBER);
		if (!strcmp(ph, "i"))
			assert_string_equal(jc_get_str(e, "s"), "t");
		assert_non_null(jc_get_str(e, "cat"));
		assert_string_equal(jc_get(e, "args")->keys[0], "actor");
		for (j = 0; j < nr_named; j++)
			found |= named[j][0] == pid && named[j][1] == tid;
		assert_true(found);
		assert_true(nr < max);
		ret_ev[nr++] = e;
	}
	return nr;
}

static void test_chrome_sink(void **state)
{
	unsigned int pass;

	for (pass = 0; pass < 2; pass++) {
		struct rh_platform *plat = shell_new();
		const struct jc_value *ev[RH_TRACE_NR_TYPES + 1];
		const struct jc_value *events;
		struct jc_value *root;
		size_t nr, t;
		struct mem m;
		int id;

		mem_open(&m);
		assert_int_equal(rh_trace_add_chrome_sink(plat, m.f, &id), 0);
		emit_all(plat, pass);
		assert_int_equal(rh_trace_remove_sink(plat, id), 0);
		/* nothing reaches a removed sink: the document stays complete */
		emit_all(plat, pass);
		mem_close(&m);
		events = parse_chrome(&m, &root);
		nr = check_chrome_events(events, ev, RH_TRACE_NR_TYPES + 1);
		assert_int_equal(nr, RH_TRACE_NR_TYPES);
		for (t = 0; t < nr; t++) {
			const char *ph = jc_get_str(ev[t], "ph");
			const struct rh_trace_type_info *info = rh_trace_type_info(t);

			if (t == RH_TRACE_PHASE_BEGIN || t == RH_TRACE_PHASE_END) {
				assert_string_equal(ph, t == RH_TRACE_PHASE_BEGIN ? "B" : "E");
				assert_string_equal(jc_get_str(ev[t], "name"),
						    pass ? "restricted_mtk_cm" : "phase");
			} else if (t == RH_TRACE_TEE_RETURN) {
				/* a TEE call is named after its command (unknown TA here) */
				assert_string_equal(ph, "i");
				assert_string_equal(jc_get_str(ev[t], "name"),
						    pass ? "cmd 0x10000" : "cmd 0x0");
			} else {
				assert_string_equal(ph, "i");
				assert_string_equal(jc_get_str(ev[t], "name"),
						    rh_trace_event_type_name(t));
			}
			assert_string_equal(jc_get_str(ev[t], "cat"),
					    rh_trace_track_name(info->track));
			check_key_order(jc_get(ev[t], "args"), info->name_key, 0);
		}
		jc_free(root);
		mem_free(&m);
		shell_free(plat);
	}
}

static void test_chrome_tracks(void **state)
{
	static const char *const devs[] = { "vcodec", "display", "gpu", "vcodec" };
	struct rh_platform *plat = shell_new();
	const struct jc_value *ev[16], *events;
	struct jc_value *root;
	long long pid[16], tid[16];
	size_t i, j, nr;
	struct mem m;
	int id;

	mem_open(&m);
	assert_int_equal(rh_trace_add_chrome_sink(plat, m.f, &id), 0);
	RH_TRACE(plat, RH_TRACE_NOTE, .track = RH_TRACE_TRACK_APP, .msg = "app");
	RH_TRACE(plat, RH_TRACE_BUFFER_ALLOC, .name = "h");
	RH_TRACE(plat, RH_TRACE_TA_ALLOC, .name = "secmem");
	RH_TRACE(plat, RH_TRACE_FIREWALL_PROGRAM, .id = 1);
	RH_TRACE(plat, RH_TRACE_CPU_TRAP, .pa = 0x1000, .err = -EFAULT);
	for (i = 0; i < 4; i++)
		RH_TRACE(plat, RH_TRACE_DMA_READ, .track_name = devs[i]);
	RH_TRACE(plat, RH_TRACE_TEE_RETURN, .start_ns = rh_trace_clock(plat));
	assert_int_equal(rh_trace_remove_sink(plat, id), 0);
	mem_close(&m);
	events = parse_chrome(&m, &root);
	nr = check_chrome_events(events, ev, 16);
	assert_int_equal(nr, 10);
	for (i = 0; i < nr; i++) {
		assert_true(jc_get_int(ev[i], "pid", &pid[i]));
		assert_true(jc_get_int(ev[i], "tid", &tid[i]));
	}
	/* app, kernel, cpu share the normal-world process on distinct threads */
	assert_int_equal(pid[0], pid[1]);
	assert_int_equal(pid[0], pid[4]);
	assert_int_not_equal(tid[0], tid[1]);
	assert_int_not_equal(tid[1], tid[4]);
	/* TEE is its own process; firewall and devices are hardware */
	assert_int_not_equal(pid[2], pid[0]);
	assert_int_not_equal(pid[3], pid[0]);
	assert_int_not_equal(pid[3], pid[2]);
	for (i = 5; i < 9; i++)
		assert_int_equal(pid[i], pid[3]);
	/* one track per device name: vcodec twice on the same one */
	for (i = 5; i < 8; i++)
		for (j = 5; j < i; j++)
			assert_int_not_equal(tid[i], tid[j]);
	assert_int_equal(tid[8], tid[5]);
	/* the span is an X event on the TEE track */
	assert_string_equal(jc_get_str(ev[9], "ph"), "X");
	assert_int_equal(pid[9], pid[2]);
	jc_free(root);
	mem_free(&m);

	/* a sink that saw no event still yields a complete document */
	mem_open(&m);
	assert_int_equal(rh_trace_add_chrome_sink(plat, m.f, &id), 0);
	assert_int_equal(rh_trace_remove_sink(plat, id), 0);
	mem_close(&m);
	events = parse_chrome(&m, &root);
	assert_int_equal(check_chrome_events(events, ev, 16), 0);
	jc_free(root);
	mem_free(&m);
	shell_free(plat);
}

/* ------------------------------------------------------------------ Mermaid */

#define MM_ID "[A-Za-z_][A-Za-z0-9_]*"

struct mermaid_grammar {
	regex_t participant, arrow, note, comment;
};

static void mermaid_grammar_init(struct mermaid_grammar *g)
{
	assert_int_equal(regcomp(&g->participant, "^    participant (" MM_ID ")( as (.+))?$",
				 REG_EXTENDED), 0);
	assert_int_equal(regcomp(&g->arrow, "^    (" MM_ID ")(->>|-->>|-x|--x)(" MM_ID "): (.+)$",
				 REG_EXTENDED), 0);
	assert_int_equal(regcomp(&g->note, "^    Note over (" MM_ID ")(,(" MM_ID "))?: (.+)$",
				 REG_EXTENDED), 0);
	assert_int_equal(regcomp(&g->comment, "^    %% (.+)$", REG_EXTENDED), 0);
}

static void mermaid_grammar_fini(struct mermaid_grammar *g)
{
	regfree(&g->participant);
	regfree(&g->arrow);
	regfree(&g->note);
	regfree(&g->comment);
}

/* Message text Mermaid accepts verbatim: entities only as #name; or #123; */
static void check_mermaid_text(const char *s, size_t len)
{
	size_t i, j;

	assert_true(len > 0);
	assert_false(!strncmp(s, "wrap:", 5) || !strncmp(s, "nowrap:", 7));
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		assert_false(c < 0x20 || c == 0x7f);
		assert_false(c == '<' || c == '>' || c == '&' || c == '"' || c == ';');
		if (c != '#')
			continue;
		j = i + 1;
		if (j < len && s[j] >= '0' && s[j] <= '9') {
			while (j < len && s[j] >= '0' && s[j] <= '9')
				j++;
		} else {
			while (j < len && s[j] >= 'a' && s[j] <= 'z')
				j++;
		}
		assert_true(j > i + 1 && j < len && s[j] == ';');
		i = j; /* the ';' closing an entity is allowed */
	}
}

struct mm_ids {
	size_t nr;
	char id[64][80];
};

static bool mm_declared(const struct mm_ids *ids, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < ids->nr; i++)
		if (strlen(ids->id[i]) == len && !strncmp(ids->id[i], s, len))
			return true;
	return false;
}

/* Validates a whole diagram; returns the number of arrow/note/comment lines. */
static size_t check_mermaid(char *doc)
{
	struct mermaid_grammar g;
	struct mm_ids ids = { 0 };
	char *line, *save = NULL;
	regmatch_t rm[8];
	size_t nr = 0, lineno = 0;

	mermaid_grammar_init(&g);
	for (line = strtok_r(doc, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (lineno++ == 0) {
			assert_string_equal(line, "sequenceDiagram");
			continue;
		}
		if (!regexec(&g.participant, line, 8, rm, 0)) {
			assert_true(ids.nr < 64);
			snprintf(ids.id[ids.nr++], sizeof(ids.id[0]), "%.*s",
				 (int)(rm[1].rm_eo - rm[1].rm_so), line + rm[1].rm_so);
			if (rm[3].rm_so >= 0)
				check_mermaid_text(line + rm[3].rm_so,
						   (size_t)(rm[3].rm_eo - rm[3].rm_so));
			continue;
		}
		nr++;
		if (!regexec(&g.arrow, line, 8, rm, 0)) {
			assert_true(mm_declared(&ids, line + rm[1].rm_so,
						(size_t)(rm[1].rm_eo - rm[1].rm_so)));
			assert_true(mm_declared(&ids, line + rm[3].rm_so,
						(size_t)(rm[3].rm_eo - rm[3].rm_so)));
			check_mermaid_text(line + rm[4].rm_so, (size_t)(rm[4].rm_eo - rm[4].rm_so));
		} else if (!regexec(&g.note, line, 8, rm, 0)) {
			assert_true(mm_declared(&ids, line + rm[1].rm_so,
						(size_t)(rm[1].rm_eo - rm[1].rm_so)));
			if (rm[3].rm_so >= 0)
				assert_true(mm_declared(&ids, line + rm[3].rm_so,
							(size_t)(rm[3].rm_eo - rm[3].rm_so)));
			check_mermaid_text(line + rm[4].rm_so, (size_t)(rm[4].rm_eo - rm[4].rm_so));
		} else if (!regexec(&g.comment, line, 8, rm, 0)) {
			check_mermaid_text(line + rm[1].rm_so, (size_t)(rm[1].rm_eo - rm[1].rm_so));
		} else {
			fail_msg("line %zu is not Mermaid: '%s'", lineno, line);
		}
	}
	assert_true(lineno >= 5); /* header + 4 participants */
	mermaid_grammar_fini(&g);
	return nr;
}

static void test_mermaid_sink(void **state)
{
	unsigned int pass;

	for (pass = 0; pass < 2; pass++) {
		struct rh_platform *plat = shell_new();
		struct mem m;
		int id;

		mem_open(&m);
		assert_int_equal(rh_trace_add_mermaid_sink(plat, m.f, &id), 0);
		emit_all(plat, pass);
		assert_int_equal(rh_trace_remove_sink(plat, id), 0);
		mem_close(&m);
		assert_int_equal(strncmp(m.buf, "sequenceDiagram\n", 16), 0);
		/* one arrow or note per event */
		assert_int_equal(check_mermaid(m.buf), RH_TRACE_NR_TYPES);
		mem_free(&m);
		shell_free(plat);
	}
}

static void test_mermaid_shapes(void **state)
{
	struct rh_platform *plat = shell_new();
	char name[16];
	struct mem m;
	int id, i;

	mem_open(&m);
	assert_int_equal(rh_trace_add_mermaid_sink(plat, m.f, &id), 0);
	RH_TRACE(plat, RH_TRACE_BUFFER_ALLOC, .name = "h", .size = 4096, .id = 1);
	RH_TRACE(plat, RH_TRACE_BUFFER_ALLOC, .name = "h", .size = 4096, .err = -ENOMEM);
	RH_TRACE(plat, RH_TRACE_TEE_RETURN, .cmd = 0x10000);
	RH_TRACE(plat, RH_TRACE_ATTACH, .track_name = "vcodec", .id = 1);
	RH_TRACE(plat, RH_TRACE_DMA_DENIED, .track_name = "gpu-0", .err = -EACCES);
	RH_TRACE(plat, RH_TRACE_TA_SCRUB, .name = "secmem");
	RH_TRACE(plat, RH_TRACE_PHASE_BEGIN, .name = "Boot");
	RH_TRACE(plat, RH_TRACE_NOTE, .track = RH_TRACE_TRACK_NORMAL_WORLD, .msg = "wrap: x");
	/* more devices than the sink tracks: they share one participant */
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "dev%d", i);
		RH_TRACE(plat, RH_TRACE_DEVICE_SECURE_SWITCH, .track_name = name, .secure = true);
	}
	assert_int_equal(rh_trace_remove_sink(plat, id), 0);
	mem_close(&m);
	assert_non_null(strstr(m.buf, "    App->>Kernel: h: allocated 4 KiB as buffer #35;1\n"));
	assert_non_null(strstr(m.buf, "    App-xKernel: h: allocating 4 KiB failed (-ENOMEM)\n"));
	assert_non_null(strstr(m.buf, "    TEE-->>Kernel: cmd 0x10000 returned"));
	assert_non_null(strstr(m.buf, "    participant dev_vcodec as vcodec\n"));
	assert_non_null(strstr(m.buf, "    dev_vcodec->>Kernel: attach buffer #35;1\n"));
	assert_non_null(strstr(m.buf, "    participant dev_gpu_0 as gpu-0\n"));
	assert_non_null(strstr(m.buf, "    dev_gpu_0-xFirewall: DMA of 0x0"));
	assert_non_null(strstr(m.buf, "    Note over TEE: secmem: scrubbed"));
	assert_non_null(strstr(m.buf, "    Note over App,Firewall: == Boot ==\n"));
	assert_non_null(strstr(m.buf, "    Note over Kernel: #119;rap: x\n"));
	assert_non_null(strstr(m.buf, "    participant dev_other as other devices\n"));
	/* declared once */
	assert_null(strstr(strstr(m.buf, "participant dev_vcodec") + 1, "participant dev_vcodec"));
	assert_int_equal(check_mermaid(m.buf), 8 + 40);
	mem_free(&m);
	shell_free(plat);
}

/* ------------------------------------------------------------------ escaping */

static const char *const nasty[] = {
	"quote \" backslash \\ slash /",
	"new\nline\r\ttab",
	"ctl \x01\x02\x1b[31m esc \x7f",
	"unicode: \xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80",
	"bad utf8: \xff\xfe \xc3 \xed\xa0\x80 \xc0\xaf end",
	"mermaid; #35; <b>&amp; %% --> end",
	"",
};

static void test_escaping(void **state)
{
	size_t k;

	for (k = 0; k < sizeof(nasty) / sizeof(nasty[0]); k++) {
		struct rh_platform *plat = shell_new();
		struct mem mt, mj, mc, mm;
		struct jc_value *root, *line;
		const struct jc_value *e;
		char err[256] = "";
		int idt, idj, idc, idm;
		size_t lines;

		mem_open(&mt);
		mem_open(&mj);
		mem_open(&mc);
		mem_open(&mm);
		assert_int_equal(rh_trace_add_text_sink(plat, mt.f, 0, &idt), 0);
		assert_int_equal(rh_trace_add_json_sink(plat, mj.f, &idj), 0);
		assert_int_equal(rh_trace_add_chrome_sink(plat, mc.f, &idc), 0);
		assert_int_equal(rh_trace_add_mermaid_sink(plat, mm.f, &idm), 0);
		RH_TRACE(plat, RH_TRACE_DMA_READ, .track_name = nasty[k], .msg = nasty[k]);
		RH_TRACE(plat, RH_TRACE_NOTE, .name = nasty[k], .msg = nasty[k]);
		RH_TRACE(plat, RH_TRACE_PHASE_BEGIN, .name = nasty[k]);
		assert_int_equal(rh_trace_remove_sink(plat, idt), 0);
		assert_int_equal(rh_trace_remove_sink(plat, idj), 0);
		assert_int_equal(rh_trace_remove_sink(plat, idc), 0);
		assert_int_equal(rh_trace_remove_sink(plat, idm), 0);
		mem_close(&mt);
		mem_close(&mj);
		mem_close(&mc);
		mem_close(&mm);

		/* text: exactly three lines, no terminal control characters */
		assert_int_equal(count_lines(mt.buf, mt.len), 3);
		check_no_control(mt.buf, mt.len, false);

		/* JSON: valid, and valid input round-trips exactly */
		if (jc_parse_lines(mj.buf, mj.len, NULL, NULL, &lines, err, sizeof(err)))
			fail_msg("json lines: %s", err);
		assert_int_equal(lines, 3);
		assert_int_equal(jc_parse(mj.buf, strchr(mj.buf, '\n') - mj.buf, &line, err,
					  sizeof(err)), 0);
		if (k != 4) {
			assert_string_equal(jc_get_str(line, "msg"), nasty[k]);
			assert_string_equal(jc_get_str(line, "actor"),
					    nasty[k][0] ? nasty[k] : "device");
		} else {
			/* each invalid byte becomes U+FFFD */
			assert_non_null(strstr(jc_get_str(line, "msg"),
					       "\xef\xbf\xbd\xef\xbf\xbd"));
		}
		jc_free(line);

		/* Chrome: valid document */
		if (jc_parse(mc.buf, mc.len, &root, err, sizeof(err)))
			fail_msg("chrome: %s", err);
		e = jc_get(root, "traceEvents");
		assert_non_null(e);
		jc_free(root);

		/* Mermaid: every line valid */
		assert_int_equal(check_mermaid(mm.buf), 3);

		mem_free(&mt);
		mem_free(&mj);
		mem_free(&mc);
		mem_free(&mm);
		shell_free(plat);
	}
}

static void test_truncation(void **state)
{
	struct rh_platform *plat = shell_new();
	char big[2000], err[256] = "";
	struct jc_value *v;
	const char *msg;
	struct mem m;
	size_t i;
	int id;

	/* 3-byte characters so the cut lands inside one */
	for (i = 0; i + 3 < sizeof(big); i += 3)
		memcpy(big + i, "\xe2\x9c\x93", 3);
	big[i] = '\0';
	mem_open(&m);
	assert_int_equal(rh_trace_add_json_sink(plat, m.f, &id), 0);
	RH_TRACE(plat, RH_TRACE_NOTE, .msg = big, .name = big, .track_name = big);
	assert_int_equal(rh_trace_remove_sink(plat, id), 0);
	mem_close(&m);
	if (jc_parse(m.buf, m.len, &v, err, sizeof(err)))
		fail_msg("%s", err);
	msg = jc_get_str(v, "msg");
	assert_true(strlen(msg) <= RH_TRACE_MSG_MAX);
	assert_int_equal(strlen(msg) % 3, 0); /* whole characters only */
	assert_true(strlen(jc_get_str(v, "name")) <= RH_TRACE_NAME_MAX);
	jc_free(v);
	mem_free(&m);
	shell_free(plat);
}

/* ------------------------------------------------------------------ errors, threads */

static void test_write_error(void **state)
{
	struct rh_platform *plat = shell_new();
	int (*add[3])(struct rh_platform *, FILE *, int *) = {
		rh_trace_add_json_sink, rh_trace_add_chrome_sink, rh_trace_add_mermaid_sink,
	};
	unsigned int i;
	FILE *f;
	int id;

	for (i = 0; i < 4; i++) {
		f = fopen("/dev/full", "w");
		if (!f)
			skip();
		if (i & 1)
			setvbuf(f, NULL, _IONBF, 0);
		if (i < 3)
			assert_int_equal(add[i](plat, f, &id), 0);
		else
			assert_int_equal(rh_trace_add_text_sink(plat, f, 0, &id), 0);
		RH_TRACE(plat, RH_TRACE_NOTE, .msg = "lost");
		RH_TRACE(plat, RH_TRACE_NOTE, .msg = "lost too");
		assert_neg_errno(rh_trace_remove_sink(plat, id), EIO);
		fclose(f);
	}
	shell_free(plat);
}

struct thread_ctx {
	struct rh_platform *plat;
	atomic_bool stop;
	atomic_ulong emitted;
};

static void *emitter(void *arg)
{
	struct thread_ctx *tc = arg;

	while (!atomic_load(&tc->stop)) {
		RH_TRACE(tc->plat, RH_TRACE_BUFFER_ALLOC, .name = "system", .size = 4096,
			 .msg = "from a thread \"quoted\"");
		atomic_fetch_add(&tc->emitted, 1);
		/* let the main thread take the lock too: this tests races, not throughput */
		sched_yield();
	}
	return NULL;
}

struct count_sink {
	atomic_uint seen;
	atomic_uint finished;
};

static void count_event(void *priv, const struct rh_trace_event *ev)
{
	struct count_sink *cs = priv;

	atomic_fetch_add(&cs->seen, 1);
}

static int count_finish(void *priv)
{
	struct count_sink *cs = priv;

	atomic_fetch_add(&cs->finished, 1);
	return 0;
}

static const struct rh_trace_sink_ops count_ops = {
	.event = count_event,
	.finish = count_finish,
};

static void test_threads(void **state)
{
	struct thread_ctx tc = { 0 };
	struct count_sink cs = { 0 };
	pthread_t th[3];
	char err[256] = "";
	unsigned int i, before;
	int id, idj;
	struct mem m;

	tc.plat = shell_new();
	for (i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, emitter, &tc), 0);
	for (i = 0; i < 100; i++) {
		mem_open(&m);
		before = atomic_load(&cs.seen);
		assert_int_equal(rh_trace_add_sink(tc.plat, &count_ops, &cs, &id), 0);
		assert_int_equal(rh_trace_add_json_sink(tc.plat, m.f, &idj), 0);
		/* wait for progress, not for time: some events must arrive */
		while (atomic_load(&cs.seen) < before + 3)
			sched_yield();
		if (i & 1) {
			assert_int_equal(rh_trace_remove_sink(tc.plat, idj), 0);
			assert_int_equal(rh_trace_remove_sink(tc.plat, id), 0);
		} else {
			assert_int_equal(rh_trace_remove_sink(tc.plat, id), 0);
			assert_int_equal(rh_trace_remove_sink(tc.plat, idj), 0);
		}
		mem_close(&m);
		/* concurrent emitters never interleave inside a line */
		if (jc_parse_lines(m.buf, m.len, NULL, NULL, NULL, err, sizeof(err)))
			fail_msg("iteration %u: %s", i, err);
		mem_free(&m);
	}
	atomic_store(&tc.stop, true);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&cs.finished), 100);
	assert_true(atomic_load(&tc.emitted) >= atomic_load(&cs.seen));
	shell_free(tc.plat);
	assert_int_equal(atomic_load(&cs.finished), 100);
}

/* ------------------------------------------------------------------ real platform */

static void test_platform(void **state)
{
	struct rh_platform *plat = NULL;
	const struct jc_value *events, *ev[4];
	struct jc_value *root;
	struct mem m;
	int id;

	/* Needs the whole platform (DT parser, emulator): skip until it builds one. */
	if (rh_platform_new(NULL, &plat))
		skip();
	assert_false(rh_trace_enabled(plat));
	mem_open(&m);
	assert_int_equal(rh_trace_add_chrome_sink(plat, m.f, &id), 0);
	RH_TRACE(plat, RH_TRACE_NOTE, .msg = "hello");
	/* destroying the platform completes the document */
	rh_platform_unref(plat);
	mem_close(&m);
	events = parse_chrome(&m, &root);
	assert_true(check_chrome_events(events, ev, 4) >= 1);
	jc_free(root);
	mem_free(&m);
}

/* ------------------------------------------------------------------ the checker itself */

static void test_json_checker(void **state)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-0", "1.5e-3", "\"\\u00e9\\ud83d\\ude00\"", "true", " null ",
		"{\"a\":[1,{\"b\":false}],\"c\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
		"\"\xe2\x9c\x93\"",
	};
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "-",
		"1e", "+1", "NaN", "tru", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"",
		"\"a\x01\"", "\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "{} {}",
		"{\"a\":1,\"a\":2}", "[1 2]", "'a'", "\"abc",
	};
	struct jc_value *v;
	char err[128];
	size_t i, n;
	long long x;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (jc_parse(good[i], strlen(good[i]), &v, err, sizeof(err)))
			fail_msg("rejected %s: %s", good[i], err);
		jc_free(v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = NULL;
		assert_neg_errno(jc_parse(bad[i], strlen(bad[i]), &v, err, sizeof(err)), EINVAL);
		assert_null(v);
	}
	/* nesting limit */
	{
		char deep[300];

		memset(deep, '[', 150);
		memset(deep + 150, ']', 150);
		assert_neg_errno(jc_parse(deep, 300, &v, err, sizeof(err)), EINVAL);
	}
	assert_int_equal(jc_parse("{\"k\":42,\"s\":\"x\"}", 16, &v, err, sizeof(err)), 0);
	assert_true(jc_get_int(v, "k", &x));
	assert_int_equal(x, 42);
	assert_false(jc_get_int(v, "s", &x));
	assert_int_equal(jc_key_index(v, "s"), 1);
	assert_int_equal(jc_key_index(v, "z"), -1);
	assert_null(jc_get_str(v, "k"));
	jc_free(v);

	assert_int_equal(jc_parse_lines("{}\n{\"a\":1}\n", 11, NULL, NULL, &n, err,
					sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_neg_errno(jc_parse_lines("{}\n{", 4, NULL, NULL, &n, err, sizeof(err)), EINVAL);
	assert_neg_errno(jc_parse_lines("{}\n[]\n", 6, NULL, NULL, &n, err, sizeof(err)),
			 EINVAL);
	assert_neg_errno(jc_parse_lines("{}{}\n", 5, NULL, NULL, &n, err, sizeof(err)), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_checker),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_add_remove),
		cmocka_unit_test(test_emit_delivery),
		cmocka_unit_test(test_zero_cost),
		cmocka_unit_test(test_fail_nth_add),
		cmocka_unit_test(test_builtin_bad_args),
		cmocka_unit_test(test_text_sink),
		cmocka_unit_test(test_format_text),
		cmocka_unit_test(test_format_tee),
		cmocka_unit_test(test_tee_names),
		cmocka_unit_test(test_json_sink),
		cmocka_unit_test(test_json_span),
		cmocka_unit_test(test_chrome_sink),
		cmocka_unit_test(test_chrome_tracks),
		cmocka_unit_test(test_mermaid_sink),
		cmocka_unit_test(test_mermaid_shapes),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_platform),
	};

	/* RH_TEST_FILTER=test_threads runs one test (cmocka pattern). */
	if (getenv("RH_TEST_FILTER"))
		cmocka_set_test_filter(getenv("RH_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
