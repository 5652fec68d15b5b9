// SPDX-License-Identifier: MIT
/* Unit tests of src/platform/device.c: device table, secure switch, DMA mapping, firewall-checked DMA. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rheap/alloc.h>
#include <rheap/device-bus.h>
#include <rheap/device.h>
#include <rheap/firewall.h>
#include <rheap/phys.h>
#include <rheap/scatterlist.h>

#include "emu.h"
#include "hand-platform.h"
#include "rh-test.h"

#define MB (1ULL << 20)
#define OPEN_PA (HAND_DRAM_BASE + MB)
#define PROT_PA HAND_CMA_BASE /* region 0: vcodec and display while secure */

struct fixture {
	struct rh_platform *plat;
	struct rh_device *vcodec, *display, *gpu;
};

static int setup(void **state)
{
	struct rh_platform_desc desc;
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	hand_desc_minimal(&desc);
	assert_int_equal(hand_platform_new(&desc, &f->plat), 0);
	assert_int_equal(rh_firewall_program(f->plat->firewall, PROT_PA, 4 * MB,
					     RH_FW_MASTER(1) | RH_FW_MASTER(2), NULL), 0);
	f->vcodec = rh_device_find(f->plat, "vcodec");
	f->display = rh_device_find(f->plat, "display");
	f->gpu = rh_device_find(f->plat, "gpu");
	assert_non_null(f->vcodec);
	assert_non_null(f->display);
	assert_non_null(f->gpu);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	hand_platform_free(f->plat);
	free(f);
	return 0;
}

static unsigned char *secure_ptr(struct fixture *f, rh_phys_addr_t pa, size_t len)
{
	void *p;

	assert_int_equal(rh_emu_secure_ptr(f->plat, pa, len, &p), 0);
	return p;
}

static struct rh_device_stats dev_stats(struct rh_device *dev)
{
	struct rh_device_stats st;

	assert_int_equal(rh_device_get_stats(dev, &st), 0);
	return st;
}

static void test_table(void **state)
{
	struct fixture *f = *state;
	struct rh_device_stats st;

	assert_int_equal(rh_device_count(f->plat), 3);
	assert_ptr_equal(rh_device_get(f->plat, 0), f->vcodec);
	assert_ptr_equal(rh_device_get(f->plat, 1), f->display);
	assert_ptr_equal(rh_device_get(f->plat, 2), f->gpu);
	assert_null(rh_device_get(f->plat, 3));
	assert_null(rh_device_get(NULL, 0));
	assert_null(rh_device_find(f->plat, "isp"));
	assert_null(rh_device_find(f->plat, "vcode"));
	assert_null(rh_device_find(f->plat, NULL));
	assert_null(rh_device_find(NULL, "gpu"));
	assert_int_equal(rh_device_count(NULL), 0);

	assert_string_equal(rh_device_name(f->vcodec), "vcodec");
	assert_string_equal(rh_device_compatible(f->vcodec), "mediatek,mt8188-vcodec-dec");
	assert_int_equal(rh_device_master_id(f->vcodec), 1);
	assert_int_equal(rh_device_master_id(f->gpu), 3);
	assert_true(rh_device_is_secure_capable(f->vcodec));
	assert_true(rh_device_is_secure_capable(f->display));
	assert_false(rh_device_is_secure_capable(f->gpu));
	assert_false(rh_device_is_secure(f->vcodec)); /* out of reset: non-secure */
	assert_ptr_equal(rh_device_platform(f->gpu), f->plat);

	assert_null(rh_device_name(NULL));
	assert_null(rh_device_compatible(NULL));
	assert_int_equal(rh_device_master_id(NULL), 0);
	assert_false(rh_device_is_secure_capable(NULL));
	assert_false(rh_device_is_secure(NULL));
	assert_null(rh_device_platform(NULL));

	st = dev_stats(f->gpu);
	assert_int_equal(st.maps + st.unmaps + st.cpu_syncs + st.dma_reads + st.dma_writes +
			 st.bytes_read + st.bytes_written + st.refused, 0);
	assert_neg_errno(rh_device_get_stats(NULL, &st), EINVAL);
	assert_neg_errno(rh_device_get_stats(f->gpu, NULL), EINVAL);
}

