// SPDX-License-Identifier: MIT
/* MediaTek secure-memory TA: static chunk and lent CMA pools, zeroed buffers, random handles. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include <rheap/device.h>
#include <rheap/firewall.h>
#include <rheap/phys.h>
#include <rheap/secure-stats.h>
#include <rheap/tee-secmem.h>

#include "ta/chunk-alloc.h"
#include "emu.h"
#include "internal.h"
#include "trace/sim.h"
#include "ta/ta-secmem-handles.h"
#include "ta/ta-secmem-pool.h"
#include "ta/ta-secmem.h"
#include "ta/ta-svp.h"
#include "optee/tee.h"
#include "trace/trace.h"

/*
 * What the TEE side of seed patches 8 and 9 does (the firmware is not part
 * of the series; this follows its protocol and the binding's description):
 *
 * - CM_TZ: the static chunk ("mediatek,secure-chunk-memory", no-map) is
 *   protected by a firewall region at boot and sub-allocated here for the
 *   whole life of the platform;
 * - CM_CMA: the first ZALLOC carries the lent "mediatek,dynamic-restricted-
 *   region"; the TA protects the whole region with one firewall region
 *   (per region, never per buffer: DESIGN.md §3, perf.md §1.3) and
 *   sub-allocates inside it; the last FREE scrubs, unprotects and drops
 *   the sub-allocator, and the normal world cma_releases the region.
 *
 * Locking (perf.md §2): sm->lock covers metadata only -- the allocators,
 * the handle table, the pool counters. Zeroing and scrubbing run outside:
 * ZALLOC reserves the extents and inserts the buffer unpublished under the
 * lock, zeroes, then publishes it with one atomic store; FREE unpublishes
 * under the lock, scrubs outside, and gives the extents back under the
 * lock. Only a first lend and a last free make system calls (mprotect via
 * the firewall), and they do so under the lock so that lend and unlend
 * never interleave.
 *
 * Zero once (the kernel's init_on_free skips __GFP_ZERO the same way,
 * mm/page_alloc.c post_alloc_hook()): every FREE scrubs, so a page the TA
 * scrubbed and that nothing wrote through the secure view since still
 * holds zeros, and ZALLOC does not zero it a second time. pool->zeroed
 * says which granules the TA scrubbed (cleared when they are handed out,
 * all clear at each lend: the previous content is unknown); physmem's
 * written bits (emu.h) say which pages a bus master or a secure-view
 * pointer may have touched since. A granule is left as it is only when
 * both agree; alloc+free then costs one pass over the memory instead of
 * two (rheap-bench alloc, perf.md §1.4: zeroing is the floor).
 */

#define SECMEM_CHUNK_COMPATIBLE "mediatek,secure-chunk-memory"
#define SECMEM_CMA_COMPATIBLE "mediatek,dynamic-restricted-region"
#define SECMEM_ENTRY_SIZE sizeof(struct rh_mtk_tee_scatterlist)
#define SECMEM_NR_POOLS 2

TAILQ_HEAD(secmem_session_list, secmem_session);

struct rh_secmem {
	struct rh_platform *plat;
	pthread_mutex_t lock;
	pthread_cond_t unpinned;
	struct secmem_handles handles;
	struct secmem_session_list sessions;
	uint64_t masters;
	struct secmem_pool pools[SECMEM_NR_POOLS];
	atomic_ullong bad_params;
	atomic_ullong refused_handles;
	atomic_ullong access_denied;
};

static struct rh_secmem *secmem_of(struct rh_platform *plat)
{
	return plat ? plat->secmem : NULL;
}

static struct secmem_pool *pool_of(struct rh_secmem *sm, uint64_t type)
{
	if (type != RH_MTK_SECURE_MEMORY_TYPE_CM_TZ &&
	    type != RH_MTK_SECURE_MEMORY_TYPE_CM_CMA)
		return NULL;
	return &sm->pools[type - 1];
}

uint64_t rh_secmem_master_mask(struct rh_platform *plat)
{
	unsigned int i, n = rh_device_count(plat);
	uint64_t mask = 0;

	for (i = 0; i < n; i++) {
		struct rh_device *dev = rh_device_get(plat, i);
		uint32_t id = rh_device_master_id(dev);

		if (!rh_device_is_secure_capable(dev))
			continue;
		if (id >= 64) {
			EMSG(plat, "secmem: master %s (id %" PRIu32 ") is beyond the firewall's 64 policy bits",
			     rh_device_name(dev), id);
			continue;
		}
		mask |= RH_FW_MASTER(id);
	}
	return mask;
}

