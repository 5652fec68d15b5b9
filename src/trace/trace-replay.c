// SPDX-License-Identifier: MIT
/* Allocation-trace replay: strict CSV parser (perf.md §5) and a runner over the fd layer. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/tree.h>
#include <time.h>
#include <unistd.h>

#include <rheap/cost-model.h>
#include <rheap/dma-heap.h>
#include <rheap/replay.h>
#include <rheap/uapi.h>

#include "internal.h"
#include "lib/file.h"

#define REPLAY_HEADER "t_us,op,heap,size,id,attrs"
#define REPLAY_NR_FIELDS 6

/* A live buffer id during parsing: one node per A event, in an array. */
struct live_node {
	RB_ENTRY(live_node) entry;
	const char *id;
	size_t index;
};

static int live_cmp(const struct live_node *a, const struct live_node *b)
{
	return strcmp(a->id, b->id);
}

RB_HEAD(live_tree, live_node);
/* RB_GENERATE_STATIC needs __unused, which libbsd's cdefs.h leaves undefined. */
#define LIVE_RB_ATTR __attribute__((unused)) static
RB_GENERATE_INTERNAL(live_tree, live_node, entry, live_cmp, LIVE_RB_ATTR)

struct rh_replay_trace {
	struct rh_replay_event *events;
	size_t nr;
	char *pool; /* every string of every event */
};

/* One attribute key of the row being parsed (see attrs_check_repeats()). */
struct attr_key {
	const char *s;
	size_t len;
};

/* Parser state: the pool and the key array are sized so that they can never overflow. */
struct parser {
	struct rh_replay_trace *trace;
	size_t pool_len, pool_cap;
	struct live_tree live;
	struct live_node *nodes;
	struct attr_key *keys;
	size_t keys_cap;
	char *errbuf;
	size_t errlen;
	unsigned int line;
};

static int parse_error(struct parser *p, const char *fmt, ...) RH_PRINTF(2, 3);

