// SPDX-License-Identifier: MIT
/* Unit tests of emu/hw/physmem.c: two aliasing views of one memfd, bounds, protection. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rheap/alloc.h>

#include "emu.h"
#include "hand-platform.h"
#include "rh-test.h"

#define BASE 0x40000000ULL
#define SIZE (16ULL << 20)

static int setup(void **state)
{
	struct rh_physmem *pm = NULL;

	assert_int_equal(rh_physmem_create(NULL, BASE, SIZE, &pm), 0);
	*state = pm;
	return 0;
}

static int teardown(void **state)
{
	rh_physmem_destroy(*state);
	return 0;
}

static void test_create_geometry(void **state)
{
	struct rh_physmem *pm = *state;

	assert_int_equal(rh_physmem_base(pm), BASE);
	assert_int_equal(rh_physmem_size(pm), SIZE);
}

static void test_create_bad_args(void **state)
{
	struct rh_physmem *sentinel = (struct rh_physmem *)(uintptr_t)0x1234;
	struct rh_physmem *pm = sentinel;
	int fds = rh_test_count_fds();

	assert_neg_errno(rh_physmem_create(NULL, BASE, 0, &pm), EINVAL);
	assert_neg_errno(rh_physmem_create(NULL, BASE + 1, SIZE, &pm), EINVAL);
	assert_neg_errno(rh_physmem_create(NULL, BASE, SIZE + 1, &pm), EINVAL);
	assert_neg_errno(rh_physmem_create(NULL, BASE, RH_PHYSMEM_MAX_SIZE + RH_PAGE_SIZE, &pm),
			 EINVAL);
	/* base + size would wrap past the top of the address space */
	assert_neg_errno(rh_physmem_create(NULL, UINT64_MAX - RH_PAGE_SIZE + 1,
					   2 * RH_PAGE_SIZE, &pm), EINVAL);
	assert_neg_errno(rh_physmem_create(NULL, BASE, SIZE, NULL), EINVAL);
	assert_ptr_equal(pm, sentinel);
	assert_int_equal(rh_test_count_fds(), fds);
	rh_physmem_destroy(NULL);
}

static void test_create_top_of_address_space(void **state)
{
	struct rh_physmem *pm;
	void *p;

	/* The last page of the 64-bit space: nothing may wrap in the checks. */
	assert_int_equal(rh_physmem_create(NULL, UINT64_MAX - RH_PAGE_SIZE + 1 - RH_PAGE_SIZE,
					   RH_PAGE_SIZE, &pm), 0);
	assert_int_equal(rh_physmem_check(pm, rh_physmem_base(pm), RH_PAGE_SIZE), 0);
	assert_neg_errno(rh_physmem_check(pm, rh_physmem_base(pm), RH_PAGE_SIZE + 1), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, UINT64_MAX, 2), ERANGE);
	assert_neg_errno(rh_physmem_secure_ptr(pm, UINT64_MAX - 1, 16, &p), ERANGE);
	rh_physmem_destroy(pm);
}

static void test_views_alias(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char *sec, *nor;

	assert_int_equal(rh_physmem_secure_ptr(pm, BASE + 0x5000, 64, (void **)&sec), 0);
	assert_int_equal(rh_physmem_normal_ptr(pm, BASE + 0x5000, 64, (void **)&nor), 0);
	assert_ptr_not_equal(sec, nor);

	/* Fresh DRAM reads as zero. */
	assert_int_equal(nor[0], 0);
	memcpy(sec, "secure->normal", 15);
	assert_memory_equal(nor, "secure->normal", 15);
	memcpy(nor + 32, "normal->secure", 15);
	assert_memory_equal(sec + 32, "normal->secure", 15);
}

static void test_lazy_population(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char vec[SIZE / RH_PAGE_SIZE];
	unsigned char *nor, *sec;
	size_t i, resident = 0;

	assert_int_equal(rh_physmem_normal_ptr(pm, BASE, SIZE, (void **)&nor), 0);
	assert_int_equal(rh_physmem_secure_ptr(pm, BASE, SIZE, (void **)&sec), 0);
	assert_int_equal(mincore(nor, SIZE, vec), 0);
	for (i = 0; i < RH_ARRAY_SIZE(vec); i++)
		resident += vec[i] & 1;
	assert_int_equal(resident, 0);

	/* One page touched through the secure view is one page of memfd. */
	sec[3 * RH_PAGE_SIZE] = 1;
	assert_int_equal(mincore(nor, SIZE, vec), 0);
	for (i = 0, resident = 0; i < RH_ARRAY_SIZE(vec); i++)
		resident += vec[i] & 1;
	assert_int_equal(resident, 1);
	assert_int_equal(vec[3] & 1, 1);
}

