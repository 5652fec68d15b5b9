// SPDX-License-Identifier: MIT
/* rheap-sim demo over the protected heaps of Linux 6.18: LEND/RECLAIM_PROTMEM, SHM_REGISTER_FD, the SDP TA. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rheap/device-bus.h>
#include <rheap/firewall.h>
#include <rheap/rheap.h>
#include <rheap/secure-stats.h>
#include <rheap/svp.h>
#include <rheap/tee-backend.h>

#include "demo.h"

/*
 * The same playback as the MediaTek story, told over the protocol Linux
 * ships since 6.18: one heap, protected,secure-video, owned by the TEE
 * subsystem; the OP-TEE driver lends the secure world a chunk of DMA
 * memory with the first buffer and reclaims it with the last; the player,
 * a user program, registers its protected bitstream buffer with the TEE
 * (TEE_IOC_SHM_REGISTER_FD) and has the secure video TA decrypt into it.
 * The secure world admits the use case's masters (decoder, display) to the
 * whole chunk, not to single buffers.
 */

static const TEEC_UUID svp_uuid = { 0x5cf4a2b8, 0x1d3e, 0x4f60,
				    { 0x8a, 0x7b, 0x9c, 0x0d, 0x1e, 0x2f, 0x3a, 0x4b } };
static const TEEC_UUID sdp_uuid = { 0x12345678, 0x5b69, 0x11e4,
				    { 0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99 } };

void demo_protmem_cleanup(struct demo *d)
{
	if (d->es_registered)
		TEEC_ReleaseSharedMemory(&d->es_shm);
	d->es_registered = false;
	if (d->user_svp_open)
		TEEC_CloseSession(&d->user_svp);
	d->user_svp_open = false;
	if (d->user_open)
		TEEC_FinalizeContext(&d->user);
	d->user_open = false;
}

static struct rh_tee_heap_stats video_stats(struct demo *d)
{
	struct rh_tee_heap_stats st = { 0 };

	rh_tee_heap_get_stats(d->plat, RH_TEE_HEAP_SECURE_VIDEO_NAME, &st);
	return st;
}

static struct rh_protmem_stats secure_stats(struct demo *d, uint32_t use_case)
{
	struct rh_protmem_stats st = { 0 };

	rh_protmem_get_stats(d->plat, use_case, &st);
	return st;
}

static uint64_t world_switches(struct demo *d)
{
	struct rh_platform_stats ps;

	return rh_platform_get_stats(d->plat, &ps) ? 0 : ps.world_switches;
}

/* "vdec rw, display r" for the attributes of @st. */
static const char *masters_of(struct demo *d, const struct rh_tee_heap_stats *st, char *buf,
			      size_t len)
{
	static const char *const access[] = { "?", "r", "w", "rw" };
	unsigned int i, n = rh_device_count(d->plat), k;
	size_t used = 0;

	buf[0] = '\0';
	for (i = 0; i < st->nr_mem_attrs && used < len; i++) {
		const char *name = "?";

		for (k = 0; k < n; k++)
			if (rh_device_master_id(rh_device_get(d->plat, k)) ==
			    RH_PROTMEM_ATTR_MASTER(st->mem_attrs[i]))
				name = rh_device_name(rh_device_get(d->plat, k));
		used += snprintf(buf + used, len - used, "%s%s %s", i ? ", " : "", name,
				 access[RH_PROTMEM_ATTR_ACCESS(st->mem_attrs[i]) & 3]);
	}
	return buf;
}

/* ------------------------------------------------------------------ the steps */

