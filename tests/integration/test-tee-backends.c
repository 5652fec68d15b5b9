// SPDX-License-Identifier: MIT
/* Integration tests of the TEE backends: record/replay and the fault wrapper over the emulator. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rheap/platform.h>
#include <rheap/tee-backend.h>
#include <rheap/tee.h>

#include "rh-test.h"
#include "optee/tee.h"
#include "test-ta.h"

struct fixture {
	struct rh_platform *plat;
	struct rh_tee_emu *emu;
	const struct rh_tee_ops *emu_ops;
	void *emu_priv;
	char path[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	assert_non_null(f);
	assert_int_equal(rh_platform_new(NULL, &f->plat), 0);
	f->emu = rh_tee_emu_of(f->plat);
	assert_int_equal(rh_test_ta_add_all(f->emu), 0);
	assert_int_equal(rh_platform_get_default_tee_backend(f->plat, &f->emu_ops,
							     &f->emu_priv),
			 0);
	snprintf(f->path, sizeof(f->path), "/tmp/rheap-tee-log-XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static struct rh_tee_emu_stats stats(struct rh_tee_emu *emu)
{
	struct rh_tee_emu_stats st;

	rh_tee_emu_get_stats(emu, &st);
	return st;
}

/* ------------------------------------------------------------ a client session */

#define MAX_STEPS 32

struct results {
	unsigned int n;
	int rc[MAX_STEPS];
	uint32_t ret[MAX_STEPS];
	uint32_t origin[MAX_STEPS];
	uint64_t values[6];
	size_t short_size;
	unsigned char echo[64];
	unsigned char rnd[64];
};

static void note(struct results *r, int rc, uint32_t ret, uint32_t origin)
{
	assert_true(r->n < MAX_STEPS);
	r->rc[r->n] = rc;
	r->ret[r->n] = ret;
	r->origin[r->n] = origin;
	r->n++;
}

static uint32_t open_to(struct rh_tee_context *ctx, const char *uuid,
			struct rh_tee_param *p, struct results *r)
{
	struct rh_tee_ioctl_open_session_arg arg;
	int rc;

	memset(&arg, 0, sizeof(arg));
	assert_int_equal(rh_uuid_parse(uuid, arg.uuid), 0);
	arg.num_params = p ? 4 : 0;
	rc = rh_tee_client_open_session(ctx, &arg, p);
	note(r, rc, arg.ret, arg.ret_origin);
	return arg.ret ? 0 : arg.session;
}

static void call(struct rh_tee_context *ctx, uint32_t s, uint32_t func,
		 struct rh_tee_param *p, struct results *r)
{
	struct rh_tee_ioctl_invoke_arg arg = {
		.session = s, .func = func, .num_params = p ? 4 : 0,
	};
	int rc;

	rc = rh_tee_client_invoke_func(ctx, &arg, p);
	note(r, rc, arg.ret, arg.ret_origin);
}

/* A scripted client: every kind of call, outputs and errors collected. */
static void workload(struct rh_platform *plat, uint64_t input,
		     struct results *r)
{
	struct rh_tee_ioctl_cancel_arg cancel;
	struct rh_tee_shm *in, *out;
	struct rh_tee_context *ctx;
	struct rh_tee_param p[4];
	unsigned char local[64], *va;
	uint32_t s1, s2;
	size_t i;

	memset(r, 0, sizeof(*r));
	ctx = rh_tee_client_open_context(plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(ctx));

	memset(p, 0, sizeof(p));
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	s1 = open_to(ctx, TEST_TA_SINGLE_UUID, p, r);
	r->values[0] = p[1].u.value.a;

