// SPDX-License-Identifier: MIT
/* Unit tests of cost models and simulated clocks (src/trace/cost-model.c, sim-clock.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include <rheap/cost-model.h>
#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/platform.h>
#include <rheap/replay.h>
#include <rheap/scatterlist.h>
#include <rheap/trace.h>
#include <rheap/uapi.h>
#include <rheap/uapi/dma-heap.h>

#include "json-check.h"
#include "rh-test.h"

#define HEADER "t_us,op,heap,size,id,attrs\n"
#define MIB (UINT64_C(1) << 20)

static uint64_t get(const struct rh_cost_model *m, enum rh_cost_key key)
{
	uint64_t v = 0;

	assert_int_equal(rh_cost_model_get(m, key, &v), 0);
	return v;
}

static struct rh_cost_model *builtin(const char *name)
{
	struct rh_cost_model *m = NULL;

	assert_int_equal(rh_cost_model_new(name, &m), 0);
	assert_non_null(m);
	return m;
}

/* Parses @text into a copy of mt8188; fails the test on error. */
static struct rh_cost_model *parsed(const char *text)
{
	struct rh_cost_model *m = builtin("mt8188");
	char err[256] = "";

	if (rh_cost_model_parse(m, text, strlen(text), "t.cost", err, sizeof(err)))
		fail_msg("parse failed: %s", err);
	return m;
}

/* Parsing @text must fail with -EINVAL and exactly @msg, leaving the model alone. */
static void parse_fails(const char *text, const char *msg)
{
	struct rh_cost_model *m = builtin("mt8188");
	char err[256] = "";

	assert_neg_errno(rh_cost_model_parse(m, text, strlen(text), "t.cost", err, sizeof(err)),
			 EINVAL);
	assert_string_equal(err, msg);
	assert_int_equal(get(m, RH_COST_WORLD_SWITCH_NS), 1000);
	assert_string_equal(rh_cost_model_name(m), "mt8188");
	rh_cost_model_free(m);
}

/* A model that charges nothing: every time 0, every rate too fast to cost a ns. */
static struct rh_cost_model *free_model(void)
{
	struct rh_cost_model *m = builtin("mt8188");
	unsigned int k;

	assert_int_equal(rh_cost_model_set(m, RH_COST_CMA_TAIL_MIN_NS, 0), 0);
	for (k = 0; k < RH_COST_NR_KEYS; k++) {
		if (k == RH_COST_CACHE_CLEAN_BYTES_PER_S || k == RH_COST_SECURE_ZERO_BYTES_PER_S)
			assert_int_equal(rh_cost_model_set(m, k, UINT64_MAX), 0);
		else
			assert_int_equal(rh_cost_model_set(m, k, 0), 0);
	}
	return m;
}

static struct rh_platform *platform_with(const struct rh_cost_model *m, uint64_t seed)
{
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_platform *plat = NULL;

	info.cost_model = m;
	info.cost_seed = seed;
	assert_int_equal(rh_platform_new(&info, &plat), 0);
	return plat;
}

static struct rh_replay_trace *trace_of(const char *text)
{
	struct rh_replay_trace *t = NULL;
	char err[256];

	if (rh_replay_parse(text, strlen(text), &t, err, sizeof(err)))
		fail_msg("trace: %s", err);
	return t;
}

/* Runs @text on @plat; returns the run's simulated time. */
static uint64_t replay(struct rh_platform *plat, const char *text,
		       void (*on_op)(void *data, const struct rh_replay_op_result *res),
		       void *data)
{
	struct rh_replay_options ro = { .on_op = on_op, .data = data };
	struct rh_replay_trace *t = trace_of(text);
	struct rh_replay_result res;

	assert_int_equal(rh_replay_run(plat, t, &ro, &res), 0);
	assert_int_equal(res.unexpected_failures, 0);
	rh_replay_trace_free(t);
	return res.sim_ns;
}

/* ------------------------------------------------------------------ models */

