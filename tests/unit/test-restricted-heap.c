// SPDX-License-Identifier: MIT
/* Unit tests of the restricted heap core: op order, unwinding, dma-buf ops (v5 behaviours 7-18). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rheap/alloc.h>
#include <rheap/device-bus.h>
#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/heaps/restricted-mtk.h>
#include <rheap/heaps/restricted.h>
#include <rheap/scatterlist.h>
#include <rheap/uapi.h>

#include "dma-buf/dmabuf-internal.h"
#include "hand-platform.h"
#include "rh-test.h"

#define TEST_HEAP "test_restricted"
/* Unowned DRAM of the minimal platform the test ops describe (nobody DMAs to it). */
#define TEST_PA 0x40100000ULL

/* Provider under test: every op is recorded as one letter. */
struct test_ops_ctx {
	pthread_mutex_t lock;
	char log[256];
	int init_ret, alloc_ret, restrict_ret;
	unsigned int nents;       /* entries of the master table */
	bool table_in_alloc;      /* build the table in alloc (no restrict op) */
	atomic_int in_init;       /* heap_init calls running now */
	atomic_int max_in_init;
	atomic_int inits;
	uint64_t exported_at_restrict; /* dma-buf exports seen by restrict_buf */
	struct rh_platform *plat;
	size_t last_size;
	uint64_t pa_base;         /* first PA of the master table */
	bool slow_init;           /* widen heap_init's window for races */
};

static void record(struct test_ops_ctx *c, char op)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = strlen(c->log);
	if (n + 1 < sizeof(c->log)) {
		c->log[n] = op;
		c->log[n + 1] = '\0';
	}
	pthread_mutex_unlock(&c->lock);
}

static struct test_ops_ctx *ctx_of(struct rh_restricted_heap *rheap)
{
	return rheap->priv_data;
}

static int build_table(struct test_ops_ctx *c, struct rh_restricted_buffer *buf)
{
	struct rh_scatterlist *sg;
	unsigned int i;
	size_t left = buf->size, len;
	uint64_t pa;
	int ret;

	ret = rh_sg_alloc_table(&buf->sg_table, c->nents);
	if (ret)
		return ret;
	/* Pieces of the buffer 1 MiB apart; the last one takes the rest. */
	sg = buf->sg_table.sgl;
	for (i = 0; i < c->nents; i++) {
		len = i + 1 < c->nents ? RH_PAGE_SIZE : left;
		pa = c->pa_base + ((uint64_t)i << 20);
		rh_sg_set_page(sg, (unsigned long)(pa >> RH_PAGE_SHIFT), (unsigned int)len, 0);
		left -= len;
		sg = rh_sg_next(sg);
	}
	return 0;
}

static int t_heap_init(struct rh_restricted_heap *rheap)
{
	struct test_ops_ctx *c = ctx_of(rheap);
	int now = atomic_fetch_add(&c->in_init, 1) + 1, max;

	max = atomic_load(&c->max_in_init);
	while (now > max && !atomic_compare_exchange_weak(&c->max_in_init, &max, now))
		;
	atomic_fetch_add(&c->inits, 1);
	if (c->slow_init)
		usleep(100);
	record(c, 'I');
	atomic_fetch_sub(&c->in_init, 1);
	return c->init_ret;
}

static int t_alloc(struct rh_restricted_heap *rheap, struct rh_restricted_buffer *buf)
{
	struct test_ops_ctx *c = ctx_of(rheap);
	int ret;

	record(c, 'A');
	c->last_size = buf->size;
	assert_non_null(buf->heap);
	if (c->alloc_ret)
		return c->alloc_ret;
	if (c->table_in_alloc) {
		ret = build_table(c, buf);
		if (ret)
			return ret;
	}
	return 0;
}

static void t_free(struct rh_restricted_heap *rheap, struct rh_restricted_buffer *buf)
{
	struct test_ops_ctx *c = ctx_of(rheap);

	/* The buffer is still alive here (ASan would see a use after free). */
	assert_int_equal(buf->size % RH_PAGE_SIZE, 0);
	record(c, 'F');
	if (c->table_in_alloc)
		rh_sg_free_table(&buf->sg_table);
}

