// SPDX-License-Identifier: MIT
/* OP-TEE driver: dynamic protected-memory pools, lent to the secure world on demand (drivers/tee/optee/protmem.c). */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include <rheap/tee-heap.h>
#include <rheap/tee-protmem.h>
#include <rheap/tee.h>

#include "internal.h"
#include "lib/genalloc.h"
#include "mm/cma.h"
#include "tee/optee/optee.h"
#include "tee/tee-heap.h"
#include "tee/tee-internal.h"
#include "trace/trace.h"

/*
 * Linux 6.18's drivers/tee/optee/protmem.c with the SMC ABI's lend and
 * reclaim (smc_abi.c): a pool per use case. Creating it asks the secure
 * world for the use case's configuration (GET_PROTMEM_CONFIG, first for
 * the size of the attribute array, then for the array). The first buffer
 * takes min_size bytes of DMA memory (the default CMA area), records the
 * hand-over, lends them (LEND_PROTMEM) and sub-allocates them with a
 * gen_pool; the last buffer's free reclaims them (RECLAIM_PROTMEM) and
 * gives them back to CMA. Buffers are not zeroed: the CPU cannot reach
 * them, and what they hold is what this use case's earlier buffers left
 * (or what the normal world had there before the lend); the secure world
 * scrubs at reclaim.
 *
 * Departures from upstream (docs/kernel-map.md):
 * - what the secure world answers is checked (a minimum size that is a
 *   whole number of pages and fits the DMA memory, a power-of-two
 *   alignment, a PA width of 1..64, at most RH_TEE_HEAP_MAX_ATTRS
 *   attributes), and the lend honours the reported alignment (upstream
 *   ignores it and relies on CMA's natural alignment);
 * - a reclaim the secure world refuses (BUSY: a TA still holds the
 *   memory) leaves the chunk lent and in use by the pool, instead of
 *   handing protected memory back to Linux; the next buffer uses it and
 *   the last one tries again;
 * - the buffer count is kept under the pool's mutex (upstream's
 *   refcount_inc_not_zero() outside it can revive a pool being torn
 *   down).
 */

/* Of the secure world's answer: more attributes than this is nonsense. */
#define DYN_POOL_MAX_ATTRS RH_TEE_HEAP_MAX_ATTRS

struct optee_protmem_dyn_pool {
	struct rh_tee_protmem_pool pool;
	struct rh_optee_device *dev;
	uint32_t use_case;
	uint64_t min_size;
	uint64_t alignment;
	unsigned int pa_width;
	uint32_t mem_attrs[DYN_POOL_MAX_ATTRS];
	unsigned int mem_attr_count;
	/* Protects everything below (the kernel's mutex, plus the count). */
	pthread_mutex_t mutex;
	unsigned int refcount; /* live buffers */
	struct rh_gen_pool *gen_pool; /* non-NULL while lent */
	struct rh_tee_context *ctx;   /* the lend's, while lent */
	rh_phys_addr_t pa;
	uint64_t size;
	uint64_t cookie;
	uint64_t lends;
	uint64_t reclaims;
	uint64_t reclaim_failures;
	uint64_t quarantined; /* bytes of lends whose outcome is unknown */
};

static struct optee_protmem_dyn_pool *to_protmem_dyn_pool(struct rh_tee_protmem_pool *pool)
{
	return rh_container_of(pool, struct optee_protmem_dyn_pool, pool);
}

static struct rh_platform *pool_plat(const struct optee_protmem_dyn_pool *rp)
{
	return rp->dev->teedev.plat;
}

static int optee_ctx_match(struct rh_tee_ioctl_version_data *ver, const void *data)
{
	return ver->impl_id == RH_TEE_IMPL_ID_OPTEE;
}

/*
 * A context of the driver's own on the backend its device was probed on
 * (optee->ctx); NULL with *@ret_err when the backend is not there.
 */
static struct rh_tee_context *dev_context(struct rh_optee_device *dev, int *ret_err)
{
	struct rh_tee_context *ctx;

	ctx = rh_tee_context_open_internal(dev->teedev.plat, optee_ctx_match, NULL);
	if (RH_IS_ERR(ctx)) {
		*ret_err = (int)RH_PTR_ERR(ctx);
		return NULL;
	}
	if (!rh_tee_context_backend_is(ctx, dev->teedev.ops, dev->teedev.priv)) {
		/* The TEE this device was probed on is gone. */
		rh_tee_client_close_context(ctx);
		*ret_err = -ENODEV;
		return NULL;
	}
	return ctx;
}

/* ------------------------------------------------------------ messages */

