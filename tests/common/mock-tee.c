// SPDX-License-Identifier: MIT
/* A cmocka mock of struct rh_tee_ops: queued calls, scripted answers, pass-through to a TEE. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rheap/tee-backend.h>
#include <rheap/tee-mock.h>
#include <rheap/tee-secmem.h>
#include <rheap/trace.h>

/*
 * Script entries live in fixed arrays: the mock allocates nothing, so the
 * library's fail-nth sweeps never land in it. Each entry also puts one
 * value in cmocka's will_return queue under a name of its own, taken back
 * when the entry is used: cmocka then fails a test that ends with entries
 * left, at the test's line that scripted them.
 */
#define MOCK_MAX_ENTRIES 256
#define MOCK_MAX_SESSIONS 64
#define MOCK_NAME_LEN 160
#define MOCK_LOG_LEN 512

enum entry_kind {
	ENTRY_FREE,
	ENTRY_EXPECT,  /* queued: the next call, in order */
	ENTRY_ANSWER,  /* scripted: the nth matching call */
	ENTRY_VERSION, /* queued get_version */
	ENTRY_PANIC,   /* queued ta_panic_next */
};

struct entry {
	enum entry_kind kind;
	unsigned long seq; /* order of scripting: the queue's order */
	uint32_t cmd, func;
	unsigned int left; /* ENTRY_ANSWER: matching calls until it is used */
	struct rh_mock_tee_reply reply;
	bool has_vers;
	struct rh_tee_ioctl_version_data vers;
	uint32_t session;
	int rc;
	const char *file;
	int line;
	char name[MOCK_NAME_LEN]; /* its cmocka will_return key */
};

struct session_ta {
	bool used;
	uint32_t id;
	char uuid[RH_UUID_STRING_LEN + 1];
};

static struct {
	pthread_mutex_t lock;
	struct entry entries[MOCK_MAX_ENTRIES];
	unsigned long next_seq;
	/* the backend behind an installed mock; NULL ops: every call queued */
	const struct rh_tee_ops *inner;
	void *inner_priv;
	/* where the script was set up, for failures nothing else locates */
	const char *file;
	int line;
	/* the test's last scripting call (the place to look without install) */
	const char *last_file;
	int last_line;
	struct session_ta sessions[MOCK_MAX_SESSIONS];
	unsigned int next_session;
	bool quiet; /* a scripted answer was used: library log lines are expected */
	unsigned int log_count;
	char last_log[MOCK_LOG_LEN];
} mock = { .lock = PTHREAD_MUTEX_INITIALIZER };

static const struct rh_tee_ioctl_version_data default_version = {
	.impl_id = RH_TEE_IMPL_ID_OPTEE,
	.impl_caps = RH_TEE_OPTEE_CAP_TZ,
	.gen_caps = RH_TEE_GEN_CAP_GP | RH_TEE_GEN_CAP_REG_MEM |
		    RH_TEE_GEN_CAP_MEMREF_NULL,
};

static const struct rh_tee_ops mock_tee_ops;

/* ------------------------------------------------------------ names */

static const char *msg_cmd_name(uint32_t cmd)
{
	static const char *const names[] = {
		[RH_OPTEE_MSG_CMD_OPEN_SESSION] = "OPEN_SESSION",
		[RH_OPTEE_MSG_CMD_INVOKE_COMMAND] = "INVOKE_COMMAND",
		[RH_OPTEE_MSG_CMD_CLOSE_SESSION] = "CLOSE_SESSION",
		[RH_OPTEE_MSG_CMD_CANCEL] = "CANCEL",
		[RH_OPTEE_MSG_CMD_REGISTER_SHM] = "REGISTER_SHM",
		[RH_OPTEE_MSG_CMD_UNREGISTER_SHM] = "UNREGISTER_SHM",
		[RH_OPTEE_MSG_CMD_LEND_PROTMEM] = "LEND_PROTMEM",
		[RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM] = "RECLAIM_PROTMEM",
		[RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG] = "GET_PROTMEM_CONFIG",
	};

	return cmd < sizeof(names) / sizeof(names[0]) && names[cmd] ? names[cmd] :
	       "unknown command";
}

