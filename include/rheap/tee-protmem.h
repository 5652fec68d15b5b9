/* SPDX-License-Identifier: MIT */
/* OP-TEE protected memory as the secure world sees it: attributes, its numbers, the SDP test TA. */
#ifndef RHEAP_TEE_PROTMEM_H
#define RHEAP_TEE_PROTMEM_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>
#include <rheap/tee-msg.h>

RH_BEGIN_DECLS

/*
 * The messages and use cases are in <rheap/tee-msg.h>
 * (RH_OPTEE_MSG_CMD_*_PROTMEM*, RH_OPTEE_MSG_PROTMEM_*), the fast calls in
 * <rheap/tee.h> (struct rh_tee_protmem_caps), the normal world's heaps in
 * <rheap/tee-heap.h>.
 */

/*
 * The memory attributes GET_PROTMEM_CONFIG reports, one u32 a bus master
 * the use case admits: its master id in the upper 16 bits, its access in
 * the lower (FF-A's endpoint permission pairs have the same shape; the
 * SMC ABI's LEND_PROTMEM does not carry them back: the secure world
 * decides from the use case alone).
 */
#define RH_PROTMEM_ACCESS_READ 0x1u
#define RH_PROTMEM_ACCESS_WRITE 0x2u
#define RH_PROTMEM_ATTR(master_id, access) \
	(((uint32_t)(master_id) << 16) | ((uint32_t)(access) & 0xffffu))
#define RH_PROTMEM_ATTR_MASTER(attr) ((uint32_t)(attr) >> 16)
#define RH_PROTMEM_ATTR_ACCESS(attr) ((uint32_t)(attr) & 0xffffu)

/**
 * struct rh_protmem_stats - the secure world's protected memory of one use
 * case (or of all of them, use case 0)
 * @configured: the secure world serves the use case
 * @dynamic: lent by the normal world on demand (else a static carveout)
 * @min_size, @alignment: what a lend must be (dynamic)
 * @masters: bus masters the use case admits (in secure mode, through their
 *           secure windows over each protected range)
 * @ranges: protected ranges now (a static carveout counts as one)
 * @bytes: their total size
 * @peak_bytes: most bytes protected at once
 * @lends: LEND_PROTMEM accepted
 * @reclaims: RECLAIM_PROTMEM accepted (the range scrubbed and given back)
 * @held: holds on its memory now (TA calls in flight, kept references)
 * @refused_lends: LEND_PROTMEM refused (bad, foreign, unaligned,
 *                overlapping, or not handed over by the normal world)
 * @busy_reclaims: RECLAIM_PROTMEM refused because the memory was held
 * @unknown_reclaims: RECLAIM_PROTMEM of a cookie nothing is lent under
 * @bytes_scrubbed: bytes zeroed before ranges went back
 * @configs: GET_PROTMEM_CONFIG answered
 *
 * The last four counters are the TEE's as a whole (a refused request may
 * name no use case) and are the same for every @use_case.
 */
struct rh_protmem_stats {
	bool configured;
	bool dynamic;
	uint64_t min_size;
	uint64_t alignment;
	unsigned int masters;
	unsigned int ranges;
	uint64_t bytes;
	uint64_t peak_bytes;
	uint64_t lends;
	uint64_t reclaims;
	unsigned int held;
	uint64_t refused_lends;
	uint64_t busy_reclaims;
	uint64_t unknown_reclaims;
	uint64_t bytes_scrubbed;
	uint64_t configs;
};

/**
 * rh_protmem_get_stats() - read the secure world's protected-memory numbers
 * @use_case: RH_OPTEE_MSG_PROTMEM_* (1..3), or 0 for every use case
 *            together (@configured: any; @dynamic, @min_size, @alignment:
 *            0; the rest summed)
 * @ret_stats: filled on success
 *
 * A read-only window on the secure world's bookkeeping, as
 * rh_secmem_get_stats() is for the MediaTek TA: no cookie, address or
 * content. One consistent snapshot.
 * @return 0, -EINVAL for a NULL argument or a use case above 3, -ENODEV
 * when the platform's TEE has no protected-memory configuration.
 */
RH_EXPORT int rh_protmem_get_stats(struct rh_platform *plat, uint32_t use_case,
				   struct rh_protmem_stats *ret_stats);

/* ---- SDP test TA (optee_test's sdp_basic, driven by xtest 1014) -------- */

#define RH_TA_SDP_UUID "12345678-5b69-11e4-9dbb-101f74f00099"

/**
 * enum rh_sdp_cmd - commands of the SDP test TA (TA_SDP_BASIC_CMD_*)
 *
 * INJECT:    p0 MEMREF_INPUT  normal-world shared memory (the data)
 *            p1 MEMREF_OUTPUT protected memory of the secure-video use case
 *            copies p0 into p1; SHORT_BUFFER (p1 size = what is needed)
 *            when p1 is smaller.
 * TRANSFORM: p0 MEMREF_INOUT  protected memory of the secure-video use case
 *            replaces every byte b by ~b + 1 (its two's complement), in
 *            place.
 * DUMP:      p0 MEMREF_INPUT  protected memory of the secure-video use case
 *            p1 MEMREF_OUTPUT normal-world shared memory
 *            copies p0 out into p1 (SHORT_BUFFER as for INJECT). A test
 *            command: the platform allows it or not (the device tree's
 *            "rheap-sim,sdp-dump-allowed" on the OP-TEE node); refused:
 *            ACCESS_DENIED.
 *
 * Every command checks its parameter types exactly and that each memref
 * is what the command says: protected memory must lie entirely in
 * protected memory of the secure-video use case, normal memory must be
 * normal-world shared memory (BAD_PARAMETERS otherwise). Any client may
 * open a session (LOGIN_PUBLIC from user space, as xtest does).
 */
enum rh_sdp_cmd {
	RH_SDP_CMD_INJECT = 0,
	RH_SDP_CMD_TRANSFORM = 1,
	RH_SDP_CMD_DUMP = 2,
};

RH_END_DECLS

#endif /* RHEAP_TEE_PROTMEM_H */