/* A message of up to two parameters, on the stack. */
struct pm_msg {
	uint64_t words[RH_OPTEE_MSG_GET_ARG_SIZE(2) / sizeof(uint64_t)];
};

static struct rh_optee_msg_arg *pm_msg_init(struct pm_msg *m, uint32_t cmd, uint32_t num)
{
	struct rh_optee_msg_arg *a = (struct rh_optee_msg_arg *)m->words;

	memset(m, 0, sizeof(*m));
	a->cmd = cmd;
	a->num_params = num;
	return a;
}

/*
 * Mirrors: get_protmem_config(). @attrs NULL asks with a NULL memref.
 * Returns 0, -ENOSPC (SHORT_BUFFER: *@ma_count says how many), -EINVAL
 * (refused or answered badly), -EIO, -ENOMEM.
 */
static int get_protmem_config(struct rh_platform *plat, struct rh_tee_context *ctx,
			      uint32_t use_case,
			      uint64_t *min_size, uint64_t *alignment, unsigned int *pa_width,
			      uint32_t *attrs, unsigned int *ma_count)
{
	struct rh_tee_shm *shm_param = NULL;
	struct rh_optee_msg_arg *a;
	struct pm_msg m;
	uint64_t size, sent_attr;
	const uint32_t *va;
	unsigned int i;
	int rc;

	a = pm_msg_init(&m, RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG, 2);
	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	a->params[0].u.value.a = use_case;
	if (attrs && *ma_count) {
		shm_param = rh_tee_shm_alloc_kernel_buf(ctx, *ma_count * sizeof(*attrs));
		if (RH_IS_ERR(shm_param))
			return (int)RH_PTR_ERR(shm_param);
		a->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
		a->params[1].u.rmem.size = *ma_count * sizeof(*attrs);
		a->params[1].u.rmem.shm_ref = rh_tee_shm_cookie(shm_param);
	} else {
		/* A NULL memref: how many attributes are there? */
		a->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	}
	sent_attr = a->params[1].attr;
	rc = rh_tee_context_call(ctx, a);
	if (rc)
		goto out_free_shm;
	if (a->ret && a->ret != RH_TEEC_ERROR_SHORT_BUFFER) {
		rc = -EINVAL;
		goto out_free_shm;
	}
	/* The TEE may not turn a parameter into another kind (from_msg_param()). */
	if (a->params[0].attr != RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT ||
	    a->params[1].attr != sent_attr) {
		rh_bug_tee(plat, "optee: GET_PROTMEM_CONFIG answer changed "
			   "parameter types");
		rc = -EINVAL;
		goto out_free_shm;
	}
	/*
	 * A whole number of attributes, not more than a use case can have,
	 * and with success not more than were room for (none in a NULL
	 * memref: success then says there are none).
	 */
	size = a->params[1].u.rmem.size;
	if (size % sizeof(*attrs) || size / sizeof(*attrs) > DYN_POOL_MAX_ATTRS ||
	    (!a->ret && size / sizeof(*attrs) > (attrs ? *ma_count : 0))) {
		rh_bug_tee(plat, "optee: GET_PROTMEM_CONFIG reports "
			   "%" PRIu64 " bytes of attributes", size);
		rc = -EINVAL;
		goto out_free_shm;
	}
	*min_size = a->params[0].u.value.a;
	*alignment = a->params[0].u.value.b;
	*pa_width = (unsigned int)a->params[0].u.value.c;
	*ma_count = (unsigned int)(size / sizeof(*attrs));
	if (a->ret == RH_TEEC_ERROR_SHORT_BUFFER) {
		rc = -ENOSPC;
		goto out_free_shm;
	}
	if (attrs && *ma_count) {
		va = rh_tee_shm_get_va(shm_param, 0);
		for (i = 0; i < *ma_count; i++)
			attrs[i] = le32toh(va[i]);
	}
out_free_shm:
	rh_tee_shm_put(shm_param);
	return rc;
}

/* Mirrors: optee_smc_lend_protmem() */
static int lend_protmem(struct optee_protmem_dyn_pool *rp)
{
	struct rh_optee_msg_arg *a;
	struct pm_msg m;
	int rc;

	a = pm_msg_init(&m, RH_OPTEE_MSG_CMD_LEND_PROTMEM, 2);
	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	a->params[0].u.value.a = rp->use_case;
	a->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	a->params[1].u.tmem.buf_ptr = rp->pa;
	a->params[1].u.tmem.size = rp->size;
	a->params[1].u.tmem.shm_ref = rp->cookie;
	rc = rh_tee_context_call(rp->ctx, a);
	if (rc)
		return rc;
	if (a->ret != RH_TEEC_SUCCESS) {
		rh_err(pool_plat(rp), "optee: LEND_PROTMEM of %s: %s", rh_tee_dma_heap_name(rp->use_case),
		       rh_tee_result_name(a->ret));
		/* Upstream says -EINVAL to everything; out of memory is worth telling. */
		return a->ret == RH_TEEC_ERROR_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
	}
	return 0;
}

