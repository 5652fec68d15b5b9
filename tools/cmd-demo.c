// SPDX-License-Identifier: MIT
/* rheap-sim demo: a secure video playback narrated from the library's own trace events. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/evp.h>

#include <rheap/rheap.h>

#include "commands.h"

#define CMD "demo"

#define DEMO_MAX_FRAMES 64u
#define DEMO_MAX_SIDE 8192u
/* ChromeOS sizes decoder input buffers 4 MiB when the device does 4K. */
#define DEMO_ES_SIZE (4u << 20)
/* One access unit of the encrypted stream (what a player gets from the CDN). */
#define DEMO_SAMPLE_LEN (512u << 10)
/* Hex digits of the SHA-256 printed per frame. */
#define DEMO_DIGEST_HEX 16
/* Normal-world read-back of the released region, a chunk at a time. */
#define DEMO_READBACK_CHUNK (1u << 20)

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
		"  --platform FILE    build the platform from FILE.dtb (default: built-in)\n"
		"  --frames N         frame buffers to decode into (1-%u, default 8)\n"
		"  --resolution WxH   frame size, NV12 (default 3840x2160, at most %ux%u)\n"
		"  --quiet            no narration: only failures (and --json/--trace output)\n"
		"  --json             one JSON object per event on stdout instead of text\n"
		"  --trace FILE       write a Chrome trace (Perfetto, chrome://tracing)\n"
		"  --mermaid FILE     write a Mermaid sequence diagram of the run\n"
		"  --no-color         no colours (default: colours on a terminal only)\n"
		"  --verbose          narrate every event, world switches included\n"
		"  --help             this text\n",
		DEMO_MAX_FRAMES, DEMO_MAX_SIDE, DEMO_MAX_SIDE);
}

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
};

/* ------------------------------------------------------------------ narration */

static void emit(struct demo *d, const struct rh_trace_event *ev)
{
	rh_trace_emit(d->plat, ev);
}

static void phase_begin(struct demo *d, const char *title)
{
	emit(d, &(struct rh_trace_event){ RH_TRACE_PHASE_BEGIN, .name = title });
}

static void phase_end(struct demo *d, const char *title)
{
	emit(d, &(struct rh_trace_event){ RH_TRACE_PHASE_END, .name = title });
}

static void note(struct demo *d, const char *fmt, ...) RH_PRINTF(2, 3);

static void note(struct demo *d, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(d, &(struct rh_trace_event){ RH_TRACE_NOTE, .msg = msg });
}

/* Records a check; a failed one is narrated and reported on stderr at the end. */
static bool check(struct demo *d, bool ok, const char *fmt, ...) RH_PRINTF(3, 4);

static bool check(struct demo *d, bool ok, const char *fmt, ...)
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
	note(d, "CHECK FAILED: %s", msg);
	fprintf(stderr, PROG " " CMD ": check failed: %s\n", msg);
	return false;
}

/* An attack: @got is what the attacker got (0: it worked), @want what must happen. */
static void attack(struct demo *d, const char *name, int got, int want, const char *why)
{
	char ebuf[16], wbuf[16];

	emit(d, &(struct rh_trace_event){ RH_TRACE_ATTACK, .name = name, .err = got,
					  .msg = why });
	check(d, got == want, "attack %s: got %s, expected %s", name,
	      got ? cli_errno_name(got, ebuf, sizeof(ebuf)) : "success",
	      cli_errno_name(want, wbuf, sizeof(wbuf)));
}

static const char *hex(const uint8_t *p, size_t n, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	return buf;
}

/* Library log lines become part of the story (the TA says why it refused). */
static void demo_log(void *data, enum rh_log_level level, const char *msg)
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
	emit(d, &(struct rh_trace_event){ RH_TRACE_NOTE,
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
		    RH_TRACE_MASK(RH_TRACE_UNMAP))

/* Runs inside rh_platform_new(): the sinks see boot itself. */
static int demo_trace_setup(void *data, struct rh_platform *plat)
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
		ret = rh_trace_add_chrome_sink(plat, d->trace_file, &id);
		if (ret)
			return ret;
	}
	if (d->mermaid_file) {
		ret = rh_trace_add_mermaid_sink(plat, d->mermaid_file, &id);
		if (!ret && !d->verbose)
			ret = rh_trace_set_sink_mask(plat, id, RH_TRACE_MASK_ALL &
						     ~RH_TRACE_MASK(RH_TRACE_WORLD_SWITCH));
		if (ret)
			return ret;
	}
	rh_trace_emit(plat, &(struct rh_trace_event){ RH_TRACE_PHASE_BEGIN,
						       .name = "1. Boot" });
	return 0;
}

/* ------------------------------------------------------------------ TEE helpers */

static int tee_open(struct demo *d, const char *uuid, uint32_t *ret_session)
{
	struct rh_tee_ioctl_open_session_arg arg = {
		.clnt_login = RH_TEE_IOCTL_LOGIN_REE_KERNEL,
		.num_params = 0,
	};
	int ret;

	ret = rh_uuid_parse(uuid, arg.uuid);
	if (ret)
		return ret;
	ret = rh_tee_client_open_session(d->tee, &arg, NULL);
	if (ret)
		return ret;
	if (arg.ret)
		return rh_tee_result_to_errno(arg.ret);
	*ret_session = arg.session;
	return 0;
}

