// SPDX-License-Identifier: MIT
/* Unit tests of the allocation-trace parser and runner (src/trace/trace-replay.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rheap/alloc.h>
#include <rheap/dma-buf.h>
#include <rheap/heaps/restricted-mtk.h>
#include <rheap/replay.h>
#include <rheap/uapi.h>

#include "rh-test.h"

#define HEADER "t_us,op,heap,size,id,attrs\n"

static struct rh_replay_trace *parse_ok(const char *text)
{
	struct rh_replay_trace *t = NULL;
	char err[256];
	int ret;

	ret = rh_replay_parse(text, strlen(text), &t, err, sizeof(err));
	if (ret)
		fail_msg("parse failed (%d): %s", ret, err);
	assert_non_null(t);
	return t;
}

/* ------------------------------------------------------------------ parser */

static void test_parse_fields(void **state)
{
	static const char text[] =
		"# T1-like\r\n"
		"\n"
		HEADER
		"0,A,restricted_mtk_cm,4194304,1.in0,role=bitstream\n"
		"# between rows\n"
		"5000,A,restricted_mtk_cma,12533760,1.fr0,role=frame sess=12 future=yes\r\n"
		"10000000,M,,,seek,sess=1\n"
		"20000000,F,restricted_mtk_cma,,1.fr0,\n"
		"20000050,F,,4194304,1.in0,\n"
		"20000060,A,restricted_mtk_cma,1,big,expect=ENOMEM\n"
		"20000070,A,restricted_mtk_cma,1,big2,expect=EINVAL role=x";
	struct rh_replay_trace *t = parse_ok(text);
	const struct rh_replay_event *e;

	(void)state;
	assert_int_equal(rh_replay_trace_count(t), 7);

	e = rh_replay_trace_event(t, 0);
	assert_int_equal(e->op, RH_REPLAY_OP_ALLOC);
	assert_int_equal(e->line, 4);
	assert_int_equal(e->t_us, 0);
	assert_string_equal(e->heap, "restricted_mtk_cm");
	assert_int_equal(e->size, 4194304);
	assert_string_equal(e->id, "1.in0");
	assert_string_equal(e->role, "bitstream");
	assert_int_equal(e->sess, 0);
	assert_int_equal(e->expect, 0);
	assert_string_equal(e->attrs, "role=bitstream");
	assert_int_equal(e->alloc_index, 0);

	e = rh_replay_trace_event(t, 1);
	assert_int_equal(e->line, 6);
	assert_string_equal(e->role, "frame");
	assert_int_equal(e->sess, 12);
	/* Unknown keys stay in the raw text. */
	assert_string_equal(e->attrs, "role=frame sess=12 future=yes");

	e = rh_replay_trace_event(t, 2);
	assert_int_equal(e->op, RH_REPLAY_OP_MARK);
	assert_string_equal(e->id, "seek");
	assert_string_equal(e->heap, "");
	assert_int_equal(e->size, 0);
	assert_int_equal(e->sess, 1);
	assert_int_equal(e->t_us, 10000000);

	e = rh_replay_trace_event(t, 3);
	assert_int_equal(e->op, RH_REPLAY_OP_FREE);
	assert_int_equal(e->alloc_index, 1);
	assert_int_equal(e->size, 12533760);
	assert_string_equal(e->attrs, "");
	assert_string_equal(e->role, "");

	/* F with an empty heap gets the allocation's heap. */
	e = rh_replay_trace_event(t, 4);
	assert_string_equal(e->heap, "restricted_mtk_cm");
	assert_int_equal(e->alloc_index, 0);

	e = rh_replay_trace_event(t, 5);
	assert_int_equal(e->expect, -ENOMEM);
	assert_int_equal(e->line, 10);

	/* Last line without a newline; any allocation errno can be expected. */

	e = rh_replay_trace_event(t, 6);
	assert_int_equal(e->expect, -EINVAL);
	assert_string_equal(e->role, "x");
	assert_int_equal(e->line, 11);

	assert_null(rh_replay_trace_event(t, 7));
	assert_null(rh_replay_trace_event(NULL, 0));
	assert_int_equal(rh_replay_trace_count(NULL), 0);
	rh_replay_trace_free(t);
	rh_replay_trace_free(NULL);
}

