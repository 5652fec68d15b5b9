// SPDX-License-Identifier: MIT
/* rheap-sim demo: the playback steps (all but the attacks), their TEE calls and content. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <rheap/firewall.h>
#include <rheap/rheap.h>
#include <rheap/secure-stats.h>
#include <rheap/svp.h>

#include "demo.h"


/* ------------------------------------------------------------------ TEE helpers */

int demo_tee_open(struct demo *d, const char *uuid, uint32_t *ret_session)
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
int demo_tee_invoke(struct demo *d, uint32_t session, uint32_t func,
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
void demo_make_sample(uint8_t *p, size_t len)
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
void demo_decode_frame(const uint8_t *es, size_t es_len, unsigned int n, uint8_t *out,
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

int demo_sha256(const void *p, size_t len, uint8_t md[32])
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
int demo_fw_slot_over(struct demo *d, rh_phys_addr_t base, uint64_t size)
{
	unsigned int i, n = rh_platform_get_desc(d->plat)->firewall_regions;
	struct rh_fw_region r;

	for (i = 0; i < n; i++)
		if (!rh_phys_firewall_region(d->plat, i, &r) && r.in_use &&
		    r.base <= base && base - r.base + size <= r.size)
			return (int)i;
	return -1;
}

unsigned int demo_fw_in_use(struct demo *d)
{
	struct rh_platform_stats ps;

	return rh_platform_get_stats(d->plat, &ps) ? 0 : ps.firewall_regions_in_use;
}

int demo_alloc_fd(struct demo *d, int heap_fd, uint64_t len, int *ret_fd,
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

int demo_step_boot(struct demo *d)
{
	const struct rh_platform_desc *desc = rh_platform_get_desc(d->plat);
	const struct rh_reserved_region *cm, *cma;
	struct rh_secmem_stats ss;
	char sz[32], sz2[32];
	int slot;

	cm = rh_phys_reserved_find_compatible(d->plat, RH_MTK_SECURE_CHUNK_COMPATIBLE);
	cma = rh_phys_reserved_find_compatible(d->plat, RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	demo_note(d, "%s: %u MiB of DRAM, %u firewall slots of %s granularity, %u DMA masters",
		  desc->model, (unsigned int)(desc->dram_size >> 20), desc->firewall_regions,
		  cli_size_str(desc->firewall_granularity, sz, sizeof(sz)), desc->nr_devices);
	slot = demo_fw_slot_over(d, cm->base, cm->size);
	demo_note(d, "%s (%s at 0x%" PRIx64 ") belongs to the TEE from boot: firewall slot %d "
		  "makes it secure-only, so Linux never maps it (no-map)", cm->name,
		  cli_size_str(cm->size, sz, sizeof(sz)), cm->base, slot);
	demo_check(d, slot >= 0, "the secure chunk is not protected at boot");
	demo_check(d, !rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &ss) &&
		      ss.available && ss.lent && ss.firewall_regions == 1,
		   "the secure-memory TA does not hold the chunk at boot");
	demo_note(d, "%s (%s at 0x%" PRIx64 ") stays ordinary memory for now: CMA lends all of it "
		  "to the TEE when secure playback starts", cma->name,
		  cli_size_str(cma->size, sz2, sizeof(sz2)), cma->base);
	demo_check(d, demo_fw_slot_over(d, cma->base, RH_PAGE_SIZE) < 0,
		   "the CMA region is protected before any playback");
	d->fw_in_use_at_boot = demo_fw_in_use(d);
	return 0;
}

int demo_step_open(struct demo *d)
{
	char path[96];

	snprintf(path, sizeof(path), RH_DMA_HEAP_DEV_DIR "/%s", RH_RESTRICTED_MTK_CM_NAME);
	d->cm_fd = rh_open(d->plat, path, O_RDWR | O_CLOEXEC);
	snprintf(path, sizeof(path), RH_DMA_HEAP_DEV_DIR "/%s", RH_RESTRICTED_MTK_CMA_NAME);
	d->cma_fd = rh_open(d->plat, path, O_RDWR | O_CLOEXEC);
	if (!demo_check(d, d->cm_fd >= 0 && d->cma_fd >= 0,
			"cannot open the restricted heaps (%d, %d)", d->cm_fd, d->cma_fd))
		return TOOLS_EXIT_FAILURE;
	demo_note(d, "the player opened %s (fd %d) for the bitstream and %s (fd %d) for the "
		  "pictures; no TEE session yet: each heap opens its own on its first allocation",
		  RH_RESTRICTED_MTK_CM_NAME, d->cm_fd, RH_RESTRICTED_MTK_CMA_NAME, d->cma_fd);
	/* The first time the narration says "seed": what it is. */
	demo_note(d, "that lazy heap_init is seed patch 7; the seed is the Linux series this "
		  "library re-creates, MediaTek's \"dma-buf: heaps: Add restricted heap\" v5, "
		  "patches 1-9");
	return 0;
}

uint8_t *demo_receive_sample(struct demo *d, int *ret_exit)
{
	uint8_t iv[RH_SVP_IV_LEN], *wire;
	char ebuf[16], h1[40], h2[40];
	int ret;

	/* The content provider's side: the clear sample never reaches the player. */
	d->sample = malloc(DEMO_SAMPLE_LEN);
	wire = malloc(DEMO_SAMPLE_LEN + RH_SVP_IV_LEN);
	if (!d->sample || !wire) {
		free(wire);
		*ret_exit = tools_error(stderr, PROG, CMD, "out of memory");
		return NULL;
	}
	demo_make_sample(d->sample, DEMO_SAMPLE_LEN);
	ret = rh_svp_package_sample(d->plat, d->sample, DEMO_SAMPLE_LEN, iv, wire);
	if (!demo_check(d, !ret, "packaging the sample failed: %s",
			cli_errno_name(ret, ebuf, sizeof(ebuf)))) {
		free(wire);
		*ret_exit = TOOLS_EXIT_FAILURE;
		return NULL;
	}
	memcpy(wire + DEMO_SAMPLE_LEN, iv, RH_SVP_IV_LEN);
	demo_note(d, "the player received %u KiB of AES-128-CTR ciphertext (starts %s, clear text "
		  "starts %s); the key exists only inside the secure video TA",
		  DEMO_SAMPLE_LEN >> 10, demo_hex(wire, 8, h1, sizeof(h1)),
		  demo_hex(d->sample, 8, h2, sizeof(h2)));
	demo_check(d, memcmp(wire, d->sample, DEMO_SAMPLE_LEN) != 0, "the sample is not encrypted");
	return wire;
}

int demo_step_bitstream(struct demo *d)
{
	struct rh_tee_param p[RH_TEE_NUM_PARAMS] = { 0 };
	struct rh_restricted_mtk_stats ms;
	struct rh_restricted_buffer *rbuf;
	struct rh_tee_shm *shm;
	uint8_t *wire;
	char ebuf[16];
	int ret;

	ret = demo_alloc_fd(d, d->cm_fd, DEMO_ES_SIZE, &d->es_fd, &d->es);
	if (!demo_check(d, !ret, "allocating the bitstream buffer failed: %s",
			cli_errno_name(ret, ebuf, sizeof(ebuf))))
		return TOOLS_EXIT_FAILURE;
	rh_ioctl(d->plat, d->es_fd, RH_DMA_BUF_SET_NAME, (void *)"es-bitstream");
	if (!rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CM_NAME, &ms))
		demo_note(d, "first allocation: %s opened TEE session %" PRIu32 " to MediaTek's "
			  "secure-memory TA (UUID " RH_TZ_TA_MEM_UUID_MTK ") and asked it for the "
			  "memory (SECMEM_ZALLOC)", RH_RESTRICTED_MTK_CM_NAME, ms.tee_session);
	demo_check(d, !rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CM_NAME, &ms) &&
		      ms.tee_open && ms.tee_inits == 1, "the CM heap has no TEE session");
	rbuf = rh_restricted_buffer_get(d->es);
	if (!demo_check(d, rbuf && rbuf->sg_table.orig_nents >= 1,
			"the bitstream buffer is not a restricted buffer"))
		return TOOLS_EXIT_FAILURE;
	d->es_handle = rbuf->restricted_addr;
	d->es_pa = rh_sg_phys(rbuf->sg_table.sgl);
	demo_note(d, "bitstream buffer: fd %d, %u MiB at 0x%" PRIx64 " (%u sg entr%s), secure handle "
		  "0x%" PRIx64 ": the TA zeroed it and the firewall already guards it",
		  d->es_fd, DEMO_ES_SIZE >> 20, d->es_pa, rbuf->sg_table.orig_nents,
		  rbuf->sg_table.orig_nents == 1 ? "y" : "ies", d->es_handle);

	wire = demo_receive_sample(d, &ret);
	if (!wire)
		return ret;

	d->tee = rh_tee_client_open_context(d->plat, NULL, NULL, NULL, NULL);
	if (!demo_check(d, !RH_IS_ERR(d->tee), "no TEE context: %s",
			cli_errno_name((int)RH_PTR_ERR(d->tee), ebuf, sizeof(ebuf)))) {
		d->tee = NULL;
		free(wire);
		return TOOLS_EXIT_FAILURE;
	}
	ret = demo_tee_open(d, RH_TA_SVP_UUID, &d->svp_session);
	d->svp_open = !ret;
	if (!demo_check(d, !ret, "cannot open the secure video TA: %s",
			cli_errno_name(ret, ebuf, sizeof(ebuf)))) {
		free(wire);
		return TOOLS_EXIT_FAILURE;
	}
	demo_note(d, "the decoder driver opened session %" PRIu32 " to the secure video TA "
		  RH_TA_SVP_UUID, d->svp_session);

	shm = rh_tee_shm_register_kernel_buf(d->tee, wire, DEMO_SAMPLE_LEN + RH_SVP_IV_LEN);
	if (!demo_check(d, !RH_IS_ERR(shm), "cannot share the ciphertext with the TEE")) {
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
	ret = demo_tee_invoke(d, d->svp_session, RH_SVP_CMD_DECRYPT, p);
	rh_tee_shm_put(shm);
	free(wire);
	if (!demo_check(d, !ret && p[3].u.value.a == DEMO_SAMPLE_LEN, "DECRYPT failed: %s",
			cli_errno_name(ret, ebuf, sizeof(ebuf))))
		return TOOLS_EXIT_FAILURE;
	demo_note(d, "the TA decrypted the sample straight into handle 0x%" PRIx64
		  ": the clear bitstream now exists only in secure memory", d->es_handle);
	return 0;
}

/*
 * After a frame allocation failed with @err: how many frames the CMA heap's
 * region holds, and the options that make the run fit (the minimal platform
 * has 64 MiB: five 4K frames).
 */
static void frames_hint(struct demo *d, int err, char *buf, size_t len)
{
	struct rh_restricted_mtk_stats ms;
	char sz[32];
	uint64_t fit;

	buf[0] = '\0';
	if ((err != -ENOMEM && err != -EINVAL) ||
	    rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CMA_NAME, &ms))
		return;
	fit = ms.region_size / d->frame_size;
	if (fit)
		snprintf(buf, len, ": the %s region of %s holds %" PRIu64 " frame%s of %ux%u: "
			 "try --frames %" PRIu64 " or a smaller --resolution",
			 cli_size_str(ms.region_size, sz, sizeof(sz)), RH_RESTRICTED_MTK_CMA_NAME,
			 fit, fit == 1 ? "" : "s", d->width, d->height, fit);
	else
		snprintf(buf, len, ": the %s region of %s is smaller than one %ux%u frame: "
			 "try a smaller --resolution",
			 cli_size_str(ms.region_size, sz, sizeof(sz)), RH_RESTRICTED_MTK_CMA_NAME,
			 d->width, d->height);
}

int demo_step_frames(struct demo *d)
{
	const struct rh_reserved_region *cma =
		rh_phys_reserved_find_compatible(d->plat, RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	struct rh_restricted_mtk_stats ms;
	struct rh_secmem_stats ss;
	char sz[32], ebuf[16], hint[160];
	unsigned int i;
	int ret, slot;

	demo_note(d, "%u NV12 frames of %ux%u: %" PRIu64 " bytes each, page-rounded", d->nr_frames,
		  d->width, d->height, d->frame_size);
	for (i = 0; i < d->nr_frames; i++) {
		struct demo_frame *f = &d->frames[i];
		struct rh_restricted_buffer *rbuf;
		char name[32];

		ret = demo_alloc_fd(d, d->cma_fd, d->frame_size, &f->fd, &f->dmabuf);
		if (ret) {
			frames_hint(d, ret, hint, sizeof(hint));
			demo_check(d, false, "frame %u: allocation of %" PRIu64 " bytes failed: %s%s",
				   i, d->frame_size, cli_errno_name(ret, ebuf, sizeof(ebuf)), hint);
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
		slot = demo_fw_slot_over(d, cma->base, cma->size);
		if (!rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CMA_NAME, &ms))
			demo_note(d, "frame 0 at 0x%" PRIx64 ": %s took all %s of %s from CMA "
				  "and lent it to the TEE (session %" PRIu32 "): firewall slot %d "
				  "now locks the normal view of the whole region", f->pa,
				  RH_RESTRICTED_MTK_CMA_NAME, cli_size_str(cma->size, sz, sizeof(sz)),
				  cma->name, ms.tee_session, slot);
		demo_check(d, slot >= 0, "the CMA region is not protected after the first frame");
		demo_check(d, !rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CMA_NAME, &ms) &&
			      ms.cma_held && ms.cma_allocs == 1,
			   "the CMA heap does not hold its region");
		demo_check(d, !rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &ss) &&
			      ss.lent, "the secure-memory TA did not take the region");
	}
	demo_check(d, !rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CMA_NAME, &ms) &&
		      ms.cma_allocs == 1 && ms.cma_used_size == d->nr_frames * d->frame_size,
		   "the later frames did not reuse the lent region");
	demo_check(d, demo_fw_in_use(d) == d->fw_in_use_at_boot + 1,
		   "%u firewall slots in use, expected %" PRIu64, demo_fw_in_use(d),
		   d->fw_in_use_at_boot + 1);
	if (d->nr_frames > 2)
		snprintf(sz, sizeof(sz), "frames 1-%u were", d->nr_frames - 1);
	else
		snprintf(sz, sizeof(sz), "frame 1 was");
	if (d->nr_frames > 1)
		demo_note(d, "%s carved from the lent region by the TA: no more CMA or firewall work, "
			  "still %u slot%s in use", sz, demo_fw_in_use(d), demo_fw_in_use(d) == 1 ? "" : "s");
	return 0;
}

