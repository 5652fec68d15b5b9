// SPDX-License-Identifier: MIT
/*
 * Concurrency torture (docs/architecture.md, "What callers may do
 * concurrently"): close racing ioctl/mmap/attach on the same fds, dup and
 * close storms, platforms made and destroyed while others run, TEE faults
 * while threads allocate and map, and the misuse of a platform whose
 * users are gone, which must be a clear error and never a crash.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <rheap/alloc.h>
#include <rheap/device-bus.h>
#include <rheap/rheap.h>
#include <rheap/tee-backend.h>

#include "fault-sweep.h"
#include "rh-test.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define NR_SLOTS 32
#define RUN_NS 400000000L /* each race runs this long */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: reproducible per thread. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* The faults make the library log at every turn. */
static void quiet_log(void *data, enum rh_log_level level, const char *msg)
{
	(void)data;
	(void)level;
	(void)msg;
}

static struct rh_platform *new_platform(void)
{
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_platform *plat;

	info.log_fn = quiet_log;
	assert_int_equal(rh_platform_new(&info, &plat), 0);
	return plat;
}

/* First unexpected result of any thread (0: none), reported by the main thread. */
static atomic_int first_error;
static char first_error_what[128];
static pthread_mutex_t error_lock = PTHREAD_MUTEX_INITIALIZER;

static void unexpected(const char *what, int ret)
{
	int zero = 0;

	pthread_mutex_lock(&error_lock);
	if (atomic_compare_exchange_strong(&first_error, &zero, ret ? ret : -1))
		snprintf(first_error_what, sizeof(first_error_what), "%s", what);
	pthread_mutex_unlock(&error_lock);
}

static void check_no_error(void)
{
	if (atomic_load(&first_error))
		fail_msg("%s answered %d", first_error_what, atomic_load(&first_error));
}

/* @ret is 0 or one of the errnos a race on an fd may give. */
static void expect_race(const char *what, int ret, int also)
{
	if (ret == 0 || ret == -EBADF || (also && ret == also))
		return;
	unexpected(what, ret);
}

/* ------------------------------------------------------------ close racing the fd's users */

struct fd_race {
	struct rh_platform *plat;
	int heap_fd[2]; /* system, restricted_mtk_cma */
	struct rh_device *gpu;
	atomic_int slot[NR_SLOTS];
	atomic_bool stop;
	atomic_ullong ops;
};

/* Takes whatever fd @slot holds (-1 if none) out of the table. */
static int slot_take(struct fd_race *r, unsigned int slot)
{
	return atomic_exchange(&r->slot[slot], -1);
}

static void slot_put_fd(struct fd_race *r, unsigned int slot, int fd)
{
	int old = atomic_exchange(&r->slot[slot], fd);

	if (old >= 0 && rh_close(r->plat, old))
		unexpected("close of a slot's fd", -EBADF);
}

/* Allocates buffers (system and restricted) into random slots. */
static void *allocator_main(void *arg)
{
	struct fd_race *r = arg;
	struct rh_dma_heap_allocation_data data;
	uint64_t rng = (uintptr_t)&data | 1;
	int h, ret;

	while (!atomic_load(&r->stop)) {
		h = (int)(next_rand(&rng) % 2);
		memset(&data, 0, sizeof(data));
		data.len = 4096 * (1 + next_rand(&rng) % 4);
		data.fd_flags = O_RDWR | O_CLOEXEC;
		ret = rh_ioctl(r->plat, r->heap_fd[h], RH_DMA_HEAP_IOCTL_ALLOC, &data);
		if (ret) {
			/* The fd table may be full of dups: that is all. */
			if (ret != -EMFILE)
				unexpected("DMA_HEAP_IOCTL_ALLOC", ret);
			continue;
		}
		slot_put_fd(r, (unsigned int)(next_rand(&rng) % NR_SLOTS), (int)data.fd);
		atomic_fetch_add(&r->ops, 1);
	}
	return NULL;
}

/* Closes random slots' fds. */
static void *closer_main(void *arg)
{
	struct fd_race *r = arg;
	uint64_t rng = (uintptr_t)&rng | 1;
	int fd;

	while (!atomic_load(&r->stop)) {
		fd = slot_take(r, (unsigned int)(next_rand(&rng) % NR_SLOTS));
		if (fd >= 0 && rh_close(r->plat, fd))
			unexpected("close", -EBADF);
		atomic_fetch_add(&r->ops, 1);
	}
	return NULL;
}

