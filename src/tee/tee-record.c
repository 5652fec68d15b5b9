// SPDX-License-Identifier: MIT
/* Record/replay TEE backend: logs every call to a text file, answers from it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/tree.h>

#include <rheap/tee-backend.h>
#include <rheap/tee.h>

#include "internal.h"
#include "tee/tee-internal.h"

/*
 * Log format (text, version 1). The first line is "rheap-tee-record 1";
 * lines starting with '#' are comments. Then one record per backend call,
 * in call order:
 *
 *   V <rc> <impl_id> <impl_caps> <gen_caps>   get_version
 *   P <rc> <session>                          ta_panic_next
 *   S <rc> <flags> <pa_width> <use_case> <base> <size>
 *                                             protmem_caps (the fast calls)
 *   C <cmd> <size>                            a message method, followed by
 *   > <hex>                                   the message sent (size bytes)
 *   I <param> <hex>                           bytes the TEE could read: the
 *                                             range of each RMEM_INPUT/INOUT
 *                                             parameter, before the call
 *   = <rc>                                    the method's return value
 *   < <hex>                                   the message after the call
 *   O <param> <hex>                           bytes after the call of each
 *                                             RMEM_OUTPUT/INOUT range (the
 *                                             smaller of sent/answered size)
 *   .                                         end of the C record
 *
 * I and O lines exist only for buffers registered while the backend was
 * installed (it learns them from REGISTER_SHM), for the calls that carry
 * such memory references: OPEN_SESSION, INVOKE_COMMAND and
 * GET_PROTMEM_CONFIG (whose attribute array comes back in one).
 *
 * The version line stays 1: a log written before the protected-memory
 * calls existed is still a valid log.
 *
 * Numbers are decimal (rc may be negative), hex is lower-case, two digits a
 * byte, no separators. Host addresses appear only in REGISTER_SHM's tmem
 * buf_ptr; replay ignores them when comparing and uses its own run's.
 *
 * Calls are serialised by the backend's lock, so a recording made by
 * several threads replays in the order the calls really ran; a
 * multi-threaded client replays deterministically only if it issues the
 * same calls in the same order.
 */

#define RECORD_MAGIC "rheap-tee-record 1"
#define OP_VERSION 0x100u
#define OP_PANIC_NEXT 0x101u
#define OP_PROTMEM_CAPS 0x102u

struct rec_data {
	char dir; /* 'I' or 'O' */
	uint32_t param;
	size_t len;
	unsigned char *bytes;
};

struct rec_call {
	uint32_t op; /* RH_OPTEE_MSG_CMD_* or OP_* */
	int rc;
	struct rh_tee_ioctl_version_data vers;
	struct rh_tee_protmem_caps caps;
	uint32_t session;
	size_t size;
	unsigned char *in;
	unsigned char *out;
	unsigned int nr_data;
	struct rec_data *data;
};

struct shm_entry {
	RB_ENTRY(shm_entry) node;
	uint64_t cookie;
	unsigned char *addr;
	uint64_t size;
};

static int shm_entry_cmp(const struct shm_entry *a, const struct shm_entry *b)
{
	return a->cookie < b->cookie ? -1 : a->cookie > b->cookie;
}

RB_HEAD(shm_map, shm_entry);
/* RB_GENERATE_STATIC needs __unused, which libbsd's cdefs.h leaves undefined. */
#define SHM_MAP_RB_ATTR __attribute__((unused)) static
RB_GENERATE_INTERNAL(shm_map, shm_entry, node, shm_entry_cmp, SHM_MAP_RB_ATTR)

struct rh_tee_record {
	struct rh_platform *plat;
	enum rh_tee_record_mode mode;
	const struct rh_tee_ops *inner;
	void *inner_priv;
	pthread_mutex_t lock;
	unsigned int calls;
	struct shm_map shm;
	/* RECORD */
	FILE *fp;
	bool write_error;
	/* REPLAY */
	struct rec_call *log;
	unsigned int nr_log;
	bool diverged;
};

/* ------------------------------------------------------------ helpers */

static const struct rh_optee_msg_param *msg_params(const unsigned char *msg)
{
	return (const struct rh_optee_msg_param *)(msg +
						   sizeof(struct rh_optee_msg_arg));
}

