// SPDX-License-Identifier: MIT
/* Strict JSON parser for tests (RFC 8259), with key lookup and JSON-lines walking. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-check.h"

#define JC_MAX_DEPTH 128

struct jc_parser {
	const unsigned char *p;
	size_t len, pos;
	unsigned int depth;
	char *err;
	size_t errlen;
	bool failed;
};

static int jc_fail(struct jc_parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int jc_fail(struct jc_parser *ps, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (ps->failed)
		return -EINVAL;
	ps->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->err && ps->errlen)
		snprintf(ps->err, ps->errlen, "offset %zu: %s", ps->pos, msg);
	return -EINVAL;
}

static void skip_ws(struct jc_parser *ps)
{
	while (ps->pos < ps->len) {
		unsigned char c = ps->p[ps->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		ps->pos++;
	}
}

static struct jc_value *new_value(enum jc_type type)
{
	struct jc_value *v = calloc(1, sizeof(*v));

	if (v)
		v->type = type;
	return v;
}

void jc_free(struct jc_value *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		jc_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

static bool match_word(struct jc_parser *ps, const char *word)
{
	size_t n = strlen(word);

	if (ps->len - ps->pos < n || memcmp(ps->p + ps->pos, word, n))
		return false;
	ps->pos += n;
	return true;
}

/* One UTF-8 sequence of raw input; returns its length or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t len)
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
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static int hex4(struct jc_parser *ps, uint32_t *ret)
{
	uint32_t v = 0;
	int i;

	if (ps->len - ps->pos < 4)
		return jc_fail(ps, "truncated \\u escape");
	for (i = 0; i < 4; i++) {
		unsigned char c = ps->p[ps->pos + i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return jc_fail(ps, "bad hex digit in \\u escape");
	}
	ps->pos += 4;
	*ret = v;
	return 0;
}

struct growbuf {
	char *buf;
	size_t len, cap;
};

static int gb_put(struct growbuf *gb, const void *data, size_t n)
{
	char *nb;

	if (gb->len + n + 1 > gb->cap) {
		size_t cap = (gb->cap ? gb->cap * 2 : 32) + n;

		nb = realloc(gb->buf, cap);
		if (!nb)
			return -ENOMEM;
		gb->buf = nb;
		gb->cap = cap;
	}
	memcpy(gb->buf + gb->len, data, n);
	gb->len += n;
	gb->buf[gb->len] = '\0';
	return 0;
}

static int gb_put_cp(struct growbuf *gb, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = 0xc0 | (cp >> 6);
		b[1] = 0x80 | (cp & 0x3f);
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = 0xe0 | (cp >> 12);
		b[1] = 0x80 | ((cp >> 6) & 0x3f);
		b[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else {
		b[0] = 0xf0 | (cp >> 18);
		b[1] = 0x80 | ((cp >> 12) & 0x3f);
		b[2] = 0x80 | ((cp >> 6) & 0x3f);
		b[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	return gb_put(gb, b, n);
}

static int parse_string(struct jc_parser *ps, char **ret_str, size_t *ret_len)
{
	struct growbuf gb = { NULL, 0, 0 };
	uint32_t cp, lo;
	size_t n;
	int ret;

	ps->pos++; /* opening quote */
	if (gb_put(&gb, "", 0))
		return jc_fail(ps, "out of memory");
	for (;;) {
		unsigned char c;

		if (ps->pos >= ps->len) {
			ret = jc_fail(ps, "unterminated string");
			goto err;
		}
		c = ps->p[ps->pos];
		if (c == '"') {
			ps->pos++;
			break;
		}
		if (c < 0x20) {
			ret = jc_fail(ps, "unescaped control character 0x%02x in string", c);
			goto err;
		}
		if (c == '\\') {
			if (ps->pos + 1 >= ps->len) {
				ret = jc_fail(ps, "truncated escape");
				goto err;
			}
			c = ps->p[ps->pos + 1];
			ps->pos += 2;
			switch (c) {
			case '"': cp = '"'; break;
			case '\\': cp = '\\'; break;
			case '/': cp = '/'; break;
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case 'u':
				ret = hex4(ps, &cp);
				if (ret)
					goto err;
				if (cp >= 0xdc00 && cp <= 0xdfff) {
					ret = jc_fail(ps, "lone low surrogate");
					goto err;
				}
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (!match_word(ps, "\\u")) {
						ret = jc_fail(ps, "high surrogate without a pair");
						goto err;
					}
					ret = hex4(ps, &lo);
					if (ret)
						goto err;
					if (lo < 0xdc00 || lo > 0xdfff) {
						ret = jc_fail(ps, "bad low surrogate");
						goto err;
					}
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				break;
			default:
				ret = jc_fail(ps, "bad escape \\%c", c);
				goto err;
			}
			if (gb_put_cp(&gb, cp)) {
				ret = jc_fail(ps, "out of memory");
				goto err;
			}
			continue;
		}
		n = utf8_len(ps->p + ps->pos, ps->len - ps->pos);
		if (!n) {
			ret = jc_fail(ps, "invalid UTF-8 in string");
			goto err;
		}
		if (gb_put(&gb, ps->p + ps->pos, n)) {
			ret = jc_fail(ps, "out of memory");
			goto err;
		}
		ps->pos += n;
	}
	*ret_str = gb.buf;
	*ret_len = gb.len;
	return 0;

