// SPDX-License-Identifier: MIT
/* Unit tests of the MTK CM/CMA heaps against a scripted fake TEE backend (v5 behaviours 19-40). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <rheap/alloc.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/heaps/restricted-mtk.h>
#include <rheap/heaps/restricted.h>
#include <rheap/phys.h>
#include <rheap/scatterlist.h>
#include <rheap/tee-backend.h>
#include <rheap/tee-secmem.h>
#include <rheap/tee.h>

#include "mm/cma.h"
#include "hand-platform.h"
#include "internal.h"
#include "rh-test.h"

/* The minimal platform: the TEE chunk and the dynamic region. */
#define CHUNK_BASE 0x48000000ULL
#define CHUNK_SIZE 0x2000000ULL
#define CMA_BASE 0x4c000000ULL
#define CMA_SIZE 0x4000000ULL
#define SZ_1M (1ULL << 20)

/* ------------------------------------------------------------ fake TEE */

#define FAKE_MAX_CALLS 512
#define FAKE_MAX_SHM 16
#define FAKE_MAX_LIVE 256
#define FAKE_MAX_ENTRIES 300

struct fake_call {
	uint32_t cmd;
	uint32_t func;
	uint32_t session;
	uint32_t num_params;
	uint32_t login;
	uint8_t uuid[RH_TEE_IOCTL_UUID_LEN];
	struct rh_optee_msg_param p[RH_TEE_NUM_PARAMS];
	bool cma_held; /* the CMA heap held its region when the call arrived */
};

struct fake_live {
	uint64_t handle;
	uint64_t type;
	uint64_t size;
	uint32_t session;
};

/*
 * A scripted stand-in of the secure-memory TA behind a struct rh_tee_ops:
 * contiguous bump allocation by default, every answer overridable, every
 * message recorded.
 */
struct fake_tee {
	pthread_mutex_t lock;
	struct rh_platform *plat;

	/* get_version / open_session */
	uint32_t impl_id;
	int open_rc;
	uint32_t open_ret;
	uint32_t next_session;

	/* ZALLOC: ret/rc, or an answer of @sg_num entries at @pa */
	int zalloc_rc;
	uint32_t zalloc_ret;
	bool zalloc_script;
	uint64_t zalloc_sg_num;
	uint64_t zalloc_pa;
	uint64_t next_handle;
	uint64_t bump[3]; /* per mem type */

	/* RETRIEVE_SG: the entries written, and the size reported (0: exact) */
	uint32_t retrieve_ret;
	unsigned int nr_entries;
	struct { uint64_t pa; uint32_t len; } entries[FAKE_MAX_ENTRIES];
	uint64_t retrieve_report;

	/* FREE; @free_after: free it, then fail the transport (a lost reply) */
	int free_rc;
	bool free_after;
	uint32_t free_ret;
	uint64_t free_status;

	/* shm_register fails with this (0: works) */
	int shm_rc;

	struct { uint64_t cookie; void *addr; size_t size; } shm[FAKE_MAX_SHM];
	unsigned int nr_shm;
	struct fake_live live[FAKE_MAX_LIVE];
	unsigned int nr_live;

	struct fake_call calls[FAKE_MAX_CALLS];
	unsigned int nr_calls;
};

static bool cma_held_now(struct fake_tee *ft)
{
	struct rh_restricted_mtk_stats st;

	return !rh_restricted_mtk_get_stats(ft->plat, RH_RESTRICTED_MTK_CMA_NAME, &st) &&
	       st.cma_held;
}

static struct fake_call *fake_record(struct fake_tee *ft, struct rh_optee_msg_arg *msg,
				     const struct rh_optee_msg_param *params, uint32_t n)
{
	struct fake_call *c;

	assert_true(ft->nr_calls < FAKE_MAX_CALLS);
	c = &ft->calls[ft->nr_calls++];
	memset(c, 0, sizeof(*c));
	c->cmd = msg->cmd;
	c->func = msg->func;
	c->session = msg->session;
	c->num_params = n;
	if (n > RH_TEE_NUM_PARAMS)
		n = RH_TEE_NUM_PARAMS;
	memcpy(c->p, params, sizeof(c->p[0]) * n);
	return c;
}

static int fake_get_version(void *priv, struct rh_tee_ioctl_version_data *ret_vers)
{
	struct fake_tee *ft = priv;

	ret_vers->impl_id = ft->impl_id;
	ret_vers->impl_caps = RH_TEE_OPTEE_CAP_TZ;
	ret_vers->gen_caps = RH_TEE_GEN_CAP_GP | RH_TEE_GEN_CAP_REG_MEM;
	return 0;
}

static int fake_open_session(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	struct fake_tee *ft = priv;
	struct fake_call *c;

	pthread_mutex_lock(&ft->lock);
	c = fake_record(ft, msg, msg->params + 2, msg->num_params - 2);
	memcpy(c->uuid, &msg->params[0].u.value, RH_TEE_IOCTL_UUID_LEN);
	c->login = (uint32_t)msg->params[1].u.value.c;
	pthread_mutex_unlock(&ft->lock);
	if (ft->open_rc)
		return ft->open_rc;
	msg->ret = ft->open_ret;
	msg->ret_origin = ft->open_ret ? RH_TEEC_ORIGIN_TEE : RH_TEEC_ORIGIN_TRUSTED_APP;
	if (!ft->open_ret)
		msg->session = ++ft->next_session;
	return 0;
}

static int fake_close_session(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	struct fake_tee *ft = priv;
	unsigned int i;

	pthread_mutex_lock(&ft->lock);
	fake_record(ft, msg, msg->params, 0);
	/* As the real TA: what the session owns goes with it. */
	for (i = ft->nr_live; i-- > 0;)
		if (ft->live[i].session == msg->session)
			ft->live[i] = ft->live[--ft->nr_live];
	pthread_mutex_unlock(&ft->lock);
	msg->ret = 0;
	return 0;
}

static int fake_shm_register(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	struct fake_tee *ft = priv;

	if (ft->shm_rc)
		return ft->shm_rc;
	pthread_mutex_lock(&ft->lock);
	assert_true(ft->nr_shm < FAKE_MAX_SHM);
	ft->shm[ft->nr_shm].cookie = msg->params[0].u.tmem.shm_ref;
	ft->shm[ft->nr_shm].addr = (void *)(uintptr_t)msg->params[0].u.tmem.buf_ptr;
	ft->shm[ft->nr_shm].size = msg->params[0].u.tmem.size;
	ft->nr_shm++;
	pthread_mutex_unlock(&ft->lock);
	msg->ret = 0;
	return 0;
}

static int fake_shm_unregister(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	struct fake_tee *ft = priv;
	unsigned int i;

	pthread_mutex_lock(&ft->lock);
	for (i = 0; i < ft->nr_shm; i++) {
		if (ft->shm[i].cookie == msg->params[0].u.rmem.shm_ref) {
			ft->shm[i] = ft->shm[--ft->nr_shm];
			break;
		}
	}
	pthread_mutex_unlock(&ft->lock);
	msg->ret = 0;
	return 0;
}

static uint32_t fake_zalloc(struct fake_tee *ft, struct rh_optee_msg_arg *msg)
{
	struct rh_optee_msg_param *p = msg->params;
	uint64_t size = p[0].u.value.a, type = p[1].u.value.a, base, region;

	if (ft->zalloc_ret)
		return ft->zalloc_ret;
	assert_true(type == 1 || type == 2);
	if (ft->zalloc_script)
		size = 0; /* the script says where it is */
	base = type == 1 ? CHUNK_BASE : p[2].u.value.a;
	region = type == 1 ? CHUNK_SIZE : p[2].u.value.b;
	if (ft->bump[type] + size > region || ft->nr_live == FAKE_MAX_LIVE)
		return RH_MTK_TEE_RESULT_OOM;
	p[2].u.value.a = 1;
	p[2].u.value.b = base + ft->bump[type];
	ft->bump[type] += size;
	if (ft->zalloc_script) {
		p[2].u.value.a = ft->zalloc_sg_num;
		p[2].u.value.b = ft->zalloc_pa;
	}
	p[3].u.value.a = ft->next_handle++;
	ft->live[ft->nr_live].handle = p[3].u.value.a;
	ft->live[ft->nr_live].type = type;
	ft->live[ft->nr_live].size = size;
	ft->live[ft->nr_live].session = msg->session;
	ft->nr_live++;
	return 0;
}

static uint32_t fake_free(struct fake_tee *ft, struct rh_optee_msg_arg *msg)
{
	struct rh_optee_msg_param *p = msg->params;
	unsigned int i;

	if (ft->free_ret)
		return ft->free_ret;
	p[1].u.value.a = RH_TEEC_ERROR_ITEM_NOT_FOUND;
	for (i = 0; i < ft->nr_live; i++) {
		if (ft->live[i].handle == p[0].u.value.a) {
			ft->live[i] = ft->live[--ft->nr_live];
			p[1].u.value.a = ft->free_status;
			break;
		}
	}
	if (!ft->nr_live)
		ft->bump[1] = ft->bump[2] = 0;
	return 0;
}

