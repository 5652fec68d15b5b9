/* SPDX-License-Identifier: MIT */
/* rheap-bench's sim figures: what the sweep and the replays would take on a modelled phone. */
#ifndef RH_BENCH_SIM_H
#define RH_BENCH_SIM_H

#include <stdint.h>

#include <rheap/replay.h>

#include "bench-common.h"

/* The built-in cost model of the sim figures (include/rheap/cost-model.h). */
#define BENCH_SIM_MODEL "mt8188"

/*
 * bench_sim_report_alloc() - a "sim alloc+free" row for @size on heap @hd:
 * the simulated time of a warm alloc+free under BENCH_SIM_MODEL (a fresh
 * platform, the buffer allocated and freed once first; the CMA heap keeps
 * a 4 KiB buffer so that its region stays lent, as the sweep does).
 * Simulated time does not depend on the machine: one run gives the figure.
 */
void bench_sim_report_alloc(struct bench_ctx *ctx, const struct bench_heap_desc *hd,
			    uint64_t size);

/*
 * bench_sim_report_replay() - trace @tr (named @tname) replayed once on a
 * fresh platform with BENCH_SIM_MODEL: simulated p50 / p99 / max per
 * operation and heap, the total and where it went, as text and rows.
 */
void bench_sim_report_replay(struct bench_ctx *ctx, const char *tname,
			     const struct rh_replay_trace *tr);

#endif /* RH_BENCH_SIM_H */
