/* SPDX-License-Identifier: MIT */
/* Protocol of the MediaTek secure-memory TA (seed patch 8) and the secure video TA. */
#ifndef RHEAP_TEE_SECMEM_H
#define RHEAP_TEE_SECMEM_H

#include <stdint.h>

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
 *              p3 VALUE_OUTPUT a = secure handle
 * FREE:        p0 VALUE_INPUT  a = secure handle
 *              p1 VALUE_OUTPUT a = TA status, 0 = success
 * RETRIEVE_SG: p0 VALUE_INPUT  a = secure handle
 *              p1 MEMREF_INOUT array of struct rh_mtk_tee_scatterlist
 *              (SHORT_BUFFER with the needed size when too small)
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
 * SET_DEVICE_SECURE: p0 VALUE_INPUT a = master id, b = 1 secure / 0 normal.
 *                    ITEM_NOT_FOUND unknown master; ACCESS_DENIED when the
 *                    device is not secure-capable.
 * DECRYPT:           AES-128-CTR with the key provisioned in the TA.
 *                    p0 MEMREF_INPUT  ciphertext (normal-world memory)
 *                    p1 VALUE_INPUT   a = secmem handle, b = offset in it
 *                    p2 MEMREF_INPUT  16-byte initial counter block
 *                    p3 VALUE_OUTPUT  a = bytes written
 *                    ITEM_NOT_FOUND unknown handle; BAD_PARAMETERS out of
 *                    bounds.
 */
enum rh_svp_cmd {
	RH_SVP_CMD_SET_DEVICE_SECURE = 0x1,
	RH_SVP_CMD_DECRYPT = 0x2,
};

#endif /* RHEAP_TEE_SECMEM_H */
