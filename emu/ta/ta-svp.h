/* SPDX-License-Identifier: MIT */
/* Secure-world internals of the secure video path TA. */
#ifndef RH_EMU_TA_SVP_H
#define RH_EMU_TA_SVP_H

#include "optee/tee.h"

/* Only emu/ includes this header. Protocol: include/rheap/tee-secmem.h. */

/* The TA table (registered on every platform by rh_ta_svp_init()). */
extern const struct rh_ta_ops rh_ta_svp_ops;

/*
 * rh_svp_revoke_buffer() - the secure-memory TA frees buffer @handle:
 * every device granted it loses its secure windows over it (and secure
 * mode with its last grant) before the memory is scrubbed and reused.
 */
void rh_svp_revoke_buffer(struct rh_platform *plat, uint64_t handle);

#endif /* RH_EMU_TA_SVP_H */
