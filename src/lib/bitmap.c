// SPDX-License-Identifier: MIT
/* Bitmap searches over BSD bitstrings (lib/bitmap.c, lib/find_bit.c). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "lib/bitmap.h"

unsigned long rh_bitmap_find_next(const bitstr_t *map, unsigned long size,
				  unsigned long start, bool set)
{
	const uint64_t skip_word = set ? 0 : UINT64_MAX;
	const bitstr_t skip_byte = set ? 0 : 0xff;
	unsigned long i = start;
	uint64_t word;

	while (i < size) {
		if (!(i % 64) && i + 64 <= size) {
			memcpy(&word, &map[i / 8], sizeof(word));
			if (word == skip_word) {
				i += 64;
				continue;
			}
		}
		if (!(i % 8) && i + 8 <= size && map[i / 8] == skip_byte) {
			i += 8;
			continue;
		}
		if (!bit_test(map, i) == !set)
			return i;
		i++;
	}
	return size;
}

unsigned long rh_bitmap_find_next_zero_area_off(const bitstr_t *map, unsigned long size,
						unsigned long start, unsigned long nr,
						unsigned long align_mask,
						unsigned long align_offset)
{
	unsigned long index, end, i;

	for (;;) {
		index = rh_bitmap_find_next(map, size, start, false);
		index = ((index + align_offset + align_mask) & ~align_mask) - align_offset;
		end = index + nr;
		if (end > size)
			return end;
		i = rh_bitmap_find_next(map, end, index, true);
		if (i >= end)
			return index;
		start = i + 1;
	}
}
