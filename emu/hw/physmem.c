// SPDX-License-Identifier: MIT
/* Simulated DRAM: one memfd mapped twice, a normal view and a secure view. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu.h"
#include "internal.h"

/*
 * Both views are MAP_SHARED mappings of the same memfd, so a byte written
 * through one is read through the other. Nothing is populated up front
 * (MAP_POPULATE of 256 MiB costs ~300 ms here, perf.md §1.3): pages fault in
 * lazily, and the memfd is sparse until touched.
 */
struct rh_physmem {
	struct rh_platform *plat; /* for log messages only; may be NULL */
	int fd;
	rh_phys_addr_t base;
	uint64_t size;
	unsigned char *normal; /* what the normal world sees; protected ranges PROT_NONE */
	unsigned char *secure; /* secure world and admitted bus masters only */
	/* one bit a page: may have been written through the secure view (emu.h) */
	atomic_uint_least64_t written[];
};

int rh_physmem_create(struct rh_platform *plat, rh_phys_addr_t base,
		      uint64_t size, struct rh_physmem **ret_pm)
{
	struct rh_physmem *pm;
	int ret;

	if (!ret_pm)
		return -EINVAL;
	if (!size || size > RH_PHYSMEM_MAX_SIZE || size > SIZE_MAX ||
	    !RH_IS_ALIGNED(base, RH_PAGE_SIZE) ||
	    !RH_IS_ALIGNED(size, RH_PAGE_SIZE) || base > UINT64_MAX - size) {
		EMSG(plat, "physmem: bad DRAM 0x%" PRIx64 " + 0x%" PRIx64, base, size);
		return -EINVAL;
	}

	/* + the written bitmap: 64 KiB for 2 GiB of DRAM, zero pages until used */
	pm = rh_zalloc(sizeof(*pm) + (size_t)((size >> RH_PAGE_SHIFT) + 63) / 64 *
				     sizeof(pm->written[0]));
	if (!pm)
		return -ENOMEM;
	pm->plat = plat;
	pm->base = base;
	pm->size = size;

	pm->fd = memfd_create("rheap-dram", MFD_CLOEXEC);
	if (pm->fd < 0) {
		ret = -errno;
		goto err_free;
	}
	if (ftruncate(pm->fd, (off_t)size) < 0) {
		ret = -errno;
		goto err_close;
	}
	pm->normal = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			  pm->fd, 0);
	if (pm->normal == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	pm->secure = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			  pm->fd, 0);
	if (pm->secure == MAP_FAILED) {
		ret = -errno;
		goto err_unmap_normal;
	}

	DMSG(plat, "physmem: DRAM 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " MiB)",
	     base, base + (size - 1), size >> 20);
	*ret_pm = pm;
	return 0;

err_unmap_normal:
	munmap(pm->normal, size);
err_close:
	close(pm->fd);
err_free:
	EMSG(plat, "physmem: cannot create %" PRIu64 " MiB of DRAM: %s",
	     size >> 20, strerror(-ret));
	rh_free(pm);
	return ret;
}

void rh_physmem_destroy(struct rh_physmem *pm)
{
	if (!pm)
		return;
	munmap(pm->secure, pm->size);
	munmap(pm->normal, pm->size);
	close(pm->fd);
	rh_free(pm);
}

rh_phys_addr_t rh_physmem_base(const struct rh_physmem *pm)
{
	return pm->base;
}

uint64_t rh_physmem_size(const struct rh_physmem *pm)
{
	return pm->size;
}

int rh_physmem_check(const struct rh_physmem *pm, rh_phys_addr_t pa,
		     uint64_t len)
{
	if (!len)
		return -EINVAL;
	/* pa - base <= size - len, written so that nothing can wrap. */
	if (pa < pm->base || len > pm->size || pa - pm->base > pm->size - len)
		return -ERANGE;
	return 0;
}

/* @pa in the view starting at @view, after the bounds check. */
static int view_ptr(const struct rh_physmem *pm, unsigned char *view,
		    rh_phys_addr_t pa, size_t len, void **ret_ptr)
{
	int ret;

	ret = rh_physmem_check(pm, pa, len);
	if (ret)
		return ret;
	*ret_ptr = view + (pa - pm->base);
	return 0;
}

int rh_physmem_secure_ptr(struct rh_physmem *pm, rh_phys_addr_t pa,
			  size_t len, void **ret_ptr)
{
	return view_ptr(pm, pm->secure, pa, len, ret_ptr);
}

