// SPDX-License-Identifier: MIT
/* rheap-sim demo: a secure video playback narrated from the library's own trace events. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/rheap.h>

#include "demo.h"

#define DEMO_MAX_FRAMES 64u
#define DEMO_MAX_SIDE 8192u

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " " CMD " [OPTIONS]\n"
		"\n"
		"Play a protected video on the simulated SoC and narrate every step as it\n"
		"happens: boot and firewall, the restricted heaps and their TEE session,\n"
		"decryption of the bitstream into secure memory by the secure video TA, the\n"
		"CMA region lent to the TEE, the secure decoder and display, attacks from\n"
		"the normal world (each refused and explained), and the release that\n"
		"scrubs the region before Linux gets it back. Exits 0 only if every\n"
		"expected refusal happened and nothing leaked.\n"
		"\n"
		"On a board whose TEE serves the protected heaps of Linux 6.18\n"
		"(--platform optee-protmem) the same story runs over that protocol:\n"
		"protected,secure-video, LEND_PROTMEM/RECLAIM_PROTMEM, the player's\n"
		"TEE_IOC_SHM_REGISTER_FD and the SDP test TA.\n"
		"\n"
		CLI_PLATFORM_HELP
		"  --frames N            frame buffers to decode into (1-%u, default 8)\n"
		"  --resolution WxH      frame size, NV12 (default 3840x2160, at most %ux%u)\n"
		"  --quiet               no narration, only failures and --json/--trace output\n"
		"  --json                one JSON object per event on stdout instead of text\n"
		"  --trace FILE          write a Chrome trace (Perfetto, chrome://tracing)\n"
		"  --mermaid FILE        write a Mermaid sequence diagram of the run\n"
		"  --no-color            no colours (default: colours on a terminal only)\n"
		"  --verbose             narrate every event, world switches included\n"
		CLI_SIM_USAGE
		"                        (each step then says what it would take on\n"
		"                        that phone; --trace is on the simulated clock)\n"
		"  --help                this text\n",
		DEMO_MAX_FRAMES, DEMO_MAX_SIDE, DEMO_MAX_SIDE);
}

/* Releases whatever an early failure left behind (the happy path left nothing). */
static void cleanup(struct demo *d)
{
	unsigned int i;

	for (i = 0; d->frames && i < d->nr_frames; i++) {
		struct demo_frame *f = &d->frames[i];

		rh_importer_unmap(f->disp);
		rh_importer_unmap(f->dec);
		f->disp = f->dec = NULL;
		rh_dma_buf_put(f->dmabuf);
		f->dmabuf = NULL;
		if (f->fd >= 0)
			rh_close(d->plat, f->fd);
		f->fd = -1;
	}
	rh_importer_unmap(d->es_map);
	d->es_map = NULL;
	rh_dma_buf_put(d->es);
	d->es = NULL;
	if (d->es_fd >= 0)
		rh_close(d->plat, d->es_fd);
	d->es_fd = -1;
	if (d->cm_fd >= 0)
		rh_close(d->plat, d->cm_fd);
	if (d->cma_fd >= 0)
		rh_close(d->plat, d->cma_fd);
	d->cm_fd = d->cma_fd = -1;
	if (d->secmem_open && rh_tee_client_close_session(d->tee, d->secmem_session))
		d->tee_close_errors++;
	if (d->svp_open && rh_tee_client_close_session(d->tee, d->svp_session))
		d->tee_close_errors++;
	d->secmem_open = d->svp_open = false;
	rh_tee_client_close_context(d->tee);
	d->tee = NULL;
	demo_protmem_cleanup(d);
	/* The drivers go last: each closes its own TEE session. */
	rh_importer_free(d->gpu_drv);
	rh_importer_free(d->disp_drv);
	rh_importer_free(d->dec_drv);
	d->gpu_drv = d->disp_drv = d->dec_drv = NULL;
}

static const char *const mtk_titles[] = {
	"1. Boot",
	"2. Open the restricted heaps",
	"3. Decrypt the bitstream into secure memory",
	"4. Allocate the frame buffers",
	"5. Decode and display",
	"6. Attacks from the normal world",
	"7. Stop: give the memory back",
};
static int (*const mtk_steps[])(struct demo *d) = {
	demo_step_boot, demo_step_open, demo_step_bitstream, demo_step_frames,
	demo_step_play, demo_step_attacks, demo_step_stop,
};
const struct demo_story demo_mtk_story = {
	.nr_steps = sizeof(mtk_steps) / sizeof(mtk_steps[0]),
	.titles = mtk_titles,
	.steps = mtk_steps,
	.report = demo_step_report,
};