/* ------------------------------------------------------------ handles and their owners */

/*
 * A published buffer by handle, or NULL; under sm->lock. With @owner, only
 * a buffer that session allocated: to every other session a handle it did
 * not get from ZALLOC does not exist (handles are shown to users and could
 * be guessed; ownership, not secrecy, protects the buffer).
 */
static struct rh_secmem_buf *find_published(struct rh_secmem *sm, uint64_t handle,
					    const struct secmem_session *owner)
{
	struct rh_secmem_buf *buf;

	if (!handle)
		return NULL;
	buf = rh_secmem_handles_find(&sm->handles, handle);
	if (!buf || !atomic_load_explicit(&buf->published, memory_order_acquire))
		return NULL;
	if (owner && buf->owner != owner)
		return NULL;
	return buf;
}

/* 64 random bits, never 0: unguessable, and never a PA (DESIGN.md §3). */
static int draw_handle(struct rh_secmem *sm, uint64_t *ret_handle)
{
	uint64_t h;
	int ret;

	do {
		ret = rh_tee_emu_random(sm->plat, &h, sizeof(h));
		if (ret)
			return ret;
	} while (!h);
	*ret_handle = h;
	return 0;
}

/* Unique among live buffers (published or not); under sm->lock. */
static int insert_handle(struct rh_secmem *sm, struct rh_secmem_buf *buf)
{
	int ret;

	while (rh_secmem_handles_find(&sm->handles, buf->handle)) {
		/* 2^-64 per live buffer: draw again. */
		ret = draw_handle(sm, &buf->handle);
		if (ret)
			return ret;
	}
	return rh_secmem_handles_insert(&sm->handles, buf);
}

static void refuse_handle(struct rh_secmem *sm, uint64_t handle, const char *what)
{
	atomic_fetch_add_explicit(&sm->refused_handles, 1, memory_order_relaxed);
	EMSG(sm->plat, "secmem: %s: unknown or freed secure handle 0x%" PRIx64 " refused",
	     what, handle);
}

int rh_secmem_lookup(struct rh_platform *plat, uint64_t handle,
		     struct rh_secmem_pin *ret_pin)
{
	struct rh_secmem *sm = secmem_of(plat);
	struct rh_secmem_buf *buf;

	if (!plat || !ret_pin)
		return -EINVAL;
	if (!sm)
		return -ENODEV;
	pthread_mutex_lock(&sm->lock);
	buf = find_published(sm, handle, NULL);
	if (!buf) {
		pthread_mutex_unlock(&sm->lock);
		refuse_handle(sm, handle, "lookup");
		return -ENOENT;
	}
	buf->pins++;
	pthread_mutex_unlock(&sm->lock);
	ret_pin->handle = handle;
	ret_pin->type = buf->pool->type;
	ret_pin->size = buf->size;
	ret_pin->nr_extents = buf->nr;
	ret_pin->extents = buf->ext;
	ret_pin->buf = buf;
	return 0;
}

void rh_secmem_unpin(struct rh_platform *plat, struct rh_secmem_pin *pin)
{
	struct rh_secmem *sm = secmem_of(plat);

	if (!sm || !pin || !pin->buf)
		return;
	pthread_mutex_lock(&sm->lock);
	assert(pin->buf->pins);
	if (!--pin->buf->pins)
		pthread_cond_broadcast(&sm->unpinned);
	pthread_mutex_unlock(&sm->lock);
	pin->buf = NULL;
	pin->extents = NULL;
}

/* ------------------------------------------------------------ commands */

static uint32_t bad_params(struct rh_secmem *sm, const char *what, uint64_t v)
{
	atomic_fetch_add_explicit(&sm->bad_params, 1, memory_order_relaxed);
	EMSG(sm->plat, "secmem: bad parameter: %s (0x%" PRIx64 ")", what, v);
	return RH_TEEC_ERROR_BAD_PARAMETERS;
}

