// SPDX-License-Identifier: MIT
/* TEE client: contexts, sessions, 4-parameter invoke, wire marshalling (shared memory: tee-shm.c). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <rheap/dma-buf.h>
#include <rheap/tee-backend.h>
#include <rheap/tee.h>

#include "internal.h"
#include "tee/tee-client.h"
#include "tee/tee-heap.h"
#include "tee/tee-internal.h"
#include "trace/trace.h"

/*
 * The normal-world side of drivers/tee: tee_core.c's in-kernel client API
 * over optee/call.c's marshalling into struct optee_msg_arg. Each call is
 * marshalled into a message slot of the context and handed to the
 * platform's backend (struct rh_tee_ops); the backend sees exactly the
 * bytes a TEE driver would pass to the secure world.
 *
 * The invoke path takes no lock and allocates nothing: a context owns a few
 * message slots claimed with an atomic bitmap, and its open sessions sit in
 * a small array of atomic slots (optee_invoke_func() looks the session up
 * under a mutex instead).
 *
 * Around it: tee-shm.c registers shared memory (tee_shm.c's half),
 * tee-backend.c dispatches to the backend table, tee-result.c
 * translates TEE results, uuid.c parses and prints UUIDs.
 */

/* ------------------------------------------------------------ client UUIDs */

/* Name space of client UUIDs (tee_client_uuid_ns in tee_core.c). */
static const uint8_t client_uuid_ns[RH_TEE_IOCTL_UUID_LEN] = {
	0x58, 0xac, 0x9c, 0xa0, 0x20, 0x86, 0x46, 0x83,
	0xa1, 0xb8, 0xec, 0x4b, 0xc0, 0x8e, 0x01, 0xb6,
};

/* RFC 4122 name-based UUID, as uuid_v5() in tee_core.c. */
static int uuid_v5(uint8_t *uuid, const char *name, size_t len)
{
	unsigned char hash[EVP_MAX_MD_SIZE];
	unsigned int hash_len = 0;
	EVP_MD_CTX *md;
	int ok;

	md = EVP_MD_CTX_new();
	if (!md)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(md, EVP_sha1(), NULL) == 1 &&
	     EVP_DigestUpdate(md, client_uuid_ns, sizeof(client_uuid_ns)) == 1 &&
	     EVP_DigestUpdate(md, name, len) == 1 &&
	     EVP_DigestFinal_ex(md, hash, &hash_len) == 1 &&
	     hash_len >= RH_TEE_IOCTL_UUID_LEN;
	EVP_MD_CTX_free(md);
	if (!ok)
		return -EIO;
	memcpy(uuid, hash, RH_TEE_IOCTL_UUID_LEN);
	uuid[6] = (hash[6] & 0x0F) | 0x50;
	uuid[8] = (hash[8] & 0x3F) | 0x80;
	return 0;
}

static int in_group(gid_t gid)
{
	gid_t *groups;
	int n, i, found = 0;

	if (gid == getegid())
		return 1;
	n = getgroups(0, NULL);
	if (n <= 0)
		return 0;
	groups = rh_calloc((size_t)n, sizeof(*groups));
	if (!groups)
		return -ENOMEM;
	n = getgroups(n, groups);
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			found = 1;
	rh_free(groups);
	return found;
}

/* tee_session_calc_client_uuid() (tee_core.c). */
static int calc_client_uuid(uint8_t *uuid, uint32_t login,
			    const uint8_t *connection_data)
{
	char name[32];
	gid_t gid;
	int len, ret;

	switch (login) {
	case RH_TEE_IOCTL_LOGIN_PUBLIC:
	case RH_TEE_IOCTL_LOGIN_REE_KERNEL:
		memset(uuid, 0, RH_TEE_IOCTL_UUID_LEN);
		return 0;
	case RH_TEE_IOCTL_LOGIN_USER:
		len = snprintf(name, sizeof(name), "uid=%x",
			       (unsigned int)geteuid());
		break;
	case RH_TEE_IOCTL_LOGIN_GROUP:
		memcpy(&gid, connection_data, sizeof(gid));
		ret = in_group(gid);
		if (ret < 0)
			return ret;
		if (!ret)
			return -EPERM;
		len = snprintf(name, sizeof(name), "gid=%x", (unsigned int)gid);
		break;
	default:
		return -EINVAL;
	}
	return uuid_v5(uuid, name, (size_t)len);
}

