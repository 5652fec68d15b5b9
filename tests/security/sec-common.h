/* SPDX-License-Identifier: MIT */
/* Security suite helpers: a victim's secure playback and an attacker's reach, public API only. */
#ifndef RH_SEC_COMMON_H
#define RH_SEC_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/firewall.h>
#include <rheap/rheap.h>

#include "rh-test.h"

/*
 * The attacks of this suite use only the installed public API, as a
 * program linked with librheap-sim (or kernel code built into it) would.
 * The victim is a secure playback: a bitstream buffer from
 * restricted_mtk_cm and frames from restricted_mtk_cma, mapped by the
 * vcodec and display drivers (importers), decoded and shown.
 */
struct victim {
	struct rh_platform *plat;
	struct rh_device *vcodec, *display, *gpu;
	struct rh_importer *dec, *disp;
	struct rh_dma_buf *es, *frame;
	struct rh_importer_map *es_map, *frame_dec, *frame_disp;
	rh_phys_addr_t es_pa, frame_pa;
	uint64_t es_handle, frame_handle;
};

#define SEC_SECRET "clear frame of a premium movie"

/* A platform (default: the built-in MT8188-like one) with quiet logs. */
void sec_platform(struct rh_platform **ret_plat);
/* A buffer of @size from heap @name, as an in-process dma-buf. */
struct rh_dma_buf *sec_alloc(struct rh_platform *plat, const char *name, size_t size);
/* The victim's playback: buffers allocated, mapped, a frame decoded (SEC_SECRET). */
void sec_victim_start(struct rh_platform *plat, struct victim *v);
void sec_victim_stop(struct victim *v);
/* First physical address of a restricted buffer (from its table). */
rh_phys_addr_t sec_buffer_pa(struct rh_dma_buf *dmabuf);

/* A kernel-side TEE session (REE-kernel login) to the TA @uuid. */
struct sec_session {
	struct rh_tee_context *ctx;
	uint32_t session;
};
uint32_t sec_kernel_open(struct rh_platform *plat, const char *uuid,
			 struct sec_session *ret_s);
void sec_kernel_close(struct sec_session *s);
/* Invoke @func with 4 parameters; returns the TEE result (transport errors fail). */
uint32_t sec_invoke(struct sec_session *s, uint32_t func, struct rh_tee_param p[4]);
/* The secure video TA's SET_DEVICE_SECURE / the secure-memory TA's FREE. */
uint32_t sec_set_device_secure(struct sec_session *s, struct rh_device *dev,
			       uint64_t secure, uint64_t handle);
uint32_t sec_secmem_free(struct sec_session *s, uint64_t handle, uint64_t *ret_status);

/* Violations logged since the last call (resets the log). */
unsigned int sec_violations(struct rh_platform *plat, struct rh_violation *ret_last);

#endif /* RH_SEC_COMMON_H */
