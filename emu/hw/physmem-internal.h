/* SPDX-License-Identifier: MIT */
/* Simulated DRAM internals shared by physmem.c (the views, protection) and physmem-alias.c. */
#ifndef RH_EMU_PHYSMEM_INTERNAL_H
#define RH_EMU_PHYSMEM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/tree.h>

#include "emu.h"
#include "internal.h"

/* A registered normal-world CPU mapping of DRAM pages (physmem-alias.c). */
struct phys_alias {
	RB_ENTRY(phys_alias) by_addr;
	RB_ENTRY(phys_alias) by_pa;
	struct phys_alias *_Atomic next; /* alias_list, read lock-free */
	struct phys_alias *prev;         /* writers only */
	struct phys_alias *free_next;    /* on the way out: freed after the grace period */
	uintptr_t start;
	uintptr_t end; /* exclusive */
	rh_phys_addr_t pa;
	int prot; /* the alias's own protection, restored on unprotect */
};

RB_HEAD(alias_addr_tree, phys_alias);
RB_HEAD(alias_pa_tree, phys_alias);

struct rh_physmem {
	struct rh_platform *plat; /* for log messages only; may be NULL */
	int fd;
	rh_phys_addr_t base;
	uint64_t size;
	unsigned char *normal; /* what the normal world sees; protected ranges PROT_NONE */
	unsigned char *secure; /* secure world and admitted bus masters only */

	/* Aliases; everything but alias_list and alias_readers under alias_lock. */
	pthread_mutex_t alias_lock;
	struct alias_addr_tree aliases_by_addr; /* never overlap in address */
	struct alias_pa_tree aliases_by_pa;
	struct phys_alias *_Atomic alias_list;
	atomic_uint alias_readers; /* fault handlers walking alias_list */
	size_t nr_aliases;
	uint64_t alias_max_len; /* longest alias ever: bounds the PA tree walk */

	/*
	 * Two bitmaps of one bit a page, in bits[]: written (may have been
	 * written through the secure view, emu.h) and fw_prot (protected by
	 * the firewall: PROT_NONE in the normal view and every alias; read by
	 * the fault handler, written under alias_lock).
	 */
	atomic_uint_least64_t *written;
	atomic_uint_least64_t *fw_prot;
	atomic_uint_least64_t bits[];
};

/* ---------------------------------------------------------------- page bitmaps */

static inline int physmem_page_range(const struct rh_physmem *pm, rh_phys_addr_t pa,
				     uint64_t len)
{
	if (!RH_IS_ALIGNED(pa, RH_PAGE_SIZE) || !RH_IS_ALIGNED(len, RH_PAGE_SIZE))
		return -EINVAL;
	return rh_physmem_check(pm, pa, len);
}

/* The pages of [@pa, @pa + @len) in DRAM, as bit indexes; false outside. */
static inline bool page_range(const struct rh_physmem *pm, rh_phys_addr_t pa,
			      uint64_t len, uint64_t *ret_first, uint64_t *ret_last)
{
	if (!pm || rh_physmem_check(pm, pa, len))
		return false;
	*ret_first = (pa - pm->base) >> RH_PAGE_SHIFT;
	*ret_last = (pa - pm->base + len - 1) >> RH_PAGE_SHIFT;
	return true;
}

/* The bits of word @i of a bitmap that stand for pages @first..@last. */
static inline uint64_t bits_mask(uint64_t i, uint64_t first, uint64_t last)
{
	unsigned int lo = i == first / 64 ? (unsigned int)(first % 64) : 0;
	unsigned int hi = i == last / 64 ? (unsigned int)(last % 64) : 63;

	return (~UINT64_C(0) << lo) & (~UINT64_C(0) >> (63 - hi));
}

/*
 * Sets (@set) or clears the bits of the pages of [@pa, @pa + @len) in
 * @map, writing a word only when it changes. Release: whoever sees a bit
 * set also sees what was done before setting it.
 */
static inline void bits_update(struct rh_physmem *pm, atomic_uint_least64_t *map,
			       rh_phys_addr_t pa, uint64_t len, bool set)
{
	uint64_t first, last, i, mask, bits;

	if (!page_range(pm, pa, len, &first, &last))
		return;
	for (i = first / 64; i <= last / 64; i++) {
		mask = bits_mask(i, first, last);
		bits = atomic_load_explicit(&map[i], memory_order_relaxed) & mask;
		if (set && bits != mask)
			atomic_fetch_or_explicit(&map[i], mask, memory_order_acq_rel);
		else if (!set && bits)
			atomic_fetch_and_explicit(&map[i], ~mask, memory_order_acq_rel);
	}
}

/* Is the bit of any page of [@pa, @pa + @len) set in @map? True outside DRAM. */
static inline bool bits_test_any(struct rh_physmem *pm, atomic_uint_least64_t *map,
				 rh_phys_addr_t pa, uint64_t len)
{
	uint64_t first, last, i;

	if (!page_range(pm, pa, len, &first, &last))
		return true;
	for (i = first / 64; i <= last / 64; i++)
		if (atomic_load_explicit(&map[i], memory_order_acquire) &
		    bits_mask(i, first, last))
			return true;
	return false;
}

/* The fw_prot bit of page @page (an index into DRAM). Async-signal-safe. */
static inline bool page_fw_protected(const struct rh_physmem *pm, uint64_t page)
{
	return (atomic_load_explicit(&pm->fw_prot[page / 64], memory_order_acquire) >>
		(page % 64)) & 1;
}

/*
 * Pages from page @first (at most @max) whose fw_prot bit equals that of
 * @first, which goes to @ret_set. Skips whole words where it can: a 2 GiB
 * alias is 8192 words, not 524288 bit tests.
 */
static inline uint64_t fw_prot_run(const struct rh_physmem *pm, uint64_t first,
				   uint64_t max, bool *ret_set)
{
	bool set = page_fw_protected(pm, first);
	uint64_t i = first, end = first + max, w, same;
	unsigned int shift;

	while (i < end) {
		w = atomic_load_explicit(&pm->fw_prot[i / 64], memory_order_acquire);
		if (!set)
			w = ~w;
		shift = (unsigned int)(i % 64);
		/* 1 bits: pages from i to the end of the word in the same state */
		same = w >> shift;
		if (same == ~UINT64_C(0) >> shift) {
			i += 64 - shift;
			continue;
		}
		i += (uint64_t)__builtin_ctzll(~same);
		break;
	}
	*ret_set = set;
	return (i < end ? i : end) - first;
}

/*
 * rh_physmem_aliases_apply() - give every alias of the pages of [@pa, @pa
 * + @len) what the fw_prot bits now call for (alias_lock held). With
 * @stop, the first failure ends the walk; without, every alias is tried.
 * Returns the first error.
 */
int rh_physmem_aliases_apply(struct rh_physmem *pm, rh_phys_addr_t pa, uint64_t len, bool stop);

/* rh_physmem_aliases_free() - forget every alias at teardown (their mappings stay). */
void rh_physmem_aliases_free(struct rh_physmem *pm);

#endif /* RH_EMU_PHYSMEM_INTERNAL_H */
