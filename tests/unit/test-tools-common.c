// SPDX-License-Identifier: MIT
/* Unit tests of the CLI helpers: parsing, error lines, colour rule, progress bar, JSON writer. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/tools-common.h"

#include "json-check.h"
#include "rh-test.h"

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

static void mem_close(struct mem *m)
{
	assert_int_equal(fclose(m->f), 0);
}

/* ------------------------------------------------------------------ sizes */

static void test_parse_size_good(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
		{ "4096", 4096 }, { "1", 1 }, { "4K", 4096 }, { "4k", 4096 },
		{ "4KiB", 4096 }, { "4kib", 4096 }, { "4KIB", 4096 }, { "4kIb", 4096 },
		{ "2M", 2u << 20 }, { "2MiB", 2u << 20 }, { "1G", 1u << 30 },
		{ "1gib", 1u << 30 }, { "3T", 3ull << 40 }, { "0x1000", 4096 },
		{ "0X10k", 16384 }, { "007", 7 },
		{ "18446744073709551615", UINT64_MAX },
		{ "17179869183G", 17179869183ull << 30 },
		{ "12441600", 12441600 },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 0;
		assert_int_equal(tools_parse_size(good[i].s, 0, &v), 0);
		assert_true(v == good[i].v);
	}
	assert_int_equal(tools_parse_size("0", TOOLS_SIZE_ALLOW_ZERO, &v), 0);
	assert_true(v == 0);
	assert_int_equal(tools_parse_size("0K", TOOLS_SIZE_ALLOW_ZERO, &v), 0);
	assert_true(v == 0);
}

static void test_parse_size_bad(void **state)
{
	static const struct {
		const char *s;
		int err;
	} bad[] = {
		{ "", EINVAL }, { "-1", EINVAL }, { "+1", EINVAL }, { " 1", EINVAL },
		{ "1 ", EINVAL }, { "4 K", EINVAL }, { "4KB", EINVAL }, { "4Ki", EINVAL },
		{ "4KiBs", EINVAL }, { "4Q", EINVAL }, { "4P", EINVAL }, { "K", EINVAL },
		{ "0x", EINVAL }, { "0xG", EINVAL }, { "1.5M", EINVAL }, { "1e3", EINVAL },
		{ "four", EINVAL }, { "4\n", EINVAL }, { "99999999999999999999Q", EINVAL },
		{ "18446744073709551616", ERANGE }, { "99999999999999999999999K", ERANGE },
		{ "17179869184G", ERANGE }, { "16777216T", ERANGE },
		{ "0x10000000000000000", ERANGE }, { "0", ERANGE }, { "0K", ERANGE },
		{ "0x0", ERANGE },
	};
	uint64_t v = 42;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tools_parse_size(bad[i].s, 0, &v) != -bad[i].err)
			fail_msg("'%s': expected -%d", bad[i].s, bad[i].err);
		assert_true(v == 42); /* untouched */
	}
	assert_neg_errno(tools_parse_size(NULL, 0, &v), EINVAL);
	assert_neg_errno(tools_parse_size("4K", 0, NULL), EINVAL);
}

/* ------------------------------------------------------------------ integers */

