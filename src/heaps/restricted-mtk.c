// SPDX-License-Identifier: MIT
/* MediaTek restricted heaps: secure-memory TA calls, chunk heap and CMA heap (seed 7-9/9). */
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

#include "cma.h"
#include "heaps/mtk-internal.h"
#include "internal.h"
#include "trace.h"

/*
 * drivers/dma-buf/heaps/restricted_heap_mtk.c of the seed (v5, after patch
 * 9/9): names, constants, parameter layouts and the order of operations
 * are v5's. Where v5 is defective the fixed behaviour is implemented
 * (restricted-heap-v5.md, "Project policy"; each difference is listed in
 * docs/kernel-map.md):
 * - a failed TEE context/session open leaves tee_ctx NULL, so the next
 *   allocation retries (v5 keeps the error/closed pointer);
 * - every failure after ZALLOC returns a negative errno and sends FREE
 *   (v5 returns 0 on several of them);
 * - the layout the TEE reports is validated before use (entry count,
 *   non-zero page-aligned PAs and lengths inside the expected region,
 *   lengths summing to the buffer size, no overlap);
 * - the first CMA buffer is checked against the region size too;
 * - a session whose TA died (TARGET_DEAD) is reopened by the next
 *   allocation instead of being used forever, and a FREE that could not
 *   reach the TA (dead TA, failed transport) is sent again then, so the
 *   secure world does not keep the buffer; the CMA region is released
 *   only once those FREEs went through.
 */

#define MTK_HEAP_CM 0
#define MTK_HEAP_CMA 1
#define MTK_NR_HEAPS 2

/* A FREE to send again once the TA can be reached. */
struct mtk_pending_free {
	uint64_t handle;
	uint64_t size;
};

/* Mirrors: struct mtk_restricted_heap_data, plus the simulator's counters. */
struct mtk_restricted_heap_data {
	struct rh_platform *plat;
	struct rh_restricted_heap *rheap;

	/*
	 * TEE context and session: written only by heap_init (serialised by
	 * the core's init lock) with tee_lock held for writing; every TEE
	 * call holds it for reading, so a reopen never pulls the context
	 * from under a call in flight.
	 */
	pthread_rwlock_t tee_lock;
	struct rh_tee_context *tee_ctx;
	uint32_t tee_session;
	atomic_bool tee_dead; /* a call answered TARGET_DEAD */

	enum rh_mtk_secure_mem_type mem_type;

	/* CMA accounting (patch 9) and the deferred FREEs, under lock. */
	pthread_mutex_t lock;
	rh_phys_addr_t cma_page;
	bool cma_held;
	uint64_t cma_used_size;
	uint64_t cma_allocs;
	uint64_t cma_releases;
	struct mtk_pending_free *pending;
	unsigned int nr_pending;
	unsigned int max_pending;
	uint64_t pending_bytes; /* the TEE may still hold them: the region stays */
	atomic_uint pending_hint; /* nr_pending, for heap_init's fast path */

	/* Every PA the TEE reports must lie in here. */
	rh_phys_addr_t region_base;
	uint64_t region_size;

	atomic_ullong tee_inits;
	atomic_ullong tee_init_failures;
	atomic_ullong tee_buffers;
	atomic_ullong tee_bytes;
	atomic_ullong zallocs;
	atomic_ullong zalloc_failures;
	atomic_ullong retrieve_sgs;
	atomic_ullong tee_errors;
	atomic_ullong invalid_layouts;
	atomic_ullong frees;
	atomic_ullong free_failures;
};

/* The per-platform instance of the driver (the seed's static array). */
struct rh_restricted_mtk {
	struct rh_platform *plat;
	struct rh_restricted_heap heaps[MTK_NR_HEAPS];
	struct mtk_restricted_heap_data data[MTK_NR_HEAPS];
	bool registered[MTK_NR_HEAPS];
};

/* A physical range reported by the TEE, host order. */
struct mtk_pa_range {
	uint64_t pa;
	uint64_t len;
};