static void test_parse_reuse_id(void **state)
{
	/* An id may come back once freed. */
	struct rh_replay_trace *t = parse_ok(HEADER "0,A,system,1,a,\n1,F,,,a,\n2,A,system,2,a,\n"
					     "3,F,,,a,\n");

	(void)state;
	assert_int_equal(rh_replay_trace_event(t, 3)->alloc_index, 2);
	assert_int_equal(rh_replay_trace_event(t, 3)->size, 2);
	rh_replay_trace_free(t);
}

static void test_parse_header_only(void **state)
{
	struct rh_replay_trace *t = parse_ok("# nothing yet\n" HEADER);

	(void)state;
	assert_int_equal(rh_replay_trace_count(t), 0);
	rh_replay_trace_free(t);
}

struct bad_case {
	const char *text;
	const char *msg; /* must appear in the error line */
};

static const struct bad_case bad_cases[] = {
	{ "", "line 1: no header" },
	{ "# only a comment\n", "line 1: no header" },
	{ "0,A,system,4096,a,\n", "line 1: expected the header" },
	{ "t_us,op,heap,size,id\n", "line 1: expected the header" },
	{ HEADER "0,A,system,4096,a\n", "line 2: 5 fields instead of 6" },
	{ HEADER "0\n", "line 2: 1 field instead of 6" },
	{ HEADER "0,A,system,4096,a,,\n", "line 2: more than 6 fields" },
	{ HEADER "0,A,\"system\",4096,a,\n", "line 2: quoted fields" },
	{ HEADER ",A,system,4096,a,\n", "line 2: t_us '' is not" },
	{ HEADER "-1,A,system,4096,a,\n", "line 2: t_us '-1'" },
	{ HEADER "0x10,A,system,4096,a,\n", "line 2: t_us '0x10'" },
	{ HEADER "99999999999999999999,A,system,4096,a,\n",
	  "line 2: t_us 99999999999999999999 is later than 9223372036854775, the last" },
	/* t_us * 1000 would not fit the nanoseconds of a timed replay. */
	{ HEADER "9223372036854776,A,system,4096,a,\n", "line 2: t_us 9223372036854776 is later" },
	{ HEADER "18446744073709551615,A,system,4096,a,\n", "line 2: t_us 18446744073709551615" },
	{ HEADER "0,M,,,m,\n9223372036854775,M,,,n,\n9223372036854776,M,,,o,\n",
	  "line 4: t_us 9223372036854776 is later" },
	{ HEADER "5,A,system,4096,a,\n4,A,system,4096,b,\n", "line 3: t_us 4 goes back in time" },
	{ HEADER "0,a,system,4096,a,\n", "line 2: op 'a' is not A, F or M" },
	{ HEADER "0,AF,system,4096,a,\n", "line 2: op 'AF'" },
	{ HEADER "0,,system,4096,a,\n", "line 2: op ''" },
	{ HEADER "0,A,system,4096,,\n", "line 2: id '' is not" },
	{ HEADER "0,A,system,4096,a/b,\n", "line 2: id 'a/b'" },
	{ HEADER "0,A,system,4096,a b,\n", "line 2: id 'a b'" },
	{ HEADER "0,A,,4096,a,\n", "line 2: A needs a heap name" },
	{ HEADER "0,A,dev/x,4096,a,\n", "line 2: A needs a heap name (got 'dev/x')" },
	{ HEADER "0,A,sys tem,4096,a,\n", "line 2: A needs a heap name" },
	{ HEADER "0,A,system,,a,\n", "line 2: size '' is not" },
	{ HEADER "0,A,system,0,a,\n", "line 2: size '0'" },
	{ HEADER "0,A,system,4K,a,\n", "line 2: size '4K'" },
	{ HEADER "0,A,system,+4,a,\n", "line 2: size '+4'" },
	{ HEADER "0,A,system,18446744073709551615,a,\n", "cannot be page aligned" },
	{ HEADER "0,A,system,18446744073709551616,a,\n", "line 2: size '1844" },
	{ HEADER "0,A,system,1,a,\n1,A,system,1,a,\n", "line 3: id 'a' is already live (allocated on line 2)" },
	{ HEADER "0,F,,,a,\n", "line 2: F of unknown id 'a'" },
	{ HEADER "0,A,system,1,a,\n1,F,,,a,\n2,F,,,a,\n", "line 4: F of unknown id 'a'" },
	{ HEADER "0,A,system,1,a,\n1,F,other,,a,\n", "line 3: F of 'a' names heap 'other' but it was allocated from system on line 2" },
	{ HEADER "0,A,system,1,a,\n1,F,,2,a,\n", "line 3: F of 'a' gives size '2' but 1 was allocated" },
	{ HEADER "0,A,system,1,a,\n1,F,,x,a,\n", "line 3: F of 'a' gives size 'x'" },
	{ HEADER "0,M,system,,seek,\n", "line 2: M takes no heap and no size" },
	{ HEADER "0,M,,1,seek,\n", "line 2: M takes no heap and no size" },
	{ HEADER "0,A,system,1,a,role\n", "line 2: attribute 'role' is not key=value" },
	{ HEADER "0,A,system,1,a,role=\n", "line 2: attribute 'role=' is not key=value" },
	{ HEADER "0,A,system,1,a,=x\n", "line 2: attribute '=x'" },
	{ HEADER "0,A,system,1,a,k!=x\n", "line 2: attribute 'k!=x'" },
	{ HEADER "0,A,system,1,a,role=x role=y\n", "line 2: role= given twice" },
	{ HEADER "0,A,system,1,a,role=abcdefghijabcdefghijabcdefghijabc\n", "longer than 32 characters" },
	{ HEADER "0,A,system,1,a,sess=x\n", "line 2: sess 'x'" },
	{ HEADER "0,A,system,1,a,sess=4294967296\n", "line 2: sess '4294967296'" },
	{ HEADER "0,A,system,1,a,sess=1 sess=2\n", "line 2: sess= given twice" },
	{ HEADER "0,A,system,1,a,expect=EAGAIN\n", "line 2: expect 'EAGAIN' is not an errno" },
	{ HEADER "0,A,system,1,a,expect=enomem\n", "line 2: expect 'enomem' is not an errno" },
	{ HEADER "0,A,system,1,a,expect=ENOMEM expect=ENOMEM\n", "line 2: expect= given twice" },
	{ HEADER "0,A,system,1,a,\n1,F,,,a,expect=ENOMEM\n", "line 3: expect= applies to A rows only" },
	/* Any key, known or not, appears once a row; the first repeat is named. */
	{ HEADER "0,A,system,4096,a,foo=1 foo=2\n", "line 2: foo= given twice" },
	{ HEADER "0,A,system,4096,a,foo=1 foo=1\n", "line 2: foo= given twice" },
	{ HEADER "0,A,system,1,a,b=1 a=1 a=2 b=2\n", "line 2: a= given twice" },
	{ HEADER "0,A,system,1,a,b=1 a=1 b=2 a=2\n", "line 2: b= given twice" },
	{ HEADER "0,A,system,1,a,role=x k=1 sess=2 k=2 k=3\n", "line 2: k= given twice" },
	{ HEADER "# c\n0,A,system,1,a,\n1,M,,,m,x-y=1 x_y=1 x-y=2\n", "line 4: x-y= given twice" },
	{ HEADER "0,A,system,1,a,\n1,F,,,a,k=1  k=2\r\n", "line 3: k= given twice" },
	/* A second role= is refused before its value is stored. */
	{ HEADER "0,A,system,1,a,role=x ROLE=y role=y\n", "line 2: role= given twice" },
	{ HEADER "0,M,,,seek,expect=ENOMEM\n", "line 2: expect= applies to A rows only" },
};