/* Mirrors: optee_smc_reclaim_protmem() */
static int reclaim_protmem(struct optee_protmem_dyn_pool *rp)
{
	struct rh_optee_msg_arg *a;
	struct pm_msg m;
	int rc;

	a = pm_msg_init(&m, RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM, 1);
	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	a->params[0].u.rmem.shm_ref = rp->cookie;
	rc = rh_tee_context_call(rp->ctx, a);
	if (rc)
		return rc;
	/*
	 * Nothing lent under the cookie: an earlier reclaim whose answer was
	 * lost did the work, or a lend whose answer was lost never happened.
	 * Either way the memory is the normal world's.
	 */
	if (a->ret == RH_TEEC_ERROR_ITEM_NOT_FOUND)
		return 0;
	if (a->ret != RH_TEEC_SUCCESS) {
		rh_err(pool_plat(rp), "optee: RECLAIM_PROTMEM of %s: %s",
		       rh_tee_dma_heap_name(rp->use_case), rh_tee_result_name(a->ret));
		return rh_tee_result_to_errno(a->ret);
	}
	return 0;
}

/* ------------------------------------------------------------ lend / reclaim */

static unsigned int align_order(uint64_t alignment)
{
	unsigned int order = 0;

	while ((RH_PAGE_SIZE << order) < alignment)
		order++;
	return order;
}

/*
 * Mirrors: init_dyn_protmem(); under rp->mutex. The gen_pool is made
 * before the lend (upstream makes it after): a failure then needs no
 * reclaim, which the secure world might refuse.
 */
static int init_dyn_protmem(struct optee_protmem_dyn_pool *rp)
{
	struct rh_platform *plat = pool_plat(rp);
	struct rh_cma *cma = rp->dev->optee->dma_cma;
	struct rh_gen_pool *gen_pool;
	int rc;

	/* tee_shm_alloc_dma_mem(): the DMA memory of the OP-TEE device. */
	if (!cma)
		return -ENOMEM;
	rc = rh_cma_alloc(cma, (unsigned long)(rp->min_size >> RH_PAGE_SHIFT),
			  align_order(rp->alignment), &rp->pa);
	if (rc)
		return -ENOMEM;
	rp->size = rp->min_size;
	rc = rh_gen_pool_create(plat, RH_PAGE_SHIFT, rp->pa, rp->size, &gen_pool);
	if (rc)
		goto err_release_cma;
	/* Out of Linux's hands from here: say so, the secure world checks. */
	rc = rh_platform_lend_region(plat, rp->pa, rp->size, RH_LEND_TEE_DRIVER);
	if (rc)
		goto err_destroy_pool;
	rp->ctx = dev_context(rp->dev, &rc);
	if (!rp->ctx)
		goto err_unrecord;
	/* Cookies are platform-wide, as shm cookies: the TEE sees them all. */
	rp->cookie = atomic_fetch_add_explicit(&plat->tee_next_shm_cookie, 1,
					       memory_order_relaxed) + 1;
	rc = lend_protmem(rp);
	if (rc && reclaim_protmem(rp)) {
		/*
		 * The lend failed, and the secure world does not confirm it
		 * holds nothing under the cookie (no answer, or an error
		 * answer that may be a lost reply of a lend that happened).
		 * The memory must not return to Linux protected: quarantined
		 * (still recorded as lent, out of CMA) for the platform's life.
		 */
		rh_err(plat, "optee: %s: 0x%" PRIx64 "+0x%" PRIx64 " may still be lent: "
		       "quarantined", rh_tee_dma_heap_name(rp->use_case), rp->pa, rp->size);
		rh_gen_pool_destroy(gen_pool);
		rh_tee_client_close_context(rp->ctx);
		rp->ctx = NULL;
		rp->quarantined += rp->size;
		rp->pa = 0;
		rp->size = 0;
		return rc;
	}
	if (rc)
		goto err_close;
	rp->gen_pool = gen_pool;
	rp->lends++;
	RH_TRACE(plat, RH_TRACE_REGION_LEND, .name = rh_tee_dma_heap_name(rp->use_case),
		 .pa = rp->pa, .size = rp->size);
	return 0;

err_close:
	rh_tee_client_close_context(rp->ctx);
	rp->ctx = NULL;
err_unrecord:
	rh_platform_reclaim_region(plat, rp->pa, rp->size);
err_destroy_pool:
	rh_gen_pool_destroy(gen_pool);
err_release_cma:
	rh_cma_release(cma, rp->pa, (unsigned long)(rp->size >> RH_PAGE_SHIFT));
	rp->pa = 0;
	rp->size = 0;
	return rc;
}

