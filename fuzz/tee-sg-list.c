// SPDX-License-Identifier: MIT
/* libFuzzer target: the MTK heaps validating the layout the TEE reports (ZALLOC, RETRIEVE_SG). */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/alloc.h>
#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/heaps/restricted-mtk.h>
#include <rheap/heaps/restricted.h>
#include <rheap/platform.h>
#include <rheap/scatterlist.h>
#include <rheap/tee-backend.h>
#include <rheap/tee-secmem.h>
#include <rheap/tee.h>
#include <rheap/uapi.h>

#include "fuzz-common.h"

/*
 * The normal world must not trust what the secure-memory TA answers. One
 * platform a process (the small fuzzing platform of fuzz-common.c: lending
 * and returning its 8 MiB dynamic region is cheap, where the built-in
 * platform's 384 MiB took half of each run) has its TEE backend replaced by
 * a scripted TA: OPEN_SESSION, FREE, shm (un)registration answer success;
 * ZALLOC and RETRIEVE_SG answer what the input says. Each input allocates
 * one buffer from restricted_mtk_cm or restricted_mtk_cma, through the
 * in-process API, the fd API or rh_open() + DMA_HEAP_IOCTL_ALLOC, and:
 *
 * - the allocation succeeds exactly when the answers describe a valid
 *   layout (computed here independently: 1..RH_MTK_TEE_MAX_SG_ENTRIES
 *   entries, non-zero page-aligned PAs and lengths inside the heap's region,
 *   lengths adding up to the buffer, no overlap, RETRIEVE_SG answering the
 *   size it was given);
 * - a buffer handed out has a master table (and an importer's mapped copy)
 *   made of exactly those ranges, in the TEE's order;
 * - the TA is asked to FREE every buffer it allocated, once, by its handle,
 *   whether the heap accepted it or not; no shm, fd, dma-buf or heap
 *   counter is left behind.
 *
 * Any violation aborts. Input layout (little-endian, missing bytes read 0):
 *
 *	u8  flags    bit 0: CMA heap (else CM); bits 1-2: path (0 dmabuf API,
 *		     1 rh_dma_heap_buffer_alloc(), 2 rh_open() + ioctl);
 *		     bit 3: ZALLOC fails with zalloc_ret; bit 4: RETRIEVE_SG
 *		     fails with retrieve_ret; bit 5: RETRIEVE_SG reports the
 *		     size `report` instead of the exact one; bit 6: attach and
 *		     map the buffer for a device; bit 7: the failing ZALLOC or
 *		     RETRIEVE_SG fails in the transport instead (-EIO, the
 *		     message never reached the TA)
 *	u16 pages    the buffer is pages + 1 pages
 *	u64 sg_num   ZALLOC p2.a
 *	u64 pa       ZALLOC p2.b, relative to the heap's region base
 *	u64 handle   ZALLOC p3.a
 *	u32 zalloc_ret, u32 retrieve_ret, u64 report (without bit 5: its
 *		     low 16 bits are the library allocation, 1-based, that
 *		     fails while the heap allocates; 0 none. Then the heap may
 *		     refuse with -ENOMEM, but must still FREE what the TA gave
 *		     and leave nothing behind)
 *	...          RETRIEVE_SG bytes: packed {u64 pa; u32 length} entries,
 *		     each pa relative to the region base (added modulo 2^64,
 *		     so every value stays reachable and the corpus does not
 *		     depend on the platform's addresses)
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);
/* libFuzzer's own mutator; absent (NULL) in the replay build. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));

#define HDR_SIZE 43
#define ENTRY_SIZE sizeof(struct rh_mtk_tee_scatterlist)
#define MAX_SHM 4
#define FAKE_SESSION 0x77

#define F_CMA 0x01
#define F_PATH_SHIFT 1
#define F_ZALLOC_FAIL 0x08
#define F_RETRIEVE_FAIL 0x10
#define F_REPORT 0x20
#define F_MAP 0x40
#define F_TRANSPORT 0x80

struct range {
	uint64_t pa;
	uint64_t len;
};

/* What one input scripts, and what the scripted TA saw. */
struct script {
	uint8_t flags;
	uint64_t size;
	uint64_t sg_num;
	uint64_t pa;
	uint64_t handle;
	uint32_t zalloc_ret;
	uint32_t retrieve_ret;
	uint64_t report;
	const uint8_t *entries;
	size_t entries_len;

	unsigned int fail_nth; /* 0, or the library allocation that fails */

