// SPDX-License-Identifier: MIT
/* Built-in trace sinks: text narration, JSON lines, Chrome trace JSON, Mermaid. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include <rheap/cost-model.h>
#include <rheap/trace.h>

#include "internal.h"
#include "trace/trace.h"

#define TEXT_FLAGS (RH_TRACE_TEXT_COLOR | RH_TRACE_TEXT_TIME | RH_TRACE_TEXT_NO_ACTOR | \
		    RH_TRACE_TEXT_SIM_TIME)
/* Devices get their own track / participant up to this many names. */
#define SINK_MAX_DEVICES 32

/* Every built-in sink state starts with this; rh_free() discards it silently. */
struct file_sink {
	FILE *out;
	int err; /* first write error, reported by finish */
};

static void file_sink_write(struct file_sink *fs, const struct rh_sbuf *sb)
{
	if (!fs->err)
		fs->err = rh_sbuf_write(sb, fs->out);
}

/*
 * A zeroed sink state of @size bytes that starts with a struct file_sink
 * on @out, handed back with @ops.
 */
static int file_sink_new(FILE *out, size_t size,
			 const struct rh_trace_sink_ops *ops,
			 const struct rh_trace_sink_ops **ret_ops, void **ret_priv)
{
	struct file_sink *fs;

	if (!out)
		return -EINVAL;
	fs = rh_zalloc(size);
	if (!fs)
		return -ENOMEM;
	fs->out = out;
	*ret_ops = ops;
	*ret_priv = fs;
	return 0;
}

/* Flushes, frees the state (which embeds @fs first) and returns the first error. */
static int file_sink_close(struct file_sink *fs)
{
	int err = fs->err;

	if (fflush(fs->out) && !err)
		err = -EIO;
	rh_free(fs);
	return err;
}

struct device_names {
	unsigned int nr;
	char name[SINK_MAX_DEVICES][RH_TRACE_NAME_MAX + 1];
};

/*
 * Index of @name in @dn, adding it when new; -1 when the table is full.
 * @ret_new is set when it was added.
 */
static int device_index(struct device_names *dn, const char *name, bool *ret_new)
{
	unsigned int i;

	*ret_new = false;
	for (i = 0; i < dn->nr; i++)
		if (!strncmp(dn->name[i], name, RH_TRACE_NAME_MAX))
			return (int)i;
	if (dn->nr == SINK_MAX_DEVICES)
		return -1;
	snprintf(dn->name[dn->nr], sizeof(dn->name[0]), "%s", name);
	*ret_new = true;
	return (int)dn->nr++;
}

static const char *device_name(const struct rh_trace_event *ev)
{
	return ev->track_name && ev->track_name[0] ? ev->track_name : "device";
}

/* ------------------------------------------------------------------ text */

struct text_sink {
	struct file_sink f;
	unsigned int flags;
};

#define ANSI_RESET "\033[0m"

static const char *const track_colors[RH_TRACE_NR_TRACKS] = {
	[RH_TRACE_TRACK_AUTO] = "",
	[RH_TRACE_TRACK_NORMAL_WORLD] = "\033[36m",
	[RH_TRACE_TRACK_TEE] = "\033[35m",
	[RH_TRACE_TRACK_FIREWALL] = "\033[33m",
	[RH_TRACE_TRACK_DEVICE] = "\033[34m",
	[RH_TRACE_TRACK_CPU] = "\033[37m",
	[RH_TRACE_TRACK_APP] = "\033[1m",
};

/* Refusals are the point of the demo: make them stand out. */
static const char *sentence_color(const struct rh_trace_event *ev)
{
	switch (ev->type) {
	case RH_TRACE_ATTACK:
		return ev->err ? "\033[32m" : "\033[1;31m";
	case RH_TRACE_PHASE_BEGIN:
		return "\033[1m";
	case RH_TRACE_FIREWALL_VIOLATION:
	case RH_TRACE_CPU_TRAP:
	case RH_TRACE_CPU_ACCESS_DENIED:
	case RH_TRACE_MMAP_DENIED:
	case RH_TRACE_DMA_DENIED:
	case RH_TRACE_TEE_PANIC:
		return "\033[31m";
	default:
		return ev->err ? "\033[31m" : NULL;
	}
}