/* Invokes @func; returns the errno of the transport or of the TEE result. */
static int tee_invoke(struct demo *d, uint32_t session, uint32_t func,
		      struct rh_tee_param *p)
{
	struct rh_tee_ioctl_invoke_arg arg = {
		.func = func,
		.session = session,
		.num_params = RH_TEE_NUM_PARAMS,
	};
	int ret;

	ret = rh_tee_client_invoke_func(d->tee, &arg, p);
	if (ret)
		return ret;
	return rh_tee_result_to_errno(arg.ret);
}

/* FREE through the demo's own secmem session; returns the TA's status as errno. */
static int secmem_free(struct demo *d, uint64_t handle)
{
	struct rh_tee_param p[RH_TEE_NUM_PARAMS] = { 0 };
	int ret;

	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = handle;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	ret = tee_invoke(d, d->secmem_session, RH_MTK_TZCMD_SECMEM_FREE, p);
	if (ret)
		return ret;
	/* The seed's protocol: the TA's own status travels in p1.a. */
	return rh_tee_result_to_errno((uint32_t)p[1].u.value.a);
}

/* ------------------------------------------------------------------ content */

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/*
 * A stand-in for an HEVC access unit: Annex B start codes and NAL headers
 * around deterministic payload, so every run decodes the same pictures.
 */
static void make_sample(uint8_t *p, size_t len)
{
	uint64_t s = 0x5256534d50303031ull; /* "RVSMP001" */
	size_t i = 0, nal = 0;

	while (i < len) {
		size_t unit = 4096 + (xorshift64(&s) % 8192), end = i + unit;

		if (end > len)
			end = len;
		for (; i < end && i < len; i++) {
			size_t k = i - (end - unit);

			if (k < 4)
				p[i] = k == 3 ? 1 : 0;
			else if (k == 4)
				p[i] = (uint8_t)((nal++ % 32) << 1);
			else
				p[i] = (uint8_t)xorshift64(&s);
		}
	}
}

/* Picture @n "decoded" from the bitstream: deterministic, different per frame. */
static void decode_frame(const uint8_t *es, size_t es_len, unsigned int n, uint8_t *out,
			 size_t len)
{
	size_t words = es_len / 8, k;
	uint64_t w, mix = 0x9e3779b97f4a7c15ull;

	for (k = 0; k + 8 <= len; k += 8) {
		memcpy(&w, es + 8 * ((k / 8 * 7 + (uint64_t)n * 131) % words), 8);
		w ^= (k / 8) * mix ^ ((uint64_t)n << 56);
		memcpy(out + k, &w, 8);
	}
	for (; k < len; k++)
		out[k] = es[k % es_len] ^ (uint8_t)n;
}