static void test_bounds(void **state)
{
	struct rh_physmem *pm = *state;
	void *sentinel = (void *)(uintptr_t)0x42, *p = sentinel;
	rh_phys_addr_t pa = 0;

	assert_int_equal(rh_physmem_check(pm, BASE, SIZE), 0);
	assert_int_equal(rh_physmem_check(pm, BASE + SIZE - 1, 1), 0);
	assert_neg_errno(rh_physmem_check(pm, BASE, 0), EINVAL);
	assert_neg_errno(rh_physmem_check(pm, BASE - 1, 1), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, BASE - 1, 2), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, BASE + SIZE, 1), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, BASE + SIZE - 1, 2), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, BASE, SIZE + 1), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, 0, 1), ERANGE);
	/* pa + len wraps to a small number inside DRAM if computed naively */
	assert_neg_errno(rh_physmem_check(pm, BASE + 0x1000, UINT64_MAX), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, UINT64_MAX, UINT64_MAX), ERANGE);
	assert_neg_errno(rh_physmem_check(pm, UINT64_MAX - 0xff, 0x200), ERANGE);

	assert_neg_errno(rh_physmem_secure_ptr(pm, BASE + SIZE, 1, &p), ERANGE);
	assert_neg_errno(rh_physmem_normal_ptr(pm, BASE - RH_PAGE_SIZE, 16, &p), ERANGE);
	assert_neg_errno(rh_physmem_normal_ptr(pm, BASE, 0, &p), EINVAL);
	assert_neg_errno(rh_physmem_secure_ptr(pm, BASE + 8, SIZE, &p), ERANGE);
	assert_ptr_equal(p, sentinel);

	assert_int_equal(rh_physmem_normal_ptr(pm, BASE + SIZE - 8, 8, &p), 0);
	assert_int_equal(rh_physmem_normal_to_phys(pm, p, &pa), 0);
	assert_int_equal(pa, BASE + SIZE - 8);
	assert_neg_errno(rh_physmem_normal_to_phys(pm, (char *)p + 8, &pa), ERANGE);
	assert_int_equal(rh_physmem_secure_ptr(pm, BASE, 1, &p), 0);
	/* A secure-view pointer is not a normal-view one. */
	assert_neg_errno(rh_physmem_normal_to_phys(pm, p, &pa), ERANGE);
	assert_int_equal(pa, BASE + SIZE - 8);
}

static void test_protect_unprotect(void **state)
{
	struct rh_physmem *pm = *state;
	rh_phys_addr_t pa = BASE + 0x100000;
	unsigned char *nor, *sec;

	assert_int_equal(rh_physmem_normal_ptr(pm, pa, 0x4000, (void **)&nor), 0);
	assert_int_equal(rh_physmem_secure_ptr(pm, pa, 0x4000, (void **)&sec), 0);
	/* Populate the normal view, then protect: the data must survive DONTNEED. */
	memset(nor, 0xa5, 0x4000);
	assert_int_equal(rh_physmem_protect_normal(pm, pa, 0x4000), 0);
	assert_false(hand_readable(nor, 1));
	assert_false(hand_readable(nor + 0x3fff, 1));
	assert_true(hand_readable(nor - 1, 1));
	assert_true(hand_readable(nor + 0x4000, 1));
	assert_int_equal(sec[0], 0xa5);
	assert_int_equal(sec[0x3fff], 0xa5);
	sec[0x10] = 0x5a;

	assert_int_equal(rh_physmem_unprotect_normal(pm, pa, 0x4000), 0);
	assert_true(hand_readable(nor, 0x40));
	assert_int_equal(nor[0], 0xa5);
	assert_int_equal(nor[0x10], 0x5a);
	nor[0x20] = 1; /* writable again */
	assert_int_equal(sec[0x20], 1);
}

static void test_protect_bad_args(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char *nor;

	assert_neg_errno(rh_physmem_protect_normal(pm, BASE + 1, RH_PAGE_SIZE), EINVAL);
	assert_neg_errno(rh_physmem_protect_normal(pm, BASE, RH_PAGE_SIZE - 1), EINVAL);
	assert_neg_errno(rh_physmem_protect_normal(pm, BASE, 0), EINVAL);
	assert_neg_errno(rh_physmem_protect_normal(pm, BASE + SIZE, RH_PAGE_SIZE), ERANGE);
	assert_neg_errno(rh_physmem_protect_normal(pm, BASE - RH_PAGE_SIZE, 2 * RH_PAGE_SIZE),
			 ERANGE);
	assert_neg_errno(rh_physmem_unprotect_normal(pm, BASE + 0x800, RH_PAGE_SIZE), EINVAL);
	assert_neg_errno(rh_physmem_unprotect_normal(pm, BASE, SIZE + RH_PAGE_SIZE), ERANGE);
	/* Nothing was protected by the failed calls. */
	assert_int_equal(rh_physmem_normal_ptr(pm, BASE, SIZE, (void **)&nor), 0);
	assert_true(hand_readable(nor, 1));
	assert_true(hand_readable(nor + SIZE - 1, 1));
}

/* ---------------------------------------------------------------- aliases */

