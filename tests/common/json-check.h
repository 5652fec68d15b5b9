/* SPDX-License-Identifier: MIT */
/* Strict JSON (RFC 8259) parser for tests: validate documents and JSON lines, look up keys. */
#ifndef RH_JSON_CHECK_H
#define RH_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

enum jc_type {
	JC_NULL,
	JC_BOOL,
	JC_NUMBER,
	JC_STRING,
	JC_ARRAY,
	JC_OBJECT,
};

/*
 * A parsed value. Objects keep their members in document order (keys[i] is
 * the name of items[i]) so tests can check key order.
 */
struct jc_value {
	enum jc_type type;
	bool boolean;
	double number;
	bool is_int;      /* a number without fraction/exponent that fits long long */
	long long integer;
	char *str;        /* decoded UTF-8, NUL-terminated (may embed NULs: see len) */
	size_t len;       /* string length in bytes */
	size_t n;         /* array/object members */
	struct jc_value **items;
	char **keys;
};

/*
 * Parses exactly one JSON value from @text (@len bytes; surrounding
 * whitespace allowed). Strict: no trailing commas, no comments, no
 * leading zeros, no NaN, valid UTF-8 only, control characters escaped,
 * surrogates paired, duplicate object keys rejected, depth <= 128.
 * Returns 0 or -EINVAL with a message naming the byte offset in @err.
 */
int jc_parse(const char *text, size_t len, struct jc_value **ret_value,
	     char *err, size_t errlen);

void jc_free(struct jc_value *v);

/*
 * Validates JSON lines: every '\n'-terminated line is one JSON object.
 * Calls @cb (may be NULL) for each with its 1-based number; a nonzero return
 * stops the walk and is returned. The text must end with '\n' (or be empty).
 * Returns 0, -EINVAL (with @err) or @cb's value. @ret_lines counts lines.
 */
int jc_parse_lines(const char *text, size_t len,
		   int (*cb)(const struct jc_value *obj, size_t lineno, void *arg),
		   void *arg, size_t *ret_lines, char *err, size_t errlen);

/* Member @key of object @obj, or NULL (also when @obj is not an object). */
const struct jc_value *jc_get(const struct jc_value *obj, const char *key);
/* Position of @key among @obj's members, or -1. */
int jc_key_index(const struct jc_value *obj, const char *key);
/* String member, or NULL when absent or not a string. */
const char *jc_get_str(const struct jc_value *obj, const char *key);
/* Integer member: true and *ret set when present and an integer. */
bool jc_get_int(const struct jc_value *obj, const char *key, long long *ret);
/* Element @i of an array, or NULL. */
const struct jc_value *jc_at(const struct jc_value *arr, size_t i);

#endif /* RH_JSON_CHECK_H */
