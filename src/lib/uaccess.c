// SPDX-License-Identifier: MIT
/* copy_from_user()/copy_to_user(): trusting, process_vm_readv()-checked or fault-trapped user pointers. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#if RH_HAVE_MEMCHECK_H
#include <valgrind/valgrind.h>
#endif

#include <rheap/uapi.h>

#include "internal.h"
#include "lib/uaccess.h"

/*
 * Under valgrind a trapped copy of a bad pointer is also an invalid read
 * or write to memcheck, reported before the fault reaches the handler: the
 * copy runs with the thread's error reporting off, as process_vm_readv()
 * (whose remote side valgrind does not check) runs unreported.
 */
static atomic_bool under_valgrind;

static enum rh_uaccess_mode uaccess_mode(const struct rh_platform *plat)
{
	return plat ? (enum rh_uaccess_mode)atomic_load_explicit(&plat->uaccess_mode,
								 memory_order_relaxed)
		    : RH_UACCESS_TRUSTED;
}

bool rh_uaccess_checked(const struct rh_platform *plat)
{
	return uaccess_mode(plat) != RH_UACCESS_TRUSTED;
}

RH_EXPORT int rh_uapi_set_user_access(struct rh_platform *plat,
				      enum rh_uaccess_mode mode)
{
	int ret;

	if (!plat)
		return -EINVAL;
	switch (mode) {
	case RH_UACCESS_TRUSTED:
	case RH_UACCESS_CHECKED:
		break;
	case RH_UACCESS_TRAPPED:
		/*
		 * The platform holds a reference on the handler for its
		 * life; this one only puts it back on top if it was displaced.
		 */
		ret = rh_phys_trap_get();
		if (ret)
			return ret;
		rh_phys_trap_put();
#if RH_HAVE_MEMCHECK_H
		atomic_store_explicit(&under_valgrind, RUNNING_ON_VALGRIND != 0,
				      memory_order_relaxed);
#endif
		break;
	default:
		return -EINVAL;
	}
	atomic_store(&plat->uaccess_mode, (int)mode);
	return 0;
}

RH_EXPORT int rh_uapi_check_user_pointers(struct rh_platform *plat, bool on)
{
	return rh_uapi_set_user_access(plat, on ? RH_UACCESS_CHECKED : RH_UACCESS_TRUSTED);
}

/*
 * One process_vm_{read,write}v() on ourselves: the kernel walks our page
 * tables and answers EFAULT for a hole instead of delivering SIGSEGV. A
 * partial transfer means the range ran into a hole.
 */
static int vm_copy(void *local, const void *remote, size_t n, bool write)
{
	struct iovec l = { .iov_base = local, .iov_len = n };
	struct iovec r = { .iov_base = (void *)remote, .iov_len = n };
	ssize_t got;

	if (write)
		got = process_vm_writev(getpid(), &l, 1, &r, 1, 0);
	else
		got = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	return got == (ssize_t)n ? 0 : -EFAULT;
}

/*
 * access_ok(): the range must not wrap nor reach the upper half of the
 * address space, the kernel's on every 64-bit Linux. Between the two, on
 * x86-64, lie non-canonical addresses: those raise a general-protection
 * fault, which the trap catches as the kernel's fixup does.
 */
static bool access_ok(const void *uaddr, size_t n)
{
	uintptr_t end;

	if (__builtin_add_overflow((uintptr_t)uaddr, n, &end))
		return false;
	return sizeof(uintptr_t) < 8 || end <= (uintptr_t)1 << (sizeof(uintptr_t) * 8 - 1);
}

