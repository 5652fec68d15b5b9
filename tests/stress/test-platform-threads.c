// SPDX-License-Identifier: MIT
/* Two platforms in one process, probed and DMA'd by 4 threads while a region is reprogrammed. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/device-bus.h>
#include <rheap/device.h>
#include <rheap/firewall.h>
#include <rheap/phys.h>
#include <rheap/platform.h>

#include "emu.h"
#include "internal.h"
#include "rh-test.h"

#define NR_PLATS 2
#define NR_THREADS 4
#define ITERATIONS 1500
#define SLOT 4096
#define MB (1ULL << 20)

/* platforms/minimal.dtb, embedded by tests/data/meson.build (test_dtb_sources). */
extern const unsigned char rh_test_dtb_platform_minimal[];
extern const size_t rh_test_dtb_platform_minimal_size;

struct plat_ctx {
	struct rh_platform *plat;
	struct rh_device *gpu;
	rh_phys_addr_t open_pa;   /* never protected: holds the platform's pattern */
	rh_phys_addr_t prot_pa;   /* protected for the whole run */
	rh_phys_addr_t toggle_pa; /* programmed and cleared in a loop */
	unsigned char pattern;
	atomic_uint expected_cpu; /* refusals the workers saw */
	atomic_uint expected_dma;
};

struct run {
	struct plat_ctx plats[NR_PLATS];
	atomic_bool stop;
	atomic_uint errors;
	atomic_uint toggles;
};

struct worker {
	struct run *run;
	unsigned int id;
	pthread_t thread;
};

#define CHECK(run, cond) RH_TEST_COUNT_IF_NOT(&(run)->errors, cond)

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;
	unsigned char buf[SLOT], mine[SLOT];
	unsigned int i;
	int ret;

	for (i = 0; i < ITERATIONS; i++) {
		struct plat_ctx *pc = &run->plats[(i + w->id) % NR_PLATS];
		rh_phys_addr_t slot = pc->open_pa + (1 + w->id) * SLOT;

		switch (i % 5) {
		case 0: /* allowed read: this platform's pattern, not the other's */
			ret = rh_phys_probe_read(pc->plat, pc->open_pa, buf, SLOT);
			CHECK(run, ret == 0 && rh_test_all_bytes(buf, SLOT, pc->pattern));
			break;
		case 1: /* trapped read */
			memset(buf, 0, sizeof(buf));
			ret = rh_phys_probe_read(pc->plat, pc->prot_pa + (i % 64) * 8, buf, 64);
			CHECK(run, ret == -EFAULT && rh_test_all_bytes(buf, 64, 0));
			atomic_fetch_add(&pc->expected_cpu, 1);
			break;
		case 2: /* own slot: write then read back */
			memset(mine, (int)(w->id * 16 + i % 16), sizeof(mine));
			ret = rh_phys_probe_write(pc->plat, slot, mine, sizeof(mine));
			CHECK(run, ret == 0);
			ret = rh_phys_probe_read(pc->plat, slot, buf, sizeof(buf));
			CHECK(run, ret == 0 && !memcmp(buf, mine, sizeof(buf)));
			break;
		case 3: /* non-secure DMA: open works, protected refused */
			ret = rh_device_dma_read(pc->gpu, pc->open_pa, buf, 256);
			CHECK(run, ret == 0 && rh_test_all_bytes(buf, 256, pc->pattern));
			ret = rh_device_dma_read(pc->gpu, pc->prot_pa, buf, 256);
			CHECK(run, ret == -EACCES);
			atomic_fetch_add(&pc->expected_dma, 1);
			break;
		case 4: /* the toggled region: either outcome, never wrong data */
			memset(buf, 0, 64);
			ret = rh_phys_probe_read(pc->plat, pc->toggle_pa, buf, 64);
			CHECK(run, (ret == 0 && rh_test_all_bytes(buf, 64, 0x5a)) || ret == -EFAULT);
			if (ret == -EFAULT)
				atomic_fetch_add(&pc->expected_cpu, 1);
			ret = rh_device_dma_read(pc->gpu, pc->toggle_pa, buf, 64);
			CHECK(run, (ret == 0 && rh_test_all_bytes(buf, 64, 0x5a)) || ret == -EACCES);
			if (ret == -EACCES)
				atomic_fetch_add(&pc->expected_dma, 1);
			break;
		}
	}
	return NULL;
}

