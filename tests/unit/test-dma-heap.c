// SPDX-License-Identifier: MIT
/* Unit tests of the dma-heap registry and its allocation path (checks, order, stats). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/alloc.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/platform.h>
#include <rheap/uapi.h>

#include "dmabuf-test-exporter.h"
#include "rh-test.h"

struct fix {
	struct rh_platform *plat;
	struct tx_ctx ctx;
	struct rh_dma_heap *heap;
	char last_log[512];
};

static void capture_log(void *data, enum rh_log_level level, const char *msg)
{
	struct fix *f = data;

	(void)level;
	snprintf(f->last_log, sizeof(f->last_log), "%s", msg);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->plat = tx_platform_new();
	f->ctx.plat = f->plat;
	rh_platform_set_log_fn(f->plat, capture_log, f);
	f->heap = tx_heap_add(&f->ctx, "test-heap");
	assert_false(RH_IS_ERR_OR_NULL(f->heap));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_stats st;

	assert_int_equal(rh_dma_heap_get_stats(f->heap, &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(f->ctx.releases, (int)st.frees);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static int nr_heaps(struct fix *f)
{
	return rh_dma_heap_list(f->plat, NULL, 0);
}

/* ------------------------------------------------------------ registration */

static struct rh_dma_buf *no_alloc(struct rh_dma_heap *heap, unsigned long len,
				   uint32_t fd_flags, uint64_t heap_flags)
{
	(void)heap;
	(void)len;
	(void)fd_flags;
	(void)heap_flags;
	return RH_ERR_PTR(-ENOMEM);
}

static const struct rh_dma_heap_ops no_alloc_ops = { .allocate = no_alloc };
static const struct rh_dma_heap_ops empty_ops = { .allocate = NULL };

