// SPDX-License-Identifier: MIT
/* TEE client shared memory: registered, allocated and dma-buf shms, OP-TEE page lists. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rheap/dma-buf.h>
#include <rheap/tee-backend.h>
#include <rheap/tee.h>

#include "internal.h"
#include "tee/tee-client.h"
#include "tee/tee-heap.h"
#include "tee/tee-internal.h"
#include "trace/trace.h"

/*
 * drivers/tee/tee_shm.c's half of the client: shared memory registered
 * with (or allocated for) a context, each holding a context reference,
 * and the page lists of optee/call.c that name user memory to OP-TEE.
 */

/*
 * A REGISTER_SHM of @cookie failed. Not in the kernel: the TEE may have
 * registered it and only the answer went missing, and it would keep a
 * reference to memory the caller frees now; the cookie was never used
 * for anything else, so unregistering it cannot hit another buffer.
 */
static void undo_register_shm(struct rh_tee_context *ctx, uint64_t cookie)
{
	rh_tee_send_release(ctx, RH_OPTEE_MSG_CMD_UNREGISTER_SHM, cookie, true);
}

/*
 * REGISTER_SHM of @shm (ctx, addr and size set) under a new cookie, its
 * one memref of type @attr at @buf_ptr; @what follows the size in the log.
 * Returns 0, -ENOMEM (no message), -EIO (no answer), or on the TEE's
 * refusal @refused (0: the errno of its result). After a failed send the
 * register is undone (undo_register_shm()).
 */
static int send_register_shm(struct rh_tee_context *ctx, struct rh_tee_shm *shm,
			     uint64_t attr, uint64_t buf_ptr, const char *what, int refused)
{
	struct rh_optee_msg_arg *msg;
	uint32_t res, origin;
	unsigned int slot;
	int ret = 0;

	msg = rh_tee_msg_get(ctx, &slot);
	if (!msg)
		return -ENOMEM;
	/* Cookies are platform-wide (the TEE sees all contexts) and never 0. */
	shm->cookie = atomic_fetch_add_explicit(&ctx->plat->tee_next_shm_cookie,
						1, memory_order_relaxed) + 1;

	rh_tee_msg_init(msg, RH_OPTEE_MSG_CMD_REGISTER_SHM, 1);
	msg->params[0].attr = attr;
	msg->params[0].u.tmem.buf_ptr = buf_ptr;
	msg->params[0].u.tmem.size = shm->size;
	msg->params[0].u.tmem.shm_ref = shm->cookie;
	if (!rh_tee_msg_send(ctx, msg, &res, &origin)) {
		ret = -EIO;
	} else if (res) {
		rh_err(ctx->plat, "tee: REGISTER_SHM of %zu bytes%s: %s (origin %u)",
		       shm->size, what, rh_tee_result_name(res), origin);
		ret = refused ? refused : rh_tee_result_to_errno(res);
	}
	rh_tee_msg_put(ctx, msg, slot);
	if (ret)
		undo_register_shm(ctx, shm->cookie);
	return ret;
}

static bool can_register(const struct rh_tee_context *ctx)
{
	return (ctx->vers.gen_caps & RH_TEE_GEN_CAP_REG_MEM) &&
	       ctx->ops->shm_register && ctx->ops->shm_unregister;
}

static struct rh_tee_shm *shm_register(struct rh_tee_context *ctx, void *addr,
				       size_t length, bool owned)
{
	struct rh_tee_shm *shm;
	int ret;

	if (!can_register(ctx))
		return RH_ERR_PTR(-EOPNOTSUPP);
	shm = rh_zalloc(sizeof(*shm));
	if (!shm)
		return RH_ERR_PTR(-ENOMEM);
	shm->ctx = ctx;
	shm->addr = addr;
	shm->size = length;
	shm->owned = owned;
	atomic_init(&shm->refcount, 1);
	ret = send_register_shm(ctx, shm, RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT,
				(uint64_t)(uintptr_t)addr, "", 0);
	if (ret) {
		rh_free(shm);
		return RH_ERR_PTR(ret);
	}
	rh_tee_ctx_get(ctx);
	return shm;
}

