// SPDX-License-Identifier: MIT
/* Security suite: the secure world's access control (logins, handle ownership, device grants, lent regions). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <rheap/device-bus.h>
#include <rheap/firewall.h>
#include <rheap/secure-stats.h>
#include <rheap/svp.h>
#include <unistd.h>

#include "sec-common.h"

static const TEEC_UUID secmem_uuid = { 0x4477588a, 0x8476, 0x11e2,
				       { 0xad, 0x15, 0xe4, 0x1f, 0x13, 0x90, 0xd6, 0x76 } };
static const TEEC_UUID svp_uuid = { 0x5cf4a2b8, 0x1d3e, 0x4f60,
				    { 0x8a, 0x7b, 0x9c, 0x0d, 0x1e, 0x2f, 0x3a, 0x4b } };

struct fixture {
	struct rh_platform *plat;
	struct victim v;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	sec_platform(&f->plat);
	sec_victim_start(f->plat, &f->v);
	sec_violations(f->plat, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct rh_secmem_stats tz, cma;

	sec_victim_stop(&f->v);
	/* Nothing the attacks touched is left behind in the secure world. */
	assert_int_equal(rh_secmem_get_stats(f->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &tz), 0);
	assert_int_equal(rh_secmem_get_stats(f->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &cma), 0);
	assert_int_equal(tz.live_buffers, 0);
	assert_int_equal(cma.live_buffers, 0);
	assert_false(cma.lent);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

/* A user program's GP session to @uuid with @login (the TA's answer, origin). */
static TEEC_Result user_open(struct fixture *f, const TEEC_UUID *uuid, uint32_t login,
			     TEEC_Context *ctx, TEEC_Session *s, uint32_t *origin)
{
	uint32_t gid = (uint32_t)getegid();

	assert_int_equal(rh_TEEC_InitializeContext(f->plat, NULL, ctx), TEEC_SUCCESS);
	return TEEC_OpenSession(ctx, s, uuid, login, login == TEEC_LOGIN_GROUP ? &gid : NULL,
				NULL, origin);
}

/* Attack 3, user side: every login a user program has is refused by the secure-memory TA. */
static void test_user_cannot_reach_secmem(void **state)
{
	static const uint32_t logins[] = { TEEC_LOGIN_PUBLIC, TEEC_LOGIN_USER,
					   TEEC_LOGIN_GROUP };
	struct fixture *f = *state;
	struct rh_secmem_stats st0, st;
	TEEC_Context ctx;
	TEEC_Session s;
	uint32_t origin;
	unsigned int i;

	assert_int_equal(rh_secmem_get_stats(f->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &st0), 0);
	for (i = 0; i < 3; i++) {
		origin = 0;
		assert_int_equal(user_open(f, &secmem_uuid, logins[i], &ctx, &s, &origin),
				 TEEC_ERROR_ACCESS_DENIED);
		assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);
		TEEC_FinalizeContext(&ctx);
	}
	/* Claiming the kernel's login is refused before the TEE sees it. */
	origin = 0;
	assert_int_equal(user_open(f, &secmem_uuid, RH_TEE_IOCTL_LOGIN_REE_KERNEL, &ctx, &s,
				   &origin), TEEC_ERROR_GENERIC);
	assert_int_equal(origin, TEEC_ORIGIN_COMMS);
	TEEC_FinalizeContext(&ctx);
	assert_int_equal(rh_secmem_get_stats(f->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, &st), 0);
	assert_int_equal(st.access_denied, st0.access_denied + 3);
	assert_int_equal(st.live_buffers, st0.live_buffers);
}