#define ctr_inc(c) atomic_fetch_add_explicit(&(c), 1, memory_order_relaxed)
#define ctr_add(c, v) atomic_fetch_add_explicit(&(c), (v), memory_order_relaxed)
#define ctr_sub(c, v) atomic_fetch_sub_explicit(&(c), (v), memory_order_relaxed)
#define ctr_get(c) atomic_load_explicit(&(c), memory_order_relaxed)

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

	ctx = rh_tee_client_open_context(data->plat, NULL, mtk_tee_ctx_match,
					 NULL, NULL);
	if (RH_IS_ERR(ctx)) {
		/* Fixed: tee_ctx stays NULL, so the next allocation retries. */
		if (RH_PTR_ERR(ctx) == -ENOMEM)
			return -ENOMEM;
		rh_err(data->plat, "rheap_mtk: tee context create fail: no OP-TEE device (%ld)",
		       RH_PTR_ERR(ctx));
		return -ENODEV;
	}

	arg.num_params = RH_MTK_TEE_PARAM_NUM;
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_PUBLIC;
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
		ret = -EINVAL;
		goto err_close_context;
	}

	data->tee_ctx = ctx;
	data->tee_session = arg.session;
	atomic_store(&data->tee_dead, false);
	return 0;

err_close_context:
	rh_tee_client_close_context(ctx);
	return ret;
}

/* Closes the context (and its session); tee_lock held for writing. */
static void mtk_tee_session_close(struct mtk_restricted_heap_data *data)
{
	rh_tee_client_close_context(data->tee_ctx);
	data->tee_ctx = NULL;
	data->tee_session = 0;
	atomic_store(&data->tee_dead, false);
}

/*
 * Mirrors: mtk_tee_service_call(). Every failure is -EOPNOTSUPP, as in v5;
 * a TA that died is remembered so that heap_init reopens the session.
 * tee_lock held for reading.
 */