/* A host range of @len bytes nobody else uses, for aliases to go into. */
static unsigned char *reserve(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* Can this process write @p (as the CPU, without faulting)? Writes back what is there. */
static bool writable(void *p)
{
	unsigned char byte;
	struct iovec local = { &byte, 1 }, remote = { p, 1 };

	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != 1)
		return false;
	return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) == 1;
}

/* What the registry says about @addr: its PA, or 0 when it is not a CPU mapping of DRAM. */
static rh_phys_addr_t alias_pa(struct rh_physmem *pm, const void *addr)
{
	struct rh_phys_cpu_map m;

	return rh_physmem_cpu_lookup(pm, addr, &m) ? m.pa : 0;
}

#define PG RH_PAGE_SIZE

static void test_alias_map_unmap(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char *map = reserve(4 * PG), *sec, *nor;
	struct rh_phys_cpu_map m;

	assert_int_equal(rh_physmem_map_alias(pm, map, BASE + 0x10000, 4 * PG,
					      PROT_READ | PROT_WRITE), 0);
	assert_int_equal(rh_physmem_nr_aliases(pm), 1);
	assert_int_equal(rh_physmem_secure_ptr(pm, BASE + 0x10000, 4 * PG, (void **)&sec), 0);
	/* The same pages as every view. */
	memcpy(sec + PG + 8, "secure->alias", 14);
	assert_memory_equal(map + PG + 8, "secure->alias", 14);
	memcpy(map + 3 * PG, "alias->secure", 14);
	assert_memory_equal(sec + 3 * PG, "alias->secure", 14);

	assert_true(rh_physmem_cpu_lookup(pm, map + 0x1234, &m));
	assert_int_equal(m.pa, BASE + 0x11234);
	assert_int_equal(m.run, 4 * PG - 0x1234);
	assert_int_equal(m.prot, PROT_READ | PROT_WRITE);
	assert_false(m.fw_protected);
	/* The normal view is a CPU mapping too; the secure view is not. */
	assert_int_equal(rh_physmem_normal_ptr(pm, BASE + 5, 1, (void **)&nor), 0);
	assert_true(rh_physmem_cpu_lookup(pm, nor, &m));
	assert_int_equal(m.pa, BASE + 5);
	assert_int_equal(m.run, SIZE - 5);
	assert_false(rh_physmem_cpu_lookup(pm, sec, &m));
	assert_false(rh_physmem_cpu_lookup(pm, map - 1, &m));
	assert_false(rh_physmem_cpu_lookup(pm, map + 4 * PG, &m));

	assert_int_equal(rh_physmem_unmap_alias(pm, map, 4 * PG), 0);
	assert_int_equal(rh_physmem_nr_aliases(pm), 0);
	assert_false(rh_physmem_cpu_lookup(pm, map, &m));
	assert_false(hand_readable(map, 1));
	/* A range that holds no alias (a reservation nobody filled) just goes. */
	map = reserve(2 * PG);
	assert_int_equal(rh_physmem_unmap_alias(pm, map, 2 * PG), 0);
}

static void test_alias_bad_args(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char *map = reserve(4 * PG), *nor, *sec;
	const int rw = PROT_READ | PROT_WRITE;

	assert_int_equal(rh_physmem_normal_ptr(pm, BASE, SIZE, (void **)&nor), 0);
	assert_int_equal(rh_physmem_secure_ptr(pm, BASE, SIZE, (void **)&sec), 0);
	assert_neg_errno(rh_physmem_map_alias(NULL, map, BASE, PG, rw), EINVAL);
	assert_neg_errno(rh_physmem_map_alias(pm, NULL, BASE, PG, rw), EINVAL);
	assert_neg_errno(rh_physmem_map_alias(pm, map + 8, BASE, PG, rw), EINVAL);
	assert_neg_errno(rh_physmem_map_alias(pm, map, BASE + 8, PG, rw), EINVAL);
	assert_neg_errno(rh_physmem_map_alias(pm, map, BASE, 0, rw), EINVAL);
	assert_neg_errno(rh_physmem_map_alias(pm, map, BASE, PG + 1, rw), EINVAL);
	assert_neg_errno(rh_physmem_map_alias(pm, map, BASE, PG, rw | 0x1000000), EINVAL);
	assert_neg_errno(rh_physmem_map_alias(pm, (void *)(UINTPTR_MAX & ~(uintptr_t)(PG - 1)),
					      BASE, 2 * PG, rw), EINVAL);
	assert_neg_errno(rh_physmem_map_alias(pm, map, BASE - PG, PG, rw), ERANGE);
	assert_neg_errno(rh_physmem_map_alias(pm, map, BASE + SIZE - PG, 2 * PG, rw), ERANGE);
	assert_neg_errno(rh_physmem_map_alias(pm, map, UINT64_MAX & ~(uint64_t)(PG - 1),
					      2 * PG, rw), ERANGE);
	/* Never over DRAM's own views, not even partly. */
	assert_neg_errno(rh_physmem_map_alias(pm, nor + PG, BASE, PG, rw), EINVAL);
	assert_neg_errno(rh_physmem_map_alias(pm, nor - PG, BASE, 2 * PG, rw), EINVAL);
	assert_neg_errno(rh_physmem_map_alias(pm, sec + SIZE - PG, BASE, 2 * PG, rw), EINVAL);
	assert_int_equal(rh_physmem_nr_aliases(pm), 0);
	assert_false(hand_readable(map, 1));

	assert_neg_errno(rh_physmem_unmap_alias(NULL, map, PG), EINVAL);
	assert_neg_errno(rh_physmem_unmap_alias(pm, NULL, PG), EINVAL);
	assert_neg_errno(rh_physmem_unmap_alias(pm, map + 1, PG), EINVAL);
	assert_neg_errno(rh_physmem_unmap_alias(pm, map, 0), EINVAL);
	assert_neg_errno(rh_physmem_unmap_alias(pm, map, PG - 1), EINVAL);
	assert_neg_errno(rh_physmem_unmap_alias(pm, nor, PG), EINVAL);
	assert_neg_errno(rh_physmem_unmap_alias(pm, sec + PG, PG), EINVAL);
	/* The views survived every refusal. */
	assert_true(hand_readable(nor, 1));
	assert_true(hand_readable(sec + PG, 1));
	assert_int_equal(munmap(map, 4 * PG), 0);
}

