/* SPDX-License-Identifier: MIT */
/* A simulated importer (device driver): maps dma-bufs, secure mode for restricted ones. */
#ifndef RHEAP_IMPORTER_H
#define RHEAP_IMPORTER_H

#include <stdbool.h>
#include <stddef.h>

#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/export.h>
#include <rheap/platform.h>
#include <rheap/scatterlist.h>

RH_BEGIN_DECLS

/*
 * What a V4L2 or DRM driver of the seed's companion series does with an
 * imported dma-buf: attach its device, map the buffer, and when the first
 * entry of the mapped table carries RH_SG_DMA_RESTRICTED
 * (rh_sg_dma_is_restricted(sgt->sgl)), ask the secure world to map that
 * buffer for the device's secure DMA before any DMA (the secure video TA's
 * RH_SVP_CMD_SET_DEVICE_SECURE with the buffer's secure handle,
 * rheap/tee-secmem.h). The TA grants only a buffer it allocated, the
 * device enters secure mode with its first grant, reaches exactly the
 * granted buffers and writes nowhere else, and goes back to normal mode
 * with its last grant (unmap, or the importer's session ending).
 *
 * A device models one driver: use one importer per device (two importers
 * of one device would switch it under each other's feet).
 */

struct rh_importer;
struct rh_importer_map;

/**
 * rh_importer_new() - a driver for @dev
 * @dev: a device of its platform (rh_device_find())
 * @ret_imp: written only on success; free with rh_importer_free()
 *
 * Nothing is asked of the TEE until the first restricted mapping: the
 * importer then opens its own context and session to RH_TA_SVP_UUID.
 * @return 0, -EINVAL for NULL, -ENOMEM.
 */
RH_EXPORT int rh_importer_new(struct rh_device *dev, struct rh_importer **ret_imp);

/**
 * rh_importer_free() - the driver goes away; NULL-safe
 *
 * Mappings still alive are unmapped first (logged as a caller bug), which
 * switches the device back to normal mode; then the TEE session closes.
 */
RH_EXPORT void rh_importer_free(struct rh_importer *imp);

/**
 * rh_importer_map() - attach @dmabuf to the device and map it for DMA
 * @dir: RH_DMA_TO_DEVICE (the device reads), RH_DMA_FROM_DEVICE (it
 *       writes) or RH_DMA_BIDIRECTIONAL
 * @ret_map: written only on success; undo with rh_importer_unmap()
 *
 * The mapping holds a reference on the buffer (rh_get_dma_buf()) until
 * it is unmapped, as a driver does while it is attached.
 * If the table is restricted, the buffer must come from a restricted heap
 * (a flag set by any other exporter is refused: -EINVAL) and the secure
 * world is asked to grant it to the device first; when it refuses (a
 * device that is not secure-capable: ACCESS_DENIED), the buffer is
 * unmapped and detached again and nothing is left behind.
 *
 * Mirrors: the dma_buf_attach() + dma_buf_map_attachment() sequence of an
 * importer, e.g. vb2_dc_map_dmabuf() (drivers/media/common/videobuf2/
 * videobuf2-dma-contig.c) with the companion series' restricted check.
 * @return 0; -EINVAL (NULL argument, bad @dir, a buffer of another
 * platform, a restricted table on a buffer no restricted heap exported);
 * the exporter's attach/map error (-ENOMEM, -EIO ...); for a
 * restricted buffer -EACCES (device not secure-capable), -ENODEV (no
 * TEE), or the TEE's error translated by rh_tee_result_to_errno() (e.g.
 * -ENOENT when the secure video TA is missing).
 */
RH_EXPORT int rh_importer_map(struct rh_importer *imp, struct rh_dma_buf *dmabuf,
			      enum rh_dma_data_direction dir,
			      struct rh_importer_map **ret_map);

/**
 * rh_importer_map_fd() - rh_importer_map() of the dma-buf behind fd @fd
 *
 * The fd may be closed afterwards: the mapping keeps the buffer.
 * @return as rh_importer_map(), plus -EBADF (closed fd) and -EINVAL (not a
 * dma-buf).
 */
RH_EXPORT int rh_importer_map_fd(struct rh_importer *imp, int fd,
				 enum rh_dma_data_direction dir,
				 struct rh_importer_map **ret_map);

/**
 * rh_importer_unmap() - unmap and detach; NULL-safe
 *
 * For a restricted mapping the secure world takes its grant back after
 * the DMA unmap and before the buffer reference is dropped; with the
 * device's last grant it goes back to normal mode. A refusal is logged.
 */
RH_EXPORT void rh_importer_unmap(struct rh_importer_map *map);

/**
 * rh_importer_read() - the device reads @len bytes at @offset of the buffer
 * rh_importer_write() - the device writes them
 *
 * DMA through the mapped table (rh_device_dma_read_sg()/_write_sg()):
 * every segment is checked by the firewall against the device's current
 * security state. Reading needs a mapping for RH_DMA_TO_DEVICE or
 * RH_DMA_BIDIRECTIONAL, writing one for RH_DMA_FROM_DEVICE or
 * RH_DMA_BIDIRECTIONAL (the DMA API's contract).
 * @return 0, -EINVAL (NULL, @len 0, range beyond the buffer, wrong
 * direction), -EACCES (refused by the firewall), -EFAULT.
 */
RH_EXPORT int rh_importer_read(struct rh_importer_map *map, size_t offset,
			       void *buf, size_t len);
RH_EXPORT int rh_importer_write(struct rh_importer_map *map, size_t offset,
				const void *buf, size_t len);

/** rh_importer_map_sgt() - the mapped table (owned by the exporter); NULL for NULL */
RH_EXPORT struct rh_sg_table *rh_importer_map_sgt(const struct rh_importer_map *map);

/** rh_importer_map_is_restricted() - the mapping's table is restricted */
RH_EXPORT bool rh_importer_map_is_restricted(const struct rh_importer_map *map);

/** rh_importer_device() - the importer's device; NULL for NULL */
RH_EXPORT struct rh_device *rh_importer_device(const struct rh_importer *imp);

/**
 * struct rh_importer_stats - what an importer holds and has done
 * @maps: mappings alive
 * @restricted_maps: of which restricted
 * @grants: restricted mappings the secure world granted to the device
 * @secure_switches: grants that took the device into secure mode
 * @normal_switches: grant releases that took it back to normal mode
 * @refused: restricted mappings refused by the secure world
 */
struct rh_importer_stats {
	unsigned int maps;
	unsigned int restricted_maps;
	uint64_t grants;
	uint64_t secure_switches;
	uint64_t normal_switches;
	uint64_t refused;
};

/**
 * rh_importer_get_stats() - snapshot of @imp's counters
 * @return 0, -EINVAL for NULL.
 */
RH_EXPORT int rh_importer_get_stats(struct rh_importer *imp,
				    struct rh_importer_stats *ret_stats);

RH_END_DECLS

#endif /* RHEAP_IMPORTER_H */
