// SPDX-License-Identifier: MIT
/* Unit tests of the wire-format parser/encoder (emu/optee/msg.c). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "optee/msg.h"
#include "rh-test.h"

#define MAX_PARAMS 6

/* A message buffer big enough for OPEN_SESSION with four parameters. */
struct test_msg {
	uint64_t words[RH_OPTEE_MSG_GET_ARG_SIZE(MAX_PARAMS) / 8];
};

static struct rh_optee_msg_arg *msg_of(struct test_msg *m)
{
	return (struct rh_optee_msg_arg *)m->words;
}

static size_t msg_size(struct test_msg *m)
{
	return RH_OPTEE_MSG_GET_ARG_SIZE(msg_of(m)->num_params);
}

static void build_invoke(struct test_msg *m, uint32_t num)
{
	memset(m, 0, sizeof(*m));
	msg_of(m)->cmd = RH_OPTEE_MSG_CMD_INVOKE_COMMAND;
	msg_of(m)->func = 0x10000;
	msg_of(m)->session = 0x101;
	msg_of(m)->num_params = num;
}

static void build_open(struct test_msg *m, uint32_t num_ta)
{
	struct rh_optee_msg_arg *a = msg_of(m);
	static const uint8_t uuid[16] = { 0x44, 0x77, 0x58, 0x8a, 0x84, 0x76,
					  0x11, 0xe2, 0xad, 0x15, 0xe4, 0x1f,
					  0x13, 0x90, 0xd6, 0x76 };

	memset(m, 0, sizeof(*m));
	a->cmd = RH_OPTEE_MSG_CMD_OPEN_SESSION;
	a->num_params = 2 + num_ta;
	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT |
			    RH_OPTEE_MSG_ATTR_META;
	a->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT |
			    RH_OPTEE_MSG_ATTR_META;
	memcpy(&a->params[0].u.value, uuid, 16);
	a->params[1].u.value.c = RH_OPTEE_MSG_LOGIN_PUBLIC;
}

static void build_register(struct test_msg *m, uint64_t addr, uint64_t size,
			   uint64_t cookie)
{
	struct rh_optee_msg_arg *a = msg_of(m);

	memset(m, 0, sizeof(*m));
	a->cmd = RH_OPTEE_MSG_CMD_REGISTER_SHM;
	a->num_params = 1;
	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	a->params[0].u.tmem.buf_ptr = addr;
	a->params[0].u.tmem.size = size;
	a->params[0].u.tmem.shm_ref = cookie;
}

static void build_unregister(struct test_msg *m, uint64_t cookie)
{
	struct rh_optee_msg_arg *a = msg_of(m);

	memset(m, 0, sizeof(*m));
	a->cmd = RH_OPTEE_MSG_CMD_UNREGISTER_SHM;
	a->num_params = 1;
	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	a->params[0].u.rmem.shm_ref = cookie;
}

static uint32_t decode(struct test_msg *m, struct rh_emu_msg *out)
{
	return rh_emu_msg_decode(m->words, msg_size(m), out);
}

/* Every refusal explains itself (the core logs this text). */
static void assert_refused(struct test_msg *m, uint32_t res)
{
	struct rh_emu_msg out;

	assert_int_equal(decode(m, &out), res);
	assert_true(out.why[0] != '\0');
	assert_int_equal(out.num_params, 0);
}

static void test_layout(void **state)
{
	assert_int_equal(sizeof(struct rh_optee_msg_arg), 32);
	assert_int_equal(sizeof(struct rh_optee_msg_param), 32);
	assert_int_equal(RH_OPTEE_MSG_GET_ARG_SIZE(4), 160);
	assert_int_equal(RH_OPTEE_MSG_MAX_PARAMS, 127);
	assert_int_equal(offsetof(struct rh_optee_msg_arg, ret_origin), 24);
	assert_int_equal(offsetof(struct rh_optee_msg_param, u.rmem.shm_ref), 24);
	assert_int_equal(offsetof(struct rh_optee_msg_param, u.tmem.size), 16);
	assert_int_equal(offsetof(struct rh_optee_msg_param, u.value.c), 24);
}

