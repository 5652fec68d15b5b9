// SPDX-License-Identifier: MIT
/* Emulated TEE core: TA registry, instances, sessions, panics (OPEN/INVOKE/CLOSE/CANCEL). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "internal.h"
#include "optee/msg.h"
#include "optee/tee-core.h"
#include "optee/tee.h"
#include "trace/trace.h"

/* Session ids: generation in the upper 24 bits, table slot in the lower 8. */
#define SESSION_SLOT_BITS 8
_Static_assert(RH_TEE_EMU_MAX_SESSIONS == 1u << SESSION_SLOT_BITS,
	       "session ids encode the slot");

/* Panic code recorded when a panic is injected through ta_panic_next. */
#define INJECTED_PANIC_CODE 0xFA17u

enum inst_state {
	INST_CREATING,
	INST_READY,
	INST_FAILED,
};

/* One instance of a trusted application (the TA's "ctx"). */
struct rh_ta_ctx {
	struct rh_tee_emu *emu;
	struct ta_entry *ta;
	const struct rh_ta_ops *ops;
	void *priv;
	unsigned int refs;        /* sessions + keep-alive; under lock */
	unsigned int nr_sessions; /* sessions not yet closed; under lock */
	enum inst_state state;    /* under lock */
	bool keep_alive_ref;      /* under lock */
	atomic_bool dead;
	atomic_uint panic_code;
};

enum sess_state {
	SESS_OPENING,
	SESS_OPEN,
};

struct emu_session {
	uint32_t id;
	struct rh_ta_client client; /* login and client UUID of the opener */
	enum sess_state state; /* under lock */
	atomic_uint refs;      /* the table's + one per call in flight */
	struct rh_ta_ctx *inst;
	void *sess_ctx;
	bool opened; /* the TA's open_session succeeded */
	atomic_bool panic_pending;
	atomic_uint cancel_id;
	atomic_bool cancel_requested;
};

/* ------------------------------------------------------------ TA helpers */

/*
 * The session whose entry point runs on this thread, for
 * rh_ta_get_client() (OP-TEE's current session, which
 * TEE_GetPropertyAsIdentity(TEE_PROPSET_CURRENT_CLIENT) reads).
 */
static _Thread_local const struct emu_session *tls_current;

/* Runs before a TA entry point for @sess; returns what to restore after. */
static const struct emu_session *enter_session(const struct emu_session *sess)
{
	const struct emu_session *prev = tls_current;

	tls_current = sess;
	return prev;
}

static void leave_session(const struct emu_session *prev)
{
	tls_current = prev;
}

int rh_ta_get_client(struct rh_ta_ctx *ctx, struct rh_ta_client *ret_client)
{
	const struct emu_session *sess = tls_current;

	if (!ctx || !ret_client || !sess || sess->inst != ctx)
		return -EINVAL;
	*ret_client = sess->client;
	ret_client->session = sess->id;
	return 0;
}

void *rh_ta_get_priv(struct rh_ta_ctx *ctx)
{
	return ctx ? ctx->priv : NULL;
}

void rh_ta_set_priv(struct rh_ta_ctx *ctx, void *priv)
{
	if (ctx)
		ctx->priv = priv;
}

struct rh_platform *rh_ta_get_platform(struct rh_ta_ctx *ctx)
{
	return ctx ? ctx->emu->plat : NULL;
}

const struct rh_ta_ops *rh_ta_get_ops(struct rh_ta_ctx *ctx)
{
	return ctx ? ctx->ops : NULL;
}

void rh_ta_panic(struct rh_ta_ctx *ctx, uint32_t code)
{
	struct rh_trace_event ev = { RH_TRACE_TEE_PANIC, .ts_ns = 0 };

	if (!ctx)
		return;
	atomic_store(&ctx->panic_code, code);
	if (!atomic_exchange(&ctx->dead, true)) {
		atomic_fetch_add_explicit(&ctx->emu->panics, 1,
					  memory_order_relaxed);
		EMSG(ctx->emu->plat, "TA %s panicked with code 0x%x",
		     ctx->ops->name, code);
		if (rh_trace_active(ctx->emu->plat)) {
			ev.name = ctx->ops->name;
			rh_trace_emitf(ctx->emu->plat, &ev, "panic code 0x%x", code);
		}
	}
}

