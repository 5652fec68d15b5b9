// SPDX-License-Identifier: MIT
/* libFuzzer target: the allocation-trace CSV parser (rh_replay_parse) and an untimed replay of what it accepts. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/dma-heap.h>
#include <rheap/replay.h>

#include "fuzz-common.h"

/*
 * An input is the text of a trace file (replay.h). rh_replay_parse() must
 * return 0, -EINVAL with one line "line N: ..." naming a line of the text,
 * -E2BIG or -ENOMEM. A parsed trace is checked against the format on its
 * own terms (computed here from the events, not from the parser's state):
 *
 * - one event per row: the lines that are not blank, not comments and not
 *   the header, in order, each event naming its line;
 * - t_us never decreasing, at most RH_REPLAY_MAX_T_US; ids, heap names and
 *   roles of the allowed characters and lengths; A with a size of at least
 *   1 that page-aligns; M with neither heap nor size; expect= on A only;
 * - every F frees the live allocation of its id, with its heap and size,
 *   which is then no longer live; an A's id is not live;
 * - no attribute key twice in a row.
 *
 * Then the trace runs, untimed, on the small fuzzing platform (created once,
 * reused): a heap name the platform does not have is mapped onto one it has,
 * so most traces allocate. The totals must match the events, and the
 * platform must be back where it started.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TARGET "trace-csv"
#define HEADER "t_us,op,heap,size,id,attrs"
#define MAX_HEAPS 8
/* Keeps a run short: an input's events beyond this are only parsed. */
#define MAX_RUN_EVENTS 512

static struct {
	struct rh_platform *plat;
	const char *heaps[MAX_HEAPS];
	unsigned int nr_heaps;
} H;

static void must(bool ok, const char *what)
{
	if (!ok)
		fuzz_fail(TARGET, what);
}

static bool all_of(const char *s, const char *extra, bool alnum)
{
	for (; *s; s++) {
		bool ok = (alnum && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
				     (*s >= '0' && *s <= '9'))) ||
			  strchr(extra, *s);

		if (!ok)
			return false;
	}
	return true;
}

/* The row lines of @text (1-based), as the format defines them. */
static size_t row_lines(const char *text, size_t len, unsigned int *lines, size_t max)
{
	size_t pos = 0, n = 0;
	unsigned int line = 0;
	bool header = false;

	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - s) : len - pos;

		pos += l + (nl ? 1 : 0);
		line++;
		if (l && s[l - 1] == '\r')
			l--;
		if (!l || s[0] == '#')
			continue;
		if (!header) {
			header = true;
			continue;
		}
		if (n < max)
			lines[n] = line;
		n++;
	}
	return n;
}

/* The pair at or after @s (NULL at the end of @s); *@ret_end is just past it. */
static const char *next_pair(const char *s, const char **ret_end)
{
	while (*s == ' ')
		s++;
	*ret_end = s + strcspn(s, " ");
	return *s ? s : NULL;
}

/* A key twice among the space-separated pairs of @attrs. */
static bool repeated_key(const char *attrs)
{
	const char *a, *b, *ea, *eb;

	for (a = next_pair(attrs, &ea); a; a = next_pair(ea, &ea))
		for (b = next_pair(ea, &eb); b; b = next_pair(eb, &eb))
			if (strcspn(a, "=") == strcspn(b, "=") && !memcmp(a, b, strcspn(a, "=")))
				return true;
	return false;
}

static void check_trace(const struct rh_replay_trace *t, const char *text, size_t len)
{
	size_t n = rh_replay_trace_count(t), i, j;
	unsigned int *lines = calloc(n ? n : 1, sizeof(*lines));
	uint64_t prev_t = 0;

	must(lines != NULL, "out of memory");
	must(row_lines(text, len, lines, n) == n, "not one event per row");
	for (i = 0; i < n; i++) {
		const struct rh_replay_event *e = rh_replay_trace_event(t, i);
		size_t idlen;

		must(e && e->line == lines[i], "an event names another line than its row");
		must(e->t_us >= prev_t && e->t_us <= RH_REPLAY_MAX_T_US, "t_us out of order or range");
		prev_t = e->t_us;
		idlen = strlen(e->id);
		must(idlen >= 1 && idlen <= RH_REPLAY_ID_MAX && all_of(e->id, "._-", true),
		     "bad id accepted");
		must(strlen(e->role) <= RH_REPLAY_ROLE_MAX, "role too long");
		must(!repeated_key(e->attrs), "an attribute key given twice was accepted");
		must(!e->expect || e->op == RH_REPLAY_OP_ALLOC, "expect= on a row other than A");
		switch (e->op) {
		case RH_REPLAY_OP_ALLOC:
			must(e->alloc_index == i, "A is not its own allocation");
			must(e->size >= 1 && e->size <= UINT64_MAX - (RH_PAGE_SIZE - 1),
			     "A of a size that cannot be page aligned");
			must(e->heap[0] && strlen(e->heap) < RH_DMA_HEAP_NAME_LEN &&
			     !strchr(e->heap, '/'), "A with a bad heap name");
			/* Not live: no earlier A of the id without an F after it. */
			for (j = i; j-- > 0;) {
				const struct rh_replay_event *p = rh_replay_trace_event(t, j);

				if (p->op == RH_REPLAY_OP_MARK || strcmp(p->id, e->id))
					continue;
				must(p->op == RH_REPLAY_OP_FREE, "A of a live id");
				break;
			}
			break;
		case RH_REPLAY_OP_FREE: {
			const struct rh_replay_event *a;

			must(e->alloc_index < i, "F before its allocation");
			a = rh_replay_trace_event(t, e->alloc_index);
			must(a->op == RH_REPLAY_OP_ALLOC && !strcmp(a->id, e->id) &&
			     !strcmp(a->heap, e->heap) && a->size == e->size,
			     "F does not match its allocation");
			/* Live: no event on the id in between. */
			for (j = e->alloc_index + 1; j < i; j++) {
				const struct rh_replay_event *p = rh_replay_trace_event(t, j);

				must(p->op == RH_REPLAY_OP_MARK || strcmp(p->id, e->id),
				     "F of an id that was not live");
			}
			break;
		}
		case RH_REPLAY_OP_MARK:
			must(!e->heap[0] && !e->size && e->alloc_index == i, "M with heap or size");
			break;
		default:
			fuzz_fail(TARGET, "unknown op");
		}
	}
	must(!rh_replay_trace_event(t, n), "an event past the count");
	free(lines);
}