int rh_physmem_normal_ptr(struct rh_physmem *pm, rh_phys_addr_t pa,
			  size_t len, void **ret_ptr)
{
	return view_ptr(pm, pm->normal, pa, len, ret_ptr);
}

int rh_physmem_normal_to_phys(const struct rh_physmem *pm, const void *ptr,
			      rh_phys_addr_t *ret_pa)
{
	uintptr_t p = (uintptr_t)ptr, start = (uintptr_t)pm->normal;

	if (p < start || p - start >= pm->size)
		return -ERANGE;
	*ret_pa = pm->base + (p - start);
	return 0;
}

static int physmem_page_range(const struct rh_physmem *pm, rh_phys_addr_t pa,
			      uint64_t len)
{
	if (!RH_IS_ALIGNED(pa, RH_PAGE_SIZE) || !RH_IS_ALIGNED(len, RH_PAGE_SIZE))
		return -EINVAL;
	return rh_physmem_check(pm, pa, len);
}

int rh_physmem_protect_normal(struct rh_physmem *pm, rh_phys_addr_t pa,
			      uint64_t len)
{
	unsigned char *p;
	int ret;

	ret = physmem_page_range(pm, pa, len);
	if (ret)
		return ret;
	p = pm->normal + (pa - pm->base);
	/*
	 * Drop the normal view's PTEs first: on a shared mapping this keeps the
	 * data (the secure view still sees it) and makes the mprotect below a
	 * flat ~2 us instead of ~30 ns per populated page (perf.md §1.3).
	 */
	if (madvise(p, len, MADV_DONTNEED) < 0)
		return -errno;
	if (mprotect(p, len, PROT_NONE) < 0)
		return -errno;
	return 0;
}

int rh_physmem_unprotect_normal(struct rh_physmem *pm, rh_phys_addr_t pa,
				uint64_t len)
{
	int ret;

	ret = physmem_page_range(pm, pa, len);
	if (ret)
		return ret;
	if (mprotect(pm->normal + (pa - pm->base), len,
		     PROT_READ | PROT_WRITE) < 0)
		return -errno;
	return 0;
}

/* The pages of [@pa, @pa + @len) in DRAM, as bit indexes; false outside. */
static bool written_range(const struct rh_physmem *pm, rh_phys_addr_t pa,
			  uint64_t len, uint64_t *ret_first, uint64_t *ret_last)
{
	if (!pm || rh_physmem_check(pm, pa, len))
		return false;
	*ret_first = (pa - pm->base) >> RH_PAGE_SHIFT;
	*ret_last = (pa - pm->base + len - 1) >> RH_PAGE_SHIFT;
	return true;
}

/* The bits of word @i of the bitmap that stand for pages @first..@last. */
static uint64_t written_mask(uint64_t i, uint64_t first, uint64_t last)
{
	unsigned int lo = i == first / 64 ? (unsigned int)(first % 64) : 0;
	unsigned int hi = i == last / 64 ? (unsigned int)(last % 64) : 63;

	return (~UINT64_C(0) << lo) & (~UINT64_C(0) >> (63 - hi));
}

/*
 * Sets (@set) or clears the bits of the pages of [@pa, @pa + @len), writing
 * a word only when it changes. Release: a TA that sees a bit set also sees
 * the data it covers.
 */
static void written_update(struct rh_physmem *pm, rh_phys_addr_t pa,
			   uint64_t len, bool set)
{
	uint64_t first, last, i, mask, bits;

	if (!written_range(pm, pa, len, &first, &last))
		return;
	for (i = first / 64; i <= last / 64; i++) {
		mask = written_mask(i, first, last);
		bits = atomic_load_explicit(&pm->written[i], memory_order_relaxed) & mask;
		if (set && bits != mask)
			atomic_fetch_or_explicit(&pm->written[i], mask,
						 memory_order_acq_rel);
		else if (!set && bits)
			atomic_fetch_and_explicit(&pm->written[i], ~mask,
						  memory_order_acq_rel);
	}
}

void rh_physmem_mark_written(struct rh_physmem *pm, rh_phys_addr_t pa,
			     uint64_t len)
{
	written_update(pm, pa, len, true);
}

bool rh_physmem_test_written(struct rh_physmem *pm, rh_phys_addr_t pa,
			     uint64_t len)
{
	uint64_t first, last, i;

	if (!written_range(pm, pa, len, &first, &last))
		return true;
	for (i = first / 64; i <= last / 64; i++)
		if (atomic_load_explicit(&pm->written[i], memory_order_acquire) &
		    written_mask(i, first, last))
			return true;
	return false;
}

