/* SPDX-License-Identifier: MIT */
/* DMA-heap userspace ABI: the allocation ioctl, as <linux/dma-heap.h> of Linux 6.1. */
#ifndef RHEAP_UAPI_DMA_HEAP_H
#define RHEAP_UAPI_DMA_HEAP_H

#include <fcntl.h>
#include <stdint.h>

#include <rheap/uapi/ioctl.h>

/*
 * Our own definitions of an ABI fact: the layout and the numbers are those of
 * include/uapi/linux/dma-heap.h (unchanged since Linux 5.6, checked against
 * the 6.1 linux-libc-dev headers by tests/abi/test-uapi-abi.c).
 */

/** Valid fd_flags: O_CLOEXEC and the access mode (O_RDONLY/O_WRONLY/O_RDWR). */
#define RH_DMA_HEAP_VALID_FD_FLAGS (O_CLOEXEC | O_ACCMODE)

/** No heap flag is defined: every bit is invalid. */
#define RH_DMA_HEAP_VALID_HEAP_FLAGS 0ULL

/**
 * struct rh_dma_heap_allocation_data - argument of RH_DMA_HEAP_IOCTL_ALLOC
 * @len: size of the allocation in bytes (rounded up to whole pages)
 * @fd: in: must be 0; out: the new dma-buf file descriptor
 * @fd_flags: file flags of the new fd (RH_DMA_HEAP_VALID_FD_FLAGS)
 * @heap_flags: heap-specific flags (none are valid)
 *
 * Mirrors: struct dma_heap_allocation_data (include/uapi/linux/dma-heap.h)
 */
struct rh_dma_heap_allocation_data {
	uint64_t len;
	uint32_t fd;
	uint32_t fd_flags;
	uint64_t heap_flags;
};

#define RH_DMA_HEAP_IOC_MAGIC 'H'

/** Allocate a buffer from the heap: 0xC0184800. Mirrors: DMA_HEAP_IOCTL_ALLOC */
#define RH_DMA_HEAP_IOCTL_ALLOC \
	RH_IOWR(RH_DMA_HEAP_IOC_MAGIC, 0x0, struct rh_dma_heap_allocation_data)

/** Directory of the heap device nodes (/dev/dma_heap/<name>). */
#define RH_DMA_HEAP_DEV_DIR "/dev/dma_heap"

#endif /* RHEAP_UAPI_DMA_HEAP_H */
