/* SPDX-License-Identifier: MIT */
/* Shared by the two files of the scatterlist test program (tests/unit/test-scatterlist*.c). */
#ifndef RH_SG_TEST_H
#define RH_SG_TEST_H

#include <rheap/scatterlist.h>

#define PG RH_PAGE_SIZE
#define SGMAX RH_SCATTERLIST_MAX_SEGMENT
#define MAX_ENTS RH_SG_MAX_SINGLE_ALLOC
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Live library allocations, counted through the allocation hook that every
 * test runs under (test-scatterlist.c: hook_setup()/hook_teardown()).
 */
struct alloc_count {
	long live;
	long total;
};

extern struct alloc_count counter;

/* Chunks sg_alloc_table needs for @n entries: 128, then 127 usable per chunk. */
unsigned int chunks_for(unsigned int n);

/* test-scatterlist-pages.c: sg_alloc_(append_)table_from_pages(_segment). */
void test_from_pages_upstream_cases(void **state);
void test_from_pages_offset_and_trim(void **state);
void test_from_pages_chained(void **state);
void test_from_pages_bad_input(void **state);
void test_append_upstream_cases(void **state);
void test_append_chained(void **state);
void test_append_bad_input(void **state);
void test_fail_nth_from_pages(void **state);
void test_fail_nth_append(void **state);

#endif /* RH_SG_TEST_H */