static int parse_error(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->errbuf && p->errlen) {
		n = snprintf(p->errbuf, p->errlen, "line %u: ", p->line);
		if (n >= 0 && (size_t)n < p->errlen) {
			va_start(ap, fmt);
			vsnprintf(p->errbuf + n, p->errlen - n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

/* Copies @len bytes of @s into the pool as a NUL-terminated string. */
static const char *pool_add(struct parser *p, const char *s, size_t len)
{
	char *dst = p->trace->pool + p->pool_len;

	assert(p->pool_len + len + 1 <= p->pool_cap);
	memcpy(dst, s, len);
	dst[len] = '\0';
	p->pool_len += len + 1;
	return dst;
}

struct field {
	const char *s;
	size_t len;
};

static bool field_is(const struct field *f, const char *s)
{
	return f->len == strlen(s) && !memcmp(f->s, s, f->len);
}

/* Decimal digits only (no sign, no space, no hex), fitting 64 bits. */
static int parse_decimal(const struct field *f, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (!f->len || f->len > 20)
		return -EINVAL;
	for (i = 0; i < f->len; i++) {
		unsigned int d = (unsigned char)f->s[i] - '0';

		if (d > 9)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

static bool id_valid(const struct field *f)
{
	size_t i;

	if (!f->len || f->len > RH_REPLAY_ID_MAX)
		return false;
	for (i = 0; i < f->len; i++) {
		char c = f->s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A heap name as the dma-heap registry accepts one (no '/', bounded). */
static bool heap_valid(const struct field *f)
{
	size_t i;

	if (!f->len || f->len >= RH_DMA_HEAP_NAME_LEN)
		return false;
	for (i = 0; i < f->len; i++)
		if (f->s[i] == '/' || (unsigned char)f->s[i] <= ' ' || f->s[i] == 0x7f)
			return false;
	return true;
}

static bool key_valid(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* What DMA_HEAP_IOCTL_ALLOC can fail with, by name (expect=). */
static const struct {
	const char *name;
	int err;
} expect_names[] = {
	{ "ENOMEM", -ENOMEM }, { "EINVAL", -EINVAL }, { "ENOSPC", -ENOSPC },
	{ "EBUSY", -EBUSY },   { "ENODEV", -ENODEV }, { "EOPNOTSUPP", -EOPNOTSUPP },
	{ "EPERM", -EPERM },   { "EACCES", -EACCES }, { "EMFILE", -EMFILE },
	{ "EIO", -EIO },       { "ENOENT", -ENOENT }, { "EFAULT", -EFAULT },
};

/* The negative errno named by @f, 0 when it is not one of expect_names. */
static int expect_errno(const struct field *f)
{
	size_t i;

	for (i = 0; i < RH_ARRAY_SIZE(expect_names); i++)
		if (field_is(f, expect_names[i].name))
			return expect_names[i].err;
	return 0;
}

/* Orders keys by name, then by where they are in the row. */
static int attr_key_cmp(const void *a, const void *b)
{
	const struct attr_key *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->s < y->s ? -1 : x->s > y->s;
}

/*
 * A key appears once in a row (replay.h): a second role= would be a
 * different buffer role, a second unknown key is ambiguous for whoever reads
 * the raw attrs. Sorting keeps a row of many keys O(n log n); the key named
 * is the first one, in reading order, that repeats an earlier one.
 */
static int attrs_check_repeats(struct parser *p, size_t n)
{
	const struct attr_key *first = NULL;
	size_t i;

	if (n < 2)
		return 0;
	qsort(p->keys, n, sizeof(*p->keys), attr_key_cmp);
	for (i = 1; i < n; i++) {
		const struct attr_key *a = &p->keys[i - 1], *b = &p->keys[i];

		/* In a run of one key, the second entry is its first repeat. */
		if (a->len == b->len && !memcmp(a->s, b->s, a->len) &&
		    (i < 2 || p->keys[i - 2].len != a->len ||
		     memcmp(p->keys[i - 2].s, a->s, a->len)) &&
		    (!first || b->s < first->s))
			first = b;
	}
	if (first)
		return parse_error(p, "%.*s= given twice", (int)first->len, first->s);
	return 0;
}

/* The attrs field: space-separated key=value pairs, each key once. */
static int parse_attrs(struct parser *p, const struct field *f,
		       struct rh_replay_event *ev)
{
	bool seen_role = false, seen_sess = false, seen_expect = false;
	const char *s = f->s, *end = f->s + f->len;
	size_t nkeys = 0;

	ev->attrs = pool_add(p, f->s, f->len);
	ev->role = "";
	while (s < end) {
		const char *tok, *eq, *val;
		struct field v;
		uint64_t n;

		while (s < end && *s == ' ')
			s++;
		if (s == end)
			break;
		tok = s;
		while (s < end && *s != ' ')
			s++;
		eq = memchr(tok, '=', s - tok);
		if (!eq || !key_valid(tok, eq - tok) || eq + 1 == s)
			return parse_error(p, "attribute '%.*s' is not key=value",
					   (int)(s - tok), tok);
		/* keys_cap bounds the pairs of the longest row: see rh_replay_parse(). */
		assert(nkeys < p->keys_cap);
		p->keys[nkeys].s = tok;
		p->keys[nkeys].len = (size_t)(eq - tok);
		nkeys++;
		val = eq + 1;
		v.s = val;
		v.len = s - val;
		if ((size_t)(eq - tok) == 4 && !memcmp(tok, "role", 4)) {
			if (seen_role)
				return parse_error(p, "role= given twice");
			if (v.len > RH_REPLAY_ROLE_MAX)
				return parse_error(p, "role '%.*s' is longer than %u characters",
						   (int)v.len, v.s, RH_REPLAY_ROLE_MAX);
			seen_role = true;
			ev->role = pool_add(p, v.s, v.len);
		} else if ((size_t)(eq - tok) == 4 && !memcmp(tok, "sess", 4)) {
			if (seen_sess)
				return parse_error(p, "sess= given twice");
			if (parse_decimal(&v, &n) || n > UINT32_MAX)
				return parse_error(p, "sess '%.*s' is not a number up to %u",
						   (int)v.len, v.s, UINT32_MAX);
			seen_sess = true;
			ev->sess = (unsigned int)n;
		} else if ((size_t)(eq - tok) == 6 && !memcmp(tok, "expect", 6)) {
			if (seen_expect)
				return parse_error(p, "expect= given twice");
			ev->expect = expect_errno(&v);
			if (!ev->expect)
				return parse_error(p, "expect '%.*s' is not an errno an allocation "
						   "can fail with (ENOMEM, EINVAL, ...)",
						   (int)v.len, v.s);
			if (ev->op != RH_REPLAY_OP_ALLOC)
				return parse_error(p, "expect= applies to A rows only");
			seen_expect = true;
		}
		/* Other keys: kept in ev->attrs for whoever knows them. */
	}
	return attrs_check_repeats(p, nkeys);
}

static int split_fields(struct parser *p, const char *s, size_t len,
			struct field fields[REPLAY_NR_FIELDS])
{
	unsigned int n = 0;
	size_t start = 0, i;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] == '"')
			return parse_error(p, "quoted fields are not supported");
		if (i < len && s[i] != ',')
			continue;
		if (n == REPLAY_NR_FIELDS)
			return parse_error(p, "more than %u fields", REPLAY_NR_FIELDS);
		fields[n].s = s + start;
		fields[n].len = i - start;
		n++;
		start = i + 1;
	}
	if (n != REPLAY_NR_FIELDS)
		return parse_error(p, "%u field%s instead of %u (t_us,op,heap,size,id,attrs)",
				   n, n == 1 ? "" : "s", REPLAY_NR_FIELDS);
	return 0;
}

static int parse_row(struct parser *p, const char *s, size_t len, uint64_t *prev_t)
{
	struct rh_replay_trace *t = p->trace;
	struct rh_replay_event *ev = &t->events[t->nr];
	struct field f[REPLAY_NR_FIELDS];
	struct live_node key, *node;
	int ret;

	ret = split_fields(p, s, len, f);
	if (ret)
		return ret;
	memset(ev, 0, sizeof(*ev));
	ev->line = p->line;
	ev->alloc_index = t->nr;

	ret = parse_decimal(&f[0], &ev->t_us);
	if (ret == -ERANGE || (!ret && ev->t_us > RH_REPLAY_MAX_T_US))
		return parse_error(p, "t_us %.*s is later than %llu, the last microsecond "
				   "a timed replay can wait for",
				   (int)f[0].len, f[0].s, (unsigned long long)RH_REPLAY_MAX_T_US);
	if (ret)
		return parse_error(p, "t_us '%.*s' is not a decimal number of microseconds",
				   (int)f[0].len, f[0].s);
	if (ev->t_us < *prev_t)
		return parse_error(p, "t_us %llu goes back in time (previous row: %llu)",
				   (unsigned long long)ev->t_us,
				   (unsigned long long)*prev_t);

	if (f[1].len != 1 || (f[1].s[0] != 'A' && f[1].s[0] != 'F' && f[1].s[0] != 'M'))
		return parse_error(p, "op '%.*s' is not A, F or M", (int)f[1].len, f[1].s);
	ev->op = (enum rh_replay_op)f[1].s[0];

	if (!id_valid(&f[4]))
		return parse_error(p, "id '%.*s' is not 1-%u characters of [A-Za-z0-9._-]",
				   (int)f[4].len, f[4].s, RH_REPLAY_ID_MAX);
	ev->id = pool_add(p, f[4].s, f[4].len);

	switch (ev->op) {
	case RH_REPLAY_OP_ALLOC:
		if (!heap_valid(&f[2]))
			return parse_error(p, "A needs a heap name (got '%.*s')",
					   (int)f[2].len, f[2].s);
		ret = parse_decimal(&f[3], &ev->size);
		if (ret || !ev->size)
			return parse_error(p, "size '%.*s' is not a decimal number of bytes >= 1",
					   (int)f[3].len, f[3].s);
		if (ev->size > UINT64_MAX - (RH_PAGE_SIZE - 1))
			return parse_error(p, "size %llu cannot be page aligned",
					   (unsigned long long)ev->size);
		ev->heap = pool_add(p, f[2].s, f[2].len);
		key.id = ev->id;
		node = RB_FIND(live_tree, &p->live, &key);
		if (node)
			return parse_error(p, "id '%s' is already live (allocated on line %u)",
					   ev->id, t->events[node->index].line);
		node = &p->nodes[t->nr];
		node->id = ev->id;
		node->index = t->nr;
		RB_INSERT(live_tree, &p->live, node);
		break;
	case RH_REPLAY_OP_FREE: {
		const struct rh_replay_event *a;
		uint64_t size;

		key.id = ev->id;
		node = RB_FIND(live_tree, &p->live, &key);
		if (!node)
			return parse_error(p, "F of unknown id '%s' (not allocated, or freed already)",
					   ev->id);
		a = &t->events[node->index];
		if (f[2].len && !field_is(&f[2], a->heap))
			return parse_error(p, "F of '%s' names heap '%.*s' but it was allocated from %s on line %u",
					   ev->id, (int)f[2].len, f[2].s, a->heap, a->line);
		if (f[3].len && (parse_decimal(&f[3], &size) || size != a->size))
			return parse_error(p, "F of '%s' gives size '%.*s' but %llu was allocated on line %u",
					   ev->id, (int)f[3].len, f[3].s,
					   (unsigned long long)a->size, a->line);
		ev->heap = a->heap;
		ev->size = a->size;
		ev->alloc_index = node->index;
		RB_REMOVE(live_tree, &p->live, node);
		break;
	}
	case RH_REPLAY_OP_MARK:
		if (f[2].len || f[3].len)
			return parse_error(p, "M takes no heap and no size");
		ev->heap = "";
		break;
	}

	ret = parse_attrs(p, &f[5], ev);
	if (ret)
		return ret;
	*prev_t = ev->t_us;
	t->nr++;
	return 0;
}

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...) RH_PRINTF(3, 4);

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errbuf || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

RH_EXPORT int rh_replay_parse(const char *text, size_t len,
			      struct rh_replay_trace **ret_trace, char *errbuf,
			      size_t errlen)
{
	struct parser p = { .errbuf = errbuf, .errlen = errlen };
	uint64_t prev_t = 0;
	bool header = false;
	size_t nlines = 0, nrows = 0, row_bytes = 0, longest = 0, pos = 0, i, next;
	int ret;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if ((!text && len) || !ret_trace) {
		set_err(errbuf, errlen, "no text or no result pointer");
		return -EINVAL;
	}
	if (len && memchr(text, '\0', len)) {
		p.line = 1;
		for (i = 0; text[i]; i++)
			p.line += text[i] == '\n';
		return parse_error(&p, "NUL byte in the text");
	}
	/*
	 * Lines: one per '\n', plus a last one without it. Only lines that
	 * can be rows (not blank, not comments) need an event slot.
	 */
	for (i = 0; i < len; i = next) {
		const char *nl = memchr(text + i, '\n', len - i);

		next = nl ? (size_t)(nl - text) + 1 : len;
		nlines++;
		if (text[i] != '\n' && text[i] != '#' &&
		    !(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')) {
			nrows++;
			row_bytes += next - i;
			if (next - i > longest)
				longest = next - i;
		}
	}
	if (nlines > RH_REPLAY_MAX_LINES) {
		set_err(errbuf, errlen, "more than %u lines", RH_REPLAY_MAX_LINES);
		return -E2BIG;
	}
	/* The header takes one of the candidates; one extra slot keeps calloc non-zero. */
	nrows++;

	p.trace = rh_zalloc(sizeof(*p.trace));
	if (!p.trace)
		return -ENOMEM;
	p.trace->events = rh_calloc(nrows, sizeof(*p.trace->events));
	p.nodes = rh_calloc(nrows, sizeof(*p.nodes));
	/*
	 * Each row stores id, heap, attrs and role (a part of attrs again):
	 * at most twice the bytes of the row, plus 4 NULs.
	 */
	p.pool_cap = 2 * row_bytes + 4 * nrows + 1;
	p.trace->pool = rh_malloc(p.pool_cap);
	/*
	 * A pair takes at least 3 bytes ("k=v") and a space before the next:
	 * a row of L bytes holds at most L / 4 + 1 of them.
	 */
	p.keys_cap = longest / 4 + 1;
	p.keys = rh_calloc(p.keys_cap, sizeof(*p.keys));
	if (!p.trace->events || !p.nodes || !p.trace->pool || !p.keys) {
		ret = -ENOMEM;
		goto err_free;
	}
	RB_INIT(&p.live);

	while (pos < len) {
		const char *s = text + pos, *nl;
		size_t l;

		nl = memchr(s, '\n', len - pos);
		l = nl ? (size_t)(nl - s) : len - pos;
		pos += l + (nl ? 1 : 0);
		p.line++;
		if (l && s[l - 1] == '\r')
			l--;
		if (!l || s[0] == '#')
			continue;
		if (!header) {
			if (l != strlen(REPLAY_HEADER) || memcmp(s, REPLAY_HEADER, l)) {
				ret = parse_error(&p, "expected the header '" REPLAY_HEADER "'");
				goto err_free;
			}
			header = true;
			continue;
		}
		ret = parse_row(&p, s, l, &prev_t);
		if (ret)
			goto err_free;
	}
	if (!header) {
		p.line = p.line ? p.line : 1;
		ret = parse_error(&p, "no header line '" REPLAY_HEADER "'");
		goto err_free;
	}
	rh_free(p.keys);
	rh_free(p.nodes);
	*ret_trace = p.trace;
	return 0;

err_free:
	rh_free(p.keys);
	rh_free(p.nodes);
	rh_replay_trace_free(p.trace);
	return ret;
}

RH_EXPORT int rh_replay_parse_file(const char *path,
				   struct rh_replay_trace **ret_trace,
				   char *errbuf, size_t errlen)
{
	size_t len;
	char *text;
	int ret;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!path || !ret_trace) {
		set_err(errbuf, errlen, "no path or no result pointer");
		return -EINVAL;
	}
	ret = rh_read_file(path, RH_REPLAY_MAX_FILE_SIZE, &text, &len, errbuf, errlen);
	if (ret)
		return ret;
	ret = rh_replay_parse(text, len, ret_trace, errbuf, errlen);
	rh_free(text);
	return ret;
}

RH_EXPORT void rh_replay_trace_free(struct rh_replay_trace *trace)
{
	if (!trace)
		return;
	rh_free(trace->events);
	rh_free(trace->pool);
	rh_free(trace);
}

RH_EXPORT size_t rh_replay_trace_count(const struct rh_replay_trace *trace)
{
	return trace ? trace->nr : 0;
}

RH_EXPORT const struct rh_replay_event *
rh_replay_trace_event(const struct rh_replay_trace *trace, size_t index)
{
	if (!trace || index >= trace->nr)
		return NULL;
	return &trace->events[index];
}

/* ------------------------------------------------------------------ runner */

struct heap_fd {
	const char *name;
	int fd;
};

struct runner {
	struct rh_platform *plat;
	const struct rh_replay_trace *trace;
	const struct rh_replay_options *opts;
	struct heap_fd heaps[RH_DMA_HEAP_MAX];
	unsigned int nr_heaps;
	unsigned int *heap_of; /* per event: index into heaps (A events) */
	int *fd_of;	       /* per A event: buffer fd, or -1 */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000u),
		.tv_nsec = (long)(deadline_ns % 1000000000u),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * When the event at @t_us is due. The parser keeps t_us * 1000 within
 * INT64_MAX (RH_REPLAY_MAX_T_US); the sum saturates like the kernel's
 * ktime_add_safe() rather than wrapping to a deadline in the past, which
 * would run the rest of the trace at once.
 */
static uint64_t deadline_ns(uint64_t start, uint64_t t_us)
{
	uint64_t d;

	if (__builtin_mul_overflow(t_us, 1000u, &d) || __builtin_add_overflow(d, start, &d))
		return UINT64_MAX;
	return d;
}

/* Finds or opens the heap @name; returns its index or a negative errno. */
static int runner_heap(struct runner *r, const char *name)
{
	char path[sizeof(RH_DMA_HEAP_DEV_DIR) + RH_DMA_HEAP_NAME_LEN + 1];
	unsigned int i;
	int fd;

	for (i = 0; i < r->nr_heaps; i++)
		if (!strcmp(r->heaps[i].name, name))
			return (int)i;
	if (r->nr_heaps == RH_ARRAY_SIZE(r->heaps))
		return -ENOENT; /* more names than a platform can have heaps */
	if (strlen(name) >= RH_DMA_HEAP_NAME_LEN)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", RH_DMA_HEAP_DEV_DIR, name);
	fd = rh_open(r->plat, path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fd;
	r->heaps[r->nr_heaps].name = name;
	r->heaps[r->nr_heaps].fd = fd;
	return (int)r->nr_heaps++;
}

static int runner_alloc(struct runner *r, size_t i, struct rh_replay_op_result *res)
{
	const struct rh_replay_event *ev = res->ev;
	struct rh_dma_heap_allocation_data data = {
		.len = ev->size,
		.fd_flags = r->opts->fd_flags ? r->opts->fd_flags :
						(uint32_t)(O_RDWR | O_CLOEXEC),
	};
	uint64_t t0;
	int ret;

	t0 = now_ns();
	ret = rh_ioctl(r->plat, r->heaps[r->heap_of[i]].fd,
		       RH_DMA_HEAP_IOCTL_ALLOC, &data);
	res->latency_ns = now_ns() - t0;
	if (!ret)
		r->fd_of[i] = (int)data.fd;
	return ret;
}

RH_EXPORT int rh_replay_run(struct rh_platform *plat,
			    const struct rh_replay_trace *trace,
			    const struct rh_replay_options *opts,
			    struct rh_replay_result *ret_result)
{
	static const struct rh_replay_options defaults;
	struct rh_replay_result result = { 0 };
	struct runner *r;
	uint64_t start, sim_start, live_bytes = 0, live_count = 0;
	unsigned int h;
	size_t i;
	int ret;

	if (!plat || !trace || !ret_result)
		return -EINVAL;
	if (!opts)
		opts = &defaults;
	if (opts->errbuf && opts->errlen)
		opts->errbuf[0] = '\0';
	r = rh_zalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->plat = plat;
	r->trace = trace;
	r->opts = opts;
	r->heap_of = rh_calloc(trace->nr ? trace->nr : 1, sizeof(*r->heap_of));
	r->fd_of = rh_calloc(trace->nr ? trace->nr : 1, sizeof(*r->fd_of));
	if (!r->heap_of || !r->fd_of) {
		ret = -ENOMEM;
		goto err_free_runner;
	}

	/* Every heap is opened before the first allocation: fail early. */
	for (i = 0; i < trace->nr; i++) {
		const struct rh_replay_event *ev = &trace->events[i];
		const char *name = ev->heap;

		r->fd_of[i] = -1;
		if (ev->op != RH_REPLAY_OP_ALLOC)
			continue;
		if (opts->map_heap) {
			const char *m = opts->map_heap(opts->data, ev);

			if (m)
				name = m;
		}
		ret = runner_heap(r, name);
		if (ret < 0) {
			set_err(opts->errbuf, opts->errlen, "line %u: cannot open heap %s: %s",
				ev->line, name, strerror(-ret));
			goto err_close_heaps;
		}
		r->heap_of[i] = (unsigned int)ret;
	}

	start = now_ns();
	sim_start = rh_platform_sim_thread_time(plat);
	for (i = 0; i < trace->nr; i++) {
		const struct rh_replay_event *ev = &trace->events[i];
		struct rh_replay_op_result res = { .index = i, .ev = ev, .heap = "" };
		uint64_t sim0;

		if (opts->timed)
			sleep_until(deadline_ns(start, ev->t_us));
		sim0 = rh_platform_sim_thread_time(plat);
		switch (ev->op) {
		case RH_REPLAY_OP_ALLOC:
			result.allocs++;
			res.heap = r->heaps[r->heap_of[i]].name;
			res.bytes = RH_PAGE_ALIGN(ev->size);
			res.err = runner_alloc(r, i, &res);
			if (!res.err) {
				result.alloc_ok++;
				live_bytes += res.bytes;
				live_count++;
				if (ev->expect)
					result.unexpected_successes++;
			} else if (res.err == ev->expect) {
				result.expected_failures++;
			} else {
				result.unexpected_failures++;
			}
			break;
		case RH_REPLAY_OP_FREE: {
			size_t a = ev->alloc_index;
			uint64_t t0;

			res.heap = r->heaps[r->heap_of[a]].name;
			res.bytes = RH_PAGE_ALIGN(ev->size);
			if (r->fd_of[a] < 0) {
				res.skipped = true;
				result.frees_skipped++;
				break;
			}
			t0 = now_ns();
			res.err = rh_close(plat, r->fd_of[a]);
			res.latency_ns = now_ns() - t0;
			r->fd_of[a] = -1;
			/* The fd is gone either way: the buffer no longer counts. */
			live_bytes -= res.bytes;
			live_count--;
			if (res.err)
				result.unexpected_failures++;
			else
				result.frees++;
			break;
		}
		case RH_REPLAY_OP_MARK:
			result.marks++;
			break;
		}
		/* This thread's simulated clock: the op and the TEE calls it blocked on. */
		res.sim_ns = rh_platform_sim_thread_time(plat) - sim0;
		res.expected = res.err == (ev->op == RH_REPLAY_OP_ALLOC ? ev->expect : 0);
		res.live_bytes = live_bytes;
		res.live_count = live_count;
		if (live_bytes > result.peak_bytes)
			result.peak_bytes = live_bytes;
		if (live_count > result.peak_count)
			result.peak_count = live_count;
		result.events++;
		if (opts->on_op)
			opts->on_op(opts->data, &res);
	}
	result.elapsed_ns = now_ns() - start;
	result.sim_ns = rh_platform_sim_thread_time(plat) - sim_start;

	for (i = 0; i < trace->nr; i++) {
		if (r->fd_of[i] >= 0) {
			rh_close(plat, r->fd_of[i]);
			result.leftover++;
		}
	}
	ret = 0;
err_close_heaps:
	for (h = 0; h < r->nr_heaps; h++)
		rh_close(plat, r->heaps[h].fd);
err_free_runner:
	rh_free(r->fd_of);
	rh_free(r->heap_of);
	rh_free(r);
	if (!ret)
		*ret_result = result;
	return ret;
}