static void test_secure_switch(void **state)
{
	struct fixture *f = *state;
	struct rh_platform_desc desc;
	struct rh_platform *other = NULL;

	assert_int_equal(rh_emu_device_secure_get(f->plat, f->vcodec), 0);
	assert_true(rh_device_is_secure(f->vcodec));
	assert_false(rh_device_is_secure(f->display));
	assert_int_equal(rh_emu_device_secure_refs(f->vcodec), 1);
	assert_int_equal(rh_emu_device_secure_put(f->plat, f->vcodec), 0);
	assert_false(rh_device_is_secure(f->vcodec));
	assert_int_equal(rh_emu_device_secure_refs(f->vcodec), 0);

	/* A count: secure while any user holds it, whoever took it first. */
	assert_int_equal(rh_emu_device_secure_get(f->plat, f->vcodec), 0);
	assert_int_equal(rh_emu_device_secure_get(f->plat, f->vcodec), 0);
	assert_int_equal(rh_emu_device_secure_refs(f->vcodec), 2);
	assert_int_equal(rh_emu_device_secure_put(f->plat, f->vcodec), 0);
	assert_true(rh_device_is_secure(f->vcodec));
	assert_int_equal(rh_emu_device_secure_put(f->plat, f->vcodec), 0);
	assert_false(rh_device_is_secure(f->vcodec));
	/* A put without a get is a secure-world bug: refused, nothing wraps. */
	assert_neg_errno(rh_emu_device_secure_put(f->plat, f->vcodec), EINVAL);
	assert_int_equal(rh_emu_device_secure_refs(f->vcodec), 0);
	assert_false(rh_device_is_secure(f->vcodec));

	assert_neg_errno(rh_emu_device_secure_get(f->plat, f->gpu), EPERM);
	assert_false(rh_device_is_secure(f->gpu));
	assert_int_equal(rh_emu_device_secure_refs(f->gpu), 0);
	assert_neg_errno(rh_emu_device_secure_put(f->plat, f->gpu), EINVAL);

	assert_neg_errno(rh_emu_device_secure_get(NULL, f->vcodec), EINVAL);
	assert_neg_errno(rh_emu_device_secure_get(f->plat, NULL), EINVAL);
	assert_neg_errno(rh_emu_device_secure_put(NULL, f->vcodec), EINVAL);
	assert_neg_errno(rh_emu_device_secure_put(f->plat, NULL), EINVAL);
	assert_int_equal(rh_emu_device_secure_refs(NULL), 0);
	/* A device of another platform is not this secure world's to switch. */
	hand_desc_minimal(&desc);
	assert_int_equal(hand_platform_new(&desc, &other), 0);
	assert_neg_errno(rh_emu_device_secure_get(other, f->vcodec), EINVAL);
	assert_neg_errno(rh_emu_device_secure_put(other, f->vcodec), EINVAL);
	assert_false(rh_device_is_secure(f->vcodec));
	assert_ptr_not_equal(rh_device_find(other, "vcodec"), f->vcodec);
	hand_platform_free(other);
}

