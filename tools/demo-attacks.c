// SPDX-License-Identifier: MIT
/* rheap-sim demo, step 6: attacks from the normal world, each refusal checked. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <rheap/device-bus.h>
#include <rheap/firewall.h>
#include <rheap/rheap.h>
#include <rheap/secure-stats.h>

#include "demo.h"

/* An attack: @got is what the attacker got (0: it worked), @want what must happen. */
void demo_attack(struct demo *d, const char *name, int got, int want, const char *why)
{
	char ebuf[16], wbuf[16];

	demo_emit(d, &(struct rh_trace_event){ RH_TRACE_ATTACK, .name = name, .err = got,
					       .msg = why });
	demo_check(d, got == want, "attack %s: got %s, expected %s", name,
		   got ? cli_errno_name(got, ebuf, sizeof(ebuf)) : "success",
		   cli_errno_name(want, wbuf, sizeof(wbuf)));
}

/* An attack the firewall refuses and logs: a refusal counts one expected violation. */
void demo_attack_logged(struct demo *d, const char *name, int got, int want, const char *why)
{
	d->expected_violations += got == want;
	demo_attack(d, name, got, want, why);
}

/*
 * The CPU reads frame 0 at @frame_pa, then the clear bitstream, by physical
 * address (/dev/mem style): both must trap, the first logged as the CPU's.
 */
void demo_attack_cpu_reads(struct demo *d, rh_phys_addr_t frame_pa, const char *frame_why,
			   const char *es_why)
{
	struct rh_violation v;
	uint8_t probe[64];
	int ret;

	ret = rh_phys_probe_read(d->plat, frame_pa, probe, sizeof(probe));
	demo_attack_logged(d, "cpu_read_frame", ret, -EFAULT, frame_why);
	demo_check(d, !rh_phys_violation_last(d->plat, &v) && v.master_id == RH_MASTER_CPU &&
		      v.pa == frame_pa, "the CPU trap was not logged as a violation");
	ret = rh_phys_probe_read(d->plat, d->es_pa, probe, sizeof(probe));
	demo_attack_logged(d, "cpu_read_bitstream", ret, -EFAULT, es_why);
}

/* FREE through the demo's own secmem session; returns the TA's status as errno. */
static int secmem_free(struct demo *d, uint64_t handle)
{
	struct rh_tee_param p[RH_TEE_NUM_PARAMS] = { 0 };
	int ret;

	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = handle;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	ret = demo_tee_invoke(d, d->secmem_session, RH_MTK_TZCMD_SECMEM_FREE, p);
	if (ret)
		return ret;
	/* The seed's protocol: the TA's own status travels in p1.a. */
	return rh_tee_result_to_errno((uint32_t)p[1].u.value.a);
}