/*
 * The decoder reads the clear bitstream back by DMA (checked against the
 * sample), then decodes each frame into its buffer and the display reads
 * it: a digest event per frame. Returns 0 or an exit code.
 */
int demo_decode_and_show(struct demo *d)
{
	uint8_t md[32], md2[32], *es_copy;
	char digest[DEMO_DIGEST_HEX + 1], ebuf[16];
	unsigned int i;
	int ret;

	es_copy = malloc(DEMO_SAMPLE_LEN);
	if (!es_copy)
		return tools_error(stderr, PROG, CMD, "out of memory");
	ret = rh_importer_read(d->es_map, 0, es_copy, DEMO_SAMPLE_LEN);
	demo_check(d, !ret && !memcmp(es_copy, d->sample, DEMO_SAMPLE_LEN),
		   "the decoder did not read the clear bitstream back (%s)",
		   ret ? cli_errno_name(ret, ebuf, sizeof(ebuf)) : "content differs");
	if (!ret)
		demo_note(d, "the decoder read the clear bitstream by DMA: it matches the content "
			  "provider's sample byte for byte");

	for (i = 0; i < d->nr_frames; i++) {
		struct demo_frame *f = &d->frames[i];

		demo_decode_frame(es_copy, DEMO_SAMPLE_LEN, i, d->pix_out, d->frame_size);
		ret = rh_importer_write(f->dec, 0, d->pix_out, d->frame_size);
		if (!demo_check(d, !ret, "%s could not write frame %u: %s", rh_device_name(d->vcodec), i,
				cli_errno_name(ret, ebuf, sizeof(ebuf))))
			break;
		ret = rh_importer_read(f->disp, 0, d->pix_in, d->frame_size);
		if (!demo_check(d, !ret, "display could not read frame %u: %s", i,
				cli_errno_name(ret, ebuf, sizeof(ebuf))))
			break;
		if (!demo_check(d, !demo_sha256(d->pix_in, d->frame_size, md) &&
				!demo_sha256(d->pix_out, d->frame_size, md2), "SHA-256 failed"))
			break;
		demo_hex(md, DEMO_DIGEST_HEX / 2, digest, sizeof(digest));
		demo_emit(d, &(struct rh_trace_event){ RH_TRACE_FRAME_DIGEST,
						       .track = RH_TRACE_TRACK_DEVICE,
						       .track_name = rh_device_name(d->display),
						       .id = i, .pa = f->pa, .size = d->frame_size,
						       .msg = digest });
		demo_check(d, !memcmp(md, md2, sizeof(md)),
			   "frame %u: the display saw other pixels than the decoder wrote", i);
	}
	free(es_copy);
	return 0;
}

