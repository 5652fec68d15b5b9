// SPDX-License-Identifier: MIT
/* Secure video path TA: device security switch and AES-128-CTR decryption into secure buffers. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/queue.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <rheap/device.h>
#include <rheap/svp.h>
#include <rheap/tee-secmem.h>

#include "emu.h"
#include "internal.h"
#include "trace/sim.h"
#include "ta/ta-secmem.h"
#include "ta/ta-svp.h"
#include "optee/tee.h"
#include "trace/trace.h"

/*
 * The decoder side of a secure video path, as a Widevine/PlayReady TA and
 * the SoC's secure driver do it: the content key lives only here (the
 * normal world sees ciphertext and secure handles), clear samples are
 * written straight into restricted memory, and only the secure world can
 * put a bus master into secure mode.
 *
 * The key stands for the one a licence server would deliver wrapped for
 * this device. It is drawn from the platform's CSPRNG when the TA is
 * installed at boot and stays the same while the platform lives, so
 * content packaged once stays playable across sessions.
 */

#define SVP_KEY_LEN 16
/* EVP_*Update take an int length: feed at most this much at a time. */
#define SVP_CHUNK (1u << 30)
/* Grants one session may hold (a decoder's frame pool and then some). */
#define SVP_MAX_GRANTS_PER_SESSION 1024

struct svp_session;

/*
 * One device granted one buffer by one session, as many times as it
 * mapped it (@count). The device's secure windows over the buffer exist
 * while any grant of that device and buffer does.
 */
struct svp_grant {
	TAILQ_ENTRY(svp_grant) node;
	struct rh_device *dev;
	uint64_t handle;
	struct svp_session *owner;
	unsigned int count;
};

TAILQ_HEAD(svp_grant_list, svp_grant);

/* A client session; @kernel: opened with the REE-kernel login. */
struct svp_session {
	bool kernel;
	unsigned int nr_grants;
};

struct rh_svp {
	struct rh_platform *plat;
	unsigned char key[SVP_KEY_LEN];
	/* Grants of every session; held across the secmem lookups. */
	pthread_mutex_t lock;
	struct svp_grant_list grants;
};

static struct rh_svp *svp_of(struct rh_platform *plat)
{
	return plat ? plat->svp : NULL;
}

/* ------------------------------------------------------------ crypto */