	in = rh_tee_shm_alloc_kernel_buf(ctx, 64);
	assert_false(RH_IS_ERR(in));
	va = rh_tee_shm_get_va(in, 0);
	for (i = 0; i < 64; i++)
		va[i] = (unsigned char)(i ^ input);
	memset(local, 0, sizeof(local));
	out = rh_tee_shm_register_kernel_buf(ctx, local, sizeof(local));
	assert_false(RH_IS_ERR(out));

	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = input;
	p[0].u.value.b = 3;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	p[2].u.value.a = 4;
	call(ctx, s1, TEST_TA_CMD_VALUES, p, r);
	r->values[1] = p[1].u.value.a;
	r->values[2] = p[1].u.value.b;
	r->values[3] = p[2].u.value.a;
	r->values[4] = p[2].u.value.b;

	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[0].u.memref.shm = in;
	p[0].u.memref.shm_offs = 8;
	p[0].u.memref.size = 40;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
	p[1].u.memref.shm = out;
	p[1].u.memref.size = 64;
	call(ctx, s1, TEST_TA_CMD_ECHO, p, r);
	memcpy(r->echo, local, sizeof(local));
	p[1].u.memref.size = 10;
	call(ctx, s1, TEST_TA_CMD_ECHO, p, r);
	r->short_size = p[1].u.memref.size;

	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
	p[0].u.memref.shm = out;
	p[0].u.memref.size = 64;
	call(ctx, s1, TEST_TA_CMD_RANDOM, p, r);
	memcpy(r->rnd, local, sizeof(local));

	cancel.session = s1;
	cancel.cancel_id = 3;
	note(r, rh_tee_client_cancel_req(ctx, &cancel), 0, 0);

	s2 = open_to(ctx, TEST_TA_MULTI_UUID, NULL, r);
	call(ctx, s2, TEST_TA_CMD_PANIC, NULL, r);
	call(ctx, s2, TEST_TA_CMD_NOP, NULL, r);
	note(r, rh_tee_client_close_session(ctx, s2), 0, 0);
	open_to(ctx, "deadbeef-5b69-11e4-9dbb-101f74f00099", NULL, r);

	note(r, rh_tee_client_close_session(ctx, s1), 0, 0);
	rh_tee_shm_put(in);
	rh_tee_shm_put(out);
	rh_tee_client_close_context(ctx);
}

/* ------------------------------------------------------------ record / replay */

static void record_workload(struct fixture *f, uint64_t input, struct results *r)
{
	struct rh_tee_record *rec;

	assert_int_equal(rh_tee_record_new(f->plat, f->path, RH_TEE_RECORD,
					   f->emu_ops, f->emu_priv, &rec),
			 0);
	assert_int_equal(rh_platform_set_tee_backend(f->plat,
						     rh_tee_record_get_ops(), rec),
			 0);
	workload(f->plat, input, r);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, f->emu_ops,
						     f->emu_priv),
			 0);
	/*
	 * get_version, the OP-TEE driver's protected-memory capabilities
	 * (probed when the backend is installed) + 16 messages
	 */
	assert_int_equal(rh_tee_record_calls(rec), 18);
	assert_int_equal(rh_tee_record_finish(rec), 0);
	rh_tee_record_free(rec);
}

/* Replays the log on a platform of its own, with no TA registered. */
static int replay_workload(struct fixture *f, uint64_t input, struct results *r,
			   unsigned int *ret_calls)
{
	struct rh_tee_record *rec;
	struct rh_platform *plat;
	struct rh_tee_emu_stats st;
	int ret;

	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	assert_int_equal(rh_tee_record_new(plat, f->path, RH_TEE_REPLAY, NULL,
					   NULL, &rec),
			 0);
	assert_int_equal(rh_platform_set_tee_backend(plat, rh_tee_record_get_ops(),
						     rec),
			 0);
	workload(plat, input, r);
	rh_tee_emu_get_stats(rh_tee_emu_of(plat), &st);
	assert_int_equal(st.calls, 0); /* the emulator was never asked */
	*ret_calls = rh_tee_record_calls(rec);
	ret = rh_tee_record_finish(rec);
	rh_tee_record_free(rec);
	rh_platform_unref(plat);
	return ret;
}

