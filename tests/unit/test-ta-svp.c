// SPDX-License-Identifier: MIT
/* Unit tests of the secure video path TA (emu/ta/ta-svp.c) and the content packager. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/device-bus.h>
#include <rheap/device.h>
#include <rheap/firewall.h>
#include <rheap/phys.h>
#include <rheap/platform.h>
#include <rheap/svp.h>
#include <rheap/tee-secmem.h>
#include <rheap/tee.h>

#include "emu.h"
#include "hand-platform.h"
#include "internal.h"
#include "rh-test.h"
#include "secmem-client.h"
#include "tee/tee-internal.h"

#define KB (1024ULL)
#define MB (1024ULL * 1024)
#define TZ RH_MTK_SECURE_MEMORY_TYPE_CM_TZ
#define CMA RH_MTK_SECURE_MEMORY_TYPE_CM_CMA
#define BADP RH_TEEC_ERROR_BAD_PARAMETERS

struct fixture {
	struct rh_platform *plat;
	struct tc mem;	/* secure-memory TA */
	struct tc svp;	/* secure video TA */
	struct rh_device *vcodec, *display, *gpu;
	const struct rh_reserved_region *cma;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tc_minimal_platform(&f->plat);
	tc_open(f->plat, RH_TZ_TA_MEM_UUID_MTK, &f->mem);
	tc_open(f->plat, RH_TA_SVP_UUID, &f->svp);
	f->vcodec = rh_device_find(f->plat, "vcodec");
	f->display = rh_device_find(f->plat, "display");
	f->gpu = rh_device_find(f->plat, "gpu");
	f->cma = rh_phys_reserved_find_compatible(f->plat, "mediatek,dynamic-restricted-region");
	assert_non_null(f->vcodec);
	assert_non_null(f->display);
	assert_non_null(f->gpu);
	assert_non_null(f->cma);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(tc_stats(f->plat, TZ).live_buffers, 0);
	assert_int_equal(tc_stats(f->plat, CMA).live_buffers, 0);
	tc_close(&f->svp);
	tc_close(&f->mem);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static void fill_sample(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 31 + seed + (i >> 8));
}

static unsigned char *sec(struct fixture *f, rh_phys_addr_t pa, size_t len)
{
	void *p;

	assert_int_equal(rh_emu_secure_ptr(f->plat, pa, len, &p), 0);
	return p;
}