static void test_valid_messages(void **state)
{
	struct rh_emu_msg out;
	struct test_msg m;

	build_invoke(&m, 0);
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(out.cmd, RH_OPTEE_MSG_CMD_INVOKE_COMMAND);
	assert_int_equal(out.func, 0x10000);
	assert_int_equal(out.session, 0x101);
	assert_int_equal(out.first, 0);

	build_invoke(&m, 4);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	msg_of(&m)->params[0].u.value.a = 11;
	msg_of(&m)->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INOUT;
	msg_of(&m)->params[1].u.rmem.shm_ref = 9;
	msg_of(&m)->params[1].u.rmem.size = 24;
	msg_of(&m)->params[2].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	msg_of(&m)->params[2].u.tmem.size = 100; /* NULL memref: size query */
	msg_of(&m)->params[3].attr = RH_OPTEE_MSG_ATTR_TYPE_NONE;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(out.num_params, 4);
	assert_int_equal(out.params[0].u.value.a, 11);
	assert_int_equal(out.params[1].u.mem.shm_ref, 9);
	assert_int_equal(out.params[2].u.mem.size, 100);
	assert_null(out.params[2].u.mem.buf);

	build_open(&m, 1);
	msg_of(&m)->params[1].u.value.c = RH_OPTEE_MSG_LOGIN_REE_KERNEL;
	msg_of(&m)->params[2].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(out.first, 2);
	assert_int_equal(out.ta_uuid[0], 0x44);
	assert_int_equal(out.ta_uuid[15], 0x76);
	assert_int_equal(out.login, RH_OPTEE_MSG_LOGIN_REE_KERNEL);

	build_register(&m, 0x1000, 4096, 7);
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	build_unregister(&m, 7);
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);

	memset(&m, 0, sizeof(m));
	msg_of(&m)->cmd = RH_OPTEE_MSG_CMD_CLOSE_SESSION;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	msg_of(&m)->cmd = RH_OPTEE_MSG_CMD_CANCEL;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
}

static void test_size_checks(void **state)
{
	struct rh_emu_msg out;
	unsigned char *big;
	struct test_msg m;

	build_invoke(&m, 2);
	/* Shorter than a header. */
	assert_int_equal(rh_emu_msg_decode(m.words, 31, &out),
			 RH_TEEC_ERROR_BAD_FORMAT);
	assert_int_equal(rh_emu_msg_decode(m.words, 0, &out),
			 RH_TEEC_ERROR_BAD_FORMAT);
	/* Size and num_params disagree, both ways. */
	assert_int_equal(rh_emu_msg_decode(m.words, msg_size(&m) - 32, &out),
			 RH_TEEC_ERROR_BAD_FORMAT);
	assert_int_equal(rh_emu_msg_decode(m.words, msg_size(&m) + 32, &out),
			 RH_TEEC_ERROR_BAD_FORMAT);
	assert_int_equal(rh_emu_msg_decode(m.words, msg_size(&m) - 1, &out),
			 RH_TEEC_ERROR_BAD_FORMAT);
	/* A count whose size computation would overflow 32 bits. */
	msg_of(&m)->num_params = 0x08000000;
	assert_refused(&m, RH_TEEC_ERROR_BAD_FORMAT);
	msg_of(&m)->num_params = UINT32_MAX;
	assert_int_equal(rh_emu_msg_decode(m.words, 32, &out),
			 RH_TEEC_ERROR_BAD_FORMAT);

	/* More than a page, even with a matching count. */
	big = calloc(1, RH_OPTEE_MSG_GET_ARG_SIZE(128));
	assert_non_null(big);
	((struct rh_optee_msg_arg *)big)->cmd = RH_OPTEE_MSG_CMD_INVOKE_COMMAND;
	((struct rh_optee_msg_arg *)big)->num_params = 128;
	assert_int_equal(rh_emu_msg_decode(big, RH_OPTEE_MSG_GET_ARG_SIZE(128),
					   &out),
			 RH_TEEC_ERROR_BAD_FORMAT);
	/* A page exactly is fine for the layout; the count check refuses. */
	((struct rh_optee_msg_arg *)big)->num_params = 127;
	assert_int_equal(rh_emu_msg_decode(big, RH_OPTEE_MSG_GET_ARG_SIZE(127),
					   &out),
			 RH_TEEC_ERROR_BAD_PARAMETERS);
	free(big);
}

