// SPDX-License-Identifier: MIT
/* The secure player's frame buffers, allocated from the restricted CMA heap. */
#include <fcntl.h>

#include "player.h"

int player_alloc_frames(struct rh_platform *plat, unsigned int n, uint64_t size, int *fds)
{
	unsigned int i;
	int heap, ret = 0;

	heap = rh_open(plat, "/dev/dma_heap/restricted_mtk_cma", O_RDWR | O_CLOEXEC);
	if (heap < 0)
		return heap;
	for (i = 0; i < n; i++) {
		struct rh_dma_heap_allocation_data data = {
			.len = size,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};

		ret = rh_ioctl(plat, heap, RH_DMA_HEAP_IOCTL_ALLOC, &data);
		if (ret)
			break;
		fds[i] = (int)data.fd;
	}
	/* All or nothing: give back what this call got. */
	if (ret)
		player_free_frames(plat, i, fds);
	rh_close(plat, heap);
	return ret;
}

void player_free_frames(struct rh_platform *plat, unsigned int n, const int *fds)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rh_close(plat, fds[i]);
}