static bool all_zero_sec(struct fixture *f, rh_phys_addr_t pa, size_t len)
{
	const unsigned char *p = sec(f, pa, len);
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* ------------------------------------------------------------ SET_DEVICE_SECURE */

static void test_set_device_secure(void **state)
{
	struct fixture *f = *state;
	uint32_t vcodec = rh_device_master_id(f->vcodec);
	unsigned char buf[32];
	struct rh_tee_param p[4];
	uint64_t h, h2, pa, pa2;

	h = tc_zalloc_tz(&f->mem, 64 * KB, NULL, &pa);
	h2 = tc_zalloc_tz(&f->mem, 64 * KB, NULL, &pa2);
	/* Non-secure: the firewall refuses every master, capable or not. */
	assert_false(rh_device_is_secure(f->vcodec));
	assert_neg_errno(rh_device_dma_read(f->vcodec, pa, buf, sizeof(buf)), EACCES);

	/* Granted buffer h: secure mode, and exactly h's pages become reachable. */
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 1, h), RH_TEEC_SUCCESS);
	assert_int_equal(f->svp.origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_true(rh_device_is_secure(f->vcodec));
	assert_int_equal(rh_device_dma_read(f->vcodec, pa, buf, sizeof(buf)), 0);
	assert_int_equal(rh_device_dma_read(f->vcodec, pa + 64 * KB - 32, buf, 32), 0);
	/* Another buffer of the same pool, not granted: refused. */
	assert_neg_errno(rh_device_dma_read(f->vcodec, pa2, buf, sizeof(buf)), EACCES);
	/* Another master is still refused. */
	assert_neg_errno(rh_device_dma_read(f->display, pa, buf, sizeof(buf)), EACCES);
	assert_neg_errno(rh_device_dma_read(f->gpu, pa, buf, sizeof(buf)), EACCES);

	/* Mapped twice (two mappings of the driver): two grants to give back. */
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 1, h), RH_TEEC_SUCCESS);
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 0, h), RH_TEEC_SUCCESS);
	assert_true(rh_device_is_secure(f->vcodec));
	assert_int_equal(rh_device_dma_read(f->vcodec, pa, buf, sizeof(buf)), 0);
	/* Back to normal mode with the last grant: refused again. */
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 0, h), RH_TEEC_SUCCESS);
	assert_false(rh_device_is_secure(f->vcodec));
	assert_neg_errno(rh_device_dma_read(f->vcodec, pa, buf, sizeof(buf)), EACCES);
	/* Nothing left to give back. */
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 0, h),
			 RH_TEEC_ERROR_ITEM_NOT_FOUND);

	/* Only a buffer the TA allocated can be granted. */
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 1, h ^ 1),
			 RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 1, 0),
			 RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 1, pa),
			 RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_false(rh_device_is_secure(f->vcodec));

	/* The GPU is not secure-capable: the TA refuses, nothing changes. */
	assert_int_equal(tc_set_device_secure(&f->svp, rh_device_master_id(f->gpu), 1, h),
			 RH_TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(f->svp.origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_false(rh_device_is_secure(f->gpu));
	assert_int_equal(tc_set_device_secure(&f->svp, rh_device_master_id(f->gpu), 0, h),
			 RH_TEEC_ERROR_ACCESS_DENIED);
	assert_neg_errno(rh_device_dma_read(f->gpu, pa, buf, sizeof(buf)), EACCES);

	/* Unknown masters. */
	assert_int_equal(tc_set_device_secure(&f->svp, 99, 1, h), RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(tc_set_device_secure(&f->svp, (1ULL << 32) | vcodec, 1, h),
			 RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_false(rh_device_is_secure(f->vcodec));
	/* A state other than 0/1, wrong parameter types (v1's layout without p1 too). */
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 2, h), BADP);
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = vcodec;
	p[0].u.value.b = 1;
	assert_int_equal(tc_invoke(&f->svp, RH_SVP_CMD_SET_DEVICE_SECURE, p), BADP);
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	p[1].u.value.a = h;
	assert_int_equal(tc_invoke(&f->svp, RH_SVP_CMD_SET_DEVICE_SECURE, p), BADP);
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	assert_int_equal(tc_invoke(&f->svp, RH_SVP_CMD_SET_DEVICE_SECURE, p), BADP);
	assert_false(rh_device_is_secure(f->vcodec));
	/* Unknown command. */
	memset(p, 0, sizeof(p));
	assert_int_equal(tc_invoke(&f->svp, 0x77, p), RH_TEEC_ERROR_NOT_SUPPORTED);

	tc_free_ok(&f->mem, h);
	tc_free_ok(&f->mem, h2);
}

/* A secure device writes only into the buffers it was granted. */
static void test_secure_device_writes_only_granted(void **state)
{
	struct fixture *f = *state;
	uint32_t vcodec = rh_device_master_id(f->vcodec);
	static const char frame[] = "decoded frame";
	uint64_t h, pa;
	rh_phys_addr_t open_pa = f->plat->desc.dram_base + 4 * MB;

	h = tc_zalloc_tz(&f->mem, 64 * KB, NULL, &pa);
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 1, h), RH_TEEC_SUCCESS);
	assert_int_equal(rh_device_dma_write(f->vcodec, pa, frame, sizeof(frame)), 0);
	/* Into unprotected memory: refused and logged, nothing written. */
	rh_phys_violations_reset(f->plat);
	assert_neg_errno(rh_device_dma_write(f->vcodec, open_pa, frame, sizeof(frame)), EACCES);
	assert_int_equal(rh_phys_violation_count(f->plat), 1);
	assert_int_equal(sec(f, open_pa, 1)[0], 0);
	/* Reading unprotected memory (a bitstream) is fine. */
	assert_int_equal(rh_device_dma_read(f->vcodec, open_pa, (void *)(char[16]){ 0 }, 16), 0);
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 0, h), RH_TEEC_SUCCESS);
	/* Normal again: unprotected memory is its own. */
	assert_int_equal(rh_device_dma_write(f->vcodec, open_pa, frame, sizeof(frame)), 0);
	tc_free_ok(&f->mem, h);
}