static int t_restrict(struct rh_restricted_heap *rheap, struct rh_restricted_buffer *buf)
{
	struct test_ops_ctx *c = ctx_of(rheap);
	struct rh_dma_buf_stats st;
	int ret;

	record(c, 'R');
	assert_int_equal(rh_dma_buf_get_stats(c->plat, &st), 0);
	c->exported_at_restrict = st.exported;
	if (c->restrict_ret)
		return c->restrict_ret;
	ret = build_table(c, buf);
	if (ret)
		return ret;
	buf->restricted_addr = 0x5ec0de;
	return 0;
}

static void t_unrestrict(struct rh_restricted_heap *rheap, struct rh_restricted_buffer *buf)
{
	struct test_ops_ctx *c = ctx_of(rheap);

	record(c, 'U');
	assert_int_equal(buf->restricted_addr, 0x5ec0de);
	rh_sg_free_table(&buf->sg_table);
}

static const struct rh_restricted_heap_ops full_ops = {
	.heap_init = t_heap_init,
	.alloc = t_alloc,
	.free = t_free,
	.restrict_buf = t_restrict,
	.unrestrict_buf = t_unrestrict,
};

/* Behaviour 13: no restrict/unrestrict (nor heap_init). */
static const struct rh_restricted_heap_ops plain_ops = {
	.alloc = t_alloc,
	.free = t_free,
};

struct fix {
	struct rh_platform *plat;
	struct test_ops_ctx c;
	struct rh_restricted_heap rheap;
	struct rh_dma_heap *heap;
	struct rh_device *vcodec, *display;
	char last_log[512];
	unsigned int nr_logs;
};

static void capture_log(void *data, enum rh_log_level level, const char *msg)
{
	struct fix *f = data;

	(void)level;
	snprintf(f->last_log, sizeof(f->last_log), "%s", msg);
	f->nr_logs++;
}

static void fix_add_heap(struct fix *f, const struct rh_restricted_heap_ops *ops)
{
	memset(&f->rheap, 0, sizeof(f->rheap));
	f->rheap.name = TEST_HEAP;
	f->rheap.ops = ops;
	f->rheap.priv_data = &f->c;
	assert_int_equal(rh_restricted_heap_add(f->plat, &f->rheap), 0);
	f->heap = rh_dma_heap_find(f->plat, TEST_HEAP);
	assert_non_null(f->heap);
	rh_dma_heap_put(f->heap); /* the platform keeps it */
}

static int setup_common(void **state, const struct rh_restricted_heap_ops *ops)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(minimal_platform_new(&f->plat), 0);
	rh_platform_set_log_fn(f->plat, capture_log, f);
	pthread_mutex_init(&f->c.lock, NULL);
	f->c.plat = f->plat;
	f->c.nents = 3;
	f->c.pa_base = TEST_PA;
	f->vcodec = rh_device_find(f->plat, "vcodec");
	f->display = rh_device_find(f->plat, "display");
	assert_non_null(f->vcodec);
	assert_non_null(f->display);
	if (ops)
		fix_add_heap(f, ops);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_common(state, &full_ops);
}

static int setup_bare(void **state)
{
	return setup_common(state, NULL);
}

static int teardown(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_stats st;

	if (f->heap) {
		/* Every buffer released, every alloc undone. */
		assert_int_equal(rh_dma_heap_get_stats(f->heap, &st), 0);
		assert_int_equal(st.count, 0);
	}
	rh_platform_unref(f->plat);
	pthread_mutex_destroy(&f->c.lock);
	free(f);
	return 0;
}

static void clear_log(struct fix *f)
{
	f->c.log[0] = '\0';
}

static struct rh_dma_buf *alloc_buf(struct fix *f, size_t len)
{
	return rh_dma_heap_buffer_alloc_dmabuf(f->heap, len, O_RDWR | O_CLOEXEC, 0);
}

/* ------------------------------------------------------------ registration */