static void test_add_validation(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_export_info info = { .name = "x", .ops = &no_alloc_ops };
	struct rh_dma_heap_export_info bad;
	char long_name[RH_DMA_HEAP_NAME_LEN + 1];
	int before = nr_heaps(f);

	memset(long_name, 'h', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';

	assert_ptr_equal(rh_dma_heap_add(NULL, &info), RH_ERR_PTR(-EINVAL));
	assert_ptr_equal(rh_dma_heap_add(f->plat, NULL), RH_ERR_PTR(-EINVAL));
	bad = info;
	bad.name = NULL;
	assert_ptr_equal(rh_dma_heap_add(f->plat, &bad), RH_ERR_PTR(-EINVAL));
	assert_non_null(strstr(f->last_log, "Cannot add heap without a name"));
	bad.name = "";
	assert_ptr_equal(rh_dma_heap_add(f->plat, &bad), RH_ERR_PTR(-EINVAL));
	bad.name = "a/b";
	assert_ptr_equal(rh_dma_heap_add(f->plat, &bad), RH_ERR_PTR(-EINVAL));
	bad.name = "..";
	assert_ptr_equal(rh_dma_heap_add(f->plat, &bad), RH_ERR_PTR(-EINVAL));
	bad.name = long_name;
	assert_ptr_equal(rh_dma_heap_add(f->plat, &bad), RH_ERR_PTR(-EINVAL));
	bad = info;
	bad.ops = NULL;
	assert_ptr_equal(rh_dma_heap_add(f->plat, &bad), RH_ERR_PTR(-EINVAL));
	assert_non_null(strstr(f->last_log, "invalid ops struct"));
	bad.ops = &empty_ops;
	assert_ptr_equal(rh_dma_heap_add(f->plat, &bad), RH_ERR_PTR(-EINVAL));
	assert_int_equal(nr_heaps(f), before);

	/* The longest valid name. */
	long_name[RH_DMA_HEAP_NAME_LEN - 1] = '\0';
	bad.ops = &no_alloc_ops;
	bad.name = long_name;
	assert_false(RH_IS_ERR_OR_NULL(rh_dma_heap_add(f->plat, &bad)));
	assert_int_equal(nr_heaps(f), before + 1);
}

static void test_add_duplicate(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_export_info info = { .name = "test-heap", .ops = &no_alloc_ops };
	const char *names[RH_DMA_HEAP_MAX];
	int n = nr_heaps(f), i;

	f->last_log[0] = '\0';
	assert_ptr_equal(rh_dma_heap_add(f->plat, &info), RH_ERR_PTR(-EINVAL));
	assert_string_equal(f->last_log, "dma_heap: Already registered heap named test-heap");
	assert_int_equal(nr_heaps(f), n);
	/* The first one is untouched. */
	assert_int_equal(rh_dma_heap_list(f->plat, names, RH_DMA_HEAP_MAX), n);
	for (i = 0; i < n; i++)
		if (!strcmp(names[i], "test-heap"))
			break;
	assert_true(i < n);
}

static void test_add_limit(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_export_info info = { .ops = &no_alloc_ops };
	char name[32];
	int i, n = nr_heaps(f);

	for (i = n; i < RH_DMA_HEAP_MAX; i++) {
		snprintf(name, sizeof(name), "heap-%d", i);
		info.name = name;
		assert_false(RH_IS_ERR_OR_NULL(rh_dma_heap_add(f->plat, &info)));
	}
	assert_int_equal(nr_heaps(f), RH_DMA_HEAP_MAX);
	/* Minor numbers are checked before uniqueness, as in the kernel. */
	info.name = "one-too-many";
	assert_ptr_equal(rh_dma_heap_add(f->plat, &info), RH_ERR_PTR(-EBUSY));
	info.name = "test-heap";
	assert_ptr_equal(rh_dma_heap_add(f->plat, &info), RH_ERR_PTR(-EBUSY));
	assert_int_equal(nr_heaps(f), RH_DMA_HEAP_MAX);
}

static void test_find_list(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_export_info info = { .name = "second", .ops = &no_alloc_ops,
						 .priv = f };
	const char *names[RH_DMA_HEAP_MAX];
	struct rh_dma_heap *h, *second;
	int n;

	second = rh_dma_heap_add(f->plat, &info);
	assert_false(RH_IS_ERR_OR_NULL(second));
	h = rh_dma_heap_find(f->plat, "test-heap");
	assert_ptr_equal(h, f->heap);
	assert_string_equal(rh_dma_heap_get_name(h), "test-heap");
	assert_ptr_equal(rh_dma_heap_get_drvdata(h), &f->ctx);
	assert_ptr_equal(rh_dma_heap_platform(h), f->plat);
	rh_dma_heap_put(h);
	h = rh_dma_heap_find(f->plat, "second");
	assert_ptr_equal(h, second);
	assert_ptr_equal(rh_dma_heap_get_drvdata(h), f);
	rh_dma_heap_put(h);
	assert_null(rh_dma_heap_find(f->plat, "nope"));
	assert_null(rh_dma_heap_find(f->plat, NULL));
	assert_null(rh_dma_heap_find(NULL, "test-heap"));
	rh_dma_heap_put(NULL);
	assert_null(rh_dma_heap_get_drvdata(NULL));
	assert_null(rh_dma_heap_get_name(NULL));
	assert_null(rh_dma_heap_platform(NULL));

	/* Registration order; the last two are ours. */
	n = rh_dma_heap_list(f->plat, names, RH_DMA_HEAP_MAX);
	assert_true(n >= 2);
	assert_string_equal(names[n - 2], "test-heap");
	assert_string_equal(names[n - 1], "second");
	/* A short array gets the first entries, the count is the total. */
	names[1] = NULL;
	assert_int_equal(rh_dma_heap_list(f->plat, names, 1), n);
	assert_null(names[1]);
	assert_int_equal(rh_dma_heap_list(f->plat, NULL, 1), -EINVAL);
	assert_int_equal(rh_dma_heap_list(NULL, names, 1), -EINVAL);
}

/* ------------------------------------------------------------ allocation */

static void test_alloc_checks_in_order(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_stats st;

	/* fd_flags outside O_CLOEXEC | O_ACCMODE: refused before the heap. */
	assert_int_equal(rh_dma_heap_buffer_alloc(f->heap, 4096, O_RDWR | O_NONBLOCK, 0), -EINVAL);
	assert_int_equal(rh_dma_heap_buffer_alloc(f->heap, 4096, ~(uint32_t)(O_RDWR | O_CLOEXEC), 0),
			 -EINVAL);
	/* No heap flag is valid. */
	assert_int_equal(rh_dma_heap_buffer_alloc(f->heap, 4096, O_RDWR, 1), -EINVAL);
	assert_int_equal(rh_dma_heap_buffer_alloc(f->heap, 4096, O_RDWR, 0x111111), -EINVAL);
	/* Zero, and lengths that wrap when page aligned. */
	assert_int_equal(rh_dma_heap_buffer_alloc(f->heap, 0, O_RDWR, 0), -EINVAL);
	assert_int_equal(rh_dma_heap_buffer_alloc(f->heap, SIZE_MAX, O_RDWR, 0), -EINVAL);
	assert_int_equal(rh_dma_heap_buffer_alloc(f->heap, SIZE_MAX - RH_PAGE_SIZE + 2, O_RDWR, 0),
			 -EINVAL);
	assert_int_equal(rh_dma_heap_buffer_alloc(NULL, 4096, O_RDWR, 0), -EINVAL);
	assert_int_equal(f->ctx.allocs, 0);
	/* The heap's error comes back as is and is counted. */
	f->ctx.alloc_err = -ENOSPC;
	assert_int_equal(rh_dma_heap_buffer_alloc(f->heap, 4096, O_RDWR, 0), -ENOSPC);
	f->ctx.alloc_err = 0;
	f->ctx.alloc_null = true;
	assert_int_equal(rh_dma_heap_buffer_alloc(f->heap, 4096, O_RDWR, 0), -ENOMEM);
	f->ctx.alloc_null = false;
	assert_int_equal(f->ctx.allocs, 2);
	assert_int_equal(rh_dma_heap_get_stats(f->heap, &st), 0);
	assert_int_equal(st.alloc_failures, 2);
	assert_int_equal(st.allocs, 0);
}

static void test_alloc_page_aligned(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf;
	int fd;

	/* 1 byte becomes one page; the fd's buffer says so. */
	fd = rh_dma_heap_buffer_alloc(f->heap, 1, O_RDWR | O_CLOEXEC, 0);
	assert_true(fd >= 3);
	assert_int_equal(rh_lseek(f->plat, fd, 0, SEEK_END), RH_PAGE_SIZE);
	dmabuf = rh_dma_buf_get(f->plat, fd);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	assert_string_equal(rh_dma_buf_exp_name(dmabuf), "test-heap");
	rh_dma_buf_put(dmabuf);
	assert_int_equal(rh_close(f->plat, fd), 0);
	/* One page plus one byte: two pages. */
	dmabuf = rh_dma_heap_buffer_alloc_dmabuf(f->heap, RH_PAGE_SIZE + 1, O_RDONLY, 0);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	assert_int_equal(rh_dma_buf_size(dmabuf), 2 * RH_PAGE_SIZE);
	rh_dma_buf_put(dmabuf);
	assert_int_equal(f->ctx.releases, 2);
	/* The dmabuf variant has the same checks. */
	assert_ptr_equal(rh_dma_heap_buffer_alloc_dmabuf(f->heap, 0, O_RDWR, 0),
			 RH_ERR_PTR(-EINVAL));
	assert_ptr_equal(rh_dma_heap_buffer_alloc_dmabuf(f->heap, 1, O_APPEND, 0),
			 RH_ERR_PTR(-EINVAL));
	assert_ptr_equal(rh_dma_heap_buffer_alloc_dmabuf(f->heap, 1, O_RDWR, 2),
			 RH_ERR_PTR(-EINVAL));
}

static void test_alloc_fd_exhaustion_releases(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_stats st;
	int fds[RH_FD_MAX], n = 0, fd, i;

	/* Fill the table with cheap fds (dups of stdin). */
	while ((fd = rh_dup(f->plat, 0)) >= 0)
		fds[n++] = fd;
	assert_int_equal(fd, -EMFILE);
	assert_int_equal(rh_dma_heap_buffer_alloc(f->heap, 8192, O_RDWR, 0), -EMFILE);
	/* The buffer was allocated, then released again. */
	assert_int_equal(f->ctx.allocs, 1);
	assert_int_equal(f->ctx.releases, 1);
	assert_int_equal(rh_dma_heap_get_stats(f->heap, &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(st.allocs, 1);
	assert_int_equal(st.frees, 1);
	for (i = 0; i < n; i++)
		assert_int_equal(rh_close(f->plat, fds[i]), 0);
}

static void test_stats(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_stats st, keep;
	int a, b, c;

	a = rh_dma_heap_buffer_alloc(f->heap, 4096, O_RDWR, 0);
	b = rh_dma_heap_buffer_alloc(f->heap, 3 * 4096, O_RDWR, 0);
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(rh_dma_heap_get_stats(f->heap, &st), 0);
	assert_int_equal(st.count, 2);
	assert_int_equal(st.bytes, 4 * 4096);
	assert_int_equal(rh_close(f->plat, a), 0);
	c = rh_dma_heap_buffer_alloc(f->heap, 4096, O_RDWR, 0);
	assert_true(c >= 0);
	assert_int_equal(rh_dma_heap_get_stats(f->heap, &st), 0);
	assert_int_equal(st.count, 2);
	assert_int_equal(st.bytes, 4 * 4096);
	assert_int_equal(st.peak_count, 2);
	assert_int_equal(st.peak_bytes, 4 * 4096);
	assert_int_equal(st.allocs, 3);
	assert_int_equal(st.frees, 1);
	assert_int_equal(rh_close(f->plat, b), 0);
	assert_int_equal(rh_close(f->plat, c), 0);
	assert_int_equal(rh_dma_heap_get_stats(f->heap, &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.peak_bytes, 4 * 4096);
	assert_int_equal(st.frees, 3);
	keep = st;
	assert_int_equal(rh_dma_heap_get_stats(NULL, &st), -EINVAL);
	assert_int_equal(rh_dma_heap_get_stats(f->heap, NULL), -EINVAL);
	assert_memory_equal(&st, &keep, sizeof(st));
}

/* A buffer keeps its heap's accounting alive past the lookup reference. */
static void test_buffer_holds_heap(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap *h = rh_dma_heap_find(f->plat, "test-heap");
	struct rh_dma_buf *dmabuf;
	struct rh_dma_heap_stats st;

	dmabuf = rh_dma_heap_buffer_alloc_dmabuf(h, 4096, O_RDWR, 0);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	rh_dma_heap_put(h);
	rh_dma_buf_put(dmabuf);
	assert_int_equal(rh_dma_heap_get_stats(f->heap, &st), 0);
	assert_int_equal(st.frees, 1);
}

/* ------------------------------------------------------------ fail-nth */

struct nth_arg {
	struct fix *f;
	int fd;
	int base; /* heaps before the sweep */
	int n;    /* heaps the sweep added */
};

static int nth_add(void *p)
{
	struct nth_arg *arg = p;
	struct rh_dma_heap_export_info info = { .ops = &no_alloc_ops };
	char name[32];
	struct rh_dma_heap *h;

	snprintf(name, sizeof(name), "nth-%d", arg->n);
	info.name = name;
	h = rh_dma_heap_add(arg->f->plat, &info);
	return RH_IS_ERR(h) ? (int)RH_PTR_ERR(h) : 0;
}

static void nth_add_undo(void *p)
{
	struct nth_arg *arg = p;

	/* Heaps cannot be removed: the next round uses a new name. */
	arg->n++;
}

static void nth_add_clean(void *p)
{
	struct nth_arg *arg = p;

	/* A failed add leaves nothing registered. */
	assert_int_equal(nr_heaps(arg->f), arg->base + arg->n);
}

static int nth_alloc(void *p)
{
	struct nth_arg *arg = p;

	arg->fd = rh_dma_heap_buffer_alloc(arg->f->heap, 64 << 10, O_RDWR, 0);
	return arg->fd < 0 ? arg->fd : 0;
}

static void nth_alloc_undo(void *p)
{
	struct nth_arg *arg = p;

	assert_int_equal(rh_close(arg->f->plat, arg->fd), 0);
}

static void nth_alloc_clean(void *p)
{
	struct nth_arg *arg = p;
	struct rh_dma_heap_stats st;

	assert_int_equal(rh_dma_heap_get_stats(arg->f->heap, &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(rh_fd_count(arg->f->plat), 3);
}

static void test_fail_nth(void **state)
{
	struct nth_arg arg = { .f = *state };

	arg.base = nr_heaps(arg.f);
	assert_true(rh_test_fail_nth_sweep(nth_add, nth_add_undo, nth_add_clean, &arg) >= 2);
	assert_true(rh_test_fail_nth_sweep(nth_alloc, nth_alloc_undo, nth_alloc_clean, &arg) >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_checks_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_page_aligned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_fd_exhaustion_releases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffer_holds_heap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_nth, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