static void text_line(struct rh_sbuf *sb, const struct rh_trace_event *ev,
		      unsigned int flags)
{
	bool color = flags & RH_TRACE_TEXT_COLOR;
	const char *scolor = color ? sentence_color(ev) : NULL;
	uint64_t ts = flags & RH_TRACE_TEXT_SIM_TIME ? ev->sim_ns : ev->ts_ns;
	size_t start;

	if (flags & RH_TRACE_TEXT_TIME)
		rh_sbuf_printf(sb, "[%4" PRIu64 ".%06" PRIu64 "] ", ts / 1000000000u,
			       ts % 1000000000u / 1000u);
	if (!(flags & RH_TRACE_TEXT_NO_ACTOR)) {
		if (color)
			rh_sbuf_puts(sb, track_colors[ev->track]);
		start = sb->len;
		rh_sbuf_text(sb, rh_trace_actor_name(ev), 16);
		while (sb->len < start + 8)
			rh_sbuf_putc(sb, ' ');
		if (color)
			rh_sbuf_puts(sb, ANSI_RESET);
		rh_sbuf_putc(sb, ' ');
	}
	if (scolor)
		rh_sbuf_puts(sb, scolor);
	rh_trace_sentence(sb, ev);
	if (scolor)
		rh_sbuf_puts(sb, ANSI_RESET);
}

static void text_event(void *priv, const struct rh_trace_event *ev)
{
	struct text_sink *ts = priv;
	char buf[RH_TRACE_LINE_MAX];
	struct rh_sbuf sb;

	rh_sbuf_init(&sb, buf, sizeof(buf) - 1);
	text_line(&sb, ev, ts->flags);
	sb.cap++; /* the newline always fits */
	rh_sbuf_putc(&sb, '\n');
	file_sink_write(&ts->f, &sb);
}

static int text_finish(void *priv)
{
	return file_sink_close(priv);
}

static const struct rh_trace_sink_ops text_ops = {
	.event = text_event,
	.finish = text_finish,
};

int rh_trace_text_sink_new(FILE *out, unsigned int flags,
			   const struct rh_trace_sink_ops **ret_ops, void **ret_priv)
{
	struct text_sink *ts;
	int ret;

	_Static_assert(offsetof(struct text_sink, f) == 0, "state starts with file_sink");
	if (flags & ~TEXT_FLAGS)
		return -EINVAL;
	ret = file_sink_new(out, sizeof(*ts), &text_ops, ret_ops, ret_priv);
	if (ret)
		return ret;
	ts = *ret_priv;
	ts->flags = flags;
	return 0;
}

RH_EXPORT int rh_trace_format_text(const struct rh_trace_event *ev,
				   unsigned int flags, char *buf, size_t len)
{
	const struct rh_trace_type_info *info;
	char line[RH_TRACE_LINE_MAX];
	struct rh_trace_event e;
	struct rh_sbuf sb;

	if (!ev || (flags & ~TEXT_FLAGS) || (!buf && len))
		return -EINVAL;
	info = rh_trace_type_info(ev->type);
	if (!info || (unsigned int)ev->track >= RH_TRACE_NR_TRACKS)
		return -EINVAL;
	e = *ev;
	if (e.track == RH_TRACE_TRACK_AUTO)
		e.track = info->track;
	rh_sbuf_init(&sb, line, sizeof(line));
	text_line(&sb, &e, flags);
	if (len)
		snprintf(buf, len, "%s", line);
	return (int)sb.len;
}

/* ------------------------------------------------------------------ JSON */

static void json_key(struct rh_sbuf *sb, const char *key)
{
	rh_sbuf_printf(sb, ",\"%s\":", key);
}

/*
 * The event's fields after "actor", in the documented order: each when the
 * type always has it or when it is set.
 */
