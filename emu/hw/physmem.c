// SPDX-License-Identifier: MIT
/* Simulated DRAM: one memfd mapped as a normal and a secure view; protection, written bits. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/tree.h>
#include <unistd.h>

#include "emu.h"
#include "internal.h"
#include "hw/physmem-internal.h"

/*
 * Both views are MAP_SHARED mappings of the same memfd, so a byte written
 * through one is read through the other. Nothing is populated up front
 * (MAP_POPULATE of 256 MiB costs ~300 ms here, perf.md §1.3): pages fault in
 * lazily, and the memfd is sparse until touched.
 *
 * Every other normal-world CPU mapping of DRAM is an alias, registered
 * in physmem-alias.c; protecting a range here changes those too.
 */

/* 64-bit words of one page bitmap of @size bytes of DRAM. */
static size_t bitmap_words(uint64_t size)
{
	return (size_t)((size >> RH_PAGE_SHIFT) + 63) / 64;
}

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

	/* + the two page bitmaps: 64 KiB each for 2 GiB of DRAM, zero pages until used */
	pm = rh_zalloc(sizeof(*pm) + 2 * bitmap_words(size) * sizeof(pm->bits[0]));
	if (!pm)
		return -ENOMEM;
	pm->plat = plat;
	pm->base = base;
	pm->size = size;
	pm->written = pm->bits;
	pm->fw_prot = pm->bits + bitmap_words(size);
	pthread_mutex_init(&pm->alias_lock, NULL);
	RB_INIT(&pm->aliases_by_addr);
	RB_INIT(&pm->aliases_by_pa);
	atomic_init(&pm->alias_list, NULL);
	atomic_init(&pm->alias_readers, 0);

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
	pthread_mutex_destroy(&pm->alias_lock);
	rh_free(pm);
	return ret;
}

void rh_physmem_destroy(struct rh_physmem *pm)
{
	if (!pm)
		return;
	/*
	 * Aliases still registered belong to buffers leaked with a vmap or a
	 * mapping (the dma-buf core reports those): like the buffers, they stay
	 * mapped, since their owners may still touch them, and are no longer
	 * protected by anyone. Only the bookkeeping goes.
	 */
	if (pm->nr_aliases)
		EMSG(pm->plat, "physmem: %zu CPU mapping(s) of DRAM left behind", pm->nr_aliases);
	rh_physmem_aliases_free(pm);
	munmap(pm->secure, pm->size);
	munmap(pm->normal, pm->size);
	close(pm->fd);
	pthread_mutex_destroy(&pm->alias_lock);
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

/* ---------------------------------------------------------------- protection */

/*
 * Protect (@protect) or release [@pa, @pa + @len) in the normal view and
 * every alias of its pages, under alias_lock. The fw_prot bits change
 * first when protecting (a fault the new protection causes is then seen as
 * one) and first too when releasing (alias_apply() reads them). With
 * @stop, the first failure ends the walk; without, every step is tried.
 * Returns the first error.
 */
static int physmem_change(struct rh_physmem *pm, rh_phys_addr_t pa, uint64_t len,
			  bool protect, bool stop)
{
	unsigned char *p = pm->normal + (pa - pm->base);
	int ret = 0, r;

	bits_update(pm, pm->fw_prot, pa, len, protect);
	if (protect) {
		/*
		 * Drop the normal view's PTEs first: on a shared mapping this
		 * keeps the data (the secure view still sees it) and makes the
		 * mprotect below a flat ~2 us instead of ~30 ns per populated
		 * page (perf.md §1.3).
		 */
		if (madvise(p, len, MADV_DONTNEED) < 0 || mprotect(p, len, PROT_NONE) < 0)
			ret = -errno;
	} else if (mprotect(p, len, PROT_READ | PROT_WRITE) < 0) {
		ret = -errno;
	}
	if (ret && stop)
		return ret;
	r = rh_physmem_aliases_apply(pm, pa, len, stop);
	return ret ? ret : r;
}

/*
 * Changes the protection of a range all or nothing: when a step fails
 * (a mapping call out of memory), the steps done are undone, so a failed
 * protect leaves the range open and a failed release leaves it protected,
 * as the firewall's state says.
 */
static int physmem_set_protection(struct rh_physmem *pm, rh_phys_addr_t pa,
				  uint64_t len, bool protect)
{
	int ret;

	ret = physmem_page_range(pm, pa, len);
	if (ret)
		return ret;
	pthread_mutex_lock(&pm->alias_lock);
	ret = physmem_change(pm, pa, len, protect, true);
	if (ret && physmem_change(pm, pa, len, !protect, false))
		EMSG(pm->plat, "physmem: 0x%" PRIx64 "+0x%" PRIx64 " is left half %s",
		     pa, len, protect ? "protected" : "released");
	pthread_mutex_unlock(&pm->alias_lock);
	return ret;
}

int rh_physmem_protect_normal(struct rh_physmem *pm, rh_phys_addr_t pa,
			      uint64_t len)
{
	return physmem_set_protection(pm, pa, len, true);
}

int rh_physmem_unprotect_normal(struct rh_physmem *pm, rh_phys_addr_t pa,
				uint64_t len)
{
	return physmem_set_protection(pm, pa, len, false);
}

bool rh_physmem_is_protected(struct rh_physmem *pm, rh_phys_addr_t pa,
			     uint64_t len)
{
	return bits_test_any(pm, pm->fw_prot, pa, len);
}

/* ---------------------------------------------------------------- written bits */

void rh_physmem_mark_written(struct rh_physmem *pm, rh_phys_addr_t pa,
			     uint64_t len)
{
	if (pm)
		bits_update(pm, pm->written, pa, len, true);
}

bool rh_physmem_test_written(struct rh_physmem *pm, rh_phys_addr_t pa,
			     uint64_t len)
{
	return !pm || bits_test_any(pm, pm->written, pa, len);
}

void rh_physmem_clear_written(struct rh_physmem *pm, rh_phys_addr_t pa,
			      uint64_t len)
{
	if (pm)
		bits_update(pm, pm->written, pa, len, false);
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

int rh_phys_map_alias(struct rh_platform *plat, void *addr, rh_phys_addr_t pa,
		      size_t len, int prot)
{
	if (!plat)
		return -EINVAL;
	return rh_physmem_map_alias(plat->physmem, addr, pa, len, prot);
}

int rh_phys_unmap_alias(struct rh_platform *plat, void *addr, size_t len)
{
	if (!plat)
		return -EINVAL;
	return rh_physmem_unmap_alias(plat->physmem, addr, len);
}

bool rh_phys_cpu_lookup(struct rh_platform *plat, const void *addr,
			struct rh_phys_cpu_map *ret_map)
{
	if (!plat || !plat->physmem || !ret_map)
		return false;
	return rh_physmem_cpu_lookup(plat->physmem, addr, ret_map);
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
