// SPDX-License-Identifier: MIT
/* /dev/tee0 in the fd layer: the TEE ioctls of drivers/tee/tee_core.c over the TEE client. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rheap/dma-buf.h>
#include <rheap/tee.h>
#include <rheap/uapi.h>

#include "dma-buf/file.h"
#include "internal.h"
#include "lib/uaccess.h"
#include "tee/tee-internal.h"

/*
 * A /dev/tee0 file is a user-space context of the TEE client
 * (rh_tee_context_open(..., user = true)): the REE-kernel logins are
 * refused to it, so user programs reach only the TAs open to them. Its
 * shared memory objects (TEE_IOC_SHM_ALLOC / SHM_REGISTER) are files of
 * their own, named by an id in memref parameters; an id only resolves in
 * the context that made it (tee_shm_get_from_id()).
 *
 * Lifetimes, as in the kernel: the context's sessions are closed when its
 * last fd goes (tee_release() -> optee_release()); a shm holds the context
 * (teedev_ctx_get()) and lives until its own fd and every mapping of it
 * are gone, then it is unregistered from the TEE.
 *
 * Every pointer the caller passes goes through src/lib/uaccess.h, so with
 * rh_uapi_check_user_pointers() a bad one is -EFAULT, never a crash.
 */

/* tee_ioctl_param structs that fit after a header in TEE_MAX_ARG_SIZE. */
#define MAX_UPARAMS \
	((RH_TEE_MAX_ARG_SIZE - sizeof(struct rh_tee_ioctl_invoke_arg)) / \
	 sizeof(struct rh_tee_ioctl_param))

struct tee_ushm;

/* The struct tee_context of an open /dev/tee0 (filp->private_data). */
struct tee_file {
	atomic_int refcount; /* one for the open file + one per shm */
	atomic_int files;    /* fd references: the last one releases */
	struct rh_platform *plat;
	struct rh_tee_context *ctx;
	int f_flags;
	bool cap_memref_null;
	atomic_uint nr_sessions; /* opened through this file, for the stats */
	pthread_mutex_t lock;    /* shms */
	LIST_HEAD(, tee_ushm) shms;
};

/* A struct tee_shm made for user space. */
struct tee_ushm {
	atomic_int refcount; /* its fd + mappings + calls using it */
	struct tee_file *tf;
	struct rh_tee_shm *shm;
	int32_t id;
	void *kaddr; /* SHM_ALLOC: our shared mapping; SHM_REGISTER: the user's */
	int memfd;   /* SHM_ALLOC: what kaddr maps, mapped again for the user; else -1 */
	size_t size;
	bool user_mapped; /* TEE_SHM_USER_MAPPED: registered user memory */
	bool dma_buf;     /* TEE_SHM_DMA_BUF: a protected buffer, no address */
	LIST_ENTRY(tee_ushm) link;
};

/* Device-wide shm ids (the teedev idr), never 0 and never reused. */
static atomic_int next_shm_id;

static const struct rh_file_ops tee_fops;
static const struct rh_file_ops tee_shm_fops;

/* ------------------------------------------------------------ contexts */

static void tf_put(struct tee_file *tf)
{
	if (atomic_fetch_sub_explicit(&tf->refcount, 1, memory_order_acq_rel) != 1)
		return;
	pthread_mutex_destroy(&tf->lock);
	rh_free(tf);
}

static void tee_file_get(void *priv)
{
	struct tee_file *tf = priv;

	atomic_fetch_add_explicit(&tf->files, 1, memory_order_relaxed);
}

/* tee_release() -> teedev_close_context(): the sessions end with the file. */
static void tee_file_put(void *priv)
{
	struct tee_file *tf = priv;
	struct rh_platform *plat = tf->plat;

	if (atomic_fetch_sub_explicit(&tf->files, 1, memory_order_acq_rel) != 1)
		return;
	rh_tee_client_close_context(tf->ctx);
	atomic_fetch_sub(&plat->tee_dev_sessions, atomic_load(&tf->nr_sessions));
	atomic_fetch_sub(&plat->tee_dev_contexts, 1);
	tf_put(tf);
}

