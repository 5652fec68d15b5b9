/* SPDX-License-Identifier: MIT */
/* A cmocka mock of struct rh_tee_ops: queue the calls a test expects, with their answers. */
#ifndef RHEAP_TEE_MOCK_H
#define RHEAP_TEE_MOCK_H

#include <stddef.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/tee.h>

RH_BEGIN_DECLS

/*
 * Not part of librheap-sim itself: link librheap-sim-mock (pkg-config
 * librheap-sim-mock, or the Meson dependency of the same name), which is
 * built and installed when cmocka is found, and call these from cmocka tests.
 */

/*
 * Usage:
 *
 *	static const struct rh_mock_tee_reply ok = { .ret = RH_TEEC_SUCCESS,
 *		.origin = RH_TEEC_ORIGIN_TRUSTED_APP, .session = 7 };
 *
 *	rh_platform_set_tee_backend(plat, rh_mock_tee_ops(), NULL);
 *	rh_mock_tee_expect_version(NULL);          (default OP-TEE version data)
 *	ctx = rh_tee_client_open_context(plat, NULL, NULL, NULL, NULL);
 *	rh_mock_tee_expect(RH_OPTEE_MSG_CMD_OPEN_SESSION, 0, &ok);
 *	rh_tee_client_open_session(ctx, &arg, params);
 *
 * Every backend call must have been queued, in order (cmocka fails the
 * test on an unexpected call, a wrong command or func, and at the end of
 * the test on an expectation left unused). The reply is applied to the
 * message: @fill first (to check the message or write outputs), then ret,
 * ret_origin and, for OPEN_SESSION, the session id.
 */
struct rh_mock_tee_reply {
	int rc;          /* the method's return; negative = transport failure */
	uint32_t ret;    /* written into the message when rc is 0 */
	uint32_t origin;
	uint32_t session; /* OPEN_SESSION */
	void (*fill)(struct rh_optee_msg_arg *msg, size_t size, void *data);
	void *data;
};

/* The mock backend (its priv is unused). */
RH_EXPORT const struct rh_tee_ops *rh_mock_tee_ops(void);

/* Expect one message of @cmd (and @func: 0 for everything but invoke). */
RH_EXPORT void rh_mock_tee_expect(uint32_t cmd, uint32_t func,
			const struct rh_mock_tee_reply *reply);

/* Expect one get_version; @vers NULL: OP-TEE, TZ, GP | REG_MEM | MEMREF_NULL. */
RH_EXPORT void rh_mock_tee_expect_version(const struct rh_tee_ioctl_version_data *vers);

/* Expect one ta_panic_next(@session) answered with @rc. */
RH_EXPORT void rh_mock_tee_expect_panic_next(uint32_t session, int rc);

RH_END_DECLS

#endif /* RHEAP_TEE_MOCK_H */
