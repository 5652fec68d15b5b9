// SPDX-License-Identifier: MIT
/* Test helpers: drive the secure-memory and SVP TAs through the real TEE client. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <rheap/secure-stats.h>
#include <string.h>

#include "rh-test.h"
#include "internal.h"
#include "secmem-client.h"

extern const unsigned char rh_test_dtb_platform_minimal[];
extern const size_t rh_test_dtb_platform_minimal_size;

/* The TAs log every refusal; tests provoke hundreds. RHEAP_TEST_LOG=1 shows them. */
static void quiet_log(void *data, enum rh_log_level level, const char *msg)
{
	(void)data;
	if (getenv("RHEAP_TEST_LOG"))
		fprintf(stderr, "<%d> %s\n", (int)level, msg);
}

void tc_platform_from_dtb(const void *dtb, size_t size, struct rh_platform **ret_plat)
{
	RH_DEFINE_PLATFORM_INFO(info);

	info.dtb = dtb;
	info.dtb_size = size;
	info.log_fn = quiet_log;
	assert_int_equal(rh_platform_new(&info, ret_plat), 0);
}

void tc_minimal_platform(struct rh_platform **ret_plat)
{
	tc_platform_from_dtb(rh_test_dtb_platform_minimal, rh_test_dtb_platform_minimal_size,
			     ret_plat);
}

void tc_default_platform(struct rh_platform **ret_plat)
{
	RH_DEFINE_PLATFORM_INFO(info);

	info.log_fn = quiet_log;
	assert_int_equal(rh_platform_new(&info, ret_plat), 0);
}

void tc_open(struct rh_platform *plat, const char *uuid, struct tc *ret_tc)
{
	struct rh_tee_ioctl_open_session_arg arg;
	struct rh_tee_param p[4];

	memset(ret_tc, 0, sizeof(*ret_tc));
	ret_tc->plat = plat;
	ret_tc->ctx = rh_tee_client_open_context(plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(ret_tc->ctx));
	memset(&arg, 0, sizeof(arg));
	memset(p, 0, sizeof(p));
	assert_int_equal(rh_uuid_parse(uuid, arg.uuid), 0);
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_REE_KERNEL;
	arg.num_params = 4;
	assert_int_equal(rh_tee_client_open_session(ret_tc->ctx, &arg, p), 0);
	assert_int_equal(arg.ret, RH_TEEC_SUCCESS);
	ret_tc->session = arg.session;
}

void tc_close(struct tc *tc)
{
	assert_int_equal(rh_tee_client_close_session(tc->ctx, tc->session), 0);
	rh_tee_client_close_context(tc->ctx);
	tc->ctx = NULL;
}

uint32_t tc_invoke(struct tc *tc, uint32_t func, struct rh_tee_param p[4])
{
	struct rh_tee_ioctl_invoke_arg arg;

	memset(&arg, 0, sizeof(arg));
	arg.func = func;
	arg.session = tc->session;
	arg.num_params = 4;
	assert_int_equal(rh_tee_client_invoke_func(tc->ctx, &arg, p), 0);
	tc->origin = arg.ret_origin;
	return arg.ret;
}

uint32_t tc_zalloc(struct tc *tc, uint64_t size, uint64_t align, uint64_t type,
		   uint64_t cma_base, uint64_t cma_size, uint64_t *ret_nr,
		   uint64_t *ret_pa, uint64_t *ret_handle)
{
	struct rh_tee_param p[4];
	uint32_t res;

	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = size;
	p[0].u.value.b = align;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = type;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	p[2].u.value.a = cma_base;
	p[2].u.value.b = cma_size;
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	/* As the CMA heap does: the region is lent through this session. */
	if (type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA && !tc->no_lend)
		/* May fail for a bad region on purpose: the TA is what is tested. */
		(void)rh_platform_lend_region(tc->plat, cma_base, cma_size, tc->session);
	res = tc_invoke(tc, RH_MTK_TZCMD_SECMEM_ZALLOC, p);
	if (res == RH_TEEC_SUCCESS) {
		assert_int_equal(tc->origin, RH_TEEC_ORIGIN_TRUSTED_APP);
		if (ret_nr)
			*ret_nr = p[2].u.value.a;
		if (ret_pa)
			*ret_pa = p[2].u.value.b;
		if (ret_handle)
			*ret_handle = p[3].u.value.a;
	}
	return res;
}

uint64_t tc_zalloc_tz(struct tc *tc, uint64_t size, uint64_t *ret_nr,
		      uint64_t *ret_pa)
{
	uint64_t handle = 0;

	assert_int_equal(tc_zalloc(tc, size, RH_PAGE_SIZE,
				   RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, 0, 0, ret_nr,
				   ret_pa, &handle),
			 RH_TEEC_SUCCESS);
	assert_true(handle != 0);
	return handle;
}