static void test_record_replay(void **state)
{
	struct fixture *f = *state;
	struct results a, b;
	unsigned int calls;

	record_workload(f, 0x5a, &a);
	/* What the workload saw from the emulator. */
	assert_int_equal(a.ret[0], RH_TEEC_SUCCESS);
	assert_int_equal(a.values[0], TEST_TA_OPEN_MAGIC);
	assert_int_equal(a.values[1], 0x5a + 4);
	assert_int_equal(a.short_size, 40);
	assert_int_equal(a.echo[0], 8 ^ 0x5a);
	assert_int_equal(a.ret[7], RH_TEEC_ERROR_TARGET_DEAD);

	assert_int_equal(replay_workload(f, 0x5a, &b, &calls), 0);
	/* Identical, down to the random bytes the TA produced. */
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.rc, b.rc, sizeof(a.rc));
	assert_memory_equal(a.ret, b.ret, sizeof(a.ret));
	assert_memory_equal(a.origin, b.origin, sizeof(a.origin));
	assert_memory_equal(a.values, b.values, sizeof(a.values));
	assert_int_equal(a.short_size, b.short_size);
	assert_memory_equal(a.echo, b.echo, sizeof(a.echo));
	assert_memory_equal(a.rnd, b.rnd, sizeof(a.rnd));
	/* Replaying twice gives the same again. */
	assert_int_equal(replay_workload(f, 0x5a, &b, &calls), 0);
	assert_memory_equal(a.rnd, b.rnd, sizeof(a.rnd));
}

static void test_replay_divergence(void **state)
{
	struct fixture *f = *state;
	struct results a, b;
	unsigned int calls;

	record_workload(f, 0x5a, &a);
	/* A different value input: the VALUES invoke diverges... */
	assert_int_equal(replay_workload(f, 0x5b, &b, &calls), -EPROTO);
	/* ...and so does every call after it, as a transport failure. */
	assert_int_equal(b.ret[0], RH_TEEC_SUCCESS);
	assert_int_equal(b.ret[1], RH_TEEC_ERROR_COMMUNICATION);
	assert_int_equal(b.origin[1], RH_TEEC_ORIGIN_COMMS);
	assert_int_equal(b.ret[2], RH_TEEC_ERROR_COMMUNICATION);
	assert_true(calls < 6);
}

/* Same calls, different shared-memory contents: caught by the I lines. */
static void test_replay_divergence_shm(void **state)
{
	struct fixture *f = *state;
	struct results a, b;
	unsigned int calls;
	FILE *fp;
	char *text, *at;
	long len;

	record_workload(f, 0x5a, &a);
	/* Change the recorded input bytes of the first echo. */
	fp = fopen(f->path, "r+");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	text = calloc(1, len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, len, fp), len);
	at = strstr(text, "\nI 0 ");
	assert_non_null(at);
	at[5] = at[5] == '0' ? '1' : '0';
	rewind(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	fclose(fp);
	free(text);
	assert_int_equal(replay_workload(f, 0x5a, &b, &calls), -EPROTO);
	assert_int_equal(b.ret[1], RH_TEEC_SUCCESS); /* VALUES still replayed */
	assert_int_equal(b.ret[2], RH_TEEC_ERROR_COMMUNICATION); /* ECHO */
}

