// SPDX-License-Identifier: MIT
/* libFuzzer target: the fd layer (open, ioctl, mmap, lseek, close, dup) on call sequences. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/platform.h>
#include <rheap/uapi.h>

#include "fuzz-common.h"

/*
 * Each input is a program of up to MAX_OPS calls on the simulated process
 * of one platform (created once, a small device tree built below: 32 MiB
 * of DRAM, a 4 MiB TEE chunk, an 8 MiB dynamic restricted region, the
 * emulator as TEE), each call one opcode byte and its operands:
 *
 *	open     heap node (or a bad path), open flags
 *	ioctl    fd, command (a real one, possibly with other size, direction,
 *		 type or nr bits or high bits, or any 32-bit value), argument
 *		 (NULL, or user memory of exactly the command's size filled
 *		 from the input; the DMA_BUF_SET_NAME commands take a string)
 *	buffer   open a heap node and allocate through DMA_HEAP_IOCTL_ALLOC
 *		 with a well-formed struct (a short cut to dma-buf fds)
 *	mmap / munmap / lseek / close / dup / fdinfo  with fuzzed arguments
 *
 * fds are picked among those the program made, the standard streams,
 * closed and out-of-range numbers. Checked for every call: a result of 0
 * or a valid negative errno; heap fds follow dma_heap_ioctl()'s size
 * rules to the byte (only nr 0 allocates; the user struct is read for
 * min(its size, what IN allows), zero-extended, and written back for its
 * size when OUT is set, extra bytes unchanged); fds that the program
 * holds open stay valid; a mapping is readable over its whole length.
 * After each input everything is closed and unmapped (the standard
 * streams are never closed) and the platform must be back where it
 * started: 3 fds, no dma-buf, no buffer in the TEE, no mapping.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OPS 64
#define MAX_MAPS 16
#define MAX_NAME_INPUT 40
#define MAX_HEAPS 8

enum kind { K_NONE, K_STD, K_HEAP, K_DMABUF, K_SYNC };

enum op {
	OP_OPEN,
	OP_IOCTL,
	OP_BUFFER,
	OP_MMAP,
	OP_MUNMAP,
	OP_LSEEK,
	OP_CLOSE,
	OP_DUP,
	OP_FDINFO,
	NR_OPS,
};

struct mapping {
	void *addr;
	size_t len;
};

static struct {
	bool ready;
	struct rh_platform *plat;
	FILE *devnull;
	const char *heaps[MAX_HEAPS];
	unsigned int nr_heaps;

	/* per input */
	enum kind kind[RH_FD_MAX];
	int nopen; /* fds open, the standard streams included */
	int fds[MAX_OPS * 2]; /* every fd the input made, closed ones too */
	unsigned int nr_fds;
	int last_closed;
	struct mapping maps[MAX_MAPS];
	unsigned int nr_maps;
} H;

static const unsigned long real_cmds[] = {
	RH_DMA_HEAP_IOCTL_ALLOC,
	RH_IOWR(RH_DMA_HEAP_IOC_MAGIC, 0x0, uint64_t[2]), /* an older, shorter struct */
	RH_IOWR(RH_DMA_HEAP_IOC_MAGIC, 0x0, uint64_t[4]), /* a newer, longer one */
	RH_DMA_BUF_IOCTL_SYNC,
	RH_DMA_BUF_SET_NAME_A,
	RH_DMA_BUF_SET_NAME_B,
	RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE,
	RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE,
};

static const char *const bad_paths[] = {
	RH_DMA_HEAP_DEV_DIR,
	RH_DMA_HEAP_DEV_DIR "/",
	RH_DMA_HEAP_DEV_DIR "/nosuchheap",
	RH_DMA_HEAP_DEV_DIR "/system/x",
	"/dev/null",
	"",
	NULL,
};

static void fail(const char *what)
{
	fuzz_fail("uapi-ioctl", what);
}

static void must(bool ok, const char *what)
{
	if (!ok)
		fail(what);
}