static void test_header_checks(void **state)
{
	struct test_msg m;

	build_invoke(&m, 0);
	msg_of(&m)->pad = 1;
	assert_refused(&m, RH_TEEC_ERROR_BAD_FORMAT);

	build_invoke(&m, 0);
	msg_of(&m)->cmd = 6; /* DO_BOTTOM_HALF: not implemented here */
	assert_refused(&m, RH_TEEC_ERROR_NOT_IMPLEMENTED);
	msg_of(&m)->cmd = UINT32_MAX;
	assert_refused(&m, RH_TEEC_ERROR_NOT_IMPLEMENTED);
	assert_string_equal(rh_emu_msg_cmd_name(UINT32_MAX), "unknown");
	assert_string_equal(rh_emu_msg_cmd_name(RH_OPTEE_MSG_CMD_CANCEL),
			    "CANCEL");
}

static void test_param_counts(void **state)
{
	struct test_msg m;

	build_invoke(&m, 5);
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_open(&m, 0);
	msg_of(&m)->num_params = 1;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_open(&m, 4);
	msg_of(&m)->num_params = 7;
	/* Size matches 7 parameters but OPEN_SESSION allows 6 at most. */
	{
		uint64_t words[RH_OPTEE_MSG_GET_ARG_SIZE(7) / 8] = { 0 };
		struct rh_emu_msg out;

		memcpy(words, m.words, sizeof(m.words));
		assert_int_equal(rh_emu_msg_decode(words, sizeof(words), &out),
				 RH_TEEC_ERROR_BAD_PARAMETERS);
	}
	memset(&m, 0, sizeof(m));
	msg_of(&m)->cmd = RH_OPTEE_MSG_CMD_CLOSE_SESSION;
	msg_of(&m)->num_params = 1;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	msg_of(&m)->cmd = RH_OPTEE_MSG_CMD_CANCEL;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_register(&m, 0x1000, 1, 1);
	msg_of(&m)->num_params = 2;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_unregister(&m, 1);
	msg_of(&m)->num_params = 0;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
}

static void test_attr_checks(void **state)
{
	static const uint64_t bad_types[] = { 4, 8, 0xc, 0xd, 0xf, 0x10, 0xff };
	struct rh_optee_msg_param *p;
	struct test_msg m;
	size_t i;

	build_invoke(&m, 1);
	p = &msg_of(&m)->params[0];
	for (i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		p->attr = bad_types[i];
		assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	}
	/* Reserved bits: 10..15, 19..63. */
	p->attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | 1ULL << 10;
	assert_refused(&m, RH_TEEC_ERROR_BAD_FORMAT);
	p->attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | 1ULL << 19;
	assert_refused(&m, RH_TEEC_ERROR_BAD_FORMAT);
	p->attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | 1ULL << 63;
	assert_refused(&m, RH_TEEC_ERROR_BAD_FORMAT);
	/* Page lists are not supported. */
	p->attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT | RH_OPTEE_MSG_ATTR_NONCONTIG;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	/* Cache attributes: not on values, only "predefined" on memrefs. */
	p->attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT |
		  1ULL << RH_OPTEE_MSG_ATTR_CACHE_SHIFT;
	assert_refused(&m, RH_TEEC_ERROR_BAD_FORMAT);
	p->attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT |
		  3ULL << RH_OPTEE_MSG_ATTR_CACHE_SHIFT;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	/* A bad later parameter refuses the whole message. */
	build_invoke(&m, 3);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	msg_of(&m)->params[2].attr = 0x4;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
}

