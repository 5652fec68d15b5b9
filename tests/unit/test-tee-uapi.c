// SPDX-License-Identifier: MIT
/* /dev/tee0 of the fd layer: every TEE_IOC_*, shared memory both ways, the kernel's errors. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rheap/dma-heap.h>
#include <rheap/platform.h>
#include <rheap/uapi.h>

#include "rh-test.h"
#include "optee/tee.h"
#include "tee-call-bufs.h"
#include "test-ta.h"

struct fixture {
	struct rh_platform *plat;
	int tee;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(rh_platform_new(NULL, &f->plat), 0);
	assert_int_equal(rh_test_ta_add_all(rh_tee_emu_of(f->plat)), 0);
	/* What the shim turns on: bad pointers are -EFAULT. */
	assert_int_equal(rh_uapi_check_user_pointers(f->plat, true), 0);
	f->tee = rh_open(f->plat, RH_TEE_DEV_PATH, O_RDWR);
	assert_true(f->tee >= 3);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_dev_stats st;

	rh_close(f->plat, f->tee);
	assert_int_equal(rh_tee_dev_get_stats(f->plat, &st), 0);
	assert_int_equal(st.contexts, 0);
	assert_int_equal(st.sessions, 0);
	assert_int_equal(st.shms, 0);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static int call(struct fixture *f, int fd, unsigned int cmd, void *buf, size_t len)
{
	struct rh_tee_ioctl_buf_data data = { (uintptr_t)buf, len };

	return rh_ioctl(f->plat, fd, cmd, &data);
}

/* Opens a PUBLIC session to @uuid_str; returns the ioctl result, *@ret the TEE's. */
static int open_session(struct fixture *f, int fd, const char *uuid_str,
			uint32_t login, uint32_t *ret, uint32_t *session)
{
	struct open_buf b;
	int rc;

	memset(&b, 0, sizeof(b));
	assert_int_equal(rh_uuid_parse(uuid_str, b.arg.uuid), 0);
	b.arg.clnt_login = login;
	rc = call(f, fd, RH_TEE_IOC_OPEN_SESSION, &b, sizeof(b.arg));
	*ret = b.arg.ret;
	*session = b.arg.session;
	return rc;
}

static int invoke(struct fixture *f, struct invoke_buf *b, uint32_t session,
		  uint32_t func, uint32_t num)
{
	b->arg.func = func;
	b->arg.session = session;
	b->arg.num_params = num;
	return call(f, f->tee, RH_TEE_IOC_INVOKE, b,
		    sizeof(b->arg) + num * sizeof(b->params[0]));
}

static uint32_t session_of(struct fixture *f, const char *uuid)
{
	uint32_t ret, session;

	assert_int_equal(open_session(f, f->tee, uuid, RH_TEE_IOCTL_LOGIN_PUBLIC,
				      &ret, &session), 0);
	assert_int_equal(ret, RH_TEEC_SUCCESS);
	return session;
}

static void close_session(struct fixture *f, uint32_t session)
{
	struct rh_tee_ioctl_close_session_arg c = { session };

	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_CLOSE_SESSION, &c), 0);
}

/* ------------------------------------------------------------ version, open */

static void test_version(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_version_data v = { 0 };
	struct stat st;

	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_VERSION, &v), 0);
	assert_int_equal(v.impl_id, RH_TEE_IMPL_ID_OPTEE);
	assert_int_equal(v.impl_caps, RH_TEE_OPTEE_CAP_TZ);
	assert_int_equal(v.gen_caps, RH_TEE_GEN_CAP_GP | RH_TEE_GEN_CAP_REG_MEM |
					     RH_TEE_GEN_CAP_MEMREF_NULL);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_VERSION, (void *)16), -EFAULT);
	assert_int_equal(rh_fstat(f->plat, f->tee, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(rh_fcntl(f->plat, f->tee, F_GETFL, 0) & O_ACCMODE, O_RDWR);
	/* No supplicant device, and tee_ioctl() answers -EINVAL to the unknown. */
	assert_int_equal(rh_open(f->plat, "/dev/teepriv0", O_RDWR), -ENOENT);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SUPPL_RECV, &v), -EINVAL);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_IO(RH_TEE_IOC_MAGIC, 0x20), NULL), -EINVAL);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_DMA_HEAP_IOCTL_ALLOC, &v), -EINVAL);
}

