// SPDX-License-Identifier: MIT
/*
 * Every TEE-using entry point under every TEE fault, every public entry
 * point under every failed allocation: nothing survives once the caller
 * closed everything, and the library works again (tests/common/fault-sweep.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libfdt.h>

#include <rheap/device-bus.h>
#include <rheap/firewall.h>
#include <rheap/rheap.h>
#include <rheap/svp.h>
#include <rheap/tee-backend.h>

#include "fault-sweep.h"
#include "rh-test.h"

/* platforms/minimal.dtb, embedded by tests/data/meson.build. */
extern const unsigned char rh_test_dtb_platform_minimal[];
extern const size_t rh_test_dtb_platform_minimal_size;

/*
 * The minimal platform with a 64 KiB chunk and a 1 MiB dynamic region:
 * sixteen 4 KiB buffers fill the chunk, so fragmenting it costs nothing.
 */
#define CHUNK_SIZE 0x10000
#define REGION_SIZE 0x100000

#define HELLO_WORLD_UUID "8aaaf200-2450-11e4-abe2-0002a5d5c51b"
#define HELLO_WORLD_CMD_INC_VALUE 0

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_BUFS 16
#define MAX_FDS 8

/* The state of the entry point being swept (one at a time). */
struct ep {
	struct rh_dma_heap *cm, *cma, *sys;
	struct rh_device *vcodec, *gpu;
	struct rh_dma_buf *b[MAX_BUFS];
	struct rh_importer *imp;
	struct rh_importer_map *m[2];
	int fd[MAX_FDS];
	uint8_t cipher[256], iv[RH_SVP_IV_LEN];
};

static struct ep ep;

static struct rh_dma_heap *heap(struct rh_platform *plat, const char *name)
{
	struct rh_dma_heap *h = rh_dma_heap_find(plat, name);

	assert_non_null(h);
	/* The platform holds its heaps for its lifetime. */
	rh_dma_heap_put(h);
	return h;
}

static void ep_init(struct rh_sweep_env *env)
{
	unsigned int i;

	memset(&ep, 0, sizeof(ep));
	for (i = 0; i < MAX_FDS; i++)
		ep.fd[i] = -1;
	if (!env->plat)
		return;
	ep.cm = heap(env->plat, RH_RESTRICTED_MTK_CM_NAME);
	ep.cma = heap(env->plat, RH_RESTRICTED_MTK_CMA_NAME);
	ep.sys = heap(env->plat, "system");
	ep.vcodec = rh_device_find(env->plat, "vcodec");
	ep.gpu = rh_device_find(env->plat, "gpu");
	assert_non_null(ep.vcodec);
	assert_non_null(ep.gpu);
}

/* Everything ep holds goes, in the order a caller would drop it. */
static void ep_close(struct rh_sweep_env *env)
{
	unsigned int i;

	for (i = 0; i < N_ELEMS(ep.m); i++)
		rh_importer_unmap(ep.m[i]);
	rh_importer_free(ep.imp);
	for (i = 0; i < MAX_BUFS; i++)
		rh_dma_buf_put(ep.b[i]);
	for (i = 0; i < MAX_FDS && env->plat; i++)
		if (ep.fd[i] >= 0)
			assert_int_equal(rh_close(env->plat, ep.fd[i]), 0);
	ep_init(env);
}

/* A buffer into ep.b[@slot]; 0 or the allocation's errno. */
static int alloc_buf(struct rh_dma_heap *h, size_t len, unsigned int slot)
{
	struct rh_dma_buf *b = rh_dma_heap_buffer_alloc_dmabuf(h, len, O_RDWR, 0);

	if (RH_IS_ERR(b))
		return (int)RH_PTR_ERR(b);
	ep.b[slot] = b;
	return 0;
}

static void must_alloc(struct rh_dma_heap *h, size_t len, unsigned int slot)
{
	int ret = alloc_buf(h, len, slot);

	if (ret)
		fail_msg("%s: %s allocation failed: %d", rh_sweep_current(),
			 rh_dma_heap_get_name(h), ret);
}