static int sha256(const void *p, size_t len, uint8_t md[32])
{
	unsigned int mdlen = 0;

	if (EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -EIO;
	return 0;
}

/* ------------------------------------------------------------------ helpers */

static int heap_stats(struct demo *d, const char *name, struct rh_dma_heap_stats *st)
{
	struct rh_dma_heap *heap = rh_dma_heap_find(d->plat, name);
	int ret;

	if (!heap)
		return -ENOENT;
	ret = rh_dma_heap_get_stats(heap, st);
	rh_dma_heap_put(heap);
	return ret;
}

/* The firewall slot programmed over [@base, @base + @size), or -1. */
static int fw_slot_over(struct demo *d, rh_phys_addr_t base, uint64_t size)
{
	unsigned int i, n = rh_platform_get_desc(d->plat)->firewall_regions;
	struct rh_fw_region r;

	for (i = 0; i < n; i++)
		if (!rh_phys_firewall_region(d->plat, i, &r) && r.in_use &&
		    r.base <= base && base - r.base + size <= r.size)
			return (int)i;
	return -1;
}

static unsigned int fw_in_use(struct demo *d)
{
	struct rh_platform_stats ps;

	return rh_platform_get_stats(d->plat, &ps) ? 0 : ps.firewall_regions_in_use;
}

static int alloc_fd(struct demo *d, int heap_fd, uint64_t len, int *ret_fd,
		    struct rh_dma_buf **ret_buf)
{
	struct rh_dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	struct rh_dma_buf *buf;
	int ret;

	ret = rh_ioctl(d->plat, heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data);
	if (ret)
		return ret;
	buf = rh_dma_buf_get(d->plat, (int)data.fd);
	if (RH_IS_ERR(buf)) {
		rh_close(d->plat, (int)data.fd);
		return (int)RH_PTR_ERR(buf);
	}
	*ret_fd = (int)data.fd;
	*ret_buf = buf;
	return 0;
}

/* ------------------------------------------------------------------ the steps */

static int step_boot(struct demo *d)
{
	const struct rh_platform_desc *desc = rh_platform_get_desc(d->plat);
	const struct rh_reserved_region *cm, *cma;
	struct rh_secmem_stats ss;
	char sz[32], sz2[32];
	int slot;

	cm = rh_phys_reserved_find_compatible(d->plat, RH_MTK_SECURE_CHUNK_COMPATIBLE);
	cma = rh_phys_reserved_find_compatible(d->plat, RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	note(d, "%s: %u MiB of DRAM, %u firewall slots of %s granularity, %u DMA masters",
	     desc->model, (unsigned int)(desc->dram_size >> 20), desc->firewall_regions,
	     cli_size_str(desc->firewall_granularity, sz, sizeof(sz)), desc->nr_devices);
	slot = fw_slot_over(d, cm->base, cm->size);
	note(d, "%s (%s at 0x%" PRIx64 ") belongs to the TEE from boot: firewall slot %d "
	     "makes it secure-only, so Linux never maps it (no-map)", cm->name,
	     cli_size_str(cm->size, sz, sizeof(sz)), cm->base, slot);
	check(d, slot >= 0, "the secure chunk is not protected at boot");
	check(d, !rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &ss) &&
		 ss.available && ss.lent && ss.firewall_regions == 1,
	      "the secure-memory TA does not hold the chunk at boot");
	note(d, "%s (%s at 0x%" PRIx64 ") stays ordinary memory for now: CMA lends all of it "
	     "to the TEE when secure playback starts", cma->name,
	     cli_size_str(cma->size, sz2, sizeof(sz2)), cma->base);
	check(d, fw_slot_over(d, cma->base, RH_PAGE_SIZE) < 0,
	      "the CMA region is protected before any playback");
	d->fw_in_use_at_boot = fw_in_use(d);
	return 0;
}

static int step_open(struct demo *d)
{
	char path[96];

	snprintf(path, sizeof(path), RH_DMA_HEAP_DEV_DIR "/%s", RH_RESTRICTED_MTK_CM_NAME);
	d->cm_fd = rh_open(d->plat, path, O_RDWR | O_CLOEXEC);
	snprintf(path, sizeof(path), RH_DMA_HEAP_DEV_DIR "/%s", RH_RESTRICTED_MTK_CMA_NAME);
	d->cma_fd = rh_open(d->plat, path, O_RDWR | O_CLOEXEC);
	if (!check(d, d->cm_fd >= 0 && d->cma_fd >= 0, "cannot open the restricted heaps (%d, %d)",
		   d->cm_fd, d->cma_fd))
		return TOOLS_EXIT_FAILURE;
	note(d, "the player opened %s (fd %d) for the bitstream and %s (fd %d) for the "
	     "pictures; no TEE session yet: each heap opens its own on its first allocation "
	     "(lazy heap_init, seed patch 7)", RH_RESTRICTED_MTK_CM_NAME, d->cm_fd,
	     RH_RESTRICTED_MTK_CMA_NAME, d->cma_fd);
	return 0;
}

static int step_bitstream(struct demo *d)
{
	struct rh_tee_param p[RH_TEE_NUM_PARAMS] = { 0 };
	struct rh_restricted_mtk_stats ms;
	struct rh_restricted_buffer *rbuf;
	uint8_t iv[RH_SVP_IV_LEN];
	struct rh_tee_shm *shm;
	uint8_t *wire;
	char ebuf[16], h1[40], h2[40];
	int ret;

	ret = alloc_fd(d, d->cm_fd, DEMO_ES_SIZE, &d->es_fd, &d->es);
	if (!check(d, !ret, "allocating the bitstream buffer failed: %s",
		   cli_errno_name(ret, ebuf, sizeof(ebuf))))
		return TOOLS_EXIT_FAILURE;
	rh_ioctl(d->plat, d->es_fd, RH_DMA_BUF_SET_NAME, (void *)"es-bitstream");
	if (!rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CM_NAME, &ms))
		note(d, "first allocation: %s opened TEE session %" PRIu32 " to MediaTek's "
		     "secure-memory TA (UUID " RH_TZ_TA_MEM_UUID_MTK ") and asked it for the "
		     "memory (SECMEM_ZALLOC)", RH_RESTRICTED_MTK_CM_NAME, ms.tee_session);
	check(d, !rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CM_NAME, &ms) &&
		 ms.tee_open && ms.tee_inits == 1, "the CM heap has no TEE session");
	rbuf = rh_restricted_buffer_get(d->es);
	if (!check(d, rbuf && rbuf->sg_table.orig_nents >= 1,
		   "the bitstream buffer is not a restricted buffer"))
		return TOOLS_EXIT_FAILURE;
	d->es_handle = rbuf->restricted_addr;
	d->es_pa = rh_sg_phys(rbuf->sg_table.sgl);
	note(d, "bitstream buffer: fd %d, %u MiB at 0x%" PRIx64 " (%u sg entr%s), secure handle "
	     "0x%" PRIx64 ": the TA zeroed it and the firewall already guards it",
	     d->es_fd, DEMO_ES_SIZE >> 20, d->es_pa, rbuf->sg_table.orig_nents,
	     rbuf->sg_table.orig_nents == 1 ? "y" : "ies", d->es_handle);

	/* The content provider's side: the clear sample never reaches the player. */
	d->sample = malloc(DEMO_SAMPLE_LEN);
	wire = malloc(DEMO_SAMPLE_LEN + RH_SVP_IV_LEN);
	if (!d->sample || !wire) {
		free(wire);
		return tools_error(stderr, PROG, CMD, "out of memory");
	}
	make_sample(d->sample, DEMO_SAMPLE_LEN);
	ret = rh_svp_package_sample(d->plat, d->sample, DEMO_SAMPLE_LEN, iv, wire);
	if (!check(d, !ret, "packaging the sample failed: %s",
		   cli_errno_name(ret, ebuf, sizeof(ebuf)))) {
		free(wire);
		return TOOLS_EXIT_FAILURE;
	}
	memcpy(wire + DEMO_SAMPLE_LEN, iv, RH_SVP_IV_LEN);
	note(d, "the player received %u KiB of AES-128-CTR ciphertext (starts %s, clear text "
	     "starts %s); the key exists only inside the secure video TA",
	     DEMO_SAMPLE_LEN >> 10, hex(wire, 8, h1, sizeof(h1)),
	     hex(d->sample, 8, h2, sizeof(h2)));
	check(d, memcmp(wire, d->sample, DEMO_SAMPLE_LEN) != 0, "the sample is not encrypted");

	d->tee = rh_tee_client_open_context(d->plat, NULL, NULL, NULL, NULL);
	if (!check(d, !RH_IS_ERR(d->tee), "no TEE context: %s",
		   cli_errno_name((int)RH_PTR_ERR(d->tee), ebuf, sizeof(ebuf)))) {
		d->tee = NULL;
		free(wire);
		return TOOLS_EXIT_FAILURE;
	}
	ret = tee_open(d, RH_TA_SVP_UUID, &d->svp_session);
	d->svp_open = !ret;
	if (!check(d, !ret, "cannot open the secure video TA: %s",
		   cli_errno_name(ret, ebuf, sizeof(ebuf)))) {
		free(wire);
		return TOOLS_EXIT_FAILURE;
	}
	note(d, "the decoder driver opened session %" PRIu32 " to the secure video TA "
	     RH_TA_SVP_UUID, d->svp_session);

	shm = rh_tee_shm_register_kernel_buf(d->tee, wire, DEMO_SAMPLE_LEN + RH_SVP_IV_LEN);
	if (!check(d, !RH_IS_ERR(shm), "cannot share the ciphertext with the TEE")) {
		free(wire);
		return TOOLS_EXIT_FAILURE;
	}
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[0].u.memref.shm = shm;
	p[0].u.memref.size = DEMO_SAMPLE_LEN;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = d->es_handle;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[2].u.memref.shm = shm;
	p[2].u.memref.shm_offs = DEMO_SAMPLE_LEN;
	p[2].u.memref.size = RH_SVP_IV_LEN;
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	ret = tee_invoke(d, d->svp_session, RH_SVP_CMD_DECRYPT, p);
	rh_tee_shm_put(shm);
	free(wire);
	if (!check(d, !ret && p[3].u.value.a == DEMO_SAMPLE_LEN, "DECRYPT failed: %s",
		   cli_errno_name(ret, ebuf, sizeof(ebuf))))
		return TOOLS_EXIT_FAILURE;
	note(d, "the TA decrypted the sample straight into handle 0x%" PRIx64
	     ": the clear bitstream now exists only in secure memory", d->es_handle);
	return 0;
}

