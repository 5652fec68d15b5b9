/* SPDX-License-Identifier: MIT */
/* Normal-world CPU access to simulated DRAM: /dev/mem-like and pointer probes, reserved regions. */
#ifndef RHEAP_PHYS_H
#define RHEAP_PHYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>

RH_BEGIN_DECLS


/**
 * rh_phys_probe_read() - read simulated DRAM as the normal-world CPU does
 * @plat: the platform
 * @pa: first physical address to read
 * @buf: destination (host memory)
 * @len: bytes to read, at least 1
 *
 * A /dev/mem-like helper for tests, the demo and attack simulations: the
 * bytes are read through the normal view of DRAM, where every range the
 * firewall protects is unmapped (PROT_NONE). A read of protected memory
 * really faults; the SIGSEGV/SIGBUS is caught (thread-safely, by the
 * library's handler, installed while a platform lives or a probe runs; the
 * previous handler is restored after the last), logged as a violation with
 * master "cpu", and reported as -EFAULT. A fault on @buf itself is not
 * caught: it crashes as it would without the probe.
 *
 * Mirrors: read_mem() (drivers/char/mem.c), with the external abort a
 * TrustZone-protected address raises on real hardware.
 * The copy runs front to back a page at a time, so on -EFAULT @buf holds
 * every byte of the pages before the faulting one (and possibly part of
 * that page's range up to the fault, never anything of it).
 * @return 0; -EFAULT if the range touches protected memory; -ERANGE if the
 * range is not inside DRAM; -EINVAL for a NULL argument or @len 0.
 */
RH_EXPORT int rh_phys_probe_read(struct rh_platform *plat, rh_phys_addr_t pa,
				 void *buf, size_t len);

/**
 * rh_phys_probe_write() - write simulated DRAM as the normal-world CPU does
 *
 * Same as rh_phys_probe_read() in the other direction. On -EFAULT the
 * pages before the faulting one have been written, as a real CPU would.
 * Mirrors: write_mem() (drivers/char/mem.c)
 */
RH_EXPORT int rh_phys_probe_write(struct rh_platform *plat, rh_phys_addr_t pa,
				  const void *buf, size_t len);

/**
 * rh_phys_probe_ptr_read() - read through a normal-world CPU mapping of DRAM
 * @plat: the platform
 * @addr: a host address of @plat's DRAM as the normal-world CPU maps it: a
 *        mapping from rh_mmap(), a vmap (rh_dma_buf_vmap()), an exporter's
 *        rh_remap_phys_range(), or the normal view; @len bytes from it
 *        must all be such mappings
 * @buf: destination (host memory)
 * @len: bytes to read, at least 1
 *
 * Every normal-world CPU mapping of DRAM is protected by physical page:
 * once the firewall protects a page, every mapping of it faults, whenever
 * it was made. This reads through @addr as plain code would, with the
 * fault trapped: a read that reaches protected memory is logged as a
 * violation with master "cpu" (@pa the PA of @addr, @fault_pa that of the
 * faulting byte) and reported as -EFAULT. A fault the mapping's own
 * protection causes (a PROT_NONE mapping) is -EFAULT too, but no
 * violation. Copies front to back a page at a time, as
 * rh_phys_probe_read().
 *
 * Without a probe, such a read kills the process with SIGSEGV (or goes to
 * the program's own SIGSEGV handler), after logging the same violation
 * (size 1; the direction is known on x86-64 only), as the external abort
 * does on the real SoC.
 *
 * Mirrors: copy_from_user() on a user mapping, with the external abort a
 * TrustZone-protected address raises on real hardware.
 * @return 0; -EFAULT (trapped); -EINVAL for a NULL argument, @len 0, or a
 * range that is not all DRAM mapped for @plat's normal world (unmapped
 * since, another platform's, plain host memory).
 */
RH_EXPORT int rh_phys_probe_ptr_read(struct rh_platform *plat, const void *addr,
				     void *buf, size_t len);

/**
 * rh_phys_probe_ptr_write() - write through a normal-world CPU mapping of DRAM
 *
 * Same as rh_phys_probe_ptr_read() in the other direction; a write through
 * a read-only mapping is -EFAULT without a violation. On -EFAULT the pages
 * before the faulting one have been written.
 * Mirrors: copy_to_user()
 */
RH_EXPORT int rh_phys_probe_ptr_write(struct rh_platform *plat, void *addr,
				      const void *buf, size_t len);

/** rh_dma_buf_probe_cpu() flag: probe a sample of the pages, not all of them. */
#define RH_PROBE_CPU_SAMPLE (1u << 0)

/**
 * rh_dma_buf_probe_cpu() - can the normal-world CPU read a dma-buf?
 * @plat: the platform
 * @fd: a dma-buf fd of @plat's file table
 * @flags: 0 to probe every page of the buffer; RH_PROBE_CPU_SAMPLE for its
 *         first and last pages and one page every MiB (buffer offsets
 *         0, 1 MiB, 2 MiB...)
 *
 * One call for "is this buffer really kept from the CPU": the buffer's
 * pages are taken as the exporter gives them to any importer (the call
 * attaches an internal "cpu-probe" device, maps, and detaches again, so it
 * works for every exporter and leaves no attachment behind), then the
 * first byte of each probed page is read through the normal view, as
 * rh_phys_probe_read() does. It stops at the first page that faults; that
 * fault is logged as one violation (master "cpu"). Nothing is read into
 * the caller's memory. The attach and map are traced as any importer's.
 *
 * @return 0 when every probed page is readable; -EFAULT when the CPU is
 * kept out of one; -EBADF (@fd not open), -EINVAL (NULL @plat, unknown
 * @flags, @fd not a dma-buf); -ENOMEM; or the exporter's attach or map
 * error.
 */
RH_EXPORT int rh_dma_buf_probe_cpu(struct rh_platform *plat, int fd,
				   unsigned int flags);

/**
 * rh_phys_reserved_find() - a /reserved-memory region by node name
 * @name: node name without unit address ("restricted-cma")
 *
 * Mirrors: of_reserved_mem_lookup() (drivers/of/of_reserved_mem.c), by name
 * @return the region (owned by the platform), or NULL.
 */
RH_EXPORT const struct rh_reserved_region *
rh_phys_reserved_find(const struct rh_platform *plat, const char *name);

/**
 * rh_phys_reserved_find_compatible() - the first /reserved-memory region
 * whose compatible is @compatible ("mediatek,dynamic-restricted-region")
 * @return the region (owned by the platform), or NULL.
 */
RH_EXPORT const struct rh_reserved_region *
rh_phys_reserved_find_compatible(const struct rh_platform *plat,
				 const char *compatible);

RH_END_DECLS

#endif /* RHEAP_PHYS_H */