static void json_fields(struct rh_sbuf *sb, const struct rh_trace_event *ev)
{
	const struct rh_trace_type_info *info = rh_trace_type_info(ev->type);
	unsigned int f = info->fields;
	char ebuf[16];

	if (ev->dur_ns) {
		json_key(sb, "dur_ns");
		rh_sbuf_printf(sb, "%" PRIu64, ev->dur_ns);
	}
	if (ev->name || (f & RH_TF_NAME)) {
		json_key(sb, info->name_key);
		if (ev->name)
			rh_sbuf_json_string(sb, ev->name, RH_TRACE_NAME_MAX);
		else
			rh_sbuf_puts(sb, "null");
	}
	if (ev->pa || (f & RH_TF_PA)) {
		json_key(sb, "pa");
		rh_sbuf_printf(sb, "\"0x%" PRIx64 "\"", ev->pa);
	}
	if (ev->size || (f & RH_TF_SIZE)) {
		json_key(sb, "size");
		rh_sbuf_printf(sb, "%" PRIu64, ev->size);
	}
	if (ev->handle || (f & RH_TF_HANDLE)) {
		json_key(sb, "handle");
		rh_sbuf_printf(sb, "\"0x%" PRIx64 "\"", ev->handle);
	}
	if (ev->id || (f & RH_TF_ID)) {
		json_key(sb, "id");
		rh_sbuf_printf(sb, "%" PRIu64, ev->id);
	}
	if (ev->count || (f & RH_TF_COUNT)) {
		json_key(sb, "count");
		rh_sbuf_printf(sb, "%" PRIu64, ev->count);
	}
	if (ev->cmd || (f & RH_TF_CMD)) {
		json_key(sb, "cmd");
		rh_sbuf_printf(sb, "\"0x%" PRIx32 "\"", ev->cmd);
	}
	if (ev->tee_result || (f & RH_TF_TEE_RESULT)) {
		json_key(sb, "tee_result");
		rh_sbuf_printf(sb, "\"0x%08" PRIx32 "\"", ev->tee_result);
	}
	if (ev->origin || (f & RH_TF_ORIGIN)) {
		json_key(sb, "origin");
		rh_sbuf_printf(sb, "%" PRIu32, ev->origin);
	}
	if (ev->secure || (f & RH_TF_SECURE)) {
		json_key(sb, "secure");
		rh_sbuf_puts(sb, ev->secure ? "true" : "false");
	}
	if (ev->err || (f & RH_TF_ERR)) {
		json_key(sb, "err");
		rh_sbuf_printf(sb, "%d", ev->err);
		if (ev->err) {
			json_key(sb, "errno");
			rh_sbuf_json_string(sb, rh_trace_errno_name(ev->err, ebuf, sizeof(ebuf)),
					    sizeof(ebuf));
		}
	}
	if (ev->msg || (f & RH_TF_MSG)) {
		json_key(sb, "msg");
		if (ev->msg)
			rh_sbuf_json_string(sb, ev->msg, RH_TRACE_MSG_MAX);
		else
			rh_sbuf_puts(sb, "null");
	}
	/* Only a platform with a cost model numbers its threads. */
	if (ev->thread) {
		json_key(sb, "sim_ns");
		rh_sbuf_printf(sb, "%" PRIu64, ev->sim_ns);
		if (ev->sim_dur_ns) {
			json_key(sb, "sim_dur_ns");
			rh_sbuf_printf(sb, "%" PRIu64, ev->sim_dur_ns);
		}
		json_key(sb, "thread");
		rh_sbuf_printf(sb, "%" PRIu32, ev->thread);
	}
}

static void json_actor(struct rh_sbuf *sb, const struct rh_trace_event *ev)
{
	rh_sbuf_puts(sb, "\"actor\":");
	rh_sbuf_json_string(sb, rh_trace_actor_name(ev), RH_TRACE_NAME_MAX);
}

struct json_sink {
	struct file_sink f;
};

static void json_event(void *priv, const struct rh_trace_event *ev)
{
	struct json_sink *js = priv;
	char buf[RH_TRACE_LINE_MAX];
	struct rh_sbuf sb;

	rh_sbuf_init(&sb, buf, sizeof(buf));
	rh_sbuf_printf(&sb, "{\"ts_ns\":%" PRIu64 ",\"type\":\"%s\",\"track\":\"%s\",",
		       ev->ts_ns, rh_trace_event_type_name(ev->type),
		       rh_trace_track_name(ev->track));
	json_actor(&sb, ev);
	json_fields(&sb, ev);
	rh_sbuf_puts(&sb, "}\n");
	/* Bounded fields make this impossible; never write half an object. */
	if (!sb.overflow)
		file_sink_write(&js->f, &sb);
}

static int json_finish(void *priv)
{
	return file_sink_close(priv);
}

static const struct rh_trace_sink_ops json_ops = {
	.event = json_event,
	.finish = json_finish,
};