static int step_frames(struct demo *d)
{
	const struct rh_reserved_region *cma =
		rh_phys_reserved_find_compatible(d->plat, RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	struct rh_restricted_mtk_stats ms;
	struct rh_secmem_stats ss;
	char sz[32], ebuf[16];
	unsigned int i;
	int ret, slot;

	note(d, "%u NV12 frames of %ux%u: %" PRIu64 " bytes each, page-rounded", d->nr_frames,
	     d->width, d->height, d->frame_size);
	for (i = 0; i < d->nr_frames; i++) {
		struct demo_frame *f = &d->frames[i];
		struct rh_restricted_buffer *rbuf;
		char name[32];

		ret = alloc_fd(d, d->cma_fd, d->frame_size, &f->fd, &f->dmabuf);
		if (!check(d, !ret, "frame %u: allocation of %" PRIu64 " bytes failed: %s%s", i,
			   d->frame_size, cli_errno_name(ret, ebuf, sizeof(ebuf)),
			   ret == -EINVAL || ret == -ENOMEM ?
				   " (the CMA region is too small for this many frames)" : "")) {
			f->fd = -1;
			return TOOLS_EXIT_FAILURE;
		}
		snprintf(name, sizeof(name), "frame-%u", i);
		rh_ioctl(d->plat, f->fd, RH_DMA_BUF_SET_NAME, name);
		rbuf = rh_restricted_buffer_get(f->dmabuf);
		f->pa = rbuf ? rh_sg_phys(rbuf->sg_table.sgl) : 0;
		if (i)
			continue;
		/* The first frame is the one that lends the region. */
		slot = fw_slot_over(d, cma->base, cma->size);
		if (!rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CMA_NAME, &ms))
			note(d, "frame 0 at 0x%" PRIx64 ": %s took all %s of %s from CMA and lent it "
			     "to the TEE (session %" PRIu32 "): firewall slot %d now locks the normal "
			     "view of the whole region", f->pa, RH_RESTRICTED_MTK_CMA_NAME,
			     cli_size_str(cma->size, sz, sizeof(sz)), cma->name, ms.tee_session,
			     slot);
		check(d, slot >= 0, "the CMA region is not protected after the first frame");
		check(d, !rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CMA_NAME, &ms) &&
			 ms.cma_held && ms.cma_allocs == 1, "the CMA heap does not hold its region");
		check(d, !rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &ss) &&
			 ss.lent, "the secure-memory TA did not take the region");
	}
	check(d, !rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CMA_NAME, &ms) &&
		 ms.cma_allocs == 1 && ms.cma_used_size == d->nr_frames * d->frame_size,
	      "the later frames did not reuse the lent region");
	check(d, fw_in_use(d) == d->fw_in_use_at_boot + 1,
	      "%u firewall slots in use, expected %" PRIu64, fw_in_use(d),
	      d->fw_in_use_at_boot + 1);
	if (d->nr_frames > 2)
		snprintf(sz, sizeof(sz), "frames 1-%u were", d->nr_frames - 1);
	else
		snprintf(sz, sizeof(sz), "frame 1 was");
	if (d->nr_frames > 1)
		note(d, "%s carved from the lent region by the TA: no more CMA or firewall work, "
		     "still %u slot%s in use", sz, fw_in_use(d), fw_in_use(d) == 1 ? "" : "s");
	return 0;
}