	unsigned int zallocs;
	unsigned int granted; /* ZALLOCs the TA answered with a buffer */
	unsigned int retrieves;
	unsigned int frees;
	bool live; /* the TA holds the buffer */
	unsigned char snap[RH_MTK_TEE_MAX_SG_ENTRIES * ENTRY_SIZE];
	size_t snap_len; /* bytes RETRIEVE_SG wrote */
};

struct heap_info {
	struct rh_dma_heap *heap;
	const char *name;
	enum rh_mtk_secure_mem_type type;
	uint64_t base, size; /* every PA must lie in here */
	uint64_t cma_size;
};

static struct {
	bool ready;
	struct rh_platform *plat;
	struct heap_info heaps[2];
	unsigned int nr_heaps;
	struct rh_device *dev; /* importer for F_MAP, may be NULL */
	struct { uint64_t cookie; unsigned char *addr; uint64_t size; } shm[MAX_SHM];
	unsigned int nr_shm;
	const struct heap_info *cur;
	struct script s;
} H;

static void fail(const char *what)
{
	fuzz_fail("tee-sg-list", what);
}

static void must(bool ok, const char *what)
{
	if (!ok)
		fail(what);
}

/* ------------------------------------------------------------ scripted TA */

static int ta_version(void *priv, struct rh_tee_ioctl_version_data *v)
{
	v->impl_id = RH_TEE_IMPL_ID_OPTEE;
	v->impl_caps = RH_TEE_OPTEE_CAP_TZ;
	v->gen_caps = RH_TEE_GEN_CAP_GP | RH_TEE_GEN_CAP_REG_MEM;
	return 0;
}

static int ta_open(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	msg->ret = RH_TEEC_SUCCESS;
	msg->ret_origin = RH_TEEC_ORIGIN_TRUSTED_APP;
	msg->session = FAKE_SESSION;
	return 0;
}

static int ta_ok(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	msg->ret = RH_TEEC_SUCCESS;
	msg->ret_origin = RH_TEEC_ORIGIN_TEE;
	return 0;
}

static int ta_shm_register(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	const struct rh_optee_msg_param_tmem *t = &msg->params[0].u.tmem;

	must(H.nr_shm < MAX_SHM, "too many shm registered at once");
	must(t->buf_ptr && t->size, "shm without memory");
	H.shm[H.nr_shm].cookie = t->shm_ref;
	H.shm[H.nr_shm].addr = (unsigned char *)(uintptr_t)t->buf_ptr;
	H.shm[H.nr_shm].size = t->size;
	H.nr_shm++;
	return ta_ok(priv, msg, size);
}

static int ta_shm_unregister(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	unsigned int i;

	for (i = 0; i < H.nr_shm; i++) {
		if (H.shm[i].cookie == msg->params[0].u.rmem.shm_ref) {
			H.shm[i] = H.shm[--H.nr_shm];
			return ta_ok(priv, msg, size);
		}
	}
	fail("UNREGISTER_SHM of an unknown cookie");
	return 0;
}

static void check_value(const struct rh_optee_msg_param *p, uint64_t attr)
{
	must(p->attr == attr, "parameter type differs from the seed's layout");
}

static int ta_zalloc(struct rh_optee_msg_arg *msg)
{
	struct rh_optee_msg_param *p = msg->params;
	struct script *s = &H.s;
	bool cma = H.cur->type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA;

	check_value(&p[0], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT);
	check_value(&p[1], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT);
	check_value(&p[2], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT);
	check_value(&p[3], RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT);
	must(p[0].u.value.a == s->size && p[0].u.value.b == RH_PAGE_SIZE,
	     "ZALLOC asks another size or alignment");
	must(p[1].u.value.a == H.cur->type, "ZALLOC asks another memory type");
	must(p[2].u.value.a == (cma ? H.cur->base : 0) &&
	     p[2].u.value.b == (cma ? H.cur->size : 0), "ZALLOC passes another region");
	must(!s->live, "ZALLOC while the TA holds this input's buffer");
	s->zallocs++;
	if (s->flags & F_ZALLOC_FAIL && s->zalloc_ret) {
		msg->ret = s->zalloc_ret;
		return s->flags & F_TRANSPORT ? -EIO : 0;
	}
	p[2].u.value.a = s->sg_num;
	p[2].u.value.b = H.cur->base + s->pa;
	p[3].u.value.a = s->handle;
	s->live = true;
	s->granted++;
	msg->ret = RH_TEEC_SUCCESS;
	return 0;
}