/* ------------------------------------------------------------ messages */

struct rh_optee_msg_arg *rh_tee_msg_get(struct rh_tee_context *ctx, unsigned int *ret_slot)
{
	unsigned int busy = atomic_load_explicit(&ctx->msg_busy,
						 memory_order_relaxed);
	unsigned int slot;

	while (busy != (1u << CTX_MSG_SLOTS) - 1) {
		slot = (unsigned int)__builtin_ctz(~busy);
		if (atomic_compare_exchange_weak_explicit(&ctx->msg_busy, &busy,
							  busy | 1u << slot,
							  memory_order_acquire,
							  memory_order_relaxed)) {
			*ret_slot = slot;
			return (struct rh_optee_msg_arg *)ctx->msg[slot];
		}
	}
	/* More calls in flight than slots: a message of its own (rare). */
	*ret_slot = CTX_MSG_SLOTS;
	return rh_malloc(CTX_MSG_SIZE);
}

void rh_tee_msg_put(struct rh_tee_context *ctx, struct rh_optee_msg_arg *msg, unsigned int slot)
{
	if (slot == CTX_MSG_SLOTS)
		rh_free(msg);
	else
		atomic_fetch_and_explicit(&ctx->msg_busy, ~(1u << slot),
					  memory_order_release);
}

void rh_tee_msg_init(struct rh_optee_msg_arg *msg, uint32_t cmd, uint32_t num_params)
{
	memset(msg, 0, RH_OPTEE_MSG_GET_ARG_SIZE(num_params));
	msg->cmd = cmd;
	msg->num_params = num_params;
}

static bool param_is_memref(uint64_t type)
{
	return type >= RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT &&
	       type <= RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
}

static bool param_is_value(uint64_t type)
{
	return type >= RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT &&
	       type <= RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
}

/* Validate the caller's parameters (params_from_user() rules). */
static int params_check(struct rh_tee_context *ctx,
			const struct rh_tee_param *param, uint32_t num)
{
	const struct rh_tee_shm *shm;
	size_t end;
	uint32_t i;

	if (num > RH_TEE_NUM_PARAMS || (num && !param))
		return -EINVAL;
	for (i = 0; i < num; i++) {
		if (param[i].attr & ~(uint64_t)RH_TEE_IOCTL_PARAM_ATTR_TYPE_MASK)
			return -EINVAL;
		if (param[i].attr == RH_TEE_IOCTL_PARAM_ATTR_TYPE_NONE ||
		    param_is_value(param[i].attr))
			continue;
		if (!param_is_memref(param[i].attr))
			return -EINVAL;
		shm = param[i].u.memref.shm;
		if (!shm) {
			if (!(ctx->vers.gen_caps & RH_TEE_GEN_CAP_MEMREF_NULL))
				return -EINVAL;
			continue;
		}
		if (shm->ctx != ctx ||
		    __builtin_add_overflow(param[i].u.memref.shm_offs,
					   param[i].u.memref.size, &end) ||
		    end > shm->size)
			return -EINVAL;
	}
	return 0;
}

/*
 * A memref of a registered protected dma-buf, as the kernel passes it:
 * the shm of a dynamic pool's buffer is replaced by its parent, the lent
 * chunk (param_from_user_memref(): an rmem of the lend's cookie at the
 * buffer's offset in it); a static carveout's buffer goes by physical
 * address (to_msg_param_tmp_mem(): a tmem). Either way the secure world
 * resolves it to protected memory only.
 */
static void dmabuf_to_msg(struct rh_optee_msg_param *mp, const struct rh_tee_param *p)
{
	const struct rh_tee_shm *shm = p->u.memref.shm;
	uint64_t dir = p->attr - RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;

	if (shm->ref.parent_cookie) {
		mp->attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT + dir;
		mp->u.rmem.offs = shm->dmabuf_offs + p->u.memref.shm_offs;
		mp->u.rmem.size = p->u.memref.size;
		mp->u.rmem.shm_ref = shm->ref.parent_cookie;
	} else {
		mp->attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT + dir;
		mp->u.tmem.buf_ptr = shm->ref.paddr + p->u.memref.shm_offs;
		mp->u.tmem.size = p->u.memref.size;
	}
}