static void test_sessions(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_close_session_arg c;
	struct rh_tee_dev_stats st;
	uint32_t ret, session, other_sess;
	int other;

	session = session_of(f, TEST_TA_MULTI_UUID);
	assert_int_equal(rh_tee_dev_get_stats(f->plat, &st), 0);
	assert_int_equal(st.sessions, 1);
	/* A user context cannot claim the kernel's logins. */
	assert_int_equal(open_session(f, f->tee, TEST_TA_MULTI_UUID,
				      RH_TEE_IOCTL_LOGIN_REE_KERNEL, &ret, &other_sess), -EPERM);
	assert_int_equal(open_session(f, f->tee, TEST_TA_MULTI_UUID, 0xBFFFFFFFu, &ret,
				      &other_sess), -EPERM);
	/* An unknown TA is the TEE's answer, not an ioctl error. */
	assert_int_equal(open_session(f, f->tee, "00000000-0000-0000-0000-00000000dead",
				      RH_TEE_IOCTL_LOGIN_PUBLIC, &ret, &other_sess), 0);
	assert_int_equal(ret, RH_TEEC_ERROR_ITEM_NOT_FOUND);

	/* Another context's session is not ours to use or close. */
	other = rh_open(f->plat, RH_TEE_DEV_PATH, O_RDWR);
	assert_true(other >= 0);
	assert_int_equal(open_session(f, other, TEST_TA_MULTI_UUID,
				      RH_TEE_IOCTL_LOGIN_PUBLIC, &ret, &other_sess), 0);
	c.session = other_sess;
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_CLOSE_SESSION, &c), -EINVAL);
	{
		struct invoke_buf b;

		memset(&b, 0, sizeof(b));
		assert_int_equal(invoke(f, &b, other_sess, TEST_TA_CMD_NOP, 0), -EINVAL);
	}
	struct rh_tee_ioctl_cancel_arg cancel = { .session = other_sess };

	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_CANCEL, &cancel), -EINVAL);
	cancel.session = session;
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_CANCEL, &cancel), 0);
	/* tee_release(): its sessions die with the last fd of the context. */
	assert_int_equal(rh_close(f->plat, other), 0);
	assert_int_equal(rh_tee_dev_get_stats(f->plat, &st), 0);
	assert_int_equal(st.sessions, 1);
	assert_int_equal(st.contexts, 1);

	close_session(f, session);
	c.session = session;
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_CLOSE_SESSION, &c), -EINVAL);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_CLOSE_SESSION, (void *)8), -EFAULT);
}

/* ------------------------------------------------------------ call buffers */

