/* SPDX-License-Identifier: MIT */
/* TEE client internals shared by tee-client.c (contexts, sessions, invoke) and tee-shm.c. */
#ifndef RH_TEE_CLIENT_H
#define RH_TEE_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/tee-backend.h>
#include <rheap/tee.h>

#include "tee/tee-heap.h"

/* Messages never carry more than the two meta + four call parameters. */
#define CTX_MSG_PARAMS (2 + RH_TEE_NUM_PARAMS)
#define CTX_MSG_SIZE RH_OPTEE_MSG_GET_ARG_SIZE(CTX_MSG_PARAMS)
#define CTX_MSG_SLOTS 8

enum ctx_sess_state {
	SESS_FREE = 0,
	SESS_BUSY = 1, /* being opened or closed */
	SESS_LIVE = 2,
};

struct ctx_session {
	atomic_uint state;
	uint32_t id; /* valid while LIVE */
	uint8_t uuid[RH_TEE_IOCTL_UUID_LEN]; /* the TA's, for trace events */
};

struct rh_tee_context {
	struct rh_platform *plat;
	const struct rh_tee_ops *ops;
	void *priv;
	struct rh_tee_ioctl_version_data vers;
	atomic_int refcount; /* the opener + one per shm */
	atomic_bool closed;
	bool user; /* opened for user space: no REE-kernel logins */
	bool holds; /* holds the platform (a caller's context, not a module's) */
	atomic_uint msg_busy; /* bit n: slot n in use */
	struct ctx_session sessions[RH_TEE_CONTEXT_MAX_SESSIONS];
	uint64_t msg[CTX_MSG_SLOTS][CTX_MSG_SIZE / sizeof(uint64_t)];
};

_Static_assert(CTX_MSG_SLOTS <= 32, "msg_busy is a 32-bit map");
_Static_assert(CTX_MSG_SIZE % sizeof(uint64_t) == 0, "slot alignment");

struct rh_tee_shm {
	struct rh_tee_context *ctx;
	void *addr;
	size_t size;
	uint64_t cookie;
	atomic_int refcount;
	bool owned; /* allocated by alloc_kernel_buf */
	/*
	 * A registered dma-buf of a protected heap (TEE_SHM_DMA_BUF): no host
	 * address and no cookie of its own; memrefs name it as its pool does
	 * (@ref), at its offset in the pool. The shm holds the buffer.
	 */
	struct rh_dma_buf *dmabuf;
	size_t dmabuf_offs;
	struct rh_tee_protmem_ref ref;
};

/* The context's references: the opener's and one per shm (tee_context_get/put()). */
void rh_tee_ctx_get(struct rh_tee_context *ctx);
void rh_tee_ctx_put(struct rh_tee_context *ctx);
/* Open and not closed. */
bool rh_tee_ctx_valid(const struct rh_tee_context *ctx);

/* A message slot of @ctx (or one of its own when all are busy); NULL without memory. */
struct rh_optee_msg_arg *rh_tee_msg_get(struct rh_tee_context *ctx, unsigned int *ret_slot);
void rh_tee_msg_put(struct rh_tee_context *ctx, struct rh_optee_msg_arg *msg, unsigned int slot);
void rh_tee_msg_init(struct rh_optee_msg_arg *msg, uint32_t cmd, uint32_t num_params);
/* Hand @msg to the backend; true if the TEE's own answer stands (tee-client.c). */
bool rh_tee_msg_send(struct rh_tee_context *ctx, struct rh_optee_msg_arg *msg,
		     uint32_t *ret, uint32_t *ret_origin);
/* Send a release (CLOSE_SESSION, UNREGISTER_SHM) until confirmed (tee-client.c). */
bool rh_tee_send_release(struct rh_tee_context *ctx, uint32_t cmd, uint64_t id,
			 bool maybe_absent);

#endif /* RH_TEE_CLIENT_H */
