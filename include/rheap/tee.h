/* SPDX-License-Identifier: MIT */
/* TEE client (kernel tee_drv.h shapes), GP results/origins, pluggable backends. */
#ifndef RHEAP_TEE_H
#define RHEAP_TEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/err.h>
#include <rheap/export.h>
#include <rheap/platform.h>
#include <rheap/tee-msg.h>

RH_BEGIN_DECLS

/* ------------------------------------------------------------ GP results */

/* GlobalPlatform TEE Client API result codes (tee_client_api.h values). */
#define RH_TEEC_SUCCESS 0x00000000u
#define RH_TEEC_ERROR_GENERIC 0xFFFF0000u
#define RH_TEEC_ERROR_ACCESS_DENIED 0xFFFF0001u
#define RH_TEEC_ERROR_CANCEL 0xFFFF0002u
#define RH_TEEC_ERROR_ACCESS_CONFLICT 0xFFFF0003u
#define RH_TEEC_ERROR_EXCESS_DATA 0xFFFF0004u
#define RH_TEEC_ERROR_BAD_FORMAT 0xFFFF0005u
#define RH_TEEC_ERROR_BAD_PARAMETERS 0xFFFF0006u
#define RH_TEEC_ERROR_BAD_STATE 0xFFFF0007u
#define RH_TEEC_ERROR_ITEM_NOT_FOUND 0xFFFF0008u
#define RH_TEEC_ERROR_NOT_IMPLEMENTED 0xFFFF0009u
#define RH_TEEC_ERROR_NOT_SUPPORTED 0xFFFF000Au
#define RH_TEEC_ERROR_NO_DATA 0xFFFF000Bu
#define RH_TEEC_ERROR_OUT_OF_MEMORY 0xFFFF000Cu
#define RH_TEEC_ERROR_BUSY 0xFFFF000Du
#define RH_TEEC_ERROR_COMMUNICATION 0xFFFF000Eu
#define RH_TEEC_ERROR_SECURITY 0xFFFF000Fu
#define RH_TEEC_ERROR_SHORT_BUFFER 0xFFFF0010u
#define RH_TEEC_ERROR_EXTERNAL_CANCEL 0xFFFF0011u
#define RH_TEEC_ERROR_OVERFLOW 0xFFFF300Fu
#define RH_TEEC_ERROR_TARGET_DEAD 0xFFFF3024u
#define RH_TEEC_ERROR_STORAGE_NO_SPACE 0xFFFF3041u
#define RH_TEEC_ERROR_MAC_INVALID 0xFFFF3071u
#define RH_TEEC_ERROR_SIGNATURE_INVALID 0xFFFF3072u
#define RH_TEEC_ERROR_TIME_NOT_SET 0xFFFF5000u
#define RH_TEEC_ERROR_TIME_NEEDS_RESET 0xFFFF5001u
#define RH_TEEC_ERROR_STORAGE_NOT_AVAILABLE 0xF0100003u

/* Where a result comes from (returnOrigin / ret_origin). */
#define RH_TEEC_ORIGIN_API 0x00000001u
#define RH_TEEC_ORIGIN_COMMS 0x00000002u
#define RH_TEEC_ORIGIN_TEE 0x00000003u
#define RH_TEEC_ORIGIN_TRUSTED_APP 0x00000004u

/**
 * rh_tee_result_to_errno() - the one translation of TEE results to errno
 * @result: a TEEC_SUCCESS / TEEC_ERROR_* value
 *
 * | result              | errno       |
 * |---------------------|-------------|
 * | SUCCESS             | 0           |
 * | OUT_OF_MEMORY       | -ENOMEM     |
 * | BAD_PARAMETERS      | -EINVAL     |
 * | BAD_FORMAT          | -EBADMSG    |
 * | ACCESS_DENIED       | -EACCES     |
 * | SECURITY            | -EPERM      |
 * | ITEM_NOT_FOUND      | -ENOENT     |
 * | BUSY                | -EBUSY      |
 * | ACCESS_CONFLICT     | -EBUSY      |
 * | SHORT_BUFFER        | -ENOSPC     |
 * | NOT_SUPPORTED       | -EOPNOTSUPP |
 * | NOT_IMPLEMENTED     | -EOPNOTSUPP |
 * | CANCEL              | -ECANCELED  |
 * | EXTERNAL_CANCEL     | -ECANCELED  |
 * | TARGET_DEAD         | -EPIPE      |
 * | COMMUNICATION       | -ECOMM      |
 * | OVERFLOW            | -EOVERFLOW  |
 * | EXCESS_DATA         | -E2BIG      |
 * | NO_DATA             | -ENODATA    |
 * | anything else       | -EIO        |
 *
 * The emulator's reverse table (errno to result, emu/optee/tee-core.c) maps each
 * errno of the left column back to the first result listed for it.
 * @return 0 or a negative errno.
 */
