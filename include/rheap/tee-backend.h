/* SPDX-License-Identifier: MIT */
/* Test bench: TEE backends (the emulator, record/replay, the fault wrapper) and how a platform is wired to one. */
#ifndef RHEAP_TEE_BACKEND_H
#define RHEAP_TEE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>
#include <rheap/tee-msg.h>
#include <rheap/tee.h>

RH_BEGIN_DECLS

/*
 * Not a normal-world capability: a backend is the conduit to the secure
 * world (the SMC instruction and what answers it). Plugging one in,
 * recording or replaying it, or injecting faults is the test bench's.
 */

/* ------------------------------------------------------------ backends */

/*
 * Version 2 added the protected-memory methods (LEND_PROTMEM,
 * RECLAIM_PROTMEM, GET_PROTMEM_CONFIG, protmem_caps). Tables of version 1
 * are still accepted: they are read only as far as version 1 goes, so a
 * backend built against the old header keeps working and simply offers no
 * protected memory.
 */
#define RH_TEE_OPS_VERSION 2
/** Oldest table version accepted. */
#define RH_TEE_OPS_VERSION_MIN 1

/* struct rh_tee_protmem_caps.flags */
/** A static carveout is protected memory (OPTEE_SMC_SEC_CAP_PROTMEM). */
#define RH_TEE_PROTMEM_CAP_STATIC (1u << 0)
/** Memory may be lent per use case (OPTEE_SMC_SEC_CAP_DYNAMIC_PROTMEM). */
#define RH_TEE_PROTMEM_CAP_DYNAMIC (1u << 1)

/**
 * struct rh_tee_protmem_caps - what a TEE offers as protected memory
 * @flags: RH_TEE_PROTMEM_CAP_* bits
 * @pa_width: bits of a physical address the secure world handles (STATIC)
 * @static_use_case: STATIC: the use case the carveout serves
 *                   (RH_OPTEE_MSG_PROTMEM_*; upstream only ever serves
 *                   secure video from it, the simulation says which)
 * @reserved: 0
 * @static_base, @static_size: STATIC: the carveout
 *
 * The answer of the fast calls OPTEE_SMC_EXCHANGE_CAPABILITIES (the
 * protmem bits) and OPTEE_SMC_GET_PROTMEM_CONFIG (the carveout), which are
 * SMCs of their own rather than messages.
 */
struct rh_tee_protmem_caps {
	uint32_t flags;
	uint32_t pa_width;
	uint32_t static_use_case;
	uint32_t reserved;
	rh_phys_addr_t static_base;
	uint64_t static_size;
};

/**
 * struct rh_tee_ops - a TEE backend (what a TEE driver talks to)
 * @version: RH_TEE_OPS_VERSION_MIN..RH_TEE_OPS_VERSION; any other table is
 *           refused; the members below the version-2 line are read only
 *           from tables of version 2 or later
 * @get_version: mandatory; describe the TEE
 * @open_session: mandatory; OPEN_SESSION message
 * @invoke: mandatory; INVOKE_COMMAND message
 * @close_session: mandatory; CLOSE_SESSION message
 * @cancel: optional; CANCEL message
 * @shm_register: optional (no REG_MEM without it); REGISTER_SHM message
 * @shm_unregister: optional, needed with @shm_register; UNREGISTER_SHM
 * @ta_panic_next: optional test hook: make the trusted application serving
 *                 @session (0: the next OPEN_SESSION) panic when it is next
 *                 entered; used by the fault wrapper
 * @lend_protmem: version 2, optional; LEND_PROTMEM message
 * @reclaim_protmem: version 2, optional, needed with @lend_protmem;
 *                   RECLAIM_PROTMEM message
 * @get_protmem_config: version 2, optional; GET_PROTMEM_CONFIG message
 * @protmem_caps: version 2, optional (absent: no protected memory); the
 *                fast calls of struct rh_tee_protmem_caps; 0 and
 *                *@ret_caps filled, or a negative errno
 *
 * Every message method receives the marshalled message exactly as a TEE
 * driver would pass it to the secure world (@size bytes, header + params)
 * and returns 0 once the TEE has written ret / ret_origin and the outputs
 * into it, or a negative errno when the transport failed (the client then
 * reports TEEC_ERROR_COMMUNICATION with origin COMMS). Methods may be
 * called concurrently from several threads, each with its own message.
 * Every call passes the backend's @priv cookie.
 */
struct rh_tee_ops {
	uint32_t version;
	int (*get_version)(void *priv, struct rh_tee_ioctl_version_data *ret_vers);
	int (*open_session)(void *priv, struct rh_optee_msg_arg *msg, size_t size);
	int (*invoke)(void *priv, struct rh_optee_msg_arg *msg, size_t size);
	int (*close_session)(void *priv, struct rh_optee_msg_arg *msg,
			     size_t size);
	int (*cancel)(void *priv, struct rh_optee_msg_arg *msg, size_t size);
	int (*shm_register)(void *priv, struct rh_optee_msg_arg *msg, size_t size);
	int (*shm_unregister)(void *priv, struct rh_optee_msg_arg *msg,
			      size_t size);
	int (*ta_panic_next)(void *priv, uint32_t session);
	/* ---- version 2 */
	int (*lend_protmem)(void *priv, struct rh_optee_msg_arg *msg, size_t size);
	int (*reclaim_protmem)(void *priv, struct rh_optee_msg_arg *msg,
			       size_t size);
	int (*get_protmem_config)(void *priv, struct rh_optee_msg_arg *msg,
				  size_t size);
	int (*protmem_caps)(void *priv, struct rh_tee_protmem_caps *ret_caps);
};