static void test_add_bad_args(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_heap h = { 0 };
	int before = rh_dma_heap_list(f->plat, NULL, 0);
	static const struct rh_restricted_heap_ops no_alloc = { .free = t_free };
	static const struct rh_restricted_heap_ops no_free = { .alloc = t_alloc };

	assert_neg_errno(rh_restricted_heap_add(NULL, &h), EINVAL);
	assert_neg_errno(rh_restricted_heap_add(f->plat, NULL), EINVAL);
	h.ops = &plain_ops;
	assert_neg_errno(rh_restricted_heap_add(f->plat, &h), EINVAL); /* no name */
	h.name = "bad";
	h.ops = NULL;
	assert_neg_errno(rh_restricted_heap_add(f->plat, &h), EINVAL);
	h.ops = &no_alloc;
	assert_neg_errno(rh_restricted_heap_add(f->plat, &h), EINVAL);
	h.ops = &no_free;
	assert_neg_errno(rh_restricted_heap_add(f->plat, &h), EINVAL);
	h.name = "";
	h.ops = &plain_ops;
	assert_neg_errno(rh_restricted_heap_add(f->plat, &h), EINVAL); /* registry: empty name */
	h.name = "a/b";
	assert_neg_errno(rh_restricted_heap_add(f->plat, &h), EINVAL);
	assert_null(h.heap);
	assert_null(h.plat);
	assert_int_equal(rh_dma_heap_list(f->plat, NULL, 0), before);
}

/* Behaviour 7: a duplicate name gets the registry's -EINVAL; the first heap keeps working. */
static void test_add_duplicate(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_heap dup = { 0 }, mtk = { 0 };
	struct rh_dma_heap *heap;
	struct rh_dma_buf *dmabuf;
	int before = rh_dma_heap_list(f->plat, NULL, 0);

	dup.name = TEST_HEAP;
	dup.ops = &plain_ops;
	assert_neg_errno(rh_restricted_heap_add(f->plat, &dup), EINVAL);
	assert_non_null(strstr(f->last_log, "Already registered heap named " TEST_HEAP));
	assert_null(dup.heap);

	/* The platform's MTK chunk heap is registered: a second one is refused. */
	mtk.name = RH_RESTRICTED_MTK_CM_NAME;
	mtk.ops = &plain_ops;
	assert_neg_errno(rh_restricted_heap_add(f->plat, &mtk), EINVAL);
	heap = rh_dma_heap_find(f->plat, RH_RESTRICTED_MTK_CM_NAME);
	assert_non_null(heap);
	assert_ptr_not_equal(rh_dma_heap_get_drvdata(heap), &mtk);
	rh_dma_heap_put(heap);

	/* The same structure twice. */
	assert_neg_errno(rh_restricted_heap_add(f->plat, &f->rheap), EINVAL);
	assert_non_null(strstr(f->last_log, "already registered"));
	assert_int_equal(rh_dma_heap_list(f->plat, NULL, 0), before);

	dmabuf = alloc_buf(f, 4096);
	assert_false(RH_IS_ERR(dmabuf));
	assert_string_equal(rh_dma_buf_exp_name(dmabuf), TEST_HEAP);
	rh_dma_buf_put(dmabuf);
}

struct add_sweep {
	struct fix *f;
	struct rh_restricted_heap h;
	int nr_heaps;
};

static int add_op(void *arg)
{
	struct add_sweep *s = arg;

	memset(&s->h, 0, sizeof(s->h));
	s->h.name = "swept";
	s->h.ops = &plain_ops;
	s->h.priv_data = &s->f->c;
	return rh_restricted_heap_add(s->f->plat, &s->h);
}

static void add_check(void *arg)
{
	struct add_sweep *s = arg;
	struct rh_dma_heap *heap = rh_dma_heap_find(s->f->plat, "swept");
	int n = rh_dma_heap_list(s->f->plat, NULL, 0);

	if (s->h.heap) {
		assert_ptr_equal(heap, s->h.heap);
		assert_int_equal(n, s->nr_heaps + 1);
	} else {
		/* A failed add leaves nothing registered and the structure reusable. */
		assert_null(heap);
		assert_null(s->h.plat);
		assert_int_equal(n, s->nr_heaps);
	}
	rh_dma_heap_put(heap);
}

