// SPDX-License-Identifier: MIT
/* The fd layer: a per-platform file table, open/close/dup, mmap/lseek/fcntl/fstat (ioctls: uapi-ioctl.c). */
#include "config.h"

#include <bitstring.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/tree.h>
#include <unistd.h>

#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/uapi.h>

#include "dma-buf/dmabuf-internal.h"
#include "dma-buf/file.h"
#include "dma-buf/uapi-internal.h"
#include "internal.h"
#include "lib/uaccess.h"
#include "trace/trace.h"

struct mapping {
	RB_ENTRY(mapping) node;
	uintptr_t start;
	size_t len;
	struct rh_dma_buf *dmabuf;
	/* A mapping of a FILE_OPS file instead (dmabuf NULL). */
	const struct rh_file_ops *ops;
	void *priv;
};

static int mapping_cmp(const struct mapping *a, const struct mapping *b)
{
	return a->start < b->start ? -1 : a->start > b->start;
}

RB_HEAD(mapping_tree, mapping);
/* RB_GENERATE_STATIC needs __unused, which libbsd's cdefs.h leaves undefined. */
#define MAPPING_RB_ATTR __attribute__((unused)) static
RB_GENERATE_INTERNAL(mapping_tree, mapping, node, mapping_cmp, MAPPING_RB_ATTR)

struct rh_file_table {
	pthread_mutex_t lock;
	struct fd_slot slots[RH_FD_MAX];
	bitstr_t bit_decl(used, RH_FD_MAX);
	int nr_open;
	struct mapping_tree mappings;
};

#define STDIO_FDS 3
#define RH_SEEK_MAX SEEK_HOLE

int rh_file_table_init(struct rh_platform *plat)
{
	struct rh_file_table *ft;
	int fd;

	ft = rh_zalloc(sizeof(*ft));
	if (!ft)
		return -ENOMEM;
	pthread_mutex_init(&ft->lock, NULL);
	RB_INIT(&ft->mappings);
	for (fd = 0; fd < STDIO_FDS; fd++) {
		ft->slots[fd].kind = FILE_STDIO;
		bit_set(ft->used, fd);
	}
	ft->nr_open = STDIO_FDS;
	plat->files = ft;
	return 0;
}

static void heap_file_put(struct heap_file *hf)
{
	if (atomic_fetch_sub_explicit(&hf->refcount, 1, memory_order_acq_rel) != 1)
		return;
	rh_dma_heap_put(hf->heap);
	rh_free(hf);
}

/* Takes a reference on what @slot points to; the table lock is held. */
static void slot_get(const struct fd_slot *slot)
{
	if (slot->kind == FILE_HEAP)
		atomic_fetch_add_explicit(&slot->u.hf->refcount, 1, memory_order_relaxed);
	else if (slot->kind == FILE_DMABUF)
		rh_get_dma_buf(slot->u.dmabuf);
	else if (slot->kind == FILE_OPS)
		slot->u.f.ops->get(slot->u.f.priv);
}

/* fput(): drops a reference taken by slot_get() or owned by an fd. */
void rh_fd_slot_put(const struct fd_slot *slot)
{
	if (slot->kind == FILE_HEAP)
		heap_file_put(slot->u.hf);
	else if (slot->kind == FILE_DMABUF)
		rh_dma_buf_put(slot->u.dmabuf);
	else if (slot->kind == FILE_OPS)
		slot->u.f.ops->put(slot->u.f.priv);
}

/* The vma goes, and with it every DRAM alias the exporter put in it. */
static void unmap_mapping(struct rh_platform *plat, struct mapping *m)
{
	int ret;

	ret = rh_phys_unmap_alias(plat, (void *)m->start, m->len);
	if (ret)
		rh_err(plat, "munmap: cannot unmap %p+0x%zx: %s", (void *)m->start, m->len,
		       strerror(-ret));
	if (m->dmabuf)
		rh_dma_buf_put(m->dmabuf);
	else
		m->ops->put(m->priv);
	rh_free(m);
}

