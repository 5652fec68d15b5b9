/* SPDX-License-Identifier: MIT */
/* The secure player's frame buffers: the code the example's tests exercise. */
#ifndef SECURE_PLAYER_H
#define SECURE_PLAYER_H

#include <stdint.h>

#include <rheap/rheap.h>

/*
 * player_alloc_frames() - allocate @n protected frame buffers of @size bytes
 * from the restricted_mtk_cma heap into @fds: all of them or none
 * Returns 0, or the negative errno of the allocation that failed (the
 * frames allocated before it are closed again).
 */
int player_alloc_frames(struct rh_platform *plat, unsigned int n, uint64_t size, int *fds);

/* player_free_frames() - close the @n dma-buf fds of player_alloc_frames() */
void player_free_frames(struct rh_platform *plat, unsigned int n, const int *fds);

#endif /* SECURE_PLAYER_H */