static void test_add_fail_nth(void **state)
{
	struct add_sweep s = { .f = *state };

	s.nr_heaps = rh_dma_heap_list(s.f->plat, NULL, 0);
	assert_true(rh_test_fail_nth_sweep(add_op, NULL, add_check, &s) >= 1);
	assert_non_null(s.h.heap);
}

/* ------------------------------------------------------------ allocation */

/* Behaviour 9: heap_init -> alloc -> restrict_buf -> export; size, name, flags. */
static void test_alloc_order(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_buffer *buf;
	struct rh_dma_buf_stats before, after;
	struct rh_dma_buf *dmabuf;

	assert_int_equal(rh_dma_buf_get_stats(f->plat, &before), 0);
	dmabuf = alloc_buf(f, 5000);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	assert_string_equal(f->c.log, "IAR");
	/* restrict_buf ran before the export. */
	assert_int_equal(f->c.exported_at_restrict, before.exported);
	assert_int_equal(rh_dma_buf_get_stats(f->plat, &after), 0);
	assert_int_equal(after.exported, before.exported + 1);

	assert_int_equal(f->c.last_size, 8192);
	assert_int_equal(rh_dma_buf_size(dmabuf), 8192);
	assert_string_equal(rh_dma_buf_exp_name(dmabuf), TEST_HEAP);
	assert_int_equal(rh_dma_buf_f_flags(dmabuf) & (O_ACCMODE | O_CLOEXEC), O_RDWR | O_CLOEXEC);
	buf = rh_restricted_buffer_get(dmabuf);
	assert_non_null(buf);
	assert_ptr_equal(rh_dma_buf_priv(dmabuf), buf);
	assert_ptr_equal(buf->heap, f->heap);
	assert_int_equal(buf->size, 8192);
	assert_int_equal(buf->restricted_addr, 0x5ec0de);
	assert_int_equal(buf->sg_table.orig_nents, 3);

	/* heap_init runs before every allocation (idempotence is the op's job). */
	clear_log(f);
	rh_dma_buf_put(dmabuf);
	assert_string_equal(f->c.log, "UF");
	dmabuf = rh_dma_heap_buffer_alloc_dmabuf(f->heap, 1, O_RDONLY, 0);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	assert_string_equal(f->c.log, "UFIAR");
	assert_int_equal(rh_dma_buf_size(dmabuf), 4096);
	assert_int_equal(rh_dma_buf_f_flags(dmabuf) & O_ACCMODE, O_RDONLY);
	rh_dma_buf_put(dmabuf);
}

/* Behaviour 8: a failing heap_init stops everything and is retried next time. */
static void test_init_fails(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_stats st;
	struct rh_dma_buf *dmabuf;

	f->c.init_ret = -ENODEV;
	dmabuf = alloc_buf(f, 4096);
	assert_true(RH_IS_ERR(dmabuf));
	assert_int_equal(RH_PTR_ERR(dmabuf), -ENODEV);
	assert_string_equal(f->c.log, "I");
	assert_int_equal(rh_dma_heap_get_stats(f->heap, &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(st.alloc_failures, 1);

	/* Through the fd layer too. */
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->heap, 4096, O_RDWR, 0), ENODEV);

	f->c.init_ret = 0;
	clear_log(f);
	dmabuf = alloc_buf(f, 4096);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	assert_string_equal(f->c.log, "IAR");
	rh_dma_buf_put(dmabuf);
}

/* Behaviour 10: restrict fails -> free once, no unrestrict, its errno. */
static void test_restrict_fails(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf_stats before, after;
	struct rh_dma_buf *dmabuf;

	assert_int_equal(rh_dma_buf_get_stats(f->plat, &before), 0);
	f->c.restrict_ret = -ENOMEM;
	dmabuf = alloc_buf(f, 4096);
	assert_int_equal(RH_PTR_ERR(dmabuf), -ENOMEM);
	assert_string_equal(f->c.log, "IARF");

	f->c.restrict_ret = -EOPNOTSUPP;
	clear_log(f);
	assert_neg_errno(rh_dma_heap_buffer_alloc(f->heap, 8192, O_RDWR, 0), EOPNOTSUPP);
	assert_string_equal(f->c.log, "IARF");
	assert_int_equal(rh_dma_buf_get_stats(f->plat, &after), 0);
	assert_int_equal(after.exported, before.exported);
}