/* A buffer through the uapi: heap fd into ep.fd[@slot], buffer into ep.fd[@slot + 1]. */
static int uapi_alloc(struct rh_platform *plat, const char *name, size_t len,
		      unsigned int slot)
{
	struct rh_dma_heap_allocation_data data = { .len = len, .fd_flags = O_RDWR };
	char path[64];
	int ret;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", name);
	if (ep.fd[slot] < 0) {
		ep.fd[slot] = rh_open(plat, path, O_RDONLY | O_CLOEXEC);
		if (ep.fd[slot] < 0)
			return ep.fd[slot];
	}
	ret = rh_ioctl(plat, ep.fd[slot], RH_DMA_HEAP_IOCTL_ALLOC, &data);
	if (ret)
		return ret;
	ep.fd[slot + 1] = (int)data.fd;
	return 0;
}

/* ------------------------------------------------------------ TEE entry points */

/* heap_init: the first allocation of each MTK heap, through /dev/dma_heap. */
static void init_prepare(struct rh_sweep_env *env)
{
	ep_init(env);
}

static int init_op(struct rh_sweep_env *env)
{
	int ret;

	ret = uapi_alloc(env->plat, RH_RESTRICTED_MTK_CM_NAME, 16384, 0);
	if (!ret)
		ret = uapi_alloc(env->plat, RH_RESTRICTED_MTK_CMA_NAME, 16384, 2);
	return ret;
}

/*
 * alloc: a discontiguous chunk buffer (ZALLOC, REGISTER_SHM, RETRIEVE_SG,
 * UNREGISTER_SHM) while the chunk is fragmented, and a region buffer.
 */
static void alloc_prepare(struct rh_sweep_env *env)
{
	unsigned int i;

	ep_init(env);
	for (i = 0; i < CHUNK_SIZE / 4096; i++)
		must_alloc(ep.cm, 4096, i);
	for (i = 1; i < CHUNK_SIZE / 4096; i += 2) {
		rh_dma_buf_put(ep.b[i]);
		ep.b[i] = NULL;
	}
}

static int alloc_op(struct rh_sweep_env *env)
{
	int ret;

	(void)env;
	ret = alloc_buf(ep.cm, 8192, 1);
	if (!ret)
		ret = alloc_buf(ep.cma, 16384, 3);
	return ret;
}

/* free: both heaps, the last buffers of each, a dma-buf and an fd with a dup. */
static void free_prepare(struct rh_sweep_env *env)
{
	ep_init(env);
	must_alloc(ep.cm, 8192, 0);
	must_alloc(ep.cma, 16384, 1);
	assert_int_equal(uapi_alloc(env->plat, RH_RESTRICTED_MTK_CMA_NAME, 4096, 0), 0);
	ep.fd[2] = rh_dup(env->plat, ep.fd[1]);
	assert_true(ep.fd[2] >= 0);
}

static int free_op(struct rh_sweep_env *env)
{
	unsigned int i;

	rh_dma_buf_put(ep.b[0]);
	rh_dma_buf_put(ep.b[1]);
	ep.b[0] = ep.b[1] = NULL;
	for (i = 0; i < 3; i++) {
		assert_int_equal(rh_close(env->plat, ep.fd[i]), 0);
		ep.fd[i] = -1;
	}
	return 0;
}

/* import-map: a driver maps a buffer of each heap for its device's secure DMA. */
static void map_prepare(struct rh_sweep_env *env)
{
	ep_init(env);
	assert_int_equal(rh_importer_new(ep.vcodec, &ep.imp), 0);
	must_alloc(ep.cma, 16384, 0);
	must_alloc(ep.cm, 8192, 1);
}

static int map_op(struct rh_sweep_env *env)
{
	uint8_t byte;
	int ret;

	(void)env;
	ret = rh_importer_map(ep.imp, ep.b[0], RH_DMA_TO_DEVICE, &ep.m[0]);
	if (!ret)
		ret = rh_importer_map(ep.imp, ep.b[1], RH_DMA_BIDIRECTIONAL, &ep.m[1]);
	/* A mapping that exists reaches its buffer. */
	if (!ret && RH_NEED_SG_DMA_FLAGS)
		assert_int_equal(rh_importer_read(ep.m[0], 0, &byte, 1), 0);
	return ret;
}

