// SPDX-License-Identifier: MIT
/* Trace formatting shared by the sinks: line buffers, JSON and display text, the narration sentence. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <rheap/firewall.h>
#include <rheap/tee.h>
#include <rheap/trace.h>

#include "internal.h"
#include "trace/trace.h"

void rh_sbuf_init(struct rh_sbuf *sb, char *buf, size_t cap)
{
	sb->buf = buf;
	sb->cap = cap;
	sb->len = 0;
	sb->overflow = false;
	if (cap)
		buf[0] = '\0';
}

static void sbuf_put(struct rh_sbuf *sb, const char *s, size_t n)
{
	size_t room = sb->cap ? sb->cap - 1 - sb->len : 0;

	if (n > room) {
		n = room;
		sb->overflow = true;
	}
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	if (sb->cap)
		sb->buf[sb->len] = '\0';
}

void rh_sbuf_puts(struct rh_sbuf *sb, const char *s)
{
	sbuf_put(sb, s, strlen(s));
}

void rh_sbuf_putc(struct rh_sbuf *sb, char c)
{
	sbuf_put(sb, &c, 1);
}

void rh_sbuf_printf(struct rh_sbuf *sb, const char *fmt, ...)
{
	size_t room = sb->cap ? sb->cap - sb->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room) {
		sb->overflow = true;
		sb->len = room ? sb->cap - 1 : sb->len;
	} else {
		sb->len += (size_t)n;
	}
}

size_t rh_utf8_seq_len(const unsigned char *s, size_t len)
{
	uint32_t cp;
	size_t n, i;

	if (!len)
		return 0;
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
	/* Overlong forms, UTF-16 surrogates, beyond Unicode. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void rh_sbuf_json_string(struct rh_sbuf *sb, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	/* A few bytes past @max so a sequence cut by the limit is seen whole. */
	size_t full = strnlen((const char *)p, max + 4), i = 0, n;
	size_t len = full < max ? full : max;
	char esc[8];

	rh_sbuf_putc(sb, '"');
	while (i < len) {
		unsigned char c = p[i];

		if (c >= 0x80) {
			n = rh_utf8_seq_len(p + i, full - i);
			if (n && i + n > len)
				break;
			if (n) {
				sbuf_put(sb, (const char *)p + i, n);
				i += n;
			} else {
				/* Invalid UTF-8 would make the document invalid. */
				rh_sbuf_puts(sb, "\\ufffd");
				i++;
			}
			continue;
		}
		switch (c) {
		case '"':
			rh_sbuf_puts(sb, "\\\"");
			break;
		case '\\':
			rh_sbuf_puts(sb, "\\\\");
			break;
		case '\n':
			rh_sbuf_puts(sb, "\\n");
			break;
		case '\r':
			rh_sbuf_puts(sb, "\\r");
			break;
		case '\t':
			rh_sbuf_puts(sb, "\\t");
			break;
		case '\b':
			rh_sbuf_puts(sb, "\\b");
			break;
		case '\f':
			rh_sbuf_puts(sb, "\\f");
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				rh_sbuf_puts(sb, esc);
			} else {
				rh_sbuf_putc(sb, (char)c);
			}
		}
		i++;
	}
	rh_sbuf_putc(sb, '"');
}

void rh_sbuf_size(struct rh_sbuf *sb, uint64_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	if (!size || size % 1024) {
		rh_sbuf_printf(sb, "%" PRIu64 " bytes", size);
		return;
	}
	size /= 1024;
	while (u + 1 < RH_ARRAY_SIZE(units) && size % 1024 == 0) {
		size /= 1024;
		u++;
	}
	rh_sbuf_printf(sb, "%" PRIu64 " %s", size, units[u]);
}

int rh_sbuf_write(const struct rh_sbuf *sb, FILE *out)
{
	if (fwrite(sb->buf, 1, sb->len, out) != sb->len || ferror(out))
		return -EIO;
	return 0;
}

