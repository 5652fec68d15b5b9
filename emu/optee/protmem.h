/* SPDX-License-Identifier: MIT */
/* The secure OS's protected memory: use-case configuration, lent ranges, the messages that manage them. */
#ifndef RH_EMU_OPTEE_PROTMEM_H
#define RH_EMU_OPTEE_PROTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/tee-backend.h>
#include <rheap/tee.h>

#include "optee/msg.h"
#include "optee/tee-core.h"

/*
 * Only emu/ includes this header. The protocol (messages, fast calls) is
 * in include/rheap/tee-msg.h and include/rheap/tee.h, the secure world's
 * configuration in the platform's device tree (docs/kernel-map.md,
 * "OP-TEE protected memory").
 */

/* Lent ranges the secure world tracks at once, the static carveout aside. */
#define RH_PROTMEM_MAX_LENDS 8
/* Bus masters one use case may admit. */
#define RH_PROTMEM_MAX_MASTERS 8

/* The module hooks rh_protmem_init() / rh_protmem_fini(): src/internal.h. */

/* The platform lets the SDP test TA dump protected memory (tests only). */
bool rh_protmem_dump_allowed(struct rh_platform *plat);

/*
 * The messages of rh_tee_emu_call() (@buf: the message, for the outputs);
 * origin TEE. A standalone emulator (no platform) answers NOT_SUPPORTED.
 */
struct emu_reply rh_emu_cmd_lend_protmem(struct rh_tee_emu *emu, struct rh_emu_msg *msg);
struct emu_reply rh_emu_cmd_reclaim_protmem(struct rh_tee_emu *emu,
					    struct rh_emu_msg *msg);
struct emu_reply rh_emu_cmd_get_protmem_config(struct rh_tee_emu *emu, void *buf,
					       struct rh_emu_msg *msg);

/* The fast calls of the backend's protmem_caps (flags 0 when none). */
int rh_emu_protmem_caps(struct rh_tee_emu *emu, struct rh_tee_protmem_caps *ret_caps);

/*
 * The memory half of a TA call: struct rh_emu_mem_resolver callbacks
 * (@data: the emulator). A memref of protected memory comes either as an
 * rmem naming a lent range by its cookie, or as a tmem holding a physical
 * address inside a protected range (the static carveout or a lent one).
 * Each resolution holds the range for the call (a reclaim answers BUSY
 * until the call returns); rh_emu_protmem_put() drops it.
 */
int rh_emu_protmem_by_cookie(void *data, uint64_t cookie, uint64_t offs,
			     uint64_t size, bool write, struct rh_emu_prot_ref *ret_ref);
int rh_emu_protmem_by_pa(void *data, uint64_t pa, uint64_t size, bool write,
			 struct rh_emu_prot_ref *ret_ref);
void rh_emu_protmem_put(void *data, void *region);

#endif /* RH_EMU_OPTEE_PROTMEM_H */