static void test_alias_protection(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char *a = reserve(4 * PG), *b = reserve(4 * PG), *sec;
	rh_phys_addr_t pa = BASE + 0x200000;
	struct rh_phys_cpu_map m;

	/* Made before the protection, and populated. */
	assert_int_equal(rh_physmem_map_alias(pm, a, pa, 4 * PG, PROT_READ | PROT_WRITE), 0);
	memset(a, 0xa5, 4 * PG);
	assert_int_equal(rh_physmem_protect_normal(pm, pa + PG, 2 * PG), 0);
	assert_true(rh_physmem_is_protected(pm, pa + PG, PG));
	assert_false(rh_physmem_is_protected(pm, pa, PG));
	assert_true(writable(a));
	assert_false(hand_readable(a + PG, 1));
	assert_false(hand_readable(a + 3 * PG - 1, 1));
	assert_true(writable(a + 3 * PG));
	assert_true(rh_physmem_cpu_lookup(pm, a + PG, &m));
	assert_true(m.fw_protected);
	assert_true(rh_physmem_cpu_lookup(pm, a, &m));
	assert_false(m.fw_protected);
	/* Dropping the alias's PTEs kept the data. */
	assert_int_equal(rh_physmem_secure_ptr(pm, pa, 4 * PG, (void **)&sec), 0);
	assert_int_equal(sec[PG], 0xa5);
	assert_int_equal(sec[3 * PG - 1], 0xa5);
	/* No DRAM behind a protected page of an alias: opening it by hand shows nothing. */
	assert_int_equal(mprotect(a + PG, PG, PROT_READ), 0);
	assert_int_equal(a[PG], 0);
	assert_int_equal(mprotect(a + PG, PG, PROT_NONE), 0);

	/* Made after it, read-only: PROT_NONE where protected, its own prot elsewhere. */
	assert_int_equal(rh_physmem_map_alias(pm, b, pa, 4 * PG, PROT_READ), 0);
	assert_true(hand_readable(b, 1));
	assert_false(writable(b));
	assert_false(hand_readable(b + PG, 1));
	assert_false(hand_readable(b + 2 * PG, 1));
	assert_true(hand_readable(b + 3 * PG, 1));

	/* Released: each alias gets its own protection back, and the scrub shows. */
	memset(sec + PG, 0, 2 * PG);
	assert_int_equal(rh_physmem_unprotect_normal(pm, pa + PG, 2 * PG), 0);
	assert_false(rh_physmem_is_protected(pm, pa, 4 * PG));
	assert_true(writable(a + PG));
	assert_true(writable(a + 2 * PG));
	assert_int_equal(a[PG], 0);
	assert_int_equal(a[0], 0xa5);
	assert_true(hand_readable(b + PG, 1));
	assert_false(writable(b + PG));
	assert_int_equal(b[2 * PG], 0);

	assert_int_equal(rh_physmem_unmap_alias(pm, a, 4 * PG), 0);
	assert_int_equal(rh_physmem_unmap_alias(pm, b, 4 * PG), 0);
	assert_int_equal(rh_physmem_nr_aliases(pm), 0);
}

