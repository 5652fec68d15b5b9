/* SPDX-License-Identifier: MIT */
/* The secure-memory TA's handle table: live buffers by their random 64-bit handle. */
#ifndef RH_EMU_TA_SECMEM_HANDLES_H
#define RH_EMU_TA_SECMEM_HANDLES_H

#include <stdint.h>

struct rh_secmem_buf;

/*
 * Live handles, published or not: an open-addressing hash table (linear
 * probing) of {handle, buffer} slots indexed by the low bits of the handle.
 * Handles come from the CSPRNG, so they spread evenly without further
 * hashing, and nobody but the TA chooses them; 0 (never a handle) marks a
 * free slot. Every ZALLOC, FREE and RETRIEVE_SG looks a handle up under the
 * lock: with an ordered tree (the first version) that chased ~17 cold
 * nodes once 100 000 buffers were alive, and alloc+free of 4 KiB cost 3.3x
 * what it cost with 100 alive (rheap-bench scaling); a slot is one cache
 * line away and a miss never touches a buffer. The table doubles above
 * half full; if that allocation fails it fills up to three quarters and
 * then refuses new handles (ZALLOC answers OOM). The first slots live in
 * struct rh_secmem, so boot allocates nothing for it.
 */
#define SECMEM_HANDLE_SLOTS_MIN 64

struct secmem_slot {
	uint64_t handle;
	struct rh_secmem_buf *buf;
};

struct secmem_handles {
	struct secmem_slot *slot;
	uint32_t mask; /* number of slots - 1 */
	unsigned int count;
	struct secmem_slot first[SECMEM_HANDLE_SLOTS_MIN];
};

/* An empty table on its first slots. */
void rh_secmem_handles_init(struct secmem_handles *h);
/* The buffer holding @handle, published or not, or NULL; under sm->lock. */
struct rh_secmem_buf *rh_secmem_handles_find(const struct secmem_handles *h, uint64_t handle);
/* @buf->handle not in the table; 0 or -ENOMEM (see above). Under sm->lock. */
int rh_secmem_handles_insert(struct secmem_handles *h, struct rh_secmem_buf *buf);
/* @buf in the table; under sm->lock. */
void rh_secmem_handles_remove(struct secmem_handles *h, struct rh_secmem_buf *buf);
/* Frees every buffer left and the slots (platform teardown). */
void rh_secmem_handles_destroy(struct secmem_handles *h);

#endif /* RH_EMU_TA_SECMEM_HANDLES_H */
