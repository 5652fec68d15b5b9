/* SPDX-License-Identifier: MIT */
/* Cross-module internals of the normal world (not installed). */
#ifndef RH_INTERNAL_H
#define RH_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/platform.h>
#include <rheap/tee-backend.h>

#include "lib/log.h"
#include "lib/alloc.h"

#define RH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define RH_ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define RH_IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define rh_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/*
 * Each module keeps its own state behind one pointer here and provides
 * rh_<module>_init(plat) / rh_<module>_fini(plat), called by platform.c in
 * dependency order (fini in reverse).
 */
struct rh_physmem;
struct rh_firewall;
struct rh_device_table;
struct rh_heap_registry;
struct rh_dma_buf_core;
struct rh_page_alloc;
struct rh_file_table;
struct rh_tee_emu;
struct rh_tee_ops;
struct rh_restricted_mtk;
struct rh_secmem;
struct rh_svp;
struct rh_protmem;
struct rh_tee_heap_registry;
struct rh_optee;
struct rh_trace;
struct rh_sim;
struct rh_device;

/* Regions the normal world may have lent to the secure world at once. */
#define RH_MAX_LENT_REGIONS 8

struct rh_platform {
	atomic_int refcount; /* the users' references (rh_platform_ref/unref) */
	atomic_bool users_gone; /* the last one was dropped: fd layer closed */
	/*
	 * What keeps the platform's memory: one for all its users together,
	 * one for each object that may outlive them (a dma-buf, an importer,
	 * a TEE context of a caller). See rh_platform_hold().
	 */
	atomic_uint holds;
	pthread_mutex_t lock; /* platform-wide bookkeeping only, never held across module calls */

	enum rh_log_level log_level;
	void (*log_fn)(void *data, enum rh_log_level level, const char *msg);
	void *log_data;

	void *dtb; /* owned copy of the blob the platform was built from */
	size_t dtb_size;
	struct rh_platform_desc desc;

	struct rh_physmem *physmem;       /* emu/physmem.c */
	struct rh_firewall *firewall;     /* emu/firewall.c */
	struct rh_device_table *devices;  /* src/device.c */
	struct rh_page_alloc *page_alloc; /* normal DRAM minus reserved-memory, src/heaps/system.c */
	struct rh_dma_buf_core *dmabufs;  /* src/dma-buf.c */
	struct rh_heap_registry *heaps;   /* src/dma-heap.c */
	struct rh_file_table *files;      /* src/uapi.c */
	struct rh_tee_emu *tee_emu;       /* emu/tee-core.c */
	struct rh_secmem *secmem;         /* emu/ta-secmem.c: secure-memory pools and handles */
	struct rh_svp *svp;               /* emu/ta-svp.c: the secure video TA's key */
	struct rh_protmem *protmem;       /* emu/optee/protmem.c: protected memory (NULL: none) */
	/* TEE backend (src/tee-client.c): ops/priv/nr_contexts under lock */
	const struct rh_tee_ops *tee_ops;         /* NULL: no TEE */
	void *tee_priv;
	const struct rh_tee_ops *tee_default_ops; /* the emulator, set by its init */
	void *tee_default_priv;
	unsigned int tee_nr_contexts;             /* open or still referenced by shm */
	atomic_ullong tee_next_shm_cookie;        /* last shared-memory cookie handed out */
	struct rh_trace *trace;           /* src/trace.c */
	struct rh_sim *sim;               /* src/trace/sim-clock.c; NULL: no cost model */
	struct rh_restricted_mtk *restricted_mtk; /* src/heaps/restricted-mtk.c */
	struct rh_tee_heap_registry *tee_heaps;   /* src/tee/tee-heap.c: protected heaps by use case */
	struct rh_optee *optee;                   /* src/tee/optee/optee.c: the OP-TEE driver */

	atomic_ullong world_switches; /* SMC entries and returns, see rh_platform_count_world_switch() */

	/* Memory the normal world lent to the secure world, under lock. */
	struct rh_lent_region {
		rh_phys_addr_t base;
		uint64_t size;
		uint32_t session; /* the TEE session it was lent through */
	} lent[RH_MAX_LENT_REGIONS];
	unsigned int nr_lent;
	atomic_int uaccess_mode;      /* src/lib/uaccess.c: enum rh_uaccess_mode of the fd layer's user pointers */
	/* src/tee/tee-uapi.c: what user space holds of /dev/tee0 */
	atomic_uint tee_dev_contexts;
	atomic_uint tee_dev_sessions;
	atomic_uint tee_dev_shms;
};

