// SPDX-License-Identifier: MIT
/* rheap-sim replay: run an allocation trace against the heaps, report latencies, peaks, failures. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/cost-model.h>
#include <rheap/dma-heap.h>
#include <rheap/heaps/restricted-mtk.h>
#include <rheap/replay.h>
#include <rheap/trace.h>
#include <rheap/tee-heap.h>

#include "cli-sim.h"
#include "commands.h"

#define CMD "replay"
/* Failures listed one by one; the rest are only counted. */
#define REPLAY_MAX_LISTED 32u

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " " CMD " TRACE.csv [--timed] [--json] [--platform NAME|FILE]\n"
		"       [--cost-model M [--seed N]] [--deadline D] [--trace FILE]\n"
		"\n"
		"Replay an allocation trace (CSV: t_us,op,heap,size,id,attrs; see\n"
		"rheap-sim(1)) against the platform's heaps through the fd layer, with a\n"
		"progress bar on a terminal, then print latency percentiles per op and\n"
		"heap, peak usage, and the failures: expected (expect=ENOMEM) or not.\n"
		"Exits 1 when an operation failed unexpectedly, or an expected failure\n"
		"did not happen. With a cost model, every figure also comes as what the\n"
		"modelled phone would take (simulated time, 'sim' in the output).\n"
		"On a board with the TEE's protected heaps instead of\n"
		"MediaTek's (optee-protmem), rows of the restricted_mtk_* heaps allocate\n"
		"from the protected heap of their role (bitstream, frame, working:\n"
		"protected,secure-video).\n"
		"\n"
		"  --timed               wait for each row's t_us (real time) instead of\n"
		"                        running as fast as possible\n"
		"  --json                one JSON document on stdout\n"
		CLI_PLATFORM_HELP
		CLI_SIM_USAGE
		"  --deadline D          frame deadline (16.6ms: 60 fps); a frame is a\n"
		"                        window of one deadline of trace time with\n"
		"                        allocations or frees\n"
		"  --trace FILE          write a Chrome trace (Perfetto) of the run, on\n"
		"                        the simulated clock when there is a cost model\n"
		"  --help                this text\n");
}

/* Latencies of one (op, heap) pair. */
struct lat_group {
	char op;
	const char *heap;
	uint64_t *ns;
	uint64_t *sim; /* simulated time of the same operations, sorted apart */
	size_t nr, cap;
};

struct heap_peak {
	const char *heap;
	uint64_t live, peak;
};

struct failure {
	const struct rh_replay_event *ev;
	int err;
	bool expected;
};

struct replay_run {
	struct lat_group groups[2 * RH_DMA_HEAP_MAX];
	unsigned int nr_groups;
	struct heap_peak heaps[RH_DMA_HEAP_MAX];
	unsigned int nr_heaps;
	struct failure failures[REPLAY_MAX_LISTED];
	unsigned int nr_failures;
	uint64_t failures_not_listed;
	struct tools_progress progress;
	struct cli_frames frames;
	bool oom;
};

static struct lat_group *group_of(struct replay_run *r, char op, const char *heap)
{
	unsigned int i;

	for (i = 0; i < r->nr_groups; i++)
		if (r->groups[i].op == op && !strcmp(r->groups[i].heap, heap))
			return &r->groups[i];
	if (r->nr_groups == sizeof(r->groups) / sizeof(r->groups[0]))
		return NULL;
	r->groups[r->nr_groups].op = op;
	r->groups[r->nr_groups].heap = heap;
	return &r->groups[r->nr_groups++];
}

static struct heap_peak *peak_of(struct replay_run *r, const char *heap)
{
	unsigned int i;

	for (i = 0; i < r->nr_heaps; i++)
		if (!strcmp(r->heaps[i].heap, heap))
			return &r->heaps[i];
	if (r->nr_heaps == sizeof(r->heaps) / sizeof(r->heaps[0]))
		return NULL;
	r->heaps[r->nr_heaps].heap = heap;
	return &r->heaps[r->nr_heaps++];
}