static void test_buf_len_and_params(void **state)
{
	struct fixture *f = *state;
	uint32_t session = session_of(f, TEST_TA_MULTI_UUID);
	struct rh_tee_ioctl_buf_data data;
	char big[RH_TEE_MAX_ARG_SIZE + 32];
	struct invoke_buf b;

	memset(&b, 0, sizeof(b));
	b.arg.session = session;
	b.arg.func = TEST_TA_CMD_VALUES;
	b.arg.num_params = 3;
	b.params[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	b.params[0].a = 5;
	b.params[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	b.params[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	b.params[2].a = 7;
	assert_int_equal(call(f, f->tee, RH_TEE_IOC_INVOKE, &b,
			      sizeof(b.arg) + 3 * sizeof(b.params[0])), 0);
	assert_int_equal(b.arg.ret, RH_TEEC_SUCCESS);
	assert_int_equal(b.arg.ret_origin, RH_TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(b.params[1].a, 12);
	assert_int_equal(b.params[2].a, 10);

	/* buf_len: above TEE_MAX_ARG_SIZE, below a header, not header + params */
	memset(big, 0, sizeof(big));
	assert_int_equal(call(f, f->tee, RH_TEE_IOC_INVOKE, big, sizeof(big)), -EINVAL);
	assert_int_equal(call(f, f->tee, RH_TEE_IOC_INVOKE, &b, sizeof(b.arg) - 1), -EINVAL);
	assert_int_equal(call(f, f->tee, RH_TEE_IOC_INVOKE, &b, sizeof(b.arg) + 32), -EINVAL);
	assert_int_equal(call(f, f->tee, RH_TEE_IOC_OPEN_SESSION, &b, sizeof(b.arg)), -EINVAL);
	/* Bad pointers: the buf_data itself, the buffer it points at. */
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_INVOKE, (void *)16), -EFAULT);
	data.buf_ptr = 4096;
	data.buf_len = sizeof(b.arg);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_INVOKE, &data), -EFAULT);
	/* Attributes: unused bits, META, unknown types. */
	b.params[0].attr = 1u << 9 | RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	assert_int_equal(invoke(f, &b, session, TEST_TA_CMD_VALUES, 3), -EINVAL);
	b.params[0].attr = RH_TEE_IOCTL_PARAM_ATTR_META | RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	assert_int_equal(invoke(f, &b, session, TEST_TA_CMD_VALUES, 3), -EINVAL);
	b.params[0].attr = 4;
	assert_int_equal(invoke(f, &b, session, TEST_TA_CMD_VALUES, 3), -EINVAL);
	/* A memref naming no shm of this context. */
	b.params[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	b.params[0].c = 12345;
	assert_int_equal(invoke(f, &b, session, TEST_TA_CMD_VALUES, 3), -EINVAL);
	/* A NULL memref is fine (MEMREF_NULL): the TA sees a NULL buffer. */
	b.params[0].c = RH_TEE_MEMREF_NULL;
	b.params[0].b = 0;
	assert_int_equal(invoke(f, &b, session, TEST_TA_CMD_NOP, 1), 0);
	assert_int_equal(b.arg.ret, RH_TEEC_SUCCESS);
	close_session(f, session);
}

/* ------------------------------------------------------------ shared memory */

static int shm_alloc(struct fixture *f, int fd, uint64_t size, int32_t *ret_id)
{
	struct rh_tee_ioctl_shm_alloc_data d = { .size = size };
	int rc = rh_ioctl(f->plat, fd, RH_TEE_IOC_SHM_ALLOC, &d);

	*ret_id = d.id;
	return rc;
}

static int shm_register(struct fixture *f, int fd, void *addr, uint64_t len, int32_t *ret_id)
{
	struct rh_tee_ioctl_shm_register_data d = { .addr = (uintptr_t)addr, .length = len };
	int rc = rh_ioctl(f->plat, fd, RH_TEE_IOC_SHM_REGISTER, &d);

	*ret_id = d.id;
	return rc;
}

static void set_memref(struct rh_tee_ioctl_param *p, uint64_t attr, int32_t id,
		       uint64_t offs, uint64_t size)
{
	p->attr = attr;
	p->a = offs;
	p->b = size;
	p->c = (uint64_t)id;
}

static void test_shm_both_ways(void **state)
{
	struct fixture *f = *state;
	uint32_t session = session_of(f, TEST_TA_MULTI_UUID);
	int32_t in_id, out_id;
	struct invoke_buf b;
	int in_fd, out_fd;
	char *in, *user;
	size_t i;

	/* SHM_ALLOC'd memory: the client writes through its mapping. */
	in_fd = shm_alloc(f, f->tee, 100, &in_id);
	assert_true(in_fd >= 0);
	assert_true(in_id > 0);
	assert_int_equal(rh_mmap(f->plat, in_fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
				 0, (void **)&in), 0);
	strcpy(in, "written by the client before the call");
	/* Registered memory spanning a page boundary at an odd offset: the TA writes. */
	user = aligned_alloc(4096, 3 * 4096);
	assert_non_null(user);
	memset(user, 0, 3 * 4096);
	out_fd = shm_register(f, f->tee, user + 4000, 5000, &out_id);
	assert_true(out_fd >= 0);

	memset(&b, 0, sizeof(b));
	set_memref(&b.params[0], RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, in_id, 0, 100);
	set_memref(&b.params[1], RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, out_id, 100, 4900);
	assert_int_equal(invoke(f, &b, session, TEST_TA_CMD_ECHO, 2), 0);
	assert_int_equal(b.arg.ret, RH_TEEC_SUCCESS);
	assert_int_equal(b.params[1].b, 100);
	assert_string_equal(user + 4100, "written by the client before the call");
	for (i = 0; i < 4100; i++)
		assert_int_equal(user[i], 0);

	/* Bounds: a range past the shm, and offset + size wrapping. */
	set_memref(&b.params[1], RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, out_id, 100, 4901);
	assert_int_equal(invoke(f, &b, session, TEST_TA_CMD_ECHO, 2), -EINVAL);
	set_memref(&b.params[1], RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, out_id, ~0ull, 2);
	assert_int_equal(invoke(f, &b, session, TEST_TA_CMD_ECHO, 2), -EINVAL);
	/* The shm sizes: whole pages for SHM_ALLOC. */
	set_memref(&b.params[0], RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, in_id, 0, 4096);
	set_memref(&b.params[1], RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, out_id, 0, 5000);
	assert_int_equal(invoke(f, &b, session, TEST_TA_CMD_ECHO, 2), 0);
	set_memref(&b.params[0], RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, in_id, 0, 4097);
	assert_int_equal(invoke(f, &b, session, TEST_TA_CMD_ECHO, 2), -EINVAL);

	/* A registered shm is not mapped again; an alloc'd one only within it. */
	{
		void *p;

		assert_int_equal(rh_mmap(f->plat, out_fd, 4096, PROT_READ, MAP_SHARED, 0, &p),
				 -EINVAL);
		assert_int_equal(rh_mmap(f->plat, in_fd, 8192, PROT_READ, MAP_SHARED, 0, &p),
				 -EINVAL);
		assert_int_equal(rh_ioctl(f->plat, in_fd, RH_TEE_IOC_VERSION, &b), -ENOTTY);
	}
	/* The mapping keeps the shm: closing the fd first is fine. */
	assert_int_equal(rh_close(f->plat, in_fd), 0);
	assert_string_equal(in, "written by the client before the call");
	assert_int_equal(rh_munmap(f->plat, in, 4096), 0);
	assert_int_equal(rh_close(f->plat, out_fd), 0);
	/* Its id is gone with it. */
	set_memref(&b.params[0], RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, in_id, 0, 1);
	assert_int_equal(invoke(f, &b, session, TEST_TA_CMD_ECHO, 2), -EINVAL);
	free(user);
	close_session(f, session);
}

static void test_shm_errors(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_ioctl_shm_alloc_data a = { .size = 4096, .flags = 1 };
	struct rh_tee_ioctl_shm_register_data r = { 0 };
	struct rh_tee_ioctl_shm_register_fd_data rfd = { 0 };
	struct rh_dma_heap_allocation_data h = { .len = 4096, .fd_flags = O_RDWR };
	struct invoke_buf b;
	uint32_t session;
	int32_t id;
	char buf[64];
	int other, fd, heap;

	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SHM_ALLOC, &a), -EINVAL);
	assert_int_equal(shm_alloc(f, f->tee, 0, &id), -EINVAL);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SHM_ALLOC, (void *)32), -EFAULT);
	r.flags = 2;
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SHM_REGISTER, &r), -EINVAL);
	assert_int_equal(shm_register(f, f->tee, buf, 0, &id), -ENOMEM);
	assert_int_equal(shm_register(f, f->tee, (void *)4096, 64, &id), -EFAULT);
	assert_int_equal(shm_register(f, f->tee, buf, ~0ull, &id), -EFAULT);
	/*
	 * More than the machine's memory, over a reserved (PROT_NONE) range:
	 * -ENOMEM at once, as the kernel's page array fails, not a walk of it.
	 */
	{
		size_t big = (size_t)rh_platform_get_desc(f->plat)->dram_size + 4096;
		void *res = mmap(NULL, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				 -1, 0);

		assert_true(res != MAP_FAILED);
		assert_int_equal(shm_register(f, f->tee, res, big, &id), -ENOMEM);
		assert_int_equal(shm_alloc(f, f->tee, big, &id), -ENOMEM);
		assert_int_equal(munmap(res, big), 0);
		/* The page array first, the pages second: -ENOMEM, not -EFAULT. */
		assert_int_equal(shm_register(f, f->tee, buf, 1ull << 40, &id), -ENOMEM);
	}

	/* A shm id of another context is no id here. */
	other = rh_open(f->plat, RH_TEE_DEV_PATH, O_RDWR);
	assert_true(other >= 0);
	fd = shm_register(f, other, buf, sizeof(buf), &id);
	assert_true(fd >= 0);
	session = session_of(f, TEST_TA_MULTI_UUID);
	memset(&b, 0, sizeof(b));
	set_memref(&b.params[0], RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT, id, 0, 1);
	assert_int_equal(invoke(f, &b, session, TEST_TA_CMD_NEGATE, 1), -EINVAL);
	/* The shm outlives its context's fd (it holds the context). */
	assert_int_equal(rh_close(f->plat, other), 0);
	assert_int_equal(rh_close(f->plat, fd), 0);
	close_session(f, session);

	/*
	 * SHM_REGISTER_FD: the MediaTek board's TEE has no protected heap
	 * (test-tee-heap registers one); every refusal is -EINVAL.
	 */
	rfd.fd = 999;
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SHM_REGISTER_FD, &rfd), -EINVAL);
	rfd.fd = f->tee;
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SHM_REGISTER_FD, &rfd), -EINVAL);
	heap = rh_open(f->plat, "/dev/dma_heap/system", O_RDONLY);
	assert_true(heap >= 0);
	assert_int_equal(rh_ioctl(f->plat, heap, RH_DMA_HEAP_IOCTL_ALLOC, &h), 0);
	rfd.fd = h.fd;
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SHM_REGISTER_FD, &rfd), -EINVAL);
	rfd.flags = 1;
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SHM_REGISTER_FD, &rfd), -EINVAL);
	rh_close(f->plat, (int)h.fd);
	rh_close(f->plat, heap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buf_len_and_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shm_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shm_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
