// SPDX-License-Identifier: MIT
/* Emulated TEE core: SMC entry and dispatch, backend table, CSPRNG, lifetime, stats. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <rheap/tee-backend.h>
#include <sys/tree.h>

#include "internal.h"
#include "trace/sim.h"
#include "optee/msg.h"
#include "optee/protmem.h"
#include "optee/tee-core.h"
#include "optee/tee.h"
#include "trace/trace.h"

const struct rh_emu_mem_resolver rh_emu_resolver = {
	.shm = rh_emu_shm_lookup,
	.prot_cookie = rh_emu_protmem_by_cookie,
	.prot_pa = rh_emu_protmem_by_pa,
	.prot_put = rh_emu_protmem_put,
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

int rh_emu_random(struct rh_tee_emu *emu, void *buf, size_t len)
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

int rh_tee_emu_random(struct rh_platform *plat, void *buf, size_t len)
{
	if (!plat)
		return -EINVAL;
	if (!plat->tee_emu)
		return -ENODEV;
	return rh_emu_random(plat->tee_emu, buf, len);
}

/* ------------------------------------------------------------ SMC entry */

struct emu_reply rh_emu_refused(struct rh_tee_emu *emu,
				const struct rh_emu_msg *msg, uint32_t ret)
{
	atomic_fetch_add_explicit(&emu->malformed, 1, memory_order_relaxed);
	EMSG(emu->plat, "refused %s message: %s", rh_emu_msg_cmd_name(msg->cmd),
	     msg->why);
	return tee_says(ret);
}

/* @secure: entering the secure world (else returning to the normal one). */
static void count_world_switch(struct rh_tee_emu *emu, bool secure)
{
	uint64_t n;

	n = atomic_fetch_add_explicit(&emu->world_switches, 1,
				      memory_order_relaxed) + 1;
	if (!emu->plat)
		return;
	rh_platform_count_world_switch(emu->plat);
	rh_sim_charge(emu->plat, RH_SIM_WORLD_SWITCH, 1);
	RH_TRACE(emu->plat, RH_TRACE_WORLD_SWITCH, .secure = secure, .count = n);
}

int rh_tee_emu_call(struct rh_tee_emu *emu, void *buf, size_t size)
{
	struct rh_emu_msg msg;
	struct emu_reply r;
	uint32_t res;

	if (!emu || !buf || size < sizeof(struct rh_optee_msg_arg))
		return -EINVAL;
	count_world_switch(emu, true);
	atomic_fetch_add_explicit(&emu->calls, 1, memory_order_relaxed);

	res = rh_emu_msg_decode(buf, size, &msg);
	if (res) {
		r = rh_emu_refused(emu, &msg, res);
		goto out;
	}
	/* The trusted OS's dispatch of a message to a TA (std call, thread, entry). */
	if (msg.cmd <= RH_OPTEE_MSG_CMD_CLOSE_SESSION)
		rh_sim_charge(emu->plat, RH_SIM_TEE_INVOKE, 1);
	switch (msg.cmd) {
	case RH_OPTEE_MSG_CMD_OPEN_SESSION:
		r = rh_emu_cmd_open_session(emu, buf, &msg);
		break;
	case RH_OPTEE_MSG_CMD_INVOKE_COMMAND:
		r = rh_emu_cmd_invoke(emu, buf, &msg);
		break;
	case RH_OPTEE_MSG_CMD_CLOSE_SESSION:
		r = rh_emu_cmd_close_session(emu, &msg);
		break;
	case RH_OPTEE_MSG_CMD_CANCEL:
		r = rh_emu_cmd_cancel(emu, &msg);
		break;
	case RH_OPTEE_MSG_CMD_REGISTER_SHM:
		r = rh_emu_cmd_register_shm(emu, &msg);
		break;
	case RH_OPTEE_MSG_CMD_UNREGISTER_SHM:
		r = rh_emu_cmd_unregister_shm(emu, &msg);
		break;
	case RH_OPTEE_MSG_CMD_LEND_PROTMEM:
		r = rh_emu_cmd_lend_protmem(emu, &msg);
		break;
	case RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM:
		r = rh_emu_cmd_reclaim_protmem(emu, &msg);
		break;
	case RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG:
		r = rh_emu_cmd_get_protmem_config(emu, buf, &msg);
		break;
	default:
		/* The parser only lets known commands through. */
		r = tee_says(RH_TEEC_ERROR_NOT_IMPLEMENTED);
		break;
	}
out:
	rh_emu_msg_set_result(buf, r.ret, r.origin);
	count_world_switch(emu, false);
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

static int emu_lend_protmem(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return emu_send(priv, msg, size, RH_OPTEE_MSG_CMD_LEND_PROTMEM);
}

static int emu_reclaim_protmem(void *priv, struct rh_optee_msg_arg *msg,
			       size_t size)
{
	return emu_send(priv, msg, size, RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM);
}

static int emu_get_protmem_config(void *priv, struct rh_optee_msg_arg *msg,
				  size_t size)
{
	return emu_send(priv, msg, size, RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG);
}

static int emu_protmem_caps(void *priv, struct rh_tee_protmem_caps *ret_caps)
{
	if (!priv || !ret_caps)
		return -EINVAL;
	return rh_emu_protmem_caps(priv, ret_caps);
}

static int emu_ta_panic_next(void *priv, uint32_t session)
{
	if (!priv)
		return -EINVAL;
	return rh_emu_panic_next(priv, session);
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
	.lend_protmem = emu_lend_protmem,
	.reclaim_protmem = emu_reclaim_protmem,
	.get_protmem_config = emu_get_protmem_config,
	.protmem_caps = emu_protmem_caps,
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
	if (!emu)
		return;
	rh_emu_sessions_shutdown(emu);
	rh_emu_shm_free_all(emu);
	EVP_CIPHER_CTX_free(emu->rng);
	OPENSSL_cleanse(emu->rng_buf, sizeof(emu->rng_buf));
	pthread_cond_destroy(&emu->created);
	pthread_mutex_destroy(&emu->rng_lock);
	pthread_mutex_destroy(&emu->lock);
	rh_free(emu);
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