/* Sessions of @tf and of the platform's user contexts (the leak report). */
static void sessions_add(struct tee_file *tf, int delta)
{
	atomic_fetch_add(&tf->nr_sessions, (unsigned int)delta);
	atomic_fetch_add(&tf->plat->tee_dev_sessions, (unsigned int)delta);
}

static int tee_file_f_flags(void *priv)
{
	return ((struct tee_file *)priv)->f_flags;
}

int rh_tee_dev_open(struct rh_platform *plat, int flags)
{
	struct rh_tee_ioctl_version_data vers;
	struct tee_file *tf;
	int fd;

	tf = rh_zalloc(sizeof(*tf));
	if (!tf)
		return -ENOMEM;
	/* tee_open() -> teedev_open(): a user context, no kernel logins. */
	tf->ctx = rh_tee_context_open(plat, NULL, NULL, &vers, true);
	if (RH_IS_ERR(tf->ctx)) {
		fd = (int)RH_PTR_ERR(tf->ctx);
		rh_free(tf);
		/* No TEE driver probed: there is no /dev/tee0. */
		return fd == -ENOENT ? -ENOENT : fd;
	}
	atomic_init(&tf->refcount, 1);
	atomic_init(&tf->files, 1);
	atomic_init(&tf->nr_sessions, 0);
	tf->plat = plat;
	tf->f_flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
	tf->cap_memref_null = vers.gen_caps & RH_TEE_GEN_CAP_MEMREF_NULL;
	pthread_mutex_init(&tf->lock, NULL);
	LIST_INIT(&tf->shms);
	fd = rh_fd_install_file(plat, &tee_fops, tf, flags & O_CLOEXEC);
	if (fd < 0) {
		rh_tee_client_close_context(tf->ctx);
		tf_put(tf);
		return fd;
	}
	atomic_fetch_add(&plat->tee_dev_contexts, 1);
	return fd;
}

/* ------------------------------------------------------------ shared memory */

/*
 * The memory of an SHM_ALLOC shm goes with it; registered memory is the
 * user's, and a registered dma-buf has none of ours.
 */
static void ushm_unmap(struct tee_ushm *us)
{
	if (us->user_mapped || us->dma_buf)
		return;
	munmap(us->kaddr, us->size);
	close(us->memfd);
}

static void ushm_get(struct tee_ushm *us)
{
	atomic_fetch_add_explicit(&us->refcount, 1, memory_order_relaxed);
}

/* tee_shm_put() -> tee_shm_release(): unregister, free, drop the context. */
static void ushm_put(struct tee_ushm *us)
{
	struct tee_file *tf = us->tf;

	if (atomic_fetch_sub_explicit(&us->refcount, 1, memory_order_acq_rel) != 1)
		return;
	pthread_mutex_lock(&tf->lock);
	LIST_REMOVE(us, link);
	pthread_mutex_unlock(&tf->lock);
	rh_tee_shm_put(us->shm);
	ushm_unmap(us);
	atomic_fetch_sub(&tf->plat->tee_dev_shms, 1);
	rh_free(us);
	tf_put(tf);
}

static void shm_file_get(void *priv)
{
	ushm_get(priv);
}

static void shm_file_put(void *priv)
{
	ushm_put(priv);
}

static int shm_file_f_flags(void *priv)
{
	return O_RDWR;
}

/*
 * tee_shm_fop_mmap(): registered user memory is not mapped again, the
 * range must lie inside the shm; the mapping is a second view of the same
 * pages (the shm's memfd mapped again, MAP_SHARED: valgrind refuses the
 * mremap() with old size 0 that would duplicate an anonymous mapping), so
 * the program and the TEE see each other's writes.
 */
static int shm_file_mmap(void *priv, struct rh_vm_area *vma)
{
	struct tee_ushm *us = priv;
	size_t len = vma->vm_end - vma->vm_start;

	/* Refuse sharing memory of the application, and registered dma-bufs with it. */
	if (us->user_mapped || us->dma_buf)
		return -EINVAL;
	if (vma->vm_pgoff + rh_vma_pages(vma) > us->size >> RH_PAGE_SHIFT ||
	    vma->vm_pgoff + rh_vma_pages(vma) < vma->vm_pgoff)
		return -EINVAL;
	if (mmap((void *)vma->vm_start, len, vma->vm_prot, MAP_SHARED | MAP_FIXED, us->memfd,
		 (off_t)vma->vm_pgoff << RH_PAGE_SHIFT) == MAP_FAILED)
		return -ENOMEM;
	return 0;
}

