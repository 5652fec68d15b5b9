// SPDX-License-Identifier: MIT
/* libFuzzer target: the command line's value parsers, error lines and JSON strings (tools/tools-common.c). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/tools-common.h"
#include "fuzz-common.h"
#include "json-check.h"

/*
 * An input is one option argument as rheap-sim gets it: byte 0 picks the
 * parser and its range, the rest (up to a NUL) is the string. Each parser's
 * answer is checked against its documented grammar, evaluated here on its
 * own (a value as a 128-bit integer, so overflow is seen, not wrapped):
 *
 *	size   DIGITS [K|M|G|T [iB]]   (case-insensitive suffix; DIGITS decimal
 *	       or 0x-hex); -EINVAL for anything else, -ERANGE past 64 bits or
 *	       for 0 without TOOLS_SIZE_ALLOW_ZERO
 *	u64    DIGITS in [min, max]; uint the same within unsigned int
 *	int    [-]DECIMAL in [min, max]
 *	wxh    DECIMALxDECIMAL (or X), each side 1..TOOLS_WXH_MAX
 *
 * A result is written only on success. Then the same string, as the
 * problem of a usage error, must come out as exactly one line without
 * control characters, and written as a JSON string it must be one strict
 * JSON string that decodes back to the input where the input is valid
 * UTF-8 (invalid sequences become U+FFFD).
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TARGET "tools-args"
#define MAX_ARG 256

/* The ranges a command gives its numeric options (see tools/cmd-*.c). */
static const struct {
	uint64_t min, max;
} u_ranges[] = {
	{ 0, UINT64_MAX }, { 1, 1000000 }, { 1, 16384 }, { 0, 0 }, { 5, 5 }, { 1, UINT_MAX },
};

static const struct {
	long long min, max;
} i_ranges[] = {
	{ LLONG_MIN, LLONG_MAX }, { -1, 1 }, { 0, 100 }, { -20, 19 }, { LLONG_MIN, -1 },
};

enum which { W_SIZE, W_SIZE_ZERO, W_U64, W_UINT, W_INT, W_WXH, NR_WHICH };

static void must(bool ok, const char *what)
{
	if (!ok)
		fuzz_fail(TARGET, what);
}

/* ------------------------------------------------------------ the grammar */

/* 128 bits: a 64-bit value times 2^40 is still exact. */
__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 s128;

static int digit_of(char c, unsigned int base)
{
	int d = -1;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	return d >= 0 && (unsigned int)d < base ? d : -1;
}

/* Digits at *@s in @base, saturating just past 2^64; false when there is none. */
static bool digits(const char **s, unsigned int base, u128 *ret)
{
	const u128 cap = (u128)UINT64_MAX + 1;
	const char *p = *s;
	u128 v = 0;
	int d;

	if (digit_of(*p, base) < 0)
		return false;
	for (; (d = digit_of(*p, base)) >= 0; p++) {
		v = v * base + (unsigned int)d;
		if (v > cap)
			v = cap;
	}
	*s = p;
	*ret = v;
	return true;
}

/* DIGITS: decimal, or hex after 0x/0X when @hex. */
static bool number(const char **s, bool hex, u128 *ret)
{
	if (hex && (*s)[0] == '0' && ((*s)[1] == 'x' || (*s)[1] == 'X')) {
		*s += 2;
		return digits(s, 16, ret);
	}
	return digits(s, 10, ret);
}

static bool is_ci(const char *s, const char *lower)
{
	for (; *lower; s++, lower++)
		if ((*s | 0x20) != *lower)
			return false;
	return !*s;
}

static int expect_size(const char *s, bool allow_zero, uint64_t *ret)
{
	static const char units[] = "kmgt";
	unsigned int shift = 0;
	const char *u;
	u128 v;

	if (!number(&s, true, &v))
		return -EINVAL;
	if (*s) {
		u = strchr(units, *s | 0x20);
		if (!u || !*u)
			return -EINVAL;
		shift = 10 * (unsigned int)(u - units + 1);
		if (s[1] && !is_ci(s + 1, "ib"))
			return -EINVAL;
	}
	if (v > UINT64_MAX || (v << shift) > UINT64_MAX)
		return -ERANGE;
	v <<= shift;
	if (!v && !allow_zero)
		return -ERANGE;
	*ret = (uint64_t)v;
	return 0;
}

static int expect_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	u128 v;

	if (!number(&s, true, &v) || *s)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*ret = (uint64_t)v;
	return 0;
}

static int expect_int(const char *s, long long min, long long max, long long *ret)
{
	bool neg = *s == '-';
	s128 v;
	u128 mag;

	s += neg;
	if (!digits(&s, 10, &mag) || *s)
		return -EINVAL;
	v = neg ? -(s128)mag : (s128)mag;
	if (v < min || v > max)
		return -ERANGE;
	*ret = (long long)v;
	return 0;
}

static int expect_wxh(const char *s, unsigned int *w, unsigned int *h)
{
	u128 a, b;

	if (!digits(&s, 10, &a) || (*s != 'x' && *s != 'X'))
		return -EINVAL;
	s++;
	if (!digits(&s, 10, &b) || *s)
		return -EINVAL;
	if (!a || !b || a > TOOLS_WXH_MAX || b > TOOLS_WXH_MAX)
		return -ERANGE;
	*w = (unsigned int)a;
	*h = (unsigned int)b;
	return 0;
}

/* ------------------------------------------------------------ the parsers */

