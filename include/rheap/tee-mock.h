/* SPDX-License-Identifier: MIT */
/* A cmocka mock of the TEE backend: script one failure in a line, or every call in order. */
#ifndef RHEAP_TEE_MOCK_H
#define RHEAP_TEE_MOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>
#include <rheap/tee-backend.h>
#include <rheap/tee.h>

RH_BEGIN_DECLS

/**
 * DOC: librheap-sim-mock
 *
 * Not part of librheap-sim itself: link librheap-sim-mock (pkg-config
 * librheap-sim-mock, or dependency('librheap-sim-mock') in Meson, also as a
 * subproject), which is built and installed whenever cmocka is found, and
 * call these from cmocka tests. One script at a time, for one platform;
 * the script is process-wide and not for calls from several threads.
 *
 * Two ways to use it:
 *
 * - Scripted failures (rh_mock_tee_install()): the mock sits in front of
 *   the platform's emulated TEE and forwards every call nobody scripted, so
 *   the heaps, importers and TAs work as usual; a test scripts only what
 *   must go wrong:
 *
 *	rh_mock_tee_install(plat);
 *	rh_mock_tee_fail_nth(RH_MTK_TZCMD_SECMEM_ZALLOC, 2, RH_TEEC_ERROR_OUT_OF_MEMORY);
 *	(the first allocation works, the second gets -ENOMEM)
 *
 * - Every call in order (rh_platform_set_tee_backend(plat, rh_mock_tee_ops(),
 *   NULL)): no TEE behind the mock; each backend call must have been
 *   queued with rh_mock_tee_expect() and friends, in order. A heap's first
 *   allocation makes four: get_version, OPEN_SESSION, then INVOKE_COMMAND of
 *   SECMEM_ZALLOC (and, when the platform is destroyed, CLOSE_SESSION).
 *
 * Both ways, a call the script does not cover fails the test with a message
 * that names it ("unexpected INVOKE_COMMAND of SECMEM_ZALLOC (func 0x10000)
 * on session 256 of TA 4477588a-... (mtk-secmem)") and the place in the test
 * that set the script up; whatever the script still holds when the test
 * ends fails it at the line that scripted it. Library log lines that a
 * scripted failure provokes (the heap's "rheap_mtk: cmd 0x10000 ret ...")
 * are kept for rh_mock_tee_last_log() instead of being printed.
 */

/**
 * struct rh_mock_tee_value - an output value the mock writes into the message
 * @set: write it (the parameter must be a VALUE_OUTPUT or VALUE_INOUT)
 * @a, @b, @c: the value
 */
struct rh_mock_tee_value {
	bool set;
	uint64_t a;
	uint64_t b;
	uint64_t c;
};

/**
 * struct rh_mock_tee_reply - how the mock answers one call (zero it, then fill)
 * @rc: the backend method's return; negative = the transport failed (the
 *      client reports TEEC_ERROR_COMMUNICATION, origin COMMS)
 * @ret: TEE result written into the message when @rc is 0
 * @origin: RH_TEEC_ORIGIN_* of @ret
 * @session: OPEN_SESSION: the session id answered
 * @fill: optional; called with the message first, to check it or to write
 *        outputs (it may call back into the TEE client)
 * @data: passed to @fill
 * @value: outputs to write, indexed as the client numbers the parameters
 *         (for OPEN_SESSION, after the two meta parameters)
 * @forward: installed mock only: let the TEE behind it do the call first,
 *           then apply this reply over its answer (a TEE that did the work
 *           but whose answer was lost or changed on the way)
 *
 * The mock keeps a copy: the reply need not outlive the scripting call
 * (the data @fill points to must).
 */
struct rh_mock_tee_reply {
	int rc;
	uint32_t ret;
	uint32_t origin;
	uint32_t session;
	void (*fill)(struct rh_optee_msg_arg *msg, size_t size, void *data);
	void *data;
	struct rh_mock_tee_value value[RH_TEE_NUM_PARAMS];
	bool forward;
};

/**
 * rh_mock_tee_ops() - the mock backend's table (its priv is unused)
 *
 * Plugged in with rh_platform_set_tee_backend(), it has no TEE behind it:
 * every call must be queued (rh_mock_tee_expect()). rh_mock_tee_install()
 * plugs the same table in front of the platform's TEE.
 */
RH_EXPORT const struct rh_tee_ops *rh_mock_tee_ops(void);

/**
 * rh_mock_tee_install() - put the mock in front of @plat's TEE backend
 * @plat: a platform with no TEE context open yet (right after
 *        rh_platform_new(): the heaps open theirs on first allocation)
 *
 * Starts a new script (rh_mock_tee_reset()). Calls nobody scripted are
 * forwarded to the backend @plat had (the emulated TEE by default). Also
 * installs a log function on @plat: library log lines are printed on
 * stderr as usual ("rheap: ...") until a scripted reply is used, and kept
 * quiet after that (rh_mock_tee_last_log()). The mock stays in place for
 * the platform's life.
 *
 * @return 0, -EINVAL for a NULL @plat, -EBUSY while a TEE context of
 * @plat is open.
 */
#define rh_mock_tee_install(plat) rh_mock_tee_install_at((plat), __FILE__, __LINE__)
RH_EXPORT int rh_mock_tee_install_at(struct rh_platform *plat, const char *file, int line);