/* Make the file of a new shm; on success the caller's reference is the fd's. */
static int ushm_install(struct tee_file *tf, struct tee_ushm *us)
{
	int fd;

	us->tf = tf;
	atomic_init(&us->refcount, 1);
	atomic_fetch_add(&tf->refcount, 1);
	atomic_fetch_add(&tf->plat->tee_dev_shms, 1);
	pthread_mutex_lock(&tf->lock);
	LIST_INSERT_HEAD(&tf->shms, us, link);
	pthread_mutex_unlock(&tf->lock);
	/* tee_shm_get_fd(): O_RDWR | O_CLOEXEC */
	fd = rh_fd_install_file(tf->plat, &tee_shm_fops, us, true);
	if (fd < 0)
		ushm_put(us);
	return fd;
}

/* tee_shm_get_from_id(): a live shm of @tf's context, with a reference. */
static struct tee_ushm *ushm_from_id(struct tee_file *tf, uint64_t id)
{
	struct tee_ushm *us;
	int ref;

	pthread_mutex_lock(&tf->lock);
	LIST_FOREACH(us, &tf->shms, link) {
		if ((uint64_t)(int64_t)us->id != id)
			continue;
		/* One being released (count 0) is already gone for its users. */
		ref = atomic_load(&us->refcount);
		while (ref > 0 && !atomic_compare_exchange_weak(&us->refcount, &ref, ref + 1))
			;
		if (ref > 0)
			break;
	}
	pthread_mutex_unlock(&tf->lock);
	return us;
}

/* A registered shm with a fresh id, not installed yet. */
static struct tee_ushm *ushm_new(struct tee_file *tf, void *kaddr, int memfd,
				 size_t size, bool user_mapped)
{
	struct tee_ushm *us;
	int err;

	/*
	 * The kernel allocates (SHM_ALLOC) or pins (SHM_REGISTER) every page
	 * and lists them for OP-TEE: beyond the machine's memory that fails
	 * with -ENOMEM, here before a page list of that size is built.
	 */
	if (size > rh_platform_get_desc(tf->plat)->dram_size)
		return RH_ERR_PTR(-ENOMEM);
	us = rh_zalloc(sizeof(*us));
	if (!us)
		return RH_ERR_PTR(-ENOMEM);
	us->shm = rh_tee_shm_register_pages(tf->ctx, kaddr, size);
	if (RH_IS_ERR(us->shm)) {
		err = (int)RH_PTR_ERR(us->shm);
		rh_free(us);
		return RH_ERR_PTR(err);
	}
	us->kaddr = kaddr;
	us->memfd = memfd;
	us->size = size;
	us->user_mapped = user_mapped;
	us->id = atomic_fetch_add(&next_shm_id, 1) + 1;
	return us;
}

/* A shm not installed: undo ushm_new(). */
static void ushm_discard(struct tee_ushm *us)
{
	rh_tee_shm_put(us->shm);
	ushm_unmap(us);
	rh_free(us);
}

/*
 * The data struct back to the caller, then the fd; -EFAULT (and the shm is
 * gone) when it cannot be written, as tee_ioctl_shm_alloc() does.
 */
static int ushm_finish(struct tee_file *tf, struct tee_ushm *us, void *udata,
		       const void *data, size_t size)
{
	if (rh_copy_to_user(tf->plat, udata, data, size)) {
		ushm_discard(us);
		return -EFAULT;
	}
	return ushm_install(tf, us);
}

