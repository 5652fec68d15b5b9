/* SPDX-License-Identifier: MIT */
/* Internal API of the emulated secure hardware: DRAM views, firewall, device security state. */
#ifndef RH_EMU_H
#define RH_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/firewall.h>
#include <rheap/phys.h>
#include <rheap/platform.h>

/*
 * Only emu/ (the secure world and the hardware it drives) may include this
 * header. The normal world reaches the hardware through the few hooks
 * declared in src/internal.h (normal view, DMA bus transfers, CPU fault
 * reports), never through the secure view.
 */

struct rh_platform;
struct rh_physmem;
struct rh_firewall;
struct rh_device;
struct rh_phys_cpu_map; /* src/internal.h */

/* ---------------------------------------------------------------- physmem */

/** Largest simulated DRAM (virtual only: the memfd is sparse). */
#define RH_PHYSMEM_MAX_SIZE (64ULL << 30)

/*
 * rh_physmem_create() - one memfd of @size bytes mapped twice (normal view,
 * secure view), nothing populated, no alias. @plat is only used for log messages and
 * may be NULL. @base and @size must be page aligned, @size in
 * 1..RH_PHYSMEM_MAX_SIZE and @base + @size must not wrap.
 * Returns 0, -EINVAL, -ENOMEM, or the -errno of memfd_create/ftruncate/mmap.
 */
int rh_physmem_create(struct rh_platform *plat, rh_phys_addr_t base,
		      uint64_t size, struct rh_physmem **ret_pm);
/*
 * Unmaps both views and closes the memfd; NULL-safe. Aliases still
 * registered (leaked vmaps or mappings) stay mapped, unprotected, and are
 * reported.
 */
void rh_physmem_destroy(struct rh_physmem *pm);

rh_phys_addr_t rh_physmem_base(const struct rh_physmem *pm);
uint64_t rh_physmem_size(const struct rh_physmem *pm);

/*
 * rh_physmem_check() - 0 if [@pa, @pa + @len) lies inside DRAM, -ERANGE if
 * it does not (overflow-safe), -EINVAL for @len 0.
 */
int rh_physmem_check(const struct rh_physmem *pm, rh_phys_addr_t pa,
		     uint64_t len);

/*
 * rh_physmem_secure_ptr() - host pointer to @pa in the secure view, valid
 * for @len bytes. The secure view is never protected: the secure world and
 * bus masters the firewall lets through use it. Errors as rh_physmem_check().
 */
int rh_physmem_secure_ptr(struct rh_physmem *pm, rh_phys_addr_t pa,
			  size_t len, void **ret_ptr);
/* Same in the normal view (faults inside programmed firewall regions). */
int rh_physmem_normal_ptr(struct rh_physmem *pm, rh_phys_addr_t pa,
			  size_t len, void **ret_ptr);
/*
 * rh_physmem_normal_to_phys() - PA of a normal-view pointer (e.g. a fault
 * address). Returns 0 or -ERANGE when @ptr is not inside the normal view.
 */
int rh_physmem_normal_to_phys(const struct rh_physmem *pm, const void *ptr,
			      rh_phys_addr_t *ret_pa);

/*
 * rh_physmem_protect_normal() - make [@pa, @pa + @len) inaccessible to the
 * normal-world CPU: PROT_NONE in the normal view, after dropping its PTEs
 * (MADV_DONTNEED keeps the data, which is shared with the secure view, and
 * keeps mprotect at its flat ~2 us), and in every registered alias of
 * those pages (replaced by a PROT_NONE page of physmem's own, with no DRAM
 * behind it: one call per alias that overlaps, none per buffer). An
 * alias made later is PROT_NONE there too.
 * rh_physmem_unprotect_normal() gives the normal view PROT_READ |
 * PROT_WRITE and each alias its own protection back; the secure world
 * scrubs before it calls it. Both are all or nothing (a failed call undoes
 * its steps) and need page alignment (-EINVAL) and a range inside DRAM
 * (-ERANGE); other errors are the -errno of madvise/mprotect/mmap.
 */
int rh_physmem_protect_normal(struct rh_physmem *pm, rh_phys_addr_t pa,
			      uint64_t len);
int rh_physmem_unprotect_normal(struct rh_physmem *pm, rh_phys_addr_t pa,
				uint64_t len);
/* Is any page of [@pa, @pa + @len) protected now? (True outside DRAM.) */
bool rh_physmem_is_protected(struct rh_physmem *pm, rh_phys_addr_t pa,
			     uint64_t len);

/*
 * Aliases: the other normal-world CPU mappings of DRAM. These are the
 * physmem-level forms of the platform hooks rh_phys_map_alias(),
 * rh_phys_unmap_alias() and rh_phys_cpu_lookup() (src/internal.h documents
 * them), for tests that have a physmem and no platform.
 * rh_physmem_nr_aliases() counts the registered aliases (a split one
 * counts once a part).
 */
int rh_physmem_map_alias(struct rh_physmem *pm, void *addr, rh_phys_addr_t pa,
			 size_t len, int prot);