/* Behaviour 11: alloc fails -> nothing else runs. */
static void test_alloc_fails(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf;

	f->c.alloc_ret = -EINVAL;
	dmabuf = alloc_buf(f, 4096);
	assert_int_equal(RH_PTR_ERR(dmabuf), -EINVAL);
	assert_string_equal(f->c.log, "IA");
}

/*
 * Behaviour 12 and no leak anywhere: every allocation site fails once.
 * The export failing is the case "IAR" + "UF": unrestrict then free.
 */
struct alloc_sweep {
	struct fix *f;
	struct rh_dma_buf *dmabuf;
	unsigned int export_failures;
};

static int alloc_op(void *arg)
{
	struct alloc_sweep *s = arg;

	clear_log(s->f);
	s->dmabuf = alloc_buf(s->f, 3 * RH_PAGE_SIZE);
	return RH_IS_ERR(s->dmabuf) ? (int)RH_PTR_ERR(s->dmabuf) : 0;
}

static void alloc_undo(void *arg)
{
	struct alloc_sweep *s = arg;

	rh_dma_buf_put(s->dmabuf);
}

static void alloc_check(void *arg)
{
	struct alloc_sweep *s = arg;
	struct rh_dma_heap_stats st;
	const char *log = s->f->c.log;

	assert_int_equal(rh_dma_heap_get_stats(s->f->heap, &st), 0);
	assert_int_equal(st.count, 0);
	if (!RH_IS_ERR(s->dmabuf)) {
		/* The final, successful round, released by alloc_undo(). */
		assert_string_equal(log, "IARUF");
		return;
	}
	/* Whatever failed, every step that ran was undone in reverse. */
	if (!strcmp(log, "IARUF"))
		s->export_failures++;
	else
		assert_true(!strcmp(log, "") || !strcmp(log, "I") || !strcmp(log, "IARF"));
}

static void test_alloc_fail_nth(void **state)
{
	struct alloc_sweep s = { .f = *state };

	assert_true(rh_test_fail_nth_sweep(alloc_op, alloc_undo, alloc_check, &s) >= 3);
	assert_true(s.export_failures >= 1);
}

/* Behaviour 13: only alloc and free when there is nothing to restrict. */
static void test_no_restrict_ops(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf *dmabuf;

	f->c.table_in_alloc = true;
	fix_add_heap(f, &plain_ops);
	dmabuf = alloc_buf(f, 4096);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	assert_int_equal(rh_restricted_buffer_get(dmabuf)->restricted_addr, 0);
	rh_dma_buf_put(dmabuf);
	assert_string_equal(f->c.log, "AF");
}