static int tee_ioctl_shm_alloc(struct tee_file *tf, void *udata)
{
	struct rh_tee_ioctl_shm_alloc_data data;
	struct tee_ushm *us;
	uint64_t size;
	void *kaddr;
	int memfd;

	if (rh_copy_from_user(tf->plat, &data, udata, sizeof(data)))
		return -EFAULT;
	/* Currently no input flags are supported */
	if (data.flags)
		return -EINVAL;
	/*
	 * The pool hands out whole pages (tee_shm_pool_op_alloc_helper());
	 * size 0 is refused here, where the kernel's pool fails it later.
	 */
	if (!data.size)
		return -EINVAL;
	size = RH_PAGE_ALIGN(data.size);
	if (!size || size > SIZE_MAX)
		return -ENOMEM;
	memfd = memfd_create("tee-shm", MFD_CLOEXEC);
	if (memfd < 0)
		return -ENOMEM;
	if (ftruncate(memfd, (off_t)size) < 0) {
		close(memfd);
		return -ENOMEM;
	}
	kaddr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (kaddr == MAP_FAILED) {
		close(memfd);
		return -ENOMEM;
	}
	us = ushm_new(tf, kaddr, memfd, size, false);
	if (RH_IS_ERR(us)) {
		munmap(kaddr, size);
		close(memfd);
		return (int)RH_PTR_ERR(us);
	}
	data.id = us->id;
	data.size = size;
	return ushm_finish(tf, us, udata, &data, sizeof(data));
}

static int tee_ioctl_shm_register(struct tee_file *tf, void *udata)
{
	struct rh_tee_ioctl_shm_register_data data;
	struct tee_ushm *us;
	void *addr;

	if (rh_copy_from_user(tf->plat, &data, udata, sizeof(data)))
		return -EFAULT;
	/* Currently no input flags are supported */
	if (data.flags)
		return -EINVAL;
	addr = (void *)(uintptr_t)data.addr;
	if ((uintptr_t)data.addr != data.addr || data.length > SIZE_MAX ||
	    data.addr + data.length < data.addr)
		return -EFAULT;
	/*
	 * register_shm_helper(): the array of more pages than the machine has
	 * cannot be allocated, before a page is looked at (here: before a
	 * walk of a huge reserved range that would take hours).
	 */
	if (data.length > rh_platform_get_desc(tf->plat)->dram_size)
		return -ENOMEM;
	/* tee_shm_register_user_buf(): access_ok(), then pinning the pages. */
	if (data.length && rh_user_range_ok(tf->plat, addr, (size_t)data.length))
		return -EFAULT;
	/* register_shm_helper(): no page to pin */
	if (!data.length)
		return -ENOMEM;
	if (!addr)
		return -EFAULT;
	us = ushm_new(tf, addr, -1, (size_t)data.length, true);
	if (RH_IS_ERR(us))
		return (int)RH_PTR_ERR(us);
	data.id = us->id;
	return ushm_finish(tf, us, udata, &data, sizeof(data));
}

/*
 * tee_ioctl_shm_register_fd() (Linux 6.18): a dma-buf of one of this TEE's
 * protected heaps becomes a shm of the context (rh_tee_shm_register_fd():
 * any other dma-buf, or another TEE's, is refused), with TEE_SHM_DMA_BUF
 * in the flags returned and no mapping: its fd cannot be mmap()ed. As
 * upstream, every refusal is -EINVAL (a closed fd too); running out of
 * memory stays -ENOMEM.
 */