static uint32_t fake_retrieve(struct fake_tee *ft, struct rh_optee_msg_arg *msg)
{
	struct rh_optee_msg_param *p = msg->params;
	struct rh_mtk_tee_scatterlist e;
	unsigned char *dst = NULL;
	unsigned int i;

	if (ft->retrieve_ret)
		return ft->retrieve_ret;
	for (i = 0; i < ft->nr_shm; i++)
		if (ft->shm[i].cookie == p[1].u.rmem.shm_ref)
			dst = (unsigned char *)ft->shm[i].addr + p[1].u.rmem.offs;
	assert_non_null(dst);
	for (i = 0; i < ft->nr_entries && (i + 1) * sizeof(e) <= p[1].u.rmem.size; i++) {
		e.pa = htole64(ft->entries[i].pa);
		e.length = htole32(ft->entries[i].len);
		memcpy(dst + i * sizeof(e), &e, sizeof(e));
	}
	if (ft->retrieve_report)
		p[1].u.rmem.size = ft->retrieve_report;
	return 0;
}

static int fake_invoke(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	struct fake_tee *ft = priv;
	struct fake_call *c;
	bool held = cma_held_now(ft);
	int rc = 0;

	pthread_mutex_lock(&ft->lock);
	c = fake_record(ft, msg, msg->params, msg->num_params);
	c->cma_held = held;
	switch (msg->func) {
	case RH_MTK_TZCMD_SECMEM_ZALLOC:
		rc = ft->zalloc_rc;
		if (!rc)
			msg->ret = fake_zalloc(ft, msg);
		break;
	case RH_MTK_TZCMD_SECMEM_FREE:
		rc = ft->free_rc;
		if (!rc || ft->free_after)
			msg->ret = fake_free(ft, msg);
		break;
	case RH_MTK_TZCMD_SECMEM_RETRIEVE_SG:
		msg->ret = fake_retrieve(ft, msg);
		break;
	default:
		msg->ret = RH_TEEC_ERROR_NOT_SUPPORTED;
	}
	msg->ret_origin = RH_TEEC_ORIGIN_TRUSTED_APP;
	pthread_mutex_unlock(&ft->lock);
	return rc;
}

static const struct rh_tee_ops fake_tee_ops = {
	.version = RH_TEE_OPS_VERSION,
	.get_version = fake_get_version,
	.open_session = fake_open_session,
	.invoke = fake_invoke,
	.close_session = fake_close_session,
	.shm_register = fake_shm_register,
	.shm_unregister = fake_shm_unregister,
};

static unsigned int count_calls(const struct fake_tee *ft, uint32_t cmd, uint32_t func)
{
	unsigned int i, n = 0;

	for (i = 0; i < ft->nr_calls; i++)
		if (ft->calls[i].cmd == cmd &&
		    (cmd != RH_OPTEE_MSG_CMD_INVOKE_COMMAND || ft->calls[i].func == func))
			n++;
	return n;
}

static unsigned int count_invokes(const struct fake_tee *ft, uint32_t func)
{
	return count_calls(ft, RH_OPTEE_MSG_CMD_INVOKE_COMMAND, func);
}

/* The last recorded invoke of @func (fails the test if there is none). */
static const struct fake_call *last_invoke(const struct fake_tee *ft, uint32_t func)
{
	unsigned int i;

	for (i = ft->nr_calls; i-- > 0;)
		if (ft->calls[i].cmd == RH_OPTEE_MSG_CMD_INVOKE_COMMAND &&
		    ft->calls[i].func == func)
			return &ft->calls[i];
	fail_msg("no invoke of 0x%x", func);
	return NULL;
}

static void assert_value(const struct rh_optee_msg_param *p, uint64_t attr, uint64_t a,
			 uint64_t b)
{
	assert_int_equal(p->attr, attr);
	assert_int_equal(p->u.value.a, a);
	assert_int_equal(p->u.value.b, b);
}

/* ------------------------------------------------------------ fixture */

struct fix {
	struct rh_platform *plat;
	struct fake_tee ft;
	struct rh_dma_heap *cm, *cma;
	struct rh_restricted_heap *rcm, *rcma;
	char last_log[512];
	unsigned int nr_logs;
	char logs[16384]; /* every message since the last clear_logs() */
	size_t logs_len;
};

static void capture_log(void *data, enum rh_log_level level, const char *msg)
{
	struct fix *f = data;
	int n;

	(void)level;
	snprintf(f->last_log, sizeof(f->last_log), "%s", msg);
	f->nr_logs++;
	n = snprintf(f->logs + f->logs_len, sizeof(f->logs) - f->logs_len, "%s\n", msg);
	if (n > 0 && (size_t)n < sizeof(f->logs) - f->logs_len)
		f->logs_len += (size_t)n;
}

static void clear_logs(struct fix *f)
{
	f->logs[0] = '\0';
	f->logs_len = 0;
}

/* Some message since the last clear_logs() contains @what. */
static bool logged(const struct fix *f, const char *what)
{
	return strstr(f->logs, what) != NULL;
}

static struct rh_dma_heap *find_heap(struct rh_platform *plat, const char *name)
{
	struct rh_dma_heap *heap = rh_dma_heap_find(plat, name);

	/* The platform holds its heaps for its lifetime. */
	rh_dma_heap_put(heap);
	return heap;
}

static void fake_init(struct fake_tee *ft, struct rh_platform *plat)
{
	memset(ft, 0, sizeof(*ft));
	pthread_mutex_init(&ft->lock, NULL);
	ft->plat = plat;
	ft->impl_id = RH_TEE_IMPL_ID_OPTEE;
	ft->next_handle = 0x1000;
	ft->next_session = 0x40;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(minimal_platform_new(&f->plat), 0);
	rh_platform_set_log_fn(f->plat, capture_log, f);
	fake_init(&f->ft, f->plat);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, &fake_tee_ops, &f->ft), 0);
	f->cm = find_heap(f->plat, RH_RESTRICTED_MTK_CM_NAME);
	f->cma = find_heap(f->plat, RH_RESTRICTED_MTK_CMA_NAME);
	assert_non_null(f->cm);
	assert_non_null(f->cma);
	f->rcm = rh_dma_heap_get_drvdata(f->cm);
	f->rcma = rh_dma_heap_get_drvdata(f->cma);
	*state = f;
	return 0;
}

static void mtk_stats(struct fix *f, const char *name, struct rh_restricted_mtk_stats *st)
{
	assert_int_equal(rh_restricted_mtk_get_stats(f->plat, name, st), 0);
}

/* The heap's numbers equal the fake TA's: nothing held on either side. */
static void assert_clean(struct fix *f)
{
	struct rh_restricted_mtk_stats cm, cma;

	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &cm);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &cma);
	assert_int_equal(cm.tee_buffers + cma.tee_buffers, f->ft.nr_live);
	assert_int_equal(cm.tee_buffers, 0);
	assert_int_equal(cma.tee_buffers, 0);
	assert_int_equal(cm.tee_bytes + cma.tee_bytes, 0);
	assert_int_equal(cma.cma_used_size, 0);
	assert_false(cma.cma_held);
	assert_int_equal(cma.cma_allocs, cma.cma_releases);
	assert_int_equal(rh_cma_get_used_pages(f->rcma->cma), 0);
	assert_int_equal(f->ft.nr_shm, 0);
}

static int teardown(void **state)
{
	struct fix *f = *state;

	assert_clean(f);
	rh_platform_unref(f->plat);
	pthread_mutex_destroy(&f->ft.lock);
	free(f);
	return 0;
}

static struct rh_dma_buf *alloc(struct rh_dma_heap *heap, size_t len)
{
	return rh_dma_heap_buffer_alloc_dmabuf(heap, len, O_RDWR | O_CLOEXEC, 0);
}

static void set_entries(struct fake_tee *ft, unsigned int n, const uint64_t *pa,
			const uint32_t *len)
{
	unsigned int i;

	ft->zalloc_script = true;
	ft->zalloc_sg_num = n;
	ft->zalloc_pa = 0;
	ft->nr_entries = n;
	for (i = 0; i < n; i++) {
		ft->entries[i].pa = pa[i];
		ft->entries[i].len = len[i];
	}
}

/* ------------------------------------------------------------ registration */

