// SPDX-License-Identifier: MIT
/* libFuzzer target: /dev/tee0's ioctl argument layer (drivers/tee/tee_core.c) on call sequences. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <rheap/dma-heap.h>
#include <rheap/platform.h>
#include <rheap/tee-protmem.h>
#include <rheap/tee-secmem.h>
#include <rheap/uapi.h>
#include <rheap/uapi/tee.h>

#include "fuzz-common.h"
#include "optee/tee.h"

/*
 * Each input is a program of up to MAX_OPS calls, as an unprivileged
 * program would make them on /dev/tee0 of one platform (created once; the
 * small fuzzing platform, its TAs registered; user pointers trapped as
 * under the shim), one opcode byte and its operands each:
 *
 *	open          /dev/tee0 (or a wrong node), access mode, O_CLOEXEC
 *	buffer        a dma-buf from a heap (something for SHM_REGISTER_FD)
 *	version       VERSION with a good, NULL or unmapped argument
 *	shm-alloc     SHM_ALLOC: size, flags
 *	shm-register  SHM_REGISTER: a range of the program's own memory
 *	              (read-write pages, then a hole, then a read-only page)
 *	open-session  OPEN_SESSION: a TA (hello_world, the secure-memory TA,
 *	              svp, sdp_basic, or 16 input bytes), a login, then
 *	invoke        INVOKE: a session (one the program opened or any
 *	              number), a command, and for both: buf_len (exact or
 *	              any), num_params (0..6) and each parameter's attribute
 *	              and a/b/c; a memref's c is a shm id the program got
 *	              (any context's), MEMREF_NULL or any number
 *	cancel / close-session   a session, a cancel id
 *	register-fd   SHM_REGISTER_FD on any fd the program holds
 *	mmap / munmap / close / dup / raw ioctl (any command number)
 *
 * Checked for every call, as drivers/tee/tee_core.c and the OP-TEE driver
 * decide: a result of 0, an fd (only the three calls that make one) or a
 * kernel errno; a login in the REE-kernel range is refused (-EPERM), and
 * no session of the kernel-only secure-memory TA opens; INVOKE and
 * CLOSE_SESSION succeed only on a session this fd's context opened and
 * has not closed, and a call carrying a memref succeeds only when the id
 * is a live shm of the same context; a mapping is readable over its
 * length. After each input everything is closed and unmapped and the
 * platform is back where it started: no context, session or shm of
 * /dev/tee0, the emulator's sessions as before, fuzz_check_clean().
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TARGET "tee-ioctl"
#define MAX_OPS 48
#define MAX_MAPS 8
#define MAX_SESS MAX_OPS
#define MAX_PARAMS 6
#define PG 4096u
#define USER_PAGES 6 /* 4 read-write, a hole, a read-only page */

/* K_OTHER: an fd another ioctl made (a dma-buf's EXPORT_SYNC_FILE). */
enum kind { K_NONE, K_STD, K_TEE, K_SHM, K_DMABUF, K_OTHER };

enum op {
	OP_OPEN,
	OP_BUFFER,
	OP_VERSION,
	OP_SHM_ALLOC,
	OP_SHM_REGISTER,
	OP_OPEN_SESSION,
	OP_INVOKE,
	OP_CANCEL,
	OP_CLOSE_SESSION,
	OP_REGISTER_FD,
	OP_MMAP,
	OP_MUNMAP,
	OP_CLOSE,
	OP_DUP,
	OP_RAW_IOCTL,
	NR_OPS,
};

/* What an fd refers to: a context (K_TEE), or a shm of a context (K_SHM). */
struct fd_state {
	enum kind kind;
	unsigned int ctx;
	int32_t shm_id;
};

struct mapping {
	void *addr;
	size_t len;
	unsigned int ctx;
	int32_t shm_id;
};

struct session {
	unsigned int ctx;
	uint32_t id;
};

static struct {
	bool ready;
	struct rh_platform *plat;
	FILE *devnull;
	unsigned char *user; /* USER_PAGES pages of the program's memory */
	unsigned int emu_sessions; /* the emulator's, before any input */
	uint8_t uuids[4][RH_TEE_IOCTL_UUID_LEN];