static int run(struct demo *d, const struct demo_story *story)
{
	unsigned int i;
	int ret = 0;

	/* Phase 1 began inside rh_platform_new(), before the first boot event. */
	for (i = 0; i < story->nr_steps; i++) {
		if (i)
			demo_phase_begin(d, story->titles[i]);
		ret = story->steps[i](d);
		if (ret) {
			demo_phase_end(d, story->titles[i]);
			break;
		}
		if (i + 1 == story->nr_steps) {
			cleanup(d);
			story->report(d);
		}
		demo_phase_end(d, story->titles[i]);
	}
	cleanup(d);
	if (ret) {
		demo_note(d, "result: stopped in step %s after %u of %u checks failed (first: %s)",
			  story->titles[i], d->failures, d->checks, d->first_failure);
		return ret;
	}
	if (d->failures)
		demo_note(d, "result: %u of %u checks FAILED (first: %s)", d->failures, d->checks,
			  d->first_failure);
	else
		demo_note(d, "result: all %u checks passed: every attack was refused, nothing leaked, "
			  "the region went back to Linux scrubbed", d->checks);
	return d->failures ? TOOLS_EXIT_FAILURE : 0;
}

static FILE *open_output(const char *path, int *ret_exit)
{
	FILE *f = fopen(path, "w");

	if (!f)
		*ret_exit = tools_usage_error(stderr, PROG, CMD, "cannot write %s: %s", path,
					      strerror(errno));
	return f;
}

static int close_output(FILE *f, const char *path)
{
	if (!f)
		return 0;
	if (ferror(f) | fclose(f))
		return tools_error(stderr, PROG, CMD, "writing %s failed", path);
	return 0;
}

int cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'p' },
		{ "dtb", required_argument, NULL, 'p' },
		{ "frames", required_argument, NULL, 'n' },
		{ "resolution", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "trace", required_argument, NULL, 't' },
		{ "mermaid", required_argument, NULL, 'm' },
		{ "no-color", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "cost-model", required_argument, NULL, CLI_SIM_OPT_COST_MODEL },
		{ "seed", required_argument, NULL, CLI_SIM_OPT_SEED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct demo_story *story;
	struct demo *d;
	RH_DEFINE_PLATFORM_INFO(info);
	uint64_t chroma;
	unsigned int i;
	int c, ret = 0, r;

	d = calloc(1, sizeof(*d));
	if (!d)
		return tools_error(stderr, PROG, CMD, "out of memory");
	d->nr_frames = 8;
	d->width = 3840;
	d->height = 2160;
	d->cm_fd = d->cma_fd = d->es_fd = -1;
	d->sim.seed = RH_COST_DEFAULT_SEED;
	while ((c = getopt_long(argc, argv, ":p:n:r:qjt:m:Cvh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			d->dtb_path = optarg;
			break;
		case 'n':
			if (tools_parse_uint(optarg, 1, DEMO_MAX_FRAMES, &d->nr_frames))
				ret = tools_usage_error(stderr, PROG, CMD,
							"bad --frames '%s': use 1 to %u", optarg,
							DEMO_MAX_FRAMES);
			break;
		case 'r':
			if (tools_parse_wxh(optarg, &d->width, &d->height) ||
			    d->width > DEMO_MAX_SIDE || d->height > DEMO_MAX_SIDE ||
			    d->width < 16 || d->height < 16)
				ret = tools_usage_error(stderr, PROG, CMD,
							"bad --resolution '%s': use WxH, each side "
							"16 to %u", optarg, DEMO_MAX_SIDE);
			break;
		case 'q':
			d->quiet = true;
			break;
		case 'j':
			d->json = true;
			break;
		case 't':
			d->trace_path = optarg;
			break;
		case 'm':
			d->mermaid_path = optarg;
			break;
		case 'C':
			d->no_color = true;
			break;
		case 'v':
			d->verbose = true;
			break;
		case CLI_SIM_OPT_COST_MODEL:
		case CLI_SIM_OPT_SEED:
			ret = cli_sim_option(CMD, &d->sim, c, optarg);
			break;
		case 'h':
			usage(stdout);
			free(d);
			return 0;
		default:
			ret = cli_option_error(CMD, argv, c);
			break;
		}
		if (ret)
			goto out_free;
	}
	if (optind < argc) {
		ret = cli_extra_args(CMD, argc, argv);
		goto out_free;
	}
	if (d->quiet && d->verbose) {
		ret = tools_usage_error(stderr, PROG, CMD,
					"--quiet and --verbose contradict each other: give one");
		goto out_free;
	}
	if (d->trace_path && d->mermaid_path && !strcmp(d->trace_path, d->mermaid_path)) {
		ret = tools_usage_error(stderr, PROG, CMD, "--trace and --mermaid name the same file");
		goto out_free;
	}
	if (d->trace_path && !(d->trace_file = open_output(d->trace_path, &ret)))
		goto out_free;
	if (d->mermaid_path && !(d->mermaid_file = open_output(d->mermaid_path, &ret)))
		goto out_close;

	/* NV12: a full-size luma plane, then interleaved chroma at half size each way. */
	chroma = 2ull * ((d->width + 1) / 2) * ((d->height + 1) / 2);
	d->frame_size = RH_PAGE_ALIGN((uint64_t)d->width * d->height + chroma);
	d->frames = calloc(d->nr_frames, sizeof(*d->frames));
	d->pix_out = malloc(d->frame_size);
	d->pix_in = malloc(d->frame_size);
	if (!d->frames || !d->pix_out || !d->pix_in) {
		ret = tools_error(stderr, PROG, CMD, "out of memory");
		goto out_close;
	}
	for (i = 0; i < d->nr_frames; i++)
		d->frames[i].fd = -1;

	info.trace_fn = demo_trace_setup;
	info.trace_data = d;
	info.log_fn = demo_log;
	info.log_data = d;
	ret = cli_sim_platform_new(CMD, d->dtb_path, &info, &d->sim, &d->plat);
	if (ret)
		goto out_close;
	/* The MediaTek story on a board with its regions, else the protected heaps'. */
	story = cli_protmem_board(d->plat) ? &demo_protmem_story : &demo_mtk_story;
	d->vcodec = rh_device_find(d->plat, story == &demo_mtk_story ? "vcodec" : "vdec");
	d->display = rh_device_find(d->plat, "display");
	d->gpu = rh_device_find(d->plat, "gpu");
	if (!d->vcodec || !d->display || !d->gpu) {
		ret = tools_usage_error(stderr, PROG, CMD,
					"%s: the demo needs devices named %s, display and gpu",
					d->dtb_path ? d->dtb_path : "platform",
					story == &demo_mtk_story ? "vcodec" : "vdec");
	} else if (story == &demo_mtk_story &&
		   (!rh_phys_reserved_find_compatible(d->plat, RH_MTK_SECURE_CHUNK_COMPATIBLE) ||
		    !rh_phys_reserved_find_compatible(d->plat, RH_MTK_DYNAMIC_REGION_COMPATIBLE))) {
		ret = tools_usage_error(stderr, PROG, CMD,
					"%s: the demo needs a " RH_MTK_SECURE_CHUNK_COMPATIBLE
					" and a " RH_MTK_DYNAMIC_REGION_COMPATIBLE " region, or the "
					"protected heap " RH_TEE_HEAP_SECURE_VIDEO_NAME,
					d->dtb_path ? d->dtb_path : "platform");
	} else if ((ret = rh_importer_new(d->vcodec, &d->dec_drv)) ||
		   (ret = rh_importer_new(d->display, &d->disp_drv)) ||
		   (ret = rh_importer_new(d->gpu, &d->gpu_drv))) {
		rh_importer_free(d->disp_drv);
		rh_importer_free(d->dec_drv);
		ret = tools_error(stderr, PROG, CMD, "cannot create the drivers: %s",
				  strerror(-ret));
	} else {
		ret = run(d, story);
	}
	/* Destroying the platform finishes the sinks: the trace files complete here. */
	d->plat = rh_platform_unref(d->plat);
	/* The summary announced the trace's final count: hold it to that. */
	if (!ret && d->expected_switches &&
	    d->seen[RH_TRACE_WORLD_SWITCH] != d->expected_switches) {
		fprintf(stderr, PROG " " CMD ": check failed: the trace has %" PRIu64
			" world switches, the summary said %" PRIu64 "\n",
			d->seen[RH_TRACE_WORLD_SWITCH], d->expected_switches);
		ret = TOOLS_EXIT_FAILURE;
	}

out_close:
	r = close_output(d->mermaid_file, d->mermaid_path);
	if (!ret)
		ret = r;
	r = close_output(d->trace_file, d->trace_path);
	if (!ret)
		ret = r;
out_free:
	free(d->pix_in);
	free(d->pix_out);
	free(d->frames);
	free(d->sample);
	free(d);
	if (!ret && fflush(stdout))
		ret = TOOLS_EXIT_FAILURE;
	return ret;
}