/* Behaviour 32: the DT region becomes the CMA heap's; cm first, cma second. */
static void test_registration(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	const char *names[8];
	int n, i, icm = -1, icma = -1;

	n = rh_dma_heap_list(f->plat, names, 8);
	assert_true(n <= 8);
	for (i = 0; i < n; i++) {
		if (!strcmp(names[i], RH_RESTRICTED_MTK_CM_NAME))
			icm = i;
		if (!strcmp(names[i], RH_RESTRICTED_MTK_CMA_NAME))
			icma = i;
	}
	assert_true(icm >= 0 && icma == icm + 1);

	assert_string_equal(f->rcm->name, RH_RESTRICTED_MTK_CM_NAME);
	assert_null(f->rcm->cma);
	assert_non_null(f->rcma->cma);
	assert_int_equal(f->rcma->cma_paddr, CMA_BASE);
	assert_int_equal(f->rcma->cma_size, CMA_SIZE);
	assert_int_equal(rh_cma_get_base(f->rcma->cma), CMA_BASE);
	assert_int_equal(rh_cma_get_size(f->rcma->cma), CMA_SIZE);
	assert_int_equal(rh_cma_get_order_per_bit(f->rcma->cma), 0);

	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_int_equal(st.mem_type, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ);
	assert_false(st.has_cma);
	assert_false(st.tee_open);
	/* Chunk-heap PAs must lie in the static chunk. */
	assert_int_equal(st.region_base, CHUNK_BASE);
	assert_int_equal(st.region_size, CHUNK_SIZE);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.mem_type, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA);
	assert_true(st.has_cma);
	assert_int_equal(st.cma_paddr, CMA_BASE);
	assert_int_equal(st.region_base, CMA_BASE);
	assert_int_equal(st.region_size, CMA_SIZE);
	/* Lazy: nothing was asked of the TEE at boot. */
	assert_int_equal(f->ft.nr_calls, 0);
}

/* The default platform's dynamic region is placed by size/alignment. */
static void test_registration_default_platform(void **state)
{
	const struct rh_reserved_region *r;
	struct rh_restricted_mtk_stats st;
	struct rh_platform *plat;

	(void)state;
	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	r = rh_phys_reserved_find_compatible(plat, RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	assert_non_null(r);
	assert_int_equal(rh_restricted_mtk_get_stats(plat, RH_RESTRICTED_MTK_CMA_NAME, &st), 0);
	assert_int_equal(st.cma_paddr, r->base);
	assert_int_equal(st.cma_size, 0x18000000);
	assert_int_equal(st.cma_size, r->size);
	rh_platform_unref(plat);
}

static void *dtb_without_region(size_t *ret_size)
{
	size_t size = rh_test_dtb_platform_minimal_size + 256;
	void *fdt = malloc(size);
	int node;

	assert_non_null(fdt);
	assert_int_equal(fdt_open_into(rh_test_dtb_platform_minimal, fdt, (int)size), 0);
	node = fdt_node_offset_by_compatible(fdt, -1, RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	assert_true(node >= 0);
	assert_int_equal(fdt_del_node(fdt, node), 0);
	assert_int_equal(fdt_pack(fdt), 0);
	*ret_size = fdt_totalsize(fdt);
	return fdt;
}

/* Several dynamic regions: each sets up a CMA area, the last one wins. */
static void test_two_regions(void **state)
{
	size_t size = rh_test_dtb_platform_minimal_size + 512;
	static const uint32_t reg[] = { 0, 0x4a000000, 0, 0x1000000 };
	const struct rh_reserved_region *last = NULL;
	const struct rh_platform_desc *desc;
	struct rh_restricted_mtk_stats st;
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_platform *plat;
	unsigned int n = 0;
	uint32_t reg_be[4];
	void *fdt = malloc(size);
	unsigned int i;
	int parent, node;

	(void)state;
	assert_non_null(fdt);
	assert_int_equal(fdt_open_into(rh_test_dtb_platform_minimal, fdt, (int)size), 0);
	parent = fdt_path_offset(fdt, "/reserved-memory");
	assert_true(parent >= 0);
	node = fdt_add_subnode(fdt, parent, "restricted-cma2@4a000000");
	assert_true(node >= 0);
	assert_int_equal(fdt_setprop_string(fdt, node, "compatible",
					    RH_MTK_DYNAMIC_REGION_COMPATIBLE), 0);
	for (i = 0; i < 4; i++)
		reg_be[i] = cpu_to_fdt32(reg[i]);
	assert_int_equal(fdt_setprop(fdt, node, "reg", reg_be, sizeof(reg_be)), 0);
	assert_int_equal(fdt_setprop_empty(fdt, node, "reusable"), 0);
	info.dtb = fdt;
	info.dtb_size = fdt_totalsize(fdt);
	assert_int_equal(rh_platform_new(&info, &plat), 0);
	free(fdt);
	desc = rh_platform_get_desc(plat);
	for (i = 0; i < desc->nr_reserved; i++) {
		if (strcmp(desc->reserved[i].compatible, RH_MTK_DYNAMIC_REGION_COMPATIBLE))
			continue;
		last = &desc->reserved[i];
		n++;
	}
	assert_int_equal(n, 2);
	assert_int_equal(rh_restricted_mtk_get_stats(plat, RH_RESTRICTED_MTK_CMA_NAME, &st), 0);
	assert_int_equal(st.cma_paddr, last->base);
	assert_int_equal(st.cma_size, last->size);
	assert_int_equal(st.region_base, last->base);
	/* The first area was freed, not leaked (LSan). */
	rh_platform_unref(plat);
}

/* Behaviour 31: no dynamic region, no CMA heap. */
static void test_no_region(void **state)
{
	struct rh_restricted_mtk_stats st;
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_platform *plat;
	struct rh_dma_heap *heap;

	(void)state;
	info.dtb = dtb_without_region(&info.dtb_size);
	assert_int_equal(rh_platform_new(&info, &plat), 0);
	free((void *)info.dtb);
	heap = find_heap(plat, RH_RESTRICTED_MTK_CM_NAME);
	assert_non_null(heap);
	assert_null(find_heap(plat, RH_RESTRICTED_MTK_CMA_NAME));
	assert_neg_errno(rh_restricted_mtk_get_stats(plat, RH_RESTRICTED_MTK_CMA_NAME, &st),
			 ENOENT);
	assert_int_equal(rh_restricted_mtk_get_stats(plat, RH_RESTRICTED_MTK_CM_NAME, &st), 0);
	rh_platform_unref(plat);
}

/*
 * Behaviour 31, CMA set-up failure: every allocation of platform creation
 * fails once. A failing CMA area or heap registration is logged and
 * skipped, as in the seed; nothing leaks either way (LSan).
 */
static void quiet_log(void *data, enum rh_log_level level, const char *msg)
{
	(void)data;
	(void)level;
	(void)msg;
}

static void test_boot_fail_nth(void **state)
{
	unsigned int n, without_cma = 0, without_cm = 0, ok = 0;
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_platform *plat;
	int ret;

	(void)state;
	info.dtb = rh_test_dtb_platform_minimal;
	info.dtb_size = rh_test_dtb_platform_minimal_size;
	info.log_fn = quiet_log;
	for (n = 1; n < 100000; n++) {
		rh_fail_nth_set(n);
		ret = rh_platform_new(&info, &plat);
		if (rh_fail_nth_get() != 0) {
			rh_fail_nth_set(0);
			assert_int_equal(ret, 0);
			rh_platform_unref(plat);
			break;
		}
		rh_fail_nth_set(0);
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			continue;
		}
		ok++;
		if (!find_heap(plat, RH_RESTRICTED_MTK_CMA_NAME))
			without_cma++;
		if (!find_heap(plat, RH_RESTRICTED_MTK_CM_NAME))
			without_cm++;
		rh_platform_unref(plat);
	}
	assert_true(ok >= 3);
	assert_true(without_cma >= 2); /* the CMA area, the CMA heap's registration */
	assert_true(without_cm >= 1);
}

static void test_stats_bad_args(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;

	assert_neg_errno(rh_restricted_mtk_get_stats(NULL, RH_RESTRICTED_MTK_CM_NAME, &st), EINVAL);
	assert_neg_errno(rh_restricted_mtk_get_stats(f->plat, NULL, &st), EINVAL);
	assert_neg_errno(rh_restricted_mtk_get_stats(f->plat, RH_RESTRICTED_MTK_CM_NAME, NULL),
			 EINVAL);
	assert_neg_errno(rh_restricted_mtk_get_stats(f->plat, "system", &st), ENOENT);
}

/* ------------------------------------------------------------ TEE session */

/* Behaviour 19: one context and one session, on the first allocation only. */
static void test_session_once(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	const struct fake_call *c;
	struct rh_dma_buf *b1, *b2;
	uint8_t uuid[16];
	unsigned int i;

	b1 = alloc(f->cm, 4096);
	assert_false(RH_IS_ERR_OR_NULL(b1));
	assert_int_equal(count_calls(&f->ft, RH_OPTEE_MSG_CMD_OPEN_SESSION, 0), 1);
	c = &f->ft.calls[0];
	assert_int_equal(c->cmd, RH_OPTEE_MSG_CMD_OPEN_SESSION);
	assert_int_equal(c->login, RH_TEE_IOCTL_LOGIN_REE_KERNEL);
	assert_int_equal(c->num_params, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(c->p[i].attr, RH_OPTEE_MSG_ATTR_TYPE_NONE);
	assert_int_equal(rh_uuid_parse("4477588a-8476-11e2-ad15-e41f1390d676", uuid), 0);
	assert_memory_equal(c->uuid, uuid, 16);

	/* Every invoke carries 4 parameters and the session. */
	c = last_invoke(&f->ft, RH_MTK_TZCMD_SECMEM_ZALLOC);
	assert_int_equal(c->num_params, 4);
	assert_int_equal(c->session, f->ft.next_session);

	b2 = alloc(f->cm, 4096);
	assert_false(RH_IS_ERR_OR_NULL(b2));
	assert_int_equal(count_calls(&f->ft, RH_OPTEE_MSG_CMD_OPEN_SESSION, 0), 1);
	assert_int_equal(count_invokes(&f->ft, RH_MTK_TZCMD_SECMEM_ZALLOC), 2);
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_true(st.tee_open);
	assert_int_equal(st.tee_session, f->ft.next_session);
	assert_int_equal(st.tee_inits, 1);
	/* The backend cannot change while the heap holds a context. */
	assert_neg_errno(rh_platform_set_tee_backend(f->plat, NULL, NULL), EBUSY);
	rh_dma_buf_put(b1);
	rh_dma_buf_put(b2);
}

/* Behaviour 20 (fixed): no OP-TEE -> -ENODEV, and the next allocation retries. */
static void test_no_optee_then_retry(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	struct rh_dma_buf *b;

	/* A TEE that is not OP-TEE does not match. */
	f->ft.impl_id = RH_TEE_IMPL_ID_AMDTEE;
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->cm, 4096, O_RDWR, 0), ENODEV);
	assert_non_null(strstr(f->last_log, "no OP-TEE device"));
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->cm, 4096, O_RDWR, 0), ENODEV);
	/* No TEE driver at all. */
	assert_int_equal(rh_platform_set_tee_backend(f->plat, NULL, NULL), 0);
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->cma, 4096, O_RDWR, 0), ENODEV);
	assert_int_equal(f->ft.nr_calls, 0);
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_false(st.tee_open);
	assert_int_equal(st.tee_init_failures, 2);
	assert_int_equal(st.zallocs + st.zalloc_failures, 0);

	/* The TEE probes late: the next allocation opens it (v5 would not retry). */
	f->ft.impl_id = RH_TEE_IMPL_ID_OPTEE;
	assert_int_equal(rh_platform_set_tee_backend(f->plat, &fake_tee_ops, &f->ft), 0);
	b = alloc(f->cm, 4096);
	assert_false(RH_IS_ERR_OR_NULL(b));
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_true(st.tee_open);
	assert_int_equal(st.tee_inits, 1);
	rh_dma_buf_put(b);
}