/* Behaviour 14: release = unrestrict, free, then the metadata. */
static void test_release_order(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_stats st;
	struct rh_dma_buf *dmabuf;
	int fd;

	dmabuf = alloc_buf(f, 4096);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	fd = rh_dma_buf_fd(dmabuf, O_CLOEXEC);
	assert_true(fd >= 0);
	clear_log(f);
	/* The fd holds the only reference now. */
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_string_equal(f->c.log, "UF");
	assert_int_equal(rh_dma_heap_get_stats(f->heap, &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(st.frees, 1);
}

/* ------------------------------------------------------------ dma-buf ops */

/* Behaviour 15: each attachment maps its own copy, entry 0 marked restricted. */
static void test_attach_dup_marks_first(void **state)
{
	struct fix *f = *state;
	struct rh_restricted_buffer *buf;
	struct rh_dma_buf_attachment *att;
	struct rh_scatterlist *sg, *msg;
	struct rh_dma_buf *dmabuf;
	struct rh_sg_table *sgt;
	unsigned int i;

	dmabuf = alloc_buf(f, 5 * RH_PAGE_SIZE);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	buf = rh_restricted_buffer_get(dmabuf);
	att = rh_dma_buf_attach(dmabuf, f->vcodec);
	assert_false(RH_IS_ERR_OR_NULL(att));
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_BIDIRECTIONAL);
	assert_false(RH_IS_ERR_OR_NULL(sgt));
	assert_ptr_not_equal(sgt, &buf->sg_table);
	assert_ptr_not_equal(sgt->sgl, buf->sg_table.sgl);
	assert_int_equal(sgt->orig_nents, 3);
	assert_int_equal(sgt->nents, 3);

	msg = buf->sg_table.sgl;
	rh_for_each_sgtable_sg(sgt, sg, i) {
		assert_int_equal(rh_sg_page(sg), rh_sg_page(msg));
		assert_int_equal(sg->length, msg->length);
		assert_int_equal(sg->offset, msg->offset);
		/* Only the copy's first entry is marked; the master never is. */
		assert_int_equal(rh_sg_dma_is_restricted(sg), RH_NEED_SG_DMA_FLAGS && i == 0);
		assert_false(rh_sg_dma_is_restricted(msg));
		assert_int_equal(msg->dma_flags, 0);
		/* Identity mapping of the simulated bus. */
		assert_int_equal(rh_sg_dma_address(sg), rh_sg_phys(msg));
		msg = rh_sg_next(msg);
	}
	rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_BIDIRECTIONAL);
	rh_dma_buf_detach(dmabuf, att);
	rh_dma_buf_put(dmabuf);
}

/* Behaviour 16: two devices, two tables; detaching one leaves the other intact. */
static void test_two_attachments(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf_attachment *a1, *a2;
	struct rh_sg_table *t1, *t2;
	struct rh_dma_buf *dmabuf;

	dmabuf = alloc_buf(f, 4 * RH_PAGE_SIZE);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	a1 = rh_dma_buf_attach(dmabuf, f->vcodec);
	a2 = rh_dma_buf_attach(dmabuf, f->display);
	assert_false(RH_IS_ERR_OR_NULL(a1));
	assert_false(RH_IS_ERR_OR_NULL(a2));
	assert_ptr_not_equal(a1->priv, a2->priv);
	t1 = rh_dma_buf_map_attachment(a1, RH_DMA_FROM_DEVICE);
	t2 = rh_dma_buf_map_attachment(a2, RH_DMA_TO_DEVICE);
	assert_false(RH_IS_ERR_OR_NULL(t1));
	assert_false(RH_IS_ERR_OR_NULL(t2));
	assert_ptr_not_equal(t1, t2);
	rh_dma_buf_unmap_attachment(a1, t1, RH_DMA_FROM_DEVICE);
	rh_dma_buf_detach(dmabuf, a1);

	/* The other table is untouched (ASan checks it was not freed). */
	assert_int_equal(t2->orig_nents, 3);
	assert_int_equal(rh_sg_dma_is_restricted(t2->sgl), RH_NEED_SG_DMA_FLAGS);
	rh_dma_buf_unmap_attachment(a2, t2, RH_DMA_TO_DEVICE);
	t2 = rh_dma_buf_map_attachment(a2, RH_DMA_TO_DEVICE);
	assert_false(RH_IS_ERR_OR_NULL(t2));
	rh_dma_buf_unmap_attachment(a2, t2, RH_DMA_TO_DEVICE);
	rh_dma_buf_detach(dmabuf, a2);
	rh_dma_buf_put(dmabuf);
}