/* 0 or a negative errno the kernel could return. */
static void check_ret(long ret, const char *what)
{
	if (ret > 0 || ret < -4095)
		fail(what);
}

/* ------------------------------------------------------------ input */

/* Copy up to @len input bytes to @dst; the rest of @dst stays as it is. */
static void get_bytes(struct fuzz_cursor *c, void *dst, size_t len)
{
	if (len > c->n)
		len = c->n;
	if (len)
		memcpy(dst, c->p, len);
	c->p += len;
	c->n -= len;
}

/* ------------------------------------------------------------ fds */

static enum kind kind_of(int fd)
{
	return fd >= 0 && fd < RH_FD_MAX ? H.kind[fd] : K_NONE;
}

static void track(int fd, enum kind k)
{
	must(fd >= 3 && fd < RH_FD_MAX, "new fd outside the table");
	must(kind_of(fd) == K_NONE, "new fd was already open");
	H.kind[fd] = k;
	H.nopen++;
	if (H.nr_fds < sizeof(H.fds) / sizeof(H.fds[0]))
		H.fds[H.nr_fds++] = fd;
}

/* The fd the next open file gets: the lowest free number. */
static int lowest_free(void)
{
	int fd;

	for (fd = 0; fd < RH_FD_MAX && H.kind[fd] != K_NONE; fd++)
		;
	return fd;
}

static int pick_fd(struct fuzz_cursor *c)
{
	static const int special[] = { -1, 0, 1, 2, 3, 4, 63, 1023, 1024, INT_MAX, INT_MIN };
	uint8_t b = fuzz_get8(c);

	if (b < 0xc0 && H.nr_fds)
		return H.fds[b % H.nr_fds];
	if ((b & 0x0f) == 0x0f)
		return H.last_closed;
	return special[(b & 0x0f) % (sizeof(special) / sizeof(special[0]))];
}

/* ------------------------------------------------------------ calls */

static void op_open(struct fuzz_cursor *c)
{
	unsigned int nr_paths = H.nr_heaps + sizeof(bad_paths) / sizeof(bad_paths[0]);
	uint8_t sel = fuzz_get8(c), fb = fuzz_get8(c);
	char path[128];
	const char *p;
	int flags, fd;

	if (sel % nr_paths < H.nr_heaps) {
		snprintf(path, sizeof(path), "%s/%s", RH_DMA_HEAP_DEV_DIR, H.heaps[sel % nr_paths]);
		p = path;
	} else {
		p = bad_paths[sel % nr_paths - H.nr_heaps];
	}
	flags = fb & O_ACCMODE;
	if (fb & 4)
		flags |= O_CLOEXEC;
	if (fb & 8)
		flags |= (int)fuzz_get(c, 4);
	fd = rh_open(H.plat, p, flags);
	check_ret(fd < 0 ? fd : 0, "rh_open result");
	if (fd >= 0) {
		must(p == path, "a bad path opened");
		must(fd == lowest_free(), "open did not take the lowest free fd");
		track(fd, K_HEAP);
	} else {
		must(p != path || fd == -EMFILE || fd == -ENOMEM, "a heap node did not open");
	}
}