static void ta_free(struct rh_optee_msg_arg *msg)
{
	struct rh_optee_msg_param *p = msg->params;
	struct script *s = &H.s;

	check_value(&p[0], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT);
	check_value(&p[1], RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT);
	must(s->live && p[0].u.value.a == s->handle, "FREE of a handle the TA did not give");
	s->live = false;
	s->frees++;
	p[1].u.value.a = 0;
	msg->ret = RH_TEEC_SUCCESS;
}

static int ta_retrieve_sg(struct rh_optee_msg_arg *msg)
{
	struct rh_optee_msg_param *p = msg->params;
	struct script *s = &H.s;
	unsigned char *dst = NULL;
	uint64_t pa, want;
	size_t i, n;

	check_value(&p[0], RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT);
	check_value(&p[1], RH_OPTEE_MSG_ATTR_TYPE_RMEM_INOUT);
	must(s->live && p[0].u.value.a == s->handle,
	     "RETRIEVE_SG of a handle the TA did not give");
	s->retrieves++;
	want = s->sg_num * ENTRY_SIZE;
	must(s->sg_num >= 2 && s->sg_num <= RH_MTK_TEE_MAX_SG_ENTRIES &&
	     p[1].u.rmem.size == want, "RETRIEVE_SG buffer is not sg_num entries");
	for (i = 0; i < H.nr_shm; i++)
		if (H.shm[i].cookie == p[1].u.rmem.shm_ref &&
		    p[1].u.rmem.offs <= H.shm[i].size &&
		    want <= H.shm[i].size - p[1].u.rmem.offs)
			dst = H.shm[i].addr + p[1].u.rmem.offs;
	must(dst != NULL, "RETRIEVE_SG memref outside registered memory");

	if (s->flags & F_RETRIEVE_FAIL && s->retrieve_ret) {
		msg->ret = s->retrieve_ret;
		return s->flags & F_TRANSPORT ? -EIO : 0;
	}
	/* The input's entries, PAs moved to the region; the rest zero. */
	memset(s->snap, 0, (size_t)want);
	n = s->entries_len < want ? s->entries_len : (size_t)want;
	if (n)
		memcpy(s->snap, s->entries, n);
	for (i = 0; i < want; i += ENTRY_SIZE) {
		memcpy(&pa, s->snap + i, sizeof(pa));
		pa = htole64(le64toh(pa) + H.cur->base);
		memcpy(s->snap + i, &pa, sizeof(pa));
	}
	memcpy(dst, s->snap, (size_t)want);
	s->snap_len = (size_t)want;
	if (s->flags & F_REPORT)
		p[1].u.rmem.size = s->report;
	msg->ret = RH_TEEC_SUCCESS;
	return 0;
}

static int ta_invoke(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	int rc = 0;

	must(msg->session == FAKE_SESSION && msg->num_params == RH_MTK_TEE_PARAM_NUM &&
	     size == RH_OPTEE_MSG_GET_ARG_SIZE(msg->num_params),
	     "invoke outside the session or not 4 params");
	switch (msg->func) {
	case RH_MTK_TZCMD_SECMEM_ZALLOC:
		rc = ta_zalloc(msg);
		break;
	case RH_MTK_TZCMD_SECMEM_FREE:
		ta_free(msg);
		break;
	case RH_MTK_TZCMD_SECMEM_RETRIEVE_SG:
		rc = ta_retrieve_sg(msg);
		break;
	default:
		fail("unknown TA command");
	}
	msg->ret_origin = RH_TEEC_ORIGIN_TRUSTED_APP;
	return rc;
}

static const struct rh_tee_ops ta_ops = {
	.version = RH_TEE_OPS_VERSION,
	.get_version = ta_version,
	.open_session = ta_open,
	.invoke = ta_invoke,
	.close_session = ta_ok,
	.cancel = ta_ok,
	.shm_register = ta_shm_register,
	.shm_unregister = ta_shm_unregister,
};

/* ------------------------------------------------------------ the oracle */

static bool range_ok(const struct heap_info *hi, const struct range *r)
{
	return r->pa && r->len && !(r->pa & (RH_PAGE_SIZE - 1)) &&
	       !(r->len & (RH_PAGE_SIZE - 1)) && r->pa >= hi->base &&
	       r->len <= hi->size && r->pa - hi->base <= hi->size - r->len;
}

/* Valid layouts only: @n ranges, fine one by one, summing to @size, disjoint. */
static bool layout_ok(const struct heap_info *hi, const struct range *r,
		      unsigned int n, uint64_t size)
{
	uint64_t sum = 0;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (!range_ok(hi, &r[i]))
			return false;
		sum += r[i].len; /* each <= the region: no overflow for 256 */
	}
	if (sum != size)
		return false;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (r[i].pa < r[j].pa + r[j].len && r[j].pa < r[i].pa + r[i].len)
				return false;
	return true;
}

