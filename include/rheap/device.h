/* SPDX-License-Identifier: MIT */
/* Simulated DMA masters (vcodec, display, gpu ...) and their DMA mapping API. */
#ifndef RHEAP_DEVICE_H
#define RHEAP_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>

RH_BEGIN_DECLS

struct rh_device;
struct rh_sg_table;

/** DMA directions, same values as enum dma_data_direction. */
enum rh_dma_data_direction {
	RH_DMA_BIDIRECTIONAL = 0,
	RH_DMA_TO_DEVICE = 1,
	RH_DMA_FROM_DEVICE = 2,
	RH_DMA_NONE = 3,
};

/** DMA attributes, same bit as include/linux/dma-mapping.h. */
#define RH_DMA_ATTR_SKIP_CPU_SYNC (1UL << 5)

/**
 * rh_device_find() - look up a DMA master by its device-tree node name
 * @return a pointer owned by the platform (valid until it is destroyed), or
 * NULL when no such device exists.
 */
RH_EXPORT struct rh_device *rh_device_find(struct rh_platform *plat,
					   const char *name);

/** rh_device_count()/rh_device_get() - enumerate the platform's devices */
RH_EXPORT unsigned int rh_device_count(const struct rh_platform *plat);
RH_EXPORT struct rh_device *rh_device_get(struct rh_platform *plat,
					  unsigned int index);

RH_EXPORT const char *rh_device_name(const struct rh_device *dev);
RH_EXPORT uint32_t rh_device_master_id(const struct rh_device *dev);
RH_EXPORT bool rh_device_is_secure_capable(const struct rh_device *dev);
/** rh_device_is_secure() - current security state (set by the secure world) */
RH_EXPORT bool rh_device_is_secure(const struct rh_device *dev);
RH_EXPORT struct rh_platform *rh_device_platform(const struct rh_device *dev);
/** rh_device_compatible() - first compatible string of the device node */
RH_EXPORT const char *rh_device_compatible(const struct rh_device *dev);

/**
 * rh_dma_map_sgtable() - map @sgt for DMA by @dev
 *
 * Fills dma_address/dma_length of each entry (identity mapping: no IOMMU on
 * the simulated bus) and sets sgt->nents; keeps the dma_flags bits already
 * set (SG_DMA_RESTRICTED survives mapping). @attrs may hold
 * RH_DMA_ATTR_SKIP_CPU_SYNC; without it the CPU caches are "synced"
 * (counted in the device's statistics).
 *
 * Mirrors: dma_map_sgtable() (kernel/dma/mapping.c)
 * @return 0, -EINVAL for a bad direction/NULL table/empty table, -EIO when
 * an entry lies outside DRAM (as dma-direct, the table is left untouched).
 */
RH_EXPORT int rh_dma_map_sgtable(struct rh_device *dev, struct rh_sg_table *sgt,
				 enum rh_dma_data_direction dir,
				 unsigned long attrs);

/** Mirrors: dma_unmap_sgtable() (include/linux/dma-mapping.h) */
RH_EXPORT void rh_dma_unmap_sgtable(struct rh_device *dev,
				    struct rh_sg_table *sgt,
				    enum rh_dma_data_direction dir,
				    unsigned long attrs);

RH_END_DECLS

#endif /* RHEAP_DEVICE_H */
