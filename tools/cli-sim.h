/* SPDX-License-Identifier: MIT */
/* Simulated time on the command line: --cost-model/--seed, durations, where the time went. */
#ifndef RH_TOOLS_CLI_SIM_H
#define RH_TOOLS_CLI_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rheap/cost-model.h>
#include <rheap/platform.h>
#include <rheap/replay.h>

#include "tools-common.h"

/* Options of the subcommands that run on simulated time. */
#define CLI_SIM_OPT_COST_MODEL 0x1001
#define CLI_SIM_OPT_SEED 0x1002
#define CLI_SIM_USAGE \
	"  --cost-model M        run on simulated time: a built-in model (mt8188,\n" \
	"                        a53-little, qemu-optee), 'default' (the\n" \
	"                        platform's own) or a FILE.cost whose keys\n" \
	"                        override the platform's model\n" \
	"  --seed N              seed of the model's random CMA tail (0x5eed)\n"

/* struct cli_sim - what the user asked for: no model while @model is NULL */
struct cli_sim {
	const char *model;
	uint64_t seed;
};

/*
 * cli_sim_option() - handle CLI_SIM_OPT_* from getopt_long() (@c) with
 * @arg; returns 0, or TOOLS_EXIT_USAGE with the message printed.
 */
int cli_sim_option(const char *cmd, struct cli_sim *cs, int c, const char *arg);

/*
 * cli_sim_platform_new() - cli_platform_new() with @cs's model: the
 * platform's default one (its device tree's rheap-sim,cost-model) is what
 * 'default' and a model file start from. A model that cannot be loaded is
 * a bad argument (one line). Returns as cli_platform_new().
 */
int cli_sim_platform_new(const char *cmd, const char *dtb_path,
			 const struct rh_platform_info *info, const struct cli_sim *cs,
			 struct rh_platform **ret_plat);

/*
 * cli_parse_duration() - "16.6ms", "16600us", "0.5s", "250000ns"; a bare
 * number is milliseconds. Returns 0 or -EINVAL (also for 0 and above an hour).
 */
int cli_parse_duration(const char *s, uint64_t *ret_ns);

/* "850 ns", "3.30 us", "18.5 ms", "1.25 s" into @buf */
const char *cli_duration_str(uint64_t ns, char *buf, size_t len);

/*
 * Where the simulated time went between @before and @after (same
 * platform): text lines under @indent, or a JSON object {cost: {ns, count}}.
 */
void cli_sim_print_breakdown(FILE *out, const struct rh_sim_stats *before,
			     const struct rh_sim_stats *after, const char *indent);
void cli_sim_json_breakdown(struct tools_json *j, const struct rh_sim_stats *before,
			    const struct rh_sim_stats *after);

/*
 * Frames of a replay: the trace's time cut into windows of one deadline;
 * a frame is a window in which at least one buffer was allocated or freed,
 * and its time is what those operations took (wall and simulated).
 */
struct cli_frame {
	uint64_t start_us; /* the window's start in trace time */
	uint64_t wall_ns;
	uint64_t sim_ns;
	unsigned int ops;
};

struct cli_frames {
	uint64_t deadline_ns;
	struct cli_frame *frame;
	size_t nr, cap;
	bool oom;
};

void cli_frames_init(struct cli_frames *f, uint64_t deadline_ns);
void cli_frames_add(struct cli_frames *f, const struct rh_replay_op_result *res);
void cli_frames_free(struct cli_frames *f);
/* Text report: counts, percentiles, misses (the simulated ones when @sim). */
void cli_frames_print(FILE *out, const struct cli_frames *f, bool sim);
/* JSON keys "frames", "deadline_ns", "frame_ns_*", "deadline_misses" and, with @sim, "sim_*". */
void cli_frames_json(struct tools_json *j, const struct cli_frames *f, bool sim);

#endif /* RH_TOOLS_CLI_SIM_H */