static void test_parse_errors(void **state)
{
	struct rh_replay_trace *t = (void *)0x1;
	char err[256];
	size_t i;
	int ret;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		memset(err, 'x', sizeof(err));
		ret = rh_replay_parse(c->text, strlen(c->text), &t, err, sizeof(err));
		if (ret != -EINVAL || !strstr(err, c->msg))
			fail_msg("case %zu: %d '%s', expected '%s'", i, ret, err, c->msg);
		/* Nothing written on failure. */
		assert_ptr_equal(t, (void *)0x1);
		/* Without an error buffer the result is the same. */
		assert_neg_errno(rh_replay_parse(c->text, strlen(c->text), &t, NULL, 0), EINVAL);
	}
}

/* Keys differ by case and by length; only the same key twice is refused. */
static void test_parse_attr_keys_distinct(void **state)
{
	struct rh_replay_trace *t = parse_ok(HEADER "0,A,system,1,a,Foo=1 foo=2 fo=3 foo2=4 "
						    "f=5 role=x Role=y\n");
	const struct rh_replay_event *e = rh_replay_trace_event(t, 0);

	(void)state;
	assert_string_equal(e->role, "x");
	assert_string_equal(e->attrs, "Foo=1 foo=2 fo=3 foo2=4 f=5 role=x Role=y");
	rh_replay_trace_free(t);
	/* Each row has its own keys. */
	t = parse_ok(HEADER "0,A,system,1,a,k=1\n1,A,system,1,b,k=1\n2,M,,,m,k=2\n");
	assert_int_equal(rh_replay_trace_count(t), 3);
	rh_replay_trace_free(t);
}