/* Mirrors: release_dyn_protmem(); under rp->mutex, no buffer left. */
static void release_dyn_protmem(struct optee_protmem_dyn_pool *rp)
{
	struct rh_platform *plat = pool_plat(rp);
	int rc;

	rc = reclaim_protmem(rp);
	if (rc) {
		/*
		 * Upstream hands the memory back to Linux anyway. It may still
		 * be protected (a TA holds it): keep it lent and in the pool;
		 * the next buffer uses it, the last one tries again.
		 */
		rp->reclaim_failures++;
		rh_warn(plat, "optee: %s: the secure world kept its memory (%s): still lent",
			rh_tee_dma_heap_name(rp->use_case), strerror(-rc));
		return;
	}
	rp->reclaims++;
	rh_gen_pool_destroy(rp->gen_pool);
	rp->gen_pool = NULL;
	rh_tee_client_close_context(rp->ctx);
	rp->ctx = NULL;
	rh_platform_reclaim_region(plat, rp->pa, rp->size);
	rh_cma_release(rp->dev->optee->dma_cma, rp->pa, (unsigned long)(rp->size >> RH_PAGE_SHIFT));
	RH_TRACE(plat, RH_TRACE_REGION_RECLAIM, .name = rh_tee_dma_heap_name(rp->use_case),
		 .pa = rp->pa, .size = rp->size);
	rp->pa = 0;
	rp->size = 0;
}

/* Mirrors: get_dyn_protmem(), the count under the mutex. */
static int get_dyn_protmem(struct optee_protmem_dyn_pool *rp)
{
	int rc = 0;

	pthread_mutex_lock(&rp->mutex);
	if (!rp->gen_pool)
		rc = init_dyn_protmem(rp);
	if (!rc)
		rp->refcount++;
	pthread_mutex_unlock(&rp->mutex);
	return rc;
}

/* Mirrors: put_dyn_protmem() */
static void put_dyn_protmem(struct optee_protmem_dyn_pool *rp)
{
	pthread_mutex_lock(&rp->mutex);
	if (!--rp->refcount && rp->gen_pool)
		release_dyn_protmem(rp);
	pthread_mutex_unlock(&rp->mutex);
}

/* ------------------------------------------------------------ pool ops */

static int protmem_pool_op_dyn_alloc(struct rh_tee_protmem_pool *pool,
				     struct rh_sg_table *sgt, size_t size, size_t *offs)
{
	struct optee_protmem_dyn_pool *rp = to_protmem_dyn_pool(pool);
	size_t sz = RH_ALIGN_UP(size, RH_PAGE_SIZE);
	rh_phys_addr_t pa;
	int rc;

	rc = get_dyn_protmem(rp);
	if (rc)
		return rc;
	pa = rh_gen_pool_alloc(rp->gen_pool, sz);
	if (!pa) {
		rc = -ENOMEM;
		goto err_put;
	}
	rc = rh_tee_protmem_one_entry_table(sgt, pa, size);
	if (rc)
		goto err_free;
	*offs = (size_t)(pa - rp->pa);
	return 0;

err_free:
	rh_gen_pool_free(rp->gen_pool, pa, sz);
err_put:
	put_dyn_protmem(rp);
	return rc;
}

static void protmem_pool_op_dyn_free(struct rh_tee_protmem_pool *pool,
				     struct rh_sg_table *sgt)
{
	struct optee_protmem_dyn_pool *rp = to_protmem_dyn_pool(pool);
	struct rh_scatterlist *sg;
	unsigned int i;

	rh_for_each_sgtable_sg(sgt, sg, i)
		rh_gen_pool_free(rp->gen_pool, rh_sg_phys(sg),
				 RH_ALIGN_UP((size_t)sg->length, RH_PAGE_SIZE));
	rh_sg_free_table(sgt);
	put_dyn_protmem(rp);
}

static int protmem_pool_op_dyn_update_shm(struct rh_tee_protmem_pool *pool,
					  struct rh_sg_table *sgt, size_t offs,
					  struct rh_tee_protmem_ref *ret_ref)
{
	struct optee_protmem_dyn_pool *rp = to_protmem_dyn_pool(pool);