static void test_dma_open_memory(void **state)
{
	struct fixture *f = *state;
	unsigned char out[100], in[100], *sec = secure_ptr(f, OPEN_PA, sizeof(out));
	struct rh_device_stats st;

	memset(out, 0x5e, sizeof(out));
	/* A non-secure master reaches unprotected memory. */
	assert_int_equal(rh_device_dma_write(f->gpu, OPEN_PA, out, sizeof(out)), 0);
	assert_memory_equal(sec, out, sizeof(out));
	sec[0] = 1;
	assert_int_equal(rh_device_dma_read(f->gpu, OPEN_PA, in, sizeof(in)), 0);
	assert_int_equal(in[0], 1);
	assert_memory_equal(in + 1, out + 1, sizeof(in) - 1);
	/* So does a secure one. */
	assert_int_equal(rh_emu_device_secure_get(f->plat, f->vcodec), 0);
	assert_int_equal(rh_device_dma_read(f->vcodec, OPEN_PA, in, sizeof(in)), 0);

	st = dev_stats(f->gpu);
	assert_int_equal(st.dma_writes, 1);
	assert_int_equal(st.dma_reads, 1);
	assert_int_equal(st.bytes_written, sizeof(out));
	assert_int_equal(st.bytes_read, sizeof(in));
	assert_int_equal(st.refused, 0);
	assert_int_equal(rh_phys_violation_count(f->plat), 0);
}

static void test_dma_refused_non_secure(void **state)
{
	struct fixture *f = *state;
	unsigned char buf[64], *sec = secure_ptr(f, PROT_PA, 4 * MB);
	struct rh_platform_stats pst;
	struct rh_violation v;

	memset(sec, 0xc3, 64);
	memset(buf, 0, sizeof(buf));
	assert_neg_errno(rh_device_dma_read(f->gpu, PROT_PA, buf, sizeof(buf)), EACCES);
	assert_int_equal(buf[0], 0); /* nothing copied */
	assert_int_equal(buf[63], 0);
	assert_int_equal(rh_phys_violation_last(f->plat, &v), 0);
	assert_string_equal(v.master, "gpu");
	assert_int_equal(v.master_id, 3);
	assert_false(v.secure);
	assert_false(v.write);
	assert_int_equal(v.pa, PROT_PA);
	assert_int_equal(v.size, sizeof(buf));
	assert_int_equal(v.region, 0);

	/* A secure-capable master that is not in secure mode is refused too. */
	memset(buf, 0x77, sizeof(buf));
	assert_neg_errno(rh_device_dma_write(f->vcodec, PROT_PA + 4 * MB - 16, buf, 16),
			 EACCES);
	assert_int_equal(sec[4 * MB - 16], 0);
	assert_int_equal(rh_phys_violation_last(f->plat, &v), 0);
	assert_string_equal(v.master, "vcodec");
	assert_true(v.write);
	assert_false(v.secure);

	/* A transfer that only ends inside the region is refused whole. */
	assert_neg_errno(rh_device_dma_write(f->gpu, PROT_PA - 8, buf, 16), EACCES);
	assert_int_equal(secure_ptr(f, PROT_PA - 8, 1)[0], 0);
	assert_int_equal(rh_phys_violation_last(f->plat, &v), 0);
	assert_int_equal(v.fault_pa, PROT_PA);

	assert_int_equal(dev_stats(f->gpu).refused, 2);
	assert_int_equal(dev_stats(f->gpu).dma_writes, 0);
	assert_int_equal(dev_stats(f->vcodec).refused, 1);
	assert_int_equal(rh_platform_get_stats(f->plat, &pst), 0);
	assert_int_equal(pst.dma_violations, 3);
	assert_int_equal(pst.cpu_violations, 0);
}