static int pm_step_boot(struct demo *d)
{
	const struct rh_platform_desc *desc = rh_platform_get_desc(d->plat);
	const struct rh_reserved_region *cma =
		rh_phys_reserved_find_compatible(d->plat, "shared-dma-pool");
	struct rh_tee_heap_stats ui = { 0 }, video = video_stats(d), rec = { 0 };
	struct rh_protmem_stats all = secure_stats(d, 0);
	char sz[32], sz2[32], who[128], who2[128];
	int slot;

	demo_note(d, "%s: %u MiB of DRAM, %u firewall slots of %s granularity, %u DMA masters",
		  desc->model, (unsigned int)(desc->dram_size >> 20), desc->firewall_regions,
		  cli_size_str(desc->firewall_granularity, sz, sizeof(sz)), desc->nr_devices);
	rh_tee_heap_get_stats(d->plat, RH_TEE_HEAP_TRUSTED_UI_NAME, &ui);
	slot = demo_fw_slot_over(d, ui.base, ui.size);
	demo_note(d, "OP-TEE protects its static carveout from boot (%s at 0x%" PRIx64 ", firewall "
		  "slot %d, trusted UI): the display, its master, is in secure mode from the start",
		  cli_size_str(ui.size, sz, sizeof(sz)), ui.base, slot);
	demo_check(d, slot >= 0 && rh_device_is_secure(d->display),
		   "the carveout is not protected at boot");
	demo_note(d, "the OP-TEE driver probed: it asked the secure world for each use case's "
		  "configuration (GET_PROTMEM_CONFIG, %" PRIu64 " calls: size first, then the "
		  "masters) and registered three heaps: " RH_TEE_HEAP_SECURE_VIDEO_NAME ", "
		  RH_TEE_HEAP_TRUSTED_UI_NAME ", " RH_TEE_HEAP_SECURE_VIDEO_RECORD_NAME, all.configs);
	rh_tee_heap_get_stats(d->plat, RH_TEE_HEAP_SECURE_VIDEO_RECORD_NAME, &rec);
	demo_note(d, "secure video takes %s at a time, for %s; recording %s, for %s",
		  cli_size_str(video.min_size, sz, sizeof(sz)), masters_of(d, &video, who,
									sizeof(who)),
		  cli_size_str(rec.min_size, sz2, sizeof(sz2)), masters_of(d, &rec, who2, sizeof(who2)));
	demo_check(d, video.bound && video.dynamic && !video.lent && ui.bound && !ui.dynamic,
		   "the protected heaps are not set up as the secure world said");
	if (cma)
		demo_note(d, "%s (%s at 0x%" PRIx64 ") is Linux's default CMA area: the driver lends "
			  "from it when the first protected buffer is needed", cma->name,
			  cli_size_str(cma->size, sz, sizeof(sz)), cma->base);
	d->fw_in_use_at_boot = demo_fw_in_use(d);
	return 0;
}

static int pm_step_open(struct demo *d)
{
	TEEC_Result res;

	d->cma_fd = rh_open(d->plat, RH_DMA_HEAP_DEV_DIR "/" RH_TEE_HEAP_SECURE_VIDEO_NAME,
			    O_RDWR | O_CLOEXEC);
	if (!demo_check(d, d->cma_fd >= 0, "cannot open the protected heap (%d)", d->cma_fd))
		return TOOLS_EXIT_FAILURE;
	res = rh_TEEC_InitializeContext(d->plat, NULL, &d->user);
	d->user_open = res == TEEC_SUCCESS;
	if (!demo_check(d, d->user_open, "the player cannot open /dev/tee0: 0x%x", res))
		return TOOLS_EXIT_FAILURE;
	demo_note(d, "the player opened " RH_TEE_HEAP_SECURE_VIDEO_NAME " (fd %d) for the "
		  "bitstream and the pictures, and /dev/tee0 (a GP client: TEEC_InitializeContext); "
		  "nothing is lent yet", d->cma_fd);
	return 0;
}