static void test_builtins(void **state)
{
	struct rh_cost_model *m;
	unsigned int i, k;

	(void)state;
	for (i = 0; rh_cost_model_builtin(i); i++) {
		m = builtin(rh_cost_model_builtin(i));
		assert_string_equal(rh_cost_model_name(m), rh_cost_model_builtin(i));
		/* Every rate can be divided by; every tail range is ordered. */
		assert_true(get(m, RH_COST_CACHE_CLEAN_BYTES_PER_S) > 0);
		assert_true(get(m, RH_COST_SECURE_ZERO_BYTES_PER_S) > 0);
		assert_true(get(m, RH_COST_CMA_TAIL_MIN_NS) <= get(m, RH_COST_CMA_TAIL_MAX_NS));
		assert_true(get(m, RH_COST_CMA_TAIL_PROBABILITY) <= RH_COST_PPB);
		for (k = 0; k < RH_COST_NR_KEYS; k++)
			assert_non_null(rh_cost_model_key_name(k));
		rh_cost_model_free(m);
	}
	assert_int_equal(i, 3);
	assert_null(rh_cost_model_builtin(3));
	assert_null(rh_cost_model_key_name(RH_COST_NR_KEYS));

	/* perf.md section 4's defaults: fast SMC 0.7 us (A53: 3 us), 2 us per round trip. */
	m = builtin("mt8188");
	assert_int_equal(get(m, RH_COST_SMC_FAST_NS), 700);
	assert_int_equal(2 * get(m, RH_COST_WORLD_SWITCH_NS), 2000);
	assert_int_equal(get(m, RH_COST_TEE_INVOKE_NS), 30000);
	assert_int_equal(get(m, RH_COST_CMA_MIGRATE_NS_PER_MIB), 1000000);
	assert_int_equal(get(m, RH_COST_CMA_TAIL_PROBABILITY), RH_COST_PPB / 100);
	assert_int_equal(get(m, RH_COST_CMA_TAIL_MIN_NS), 100000000);
	assert_int_equal(get(m, RH_COST_CMA_TAIL_MAX_NS), 2000000000);
	assert_int_equal(get(m, RH_COST_SECURE_ZERO_BYTES_PER_S), 10000000000u);
	assert_int_equal(get(m, RH_COST_CACHE_CLEAN_BYTES_PER_S), 20000000000u);
	rh_cost_model_free(m);
	m = builtin("a53-little");
	assert_int_equal(get(m, RH_COST_SMC_FAST_NS), 3000);
	rh_cost_model_free(m);

	assert_neg_errno(rh_cost_model_new("mt9999", &m), ENOENT);
	assert_neg_errno(rh_cost_model_new(NULL, &m), EINVAL);
	assert_neg_errno(rh_cost_model_new("mt8188", NULL), EINVAL);
}

static void test_parse_values(void **state)
{
	struct rh_cost_model *m;

	(void)state;
	m = parsed("# a comment\n"
		   "\n"
		   "  world_switch_ns = 1.5us   # trailing comment\r\n"
		   "tee_invoke_ns=0.4 ms\n"
		   "cma_tail_max_ns = 2s\n"
		   "cma_tail_min_ns = 250000ns\n"
		   "smc_fast_ns = 650\n"
		   "secure_zero_bytes_per_s = 12.5 GB/s\n"
		   "cache_clean_bytes_per_s = 512 MiB/s\n"
		   "cma_tail_probability = 2.5%\n"
		   "dma_map_ns_per_entry = 0");
	assert_int_equal(get(m, RH_COST_WORLD_SWITCH_NS), 1500);
	assert_int_equal(get(m, RH_COST_TEE_INVOKE_NS), 400000);
	assert_int_equal(get(m, RH_COST_CMA_TAIL_MAX_NS), 2000000000);
	assert_int_equal(get(m, RH_COST_CMA_TAIL_MIN_NS), 250000);
	assert_int_equal(get(m, RH_COST_SMC_FAST_NS), 650);
	assert_int_equal(get(m, RH_COST_SECURE_ZERO_BYTES_PER_S), 12500000000u);
	assert_int_equal(get(m, RH_COST_CACHE_CLEAN_BYTES_PER_S), 512 * MIB);
	assert_int_equal(get(m, RH_COST_CMA_TAIL_PROBABILITY), 25000000);
	assert_int_equal(get(m, RH_COST_DMA_MAP_NS_PER_ENTRY), 0);
	/* untouched keys keep the base's value; the name says a file changed it */
	assert_int_equal(get(m, RH_COST_CMA_MIGRATE_NS_PER_MIB), 1000000);
	assert_string_equal(rh_cost_model_name(m), "mt8188+t.cost");
	rh_cost_model_free(m);

	/* base = resets everything to another built-in first */
	m = parsed("base = a53-little\nworld_switch_ns = 7\n");
	assert_int_equal(get(m, RH_COST_SMC_FAST_NS), 3000);
	assert_int_equal(get(m, RH_COST_WORLD_SWITCH_NS), 7);
	assert_string_equal(rh_cost_model_name(m), "a53-little+t.cost");
	rh_cost_model_free(m);

	/* comments only: nothing changes, not even the name */
	m = parsed("# nothing\n\n   \n");
	assert_string_equal(rh_cost_model_name(m), "mt8188");
	rh_cost_model_free(m);
}