/* CM_CMA: the lent region must be the one the firmware is configured with. */
static uint32_t check_cma_region(struct rh_secmem *sm, struct secmem_pool *pool,
				 uint64_t base, uint64_t size)
{
	uint64_t gran = rh_firewall_granularity(sm->plat->firewall);

	if (!size || rh_physmem_check(sm->plat->physmem, base, size))
		return bad_params(sm, "CMA region outside DRAM", base);
	if (!RH_IS_ALIGNED(base, gran) || !RH_IS_ALIGNED(size, gran))
		return bad_params(sm, "CMA region not aligned to the firewall granularity",
				  base);
	if (!pool->available)
		return bad_params(sm, "no dynamic restricted region configured", base);
	if (base != pool->base || size != pool->size)
		return bad_params(sm, "CMA region differs from the configured one", base);
	return RH_TEEC_SUCCESS;
}

static uint32_t access_denied(struct rh_secmem *sm, const char *why)
{
	atomic_fetch_add_explicit(&sm->access_denied, 1, memory_order_relaxed);
	EMSG(sm->plat, "secmem: access denied: %s", why);
	return RH_TEEC_ERROR_ACCESS_DENIED;
}

/*
 * CM_CMA: the firmware may only take memory the normal world really lent
 * for this heap: the region must be out of Linux's hands (cma_alloc'd) and
 * recorded as lent through the caller's session; while it is lent, only
 * that session allocates from it. A stranger's claim would otherwise
 * protect pages Linux still uses, or keep the region protected after the
 * heap gave it back. Under sm->lock.
 */
static uint32_t check_cma_claim(struct rh_secmem *sm, struct secmem_pool *pool,
				const struct secmem_session *sess)
{
	uint32_t lender;

	if (pool->lent_to)
		return pool->lent_to == sess ? RH_TEEC_SUCCESS :
		       access_denied(sm, "the CMA region is lent through another session");
	if (rh_platform_region_lent_to(sm->plat, pool->base, pool->size, &lender) ||
	    lender != sess->id)
		return access_denied(sm, "the normal world did not lend the CMA region to this session");
	return RH_TEEC_SUCCESS;
}

/*
 * What FREE reports in p1.b about the dynamic region (not in v5, whose p1
 * has only a): bit 0 set while it is lent, the number of lends so far
 * above it. The heap gives the region back to Linux only once a FREE has
 * said that the lend its buffers came from is over (scrubbed and
 * unprotected). Under sm->lock.
 */
static uint64_t cma_lend_state(struct rh_secmem *sm)
{
	const struct secmem_pool *cma = &sm->pools[RH_MTK_SECURE_MEMORY_TYPE_CM_CMA - 1];

	return cma->lends << 1 | (cma->ca ? 1 : 0);
}

static uint32_t take_result(struct secmem_pool *pool, int err)
{
	/* No room, no metadata, no free firewall region: out of memory. */
	if (err == -ENOMEM || err == -ENOSPC) {
		pool->oom++;
		return RH_MTK_TEE_RESULT_OOM;
	}
	return rh_errno_to_tee_result(err);
}

