// SPDX-License-Identifier: MIT
/* MediaTek restricted heaps, TEE side: TA session, SECMEM calls, PA-list checks (seed 8/9). */
#include "config.h"

#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/heaps/restricted-mtk.h>
#include <rheap/heaps/restricted.h>
#include <rheap/phys.h>
#include <rheap/scatterlist.h>
#include <rheap/tee-secmem.h>
#include <rheap/tee.h>

#include "dma-buf/heaps/mtk-internal.h"
#include "internal.h"
#include "tee/tee-internal.h"
#include "trace/trace.h"

/*
 * The TEE half of drivers/dma-buf/heaps/restricted_heap_mtk.c; the fixes
 * to v5 it carries are listed at the top of restricted-mtk.c.
 */

/* A physical range reported by the TEE, host order. */
struct mtk_pa_range {
	uint64_t pa;
	uint64_t len;
};

/* ------------------------------------------------------------ TEE session */

static int mtk_tee_ctx_match(struct rh_tee_ioctl_version_data *ver,
			     const void *data)
{
	return ver->impl_id == RH_TEE_IMPL_ID_OPTEE;
}

/* Mirrors: mtk_tee_session_init(); called with tee_lock held for writing. */
static int mtk_tee_session_init(struct mtk_restricted_heap_data *data)
{
	struct rh_tee_param t_param[RH_MTK_TEE_PARAM_NUM] = { 0 };
	struct rh_tee_ioctl_open_session_arg arg = { 0 };
	struct rh_tee_context *ctx;
	int ret;

	/* The platform's own module: its context does not hold the platform. */
	ctx = rh_tee_context_open_internal(data->plat, mtk_tee_ctx_match, NULL);
	if (RH_IS_ERR(ctx)) {
		/* Fixed: tee_ctx stays NULL, so the next allocation retries. */
		if (RH_PTR_ERR(ctx) == -ENOMEM)
			return -ENOMEM;
		rh_err(data->plat, "rheap_mtk: tee context create fail: no OP-TEE device (%ld)",
		       RH_PTR_ERR(ctx));
		return -ENODEV;
	}

	arg.num_params = RH_MTK_TEE_PARAM_NUM;
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_REE_KERNEL;
	ret = rh_uuid_parse(RH_TZ_TA_MEM_UUID_MTK, arg.uuid);
	if (ret)
		goto err_close_context;

	ret = rh_tee_client_open_session(ctx, &arg, t_param);
	if (ret == -ENOMEM)
		goto err_close_context;
	if (ret < 0 || arg.ret) {
		rh_err(data->plat,
		       "rheap_mtk: open session to the secure memory TA %s fail: ret %d, %s (origin %u)",
		       RH_TZ_TA_MEM_UUID_MTK, ret, rh_tee_result_name(arg.ret),
		       arg.ret_origin);
		/* The TA died opening it: the sibling's session may be gone too. */
		if (!ret && arg.ret == RH_TEEC_ERROR_TARGET_DEAD)
			mtk_doubt_siblings(data);
		/* Fixed: v5 says -EINVAL even when the TEE ran out of memory. */
		ret = !ret && arg.ret == RH_TEEC_ERROR_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
		goto err_close_context;
	}

	data->tee_ctx = ctx;
	data->tee_session = arg.session;
	atomic_store(&data->tee_dead, false);
	atomic_store(&data->tee_open, true);
	return 0;

err_close_context:
	rh_tee_client_close_context(ctx);
	return ret;
}

/* Closes the context (and its session); tee_lock held for writing. */
void mtk_tee_session_close(struct mtk_restricted_heap_data *data)
{
	rh_tee_client_close_context(data->tee_ctx);
	data->tee_ctx = NULL;
	data->tee_session = 0;
	atomic_store(&data->tee_open, false);
	atomic_store(&data->tee_dead, false);
}