/* import-unmap: the driver's grant goes with its mapping. */
static void unmap_prepare(struct rh_sweep_env *env)
{
	map_prepare(env);
	assert_int_equal(rh_importer_map(ep.imp, ep.b[0], RH_DMA_TO_DEVICE, &ep.m[0]), 0);
	assert_int_equal(rh_importer_map(ep.imp, ep.b[1], RH_DMA_FROM_DEVICE, &ep.m[1]), 0);
}

static int unmap_op(struct rh_sweep_env *env)
{
	(void)env;
	rh_importer_unmap(ep.m[0]);
	rh_importer_unmap(ep.m[1]);
	ep.m[0] = ep.m[1] = NULL;
	return 0;
}

/* svp-decrypt: a kernel client decrypts a sample into a chunk buffer. */
static void decrypt_prepare(struct rh_sweep_env *env)
{
	uint8_t plain[sizeof(ep.cipher)];

	ep_init(env);
	must_alloc(ep.cm, 8192, 0);
	memset(plain, 0x5a, sizeof(plain));
	assert_int_equal(rh_svp_package_sample(env->plat, plain, sizeof(plain), ep.iv,
					       ep.cipher),
			 0);
}

static int svp_match(struct rh_tee_ioctl_version_data *ver, const void *data)
{
	(void)data;
	return ver->impl_id == RH_TEE_IMPL_ID_OPTEE;
}

/* The TEE's answer as an errno (0 on success). */
static int tee_errno(int ret, uint32_t result)
{
	return ret ? ret : rh_tee_result_to_errno(result);
}

static int decrypt_op(struct rh_sweep_env *env)
{
	struct rh_tee_ioctl_open_session_arg oarg = { 0 };
	struct rh_tee_ioctl_invoke_arg arg = { 0 };
	struct rh_tee_param p[RH_TEE_NUM_PARAMS];
	struct rh_tee_shm *in, *iv = NULL;
	struct rh_tee_context *ctx;
	int ret;

	ctx = rh_tee_client_open_context(env->plat, NULL, svp_match, NULL, NULL);
	if (RH_IS_ERR(ctx))
		return (int)RH_PTR_ERR(ctx);
	oarg.clnt_login = RH_TEE_IOCTL_LOGIN_REE_KERNEL;
	assert_int_equal(rh_uuid_parse(RH_TA_SVP_UUID, oarg.uuid), 0);
	ret = rh_tee_client_open_session(ctx, &oarg, NULL);
	ret = tee_errno(ret, oarg.ret);
	if (ret)
		goto out_ctx;
	in = rh_tee_shm_alloc_kernel_buf(ctx, sizeof(ep.cipher));
	if (RH_IS_ERR(in)) {
		ret = (int)RH_PTR_ERR(in);
		goto out_ctx;
	}
	iv = rh_tee_shm_alloc_kernel_buf(ctx, sizeof(ep.iv));
	if (RH_IS_ERR(iv)) {
		ret = (int)RH_PTR_ERR(iv);
		goto out_in;
	}
	memcpy(rh_tee_shm_get_va(in, 0), ep.cipher, sizeof(ep.cipher));
	memcpy(rh_tee_shm_get_va(iv, 0), ep.iv, sizeof(ep.iv));
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[0].u.memref.shm = in;
	p[0].u.memref.size = sizeof(ep.cipher);
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = rh_restricted_buffer_get(ep.b[0])->restricted_addr;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[2].u.memref.shm = iv;
	p[2].u.memref.size = sizeof(ep.iv);
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	arg.session = oarg.session;
	arg.func = RH_SVP_CMD_DECRYPT;
	arg.num_params = RH_TEE_NUM_PARAMS;
	ret = rh_tee_client_invoke_func(ctx, &arg, p);
	ret = tee_errno(ret, arg.ret);
	if (!ret)
		assert_int_equal(p[3].u.value.a, sizeof(ep.cipher));
	rh_tee_shm_put(iv);
out_in:
	rh_tee_shm_put(in);
out_ctx:
	rh_tee_client_close_context(ctx);
	return ret;
}

/* A user program's GP client of the hello-world TA (rh_TEEC_*). */
static const TEEC_UUID hello_uuid = {
	0x8aaaf200, 0x2450, 0x11e4, { 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b }
};