int rh_trace_json_sink_new(FILE *out, const struct rh_trace_sink_ops **ret_ops,
			   void **ret_priv)
{
	_Static_assert(offsetof(struct json_sink, f) == 0, "state starts with file_sink");
	return file_sink_new(out, sizeof(struct json_sink), &json_ops, ret_ops,
			     ret_priv);
}

/* ------------------------------------------------------------------ Chrome trace */

/*
 * Processes and threads of the trace viewer. Devices take tids from
 * CHROME_TID_DEVICE0 in order of appearance, on the hardware process.
 */
enum {
	CHROME_PID_NORMAL = 1,
	CHROME_PID_SECURE = 2,
	CHROME_PID_HW = 3,
};

enum chrome_fixed_track {
	CHROME_APP,
	CHROME_KERNEL,
	CHROME_CPU,
	CHROME_TEE,
	CHROME_FIREWALL,
	CHROME_OTHER_DEVICES,
	CHROME_NR_FIXED,
};

#define CHROME_TID_DEVICE0 10

static const struct {
	int pid, tid;
	const char *name;
} chrome_fixed[CHROME_NR_FIXED] = {
	[CHROME_APP] = { CHROME_PID_NORMAL, 1, "App" },
	[CHROME_KERNEL] = { CHROME_PID_NORMAL, 2, "Kernel" },
	[CHROME_CPU] = { CHROME_PID_NORMAL, 3, "CPU" },
	[CHROME_TEE] = { CHROME_PID_SECURE, 1, "TEE" },
	[CHROME_FIREWALL] = { CHROME_PID_HW, 1, "Firewall" },
	[CHROME_OTHER_DEVICES] = { CHROME_PID_HW, 9, "other devices" },
};

static const struct {
	int pid;
	const char *name;
} chrome_processes[] = {
	{ CHROME_PID_NORMAL, "Normal world" },
	{ CHROME_PID_SECURE, "Secure world" },
	{ CHROME_PID_HW, "Hardware" },
};

/* Simulated-clock traces: per-thread tracks from this tid on, in both worlds. */
#define CHROME_TID_THREAD0 100

struct chrome_sink {
	struct file_sink f;
	bool started;
	bool sim; /* on the simulated clock (rh_trace_add_chrome_sim_sink()) */
	bool fixed_named[CHROME_NR_FIXED];
	struct device_names devices;
	/* Simulated threads whose tracks are named: [0] normal world, [1] secure. */
	bool thread_named[2][RH_SIM_MAX_THREADS + 1];
};

static void chrome_metadata(struct rh_sbuf *sb, const char *what, int pid, int tid,
			    const char *name, int sort)
{
	rh_sbuf_printf(sb, ",\n{\"name\":\"%s_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
		       "\"args\":{\"name\":", what, pid, tid);
	rh_sbuf_json_string(sb, name, RH_TRACE_NAME_MAX);
	rh_sbuf_printf(sb, "}},\n{\"name\":\"%s_sort_index\",\"ph\":\"M\",\"pid\":%d,"
		       "\"tid\":%d,\"args\":{\"sort_index\":%d}}", what, pid, tid, sort);
}

static void chrome_start(struct chrome_sink *cs)
{
	char buf[RH_TRACE_LINE_MAX];
	struct rh_sbuf sb;
	unsigned int i;

	if (cs->started)
		return;
	cs->started = true;
	rh_sbuf_init(&sb, buf, sizeof(buf));
	/* The first element carries no leading comma: a harmless metadata event. */
	rh_sbuf_puts(&sb, "{\"traceEvents\":[\n{\"name\":\"process_labels\",\"ph\":\"M\","
		     "\"pid\":1,\"tid\":0,\"args\":{\"labels\":\"librheap-sim\"}}");
	for (i = 0; i < RH_ARRAY_SIZE(chrome_processes); i++)
		chrome_metadata(&sb, "process", chrome_processes[i].pid, 0,
				chrome_processes[i].name, chrome_processes[i].pid);
	file_sink_write(&cs->f, &sb);
}

static enum chrome_fixed_track chrome_fixed_track(enum rh_trace_track track)
{
	switch (track) {
	case RH_TRACE_TRACK_APP:
		return CHROME_APP;
	case RH_TRACE_TRACK_CPU:
		return CHROME_CPU;
	case RH_TRACE_TRACK_TEE:
		return CHROME_TEE;
	case RH_TRACE_TRACK_FIREWALL:
		return CHROME_FIREWALL;
	default:
		return CHROME_KERNEL;
	}
}

