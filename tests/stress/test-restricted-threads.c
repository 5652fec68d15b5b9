// SPDX-License-Identifier: MIT
/* Stress: 4 threads allocate, map and free on both MTK heaps; accounting checked at every pause. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/heaps/restricted-mtk.h>
#include <rheap/heaps/restricted.h>
#include <rheap/importer.h>
#include <rheap/phys.h>
#include <rheap/platform.h>
#include <rheap/secure-stats.h>
#include <rheap/tee-secmem.h>

#include "rh-test.h"
#include "secmem-client.h"

#define NR_THREADS 4
#define NR_LIVE 8           /* buffers a thread holds at most */
#define NR_PHASES 4         /* pauses for a consistency check */
#define PHASE_NS 500000000L /* ~2 s of work in all */
#define MAX_PAGES 128       /* 512 KiB: 4 x 8 x 512 KiB fits both pools */

struct worker {
	struct shared *sh;
	unsigned int id;
	uint64_t rng;
	struct rh_dma_buf *live[NR_LIVE];
	bool cma[NR_LIVE];
	uint64_t allocs, frees, maps;
	int error; /* first unexpected result */
};

struct shared {
	struct rh_platform *plat;
	struct rh_dma_heap *cm, *cma;
	struct rh_importer *iv; /* one driver for the vcodec, shared */
	pthread_barrier_t pause, resume;
	atomic_bool stop;
	atomic_bool phase_over;
	struct worker w[NR_THREADS];
};

static uint64_t next_rand(struct worker *w)
{
	/* xorshift64*: reproducible per thread. */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 2685821657736338717ULL;
}

static void note_error(struct worker *w, int err)
{
	if (!w->error)
		w->error = err ? err : -EPROTO;
}

static void do_alloc(struct worker *w, unsigned int slot)
{
	bool cma = next_rand(w) & 1;
	size_t len = ((next_rand(w) % MAX_PAGES) + 1) * 4096;
	struct rh_dma_buf *b;

	b = rh_dma_heap_buffer_alloc_dmabuf(cma ? w->sh->cma : w->sh->cm, len, O_RDWR, 0);
	if (RH_IS_ERR(b)) {
		note_error(w, (int)RH_PTR_ERR(b));
		return;
	}
	w->live[slot] = b;
	w->cma[slot] = cma;
	w->allocs++;
}

/* A secure device reads the buffer; it must never be refused. */
static void do_map(struct worker *w, unsigned int slot)
{
	struct rh_importer_map *m;
	uint8_t probe[16];
	int ret;

	ret = rh_importer_map(w->sh->iv, w->live[slot], RH_DMA_TO_DEVICE, &m);
	if (ret) {
		note_error(w, ret);
		return;
	}
	/* ZALLOC zeroed it. */
	ret = rh_importer_read(m, 0, probe, sizeof(probe));
	if (ret || (RH_NEED_SG_DMA_FLAGS && probe[0] | probe[15]))
		note_error(w, ret);
	rh_importer_unmap(m);
	w->maps++;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int slot;
	uint64_t r;

	for (;;) {
		while (!atomic_load(&w->sh->phase_over)) {
			r = next_rand(w);
			slot = (unsigned int)(r % NR_LIVE);
			if (!w->live[slot]) {
				do_alloc(w, slot);
			} else if ((r >> 8) % 4 == 0 && RH_NEED_SG_DMA_FLAGS) {
				do_map(w, slot);
			} else {
				rh_dma_buf_put(w->live[slot]);
				w->live[slot] = NULL;
				w->frees++;
			}
		}
		pthread_barrier_wait(&w->sh->pause);   /* the checker looks now */
		pthread_barrier_wait(&w->sh->resume);
		if (atomic_load(&w->sh->stop))
			break;
	}
	for (slot = 0; slot < NR_LIVE; slot++)
		rh_dma_buf_put(w->live[slot]);
	return NULL;
}

/*
 * Behaviour 39 at a pause: cma_used_size is the sum of the live CMA
 * buffers, the region is held iff it is not 0, and the heaps' numbers are
 * the TA's; the firewall protects the chunk plus the lent region.
 */