static void test_dma_secure_master(void **state)
{
	struct fixture *f = *state;
	unsigned char frame[256], out[256], *sec = secure_ptr(f, PROT_PA, sizeof(frame));
	struct rh_violation v;
	size_t i;

	for (i = 0; i < sizeof(frame); i++)
		frame[i] = (unsigned char)i;
	assert_int_equal(rh_emu_device_secure_get(f->plat, f->vcodec), 0);
	assert_int_equal(rh_emu_device_secure_get(f->plat, f->display), 0);
	/* Secure mode alone opens nothing: the TEE maps the buffer for each. */
	assert_neg_errno(rh_device_dma_write(f->vcodec, PROT_PA, frame, sizeof(frame)), EACCES);
	assert_int_equal(sec[1], 0);
	/* ... and a secure master never writes unprotected memory. */
	assert_neg_errno(rh_device_dma_write(f->vcodec, OPEN_PA, frame, sizeof(frame)), EACCES);
	assert_int_equal(secure_ptr(f, OPEN_PA, 2)[1], 0);
	rh_phys_violations_reset(f->plat);
	assert_int_equal(rh_firewall_window_add(f->plat->firewall, rh_device_master_id(f->vcodec),
						PROT_PA, MB, 1), 0);
	assert_int_equal(rh_firewall_window_add(f->plat->firewall, rh_device_master_id(f->display),
						PROT_PA, MB, 1), 0);
	/* vcodec decodes into protected memory, display scans it out. */
	assert_int_equal(rh_device_dma_write(f->vcodec, PROT_PA, frame, sizeof(frame)), 0);
	assert_memory_equal(sec, frame, sizeof(frame));
	assert_int_equal(rh_device_dma_read(f->display, PROT_PA, out, sizeof(out)), 0);
	assert_memory_equal(out, frame, sizeof(frame));
	assert_int_equal(rh_phys_violation_count(f->plat), 0);

	/* Secure but not named by the region's policy: refused, logged as secure. */
	assert_int_equal(rh_firewall_set_masters(f->plat->firewall, 0, RH_FW_MASTER(1)), 0);
	memset(out, 0, sizeof(out));
	assert_neg_errno(rh_device_dma_read(f->display, PROT_PA, out, sizeof(out)), EACCES);
	assert_int_equal(out[1], 0);
	assert_int_equal(rh_phys_violation_last(f->plat, &v), 0);
	assert_true(v.secure);
	assert_string_equal(v.master, "display");

	/* Back to non-secure: refused again. */
	assert_int_equal(rh_emu_device_secure_put(f->plat, f->vcodec), 0);
	assert_neg_errno(rh_device_dma_read(f->vcodec, PROT_PA, out, 1), EACCES);
}

static void test_dma_bad_args(void **state)
{
	struct fixture *f = *state;
	const struct rh_platform_desc *d = &f->plat->desc;
	unsigned char buf[8];

	assert_neg_errno(rh_device_dma_read(NULL, OPEN_PA, buf, 1), EINVAL);
	assert_neg_errno(rh_device_dma_read(f->gpu, OPEN_PA, NULL, 1), EINVAL);
	assert_neg_errno(rh_device_dma_read(f->gpu, OPEN_PA, buf, 0), EINVAL);
	assert_neg_errno(rh_device_dma_write(NULL, OPEN_PA, buf, 1), EINVAL);
	assert_neg_errno(rh_device_dma_write(f->gpu, OPEN_PA, NULL, 1), EINVAL);
	assert_neg_errno(rh_device_dma_write(f->gpu, OPEN_PA, buf, 0), EINVAL);
	assert_neg_errno(rh_device_dma_read(f->gpu, d->dram_base - 4, buf, 8), EFAULT);
	assert_neg_errno(rh_device_dma_read(f->gpu, d->dram_base + d->dram_size, buf, 1),
			 EFAULT);
	assert_neg_errno(rh_device_dma_write(f->gpu, UINT64_MAX - 2, buf, 8), EFAULT);
	assert_int_equal(rh_phys_violation_count(f->plat), 0);
	assert_int_equal(dev_stats(f->gpu).refused, 0);
}

/* A 3-entry table: 1 page in open memory, 2 pages in open memory, 1 page protected. */
static void build_table(struct rh_sg_table *sgt, bool with_protected)
{
	struct rh_scatterlist *sg;

	assert_int_equal(rh_sg_alloc_table(sgt, 3), 0);
	sg = sgt->sgl;
	rh_sg_set_page(sg, (OPEN_PA + 0x10000) >> RH_PAGE_SHIFT, RH_PAGE_SIZE, 0);
	sg = rh_sg_next(sg);
	rh_sg_set_page(sg, (OPEN_PA + 0x40000) >> RH_PAGE_SHIFT, 2 * RH_PAGE_SIZE - 0x100, 0x100);
	sg = rh_sg_next(sg);
	rh_sg_set_page(sg, ((with_protected ? PROT_PA : OPEN_PA) + 0x80000) >> RH_PAGE_SHIFT,
		       RH_PAGE_SIZE, 0);
}

