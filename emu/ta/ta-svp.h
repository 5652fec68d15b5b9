/* SPDX-License-Identifier: MIT */
/* Secure-world internals of the secure video path TA. */
#ifndef RH_EMU_TA_SVP_H
#define RH_EMU_TA_SVP_H

#include "optee/tee.h"

/* Only emu/ includes this header. Protocol: include/rheap/tee-secmem.h. */

/* The TA table (registered on every platform by rh_ta_svp_init()). */
extern const struct rh_ta_ops rh_ta_svp_ops;

#endif /* RH_EMU_TA_SVP_H */