/* Grants end with the session that made them, and with the buffer's FREE. */
static void test_grants_end(void **state)
{
	struct fixture *f = *state;
	uint32_t vcodec = rh_device_master_id(f->vcodec);
	uint32_t display = rh_device_master_id(f->display);
	unsigned char buf[16];
	uint64_t h, h2, pa, pa2;
	struct tc other;

	h = tc_zalloc_tz(&f->mem, 64 * KB, NULL, &pa);
	h2 = tc_zalloc_tz(&f->mem, 64 * KB, NULL, &pa2);
	tc_open(f->plat, RH_TA_SVP_UUID, &other);
	assert_int_equal(tc_set_device_secure(&other, vcodec, 1, h), RH_TEEC_SUCCESS);
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 1, h2), RH_TEEC_SUCCESS);
	/* Another session's grant cannot be taken back by us. */
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 0, h),
			 RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(rh_device_dma_read(f->vcodec, pa, buf, sizeof(buf)), 0);
	/* The session goes: its grant goes; the device stays secure for h2. */
	tc_close(&other);
	assert_neg_errno(rh_device_dma_read(f->vcodec, pa, buf, sizeof(buf)), EACCES);
	assert_true(rh_device_is_secure(f->vcodec));
	assert_int_equal(rh_device_dma_read(f->vcodec, pa2, buf, sizeof(buf)), 0);

	/* FREE of a granted buffer takes every grant of it away before the scrub. */
	assert_int_equal(tc_set_device_secure(&f->svp, display, 1, h2), RH_TEEC_SUCCESS);
	tc_free_ok(&f->mem, h2);
	assert_false(rh_device_is_secure(f->vcodec));
	assert_false(rh_device_is_secure(f->display));
	assert_neg_errno(rh_device_dma_read(f->vcodec, pa2, buf, sizeof(buf)), EACCES);
	assert_int_equal(tc_set_device_secure(&f->svp, vcodec, 0, h2),
			 RH_TEEC_ERROR_ITEM_NOT_FOUND);
	tc_free_ok(&f->mem, h);
}

