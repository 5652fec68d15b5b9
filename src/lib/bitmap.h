/* SPDX-License-Identifier: MIT */
/* Bitmap searches over BSD bitstrings, as lib/bitmap.c and lib/find_bit.c have them. */
#ifndef RH_LIB_BITMAP_H
#define RH_LIB_BITMAP_H

#include <stdbool.h>

#include <bitstring.h>

/*
 * rh_bitmap_find_next() - index of the first bit at or after @start whose
 * value is @set, or @size when there is none. Skips whole words, then
 * bytes, then bits (a BSD bitstring only offers a find-first).
 * Mirrors: find_next_bit() / find_next_zero_bit() (lib/find_bit.c)
 */
unsigned long rh_bitmap_find_next(const bitstr_t *map, unsigned long size,
				  unsigned long start, bool set);

/*
 * rh_bitmap_find_next_zero_area_off() - the first run of @nr clear bits at
 * or after @start whose index + @align_offset is a multiple of
 * @align_mask + 1; a value above @size - @nr means none.
 * Mirrors: bitmap_find_next_zero_area_off() (lib/bitmap.c)
 */
unsigned long rh_bitmap_find_next_zero_area_off(const bitstr_t *map, unsigned long size,
						unsigned long start, unsigned long nr,
						unsigned long align_mask,
						unsigned long align_offset);

#endif /* RH_LIB_BITMAP_H */