/* A device attaches, maps and reads the buffer behind @fd. */
static void attach_fd(struct fd_race *r, int fd)
{
	struct rh_dma_buf_attachment *att;
	struct rh_dma_buf *b;
	struct rh_sg_table *sgt;
	uint8_t byte;
	int ret;

	b = rh_dma_buf_get(r->plat, fd);
	if (RH_IS_ERR(b)) {
		/* Closed, or the number already reused by something else. */
		expect_race("rh_dma_buf_get", (int)RH_PTR_ERR(b), -EINVAL);
		return;
	}
	att = rh_dma_buf_attach(b, r->gpu);
	if (RH_IS_ERR(att)) {
		unexpected("rh_dma_buf_attach", (int)RH_PTR_ERR(att));
		goto out_put;
	}
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_TO_DEVICE);
	if (RH_IS_ERR(sgt)) {
		unexpected("rh_dma_buf_map_attachment", (int)RH_PTR_ERR(sgt));
		goto out_detach;
	}
	ret = rh_device_dma_read_sg(r->gpu, sgt, 0, &byte, 1);
	/* The gpu may read a normal buffer, never a restricted one. */
	if (ret && (ret != -EACCES || !rh_restricted_buffer_get(b)))
		unexpected("DMA read", ret);
	rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_TO_DEVICE);
out_detach:
	rh_dma_buf_detach(b, att);
out_put:
	rh_dma_buf_put(b);
}

/* Uses random slots' fds while they are closed and reused under it. */
static void *user_main(void *arg)
{
	struct fd_race *r = arg;
	struct rh_dma_buf_sync sync = { 0 };
	uint64_t rng = (uintptr_t)&sync | 1;
	void *map;
	struct stat st;
	FILE *null = fopen("/dev/null", "w");
	int fd, ret, dup;

	assert_non_null(null);
	while (!atomic_load(&r->stop)) {
		fd = atomic_load(&r->slot[next_rand(&rng) % NR_SLOTS]);
		if (fd < 0)
			continue;
		switch (next_rand(&rng) % 7) {
		case 0:
			/* A restricted buffer refuses CPU access: -EPERM. */
			sync.flags = RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_RW;
			ret = rh_ioctl(r->plat, fd, RH_DMA_BUF_IOCTL_SYNC, &sync);
			expect_race("DMA_BUF_IOCTL_SYNC", ret, -EPERM);
			if (!ret) {
				/*
				 * The number may have been closed and reused by a
				 * restricted buffer meanwhile: -EPERM is a race too.
				 */
				sync.flags = RH_DMA_BUF_SYNC_END | RH_DMA_BUF_SYNC_RW;
				expect_race("DMA_BUF_IOCTL_SYNC end",
					    rh_ioctl(r->plat, fd, RH_DMA_BUF_IOCTL_SYNC, &sync),
					    -EPERM);
			}
			break;
		case 1:
			map = NULL;
			ret = rh_mmap(r->plat, fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0,
				      &map);
			expect_race("mmap", ret, -EPERM);
			if (!ret) {
				/* The mapping keeps the buffer: it outlives the fd's close. */
				memset(map, 0x3c, 4096);
				if (rh_munmap(r->plat, map, 4096))
					unexpected("munmap", -EINVAL);
			}
			break;
		case 2:
			attach_fd(r, fd);
			break;
		case 3:
			dup = rh_dup(r->plat, fd);
			if (dup >= 0) {
				if (rh_close(r->plat, dup))
					unexpected("close of a dup", -EBADF);
			} else {
				expect_race("dup", dup, -EMFILE);
			}
			break;
		case 4:
			expect_race("fstat", rh_fstat(r->plat, fd, &st), 0);
			break;
		case 5:
			ret = (int)rh_lseek(r->plat, fd, 0, SEEK_END);
			expect_race("lseek", ret > 0 ? 0 : ret, -ESPIPE);
			break;
		default:
			expect_race("fdinfo", rh_dma_buf_fdinfo(r->plat, fd, null), -EINVAL);
			break;
		}
		atomic_fetch_add(&r->ops, 1);
	}
	fclose(null);
	return NULL;
}

