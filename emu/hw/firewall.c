// SPDX-License-Identifier: MIT
/* TZASC / EMI-MPU model: a few regions, a granularity, master ids, a violation log. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rheap/firewall.h>
#include <rheap/phys.h>

#include "emu.h"
#include "internal.h"
#include "trace/sim.h"
#include "trace/trace.h"

/*
 * One region of the controller. The fields are atomics because DMA checks
 * read them without a lock (seqlock below); end == 0 marks a free region (a
 * programmed one never ends at PA 0 since base + size cannot wrap).
 */
struct fw_region {
	_Atomic uint64_t base;
	_Atomic uint64_t end; /* exclusive */
	_Atomic uint64_t masters;
};

/*
 * A secure window: a range of protected memory the secure world mapped for
 * one master (MediaTek's secure M4U bank, a TZMP/SMMU stage-2 mapping of
 * Arm's). @cookie names the grant so the TEE can take it back.
 */
struct fw_window {
	uint64_t base;
	uint64_t end; /* exclusive */
	uint32_t master_id;
	uint64_t cookie;
};

struct rh_firewall {
	struct rh_platform *plat; /* log messages only; may be NULL */
	struct rh_physmem *pm;
	unsigned int nr_regions;
	uint64_t granularity; /* effective: max(DT granularity, page size) */

	/*
	 * lock serialises programming (region writers and their mprotect calls).
	 * Readers (one check per DMA transaction) never take it: they retry
	 * while seq is odd or changed under them (seqlock), so checks from many
	 * threads do not bounce a lock cache line (perf.md §2: a shared mutex
	 * makes two threads 0.27x of one).
	 */
	pthread_mutex_t lock;
	atomic_uint seq;
	atomic_uint in_use;
	atomic_uint peak;
	atomic_ullong programs;
	atomic_ullong clears;
	atomic_ullong policy_changes;

	/* Violation log: refusals are rare, so a plain mutex is enough. */
	pthread_mutex_t log_lock;
	uint64_t log_seq;     /* last sequence number handed out, never reset */
	uint64_t log_count;   /* since creation or the last reset */
	unsigned int log_head; /* next slot to write */
	unsigned int log_len;  /* valid records, <= RH_VIOLATION_LOG_SIZE */
	struct rh_violation log[RH_VIOLATION_LOG_SIZE];
	/*
	 * Secure windows, sorted by master then base, under win_lock. Every
	 * DMA transfer holds win_lock for reading from its check to its last
	 * byte; granting or revoking a window and programming a region or
	 * its masters take it for writing (before fw->lock), so a policy
	 * change waits for the transfers admitted under the old one.
	 * Writers are preferred: a stream of transfers cannot starve them.
	 */
	pthread_rwlock_t win_lock;
	struct fw_window *win;
	unsigned int nr_win;
	unsigned int max_win;

	atomic_ullong violations; /* lifetime counters for the stats */
	atomic_ullong cpu_violations;
	atomic_ullong dma_violations;

	struct fw_region regions[];
};

int rh_firewall_create(struct rh_platform *plat, struct rh_physmem *pm,
		       unsigned int nr_regions, uint64_t granularity,
		       struct rh_firewall **ret_fw)
{
	pthread_rwlockattr_t attr;
	struct rh_firewall *fw;

	if (!pm || !ret_fw)
		return -EINVAL;
	if (nr_regions > RH_FW_MAX_REGIONS || !granularity ||
	    (granularity & (granularity - 1))) {
		EMSG(plat, "firewall: bad geometry: %u regions, granularity 0x%" PRIx64,
		     nr_regions, granularity);
		return -EINVAL;
	}