/* optee_to_msg_param(): parameters of a checked call into the message. */
static void params_to_msg(struct rh_optee_msg_param *mp,
			  const struct rh_tee_param *param, uint32_t num)
{
	uint64_t type;
	uint32_t i;

	for (i = 0; i < num; i++) {
		type = param[i].attr;
		if (param_is_value(type)) {
			mp[i].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT + type -
				     RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
			mp[i].u.value.a = param[i].u.value.a;
			mp[i].u.value.b = param[i].u.value.b;
			mp[i].u.value.c = param[i].u.value.c;
		} else if (param_is_memref(type) && param[i].u.memref.shm &&
			   param[i].u.memref.shm->dmabuf) {
			dmabuf_to_msg(&mp[i], &param[i]);
		} else if (param_is_memref(type) && param[i].u.memref.shm) {
			mp[i].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT + type -
				     RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
			mp[i].u.rmem.offs = param[i].u.memref.shm_offs;
			mp[i].u.rmem.size = param[i].u.memref.size;
			mp[i].u.rmem.shm_ref = param[i].u.memref.shm->cookie;
		} else if (param_is_memref(type)) {
			/* NULL memref: a tmem without a buffer. */
			mp[i].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT + type -
				     RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
			mp[i].u.tmem.size = param[i].u.memref.size;
		}
	}
}

/*
 * optee_from_msg_param(), stricter: the answer must keep the header and
 * every parameter attribute it was sent with; only outputs are taken, so
 * a TEE cannot redirect a memref or change an input. All parameters are
 * checked before any is written.
 */
static int params_from_msg(struct rh_tee_param *param, uint32_t num,
			   const struct rh_optee_msg_param *mp,
			   const struct rh_optee_msg_param *sent)
{
	uint64_t type;
	uint32_t i;

	for (i = 0; i < num; i++)
		if (mp[i].attr != sent[i].attr)
			return -EPROTO;
	for (i = 0; i < num; i++) {
		type = param[i].attr;
		if (type == RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT ||
		    type == RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT) {
			param[i].u.value.a = mp[i].u.value.a;
			param[i].u.value.b = mp[i].u.value.b;
			param[i].u.value.c = mp[i].u.value.c;
		} else if (type == RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT ||
			   type == RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT) {
			/* May exceed the buffer: SHORT_BUFFER reports the need. */
			param[i].u.memref.size = (size_t)mp[i].u.rmem.size;
			if (mp[i].u.rmem.size > SIZE_MAX)
				param[i].u.memref.size = SIZE_MAX;
		}
	}
	return 0;
}

static const char *cmd_name(uint32_t cmd)
{
	static const char *const names[] = {
		"OPEN_SESSION", "INVOKE_COMMAND", "CLOSE_SESSION",
		"CANCEL",	"REGISTER_SHM",	  "UNREGISTER_SHM",
		NULL,		NULL,		  "LEND_PROTMEM",
		"RECLAIM_PROTMEM", "GET_PROTMEM_CONFIG",
	};

	return cmd < RH_ARRAY_SIZE(names) && names[cmd] ? names[cmd] : "unknown command";
}

/*
 * Hand @msg to the backend. On a transport failure, or an answer whose
 * header changed, the result is TEEC_ERROR_COMMUNICATION from COMMS, as
 * optee_do_call_with_arg() callers report it. Returns true if the TEE's
 * own answer stands.
 */
bool rh_tee_msg_send(struct rh_tee_context *ctx, struct rh_optee_msg_arg *msg,
		     uint32_t *ret, uint32_t *ret_origin)
{
	uint32_t cmd = msg->cmd, num = msg->num_params;
	int err;

	err = rh_tee_ops_call(ctx->ops, ctx->priv, msg,
			      RH_OPTEE_MSG_GET_ARG_SIZE(num));
	if (err) {
		rh_err(ctx->plat, "tee: %s transport failed: %s",
		       cmd_name(cmd), strerror(-err));
	} else if (msg->cmd != cmd || msg->num_params != num) {
		rh_bug_tee(ctx->plat, "tee: answer changed cmd %u->%u or num_params %u->%u",
			   cmd, msg->cmd, num, msg->num_params);
		err = -EPROTO;
	}
	if (err) {
		*ret = RH_TEEC_ERROR_COMMUNICATION;
		*ret_origin = RH_TEEC_ORIGIN_COMMS;
		return false;
	}
	*ret = msg->ret;
	*ret_origin = msg->ret_origin;
	return true;
}

/*
 * A TEE event of the call to the TA @uuid on @session (tee_open_session,
 * tee_close_session, tee_invoke, tee_return): @res and @origin as the
 * caller sees them, err derived from @res. Costs one check with no sink.
 */