static void on_op(void *data, const struct rh_replay_op_result *res)
{
	struct replay_run *r = data;
	const struct rh_replay_event *ev = res->ev;
	struct lat_group *g;
	struct heap_peak *hp;

	tools_progress_update(&r->progress, res->index + 1);
	cli_frames_add(&r->frames, res);
	if (ev->op == RH_REPLAY_OP_MARK || res->skipped)
		return;
	if (res->err || !res->expected) {
		if (r->nr_failures < REPLAY_MAX_LISTED) {
			r->failures[r->nr_failures].ev = ev;
			r->failures[r->nr_failures].err = res->err;
			r->failures[r->nr_failures].expected = res->expected;
			r->nr_failures++;
		} else {
			r->failures_not_listed++;
		}
	}
	/* Latency of what succeeded: a failure's cost is another question. */
	if (!res->err) {
		g = group_of(r, (char)ev->op, res->heap);
		if (g) {
			if (g->nr == g->cap) {
				size_t cap = g->cap ? 2 * g->cap : 64;
				uint64_t *ns = realloc(g->ns, cap * sizeof(*ns));

				if (!ns) {
					r->oom = true;
					return;
				}
				g->ns = ns;
				ns = realloc(g->sim, cap * sizeof(*ns));
				if (!ns) {
					r->oom = true;
					return;
				}
				g->sim = ns;
				g->cap = cap;
			}
			g->sim[g->nr] = res->sim_ns;
			g->ns[g->nr++] = res->latency_ns;
		}
		hp = peak_of(r, res->heap);
		if (hp) {
			if (ev->op == RH_REPLAY_OP_ALLOC)
				hp->live += res->bytes;
			else
				hp->live -= res->bytes;
			if (hp->live > hp->peak)
				hp->peak = hp->live;
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted @ns; @per_mille 500 = p50, 999 = p99.9. */
static uint64_t percentile(const uint64_t *ns, size_t nr, unsigned int per_mille)
{
	size_t rank = (nr * per_mille + 999) / 1000;

	return ns[rank ? rank - 1 : 0];
}

static const unsigned int pct_pm[] = { 500, 900, 990, 999 };
static const char *const pct_key[] = { "p50_ns", "p90_ns", "p99_ns", "p99_9_ns" };
static const char *const sim_pct_key[] = { "sim_p50_ns", "sim_p90_ns", "sim_p99_ns",
					   "sim_p99_9_ns" };

/* What the simulated clock says, around one run. */
struct replay_sim {
	const struct rh_cost_model *model; /* NULL: no simulated time */
	uint64_t seed;
	struct rh_sim_stats sim_before, sim_after;
};

/* The percentile table of every (op, heap) group: wall latencies, or simulated ones. */
static void print_lat_table(struct replay_run *r, bool sim)
{
	unsigned int i, k;

	printf("%-2s %-22s %7s %10s %10s %10s %10s %10s\n", "op", "heap", "count",
	       sim ? "sim p50 us" : "p50 us", "p90 us", "p99 us", "p99.9 us", "max us");
	for (i = 0; i < r->nr_groups; i++) {
		struct lat_group *g = &r->groups[i];
		const uint64_t *v = sim ? g->sim : g->ns;

		if (!g->nr)
			continue;
		printf("%-2c %-22s %7zu", g->op, g->heap, g->nr);
		for (k = 0; k < 4; k++)
			printf(" %10.1f", (double)percentile(v, g->nr, pct_pm[k]) / 1e3);
		printf(" %10.1f\n", (double)v[g->nr - 1] / 1e3);
	}
}

static void print_sim_text(struct replay_run *r, const struct rh_replay_result *res,
			   const struct replay_sim *sim)
{
	char d[32];

	printf("\nSimulated on %s (seed 0x%" PRIx64 "): %s for the whole trace\n",
	       rh_cost_model_name(sim->model), sim->seed,
	       cli_duration_str(res->sim_ns, d, sizeof(d)));
	print_lat_table(r, true);
	printf("Where the simulated time went (%s of it in the secure world):\n",
	       cli_duration_str(sim->sim_after.secure_ns - sim->sim_before.secure_ns, d,
				sizeof(d)));
	cli_sim_print_breakdown(stdout, &sim->sim_before, &sim->sim_after, "  ");
}

static void print_text(struct replay_run *r, const char *path,
		       const struct rh_replay_trace *trace,
		       const struct rh_replay_result *res, bool timed,
		       const struct rh_platform_stats *ps, struct rh_platform *plat,
		       const struct replay_sim *sim)
{
	size_t n = rh_replay_trace_count(trace), nr_free = 0, e;
	const struct rh_replay_event *last = n ? rh_replay_trace_event(trace, n - 1) : NULL;
	char sz[32], ebuf[16];
	unsigned int i;

	for (e = 0; e < n; e++)
		nr_free += rh_replay_trace_event(trace, e)->op == RH_REPLAY_OP_FREE;
	printf("Trace %s: %zu events (%" PRIu64 " A, %zu F, %" PRIu64
	       " M) over %.3f s of trace time\n", path, n, res->allocs, nr_free,
	       res->marks, last ? (double)last->t_us / 1e6 : 0.0);
	printf("Replayed %s in %.3f ms\n\n", timed ? "in real time" : "as fast as possible",
	       (double)res->elapsed_ns / 1e6);

	print_lat_table(r, false);
	if (sim->sim_after.enabled)
		print_sim_text(r, res, sim);
	cli_frames_print(stdout, &r->frames, sim->sim_after.enabled);

	printf("\nPeak: %s live in %" PRIu64 " buffer%s (%" PRIu64 " bytes)\n",
	       cli_size_str(res->peak_bytes, sz, sizeof(sz)), res->peak_count,
	       res->peak_count == 1 ? "" : "s", res->peak_bytes);
	for (i = 0; i < r->nr_heaps; i++)
		printf("  %-22s peak %" PRIu64 " bytes\n", r->heaps[i].heap, r->heaps[i].peak);
	for (i = 0; i < r->nr_heaps; i++) {
		struct rh_restricted_mtk_stats ms;

		if (rh_restricted_mtk_get_stats(plat, r->heaps[i].heap, &ms) || !ms.has_cma)
			continue;
		printf("  %-22s region lent to the TEE %" PRIu64 " time%s, given back %" PRIu64 "\n",
		       r->heaps[i].heap, ms.cma_allocs, ms.cma_allocs == 1 ? "" : "s",
		       ms.cma_releases);
	}
	for (i = 0; i < r->nr_heaps; i++) {
		struct rh_tee_heap_stats ts;

		if (rh_tee_heap_get_stats(plat, r->heaps[i].heap, &ts) || !ts.dynamic)
			continue;
		printf("  %-22s chunk lent to the TEE %" PRIu64 " time%s (LEND_PROTMEM), reclaimed "
		       "%" PRIu64 "\n", r->heaps[i].heap, ts.lends, ts.lends == 1 ? "" : "s",
		       ts.reclaims);
	}
	printf("Platform: %" PRIu64 " world switches, firewall: %" PRIu64 " programs, %" PRIu64
	       " clears, %" PRIu64 " violations\n", ps->world_switches, ps->firewall_programs,
	       ps->firewall_clears, ps->violations);

	printf("\nFailures: %" PRIu64 " expected, %" PRIu64 " unexpected", res->expected_failures,
	       res->unexpected_failures);
	if (res->unexpected_successes)
		printf(", %" PRIu64 " expected failure%s that did not happen",
		       res->unexpected_successes, res->unexpected_successes == 1 ? "" : "s");
	if (res->frees_skipped)
		printf(", %" PRIu64 " free%s skipped (allocation had failed)", res->frees_skipped,
		       res->frees_skipped == 1 ? "" : "s");
	putchar('\n');
	for (i = 0; i < r->nr_failures; i++) {
		const struct failure *f = &r->failures[i];

		printf("  line %u: %c %s %" PRIu64 " %s: %s, %s\n", f->ev->line, (char)f->ev->op,
		       f->ev->heap, f->ev->size, f->ev->id,
		       f->err ? cli_errno_name(f->err, ebuf, sizeof(ebuf)) : "succeeded",
		       f->expected ? "expected" : "UNEXPECTED");
	}
	if (r->failures_not_listed)
		printf("  ... and %" PRIu64 " more\n", r->failures_not_listed);
	if (res->leftover)
		printf("%" PRIu64 " buffer%s never freed by the trace (closed at the end)\n",
		       res->leftover, res->leftover == 1 ? "" : "s");
}

static int print_json(struct replay_run *r, const char *path,
		      const struct rh_replay_trace *trace,
		      const struct rh_replay_result *res, bool timed,
		      const struct rh_platform_stats *ps, struct rh_platform *plat,
		      const struct replay_sim *sim)
{
	struct tools_json j;
	char ebuf[16];
	unsigned int i, k;

	tools_json_init(&j, stdout);
	tools_json_object_begin(&j);
	tools_json_kv_string(&j, "trace", path);
	tools_json_kv_uint(&j, "events", rh_replay_trace_count(trace));
	tools_json_kv_bool(&j, "timed", timed);
	tools_json_kv_uint(&j, "elapsed_ns", res->elapsed_ns);
	tools_json_kv_uint(&j, "allocs", res->allocs);
	tools_json_kv_uint(&j, "frees", res->frees);
	tools_json_kv_uint(&j, "frees_skipped", res->frees_skipped);
	tools_json_kv_uint(&j, "marks", res->marks);
	tools_json_key(&j, "latency");
	tools_json_array_begin(&j);
	for (i = 0; i < r->nr_groups; i++) {
		struct lat_group *g = &r->groups[i];
		char op[2] = { g->op, '\0' };

		if (!g->nr)
			continue;
		tools_json_object_begin(&j);
		tools_json_kv_string(&j, "op", op);
		tools_json_kv_string(&j, "heap", g->heap);
		tools_json_kv_uint(&j, "count", g->nr);
		for (k = 0; k < 4; k++)
			tools_json_kv_uint(&j, pct_key[k], percentile(g->ns, g->nr, pct_pm[k]));
		tools_json_kv_uint(&j, "max_ns", g->ns[g->nr - 1]);
		if (sim->model) {
			for (k = 0; k < 4; k++)
				tools_json_kv_uint(&j, sim_pct_key[k],
						   percentile(g->sim, g->nr, pct_pm[k]));
			tools_json_kv_uint(&j, "sim_max_ns", g->sim[g->nr - 1]);
		}
		tools_json_object_end(&j);
	}
	tools_json_array_end(&j);
	tools_json_kv_uint(&j, "peak_bytes", res->peak_bytes);
	tools_json_kv_uint(&j, "peak_count", res->peak_count);
	tools_json_key(&j, "heaps");
	tools_json_array_begin(&j);
	for (i = 0; i < r->nr_heaps; i++) {
		struct rh_restricted_mtk_stats ms;
		struct rh_tee_heap_stats ts;

		tools_json_object_begin(&j);
		tools_json_kv_string(&j, "heap", r->heaps[i].heap);
		tools_json_kv_uint(&j, "peak_bytes", r->heaps[i].peak);
		if (!rh_restricted_mtk_get_stats(plat, r->heaps[i].heap, &ms) && ms.has_cma) {
			tools_json_kv_uint(&j, "region_lends", ms.cma_allocs);
			tools_json_kv_uint(&j, "region_releases", ms.cma_releases);
		}
		if (!rh_tee_heap_get_stats(plat, r->heaps[i].heap, &ts) && ts.dynamic) {
			tools_json_kv_uint(&j, "region_lends", ts.lends);
			tools_json_kv_uint(&j, "region_releases", ts.reclaims);
		}
		tools_json_object_end(&j);
	}
	tools_json_array_end(&j);
	tools_json_kv_uint(&j, "expected_failures", res->expected_failures);
	tools_json_kv_uint(&j, "unexpected_failures", res->unexpected_failures);
	tools_json_kv_uint(&j, "unexpected_successes", res->unexpected_successes);
	tools_json_kv_uint(&j, "leftover", res->leftover);
	tools_json_key(&j, "failures");
	tools_json_array_begin(&j);
	for (i = 0; i < r->nr_failures; i++) {
		const struct failure *f = &r->failures[i];
		char op[2] = { (char)f->ev->op, '\0' };

		tools_json_object_begin(&j);
		tools_json_kv_uint(&j, "line", f->ev->line);
		tools_json_kv_string(&j, "op", op);
		tools_json_kv_string(&j, "heap", f->ev->heap);
		tools_json_kv_string(&j, "id", f->ev->id);
		tools_json_kv_uint(&j, "size", f->ev->size);
		tools_json_key(&j, "errno");
		if (f->err)
			tools_json_string(&j, cli_errno_name(f->err, ebuf, sizeof(ebuf)));
		else
			tools_json_null(&j);
		tools_json_kv_bool(&j, "expected", f->expected);
		tools_json_object_end(&j);
	}
	tools_json_array_end(&j);
	tools_json_kv_uint(&j, "failures_not_listed", r->failures_not_listed);
	tools_json_key(&j, "platform");
	tools_json_object_begin(&j);
	tools_json_kv_uint(&j, "world_switches", ps->world_switches);
	tools_json_kv_uint(&j, "firewall_programs", ps->firewall_programs);
	tools_json_kv_uint(&j, "firewall_clears", ps->firewall_clears);
	tools_json_kv_uint(&j, "violations", ps->violations);
	tools_json_object_end(&j);
	cli_frames_json(&j, &r->frames, sim->model);
	if (sim->model) {
		tools_json_kv_string(&j, "cost_model", rh_cost_model_name(sim->model));
		tools_json_kv_uint(&j, "seed", sim->seed);
		tools_json_kv_uint(&j, "sim_total_ns", res->sim_ns);
		tools_json_kv_uint(&j, "sim_secure_ns",
				   sim->sim_after.secure_ns - sim->sim_before.secure_ns);
		tools_json_key(&j, "sim_breakdown");
		cli_sim_json_breakdown(&j, &sim->sim_before, &sim->sim_after);
	}
	tools_json_object_end(&j);
	if (tools_json_finish(&j))
		return tools_error(stderr, PROG, CMD, "writing the JSON output failed");
	putchar('\n');
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timed", no_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "platform", required_argument, NULL, 'd' },
		{ "dtb", required_argument, NULL, 'd' },
		{ "cost-model", required_argument, NULL, CLI_SIM_OPT_COST_MODEL },
		{ "seed", required_argument, NULL, CLI_SIM_OPT_SEED },
		{ "deadline", required_argument, NULL, 'D' },
		{ "trace", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rh_replay_options ro = { 0 };
	struct rh_replay_trace *trace;
	struct rh_replay_result res;
	struct rh_platform_stats ps;
	struct rh_platform *plat;
	const char *dtb_path = NULL, *path, *trace_path = NULL;
	struct cli_sim cs = { .seed = RH_COST_DEFAULT_SEED };
	uint64_t deadline_ns = 16600000; /* 60 fps */
	struct replay_sim sim = { 0 };
	FILE *trace_file = NULL;
	int trace_id = -1;
	bool timed = false, json = false;
	struct replay_run *r;
	char err[512];
	unsigned int i;
	int c, ret;

	while ((c = getopt_long(argc, argv, ":tjd:D:T:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			timed = true;
			break;
		case 'j':
			json = true;
			break;
		case 'd':
			dtb_path = optarg;
			break;
		case CLI_SIM_OPT_COST_MODEL:
		case CLI_SIM_OPT_SEED:
			if (cli_sim_option(CMD, &cs, c, optarg))
				return TOOLS_EXIT_USAGE;
			break;
		case 'D':
			if (cli_parse_duration(optarg, &deadline_ns))
				return tools_usage_error(stderr, PROG, CMD,
							 "--deadline: '%s' is not a duration such as 16.6ms",
							 optarg);
			break;
		case 'T':
			trace_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_option_error(CMD, argv, c);
		}
	}
	if (optind >= argc)
		return tools_usage_error(stderr, PROG, CMD, "needs a TRACE.csv (see --help)");
	path = argv[optind++];
	if (optind < argc)
		return cli_extra_args(CMD, argc, argv);

	ret = rh_replay_parse_file(path, &trace, err, sizeof(err));
	if (ret == -ENOMEM)
		return tools_error(stderr, PROG, CMD, "out of memory reading %s", path);
	if (ret)
		return tools_usage_error(stderr, PROG, CMD, "%s: %s", path, err);
	ret = cli_sim_platform_new(CMD, dtb_path, NULL, &cs, &plat);
	if (ret)
		goto out_free_trace;
	sim.model = rh_platform_get_cost_model(plat);
	sim.seed = cs.seed;
	if (trace_path) {
		trace_file = fopen(trace_path, "w");
		if (!trace_file) {
			ret = tools_usage_error(stderr, PROG, CMD, "--trace: cannot write %s: %s",
						trace_path, strerror(errno));
			goto out_unref;
		}
		ret = sim.model ? rh_trace_add_chrome_sim_sink(plat, trace_file, &trace_id) :
				  rh_trace_add_chrome_sink(plat, trace_file, &trace_id);
		if (ret) {
			ret = tools_error(stderr, PROG, CMD, "cannot trace: %s", strerror(-ret));
			goto out_unref;
		}
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		ret = tools_error(stderr, PROG, CMD, "out of memory");
		goto out_unref;
	}
	tools_progress_init(&r->progress, stderr, "replay", rh_replay_trace_count(trace));
	cli_frames_init(&r->frames, deadline_ns);
	rh_platform_get_sim_stats(plat, &sim.sim_before);
	ro.timed = timed;
	ro.on_op = on_op;
	ro.data = r;
	ro.errbuf = err;
	ro.errlen = sizeof(err);
	/* A trace of the MediaTek heaps on the protected heaps' board: by role. */
	if (cli_protmem_board(plat))
		ro.map_heap = rh_tee_heap_replay_map;
	ret = rh_replay_run(plat, trace, &ro, &res);
	tools_progress_finish(&r->progress);
	rh_platform_get_sim_stats(plat, &sim.sim_after);
	if (ret == -ENOENT) {
		ret = tools_usage_error(stderr, PROG, CMD, "%s: %s", path, err);
		goto out_free_run;
	}
	if (ret) {
		ret = tools_error(stderr, PROG, CMD, "replay failed: %s", strerror(-ret));
		goto out_free_run;
	}
	if (r->oom || r->frames.oom) {
		ret = tools_error(stderr, PROG, CMD, "out of memory recording latencies");
		goto out_free_run;
	}
	for (i = 0; i < r->nr_groups; i++) {
		qsort(r->groups[i].ns, r->groups[i].nr, sizeof(uint64_t), cmp_u64);
		qsort(r->groups[i].sim, r->groups[i].nr, sizeof(uint64_t), cmp_u64);
	}
	rh_platform_get_stats(plat, &ps);
	if (json)
		ret = print_json(r, path, trace, &res, timed, &ps, plat, &sim);
	else
		print_text(r, path, trace, &res, timed, &ps, plat, &sim);
	if (!ret && res.unexpected_failures)
		ret = tools_error(stderr, PROG, CMD, "%" PRIu64 " operation%s failed unexpectedly",
				  res.unexpected_failures,
				  res.unexpected_failures == 1 ? "" : "s");
	else if (!ret && res.unexpected_successes)
		ret = tools_error(stderr, PROG, CMD, "%" PRIu64 " expected failure%s did not happen",
				  res.unexpected_successes,
				  res.unexpected_successes == 1 ? "" : "s");
out_free_run:
	for (i = 0; i < r->nr_groups; i++) {
		free(r->groups[i].ns);
		free(r->groups[i].sim);
	}
	cli_frames_free(&r->frames);
	free(r);
out_unref:
	if (trace_id >= 0 && rh_trace_remove_sink(plat, trace_id) && !ret)
		ret = tools_error(stderr, PROG, CMD, "writing %s failed", trace_path);
	if (trace_file && fclose(trace_file) && !ret)
		ret = tools_error(stderr, PROG, CMD, "writing %s failed", trace_path);
	rh_platform_unref(plat);
out_free_trace:
	rh_replay_trace_free(trace);
	if (!ret && fflush(stdout))
		ret = TOOLS_EXIT_FAILURE;
	return ret;
}