static bool is_rmem_in(uint64_t attr)
{
	attr &= RH_OPTEE_MSG_ATTR_TYPE_MASK;
	return attr == RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT ||
	       attr == RH_OPTEE_MSG_ATTR_TYPE_RMEM_INOUT;
}

static bool is_rmem_out(uint64_t attr)
{
	attr &= RH_OPTEE_MSG_ATTR_TYPE_MASK;
	return attr == RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT ||
	       attr == RH_OPTEE_MSG_ATTR_TYPE_RMEM_INOUT;
}

/* Host range of an rmem parameter, if its buffer is known and it fits. */
static unsigned char *rmem_range(struct rh_tee_record *rec,
				 const struct rh_optee_msg_param *p,
				 uint64_t size)
{
	struct shm_entry key, *e;
	uint64_t end;

	key.cookie = p->u.rmem.shm_ref;
	e = RB_FIND(shm_map, &rec->shm, &key);
	if (!e || __builtin_add_overflow(p->u.rmem.offs, size, &end) ||
	    end > e->size)
		return NULL;
	return e->addr + p->u.rmem.offs;
}

/* Track REGISTER_SHM / UNREGISTER_SHM the TEE accepted. */
static int shm_track(struct rh_tee_record *rec, const struct rh_optee_msg_arg *msg)
{
	struct shm_entry key, *e;

	if (msg->ret != RH_TEEC_SUCCESS || msg->num_params != 1)
		return 0;
	if (msg->cmd == RH_OPTEE_MSG_CMD_REGISTER_SHM) {
		e = rh_zalloc(sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->cookie = msg->params[0].u.tmem.shm_ref;
		/* Contiguous or a NONCONTIG page list the client built. */
		e->addr = (unsigned char *)(uintptr_t)rh_tee_msg_shm_addr(&msg->params[0]);
		e->size = msg->params[0].u.tmem.size;
		if (RB_INSERT(shm_map, &rec->shm, e))
			rh_free(e);
	} else if (msg->cmd == RH_OPTEE_MSG_CMD_UNREGISTER_SHM) {
		key.cookie = msg->params[0].u.rmem.shm_ref;
		e = RB_FIND(shm_map, &rec->shm, &key);
		if (e) {
			RB_REMOVE(shm_map, &rec->shm, e);
			rh_free(e);
		}
	}
	return 0;
}

/* Commands whose parameters may reference registered memory. */
static bool has_ta_params(uint32_t cmd)
{
	return cmd == RH_OPTEE_MSG_CMD_OPEN_SESSION ||
	       cmd == RH_OPTEE_MSG_CMD_INVOKE_COMMAND ||
	       cmd == RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG;
}

/* ------------------------------------------------------------ record */

static void put_hex(FILE *fp, const unsigned char *bytes, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		fputc(digits[bytes[i] >> 4], fp);
		fputc(digits[bytes[i] & 0xf], fp);
	}
}

static void put_data(struct rh_tee_record *rec, char dir, uint32_t i,
		     const unsigned char *bytes, size_t len)
{
	fprintf(rec->fp, "%c %u ", dir, i);
	put_hex(rec->fp, bytes, len);
	fputc('\n', rec->fp);
}

/* I lines: every input range the TEE may read, as it is now. */
static void put_inputs(struct rh_tee_record *rec, const unsigned char *msg)
{
	const struct rh_optee_msg_arg *hdr = (const void *)msg;
	const struct rh_optee_msg_param *p = msg_params(msg);
	const unsigned char *bytes;
	uint32_t i;

	if (!has_ta_params(hdr->cmd))
		return;
	for (i = 0; i < hdr->num_params; i++) {
		if (!is_rmem_in(p[i].attr))
			continue;
		bytes = rmem_range(rec, &p[i], p[i].u.rmem.size);
		if (bytes)
			put_data(rec, 'I', i, bytes, p[i].u.rmem.size);
	}
}

