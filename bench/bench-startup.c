// SPDX-License-Identifier: MIT
/* Benchmark 7: platform create + destroy from the default DTB against memfd + two mappings alone. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench-common.h"

/*
 * Method (issue 8 #7, perf.md §1.3): rh_platform_new() with the built-in
 * default DTB (mt8188-svp: 2 GiB of DRAM, a 384 MiB TEE chunk protected at
 * boot, a 384 MiB CMA region, 4 devices, the TEE and its TAs), then
 * rh_platform_unref(). Baseline: what simulated DRAM needs at the least,
 * memfd_create + ftruncate to the DRAM size + two shared mappings (normal
 * and secure view) + munmap x2 + close (perf.md: ~15 µs). Goal: the
 * median under 5 ms, an absolute figure; the ratio is printed too.
 */

#define GOAL_NS 5e6

struct floor_arg {
	uint64_t size;
	int err;
};

static void batch_floor(void *arg, uint64_t iters)
{
	struct floor_arg *f = arg;
	void *a, *b;
	int fd;

	while (iters--) {
		fd = memfd_create("bench-dram", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)f->size)) {
			f->err = -errno;
			if (fd >= 0)
				close(fd);
			return;
		}
		a = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		b = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (a == MAP_FAILED || b == MAP_FAILED)
			f->err = -ENOMEM;
		if (a != MAP_FAILED)
			munmap(a, f->size);
		if (b != MAP_FAILED)
			munmap(b, f->size);
		close(fd);
		if (f->err)
			return;
	}
}

static void batch_platform(void *arg, uint64_t iters)
{
	int *err = arg;
	struct rh_platform *plat;

	while (iters--) {
		*err = bench_platform_new(&plat);
		if (*err)
			return;
		rh_platform_unref(plat);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rheap-bench startup [common options]\n"
		"  rh_platform_new() from the default DTB + rh_platform_unref(), next to\n"
		"  memfd_create + ftruncate + 2 shared mappings + unmaps + close of the\n"
		"  same DRAM size. Goal: median < 5 ms.\n");
}

int bench_startup_main(struct bench_ctx *ctx, int argc, char **argv)
{
	struct floor_arg f = { 0 };
	struct bench_case cases[2];
	struct bench_stats lat;
	struct rh_platform *plat;
	int err = 0;

	if (argc > 1) {
		usage(strcmp(argv[1], "--help") ? stderr : stdout);
		return strcmp(argv[1], "--help") ? 2 : 0;
	}
	/* The DRAM size of the default platform, from the platform itself. */
	if (bench_platform_new(&plat))
		return 1;
	f.size = rh_platform_get_desc(plat)->dram_size;
	rh_platform_unref(plat);

	bench_section(ctx, "startup: platform create + destroy (default DTB)");
	cases[0] = (struct bench_case){ .fn = batch_floor, .arg = &f };
	cases[1] = (struct bench_case){ .fn = batch_platform, .arg = &err,
					.vs = &cases[0] };
	if (bench_measure_interleaved(ctx, cases, 2))
		return 1;
	bench_latency(ctx, batch_platform, &err, ctx->quick ? 50 : 500, &lat);
	if (f.err || err) {
		fprintf(stderr, "startup: %s\n", strerror(-(f.err ? f.err : err)));
		return 1;
	}
	{
		struct bench_result r = {
			.bench = "startup", .case_name = "create+destroy default",
			.metric = "median", .unit = "ns", .p99 = lat.p99,
			.baseline = "memfd+2 maps",
			.goal_kind = BENCH_GOAL_VALUE_MAX, .goal = GOAL_NS,
		};

		bench_result_from_cases(&r, &cases[1]);
		bench_report(ctx, &r);
	}
	return 0;
}