/* Each driver maps what it uses; the importer switches its device to secure mode. */
static int step_play(struct demo *d)
{
	struct rh_importer_stats dst, pst;
	uint8_t md[32], md2[32];
	char digest[DEMO_DIGEST_HEX + 1], ebuf[16];
	unsigned int i, restricted = 0, maps = 0;
	uint8_t *es_copy;
	int ret;

	ret = rh_importer_map(d->dec_drv, d->es, RH_DMA_TO_DEVICE, &d->es_map);
	if (!check(d, !ret, "vcodec cannot import the bitstream: %s",
		   cli_errno_name(ret, ebuf, sizeof(ebuf))))
		return TOOLS_EXIT_FAILURE;
	maps++;
	restricted += rh_sg_dma_is_restricted(rh_importer_map_sgt(d->es_map)->sgl);
	for (i = 0; i < d->nr_frames; i++) {
		struct demo_frame *f = &d->frames[i];

		ret = rh_importer_map(d->dec_drv, f->dmabuf, RH_DMA_FROM_DEVICE, &f->dec);
		if (!ret)
			ret = rh_importer_map(d->disp_drv, f->dmabuf, RH_DMA_TO_DEVICE, &f->disp);
		if (!check(d, !ret, "frame %u cannot be imported: %s", i,
			   cli_errno_name(ret, ebuf, sizeof(ebuf))))
			return TOOLS_EXIT_FAILURE;
		maps += 2;
		restricted += rh_sg_dma_is_restricted(rh_importer_map_sgt(f->dec)->sgl) +
			      rh_sg_dma_is_restricted(rh_importer_map_sgt(f->disp)->sgl);
	}
	note(d, "vcodec mapped the bitstream and %u frames, display the %u frames: %u of %u "
	     "mapped tables say sg_dma_is_restricted = true", d->nr_frames, d->nr_frames,
	     restricted, maps);
	check(d, restricted == maps, "only %u of %u mappings are marked restricted", restricted,
	      maps);
	check(d, !rh_importer_get_stats(d->dec_drv, &dst) && dst.secure_switches == 1 &&
		 !rh_importer_get_stats(d->disp_drv, &pst) && pst.secure_switches == 1 &&
		 rh_device_is_secure(d->vcodec) && rh_device_is_secure(d->display),
	      "vcodec and display are not in secure mode");
	note(d, "on their first restricted mapping both drivers asked the secure video TA to "
	     "switch their device to secure mode: the firewall now lets these two masters in");

	es_copy = malloc(DEMO_SAMPLE_LEN);
	if (!es_copy)
		return tools_error(stderr, PROG, CMD, "out of memory");
	ret = rh_importer_read(d->es_map, 0, es_copy, DEMO_SAMPLE_LEN);
	check(d, !ret && !memcmp(es_copy, d->sample, DEMO_SAMPLE_LEN),
	      "the decoder did not read the clear bitstream back (%s)",
	      ret ? cli_errno_name(ret, ebuf, sizeof(ebuf)) : "content differs");
	if (!ret)
		note(d, "the decoder read the clear bitstream by DMA: it matches the content "
		     "provider's sample byte for byte");

	for (i = 0; i < d->nr_frames; i++) {
		struct demo_frame *f = &d->frames[i];

		decode_frame(es_copy, DEMO_SAMPLE_LEN, i, d->pix_out, d->frame_size);
		ret = rh_importer_write(f->dec, 0, d->pix_out, d->frame_size);
		if (!check(d, !ret, "vcodec could not write frame %u: %s", i,
			   cli_errno_name(ret, ebuf, sizeof(ebuf))))
			break;
		ret = rh_importer_read(f->disp, 0, d->pix_in, d->frame_size);
		if (!check(d, !ret, "display could not read frame %u: %s", i,
			   cli_errno_name(ret, ebuf, sizeof(ebuf))))
			break;
		if (!check(d, !sha256(d->pix_in, d->frame_size, md) &&
			   !sha256(d->pix_out, d->frame_size, md2), "SHA-256 failed"))
			break;
		hex(md, DEMO_DIGEST_HEX / 2, digest, sizeof(digest));
		emit(d, &(struct rh_trace_event){ RH_TRACE_FRAME_DIGEST,
						  .track = RH_TRACE_TRACK_DEVICE,
						  .track_name = rh_device_name(d->display),
						  .id = i, .pa = f->pa, .size = d->frame_size,
						  .msg = digest });
		check(d, !memcmp(md, md2, sizeof(md)),
		      "frame %u: the display saw other pixels than the decoder wrote", i);
	}
	free(es_copy);
	return 0;
}

