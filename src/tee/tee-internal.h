/* SPDX-License-Identifier: MIT */
/* TEE client internals shared by the kernel API, the GP facade and the TEE uapi. */
#ifndef RH_TEE_INTERNAL_H
#define RH_TEE_INTERNAL_H

#include <stdbool.h>

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

/* rh_tee_context_is_user() - @ctx was opened for user space */
bool rh_tee_context_is_user(const struct rh_tee_context *ctx);

#endif /* RH_TEE_INTERNAL_H */