static void test_map_sgtable(void **state)
{
	struct fixture *f = *state;
	struct rh_scatterlist *sg;
	struct rh_sg_table sgt;
	struct rh_device_stats st;
	bool restricted;
	unsigned int i;

	build_table(&sgt, true);
	rh_sg_dma_mark_restricted(sgt.sgl);
	restricted = rh_sg_dma_is_restricted(sgt.sgl);
	assert_int_equal(sgt.nents, 3); /* as sg_alloc_table leaves it */
	sgt.nents = 0;

	/* Mapping a protected page for a non-secure master is allowed; access is not. */
	assert_int_equal(rh_dma_map_sgtable(f->gpu, &sgt, RH_DMA_BIDIRECTIONAL, 0), 0);
	assert_int_equal(sgt.nents, sgt.orig_nents);
	rh_for_each_sgtable_dma_sg(&sgt, sg, i) {
		assert_int_equal(rh_sg_dma_address(sg), rh_sg_phys(sg));
		assert_int_equal(rh_sg_dma_len(sg), sg->length);
	}
	assert_int_equal(rh_sg_dma_address(rh_sg_next(sgt.sgl)), OPEN_PA + 0x40100);
	/* The restricted mark survives mapping. */
	assert_int_equal(rh_sg_dma_is_restricted(sgt.sgl), restricted);
	st = dev_stats(f->gpu);
	assert_int_equal(st.maps, 1);
	assert_int_equal(st.cpu_syncs, 1);

	rh_dma_unmap_sgtable(f->gpu, &sgt, RH_DMA_BIDIRECTIONAL, 0);
	st = dev_stats(f->gpu);
	assert_int_equal(st.unmaps, 1);
	assert_int_equal(st.cpu_syncs, 2);

	/* SKIP_CPU_SYNC (restricted heap) and TO_DEVICE unmap do no cache work. */
	assert_int_equal(rh_dma_map_sgtable(f->vcodec, &sgt, RH_DMA_TO_DEVICE,
					    RH_DMA_ATTR_SKIP_CPU_SYNC), 0);
	rh_dma_unmap_sgtable(f->vcodec, &sgt, RH_DMA_TO_DEVICE, RH_DMA_ATTR_SKIP_CPU_SYNC);
	assert_int_equal(rh_dma_map_sgtable(f->vcodec, &sgt, RH_DMA_TO_DEVICE, 0), 0);
	rh_dma_unmap_sgtable(f->vcodec, &sgt, RH_DMA_TO_DEVICE, 0);
	assert_int_equal(rh_dma_map_sgtable(f->vcodec, &sgt, RH_DMA_FROM_DEVICE, 0), 0);
	rh_dma_unmap_sgtable(f->vcodec, &sgt, RH_DMA_FROM_DEVICE, RH_DMA_ATTR_SKIP_CPU_SYNC);
	st = dev_stats(f->vcodec);
	assert_int_equal(st.maps, 3);
	assert_int_equal(st.unmaps, 3);
	assert_int_equal(st.cpu_syncs, 2);

	rh_sg_free_table(&sgt);
}

