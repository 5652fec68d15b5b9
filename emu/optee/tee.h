/* SPDX-License-Identifier: MIT */
/* The emulated TEE core: trusted application interface, SMC entry, stats. */
#ifndef RH_EMU_TEE_H
#define RH_EMU_TEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/tee-backend.h>
#include <rheap/tee.h>

/*
 * Only emu/ (and tests) include this header. The normal world reaches the
 * emulator exclusively through its struct rh_tee_ops backend.
 */

struct rh_platform;
struct rh_tee_emu;
struct rh_ta_ctx;

/* ------------------------------------------------------------ TA interface */

/*
 * Trusted application flags (OP-TEE's TA_FLAG_* bit positions).
 * SINGLE_INSTANCE: one instance serves every session (otherwise each
 * session gets its own instance). MULTI_SESSION: with SINGLE_INSTANCE,
 * more than one session may be open (otherwise a second OPEN_SESSION gets
 * TEEC_ERROR_BUSY). INSTANCE_KEEP_ALIVE: with SINGLE_INSTANCE, the
 * instance survives its last session (destroyed with the emulator).
 */
#define RH_TA_FLAG_SINGLE_INSTANCE (1u << 2)
#define RH_TA_FLAG_MULTI_SESSION (1u << 3)
#define RH_TA_FLAG_INSTANCE_KEEP_ALIVE (1u << 4)
#define RH_TA_FLAGS_MASK \
	(RH_TA_FLAG_SINGLE_INSTANCE | RH_TA_FLAG_MULTI_SESSION | \
	 RH_TA_FLAG_INSTANCE_KEEP_ALIVE)

/* Parameter types seen by a TA (GP TEE_PARAM_TYPE_*). */
#define RH_TA_PARAM_NONE 0
#define RH_TA_PARAM_VALUE_INPUT 1
#define RH_TA_PARAM_VALUE_OUTPUT 2
#define RH_TA_PARAM_VALUE_INOUT 3
#define RH_TA_PARAM_MEMREF_INPUT 5
#define RH_TA_PARAM_MEMREF_OUTPUT 6
#define RH_TA_PARAM_MEMREF_INOUT 7

#define RH_TA_NUM_PARAMS 4
/* GP TEE_PARAM_TYPES(): 4 bits a parameter. */
#define RH_TA_PARAM_TYPES(t0, t1, t2, t3) \
	((uint32_t)(t0) | ((uint32_t)(t1) << 4) | ((uint32_t)(t2) << 8) | \
	 ((uint32_t)(t3) << 12))
#define RH_TA_PARAM_TYPE_GET(types, i) (((types) >> ((i) * 4)) & 0xf)

/*
 * A TA that returns this from an entry point panics (same as calling
 * rh_ta_panic()); it lies in GP's implementation-defined result range.
 */
#define RH_TA_RESULT_PANIC 0xF0DEAD01u

/**
 * struct rh_ta_param - one parameter as a TA sees it
 * @type: RH_TA_PARAM_* (the same as RH_TA_PARAM_TYPE_GET(param_types, i))
 * @u.memref: host address and size of the range (buffer NULL for a NULL
 *            memref): normal-world shared memory, or protected memory seen
 *            through the secure view. @prot tells which: 0 for normal
 *            shared memory, else the protected-memory use case the whole
 *            range lies in (RH_OPTEE_MSG_PROTMEM_*; what a TA learns from
 *            TEE_CheckMemoryAccessRights() with TEE_MEMORY_ACCESS_SECURE).
 *            OUTPUT/INOUT: set @size to the bytes produced, or to the
 *            bytes needed with TEEC_ERROR_SHORT_BUFFER; it is written back
 *            to the client.
 * @u.value: the full 64-bit wire values (OUTPUT values start at 0);
 *           OUTPUT/INOUT values are written back.
 */
struct rh_ta_param {
	uint32_t type;
	union {
		struct {
			void *buffer;
			size_t size;
			uint32_t prot;
		} memref;
		struct {
			uint64_t a;
			uint64_t b;
			uint64_t c;
		} value;
	} u;
};

/**
 * struct rh_ta_ops - a trusted application (static, registered by UUID)
 * @name: for logs; mandatory
 * @uuid: 16 bytes big-endian, as on the wire (rh_uuid_parse())
 * @flags: RH_TA_FLAG_*
 * @create: optional; a new instance (rh_ta_set_priv() for its state);
 *          a result other than TEEC_SUCCESS fails the OPEN_SESSION with
 *          that result and origin TRUSTED_APP
 * @destroy: optional; the instance ends (also after a panic: then
 *           rh_ta_is_dead() is true and the TA only frees what it holds)
 * @open_session: optional (NULL accepts); @ret_sess_ctx: session state
 * @close_session: optional; also called for the sessions of a dead
 *                 instance so the TA can free their state
 * @invoke: mandatory; @cmd is the client's func; returns a TEE result
 *          (origin TRUSTED_APP) or RH_TA_RESULT_PANIC
 *
 * Entry points may run concurrently on several threads (also for one
 * instance): a TA protects its own state. The core never holds a lock
 * while it calls a TA, so a TA may zero or scrub large buffers in there.
 * Memory references point into normal-world memory: a TA must check sizes
 * and copy what it validates (the client can change it at any time).
 */