/* The ranges the heap should have taken, false when it must refuse. */
static bool expected_layout(struct range *r, unsigned int *ret_n)
{
	const struct script *s = &H.s;
	struct rh_mtk_tee_scatterlist e;
	unsigned int i, n;

	if (s->sg_num == 0 || s->sg_num > RH_MTK_TEE_MAX_SG_ENTRIES)
		return false;
	n = (unsigned int)s->sg_num;
	if (n == 1) {
		r[0].pa = H.cur->base + s->pa;
		r[0].len = s->size;
	} else {
		if (s->flags & F_RETRIEVE_FAIL && s->retrieve_ret)
			return false;
		if (s->flags & F_REPORT && s->report != s->snap_len)
			return false;
		for (i = 0; i < n; i++) {
			memcpy(&e, s->snap + (size_t)i * ENTRY_SIZE, sizeof(e));
			r[i].pa = le64toh(e.pa);
			r[i].len = le32toh(e.length);
		}
	}
	*ret_n = n;
	return layout_ok(H.cur, r, n, s->size);
}

/* @sgt must list exactly the ranges @r, in order, split only at entry ends. */
static void check_table(const struct rh_sg_table *sgt, const struct range *r,
			unsigned int n, bool mapped)
{
	struct rh_scatterlist *sg;
	unsigned int i, k = 0;
	uint64_t off = 0, sum = 0, pa;

	must(sgt && sgt->sgl && sgt->orig_nents, "empty table");
	rh_for_each_sgtable_sg(sgt, sg, i) {
		pa = rh_sg_phys(sg);
		must(sg->offset == 0 && sg->length && !(sg->length & (RH_PAGE_SIZE - 1)) &&
		     !(pa & (RH_PAGE_SIZE - 1)), "table entry not page aligned");
		must(range_ok(H.cur, &(struct range){ pa, sg->length }),
		     "table entry outside the region");
		must(k < n && pa == r[k].pa + off && sg->length <= r[k].len - off,
		     "table entry is not the TEE's layout");
		if (mapped)
			must(sg->dma_address == pa && sg->dma_length == sg->length,
			     "mapped entry differs");
		off += sg->length;
		sum += sg->length;
		if (off == r[k].len) {
			k++;
			off = 0;
		}
	}
	must(k == n && sum == H.s.size, "table does not add up to the buffer");
}

static void check_importer(struct rh_dma_buf *dmabuf, const struct range *r, unsigned int n)
{
	struct rh_dma_buf_attachment *att;
	struct rh_sg_table *sgt;

	if (!H.dev)
		return;
	att = rh_dma_buf_attach(dmabuf, H.dev);
	if (RH_IS_ERR(att))
		fail("attach of a valid buffer failed");
	/* Every range is in DRAM: dma-direct maps it. */
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_BIDIRECTIONAL);
	if (RH_IS_ERR(sgt))
		fail("map of a valid buffer failed");
	must(rh_sg_dma_is_restricted(sgt->sgl), "importer copy not marked restricted");
	check_table(sgt, r, n, true);
	rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_BIDIRECTIONAL);
	rh_dma_buf_detach(dmabuf, att);
}

/* ------------------------------------------------------------ one input */

/*
 * Allocates by @path; returns the buffer (a reference) and its fd (or -1).
 * While the allocation call runs, the script's fail_nth-th allocation of
 * the library fails (rh_fail_nth_set()); *@ret_injected says it did.
 */
