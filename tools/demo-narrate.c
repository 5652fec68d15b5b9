// SPDX-License-Identifier: MIT
/* rheap-sim demo: narration and checks on the trace, the library's log, the trace sinks. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rheap/rheap.h>

#include "demo.h"

/* ------------------------------------------------------------------ narration */

void demo_emit(struct demo *d, const struct rh_trace_event *ev)
{
	rh_trace_emit(d->plat, ev);
}

void demo_phase_begin(struct demo *d, const char *title)
{
	rh_platform_get_sim_stats(d->plat, &d->sim_step);
	demo_emit(d, &(struct rh_trace_event){ RH_TRACE_PHASE_BEGIN, .name = title });
}

/* Most costs named after a step's simulated time. */
#define DEMO_SIM_TOP 3

/*
 * With a cost model, what the step would take on the phone and its biggest
 * costs: simulated time follows from the model and the seed alone, so the
 * line is the same every run (no wall time in the narration).
 */
static void sim_step_note(struct demo *d)
{
	struct rh_sim_stats now;
	bool used[RH_SIM_NR_COSTS] = { false };
	char total[32], part[32], line[200];
	unsigned int k, c, best;
	size_t len;

	if (rh_platform_get_sim_stats(d->plat, &now) || !now.enabled)
		return;
	len = (size_t)snprintf(line, sizeof(line), "simulated on %s: this step takes %s",
			       rh_cost_model_name(rh_platform_get_cost_model(d->plat)),
			       cli_duration_str(now.total_ns - d->sim_step.total_ns, total,
						sizeof(total)));
	for (k = 0; k < DEMO_SIM_TOP && len < sizeof(line); k++) {
		for (best = RH_SIM_NR_COSTS, c = 0; c < RH_SIM_NR_COSTS; c++)
			if (!used[c] && now.ns[c] > d->sim_step.ns[c] &&
			    (best == RH_SIM_NR_COSTS ||
			     now.ns[c] - d->sim_step.ns[c] > now.ns[best] - d->sim_step.ns[best]))
				best = c;
		if (best == RH_SIM_NR_COSTS)
			break;
		used[best] = true;
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s %s",
					k ? ", " : " (", rh_sim_cost_name(best),
					cli_duration_str(now.ns[best] - d->sim_step.ns[best], part,
							 sizeof(part)));
	}
	if (k && len < sizeof(line))
		snprintf(line + len, sizeof(line) - len, ")");
	demo_emit(d, &(struct rh_trace_event){ RH_TRACE_NOTE, .msg = line });
}

void demo_phase_end(struct demo *d, const char *title)
{
	sim_step_note(d);
	demo_emit(d, &(struct rh_trace_event){ RH_TRACE_PHASE_END, .name = title });
}

void demo_note(struct demo *d, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	demo_emit(d, &(struct rh_trace_event){ RH_TRACE_NOTE, .msg = msg });
}

/* Records a check; a failed one is narrated and reported on stderr at the end. */
bool demo_check(struct demo *d, bool ok, const char *fmt, ...)
{
	char msg[240];
	va_list ap;

	d->checks++;
	if (ok)
		return true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->failures++;
	if (!d->first_failure[0])
		snprintf(d->first_failure, sizeof(d->first_failure), "%s", msg);
	demo_note(d, "CHECK FAILED: %s", msg);
	fprintf(stderr, PROG " " CMD ": check failed: %s\n", msg);
	return false;
}

const char *demo_hex(const uint8_t *p, size_t n, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	return buf;
}

/* Library log lines become part of the story (the TA says why it refused). */
void demo_log(void *data, enum rh_log_level level, const char *msg)
{
	struct demo *d = data;
	bool secure = !strncmp(msg, "[secure] ", 9);
	char line[256];

	(void)level;
	if (!d->plat) {
		fprintf(stderr, PROG " " CMD ": %s\n", msg);
		return;
	}
	snprintf(line, sizeof(line), "log: %s", secure ? msg + 9 : msg);
	demo_emit(d, &(struct rh_trace_event){ RH_TRACE_NOTE,
					       .track = secure ? RH_TRACE_TRACK_TEE :
								 RH_TRACE_TRACK_NORMAL_WORLD,
					       .msg = line });
}

/* ------------------------------------------------------------------ sinks */

static void checker_event(void *priv, const struct rh_trace_event *ev)
{
	struct demo *d = priv;

	if ((unsigned int)ev->type < RH_TRACE_NR_TYPES)
		d->seen[ev->type]++;
}

static const struct rh_trace_sink_ops checker_ops = {
	.event = checker_event,
};

/*
 * Too many for a narration (two world switches a TEE call, attach/detach
 * around every map/unmap); --verbose shows them, --json and --trace keep all.
 */
#define DEMO_NOISY (RH_TRACE_MASK(RH_TRACE_WORLD_SWITCH) | RH_TRACE_MASK(RH_TRACE_TEE_INVOKE) | \
		    RH_TRACE_MASK(RH_TRACE_ATTACH) | RH_TRACE_MASK(RH_TRACE_DETACH) |	 \
		    RH_TRACE_MASK(RH_TRACE_UNMAP) | RH_TRACE_MASK(RH_TRACE_SIM_COST))

/* Runs inside rh_platform_new(): the sinks see boot itself. */
int demo_trace_setup(void *data, struct rh_platform *plat)
{
	struct demo *d = data;
	int id, ret;

	ret = rh_trace_add_sink(plat, &checker_ops, d, &id);
	if (ret)
		return ret;
	if (d->json) {
		ret = rh_trace_add_json_sink(plat, stdout, &id);
	} else if (!d->quiet) {
		bool color = tools_use_color(stdout, d->no_color);

		ret = rh_trace_add_text_sink(plat, stdout,
					     color ? RH_TRACE_TEXT_COLOR : 0, &id);
		if (!ret && !d->verbose)
			ret = rh_trace_set_sink_mask(plat, id, RH_TRACE_MASK_ALL & ~DEMO_NOISY);
	}
	if (ret)
		return ret;
	if (d->trace_file) {
		/* With a cost model the trace shows what the phone would take. */
		ret = d->sim.model ? rh_trace_add_chrome_sim_sink(plat, d->trace_file, &id) :
				     rh_trace_add_chrome_sink(plat, d->trace_file, &id);
		if (ret)
			return ret;
	}
	if (d->mermaid_file) {
		ret = rh_trace_add_mermaid_sink(plat, d->mermaid_file, &id);
		if (!ret && !d->verbose)
			ret = rh_trace_set_sink_mask(plat, id, RH_TRACE_MASK_ALL &
						     ~(RH_TRACE_MASK(RH_TRACE_WORLD_SWITCH) |
						       RH_TRACE_MASK(RH_TRACE_SIM_COST)));
		if (ret)
			return ret;
	}
	rh_trace_emit(plat, &(struct rh_trace_event){ RH_TRACE_PHASE_BEGIN,
						       .name = "1. Boot" });
	return 0;
}