/* The secure world lending and taking back a region over and over. */
static void *toggler_main(void *arg)
{
	struct run *run = arg;
	unsigned int n = 0, idx;

	while (!atomic_load(&run->stop)) {
		struct plat_ctx *pc = &run->plats[n++ % NR_PLATS];

		CHECK(run, rh_firewall_program(pc->plat->firewall, pc->toggle_pa, MB,
					       RH_FW_SECURE_ONLY, &idx) == 0);
		CHECK(run, rh_firewall_clear(pc->plat->firewall, idx) == 0);
		atomic_fetch_add(&run->toggles, 1);
	}
	return NULL;
}

static void fill(struct rh_platform *plat, rh_phys_addr_t pa, size_t len, unsigned char v)
{
	void *p;

	assert_int_equal(rh_emu_secure_ptr(plat, pa, len, &p), 0);
	memset(p, v, len);
}

static void test_two_platforms_four_threads(void **state)
{
	struct worker workers[NR_THREADS];
	struct sigaction before, after;
	struct rh_platform_stats st;
	pthread_t toggler;
	RH_DEFINE_PLATFORM_INFO(minimal);
	struct run *run;
	unsigned int i;

	minimal.dtb = rh_test_dtb_platform_minimal;
	minimal.dtb_size = rh_test_dtb_platform_minimal_size;
	run = calloc(1, sizeof(*run));
	assert_non_null(run);
	assert_int_equal(sigaction(SIGSEGV, NULL, &before), 0);

	for (i = 0; i < NR_PLATS; i++) {
		struct plat_ctx *pc = &run->plats[i];
		const struct rh_reserved_region *chunk;
		unsigned int idx;

		/* Two different SoCs: the built-in mt8188-svp and minimal.dts. */
		if (i == 0)
			assert_int_equal(rh_platform_new(NULL, &pc->plat), 0);
		else
			assert_int_equal(rh_platform_new(&minimal, &pc->plat), 0);
		chunk = rh_phys_reserved_find_compatible(pc->plat,
							 "mediatek,secure-chunk-memory");
		assert_non_null(chunk);
		pc->gpu = rh_device_find(pc->plat, "gpu");
		assert_non_null(pc->gpu);
		pc->open_pa = pc->plat->desc.dram_base + 16 * MB;
		pc->prot_pa = chunk->base;
		pc->toggle_pa = pc->plat->desc.dram_base + 32 * MB;
		pc->pattern = (unsigned char)(0xa0 + i);
		fill(pc->plat, pc->open_pa, SLOT, pc->pattern);
		fill(pc->plat, pc->toggle_pa, 64, 0x5a);
		/* The secure-memory TA protected the static chunk at boot. */
		assert_int_equal(rh_firewall_find(pc->plat->firewall, chunk->base, &idx), 0);
	}
	/* Same PAs, different memory: the platforms do not alias. */
	assert_int_equal(run->plats[0].open_pa, run->plats[1].open_pa);

	assert_int_equal(pthread_create(&toggler, NULL, toggler_main, run), 0);
	for (i = 0; i < NR_THREADS; i++) {
		workers[i].run = run;
		workers[i].id = i;
		assert_int_equal(pthread_create(&workers[i].thread, NULL, worker_main,
						&workers[i]), 0);
	}
	for (i = 0; i < NR_THREADS; i++)
		assert_int_equal(pthread_join(workers[i].thread, NULL), 0);
	atomic_store(&run->stop, true);
	assert_int_equal(pthread_join(toggler, NULL), 0);

	assert_int_equal(atomic_load(&run->errors), 0);
	assert_true(atomic_load(&run->toggles) > 0);
	for (i = 0; i < NR_PLATS; i++) {
		struct plat_ctx *pc = &run->plats[i];
		unsigned int cpu = atomic_load(&pc->expected_cpu);
		unsigned int dma = atomic_load(&pc->expected_dma);

		/* Every refusal was logged once, on its own platform. */
		assert_int_equal(rh_platform_get_stats(pc->plat, &st), 0);
		assert_int_equal(st.cpu_violations, cpu);
		assert_int_equal(st.dma_violations, dma);
		assert_int_equal(rh_phys_violation_count(pc->plat), cpu + dma);
		assert_int_equal(st.firewall_regions_in_use, 1);
		assert_int_equal(st.firewall_programs, st.firewall_clears + 1);
		rh_platform_unref(pc->plat);
	}

	/* The probe handler is gone once the last probe of any thread ended. */
	assert_int_equal(sigaction(SIGSEGV, NULL, &after), 0);
	assert_ptr_equal(after.sa_handler, before.sa_handler);
	assert_int_equal(after.sa_flags, before.sa_flags);
	free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_platforms_four_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
