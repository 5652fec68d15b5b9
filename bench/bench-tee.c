// SPDX-License-Identifier: MIT
/* Benchmark 2: TEE round trips (no-op invoke, secmem commands) against an indirect call + memcpy. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/tee-secmem.h>

#include "bench-common.h"
#include "optee/tee.h" /* emu/: registering the no-op TA */

/*
 * Method (perf.md §1.4): the full client path of one
 * rh_tee_client_invoke_func(): parameter checks, marshalling into the
 * OP-TEE message, the emulator's SMC entry, its strict parser, the
 * session lookup, the TA entry point and the answer copied back. The TA
 * is a no-op registered for the benchmark. The baseline is what a
 * transport cannot avoid: copy the message into a wire buffer, an
 * indirect call, and a copy of it on the other side (perf.md: 14 ns for
 * 160 bytes). Messages: 32-byte header + 32 bytes a parameter, so 4
 * value parameters make the 160-byte message of the goal.
 *
 * The secure-memory TA's commands run through the same client: ZALLOC +
 * FREE of 4 KiB in the static chunk (zeroing and scrubbing 4 KiB each),
 * and RETRIEVE_SG into shared memory registered once.
 */

#define GOAL_RATIO 20.0
#define NOP_CMD 0x42

static uint32_t nop_invoke(struct rh_ta_ctx *ctx, void *sess_ctx, uint32_t cmd,
			   uint32_t types, struct rh_ta_param p[RH_TA_NUM_PARAMS])
{
	return cmd == NOP_CMD ? RH_TEEC_SUCCESS : RH_TEEC_ERROR_NOT_SUPPORTED;
}

static const struct rh_ta_ops nop_ta = {
	.name = "bench-nop",
	/* b3c40000-0000-4000-8000-00000000b0b0 */
	.uuid = { 0xb3, 0xc4, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00,
		  0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb0, 0xb0 },
	.flags = RH_TA_FLAG_SINGLE_INSTANCE | RH_TA_FLAG_MULTI_SESSION,
	.invoke = nop_invoke,
};

/* ------------------------------------------------------------ baseline */

struct wire {
	unsigned char buf[512];
	unsigned char other[512];
	size_t len;
};

/* The "secure side" of the baseline: takes its own copy of the message. */
static __attribute__((noinline)) int wire_receive(struct wire *w)
{
	memcpy(w->other, w->buf, w->len);
	__asm__ volatile("" : : "r"(w->other) : "memory");
	return 0;
}

struct marshal_arg {
	struct wire wire;
	unsigned char msg[512];
	int (*volatile call)(struct wire *w); /* volatile: stays indirect */
};

static void batch_marshal(void *arg, uint64_t iters)
{
	struct marshal_arg *m = arg;

	while (iters--) {
		memcpy(m->wire.buf, m->msg, m->wire.len);
		m->call(&m->wire);
		__asm__ volatile("" : : "r"(m->wire.buf) : "memory");
	}
}

/* ------------------------------------------------------------ library */

struct tee_arg {
	struct rh_tee_context *ctx;
	uint32_t session;
	uint32_t func;
	unsigned int num_params;
	struct rh_tee_param param[4];
	struct rh_tee_shm *shm;
	uint64_t handle;
	uint32_t err; /* first unexpected TEE result */
	/* per-command latency pass */
	double *lat_zalloc, *lat_free;
	size_t nlat;
	double ns_per_tick;
};

static void note(struct tee_arg *a, int ret, uint32_t res)
{
	if ((ret || res) && !a->err)
		a->err = ret ? RH_TEEC_ERROR_COMMUNICATION : res;
}

static void batch_invoke(void *arg, uint64_t iters)
{
	struct tee_arg *a = arg;
	struct rh_tee_ioctl_invoke_arg inv = {
		.func = a->func, .session = a->session,
		.num_params = a->num_params,
	};
	int ret;

	while (iters--) {
		ret = rh_tee_client_invoke_func(a->ctx, &inv, a->param);
		note(a, ret, inv.ret);
	}
}

