/* SPDX-License-Identifier: MIT */
/* copy_from_user()/copy_to_user() of the fd layer: checked or trusting user pointers. */
#ifndef RH_LIB_UACCESS_H
#define RH_LIB_UACCESS_H

#include <stdbool.h>
#include <stddef.h>

struct rh_platform;

/*
 * The ioctl arguments of rh_ioctl() are "user" pointers, reached as the
 * platform's enum rh_uaccess_mode says (rh_uapi_set_user_access()): by
 * default the caller is trusted (a library user passing its own structs)
 * and only NULL is detected; RH_UACCESS_CHECKED goes through
 * process_vm_readv()/writev() on the calling process; RH_UACCESS_TRAPPED
 * (the LD_PRELOAD shim's) copies under the CPU fault handler of
 * src/platform/phys-access.c. Checked either way, an unmapped or
 * inaccessible pointer gives -EFAULT as the kernel's copy_from_user()
 * does instead of crashing.
 *
 * Each returns 0 or -EFAULT; on a fault @dst may hold some of the bytes
 * that could be read, never anything else.
 */
int rh_copy_from_user(struct rh_platform *plat, void *dst, const void *usrc,
		      size_t n);
int rh_copy_to_user(struct rh_platform *plat, void *udst, const void *src,
		    size_t n);

/*
 * rh_strncpy_from_user() - a NUL-terminated user string of at most @n - 1
 * characters into @dst (strndup_user() rules). Returns the length, -EFAULT,
 * or -EINVAL when no NUL comes within @n bytes.
 */
long rh_strncpy_from_user(struct rh_platform *plat, char *dst, const char *usrc,
			  size_t n);

/*
 * rh_user_range_ok() - every page of [@uaddr, @uaddr + @n) is mapped in
 * the process (pin_user_pages() would succeed). Returns 0 or -EFAULT.
 */
int rh_user_range_ok(struct rh_platform *plat, const void *uaddr, size_t n);

/* rh_uaccess_checked() - whether @plat checks user pointers (any mode but trusted) */
bool rh_uaccess_checked(const struct rh_platform *plat);

#endif /* RH_LIB_UACCESS_H */