static void test_parse_errors(void **state)
{
	static const char nul[] = "world_switch_ns = 1\0\n";
	struct rh_cost_model *m;
	char err[256];

	(void)state;
	parse_fails("\n\nfoo_ns = 3\n", "t.cost:3: unknown key 'foo_ns'");
	parse_fails("world_switch_ns = 3\nworld_switch_ns = 4\n",
		    "t.cost:2: world_switch_ns already set on line 1");
	parse_fails("world_switch_ns\n", "t.cost:1: expected 'key = value', got 'world_switch_ns'");
	parse_fails("= 3\n", "t.cost:1: a key is missing before '='");
	parse_fails("smc_fast_ns =   # nothing\n", "t.cost:1: smc_fast_ns has no value");
	parse_fails("smc_fast_ns = 12x\n",
		    "t.cost:1: smc_fast_ns: bad value '12x' (a time such as 700, 1.5us, 0.4 ms or 2s)");
	parse_fails("smc_fast_ns = -1\n",
		    "t.cost:1: smc_fast_ns: bad value '-1' (a time such as 700, 1.5us, 0.4 ms or 2s)");
	parse_fails("smc_fast_ns = 1.5\n",
		    "t.cost:1: smc_fast_ns: too fine a value '1.5' (a time such as 700, 1.5us, 0.4 ms or 2s)");
	parse_fails("smc_fast_ns = 2000000s\n",
		    "t.cost:1: smc_fast_ns: out-of-range value '2000000s' (a time such as 700, 1.5us, 0.4 ms or 2s)");
	parse_fails("secure_zero_bytes_per_s = 0\n",
		    "t.cost:1: secure_zero_bytes_per_s: out-of-range value '0' (a rate above 0 such as 10 GB/s, 512 MiB/s or 20000000000)");
	parse_fails("secure_zero_bytes_per_s = 3 GB\n",
		    "t.cost:1: secure_zero_bytes_per_s: bad value '3 GB' (a rate above 0 such as 10 GB/s, 512 MiB/s or 20000000000)");
	parse_fails("cma_tail_probability = 1.5\n",
		    "t.cost:1: cma_tail_probability: out-of-range value '1.5' (a probability such as 0.01 or 1%)");
	parse_fails("cma_tail_probability = 0.0000000001\n",
		    "t.cost:1: cma_tail_probability: too fine a value '0.0000000001' (a probability such as 0.01 or 1%)");
	parse_fails("cma_tail_min_ns = 3s\n",
		    "t.cost:1: cma_tail_min_ns 3000000000 is above cma_tail_max_ns 2000000000");
	parse_fails("world_switch_ns = 1\nbase = mt8188\n",
		    "t.cost:2: base must come before every key");
	parse_fails("base = pentium\n",
		    "t.cost:1: no built-in model 'pentium' (mt8188, a53-little, qemu-optee)");
	parse_fails("smc_fast_ns = 99999999999999999999999999999999\n",
		    "t.cost:1: smc_fast_ns: out-of-range value '99999999999999999999999999999999' (a time such as 700, 1.5us, 0.4 ms or 2s)");
	parse_fails("\x1b[31m = 1\n", "t.cost:1: unknown key '?[31m'");

	m = builtin("mt8188");
	assert_neg_errno(rh_cost_model_parse(m, nul, sizeof(nul) - 1, NULL, err, sizeof(err)),
			 EINVAL);
	assert_string_equal(err, "model: contains a NUL byte");
	assert_neg_errno(rh_cost_model_parse(NULL, "x", 1, NULL, err, sizeof(err)), EINVAL);
	assert_neg_errno(rh_cost_model_parse(m, NULL, 1, NULL, NULL, 0), EINVAL);
	assert_int_equal(rh_cost_model_parse(m, NULL, 0, NULL, NULL, 0), 0);
	rh_cost_model_free(m);
}

static void test_get_set(void **state)
{
	struct rh_cost_model *m = builtin("qemu-optee"), *copy;
	uint64_t v;

	(void)state;
	assert_neg_errno(rh_cost_model_get(m, RH_COST_NR_KEYS, &v), EINVAL);
	assert_neg_errno(rh_cost_model_get(NULL, RH_COST_SMC_FAST_NS, &v), EINVAL);
	assert_neg_errno(rh_cost_model_get(m, RH_COST_SMC_FAST_NS, NULL), EINVAL);
	assert_neg_errno(rh_cost_model_set(m, RH_COST_NR_KEYS, 1), EINVAL);
	assert_neg_errno(rh_cost_model_set(NULL, RH_COST_SMC_FAST_NS, 1), EINVAL);
	assert_neg_errno(rh_cost_model_set(m, RH_COST_SECURE_ZERO_BYTES_PER_S, 0), EINVAL);
	assert_neg_errno(rh_cost_model_set(m, RH_COST_CMA_TAIL_PROBABILITY, RH_COST_PPB + 1),
			 EINVAL);
	assert_int_equal(rh_cost_model_set(m, RH_COST_CMA_TAIL_MAX_NS, 10), 0);
	assert_neg_errno(rh_cost_model_set(m, RH_COST_CMA_TAIL_MIN_NS, 11), EINVAL);
	assert_neg_errno(rh_cost_model_set(m, RH_COST_SMC_FAST_NS, UINT64_MAX), EINVAL);
	assert_int_equal(rh_cost_model_set(m, RH_COST_SMC_FAST_NS, 42), 0);
	copy = rh_cost_model_dup(m);
	assert_non_null(copy);
	assert_int_equal(get(copy, RH_COST_SMC_FAST_NS), 42);
	assert_null(rh_cost_model_dup(NULL));
	assert_string_equal(rh_cost_model_name(NULL), "");
	rh_cost_model_free(copy);
	rh_cost_model_free(m);
	rh_cost_model_free(NULL);
}

