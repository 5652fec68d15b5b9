// SPDX-License-Identifier: MIT
/* Unit tests of the initial trace hook of rh_platform_new() and the boot/shutdown events. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/alloc.h>
#include <rheap/platform.h>
#include <rheap/trace.h>

#include "rh-test.h"

#define MAX_EVENTS 256

struct recorder {
	unsigned int hook_calls;
	struct rh_platform *hook_plat;
	bool enabled_before, enabled_after;
	int hook_ret;
	bool add_text_sink;
	FILE *text;
	char *text_buf;
	size_t text_len;
	unsigned int nr;
	enum rh_trace_event_type types[MAX_EVENTS];
	char names[MAX_EVENTS][64];
	uint64_t pa[MAX_EVENTS], size[MAX_EVENTS], count[MAX_EVENTS];
	unsigned int finished;
};

static void rec_event(void *priv, const struct rh_trace_event *ev)
{
	struct recorder *r = priv;

	if (r->nr == MAX_EVENTS)
		return;
	r->types[r->nr] = ev->type;
	snprintf(r->names[r->nr], sizeof(r->names[0]), "%s", ev->name ? ev->name : "");
	r->pa[r->nr] = ev->pa;
	r->size[r->nr] = ev->size;
	r->count[r->nr] = ev->count;
	r->nr++;
}

static int rec_finish(void *priv)
{
	struct recorder *r = priv;

	r->finished++;
	return 0;
}

static const struct rh_trace_sink_ops rec_ops = {
	.event = rec_event,
	.finish = rec_finish,
};

static void quiet_log(void *data, enum rh_log_level level, const char *msg)
{
	(void)data;
	(void)level;
	(void)msg;
}

static int hook(void *data, struct rh_platform *plat)
{
	struct recorder *r = data;
	int id, ret;

	r->hook_calls++;
	r->hook_plat = plat;
	r->enabled_before = rh_trace_enabled(plat);
	ret = rh_trace_add_sink(plat, &rec_ops, r, &id);
	if (ret)
		return ret;
	if (r->add_text_sink) {
		ret = rh_trace_add_text_sink(plat, r->text, 0, &id);
		if (ret)
			return ret;
	}
	r->enabled_after = rh_trace_enabled(plat);
	return r->hook_ret;
}

static void test_hook_sees_boot(void **state)
{
	RH_DEFINE_PLATFORM_INFO(info);
	const struct rh_platform_desc *desc;
	struct recorder r = { 0 };
	struct rh_platform *plat;
	unsigned int i, reserved = 0;

	(void)state;
	info.trace_fn = hook;
	info.trace_data = &r;
	assert_int_equal(rh_platform_new(&info, &plat), 0);
	assert_int_equal(r.hook_calls, 1);
	assert_ptr_equal(r.hook_plat, plat);
	assert_false(r.enabled_before);
	assert_true(r.enabled_after);

	/* The very first event is the boot, then one per reserved region. */
	desc = rh_platform_get_desc(plat);
	assert_true(r.nr >= 1 + desc->nr_reserved);
	assert_int_equal(r.types[0], RH_TRACE_PLATFORM_BOOT);
	assert_string_equal(r.names[0], desc->model);
	assert_int_equal(r.pa[0], desc->dram_base);
	assert_int_equal(r.size[0], desc->dram_size);
	assert_int_equal(r.count[0], desc->nr_reserved);
	for (i = 0; i < desc->nr_reserved; i++) {
		assert_int_equal(r.types[1 + i], RH_TRACE_REGION_RESERVED);
		assert_string_equal(r.names[1 + i], desc->reserved[i].name);
		assert_int_equal(r.pa[1 + i], desc->reserved[i].base);
		assert_int_equal(r.size[1 + i], desc->reserved[i].size);
	}
	for (i = 0; i < r.nr; i++) {
		reserved += r.types[i] == RH_TRACE_REGION_RESERVED;
		assert_int_not_equal(r.types[i], RH_TRACE_PLATFORM_SHUTDOWN);
	}
	assert_int_equal(reserved, desc->nr_reserved);
	assert_int_equal(r.finished, 0);

	/* The last unref says goodbye before the sinks are finished. */
	rh_platform_unref(plat);
	assert_int_equal(r.finished, 1);
	assert_int_equal(r.types[r.nr - 1], RH_TRACE_PLATFORM_SHUTDOWN);
	assert_string_equal(r.names[r.nr - 1], r.names[0]);
}

