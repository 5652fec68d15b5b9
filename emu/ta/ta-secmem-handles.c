// SPDX-License-Identifier: MIT
/* The secure-memory TA's handle table: open addressing, linear probing, backward-shift deletion. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "ta/ta-secmem-handles.h"
#include "ta/ta-secmem-pool.h"

void rh_secmem_handles_init(struct secmem_handles *h)
{
	memset(h, 0, sizeof(*h));
	h->slot = h->first;
	h->mask = SECMEM_HANDLE_SLOTS_MIN - 1;
}

/* Index of @handle's slot, or of the free slot ending its probe sequence. */
static uint32_t handles_probe(const struct secmem_handles *h, uint64_t handle)
{
	uint32_t i = (uint32_t)handle & h->mask;

	while (h->slot[i].handle && h->slot[i].handle != handle)
		i = (i + 1) & h->mask;
	return i;
}

/* The buffer holding @handle, published or not, or NULL; under sm->lock. */
struct rh_secmem_buf *rh_secmem_handles_find(const struct secmem_handles *h, uint64_t handle)
{
	return h->slot[handles_probe(h, handle)].buf;
}

/* Twice the slots; on allocation failure nothing changes. */
static void handles_grow(struct secmem_handles *h)
{
	struct secmem_handles n = { 0 };
	uint32_t nr = (h->mask + 1) * 2, i;

	if (!nr)
		return;
	n.slot = rh_calloc(nr, sizeof(*n.slot));
	if (!n.slot)
		return;
	n.mask = nr - 1;
	for (i = 0; i <= h->mask; i++)
		if (h->slot[i].handle)
			n.slot[handles_probe(&n, h->slot[i].handle)] = h->slot[i];
	if (h->slot != h->first)
		rh_free(h->slot);
	h->slot = n.slot;
	h->mask = n.mask;
}

/*
 * @buf->handle must not be in the table. Returns 0, or -ENOMEM when the
 * table could not grow and is three quarters full. Under sm->lock.
 */
int rh_secmem_handles_insert(struct secmem_handles *h, struct rh_secmem_buf *buf)
{
	uint64_t nr = (uint64_t)h->mask + 1;
	uint32_t i;

	if ((h->count + 1) * UINT64_C(2) > nr) {
		handles_grow(h);
		nr = (uint64_t)h->mask + 1;
		if ((h->count + 1) * UINT64_C(4) > nr * 3)
			return -ENOMEM;
	}
	i = handles_probe(h, buf->handle);
	h->slot[i].handle = buf->handle;
	h->slot[i].buf = buf;
	h->count++;
	return 0;
}

/* @buf must be in the table; under sm->lock. */
void rh_secmem_handles_remove(struct secmem_handles *h, struct rh_secmem_buf *buf)
{
	uint32_t i = handles_probe(h, buf->handle), j = i, home;

	assert(h->slot[i].buf == buf);
	/* Backward-shift deletion: no tombstones, probe sequences stay short. */
	for (;;) {
		j = (j + 1) & h->mask;
		if (!h->slot[j].handle)
			break;
		home = (uint32_t)h->slot[j].handle & h->mask;
		/* Stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		h->slot[i] = h->slot[j];
		i = j;
	}
	h->slot[i].handle = 0;
	h->slot[i].buf = NULL;
	h->count--;
}

/* Frees every buffer left and the slots (platform teardown). */
void rh_secmem_handles_destroy(struct secmem_handles *h)
{
	uint32_t i;

	for (i = 0; i <= h->mask; i++)
		if (h->slot[i].handle)
			rh_free(h->slot[i].buf);
	if (h->slot != h->first)
		rh_free(h->slot);
	rh_secmem_handles_init(h);
}