/*
 * Rows of many pairs: the densest row ("k=1 k=1 ...") fills the key array
 * to its bound; thousands of distinct keys pass, one repeat among them is
 * found wherever it is.
 */
static void test_parse_attr_keys_many(void **state)
{
	const size_t nkeys = 20000;
	size_t cap = strlen(HEADER) + 32 + nkeys * 12, len, i;
	struct rh_replay_trace *t = NULL;
	char *text = malloc(cap), err[256];

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, HEADER "0,A,system,1,a,");
	for (i = 0; i < nkeys; i++)
		len += (size_t)snprintf(text + len, cap - len, "%sk=1", i ? " " : "");
	assert_neg_errno(rh_replay_parse(text, len, &t, err, sizeof(err)), EINVAL);
	assert_string_equal(err, "line 2: k= given twice");

	len = (size_t)snprintf(text, cap, HEADER "0,A,system,1,a,");
	for (i = 0; i < nkeys; i++)
		len += (size_t)snprintf(text + len, cap - len, "%sk%zu=1", i ? " " : "", i);
	t = parse_ok(text);
	assert_int_equal(strlen(rh_replay_trace_event(t, 0)->attrs),
			 len - strlen(HEADER "0,A,system,1,a,"));
	rh_replay_trace_free(t);
	t = NULL;

	/* A repeat of a key from the middle of the row, at its end. */
	len += (size_t)snprintf(text + len, cap - len, " k12345=2 k7=2");
	assert_neg_errno(rh_replay_parse(text, len, &t, err, sizeof(err)), EINVAL);
	assert_string_equal(err, "line 2: k12345= given twice");
	assert_null(t);
	free(text);
}

/* The latest t_us a timed replay can wait for is a valid time. */
static void test_parse_max_t_us(void **state)
{
	char text[256];
	struct rh_replay_trace *t;

	(void)state;
	assert_true(RH_REPLAY_MAX_T_US <= UINT64_MAX / 1000);
	assert_true((uint64_t)RH_REPLAY_MAX_T_US * 1000 <= (uint64_t)INT64_MAX);
	assert_true(((uint64_t)RH_REPLAY_MAX_T_US + 1) * 1000 > (uint64_t)INT64_MAX);
	snprintf(text, sizeof(text), HEADER "0,A,system,1,a,\n%llu,F,,,a,\n",
		 (unsigned long long)RH_REPLAY_MAX_T_US);
	t = parse_ok(text);
	assert_int_equal(rh_replay_trace_event(t, 1)->t_us, RH_REPLAY_MAX_T_US);
	rh_replay_trace_free(t);
}