/*
 * On the simulated clock the code runs where a phone would run it: the
 * kernel's work and the app's calls on the CPU thread that made them, the
 * trusted OS on that same core (OP-TEE runs on the calling CPU), so both
 * worlds get one track per simulated thread.
 */
static bool chrome_sim_thread_track(struct chrome_sink *cs, struct rh_sbuf *sb,
				    const struct rh_trace_event *ev, int *ret_pid, int *ret_tid)
{
	bool secure = ev->track == RH_TRACE_TRACK_TEE;
	uint32_t thread = ev->thread;
	char name[48];

	if (!cs->sim || !thread || thread > RH_SIM_MAX_THREADS ||
	    (ev->track != RH_TRACE_TRACK_NORMAL_WORLD && ev->track != RH_TRACE_TRACK_APP &&
	     ev->track != RH_TRACE_TRACK_CPU && !secure))
		return false;
	*ret_pid = secure ? CHROME_PID_SECURE : CHROME_PID_NORMAL;
	*ret_tid = CHROME_TID_THREAD0 + (int)thread;
	if (!cs->thread_named[secure][thread]) {
		cs->thread_named[secure][thread] = true;
		snprintf(name, sizeof(name), secure ? "TEE on CPU thread %" PRIu32 :
			 "CPU thread %" PRIu32, thread);
		chrome_metadata(sb, "thread", *ret_pid, *ret_tid, name, *ret_tid);
	}
	return true;
}

/* pid/tid of the event's track, naming the thread the first time it is used. */
static void chrome_track(struct chrome_sink *cs, struct rh_sbuf *sb,
			 const struct rh_trace_event *ev, int *ret_pid, int *ret_tid)
{
	enum chrome_fixed_track ft;
	const char *name;
	bool is_new;
	int idx;

	if (chrome_sim_thread_track(cs, sb, ev, ret_pid, ret_tid))
		return;
	if (ev->track == RH_TRACE_TRACK_DEVICE) {
		name = device_name(ev);
		idx = device_index(&cs->devices, name, &is_new);
		if (idx >= 0) {
			*ret_pid = CHROME_PID_HW;
			*ret_tid = CHROME_TID_DEVICE0 + idx;
			if (is_new)
				chrome_metadata(sb, "thread", *ret_pid, *ret_tid, name,
						*ret_tid);
			return;
		}
		ft = CHROME_OTHER_DEVICES;
	} else {
		ft = chrome_fixed_track(ev->track);
	}
	*ret_pid = chrome_fixed[ft].pid;
	*ret_tid = chrome_fixed[ft].tid;
	if (!cs->fixed_named[ft]) {
		cs->fixed_named[ft] = true;
		chrome_metadata(sb, "thread", *ret_pid, *ret_tid, chrome_fixed[ft].name,
				*ret_tid);
	}
}

static void chrome_ts(struct rh_sbuf *sb, const char *key, uint64_t ns)
{
	/* Microseconds, as the format wants, keeping ns precision. */
	rh_sbuf_printf(sb, ",\"%s\":%" PRIu64 ".%03" PRIu64, key, ns / 1000u, ns % 1000u);
}

/*
 * A TEE call's span is what a reader looks for on the TEE track: name it
 * after the command ("SECMEM_ZALLOC", "cmd 0x7" for a TA the library does
 * not ship), not after the event that closes it.
 */
static void chrome_tee_span_name(struct rh_sbuf *sb, const struct rh_trace_event *ev)
{
	const char *cmd_name = rh_trace_tee_cmd_name(ev->name, ev->cmd);

	if (cmd_name)
		rh_sbuf_printf(sb, "\"%s\"", cmd_name);
	else
		rh_sbuf_printf(sb, "\"cmd 0x%" PRIx32 "\"", ev->cmd);
}

