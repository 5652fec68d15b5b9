// SPDX-License-Identifier: MIT
/* Device tree parsing with libfdt (placeholder until the DT parser lands). */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "internal.h"

RH_EXPORT int rh_platform_parse_dtb(const void *blob, size_t size,
				    struct rh_platform_desc *ret_desc,
				    char *errbuf, size_t errlen)
{
	snprintf(errbuf, errlen, "device tree parser not built yet");
	return -ENOSYS;
}
