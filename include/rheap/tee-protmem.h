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
