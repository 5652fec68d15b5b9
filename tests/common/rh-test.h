/* SPDX-License-Identifier: MIT */
/* Shared cmocka helpers: errno assertions, fixtures, leak checks. */
#ifndef RH_TEST_H
#define RH_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Asserts that @ret is exactly -@err (prints both on failure). */
#define assert_neg_errno(ret, err) assert_int_equal((ret), -(err))

/*
 * Worker threads cannot fail a cmocka test: they count what went wrong in
 * @errors (an atomic_uint) for the main thread to assert on after join.
 */
#define RH_TEST_COUNT_IF_NOT(errors, cond) \
	do { \
		if (!(cond)) \
			atomic_fetch_add((errors), 1); \
	} while (0)

/* Is every one of the @len bytes at @buf equal to @val? */
bool rh_test_all_bytes(const void *buf, size_t len, unsigned char val);

/* Run by `meson test --setup valgrind` (RHEAP_TEST_VALGRIND set)? */
bool rh_test_under_valgrind(void);

/* Number of open file descriptors of this process (fd-leak check). */
int rh_test_count_fds(void);

/*
 * The next permutation of @a[0..@n) in lexicographic order (C++'s
 * std::next_permutation): false, with @a left as it was, after the last.
 * Start from the sorted order to visit all n! orders.
 */
bool rh_test_next_permutation(unsigned int *a, unsigned int n);

/*
 * Runs @op under fail-nth for n = 1, 2, ... until it succeeds without the
 * armed fault being reached; after each injected failure @op must return
 * -ENOMEM (checked) and @check_clean (may be NULL) must hold. Returns the
 * number of allocation sites exercised.
 */
unsigned int rh_test_fail_nth_sweep(int (*op)(void *arg),
				    void (*undo)(void *arg),
				    void (*check_clean)(void *arg), void *arg);

#endif /* RH_TEST_H */