void rh_file_table_close_all(struct rh_platform *plat)
{
	struct rh_file_table *ft = plat->files;
	struct fd_slot slot;
	struct mapping *m;
	int fd;

	if (!ft)
		return;
	/* Process exit: every mapping, then every fd, goes away. */
	for (;;) {
		pthread_mutex_lock(&ft->lock);
		m = RB_MIN(mapping_tree, &ft->mappings);
		if (m)
			RB_REMOVE(mapping_tree, &ft->mappings, m);
		pthread_mutex_unlock(&ft->lock);
		if (!m)
			break;
		unmap_mapping(plat, m);
	}
	for (fd = 0; fd < RH_FD_MAX; fd++) {
		pthread_mutex_lock(&ft->lock);
		slot = ft->slots[fd];
		if (slot.kind != FILE_FREE) {
			ft->slots[fd].kind = FILE_FREE;
			bit_clear(ft->used, fd);
			ft->nr_open--;
		}
		pthread_mutex_unlock(&ft->lock);
		/* Outside the lock: releasing a buffer may take time (and locks). */
		if (slot.kind != FILE_FREE)
			rh_fd_slot_put(&slot);
	}
}

void rh_file_table_fini(struct rh_platform *plat)
{
	struct rh_file_table *ft = plat->files;

	if (!ft)
		return;
	rh_file_table_close_all(plat);
	pthread_mutex_destroy(&ft->lock);
	rh_free(ft);
	plat->files = NULL;
}

/* get_unused_fd_flags() + fd_install(): the object's reference moves to the fd. */
int rh_fd_install_new(struct rh_file_table *ft, const struct fd_slot *slot)
{
	int fd;

	pthread_mutex_lock(&ft->lock);
	bit_ffc(ft->used, RH_FD_MAX, &fd);
	if (fd < 0) {
		pthread_mutex_unlock(&ft->lock);
		return -EMFILE;
	}
	bit_set(ft->used, fd);
	ft->slots[fd] = *slot;
	ft->nr_open++;
	pthread_mutex_unlock(&ft->lock);
	return fd;
}

int rh_fd_install_file(struct rh_platform *plat, const struct rh_file_ops *ops,
		       void *priv, bool cloexec)
{
	struct fd_slot slot = { .kind = FILE_OPS, .cloexec = cloexec };

	if (!plat || !plat->files || !ops)
		return -EINVAL;
	slot.u.f.ops = ops;
	slot.u.f.priv = priv;
	return rh_fd_install_new(plat->files, &slot);
}

/* rh_fdget(): a copy of the slot of @fd with a reference on its object. */
int rh_fdget(struct rh_platform *plat, int fd, struct fd_slot *ret_slot)
{
	struct rh_file_table *ft = plat->files;

	if (fd < 0 || fd >= RH_FD_MAX)
		return -EBADF;
	pthread_mutex_lock(&ft->lock);
	if (ft->slots[fd].kind == FILE_FREE) {
		pthread_mutex_unlock(&ft->lock);
		return -EBADF;
	}
	*ret_slot = ft->slots[fd];
	slot_get(ret_slot);
	pthread_mutex_unlock(&ft->lock);
	return 0;
}

/*
 * The fd table serves the platform's users: once their last reference is
 * gone (rh_platform_unref() closed every fd), a call from a user is a
 * caller bug that the objects still holding the platform keep from being
 * a use-after-free: refused, logged, and no fd installed that nobody
 * would close.
 */
bool rh_fd_table_ready(const struct rh_platform *plat)
{
	if (!plat || !plat->files)
		return false;
	if (atomic_load_explicit(&plat->users_gone, memory_order_acquire)) {
		rh_bug_caller(plat, "fd layer used after the platform's last rh_platform_unref()");
		return false;
	}
	return true;
}

