// SPDX-License-Identifier: MIT
/* A general-purpose range allocator over one chunk of physical memory (lib/genalloc.c). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>

#include "internal.h"
#include "lib/bitmap.h"
#include "lib/genalloc.h"

/*
 * The kernel's gen_pool keeps a bitmap a chunk, one bit an allocation unit,
 * and finds runs with bitmap_find_next_zero_area(); it sets and clears
 * bits with atomic cmpxchg so that allocation takes no lock. Here a mutex
 * covers the bitmap: the pools that use it (the TEE's protected-memory
 * pools) also take one of their own on every allocation.
 */
struct rh_gen_pool {
	struct rh_platform *plat;
	pthread_mutex_t lock;
	unsigned int order;
	rh_phys_addr_t base;
	unsigned long nr_bits;
	unsigned long used_bits;
	bitstr_t *bits;
};

int rh_gen_pool_create(struct rh_platform *plat, unsigned int min_alloc_order,
		       rh_phys_addr_t base, uint64_t size, struct rh_gen_pool **ret_pool)
{
	struct rh_gen_pool *pool;
	uint64_t unit, end;

	if (!ret_pool || min_alloc_order >= 63)
		return -EINVAL;
	unit = 1ULL << min_alloc_order;
	if (!base || !size || !RH_IS_ALIGNED(base | size, unit) ||
	    __builtin_add_overflow(base, size, &end) || size / unit > INT_MAX)
		return -EINVAL;
	pool = rh_zalloc(sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pool->nr_bits = (unsigned long)(size / unit);
	pool->bits = rh_calloc(bitstr_size(pool->nr_bits), sizeof(bitstr_t));
	if (!pool->bits) {
		rh_free(pool);
		return -ENOMEM;
	}
	pool->plat = plat;
	pool->order = min_alloc_order;
	pool->base = base;
	pthread_mutex_init(&pool->lock, NULL);
	*ret_pool = pool;
	return 0;
}

void rh_gen_pool_destroy(struct rh_gen_pool *pool)
{
	if (!pool)
		return;
	if (pool->used_bits)
		rh_bug_caller(pool->plat, "genalloc: pool at 0x%" PRIx64 " destroyed with %lu "
			      "unit(s) still allocated", pool->base, pool->used_bits);
	pthread_mutex_destroy(&pool->lock);
	rh_free(pool->bits);
	rh_free(pool);
}

rh_phys_addr_t rh_gen_pool_alloc(struct rh_gen_pool *pool, size_t size)
{
	unsigned long nr, start;

	if (!pool || !size || size > (uint64_t)pool->nr_bits << pool->order)
		return 0;
	nr = (unsigned long)((size + (1ULL << pool->order) - 1) >> pool->order);
	pthread_mutex_lock(&pool->lock);
	start = rh_bitmap_find_next_zero_area_off(pool->bits, pool->nr_bits, 0, nr, 0, 0);
	if (start + nr > pool->nr_bits) {
		pthread_mutex_unlock(&pool->lock);
		return 0;
	}
	bit_nset(pool->bits, (int)start, (int)(start + nr - 1));
	pool->used_bits += nr;
	pthread_mutex_unlock(&pool->lock);
	return pool->base + ((rh_phys_addr_t)start << pool->order);
}

void rh_gen_pool_free(struct rh_gen_pool *pool, rh_phys_addr_t addr, size_t size)
{
	unsigned long nr, start;

	if (!pool || !size)
		return;
	nr = (unsigned long)((size + (1ULL << pool->order) - 1) >> pool->order);
	if (addr < pool->base || !RH_IS_ALIGNED(addr - pool->base, 1ULL << pool->order) ||
	    (addr - pool->base) >> pool->order >= pool->nr_bits ||
	    nr > pool->nr_bits - ((addr - pool->base) >> pool->order)) {
		rh_bug_caller(pool->plat, "genalloc: free of 0x%" PRIx64 "+0x%zx outside the pool",
			      addr, size);
		return;
	}
	start = (unsigned long)((addr - pool->base) >> pool->order);
	pthread_mutex_lock(&pool->lock);
	if (rh_bitmap_find_next(pool->bits, start + nr, start, false) < start + nr) {
		pthread_mutex_unlock(&pool->lock);
		rh_bug_caller(pool->plat, "genalloc: free of 0x%" PRIx64 "+0x%zx that is not "
			      "allocated", addr, size);
		return;
	}
	bit_nclear(pool->bits, (int)start, (int)(start + nr - 1));
	pool->used_bits -= nr;
	pthread_mutex_unlock(&pool->lock);
}

uint64_t rh_gen_pool_avail(struct rh_gen_pool *pool)
{
	uint64_t avail;

	if (!pool)
		return 0;
	pthread_mutex_lock(&pool->lock);
	avail = (uint64_t)(pool->nr_bits - pool->used_bits) << pool->order;
	pthread_mutex_unlock(&pool->lock);
	return avail;
}

uint64_t rh_gen_pool_size(const struct rh_gen_pool *pool)
{
	return pool ? (uint64_t)pool->nr_bits << pool->order : 0;
}