/* ------------------------------------------------------------ the run */

struct run_check {
	uint64_t calls;
	uint64_t live;
};

static const char *map_heap(void *data, const struct rh_replay_event *ev)
{
	uint32_t h = 2166136261u;
	unsigned int i;
	const char *s;

	for (i = 0; i < H.nr_heaps; i++)
		if (!strcmp(H.heaps[i], ev->heap))
			return NULL;
	for (s = ev->heap; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return H.heaps[h % H.nr_heaps];
}

static void on_op(void *data, const struct rh_replay_op_result *res)
{
	struct run_check *rc = data;

	must(res->index == rc->calls, "events reported out of order");
	rc->calls++;
	must(res->err <= 0 && res->err >= -4095, "an operation returned no errno");
	must(res->ev->op != RH_REPLAY_OP_ALLOC || res->bytes == RH_PAGE_ALIGN(res->ev->size),
	     "bytes is not the page-aligned size");
	if (res->ev->op == RH_REPLAY_OP_ALLOC && !res->err)
		rc->live++;
	if (res->ev->op == RH_REPLAY_OP_FREE && !res->skipped)
		rc->live--;
	must(res->live_count == rc->live, "live count differs from the operations");
	must(res->expected == (res->err == (res->ev->op == RH_REPLAY_OP_ALLOC ?
					    res->ev->expect : 0)),
	     "expected flag wrong");
}

static void run_trace(const struct rh_replay_trace *t)
{
	struct run_check rc = { 0 };
	struct rh_replay_options opts = { .map_heap = map_heap, .on_op = on_op, .data = &rc };
	struct rh_replay_result res;
	uint64_t a = 0, f = 0, m = 0;
	size_t i, n = rh_replay_trace_count(t);
	int ret;

	if (n > MAX_RUN_EVENTS)
		return;
	for (i = 0; i < n; i++) {
		enum rh_replay_op op = rh_replay_trace_event(t, i)->op;

		a += op == RH_REPLAY_OP_ALLOC;
		f += op == RH_REPLAY_OP_FREE;
		m += op == RH_REPLAY_OP_MARK;
	}
	ret = rh_replay_run(H.plat, t, &opts, &res);
	must(ret == 0 || ret == -ENOMEM, "replay of a parsed trace failed");
	if (!ret) {
		must(res.events == n && rc.calls == n && res.allocs == a && res.marks == m,
		     "totals differ from the events");
		must(res.alloc_ok + res.expected_failures <= a &&
		     res.frees + res.frees_skipped <= f &&
		     res.leftover == res.alloc_ok - res.frees,
		     "alloc and free totals inconsistent");
		must(res.unexpected_successes <= res.alloc_ok && res.peak_count <= res.alloc_ok,
		     "peak or success counts inconsistent");
	}
	fuzz_check_clean(TARGET, H.plat);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rh_replay_trace *t = NULL;
	char err[256];
	int ret, n;

	if (!H.plat) {
		H.plat = fuzz_platform_new(TARGET);
		n = rh_dma_heap_list(H.plat, H.heaps, MAX_HEAPS);
		must(n > 0, "no heap");
		H.nr_heaps = (unsigned int)(n < MAX_HEAPS ? n : MAX_HEAPS);
	}
	memset(err, 'x', sizeof(err));
	ret = rh_replay_parse((const char *)data, size, &t, err, sizeof(err));
	if (ret) {
		unsigned long line;
		char *end;

		must(t == NULL, "failed parse wrote the trace");
		must(ret == -EINVAL || ret == -E2BIG || ret == -ENOMEM, "unexpected errno");
		must(memchr(err, '\0', sizeof(err)) && err[0] && !strchr(err, '\n'),
		     "error is not one line");
		if (ret == -EINVAL) {
			must(!strncmp(err, "line ", 5), "error names no line");
			line = strtoul(err + 5, &end, 10);
			must(line >= 1 && !strncmp(end, ": ", 2), "error names no line");
			/* The line exists: at most one past the last newline. */
			n = 1;
			for (size_t i = 0; i < size; i++)
				n += data[i] == '\n';
			must(line <= (unsigned long)n, "error names a line past the text");
		}
		return 0;
	}
	must(t != NULL, "parse succeeded without a trace");
	check_trace(t, (const char *)data, size);
	run_trace(t);
	rh_replay_trace_free(t);
	return 0;
}