static void test_alias_split(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char *map = reserve(8 * PG);
	rh_phys_addr_t pa = BASE + 0x300000, pa2 = BASE + 0x400000;
	const int rw = PROT_READ | PROT_WRITE;
	struct rh_phys_cpu_map m;

	assert_int_equal(rh_physmem_map_alias(pm, map, pa, 8 * PG, rw), 0);
	/* A hole in the middle: two aliases are left, each with its own PA. */
	assert_int_equal(rh_physmem_unmap_alias(pm, map + 2 * PG, 2 * PG), 0);
	assert_int_equal(rh_physmem_nr_aliases(pm), 2);
	assert_true(rh_physmem_cpu_lookup(pm, map + PG, &m));
	assert_int_equal(m.pa, pa + PG);
	assert_int_equal(m.run, PG);
	assert_false(rh_physmem_cpu_lookup(pm, map + 2 * PG, &m));
	assert_false(hand_readable(map + 3 * PG, 1));
	assert_true(rh_physmem_cpu_lookup(pm, map + 4 * PG, &m));
	assert_int_equal(m.pa, pa + 4 * PG);
	assert_int_equal(m.run, 4 * PG);

	/* Mapped over the middle of an alias: it is split around the new one. */
	assert_int_equal(rh_physmem_map_alias(pm, map + 5 * PG, pa2, 2 * PG, PROT_READ), 0);
	assert_int_equal(rh_physmem_nr_aliases(pm), 4);
	assert_int_equal(alias_pa(pm, map + 4 * PG), pa + 4 * PG);
	assert_int_equal(alias_pa(pm, map + 6 * PG + 5), pa2 + PG + 5);
	assert_int_equal(alias_pa(pm, map + 7 * PG), pa + 7 * PG);
	assert_false(writable(map + 5 * PG));
	assert_true(writable(map + 7 * PG));

	/* Over several at once, the hole included: their ends stay. */
	assert_int_equal(rh_physmem_map_alias(pm, map + PG, pa2 + 4 * PG, 5 * PG, rw), 0);
	assert_int_equal(rh_physmem_nr_aliases(pm), 4);
	assert_int_equal(alias_pa(pm, map), pa);
	assert_int_equal(alias_pa(pm, map + PG), pa2 + 4 * PG);
	assert_int_equal(alias_pa(pm, map + 5 * PG), pa2 + 8 * PG);
	assert_int_equal(alias_pa(pm, map + 6 * PG), pa2 + PG);
	assert_true(rh_physmem_cpu_lookup(pm, map + 6 * PG, &m));
	assert_int_equal(m.run, PG);
	assert_int_equal(m.prot, PROT_READ);
	assert_int_equal(alias_pa(pm, map + 7 * PG), pa + 7 * PG);

	/* Protecting reaches the remains of a split alias, and only its pages. */
	assert_int_equal(rh_physmem_protect_normal(pm, pa2 + PG, PG), 0);
	assert_false(hand_readable(map + 6 * PG, 1));
	assert_true(hand_readable(map + 5 * PG, 1));
	assert_true(hand_readable(map + 7 * PG, 1));
	assert_int_equal(rh_physmem_unprotect_normal(pm, pa2 + PG, PG), 0);
	assert_true(hand_readable(map + 6 * PG, 1));
	assert_false(writable(map + 6 * PG));

	/* Trimming the head and the tail of what is left. */
	assert_int_equal(rh_physmem_unmap_alias(pm, map, 2 * PG), 0);
	assert_int_equal(alias_pa(pm, map + 2 * PG), pa2 + 5 * PG);
	assert_int_equal(rh_physmem_unmap_alias(pm, map + 7 * PG, PG), 0);
	assert_int_equal(rh_physmem_nr_aliases(pm), 2);
	assert_int_equal(rh_physmem_unmap_alias(pm, map, 8 * PG), 0);
	assert_int_equal(rh_physmem_nr_aliases(pm), 0);
}

#define MANY 256

static void test_alias_many(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char *map = reserve(MANY * PG);
	rh_phys_addr_t pa = BASE + 0x800000;
	unsigned int i;

	/* One page each, in reverse PA order, over and next to each other's PAs. */
	for (i = 0; i < MANY; i++)
		assert_int_equal(rh_physmem_map_alias(pm, map + (size_t)i * PG,
						      pa + (uint64_t)(MANY - 1 - i) * PG, PG,
						      PROT_READ | PROT_WRITE), 0);
	assert_int_equal(rh_physmem_nr_aliases(pm), MANY);
	assert_int_equal(rh_physmem_protect_normal(pm, pa + 100 * PG, 16 * PG), 0);
	for (i = 0; i < MANY; i++) {
		unsigned int k = MANY - 1 - i;

		assert_int_equal(hand_readable(map + (size_t)i * PG, 1), k < 100 || k >= 116);
	}
	assert_int_equal(rh_physmem_unprotect_normal(pm, pa + 100 * PG, 16 * PG), 0);
	for (i = 0; i < MANY; i++)
		assert_true(writable(map + (size_t)i * PG));
	/* One unmap of the whole range unregisters every one of them. */
	assert_int_equal(rh_physmem_unmap_alias(pm, map, MANY * PG), 0);
	assert_int_equal(rh_physmem_nr_aliases(pm), 0);
}