static int step_attacks(struct demo *d)
{
	struct demo_frame *f0 = &d->frames[0];
	struct rh_dma_buf_sync sync = { RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_READ };
	struct rh_secmem_stats before, after;
	struct rh_importer_map *gmap = NULL;
	struct rh_violation v;
	uint8_t probe[64];
	uint64_t forged;
	void *map = NULL;
	char ebuf[16];
	int ret;

	note(d, "a compromised player and kernel now try to get at the pictures");

	ret = rh_mmap(d->plat, f0->fd, d->frame_size, PROT_READ, MAP_SHARED, 0, &map);
	if (!ret)
		rh_munmap(d->plat, map, d->frame_size);
	attack(d, "mmap", ret, -EPERM,
	       "the restricted heap has no CPU mapping to give: mmap of the dma-buf is refused");

	ret = rh_ioctl(d->plat, f0->fd, RH_DMA_BUF_IOCTL_SYNC, &sync);
	attack(d, "dma_buf_sync", ret, -EPERM,
	       "DMA_BUF_IOCTL_SYNC (begin_cpu_access) is refused: there is no CPU access to sync");

	ret = rh_phys_probe_read(d->plat, f0->pa, probe, sizeof(probe));
	d->expected_violations += ret == -EFAULT;
	attack(d, "cpu_read_frame", ret, -EFAULT,
	       "reading the frame's physical address (/dev/mem style) traps: the firewall made "
	       "the lent region inaccessible to the normal world");
	check(d, !rh_phys_violation_last(d->plat, &v) && v.master_id == RH_MASTER_CPU &&
		 v.pa == f0->pa, "the CPU trap was not logged as a violation");

	ret = rh_phys_probe_read(d->plat, d->es_pa, probe, sizeof(probe));
	d->expected_violations += ret == -EFAULT;
	attack(d, "cpu_read_bitstream", ret, -EFAULT,
	       "the clear bitstream is in the TEE's static chunk: the CPU read traps too");

	ret = rh_importer_map(d->gpu_drv, f0->dmabuf, RH_DMA_TO_DEVICE, &gmap);
	if (!ret)
		rh_importer_unmap(gmap);
	attack(d, "gpu_import", ret, -EACCES,
	       "the gpu driver maps frame 0 to compose it: the table is restricted, the "
	       "secure video TA refuses to make the gpu secure (not secure-capable), the "
	       "mapping is undone");

	ret = rh_device_dma_read(d->gpu, f0->pa, probe, sizeof(probe));
	d->expected_violations += ret == -EACCES;
	attack(d, "gpu_dma_read", ret, -EACCES,
	       "a rogue gpu driver points its DMA engine at the frame anyway: the firewall "
	       "refuses the non-secure master and logs a violation (EMI MPU report)");
	check(d, !rh_phys_violation_last(d->plat, &v) &&
		 v.master_id == rh_device_master_id(d->gpu) && !v.secure,
	      "the gpu's access was not logged as a violation");

	ret = tee_open(d, RH_TZ_TA_MEM_UUID_MTK, &d->secmem_session);
	d->secmem_open = !ret;
	if (!check(d, !ret, "cannot open a session to the secure-memory TA: %s",
		   cli_errno_name(ret, ebuf, sizeof(ebuf))))
		return TOOLS_EXIT_FAILURE;
	rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &before);
	/* Handles are random: a guess next to a real one is still a guess. */
	forged = (d->es_handle ^ 0x00010000u) & 0xffffffffu;
	ret = secmem_free(d, forged);
	attack(d, "forged_handle_free", ret, -ENOENT,
	       "FREE of a guessed secure handle through a session of its own: the TA knows "
	       "no such buffer and answers ITEM_NOT_FOUND; nothing is freed");
	rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &after);
	check(d, after.refused_handles == before.refused_handles + 1 &&
		 after.live_buffers == before.live_buffers,
	      "the TA did not refuse the forged handle cleanly");

	/* The decoder is done with the bitstream: release it, keep its handle. */
	rh_importer_unmap(d->es_map);
	d->es_map = NULL;
	rh_dma_buf_put(d->es);
	d->es = NULL;
	rh_close(d->plat, d->es_fd);
	d->es_fd = -1;
	rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &before);
	check(d, before.live_buffers == 0 && before.bytes_used == 0,
	      "the bitstream buffer is still alive in the TA after its fd was closed");
	note(d, "the decoder finished with the bitstream: unmapped, fd closed, the heap sent "
	     "FREE for handle 0x%" PRIx64 " and the TA scrubbed it", d->es_handle);
	ret = secmem_free(d, d->es_handle);
	attack(d, "double_free", ret, -ENOENT,
	       "FREE of that stale handle again: the TA refuses the double free "
	       "(ITEM_NOT_FOUND)");
	rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &after);
	check(d, after.refused_handles == before.refused_handles + 1,
	      "the TA did not count the double free as refused");
	return 0;
}