/* A GP client program (user space) invoking @cmd of the TA @uuid; the result as errno. */
int demo_user_invoke(struct demo *d, const TEEC_UUID *uuid, uint32_t cmd,
		       TEEC_Operation *op)
{
	TEEC_Context ctx;
	TEEC_Session s;
	TEEC_Result res;
	uint32_t origin;

	res = rh_TEEC_InitializeContext(d->plat, NULL, &ctx);
	if (res)
		return rh_tee_result_to_errno(res);
	res = TEEC_OpenSession(&ctx, &s, uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	if (!res) {
		res = TEEC_InvokeCommand(&s, cmd, op, &origin);
		TEEC_CloseSession(&s);
	}
	TEEC_FinalizeContext(&ctx);
	return rh_tee_result_to_errno(res);
}

int demo_decoder_writes_out(struct demo *d)
{
	uint8_t probe[64] = "decoded pixels";
	struct rh_importer_map *smap = NULL;
	struct rh_dma_buf *sys;
	struct rh_dma_heap *heap;
	int ret;

	heap = rh_dma_heap_find(d->plat, "system");
	sys = heap ? rh_dma_heap_buffer_alloc_dmabuf(heap, 4096, O_RDWR, 0) : RH_ERR_PTR(-ENOENT);
	rh_dma_heap_put(heap);
	ret = RH_IS_ERR(sys) ? (int)RH_PTR_ERR(sys) :
			       rh_importer_map(d->dec_drv, sys, RH_DMA_FROM_DEVICE, &smap);
	if (!ret) {
		ret = rh_importer_write(smap, 0, probe, sizeof(probe));
		d->expected_violations += ret == -EACCES;
		rh_importer_unmap(smap);
	}
	if (!RH_IS_ERR(sys))
		rh_dma_buf_put(sys);
	return ret;
}

/*
 * The attacks of the security model: a user program and kernel code
 * reaching for what the secure world keeps to itself and to the devices it
 * granted.
 */
static void attacks_on_the_secure_world(struct demo *d)
{
	static const TEEC_UUID secmem = { 0x4477588a, 0x8476, 0x11e2,
					  { 0xad, 0x15, 0xe4, 0x1f, 0x13, 0x90, 0xd6, 0x76 } };
	static const TEEC_UUID svp = { 0x5cf4a2b8, 0x1d3e, 0x4f60,
				       { 0x8a, 0x7b, 0x9c, 0x0d, 0x1e, 0x2f, 0x3a, 0x4b } };
	const struct rh_reserved_region *cma =
		rh_phys_reserved_find_compatible(d->plat, RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	struct rh_tee_param p[RH_TEE_NUM_PARAMS] = { 0 };
	struct demo_frame *f0 = &d->frames[0];
	struct rh_secmem_stats before, after;
	struct rh_violation v;
	TEEC_Operation op;
	uint64_t handle;
	uint8_t probe[64] = "decoded pixels";
	int ret;

	memset(&op, 0, sizeof(op));
	ret = demo_user_invoke(d, &secmem, RH_MTK_TZCMD_SECMEM_FREE, &op);
	demo_attack(d, "user_secmem_session", ret, -EACCES,
	       "a user program opens a session to the secure-memory TA: only the kernel's "
	       "heaps may (login REE_KERNEL), the TA answers ACCESS_DENIED");

	handle = rh_restricted_buffer_get(f0->dmabuf)->restricted_addr;
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_INPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].value.a = rh_device_master_id(d->gpu);
	op.params[0].value.b = 1;
	op.params[1].value.a = (uint32_t)handle;
	ret = demo_user_invoke(d, &svp, RH_SVP_CMD_SET_DEVICE_SECURE, &op);
	demo_attack(d, "user_device_secure", ret, -EACCES,
	       "a user program asks the secure video TA to put a device in secure mode for "
	       "frame 0: device modes are the kernel's, ACCESS_DENIED");

	ret = rh_device_dma_read(d->display, d->es_pa, probe, sizeof(probe));
	demo_attack_logged(d, "display_reads_bitstream", ret, -EACCES,
	       "the display is in secure mode, but the TA mapped it only the frames: its DMA "
	       "at the bitstream is refused and logged");
	demo_check(d, !rh_phys_violation_last(d->plat, &v) && v.secure &&
		      v.master_id == rh_device_master_id(d->display),
		   "the display's access was not logged as a secure master's violation");

	ret = demo_decoder_writes_out(d);
	demo_attack(d, "secure_decoder_writes_out", ret, -EACCES,
	       "the vcodec, in secure mode, is told to write a decoded picture into a "
	       "system-heap buffer the player can read: a secure master writes nowhere but "
	       "its granted buffers");

	rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &before);
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = handle;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	ret = demo_tee_invoke(d, d->secmem_session, RH_MTK_TZCMD_SECMEM_FREE, p);
	if (!ret)
		ret = rh_tee_result_to_errno((uint32_t)p[1].u.value.a);
	demo_attack(d, "foreign_handle_free", ret, -ENOENT,
	       "kernel code reads frame 0's secure handle from the heap and FREEs it through a "
	       "session of its own: handles belong to the session that allocated them, "
	       "ITEM_NOT_FOUND");
	rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &after);
	demo_check(d, after.live_buffers == before.live_buffers && after.lent,
		   "the victim's frame did not survive a foreign FREE");

	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 1 << 20;
	p[0].u.value.b = 4096;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = RH_MTK_SECURE_MEMORY_TYPE_CM_CMA;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	p[2].u.value.a = cma ? cma->base : 0;
	p[2].u.value.b = cma ? cma->size : 0;
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	ret = demo_tee_invoke(d, d->secmem_session, RH_MTK_TZCMD_SECMEM_ZALLOC, p);
	demo_attack(d, "stranger_region_claim", ret, -EACCES,
	       "the same kernel code asks the TA for memory of the lent CMA region through its "
	       "own session: the normal world lent the region through the heap's session "
	       "only, ACCESS_DENIED");
}