static int pm_step_bitstream(struct demo *d)
{
	struct rh_tee_heap_stats st;
	struct rh_protmem_stats ss;
	TEEC_Operation op;
	TEEC_Result res;
	uint8_t *wire;
	uint32_t origin;
	char sz[32], ebuf[16];
	int ret, slot;

	ret = demo_alloc_fd(d, d->cma_fd, DEMO_ES_SIZE, &d->es_fd, &d->es);
	if (!demo_check(d, !ret, "allocating the bitstream buffer failed: %s",
			cli_errno_name(ret, ebuf, sizeof(ebuf))))
		return TOOLS_EXIT_FAILURE;
	rh_ioctl(d->plat, d->es_fd, RH_DMA_BUF_SET_NAME, (void *)"es-bitstream");
	st = video_stats(d);
	d->chunk_base = st.base;
	d->chunk_size = st.size;
	slot = demo_fw_slot_over(d, st.base, st.size);
	demo_note(d, "first buffer: the OP-TEE driver took %s at 0x%" PRIx64 " from CMA, recorded "
		  "the hand-over and lent it to OP-TEE (LEND_PROTMEM): firewall slot %d admits "
		  "only the secure-video masters, each through a secure window over the chunk",
		  cli_size_str(st.size, sz, sizeof(sz)), st.base, slot);
	ss = secure_stats(d, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY);
	demo_check(d, st.lent && st.lends == 1 && slot >= 0 && ss.lends == 1 && ss.ranges == 1,
		   "the chunk was not lent and protected");
	demo_check(d, rh_device_is_secure(d->vcodec) && rh_device_is_secure(d->display),
		   "vdec and display are not in secure mode while the chunk is lent");
	demo_note(d, "the bitstream buffer is the first %u MiB of the chunk; the driver "
		  "sub-allocates the rest itself (no TEE call per buffer)", DEMO_ES_SIZE >> 20);

	wire = demo_receive_sample(d, &ret);
	if (!wire)
		return ret;

	d->es_shm.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	res = TEEC_RegisterSharedMemoryFileDescriptor(&d->user, &d->es_shm, d->es_fd);
	d->es_registered = res == TEEC_SUCCESS;
	if (!demo_check(d, d->es_registered && !d->es_shm.buffer && d->es_shm.size == DEMO_ES_SIZE,
			"TEEC_RegisterSharedMemoryFileDescriptor failed: 0x%x", res)) {
		free(wire);
		return TOOLS_EXIT_FAILURE;
	}
	demo_note(d, "the player registered the buffer's fd with the TEE (TEE_IOC_SHM_REGISTER_FD): "
		  "a shm of %zu bytes with no address, that a TA sees as protected memory",
		  d->es_shm.size);
	res = TEEC_OpenSession(&d->user, &d->user_svp, &svp_uuid, TEEC_LOGIN_PUBLIC, NULL, NULL,
			       &origin);
	d->user_svp_open = res == TEEC_SUCCESS;
	if (!demo_check(d, d->user_svp_open, "cannot open the secure video TA: 0x%x", res)) {
		free(wire);
		return TOOLS_EXIT_FAILURE;
	}
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_PARTIAL_OUTPUT,
					 TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_OUTPUT);
	op.params[0].tmpref.buffer = wire;
	op.params[0].tmpref.size = DEMO_SAMPLE_LEN;
	op.params[1].memref.parent = &d->es_shm;
	op.params[1].memref.size = DEMO_SAMPLE_LEN;
	op.params[2].tmpref.buffer = wire + DEMO_SAMPLE_LEN;
	op.params[2].tmpref.size = RH_SVP_IV_LEN;
	res = TEEC_InvokeCommand(&d->user_svp, RH_SVP_CMD_DECRYPT, &op, &origin);
	free(wire);
	if (!demo_check(d, res == TEEC_SUCCESS && op.params[3].value.a == DEMO_SAMPLE_LEN,
			"DECRYPT into the registered buffer failed: 0x%x origin %u", res, origin))
		return TOOLS_EXIT_FAILURE;
	demo_note(d, "the player itself had the TA decrypt the sample into the registered buffer: "
		  "holding the registration proves holding the buffer, so no kernel session is "
		  "needed; the clear bitstream exists only in protected memory");
	return 0;
}

