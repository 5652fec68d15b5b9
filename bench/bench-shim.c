// SPDX-License-Identifier: MIT
/* bench-shim: the LD_PRELOAD shim's cost: an ioctl through it vs rh_ioctl(), close(dup()) vs libc. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <rheap/rheap.h>

/*
 * Run under `rheap-sim run -- build/bench/bench-shim [ITERATIONS]`. Each
 * repetition times the two sides of a pair back to back (interleaved, so
 * the machine's load hits both alike) and keeps their ratio; the minimum
 * and the median of the ratios over REPS repetitions are printed with the
 * load average. Pairs:
 *   ioctl:  DMA_BUF_IOCTL_SYNC (start + end) on a system-heap dma-buf fd,
 *           through the shim (ioctl()) vs rh_ioctl() on a platform of the
 *           program's own (user pointers trusted, as library users run).
 *   passthrough: close(dup(fd)) of a plain file through the shim vs libc's
 *           own dup/close (dlsym on libc.so.6).
 */

#define REPS 9

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, const double *a, const double *b, long n)
{
	double ratio[REPS], amin = a[0], bmin = b[0];
	int i;

	for (i = 0; i < REPS; i++) {
		ratio[i] = a[i] / b[i];
		amin = a[i] < amin ? a[i] : amin;
		bmin = b[i] < bmin ? b[i] : bmin;
	}
	qsort(ratio, REPS, sizeof(ratio[0]), cmp_double);
	printf("%-12s shim %7.1f ns  direct %7.1f ns  ratio min %.2f median %.2f\n", name,
	       amin / n, bmin / n, ratio[0], ratio[REPS / 2]);
}

static int heap_alloc_shim(void)
{
	struct rh_dma_heap_allocation_data d = { .len = 4096, .fd_flags = O_RDWR };
	int heap = open("/dev/dma_heap/system", O_RDONLY);

	if (heap < 0 || ioctl(heap, RH_DMA_HEAP_IOCTL_ALLOC, &d))
		return -1;
	close(heap);
	return (int)d.fd;
}

int main(int argc, char **argv)
{
	struct rh_dma_buf_sync start = { RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_RW };
	struct rh_dma_buf_sync end = { RH_DMA_BUF_SYNC_END | RH_DMA_BUF_SYNC_RW };
	struct rh_dma_heap_allocation_data d = { .len = 4096, .fd_flags = O_RDWR };
	double a[REPS], b[REPS], t, load[3] = { 0 };
	long n = argc > 1 ? atol(argv[1]) : 20000, i;
	int (*libc_dup)(int), (*libc_close)(int);
	struct rh_platform *plat;
	int shim_fd, own_heap, plain, r;
	void *libc;

	if (n <= 0)
		return fprintf(stderr, "bench-shim: ITERATIONS must be positive\n"), 2;
	shim_fd = heap_alloc_shim();
	if (shim_fd < 0)
		return fprintf(stderr, "bench-shim: run me under `rheap-sim run --`\n"), 1;
	if (rh_platform_new(NULL, &plat))
		return 1;
	own_heap = rh_open(plat, "/dev/dma_heap/system", O_RDONLY);
	if (own_heap < 0 || rh_ioctl(plat, own_heap, RH_DMA_HEAP_IOCTL_ALLOC, &d))
		return 1;
	libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	*(void **)&libc_dup = libc ? dlsym(libc, "dup") : NULL;
	*(void **)&libc_close = libc ? dlsym(libc, "close") : NULL;
	plain = open("/dev/null", O_RDONLY);
	if (!libc_dup || !libc_close || plain < 0)
		return 1;

	/* Both sides must work, or the pair would time failures. */
	if (ioctl(shim_fd, RH_DMA_BUF_IOCTL_SYNC, &start) ||
	    ioctl(shim_fd, RH_DMA_BUF_IOCTL_SYNC, &end) ||
	    rh_ioctl(plat, (int)d.fd, RH_DMA_BUF_IOCTL_SYNC, &start) ||
	    rh_ioctl(plat, (int)d.fd, RH_DMA_BUF_IOCTL_SYNC, &end))
		return fprintf(stderr, "bench-shim: DMA_BUF_IOCTL_SYNC fails\n"), 1;

	getloadavg(load, 3);
	printf("load average %.2f %.2f %.2f, %ld iterations x %d repetitions\n", load[0],
	       load[1], load[2], n, REPS);
	for (r = 0; r < REPS; r++) {
		t = now_ns();
		for (i = 0; i < n; i++) {
			ioctl(shim_fd, RH_DMA_BUF_IOCTL_SYNC, &start);
			ioctl(shim_fd, RH_DMA_BUF_IOCTL_SYNC, &end);
		}
		a[r] = now_ns() - t;
		t = now_ns();
		for (i = 0; i < n; i++) {
			rh_ioctl(plat, (int)d.fd, RH_DMA_BUF_IOCTL_SYNC, &start);
			rh_ioctl(plat, (int)d.fd, RH_DMA_BUF_IOCTL_SYNC, &end);
		}
		b[r] = now_ns() - t;
	}
	report("ioctl(SYNC)", a, b, 2 * n);
	for (r = 0; r < REPS; r++) {
		t = now_ns();
		for (i = 0; i < n; i++)
			close(dup(plain));
		a[r] = now_ns() - t;
		t = now_ns();
		for (i = 0; i < n; i++)
			libc_close(libc_dup(plain));
		b[r] = now_ns() - t;
	}
	report("close(dup())", a, b, n);
	close(plain);
	close(shim_fd);
	rh_platform_unref(plat);
	return 0;
}