static int secmem_call(struct tee_arg *a, uint32_t func,
		       struct rh_tee_param *p)
{
	struct rh_tee_ioctl_invoke_arg inv = {
		.func = func, .session = a->session,
		.num_params = RH_MTK_TEE_PARAM_NUM,
	};
	int ret;

	ret = rh_tee_client_invoke_func(a->ctx, &inv, p);
	note(a, ret, inv.ret);
	return ret || inv.ret ? -EIO : 0;
}

static int zalloc_4k(struct tee_arg *a, uint64_t *ret_handle)
{
	struct rh_tee_param p[4] = { 0 };

	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 4096;
	p[0].u.value.b = 4096;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[1].u.value.a = RH_MTK_SECURE_MEMORY_TYPE_CM_TZ;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	if (secmem_call(a, RH_MTK_TZCMD_SECMEM_ZALLOC, p))
		return -EIO;
	*ret_handle = p[3].u.value.a;
	return 0;
}

static int free_handle(struct tee_arg *a, uint64_t handle)
{
	struct rh_tee_param p[4] = { 0 };

	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = handle;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	if (secmem_call(a, RH_MTK_TZCMD_SECMEM_FREE, p))
		return -EIO;
	return p[1].u.value.a ? -EIO : 0;
}

static void batch_zalloc_free(void *arg, uint64_t iters)
{
	struct tee_arg *a = arg;
	uint64_t h;

	while (iters--) {
		if (zalloc_4k(a, &h))
			return;
		if (free_handle(a, h))
			return;
	}
}

static void batch_retrieve(void *arg, uint64_t iters)
{
	struct tee_arg *a = arg;
	struct rh_tee_param p[4] = { 0 };

	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = a->handle;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
	p[1].u.memref.shm = a->shm;
	while (iters--) {
		p[1].u.memref.size = sizeof(struct rh_mtk_tee_scatterlist);
		if (secmem_call(a, RH_MTK_TZCMD_SECMEM_RETRIEVE_SG, p))
			return;
	}
}

/* Each ZALLOC and FREE of @a->nlat pairs timed on its own. */
static void latency_pairs(struct tee_arg *a)
{
	uint64_t t0, t1, t2, h;
	size_t i;

	for (i = 0; i < a->nlat; i++) {
		t0 = bench_ticks();
		if (zalloc_4k(a, &h))
			return;
		t1 = bench_ticks();
		if (free_handle(a, h))
			return;
		t2 = bench_ticks();
		a->lat_zalloc[i] = (double)(t1 - t0) * a->ns_per_tick;
		a->lat_free[i] = (double)(t2 - t1) * a->ns_per_tick;
	}
}

static int open_session(struct rh_tee_context *ctx, const uint8_t *uuid,
			uint32_t *ret_session)
{
	struct rh_tee_param p[4] = { 0 };
	struct rh_tee_ioctl_open_session_arg arg = { 0 };
	int ret;

	memcpy(arg.uuid, uuid, sizeof(arg.uuid));
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_REE_KERNEL;
	arg.num_params = 4;
	ret = rh_tee_client_open_session(ctx, &arg, p);
	if (ret)
		return ret;
	if (arg.ret) {
		fprintf(stderr, "tee: open session: %s\n",
			rh_tee_result_name(arg.ret));
		return -EIO;
	}
	*ret_session = arg.session;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rheap-bench tee [common options]\n"
		"  TEE round trips through the client API and the emulator: a no-op\n"
		"  invoke with 0 and 4 value parameters, secmem ZALLOC+FREE 4 KiB and\n"
		"  RETRIEVE_SG, next to an indirect call + memcpy of the same message.\n"
		"  Goal: the 160-byte no-op invoke within %.0fx.\n", GOAL_RATIO);
}