struct rh_ta_ops {
	const char *name;
	uint8_t uuid[RH_TEE_IOCTL_UUID_LEN];
	uint32_t flags;
	uint32_t (*create)(struct rh_ta_ctx *ctx);
	void (*destroy)(struct rh_ta_ctx *ctx);
	uint32_t (*open_session)(struct rh_ta_ctx *ctx, uint32_t param_types,
				 struct rh_ta_param params[RH_TA_NUM_PARAMS],
				 void **ret_sess_ctx);
	void (*close_session)(struct rh_ta_ctx *ctx, void *sess_ctx);
	uint32_t (*invoke)(struct rh_ta_ctx *ctx, void *sess_ctx, uint32_t cmd,
			   uint32_t param_types,
			   struct rh_ta_param params[RH_TA_NUM_PARAMS]);
};

/**
 * struct rh_ta_client - who opened a session (GP's TEE_Identity, the
 * gpd.client.identity property)
 * @login: RH_OPTEE_MSG_LOGIN_* (RH_OPTEE_MSG_LOGIN_REE_KERNEL for the
 *         kernel's own clients; a user-space client can never claim it)
 * @uuid: the client UUID the normal world's TEE driver computed (nil for
 *        PUBLIC and REE_KERNEL)
 * @session: the id of the session being served (what the normal world
 *           calls it; not part of GP's identity)
 */
struct rh_ta_client {
	uint32_t login;
	uint8_t uuid[RH_TEE_IOCTL_UUID_LEN];
	uint32_t session;
};

/*
 * rh_ta_get_client() - identity of the client of the session whose entry
 * point (open_session, invoke, close_session) runs on this thread, as
 * TEE_GetPropertyAsIdentity(TEE_PROPSET_CURRENT_CLIENT,
 * "gpd.client.identity") gives it. Returns 0, or -EINVAL outside an entry
 * point of @ctx.
 */
int rh_ta_get_client(struct rh_ta_ctx *ctx, struct rh_ta_client *ret_client);

/* True for the REE kernel's own sessions (OP-TEE's TEE_LOGIN_REE_KERNEL). */
static inline bool rh_ta_client_is_kernel(const struct rh_ta_client *client)
{
	return client->login == RH_OPTEE_MSG_LOGIN_REE_KERNEL;
}

/* Instance state of the TA (NULL until set). */
void *rh_ta_get_priv(struct rh_ta_ctx *ctx);
void rh_ta_set_priv(struct rh_ta_ctx *ctx, void *priv);
/* The platform the TEE runs on (NULL for a standalone emulator). */
struct rh_platform *rh_ta_get_platform(struct rh_ta_ctx *ctx);
const struct rh_ta_ops *rh_ta_get_ops(struct rh_ta_ctx *ctx);

/*
 * rh_ta_panic() - the instance panics (TEE_Panic): logged with @code, the
 * current call and every later call on its sessions answer
 * TEEC_ERROR_TARGET_DEAD with origin TEE, and so do all sessions of the
 * instance (all sessions of a single-instance TA). The TA must return
 * right after calling it; its return value is ignored.
 */
void rh_ta_panic(struct rh_ta_ctx *ctx, uint32_t code);
/* True once the instance has panicked. */
bool rh_ta_is_dead(struct rh_ta_ctx *ctx);

/*
 * rh_ta_protmem_hold() - keep the protected memory memref @p of the
 * current call lies in beyond the call, as a secure driver keeps a buffer
 * it was handed (OP-TEE's mobj_get()); while it is held, a reclaim of
 * that memory answers BUSY. @ret_hold: what rh_ta_protmem_release() takes.
 * Returns 0, -EINVAL (NULL, or @p is not a memref of protected memory).
 * rh_ta_protmem_release() drops it (NULL-safe).
 */
int rh_ta_protmem_hold(struct rh_ta_ctx *ctx, const struct rh_ta_param *p,
		       void **ret_hold);
void rh_ta_protmem_release(struct rh_ta_ctx *ctx, void *hold);

/*
 * rh_ta_random() / rh_tee_emu_random() - @len unguessable bytes from the
 * emulator's CSPRNG (ChaCha20 keystream keyed once from the OS; no system
 * call per request). Returns 0, -EINVAL (NULL), -ENODEV (no emulator),
 * -EIO (crypto failure).
 */
int rh_ta_random(struct rh_ta_ctx *ctx, void *buf, size_t len);
int rh_tee_emu_random(struct rh_platform *plat, void *buf, size_t len);