/* Behaviour 21 (fixed): a session that does not open closes the context; retried later. */
static void test_session_fails(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	struct rh_dma_buf *b;

	/* Missing TA: a clear error naming it. */
	f->ft.open_ret = RH_TEEC_ERROR_ITEM_NOT_FOUND;
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->cm, 4096, O_RDWR, 0), EINVAL);
	assert_non_null(strstr(f->last_log, RH_TZ_TA_MEM_UUID_MTK));
	assert_non_null(strstr(f->last_log, "TEEC_ERROR_ITEM_NOT_FOUND"));
	/* No context is left open (else the backend could not change). */
	assert_int_equal(rh_platform_set_tee_backend(f->plat, &fake_tee_ops, &f->ft), 0);

	/* Transport failure of the open. */
	f->ft.open_ret = 0;
	f->ft.open_rc = -EIO;
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->cma, 4096, O_RDWR, 0), EINVAL);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, &fake_tee_ops, &f->ft), 0);
	assert_int_equal(count_invokes(&f->ft, RH_MTK_TZCMD_SECMEM_ZALLOC), 0);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_false(st.tee_open);
	/* The CMA region was never taken. */
	assert_int_equal(st.cma_allocs, 0);

	f->ft.open_rc = 0;
	b = alloc(f->cm, 4096);
	assert_false(RH_IS_ERR_OR_NULL(b));
	assert_int_equal(count_calls(&f->ft, RH_OPTEE_MSG_CMD_OPEN_SESSION, 0), 3);
	rh_dma_buf_put(b);
}

/* Behaviour 40: each heap its own session and state. */
static void test_heaps_independent(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats cm, cma, cm2;
	struct rh_dma_buf *a, *b;

	a = alloc(f->cm, SZ_1M);
	assert_false(RH_IS_ERR_OR_NULL(a));
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &cm);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &cma);
	assert_true(cm.tee_open);
	assert_false(cma.tee_open);
	assert_int_equal(cma.zallocs, 0);

	b = alloc(f->cma, 2 * SZ_1M);
	assert_false(RH_IS_ERR_OR_NULL(b));
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &cm2);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &cma);
	assert_int_equal(count_calls(&f->ft, RH_OPTEE_MSG_CMD_OPEN_SESSION, 0), 2);
	assert_true(cma.tee_open);
	assert_int_not_equal(cma.tee_session, cm.tee_session);
	assert_memory_equal(&cm, &cm2, sizeof(cm));
	assert_int_equal(cma.cma_used_size, 2 * SZ_1M);
	assert_int_equal(cma.tee_bytes, 2 * SZ_1M);
	assert_int_equal(cm.tee_bytes, SZ_1M);
	rh_dma_buf_put(a);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &cma);
	assert_int_equal(cma.cma_used_size, 2 * SZ_1M);
	assert_true(cma.cma_held);
	rh_dma_buf_put(b);
}

/* A TA that died is reopened by the next allocation (v5 keeps the dead session). */
static void test_dead_ta_reopened(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	struct rh_dma_buf *b, *old;
	uint32_t first;

	old = alloc(f->cm, 4096);
	assert_false(RH_IS_ERR_OR_NULL(old));
	first = f->ft.next_session;
	f->ft.zalloc_ret = RH_TEEC_ERROR_TARGET_DEAD;
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->cm, 4096, O_RDWR, 0), ENOMEM);
	f->ft.zalloc_ret = 0;
	b = alloc(f->cm, 4096);
	assert_false(RH_IS_ERR_OR_NULL(b));
	/* The old session was closed and a new one opened. */
	assert_int_equal(count_calls(&f->ft, RH_OPTEE_MSG_CMD_CLOSE_SESSION, 0), 1);
	assert_int_equal(f->ft.calls[f->ft.nr_calls - 3].cmd, RH_OPTEE_MSG_CMD_CLOSE_SESSION);
	assert_int_equal(f->ft.calls[f->ft.nr_calls - 3].session, first);
	assert_int_equal(count_calls(&f->ft, RH_OPTEE_MSG_CMD_OPEN_SESSION, 0), 2);
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_int_equal(st.tee_inits, 2);
	assert_int_equal(st.tee_session, first + 1);
	/*
	 * Closing the dead session released its buffer in the TA: the old
	 * dma-buf's FREE is not sent, and no one's FREE is confused by it.
	 */
	assert_int_equal(f->ft.nr_live, 1);
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_int_equal(st.lost_buffers, 1);
	assert_int_equal(st.tee_buffers, 1);
	rh_dma_buf_put(old);
	assert_int_equal(count_calls(&f->ft, RH_OPTEE_MSG_CMD_INVOKE_COMMAND,
				     RH_MTK_TZCMD_SECMEM_FREE), 0);
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_int_equal(st.lost_buffers, 0);
	assert_int_equal(st.lost_bytes, 0);
	assert_int_equal(st.free_failures, 0);
	rh_dma_buf_put(b);
	assert_int_equal(last_invoke(&f->ft, RH_MTK_TZCMD_SECMEM_FREE)->session, first + 1);
}

/* ------------------------------------------------------------ ZALLOC */

/* Behaviour 22: ZALLOC's four parameters, both heaps. */
static void test_zalloc_params(void **state)
{
	struct fix *f = *state;
	const struct fake_call *c;
	struct rh_dma_buf *a, *b, *a2;

	a = alloc(f->cm, SZ_1M);
	assert_false(RH_IS_ERR_OR_NULL(a));
	c = last_invoke(&f->ft, RH_MTK_TZCMD_SECMEM_ZALLOC);
	assert_int_equal(c->func, 0x10000);
	assert_int_equal(c->num_params, 4);
	assert_value(&c->p[0], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 1048576, 4096);
	assert_value(&c->p[1], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 1, 0);
	assert_value(&c->p[2], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT, 0, 0);
	assert_value(&c->p[3], RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, 0, 0);

	/* The region goes with every CMA ZALLOC, not only the first. */
	b = alloc(f->cma, SZ_1M);
	assert_false(RH_IS_ERR_OR_NULL(b));
	a2 = alloc(f->cma, 5000);
	assert_false(RH_IS_ERR_OR_NULL(a2));
	rh_dma_buf_put(a2);
	c = last_invoke(&f->ft, RH_MTK_TZCMD_SECMEM_ZALLOC);
	assert_value(&c->p[0], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 8192, 4096);
	assert_value(&c->p[1], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 2, 0);
	assert_value(&c->p[2], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT, CMA_BASE, CMA_SIZE);
	assert_value(&c->p[3], RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, 0, 0);
	rh_dma_buf_put(a);
	rh_dma_buf_put(b);
}