RH_EXPORT int rh_open(struct rh_platform *plat, const char *path, int flags)
{
	static const char prefix[] = RH_DMA_HEAP_DEV_DIR "/";
	struct fd_slot slot = { .kind = FILE_HEAP };
	struct rh_dma_heap *heap;
	struct heap_file *hf;
	const char *name;
	int fd;

	if (!rh_fd_table_ready(plat))
		return -EINVAL;
	if (!path)
		return -EFAULT;
	if (!strcmp(path, RH_TEE_DEV_PATH))
		return rh_tee_dev_open(plat, flags);
	if (!strcmp(path, RH_DMA_HEAP_DEV_DIR) || !strcmp(path, prefix))
		return -EISDIR;
	if (strncmp(path, prefix, sizeof(prefix) - 1))
		return -ENOENT;
	name = path + sizeof(prefix) - 1;
	if (strchr(name, '/')) {
		/* A component below a character device node. */
		char node[RH_DMA_HEAP_NAME_LEN];
		size_t len = (size_t)(strchr(name, '/') - name);

		if (len >= sizeof(node))
			return -ENOENT;
		memcpy(node, name, len);
		node[len] = '\0';
		heap = rh_dma_heap_find(plat, node);
		rh_dma_heap_put(heap);
		return heap ? -ENOTDIR : -ENOENT;
	}
	heap = rh_dma_heap_find(plat, name);
	if (!heap)
		return -ENOENT;
	hf = rh_zalloc(sizeof(*hf));
	if (!hf) {
		rh_dma_heap_put(heap);
		return -ENOMEM;
	}
	atomic_init(&hf->refcount, 1);
	hf->heap = heap;
	/* Open flags that only act at open time are not part of f_flags. */
	hf->f_flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);
	slot.u.hf = hf;
	slot.cloexec = flags & O_CLOEXEC;
	fd = rh_fd_install_new(plat->files, &slot);
	if (fd < 0)
		heap_file_put(hf);
	RH_TRACE(plat, RH_TRACE_HEAP_OPEN, .name = name, .id = fd >= 0 ? (uint64_t)fd : 0,
		 .err = fd < 0 ? fd : 0);
	return fd;
}

RH_EXPORT int rh_close(struct rh_platform *plat, int fd)
{
	struct rh_file_table *ft;
	struct fd_slot slot;

	if (!rh_fd_table_ready(plat))
		return -EINVAL;
	ft = plat->files;
	if (fd < 0 || fd >= RH_FD_MAX)
		return -EBADF;
	pthread_mutex_lock(&ft->lock);
	slot = ft->slots[fd];
	if (slot.kind == FILE_FREE) {
		pthread_mutex_unlock(&ft->lock);
		return -EBADF;
	}
	memset(&ft->slots[fd], 0, sizeof(ft->slots[fd]));
	bit_clear(ft->used, fd);
	ft->nr_open--;
	pthread_mutex_unlock(&ft->lock);
	/* The release (exporter, heap) runs without the table lock. */
	rh_fd_slot_put(&slot);
	return 0;
}

RH_EXPORT int rh_dup(struct rh_platform *plat, int fd)
{
	struct rh_file_table *ft;
	int newfd;

	if (!rh_fd_table_ready(plat))
		return -EINVAL;
	ft = plat->files;
	if (fd < 0 || fd >= RH_FD_MAX)
		return -EBADF;
	pthread_mutex_lock(&ft->lock);
	if (ft->slots[fd].kind == FILE_FREE) {
		pthread_mutex_unlock(&ft->lock);
		return -EBADF;
	}
	bit_ffc(ft->used, RH_FD_MAX, &newfd);
	if (newfd < 0) {
		pthread_mutex_unlock(&ft->lock);
		return -EMFILE;
	}
	slot_get(&ft->slots[fd]);
	ft->slots[newfd] = ft->slots[fd];
	/* dup() never copies FD_CLOEXEC. */
	ft->slots[newfd].cloexec = false;
	bit_set(ft->used, newfd);
	ft->nr_open++;
	pthread_mutex_unlock(&ft->lock);
	return newfd;
}

RH_EXPORT int rh_fd_count(struct rh_platform *plat)
{
	int n;

	if (!rh_fd_table_ready(plat))
		return -EINVAL;
	pthread_mutex_lock(&plat->files->lock);
	n = plat->files->nr_open;
	pthread_mutex_unlock(&plat->files->lock);
	return n;
}

RH_EXPORT int rh_dma_buf_fd(struct rh_dma_buf *dmabuf, int flags)
{
	struct fd_slot slot = { .kind = FILE_DMABUF };
	struct rh_platform *plat = rh_dma_buf_platform(dmabuf);

	if (!dmabuf || !rh_fd_table_ready(plat))
		return -EINVAL;
	slot.u.dmabuf = dmabuf;
	slot.cloexec = flags & O_CLOEXEC;
	return rh_fd_install_new(plat->files, &slot);
}

RH_EXPORT struct rh_dma_buf *rh_dma_buf_get(struct rh_platform *plat, int fd)
{
	struct fd_slot slot;
	int ret;

	if (!rh_fd_table_ready(plat))
		return RH_ERR_PTR(-EINVAL);
	ret = rh_fdget(plat, fd, &slot);
	if (ret)
		return RH_ERR_PTR(ret);
	if (slot.kind != FILE_DMABUF) {
		rh_fd_slot_put(&slot);
		return RH_ERR_PTR(-EINVAL);
	}
	return slot.u.dmabuf;
}