static unsigned long pick_cmd(struct fuzz_cursor *c)
{
	uint8_t m = fuzz_get8(c), x;
	unsigned long cmd;

	if ((m & 3) == 3) {
		cmd = (unsigned long)fuzz_get(c, 4);
	} else {
		cmd = real_cmds[(m >> 2) % (sizeof(real_cmds) / sizeof(real_cmds[0]))];
		x = fuzz_get8(c);
		if (x & 1)
			cmd = (cmd & ~((unsigned long)RH_IOC_SIZEMASK << RH_IOC_SIZESHIFT)) |
			      ((fuzz_get(c, 2) & RH_IOC_SIZEMASK) << RH_IOC_SIZESHIFT);
		if (x & 2)
			cmd = (cmd & ~((unsigned long)RH_IOC_DIRMASK << RH_IOC_DIRSHIFT)) |
			      ((unsigned long)((x >> 4) & RH_IOC_DIRMASK) << RH_IOC_DIRSHIFT);
		if (x & 4)
			cmd = (cmd & ~(unsigned long)RH_IOC_NRMASK) | fuzz_get8(c);
		if (x & 8)
			cmd = (cmd & ~((unsigned long)RH_IOC_TYPEMASK << RH_IOC_TYPESHIFT)) |
			      ((unsigned long)fuzz_get8(c) << RH_IOC_TYPESHIFT);
	}
	/* Only the low 32 bits may count (the syscall's unsigned int). */
	if (m & 0x80)
		cmd |= (unsigned long)fuzz_get(c, 4) << 16 << 16;
	return cmd;
}

/*
 * What dma_heap_ioctl() leaves in a user struct of @size bytes that held
 * @before: the zero-extended input (if IN) written back (if OUT), with
 * the new fd when the allocation succeeded.
 */
static void check_heap_ioctl(unsigned int ucmd, const unsigned char *before,
			     const unsigned char *after, size_t size, int ret, int newfd)
{
	unsigned int kcmd = RH_DMA_HEAP_IOCTL_ALLOC;
	size_t in = (ucmd & kcmd & RH_IOC_IN) ? size : 0;
	size_t out = (ucmd & kcmd & RH_IOC_OUT) ? size : 0;
	struct rh_dma_heap_allocation_data k = { 0 };
	unsigned char expect[RH_IOC_SIZEMASK + 1];
	size_t ksize = size > sizeof(k) ? size : sizeof(k);

	if (RH_IOC_NR(ucmd) != 0) {
		must(ret == -EINVAL, "heap ioctl with nr != 0 not -EINVAL");
		must(!memcmp(before, after, size), "heap ioctl with nr != 0 wrote");
		return;
	}
	memset(expect, 0, ksize);
	memcpy(expect, before, in);
	memcpy(&k, expect, sizeof(k));
	if (k.fd || !k.len || k.heap_flags || (k.fd_flags & ~RH_DMA_HEAP_VALID_FD_FLAGS))
		must(ret == -EINVAL, "a bad allocation struct was not -EINVAL");
	if (!ret) {
		must(k.len && !k.fd && !k.heap_flags, "allocation of a bad struct");
		k.fd = (uint32_t)newfd;
		memcpy(expect + offsetof(struct rh_dma_heap_allocation_data, fd), &k.fd,
		       sizeof(k.fd));
	}
	if (out)
		must(!memcmp(expect, after, out), "heap ioctl wrote back other bytes");
	else
		must(!memcmp(before, after, size), "heap ioctl without OUT wrote");
}