static int pm_step_frames(struct demo *d)
{
	struct rh_tee_heap_stats st;
	char ebuf[16], sz[32];
	unsigned int i;
	uint64_t fit;
	int ret;

	d->switches_before_frames = world_switches(d);
	demo_note(d, "%u NV12 frames of %ux%u: %" PRIu64 " bytes each, page-rounded", d->nr_frames,
		  d->width, d->height, d->frame_size);
	for (i = 0; i < d->nr_frames; i++) {
		struct demo_frame *f = &d->frames[i];
		char name[32];

		ret = demo_alloc_fd(d, d->cma_fd, d->frame_size, &f->fd, &f->dmabuf);
		if (ret) {
			fit = d->chunk_size > DEMO_ES_SIZE ?
				      (d->chunk_size - DEMO_ES_SIZE) / d->frame_size : 0;
			demo_check(d, false, "frame %u: allocation of %" PRIu64 " bytes failed: %s: "
				   "the %s chunk holds %" PRIu64 " frame%s of %ux%u besides the "
				   "bitstream: try --frames %" PRIu64 " or a smaller --resolution", i,
				   d->frame_size, cli_errno_name(ret, ebuf, sizeof(ebuf)),
				   cli_size_str(d->chunk_size, sz, sizeof(sz)), fit,
				   fit == 1 ? "" : "s", d->width, d->height, fit ? fit : 1);
			f->fd = -1;
			return TOOLS_EXIT_FAILURE;
		}
		snprintf(name, sizeof(name), "frame-%u", i);
		rh_ioctl(d->plat, f->fd, RH_DMA_BUF_SET_NAME, name);
	}
	st = video_stats(d);
	demo_check(d, st.lends == 1 && st.buffers == 1 + d->nr_frames,
		   "the frames did not come from the lent chunk");
	demo_check(d, world_switches(d) == d->switches_before_frames,
		   "allocating the frames called the TEE");
	demo_note(d, "all %u frames were carved from the lent chunk by the normal world's pool: "
		  "no TEE call, no firewall work (world switches still %" PRIu64 ")", d->nr_frames,
		  world_switches(d));
	return 0;
}

static int pm_step_play(struct demo *d)
{
	unsigned int i, restricted = 0, maps = 0;
	uint8_t probe[16];
	char ebuf[16];
	int ret;

	ret = rh_importer_map(d->dec_drv, d->es, RH_DMA_TO_DEVICE, &d->es_map);
	if (!demo_check(d, !ret, "vdec cannot import the bitstream: %s",
			cli_errno_name(ret, ebuf, sizeof(ebuf))))
		return TOOLS_EXIT_FAILURE;
	maps++;
	for (i = 0; i < d->nr_frames; i++) {
		struct demo_frame *f = &d->frames[i];

		ret = rh_importer_map(d->dec_drv, f->dmabuf, RH_DMA_FROM_DEVICE, &f->dec);
		if (!ret)
			ret = rh_importer_map(d->disp_drv, f->dmabuf, RH_DMA_TO_DEVICE, &f->disp);
		if (!demo_check(d, !ret, "frame %u cannot be imported: %s", i,
				cli_errno_name(ret, ebuf, sizeof(ebuf))))
			return TOOLS_EXIT_FAILURE;
		f->pa = rh_sg_phys(rh_importer_map_sgt(f->dec)->sgl);
		maps += 2;
		restricted += rh_sg_dma_is_restricted(rh_importer_map_sgt(f->dec)->sgl) +
			      rh_sg_dma_is_restricted(rh_importer_map_sgt(f->disp)->sgl);
	}
	d->es_pa = rh_sg_phys(rh_importer_map_sgt(d->es_map)->sgl);
	demo_note(d, "vdec mapped the bitstream and %u frames, display the %u frames (%u "
		  "mappings, one table entry each, mapped with DMA_ATTR_SKIP_CPU_SYNC): no grant "
		  "per buffer, the devices already reach the whole chunk", d->nr_frames, d->nr_frames,
		  maps);
	demo_check(d, !restricted, "a protected heap's table claims SG_DMA_RESTRICTED");

	ret = demo_decode_and_show(d);
	if (ret)
		return ret;
	/* The granularity of this protocol: the display reaches the bitstream too. */
	ret = rh_device_dma_read(d->display, d->es_pa, probe, sizeof(probe));
	demo_note(d, "unlike the MediaTek heaps' per-buffer grants, the display reaches the "
		  "bitstream as well (DMA read: %s): the secure world admits a use case's masters "
		  "to the whole lent chunk", ret ? cli_errno_name(ret, ebuf, sizeof(ebuf)) : "ok");
	return 0;
}