/*
 * Narration text must not carry terminal control sequences or broken UTF-8
 * from caller-supplied names: control characters and invalid bytes become '?'.
 */
void rh_sbuf_text(struct rh_sbuf *sb, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "?");
	size_t full = strnlen((const char *)p, max + 4), i = 0, n;
	size_t len = full < max ? full : max;

	while (i < len) {
		if (p[i] >= 0x80) {
			n = rh_utf8_seq_len(p + i, full - i);
			if (n && i + n > len)
				break;
			if (n) {
				sbuf_put(sb, (const char *)p + i, n);
				i += n;
				continue;
			}
		}
		rh_sbuf_putc(sb, p[i] < 0x20 || p[i] >= 0x7f ? '?' : (char)p[i]);
		i++;
	}
	if (full > max)
		rh_sbuf_puts(sb, "...");
}

static void sbuf_name(struct rh_sbuf *sb, const char *s)
{
	rh_sbuf_text(sb, s, RH_TRACE_NAME_MAX);
}

static void sbuf_range(struct rh_sbuf *sb, uint64_t pa, uint64_t size)
{
	rh_sbuf_printf(sb, "0x%" PRIx64 " (", pa);
	rh_sbuf_size(sb, size);
	rh_sbuf_putc(sb, ')');
}

/* "4477588a-... (mtk-secmem)": the UUID the wire carries, and what it is. */
static void sbuf_ta(struct rh_sbuf *sb, const char *ta)
{
	const char *short_name = rh_trace_tee_ta_name(ta);

	sbuf_name(sb, ta);
	if (short_name)
		rh_sbuf_printf(sb, " (%s)", short_name);
}

/* "cmd 0x10000 (SECMEM_ZALLOC)", or "cmd 0x7" for a command of another TA. */
static void sbuf_tee_cmd(struct rh_sbuf *sb, const char *ta, uint32_t cmd)
{
	const char *cmd_name = rh_trace_tee_cmd_name(ta, cmd);

	rh_sbuf_printf(sb, "cmd 0x%" PRIx32, cmd);
	if (cmd_name)
		rh_sbuf_printf(sb, " (%s)", cmd_name);
}

/* "0xffff0001 (TEEC_ERROR_ACCESS_DENIED) origin 4 (TA)": numbers and their names. */
static void sbuf_tee_result(struct rh_sbuf *sb, uint32_t result, uint32_t origin)
{
	const char *result_name = rh_tee_result_name(result);
	const char *origin_name = rh_trace_tee_origin_name(origin);

	rh_sbuf_printf(sb, "0x%08" PRIx32, result);
	if (strcmp(result_name, "unknown"))
		rh_sbuf_printf(sb, " (%s)", result_name);
	rh_sbuf_printf(sb, " origin %" PRIu32, origin);
	if (origin_name)
		rh_sbuf_printf(sb, " (%s)", origin_name);
}

/* "850 ns", "3.3 us", "18.5 ms", "1.25 s": three significant digits at most. */
void rh_sbuf_duration(struct rh_sbuf *sb, uint64_t ns)
{
	static const struct {
		uint64_t div;
		const char *unit;
	} units[] = { { 1000000000u, "s" }, { 1000000u, "ms" }, { 1000u, "us" } };
	size_t i;

	for (i = 0; i < RH_ARRAY_SIZE(units); i++) {
		if (ns >= units[i].div) {
			double v = (double)ns / (double)units[i].div;

			rh_sbuf_printf(sb, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s",
				       v, units[i].unit);
			return;
		}
	}
	rh_sbuf_printf(sb, "%" PRIu64 " ns", ns);
}

enum { USED_MSG = 1, USED_ERR = 2 };