bool rh_ta_is_dead(struct rh_ta_ctx *ctx)
{
	return ctx && atomic_load(&ctx->dead);
}

int rh_ta_random(struct rh_ta_ctx *ctx, void *buf, size_t len)
{
	if (!ctx)
		return -EINVAL;
	return rh_emu_random(ctx->emu, buf, len);
}

/* ------------------------------------------------------------ registry */

static struct ta_entry *find_ta(struct rh_tee_emu *emu, const uint8_t *uuid)
{
	unsigned int i;

	for (i = 0; i < RH_TEE_EMU_MAX_TAS; i++)
		if (emu->tas[i].ops &&
		    !memcmp(emu->tas[i].ops->uuid, uuid, RH_TEE_IOCTL_UUID_LEN))
			return &emu->tas[i];
	return NULL;
}

int rh_tee_emu_add_ta(struct rh_tee_emu *emu, const struct rh_ta_ops *ops)
{
	char uuid[RH_UUID_STRING_LEN + 1];
	unsigned int i;
	int ret;

	if (!emu || !ops || !ops->name || !ops->invoke ||
	    (ops->flags & ~RH_TA_FLAGS_MASK))
		return -EINVAL;
	rh_uuid_unparse(ops->uuid, uuid);
	pthread_mutex_lock(&emu->lock);
	if (find_ta(emu, ops->uuid)) {
		ret = -EEXIST;
		goto out;
	}
	ret = -ENOSPC;
	for (i = 0; i < RH_TEE_EMU_MAX_TAS; i++) {
		if (emu->tas[i].ops)
			continue;
		emu->tas[i].ops = ops;
		emu->tas[i].single = NULL;
		emu->tas[i].nr_instances = 0;
		emu->nr_tas++;
		ret = 0;
		break;
	}
out:
	pthread_mutex_unlock(&emu->lock);
	if (ret)
		EMSG(emu->plat, "cannot register TA %s (%s): %s", ops->name, uuid,
		     strerror(-ret));
	else
		DMSG(emu->plat, "registered TA %s (%s)", ops->name, uuid);
	return ret;
}

int rh_tee_emu_remove_ta(struct rh_tee_emu *emu, const uint8_t *uuid)
{
	struct ta_entry *ta;
	int ret = 0;

	if (!emu || !uuid)
		return -EINVAL;
	pthread_mutex_lock(&emu->lock);
	ta = find_ta(emu, uuid);
	if (!ta)
		ret = -ENOENT;
	else if (ta->nr_instances)
		ret = -EBUSY;
	else {
		ta->ops = NULL;
		emu->nr_tas--;
	}
	pthread_mutex_unlock(&emu->lock);
	return ret;
}

int rh_tee_emu_register_ta(struct rh_platform *plat, const struct rh_ta_ops *ops)
{
	if (!plat)
		return -EINVAL;
	if (!plat->tee_emu)
		return -ENODEV;
	return rh_tee_emu_add_ta(plat->tee_emu, ops);
}

/* ------------------------------------------------------------ instances */

/*
 * Under lock: the instance failed to create or died; no new session may
 * reach it, and a keep-alive instance ends with its last session.
 * Idempotent.
 */
static void inst_unpublish(struct rh_ta_ctx *inst)
{
	if (inst->ta->single == inst)
		inst->ta->single = NULL;
	if (inst->keep_alive_ref) {
		inst->keep_alive_ref = false;
		inst->refs--;
	}
}

/* Under lock: drop one reference; true if the caller must destroy it. */
static bool inst_put_locked(struct rh_ta_ctx *inst)
{
	if (--inst->refs)
		return false;
	if (inst->ta->single == inst)
		inst->ta->single = NULL;
	inst->ta->nr_instances--;
	inst->emu->nr_instances--;
	return true;
}

