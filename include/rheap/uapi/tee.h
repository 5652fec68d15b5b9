/* SPDX-License-Identifier: MIT */
/* The TEE character device uapi (/dev/tee0): ioctl numbers and argument layouts. */
#ifndef RHEAP_UAPI_TEE_H
#define RHEAP_UAPI_TEE_H

#include <stdint.h>

#include <rheap/tee.h>
#include <rheap/uapi/ioctl.h>

/*
 * Own definitions of include/uapi/linux/tee.h (Linux 6.18), same numbers
 * and layouts: tests/abi/test-uapi-abi.c proves them equal to the host's
 * <linux/tee.h> where it has them. The version data, the open-session and
 * invoke headers and the attribute/login values are in <rheap/tee.h>
 * (struct rh_tee_ioctl_version_data, struct rh_tee_ioctl_open_session_arg,
 * struct rh_tee_ioctl_invoke_arg, RH_TEE_IOCTL_PARAM_ATTR_TYPE_*,
 * RH_TEE_IOCTL_LOGIN_*).
 */

#define RH_TEE_DEV_PATH "/dev/tee0"

#define RH_TEE_IOC_MAGIC 0xa4
#define RH_TEE_IOC_BASE 0

/** Largest argument buffer of OPEN_SESSION / INVOKE (buf_len). */
#define RH_TEE_MAX_ARG_SIZE 1024

/** Value of a memref's @c (shm id) that makes it a NULL memref. */
#define RH_TEE_MEMREF_NULL ((uint64_t)-1)

#define RH_TEE_IOCTL_PARAM_ATTR_META 0x100
#define RH_TEE_IOCTL_PARAM_ATTR_MASK \
	(RH_TEE_IOCTL_PARAM_ATTR_TYPE_MASK | RH_TEE_IOCTL_PARAM_ATTR_META)

/**
 * struct rh_tee_ioctl_shm_alloc_data - TEE_IOC_SHM_ALLOC argument
 * @size: in: bytes wanted; out: bytes allocated
 * @flags: in: must be 0; out: 0
 * @id: out: the shm id memref parameters name in @c
 */
struct rh_tee_ioctl_shm_alloc_data {
	uint64_t size;
	uint32_t flags;
	int32_t id;
};

/**
 * struct rh_tee_ioctl_buf_data - OPEN_SESSION / INVOKE argument
 * @buf_ptr: user address of the open-session or invoke header and the
 *           num_params struct rh_tee_ioctl_param that follow it
 * @buf_len: its length in bytes, at most RH_TEE_MAX_ARG_SIZE
 */
struct rh_tee_ioctl_buf_data {
	uint64_t buf_ptr;
	uint64_t buf_len;
};

/**
 * struct rh_tee_ioctl_param - one parameter as user space passes it
 * @attr: RH_TEE_IOCTL_PARAM_ATTR_TYPE_* (META is refused)
 * @a: memref: offset in the shm; value: a
 * @b: memref: size of the range; value: b
 * @c: memref: shm id (RH_TEE_MEMREF_NULL: NULL memref); value: c
 */
struct rh_tee_ioctl_param {
	uint64_t attr;
	uint64_t a;
	uint64_t b;
	uint64_t c;
};

/** struct rh_tee_ioctl_close_session_arg - TEE_IOC_CLOSE_SESSION argument */
struct rh_tee_ioctl_close_session_arg {
	uint32_t session;
};

/**
 * struct rh_tee_ioctl_shm_register_data - TEE_IOC_SHM_REGISTER argument
 * @addr: in: user address of the memory to share
 * @length: in/out: its length
 * @flags: in: must be 0; out: 0
 * @id: out: the shm id
 */
struct rh_tee_ioctl_shm_register_data {
	uint64_t addr;
	uint64_t length;
	uint32_t flags;
	int32_t id;
};

/** The shm flag SHM_REGISTER_FD reports: a registered dma-buf. Mirrors: TEE_SHM_DMA_BUF */
#define RH_TEE_SHM_DMA_BUF 0x10u

/**
 * struct rh_tee_ioctl_shm_register_fd_data - TEE_IOC_SHM_REGISTER_FD argument
 * @fd: in: a dma-buf fd of a protected heap of this TEE
 * @size: out: size of the memory
 * @flags: in: must be 0; out: the shm's flags (RH_TEE_SHM_DMA_BUF)
 * @id: out: the shm id
 */
struct rh_tee_ioctl_shm_register_fd_data {
	int64_t fd;
	uint64_t size;
	uint32_t flags;
	int32_t id;
} __attribute__((aligned(8)));

#define RH_TEE_IOC_VERSION \
	RH_IOR(RH_TEE_IOC_MAGIC, RH_TEE_IOC_BASE + 0, struct rh_tee_ioctl_version_data)
#define RH_TEE_IOC_SHM_ALLOC \
	RH_IOWR(RH_TEE_IOC_MAGIC, RH_TEE_IOC_BASE + 1, struct rh_tee_ioctl_shm_alloc_data)
#define RH_TEE_IOC_OPEN_SESSION \
	RH_IOR(RH_TEE_IOC_MAGIC, RH_TEE_IOC_BASE + 2, struct rh_tee_ioctl_buf_data)
#define RH_TEE_IOC_INVOKE \
	RH_IOR(RH_TEE_IOC_MAGIC, RH_TEE_IOC_BASE + 3, struct rh_tee_ioctl_buf_data)
#define RH_TEE_IOC_CANCEL \
	RH_IOR(RH_TEE_IOC_MAGIC, RH_TEE_IOC_BASE + 4, struct rh_tee_ioctl_cancel_arg)
#define RH_TEE_IOC_CLOSE_SESSION \
	RH_IOR(RH_TEE_IOC_MAGIC, RH_TEE_IOC_BASE + 5, struct rh_tee_ioctl_close_session_arg)
#define RH_TEE_IOC_SUPPL_RECV \
	RH_IOR(RH_TEE_IOC_MAGIC, RH_TEE_IOC_BASE + 6, struct rh_tee_ioctl_buf_data)
#define RH_TEE_IOC_SUPPL_SEND \
	RH_IOR(RH_TEE_IOC_MAGIC, RH_TEE_IOC_BASE + 7, struct rh_tee_ioctl_buf_data)
#define RH_TEE_IOC_SHM_REGISTER_FD \
	RH_IOWR(RH_TEE_IOC_MAGIC, RH_TEE_IOC_BASE + 8, struct rh_tee_ioctl_shm_register_fd_data)
#define RH_TEE_IOC_SHM_REGISTER \
	RH_IOWR(RH_TEE_IOC_MAGIC, RH_TEE_IOC_BASE + 9, struct rh_tee_ioctl_shm_register_data)

#ifndef __cplusplus
_Static_assert(sizeof(struct rh_tee_ioctl_param) == 32, "tee_ioctl_param");
_Static_assert(sizeof(struct rh_tee_ioctl_open_session_arg) == 56,
	       "tee_ioctl_open_session_arg");
_Static_assert(sizeof(struct rh_tee_ioctl_invoke_arg) == 24, "tee_ioctl_invoke_arg");
_Static_assert(sizeof(struct rh_tee_ioctl_shm_register_fd_data) == 24,
	       "tee_ioctl_shm_register_fd_data");
#endif

#endif /* RHEAP_UAPI_TEE_H */