static void op_ioctl(struct fuzz_cursor *c)
{
	unsigned char *arg = NULL, *before = NULL;
	int fd, ret, newfd, lowest = lowest_free(), n;
	unsigned long cmd;
	unsigned int ucmd;
	size_t size, len;
	bool made, name;
	uint8_t mode;
	enum kind k;

	/* Operands in input order: fd, command, argument mode, argument. */
	fd = pick_fd(c);
	k = kind_of(fd);
	cmd = pick_cmd(c);
	ucmd = (unsigned int)cmd;
	name = ucmd == RH_DMA_BUF_SET_NAME_A || ucmd == RH_DMA_BUF_SET_NAME_B;
	size = RH_IOC_SIZE(ucmd);
	mode = fuzz_get8(c);
	if (mode & 1) {
		if (name) {
			/* A string: NUL-terminated unless it is too long anyway. */
			len = fuzz_get8(c) % (MAX_NAME_INPUT + 1);
			size = len < RH_DMA_BUF_NAME_LEN ? len + 1 : len;
		}
		/* Exactly the user memory: ASan sees any access beyond. */
		arg = calloc(1, size ? size : 1);
		before = malloc(size ? size : 1);
		must(arg && before, "out of memory");
		if (!name)
			len = fuzz_get8(c);
		get_bytes(c, arg, len < size ? len : size);
		if (mode & 2 && !name && size >= 8) {
			/* An fd where the sync-file structs keep one. */
			newfd = pick_fd(c);
			memcpy(arg + 4, &newfd, sizeof(newfd));
		}
		memcpy(before, arg, size);
	}

	ret = rh_ioctl(H.plat, fd, cmd, arg);
	check_ret(ret, "rh_ioctl result");
	/* An fd made by an ioctl may not reach the user (short struct, no OUT). */
	n = rh_fd_count(H.plat);
	must(n == H.nopen || (n == H.nopen + 1 && !ret), "ioctl changed the fd table");
	made = n == H.nopen + 1;
	if (made) {
		must(k == K_HEAP || ucmd == RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE,
		     "an ioctl that makes no fd made one");
		track(lowest, k == K_HEAP ? K_DMABUF : K_SYNC);
	}

	switch (k) {
	case K_NONE:
		must(ret == -EBADF, "ioctl on a closed fd");
		break;
	case K_STD:
	case K_SYNC:
		must(ret == -ENOTTY, "ioctl on a tty or sync_file");
		break;
	case K_HEAP:
		must(!ret == made, "an allocation succeeded without an fd");
		if (arg)
			check_heap_ioctl(ucmd, before, arg, size, ret, lowest);
		break;
	case K_DMABUF:
		if (ucmd == RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE && !ret) {
			memcpy(&newfd, arg + 4, sizeof(newfd));
			must(newfd == lowest, "export reported another fd");
		}
		if (ucmd != RH_DMA_BUF_IOCTL_SYNC && !name &&
		    ucmd != RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE &&
		    ucmd != RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE)
			must(ret == -ENOTTY, "unknown dma-buf ioctl not -ENOTTY");
		if (name && arg && !ret)
			must(memchr(arg, '\0', RH_DMA_BUF_NAME_LEN) != NULL, "name without NUL taken");
		break;
	}
	free(arg);
	free(before);
}

static void op_buffer(struct fuzz_cursor *c)
{
	struct rh_dma_heap_allocation_data a = { 0 };
	uint8_t sel = fuzz_get8(c), pages = fuzz_get8(c), fb = fuzz_get8(c);
	char path[128];
	int hfd, ret;

	if (!H.nr_heaps)
		return;
	snprintf(path, sizeof(path), "%s/%s", RH_DMA_HEAP_DEV_DIR, H.heaps[sel % H.nr_heaps]);
	hfd = rh_open(H.plat, path, O_RDONLY | O_CLOEXEC);
	if (hfd < 0) {
		must(hfd == -EMFILE, "a heap node did not open");
		return;
	}
	track(hfd, K_HEAP);
	a.len = ((uint64_t)pages + 1) * RH_PAGE_SIZE - (fb & 0x80 ? 1 : 0);
	a.fd_flags = (fb & O_ACCMODE) | (fb & 4 ? O_CLOEXEC : 0);
	ret = rh_ioctl(H.plat, hfd, RH_DMA_HEAP_IOCTL_ALLOC, &a);
	check_ret(ret, "allocation result");
	if (!ret) {
		must((int)a.fd == lowest_free(), "allocation reported another fd");
		track((int)a.fd, K_DMABUF);
	} else {
		must(ret == -ENOMEM || ret == -EMFILE || ret == -EINVAL,
		     "allocation failed with an unexpected errno");
	}
}

static size_t pick_len(struct fuzz_cursor *c)
{
	uint8_t b = fuzz_get8(c);

	if (b & 0x80)
		return (size_t)fuzz_get(c, 8);
	/* Whole pages, or a few bytes off. */
	return ((size_t)(b & 0x1f) << 12) + (b & 0x40 ? (b & 0x20 ? 1 : (size_t)-1) : 0);
}