/*
 * The rule the registry documents: a registered range is the library's.
 * Unmapped behind its back and reused, it is taken back by the next
 * protection change of its pages rather than left holding DRAM unprotected
 * or having someone else's memory mprotect()ed.
 */
static void test_alias_unmapped_behind_our_back(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char *map = reserve(2 * PG), *sec;
	rh_phys_addr_t pa = BASE + 0x500000;

	assert_int_equal(rh_physmem_map_alias(pm, map, pa, 2 * PG, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(munmap(map, 2 * PG), 0);
	assert_true(mmap(map, 2 * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == map);
	map[0] = 0x11;
	assert_int_equal(rh_physmem_protect_normal(pm, pa, 2 * PG), 0);
	assert_false(hand_readable(map, 1));
	assert_int_equal(rh_physmem_secure_ptr(pm, pa, 1, (void **)&sec), 0);
	*sec = 0x22;
	assert_int_equal(rh_physmem_unprotect_normal(pm, pa, 2 * PG), 0);
	/* DRAM again, not the anonymous page: the registry is right once more. */
	assert_int_equal(map[0], 0x22);
	assert_int_equal(rh_physmem_unmap_alias(pm, map, 2 * PG), 0);
}

struct alias_nth {
	struct rh_physmem *pm;
	unsigned char *map;
};

/* A new alias in the middle of another: one node for it, two for the parts around. */
static int alias_nth_op(void *p)
{
	struct alias_nth *arg = p;

	return rh_physmem_map_alias(arg->pm, arg->map + 2 * PG, BASE + 0x700000, PG,
				    PROT_READ);
}

static void alias_nth_undo(void *p)
{
	struct alias_nth *arg = p;

	assert_int_equal(rh_physmem_map_alias(arg->pm, arg->map, BASE + 0x600000, 5 * PG,
					      PROT_READ | PROT_WRITE), 0);
}

static void alias_nth_clean(void *p)
{
	struct alias_nth *arg = p;

	/* A failed call changed nothing: one alias, the old pages, writable. */
	assert_int_equal(rh_physmem_nr_aliases(arg->pm), 1);
	assert_int_equal(alias_pa(arg->pm, arg->map + 2 * PG), BASE + 0x602000);
	assert_true(writable(arg->map + 2 * PG));
}

static int unmap_nth_op(void *p)
{
	struct alias_nth *arg = p;

	return rh_physmem_unmap_alias(arg->pm, arg->map + PG, 3 * PG);
}

static void test_alias_fail_nth(void **state)
{
	struct alias_nth arg = { .pm = *state, .map = reserve(5 * PG) };

	alias_nth_undo(&arg);
	assert_int_equal(rh_test_fail_nth_sweep(alias_nth_op, alias_nth_undo, alias_nth_clean,
						&arg), 3);
	assert_int_equal(rh_test_fail_nth_sweep(unmap_nth_op, alias_nth_undo, alias_nth_clean,
						&arg), 2);
	assert_int_equal(rh_physmem_unmap_alias(arg.pm, arg.map, 5 * PG), 0);
}

static void test_alias_destroy_leftover(void **state)
{
	struct rh_physmem *pm = NULL;
	unsigned char *map = reserve(PG);

	(void)state;
	assert_int_equal(rh_physmem_create(NULL, BASE, SIZE, &pm), 0);
	assert_int_equal(rh_physmem_map_alias(pm, map, BASE, PG, PROT_READ), 0);
	/* Reported, its bookkeeping freed (the leak checkers watch), the mapping kept. */
	rh_physmem_destroy(pm);
	assert_true(hand_readable(map, 1));
	assert_int_equal(munmap(map, PG), 0);
}

static int create_op(void *arg)
{
	return rh_physmem_create(NULL, BASE, SIZE, arg);
}

static void create_undo(void *arg)
{
	struct rh_physmem **pm = arg;

	rh_physmem_destroy(*pm);
	*pm = NULL;
}

static int fd_count_before;

static void create_clean(void *arg)
{
	assert_int_equal(rh_test_count_fds(), fd_count_before);
}

static void test_create_fail_nth(void **state)
{
	struct rh_physmem *pm = NULL;

	fd_count_before = rh_test_count_fds();
	assert_int_equal(rh_test_fail_nth_sweep(create_op, create_undo, create_clean, &pm), 1);
	assert_null(pm);
}

static void test_platform_hooks(void **state)
{
	struct rh_platform_desc desc;
	struct rh_platform *plat = NULL;
	unsigned char *nor, *sec;
	rh_phys_addr_t pa;

	hand_desc_minimal(&desc);
	assert_int_equal(hand_platform_new(&desc, &plat), 0);
	assert_non_null(plat->physmem);
	assert_int_equal(rh_physmem_base(plat->physmem), desc.dram_base);
	assert_int_equal(rh_physmem_size(plat->physmem), desc.dram_size);

	assert_int_equal(rh_phys_normal_ptr(plat, HAND_CMA_BASE, 4, (void **)&nor), 0);
	assert_int_equal(rh_emu_secure_ptr(plat, HAND_CMA_BASE, 4, (void **)&sec), 0);
	sec[0] = 0x77;
	assert_int_equal(nor[0], 0x77);
	assert_int_equal(rh_phys_normal_to_phys(plat, nor, &pa), 0);
	assert_int_equal(pa, HAND_CMA_BASE);

	assert_neg_errno(rh_phys_normal_ptr(NULL, HAND_CMA_BASE, 4, (void **)&nor), EINVAL);
	assert_neg_errno(rh_phys_normal_ptr(plat, HAND_CMA_BASE, 4, NULL), EINVAL);
	assert_neg_errno(rh_emu_secure_ptr(NULL, HAND_CMA_BASE, 4, (void **)&sec), EINVAL);
	assert_neg_errno(rh_emu_secure_ptr(plat, HAND_CMA_BASE, 4, NULL), EINVAL);
	assert_neg_errno(rh_phys_normal_ptr(plat, desc.dram_base + desc.dram_size, 1,
					    (void **)&nor), ERANGE);
	assert_neg_errno(rh_phys_normal_to_phys(NULL, nor, &pa), EINVAL);
	assert_neg_errno(rh_phys_normal_to_phys(plat, sec, &pa), ERANGE);

	rh_physmem_fini(plat);
	assert_null(plat->physmem);
	/* fini is idempotent: the hand platform runs it again */
	hand_platform_free(plat);
}

/* Secure-write tracking: one bit a page, words of 64 pages. */
static void test_written_bits(void **state)
{
	struct rh_physmem *pm = *state;
	const uint64_t pg = RH_PAGE_SIZE;

	/* Nothing is marked at creation. */
	assert_false(rh_physmem_test_written(pm, BASE, SIZE));

	/* One byte marks its whole page, and only it. */
	rh_physmem_mark_written(pm, BASE + 5 * pg + 7, 1);
	assert_true(rh_physmem_test_written(pm, BASE + 5 * pg, pg));
	assert_true(rh_physmem_test_written(pm, BASE, SIZE));
	assert_false(rh_physmem_test_written(pm, BASE + 4 * pg, pg));
	assert_false(rh_physmem_test_written(pm, BASE + 6 * pg, pg));
	assert_false(rh_physmem_test_written(pm, BASE, 5 * pg));

	/* Clearing a range that covers it clears it; the rest is untouched. */
	rh_physmem_mark_written(pm, BASE + 200 * pg, pg);
	rh_physmem_clear_written(pm, BASE + 4 * pg, 3 * pg);
	assert_false(rh_physmem_test_written(pm, BASE, 100 * pg));
	assert_true(rh_physmem_test_written(pm, BASE + 200 * pg, 1));

	/* Ranges across 64-page words: pages 62..129. */
	rh_physmem_clear_written(pm, BASE, SIZE);
	rh_physmem_mark_written(pm, BASE + 62 * pg, 68 * pg);
	assert_false(rh_physmem_test_written(pm, BASE, 62 * pg));
	assert_true(rh_physmem_test_written(pm, BASE + 62 * pg, 1));
	assert_true(rh_physmem_test_written(pm, BASE + 64 * pg, 1));
	assert_true(rh_physmem_test_written(pm, BASE + 128 * pg, 1));
	assert_true(rh_physmem_test_written(pm, BASE + 129 * pg, pg));
	assert_false(rh_physmem_test_written(pm, BASE + 130 * pg, SIZE - 130 * pg));
	/* Clear the middle word only: both ends stay marked. */
	rh_physmem_clear_written(pm, BASE + 64 * pg, 64 * pg);
	assert_false(rh_physmem_test_written(pm, BASE + 64 * pg, 64 * pg));
	assert_true(rh_physmem_test_written(pm, BASE + 63 * pg, 1));
	assert_true(rh_physmem_test_written(pm, BASE + 128 * pg, 1));
	/* The last page of DRAM. */
	rh_physmem_mark_written(pm, BASE + SIZE - 1, 1);
	assert_true(rh_physmem_test_written(pm, BASE + SIZE - pg, pg));
	rh_physmem_clear_written(pm, BASE, SIZE);
	assert_false(rh_physmem_test_written(pm, BASE, SIZE));

	/* Outside DRAM, length 0, NULL: ignored; a test says "written". */
	rh_physmem_mark_written(pm, BASE + SIZE, pg);
	rh_physmem_mark_written(pm, BASE - pg, 2 * pg);
	rh_physmem_mark_written(pm, BASE, 0);
	rh_physmem_mark_written(NULL, BASE, pg);
	rh_physmem_clear_written(NULL, BASE, pg);
	assert_false(rh_physmem_test_written(pm, BASE, SIZE));
	assert_true(rh_physmem_test_written(pm, BASE + SIZE, 1));
	assert_true(rh_physmem_test_written(pm, BASE, 0));
	assert_true(rh_physmem_test_written(NULL, BASE, 1));
}

/* Who marks: secure-view pointers handed out and bus writes; not the raw view. */
static void test_written_marked_by_users(void **state)
{
	struct rh_platform_desc desc;
	struct rh_platform *plat = NULL;
	unsigned char byte = 0x5a;
	void *p;

	hand_desc_minimal(&desc);
	assert_int_equal(hand_platform_new(&desc, &plat), 0);
	assert_false(rh_physmem_test_written(plat->physmem, HAND_CMA_BASE, RH_PAGE_SIZE));

	/* The raw secure view (the TA's own zeroing, the bus) marks nothing. */
	assert_int_equal(rh_physmem_secure_ptr(plat->physmem, HAND_CMA_BASE, 1, &p), 0);
	assert_false(rh_physmem_test_written(plat->physmem, HAND_CMA_BASE, RH_PAGE_SIZE));
	/* A pointer handed out may be written through: marked. */
	assert_int_equal(rh_emu_secure_ptr(plat, HAND_CMA_BASE, 1, &p), 0);
	assert_true(rh_physmem_test_written(plat->physmem, HAND_CMA_BASE, RH_PAGE_SIZE));
	/* A refused request marks nothing. */
	assert_neg_errno(rh_emu_secure_ptr(plat, HAND_DRAM_BASE + HAND_DRAM_SIZE, 1, &p),
			 ERANGE);

	/* A bus write marks the pages it wrote; a bus read does not. */
	rh_physmem_clear_written(plat->physmem, HAND_DRAM_BASE, HAND_DRAM_SIZE);
	assert_int_equal(rh_phys_dma_transfer(plat, 1, "dev", false, HAND_CMA_BASE + RH_PAGE_SIZE,
					      &byte, 1, false), 0);
	assert_false(rh_physmem_test_written(plat->physmem, HAND_DRAM_BASE, HAND_DRAM_SIZE));
	assert_int_equal(rh_phys_dma_transfer(plat, 1, "dev", false, HAND_CMA_BASE + RH_PAGE_SIZE,
					      &byte, 1, true), 0);
	assert_false(rh_physmem_test_written(plat->physmem, HAND_CMA_BASE, RH_PAGE_SIZE));
	assert_true(rh_physmem_test_written(plat->physmem, HAND_CMA_BASE + RH_PAGE_SIZE, 1));
	hand_platform_free(plat);
}

static void test_init_bad_desc(void **state)
{
	struct rh_platform_desc desc;
	struct rh_platform *plat = NULL;

	hand_desc_minimal(&desc);
	desc.dram_size = 0;
	assert_neg_errno(hand_platform_new(&desc, &plat), EINVAL);
	hand_desc_minimal(&desc);
	desc.dram_base = 0x40000800;
	assert_neg_errno(hand_platform_new(&desc, &plat), EINVAL);
	assert_null(plat);
}

static void test_minimal_platform(void **state)
{
	struct rh_platform *plat = NULL;
	unsigned char *nor, *sec;

	assert_int_equal(minimal_platform_new(&plat), 0);
	assert_int_equal(rh_physmem_base(plat->physmem), HAND_DRAM_BASE);
	assert_int_equal(rh_physmem_size(plat->physmem), HAND_DRAM_SIZE);
	assert_int_equal(rh_phys_normal_ptr(plat, HAND_DRAM_BASE + HAND_DRAM_SIZE - 1, 1,
					    (void **)&nor), 0);
	assert_int_equal(rh_emu_secure_ptr(plat, HAND_DRAM_BASE + HAND_DRAM_SIZE - 1, 1,
					   (void **)&sec), 0);
	*sec = 0x3e;
	assert_int_equal(*nor, 0x3e);
	assert_neg_errno(rh_phys_normal_ptr(plat, HAND_DRAM_BASE + HAND_DRAM_SIZE, 1,
					    (void **)&nor), ERANGE);
	assert_neg_errno(rh_phys_normal_ptr(plat, HAND_DRAM_BASE - 1, 1, (void **)&nor), ERANGE);
	rh_platform_unref(plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_geometry, setup, teardown),
		cmocka_unit_test(test_create_bad_args),
		cmocka_unit_test(test_create_top_of_address_space),
		cmocka_unit_test_setup_teardown(test_views_alias, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lazy_population, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect_unprotect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect_bad_args, setup, teardown),
		cmocka_unit_test(test_create_fail_nth),
		cmocka_unit_test_setup_teardown(test_alias_map_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_protection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_unmapped_behind_our_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_alias_fail_nth, setup, teardown),
		cmocka_unit_test(test_alias_destroy_leftover),
		cmocka_unit_test(test_platform_hooks),
		cmocka_unit_test_setup_teardown(test_written_bits, setup, teardown),
		cmocka_unit_test(test_written_marked_by_users),
		cmocka_unit_test(test_init_bad_desc),
		cmocka_unit_test(test_minimal_platform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
