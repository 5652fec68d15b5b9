/* SPDX-License-Identifier: MIT */
/* The TEE wire format: OP-TEE's message argument (optee_msg_arg) layout. */
#ifndef RHEAP_TEE_MSG_H
#define RHEAP_TEE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <rheap/export.h>

RH_BEGIN_DECLS

/*
 * Own definitions written from the documented layout of OP-TEE's message ABI
 * (drivers/tee/optee/optee_msg.h, ABI revision 2.0). Every structure is
 * little-endian, naturally aligned and has the exact size the firmware
 * expects; the _Static_asserts below pin sizes and offsets.
 *
 * A message is a 32-byte header followed by num_params 32-byte parameters:
 * RH_OPTEE_MSG_GET_ARG_SIZE(num_params) bytes in all.
 *
 * Simulation note: OP-TEE carries physical addresses in tmem.buf_ptr. The
 * shared memory of librheap-sim is host memory of the normal world, so the
 * REGISTER_SHM command carries its host virtual address there instead; the
 * emulator resolves rmem.shm_ref cookies to those registered host buffers.
 */

/* Parameter attribute: type in bits 0..7 */
#define RH_OPTEE_MSG_ATTR_TYPE_NONE 0x0
#define RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT 0x1
#define RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT 0x2
#define RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT 0x3
#define RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT 0x5
#define RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT 0x6
#define RH_OPTEE_MSG_ATTR_TYPE_RMEM_INOUT 0x7
#define RH_OPTEE_MSG_ATTR_TYPE_FMEM_INPUT RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT
#define RH_OPTEE_MSG_ATTR_TYPE_FMEM_OUTPUT RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT
#define RH_OPTEE_MSG_ATTR_TYPE_FMEM_INOUT RH_OPTEE_MSG_ATTR_TYPE_RMEM_INOUT
#define RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT 0x9
#define RH_OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT 0xa
#define RH_OPTEE_MSG_ATTR_TYPE_TMEM_INOUT 0xb
#define RH_OPTEE_MSG_ATTR_TYPE_MASK 0xffULL

/* Meta parameter: carries information for the TEE itself (OPEN_SESSION). */
#define RH_OPTEE_MSG_ATTR_META (1ULL << 8)
/* tmem.buf_ptr points at a list of pages (not supported by the emulator). */
#define RH_OPTEE_MSG_ATTR_NONCONTIG (1ULL << 9)
/* Cache attributes of a memory reference: 3 bits, 0 = predefined. */
#define RH_OPTEE_MSG_ATTR_CACHE_SHIFT 16
#define RH_OPTEE_MSG_ATTR_CACHE_MASK 0x7ULL
#define RH_OPTEE_MSG_ATTR_CACHE_PREDEFINED 0

/* Logins, same numbering as TEE_LOGIN_* of the GP Internal Core API. */
#define RH_OPTEE_MSG_LOGIN_PUBLIC 0x0
#define RH_OPTEE_MSG_LOGIN_USER 0x1
#define RH_OPTEE_MSG_LOGIN_GROUP 0x2
#define RH_OPTEE_MSG_LOGIN_APPLICATION 0x4
#define RH_OPTEE_MSG_LOGIN_APPLICATION_USER 0x5
#define RH_OPTEE_MSG_LOGIN_APPLICATION_GROUP 0x6
#define RH_OPTEE_MSG_LOGIN_REE_KERNEL 0x80000000u

/* Commands (header field cmd). */
#define RH_OPTEE_MSG_CMD_OPEN_SESSION 0
#define RH_OPTEE_MSG_CMD_INVOKE_COMMAND 1
#define RH_OPTEE_MSG_CMD_CLOSE_SESSION 2
#define RH_OPTEE_MSG_CMD_CANCEL 3
#define RH_OPTEE_MSG_CMD_REGISTER_SHM 4
#define RH_OPTEE_MSG_CMD_UNREGISTER_SHM 5
/*
 * Protected memory (Linux 6.18, OP-TEE 4.x, SMC ABI):
 * LEND_PROTMEM:       p0 VALUE_INPUT a = use case (RH_OPTEE_MSG_PROTMEM_*)
 *                     p1 TMEM_INPUT  buf_ptr = physical address, size,
 *                                    shm_ref = the normal world's cookie
 *                     The range becomes protected memory of the use case:
 *                     the normal world's view of it is gone until reclaimed.
 * RECLAIM_PROTMEM:    p0 RMEM_INPUT  shm_ref = the cookie (offs, size 0),
 *                     as the kernel driver sends it and OP-TEE reads it
 *                     (optee_msg.h's comment says a VALUE_INPUT; both
 *                     implementations use an rmem).
 * GET_PROTMEM_CONFIG: p0 VALUE_INOUT in: a = use case; out: a = minimum
 *                                    size of a lend, b = its alignment,
 *                                    c = physical address width in bits
 *                     p1 RMEM_OUTPUT (or a NULL TMEM_OUTPUT of size 0 to
 *                                    ask the size): the use case's memory
 *                                    attributes, u32 each; out: size = the
 *                                    bytes they take (SHORT_BUFFER when the
 *                                    buffer is smaller)
 */