/*
 * Outside the lock: run the TA's destroy and free the instance. As in GP,
 * an instance whose create failed is not destroyed; one that panicked is,
 * so that the TA can free what it holds (the OS reclaiming a dead TA).
 */
static void inst_destroy(struct rh_ta_ctx *inst)
{
	if ((inst->state == INST_READY || rh_ta_is_dead(inst)) &&
	    inst->ops->destroy)
		inst->ops->destroy(inst);
	rh_free(inst);
}

/*
 * Under lock: the instance a new session of @ta uses, creating one if
 * needed (*ret_create then tells the caller to run the TA's create).
 */
static uint32_t get_instance(struct rh_tee_emu *emu, struct ta_entry *ta,
			     struct rh_ta_ctx **ret_inst, bool *ret_create,
			     uint32_t *ret_origin)
{
	uint32_t flags = ta->ops->flags;
	struct rh_ta_ctx *inst;

	*ret_create = false;
	*ret_origin = RH_TEEC_ORIGIN_TEE;
	if (flags & RH_TA_FLAG_SINGLE_INSTANCE) {
		/* Sessions opened while the instance is created wait for it. */
		while (ta->single && ta->single->state == INST_CREATING)
			pthread_cond_wait(&emu->created, &emu->lock);
		inst = ta->single;
		if (inst) {
			if (!(flags & RH_TA_FLAG_MULTI_SESSION) &&
			    inst->nr_sessions)
				return RH_TEEC_ERROR_BUSY;
			inst->refs++;
			inst->nr_sessions++;
			*ret_inst = inst;
			return RH_TEEC_SUCCESS;
		}
	}

	inst = rh_zalloc(sizeof(*inst));
	if (!inst)
		return RH_TEEC_ERROR_OUT_OF_MEMORY;
	inst->emu = emu;
	inst->ta = ta;
	inst->ops = ta->ops;
	inst->state = INST_CREATING;
	inst->refs = 1;
	inst->nr_sessions = 1;
	atomic_init(&inst->dead, false);
	atomic_init(&inst->panic_code, 0);
	if (flags & RH_TA_FLAG_SINGLE_INSTANCE) {
		ta->single = inst;
		if (flags & RH_TA_FLAG_INSTANCE_KEEP_ALIVE) {
			inst->keep_alive_ref = true;
			inst->refs++;
		}
	}
	ta->nr_instances++;
	emu->nr_instances++;
	*ret_inst = inst;
	*ret_create = true;
	return RH_TEEC_SUCCESS;
}

/* Under lock: a free table slot and a fresh id for @sess. */
static int reserve_slot(struct rh_tee_emu *emu, struct emu_session *sess)
{
	unsigned int i, slot;

	for (i = 0; i < RH_TEE_EMU_MAX_SESSIONS; i++) {
		slot = (emu->next_gen + i) & (RH_TEE_EMU_MAX_SESSIONS - 1);
		if (emu->sessions[slot])
			continue;
		/* Generations make a stale id miss a reused slot. */
		if (++emu->next_gen >= 1u << (32 - SESSION_SLOT_BITS))
			emu->next_gen = 1;
		sess->id = emu->next_gen << SESSION_SLOT_BITS | slot;
		sess->state = SESS_OPENING;
		emu->sessions[slot] = sess;
		emu->nr_sessions++;
		return 0;
	}
	return -ENOSPC;
}

static void unreserve_slot(struct rh_tee_emu *emu, struct emu_session *sess)
{
	emu->sessions[sess->id & (RH_TEE_EMU_MAX_SESSIONS - 1)] = NULL;
	emu->nr_sessions--;
}

static struct emu_session *session_lookup(struct rh_tee_emu *emu, uint32_t id)
{
	struct emu_session *sess;

	sess = emu->sessions[id & (RH_TEE_EMU_MAX_SESSIONS - 1)];
	if (!sess || sess->id != id || sess->state != SESS_OPEN)
		return NULL;
	return sess;
}