/* @pc: the case measured against its baseline (paired ratios), or NULL. */
static void report(struct bench_ctx *ctx, const char *cname, const char *metric,
		   const struct bench_stats *st, const struct bench_stats *lat,
		   const char *bname, double base, bool goal,
		   const struct bench_case *pc)
{
	struct bench_result r = {
		.bench = "tee", .case_name = cname, .metric = metric,
		.unit = "ns", .value = st->median,
		.p99 = lat ? lat->p99 : NAN, .min = st->min,
		.baseline = bname, .baseline_value = base,
	};

	if (pc)
		bench_result_from_cases(&r, pc);

	if (goal) {
		r.goal_kind = BENCH_GOAL_RATIO_MAX;
		r.goal = GOAL_RATIO;
	}
	bench_report(ctx, &r);
}

enum {
	C_BASE32, C_BASE160, C_NOP0, C_NOP4, C_PAIR, C_RETRIEVE, NR_TEE_CASES,
};

int bench_tee_main(struct bench_ctx *ctx, int argc, char **argv)
{
	struct marshal_arg *m32 = NULL, *m160 = NULL;
	struct tee_arg nop0 = { 0 }, nop4 = { 0 }, mem = { 0 };
	struct bench_case c[NR_TEE_CASES];
	struct bench_stats lat;
	struct rh_platform *plat = NULL;
	struct rh_tee_context *tctx = NULL;
	struct rh_tee_shm *shm = NULL;
	uint8_t secmem_uuid[RH_TEE_IOCTL_UUID_LEN];
	uint32_t nop_session = 0, mem_session = 0;
	size_t nlat = ctx->quick ? 2000 : 20000;
	double *lat_zalloc = NULL, *lat_free = NULL, nop160;
	uint64_t handle = 0;
	unsigned int i;
	int ret;

	if (argc > 1) {
		usage(strcmp(argv[1], "--help") ? stderr : stdout);
		return strcmp(argv[1], "--help") ? 2 : 0;
	}

	ret = bench_platform_new(&plat);
	if (ret)
		return 1;
	ret = rh_tee_emu_register_ta(plat, &nop_ta);
	if (ret)
		goto out;
	tctx = rh_tee_client_open_context(plat, NULL, NULL, NULL, NULL);
	if (RH_IS_ERR(tctx)) {
		ret = (int)RH_PTR_ERR(tctx);
		tctx = NULL;
		goto out;
	}
	ret = open_session(tctx, nop_ta.uuid, &nop_session);
	if (ret)
		goto out;
	rh_uuid_parse(RH_TZ_TA_MEM_UUID_MTK, secmem_uuid);
	ret = open_session(tctx, secmem_uuid, &mem_session);
	if (ret)
		goto out;
	shm = rh_tee_shm_alloc_kernel_buf(tctx, 4096);
	m32 = calloc(1, sizeof(*m32));
	m160 = calloc(1, sizeof(*m160));
	lat_zalloc = calloc(nlat, sizeof(double));
	lat_free = calloc(nlat, sizeof(double));
	if (RH_IS_ERR(shm) || !m32 || !m160 || !lat_zalloc || !lat_free) {
		if (RH_IS_ERR(shm))
			shm = NULL;
		ret = -ENOMEM;
		goto out;
	}

	/* Baselines: 32 and 160 bytes copied, called, copied. */
	m32->wire.len = 32;
	m160->wire.len = 160;
	m32->call = m160->call = wire_receive;
	/* No-op invokes: 0 and 4 value parameters (32 and 160 bytes). */
	nop0.ctx = nop4.ctx = mem.ctx = tctx;
	nop0.session = nop4.session = nop_session;
	nop0.func = nop4.func = NOP_CMD;
	nop4.num_params = 4;
	for (i = 0; i < 4; i++) {
		nop4.param[i].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
		nop4.param[i].u.value.a = i;
	}
	/* The secure-memory TA: a live 4 KiB buffer for RETRIEVE_SG. */
	mem.session = mem_session;
	mem.shm = shm;
	ret = zalloc_4k(&mem, &handle);
	if (ret)
		goto err_tee;
	mem.handle = handle;

	memset(c, 0, sizeof(c));
	c[C_BASE32] = (struct bench_case){ .fn = batch_marshal, .arg = m32 };
	c[C_BASE160] = (struct bench_case){ .fn = batch_marshal, .arg = m160 };
	c[C_NOP0] = (struct bench_case){ .fn = batch_invoke, .arg = &nop0 };
	c[C_NOP4] = (struct bench_case){ .fn = batch_invoke, .arg = &nop4 };
	c[C_PAIR] = (struct bench_case){ .fn = batch_zalloc_free, .arg = &mem };
	c[C_RETRIEVE] = (struct bench_case){ .fn = batch_retrieve, .arg = &mem };
	c[C_NOP0].vs = &c[C_BASE32];
	c[C_NOP4].vs = &c[C_BASE160];
	c[C_RETRIEVE].vs = &c[C_NOP4];
	ret = bench_measure_interleaved(ctx, c, NR_TEE_CASES);
	if (ret)
		goto out;
	if (nop0.err || nop4.err || mem.err)
		goto err_tee;

	bench_section(ctx, "tee: round trips through the TEE client and the emulator "
		      "(samples interleaved with the baselines)");
	nop160 = c[C_NOP4].stats.median;
	bench_latency(ctx, batch_invoke, &nop0, nlat, &lat);
	report(ctx, "invoke no-op 0 params", "round trip", &c[C_NOP0].stats, &lat,
	       "call+memcpy32", c[C_BASE32].stats.median, false, &c[C_NOP0]);
	bench_latency(ctx, batch_invoke, &nop4, nlat, &lat);
	report(ctx, "invoke no-op 4 params", "round trip", &c[C_NOP4].stats, &lat,
	       "call+memcpy160", c[C_BASE160].stats.median, true, &c[C_NOP4]);
	report(ctx, "secmem ZALLOC+FREE 4K", "pair", &c[C_PAIR].stats, NULL,
	       "invoke160 x2", 2 * nop160, false, NULL);

	/* Each command of the pair timed on its own. */
	mem.nlat = nlat;
	mem.ns_per_tick = ctx->ns_per_tick;
	mem.lat_zalloc = lat_zalloc;
	mem.lat_free = lat_free;
	latency_pairs(&mem);
	if (mem.err)
		goto err_tee;
	bench_stats_compute(lat_zalloc, nlat, &lat);
	report(ctx, "secmem ZALLOC 4K", "call p50", &lat, &lat, "invoke160",
	       nop160, false, NULL);
	bench_stats_compute(lat_free, nlat, &lat);
	report(ctx, "secmem FREE 4K", "call p50", &lat, &lat, "invoke160",
	       nop160, false, NULL);
	bench_latency(ctx, batch_retrieve, &mem, nlat, &lat);
	report(ctx, "secmem RETRIEVE_SG 1 entry", "round trip", &c[C_RETRIEVE].stats,
	       &lat, "invoke160", nop160, false, &c[C_RETRIEVE]);
	ret = free_handle(&mem, handle);
	handle = 0;
	if (ret || mem.err)
		goto err_tee;
	ret = 0;
	goto out;

err_tee:
	fprintf(stderr, "tee: a call failed: %s\n",
		rh_tee_result_name(nop0.err ? nop0.err : nop4.err ? nop4.err : mem.err));
	ret = -EIO;
out:
	if (handle)
		free_handle(&mem, handle);
	free(lat_zalloc);
	free(lat_free);
	free(m32);
	free(m160);
	rh_tee_shm_put(shm);
	rh_tee_client_close_context(tctx);
	rh_platform_unref(plat);
	if (ret)
		fprintf(stderr, "tee: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}
