// SPDX-License-Identifier: MIT
/* Security suite helpers: a victim's secure playback and an attacker's reach, public API only. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <rheap/firewall.h>
#include <string.h>

#include "sec-common.h"

static void quiet_log(void *data, enum rh_log_level level, const char *msg)
{
	(void)data;
	if (getenv("RHEAP_TEST_LOG"))
		fprintf(stderr, "<%d> %s\n", (int)level, msg);
}

void sec_platform(struct rh_platform **ret_plat)
{
	RH_DEFINE_PLATFORM_INFO(info);

	info.log_fn = quiet_log;
	assert_int_equal(rh_platform_new(&info, ret_plat), 0);
}

struct rh_dma_buf *sec_alloc(struct rh_platform *plat, const char *name, size_t size)
{
	struct rh_dma_heap *heap = rh_dma_heap_find(plat, name);
	struct rh_dma_buf *b;

	assert_non_null(heap);
	b = rh_dma_heap_buffer_alloc_dmabuf(heap, size, O_RDWR, 0);
	rh_dma_heap_put(heap);
	assert_false(RH_IS_ERR_OR_NULL(b));
	return b;
}

rh_phys_addr_t sec_buffer_pa(struct rh_dma_buf *dmabuf)
{
	const struct rh_restricted_buffer *rb = rh_restricted_buffer_get(dmabuf);

	assert_non_null(rb);
	return rh_sg_phys(rb->sg_table.sgl);
}

void sec_victim_start(struct rh_platform *plat, struct victim *v)
{
	memset(v, 0, sizeof(*v));
	v->plat = plat;
	v->vcodec = rh_device_find(plat, "vcodec");
	v->display = rh_device_find(plat, "display");
	v->gpu = rh_device_find(plat, "gpu");
	assert_non_null(v->vcodec);
	assert_non_null(v->display);
	assert_non_null(v->gpu);
	v->es = sec_alloc(plat, RH_RESTRICTED_MTK_CM_NAME, 64 << 10);
	v->frame = sec_alloc(plat, RH_RESTRICTED_MTK_CMA_NAME, 1 << 20);
	v->es_pa = sec_buffer_pa(v->es);
	v->frame_pa = sec_buffer_pa(v->frame);
	v->es_handle = rh_restricted_buffer_get(v->es)->restricted_addr;
	v->frame_handle = rh_restricted_buffer_get(v->frame)->restricted_addr;
	assert_int_equal(rh_importer_new(v->vcodec, &v->dec), 0);
	assert_int_equal(rh_importer_new(v->display, &v->disp), 0);
	assert_int_equal(rh_importer_map(v->dec, v->es, RH_DMA_TO_DEVICE, &v->es_map), 0);
	assert_int_equal(rh_importer_map(v->dec, v->frame, RH_DMA_FROM_DEVICE, &v->frame_dec), 0);
	assert_int_equal(rh_importer_map(v->disp, v->frame, RH_DMA_TO_DEVICE, &v->frame_disp),
			 0);
	assert_true(rh_device_is_secure(v->vcodec));
	assert_true(rh_device_is_secure(v->display));
	assert_int_equal(rh_importer_write(v->frame_dec, 0, SEC_SECRET, sizeof(SEC_SECRET)), 0);
}

void sec_victim_stop(struct victim *v)
{
	char buf[sizeof(SEC_SECRET)];

	/* The victim's own path still works after every attack. */
	assert_int_equal(rh_importer_read(v->frame_disp, 0, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, SEC_SECRET, sizeof(buf));
	rh_importer_unmap(v->frame_disp);
	rh_importer_unmap(v->frame_dec);
	rh_importer_unmap(v->es_map);
	rh_importer_free(v->disp);
	rh_importer_free(v->dec);
	rh_dma_buf_put(v->frame);
	rh_dma_buf_put(v->es);
	assert_false(rh_device_is_secure(v->vcodec));
	assert_false(rh_device_is_secure(v->display));
}

uint32_t sec_kernel_open(struct rh_platform *plat, const char *uuid,
			 struct sec_session *ret_s)
{
	struct rh_tee_ioctl_open_session_arg arg = { 0 };

	ret_s->ctx = rh_tee_client_open_context(plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(ret_s->ctx));
	assert_int_equal(rh_uuid_parse(uuid, arg.uuid), 0);
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_REE_KERNEL;
	assert_int_equal(rh_tee_client_open_session(ret_s->ctx, &arg, NULL), 0);
	ret_s->session = arg.session;
	return arg.ret;
}

void sec_kernel_close(struct sec_session *s)
{
	rh_tee_client_close_context(s->ctx);
	s->ctx = NULL;
}

uint32_t sec_invoke(struct sec_session *s, uint32_t func, struct rh_tee_param p[4])
{
	struct rh_tee_ioctl_invoke_arg arg = { .func = func, .session = s->session,
					       .num_params = 4 };

	assert_int_equal(rh_tee_client_invoke_func(s->ctx, &arg, p), 0);
	return arg.ret;
}

uint32_t sec_set_device_secure(struct sec_session *s, struct rh_device *dev,
			       uint64_t secure, uint64_t handle)
{
	struct rh_tee_param p[4];

	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = rh_device_master_id(dev);
	p[0].u.value.b = secure;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = handle;
	return sec_invoke(s, RH_SVP_CMD_SET_DEVICE_SECURE, p);
}

uint32_t sec_secmem_free(struct sec_session *s, uint64_t handle, uint64_t *ret_status)
{
	struct rh_tee_param p[4];
	uint32_t res;

	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = handle;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	res = sec_invoke(s, RH_MTK_TZCMD_SECMEM_FREE, p);
	*ret_status = p[1].u.value.a;
	return res;
}

unsigned int sec_violations(struct rh_platform *plat, struct rh_violation *ret_last)
{
	unsigned int n = (unsigned int)rh_phys_violation_count(plat);

	if (n && ret_last)
		assert_int_equal(rh_phys_violation_last(plat, ret_last), 0);
	rh_phys_violations_reset(plat);
	return n;
}
