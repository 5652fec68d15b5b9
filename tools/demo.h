/* SPDX-License-Identifier: MIT */
/* rheap-sim demo: the state its files share and the functions each provides. */
#ifndef RH_TOOLS_DEMO_H
#define RH_TOOLS_DEMO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rheap/rheap.h>

#include "cli-sim.h"
#include "commands.h"

#define CMD "demo"

struct demo_frame {
	int fd;
	struct rh_dma_buf *dmabuf;
	struct rh_importer_map *dec, *disp; /* vcodec writes it, display reads it */
	rh_phys_addr_t pa;
};

struct demo {
	/* options */
	const char *dtb_path;
	unsigned int nr_frames, width, height;
	bool quiet, json, no_color, verbose;
	const char *trace_path, *mermaid_path;
	FILE *trace_file, *mermaid_file;

	struct rh_platform *plat;
	uint64_t seen[RH_TRACE_NR_TYPES]; /* events per type (checker sink) */
	unsigned int checks, failures;
	char first_failure[256];

	struct rh_device *vcodec, *display, *gpu;
	/* the V4L2 decoder, DRM display and GPU drivers */
	struct rh_importer *dec_drv, *disp_drv, *gpu_drv;
	int cm_fd, cma_fd;

	/* the demo's own TEE client: secure video TA and, as attacker, secmem TA */
	struct rh_tee_context *tee;
	uint32_t svp_session, secmem_session;
	bool svp_open, secmem_open;

	/* the bitstream */
	int es_fd;
	struct rh_dma_buf *es;
	struct rh_importer_map *es_map;
	uint64_t es_handle;
	rh_phys_addr_t es_pa;
	uint8_t *sample;

	/* the frames */
	uint64_t frame_size;
	struct demo_frame *frames;
	uint8_t *pix_out, *pix_in;

	uint64_t expected_violations;
	uint64_t fw_in_use_at_boot;
	unsigned int tee_close_errors; /* sessions of the demo that were not open */
	/* world switches the summary announced for the whole run (0: no summary) */
	uint64_t expected_switches;

	/* simulated time (--cost-model): the model, and where the step began */
	struct cli_sim sim;
	struct rh_sim_stats sim_step;
};

/* ------------------------------------------------------------ demo-narrate.c */

/* Emits @ev on the demo's platform: every sink sees it. */
void demo_emit(struct demo *d, const struct rh_trace_event *ev);
void demo_phase_begin(struct demo *d, const char *title);
void demo_phase_end(struct demo *d, const char *title);
void demo_note(struct demo *d, const char *fmt, ...) RH_PRINTF(2, 3);
/* Records a check; a failed one is narrated and reported on stderr at the end. */
bool demo_check(struct demo *d, bool ok, const char *fmt, ...) RH_PRINTF(3, 4);
/* The first @n bytes of @p as hex into @buf (truncated to fit @len). */
const char *demo_hex(const uint8_t *p, size_t n, char *buf, size_t len);
/* rh_platform_info.log_fn: library log lines become part of the story. */
void demo_log(void *data, enum rh_log_level level, const char *msg);
/* rh_platform_info.trace_fn: adds the demo's sinks inside rh_platform_new(). */
int demo_trace_setup(void *data, struct rh_platform *plat);

/* ------------------------------------------------------------ demo-steps.c */

/* Opens a session of the demo's TEE context to the TA @uuid. */
int demo_tee_open(struct demo *d, const char *uuid, uint32_t *ret_session);
/* Invokes @func; returns the errno of the transport or of the TEE result. */
int demo_tee_invoke(struct demo *d, uint32_t session, uint32_t func,
		    struct rh_tee_param *p);

/*
 * The steps run in order by cmd-demo.c: 0 to go on, else the exit code
 * (a failed check is recorded and does not by itself stop the run).
 */
int demo_step_boot(struct demo *d);
int demo_step_open(struct demo *d);
int demo_step_bitstream(struct demo *d);
int demo_step_frames(struct demo *d);
int demo_step_play(struct demo *d);
int demo_step_stop(struct demo *d);
/* Final numbers and the leak checks, after the cleanup. */
void demo_step_report(struct demo *d);

/* ------------------------------------------------------------ demo-attacks.c */

/* Attacks demo_step_attacks() narrates (each one checked to be refused). */
#define DEMO_NR_ATTACKS 14

/* Step 6: attacks from the normal world, each one checked to be refused. */
int demo_step_attacks(struct demo *d);

#endif /* RH_TOOLS_DEMO_H */
