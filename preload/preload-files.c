// SPDX-License-Identifier: MIT
/* LD_PRELOAD shim: the paths it serves: device nodes, bufinfo and fdinfo (memfd snapshots). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "preload.h"

#define BUFINFO "/sys/kernel/debug/dma_buf/bufinfo"

bool is_device_path(const char *path)
{
	return !strcmp(path, RH_TEE_DEV_PATH) ||
	       !strncmp(path, HEAP_DIR "/", sizeof(HEAP_DIR)) ||
	       !strcmp(path, HEAP_DIR);
}

/* /proc/self/fdinfo/N (also /proc/<pid>/ and /proc/thread-self/) of a simulated N */
static int fdinfo_target(const char *path)
{
	char self[32];
	const char *rest = NULL;
	char *end;
	long n;

	snprintf(self, sizeof(self), "/proc/%d/fdinfo/", (int)getpid());
	if (!strncmp(path, "/proc/self/fdinfo/", 18))
		rest = path + 18;
	else if (!strncmp(path, "/proc/thread-self/fdinfo/", 25))
		rest = path + 25;
	else if (!strncmp(path, self, strlen(self)))
		rest = path + strlen(self);
	if (!rest || !*rest)
		return -1;
	errno = 0;
	n = strtol(rest, &end, 10);
	if (errno || *end || n < 0 || n >= MAP_FDS || !map_get((int)n))
		return -1;
	return (int)n;
}

/* A read-only file holding what @fill writes, as the kernel's seq_file would show it. */
static int text_file(int (*fill)(FILE *out, int arg), int arg, int flags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int fd, ret;

	out = open_memstream(&text, &len);
	if (!out)
		return -ENOMEM;
	ret = fill(out, arg);
	if (fclose(out) && !ret)
		ret = -EIO;
	if (ret) {
		free(text);
		return ret;
	}
	fd = memfd_create("rheap-sim-text", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0 || (len && write(fd, text, len) != (ssize_t)len) ||
	    libc_lseek(fd, 0, SEEK_SET) != 0) {
		ret = -errno;
		if (fd >= 0)
			libc_close(fd);
		free(text);
		return ret;
	}
	free(text);
	return fd;
}

static int fill_bufinfo(FILE *out, int arg)
{
	return rh_dma_buf_bufinfo(plat, out);
}

static int fill_fdinfo(FILE *out, int fd)
{
	uint64_t e;
	int ret;

	ret = fd_get(fd, &e);
	if (ret)
		return ret == -EBADF ? -ENOENT : ret;
	ret = rh_dma_buf_fdinfo(plat, entry_sim(e), out);
	fd_put();
	return ret;
}

/* open() of one of our paths, or INT_MIN when the path is not ours. */
int sim_open(const char *path, int flags)
{
	enum sim_kind kind;
	int ret, sim, fdinfo;

	fdinfo = fdinfo_target(path);
	if (!is_device_path(path) && strcmp(path, BUFINFO) && fdinfo < 0)
		return INT_MIN;
	ret = get_platform();
	if (ret)
		return ret;
	if (fdinfo >= 0)
		return text_file(fill_fdinfo, fdinfo, flags);
	if (!strcmp(path, BUFINFO))
		return text_file(fill_bufinfo, 0, flags);
	kind = strcmp(path, RH_TEE_DEV_PATH) ? KIND_HEAP : KIND_TEE;
	sim = rh_open(plat, path, flags);
	return sim < 0 ? sim : install(sim, kind, flags & O_CLOEXEC);
}