/* The last reference of a session is gone (closed, no call in flight). */
static void session_release(struct rh_tee_emu *emu, struct emu_session *sess)
{
	struct rh_ta_ctx *inst = sess->inst;
	bool destroy;

	/* Also for a dead instance: the TA frees what the session holds. */
	if (sess->opened && inst->ops->close_session) {
		const struct emu_session *prev = enter_session(sess);

		inst->ops->close_session(inst, sess->sess_ctx);
		leave_session(prev);
	}
	pthread_mutex_lock(&emu->lock);
	destroy = inst_put_locked(inst);
	pthread_mutex_unlock(&emu->lock);
	if (destroy)
		inst_destroy(inst);
	rh_free(sess);
}

static void session_put(struct rh_tee_emu *emu, struct emu_session *sess)
{
	if (atomic_fetch_sub_explicit(&sess->refs, 1, memory_order_acq_rel) == 1)
		session_release(emu, sess);
}

/* ------------------------------------------------------------ commands */

/*
 * A TA entry point of @inst answered @res with @params: a panic (called or
 * returned) turns the answer into TARGET_DEAD from the TEE and unpublishes
 * the instance; otherwise the outputs go back into the message at @buf and
 * the TA's result stands.
 */
static struct emu_reply ta_answered(struct rh_tee_emu *emu,
				    struct rh_ta_ctx *inst, uint32_t res,
				    void *buf, struct rh_emu_msg *msg,
				    struct rh_ta_param params[RH_TA_NUM_PARAMS])
{
	if (res == RH_TA_RESULT_PANIC)
		rh_ta_panic(inst, res);
	if (rh_ta_is_dead(inst)) {
		pthread_mutex_lock(&emu->lock);
		inst_unpublish(inst);
		pthread_mutex_unlock(&emu->lock);
		return tee_says(RH_TEEC_ERROR_TARGET_DEAD);
	}
	rh_emu_msg_from_ta(msg, params);
	rh_emu_msg_write_outputs(buf, msg);
	return (struct emu_reply){ .ret = res,
				   .origin = RH_TEEC_ORIGIN_TRUSTED_APP };
}

struct emu_reply rh_emu_cmd_open_session(struct rh_tee_emu *emu, void *buf,
					 struct rh_emu_msg *msg)
{
	struct rh_ta_param params[RH_TA_NUM_PARAMS];
	char uuid[RH_UUID_STRING_LEN + 1];
	struct rh_ta_ctx *inst = NULL;
	struct emu_session *sess;
	struct ta_entry *ta;
	bool create, inject, destroy = false, bad_msg = false, no_ta = false,
			     table_full = false;
	uint32_t types, res;
	struct emu_reply r;

	sess = rh_zalloc(sizeof(*sess));
	if (!sess)
		return tee_says(RH_TEEC_ERROR_OUT_OF_MEMORY);
	atomic_init(&sess->refs, 1);
	sess->client.login = msg->login;
	memcpy(sess->client.uuid, msg->clnt_uuid, sizeof(sess->client.uuid));
	atomic_init(&sess->panic_pending, false);
	atomic_init(&sess->cancel_id, 0);
	atomic_init(&sess->cancel_requested, false);

	pthread_mutex_lock(&emu->lock);
	ta = find_ta(emu, msg->ta_uuid);
	if (!ta) {
		no_ta = true;
		r = tee_says(RH_TEEC_ERROR_ITEM_NOT_FOUND);
		goto err_unlock;
	}
	/* On failure, what was held so far is released already. */
	r = tee_says(rh_emu_msg_resolve_mem(msg, &rh_emu_resolver, emu));
	if (r.ret) {
		bad_msg = true;
		goto err_unlock;
	}
	if (reserve_slot(emu, sess)) {
		table_full = true;
		r = tee_says(RH_TEEC_ERROR_BUSY);
		goto err_unlock;
	}
	r.ret = get_instance(emu, ta, &inst, &create, &r.origin);
	if (r.ret)
		goto err_unreserve;
	sess->inst = inst;
	inject = emu->panic_next_open;
	emu->panic_next_open = false;
	pthread_mutex_unlock(&emu->lock);