static int teec_op(struct rh_sweep_env *env)
{
	TEEC_SharedMemory shm = { .size = 64, .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	TEEC_Operation op = { 0 };
	TEEC_Session session;
	TEEC_Context ctx;
	uint32_t origin;
	TEEC_Result res;

	res = rh_TEEC_InitializeContext(env->plat, NULL, &ctx);
	if (res)
		return rh_tee_result_to_errno(res);
	res = rh_TEEC_AllocateSharedMemory(&ctx, &shm);
	if (res)
		goto out_ctx;
	res = rh_TEEC_OpenSession(&ctx, &session, &hello_uuid, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  &origin);
	if (res)
		goto out_shm;
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = 41;
	res = rh_TEEC_InvokeCommand(&session, HELLO_WORLD_CMD_INC_VALUE, &op, &origin);
	if (!res)
		assert_int_equal(op.params[0].value.a, 42);
	rh_TEEC_CloseSession(&session);
out_shm:
	rh_TEEC_ReleaseSharedMemory(&shm);
out_ctx:
	rh_TEEC_FinalizeContext(&ctx);
	return res ? rh_tee_result_to_errno(res) : 0;
}

/* A user program on /dev/tee0 (the TEE_IOC_* uapi), hello-world TA. */
struct tee_open_buf {
	struct rh_tee_ioctl_open_session_arg arg;
	struct rh_tee_ioctl_param params[1];
};

static int tee_call(struct rh_platform *plat, int fd, unsigned long cmd, void *buf,
		    size_t len)
{
	struct rh_tee_ioctl_buf_data data = { (uintptr_t)buf, len };

	return rh_ioctl(plat, fd, cmd, &data);
}

static int teedev_op(struct rh_sweep_env *env)
{
	struct rh_tee_ioctl_shm_alloc_data sa = { .size = 4096 };
	struct rh_tee_ioctl_version_data v;
	struct rh_tee_ioctl_close_session_arg c;
	struct tee_open_buf o;
	void *map = NULL;
	int ret;

	ep.fd[0] = rh_open(env->plat, RH_TEE_DEV_PATH, O_RDWR);
	if (ep.fd[0] < 0)
		return ep.fd[0];
	ret = rh_ioctl(env->plat, ep.fd[0], RH_TEE_IOC_VERSION, &v);
	if (ret)
		return ret;
	memset(&o, 0, sizeof(o));
	assert_int_equal(rh_uuid_parse(HELLO_WORLD_UUID, o.arg.uuid), 0);
	o.arg.clnt_login = RH_TEE_IOCTL_LOGIN_PUBLIC;
	o.arg.num_params = 1;
	o.params[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_NONE;
	ret = tee_call(env->plat, ep.fd[0], RH_TEE_IOC_OPEN_SESSION, &o, sizeof(o));
	if (ret)
		return ret;
	if (o.arg.ret)
		return rh_tee_result_to_errno(o.arg.ret);
	c.session = o.arg.session;
	ret = rh_ioctl(env->plat, ep.fd[0], RH_TEE_IOC_CLOSE_SESSION, &c);
	if (ret)
		return ret;
	ret = rh_ioctl(env->plat, ep.fd[0], RH_TEE_IOC_SHM_ALLOC, &sa);
	if (ret < 0)
		return ret;
	ep.fd[1] = ret;
	ret = rh_mmap(env->plat, ep.fd[1], 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0, &map);
	if (ret)
		return ret;
	memset(map, 1, 4096);
	return rh_munmap(env->plat, map, 4096);
}

/* teardown: the user drops the platform with everything open; the holders go last. */
static void teardown_prepare(struct rh_sweep_env *env)
{
	ep_init(env);
	assert_int_equal(uapi_alloc(env->plat, RH_RESTRICTED_MTK_CM_NAME, 8192, 0), 0);
	assert_int_equal(uapi_alloc(env->plat, RH_RESTRICTED_MTK_CMA_NAME, 8192, 2), 0);
	assert_int_equal(rh_importer_new(ep.vcodec, &ep.imp), 0);
	must_alloc(ep.cma, 16384, 0);
	assert_int_equal(rh_importer_map(ep.imp, ep.b[0], RH_DMA_TO_DEVICE, &ep.m[0]), 0);
}

static int teardown_op(struct rh_sweep_env *env)
{
	unsigned int i;

	/* The fds go with the users' reference; the importer and buffer hold on. */
	env->plat = rh_platform_unref(env->plat);
	for (i = 0; i < MAX_FDS; i++)
		ep.fd[i] = -1;
	rh_importer_unmap(ep.m[0]);
	rh_importer_free(ep.imp);
	rh_dma_buf_put(ep.b[0]);
	ep_init(env);
	return 0;
}

static const struct rh_sweep_entry tee_entries[] = {
	{ "heap-init", RH_SWEEP_COLD, init_prepare, init_op, ep_close, 0 },
	{ "alloc", 0, alloc_prepare, alloc_op, ep_close, 0 },
	{ "free", 0, free_prepare, free_op, ep_close, 0 },
	{ "import-map", 0, map_prepare, map_op, ep_close, 0 },
	{ "import-unmap", 0, unmap_prepare, unmap_op, ep_close, 0 },
	{ "svp-decrypt", 0, decrypt_prepare, decrypt_op, ep_close, 0 },
	{ "teec", 0, init_prepare, teec_op, ep_close, 0 },
	/* optee_shm_register(): the TEE's refusal, OOM included, is -EINVAL. */
	{ "tee-dev", 0, init_prepare, teedev_op, ep_close, -EINVAL },
	{ "teardown", RH_SWEEP_TEARDOWN, teardown_prepare, teardown_op, NULL, 0 },
};

/* ------------------------------------------------------------ entry points without the TEE */

/* Platforms the ops make themselves log nowhere, as the harness's. */
static void quiet_log(void *data, enum rh_log_level level, const char *msg)
{
	(void)data;
	(void)level;
	(void)msg;
}

/* The platform itself. */
static int platform_op(struct rh_sweep_env *env)
{
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_platform *plat;
	int ret;

	(void)env;
	info.dtb = rh_test_dtb_platform_minimal;
	info.dtb_size = rh_test_dtb_platform_minimal_size;
	info.log_fn = quiet_log;
	ret = rh_platform_new(&info, &plat);
	if (!ret)
		rh_platform_unref(plat);
	return ret;
}

/* A system-heap buffer through the fd layer: map, sync, name, dup, fdinfo. */
static int uapi_op(struct rh_sweep_env *env)
{
	struct rh_dma_buf_sync sync = { .flags = RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_RW };
	char *text = NULL;
	size_t len = 0;
	void *map = NULL;
	FILE *out;
	int ret;

	ret = uapi_alloc(env->plat, "system", 8192, 0);
	if (ret)
		return ret;
	ret = rh_mmap(env->plat, ep.fd[1], 8192, PROT_READ | PROT_WRITE, MAP_SHARED, 0, &map);
	if (ret)
		return ret;
	ret = rh_ioctl(env->plat, ep.fd[1], RH_DMA_BUF_IOCTL_SYNC, &sync);
	if (!ret) {
		memset(map, 0xa5, 8192);
		sync.flags = RH_DMA_BUF_SYNC_END | RH_DMA_BUF_SYNC_RW;
		ret = rh_ioctl(env->plat, ep.fd[1], RH_DMA_BUF_IOCTL_SYNC, &sync);
	}
	if (!ret)
		ret = rh_ioctl(env->plat, ep.fd[1], RH_DMA_BUF_SET_NAME, "sweep");
	if (!ret) {
		ep.fd[2] = rh_dup(env->plat, ep.fd[1]);
		ret = ep.fd[2] < 0 ? ep.fd[2] : 0;
	}
	if (!ret) {
		ep.fd[3] = rh_fcntl(env->plat, ep.fd[1], F_DUPFD_CLOEXEC, 10);
		ret = ep.fd[3] < 0 ? ep.fd[3] : 0;
	}
	if (!ret) {
		out = open_memstream(&text, &len);
		assert_non_null(out);
		ret = rh_dma_buf_fdinfo(env->plat, ep.fd[2], out);
		if (!ret)
			ret = rh_dma_buf_bufinfo(env->plat, out);
		fclose(out);
		free(text);
	}
	assert_int_equal(rh_munmap(env->plat, map, 8192), 0);
	return ret;
}

/* A system-heap buffer attached and mapped by a device, which writes and reads it. */
static int attach_op(struct rh_sweep_env *env)
{
	struct rh_dma_buf_attachment *att;
	struct rh_sg_table *sgt;
	uint8_t out[64] = "device data", in[64];
	int ret;

	(void)env;
	ret = alloc_buf(ep.sys, 3 * 4096, 0);
	if (ret)
		return ret;
	att = rh_dma_buf_attach(ep.b[0], ep.gpu);
	if (RH_IS_ERR(att))
		return (int)RH_PTR_ERR(att);
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_BIDIRECTIONAL);
	if (RH_IS_ERR(sgt)) {
		ret = (int)RH_PTR_ERR(sgt);
		goto out_detach;
	}
	ret = rh_device_dma_write_sg(ep.gpu, sgt, 4000, out, sizeof(out));
	if (!ret)
		ret = rh_device_dma_read_sg(ep.gpu, sgt, 4000, in, sizeof(in));
	if (!ret)
		assert_memory_equal(in, out, sizeof(in));
	rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_BIDIRECTIONAL);
out_detach:
	rh_dma_buf_detach(ep.b[0], att);
	return ret;
}