static void test_no_shutdown_before_last_ref(void **state)
{
	RH_DEFINE_PLATFORM_INFO(info);
	struct recorder r = { 0 };
	struct rh_platform *plat;
	unsigned int n;

	(void)state;
	info.trace_fn = hook;
	info.trace_data = &r;
	assert_int_equal(rh_platform_new(&info, &plat), 0);
	rh_platform_ref(plat);
	n = r.nr;
	rh_platform_unref(plat);
	assert_int_equal(r.nr, n);
	assert_int_equal(r.finished, 0);
	rh_platform_unref(plat);
	assert_int_equal(r.types[r.nr - 1], RH_TRACE_PLATFORM_SHUTDOWN);
}

static void test_hook_failure(void **state)
{
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_platform *plat = (void *)0x1;
	struct recorder r = { 0 };

	(void)state;
	info.trace_fn = hook;
	info.trace_data = &r;
	info.log_fn = quiet_log;
	r.hook_ret = -EIO;
	assert_neg_errno(rh_platform_new(&info, &plat), EIO);
	assert_ptr_equal(plat, (void *)0x1);
	/* The sink it attached was finished, and saw nothing of a boot that did not happen. */
	assert_int_equal(r.finished, 1);
	assert_int_equal(r.nr, 0);

	memset(&r, 0, sizeof(r));
	r.hook_ret = 5;
	assert_neg_errno(rh_platform_new(&info, &plat), EINVAL);
	assert_int_equal(r.finished, 1);
	assert_ptr_equal(plat, (void *)0x1);
}

static void test_hook_not_called_for_bad_dtb(void **state)
{
	static const char junk[] = "not a device tree";
	RH_DEFINE_PLATFORM_INFO(info);
	struct recorder r = { 0 };
	struct rh_platform *plat;

	(void)state;
	info.trace_fn = hook;
	info.trace_data = &r;
	info.dtb = junk;
	info.dtb_size = sizeof(junk);
	info.log_fn = quiet_log;
	assert_neg_errno(rh_platform_new(&info, &plat), EINVAL);
	assert_int_equal(r.hook_calls, 0);
}

static void test_without_hook(void **state)
{
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_platform *plat;

	(void)state;
	assert_int_equal(rh_platform_new(&info, &plat), 0);
	assert_false(rh_trace_enabled(plat));
	rh_platform_unref(plat);
}

static int new_op(void *arg)
{
	struct recorder *r = arg;
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_platform *plat;
	int ret;

	r->finished = 0;
	r->nr = 0;
	rewind(r->text);
	info.trace_fn = hook;
	info.trace_data = r;
	info.log_fn = quiet_log;
	ret = rh_platform_new(&info, &plat);
	if (ret) {
		/* Every sink attached before the failure was finished. */
		assert_true(r->finished <= 1);
		return ret;
	}
	rh_platform_unref(plat);
	assert_int_equal(r->finished, 1);
	return 0;
}

static void test_fail_nth(void **state)
{
	struct recorder r = { .add_text_sink = true };

	(void)state;
	r.text = open_memstream(&r.text_buf, &r.text_len);
	assert_non_null(r.text);
	assert_true(rh_test_fail_nth_sweep(new_op, NULL, NULL, &r) > 3);
	fclose(r.text);
	/* The text sink narrated the boot of the last (successful) platform. */
	assert_non_null(strstr(r.text_buf, "boot "));
	assert_non_null(strstr(r.text_buf, "reserved region "));
	assert_non_null(strstr(r.text_buf, "shutdown "));
	free(r.text_buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_sees_boot),
		cmocka_unit_test(test_no_shutdown_before_last_ref),
		cmocka_unit_test(test_hook_failure),
		cmocka_unit_test(test_hook_not_called_for_bad_dtb),
		cmocka_unit_test(test_without_hook),
		cmocka_unit_test(test_fail_nth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
