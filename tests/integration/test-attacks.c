// SPDX-License-Identifier: MIT
/* Attacks on protected memory through the public API: CPU reads trap, non-secure DMA is refused. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rheap/device-bus.h>
#include <rheap/device.h>
#include <rheap/firewall.h>
#include <rheap/phys.h>
#include <rheap/platform.h>

#include "emu.h"
#include "internal.h"
#include "rh-test.h"

#define SECRET "0123456789abcdef-the-content-key"

struct fixture {
	struct rh_platform *plat;
	const struct rh_reserved_region *chunk; /* the TEE's static carveout */
	const struct rh_reserved_region *cma;   /* lent to the TEE on demand */
	struct rh_device *vcodec, *display, *gpu;
	unsigned int chunk_region;
};

/*
 * The built-in platform (mt8188-svp). The secure world's boot-time step is
 * played by hand with the emu/ API, as the TEE core will do: protect the
 * static chunk for the video masters and put a secret in it.
 */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rh_fw_region reg;
	uint64_t masters;
	void *sec;

	assert_non_null(f);
	assert_int_equal(rh_platform_new(NULL, &f->plat), 0);
	f->chunk = rh_phys_reserved_find_compatible(f->plat, "mediatek,secure-chunk-memory");
	f->cma = rh_phys_reserved_find_compatible(f->plat, "mediatek,dynamic-restricted-region");
	f->vcodec = rh_device_find(f->plat, "vcodec");
	f->display = rh_device_find(f->plat, "display");
	f->gpu = rh_device_find(f->plat, "gpu");
	assert_non_null(f->chunk);
	assert_non_null(f->cma);
	assert_non_null(f->vcodec);
	assert_non_null(f->display);
	assert_non_null(f->gpu);

	masters = RH_FW_MASTER(rh_device_master_id(f->vcodec)) |
		  RH_FW_MASTER(rh_device_master_id(f->display));
	/* The secure-memory TA protected the static chunk at boot for the video masters. */
	assert_int_equal(rh_firewall_find(f->plat->firewall, f->chunk->base, &f->chunk_region), 0);
	assert_int_equal(rh_firewall_get_region(f->plat->firewall, f->chunk_region, &reg), 0);
	assert_int_equal(reg.base, f->chunk->base);
	assert_int_equal(reg.size, f->chunk->size);
	assert_int_equal(reg.masters, masters);
	assert_int_equal(rh_emu_secure_ptr(f->plat, f->chunk->base + 0x1000, sizeof(SECRET),
					   &sec), 0);
	memcpy(sec, SECRET, sizeof(SECRET));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static bool leaked(const unsigned char *buf, size_t len)
{
	return memmem(buf, len, SECRET, sizeof(SECRET) - 1) != NULL;
}

static void test_cpu_reads_trapped(void **state)
{
	struct fixture *f = *state;
	rh_phys_addr_t targets[] = {
		f->chunk->base, f->chunk->base + 0x1000, f->chunk->base + f->chunk->size / 2,
		f->chunk->base + f->chunk->size - 1,
	};
	unsigned char buf[64];
	struct rh_violation v;
	unsigned int i;

	for (i = 0; i < RH_ARRAY_SIZE(targets); i++) {
		size_t len = i == 3 ? 1 : sizeof(buf);

		memset(buf, 0, sizeof(buf));
		assert_neg_errno(rh_phys_probe_read(f->plat, targets[i], buf, len), EFAULT);
		assert_false(leaked(buf, sizeof(buf)));
		assert_int_equal(rh_phys_violation_last(f->plat, &v), 0);
		assert_string_equal(v.master, "cpu");
		assert_int_equal(v.master_id, RH_MASTER_CPU);
		assert_int_equal(v.pa, targets[i]);
		assert_int_equal(v.fault_pa, targets[i]);
		assert_int_equal(v.region, (int)f->chunk_region);
		assert_false(v.write);
	}
	assert_int_equal(rh_phys_violation_count(f->plat), RH_ARRAY_SIZE(targets));

	/* A read straddling into the chunk from below faults at its first byte. */
	assert_neg_errno(rh_phys_probe_read(f->plat, f->chunk->base - 16, buf, 32), EFAULT);
	assert_int_equal(rh_phys_violation_last(f->plat, &v), 0);
	assert_int_equal(v.fault_pa, f->chunk->base);

	/* Memory around the chunk stays readable to the normal world. */
	assert_int_equal(rh_phys_probe_read(f->plat, f->chunk->base - 16, buf, 16), 0);
	assert_int_equal(rh_phys_probe_read(f->plat, f->chunk->base + f->chunk->size, buf, 16),
			 0);
}