/**
 * rh_mock_tee_reset() - forget the script: queued calls, scripted answers,
 * kept log lines, sessions seen
 *
 * rh_mock_tee_install() does it; a test that plugs rh_mock_tee_ops() in
 * itself calls it first (after a failed test, the script of that test is
 * still there).
 */
RH_EXPORT void rh_mock_tee_reset(void);

/**
 * rh_mock_tee_answer_nth() - the @nth call of @cmd (and @func) from now on
 * gets @reply instead of reaching the TEE
 * @cmd: RH_OPTEE_MSG_CMD_* (OPEN_SESSION, INVOKE_COMMAND, ...)
 * @func: INVOKE_COMMAND: the TA's command (RH_MTK_TZCMD_SECMEM_ZALLOC);
 *        ignored for the other commands
 * @nth: 1 for the next matching call
 * @reply: the answer (copied)
 *
 * Each scripted answer counts the matching calls made after it was
 * scripted, and is used once. One that was never used fails the test when
 * it ends, at this line.
 */
#define rh_mock_tee_answer_nth(cmd, func, nth, reply) \
	rh_mock_tee_answer_nth_at((cmd), (func), (nth), (reply), __FILE__, __LINE__)
RH_EXPORT void rh_mock_tee_answer_nth_at(uint32_t cmd, uint32_t func, unsigned int nth,
					 const struct rh_mock_tee_reply *reply,
					 const char *file, int line);

/**
 * rh_mock_tee_answer_next() - the next INVOKE_COMMAND of @func gets @reply
 *
 * "The next ZALLOC answers X": rh_mock_tee_answer_nth(INVOKE_COMMAND,
 * @func, 1, @reply).
 */
#define rh_mock_tee_answer_next(func, reply) \
	rh_mock_tee_answer_nth_at(RH_OPTEE_MSG_CMD_INVOKE_COMMAND, (func), 1, (reply), \
				  __FILE__, __LINE__)

/**
 * rh_mock_tee_fail_nth() - the @nth INVOKE_COMMAND of @func from now on
 * fails with @result, origin TA
 *
 * "The second SECMEM_ZALLOC runs out of memory":
 * rh_mock_tee_fail_nth(RH_MTK_TZCMD_SECMEM_ZALLOC, 2, RH_TEEC_ERROR_OUT_OF_MEMORY).
 */
#define rh_mock_tee_fail_nth(func, nth, result) \
	rh_mock_tee_fail_nth_at((func), (nth), (result), __FILE__, __LINE__)
RH_EXPORT void rh_mock_tee_fail_nth_at(uint32_t func, unsigned int nth, uint32_t result,
				       const char *file, int line);

/**
 * rh_mock_tee_expect() - the next message must be @cmd (and @func), answered
 * with @reply
 * @func: INVOKE_COMMAND: the TA's command; 0 for the other commands
 *
 * Queued calls are used in order, before anything is forwarded; a call of
 * another command while one is queued fails the test, naming both.
 */
#define rh_mock_tee_expect(cmd, func, reply) \
	rh_mock_tee_expect_at((cmd), (func), (reply), __FILE__, __LINE__)
RH_EXPORT void rh_mock_tee_expect_at(uint32_t cmd, uint32_t func,
				     const struct rh_mock_tee_reply *reply,
				     const char *file, int line);

/**
 * rh_mock_tee_expect_version() - the next get_version answers @vers
 * @vers: NULL: OP-TEE, TZ, GP | REG_MEM | MEMREF_NULL (copied)
 */
#define rh_mock_tee_expect_version(vers) \
	rh_mock_tee_expect_version_at((vers), __FILE__, __LINE__)
RH_EXPORT void rh_mock_tee_expect_version_at(const struct rh_tee_ioctl_version_data *vers,
					     const char *file, int line);

/** rh_mock_tee_expect_panic_next() - the next ta_panic_next(@session) returns @rc */
#define rh_mock_tee_expect_panic_next(session, rc) \
	rh_mock_tee_expect_panic_next_at((session), (rc), __FILE__, __LINE__)
RH_EXPORT void rh_mock_tee_expect_panic_next_at(uint32_t session, int rc,
						const char *file, int line);

/**
 * rh_mock_tee_log_count() - library log lines kept quiet since the script
 * started (see rh_mock_tee_install())
 */
RH_EXPORT unsigned int rh_mock_tee_log_count(void);

/**
 * rh_mock_tee_last_log() - the last of them ("" when none), to assert that
 * the library reported the failure the test provoked
 */
RH_EXPORT const char *rh_mock_tee_last_log(void);

/*
 * What the mock's protmem_caps answers from now on: a copy of @caps, or
 * for NULL (the default) what the TEE behind an installed mock answers,
 * -EOPNOTSUPP (no protected memory) for a bare one. A setting, not an
 * expectation, kept across rh_mock_tee_reset(): the TEE driver asks
 * whenever the backend is plugged in.
 * The protected-memory messages (LEND/RECLAIM_PROTMEM, GET_PROTMEM_CONFIG)
 * are expected with rh_mock_tee_expect() like every other message.
 */
RH_EXPORT void rh_mock_tee_set_protmem_caps(const struct rh_tee_protmem_caps *caps);

RH_END_DECLS

#endif /* RHEAP_TEE_MOCK_H */
