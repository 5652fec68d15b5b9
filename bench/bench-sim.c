// SPDX-License-Identifier: MIT
/* rheap-bench's sim figures: the sweep and the replays on a modelled phone (simulated time). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/cost-model.h>
#include <rheap/dma-heap.h>
#include <rheap/uapi.h>

#include "bench-sim.h"

#define SIM_MAX_GROUPS 8

/* A quiet default platform running BENCH_SIM_MODEL. */
static int sim_platform_new(struct rh_platform **ret_plat)
{
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_cost_model *m;
	int ret;

	ret = rh_cost_model_new(BENCH_SIM_MODEL, &m);
	if (ret)
		return ret;
	info.cost_model = m;
	info.log_level = RH_LOG_ERR;
	ret = rh_platform_new(&info, ret_plat);
	rh_cost_model_free(m);
	return ret;
}

static int heap_alloc_fd(struct rh_platform *plat, int heap, uint64_t size)
{
	struct rh_dma_heap_allocation_data d = { .len = size, .fd_flags = O_RDWR };
	int ret = rh_ioctl(plat, heap, RH_DMA_HEAP_IOCTL_ALLOC, &d);

	return ret ? ret : (int)d.fd;
}

/* Simulated ns of the second alloc+free of @size on @hd's heap. */
static int sim_alloc_free(const struct bench_heap_desc *hd, uint64_t size, uint64_t *ret_ns)
{
	char path[sizeof(RH_DMA_HEAP_DEV_DIR) + RH_DMA_HEAP_NAME_LEN + 1];
	int heap, keeper = -1, fd, pass, ret;
	struct rh_platform *plat;
	uint64_t t0 = 0;

	ret = sim_platform_new(&plat);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), RH_DMA_HEAP_DEV_DIR "/%s", hd->name);
	heap = rh_open(plat, path, O_RDWR);
	if (heap < 0) {
		ret = heap;
		goto out_unref;
	}
	if (hd->cma) {
		keeper = heap_alloc_fd(plat, heap, 4096);
		if (keeper < 0) {
			ret = keeper;
			goto out_close;
		}
	}
	for (pass = 0; pass < 2; pass++) {
		t0 = rh_platform_sim_thread_time(plat);
		fd = heap_alloc_fd(plat, heap, size);
		if (fd < 0) {
			ret = fd;
			goto out_close;
		}
		rh_close(plat, fd);
	}
	*ret_ns = rh_platform_sim_thread_time(plat) - t0;
	ret = 0;
out_close:
	if (keeper >= 0)
		rh_close(plat, keeper);
	rh_close(plat, heap);
out_unref:
	rh_platform_unref(plat);
	return ret;
}

void bench_sim_report_alloc(struct bench_ctx *ctx, const struct bench_heap_desc *hd,
			    uint64_t size)
{
	char cname[64], sz[16];
	struct bench_result r = {
		.bench = "alloc", .metric = "sim " BENCH_SIM_MODEL, .unit = "ns",
		.p99 = NAN, .min = NAN,
	};
	uint64_t ns = 0;
	int ret;

	ret = sim_alloc_free(hd, size, &ns);
	if (ret) {
		fprintf(stderr, "alloc: simulated %s %s: %s\n", hd->name,
			bench_fmt_size(size, sz, sizeof(sz)), strerror(-ret));
		return;
	}
	snprintf(cname, sizeof(cname), "%s sim %s", hd->tag, bench_fmt_size(size, sz, sizeof(sz)));
	r.case_name = cname;
	r.value = (double)ns;
	bench_report(ctx, &r);
}

struct sim_group {
	char op;
	const char *heap;
	double *ns;
	size_t n, cap;
};

struct sim_run {
	struct sim_group g[SIM_MAX_GROUPS];
	unsigned int nr;
	bool oom;
};