static void test_parse_ints(void **state)
{
	unsigned int u = 9;
	long long ll = 9;
	uint64_t v = 9;

	assert_int_equal(tools_parse_uint("5", 1, 10, &u), 0);
	assert_int_equal(u, 5);
	assert_int_equal(tools_parse_uint("10", 1, 10, &u), 0);
	assert_int_equal(u, 10);
	assert_int_equal(tools_parse_uint("007", 0, 10, &u), 0);
	assert_int_equal(u, 7);
	u = 9;
	assert_neg_errno(tools_parse_uint("0", 1, 10, &u), ERANGE);
	assert_neg_errno(tools_parse_uint("11", 1, 10, &u), ERANGE);
	assert_neg_errno(tools_parse_uint("4294967296", 0, UINT_MAX, &u), ERANGE);
	assert_neg_errno(tools_parse_uint("-3", 0, 10, &u), EINVAL);
	assert_neg_errno(tools_parse_uint("", 0, 10, &u), EINVAL);
	assert_neg_errno(tools_parse_uint("3x", 0, 10, &u), EINVAL);
	assert_neg_errno(tools_parse_uint(NULL, 0, 10, &u), EINVAL);
	assert_neg_errno(tools_parse_uint("3", 0, 10, NULL), EINVAL);
	assert_int_equal(u, 9);

	assert_int_equal(tools_parse_u64("0x10", 0, 100, &v), 0);
	assert_true(v == 16);
	assert_int_equal(tools_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_neg_errno(tools_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), ERANGE);
	assert_neg_errno(tools_parse_u64("4K", 0, UINT64_MAX, &v), EINVAL);

	assert_int_equal(tools_parse_int("-3", -5, 5, &ll), 0);
	assert_int_equal(ll, -3);
	assert_int_equal(tools_parse_int("0", -5, 5, &ll), 0);
	assert_int_equal(ll, 0);
	assert_int_equal(tools_parse_int("-9223372036854775808", LLONG_MIN, LLONG_MAX, &ll), 0);
	assert_true(ll == LLONG_MIN);
	assert_int_equal(tools_parse_int("9223372036854775807", LLONG_MIN, LLONG_MAX, &ll), 0);
	assert_true(ll == LLONG_MAX);
	ll = 9;
	assert_neg_errno(tools_parse_int("-9223372036854775809", LLONG_MIN, LLONG_MAX, &ll),
			 ERANGE);
	assert_neg_errno(tools_parse_int("9223372036854775808", LLONG_MIN, LLONG_MAX, &ll),
			 ERANGE);
	assert_neg_errno(tools_parse_int("-6", -5, 5, &ll), ERANGE);
	assert_neg_errno(tools_parse_int("6", -5, 5, &ll), ERANGE);
	assert_neg_errno(tools_parse_int("--1", -5, 5, &ll), EINVAL);
	assert_neg_errno(tools_parse_int("-", -5, 5, &ll), EINVAL);
	assert_neg_errno(tools_parse_int("+1", -5, 5, &ll), EINVAL);
	assert_neg_errno(tools_parse_int("0x1", -5, 5, &ll), EINVAL);
	assert_neg_errno(tools_parse_int(" 1", -5, 5, &ll), EINVAL);
	assert_neg_errno(tools_parse_int("", -5, 5, &ll), EINVAL);
	assert_neg_errno(tools_parse_int(NULL, -5, 5, &ll), EINVAL);
	assert_int_equal(ll, 9);
}

static void test_parse_wxh(void **state)
{
	static const char *const einval[] = {
		"", "3840", "x2160", "3840x", "3840x2160x1", "a x b", "3840 x 2160",
		"-1x5", "3840x-5", "+1x1", "0x1000x1", "3840*2160", "3840x2160 ",
		"1.5x2", "3840xx2160",
	};
	static const char *const erange[] = {
		"0x720", "720x0", "65536x1", "1x65536", "99999999999999999999x1",
	};
	unsigned int w = 1, h = 1;
	size_t i;

	assert_int_equal(tools_parse_wxh("3840x2160", &w, &h), 0);
	assert_int_equal(w, 3840);
	assert_int_equal(h, 2160);
	assert_int_equal(tools_parse_wxh("7680X4320", &w, &h), 0);
	assert_int_equal(w, 7680);
	assert_int_equal(h, 4320);
	assert_int_equal(tools_parse_wxh("65535x1", &w, &h), 0);
	assert_int_equal(w, 65535);
	assert_int_equal(h, 1);

	w = h = 7;
	for (i = 0; i < sizeof(einval) / sizeof(einval[0]); i++)
		if (tools_parse_wxh(einval[i], &w, &h) != -EINVAL)
			fail_msg("'%s' should be -EINVAL", einval[i]);
	for (i = 0; i < sizeof(erange) / sizeof(erange[0]); i++)
		if (tools_parse_wxh(erange[i], &w, &h) != -ERANGE)
			fail_msg("'%s' should be -ERANGE", erange[i]);
	assert_neg_errno(tools_parse_wxh(NULL, &w, &h), EINVAL);
	assert_neg_errno(tools_parse_wxh("1x1", NULL, &h), EINVAL);
	assert_neg_errno(tools_parse_wxh("1x1", &w, NULL), EINVAL);
	assert_int_equal(w, 7);
	assert_int_equal(h, 7);
}

/* ------------------------------------------------------------------ errors */