	/* per input */
	struct fd_state fd[RH_FD_MAX];
	int nopen;
	int made[MAX_OPS * 2]; /* fds the input made */
	unsigned int nr_made;
	unsigned int next_ctx;
	struct mapping maps[MAX_MAPS];
	unsigned int nr_maps;
	struct session sess[MAX_SESS];
	unsigned int nr_sess;
} H;

static const uint32_t logins[] = {
	RH_TEE_IOCTL_LOGIN_PUBLIC,
	RH_TEE_IOCTL_LOGIN_USER,
	RH_TEE_IOCTL_LOGIN_GROUP,
	RH_TEE_IOCTL_LOGIN_APPLICATION,
	RH_TEE_IOCTL_LOGIN_USER_APPLICATION,
	RH_TEE_IOCTL_LOGIN_GROUP_APPLICATION,
	RH_TEE_IOCTL_LOGIN_REE_KERNEL,
	RH_TEE_IOCTL_LOGIN_REE_KERNEL_MAX,
};

static const uint64_t attrs[] = {
	RH_TEE_IOCTL_PARAM_ATTR_TYPE_NONE,
	RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT,
	RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT,
	RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT,
	RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT,
	RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT,
	RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT,
	RH_TEE_IOCTL_PARAM_ATTR_META | RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT,
};

static const unsigned long tee_cmds[] = {
	RH_TEE_IOC_VERSION,	  RH_TEE_IOC_SHM_ALLOC,	    RH_TEE_IOC_OPEN_SESSION,
	RH_TEE_IOC_INVOKE,	  RH_TEE_IOC_CANCEL,	    RH_TEE_IOC_CLOSE_SESSION,
	RH_TEE_IOC_SUPPL_RECV,	  RH_TEE_IOC_SUPPL_SEND,    RH_TEE_IOC_SHM_REGISTER_FD,
	RH_TEE_IOC_SHM_REGISTER,
};

static void must(bool ok, const char *what)
{
	if (!ok)
		fuzz_fail(TARGET, what);
}

/* 0 or a negative errno the kernel could return. */
static void check_errno(int ret, const char *what)
{
	must(ret <= 0 && ret >= -4095, what);
}

/* ------------------------------------------------------------ input */

/* An fd: one the input made (below 0xf0), a standard stream, or a bad number. */
static int pick_fd(struct fuzz_cursor *c)
{
	static const int special[] = { -1, 0, 1, 2, 3, 63, RH_FD_MAX, 1 << 30 };
	uint8_t b = fuzz_get8(c);

	if (b >= 0xf0 || !H.nr_made)
		return special[b % FUZZ_ARRAY_SIZE(special)];
	return H.made[b % H.nr_made];
}

static struct fd_state *state_of(int fd)
{
	static struct fd_state none;

	if (fd < 0 || fd >= RH_FD_MAX)
		return &none;
	return &H.fd[fd];
}

static void track(int fd, enum kind kind, unsigned int ctx, int32_t shm_id)
{
	must(fd >= 3 && fd < RH_FD_MAX, "an fd out of the table");
	must(H.fd[fd].kind == K_NONE, "a new fd that was already open");
	H.fd[fd] = (struct fd_state){ kind, ctx, shm_id };
	H.nopen++;
	if (H.nr_made < FUZZ_ARRAY_SIZE(H.made))
		H.made[H.nr_made++] = fd;
}

/* A session id: one the input opened (any context's), or any number. */
static uint32_t pick_session(struct fuzz_cursor *c)
{
	uint8_t b = fuzz_get8(c);

	if (b < 0xe0 && H.nr_sess)
		return H.sess[b % H.nr_sess].id;
	return b < 0xf0 ? (uint32_t)fuzz_get(c, 4) : b & 0xf;
}

static int find_session(unsigned int ctx, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < H.nr_sess; i++)
		if (H.sess[i].ctx == ctx && H.sess[i].id == id)
			return (int)i;
	return -1;
}