/* ------------------------------------------------------------------ attacks */

/* A raw protected-memory message from kernel code; the TEE result as errno. */
static int raw_lend(struct demo *d, uint64_t use_case, rh_phys_addr_t pa, uint64_t size,
		    uint64_t cookie)
{
	uint64_t buf[RH_OPTEE_MSG_GET_ARG_SIZE(2) / sizeof(uint64_t)] = { 0 };
	struct rh_optee_msg_arg *a = (struct rh_optee_msg_arg *)buf;
	const struct rh_tee_ops *ops;
	void *priv;
	int ret;

	ret = rh_platform_get_tee_backend(d->plat, &ops, &priv);
	if (ret)
		return ret;
	a->cmd = RH_OPTEE_MSG_CMD_LEND_PROTMEM;
	a->num_params = 2;
	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	a->params[0].u.value.a = use_case;
	a->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	a->params[1].u.tmem.buf_ptr = pa;
	a->params[1].u.tmem.size = size;
	a->params[1].u.tmem.shm_ref = cookie;
	ret = rh_tee_ops_call(ops, priv, a, sizeof(buf));
	return ret ? ret : rh_tee_result_to_errno(a->ret);
}

/* The SDP test TA's DUMP of @len bytes of the bitstream, as a user program. */
static int sdp_dump(struct demo *d, void *out, size_t len)
{
	TEEC_Operation op;
	TEEC_Session s;
	TEEC_Result res;
	uint32_t origin;

	res = TEEC_OpenSession(&d->user, &s, &sdp_uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	if (res)
		return rh_tee_result_to_errno(res);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_MEMREF_TEMP_OUTPUT,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].memref.parent = &d->es_shm;
	op.params[0].memref.size = len;
	op.params[1].tmpref.buffer = out;
	op.params[1].tmpref.size = len;
	res = TEEC_InvokeCommand(&s, RH_SDP_CMD_DUMP, &op, &origin);
	TEEC_CloseSession(&s);
	return rh_tee_result_to_errno(res);
}