RH_EXPORT int rh_tee_result_to_errno(uint32_t result);

/** rh_tee_result_name() - "TEEC_ERROR_SHORT_BUFFER", or "unknown" */
RH_EXPORT const char *rh_tee_result_name(uint32_t result);

/* ------------------------------------------------------------ UUIDs */

#define RH_TEE_IOCTL_UUID_LEN 16
#define RH_UUID_STRING_LEN 36

/**
 * rh_uuid_parse() - parse "4477588a-8476-11e2-ad15-e41f1390d676"
 * @str: 36 characters (hex digits, either case, dashes at 8, 13, 18, 23)
 *       and nothing after them
 * @ret_uuid: the 16 bytes in textual (big-endian) order, as the TEE expects
 *            them on the wire; written only on success
 *
 * Mirrors: uuid_parse() (lib/uuid.c)
 * @return 0, -EINVAL for NULL or malformed text.
 */
RH_EXPORT int rh_uuid_parse(const char *str, uint8_t *ret_uuid);

/**
 * rh_uuid_unparse() - format 16 UUID bytes as 36 lower-case characters
 * @uuid: 16 bytes
 * @buf: at least RH_UUID_STRING_LEN + 1 bytes; always NUL-terminated
 */
RH_EXPORT void rh_uuid_unparse(const uint8_t *uuid, char *buf);

/* ------------------------------------------------------------ client API */

/* Implementation ids and capabilities (uapi/linux/tee.h values). */
#define RH_TEE_IMPL_ID_OPTEE 1
#define RH_TEE_IMPL_ID_AMDTEE 2
#define RH_TEE_OPTEE_CAP_TZ (1u << 0)
#define RH_TEE_GEN_CAP_GP (1u << 0)
#define RH_TEE_GEN_CAP_PRIVILEGED (1u << 1)
#define RH_TEE_GEN_CAP_REG_MEM (1u << 2)
#define RH_TEE_GEN_CAP_MEMREF_NULL (1u << 3)

/** struct rh_tee_ioctl_version_data - what a TEE says about itself */
struct rh_tee_ioctl_version_data {
	uint32_t impl_id;
	uint32_t impl_caps;
	uint32_t gen_caps;
};

/* Parameter attributes (uapi/linux/tee.h values). */
#define RH_TEE_IOCTL_PARAM_ATTR_TYPE_NONE 0
#define RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT 1
#define RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT 2
#define RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT 3
#define RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT 5
#define RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT 6
#define RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT 7
#define RH_TEE_IOCTL_PARAM_ATTR_TYPE_MASK 0xff

/* Login methods (uapi/linux/tee.h values). */
#define RH_TEE_IOCTL_LOGIN_PUBLIC 0
#define RH_TEE_IOCTL_LOGIN_USER 1
#define RH_TEE_IOCTL_LOGIN_GROUP 2
#define RH_TEE_IOCTL_LOGIN_APPLICATION 4
#define RH_TEE_IOCTL_LOGIN_USER_APPLICATION 5
#define RH_TEE_IOCTL_LOGIN_GROUP_APPLICATION 6
#define RH_TEE_IOCTL_LOGIN_REE_KERNEL 0x80000000u
/*
 * Logins reserved for the kernel's own clients (rh_tee_client_*()); a
 * user-space client (rh_TEEC_*(), /dev/tee0) asking for one gets -EPERM,
 * as tee_ioctl_open_session() answers.
 */