static void test_cpu_write_cannot_corrupt(void **state)
{
	struct fixture *f = *state;
	unsigned char junk[sizeof(SECRET)];
	struct rh_violation v;
	void *sec;

	memset(junk, 'X', sizeof(junk));
	assert_neg_errno(rh_phys_probe_write(f->plat, f->chunk->base + 0x1000, junk,
					     sizeof(junk)), EFAULT);
	assert_int_equal(rh_phys_violation_last(f->plat, &v), 0);
	assert_true(v.write);
	assert_int_equal(rh_emu_secure_ptr(f->plat, f->chunk->base + 0x1000, sizeof(SECRET),
					   &sec), 0);
	assert_memory_equal(sec, SECRET, sizeof(SECRET));
}

static void test_death_plain_pointer_read(void **state)
{
	struct fixture *f = *state;
	volatile unsigned char *p;
	struct sigaction dfl;
	int status;
	pid_t pid;

	/* What a buggy driver holding a normal-world mapping would do. */
	assert_int_equal(rh_phys_normal_ptr(f->plat, f->chunk->base + 0x1000, 1, (void **)&p),
			 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka catches SIGSEGV to fail a test; a real process has no such net. */
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		sigaction(SIGSEGV, &dfl, NULL);
		_exit(*p == SECRET[0] ? 10 : 11);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* Whatever happened, the child never got to report what it read. */
	assert_false(WIFEXITED(status) && (WEXITSTATUS(status) == 10 ||
					   WEXITSTATUS(status) == 11));
#if RH_SANITIZED
	if (WIFEXITED(status)) /* ASan's SEGV report, then exit(1) */
		return;
#endif
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
}

static void test_non_secure_dma_refused(void **state)
{
	struct fixture *f = *state;
	unsigned char buf[sizeof(SECRET)];
	struct rh_platform_stats st;
	struct rh_violation v;

	memset(buf, 0, sizeof(buf));
	assert_neg_errno(rh_device_dma_read(f->gpu, f->chunk->base + 0x1000, buf, sizeof(buf)),
			 EACCES);
	assert_false(leaked(buf, sizeof(buf)));
	assert_int_equal(rh_phys_violation_last(f->plat, &v), 0);
	assert_string_equal(v.master, "gpu");
	assert_false(v.secure);

	/* The gpu cannot be talked into secure mode... */
	assert_neg_errno(rh_emu_device_secure_get(f->plat, f->gpu), EPERM);
	assert_neg_errno(rh_device_dma_read(f->gpu, f->chunk->base + 0x1000, buf, sizeof(buf)),
			 EACCES);
	/* ...and a video master is refused too until the secure world switches it. */
	assert_neg_errno(rh_device_dma_read(f->vcodec, f->chunk->base + 0x1000, buf,
					    sizeof(buf)), EACCES);
	assert_neg_errno(rh_device_dma_write(f->display, f->chunk->base + 0x1000, buf,
					     sizeof(buf)), EACCES);
	assert_false(leaked(buf, sizeof(buf)));

	/*
	 * The legitimate path: the secure world puts the display in secure mode
	 * and maps it the page (as its TA does for a granted buffer); secure
	 * mode alone would not do.
	 */
	assert_int_equal(rh_emu_device_secure_get(f->plat, f->vcodec), 0);
	assert_int_equal(rh_emu_device_secure_get(f->plat, f->display), 0);
	assert_int_equal(rh_firewall_window_add(f->plat->firewall,
						rh_device_master_id(f->display),
						f->chunk->base + 0x1000, 4096, 1), 0);
	assert_int_equal(rh_device_dma_read(f->display, f->chunk->base + 0x1000, buf,
					    sizeof(buf)), 0);
	assert_memory_equal(buf, SECRET, sizeof(SECRET));

	assert_int_equal(rh_platform_get_stats(f->plat, &st), 0);
	assert_int_equal(st.dma_violations, 4);
	assert_int_equal(st.cpu_violations, 0);
}

static void test_lent_region_round_trip(void **state)
{
	struct fixture *f = *state;
	unsigned char buf[256], zero[256] = { 0 };
	struct rh_platform_stats st;
	unsigned int region;
	void *sec;

	/* Before the lend the normal world owns the region (system heap pages...). */
	memset(buf, 0x42, sizeof(buf));
	assert_int_equal(rh_phys_probe_write(f->plat, f->cma->base, buf, sizeof(buf)), 0);
	assert_int_equal(rh_device_dma_read(f->gpu, f->cma->base, buf, sizeof(buf)), 0);

	/* Lend: one region for the whole CMA area, then the TEE fills it. */
	assert_int_equal(rh_firewall_program(f->plat->firewall, f->cma->base, f->cma->size,
					     RH_FW_ANY_SECURE_MASTER, &region), 0);
	assert_int_equal(rh_emu_secure_ptr(f->plat, f->cma->base, f->cma->size, &sec), 0);
	memcpy(sec, SECRET, sizeof(SECRET));
	assert_neg_errno(rh_phys_probe_read(f->plat, f->cma->base, buf, sizeof(buf)), EFAULT);
	assert_neg_errno(rh_device_dma_read(f->gpu, f->cma->base, buf, sizeof(buf)), EACCES);
	assert_false(leaked(buf, sizeof(buf)));

	/* Return: scrub through the secure view, then unprotect. Nothing leaks back. */
	memset(sec, 0, sizeof(buf));
	assert_int_equal(rh_firewall_clear(f->plat->firewall, region), 0);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(rh_phys_probe_read(f->plat, f->cma->base, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, zero, sizeof(buf));
	assert_int_equal(rh_device_dma_read(f->gpu, f->cma->base, buf, sizeof(buf)), 0);

	assert_int_equal(rh_platform_get_stats(f->plat, &st), 0);
	assert_int_equal(st.firewall_programs, 2);
	assert_int_equal(st.firewall_clears, 1);
	assert_int_equal(st.firewall_regions_in_use, 1);
	assert_int_equal(st.firewall_regions_peak, 2);
	assert_int_equal(st.cpu_violations, 1);
	assert_int_equal(st.dma_violations, 1);
}

static void test_violation_log_query_reset(void **state)
{
	struct fixture *f = *state;
	struct rh_violation recs[4];
	struct rh_platform_stats st;
	unsigned char byte;
	unsigned int n;

	assert_neg_errno(rh_phys_probe_read(f->plat, f->chunk->base, &byte, 1), EFAULT);
	assert_neg_errno(rh_device_dma_write(f->gpu, f->chunk->base, &byte, 1), EACCES);
	assert_neg_errno(rh_phys_probe_write(f->plat, f->chunk->base + 5, &byte, 1), EFAULT);
	assert_int_equal(rh_phys_violations_get(f->plat, recs, RH_ARRAY_SIZE(recs), &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(recs[0].master, "cpu");
	assert_false(recs[0].write);
	assert_string_equal(recs[1].master, "gpu");
	assert_true(recs[1].write);
	assert_int_equal(recs[2].pa, f->chunk->base + 5);
	assert_true(recs[0].seq < recs[1].seq && recs[1].seq < recs[2].seq);

	rh_phys_violations_reset(f->plat);
	assert_int_equal(rh_phys_violation_count(f->plat), 0);
	assert_int_equal(rh_phys_violations_get(f->plat, recs, RH_ARRAY_SIZE(recs), &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(rh_platform_get_stats(f->plat, &st), 0);
	assert_int_equal(st.violations, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cpu_reads_trapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_write_cannot_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_death_plain_pointer_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_secure_dma_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lent_region_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_violation_log_query_reset, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