static struct rh_dma_buf *alloc_buffer(unsigned int path, int *ret_fd, int *ret_err,
				       bool *ret_injected)
{
	struct rh_dma_heap_allocation_data a = { 0 };
	struct rh_dma_buf *dmabuf = NULL;
	char node[64];
	int fd = -1, hfd = -1, ret;

	*ret_fd = -1;
	if (path == 2) {
		snprintf(node, sizeof(node), "%s/%s", RH_DMA_HEAP_DEV_DIR, H.cur->name);
		hfd = rh_open(H.plat, node, O_RDONLY | O_CLOEXEC);
		must(hfd >= 0, "cannot open the heap node");
	}
	rh_fail_nth_set(H.s.fail_nth);
	switch (path) {
	case 1:
		fd = rh_dma_heap_buffer_alloc(H.cur->heap, H.s.size, O_RDWR | O_CLOEXEC, 0);
		break;
	case 2:
		a.len = H.s.size;
		a.fd_flags = O_RDWR | O_CLOEXEC;
		ret = rh_ioctl(H.plat, hfd, RH_DMA_HEAP_IOCTL_ALLOC, &a);
		fd = ret ? ret : (int)a.fd;
		break;
	default:
		dmabuf = rh_dma_heap_buffer_alloc_dmabuf(H.cur->heap, H.s.size,
							 O_RDWR | O_CLOEXEC, 0);
		break;
	}
	*ret_injected = H.s.fail_nth && rh_fail_nth_get() == 0;
	rh_fail_nth_set(0);
	if (hfd >= 0)
		must(rh_close(H.plat, hfd) == 0, "close of the heap node");
	if (path != 1 && path != 2) {
		*ret_err = RH_IS_ERR(dmabuf) ? (int)RH_PTR_ERR(dmabuf) : 0;
		return RH_IS_ERR(dmabuf) ? NULL : dmabuf;
	}
	if (fd < 0) {
		*ret_err = fd;
		return NULL;
	}
	dmabuf = rh_dma_buf_get(H.plat, fd);
	must(!RH_IS_ERR(dmabuf), "fd of a new buffer is not a dma-buf");
	*ret_fd = fd;
	*ret_err = 0;
	return dmabuf;
}

static void check_clean(void)
{
	struct rh_restricted_mtk_stats st;
	struct rh_dma_buf_stats bs;
	unsigned int i;

	must(!H.s.live, "the TA still holds the buffer: FREE never sent");
	must(H.nr_shm == 0, "shared memory left registered");
	must(rh_fd_count(H.plat) == 3, "fd left open");
	must(!rh_dma_buf_get_stats(H.plat, &bs) && bs.count == 0, "dma-buf left alive");
	for (i = 0; i < H.nr_heaps; i++) {
		must(!rh_restricted_mtk_get_stats(H.plat, H.heaps[i].name, &st),
		     "heap statistics");
		must(st.tee_buffers == 0 && st.tee_bytes == 0 && st.cma_used_size == 0 &&
		     !st.cma_held && st.pending_frees == 0 && st.pending_bytes == 0,
		     "heap accounting left non-zero");
	}
}

static uint64_t get_le(const uint8_t *data, size_t size, size_t off, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && off + i < size; i++)
		v |= (uint64_t)data[off + i] << (8 * i);
	return v;
}

static void parse(const uint8_t *data, size_t size)
{
	struct script *s = &H.s;

	memset(s, 0, offsetof(struct script, snap));
	s->snap_len = 0;
	s->flags = (uint8_t)get_le(data, size, 0, 1);
	s->size = (get_le(data, size, 1, 2) + 1) * RH_PAGE_SIZE;
	s->sg_num = get_le(data, size, 3, 8);
	s->pa = get_le(data, size, 11, 8);
	s->handle = get_le(data, size, 19, 8);
	s->zalloc_ret = (uint32_t)get_le(data, size, 27, 4);
	s->retrieve_ret = (uint32_t)get_le(data, size, 31, 4);
	s->report = get_le(data, size, 35, 8);
	/* report is only read with F_REPORT: otherwise it may inject a failure. */
	s->fail_nth = s->flags & F_REPORT ? 0 : (uint16_t)s->report;
	s->entries = size > HDR_SIZE ? data + HDR_SIZE : NULL;
	s->entries_len = size > HDR_SIZE ? size - HDR_SIZE : 0;
}

