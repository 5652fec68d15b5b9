// SPDX-License-Identifier: MIT
/* Helpers shared by the command line tools (not part of the library). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "tools-common.h"

/* ------------------------------------------------------------------ parsing */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Digits at @s (decimal, or hex after 0x when @allow_hex) into @ret;
 * @ret_end points past them. strtoull is not used: it accepts spaces and
 * signs and wraps "-1". Returns 0, -EINVAL (no digit), -ERANGE (overflow).
 */
static int parse_digits(const char *s, bool allow_hex, uint64_t *ret,
			const char **ret_end)
{
	unsigned int base = 10;
	bool overflow = false;
	uint64_t v = 0;
	const char *p = s;
	int d;

	if (allow_hex && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	d = hex_digit(*p);
	if (d < 0 || (unsigned int)d >= base)
		return -EINVAL;
	for (; (d = hex_digit(*p)) >= 0 && (unsigned int)d < base; p++) {
		if (__builtin_mul_overflow(v, base, &v) ||
		    __builtin_add_overflow(v, (uint64_t)d, &v))
			overflow = true;
	}
	*ret_end = p;
	*ret = v;
	return overflow ? -ERANGE : 0;
}

int tools_parse_size(const char *s, unsigned int flags, uint64_t *ret_size)
{
	static const char units[] = "kmgt";
	const char *end, *u;
	unsigned int shift = 0;
	uint64_t v;
	int ret;

	if (!s || !ret_size)
		return -EINVAL;
	ret = parse_digits(s, true, &v, &end);
	if (ret == -EINVAL)
		return ret;
	/* A bad suffix is a worse mistake than an overflow: report it first. */
	if (*end) {
		u = strchr(units, end[0] | 0x20);
		if (!u)
			return -EINVAL;
		shift = 10 * (unsigned int)(u - units + 1);
		if (end[1] && strcasecmp(end + 1, "ib"))
			return -EINVAL;
	}
	if (ret)
		return ret;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	v <<= shift;
	if (!v && !(flags & TOOLS_SIZE_ALLOW_ZERO))
		return -ERANGE;
	*ret_size = v;
	return 0;
}

int tools_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	const char *end;
	uint64_t v;
	int err;

	if (!s || !ret)
		return -EINVAL;
	err = parse_digits(s, true, &v, &end);
	if (err == -EINVAL || *end)
		return -EINVAL;
	if (err || v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int tools_parse_uint(const char *s, unsigned int min, unsigned int max,
		     unsigned int *ret)
{
	uint64_t v;
	int err;

	if (!ret)
		return -EINVAL;
	err = tools_parse_u64(s, min, max, &v);
	if (err)
		return err;
	*ret = (unsigned int)v;
	return 0;
}

int tools_parse_int(const char *s, long long min, long long max, long long *ret)
{
	const char *p = s, *end;
	bool neg = false;
	uint64_t mag;
	long long v;
	int err;

	if (!s || !ret)
		return -EINVAL;
	if (*p == '-') {
		neg = true;
		p++;
	}
	/* Decimal only: "-0x10" is more likely a typo than an intent. */
	err = parse_digits(p, false, &mag, &end);
	if (err == -EINVAL || *end)
		return -EINVAL;
	if (err)
		return -ERANGE;
	if (neg) {
		if (mag > (uint64_t)LLONG_MAX + 1)
			return -ERANGE;
		v = mag == (uint64_t)LLONG_MAX + 1 ? LLONG_MIN : -(long long)mag;
	} else {
		if (mag > (uint64_t)LLONG_MAX)
			return -ERANGE;
		v = (long long)mag;
	}
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int tools_parse_wxh(const char *s, unsigned int *ret_w, unsigned int *ret_h)
{
	const char *end;
	uint64_t w, h;
	int errw, errh;

	if (!s || !ret_w || !ret_h)
		return -EINVAL;
	/* Decimal sides: "0x720" is a typo, not hex. */
	errw = parse_digits(s, false, &w, &end);
	if (errw == -EINVAL || (*end != 'x' && *end != 'X'))
		return -EINVAL;
	errh = parse_digits(end + 1, false, &h, &end);
	if (errh == -EINVAL || *end)
		return -EINVAL;
	if (errw || errh || !w || !h || w > TOOLS_WXH_MAX || h > TOOLS_WXH_MAX)
		return -ERANGE;
	*ret_w = (unsigned int)w;
	*ret_h = (unsigned int)h;
	return 0;
}

/* ------------------------------------------------------------------ errors */

static void RH_PRINTF(4, 0) report(FILE *err, const char *prog, const char *cmd,
				   const char *fmt, va_list ap)
{
	char msg[512];
	char *p;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (cmd)
		fprintf(err, "%s %s: %s\n", prog, cmd, msg);
	else
		fprintf(err, "%s: %s\n", prog, msg);
}

int tools_usage_error(FILE *err, const char *prog, const char *cmd,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(err, prog, cmd, fmt, ap);
	va_end(ap);
	return TOOLS_EXIT_USAGE;
}

int tools_error(FILE *err, const char *prog, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(err, prog, cmd, fmt, ap);
	va_end(ap);
	return TOOLS_EXIT_FAILURE;
}

/* ------------------------------------------------------------------ colour */

bool tools_color_decide(bool is_tty, bool no_color_opt, const char *term,
			const char *no_color_env)
{
	if (!is_tty || no_color_opt)
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return !no_color_env || !no_color_env[0];
}

static bool stream_is_tty(FILE *out)
{
	int fd = out ? fileno(out) : -1;

	return fd >= 0 && isatty(fd);
}

bool tools_use_color(FILE *out, bool no_color_opt)
{
	return tools_color_decide(stream_is_tty(out), no_color_opt, getenv("TERM"),
				  getenv("NO_COLOR"));
}

/* ------------------------------------------------------------------ progress */

#define PROGRESS_CELLS 30

static uint64_t monotonic_ns(void *data)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void tools_progress_init(struct tools_progress *p, FILE *out, const char *label,
			 uint64_t total)
{
	const char *term = getenv("TERM");

	memset(p, 0, sizeof(*p));
	p->out = out;
	p->label = label ? label : "";
	p->total = total;
	p->interval_ns = TOOLS_PROGRESS_INTERVAL_NS;
	p->clock_ns = monotonic_ns;
	p->enabled = stream_is_tty(out) && !(term && !strcmp(term, "dumb"));
}

static void progress_draw(struct tools_progress *p)
{
	char bar[PROGRESS_CELLS + 1];
	uint64_t done = p->done > p->total ? p->total : p->done;
	unsigned int pct, cells, i;

	pct = p->total ? (unsigned int)(done * 100 / p->total) : 100;
	cells = p->total ? (unsigned int)(done * PROGRESS_CELLS / p->total) : PROGRESS_CELLS;
	for (i = 0; i < PROGRESS_CELLS; i++)
		bar[i] = i < cells ? '#' : '.';
	bar[PROGRESS_CELLS] = '\0';
	/* \r + erase-line: the bar overwrites itself in place */
	fprintf(p->out, "\r\033[K%s [%s] %3u%% %" PRIu64 "/%" PRIu64, p->label, bar, pct,
		done, p->total);
	fflush(p->out);
	p->drawn = true;
	p->draws++;
}

void tools_progress_update(struct tools_progress *p, uint64_t done)
{
	uint64_t now;

	p->done = done;
	if (!p->enabled)
		return;
	now = p->clock_ns(p->clock_data);
	if (p->drawn && now - p->last_draw_ns < p->interval_ns)
		return;
	p->last_draw_ns = now;
	progress_draw(p);
}

void tools_progress_finish(struct tools_progress *p)
{
	if (!p->enabled || !p->drawn)
		return;
	fputs("\r\033[K", p->out);
	fflush(p->out);
	p->drawn = false;
}

/* ------------------------------------------------------------------ JSON writer */

/* One UTF-8 sequence at @s; its length, or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		/* the NUL terminator fails this test, so no read past the end */
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void tools_json_write_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n;

	fputc('"', out);
	while (*p) {
		if (*p >= 0x80) {
			n = utf8_len(p);
			if (n) {
				fwrite(p, 1, n, out);
				p += n;
			} else {
				fputs("\\ufffd", out);
				p++;
			}
			continue;
		}
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
		p++;
	}
	fputc('"', out);
}

void tools_json_init(struct tools_json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

static bool in_object(const struct tools_json *j)
{
	return j->depth && (j->is_object & (UINT64_C(1) << (j->depth - 1)));
}

/* Before any value: check the position is legal and write the comma. */
static bool json_value_start(struct tools_json *j)
{
	uint64_t bit;

	if (j->err)
		return false;
	if (j->depth == 0) {
		if (j->done) {
			j->err = -EINVAL; /* a second top-level value */
			return false;
		}
		return true;
	}
	if (in_object(j)) {
		if (!j->key_pending) {
			j->err = -EINVAL;
			return false;
		}
		j->key_pending = false;
		return true;
	}
	bit = UINT64_C(1) << (j->depth - 1);
	if (j->has_items & bit)
		fputc(',', j->out);
	j->has_items |= bit;
	return true;
}

static void json_value_end(struct tools_json *j)
{
	if (j->depth == 0)
		j->done = true;
}

static void json_begin(struct tools_json *j, bool object)
{
	uint64_t bit;

	if (!json_value_start(j))
		return;
	if (j->depth == TOOLS_JSON_MAX_DEPTH) {
		j->err = -EINVAL;
		return;
	}
	fputc(object ? '{' : '[', j->out);
	bit = UINT64_C(1) << j->depth;
	j->depth++;
	j->has_items &= ~bit;
	if (object)
		j->is_object |= bit;
	else
		j->is_object &= ~bit;
}

static void json_end(struct tools_json *j, bool object)
{
	if (j->err)
		return;
	if (!j->depth || in_object(j) != object || j->key_pending) {
		j->err = -EINVAL;
		return;
	}
	fputc(object ? '}' : ']', j->out);
	j->depth--;
	json_value_end(j);
}

void tools_json_object_begin(struct tools_json *j)
{
	json_begin(j, true);
}

void tools_json_object_end(struct tools_json *j)
{
	json_end(j, true);
}

void tools_json_array_begin(struct tools_json *j)
{
	json_begin(j, false);
}

void tools_json_array_end(struct tools_json *j)
{
	json_end(j, false);
}

void tools_json_key(struct tools_json *j, const char *key)
{
	uint64_t bit;

	if (j->err)
		return;
	if (!in_object(j) || j->key_pending || !key) {
		j->err = -EINVAL;
		return;
	}
	bit = UINT64_C(1) << (j->depth - 1);
	if (j->has_items & bit)
		fputc(',', j->out);
	j->has_items |= bit;
	tools_json_write_string(j->out, key);
	fputc(':', j->out);
	j->key_pending = true;
}

void tools_json_string(struct tools_json *j, const char *s)
{
	if (!json_value_start(j))
		return;
	if (s)
		tools_json_write_string(j->out, s);
	else
		fputs("null", j->out);
	json_value_end(j);
}

void tools_json_int(struct tools_json *j, long long v)
{
	if (!json_value_start(j))
		return;
	fprintf(j->out, "%lld", v);
	json_value_end(j);
}

void tools_json_uint(struct tools_json *j, unsigned long long v)
{
	if (!json_value_start(j))
		return;
	fprintf(j->out, "%llu", v);
	json_value_end(j);
}

void tools_json_double(struct tools_json *j, double v)
{
	if (!json_value_start(j))
		return;
	if (isfinite(v))
		fprintf(j->out, "%.9g", v);
	else
		fputs("null", j->out);
	json_value_end(j);
}

void tools_json_bool(struct tools_json *j, bool v)
{
	if (!json_value_start(j))
		return;
	fputs(v ? "true" : "false", j->out);
	json_value_end(j);
}

void tools_json_null(struct tools_json *j)
{
	if (!json_value_start(j))
		return;
	fputs("null", j->out);
	json_value_end(j);
}

void tools_json_kv_string(struct tools_json *j, const char *key, const char *s)
{
	tools_json_key(j, key);
	tools_json_string(j, s);
}

void tools_json_kv_int(struct tools_json *j, const char *key, long long v)
{
	tools_json_key(j, key);
	tools_json_int(j, v);
}

void tools_json_kv_uint(struct tools_json *j, const char *key, unsigned long long v)
{
	tools_json_key(j, key);
	tools_json_uint(j, v);
}

void tools_json_kv_double(struct tools_json *j, const char *key, double v)
{
	tools_json_key(j, key);
	tools_json_double(j, v);
}

void tools_json_kv_bool(struct tools_json *j, const char *key, bool v)
{
	tools_json_key(j, key);
	tools_json_bool(j, v);
}

int tools_json_finish(struct tools_json *j)
{
	if (j->err)
		return j->err;
	if (j->depth || !j->done || j->key_pending)
		return -EINVAL;
	return ferror(j->out) ? -EIO : 0;
}
