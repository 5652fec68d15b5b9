// SPDX-License-Identifier: MIT
/* UUIDs in their canonical text form (lib/uuid.c's uuid_parse, %pUb). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rheap/tee.h>

#include "internal.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

RH_EXPORT int rh_uuid_parse(const char *str, uint8_t *ret_uuid)
{
	/* Offsets of the 16 byte pairs in the textual form (lib/uuid.c). */
	static const uint8_t si[16] = { 0,  2,  4,  6,  9,  11, 14, 16,
					19, 21, 24, 26, 28, 30, 32, 34 };
	uint8_t uuid[RH_TEE_IOCTL_UUID_LEN];
	unsigned int i;
	int hi, lo;

	if (!str || !ret_uuid)
		return -EINVAL;
	for (i = 0; i < RH_UUID_STRING_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (str[i] != '-')
				return -EINVAL;
		} else if (hex_value(str[i]) < 0) {
			return -EINVAL;
		}
	}
	if (str[RH_UUID_STRING_LEN] != '\0')
		return -EINVAL;
	for (i = 0; i < RH_TEE_IOCTL_UUID_LEN; i++) {
		hi = hex_value(str[si[i]]);
		lo = hex_value(str[si[i] + 1]);
		uuid[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ret_uuid, uuid, sizeof(uuid));
	return 0;
}

RH_EXPORT void rh_uuid_unparse(const uint8_t *uuid, char *buf)
{
	if (!buf)
		return;
	if (!uuid) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, RH_UUID_STRING_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6],
		 uuid[7], uuid[8], uuid[9], uuid[10], uuid[11], uuid[12],
		 uuid[13], uuid[14], uuid[15]);
}
