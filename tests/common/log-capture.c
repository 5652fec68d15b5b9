// SPDX-License-Identifier: MIT
/* A bare platform whose log lines are captured. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log-capture.h"
#include "rh-test.h"

static void capture_log(void *data, enum rh_log_level level, const char *msg)
{
	struct log_capture *cap = data;

	cap->nr_lines++;
	strncpy(cap->last, msg, sizeof(cap->last) - 1);
}

struct log_capture *log_capture_new(void)
{
	struct log_capture *cap = calloc(1, sizeof(*cap));

	assert_non_null(cap);
	cap->plat.log_level = RH_LOG_ERR;
	cap->plat.log_fn = capture_log;
	cap->plat.log_data = cap;
	return cap;
}