static int step_stop(struct demo *d)
{
	const struct rh_reserved_region *cma =
		rh_phys_reserved_find_compatible(d->plat, RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	struct rh_restricted_mtk_stats ms;
	struct rh_importer_stats dst = { 0 }, pst = { 0 }, gst = { 0 };
	struct rh_secmem_stats ss;
	uint64_t off, nonzero = 0;
	char sz[32], ebuf[16];
	uint8_t *chunk;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < d->nr_frames; i++) {
		rh_importer_unmap(d->frames[i].disp);
		rh_importer_unmap(d->frames[i].dec);
		d->frames[i].disp = d->frames[i].dec = NULL;
	}
	check(d, !rh_device_is_secure(d->vcodec) && !rh_device_is_secure(d->display) &&
		 !rh_importer_get_stats(d->dec_drv, &dst) && dst.normal_switches == 1 &&
		 !rh_importer_get_stats(d->disp_drv, &pst) && pst.normal_switches == 1,
	      "vcodec/display did not leave secure mode");
	check(d, !dst.maps && !pst.maps && !rh_importer_get_stats(d->gpu_drv, &gst) &&
	      !gst.maps && gst.refused == 1, "a driver still holds a mapping");
	note(d, "playback stopped: the drivers unmapped every frame, and with their last "
	     "restricted mapping gone vcodec and display went back to normal mode");

	for (i = 0; i < d->nr_frames; i++) {
		struct demo_frame *f = &d->frames[i];

		rh_dma_buf_put(f->dmabuf);
		f->dmabuf = NULL;
		if (i + 1 == d->nr_frames) {
			check(d, !rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CMA_NAME,
							      &ms) && ms.cma_held,
			      "the region went back before the last frame was freed");
			note(d, "closing the last frame: the TA scrubs what was used, unprotects the "
			     "region, and CMA releases it to Linux");
		}
		rh_close(d->plat, f->fd);
		f->fd = -1;
	}
	check(d, !rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CMA_NAME, &ms) &&
		 !ms.cma_held && ms.cma_allocs == 1 && ms.cma_releases == 1 &&
		 ms.cma_used_size == 0, "the CMA region was not released exactly once");
	check(d, !rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &ss) &&
		 !ss.lent && ss.lends == 1 && ss.unlends == 1 && ss.live_buffers == 0,
	      "the TA still holds the region");
	check(d, fw_slot_over(d, cma->base, RH_PAGE_SIZE) < 0 &&
		 fw_in_use(d) == d->fw_in_use_at_boot,
	      "the firewall still protects the released region");

	/* The normal world reads the whole region back: nothing may survive. */
	chunk = malloc(DEMO_READBACK_CHUNK);
	if (!chunk)
		return tools_error(stderr, PROG, CMD, "out of memory");
	for (off = 0; off < cma->size && !ret; off += DEMO_READBACK_CHUNK) {
		size_t n = cma->size - off < DEMO_READBACK_CHUNK ? cma->size - off :
								   DEMO_READBACK_CHUNK;
		size_t k;

		ret = rh_phys_probe_read(d->plat, cma->base + off, chunk, n);
		for (k = 0; !ret && k < n; k++)
			nonzero += chunk[k] != 0;
	}
	free(chunk);
	check(d, !ret, "the normal world cannot read the released region: %s",
	      cli_errno_name(ret, ebuf, sizeof(ebuf)));
	check(d, !nonzero, "%" PRIu64 " non-zero bytes survived in the released region", nonzero);
	if (!ret)
		note(d, "read back all %s of %s from the normal world: %" PRIu64 " non-zero "
		     "bytes, nothing of the pictures survived",
		     cli_size_str(cma->size, sz, sizeof(sz)), cma->name, nonzero);
	return 0;
}

/* Final numbers and the leak checks. */
static void step_report(struct demo *d)
{
	struct rh_dma_heap_stats cm = { 0 }, cmaf = { 0 };
	struct rh_secmem_stats s_cm = { 0 }, s_cma = { 0 };
	struct rh_platform_stats ps = { 0 };
	struct rh_dma_buf_stats bs = { 0 };
	int fds;

	heap_stats(d, RH_RESTRICTED_MTK_CM_NAME, &cm);
	heap_stats(d, RH_RESTRICTED_MTK_CMA_NAME, &cmaf);
	rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &s_cm);
	rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &s_cma);
	rh_platform_get_stats(d->plat, &ps);
	rh_dma_buf_get_stats(d->plat, &bs);
	fds = rh_fd_count(d->plat);

	note(d, "allocations: %s %" PRIu64 " (freed %" PRIu64 "), %s %" PRIu64 " (freed %" PRIu64
	     "); secure-memory TA: %" PRIu64 " ZALLOC, %" PRIu64 " FREE, %" PRIu64 " refused handles",
	     RH_RESTRICTED_MTK_CM_NAME, cm.allocs, cm.frees, RH_RESTRICTED_MTK_CMA_NAME,
	     cmaf.allocs, cmaf.frees, s_cm.zallocs + s_cma.zallocs, s_cm.frees + s_cma.frees,
	     s_cma.refused_handles);
	note(d, "TEE: %" PRIu64 " world switches (%" PRIu64 " SMC round trips); firewall: %" PRIu64
	     " programs, %" PRIu64 " clears, %" PRIu64 " policy changes, peak %u of %u slots; "
	     "violations: %" PRIu64 " (%" PRIu64 " CPU, %" PRIu64 " DMA)",
	     ps.world_switches, ps.world_switches / 2, ps.firewall_programs, ps.firewall_clears,
	     ps.firewall_policy_changes, ps.firewall_regions_peak, ps.firewall_regions,
	     ps.violations, ps.cpu_violations, ps.dma_violations);

	check(d, bs.count == 0, "%" PRIu64 " dma-bufs still alive", bs.count);
	check(d, fds == 3, "%d fds open, expected only the 3 standard streams", fds);
	check(d, cm.count == 0 && cmaf.count == 0 && cm.allocs == cm.frees &&
		 cmaf.allocs == cmaf.frees, "the heaps' allocations and frees do not match");
	check(d, cm.allocs == 1 && cmaf.allocs == d->nr_frames,
	      "the heaps counted %" PRIu64 " + %" PRIu64 " allocations", cm.allocs, cmaf.allocs);
	check(d, s_cm.live_buffers == 0 && s_cma.live_buffers == 0 && s_cm.bytes_used == 0 &&
		 s_cma.bytes_used == 0, "the TA still holds buffers");
	check(d, s_cm.zallocs + s_cma.zallocs == 1 + d->nr_frames &&
		 s_cm.frees + s_cma.frees == 1 + d->nr_frames,
	      "TA ZALLOC/FREE counts do not match the buffers");
	check(d, ps.violations == d->expected_violations &&
		 ps.cpu_violations + ps.dma_violations == ps.violations,
	      "%" PRIu64 " violations recorded, %" PRIu64 " expected", ps.violations,
	      d->expected_violations);
	check(d, ps.firewall_regions_in_use == d->fw_in_use_at_boot &&
		 ps.firewall_programs >= ps.firewall_clears,
	      "firewall slots in use at the end differ from boot");
	check(d, !d->tee_close_errors, "%u of the demo's TEE sessions were not open at the end",
	      d->tee_close_errors);
	check(d, d->seen[RH_TRACE_ATTACK] == 8, "%" PRIu64 " attacks narrated, expected 8",
	      d->seen[RH_TRACE_ATTACK]);
	check(d, d->seen[RH_TRACE_FRAME_DIGEST] == d->nr_frames, "%" PRIu64 " frames displayed",
	      d->seen[RH_TRACE_FRAME_DIGEST]);
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
	/* The drivers go last: each closes its own TEE session. */
	rh_importer_free(d->gpu_drv);
	rh_importer_free(d->disp_drv);
	rh_importer_free(d->dec_drv);
	d->gpu_drv = d->disp_drv = d->dec_drv = NULL;
}