void rh_physmem_clear_written(struct rh_physmem *pm, rh_phys_addr_t pa,
			      uint64_t len)
{
	written_update(pm, pa, len, false);
}

int rh_emu_secure_ptr(struct rh_platform *plat, rh_phys_addr_t pa, size_t len,
		      void **ret_ptr)
{
	int ret;

	if (!plat || !plat->physmem || !ret_ptr)
		return -EINVAL;
	ret = rh_physmem_secure_ptr(plat->physmem, pa, len, ret_ptr);
	/* The caller may write through it: the pages are no longer known zero. */
	if (!ret)
		rh_physmem_mark_written(plat->physmem, pa, len);
	return ret;
}

int rh_phys_normal_ptr(struct rh_platform *plat, rh_phys_addr_t pa,
		       size_t len, void **ret_ptr)
{
	if (!plat || !plat->physmem || !ret_ptr)
		return -EINVAL;
	return rh_physmem_normal_ptr(plat->physmem, pa, len, ret_ptr);
}

int rh_phys_normal_to_phys(struct rh_platform *plat, const void *ptr,
			   rh_phys_addr_t *ret_pa)
{
	if (!plat || !plat->physmem || !ret_pa)
		return -EINVAL;
	return rh_physmem_normal_to_phys(plat->physmem, ptr, ret_pa);
}

int rh_physmem_init(struct rh_platform *plat)
{
	return rh_physmem_create(plat, plat->desc.dram_base, plat->desc.dram_size,
				 &plat->physmem);
}

void rh_physmem_fini(struct rh_platform *plat)
{
	rh_physmem_destroy(plat->physmem);
	plat->physmem = NULL;
}

/* Populate [@p, @p + @len) for writing; false once the kernel said EINVAL. */
static int populate_run(unsigned char *p, size_t len, atomic_bool *unsupported)
{
#ifdef MADV_POPULATE_WRITE
	if (atomic_load_explicit(unsupported, memory_order_relaxed))
		return 0;
	if (!madvise(p, len, MADV_POPULATE_WRITE))
		return 0;
	if (errno == EINVAL) {
		/* Linux < 5.14: first touch faults the pages in, as before. */
		atomic_store_explicit(unsupported, true, memory_order_relaxed);
		return 0;
	}
	return -errno;
#else
	(void)p;
	(void)len;
	(void)unsupported;
	return 0;
#endif
}

int rh_physmem_populate(struct rh_physmem *pm, rh_phys_addr_t pa, uint64_t len)
{
	static atomic_bool unsupported;
	/* mincore() answers for up to 1 MiB at a time (one byte a page). */
	unsigned char vec[256], *p;
	uint64_t npages, i, chunk, k, run = UINT64_MAX;
	int ret;

	if (!pm || !RH_IS_ALIGNED(pa, RH_PAGE_SIZE) ||
	    !RH_IS_ALIGNED(len, RH_PAGE_SIZE))
		return -EINVAL;
	ret = rh_physmem_check(pm, pa, len);
	if (ret)
		return ret;
	if (atomic_load_explicit(&unsupported, memory_order_relaxed))
		return 0;
	p = pm->secure + (pa - pm->base);
	npages = len >> RH_PAGE_SHIFT;
	/* Runs of pages the memfd does not hold, each populated at once. */
	for (i = 0; i < npages; i += chunk) {
		chunk = npages - i < sizeof(vec) ? npages - i : sizeof(vec);
		if (mincore(p + (i << RH_PAGE_SHIFT), chunk << RH_PAGE_SHIFT, vec))
			return -errno;
		for (k = 0; k < chunk; k++) {
			if (!(vec[k] & 1)) {
				if (run == UINT64_MAX)
					run = i + k;
				continue;
			}
			if (run == UINT64_MAX)
				continue;
			ret = populate_run(p + (run << RH_PAGE_SHIFT),
					   (size_t)(i + k - run) << RH_PAGE_SHIFT,
					   &unsupported);
			run = UINT64_MAX;
			if (ret)
				return ret;
		}
	}
	if (run != UINT64_MAX)
		return populate_run(p + (run << RH_PAGE_SHIFT),
				    (size_t)(npages - run) << RH_PAGE_SHIFT,
				    &unsupported);
	return 0;
}