/* Attack 1, user side: SET_DEVICE_SECURE and DECRYPT refused to a user program. */
static void test_user_cannot_make_devices_secure(void **state)
{
	struct fixture *f = *state;
	unsigned char plain[64] = "attacker-chosen", cipher[64], buf[sizeof(SEC_SECRET)];
	uint8_t iv[RH_SVP_IV_LEN];
	TEEC_SharedMemory in = { 0 }, ivm = { 0 };
	TEEC_Operation op;
	TEEC_Context ctx;
	TEEC_Session s;
	uint32_t origin;

	/* The victim stops; its devices leave secure mode. */
	rh_importer_unmap(f->v.frame_disp);
	assert_false(rh_device_is_secure(f->v.display));

	assert_int_equal(user_open(f, &svp_uuid, TEEC_LOGIN_PUBLIC, &ctx, &s, &origin),
			 TEEC_SUCCESS);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_INPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].value.a = rh_device_master_id(f->v.display);
	op.params[0].value.b = 1;
	op.params[1].value.a = (uint32_t)f->v.frame_handle;
	op.params[1].value.b = (uint32_t)(f->v.frame_handle >> 32);
	assert_int_equal(TEEC_InvokeCommand(&s, RH_SVP_CMD_SET_DEVICE_SECURE, &op, &origin),
			 TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);
	assert_false(rh_device_is_secure(f->v.display));
	/* The display, not secure, cannot read the victim's frame: refused and logged. */
	assert_neg_errno(rh_device_dma_read(f->v.display, f->v.frame_pa, buf, sizeof(buf)), EACCES);
	assert_int_equal(sec_violations(f->plat, NULL), 1);

	/* DECRYPT of attacker-chosen content into the victim's buffer. */
	assert_int_equal(rh_svp_package_sample(f->plat, plain, sizeof(plain), iv, cipher), 0);
	in.size = sizeof(cipher);
	in.flags = TEEC_MEM_INPUT;
	ivm.size = sizeof(iv);
	ivm.flags = TEEC_MEM_INPUT;
	assert_int_equal(TEEC_AllocateSharedMemory(&ctx, &in), TEEC_SUCCESS);
	assert_int_equal(TEEC_AllocateSharedMemory(&ctx, &ivm), TEEC_SUCCESS);
	memcpy(in.buffer, cipher, sizeof(cipher));
	memcpy(ivm.buffer, iv, sizeof(iv));
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE, TEEC_VALUE_INPUT, TEEC_MEMREF_WHOLE,
					 TEEC_VALUE_OUTPUT);
	op.params[0].memref.parent = &in;
	op.params[1].value.a = (uint32_t)f->v.frame_handle;
	op.params[2].memref.parent = &ivm;
	assert_int_equal(TEEC_InvokeCommand(&s, RH_SVP_CMD_DECRYPT, &op, &origin),
			 TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(op.params[3].value.a, 0);
	TEEC_ReleaseSharedMemory(&in);
	TEEC_ReleaseSharedMemory(&ivm);
	TEEC_CloseSession(&s);
	TEEC_FinalizeContext(&ctx);
	/* The victim resumes: its frame is untouched. */
	assert_int_equal(rh_importer_map(f->v.disp, f->v.frame, RH_DMA_TO_DEVICE,
					 &f->v.frame_disp), 0);
}