/* A shm id: one the input got (any context's), MEMREF_NULL's, or any number. */
static uint64_t pick_shm_id(struct fuzz_cursor *c)
{
	uint8_t b = fuzz_get8(c);
	unsigned int i, n = 0;

	if (b < 0xc0) {
		for (i = 0; i < RH_FD_MAX; i++)
			if (H.fd[i].kind == K_SHM && n++ == b % 8)
				return (uint64_t)(uint32_t)H.fd[i].shm_id;
		for (i = 0; i < H.nr_maps; i++)
			if (n++ == b % 8)
				return (uint64_t)(uint32_t)H.maps[i].shm_id;
	}
	if (b < 0xe0)
		return RH_TEE_MEMREF_NULL;
	return fuzz_get(c, b & 1 ? 8 : 4);
}

/* Is @id a live shm of context @ctx: held by an fd or a mapping? */
static bool shm_live(unsigned int ctx, uint64_t id)
{
	unsigned int i;

	for (i = 0; i < RH_FD_MAX; i++)
		if (H.fd[i].kind == K_SHM && H.fd[i].ctx == ctx &&
		    (uint64_t)(uint32_t)H.fd[i].shm_id == id)
			return true;
	for (i = 0; i < H.nr_maps; i++)
		if (H.maps[i].ctx == ctx && (uint64_t)(uint32_t)H.maps[i].shm_id == id)
			return true;
	return false;
}

/* A user pointer: into the program's pages (maybe the hole or the read-only one), NULL, or wild. */
static void *pick_ptr(struct fuzz_cursor *c, size_t need)
{
	uint8_t b = fuzz_get8(c);

	switch (b & 3) {
	case 0:
	case 1:
		return H.user + (fuzz_get(c, 2) % (USER_PAGES * PG - (need < PG ? need : PG)));
	case 2:
		return NULL;
	default:
		return (void *)(uintptr_t)(b < 0x80 ? 16 : 0xffff800000000000ull);
	}
}

/* ------------------------------------------------------------ calls */

static void op_open(struct fuzz_cursor *c)
{
	static const char *const paths[] = { RH_TEE_DEV_PATH, "/dev/tee1", "/dev/teepriv0",
					     RH_TEE_DEV_PATH "/" };
	uint8_t b = fuzz_get8(c);
	const char *path = paths[(b >> 4) % FUZZ_ARRAY_SIZE(paths)];
	int ret;

	ret = rh_open(H.plat, path, (b & 3) | (b & 4 ? O_CLOEXEC : 0));
	if (path != paths[0]) {
		must(ret < 0, "a node other than /dev/tee0 opened");
		check_errno(ret, "open result");
		return;
	}
	if (ret >= 0)
		track(ret, K_TEE, H.next_ctx++, -1);
	else
		must(ret == -EMFILE || ret == -ENOMEM || ret == -EINVAL,
		     "open of /dev/tee0 failed");
}

static void op_buffer(struct fuzz_cursor *c)
{
	static const char *const heaps[] = { "system", "restricted_mtk_cm",
					     "restricted_mtk_cma" };
	struct rh_dma_heap_allocation_data a = { .fd_flags = O_RDWR | O_CLOEXEC };
	char path[64];
	uint8_t b = fuzz_get8(c);
	int hfd;

	snprintf(path, sizeof(path), "%s/%s", RH_DMA_HEAP_DEV_DIR,
		 heaps[b % FUZZ_ARRAY_SIZE(heaps)]);
	hfd = rh_open(H.plat, path, O_RDONLY | O_CLOEXEC);
	if (hfd < 0)
		return;
	a.len = PG * (1 + (b >> 4) % 4);
	if (!rh_ioctl(H.plat, hfd, RH_DMA_HEAP_IOCTL_ALLOC, &a))
		track((int)a.fd, K_DMABUF, 0, -1);
	must(rh_close(H.plat, hfd) == 0, "close of a heap fd");
}