static void trace_call(struct rh_tee_context *ctx, enum rh_trace_event_type type,
		       const uint8_t *uuid, uint32_t session, uint32_t cmd,
		       uint32_t res, uint32_t origin, uint64_t start_ns)
{
	char ta[RH_UUID_STRING_LEN + 1];

	if (!rh_trace_active(ctx->plat))
		return;
	rh_uuid_unparse(uuid, ta);
	rh_trace_emit(ctx->plat, &(struct rh_trace_event){
		type, .name = ta, .id = session, .cmd = cmd, .tee_result = res,
		.origin = origin, .err = res ? rh_tee_result_to_errno(res) : 0,
		.start_ns = start_ns });
}

/*
 * RETURN of an invoke. For a command whose TA answers TEEC_SUCCESS and puts
 * its own status in an output value (SECMEM_FREE's p1.a, trace-tee-names.c),
 * err and msg carry that status, so that a refusal does not read as a
 * success in the narration.
 */
static void trace_return(struct rh_tee_context *ctx, const uint8_t *uuid,
			 const struct rh_tee_ioctl_invoke_arg *arg,
			 const struct rh_tee_param *param, uint64_t start_ns,
			 uint64_t sim_start_ns)
{
	char ta[RH_UUID_STRING_LEN + 1], why[96] = "";
	int err = arg->ret ? rh_tee_result_to_errno(arg->ret) : 0;
	uint64_t attr, status;
	int sp;

	if (!rh_trace_active(ctx->plat))
		return;
	rh_uuid_unparse(uuid, ta);
	sp = rh_trace_tee_status_param(ta, arg->func);
	if (!arg->ret && param && sp >= 0 && (uint32_t)sp < arg->num_params) {
		attr = param[sp].attr;
		status = param[sp].u.value.a;
		if ((attr == RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT ||
		     attr == RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT) && status) {
			err = status > UINT32_MAX ? -EIO : rh_tee_result_to_errno((uint32_t)status);
			snprintf(why, sizeof(why), "its status in p%d.a is 0x%" PRIx64 " (%s)", sp,
				 status, status > UINT32_MAX ? "unknown" :
				 rh_tee_result_name((uint32_t)status));
		}
	}
	rh_trace_emit(ctx->plat, &(struct rh_trace_event){
		RH_TRACE_TEE_RETURN, .name = ta, .id = arg->session, .cmd = arg->func,
		.tee_result = arg->ret, .origin = arg->ret_origin, .err = err,
		.msg = why[0] ? why : NULL, .start_ns = start_ns,
		.sim_start_ns = sim_start_ns });
}

/* ------------------------------------------------------------ contexts */

void rh_tee_ctx_get(struct rh_tee_context *ctx)
{
	atomic_fetch_add_explicit(&ctx->refcount, 1, memory_order_relaxed);
}

void rh_tee_ctx_put(struct rh_tee_context *ctx)
{
	struct rh_platform *plat = ctx->plat;
	bool holds = ctx->holds;

	if (atomic_fetch_sub_explicit(&ctx->refcount, 1, memory_order_acq_rel) != 1)
		return;
	rh_free(ctx);
	pthread_mutex_lock(&plat->lock);
	plat->tee_nr_contexts--;
	pthread_mutex_unlock(&plat->lock);
	if (holds)
		rh_platform_release(plat);
}

bool rh_tee_ctx_valid(const struct rh_tee_context *ctx)
{
	return !RH_IS_ERR_OR_NULL(ctx) && !atomic_load(&ctx->closed);
}