static void run(void)
{
	struct range r[RH_MTK_TEE_MAX_SG_ENTRIES];
	struct rh_restricted_buffer *buf;
	struct rh_dma_buf *dmabuf;
	const struct script *s = &H.s;
	unsigned int n = 0;
	bool pre_fail, zalloc_ok, expect_ok, injected, needs_retrieve;
	int fd, err;

	H.cur = &H.heaps[(s->flags & F_CMA) && H.nr_heaps > 1 ? 1 : 0];
	dmabuf = alloc_buffer((s->flags >> F_PATH_SHIFT) & 3, &fd, &err, &injected);

	/* A CMA heap refuses what cannot fit in its region before any TEE call. */
	pre_fail = H.cur->type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA && s->size > H.cur->cma_size;
	zalloc_ok = !pre_fail && !(s->flags & F_ZALLOC_FAIL && s->zalloc_ret);
	needs_retrieve = zalloc_ok && s->sg_num >= 2 && s->sg_num <= RH_MTK_TEE_MAX_SG_ENTRIES;
	/* An injected failure may stop the allocation before either call. */
	if (injected && !dmabuf) {
		must(err == -ENOMEM, "an allocation failure became another errno");
		must(s->zallocs <= (pre_fail ? 0U : 1U) && s->retrieves <= needs_retrieve,
		     "more TEE calls than the layout needs");
	} else {
		must(s->zallocs == (pre_fail ? 0U : 1U), "not exactly one ZALLOC");
		must(s->retrieves == needs_retrieve,
		     "RETRIEVE_SG called when not needed, or not called");
	}
	expect_ok = zalloc_ok && s->zallocs && expected_layout(r, &n);

	if (!expect_ok || (injected && !dmabuf)) {
		must(!dmabuf && err < 0, "the heap accepted an invalid layout");
	} else {
		must(dmabuf != NULL, "the heap refused a valid layout");
		buf = rh_restricted_buffer_get(dmabuf);
		must(buf && buf->size == s->size && buf->restricted_addr == s->handle,
		     "buffer size or handle differs");
		check_table(&buf->sg_table, r, n, false);
		if (s->flags & F_MAP)
			check_importer(dmabuf, r, n);
		rh_dma_buf_put(dmabuf);
		if (fd >= 0)
			must(rh_close(H.plat, fd) == 0, "close of the buffer fd");
	}
	must(s->frees == s->granted, "FREE not sent exactly once");
	check_clean();
}

/* ------------------------------------------------------------ setup */

static void add_heap(const char *name, enum rh_mtk_secure_mem_type type,
		     const struct rh_reserved_region *region)
{
	const struct rh_platform_desc *desc = rh_platform_get_desc(H.plat);
	struct rh_restricted_mtk_stats st;
	struct heap_info *hi = &H.heaps[H.nr_heaps];

	hi->heap = rh_dma_heap_find(H.plat, name);
	if (!hi->heap)
		return;
	/* The platform keeps its heaps while it lives. */
	rh_dma_heap_put(hi->heap);
	hi->name = name;
	hi->type = type;
	hi->base = region ? region->base : desc->dram_base;
	hi->size = region ? region->size : desc->dram_size;
	hi->cma_size = type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA ? hi->size : 0;
	must(!rh_restricted_mtk_get_stats(H.plat, name, &st) && st.region_base == hi->base &&
	     st.region_size == hi->size, "the heap checks against another region");
	H.nr_heaps++;
}

static void setup(void)
{
	const struct rh_reserved_region *chunk = NULL, *dyn = NULL;
	const struct rh_platform_desc *desc;
	unsigned int i;

	H.ready = true;
	H.plat = fuzz_platform_new("tee-sg-list");
	must(rh_platform_set_tee_backend(H.plat, &ta_ops, NULL) == 0, "backend refused");

	desc = rh_platform_get_desc(H.plat);
	for (i = 0; i < desc->nr_reserved; i++) {
		if (!chunk && !strcmp(desc->reserved[i].compatible, RH_MTK_SECURE_CHUNK_COMPATIBLE))
			chunk = &desc->reserved[i];
		/* Several dynamic regions: the last one wins. */
		if (!strcmp(desc->reserved[i].compatible, RH_MTK_DYNAMIC_REGION_COMPATIBLE))
			dyn = &desc->reserved[i];
	}
	add_heap(RH_RESTRICTED_MTK_CM_NAME, RH_MTK_SECURE_MEMORY_TYPE_CM_TZ, chunk);
	must(H.nr_heaps == 1, "no restricted_mtk_cm heap");
	if (dyn)
		add_heap(RH_RESTRICTED_MTK_CMA_NAME, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, dyn);
	for (i = 0; i < rh_device_count(H.plat) && !H.dev; i++)
		if (rh_device_is_secure_capable(rh_device_get(H.plat, i)))
			H.dev = rh_device_get(H.plat, i);
}

/* ------------------------------------------------------------ the mutator */

/*
 * Byte-level mutations almost never turn an invalid layout into a valid one
 * (entries must be page aligned, disjoint, inside the region and add up to
 * the buffer), so plain libFuzzer stays on the seeds' paths. Half of the
 * time this mutator instead decodes the input, and either writes a fresh
 * valid layout (1..256 entries in a random order and spacing, on either
 * heap, any path, attach or not) or breaks one rule of the current one by a
 * small step (one page, one byte, one entry), so both sides of every check
 * are reached from many shapes. The other half is libFuzzer's mutation.
 */

struct rng {
	uint64_t s;
};