int rh_physmem_unmap_alias(struct rh_physmem *pm, void *addr, size_t len);
bool rh_physmem_cpu_lookup(struct rh_physmem *pm, const void *addr,
			   struct rh_phys_cpu_map *ret_map);
size_t rh_physmem_nr_aliases(struct rh_physmem *pm);

/*
 * Secure-write tracking: one bit a page of DRAM, set when the page may have
 * been written through the secure view by anyone but the secure-memory TA's
 * own zeroing -- a bus master's DMA write (marked by rh_phys_dma_transfer()
 * after the data landed) and every pointer rh_emu_secure_ptr() hands out
 * (marked before, since its caller may write). The TA clears a buffer's
 * bits before it scrubs the buffer on FREE, so a page whose bit is still
 * clear when it is allocated again has held zeros since, and ZALLOC need
 * not zero it twice (emu/ta-secmem.c). rh_physmem_secure_ptr() marks
 * nothing: it is for the TA's zeroing and for the bus, which marks itself.
 * Ranges outside DRAM are ignored (test: reported written).
 */
void rh_physmem_mark_written(struct rh_physmem *pm, rh_phys_addr_t pa,
			     uint64_t len);
bool rh_physmem_test_written(struct rh_physmem *pm, rh_phys_addr_t pa,
			     uint64_t len);
void rh_physmem_clear_written(struct rh_physmem *pm, rh_phys_addr_t pa,
			      uint64_t len);

/*
 * rh_physmem_populate() - fault in the secure view of [@pa, @pa + @len) in
 * bulk before it is written: the runs of pages the memfd does not hold yet
 * (mincore()) get one MADV_POPULATE_WRITE each, which here costs about half
 * of taking the same first-touch faults one by one in a memset. Pages the
 * memfd already holds are left alone (populating them again would cost ~70 %
 * of a memset). Contents are unchanged. Where the kernel lacks
 * MADV_POPULATE_WRITE (before Linux 5.14) it does nothing and the pages
 * fault in on first touch as before. Needs page alignment (-EINVAL) and a
 * range inside DRAM (-ERANGE); other failures return the -errno of
 * mincore()/madvise() (the caller's memset faults the pages in anyway).
 */
int rh_physmem_populate(struct rh_physmem *pm, rh_phys_addr_t pa, uint64_t len);

/*
 * rh_emu_secure_ptr() - rh_physmem_secure_ptr() on the platform's DRAM; the
 * entry point TAs (and tests) use to fill or read secure memory. The range
 * is marked written (see above): use the pointer right away, do not keep
 * it to write freed memory later.
 */
int rh_emu_secure_ptr(struct rh_platform *plat, rh_phys_addr_t pa, size_t len,
		      void **ret_ptr);

/* ---------------------------------------------------------------- firewall */

/* Most regions a controller may have (TZC-400: 8, MT8188 EMI-MPU: 32). */
#define RH_FW_MAX_REGIONS 64

/*
 * rh_firewall_create() - a TZASC / EMI-MPU with @nr_regions regions
 * (0..RH_FW_MAX_REGIONS) and @granularity (a power of two; base and size of
 * every region must be multiples of max(@granularity, RH_PAGE_SIZE) since
 * the normal view is protected page by page). @pm is the DRAM it guards.
 * Returns 0, -EINVAL, -ENOMEM.
 */
int rh_firewall_create(struct rh_platform *plat, struct rh_physmem *pm,
		       unsigned int nr_regions, uint64_t granularity,
		       struct rh_firewall **ret_fw);
void rh_firewall_destroy(struct rh_firewall *fw);

unsigned int rh_firewall_nr_regions(const struct rh_firewall *fw);
/* Effective alignment of region base and size, in bytes. */
uint64_t rh_firewall_granularity(const struct rh_firewall *fw);

/*
 * rh_firewall_program() - protect [@base, @base + @size) with policy
 * @masters (RH_FW_SECURE_ONLY, RH_FW_ANY_SECURE_MASTER or RH_FW_MASTER()
 * bits) in the lowest free region, whose index is returned in @ret_index
 * (may be NULL). The normal view of the range becomes PROT_NONE before the
 * region is published to DMA checks. Secure-world operation.
 * Returns 0; -EINVAL for size 0 or a misaligned base/size; -ERANGE outside
 * DRAM; -EBUSY if the range overlaps a programmed region; -ENOSPC when every
 * region is in use; -errno of madvise/mprotect.
 */
int rh_firewall_program(struct rh_firewall *fw, rh_phys_addr_t base,
			uint64_t size, uint64_t masters,
			unsigned int *ret_index);

/*
 * rh_firewall_clear() - unprogram region @index and make its range
 * accessible again in the normal view. The caller (the TEE) scrubs the
 * memory first. Returns 0, -EINVAL for an index out of range, -ENOENT for a
 * region that is not programmed, -errno of mprotect.
 */
int rh_firewall_clear(struct rh_firewall *fw, unsigned int index);

/*
 * rh_firewall_set_masters() - change the policy of programmed region
 * @index (no mapping change). Returns 0, -EINVAL, -ENOENT.
 */
int rh_firewall_set_masters(struct rh_firewall *fw, unsigned int index,
			    uint64_t masters);