static void op_mmap(struct fuzz_cursor *c)
{
	static const int map_flags[] = { MAP_SHARED, MAP_SHARED_VALIDATE, MAP_PRIVATE, 0 };
	volatile unsigned char *p;
	void *addr = NULL;
	int fd, prot, flags, ret;
	uint8_t pb, ob;
	off_t offset;
	size_t len, i;

	/* Operands in input order: fd, length, prot/flags (u32 flags), offset (u64). */
	fd = pick_fd(c);
	len = pick_len(c);
	pb = fuzz_get8(c);
	prot = pb & (PROT_READ | PROT_WRITE | PROT_EXEC);
	flags = pb & 0x80 ? (int)fuzz_get(c, 4) : map_flags[(pb >> 3) & 3];
	ob = fuzz_get8(c);
	offset = ob & 0x80 ? (off_t)fuzz_get(c, 8) : (off_t)(ob & 0x0f) << 12;
	ret = rh_mmap(H.plat, fd, len, prot, flags, offset, &addr);
	check_ret(ret, "rh_mmap result");
	if (ret) {
		must(addr == NULL, "failed mmap wrote its result");
		return;
	}
	must(kind_of(fd) == K_DMABUF && addr && len, "mapped something else than a dma-buf");
	if (prot & PROT_READ) {
		/* Every page of the mapping must be backed. */
		p = addr;
		for (i = 0; i < len; i += RH_PAGE_SIZE)
			(void)p[i];
		(void)p[len - 1];
	}
	if (H.nr_maps < MAX_MAPS) {
		H.maps[H.nr_maps].addr = addr;
		H.maps[H.nr_maps].len = len;
		H.nr_maps++;
	} else {
		must(rh_munmap(H.plat, addr, len) == 0, "munmap of a fresh mapping");
	}
}

static void op_munmap(struct fuzz_cursor *c)
{
	uint8_t b = fuzz_get8(c);
	struct mapping *m;
	size_t len;
	int ret;

	if (!H.nr_maps) {
		must(rh_munmap(H.plat, (void *)(uintptr_t)RH_PAGE_SIZE, RH_PAGE_SIZE) == -EINVAL,
		     "munmap of nothing");
		return;
	}
	m = &H.maps[b % H.nr_maps];
	switch ((b >> 4) & 3) {
	case 0:
		len = m->len;
		break;
	case 1:
		len = m->len + RH_PAGE_SIZE;
		break;
	case 2:
		len = 0;
		break;
	default:
		len = pick_len(c);
		break;
	}
	ret = rh_munmap(H.plat, m->addr, len);
	if (len && RH_PAGE_ALIGN((uint64_t)len) == RH_PAGE_ALIGN((uint64_t)m->len)) {
		must(ret == 0, "munmap of a whole mapping failed");
		*m = H.maps[--H.nr_maps];
	} else {
		must(ret == -EINVAL, "munmap of a wrong length succeeded");
	}
}

static void op_lseek(struct fuzz_cursor *c)
{
	static const int whences[] = { SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA };
	int fd = pick_fd(c), whence;
	uint8_t b = fuzz_get8(c);
	off_t offset, ret;

	offset = b & 0x80 ? (off_t)fuzz_get(c, 8) : (off_t)(b & 0x0f) - 1;
	whence = b & 0x40 ? (int)fuzz_get(c, 4) : whences[(b >> 4) & 3];
	ret = rh_lseek(H.plat, fd, offset, whence);
	check_ret(ret < 0 ? ret : 0, "rh_lseek result");
	if (ret >= 0)
		must(kind_of(fd) == K_DMABUF && offset == 0 &&
		     (whence == SEEK_END || (whence == SEEK_SET && ret == 0)),
		     "a seek other than (0, SEEK_SET) or (0, SEEK_END) succeeded");
	else if (kind_of(fd) == K_NONE)
		must(ret == -EBADF, "lseek on a closed fd");
}