static void run_threads(void *(*const *mains)(void *), unsigned int n, void *arg,
			atomic_bool *stop)
{
	pthread_t t[16];
	unsigned int i;
	uint64_t end = now_ns() + RUN_NS;

	assert_true(n <= N_ELEMS(t));
	atomic_store(stop, false);
	for (i = 0; i < n; i++)
		assert_int_equal(pthread_create(&t[i], NULL, mains[i], arg), 0);
	while (now_ns() < end)
		;
	atomic_store(stop, true);
	for (i = 0; i < n; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
}

static void fd_race_close_all(struct fd_race *r)
{
	unsigned int i;
	int fd;

	for (i = 0; i < NR_SLOTS; i++) {
		fd = slot_take(r, i);
		if (fd >= 0)
			assert_int_equal(rh_close(r->plat, fd), 0);
	}
}

/* A platform with the system heap and restricted heap @name open, empty slots. */
static void fd_race_start(struct fd_race *r, const char *name)
{
	char path[64];
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->plat = new_platform();
	r->gpu = rh_device_find(r->plat, "gpu");
	assert_non_null(r->gpu);
	snprintf(path, sizeof(path), "/dev/dma_heap/%s", name);
	r->heap_fd[0] = rh_open(r->plat, "/dev/dma_heap/system", O_RDONLY);
	r->heap_fd[1] = rh_open(r->plat, path, O_RDONLY);
	assert_true(r->heap_fd[0] >= 0 && r->heap_fd[1] >= 0);
	for (i = 0; i < NR_SLOTS; i++)
		atomic_init(&r->slot[i], -1);
}

/* The threads of @mains race for RUN_NS on @r; none saw anything unexpected. */
static void fd_race_run(struct fd_race *r, void *(*const *mains)(void *), unsigned int n)
{
	run_threads(mains, n, r, &r->stop);
	check_no_error();
	print_message("%llu operations\n", (unsigned long long)atomic_load(&r->ops));
	fd_race_close_all(r);
}

/* Everything closed: the platform is idle, then gone. */
static void fd_race_end(struct fd_race *r)
{
	assert_int_equal(rh_close(r->plat, r->heap_fd[0]), 0);
	assert_int_equal(rh_close(r->plat, r->heap_fd[1]), 0);
	rh_sweep_assert_idle(r->plat);
	rh_platform_unref(r->plat);
}

/* rh_close() racing ioctl, mmap, attach, dup, fstat, lseek and fdinfo on the same fds. */
static void test_close_races_users(void **state)
{
	static void *(*const mains[])(void *) = {
		allocator_main, allocator_main, closer_main, user_main, user_main, user_main,
	};
	struct fd_race r;

	(void)state;
	fd_race_start(&r, RH_RESTRICTED_MTK_CMA_NAME);
	fd_race_run(&r, mains, N_ELEMS(mains));
	fd_race_end(&r);
}

/* ------------------------------------------------------------ dup and close storms */

/* Dups random slots' fds into other slots, with dup() and F_DUPFD. */
static void *duper_main(void *arg)
{
	struct fd_race *r = arg;
	uint64_t rng = (uintptr_t)&rng | 1;
	int fd, dup;

	while (!atomic_load(&r->stop)) {
		fd = atomic_load(&r->slot[next_rand(&rng) % NR_SLOTS]);
		if (fd < 0)
			continue;
		if (next_rand(&rng) % 2)
			dup = rh_dup(r->plat, fd);
		else
			dup = rh_fcntl(r->plat, fd, F_DUPFD_CLOEXEC, (long)(next_rand(&rng) % 64));
		if (dup < 0) {
			expect_race("dup storm", dup, -EMFILE);
			continue;
		}
		slot_put_fd(r, (unsigned int)(next_rand(&rng) % NR_SLOTS), dup);
		atomic_fetch_add(&r->ops, 1);
	}
	return NULL;
}

/* Every buffer behind many fds at once, closed in any order by any thread. */
static void test_dup_close_storm(void **state)
{
	static void *(*const mains[])(void *) = {
		allocator_main, duper_main, duper_main, duper_main, closer_main, closer_main,
	};
	struct rh_dma_buf_stats bs;
	struct fd_race r;

	(void)state;
	fd_race_start(&r, RH_RESTRICTED_MTK_CM_NAME);
	fd_race_run(&r, mains, N_ELEMS(mains));
	/* Only the heap fds remain; every buffer went with its last fd. */
	assert_int_equal(rh_fd_count(r.plat), 5);
	assert_int_equal(rh_dma_buf_get_stats(r.plat, &bs), 0);
	assert_int_equal(bs.count, 0);
	assert_int_equal(bs.exported, bs.released);
	fd_race_end(&r);
}

/* ------------------------------------------------------------ platforms come and go */

struct churn {
	atomic_bool stop;
	atomic_ullong platforms;
};

/*
 * One platform's whole life on one thread: secure playback of a frame
 * (allocate on both heaps, a secure device maps and reads), a user TEE
 * client, then everything closed and the platform destroyed. The thread's
 * own count of the library's allocations is back where it started.
 */
static void *churn_main(void *arg)
{
	struct churn *c = arg;
	struct rh_importer_map *m;
	struct rh_dma_heap *cm, *cma;
	struct rh_importer *imp;
	struct rh_dma_buf *a, *b;
	struct rh_platform *plat;
	TEEC_Context ctx;
	long before;
	uint8_t byte;
	int ret;

	rh_sweep_count_allocs();
	while (!atomic_load(&c->stop)) {
		before = rh_sweep_live_allocs();
		plat = new_platform();
		cm = rh_dma_heap_find(plat, RH_RESTRICTED_MTK_CM_NAME);
		cma = rh_dma_heap_find(plat, RH_RESTRICTED_MTK_CMA_NAME);
		a = rh_dma_heap_buffer_alloc_dmabuf(cm, 65536, O_RDWR, 0);
		b = rh_dma_heap_buffer_alloc_dmabuf(cma, 65536, O_RDWR, 0);
		if (RH_IS_ERR_OR_NULL(a) || RH_IS_ERR_OR_NULL(b))
			unexpected("allocation on a new platform", -ENOMEM);
		assert_int_equal(rh_importer_new(rh_device_find(plat, "display"), &imp), 0);
		ret = rh_importer_map(imp, b, RH_DMA_TO_DEVICE, &m);
		if (ret)
			unexpected("importer map on a new platform", ret);
		else if (RH_NEED_SG_DMA_FLAGS && rh_importer_read(m, 0, &byte, 1))
			unexpected("secure DMA on a new platform", -EACCES);
		if (rh_TEEC_InitializeContext(plat, NULL, &ctx) == TEEC_SUCCESS)
			rh_TEEC_FinalizeContext(&ctx);
		else
			unexpected("TEEC_InitializeContext", -EIO);
		/* The user goes first; the driver's objects keep the platform. */
		rh_dma_heap_put(cm);
		rh_dma_heap_put(cma);
		rh_platform_unref(plat);
		if (!ret)
			rh_importer_unmap(m);
		rh_importer_free(imp);
		rh_dma_buf_put(a);
		rh_dma_buf_put(b);
		if (rh_sweep_live_allocs() != before)
			unexpected("allocations left by a destroyed platform",
				   (int)(rh_sweep_live_allocs() - before));
		atomic_fetch_add(&c->platforms, 1);
	}
	rh_alloc_hook_set(NULL);
	return NULL;
}

/* Platforms made and destroyed on four threads while another platform is raced on. */
static void test_platforms_come_and_go(void **state)
{
	static void *(*const race_mains[])(void *) = {
		allocator_main, closer_main, user_main,
	};
	pthread_t t[4];
	struct churn c = { 0 };
	struct fd_race r;
	unsigned int i;
	int fds = rh_test_count_fds();

	(void)state;
	fd_race_start(&r, RH_RESTRICTED_MTK_CMA_NAME);
	for (i = 0; i < N_ELEMS(t); i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn_main, &c), 0);
	fd_race_run(&r, race_mains, N_ELEMS(race_mains));
	atomic_store(&c.stop, true);
	for (i = 0; i < N_ELEMS(t); i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	check_no_error();
	print_message("%llu platforms made and destroyed\n",
		      (unsigned long long)atomic_load(&c.platforms));
	assert_true(atomic_load(&c.platforms) >= N_ELEMS(t));
	fd_race_end(&r);
	/* Every platform's memfd is closed. */
	assert_int_equal(rh_test_count_fds(), fds);
}

/* ------------------------------------------------------------ TEE faults while threads work */

#define NR_WORKERS 4
#define NR_LIVE 4

struct tee_chaos {
	struct rh_platform *plat;
	struct rh_tee_fault *fault;
	struct rh_dma_heap *heap[2];
	struct rh_device *dev[2];
	atomic_bool stop;
	atomic_ullong fired, allocs;
	/*
	 * A TA death (a panic, or TARGET_DEAD believed) was armed: the heap
	 * reopening its session makes the TA release the live buffers, the
	 * importer's makes it drop the grants, so a device may lose buffers.
	 */
	atomic_bool deaths;
};

/* Allocates, maps for its device and frees on both heaps; errors are the faults'. */
static void *tee_worker_main(void *arg)
{
	struct tee_chaos *c = arg;
	struct rh_importer_map *m[NR_LIVE] = { 0 };
	struct rh_dma_buf *b[NR_LIVE] = { 0 };
	struct rh_importer *imp;
	uint64_t rng = (uintptr_t)&rng | 1;
	unsigned int i;
	uint8_t byte;

	assert_int_equal(rh_importer_new(c->dev[rng % 2], &imp), 0);
	while (!atomic_load(&c->stop)) {
		i = (unsigned int)(next_rand(&rng) % NR_LIVE);
		if (b[i]) {
			rh_importer_unmap(m[i]);
			m[i] = NULL;
			rh_dma_buf_put(b[i]);
			b[i] = NULL;
			continue;
		}
		b[i] = rh_dma_heap_buffer_alloc_dmabuf(c->heap[next_rand(&rng) % 2],
						       4096 * (1 + next_rand(&rng) % 8), O_RDWR, 0);
		if (RH_IS_ERR(b[i])) {
			b[i] = NULL;
			continue;
		}
		atomic_fetch_add(&c->allocs, 1);
		if (rh_importer_map(imp, b[i], RH_DMA_TO_DEVICE, &m[i]))
			m[i] = NULL;
		else if (RH_NEED_SG_DMA_FLAGS && rh_importer_read(m[i], 0, &byte, 1) &&
			 !atomic_load(&c->deaths))
			unexpected("secure DMA through a mapping that exists", -EACCES);
	}
	for (i = 0; i < NR_LIVE; i++) {
		rh_importer_unmap(m[i]);
		rh_dma_buf_put(b[i]);
	}
	rh_importer_free(imp);
	return NULL;
}

/* Arms one TEE fault after another (a random kind at a random call). */
static void *chaos_main(void *arg)
{
	struct tee_chaos *c = arg;
	const struct rh_sweep_fault *k;
	struct rh_tee_fault_spec spec;
	uint64_t rng = (uintptr_t)&spec | 1;
	struct timespec pause = { 0, 200000 };

	while (!atomic_load(&c->stop)) {
		k = &rh_sweep_fault_kinds[next_rand(&rng) % rh_sweep_nr_fault_kinds];
		memset(&spec, 0, sizeof(spec));
		spec.nth = 1 + (unsigned int)(next_rand(&rng) % 8);
		/*
		 * Invokes only: a release message (close, unregister) is sent up
		 * to three times, and back-to-back faults from this thread could
		 * exhaust them, which single faults never do.
		 */
		spec.cmd_mask = RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_INVOKE_COMMAND);
		spec.action = k->action;
		spec.result = k->result;
		spec.origin = k->origin;
		spec.error = k->action == RH_TEE_FAULT_TRANSPORT ? -EIO : 0;
		spec.after = k->after;
		if (k->action == RH_TEE_FAULT_PANIC || k->result == RH_TEEC_ERROR_TARGET_DEAD)
			atomic_store(&c->deaths, true);
		assert_int_equal(rh_tee_fault_arm(c->fault, &spec), 0);
		nanosleep(&pause, NULL);
		atomic_fetch_add(&c->fired, rh_tee_fault_fired(c->fault));
	}
	assert_int_equal(rh_tee_fault_arm(c->fault, NULL), 0);
	return NULL;
}