/* A TA command's name when the TA is known, or when only one shipped TA has it. */
static const char *func_name(const char *ta, uint32_t func)
{
	const char *secmem = rh_trace_tee_cmd_name(RH_TZ_TA_MEM_UUID_MTK, func);
	const char *svp = rh_trace_tee_cmd_name(RH_TA_SVP_UUID, func);

	if (ta)
		return rh_trace_tee_cmd_name(ta, func);
	return secmem && !svp ? secmem : svp && !secmem ? svp : NULL;
}

/* "INVOKE_COMMAND of SECMEM_ZALLOC (func 0x10000)", "OPEN_SESSION". */
static void describe_call(char *buf, size_t len, uint32_t cmd, uint32_t func, const char *ta)
{
	const char *fname = func_name(ta, func);

	if (cmd != RH_OPTEE_MSG_CMD_INVOKE_COMMAND)
		snprintf(buf, len, "%s", msg_cmd_name(cmd));
	else if (fname)
		snprintf(buf, len, "INVOKE_COMMAND of %s (func 0x%" PRIx32 ")", fname, func);
	else
		snprintf(buf, len, "INVOKE_COMMAND of func 0x%" PRIx32, func);
}

/* The TA of a session opened through the mock, or NULL. Lock held. */
static const char *session_ta(uint32_t id)
{
	unsigned int i;

	for (i = 0; i < MOCK_MAX_SESSIONS; i++)
		if (mock.sessions[i].used && mock.sessions[i].id == id)
			return mock.sessions[i].uuid;
	return NULL;
}

/* Remembers which TA an answered OPEN_SESSION reached. Lock held. */
static void session_seen(const struct rh_optee_msg_arg *msg)
{
	struct session_ta *s = &mock.sessions[mock.next_session++ % MOCK_MAX_SESSIONS];

	if (msg->num_params < 1 || msg->ret != RH_TEEC_SUCCESS)
		return;
	s->used = true;
	s->id = msg->session;
	rh_uuid_unparse((const uint8_t *)&msg->params[0].u.value, s->uuid);
}

/* ------------------------------------------------------------ failing */

/*
 * Fails the running test with @fmt, located at the test's scripting line
 * (the failing call comes from inside the library). Never with the lock
 * held: cmocka leaves the function by longjmp.
 */
static void mock_fail(const char *file, int line, const char *fmt, ...) RH_PRINTF(3, 4);
static void mock_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("rh_mock_tee: %s\n", msg);
	_fail(file ? file : "rheap/tee-mock.h", line);
}

/* ------------------------------------------------------------ the script */

static struct entry *entry_new(enum entry_kind kind, const char *file, int line)
{
	struct entry *e = NULL;
	unsigned int i;

	pthread_mutex_lock(&mock.lock);
	for (i = 0; i < MOCK_MAX_ENTRIES && !e; i++)
		if (mock.entries[i].kind == ENTRY_FREE)
			e = &mock.entries[i];
	if (e) {
		memset(e, 0, sizeof(*e));
		e->kind = kind;
		e->seq = mock.next_seq++;
		e->file = file;
		e->line = line;
		mock.last_file = file;
		mock.last_line = line;
	}
	pthread_mutex_unlock(&mock.lock);
	if (!e)
		mock_fail(file, line, "more than %d calls scripted at once", MOCK_MAX_ENTRIES);
	return e;
}

/* Hands @e to cmocka's end-of-test check, under the name it would report. */
static void entry_arm(struct entry *e, const char *fmt, ...) RH_PRINTF(2, 3);
static void entry_arm(struct entry *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->name, sizeof(e->name), fmt, ap);
	va_end(ap);
	_will_return(e->name, e->file, e->line, 0, 1);
}

/* Takes @e out of the script (its copy was made by the caller). */
static void entry_used(struct entry *e)
{
	_mock(e->name, e->file, e->line);
	pthread_mutex_lock(&mock.lock);
	e->kind = ENTRY_FREE;
	pthread_mutex_unlock(&mock.lock);
}

