// SPDX-License-Identifier: MIT
/* rheap-bench: one program, one subcommand per benchmark, shared options and output. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

struct bench_cmd {
	const char *name;
	const char *help;
	int (*main)(struct bench_ctx *ctx, int argc, char **argv);
};

/* One line per benchmark, in the order of docs/performance.md. */
static const struct bench_cmd cmds[] = {
	{ "alloc",
	  "1: alloc+free per heap and size (C API, fd layer) vs malloc+memset(0)+free",
	  bench_alloc_main },
	{ "tee",
	  "2: TEE round trips (no-op invoke, secmem commands) vs call + memcpy",
	  bench_tee_main },
	{ "sgdup",
	  "3: rh_sg_dup_table 1/16/256/4096 entries vs malloc+memcpy+free",
	  bench_sgdup_main },
	{ "fragmentation",
	  "4: secmem chunk allocator vs tlsf-off and genalloc-ff (W1, W2, WR)",
	  bench_fragmentation_main },
	{ "replay",
	  "5: secure-playback traces T1-T5 (bench/traces): latency, TEE calls, firewall, peak",
	  bench_replay_main },
	{ "scaling",
	  "6: 1 vs 2 threads (2 platforms, 1 shared heap); 100000 vs 100 live buffers",
	  bench_scaling_main },
	{ "startup",
	  "7: platform create+destroy (default DTB) vs memfd + 2 mappings",
	  bench_startup_main },
	{ "memory",
	  "8: library metadata per live buffer (allocation hook)",
	  bench_memory_main },
	{ "protmem",
	  "9: protected heaps (Linux 6.18): alloc sweep, lend/reclaim, T1-T5 beside the MediaTek heaps",
	  bench_protmem_main },
};

#define NR_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: rheap-bench <benchmark|all> [options]\n"
		   "       rheap-bench <benchmark> --help\n\nbenchmarks:\n");
	for (i = 0; i < NR_CMDS; i++)
		fprintf(f, "  %-14s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "  %-14s every benchmark above with the common options\n\n",
		"all");
	bench_usage_common(f);
}

int main(int argc, char **argv)
{
	const struct bench_cmd *cmd = NULL;
	struct bench_ctx ctx;
	bool all;
	size_t i;
	int ret = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	all = !strcmp(argv[1], "all");
	for (i = 0; !all && i < NR_CMDS; i++)
		if (!strcmp(argv[1], cmds[i].name))
			cmd = &cmds[i];
	if (!all && !cmd) {
		fprintf(stderr, "rheap-bench: unknown benchmark '%s'\n\n", argv[1]);
		usage(stderr);
		return 2;
	}

	/*
	 * --help answers at once: bench_init() surveys the machine and
	 * calibrates the timer first, a second of waiting for a usage text.
	 */
	for (i = 2; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--help") && strcmp(argv[i], "-h"))
			continue;
		if (all) {
			usage(stdout);
			return 0;
		}
		memset(&ctx, 0, sizeof(ctx));
		ctx.out = stdout;
		return cmd->main(&ctx, 2, (char *[]){ argv[1], "--help", NULL });
	}

	/* The subcommand sees argv[0] = its name, then its own options. */
	argc--;
	argv++;
	if (bench_init(&ctx, &argc, argv))
		return 2;
	if (all && argc > 1) {
		fprintf(stderr, "rheap-bench all: only common options allowed\n");
		return 2;
	}
	bench_describe_machine(&ctx);
	if (all) {
		for (i = 0; i < NR_CMDS && !ret; i++) {
			bench_printf(&ctx, "\n######## %s\n", cmds[i].name);
			/* A benchmark's figures carry its own windows' load only. */
			ctx.win_others = ctx.win_load1 = NAN;
			ret = cmds[i].main(&ctx, argc, argv);
		}
	} else {
		ret = cmd->main(&ctx, argc, argv);
	}
	if (bench_finish(&ctx) && !ret)
		ret = 1;
	return ret;
}
