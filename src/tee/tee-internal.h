/* SPDX-License-Identifier: MIT */
/* TEE client internals shared by the kernel API, the GP facade and the TEE uapi. */
#ifndef RH_TEE_INTERNAL_H
#define RH_TEE_INTERNAL_H

#include <stdbool.h>

#include <rheap/tee-backend.h>
#include <rheap/tee.h>

/*
 * Two kinds of client, as drivers/tee has: the kernel's own drivers call
 * rh_tee_client_open_context() (tee_client_open_context()); user space
 * reaches the TEE through the GP facade (rh_TEEC_*()) or /dev/tee0, whose
 * contexts are opened here with @user true. A user context may not open a
 * session with an REE-kernel login (-EPERM, tee_ioctl_open_session()), so
 * the secure world can tell the kernel from user programs and refuse the
 * latter what only the kernel may ask (kernel-only TAs, device modes).
 *
 * rh_tee_context_open() - open a context on @plat's TEE backend; @match
 * and @data as rh_tee_client_open_context(). Returns the context or
 * RH_ERR_PTR(-EINVAL / -ENOENT / -ENOMEM).
 */
struct rh_tee_context *
rh_tee_context_open(struct rh_platform *plat,
		    int (*match)(struct rh_tee_ioctl_version_data *ver,
				 const void *data),
		    const void *data, struct rh_tee_ioctl_version_data *vers,
		    bool user);

/*
 * rh_tee_context_open_internal() - a kernel context for one of the
 * platform's own modules (the MTK heaps' sessions): unlike a caller's, it
 * does not hold the platform (the module closes it at teardown).
 */
struct rh_tee_context *
rh_tee_context_open_internal(struct rh_platform *plat,
			     int (*match)(struct rh_tee_ioctl_version_data *ver,
					  const void *data),
			     const void *data);

/*
 * rh_tee_context_close() - rh_tee_client_close_context() that says whether
 * the TEE confirmed the close of every session still open (each
 * CLOSE_SESSION is sent until it is, up to a bound; tee-client.c).
 * Returns true if it did (or there was nothing to close), false when a
 * session may still be open in the secure world (logged).
 */
bool rh_tee_context_close(struct rh_tee_context *ctx);

/* rh_tee_context_is_user() - @ctx was opened for user space */
bool rh_tee_context_is_user(const struct rh_tee_context *ctx);

/*
 * rh_tee_shm_register_pages() - share @length bytes at @addr (user memory,
 * any alignment) with the TEE as the OP-TEE driver shares user memory:
 * REGISTER_SHM with a TMEM_OUTPUT | NONCONTIG parameter whose buf_ptr is
 * the address of a page list (511 page addresses a 4 KiB list page, the
 * last entry chaining the next list page) with the offset of @addr in its
 * first page in the low 12 bits. In the simulation a page's "physical"
 * address is its host address. The list lives only for the call.
 *
 * Mirrors: tee_shm_register_user_buf() (drivers/tee/tee_shm.c),
 * optee_shm_register() + optee_fill_pages_list() (drivers/tee/optee/)
 * @return the shm (one reference, rh_tee_shm_put()), or RH_ERR_PTR():
 * -EINVAL (bad arguments, or the TEE refused: its result is logged),
 * -ENOMEM, -EOPNOTSUPP (no REG_MEM), -EIO (transport).
 */
struct rh_tee_shm *rh_tee_shm_register_pages(struct rh_tee_context *ctx,
					     void *addr, size_t length);

/*
 * rh_tee_noncontig_base() - host address of the first byte described by a
 * NONCONTIG tmem buf_ptr the normal world built itself (first entry of the
 * first list page + the offset): for backends that watch the buffers they
 * forward (record/replay). Returns the address, 0 for a NULL list.
 */
uint64_t rh_tee_noncontig_base(uint64_t buf_ptr);

/*
 * rh_tee_msg_shm_addr() - host address of the buffer a REGISTER_SHM
 * parameter shares (contiguous tmem or NONCONTIG page list).
 */
uint64_t rh_tee_msg_shm_addr(const struct rh_optee_msg_param *p);

/*
 * rh_tee_context_call() - send a message the caller built itself (the
 * OP-TEE driver's own: LEND_PROTMEM, RECLAIM_PROTMEM, GET_PROTMEM_CONFIG)
 * through @ctx's backend, as optee->ops->do_call_with_arg() does; @msg
 * holds the header and its num_params (at most 6) parameters. Returns 0
 * with the TEE's answer in @msg, -EINVAL (bad context or message), -EIO
 * (transport failure or an answer that changed the header: logged, and
 * @msg's ret is TEEC_ERROR_COMMUNICATION from COMMS).
 */
int rh_tee_context_call(struct rh_tee_context *ctx, struct rh_optee_msg_arg *msg);

/* rh_tee_context_backend_is() - @ctx talks to backend (@ops, @priv). */
bool rh_tee_context_backend_is(const struct rh_tee_context *ctx, const struct rh_tee_ops *ops,
			       void *priv);

/* rh_tee_shm_cookie() - what @shm is registered under (0: a dma-buf). */
uint64_t rh_tee_shm_cookie(const struct rh_tee_shm *shm);
/* rh_tee_shm_is_dma_buf() - @shm is a registered dma-buf (no CPU address). */
bool rh_tee_shm_is_dma_buf(const struct rh_tee_shm *shm);

#endif /* RH_TEE_INTERNAL_H */
