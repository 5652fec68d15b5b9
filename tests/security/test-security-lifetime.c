// SPDX-License-Identifier: MIT
/* Security suite: teardown in every order (attack 5): what outlives the platform's users keeps it alive. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <rheap/secure-stats.h>
#include <string.h>

#include "sec-common.h"

enum holder {
	HOLD_IMPORTER, /* a driver with a restricted mapping */
	HOLD_CONTEXT,  /* a kernel TEE context with a session */
	HOLD_SHM,      /* shared memory of that context */
	HOLD_DMABUF,   /* a dma-buf reference of the caller's */
	NR_HOLDERS,
	HOLD_PLATFORM = NR_HOLDERS, /* the users' last platform reference */
};

struct world {
	struct rh_platform *plat;
	struct rh_importer *imp;
	struct rh_importer_map *map;
	struct sec_session s;
	struct rh_tee_shm *shm;
	struct rh_dma_buf *buf;
	unsigned char shm_mem[64];
	bool platform_gone;
};

static void world_build(struct world *w)
{
	struct rh_dma_buf *b;
	int fd;

	memset(w, 0, sizeof(*w));
	sec_platform(&w->plat);
	/* An fd the platform's file table still holds when the users leave. */
	b = sec_alloc(w->plat, RH_RESTRICTED_MTK_CMA_NAME, 1 << 20);
	fd = rh_dma_buf_fd(b, 0);
	assert_true(fd >= 0);
	w->buf = sec_alloc(w->plat, RH_RESTRICTED_MTK_CM_NAME, 4096);
	assert_int_equal(rh_importer_new(rh_device_find(w->plat, "vcodec"), &w->imp), 0);
	assert_int_equal(rh_importer_map(w->imp, w->buf, RH_DMA_BIDIRECTIONAL, &w->map), 0);
	assert_int_equal(sec_kernel_open(w->plat, RH_TA_SVP_UUID, &w->s), TEEC_SUCCESS);
	w->shm = rh_tee_shm_register_kernel_buf(w->s.ctx, w->shm_mem, sizeof(w->shm_mem));
	assert_false(RH_IS_ERR_OR_NULL(w->shm));
}

/* Every holder still works until it is released, whoever went before. */
static void release(struct world *w, unsigned int what)
{
	unsigned char byte = 0x5a;

	switch (what) {
	case HOLD_IMPORTER:
		assert_int_equal(rh_importer_write(w->map, 0, &byte, 1), 0);
		assert_int_equal(rh_importer_read(w->map, 0, &byte, 1), 0);
		assert_int_equal(byte, 0x5a);
		rh_importer_unmap(w->map);
		rh_importer_free(w->imp);
		break;
	case HOLD_CONTEXT:
		assert_int_equal(rh_tee_client_close_session(w->s.ctx, w->s.session), 0);
		sec_kernel_close(&w->s);
		break;
	case HOLD_SHM:
		assert_ptr_equal(rh_tee_shm_get_va(w->shm, 0), w->shm_mem);
		rh_tee_shm_put(w->shm);
		break;
	case HOLD_DMABUF:
		assert_int_equal(rh_dma_buf_size(w->buf), 4096);
		rh_dma_buf_put(w->buf);
		break;
	case HOLD_PLATFORM:
		rh_platform_unref(w->plat);
		w->platform_gone = true;
		break;
	}
}

/*
 * Every order of releasing the platform's last user reference, an
 * importer with a restricted mapping, a TEE context, its shared memory and
 * a dma-buf: no crash, everything works until released, nothing leaks
 * (ASan/valgrind builds check the last part).
 */
static void test_teardown_every_order(void **state)
{
	unsigned int order[NR_HOLDERS + 1], i, runs = 0;
	struct world w;

	(void)state;
	for (i = 0; i <= NR_HOLDERS; i++)
		order[i] = i;
	do {
		world_build(&w);
		for (i = 0; i <= NR_HOLDERS; i++)
			release(&w, order[i]);
		assert_true(w.platform_gone);
		runs++;
	} while (rh_test_next_permutation(order, NR_HOLDERS + 1));
	assert_int_equal(runs, 120);
}

/* The users' last reference closes their files at once, as process exit does. */
static void test_unref_closes_files(void **state)
{
	struct rh_platform *plat;
	struct rh_importer *imp;
	struct rh_dma_buf *b;
	struct rh_importer_map *map;
	struct rh_secmem_stats st;
	int fd;

	(void)state;
	sec_platform(&plat);
	b = sec_alloc(plat, RH_RESTRICTED_MTK_CMA_NAME, 1 << 20);
	fd = rh_dma_buf_fd(b, 0);
	assert_true(fd >= 0);
	/* A driver keeps the platform; the fd's buffer goes with the users. */
	assert_int_equal(rh_importer_new(rh_device_find(plat, "display"), &imp), 0);
	b = sec_alloc(plat, RH_RESTRICTED_MTK_CM_NAME, 4096);
	assert_int_equal(rh_importer_map(imp, b, RH_DMA_TO_DEVICE, &map), 0);
	rh_dma_buf_put(b);
	rh_platform_unref(plat);
	assert_int_equal(rh_secmem_get_stats(plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &st), 0);
	assert_int_equal(st.live_buffers, 0);
	assert_false(st.lent);
	assert_int_equal(rh_secmem_get_stats(plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &st), 0);
	assert_int_equal(st.live_buffers, 1);
	rh_importer_unmap(map);
	rh_importer_free(imp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_teardown_every_order),
		cmocka_unit_test(test_unref_closes_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
