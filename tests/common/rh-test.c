// SPDX-License-Identifier: MIT
/* Shared cmocka helpers. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/alloc.h>

#include "rh-test.h"

bool rh_test_all_bytes(const void *buf, size_t len, unsigned char val)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != val)
			return false;
	return true;
}

bool rh_test_next_permutation(unsigned int *a, unsigned int n)
{
	unsigned int i = n - 1, j = n - 1, t;

	while (i > 0 && a[i - 1] >= a[i])
		i--;
	if (i == 0)
		return false;
	while (a[j] <= a[i - 1])
		j--;
	t = a[i - 1];
	a[i - 1] = a[j];
	a[j] = t;
	for (j = n - 1; i < j; i++, j--) {
		t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
	return true;
}

bool rh_test_under_valgrind(void)
{
	const char *v = getenv("RHEAP_TEST_VALGRIND");

	return v && *v && strcmp(v, "0");
}

int rh_test_count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(dir);
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1; /* the DIR's own fd */
}

unsigned int rh_test_fail_nth_sweep(int (*op)(void *arg),
				    void (*undo)(void *arg),
				    void (*check_clean)(void *arg), void *arg)
{
	unsigned int n;
	int ret;

	for (n = 1; n < 100000; n++) {
		rh_fail_nth_set(n);
		ret = op(arg);
		if (rh_fail_nth_get() != 0) {
			/* The fault was never reached: every site was exercised. */
			rh_fail_nth_set(0);
			assert_int_equal(ret, 0);
			if (undo)
				undo(arg);
			if (check_clean)
				check_clean(arg);
			return n - 1;
		}
		rh_fail_nth_set(0);
		if (ret == 0) {
			/* Injected fault swallowed by a fallback path: still valid. */
			if (undo)
				undo(arg);
		} else {
			assert_int_equal(ret, -ENOMEM);
		}
		if (check_clean)
			check_clean(arg);
	}
	fail_msg("fail-nth sweep did not terminate");
	return 0;
}
