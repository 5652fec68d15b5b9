// SPDX-License-Identifier: MIT
/* libFuzzer target: protected memory's messages both ways (the secure OS's LEND/RECLAIM/GET_PROTMEM_CONFIG, the OP-TEE driver reading the answers). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/dma-heap.h>
#include <rheap/phys.h>
#include <rheap/platform.h>
#include <rheap/secure-stats.h>
#include <rheap/tee-backend.h>
#include <rheap/tee-heap.h>
#include <rheap/tee-protmem.h>
#include <rheap/tee.h>

#include "internal.h"
#include "optee/tee.h"

/*
 * One platform per process: the optee-protmem board (its DTB embedded at
 * build time). An input (little-endian; missing bytes read 0) is
 *
 *	u8  n                 secure-side messages that follow (at most 8)
 *	n × { u16 len; len bytes }    each one OP-TEE message
 *	u8  flags             normal side: bit 0 the TEE reports a static
 *	                      carveout, bit 1 answers may change the header
 *	u64 static_base, u64 static_size, u32 static_use_case
 *	...                   the answer stream
 *
 * Secure side: each message whose command is LEND_PROTMEM,
 * RECLAIM_PROTMEM or GET_PROTMEM_CONFIG goes to the platform's emulator
 * (other commands would reach host memory through REGISTER_SHM: they are
 * tested by tee-msg). For the input, the normal world has recorded two
 * CMA ranges as handed over (the corpus names them: the first 512 MiB
 * and the next 64 MiB of the linux,cma region, at 2 MiB alignment), so
 * a valid LEND can succeed; a shm of 64 bytes is registered under cookie
 * 1 for the attribute array. Afterwards every range the input got lent is
 * reclaimed, and nothing may stay protected but the static carveout.
 *
 * Normal side: the OP-TEE driver probes a backend whose every message is
 * answered from the stream (see answer()), then one buffer of each
 * protected heap is allocated and freed. Then the backend answers
 * honestly (success), the heaps are exercised once more so that a chunk
 * whose reclaim was refused is reclaimed, and the emulator is plugged back
 * in. Whatever the answers, the driver must neither crash nor leave
 * anything lent to a TEE that is gone.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const unsigned char fuzz_dtb_optee_protmem[];
extern const size_t fuzz_dtb_optee_protmem_size;

#define MB (1024ULL * 1024)
#define MAX_MSGS 8
#define MAX_LENT 16

struct reader {
	const uint8_t *p;
	size_t left;
};

static struct {
	bool ready;
	struct rh_platform *plat;
	struct rh_tee_emu *emu;
	const struct rh_tee_ops *emu_ops;
	void *emu_priv;
	rh_phys_addr_t range[2];
	uint64_t range_size[2];
	unsigned char attrs[64];
	/* normal side */
	struct reader answers;
	bool honest;
	bool clobber_header;
	struct rh_tee_protmem_caps caps;
} H;

static void must(bool ok)
{
	if (!ok)
		abort();
}

static void quiet(void *data, enum rh_log_level level, const char *msg)
{
}

static void take(struct reader *r, void *out, size_t n)
{
	size_t k = n < r->left ? n : r->left;

	memset(out, 0, n);
	memcpy(out, r->p, k);
	r->p += k;
	r->left -= k;
}

static uint32_t send(void *msg, size_t size)
{
	struct rh_optee_msg_arg *a = msg;

	must(rh_tee_emu_call(H.emu, msg, size) == 0);
	return a->ret;
}

static void setup(void)
{
	RH_DEFINE_PLATFORM_INFO(info);
	const struct rh_reserved_region *cma;
	uint64_t buf[RH_OPTEE_MSG_GET_ARG_SIZE(1) / 8] = { 0 };
	struct rh_optee_msg_arg *m = (struct rh_optee_msg_arg *)buf;

	H.ready = true;
	info.dtb = fuzz_dtb_optee_protmem;
	info.dtb_size = fuzz_dtb_optee_protmem_size;
	info.log_fn = quiet;
	must(rh_platform_new(&info, &H.plat) == 0);
	H.emu = rh_tee_emu_of(H.plat);
	must(H.emu != NULL);
	must(rh_platform_get_tee_backend(H.plat, &H.emu_ops, &H.emu_priv) == 0);
	cma = rh_phys_reserved_find(H.plat, "linux,cma");
	must(cma != NULL);
	H.range[0] = RH_ALIGN_UP(cma->base, 2 * MB);
	H.range_size[0] = 512 * MB;
	H.range[1] = H.range[0] + 512 * MB;
	H.range_size[1] = 64 * MB;
	m->cmd = RH_OPTEE_MSG_CMD_REGISTER_SHM;
	m->num_params = 1;
	m->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	m->params[0].u.tmem.buf_ptr = (uintptr_t)H.attrs;
	m->params[0].u.tmem.size = sizeof(H.attrs);
	m->params[0].u.tmem.shm_ref = 1;
	must(send(m, sizeof(buf)) == RH_TEEC_SUCCESS);
}

