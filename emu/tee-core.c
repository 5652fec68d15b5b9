// SPDX-License-Identifier: MIT
/* Emulated TEE core: SMC entry, TA registry, sessions, panics, shm, CSPRNG. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/tree.h>

#include "internal.h"
#include "msg.h"
#include "tee.h"

/*
 * Locking: emu->lock protects the TA registry, the session table, the
 * instance reference counts and the shared-memory tree. It is held only for
 * bookkeeping, never while a trusted application runs, so an invoke costs
 * one uncontended lock/unlock; in-flight calls pin their session with an
 * atomic reference instead.
 */

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
	uint32_t create_res;      /* INST_FAILED: what create answered */
	bool keep_alive_ref;      /* under lock */
	atomic_bool dead;
	atomic_uint panic_code;
};

struct ta_entry {
	const struct rh_ta_ops *ops; /* NULL: free slot */
	struct rh_ta_ctx *single;    /* live single instance, under lock */
	unsigned int nr_instances;   /* under lock */
};

enum sess_state {
	SESS_OPENING,
	SESS_OPEN,
};

struct emu_session {
	uint32_t id;
	enum sess_state state; /* under lock */
	atomic_uint refs;      /* the table's + one per call in flight */
	struct rh_ta_ctx *inst;
	void *sess_ctx;
	bool opened; /* the TA's open_session succeeded */
	atomic_bool panic_pending;
	atomic_uint cancel_id;
	atomic_bool cancel_requested;
};

struct shm_node {
	RB_ENTRY(shm_node) entry;
	uint64_t cookie;
	void *base;
	uint64_t size;
};

static int shm_cmp(const struct shm_node *a, const struct shm_node *b)
{
	return a->cookie < b->cookie ? -1 : a->cookie > b->cookie;
}

RB_HEAD(shm_tree, shm_node);
/* RB_GENERATE_STATIC needs __unused, which libbsd's cdefs.h leaves undefined. */
#define SHM_RB_ATTR __attribute__((unused)) static
RB_GENERATE_INTERNAL(shm_tree, shm_node, entry, shm_cmp, SHM_RB_ATTR)

#define RNG_BUF_SIZE 256

struct rh_tee_emu {
	struct rh_platform *plat;
	pthread_mutex_t lock;
	pthread_cond_t created; /* an instance left INST_CREATING */

	struct ta_entry tas[RH_TEE_EMU_MAX_TAS];
	unsigned int nr_tas;
	unsigned int nr_instances;

	struct emu_session *sessions[RH_TEE_EMU_MAX_SESSIONS];
	unsigned int nr_sessions;
	uint32_t next_gen;
	bool panic_next_open;

	struct shm_tree shm;
	unsigned int nr_shm;
	uintptr_t ns_base;
	size_t ns_size;

	atomic_ullong calls;
	atomic_ullong world_switches;
	atomic_ullong malformed;
	atomic_ullong panics;
	atomic_ullong cancels;

	pthread_mutex_t rng_lock;
	EVP_CIPHER_CTX *rng;
	unsigned char rng_buf[RNG_BUF_SIZE];
	size_t rng_avail;
};

/* ------------------------------------------------------------ errno <-> result */

static const struct {
	int err;
	uint32_t res;
} errno_results[] = {
	{ 0, RH_TEEC_SUCCESS },
	{ -ENOMEM, RH_TEEC_ERROR_OUT_OF_MEMORY },
	{ -EINVAL, RH_TEEC_ERROR_BAD_PARAMETERS },
	{ -EBADMSG, RH_TEEC_ERROR_BAD_FORMAT },
	{ -EACCES, RH_TEEC_ERROR_ACCESS_DENIED },
	{ -EPERM, RH_TEEC_ERROR_SECURITY },
	{ -ENOENT, RH_TEEC_ERROR_ITEM_NOT_FOUND },
	{ -EBUSY, RH_TEEC_ERROR_BUSY },
	{ -ENOSPC, RH_TEEC_ERROR_SHORT_BUFFER },
	{ -EOPNOTSUPP, RH_TEEC_ERROR_NOT_SUPPORTED },
	{ -ECANCELED, RH_TEEC_ERROR_CANCEL },
	{ -EPIPE, RH_TEEC_ERROR_TARGET_DEAD },
	{ -ECOMM, RH_TEEC_ERROR_COMMUNICATION },
	{ -EOVERFLOW, RH_TEEC_ERROR_OVERFLOW },
	{ -E2BIG, RH_TEEC_ERROR_EXCESS_DATA },
	{ -ENODATA, RH_TEEC_ERROR_NO_DATA },
};