static EVP_CIPHER_CTX *ctr_start(const struct rh_svp *svp,
				 const unsigned char iv[RH_SVP_IV_LEN])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (!ctx)
		return NULL;
	/* CTR: encryption and decryption are the same keystream XOR. */
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, svp->key, iv) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* @len bytes of @in XOR keystream into @out (which may equal @in). */
static int ctr_update(EVP_CIPHER_CTX *ctx, unsigned char *out,
		      const unsigned char *in, size_t len)
{
	while (len) {
		int n = len > SVP_CHUNK ? (int)SVP_CHUNK : (int)len;
		int outl = 0;

		if (EVP_EncryptUpdate(ctx, out, &outl, in, n) != 1 || outl != n)
			return -EIO;
		out += n;
		in += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ------------------------------------------------------------ commands */

static uint32_t svp_bad(struct rh_svp *svp, const char *what, uint64_t v)
{
	EMSG(svp->plat, "svp: bad parameter: %s (0x%" PRIx64 ")", what, v);
	return RH_TEEC_ERROR_BAD_PARAMETERS;
}

static struct rh_device *svp_find_master(struct rh_svp *svp, uint64_t id)
{
	unsigned int i, n = rh_device_count(svp->plat);

	for (i = 0; i < n && id <= UINT32_MAX; i++) {
		struct rh_device *d = rh_device_get(svp->plat, i);

		if (rh_device_master_id(d) == id)
			return d;
	}
	return NULL;
}

static struct svp_grant *grant_find(struct rh_svp *svp, struct rh_device *dev,
				    uint64_t handle, const struct svp_session *owner)
{
	struct svp_grant *g;

	TAILQ_FOREACH(g, &svp->grants, node)
		if (g->dev == dev && g->handle == handle &&
		    (!owner || g->owner == owner))
			return g;
	return NULL;
}

static bool device_has_grant(struct rh_svp *svp, const struct rh_device *dev)
{
	struct svp_grant *g;

	TAILQ_FOREACH(g, &svp->grants, node)
		if (g->dev == dev)
			return true;
	return false;
}

/*
 * Drop grant @g (all its counts); the device loses its windows over the
 * buffer when no other session still grants it, and secure mode with its
 * last grant. Under svp->lock.
 */
static void grant_drop(struct rh_svp *svp, struct svp_grant *g)
{
	struct rh_device *dev = g->dev;
	uint64_t handle = g->handle;

	TAILQ_REMOVE(&svp->grants, g, node);
	g->owner->nr_grants--;
	rh_free(g);
	if (!grant_find(svp, dev, handle, NULL))
		rh_firewall_window_remove(svp->plat->firewall,
					  rh_device_master_id(dev), handle);
	/* The TA's one reference on the device's secure mode goes with its last grant. */
	if (!device_has_grant(svp, dev))
		rh_emu_device_secure_put(svp->plat, dev);
}

/* Map the pinned buffer's extents into @dev's secure windows; under lock. */
static int grant_windows(struct rh_svp *svp, struct rh_device *dev,
			 const struct rh_secmem_pin *pin)
{
	uint32_t id = rh_device_master_id(dev);
	unsigned int i;
	int ret;

	for (i = 0; i < pin->nr_extents; i++) {
		ret = rh_firewall_window_add(svp->plat->firewall, id,
					     pin->extents[i].pa,
					     pin->extents[i].len, pin->handle);
		if (ret) {
			rh_firewall_window_remove(svp->plat->firewall, id,
						  pin->handle);
			return ret;
		}
	}
	return 0;
}

/*
 * SET_DEVICE_SECURE (secure = 1): grant @dev the buffer @handle. Only a
 * buffer the secure-memory TA allocated can be granted, and only its own
 * extents become reachable (the device's secure windows); the device
 * enters secure mode with its first grant. Under svp->lock.
 */
static uint32_t grant_add(struct rh_svp *svp, struct svp_session *sess,
			  struct rh_device *dev, uint64_t handle)
{
	struct rh_secmem_pin pin;
	struct svp_grant *g;
	int ret;

	g = grant_find(svp, dev, handle, sess);
	if (g) {
		g->count++;
		return RH_TEEC_SUCCESS;
	}
	if (sess->nr_grants >= SVP_MAX_GRANTS_PER_SESSION)
		return RH_TEEC_ERROR_OUT_OF_MEMORY;
	ret = rh_secmem_lookup(svp->plat, handle, &pin);
	if (ret == -ENOENT) {
		EMSG(svp->plat, "svp: %s: no secure buffer 0x%" PRIx64 " to grant",
		     rh_device_name(dev), handle);
		return RH_TEEC_ERROR_ITEM_NOT_FOUND;
	}
	if (ret)
		return rh_errno_to_tee_result(ret);
	g = rh_zalloc(sizeof(*g));
	if (!g) {
		ret = -ENOMEM;
		goto out_unpin;
	}
	/* Another session may have granted it already: windows exist then. */
	if (!grant_find(svp, dev, handle, NULL)) {
		ret = grant_windows(svp, dev, &pin);
		if (ret) {
			rh_free(g);
			goto out_unpin;
		}
	}
	/*
	 * The TA holds one reference on the device's secure mode while it
	 * grants the device anything; a protected-memory lend may hold
	 * another (emu/optee/protmem.c): neither switches it under the other.
	 */
	ret = device_has_grant(svp, dev) ? 0 : rh_emu_device_secure_get(svp->plat, dev);
	if (ret) {
		if (!grant_find(svp, dev, handle, NULL))
			rh_firewall_window_remove(svp->plat->firewall,
						  rh_device_master_id(dev), handle);
		rh_free(g);
		goto out_unpin;
	}
	g->dev = dev;
	g->handle = handle;
	g->owner = sess;
	g->count = 1;
	sess->nr_grants++;
	TAILQ_INSERT_TAIL(&svp->grants, g, node);
out_unpin:
	rh_secmem_unpin(svp->plat, &pin);
	return rh_errno_to_tee_result(ret);
}

static uint32_t cmd_set_device_secure(struct rh_svp *svp, struct svp_session *sess,
				      uint32_t types,
				      struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	uint64_t id = p[0].u.value.a, secure = p[0].u.value.b;
	uint64_t handle = p[1].u.value.a;
	struct rh_device *dev;
	struct svp_grant *g;
	uint32_t res;

	if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_VALUE_INPUT, RH_TA_PARAM_VALUE_INPUT,
				       RH_TA_PARAM_NONE, RH_TA_PARAM_NONE))
		return svp_bad(svp, "SET_DEVICE_SECURE parameter types", types);
	/* Only the kernel's drivers may change a bus master's security. */
	if (!sess->kernel) {
		EMSG(svp->plat, "svp: SET_DEVICE_SECURE from a client that is not the kernel");
		return RH_TEEC_ERROR_ACCESS_DENIED;
	}
	if (secure > 1)
		return svp_bad(svp, "security state", secure);
	dev = svp_find_master(svp, id);
	if (!dev) {
		EMSG(svp->plat, "svp: no bus master with id 0x%" PRIx64, id);
		return RH_TEEC_ERROR_ITEM_NOT_FOUND;
	}
	if (!rh_device_is_secure_capable(dev)) {
		EMSG(svp->plat, "svp: %s is not secure-capable", rh_device_name(dev));
		return RH_TEEC_ERROR_ACCESS_DENIED;
	}

	pthread_mutex_lock(&svp->lock);
	if (secure) {
		res = grant_add(svp, sess, dev, handle);
	} else {
		/* Only the grant this session made can be taken back by it. */
		g = grant_find(svp, dev, handle, sess);
		res = g ? RH_TEEC_SUCCESS : RH_TEEC_ERROR_ITEM_NOT_FOUND;
		if (g && !--g->count)
			grant_drop(svp, g);
	}
	pthread_mutex_unlock(&svp->lock);
	return res;
}