static void test_parse_id_and_heap_limits(void **state)
{
	char text[512], id[RH_REPLAY_ID_MAX + 2], heap[70], err[256];
	struct rh_replay_trace *t;

	(void)state;
	memset(id, 'i', RH_REPLAY_ID_MAX);
	id[RH_REPLAY_ID_MAX] = '\0';
	snprintf(text, sizeof(text), HEADER "0,A,system,1,%s,\n", id);
	t = parse_ok(text);
	assert_string_equal(rh_replay_trace_event(t, 0)->id, id);
	rh_replay_trace_free(t);
	strcat(id, "i");
	snprintf(text, sizeof(text), HEADER "0,A,system,1,%s,\n", id);
	assert_neg_errno(rh_replay_parse(text, strlen(text), &t, err, sizeof(err)), EINVAL);

	/* Heap names as the registry takes them: shorter than 64 bytes. */
	memset(heap, 'h', 63);
	heap[63] = '\0';
	snprintf(text, sizeof(text), HEADER "0,A,%s,1,a,\n", heap);
	t = parse_ok(text);
	rh_replay_trace_free(t);
	strcat(heap, "h");
	snprintf(text, sizeof(text), HEADER "0,A,%s,1,a,\n", heap);
	assert_neg_errno(rh_replay_parse(text, strlen(text), &t, err, sizeof(err)), EINVAL);
}

static void test_parse_bad_args(void **state)
{
	struct rh_replay_trace *t = NULL;
	char err[64] = "";
	static const char nul[] = HEADER "0,A,sys\0tem,1,a,\n";

	(void)state;
	assert_neg_errno(rh_replay_parse(NULL, 1, &t, err, sizeof(err)), EINVAL);
	assert_neg_errno(rh_replay_parse(HEADER, strlen(HEADER), NULL, err, sizeof(err)), EINVAL);
	/* NULL text of length 0 is an empty trace: no header. */
	assert_neg_errno(rh_replay_parse(NULL, 0, &t, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "no header"));
	assert_neg_errno(rh_replay_parse(nul, sizeof(nul) - 1, &t, err, sizeof(err)), EINVAL);
	assert_string_equal(err, "line 2: NUL byte in the text");
	/* A tiny error buffer is cut, never overrun. */
	assert_neg_errno(rh_replay_parse("x", 1, &t, err, 4), EINVAL);
	assert_int_equal(strlen(err), 3);
	assert_null(t);
}

static void test_parse_too_many_rows(void **state)
{
	size_t len = strlen(HEADER) + RH_REPLAY_MAX_LINES;
	struct rh_replay_trace *t = NULL;
	char *text = malloc(len);
	char err[128];

	(void)state;
	assert_non_null(text);
	memcpy(text, HEADER, strlen(HEADER));
	memset(text + strlen(HEADER), '\n', len - strlen(HEADER));
	assert_neg_errno(rh_replay_parse(text, len, &t, err, sizeof(err)), E2BIG);
	assert_null(t);
	/* One line fewer is fine (blank lines are skipped). */
	t = NULL;
	assert_int_equal(rh_replay_parse(text, len - 1, &t, err, sizeof(err)), 0);
	assert_int_equal(rh_replay_trace_count(t), 0);
	rh_replay_trace_free(t);
	free(text);
}

static int parse_op(void *arg)
{
	struct rh_replay_trace **t = arg;
	static const char text[] = HEADER "0,A,system,1,a,role=x sess=2\n1,M,,,m,\n"
					    "2,A,system,1,b,expect=ENOMEM\n3,F,,,a,\n";

	return rh_replay_parse(text, strlen(text), t, NULL, 0);
}

static void parse_undo(void *arg)
{
	struct rh_replay_trace **t = arg;

	assert_int_equal(rh_replay_trace_count(*t), 4);
	rh_replay_trace_free(*t);
	*t = NULL;
}

static void test_parse_fail_nth(void **state)
{
	struct rh_replay_trace *t = NULL;

	(void)state;
	assert_true(rh_test_fail_nth_sweep(parse_op, parse_undo, NULL, &t) >= 3);
}

