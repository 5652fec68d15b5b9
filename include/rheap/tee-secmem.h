/* SPDX-License-Identifier: MIT */
/* Protocol of the MediaTek secure-memory TA (seed patch 8) and the secure video TA. */
#ifndef RHEAP_TEE_SECMEM_H
#define RHEAP_TEE_SECMEM_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>

RH_BEGIN_DECLS

/* ---- MTK secure memory TA (restricted_heap_mtk.c, v5 patch 8) ---------- */

/** TZ_TA_MEM_UUID_MTK: the TA implementing the secure-memory service. */
#define RH_TZ_TA_MEM_UUID_MTK "4477588a-8476-11e2-ad15-e41f1390d676"

/** Every open-session and invoke of the seed passes exactly 4 params. */
#define RH_MTK_TEE_PARAM_NUM 4

/** enum mtk_secure_mem_type */
enum rh_mtk_secure_mem_type {
	/* static chunk carved out for TrustZone at boot, managed in the TEE */
	RH_MTK_SECURE_MEMORY_TYPE_CM_TZ = 1,
	/* dynamic chunk lent from CMA while secure playback runs */
	RH_MTK_SECURE_MEMORY_TYPE_CM_CMA = 2,
};

/**
 * enum mtk_secure_buffer_tee_cmd
 *
 * ZALLOC:      p0 VALUE_INPUT  a = size (page aligned), b = alignment
 *              p1 VALUE_INPUT  a = mem type
 *              p2 VALUE_INOUT  in: a = CMA region base, b = CMA region size
 *                              (CM_CMA only, else 0/0); out: a = number of
 *                              entries, b = PA when a == 1
 *              p3 VALUE_OUTPUT a = secure handle; b (not in v5) = for
 *                              CM_CMA, which lend of the region (1, 2,
 *                              ...) the buffer lives in, else 0
 * FREE:        p0 VALUE_INPUT  a = secure handle
 *              p1 VALUE_OUTPUT a = TA status, 0 = success; b (not in v5)
 *                              = the dynamic region's state after the
 *                              call: bit 0 set while it is lent, the
 *                              number of lends so far above it
 * RETRIEVE_SG: p0 VALUE_INPUT  a = secure handle
 *              p1 MEMREF_INOUT array of struct rh_mtk_tee_scatterlist
 *              (SHORT_BUFFER with the needed size when too small)
 *
 * Answers of the emulator's TA (emu/ta/ta-secmem.c):
 * - OPEN_SESSION from a client that is not the REE kernel (a user-space
 *   login, or a kernel driver logging in as PUBLIC as v5 does) ->
 *   ACCESS_DENIED: the TA serves the kernel's heaps only;
 * - handles belong to the session that allocated them: to any other
 *   session they do not exist (FREE: p1.a ITEM_NOT_FOUND; RETRIEVE_SG:
 *   ITEM_NOT_FOUND); closing a session releases (scrubs, frees) what it
 *   still owns;
 * - CM_CMA: the region is taken only as the normal world lent it: cma
 *   allocated and recorded as lent through the caller's session (else
 *   ACCESS_DENIED); while it is lent, only that session allocates from it;
 * - parameter types other than listed, size 0 or not page aligned,
 *   alignment not a power of two >= 4096, size + alignment overflowing,
 *   an unknown mem type, CM_TZ with p2 in != 0/0, CM_CMA with a region
 *   other than the platform's "mediatek,dynamic-restricted-region" (the
 *   TEE firmware is configured with the same one) -> BAD_PARAMETERS;
 * - no room -> TEE_RESULT_OOM. When no free block can hold the whole
 *   request but the free space can, and the alignment is 4096, the buffer
 *   is made of several extents (largest free blocks first, listed in
 *   address order, at most RH_MTK_TEE_MAX_SG_ENTRIES, none longer than
 *   4 GiB - 4 KiB): p2.a > 1 and the normal world calls RETRIEVE_SG;
 * - handles are random non-zero 64-bit values, never a PA;
 * - FREE of an unknown or already freed handle: TEE_SUCCESS with
 *   p1.a = TEEC_ERROR_ITEM_NOT_FOUND (0xFFFF0008): the seed reports the
 *   TA's own status in p1.a; nothing changes;
 * - RETRIEVE_SG of an unknown handle: ITEM_NOT_FOUND.
 */