/* An importer mapping a normal buffer: no secure world involved. */
static int importer_op(struct rh_sweep_env *env)
{
	uint8_t data[16] = "plain", out[16];
	int ret;

	ret = rh_importer_new(ep.gpu, &ep.imp);
	if (ret)
		return ret;
	ret = alloc_buf(ep.sys, 4096, 0);
	if (!ret)
		ret = uapi_alloc(env->plat, "system-uncached", 4096, 0);
	if (!ret)
		ret = rh_importer_map_fd(ep.imp, ep.fd[1], RH_DMA_BIDIRECTIONAL, &ep.m[0]);
	if (!ret)
		ret = rh_importer_map(ep.imp, ep.b[0], RH_DMA_BIDIRECTIONAL, &ep.m[1]);
	if (!ret)
		ret = rh_importer_write(ep.m[0], 0, data, sizeof(data));
	if (!ret)
		ret = rh_importer_read(ep.m[0], 0, out, sizeof(out));
	if (!ret)
		assert_memory_equal(out, data, sizeof(out));
	return ret;
}

/* The CPU probing the protected chunk: refused, the violation logged. */
static int probe_op(struct rh_sweep_env *env)
{
	const struct rh_platform_desc *desc = rh_platform_get_desc(env->plat);
	struct rh_violation v[2];
	unsigned int i, nv = 0;
	uint8_t byte;
	int ret;

	for (i = 0; i < desc->nr_reserved; i++)
		if (!strcmp(desc->reserved[i].compatible, RH_MTK_SECURE_CHUNK_COMPATIBLE))
			break;
	assert_true(i < desc->nr_reserved);
	ret = rh_phys_probe_read(env->plat, desc->reserved[i].base, &byte, 1);
	if (ret != -EFAULT)
		return ret ? ret : -EIO;
	ret = rh_device_dma_read(ep.gpu, desc->reserved[i].base, &byte, 1);
	if (ret != -EACCES)
		return ret ? ret : -EIO;
	assert_int_equal(rh_phys_violations_get(env->plat, v, 2, &nv), 0);
	assert_true(nv >= 1);
	rh_phys_violations_reset(env->plat);
	return 0;
}