/* O lines: what the TEE wrote into output ranges. */
static void put_outputs(struct rh_tee_record *rec, const unsigned char *sent,
			const struct rh_optee_msg_arg *answer)
{
	const struct rh_optee_msg_arg *hdr = (const void *)sent;
	const struct rh_optee_msg_param *p = msg_params(sent);
	const unsigned char *bytes;
	uint64_t len;
	uint32_t i;

	if (!has_ta_params(hdr->cmd) || answer->num_params != hdr->num_params)
		return;
	for (i = 0; i < hdr->num_params; i++) {
		if (!is_rmem_out(p[i].attr))
			continue;
		len = answer->params[i].u.rmem.size < p[i].u.rmem.size ?
			      answer->params[i].u.rmem.size :
			      p[i].u.rmem.size;
		bytes = rmem_range(rec, &p[i], len);
		if (bytes)
			put_data(rec, 'O', i, bytes, len);
	}
}

static int record_msg(struct rh_tee_record *rec, struct rh_optee_msg_arg *msg,
		      size_t size)
{
	unsigned char *sent;
	int rc;

	sent = rh_malloc(size);
	if (!sent)
		return -ENOMEM;
	memcpy(sent, msg, size);
	pthread_mutex_lock(&rec->lock);
	fprintf(rec->fp, "C %u %zu\n> ", msg->cmd, size);
	put_hex(rec->fp, sent, size);
	fputc('\n', rec->fp);
	/* The input ranges as the TEE will read them. */
	put_inputs(rec, sent);
	rc = rh_tee_ops_call(rec->inner, rec->inner_priv, msg, size);
	fprintf(rec->fp, "= %d\n< ", rc);
	put_hex(rec->fp, (unsigned char *)msg, size);
	fputc('\n', rec->fp);
	put_outputs(rec, sent, msg);
	fputs(".\n", rec->fp);
	if (!rc && shm_track(rec, msg))
		rh_err(rec->plat, "tee-record: no memory to track shm 0x%llx",
		       (unsigned long long)msg->params[0].u.tmem.shm_ref);
	rec->calls++;
	if (ferror(rec->fp))
		rec->write_error = true;
	pthread_mutex_unlock(&rec->lock);
	rh_free(sent);
	return rc;
}

/* ------------------------------------------------------------ replay */

static bool replay_next(struct rh_tee_record *rec, uint32_t op,
			struct rec_call **ret_call)
{
	struct rec_call *c;

	if (rec->diverged)
		return false;
	if (rec->calls >= rec->nr_log) {
		rh_err(rec->plat, "tee-replay: call %u (op 0x%x) is beyond the log (%u calls)",
		       rec->calls + 1, op, rec->nr_log);
		rec->diverged = true;
		return false;
	}
	c = &rec->log[rec->calls];
	if (c->op != op) {
		rh_err(rec->plat, "tee-replay: call %u diverged: op 0x%x, the log has 0x%x",
		       rec->calls + 1, op, c->op);
		rec->diverged = true;
		return false;
	}
	*ret_call = c;
	return true;
}

/* Where @a and @b differ, REGISTER_SHM addresses aside; -1 if equal. */
static long msg_diff(const unsigned char *a, const unsigned char *b, size_t size)
{
	const struct rh_optee_msg_arg *hdr = (const void *)a;
	size_t skip_at = SIZE_MAX, i;

	if (hdr->cmd == RH_OPTEE_MSG_CMD_REGISTER_SHM && hdr->num_params >= 1)
		skip_at = sizeof(struct rh_optee_msg_arg) +
			  offsetof(struct rh_optee_msg_param, u.tmem.buf_ptr);
	for (i = 0; i < size; i++) {
		if (i >= skip_at && i < skip_at + sizeof(uint64_t))
			continue;
		if (a[i] != b[i])
			return (long)i;
	}
	return -1;
}