/* Behaviours 23 and 38: a failed ZALLOC is -ENOMEM, nothing to FREE, CMA rolled back. */
static void test_zalloc_fails(void **state)
{
	static const uint32_t results[] = {
		RH_MTK_TEE_RESULT_OOM, RH_TEEC_ERROR_BAD_PARAMETERS, RH_TEEC_ERROR_GENERIC,
	};
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	const struct fake_call *c;
	unsigned int i;

	for (i = 0; i < RH_ARRAY_SIZE(results); i++) {
		f->ft.zalloc_ret = results[i];
		assert_neg_errno(rh_dma_heap_buffer_alloc(f->cm, 4096, O_RDWR, 0), ENOMEM);
		assert_neg_errno(rh_dma_heap_buffer_alloc(f->cma, 4096, O_RDWR, 0), ENOMEM);
		/* cma_alloc came before the ZALLOC, cma_release after it. */
		c = last_invoke(&f->ft, RH_MTK_TZCMD_SECMEM_ZALLOC);
		assert_true(c->cma_held);
		assert_int_equal(c->p[1].u.value.a, 2);
		mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
		assert_false(st.cma_held);
		assert_int_equal(st.cma_used_size, 0);
		assert_int_equal(st.cma_allocs, i + 1);
		assert_int_equal(st.cma_releases, i + 1);
	}
	/* A transport failure too. */
	f->ft.zalloc_ret = 0;
	f->ft.zalloc_rc = -EIO;
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->cma, 4096, O_RDWR, 0), ENOMEM);
	assert_int_equal(count_invokes(&f->ft, RH_MTK_TZCMD_SECMEM_FREE), 0);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.zalloc_failures, 4);
	assert_int_equal(st.zallocs, 0);
	f->ft.zalloc_rc = 0;
}

/* Behaviour 24: one entry = contiguous at the PA ZALLOC returned; no RETRIEVE_SG. */
static void test_contiguous(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_buffer *buf;
	struct rh_dma_buf *b;

	f->ft.zalloc_script = true;
	f->ft.zalloc_sg_num = 1;
	f->ft.zalloc_pa = CHUNK_BASE + 0x100000;
	b = alloc(f->cm, 3 * 4096);
	assert_false(RH_IS_ERR_OR_NULL(b));
	buf = rh_restricted_buffer_get(b);
	assert_int_equal(count_invokes(&f->ft, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG), 0);
	assert_int_equal(buf->sg_table.orig_nents, 1);
	assert_int_equal(rh_sg_phys(buf->sg_table.sgl), CHUNK_BASE + 0x100000);
	assert_int_equal(buf->sg_table.sgl->length, 3 * 4096);
	assert_int_equal(buf->sg_table.sgl->offset, 0);
	assert_int_equal(buf->restricted_addr, 0x1000);
	assert_int_equal(f->ft.nr_live, 1);
	rh_dma_buf_put(b);
}

/*
 * A contiguous buffer longer than one entry can describe (4 GiB - 4 KiB)
 * is split over several entries; v5 truncates the length.
 */