static char *tmp_path(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "/tmp/rh-test-replay-%d-%s", (int)getpid(), name);
	return path;
}

static void test_parse_file(void **state)
{
	struct rh_replay_trace *t = NULL;
	char err[256], *path;
	FILE *f;
	int fd;

	(void)state;
	path = tmp_path("good.csv");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(HEADER "0,A,system,4096,a,\n1,F,,,a,\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rh_replay_parse_file(path, &t, err, sizeof(err)), 0);
	assert_int_equal(rh_replay_trace_count(t), 2);
	rh_replay_trace_free(t);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs(HEADER "0,F,,,a,\n", f);
	assert_int_equal(fclose(f), 0);
	t = NULL;
	assert_neg_errno(rh_replay_parse_file(path, &t, err, sizeof(err)), EINVAL);
	assert_string_equal(err, "line 2: F of unknown id 'a' (not allocated, or freed already)");
	assert_null(t);
	unlink(path);

	assert_neg_errno(rh_replay_parse_file(path, &t, err, sizeof(err)), ENOENT);
	assert_non_null(strstr(err, "cannot open"));
	assert_neg_errno(rh_replay_parse_file("/tmp", &t, err, sizeof(err)), EISDIR);
	assert_non_null(strstr(err, "not a regular file"));
	assert_neg_errno(rh_replay_parse_file(NULL, &t, err, sizeof(err)), EINVAL);
	assert_neg_errno(rh_replay_parse_file("/tmp", NULL, err, sizeof(err)), EINVAL);

	/* A sparse file over the limit is refused before it is read. */
	path = tmp_path("big.csv");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)RH_REPLAY_MAX_FILE_SIZE + 1), 0);
	close(fd);
	assert_neg_errno(rh_replay_parse_file(path, &t, err, sizeof(err)), EFBIG);
	unlink(path);
	assert_null(t);
}

/* ------------------------------------------------------------------ runner */

struct run_log {
	unsigned int calls;
	size_t last_index;
	struct rh_replay_op_result res[16];
};

static void log_op(void *data, const struct rh_replay_op_result *res)
{
	struct run_log *log = data;

	if (log->calls)
		assert_int_equal(res->index, log->last_index + 1);
	log->last_index = res->index;
	if (log->calls < 16)
		log->res[log->calls] = *res;
	log->calls++;
}

