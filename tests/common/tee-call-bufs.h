/* SPDX-License-Identifier: MIT */
/* The argument buffers of TEE_IOC_OPEN_SESSION and TEE_IOC_INVOKE: a header and up to four parameters. */
#ifndef RH_TEST_TEE_CALL_BUFS_H
#define RH_TEST_TEE_CALL_BUFS_H

#include <rheap/uapi.h>

struct open_buf {
	struct rh_tee_ioctl_open_session_arg arg;
	struct rh_tee_ioctl_param params[4];
};

struct invoke_buf {
	struct rh_tee_ioctl_invoke_arg arg;
	struct rh_tee_ioctl_param params[4];
};

#endif /* RH_TEST_TEE_CALL_BUFS_H */