static void test_error_lines(void **state)
{
	struct mem m;

	mem_open(&m);
	assert_int_equal(tools_usage_error(m.f, "rheap-sim", "alloc", "invalid size '%s'", "4Q"),
			 2);
	assert_int_equal(tools_usage_error(m.f, "rheap-sim", NULL, "unknown command '%s'", "x"),
			 TOOLS_EXIT_USAGE);
	assert_int_equal(tools_error(m.f, "rheap-bench", "replay", "cannot open %s: %s",
				     "t.csv", "No such file"), 1);
	/* a problem with newlines or escapes still makes exactly one line */
	assert_int_equal(tools_usage_error(m.f, "rheap-sim", "demo", "bad\nvalue\t\033[31m"), 2);
	mem_close(&m);
	assert_string_equal(m.buf,
			    "rheap-sim alloc: invalid size '4Q'\n"
			    "rheap-sim: unknown command 'x'\n"
			    "rheap-bench replay: cannot open t.csv: No such file\n"
			    "rheap-sim demo: bad value  [31m\n");
	free(m.buf);
}

/* ------------------------------------------------------------------ colour */

static void test_color_rule(void **state)
{
	struct mem m;
	int master, slave;
	FILE *tty;

	assert_true(tools_color_decide(true, false, "xterm-256color", NULL));
	assert_true(tools_color_decide(true, false, NULL, NULL));
	assert_true(tools_color_decide(true, false, "xterm", "")); /* empty NO_COLOR: unset */
	assert_false(tools_color_decide(false, false, "xterm", NULL));
	assert_false(tools_color_decide(true, true, "xterm", NULL));
	assert_false(tools_color_decide(true, false, "dumb", NULL));
	assert_false(tools_color_decide(true, false, "xterm", "1"));
	assert_false(tools_color_decide(true, false, "xterm", "0")); /* any value */

	/* not a terminal */
	mem_open(&m);
	assert_int_equal(setenv("TERM", "xterm", 1), 0);
	assert_int_equal(unsetenv("NO_COLOR"), 0);
	assert_false(tools_use_color(m.f, false));
	mem_close(&m);
	free(m.buf);
	assert_false(tools_use_color(NULL, false));

	/* a real pseudo-terminal */
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master)) {
		if (master >= 0)
			close(master);
		skip();
	}
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	tty = fdopen(slave, "w");
	assert_non_null(tty);
	assert_true(tools_use_color(tty, false));
	assert_false(tools_use_color(tty, true));
	assert_int_equal(setenv("NO_COLOR", "yes", 1), 0);
	assert_false(tools_use_color(tty, false));
	assert_int_equal(unsetenv("NO_COLOR"), 0);
	assert_int_equal(setenv("TERM", "dumb", 1), 0);
	assert_false(tools_use_color(tty, false));
	fclose(tty);
	close(master);
}

/* ------------------------------------------------------------------ progress */

static uint64_t fake_now;

static uint64_t fake_clock(void *data)
{
	return *(uint64_t *)data;
}

static void test_progress(void **state)
{
	struct tools_progress p;
	struct mem m;

	/* not a terminal: never drawn */
	mem_open(&m);
	tools_progress_init(&p, m.f, "replay", 100);
	assert_false(p.enabled);
	tools_progress_update(&p, 10);
	tools_progress_update(&p, 100);
	tools_progress_finish(&p);
	fflush(m.f);
	assert_int_equal(m.len, 0);
	assert_int_equal(p.draws, 0);
	mem_close(&m);
	free(m.buf);

	/* forced on with a fake clock */
	mem_open(&m);
	tools_progress_init(&p, m.f, "replay", 200);
	p.enabled = true;
	p.clock_ns = fake_clock;
	p.clock_data = &fake_now;
	fake_now = 1000;
	tools_progress_update(&p, 100);
	assert_int_equal(p.draws, 1); /* the first update draws at once */
	fflush(m.f);
	assert_non_null(strstr(m.buf, "\r\033[Kreplay [###############...............]  50% 100/200"));
	fake_now += TOOLS_PROGRESS_INTERVAL_NS - 1;
	tools_progress_update(&p, 150);
	assert_int_equal(p.draws, 1); /* rate-limited */
	fake_now += 1;
	tools_progress_update(&p, 160);
	assert_int_equal(p.draws, 2);
	fflush(m.f);
	assert_non_null(strstr(m.buf, " 80% 160/200"));
	fake_now += TOOLS_PROGRESS_INTERVAL_NS;
	tools_progress_update(&p, 999); /* clamped to the total */
	fflush(m.f);
	assert_non_null(strstr(m.buf, "[##############################] 100% 200/200"));
	tools_progress_finish(&p);
	fflush(m.f);
	assert_int_equal(strcmp(m.buf + m.len - 4, "\r\033[K"), 0);
	assert_false(p.drawn);
	tools_progress_finish(&p); /* idempotent */
	fflush(m.f);
	assert_int_equal(strcmp(m.buf + m.len - 4, "\r\033[K"), 0);
	assert_false(strstr(m.buf, "\n") != NULL); /* never a newline on the terminal */
	mem_close(&m);
	free(m.buf);

	/* total 0 counts as complete; finish without a draw writes nothing */
	mem_open(&m);
	tools_progress_init(&p, m.f, NULL, 0);
	p.enabled = true;
	p.clock_ns = fake_clock;
	p.clock_data = &fake_now;
	tools_progress_finish(&p);
	fflush(m.f);
	assert_int_equal(m.len, 0);
	tools_progress_update(&p, 0);
	fflush(m.f);
	assert_non_null(strstr(m.buf, "100% 0/0"));
	mem_close(&m);
	free(m.buf);
}