/*
 * TEE faults of every kind land while four threads allocate, map and free:
 * once the threads closed everything, nothing is left in the secure world,
 * and the heaps work again.
 */
static void test_tee_faults_while_working(void **state)
{
	struct rh_sweep_env env = { 0 };
	struct tee_chaos c = { 0 };
	pthread_t t[NR_WORKERS + 1];
	struct rh_dma_buf *b;
	unsigned int i;

	(void)state;
	rh_sweep_env_new(&env);
	c.plat = env.plat;
	c.fault = env.fault;
	c.heap[0] = rh_dma_heap_find(c.plat, RH_RESTRICTED_MTK_CM_NAME);
	c.heap[1] = rh_dma_heap_find(c.plat, RH_RESTRICTED_MTK_CMA_NAME);
	c.dev[0] = rh_device_find(c.plat, "vcodec");
	c.dev[1] = rh_device_find(c.plat, "display");
	for (i = 0; i < NR_WORKERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, tee_worker_main, &c), 0);
	assert_int_equal(pthread_create(&t[NR_WORKERS], NULL, chaos_main, &c), 0);
	{
		uint64_t end = now_ns() + 2 * RUN_NS;

		while (now_ns() < end)
			;
	}
	atomic_store(&c.stop, true);
	for (i = 0; i <= NR_WORKERS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	check_no_error();
	print_message("%llu allocations, %llu faults\n", (unsigned long long)atomic_load(&c.allocs),
		      (unsigned long long)atomic_load(&c.fired));
	assert_true(atomic_load(&c.fired) > 0);

	rh_sweep_assert_idle(c.plat);
	/* Both heaps work again. */
	for (i = 0; i < 2; i++) {
		b = rh_dma_heap_buffer_alloc_dmabuf(c.heap[i], 8192, O_RDWR, 0);
		assert_false(RH_IS_ERR_OR_NULL(b));
		rh_dma_buf_put(b);
		rh_dma_heap_put(c.heap[i]);
	}
	rh_sweep_assert_idle(c.plat);
	rh_sweep_env_free(&env);
}