static void test_replay_leftover_and_overrun(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_record *rec;
	struct rh_tee_context *ctx;
	struct rh_tee_ioctl_open_session_arg arg;

	record_workload(f, 1, &(struct results){ 0 });
	/*
	 * Only the first calls replayed (the driver's capabilities probe,
	 * get_version): the rest is reported at finish.
	 */
	assert_int_equal(rh_tee_record_new(f->plat, f->path, RH_TEE_REPLAY, NULL,
					   NULL, &rec),
			 0);
	assert_int_equal(rh_platform_set_tee_backend(f->plat,
						     rh_tee_record_get_ops(), rec),
			 0);
	ctx = rh_tee_client_open_context(f->plat, NULL, NULL, NULL, NULL);
	assert_false(RH_IS_ERR_OR_NULL(ctx));
	assert_int_equal(rh_tee_record_calls(rec), 2);
	assert_int_equal(rh_tee_record_finish(rec), -EPROTO);
	/* A call of another kind than logged diverges. */
	memset(&arg, 0, sizeof(arg));
	assert_int_equal(rh_tee_client_open_session(ctx, &arg, NULL), 0);
	assert_int_equal(arg.ret, RH_TEEC_ERROR_COMMUNICATION);
	rh_tee_client_close_context(ctx);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, f->emu_ops,
						     f->emu_priv),
			 0);
	rh_tee_record_free(rec);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_bad_logs(void **state)
{
	static const char *const bad[] = {
		"",
		"rheap-tee-record 2\n",
		"rheap-tee-record 1\nX 1\n",
		"rheap-tee-record 1\nV 0 1 1\n",
		"rheap-tee-record 1\nV 0 1 1 1 extra\n",
		"rheap-tee-record 1\nV 5 1 1 1\n",
		"rheap-tee-record 1\nC 1 31\n",
		"rheap-tee-record 1\nC 1 4097\n",
		/* hex of the wrong length, bad digits, upper case */
		"rheap-tee-record 1\nC 1 32\n> 00\n",
		"rheap-tee-record 1\nC 1 32\n> 01000000000000000000000000000000000000000000000000000000000000zz\n",
		"rheap-tee-record 1\nC 1 32\n> 01000000000000000000000000000000000000000000000000000000000000AA\n",
		/* cmd of the header differs from the C line */
		"rheap-tee-record 1\nC 2 32\n> 0100000000000000000000000000000000000000000000000000000000000000\n",
		/* truncated records */
		"rheap-tee-record 1\nC 1 32\n> 0100000000000000000000000000000000000000000000000000000000000000\n",
		"rheap-tee-record 1\nC 1 32\n> 0100000000000000000000000000000000000000000000000000000000000000\n= 0\n< 0100000000000000000000000000000000000000000000000000000000000000\n",
		/* data line for a parameter that does not exist */
		"rheap-tee-record 1\nC 1 32\n> 0100000000000000000000000000000000000000000000000000000000000000\nI 0 00\n= 0\n",
	};
	static const char good[] =
		"rheap-tee-record 1\n# comment\nV 0 1 1 13\nP -2 5\n"
		"C 1 32\n> 0100000000000000000000000000000000000000000000000000000000000000\n"
		"= -5\n< 0100000000000000000000000000000000000000000000000000000000000000\n.\n";
	struct fixture *f = *state;
	struct rh_tee_record *rec = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(f->path, bad[i]);
		assert_neg_errno(rh_tee_record_new(NULL, f->path, RH_TEE_REPLAY,
						   NULL, NULL, &rec),
				 EINVAL);
		assert_null(rec);
	}
	write_file(f->path, good);
	assert_int_equal(rh_tee_record_new(NULL, f->path, RH_TEE_REPLAY, NULL,
					   NULL, &rec),
			 0);
	rh_tee_record_free(rec);

	assert_neg_errno(rh_tee_record_new(NULL, "/nonexistent/dir/log",
					   RH_TEE_REPLAY, NULL, NULL, &rec),
			 ENOENT);
	assert_neg_errno(rh_tee_record_new(NULL, f->path, RH_TEE_REPLAY,
					   f->emu_ops, NULL, &rec),
			 EINVAL);
	assert_neg_errno(rh_tee_record_new(NULL, f->path, RH_TEE_RECORD, NULL,
					   NULL, &rec),
			 EINVAL);
	assert_neg_errno(rh_tee_record_new(NULL, f->path, 3, NULL, NULL, &rec),
			 EINVAL);
	assert_neg_errno(rh_tee_record_new(NULL, NULL, RH_TEE_REPLAY, NULL, NULL,
					   &rec),
			 EINVAL);
	assert_neg_errno(rh_tee_record_finish(NULL), EINVAL);
	rh_tee_record_free(NULL);
}

/* ------------------------------------------------------------ fault wrapper */

/*
 * A careful client: unwinds whatever it got when a call fails. Returns 0 or
 * the first failure (negative errno or the TEE's result as errno).
 */