	fw = rh_zalloc(sizeof(*fw) + nr_regions * sizeof(fw->regions[0]));
	if (!fw)
		return -ENOMEM;
	fw->plat = plat;
	fw->pm = pm;
	fw->nr_regions = nr_regions;
	/* The normal view can only be protected page by page. */
	fw->granularity = granularity < RH_PAGE_SIZE ? RH_PAGE_SIZE : granularity;
	pthread_mutex_init(&fw->lock, NULL);
	pthread_mutex_init(&fw->log_lock, NULL);
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&fw->win_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	DMSG(plat, "firewall: %u regions, granularity 0x%" PRIx64, nr_regions,
	     fw->granularity);
	*ret_fw = fw;
	return 0;
}

void rh_firewall_destroy(struct rh_firewall *fw)
{
	if (!fw)
		return;
	/* Mappings go away with the physmem; nothing to unprotect here. */
	rh_free(fw->win);
	pthread_rwlock_destroy(&fw->win_lock);
	pthread_mutex_destroy(&fw->log_lock);
	pthread_mutex_destroy(&fw->lock);
	rh_free(fw);
}

unsigned int rh_firewall_nr_regions(const struct rh_firewall *fw)
{
	return fw->nr_regions;
}

uint64_t rh_firewall_granularity(const struct rh_firewall *fw)
{
	return fw->granularity;
}

/*
 * Seqlock without fences (TSan does not model them): the writer's field
 * stores are releases and the reader's field loads acquires, so a reader
 * that sees any new field value also sees the odd sequence number on its
 * re-check (H.-J. Boehm, "Can seqlocks get along with programming language
 * memory models?", 2012). On x86 and arm64 these are plain or ldar/stlr
 * moves. Writers run under fw->lock.
 */
static void fw_write_begin(struct rh_firewall *fw)
{
	atomic_fetch_add_explicit(&fw->seq, 1, memory_order_relaxed);
}

static void fw_write_end(struct rh_firewall *fw)
{
	atomic_fetch_add_explicit(&fw->seq, 1, memory_order_release);
}

static void fw_store(_Atomic uint64_t *field, uint64_t val)
{
	atomic_store_explicit(field, val, memory_order_release);
}

static uint64_t fw_load(_Atomic uint64_t *field)
{
	return atomic_load_explicit(field, memory_order_acquire);
}

static void fw_region_publish(struct rh_firewall *fw, unsigned int i,
			      uint64_t base, uint64_t end, uint64_t masters)
{
	struct fw_region *r = &fw->regions[i];

	fw_store(&r->base, base);
	fw_store(&r->masters, masters);
	fw_store(&r->end, end);
}

