// SPDX-License-Identifier: MIT
/* Unit tests of the GP TEE Client API façade (src/tee/teec.c), libteec semantics. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rheap/alloc.h>
#include <rheap/platform.h>
#include <rheap/teec.h>

#include <rheap/tee-backend.h>
#include <rheap/tee-mock.h>
#include "rh-test.h"
#include "optee/tee.h"
#include "test-ta.h"

/* c0ffee00-7e57-4000-8000-00000000000N as GP fields. */
#define TEST_TEEC_UUID(n) \
	{ 0xc0ffee00, 0x7e57, 0x4000, { 0x80, 0, 0, 0, 0, 0, 0, n } }

static const TEEC_UUID uuid_multi = TEST_TEEC_UUID(1);
static const TEEC_UUID uuid_single = TEST_TEEC_UUID(2);

struct fixture {
	struct rh_platform *plat;
	struct rh_tee_emu *emu;
	TEEC_Context ctx;
	TEEC_Session sess;
};

static struct rh_tee_emu_stats stats(struct fixture *f)
{
	struct rh_tee_emu_stats st;

	rh_tee_emu_get_stats(f->emu, &st);
	return st;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint32_t origin = 0;

	assert_non_null(f);
	assert_int_equal(rh_platform_new(NULL, &f->plat), 0);
	f->emu = rh_tee_emu_of(f->plat);
	assert_int_equal(rh_test_ta_add_all(f->emu), 0);
	assert_int_equal(rh_TEEC_InitializeContext(f->plat, NULL, &f->ctx),
			 TEEC_SUCCESS);
	assert_int_equal(TEEC_OpenSession(&f->ctx, &f->sess, &uuid_single,
					  TEEC_LOGIN_PUBLIC, NULL, NULL, &origin),
			 TEEC_SUCCESS);
	assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	TEEC_CloseSession(&f->sess);
	TEEC_FinalizeContext(&f->ctx);
	assert_int_equal(stats(f).sessions, 0);
	assert_int_equal(stats(f).shm, 0);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static TEEC_Result invoke(struct fixture *f, uint32_t cmd, TEEC_Operation *op,
			  uint32_t *origin)
{
	*origin = 0xdead;
	return TEEC_InvokeCommand(&f->sess, cmd, op, origin);
}

/* ------------------------------------------------------------ context */

static void test_initialize_context(void **state)
{
	struct fixture *f = *state;
	const struct rh_tee_ioctl_version_data amd = {
		.impl_id = RH_TEE_IMPL_ID_AMDTEE,
		.gen_caps = RH_TEE_GEN_CAP_GP | RH_TEE_GEN_CAP_REG_MEM,
	};
	const struct rh_tee_ioctl_version_data not_gp = {
		.impl_id = RH_TEE_IMPL_ID_OPTEE,
		.impl_caps = RH_TEE_OPTEE_CAP_TZ,
	};
	TEEC_Context c;

	assert_int_equal(rh_TEEC_InitializeContext(f->plat, NULL, NULL),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(rh_TEEC_InitializeContext(NULL, NULL, &c),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(rh_TEEC_InitializeContext(f->plat, "other-tee", &c),
			 TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(rh_TEEC_InitializeContext(f->plat, "optee-tz", &c),
			 TEEC_SUCCESS);
	TEEC_FinalizeContext(&c);
	TEEC_FinalizeContext(&c); /* twice: harmless */
	TEEC_FinalizeContext(NULL);

	/* No TEE at all, a TEE without GP, another implementation. */
	TEEC_CloseSession(&f->sess);
	TEEC_FinalizeContext(&f->ctx);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, NULL, NULL), 0);
	assert_int_equal(rh_TEEC_InitializeContext(f->plat, NULL, &c),
			 TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, rh_mock_tee_ops(),
						     NULL),
			 0);
	rh_mock_tee_expect_version(&not_gp);
	assert_int_equal(rh_TEEC_InitializeContext(f->plat, NULL, &c),
			 TEEC_ERROR_ITEM_NOT_FOUND);
	rh_mock_tee_expect_version(&amd);
	assert_int_equal(rh_TEEC_InitializeContext(f->plat, "optee-tz", &c),
			 TEEC_ERROR_ITEM_NOT_FOUND);
	rh_mock_tee_expect_version(&amd);
	assert_int_equal(rh_TEEC_InitializeContext(f->plat, NULL, &c),
			 TEEC_SUCCESS);
	TEEC_FinalizeContext(&c);
	{
		const struct rh_tee_ops *ops;
		void *priv;

		assert_int_equal(rh_platform_get_default_tee_backend(f->plat, &ops,
								     &priv),
				 0);
		assert_int_equal(rh_platform_set_tee_backend(f->plat, ops, priv), 0);
	}
	assert_int_equal(rh_TEEC_InitializeContext(f->plat, NULL, &f->ctx),
			 TEEC_SUCCESS);
	assert_int_equal(TEEC_OpenSession(&f->ctx, &f->sess, &uuid_single,
					  TEEC_LOGIN_PUBLIC, NULL, NULL, NULL),
			 TEEC_SUCCESS);
}

/* ------------------------------------------------------------ shared memory */

static void test_shared_memory(void **state)
{
	struct fixture *f = *state;
	TEEC_SharedMemory shm;
	unsigned char buf[32], *p;
	size_t i;

	memset(&shm, 0, sizeof(shm));
	assert_int_equal(TEEC_AllocateSharedMemory(NULL, &shm),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(TEEC_AllocateSharedMemory(&f->ctx, NULL),
			 TEEC_ERROR_BAD_PARAMETERS);
	shm.size = 16;
	shm.flags = 0;
	assert_int_equal(TEEC_AllocateSharedMemory(&f->ctx, &shm),
			 TEEC_ERROR_BAD_PARAMETERS);
	shm.flags = TEEC_MEM_INPUT | 4;
	assert_int_equal(TEEC_AllocateSharedMemory(&f->ctx, &shm),
			 TEEC_ERROR_BAD_PARAMETERS);
	shm.flags = TEEC_MEM_INPUT;
	shm.buffer = NULL;
	assert_int_equal(TEEC_RegisterSharedMemory(&f->ctx, &shm),
			 TEEC_ERROR_BAD_PARAMETERS);
	/* The flags rules hold for registered memory too. */
	shm.buffer = buf;
	shm.flags = 0;
	assert_int_equal(TEEC_RegisterSharedMemory(&f->ctx, &shm),
			 TEEC_ERROR_BAD_PARAMETERS);
	shm.flags = TEEC_MEM_OUTPUT | 8;
	assert_int_equal(TEEC_RegisterSharedMemory(&f->ctx, &shm),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(TEEC_RegisterSharedMemory(NULL, &shm),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(TEEC_RegisterSharedMemory(&f->ctx, NULL),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_null(shm.imp_shm);
	assert_int_equal(stats(f).shm, 0);

	shm.size = 100;
	shm.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	assert_int_equal(TEEC_AllocateSharedMemory(&f->ctx, &shm), TEEC_SUCCESS);
	p = shm.buffer;
	assert_non_null(p);
	for (i = 0; i < 100; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(stats(f).shm, 1);
	TEEC_ReleaseSharedMemory(&shm);
	assert_null(shm.buffer);
	assert_int_equal(stats(f).shm, 0);
	TEEC_ReleaseSharedMemory(&shm); /* again: no-op */
	TEEC_ReleaseSharedMemory(NULL);

	/* Size 0 is allowed for both. */
	shm.size = 0;
	assert_int_equal(TEEC_AllocateSharedMemory(&f->ctx, &shm), TEEC_SUCCESS);
	assert_non_null(shm.buffer);
	TEEC_ReleaseSharedMemory(&shm);
	shm.buffer = buf;
	assert_int_equal(TEEC_RegisterSharedMemory(&f->ctx, &shm), TEEC_SUCCESS);
	assert_int_equal(stats(f).shm, 0);
	TEEC_ReleaseSharedMemory(&shm);
	assert_null(shm.buffer);

	shm.buffer = buf;
	shm.size = sizeof(buf);
	assert_int_equal(TEEC_RegisterSharedMemory(&f->ctx, &shm), TEEC_SUCCESS);
	assert_ptr_equal(shm.buffer, buf);
	assert_int_equal(stats(f).shm, 1);
	TEEC_ReleaseSharedMemory(&shm);
	assert_int_equal(stats(f).shm, 0);
}

/* ------------------------------------------------------------ sessions */

static void test_open_session(void **state)
{
	struct fixture *f = *state;
	const TEEC_UUID swapped = { 0x00eeffc0, 0x577e, 0x0040,
				    { 0x80, 0, 0, 0, 0, 0, 0, 2 } };
	TEEC_Operation op;
	TEEC_Session s;
	uint32_t origin, gid;

	assert_int_equal(TEEC_OpenSession(NULL, &s, &uuid_multi, 0, NULL, NULL,
					  &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_API);
	assert_int_equal(TEEC_OpenSession(&f->ctx, NULL, &uuid_multi, 0, NULL,
					  NULL, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(TEEC_OpenSession(&f->ctx, &s, NULL, 0, NULL, NULL,
					  &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_API);
	/* The UUID goes out big-endian: the byte-swapped one is unknown. */
	assert_int_equal(TEEC_OpenSession(&f->ctx, &s, &swapped, 0, NULL, NULL,
					  &origin),
			 TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(origin, TEEC_ORIGIN_TEE);
	/* GROUP needs its gid as connection data. */
	assert_int_equal(TEEC_OpenSession(&f->ctx, &s, &uuid_multi,
					  TEEC_LOGIN_GROUP, NULL, NULL, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_API);
	gid = getegid();
	assert_int_equal(TEEC_OpenSession(&f->ctx, &s, &uuid_multi,
					  TEEC_LOGIN_GROUP, &gid, NULL, &origin),
			 TEEC_SUCCESS);
	TEEC_CloseSession(&s);
	/* A login the kernel refuses: the layer below says EINVAL. */
	assert_int_equal(TEEC_OpenSession(&f->ctx, &s, &uuid_multi,
					  TEEC_LOGIN_APPLICATION, NULL, NULL,
					  &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_COMMS);
	/*
	 * The REE-kernel logins are the kernel's: a GP client is user space,
	 * refused with EPERM below (libteec: GENERIC from COMMS), and the TEE
	 * never sees the request.
	 */
	{
		static const uint32_t kernel_logins[] = {
			RH_TEE_IOCTL_LOGIN_REE_KERNEL, 0x80000001u,
			RH_TEE_IOCTL_LOGIN_REE_KERNEL_MAX,
		};
		struct rh_tee_emu_stats before = stats(f);
		unsigned int i;

		for (i = 0; i < 3; i++) {
			origin = 0;
			assert_int_equal(TEEC_OpenSession(&f->ctx, &s, &uuid_multi,
							  kernel_logins[i], NULL,
							  NULL, &origin),
					 TEEC_ERROR_GENERIC);
			assert_int_equal(origin, TEEC_ORIGIN_COMMS);
		}
		assert_int_equal(stats(f).calls, before.calls);
		/* Past the kernel range: an unknown login, EINVAL. */
		assert_int_equal(TEEC_OpenSession(&f->ctx, &s, &uuid_multi,
						  0xC0000000u, NULL, NULL, &origin),
				 TEEC_ERROR_BAD_PARAMETERS);
		assert_int_equal(origin, TEEC_ORIGIN_COMMS);
	}

	/* Operation outputs of the open; the TA's refusal. */
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT,
					 TEEC_NONE, TEEC_NONE);
	assert_int_equal(TEEC_OpenSession(&f->ctx, &s, &uuid_multi,
					  TEEC_LOGIN_USER, NULL, &op, &origin),
			 TEEC_SUCCESS);
	assert_int_equal(op.params[1].value.a, TEST_TA_OPEN_MAGIC);
	TEEC_CloseSession(&s);
	TEEC_CloseSession(&s); /* closed: no-op */
	TEEC_CloseSession(NULL);
	op.params[0].value.a = TEEC_ERROR_ACCESS_DENIED;
	assert_int_equal(TEEC_OpenSession(&f->ctx, &s, &uuid_multi,
					  TEEC_LOGIN_PUBLIC, NULL, &op, &origin),
			 TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);
	/* The operation is checked as for an invoke, before the TEE sees it. */
	{
		struct rh_tee_emu_stats before = stats(f);

		op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, 0xA, TEEC_NONE,
						 TEEC_NONE);
		assert_int_equal(TEEC_OpenSession(&f->ctx, &s, &uuid_multi,
						  TEEC_LOGIN_PUBLIC, NULL, &op,
						  &origin),
				 TEEC_ERROR_BAD_PARAMETERS);
		assert_int_equal(origin, TEEC_ORIGIN_API);
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
						 TEEC_NONE, TEEC_NONE, TEEC_NONE);
		op.params[0].memref.parent = NULL;
		assert_int_equal(TEEC_OpenSession(&f->ctx, &s, &uuid_multi,
						  TEEC_LOGIN_PUBLIC, NULL, &op,
						  &origin),
				 TEEC_ERROR_BAD_PARAMETERS);
		assert_int_equal(origin, TEEC_ORIGIN_API);
		assert_int_equal(stats(f).calls, before.calls);
		assert_int_equal(stats(f).sessions, before.sessions);
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT,
						 TEEC_VALUE_OUTPUT, TEEC_NONE,
						 TEEC_NONE);
	}
	/* returnOrigin may be NULL. */
	op.params[0].value.a = 0;
	assert_int_equal(TEEC_OpenSession(&f->ctx, &s, &uuid_multi,
					  TEEC_LOGIN_PUBLIC, NULL, &op, NULL),
			 TEEC_SUCCESS);
	TEEC_CloseSession(&s);
}

/* ------------------------------------------------------------ invoke */

static void test_invoke_values(void **state)
{
	struct fixture *f = *state;
	TEEC_Operation op;
	uint32_t origin;

	assert_int_equal(TEEC_InvokeCommand(NULL, TEST_TA_CMD_NOP, NULL, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_API);
	/* A closed session is refused by this layer too. */
	{
		TEEC_Session closed;
		struct rh_tee_emu_stats before = stats(f);

		assert_int_equal(TEEC_OpenSession(&f->ctx, &closed, &uuid_multi,
						  TEEC_LOGIN_PUBLIC, NULL, NULL,
						  NULL),
				 TEEC_SUCCESS);
		TEEC_CloseSession(&closed);
		before.calls = stats(f).calls;
		assert_int_equal(TEEC_InvokeCommand(&closed, TEST_TA_CMD_NOP, NULL,
						    &origin),
				 TEEC_ERROR_BAD_PARAMETERS);
		assert_int_equal(origin, TEEC_ORIGIN_API);
		assert_int_equal(stats(f).calls, before.calls);
	}
	/* A NULL operation: every parameter NONE. */
	assert_int_equal(invoke(f, TEST_TA_CMD_NOP, NULL, &origin), TEEC_SUCCESS);
	assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT,
					 TEEC_VALUE_INOUT, TEEC_NONE);
	op.params[0].value.a = 30;
	op.params[0].value.b = 0xffffffff;
	op.params[1].value.a = 77;
	op.params[2].value.a = 12;
	op.params[2].value.b = 1;
	assert_int_equal(invoke(f, TEST_TA_CMD_VALUES, &op, &origin),
			 TEEC_SUCCESS);
	assert_int_equal(op.params[1].value.a, 42);
	assert_int_equal(op.params[1].value.b, 0); /* 32-bit GP values wrap */
	assert_int_equal(op.params[2].value.a, 60);
	assert_int_equal(op.params[2].value.b, 0xfffffffe);
	assert_int_equal(op.params[0].value.a, 30);
	assert_int_equal(op.started, 1);

	/* The TA's answer to wrong types. */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE,
					 TEEC_NONE);
	assert_int_equal(invoke(f, TEST_TA_CMD_VALUES, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);
}

static void test_invoke_bad_types(void **state)
{
	struct fixture *f = *state;
	static const uint32_t bad[] = { 4, 8, 9, 0xA, 0xB };
	struct rh_tee_emu_stats before = stats(f);
	TEEC_Operation op;
	uint32_t origin;
	size_t i, slot;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (slot = 0; slot < 4; slot++) {
			memset(&op, 0, sizeof(op));
			op.paramTypes = bad[i] << (4 * slot);
			assert_int_equal(invoke(f, TEST_TA_CMD_NOP, &op, &origin),
					 TEEC_ERROR_BAD_PARAMETERS);
			assert_int_equal(origin, TEEC_ORIGIN_API);
		}
	}
	/* Temp memref without a buffer but with a size. */
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref.size = 4;
	assert_int_equal(invoke(f, TEST_TA_CMD_NOP, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_API);
	/* Registered memrefs without a parent. */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_NONE, TEEC_MEMREF_WHOLE, TEEC_NONE,
					 TEEC_NONE);
	assert_int_equal(invoke(f, TEST_TA_CMD_NOP, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_NONE, TEEC_NONE, TEEC_NONE,
					 TEEC_MEMREF_PARTIAL_INOUT);
	assert_int_equal(invoke(f, TEST_TA_CMD_NOP, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_API);
	/* None of these reached the TEE. */
	assert_int_equal(stats(f).calls, before.calls);
}

static void test_temp_memrefs(void **state)
{
	struct fixture *f = *state;
	unsigned char src[64], dst[64];
	TEEC_Operation op;
	uint32_t origin;
	size_t i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7);
	memset(dst, 0, sizeof(dst));
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT,
					 TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].tmpref.buffer = src;
	op.params[0].tmpref.size = 40;
	op.params[1].tmpref.buffer = dst;
	op.params[1].tmpref.size = sizeof(dst);
	assert_int_equal(invoke(f, TEST_TA_CMD_ECHO, &op, &origin), TEEC_SUCCESS);
	assert_memory_equal(dst, src, 40);
	assert_int_equal(op.params[1].tmpref.size, 40);
	assert_int_equal(op.params[0].tmpref.size, 40);
	/* Temporary registrations are gone after the call. */
	assert_int_equal(stats(f).shm, 0);

	/* SHORT_BUFFER: the size needed is written back. */
	op.params[1].tmpref.size = 8;
	assert_int_equal(invoke(f, TEST_TA_CMD_ECHO, &op, &origin),
			 TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(op.params[1].tmpref.size, 40);
	/* A NULL output buffer of size 0 asks for the size. */
	op.params[1].tmpref.buffer = NULL;
	op.params[1].tmpref.size = 0;
	assert_int_equal(invoke(f, TEST_TA_CMD_ECHO, &op, &origin),
			 TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(op.params[1].tmpref.size, 40);
	/* Zero-size temp memrefs are fine (xtest 1016). */
	op.params[0].tmpref.size = 0;
	op.params[1].tmpref.buffer = dst;
	op.params[1].tmpref.size = 0;
	assert_int_equal(invoke(f, TEST_TA_CMD_ECHO, &op, &origin), TEEC_SUCCESS);
	assert_int_equal(op.params[1].tmpref.size, 0);
	assert_int_equal(stats(f).shm, 0);
}

static void test_whole_and_partial(void **state)
{
	struct fixture *f = *state;
	TEEC_SharedMemory in, io;
	TEEC_Operation op;
	unsigned char *b;
	uint32_t origin;
	size_t i;

	memset(&in, 0, sizeof(in));
	in.size = 4096;
	in.flags = TEEC_MEM_INPUT;
	assert_int_equal(TEEC_AllocateSharedMemory(&f->ctx, &in), TEEC_SUCCESS);
	memset(&io, 0, sizeof(io));
	io.size = 4096;
	io.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	assert_int_equal(TEEC_AllocateSharedMemory(&f->ctx, &io), TEEC_SUCCESS);
	b = io.buffer;
	for (i = 0; i < 4096; i++)
		b[i] = (unsigned char)i;

	/* WHOLE on an INPUT|OUTPUT shm is INOUT: the TA transforms it. */
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE, TEEC_NONE, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = &io;
	assert_int_equal(invoke(f, TEST_TA_CMD_NEGATE, &op, &origin),
			 TEEC_SUCCESS);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(b[255], 1);
	assert_int_equal(op.params[0].memref.size, 4096);
	/* WHOLE on an INPUT shm is an input: NEGATE wants INOUT. */
	op.params[0].memref.parent = &in;
	assert_int_equal(invoke(f, TEST_TA_CMD_NEGATE, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);

	/* PARTIAL direction must be allowed by the parent's flags. */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref = (TEEC_RegisteredMemoryReference){ &io, 16, 0 };
	op.params[1].memref = (TEEC_RegisteredMemoryReference){ &in, 16, 0 };
	assert_int_equal(invoke(f, TEST_TA_CMD_ECHO, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_API);
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INOUT, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].memref.parent = &in;
	assert_int_equal(invoke(f, TEST_TA_CMD_NEGATE, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_API);

	/* Echo io[100..] into io[2000..] through two partial refs. */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref = (TEEC_RegisteredMemoryReference){ &io, 50, 100 };
	op.params[1].memref = (TEEC_RegisteredMemoryReference){ &io, 200, 2000 };
	assert_int_equal(invoke(f, TEST_TA_CMD_ECHO, &op, &origin), TEEC_SUCCESS);
	assert_memory_equal(b + 2000, b + 100, 50);
	assert_int_equal(op.params[1].memref.size, 50);

	TEEC_ReleaseSharedMemory(&in);
	TEEC_ReleaseSharedMemory(&io);
	/* A released parent is refused. */
	assert_int_equal(invoke(f, TEST_TA_CMD_ECHO, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_API);
}

/* xtest 1014 sdp_out_of_bounds_memref_test / 1018, on registered memory. */
static void test_partial_out_of_bounds(void **state)
{
	static const struct {
		size_t offset, size;
		bool reaches_ta;
	} cases[] = {
		{ 4095, 1, true },	    { 4095, 2, false },
		{ 4095, 5000, false },	    { 4096, 1, false },
		{ 4096, 4096, false },	    { 2, SIZE_MAX, false },
		{ SIZE_MAX, 2, false },	    { 0, 4097, false },
		{ 0, 4096, true },
	};
	struct fixture *f = *state;
	unsigned char *buf = calloc(1, 4096);
	struct rh_tee_emu_stats before;
	TEEC_SharedMemory shm;
	TEEC_Operation op;
	uint32_t origin;
	TEEC_Result res;
	size_t i;

	assert_non_null(buf);
	memset(&shm, 0, sizeof(shm));
	shm.buffer = buf;
	shm.size = 4096;
	shm.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	assert_int_equal(TEEC_RegisterSharedMemory(&f->ctx, &shm), TEEC_SUCCESS);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INOUT,
						 TEEC_NONE, TEEC_NONE, TEEC_NONE);
		op.params[0].memref.parent = &shm;
		op.params[0].memref.offset = cases[i].offset;
		op.params[0].memref.size = cases[i].size;
		before = stats(f);
		res = invoke(f, TEST_TA_CMD_NEGATE, &op, &origin);
		if (cases[i].reaches_ta) {
			assert_int_equal(res, TEEC_SUCCESS);
			assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);
		} else {
			assert_int_equal(res, TEEC_ERROR_BAD_PARAMETERS);
			assert_int_equal(origin, TEEC_ORIGIN_API);
			assert_int_equal(stats(f).calls, before.calls);
		}
	}
	TEEC_ReleaseSharedMemory(&shm);
	free(buf);
}

/* xtest 1017: four partial refs into one shm. */
static void test_four_partials(void **state)
{
	struct fixture *f = *state;
	TEEC_SharedMemory shm;
	TEEC_Operation op;
	uint32_t origin;
	unsigned int i;

	memset(&shm, 0, sizeof(shm));
	shm.size = 8 * 4096;
	shm.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	assert_int_equal(TEEC_AllocateSharedMemory(&f->ctx, &shm), TEEC_SUCCESS);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT,
					 TEEC_MEMREF_PARTIAL_INOUT,
					 TEEC_MEMREF_PARTIAL_INPUT);
	for (i = 0; i < 4; i++)
		op.params[i].memref = (TEEC_RegisteredMemoryReference){
			&shm, 4096, i * 2 * 4096 + 100 };
	assert_int_equal(invoke(f, TEST_TA_CMD_NOP, &op, &origin), TEEC_SUCCESS);
	assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);
	TEEC_ReleaseSharedMemory(&shm);
}

static void test_panic_and_cancel(void **state)
{
	struct fixture *f = *state;
	TEEC_Operation op;
	TEEC_Session s;
	uint32_t origin;

	memset(&op, 0, sizeof(op));
	assert_int_equal(invoke(f, TEST_TA_CMD_NOP, &op, &origin), TEEC_SUCCESS);
	TEEC_RequestCancellation(&op);
	assert_int_equal(stats(f).cancels, 1);
	TEEC_RequestCancellation(NULL);
	memset(&op, 0, sizeof(op));
	TEEC_RequestCancellation(&op); /* never started: nothing to cancel */
	assert_int_equal(stats(f).cancels, 1);

	assert_int_equal(invoke(f, TEST_TA_CMD_PANIC, NULL, &origin),
			 TEEC_ERROR_TARGET_DEAD);
	assert_int_equal(origin, TEEC_ORIGIN_TEE);
	assert_int_equal(invoke(f, TEST_TA_CMD_NOP, NULL, &origin),
			 TEEC_ERROR_TARGET_DEAD);
	assert_int_equal(TEEC_OpenSession(&f->ctx, &s, &uuid_single,
					  TEEC_LOGIN_PUBLIC, NULL, NULL, &origin),
			 TEEC_SUCCESS);
	assert_int_equal(TEEC_InvokeCommand(&s, TEST_TA_CMD_NOP, NULL, &origin),
			 TEEC_SUCCESS);
	TEEC_CloseSession(&s);
}

static void test_transport_failure(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_fault_spec spec = {
		.nth = 1, .action = RH_TEE_FAULT_TRANSPORT, .error = -EIO,
	};
	const struct rh_tee_ops *ops;
	struct rh_tee_fault *fault;
	TEEC_Context c;
	TEEC_Session s;
	uint32_t origin;
	void *priv;

	TEEC_CloseSession(&f->sess);
	TEEC_FinalizeContext(&f->ctx);
	assert_int_equal(rh_platform_get_tee_backend(f->plat, &ops, &priv), 0);
	assert_int_equal(rh_tee_fault_new(f->plat, ops, priv, &fault), 0);
	assert_int_equal(rh_platform_set_tee_backend(f->plat,
						     rh_tee_fault_get_ops(), fault),
			 0);
	assert_int_equal(rh_TEEC_InitializeContext(f->plat, NULL, &c),
			 TEEC_SUCCESS);
	assert_int_equal(rh_tee_fault_arm(fault, &spec), 0);
	assert_int_equal(TEEC_OpenSession(&c, &s, &uuid_single, TEEC_LOGIN_PUBLIC,
					  NULL, NULL, &origin),
			 TEEC_ERROR_COMMUNICATION);
	assert_int_equal(origin, TEEC_ORIGIN_COMMS);
	TEEC_FinalizeContext(&c);
	assert_int_equal(rh_platform_set_tee_backend(f->plat, ops, priv), 0);
	rh_tee_fault_free(fault);
	assert_int_equal(rh_TEEC_InitializeContext(f->plat, NULL, &f->ctx),
			 TEEC_SUCCESS);
	assert_int_equal(TEEC_OpenSession(&f->ctx, &f->sess, &uuid_single,
					  TEEC_LOGIN_PUBLIC, NULL, NULL, NULL),
			 TEEC_SUCCESS);
}

/* ------------------------------------------------------------ failing allocations */

struct sweep {
	struct fixture *f;
	int what;
	TEEC_Context ctx;
	TEEC_SharedMemory shm;
	TEEC_Session sess;
	unsigned char buf[64];
	unsigned char out[64];
};

static int res_to_errno(TEEC_Result res)
{
	if (res == TEEC_SUCCESS)
		return 0;
	return res == TEEC_ERROR_OUT_OF_MEMORY ? -ENOMEM : -EIO;
}

static int sweep_op(void *arg)
{
	struct sweep *sw = arg;
	TEEC_Operation op;
	uint32_t origin;

	switch (sw->what) {
	case 0:
		return res_to_errno(rh_TEEC_InitializeContext(sw->f->plat, NULL,
							      &sw->ctx));
	case 1:
		memset(&sw->shm, 0, sizeof(sw->shm));
		sw->shm.size = 64;
		sw->shm.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
		return res_to_errno(TEEC_AllocateSharedMemory(&sw->f->ctx,
							      &sw->shm));
	case 2:
		memset(&sw->shm, 0, sizeof(sw->shm));
		sw->shm.buffer = sw->buf;
		sw->shm.size = sizeof(sw->buf);
		sw->shm.flags = TEEC_MEM_INPUT;
		return res_to_errno(TEEC_RegisterSharedMemory(&sw->f->ctx,
							      &sw->shm));
	case 3:
		return res_to_errno(TEEC_OpenSession(&sw->f->ctx, &sw->sess,
						     &uuid_multi, TEEC_LOGIN_PUBLIC,
						     NULL, NULL, &origin));
	default:
		/* Two temporary memrefs: each is registered for the call. */
		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT,
						 TEEC_MEMREF_TEMP_OUTPUT,
						 TEEC_NONE, TEEC_NONE);
		op.params[0].tmpref.buffer = sw->buf;
		op.params[0].tmpref.size = sizeof(sw->buf);
		op.params[1].tmpref.buffer = sw->out;
		op.params[1].tmpref.size = sizeof(sw->out);
		return res_to_errno(TEEC_InvokeCommand(&sw->f->sess, TEST_TA_CMD_ECHO,
						       &op, &origin));
	}
}

static void sweep_undo(void *arg)
{
	struct sweep *sw = arg;

	switch (sw->what) {
	case 0:
		TEEC_FinalizeContext(&sw->ctx);
		break;
	case 1:
	case 2:
		TEEC_ReleaseSharedMemory(&sw->shm);
		break;
	case 3:
		TEEC_CloseSession(&sw->sess);
		break;
	default:
		assert_memory_equal(sw->out, sw->buf, sizeof(sw->buf));
		memset(sw->out, 0, sizeof(sw->out));
		break;
	}
}

static void sweep_clean(void *arg)
{
	struct sweep *sw = arg;

	/* Only the fixture's session is left, and no shared memory. */
	assert_int_equal(stats(sw->f).sessions, 1);
	assert_int_equal(stats(sw->f).instances, 1);
	assert_int_equal(stats(sw->f).shm, 0);
	if (sw->what == 1 || sw->what == 2)
		assert_null(sw->shm.imp_shm);
}

static void test_fail_nth(void **state)
{
	struct sweep sw;
	unsigned int i;

	memset(&sw, 0, sizeof(sw));
	sw.f = *state;
	for (i = 0; i < sizeof(sw.buf); i++)
		sw.buf[i] = (unsigned char)(i * 3 + 1);
	/* the context */
	sw.what = 0;
	assert_int_equal(rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_clean,
						&sw),
			 1);
	/* shm object, its buffer, the TEE's registration */
	sw.what = 1;
	assert_int_equal(rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_clean,
						&sw),
			 3);
	/* shm object, the TEE's registration */
	sw.what = 2;
	assert_int_equal(rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_clean,
						&sw),
			 2);
	/* session, instance + its TA state, the TA's session state */
	sw.what = 3;
	assert_int_equal(rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_clean,
						&sw),
			 4);
	/* two temporary registrations, each an shm object and the TEE's node */
	sw.what = 4;
	assert_int_equal(rh_test_fail_nth_sweep(sweep_op, sweep_undo, sweep_clean,
						&sw),
			 4);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_initialize_context),
		T(test_shared_memory),
		T(test_open_session),
		T(test_invoke_values),
		T(test_invoke_bad_types),
		T(test_temp_memrefs),
		T(test_whole_and_partial),
		T(test_partial_out_of_bounds),
		T(test_four_partials),
		T(test_panic_and_cancel),
		T(test_transport_failure),
		T(test_fail_nth),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