static int replay_msg(struct rh_tee_record *rec, struct rh_optee_msg_arg *msg,
		      size_t size)
{
	const struct rh_optee_msg_param *p;
	struct rec_call *c;
	unsigned char *bytes;
	uint64_t buf_ptr = 0;
	unsigned int i;
	long at;
	int rc = -EPROTO;

	pthread_mutex_lock(&rec->lock);
	if (!replay_next(rec, msg->cmd, &c))
		goto out;
	if (c->size != size) {
		rh_err(rec->plat, "tee-replay: call %u diverged: message of %zu bytes, the log has %zu",
		       rec->calls + 1, size, c->size);
		goto diverged;
	}
	at = msg_diff((unsigned char *)msg, c->in, size);
	if (at >= 0) {
		rh_err(rec->plat, "tee-replay: call %u (cmd %u) diverged at byte %ld of the message",
		       rec->calls + 1, msg->cmd, at);
		goto diverged;
	}
	p = msg_params((unsigned char *)msg);
	for (i = 0; i < c->nr_data; i++) {
		if (c->data[i].dir != 'I')
			continue;
		bytes = rmem_range(rec, &p[c->data[i].param], c->data[i].len);
		if (!bytes || c->data[i].len != p[c->data[i].param].u.rmem.size ||
		    memcmp(bytes, c->data[i].bytes, c->data[i].len)) {
			rh_err(rec->plat, "tee-replay: call %u diverged: shared memory of param %u differs",
			       rec->calls + 1, c->data[i].param);
			goto diverged;
		}
	}
	/* Outputs go into this run's buffers; check all before writing any. */
	for (i = 0; i < c->nr_data; i++) {
		if (c->data[i].dir != 'O')
			continue;
		if (!rmem_range(rec, &p[c->data[i].param], c->data[i].len) ||
		    c->data[i].len > p[c->data[i].param].u.rmem.size) {
			rh_err(rec->plat, "tee-replay: call %u diverged: output of param %u does not fit",
			       rec->calls + 1, c->data[i].param);
			goto diverged;
		}
	}
	for (i = 0; i < c->nr_data; i++)
		if (c->data[i].dir == 'O')
			memcpy(rmem_range(rec, &p[c->data[i].param], c->data[i].len),
			       c->data[i].bytes, c->data[i].len);

	if (msg->cmd == RH_OPTEE_MSG_CMD_REGISTER_SHM && msg->num_params >= 1)
		buf_ptr = msg->params[0].u.tmem.buf_ptr;
	memcpy(msg, c->out, size);
	if (msg->cmd == RH_OPTEE_MSG_CMD_REGISTER_SHM && msg->num_params >= 1)
		msg->params[0].u.tmem.buf_ptr = buf_ptr;
	rc = c->rc;
	if (!rc && shm_track(rec, msg)) {
		rc = -ENOMEM;
		goto out;
	}
	rec->calls++;
	goto out;

diverged:
	rec->diverged = true;
out:
	pthread_mutex_unlock(&rec->lock);
	return rc;
}

/* ------------------------------------------------------------ ops */

static int rec_message(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	struct rh_tee_record *rec = priv;

	if (!rec || !msg || size < sizeof(*msg) ||
	    size != RH_OPTEE_MSG_GET_ARG_SIZE(msg->num_params) ||
	    size > RH_OPTEE_MSG_MAX_SIZE)
		return -EINVAL;
	if (rec->mode == RH_TEE_RECORD)
		return record_msg(rec, msg, size);
	return replay_msg(rec, msg, size);
}

static int rec_get_version(void *priv, struct rh_tee_ioctl_version_data *ret_vers)
{
	struct rh_tee_record *rec = priv;
	struct rh_tee_ioctl_version_data v = { 0 };
	struct rec_call *c;
	int rc = -EPROTO;

	if (!rec || !ret_vers)
		return -EINVAL;
	pthread_mutex_lock(&rec->lock);
	if (rec->mode == RH_TEE_RECORD) {
		rc = rh_tee_ops_get_version(rec->inner, rec->inner_priv, &v);
		fprintf(rec->fp, "V %d %u %u %u\n", rc, v.impl_id, v.impl_caps,
			v.gen_caps);
		rec->calls++;
	} else if (replay_next(rec, OP_VERSION, &c)) {
		rc = c->rc;
		v = c->vers;
		rec->calls++;
	}
	pthread_mutex_unlock(&rec->lock);
	if (!rc)
		*ret_vers = v;
	return rc;
}