uint32_t tc_free(struct tc *tc, uint64_t handle, uint64_t *ret_status)
{
	struct rh_tee_param p[4];
	uint32_t res;

	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = handle;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	res = tc_invoke(tc, RH_MTK_TZCMD_SECMEM_FREE, p);
	if (ret_status)
		*ret_status = p[1].u.value.a;
	return res;
}

void tc_free_ok(struct tc *tc, uint64_t handle)
{
	uint64_t status = ~0ULL;

	assert_int_equal(tc_free(tc, handle, &status), RH_TEEC_SUCCESS);
	assert_int_equal(status, 0);
}

uint32_t tc_retrieve_sg(struct tc *tc, uint64_t handle, void *buf,
			size_t *inout_size)
{
	struct rh_tee_shm *shm = NULL;
	struct rh_tee_param p[4];
	uint32_t res;

	if (buf) {
		shm = rh_tee_shm_register_kernel_buf(tc->ctx, buf, *inout_size);
		assert_false(RH_IS_ERR_OR_NULL(shm));
	}
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = handle;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
	p[1].u.memref.shm = shm;
	p[1].u.memref.size = buf ? *inout_size : 0;
	res = tc_invoke(tc, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG, p);
	*inout_size = p[1].u.memref.size;
	rh_tee_shm_put(shm);
	return res;
}

void tc_sg_entry(const void *buf, unsigned int i, uint64_t *ret_pa,
		 uint32_t *ret_len)
{
	const uint8_t *e = (const uint8_t *)buf + 12 * (size_t)i;
	uint64_t pa = 0;
	uint32_t len = 0;
	int b;

	for (b = 7; b >= 0; b--)
		pa = pa << 8 | e[b];
	for (b = 3; b >= 0; b--)
		len = len << 8 | e[8 + b];
	*ret_pa = pa;
	*ret_len = len;
}

uint32_t tc_set_device_secure(struct tc *tc, uint64_t master_id, uint64_t secure,
			      uint64_t handle)
{
	struct rh_tee_param p[4];

	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = master_id;
	p[0].u.value.b = secure;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = handle;
	return tc_invoke(tc, RH_SVP_CMD_SET_DEVICE_SECURE, p);
}

uint32_t tc_decrypt(struct tc *tc, const void *cipher, size_t len,
		    uint64_t handle, uint64_t offset, const uint8_t *iv,
		    size_t iv_len, uint64_t *ret_written)
{
	struct rh_tee_shm *in, *ivs;
	struct rh_tee_param p[4];
	uint32_t res;

	in = rh_tee_shm_register_kernel_buf(tc->ctx, (void *)cipher, len);
	assert_false(RH_IS_ERR_OR_NULL(in));
	ivs = rh_tee_shm_register_kernel_buf(tc->ctx, (void *)iv, iv_len);
	assert_false(RH_IS_ERR_OR_NULL(ivs));
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[0].u.memref.shm = in;
	p[0].u.memref.size = len;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = handle;
	p[1].u.value.b = offset;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[2].u.memref.shm = ivs;
	p[2].u.memref.size = iv_len;
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	res = tc_invoke(tc, RH_SVP_CMD_DECRYPT, p);
	if (res == RH_TEEC_SUCCESS && ret_written)
		*ret_written = p[3].u.value.a;
	rh_tee_shm_put(in);
	rh_tee_shm_put(ivs);
	return res;
}

struct rh_secmem_stats tc_stats(struct rh_platform *plat,
				enum rh_mtk_secure_mem_type type)
{
	struct rh_secmem_stats st;

	assert_int_equal(rh_secmem_get_stats(plat, type, &st), 0);
	return st;
}

#define TC_FIELD(f)							\
	do {								\
		if (a->f != b->f)					\
			fail_msg("secmem stats differ in " #f ": %llu != %llu", \
				 (unsigned long long)a->f,		\
				 (unsigned long long)b->f);		\
	} while (0)

void tc_assert_stats_equal(const struct rh_secmem_stats *a,
			   const struct rh_secmem_stats *b)
{
	TC_FIELD(available);
	TC_FIELD(lent);
	TC_FIELD(base);
	TC_FIELD(size);
	TC_FIELD(bytes_used);
	TC_FIELD(live_buffers);
	TC_FIELD(live_extents);
	TC_FIELD(largest_free);
	TC_FIELD(free_blocks);
	TC_FIELD(firewall_regions);
	TC_FIELD(zallocs);
	TC_FIELD(discontiguous);
	TC_FIELD(oom);
	TC_FIELD(frees);
	TC_FIELD(retrieves);
	TC_FIELD(lends);
	TC_FIELD(unlends);
	TC_FIELD(bad_params);
	TC_FIELD(refused_handles);
}