/* ------------------------------------------------------------ hardware (emu/) */
/*
 * Module constructors of the simulated hardware, in platform.c's order:
 * physmem (emu/physmem.c) -> firewall (emu/firewall.c) -> cpu-trap
 * (src/platform/phys-access.c, below) -> devices (src/device.c). Each
 * builds its object from plat->desc.
 */
int rh_physmem_init(struct rh_platform *plat);
void rh_physmem_fini(struct rh_platform *plat);
int rh_firewall_init(struct rh_platform *plat);
void rh_firewall_fini(struct rh_platform *plat);
int rh_devices_init(struct rh_platform *plat);
void rh_devices_fini(struct rh_platform *plat);

/*
 * The documented platform hooks through which src/ reaches the hardware
 * (DESIGN.md §1); nothing else of emu/ is visible to the normal world.
 *
 * rh_phys_normal_ptr() - host pointer to @pa in the NORMAL view of DRAM,
 * valid for @len bytes (the system heap zeroes and mmaps its pages through
 * it). Touching a range the firewall protects raises SIGSEGV, as a real
 * CPU access would. Returns 0, -ERANGE outside DRAM, -EINVAL for @len 0.
 */
int rh_phys_normal_ptr(struct rh_platform *plat, rh_phys_addr_t pa,
		       size_t len, void **ret_ptr);

/*
 * rh_phys_normal_to_phys() - PA of a normal-view pointer; 0 or -ERANGE.
 */
int rh_phys_normal_to_phys(struct rh_platform *plat, const void *ptr,
			   rh_phys_addr_t *ret_pa);

/*
 * Every other normal-world CPU mapping of DRAM (an exporter's mmap through
 * rh_remap_phys_range(), a vmap) is an alias registered with physmem, so
 * that protecting a range reaches every virtual address of its pages, as
 * the TZASC sits behind every MMU mapping of the real CPU.
 *
 * rh_phys_map_alias() - map DRAM [@pa, @pa + @len) at host address @addr
 * (MAP_FIXED over a range the caller reserved: whatever it held is
 * replaced, registered aliases included) with protection @prot (PROT_READ,
 * PROT_WRITE, PROT_EXEC bits or PROT_NONE), and register it. Pages the
 * firewall protects are PROT_NONE in it until released. @addr, @pa and
 * @len must be page aligned, @len non-zero, the range must not overlap the
 * platform's own views of DRAM. On error nothing new is mapped or
 * registered (a range left half mapped is made a plain PROT_NONE
 * reservation again, or, should even that fail, stays registered so that
 * protection still reaches it); the caller unmaps the range with
 * rh_phys_unmap_alias() on every error anyway.
 * Returns 0, -EINVAL (bad argument), -ERANGE (outside DRAM), -ENOMEM, or
 * the -errno of mmap/mprotect.
 *
 * rh_phys_unmap_alias() - munmap(@addr, @len) and unregister every alias
 * inside it; an alias partly inside is split, its other parts stay mapped
 * and registered. The range may hold no alias at all (a reservation the
 * exporter did not fill). Same alignment rules. Returns 0, -EINVAL,
 * -ENOMEM (a split needed memory; nothing changed), or the -errno of
 * munmap (nothing changed).
 *
 * A registered range belongs to the library, as a vma belongs to the
 * kernel: unmapping it behind physmem's back (libc munmap) leaves a stale
 * entry, and protecting or releasing its pages maps over the range again
 * (MAP_FIXED: physmem's own PROT_NONE page, or DRAM), whatever is there by
 * then; it never mprotect()s memory it did not map.
 */
int rh_phys_map_alias(struct rh_platform *plat, void *addr, rh_phys_addr_t pa,
		      size_t len, int prot);
int rh_phys_unmap_alias(struct rh_platform *plat, void *addr, size_t len);

/*
 * struct rh_phys_cpu_map - what a normal-world CPU address of DRAM maps
 * @pa: its physical address
 * @run: bytes from the address to the end of its mapping (normal view or
 *       alias); the pages of that run are physically contiguous
 * @prot: the mapping's own protection (the normal view is read/write)
 * @fw_protected: the page is protected by the firewall right now
 */