void rh_svp_revoke_buffer(struct rh_platform *plat, uint64_t handle)
{
	struct rh_svp *svp = svp_of(plat);
	struct svp_grant *g, *next;

	if (!svp)
		return;
	pthread_mutex_lock(&svp->lock);
	TAILQ_FOREACH_SAFE(g, &svp->grants, node, next) {
		if (g->handle != handle)
			continue;
		EMSG(plat, "svp: buffer 0x%" PRIx64 " freed while granted to %s: grant revoked",
		     handle, rh_device_name(g->dev));
		grant_drop(svp, g);
	}
	pthread_mutex_unlock(&svp->lock);
}

/* Decrypt @len bytes of @src into the pinned buffer from byte @off on. */
static int decrypt_into(struct rh_svp *svp, EVP_CIPHER_CTX *ctx,
			const struct rh_secmem_pin *pin, uint64_t off,
			const unsigned char *src, size_t len)
{
	unsigned int i;
	int ret;

	for (i = 0; i < pin->nr_extents && len; i++) {
		const struct rh_secmem_extent *e = &pin->extents[i];
		uint64_t n;
		void *dst;

		if (off >= e->len) {
			off -= e->len;
			continue;
		}
		n = e->len - off;
		if (n > len)
			n = len;
		ret = rh_emu_secure_ptr(svp->plat, e->pa + off, n, &dst);
		if (ret)
			return ret;
		ret = ctr_update(ctx, dst, src, n);
		if (ret)
			return ret;
		src += n;
		len -= n;
		off = 0;
	}
	return len ? -EIO : 0;
}