/* Phase marks, spans (a charge, or a call with its simulated length) and instants. */
static void chrome_sim_times(struct rh_sbuf *sb, const struct rh_trace_event *ev)
{
	if (ev->type == RH_TRACE_PHASE_BEGIN || ev->type == RH_TRACE_PHASE_END) {
		rh_sbuf_puts(sb, ev->type == RH_TRACE_PHASE_BEGIN ? ",\"ph\":\"B\"" :
								   ",\"ph\":\"E\"");
		chrome_ts(sb, "ts", ev->sim_ns);
	} else if (ev->sim_dur_ns && ev->sim_dur_ns <= ev->sim_ns) {
		rh_sbuf_puts(sb, ",\"ph\":\"X\"");
		chrome_ts(sb, "ts", ev->sim_ns - ev->sim_dur_ns);
		chrome_ts(sb, "dur", ev->sim_dur_ns);
	} else {
		rh_sbuf_puts(sb, ",\"ph\":\"i\",\"s\":\"t\"");
		chrome_ts(sb, "ts", ev->sim_ns);
	}
}

static void chrome_event(void *priv, const struct rh_trace_event *ev)
{
	struct chrome_sink *cs = priv;
	char buf[RH_TRACE_LINE_MAX];
	struct rh_sbuf sb;
	int pid, tid;

	chrome_start(cs);
	rh_sbuf_init(&sb, buf, sizeof(buf));
	chrome_track(cs, &sb, ev, &pid, &tid);
	rh_sbuf_puts(&sb, ",\n{\"name\":");
	if (ev->type == RH_TRACE_PHASE_BEGIN || ev->type == RH_TRACE_PHASE_END)
		rh_sbuf_json_string(&sb, ev->name ? ev->name : "phase", RH_TRACE_NAME_MAX);
	else if (ev->type == RH_TRACE_TEE_RETURN)
		chrome_tee_span_name(&sb, ev);
	else if (cs->sim && ev->type == RH_TRACE_SIM_COST && ev->name)
		/* On the simulated clock a charge is a span named by what it pays for. */
		rh_sbuf_json_string(&sb, ev->name, RH_TRACE_NAME_MAX);
	else
		rh_sbuf_printf(&sb, "\"%s\"", rh_trace_event_type_name(ev->type));
	rh_sbuf_printf(&sb, ",\"cat\":\"%s\"", rh_trace_track_name(ev->track));
	if (cs->sim) {
		chrome_sim_times(&sb, ev);
	} else if (ev->type == RH_TRACE_PHASE_BEGIN) {
		rh_sbuf_puts(&sb, ",\"ph\":\"B\"");
		chrome_ts(&sb, "ts", ev->ts_ns);
	} else if (ev->type == RH_TRACE_PHASE_END) {
		rh_sbuf_puts(&sb, ",\"ph\":\"E\"");
		chrome_ts(&sb, "ts", ev->ts_ns);
	} else if (ev->dur_ns) {
		rh_sbuf_puts(&sb, ",\"ph\":\"X\"");
		chrome_ts(&sb, "ts", ev->start_ns);
		chrome_ts(&sb, "dur", ev->dur_ns);
	} else {
		rh_sbuf_puts(&sb, ",\"ph\":\"i\",\"s\":\"t\"");
		chrome_ts(&sb, "ts", ev->ts_ns);
	}
	rh_sbuf_printf(&sb, ",\"pid\":%d,\"tid\":%d,\"args\":{", pid, tid);
	json_actor(&sb, ev);
	json_fields(&sb, ev);
	rh_sbuf_puts(&sb, "}}");
	if (!sb.overflow)
		file_sink_write(&cs->f, &sb);
}

static int chrome_finish(void *priv)
{
	struct chrome_sink *cs = priv;
	char buf[256];
	struct rh_sbuf sb;

	chrome_start(cs);
	rh_sbuf_init(&sb, buf, sizeof(buf));
	rh_sbuf_puts(&sb, "\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":"
		     "\"librheap-sim " RH_VERSION "\"}}\n");
	file_sink_write(&cs->f, &sb);
	return file_sink_close(&cs->f);
}

static const struct rh_trace_sink_ops chrome_ops = {
	.event = chrome_event,
	.finish = chrome_finish,
};

int rh_trace_chrome_sink_new(FILE *out, const struct rh_trace_sink_ops **ret_ops,
			     void **ret_priv)
{
	_Static_assert(offsetof(struct chrome_sink, f) == 0, "state starts with file_sink");
	return file_sink_new(out, sizeof(struct chrome_sink), &chrome_ops, ret_ops,
			     ret_priv);
}