	if (create) {
		r.ret = inst->ops->create ? inst->ops->create(inst) :
					    RH_TEEC_SUCCESS;
		r.origin = RH_TEEC_ORIGIN_TRUSTED_APP;
		if (r.ret == RH_TA_RESULT_PANIC)
			rh_ta_panic(inst, r.ret);
		pthread_mutex_lock(&emu->lock);
		inst->state = r.ret || rh_ta_is_dead(inst) ? INST_FAILED :
							     INST_READY;
		if (inst->state == INST_FAILED)
			inst_unpublish(inst);
		pthread_cond_broadcast(&emu->created);
		pthread_mutex_unlock(&emu->lock);
		if (rh_ta_is_dead(inst)) {
			r = tee_says(RH_TEEC_ERROR_TARGET_DEAD);
			goto err_put_inst;
		}
		if (r.ret)
			goto err_put_inst;
	}

	types = rh_emu_msg_to_ta(msg, params);
	res = RH_TEEC_SUCCESS;
	if (inject)
		rh_ta_panic(inst, INJECTED_PANIC_CODE);
	else if (!rh_ta_is_dead(inst) && inst->ops->open_session) {
		const struct emu_session *prev = enter_session(sess);

		res = inst->ops->open_session(inst, types, params,
					      &sess->sess_ctx);
		leave_session(prev);
	}
	r = ta_answered(emu, inst, res, buf, msg, params);
	if (r.ret)
		goto err_put_inst;
	rh_emu_msg_release_mem(msg, &rh_emu_resolver, emu);

	pthread_mutex_lock(&emu->lock);
	sess->opened = true;
	sess->state = SESS_OPEN;
	pthread_mutex_unlock(&emu->lock);
	rh_emu_msg_set_session(buf, sess->id);
	return r;

err_put_inst:
	rh_emu_msg_release_mem(msg, &rh_emu_resolver, emu);
	pthread_mutex_lock(&emu->lock);
	inst->nr_sessions--;
	destroy = inst_put_locked(inst);
err_unreserve:
	unreserve_slot(emu, sess);
err_unlock:
	pthread_mutex_unlock(&emu->lock);
	if (destroy)
		inst_destroy(inst);
	rh_free(sess);
	if (bad_msg)
		return rh_emu_refused(emu, msg, r.ret);
	if (no_ta) {
		rh_uuid_unparse(msg->ta_uuid, uuid);
		DMSG(emu->plat, "OPEN_SESSION: no TA %s", uuid);
	}
	if (table_full)
		EMSG(emu->plat, "OPEN_SESSION: all %u sessions in use",
		     RH_TEE_EMU_MAX_SESSIONS);
	return r;
}

struct emu_reply rh_emu_cmd_invoke(struct rh_tee_emu *emu, void *buf,
				   struct rh_emu_msg *msg)
{
	struct rh_ta_param params[RH_TA_NUM_PARAMS];
	struct emu_session *sess;
	struct rh_ta_ctx *inst;
	struct emu_reply r = tee_says(RH_TEEC_SUCCESS);
	uint32_t types, res;
	bool inject;

	pthread_mutex_lock(&emu->lock);
	sess = session_lookup(emu, msg->session);
	if (!sess) {
		pthread_mutex_unlock(&emu->lock);
		DMSG(emu->plat, "INVOKE_COMMAND: no session 0x%x", msg->session);
		return tee_says(RH_TEEC_ERROR_BAD_PARAMETERS);
	}
	res = rh_emu_msg_resolve_mem(msg, &rh_emu_resolver, emu);
	if (res) {
		pthread_mutex_unlock(&emu->lock);
		return rh_emu_refused(emu, msg, res);
	}
	/* The call pins the session: a concurrent close frees it after us. */
	atomic_fetch_add_explicit(&sess->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&emu->lock);