static void test_meta_misuse(void **state)
{
	struct test_msg m;

	/* Meta on a call. */
	build_invoke(&m, 1);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT |
				     RH_OPTEE_MSG_ATTR_META;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	/* OPEN_SESSION without meta first / second. */
	build_open(&m, 0);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_open(&m, 0);
	msg_of(&m)->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	/* Meta after the two leading ones. */
	build_open(&m, 1);
	msg_of(&m)->params[2].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT |
				     RH_OPTEE_MSG_ATTR_META;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	/* Meta parameters must be value inputs. */
	build_open(&m, 0);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT |
				     RH_OPTEE_MSG_ATTR_META;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_open(&m, 0);
	msg_of(&m)->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT |
				     RH_OPTEE_MSG_ATTR_META;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	/* Meta on REGISTER_SHM. */
	build_register(&m, 0x1000, 1, 1);
	msg_of(&m)->params[0].attr |= RH_OPTEE_MSG_ATTR_META;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	/* Unknown logins. */
	build_open(&m, 0);
	msg_of(&m)->params[1].u.value.c = 3;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	msg_of(&m)->params[1].u.value.c = 1ULL << 32;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
}

static void test_memory_checks(void **state)
{
	struct test_msg m;

	/* A cookie in a temporary memref of a call names nothing... */
	build_invoke(&m, 1);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	msg_of(&m)->params[0].u.tmem.shm_ref = 3;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	msg_of(&m)->params[0].u.tmem.buf_ptr = 0x1000;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	/* ...also in OPEN_SESSION. */
	build_open(&m, 1);
	msg_of(&m)->params[2].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INOUT;
	msg_of(&m)->params[2].u.tmem.shm_ref = 9;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	/*
	 * A bare address is a physical one: it passes the parser, and only
	 * the resolver can tell protected memory from anything else
	 * (test_resolve_protected).
	 */
	build_invoke(&m, 1);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	msg_of(&m)->params[0].u.tmem.buf_ptr = 0x1000;
	msg_of(&m)->params[0].u.tmem.size = 16;
	{
		struct rh_emu_msg out;

		assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	}

	/* REGISTER_SHM field checks. */
	build_register(&m, 0x1000, 64, 1);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INOUT;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_register(&m, 0x1000, 64, 1);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_register(&m, 0x1000, 64, 0);
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_register(&m, 0, 64, 1);
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_register(&m, 0x1000, 0, 1);
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_register(&m, 0x1000, RH_EMU_MSG_MAX_SHM_SIZE + 1, 1);
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_register(&m, UINT64_MAX - 10, 64, 1);
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);

	/* UNREGISTER_SHM field checks. */
	build_unregister(&m, 0);
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_unregister(&m, 5);
	msg_of(&m)->params[0].u.rmem.offs = 1;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_unregister(&m, 5);
	msg_of(&m)->params[0].u.rmem.size = 1;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_unregister(&m, 5);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
}

/* One registered buffer: cookie 42, 64 bytes. */
static unsigned char shm_buf[64];

static int lookup_one(void *data, uint64_t cookie, void **ret_base,
		      uint64_t *ret_size)
{
	int *calls = data;

	(*calls)++;
	if (cookie != 42)
		return -ENOENT;
	*ret_base = shm_buf;
	*ret_size = sizeof(shm_buf);
	return 0;
}

