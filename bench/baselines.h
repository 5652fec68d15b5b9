/* SPDX-License-Identifier: MIT */
/* Same-run baselines: malloc+memset, memcpy, first-fit bitmap and TLSF-style range allocators. */
#ifndef RH_BENCH_BASELINES_H
#define RH_BENCH_BASELINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * None of this is in the library: these are the yardsticks the library's
 * figures are divided by (perf.md §3 and §6).
 */

/* ------------------------------------------------------------ memory */

/*
 * The zero is hidden from the compiler (a volatile fill value, out-of-line
 * functions) so malloc + memset(0) never becomes calloc (perf.md §1.4).
 */

/* malloc(size), memset(0), free. Returns 0 or -ENOMEM. */
int bench_malloc_memset_free(size_t size);
/* memset(buf, 0, size) on a buffer the caller pre-faulted (>= 32 MiB). */
void bench_memset0(void *buf, size_t size);
/* memcpy, out of line. */
void bench_memcpy(void *dst, const void *src, size_t size);
/* malloc(size), memcpy from @src, free. Returns 0 or -ENOMEM. */
int bench_malloc_memcpy_free(const void *src, size_t size);

/* Argument of the batch functions below (bench_measure() callbacks). */
struct bench_mem_arg {
	size_t size;
	void *dst;
	const void *src;
};

void bench_batch_malloc_memset_free(void *arg, uint64_t iters);
void bench_batch_memset0(void *arg, uint64_t iters);
void bench_batch_memcpy(void *arg, uint64_t iters);
void bench_batch_malloc_memcpy_free(void *arg, uint64_t iters);

/* ------------------------------------------------------------ range allocators */

#define BENCH_PAGE_SIZE UINT64_C(4096)

/**
 * struct bench_range_ops - a metadata-only allocator of page ranges
 * @name:    short name used in tables ("tlsf-off")
 * @create:  allocator over [base, base + size), both page aligned
 * @destroy: free it
 * @alloc:   @size bytes rounded up to pages; 0 or -ENOMEM
 * @free:    a range from @alloc with the same @size; 0 or negative errno
 * @never_fails: the allocator cannot run out (the null allocator)
 */
struct bench_range_ops {
	const char *name;
	int (*create)(uint64_t base, uint64_t size, void **ret);
	void (*destroy)(void *a);
	int (*alloc)(void *a, uint64_t size, uint64_t *ret_pa);
	int (*free)(void *a, uint64_t pa, uint64_t size);
	bool never_fails;
};

/* Null allocator: returns distinct fake addresses; measures the harness. */
extern const struct bench_range_ops bench_range_null;

/*
 * genalloc-ff: the kernel's gen_pool_first_fit over one chunk, one bit per
 * page (libbsd bitstring), bitmap_find_next_zero_area() from bit 0 with the
 * kernel's word-at-a-time find_next_zero_bit()/find_next_bit().
 */
extern const struct bench_range_ops bench_range_genalloc_ff;

/*
 * tlsf-off: two-level segregated fit (FL = log2, SL = 32, bitmaps, good-fit
 * round-up, LIFO free lists, immediate split and coalesce) whose block
 * records live in an array outside the region, indexed by page.
 */
extern const struct bench_range_ops bench_range_tlsf_off;

#endif /* RH_BENCH_BASELINES_H */