static void op_version(struct fuzz_cursor *c)
{
	int fd = pick_fd(c), ret;
	void *p = pick_ptr(c, sizeof(struct rh_tee_ioctl_version_data));

	ret = rh_ioctl(H.plat, fd, RH_TEE_IOC_VERSION, p);
	check_errno(ret, "VERSION result");
	if (state_of(fd)->kind != K_TEE)
		must(ret != 0, "VERSION on an fd that is not /dev/tee0");
}

/* SHM_ALLOC or SHM_REGISTER answered @ret with @id: a new shm fd of @fd's context. */
static void shm_made(int fd, int ret, int32_t id, const char *what)
{
	if (ret < 0) {
		check_errno(ret, what);
		return;
	}
	must(state_of(fd)->kind == K_TEE, "a shm made on an fd that is not /dev/tee0");
	must(id >= 0, "a shm without an id");
	track(ret, K_SHM, state_of(fd)->ctx, id);
}

static void op_shm_alloc(struct fuzz_cursor *c)
{
	struct rh_tee_ioctl_shm_alloc_data d = { 0 };
	int fd = pick_fd(c), ret;
	uint8_t b = fuzz_get8(c);

	d.size = b & 1 ? fuzz_get(c, 8) : fuzz_get(c, 2);
	d.flags = b & 2 ? (uint32_t)fuzz_get(c, 4) : 0;
	d.id = (int32_t)fuzz_get(c, 1);
	ret = rh_ioctl(H.plat, fd, RH_TEE_IOC_SHM_ALLOC, &d);
	shm_made(fd, ret, d.id, "SHM_ALLOC result");
}

static void op_shm_register(struct fuzz_cursor *c)
{
	struct rh_tee_ioctl_shm_register_data d = { 0 };
	int fd = pick_fd(c), ret;
	uint8_t b = fuzz_get8(c);

	d.addr = (uintptr_t)pick_ptr(c, 1);
	d.length = b & 1 ? fuzz_get(c, 8) : fuzz_get(c, 2);
	d.flags = b & 2 ? (uint32_t)fuzz_get(c, 4) : 0;
	ret = rh_ioctl(H.plat, fd, RH_TEE_IOC_SHM_REGISTER, &d);
	shm_made(fd, ret, d.id, "SHM_REGISTER result");
}

/*
 * The parameters of an OPEN_SESSION or INVOKE, after its @hdr bytes of
 * header in @buf; returns buf_len (exact, or any) and whether some memref
 * names a shm that is not a live one of @ctx.
 */
static uint64_t fill_params(struct fuzz_cursor *c, unsigned char *buf, size_t hdr, uint32_t *ret_num,
			    unsigned int ctx, bool *ret_foreign)
{
	struct rh_tee_ioctl_param *p = (struct rh_tee_ioctl_param *)(buf + hdr);
	uint8_t b = fuzz_get8(c);
	uint32_t i, num = b % (MAX_PARAMS + 1);

	*ret_foreign = false;
	for (i = 0; i < num && i < MAX_PARAMS; i++) {
		uint8_t t = fuzz_get8(c);

		p[i].attr = t < 0xf0 ? attrs[t % FUZZ_ARRAY_SIZE(attrs)] : fuzz_get(c, 8);
		if ((p[i].attr & RH_TEE_IOCTL_PARAM_ATTR_TYPE_MASK) >=
		    RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT) {
			p[i].a = fuzz_get(c, 2);
			p[i].b = fuzz_get(c, 2);
			p[i].c = pick_shm_id(c);
			if (p[i].c != RH_TEE_MEMREF_NULL && !shm_live(ctx, p[i].c))
				*ret_foreign = true;
		} else {
			p[i].a = fuzz_get(c, 4);
			p[i].b = fuzz_get(c, 4);
			p[i].c = fuzz_get(c, 4);
		}
	}
	*ret_num = b & 0x80 ? (uint32_t)fuzz_get(c, 4) : num;
	if (b & 0x40)
		return fuzz_get(c, 2);
	return hdr + (uint64_t)num * sizeof(*p);
}