/* Device modes are the kernel's: a user program is refused, whatever it names. */
static void test_device_mode_kernel_only(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_open_session_arg arg = { 0 };
	struct rh_tee_param p[4];
	struct rh_tee_ioctl_invoke_arg inv = { 0 };
	struct rh_tee_context *user;
	uint8_t iv[RH_SVP_IV_LEN] = { 0 };
	unsigned char cipher[64] = { 1 };
	struct rh_tee_shm *in, *ivs;
	uint64_t h, pa;

	h = tc_zalloc_tz(&f->mem, 64 * KB, NULL, &pa);
	user = rh_tee_context_open(f->plat, NULL, NULL, NULL, true);
	assert_false(RH_IS_ERR_OR_NULL(user));
	assert_int_equal(rh_uuid_parse(RH_TA_SVP_UUID, arg.uuid), 0);
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_PUBLIC;
	assert_int_equal(rh_tee_client_open_session(user, &arg, NULL), 0);
	assert_int_equal(arg.ret, RH_TEEC_SUCCESS);

	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = rh_device_master_id(f->vcodec);
	p[0].u.value.b = 1;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = h;
	inv.func = RH_SVP_CMD_SET_DEVICE_SECURE;
	inv.session = arg.session;
	inv.num_params = 4;
	assert_int_equal(rh_tee_client_invoke_func(user, &inv, p), 0);
	assert_int_equal(inv.ret, RH_TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(inv.ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_false(rh_device_is_secure(f->vcodec));

	/* DECRYPT into a secure handle: the handle proves nothing from user space. */
	in = rh_tee_shm_alloc_kernel_buf(user, sizeof(cipher));
	ivs = rh_tee_shm_alloc_kernel_buf(user, sizeof(iv));
	assert_false(RH_IS_ERR_OR_NULL(in));
	assert_false(RH_IS_ERR_OR_NULL(ivs));
	memcpy(rh_tee_shm_get_va(in, 0), cipher, sizeof(cipher));
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[0].u.memref.shm = in;
	p[0].u.memref.size = sizeof(cipher);
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = h;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[2].u.memref.shm = ivs;
	p[2].u.memref.size = sizeof(iv);
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	inv.func = RH_SVP_CMD_DECRYPT;
	assert_int_equal(rh_tee_client_invoke_func(user, &inv, p), 0);
	assert_int_equal(inv.ret, RH_TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(p[3].u.value.a, 0);
	assert_true(all_zero_sec(f, pa, 64 * KB));
	rh_tee_shm_put(in);
	rh_tee_shm_put(ivs);
	rh_tee_client_close_context(user);
	tc_free_ok(&f->mem, h);
}

/* ------------------------------------------------------------ DECRYPT */

static void test_decrypt_round_trip(void **state)
{
	struct fixture *f = *state;
	const size_t len = 100 * KB + 17;
	unsigned char *plain = malloc(len), *cipher = malloc(len), *back = malloc(len);
	uint8_t iv[RH_SVP_IV_LEN];
	uint64_t h, pa, written = 0;
	unsigned int i;

	assert_non_null(plain);
	assert_non_null(cipher);
	assert_non_null(back);
	fill_sample(plain, len, 1);
	assert_int_equal(rh_svp_package_sample(f->plat, plain, len, iv, cipher), 0);
	assert_memory_not_equal(cipher, plain, 64);
	/* The IV: 8 random bytes, then a block counter starting at 0. */
	for (i = 8; i < RH_SVP_IV_LEN; i++)
		assert_int_equal(iv[i], 0);

	/* The bitstream buffer comes from the chunk; decrypt at an offset. */
	h = tc_zalloc_tz(&f->mem, 128 * KB, NULL, &pa);
	assert_int_equal(tc_decrypt(&f->svp, cipher, len, h, 4 * KB, iv, sizeof(iv), &written),
			 RH_TEEC_SUCCESS);
	assert_int_equal(written, len);
	/* The decoder (secure) reads the clear sample back. */
	assert_int_equal(tc_set_device_secure(&f->svp, rh_device_master_id(f->vcodec), 1, h),
			 RH_TEEC_SUCCESS);
	assert_int_equal(rh_device_dma_read(f->vcodec, pa + 4 * KB, back, len), 0);
	assert_memory_equal(back, plain, len);
	/* Nothing before the offset or after the sample was written. */
	assert_int_equal(sec(f, pa, 4 * KB)[4 * KB - 1], 0);
	assert_int_equal(sec(f, pa + 4 * KB + len, 1)[0], 0);
	/* The clear text never exists in normal-world memory that could leak. */
	assert_neg_errno(rh_phys_probe_read(f->plat, pa + 4 * KB, back, 64), EFAULT);
	assert_neg_errno(rh_device_dma_read(f->gpu, pa + 4 * KB, back, 64), EACCES);
	assert_int_equal(tc_set_device_secure(&f->svp, rh_device_master_id(f->vcodec), 0, h),
			 RH_TEEC_SUCCESS);

	/* The wrong IV decrypts to garbage. */
	iv[15] ^= 1;
	assert_int_equal(tc_decrypt(&f->svp, cipher, len, h, 0, iv, sizeof(iv), &written),
			 RH_TEEC_SUCCESS);
	assert_memory_not_equal(sec(f, pa, 64), plain, 64);

	tc_free_ok(&f->mem, h);
	free(plain);
	free(cipher);
	free(back);
}

/* A split buffer: the keystream runs on across extents. */
static void test_decrypt_discontiguous(void **state)
{
	struct fixture *f = *state;
	const size_t len = 10 * MB;
	unsigned char *plain = malloc(len), *cipher = malloc(len);
	uint64_t h[4], big, nr, written = 0, epa[2];
	uint8_t iv[RH_SVP_IV_LEN], sg[24];
	size_t sz = sizeof(sg), off;
	uint32_t elen[2];
	unsigned int i;

	assert_non_null(plain);
	assert_non_null(cipher);
	for (i = 0; i < 4; i++)
		h[i] = tc_zalloc_tz(&f->mem, 8 * MB, NULL, NULL);
	tc_free_ok(&f->mem, h[0]);
	tc_free_ok(&f->mem, h[2]);
	assert_int_equal(tc_zalloc(&f->mem, 12 * MB, 4096, TZ, 0, 0, &nr, NULL, &big),
			 RH_TEEC_SUCCESS);
	assert_int_equal(nr, 2);
	assert_int_equal(tc_retrieve_sg(&f->mem, big, sg, &sz), RH_TEEC_SUCCESS);
	tc_sg_entry(sg, 0, &epa[0], &elen[0]);
	tc_sg_entry(sg, 1, &epa[1], &elen[1]);

	fill_sample(plain, len, 7);
	assert_int_equal(rh_svp_package_sample(f->plat, plain, len, iv, cipher), 0);
	/* From 1 MiB in: 7 MiB in the first extent, 3 MiB in the second. */
	assert_int_equal(tc_decrypt(&f->svp, cipher, len, big, MB, iv, sizeof(iv), &written),
			 RH_TEEC_SUCCESS);
	assert_int_equal(written, len);
	off = elen[0] - MB;
	assert_memory_equal(sec(f, epa[0] + MB, off), plain, off);
	assert_memory_equal(sec(f, epa[1], len - off), plain + off, len - off);

	tc_free_ok(&f->mem, big);
	tc_free_ok(&f->mem, h[1]);
	tc_free_ok(&f->mem, h[3]);
	free(plain);
	free(cipher);
}

static void test_decrypt_into_cma_frame(void **state)
{
	struct fixture *f = *state;
	unsigned char plain[4096], cipher[4096], back[4096];
	uint64_t h, pa, written;
	uint8_t iv[RH_SVP_IV_LEN];

	fill_sample(plain, sizeof(plain), 3);
	assert_int_equal(rh_svp_package_sample(f->plat, plain, sizeof(plain), iv, cipher), 0);
	assert_int_equal(tc_zalloc(&f->mem, MB, 4096, CMA, f->cma->base, f->cma->size, NULL,
				   &pa, &h), RH_TEEC_SUCCESS);
	assert_int_equal(tc_decrypt(&f->svp, cipher, sizeof(cipher), h, MB - 4096, iv,
				    sizeof(iv), &written), RH_TEEC_SUCCESS);
	assert_int_equal(tc_set_device_secure(&f->svp, rh_device_master_id(f->display), 1, h),
			 RH_TEEC_SUCCESS);
	assert_int_equal(rh_device_dma_read(f->display, pa + MB - 4096, back, sizeof(back)), 0);
	assert_memory_equal(back, plain, sizeof(plain));
	assert_int_equal(tc_set_device_secure(&f->svp, rh_device_master_id(f->display), 0, h),
			 RH_TEEC_SUCCESS);
	/* The last free scrubs: the plaintext does not go back with the region. */
	tc_free_ok(&f->mem, h);
	assert_int_equal(rh_phys_probe_read(f->plat, pa + MB - 4096, back, sizeof(back)), 0);
	assert_memory_not_equal(back, plain, 64);
	assert_int_equal(back[0] | back[100] | back[4095], 0);
}

static void test_decrypt_bad_parameters(void **state)
{
	struct fixture *f = *state;
	unsigned char plain[256], cipher[256];
	uint8_t iv[RH_SVP_IV_LEN + 1] = { 0 };
	struct rh_tee_shm *shm;
	struct rh_tee_param p[4];
	uint64_t h, pa, w = 0xdead, refused;

	fill_sample(plain, sizeof(plain), 5);
	assert_int_equal(rh_svp_package_sample(f->plat, plain, sizeof(plain), iv, cipher), 0);
	h = tc_zalloc_tz(&f->mem, 8 * KB, NULL, &pa);

	/* Out of bounds: the end, the offset, an overflowing offset. */
	assert_int_equal(tc_decrypt(&f->svp, cipher, sizeof(cipher), h, 8 * KB - 255, iv,
				    RH_SVP_IV_LEN, &w), BADP);
	assert_int_equal(tc_decrypt(&f->svp, cipher, sizeof(cipher), h, 8 * KB + 4096, iv,
				    RH_SVP_IV_LEN, &w), BADP);
	assert_int_equal(tc_decrypt(&f->svp, cipher, sizeof(cipher), h, UINT64_MAX - 16, iv,
				    RH_SVP_IV_LEN, &w), BADP);
	assert_int_equal(w, 0xdead);
	/* Exactly at the end is fine. */
	assert_int_equal(tc_decrypt(&f->svp, cipher, sizeof(cipher), h, 8 * KB - 256, iv,
				    RH_SVP_IV_LEN, &w), RH_TEEC_SUCCESS);
	assert_int_equal(w, sizeof(cipher));
	assert_memory_equal(sec(f, pa + 8 * KB - 256, 256), plain, 256);
	/* Initial counter block of the wrong size. */
	assert_int_equal(tc_decrypt(&f->svp, cipher, sizeof(cipher), h, 0, iv,
				    RH_SVP_IV_LEN - 1, &w), BADP);
	assert_int_equal(tc_decrypt(&f->svp, cipher, sizeof(cipher), h, 0, iv,
				    RH_SVP_IV_LEN + 1, &w), BADP);
	/* Unknown, forged, freed handles. */
	refused = tc_stats(f->plat, TZ).refused_handles;
	assert_int_equal(tc_decrypt(&f->svp, cipher, sizeof(cipher), h ^ 4, 0, iv,
				    RH_SVP_IV_LEN, &w), RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(tc_decrypt(&f->svp, cipher, sizeof(cipher), h ^ (1ULL << 32), 0, iv,
				    RH_SVP_IV_LEN, &w), RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(tc_decrypt(&f->svp, cipher, sizeof(cipher), pa, 0, iv,
				    RH_SVP_IV_LEN, &w), RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(tc_stats(f->plat, TZ).refused_handles, refused + 3);

	/* Parameter types: a value for the ciphertext, no output, a NULL memref. */
	shm = rh_tee_shm_register_kernel_buf(f->svp.ctx, cipher, sizeof(cipher));
	assert_false(RH_IS_ERR_OR_NULL(shm));
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = h;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[2].u.memref.shm = shm;
	p[2].u.memref.size = RH_SVP_IV_LEN;
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	assert_int_equal(tc_invoke(&f->svp, RH_SVP_CMD_DECRYPT, p), BADP);
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[0].u.memref.shm = shm;
	p[0].u.memref.size = sizeof(cipher);
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_NONE;
	assert_int_equal(tc_invoke(&f->svp, RH_SVP_CMD_DECRYPT, p), BADP);
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
	assert_int_equal(tc_invoke(&f->svp, RH_SVP_CMD_DECRYPT, p), BADP);
	/* An empty sample. */
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[0].u.memref.shm = NULL;
	p[0].u.memref.size = 0;
	assert_int_equal(tc_invoke(&f->svp, RH_SVP_CMD_DECRYPT, p), BADP);
	/* With everything right the same call works. */
	p[0].u.memref.shm = shm;
	p[0].u.memref.size = sizeof(cipher);
	assert_int_equal(tc_invoke(&f->svp, RH_SVP_CMD_DECRYPT, p), RH_TEEC_SUCCESS);
	assert_int_equal(p[3].u.value.a, sizeof(cipher));
	rh_tee_shm_put(shm);

	tc_free_ok(&f->mem, h);
	assert_int_equal(tc_decrypt(&f->svp, cipher, sizeof(cipher), h, 0, iv,
				    RH_SVP_IV_LEN, &w), RH_TEEC_ERROR_ITEM_NOT_FOUND);
}

/* ------------------------------------------------------------ the packager */

static void test_package_sample(void **state)
{
	struct fixture *f = *state;
	unsigned char plain[100], c1[100], c2[100], inplace[100];
	uint8_t iv1[RH_SVP_IV_LEN], iv2[RH_SVP_IV_LEN], iv3[RH_SVP_IV_LEN];
	struct rh_platform *other;
	struct tc mem2, svp2;
	uint64_t h, pa, w;

	fill_sample(plain, sizeof(plain), 9);
	assert_neg_errno(rh_svp_package_sample(NULL, plain, 1, iv1, c1), EINVAL);
	assert_neg_errno(rh_svp_package_sample(f->plat, NULL, 1, iv1, c1), EINVAL);
	assert_neg_errno(rh_svp_package_sample(f->plat, plain, 0, iv1, c1), EINVAL);
	assert_neg_errno(rh_svp_package_sample(f->plat, plain, 1, NULL, c1), EINVAL);
	assert_neg_errno(rh_svp_package_sample(f->plat, plain, 1, iv1, NULL), EINVAL);

	/* A fresh IV every time: the same sample never encrypts the same. */
	assert_int_equal(rh_svp_package_sample(f->plat, plain, sizeof(plain), iv1, c1), 0);
	assert_int_equal(rh_svp_package_sample(f->plat, plain, sizeof(plain), iv2, c2), 0);
	assert_memory_not_equal(iv1, iv2, sizeof(iv1));
	assert_memory_not_equal(c1, c2, sizeof(c1));
	/* In place works too. */
	memcpy(inplace, plain, sizeof(plain));
	assert_int_equal(rh_svp_package_sample(f->plat, inplace, sizeof(inplace), iv3,
					       inplace), 0);
	assert_memory_not_equal(inplace, plain, sizeof(plain));
	h = tc_zalloc_tz(&f->mem, 4 * KB, NULL, &pa);
	assert_int_equal(tc_decrypt(&f->svp, inplace, sizeof(inplace), h, 0, iv3,
				    RH_SVP_IV_LEN, &w), RH_TEEC_SUCCESS);
	assert_memory_equal(sec(f, pa, sizeof(plain)), plain, sizeof(plain));
	tc_free_ok(&f->mem, h);

	/* Each platform's TA has its own key: content for one is noise on another. */
	tc_minimal_platform(&other);
	tc_open(other, RH_TZ_TA_MEM_UUID_MTK, &mem2);
	tc_open(other, RH_TA_SVP_UUID, &svp2);
	h = tc_zalloc_tz(&mem2, 4 * KB, NULL, &pa);
	assert_int_equal(tc_decrypt(&svp2, c1, sizeof(c1), h, 0, iv1, RH_SVP_IV_LEN, &w),
			 RH_TEEC_SUCCESS);
	{
		void *p;

		assert_int_equal(rh_emu_secure_ptr(other, pa, sizeof(plain), &p), 0);
		assert_memory_not_equal(p, plain, sizeof(plain));
	}
	tc_free_ok(&mem2, h);
	tc_close(&svp2);
	tc_close(&mem2);
	rh_platform_unref(other);

	/* The key outlives sessions: content packaged earlier still plays. */
	tc_close(&f->svp);
	tc_open(f->plat, RH_TA_SVP_UUID, &f->svp);
	h = tc_zalloc_tz(&f->mem, 4 * KB, NULL, &pa);
	assert_int_equal(tc_decrypt(&f->svp, c2, sizeof(c2), h, 0, iv2, RH_SVP_IV_LEN, &w),
			 RH_TEEC_SUCCESS);
	assert_memory_equal(sec(f, pa, sizeof(plain)), plain, sizeof(plain));
	tc_free_ok(&f->mem, h);
}

extern const unsigned char rh_test_dtb_defaults[];
extern const size_t rh_test_dtb_defaults_size;

/* No masters, no pools (defaults.dts); no TEE at all (a hand-built platform). */
static void test_bare_platforms(void **state)
{
	unsigned char plain[16] = { 1 }, cipher[16];
	uint8_t iv[RH_SVP_IV_LEN];
	struct rh_platform_desc desc;
	struct rh_platform *plat = NULL;
	uint64_t w;
	struct tc svp;

	(void)state;
	tc_platform_from_dtb(rh_test_dtb_defaults, rh_test_dtb_defaults_size, &plat);
	tc_open(plat, RH_TA_SVP_UUID, &svp);
	assert_int_equal(tc_set_device_secure(&svp, 1, 1, 1), RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(tc_set_device_secure(&svp, 0, 0, 1), RH_TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(rh_svp_package_sample(plat, plain, sizeof(plain), iv, cipher), 0);
	assert_int_equal(tc_decrypt(&svp, cipher, sizeof(cipher), 1, 0, iv, sizeof(iv), &w),
			 RH_TEEC_ERROR_ITEM_NOT_FOUND);
	tc_close(&svp);
	rh_platform_unref(plat);

	hand_desc_minimal(&desc);
	plat = NULL;
	assert_int_equal(hand_platform_new(&desc, &plat), 0);
	assert_neg_errno(rh_svp_package_sample(plat, plain, sizeof(plain), iv, cipher), ENODEV);
	hand_platform_free(plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_set_device_secure),
		T(test_secure_device_writes_only_granted),
		T(test_grants_end),
		T(test_device_mode_kernel_only),
		T(test_decrypt_round_trip),
		T(test_decrypt_discontiguous),
		T(test_decrypt_into_cma_frame),
		T(test_decrypt_bad_parameters),
		T(test_package_sample),
		cmocka_unit_test(test_bare_platforms),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