uint32_t rh_errno_to_tee_result(int err)
{
	size_t i;

	for (i = 0; i < RH_ARRAY_SIZE(errno_results); i++)
		if (errno_results[i].err == err)
			return errno_results[i].res;
	return RH_TEEC_ERROR_GENERIC;
}

/* ------------------------------------------------------------ TA helpers */

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
	if (!ctx)
		return;
	atomic_store(&ctx->panic_code, code);
	if (!atomic_exchange(&ctx->dead, true)) {
		atomic_fetch_add_explicit(&ctx->emu->panics, 1,
					  memory_order_relaxed);
		EMSG(ctx->emu->plat, "TA %s panicked with code 0x%x",
		     ctx->ops->name, code);
	}
}

bool rh_ta_is_dead(struct rh_ta_ctx *ctx)
{
	return ctx && atomic_load(&ctx->dead);
}

/* ------------------------------------------------------------ CSPRNG */

static int rng_init(struct rh_tee_emu *emu)
{
	unsigned char seed[32 + 16];
	int ret = -EIO;

	/* One OS-seeded key per emulator; every request is then a keystream read. */
	if (RAND_bytes(seed, sizeof(seed)) != 1)
		goto out;
	emu->rng = EVP_CIPHER_CTX_new();
	if (!emu->rng)
		goto out;
	if (EVP_EncryptInit_ex(emu->rng, EVP_chacha20(), NULL, seed,
			       seed + 32) != 1) {
		EVP_CIPHER_CTX_free(emu->rng);
		emu->rng = NULL;
		goto out;
	}
	ret = 0;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	return ret;
}

static int rng_refill(struct rh_tee_emu *emu)
{
	int len;

	memset(emu->rng_buf, 0, sizeof(emu->rng_buf));
	if (EVP_EncryptUpdate(emu->rng, emu->rng_buf, &len, emu->rng_buf,
			      sizeof(emu->rng_buf)) != 1 ||
	    len != (int)sizeof(emu->rng_buf))
		return -EIO;
	emu->rng_avail = sizeof(emu->rng_buf);
	return 0;
}

static int emu_random(struct rh_tee_emu *emu, void *buf, size_t len)
{
	unsigned char *out = buf;
	unsigned char *src;
	size_t n;
	int ret = 0;

	if (!buf && len)
		return -EINVAL;
	pthread_mutex_lock(&emu->rng_lock);
	while (len) {
		if (!emu->rng_avail) {
			ret = rng_refill(emu);
			if (ret)
				break;
		}
		n = len < emu->rng_avail ? len : emu->rng_avail;
		src = emu->rng_buf + sizeof(emu->rng_buf) - emu->rng_avail;
		memcpy(out, src, n);
		/* Bytes handed out are not kept around. */
		memset(src, 0, n);
		emu->rng_avail -= n;
		out += n;
		len -= n;
	}
	pthread_mutex_unlock(&emu->rng_lock);
	return ret;
}

int rh_ta_random(struct rh_ta_ctx *ctx, void *buf, size_t len)
{
	if (!ctx)
		return -EINVAL;
	return emu_random(ctx->emu, buf, len);
}