static void op_close(struct fuzz_cursor *c)
{
	int fd = pick_fd(c), ret;

	/* The standard streams stay: every input starts with them. */
	if (fd >= 0 && fd <= 2)
		return;
	ret = rh_close(H.plat, fd);
	if (kind_of(fd) == K_NONE) {
		must(ret == -EBADF, "close of a closed fd");
		return;
	}
	must(ret == 0, "close of an open fd failed");
	H.kind[fd] = K_NONE;
	H.nopen--;
	H.last_closed = fd;
}

static void op_dup(struct fuzz_cursor *c)
{
	int fd = pick_fd(c), ret;

	ret = rh_dup(H.plat, fd);
	check_ret(ret < 0 ? ret : 0, "rh_dup result");
	if (kind_of(fd) == K_NONE) {
		must(ret == -EBADF, "dup of a closed fd");
		return;
	}
	if (ret >= 0) {
		must(ret == lowest_free(), "dup did not take the lowest free fd");
		track(ret, kind_of(fd));
	} else {
		must(ret == -EMFILE || ret == -ENOMEM, "dup of an open fd failed");
	}
}

static void op_fdinfo(struct fuzz_cursor *c)
{
	int fd = pick_fd(c), ret;

	if (fuzz_get8(c) & 1) {
		must(rh_dma_buf_bufinfo(H.plat, H.devnull) == 0, "bufinfo failed");
		return;
	}
	ret = rh_dma_buf_fdinfo(H.plat, fd, H.devnull);
	check_ret(ret, "fdinfo result");
	if (kind_of(fd) == K_NONE)
		must(ret == -EBADF, "fdinfo of a closed fd");
	else
		must(ret == 0, "fdinfo of an open fd failed");
}

/* ------------------------------------------------------------ clean up */

static void finish(void)
{
	unsigned int i;
	int fd;

	for (i = 0; i < H.nr_maps; i++)
		must(rh_munmap(H.plat, H.maps[i].addr, H.maps[i].len) == 0, "final munmap");
	for (fd = 3; fd < RH_FD_MAX; fd++)
		if (H.kind[fd] != K_NONE)
			must(rh_close(H.plat, fd) == 0, "final close");
	fuzz_check_clean("uapi-ioctl", H.plat);
}

/* ------------------------------------------------------------ setup */

static void setup(void)
{
	int n;

	H.ready = true;
	H.plat = fuzz_platform_new("uapi-ioctl");
	n = rh_dma_heap_list(H.plat, H.heaps, MAX_HEAPS);
	must(n > 0, "no heap");
	H.nr_heaps = (unsigned int)(n < MAX_HEAPS ? n : MAX_HEAPS);
	H.devnull = fopen("/dev/null", "w");
	must(H.devnull != NULL, "/dev/null");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_cursor c = { data, size };
	unsigned int i;

	if (!H.ready)
		setup();
	must(rh_fd_count(H.plat) == 3, "input starts with fds open");
	memset(H.kind, 0, sizeof(H.kind));
	H.kind[0] = H.kind[1] = H.kind[2] = K_STD;
	H.nopen = 3;
	H.nr_fds = 0;
	H.nr_maps = 0;
	H.last_closed = 3;

	for (i = 0; i < MAX_OPS && c.n; i++) {
		switch (fuzz_get8(&c) % NR_OPS) {
		case OP_OPEN:
			op_open(&c);
			break;
		case OP_IOCTL:
			op_ioctl(&c);
			break;
		case OP_BUFFER:
			op_buffer(&c);
			break;
		case OP_MMAP:
			op_mmap(&c);
			break;
		case OP_MUNMAP:
			op_munmap(&c);
			break;
		case OP_LSEEK:
			op_lseek(&c);
			break;
		case OP_CLOSE:
			op_close(&c);
			break;
		case OP_DUP:
			op_dup(&c);
			break;
		default:
			op_fdinfo(&c);
			break;
		}
		must(rh_fd_count(H.plat) == H.nopen, "fd table and the calls disagree");
	}
	finish();
	return 0;
}