static void pm_attacks_tee(struct demo *d)
{
	const struct rh_reserved_region *cma =
		rh_phys_reserved_find_compatible(d->plat, "shared-dma-pool");
	TEEC_SharedMemory normal = { .size = DEMO_SAMPLE_LEN, .flags = TEEC_MEM_OUTPUT };
	TEEC_SharedMemory sysshm = { .flags = TEEC_MEM_INPUT };
	uint8_t out[64] = { 0 }, iv[RH_SVP_IV_LEN] = { 0 };
	struct rh_dma_buf *sys;
	struct rh_dma_heap *heap;
	rh_phys_addr_t other;
	TEEC_Operation op;
	uint32_t origin;
	int ret, fd = -1;

	ret = sdp_dump(d, out, sizeof(out));
	demo_attack(d, "user_sdp_dump", ret, -EACCES,
		    "a user program asks the SDP test TA (xtest 1014's) to DUMP the clear bitstream "
		    "out of its registered buffer: a production board refuses, ACCESS_DENIED");
	demo_check(d, !out[0] && !memcmp(out, out + 1, sizeof(out) - 1),
		   "the dump returned content");

	ret = TEEC_AllocateSharedMemory(&d->user, &normal) ? -ENOMEM : 0;
	if (!ret) {
		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_WHOLE,
						 TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_OUTPUT);
		op.params[0].tmpref.buffer = out;
		op.params[0].tmpref.size = sizeof(out);
		op.params[1].memref.parent = &normal;
		op.params[2].tmpref.buffer = iv;
		op.params[2].tmpref.size = sizeof(iv);
		ret = rh_tee_result_to_errno(TEEC_InvokeCommand(&d->user_svp, RH_SVP_CMD_DECRYPT,
								&op, &origin));
		TEEC_ReleaseSharedMemory(&normal);
	}
	demo_attack(d, "user_decrypt_to_normal", ret, -EACCES,
		    "the player asks the secure video TA to decrypt into ordinary shared memory it "
		    "can read: the output must be secure-video protected memory, ACCESS_DENIED");

	heap = rh_dma_heap_find(d->plat, "system");
	sys = heap ? rh_dma_heap_buffer_alloc_dmabuf(heap, 4096, O_RDWR, 0) : RH_ERR_PTR(-ENOENT);
	rh_dma_heap_put(heap);
	if (!RH_IS_ERR(sys)) {
		fd = rh_dma_buf_fd(sys, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			rh_dma_buf_put(sys);
	}
	ret = fd < 0 ? fd : rh_tee_result_to_errno(
				    TEEC_RegisterSharedMemoryFileDescriptor(&d->user, &sysshm, fd));
	if (!ret)
		TEEC_ReleaseSharedMemory(&sysshm);
	if (fd >= 0)
		rh_close(d->plat, fd);
	demo_attack(d, "register_foreign_dmabuf", ret, -EINVAL,
		    "the player registers a system-heap dma-buf with TEE_IOC_SHM_REGISTER_FD to "
		    "pass it off as protected: only this TEE's protected heaps qualify, EINVAL");

	/* CMA the driver did not take: the end of the area, 64 MiB for recording. */
	other = cma ? cma->base + cma->size - (64u << 20) : 0;
	ret = raw_lend(d, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_RECORD, other, 64u << 20, 0xbad1);
	demo_attack(d, "stranger_lend", ret, -EACCES,
		    "kernel code sends LEND_PROTMEM for CMA memory Linux never handed over (no lend "
		    "record): the secure world refuses to protect it, ACCESS_DENIED");
	ret = raw_lend(d, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY, d->chunk_base, d->chunk_size,
		       0xbad2);
	demo_attack(d, "lend_again", ret, -EINVAL,
		    "the same kernel code lends the protected chunk again under a cookie of its own "
		    "(to reclaim it later): it overlaps protected memory, BAD_PARAMETERS");
}

static int pm_step_attacks(struct demo *d)
{
	struct demo_frame *f0 = &d->frames[0];
	struct rh_device *camera = rh_device_find(d->plat, "camera");
	struct rh_dma_buf_sync sync = { RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_READ };
	uint8_t probe[64] = "decoded pixels";
	void *map = NULL;
	int ret;

	demo_note(d, "a compromised player and kernel now try to get at the pictures");
	ret = rh_mmap(d->plat, f0->fd, d->frame_size, PROT_READ, MAP_SHARED, 0, &map);
	if (!ret)
		rh_munmap(d->plat, map, d->frame_size);
	demo_attack(d, "mmap", ret, -EINVAL,
		    "the protected heap has no mmap op: the dma-buf core refuses the mapping "
		    "(EINVAL, where the MediaTek heaps say EPERM)");
	ret = rh_ioctl(d->plat, f0->fd, RH_DMA_BUF_IOCTL_SYNC, &sync);
	demo_check(d, !ret, "DMA_BUF_IOCTL_SYNC failed");
	demo_note(d, "DMA_BUF_IOCTL_SYNC succeeds: no CPU-access op, so the dma-buf core has "
		  "nothing to do, and there is no mapping to access anyway");
	ret = rh_dma_buf_vmap(f0->dmabuf, &map);
	demo_attack(d, "vmap", ret, -EINVAL,
		    "kernel code asks for a kernel mapping of frame 0 (dma_buf_vmap): no vmap op, "
		    "EINVAL");

	demo_attack_cpu_reads(d, f0->pa,
			      "reading the frame's physical address (/dev/mem style) traps: the "
			      "firewall made the lent chunk inaccessible to the normal world",
			      "the clear bitstream lies in the same chunk: the CPU read traps too");

	ret = rh_device_dma_read(d->gpu, f0->pa, probe, sizeof(probe));
	demo_attack_logged(d, "gpu_dma_read", ret, -EACCES,
		    "a rogue gpu driver points its DMA engine at the frame: the gpu is no master of "
		    "secure video (nor secure-capable), refused and logged");
	ret = camera ? rh_device_dma_read(camera, f0->pa, probe, sizeof(probe)) : -ENODEV;
	demo_attack_logged(d, "camera_dma_read", ret, -EACCES,
		    "the camera is secure-capable, but a master of recording, not of playback: it "
		    "has no window over this chunk, refused and logged");

	ret = demo_decoder_writes_out(d);
	demo_attack(d, "secure_decoder_writes_out", ret, -EACCES,
		    "vdec, in secure mode, is told to write a picture into a system-heap buffer "
		    "the player can read: a secure master writes nowhere but its windows");
	pm_attacks_tee(d);
	return 0;
}