static void test_map_sgtable_errors(void **state)
{
	struct fixture *f = *state;
	struct rh_sg_table sgt, empty = { 0 };
	struct rh_scatterlist *last;

	build_table(&sgt, false);
	sgt.nents = 0;
	assert_neg_errno(rh_dma_map_sgtable(NULL, &sgt, RH_DMA_TO_DEVICE, 0), EINVAL);
	assert_neg_errno(rh_dma_map_sgtable(f->gpu, NULL, RH_DMA_TO_DEVICE, 0), EINVAL);
	assert_neg_errno(rh_dma_map_sgtable(f->gpu, &empty, RH_DMA_TO_DEVICE, 0), EINVAL);
	assert_neg_errno(rh_dma_map_sgtable(f->gpu, &sgt, RH_DMA_NONE, 0), EINVAL);
	assert_neg_errno(rh_dma_map_sgtable(f->gpu, &sgt, (enum rh_dma_data_direction)7, 0),
			 EINVAL);
	empty.sgl = sgt.sgl; /* entries but orig_nents 0 */
	assert_neg_errno(rh_dma_map_sgtable(f->gpu, &empty, RH_DMA_TO_DEVICE, 0), EINVAL);

	/* An entry beyond DRAM: -EIO, and the table is left as it was. */
	last = rh_sg_next(rh_sg_next(sgt.sgl));
	rh_sg_set_page(last, (f->plat->desc.dram_base + f->plat->desc.dram_size) >>
		       RH_PAGE_SHIFT, RH_PAGE_SIZE, 0);
	assert_neg_errno(rh_dma_map_sgtable(f->gpu, &sgt, RH_DMA_TO_DEVICE, 0), EIO);
	assert_int_equal(sgt.nents, 0);
	assert_int_equal(rh_sg_dma_address(sgt.sgl), 0);
	assert_int_equal(rh_sg_dma_len(sgt.sgl), 0);

	assert_int_equal(dev_stats(f->gpu).maps, 0);
	assert_int_equal(dev_stats(f->gpu).cpu_syncs, 0);

	/* Bad unmaps are ignored (and logged) without counting. */
	rh_dma_unmap_sgtable(NULL, &sgt, RH_DMA_TO_DEVICE, 0);
	rh_dma_unmap_sgtable(f->gpu, NULL, RH_DMA_TO_DEVICE, 0);
	rh_dma_unmap_sgtable(f->gpu, &sgt, RH_DMA_NONE, 0);
	assert_int_equal(dev_stats(f->gpu).unmaps, 0);
	rh_sg_free_table(&sgt);
}

