// SPDX-License-Identifier: MIT
/* libFuzzer target: the TEE wire format in both directions (emulator entry, client answers). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rheap/platform.h>
#include <rheap/tee-backend.h>
#include <rheap/tee.h>

#include "optee/msg.h"
#include "optee/tee.h"
#include "test-ta.h"

/*
 * Secure side: each input is one message handed to the SMC entry of a
 * fresh emulator (no state leaks between inputs) that has the test TAs,
 * two registered buffers (cookies 1 and 2) and two open sessions (0x100 on
 * the single-instance TA, 0x201 on the multi-instance one). REGISTER_SHM
 * is only accepted inside the arena, mapped at a fixed address when
 * possible so the corpus can name it (fuzz/gen-corpus-tee-msg.py).
 *
 * Normal side: the same bytes are then the TEE's answer to an invoke and
 * an open-session of the client, which must reject or take them without
 * reading or writing outside what it owns.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARENA_ADDR 0x20000000UL
#define ARENA_SIZE 0x10000UL
#define SHM1_OFFS 0x1000UL /* cookie 1: 256 bytes */
#define SHM2_OFFS 0x2000UL /* cookie 2: 4096 bytes */

struct harness {
	bool ready;
	struct rh_platform *plat; /* NULL if the platform cannot be built */
	unsigned char *arena;
	struct rh_tee_context *ctx; /* on the answering backend below */
	struct rh_tee_shm *shm;
	uint32_t session; /* opened honestly at setup */
	const uint8_t *answer; /* NULL: answer honestly */
	size_t answer_size;
};

static struct harness H;

static void quiet(void *data, enum rh_log_level level, const char *msg)
{
}

/* ------------------------------------------------------------ secure side */

static void must(bool ok)
{
	if (!ok)
		abort();
}

static void setup_msg(struct rh_tee_emu *emu, struct rh_optee_msg_arg *m,
		      size_t size)
{
	must(rh_tee_emu_call(emu, m, size) == 0 && m->ret == RH_TEEC_SUCCESS);
}

static void open_session(struct rh_tee_emu *emu, const struct rh_ta_ops *ta)
{
	uint64_t buf[RH_OPTEE_MSG_GET_ARG_SIZE(2) / 8] = { 0 };
	struct rh_optee_msg_arg *m = (struct rh_optee_msg_arg *)buf;

	m->cmd = RH_OPTEE_MSG_CMD_OPEN_SESSION;
	m->num_params = 2;
	m->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT |
			    RH_OPTEE_MSG_ATTR_META;
	m->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT |
			    RH_OPTEE_MSG_ATTR_META;
	memcpy(&m->params[0].u.value, ta->uuid, 16);
	setup_msg(emu, m, sizeof(buf));
}

static void register_shm(struct rh_tee_emu *emu, size_t offs, size_t len,
			 uint64_t cookie)
{
	uint64_t buf[RH_OPTEE_MSG_GET_ARG_SIZE(1) / 8] = { 0 };
	struct rh_optee_msg_arg *m = (struct rh_optee_msg_arg *)buf;

	m->cmd = RH_OPTEE_MSG_CMD_REGISTER_SHM;
	m->num_params = 1;
	m->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	m->params[0].u.tmem.buf_ptr = (uintptr_t)(H.arena + offs);
	m->params[0].u.tmem.size = len;
	m->params[0].u.tmem.shm_ref = cookie;
	setup_msg(emu, m, sizeof(buf));
}

static void fuzz_secure_side(const uint8_t *data, size_t size)
{
	struct rh_tee_emu_stats st;
	struct rh_tee_emu *emu;
	unsigned char *msg;
	uint32_t origin;
	int ret;

	must(rh_tee_emu_new(H.plat, &emu) == 0);
	must(rh_test_ta_add_all(emu) == 0);
	must(rh_tee_emu_set_ns_window(emu, H.arena, ARENA_SIZE) == 0);
	register_shm(emu, SHM1_OFFS, 256, 1);
	register_shm(emu, SHM2_OFFS, 4096, 2);
	open_session(emu, &rh_test_ta_single);
	open_session(emu, &rh_test_ta_multi);

	/* An exact copy: ASan flags any read or write past the message. */
	msg = malloc(size ? size : 1);
	must(msg != NULL);
	if (size)
		memcpy(msg, data, size);
	ret = rh_tee_emu_call(emu, msg, size);
	if (size < sizeof(struct rh_optee_msg_arg)) {
		must(ret == -EINVAL);
	} else {
		must(ret == 0);
		memcpy(&origin, msg + offsetof(struct rh_optee_msg_arg, ret_origin),
		       sizeof(origin));
		must(origin == RH_TEEC_ORIGIN_TEE ||
		     origin == RH_TEEC_ORIGIN_TRUSTED_APP);
	}
	free(msg);

	rh_tee_emu_get_stats(emu, &st);
	must(st.sessions <= 3 && st.shm <= 3 && st.instances <= 3);
	rh_tee_emu_free(emu);
}