static int call_buf(int fd, unsigned long cmd, void *buf, uint64_t len)
{
	struct rh_tee_ioctl_buf_data d = { (uintptr_t)buf, len };

	return rh_ioctl(H.plat, fd, cmd, &d);
}

static void op_open_session(struct fuzz_cursor *c)
{
	uint64_t buf[(RH_TEE_MAX_ARG_SIZE + 64) / 8] = { 0 };
	struct rh_tee_ioctl_open_session_arg *arg = (void *)buf;
	int fd = pick_fd(c), ret;
	uint8_t b = fuzz_get8(c);
	unsigned int ta = b % 5, ctx = state_of(fd)->ctx;
	bool foreign, kernel_login;
	uint64_t len;

	if (ta < 4)
		memcpy(arg->uuid, H.uuids[ta], sizeof(arg->uuid));
	else
		for (unsigned int i = 0; i < sizeof(arg->uuid); i++)
			arg->uuid[i] = fuzz_get8(c);
	arg->clnt_login = b & 0x80 ? (uint32_t)fuzz_get(c, 4) : logins[fuzz_get8(c) % FUZZ_ARRAY_SIZE(logins)];
	arg->clnt_uuid[0] = fuzz_get8(c);
	arg->cancel_id = (uint32_t)fuzz_get(c, 1);
	len = fill_params(c, (unsigned char *)buf, sizeof(*arg), &arg->num_params, ctx, &foreign);
	ret = call_buf(fd, RH_TEE_IOC_OPEN_SESSION, buf, len);
	check_errno(ret, "OPEN_SESSION result");
	kernel_login = arg->clnt_login >= RH_TEE_IOCTL_LOGIN_REE_KERNEL_MIN &&
		       arg->clnt_login <= RH_TEE_IOCTL_LOGIN_REE_KERNEL_MAX;
	if (ret)
		return;
	must(state_of(fd)->kind == K_TEE, "OPEN_SESSION on an fd that is not /dev/tee0");
	must(!kernel_login, "a user program opened a session with the REE-kernel login");
	must(!foreign, "OPEN_SESSION took a memref of no live shm of its context");
	if (arg->ret != RH_TEEC_SUCCESS)
		return;
	must(ta != 1, "a user program opened the kernel-only secure-memory TA");
	must(find_session(ctx, arg->session) < 0, "a session id handed out twice");
	must(H.nr_sess < MAX_SESS, "more sessions than a context may have");
	H.sess[H.nr_sess++] = (struct session){ ctx, arg->session };
}

static void op_invoke(struct fuzz_cursor *c)
{
	uint64_t buf[(RH_TEE_MAX_ARG_SIZE + 64) / 8] = { 0 };
	struct rh_tee_ioctl_invoke_arg *arg = (void *)buf;
	int fd = pick_fd(c), ret;
	unsigned int ctx = state_of(fd)->ctx;
	bool foreign;
	uint64_t len;

	arg->session = pick_session(c);
	arg->func = fuzz_get8(c) < 0xf0 ? fuzz_get8(c) % 8 : (uint32_t)fuzz_get(c, 4);
	arg->cancel_id = (uint32_t)fuzz_get(c, 1);
	len = fill_params(c, (unsigned char *)buf, sizeof(*arg), &arg->num_params, ctx, &foreign);
	ret = call_buf(fd, RH_TEE_IOC_INVOKE, buf, len);
	check_errno(ret, "INVOKE result");
	if (ret)
		return;
	must(state_of(fd)->kind == K_TEE, "INVOKE on an fd that is not /dev/tee0");
	must(find_session(ctx, arg->session) >= 0,
	     "INVOKE reached a session its context did not open");
	must(!foreign, "INVOKE took a memref of no live shm of its context");
}

static void op_cancel(struct fuzz_cursor *c)
{
	struct rh_tee_ioctl_cancel_arg a;
	int fd = pick_fd(c);

	a.session = pick_session(c);
	a.cancel_id = (uint32_t)fuzz_get(c, 1);
	check_errno(rh_ioctl(H.plat, fd, RH_TEE_IOC_CANCEL, &a), "CANCEL result");
}