int rh_tee_emu_random(struct rh_platform *plat, void *buf, size_t len)
{
	if (!plat)
		return -EINVAL;
	if (!plat->tee_emu)
		return -ENODEV;
	return emu_random(plat->tee_emu, buf, len);
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
	if (sess->opened && inst->ops->close_session)
		inst->ops->close_session(inst, sess->sess_ctx);
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

static int shm_lookup(void *data, uint64_t cookie, void **ret_base,
		      uint64_t *ret_size)
{
	struct rh_tee_emu *emu = data;
	struct shm_node key, *node;

	key.cookie = cookie;
	node = RB_FIND(shm_tree, &emu->shm, &key);
	if (!node)
		return -ENOENT;
	*ret_base = node->base;
	*ret_size = node->size;
	return 0;
}

/* ------------------------------------------------------------ commands */

/* Result and origin of one command. */
struct reply {
	uint32_t ret;
	uint32_t origin;
};

static struct reply tee_says(uint32_t ret)
{
	return (struct reply){ .ret = ret, .origin = RH_TEEC_ORIGIN_TEE };
}

/*
 * A TA entry point of @inst answered @res with @params: a panic (called or
 * returned) turns the answer into TARGET_DEAD from the TEE and unpublishes
 * the instance; otherwise the outputs go back into the message at @buf and
 * the TA's result stands.
 */
static struct reply ta_answered(struct rh_tee_emu *emu, struct rh_ta_ctx *inst,
				uint32_t res, void *buf, struct rh_emu_msg *msg,
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
	return (struct reply){ .ret = res, .origin = RH_TEEC_ORIGIN_TRUSTED_APP };
}

/* A message the parser refused: one log line, counted. */
static struct reply refused(struct rh_tee_emu *emu, const struct rh_emu_msg *msg,
			    uint32_t ret)
{
	atomic_fetch_add_explicit(&emu->malformed, 1, memory_order_relaxed);
	EMSG(emu->plat, "refused %s message: %s", rh_emu_msg_cmd_name(msg->cmd),
	     msg->why);
	return tee_says(ret);
}

static struct reply cmd_open_session(struct rh_tee_emu *emu, void *buf,
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
	struct reply r;

	sess = rh_zalloc(sizeof(*sess));
	if (!sess)
		return tee_says(RH_TEEC_ERROR_OUT_OF_MEMORY);
	atomic_init(&sess->refs, 1);
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
	r = tee_says(rh_emu_msg_resolve(msg, shm_lookup, emu));
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
	else if (!rh_ta_is_dead(inst) && inst->ops->open_session)
		res = inst->ops->open_session(inst, types, params,
					      &sess->sess_ctx);
	r = ta_answered(emu, inst, res, buf, msg, params);
	if (r.ret)
		goto err_put_inst;

	pthread_mutex_lock(&emu->lock);
	sess->opened = true;
	sess->state = SESS_OPEN;
	pthread_mutex_unlock(&emu->lock);
	rh_emu_msg_set_session(buf, sess->id);
	return r;

err_put_inst:
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
		return refused(emu, msg, r.ret);
	if (no_ta) {
		rh_uuid_unparse(msg->ta_uuid, uuid);
		DMSG(emu->plat, "OPEN_SESSION: no TA %s", uuid);
	}
	if (table_full)
		EMSG(emu->plat, "OPEN_SESSION: all %u sessions in use",
		     RH_TEE_EMU_MAX_SESSIONS);
	return r;
}

static struct reply cmd_invoke(struct rh_tee_emu *emu, void *buf,
			       struct rh_emu_msg *msg)
{
	struct rh_ta_param params[RH_TA_NUM_PARAMS];
	struct emu_session *sess;
	struct rh_ta_ctx *inst;
	struct reply r = tee_says(RH_TEEC_SUCCESS);
	uint32_t types, res;
	bool inject;

	pthread_mutex_lock(&emu->lock);
	sess = session_lookup(emu, msg->session);
	if (!sess) {
		pthread_mutex_unlock(&emu->lock);
		DMSG(emu->plat, "INVOKE_COMMAND: no session 0x%x", msg->session);
		return tee_says(RH_TEEC_ERROR_BAD_PARAMETERS);
	}
	res = rh_emu_msg_resolve(msg, shm_lookup, emu);
	if (res) {
		pthread_mutex_unlock(&emu->lock);
		return refused(emu, msg, res);
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
	else
		res = inst->ops->invoke(inst, sess->sess_ctx, msg->func, types,
					params);
	r = ta_answered(emu, inst, res, buf, msg, params);
out_put:
	session_put(emu, sess);
	return r;
}

static struct reply cmd_close_session(struct rh_tee_emu *emu,
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

static struct reply cmd_cancel(struct rh_tee_emu *emu, struct rh_emu_msg *msg)
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

static struct reply cmd_register_shm(struct rh_tee_emu *emu,
				     struct rh_emu_msg *msg)
{
	const struct rh_emu_msg_param *p = &msg->params[0];
	struct shm_node *node;
	const char *why = NULL;
	struct reply r;

	if (emu->ns_size &&
	    (p->u.mem.addr < emu->ns_base ||
	     p->u.mem.addr - emu->ns_base > emu->ns_size ||
	     p->u.mem.size > emu->ns_size - (p->u.mem.addr - emu->ns_base))) {
		snprintf(msg->why, sizeof(msg->why),
			 "buffer 0x%llx+0x%llx is not non-secure shared memory",
			 (unsigned long long)p->u.mem.addr,
			 (unsigned long long)p->u.mem.size);
		return refused(emu, msg, RH_TEEC_ERROR_BAD_PARAMETERS);
	}
	node = rh_zalloc(sizeof(*node));
	if (!node)
		return tee_says(RH_TEEC_ERROR_OUT_OF_MEMORY);
	node->cookie = p->u.mem.shm_ref;
	node->base = (void *)(uintptr_t)p->u.mem.addr;
	node->size = p->u.mem.size;

	pthread_mutex_lock(&emu->lock);
	if (emu->nr_shm >= RH_TEE_EMU_MAX_SHM) {
		why = "too many shared buffers";
		r = tee_says(RH_TEEC_ERROR_OUT_OF_MEMORY);
	} else if (RB_INSERT(shm_tree, &emu->shm, node)) {
		why = "cookie already registered";
		r = tee_says(RH_TEEC_ERROR_BAD_PARAMETERS);
	} else {
		emu->nr_shm++;
		r = tee_says(RH_TEEC_SUCCESS);
	}
	pthread_mutex_unlock(&emu->lock);
	if (why) {
		EMSG(emu->plat, "REGISTER_SHM 0x%llx: %s",
		     (unsigned long long)p->u.mem.shm_ref, why);
		rh_free(node);
	}
	return r;
}

static struct reply cmd_unregister_shm(struct rh_tee_emu *emu,
				       struct rh_emu_msg *msg)
{
	struct shm_node key, *node;

	key.cookie = msg->params[0].u.mem.shm_ref;
	pthread_mutex_lock(&emu->lock);
	node = RB_FIND(shm_tree, &emu->shm, &key);
	if (node) {
		RB_REMOVE(shm_tree, &emu->shm, node);
		emu->nr_shm--;
	}
	pthread_mutex_unlock(&emu->lock);
	if (!node) {
		EMSG(emu->plat, "UNREGISTER_SHM: unknown cookie 0x%llx",
		     (unsigned long long)key.cookie);
		return tee_says(RH_TEEC_ERROR_BAD_PARAMETERS);
	}
	rh_free(node);
	return tee_says(RH_TEEC_SUCCESS);
}

static void count_world_switch(struct rh_tee_emu *emu)
{
	atomic_fetch_add_explicit(&emu->world_switches, 1, memory_order_relaxed);
	if (emu->plat)
		rh_platform_count_world_switch(emu->plat);
}

int rh_tee_emu_call(struct rh_tee_emu *emu, void *buf, size_t size)
{
	struct rh_emu_msg msg;
	struct reply r;
	uint32_t res;

	if (!emu || !buf || size < sizeof(struct rh_optee_msg_arg))
		return -EINVAL;
	count_world_switch(emu);
	atomic_fetch_add_explicit(&emu->calls, 1, memory_order_relaxed);

	res = rh_emu_msg_decode(buf, size, &msg);
	if (res) {
		r = refused(emu, &msg, res);
		goto out;
	}
	switch (msg.cmd) {
	case RH_OPTEE_MSG_CMD_OPEN_SESSION:
		r = cmd_open_session(emu, buf, &msg);
		break;
	case RH_OPTEE_MSG_CMD_INVOKE_COMMAND:
		r = cmd_invoke(emu, buf, &msg);
		break;
	case RH_OPTEE_MSG_CMD_CLOSE_SESSION:
		r = cmd_close_session(emu, &msg);
		break;
	case RH_OPTEE_MSG_CMD_CANCEL:
		r = cmd_cancel(emu, &msg);
		break;
	case RH_OPTEE_MSG_CMD_REGISTER_SHM:
		r = cmd_register_shm(emu, &msg);
		break;
	case RH_OPTEE_MSG_CMD_UNREGISTER_SHM:
		r = cmd_unregister_shm(emu, &msg);
		break;
	default:
		/* The parser only lets known commands through. */
		r = tee_says(RH_TEEC_ERROR_NOT_IMPLEMENTED);
		break;
	}
out:
	rh_emu_msg_set_result(buf, r.ret, r.origin);
	count_world_switch(emu);
	return 0;
}

/* ------------------------------------------------------------ backend */

static int emu_get_version(void *priv, struct rh_tee_ioctl_version_data *ret_vers)
{
	if (!priv || !ret_vers)
		return -EINVAL;
	ret_vers->impl_id = RH_TEE_IMPL_ID_OPTEE;
	ret_vers->impl_caps = RH_TEE_OPTEE_CAP_TZ;
	ret_vers->gen_caps = RH_TEE_GEN_CAP_GP | RH_TEE_GEN_CAP_REG_MEM |
			     RH_TEE_GEN_CAP_MEMREF_NULL;
	return 0;
}

/* Each method carries the command it is named after, as a driver sends it. */
static int emu_send(void *priv, struct rh_optee_msg_arg *msg, size_t size,
		    uint32_t cmd)
{
	if (!msg || size < sizeof(*msg) || msg->cmd != cmd)
		return -EINVAL;
	return rh_tee_emu_call(priv, msg, size);
}

static int emu_open_session(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return emu_send(priv, msg, size, RH_OPTEE_MSG_CMD_OPEN_SESSION);
}

static int emu_invoke(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return emu_send(priv, msg, size, RH_OPTEE_MSG_CMD_INVOKE_COMMAND);
}

static int emu_close_session(void *priv, struct rh_optee_msg_arg *msg,
			     size_t size)
{
	return emu_send(priv, msg, size, RH_OPTEE_MSG_CMD_CLOSE_SESSION);
}

static int emu_cancel(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return emu_send(priv, msg, size, RH_OPTEE_MSG_CMD_CANCEL);
}

static int emu_shm_register(void *priv, struct rh_optee_msg_arg *msg,
			    size_t size)
{
	return emu_send(priv, msg, size, RH_OPTEE_MSG_CMD_REGISTER_SHM);
}

static int emu_shm_unregister(void *priv, struct rh_optee_msg_arg *msg,
			      size_t size)
{
	return emu_send(priv, msg, size, RH_OPTEE_MSG_CMD_UNREGISTER_SHM);
}

static int emu_ta_panic_next(void *priv, uint32_t session)
{
	struct rh_tee_emu *emu = priv;
	struct emu_session *sess;
	int ret = 0;

	if (!emu)
		return -EINVAL;
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

static const struct rh_tee_ops emu_ops = {
	.version = RH_TEE_OPS_VERSION,
	.get_version = emu_get_version,
	.open_session = emu_open_session,
	.invoke = emu_invoke,
	.close_session = emu_close_session,
	.cancel = emu_cancel,
	.shm_register = emu_shm_register,
	.shm_unregister = emu_shm_unregister,
	.ta_panic_next = emu_ta_panic_next,
};

const struct rh_tee_ops *rh_tee_emu_get_ops(void)
{
	return &emu_ops;
}

/* ------------------------------------------------------------ lifetime */

int rh_tee_emu_new(struct rh_platform *plat, struct rh_tee_emu **ret_emu)
{
	struct rh_tee_emu *emu;
	int ret;

	if (!ret_emu)
		return -EINVAL;
	emu = rh_zalloc(sizeof(*emu));
	if (!emu)
		return -ENOMEM;
	emu->plat = plat;
	emu->next_gen = 0;
	RB_INIT(&emu->shm);
	atomic_init(&emu->calls, 0);
	atomic_init(&emu->world_switches, 0);
	atomic_init(&emu->malformed, 0);
	atomic_init(&emu->panics, 0);
	atomic_init(&emu->cancels, 0);
	ret = rng_init(emu);
	if (ret) {
		EMSG(plat, "cannot seed the TEE random generator: %s",
		     strerror(-ret));
		rh_free(emu);
		return ret;
	}
	pthread_mutex_init(&emu->lock, NULL);
	pthread_mutex_init(&emu->rng_lock, NULL);
	pthread_cond_init(&emu->created, NULL);
	*ret_emu = emu;
	return 0;
}

void rh_tee_emu_free(struct rh_tee_emu *emu)
{
	struct shm_node *node, *next;
	struct emu_session *sess;
	struct rh_ta_ctx *inst;
	unsigned int i;
	bool destroy;

	if (!emu)
		return;
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
	RB_FOREACH_SAFE(node, shm_tree, &emu->shm, next) {
		RB_REMOVE(shm_tree, &emu->shm, node);
		rh_free(node);
	}
	EVP_CIPHER_CTX_free(emu->rng);
	OPENSSL_cleanse(emu->rng_buf, sizeof(emu->rng_buf));
	pthread_cond_destroy(&emu->created);
	pthread_mutex_destroy(&emu->rng_lock);
	pthread_mutex_destroy(&emu->lock);
	rh_free(emu);
}

int rh_tee_emu_set_ns_window(struct rh_tee_emu *emu, const void *base,
			     size_t size)
{
	if (!emu || (size && !base) ||
	    (size && (uintptr_t)base + size < (uintptr_t)base))
		return -EINVAL;
	pthread_mutex_lock(&emu->lock);
	emu->ns_base = (uintptr_t)base;
	emu->ns_size = size;
	pthread_mutex_unlock(&emu->lock);
	return 0;
}

void rh_tee_emu_get_stats(struct rh_tee_emu *emu,
			  struct rh_tee_emu_stats *ret_stats)
{
	if (!emu || !ret_stats)
		return;
	pthread_mutex_lock(&emu->lock);
	ret_stats->tas = emu->nr_tas;
	ret_stats->instances = emu->nr_instances;
	ret_stats->sessions = emu->nr_sessions;
	ret_stats->shm = emu->nr_shm;
	pthread_mutex_unlock(&emu->lock);
	ret_stats->calls = atomic_load(&emu->calls);
	ret_stats->world_switches = atomic_load(&emu->world_switches);
	ret_stats->malformed = atomic_load(&emu->malformed);
	ret_stats->panics = atomic_load(&emu->panics);
	ret_stats->cancels = atomic_load(&emu->cancels);
}

struct rh_tee_emu *rh_tee_emu_of(struct rh_platform *plat)
{
	return plat ? plat->tee_emu : NULL;
}

/*
 * The platform's TEE starts with no trusted application: each TA registers
 * from its own platform module (ta-secmem, ta-svp: rh_tee_emu_register_ta()),
 * which platform.c runs after this one.
 */
int rh_tee_emu_init(struct rh_platform *plat)
{
	struct rh_tee_emu *emu;
	int ret;

	ret = rh_tee_emu_new(plat, &emu);
	if (ret)
		return ret;
	plat->tee_emu = emu;
	/* The emulator is the platform's TEE until a test plugs another one. */
	plat->tee_default_ops = &emu_ops;
	plat->tee_default_priv = emu;
	plat->tee_ops = &emu_ops;
	plat->tee_priv = emu;
	return 0;
}

void rh_tee_emu_fini(struct rh_platform *plat)
{
	struct rh_tee_emu *emu = plat->tee_emu;

	if (!emu)
		return;
	if (plat->tee_priv == emu) {
		plat->tee_ops = NULL;
		plat->tee_priv = NULL;
	}
	plat->tee_default_ops = NULL;
	plat->tee_default_priv = NULL;
	plat->tee_emu = NULL;
	rh_tee_emu_free(emu);
}