err:
	free(gb.buf);
	return ret;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int parse_number(struct jc_parser *ps, struct jc_value *v)
{
	size_t start = ps->pos;
	bool integral = true;
	char buf[128], *end;

	if (ps->pos < ps->len && ps->p[ps->pos] == '-')
		ps->pos++;
	if (ps->pos >= ps->len || !is_digit(ps->p[ps->pos]))
		return jc_fail(ps, "bad number");
	if (ps->p[ps->pos] == '0') {
		ps->pos++;
		if (ps->pos < ps->len && is_digit(ps->p[ps->pos]))
			return jc_fail(ps, "leading zero in number");
	} else {
		while (ps->pos < ps->len && is_digit(ps->p[ps->pos]))
			ps->pos++;
	}
	if (ps->pos < ps->len && ps->p[ps->pos] == '.') {
		integral = false;
		ps->pos++;
		if (ps->pos >= ps->len || !is_digit(ps->p[ps->pos]))
			return jc_fail(ps, "no digit after decimal point");
		while (ps->pos < ps->len && is_digit(ps->p[ps->pos]))
			ps->pos++;
	}
	if (ps->pos < ps->len && (ps->p[ps->pos] == 'e' || ps->p[ps->pos] == 'E')) {
		integral = false;
		ps->pos++;
		if (ps->pos < ps->len && (ps->p[ps->pos] == '+' || ps->p[ps->pos] == '-'))
			ps->pos++;
		if (ps->pos >= ps->len || !is_digit(ps->p[ps->pos]))
			return jc_fail(ps, "no digit in exponent");
		while (ps->pos < ps->len && is_digit(ps->p[ps->pos]))
			ps->pos++;
	}
	if (ps->pos - start >= sizeof(buf))
		return jc_fail(ps, "number too long for the checker");
	memcpy(buf, ps->p + start, ps->pos - start);
	buf[ps->pos - start] = '\0';
	v->number = strtod(buf, NULL);
	if (integral) {
		errno = 0;
		v->integer = strtoll(buf, &end, 10);
		v->is_int = errno == 0 && *end == '\0';
	}
	return 0;
}

static int parse_value(struct jc_parser *ps, struct jc_value **ret);