int rh_fd_get_file(struct rh_platform *plat, int fd,
		   const struct rh_file_ops *ops, void **ret_priv)
{
	struct fd_slot slot;
	int ret;

	if (!rh_fd_table_ready(plat))
		return -EINVAL;
	ret = rh_fdget(plat, fd, &slot);
	if (ret)
		return ret;
	if (slot.kind != FILE_OPS || slot.u.f.ops != ops) {
		rh_fd_slot_put(&slot);
		return -EINVAL;
	}
	*ret_priv = slot.u.f.priv;
	return 0;
}

/* ------------------------------------------------------------ mmap, lseek */

static unsigned int slot_f_mode(const struct fd_slot *slot)
{
	switch (slot->kind) {
	case FILE_HEAP:
		return ((unsigned int)slot->u.hf->f_flags + 1) & O_ACCMODE;
	case FILE_DMABUF:
		return rh_dma_buf_f_mode(slot->u.dmabuf);
	case FILE_SYNC:
		return RH_FMODE_READ;
	case FILE_OPS:
		return ((unsigned int)slot->u.f.ops->f_flags(slot->u.f.priv) + 1) &
		       O_ACCMODE;
	default:
		return RH_FMODE_READ | RH_FMODE_WRITE;
	}
}

static int slot_f_flags(const struct fd_slot *slot)
{
	switch (slot->kind) {
	case FILE_HEAP:
		return slot->u.hf->f_flags;
	case FILE_DMABUF:
		return rh_dma_buf_f_flags(slot->u.dmabuf);
	case FILE_SYNC:
		return O_RDONLY;
	case FILE_OPS:
		return slot->u.f.ops->f_flags(slot->u.f.priv);
	default:
		return O_RDWR;
	}
}