/* OPTEE_MSG_NONCONTIG_PAGE_SIZE and the entries of one list page. */
#define NONCONTIG_PAGE_SIZE 4096u
#define NONCONTIG_ENTRIES (NONCONTIG_PAGE_SIZE / sizeof(uint64_t) - 1)

uint64_t rh_tee_noncontig_base(uint64_t buf_ptr)
{
	const uint64_t *list = (const uint64_t *)(uintptr_t)
		(buf_ptr & ~(uint64_t)(NONCONTIG_PAGE_SIZE - 1));

	if (!list)
		return 0;
	return list[0] + (buf_ptr & (NONCONTIG_PAGE_SIZE - 1));
}

uint64_t rh_tee_msg_shm_addr(const struct rh_optee_msg_param *p)
{
	if (p->attr & RH_OPTEE_MSG_ATTR_NONCONTIG)
		return rh_tee_noncontig_base(p->u.tmem.buf_ptr);
	return p->u.tmem.buf_ptr;
}

/*
 * optee_fill_pages_list(): the page addresses of [@addr, @addr + @length)
 * into list pages of 511 entries, each list page's last entry pointing at
 * the next. @ret_mem is the allocation to free after the call.
 */
static uint64_t *build_pages_list(void *addr, size_t length, void **ret_mem)
{
	uintptr_t first = (uintptr_t)addr & ~(uintptr_t)(NONCONTIG_PAGE_SIZE - 1);
	size_t offs = (uintptr_t)addr - first;
	size_t npages = (offs + length + NONCONTIG_PAGE_SIZE - 1) / NONCONTIG_PAGE_SIZE;
	size_t nlists = (npages + NONCONTIG_ENTRIES - 1) / NONCONTIG_ENTRIES;
	uint64_t *lists;
	size_t i, l;
	void *mem;

	/* List pages must be page aligned: over-allocate and align inside. */
	mem = rh_zalloc((nlists + 1) * NONCONTIG_PAGE_SIZE);
	if (!mem)
		return NULL;
	lists = (uint64_t *)RH_ALIGN_UP((uintptr_t)mem, NONCONTIG_PAGE_SIZE);
	for (i = 0; i < npages; i++) {
		l = i / NONCONTIG_ENTRIES;
		lists[l * (NONCONTIG_ENTRIES + 1) + i % NONCONTIG_ENTRIES] =
			first + i * NONCONTIG_PAGE_SIZE;
	}
	for (l = 0; l + 1 < nlists; l++)
		lists[l * (NONCONTIG_ENTRIES + 1) + NONCONTIG_ENTRIES] =
			(uintptr_t)(lists + (l + 1) * (NONCONTIG_ENTRIES + 1));
	*ret_mem = mem;
	return lists;
}

struct rh_tee_shm *rh_tee_shm_register_pages(struct rh_tee_context *ctx,
					     void *addr, size_t length)
{
	struct rh_tee_shm *shm;
	uint64_t *lists;
	void *mem;
	int ret;

	if (!rh_tee_ctx_valid(ctx) || !addr || !length ||
	    (uintptr_t)addr + length < (uintptr_t)addr)
		return RH_ERR_PTR(-EINVAL);
	if (!can_register(ctx))
		return RH_ERR_PTR(-EOPNOTSUPP);
	shm = rh_zalloc(sizeof(*shm));
	if (!shm)
		return RH_ERR_PTR(-ENOMEM);
	lists = build_pages_list(addr, length, &mem);
	if (!lists) {
		ret = -ENOMEM;
		goto err_free_shm;
	}
	shm->ctx = ctx;
	shm->addr = addr;
	shm->size = length;
	atomic_init(&shm->refcount, 1);
	/* optee_shm_register(): any refusal of the TEE is -EINVAL. */
	ret = send_register_shm(ctx, shm,
				RH_OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | RH_OPTEE_MSG_ATTR_NONCONTIG,
				(uintptr_t)lists | ((uintptr_t)addr & (NONCONTIG_PAGE_SIZE - 1)),
				" (page list)", -EINVAL);
	rh_free(mem);
	if (ret)
		goto err_free_shm;
	rh_tee_ctx_get(ctx);
	return shm;

err_free_shm:
	rh_free(shm);
	return RH_ERR_PTR(ret);
}