static int rec_ta_panic_next(void *priv, uint32_t session)
{
	struct rh_tee_record *rec = priv;
	struct rec_call *c;
	int rc = -EPROTO;

	if (!rec)
		return -EINVAL;
	pthread_mutex_lock(&rec->lock);
	if (rec->mode == RH_TEE_RECORD) {
		rc = rh_tee_ops_ta_panic_next(rec->inner, rec->inner_priv,
					      session);
		fprintf(rec->fp, "P %d %u\n", rc, session);
		rec->calls++;
	} else if (replay_next(rec, OP_PANIC_NEXT, &c)) {
		if (c->session != session) {
			rh_err(rec->plat, "tee-replay: call %u diverged: panic of session 0x%x, the log has 0x%x",
			       rec->calls + 1, session, c->session);
			rec->diverged = true;
		} else {
			rc = c->rc;
			rec->calls++;
		}
	}
	pthread_mutex_unlock(&rec->lock);
	return rc;
}

static int rec_protmem_caps(void *priv, struct rh_tee_protmem_caps *ret_caps)
{
	struct rh_tee_record *rec = priv;
	struct rh_tee_protmem_caps caps = { 0 };
	struct rec_call *c;
	int rc = -EPROTO;

	if (!rec || !ret_caps)
		return -EINVAL;
	pthread_mutex_lock(&rec->lock);
	if (rec->mode == RH_TEE_RECORD) {
		rc = rh_tee_ops_protmem_caps(rec->inner, rec->inner_priv, &caps);
		fprintf(rec->fp, "S %d %u %u %u %llu %llu\n", rc, caps.flags, caps.pa_width,
			caps.static_use_case, (unsigned long long)caps.static_base,
			(unsigned long long)caps.static_size);
		rec->calls++;
	} else if (replay_next(rec, OP_PROTMEM_CAPS, &c)) {
		rc = c->rc;
		caps = c->caps;
		rec->calls++;
	}
	pthread_mutex_unlock(&rec->lock);
	if (!rc)
		*ret_caps = caps;
	return rc;
}

static const struct rh_tee_ops record_ops = {
	.version = RH_TEE_OPS_VERSION,
	.get_version = rec_get_version,
	.open_session = rec_message,
	.invoke = rec_message,
	.close_session = rec_message,
	.cancel = rec_message,
	.shm_register = rec_message,
	.shm_unregister = rec_message,
	.ta_panic_next = rec_ta_panic_next,
	.lend_protmem = rec_message,
	.reclaim_protmem = rec_message,
	.get_protmem_config = rec_message,
	.protmem_caps = rec_protmem_caps,
};

RH_EXPORT const struct rh_tee_ops *rh_tee_record_get_ops(void)
{
	return &record_ops;
}

/* ------------------------------------------------------------ log parser */

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode exactly @len bytes of lower-case hex that end the line. */
static int parse_hex(const char *s, size_t len, unsigned char **ret_bytes)
{
	unsigned char *bytes;
	int hi, lo;
	size_t i;

	if (strlen(s) != 2 * len)
		return -EINVAL;
	bytes = rh_malloc(len ? len : 1);
	if (!bytes)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		hi = hex_nibble(s[2 * i]);
		lo = hex_nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			rh_free(bytes);
			return -EINVAL;
		}
		bytes[i] = (unsigned char)(hi << 4 | lo);
	}
	*ret_bytes = bytes;
	return 0;
}

static void free_call(struct rec_call *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_data; i++)
		rh_free(c->data[i].bytes);
	rh_free(c->data);
	rh_free(c->in);
	rh_free(c->out);
}

struct parser {
	FILE *fp;
	char *line;
	size_t cap;
	unsigned int lineno;
};

/* Next line without its newline; NULL at the end. */
static const char *next_line(struct parser *ps)
{
	ssize_t n;

	do {
		n = getline(&ps->line, &ps->cap, ps->fp);
		if (n < 0)
			return NULL;
		ps->lineno++;
		if (n && ps->line[n - 1] == '\n')
			ps->line[--n] = '\0';
	} while (ps->line[0] == '#');
	return ps->line;
}