int demo_step_attacks(struct demo *d)
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

	demo_note(d, "a compromised player and kernel now try to get at the pictures");

	ret = rh_mmap(d->plat, f0->fd, d->frame_size, PROT_READ, MAP_SHARED, 0, &map);
	if (!ret)
		rh_munmap(d->plat, map, d->frame_size);
	demo_attack(d, "mmap", ret, -EPERM,
	       "the restricted heap has no CPU mapping to give: mmap of the dma-buf is refused");

	ret = rh_ioctl(d->plat, f0->fd, RH_DMA_BUF_IOCTL_SYNC, &sync);
	demo_attack(d, "dma_buf_sync", ret, -EPERM,
	       "DMA_BUF_IOCTL_SYNC (begin_cpu_access) is refused: there is no CPU access to sync");

	demo_attack_cpu_reads(d, f0->pa,
			      "reading the frame's physical address (/dev/mem style) traps: the "
			      "firewall made the lent region inaccessible to the normal world",
			      "the clear bitstream is in the TEE's static chunk: the CPU read traps too");

	ret = rh_importer_map(d->gpu_drv, f0->dmabuf, RH_DMA_TO_DEVICE, &gmap);
	if (!ret)
		rh_importer_unmap(gmap);
	demo_attack(d, "gpu_import", ret, -EACCES,
	       "the gpu driver maps frame 0 to compose it: the table is restricted, the "
	       "secure video TA refuses to make the gpu secure (not secure-capable), the "
	       "mapping is undone");

	ret = rh_device_dma_read(d->gpu, f0->pa, probe, sizeof(probe));
	demo_attack_logged(d, "gpu_dma_read", ret, -EACCES,
	       "a rogue gpu driver points its DMA engine at the frame anyway: the firewall "
	       "refuses the non-secure master and logs a violation (EMI MPU report)");
	demo_check(d, !rh_phys_violation_last(d->plat, &v) &&
		      v.master_id == rh_device_master_id(d->gpu) && !v.secure,
		   "the gpu's access was not logged as a violation");

	ret = demo_tee_open(d, RH_TZ_TA_MEM_UUID_MTK, &d->secmem_session);
	d->secmem_open = !ret;
	if (!demo_check(d, !ret, "cannot open a session to the secure-memory TA: %s",
			cli_errno_name(ret, ebuf, sizeof(ebuf))))
		return TOOLS_EXIT_FAILURE;
	rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &before);
	/* Handles are random: a guess next to a real one is still a guess. */
	forged = (d->es_handle ^ 0x00010000u) & 0xffffffffu;
	ret = secmem_free(d, forged);
	demo_attack(d, "forged_handle_free", ret, -ENOENT,
	       "FREE of a guessed secure handle through a session of its own: the TA knows "
	       "no such buffer and answers ITEM_NOT_FOUND; nothing is freed");
	rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &after);
	demo_check(d, after.refused_handles == before.refused_handles + 1 &&
		      after.live_buffers == before.live_buffers,
		   "the TA did not refuse the forged handle cleanly");
	attacks_on_the_secure_world(d);

	/* The decoder is done with the bitstream: release it, keep its handle. */
	rh_importer_unmap(d->es_map);
	d->es_map = NULL;
	rh_dma_buf_put(d->es);
	d->es = NULL;
	rh_close(d->plat, d->es_fd);
	d->es_fd = -1;
	rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &before);
	demo_check(d, before.live_buffers == 0 && before.bytes_used == 0,
		   "the bitstream buffer is still alive in the TA after its fd was closed");
	demo_note(d, "the decoder finished with the bitstream: unmapped, fd closed, the heap sent "
		  "FREE for handle 0x%" PRIx64 " and the TA scrubbed it", d->es_handle);
	ret = secmem_free(d, d->es_handle);
	demo_attack(d, "double_free", ret, -ENOENT,
	       "FREE of that stale handle again: the TA refuses the double free "
	       "(ITEM_NOT_FOUND)");
	rh_secmem_get_stats(d->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &after);
	demo_check(d, after.refused_handles == before.refused_handles + 1,
		   "the TA did not count the double free as refused");
	return 0;
}