/* The context of @flags (RH_TEE_CTX_*); see tee-internal.h. */
static struct rh_tee_context *
tee_context_open(struct rh_platform *plat,
		 int (*match)(struct rh_tee_ioctl_version_data *ver,
			      const void *data),
		 const void *data, struct rh_tee_ioctl_version_data *vers,
		 bool user, bool holds)
{
	struct rh_tee_ioctl_version_data v;
	struct rh_tee_context *ctx;
	const struct rh_tee_ops *ops;
	void *priv;
	int ret;

	if (!plat)
		return RH_ERR_PTR(-EINVAL);
	ctx = rh_zalloc(sizeof(*ctx));
	if (!ctx)
		return RH_ERR_PTR(-ENOMEM);

	/* Count the context before reading the backend: it cannot change now. */
	pthread_mutex_lock(&plat->lock);
	ops = plat->tee_ops;
	priv = plat->tee_priv;
	plat->tee_nr_contexts++;
	pthread_mutex_unlock(&plat->lock);

	ret = -ENOENT;
	if (!ops) {
		rh_dbg(plat, "tee: no TEE backend");
		goto err_uncount;
	}
	if (rh_tee_ops_get_version(ops, priv, &v)) {
		rh_err(plat, "tee: backend does not answer get_version");
		goto err_uncount;
	}
	if (match && !match(&v, data))
		goto err_uncount;

	ctx->plat = plat;
	ctx->ops = ops;
	ctx->priv = priv;
	ctx->vers = v;
	ctx->user = user;
	ctx->holds = holds;
	if (holds)
		rh_platform_hold(plat);
	atomic_init(&ctx->refcount, 1);
	atomic_init(&ctx->closed, false);
	atomic_init(&ctx->msg_busy, 0);
	if (vers)
		*vers = v;
	return ctx;

err_uncount:
	pthread_mutex_lock(&plat->lock);
	plat->tee_nr_contexts--;
	pthread_mutex_unlock(&plat->lock);
	rh_free(ctx);
	return RH_ERR_PTR(ret);
}

RH_EXPORT struct rh_tee_context *
rh_tee_client_open_context(struct rh_platform *plat,
			   struct rh_tee_context *start,
			   int (*match)(struct rh_tee_ioctl_version_data *ver,
					const void *data),
			   const void *data,
			   struct rh_tee_ioctl_version_data *vers)
{
	if (!plat)
		return RH_ERR_PTR(-EINVAL);
	/* One TEE a platform: nothing lies after a previous match. */
	if (start)
		return RH_ERR_PTR(-ENOENT);
	return tee_context_open(plat, match, data, vers, false, true);
}

struct rh_tee_context *
rh_tee_context_open(struct rh_platform *plat,
		    int (*match)(struct rh_tee_ioctl_version_data *ver,
				 const void *data),
		    const void *data, struct rh_tee_ioctl_version_data *vers,
		    bool user)
{
	return tee_context_open(plat, match, data, vers, user, true);
}

struct rh_tee_context *
rh_tee_context_open_internal(struct rh_platform *plat,
			     int (*match)(struct rh_tee_ioctl_version_data *ver,
					  const void *data),
			     const void *data)
{
	return tee_context_open(plat, match, data, NULL, false, false);
}

bool rh_tee_context_is_user(const struct rh_tee_context *ctx)
{
	return ctx->user;
}

/*
 * Sends of a release message (CLOSE_SESSION, UNREGISTER_SHM) before the
 * client gives up on it. Not in the kernel, whose optee_close_session()
 * and optee_shm_unregister() send each once and forget the object
 * whatever the answer: a close lost on the way (transport, a refusal
 * before the TA ran) leaves the session -- and the secure memory or the
 * device grants it owns -- in the secure world for good, an unregister
 * leaves the TEE a pointer to memory the normal world frees. Session ids
 * (generations) and shm cookies (platform-wide counter) are never reused,
 * so a message sent again can only reach its own object.
 */
#define RELEASE_ATTEMPTS 3

/* The TEE's own answer that it has no such session or shared buffer. */
static bool tee_says_unknown(uint32_t ret, uint32_t origin)
{
	return origin == RH_TEEC_ORIGIN_TEE &&
	       (ret == RH_TEEC_ERROR_BAD_PARAMETERS || ret == RH_TEEC_ERROR_ITEM_NOT_FOUND);
}

/*
 * Send the release message of command @cmd for object @id (a session id,
 * or an shm cookie) until the TEE confirms it, at most RELEASE_ATTEMPTS
 * times: it answered success, or it says it does not know the object,
 * which to a resend means an earlier send arrived (only its answer was
 * lost) and, with @maybe_absent (undoing an open or a register whose
 * answer failed), that there was nothing to release. Returns true once
 * confirmed; a release never confirmed is logged.
 */