static void test_load(void **state)
{
	char path[] = "/tmp/rh-cost-XXXXXX", err[512];
	struct rh_cost_model *m = NULL;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(rh_cost_model_load("a53-little", NULL, &m, err, sizeof(err)), 0);
	assert_string_equal(rh_cost_model_name(m), "a53-little");
	rh_cost_model_free(m);
	assert_neg_errno(rh_cost_model_load("pentium", NULL, &m, err, sizeof(err)), ENOENT);
	assert_string_equal(err, "no built-in cost model 'pentium' (mt8188, a53-little, qemu-optee, or a FILE.cost)");
	assert_neg_errno(rh_cost_model_load("", NULL, &m, err, sizeof(err)), EINVAL);
	assert_neg_errno(rh_cost_model_load(NULL, NULL, &m, err, sizeof(err)), EINVAL);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("world_switch_ns = 5us\n", f);
	fclose(f);
	/* a file starts from the platform's model, or mt8188 without one */
	assert_int_equal(rh_cost_model_load(path, "qemu-optee", &m, err, sizeof(err)), 0);
	assert_int_equal(get(m, RH_COST_WORLD_SWITCH_NS), 5000);
	assert_int_equal(get(m, RH_COST_SMC_FAST_NS), 10000);
	rh_cost_model_free(m);
	assert_int_equal(rh_cost_model_load(path, NULL, &m, err, sizeof(err)), 0);
	assert_int_equal(get(m, RH_COST_SMC_FAST_NS), 700);
	rh_cost_model_free(m);
	assert_neg_errno(rh_cost_model_load(path, "pentium", &m, err, sizeof(err)), ENOENT);

	f = fopen(path, "w");
	fputs("# fine\nsmc_fast_ns = fast\n", f);
	fclose(f);
	assert_neg_errno(rh_cost_model_load(path, NULL, &m, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, ":2: smc_fast_ns: bad value 'fast'"));
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	assert_null(strchr(err, '\n'));

	/* more than a model could be */
	f = fopen(path, "w");
	for (fd = 0; fd < (2 << 20) / 16; fd++)
		fputs("# padding......\n", f);
	fclose(f);
	assert_neg_errno(rh_cost_model_load(path, NULL, &m, err, sizeof(err)), EFBIG);
	unlink(path);
	assert_neg_errno(rh_cost_model_load(path, NULL, &m, err, sizeof(err)), ENOENT);
	assert_neg_errno(rh_cost_model_load("/tmp/", NULL, &m, err, sizeof(err)), EISDIR);
}

/* ------------------------------------------------------------------ device tree */

static void test_dt_default_model(void **state)
{
	struct rh_platform_desc desc;
	const void *dtb;
	char err[256] = "";
	size_t size;
	void *copy;

	(void)state;
	dtb = rh_platform_default_dtb(&size);
	assert_int_equal(rh_platform_parse_dtb(dtb, size, &desc, err, sizeof(err)), 0);
	assert_string_equal(desc.cost_model, "mt8188");

	copy = malloc(size + 256);
	assert_non_null(copy);
	assert_int_equal(fdt_open_into(dtb, copy, (int)size + 256), 0);
	assert_int_equal(fdt_setprop_string(copy, 0, "rheap-sim,cost-model", "pentium"), 0);
	assert_neg_errno(rh_platform_parse_dtb(copy, fdt_totalsize(copy), &desc, err,
					       sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "rheap-sim,cost-model"));
	assert_non_null(strstr(err, "pentium"));
	assert_int_equal(fdt_delprop(copy, 0, "rheap-sim,cost-model"), 0);
	assert_int_equal(rh_platform_parse_dtb(copy, fdt_totalsize(copy), &desc, err,
					       sizeof(err)), 0);
	assert_string_equal(desc.cost_model, "");
	free(copy);
}

/* ------------------------------------------------------------------ clocks */

/* Without a model nothing is simulated, stamped or charged. */
static void test_model_off(void **state)
{
	struct rh_platform *plat = platform_with(NULL, 0);
	struct rh_sim_stats st;

	(void)state;
	assert_int_equal(replay(plat, HEADER "0,A,restricted_mtk_cma,1048576,a,\n"
					  "1,F,,,a,\n", NULL, NULL), 0);
	assert_int_equal(rh_platform_sim_time(plat), 0);
	assert_int_equal(rh_platform_sim_thread_time(plat), 0);
	assert_null(rh_platform_get_cost_model(plat));
	assert_int_equal(rh_platform_get_sim_stats(plat, &st), 0);
	assert_false(st.enabled);
	assert_int_equal(st.total_ns, 0);
	assert_neg_errno(rh_platform_get_sim_stats(plat, NULL), EINVAL);
	assert_neg_errno(rh_platform_get_sim_stats(NULL, &st), EINVAL);
	assert_int_equal(rh_platform_sim_time(NULL), 0);
	assert_int_equal(rh_platform_sim_thread_time(NULL), 0);
	assert_null(rh_platform_get_cost_model(NULL));
	assert_null(rh_sim_cost_name(RH_SIM_NR_COSTS));
	assert_string_equal(rh_sim_cost_name(RH_SIM_CMA_MIGRATE), "cma_migrate");
	rh_platform_unref(plat);
}

/* A run's simulated time is world_switch_ns times the switches it made, exactly. */
static void test_world_switch_exact(void **state)
{
	static const char text[] = HEADER
		"0,A,restricted_mtk_cm,1048576,a,\n"
		"1,A,restricted_mtk_cma,3000000,b,\n"
		"2,F,,,a,\n"
		"3,F,,,b,\n";
	struct rh_cost_model *m = free_model();
	struct rh_platform_stats s0, s1;
	struct rh_platform *plat;
	uint64_t sim[2], switches[2];
	unsigned int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		/* the second run raises the switch cost by 777 ns */
		assert_int_equal(rh_cost_model_set(m, RH_COST_WORLD_SWITCH_NS, 1000 + 777 * i), 0);
		plat = platform_with(m, 1);
		assert_int_equal(rh_platform_get_stats(plat, &s0), 0);
		sim[i] = replay(plat, text, NULL, NULL);
		assert_int_equal(rh_platform_get_stats(plat, &s1), 0);
		switches[i] = s1.world_switches - s0.world_switches;
		assert_true(switches[i] >= 8); /* ZALLOC and FREE at least, both ways */
		assert_int_equal(sim[i], (1000 + 777 * i) * switches[i]);
		rh_platform_unref(plat);
	}
	assert_int_equal(switches[0], switches[1]);
	assert_int_equal(sim[1] - sim[0], 777 * switches[0]);
	rh_cost_model_free(m);
}