static void test_dma_sg(void **state)
{
	struct fixture *f = *state;
	size_t total = RH_PAGE_SIZE + (2 * RH_PAGE_SIZE - 0x100) + RH_PAGE_SIZE;
	unsigned char *out = malloc(total), *in = malloc(total);
	struct rh_sg_table sgt;
	size_t i;

	assert_non_null(out);
	assert_non_null(in);
	build_table(&sgt, false);
	for (i = 0; i < total; i++)
		out[i] = (unsigned char)(i * 13 + 1);

	/* Not mapped yet: no DMA view of the table. */
	sgt.nents = 0;
	assert_neg_errno(rh_device_dma_write_sg(f->gpu, &sgt, 0, out, total), EINVAL);
	assert_int_equal(rh_dma_map_sgtable(f->gpu, &sgt, RH_DMA_BIDIRECTIONAL, 0), 0);

	assert_int_equal(rh_device_dma_write_sg(f->gpu, &sgt, 0, out, total), 0);
	/* Each segment landed at its own PA. */
	assert_memory_equal(secure_ptr(f, OPEN_PA + 0x10000, RH_PAGE_SIZE), out, RH_PAGE_SIZE);
	assert_memory_equal(secure_ptr(f, OPEN_PA + 0x40100, 2 * RH_PAGE_SIZE - 0x100),
			    out + RH_PAGE_SIZE, 2 * RH_PAGE_SIZE - 0x100);
	assert_memory_equal(secure_ptr(f, OPEN_PA + 0x80000, RH_PAGE_SIZE),
			    out + 3 * RH_PAGE_SIZE - 0x100, RH_PAGE_SIZE);

	memset(in, 0, total);
	assert_int_equal(rh_device_dma_read_sg(f->gpu, &sgt, 0, in, total), 0);
	assert_memory_equal(in, out, total);

	/* An offset window crossing both segment boundaries. */
	memset(in, 0, total);
	assert_int_equal(rh_device_dma_read_sg(f->gpu, &sgt, RH_PAGE_SIZE - 10, in,
					       2 * RH_PAGE_SIZE), 0);
	assert_memory_equal(in, out + RH_PAGE_SIZE - 10, 2 * RH_PAGE_SIZE);
	/* The very last byte. */
	assert_int_equal(rh_device_dma_read_sg(f->gpu, &sgt, total - 1, in, 1), 0);
	assert_int_equal(in[0], out[total - 1]);

	/* Out of the buffer, bad args. */
	assert_neg_errno(rh_device_dma_read_sg(f->gpu, &sgt, total, in, 1), EINVAL);
	assert_neg_errno(rh_device_dma_read_sg(f->gpu, &sgt, total - 1, in, 2), EINVAL);
	assert_neg_errno(rh_device_dma_read_sg(f->gpu, &sgt, SIZE_MAX, in, 2), EINVAL);
	assert_neg_errno(rh_device_dma_read_sg(f->gpu, &sgt, 0, in, 0), EINVAL);
	assert_neg_errno(rh_device_dma_read_sg(f->gpu, &sgt, 0, NULL, 1), EINVAL);
	assert_neg_errno(rh_device_dma_read_sg(f->gpu, NULL, 0, in, 1), EINVAL);
	assert_neg_errno(rh_device_dma_read_sg(NULL, &sgt, 0, in, 1), EINVAL);
	assert_neg_errno(rh_device_dma_write_sg(f->gpu, &sgt, 0, NULL, 1), EINVAL);

	assert_int_equal(dev_stats(f->gpu).dma_writes, 1);
	assert_int_equal(dev_stats(f->gpu).dma_reads, 3);
	assert_int_equal(dev_stats(f->gpu).bytes_read, total + 2 * RH_PAGE_SIZE + 1);

	rh_dma_unmap_sgtable(f->gpu, &sgt, RH_DMA_BIDIRECTIONAL, 0);
	rh_sg_free_table(&sgt);
	free(out);
	free(in);
}

static void test_dma_sg_refused_copies_nothing(void **state)
{
	struct fixture *f = *state;
	size_t total = 4 * RH_PAGE_SIZE - 0x100;
	unsigned char *buf = malloc(total);
	struct rh_sg_table sgt;
	struct rh_violation v;

	assert_non_null(buf);
	build_table(&sgt, true);
	assert_int_equal(rh_dma_map_sgtable(f->gpu, &sgt, RH_DMA_BIDIRECTIONAL, 0), 0);
	memset(buf, 0xab, total);
	memset(secure_ptr(f, PROT_PA + 0x80000, RH_PAGE_SIZE), 0x5c, RH_PAGE_SIZE);

	/* The protected last segment makes the whole burst fail before any copy. */
	assert_neg_errno(rh_device_dma_write_sg(f->gpu, &sgt, 0, buf, total), EACCES);
	assert_int_equal(secure_ptr(f, OPEN_PA + 0x10000, 1)[0], 0);
	assert_int_equal(secure_ptr(f, OPEN_PA + 0x40100, 1)[0], 0);
	assert_int_equal(secure_ptr(f, PROT_PA + 0x80000, 1)[0], 0x5c);
	assert_neg_errno(rh_device_dma_read_sg(f->gpu, &sgt, 0, buf, total), EACCES);
	assert_int_equal(buf[0], 0xab);
	assert_int_equal(buf[total - 1], 0xab);
	assert_int_equal(rh_phys_violation_count(f->plat), 2);
	assert_int_equal(rh_phys_violation_last(f->plat, &v), 0);
	assert_int_equal(v.pa, PROT_PA + 0x80000);
	assert_int_equal(v.size, RH_PAGE_SIZE);
	assert_int_equal(dev_stats(f->gpu).refused, 2);

	/* Only the open part: fine. */
	assert_int_equal(rh_device_dma_read_sg(f->gpu, &sgt, 0, buf, 3 * RH_PAGE_SIZE - 0x100), 0);
	/* The secure vcodec, granted the protected page, reads all of it. */
	assert_int_equal(rh_emu_device_secure_get(f->plat, f->vcodec), 0);
	assert_int_equal(rh_firewall_window_add(f->plat->firewall, rh_device_master_id(f->vcodec),
						PROT_PA + 0x80000, RH_PAGE_SIZE, 1), 0);
	assert_int_equal(rh_dma_map_sgtable(f->vcodec, &sgt, RH_DMA_BIDIRECTIONAL, 0), 0);
	assert_int_equal(rh_device_dma_read_sg(f->vcodec, &sgt, 0, buf, total), 0);
	assert_int_equal(buf[total - 1], 0x5c);
	/* ... but may not write the unprotected segments of the same table. */
	assert_neg_errno(rh_device_dma_write_sg(f->vcodec, &sgt, 0, buf, total), EACCES);

	rh_sg_free_table(&sgt);
	free(buf);
}