#define RH_TEE_IOCTL_LOGIN_REE_KERNEL_MIN 0x80000000u
#define RH_TEE_IOCTL_LOGIN_REE_KERNEL_MAX 0xBFFFFFFFu

/** Most parameters of one call (TEEC_CONFIG_PAYLOAD_REF_COUNT). */
#define RH_TEE_NUM_PARAMS 4
/** Sessions one context may have open at the same time. */
#define RH_TEE_CONTEXT_MAX_SESSIONS 32

struct rh_tee_context;
struct rh_tee_shm;

/**
 * struct rh_tee_param - one parameter of a call (struct tee_param)
 * @attr: RH_TEE_IOCTL_PARAM_ATTR_TYPE_*; no other bit may be set
 * @u.memref.shm_offs: offset of the range in @shm
 * @u.memref.size: in: size of the range; out (OUTPUT/INOUT): size the
 *                 trusted application reported, possibly larger than sent
 *                 when it answers TEEC_ERROR_SHORT_BUFFER
 * @u.memref.shm: shared memory of the same context; NULL = NULL memref
 * @u.value: a, b, c; OUTPUT/INOUT values are written back
 */
struct rh_tee_param {
	uint64_t attr;
	union {
		struct {
			size_t shm_offs;
			size_t size;
			struct rh_tee_shm *shm;
		} memref;
		struct {
			uint64_t a;
			uint64_t b;
			uint64_t c;
		} value;
	} u;
};

/**
 * struct rh_tee_ioctl_open_session_arg - open a session
 * @uuid: the trusted application, 16 bytes big-endian (rh_uuid_parse())
 * @clnt_uuid: GROUP login: the group id in its first 4 bytes (host order)
 * @clnt_login: RH_TEE_IOCTL_LOGIN_*
 * @cancel_id: cancellation id
 * @session: out: the session id
 * @ret: out: TEE result
 * @ret_origin: out: RH_TEEC_ORIGIN_*
 * @num_params: parameters in the param array, 0..RH_TEE_NUM_PARAMS
 */
struct rh_tee_ioctl_open_session_arg {
	uint8_t uuid[RH_TEE_IOCTL_UUID_LEN];
	uint8_t clnt_uuid[RH_TEE_IOCTL_UUID_LEN];
	uint32_t clnt_login;
	uint32_t cancel_id;
	uint32_t session;
	uint32_t ret;
	uint32_t ret_origin;
	uint32_t num_params;
};

/**
 * struct rh_tee_ioctl_invoke_arg - invoke a command
 * @func: the trusted application's command id
 * @session: session id from open_session
 * @cancel_id: cancellation id
 * @ret: out: TEE result
 * @ret_origin: out: RH_TEEC_ORIGIN_*
 * @num_params: parameters in the param array, 0..RH_TEE_NUM_PARAMS
 */
struct rh_tee_ioctl_invoke_arg {
	uint32_t func;
	uint32_t session;
	uint32_t cancel_id;
	uint32_t ret;
	uint32_t ret_origin;
	uint32_t num_params;
};

/** struct rh_tee_ioctl_cancel_arg - cancel a call (cancel_id) of a session */
struct rh_tee_ioctl_cancel_arg {
	uint32_t cancel_id;
	uint32_t session;
};

/**
 * rh_tee_client_open_context() - open a context on the platform's TEE
 * @plat: the platform; its TEE backend (rh_platform_set_tee_backend())
 *        answers get_version
 * @start: NULL, or a context returned before: the platform has one TEE, so
 *         searching after it finds nothing
 * @match: NULL accepts any TEE; otherwise returns non-zero to accept the
 *         TEE described by @ver
 * @data: passed to @match
 * @vers: if not NULL, receives the version data of the TEE opened
 *
 * Mirrors: tee_client_open_context() (drivers/tee/tee_core.c)
 * @return a context (close it with rh_tee_client_close_context()), or
 * RH_ERR_PTR(-ENOENT) when the platform has no TEE backend, the backend
 * fails get_version or @match refuses it (the kernel's "no device"),
 * -EINVAL for a NULL @plat, -ENOMEM.
 */
