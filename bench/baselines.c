// SPDX-License-Identifier: MIT
/* Same-run baselines: memory operations, genalloc-style first fit, TLSF with external records. */
#include "config.h"

#include <bitstring.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"

#define NOINLINE __attribute__((noinline))

/* ------------------------------------------------------------ memory */

NOINLINE int bench_malloc_memset_free(size_t size)
{
	/* volatile: the compiler must not fold malloc + memset(0) into calloc */
	volatile int fill = 0;
	void *p = malloc(size);

	if (!p)
		return -ENOMEM;
	memset(p, fill, size);
	/* keep the stores: the buffer escapes through an empty asm */
	__asm__ volatile("" : : "r"(p) : "memory");
	free(p);
	return 0;
}

NOINLINE void bench_memset0(void *buf, size_t size)
{
	volatile int fill = 0;

	memset(buf, fill, size);
	__asm__ volatile("" : : "r"(buf) : "memory");
}

NOINLINE void bench_memcpy(void *dst, const void *src, size_t size)
{
	memcpy(dst, src, size);
	__asm__ volatile("" : : "r"(dst) : "memory");
}

NOINLINE int bench_malloc_memcpy_free(const void *src, size_t size)
{
	void *p = malloc(size);

	if (!p)
		return -ENOMEM;
	memcpy(p, src, size);
	__asm__ volatile("" : : "r"(p) : "memory");
	free(p);
	return 0;
}

void bench_batch_malloc_memset_free(void *arg, uint64_t iters)
{
	const struct bench_mem_arg *m = arg;

	while (iters--)
		bench_malloc_memset_free(m->size);
}

void bench_batch_memset0(void *arg, uint64_t iters)
{
	const struct bench_mem_arg *m = arg;

	while (iters--)
		bench_memset0(m->dst, m->size);
}

void bench_batch_memcpy(void *arg, uint64_t iters)
{
	const struct bench_mem_arg *m = arg;

	while (iters--)
		bench_memcpy(m->dst, m->src, m->size);
}

void bench_batch_malloc_memcpy_free(void *arg, uint64_t iters)
{
	const struct bench_mem_arg *m = arg;

	while (iters--)
		bench_malloc_memcpy_free(m->src, m->size);
}

static inline uint64_t pages_of(uint64_t size)
{
	return (size + BENCH_PAGE_SIZE - 1) / BENCH_PAGE_SIZE;
}

/* ------------------------------------------------------------ null */

struct null_alloc {
	uint64_t base, size, cursor;
};

static int null_create(uint64_t base, uint64_t size, void **ret)
{
	struct null_alloc *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->base = base;
	n->size = size;
	*ret = n;
	return 0;
}

static void null_destroy(void *a)
{
	free(a);
}

static int null_alloc(void *a, uint64_t size, uint64_t *ret_pa)
{
	struct null_alloc *n = a;

	*ret_pa = n->base + n->cursor;
	n->cursor = (n->cursor + pages_of(size) * BENCH_PAGE_SIZE) % n->size;
	return 0;
}

static int null_free(void *a, uint64_t pa, uint64_t size)
{
	(void)a;
	(void)pa;
	(void)size;
	return 0;
}

const struct bench_range_ops bench_range_null = {
	.name = "null",
	.create = null_create,
	.destroy = null_destroy,
	.alloc = null_alloc,
	.free = null_free,
	.never_fails = true,
};

/* ------------------------------------------------------------ genalloc-ff */

/*
 * lib/genalloc.c with one chunk and min_alloc_order = PAGE_SHIFT:
 * gen_pool_alloc() -> gen_pool_first_fit() -> bitmap_find_next_zero_area()
 * from bit 0, then bitmap_set; gen_pool_free() clears the bits. The bitmap
 * is a libbsd bitstring (bit n in byte n / 8, bit n % 8), which read as
 * little-endian 64-bit words is exactly the kernel's unsigned long layout,
 * so the searches go a word at a time as lib/find_bit.c does.
 */
struct genalloc_ff {
	uint64_t base;
	unsigned long nbits;
	bitstr_t *map; /* padded to whole 64-bit words */
};

static inline uint64_t map_word(const bitstr_t *map, unsigned long idx)
{
	uint64_t w;

	memcpy(&w, map + idx * 8, sizeof(w));
	return le64toh(w);
}

/* lib/find_bit.c: _find_next_bit() with invert = ~0 / 0. */
static unsigned long find_next_zero_bit(const bitstr_t *map, unsigned long size,
					unsigned long start)
{
	uint64_t tmp;

	if (start >= size)
		return size;
	tmp = ~map_word(map, start / 64) & (~UINT64_C(0) << (start & 63));
	start &= ~63ul;
	while (!tmp) {
		start += 64;
		if (start >= size)
			return size;
		tmp = ~map_word(map, start / 64);
	}
	start += (unsigned long)__builtin_ctzll(tmp);
	return start < size ? start : size;
}