static int tee_ioctl_shm_register_fd(struct tee_file *tf, void *udata)
{
	struct rh_tee_ioctl_shm_register_fd_data data;
	struct tee_ushm *us;
	int err;

	if (rh_copy_from_user(tf->plat, &data, udata, sizeof(data)))
		return -EFAULT;
	/* Currently no input flags are supported */
	if (data.flags)
		return -EINVAL;
	if (data.fd < 0 || data.fd > INT32_MAX)
		return -EINVAL;
	us = rh_zalloc(sizeof(*us));
	if (!us)
		return -ENOMEM;
	us->shm = rh_tee_shm_register_fd(tf->ctx, (int)data.fd);
	if (RH_IS_ERR(us->shm)) {
		err = (int)RH_PTR_ERR(us->shm);
		rh_free(us);
		return err == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	us->memfd = -1;
	us->size = rh_tee_shm_get_size(us->shm);
	us->dma_buf = true;
	us->id = atomic_fetch_add(&next_shm_id, 1) + 1;
	data.id = us->id;
	data.flags = RH_TEE_SHM_DMA_BUF;
	data.size = us->size;
	return ushm_finish(tf, us, udata, &data, sizeof(data));
}

/* ------------------------------------------------------------ calls */

/*
 * params_from_user(): every parameter read and checked before the call;
 * memrefs take a reference on their shm (put by params_put()).
 */
static int params_from_user(struct tee_file *tf, struct rh_tee_param *params,
			    struct tee_ushm **held, uint32_t num,
			    const char *uparams)
{
	struct rh_tee_ioctl_param ip;
	struct tee_ushm *us;
	uint64_t end;
	uint32_t n;

	for (n = 0; n < num; n++) {
		if (rh_copy_from_user(tf->plat, &ip, uparams + n * sizeof(ip), sizeof(ip)))
			return -EFAULT;
		/* All unused attribute bits has to be zero */
		if (ip.attr & ~(uint64_t)RH_TEE_IOCTL_PARAM_ATTR_MASK)
			return -EINVAL;
		params[n].attr = ip.attr;
		switch (ip.attr & RH_TEE_IOCTL_PARAM_ATTR_TYPE_MASK) {
		case RH_TEE_IOCTL_PARAM_ATTR_TYPE_NONE:
		case RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT:
			break;
		case RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT:
		case RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT:
			params[n].u.value.a = ip.a;
			params[n].u.value.b = ip.b;
			params[n].u.value.c = ip.c;
			break;
		case RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT:
		case RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT:
		case RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT:
			params[n].u.memref.shm = NULL;
			if (ip.c != RH_TEE_MEMREF_NULL) {
				us = ushm_from_id(tf, ip.c);
				if (!us)
					return -EINVAL;
				held[n] = us;
				/*
				 * Ensure offset + size does not overflow offset
				 * and does not overflow the size of the shm.
				 */
				if (__builtin_add_overflow(ip.a, ip.b, &end) ||
				    end > us->size)
					return -EINVAL;
				params[n].u.memref.shm = us->shm;
			} else if (!tf->cap_memref_null) {
				return -EINVAL;
			}
			params[n].u.memref.shm_offs = (size_t)ip.a;
			params[n].u.memref.size = (size_t)ip.b;
			break;
		default:
			/* Unknown attribute */
			return -EINVAL;
		}
	}
	return 0;
}

static void params_put(struct tee_ushm **held, uint32_t num)
{
	uint32_t n;

	for (n = 0; n < num; n++)
		if (held[n])
			ushm_put(held[n]);
}

/* params_to_user(): the outputs into the caller's parameter array. */
static int params_to_user(struct tee_file *tf, char *uparams,
			  const struct rh_tee_param *params, uint32_t num)
{
	struct rh_tee_ioctl_param *up;
	uint64_t v[3];
	uint32_t n;

	for (n = 0; n < num; n++) {
		up = (struct rh_tee_ioctl_param *)(void *)(uparams + n * sizeof(*up));
		switch (params[n].attr) {
		case RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT:
		case RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT:
			v[0] = params[n].u.value.a;
			v[1] = params[n].u.value.b;
			v[2] = params[n].u.value.c;
			if (rh_copy_to_user(tf->plat, &up->a, v, sizeof(v)))
				return -EFAULT;
			break;
		case RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT:
		case RH_TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT:
			v[0] = params[n].u.memref.size;
			if (rh_copy_to_user(tf->plat, &up->b, v, sizeof(v[0])))
				return -EFAULT;
			break;
		default:
			break;
		}
	}
	return 0;
}

/*
 * The buffer of OPEN_SESSION / INVOKE: buf_len within TEE_MAX_ARG_SIZE and
 * at least the header, the header read, then buf_len equal to header +
 * num_params parameters. Returns the user address of the header or NULL
 * with *@ret_err set.
 */
static char *read_call_buf(struct tee_file *tf, const void *ubuf, void *hdr,
			   size_t hdr_size, size_t num_params_at, int *ret_err)
{
	struct rh_tee_ioctl_buf_data buf;
	uint32_t num;
	char *uarg;

	*ret_err = -EFAULT;
	if (rh_copy_from_user(tf->plat, &buf, ubuf, sizeof(buf)))
		return NULL;
	*ret_err = -EINVAL;
	if (buf.buf_len > RH_TEE_MAX_ARG_SIZE || buf.buf_len < hdr_size)
		return NULL;
	uarg = (char *)(uintptr_t)buf.buf_ptr;
	*ret_err = -EFAULT;
	if ((uintptr_t)buf.buf_ptr != buf.buf_ptr ||
	    rh_copy_from_user(tf->plat, hdr, uarg, hdr_size))
		return NULL;
	memcpy(&num, (char *)hdr + num_params_at, sizeof(num));
	*ret_err = -EINVAL;
	if (num > MAX_UPARAMS ||
	    hdr_size + num * sizeof(struct rh_tee_ioctl_param) != buf.buf_len)
		return NULL;
	*ret_err = 0;
	return uarg;
}

static int put_user_u32(struct tee_file *tf, char *uarg, size_t at, uint32_t v)
{
	return rh_copy_to_user(tf->plat, uarg + at, &v, sizeof(v));
}

static int tee_ioctl_open_session(struct tee_file *tf, const void *ubuf)
{
	struct rh_tee_param params[MAX_UPARAMS];
	struct tee_ushm *held[MAX_UPARAMS] = { 0 };
	struct rh_tee_ioctl_open_session_arg arg;
	bool have_session = false;
	char *uarg;
	int rc;

	uarg = read_call_buf(tf, ubuf, &arg, sizeof(arg),
			     offsetof(struct rh_tee_ioctl_open_session_arg, num_params),
			     &rc);
	if (!uarg)
		return rc;
	memset(params, 0, sizeof(params));
	rc = params_from_user(tf, params, held, arg.num_params, uarg + sizeof(arg));
	if (rc)
		goto out;
	/* The REE-kernel login check of tee_ioctl_open_session() is the client's (-EPERM). */
	rc = rh_tee_client_open_session(tf->ctx, &arg, params);
	if (rc)
		goto out;
	have_session = arg.ret == RH_TEEC_SUCCESS;
	if (have_session)
		sessions_add(tf, 1);
	if (put_user_u32(tf, uarg, offsetof(struct rh_tee_ioctl_open_session_arg, session),
			 arg.session) ||
	    put_user_u32(tf, uarg, offsetof(struct rh_tee_ioctl_open_session_arg, ret),
			 arg.ret) ||
	    put_user_u32(tf, uarg, offsetof(struct rh_tee_ioctl_open_session_arg, ret_origin),
			 arg.ret_origin)) {
		rc = -EFAULT;
		goto out;
	}
	rc = params_to_user(tf, uarg + sizeof(arg), params, arg.num_params);
out:
	/* A session the caller cannot learn about is closed again. */
	if (rc && have_session &&
	    !rh_tee_client_close_session(tf->ctx, arg.session))
		sessions_add(tf, -1);
	params_put(held, arg.num_params);
	return rc;
}

static int tee_ioctl_invoke(struct tee_file *tf, const void *ubuf)
{
	struct rh_tee_param params[MAX_UPARAMS];
	struct tee_ushm *held[MAX_UPARAMS] = { 0 };
	struct rh_tee_ioctl_invoke_arg arg;
	char *uarg;
	int rc;

	uarg = read_call_buf(tf, ubuf, &arg, sizeof(arg),
			     offsetof(struct rh_tee_ioctl_invoke_arg, num_params), &rc);
	if (!uarg)
		return rc;
	memset(params, 0, sizeof(params));
	rc = params_from_user(tf, params, held, arg.num_params, uarg + sizeof(arg));
	if (rc)
		goto out;
	rc = rh_tee_client_invoke_func(tf->ctx, &arg, params);
	if (rc)
		goto out;
	if (put_user_u32(tf, uarg, offsetof(struct rh_tee_ioctl_invoke_arg, ret), arg.ret) ||
	    put_user_u32(tf, uarg, offsetof(struct rh_tee_ioctl_invoke_arg, ret_origin),
			 arg.ret_origin)) {
		rc = -EFAULT;
		goto out;
	}
	rc = params_to_user(tf, uarg + sizeof(arg), params, arg.num_params);
out:
	params_put(held, arg.num_params);
	return rc;
}

static int tee_ioctl_cancel(struct tee_file *tf, const void *uarg)
{
	struct rh_tee_ioctl_cancel_arg arg;
	int rc;

	if (rh_copy_from_user(tf->plat, &arg, uarg, sizeof(arg)))
		return -EFAULT;
	rc = rh_tee_client_cancel_req(tf->ctx, &arg);
	/* tee_ioctl_cancel(): a driver without cancel_req is -EINVAL. */
	return rc == -EOPNOTSUPP ? -EINVAL : rc;
}

static int tee_ioctl_close_session(struct tee_file *tf, const void *uarg)
{
	struct rh_tee_ioctl_close_session_arg arg;
	int rc;

	if (rh_copy_from_user(tf->plat, &arg, uarg, sizeof(arg)))
		return -EFAULT;
	rc = rh_tee_client_close_session(tf->ctx, arg.session);
	if (!rc)
		sessions_add(tf, -1);
	return rc;
}

static int tee_ioctl_version(struct tee_file *tf, void *uvers)
{
	struct rh_tee_ioctl_version_data vers;

	rh_tee_client_get_version(tf->ctx, &vers);
	return rh_copy_to_user(tf->plat, uvers, &vers, sizeof(vers)) ? -EFAULT : 0;
}

/*
 * tee_ioctl(): the exact command numbers; anything else, SUPPL_RECV/SEND
 * included (no supplicant on /dev/tee0), is -EINVAL as tee_core.c answers.
 */
static int tee_file_ioctl(struct rh_platform *plat, void *priv, unsigned int cmd,
			  void *uarg)
{
	struct tee_file *tf = priv;

	switch (cmd) {
	case RH_TEE_IOC_VERSION:
		return tee_ioctl_version(tf, uarg);
	case RH_TEE_IOC_SHM_ALLOC:
		return tee_ioctl_shm_alloc(tf, uarg);
	case RH_TEE_IOC_SHM_REGISTER:
		return tee_ioctl_shm_register(tf, uarg);
	case RH_TEE_IOC_SHM_REGISTER_FD:
		return tee_ioctl_shm_register_fd(tf, uarg);
	case RH_TEE_IOC_OPEN_SESSION:
		return tee_ioctl_open_session(tf, uarg);
	case RH_TEE_IOC_INVOKE:
		return tee_ioctl_invoke(tf, uarg);
	case RH_TEE_IOC_CANCEL:
		return tee_ioctl_cancel(tf, uarg);
	case RH_TEE_IOC_CLOSE_SESSION:
		return tee_ioctl_close_session(tf, uarg);
	default:
		return -EINVAL;
	}
}

/* A tee shm fd has no ioctl (tee_shm_fops has none): the VFS says -ENOTTY. */
static int shm_file_ioctl(struct rh_platform *plat, void *priv, unsigned int cmd,
			  void *uarg)
{
	return -ENOTTY;
}

static const struct rh_file_ops tee_fops = {
	.name = "tee",
	.st_mode = S_IFCHR | 0600,
	.get = tee_file_get,
	.put = tee_file_put,
	.f_flags = tee_file_f_flags,
	.ioctl = tee_file_ioctl,
};

static const struct rh_file_ops tee_shm_fops = {
	.name = "tee_shm",
	/* anon_inode_getfd("tee_shm"): the anonymous inode's bare 0600 */
	.st_mode = 0600,
	.get = shm_file_get,
	.put = shm_file_put,
	.f_flags = shm_file_f_flags,
	.ioctl = shm_file_ioctl,
	.mmap = shm_file_mmap,
};

RH_EXPORT int rh_tee_dev_get_stats(struct rh_platform *plat,
				   struct rh_tee_dev_stats *ret_stats)
{
	if (!plat || !ret_stats)
		return -EINVAL;
	ret_stats->contexts = atomic_load(&plat->tee_dev_contexts);
	ret_stats->sessions = atomic_load(&plat->tee_dev_sessions);
	ret_stats->shms = atomic_load(&plat->tee_dev_shms);
	return 0;
}
