// SPDX-License-Identifier: MIT
/* MediaTek restricted heaps: heap table, CMA accounting, boot, stats (seed 7-9/9); TEE side in -tee.c. */
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

#include "mm/cma.h"
#include "dma-buf/heaps/mtk-internal.h"
#include "internal.h"
#include "trace/trace.h"

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
 *   allocation instead of being used forever, and a FREE the TA did not
 *   answer itself (dead TA, failed transport, a refusal by the TEE) is
 *   sent again then, so the secure world does not keep the buffer; the
 *   CMA region is released only once those FREEs went through;
 * - exact under every TEE fault: once no buffer is left, the heap sends
 *   its deferred FREEs again and recycles a session that may own memory
 *   it does not know of (a lost ZALLOC answer, a FREE the TA failed), so
 *   the TA releases it (restricted-mtk-tee.c, mtk_tee_settle_if_idle()).
 */

#define MTK_HEAP_CM 0
#define MTK_HEAP_CMA 1
#define MTK_NR_HEAPS 2

/* The per-platform instance of the driver (the seed's static array). */
struct rh_restricted_mtk {
	struct rh_platform *plat;
	struct rh_restricted_heap heaps[MTK_NR_HEAPS];
	struct mtk_restricted_heap_data data[MTK_NR_HEAPS];
	bool registered[MTK_NR_HEAPS];
};

/* ------------------------------------------------------------ alloc / free */

static int mtk_restricted_memory_allocate(struct rh_restricted_heap *rheap,
					  struct rh_restricted_buffer *buf)
{
	/* Nothing to take here: the TA carves CM_TZ buffers out of its own chunk. */
	return 0;
}

static void mtk_restricted_memory_free(struct rh_restricted_heap *rheap,
				       struct rh_restricted_buffer *buf)
{
}

/*
 * The CMA region goes back when no buffer and no deferred FREE holds it,
 * and (not in v5) once the TA has said it scrubbed and unprotected it: the
 * heap believes the secure world, not its own count. Under lock.
 */
void mtk_cma_release_if_unused(struct mtk_restricted_heap_data *data)
{
	struct rh_restricted_heap *rheap = data->rheap;

	if (!data->cma_held || data->cma_used_size || data->pending_bytes)
		return;
	if (data->unlent_through < data->lend_seen) {
		rh_warn(data->plat, "rheap_mtk: %s: no buffer left, but the TA has not given the region back: kept",
			rheap->name);
		return;
	}
	if (!rh_cma_release(rheap->cma, data->cma_page,
			    (unsigned long)(rheap->cma_size >> RH_PAGE_SHIFT)))
		rh_bug_lib(data->plat, "rheap_mtk: cma_release of the whole region failed");
	rh_platform_reclaim_region(data->plat, rheap->cma_paddr, rheap->cma_size);
	data->cma_held = false;
	data->cma_releases++;
	RH_TRACE(data->plat, RH_TRACE_REGION_RECLAIM, .name = rh_cma_get_name(rheap->cma),
		 .pa = data->cma_page, .size = rheap->cma_size);
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

void mtk_doubt_siblings(struct mtk_restricted_heap_data *data)
{
	struct rh_restricted_mtk *mtk = data->plat->restricted_mtk;
	unsigned int i;

	for (i = 0; mtk && i < MTK_NR_HEAPS; i++)
		if (mtk->registered[i] && &mtk->data[i] != data &&
		    atomic_load(&mtk->data[i].tee_open))
			atomic_store(&mtk->data[i].tee_doubt, true);
}

void mtk_settle_all(struct rh_platform *plat)
{
	struct rh_restricted_mtk *mtk = plat->restricted_mtk;
	unsigned int i, pass;
	bool again = true;

	/*
	 * A heap's settle may learn that the TA died and put a heap it has
	 * already passed in doubt: go round again while something was
	 * recycled (each round needs a fresh TEE failure to go on).
	 */
	for (pass = 0; mtk && again && pass < 2 * MTK_NR_HEAPS; pass++) {
		again = false;
		for (i = 0; i < MTK_NR_HEAPS; i++)
			if (mtk->registered[i] && mtk_tee_settle_if_idle(&mtk->data[i]))
				again = true;
	}
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
	st.lost_buffers = ctr_get(data->lost_buffers);
	st.lost_bytes = ctr_get(data->lost_bytes);
	st.tee_recycles = ctr_get(data->tee_recycles);
	st.tee_doubt = atomic_load(&data->tee_doubt);
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
