// SPDX-License-Identifier: MIT
/* bench-cost: what simulated time costs: a charge point without a model, and a run with one. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rheap/rheap.h>

#include "internal.h"
#include "trace/sim.h"

/*
 * Usage: bench-cost [--quick]
 *
 * Pairs, each side timed back to back in every repetition (interleaved, so
 * the machine's load hits both alike); the minimum and the median of the
 * REPS ratios are printed with the load average:
 *   charge point: a loop calling rh_sim_charge() on a platform without a
 *       model vs the same loop without the call (both load the platform
 *       pointer through a volatile, so neither is hoisted away);
 *   alloc+free: a 1 MiB restricted_mtk_cm buffer allocated and closed on a
 *       platform with the mt8188 model vs one without.
 * Then the model-off overhead of one alloc+free: the charge points it
 * passes (counted on the model's platform) times the cost of one, over the
 * operation's own time.
 */

#define REPS 9

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct pair {
	double a[REPS], b[REPS];
};

/* min and median of a/b, and the fastest of each side per iteration. */
static void report(const char *name, const char *a_name, const char *b_name,
		   const struct pair *p, double iters, double *ret_ratio_median,
		   double *ret_a_min)
{
	double ratio[REPS], amin = p->a[0], bmin = p->b[0];
	int i;

	for (i = 0; i < REPS; i++) {
		ratio[i] = p->a[i] / p->b[i];
		amin = p->a[i] < amin ? p->a[i] : amin;
		bmin = p->b[i] < bmin ? p->b[i] : bmin;
	}
	qsort(ratio, REPS, sizeof(ratio[0]), cmp_double);
	printf("%-13s %s %9.2f ns  %s %9.2f ns  ratio min %.4f median %.4f\n", name, a_name,
	       amin / iters, b_name, bmin / iters, ratio[0], ratio[REPS / 2]);
	if (ret_ratio_median)
		*ret_ratio_median = ratio[REPS / 2];
	if (ret_a_min)
		*ret_a_min = amin / iters;
}

/* The platform pointer goes through memory each iteration, as at a real call site. */
static struct rh_platform *volatile charge_plat;

static double loop_charge(long n)
{
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		rh_sim_charge(charge_plat, RH_SIM_PAGE_ALLOC, (uint64_t)i);
	return now_ns() - t0;
}

static double loop_empty(long n)
{
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++) {
		struct rh_platform *p = charge_plat;

		__asm__ volatile("" : : "r"(p), "r"(i));
	}
	return now_ns() - t0;
}

struct heap_side {
	struct rh_platform *plat;
	int heap;
};

static int side_open(struct heap_side *s, const struct rh_cost_model *model)
{
	RH_DEFINE_PLATFORM_INFO(info);
	int ret;

	info.cost_model = model;
	ret = rh_platform_new(&info, &s->plat);
	if (ret)
		return ret;
	s->heap = rh_open(s->plat, "/dev/dma_heap/restricted_mtk_cm", O_RDWR);
	return s->heap < 0 ? s->heap : 0;
}

static double loop_alloc_free(struct heap_side *s, long n)
{
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++) {
		struct rh_dma_heap_allocation_data d = { .len = 1 << 20, .fd_flags = O_RDWR };

		if (rh_ioctl(s->plat, s->heap, RH_DMA_HEAP_IOCTL_ALLOC, &d)) {
			fprintf(stderr, "bench-cost: allocation failed\n");
			exit(1);
		}
		rh_close(s->plat, (int)d.fd);
	}
	return now_ns() - t0;
}

int main(int argc, char **argv)
{
	bool quick = argc > 1 && !strcmp(argv[1], "--quick");
	long n_charge = quick ? 2000000 : 50000000, n_ops = quick ? 200 : 3000;
	struct rh_sim_stats st0, st1;
	struct heap_side off, on;
	struct rh_cost_model *m;
	double load[3] = { 0 }, charge_ns, empty_ns, op_ns, points, ratio;
	struct pair p;
	uint64_t c;
	int i;

	if (argc > 2 || (argc == 2 && !quick)) {
		fprintf(stderr, "usage: bench-cost [--quick]\n");
		return 2;
	}
	if (rh_cost_model_new("mt8188", &m) || side_open(&off, NULL) || side_open(&on, m)) {
		fprintf(stderr, "bench-cost: cannot build the platforms\n");
		return 1;
	}
	if (getloadavg(load, 3) < 0)
		load[0] = load[1] = load[2] = -1;
	printf("bench-cost: load average %.2f %.2f %.2f, %d repetitions%s\n", load[0], load[1],
	       load[2], REPS, quick ? " (quick)" : "");

	charge_plat = off.plat;
	loop_charge(n_charge / 10); /* warm up */
	for (i = 0; i < REPS; i++) {
		p.a[i] = loop_charge(n_charge);
		p.b[i] = loop_empty(n_charge);
	}
	report("charge point", "off", "empty", &p, (double)n_charge, NULL, &charge_ns);
	empty_ns = p.b[0];
	for (i = 1; i < REPS; i++)
		empty_ns = p.b[i] < empty_ns ? p.b[i] : empty_ns;
	empty_ns /= (double)n_charge;

	loop_alloc_free(&off, n_ops / 10);
	loop_alloc_free(&on, n_ops / 10);
	for (i = 0; i < REPS; i++) {
		p.a[i] = loop_alloc_free(&on, n_ops);
		p.b[i] = loop_alloc_free(&off, n_ops);
	}
	report("alloc+free", "model", "no model", &p, (double)n_ops, &ratio, NULL);
	op_ns = p.b[0];
	for (i = 1; i < REPS; i++)
		op_ns = p.b[i] < op_ns ? p.b[i] : op_ns;
	op_ns /= (double)n_ops;

	/*
	 * Charge points one alloc+free passes, at most: the charges the model
	 * counts (a CMA allocation or a firewall change counts its parts).
	 */
	rh_platform_get_sim_stats(on.plat, &st0);
	loop_alloc_free(&on, 1);
	rh_platform_get_sim_stats(on.plat, &st1);
	for (points = 0, c = 0; c < RH_SIM_NR_COSTS; c++)
		points += (double)(st1.count[c] - st0.count[c]);
	printf("model off: <= %.0f charge points per 1 MiB alloc+free x %.3f ns (%.3f over an empty "
	       "loop) = %.2f ns of %.0f ns (%.4f%%)\n", points, charge_ns, charge_ns - empty_ns,
	       points * (charge_ns - empty_ns > 0 ? charge_ns - empty_ns : 0), op_ns,
	       100.0 * points * (charge_ns - empty_ns > 0 ? charge_ns - empty_ns : 0) / op_ns);
	printf("model on:  alloc+free median ratio %.3f (simulated %.1f us of an mt8188 per op)\n",
	       ratio, (double)(st1.total_ns - st0.total_ns) / 1e3);

	rh_close(off.plat, off.heap);
	rh_close(on.plat, on.heap);
	rh_platform_unref(off.plat);
	rh_platform_unref(on.plat);
	rh_cost_model_free(m);
	return 0;
}