static void check_quiescent(struct shared *sh)
{
	struct rh_restricted_mtk_stats cm, cma;
	struct rh_secmem_stats tz, dyn;
	struct rh_platform_stats ps;
	uint64_t cma_bytes = 0, cm_bytes = 0, n_cm = 0, n_cma = 0;
	unsigned int t, i;

	for (t = 0; t < NR_THREADS; t++) {
		for (i = 0; i < NR_LIVE; i++) {
			if (!sh->w[t].live[i])
				continue;
			if (sh->w[t].cma[i]) {
				cma_bytes += rh_dma_buf_size(sh->w[t].live[i]);
				n_cma++;
			} else {
				cm_bytes += rh_dma_buf_size(sh->w[t].live[i]);
				n_cm++;
			}
		}
	}
	assert_int_equal(rh_restricted_mtk_get_stats(sh->plat, RH_RESTRICTED_MTK_CM_NAME, &cm), 0);
	assert_int_equal(rh_restricted_mtk_get_stats(sh->plat, RH_RESTRICTED_MTK_CMA_NAME, &cma),
			 0);
	assert_int_equal(rh_secmem_get_stats(sh->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &tz), 0);
	assert_int_equal(rh_secmem_get_stats(sh->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &dyn), 0);

	assert_int_equal(cma.cma_used_size, cma_bytes);
	assert_int_equal(cma.cma_held, cma_bytes > 0);
	assert_int_equal(cma.pending_frees, 0);
	assert_int_equal(cma.tee_buffers, n_cma);
	assert_int_equal(cma.tee_bytes, cma_bytes);
	assert_int_equal(dyn.live_buffers, n_cma);
	assert_int_equal(dyn.bytes_used, cma_bytes);
	assert_int_equal(dyn.lent, cma_bytes > 0);
	assert_int_equal(cm.tee_buffers, n_cm);
	assert_int_equal(cm.tee_bytes, cm_bytes);
	assert_int_equal(tz.live_buffers, n_cm);
	assert_int_equal(tz.bytes_used, cm_bytes);
	assert_int_equal(cm.free_failures + cma.free_failures, 0);
	assert_int_equal(rh_platform_get_stats(sh->plat, &ps), 0);
	assert_int_equal(ps.firewall_regions_in_use, 1 + (dyn.lent ? 1 : 0));
	assert_false(rh_device_is_secure(rh_importer_device(sh->iv)));
}

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void test_both_heaps_threads(void **state)
{
	struct shared sh = { 0 };
	uint64_t allocs = 0, frees = 0, maps = 0;
	struct rh_restricted_mtk_stats cma;
	pthread_t th[NR_THREADS];
	uint8_t page[4096];
	unsigned int t, p, i;

	(void)state;
	tc_minimal_platform(&sh.plat);
	sh.cm = rh_dma_heap_find(sh.plat, RH_RESTRICTED_MTK_CM_NAME);
	sh.cma = rh_dma_heap_find(sh.plat, RH_RESTRICTED_MTK_CMA_NAME);
	assert_non_null(sh.cm);
	assert_non_null(sh.cma);
	assert_int_equal(rh_importer_new(rh_device_find(sh.plat, "vcodec"), &sh.iv), 0);
	pthread_barrier_init(&sh.pause, NULL, NR_THREADS + 1);
	pthread_barrier_init(&sh.resume, NULL, NR_THREADS + 1);
	for (t = 0; t < NR_THREADS; t++) {
		sh.w[t].sh = &sh;
		sh.w[t].id = t;
		sh.w[t].rng = 0x9e3779b97f4a7c15ULL * (t + 1);
		assert_int_equal(pthread_create(&th[t], NULL, worker_main, &sh.w[t]), 0);
	}
	for (p = 0; p < NR_PHASES; p++) {
		sleep_ns(PHASE_NS);
		atomic_store(&sh.phase_over, true);
		pthread_barrier_wait(&sh.pause);
		check_quiescent(&sh);
		atomic_store(&sh.phase_over, false);
		if (p + 1 == NR_PHASES)
			atomic_store(&sh.stop, true);
		pthread_barrier_wait(&sh.resume);
	}
	for (t = 0; t < NR_THREADS; t++) {
		pthread_join(th[t], NULL);
		assert_int_equal(sh.w[t].error, 0);
		allocs += sh.w[t].allocs;
		frees += sh.w[t].frees;
		maps += sh.w[t].maps;
		memset(sh.w[t].live, 0, sizeof(sh.w[t].live));
	}
	print_message("%llu allocations, %llu frees, %llu secure reads in %u phases\n",
		      (unsigned long long)allocs, (unsigned long long)frees,
		      (unsigned long long)maps, NR_PHASES);
	assert_true(allocs > NR_THREADS * NR_LIVE);

	/* Everything released: nothing held anywhere, the region is clean. */
	check_quiescent(&sh);
	assert_int_equal(rh_restricted_mtk_get_stats(sh.plat, RH_RESTRICTED_MTK_CMA_NAME, &cma), 0);
	assert_int_equal(cma.cma_allocs, cma.cma_releases);
	assert_true(cma.cma_allocs >= 1);
	for (i = 0; i < 16; i++) {
		assert_int_equal(rh_phys_probe_read(sh.plat, 0x4c000000ULL + i * 4096ULL, page,
						    sizeof(page)), 0);
		for (t = 0; t < sizeof(page); t++)
			assert_int_equal(page[t], 0);
	}

	pthread_barrier_destroy(&sh.pause);
	pthread_barrier_destroy(&sh.resume);
	rh_importer_free(sh.iv);
	rh_dma_heap_put(sh.cm);
	rh_dma_heap_put(sh.cma);
	rh_platform_unref(sh.plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_heaps_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