int rh_trace_chrome_sim_sink_new(FILE *out, const struct rh_trace_sink_ops **ret_ops,
				 void **ret_priv)
{
	int ret;

	ret = rh_trace_chrome_sink_new(out, ret_ops, ret_priv);
	if (ret)
		return ret;
	((struct chrome_sink *)*ret_priv)->sim = true;
	return 0;
}

/* ------------------------------------------------------------------ Mermaid */

struct mermaid_sink {
	struct file_sink f;
	bool started;
	bool other_declared;
	struct device_names devices;
};

/*
 * Message text: Mermaid ends a statement at ';', reads '#...;' as an entity
 * and may render '<' '>' '&' as HTML, so those become entity codes. The input
 * is already display text (no control characters).
 */
static void mermaid_text(struct rh_sbuf *sb, const char *s)
{
	size_t start = sb->len;

	/* Mermaid strips a leading "wrap:" / "nowrap:" as a directive. */
	if (!strncmp(s, "wrap:", 5) || !strncmp(s, "nowrap:", 7)) {
		rh_sbuf_printf(sb, "#%d;", *s);
		s++;
	}
	for (; *s; s++) {
		switch (*s) {
		case ';':
			rh_sbuf_puts(sb, "#59;");
			break;
		case '#':
			rh_sbuf_puts(sb, "#35;");
			break;
		case '<':
			rh_sbuf_puts(sb, "#lt;");
			break;
		case '>':
			rh_sbuf_puts(sb, "#gt;");
			break;
		case '&':
			rh_sbuf_puts(sb, "#amp;");
			break;
		case '"':
			rh_sbuf_puts(sb, "#quot;");
			break;
		case '\n':
		case '\r':
		case '\t':
			rh_sbuf_putc(sb, ' ');
			break;
		default:
			rh_sbuf_putc(sb, *s);
		}
	}
	if (sb->len == start)
		rh_sbuf_putc(sb, '-');
}