RH_EXPORT struct rh_tee_shm *rh_tee_shm_register_kernel_buf(struct rh_tee_context *ctx,
							     void *addr,
							     size_t length)
{
	if (!rh_tee_ctx_valid(ctx) || !addr || !length)
		return RH_ERR_PTR(-EINVAL);
	return shm_register(ctx, addr, length, false);
}

RH_EXPORT struct rh_tee_shm *rh_tee_shm_alloc_kernel_buf(struct rh_tee_context *ctx,
							  size_t size)
{
	struct rh_tee_shm *shm;
	void *buf;

	if (!rh_tee_ctx_valid(ctx) || !size)
		return RH_ERR_PTR(-EINVAL);
	buf = rh_zalloc(size);
	if (!buf)
		return RH_ERR_PTR(-ENOMEM);
	shm = shm_register(ctx, buf, size, true);
	if (RH_IS_ERR(shm))
		rh_free(buf);
	return shm;
}

RH_EXPORT void rh_tee_shm_put(struct rh_tee_shm *shm)
{
	struct rh_tee_context *ctx;

	if (RH_IS_ERR_OR_NULL(shm) ||
	    atomic_fetch_sub_explicit(&shm->refcount, 1, memory_order_acq_rel) != 1)
		return;
	ctx = shm->ctx;
	if (shm->dmabuf) {
		/* Never registered with the TEE: only the buffer's reference goes. */
		rh_dma_buf_put(shm->dmabuf);
		rh_free(shm);
		rh_tee_ctx_put(ctx);
		return;
	}
	rh_tee_send_release(ctx, RH_OPTEE_MSG_CMD_UNREGISTER_SHM, shm->cookie, false);
	if (shm->owned)
		rh_free(shm->addr);
	rh_free(shm);
	rh_tee_ctx_put(ctx);
}

RH_EXPORT void *rh_tee_shm_get_va(struct rh_tee_shm *shm, size_t offs)
{
	/* A registered dma-buf has no CPU address: protected memory. */
	if (RH_IS_ERR_OR_NULL(shm) || shm->dmabuf || offs >= shm->size)
		return RH_ERR_PTR(-EINVAL);
	return (unsigned char *)shm->addr + offs;
}

RH_EXPORT size_t rh_tee_shm_get_size(const struct rh_tee_shm *shm)
{
	return RH_IS_ERR_OR_NULL(shm) ? 0 : shm->size;
}

RH_EXPORT struct rh_tee_shm *rh_tee_shm_register_fd(struct rh_tee_context *ctx, int fd)
{
	struct rh_dma_buf *dmabuf;
	struct rh_tee_shm *shm;
	int rc;

	if (!rh_tee_ctx_valid(ctx))
		return RH_ERR_PTR(-EINVAL);
	dmabuf = rh_dma_buf_get(ctx->plat, fd);
	if (RH_IS_ERR(dmabuf))
		return RH_ERR_PTR(RH_PTR_ERR(dmabuf));
	shm = rh_zalloc(sizeof(*shm));
	if (!shm) {
		rc = -ENOMEM;
		goto err_put_dmabuf;
	}
	/* The buffer must come from a protected heap of this context's TEE. */
	rc = rh_tee_heap_update_from_dma_buf(ctx->plat, ctx->ops, ctx->priv, dmabuf, &shm->size,
					     &shm->dmabuf_offs, &shm->ref);
	if (rc) {
		rh_dbg(ctx->plat, "tee: SHM_REGISTER_FD of a dma-buf that is not protected memory "
		       "of this TEE (%s)", rh_dma_buf_exp_name(dmabuf));
		goto err_free_shm;
	}
	shm->ctx = ctx;
	shm->dmabuf = dmabuf;
	atomic_init(&shm->refcount, 1);
	rh_tee_ctx_get(ctx);
	return shm;

err_free_shm:
	rh_free(shm);
err_put_dmabuf:
	rh_dma_buf_put(dmabuf);
	return RH_ERR_PTR(rc);
}

bool rh_tee_shm_is_dma_buf(const struct rh_tee_shm *shm)
{
	return shm->dmabuf != NULL;
}

uint64_t rh_tee_shm_cookie(const struct rh_tee_shm *shm)
{
	return shm->cookie;
}