static uint32_t cmd_zalloc(struct rh_secmem *sm, struct secmem_session *sess,
			   uint32_t types, struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	struct secmem_pool *pool;
	struct rh_secmem_buf *buf;
	uint64_t size, align, type, handle;
	uint32_t res;
	bool known_zero;
	uint64_t lend;
	unsigned int i;
	int ret;

	if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_VALUE_INPUT, RH_TA_PARAM_VALUE_INPUT,
				       RH_TA_PARAM_VALUE_INOUT, RH_TA_PARAM_VALUE_OUTPUT))
		return bad_params(sm, "ZALLOC parameter types", types);
	size = p[0].u.value.a;
	align = p[0].u.value.b;
	type = p[1].u.value.a;
	if (!size || !RH_IS_ALIGNED(size, SECMEM_GRANULE))
		return bad_params(sm, "size", size);
	if (align < SECMEM_GRANULE || (align & (align - 1)))
		return bad_params(sm, "alignment", align);
	if (size + align < size)
		return bad_params(sm, "size + alignment overflows", size);
	pool = pool_of(sm, type);
	if (!pool)
		return bad_params(sm, "mem type", type);
	if (type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA) {
		res = check_cma_region(sm, pool, p[2].u.value.a, p[2].u.value.b);
		if (res)
			return res;
	} else {
		if (p[2].u.value.a || p[2].u.value.b)
			return bad_params(sm, "CM_TZ request carries a region", p[2].u.value.a);
		if (!pool->available) {
			EMSG(sm->plat, "secmem: no protected chunk memory on this platform");
			return RH_TEEC_ERROR_NOT_SUPPORTED;
		}
	}

	ret = draw_handle(sm, &handle);
	if (ret)
		return rh_errno_to_tee_result(ret);
	buf = rh_malloc(sizeof(*buf) + sizeof(buf->ext[0]));
	if (!buf) {
		pthread_mutex_lock(&sm->lock);
		pool->oom++;
		pthread_mutex_unlock(&sm->lock);
		return RH_MTK_TEE_RESULT_OOM;
	}
	memset(buf, 0, sizeof(*buf));
	atomic_init(&buf->published, false);
	buf->handle = handle;
	buf->owner = sess;
	buf->pool = pool;
	buf->size = size;

	pthread_mutex_lock(&sm->lock);
	if (type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA) {
		res = check_cma_claim(sm, pool, sess);
		if (res) {
			pthread_mutex_unlock(&sm->lock);
			rh_free(buf);
			return res;
		}
	}
	if (!pool->ca) {
		ret = rh_secmem_pool_lend(sm->plat, sm->masters, pool);
		if (ret)
			goto err_unlock;
	}
	/* The region is lent through this session (again, if its lender closed). */
	if (type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA)
		pool->lent_to = sess;
	ret = rh_secmem_pool_take(pool, size, align, &buf);
	if (ret)
		goto err_unlend;
	ret = insert_handle(sm, buf);
	if (ret)
		goto err_give_back;
	known_zero = rh_secmem_pool_claim_zeroed(pool, buf);
	TAILQ_INSERT_TAIL(&sess->bufs, buf, owner_node);
	sess->nr_bufs++;
	lend = type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA ? pool->lends : 0;
	pool->nr_bufs++;
	pool->live_extents += buf->nr;
	pool->lend_handed_out += size;
	pool->zallocs++;
	if (buf->nr > 1)
		pool->discontiguous++;
	for (i = 0; i < buf->nr; i++) {
		if (buf->ext[i].pa < pool->lend_lo)
			pool->lend_lo = buf->ext[i].pa;
		if (buf->ext[i].pa + buf->ext[i].len > pool->lend_hi)
			pool->lend_hi = buf->ext[i].pa + buf->ext[i].len;
	}
	pthread_mutex_unlock(&sm->lock);

	/* Outside the lock: only the allocated bytes, through the secure view. */
	ret = rh_secmem_zero_new_buffer(sm->plat, pool, buf, known_zero);
	if (ret) {
		pthread_mutex_lock(&sm->lock);
		rh_secmem_handles_remove(&sm->handles, buf);
		TAILQ_REMOVE(&sess->bufs, buf, owner_node);
		sess->nr_bufs--;
		pool->zallocs--;
		if (buf->nr > 1)
			pool->discontiguous--;
		rh_secmem_pool_give_back(sm->plat, buf, false);
		pthread_mutex_unlock(&sm->lock);
		rh_free(buf);
		return rh_errno_to_tee_result(ret);
	}

	p[2].u.value.a = buf->nr;
	p[2].u.value.b = buf->nr == 1 ? buf->ext[0].pa : 0;
	p[3].u.value.a = buf->handle;
	/* Not in v5: which lend of the dynamic region the buffer lives in. */
	p[3].u.value.b = lend;
	atomic_store_explicit(&buf->published, true, memory_order_release);
	RH_TRACE(sm->plat, RH_TRACE_TA_ALLOC, .name = rh_ta_secmem_ops.name,
		 .handle = buf->handle, .pa = buf->ext[0].pa, .size = size,
		 .count = buf->nr);
	DMSG(sm->plat, "secmem: %s: 0x%" PRIx64 " bytes in %u extent(s), handle 0x%016" PRIx64,
	     pool->name, size, buf->nr, buf->handle);
	return RH_TEEC_SUCCESS;

err_give_back:
	rh_secmem_pool_free_extents(pool, buf->ext, buf->nr);
err_unlend:
	rh_secmem_pool_unlend_if_idle(sm->plat, pool);
err_unlock:
	res = take_result(pool, ret);
	pthread_mutex_unlock(&sm->lock);
	rh_free(buf);
	RH_TRACE(sm->plat, RH_TRACE_TA_ALLOC, .name = rh_ta_secmem_ops.name,
		 .size = size, .err = rh_tee_result_to_errno(res));
	return res;
}