FUZZ_NO_COVERAGE
static uint64_t rnd(struct rng *r)
{
	/* splitmix64: small, and good enough to pick mutations */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

FUZZ_NO_COVERAGE
static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

/* A count of entries: mostly a few, sometimes many, sometimes the most. */
FUZZ_NO_COVERAGE
static unsigned int pick_entries(struct rng *r)
{
	switch (below(r, 8)) {
	case 0:
		return 1;
	case 1:
		return RH_MTK_TEE_MAX_SG_ENTRIES - (unsigned int)below(r, 2);
	case 2:
		return 2 + (unsigned int)below(r, RH_MTK_TEE_MAX_SG_ENTRIES - 1);
	default:
		return 2 + (unsigned int)below(r, 7);
	}
}

FUZZ_NO_COVERAGE
static void put_le(uint8_t *p, uint64_t v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes a valid script: @n disjoint ranges of one heap's region, in a random order. */
FUZZ_NO_COVERAGE
static size_t make_valid(struct rng *r, uint8_t *data, size_t max_size)
{
	static uint32_t len_pages[RH_MTK_TEE_MAX_SG_ENTRIES];
	static uint64_t at_page[RH_MTK_TEE_MAX_SG_ENTRIES];
	unsigned int n = pick_entries(r), i, j, heap = (unsigned int)below(r, H.nr_heaps);
	uint64_t region_pages = H.heaps[heap].size / RH_PAGE_SIZE, total = 0, budget, pos = 0;
	uint8_t flags;
	size_t out;

	if (n > region_pages)
		return 0;
	/* Entries of 1..4 pages, now and then up to 64; fewer when the region is small. */
	for (i = 0; i < n; i++) {
		len_pages[i] = 1 + (uint32_t)(below(r, 4) ? below(r, 4) : below(r, 64));
		total += len_pages[i];
	}
	for (i = 0; total > region_pages || total > 0x10000; i = (i + 1) % n) {
		if (len_pages[i] > 1) {
			len_pages[i]--;
			total--;
		}
	}
	/* In address order with random gaps, never past the region... */
	budget = region_pages - total;
	for (i = 0; i < n; i++) {
		uint64_t gap = below(r, 3) ? below(r, budget / (n - i + 1) + 1) : 0;

		pos += gap;
		budget -= gap;
		at_page[i] = pos;
		pos += len_pages[i];
	}
	/* ...then in the TEE's order, which need not be sorted. */
	for (i = n; i > 1; i--) {
		uint64_t ta;
		uint32_t tl;

		j = (unsigned int)below(r, i);
		ta = at_page[i - 1], at_page[i - 1] = at_page[j], at_page[j] = ta;
		tl = len_pages[i - 1], len_pages[i - 1] = len_pages[j], len_pages[j] = tl;
	}

	out = HDR_SIZE + (n > 1 ? (size_t)n * ENTRY_SIZE : 0);
	if (out > max_size)
		return 0;
	flags = (uint8_t)((H.heaps[heap].type == RH_MTK_SECURE_MEMORY_TYPE_CM_CMA ? F_CMA : 0) |
			  (below(r, 3) << F_PATH_SHIFT) | (below(r, 2) ? F_MAP : 0));
	if (below(r, 4) == 0)
		flags |= F_REPORT; /* with the exact size: still valid */
	memset(data, 0, HDR_SIZE);
	data[0] = flags;
	put_le(data + 1, total - 1, 2);
	put_le(data + 3, n, 8);
	put_le(data + 11, at_page[0] * RH_PAGE_SIZE, 8);
	put_le(data + 19, rnd(r), 8);
	put_le(data + 35, (uint64_t)n * ENTRY_SIZE, 8);
	for (i = 0; n > 1 && i < n; i++) {
		put_le(data + HDR_SIZE + i * ENTRY_SIZE, at_page[i] * RH_PAGE_SIZE, 8);
		put_le(data + HDR_SIZE + i * ENTRY_SIZE + 8, (uint64_t)len_pages[i] * RH_PAGE_SIZE, 4);
	}
	return out;
}

/* Breaks one rule of the script in @data by a small step. */
FUZZ_NO_COVERAGE
static size_t break_one(struct rng *r, uint8_t *data, size_t size, size_t max_size)
{
	static const uint32_t tee_errors[] = {
		0xffff000c, 0xffff0008, 0xffff0010, 0xffff3024, 0xffff0006, 0xffff000e, 1,
	};
	static const uint64_t bad_counts[] = { 0, RH_MTK_TEE_MAX_SG_ENTRIES + 1, 1ULL << 32 | 2,
					       UINT64_MAX };
	const struct heap_info *hi;
	uint64_t n = get_le(data, size, 3, 8), v;
	size_t nent = size > HDR_SIZE ? (size - HDR_SIZE) / ENTRY_SIZE : 0, e, off;
	const uint64_t steps[] = { 1, RH_PAGE_SIZE - 1, RH_PAGE_SIZE, 2 * RH_PAGE_SIZE };

	if (size < HDR_SIZE)
		return 0;
	hi = &H.heaps[data[0] & F_CMA && H.nr_heaps > 1 ? 1 : 0];
	e = nent ? (size_t)below(r, nent) : 0;
	off = HDR_SIZE + e * ENTRY_SIZE;
	switch (below(r, 12)) {
	case 0: /* one entry more or fewer than announced, or an absurd count */
		v = below(r, 4) ? n + (below(r, 2) ? 1 : -1) :
				  bad_counts[below(r, FUZZ_ARRAY_SIZE(bad_counts))];
		put_le(data + 3, v, 8);
		break;
	case 1: /* a PA or length off by a step up or down */
	case 2:
		if (!nent || n < 2) {
			v = get_le(data, size, 11, 8) + steps[below(r, 4)] * (below(r, 2) ? 1 : -1);
			put_le(data + 11, v, 8);
			break;
		}
		if (below(r, 2)) {
			v = get_le(data, size, off, 8) +
			    steps[below(r, 4)] * (below(r, 2) ? 1 : -1);
			put_le(data + off, v, 8);
		} else {
			v = get_le(data, size, off + 8, 4) +
			    steps[below(r, 4)] * (below(r, 2) ? 1 : -1);
			put_le(data + off + 8, v, 4);
		}
		break;
	case 3: /* one entry on top of another */
		if (nent >= 2)
			memcpy(data + off, data + HDR_SIZE + below(r, nent) * ENTRY_SIZE, 8);
		break;
	case 4: /* past the region, or wrapping */
		v = below(r, 2) ? hi->size : (uint64_t)-RH_PAGE_SIZE;
		put_le(nent && n >= 2 ? data + off : data + 11, v, 8);
		break;
	case 5: /* zero length, or the whole buffer again */
		if (nent)
			put_le(data + off + 8,
			       below(r, 2) ? 0 : (get_le(data, size, 1, 2) + 1) * RH_PAGE_SIZE, 4);
		break;
	case 6: /* the TA refuses, or the transport loses the message */
		data[0] |= below(r, 2) ? F_ZALLOC_FAIL : F_RETRIEVE_FAIL;
		if (below(r, 3) == 0)
			data[0] |= F_TRANSPORT;
		put_le(data + (data[0] & F_ZALLOC_FAIL ? 27 : 31),
		       tee_errors[below(r, FUZZ_ARRAY_SIZE(tee_errors))], 4);
		break;
	case 7: /* RETRIEVE_SG reports another size */
		data[0] |= F_REPORT;
		put_le(data + 35, n * ENTRY_SIZE + (below(r, 2) ? ENTRY_SIZE : (uint64_t)-1), 8);
		break;
	case 8: /* a truncated answer */
		if (size > HDR_SIZE)
			size -= 1 + (size_t)below(r, size - HDR_SIZE);
		break;
	case 9: /* an allocation of the library fails (see parse()) */
		data[0] &= (uint8_t)~F_REPORT;
		put_le(data + 35, 1 + below(r, 48), 8);
		break;
	case 10: /* the buffer size changes under the same layout */
		v = get_le(data, size, 1, 2) + (below(r, 2) ? 1 : -1);
		put_le(data + 1, v, 2);
		break;
	default: /* another heap, path or importer for the same answers */
		data[0] ^= (uint8_t)(1u << below(r, 3)) | (below(r, 2) ? F_MAP : 0);
		break;
	}
	return size <= max_size ? size : max_size;
}

FUZZ_NO_COVERAGE
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	struct rng r = { seed };
	size_t out;

	if (!H.ready)
		setup();
	switch (below(&r, 4)) {
	case 0:
		out = make_valid(&r, data, max_size);
		if (out)
			return out;
		break;
	case 1:
		out = break_one(&r, data, size, max_size);
		if (out)
			return out;
		break;
	default:
		break;
	}
	return LLVMFuzzerMutate ? LLVMFuzzerMutate(data, size, max_size) : size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!H.ready)
		setup();
	parse(data, size);
	run();
	return 0;
}