static void check_parsers(uint8_t sel, const char *s)
{
	const uint64_t poison = 0xa5a5a5a5a5a5a5a5ULL;
	unsigned int r = (sel >> 3) & 0x1f, w = ~0u, h = ~0u, ew = 0, eh = 0;
	uint64_t got = poison, want = 0;
	long long igot = (long long)poison, iwant = 0;
	unsigned int ugot = ~0u;
	int ret, exp;

	switch ((enum which)((sel & 7) % NR_WHICH)) {
	case W_SIZE:
	case W_SIZE_ZERO: {
		bool zero = (sel & 7) == W_SIZE_ZERO;

		ret = tools_parse_size(s, zero ? TOOLS_SIZE_ALLOW_ZERO : 0, &got);
		exp = expect_size(s, zero, &want);
		break;
	}
	case W_U64: {
		uint64_t min = u_ranges[r % FUZZ_ARRAY_SIZE(u_ranges)].min;
		uint64_t max = u_ranges[r % FUZZ_ARRAY_SIZE(u_ranges)].max;

		ret = tools_parse_u64(s, min, max, &got);
		exp = expect_u64(s, min, max, &want);
		break;
	}
	case W_UINT: {
		uint64_t min = u_ranges[r % FUZZ_ARRAY_SIZE(u_ranges)].min;
		uint64_t max = u_ranges[r % FUZZ_ARRAY_SIZE(u_ranges)].max;

		if (max > UINT_MAX)
			max = UINT_MAX;
		ret = tools_parse_uint(s, (unsigned int)min, (unsigned int)max, &ugot);
		exp = expect_u64(s, min, max, &want);
		must(!ret || ugot == ~0u, "uint result written on failure");
		got = ret ? poison : ugot;
		break;
	}
	case W_INT: {
		long long min = i_ranges[r % FUZZ_ARRAY_SIZE(i_ranges)].min;
		long long max = i_ranges[r % FUZZ_ARRAY_SIZE(i_ranges)].max;

		ret = tools_parse_int(s, min, max, &igot);
		exp = expect_int(s, min, max, &iwant);
		must(ret != 0 || igot == iwant, "int value differs from the grammar's");
		must(ret == 0 || igot == (long long)poison, "int result written on failure");
		must(ret == exp, "int: result differs from the grammar's");
		return;
	}
	default:
		ret = tools_parse_wxh(s, &w, &h);
		exp = expect_wxh(s, &ew, &eh);
		must(ret == exp, "wxh: result differs from the grammar's");
		must(ret ? w == ~0u && h == ~0u : w == ew && h == eh,
		     "wxh: sides differ from the grammar's, or written on failure");
		return;
	}
	must(ret == exp, "result differs from the grammar's");
	must(ret ? got == poison : got == want, "value differs, or written on failure");
}

/* ------------------------------------------------------------ messages */

static char *printed(void (*print)(FILE *f, const char *s), const char *s, size_t *ret_len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, ret_len);

	must(f != NULL, "open_memstream");
	print(f, s);
	must(fclose(f) == 0, "memstream");
	return buf;
}

static void print_usage(FILE *f, const char *s)
{
	must(tools_usage_error(f, "rheap-sim", "alloc", "bad size '%s'", s) ==
	     TOOLS_EXIT_USAGE, "usage error exit code");
}

static void print_json(FILE *f, const char *s)
{
	tools_json_write_string(f, s);
}

/* Valid UTF-8 as RFC 3629 has it (no surrogates, no overlong forms). */
static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		uint32_t cp;
		size_t n, i;

		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0)
			n = 2, cp = *s & 0x1f;
		else if ((*s & 0xf0) == 0xe0)
			n = 3, cp = *s & 0x0f;
		else if ((*s & 0xf8) == 0xf0)
			n = 4, cp = *s & 0x07;
		else
			return false;
		for (i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		s += n;
	}
	return true;
}

static void check_messages(const char *s)
{
	struct jc_value *v = NULL;
	char err[128], *out;
	size_t len, i;

	/* "rheap-sim alloc: bad size '...'\n": one line, no control character. */
	out = printed(print_usage, s, &len);
	must(len > 0 && out[len - 1] == '\n' && !memchr(out, '\n', len - 1),
	     "usage error is not one line");
	for (i = 0; i + 1 < len; i++)
		must((unsigned char)out[i] >= 0x20 && out[i] != 0x7f,
		     "control character in a usage error");
	must(!strncmp(out, "rheap-sim alloc: bad size '", 27), "usage error prefix");
	free(out);

	out = printed(print_json, s, &len);
	must(jc_parse(out, len, &v, err, sizeof(err)) == 0 && v->type == JC_STRING,
	     "JSON string is not valid JSON");
	must(out[0] == '"' && out[len - 1] == '"', "JSON string is not only a string");
	if (utf8_valid((const unsigned char *)s))
		must(v->len == strlen(s) && !memcmp(v->str, s, v->len),
		     "JSON string does not decode to the input");
	else
		must(strstr(v->str, "\xef\xbf\xbd") != NULL, "invalid UTF-8 without U+FFFD");
	jc_free(v);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char arg[MAX_ARG + 1];
	size_t n;

	if (!size)
		return 0;
	n = size - 1 < MAX_ARG ? size - 1 : MAX_ARG;
	memcpy(arg, data + 1, n);
	arg[n] = '\0';
	check_parsers(data[0], arg);
	check_messages(arg);
	return 0;
}