/* The oldest queued entry of any queued kind, or NULL. Lock held. */
static struct entry *queue_head(void)
{
	struct entry *head = NULL;
	unsigned int i;

	for (i = 0; i < MOCK_MAX_ENTRIES; i++) {
		struct entry *e = &mock.entries[i];

		if ((e->kind == ENTRY_EXPECT || e->kind == ENTRY_VERSION ||
		     e->kind == ENTRY_PANIC) && (!head || e->seq < head->seq))
			head = e;
	}
	return head;
}

/*
 * Counts the call against every scripted answer it matches; returns the
 * oldest one whose count ran out (used now), or NULL. Lock held.
 */
static struct entry *answer_due(uint32_t cmd, uint32_t func)
{
	struct entry *due = NULL;
	unsigned int i;

	for (i = 0; i < MOCK_MAX_ENTRIES; i++) {
		struct entry *e = &mock.entries[i];

		if (e->kind != ENTRY_ANSWER || e->cmd != cmd ||
		    (cmd == RH_OPTEE_MSG_CMD_INVOKE_COMMAND && e->func != func))
			continue;
		if (e->left > 1) {
			e->left--;
		} else if (!due || e->seq < due->seq) {
			/* Two due at once: the older one answers, the other waits one call. */
			if (due)
				due->left = 1;
			e->left = 0;
			due = e;
		}
	}
	return due;
}

/* ------------------------------------------------------------ answering */

static void apply_reply(const struct entry *e, const struct rh_mock_tee_reply *r,
			struct rh_optee_msg_arg *msg, size_t size, int *ret_rc)
{
	unsigned int first = msg->cmd == RH_OPTEE_MSG_CMD_OPEN_SESSION ? 2 : 0;
	unsigned int i;

	if (r->fill)
		r->fill(msg, size, r->data);
	*ret_rc = r->rc;
	if (r->rc)
		return;
	msg->ret = r->ret;
	msg->ret_origin = r->origin;
	if (msg->cmd == RH_OPTEE_MSG_CMD_OPEN_SESSION && !r->forward)
		msg->session = r->session;
	for (i = 0; i < RH_TEE_NUM_PARAMS; i++) {
		struct rh_optee_msg_param *p;
		uint64_t type;

		if (!r->value[i].set)
			continue;
		if (first + i >= msg->num_params)
			mock_fail(e->file, e->line, "the reply sets value[%u], the %s has %u parameters",
				  i, msg_cmd_name(msg->cmd), msg->num_params - first);
		p = &msg->params[first + i];
		type = p->attr & RH_OPTEE_MSG_ATTR_TYPE_MASK;
		if (type != RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT &&
		    type != RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT)
			mock_fail(e->file, e->line, "the reply sets value[%u], which is not a value "
				  "output of the %s (type %" PRIu64 ")", i, msg_cmd_name(msg->cmd), type);
		p->u.value.a = r->value[i].a;
		p->u.value.b = r->value[i].b;
		p->u.value.c = r->value[i].c;
	}
}

/*
 * Where a failure nobody queued is reported: the install call, else the
 * test's last scripting call. Lock held.
 */
static void script_place(const char **ret_file, int *ret_line)
{
	*ret_file = mock.file ? mock.file : mock.last_file;
	*ret_line = mock.file ? mock.line : mock.last_line;
}

/*
 * The backend behind the mock: only an installed mock (priv == &mock) has
 * one; the table plugged in by hand (priv NULL) forwards nothing. Lock held.
 */
static void script_inner(void *priv, const struct rh_tee_ops **ret_ops, void **ret_priv)
{
	*ret_ops = priv == &mock ? mock.inner : NULL;
	*ret_priv = priv == &mock ? mock.inner_priv : NULL;
}