/* Behaviour 17: the same table every map, SKIP_CPU_SYNC, unmap of another table warns. */
static void test_map_twice(void **state)
{
	struct fix *f = *state;
	struct rh_device_stats before, after;
	struct rh_dma_buf_attachment *att;
	struct rh_sg_table *t1, *t2, other = { 0 };
	struct rh_dma_buf *dmabuf;

	dmabuf = alloc_buf(f, 4 * RH_PAGE_SIZE);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	att = rh_dma_buf_attach(dmabuf, f->vcodec);
	assert_false(RH_IS_ERR_OR_NULL(att));
	assert_int_equal(rh_device_get_stats(f->vcodec, &before), 0);

	t1 = rh_dma_buf_map_attachment(att, RH_DMA_BIDIRECTIONAL);
	assert_false(RH_IS_ERR_OR_NULL(t1));
	rh_dma_buf_unmap_attachment(att, t1, RH_DMA_BIDIRECTIONAL);
	t2 = rh_dma_buf_map_attachment(att, RH_DMA_FROM_DEVICE);
	assert_ptr_equal(t1, t2);

	/* A different table: logged, and the unmap still happens. */
	assert_int_equal(rh_sg_alloc_table(&other, 1), 0);
	f->last_log[0] = '\0';
	rh_dma_buf_unmap_attachment(att, &other, RH_DMA_FROM_DEVICE);
	assert_non_null(strstr(f->last_log, "restricted heap: unmap of table"));
	rh_sg_free_table(&other);

	assert_int_equal(rh_device_get_stats(f->vcodec, &after), 0);
	assert_int_equal(after.maps, before.maps + 2);
	assert_int_equal(after.unmaps, before.unmaps + 2);
	/* The CPU never touches the memory: no cache maintenance at all. */
	assert_int_equal(after.cpu_syncs, before.cpu_syncs);
	rh_dma_buf_detach(dmabuf, att);
	rh_dma_buf_put(dmabuf);
}

/* A map the DMA layer refuses is reported as such. */
static void test_map_error(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf_attachment *att;
	struct rh_sg_table *sgt;
	struct rh_dma_buf *dmabuf;

	/* A layout outside DRAM: dma-direct answers -EIO. */
	f->c.pa_base = 0x10000;
	dmabuf = alloc_buf(f, 4096);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	att = rh_dma_buf_attach(dmabuf, f->vcodec);
	assert_false(RH_IS_ERR_OR_NULL(att));
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_BIDIRECTIONAL);
	assert_true(RH_IS_ERR(sgt));
	assert_int_equal(RH_PTR_ERR(sgt), -EIO);
	rh_dma_buf_detach(dmabuf, att);
	rh_dma_buf_put(dmabuf);
}

struct attach_sweep {
	struct fix *f;
	struct rh_dma_buf *dmabuf;
	struct rh_dma_buf_attachment *att;
};

static int attach_op(void *arg)
{
	struct attach_sweep *s = arg;

	s->att = rh_dma_buf_attach(s->dmabuf, s->f->vcodec);
	return RH_IS_ERR(s->att) ? (int)RH_PTR_ERR(s->att) : 0;
}

static void attach_undo(void *arg)
{
	struct attach_sweep *s = arg;

	rh_dma_buf_detach(s->dmabuf, s->att);
}

/*
 * Every allocation of attach fails once, the table copy included: its
 * error pointer must fail the attach (v5 tests it for NULL).
 */
static void test_attach_fail_nth(void **state)
{
	struct attach_sweep s = { .f = *state };

	s.dmabuf = alloc_buf(s.f, 3 * RH_PAGE_SIZE);
	assert_false(RH_IS_ERR_OR_NULL(s.dmabuf));
	assert_true(rh_test_fail_nth_sweep(attach_op, attach_undo, NULL, &s) >= 3);
	rh_dma_buf_put(s.dmabuf);
}