bool rh_tee_send_release(struct rh_tee_context *ctx, uint32_t cmd, uint64_t id, bool maybe_absent)
{
	struct rh_optee_msg_arg *msg;
	uint32_t ret = 0, origin = 0;
	unsigned int slot, i;
	bool answered, done = false;

	msg = rh_tee_msg_get(ctx, &slot);
	if (!msg) {
		rh_err(ctx->plat, "tee: no memory to send %s of 0x%llx", cmd_name(cmd),
		       (unsigned long long)id);
		return false;
	}
	for (i = 0; i < RELEASE_ATTEMPTS && !done; i++) {
		if (cmd == RH_OPTEE_MSG_CMD_CLOSE_SESSION) {
			rh_tee_msg_init(msg, cmd, 0);
			msg->session = (uint32_t)id;
		} else {
			rh_tee_msg_init(msg, cmd, 1);
			msg->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
			msg->params[0].u.rmem.shm_ref = id;
		}
		answered = rh_tee_msg_send(ctx, msg, &ret, &origin);
		done = answered && (ret == RH_TEEC_SUCCESS ||
				    ((i || maybe_absent) && tee_says_unknown(ret, origin)));
		if (!done && answered)
			rh_warn(ctx->plat, "tee: %s of 0x%llx: %s (origin %u)", cmd_name(cmd),
				(unsigned long long)id, rh_tee_result_name(ret), origin);
	}
	rh_tee_msg_put(ctx, msg, slot);
	if (!done)
		rh_err(ctx->plat, "tee: %s of 0x%llx unconfirmed after %u sends: it may live on in the TEE",
		       cmd_name(cmd), (unsigned long long)id, RELEASE_ATTEMPTS);
	return done;
}

/* CLOSE_SESSION of @session, a session of the TA @uuid (see rh_tee_send_release()). */
static bool send_close_session(struct rh_tee_context *ctx, uint32_t session,
			       const uint8_t *uuid, bool maybe_absent)
{
	trace_call(ctx, RH_TRACE_TEE_CLOSE_SESSION, uuid, session, 0, 0, 0, 0);
	return rh_tee_send_release(ctx, RH_OPTEE_MSG_CMD_CLOSE_SESSION, session, maybe_absent);
}

bool rh_tee_context_close(struct rh_tee_context *ctx)
{
	struct ctx_session *s;
	unsigned int i, live;
	bool confirmed = true;

	if (RH_IS_ERR_OR_NULL(ctx) || atomic_exchange(&ctx->closed, true))
		return true;
	/* optee_release(): sessions still open are closed in the TEE. */
	for (i = 0; i < RH_TEE_CONTEXT_MAX_SESSIONS; i++) {
		s = &ctx->sessions[i];
		live = SESS_LIVE;
		if (atomic_compare_exchange_strong(&s->state, &live, SESS_BUSY)) {
			if (!send_close_session(ctx, s->id, s->uuid, false))
				confirmed = false;
			atomic_store(&s->state, SESS_FREE);
		}
	}
	rh_tee_ctx_put(ctx);
	return confirmed;
}

RH_EXPORT void rh_tee_client_close_context(struct rh_tee_context *ctx)
{
	rh_tee_context_close(ctx);
}

RH_EXPORT void rh_tee_client_get_version(struct rh_tee_context *ctx,
					 struct rh_tee_ioctl_version_data *vers)
{
	if (!RH_IS_ERR_OR_NULL(ctx) && vers)
		*vers = ctx->vers;
}

/* ------------------------------------------------------------ sessions */

static struct ctx_session *session_reserve(struct rh_tee_context *ctx)
{
	unsigned int i, expected;

	for (i = 0; i < RH_TEE_CONTEXT_MAX_SESSIONS; i++) {
		expected = SESS_FREE;
		if (atomic_compare_exchange_strong(&ctx->sessions[i].state,
						   &expected, SESS_BUSY))
			return &ctx->sessions[i];
	}
	return NULL;
}

/* The live session @id of @ctx, or NULL. */
static struct ctx_session *session_find(struct rh_tee_context *ctx, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < RH_TEE_CONTEXT_MAX_SESSIONS; i++)
		if (atomic_load_explicit(&ctx->sessions[i].state,
					 memory_order_acquire) == SESS_LIVE &&
		    ctx->sessions[i].id == id)
			return &ctx->sessions[i];
	return NULL;
}

/* Claim a live session for closing; NULL if @ctx does not have it open. */
static struct ctx_session *session_claim(struct rh_tee_context *ctx, uint32_t id)
{
	unsigned int i, live;