struct rh_phys_cpu_map {
	rh_phys_addr_t pa;
	size_t run;
	int prot;
	bool fw_protected;
};

/*
 * rh_phys_cpu_lookup() - is @addr inside @plat's normal view or one of its
 * registered aliases? Fills @ret_map and returns true if so. Lock-free and
 * async-signal-safe: the fault handler calls it.
 */
bool rh_phys_cpu_lookup(struct rh_platform *plat, const void *addr,
			struct rh_phys_cpu_map *ret_map);

/*
 * rh_phys_dma_transfer() - one bus transaction of a DMA master: the
 * firewall checks [@pa, @pa + @len) for master @master_id (@name for the
 * log) in state @secure; if allowed, @len bytes are copied between @buf
 * and DRAM (a master is not the CPU: it reaches protected memory whenever
 * the firewall lets it). Returns 0, -EACCES (refused: logged, nothing
 * copied), -ERANGE (outside DRAM), -EINVAL (@len 0).
 */
int rh_phys_dma_transfer(struct rh_platform *plat, uint32_t master_id,
			 const char *name, bool secure, rh_phys_addr_t pa,
			 void *buf, size_t len, bool write);

/*
 * rh_phys_dma_check() - the firewall check of rh_phys_dma_transfer()
 * alone (a refusal is logged). Same returns.
 */
int rh_phys_dma_check(struct rh_platform *plat, uint32_t master_id,
		      const char *name, bool secure, rh_phys_addr_t pa,
		      size_t len, bool write);

/*
 * rh_phys_report_cpu_fault() - log a trapped normal-world CPU access of
 * [@pa, @pa + @len) that faulted at @fault_pa.
 */
void rh_phys_report_cpu_fault(struct rh_platform *plat, rh_phys_addr_t pa,
			      size_t len, rh_phys_addr_t fault_pa, bool write);

/*
 * rh_phys_fill_stats() - hardware counters (firewall, violations) into
 * @stats; the other fields are left alone.
 */
void rh_phys_fill_stats(struct rh_platform *plat,
			struct rh_platform_stats *stats);

/*
 * rh_phys_trap_get()/rh_phys_trap_put() - install/remove the CPU fault
 * handler (process-wide refcount; the previous SIGSEGV/SIGBUS actions are
 * restored when the count drops to 0 and the handler is still ours). A get
 * while another handler has displaced ours installs it again on top. Each
 * live platform holds one reference, each running probe another. Exposed
 * for the tests that prove foreign faults are forwarded. Returns 0 or
 * -errno.
 */
int rh_phys_trap_get(void);
void rh_phys_trap_put(void);

/*
 * rh_phys_trap_copy_user() - copy @n bytes from @src to @dst where the
 * user side (@dst when @to_user, else @src) may fault: a SIGSEGV or SIGBUS
 * there (or a general-protection fault during the copy) is caught by the
 * CPU fault handler and the copy returns -EFAULT; 0 otherwise. The user
 * range must not wrap. No system call unless it faults, so nothing is
 * checked: the handler must be in charge (a live platform holds it, but a
 * handler installed since may have displaced it: rh_phys_trap_get() puts
 * it back) and the thread must not block SIGSEGV or SIGBUS, else a fault
 * kills the process as a program's own bad access would.
 */
int rh_phys_trap_copy_user(void *dst, const void *src, size_t n, bool to_user);

/*
 * The "cpu-trap" module (src/platform/phys-access.c), right after the
 * firewall: registers the platform with the process-wide fault handler
 * (which then logs every trapped CPU access of its DRAM, probe or not) and
 * holds a handler reference while the platform lives.
 */
int rh_phys_trap_init(struct rh_platform *plat);
void rh_phys_trap_fini(struct rh_platform *plat);

/*
 * rh_device_create_internal() - a bus master that is not in the device
 * tree (not listed by rh_device_find/get), for the library's own use: the
 * CPU-probe device rh_dma_buf_probe_cpu() attaches. Non-secure, never
 * secure-capable. Returns 0, -EINVAL, -ENOMEM.
 * rh_device_destroy_internal() frees it (NULL-safe); nothing may still be
 * attached.
 */
int rh_device_create_internal(struct rh_platform *plat, const char *name,
			      uint32_t master_id, struct rh_device **ret_dev);
void rh_device_destroy_internal(struct rh_device *dev);