RH_EXPORT struct rh_tee_context *
rh_tee_client_open_context(struct rh_platform *plat,
			   struct rh_tee_context *start,
			   int (*match)(struct rh_tee_ioctl_version_data *ver,
					const void *data),
			   const void *data,
			   struct rh_tee_ioctl_version_data *vers);

/**
 * rh_tee_client_close_context() - close a context; NULL and error pointers
 * are ignored
 *
 * Sessions still open are closed (as optee_release() does). The context
 * lives on until its last shared memory is put.
 *
 * Mirrors: tee_client_close_context() (drivers/tee/tee_core.c)
 */
RH_EXPORT void rh_tee_client_close_context(struct rh_tee_context *ctx);

/**
 * rh_tee_client_get_version() - version data of the context's TEE
 *
 * Mirrors: tee_client_get_version() (drivers/tee/tee_core.c)
 */
RH_EXPORT void rh_tee_client_get_version(struct rh_tee_context *ctx,
					 struct rh_tee_ioctl_version_data *vers);

/**
 * rh_tee_client_open_session() - open a session to a trusted application
 * @ctx: the context
 * @arg: in: uuid, clnt_login (+ clnt_uuid for GROUP), cancel_id,
 *       num_params; out: session, ret, ret_origin
 * @param: @arg->num_params parameters (may be NULL when it is 0); outputs
 *         are written back
 *
 * Marshals OPEN_SESSION (two meta parameters: TA UUID, client UUID +
 * login) into the context's message buffer and hands it to the backend.
 * The client UUID is the nil UUID for PUBLIC and REE_KERNEL logins and the
 * kernel's UUIDv5 of "uid=<euid>" / "gid=<gid>" for USER / GROUP.
 *
 * Mirrors: tee_client_open_session() (drivers/tee/tee_core.c),
 * optee_open_session() (drivers/tee/optee/call.c)
 * @return 0 when the call reached the backend (then @arg->ret says whether
 * the session opened; a transport failure is ret TEEC_ERROR_COMMUNICATION,
 * origin COMMS, as the OP-TEE driver reports it); -EINVAL for a bad
 * argument (NULL, num_params > 4, bad attribute, memref outside its shm or
 * of another context, unknown login), -EPERM for a GROUP login the
 * process is not in, -ENOSPC when RH_TEE_CONTEXT_MAX_SESSIONS are open,
 * -ENOMEM.
 */
RH_EXPORT int rh_tee_client_open_session(struct rh_tee_context *ctx,
					 struct rh_tee_ioctl_open_session_arg *arg,
					 struct rh_tee_param *param);

/**
 * rh_tee_client_close_session() - close a session of @ctx
 *
 * Mirrors: tee_client_close_session() (drivers/tee/tee_core.c)
 * @return 0 (also when the TEE answers an error: the session is gone for
 * the client either way), -EINVAL for a session @ctx does not have open.
 */
RH_EXPORT int rh_tee_client_close_session(struct rh_tee_context *ctx,
					  uint32_t session);

/**
 * rh_tee_client_invoke_func() - invoke a command of an open session
 * @ctx: the context
 * @arg: in: func, session, cancel_id, num_params; out: ret, ret_origin
 * @param: @arg->num_params parameters; VALUE_OUTPUT/INOUT a, b, c and
 *         MEMREF_OUTPUT/INOUT sizes are written back
 *
 * The invoke path allocates nothing and makes no system call.
 *
 * Mirrors: tee_client_invoke_func() (drivers/tee/tee_core.c),
 * optee_invoke_func() (drivers/tee/optee/call.c)
 * @return 0 when the call reached the backend (result in @arg->ret, see
 * rh_tee_client_open_session()); -EINVAL for bad arguments or a session
 * @ctx does not have open.
 */
RH_EXPORT int rh_tee_client_invoke_func(struct rh_tee_context *ctx,
					struct rh_tee_ioctl_invoke_arg *arg,
					struct rh_tee_param *param);