static unsigned int protected_ranges(void)
{
	struct rh_protmem_stats st;

	must(rh_protmem_get_stats(H.plat, 0, &st) == 0);
	return st.ranges;
}

/* ------------------------------------------------------------ secure side */

static void reclaim(uint64_t cookie)
{
	uint64_t buf[RH_OPTEE_MSG_GET_ARG_SIZE(1) / 8] = { 0 };
	struct rh_optee_msg_arg *m = (struct rh_optee_msg_arg *)buf;
	uint32_t ret;

	m->cmd = RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM;
	m->num_params = 1;
	m->params[0].attr = RH_OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	m->params[0].u.rmem.shm_ref = cookie;
	ret = send(m, sizeof(buf));
	/* No TA holds anything here: a reclaim is never busy. */
	must(ret == RH_TEEC_SUCCESS || ret == RH_TEEC_ERROR_ITEM_NOT_FOUND);
}

static void fuzz_secure_side(struct reader *r)
{
	uint64_t cookies[MAX_LENT];
	unsigned int i, n, nr_lent = 0, before = protected_ranges();
	uint8_t count;
	uint16_t len;

	for (i = 0; i < 2; i++)
		must(rh_platform_lend_region(H.plat, H.range[i], H.range_size[i],
					     RH_LEND_TEE_DRIVER) == 0);
	take(r, &count, 1);
	n = count % (MAX_MSGS + 1);
	for (i = 0; i < n; i++) {
		struct rh_optee_msg_arg *a;
		unsigned char *msg;
		uint32_t cmd;

		take(r, &len, sizeof(len));
		msg = malloc(len ? len : 1);
		must(msg != NULL);
		take(r, msg, len);
		memcpy(&cmd, msg, len >= sizeof(cmd) ? sizeof(cmd) : 0);
		if (len < sizeof(struct rh_optee_msg_arg) ||
		    (cmd != RH_OPTEE_MSG_CMD_LEND_PROTMEM &&
		     cmd != RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM &&
		     cmd != RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG)) {
			free(msg);
			continue;
		}
		a = (struct rh_optee_msg_arg *)msg;
		if (send(msg, len) == RH_TEEC_SUCCESS && cmd == RH_OPTEE_MSG_CMD_LEND_PROTMEM) {
			/* Only the two recorded ranges can have been lent. */
			must(nr_lent < MAX_LENT && a->num_params >= 2);
			must((a->params[1].u.tmem.buf_ptr == H.range[0] &&
			      a->params[1].u.tmem.size == H.range_size[0]) ||
			     (a->params[1].u.tmem.buf_ptr == H.range[1] &&
			      a->params[1].u.tmem.size == H.range_size[1]));
			cookies[nr_lent++] = a->params[1].u.tmem.shm_ref;
		}
		free(msg);
	}
	for (i = 0; i < nr_lent; i++)
		reclaim(cookies[i]);
	for (i = 0; i < 2; i++)
		rh_platform_reclaim_region(H.plat, H.range[i], H.range_size[i]);
	must(protected_ranges() == before);
}

/* ------------------------------------------------------------ normal side */

static int answer_version(void *priv, struct rh_tee_ioctl_version_data *v)
{
	v->impl_id = RH_TEE_IMPL_ID_OPTEE;
	v->impl_caps = RH_TEE_OPTEE_CAP_TZ;
	v->gen_caps = RH_TEE_GEN_CAP_GP | RH_TEE_GEN_CAP_REG_MEM | RH_TEE_GEN_CAP_MEMREF_NULL;
	return 0;
}