/* The ciphertext and the initial counter block of a DECRYPT, checked and copied. */
static uint32_t decrypt_inputs(struct rh_svp *svp, const struct rh_ta_param p[RH_TA_NUM_PARAMS],
			       unsigned char iv[RH_SVP_IV_LEN])
{
	if (!p[0].u.memref.buffer || !p[0].u.memref.size)
		return svp_bad(svp, "empty ciphertext", p[0].u.memref.size);
	if (p[0].u.memref.prot)
		return svp_bad(svp, "ciphertext in protected memory of use case",
			       p[0].u.memref.prot);
	if (!p[2].u.memref.buffer || p[2].u.memref.size != RH_SVP_IV_LEN)
		return svp_bad(svp, "initial counter block size", p[2].u.memref.size);
	/* Copy what was validated: the normal world may change it meanwhile. */
	memcpy(iv, p[2].u.memref.buffer, RH_SVP_IV_LEN);
	return RH_TEEC_SUCCESS;
}

/*
 * DECRYPT into a protected memref (the protocol of Linux 6.18): the output
 * is a registered dma-buf of the secure-video heap, which the TEE resolved
 * to the protected memory it lies in. Holding the registration is the
 * proof of holding the buffer, so any client may ask; the memory must be
 * protected memory of secure video playback, nothing else.
 */
static uint32_t cmd_decrypt_protmem(struct rh_svp *svp, struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	size_t len = p[0].u.memref.size;
	unsigned char iv[RH_SVP_IV_LEN];
	EVP_CIPHER_CTX *ctx;
	uint32_t res;
	int ret;

	res = decrypt_inputs(svp, p, iv);
	if (res)
		return res;
	if (p[1].u.memref.prot != RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY || !p[1].u.memref.buffer) {
		EMSG(svp->plat, "svp: DECRYPT output is not secure-video protected memory "
		     "(use case %" PRIu32 ")", p[1].u.memref.prot);
		res = RH_TEEC_ERROR_ACCESS_DENIED;
		goto out;
	}
	if (len > p[1].u.memref.size) {
		res = svp_bad(svp, "sample larger than the protected buffer", len);
		goto out;
	}
	ctx = ctr_start(svp, iv);
	if (!ctx) {
		res = RH_TEEC_ERROR_OUT_OF_MEMORY;
		goto out;
	}
	ret = ctr_update(ctx, p[1].u.memref.buffer, p[0].u.memref.buffer, len);
	EVP_CIPHER_CTX_free(ctx);
	if (ret) {
		res = rh_errno_to_tee_result(ret);
		goto out;
	}
	p[1].u.memref.size = len;
	p[3].u.value.a = len;
	RH_TRACE(svp->plat, RH_TRACE_DECRYPT, .name = "svp", .size = len, .msg = "AES-128-CTR");
	res = RH_TEEC_SUCCESS;
out:
	OPENSSL_cleanse(iv, sizeof(iv));
	return res;
}