static void op_close_session(struct fuzz_cursor *c)
{
	struct rh_tee_ioctl_close_session_arg a;
	int fd = pick_fd(c), ret, i;

	a.session = pick_session(c);
	ret = rh_ioctl(H.plat, fd, RH_TEE_IOC_CLOSE_SESSION, &a);
	check_errno(ret, "CLOSE_SESSION result");
	i = find_session(state_of(fd)->ctx, a.session);
	if (state_of(fd)->kind != K_TEE || i < 0) {
		must(ret != 0, "CLOSE_SESSION of a session its context did not open");
		return;
	}
	must(ret == 0, "CLOSE_SESSION of an open session failed");
	H.sess[i] = H.sess[--H.nr_sess];
}

static void op_register_fd(struct fuzz_cursor *c)
{
	struct rh_tee_ioctl_shm_register_fd_data d = { 0 };
	int fd = pick_fd(c), ret;

	d.fd = pick_fd(c);
	d.size = fuzz_get(c, 2);
	d.flags = fuzz_get8(c) & 1 ? (uint32_t)fuzz_get(c, 4) : 0;
	ret = rh_ioctl(H.plat, fd, RH_TEE_IOC_SHM_REGISTER_FD, &d);
	/* The fuzzing platform has no protected heap: nothing qualifies. */
	must(ret < 0, "SHM_REGISTER_FD took a buffer of no protected heap");
	check_errno(ret, "SHM_REGISTER_FD result");
}

static void op_mmap(struct fuzz_cursor *c)
{
	int fd = pick_fd(c), ret;
	uint8_t b = fuzz_get8(c);
	size_t len = b & 1 ? (size_t)fuzz_get(c, 3) : PG * (1 + (b >> 4) % 4);
	int prot = (b >> 1) & 3;
	off_t off = b & 8 ? (off_t)fuzz_get(c, 2) : 0;
	void *p = NULL;

	ret = rh_mmap(H.plat, fd, len, prot, MAP_SHARED, off, &p);
	check_errno(ret, "mmap result");
	if (ret)
		return;
	must(state_of(fd)->kind != K_NONE && state_of(fd)->kind != K_STD &&
	     state_of(fd)->kind != K_TEE, "mmap of an fd that has no memory");
	if (state_of(fd)->kind != K_SHM || H.nr_maps == MAX_MAPS) {
		must(rh_munmap(H.plat, p, len) == 0, "munmap of a fresh mapping");
		return;
	}
	if (prot & PROT_READ)
		must(((volatile unsigned char *)p)[len - 1] == ((volatile unsigned char *)p)[len - 1],
		     "a mapping that cannot be read");
	H.maps[H.nr_maps++] = (struct mapping){ p, len, state_of(fd)->ctx, state_of(fd)->shm_id };
}

static void op_munmap(struct fuzz_cursor *c)
{
	unsigned int i;

	if (!H.nr_maps)
		return;
	i = fuzz_get8(c) % H.nr_maps;
	must(rh_munmap(H.plat, H.maps[i].addr, H.maps[i].len) == 0, "munmap of a mapping");
	H.maps[i] = H.maps[--H.nr_maps];
}

/* The sessions of @ctx die with its last fd (tee_release()). */
static void ctx_maybe_gone(unsigned int ctx)
{
	unsigned int i;

	for (i = 3; i < RH_FD_MAX; i++)
		if (H.fd[i].kind == K_TEE && H.fd[i].ctx == ctx)
			return;
	for (i = 0; i < H.nr_sess;)
		if (H.sess[i].ctx == ctx)
			H.sess[i] = H.sess[--H.nr_sess];
		else
			i++;
}

