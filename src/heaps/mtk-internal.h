/* SPDX-License-Identifier: MIT */
/* Module hooks of the MediaTek restricted heaps (src/heaps/restricted-mtk.c), for platform.c. */
#ifndef RH_HEAPS_MTK_INTERNAL_H
#define RH_HEAPS_MTK_INTERNAL_H

struct rh_platform;

/*
 * rh_restricted_mtk_init() - the seed's boot sequence for the MTK heaps:
 * the reserved-memory hook (RESERVEDMEM_OF_DECLARE, CMA area of every
 * "mediatek,dynamic-restricted-region" node, the last one wins), then
 * module_init (restricted_mtk_cm, then restricted_mtk_cma if it has a CMA
 * area). Run after the dma-heap registry. A heap that cannot be set up or
 * registered is logged and skipped, as in the seed; only -ENOMEM for the
 * module's own state fails the platform.
 * rh_restricted_mtk_fini() - closes the TEE sessions and frees the state;
 * the buffers are released by then (the file table goes first).
 */
int rh_restricted_mtk_init(struct rh_platform *plat);
void rh_restricted_mtk_fini(struct rh_platform *plat);

#endif /* RH_HEAPS_MTK_INTERNAL_H */