/*
 * rh_tee_emu_register_ta() - make a TA available on the platform's TEE.
 * @ops must stay valid while the emulator lives.
 * Returns 0, -EINVAL (NULL, no name or invoke, unknown flags), -EEXIST
 * (a TA with this UUID is registered), -ENOSPC (RH_TEE_EMU_MAX_TAS),
 * -ENODEV (the platform has no emulator).
 */
int rh_tee_emu_register_ta(struct rh_platform *plat, const struct rh_ta_ops *ops);

/* ------------------------------------------------------------ the core */

#define RH_TEE_EMU_MAX_TAS 16
#define RH_TEE_EMU_MAX_SESSIONS 256
#define RH_TEE_EMU_MAX_SHM 4096

/* Module hooks rh_tee_emu_init() / rh_tee_emu_fini(): see src/internal.h. */

/*
 * rh_tee_emu_new() - a standalone emulator (tests, fuzzing); @plat is used
 * for logs, world-switch counting and handed to TAs, and may be NULL.
 * Returns 0, -ENOMEM, -EIO (CSPRNG seeding failed).
 */
int rh_tee_emu_new(struct rh_platform *plat, struct rh_tee_emu **ret_emu);
/* Closes every session (TA close/destroy run) and frees; NULL-safe. */
void rh_tee_emu_free(struct rh_tee_emu *emu);
/* rh_tee_emu_register_ta() on an emulator object. */
int rh_tee_emu_add_ta(struct rh_tee_emu *emu, const struct rh_ta_ops *ops);
/* Unregister a TA; -ENOENT if unknown, -EBUSY while it has an instance. */
int rh_tee_emu_remove_ta(struct rh_tee_emu *emu, const uint8_t *uuid);

/*
 * rh_tee_emu_call() - the SMC-like entry: process one message in place.
 * @msg, @size: message buffer of the normal world (any content).
 * Every message of at least a header gets ret / ret_origin written (a
 * malformed one BAD_FORMAT / BAD_PARAMETERS, origin TEE, and one log line).
 * Returns 0 when ret was written, -EINVAL when @msg is NULL or shorter
 * than a header (nothing written: the SMC's own error).
 */
int rh_tee_emu_call(struct rh_tee_emu *emu, void *msg, size_t size);

/* The in-process backend table; its priv is the struct rh_tee_emu. */
const struct rh_tee_ops *rh_tee_emu_get_ops(void);

/*
 * rh_tee_emu_set_ns_window() - restrict REGISTER_SHM to buffers inside
 * [@base, @base + @size) (OP-TEE only accepts non-secure RAM there). By
 * default any host address is trusted, since the in-process client is the
 * only sender; the fuzz target sets a window so forged addresses are
 * refused. @size 0 removes the restriction. Returns 0 or -EINVAL.
 */
int rh_tee_emu_set_ns_window(struct rh_tee_emu *emu, const void *base,
			     size_t size);

/**
 * struct rh_tee_emu_stats - counters of an emulator
 * @tas: registered trusted applications
 * @instances: live TA instances (dead ones included until reclaimed)
 * @sessions: open sessions (dead ones included until closed)
 * @shm: registered shared-memory buffers
 * @calls: messages entered (rh_tee_emu_call())
 * @world_switches: SMC entries + returns (2 a call)
 * @malformed: messages refused by the parser
 * @panics: TA panics
 * @cancels: CANCEL requests accepted
 */
struct rh_tee_emu_stats {
	unsigned int tas;
	unsigned int instances;
	unsigned int sessions;
	unsigned int shm;
	uint64_t calls;
	uint64_t world_switches;
	uint64_t malformed;
	uint64_t panics;
	uint64_t cancels;
};

void rh_tee_emu_get_stats(struct rh_tee_emu *emu,
			  struct rh_tee_emu_stats *ret_stats);

/* The platform's emulator (NULL when it has none). */
struct rh_tee_emu *rh_tee_emu_of(struct rh_platform *plat);

/*
 * The single errno -> TEE result translation of the secure side (reverse
 * of rh_tee_result_to_errno()): 0 SUCCESS, -ENOMEM OUT_OF_MEMORY, -EINVAL
 * BAD_PARAMETERS, -EBADMSG BAD_FORMAT, -EACCES ACCESS_DENIED, -EPERM
 * SECURITY, -ENOENT ITEM_NOT_FOUND, -EBUSY BUSY, -ENOSPC SHORT_BUFFER,
 * -EOPNOTSUPP NOT_SUPPORTED, -ECANCELED CANCEL, -EPIPE TARGET_DEAD, -ECOMM
 * COMMUNICATION, -EOVERFLOW OVERFLOW, -E2BIG EXCESS_DATA, -ENODATA NO_DATA,
 * anything else GENERIC.
 */
uint32_t rh_errno_to_tee_result(int err);

#endif /* RH_EMU_TEE_H */