#define RH_OPTEE_MSG_CMD_LEND_PROTMEM 8
#define RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM 9
#define RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG 10

/*
 * Protected-memory use cases (OPTEE_MSG_PROTMEM_*); the kernel's enum
 * tee_dma_heap_id uses the same numbers for its heaps.
 */
#define RH_OPTEE_MSG_PROTMEM_RESERVED 0
#define RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY 1
#define RH_OPTEE_MSG_PROTMEM_TRUSTED_UI 2
#define RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_RECORD 3

/**
 * struct rh_optee_msg_param_tmem - temporary memory reference
 * @buf_ptr: address of the buffer (REGISTER_SHM: host address, see above;
 *           0 in an invoke: a NULL memref of @size bytes)
 * @size: size of the buffer
 * @shm_ref: REGISTER_SHM: the cookie the buffer is registered under
 */
struct rh_optee_msg_param_tmem {
	uint64_t buf_ptr;
	uint64_t size;
	uint64_t shm_ref;
};

/**
 * struct rh_optee_msg_param_rmem - registered memory reference
 * @offs: offset into the registered buffer
 * @size: size of the referenced range; output memrefs get the size the
 *        trusted application reports (larger than sent on SHORT_BUFFER)
 * @shm_ref: cookie of the registered buffer
 */
struct rh_optee_msg_param_rmem {
	uint64_t offs;
	uint64_t size;
	uint64_t shm_ref;
};

/** struct rh_optee_msg_param_value - opaque value parameter */
struct rh_optee_msg_param_value {
	uint64_t a;
	uint64_t b;
	uint64_t c;
};

/**
 * struct rh_optee_msg_param - one parameter (32 bytes)
 * @attr: RH_OPTEE_MSG_ATTR_TYPE_* | RH_OPTEE_MSG_ATTR_META | cache bits
 * @u: selected by the type in @attr
 */
struct rh_optee_msg_param {
	uint64_t attr;
	union {
		struct rh_optee_msg_param_tmem tmem;
		struct rh_optee_msg_param_rmem rmem;
		struct rh_optee_msg_param_value value;
		uint8_t octets[24];
	} u;
};

/**
 * struct rh_optee_msg_arg - message header (32 bytes), parameters follow
 * @cmd: RH_OPTEE_MSG_CMD_*
 * @func: INVOKE_COMMAND: the trusted application's command id
 * @session: session id (OPEN_SESSION: out)
 * @cancel_id: cancellation id chosen by the client
 * @pad: reserved, must be zero
 * @ret: out: TEE result (TEEC_SUCCESS 0 or a TEEC_ERROR_* value)
 * @ret_origin: out: where @ret comes from (RH_TEEC_ORIGIN_*)
 * @num_params: number of parameters that follow the header
 * @params: the parameters
 */
struct rh_optee_msg_arg {
	uint32_t cmd;
	uint32_t func;
	uint32_t session;
	uint32_t cancel_id;
	uint32_t pad;
	uint32_t ret;
	uint32_t ret_origin;
	uint32_t num_params;
	struct rh_optee_msg_param params[];
};

/** Size of a message carrying @num_params parameters. */
#define RH_OPTEE_MSG_GET_ARG_SIZE(num_params) \
	(sizeof(struct rh_optee_msg_arg) + \
	 sizeof(struct rh_optee_msg_param) * (size_t)(num_params))

/** A message never exceeds one 4 KiB page (the emulator refuses larger). */
#define RH_OPTEE_MSG_MAX_SIZE 4096
#define RH_OPTEE_MSG_MAX_PARAMS \
	((RH_OPTEE_MSG_MAX_SIZE - 32) / 32)

#ifndef __cplusplus
_Static_assert(sizeof(struct rh_optee_msg_param_tmem) == 24, "tmem layout");
_Static_assert(sizeof(struct rh_optee_msg_param_rmem) == 24, "rmem layout");
_Static_assert(sizeof(struct rh_optee_msg_param_value) == 24, "value layout");
_Static_assert(sizeof(struct rh_optee_msg_param) == 32, "param layout");
_Static_assert(offsetof(struct rh_optee_msg_param, u) == 8, "param layout");
_Static_assert(sizeof(struct rh_optee_msg_arg) == 32, "arg layout");
_Static_assert(offsetof(struct rh_optee_msg_arg, session) == 8, "arg layout");
_Static_assert(offsetof(struct rh_optee_msg_arg, ret) == 20, "arg layout");
_Static_assert(offsetof(struct rh_optee_msg_arg, num_params) == 28,
	       "arg layout");
_Static_assert(offsetof(struct rh_optee_msg_arg, params) == 32, "arg layout");
#else
static_assert(sizeof(struct rh_optee_msg_param) == 32, "param layout");
static_assert(sizeof(struct rh_optee_msg_arg) == 32, "arg layout");
#endif

RH_END_DECLS

#endif /* RHEAP_TEE_MSG_H */
