// SPDX-License-Identifier: MIT
/* Platform log dispatch. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

void rh_log(const struct rh_platform *plat, enum rh_log_level level,
	    const char *fmt, ...)
{
	char msg[512];
	enum rh_log_level max = plat ? plat->log_level : RH_LOG_ERR;
	va_list ap;

	if (level > max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (plat && plat->log_fn)
		plat->log_fn(plat->log_data, level, msg);
	else
		fprintf(stderr, "rheap: %s\n", msg);
}