	for (i = 0; i < RH_TEE_CONTEXT_MAX_SESSIONS; i++) {
		live = SESS_LIVE;
		if (atomic_load(&ctx->sessions[i].state) == SESS_LIVE &&
		    ctx->sessions[i].id == id &&
		    atomic_compare_exchange_strong(&ctx->sessions[i].state,
						   &live, SESS_BUSY))
			return &ctx->sessions[i];
	}
	return NULL;
}

RH_EXPORT int rh_tee_client_open_session(struct rh_tee_context *ctx,
					 struct rh_tee_ioctl_open_session_arg *arg,
					 struct rh_tee_param *param)
{
	struct rh_optee_msg_param sent[RH_TEE_NUM_PARAMS];
	uint8_t clnt_uuid[RH_TEE_IOCTL_UUID_LEN];
	struct rh_optee_msg_arg *msg;
	struct ctx_session *s;
	uint32_t res, origin;
	unsigned int slot;
	bool answered;
	int ret;

	if (!rh_tee_ctx_valid(ctx) || !arg)
		return -EINVAL;
	ret = params_check(ctx, param, arg->num_params);
	if (ret) {
		rh_bug_caller(ctx->plat, "tee: %s with bad parameters",
			      "open_session");
		return ret;
	}
	/*
	 * tee_ioctl_open_session(): the REE-kernel login methods identify the
	 * kernel itself to the secure world, so a user-space client may not
	 * claim them.
	 */
	if (ctx->user && arg->clnt_login >= RH_TEE_IOCTL_LOGIN_REE_KERNEL_MIN &&
	    arg->clnt_login <= RH_TEE_IOCTL_LOGIN_REE_KERNEL_MAX) {
		rh_dbg(ctx->plat, "tee: login method 0x%x not allowed for a user-space client",
		       arg->clnt_login);
		return -EPERM;
	}
	ret = calc_client_uuid(clnt_uuid, arg->clnt_login, arg->clnt_uuid);
	if (ret)
		return ret;
	s = session_reserve(ctx);
	if (!s) {
		rh_err(ctx->plat, "tee: context has %u sessions open",
		       RH_TEE_CONTEXT_MAX_SESSIONS);
		return -ENOSPC;
	}
	msg = rh_tee_msg_get(ctx, &slot);
	if (!msg) {
		ret = -ENOMEM;
		goto err_unreserve;
	}

	rh_tee_msg_init(msg, RH_OPTEE_MSG_CMD_OPEN_SESSION, 2 + arg->num_params);
	msg->cancel_id = arg->cancel_id;
	msg->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT |
			      RH_OPTEE_MSG_ATTR_META;
	msg->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT |
			      RH_OPTEE_MSG_ATTR_META;
	memcpy(&msg->params[0].u.value, arg->uuid, RH_TEE_IOCTL_UUID_LEN);
	memcpy(&msg->params[1].u.value, clnt_uuid, RH_TEE_IOCTL_UUID_LEN);
	msg->params[1].u.value.c = arg->clnt_login;
	params_to_msg(msg->params + 2, param, arg->num_params);
	memcpy(sent, msg->params + 2, sizeof(sent[0]) * arg->num_params);

	answered = rh_tee_msg_send(ctx, msg, &res, &origin);
	if (answered &&
	    params_from_msg(param, arg->num_params, msg->params + 2, sent)) {
		rh_bug_tee(ctx->plat, "tee: %s answer changed parameter attributes",
			   "open_session");
		res = RH_TEEC_ERROR_COMMUNICATION;
		origin = RH_TEEC_ORIGIN_COMMS;
	}
	/*
	 * The TEE may have opened it: close it again, as optee does for a
	 * mangled answer. Not in the kernel: also when the answer itself was
	 * lost or replaced (transport, a result written after the TEE ran);
	 * the session id the TEE wrote is all there is to close.
	 */
	if (res != RH_TEEC_SUCCESS && msg->session)
		send_close_session(ctx, msg->session, arg->uuid, true);
	arg->ret = res;
	arg->ret_origin = origin;
	trace_call(ctx, RH_TRACE_TEE_OPEN_SESSION, arg->uuid,
		   res == RH_TEEC_SUCCESS ? msg->session : 0, 0, res, origin, 0);
	if (res == RH_TEEC_SUCCESS) {
		arg->session = msg->session;
		s->id = msg->session;
		memcpy(s->uuid, arg->uuid, sizeof(s->uuid));
		atomic_store_explicit(&s->state, SESS_LIVE, memory_order_release);
	} else {
		atomic_store(&s->state, SESS_FREE);
	}
	rh_tee_msg_put(ctx, msg, slot);
	return 0;

err_unreserve:
	atomic_store(&s->state, SESS_FREE);
	return ret;
}