/* Every message method ends here; @method is the command of the method called. */
static int mock_tee_msg(void *priv, uint32_t method, struct rh_optee_msg_arg *msg, size_t size)
{
	uint32_t cmd = msg->cmd, func = cmd == RH_OPTEE_MSG_CMD_INVOKE_COMMAND ? msg->func : 0;
	const struct rh_tee_ops *inner;
	struct entry *e, copy;
	char what[160], want[160], ta[RH_UUID_STRING_LEN + 1] = "";
	void *inner_priv;
	const char *file;
	int rc = 0, line;

	pthread_mutex_lock(&mock.lock);
	script_place(&file, &line);
	script_inner(priv, &inner, &inner_priv);
	if (cmd != RH_OPTEE_MSG_CMD_OPEN_SESSION && session_ta(msg->session))
		snprintf(ta, sizeof(ta), "%s", session_ta(msg->session));
	pthread_mutex_unlock(&mock.lock);
	/* The client must call the method of the command, with the message's size. */
	if (method != cmd || size != RH_OPTEE_MSG_GET_ARG_SIZE(msg->num_params))
		mock_fail(file, line, "%s sent through the %s method with %zu bytes",
			  msg_cmd_name(cmd), msg_cmd_name(method), size);

	pthread_mutex_lock(&mock.lock);
	e = answer_due(cmd, func);
	if (!e) {
		e = queue_head();
		if (e && (e->kind != ENTRY_EXPECT || e->cmd != cmd || e->func != func)) {
			copy = *e;
			pthread_mutex_unlock(&mock.lock);
			describe_call(what, sizeof(what), cmd, func, ta[0] ? ta : NULL);
			if (copy.kind == ENTRY_EXPECT)
				describe_call(want, sizeof(want), copy.cmd, copy.func, NULL);
			else
				snprintf(want, sizeof(want), "%s", copy.kind == ENTRY_VERSION ?
					 "get_version" : "ta_panic_next");
			mock_fail(copy.file, copy.line, "expected %s (queued here), got %s on "
				  "session %" PRIu32, want, what, msg->session);
		}
	}
	if (e) {
		copy = *e;
		if (copy.kind == ENTRY_ANSWER)
			mock.quiet = true;
	}
	pthread_mutex_unlock(&mock.lock);

	if (!e && !inner) {
		char of_ta[RH_UUID_STRING_LEN + 48] = "";

		describe_call(what, sizeof(what), cmd, func, ta[0] ? ta : NULL);
		if (ta[0])
			snprintf(of_ta, sizeof(of_ta), " of TA %s (%s)", ta,
				 rh_trace_tee_ta_name(ta) ? rh_trace_tee_ta_name(ta) : "unknown");
		mock_fail(file, line, "unexpected %s on session %" PRIu32 "%s: nothing is queued; "
			  "queue it with rh_mock_tee_expect(), or use rh_mock_tee_install() so "
			  "that calls nobody scripted reach the TEE", what, msg->session, of_ta);
	}
	if (e)
		entry_used(e);
	if (e && copy.reply.forward && !inner)
		mock_fail(copy.file, copy.line, "a reply with .forward needs rh_mock_tee_install(): "
			  "no TEE is behind the mock");
	if (!e || copy.reply.forward) {
		rc = rh_tee_ops_call(inner, inner_priv, msg, size);
		if (!e)
			goto out;
	}
	apply_reply(&copy, &copy.reply, msg, size, &rc);
out:
	if (cmd == RH_OPTEE_MSG_CMD_OPEN_SESSION && !rc) {
		pthread_mutex_lock(&mock.lock);
		session_seen(msg);
		pthread_mutex_unlock(&mock.lock);
	}
	return rc;
}

/*
 * The head of the queue (copied into @copy: the caller uses the copy
 * after the lock is dropped), what is behind the mock and where to report
 * a failure, for the methods that take no message.
 */
static struct entry *script_peek(void *priv, struct entry *copy,
				 const struct rh_tee_ops **ret_inner, void **ret_inner_priv,
				 const char **ret_file, int *ret_line)
{
	struct entry *e;

	pthread_mutex_lock(&mock.lock);
	e = queue_head();
	script_place(ret_file, ret_line);
	script_inner(priv, ret_inner, ret_inner_priv);
	if (e)
		*copy = *e;
	pthread_mutex_unlock(&mock.lock);
	return e;
}

