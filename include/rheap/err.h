/* SPDX-License-Identifier: MIT */
/* Error pointers, as include/linux/err.h: a pointer return carries -errno. */
#ifndef RHEAP_ERR_H
#define RHEAP_ERR_H

#include <stdbool.h>
#include <stdint.h>

#define RH_MAX_ERRNO 4095

static inline void *RH_ERR_PTR(long error)
{
	return (void *)(intptr_t)error;
}

static inline long RH_PTR_ERR(const void *ptr)
{
	return (long)(intptr_t)ptr;
}

static inline bool RH_IS_ERR(const void *ptr)
{
	return (uintptr_t)ptr >= (uintptr_t)-RH_MAX_ERRNO;
}

static inline bool RH_IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || RH_IS_ERR(ptr);
}

#endif /* RHEAP_ERR_H */
