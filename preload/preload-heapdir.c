// SPDX-License-Identifier: MIT
/* LD_PRELOAD shim: opendir("/dev/dma_heap") and its readdir(), one entry per heap. */
#include "config.h"

#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preload.h"

/*
 * opendir("/dev/dma_heap") as the kernel's selftest and libdmabufheap do:
 * ".", "..", then one DT_CHR entry per heap. The DIR handed out is ours
 * (tagged), never passed to libc.
 */
#define HEAP_DIR_MAGIC 0x72686469u

struct heap_dir {
	uint32_t magic;
	unsigned int pos;
	int n;
	struct dirent ent;
	char names[RH_DMA_HEAP_MAX][RH_DMA_HEAP_NAME_LEN];
};

static struct heap_dir *as_heap_dir(DIR *d)
{
	struct heap_dir *hd = (struct heap_dir *)(void *)d;

	return d && hd->magic == HEAP_DIR_MAGIC ? hd : NULL;
}

static pthread_mutex_t dirs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct heap_dir *dirs[16];

static bool dir_is_ours(DIR *d)
{
	bool ours = false;
	size_t i;

	pthread_mutex_lock(&dirs_lock);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		ours |= dirs[i] && (DIR *)(void *)dirs[i] == d;
	pthread_mutex_unlock(&dirs_lock);
	return ours;
}

RH_EXPORT DIR *opendir(const char *path)
{
	const char *names[RH_DMA_HEAP_MAX];
	struct heap_dir *hd;
	size_t i, slot;
	int n, err;

	resolve();
	if (null_ptr(path) || (strcmp(path, HEAP_DIR) && strcmp(path, HEAP_DIR "/")))
		return libc_opendir(path);
	err = get_platform();
	if (err) {
		errno = -err;
		return NULL;
	}
	hd = calloc(1, sizeof(*hd));
	if (!hd)
		return NULL;
	hd->magic = HEAP_DIR_MAGIC;
	n = rh_dma_heap_list(plat, names, RH_DMA_HEAP_MAX);
	hd->n = n < 0 ? 0 : n > RH_DMA_HEAP_MAX ? RH_DMA_HEAP_MAX : n;
	for (i = 0; i < (size_t)hd->n; i++)
		snprintf(hd->names[i], sizeof(hd->names[i]), "%s", names[i]);
	pthread_mutex_lock(&dirs_lock);
	for (slot = 0; slot < sizeof(dirs) / sizeof(dirs[0]) && dirs[slot]; slot++)
		;
	if (slot < sizeof(dirs) / sizeof(dirs[0]))
		dirs[slot] = hd;
	pthread_mutex_unlock(&dirs_lock);
	if (slot == sizeof(dirs) / sizeof(dirs[0])) {
		free(hd);
		errno = EMFILE;
		return NULL;
	}
	return (DIR *)(void *)hd;
}

RH_EXPORT struct dirent *readdir(DIR *d)
{
	struct heap_dir *hd;
	const char *name;

	resolve();
	if (!dir_is_ours(d))
		return libc_readdir(d);
	hd = as_heap_dir(d);
	if (hd->pos >= (unsigned int)hd->n + 2)
		return NULL;
	name = hd->pos == 0 ? "." : hd->pos == 1 ? ".." : hd->names[hd->pos - 2];
	memset(&hd->ent, 0, sizeof(hd->ent));
	hd->ent.d_ino = hd->pos + 1;
	hd->ent.d_off = hd->pos + 1;
	hd->ent.d_reclen = sizeof(hd->ent);
	hd->ent.d_type = hd->pos < 2 ? DT_DIR : DT_CHR;
	snprintf(hd->ent.d_name, sizeof(hd->ent.d_name), "%s", name);
	hd->pos++;
	return &hd->ent;
}

RH_EXPORT struct dirent64 *readdir64(DIR *d)
{
	return (struct dirent64 *)readdir(d);
}

RH_EXPORT void rewinddir(DIR *d)
{
	resolve();
	if (!dir_is_ours(d)) {
		libc_rewinddir(d);
		return;
	}
	as_heap_dir(d)->pos = 0;
}

RH_EXPORT int dirfd(DIR *d)
{
	resolve();
	if (!dir_is_ours(d))
		return libc_dirfd(d);
	/* There is no kernel directory behind the simulated one. */
	return fail(ENOTSUP);
}

RH_EXPORT int closedir(DIR *d)
{
	size_t i;

	resolve();
	if (!dir_is_ours(d))
		return libc_closedir(d);
	pthread_mutex_lock(&dirs_lock);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if ((DIR *)(void *)dirs[i] == d)
			dirs[i] = NULL;
	pthread_mutex_unlock(&dirs_lock);
	free(d);
	return 0;
}
