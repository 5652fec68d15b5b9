/* SPDX-License-Identifier: MIT */
/* CHECK() of the drop-in programs: a failure is counted (atomically: some run threads) and printed, the run goes on. */
#ifndef DROPIN_CHECK_H
#define DROPIN_CHECK_H

#include <stdatomic.h>
#include <stdio.h>

static atomic_int failures;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			atomic_fetch_add(&failures, 1);                    \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
		}                                                          \
	} while (0)

#endif /* DROPIN_CHECK_H */
