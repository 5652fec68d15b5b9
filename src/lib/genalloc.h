/* SPDX-License-Identifier: MIT */
/* A general-purpose range allocator over one chunk of physical memory (lib/genalloc.c). */
#ifndef RH_LIB_GENALLOC_H
#define RH_LIB_GENALLOC_H

#include <stddef.h>
#include <stdint.h>

#include <rheap/platform.h>

struct rh_gen_pool;

/*
 * rh_gen_pool_create() - a pool handing out runs of 2^@min_alloc_order
 * bytes from [@base, @base + @size), first fit (gen_pool_first_fit, the
 * kernel's default algorithm). @base must not be 0 (0 is "no memory") and
 * both must be multiples of the allocation unit; @plat is for log lines.
 * Mirrors: gen_pool_create() + gen_pool_add() of one chunk (lib/genalloc.c)
 * Returns 0, -EINVAL, -ENOMEM.
 */
int rh_gen_pool_create(struct rh_platform *plat, unsigned int min_alloc_order,
		       rh_phys_addr_t base, uint64_t size, struct rh_gen_pool **ret_pool);

/*
 * rh_gen_pool_destroy() - free the pool; memory still allocated is a
 * caller bug (logged: the kernel BUGs). NULL-safe.
 * Mirrors: gen_pool_destroy()
 */
void rh_gen_pool_destroy(struct rh_gen_pool *pool);

/*
 * rh_gen_pool_alloc() - @size bytes (rounded up to the unit), first fit.
 * Mirrors: gen_pool_alloc()
 * Returns the address, 0 when no run is large enough or @size is 0.
 */
rh_phys_addr_t rh_gen_pool_alloc(struct rh_gen_pool *pool, size_t size);

/*
 * rh_gen_pool_free() - give back what rh_gen_pool_alloc() returned; a
 * range outside the pool or not allocated is refused and logged.
 * Mirrors: gen_pool_free()
 */
void rh_gen_pool_free(struct rh_gen_pool *pool, rh_phys_addr_t addr, size_t size);

/* Mirrors: gen_pool_avail(), gen_pool_size() */
uint64_t rh_gen_pool_avail(struct rh_gen_pool *pool);
uint64_t rh_gen_pool_size(const struct rh_gen_pool *pool);

#endif /* RH_LIB_GENALLOC_H */