/**
 * rh_tee_ops_call() - the one way to call a backend with a message
 * @ops, @priv: the backend
 * @msg, @size: a message of RH_OPTEE_MSG_GET_ARG_SIZE(msg->num_params) bytes
 *
 * Checks the table's version and that the method for @msg->cmd exists,
 * then calls it. Wrapping backends use it to reach the backend they wrap.
 * @return the method's return, -EOPNOTSUPP for a NULL/foreign-version
 * table or a missing method (a protected-memory command to a version-1
 * table included), -EINVAL for a NULL/short message or an unknown command.
 */
RH_EXPORT int rh_tee_ops_call(const struct rh_tee_ops *ops, void *priv,
			      struct rh_optee_msg_arg *msg, size_t size);

/** rh_tee_ops_get_version() - checked call of get_version (as above) */
RH_EXPORT int rh_tee_ops_get_version(const struct rh_tee_ops *ops, void *priv,
				     struct rh_tee_ioctl_version_data *ret_vers);

/** rh_tee_ops_ta_panic_next() - checked call of ta_panic_next (as above) */
RH_EXPORT int rh_tee_ops_ta_panic_next(const struct rh_tee_ops *ops,
				       void *priv, uint32_t session);

/**
 * rh_tee_ops_protmem_caps() - checked call of protmem_caps
 * @ret_caps: written only on success
 * @return the method's return, -EOPNOTSUPP for a table without the method
 * (version 1 included), -EINVAL for a NULL @ret_caps.
 */
RH_EXPORT int rh_tee_ops_protmem_caps(const struct rh_tee_ops *ops, void *priv,
				      struct rh_tee_protmem_caps *ret_caps);

/**
 * rh_platform_set_tee_backend() - plug a TEE backend into the platform
 * @ops: the backend's table, NULL for "no TEE" (the driver not probed:
 *       rh_tee_client_open_context() fails with -ENOENT)
 * @priv: its cookie
 *
 * A platform starts with the in-process emulator. Contexts keep the
 * backend they were opened with, so the backend can only change while no
 * context is open.
 * The TEE driver is bound to the backend: changing it removes the driver
 * and probes it again on the new backend, as unloading and loading the
 * TEE driver would (its protected-memory heaps stay registered; those the
 * new TEE does not serve fail allocations with -EINVAL until one does).
 * @return 0, -EINVAL for a NULL @plat or a table whose version is not in
 * RH_TEE_OPS_VERSION_MIN..RH_TEE_OPS_VERSION or that lacks a mandatory
 * method, -EBUSY while a context of @plat is open (protected memory lent
 * to the TEE keeps the driver's own context open).
 */
RH_EXPORT int rh_platform_set_tee_backend(struct rh_platform *plat,
					  const struct rh_tee_ops *ops,
					  void *priv);

/**
 * rh_platform_get_tee_backend() - the backend in use (to wrap it)
 * @ret_ops, @ret_priv: written on success (*@ret_ops NULL: no TEE)
 * @return 0, -EINVAL for NULL arguments.
 */
RH_EXPORT int rh_platform_get_tee_backend(struct rh_platform *plat,
					  const struct rh_tee_ops **ret_ops,
					  void **ret_priv);

/**
 * rh_platform_get_default_tee_backend() - the platform's in-process emulator
 * @return 0, -EINVAL for NULL arguments, -ENODEV when the platform has no
 * emulator.
 */
RH_EXPORT int rh_platform_get_default_tee_backend(struct rh_platform *plat,
						  const struct rh_tee_ops **ret_ops,
						  void **ret_priv);

/* ------------------------------------------------------------ record/replay */

enum rh_tee_record_mode {
	RH_TEE_RECORD = 1, /* forward to the inner backend, log every call */
	RH_TEE_REPLAY = 2, /* answer every call from the log, no inner backend */
};

struct rh_tee_record;

/**
 * rh_tee_record_new() - a record or replay backend
 * @plat: for log messages (may be NULL)
 * @path: the log file (created/truncated when recording)
 * @mode: RH_TEE_RECORD or RH_TEE_REPLAY
 * @inner, @inner_priv: RECORD: the backend that answers; REPLAY: NULL
 * @ret_rec: the backend's cookie; its table is rh_tee_record_get_ops()
 *
 * File format (text, one record a line, documented in src/tee/tee-record.c):
 * the message sent, the message answered, the shared-memory bytes the TEE
 * read and wrote, and the method's return value, for every call. Replay
 * compares each call with the log (host addresses in REGISTER_SHM are not
 * compared) and answers from it; on the first difference it logs what
 * differs and returns -EPROTO for that call and every later one.
 * @return 0, -EINVAL (bad arguments, or a replay log that does not parse:
 * the line is logged), -ENOMEM, -errno of opening @path.
 */