/* The sentence proper; returns which optional fields it already said. */
static unsigned int sentence_body(struct rh_sbuf *sb, const struct rh_trace_event *ev)
{
	const char *name = ev->name;
	char ebuf[16];
	const char *en = rh_trace_errno_name(ev->err, ebuf, sizeof(ebuf));

	switch (ev->type) {
	case RH_TRACE_PLATFORM_BOOT:
		rh_sbuf_puts(sb, "boot ");
		sbuf_name(sb, name);
		rh_sbuf_puts(sb, ": DRAM at ");
		sbuf_range(sb, ev->pa, ev->size);
		rh_sbuf_printf(sb, ", %" PRIu64 " reserved region%s", ev->count,
			       ev->count == 1 ? "" : "s");
		return 0;
	case RH_TRACE_PLATFORM_SHUTDOWN:
		rh_sbuf_puts(sb, "shutdown ");
		sbuf_name(sb, name);
		return 0;
	case RH_TRACE_REGION_RESERVED:
		rh_sbuf_puts(sb, "reserved region ");
		sbuf_name(sb, name);
		rh_sbuf_puts(sb, " at ");
		sbuf_range(sb, ev->pa, ev->size);
		return 0;
	case RH_TRACE_FIREWALL_PROGRAM:
		rh_sbuf_printf(sb, "slot %" PRIu64 " programmed: ", ev->id);
		sbuf_range(sb, ev->pa, ev->size);
		rh_sbuf_puts(sb, " is secure-only");
		if (name) {
			rh_sbuf_puts(sb, " for ");
			sbuf_name(sb, name);
		}
		rh_sbuf_printf(sb, " (%" PRIu64 " slot%s in use)", ev->count,
			       ev->count == 1 ? "" : "s");
		return 0;
	case RH_TRACE_FIREWALL_CLEAR:
		rh_sbuf_printf(sb, "slot %" PRIu64 " cleared: ", ev->id);
		sbuf_range(sb, ev->pa, ev->size);
		rh_sbuf_printf(sb, " is normal memory again (%" PRIu64 " slot%s in use)",
			       ev->count, ev->count == 1 ? "" : "s");
		return 0;
	case RH_TRACE_FIREWALL_VIOLATION:
		rh_sbuf_puts(sb, "VIOLATION by master ");
		sbuf_name(sb, name);
		/* RH_MASTER_CPU (phys.h) has no bus id worth printing. */
		if (ev->id != UINT32_MAX)
			rh_sbuf_printf(sb, " (id %" PRIu64 ")", ev->id);
		if (ev->msg) {
			rh_sbuf_putc(sb, ' ');
			rh_sbuf_text(sb, ev->msg, RH_TRACE_MSG_MAX);
		}
		rh_sbuf_puts(sb, " at ");
		sbuf_range(sb, ev->pa, ev->size);
		rh_sbuf_puts(sb, ": blocked and logged");
		return USED_MSG;
	case RH_TRACE_CPU_TRAP:
		rh_sbuf_puts(sb, "CPU access to ");
		sbuf_range(sb, ev->pa, ev->size);
		rh_sbuf_printf(sb, " trapped (-%s)", en);
		return USED_ERR;
	case RH_TRACE_HEAP_REGISTER:
		rh_sbuf_puts(sb, "heap ");
		sbuf_name(sb, name);
		rh_sbuf_puts(sb, " registered");
		return 0;
	case RH_TRACE_HEAP_OPEN:
		rh_sbuf_puts(sb, "open /dev/dma_heap/");
		sbuf_name(sb, name);
		if (ev->err) {
			rh_sbuf_printf(sb, " failed (-%s)", en);
			return USED_ERR;
		}
		rh_sbuf_printf(sb, " -> fd %" PRIu64, ev->id);
		return 0;
	case RH_TRACE_BUFFER_ALLOC:
		sbuf_name(sb, name);
		if (ev->err) {
			rh_sbuf_puts(sb, ": allocating ");
			rh_sbuf_size(sb, ev->size);
			rh_sbuf_printf(sb, " failed (-%s)", en);
			return USED_ERR;
		}
		rh_sbuf_puts(sb, ": allocated ");
		rh_sbuf_size(sb, ev->size);
		rh_sbuf_printf(sb, " as buffer #%" PRIu64, ev->id);
		if (ev->count)
			rh_sbuf_printf(sb, " (%" PRIu64 " sg entr%s, first at 0x%" PRIx64 ")",
				       ev->count, ev->count == 1 ? "y" : "ies", ev->pa);
		return 0;
	case RH_TRACE_BUFFER_FREE:
		sbuf_name(sb, name);
		rh_sbuf_printf(sb, ": freed buffer #%" PRIu64 " (", ev->id);
		rh_sbuf_size(sb, ev->size);
		rh_sbuf_putc(sb, ')');
		return 0;
	case RH_TRACE_BUFFER_EXPORT:
		sbuf_name(sb, name);
		rh_sbuf_printf(sb, ": buffer #%" PRIu64 " exported as fd %" PRIu64,
			       ev->id, ev->handle);
		return 0;
	case RH_TRACE_ATTACH:
	case RH_TRACE_DETACH:
		rh_sbuf_printf(sb, "%s buffer #%" PRIu64,
			       ev->type == RH_TRACE_ATTACH ? "attach" : "detach", ev->id);
		if (name) {
			rh_sbuf_puts(sb, " (");
			sbuf_name(sb, name);
			rh_sbuf_putc(sb, ')');
		}
		if (ev->err) {
			rh_sbuf_printf(sb, " failed (-%s)", en);
			return USED_ERR;
		}
		return 0;
	case RH_TRACE_MAP:
		rh_sbuf_printf(sb, "map buffer #%" PRIu64 ": %" PRIu64 " entr%s at dma 0x%" PRIx64
			       " (", ev->id, ev->count, ev->count == 1 ? "y" : "ies", ev->pa);
		rh_sbuf_size(sb, ev->size);
		rh_sbuf_printf(sb, "), restricted = %s", ev->secure ? "true" : "false");
		return 0;
	case RH_TRACE_UNMAP:
		rh_sbuf_printf(sb, "unmap buffer #%" PRIu64, ev->id);
		return 0;
	case RH_TRACE_CPU_ACCESS_DENIED:
		sbuf_name(sb, name);
		rh_sbuf_printf(sb, ": CPU access to buffer #%" PRIu64, ev->id);
		if (ev->msg) {
			rh_sbuf_puts(sb, " (");
			rh_sbuf_text(sb, ev->msg, RH_TRACE_MSG_MAX);
			rh_sbuf_putc(sb, ')');
		}
		rh_sbuf_printf(sb, " refused (-%s)", en);
		return USED_MSG | USED_ERR;
	case RH_TRACE_MMAP_DENIED:
		sbuf_name(sb, name);
		rh_sbuf_printf(sb, ": mmap of buffer #%" PRIu64 " refused (-%s)", ev->id, en);
		return USED_ERR;
	case RH_TRACE_TEE_OPEN_SESSION:
		rh_sbuf_puts(sb, "open session with TA ");
		sbuf_ta(sb, name);
		if (ev->err || ev->tee_result) {
			rh_sbuf_puts(sb, " failed: ");
			sbuf_tee_result(sb, ev->tee_result, ev->origin);
			rh_sbuf_printf(sb, " (-%s)", en);
			return USED_ERR;
		}
		rh_sbuf_printf(sb, " -> session %" PRIu64, ev->id);
		return 0;
	case RH_TRACE_TEE_CLOSE_SESSION:
		rh_sbuf_printf(sb, "close session %" PRIu64 " with TA ", ev->id);
		sbuf_ta(sb, name);
		return 0;
	case RH_TRACE_TEE_INVOKE:
		rh_sbuf_puts(sb, "invoke ");
		sbuf_tee_cmd(sb, name, ev->cmd);
		rh_sbuf_printf(sb, " on session %" PRIu64, ev->id);
		if (name) {
			rh_sbuf_puts(sb, " of TA ");
			sbuf_ta(sb, name);
		}
		return 0;
	case RH_TRACE_TEE_RETURN:
		sbuf_tee_cmd(sb, name, ev->cmd);
		rh_sbuf_puts(sb, " returned ");
		sbuf_tee_result(sb, ev->tee_result, ev->origin);
		/*
		 * A call that succeeded while the TA refused the request in an
		 * output (SECMEM_FREE's p1.a) must not read as a success.
		 */
		if (ev->err && !ev->tee_result) {
			rh_sbuf_puts(sb, " but the TA refused it");
			if (ev->msg && ev->msg[0]) {
				rh_sbuf_puts(sb, ": ");
				rh_sbuf_text(sb, ev->msg, RH_TRACE_MSG_MAX);
			}
		}
		if (ev->err)
			rh_sbuf_printf(sb, " (-%s)", en);
		if (ev->dur_ns) {
			rh_sbuf_puts(sb, " after ");
			rh_sbuf_duration(sb, ev->dur_ns);
		}
		return USED_ERR | (ev->err && !ev->tee_result ? USED_MSG : 0);
	case RH_TRACE_WORLD_SWITCH:
		rh_sbuf_puts(sb, ev->secure ? "SMC: enter the secure world" :
					      "return to the normal world");
		if (ev->count)
			rh_sbuf_printf(sb, " (switch %" PRIu64 ")", ev->count);
		return 0;
	case RH_TRACE_TEE_PANIC:
		rh_sbuf_puts(sb, "TA ");
		sbuf_name(sb, name);
		rh_sbuf_puts(sb, " panicked");
		return 0;
	case RH_TRACE_TA_ALLOC:
		sbuf_name(sb, name);
		if (ev->err) {
			rh_sbuf_puts(sb, ": allocating ");
			rh_sbuf_size(sb, ev->size);
			rh_sbuf_printf(sb, " refused (-%s)", en);
			return USED_ERR;
		}
		rh_sbuf_puts(sb, ": zero-allocated ");
		sbuf_range(sb, ev->pa, ev->size);
		rh_sbuf_printf(sb, " as handle 0x%" PRIx64, ev->handle);
		return 0;
	case RH_TRACE_TA_FREE:
		sbuf_name(sb, name);
		if (ev->err) {
			rh_sbuf_printf(sb, ": free of handle 0x%" PRIx64 " refused (-%s)",
				       ev->handle, en);
			return USED_ERR;
		}
		rh_sbuf_printf(sb, ": freed handle 0x%" PRIx64 " (", ev->handle);
		rh_sbuf_size(sb, ev->size);
		rh_sbuf_putc(sb, ')');
		return 0;
	case RH_TRACE_TA_SCRUB:
		sbuf_name(sb, name);
		rh_sbuf_puts(sb, ": scrubbed ");
		sbuf_range(sb, ev->pa, ev->size);
		rh_sbuf_puts(sb, " to zero");
		return 0;
	case RH_TRACE_CMA_ALLOC:
	case RH_TRACE_CMA_RELEASE:
		rh_sbuf_puts(sb, "cma ");
		sbuf_name(sb, name);
		rh_sbuf_puts(sb, ev->type == RH_TRACE_CMA_ALLOC ? ": allocated " : ": released ");
		sbuf_range(sb, ev->pa, ev->size);
		if (ev->err) {
			rh_sbuf_printf(sb, " failed (-%s)", en);
			return USED_ERR;
		}
		return 0;
	case RH_TRACE_REGION_LEND:
	case RH_TRACE_REGION_RECLAIM:
		rh_sbuf_puts(sb, "region ");
		sbuf_name(sb, name);
		rh_sbuf_puts(sb, " ");
		sbuf_range(sb, ev->pa, ev->size);
		rh_sbuf_puts(sb, ev->type == RH_TRACE_REGION_LEND ? " lent to the TEE" :
								    " given back by the TEE");
		return 0;
	case RH_TRACE_DEVICE_SECURE_SWITCH:
		rh_sbuf_puts(sb, ev->secure ? "switched to secure mode" :
					      "switched to normal mode");
		return 0;
	case RH_TRACE_DMA_READ:
	case RH_TRACE_DMA_WRITE:
		rh_sbuf_puts(sb, ev->type == RH_TRACE_DMA_READ ? "DMA read of " :
								 "DMA write of ");
		sbuf_range(sb, ev->pa, ev->size);
		rh_sbuf_puts(sb, ev->secure ? " as a secure master" : " as a non-secure master");
		return 0;
	case RH_TRACE_DMA_DENIED:
		rh_sbuf_puts(sb, "DMA ");
		if (ev->msg) {
			rh_sbuf_text(sb, ev->msg, RH_TRACE_MSG_MAX);
			rh_sbuf_putc(sb, ' ');
		}
		rh_sbuf_puts(sb, "of ");
		sbuf_range(sb, ev->pa, ev->size);
		rh_sbuf_printf(sb, " refused by the firewall (-%s)", en);
		return USED_MSG | USED_ERR;
	case RH_TRACE_DECRYPT:
		sbuf_name(sb, name);
		rh_sbuf_puts(sb, ": decrypted ");
		rh_sbuf_size(sb, ev->size);
		/* Handle 0: a registered protected buffer (the TEE names it by address). */
		if (ev->handle)
			rh_sbuf_printf(sb, " into handle 0x%" PRIx64, ev->handle);
		else
			rh_sbuf_puts(sb, " into a registered protected buffer");
		if (ev->msg) {
			rh_sbuf_puts(sb, " (");
			rh_sbuf_text(sb, ev->msg, RH_TRACE_MSG_MAX);
			rh_sbuf_putc(sb, ')');
		}
		return USED_MSG;
	case RH_TRACE_FRAME_DIGEST:
		rh_sbuf_printf(sb, "frame %" PRIu64 " digest ", ev->id);
		rh_sbuf_text(sb, ev->msg ? ev->msg : "-", RH_TRACE_MSG_MAX);
		return USED_MSG;
	case RH_TRACE_ATTACK:
		rh_sbuf_puts(sb, "attack ");
		sbuf_name(sb, name);
		if (ev->err)
			rh_sbuf_printf(sb, ": refused (-%s)", en);
		else
			rh_sbuf_puts(sb, ": SUCCEEDED");
		return USED_ERR;
	case RH_TRACE_NOTE:
		rh_sbuf_text(sb, ev->msg && ev->msg[0] ? ev->msg : "(note)", RH_TRACE_MSG_MAX);
		return USED_MSG;
	case RH_TRACE_PHASE_BEGIN:
		rh_sbuf_puts(sb, "== ");
		sbuf_name(sb, name);
		rh_sbuf_puts(sb, " ==");
		return 0;
	case RH_TRACE_PHASE_END:
		rh_sbuf_puts(sb, "end of ");
		sbuf_name(sb, name);
		return 0;
	case RH_TRACE_SIM_COST:
		rh_sbuf_puts(sb, "simulated ");
		sbuf_name(sb, name);
		if (ev->size) {
			rh_sbuf_puts(sb, " of ");
			rh_sbuf_size(sb, ev->size);
		} else if (ev->count > 1) {
			rh_sbuf_printf(sb, " x%" PRIu64, ev->count);
		}
		rh_sbuf_puts(sb, ": ");
		rh_sbuf_duration(sb, ev->sim_dur_ns);
		return 0;
	case RH_TRACE_NR_TYPES:
		break;
	}
	rh_sbuf_puts(sb, "?");
	return 0;
}

void rh_trace_sentence(struct rh_sbuf *sb, const struct rh_trace_event *ev)
{
	unsigned int used = sentence_body(sb, ev);
	char ebuf[16];

	if (ev->err && !(used & USED_ERR))
		rh_sbuf_printf(sb, " (-%s)", rh_trace_errno_name(ev->err, ebuf, sizeof(ebuf)));
	if (ev->msg && ev->msg[0] && !(used & USED_MSG)) {
		rh_sbuf_puts(sb, ": ");
		rh_sbuf_text(sb, ev->msg, RH_TRACE_MSG_MAX);
	}
}