static int pm_step_stop(struct demo *d)
{
	struct rh_tee_heap_stats st;
	struct rh_protmem_stats ss;
	uint64_t nonzero = 0;
	char sz[32], ebuf[16];
	unsigned int i;
	int ret;

	for (i = 0; i < d->nr_frames; i++) {
		rh_importer_unmap(d->frames[i].disp);
		rh_importer_unmap(d->frames[i].dec);
		d->frames[i].disp = d->frames[i].dec = NULL;
	}
	rh_importer_unmap(d->es_map);
	d->es_map = NULL;
	demo_note(d, "playback stopped: the drivers unmapped everything; vdec and display stay "
		  "secure as long as the chunk is lent (the use case's lend holds them)");
	demo_check(d, rh_device_is_secure(d->vcodec), "vdec left secure mode with the chunk lent");
	for (i = 0; i < d->nr_frames; i++) {
		rh_dma_buf_put(d->frames[i].dmabuf);
		d->frames[i].dmabuf = NULL;
		rh_close(d->plat, d->frames[i].fd);
		d->frames[i].fd = -1;
	}
	rh_dma_buf_put(d->es);
	d->es = NULL;
	rh_close(d->plat, d->es_fd);
	d->es_fd = -1;
	demo_check(d, video_stats(d).lent, "the chunk went back while the player's registration "
		   "still held the bitstream");
	demo_note(d, "frames and the bitstream fd closed: the player's registration still holds "
		  "the bitstream, so the chunk stays lent");
	demo_note(d, "releasing it frees the last buffer: RECLAIM_PROTMEM, the secure world "
		  "scrubs what was written, drops the windows and the firewall slot, and the "
		  "driver gives the chunk back to CMA");
	TEEC_ReleaseSharedMemory(&d->es_shm);
	d->es_registered = false;
	st = video_stats(d);
	ss = secure_stats(d, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY);
	demo_check(d, !st.lent && st.lends == 1 && st.reclaims == 1 && !st.reclaim_failures &&
		      st.buffers == 0, "the chunk was not reclaimed exactly once");
	demo_check(d, ss.ranges == 0 && ss.reclaims == 1 && ss.bytes_scrubbed > 0,
		   "the secure world still protects the chunk");
	demo_check(d, !rh_device_is_secure(d->vcodec) && rh_device_is_secure(d->display),
		   "vdec should be back in normal mode, the display (carveout) still secure");
	demo_check(d, demo_fw_slot_over(d, d->chunk_base, RH_PAGE_SIZE) < 0 &&
		      demo_fw_in_use(d) == d->fw_in_use_at_boot,
		   "the firewall still protects the reclaimed chunk");
	demo_note(d, "the secure world scrubbed %s (the pages written), vdec left secure mode; the "
		  "display stays secure for the trusted-UI carveout",
		  cli_size_str(ss.bytes_scrubbed, sz, sizeof(sz)));

	ret = demo_count_nonzero(d, d->chunk_base, d->chunk_size, &nonzero);
	if (ret == -ENOMEM)
		return tools_error(stderr, PROG, CMD, "out of memory");
	demo_check(d, !ret, "the normal world cannot read the reclaimed chunk: %s",
		   cli_errno_name(ret, ebuf, sizeof(ebuf)));
	demo_check(d, !nonzero, "%" PRIu64 " non-zero bytes survived in the reclaimed chunk",
		   nonzero);
	if (!ret)
		demo_note(d, "read back all %s of the chunk from the normal world: %" PRIu64
			  " non-zero bytes, nothing of the pictures survived",
			  cli_size_str(d->chunk_size, sz, sizeof(sz)), nonzero);
	return 0;
}

