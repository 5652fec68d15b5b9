// SPDX-License-Identifier: MIT
/* Simulated time on the command line: the model options, durations, frames and where time went. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/cost-model.h>
#include <rheap/platform.h>

#include "cli-sim.h"
#include "commands.h"

/* The longest deadline a frame may have: an hour. */
#define CLI_MAX_DURATION_NS (3600ull * 1000000000ull)
/* Misses listed one by one; the rest are only counted. */
#define CLI_MAX_LISTED_MISSES 16u

int cli_sim_option(const char *cmd, struct cli_sim *cs, int c, const char *arg)
{
	if (c == CLI_SIM_OPT_COST_MODEL) {
		if (!arg[0])
			return tools_usage_error(stderr, PROG, cmd, "--cost-model needs a name or a file");
		cs->model = arg;
		return 0;
	}
	if (tools_parse_u64(arg, 0, UINT64_MAX, &cs->seed))
		return tools_usage_error(stderr, PROG, cmd, "--seed: '%s' is not a number", arg);
	return 0;
}

int cli_sim_platform_new(const char *cmd, const char *dtb_path,
			 const struct rh_platform_info *info, const struct cli_sim *cs,
			 struct rh_platform **ret_plat)
{
	RH_DEFINE_PLATFORM_INFO(pi);
	const struct rh_platform_desc *desc;
	struct rh_cost_model *model;
	struct rh_platform *probe;
	char base[RH_NAME_LEN], err[512];
	int ret;

	if (!cs->model)
		return cli_platform_new(cmd, dtb_path, info, ret_plat);
	/*
	 * The device tree names the platform's model: boot once to read it,
	 * without the caller's hooks (its sinks would see two boots).
	 */
	ret = cli_platform_new(cmd, dtb_path, NULL, &probe);
	if (ret)
		return ret;
	desc = rh_platform_get_desc(probe);
	snprintf(base, sizeof(base), "%s", desc->cost_model);
	rh_platform_unref(probe);
	if (!strcmp(cs->model, "default")) {
		ret = rh_cost_model_load(base[0] ? base : "mt8188", NULL, &model, err, sizeof(err));
	} else {
		ret = rh_cost_model_load(cs->model, base, &model, err, sizeof(err));
	}
	if (ret == -ENOMEM)
		return tools_error(stderr, PROG, cmd, "out of memory loading the cost model");
	if (ret)
		return tools_usage_error(stderr, PROG, cmd, "--cost-model: %s", err);
	if (info)
		pi = *info;
	pi.cost_model = model;
	pi.cost_seed = cs->seed;
	ret = cli_platform_new(cmd, dtb_path, &pi, ret_plat);
	rh_cost_model_free(model);
	return ret;
}

int cli_parse_duration(const char *s, uint64_t *ret_ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1e6 } };
	char *end;
	double v;
	size_t i;

	if (!s || !s[0] || s[0] == '-' || s[0] == '+')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	/* v == v: not a NaN; the bound below refuses infinities. */
	if (errno || end == s || v != v)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		v = v * units[i].ns + 0.5;
		if (v < 1 || v > (double)CLI_MAX_DURATION_NS)
			return -EINVAL;
		*ret_ns = (uint64_t)v;
		return 0;
	}
	return -EINVAL;
}

const char *cli_duration_str(uint64_t ns, char *buf, size_t len)
{
	static const struct {
		uint64_t div;
		const char *unit;
	} units[] = { { 1000000000u, "s" }, { 1000000u, "ms" }, { 1000u, "us" } };
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ns >= units[i].div) {
			double v = (double)ns / (double)units[i].div;

			snprintf(buf, len, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v,
				 units[i].unit);
			return buf;
		}
	}
	snprintf(buf, len, "%" PRIu64 " ns", ns);
	return buf;
}

void cli_sim_print_breakdown(FILE *out, const struct rh_sim_stats *before,
			     const struct rh_sim_stats *after, const char *indent)
{
	uint64_t total = after->total_ns - before->total_ns;
	char d[32];
	unsigned int c;

	for (c = 0; c < RH_SIM_NR_COSTS; c++) {
		uint64_t ns = after->ns[c] - before->ns[c];
		uint64_t n = after->count[c] - before->count[c];

		if (!n)
			continue;
		fprintf(out, "%s%-17s %10s %5.1f%%  (%" PRIu64 " charge%s)\n", indent,
			rh_sim_cost_name(c), cli_duration_str(ns, d, sizeof(d)),
			total ? 100.0 * (double)ns / (double)total : 0.0, n, n == 1 ? "" : "s");
	}
}

void cli_sim_json_breakdown(struct tools_json *j, const struct rh_sim_stats *before,
			    const struct rh_sim_stats *after)
{
	unsigned int c;

	tools_json_object_begin(j);
	for (c = 0; c < RH_SIM_NR_COSTS; c++) {
		tools_json_key(j, rh_sim_cost_name(c));
		tools_json_object_begin(j);
		tools_json_kv_uint(j, "ns", after->ns[c] - before->ns[c]);
		tools_json_kv_uint(j, "count", after->count[c] - before->count[c]);
		tools_json_object_end(j);
	}
	tools_json_object_end(j);
}

/* ------------------------------------------------------------------ frames */

void cli_frames_init(struct cli_frames *f, uint64_t deadline_ns)
{
	memset(f, 0, sizeof(*f));
	f->deadline_ns = deadline_ns;
}

