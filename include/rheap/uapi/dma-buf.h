/* SPDX-License-Identifier: MIT */
/* dma-buf userspace ABI: CPU access sync and naming, as <linux/dma-buf.h> of Linux 6.1. */
#ifndef RHEAP_UAPI_DMA_BUF_H
#define RHEAP_UAPI_DMA_BUF_H

#include <stdint.h>

#include <rheap/uapi/ioctl.h>

/*
 * Our own definitions of an ABI fact: layouts and numbers are those of
 * include/uapi/linux/dma-buf.h of Linux 6.1, checked against linux-libc-dev
 * by tests/abi/test-uapi-abi.c.
 */

/**
 * struct rh_dma_buf_sync - argument of RH_DMA_BUF_IOCTL_SYNC
 * @flags: RH_DMA_BUF_SYNC_START or _END, with READ, WRITE or RW
 *
 * Mirrors: struct dma_buf_sync (include/uapi/linux/dma-buf.h)
 */
struct rh_dma_buf_sync {
	uint64_t flags;
};

#define RH_DMA_BUF_SYNC_READ (1 << 0)
#define RH_DMA_BUF_SYNC_WRITE (2 << 0)
#define RH_DMA_BUF_SYNC_RW (RH_DMA_BUF_SYNC_READ | RH_DMA_BUF_SYNC_WRITE)
#define RH_DMA_BUF_SYNC_START (0 << 2)
#define RH_DMA_BUF_SYNC_END (1 << 2)
#define RH_DMA_BUF_SYNC_VALID_FLAGS_MASK (RH_DMA_BUF_SYNC_RW | RH_DMA_BUF_SYNC_END)

/** Longest name including its NUL (DMA_BUF_NAME_LEN). */
#define RH_DMA_BUF_NAME_LEN 32

/**
 * struct rh_dma_buf_export_sync_file - DMA_BUF_IOCTL_EXPORT_SYNC_FILE argument
 * (defined for ABI completeness; the simulator has no fences, see
 * docs/kernel-map.md)
 */
struct rh_dma_buf_export_sync_file {
	uint32_t flags;
	int32_t fd;
};

/** struct rh_dma_buf_import_sync_file - DMA_BUF_IOCTL_IMPORT_SYNC_FILE argument */
struct rh_dma_buf_import_sync_file {
	uint32_t flags;
	int32_t fd;
};

#define RH_DMA_BUF_BASE 'b'

/** Bracket CPU access to an mmap()ed buffer: 0x40086200. Mirrors: DMA_BUF_IOCTL_SYNC */
#define RH_DMA_BUF_IOCTL_SYNC RH_IOW(RH_DMA_BUF_BASE, 0, struct rh_dma_buf_sync)

/*
 * Name the buffer (shown by bufinfo and fdinfo). The kernel encodes the
 * size of a pointer, so 32-bit and 64-bit userspace use different numbers;
 * both are accepted. The argument is the string itself (char *).
 * Mirrors: DMA_BUF_SET_NAME, DMA_BUF_SET_NAME_A, DMA_BUF_SET_NAME_B
 */
#define RH_DMA_BUF_SET_NAME RH_IOW(RH_DMA_BUF_BASE, 1, const char *)
#define RH_DMA_BUF_SET_NAME_A RH_IOW(RH_DMA_BUF_BASE, 1, uint32_t)
#define RH_DMA_BUF_SET_NAME_B RH_IOW(RH_DMA_BUF_BASE, 1, uint64_t)

/** Mirrors: DMA_BUF_IOCTL_EXPORT_SYNC_FILE (Linux 6.0) */
#define RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE \
	RH_IOWR(RH_DMA_BUF_BASE, 2, struct rh_dma_buf_export_sync_file)
/** Mirrors: DMA_BUF_IOCTL_IMPORT_SYNC_FILE (Linux 6.0) */
#define RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE \
	RH_IOW(RH_DMA_BUF_BASE, 3, struct rh_dma_buf_import_sync_file)

#endif /* RHEAP_UAPI_DMA_BUF_H */