static int mock_tee_get_version(void *priv, struct rh_tee_ioctl_version_data *ret_vers)
{
	const struct rh_tee_ops *inner;
	struct entry *e, copy;
	void *inner_priv;
	const char *file;
	int line;

	e = script_peek(priv, &copy, &inner, &inner_priv, &file, &line);
	if (e && copy.kind == ENTRY_VERSION) {
		entry_used(e);
		*ret_vers = copy.has_vers ? copy.vers : default_version;
		return 0;
	}
	if (e) {
		char want[160];

		describe_call(want, sizeof(want), copy.cmd, copy.func, NULL);
		mock_fail(copy.file, copy.line, "expected %s (queued here), got get_version",
			  copy.kind == ENTRY_PANIC ? "ta_panic_next" : want);
	}
	if (!inner)
		mock_fail(file, line, "unexpected get_version (a TEE context being "
			  "opened): nothing is queued; queue it with rh_mock_tee_expect_version()");
	return rh_tee_ops_get_version(inner, inner_priv, ret_vers);
}

static int mock_tee_open_session(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return mock_tee_msg(priv, RH_OPTEE_MSG_CMD_OPEN_SESSION, msg, size);
}

static int mock_tee_invoke(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return mock_tee_msg(priv, RH_OPTEE_MSG_CMD_INVOKE_COMMAND, msg, size);
}

static int mock_tee_close_session(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return mock_tee_msg(priv, RH_OPTEE_MSG_CMD_CLOSE_SESSION, msg, size);
}

static int mock_tee_cancel(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return mock_tee_msg(priv, RH_OPTEE_MSG_CMD_CANCEL, msg, size);
}

static int mock_tee_shm_register(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return mock_tee_msg(priv, RH_OPTEE_MSG_CMD_REGISTER_SHM, msg, size);
}

static int mock_tee_shm_unregister(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return mock_tee_msg(priv, RH_OPTEE_MSG_CMD_UNREGISTER_SHM, msg, size);
}

static int mock_tee_lend_protmem(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return mock_tee_msg(priv, RH_OPTEE_MSG_CMD_LEND_PROTMEM, msg, size);
}

static int mock_tee_reclaim_protmem(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return mock_tee_msg(priv, RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM, msg, size);
}

static int mock_tee_get_protmem_config(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return mock_tee_msg(priv, RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG, msg, size);
}

/*
 * The protected-memory capabilities are a setting, not a queued call: a
 * TEE driver asks for them whenever the backend is plugged in, before a
 * test has anything to script. Unset: what the TEE behind an installed
 * mock answers, none for a bare one.
 */
static struct {
	bool set;
	struct rh_tee_protmem_caps caps;
} mock_protmem;

static int mock_tee_protmem_caps(void *priv, struct rh_tee_protmem_caps *ret_caps)
{
	const struct rh_tee_ops *inner;
	struct rh_tee_protmem_caps caps;
	void *inner_priv;
	bool set;

	pthread_mutex_lock(&mock.lock);
	set = mock_protmem.set;
	caps = mock_protmem.caps;
	script_inner(priv, &inner, &inner_priv);
	pthread_mutex_unlock(&mock.lock);
	if (set) {
		*ret_caps = caps;
		return 0;
	}
	if (!inner)
		return -EOPNOTSUPP;
	return rh_tee_ops_protmem_caps(inner, inner_priv, ret_caps);
}

static int mock_tee_ta_panic_next(void *priv, uint32_t session)
{
	const struct rh_tee_ops *inner;
	struct entry *e, copy;
	void *inner_priv;
	const char *file;
	int line;

	e = script_peek(priv, &copy, &inner, &inner_priv, &file, &line);
	if (e && copy.kind == ENTRY_PANIC && copy.session == session) {
		entry_used(e);
		return copy.rc;
	}
	if (e)
		mock_fail(copy.file, copy.line, "expected %s (queued here), got "
			  "ta_panic_next(session %" PRIu32 ")",
			  copy.kind == ENTRY_PANIC ? "ta_panic_next of another session" :
			  copy.kind == ENTRY_VERSION ? "get_version" : msg_cmd_name(copy.cmd),
			  session);
	if (!inner)
		mock_fail(file, line, "unexpected ta_panic_next(session %" PRIu32 "): "
			  "nothing is queued; queue it with rh_mock_tee_expect_panic_next()",
			  session);
	return rh_tee_ops_ta_panic_next(inner, inner_priv, session);
}