	inst = sess->inst;
	inject = atomic_exchange(&sess->panic_pending, false);
	if (rh_ta_is_dead(inst)) {
		r = tee_says(RH_TEEC_ERROR_TARGET_DEAD);
		goto out_put;
	}
	types = rh_emu_msg_to_ta(msg, params);
	res = RH_TEEC_SUCCESS;
	if (inject)
		rh_ta_panic(inst, INJECTED_PANIC_CODE);
	else {
		const struct emu_session *prev = enter_session(sess);

		res = inst->ops->invoke(inst, sess->sess_ctx, msg->func, types,
					params);
		leave_session(prev);
	}
	r = ta_answered(emu, inst, res, buf, msg, params);
out_put:
	/* The protected memory of the call may be reclaimed from here on. */
	rh_emu_msg_release_mem(msg, &rh_emu_resolver, emu);
	session_put(emu, sess);
	return r;
}

struct emu_reply rh_emu_cmd_close_session(struct rh_tee_emu *emu,
					  struct rh_emu_msg *msg)
{
	struct emu_session *sess;

	pthread_mutex_lock(&emu->lock);
	sess = session_lookup(emu, msg->session);
	if (!sess) {
		pthread_mutex_unlock(&emu->lock);
		DMSG(emu->plat, "CLOSE_SESSION: no session 0x%x", msg->session);
		return tee_says(RH_TEEC_ERROR_BAD_PARAMETERS);
	}
	unreserve_slot(emu, sess);
	sess->inst->nr_sessions--;
	pthread_mutex_unlock(&emu->lock);
	/* Drop the table's reference; a call in flight finishes first. */
	session_put(emu, sess);
	return tee_says(RH_TEEC_SUCCESS);
}

struct emu_reply rh_emu_cmd_cancel(struct rh_tee_emu *emu,
				   struct rh_emu_msg *msg)
{
	struct emu_session *sess;

	pthread_mutex_lock(&emu->lock);
	sess = session_lookup(emu, msg->session);
	if (sess) {
		/* TAs run with cancellation masked (the GP default): noted only. */
		atomic_store(&sess->cancel_id, msg->cancel_id);
		atomic_store(&sess->cancel_requested, true);
	}
	pthread_mutex_unlock(&emu->lock);
	if (!sess) {
		DMSG(emu->plat, "CANCEL: no session 0x%x", msg->session);
		return tee_says(RH_TEEC_ERROR_BAD_PARAMETERS);
	}
	atomic_fetch_add_explicit(&emu->cancels, 1, memory_order_relaxed);
	return tee_says(RH_TEEC_SUCCESS);
}

/* ------------------------------------------------------------ fault hooks, shutdown */

int rh_emu_panic_next(struct rh_tee_emu *emu, uint32_t session)
{
	struct emu_session *sess;
	int ret = 0;

	pthread_mutex_lock(&emu->lock);
	if (!session) {
		emu->panic_next_open = true;
	} else {
		sess = session_lookup(emu, session);
		if (sess)
			atomic_store(&sess->panic_pending, true);
		else
			ret = -ENOENT;
	}
	pthread_mutex_unlock(&emu->lock);
	return ret;
}

void rh_emu_sessions_shutdown(struct rh_tee_emu *emu)
{
	struct emu_session *sess;
	struct rh_ta_ctx *inst;
	unsigned int i;
	bool destroy;

	/* Sessions left open: close them as the secure OS would on shutdown. */
	for (i = 0; i < RH_TEE_EMU_MAX_SESSIONS; i++) {
		pthread_mutex_lock(&emu->lock);
		sess = emu->sessions[i];
		if (sess) {
			unreserve_slot(emu, sess);
			sess->inst->nr_sessions--;
		}
		pthread_mutex_unlock(&emu->lock);
		if (sess)
			session_put(emu, sess);
	}
	/* Keep-alive instances end with the TEE. */
	for (i = 0; i < RH_TEE_EMU_MAX_TAS; i++) {
		pthread_mutex_lock(&emu->lock);
		inst = emu->tas[i].ops ? emu->tas[i].single : NULL;
		destroy = false;
		if (inst && inst->keep_alive_ref) {
			inst->keep_alive_ref = false;
			destroy = inst_put_locked(inst);
		}
		pthread_mutex_unlock(&emu->lock);
		if (destroy)
			inst_destroy(inst);
	}
}
