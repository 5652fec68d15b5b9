/* SPDX-License-Identifier: MIT */
/* A bare platform whose log lines are captured, for modules tested without a DTB. */
#ifndef RH_TEST_LOG_CAPTURE_H
#define RH_TEST_LOG_CAPTURE_H

#include "internal.h"

struct log_capture {
	struct rh_platform plat; /* only the log fields are set */
	unsigned int nr_lines;
	char last[512];
};

/* calloc'ed (free() it); logs at RH_LOG_ERR into nr_lines / last. */
struct log_capture *log_capture_new(void);

#endif /* RH_TEST_LOG_CAPTURE_H */