static void test_resolve(void **state)
{
	struct rh_emu_msg out;
	struct test_msg m;
	int calls = 0;

	build_invoke(&m, 2);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	msg_of(&m)->params[0].u.rmem.shm_ref = 42;
	msg_of(&m)->params[0].u.rmem.offs = 16;
	msg_of(&m)->params[0].u.rmem.size = 48; /* ends exactly at the end */
	msg_of(&m)->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(rh_emu_msg_resolve(&out, lookup_one, &calls),
			 RH_TEEC_SUCCESS);
	assert_int_equal(calls, 1); /* values are not looked up */
	assert_ptr_equal(out.params[0].u.mem.buf, shm_buf + 16);

	/* One byte past the end. */
	msg_of(&m)->params[0].u.rmem.size = 49;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(rh_emu_msg_resolve(&out, lookup_one, &calls),
			 RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_non_null(strstr(out.why, "outside"));
	/* offs + size wraps. */
	msg_of(&m)->params[0].u.rmem.offs = 2;
	msg_of(&m)->params[0].u.rmem.size = UINT64_MAX;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(rh_emu_msg_resolve(&out, lookup_one, &calls),
			 RH_TEEC_ERROR_BAD_PARAMETERS);
	/* Offset at the end with size 0 is a valid empty range. */
	msg_of(&m)->params[0].u.rmem.offs = 64;
	msg_of(&m)->params[0].u.rmem.size = 0;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(rh_emu_msg_resolve(&out, lookup_one, &calls),
			 RH_TEEC_SUCCESS);
	/* Unknown cookie. */
	msg_of(&m)->params[0].u.rmem.shm_ref = 43;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(rh_emu_msg_resolve(&out, lookup_one, &calls),
			 RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_non_null(strstr(out.why, "cookie"));
}

/* Protected memory: lend 7 covers PA 0x80000000 + 1 MiB, use case 1. */
#define PROT_PA 0x80000000ull
#define PROT_SIZE 0x100000ull
static unsigned char prot_view[64];
static int prot_holds;

static int prot_cookie(void *data, uint64_t cookie, uint64_t offs, uint64_t size,
		       bool write, struct rh_emu_prot_ref *ret_ref)
{
	uint64_t end;

	if (cookie != 7)
		return -ENOENT;
	if (__builtin_add_overflow(offs, size, &end) || end > PROT_SIZE)
		return -ERANGE;
	prot_holds++;
	ret_ref->region = prot_view;
	ret_ref->buf = prot_view + (offs % 32);
	ret_ref->use_case = RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY;
	return 0;
}

static int prot_pa(void *data, uint64_t pa, uint64_t size, bool write,
		   struct rh_emu_prot_ref *ret_ref)
{
	if (pa < PROT_PA || pa - PROT_PA >= PROT_SIZE || size > PROT_SIZE - (pa - PROT_PA))
		return -ENOENT;
	return prot_cookie(data, 7, pa - PROT_PA, size, write, ret_ref);
}

static void prot_put(void *data, void *region)
{
	assert_ptr_equal(region, prot_view);
	prot_holds--;
}

static const struct rh_emu_mem_resolver prot_resolver = {
	.shm = lookup_one,
	.prot_cookie = prot_cookie,
	.prot_pa = prot_pa,
	.prot_put = prot_put,
};

static void test_resolve_protected(void **state)
{
	struct rh_ta_param ta[RH_TA_NUM_PARAMS];
	struct rh_emu_msg out;
	struct test_msg m;
	int calls = 0;

	/* A registered buffer, a lend by cookie, a protected PA, a NULL memref. */
	build_invoke(&m, 4);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	msg_of(&m)->params[0].u.rmem.shm_ref = 42;
	msg_of(&m)->params[0].u.rmem.size = 8;
	msg_of(&m)->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	msg_of(&m)->params[1].u.rmem.shm_ref = 7;
	msg_of(&m)->params[1].u.rmem.offs = 4;
	msg_of(&m)->params[1].u.rmem.size = 8;
	msg_of(&m)->params[2].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INOUT;
	msg_of(&m)->params[2].u.tmem.buf_ptr = PROT_PA + 2;
	msg_of(&m)->params[2].u.tmem.size = 4;
	msg_of(&m)->params[3].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(rh_emu_msg_resolve_mem(&out, &prot_resolver, &calls), RH_TEEC_SUCCESS);
	assert_int_equal(prot_holds, 2);
	assert_ptr_equal(out.params[0].u.mem.buf, shm_buf);
	assert_int_equal(out.params[0].u.mem.prot, 0);
	assert_ptr_equal(out.params[1].u.mem.buf, prot_view + 4);
	assert_int_equal(out.params[1].u.mem.prot, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY);
	assert_ptr_equal(out.params[2].u.mem.buf, prot_view + 2);
	assert_null(out.params[3].u.mem.buf);
	/* The TA sees which memory is protected and for which use case. */
	rh_emu_msg_to_ta(&out, ta);
	assert_int_equal(ta[0].u.memref.prot, 0);
	assert_int_equal(ta[1].u.memref.prot, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY);
	assert_int_equal(ta[2].u.memref.prot, RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY);
	rh_emu_msg_release_mem(&out, &prot_resolver, &calls);
	assert_int_equal(prot_holds, 0);
	/* Released twice is released once. */
	rh_emu_msg_release_mem(&out, &prot_resolver, &calls);
	assert_int_equal(prot_holds, 0);

	/* Past the end of the lend: refused, and what was held is let go. */
	msg_of(&m)->params[1].u.rmem.offs = PROT_SIZE - 4;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(rh_emu_msg_resolve_mem(&out, &prot_resolver, &calls),
			 RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_non_null(strstr(out.why, "outside protected memory"));
	assert_int_equal(prot_holds, 0);
	/* A PA outside protected memory, held lends released again. */
	msg_of(&m)->params[1].u.rmem.offs = 0;
	msg_of(&m)->params[2].u.tmem.buf_ptr = PROT_PA - 4;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(rh_emu_msg_resolve_mem(&out, &prot_resolver, &calls),
			 RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_non_null(strstr(out.why, "not protected memory"));
	assert_int_equal(prot_holds, 0);
	/* Straddling the end of the protected range. */
	msg_of(&m)->params[2].u.tmem.buf_ptr = PROT_PA + PROT_SIZE - 2;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(rh_emu_msg_resolve_mem(&out, &prot_resolver, &calls),
			 RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(prot_holds, 0);
	/* Without protected-memory callbacks, a PA and a lend cookie are nothing. */
	msg_of(&m)->params[2].u.tmem.buf_ptr = PROT_PA;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(rh_emu_msg_resolve(&out, lookup_one, &calls),
			 RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_non_null(strstr(out.why, "cookie 0x7"));
	msg_of(&m)->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_NONE;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(rh_emu_msg_resolve(&out, lookup_one, &calls),
			 RH_TEEC_ERROR_BAD_PARAMETERS);
	assert_non_null(strstr(out.why, "not protected memory"));
}

static void build_lend(struct test_msg *m, uint64_t use_case, uint64_t pa,
		       uint64_t size, uint64_t cookie)
{
	struct rh_optee_msg_arg *a = msg_of(m);

	memset(m, 0, sizeof(*m));
	a->cmd = RH_OPTEE_MSG_CMD_LEND_PROTMEM;
	a->num_params = 2;
	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	a->params[0].u.value.a = use_case;
	a->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	a->params[1].u.tmem.buf_ptr = pa;
	a->params[1].u.tmem.size = size;
	a->params[1].u.tmem.shm_ref = cookie;
}

static void build_config(struct test_msg *m, uint64_t use_case)
{
	struct rh_optee_msg_arg *a = msg_of(m);

	memset(m, 0, sizeof(*m));
	a->cmd = RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG;
	a->num_params = 2;
	a->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	a->params[0].u.value.a = use_case;
	a->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
}

/* LEND_PROTMEM, RECLAIM_PROTMEM, GET_PROTMEM_CONFIG: the parser's part. */
static void test_protmem_messages(void **state)
{
	struct rh_emu_msg out;
	struct test_msg m;

	build_lend(&m, 1, 0x80000000, 0x100000, 5);
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(out.params[0].u.value.a, 1);
	assert_int_equal(out.params[1].u.mem.addr, 0x80000000);
	assert_int_equal(out.params[1].u.mem.size, 0x100000);
	assert_int_equal(out.params[1].u.mem.shm_ref, 5);
	assert_string_equal(rh_emu_msg_cmd_name(RH_OPTEE_MSG_CMD_LEND_PROTMEM), "LEND_PROTMEM");
	/* One parameter short, one too many. */
	msg_of(&m)->num_params = 1;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_lend(&m, 1, 0x80000000, 0x100000, 5);
	msg_of(&m)->num_params = 3;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	/* Types, cookie, address, size, wrap. */
	build_lend(&m, 1, 0x80000000, 0x100000, 5);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_lend(&m, 1, 0x80000000, 0x100000, 5);
	msg_of(&m)->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_lend(&m, 1, 0x80000000, 0x100000, 5);
	msg_of(&m)->params[1].attr |= RH_OPTEE_MSG_ATTR_NONCONTIG;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_lend(&m, 1, 0x80000000, 0x100000, 0);
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_lend(&m, 1, 0, 0x100000, 5);
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_lend(&m, 1, 0x80000000, 0, 5);
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_lend(&m, 1, UINT64_MAX - 0xfff, 0x2000, 5);
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);

	/* RECLAIM_PROTMEM: an rmem input with the cookie only. */
	build_unregister(&m, 5);
	msg_of(&m)->cmd = RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(out.params[0].u.mem.shm_ref, 5);
	msg_of(&m)->params[0].u.rmem.size = 1;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_unregister(&m, 0);
	msg_of(&m)->cmd = RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	/* The value input optee_msg.h's comment describes is not what is sent. */
	build_unregister(&m, 5);
	msg_of(&m)->cmd = RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM;
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	msg_of(&m)->num_params = 2;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);

	/* GET_PROTMEM_CONFIG: a size query, then an rmem output. */
	build_config(&m, 1);
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	msg_of(&m)->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	msg_of(&m)->params[1].u.rmem.shm_ref = 42;
	msg_of(&m)->params[1].u.rmem.size = 16;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	/* Not an input, not a tmem with an address or cookie, not a value. */
	msg_of(&m)->params[1].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_config(&m, 1);
	msg_of(&m)->params[1].u.tmem.buf_ptr = 0x1000;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_config(&m, 1);
	msg_of(&m)->params[1].u.tmem.shm_ref = 2;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_config(&m, 1);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);
	build_config(&m, 1);
	msg_of(&m)->num_params = 1;
	assert_refused(&m, RH_TEEC_ERROR_BAD_PARAMETERS);

	/* The commands between (DO_BOTTOM_HALF, STOP_ASYNC_NOTIF) and after. */
	build_config(&m, 1);
	msg_of(&m)->cmd = 6;
	assert_refused(&m, RH_TEEC_ERROR_NOT_IMPLEMENTED);
	msg_of(&m)->cmd = 7;
	assert_refused(&m, RH_TEEC_ERROR_NOT_IMPLEMENTED);
	msg_of(&m)->cmd = 11;
	assert_refused(&m, RH_TEEC_ERROR_NOT_IMPLEMENTED);
	assert_string_equal(rh_emu_msg_cmd_name(6), "unknown");
	assert_string_equal(rh_emu_msg_cmd_name(11), "unknown");
}

static void test_ta_view_and_outputs(void **state)
{
	struct rh_ta_param ta[RH_TA_NUM_PARAMS];
	struct rh_emu_msg out;
	struct test_msg m;
	struct rh_optee_msg_param *p;
	uint32_t types;
	int calls = 0;

	build_open(&m, 4);
	p = msg_of(&m)->params;
	p[2].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	p[2].u.value.a = 99; /* an output's input value is not shown */
	p[3].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	p[3].u.value.a = 5;
	p[3].u.value.b = 6;
	p[3].u.value.c = 7;
	p[4].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	p[4].u.rmem.shm_ref = 42;
	p[4].u.rmem.size = 8;
	p[5].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INOUT;
	p[5].u.tmem.size = 3;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	assert_int_equal(rh_emu_msg_resolve(&out, lookup_one, &calls),
			 RH_TEEC_SUCCESS);
	types = rh_emu_msg_to_ta(&out, ta);
	assert_int_equal(types, RH_TA_PARAM_TYPES(RH_TA_PARAM_VALUE_OUTPUT,
						  RH_TA_PARAM_VALUE_INOUT,
						  RH_TA_PARAM_MEMREF_OUTPUT,
						  RH_TA_PARAM_MEMREF_INOUT));
	assert_int_equal(ta[0].type, RH_TA_PARAM_VALUE_OUTPUT);
	assert_int_equal(ta[0].u.value.a, 0);
	assert_int_equal(ta[1].u.value.c, 7);
	assert_ptr_equal(ta[2].u.memref.buffer, shm_buf);
	assert_int_equal(ta[2].u.memref.size, 8);
	assert_null(ta[3].u.memref.buffer);
	assert_int_equal(ta[3].u.memref.size, 3);

	ta[0].u.value.a = 0x1111;
	ta[0].u.value.b = 0x2222;
	ta[0].u.value.c = 0x3333;
	ta[1].u.value.a = 0x4444;
	ta[2].u.memref.size = 4096; /* SHORT_BUFFER style answer */
	ta[3].u.memref.size = 1;
	rh_emu_msg_from_ta(&out, ta);
	rh_emu_msg_write_outputs(m.words, &out);
	rh_emu_msg_set_result(m.words, RH_TEEC_ERROR_SHORT_BUFFER,
			      RH_TEEC_ORIGIN_TRUSTED_APP);
	rh_emu_msg_set_session(m.words, 0x1234);
	assert_int_equal(p[2].u.value.a, 0x1111);
	assert_int_equal(p[2].u.value.c, 0x3333);
	assert_int_equal(p[3].u.value.a, 0x4444);
	assert_int_equal(p[3].u.value.b, 6);
	assert_int_equal(p[4].u.rmem.size, 4096);
	assert_int_equal(p[4].u.rmem.shm_ref, 42); /* inputs untouched */
	assert_int_equal(p[5].u.tmem.size, 1);
	assert_int_equal(p[0].u.value.c, 0); /* meta untouched */
	assert_int_equal(msg_of(&m)->ret, RH_TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(msg_of(&m)->ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(msg_of(&m)->session, 0x1234);

	/* Missing parameters are NONE for the TA. */
	build_invoke(&m, 1);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	assert_int_equal(decode(&m, &out), RH_TEEC_SUCCESS);
	types = rh_emu_msg_to_ta(&out, ta);
	assert_int_equal(types, RH_TA_PARAM_VALUE_INPUT);
	assert_int_equal(ta[3].type, RH_TA_PARAM_NONE);
}

/* The decoder copies: later changes to the buffer do not reach @out. */
static void test_private_copy_unaligned(void **state)
{
	unsigned char *raw;
	struct rh_emu_msg out;
	struct test_msg m;
	size_t size;

	build_invoke(&m, 1);
	msg_of(&m)->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	msg_of(&m)->params[0].u.value.a = 5;
	size = msg_size(&m);
	/* Exactly sized heap copy at an odd address: ASan catches overreads. */
	raw = malloc(size + 1);
	assert_non_null(raw);
	memcpy(raw + 1, m.words, size);
	assert_int_equal(rh_emu_msg_decode(raw + 1, size, &out), RH_TEEC_SUCCESS);
	memset(raw + 1, 0xff, size);
	assert_int_equal(out.params[0].u.value.a, 5);
	assert_int_equal(out.cmd, RH_OPTEE_MSG_CMD_INVOKE_COMMAND);
	out.params[0].u.value.a = 77;
	rh_emu_msg_write_outputs(raw + 1, &out);
	memcpy(m.words, raw + 1, size);
	assert_int_equal(msg_of(&m)->params[0].u.value.a, 77);
	free(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_valid_messages),
		cmocka_unit_test(test_size_checks),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_param_counts),
		cmocka_unit_test(test_attr_checks),
		cmocka_unit_test(test_meta_misuse),
		cmocka_unit_test(test_memory_checks),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_protected),
		cmocka_unit_test(test_protmem_messages),
		cmocka_unit_test(test_ta_view_and_outputs),
		cmocka_unit_test(test_private_copy_unaligned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