/* Behaviour 18: no CPU access, also through the fd layer. */
static void test_cpu_access_denied(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf_sync sync = { 0 };
	struct rh_dma_buf *dmabuf;
	void *ptr = NULL, *vaddr = NULL;
	int fd, nfds;

	dmabuf = alloc_buf(f, 2 * RH_PAGE_SIZE);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	assert_neg_errno(rh_dma_buf_begin_cpu_access(dmabuf, RH_DMA_FROM_DEVICE), EPERM);
	assert_neg_errno(rh_dma_buf_end_cpu_access(dmabuf, RH_DMA_TO_DEVICE), EPERM);
	assert_neg_errno(rh_dma_buf_vmap(dmabuf, &vaddr), EINVAL);
	assert_null(vaddr);

	nfds = rh_fd_count(f->plat);
	fd = rh_dma_buf_fd(dmabuf, O_CLOEXEC);
	assert_true(fd >= 0);
	sync.flags = RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_RW;
	assert_neg_errno(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_SYNC, &sync), EPERM);
	sync.flags = RH_DMA_BUF_SYNC_END | RH_DMA_BUF_SYNC_READ;
	assert_neg_errno(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_SYNC, &sync), EPERM);
	assert_neg_errno(rh_mmap(f->plat, fd, 2 * RH_PAGE_SIZE, PROT_READ, MAP_SHARED, 0, &ptr),
			 EPERM);
	assert_neg_errno(rh_mmap(f->plat, fd, RH_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
				 RH_PAGE_SIZE, &ptr), EPERM);
	assert_null(ptr);
	assert_int_equal(rh_close(f->plat, fd), 0);
	/* No mapping kept the buffer alive: the close released it. */
	assert_int_equal(rh_fd_count(f->plat), nfds);
	assert_string_equal(f->c.log + strlen(f->c.log) - 2, "UF");
}

/* The dma-heap uapi end to end: open, DMA_HEAP_IOCTL_ALLOC, close. */
static void test_uapi_alloc(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_allocation_data data = { 0 };
	int heap_fd;

	heap_fd = rh_open(f->plat, "/dev/dma_heap/" TEST_HEAP, O_RDONLY | O_CLOEXEC);
	assert_true(heap_fd >= 0);
	data.len = 10000;
	data.fd_flags = O_RDWR | O_CLOEXEC;
	assert_int_equal(rh_ioctl(f->plat, heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), 0);
	assert_int_equal(rh_lseek(f->plat, (int)data.fd, 0, SEEK_END), 12288);
	assert_string_equal(f->c.log, "IAR");
	assert_int_equal(rh_close(f->plat, (int)data.fd), 0);

	f->c.restrict_ret = -EOPNOTSUPP;
	data.fd = 0;
	assert_neg_errno(rh_ioctl(f->plat, heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), EOPNOTSUPP);
	assert_int_equal(rh_close(f->plat, heap_fd), 0);
}

static void test_buffer_get(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap *sys;
	struct rh_dma_buf *dmabuf;

	assert_null(rh_restricted_buffer_get(NULL));
	sys = rh_dma_heap_find(f->plat, "system");
	assert_non_null(sys);
	dmabuf = rh_dma_heap_buffer_alloc_dmabuf(sys, 4096, O_RDWR, 0);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	assert_null(rh_restricted_buffer_get(dmabuf));
	rh_dma_buf_put(dmabuf);
	rh_dma_heap_put(sys);
}

/* ------------------------------------------------------------ concurrency */

struct init_race {
	struct fix *f;
	pthread_barrier_t barrier;
	atomic_int ok;
};

static void *race_thread(void *arg)
{
	struct init_race *r = arg;
	struct rh_dma_buf *dmabuf;
	int i;

	pthread_barrier_wait(&r->barrier);
	for (i = 0; i < 50; i++) {
		dmabuf = alloc_buf(r->f, RH_PAGE_SIZE);
		if (!RH_IS_ERR_OR_NULL(dmabuf)) {
			atomic_fetch_add(&r->ok, 1);
			rh_dma_buf_put(dmabuf);
		}
	}
	return NULL;
}

/* heap_init is serialised: v5 lets two first allocations both run it. */
static void test_init_serialised(void **state)
{
	struct init_race r = { .f = *state };
	pthread_t th[4];
	unsigned int i;

	r.f->c.slow_init = true;
	pthread_barrier_init(&r.barrier, NULL, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, race_thread, &r), 0);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&r.barrier);
	assert_int_equal(atomic_load(&r.ok), 200);
	assert_int_equal(atomic_load(&r.f->c.inits), 200);
	assert_int_equal(atomic_load(&r.f->c.max_in_init), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_fail_nth, setup_bare, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restrict_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_fail_nth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_restrict_ops, setup_bare, teardown),
		cmocka_unit_test_setup_teardown(test_release_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_dup_marks_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_attachments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_fail_nth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_access_denied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uapi_alloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffer_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_serialised, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
