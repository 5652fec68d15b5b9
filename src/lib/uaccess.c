// SPDX-License-Identifier: MIT
/* copy_from_user()/copy_to_user(): process_vm_readv()-checked or trusting user pointers. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rheap/uapi.h>

#include "internal.h"
#include "lib/uaccess.h"

bool rh_uaccess_checked(const struct rh_platform *plat)
{
	return plat && atomic_load_explicit(&plat->uaccess_checked,
					    memory_order_relaxed);
}

RH_EXPORT int rh_uapi_check_user_pointers(struct rh_platform *plat, bool on)
{
	if (!plat)
		return -EINVAL;
	atomic_store(&plat->uaccess_checked, on);
	return 0;
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

int rh_copy_from_user(struct rh_platform *plat, void *dst, const void *usrc,
		      size_t n)
{
	if (!n)
		return 0;
	if (!usrc)
		return -EFAULT;
	if (rh_uaccess_checked(plat))
		return vm_copy(dst, usrc, n, false);
	memcpy(dst, usrc, n);
	return 0;
}

int rh_copy_to_user(struct rh_platform *plat, void *udst, const void *src,
		    size_t n)
{
	if (!n)
		return 0;
	if (!udst)
		return -EFAULT;
	if (rh_uaccess_checked(plat))
		return vm_copy((void *)src, udst, n, true);
	memcpy(udst, src, n);
	return 0;
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
