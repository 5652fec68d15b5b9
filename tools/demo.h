/* SPDX-License-Identifier: MIT */
/* rheap-sim demo: the state its files share and the functions each provides. */
#ifndef RH_TOOLS_DEMO_H
#define RH_TOOLS_DEMO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rheap/rheap.h>
#include <rheap/svp.h>

#include "cli-sim.h"
#include "commands.h"

#define CMD "demo"

/* ChromeOS sizes decoder input buffers 4 MiB when the device does 4K. */
#define DEMO_ES_SIZE (4u << 20)
/* One access unit of the encrypted stream (what a player gets from the CDN). */
#define DEMO_SAMPLE_LEN (512u << 10)
/* Hex digits of the SHA-256 printed per frame. */
#define DEMO_DIGEST_HEX 16
/* Normal-world read-back of the released region, a chunk at a time. */
#define DEMO_READBACK_CHUNK (1u << 20)

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

	/* the protected heaps' story (demo-protmem.c): the player's GP client */
	TEEC_Context user;
	TEEC_Session user_svp;
	TEEC_SharedMemory es_shm; /* the bitstream, registered (SHM_REGISTER_FD) */
	bool user_open, user_svp_open, es_registered;
	rh_phys_addr_t chunk_base; /* the chunk lent with the first buffer */
	uint64_t chunk_size;
	uint64_t switches_before_frames;
};

/*
 * struct demo_story - the steps run in order by cmd-demo.c, with their
 * titles: 0 to go on, else the exit code (a failed check is recorded and
 * does not by itself stop the run); @report runs after the cleanup.
 */
struct demo_story {
	unsigned int nr_steps;
	const char *const *titles;
	int (*const *steps)(struct demo *d);
	void (*report)(struct demo *d);
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

/* Content: the sample, the pictures decoded from it, their digests. */
void demo_make_sample(uint8_t *p, size_t len);
void demo_decode_frame(const uint8_t *es, size_t es_len, unsigned int n, uint8_t *out,
		       size_t len);
int demo_sha256(const void *p, size_t len, uint8_t md[32]);
/* The firewall slot programmed over [@base, @base + @size), or -1; slots in use. */
int demo_fw_slot_over(struct demo *d, rh_phys_addr_t base, uint64_t size);
unsigned int demo_fw_in_use(struct demo *d);
/* DMA_HEAP_IOCTL_ALLOC on @heap_fd: the new fd and its dma-buf (a reference). */
int demo_alloc_fd(struct demo *d, int heap_fd, uint64_t len, int *ret_fd,
		  struct rh_dma_buf **ret_buf);

/*
 * The normal world reads [@base, @base + @size) back (rh_phys_probe_read()):
 * the bytes that are not zero in *@ret_nonzero; 0, the probe's error, -ENOMEM.
 */
int demo_count_nonzero(struct demo *d, rh_phys_addr_t base, uint64_t size,
		       uint64_t *ret_nonzero);
/*
 * The sample as the player receives it: d->sample made and encrypted for
 * the platform's secure video TA; returns DEMO_SAMPLE_LEN bytes of
 * ciphertext followed by the RH_SVP_IV_LEN-byte initial counter block
 * (free() it), or NULL with the exit code in *@ret_exit.
 */
uint8_t *demo_receive_sample(struct demo *d, int *ret_exit);
/* Step 5's work: the decoder reads the bitstream back, decodes and shows each frame. */
int demo_decode_and_show(struct demo *d);

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
/*
 * The decoder's driver maps a system-heap buffer and its device, in secure
 * mode, writes into it: the errno it got (a refusal counts one expected
 * violation).
 */
int demo_decoder_writes_out(struct demo *d);
/* An attack: @got is what the attacker got (0: it worked), @want what must happen. */
void demo_attack(struct demo *d, const char *name, int got, int want, const char *why);
/* demo_attack() of an access the firewall refuses and logs (one expected violation). */
void demo_attack_logged(struct demo *d, const char *name, int got, int want,
			const char *why);
/* The CPU reads frame 0 and the clear bitstream by PA: both trap (demo_attack_logged()). */
void demo_attack_cpu_reads(struct demo *d, rh_phys_addr_t frame_pa, const char *frame_why,
			   const char *es_why);
/* A GP client program (user space) invoking @cmd of the TA @uuid; the result as errno. */
int demo_user_invoke(struct demo *d, const TEEC_UUID *uuid, uint32_t cmd, TEEC_Operation *op);

/* The MediaTek heaps' story (demo-steps.c, demo-attacks.c). */
extern const struct demo_story demo_mtk_story;

/* ------------------------------------------------------------ demo-protmem.c */

/* Attacks the protected heaps' story narrates. */
#define DEMO_PM_NR_ATTACKS 12

/*
 * The same playback over the protected heaps of Linux 6.18 (a board whose
 * OP-TEE serves protected,secure-video): LEND/RECLAIM_PROTMEM, the player's
 * SHM_REGISTER_FD, DECRYPT into the registered buffer, the SDP test TA.
 */
extern const struct demo_story demo_protmem_story;
/* Releases what the story's steps left after an early failure. */
void demo_protmem_cleanup(struct demo *d);

#endif /* RH_TOOLS_DEMO_H */
