// SPDX-License-Identifier: MIT
/* Internal allocation wrappers with a per-thread fault/observer hook. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/alloc.h>

#include "lib/alloc.h"

/* Per thread on purpose: fault injection is scoped to the task, as in the kernel. */
static _Thread_local struct rh_alloc_hook tl_hook;
static _Thread_local bool tl_hook_set;
static _Thread_local unsigned int tl_fail_nth;

RH_EXPORT void rh_alloc_hook_set(const struct rh_alloc_hook *hook)
{
	if (hook) {
		tl_hook = *hook;
		tl_hook_set = true;
	} else {
		memset(&tl_hook, 0, sizeof(tl_hook));
		tl_hook_set = false;
	}
}

RH_EXPORT void rh_fail_nth_set(unsigned int n)
{
	tl_fail_nth = n;
}

RH_EXPORT unsigned int rh_fail_nth_get(void)
{
	return tl_fail_nth;
}

static bool alloc_allowed(size_t size)
{
	if (tl_fail_nth) {
		if (--tl_fail_nth == 0)
			return false;
	}
	if (tl_hook_set && tl_hook.before_alloc &&
	    !tl_hook.before_alloc(size, tl_hook.data))
		return false;
	return true;
}

static void *alloc_done(void *ptr, size_t size)
{
	if (ptr && tl_hook_set && tl_hook.allocated)
		tl_hook.allocated(ptr, size, tl_hook.data);
	return ptr;
}

void *rh_malloc(size_t size)
{
	if (!alloc_allowed(size))
		return NULL;
	return alloc_done(malloc(size ? size : 1), size);
}

void *rh_zalloc(size_t size)
{
	if (!alloc_allowed(size))
		return NULL;
	return alloc_done(calloc(1, size ? size : 1), size);
}

void *rh_calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		return NULL;
	return rh_zalloc(total);
}

char *rh_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *copy = rh_malloc(len + 1);

	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

char *rh_strdup(const char *s)
{
	return rh_strndup(s, SIZE_MAX - 1);
}

void rh_free(void *ptr)
{
	if (!ptr)
		return;
	if (tl_hook_set && tl_hook.freed)
		tl_hook.freed(ptr, tl_hook.data);
	free(ptr);
}