static void op_close(struct fuzz_cursor *c)
{
	int fd = pick_fd(c), ret;
	struct fd_state *st = state_of(fd);
	unsigned int ctx;

	if (fd >= 0 && fd <= 2)
		return;
	ret = rh_close(H.plat, fd);
	if (st->kind == K_NONE) {
		must(ret == -EBADF, "close of a closed fd");
		return;
	}
	must(ret == 0, "close of an open fd failed");
	ctx = st->ctx;
	*st = (struct fd_state){ K_NONE, 0, -1 };
	H.nopen--;
	ctx_maybe_gone(ctx);
}

static void op_dup(struct fuzz_cursor *c)
{
	int fd = pick_fd(c), ret;

	ret = rh_dup(H.plat, fd);
	check_errno(ret < 0 ? ret : 0, "dup result");
	if (state_of(fd)->kind == K_NONE) {
		must(ret == -EBADF, "dup of a closed fd");
		return;
	}
	if (ret >= 0)
		track(ret, state_of(fd)->kind, state_of(fd)->ctx, state_of(fd)->shm_id);
}

/* Track the fds that appeared without a call that makes one. */
static void adopt_new_fds(void)
{
	int fd;

	for (fd = 3; fd < RH_FD_MAX; fd++)
		if (H.fd[fd].kind == K_NONE && rh_dma_buf_fdinfo(H.plat, fd, H.devnull) != -EBADF)
			track(fd, K_OTHER, 0, -1);
}

static void op_raw_ioctl(struct fuzz_cursor *c)
{
	uint64_t arg[8];
	int fd = pick_fd(c), ret;
	uint8_t b = fuzz_get8(c);
	unsigned long cmd;
	unsigned int i;

	cmd = tee_cmds[b % FUZZ_ARRAY_SIZE(tee_cmds)];
	if (b & 0x80)
		cmd = (uint32_t)fuzz_get(c, 4);
	else if (b & 0x40) /* the same number with another size or direction */
		cmd ^= (unsigned long)fuzz_get8(c) << 16 | (unsigned long)(fuzz_get8(c) & 0xc0) << 24;
	for (i = 0; i < FUZZ_ARRAY_SIZE(arg); i++)
		arg[i] = fuzz_get(c, 8);
	ret = rh_ioctl(H.plat, fd, cmd, arg);
	if (!ret && cmd == RH_TEE_IOC_CLOSE_SESSION) {
		int s = find_session(state_of(fd)->ctx, (uint32_t)arg[0]);

		must(state_of(fd)->kind == K_TEE && s >= 0,
		     "CLOSE_SESSION of a session its context did not open");
		H.sess[s] = H.sess[--H.nr_sess];
		return;
	}
	if (ret > 2 && ret < RH_FD_MAX && H.fd[ret].kind == K_NONE &&
	    state_of(fd)->kind == K_TEE) {
		/* SHM_ALLOC, SHM_REGISTER (or _FD) in another guise: a shm fd. */
		must(cmd == RH_TEE_IOC_SHM_ALLOC || cmd == RH_TEE_IOC_SHM_REGISTER,
		     "an ioctl that makes no fd returned one");
		track(ret, K_SHM, state_of(fd)->ctx,
		      cmd == RH_TEE_IOC_SHM_ALLOC ? ((struct rh_tee_ioctl_shm_alloc_data *)arg)->id
						  : ((struct rh_tee_ioctl_shm_register_data *)arg)->id);
		return;
	}
	check_errno(ret, "ioctl result");
	/* A dma-buf's EXPORT_SYNC_FILE makes an fd and says where in @arg. */
	if (rh_fd_count(H.plat) != H.nopen)
		adopt_new_fds();
}

/* ------------------------------------------------------------ clean up */

static void finish(void)
{
	struct rh_tee_emu_stats es;
	struct rh_tee_dev_stats ds;
	unsigned int i;
	int fd;

	for (i = 0; i < H.nr_maps; i++)
		must(rh_munmap(H.plat, H.maps[i].addr, H.maps[i].len) == 0, "final munmap");
	for (fd = 3; fd < RH_FD_MAX; fd++)
		if (H.fd[fd].kind != K_NONE)
			must(rh_close(H.plat, fd) == 0, "final close");
	must(rh_tee_dev_get_stats(H.plat, &ds) == 0, "tee stats");
	must(ds.contexts == 0 && ds.sessions == 0 && ds.shms == 0,
	     "a context, session or shm of /dev/tee0 outlived its fds");
	rh_tee_emu_get_stats(rh_tee_emu_of(H.plat), &es);
	must(es.sessions == H.emu_sessions, "a session in the secure world outlived its context");
	fuzz_check_clean(TARGET, H.plat);
}