RH_EXPORT int rh_tee_client_close_session(struct rh_tee_context *ctx,
					  uint32_t session)
{
	struct ctx_session *s;

	if (!rh_tee_ctx_valid(ctx))
		return -EINVAL;
	s = session_claim(ctx, session);
	if (!s)
		return -EINVAL;
	send_close_session(ctx, session, s->uuid, false);
	atomic_store(&s->state, SESS_FREE);
	return 0;
}

RH_EXPORT int rh_tee_client_invoke_func(struct rh_tee_context *ctx,
					struct rh_tee_ioctl_invoke_arg *arg,
					struct rh_tee_param *param)
{
	struct rh_optee_msg_param sent[RH_TEE_NUM_PARAMS];
	struct rh_optee_msg_arg *msg;
	struct ctx_session *s;
	uint32_t res, origin;
	unsigned int slot;
	uint64_t start, sim_start;
	int ret;

	if (!rh_tee_ctx_valid(ctx) || !arg)
		return -EINVAL;
	ret = params_check(ctx, param, arg->num_params);
	if (ret) {
		rh_bug_caller(ctx->plat, "tee: invoke 0x%x with bad parameters",
			      arg->func);
		return ret;
	}
	s = session_find(ctx, arg->session);
	if (!s)
		return -EINVAL;
	msg = rh_tee_msg_get(ctx, &slot);
	if (!msg)
		return -ENOMEM;

	rh_tee_msg_init(msg, RH_OPTEE_MSG_CMD_INVOKE_COMMAND, arg->num_params);
	msg->func = arg->func;
	msg->session = arg->session;
	msg->cancel_id = arg->cancel_id;
	params_to_msg(msg->params, param, arg->num_params);
	memcpy(sent, msg->params, sizeof(sent[0]) * arg->num_params);

	start = rh_trace_clock(ctx->plat);
	sim_start = rh_trace_sim_clock(ctx->plat);
	trace_call(ctx, RH_TRACE_TEE_INVOKE, s->uuid, arg->session, arg->func,
		   0, 0, 0);
	if (rh_tee_msg_send(ctx, msg, &res, &origin) &&
	    params_from_msg(param, arg->num_params, msg->params, sent)) {
		rh_bug_tee(ctx->plat, "tee: invoke 0x%x answer changed parameter attributes",
			   arg->func);
		res = RH_TEEC_ERROR_COMMUNICATION;
		origin = RH_TEEC_ORIGIN_COMMS;
	}
	arg->ret = res;
	arg->ret_origin = origin;
	trace_return(ctx, s->uuid, arg, param, start, sim_start);
	rh_tee_msg_put(ctx, msg, slot);
	return 0;
}

RH_EXPORT int rh_tee_client_cancel_req(struct rh_tee_context *ctx,
				       struct rh_tee_ioctl_cancel_arg *arg)
{
	struct rh_optee_msg_arg *msg;
	unsigned int slot;
	int ret;

	if (!rh_tee_ctx_valid(ctx) || !arg || !session_find(ctx, arg->session))
		return -EINVAL;
	msg = rh_tee_msg_get(ctx, &slot);
	if (!msg)
		return -ENOMEM;
	rh_tee_msg_init(msg, RH_OPTEE_MSG_CMD_CANCEL, 0);
	msg->session = arg->session;
	msg->cancel_id = arg->cancel_id;
	ret = rh_tee_ops_call(ctx->ops, ctx->priv, msg, sizeof(*msg));
	rh_tee_msg_put(ctx, msg, slot);
	return ret;
}

bool rh_tee_context_backend_is(const struct rh_tee_context *ctx, const struct rh_tee_ops *ops,
			       void *priv)
{
	return ctx->ops == ops && ctx->priv == priv;
}

int rh_tee_context_call(struct rh_tee_context *ctx, struct rh_optee_msg_arg *msg)
{
	uint32_t res, origin;

	if (!rh_tee_ctx_valid(ctx) || !msg || msg->num_params > CTX_MSG_PARAMS)
		return -EINVAL;
	if (!rh_tee_msg_send(ctx, msg, &res, &origin)) {
		msg->ret = res;
		msg->ret_origin = origin;
		return -EIO;
	}
	return 0;
}