/* Appends one I/O line's data to @c. */
static int parse_data(struct rec_call *c, const char *l, char want)
{
	struct rec_data *data, *d;
	unsigned int param;
	char dir;
	int n = 0, ret;

	if (sscanf(l, "%c %u %n", &dir, &param, &n) != 2 || !n || dir != want ||
	    param >= ((struct rh_optee_msg_arg *)c->in)->num_params ||
	    strlen(l + n) % 2)
		return -EINVAL;
	data = rh_calloc(c->nr_data + 1, sizeof(*data));
	if (!data)
		return -ENOMEM;
	if (c->nr_data)
		memcpy(data, c->data, c->nr_data * sizeof(*data));
	rh_free(c->data);
	c->data = data;
	d = &c->data[c->nr_data];
	d->dir = dir;
	d->param = param;
	d->len = strlen(l + n) / 2;
	ret = parse_hex(l + n, d->len, &d->bytes);
	if (ret)
		return ret;
	c->nr_data++;
	return 0;
}

/* The lines of one "C" record after its first one. */
static int parse_msg_call(struct parser *ps, struct rec_call *c)
{
	const struct rh_optee_msg_arg *hdr;
	const char *l;
	int n = 0, ret;

	l = next_line(ps);
	if (!l || strncmp(l, "> ", 2))
		return -EINVAL;
	ret = parse_hex(l + 2, c->size, &c->in);
	if (ret)
		return ret;
	hdr = (const struct rh_optee_msg_arg *)c->in;
	if (hdr->cmd != c->op ||
	    RH_OPTEE_MSG_GET_ARG_SIZE(hdr->num_params) != c->size)
		return -EINVAL;
	while ((l = next_line(ps)) && l[0] == 'I') {
		ret = parse_data(c, l, 'I');
		if (ret)
			return ret;
	}
	if (!l || sscanf(l, "= %d%n", &c->rc, &n) != 1 || l[n])
		return -EINVAL;
	l = next_line(ps);
	if (!l || strncmp(l, "< ", 2))
		return -EINVAL;
	ret = parse_hex(l + 2, c->size, &c->out);
	if (ret)
		return ret;
	while ((l = next_line(ps)) && l[0] == 'O') {
		ret = parse_data(c, l, 'O');
		if (ret)
			return ret;
	}
	return l && !strcmp(l, ".") ? 0 : -EINVAL;
}

/* An "S" line into @c; false when it does not parse. */
static bool parse_caps(const char *l, struct rec_call *c)
{
	unsigned long long base, size;
	int n = 0;

	if (sscanf(l, "S %d %u %u %u %llu %llu%n", &c->rc, &c->caps.flags,
		   &c->caps.pa_width, &c->caps.static_use_case, &base, &size, &n) != 6 ||
	    l[n])
		return false;
	c->caps.static_base = base;
	c->caps.static_size = size;
	return true;
}

static int parse_log(struct rh_tee_record *rec, FILE *fp)
{
	struct parser ps = { .fp = fp };
	struct rec_call c, *log;
	const char *l;
	int n, ret = 0;

	l = next_line(&ps);
	if (!l || strcmp(l, RECORD_MAGIC)) {
		ret = -EINVAL;
		goto out;
	}
	while ((l = next_line(&ps))) {
		memset(&c, 0, sizeof(c));
		n = 0;
		if (l[0] == 'V' &&
		    sscanf(l, "V %d %u %u %u%n", &c.rc, &c.vers.impl_id,
			   &c.vers.impl_caps, &c.vers.gen_caps, &n) == 4 &&
		    !l[n]) {
			c.op = OP_VERSION;
		} else if (l[0] == 'P' &&
			   sscanf(l, "P %d %u%n", &c.rc, &c.session, &n) == 2 &&
			   !l[n]) {
			c.op = OP_PANIC_NEXT;
		} else if (l[0] == 'S' && parse_caps(l, &c)) {
			c.op = OP_PROTMEM_CAPS;
		} else if (l[0] == 'C' &&
			   sscanf(l, "C %u %zu%n", &c.op, &c.size, &n) == 2 &&
			   !l[n] && c.size >= sizeof(struct rh_optee_msg_arg) &&
			   c.size <= RH_OPTEE_MSG_MAX_SIZE) {
			ret = parse_msg_call(&ps, &c);
		} else {
			ret = -EINVAL;
		}
		if (!ret && c.rc > 0)
			ret = -EINVAL;
		if (!ret) {
			log = rh_calloc(rec->nr_log + 1, sizeof(*log));
			ret = log ? 0 : -ENOMEM;
		}
		if (ret) {
			free_call(&c);
			goto out;
		}
		if (rec->nr_log)
			memcpy(log, rec->log, rec->nr_log * sizeof(*log));
		rh_free(rec->log);
		rec->log = log;
		rec->log[rec->nr_log++] = c;
	}
out:
	if (ret == -EINVAL)
		rh_err(rec->plat, "tee-replay: malformed log at line %u",
		       ps.lineno);
	free(ps.line); /* getline()'s buffer: libc's allocator */
	return ret;
}