/* ------------------------------------------------------------ setup */

static void setup(void)
{
	static const char *const uuids[] = {
		"8aaaf200-2450-11e4-abe2-0002a5d5c51b", /* hello_world */
		RH_TZ_TA_MEM_UUID_MTK,
		RH_TA_SVP_UUID,
		RH_TA_SDP_UUID,
	};
	struct rh_tee_emu_stats es;
	unsigned int i;

	H.ready = true;
	H.plat = fuzz_platform_new(TARGET);
	H.devnull = fopen("/dev/null", "w");
	must(H.devnull != NULL, "/dev/null");
	/* User pointers as the shim's programs pass them: any, a fault is -EFAULT. */
	must(rh_uapi_set_user_access(H.plat, RH_UACCESS_TRAPPED) == 0, "trapped user access");
	for (i = 0; i < FUZZ_ARRAY_SIZE(uuids); i++)
		must(rh_uuid_parse(uuids[i], H.uuids[i]) == 0, "uuid");
	H.user = mmap(NULL, USER_PAGES * PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	must(H.user != MAP_FAILED, "user memory");
	memset(H.user, 0x5a, USER_PAGES * PG);
	must(munmap(H.user + 4 * PG, PG) == 0 && mprotect(H.user + 5 * PG, PG, PROT_READ) == 0,
	     "user memory's hole and read-only page");
	/* The heaps open their kernel sessions on first use: before the baseline. */
	for (i = 0; i < 3; i++) {
		struct fuzz_cursor warm = { (const uint8_t[]){ (uint8_t)i }, 1 };

		H.nr_made = 0;
		op_buffer(&warm);
		if (!H.nr_made)
			continue;
		must(rh_close(H.plat, H.made[0]) == 0, "warm-up close");
		H.fd[H.made[0]].kind = K_NONE;
	}
	rh_tee_emu_get_stats(rh_tee_emu_of(H.plat), &es);
	H.emu_sessions = es.sessions;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_cursor c = { data, size };
	unsigned int i;

	if (!H.ready)
		setup();
	must(rh_fd_count(H.plat) == 3, "input starts with fds open");
	memset(H.fd, 0, sizeof(H.fd));
	H.fd[0].kind = H.fd[1].kind = H.fd[2].kind = K_STD;
	H.nopen = 3;
	H.nr_made = 0;
	H.nr_maps = 0;
	H.nr_sess = 0;
	H.next_ctx = 1;

	for (i = 0; i < MAX_OPS && c.n; i++) {
		switch (fuzz_get8(&c) % NR_OPS) {
		case OP_OPEN: op_open(&c); break;
		case OP_BUFFER: op_buffer(&c); break;
		case OP_VERSION: op_version(&c); break;
		case OP_SHM_ALLOC: op_shm_alloc(&c); break;
		case OP_SHM_REGISTER: op_shm_register(&c); break;
		case OP_OPEN_SESSION: op_open_session(&c); break;
		case OP_INVOKE: op_invoke(&c); break;
		case OP_CANCEL: op_cancel(&c); break;
		case OP_CLOSE_SESSION: op_close_session(&c); break;
		case OP_REGISTER_FD: op_register_fd(&c); break;
		case OP_MMAP: op_mmap(&c); break;
		case OP_MUNMAP: op_munmap(&c); break;
		case OP_CLOSE: op_close(&c); break;
		case OP_DUP: op_dup(&c); break;
		default: op_raw_ioctl(&c); break;
		}
		must(rh_fd_count(H.plat) == H.nopen, "fd table and the calls disagree");
	}
	finish();
	return 0;
}