/**
 * rh_tee_client_cancel_req() - ask the TEE to cancel a call of a session
 *
 * Trusted applications run with cancellation masked (the GP default), so
 * the emulator records the request and the call runs to completion.
 *
 * Mirrors: tee_client_cancel_req() (drivers/tee/tee_core.c)
 * @return 0, -EINVAL for a session @ctx does not have open, -EOPNOTSUPP if
 * the backend has no cancel method, the backend's transport error.
 */
RH_EXPORT int rh_tee_client_cancel_req(struct rh_tee_context *ctx,
				       struct rh_tee_ioctl_cancel_arg *arg);

/**
 * rh_tee_shm_register_kernel_buf() - share a caller-owned buffer with the TEE
 * @ctx: the context
 * @addr: the buffer; it must stay valid until the shm is put
 * @length: its size, at least 1
 *
 * Sends REGISTER_SHM (buffer address, size, a fresh cookie) to the TEE.
 *
 * Mirrors: tee_shm_register_kernel_buf() (drivers/tee/tee_shm.c)
 * @return the shm (one reference, drop with rh_tee_shm_put()), or
 * RH_ERR_PTR(-EINVAL) for NULL/0 arguments, -ENOMEM, -EOPNOTSUPP when the
 * backend cannot register memory, -EIO when the TEE refuses (its result is
 * logged) or the transport fails.
 */
RH_EXPORT struct rh_tee_shm *rh_tee_shm_register_kernel_buf(struct rh_tee_context *ctx,
							     void *addr,
							     size_t length);

/**
 * rh_tee_shm_alloc_kernel_buf() - allocate a zeroed buffer shared with the TEE
 *
 * Mirrors: tee_shm_alloc_kernel_buf() (drivers/tee/tee_shm.c)
 * @return the shm or RH_ERR_PTR() as rh_tee_shm_register_kernel_buf().
 */
RH_EXPORT struct rh_tee_shm *rh_tee_shm_alloc_kernel_buf(struct rh_tee_context *ctx,
							  size_t size);

/**
 * rh_tee_shm_put() - drop a reference; the last one unregisters the buffer
 * from the TEE (UNREGISTER_SHM) and frees what alloc_kernel_buf allocated.
 * NULL and error pointers are ignored.
 *
 * Mirrors: tee_shm_put() (drivers/tee/tee_shm.c)
 */
RH_EXPORT void rh_tee_shm_put(struct rh_tee_shm *shm);

/**
 * rh_tee_shm_register_fd() - register a protected dma-buf with the TEE
 * @ctx: the context
 * @fd: a dma-buf fd of @ctx's platform, from a protected heap
 *      (<rheap/tee-heap.h>) served by the same TEE
 *
 * The shm holds a reference on the buffer (the fd may be closed at
 * once) and has no CPU address. A memref over it reaches a trusted
 * application as the protected memory it is: the buffer's range of the
 * memory its pool lent (or the carveout), never normal shared memory.
 * Nothing is sent to the TEE until such a call.
 *
 * Mirrors: tee_shm_register_fd() (drivers/tee/tee_shm.c, Linux 6.18)
 * @return the shm (drop with rh_tee_shm_put()), RH_ERR_PTR(-EINVAL) for a
 * bad context or a dma-buf that is not protected memory of this TEE (any
 * other exporter, another TEE or platform), -EBADF for a closed @fd,
 * -ENOMEM.
 */
RH_EXPORT struct rh_tee_shm *rh_tee_shm_register_fd(struct rh_tee_context *ctx, int fd);

/**
 * rh_tee_shm_get_va() - host address of byte @offs of @shm
 *
 * Mirrors: tee_shm_get_va() (drivers/tee/tee_shm.c)
 * @return the address, or RH_ERR_PTR(-EINVAL) when @offs >= size or @shm
 * is a registered dma-buf (protected memory has no CPU address).
 */
RH_EXPORT void *rh_tee_shm_get_va(struct rh_tee_shm *shm, size_t offs);

/** rh_tee_shm_get_size() - size of @shm in bytes (the kernel's shm->size) */
RH_EXPORT size_t rh_tee_shm_get_size(const struct rh_tee_shm *shm);

RH_END_DECLS

#endif /* RHEAP_TEE_H */