static unsigned long find_next_bit(const bitstr_t *map, unsigned long size,
				   unsigned long start)
{
	uint64_t tmp;

	if (start >= size)
		return size;
	tmp = map_word(map, start / 64) & (~UINT64_C(0) << (start & 63));
	start &= ~63ul;
	while (!tmp) {
		start += 64;
		if (start >= size)
			return size;
		tmp = map_word(map, start / 64);
	}
	start += (unsigned long)__builtin_ctzll(tmp);
	return start < size ? start : size;
}

/* lib/bitmap.c: bitmap_find_next_zero_area_off() with align_mask 0. */
static unsigned long bitmap_find_next_zero_area(const bitstr_t *map,
						unsigned long size,
						unsigned long start,
						unsigned int nr)
{
	unsigned long index, end, i;

again:
	index = find_next_zero_bit(map, size, start);
	end = index + nr;
	if (end > size)
		return end;
	i = find_next_bit(map, end, index);
	if (i < end) {
		start = i + 1;
		goto again;
	}
	return index;
}

static int genalloc_create(uint64_t base, uint64_t size, void **ret)
{
	struct genalloc_ff *g = calloc(1, sizeof(*g));
	unsigned long words;

	if (!g)
		return -ENOMEM;
	g->base = base;
	g->nbits = (unsigned long)(size / BENCH_PAGE_SIZE);
	words = (g->nbits + 63) / 64;
	g->map = calloc(words, 8);
	if (!g->map) {
		free(g);
		return -ENOMEM;
	}
	/* Bits past the end read as used, so a word search never runs over. */
	if (g->nbits % 64)
		bit_nset(g->map, (int)g->nbits, (int)(words * 64 - 1));
	*ret = g;
	return 0;
}

static void genalloc_destroy(void *a)
{
	struct genalloc_ff *g = a;

	free(g->map);
	free(g);
}

static int genalloc_alloc(void *a, uint64_t size, uint64_t *ret_pa)
{
	struct genalloc_ff *g = a;
	uint64_t nr = pages_of(size);
	unsigned long start;

	if (!nr || nr > g->nbits)
		return -ENOMEM;
	start = bitmap_find_next_zero_area(g->map, g->nbits, 0,
					   (unsigned int)nr);
	if (start >= g->nbits)
		return -ENOMEM;
	bit_nset(g->map, (int)start, (int)(start + nr - 1));
	*ret_pa = g->base + (uint64_t)start * BENCH_PAGE_SIZE;
	return 0;
}

static int genalloc_free(void *a, uint64_t pa, uint64_t size)
{
	struct genalloc_ff *g = a;
	uint64_t start = (pa - g->base) / BENCH_PAGE_SIZE;

	bit_nclear(g->map, (int)start, (int)(start + pages_of(size) - 1));
	return 0;
}

const struct bench_range_ops bench_range_genalloc_ff = {
	.name = "genalloc-ff",
	.create = genalloc_create,
	.destroy = genalloc_destroy,
	.alloc = genalloc_alloc,
	.free = genalloc_free,
};

/* ------------------------------------------------------------ tlsf-off */

/*
 * TLSF (Masmano et al., 2004) in page units. Block records are one 16-byte
 * entry per page, valid at block starts, in an array outside the region:
 * a secure region's allocator may not write headers into the memory.
 */
#define TLSF_SL_LOG2 5
#define TLSF_SL_COUNT (1u << TLSF_SL_LOG2)
#define TLSF_FL_COUNT 28
#define TLSF_NONE UINT32_MAX
#define TLSF_FREE 0x80000000u

struct tlsf_rec {
	uint32_t size;		/* pages, TLSF_FREE when free */
	uint32_t prev_phys;	/* start of the block just below, or NONE */
	uint32_t next_free;
	uint32_t prev_free;
};

struct tlsf_off {
	uint64_t base;
	uint32_t npages;
	uint32_t fl_bitmap;
	uint32_t sl_bitmap[TLSF_FL_COUNT];
	uint32_t heads[TLSF_FL_COUNT][TLSF_SL_COUNT];
	struct tlsf_rec *rec;
};

static inline unsigned int fls32(uint32_t x)
{
	return 31u - (unsigned int)__builtin_clz(x);
}

static inline void tlsf_mapping(uint32_t size, unsigned int *fl,
				unsigned int *sl)
{
	unsigned int f;

	if (size < TLSF_SL_COUNT) {
		*fl = 0;
		*sl = size;
	} else {
		f = fls32(size);
		*sl = (size >> (f - TLSF_SL_LOG2)) ^ TLSF_SL_COUNT;
		*fl = f - (TLSF_SL_LOG2 - 1);
	}
}