/* ------------------------------------------------------------ normal side */

static int answer_version(void *priv, struct rh_tee_ioctl_version_data *v)
{
	v->impl_id = RH_TEE_IMPL_ID_OPTEE;
	v->impl_caps = RH_TEE_OPTEE_CAP_TZ;
	v->gen_caps = RH_TEE_GEN_CAP_GP | RH_TEE_GEN_CAP_REG_MEM |
		      RH_TEE_GEN_CAP_MEMREF_NULL;
	return 0;
}

/* The fuzz input becomes the answer, as far as the message reaches. */
static int answer_fuzz(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	if (!H.answer) {
		msg->ret = RH_TEEC_SUCCESS;
		msg->ret_origin = RH_TEEC_ORIGIN_TRUSTED_APP;
		msg->session = 0x100;
		return 0;
	}
	memcpy(msg, H.answer, H.answer_size < size ? H.answer_size : size);
	return 0;
}

static int answer_ok(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	msg->ret = RH_TEEC_SUCCESS;
	msg->ret_origin = RH_TEEC_ORIGIN_TEE;
	return 0;
}

static const struct rh_tee_ops answer_ops = {
	.version = RH_TEE_OPS_VERSION,
	.get_version = answer_version,
	.open_session = answer_fuzz,
	.invoke = answer_fuzz,
	.close_session = answer_ok,
	.cancel = answer_ok,
	.shm_register = answer_ok,
	.shm_unregister = answer_ok,
};

static void client_params(struct rh_tee_param *p)
{
	memset(p, 0, 4 * sizeof(*p));
	p[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	p[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
	p[1].u.memref.shm = H.shm;
	p[1].u.memref.shm_offs = 16;
	p[1].u.memref.size = 32;
	p[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
	p[2].u.memref.size = 8; /* NULL memref */
	p[3].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	p[3].u.value.a = 5;
}

/* Whatever the answer, the client kept its inputs and references. */
static void check_params(const struct rh_tee_param *p)
{
	must(p[1].u.memref.shm == H.shm && p[1].u.memref.shm_offs == 16);
	must(p[2].u.memref.shm == NULL);
	must(p[3].u.value.a == 5);
}

static void fuzz_normal_side(const uint8_t *data, size_t size)
{
	struct rh_tee_ioctl_open_session_arg oarg;
	struct rh_tee_ioctl_invoke_arg arg;
	struct rh_tee_param p[4];

	if (!H.ctx)
		return;
	H.answer = data;
	H.answer_size = size;

	client_params(p);
	memset(&oarg, 0, sizeof(oarg));
	oarg.num_params = 4;
	must(rh_tee_client_open_session(H.ctx, &oarg, p) == 0);
	check_params(p);
	if (oarg.ret == RH_TEEC_SUCCESS)
		must(rh_tee_client_close_session(H.ctx, oarg.session) == 0);

	client_params(p);
	memset(&arg, 0, sizeof(arg));
	arg.session = H.session;
	arg.num_params = 4;
	must(rh_tee_client_invoke_func(H.ctx, &arg, p) == 0);
	check_params(p);
	H.answer = NULL;
}

/* ------------------------------------------------------------ setup */

static void setup(void)
{
	const struct rh_tee_ops *ops;
	void *arena;

	H.ready = true;
	/* One platform a process; without one the emulator runs standalone. */
	if (rh_platform_new(NULL, &H.plat))
		H.plat = NULL;
	if (H.plat)
		rh_platform_set_log_fn(H.plat, quiet, NULL);

	arena = mmap((void *)ARENA_ADDR, ARENA_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (arena == MAP_FAILED)
		arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	must(arena != MAP_FAILED);
	H.arena = arena;

	if (!H.plat)
		return;
	ops = &answer_ops;
	must(rh_platform_set_tee_backend(H.plat, ops, NULL) == 0);
	H.ctx = rh_tee_client_open_context(H.plat, NULL, NULL, NULL, NULL);
	must(!RH_IS_ERR_OR_NULL(H.ctx));
	H.shm = rh_tee_shm_alloc_kernel_buf(H.ctx, 64);
	must(!RH_IS_ERR(H.shm));
	{
		struct rh_tee_ioctl_open_session_arg oarg = { 0 };

		must(rh_tee_client_open_session(H.ctx, &oarg, NULL) == 0 &&
		     oarg.ret == RH_TEEC_SUCCESS);
		H.session = oarg.session;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!H.ready)
		setup();
	fuzz_secure_side(data, size);
	fuzz_normal_side(data, size);
	return 0;
}