/* Every trace sink attached to a restricted allocation, then removed. */
static int trace_op(struct rh_sweep_env *env)
{
	int ids[4] = { -1, -1, -1, -1 };
	char *text = NULL;
	size_t len = 0;
	unsigned int i;
	FILE *out;
	int ret;

	out = open_memstream(&text, &len);
	assert_non_null(out);
	ret = rh_trace_add_text_sink(env->plat, out, 0, &ids[0]);
	if (!ret)
		ret = rh_trace_add_json_sink(env->plat, out, &ids[1]);
	if (!ret)
		ret = rh_trace_add_chrome_sink(env->plat, out, &ids[2]);
	if (!ret)
		ret = rh_trace_add_mermaid_sink(env->plat, out, &ids[3]);
	if (!ret)
		ret = alloc_buf(ep.cma, 4096, 0);
	rh_dma_buf_put(ep.b[0]);
	ep.b[0] = NULL;
	for (i = 0; i < N_ELEMS(ids); i++)
		if (ids[i] >= 0)
			assert_int_equal(rh_trace_remove_sink(env->plat, ids[i]), 0);
	fclose(out);
	free(text);
	return ret;
}

/* An allocation trace parsed and replayed on both MTK heaps. */
static int replay_op(struct rh_sweep_env *env)
{
	static const char text[] = "t_us,op,heap,size,id,attrs\n"
				   "0,A,restricted_mtk_cm,8192,a,role=bitstream\n"
				   "1,A,restricted_mtk_cma,16384,b,role=frame sess=1\n"
				   "2,M,,,seek,\n"
				   "3,F,,,a,\n"
				   "4,A,system,4096,c,\n";
	struct rh_replay_result res;
	struct rh_replay_trace *trace;
	int ret;

	ret = rh_replay_parse(text, sizeof(text) - 1, &trace, NULL, 0);
	if (ret)
		return ret;
	ret = rh_replay_run(env->plat, trace, NULL, &res);
	rh_replay_trace_free(trace);
	/* A failed allocation inside the run is counted, not returned. */
	if (!ret && res.unexpected_failures)
		ret = -ENOMEM;
	return ret;
}