int rh_firewall_program(struct rh_firewall *fw, rh_phys_addr_t base,
			uint64_t size, uint64_t masters,
			unsigned int *ret_index)
{
	unsigned int i, free_idx = UINT32_MAX, in_use;
	uint64_t end;
	int ret;

	if (!fw || !size)
		return -EINVAL;
	if (!RH_IS_ALIGNED(base, fw->granularity) ||
	    !RH_IS_ALIGNED(size, fw->granularity)) {
		EMSG(fw->plat, "firewall: 0x%" PRIx64 " + 0x%" PRIx64
		     " is not aligned to the granularity 0x%" PRIx64,
		     base, size, fw->granularity);
		return -EINVAL;
	}
	ret = rh_physmem_check(fw->pm, base, size);
	if (ret)
		return ret;
	end = base + size;

	/* Transfers in flight finish under the old policy first. */
	pthread_rwlock_wrlock(&fw->win_lock);
	pthread_mutex_lock(&fw->lock);
	for (i = 0; i < fw->nr_regions; i++) {
		struct fw_region *r = &fw->regions[i];
		uint64_t rend = atomic_load_explicit(&r->end, memory_order_relaxed);
		uint64_t rbase = atomic_load_explicit(&r->base, memory_order_relaxed);

		if (!rend) {
			if (free_idx == UINT32_MAX)
				free_idx = i;
			continue;
		}
		if (base < rend && rbase < end) {
			EMSG(fw->plat, "firewall: 0x%" PRIx64 "-0x%" PRIx64
			     " overlaps region %u", base, end - 1, i);
			ret = -EBUSY;
			goto out_unlock;
		}
	}
	if (free_idx == UINT32_MAX) {
		EMSG(fw->plat, "firewall: all %u regions in use", fw->nr_regions);
		ret = -ENOSPC;
		goto out_unlock;
	}

	/* CPU first, then DMA: once we return, both are refused. */
	ret = rh_physmem_protect_normal(fw->pm, base, size);
	if (ret) {
		EMSG(fw->plat, "firewall: cannot protect 0x%" PRIx64 ": %s", base,
		     strerror(-ret));
		goto out_unlock;
	}
	fw_write_begin(fw);
	fw_region_publish(fw, free_idx, base, end, masters);
	in_use = atomic_fetch_add_explicit(&fw->in_use, 1, memory_order_relaxed) + 1;
	fw_write_end(fw);
	if (in_use > atomic_load_explicit(&fw->peak, memory_order_relaxed))
		atomic_store_explicit(&fw->peak, in_use, memory_order_relaxed);
	atomic_fetch_add_explicit(&fw->programs, 1, memory_order_relaxed);
	IMSG(fw->plat, "firewall: region %u = 0x%" PRIx64 "-0x%" PRIx64
	     " masters 0x%" PRIx64, free_idx, base, end - 1, masters);
	RH_TRACE(fw->plat, RH_TRACE_FIREWALL_PROGRAM, .id = free_idx, .pa = base,
		 .size = size, .count = in_use);
	rh_sim_charge(fw->plat, RH_SIM_FIREWALL_PROGRAM, size);
	if (ret_index)
		*ret_index = free_idx;
out_unlock:
	pthread_mutex_unlock(&fw->lock);
	pthread_rwlock_unlock(&fw->win_lock);
	return ret;
}