/* ------------------------------------------------------------ lifetime */

RH_EXPORT int rh_tee_record_new(struct rh_platform *plat, const char *path,
				enum rh_tee_record_mode mode,
				const struct rh_tee_ops *inner, void *inner_priv,
				struct rh_tee_record **ret_rec)
{
	struct rh_tee_record *rec;
	FILE *fp;
	int ret;

	if (!path || !ret_rec ||
	    (mode == RH_TEE_RECORD &&
	     (!inner || inner->version < RH_TEE_OPS_VERSION_MIN ||
	      inner->version > RH_TEE_OPS_VERSION)) ||
	    (mode == RH_TEE_REPLAY && inner) ||
	    (mode != RH_TEE_RECORD && mode != RH_TEE_REPLAY))
		return -EINVAL;
	rec = rh_zalloc(sizeof(*rec));
	if (!rec)
		return -ENOMEM;
	rec->plat = plat;
	rec->mode = mode;
	rec->inner = inner;
	rec->inner_priv = inner_priv;
	RB_INIT(&rec->shm);

	fp = fopen(path, mode == RH_TEE_RECORD ? "we" : "re");
	if (!fp) {
		ret = -errno;
		rh_err(plat, "tee-record: cannot open %s: %s", path,
		       strerror(-ret));
		goto err_free;
	}
	if (mode == RH_TEE_RECORD) {
		fprintf(fp, "%s\n# the message of every TEE call, in call order\n",
			RECORD_MAGIC);
		rec->fp = fp;
	} else {
		ret = parse_log(rec, fp);
		fclose(fp);
		if (ret)
			goto err_free;
	}
	pthread_mutex_init(&rec->lock, NULL);
	*ret_rec = rec;
	return 0;

err_free:
	while (rec->nr_log)
		free_call(&rec->log[--rec->nr_log]);
	rh_free(rec->log);
	rh_free(rec);
	return ret;
}

RH_EXPORT unsigned int rh_tee_record_calls(const struct rh_tee_record *rec)
{
	return rec ? rec->calls : 0;
}

RH_EXPORT int rh_tee_record_finish(struct rh_tee_record *rec)
{
	int ret = 0;

	if (!rec)
		return -EINVAL;
	pthread_mutex_lock(&rec->lock);
	if (rec->mode == RH_TEE_RECORD) {
		if (rec->fp && (fflush(rec->fp) || ferror(rec->fp)))
			rec->write_error = true;
		if (rec->write_error) {
			rh_err(rec->plat, "tee-record: writing the log failed");
			ret = -EIO;
		}
	} else if (rec->diverged) {
		ret = -EPROTO;
	} else if (rec->calls != rec->nr_log) {
		rh_err(rec->plat, "tee-replay: %u of %u logged calls were not replayed",
		       rec->nr_log - rec->calls, rec->nr_log);
		ret = -EPROTO;
	}
	pthread_mutex_unlock(&rec->lock);
	return ret;
}

RH_EXPORT void rh_tee_record_free(struct rh_tee_record *rec)
{
	struct shm_entry *e, *next;

	if (!rec)
		return;
	if (rec->fp)
		fclose(rec->fp);
	RB_FOREACH_SAFE(e, shm_map, &rec->shm, next) {
		RB_REMOVE(shm_map, &rec->shm, e);
		rh_free(e);
	}
	while (rec->nr_log)
		free_call(&rec->log[--rec->nr_log]);
	rh_free(rec->log);
	pthread_mutex_destroy(&rec->lock);
	rh_free(rec);
}