static int careful_client(struct rh_platform *plat)
{
	struct rh_tee_ioctl_open_session_arg oarg;
	struct rh_tee_ioctl_invoke_arg arg;
	struct rh_tee_context *ctx;
	struct rh_tee_shm *shm;
	struct rh_tee_param p[4];
	int ret;

	ctx = rh_tee_client_open_context(plat, NULL, NULL, NULL, NULL);
	if (RH_IS_ERR(ctx))
		return (int)RH_PTR_ERR(ctx);
	memset(&oarg, 0, sizeof(oarg));
	assert_int_equal(rh_uuid_parse(TEST_TA_SINGLE_UUID, oarg.uuid), 0);
	ret = rh_tee_client_open_session(ctx, &oarg, NULL);
	if (!ret)
		ret = rh_tee_result_to_errno(oarg.ret);
	if (ret)
		goto out_ctx;
	shm = rh_tee_shm_alloc_kernel_buf(ctx, 128);
	if (RH_IS_ERR(shm)) {
		ret = (int)RH_PTR_ERR(shm);
		goto out_session;
	}
	memset(p, 0, sizeof(p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[0].u.memref.shm = shm;
	p[0].u.memref.size = 32;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
	p[1].u.memref.shm = shm;
	p[1].u.memref.shm_offs = 64;
	p[1].u.memref.size = 64;
	arg = (struct rh_tee_ioctl_invoke_arg){ .session = oarg.session,
						.func = TEST_TA_CMD_ECHO,
						.num_params = 4 };
	ret = rh_tee_client_invoke_func(ctx, &arg, p);
	if (!ret)
		ret = rh_tee_result_to_errno(arg.ret);
	if (!ret) {
		arg = (struct rh_tee_ioctl_invoke_arg){ .session = oarg.session,
							.func = TEST_TA_CMD_NOP };
		ret = rh_tee_client_invoke_func(ctx, &arg, NULL);
		if (!ret)
			ret = rh_tee_result_to_errno(arg.ret);
	}
	rh_tee_shm_put(shm);
out_session:
	rh_tee_client_close_session(ctx, oarg.session);
out_ctx:
	rh_tee_client_close_context(ctx);
	return ret;
}

/* Fails call n = 1, 2, ... of @spec until no call matches any more. */
static unsigned int sweep(struct fixture *f, struct rh_tee_fault *fault,
			  struct rh_tee_fault_spec spec, int expect, int expect2)
{
	struct rh_tee_emu_stats st;
	unsigned int n;
	int ret;

	for (n = 1;; n++) {
		spec.nth = n;
		assert_int_equal(rh_tee_fault_arm(fault, &spec), 0);
		ret = careful_client(f->plat);
		st = stats(f->emu);
		/* Nothing leaks in the TEE, whichever call failed. */
		assert_int_equal(st.sessions, 0);
		assert_int_equal(st.shm, 0);
		assert_int_equal(st.instances, 0);
		if (!rh_tee_fault_fired(fault)) {
			assert_int_equal(ret, 0);
			break;
		}
		if (ret != expect)
			assert_int_equal(ret, expect2);
	}
	return n - 1;
}

static void test_fault_sweeps(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_fault *fault;
	struct rh_tee_fault_spec spec;
	unsigned int calls;

	assert_int_equal(rh_tee_fault_new(f->plat, f->emu_ops, f->emu_priv,
					  &fault),
			 0);
	assert_int_equal(rh_platform_set_tee_backend(f->plat,
						     rh_tee_fault_get_ops(), fault),
			 0);
	/* Disarmed it is transparent. */
	assert_int_equal(careful_client(f->plat), 0);
	assert_int_equal(rh_tee_fault_matched(fault), 0);

	/* Every call the client's success depends on, failed by the TEE. */
	memset(&spec, 0, sizeof(spec));
	spec.cmd_mask = RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_OPEN_SESSION) |
			RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_INVOKE_COMMAND) |
			RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_REGISTER_SHM);
	spec.action = RH_TEE_FAULT_RESULT;
	spec.result = RH_TEEC_ERROR_OUT_OF_MEMORY;
	spec.origin = RH_TEEC_ORIGIN_TEE;
	calls = sweep(f, fault, spec, -ENOMEM, -ENOMEM);
	/* open, register, echo, nop */
	assert_int_equal(calls, 4);

	/* The same calls lost in transport. */
	spec.action = RH_TEE_FAULT_TRANSPORT;
	spec.error = -ETIMEDOUT;
	/* A lost REGISTER_SHM is -EIO, the others TEEC_ERROR_COMMUNICATION. */
	calls = sweep(f, fault, spec, -ECOMM, -EIO);
	assert_int_equal(calls, 4);

	/* The TA panics in each call that enters it. */
	memset(&spec, 0, sizeof(spec));
	spec.cmd_mask = RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_OPEN_SESSION) |
			RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_INVOKE_COMMAND);
	spec.action = RH_TEE_FAULT_PANIC;
	calls = sweep(f, fault, spec, -EPIPE, -EPIPE);
	assert_int_equal(calls, 3);
	assert_int_equal(stats(f->emu).panics, 3);

	assert_int_equal(rh_platform_set_tee_backend(f->plat, f->emu_ops,
						     f->emu_priv),
			 0);
	rh_tee_fault_free(fault);
}

