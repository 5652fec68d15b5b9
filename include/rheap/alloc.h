/* SPDX-License-Identifier: MIT */
/* Allocation hook: lets tests fail the N-th internal allocation and count metadata. */
#ifndef RHEAP_ALLOC_H
#define RHEAP_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include <rheap/export.h>

RH_BEGIN_DECLS

/**
 * struct rh_alloc_hook - observer of every internal allocation of the library
 * @before_alloc: optional; called before each allocation with its size; return
 *                false to make that allocation fail (the caller sees -ENOMEM).
 * @allocated:    optional; called after each successful allocation.
 * @freed:        optional; called before each internal free (ptr never NULL).
 * @data:         passed back to every callback.
 *
 * Hooks are per thread (like the kernel's /proc/self/task/<tid>/fail-nth): an
 * allocation made by thread T consults only the hook T installed.
 */
struct rh_alloc_hook {
	bool (*before_alloc)(size_t size, void *data);
	void (*allocated)(void *ptr, size_t size, void *data);
	void (*freed)(void *ptr, void *data);
	void *data;
};

/**
 * rh_alloc_hook_set() - install @hook for the calling thread (NULL removes it)
 *
 * The structure is copied.
 */
RH_EXPORT void rh_alloc_hook_set(const struct rh_alloc_hook *hook);

/**
 * rh_fail_nth_set() - fail the @n-th internal allocation of the calling thread
 * @n: 1-based; 0 disables injection.
 *
 * Mirrors: /proc/self/task/<tid>/fail-nth (Documentation/fault-injection).
 */
RH_EXPORT void rh_fail_nth_set(unsigned int n);

/**
 * rh_fail_nth_get() - 0 if the armed fault was injected, otherwise the number
 * of allocations still to go before it would be (as reading fail-nth does).
 */
RH_EXPORT unsigned int rh_fail_nth_get(void);

RH_END_DECLS

#endif /* RHEAP_ALLOC_H */