static void assert_clean(struct rh_platform *plat)
{
	struct rh_dma_buf_stats st;

	assert_int_equal(rh_dma_buf_get_stats(plat, &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(rh_fd_count(plat), 3);
}

static void test_run(void **state)
{
	/* The chunk is 384 MiB: b cannot fit next to a. c is never freed. */
	static const char text[] =
		HEADER
		"0,A,restricted_mtk_cm,314572800,a,\n"
		"1,A,restricted_mtk_cm,314572800,b,expect=ENOMEM\n"
		"2,A,system,5000,c,role=ui\n"
		"3,M,,,seek,\n"
		"4,F,,,b,\n"
		"5,F,,,a,\n"
		"6,A,restricted_mtk_cma,4096,d,expect=ENOMEM\n"
		"7,F,,,d,\n";
	struct rh_replay_options opts = { 0 };
	struct rh_replay_trace *t = parse_ok(text);
	struct rh_replay_result res;
	struct rh_platform *plat;
	struct run_log log = { 0 };

	(void)state;
	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	opts.on_op = log_op;
	opts.data = &log;
	assert_int_equal(rh_replay_run(plat, t, &opts, &res), 0);
	assert_int_equal(log.calls, 8);
	assert_int_equal(res.events, 8);
	assert_int_equal(res.allocs, 4);
	assert_int_equal(res.alloc_ok, 3);
	assert_int_equal(res.frees, 2);
	assert_int_equal(res.frees_skipped, 1);
	assert_int_equal(res.marks, 1);
	assert_int_equal(res.expected_failures, 1);
	assert_int_equal(res.unexpected_failures, 0);
	assert_int_equal(res.unexpected_successes, 1);
	assert_int_equal(res.leftover, 1);
	assert_int_equal(res.peak_count, 2);
	assert_int_equal(res.peak_bytes, 314572800 + 8192);

	/* a: allocated, with its latency and the live totals. */
	assert_int_equal(log.res[0].err, 0);
	assert_true(log.res[0].expected);
	assert_true(log.res[0].latency_ns > 0);
	assert_int_equal(log.res[0].bytes, 314572800);
	assert_int_equal(log.res[0].live_count, 1);
	assert_string_equal(log.res[0].heap, "restricted_mtk_cm");
	/* b: the expected ENOMEM. */
	assert_int_equal(log.res[1].err, -ENOMEM);
	assert_true(log.res[1].expected);
	assert_int_equal(log.res[1].live_count, 1);
	/* c: page-rounded. */
	assert_int_equal(log.res[2].bytes, 8192);
	/* the marker */
	assert_int_equal(log.res[3].err, 0);
	assert_string_equal(log.res[3].heap, "");
	assert_int_equal(log.res[3].latency_ns, 0);
	/* F of b: skipped, nothing to free. */
	assert_true(log.res[4].skipped);
	assert_int_equal(log.res[4].latency_ns, 0);
	/* F of a */
	assert_int_equal(log.res[5].err, 0);
	assert_int_equal(log.res[5].live_bytes, 8192);
	/* d was expected to fail but fit: an unexpected success. */
	assert_int_equal(log.res[6].err, 0);
	assert_false(log.res[6].expected);
	assert_int_equal(log.res[7].live_count, 1);

	assert_clean(plat);
	rh_replay_trace_free(t);
	rh_platform_unref(plat);
}

static void test_run_unexpected(void **state)
{
	/* Over the CMA region's size: a failure the trace does not expect. */
	static const char text[] = HEADER "0,A,restricted_mtk_cma,4096,a,\n"
					  "1,A,restricted_mtk_cma,1073741824,b,expect=ENOMEM\n"
					  "2,A,restricted_mtk_cma,1073741824,c,\n"
					  "3,F,,,a,\n4,F,,,b,\n5,F,,,c,\n";
	struct rh_replay_trace *t = parse_ok(text);
	struct rh_replay_result res;
	struct rh_platform *plat;
	struct run_log log = { 0 };
	struct rh_replay_options opts = { .on_op = log_op, .data = &log };

	(void)state;
	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	assert_int_equal(rh_replay_run(plat, t, &opts, &res), 0);
	/* b fails, but not with the ENOMEM it expects: that counts as unexpected. */
	assert_int_not_equal(log.res[1].err, 0);
	assert_int_equal(log.res[1].expected, log.res[1].err == -ENOMEM);
	assert_int_not_equal(log.res[2].err, 0);
	assert_false(log.res[2].expected);
	assert_int_equal(res.unexpected_failures + res.expected_failures, 2);
	assert_true(res.unexpected_failures >= 1);
	assert_int_equal(res.frees_skipped, 2);
	assert_int_equal(res.leftover, 0);
	assert_clean(plat);
	rh_replay_trace_free(t);
	rh_platform_unref(plat);
}

static const char *to_system(void *data, const struct rh_replay_event *ev)
{
	(void)data;
	return !strcmp(ev->role, "ui") ? "system" : NULL;
}

static void test_run_map_heap_and_timed(void **state)
{
	static const char text[] = HEADER "0,A,nosuchheap,4096,a,role=ui\n"
					  "2000,A,system,4096,b,\n"
					  "3000,F,nosuchheap,,a,\n4000,F,,,b,\n";
	struct rh_replay_trace *t = parse_ok(text);
	struct rh_replay_options opts = { .timed = true, .map_heap = to_system,
					  .on_op = log_op };
	struct rh_replay_result res;
	struct rh_platform *plat;
	struct run_log log = { 0 };

	(void)state;
	opts.data = &log;
	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	assert_int_equal(rh_replay_run(plat, t, &opts, &res), 0);
	assert_string_equal(log.res[0].heap, "system");
	assert_string_equal(log.res[2].heap, "system");
	assert_int_equal(res.alloc_ok, 2);
	assert_int_equal(res.frees, 2);
	assert_true(res.elapsed_ns >= 4000 * 1000);
	assert_clean(plat);
	rh_replay_trace_free(t);
	rh_platform_unref(plat);
}

static void test_run_missing_heap(void **state)
{
	static const char text[] = HEADER "0,A,system,4096,a,\n1,A,nosuchheap,4096,b,\n";
	struct rh_replay_trace *t = parse_ok(text);
	struct rh_replay_result res = { .events = 77 };
	struct rh_replay_options opts = { 0 };
	struct rh_platform *plat;
	struct run_log log = { 0 };
	char err[128];

	(void)state;
	opts.on_op = log_op;
	opts.data = &log;
	opts.errbuf = err;
	opts.errlen = sizeof(err);
	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	assert_neg_errno(rh_replay_run(plat, t, &opts, &res), ENOENT);
	assert_string_equal(err, "line 3: cannot open heap nosuchheap: No such file or directory");
	/* Checked before anything ran; the result is untouched. */
	assert_int_equal(log.calls, 0);
	assert_int_equal(res.events, 77);
	assert_clean(plat);

	assert_neg_errno(rh_replay_run(NULL, t, NULL, &res), EINVAL);
	assert_neg_errno(rh_replay_run(plat, NULL, NULL, &res), EINVAL);
	assert_neg_errno(rh_replay_run(plat, t, NULL, NULL), EINVAL);
	rh_replay_trace_free(t);
	rh_platform_unref(plat);
}

static void test_run_empty(void **state)
{
	struct rh_replay_trace *t = parse_ok(HEADER);
	struct rh_replay_result res;
	struct rh_platform *plat;

	(void)state;
	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	assert_int_equal(rh_replay_run(plat, t, NULL, &res), 0);
	assert_int_equal(res.events, 0);
	assert_int_equal(res.peak_bytes, 0);
	assert_clean(plat);
	rh_replay_trace_free(t);
	rh_platform_unref(plat);
}

struct run_arg {
	struct rh_platform *plat;
	struct rh_replay_trace *t;
	struct rh_replay_result res;
};

static int run_op(void *arg)
{
	struct run_arg *a = arg;

	return rh_replay_run(a->plat, a->t, NULL, &a->res);
}

static void run_check_clean(void *arg)
{
	assert_clean(((struct run_arg *)arg)->plat);
}

static void test_run_fail_nth(void **state)
{
	static const char text[] = HEADER "0,A,system,4096,a,\n1,A,restricted_mtk_cm,4096,b,\n"
					  "2,F,,,a,\n3,F,,,b,\n";
	struct run_arg a = { 0 };

	(void)state;
	a.t = parse_ok(text);
	assert_int_equal(rh_platform_new(NULL, &a.plat), 0);
	/*
	 * The runner's own allocations fail the run with -ENOMEM; one inside
	 * an allocation is an unexpected failure of that row (run returns 0).
	 * Either way no buffer or fd is left behind.
	 */
	assert_true(rh_test_fail_nth_sweep(run_op, NULL, run_check_clean, &a) >= 3);
	assert_int_equal(a.res.unexpected_failures, 0);
	rh_replay_trace_free(a.t);
	rh_platform_unref(a.plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_reuse_id),
		cmocka_unit_test(test_parse_header_only),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_attr_keys_distinct),
		cmocka_unit_test(test_parse_attr_keys_many),
		cmocka_unit_test(test_parse_max_t_us),
		cmocka_unit_test(test_parse_id_and_heap_limits),
		cmocka_unit_test(test_parse_bad_args),
		cmocka_unit_test(test_parse_too_many_rows),
		cmocka_unit_test(test_parse_fail_nth),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_run_unexpected),
		cmocka_unit_test(test_run_map_heap_and_timed),
		cmocka_unit_test(test_run_missing_heap),
		cmocka_unit_test(test_run_empty),
		cmocka_unit_test(test_run_fail_nth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