/*
 * Release a buffer found under sm->lock (held on entry, released on
 * return): unpublish it, wait for other TAs' pins, take every device's
 * grant of it away, scrub it through the secure view and give its extents
 * back (the last CMA buffer unlends the region). Shared by FREE and by the
 * close of the session that owns it.
 */
static void buf_release(struct rh_secmem *sm, struct rh_secmem_buf *buf)
{
	unsigned int i;
	int ret;

	/* Unpublish: from here no FREE, RETRIEVE_SG or lookup finds it. */
	rh_secmem_handles_remove(&sm->handles, buf);
	atomic_store_explicit(&buf->published, false, memory_order_relaxed);
	TAILQ_REMOVE(&buf->owner->bufs, buf, owner_node);
	buf->owner->nr_bufs--;
	while (buf->pins)
		pthread_cond_wait(&sm->unpinned, &sm->lock);
	pthread_mutex_unlock(&sm->lock);

	/* No device may reach the pages once they are scrubbed and reused. */
	rh_svp_revoke_buffer(sm->plat, buf->handle);
	/*
	 * Written bits first, scrub second: a DMA write that lands after the
	 * clear sets its bits again, one that landed before is scrubbed.
	 */
	for (i = 0; i < buf->nr; i++)
		rh_physmem_clear_written(sm->plat->physmem, buf->ext[i].pa,
					 buf->ext[i].len);
	ret = rh_secmem_zero_buf(sm->plat, buf);
	if (!ret)
		RH_TRACE(sm->plat, RH_TRACE_TA_SCRUB, .name = rh_ta_secmem_ops.name,
			 .pa = buf->ext[0].pa, .size = buf->size, .count = buf->nr);

	pthread_mutex_lock(&sm->lock);
	buf->pool->frees++;
	rh_secmem_pool_give_back(sm->plat, buf, !ret);
	pthread_mutex_unlock(&sm->lock);
	RH_TRACE(sm->plat, RH_TRACE_TA_FREE, .name = rh_ta_secmem_ops.name,
		 .handle = buf->handle, .size = buf->size);
	DMSG(sm->plat, "secmem: freed handle 0x%016" PRIx64, buf->handle);
	rh_free(buf);
}

static uint32_t cmd_free(struct rh_secmem *sm, struct secmem_session *sess,
			 uint32_t types, struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	uint64_t handle = p[0].u.value.a;
	struct rh_secmem_buf *buf;

	if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_VALUE_INPUT, RH_TA_PARAM_VALUE_OUTPUT,
				       RH_TA_PARAM_NONE, RH_TA_PARAM_NONE))
		return bad_params(sm, "FREE parameter types", types);

	pthread_mutex_lock(&sm->lock);
	buf = find_published(sm, handle, sess);
	if (!buf) {
		p[1].u.value.b = cma_lend_state(sm);
		pthread_mutex_unlock(&sm->lock);
		refuse_handle(sm, handle, "FREE");
		RH_TRACE(sm->plat, RH_TRACE_TA_FREE, .name = rh_ta_secmem_ops.name,
			 .handle = handle, .err = -ENOENT);
		/* The seed's protocol: the TA's own status travels in p1.a. */
		p[1].u.value.a = RH_TEEC_ERROR_ITEM_NOT_FOUND;
		return RH_TEEC_SUCCESS;
	}
	buf_release(sm, buf);
	pthread_mutex_lock(&sm->lock);
	p[1].u.value.b = cma_lend_state(sm);
	pthread_mutex_unlock(&sm->lock);
	p[1].u.value.a = RH_TEEC_SUCCESS;
	return RH_TEEC_SUCCESS;
}

