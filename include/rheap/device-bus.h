/* SPDX-License-Identifier: MIT */
/* Test bench: a simulated bus master's own transactions and counters. */
#ifndef RHEAP_DEVICE_BUS_H
#define RHEAP_DEVICE_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/device.h>
#include <rheap/export.h>
#include <rheap/platform.h>
#include <rheap/scatterlist.h>

RH_BEGIN_DECLS

/*
 * Not a normal-world capability: what a device does on the bus is the
 * device's, whatever its driver intends (the firewall checks every
 * transaction). The test bench drives it to play a decoder decoding, a
 * display scanning out, or a rogue DMA engine.
 */

/**
 * struct rh_device_stats - what a simulated master has done
 * @maps, @unmaps: rh_dma_map_sgtable()/rh_dma_unmap_sgtable() calls that succeeded
 * @cpu_syncs: cache maintenance done by map/unmap (not with SKIP_CPU_SYNC)
 * @dma_reads, @dma_writes: successful rh_device_dma_*() calls
 * @bytes_read, @bytes_written: bytes they moved
 * @refused: transactions the firewall refused (-EACCES)
 */
struct rh_device_stats {
	uint64_t maps;
	uint64_t unmaps;
	uint64_t cpu_syncs;
	uint64_t dma_reads;
	uint64_t dma_writes;
	uint64_t bytes_read;
	uint64_t bytes_written;
	uint64_t refused;
};

/**
 * rh_device_get_stats() - snapshot of @dev's counters
 * @return 0, -EINVAL for a NULL argument.
 */
RH_EXPORT int rh_device_get_stats(const struct rh_device *dev,
				  struct rh_device_stats *ret_stats);

/**
 * rh_device_dma_read()/rh_device_dma_write() - a bus transaction by @dev
 *
 * Every access is checked by the firewall against its regions and the
 * device's security state. A non-secure master touching protected memory
 * gets -EACCES, a violation record is logged, and nothing is copied.
 * @return 0, -EACCES, -EFAULT (outside DRAM), -EINVAL (bad args).
 */
RH_EXPORT int rh_device_dma_read(struct rh_device *dev, rh_dma_addr_t addr,
				 void *buf, size_t len);
RH_EXPORT int rh_device_dma_write(struct rh_device *dev, rh_dma_addr_t addr,
				  const void *buf, size_t len);

/**
 * rh_device_dma_read_sg()/rh_device_dma_write_sg() - DMA through a mapped
 * table: @offset/@len are relative to the start of the buffer the table
 * describes; every segment is checked as one transaction.
 */
RH_EXPORT int rh_device_dma_read_sg(struct rh_device *dev,
				    const struct rh_sg_table *sgt, size_t offset,
				    void *buf, size_t len);
RH_EXPORT int rh_device_dma_write_sg(struct rh_device *dev,
				     const struct rh_sg_table *sgt,
				     size_t offset, const void *buf, size_t len);

RH_END_DECLS

#endif /* RHEAP_DEVICE_BUS_H */
