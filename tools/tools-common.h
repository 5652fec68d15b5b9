/* SPDX-License-Identifier: MIT */
/* Helpers shared by rheap-sim and rheap-bench: parsing, errors, colour, progress, JSON. */
#ifndef RH_TOOLS_COMMON_H
#define RH_TOOLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rheap/export.h>

/* Exit codes: 1 for a failure of the run, 2 for a bad command line. */
#define TOOLS_EXIT_FAILURE 1
#define TOOLS_EXIT_USAGE 2

/* ------------------------------------------------------------------ parsing */

/* tools_parse_size() flags */
#define TOOLS_SIZE_ALLOW_ZERO (1u << 0)

/*
 * tools_parse_size() - "4096", "0x1000", "4K", "4k", "4KiB", "2M", "1G", "1T"
 *
 * Decimal or 0x-hex digits, then an optional binary suffix K/M/G/T, alone or
 * followed by "iB" (case-insensitive). No sign, no spaces, no "KB" (which
 * some tools read as 1000). Returns 0, -EINVAL for anything malformed
 * (empty, garbage, sign, unknown suffix), -ERANGE when the value does not
 * fit 64 bits or is 0 without TOOLS_SIZE_ALLOW_ZERO. *@ret_size is written
 * only on success.
 */
int tools_parse_size(const char *s, unsigned int flags, uint64_t *ret_size);

/*
 * tools_parse_u64() - a decimal (or 0x-hex) unsigned integer in [@min, @max]
 * Returns 0, -EINVAL (empty, sign, garbage), -ERANGE (outside the range).
 */
int tools_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* tools_parse_uint() - as tools_parse_u64() for unsigned int */
int tools_parse_uint(const char *s, unsigned int min, unsigned int max,
		     unsigned int *ret);

/*
 * tools_parse_int() - a decimal integer with an optional '-' in [@min, @max]
 * Returns 0, -EINVAL, -ERANGE.
 */
int tools_parse_int(const char *s, long long min, long long max, long long *ret);

/* Largest width or height tools_parse_wxh() accepts. */
#define TOOLS_WXH_MAX 65535u

/*
 * tools_parse_wxh() - "3840x2160" (or 'X'), each side 1..TOOLS_WXH_MAX
 * Returns 0, -EINVAL (malformed), -ERANGE (a side is 0 or too large).
 */
int tools_parse_wxh(const char *s, unsigned int *ret_w, unsigned int *ret_h);

/* ------------------------------------------------------------------ errors */

/*
 * tools_usage_error() - print "<prog> <cmd>: <problem>" (or "<prog>: ..."
 * when @cmd is NULL) as one line on @err; newlines and control characters
 * in the problem become spaces. Returns TOOLS_EXIT_USAGE, so a command can
 * `return tools_usage_error(stderr, "rheap-sim", "alloc", "...");`.
 */
int tools_usage_error(FILE *err, const char *prog, const char *cmd,
		      const char *fmt, ...) RH_PRINTF(4, 5);

/* tools_error() - the same line for a failed run; returns TOOLS_EXIT_FAILURE */
int tools_error(FILE *err, const char *prog, const char *cmd,
		const char *fmt, ...) RH_PRINTF(4, 5);

/* ------------------------------------------------------------------ colour */

/*
 * tools_color_decide() - the colour rule, without side effects:
 * @is_tty && !@no_color_opt && @term is not "dumb" && @no_color_env is NULL
 * or "" (no-color.org: NO_COLOR set to a non-empty value disables colour).
 */
bool tools_color_decide(bool is_tty, bool no_color_opt, const char *term,
			const char *no_color_env);

/* tools_use_color() - tools_color_decide() for @out with $TERM and $NO_COLOR */
bool tools_use_color(FILE *out, bool no_color_opt);

/* ------------------------------------------------------------------ progress */

/*
 * A one-line progress bar for long runs. Drawn only when enabled (by
 * default: @out is a terminal whose $TERM is not "dumb"), redrawn at most
 * every @interval_ns, and erased by tools_progress_finish() so that it never
 * ends up in logs or mixes with the results.
 */
struct tools_progress {
	FILE *out;
	bool enabled;
	bool drawn;        /* a bar is on screen */
	const char *label;
	uint64_t total, done;
	uint64_t interval_ns;
	uint64_t last_draw_ns;
	unsigned int draws; /* redraw count (tests) */
	uint64_t (*clock_ns)(void *data); /* CLOCK_MONOTONIC by default */
	void *clock_data;
};

#define TOOLS_PROGRESS_INTERVAL_NS (100u * 1000u * 1000u)

void tools_progress_init(struct tools_progress *p, FILE *out, const char *label,
			 uint64_t total);
/* Count @done of total; draws when due. */
void tools_progress_update(struct tools_progress *p, uint64_t done);
/* Erases the bar (if one was drawn). Safe to call twice. */
void tools_progress_finish(struct tools_progress *p);

/* ------------------------------------------------------------------ JSON writer */

#define TOOLS_JSON_MAX_DEPTH 32

/*
 * A compact JSON writer (one document, no newline added) that escapes every
 * string and places the commas. Misuse (a value without a key inside an
 * object, a key inside an array, unbalanced ends, too deep) is recorded and
 * reported by tools_json_finish(); later calls then write nothing.
 */
struct tools_json {
	FILE *out;
	unsigned int depth;
	uint64_t is_object; /* bit d: container at depth d is an object */
	uint64_t has_items; /* bit d: container at depth d has a member */
	bool key_pending;
	bool done;          /* a complete top-level value was written */
	int err;
};

void tools_json_init(struct tools_json *j, FILE *out);
void tools_json_object_begin(struct tools_json *j);
void tools_json_object_end(struct tools_json *j);
void tools_json_array_begin(struct tools_json *j);
void tools_json_array_end(struct tools_json *j);
void tools_json_key(struct tools_json *j, const char *key);
void tools_json_string(struct tools_json *j, const char *s);
void tools_json_int(struct tools_json *j, long long v);
void tools_json_uint(struct tools_json *j, unsigned long long v);
/* Finite values only; NaN and infinities are written as null. */
void tools_json_double(struct tools_json *j, double v);
void tools_json_bool(struct tools_json *j, bool v);
void tools_json_null(struct tools_json *j);

/* key + value in one call */
void tools_json_kv_string(struct tools_json *j, const char *key, const char *s);
void tools_json_kv_int(struct tools_json *j, const char *key, long long v);
void tools_json_kv_uint(struct tools_json *j, const char *key, unsigned long long v);
void tools_json_kv_double(struct tools_json *j, const char *key, double v);
void tools_json_kv_bool(struct tools_json *j, const char *key, bool v);

/*
 * tools_json_finish() - 0 when one complete, balanced value was written,
 * -EINVAL after misuse or when incomplete, -EIO when the stream failed.
 */
int tools_json_finish(struct tools_json *j);

/*
 * tools_json_write_string() - @s as a quoted JSON string on @out: quotes,
 * backslashes and control characters escaped, invalid UTF-8 as U+FFFD.
 */
void tools_json_write_string(FILE *out, const char *s);

#endif /* RH_TOOLS_COMMON_H */
