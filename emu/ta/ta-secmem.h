/* SPDX-License-Identifier: MIT */
/* Secure-world internals of the MTK secure-memory TA shared with other TAs (ta-svp). */
#ifndef RH_EMU_TA_SECMEM_H
#define RH_EMU_TA_SECMEM_H

#include <stdint.h>

#include <rheap/platform.h>
#include <rheap/tee-secmem.h>

#include "optee/tee.h"

/*
 * Only emu/ includes this header. The secure-memory state (static chunk
 * pool, lent CMA region, live secure handles) belongs to the platform's
 * secure OS, not to a TA instance: it exists from platform boot to
 * platform teardown, so buffers survive their sessions being closed, as
 * the real TEE's memory manager outlives the kernel driver's sessions.
 */

struct rh_secmem_buf;

/**
 * struct rh_secmem_extent - one physically contiguous piece of a buffer
 * @pa: first byte (page aligned)
 * @len: bytes (page multiple)
 */
struct rh_secmem_extent {
	rh_phys_addr_t pa;
	uint64_t len;
};

/**
 * struct rh_secmem_pin - a live secure buffer held by another TA
 * @handle: the secure handle that was resolved
 * @type: pool the buffer came from
 * @size: bytes (sum of the extent lengths)
 * @nr_extents: entries of @extents (1..RH_MTK_TEE_MAX_SG_ENTRIES)
 * @extents: in address order; valid until rh_secmem_unpin()
 * @buf: private
 *
 * While pinned, a FREE of the handle waits before scrubbing, so the pages
 * cannot be scrubbed, reallocated or handed back to the normal world
 * under the holder's feet.
 */
struct rh_secmem_pin {
	uint64_t handle;
	enum rh_mtk_secure_mem_type type;
	uint64_t size;
	unsigned int nr_extents;
	const struct rh_secmem_extent *extents;
	struct rh_secmem_buf *buf;
};

/*
 * rh_secmem_lookup() - resolve a secure handle to its extents and pin it
 * @plat: the platform
 * @handle: a handle ZALLOC returned
 * @ret_pin: filled on success; release with rh_secmem_unpin() soon (a FREE
 *           of the handle blocks until then)
 *
 * Any live buffer is found, whichever session allocated it: the caller
 * (another TA of the secure OS) applies its own policy.
 * An unknown handle counts in the TA's refused_handles statistic.
 * Returns 0, -EINVAL (NULL), -ENODEV (no secmem state on @plat), -ENOENT
 * (unknown, freed or not yet published handle).
 */
int rh_secmem_lookup(struct rh_platform *plat, uint64_t handle,
		     struct rh_secmem_pin *ret_pin);

/* rh_secmem_unpin() - end a pin taken by rh_secmem_lookup(); NULL-safe */
void rh_secmem_unpin(struct rh_platform *plat, struct rh_secmem_pin *pin);

/* The TA table (registered on every platform by rh_ta_secmem_init()). */
extern const struct rh_ta_ops rh_ta_secmem_ops;

/*
 * rh_secmem_master_mask() - the firewall policy for secure buffers: every
 * secure-capable master of @plat (id < 64), allowed only while in secure
 * mode (the firewall refuses non-secure transactions in any region).
 */
uint64_t rh_secmem_master_mask(struct rh_platform *plat);

#endif /* RH_EMU_TA_SECMEM_H */