enum rh_mtk_secure_buffer_tee_cmd {
	RH_MTK_TZCMD_SECMEM_ZALLOC = 0x10000,
	RH_MTK_TZCMD_SECMEM_FREE = 0x10001,
	RH_MTK_TZCMD_SECMEM_RETRIEVE_SG = 0x10002,
};

/** TEE_RESULT_OOM: what the TA answers when it has no room. */
#define RH_MTK_TEE_RESULT_OOM 0xFFFF000Cu

/** struct mtk_tee_scatterlist: packed, little-endian, 12 bytes an entry. */
struct rh_mtk_tee_scatterlist {
	uint64_t pa;
	uint32_t length;
} __attribute__((packed));

#if defined(__cplusplus)
static_assert(sizeof(struct rh_mtk_tee_scatterlist) == 12, "12-byte entries");
#else
_Static_assert(sizeof(struct rh_mtk_tee_scatterlist) == 12, "12-byte entries");
#endif

/** Bound on the entries of one buffer that the normal world accepts. */
#define RH_MTK_TEE_MAX_SG_ENTRIES 256

/* ---- Secure video path TA (librheap-sim's own; drives the demo) -------- */

#define RH_TA_SVP_UUID "5cf4a2b8-1d3e-4f60-8a7b-9c0d1e2f3a4b"

/**
 * SET_DEVICE_SECURE: grant (b = 1) or take back (b = 0) one buffer for a
 *                    device's secure DMA (MediaTek's secure M4U mapping).
 *                    p0 VALUE_INPUT a = master id, b = 1 grant / 0 release
 *                    p1 VALUE_INPUT a = secmem handle of the buffer
 *                    Only the REE kernel may ask (else ACCESS_DENIED); only
 *                    a live buffer of the secure-memory TA is granted
 *                    (else ITEM_NOT_FOUND); the device reaches exactly the
 *                    buffers granted to it, is in secure mode while it has
 *                    one and writes nowhere else then. Grants count (a
 *                    buffer mapped twice is released twice), belong to the
 *                    session that made them (released by no other, gone
 *                    when it closes) and end when the buffer is freed.
 *                    ITEM_NOT_FOUND unknown master or no such grant;
 *                    ACCESS_DENIED when the device is not secure-capable.
 * DECRYPT:           AES-128-CTR with the key provisioned in the TA.
 *                    p0 MEMREF_INPUT  ciphertext (normal-world memory)
 *                    p1 VALUE_INPUT   a = secmem handle, b = offset in it
 *                    p2 MEMREF_INPUT  16-byte initial counter block
 *                    p3 VALUE_OUTPUT  a = bytes written
 *                    ACCESS_DENIED from a client that is not the REE kernel
 *                    (a handle is no proof of holding the buffer);
 *                    ITEM_NOT_FOUND unknown handle; BAD_PARAMETERS out of
 *                    bounds.
 *                    Or, the protected heaps' protocol (Linux 6.18), from
 *                    any client:
 *                    p1 MEMREF_OUTPUT a registered dma-buf of the
 *                                     secure-video heap (SHM_REGISTER_FD:
 *                                     holding it is the proof); decrypted
 *                                     from its start, size set to the
 *                                     bytes written
 *                    ACCESS_DENIED when p1 is not protected memory of
 *                    secure video playback; BAD_PARAMETERS when the sample
 *                    does not fit or the ciphertext is protected memory.
 */
enum rh_svp_cmd {
	RH_SVP_CMD_SET_DEVICE_SECURE = 0x1,
	RH_SVP_CMD_DECRYPT = 0x2,
};

RH_END_DECLS

#endif /* RHEAP_TEE_SECMEM_H */