/* Each driver maps what it uses; the importer switches its device to secure mode. */
int demo_step_play(struct demo *d)
{
	struct rh_importer_stats dst, pst;
	unsigned int i, restricted = 0, maps = 0;
	char ebuf[16];
	int ret;

	ret = rh_importer_map(d->dec_drv, d->es, RH_DMA_TO_DEVICE, &d->es_map);
	if (!demo_check(d, !ret, "vcodec cannot import the bitstream: %s",
			cli_errno_name(ret, ebuf, sizeof(ebuf))))
		return TOOLS_EXIT_FAILURE;
	maps++;
	restricted += rh_sg_dma_is_restricted(rh_importer_map_sgt(d->es_map)->sgl);
	for (i = 0; i < d->nr_frames; i++) {
		struct demo_frame *f = &d->frames[i];

		ret = rh_importer_map(d->dec_drv, f->dmabuf, RH_DMA_FROM_DEVICE, &f->dec);
		if (!ret)
			ret = rh_importer_map(d->disp_drv, f->dmabuf, RH_DMA_TO_DEVICE, &f->disp);
		if (!demo_check(d, !ret, "frame %u cannot be imported: %s", i,
				cli_errno_name(ret, ebuf, sizeof(ebuf))))
			return TOOLS_EXIT_FAILURE;
		maps += 2;
		restricted += rh_sg_dma_is_restricted(rh_importer_map_sgt(f->dec)->sgl) +
			      rh_sg_dma_is_restricted(rh_importer_map_sgt(f->disp)->sgl);
	}
	demo_note(d, "vcodec mapped the bitstream and %u frames, display the %u frames: %u of %u "
		  "mapped tables say sg_dma_is_restricted = true", d->nr_frames, d->nr_frames,
		  restricted, maps);
	demo_check(d, restricted == maps, "only %u of %u mappings are marked restricted", restricted,
		   maps);
	demo_check(d, !rh_importer_get_stats(d->dec_drv, &dst) && dst.secure_switches == 1 &&
		      !rh_importer_get_stats(d->disp_drv, &pst) && pst.secure_switches == 1 &&
		      rh_device_is_secure(d->vcodec) && rh_device_is_secure(d->display),
		   "vcodec and display are not in secure mode");
	demo_note(d, "for each restricted mapping the driver asked the secure video TA to map that "
		  "buffer for its device's secure DMA; with the first, the device entered secure "
		  "mode: the firewall now lets these two masters reach exactly the buffers they "
		  "were granted, and write nowhere else");

	return demo_decode_and_show(d);
}