/* A lost REGISTER_SHM transport error (-EIO) and the filters. */
static void test_fault_filters(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_fault *fault;
	struct rh_tee_fault_spec spec;

	assert_int_equal(rh_tee_fault_new(f->plat, f->emu_ops, f->emu_priv,
					  &fault),
			 0);
	assert_int_equal(rh_platform_set_tee_backend(f->plat,
						     rh_tee_fault_get_ops(), fault),
			 0);
	memset(&spec, 0, sizeof(spec));
	spec.nth = 1;
	spec.cmd_mask = RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_REGISTER_SHM);
	spec.action = RH_TEE_FAULT_TRANSPORT;
	assert_int_equal(rh_tee_fault_arm(fault, &spec), 0);
	assert_int_equal(careful_client(f->plat), -EIO);

	/* Only the NOP invoke (func filter); sticky: every later one too. */
	memset(&spec, 0, sizeof(spec));
	spec.nth = 1;
	spec.match_func = true;
	spec.func = TEST_TA_CMD_NOP;
	spec.action = RH_TEE_FAULT_RESULT;
	spec.result = RH_TEEC_ERROR_BUSY;
	spec.origin = RH_TEEC_ORIGIN_TRUSTED_APP;
	spec.sticky = true;
	assert_int_equal(rh_tee_fault_arm(fault, &spec), 0);
	assert_int_equal(careful_client(f->plat), -EBUSY);
	assert_int_equal(careful_client(f->plat), -EBUSY);
	assert_int_equal(rh_tee_fault_matched(fault), 2);
	assert_int_equal(rh_tee_fault_fired(fault), 2);
	/* Disarm. */
	assert_int_equal(rh_tee_fault_arm(fault, NULL), 0);
	assert_int_equal(careful_client(f->plat), 0);
	assert_int_equal(rh_tee_fault_fired(fault), 0);

	/*
	 * A reply lost after the TEE did the work: the client closes the
	 * session the TEE wrote into the message (not in the kernel, where it
	 * leaks in the secure world).
	 */
	memset(&spec, 0, sizeof(spec));
	spec.nth = 1;
	spec.cmd_mask = RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_OPEN_SESSION);
	spec.action = RH_TEE_FAULT_TRANSPORT;
	spec.after = true;
	assert_int_equal(rh_tee_fault_arm(fault, &spec), 0);
	assert_int_equal(careful_client(f->plat), -ECOMM);
	assert_int_equal(stats(f->emu).sessions, 0);
	/* A failed CLOSE_SESSION is sent again (the kernel's is not: a leak). */
	spec.cmd_mask = RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_CLOSE_SESSION);
	spec.after = false;
	spec.action = RH_TEE_FAULT_RESULT;
	spec.result = RH_TEEC_ERROR_GENERIC;
	assert_int_equal(rh_tee_fault_arm(fault, &spec), 0);
	assert_int_equal(careful_client(f->plat), 0);
	assert_int_equal(rh_tee_fault_fired(fault), 1);
	assert_int_equal(stats(f->emu).sessions, 0);
	/* Its answer lost after the TEE closed it: the resend is told "unknown". */
	spec.after = true;
	assert_int_equal(rh_tee_fault_arm(fault, &spec), 0);
	assert_int_equal(careful_client(f->plat), 0);
	assert_int_equal(rh_tee_fault_fired(fault), 1);
	assert_int_equal(stats(f->emu).sessions, 0);
	/* Failing for good: given up after three sends; the emulator frees it at the end. */
	spec.after = false;
	spec.sticky = true;
	assert_int_equal(rh_tee_fault_arm(fault, &spec), 0);
	assert_int_equal(careful_client(f->plat), 0);
	assert_int_equal(rh_tee_fault_fired(fault), 3);
	assert_int_equal(stats(f->emu).sessions, 1);
	spec.sticky = false;

	/* Bad specs. */
	spec = (struct rh_tee_fault_spec){ .action = RH_TEE_FAULT_RESULT };
	assert_neg_errno(rh_tee_fault_arm(fault, &spec), EINVAL);
	spec = (struct rh_tee_fault_spec){ .nth = 1,
					   .action = RH_TEE_FAULT_TRANSPORT,
					   .error = EIO };
	assert_neg_errno(rh_tee_fault_arm(fault, &spec), EINVAL);
	spec = (struct rh_tee_fault_spec){ .nth = 1, .action = RH_TEE_FAULT_PANIC,
					   .after = true };
	assert_neg_errno(rh_tee_fault_arm(fault, &spec), EINVAL);
	spec = (struct rh_tee_fault_spec){ .nth = 1, .action = 42 };
	assert_neg_errno(rh_tee_fault_arm(fault, &spec), EINVAL);
	assert_neg_errno(rh_tee_fault_arm(NULL, NULL), EINVAL);

	assert_int_equal(rh_platform_set_tee_backend(f->plat, f->emu_ops,
						     f->emu_priv),
			 0);
	rh_tee_fault_free(fault);
	rh_tee_fault_free(NULL);
	assert_neg_errno(rh_tee_fault_new(NULL, NULL, NULL, &fault), EINVAL);
}