static int add_member(struct jc_value *v, char *key, struct jc_value *item)
{
	struct jc_value **items;
	char **keys;

	items = realloc(v->items, (v->n + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	v->items = items;
	if (v->type == JC_OBJECT) {
		keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (!keys)
			return -ENOMEM;
		v->keys = keys;
		v->keys[v->n] = key;
	}
	v->items[v->n++] = item;
	return 0;
}

static int parse_container(struct jc_parser *ps, struct jc_value *v, char close)
{
	struct jc_value *item = NULL;
	char *key = NULL;
	size_t keylen, i;
	int ret;

	if (++ps->depth > JC_MAX_DEPTH)
		return jc_fail(ps, "nesting deeper than %d", JC_MAX_DEPTH);
	ps->pos++;
	skip_ws(ps);
	if (ps->pos < ps->len && ps->p[ps->pos] == close) {
		ps->pos++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		skip_ws(ps);
		if (close == '}') {
			if (ps->pos >= ps->len || ps->p[ps->pos] != '"')
				return jc_fail(ps, "expected a string key");
			ret = parse_string(ps, &key, &keylen);
			if (ret)
				return ret;
			if (strlen(key) != keylen) {
				free(key);
				return jc_fail(ps, "NUL in key");
			}
			for (i = 0; i < v->n; i++) {
				if (!strcmp(v->keys[i], key)) {
					free(key);
					return jc_fail(ps, "duplicate key");
				}
			}
			skip_ws(ps);
			if (ps->pos >= ps->len || ps->p[ps->pos] != ':') {
				free(key);
				return jc_fail(ps, "expected ':'");
			}
			ps->pos++;
		}
		ret = parse_value(ps, &item);
		if (ret) {
			free(key);
			return ret;
		}
		if (add_member(v, key, item)) {
			free(key);
			jc_free(item);
			return jc_fail(ps, "out of memory");
		}
		key = NULL;
		skip_ws(ps);
		if (ps->pos >= ps->len)
			return jc_fail(ps, "unterminated %s", close == '}' ? "object" : "array");
		if (ps->p[ps->pos] == ',') {
			ps->pos++;
			skip_ws(ps);
			if (ps->pos < ps->len && ps->p[ps->pos] == close)
				return jc_fail(ps, "trailing comma");
			continue;
		}
		if (ps->p[ps->pos] == close) {
			ps->pos++;
			ps->depth--;
			return 0;
		}
		return jc_fail(ps, "expected ',' or '%c'", close);
	}
}

static int parse_value(struct jc_parser *ps, struct jc_value **ret)
{
	struct jc_value *v;
	unsigned char c;
	int err;

	skip_ws(ps);
	if (ps->pos >= ps->len)
		return jc_fail(ps, "expected a value");
	c = ps->p[ps->pos];
	switch (c) {
	case '{':
		v = new_value(JC_OBJECT);
		break;
	case '[':
		v = new_value(JC_ARRAY);
		break;
	case '"':
		v = new_value(JC_STRING);
		break;
	case 't':
	case 'f':
		v = new_value(JC_BOOL);
		break;
	case 'n':
		v = new_value(JC_NULL);
		break;
	default:
		if (c != '-' && !is_digit(c))
			return jc_fail(ps, "unexpected character 0x%02x", c);
		v = new_value(JC_NUMBER);
	}
	if (!v)
		return jc_fail(ps, "out of memory");
	switch (v->type) {
	case JC_OBJECT:
		err = parse_container(ps, v, '}');
		break;
	case JC_ARRAY:
		err = parse_container(ps, v, ']');
		break;
	case JC_STRING:
		err = parse_string(ps, &v->str, &v->len);
		break;
	case JC_BOOL:
		v->boolean = c == 't';
		err = match_word(ps, c == 't' ? "true" : "false") ? 0 :
			jc_fail(ps, "bad literal");
		break;
	case JC_NULL:
		err = match_word(ps, "null") ? 0 : jc_fail(ps, "bad literal");
		break;
	default:
		err = parse_number(ps, v);
	}
	if (err) {
		jc_free(v);
		return err;
	}
	*ret = v;
	return 0;
}

int jc_parse(const char *text, size_t len, struct jc_value **ret_value,
	     char *err, size_t errlen)
{
	struct jc_parser ps = {
		.p = (const unsigned char *)text, .len = len,
		.err = err, .errlen = errlen,
	};
	struct jc_value *v = NULL;
	int ret;

	if (!text || !ret_value)
		return -EINVAL;
	ret = parse_value(&ps, &v);
	if (ret)
		return ret;
	skip_ws(&ps);
	if (ps.pos != ps.len) {
		jc_free(v);
		return jc_fail(&ps, "trailing data after the value");
	}
	*ret_value = v;
	return 0;
}

int jc_parse_lines(const char *text, size_t len,
		   int (*cb)(const struct jc_value *obj, size_t lineno, void *arg),
		   void *arg, size_t *ret_lines, char *err, size_t errlen)
{
	size_t pos = 0, lineno = 0;
	struct jc_value *v;
	const char *nl;
	int ret;

	if (!text)
		return -EINVAL;
	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		lineno++;
		if (!nl) {
			if (err && errlen)
				snprintf(err, errlen, "line %zu: not terminated by a newline",
					 lineno);
			return -EINVAL;
		}
		ret = jc_parse(text + pos, (size_t)(nl - (text + pos)), &v, err, errlen);
		if (ret) {
			if (err && errlen) {
				char tmp[256];

				snprintf(tmp, sizeof(tmp), "line %zu: %s", lineno, err);
				snprintf(err, errlen, "%s", tmp);
			}
			return ret;
		}
		if (v->type != JC_OBJECT) {
			jc_free(v);
			if (err && errlen)
				snprintf(err, errlen, "line %zu: not an object", lineno);
			return -EINVAL;
		}
		ret = cb ? cb(v, lineno, arg) : 0;
		jc_free(v);
		if (ret)
			return ret;
		pos = (size_t)(nl - text) + 1;
	}
	if (ret_lines)
		*ret_lines = lineno;
	return 0;
}

const struct jc_value *jc_get(const struct jc_value *obj, const char *key)
{
	int i = jc_key_index(obj, key);

	return i < 0 ? NULL : obj->items[i];
}

int jc_key_index(const struct jc_value *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != JC_OBJECT || !key)
		return -1;
	for (i = 0; i < obj->n && i < INT_MAX; i++)
		if (!strcmp(obj->keys[i], key))
			return (int)i;
	return -1;
}

const char *jc_get_str(const struct jc_value *obj, const char *key)
{
	const struct jc_value *v = jc_get(obj, key);

	return v && v->type == JC_STRING ? v->str : NULL;
}

bool jc_get_int(const struct jc_value *obj, const char *key, long long *ret)
{
	const struct jc_value *v = jc_get(obj, key);

	if (!v || v->type != JC_NUMBER || !v->is_int)
		return false;
	*ret = v->integer;
	return true;
}

const struct jc_value *jc_at(const struct jc_value *arr, size_t i)
{
	if (!arr || arr->type != JC_ARRAY || i >= arr->n)
		return NULL;
	return arr->items[i];
}