/* Participant ids are identifiers: "dev_" + the name with odd characters as '_'. */
static void mermaid_device_id(struct rh_sbuf *sb, const char *name)
{
	size_t i;

	rh_sbuf_puts(sb, "dev_");
	for (i = 0; name[i] && i < RH_TRACE_NAME_MAX; i++) {
		char c = name[i];

		rh_sbuf_putc(sb, (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					 (c >= '0' && c <= '9') ? c : '_');
	}
}

static void mermaid_start(struct mermaid_sink *ms)
{
	static const char header[] = "sequenceDiagram\n"
				     "    participant App\n"
				     "    participant Kernel\n"
				     "    participant TEE\n"
				     "    participant Firewall\n";
	struct rh_sbuf sb;
	char buf[sizeof(header)];

	if (ms->started)
		return;
	ms->started = true;
	rh_sbuf_init(&sb, buf, sizeof(buf));
	rh_sbuf_puts(&sb, header);
	file_sink_write(&ms->f, &sb);
}

/*
 * Appends the participant of a device event to @id (declaring it into @decl
 * the first time). Devices past SINK_MAX_DEVICES share "dev_other".
 */
static void mermaid_device(struct mermaid_sink *ms, struct rh_sbuf *decl,
			   struct rh_sbuf *id, const struct rh_trace_event *ev)
{
	char text[RH_TRACE_LINE_MAX / 4];
	const char *name = device_name(ev);
	struct rh_sbuf tsb;
	bool is_new;

	if (device_index(&ms->devices, name, &is_new) < 0) {
		rh_sbuf_puts(id, "dev_other");
		if (!ms->other_declared) {
			ms->other_declared = true;
			rh_sbuf_puts(decl, "    participant dev_other as other devices\n");
		}
		return;
	}
	mermaid_device_id(id, name);
	if (!is_new)
		return;
	rh_sbuf_init(&tsb, text, sizeof(text));
	rh_sbuf_text(&tsb, name, RH_TRACE_NAME_MAX);
	rh_sbuf_puts(decl, "    participant ");
	mermaid_device_id(decl, name);
	rh_sbuf_puts(decl, " as ");
	mermaid_text(decl, text);
	rh_sbuf_putc(decl, '\n');
}

static void mermaid_role(struct mermaid_sink *ms, struct rh_sbuf *decl, struct rh_sbuf *id,
			 enum rh_trace_role role, const struct rh_trace_event *ev)
{
	switch (role) {
	case RH_ROLE_APP:
		rh_sbuf_puts(id, "App");
		return;
	case RH_ROLE_KERNEL:
		rh_sbuf_puts(id, "Kernel");
		return;
	case RH_ROLE_TEE:
		rh_sbuf_puts(id, "TEE");
		return;
	case RH_ROLE_FIREWALL:
		rh_sbuf_puts(id, "Firewall");
		return;
	case RH_ROLE_ALL:
		rh_sbuf_puts(id, "App,Firewall");
		return;
	case RH_ROLE_NONE:
		return;
	case RH_ROLE_ACTOR:
		break;
	}
	switch (ev->track) {
	case RH_TRACE_TRACK_DEVICE:
		mermaid_device(ms, decl, id, ev);
		return;
	case RH_TRACE_TRACK_TEE:
		rh_sbuf_puts(id, "TEE");
		return;
	case RH_TRACE_TRACK_FIREWALL:
		rh_sbuf_puts(id, "Firewall");
		return;
	case RH_TRACE_TRACK_NORMAL_WORLD:
		rh_sbuf_puts(id, "Kernel");
		return;
	default:
		/* The CPU that trips over protected memory is the app's. */
		rh_sbuf_puts(id, "App");
		return;
	}
}

static const char *mermaid_arrow(enum rh_trace_arrow arrow, int err)
{
	switch (arrow) {
	case RH_ARROW_REPLY:
		return err ? "--x" : "-->>";
	case RH_ARROW_FAIL:
		return "-x";
	default:
		return err ? "-x" : "->>";
	}
}

static void mermaid_event(void *priv, const struct rh_trace_event *ev)
{
	const struct rh_trace_type_info *info = rh_trace_type_info(ev->type);
	struct mermaid_sink *ms = priv;
	char buf[RH_TRACE_LINE_MAX], text[RH_TRACE_LINE_MAX / 2];
	char from[RH_TRACE_NAME_MAX + 8], to[RH_TRACE_NAME_MAX + 8];
	struct rh_sbuf sb, tsb, fsb, dsb;

	mermaid_start(ms);
	rh_sbuf_init(&sb, buf, sizeof(buf));
	rh_sbuf_init(&tsb, text, sizeof(text));
	rh_trace_sentence(&tsb, ev);
	if (info->arrow == RH_ARROW_COMMENT) {
		rh_sbuf_puts(&sb, "    %% ");
		mermaid_text(&sb, text);
		rh_sbuf_putc(&sb, '\n');
		goto out;
	}
	/* Declarations of new participants go first, in the same write. */
	rh_sbuf_init(&fsb, from, sizeof(from));
	mermaid_role(ms, &sb, &fsb, info->from, ev);
	rh_sbuf_init(&dsb, to, sizeof(to));
	mermaid_role(ms, &sb, &dsb, info->to, ev);
	if (info->arrow == RH_ARROW_NOTE || !dsb.len || !strcmp(from, to)) {
		rh_sbuf_puts(&sb, "    Note over ");
		rh_sbuf_puts(&sb, from);
		if (info->arrow == RH_ARROW_NOTE && dsb.len && strcmp(from, to)) {
			rh_sbuf_putc(&sb, ',');
			rh_sbuf_puts(&sb, to);
		}
	} else {
		rh_sbuf_printf(&sb, "    %s%s%s", from, mermaid_arrow(info->arrow, ev->err), to);
	}
	rh_sbuf_puts(&sb, ": ");
	mermaid_text(&sb, text);
	rh_sbuf_putc(&sb, '\n');
out:
	if (!sb.overflow)
		file_sink_write(&ms->f, &sb);
}

static int mermaid_finish(void *priv)
{
	struct mermaid_sink *ms = priv;

	mermaid_start(ms);
	return file_sink_close(&ms->f);
}

static const struct rh_trace_sink_ops mermaid_ops = {
	.event = mermaid_event,
	.finish = mermaid_finish,
};

int rh_trace_mermaid_sink_new(FILE *out, const struct rh_trace_sink_ops **ret_ops,
			      void **ret_priv)
{
	_Static_assert(offsetof(struct mermaid_sink, f) == 0, "state starts with file_sink");
	return file_sink_new(out, sizeof(struct mermaid_sink), &mermaid_ops, ret_ops,
			     ret_priv);
}