struct tee_count {
	unsigned int calls;
};

static void count_tee(void *priv, const struct rh_trace_event *ev)
{
	struct tee_count *tc = priv;

	tc->calls += ev->type == RH_TRACE_TEE_OPEN_SESSION ||
		     ev->type == RH_TRACE_TEE_CLOSE_SESSION || ev->type == RH_TRACE_TEE_INVOKE;
}

static const struct rh_trace_sink_ops count_ops = { .event = count_tee };

/* tee_invoke_ns is paid once per session opened or closed and per command. */
static void test_tee_invoke_exact(void **state)
{
	struct rh_cost_model *m = free_model();
	struct tee_count tc = { 0 };
	struct rh_platform *plat;
	uint64_t sim;
	int id;

	(void)state;
	assert_int_equal(rh_cost_model_set(m, RH_COST_TEE_INVOKE_NS, 30000), 0);
	plat = platform_with(m, 1);
	assert_int_equal(rh_trace_add_sink(plat, &count_ops, &tc, &id), 0);
	sim = replay(plat, HEADER "0,A,restricted_mtk_cm,65536,a,\n1,F,,,a,\n", NULL, NULL);
	assert_int_equal(rh_trace_remove_sink(plat, id), 0);
	assert_true(tc.calls >= 3); /* open session, ZALLOC, FREE */
	assert_int_equal(sim, 30000ull * tc.calls);
	rh_platform_unref(plat);
	rh_cost_model_free(m);
}

/* At 1 GB/s zeroing costs a ns a byte: the buffer's bytes when made, again when freed. */
static void test_secure_zero_exact(void **state)
{
	struct rh_cost_model *m = free_model();
	struct rh_platform *plat;
	struct rh_sim_stats st;
	uint64_t sim;

	(void)state;
	assert_int_equal(rh_cost_model_set(m, RH_COST_SECURE_ZERO_BYTES_PER_S, 1000000000), 0);
	plat = platform_with(m, 1);
	sim = replay(plat, HEADER "0,A,restricted_mtk_cm,1000000,a,\n1,F,,,a,\n", NULL, NULL);
	/* 1000000 bytes round up to 245 pages */
	assert_int_equal(sim, 2 * 245 * 4096);
	assert_int_equal(rh_platform_get_sim_stats(plat, &st), 0);
	assert_true(st.enabled);
	assert_int_equal(st.ns[RH_SIM_SECURE_ZERO], 2 * 245 * 4096);
	assert_int_equal(st.secure_ns, st.total_ns);
	rh_platform_unref(plat);
	rh_cost_model_free(m);
}

/*
 * The first CMA buffer takes the whole region: fixed cost + migration per
 * MiB + the tail; its firewall region costs the SiP call, the MMIO and a
 * cache clean of the region. The last free releases it and clears the region.
 */
static void test_cma_lend_exact(void **state)
{
	static const char text[] = HEADER
		"0,A,restricted_mtk_cma,4096,a,\n"
		"1,A,restricted_mtk_cma,4096,b,\n"
		"2,F,,,a,\n"
		"3,F,,,b,\n";
	struct rh_cost_model *m = free_model();
	const struct rh_platform_desc *d;
	uint64_t region = 0, sim, expect;
	struct rh_platform *plat;
	struct rh_sim_stats st;
	unsigned int i;

	(void)state;
	assert_int_equal(rh_cost_model_set(m, RH_COST_CMA_ALLOC_NS, 100000), 0);
	assert_int_equal(rh_cost_model_set(m, RH_COST_CMA_MIGRATE_NS_PER_MIB, 1000000), 0);
	assert_int_equal(rh_cost_model_set(m, RH_COST_CMA_RELEASE_NS_PER_MIB, 50000), 0);
	assert_int_equal(rh_cost_model_set(m, RH_COST_CMA_TAIL_PROBABILITY, RH_COST_PPB), 0);
	assert_int_equal(rh_cost_model_set(m, RH_COST_CMA_TAIL_MAX_NS, 7000), 0);
	assert_int_equal(rh_cost_model_set(m, RH_COST_CMA_TAIL_MIN_NS, 7000), 0);
	assert_int_equal(rh_cost_model_set(m, RH_COST_SMC_FAST_NS, 700), 0);
	assert_int_equal(rh_cost_model_set(m, RH_COST_FIREWALL_PROGRAM_NS, 5000), 0);
	assert_int_equal(rh_cost_model_set(m, RH_COST_CACHE_CLEAN_BYTES_PER_S, 1000000000), 0);
	plat = platform_with(m, 1);
	d = rh_platform_get_desc(plat);
	for (i = 0; i < d->nr_reserved; i++)
		if (d->reserved[i].reusable)
			region = d->reserved[i].size;
	assert_true(region > 0 && region % MIB == 0);

	sim = replay(plat, text, NULL, NULL);
	expect = 100000 + 1000000 * (region / MIB) + 7000 + /* cma_alloc */
		 2 * (700 + 5000 + region) +                 /* program + clear */
		 50000 * (region / MIB);                     /* cma_release */
	assert_int_equal(sim, expect);
	assert_int_equal(rh_platform_get_sim_stats(plat, &st), 0);
	assert_int_equal(st.count[RH_SIM_CMA_ALLOC], 1);
	assert_int_equal(st.count[RH_SIM_CMA_TAIL], 1);
	assert_int_equal(st.ns[RH_SIM_CMA_MIGRATE], 1000000 * (region / MIB));
	assert_int_equal(st.count[RH_SIM_CMA_RELEASE], 1);
	rh_platform_unref(plat);
	rh_cost_model_free(m);
}