RH_EXPORT int rh_mmap(struct rh_platform *plat, int fd, size_t len, int prot,
		      int flags, off_t offset, void **ret_ptr)
{
	struct rh_vm_area vma = { 0 };
	struct fd_slot slot;
	struct mapping *m;
	unsigned long pgoff;
	uint64_t size;
	bool shared;
	void *addr;
	int ret;

	if (!rh_fd_table_ready(plat) || !ret_ptr)
		return -EINVAL;
	if (offset < 0 || (offset & (off_t)(RH_PAGE_SIZE - 1)))
		return -EINVAL;
	ret = rh_fdget(plat, fd, &slot);
	if (ret)
		return ret;

	/* do_mmap(), in its order. */
	if (!len) {
		ret = -EINVAL;
		goto out_put;
	}
	size = RH_PAGE_ALIGN((uint64_t)len);
	if (!size || size > SIZE_MAX) {
		ret = -ENOMEM;
		goto out_put;
	}
	pgoff = (unsigned long)offset >> RH_PAGE_SHIFT;
	if (pgoff + (size >> RH_PAGE_SHIFT) < pgoff) {
		ret = -EOVERFLOW;
		goto out_put;
	}
	switch (flags & MAP_TYPE) {
	case MAP_SHARED:
	case MAP_SHARED_VALIDATE:
		shared = true;
		break;
	case MAP_PRIVATE:
		shared = false;
		break;
	default:
		ret = -EINVAL;
		goto out_put;
	}
	if (shared && (prot & PROT_WRITE) && !(slot_f_mode(&slot) & RH_FMODE_WRITE)) {
		ret = -EACCES;
		goto out_put;
	}
	if (!(slot_f_mode(&slot) & RH_FMODE_READ)) {
		ret = -EACCES;
		goto out_put;
	}
	if (slot.kind != FILE_DMABUF &&
	    (slot.kind != FILE_OPS || !slot.u.f.ops->mmap)) {
		ret = -ENODEV;
		goto out_put;
	}
	if (!shared) {
		/* Copy-on-write views of DRAM are not simulated. */
		rh_dbg(plat, "mmap: MAP_PRIVATE of a dma-buf is not supported");
		ret = -EOPNOTSUPP;
		goto out_put;
	}

	m = rh_zalloc(sizeof(*m));
	if (!m) {
		ret = -ENOMEM;
		goto out_put;
	}
	/* The exporter fills a reserved, inaccessible host range. */
	addr = mmap(NULL, size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (addr == MAP_FAILED) {
		ret = -ENOMEM;
		goto err_free_mapping;
	}
	vma.vm_start = (uintptr_t)addr;
	vma.vm_end = (uintptr_t)addr + size;
	vma.vm_pgoff = pgoff;
	vma.vm_prot = prot;
	vma.vm_flags = flags;
	if (slot.kind == FILE_OPS)
		ret = slot.u.f.ops->mmap(slot.u.f.priv, &vma);
	else
		ret = rh_dma_buf_mmap_internal(slot.u.dmabuf, &vma);
	if (ret)
		goto err_unmap;

	/* The rh_fdget() reference becomes the mapping's (vma->vm_file). */
	m->start = vma.vm_start;
	m->len = size;
	if (slot.kind == FILE_OPS) {
		m->ops = slot.u.f.ops;
		m->priv = slot.u.f.priv;
	} else {
		m->dmabuf = slot.u.dmabuf;
	}
	pthread_mutex_lock(&plat->files->lock);
	RB_INSERT(mapping_tree, &plat->files->mappings, m);
	pthread_mutex_unlock(&plat->files->lock);
	*ret_ptr = addr;
	return 0;

err_unmap:
	/* Also unregisters what the exporter mapped before it failed. */
	rh_phys_unmap_alias(plat, addr, size);
err_free_mapping:
	rh_free(m);
out_put:
	rh_fd_slot_put(&slot);
	return ret;
}

RH_EXPORT int rh_munmap(struct rh_platform *plat, void *addr, size_t len)
{
	struct mapping key, *m;

	if (!rh_fd_table_ready(plat) || !addr)
		return -EINVAL;
	key.start = (uintptr_t)addr;
	pthread_mutex_lock(&plat->files->lock);
	m = RB_FIND(mapping_tree, &plat->files->mappings, &key);
	if (!m || !len || RH_PAGE_ALIGN((uint64_t)len) != m->len) {
		pthread_mutex_unlock(&plat->files->lock);
		return -EINVAL;
	}
	RB_REMOVE(mapping_tree, &plat->files->mappings, m);
	pthread_mutex_unlock(&plat->files->lock);
	unmap_mapping(plat, m);
	return 0;
}

RH_EXPORT off_t rh_lseek(struct rh_platform *plat, int fd, off_t offset,
			 int whence)
{
	struct fd_slot slot;
	off_t ret;
	int err;

	if (!rh_fd_table_ready(plat))
		return -EINVAL;
	err = rh_fdget(plat, fd, &slot);
	if (err)
		return err;
	if (whence < 0 || whence > RH_SEEK_MAX)
		ret = -EINVAL;
	else if (slot.kind != FILE_DMABUF)
		ret = -ESPIPE;
	else if (offset != 0 || (whence != SEEK_END && whence != SEEK_SET))
		/* only support discovering the end of the buffer */
		ret = -EINVAL;
	else if (whence == SEEK_END)
		ret = (off_t)rh_dma_buf_size(slot.u.dmabuf);
	else
		ret = 0;
	rh_fd_slot_put(&slot);
	return ret;
}

RH_EXPORT int rh_dma_buf_fdinfo(struct rh_platform *plat, int fd, FILE *out)
{
	char name[RH_DMA_BUF_NAME_LEN];
	struct rh_dma_buf *dmabuf;
	struct fd_slot slot;
	int ret, f_flags;

	if (!rh_fd_table_ready(plat) || !out)
		return -EINVAL;
	ret = rh_fdget(plat, fd, &slot);
	if (ret)
		return ret;
	f_flags = slot_f_flags(&slot);
	if (slot.cloexec)
		f_flags |= O_CLOEXEC;
	fprintf(out, "pos:\t0\nflags:\t0%o\n", (unsigned int)f_flags);
	if (slot.kind == FILE_DMABUF) {
		dmabuf = slot.u.dmabuf;
		fprintf(out, "ino:\t%" PRIu64 "\n", rh_dma_buf_ino(dmabuf));
		fprintf(out, "size:\t%zu\n", rh_dma_buf_size(dmabuf));
		/* Don't count the temporary reference taken by rh_fdget() */
		fprintf(out, "count:\t%ld\n", rh_dma_buf_file_count(dmabuf) - 1);
		fprintf(out, "exp_name:\t%s\n", rh_dma_buf_exp_name(dmabuf));
		if (!rh_dma_buf_get_name(dmabuf, name))
			fprintf(out, "name:\t%s\n", name);
	}
	rh_fd_slot_put(&slot);
	return ferror(out) ? -EIO : 0;
}

/* ------------------------------------------------------------ fcntl, fstat */

/* The lowest free fd >= @from for a copy of @fd's slot (f_dupfd()). */
static int dup_from(struct rh_file_table *ft, int fd, int from, bool cloexec)
{
	int newfd;

	pthread_mutex_lock(&ft->lock);
	if (ft->slots[fd].kind == FILE_FREE) {
		pthread_mutex_unlock(&ft->lock);
		return -EBADF;
	}
	for (newfd = from; newfd < RH_FD_MAX; newfd++)
		if (!bit_test(ft->used, newfd))
			break;
	if (newfd >= RH_FD_MAX) {
		pthread_mutex_unlock(&ft->lock);
		return -EMFILE;
	}
	slot_get(&ft->slots[fd]);
	ft->slots[newfd] = ft->slots[fd];
	ft->slots[newfd].cloexec = cloexec;
	bit_set(ft->used, newfd);
	ft->nr_open++;
	pthread_mutex_unlock(&ft->lock);
	return newfd;
}

RH_EXPORT int rh_fcntl(struct rh_platform *plat, int fd, int cmd, long arg)
{
	struct rh_file_table *ft;
	struct fd_slot slot;
	int ret;

	if (!rh_fd_table_ready(plat))
		return -EINVAL;
	ft = plat->files;
	if (fd < 0 || fd >= RH_FD_MAX)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		/* f_dupfd(): a start beyond the limit is EINVAL. */
		if (arg < 0 || arg >= RH_FD_MAX)
			return rh_fdget(plat, fd, &slot) ? -EBADF : (rh_fd_slot_put(&slot), -EINVAL);
		return dup_from(ft, fd, (int)arg, cmd == F_DUPFD_CLOEXEC);
	case F_GETFD:
	case F_SETFD:
		pthread_mutex_lock(&ft->lock);
		if (ft->slots[fd].kind == FILE_FREE) {
			ret = -EBADF;
		} else if (cmd == F_GETFD) {
			ret = ft->slots[fd].cloexec ? FD_CLOEXEC : 0;
		} else {
			ft->slots[fd].cloexec = arg & FD_CLOEXEC;
			ret = 0;
		}
		pthread_mutex_unlock(&ft->lock);
		return ret;
	case F_GETFL:
		ret = rh_fdget(plat, fd, &slot);
		if (ret)
			return ret;
		ret = slot_f_flags(&slot);
		rh_fd_slot_put(&slot);
		return ret;
	default:
		/* Only what the file table models; the shim leaves the rest to the kernel. */
		ret = rh_fdget(plat, fd, &slot);
		if (ret)
			return ret;
		rh_fd_slot_put(&slot);
		return -EINVAL;
	}
}