int rh_firewall_clear(struct rh_firewall *fw, unsigned int index)
{
	struct fw_region *r;
	uint64_t base, end;
	int ret;

	if (!fw || index >= fw->nr_regions)
		return -EINVAL;
	r = &fw->regions[index];

	pthread_mutex_lock(&fw->lock);
	end = atomic_load_explicit(&r->end, memory_order_relaxed);
	base = atomic_load_explicit(&r->base, memory_order_relaxed);
	if (!end) {
		ret = -ENOENT;
		goto out_unlock;
	}
	/* Unmap-side first: if mprotect fails the region stays fully in force. */
	ret = rh_physmem_unprotect_normal(fw->pm, base, end - base);
	if (ret) {
		EMSG(fw->plat, "firewall: cannot unprotect region %u: %s", index,
		     strerror(-ret));
		goto out_unlock;
	}
	fw_write_begin(fw);
	fw_region_publish(fw, index, 0, 0, 0);
	atomic_fetch_sub_explicit(&fw->in_use, 1, memory_order_relaxed);
	fw_write_end(fw);
	atomic_fetch_add_explicit(&fw->clears, 1, memory_order_relaxed);
	IMSG(fw->plat, "firewall: region %u cleared", index);
	RH_TRACE(fw->plat, RH_TRACE_FIREWALL_CLEAR, .id = index, .pa = base, .size = end - base,
		 .count = atomic_load_explicit(&fw->in_use, memory_order_relaxed));
	rh_sim_charge(fw->plat, RH_SIM_FIREWALL_PROGRAM, end - base);
out_unlock:
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

int rh_firewall_set_masters(struct rh_firewall *fw, unsigned int index,
			    uint64_t masters)
{
	struct fw_region *r;
	int ret = 0;

	if (!fw || index >= fw->nr_regions)
		return -EINVAL;
	r = &fw->regions[index];

	pthread_rwlock_wrlock(&fw->win_lock);
	pthread_mutex_lock(&fw->lock);
	if (!atomic_load_explicit(&r->end, memory_order_relaxed)) {
		ret = -ENOENT;
		goto out_unlock;
	}
	fw_write_begin(fw);
	fw_store(&r->masters, masters);
	fw_write_end(fw);
	atomic_fetch_add_explicit(&fw->policy_changes, 1, memory_order_relaxed);
	IMSG(fw->plat, "firewall: region %u masters 0x%" PRIx64, index, masters);
	/* Who may reach the region changes; no memory changes worlds. */
	rh_sim_charge(fw->plat, RH_SIM_FIREWALL_PROGRAM, 0);
out_unlock:
	pthread_mutex_unlock(&fw->lock);
	pthread_rwlock_unlock(&fw->win_lock);
	return ret;
}

int rh_firewall_get_region(struct rh_firewall *fw, unsigned int index,
			   struct rh_fw_region *ret_region)
{
	struct rh_fw_region out = { 0 };
	struct fw_region *r;

	if (!fw || !ret_region || index >= fw->nr_regions)
		return -EINVAL;
	r = &fw->regions[index];

	/* Under the writer lock: a consistent triple without a retry loop. */
	pthread_mutex_lock(&fw->lock);
	out.index = index;
	out.base = atomic_load_explicit(&r->base, memory_order_relaxed);
	out.size = atomic_load_explicit(&r->end, memory_order_relaxed);
	out.masters = atomic_load_explicit(&r->masters, memory_order_relaxed);
	pthread_mutex_unlock(&fw->lock);
	out.in_use = out.size != 0;
	if (out.in_use)
		out.size -= out.base;
	*ret_region = out;
	return 0;
}

int rh_firewall_find(struct rh_firewall *fw, rh_phys_addr_t pa,
		     unsigned int *ret_index)
{
	unsigned int i;
	int ret = -ENOENT;

	if (!fw || !ret_index)
		return -EINVAL;
	pthread_mutex_lock(&fw->lock);
	for (i = 0; i < fw->nr_regions; i++) {
		struct fw_region *r = &fw->regions[i];
		uint64_t end = atomic_load_explicit(&r->end, memory_order_relaxed);

		if (end && pa < end &&
		    pa >= atomic_load_explicit(&r->base, memory_order_relaxed)) {
			*ret_index = i;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

static bool fw_allows(uint64_t masters, uint32_t master_id, bool secure)
{
	/* A non-secure transaction never reaches a programmed region. */
	if (!secure)
		return false;
	if (masters == RH_FW_ANY_SECURE_MASTER)
		return true;
	return master_id < 64 && (masters & RH_FW_MASTER(master_id));
}

/*
 * Lock-free scan: the region refusing the lowest byte of [pa, last], or -1.
 * Retries while a writer is publishing (seq odd) or published meanwhile.
 */
static int fw_scan(struct rh_firewall *fw, uint64_t pa, uint64_t last,
		   uint32_t master_id, bool secure, uint64_t *ret_fault,
		   bool *ret_overlap)
{
	unsigned int i, s;
	uint64_t fault = 0;
	bool overlap;
	int region;

	for (;;) {
		s = atomic_load_explicit(&fw->seq, memory_order_acquire);
		if (s & 1) {
			sched_yield();
			continue;
		}
		region = -1;
		overlap = false;
		for (i = 0; i < fw->nr_regions; i++) {
			struct fw_region *r = &fw->regions[i];
			uint64_t end, base, start;

			end = fw_load(&r->end);
			if (!end || end <= pa)
				continue;
			base = fw_load(&r->base);
			if (base > last)
				continue;
			overlap = true;
			if (fw_allows(fw_load(&r->masters), master_id, secure))
				continue;
			start = base > pa ? base : pa;
			if (region < 0 || start < fault) {
				region = (int)i;
				fault = start;
			}
		}
		if (atomic_load_explicit(&fw->seq, memory_order_relaxed) == s)
			break;
	}
	*ret_fault = fault;
	*ret_overlap = overlap;
	return region;
}

/* ------------------------------------------------------------ secure windows */

/* Index of the first window of @master_id at or after @base; under win_lock. */
static unsigned int win_lower_bound(const struct rh_firewall *fw,
				    uint32_t master_id, uint64_t base)
{
	unsigned int lo = 0, hi = fw->nr_win, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (fw->win[mid].master_id < master_id ||
		    (fw->win[mid].master_id == master_id && fw->win[mid].base < base))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * First byte of [@pa, @last] that no window of @master_id covers, or
 * @last + 1 when they cover all of it. Windows of a master may touch but
 * never overlap (they come from distinct buffers). Under win_lock.
 */
static uint64_t win_uncovered(const struct rh_firewall *fw, uint32_t master_id,
			      uint64_t pa, uint64_t last)
{
	unsigned int i = win_lower_bound(fw, master_id, pa);

	/* The window starting before @pa may still hold it. */
	if (i > 0 && fw->win[i - 1].master_id == master_id &&
	    fw->win[i - 1].end > pa)
		i--;
	for (; i < fw->nr_win && fw->win[i].master_id == master_id; i++) {
		if (fw->win[i].base > pa)
			return pa;
		if (fw->win[i].end > last)
			return last + 1;
		pa = fw->win[i].end;
	}
	return pa;
}

int rh_firewall_window_add(struct rh_firewall *fw, uint32_t master_id,
			   rh_phys_addr_t base, uint64_t size, uint64_t cookie)
{
	struct fw_window *w;
	unsigned int i, n;
	uint64_t end;
	int ret;

	if (!fw || !size || !RH_IS_ALIGNED(base, RH_PAGE_SIZE) ||
	    !RH_IS_ALIGNED(size, RH_PAGE_SIZE))
		return -EINVAL;
	ret = rh_physmem_check(fw->pm, base, size);
	if (ret)
		return ret;
	end = base + size;
	pthread_rwlock_wrlock(&fw->win_lock);
	i = win_lower_bound(fw, master_id, base);
	if ((i < fw->nr_win && fw->win[i].master_id == master_id &&
	     fw->win[i].base < end) ||
	    (i > 0 && fw->win[i - 1].master_id == master_id &&
	     fw->win[i - 1].end > base)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	if (fw->nr_win == fw->max_win) {
		if (fw->max_win >= RH_FW_MAX_WINDOWS) {
			ret = -ENOSPC;
			goto out_unlock;
		}
		n = fw->max_win ? fw->max_win * 2 : 16;
		w = rh_calloc(n, sizeof(*w));
		if (!w) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		if (fw->nr_win)
			memcpy(w, fw->win, fw->nr_win * sizeof(*w));
		rh_free(fw->win);
		fw->win = w;
		fw->max_win = n;
	}
	memmove(&fw->win[i + 1], &fw->win[i], (fw->nr_win - i) * sizeof(*fw->win));
	fw->win[i] = (struct fw_window){ base, end, master_id, cookie };
	fw->nr_win++;
	rh_sim_charge(fw->plat, RH_SIM_FIREWALL_PROGRAM, 0);
out_unlock:
	pthread_rwlock_unlock(&fw->win_lock);
	return ret;
}

unsigned int rh_firewall_window_remove(struct rh_firewall *fw, uint32_t master_id,
				       uint64_t cookie)
{
	unsigned int i, j, removed;

	if (!fw)
		return 0;
	pthread_rwlock_wrlock(&fw->win_lock);
	for (i = j = 0; i < fw->nr_win; i++) {
		const struct fw_window *w = &fw->win[i];

		if (w->cookie == cookie &&
		    (master_id == RH_FW_ANY_WINDOW_MASTER || w->master_id == master_id))
			continue;
		fw->win[j++] = *w;
	}
	removed = fw->nr_win - j;
	fw->nr_win = j;
	pthread_rwlock_unlock(&fw->win_lock);
	if (removed)
		rh_sim_charge(fw->plat, RH_SIM_FIREWALL_PROGRAM, 0);
	return removed;
}

unsigned int rh_firewall_window_count(struct rh_firewall *fw, uint32_t master_id)
{
	unsigned int i, n = 0;

	if (!fw)
		return 0;
	pthread_rwlock_rdlock(&fw->win_lock);
	for (i = win_lower_bound(fw, master_id, 0);
	     i < fw->nr_win && fw->win[i].master_id == master_id; i++)
		n++;
	pthread_rwlock_unlock(&fw->win_lock);
	return n;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fw_log_violation(struct rh_firewall *fw, rh_phys_addr_t pa,
			     uint64_t len, rh_phys_addr_t fault_pa,
			     uint32_t master_id, const char *name, bool secure,
			     bool write, int region)
{
	uint64_t now = monotonic_ns();
	struct rh_violation *rec;

	pthread_mutex_lock(&fw->log_lock);
	rec = &fw->log[fw->log_head];
	memset(rec, 0, sizeof(*rec));
	rec->seq = ++fw->log_seq;
	rec->timestamp_ns = now;
	rec->pa = pa;
	rec->size = len;
	rec->fault_pa = fault_pa;
	rec->master_id = master_id;
	snprintf(rec->master, sizeof(rec->master), "%s", name ? name : "?");
	rec->write = write;
	rec->secure = secure;
	rec->region = region;
	fw->log_head = (fw->log_head + 1) % RH_VIOLATION_LOG_SIZE;
	if (fw->log_len < RH_VIOLATION_LOG_SIZE)
		fw->log_len++;
	fw->log_count++;
	pthread_mutex_unlock(&fw->log_lock);

	atomic_fetch_add_explicit(&fw->violations, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(master_id == RH_MASTER_CPU ?
				  &fw->cpu_violations : &fw->dma_violations,
				  1, memory_order_relaxed);
	IMSG(fw->plat, "firewall: refused %s of 0x%" PRIx64 "+0x%" PRIx64
	     " at 0x%" PRIx64 " by %s (%s), region %d", write ? "write" : "read",
	     pa, len, fault_pa, name ? name : "?",
	     secure ? "secure" : "non-secure", region);
	RH_TRACE(fw->plat, RH_TRACE_FIREWALL_VIOLATION, .name = name, .id = master_id,
		 .pa = pa, .size = len, .msg = write ? "write" : "read", .err = -EACCES);
}

/*
 * rh_firewall_check(). @locked: the caller holds win_lock for reading for
 * the whole transaction (rh_phys_dma_transfer()), so that programming a
 * region or revoking a window, which take it for writing, waits for the
 * transactions admitted before them, as a TZASC reprogramming or an
 * IOMMU invalidation waits for the DMA in flight: a buffer the TEE
 * protects, scrubs or hands out again is never read or written by a
 * transfer let in under the old policy.
 */
static int fw_check(struct rh_firewall *fw, rh_phys_addr_t pa, uint64_t len,
		    uint32_t master_id, const char *master_name, bool secure,
		    bool write, bool locked)
{
	uint64_t fault;
	bool overlap;
	int ret, region;

	if (!fw)
		return -EINVAL;
	ret = rh_physmem_check(fw->pm, pa, len);
	if (ret)
		return ret;
	/* Fast path: nothing programmed (a region being published counts as not yet). */
	if (!secure && !atomic_load_explicit(&fw->in_use, memory_order_acquire))
		return 0;
	region = fw_scan(fw, pa, pa + (len - 1), master_id, secure, &fault,
			 &overlap);
	if (region < 0 && secure && (overlap || write)) {
		/*
		 * A master in secure mode reaches protected memory only through
		 * the windows the TEE mapped for it, and may write nowhere else:
		 * what it decodes is protected and must not land in memory the
		 * normal world can read (MediaTek's secure M4U banks, Arm
		 * TZMP's secure-only output).
		 */
		unsigned int index;

		if (!locked)
			pthread_rwlock_rdlock(&fw->win_lock);
		fault = win_uncovered(fw, master_id, pa, pa + (len - 1));
		if (!locked)
			pthread_rwlock_unlock(&fw->win_lock);
		if (fault > pa + (len - 1))
			return 0;
		/* fw->lock nests inside win_lock (rh_firewall_program()). */
		region = rh_firewall_find(fw, fault, &index) ? -1 : (int)index;
		fw_log_violation(fw, pa, len, fault, master_id, master_name,
				 secure, write, region);
		return -EACCES;
	}
	if (region < 0)
		return 0;
	fw_log_violation(fw, pa, len, fault, master_id, master_name, secure,
			 write, region);
	return -EACCES;
}

int rh_firewall_check(struct rh_firewall *fw, rh_phys_addr_t pa, uint64_t len,
		      uint32_t master_id, const char *master_name, bool secure,
		      bool write)
{
	return fw_check(fw, pa, len, master_id, master_name, secure, write, false);
}

void rh_firewall_record_cpu_fault(struct rh_firewall *fw, rh_phys_addr_t pa,
				  uint64_t len, rh_phys_addr_t fault_pa,
				  bool write)
{
	unsigned int index;
	int region = -1;

	if (!fw)
		return;
	if (!rh_firewall_find(fw, fault_pa, &index))
		region = (int)index;
	fw_log_violation(fw, pa, len, fault_pa, RH_MASTER_CPU, "cpu", false,
			 write, region);
}

uint64_t rh_firewall_violation_count(struct rh_firewall *fw)
{
	uint64_t n;

	pthread_mutex_lock(&fw->log_lock);
	n = fw->log_count;
	pthread_mutex_unlock(&fw->log_lock);
	return n;
}

unsigned int rh_firewall_violations_get(struct rh_firewall *fw,
					struct rh_violation *records,
					unsigned int max)
{
	unsigned int n, first, i;

	pthread_mutex_lock(&fw->log_lock);
	n = fw->log_len < max ? fw->log_len : max;
	first = (fw->log_head + RH_VIOLATION_LOG_SIZE - n) % RH_VIOLATION_LOG_SIZE;
	for (i = 0; i < n; i++)
		records[i] = fw->log[(first + i) % RH_VIOLATION_LOG_SIZE];
	pthread_mutex_unlock(&fw->log_lock);
	return n;
}

void rh_firewall_violations_reset(struct rh_firewall *fw)
{
	pthread_mutex_lock(&fw->log_lock);
	fw->log_head = 0;
	fw->log_len = 0;
	fw->log_count = 0;
	memset(fw->log, 0, sizeof(fw->log));
	pthread_mutex_unlock(&fw->log_lock);
}

void rh_firewall_fill_stats(struct rh_firewall *fw,
			    struct rh_platform_stats *stats)
{
	stats->firewall_regions = fw->nr_regions;
	stats->firewall_regions_in_use =
		atomic_load_explicit(&fw->in_use, memory_order_relaxed);
	stats->firewall_regions_peak =
		atomic_load_explicit(&fw->peak, memory_order_relaxed);
	stats->firewall_programs =
		atomic_load_explicit(&fw->programs, memory_order_relaxed);
	stats->firewall_clears =
		atomic_load_explicit(&fw->clears, memory_order_relaxed);
	stats->firewall_policy_changes =
		atomic_load_explicit(&fw->policy_changes, memory_order_relaxed);
	stats->violations =
		atomic_load_explicit(&fw->violations, memory_order_relaxed);
	stats->cpu_violations =
		atomic_load_explicit(&fw->cpu_violations, memory_order_relaxed);
	stats->dma_violations =
		atomic_load_explicit(&fw->dma_violations, memory_order_relaxed);
}

/* ---------------------------------------------------------------- module */

int rh_firewall_init(struct rh_platform *plat)
{
	return rh_firewall_create(plat, plat->physmem, plat->desc.firewall_regions,
				  plat->desc.firewall_granularity, &plat->firewall);
}

void rh_firewall_fini(struct rh_platform *plat)
{
	rh_firewall_destroy(plat->firewall);
	plat->firewall = NULL;
}

/* ---------------------------------------------------------------- hooks for src/ */

int rh_phys_dma_check(struct rh_platform *plat, uint32_t master_id,
		      const char *name, bool secure, rh_phys_addr_t pa,
		      size_t len, bool write)
{
	if (!plat || !plat->firewall)
		return -EINVAL;
	return rh_firewall_check(plat->firewall, pa, len, master_id, name, secure,
				 write);
}

int rh_phys_dma_transfer(struct rh_platform *plat, uint32_t master_id,
			 const char *name, bool secure, rh_phys_addr_t pa,
			 void *buf, size_t len, bool write)
{
	struct rh_firewall *fw;
	void *p;
	int ret;

	if (!buf || !plat || !plat->firewall)
		return -EINVAL;
	fw = plat->firewall;
	/* One bus transaction: checked and carried out under one policy. */
	pthread_rwlock_rdlock(&fw->win_lock);
	ret = fw_check(fw, pa, len, master_id, name, secure, write, true);
	if (ret)
		goto out_unlock;
	/* The bus side of the memory: the firewall, not the MMU, decides. */
	ret = rh_physmem_secure_ptr(plat->physmem, pa, len, &p);
	if (ret)
		goto out_unlock;
	if (write) {
		memcpy(p, buf, len);
		/* After the data: the TA's "known zero" pages must see it. */
		rh_physmem_mark_written(plat->physmem, pa, len);
	} else {
		memcpy(buf, p, len);
	}
out_unlock:
	/* The transaction is over: a program or a revocation may proceed. */
	pthread_rwlock_unlock(&fw->win_lock);
	return ret;
}

void rh_phys_report_cpu_fault(struct rh_platform *plat, rh_phys_addr_t pa,
			      size_t len, rh_phys_addr_t fault_pa, bool write)
{
	if (plat)
		rh_firewall_record_cpu_fault(plat->firewall, pa, len, fault_pa,
					     write);
}

void rh_phys_fill_stats(struct rh_platform *plat,
			struct rh_platform_stats *stats)
{
	if (plat->firewall)
		rh_firewall_fill_stats(plat->firewall, stats);
}

/* ---------------------------------------------------------------- public queries */

RH_EXPORT uint64_t rh_phys_violation_count(struct rh_platform *plat)
{
	if (!plat || !plat->firewall)
		return 0;
	return rh_firewall_violation_count(plat->firewall);
}

RH_EXPORT int rh_phys_violations_get(struct rh_platform *plat,
				     struct rh_violation *ret_records,
				     unsigned int max, unsigned int *ret_count)
{
	if (!plat || !plat->firewall || !ret_records || !max || !ret_count)
		return -EINVAL;
	*ret_count = rh_firewall_violations_get(plat->firewall, ret_records, max);
	return 0;
}

RH_EXPORT int rh_phys_violation_last(struct rh_platform *plat,
				     struct rh_violation *ret_violation)
{
	struct rh_violation rec;

	if (!plat || !plat->firewall || !ret_violation)
		return -EINVAL;
	if (!rh_firewall_violations_get(plat->firewall, &rec, 1))
		return -ENOENT;
	*ret_violation = rec;
	return 0;
}

RH_EXPORT void rh_phys_violations_reset(struct rh_platform *plat)
{
	if (plat && plat->firewall)
		rh_firewall_violations_reset(plat->firewall);
}

RH_EXPORT int rh_phys_firewall_region(struct rh_platform *plat,
				      unsigned int index,
				      struct rh_fw_region *ret_region)
{
	if (!plat || !plat->firewall)
		return -EINVAL;
	return rh_firewall_get_region(plat->firewall, index, ret_region);
}