/*
 * rh_platform_count_world_switch() - count one normal <-> secure world
 * transition (the TEE core calls it on every SMC entry and return).
 */
static inline void rh_platform_count_world_switch(struct rh_platform *plat)
{
	atomic_fetch_add_explicit(&plat->world_switches, 1, memory_order_relaxed);
}

/* ------------------------------------------------------------ lifetime */
/*
 * A dma-buf, an importer or a caller's TEE context may outlive the last
 * rh_platform_unref() of its users: each holds the platform while it
 * lives, so its release still finds the heaps, the TEE and the hardware.
 * When the users' last reference goes, the platform closes its fd table
 * (as exiting processes close their files) and drops the users' hold; it
 * is torn down when the last holder goes. Objects the platform's own
 * modules keep (the heaps' TEE sessions) hold nothing.
 */
void rh_platform_hold(struct rh_platform *plat);
void rh_platform_release(struct rh_platform *plat);

/* ------------------------------------------------------------ lent memory */
/*
 * The normal world's record of memory it took out of its own use and
 * handed to the secure world (a CMA region cma_alloc'd for a restricted
 * heap), and through which TEE session. The secure world checks a claim
 * against it (rh_platform_region_lent_to(), emu.h) before it protects
 * anything, so no other client can make it take memory Linux still uses.
 *
 * rh_platform_lend_region() - record [@base, @base + @size) as lent
 * through @session, or move an existing record of exactly that range to
 * @session (the heap reopened its session). Returns 0, -EINVAL (size 0,
 * wraps), -EBUSY (overlaps another record), -ENOSPC (RH_MAX_LENT_REGIONS).
 * rh_platform_reclaim_region() - the range is back in Linux's hands.
 */
int rh_platform_lend_region(struct rh_platform *plat, rh_phys_addr_t base,
			    uint64_t size, uint32_t session);
/*
 * The "session" of memory the TEE driver lends itself, outside any TA
 * session (protected memory, LEND_PROTMEM): no TA session id is ever 0.
 */
#define RH_LEND_TEE_DRIVER 0u
void rh_platform_reclaim_region(struct rh_platform *plat, rh_phys_addr_t base,
				uint64_t size);

/* ------------------------------------------------------------ TEE (emu/tee-core.c) */
/*
 * The emulated TEE: creates plat->tee_emu and installs it as the default
 * and current TEE backend (plat->tee_default_ops / tee_ops).
 */
int rh_tee_emu_init(struct rh_platform *plat);
void rh_tee_emu_fini(struct rh_platform *plat);

/*
 * The trusted applications installed at boot (after the TEE core):
 * rh_ta_secmem_init() protects the static chunk with a firewall region,
 * builds its allocator and registers the MTK secure-memory TA
 * (emu/ta-secmem.c); rh_ta_svp_init() provisions the secure video TA's key
 * and registers it (emu/ta-svp.c). Their fini run before the TEE core's.
 */
int rh_ta_secmem_init(struct rh_platform *plat);
void rh_ta_secmem_fini(struct rh_platform *plat);
int rh_ta_svp_init(struct rh_platform *plat);
void rh_ta_svp_fini(struct rh_platform *plat);
/*
 * emu/optee/protmem.c, after the TEE core and before the TAs:
 * rh_protmem_init() reads the secure world's protected-memory
 * configuration from the device tree (the "linaro,optee-tz" node's
 * children with "rheap-sim,use-case") and protects the static carveout at
 * boot; a platform without that configuration has none (plat->protmem
 * NULL). rh_protmem_fini() scrubs and releases whatever is still
 * protected. Returns 0, -EINVAL (bad configuration: one log line naming
 * node and property), -ENOMEM, or the firewall's error.
 */
int rh_protmem_init(struct rh_platform *plat);
void rh_protmem_fini(struct rh_platform *plat);
/* emu/ta/ta-hello-world.c: optee_examples' hello_world TA, open to user space. */
int rh_ta_hello_world_init(struct rh_platform *plat);
void rh_ta_hello_world_fini(struct rh_platform *plat);
/* emu/ta/ta-sdp.c: optee_test's sdp_basic TA (protected memory, xtest 1014). */
int rh_ta_sdp_init(struct rh_platform *plat);
void rh_ta_sdp_fini(struct rh_platform *plat);

#endif /* RH_INTERNAL_H */