static void test_contiguous_split(void **state)
{
	size_t size = rh_test_dtb_platform_minimal_size + 256;
	const uint64_t len = (4ULL << 30) + 0x2000;
	struct rh_restricted_buffer *buf;
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_platform *plat;
	struct rh_dma_heap *cm;
	struct fake_tee ft;
	struct rh_dma_buf *b;
	void *fdt = malloc(size);
	uint32_t reg[4];
	int node;

	(void)state;
	assert_non_null(fdt);
	assert_int_equal(fdt_open_into(rh_test_dtb_platform_minimal, fdt, (int)size), 0);
	/* 8 GiB of DRAM (sparse), a 5 GiB chunk, no dynamic region. */
	node = fdt_node_offset_by_compatible(fdt, -1, RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	assert_int_equal(fdt_del_node(fdt, node), 0);
	node = fdt_path_offset(fdt, "/memory@40000000");
	reg[0] = cpu_to_fdt32(0);
	reg[1] = cpu_to_fdt32(0x40000000);
	reg[2] = cpu_to_fdt32(2);
	reg[3] = cpu_to_fdt32(0);
	assert_int_equal(fdt_setprop(fdt, node, "reg", reg, sizeof(reg)), 0);
	node = fdt_node_offset_by_compatible(fdt, -1, RH_MTK_SECURE_CHUNK_COMPATIBLE);
	reg[0] = cpu_to_fdt32(0);
	reg[1] = cpu_to_fdt32(0x48000000);
	reg[2] = cpu_to_fdt32(1);
	reg[3] = cpu_to_fdt32(0x40000000);
	assert_int_equal(fdt_setprop(fdt, node, "reg", reg, sizeof(reg)), 0);
	info.dtb = fdt;
	info.dtb_size = fdt_totalsize(fdt);
	assert_int_equal(rh_platform_new(&info, &plat), 0);
	free(fdt);

	fake_init(&ft, plat);
	assert_int_equal(rh_platform_set_tee_backend(plat, &fake_tee_ops, &ft), 0);
	ft.zalloc_script = true;
	ft.zalloc_sg_num = 1;
	ft.zalloc_pa = CHUNK_BASE;
	cm = find_heap(plat, RH_RESTRICTED_MTK_CM_NAME);
	b = alloc(cm, len);
	assert_false(RH_IS_ERR_OR_NULL(b));
	buf = rh_restricted_buffer_get(b);
	assert_int_equal(buf->sg_table.orig_nents, 2);
	assert_int_equal(rh_sg_phys(buf->sg_table.sgl), CHUNK_BASE);
	assert_int_equal(buf->sg_table.sgl->length, RH_SCATTERLIST_MAX_SEGMENT);
	assert_int_equal(rh_sg_phys(rh_sg_next(buf->sg_table.sgl)),
			 CHUNK_BASE + RH_SCATTERLIST_MAX_SEGMENT);
	assert_int_equal(rh_sg_next(buf->sg_table.sgl)->length, len - RH_SCATTERLIST_MAX_SEGMENT);
	rh_dma_buf_put(b);
	assert_int_equal(ft.nr_live, 0);
	rh_platform_unref(plat);
	pthread_mutex_destroy(&ft.lock);
}

/* One bad answer: the allocation fails with @err and FREE(handle) is sent. */
static void expect_refused(struct fix *f, struct rh_dma_heap *heap, size_t len, int err)
{
	struct rh_restricted_mtk_stats before, after;
	const char *name = rh_dma_heap_get_name(heap);
	unsigned int frees = count_invokes(&f->ft, RH_MTK_TZCMD_SECMEM_FREE);
	uint64_t handle = f->ft.next_handle;

	mtk_stats(f, name, &before);
	assert_neg_errno(rh_dma_heap_buffer_alloc(heap, len, O_RDWR, 0), err);
	assert_int_equal(count_invokes(&f->ft, RH_MTK_TZCMD_SECMEM_FREE), frees + 1);
	assert_value(&last_invoke(&f->ft, RH_MTK_TZCMD_SECMEM_FREE)->p[0],
		     RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, handle, 0);
	mtk_stats(f, name, &after);
	assert_int_equal(after.zallocs, before.zallocs + 1);
	assert_int_equal(after.frees, before.frees + 1);
	assert_int_equal(after.tee_buffers, 0);
	assert_int_equal(f->ft.nr_live, 0);
	assert_int_equal(f->ft.nr_shm, 0);
	assert_int_equal(after.cma_used_size, 0);
	assert_false(after.cma_held);
}

/* Behaviour 25 (fixed) and the PA checks of the contiguous case. */
static void test_contiguous_bad_pa(void **state)
{
	static const struct {
		bool cma;
		uint64_t pa;
		size_t len;
	} cases[] = {
		{ false, 0, 4096 },                             /* pa 0 */
		{ false, CHUNK_BASE + 0x800, 4096 },            /* misaligned */
		{ false, CMA_BASE, 4096 },                      /* not the chunk */
		{ false, CHUNK_BASE - 0x1000, 8192 },           /* starts before */
		{ false, CHUNK_BASE + CHUNK_SIZE - 0x1000, 8192 }, /* ends after */
		{ false, UINT64_MAX & ~0xfffULL, 8192 },        /* wraps */
		{ true, CHUNK_BASE, 4096 },                     /* not the CMA region */
		{ true, CMA_BASE + CMA_SIZE, 4096 },
	};
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	struct rh_dma_buf *b;
	unsigned int i;

	f->ft.zalloc_script = true;
	f->ft.zalloc_sg_num = 1;
	for (i = 0; i < RH_ARRAY_SIZE(cases); i++) {
		f->ft.zalloc_pa = cases[i].pa;
		expect_refused(f, cases[i].cma ? f->cma : f->cm, cases[i].len, EINVAL);
		assert_non_null(strstr(f->last_log, "TEE bug: rheap_mtk:"));
	}
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_int_equal(st.invalid_layouts, 6);
	/* A correct answer works after all that. */
	f->ft.zalloc_pa = CMA_BASE + 0x3000;
	b = alloc(f->cma, 4096);
	assert_false(RH_IS_ERR_OR_NULL(b));
	assert_int_equal(rh_sg_phys(rh_restricted_buffer_get(b)->sg_table.sgl), CMA_BASE + 0x3000);
	rh_dma_buf_put(b);
}

/* Entry counts out of 1..RH_MTK_TEE_MAX_SG_ENTRIES. */
static void test_bad_count(void **state)
{
	struct fix *f = *state;

	f->ft.zalloc_script = true;
	f->ft.zalloc_pa = CHUNK_BASE;
	f->ft.zalloc_sg_num = 0;
	expect_refused(f, f->cm, 4096, EINVAL);
	assert_non_null(strstr(f->last_log, "ZALLOC answered 0 entries"));
	f->ft.zalloc_sg_num = RH_MTK_TEE_MAX_SG_ENTRIES + 1;
	expect_refused(f, f->cma, 4096, EINVAL);
	f->ft.zalloc_sg_num = UINT64_MAX;
	expect_refused(f, f->cm, 4096, EINVAL);
	/* No RETRIEVE_SG was attempted for them. */
	assert_int_equal(count_invokes(&f->ft, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG), 0);
}

/* Behaviour 26: several entries come from RETRIEVE_SG, in the TEE's order. */
static void test_retrieve_sg(void **state)
{
	static const uint64_t pa[] = { CHUNK_BASE + 0x100000, CHUNK_BASE + 0x50000,
				       CHUNK_BASE + 0x200000 };
	static const uint32_t len[] = { 0x10000, 0x8000, 0x8000 };
	struct fix *f = *state;
	struct rh_restricted_buffer *buf;
	struct rh_restricted_mtk_stats st;
	const struct fake_call *c;
	struct rh_scatterlist *sg;
	struct rh_dma_buf *b;
	unsigned int i;

	/* Behaviour 29: the packed little-endian entry shared with the TA. */
	assert_int_equal(sizeof(struct rh_mtk_tee_scatterlist), 12);
	assert_int_equal(offsetof(struct rh_mtk_tee_scatterlist, pa), 0);
	assert_int_equal(offsetof(struct rh_mtk_tee_scatterlist, length), 8);

	set_entries(&f->ft, 3, pa, len);
	b = alloc(f->cm, 0x20000);
	assert_false(RH_IS_ERR_OR_NULL(b));
	c = last_invoke(&f->ft, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG);
	assert_int_equal(c->func, 0x10002);
	assert_int_equal(c->num_params, 4);
	assert_value(&c->p[0], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 0x1000, 0);
	assert_int_equal(c->p[1].attr, RH_OPTEE_MSG_ATTR_TYPE_RMEM_INOUT);
	assert_int_equal(c->p[1].u.rmem.size, 36);
	assert_int_equal(c->p[1].u.rmem.offs, 0);
	assert_int_equal(c->p[2].attr, RH_OPTEE_MSG_ATTR_TYPE_NONE);
	assert_int_equal(c->p[3].attr, RH_OPTEE_MSG_ATTR_TYPE_NONE);
	/* The shared memory is unregistered again. */
	assert_int_equal(f->ft.nr_shm, 0);

	buf = rh_restricted_buffer_get(b);
	assert_int_equal(buf->restricted_addr, 0x1000);
	assert_int_equal(buf->sg_table.orig_nents, 3);
	rh_for_each_sgtable_sg(&buf->sg_table, sg, i) {
		assert_int_equal(rh_sg_phys(sg), pa[i]);
		assert_int_equal(sg->length, len[i]);
		assert_int_equal(sg->offset, 0);
	}
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_int_equal(st.retrieve_sgs, 1);
	rh_dma_buf_put(b);
	/* Behaviour 30: FREE(handle) with its status output. */
	c = last_invoke(&f->ft, RH_MTK_TZCMD_SECMEM_FREE);
	assert_int_equal(c->func, 0x10001);
	assert_value(&c->p[0], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 0x1000, 0);
	assert_int_equal(c->p[1].attr, RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT);
	assert_int_equal(c->p[2].attr, RH_OPTEE_MSG_ATTR_TYPE_NONE);
}

/* The largest list accepted, on the CMA heap: one page per entry, scattered. */
static void test_retrieve_sg_max(void **state)
{
	struct fix *f = *state;
	uint64_t pa[RH_MTK_TEE_MAX_SG_ENTRIES];
	uint32_t len[RH_MTK_TEE_MAX_SG_ENTRIES];
	struct rh_restricted_buffer *buf;
	struct rh_dma_buf *b;
	unsigned int i;

	for (i = 0; i < RH_MTK_TEE_MAX_SG_ENTRIES; i++) {
		/* Reverse address order: the TEE's order is kept. */
		pa[i] = CMA_BASE + (uint64_t)(RH_MTK_TEE_MAX_SG_ENTRIES - i) * 0x2000;
		len[i] = 0x1000;
	}
	set_entries(&f->ft, RH_MTK_TEE_MAX_SG_ENTRIES, pa, len);
	b = alloc(f->cma, RH_MTK_TEE_MAX_SG_ENTRIES * 0x1000);
	assert_false(RH_IS_ERR_OR_NULL(b));
	buf = rh_restricted_buffer_get(b);
	assert_int_equal(buf->sg_table.orig_nents, RH_MTK_TEE_MAX_SG_ENTRIES);
	assert_int_equal(rh_sg_phys(buf->sg_table.sgl), pa[0]);
	assert_int_equal(last_invoke(&f->ft, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG)->p[1].u.rmem.size,
			 RH_MTK_TEE_MAX_SG_ENTRIES * 12);
	rh_dma_buf_put(b);
}

/* Behaviour 27: RETRIEVE_SG fails -> FREE, -EOPNOTSUPP, CMA accounting rolled back. */
static void test_retrieve_sg_fails(void **state)
{
	static const uint64_t pa[] = { CMA_BASE, CMA_BASE + 0x10000 };
	static const uint32_t len[] = { 0x1000, 0x1000 };
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;

	set_entries(&f->ft, 2, pa, len);
	f->ft.retrieve_ret = RH_TEEC_ERROR_ITEM_NOT_FOUND;
	expect_refused(f, f->cma, 0x2000, EOPNOTSUPP);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.tee_errors, 1);
	assert_int_equal(st.cma_allocs, 1);
	assert_int_equal(st.cma_releases, 1);
	/* The region went back only after the FREE. */
	assert_true(last_invoke(&f->ft, RH_MTK_TZCMD_SECMEM_FREE)->cma_held);

	/* Shared memory that cannot be registered: its errno, and FREE. */
	f->ft.retrieve_ret = 0;
	f->ft.shm_rc = -EIO;
	expect_refused(f, f->cm, 0x2000, EIO);
	f->ft.shm_rc = 0;
}

