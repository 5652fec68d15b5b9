/* SPDX-License-Identifier: MIT */
/* A counting dma-buf exporter and heap for the dma-buf, dma-heap and uapi tests. */
#ifndef RH_DMABUF_TEST_EXPORTER_H
#define RH_DMABUF_TEST_EXPORTER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/scatterlist.h>

/*
 * Shared by every buffer of one test: counts each op and injects errors.
 * Buffers are backed by a memfd of their own (for mmap/vmap) and carry a
 * scatter list over a fake DRAM range (for attach/map), one entry per
 * 64 KiB.
 */
struct tx_ctx {
	struct rh_platform *plat;
	atomic_int releases, attaches, detaches, maps, unmaps;
	atomic_int begins, ends, mmaps, vmaps, vunmaps, allocs;
	enum rh_dma_data_direction last_dir;
	unsigned long last_attrs;
	unsigned long map_attrs;   /* passed to rh_dma_map_sgtable() */
	int attach_ret;            /* returned by attach when != 0 */
	int begin_ret, end_ret, mmap_ret, vmap_ret;
	int map_err;               /* map returns RH_ERR_PTR(map_err) */
	bool map_null;             /* map returns NULL */
	bool alloc_null;           /* heap allocate returns NULL */
	int alloc_err;             /* heap allocate fails with this */
	/*
	 * Non-zero: buffers exported from now on are this DRAM range instead
	 * of a memfd (one buffer at a time): the table covers it, mmap and
	 * vmap alias it with rh_remap_phys_range(), and an mmap_ret error
	 * comes after the first page is mapped (an exporter failing half way).
	 */
	rh_phys_addr_t phys_base;
};

struct tx_buf {
	struct tx_ctx *ctx;
	size_t size;
	int memfd;                /* -1 for a DRAM buffer */
	rh_phys_addr_t phys_base; /* of a DRAM buffer */
	struct rh_sg_table table;
};

/* Every op; and only the mandatory ones (map, unmap, release). */
extern const struct rh_dma_buf_ops tx_full_ops;
extern const struct rh_dma_buf_ops tx_min_ops;
extern const struct rh_dma_heap_ops tx_heap_ops;

/* DRAM address the fake scatter lists point at (inside every platform). */
#define TX_FAKE_PA 0x40000000ULL

/*
 * tx_export() - export a buffer of @size bytes with @ops and file @flags;
 * returns the buffer or an error pointer (nothing leaked).
 */
struct rh_dma_buf *tx_export(struct tx_ctx *ctx, const struct rh_dma_buf_ops *ops,
			     size_t size, int flags);

/* tx_heap_add() - register heap @name whose allocate exports with tx_full_ops. */
struct rh_dma_heap *tx_heap_add(struct tx_ctx *ctx, const char *name);

/* A platform built from the default device tree (fails the test otherwise). */
struct rh_platform *tx_platform_new(void);

#endif /* RH_DMABUF_TEST_EXPORTER_H */