/* The system heap pays per page; a device mapping per sg entry. */
static void test_pages_and_mapping_exact(void **state)
{
	struct rh_dma_heap_allocation_data data = { .len = 3 << 20, .fd_flags = O_RDWR };
	struct rh_dma_buf_attachment *att;
	struct rh_cost_model *m = free_model();
	struct rh_platform *plat;
	struct rh_dma_buf *buf;
	struct rh_sg_table *sgt;
	uint64_t t0, t1;
	int heap;

	(void)state;
	assert_int_equal(rh_cost_model_set(m, RH_COST_PAGE_ALLOC_NS_PER_PAGE, 600), 0);
	assert_int_equal(rh_cost_model_set(m, RH_COST_DMA_MAP_NS_PER_ENTRY, 500), 0);
	plat = platform_with(m, 1);
	heap = rh_open(plat, "/dev/dma_heap/system", O_RDWR);
	assert_true(heap >= 0);
	t0 = rh_platform_sim_thread_time(plat);
	assert_int_equal(rh_ioctl(plat, heap, RH_DMA_HEAP_IOCTL_ALLOC, &data), 0);
	t1 = rh_platform_sim_thread_time(plat);
	assert_int_equal(t1 - t0, 600 * (3 << 20) / 4096);

	buf = rh_dma_buf_get(plat, (int)data.fd);
	assert_non_null(buf);
	att = rh_dma_buf_attach(buf, rh_device_get(plat, 0));
	assert_false(RH_IS_ERR_OR_NULL(att));
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_BIDIRECTIONAL);
	assert_false(RH_IS_ERR_OR_NULL(sgt));
	assert_int_equal(rh_platform_sim_thread_time(plat) - t1, 500ull * sgt->nents);
	rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_BIDIRECTIONAL);
	rh_dma_buf_detach(buf, att);
	rh_dma_buf_put(buf);
	assert_int_equal(rh_close(plat, (int)data.fd), 0);
	assert_int_equal(rh_close(plat, heap), 0);
	rh_platform_unref(plat);
	rh_cost_model_free(m);
}

struct timeline {
	uint64_t sim[64];
	unsigned int nr;
};

static void record_op(void *data, const struct rh_replay_op_result *res)
{
	struct timeline *tl = data;

	if (tl->nr < 64)
		tl->sim[tl->nr++] = res->sim_ns;
}

/* Twelve lend-and-release cycles: twelve tail draws. */
static const char cycles[] = HEADER
	"0,A,restricted_mtk_cma,4096,a,\n1,F,,,a,\n2,A,restricted_mtk_cma,4096,a,\n3,F,,,a,\n"
	"4,A,restricted_mtk_cma,4096,a,\n5,F,,,a,\n6,A,restricted_mtk_cma,4096,a,\n7,F,,,a,\n"
	"8,A,restricted_mtk_cma,4096,a,\n9,F,,,a,\n10,A,restricted_mtk_cma,4096,a,\n11,F,,,a,\n"
	"12,A,restricted_mtk_cma,4096,a,\n13,F,,,a,\n14,A,restricted_mtk_cma,4096,a,\n15,F,,,a,\n"
	"16,A,restricted_mtk_cma,4096,a,\n17,F,,,a,\n18,A,restricted_mtk_cma,4096,a,\n19,F,,,a,\n"
	"20,A,restricted_mtk_cma,4096,a,\n21,F,,,a,\n22,A,restricted_mtk_cma,4096,a,\n23,F,,,a,\n";

static void run_timeline(const struct rh_cost_model *m, uint64_t seed, struct timeline *tl)
{
	struct rh_platform *plat = platform_with(m, seed);

	memset(tl, 0, sizeof(*tl));
	replay(plat, cycles, record_op, tl);
	assert_int_equal(tl->nr, 24);
	rh_platform_unref(plat);
}