/*
 * Close the session (dead, or recycled when idle) and account for what it
 * held; tee_lock held for writing. Not in v5, whose TA keeps a dead
 * session's buffers for good: closing it makes the TA release every
 * buffer the session owns (ta-secmem.c), so what the heap still counts is
 * lost -- the dma-bufs that remain find nothing to FREE, the deferred
 * FREEs of the session are moot -- and what it did not know of (a ZALLOC
 * whose answer never came, a FREE the TA failed) is gone as well. The CMA
 * region can only have been lent through the heap's sessions (the TA
 * refuses anyone else's claim), so once the TEE confirmed the close every
 * lend the heap saw is over; an unconfirmed close proves nothing.
 */
static void mtk_tee_session_recycle(struct mtk_restricted_heap_data *data)
{
	uint32_t session = data->tee_session;
	bool confirmed;

	confirmed = rh_tee_context_close(data->tee_ctx);
	data->tee_ctx = NULL;
	data->tee_session = 0;
	atomic_store(&data->tee_open, false);
	data->tee_epoch++;
	atomic_store(&data->tee_dead, false);
	atomic_store(&data->tee_doubt, false);
	ctr_add(data->lost_buffers, atomic_exchange(&data->tee_buffers, 0));
	ctr_add(data->lost_bytes, atomic_exchange(&data->tee_bytes, 0));
	ctr_inc(data->tee_recycles);

	pthread_mutex_lock(&data->lock);
	if (!confirmed) {
		rh_err(data->plat, "rheap_mtk: %s: the TEE never confirmed closing session 0x%x: what it owns may stay in the secure world",
		       data->rheap->name, session);
		data->lend_unconfirmed = true;
	} else if (!data->lend_unconfirmed && data->unlent_through < data->lend_seen) {
		data->unlent_through = data->lend_seen;
	}
	pthread_mutex_unlock(&data->lock);
}

/* How the TEE answered a call (v5 keeps only whether it failed). */
struct mtk_tee_answer {
	uint32_t result;
	uint32_t origin;
};

/*
 * Mirrors: mtk_tee_service_call(). Every failure is -EOPNOTSUPP, as in v5;
 * a TA that died is remembered so that heap_init reopens the session.
 * @ret_answer (may be NULL) gets the result and its origin; a call the
 * client could not even send counts as lost in transport. tee_lock held
 * (for reading at least).
 */
static int mtk_tee_service_call(struct mtk_restricted_heap_data *data,
				uint32_t command, struct rh_tee_param *params,
				struct mtk_tee_answer *ret_answer)
{
	struct rh_tee_ioctl_invoke_arg arg = { 0 };
	int ret;

	arg.num_params = RH_MTK_TEE_PARAM_NUM;
	arg.session = data->tee_session;
	arg.func = command;