static uint32_t cmd_decrypt(struct rh_svp *svp, const struct svp_session *sess,
			    uint32_t types, struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	const unsigned char *src = p[0].u.memref.buffer;
	size_t len = p[0].u.memref.size;
	uint64_t handle = p[1].u.value.a, off = p[1].u.value.b;
	unsigned char iv[RH_SVP_IV_LEN];
	struct rh_secmem_pin pin;
	EVP_CIPHER_CTX *ctx;
	uint32_t res;
	int ret;

	if (types == RH_TA_PARAM_TYPES(RH_TA_PARAM_MEMREF_INPUT, RH_TA_PARAM_MEMREF_OUTPUT,
				       RH_TA_PARAM_MEMREF_INPUT, RH_TA_PARAM_VALUE_OUTPUT))
		return cmd_decrypt_protmem(svp, p);
	if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_MEMREF_INPUT, RH_TA_PARAM_VALUE_INPUT,
				       RH_TA_PARAM_MEMREF_INPUT, RH_TA_PARAM_VALUE_OUTPUT))
		return svp_bad(svp, "DECRYPT parameter types", types);
	/*
	 * A secure handle only proves anything coming from the kernel, which
	 * allocated it through its own secure-memory session: handles are not
	 * secrets (the heap shows them to its users), so a user program naming
	 * one proves nothing about holding the buffer.
	 */
	if (!sess->kernel) {
		EMSG(svp->plat, "svp: DECRYPT into a secure handle from a client that is not the kernel");
		return RH_TEEC_ERROR_ACCESS_DENIED;
	}
	res = decrypt_inputs(svp, p, iv);
	if (res)
		return res;

	ret = rh_secmem_lookup(svp->plat, handle, &pin);
	if (ret == -ENOENT)
		return RH_TEEC_ERROR_ITEM_NOT_FOUND;
	if (ret)
		return rh_errno_to_tee_result(ret);
	if (off > pin.size || len > pin.size - off) {
		res = svp_bad(svp, "sample does not fit the buffer at this offset", off);
		goto out_unpin;
	}
	ctx = ctr_start(svp, iv);
	if (!ctx) {
		res = RH_TEEC_ERROR_OUT_OF_MEMORY;
		goto out_unpin;
	}
	ret = decrypt_into(svp, ctx, &pin, off, src, len);
	EVP_CIPHER_CTX_free(ctx);
	if (ret) {
		EMSG(svp->plat, "svp: decryption failed: %s", strerror(-ret));
		res = rh_errno_to_tee_result(ret);
		goto out_unpin;
	}
	p[3].u.value.a = len;
	RH_TRACE(svp->plat, RH_TRACE_DECRYPT, .name = "svp", .handle = pin.handle,
		 .size = len, .msg = "AES-128-CTR");
	res = RH_TEEC_SUCCESS;

out_unpin:
	rh_secmem_unpin(svp->plat, &pin);
	OPENSSL_cleanse(iv, sizeof(iv));
	return res;
}

/* ------------------------------------------------------------ TA entry points */

static uint32_t svp_create(struct rh_ta_ctx *ctx)
{
	struct rh_svp *svp = svp_of(rh_ta_get_platform(ctx));

	if (!svp)
		return RH_TEEC_ERROR_BAD_STATE;
	rh_ta_set_priv(ctx, svp);
	return RH_TEEC_SUCCESS;
}

static uint32_t svp_open_session(struct rh_ta_ctx *ctx, uint32_t types,
				 struct rh_ta_param p[RH_TA_NUM_PARAMS],
				 void **ret_sess_ctx)
{
	struct rh_ta_client client;
	struct svp_session *sess;

	if (rh_ta_get_client(ctx, &client))
		return RH_TEEC_ERROR_BAD_STATE;
	sess = rh_zalloc(sizeof(*sess));
	if (!sess)
		return RH_TEEC_ERROR_OUT_OF_MEMORY;
	sess->kernel = rh_ta_client_is_kernel(&client);
	*ret_sess_ctx = sess;
	return RH_TEEC_SUCCESS;
}

/* The session goes: every device mode it granted is withdrawn. */
static void svp_close_session(struct rh_ta_ctx *ctx, void *sess_ctx)
{
	/* Not the instance's priv: the state may be gone (platform teardown). */
	struct rh_svp *svp = svp_of(rh_ta_get_platform(ctx));
	struct svp_session *sess = sess_ctx;
	struct svp_grant *g, *next;

	/* Under the lock even to read nr_grants: a revocation may be dropping one. */
	if (svp) {
		pthread_mutex_lock(&svp->lock);
		TAILQ_FOREACH_SAFE(g, &svp->grants, node, next)
			if (g->owner == sess)
				grant_drop(svp, g);
		pthread_mutex_unlock(&svp->lock);
	}
	rh_free(sess);
}

static uint32_t svp_invoke(struct rh_ta_ctx *ctx, void *sess_ctx, uint32_t cmd,
			   uint32_t types, struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	struct rh_svp *svp = rh_ta_get_priv(ctx);

	rh_sim_charge(svp->plat, RH_SIM_TEE_CMD, 1);
	switch (cmd) {
	case RH_SVP_CMD_SET_DEVICE_SECURE:
		return cmd_set_device_secure(svp, sess_ctx, types, p);
	case RH_SVP_CMD_DECRYPT:
		return cmd_decrypt(svp, sess_ctx, types, p);
	default:
		EMSG(svp->plat, "svp: unknown command 0x%" PRIx32, cmd);
		return RH_TEEC_ERROR_NOT_SUPPORTED;
	}
}