/* Describe region @index. Returns 0 or -EINVAL for an index out of range. */
int rh_firewall_get_region(struct rh_firewall *fw, unsigned int index,
			   struct rh_fw_region *ret_region);

/*
 * rh_firewall_find() - index of the programmed region containing @pa.
 * Returns 0 or -ENOENT.
 */
int rh_firewall_find(struct rh_firewall *fw, rh_phys_addr_t pa,
		     unsigned int *ret_index);

/*
 * rh_firewall_check() - may master @master_id (named @master_name for the
 * log; NULL = "?") in security state @secure access [@pa, @pa + @len)?
 * Lock-free for readers (seqlock over the region table); costs a few ns
 * when no region is programmed. A secure master is further held to its
 * secure windows (below). A refusal is logged as a violation.
 * Returns 0, -EACCES (refused, logged), -ERANGE (outside DRAM), -EINVAL
 * (@len 0).
 */
int rh_firewall_check(struct rh_firewall *fw, rh_phys_addr_t pa, uint64_t len,
		      uint32_t master_id, const char *master_name, bool secure,
		      bool write);

/*
 * Secure windows (what a secure IOMMU bank maps for one master): a master
 * in secure mode reaches protected memory only inside its windows, and
 * writes nowhere outside them (not even to unprotected memory). Only the
 * TEE adds and removes them, when it grants a device a buffer.
 *
 * rh_firewall_window_add() - let @master_id reach [@base, @base + @size)
 * when secure, under the grant @cookie. Returns 0; -EINVAL (size 0, not
 * page aligned); -ERANGE (outside DRAM); -EBUSY (overlaps a window of the
 * master); -ENOSPC (RH_FW_MAX_WINDOWS in use); -ENOMEM.
 * rh_firewall_window_remove() - drop every window of @master_id
 * (RH_FW_ANY_WINDOW_MASTER: of every master) under @cookie; returns how
 * many went.
 * rh_firewall_window_count() - windows @master_id has.
 */
#define RH_FW_MAX_WINDOWS 65536
#define RH_FW_ANY_WINDOW_MASTER UINT32_MAX
int rh_firewall_window_add(struct rh_firewall *fw, uint32_t master_id,
			   rh_phys_addr_t base, uint64_t size, uint64_t cookie);
unsigned int rh_firewall_window_remove(struct rh_firewall *fw, uint32_t master_id,
				       uint64_t cookie);
unsigned int rh_firewall_window_count(struct rh_firewall *fw, uint32_t master_id);

/*
 * rh_firewall_record_cpu_fault() - log a normal-world CPU access of
 * [@pa, @pa + @len) that faulted at @fault_pa.
 */
void rh_firewall_record_cpu_fault(struct rh_firewall *fw, rh_phys_addr_t pa,
				  uint64_t len, rh_phys_addr_t fault_pa,
				  bool write);

/* Violation log (the public rh_phys_violation*() calls wrap these). */
uint64_t rh_firewall_violation_count(struct rh_firewall *fw);
unsigned int rh_firewall_violations_get(struct rh_firewall *fw,
					struct rh_violation *records,
					unsigned int max);
void rh_firewall_violations_reset(struct rh_firewall *fw);

/*
 * rh_firewall_fill_stats() - firewall and violation counters of @fw into
 * the matching fields of @stats (the others are left alone).
 */
void rh_firewall_fill_stats(struct rh_firewall *fw,
			    struct rh_platform_stats *stats);

/* ---------------------------------------------------------------- devices */

/*
 * rh_emu_device_secure_get() / rh_emu_device_secure_put() - take or drop
 * one reference on @dev's secure mode (a device of @plat), as the secure
 * world does when it grants the device a buffer or lends memory for a use
 * case the device serves (MTK: the TEE programs the master's security
 * domain; Arm: the secure stream of its SMMU). The device is in secure
 * mode while it holds at least one reference: the first get switches it,
 * the last put switches it back, so users of secure mode never switch a
 * device under each other. Defined in src/platform/device.c, where struct
 * rh_device lives; only the secure world calls them.
 * Returns 0, -EINVAL (NULL, @dev not of @plat, a put without a get: logged),
 * -EPERM (a get on a device that is not secure-capable).
 * rh_emu_device_secure_refs() - the count (0 for NULL).
 */
int rh_emu_device_secure_get(struct rh_platform *plat, struct rh_device *dev);
int rh_emu_device_secure_put(struct rh_platform *plat, struct rh_device *dev);
unsigned int rh_emu_device_secure_refs(const struct rh_device *dev);

/* ---------------------------------------------------------------- lent memory */

/*
 * rh_platform_region_lent_to() - did the normal world lend exactly
 * [@base, @base + @size) to the secure world, and through which TEE
 * session (src/internal.h)? Defined in src/platform/platform.c; the
 * secure world's view of the lend hand-over. Returns 0 with the session,
 * -ENOENT when no such record exists.
 */
int rh_platform_region_lent_to(struct rh_platform *plat, rh_phys_addr_t base,
			       uint64_t size, uint32_t *ret_session);

#endif /* RH_EMU_H */