/* A TEE record of a heap's first allocation, on a platform of its own. */
static int record_op(struct rh_sweep_env *env)
{
	RH_DEFINE_PLATFORM_INFO(info);
	const struct rh_tee_ops *ops;
	struct rh_tee_record *rec;
	struct rh_platform *plat;
	char path[] = "/tmp/rheap-sweep-XXXXXX";
	void *priv;
	int fd, ret;

	(void)env;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	info.dtb = rh_test_dtb_platform_minimal;
	info.dtb_size = rh_test_dtb_platform_minimal_size;
	info.log_fn = quiet_log;
	ret = rh_platform_new(&info, &plat);
	if (ret)
		goto out_unlink;
	assert_int_equal(rh_platform_get_default_tee_backend(plat, &ops, &priv), 0);
	ret = rh_tee_record_new(plat, path, RH_TEE_RECORD, ops, priv, &rec);
	if (ret)
		goto out_plat;
	assert_int_equal(rh_platform_set_tee_backend(plat, rh_tee_record_get_ops(), rec), 0);
	/* A heap whose registration failed at boot is skipped (logged), as in v5. */
	ep.cm = rh_dma_heap_find(plat, RH_RESTRICTED_MTK_CM_NAME);
	rh_dma_heap_put(ep.cm);
	ret = ep.cm ? alloc_buf(ep.cm, 4096, 0) : -ENOMEM;
	rh_dma_buf_put(ep.b[0]);
	ep.b[0] = NULL;
	/* The record backend goes after the platform that uses it. */
	rh_platform_unref(plat);
	plat = NULL;
	if (!ret)
		ret = rh_tee_record_finish(rec);
	rh_tee_record_free(rec);
out_plat:
	rh_platform_unref(plat);
out_unlink:
	unlink(path);
	return ret;
}

/* Scatterlists on their own: a table from pages, split in segments, duplicated. */
static int sg_op(struct rh_sweep_env *env)
{
	unsigned long pages[8];
	struct rh_sg_table sgt, *dup;
	unsigned int i;
	int ret;

	(void)env;
	for (i = 0; i < N_ELEMS(pages); i++)
		pages[i] = 0x40000 + (i % 3 ? i : 2 * i);
	ret = rh_sg_alloc_table_from_pages_segment(&sgt, pages, N_ELEMS(pages), 100,
						   N_ELEMS(pages) * 4096 - 200, 8192);
	if (ret)
		return ret;
	dup = rh_sg_dup_table(&sgt);
	ret = RH_IS_ERR(dup) ? (int)RH_PTR_ERR(dup) : 0;
	if (!ret)
		rh_sg_dup_table_free(dup);
	rh_sg_free_table(&sgt);
	return ret;
}