/* XOR the next @n bytes of @r into @buf (missing bytes: 0, no change). */
static void take_xor(struct reader *r, void *buf, size_t n)
{
	unsigned char *b = buf;
	size_t i, k = n < r->left ? n : r->left;

	for (i = 0; i < k; i++)
		b[i] ^= r->p[i];
	r->p += k;
	r->left -= k;
}

/*
 * The stream answers each message: u32 ret, u32 origin, then bytes XORed
 * into the header before ret (20 bytes, only with flags bit 1) and into
 * the parameters, so zeros leave what the driver sent.
 */
static int answer(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	uint32_t v;

	if (H.honest || !H.answers.left) {
		msg->ret = RH_TEEC_SUCCESS;
		msg->ret_origin = RH_TEEC_ORIGIN_TEE;
		return 0;
	}
	take(&H.answers, &v, sizeof(v));
	msg->ret = v;
	take(&H.answers, &v, sizeof(v));
	msg->ret_origin = v;
	if (H.clobber_header)
		take_xor(&H.answers, msg, offsetof(struct rh_optee_msg_arg, ret));
	take_xor(&H.answers, msg->params, size - sizeof(*msg));
	return 0;
}

static int answer_caps(void *priv, struct rh_tee_protmem_caps *ret_caps)
{
	*ret_caps = H.caps;
	return 0;
}

static const struct rh_tee_ops answer_ops = {
	.version = RH_TEE_OPS_VERSION,
	.get_version = answer_version,
	.open_session = answer,
	.invoke = answer,
	.close_session = answer,
	.cancel = answer,
	.shm_register = answer,
	.shm_unregister = answer,
	.lend_protmem = answer,
	.reclaim_protmem = answer,
	.get_protmem_config = answer,
	.protmem_caps = answer_caps,
};

static const char *const heap_names[] = {
	RH_TEE_HEAP_SECURE_VIDEO_NAME,
	RH_TEE_HEAP_TRUSTED_UI_NAME,
	RH_TEE_HEAP_SECURE_VIDEO_RECORD_NAME,
};

static void exercise_heaps(void)
{
	struct rh_dma_heap *heap;
	struct rh_dma_buf *b;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		heap = rh_dma_heap_find(H.plat, heap_names[i]);
		if (!heap)
			continue;
		b = rh_dma_heap_buffer_alloc_dmabuf(heap, 4096 * (i + 1), 0, 0);
		if (!RH_IS_ERR(b))
			rh_dma_buf_put(b);
		rh_dma_heap_put(heap);
	}
}

static void fuzz_normal_side(struct reader *r)
{
	struct rh_tee_heap_stats st;
	uint64_t quarantined = 0;
	unsigned int i;
	uint8_t flags;

	take(r, &flags, 1);
	memset(&H.caps, 0, sizeof(H.caps));
	H.caps.flags = RH_TEE_PROTMEM_CAP_DYNAMIC | ((flags & 1) ? RH_TEE_PROTMEM_CAP_STATIC : 0);
	H.caps.pa_width = 40;
	take(r, &H.caps.static_base, sizeof(H.caps.static_base));
	take(r, &H.caps.static_size, sizeof(H.caps.static_size));
	take(r, &H.caps.static_use_case, sizeof(H.caps.static_use_case));
	H.clobber_header = flags & 2;
	H.answers = *r;
	H.honest = false;
	must(rh_platform_set_tee_backend(H.plat, &answer_ops, NULL) == 0);
	exercise_heaps();
	/* The TEE behaves from now on: whatever stayed lent is reclaimed. */
	H.honest = true;
	exercise_heaps();
	for (i = 0; i < 3; i++) {
		if (rh_tee_heap_get_stats(H.plat, heap_names[i], &st))
			continue;
		must(!st.lent && st.buffers == 0);
		quarantined += st.quarantined;
	}
	/* Nothing lent: the context of a lend is gone, the TEE can change. */
	must(rh_platform_set_tee_backend(H.plat, H.emu_ops, H.emu_priv) == 0);
	/* Memory quarantined after lost answers stays out of CMA: start afresh. */
	if (quarantined) {
		rh_platform_unref(H.plat);
		H.ready = false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };

	if (!H.ready)
		setup();
	fuzz_secure_side(&r);
	fuzz_normal_side(&r);
	return 0;
}