static int mtk_tee_service_call(struct mtk_restricted_heap_data *data,
				uint32_t command, struct rh_tee_param *params,
				uint32_t *ret_result)
{
	struct rh_tee_ioctl_invoke_arg arg = { 0 };
	int ret;

	arg.num_params = RH_MTK_TEE_PARAM_NUM;
	arg.session = data->tee_session;
	arg.func = command;

	ret = rh_tee_client_invoke_func(data->tee_ctx, &arg, params);
	if (ret_result)
		*ret_result = ret < 0 ? RH_TEEC_ERROR_COMMUNICATION : arg.ret;
	if (ret < 0 || arg.ret) {
		rh_err(data->plat, "rheap_mtk: cmd 0x%x ret %d:%x", command, ret,
		       arg.ret);
		if (!ret && arg.ret == RH_TEEC_ERROR_TARGET_DEAD)
			atomic_store(&data->tee_dead, true);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Queue a FREE for heap_init to send again; 0, or -ENOMEM (then it is lost). */
static int mtk_defer_free(struct mtk_restricted_heap_data *data,
			  uint64_t restricted_addr, uint64_t size)
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
	data->nr_pending++;
	data->pending_bytes += size;
	atomic_store(&data->pending_hint, data->nr_pending);
out_unlock:
	pthread_mutex_unlock(&data->lock);
	return ret;
}

/*
 * Mirrors: mtk_tee_secmem_free(). The call's own failure is logged by the
 * service call, a non-zero TA status here; both are counted and, as in
 * v5, otherwise ignored. Fixed: a FREE that cannot have reached a live TA
 * (no session, TARGET_DEAD, failed transport) is queued and sent again by
 * the next heap_init (*@ret_deferred true); for such a @retry, an unknown
 * handle means the first one was delivered after all. The handle is no
 * longer the heap's once FREE is not deferred. tee_lock held for reading.
 */
static int mtk_tee_secmem_free(struct mtk_restricted_heap_data *data,
			       uint64_t restricted_addr, uint64_t size,
			       bool retry, bool *ret_deferred)
{
	struct rh_tee_param params[RH_MTK_TEE_PARAM_NUM] = { 0 };
	uint32_t result = RH_TEEC_ERROR_TARGET_DEAD;
	int ret = -ENODEV;

	*ret_deferred = false;
	if (data->tee_ctx) {
		params[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
		params[0].u.value.a = restricted_addr;
		params[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;

		ret = mtk_tee_service_call(data, RH_MTK_TZCMD_SECMEM_FREE, params, &result);
		ctr_inc(data->frees);
	}
	if (ret && (result == RH_TEEC_ERROR_TARGET_DEAD ||
		    result == RH_TEEC_ERROR_COMMUNICATION)) {
		if (!mtk_defer_free(data, restricted_addr, size)) {
			rh_warn(data->plat, "rheap_mtk: SECMEM_FREE buffer(0x%" PRIx64 ") deferred until the TA can be reached",
				restricted_addr);
			*ret_deferred = true;
			return ret;
		}
		rh_err(data->plat, "rheap_mtk: SECMEM_FREE buffer(0x%" PRIx64 ") lost: no memory to retry it",
		       restricted_addr);
	}

	if (ret) {
		ctr_inc(data->free_failures);
	} else if (retry && params[1].u.value.a == RH_TEEC_ERROR_ITEM_NOT_FOUND) {
		rh_info(data->plat, "rheap_mtk: SECMEM_FREE buffer(0x%" PRIx64 ") had reached the TA",
			restricted_addr);
	} else if (params[1].u.value.a) {
		rh_err(data->plat, "rheap_mtk: SECMEM_FREE buffer(0x%" PRIx64 ") fail(%" PRId64 ") from TEE",
		       restricted_addr, (int64_t)params[1].u.value.a);
		ctr_inc(data->free_failures);
		ret = -EINVAL;
	}
	ctr_sub(data->tee_buffers, 1);
	ctr_sub(data->tee_bytes, size);
	return ret;
}

/* The CMA region goes back when no buffer and no deferred FREE holds it; under lock. */
static void mtk_cma_release_if_unused(struct mtk_restricted_heap_data *data)
{
	struct rh_restricted_heap *rheap = data->rheap;

	if (!data->cma_held || data->cma_used_size || data->pending_bytes)
		return;
	/* The TEE scrubbed and unprotected the region at its last FREE. */
	if (!rh_cma_release(rheap->cma, data->cma_page,
			    (unsigned long)(rheap->cma_size >> RH_PAGE_SHIFT)))
		rh_bug_lib(data->plat, "rheap_mtk: cma_release of the whole region failed");
	data->cma_held = false;
	data->cma_releases++;
	RH_TRACE(data->plat, RH_TRACE_REGION_RECLAIM, .name = rh_cma_get_name(rheap->cma),
		 .pa = data->cma_page, .size = rheap->cma_size);
}

/* Send the deferred FREEs again (heap_init, after the session is fine). */
static void mtk_retry_pending_frees(struct mtk_restricted_heap_data *data)
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

	pthread_rwlock_rdlock(&data->tee_lock);
	for (i = 0; i < nr; i++) {
		/* A lost answer the first time: ITEM_NOT_FOUND now, gone all the same. */
		mtk_tee_secmem_free(data, pending[i].handle, pending[i].size, true, &deferred);
		pthread_mutex_lock(&data->lock);
		/* Deferred again: counted again by mtk_defer_free(). */
		data->pending_bytes -= pending[i].size;
		mtk_cma_release_if_unused(data);
		pthread_mutex_unlock(&data->lock);
	}
	pthread_rwlock_unlock(&data->tee_lock);
	rh_free(pending);
}

/* Mirrors: mtk_restricted_heap_init(), the heap_init op. */
static int mtk_restricted_heap_init(struct rh_restricted_heap *rheap)
{
	struct mtk_restricted_heap_data *data = rheap->priv_data;
	int ret;

	/* Only heap_init writes tee_ctx, and the core serialises it. */
	if (!data->tee_ctx || atomic_load(&data->tee_dead)) {
		pthread_rwlock_wrlock(&data->tee_lock);
		if (data->tee_ctx) {
			rh_warn(data->plat, "rheap_mtk: %s: the secure memory TA died, reopening its session",
				rheap->name);
			mtk_tee_session_close(data);
		}
		ret = mtk_tee_session_init(data);
		pthread_rwlock_unlock(&data->tee_lock);

		if (ret) {
			ctr_inc(data->tee_init_failures);
			return ret;
		}
		ctr_inc(data->tee_inits);
	}

	if (atomic_load(&data->pending_hint))
		mtk_retry_pending_frees(data);
	return 0;
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
static int mtk_tee_restrict_memory(struct rh_restricted_heap *rheap,
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
		/* The whole region, with every allocation. */
		params[2].u.value.a = rheap->cma_paddr;
		params[2].u.value.b = rheap->cma_size;
	}
	params[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;

	/* Allocate the zeroed secure memory */
	ret = mtk_tee_service_call(data, RH_MTK_TZCMD_SECMEM_ZALLOC, params, NULL);
	if (ret) {
		ctr_inc(data->zalloc_failures);
		ret = -ENOMEM;
		goto out_unlock;
	}
	ctr_inc(data->zallocs);
	ctr_inc(data->tee_buffers);
	ctr_add(data->tee_bytes, buf->size);

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
		/* 1 entry means the buffer is contiguous: the PA comes with ZALLOC. */
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
	pthread_rwlock_unlock(&data->tee_lock);
	return 0;

err_free_secmem:
	mtk_tee_secmem_free(data, restricted_addr, buf->size, false, &deferred);
out_unlock:
	pthread_rwlock_unlock(&data->tee_lock);
	return ret;
}

/* Mirrors: mtk_tee_unrestrict_memory(), the unrestrict_buf op. */
static void mtk_tee_unrestrict_memory(struct rh_restricted_heap *rheap,
				      struct rh_restricted_buffer *buf)
{
	struct mtk_restricted_heap_data *data = rheap->priv_data;
	bool deferred;

	rh_sg_free_table(&buf->sg_table);

	pthread_rwlock_rdlock(&data->tee_lock);
	mtk_tee_secmem_free(data, buf->restricted_addr, buf->size, false, &deferred);
	pthread_rwlock_unlock(&data->tee_lock);
}

/* ------------------------------------------------------------ alloc / free */

static int mtk_restricted_memory_allocate(struct rh_restricted_heap *rheap,
					  struct rh_restricted_buffer *buf)
{
	/* The memory allocating is within the TEE. */
	return 0;
}

static void mtk_restricted_memory_free(struct rh_restricted_heap *rheap,
				       struct rh_restricted_buffer *buf)
{
}

/* Mirrors: mtk_restricted_memory_cma_allocate() */
static int mtk_restricted_memory_cma_allocate(struct rh_restricted_heap *rheap,
					      struct rh_restricted_buffer *buf)
{
	struct mtk_restricted_heap_data *data = rheap->priv_data;
	rh_phys_addr_t pa;
	int ret = 0;

	pthread_mutex_lock(&data->lock);
	/*
	 * Fixed: v5 does not check the first buffer, and answers a full
	 * region with -EINVAL. A full region is out of memory: -ENOMEM, as
	 * v5 itself ends up answering for a first buffer larger than the
	 * region (the TEE's OOM) and as later MTK versions answer here; a
	 * player then falls back to a smaller resolution (perf.md §5, T2).
	 */
	if (buf->size > rheap->cma_size - data->cma_used_size - data->pending_bytes) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	/* v5 tests cma_used_size == 0: the same unless a FREE is deferred. */
	if (!data->cma_held) {
		/*
		 * Allocate CMA only when allocating buffer for the first time, and just
		 * increase cma_used_size at the other time, Actually the memory
		 * allocating is within the TEE.
		 */
		if (rh_cma_alloc(rheap->cma, (unsigned long)(rheap->cma_size >> RH_PAGE_SHIFT),
				 0, &pa)) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		data->cma_page = pa;
		data->cma_held = true;
		data->cma_allocs++;
		RH_TRACE(data->plat, RH_TRACE_REGION_LEND, .name = rh_cma_get_name(rheap->cma),
			 .pa = pa, .size = rheap->cma_size);
	}
	data->cma_used_size += buf->size;
out_unlock:
	pthread_mutex_unlock(&data->lock);
	return ret;
}

/* Mirrors: mtk_restricted_memory_cma_free() */
static void mtk_restricted_memory_cma_free(struct rh_restricted_heap *rheap,
					   struct rh_restricted_buffer *buf)
{
	struct mtk_restricted_heap_data *data = rheap->priv_data;

	pthread_mutex_lock(&data->lock);
	assert(data->cma_held && data->cma_used_size >= buf->size);
	data->cma_used_size -= buf->size;
	mtk_cma_release_if_unused(data);
	pthread_mutex_unlock(&data->lock);
}

static const struct rh_restricted_heap_ops mtk_restricted_heap_ops = {
	.heap_init = mtk_restricted_heap_init,
	.alloc = mtk_restricted_memory_allocate,
	.free = mtk_restricted_memory_free,
	.restrict_buf = mtk_tee_restrict_memory,
	.unrestrict_buf = mtk_tee_unrestrict_memory,
};

static const struct rh_restricted_heap_ops mtk_restricted_heap_ops_cma = {
	.heap_init = mtk_restricted_heap_init,
	.alloc = mtk_restricted_memory_cma_allocate,
	.free = mtk_restricted_memory_cma_free,
	.restrict_buf = mtk_tee_restrict_memory,
	.unrestrict_buf = mtk_tee_unrestrict_memory,
};

/* Mirrors: the static mtk_restricted_heaps[] array. */
static const struct {
	const char *name;
	const struct rh_restricted_heap_ops *ops;
	enum rh_mtk_secure_mem_type mem_type;
} mtk_restricted_heaps[MTK_NR_HEAPS] = {
	[MTK_HEAP_CM] = { RH_RESTRICTED_MTK_CM_NAME, &mtk_restricted_heap_ops,
			  RH_MTK_SECURE_MEMORY_TYPE_CM_TZ },
	[MTK_HEAP_CMA] = { RH_RESTRICTED_MTK_CMA_NAME, &mtk_restricted_heap_ops_cma,
			   RH_MTK_SECURE_MEMORY_TYPE_CM_CMA },
};

/* ------------------------------------------------------------ boot */

/*
 * Mirrors: mtk_restricted_cma_init(), the RESERVEDMEM_OF_DECLARE hook for
 * "mediatek,dynamic-restricted-region": called for every matching node,
 * so the last one wins (the kernel leaks the earlier area; we free it).
 */
static int mtk_restricted_cma_init(struct rh_restricted_mtk *mtk,
				   const struct rh_reserved_region *rmem)
{
	struct rh_restricted_heap *rheap = NULL;
	struct mtk_restricted_heap_data *data = NULL;
	struct rh_cma *cma;
	unsigned int i;
	int ret;

	for (i = 0; i < MTK_NR_HEAPS; i++) {
		if (mtk->data[i].mem_type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA) {
			rheap = &mtk->heaps[i];
			data = &mtk->data[i];
			break;
		}
	}
	if (!rheap)
		return -EINVAL;

	ret = rh_cma_init_reserved_mem(mtk->plat, rmem->base, rmem->size, 0,
				       rmem->name, &cma);
	if (ret) {
		rh_err(mtk->plat, "rheap_mtk: %s: %s set up CMA fail. ret %d.",
		       __func__, rmem->name, ret);
		return ret;
	}

	rh_cma_destroy(rheap->cma);
	rheap->cma = cma;
	rheap->cma_paddr = rmem->base;
	rheap->cma_size = rmem->size;
	data->region_base = rmem->base;
	data->region_size = rmem->size;
	return 0;
}

static void mtk_heap_data_init(struct rh_restricted_mtk *mtk, unsigned int i)
{
	const struct rh_platform_desc *desc = &mtk->plat->desc;
	struct mtk_restricted_heap_data *data = &mtk->data[i];
	const struct rh_reserved_region *chunk;

	data->plat = mtk->plat;
	data->rheap = &mtk->heaps[i];
	data->mem_type = mtk_restricted_heaps[i].mem_type;
	pthread_rwlock_init(&data->tee_lock, NULL);
	pthread_mutex_init(&data->lock, NULL);

	/*
	 * The chunk heap's PAs must lie in the TEE's static chunk; a platform
	 * without one can only be checked against DRAM.
	 */
	chunk = rh_phys_reserved_find_compatible(mtk->plat, RH_MTK_SECURE_CHUNK_COMPATIBLE);
	if (chunk && data->mem_type == RH_MTK_SECURE_MEMORY_TYPE_CM_TZ) {
		data->region_base = chunk->base;
		data->region_size = chunk->size;
	} else {
		data->region_base = desc->dram_base;
		data->region_size = desc->dram_size;
	}

	mtk->heaps[i].name = mtk_restricted_heaps[i].name;
	mtk->heaps[i].ops = mtk_restricted_heaps[i].ops;
	mtk->heaps[i].priv_data = data;
}

/* Mirrors: mtk_restricted_heap_initialize(), the module_init. */
int rh_restricted_mtk_init(struct rh_platform *plat)
{
	const struct rh_platform_desc *desc = &plat->desc;
	struct rh_restricted_mtk *mtk;
	struct rh_restricted_heap *rheap;
	unsigned int i;
	int ret;

	mtk = rh_zalloc(sizeof(*mtk));
	if (!mtk)
		return -ENOMEM;
	mtk->plat = plat;
	for (i = 0; i < MTK_NR_HEAPS; i++)
		mtk_heap_data_init(mtk, i);

	/* Early boot: the reserved-memory hook, before module_init. */
	for (i = 0; i < desc->nr_reserved; i++)
		if (!strcmp(desc->reserved[i].compatible, RH_MTK_DYNAMIC_REGION_COMPATIBLE))
			mtk_restricted_cma_init(mtk, &desc->reserved[i]);

	for (i = 0; i < MTK_NR_HEAPS; i++) {
		rheap = &mtk->heaps[i];
		/* Without a CMA region there is no CMA heap. */
		if (mtk->data[i].mem_type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA && !rheap->cma)
			continue;
		ret = rh_restricted_heap_add(plat, rheap);
		if (ret) {
			/* The seed ignores the error; say so at least. */
			rh_err(plat, "rheap_mtk: %s: registration failed: %d", rheap->name, ret);
			continue;
		}
		mtk->registered[i] = true;
	}

	plat->restricted_mtk = mtk;
	return 0;
}

void rh_restricted_mtk_fini(struct rh_platform *plat)
{
	struct rh_restricted_mtk *mtk = plat->restricted_mtk;
	struct mtk_restricted_heap_data *data;
	unsigned int i;

	if (!mtk)
		return;
	for (i = 0; i < MTK_NR_HEAPS; i++) {
		data = &mtk->data[i];
		/* Last chance for the deferred FREEs, through heap_init. */
		if (data->nr_pending && mtk->registered[i])
			mtk_restricted_heap_init(&mtk->heaps[i]);
		if (data->nr_pending)
			rh_err(plat, "rheap_mtk: %s: %u buffers left in the TEE (FREE never delivered)",
			       mtk->heaps[i].name, data->nr_pending);
		rh_free(data->pending);
		/* The seed never closes them; the platform goes, so do they. */
		if (data->tee_ctx)
			mtk_tee_session_close(data);
		if (data->cma_held)
			rh_err(plat, "rheap_mtk: %s: %" PRIu64 " bytes of buffers leaked, region still lent",
			       mtk->heaps[i].name, data->cma_used_size);
		rh_cma_destroy(mtk->heaps[i].cma);
		pthread_mutex_destroy(&data->lock);
		pthread_rwlock_destroy(&data->tee_lock);
		if (mtk->registered[i])
			pthread_mutex_destroy(&mtk->heaps[i].init_lock);
	}
	rh_free(mtk);
	plat->restricted_mtk = NULL;
}

RH_EXPORT int rh_restricted_mtk_get_stats(struct rh_platform *plat,
					  const char *name,
					  struct rh_restricted_mtk_stats *ret_stats)
{
	struct rh_restricted_mtk_stats st = { 0 };
	struct mtk_restricted_heap_data *data;
	struct rh_restricted_heap *rheap;
	struct rh_restricted_mtk *mtk;
	unsigned int i;

	if (!plat || !name || !ret_stats)
		return -EINVAL;
	mtk = plat->restricted_mtk;
	if (!mtk)
		return -ENOENT;
	for (i = 0; i < MTK_NR_HEAPS; i++)
		if (mtk->registered[i] && !strcmp(mtk->heaps[i].name, name))
			break;
	if (i == MTK_NR_HEAPS)
		return -ENOENT;
	rheap = &mtk->heaps[i];
	data = &mtk->data[i];

	st.mem_type = data->mem_type;
	pthread_rwlock_rdlock(&data->tee_lock);
	st.tee_open = data->tee_ctx != NULL;
	st.tee_session = data->tee_session;
	pthread_rwlock_unlock(&data->tee_lock);
	st.tee_inits = ctr_get(data->tee_inits);
	st.tee_init_failures = ctr_get(data->tee_init_failures);
	st.region_base = data->region_base;
	st.region_size = data->region_size;
	st.has_cma = rheap->cma != NULL;
	st.cma_paddr = rheap->cma_paddr;
	st.cma_size = rheap->cma_size;
	pthread_mutex_lock(&data->lock);
	st.cma_used_size = data->cma_used_size;
	st.cma_held = data->cma_held;
	st.cma_allocs = data->cma_allocs;
	st.cma_releases = data->cma_releases;
	st.pending_frees = data->nr_pending;
	st.pending_bytes = data->pending_bytes;
	pthread_mutex_unlock(&data->lock);
	st.tee_buffers = ctr_get(data->tee_buffers);
	st.tee_bytes = ctr_get(data->tee_bytes);
	st.zallocs = ctr_get(data->zallocs);
	st.zalloc_failures = ctr_get(data->zalloc_failures);
	st.retrieve_sgs = ctr_get(data->retrieve_sgs);
	st.tee_errors = ctr_get(data->tee_errors);
	st.invalid_layouts = ctr_get(data->invalid_layouts);
	st.frees = ctr_get(data->frees);
	st.free_failures = ctr_get(data->free_failures);
	*ret_stats = st;
	return 0;
}