	/* A live buffer keeps the chunk lent: its cookie stands. */
	pthread_mutex_lock(&rp->mutex);
	ret_ref->parent_cookie = rp->cookie;
	ret_ref->paddr = 0;
	pthread_mutex_unlock(&rp->mutex);
	return 0;
}

static void pool_op_dyn_destroy_pool(struct rh_tee_protmem_pool *pool)
{
	struct optee_protmem_dyn_pool *rp = to_protmem_dyn_pool(pool);

	pthread_mutex_lock(&rp->mutex);
	/* Only a chunk whose reclaim was refused is still lent: one last try. */
	if (rp->gen_pool)
		release_dyn_protmem(rp);
	if (rp->gen_pool)
		rh_err(pool_plat(rp), "optee: %s: pool destroyed with its memory still lent",
		       rh_tee_dma_heap_name(rp->use_case));
	pthread_mutex_unlock(&rp->mutex);
	pthread_mutex_destroy(&rp->mutex);
	rh_tee_device_put(&rp->dev->teedev);
	rh_free(rp);
}

static void protmem_pool_op_dyn_get_stats(struct rh_tee_protmem_pool *pool,
					  struct rh_tee_heap_stats *st)
{
	struct optee_protmem_dyn_pool *rp = to_protmem_dyn_pool(pool);

	st->dynamic = true;
	st->min_size = rp->min_size;
	st->nr_mem_attrs = rp->mem_attr_count;
	memcpy(st->mem_attrs, rp->mem_attrs, sizeof(rp->mem_attrs[0]) * rp->mem_attr_count);
	pthread_mutex_lock(&rp->mutex);
	st->lent = rp->gen_pool != NULL;
	st->base = rp->pa;
	st->size = rp->size;
	st->lends = rp->lends;
	st->reclaims = rp->reclaims;
	st->reclaim_failures = rp->reclaim_failures;
	st->quarantined = rp->quarantined;
	pthread_mutex_unlock(&rp->mutex);
}

static const struct rh_tee_protmem_pool_ops protmem_pool_ops_dyn = {
	.alloc = protmem_pool_op_dyn_alloc,
	.free = protmem_pool_op_dyn_free,
	.update_shm = protmem_pool_op_dyn_update_shm,
	.destroy_pool = pool_op_dyn_destroy_pool,
	.get_stats = protmem_pool_op_dyn_get_stats,
};

/* The secure world's answer must make a pool the driver can lend. */
static int check_config(struct optee_protmem_dyn_pool *rp)
{
	struct rh_cma *cma = rp->dev->optee->dma_cma;

	if (!rp->min_size || !RH_IS_ALIGNED(rp->min_size, RH_PAGE_SIZE) ||
	    rp->alignment & (rp->alignment - 1) || !rp->pa_width || rp->pa_width > 64 ||
	    (cma && rp->min_size > rh_cma_get_size(cma))) {
		rh_bug_tee(pool_plat(rp), "optee: %s: unusable configuration: min size 0x%" PRIx64
			   ", alignment 0x%" PRIx64 ", PA width %u",
			   rh_tee_dma_heap_name(rp->use_case), rp->min_size, rp->alignment,
			   rp->pa_width);
		return -EINVAL;
	}
	return 0;
}

struct rh_tee_protmem_pool *rh_optee_protmem_alloc_dyn_pool(struct rh_optee_device *dev,
							     uint32_t id)
{
	struct optee_protmem_dyn_pool *rp;
	struct rh_tee_context *ctx;
	int rc;

	rp = rh_zalloc(sizeof(*rp));
	if (!rp)
		return RH_ERR_PTR(-ENOMEM);
	rp->dev = dev;
	rp->use_case = id;
	ctx = dev_context(dev, &rc);
	if (!ctx)
		goto err_free;
	rc = get_protmem_config(dev->teedev.plat, ctx, id, &rp->min_size, &rp->alignment,
				&rp->pa_width, NULL, &rp->mem_attr_count);
	if (rc == -ENOSPC)
		rc = get_protmem_config(dev->teedev.plat, ctx, id, &rp->min_size, &rp->alignment,
					&rp->pa_width, rp->mem_attrs, &rp->mem_attr_count);
	rh_tee_client_close_context(ctx);
	if (!rc)
		rc = check_config(rp);
	if (rc)
		goto err_free;
	rp->pool.ops = &protmem_pool_ops_dyn;
	pthread_mutex_init(&rp->mutex, NULL);
	rh_tee_device_get(&dev->teedev);
	return &rp->pool;

err_free:
	rh_free(rp);
	return RH_ERR_PTR(rc);
}