/* One seed, one timeline; the tails come from the seed, not from the run. */
static void test_seed_reproducible(void **state)
{
	struct rh_cost_model *m = free_model();
	struct timeline a, b, c;
	unsigned int i, tails = 0;

	(void)state;
	/* only the tail costs anything: an allocation takes 0 or 1..2 s */
	assert_int_equal(rh_cost_model_set(m, RH_COST_CMA_TAIL_PROBABILITY, RH_COST_PPB / 2), 0);
	assert_int_equal(rh_cost_model_set(m, RH_COST_CMA_TAIL_MAX_NS, 2000000000), 0);
	assert_int_equal(rh_cost_model_set(m, RH_COST_CMA_TAIL_MIN_NS, 1000000000), 0);
	run_timeline(m, 42, &a);
	run_timeline(m, 42, &b);
	run_timeline(m, 43, &c);
	assert_memory_equal(a.sim, b.sim, sizeof(a.sim));
	assert_memory_not_equal(a.sim, c.sim, sizeof(a.sim));
	for (i = 0; i < 24; i++) {
		if (i % 2) {
			assert_int_equal(a.sim[i], 0);
			continue;
		}
		assert_true(a.sim[i] == 0 ||
			    (a.sim[i] >= 1000000000 && a.sim[i] <= 2000000000));
		tails += a.sim[i] != 0;
	}
	/* half-likely: seed 42 draws a tail for some of the twelve lends, not all */
	assert_true(tails > 0 && tails < 12);
	/* seed 0 is the documented default seed */
	run_timeline(m, 0, &a);
	run_timeline(m, RH_COST_DEFAULT_SEED, &b);
	assert_memory_equal(a.sim, b.sim, sizeof(a.sim));
	rh_cost_model_free(m);
}

struct thread_arg {
	struct rh_platform *plat;
	uint64_t before, after;
};

static void *alloc_thread(void *p)
{
	struct thread_arg *ta = p;
	struct rh_dma_heap_allocation_data data = { .len = 1 << 20, .fd_flags = O_RDWR };
	int heap = rh_open(ta->plat, "/dev/dma_heap/system", O_RDWR);

	ta->before = rh_platform_sim_thread_time(ta->plat);
	if (heap >= 0 && !rh_ioctl(ta->plat, heap, RH_DMA_HEAP_IOCTL_ALLOC, &data))
		rh_close(ta->plat, (int)data.fd);
	ta->after = rh_platform_sim_thread_time(ta->plat);
	if (heap >= 0)
		rh_close(ta->plat, heap);
	return NULL;
}

/* Each thread has its own clock; the platform's time is the latest of them. */
static void test_thread_clocks(void **state)
{
	struct rh_cost_model *m = free_model();
	struct thread_arg ta[2];
	struct rh_sim_stats st0, st;
	struct rh_platform *plat;
	pthread_t th[2];
	unsigned int i;

	(void)state;
	assert_int_equal(rh_cost_model_set(m, RH_COST_PAGE_ALLOC_NS_PER_PAGE, 1000), 0);
	plat = platform_with(m, 1);
	assert_int_equal(rh_platform_get_sim_stats(plat, &st0), 0);
	for (i = 0; i < 2; i++) {
		ta[i] = (struct thread_arg){ .plat = plat };
		assert_int_equal(pthread_create(&th[i], NULL, alloc_thread, &ta[i]), 0);
		/* one after the other: the second thread's clock starts at 0 too */
		assert_int_equal(pthread_join(th[i], NULL), 0);
	}
	assert_int_equal(rh_platform_get_sim_stats(plat, &st), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ta[i].before, 0);
		assert_int_equal(ta[i].after, 1000 * 256);
	}
	assert_int_equal(st.threads, st0.threads + 2);
	assert_int_equal(st.total_ns - st0.total_ns, 2 * 1000 * 256);
	assert_int_equal(rh_platform_sim_time(plat), 1000 * 256);
	/* the main thread did nothing since: its clock did not move */
	assert_int_equal(rh_platform_sim_thread_time(plat), 0);
	rh_platform_unref(plat);
	rh_cost_model_free(m);
}

/* ------------------------------------------------------------------ traces */

struct memfile {
	char *buf;
	size_t len;
	FILE *f;
};

/* The Chrome trace on the simulated clock is valid JSON with the migration as a span. */
static void test_chrome_sim_trace(void **state)
{
	struct rh_cost_model *m = builtin("mt8188");
	const struct jc_value *events, *ev;
	struct jc_value *root = NULL;
	bool migrate = false, thread_named = false, tee_span = false;
	struct rh_platform *plat;
	struct memfile mf = { 0 };
	char err[256];
	size_t i;
	int id;

	(void)state;
	assert_int_equal(rh_cost_model_set(m, RH_COST_CMA_TAIL_PROBABILITY, 0), 0);
	plat = platform_with(m, 1);
	mf.f = open_memstream(&mf.buf, &mf.len);
	assert_non_null(mf.f);
	assert_int_equal(rh_trace_add_chrome_sim_sink(plat, mf.f, &id), 0);
	replay(plat, HEADER "0,A,restricted_mtk_cma,1048576,a,\n1,F,,,a,\n", NULL, NULL);
	assert_int_equal(rh_trace_remove_sink(plat, id), 0);
	fclose(mf.f);
	if (jc_parse(mf.buf, mf.len, &root, err, sizeof(err)))
		fail_msg("not JSON: %s", err);
	events = jc_get(root, "traceEvents");
	assert_non_null(events);
	for (i = 0; (ev = jc_at(events, i)); i++) {
		const char *name = jc_get_str(ev, "name"), *ph = jc_get_str(ev, "ph");
		const struct jc_value *args = jc_get(ev, "args");

		assert_non_null(name);
		assert_non_null(ph);
		if (!strcmp(ph, "M") && args && jc_get_str(args, "name") &&
		    !strcmp(jc_get_str(args, "name"), "CPU thread 1"))
			thread_named = true;
		if (!strcmp(name, "cma_migrate")) {
			/* 384 MiB at 1 ms/MiB, in microseconds */
			assert_string_equal(ph, "X");
			assert_true(jc_get(ev, "dur")->number == 384000.0);
			migrate = true;
		}
		if (!strcmp(name, "SECMEM_ZALLOC") && !strcmp(ph, "X"))
			tee_span = true;
	}
	assert_true(migrate);
	assert_true(thread_named);
	assert_true(tee_span);
	jc_free(root);
	free(mf.buf);
	rh_platform_unref(plat);
	rh_cost_model_free(m);
}