/* ------------------------------------------------------------------ JSON writer */

static void test_json_writer(void **state)
{
	const struct jc_value *arr;
	struct tools_json j;
	struct jc_value *v;
	char err[128] = "";
	long long x;
	struct mem m;

	mem_open(&m);
	tools_json_init(&j, m.f);
	tools_json_object_begin(&j);
	tools_json_kv_string(&j, "command", "alloc");
	tools_json_kv_uint(&j, "size", 18446744073709551615ull);
	tools_json_kv_int(&j, "err", -1);
	tools_json_kv_bool(&j, "restricted", true);
	tools_json_kv_double(&j, "p50_us", 1.5);
	tools_json_kv_double(&j, "nan", NAN);
	tools_json_kv_string(&j, "none", NULL);
	tools_json_key(&j, "list");
	tools_json_array_begin(&j);
	tools_json_int(&j, 1);
	tools_json_string(&j, "two");
	tools_json_object_begin(&j);
	tools_json_object_end(&j);
	tools_json_array_begin(&j);
	tools_json_array_end(&j);
	tools_json_null(&j);
	tools_json_bool(&j, false);
	tools_json_double(&j, INFINITY);
	tools_json_array_end(&j);
	tools_json_object_end(&j);
	assert_int_equal(tools_json_finish(&j), 0);
	mem_close(&m);
	if (jc_parse(m.buf, m.len, &v, err, sizeof(err)))
		fail_msg("%s: %s", err, m.buf);
	assert_string_equal(jc_get_str(v, "command"), "alloc");
	assert_int_equal(jc_key_index(v, "command"), 0);
	assert_int_equal(jc_key_index(v, "list"), 7);
	assert_string_equal(strstr(m.buf, "\"size\":"), "\"size\":18446744073709551615,"
		     "\"err\":-1,\"restricted\":true,\"p50_us\":1.5,\"nan\":null,\"none\":null,"
		     "\"list\":[1,\"two\",{},[],null,false,null]}");
	assert_true(jc_get_int(v, "err", &x));
	assert_int_equal(x, -1);
	arr = jc_get(v, "list");
	assert_int_equal(arr->n, 7);
	assert_int_equal(jc_at(arr, 2)->type, JC_OBJECT);
	jc_free(v);
	free(m.buf);
}