static const struct rh_sweep_entry alloc_only_entries[] = {
	{ "platform", RH_SWEEP_NO_PLATFORM | RH_SWEEP_NO_TEE, NULL, platform_op, NULL, 0 },
	{ "uapi", RH_SWEEP_NO_TEE, init_prepare, uapi_op, ep_close, 0 },
	{ "attach", RH_SWEEP_NO_TEE, init_prepare, attach_op, ep_close, 0 },
	{ "importer", RH_SWEEP_NO_TEE, init_prepare, importer_op, ep_close, 0 },
	{ "probe", RH_SWEEP_NO_TEE, init_prepare, probe_op, ep_close, 0 },
	{ "trace", 0, init_prepare, trace_op, ep_close, 0 },
	{ "replay", 0, init_prepare, replay_op, ep_close, 0 },
	/*
	 * The record backend's own failed allocation is a transport failure to
	 * the client, and a session the heap cannot open is -EINVAL (v5).
	 */
	{ "record", RH_SWEEP_NO_PLATFORM, init_prepare, record_op, ep_close, -EINVAL },
	{ "scatterlist", RH_SWEEP_NO_PLATFORM | RH_SWEEP_NO_TEE, init_prepare, sg_op, NULL, 0 },
};

/* ------------------------------------------------------------ tests */

static void sweep_tee(const struct rh_sweep_entry *e)
{
	unsigned int n = rh_sweep_tee_faults(e, &ep);

	print_message("%-14s %4u faulted runs\n", e->name, n);
}

static void sweep_alloc(const struct rh_sweep_entry *e)
{
	unsigned int n = rh_sweep_alloc_faults(e, &ep);

	print_message("%-14s %4u allocations failed\n", e->name, n);
}

/* Every TEE entry point, every fault kind, every call. */
static void test_tee_faults(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < N_ELEMS(tee_entries); i++)
		sweep_tee(&tee_entries[i]);
}

/*
 * Two faults in one run, every pair of kinds at every pair of calls: long
 * (minutes), so only with RHEAP_SWEEP_EXHAUSTIVE=1.
 */
static void test_tee_double_faults(void **state)
{
	const char *env = getenv("RHEAP_SWEEP_EXHAUSTIVE");
	unsigned int i, n;

	(void)state;
	if (!env || strcmp(env, "1"))
		skip();
	for (i = 0; i < N_ELEMS(tee_entries); i++) {
		n = rh_sweep_tee_double_faults(&tee_entries[i], &ep);
		print_message("%-14s %6u doubly faulted runs\n", tee_entries[i].name, n);
	}
}

/* Every public entry point, every allocation. */
static void test_alloc_faults(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < N_ELEMS(tee_entries); i++)
		sweep_alloc(&tee_entries[i]);
	for (i = 0; i < N_ELEMS(alloc_only_entries); i++)
		sweep_alloc(&alloc_only_entries[i]);
}

/* The minimal platform with the small regions of CHUNK_SIZE and REGION_SIZE. */
static void set_small_platform(void)
{
	size_t size = rh_test_dtb_platform_minimal_size + 256;
	void *fdt = malloc(size);
	fdt32_t reg[4];
	int node;

	assert_non_null(fdt);
	assert_int_equal(fdt_open_into(rh_test_dtb_platform_minimal, fdt, (int)size), 0);
	node = fdt_node_offset_by_compatible(fdt, -1, RH_MTK_SECURE_CHUNK_COMPATIBLE);
	assert_true(node >= 0);
	reg[0] = cpu_to_fdt32(0);
	reg[1] = cpu_to_fdt32(0x48000000);
	reg[2] = cpu_to_fdt32(0);
	reg[3] = cpu_to_fdt32(CHUNK_SIZE);
	assert_int_equal(fdt_setprop(fdt, node, "reg", reg, sizeof(reg)), 0);
	node = fdt_node_offset_by_compatible(fdt, -1, RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	assert_true(node >= 0);
	reg[1] = cpu_to_fdt32(0x4c000000);
	reg[3] = cpu_to_fdt32(REGION_SIZE);
	assert_int_equal(fdt_setprop(fdt, node, "reg", reg, sizeof(reg)), 0);
	rh_sweep_set_dtb(fdt, fdt_totalsize(fdt));
	free(fdt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tee_faults),
		cmocka_unit_test(test_alloc_faults),
		cmocka_unit_test(test_tee_double_faults),
	};

	/* Before the first platform: every allocation of the library is counted. */
	rh_sweep_count_allocs();
	set_small_platform();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