	ret = rh_tee_client_invoke_func(data->tee_ctx, &arg, params);
	if (ret_answer) {
		ret_answer->result = ret < 0 ? RH_TEEC_ERROR_COMMUNICATION : arg.ret;
		ret_answer->origin = ret < 0 ? RH_TEEC_ORIGIN_COMMS : arg.ret_origin;
	}
	if (ret < 0 || arg.ret) {
		rh_err(data->plat, "rheap_mtk: cmd 0x%x ret %d:%x", command, ret,
		       arg.ret);
		if (!ret && arg.ret == RH_TEEC_ERROR_TARGET_DEAD) {
			atomic_store(&data->tee_dead, true);
			mtk_doubt_siblings(data);
		}
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Queue a FREE to send again; 0, or -ENOMEM (then it is lost). */
static int mtk_defer_free(struct mtk_restricted_heap_data *data,
			  uint64_t restricted_addr, uint64_t size, uint32_t epoch)
{
	struct mtk_pending_free *p;
	unsigned int max;
	int ret = 0;

	pthread_mutex_lock(&data->lock);
	if (data->nr_pending == data->max_pending) {
		max = data->max_pending ? 2 * data->max_pending : 8;
		p = rh_calloc(max, sizeof(*p));
		if (!p) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		if (data->nr_pending)
			memcpy(p, data->pending, sizeof(*p) * data->nr_pending);
		rh_free(data->pending);
		data->pending = p;
		data->max_pending = max;
	}
	data->pending[data->nr_pending].handle = restricted_addr;
	data->pending[data->nr_pending].size = size;
	data->pending[data->nr_pending].epoch = epoch;
	data->nr_pending++;
	data->pending_bytes += size;
	atomic_store(&data->pending_hint, data->nr_pending);
out_unlock:
	pthread_mutex_unlock(&data->lock);
	return ret;
}

/*
 * Mirrors: mtk_tee_secmem_free(). The call's own failure is logged by the
 * service call, a non-zero TA status here; both are counted. Fixed (v5
 * counts every failure and forgets the buffer):
 * - only an answer whose origin is the TA is final. Every other failure
 *   (no session, a message the client could not send, transport, the TEE
 *   refusing the call before the TA ran, TARGET_DEAD whoever reports it)
 *   cannot have been the TA's word on the buffer: the FREE is queued
 *   (*@ret_deferred true) and sent again by the next heap_init, or at once
 *   when the heap is idle; for such a @retry, an unknown handle means the
 *   first one arrived;
 * - a final failure (the TA's error result or status) may leave the
 *   buffer in the TA: the session is in doubt, and the heap recycles it
 *   once idle, which makes the TA release it.
 * The handle is no longer the heap's once FREE is not deferred. tee_lock
 * held (for reading at least).
 */
static int mtk_tee_secmem_free(struct mtk_restricted_heap_data *data,
			       uint64_t restricted_addr, uint64_t size,
			       uint32_t epoch, bool retry, bool *ret_deferred)
{
	struct rh_tee_param params[RH_MTK_TEE_PARAM_NUM] = { 0 };
	struct mtk_tee_answer ans = { RH_TEEC_ERROR_COMMUNICATION, RH_TEEC_ORIGIN_COMMS };
	int ret = -ENODEV;

	*ret_deferred = false;
	if (epoch != data->tee_epoch) {
		/* Not in v5: it went with its session, which the TA released. */
		rh_info(data->plat, "rheap_mtk: buffer(0x%" PRIx64 ") went with the session that died",
			restricted_addr);
		ctr_sub(data->lost_buffers, 1);
		ctr_sub(data->lost_bytes, size);
		return 0;
	}
	if (data->tee_ctx) {
		params[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
		params[0].u.value.a = restricted_addr;
		params[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;

		ret = mtk_tee_service_call(data, RH_MTK_TZCMD_SECMEM_FREE, params, &ans);
		ctr_inc(data->frees);
	}
	/* A dead TA's answer says nothing of the buffer, whoever gives it. */
	if (ret && (ans.origin != RH_TEEC_ORIGIN_TRUSTED_APP ||
		    ans.result == RH_TEEC_ERROR_TARGET_DEAD)) {
		if (!mtk_defer_free(data, restricted_addr, size, epoch)) {
			rh_warn(data->plat, "rheap_mtk: SECMEM_FREE buffer(0x%" PRIx64 ") deferred until the TA answers it",
				restricted_addr);
			*ret_deferred = true;
			return ret;
		}
		rh_err(data->plat, "rheap_mtk: SECMEM_FREE buffer(0x%" PRIx64 ") lost: no memory to retry it",
		       restricted_addr);
	}

	if (!ret && !(params[1].u.value.b & 1)) {
		/* The TA reports the lent region over (scrubbed, unprotected). */
		pthread_mutex_lock(&data->lock);
		if (params[1].u.value.b >> 1 > data->unlent_through)
			data->unlent_through = params[1].u.value.b >> 1;
		/* Whatever an unconfirmed close left, the region is unlent now. */
		data->lend_unconfirmed = false;
		pthread_mutex_unlock(&data->lock);
	}
	if (ret) {
		ctr_inc(data->free_failures);
		atomic_store(&data->tee_doubt, true);
	} else if (retry && params[1].u.value.a == RH_TEEC_ERROR_ITEM_NOT_FOUND) {
		rh_info(data->plat, "rheap_mtk: SECMEM_FREE buffer(0x%" PRIx64 ") had reached the TA",
			restricted_addr);
	} else if (params[1].u.value.a) {
		rh_err(data->plat, "rheap_mtk: SECMEM_FREE buffer(0x%" PRIx64 ") fail(%" PRId64 ") from TEE",
		       restricted_addr, (int64_t)params[1].u.value.a);
		ctr_inc(data->free_failures);
		atomic_store(&data->tee_doubt, true);
		ret = -EINVAL;
	}
	ctr_sub(data->tee_buffers, 1);
	ctr_sub(data->tee_bytes, size);
	return ret;
}

/*
 * Send the deferred FREEs again; tee_lock held (for reading at least).
 * Those of a closed session find it gone and cost no call.
 */
static void mtk_send_pending_frees(struct mtk_restricted_heap_data *data)
{
	struct mtk_pending_free *pending;
	unsigned int i, nr;
	bool deferred;

	pthread_mutex_lock(&data->lock);
	pending = data->pending;
	nr = data->nr_pending;
	data->pending = NULL;
	data->nr_pending = 0;
	data->max_pending = 0;
	atomic_store(&data->pending_hint, 0);
	pthread_mutex_unlock(&data->lock);

	for (i = 0; i < nr; i++) {
		/* A lost answer the first time: ITEM_NOT_FOUND now, gone all the same. */
		mtk_tee_secmem_free(data, pending[i].handle, pending[i].size, pending[i].epoch,
				    true, &deferred);
		pthread_mutex_lock(&data->lock);
		/* Deferred again: counted again by mtk_defer_free(). */
		data->pending_bytes -= pending[i].size;
		mtk_cma_release_if_unused(data);
		pthread_mutex_unlock(&data->lock);
	}
	rh_free(pending);
}

/* Open the session (heap_init, or after a recycle); tee_lock held for writing. */
static int mtk_tee_session_open(struct mtk_restricted_heap_data *data)
{
	int ret = mtk_tee_session_init(data);

	if (ret)
		ctr_inc(data->tee_init_failures);
	else
		ctr_inc(data->tee_inits);
	return ret;
}

/* Mirrors: mtk_restricted_heap_init(), the heap_init op. */
int mtk_restricted_heap_init(struct rh_restricted_heap *rheap)
{
	struct mtk_restricted_heap_data *data = rheap->priv_data;
	int ret;

	/* Only heap_init and the idle settle (both under the init lock) write tee_ctx. */
	if (!data->tee_ctx || atomic_load(&data->tee_dead)) {
		pthread_rwlock_wrlock(&data->tee_lock);
		if (data->tee_ctx) {
			rh_warn(data->plat, "rheap_mtk: %s: the secure memory TA died, reopening its session",
				rheap->name);
			mtk_tee_session_recycle(data);
		}
		ret = mtk_tee_session_open(data);
		pthread_rwlock_unlock(&data->tee_lock);
		if (ret)
			return ret;
	}

	if (atomic_load(&data->pending_hint)) {
		pthread_rwlock_rdlock(&data->tee_lock);
		mtk_send_pending_frees(data);
		pthread_rwlock_unlock(&data->tee_lock);
	}
	return 0;
}

/* Something in the secure world the heap cannot account for yet. */
static bool mtk_tee_unsettled(struct mtk_restricted_heap_data *data)
{
	return atomic_load(&data->tee_doubt) || atomic_load(&data->pending_hint) ||
	       atomic_load(&data->tee_dead);
}

bool mtk_tee_settle_if_idle(struct mtk_restricted_heap_data *data)
{
	struct rh_restricted_heap *rheap = data->rheap;
	bool recycled = false;

	if (atomic_load(&data->live_buffers) || !mtk_tee_unsettled(data))
		return false;
	/* heap_init's lock first, as heap_init takes them: tee_ctx writers. */
	pthread_mutex_lock(&rheap->init_lock);
	pthread_rwlock_wrlock(&data->tee_lock);
	/* No session: nothing to doubt (a dead sibling's word reached us). */
	if (!data->tee_ctx) {
		atomic_store(&data->tee_doubt, false);
		goto out_unlock;
	}
	/* No restrict or unrestrict runs now: the count is exact. */
	if (atomic_load(&data->live_buffers))
		goto out_unlock;
	if (!atomic_load(&data->tee_dead) && !atomic_load(&data->tee_doubt))
		mtk_send_pending_frees(data);
	if (mtk_tee_unsettled(data)) {
		rh_warn(data->plat, "rheap_mtk: %s: idle with %s: recycling session 0x%x",
			rheap->name,
			atomic_load(&data->tee_dead) ? "a dead TA" :
			atomic_load(&data->tee_doubt) ? "secure memory it may not know of" :
							"FREEs the TA did not answer",
			data->tee_session);
		mtk_tee_session_recycle(data);
		/* The closed session's FREEs are moot: settled without a call. */
		mtk_send_pending_frees(data);
		/* A failure is retried by the next allocation's heap_init. */
		mtk_tee_session_open(data);
		recycled = true;
	}
out_unlock:
	pthread_rwlock_unlock(&data->tee_lock);
	pthread_mutex_unlock(&rheap->init_lock);
	pthread_mutex_lock(&data->lock);
	mtk_cma_release_if_unused(data);
	pthread_mutex_unlock(&data->lock);
	return recycled;
}

/* ------------------------------------------------------------ layout checks */

static int mtk_range_cmp(const void *a, const void *b)
{
	const struct mtk_pa_range *ra = a, *rb = b;

	return ra->pa < rb->pa ? -1 : ra->pa > rb->pa;
}

/* A non-zero, page-aligned range entirely inside the expected region. */
static bool mtk_range_ok(const struct mtk_restricted_heap_data *data,
			 const struct mtk_pa_range *r)
{
	return r->pa && r->len && RH_IS_ALIGNED(r->pa, (uint64_t)RH_PAGE_SIZE) &&
	       RH_IS_ALIGNED(r->len, (uint64_t)RH_PAGE_SIZE) &&
	       r->pa >= data->region_base && r->len <= data->region_size &&
	       r->pa - data->region_base <= data->region_size - r->len;
}

/*
 * The normal world trusts nothing the TEE says (not in v5): each range is
 * checked, the lengths must add up to the buffer and no two may overlap.
 */
static int mtk_check_layout(struct mtk_restricted_heap_data *data,
			    const struct mtk_pa_range *ranges, unsigned int n,
			    uint64_t size)
{
	struct mtk_pa_range sorted[RH_MTK_TEE_MAX_SG_ENTRIES];
	uint64_t sum = 0;
	unsigned int i;

	assert(n >= 1 && n <= RH_MTK_TEE_MAX_SG_ENTRIES);
	for (i = 0; i < n; i++) {
		if (!mtk_range_ok(data, &ranges[i])) {
			rh_bug_tee(data->plat,
				   "rheap_mtk: entry %u {pa 0x%" PRIx64 ", length 0x%" PRIx64
				   "} is not a page-aligned range in [0x%" PRIx64 ", +0x%" PRIx64 ")",
				   i, ranges[i].pa, ranges[i].len, data->region_base,
				   data->region_size);
			return -EINVAL;
		}
		if (__builtin_add_overflow(sum, ranges[i].len, &sum))
			break;
	}
	if (i < n || sum != size) {
		rh_bug_tee(data->plat,
			   "rheap_mtk: %u entries add up to 0x%" PRIx64 ", buffer is 0x%" PRIx64,
			   n, sum, size);
		return -EINVAL;
	}

	memcpy(sorted, ranges, sizeof(sorted[0]) * n);
	qsort(sorted, n, sizeof(sorted[0]), mtk_range_cmp);
	for (i = 1; i < n; i++) {
		if (sorted[i - 1].pa + sorted[i - 1].len > sorted[i].pa) {
			rh_bug_tee(data->plat,
				   "rheap_mtk: entries at 0x%" PRIx64 " and 0x%" PRIx64 " overlap",
				   sorted[i - 1].pa, sorted[i].pa);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The master table: one entry per range, in the TEE's order. A range
 * longer than an entry can hold (only the contiguous case can be) is
 * split; v5 would truncate the length.
 */
static int mtk_build_table(struct rh_sg_table *table,
			   const struct mtk_pa_range *ranges, unsigned int n)
{
	const uint64_t max_seg = RH_SCATTERLIST_MAX_SEGMENT;
	struct rh_scatterlist *sg;
	uint64_t nents = 0, off, len;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++)
		nents += (ranges[i].len + max_seg - 1) / max_seg;
	if (nents > UINT_MAX)
		return -EINVAL;
	ret = rh_sg_alloc_table(table, (unsigned int)nents);
	if (ret)
		return ret;

	sg = table->sgl;
	for (i = 0; i < n; i++) {
		for (off = 0; off < ranges[i].len; off += len) {
			len = ranges[i].len - off;
			if (len > max_seg)
				len = max_seg;
			rh_sg_set_page(sg, (unsigned long)((ranges[i].pa + off) >> RH_PAGE_SHIFT),
				       (unsigned int)len, 0);
			sg = rh_sg_next(sg);
		}
	}
	return 0;
}

/* ------------------------------------------------------------ restrict */

/*
 * RETRIEVE_SG into registered shared memory of sg_num packed entries;
 * @ranges gets them in host order. tee_lock held for reading.
 */
static int mtk_tee_retrieve_sg(struct mtk_restricted_heap_data *data,
			       uint64_t restricted_addr, unsigned int sg_num,
			       struct mtk_pa_range *ranges)
{
	struct rh_tee_param params[RH_MTK_TEE_PARAM_NUM] = { 0 };
	struct rh_mtk_tee_scatterlist entry;
	struct rh_tee_shm *sg_shm;
	unsigned char *tee_sg_buf;
	unsigned int i;
	size_t size;
	int ret;

	size = (size_t)sg_num * sizeof(struct rh_mtk_tee_scatterlist);
	tee_sg_buf = rh_zalloc(size);
	if (!tee_sg_buf)
		return -ENOMEM;

	/* Fixed: the kernel API returns an error pointer, which v5 tests for NULL. */
	sg_shm = rh_tee_shm_register_kernel_buf(data->tee_ctx, tee_sg_buf, size);
	if (RH_IS_ERR(sg_shm)) {
		ret = (int)RH_PTR_ERR(sg_shm);
		goto err_free_sg_buf;
	}

	params[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	params[0].u.value.a = restricted_addr;
	params[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
	params[1].u.memref.shm = sg_shm;
	params[1].u.memref.shm_offs = 0;
	params[1].u.memref.size = size;

	ret = mtk_tee_service_call(data, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG, params, NULL);
	if (ret) {
		ctr_inc(data->tee_errors);
		goto err_put_shm;
	}
	if (params[1].u.memref.size != size) {
		rh_bug_tee(data->plat, "rheap_mtk: RETRIEVE_SG answered %zu bytes for %u entries",
			   params[1].u.memref.size, sg_num);
		ctr_inc(data->invalid_layouts);
		ret = -EINVAL;
		goto err_put_shm;
	}
	ctr_inc(data->retrieve_sgs);

	for (i = 0; i < sg_num; i++) {
		memcpy(&entry, tee_sg_buf + (size_t)i * sizeof(entry), sizeof(entry));
		ranges[i].pa = le64toh(entry.pa);
		ranges[i].len = le32toh(entry.length);
	}

err_put_shm:
	rh_tee_shm_put(sg_shm);
err_free_sg_buf:
	rh_free(tee_sg_buf);
	return ret;
}

/* Mirrors: mtk_tee_restrict_memory(), the restrict_buf op. */
int mtk_tee_restrict_memory(struct rh_restricted_heap *rheap,
			    struct rh_restricted_buffer *buf)
{
	struct mtk_restricted_heap_data *data = rheap->priv_data;
	struct rh_tee_param params[RH_MTK_TEE_PARAM_NUM] = { 0 };
	struct mtk_pa_range ranges[RH_MTK_TEE_MAX_SG_ENTRIES];
	uint64_t restricted_addr, sg_num;
	bool deferred;
	int ret;

	pthread_rwlock_rdlock(&data->tee_lock);
	if (!data->tee_ctx) {
		/* Another allocation's heap_init failed to reopen a dead session. */
		ret = -ENODEV;
		goto out_unlock;
	}

	params[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	params[0].u.value.a = buf->size;
	params[0].u.value.b = RH_PAGE_SIZE;
	params[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	params[1].u.value.a = data->mem_type;
	params[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	if (rheap->cma && data->mem_type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA) {
		/*
		 * The whole region, with every allocation. The alloc op holds it
		 * (cma_alloc'd) while this buffer lives; say through which
		 * session it is lent, so the TA can refuse anyone else's claim.
		 */
		params[2].u.value.a = rheap->cma_paddr;
		params[2].u.value.b = rheap->cma_size;
		ret = rh_platform_lend_region(data->plat, rheap->cma_paddr,
					      rheap->cma_size, data->tee_session);
		if (ret) {
			rh_err(data->plat, "rheap_mtk: cannot record the lent region: %d", ret);
			goto out_unlock;
		}
	}
	params[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;

	/* ZALLOC: the TA picks the memory and zeroes it before we learn where it is */
	ret = mtk_tee_service_call(data, RH_MTK_TZCMD_SECMEM_ZALLOC, params, NULL);
	if (ret) {
		ctr_inc(data->zalloc_failures);
		/*
		 * Not in v5: whatever the answer says, the TA may have allocated
		 * before it went wrong (a lost or replaced reply), and no handle
		 * came back to FREE: recycle the session once the heap is idle.
		 */
		atomic_store(&data->tee_doubt, true);
		ret = -ENOMEM;
		goto out_unlock;
	}
	ctr_inc(data->zallocs);
	ctr_inc(data->tee_buffers);
	ctr_add(data->tee_bytes, buf->size);
	if (data->mem_type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA) {
		pthread_mutex_lock(&data->lock);
		if (params[3].u.value.b > data->lend_seen)
			data->lend_seen = params[3].u.value.b;
		pthread_mutex_unlock(&data->lock);
	}

	sg_num = params[2].u.value.a;
	restricted_addr = params[3].u.value.a;

	if (sg_num == 0 || sg_num > RH_MTK_TEE_MAX_SG_ENTRIES) {
		rh_bug_tee(data->plat, "rheap_mtk: ZALLOC answered %" PRIu64 " entries (1..%u)",
			   sg_num, RH_MTK_TEE_MAX_SG_ENTRIES);
		ctr_inc(data->invalid_layouts);
		ret = -EINVAL;
		goto err_free_secmem;
	}

	if (sg_num == 1) {
		/* A one-entry answer is contiguous and already carries its PA. */
		ranges[0].pa = params[2].u.value.b;
		ranges[0].len = buf->size;
	} else {
		ret = mtk_tee_retrieve_sg(data, restricted_addr, (unsigned int)sg_num, ranges);
		if (ret)
			goto err_free_secmem;
	}

	ret = mtk_check_layout(data, ranges, (unsigned int)sg_num, buf->size);
	if (ret) {
		ctr_inc(data->invalid_layouts);
		goto err_free_secmem;
	}

	ret = mtk_build_table(&buf->sg_table, ranges, (unsigned int)sg_num);
	if (ret)
		goto err_free_secmem;

	buf->restricted_addr = restricted_addr;
	buf->tee_epoch = data->tee_epoch;
	atomic_fetch_add(&data->live_buffers, 1);
	pthread_rwlock_unlock(&data->tee_lock);
	return 0;

err_free_secmem:
	mtk_tee_secmem_free(data, restricted_addr, buf->size, data->tee_epoch, false,
			    &deferred);
out_unlock:
	pthread_rwlock_unlock(&data->tee_lock);
	mtk_settle_all(data->plat);
	return ret;
}

/* Mirrors: mtk_tee_unrestrict_memory(), the unrestrict_buf op. */
void mtk_tee_unrestrict_memory(struct rh_restricted_heap *rheap,
			       struct rh_restricted_buffer *buf)
{
	struct mtk_restricted_heap_data *data = rheap->priv_data;
	bool deferred;

	rh_sg_free_table(&buf->sg_table);

	pthread_rwlock_rdlock(&data->tee_lock);
	atomic_fetch_sub(&data->live_buffers, 1);
	mtk_tee_secmem_free(data, buf->restricted_addr, buf->size, buf->tee_epoch, false,
			    &deferred);
	pthread_rwlock_unlock(&data->tee_lock);
	mtk_settle_all(data->plat);
}
