// SPDX-License-Identifier: MIT
/* The RH_ uapi definitions equal the host kernel headers (linux-libc-dev). */
#include "config.h"

#include <stddef.h>
#include <stdio.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/tee.h>

#include <rheap/uapi/dma-buf.h>
#include <rheap/uapi/dma-heap.h>
#include <rheap/uapi/tee.h>

#define SAME_SIZE(a, b) _Static_assert(sizeof(a) == sizeof(b), "size of " #a)
#define SAME_OFFSET(a, b, f) \
	_Static_assert(offsetof(a, f) == offsetof(b, f), "offset of " #a "." #f)
#define SAME_VALUE(a, b) _Static_assert((a) == (b), #a " == " #b)

/* <linux/dma-heap.h> */
SAME_SIZE(struct rh_dma_heap_allocation_data, struct dma_heap_allocation_data);
SAME_OFFSET(struct rh_dma_heap_allocation_data, struct dma_heap_allocation_data, len);
SAME_OFFSET(struct rh_dma_heap_allocation_data, struct dma_heap_allocation_data, fd);
SAME_OFFSET(struct rh_dma_heap_allocation_data, struct dma_heap_allocation_data, fd_flags);
SAME_OFFSET(struct rh_dma_heap_allocation_data, struct dma_heap_allocation_data, heap_flags);
SAME_VALUE(RH_DMA_HEAP_IOC_MAGIC, DMA_HEAP_IOC_MAGIC);
SAME_VALUE(RH_DMA_HEAP_IOCTL_ALLOC, DMA_HEAP_IOCTL_ALLOC);
SAME_VALUE(RH_DMA_HEAP_IOCTL_ALLOC, 0xC0184800u);
SAME_VALUE(RH_DMA_HEAP_VALID_FD_FLAGS, DMA_HEAP_VALID_FD_FLAGS);
SAME_VALUE(RH_DMA_HEAP_VALID_HEAP_FLAGS, DMA_HEAP_VALID_HEAP_FLAGS);

/* <linux/dma-buf.h> */
SAME_SIZE(struct rh_dma_buf_sync, struct dma_buf_sync);
SAME_OFFSET(struct rh_dma_buf_sync, struct dma_buf_sync, flags);
SAME_SIZE(struct rh_dma_buf_export_sync_file, struct dma_buf_export_sync_file);
SAME_OFFSET(struct rh_dma_buf_export_sync_file, struct dma_buf_export_sync_file, flags);
SAME_OFFSET(struct rh_dma_buf_export_sync_file, struct dma_buf_export_sync_file, fd);
SAME_SIZE(struct rh_dma_buf_import_sync_file, struct dma_buf_import_sync_file);
SAME_OFFSET(struct rh_dma_buf_import_sync_file, struct dma_buf_import_sync_file, flags);
SAME_OFFSET(struct rh_dma_buf_import_sync_file, struct dma_buf_import_sync_file, fd);
SAME_VALUE(RH_DMA_BUF_SYNC_READ, DMA_BUF_SYNC_READ);
SAME_VALUE(RH_DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_WRITE);
SAME_VALUE(RH_DMA_BUF_SYNC_RW, DMA_BUF_SYNC_RW);
SAME_VALUE(RH_DMA_BUF_SYNC_START, DMA_BUF_SYNC_START);
SAME_VALUE(RH_DMA_BUF_SYNC_END, DMA_BUF_SYNC_END);
SAME_VALUE(RH_DMA_BUF_SYNC_VALID_FLAGS_MASK, DMA_BUF_SYNC_VALID_FLAGS_MASK);
SAME_VALUE(RH_DMA_BUF_NAME_LEN, DMA_BUF_NAME_LEN);
SAME_VALUE(RH_DMA_BUF_BASE, DMA_BUF_BASE);
SAME_VALUE(RH_DMA_BUF_IOCTL_SYNC, DMA_BUF_IOCTL_SYNC);
SAME_VALUE(RH_DMA_BUF_IOCTL_SYNC, 0x40086200u);
SAME_VALUE(RH_DMA_BUF_SET_NAME, DMA_BUF_SET_NAME);
SAME_VALUE(RH_DMA_BUF_SET_NAME_A, DMA_BUF_SET_NAME_A);
SAME_VALUE(RH_DMA_BUF_SET_NAME_B, DMA_BUF_SET_NAME_B);
SAME_VALUE(RH_DMA_BUF_SET_NAME_A, 0x40046201u);
SAME_VALUE(RH_DMA_BUF_SET_NAME_B, 0x40086201u);
SAME_VALUE(RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE, DMA_BUF_IOCTL_EXPORT_SYNC_FILE);
SAME_VALUE(RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE, DMA_BUF_IOCTL_IMPORT_SYNC_FILE);

/* <linux/tee.h> (TEE_IOC_SHM_REGISTER_FD is newer than linux-libc-dev 6.1) */
SAME_SIZE(struct rh_tee_ioctl_version_data, struct tee_ioctl_version_data);
SAME_SIZE(struct rh_tee_ioctl_shm_alloc_data, struct tee_ioctl_shm_alloc_data);
SAME_OFFSET(struct rh_tee_ioctl_shm_alloc_data, struct tee_ioctl_shm_alloc_data, id);
SAME_SIZE(struct rh_tee_ioctl_buf_data, struct tee_ioctl_buf_data);
SAME_SIZE(struct rh_tee_ioctl_param, struct tee_ioctl_param);
SAME_OFFSET(struct rh_tee_ioctl_param, struct tee_ioctl_param, c);
SAME_SIZE(struct rh_tee_ioctl_open_session_arg, struct tee_ioctl_open_session_arg);
SAME_OFFSET(struct rh_tee_ioctl_open_session_arg, struct tee_ioctl_open_session_arg, clnt_login);
SAME_OFFSET(struct rh_tee_ioctl_open_session_arg, struct tee_ioctl_open_session_arg, num_params);
SAME_SIZE(struct rh_tee_ioctl_invoke_arg, struct tee_ioctl_invoke_arg);
SAME_OFFSET(struct rh_tee_ioctl_invoke_arg, struct tee_ioctl_invoke_arg, num_params);
SAME_SIZE(struct rh_tee_ioctl_cancel_arg, struct tee_ioctl_cancel_arg);
SAME_SIZE(struct rh_tee_ioctl_close_session_arg, struct tee_ioctl_close_session_arg);
SAME_SIZE(struct rh_tee_ioctl_shm_register_data, struct tee_ioctl_shm_register_data);
SAME_OFFSET(struct rh_tee_ioctl_shm_register_data, struct tee_ioctl_shm_register_data, id);
SAME_VALUE(RH_TEE_IOC_VERSION, TEE_IOC_VERSION);
SAME_VALUE(RH_TEE_IOC_SHM_ALLOC, TEE_IOC_SHM_ALLOC);
SAME_VALUE(RH_TEE_IOC_OPEN_SESSION, TEE_IOC_OPEN_SESSION);
SAME_VALUE(RH_TEE_IOC_INVOKE, TEE_IOC_INVOKE);
SAME_VALUE(RH_TEE_IOC_CANCEL, TEE_IOC_CANCEL);
SAME_VALUE(RH_TEE_IOC_CLOSE_SESSION, TEE_IOC_CLOSE_SESSION);
SAME_VALUE(RH_TEE_IOC_SUPPL_RECV, TEE_IOC_SUPPL_RECV);
SAME_VALUE(RH_TEE_IOC_SUPPL_SEND, TEE_IOC_SUPPL_SEND);
SAME_VALUE(RH_TEE_IOC_SHM_REGISTER, TEE_IOC_SHM_REGISTER);
#ifdef TEE_IOC_SHM_REGISTER_FD
SAME_VALUE(RH_TEE_IOC_SHM_REGISTER_FD, TEE_IOC_SHM_REGISTER_FD);
#endif
/* Linux 6.18's value, for hosts whose headers predate it. */
SAME_VALUE(RH_TEE_IOC_SHM_REGISTER_FD, 0xC018A408u);
SAME_VALUE(RH_TEE_MAX_ARG_SIZE, TEE_MAX_ARG_SIZE);
SAME_VALUE(RH_TEE_MEMREF_NULL, TEE_MEMREF_NULL);
SAME_VALUE(RH_TEE_IOCTL_PARAM_ATTR_META, TEE_IOCTL_PARAM_ATTR_META);
SAME_VALUE(RH_TEE_IOCTL_LOGIN_REE_KERNEL_MIN, TEE_IOCTL_LOGIN_REE_KERNEL_MIN);
SAME_VALUE(RH_TEE_GEN_CAP_MEMREF_NULL, TEE_GEN_CAP_MEMREF_NULL);

/* The decoding macros agree with <asm-generic/ioctl.h>. */
SAME_VALUE(RH_IOC_NR(RH_DMA_HEAP_IOCTL_ALLOC), _IOC_NR(DMA_HEAP_IOCTL_ALLOC));
SAME_VALUE(RH_IOC_TYPE(RH_DMA_HEAP_IOCTL_ALLOC), _IOC_TYPE(DMA_HEAP_IOCTL_ALLOC));
SAME_VALUE(RH_IOC_SIZE(RH_DMA_HEAP_IOCTL_ALLOC), _IOC_SIZE(DMA_HEAP_IOCTL_ALLOC));
SAME_VALUE(RH_IOC_DIR(RH_DMA_HEAP_IOCTL_ALLOC), _IOC_DIR(DMA_HEAP_IOCTL_ALLOC));
SAME_VALUE(RH_IOC_IN, IOC_IN);
SAME_VALUE(RH_IOC_OUT, IOC_OUT);
SAME_VALUE(RH_IO('H', 7), _IO('H', 7));
SAME_VALUE(RH_IOR('b', 9, uint64_t), _IOR('b', 9, __u64));

int main(void)
{
	/* Everything is proven at compile time; a build is the test. */
	printf("uapi ABI: DMA_HEAP_IOCTL_ALLOC %#x, DMA_BUF_IOCTL_SYNC %#x\n",
	       (unsigned int)RH_DMA_HEAP_IOCTL_ALLOC,
	       (unsigned int)RH_DMA_BUF_IOCTL_SYNC);
	return 0;
}