static void test_json_writer_escaping(void **state)
{
	static const char *const s[] = {
		"quote \" backslash \\ slash /", "new\nline\r\ttab\b\f", "ctl \x01\x1f\x7f",
		"unicode \xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80", "",
	};
	struct jc_value *v;
	char err[128];
	struct mem m;
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		mem_open(&m);
		tools_json_write_string(m.f, s[i]);
		mem_close(&m);
		if (jc_parse(m.buf, m.len, &v, err, sizeof(err)))
			fail_msg("%s", err);
		assert_string_equal(v->str, s[i]);
		jc_free(v);
		free(m.buf);
	}
	/* invalid UTF-8: each bad byte becomes U+FFFD, the rest survives */
	mem_open(&m);
	tools_json_write_string(m.f, "a\xff" "b\xc3" "c\xed\xa0\x80" "d\xe2\x9c");
	mem_close(&m);
	assert_int_equal(jc_parse(m.buf, m.len, &v, err, sizeof(err)), 0);
	assert_string_equal(v->str, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd"
			    "\xef\xbf\xbd" "d\xef\xbf\xbd\xef\xbf\xbd");
	jc_free(v);
	free(m.buf);
	/* NULL is an empty string */
	mem_open(&m);
	tools_json_write_string(m.f, NULL);
	mem_close(&m);
	assert_string_equal(m.buf, "\"\"");
	free(m.buf);
}

typedef void (*json_script)(struct tools_json *j);

static void misuse_value_without_key(struct tools_json *j)
{
	tools_json_object_begin(j);
	tools_json_int(j, 1);
	tools_json_object_end(j);
}

static void misuse_key_in_array(struct tools_json *j)
{
	tools_json_array_begin(j);
	tools_json_key(j, "k");
	tools_json_array_end(j);
}

static void misuse_two_keys(struct tools_json *j)
{
	tools_json_object_begin(j);
	tools_json_key(j, "a");
	tools_json_key(j, "b");
	tools_json_int(j, 1);
	tools_json_object_end(j);
}

static void misuse_wrong_end(struct tools_json *j)
{
	tools_json_object_begin(j);
	tools_json_array_end(j);
}

static void misuse_end_with_key(struct tools_json *j)
{
	tools_json_object_begin(j);
	tools_json_key(j, "a");
	tools_json_object_end(j);
}

static void misuse_unbalanced(struct tools_json *j)
{
	tools_json_array_begin(j);
	tools_json_int(j, 1);
}

static void misuse_two_values(struct tools_json *j)
{
	tools_json_int(j, 1);
	tools_json_int(j, 2);
}

static void misuse_nothing(struct tools_json *j)
{
}

static void misuse_too_deep(struct tools_json *j)
{
	unsigned int i;

	for (i = 0; i <= TOOLS_JSON_MAX_DEPTH; i++)
		tools_json_array_begin(j);
	for (i = 0; i <= TOOLS_JSON_MAX_DEPTH; i++)
		tools_json_array_end(j);
}

static void misuse_extra_end(struct tools_json *j)
{
	tools_json_array_begin(j);
	tools_json_array_end(j);
	tools_json_array_end(j);
}

static void misuse_null_key(struct tools_json *j)
{
	tools_json_object_begin(j);
	tools_json_key(j, NULL);
	tools_json_int(j, 1);
	tools_json_object_end(j);
}

static void test_json_writer_misuse(void **state)
{
	static const json_script scripts[] = {
		misuse_value_without_key, misuse_key_in_array, misuse_two_keys,
		misuse_wrong_end, misuse_end_with_key, misuse_unbalanced, misuse_two_values,
		misuse_nothing, misuse_too_deep, misuse_extra_end, misuse_null_key,
	};
	struct tools_json j;
	size_t i, before;
	struct mem m;

	for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		mem_open(&m);
		tools_json_init(&j, m.f);
		scripts[i](&j);
		if (tools_json_finish(&j) != -EINVAL)
			fail_msg("script %zu was accepted", i);
		/* once in error, nothing more is written */
		fflush(m.f);
		before = m.len;
		tools_json_kv_int(&j, "x", 1);
		tools_json_array_begin(&j);
		fflush(m.f);
		assert_int_equal(m.len, before);
		mem_close(&m);
		free(m.buf);
	}
}

static void test_json_writer_io_error(void **state)
{
	struct tools_json j;
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0);
	tools_json_init(&j, f);
	tools_json_object_begin(&j);
	tools_json_kv_string(&j, "k", "v");
	tools_json_object_end(&j);
	assert_neg_errno(tools_json_finish(&j), EIO);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size_good),
		cmocka_unit_test(test_parse_size_bad),
		cmocka_unit_test(test_parse_ints),
		cmocka_unit_test(test_parse_wxh),
		cmocka_unit_test(test_error_lines),
		cmocka_unit_test(test_color_rule),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_json_writer_escaping),
		cmocka_unit_test(test_json_writer_misuse),
		cmocka_unit_test(test_json_writer_io_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