const struct rh_ta_ops rh_ta_svp_ops = {
	.name = "svp",
	/* 5cf4a2b8-1d3e-4f60-8a7b-9c0d1e2f3a4b (RH_TA_SVP_UUID) */
	.uuid = { 0x5c, 0xf4, 0xa2, 0xb8, 0x1d, 0x3e, 0x4f, 0x60,
		  0x8a, 0x7b, 0x9c, 0x0d, 0x1e, 0x2f, 0x3a, 0x4b },
	.flags = RH_TA_FLAG_MULTI_SESSION,
	.create = svp_create,
	.open_session = svp_open_session,
	.close_session = svp_close_session,
	.invoke = svp_invoke,
};

/* ------------------------------------------------------------ the packager */

RH_EXPORT int rh_svp_package_sample(struct rh_platform *plat, const void *plain,
				    size_t len, uint8_t ret_iv[RH_SVP_IV_LEN],
				    void *ret_cipher)
{
	unsigned char iv[RH_SVP_IV_LEN] = { 0 };
	struct rh_svp *svp;
	EVP_CIPHER_CTX *ctx;
	int ret;

	if (!plat || !plain || !len || !ret_iv || !ret_cipher)
		return -EINVAL;
	svp = svp_of(plat);
	if (!svp)
		return -ENODEV;
	/* A fresh 64-bit nonce, then a block counter from 0: no reuse. */
	ret = rh_tee_emu_random(plat, iv, 8);
	if (ret)
		return -EIO;
	ctx = ctr_start(svp, iv);
	if (!ctx)
		return -EIO;
	ret = ctr_update(ctx, ret_cipher, plain, len);
	EVP_CIPHER_CTX_free(ctx);
	if (ret)
		return ret;
	memcpy(ret_iv, iv, sizeof(iv));
	return 0;
}

/* ------------------------------------------------------------ boot */

int rh_ta_svp_init(struct rh_platform *plat)
{
	struct rh_svp *svp;
	int ret;

	svp = rh_zalloc(sizeof(*svp));
	if (!svp)
		return -ENOMEM;
	svp->plat = plat;
	pthread_mutex_init(&svp->lock, NULL);
	TAILQ_INIT(&svp->grants);
	/* Provisioned once, from the secure world's CSPRNG: never leaves it. */
	ret = rh_tee_emu_random(plat, svp->key, sizeof(svp->key));
	if (ret)
		goto err_free;
	plat->svp = svp;
	ret = rh_tee_emu_register_ta(plat, &rh_ta_svp_ops);
	if (ret) {
		EMSG(plat, "svp: cannot register the TA: %s", strerror(-ret));
		plat->svp = NULL;
		goto err_free;
	}
	return 0;

err_free:
	OPENSSL_cleanse(svp->key, sizeof(svp->key));
	pthread_mutex_destroy(&svp->lock);
	rh_free(svp);
	return ret;
}

void rh_ta_svp_fini(struct rh_platform *plat)
{
	struct rh_svp *svp = plat->svp;

	if (!svp)
		return;
	/*
	 * The TA stays registered until the TEE core ends; its create then
	 * refuses, and sessions closed after this point find no grants (the
	 * firewall and devices are torn down with the platform).
	 */
	plat->svp = NULL;
	while (!TAILQ_EMPTY(&svp->grants)) {
		struct svp_grant *g = TAILQ_FIRST(&svp->grants);

		EMSG(plat, "svp: %s still granted buffer 0x%" PRIx64 " at shutdown",
		     rh_device_name(g->dev), g->handle);
		grant_drop(svp, g);
	}
	OPENSSL_cleanse(svp->key, sizeof(svp->key));
	pthread_mutex_destroy(&svp->lock);
	rh_free(svp);
}