static void sim_on_op(void *data, const struct rh_replay_op_result *res)
{
	struct sim_run *s = data;
	struct sim_group *g = NULL;
	unsigned int i;

	if (res->ev->op == RH_REPLAY_OP_MARK || res->skipped || res->err)
		return;
	for (i = 0; i < s->nr && !g; i++)
		if (s->g[i].op == (char)res->ev->op && !strcmp(s->g[i].heap, res->heap))
			g = &s->g[i];
	if (!g) {
		if (s->nr == SIM_MAX_GROUPS)
			return;
		g = &s->g[s->nr++];
		g->op = (char)res->ev->op;
		g->heap = res->heap;
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		double *v = realloc(g->ns, cap * sizeof(*v));

		if (!v) {
			s->oom = true;
			return;
		}
		g->ns = v;
		g->cap = cap;
	}
	g->ns[g->n++] = (double)res->sim_ns;
}

void bench_sim_report_replay(struct bench_ctx *ctx, const char *tname,
			     const struct rh_replay_trace *tr)
{
	struct rh_replay_options opts = { 0 };
	struct rh_sim_stats st0, st1;
	struct rh_replay_result res;
	struct sim_run s = { 0 };
	struct rh_platform *plat;
	unsigned int i, c;
	int ret;

	ret = sim_platform_new(&plat);
	if (ret) {
		fprintf(stderr, "replay: %s: no simulated platform: %s\n", tname, strerror(-ret));
		return;
	}
	opts.on_op = sim_on_op;
	opts.data = &s;
	rh_platform_get_sim_stats(plat, &st0);
	ret = rh_replay_run(plat, tr, &opts, &res);
	rh_platform_get_sim_stats(plat, &st1);
	if (ret || s.oom) {
		fprintf(stderr, "replay: %s: simulated run failed: %s\n", tname,
			strerror(ret ? -ret : ENOMEM));
		goto out;
	}
	bench_printf(ctx, "  %-26s %8s %10s %10s %10s   (one pass on " BENCH_SIM_MODEL
		     ", simulated: the same every run)\n", "operation (sim)", "count",
		     "p50 us", "p99 us", "max us");
	for (i = 0; i < s.nr; i++) {
		struct sim_group *g = &s.g[i];
		struct bench_stats bs;
		char what[64];
		struct bench_result r = {
			.bench = "replay", .metric = "sim p50 " BENCH_SIM_MODEL, .unit = "ns",
			.csv_only = true,
		};

		bench_stats_compute(g->ns, g->n, &bs);
		/* "T1 sim A cma", as the wall table tags the heaps */
		snprintf(what, sizeof(what), "%s sim %c %s", tname, g->op,
			 strncmp(g->heap, "restricted_mtk_", 15) ? g->heap : g->heap + 15);
		r.case_name = what;
		r.value = bs.median;
		r.p99 = bs.p99;
		r.min = bs.min;
		bench_report(ctx, &r);
		bench_printf(ctx, "  %-26s %8zu %10.1f %10.1f %10.1f\n", what, g->n,
			     bs.median / 1e3, bs.p99 / 1e3, bs.max / 1e3);
	}
	bench_printf(ctx, "  %s simulated total %.1f ms:", tname, (double)res.sim_ns / 1e6);
	for (c = 0; c < RH_SIM_NR_COSTS; c++)
		if (st1.ns[c] > st0.ns[c] && res.sim_ns)
			bench_printf(ctx, " %s %.1f%%", rh_sim_cost_name(c),
				     100.0 * (double)(st1.ns[c] - st0.ns[c]) / (double)res.sim_ns);
	bench_printf(ctx, "\n");
	{
		char what[64];
		struct bench_result r = {
			.bench = "replay", .metric = "sim total " BENCH_SIM_MODEL, .unit = "ms",
			.value = (double)res.sim_ns / 1e6, .p99 = NAN, .min = NAN,
		};

		snprintf(what, sizeof(what), "%s sim", tname);
		r.case_name = what;
		bench_report(ctx, &r);
	}
out:
	for (i = 0; i < s.nr; i++)
		free(s.g[i].ns);
	rh_platform_unref(plat);
}