/* ------------------------------------------------------------ misuse */

static char last_log[256];
static unsigned int nr_logs;

static void capture_log(void *data, enum rh_log_level level, const char *msg)
{
	(void)data;
	(void)level;
	snprintf(last_log, sizeof(last_log), "%s", msg);
	nr_logs++;
}

/*
 * A platform whose users dropped their last reference, kept alive by a
 * driver's importer and buffer: using it as a user is a caller bug,
 * answered with an error and logged, never a crash or a zombie fd.
 */
static void test_use_after_last_unref(void **state)
{
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_dma_heap_allocation_data data = { .len = 4096, .fd_flags = O_RDWR };
	struct rh_platform *plat;
	struct rh_importer *imp;
	struct rh_dma_buf *b;
	struct rh_dma_heap *cma;
	int fd;

	(void)state;
	info.log_fn = capture_log;
	assert_int_equal(rh_platform_new(&info, &plat), 0);
	fd = rh_open(plat, "/dev/dma_heap/system", O_RDONLY);
	assert_true(fd >= 0);
	cma = rh_dma_heap_find(plat, RH_RESTRICTED_MTK_CMA_NAME);
	b = rh_dma_heap_buffer_alloc_dmabuf(cma, 4096, O_RDWR, 0);
	assert_false(RH_IS_ERR_OR_NULL(b));
	rh_dma_heap_put(cma);
	assert_int_equal(rh_importer_new(rh_device_find(plat, "vcodec"), &imp), 0);

	/* Another user's reference: the first one's unref is not the end. */
	assert_ptr_equal(rh_platform_ref(plat), plat);
	assert_null(rh_platform_unref(plat));
	assert_int_equal(rh_ioctl(plat, fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), 0);
	assert_int_equal(rh_close(plat, (int)data.fd), 0);

	/* The last user goes: its fds close; the driver's objects hold on. */
	assert_null(rh_platform_unref(plat));
	nr_logs = 0;
	assert_neg_errno(rh_open(plat, "/dev/dma_heap/system", O_RDONLY), EINVAL);
	assert_neg_errno(rh_ioctl(plat, fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), EINVAL);
	assert_neg_errno(rh_close(plat, fd), EINVAL);
	assert_neg_errno(rh_dup(plat, fd), EINVAL);
	assert_neg_errno(rh_dma_buf_fd(b, O_CLOEXEC), EINVAL);
	assert_true(nr_logs >= 1);
	assert_non_null(strstr(last_log, "caller bug"));
	/* No user may come back, nor leave twice. */
	assert_null(rh_platform_ref(plat));
	assert_null(rh_platform_unref(plat));
	assert_non_null(strstr(last_log, "rh_platform_unref"));

	/* The driver still works with what it holds, and its end ends the platform. */
	{
		struct rh_importer_map *m;

		assert_int_equal(rh_importer_map(imp, b, RH_DMA_TO_DEVICE, &m), 0);
		rh_importer_unmap(m);
	}
	rh_importer_free(imp);
	rh_dma_buf_put(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_races_users),
		cmocka_unit_test(test_dup_close_storm),
		cmocka_unit_test(test_platforms_come_and_go),
		cmocka_unit_test(test_tee_faults_while_working),
		cmocka_unit_test(test_use_after_last_unref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