RH_EXPORT int rh_tee_record_new(struct rh_platform *plat, const char *path,
				enum rh_tee_record_mode mode,
				const struct rh_tee_ops *inner, void *inner_priv,
				struct rh_tee_record **ret_rec);

/** rh_tee_record_get_ops() - the table of record/replay backends */
RH_EXPORT const struct rh_tee_ops *rh_tee_record_get_ops(void);

/** rh_tee_record_calls() - calls recorded or replayed so far */
RH_EXPORT unsigned int rh_tee_record_calls(const struct rh_tee_record *rec);

/**
 * rh_tee_record_finish() - end a recording or check a replay
 * @return 0; RECORD: -EIO if writing the log failed; REPLAY: -EPROTO if a
 * call diverged or the log has calls that were not replayed.
 */
RH_EXPORT int rh_tee_record_finish(struct rh_tee_record *rec);

/** rh_tee_record_free() - close and free; NULL-safe */
RH_EXPORT void rh_tee_record_free(struct rh_tee_record *rec);

/* ------------------------------------------------------------ fault wrapper */

enum rh_tee_fault_action {
	RH_TEE_FAULT_NONE = 0,      /* disarmed: forward everything */
	RH_TEE_FAULT_RESULT = 1,    /* answer with @result / @origin */
	RH_TEE_FAULT_TRANSPORT = 2, /* return @error from the method */
	RH_TEE_FAULT_PANIC = 3,     /* the TA panics when entered */
};

/** Bit of struct rh_tee_fault_spec.cmd_mask for command @cmd. */
#define RH_TEE_FAULT_CMD(cmd) (1u << (cmd))

/**
 * struct rh_tee_fault_spec - which call fails and how (zero it, then fill)
 * @nth: fail the @nth matching call (1-based)
 * @cmd_mask: RH_TEE_FAULT_CMD() bits of the commands that match; 0 = all
 * @match_func: only INVOKE_COMMAND messages whose func is @func match
 * @func: see @match_func
 * @action: what happens to the failing call
 * @result, @origin: RESULT: written into the message
 * @error: TRANSPORT: negative errno returned (default -EIO when 0)
 * @after: RESULT/TRANSPORT: forward the call first and fail its answer
 *         (the TEE did the work; models a lost reply) instead of failing
 *         it before it reaches the TEE
 * @sticky: keep failing every later matching call too
 *
 * PANIC forwards the call after asking the inner backend (ta_panic_next)
 * to make the TA panic on entry, so the TEE really reports TARGET_DEAD;
 * only OPEN_SESSION and INVOKE_COMMAND messages (those that enter a TA)
 * match it, so that @nth counts the calls a panic can hit.
 */
struct rh_tee_fault_spec {
	unsigned int nth;
	uint32_t cmd_mask;
	bool match_func;
	uint32_t func;
	enum rh_tee_fault_action action;
	uint32_t result;
	uint32_t origin;
	int error;
	bool after;
	bool sticky;
};

struct rh_tee_fault;

/**
 * rh_tee_fault_new() - a fault-injecting wrapper around a backend
 * @plat: for log messages (may be NULL)
 * @inner, @inner_priv: the wrapped backend
 * @ret_fault: the wrapper's cookie; its table is rh_tee_fault_get_ops()
 *
 * Starts disarmed (forwards every call).
 * @return 0, -EINVAL, -ENOMEM.
 */
RH_EXPORT int rh_tee_fault_new(struct rh_platform *plat,
			       const struct rh_tee_ops *inner, void *inner_priv,
			       struct rh_tee_fault **ret_fault);

/** rh_tee_fault_get_ops() - the table of fault wrappers */
RH_EXPORT const struct rh_tee_ops *rh_tee_fault_get_ops(void);

/**
 * rh_tee_fault_arm() - (re)arm: counting of matching calls restarts at 0
 * @spec: NULL or action NONE disarms
 * @return 0, -EINVAL for a bad spec (nth 0 with an action, PANIC with
 * @after, a positive @error), -EOPNOTSUPP for PANIC when the inner backend
 * has no ta_panic_next.
 */
RH_EXPORT int rh_tee_fault_arm(struct rh_tee_fault *fault,
			       const struct rh_tee_fault_spec *spec);

/** rh_tee_fault_matched() - matching calls seen since arming */
RH_EXPORT unsigned int rh_tee_fault_matched(const struct rh_tee_fault *fault);

/** rh_tee_fault_fired() - faults injected since arming */
RH_EXPORT unsigned int rh_tee_fault_fired(const struct rh_tee_fault *fault);

/** rh_tee_fault_free() - NULL-safe */
RH_EXPORT void rh_tee_fault_free(struct rh_tee_fault *fault);

RH_END_DECLS

#endif /* RHEAP_TEE_BACKEND_H */