static void put_le(uint8_t *dst, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		dst[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t cmd_retrieve_sg(struct rh_secmem *sm,
				const struct secmem_session *sess, uint32_t types,
				struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	uint64_t handle = p[0].u.value.a;
	struct rh_secmem_buf *buf;
	uint8_t *dst = p[1].u.memref.buffer;
	size_t need;
	unsigned int i;

	if (types != RH_TA_PARAM_TYPES(RH_TA_PARAM_VALUE_INPUT, RH_TA_PARAM_MEMREF_INOUT,
				       RH_TA_PARAM_NONE, RH_TA_PARAM_NONE))
		return bad_params(sm, "RETRIEVE_SG parameter types", types);

	pthread_mutex_lock(&sm->lock);
	buf = find_published(sm, handle, sess);
	if (!buf) {
		pthread_mutex_unlock(&sm->lock);
		refuse_handle(sm, handle, "RETRIEVE_SG");
		return RH_TEEC_ERROR_ITEM_NOT_FOUND;
	}
	need = (size_t)buf->nr * SECMEM_ENTRY_SIZE;
	if (!dst || p[1].u.memref.size < need) {
		pthread_mutex_unlock(&sm->lock);
		p[1].u.memref.size = need;
		return RH_TEEC_ERROR_SHORT_BUFFER;
	}
	/* Packed little-endian {u64 pa; u32 length}, whatever the host order. */
	for (i = 0; i < buf->nr; i++) {
		put_le(dst + i * SECMEM_ENTRY_SIZE, buf->ext[i].pa, 8);
		put_le(dst + i * SECMEM_ENTRY_SIZE + 8, buf->ext[i].len, 4);
	}
	buf->pool->retrieves++;
	pthread_mutex_unlock(&sm->lock);
	p[1].u.memref.size = need;
	return RH_TEEC_SUCCESS;
}

/* ------------------------------------------------------------ TA entry points */

static uint32_t secmem_create(struct rh_ta_ctx *ctx)
{
	struct rh_secmem *sm = secmem_of(rh_ta_get_platform(ctx));

	/* The state is the platform's (boot); a bare emulator has none. */
	if (!sm)
		return RH_TEEC_ERROR_BAD_STATE;
	rh_ta_set_priv(ctx, sm);
	return RH_TEEC_SUCCESS;
}

/*
 * Only the REE kernel may open a session (OP-TEE refuses other logins to
 * its kernel-only TAs the same way, e.g. the device enumeration PTA):
 * user programs get their secure buffers through the kernel's heaps.
 */
static uint32_t secmem_open_session(struct rh_ta_ctx *ctx, uint32_t types,
				    struct rh_ta_param p[RH_TA_NUM_PARAMS],
				    void **ret_sess_ctx)
{
	struct rh_secmem *sm = rh_ta_get_priv(ctx);
	struct secmem_session *sess;
	struct rh_ta_client client;

	if (rh_ta_get_client(ctx, &client))
		return RH_TEEC_ERROR_BAD_STATE;
	if (!rh_ta_client_is_kernel(&client))
		return access_denied(sm, "a client that is not the kernel opened a session");
	sess = rh_zalloc(sizeof(*sess));
	if (!sess)
		return RH_TEEC_ERROR_OUT_OF_MEMORY;
	sess->id = client.session;
	TAILQ_INIT(&sess->bufs);
	pthread_mutex_lock(&sm->lock);
	TAILQ_INSERT_TAIL(&sm->sessions, sess, node);
	pthread_mutex_unlock(&sm->lock);
	*ret_sess_ctx = sess;
	return RH_TEEC_SUCCESS;
}

/*
 * The session goes (closed, or its context released): what it still owns
 * is released as a FREE would, so a client that vanished, or a reply that
 * never arrived, cannot keep secure memory (or the lent region) for good.
 */
static void secmem_close_session(struct rh_ta_ctx *ctx, void *sess_ctx)
{
	/* Not the instance's priv: the state may be gone (platform teardown). */
	struct rh_secmem *sm = secmem_of(rh_ta_get_platform(ctx));
	struct secmem_session *sess = sess_ctx;
	struct rh_secmem_buf *buf;
	unsigned int i;

	if (sm) {
		pthread_mutex_lock(&sm->lock);
		if (sess->nr_bufs)
			EMSG(sm->plat, "secmem: session 0x%" PRIx32 " closed with %u buffer(s): releasing them",
			     sess->id, sess->nr_bufs);
		while ((buf = TAILQ_FIRST(&sess->bufs))) {
			buf_release(sm, buf);
			pthread_mutex_lock(&sm->lock);
		}
		/*
		 * A region still lent (its unlend failed) must not stay bound to a
		 * session that is gone: the next claim is checked against the
		 * normal world's lend record again.
		 */
		for (i = 0; i < SECMEM_NR_POOLS; i++)
			if (sm->pools[i].lent_to == sess)
				sm->pools[i].lent_to = NULL;
		TAILQ_REMOVE(&sm->sessions, sess, node);
		pthread_mutex_unlock(&sm->lock);
	}
	rh_free(sess);
}

static uint32_t secmem_invoke(struct rh_ta_ctx *ctx, void *sess_ctx, uint32_t cmd,
			      uint32_t types, struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	struct rh_secmem *sm = rh_ta_get_priv(ctx);

	rh_sim_charge(sm->plat, RH_SIM_TEE_CMD, 1);
	switch (cmd) {
	case RH_MTK_TZCMD_SECMEM_ZALLOC:
		return cmd_zalloc(sm, sess_ctx, types, p);
	case RH_MTK_TZCMD_SECMEM_FREE:
		return cmd_free(sm, sess_ctx, types, p);
	case RH_MTK_TZCMD_SECMEM_RETRIEVE_SG:
		return cmd_retrieve_sg(sm, sess_ctx, types, p);
	default:
		EMSG(sm->plat, "secmem: unknown command 0x%" PRIx32, cmd);
		return RH_TEEC_ERROR_NOT_SUPPORTED;
	}
}

/*
 * One instance serves both heaps' sessions; its state is the platform's,
 * so destroying the instance (all sessions closed) frees nothing: live
 * buffers stay valid for the next session, as in the real TEE.
 */
const struct rh_ta_ops rh_ta_secmem_ops = {
	.name = "mtk-secmem",
	/* 4477588a-8476-11e2-ad15-e41f1390d676 (RH_TZ_TA_MEM_UUID_MTK) */
	.uuid = { 0x44, 0x77, 0x58, 0x8a, 0x84, 0x76, 0x11, 0xe2,
		  0xad, 0x15, 0xe4, 0x1f, 0x13, 0x90, 0xd6, 0x76 },
	.flags = RH_TA_FLAG_SINGLE_INSTANCE | RH_TA_FLAG_MULTI_SESSION,
	.create = secmem_create,
	.open_session = secmem_open_session,
	.close_session = secmem_close_session,
	.invoke = secmem_invoke,
};

/* ------------------------------------------------------------ statistics */

RH_EXPORT int rh_secmem_get_stats(struct rh_platform *plat,
				  enum rh_mtk_secure_mem_type type,
				  struct rh_secmem_stats *ret_stats)
{
	struct rh_chunk_alloc_stats cs;
	struct rh_secmem_stats st;
	struct secmem_pool *pool;
	struct rh_secmem *sm;

	if (!plat || !ret_stats)
		return -EINVAL;
	sm = secmem_of(plat);
	if (!sm)
		return -ENODEV;
	pool = pool_of(sm, type);
	if (!pool)
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	pthread_mutex_lock(&sm->lock);
	st.available = pool->available;
	st.lent = pool->ca != NULL;
	if (pool->available) {
		st.base = pool->base;
		st.size = pool->size;
	}
	if (pool->ca) {
		rh_chunk_alloc_stats(pool->ca, &cs);
		st.bytes_used = cs.bytes_used;
		st.largest_free = cs.largest_free;
		st.free_blocks = cs.free_blocks;
	}
	st.live_buffers = pool->nr_bufs;
	st.live_extents = pool->live_extents;
	st.firewall_regions = pool->fw_programmed ? 1 : 0;
	st.zallocs = pool->zallocs;
	st.discontiguous = pool->discontiguous;
	st.oom = pool->oom;
	st.frees = pool->frees;
	st.retrieves = pool->retrieves;
	st.lends = pool->lends;
	st.unlends = pool->unlends;
	st.bytes_zeroed = atomic_load_explicit(&pool->bytes_zeroed, memory_order_relaxed);
	st.bytes_known_zero = atomic_load_explicit(&pool->bytes_known_zero,
						   memory_order_relaxed);
	pthread_mutex_unlock(&sm->lock);
	st.bad_params = atomic_load_explicit(&sm->bad_params, memory_order_relaxed);
	st.refused_handles = atomic_load_explicit(&sm->refused_handles,
						  memory_order_relaxed);
	st.access_denied = atomic_load_explicit(&sm->access_denied,
						memory_order_relaxed);
	*ret_stats = st;
	return 0;
}

/* ------------------------------------------------------------ boot */

/* A pool's region: inside DRAM and aligned to what the firewall can protect. */
static bool region_usable(struct rh_platform *plat, const struct rh_reserved_region *r)
{
	uint64_t gran = rh_firewall_granularity(plat->firewall);

	if (rh_physmem_check(plat->physmem, r->base, r->size)) {
		EMSG(plat, "secmem: %s 0x%" PRIx64 "+0x%" PRIx64 " is not inside DRAM",
		     r->name, r->base, r->size);
		return false;
	}
	if (!RH_IS_ALIGNED(r->base, gran) || !RH_IS_ALIGNED(r->size, gran)) {
		EMSG(plat, "secmem: %s 0x%" PRIx64 "+0x%" PRIx64 " is not aligned to the firewall granularity 0x%" PRIx64,
		     r->name, r->base, r->size, gran);
		return false;
	}
	return true;
}

static void secmem_free(struct rh_secmem *sm)
{
	unsigned int i;

	rh_secmem_handles_destroy(&sm->handles);
	for (i = 0; i < SECMEM_NR_POOLS; i++) {
		rh_chunk_alloc_destroy(sm->pools[i].ca);
		rh_free(sm->pools[i].zeroed);
	}
	pthread_cond_destroy(&sm->unpinned);
	pthread_mutex_destroy(&sm->lock);
	rh_free(sm);
}

int rh_ta_secmem_init(struct rh_platform *plat)
{
	const struct rh_reserved_region *r;
	struct secmem_pool *tz, *cma;
	struct rh_secmem *sm;
	unsigned int i;
	int ret;

	sm = rh_zalloc(sizeof(*sm));
	if (!sm)
		return -ENOMEM;
	sm->plat = plat;
	pthread_mutex_init(&sm->lock, NULL);
	pthread_cond_init(&sm->unpinned, NULL);
	rh_secmem_handles_init(&sm->handles);
	TAILQ_INIT(&sm->sessions);
	atomic_init(&sm->bad_params, 0);
	atomic_init(&sm->refused_handles, 0);
	for (i = 0; i < SECMEM_NR_POOLS; i++) {
		atomic_init(&sm->pools[i].bytes_zeroed, 0);
		atomic_init(&sm->pools[i].bytes_known_zero, 0);
	}
	sm->masters = rh_secmem_master_mask(plat);
	tz = &sm->pools[RH_MTK_SECURE_MEMORY_TYPE_CM_TZ - 1];
	cma = &sm->pools[RH_MTK_SECURE_MEMORY_TYPE_CM_CMA - 1];
	tz->name = "chunk";
	tz->type = RH_MTK_SECURE_MEMORY_TYPE_CM_TZ;
	cma->name = "cma";
	cma->type = RH_MTK_SECURE_MEMORY_TYPE_CM_CMA;

	/*
	 * A platform whose regions the firewall cannot protect still boots
	 * (logged); the pool is then refused at ZALLOC, never used unprotected.
	 */
	r = rh_phys_reserved_find_compatible(plat, SECMEM_CHUNK_COMPATIBLE);
	if (r && region_usable(plat, r)) {
		tz->base = r->base;
		tz->size = r->size;
		ret = rh_secmem_pool_lend(plat, sm->masters, tz);
		if (ret == -ENOMEM)
			goto err_free;
		tz->available = !ret;
	}
	r = rh_phys_reserved_find_compatible(plat, SECMEM_CMA_COMPATIBLE);
	if (r && region_usable(plat, r)) {
		cma->base = r->base;
		cma->size = r->size;
		cma->available = true;
	}

	plat->secmem = sm;
	ret = rh_tee_emu_register_ta(plat, &rh_ta_secmem_ops);
	if (ret) {
		EMSG(plat, "secmem: cannot register the TA: %s", strerror(-ret));
		goto err_unprotect;
	}
	return 0;

err_unprotect:
	plat->secmem = NULL;
	if (tz->fw_programmed)
		rh_firewall_clear(plat->firewall, tz->fw_index);
err_free:
	secmem_free(sm);
	return ret;
}

void rh_ta_secmem_fini(struct rh_platform *plat)
{
	struct rh_secmem *sm = plat->secmem;
	unsigned int i;

	if (!sm)
		return;
	for (i = 0; i < SECMEM_NR_POOLS; i++)
		if (sm->pools[i].nr_bufs)
			EMSG(plat, "secmem: %u %s buffer(s) still live at shutdown",
			     sm->pools[i].nr_bufs, sm->pools[i].name);
	/*
	 * The firewall and DRAM go away right after (platform.c order); the
	 * TA stays registered until the TEE core ends, and its remaining
	 * entry points (close/destroy) do not touch this state: sessions
	 * closed later free only their own small state.
	 */
	plat->secmem = NULL;
	secmem_free(sm);
}
