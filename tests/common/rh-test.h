/* SPDX-License-Identifier: MIT */
/* Shared cmocka helpers: errno assertions, fixtures, leak checks. */
#ifndef RH_TEST_H
#define RH_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Asserts that @ret is exactly -@err (prints both on failure). */
#define assert_neg_errno(ret, err) assert_int_equal((ret), -(err))

/* Number of open file descriptors of this process (fd-leak check). */
int rh_test_count_fds(void);

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