static const struct rh_tee_ops mock_tee_ops = {
	.version = RH_TEE_OPS_VERSION,
	.get_version = mock_tee_get_version,
	.open_session = mock_tee_open_session,
	.invoke = mock_tee_invoke,
	.close_session = mock_tee_close_session,
	.cancel = mock_tee_cancel,
	.shm_register = mock_tee_shm_register,
	.shm_unregister = mock_tee_shm_unregister,
	.ta_panic_next = mock_tee_ta_panic_next,
	.lend_protmem = mock_tee_lend_protmem,
	.reclaim_protmem = mock_tee_reclaim_protmem,
	.get_protmem_config = mock_tee_get_protmem_config,
	.protmem_caps = mock_tee_protmem_caps,
};

/* ------------------------------------------------------------ log */

/* Library log lines: printed as the library would, kept once a scripted answer was used. */
static void mock_log(void *data, enum rh_log_level level, const char *msg)
{
	bool quiet;

	pthread_mutex_lock(&mock.lock);
	quiet = mock.quiet;
	if (quiet) {
		mock.log_count++;
		snprintf(mock.last_log, sizeof(mock.last_log), "%s", msg);
	}
	pthread_mutex_unlock(&mock.lock);
	if (!quiet)
		fprintf(stderr, "rheap: %s\n", msg);
}

/* ------------------------------------------------------------ API */

RH_EXPORT const struct rh_tee_ops *rh_mock_tee_ops(void)
{
	return &mock_tee_ops;
}

RH_EXPORT void rh_mock_tee_reset(void)
{
	pthread_mutex_lock(&mock.lock);
	memset(mock.entries, 0, sizeof(mock.entries));
	memset(mock.sessions, 0, sizeof(mock.sessions));
	mock.next_session = 0;
	mock.inner = NULL;
	mock.inner_priv = NULL;
	mock.file = NULL;
	mock.line = 0;
	mock.last_file = NULL;
	mock.last_line = 0;
	mock.quiet = false;
	mock.log_count = 0;
	mock.last_log[0] = '\0';
	pthread_mutex_unlock(&mock.lock);
}

RH_EXPORT int rh_mock_tee_install_at(struct rh_platform *plat, const char *file, int line)
{
	const struct rh_tee_ops *ops, *old_ops;
	void *priv, *old_priv;
	int ret;

	if (!plat)
		return -EINVAL;
	ret = rh_platform_get_tee_backend(plat, &ops, &priv);
	if (ret)
		return ret;
	/* The mock already in place: what is behind it stays behind it. */
	if (ops == &mock_tee_ops && priv == &mock) {
		pthread_mutex_lock(&mock.lock);
		ops = mock.inner;
		priv = mock.inner_priv;
		pthread_mutex_unlock(&mock.lock);
	} else if (ops == &mock_tee_ops) {
		ret = rh_platform_get_default_tee_backend(plat, &ops, &priv);
		if (ret)
			return ret;
	}
	/*
	 * What is behind the mock is set before it is plugged in: the TEE
	 * driver probes the new backend at once (protmem_caps, and
	 * GET_PROTMEM_CONFIG for each use case), which goes through. A
	 * refused swap leaves everything as it was.
	 */
	pthread_mutex_lock(&mock.lock);
	old_ops = mock.inner;
	old_priv = mock.inner_priv;
	mock.inner = ops;
	mock.inner_priv = priv;
	pthread_mutex_unlock(&mock.lock);
	ret = rh_platform_set_tee_backend(plat, &mock_tee_ops, &mock);
	if (ret) {
		pthread_mutex_lock(&mock.lock);
		mock.inner = old_ops;
		mock.inner_priv = old_priv;
		pthread_mutex_unlock(&mock.lock);
		return ret;
	}
	rh_mock_tee_reset();
	pthread_mutex_lock(&mock.lock);
	mock.inner = ops;
	mock.inner_priv = priv;
	mock.file = file;
	mock.line = line;
	pthread_mutex_unlock(&mock.lock);
	rh_platform_set_log_fn(plat, mock_log, NULL);
	return 0;
}