static int run(struct demo *d)
{
	static const char *const titles[] = {
		"1. Boot",
		"2. Open the restricted heaps",
		"3. Decrypt the bitstream into secure memory",
		"4. Allocate the frame buffers",
		"5. Decode and display",
		"6. Attacks from the normal world",
		"7. Stop: give the memory back",
	};
	static int (*const steps[])(struct demo *d) = {
		step_boot, step_open, step_bitstream, step_frames, step_play, step_attacks,
		step_stop,
	};
	unsigned int i;
	int ret = 0;

	/* Phase 1 began inside rh_platform_new(), before the first boot event. */
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (i)
			phase_begin(d, titles[i]);
		ret = steps[i](d);
		if (ret) {
			phase_end(d, titles[i]);
			break;
		}
		if (i + 1 == sizeof(steps) / sizeof(steps[0])) {
			cleanup(d);
			step_report(d);
		}
		phase_end(d, titles[i]);
	}
	cleanup(d);
	if (ret) {
		note(d, "result: stopped in step %s after %u of %u checks failed (first: %s)",
		     titles[i], d->failures, d->checks, d->first_failure);
		return ret;
	}
	if (d->failures)
		note(d, "result: %u of %u checks FAILED (first: %s)", d->failures, d->checks,
		     d->first_failure);
	else
		note(d, "result: all %u checks passed: every attack was refused, nothing leaked, "
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
		{ "frames", required_argument, NULL, 'n' },
		{ "resolution", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "trace", required_argument, NULL, 't' },
		{ "mermaid", required_argument, NULL, 'm' },
		{ "no-color", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
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
	ret = cli_platform_new(CMD, d->dtb_path, &info, &d->plat);
	if (ret)
		goto out_close;
	d->vcodec = rh_device_find(d->plat, "vcodec");
	d->display = rh_device_find(d->plat, "display");
	d->gpu = rh_device_find(d->plat, "gpu");
	if (!d->vcodec || !d->display || !d->gpu) {
		ret = tools_usage_error(stderr, PROG, CMD,
					"%s: the demo needs devices named vcodec, display and gpu",
					d->dtb_path ? d->dtb_path : "platform");
	} else if (!rh_phys_reserved_find_compatible(d->plat, RH_MTK_SECURE_CHUNK_COMPATIBLE) ||
		   !rh_phys_reserved_find_compatible(d->plat, RH_MTK_DYNAMIC_REGION_COMPATIBLE)) {
		ret = tools_usage_error(stderr, PROG, CMD,
					"%s: the demo needs a " RH_MTK_SECURE_CHUNK_COMPATIBLE
					" and a " RH_MTK_DYNAMIC_REGION_COMPATIBLE " region",
					d->dtb_path ? d->dtb_path : "platform");
	} else if ((ret = rh_importer_new(d->vcodec, &d->dec_drv)) ||
		   (ret = rh_importer_new(d->display, &d->disp_drv)) ||
		   (ret = rh_importer_new(d->gpu, &d->gpu_drv))) {
		rh_importer_free(d->disp_drv);
		rh_importer_free(d->dec_drv);
		ret = tools_error(stderr, PROG, CMD, "cannot create the drivers: %s",
				  strerror(-ret));
	} else {
		ret = run(d);
	}
	/* Destroying the platform finishes the sinks: the trace files complete here. */
	d->plat = rh_platform_unref(d->plat);

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