/* Attack 1, kernel side: secure mode only for a buffer the TA allocated, and only that buffer. */
static void test_device_reaches_only_granted_buffers(void **state)
{
	struct fixture *f = *state;
	struct sec_session svp;
	struct rh_dma_buf *mine;
	struct rh_violation v;
	unsigned char buf[sizeof(SEC_SECRET)];
	struct rh_tee_param p[4];

	assert_int_equal(sec_kernel_open(f->plat, RH_TA_SVP_UUID, &svp), TEEC_SUCCESS);
	/* No buffer named: not even the parameters are accepted. */
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = rh_device_master_id(f->v.gpu);
	p[0].u.value.b = 1;
	assert_int_equal(sec_invoke(&svp, RH_SVP_CMD_SET_DEVICE_SECURE, p),
			 TEEC_ERROR_BAD_PARAMETERS);
	/* A buffer the TA never allocated: its PA, a guess. */
	assert_int_equal(sec_set_device_secure(&svp, f->v.vcodec, 1, f->v.frame_pa),
			 TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(sec_set_device_secure(&svp, f->v.vcodec, 1, f->v.frame_handle ^ 2),
			 TEEC_ERROR_ITEM_NOT_FOUND);
	/* The GPU can never be secure. */
	assert_int_equal(sec_set_device_secure(&svp, f->v.gpu, 1, f->v.frame_handle),
			 TEEC_ERROR_ACCESS_DENIED);
	assert_false(rh_device_is_secure(f->v.gpu));

	/* The attacker's own buffer, mapped for the decoder: only that one opens. */
	mine = sec_alloc(f->plat, RH_RESTRICTED_MTK_CM_NAME, 4096);
	assert_int_equal(sec_set_device_secure(&svp, f->v.display, 1,
					       rh_restricted_buffer_get(mine)->restricted_addr),
			 TEEC_SUCCESS);
	/* The display was granted the victim's frame by the victim; not the bitstream. */
	assert_neg_errno(rh_device_dma_read(f->v.display, f->v.es_pa, buf, sizeof(buf)), EACCES);
	assert_int_equal(sec_violations(f->plat, &v), 1);
	assert_string_equal(v.master, "display");
	assert_true(v.secure);
	/* A secure device writing into memory the normal world reads: refused. */
	assert_neg_errno(rh_device_dma_write(f->v.vcodec, rh_platform_get_desc(f->plat)->dram_base + (1 << 20),
					     buf, sizeof(buf)), EACCES);
	assert_int_equal(sec_violations(f->plat, &v), 1);
	assert_true(v.write);
	assert_int_equal(v.region, -1);

	/* The attacker's context goes: so does its grant. */
	sec_kernel_close(&svp);
	rh_dma_buf_put(mine);
	assert_int_equal(rh_phys_violation_count(f->plat), 0);
}

/* The device leaves secure mode when the granting session goes, not later. */
static void test_grant_ends_with_context(void **state)
{
	struct fixture *f = *state;
	struct sec_session svp;
	struct rh_dma_buf *mine;
	unsigned char buf[16];
	rh_phys_addr_t pa;

	/* The victim's display mapping goes: only the attacker will grant it. */
	rh_importer_unmap(f->v.frame_disp);
	assert_false(rh_device_is_secure(f->v.display));
	mine = sec_alloc(f->plat, RH_RESTRICTED_MTK_CM_NAME, 4096);
	pa = sec_buffer_pa(mine);
	assert_int_equal(sec_kernel_open(f->plat, RH_TA_SVP_UUID, &svp), TEEC_SUCCESS);
	assert_int_equal(sec_set_device_secure(&svp, f->v.display, 1,
					       rh_restricted_buffer_get(mine)->restricted_addr),
			 TEEC_SUCCESS);
	assert_true(rh_device_is_secure(f->v.display));
	assert_int_equal(rh_device_dma_read(f->v.display, pa, buf, sizeof(buf)), 0);
	sec_kernel_close(&svp);
	assert_false(rh_device_is_secure(f->v.display));
	assert_neg_errno(rh_device_dma_read(f->v.display, pa, buf, sizeof(buf)), EACCES);
	assert_int_equal(sec_violations(f->plat, NULL), 1);
	rh_dma_buf_put(mine);
	assert_int_equal(rh_importer_map(f->v.disp, f->v.frame, RH_DMA_TO_DEVICE,
					 &f->v.frame_disp), 0);
}

/* Attack 3, kernel side: a handle read from the heap, or guessed, frees nothing of the victim's. */
static void test_foreign_handles(void **state)
{
	struct fixture *f = *state;
	struct rh_restricted_mtk_stats hs0, hs;
	struct rh_secmem_stats st0, st;
	struct sec_session mem, other;
	unsigned char buf[sizeof(SEC_SECRET)], sg[12];
	struct rh_tee_param p[4];
	struct rh_tee_shm *shm;
	uint64_t status = 0;

	assert_int_equal(rh_secmem_get_stats(f->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &st0), 0);
	assert_int_equal(rh_restricted_mtk_get_stats(f->plat, RH_RESTRICTED_MTK_CMA_NAME, &hs0), 0);
	assert_int_equal(sec_kernel_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &mem), TEEC_SUCCESS);
	assert_int_equal(sec_secmem_free(&mem, f->v.frame_handle, &status), TEEC_SUCCESS);
	assert_int_equal(status, TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(sec_secmem_free(&mem, f->v.es_handle, &status), TEEC_SUCCESS);
	assert_int_equal(status, TEEC_ERROR_ITEM_NOT_FOUND);
	/* Its layout is not shown either. */
	shm = rh_tee_shm_register_kernel_buf(mem.ctx, sg, sizeof(sg));
	assert_false(RH_IS_ERR_OR_NULL(shm));
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = f->v.frame_handle;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
	p[1].u.memref.shm = shm;
	p[1].u.memref.size = sizeof(sg);
	assert_int_equal(sec_invoke(&mem, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG, p),
			 TEEC_ERROR_ITEM_NOT_FOUND);
	rh_tee_shm_put(shm);
	/* A second heap's session guessing: the same. */
	assert_int_equal(sec_kernel_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &other), TEEC_SUCCESS);
	assert_int_equal(sec_secmem_free(&other, f->v.frame_handle + 1, &status), TEEC_SUCCESS);
	assert_int_equal(status, TEEC_ERROR_ITEM_NOT_FOUND);
	sec_kernel_close(&other);
	sec_kernel_close(&mem);

	/* The victim's buffer is alive, protected and still the victim's. */
	assert_int_equal(rh_secmem_get_stats(f->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &st), 0);
	assert_int_equal(st.live_buffers, st0.live_buffers);
	assert_true(st.lent);
	assert_int_equal(st.refused_handles, st0.refused_handles + 4);
	assert_neg_errno(rh_phys_probe_read(f->plat, f->v.frame_pa, buf, sizeof(buf)), EFAULT);
	assert_int_equal(rh_restricted_mtk_get_stats(f->plat, RH_RESTRICTED_MTK_CMA_NAME, &hs), 0);
	assert_int_equal(hs.tee_buffers, hs0.tee_buffers);
	assert_int_equal(rh_importer_read(f->v.frame_disp, 0, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, SEC_SECRET, sizeof(buf));
	assert_int_equal(sec_violations(f->plat, NULL), 1);
}

/* Attack 4: a stranger's CM_CMA claim, before and while the heap has the region. */
static void test_stranger_cma_claim(void **state)
{
	struct fixture *f = *state;
	const struct rh_reserved_region *r =
		rh_phys_reserved_find_compatible(f->plat, RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	struct rh_restricted_mtk_stats hs;
	struct rh_secmem_stats st;
	struct sec_session mem;
	struct rh_tee_param p[4];
	unsigned char byte;

	assert_non_null(r);
	assert_int_equal(sec_kernel_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &mem), TEEC_SUCCESS);
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 1 << 20;
	p[0].u.value.b = 4096;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = RH_MTK_SECURE_MEMORY_TYPE_CM_CMA;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	p[2].u.value.a = r->base;
	p[2].u.value.b = r->size;
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	/* While the heap has the region lent: refused. */
	assert_int_equal(sec_invoke(&mem, RH_MTK_TZCMD_SECMEM_ZALLOC, p), TEEC_ERROR_ACCESS_DENIED);

	/* The victim stops: the heap gets the region back from a TA holding nothing. */
	sec_victim_stop(&f->v);
	assert_int_equal(rh_restricted_mtk_get_stats(f->plat, RH_RESTRICTED_MTK_CMA_NAME, &hs), 0);
	assert_false(hs.cma_held);
	assert_int_equal(rh_secmem_get_stats(f->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &st), 0);
	assert_false(st.lent);
	/* Before the heap claims it again (Linux owns the pages): refused, nothing protected. */
	p[2].u.value.a = r->base;
	p[2].u.value.b = r->size;
	assert_int_equal(sec_invoke(&mem, RH_MTK_TZCMD_SECMEM_ZALLOC, p), TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(rh_secmem_get_stats(f->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &st), 0);
	assert_false(st.lent);
	assert_int_equal(st.live_buffers, 0);
	assert_int_equal(rh_phys_probe_read(f->plat, r->base, &byte, 1), 0);
	sec_kernel_close(&mem);
	sec_victim_start(f->plat, &f->v);
}

/*
 * A forging exporter: its table points at the victim's protected frame and
 * carries the restricted flag, as a restricted heap's attachment would.
 */
struct forged {
	struct rh_sg_table table;
	rh_phys_addr_t pa;
};

static struct rh_sg_table *forged_map(struct rh_dma_buf_attachment *a,
				      enum rh_dma_data_direction dir)
{
	struct forged *fb = rh_dma_buf_priv(a->dmabuf);
	int ret;

	if (rh_sg_alloc_table(&fb->table, 1))
		return RH_ERR_PTR(-ENOMEM);
	rh_sg_set_page(fb->table.sgl, (unsigned long)(fb->pa >> RH_PAGE_SHIFT), 4096, 0);
	rh_sg_dma_mark_restricted(fb->table.sgl);
	ret = rh_dma_map_sgtable(a->dev, &fb->table, dir, RH_DMA_ATTR_SKIP_CPU_SYNC);
	if (ret) {
		rh_sg_free_table(&fb->table);
		return RH_ERR_PTR(ret);
	}
	return &fb->table;
}

static void forged_unmap(struct rh_dma_buf_attachment *a, struct rh_sg_table *t,
			 enum rh_dma_data_direction dir)
{
	rh_dma_unmap_sgtable(a->dev, t, dir, RH_DMA_ATTR_SKIP_CPU_SYNC);
	rh_sg_free_table(t);
}

static void forged_release(struct rh_dma_buf *dmabuf)
{
	(void)dmabuf;
}

static const struct rh_dma_buf_ops forged_ops = {
	.map_dma_buf = forged_map,
	.unmap_dma_buf = forged_unmap,
	.release = forged_release,
};

/* A restricted-looking table of the caller's own making gets a driver nowhere. */
static void test_forged_restricted_table(void **state)
{
	struct fixture *f = *state;
	RH_DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct forged fb = { .pa = f->v.frame_pa };
	struct rh_importer_stats st;
	struct rh_importer_map *map = NULL;
	struct rh_importer *imp;
	struct rh_dma_buf *b;
	unsigned char buf[16];

	/* The victim's display mapping goes, so nothing else makes it secure. */
	rh_importer_unmap(f->v.frame_disp);
	info.exp_name = RH_RESTRICTED_MTK_CMA_NAME; /* even the name is forged */
	info.owner = f->plat;
	info.ops = &forged_ops;
	info.size = 4096;
	info.flags = O_RDWR;
	info.priv = &fb;
	b = rh_dma_buf_export(&info);
	assert_false(RH_IS_ERR_OR_NULL(b));
	assert_null(rh_restricted_buffer_get(b));
	assert_int_equal(rh_importer_new(f->v.display, &imp), 0);
	assert_neg_errno(rh_importer_map(imp, b, RH_DMA_TO_DEVICE, &map), EINVAL);
	assert_null(map);
	assert_false(rh_device_is_secure(f->v.display));
	assert_int_equal(rh_importer_get_stats(imp, &st), 0);
	assert_int_equal(st.maps, 0);
	assert_int_equal(st.grants, 0);
	/* The hardware does not care about flags: the display is still refused. */
	assert_neg_errno(rh_device_dma_read(f->v.display, f->v.frame_pa, buf, sizeof(buf)), EACCES);
	assert_int_equal(sec_violations(f->plat, NULL), 1);
	rh_importer_free(imp);
	rh_dma_buf_put(b);
	assert_int_equal(rh_importer_map(f->v.disp, f->v.frame, RH_DMA_TO_DEVICE,
					 &f->v.frame_disp), 0);
}

/* A device with a normal mapping that gets secure mode can no longer write it. */
static void test_secure_device_with_normal_mapping(void **state)
{
	struct fixture *f = *state;
	struct rh_importer_map *sys_map;
	struct rh_dma_buf *sys;
	struct rh_violation v;
	unsigned char buf[16] = "leaked pixels";

	sys = sec_alloc(f->plat, "system", 4096);
	/* The decoder (secure for the victim's buffers) also maps a system buffer. */
	assert_int_equal(rh_importer_map(f->v.dec, sys, RH_DMA_BIDIRECTIONAL, &sys_map), 0);
	assert_false(rh_importer_map_is_restricted(sys_map));
	assert_true(rh_device_is_secure(f->v.vcodec));
	/* Decoded (protected) data may not land where the normal world reads. */
	assert_neg_errno(rh_importer_write(sys_map, 0, buf, sizeof(buf)), EACCES);
	assert_int_equal(sec_violations(f->plat, &v), 1);
	assert_true(v.secure);
	assert_true(v.write);
	/* Reading it (a bitstream from the normal world) is fine. */
	assert_int_equal(rh_importer_read(sys_map, 0, buf, sizeof(buf)), 0);
	rh_importer_unmap(sys_map);
	rh_dma_buf_put(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_user_cannot_reach_secmem),
		T(test_user_cannot_make_devices_secure),
		T(test_device_reaches_only_granted_buffers),
		T(test_grant_ends_with_context),
		T(test_foreign_handles),
		T(test_stranger_cma_claim),
		T(test_forged_restricted_table),
		T(test_secure_device_with_normal_mapping),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