static int no_version(void *priv, struct rh_tee_ioctl_version_data *v)
{
	return -ENODEV;
}

static int no_msg(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	return -ENODEV;
}

static void test_fault_panic_needs_hook(void **state)
{
	static const struct rh_tee_ops plain = {
		.version = RH_TEE_OPS_VERSION,
		.get_version = no_version,
		.open_session = no_msg,
		.invoke = no_msg,
		.close_session = no_msg,
	};
	struct rh_tee_fault_spec spec = { .nth = 1,
					  .action = RH_TEE_FAULT_PANIC };
	struct rh_tee_fault *fault;

	assert_int_equal(rh_tee_fault_new(NULL, &plain, NULL, &fault), 0);
	assert_neg_errno(rh_tee_fault_arm(fault, &spec), EOPNOTSUPP);
	rh_tee_fault_free(fault);
}

/* Record a run with faults injected; replay reproduces the failures. */
static void test_record_faults(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_fault_spec spec = {
		.nth = 2,
		.cmd_mask = RH_TEE_FAULT_CMD(RH_OPTEE_MSG_CMD_INVOKE_COMMAND),
		.action = RH_TEE_FAULT_PANIC,
	};
	struct rh_tee_record *rec;
	struct rh_tee_fault *fault;
	struct rh_platform *plat;
	int first;

	assert_int_equal(rh_tee_fault_new(f->plat, f->emu_ops, f->emu_priv,
					  &fault),
			 0);
	assert_int_equal(rh_tee_fault_arm(fault, &spec), 0);
	assert_int_equal(rh_tee_record_new(f->plat, f->path, RH_TEE_RECORD,
					   rh_tee_fault_get_ops(), fault, &rec),
			 0);
	assert_int_equal(rh_platform_set_tee_backend(f->plat,
						     rh_tee_record_get_ops(), rec),
			 0);
	first = careful_client(f->plat);
	assert_int_equal(first, -EPIPE);
	assert_int_equal(rh_tee_record_finish(rec), 0);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, f->emu_ops,
						     f->emu_priv),
			 0);
	rh_tee_record_free(rec);
	rh_tee_fault_free(fault);

	assert_int_equal(rh_platform_new(NULL, &plat), 0);
	assert_int_equal(rh_tee_record_new(plat, f->path, RH_TEE_REPLAY, NULL,
					   NULL, &rec),
			 0);
	assert_int_equal(rh_platform_set_tee_backend(plat, rh_tee_record_get_ops(),
						     rec),
			 0);
	assert_int_equal(careful_client(plat), first);
	assert_int_equal(rh_tee_record_finish(rec), 0);
	rh_tee_record_free(rec);
	rh_platform_unref(plat);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_record_replay),
		T(test_replay_divergence),
		T(test_replay_divergence_shm),
		T(test_replay_leftover_and_overrun),
		T(test_bad_logs),
		T(test_fault_sweeps),
		T(test_fault_filters),
		T(test_fault_panic_needs_hook),
		T(test_record_faults),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