RH_EXPORT void rh_mock_tee_answer_nth_at(uint32_t cmd, uint32_t func, unsigned int nth,
					 const struct rh_mock_tee_reply *reply,
					 const char *file, int line)
{
	char call[160];
	struct entry *e;

	if (!reply || !nth)
		mock_fail(file, line, "rh_mock_tee_answer_nth() needs a reply and nth >= 1");
	e = entry_new(ENTRY_ANSWER, file, line);
	e->cmd = cmd;
	e->func = cmd == RH_OPTEE_MSG_CMD_INVOKE_COMMAND ? func : 0;
	e->left = nth;
	e->reply = *reply;
	describe_call(call, sizeof(call), cmd, e->func, NULL);
	/* The name cmocka prints when the test ends before the call was made. */
	entry_arm(e, "rh_mock_tee: scripted answer to call %u of %s, which never came #%lu", nth,
		  call, e->seq);
}

RH_EXPORT void rh_mock_tee_fail_nth_at(uint32_t func, unsigned int nth, uint32_t result,
				       const char *file, int line)
{
	const struct rh_mock_tee_reply reply = {
		.ret = result,
		.origin = RH_TEEC_ORIGIN_TRUSTED_APP,
	};

	if (result == RH_TEEC_SUCCESS)
		mock_fail(file, line, "rh_mock_tee_fail_nth() needs an error result, not TEEC_SUCCESS");
	rh_mock_tee_answer_nth_at(RH_OPTEE_MSG_CMD_INVOKE_COMMAND, func, nth, &reply, file, line);
}

RH_EXPORT void rh_mock_tee_expect_at(uint32_t cmd, uint32_t func,
				     const struct rh_mock_tee_reply *reply,
				     const char *file, int line)
{
	char call[160];
	struct entry *e;

	if (!reply)
		mock_fail(file, line, "rh_mock_tee_expect() needs a reply");
	e = entry_new(ENTRY_EXPECT, file, line);
	e->cmd = cmd;
	e->func = func;
	e->reply = *reply;
	describe_call(call, sizeof(call), cmd, func, NULL);
	entry_arm(e, "rh_mock_tee: queued %s, which never came #%lu", call, e->seq);
}

RH_EXPORT void rh_mock_tee_expect_version_at(const struct rh_tee_ioctl_version_data *vers,
					     const char *file, int line)
{
	struct entry *e = entry_new(ENTRY_VERSION, file, line);

	e->has_vers = vers != NULL;
	if (vers)
		e->vers = *vers;
	entry_arm(e, "rh_mock_tee: queued get_version, which never came #%lu", e->seq);
}

RH_EXPORT void rh_mock_tee_expect_panic_next_at(uint32_t session, int rc,
						const char *file, int line)
{
	struct entry *e = entry_new(ENTRY_PANIC, file, line);

	e->session = session;
	e->rc = rc;
	entry_arm(e, "rh_mock_tee: queued ta_panic_next(session %" PRIu32 "), which never "
		  "came #%lu", session, e->seq);
}

RH_EXPORT unsigned int rh_mock_tee_log_count(void)
{
	unsigned int n;

	pthread_mutex_lock(&mock.lock);
	n = mock.log_count;
	pthread_mutex_unlock(&mock.lock);
	return n;
}

RH_EXPORT const char *rh_mock_tee_last_log(void)
{
	/* The test reads it between calls: no call is writing it then. */
	return mock.last_log;
}

RH_EXPORT void rh_mock_tee_set_protmem_caps(const struct rh_tee_protmem_caps *caps)
{
	pthread_mutex_lock(&mock.lock);
	mock_protmem.set = caps != NULL;
	if (caps)
		mock_protmem.caps = *caps;
	pthread_mutex_unlock(&mock.lock);
}
