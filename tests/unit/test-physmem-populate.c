// SPDX-License-Identifier: MIT
/* Unit tests of rh_physmem_populate() (emu/hw/physmem.c): bulk population of the secure view. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu.h"
#include "rh-test.h"

#define BASE 0x40000000ULL
#define SIZE (4ULL << 20)
#define NPAGES (SIZE / RH_PAGE_SIZE)

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

/* Pages of [pa, pa + len) the memfd holds. */
static size_t resident_pages(struct rh_physmem *pm, uint64_t pa, uint64_t len)
{
	unsigned char vec[NPAGES];
	size_t i, n = 0;
	void *p;

	assert_int_equal(rh_physmem_secure_ptr(pm, pa, len, &p), 0);
	assert_int_equal(mincore(p, len, vec), 0);
	for (i = 0; i < len / RH_PAGE_SIZE; i++)
		n += vec[i] & 1;
	return n;
}

/*
 * Pages of [p, p + n pages) mapped in this process (page table entries
 * present, /proc/self/pagemap bit 63): what spares the first touch a fault.
 * Counted from the page tables rather than with getrusage(), which also
 * sees a sanitizer's shadow-memory faults.
 */
static size_t present_pages(const void *p, size_t n)
{
	uint64_t e[64];
	size_t i, done = 0, cnt = 0, k;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	while (done < n) {
		k = n - done < 64 ? n - done : 64;
		assert_int_equal(pread(fd, e, k * sizeof(e[0]),
				       (off_t)(((uintptr_t)p / RH_PAGE_SIZE + done) *
					       sizeof(e[0]))),
				 (ssize_t)(k * sizeof(e[0])));
		for (i = 0; i < k; i++)
			cnt += e[i] >> 63;
		done += k;
	}
	close(fd);
	return cnt;
}

/* Does this kernel have MADV_POPULATE_WRITE (Linux >= 5.14)? */
static bool kernel_populates(void)
{
#ifdef MADV_POPULATE_WRITE
	void *p = mmap(NULL, RH_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok;

	assert_true(p != MAP_FAILED);
	ok = madvise(p, RH_PAGE_SIZE, MADV_POPULATE_WRITE) == 0;
	munmap(p, RH_PAGE_SIZE);
	return ok;
#else
	return false;
#endif
}

static void test_populate_fresh_range(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char *sec;

	assert_int_equal(resident_pages(pm, BASE, SIZE), 0);
	assert_int_equal(rh_physmem_populate(pm, BASE + RH_PAGE_SIZE, 64 * RH_PAGE_SIZE), 0);
	if (!kernel_populates()) {
		/* Nothing done: the pages fault in on first touch as before. */
		assert_int_equal(resident_pages(pm, BASE, SIZE), 0);
		return;
	}
	/* Exactly the range, and its secure-view PTEs: no fault on writing. */
	assert_int_equal(resident_pages(pm, BASE + RH_PAGE_SIZE, 64 * RH_PAGE_SIZE), 64);
	assert_int_equal(resident_pages(pm, BASE, SIZE), 64);
	assert_int_equal(rh_physmem_secure_ptr(pm, BASE, SIZE, (void **)&sec), 0);
	assert_int_equal(present_pages(sec + RH_PAGE_SIZE, 64), 64);
	assert_int_equal(present_pages(sec, NPAGES), 64);
}

static void test_populate_keeps_contents(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char *sec, *nor;
	size_t i;

	/* Every other page already held, with data: runs in between. */
	assert_int_equal(rh_physmem_secure_ptr(pm, BASE, SIZE, (void **)&sec), 0);
	for (i = 0; i < 32; i += 2)
		sec[i * RH_PAGE_SIZE + 7] = (unsigned char)(i + 1);
	assert_int_equal(rh_physmem_populate(pm, BASE, 32 * RH_PAGE_SIZE), 0);
	if (kernel_populates())
		assert_int_equal(resident_pages(pm, BASE, 32 * RH_PAGE_SIZE), 32);
	/* Populating again is harmless. */
	assert_int_equal(rh_physmem_populate(pm, BASE, 32 * RH_PAGE_SIZE), 0);
	assert_int_equal(rh_physmem_normal_ptr(pm, BASE, SIZE, (void **)&nor), 0);
	for (i = 0; i < 32; i++) {
		assert_int_equal(nor[i * RH_PAGE_SIZE + 7], i % 2 ? 0 : i + 1);
		assert_int_equal(nor[i * RH_PAGE_SIZE], 0);
	}
}

static void test_populate_whole_dram_and_tail_run(void **state)
{
	struct rh_physmem *pm = *state;
	unsigned char *sec;

	/* More than one mincore() window, the last run reaching the end. */
	assert_int_equal(rh_physmem_secure_ptr(pm, BASE, SIZE, (void **)&sec), 0);
	sec[0] = 1;
	assert_int_equal(rh_physmem_populate(pm, BASE, SIZE), 0);
	if (kernel_populates())
		assert_int_equal(resident_pages(pm, BASE, SIZE), NPAGES);
	assert_int_equal(sec[0], 1);
}

static void test_populate_bad_args(void **state)
{
	struct rh_physmem *pm = *state;

	assert_neg_errno(rh_physmem_populate(NULL, BASE, RH_PAGE_SIZE), EINVAL);
	assert_neg_errno(rh_physmem_populate(pm, BASE + 1, RH_PAGE_SIZE), EINVAL);
	assert_neg_errno(rh_physmem_populate(pm, BASE, RH_PAGE_SIZE + 1), EINVAL);
	assert_neg_errno(rh_physmem_populate(pm, BASE, 0), EINVAL);
	assert_neg_errno(rh_physmem_populate(pm, BASE - RH_PAGE_SIZE, RH_PAGE_SIZE),
			 ERANGE);
	assert_neg_errno(rh_physmem_populate(pm, BASE, SIZE + RH_PAGE_SIZE), ERANGE);
	assert_neg_errno(rh_physmem_populate(pm, UINT64_MAX & ~(RH_PAGE_SIZE - 1),
					     2 * RH_PAGE_SIZE), ERANGE);
	/* Nothing was populated by a refused call. */
	assert_int_equal(resident_pages(pm, BASE, SIZE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_populate_fresh_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_populate_keeps_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_populate_whole_dram_and_tail_run,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_populate_bad_args, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