int demo_count_nonzero(struct demo *d, rh_phys_addr_t base, uint64_t size,
		       uint64_t *ret_nonzero)
{
	uint64_t off, nonzero = 0;
	uint8_t *chunk;
	int ret = 0;

	chunk = malloc(DEMO_READBACK_CHUNK);
	if (!chunk)
		return -ENOMEM;
	for (off = 0; off < size && !ret; off += DEMO_READBACK_CHUNK) {
		size_t n = size - off < DEMO_READBACK_CHUNK ? size - off : DEMO_READBACK_CHUNK;
		size_t k;

		ret = rh_phys_probe_read(d->plat, base + off, chunk, n);
		for (k = 0; !ret && k < n; k++)
			nonzero += chunk[k] != 0;
	}
	free(chunk);
	*ret_nonzero = nonzero;
	return ret;
}

int demo_step_stop(struct demo *d)
{
	const struct rh_reserved_region *cma =
		rh_phys_reserved_find_compatible(d->plat, RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	struct rh_restricted_mtk_stats ms;
	struct rh_importer_stats dst = { 0 }, pst = { 0 }, gst = { 0 };
	struct rh_secmem_stats ss;
	uint64_t nonzero = 0;
	char sz[32], ebuf[16];
	unsigned int i;
	int ret;

	for (i = 0; i < d->nr_frames; i++) {
		rh_importer_unmap(d->frames[i].disp);
		rh_importer_unmap(d->frames[i].dec);
		d->frames[i].disp = d->frames[i].dec = NULL;
	}
	demo_check(d, !rh_device_is_secure(d->vcodec) && !rh_device_is_secure(d->display) &&
		      !rh_importer_get_stats(d->dec_drv, &dst) && dst.normal_switches == 1 &&
		      !rh_importer_get_stats(d->disp_drv, &pst) && pst.normal_switches == 1,
		   "vcodec/display did not leave secure mode");
	demo_check(d, !dst.maps && !pst.maps && !rh_importer_get_stats(d->gpu_drv, &gst) &&
		   !gst.maps && gst.refused == 1, "a driver still holds a mapping");
	demo_note(d, "playback stopped: the drivers unmapped every frame, and with their last "
		  "restricted mapping gone vcodec and display went back to normal mode");

	for (i = 0; i < d->nr_frames; i++) {
		struct demo_frame *f = &d->frames[i];

		rh_dma_buf_put(f->dmabuf);
		f->dmabuf = NULL;
		if (i + 1 == d->nr_frames) {
			demo_check(d, !rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CMA_NAME,
								   &ms) && ms.cma_held,
				   "the region went back before the last frame was freed");
			demo_note(d, "closing the last frame: the TA scrubs what was used, "
				  "unprotects the region, and CMA releases it to Linux");
		}
		rh_close(d->plat, f->fd);
		f->fd = -1;
	}
	demo_check(d, !rh_restricted_mtk_get_stats(d->plat, RH_RESTRICTED_MTK_CMA_NAME, &ms) &&
		      !ms.cma_held && ms.cma_allocs == 1 && ms.cma_releases == 1 &&
		      ms.cma_used_size == 0, "the CMA region was not released exactly once");
	demo_check(d, !rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &ss) &&
		      !ss.lent && ss.lends == 1 && ss.unlends == 1 && ss.live_buffers == 0,
		   "the TA still holds the region");
	demo_check(d, demo_fw_slot_over(d, cma->base, RH_PAGE_SIZE) < 0 &&
		      demo_fw_in_use(d) == d->fw_in_use_at_boot,
		   "the firewall still protects the released region");

	/* The normal world reads the whole region back: nothing may survive. */
	ret = demo_count_nonzero(d, cma->base, cma->size, &nonzero);
	if (ret == -ENOMEM)
		return tools_error(stderr, PROG, CMD, "out of memory");
	demo_check(d, !ret, "the normal world cannot read the released region: %s",
		   cli_errno_name(ret, ebuf, sizeof(ebuf)));
	demo_check(d, !nonzero, "%" PRIu64 " non-zero bytes survived in the released region", nonzero);
	if (!ret)
		demo_note(d, "read back all %s of %s from the normal world: %" PRIu64 " non-zero "
			  "bytes, nothing of the pictures survived",
			  cli_size_str(cma->size, sz, sizeof(sz)), cma->name, nonzero);
	return 0;
}