static int init_op(void *arg)
{
	return rh_devices_init(arg);
}

static void init_undo(void *arg)
{
	rh_devices_fini(arg);
}

static void init_clean(void *arg)
{
	struct rh_platform *plat = arg;

	assert_null(plat->devices);
}

static void test_init_fail_nth(void **state)
{
	struct fixture *f = *state;

	rh_devices_fini(f->plat);
	assert_int_equal(rh_test_fail_nth_sweep(init_op, init_undo, init_clean, f->plat), 1);
	assert_int_equal(rh_devices_init(f->plat), 0);
	assert_int_equal(rh_device_count(f->plat), 3);
}

static void test_init_empty_and_too_many(void **state)
{
	struct rh_platform_desc desc;
	struct rh_platform *plat = NULL;

	hand_desc_minimal(&desc);
	desc.nr_devices = 0;
	assert_int_equal(hand_platform_new(&desc, &plat), 0);
	assert_int_equal(rh_device_count(plat), 0);
	assert_null(rh_device_get(plat, 0));
	assert_null(rh_device_find(plat, "gpu"));
	hand_platform_free(plat);

	desc.nr_devices = RH_MAX_DEVICES + 1;
	assert_neg_errno(hand_platform_new(&desc, &plat), EINVAL);
}

static void test_minimal_platform(void **state)
{
	static const struct {
		const char *name;
		uint32_t master_id;
		bool secure_capable;
	} expect[] = {
		{ "vcodec", 1, true }, { "display", 2, true }, { "gpu", 3, false },
	};
	struct rh_platform *plat = NULL;
	struct rh_device *dev;
	unsigned int i;

	assert_int_equal(minimal_platform_new(&plat), 0);
	assert_int_equal(rh_device_count(plat), RH_ARRAY_SIZE(expect));
	for (i = 0; i < RH_ARRAY_SIZE(expect); i++) {
		dev = rh_device_find(plat, expect[i].name);
		assert_non_null(dev);
		assert_int_equal(rh_device_master_id(dev), expect[i].master_id);
		assert_int_equal(rh_device_is_secure_capable(dev), expect[i].secure_capable);
		assert_false(rh_device_is_secure(dev));
		assert_ptr_equal(rh_device_platform(dev), plat);
	}
	assert_null(rh_device_find(plat, "camisp"));
	rh_platform_unref(plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secure_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_open_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_refused_non_secure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_secure_master, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_sgtable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_sgtable_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_sg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_sg_refused_copies_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_fail_nth, setup, teardown),
		cmocka_unit_test(test_init_empty_and_too_many),
		cmocka_unit_test(test_minimal_platform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