struct stamp_check {
	unsigned int events, costs;
	uint64_t last_sim;
	bool monotonic;
};

static void check_stamp(void *priv, const struct rh_trace_event *ev)
{
	struct stamp_check *sc = priv;

	sc->events++;
	assert_int_equal(ev->thread, 1);
	if (ev->sim_ns < sc->last_sim)
		sc->monotonic = false;
	sc->last_sim = ev->sim_ns;
	if (ev->type == RH_TRACE_SIM_COST) {
		sc->costs++;
		assert_non_null(ev->name);
		assert_true(ev->sim_dur_ns > 0);
	}
}

static const struct rh_trace_sink_ops stamp_ops = { .event = check_stamp };

/* One thread's events carry its clock, which only moves forward. */
static void test_event_stamps(void **state)
{
	struct rh_cost_model *m = builtin("mt8188");
	struct stamp_check sc = { .monotonic = true };
	struct rh_platform *plat;
	char line[256];
	int id;

	(void)state;
	plat = platform_with(m, 1);
	assert_int_equal(rh_trace_add_sink(plat, &stamp_ops, &sc, &id), 0);
	replay(plat, HEADER "0,A,restricted_mtk_cm,1048576,a,\n1,F,,,a,\n", NULL, NULL);
	assert_int_equal(rh_trace_remove_sink(plat, id), 0);
	assert_true(sc.events > 0);
	assert_true(sc.costs > 0);
	assert_true(sc.monotonic);
	assert_int_equal(sc.last_sim, rh_platform_sim_thread_time(plat));

	/* the narration of a charge, and the simulated time prefix */
	assert_true(rh_trace_format_text(&(struct rh_trace_event){
		RH_TRACE_SIM_COST, .name = "cma_migrate", .size = 384 * MIB,
		.sim_dur_ns = 384000000, .sim_ns = 1500000000 },
		RH_TRACE_TEXT_TIME | RH_TRACE_TEXT_SIM_TIME | RH_TRACE_TEXT_NO_ACTOR,
		line, sizeof(line)) > 0);
	assert_string_equal(line, "[   1.500000] simulated cma_migrate of 384 MiB: 384 ms");
	rh_platform_unref(plat);
	rh_cost_model_free(m);
}

/* ------------------------------------------------------------------ allocation failures */

struct oom_arg {
	char path[32];
	struct rh_cost_model *model;
	struct rh_platform *plat;
};

static int load_op(void *p)
{
	struct oom_arg *a = p;
	char err[256];

	return rh_cost_model_load(a->path, "a53-little", &a->model, err, sizeof(err));
}

static void load_undo(void *p)
{
	struct oom_arg *a = p;

	rh_cost_model_free(a->model);
	a->model = NULL;
}

/* The platform's log of each injected failure is expected: keep it off the test output. */
static void quiet_log(void *data, enum rh_log_level level, const char *msg)
{
	(void)data;
	(void)level;
	(void)msg;
}

static int platform_op(void *p)
{
	struct oom_arg *a = p;
	RH_DEFINE_PLATFORM_INFO(info);

	info.cost_model = a->model;
	info.log_fn = quiet_log;
	return rh_platform_new(&info, &a->plat);
}

static void platform_undo(void *p)
{
	struct oom_arg *a = p;

	a->plat = rh_platform_unref(a->plat);
}

/* Every allocation of a model and of a platform's clocks fails cleanly with -ENOMEM. */
static void test_allocation_failures(void **state)
{
	struct oom_arg a = { .path = "/tmp/rh-cost-XXXXXX" };
	int fd;

	(void)state;
	fd = mkstemp(a.path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "world_switch_ns = 5\n", 20), 20);
	close(fd);
	assert_true(rh_test_fail_nth_sweep(load_op, load_undo, NULL, &a) >= 2);
	unlink(a.path);
	a.model = builtin("mt8188");
	assert_true(rh_test_fail_nth_sweep(platform_op, platform_undo, NULL, &a) > 3);
	rh_cost_model_free(a.model);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_get_set),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_dt_default_model),
		cmocka_unit_test(test_model_off),
		cmocka_unit_test(test_world_switch_exact),
		cmocka_unit_test(test_tee_invoke_exact),
		cmocka_unit_test(test_secure_zero_exact),
		cmocka_unit_test(test_cma_lend_exact),
		cmocka_unit_test(test_pages_and_mapping_exact),
		cmocka_unit_test(test_seed_reproducible),
		cmocka_unit_test(test_thread_clocks),
		cmocka_unit_test(test_chrome_sim_trace),
		cmocka_unit_test(test_event_stamps),
		cmocka_unit_test(test_allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