void cli_frames_add(struct cli_frames *f, const struct rh_replay_op_result *res)
{
	uint64_t start_us;
	struct cli_frame *fr;

	if (res->ev->op == RH_REPLAY_OP_MARK || res->skipped || f->oom)
		return;
	/* Windows of one deadline from t = 0; events come in trace order. */
	start_us = res->ev->t_us * 1000u / f->deadline_ns * f->deadline_ns / 1000u;
	if (!f->nr || f->frame[f->nr - 1].start_us != start_us) {
		if (f->nr == f->cap) {
			size_t cap = f->cap ? 2 * f->cap : 64;
			struct cli_frame *n = realloc(f->frame, cap * sizeof(*n));

			if (!n) {
				f->oom = true;
				return;
			}
			f->frame = n;
			f->cap = cap;
		}
		f->frame[f->nr++] = (struct cli_frame){ .start_us = start_us };
	}
	fr = &f->frame[f->nr - 1];
	fr->wall_ns += res->latency_ns;
	fr->sim_ns += res->sim_ns;
	fr->ops++;
}

void cli_frames_free(struct cli_frames *f)
{
	free(f->frame);
	f->frame = NULL;
	f->nr = f->cap = 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* p50, p99 and max of one field of the frames (nearest rank). */
struct frame_pcts {
	uint64_t p50, p99, max, misses;
};

static struct frame_pcts frame_pcts(const struct cli_frames *f, bool sim)
{
	struct frame_pcts p = { 0 };
	uint64_t *v;
	size_t i;

	if (!f->nr)
		return p;
	v = malloc(f->nr * sizeof(*v));
	if (!v)
		return p;
	for (i = 0; i < f->nr; i++) {
		v[i] = sim ? f->frame[i].sim_ns : f->frame[i].wall_ns;
		p.misses += v[i] > f->deadline_ns;
	}
	qsort(v, f->nr, sizeof(*v), cmp_u64);
	p.p50 = v[(f->nr * 500 + 999) / 1000 - 1];
	p.p99 = v[(f->nr * 990 + 999) / 1000 - 1];
	p.max = v[f->nr - 1];
	free(v);
	return p;
}

void cli_frames_print(FILE *out, const struct cli_frames *f, bool sim)
{
	struct frame_pcts w = frame_pcts(f, false), s = frame_pcts(f, true);
	char a[32], b[32], c[32], d[32];
	unsigned int listed = 0;
	size_t i;

	fprintf(out, "\nFrames: %zu with work, deadline %s each (the trace's time in windows of one deadline)\n",
		f->nr, cli_duration_str(f->deadline_ns, d, sizeof(d)));
	if (!f->nr)
		return;
	fprintf(out, "  wall       per frame p50 %s, p99 %s, max %s; %" PRIu64 " over the deadline\n",
		cli_duration_str(w.p50, a, sizeof(a)), cli_duration_str(w.p99, b, sizeof(b)),
		cli_duration_str(w.max, c, sizeof(c)), w.misses);
	if (!sim)
		return;
	fprintf(out, "  simulated  per frame p50 %s, p99 %s, max %s; %" PRIu64 " over the deadline\n",
		cli_duration_str(s.p50, a, sizeof(a)), cli_duration_str(s.p99, b, sizeof(b)),
		cli_duration_str(s.max, c, sizeof(c)), s.misses);
	for (i = 0; i < f->nr && listed < CLI_MAX_LISTED_MISSES; i++) {
		if (f->frame[i].sim_ns <= f->deadline_ns)
			continue;
		fprintf(out, "    missed: frame at %.3f s: %s simulated in %u operation%s\n",
			(double)f->frame[i].start_us / 1e6,
			cli_duration_str(f->frame[i].sim_ns, a, sizeof(a)), f->frame[i].ops,
			f->frame[i].ops == 1 ? "" : "s");
		listed++;
	}
	if (s.misses > listed)
		fprintf(out, "    ... and %" PRIu64 " more\n", s.misses - listed);
}

void cli_frames_json(struct tools_json *j, const struct cli_frames *f, bool sim)
{
	struct frame_pcts w = frame_pcts(f, false), s = frame_pcts(f, true);
	size_t i;

	tools_json_kv_uint(j, "deadline_ns", f->deadline_ns);
	tools_json_kv_uint(j, "frames", f->nr);
	tools_json_kv_uint(j, "frame_ns_p50", w.p50);
	tools_json_kv_uint(j, "frame_ns_p99", w.p99);
	tools_json_kv_uint(j, "frame_ns_max", w.max);
	tools_json_kv_uint(j, "deadline_misses", w.misses);
	if (!sim)
		return;
	tools_json_kv_uint(j, "sim_frame_ns_p50", s.p50);
	tools_json_kv_uint(j, "sim_frame_ns_p99", s.p99);
	tools_json_kv_uint(j, "sim_frame_ns_max", s.max);
	tools_json_kv_uint(j, "sim_deadline_misses", s.misses);
	tools_json_key(j, "sim_missed_frames");
	tools_json_array_begin(j);
	for (i = 0; i < f->nr; i++) {
		if (f->frame[i].sim_ns <= f->deadline_ns)
			continue;
		tools_json_object_begin(j);
		tools_json_kv_uint(j, "start_us", f->frame[i].start_us);
		tools_json_kv_uint(j, "sim_ns", f->frame[i].sim_ns);
		tools_json_kv_uint(j, "ops", f->frame[i].ops);
		tools_json_object_end(j);
	}
	tools_json_array_end(j);
}