/* A trapped copy: rh_phys_trap_copy_user(), quiet to memcheck. */
static int trapped_copy(void *dst, const void *src, size_t n, bool to_user)
{
#if RH_HAVE_MEMCHECK_H
	int ret;

	if (atomic_load_explicit(&under_valgrind, memory_order_relaxed)) {
		VALGRIND_DISABLE_ERROR_REPORTING;
		ret = rh_phys_trap_copy_user(dst, src, n, to_user);
		VALGRIND_ENABLE_ERROR_REPORTING;
		return ret;
	}
#endif
	return rh_phys_trap_copy_user(dst, src, n, to_user);
}

/* A copy in @plat's mode; @n > 0, @dst and @src non-NULL. */
static int copy_user(struct rh_platform *plat, void *dst, const void *src,
		     size_t n, bool to_user)
{
	switch (uaccess_mode(plat)) {
	case RH_UACCESS_TRAPPED:
		if (!access_ok(to_user ? dst : src, n))
			return -EFAULT;
		return trapped_copy(dst, src, n, to_user);
	case RH_UACCESS_CHECKED:
		if (!access_ok(to_user ? dst : src, n))
			return -EFAULT;
		return to_user ? vm_copy((void *)src, dst, n, true) : vm_copy(dst, src, n, false);
	default:
		memcpy(dst, src, n);
		return 0;
	}
}

int rh_copy_from_user(struct rh_platform *plat, void *dst, const void *usrc,
		      size_t n)
{
	if (!n)
		return 0;
	if (!usrc)
		return -EFAULT;
	return copy_user(plat, dst, usrc, n, false);
}

int rh_copy_to_user(struct rh_platform *plat, void *udst, const void *src,
		    size_t n)
{
	if (!n)
		return 0;
	if (!udst)
		return -EFAULT;
	return copy_user(plat, udst, src, n, true);
}

RH_EXPORT int rh_uapi_copy_from_user(struct rh_platform *plat, void *dst,
				     const void *usrc, size_t n)
{
	if (!plat || (n && !dst))
		return -EINVAL;
	return rh_copy_from_user(plat, dst, usrc, n);
}

RH_EXPORT int rh_uapi_copy_to_user(struct rh_platform *plat, void *udst,
				   const void *src, size_t n)
{
	if (!plat || (n && !src))
		return -EINVAL;
	return rh_copy_to_user(plat, udst, src, n);
}

long rh_strncpy_from_user(struct rh_platform *plat, char *dst, const char *usrc,
			  size_t n)
{
	size_t done = 0, chunk;
	uintptr_t at;
	char *nul;

	if (!usrc)
		return -EFAULT;
	/* Page by page, so a string ending right before a hole still reads. */
	while (done < n) {
		at = (uintptr_t)usrc + done;
		chunk = RH_PAGE_SIZE - (at & (RH_PAGE_SIZE - 1));
		if (chunk > n - done)
			chunk = n - done;
		if (rh_copy_from_user(plat, dst + done, (const void *)at, chunk))
			return -EFAULT;
		nul = memchr(dst + done, '\0', chunk);
		if (nul)
			return (long)(nul - dst);
		done += chunk;
	}
	return -EINVAL;
}

int rh_user_range_ok(struct rh_platform *plat, const void *uaddr, size_t n)
{
	uintptr_t start = (uintptr_t)uaddr & ~(uintptr_t)(RH_PAGE_SIZE - 1);
	uintptr_t end;
	unsigned char vec[64];
	size_t pages, batch;

	if (!uaddr || __builtin_add_overflow((uintptr_t)uaddr, n, &end))
		return -EFAULT;
	if (!rh_uaccess_checked(plat))
		return 0;
	/* mincore() fails with ENOMEM where a page of the range is not mapped. */
	pages = (RH_ALIGN_UP(end, RH_PAGE_SIZE) - start) >> RH_PAGE_SHIFT;
	while (pages) {
		batch = pages < sizeof(vec) ? pages : sizeof(vec);
		if (mincore((void *)start, batch << RH_PAGE_SHIFT, vec))
			return -EFAULT;
		start += batch << RH_PAGE_SHIFT;
		pages -= batch;
	}
	return 0;
}