/* Behaviour 28 (fixed) and every other inconsistency of a RETRIEVE_SG answer. */
static void test_retrieve_sg_garbage(void **state)
{
	static const struct {
		const char *what;
		uint64_t pa[3];
		uint32_t len[3];
		size_t size;
		uint64_t report;
	} cases[] = {
		{ "pa 0", { CHUNK_BASE, 0, CHUNK_BASE + 0x10000 }, { 0x1000, 0x1000, 0x1000 }, 0x3000, 0 },
		{ "misaligned pa", { CHUNK_BASE, CHUNK_BASE + 0x2800, CHUNK_BASE + 0x10000 },
		  { 0x1000, 0x1000, 0x1000 }, 0x3000, 0 },
		{ "misaligned length", { CHUNK_BASE, CHUNK_BASE + 0x4000, CHUNK_BASE + 0x10000 },
		  { 0x1000, 0x1800, 0x800 }, 0x3000, 0 },
		{ "length 0", { CHUNK_BASE, CHUNK_BASE + 0x4000, CHUNK_BASE + 0x10000 },
		  { 0x2000, 0, 0x1000 }, 0x3000, 0 },
		{ "outside the chunk", { CHUNK_BASE, CMA_BASE, CHUNK_BASE + 0x10000 },
		  { 0x1000, 0x1000, 0x1000 }, 0x3000, 0 },
		{ "crossing the chunk's end", { CHUNK_BASE, CHUNK_BASE + CHUNK_SIZE - 0x1000,
						 CHUNK_BASE + 0x10000 },
		  { 0x1000, 0x2000, 0x1000 }, 0x4000, 0 },
		{ "sum too small", { CHUNK_BASE, CHUNK_BASE + 0x4000, CHUNK_BASE + 0x10000 },
		  { 0x1000, 0x1000, 0x1000 }, 0x4000, 0 },
		{ "sum too large", { CHUNK_BASE, CHUNK_BASE + 0x4000, CHUNK_BASE + 0x10000 },
		  { 0x1000, 0x2000, 0x1000 }, 0x3000, 0 },
		{ "overlap", { CHUNK_BASE + 0x4000, CHUNK_BASE, CHUNK_BASE + 0x5000 },
		  { 0x2000, 0x1000, 0x1000 }, 0x4000, 0 },
		{ "duplicate", { CHUNK_BASE, CHUNK_BASE + 0x8000, CHUNK_BASE },
		  { 0x1000, 0x1000, 0x1000 }, 0x3000, 0 },
		{ "short answer", { CHUNK_BASE, CHUNK_BASE + 0x4000, CHUNK_BASE + 0x10000 },
		  { 0x1000, 0x1000, 0x1000 }, 0x3000, 24 },
		{ "long answer", { CHUNK_BASE, CHUNK_BASE + 0x4000, CHUNK_BASE + 0x10000 },
		  { 0x1000, 0x1000, 0x1000 }, 0x3000, 48 },
	};
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	unsigned int i;

	for (i = 0; i < RH_ARRAY_SIZE(cases); i++) {
		print_message("case: %s\n", cases[i].what);
		set_entries(&f->ft, 3, cases[i].pa, cases[i].len);
		f->ft.retrieve_report = cases[i].report;
		expect_refused(f, f->cm, cases[i].size, EINVAL);
		assert_non_null(strstr(f->last_log, "TEE bug: rheap_mtk:"));
	}
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_int_equal(st.invalid_layouts, RH_ARRAY_SIZE(cases));
	f->ft.retrieve_report = 0;
}

/*
 * Behaviour 30: FREE failures are logged and the release completes. Not in
 * v5: the TA may have kept the buffer, so the idle heap recycles its
 * session, which makes the TA release it.
 */
static void test_free_failures(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	struct rh_dma_buf *b;

	/* The TA's own status. */
	b = alloc(f->cma, 4096);
	assert_false(RH_IS_ERR_OR_NULL(b));
	f->ft.free_status = 0x7;
	clear_logs(f);
	rh_dma_buf_put(b);
	assert_true(logged(f, "SECMEM_FREE buffer(0x1000) fail(7) from TEE"));
	assert_int_equal(f->ft.nr_live, 0);
	assert_int_equal(last_invoke(&f->ft, RH_MTK_TZCMD_SECMEM_FREE)->session, 0x41);
	assert_int_equal(f->ft.calls[f->ft.nr_calls - 2].cmd, RH_OPTEE_MSG_CMD_CLOSE_SESSION);
	assert_int_equal(f->ft.calls[f->ft.nr_calls - 2].session, 0x41);
	assert_int_equal(f->ft.calls[f->ft.nr_calls - 1].cmd, RH_OPTEE_MSG_CMD_OPEN_SESSION);

	/* The TA answers an error: logged by the service call, release completes. */
	f->ft.free_status = 0;
	b = alloc(f->cma, 4096);
	assert_false(RH_IS_ERR_OR_NULL(b));
	f->ft.free_ret = RH_TEEC_ERROR_GENERIC;
	clear_logs(f);
	rh_dma_buf_put(b);
	assert_true(logged(f, "cmd 0x10001"));
	f->ft.free_ret = 0;

	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.frees, 2);
	assert_int_equal(st.free_failures, 2);
	assert_int_equal(st.pending_frees, 0);
	assert_int_equal(st.tee_buffers, 0);
	assert_int_equal(st.tee_recycles, 2);
	assert_false(st.tee_doubt);
	assert_int_equal(st.tee_inits, 3);
	/* The CMA accounting followed each release regardless (v5). */
	assert_int_equal(st.cma_used_size, 0);
	assert_false(st.cma_held);
	assert_int_equal(st.cma_releases, 2);
	/* Closing the session released what the TA kept (v5 leaves it there). */
	assert_int_equal(f->ft.nr_live, 0);
	assert_int_equal(count_calls(&f->ft, RH_OPTEE_MSG_CMD_CLOSE_SESSION, 0), 2);
}

/*
 * A FREE the TA did not answer itself (transport failure, dead TA) is sent
 * again by the next allocation while the heap has other buffers;
 * meanwhile the CMA region stays taken and counted (v5 forgets the buffer
 * and releases the region).
 */
static void test_deferred_free(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	struct rh_dma_buf *a, *b, *keep;
	uint64_t handle;

	keep = alloc(f->cma, 4096);
	assert_false(RH_IS_ERR_OR_NULL(keep));
	a = alloc(f->cma, 8192);
	assert_false(RH_IS_ERR_OR_NULL(a));
	handle = rh_restricted_buffer_get(a)->restricted_addr;
	f->ft.free_rc = -EIO;
	rh_dma_buf_put(a);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.pending_frees, 1);
	assert_int_equal(st.pending_bytes, 8192);
	assert_int_equal(st.tee_buffers, 2);
	assert_int_equal(st.tee_buffers, f->ft.nr_live);
	assert_int_equal(st.cma_used_size, 4096);
	assert_true(st.cma_held);
	assert_int_equal(st.free_failures, 0);

	/* Capacity counts what the TEE may still hold. */
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->cma, CMA_SIZE - 8192, O_RDWR, 0), ENOMEM);
	/* Still unreachable: deferred again. */
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->cma, CMA_SIZE - 8192, O_RDWR, 0), ENOMEM);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.pending_frees, 1);
	assert_int_equal(st.cma_allocs, 1);

	/* The TEE answers again: the next allocation's heap_init delivers it. */
	f->ft.free_rc = 0;
	/* (The fake TA's bump allocator does not reuse a's 8 KiB.) */
	b = alloc(f->cma, CMA_SIZE - 4 * 4096);
	assert_false(RH_IS_ERR_OR_NULL(b));
	assert_value(&f->ft.calls[f->ft.nr_calls - 2].p[0], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT,
		     handle, 0);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.pending_frees, 0);
	assert_int_equal(st.pending_bytes, 0);
	assert_int_equal(st.tee_buffers, 2);
	assert_int_equal(f->ft.nr_live, 2);
	assert_int_equal(st.cma_allocs, 1);
	assert_int_equal(st.tee_recycles, 0);
	rh_dma_buf_put(b);
	rh_dma_buf_put(keep);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_false(st.cma_held);
	assert_int_equal(st.cma_releases, 1);

	/*
	 * The last buffer's FREE meets a dead TA: the idle heap recycles the
	 * session at once; the close released the buffer, the region goes back.
	 */
	a = alloc(f->cma, 4096);
	assert_false(RH_IS_ERR_OR_NULL(a));
	f->ft.free_ret = RH_TEEC_ERROR_TARGET_DEAD;
	rh_dma_buf_put(a);
	f->ft.free_ret = 0;
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_false(st.cma_held);
	assert_int_equal(st.pending_frees, 0);
	assert_int_equal(st.lost_buffers, 0);
	assert_int_equal(st.tee_recycles, 1);
	assert_int_equal(st.tee_inits, 2);
	assert_int_equal(st.cma_releases, 2);
	assert_int_equal(f->ft.nr_live, 0);

	/*
	 * The last buffer's FREE does not go through, twice: sent again at
	 * once, then the session is recycled all the same.
	 */
	a = alloc(f->cma, 4096);
	assert_false(RH_IS_ERR_OR_NULL(a));
	f->ft.free_rc = -EIO;
	rh_dma_buf_put(a);
	f->ft.free_rc = 0;
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_false(st.cma_held);
	assert_int_equal(st.pending_frees, 0);
	assert_int_equal(st.tee_recycles, 2);
	assert_int_equal(st.lost_buffers, 0);
	assert_int_equal(st.free_failures, 0);
	assert_int_equal(f->ft.nr_live, 0);
}

/* A lost reply: the retry finds the handle gone, which is success. */
static void test_deferred_free_lost_reply(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	struct rh_dma_buf *a, *keep;

	keep = alloc(f->cm, 4096);
	assert_false(RH_IS_ERR_OR_NULL(keep));
	a = alloc(f->cm, 4096);
	assert_false(RH_IS_ERR_OR_NULL(a));
	f->ft.free_rc = -EIO;
	f->ft.free_after = true;
	rh_dma_buf_put(a);
	f->ft.free_rc = 0;
	f->ft.free_after = false;
	assert_int_equal(f->ft.nr_live, 1);
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_int_equal(st.pending_frees, 1);
	assert_int_equal(st.tee_buffers, 2);

	a = alloc(f->cm, 4096);
	assert_false(RH_IS_ERR_OR_NULL(a));
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_int_equal(st.pending_frees, 0);
	assert_int_equal(st.tee_buffers, 2);
	assert_int_equal(st.free_failures, 0);
	assert_int_equal(st.frees, 2);
	rh_dma_buf_put(a);
	rh_dma_buf_put(keep);
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_int_equal(st.tee_recycles, 0);
}

