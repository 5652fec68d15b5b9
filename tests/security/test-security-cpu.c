// SPDX-License-Identifier: MIT
/* Security suite: attack 2, CPU aliases of DRAM made before the firewall protects it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <rheap/firewall.h>
#include <sys/mman.h>

#include "sec-common.h"

/*
 * A custom exporter of the attacker's: its buffer "is" the dynamic
 * restricted region, and its mmap and vmap ops map those physical pages
 * for the CPU, as a rogue driver's remap_pfn_range() would.
 */
struct rogue {
	struct rh_platform *plat;
	rh_phys_addr_t pa;
	size_t size;
	struct rh_sg_table table;
};

static struct rh_sg_table *rogue_map(struct rh_dma_buf_attachment *a,
				     enum rh_dma_data_direction dir)
{
	(void)a;
	(void)dir;
	return RH_ERR_PTR(-EOPNOTSUPP);
}

static void rogue_unmap(struct rh_dma_buf_attachment *a, struct rh_sg_table *t,
			enum rh_dma_data_direction dir)
{
	(void)a;
	(void)t;
	(void)dir;
}

static void rogue_release(struct rh_dma_buf *dmabuf)
{
	(void)dmabuf;
}

static int rogue_mmap(struct rh_dma_buf *dmabuf, struct rh_vm_area *vma)
{
	struct rogue *r = rh_dma_buf_priv(dmabuf);

	return rh_remap_phys_range(vma, vma->vm_start,
				   r->pa + ((rh_phys_addr_t)vma->vm_pgoff << RH_PAGE_SHIFT),
				   vma->vm_end - vma->vm_start);
}

static int rogue_vmap(struct rh_dma_buf *dmabuf, void **ret_vaddr)
{
	struct rogue *r = rh_dma_buf_priv(dmabuf);
	struct rh_vm_area vma = { .vm_prot = PROT_READ | PROT_WRITE, .vm_flags = MAP_SHARED,
				  .vm_dmabuf = dmabuf };
	void *p;
	int ret;

	p = mmap(NULL, r->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	vma.vm_start = (uintptr_t)p;
	vma.vm_end = vma.vm_start + r->size;
	ret = rh_remap_phys_range(&vma, vma.vm_start, r->pa, r->size);
	if (ret) {
		rh_unmap_phys_range(r->plat, p, r->size);
		return ret;
	}
	*ret_vaddr = p;
	return 0;
}

static void rogue_vunmap(struct rh_dma_buf *dmabuf, void *vaddr)
{
	struct rogue *r = rh_dma_buf_priv(dmabuf);

	rh_unmap_phys_range(r->plat, vaddr, r->size);
}

static const struct rh_dma_buf_ops rogue_ops = {
	.map_dma_buf = rogue_map,
	.unmap_dma_buf = rogue_unmap,
	.release = rogue_release,
	.mmap = rogue_mmap,
	.vmap = rogue_vmap,
	.vunmap = rogue_vunmap,
};

/*
 * Mapped before secure playback starts, an mmap alias and a vmap alias of
 * the CMA region: once the region is lent, both are shut (a probe traps
 * and a violation names the physical address), and they open again only
 * after the region is scrubbed and handed back.
 */
static void test_aliases_before_protection(void **state)
{
	RH_DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct rh_platform *plat;
	const struct rh_reserved_region *cma;
	struct rogue r = { 0 };
	struct rh_violation v;
	struct victim vic;
	struct rh_dma_buf *b;
	unsigned char *mm = NULL, *vm = NULL, buf[sizeof(SEC_SECRET)];
	size_t off;
	int fd;

	(void)state;
	sec_platform(&plat);
	cma = rh_phys_reserved_find_compatible(plat, RH_MTK_DYNAMIC_REGION_COMPATIBLE);
	assert_non_null(cma);
	r.plat = plat;
	r.pa = cma->base;
	r.size = 16 << 20;
	info.exp_name = "rogue";
	info.owner = plat;
	info.ops = &rogue_ops;
	info.size = r.size;
	info.flags = O_RDWR;
	info.priv = &r;
	b = rh_dma_buf_export(&info);
	assert_false(RH_IS_ERR_OR_NULL(b));
	fd = rh_dma_buf_fd(b, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(rh_mmap(plat, fd, r.size, PROT_READ | PROT_WRITE, MAP_SHARED, 0,
				 (void **)&mm), 0);
	assert_int_equal(rh_dma_buf_vmap(b, (void **)&vm), 0);
	/* Before the lend: the region is the normal world's, the aliases work. */
	memset(mm, 0x11, 4096);
	assert_int_equal(vm[0], 0x11);

	/* The victim's playback lends the region: every alias is shut. */
	sec_victim_start(plat, &vic);
	off = vic.frame_pa - r.pa;
	assert_true(off + sizeof(buf) <= r.size);
	sec_violations(plat, NULL);
	assert_neg_errno(rh_phys_probe_ptr_read(plat, mm + off, buf, sizeof(buf)), EFAULT);
	assert_int_equal(sec_violations(plat, &v), 1);
	assert_int_equal(v.fault_pa, vic.frame_pa);
	assert_neg_errno(rh_phys_probe_ptr_read(plat, vm + off, buf, sizeof(buf)), EFAULT);
	assert_int_equal(sec_violations(plat, &v), 1);
	assert_int_equal(v.fault_pa, vic.frame_pa);
	assert_neg_errno(rh_phys_probe_ptr_write(plat, mm, "pwn", 3), EFAULT);
	assert_int_equal(sec_violations(plat, NULL), 1);
	/* A mapping made while the region is protected is shut from the start. */
	{
		unsigned char *late = NULL;

		assert_int_equal(rh_mmap(plat, fd, 4096, PROT_READ, MAP_SHARED, 0,
					 (void **)&late), 0);
		assert_neg_errno(rh_phys_probe_ptr_read(plat, late, buf, 1), EFAULT);
		assert_int_equal(sec_violations(plat, NULL), 1);
		assert_int_equal(rh_munmap(plat, late, 4096), 0);
	}
	/* The one-call probe says the victim's frame is out of the CPU's reach. */
	{
		int vfd = rh_dma_buf_fd(vic.frame, O_RDWR);

		assert_true(vfd >= 0);
		rh_get_dma_buf(vic.frame); /* the fd took the victim's reference */
		assert_neg_errno(rh_dma_buf_probe_cpu(plat, vfd, 0), EFAULT);
		assert_int_equal(rh_close(plat, vfd), 0);
		sec_violations(plat, NULL);
	}

	/* Playback ends: handed back scrubbed, the aliases read zeros again. */
	sec_victim_stop(&vic);
	assert_int_equal(rh_phys_probe_ptr_read(plat, mm + off, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, (unsigned char[sizeof(buf)]){ 0 }, sizeof(buf));
	assert_int_equal(rh_phys_probe_ptr_read(plat, vm + off, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, (unsigned char[sizeof(buf)]){ 0 }, sizeof(buf));
	assert_int_equal(sec_violations(plat, NULL), 0);

	rh_dma_buf_vunmap(b, vm);
	assert_int_equal(rh_munmap(plat, mm, r.size), 0);
	assert_int_equal(rh_close(plat, fd), 0);
	rh_platform_unref(plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aliases_before_protection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