RH_EXPORT int rh_fstat(struct rh_platform *plat, int fd, struct stat *ret_st)
{
	struct fd_slot slot;
	struct stat st;
	int ret;

	if (!rh_fd_table_ready(plat) || !ret_st)
		return -EINVAL;
	ret = rh_fdget(plat, fd, &slot);
	if (ret)
		return ret;
	memset(&st, 0, sizeof(st));
	st.st_nlink = 1;
	st.st_uid = getuid();
	st.st_gid = getgid();
	st.st_blksize = RH_PAGE_SIZE;
	switch (slot.kind) {
	case FILE_HEAP:
		/* dma_heap_devnode() gives no mode: the devtmpfs default. */
		st.st_mode = S_IFCHR | 0600;
		break;
	case FILE_DMABUF:
		/* The dmabuf pseudo file system's inode: i_size is the buffer's. */
		st.st_mode = S_IFREG | 0600;
		st.st_ino = rh_dma_buf_ino(slot.u.dmabuf);
		st.st_size = (off_t)rh_dma_buf_size(slot.u.dmabuf);
		break;
	case FILE_OPS:
		st.st_mode = slot.u.f.ops->st_mode;
		break;
	case FILE_SYNC:
		st.st_mode = 0600;
		break;
	default:
		st.st_mode = S_IFCHR | 0620;
		break;
	}
	rh_fd_slot_put(&slot);
	*ret_st = st;
	return 0;
}
