// SPDX-License-Identifier: MIT
/* CPU aliases of DRAM made, probed and split by 3 threads while a 4th protects and releases their pages. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rheap/firewall.h>
#include <rheap/phys.h>
#include <rheap/platform.h>

#include "emu.h"
#include "internal.h"
#include "rh-test.h"

#define NR_MAPPERS 3
#define ITERATIONS 3000
#define KEEP_EVERY 100
#define MAX_KEPT (ITERATIONS / KEEP_EVERY + 1)
#define PG RH_PAGE_SIZE
#define TOGGLE_PAGES 256
#define PATTERN 0x5a

/* platforms/minimal.dtb, embedded by tests/data/meson.build (test_dtb_sources). */
extern const unsigned char rh_test_dtb_platform_minimal[];
extern const size_t rh_test_dtb_platform_minimal_size;

struct run {
	struct rh_platform *plat;
	rh_phys_addr_t toggle_pa; /* protected and released in a loop */
	rh_phys_addr_t open_pa;   /* never protected */
	atomic_bool stop;
	atomic_uint errors;
	atomic_uint toggles;
};

struct mapper {
	struct run *run;
	unsigned int id;
	pthread_t thread;
	unsigned char *kept[MAX_KEPT]; /* 2 pages each: one toggled, one open */
	unsigned int nr_kept;
};

#define CHECK(run, cond) RH_TEST_COUNT_IF_NOT(&(run)->errors, cond)

static void *mapper_main(void *arg)
{
	struct mapper *m = arg;
	struct run *run = m->run;
	unsigned char buf[64], *p;
	unsigned int i, page;
	int ret;

	for (i = 0; i < ITERATIONS; i++) {
		page = (i * 7 + m->id * 31) % (TOGGLE_PAGES - 1);
		p = mmap(NULL, 3 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
		CHECK(run, p != MAP_FAILED);
		if (p == MAP_FAILED)
			continue;
		/* Two toggled pages in one alias, then an open page in another. */
		CHECK(run, rh_phys_map_alias(run->plat, p, run->toggle_pa + (uint64_t)page * PG,
					     2 * PG, PROT_READ | PROT_WRITE) == 0);
		CHECK(run, rh_phys_map_alias(run->plat, p + 2 * PG, run->open_pa, PG,
					     PROT_READ) == 0);
		/* Either side of a protection change, never a wrong byte. */
		memset(buf, 0, sizeof(buf));
		ret = rh_phys_probe_ptr_read(run->plat, p + PG - 32, buf, sizeof(buf));
		CHECK(run, (ret == 0 && rh_test_all_bytes(buf, sizeof(buf), PATTERN)) || ret == -EFAULT);
		ret = rh_phys_probe_ptr_read(run->plat, p + 2 * PG, buf, sizeof(buf));
		CHECK(run, ret == 0 && rh_test_all_bytes(buf, sizeof(buf), PATTERN));
		if (i % KEEP_EVERY == 0 && m->nr_kept < MAX_KEPT) {
			/* Kept to the end, its first page split off. */
			CHECK(run, rh_phys_unmap_alias(run->plat, p, PG) == 0);
			m->kept[m->nr_kept++] = p + PG;
			continue;
		}
		/* Split, then gone. */
		CHECK(run, rh_phys_unmap_alias(run->plat, p + PG, PG) == 0);
		CHECK(run, rh_phys_unmap_alias(run->plat, p, 3 * PG) == 0);
	}
	return NULL;
}

static void *toggler_main(void *arg)
{
	struct run *run = arg;
	unsigned int idx;

	while (!atomic_load(&run->stop)) {
		CHECK(run, rh_firewall_program(run->plat->firewall, run->toggle_pa,
					       TOGGLE_PAGES * PG, RH_FW_SECURE_ONLY, &idx) == 0);
		sched_yield();
		CHECK(run, rh_firewall_clear(run->plat->firewall, idx) == 0);
		atomic_fetch_add(&run->toggles, 1);
	}
	return NULL;
}

static void test_aliases_vs_protection(void **state)
{
	struct rh_platform_info info = {
		.dtb = rh_test_dtb_platform_minimal,
		.dtb_size = rh_test_dtb_platform_minimal_size,
	};
	struct mapper mappers[NR_MAPPERS];
	struct run run = { 0 };
	unsigned char buf[64];
	pthread_t toggler;
	unsigned int i, k, idx;
	void *sec;

	(void)state;
	assert_int_equal(rh_platform_new(&info, &run.plat), 0);
	/* Plain DRAM that no module uses: 32 MiB in, and the MiB after it. */
	run.toggle_pa = rh_platform_get_desc(run.plat)->dram_base + (32 << 20);
	run.open_pa = run.toggle_pa + TOGGLE_PAGES * PG;
	assert_int_equal(rh_emu_secure_ptr(run.plat, run.toggle_pa, (TOGGLE_PAGES + 1) * PG, &sec),
			 0);
	memset(sec, PATTERN, (TOGGLE_PAGES + 1) * PG);

	assert_int_equal(pthread_create(&toggler, NULL, toggler_main, &run), 0);
	for (i = 0; i < NR_MAPPERS; i++) {
		mappers[i] = (struct mapper){ .run = &run, .id = i };
		assert_int_equal(pthread_create(&mappers[i].thread, NULL, mapper_main,
						&mappers[i]), 0);
	}
	for (i = 0; i < NR_MAPPERS; i++)
		assert_int_equal(pthread_join(mappers[i].thread, NULL), 0);
	atomic_store(&run.stop, true);
	assert_int_equal(pthread_join(toggler, NULL), 0);
	assert_int_equal(atomic_load(&run.errors), 0);
	assert_true(atomic_load(&run.toggles) > 0);

	/*
	 * Whatever the interleaving was, the registry is exact: protected,
	 * every surviving alias of the pages is shut; released, all are open.
	 */
	assert_int_equal(rh_firewall_program(run.plat->firewall, run.toggle_pa, TOGGLE_PAGES * PG,
					     RH_FW_SECURE_ONLY, &idx), 0);
	for (i = 0; i < NR_MAPPERS; i++)
		for (k = 0; k < mappers[i].nr_kept; k++) {
			assert_neg_errno(rh_phys_probe_ptr_read(run.plat, mappers[i].kept[k], buf,
								sizeof(buf)), EFAULT);
			assert_int_equal(rh_phys_probe_ptr_read(run.plat, mappers[i].kept[k] + PG,
								buf, sizeof(buf)), 0);
		}
	assert_int_equal(rh_firewall_clear(run.plat->firewall, idx), 0);
	for (i = 0; i < NR_MAPPERS; i++)
		for (k = 0; k < mappers[i].nr_kept; k++) {
			assert_int_equal(rh_phys_probe_ptr_read(run.plat, mappers[i].kept[k], buf,
								sizeof(buf)), 0);
			assert_true(rh_test_all_bytes(buf, sizeof(buf), PATTERN));
			assert_int_equal(rh_phys_unmap_alias(run.plat, mappers[i].kept[k],
							     2 * PG), 0);
		}
	assert_int_equal(rh_physmem_nr_aliases(run.plat->physmem), 0);
	rh_platform_unref(run.plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aliases_vs_protection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