/* TEE sessions the MTK heaps hold (they close them when the platform goes). */
static unsigned int heap_sessions(struct demo *d)
{
	static const char *const heaps[] = { RH_RESTRICTED_MTK_CM_NAME, RH_RESTRICTED_MTK_CMA_NAME };
	struct rh_restricted_mtk_stats ms;
	unsigned int i, n = 0;

	for (i = 0; i < sizeof(heaps) / sizeof(heaps[0]); i++)
		n += !rh_restricted_mtk_get_stats(d->plat, heaps[i], &ms) && ms.tee_open;
	return n;
}

/* Final numbers and the leak checks. */
void demo_step_report(struct demo *d)
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

	demo_note(d, "allocations: %s %" PRIu64 " (freed %" PRIu64 "), %s %" PRIu64
		  " (freed %" PRIu64 "); secure-memory TA: %" PRIu64 " ZALLOC, %" PRIu64
		  " FREE, %" PRIu64 " refused handles",
		  RH_RESTRICTED_MTK_CM_NAME, cm.allocs, cm.frees, RH_RESTRICTED_MTK_CMA_NAME,
		  cmaf.allocs, cmaf.frees, s_cm.zallocs + s_cma.zallocs, s_cm.frees + s_cma.frees,
		  s_cma.refused_handles);
	/*
	 * The heaps keep their sessions until the platform goes: each close at
	 * shutdown is one more SMC round trip, after this note. Say the total
	 * the trace will show, and check it once the platform is gone.
	 */
	d->expected_switches = ps.world_switches + 2 * heap_sessions(d);
	demo_note(d, "TEE: %" PRIu64 " world switches in all, 2 per SMC round trip: %" PRIu64
		  " so far, %" PRIu64 " more when the heaps close their %u sessions at shutdown",
		  d->expected_switches, ps.world_switches, d->expected_switches - ps.world_switches,
		  heap_sessions(d));
	demo_note(d, "firewall: %" PRIu64 " program%s, %" PRIu64 " clear%s, %" PRIu64
		  " policy change%s, peak %u of %u slots; "
		  "violations: %" PRIu64 " (%" PRIu64 " CPU, %" PRIu64 " DMA)",
		  ps.firewall_programs, ps.firewall_programs == 1 ? "" : "s", ps.firewall_clears,
		  ps.firewall_clears == 1 ? "" : "s", ps.firewall_policy_changes,
		  ps.firewall_policy_changes == 1 ? "" : "s", ps.firewall_regions_peak,
		  ps.firewall_regions, ps.violations, ps.cpu_violations, ps.dma_violations);

	demo_check(d, bs.count == 0, "%" PRIu64 " dma-bufs still alive", bs.count);
	demo_check(d, fds == 3, "%d fds open, expected only the 3 standard streams", fds);
	demo_check(d, cm.count == 0 && cmaf.count == 0 && cm.allocs == cm.frees &&
		      cmaf.allocs == cmaf.frees, "the heaps' allocations and frees do not match");
	demo_check(d, cm.allocs == 1 && cmaf.allocs == d->nr_frames,
		   "the heaps counted %" PRIu64 " + %" PRIu64 " allocations", cm.allocs, cmaf.allocs);
	demo_check(d, s_cm.live_buffers == 0 && s_cma.live_buffers == 0 && s_cm.bytes_used == 0 &&
		      s_cma.bytes_used == 0, "the TA still holds buffers");
	demo_check(d, s_cm.zallocs + s_cma.zallocs == 1 + d->nr_frames &&
		      s_cm.frees + s_cma.frees == 1 + d->nr_frames,
		   "TA ZALLOC/FREE counts do not match the buffers");
	demo_check(d, ps.violations == d->expected_violations &&
		      ps.cpu_violations + ps.dma_violations == ps.violations,
		   "%" PRIu64 " violations recorded, %" PRIu64 " expected", ps.violations,
		   d->expected_violations);
	demo_check(d, ps.firewall_regions_in_use == d->fw_in_use_at_boot &&
		      ps.firewall_programs >= ps.firewall_clears,
		   "firewall slots in use at the end differ from boot");
	demo_check(d, !d->tee_close_errors, "%u of the demo's TEE sessions were not open at the end",
		   d->tee_close_errors);
	demo_check(d, d->seen[RH_TRACE_ATTACK] == DEMO_NR_ATTACKS,
		   "%" PRIu64 " attacks narrated, expected %u", d->seen[RH_TRACE_ATTACK],
		   DEMO_NR_ATTACKS);
	demo_check(d, d->seen[RH_TRACE_FRAME_DIGEST] == d->nr_frames, "%" PRIu64 " frames displayed",
		   d->seen[RH_TRACE_FRAME_DIGEST]);
}
