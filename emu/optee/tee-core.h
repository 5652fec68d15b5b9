/* SPDX-License-Identifier: MIT */
/* Emulated TEE core internals shared by tee-core.c, tee-session.c and tee-shm.c. */
#ifndef RH_EMU_TEE_CORE_H
#define RH_EMU_TEE_CORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <sys/tree.h>

#include "optee/msg.h"
#include "optee/tee.h"

/*
 * Only emu/tee-*.c include this header: tee-core.c has the SMC entry, the
 * backend table, the CSPRNG and the emulator's lifetime; tee-session.c the
 * TA registry, instances and sessions; tee-shm.c the shared-memory registry.
 *
 * Locking: emu->lock protects the TA registry, the session table, the
 * instance reference counts and the shared-memory tree. It is held only for
 * bookkeeping, never while a trusted application runs, so an invoke costs
 * one uncontended lock/unlock; in-flight calls pin their session with an
 * atomic reference instead.
 */

struct ta_entry {
	const struct rh_ta_ops *ops; /* NULL: free slot */
	struct rh_ta_ctx *single;    /* live single instance, under lock */
	unsigned int nr_instances;   /* under lock */
};

struct emu_session;
struct shm_node;
RB_HEAD(shm_tree, shm_node);

#define RNG_BUF_SIZE 256

struct rh_tee_emu {
	struct rh_platform *plat;
	pthread_mutex_t lock;
	pthread_cond_t created; /* an instance left INST_CREATING */

	struct ta_entry tas[RH_TEE_EMU_MAX_TAS];
	unsigned int nr_tas;
	unsigned int nr_instances;

	struct emu_session *sessions[RH_TEE_EMU_MAX_SESSIONS];
	unsigned int nr_sessions;
	uint32_t next_gen;
	bool panic_next_open;

	struct shm_tree shm;
	unsigned int nr_shm;
	uintptr_t ns_base;
	size_t ns_size;

	atomic_ullong calls;
	atomic_ullong world_switches;
	atomic_ullong malformed;
	atomic_ullong panics;
	atomic_ullong cancels;

	pthread_mutex_t rng_lock;
	EVP_CIPHER_CTX *rng;
	unsigned char rng_buf[RNG_BUF_SIZE];
	size_t rng_avail;
};

/* Result and origin of one command. */
struct emu_reply {
	uint32_t ret;
	uint32_t origin;
};

static inline struct emu_reply tee_says(uint32_t ret)
{
	return (struct emu_reply){ .ret = ret, .origin = RH_TEEC_ORIGIN_TEE };
}

/* tee-core.c: a message the parser refused (one log line, counted). */
struct emu_reply rh_emu_refused(struct rh_tee_emu *emu,
				const struct rh_emu_msg *msg, uint32_t ret);
/* tee-core.c: @len bytes of the emulator's CSPRNG; 0, -EINVAL, -EIO. */
int rh_emu_random(struct rh_tee_emu *emu, void *buf, size_t len);

/*
 * tee-session.c: the session commands of rh_tee_emu_call() on a decoded
 * message (@buf is the message, for the outputs and the new session id).
 */
struct emu_reply rh_emu_cmd_open_session(struct rh_tee_emu *emu, void *buf,
					 struct rh_emu_msg *msg);
struct emu_reply rh_emu_cmd_invoke(struct rh_tee_emu *emu, void *buf,
				   struct rh_emu_msg *msg);
struct emu_reply rh_emu_cmd_close_session(struct rh_tee_emu *emu,
					  struct rh_emu_msg *msg);
struct emu_reply rh_emu_cmd_cancel(struct rh_tee_emu *emu,
				   struct rh_emu_msg *msg);
/*
 * tee-session.c: the next call of @session panics its TA (the next
 * OPEN_SESSION when @session is 0). Returns 0 or -ENOENT.
 */
int rh_emu_panic_next(struct rh_tee_emu *emu, uint32_t session);
/* tee-session.c: close every session and end keep-alive instances. */
void rh_emu_sessions_shutdown(struct rh_tee_emu *emu);

/* tee-shm.c: REGISTER_SHM / UNREGISTER_SHM of rh_tee_emu_call(). */
struct emu_reply rh_emu_cmd_register_shm(struct rh_tee_emu *emu,
					 struct rh_emu_msg *msg);
struct emu_reply rh_emu_cmd_unregister_shm(struct rh_tee_emu *emu,
					   struct rh_emu_msg *msg);
/* tee-shm.c: the rh_emu_shm_lookup_fn of rh_emu_msg_resolve() (@data: emu). */
int rh_emu_shm_lookup(void *data, uint64_t cookie, void **ret_base,
		      uint64_t *ret_size);
/* tee-shm.c: forget every registered buffer. */
void rh_emu_shm_free_all(struct rh_tee_emu *emu);

/*
 * tee-core.c: where the memory references of a TA call live (@data: the
 * emulator): registered shared memory (tee-shm.c) and protected memory
 * (protmem.c).
 */
extern const struct rh_emu_mem_resolver rh_emu_resolver;

#endif /* RH_EMU_TEE_CORE_H */
