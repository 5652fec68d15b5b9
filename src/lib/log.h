/* SPDX-License-Identifier: MIT */
/* Platform-scoped logging: rh_err/rh_warn/rh_info/rh_dbg and blame helpers. */
#ifndef RH_LOG_H
#define RH_LOG_H

#include <rheap/platform.h>

struct rh_platform;

void rh_log(const struct rh_platform *plat, enum rh_log_level level,
	    const char *fmt, ...) RH_PRINTF(3, 4);

#define rh_err(plat, ...) rh_log(plat, RH_LOG_ERR, __VA_ARGS__)
#define rh_warn(plat, ...) rh_log(plat, RH_LOG_WARN, __VA_ARGS__)
#define rh_info(plat, ...) rh_log(plat, RH_LOG_INFO, __VA_ARGS__)
#define rh_dbg(plat, ...) rh_log(plat, RH_LOG_DEBUG, __VA_ARGS__)

/* Blame: who got it wrong. */
/* The format must be a string literal: it is pasted after the prefix. */
#define rh_bug_caller(plat, ...) \
	rh_log(plat, RH_LOG_ERR, "caller bug: " __VA_ARGS__)
#define rh_bug_tee(plat, ...) rh_log(plat, RH_LOG_ERR, "TEE bug: " __VA_ARGS__)
#define rh_bug_lib(plat, ...) \
	rh_log(plat, RH_LOG_ERR, "librheap-sim bug: " __VA_ARGS__)

/* Secure-world (emu/) messages, named like OP-TEE's trace macros. */
#define EMSG(plat, ...) rh_log(plat, RH_LOG_ERR, "[secure] " __VA_ARGS__)
#define IMSG(plat, ...) rh_log(plat, RH_LOG_INFO, "[secure] " __VA_ARGS__)
#define DMSG(plat, ...) rh_log(plat, RH_LOG_DEBUG, "[secure] " __VA_ARGS__)

#endif /* RH_LOG_H */