static void pm_step_report(struct demo *d)
{
	struct rh_tee_heap_stats st = video_stats(d);
	struct rh_protmem_stats all = secure_stats(d, 0);
	struct rh_platform_stats ps = { 0 };
	struct rh_dma_buf_stats bs = { 0 };
	int fds;

	rh_platform_get_stats(d->plat, &ps);
	rh_dma_buf_get_stats(d->plat, &bs);
	fds = rh_fd_count(d->plat);
	demo_note(d, "allocations: %s %u (1 bitstream + %u frames); TEE: %" PRIu64
		  " GET_PROTMEM_CONFIG at probe, %" PRIu64 " LEND_PROTMEM, %" PRIu64
		  " RECLAIM_PROTMEM for the whole playback", RH_TEE_HEAP_SECURE_VIDEO_NAME,
		  1 + d->nr_frames, d->nr_frames, all.configs, st.lends, st.reclaims);
	d->expected_switches = ps.world_switches;
	demo_note(d, "TEE: %" PRIu64 " world switches in all, 2 per SMC round trip; peak protected "
		  "%" PRIu64 " MiB", ps.world_switches, all.peak_bytes >> 20);
	demo_note(d, "firewall: %" PRIu64 " program%s, %" PRIu64 " clear%s, peak %u of %u slots; "
		  "violations: %" PRIu64 " (%" PRIu64 " CPU, %" PRIu64 " DMA)",
		  ps.firewall_programs, ps.firewall_programs == 1 ? "" : "s", ps.firewall_clears,
		  ps.firewall_clears == 1 ? "" : "s", ps.firewall_regions_peak,
		  ps.firewall_regions, ps.violations, ps.cpu_violations, ps.dma_violations);
	demo_check(d, bs.count == 0, "%" PRIu64 " dma-bufs still alive", bs.count);
	demo_check(d, fds == 3, "%d fds open, expected only the 3 standard streams", fds);
	demo_check(d, !st.lent && st.lends == 1 && st.reclaims == 1,
		   "%" PRIu64 " lends and %" PRIu64 " reclaims", st.lends, st.reclaims);
	demo_check(d, ps.violations == d->expected_violations,
		   "%" PRIu64 " violations recorded, %" PRIu64 " expected", ps.violations,
		   d->expected_violations);
	demo_check(d, ps.firewall_regions_in_use == d->fw_in_use_at_boot,
		   "firewall slots in use at the end differ from boot");
	demo_check(d, d->seen[RH_TRACE_ATTACK] == DEMO_PM_NR_ATTACKS,
		   "%" PRIu64 " attacks narrated, expected %u", d->seen[RH_TRACE_ATTACK],
		   DEMO_PM_NR_ATTACKS);
	demo_check(d, d->seen[RH_TRACE_FRAME_DIGEST] == d->nr_frames, "%" PRIu64 " frames displayed",
		   d->seen[RH_TRACE_FRAME_DIGEST]);
}

static const char *const pm_titles[] = {
	"1. Boot",
	"2. Open the protected heap and the TEE",
	"3. Decrypt the bitstream into protected memory",
	"4. Allocate the frame buffers",
	"5. Decode and display",
	"6. Attacks from the normal world",
	"7. Stop: give the memory back",
};

static int (*const pm_steps[])(struct demo *d) = {
	pm_step_boot, pm_step_open, pm_step_bitstream, pm_step_frames,
	pm_step_play, pm_step_attacks, pm_step_stop,
};

const struct demo_story demo_protmem_story = {
	.nr_steps = sizeof(pm_steps) / sizeof(pm_steps[0]),
	.titles = pm_titles,
	.steps = pm_steps,
	.report = pm_step_report,
};
