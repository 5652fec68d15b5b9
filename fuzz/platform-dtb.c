// SPDX-License-Identifier: MIT
/* libFuzzer target: rh_platform_parse_dtb() on arbitrary bytes. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/platform.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated string of printable characters (it goes into log lines). */
static bool one_line(const char *s, size_t size)
{
	const char *end = memchr(s, '\0', size);

	if (!end)
		return false;
	for (; s < end; s++)
		if (!isprint((unsigned char)*s))
			return false;
	return true;
}

/* Beyond "no crash": the parser's contract must hold for every input. */
static void check_desc(const struct rh_platform_desc *desc)
{
	uint64_t dram_end = desc->dram_base + desc->dram_size;
	unsigned int i;

	if (!desc->dram_size || dram_end < desc->dram_base)
		abort();
	if (desc->nr_reserved > RH_MAX_RESERVED || desc->nr_devices > RH_MAX_DEVICES)
		abort();
	if (desc->firewall_regions < 1 || desc->firewall_regions > 64 ||
	    desc->firewall_granularity < RH_PAGE_SIZE ||
	    (desc->firewall_granularity & (desc->firewall_granularity - 1)))
		abort();
	if (!one_line(desc->model, sizeof(desc->model)))
		abort();
	for (i = 0; i < desc->nr_reserved; i++) {
		const struct rh_reserved_region *r = &desc->reserved[i];

		if (r->base < desc->dram_base || r->size > dram_end - r->base || !r->size ||
		    (r->base | r->size) & (RH_PAGE_SIZE - 1))
			abort();
		if (!one_line(r->name, sizeof(r->name)) ||
		    !one_line(r->compatible, sizeof(r->compatible)))
			abort();
	}
	for (i = 0; i < desc->nr_devices; i++)
		if (!one_line(desc->devices[i].name, sizeof(desc->devices[i].name)) ||
		    !one_line(desc->devices[i].compatible, sizeof(desc->devices[i].compatible)))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rh_platform_desc desc;
	char err[256];
	int ret;

	err[0] = '\0';
	ret = rh_platform_parse_dtb(data, size, &desc, err, sizeof(err));
	if (ret == 0)
		check_desc(&desc);
	else if (ret == -EINVAL && (!err[0] || strchr(err, '\n')))
		abort();
	else if (ret != -EINVAL && ret != -ENOMEM)
		abort();
	return 0;
}