static void tlsf_insert(struct tlsf_off *t, uint32_t b, uint32_t size)
{
	unsigned int fl, sl;
	uint32_t head;

	tlsf_mapping(size, &fl, &sl);
	head = t->heads[fl][sl];
	t->rec[b].size = size | TLSF_FREE;
	t->rec[b].next_free = head;
	t->rec[b].prev_free = TLSF_NONE;
	if (head != TLSF_NONE)
		t->rec[head].prev_free = b;
	t->heads[fl][sl] = b;
	t->fl_bitmap |= 1u << fl;
	t->sl_bitmap[fl] |= 1u << sl;
}

static void tlsf_remove(struct tlsf_off *t, uint32_t b)
{
	uint32_t size = t->rec[b].size & ~TLSF_FREE;
	uint32_t next = t->rec[b].next_free, prev = t->rec[b].prev_free;
	unsigned int fl, sl;

	tlsf_mapping(size, &fl, &sl);
	if (next != TLSF_NONE)
		t->rec[next].prev_free = prev;
	if (prev != TLSF_NONE) {
		t->rec[prev].next_free = next;
	} else {
		t->heads[fl][sl] = next;
		if (next == TLSF_NONE) {
			t->sl_bitmap[fl] &= ~(1u << sl);
			if (!t->sl_bitmap[fl])
				t->fl_bitmap &= ~(1u << fl);
		}
	}
	t->rec[b].size = size;
}

static int tlsf_create(uint64_t base, uint64_t size, void **ret)
{
	struct tlsf_off *t = calloc(1, sizeof(*t));
	uint32_t npages = (uint32_t)(size / BENCH_PAGE_SIZE);

	if (!t)
		return -ENOMEM;
	t->base = base;
	t->npages = npages;
	memset(t->heads, 0xff, sizeof(t->heads));
	t->rec = malloc((size_t)npages * sizeof(*t->rec));
	if (!t->rec) {
		free(t);
		return -ENOMEM;
	}
	/* Touch the records now so page faults stay out of the timings. */
	memset(t->rec, 0xff, (size_t)npages * sizeof(*t->rec));
	t->rec[0].prev_phys = TLSF_NONE;
	tlsf_insert(t, 0, npages);
	*ret = t;
	return 0;
}

static void tlsf_destroy(void *a)
{
	struct tlsf_off *t = a;

	free(t->rec);
	free(t);
}

static int tlsf_alloc(void *a, uint64_t size, uint64_t *ret_pa)
{
	struct tlsf_off *t = a;
	uint64_t n64 = pages_of(size);
	uint32_t n, r, b, bsize, rem, next, sl_map, fl_map;
	unsigned int fl, sl;

	if (!n64 || n64 > t->npages)
		return -ENOMEM;
	n = (uint32_t)n64;
	/* Good fit: round up to the next class so any block found is large enough. */
	r = n;
	if (n >= TLSF_SL_COUNT)
		r += (1u << (fls32(n) - TLSF_SL_LOG2)) - 1;
	tlsf_mapping(r, &fl, &sl);
	if (fl >= TLSF_FL_COUNT)
		return -ENOMEM;
	sl_map = t->sl_bitmap[fl] & (~0u << sl);
	if (!sl_map) {
		fl_map = t->fl_bitmap & (~0u << (fl + 1));
		if (!fl_map)
			return -ENOMEM;
		fl = (unsigned int)__builtin_ctz(fl_map);
		sl_map = t->sl_bitmap[fl];
	}
	sl = (unsigned int)__builtin_ctz(sl_map);
	b = t->heads[fl][sl];

	tlsf_remove(t, b);
	bsize = t->rec[b].size;
	if (bsize > n) {
		rem = b + n;
		t->rec[rem].prev_phys = b;
		next = b + bsize;
		if (next < t->npages)
			t->rec[next].prev_phys = rem;
		tlsf_insert(t, rem, bsize - n);
		t->rec[b].size = n;
	}
	*ret_pa = t->base + (uint64_t)b * BENCH_PAGE_SIZE;
	return 0;
}

static int tlsf_free(void *a, uint64_t pa, uint64_t size)
{
	struct tlsf_off *t = a;
	uint32_t b = (uint32_t)((pa - t->base) / BENCH_PAGE_SIZE);
	uint32_t bsize = t->rec[b].size, prev, next;

	(void)size; /* the record knows */
	prev = t->rec[b].prev_phys;
	if (prev != TLSF_NONE && (t->rec[prev].size & TLSF_FREE)) {
		tlsf_remove(t, prev);
		bsize += t->rec[prev].size;
		b = prev;
	}
	next = b + bsize;
	if (next < t->npages && (t->rec[next].size & TLSF_FREE)) {
		tlsf_remove(t, next);
		bsize += t->rec[next].size;
	}
	next = b + bsize;
	if (next < t->npages)
		t->rec[next].prev_phys = b;
	tlsf_insert(t, b, bsize);
	return 0;
}

const struct bench_range_ops bench_range_tlsf_off = {
	.name = "tlsf-off",
	.create = tlsf_create,
	.destroy = tlsf_destroy,
	.alloc = tlsf_alloc,
	.free = tlsf_free,
};