/*
 * No memory to queue the retry: the FREE is lost, as in v5, and counted;
 * the idle heap recycles the session, which releases it in the TA.
 */
static void test_deferred_free_no_memory(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	struct rh_dma_buf *a;

	a = alloc(f->cm, 4096);
	assert_false(RH_IS_ERR_OR_NULL(a));
	f->ft.free_rc = -EIO;
	rh_fail_nth_set(1);
	clear_logs(f);
	rh_dma_buf_put(a);
	assert_int_equal(rh_fail_nth_get(), 0);
	rh_fail_nth_set(0);
	f->ft.free_rc = 0;
	assert_true(logged(f, "lost: no memory to retry it"));
	mtk_stats(f, RH_RESTRICTED_MTK_CM_NAME, &st);
	assert_int_equal(st.pending_frees, 0);
	assert_int_equal(st.free_failures, 1);
	assert_int_equal(st.tee_buffers, 0);
	assert_int_equal(st.tee_recycles, 1);
	assert_int_equal(f->ft.nr_live, 0);
}

/* ------------------------------------------------------------ CMA heap */

/* Behaviours 33 and 37: whole region on the first buffer, back after the last FREE. */
static void test_cma_accounting(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	const struct fake_call *c;
	struct rh_dma_buf *a, *b;
	unsigned int frees;

	a = alloc(f->cma, 2 * SZ_1M);
	assert_false(RH_IS_ERR_OR_NULL(a));
	/* The whole region, held before the ZALLOC reached the TEE. */
	assert_true(last_invoke(&f->ft, RH_MTK_TZCMD_SECMEM_ZALLOC)->cma_held);
	assert_int_equal(rh_cma_get_used_pages(f->rcma->cma), CMA_SIZE >> 12);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.cma_allocs, 1);
	assert_int_equal(st.cma_used_size, 2 * SZ_1M);
	assert_true(st.cma_held);

	b = alloc(f->cma, 2 * SZ_1M);
	assert_false(RH_IS_ERR_OR_NULL(b));
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.cma_allocs, 1);
	assert_int_equal(st.cma_used_size, 4 * SZ_1M);

	frees = count_invokes(&f->ft, RH_MTK_TZCMD_SECMEM_FREE);
	rh_dma_buf_put(a);
	assert_int_equal(count_invokes(&f->ft, RH_MTK_TZCMD_SECMEM_FREE), frees + 1);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.cma_used_size, 2 * SZ_1M);
	assert_int_equal(st.cma_releases, 0);
	assert_true(st.cma_held);

	rh_dma_buf_put(b);
	c = last_invoke(&f->ft, RH_MTK_TZCMD_SECMEM_FREE);
	/* FREE first, with the region still held; the release after it. */
	assert_true(c->cma_held);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.cma_releases, 1);
	assert_false(st.cma_held);
	assert_int_equal(rh_cma_get_used_pages(f->rcma->cma), 0);

	/* The next first buffer takes the region again. */
	a = alloc(f->cma, 4096);
	assert_false(RH_IS_ERR_OR_NULL(a));
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.cma_allocs, 2);
	rh_dma_buf_put(a);
}

/*
 * Behaviours 34 and 35 (fixed): capacity is checked, the first buffer too,
 * and a full region is -ENOMEM (v5: -EINVAL).
 */
static void test_cma_capacity(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	struct rh_dma_buf *a, *b;
	unsigned int calls;

	assert_neg_errno(rh_dma_heap_buffer_alloc(f->cma, CMA_SIZE + 4096, O_RDWR, 0), ENOMEM);
	/* heap_init opened the session; no ZALLOC and no region taken. */
	assert_int_equal(count_invokes(&f->ft, RH_MTK_TZCMD_SECMEM_ZALLOC), 0);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.cma_allocs, 0);

	a = alloc(f->cma, CMA_SIZE - SZ_1M);
	assert_false(RH_IS_ERR_OR_NULL(a));
	calls = f->ft.nr_calls;
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->cma, SZ_1M + 4096, O_RDWR, 0), ENOMEM);
	assert_int_equal(f->ft.nr_calls, calls);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.cma_used_size, CMA_SIZE - SZ_1M);
	/* Exactly full is fine. */
	b = alloc(f->cma, SZ_1M);
	assert_false(RH_IS_ERR_OR_NULL(b));
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->cma, 4096, O_RDWR, 0), ENOMEM);
	rh_dma_buf_put(a);
	rh_dma_buf_put(b);
	/* The whole region as one buffer. */
	a = alloc(f->cma, CMA_SIZE);
	assert_false(RH_IS_ERR_OR_NULL(a));
	rh_dma_buf_put(a);
}

/* Behaviour 36: cma_alloc fails -> -ENOMEM, usage 0, no TEE call. */
static void test_cma_alloc_fails(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_mtk_stats st;
	rh_phys_addr_t stolen;
	struct rh_dma_buf *b;

	/* A page of the area is busy (pinned, not migratable). */
	assert_int_equal(rh_cma_alloc(f->rcma->cma, 1, 0, &stolen), 0);
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->cma, 4096, O_RDWR, 0), ENOMEM);
	assert_int_equal(count_invokes(&f->ft, RH_MTK_TZCMD_SECMEM_ZALLOC), 0);
	mtk_stats(f, RH_RESTRICTED_MTK_CMA_NAME, &st);
	assert_int_equal(st.cma_used_size, 0);
	assert_false(st.cma_held);
	assert_int_equal(st.cma_allocs, 0);
	assert_true(rh_cma_release(f->rcma->cma, stolen, 1));

	b = alloc(f->cma, 4096);
	assert_false(RH_IS_ERR_OR_NULL(b));
	rh_dma_buf_put(b);
}

/* ------------------------------------------------------------ no leaks */

struct sweep {
	struct fix *f;
	struct rh_dma_heap *heap;
	size_t len;
	struct rh_dma_buf *b;
};

static int sweep_op(void *arg)
{
	struct sweep *s = arg;

	s->b = alloc(s->heap, s->len);
	return RH_IS_ERR(s->b) ? (int)RH_PTR_ERR(s->b) : 0;
}

static void sweep_undo(void *arg)
{
	struct sweep *s = arg;

	rh_dma_buf_put(s->b);
}

static void sweep_check(void *arg)
{
	struct sweep *s = arg;

	assert_clean(s->f);
}

/*
 * Every allocation site of both heaps fails once (metadata, the RETRIEVE_SG
 * buffer, the shared memory, the master table, the export...): -ENOMEM,
 * FREE sent for whatever ZALLOC gave, the CMA accounting back to 0.
 */
static void test_alloc_fail_nth(void **state)
{
	static const uint64_t pa[] = { CMA_BASE + 0x8000, CMA_BASE, CMA_BASE + 0x20000 };
	static const uint32_t len[] = { 0x2000, 0x4000, 0x2000 };
	struct sweep s = { .f = *state };
	struct rh_dma_buf *warm;
	unsigned int n;

	/* Sessions opened first, so that their allocations are not swept here. */
	warm = alloc(s.f->cm, 4096);
	rh_dma_buf_put(warm);
	warm = alloc(s.f->cma, 4096);
	rh_dma_buf_put(warm);

	s.heap = s.f->cm;
	s.len = 3 * 4096;
	assert_true(rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_check, &s) >= 3);
	s.heap = s.f->cma;
	assert_true(rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_check, &s) >= 3);
	/* The RETRIEVE_SG path: metadata, entry buffer, shm, table, export. */
	set_entries(&s.f->ft, 3, pa, len);
	s.len = 0x8000;
	n = rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_check, &s);
	assert_true(n >= 5);
}

/* The session's own allocations fail once each: -ENOMEM, nothing left open. */
static void test_init_fail_nth(void **state)
{
	struct sweep s = { .f = *state };
	unsigned int n;

	s.heap = s.f->cm;
	s.len = 4096;
	n = rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_check, &s);
	assert_true(n >= 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registration, setup, teardown),
		cmocka_unit_test(test_registration_default_platform),
		cmocka_unit_test(test_no_region),
		cmocka_unit_test(test_two_regions),
		cmocka_unit_test(test_boot_fail_nth),
		cmocka_unit_test_setup_teardown(test_stats_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_optee_then_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heaps_independent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_ta_reopened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zalloc_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zalloc_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contiguous, setup, teardown),
		cmocka_unit_test(test_contiguous_split),
		cmocka_unit_test_setup_teardown(test_contiguous_bad_pa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_sg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_sg_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_sg_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_sg_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_free_lost_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_free_no_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cma_accounting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cma_capacity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cma_alloc_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_fail_nth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_fail_nth, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
