// SPDX-License-Identifier: MIT
/* Simulated DRAM: the registry of normal-world CPU aliases, kept in step with the firewall. */
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

#if RH_HAVE_MEMCHECK_H
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void)(addr), (void)(len))
#endif

#include "emu.h"
#include "internal.h"
#include "hw/physmem-internal.h"

/*
 * Every other normal-world CPU mapping of DRAM is an alias: a MAP_SHARED
 * mapping of the memfd at the page's offset, made and registered here
 * (rh_phys_map_alias(), src/internal.h). Protecting a range changes the
 * normal view and every registered alias of its pages, as the TZASC stands
 * behind whatever virtual address the MMU translates to them.
 *
 * The registry has two readers. The writers (map, unmap, protect) run
 * under alias_lock and index the aliases by host address and by PA (red-
 * black trees). The CPU fault handler runs in signal context and must not
 * lock: it walks alias_list, a list that is only ever published to with
 * release stores. A published alias is never changed; a split or trimmed
 * one is replaced by new nodes, and a removed node is freed only once no
 * handler is walking (alias_readers back to 0, an RCU grace period in
 * miniature). Faults are rare, so writers practically never wait.
 */

static int alias_addr_cmp(const struct phys_alias *a, const struct phys_alias *b)
{
	return a->start < b->start ? -1 : a->start > b->start;
}

/* By PA, then address: several aliases may map the same pages. */
static int alias_pa_cmp(const struct phys_alias *a, const struct phys_alias *b)
{
	if (a->pa != b->pa)
		return a->pa < b->pa ? -1 : 1;
	return alias_addr_cmp(a, b);
}

/* RB_GENERATE_STATIC needs __unused, which libbsd's cdefs.h leaves undefined. */
#define ALIAS_RB_ATTR __attribute__((unused)) static
RB_GENERATE_INTERNAL(alias_addr_tree, phys_alias, by_addr, alias_addr_cmp, ALIAS_RB_ATTR)
RB_GENERATE_INTERNAL(alias_pa_tree, phys_alias, by_pa, alias_pa_cmp, ALIAS_RB_ATTR)


static uint64_t alias_len(const struct phys_alias *a)
{
	return a->end - a->start;
}

/* Does [@start, @start + @len) overlap [@p, @p + @size)? */
static bool host_overlap(uintptr_t start, size_t len, const void *p, uint64_t size)
{
	uintptr_t s = (uintptr_t)p;

	return start < s + size && s < start + len;
}

/*
 * An alias's host range: page aligned, not empty, not wrapping, and never
 * over the views themselves (MAP_FIXED there would hand the normal world
 * the secure view's addresses, or unmap DRAM under the secure world).
 */
static int alias_range_check(const struct rh_physmem *pm, uintptr_t start,
			     size_t len)
{
	if (!start || !len || !RH_IS_ALIGNED(start, RH_PAGE_SIZE) ||
	    !RH_IS_ALIGNED(len, RH_PAGE_SIZE) || start > UINTPTR_MAX - len)
		return -EINVAL;
	if (host_overlap(start, len, pm->normal, pm->size) ||
	    host_overlap(start, len, pm->secure, pm->size)) {
		EMSG(pm->plat, "physmem: refusing a CPU mapping over DRAM's own views");
		return -EINVAL;
	}
	return 0;
}

/* The first alias (by address) that ends after @lo, or NULL. */
static struct phys_alias *alias_addr_first(struct rh_physmem *pm, uintptr_t lo)
{
	struct phys_alias key = { .start = lo }, *a, *prev;

	a = RB_NFIND(alias_addr_tree, &pm->aliases_by_addr, &key);
	prev = a ? RB_PREV(alias_addr_tree, &pm->aliases_by_addr, a) :
		   RB_MAX(alias_addr_tree, &pm->aliases_by_addr);
	/* Aliases never overlap: only the one before may reach into lo. */
	return prev && prev->end > lo ? prev : a;
}

/* The first alias (by PA) that may map a page at or after @lo. */
static struct phys_alias *alias_pa_first(struct rh_physmem *pm, rh_phys_addr_t lo)
{
	struct phys_alias key = { .start = 0 };
	uint64_t back = lo - pm->base;

	/* An alias that reaches lo starts at most alias_max_len before it. */
	key.pa = lo - (back < pm->alias_max_len ? back : pm->alias_max_len);
	return RB_NFIND(alias_pa_tree, &pm->aliases_by_pa, &key);
}

/*
 * Nodes alias_replace() will need for [@lo, @hi): one for the part of an
 * alias left below @lo, one for the part above @hi (two for an alias that
 * holds the whole range).
 */
static unsigned int alias_split_need(struct rh_physmem *pm, uintptr_t lo,
				     uintptr_t hi)
{
	struct phys_alias *a = alias_addr_first(pm, lo), *last = NULL;
	unsigned int need = 0;

	if (a && a->start < lo)
		need++;
	for (; a && a->start < hi; a = RB_NEXT(alias_addr_tree, &pm->aliases_by_addr, a))
		last = a;
	if (last && last->end > hi)
		need++;
	return need;
}

/* Nodes allocated before a mapping changes, so that no bookkeeping can fail after it. */
struct alias_spares {
	struct phys_alias *node[3];
	unsigned int nr;
};

static int spares_get(struct alias_spares *sp, unsigned int nr)
{
	sp->nr = 0;
	while (sp->nr < nr) {
		sp->node[sp->nr] = rh_zalloc(sizeof(*sp->node[0]));
		if (!sp->node[sp->nr])
			return -ENOMEM;
		sp->nr++;
	}
	return 0;
}

static struct phys_alias *spares_take(struct alias_spares *sp)
{
	return sp->node[--sp->nr];
}

static void spares_put(struct alias_spares *sp)
{
	while (sp->nr)
		rh_free(sp->node[--sp->nr]);
}

/* Publish @a: trees for the writers, then the head of alias_list for the handler. */
static void alias_link(struct rh_physmem *pm, struct phys_alias *a)
{
	struct phys_alias *head = atomic_load_explicit(&pm->alias_list, memory_order_relaxed);

	RB_INSERT(alias_addr_tree, &pm->aliases_by_addr, a);
	RB_INSERT(alias_pa_tree, &pm->aliases_by_pa, a);
	a->prev = NULL;
	atomic_store_explicit(&a->next, head, memory_order_relaxed);
	if (head)
		head->prev = a;
	/* Release: a handler that finds the node sees its fields. */
	atomic_store_explicit(&pm->alias_list, a, memory_order_release);
	pm->nr_aliases++;
	if (alias_len(a) > pm->alias_max_len)
		pm->alias_max_len = alias_len(a);
}

/*
 * Unpublish @a and queue it on @dead; a handler still on it can go on
 * walking (its next pointer is left alone) until the grace period ends.
 */
static void alias_unlink(struct rh_physmem *pm, struct phys_alias *a,
			 struct phys_alias **dead)
{
	struct phys_alias *next = atomic_load_explicit(&a->next, memory_order_relaxed);

	RB_REMOVE(alias_addr_tree, &pm->aliases_by_addr, a);
	RB_REMOVE(alias_pa_tree, &pm->aliases_by_pa, a);
	/* seq_cst, paired with the handler's count in rh_physmem_cpu_lookup() */
	if (a->prev)
		atomic_store_explicit(&a->prev->next, next, memory_order_seq_cst);
	else
		atomic_store_explicit(&pm->alias_list, next, memory_order_seq_cst);
	if (next)
		next->prev = a->prev;
	pm->nr_aliases--;
	a->free_next = *dead;
	*dead = a;
}

/*
 * Frees the nodes unlinked by alias_unlink() once no fault handler walks
 * the list (synchronize_rcu() in miniature). Called without alias_lock.
 */
static void alias_free_dead(struct rh_physmem *pm, struct phys_alias *dead)
{
	struct phys_alias *next;

	if (!dead)
		return;
	while (atomic_load_explicit(&pm->alias_readers, memory_order_seq_cst))
		sched_yield();
	for (; dead; dead = next) {
		next = dead->free_next;
		rh_free(dead);
	}
}

/*
 * [@lo, @hi) of the host no longer holds what the registry says (unmapped
 * or mapped over): drop every alias inside it and keep the parts of those
 * that stick out, as new nodes from @sp (alias_split_need() of them).
 */
static void alias_replace(struct rh_physmem *pm, uintptr_t lo, uintptr_t hi,
			  struct alias_spares *sp, struct phys_alias **dead)
{
	struct phys_alias *a = alias_addr_first(pm, lo), *next, *part;
	struct phys_alias *keep[2];
	unsigned int nr_keep = 0, i;

	for (; a && a->start < hi; a = next) {
		next = RB_NEXT(alias_addr_tree, &pm->aliases_by_addr, a);
		if (a->start < lo) {
			part = spares_take(sp);
			*part = (struct phys_alias){ .start = a->start, .end = lo,
						     .pa = a->pa, .prot = a->prot };
			keep[nr_keep++] = part;
		}
		if (a->end > hi) {
			part = spares_take(sp);
			*part = (struct phys_alias){ .start = hi, .end = a->end,
						     .pa = a->pa + (hi - a->start),
						     .prot = a->prot };
			keep[nr_keep++] = part;
		}
		alias_unlink(pm, a, dead);
	}
	for (i = 0; i < nr_keep; i++)
		alias_link(pm, keep[i]);
}

/*
 * Shut [@addr, @addr + @len) of an alias: an anonymous PROT_NONE mapping
 * of our own, in one call, so that no access ever gets through during the
 * change. No DRAM stays behind a protected page of an alias, so whoever
 * mprotect()s it open again finds zeros, not the secure world's data;
 * mapping over the range (MAP_FIXED) rather than mprotect()ing it also
 * means that, should the range's owner have unmapped it behind our back
 * and someone else mapped it since, we take it back instead of changing
 * the protection of memory that is not ours (documented rule: the range
 * is the library's, as a vma is the kernel's); and it drops the alias's
 * PTEs, what MADV_DONTNEED does for the normal view. valgrind's memcheck
 * marks a PROT_NONE mmap unaddressable and would report each trapped
 * access as an error of its own: told the range is defined, it lets the
 * access run into the real fault, as it does for the normal view's
 * mprotect.
 */
static int alias_close(uintptr_t addr, size_t len)
{
	if (mmap((void *)addr, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED)
		return -errno;
	(void)VALGRIND_MAKE_MEM_DEFINED((void *)addr, len);
	return 0;
}

/* Map DRAM at @pa into [@addr, @addr + @len) with @prot, over whatever is there. */
static int alias_open(const struct rh_physmem *pm, uintptr_t addr, rh_phys_addr_t pa,
		      size_t len, int prot)
{
	if (mmap((void *)addr, len, prot, MAP_SHARED | MAP_FIXED, pm->fd,
		 (off_t)(pa - pm->base)) == MAP_FAILED)
		return -errno;
	return 0;
}

/*
 * Give the host range of PAs [@lo, @hi) of an alias mapping @pa at @start
 * (own protection @prot) what the fw_prot bits call for, run by run:
 * closed where protected, DRAM with @prot elsewhere.
 */
static int alias_apply(const struct rh_physmem *pm, uintptr_t start, rh_phys_addr_t pa,
		       int prot, rh_phys_addr_t lo, rh_phys_addr_t hi)
{
	uint64_t page = (lo - pm->base) >> RH_PAGE_SHIFT;
	uint64_t end = (hi - pm->base) >> RH_PAGE_SHIFT, n;
	rh_phys_addr_t run_pa;
	uintptr_t addr;
	size_t len;
	bool set;
	int ret;

	for (; page < end; page += n) {
		n = fw_prot_run(pm, page, end - page, &set);
		run_pa = pm->base + (page << RH_PAGE_SHIFT);
		addr = start + (uintptr_t)(run_pa - pa);
		len = (size_t)(n << RH_PAGE_SHIFT);
		ret = set ? alias_close(addr, len) : alias_open(pm, addr, run_pa, len, prot);
		if (ret)
			return ret;
	}
	return 0;
}

/* alias_apply() on the part of registered alias @a inside [@lo, @hi). */
static int alias_apply_part(const struct rh_physmem *pm, const struct phys_alias *a,
			    rh_phys_addr_t lo, rh_phys_addr_t hi)
{
	if (lo < a->pa)
		lo = a->pa;
	if (hi > a->pa + alias_len(a))
		hi = a->pa + alias_len(a);
	return alias_apply(pm, a->start, a->pa, a->prot, lo, hi);
}

int rh_physmem_map_alias(struct rh_physmem *pm, void *addr, rh_phys_addr_t pa,
			 size_t len, int prot)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + len;
	struct alias_spares sp = { .nr = 0 };
	struct phys_alias *a, *dead = NULL;
	bool registered = true;
	int ret;

	if (!pm || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	ret = alias_range_check(pm, lo, len);
	if (ret)
		return ret;
	ret = physmem_page_range(pm, pa, len);
	if (ret)
		return ret;

	pthread_mutex_lock(&pm->alias_lock);
	ret = spares_get(&sp, 1 + alias_split_need(pm, lo, hi));
	if (ret)
		goto out_unlock;
	/*
	 * Under alias_lock no range can be protected or released meanwhile,
	 * so the alias comes out with the protection it must have, page by
	 * page, and never reaches a protected page. The usual case, nothing
	 * protected, is one mmap; a failure there maps nothing new.
	 */
	if (!bits_test_any(pm, pm->fw_prot, pa, len)) {
		ret = alias_open(pm, lo, pa, len, prot);
		if (ret)
			goto out_unlock;
	} else {
		ret = alias_apply(pm, lo, pa, prot, pa, pa + len);
		/*
		 * Half done: make the range a plain reservation again. Should
		 * even that fail, keep it registered, so that protection keeps
		 * reaching whatever DRAM is mapped there.
		 */
		if (ret && mmap(addr, len, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
				0) != MAP_FAILED)
			registered = false;
	}
	alias_replace(pm, lo, hi, &sp, &dead);
	if (registered) {
		a = spares_take(&sp);
		*a = (struct phys_alias){ .start = lo, .end = hi, .pa = pa, .prot = prot };
		alias_link(pm, a);
	}
out_unlock:
	pthread_mutex_unlock(&pm->alias_lock);
	spares_put(&sp);
	alias_free_dead(pm, dead);
	return ret;
}

int rh_physmem_unmap_alias(struct rh_physmem *pm, void *addr, size_t len)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + len;
	struct alias_spares sp = { .nr = 0 };
	struct phys_alias *dead = NULL;
	int ret;

	if (!pm)
		return -EINVAL;
	ret = alias_range_check(pm, lo, len);
	if (ret)
		return ret;

	pthread_mutex_lock(&pm->alias_lock);
	ret = spares_get(&sp, alias_split_need(pm, lo, hi));
	if (ret)
		goto out_unlock;
	/* Unmapped before unregistered: a failure leaves both as they were. */
	if (munmap(addr, len) < 0) {
		ret = -errno;
		goto out_unlock;
	}
	alias_replace(pm, lo, hi, &sp, &dead);
out_unlock:
	pthread_mutex_unlock(&pm->alias_lock);
	spares_put(&sp);
	alias_free_dead(pm, dead);
	return ret;
}

size_t rh_physmem_nr_aliases(struct rh_physmem *pm)
{
	size_t n;

	pthread_mutex_lock(&pm->alias_lock);
	n = pm->nr_aliases;
	pthread_mutex_unlock(&pm->alias_lock);
	return n;
}

bool rh_physmem_cpu_lookup(struct rh_physmem *pm, const void *addr,
			   struct rh_phys_cpu_map *ret_map)
{
	uintptr_t p = (uintptr_t)addr, normal = (uintptr_t)pm->normal;
	struct phys_alias *a;
	bool found = false;

	if (p >= normal && p - normal < pm->size) {
		ret_map->pa = pm->base + (p - normal);
		ret_map->run = (size_t)(pm->size - (p - normal));
		ret_map->prot = PROT_READ | PROT_WRITE;
		ret_map->fw_protected = page_fw_protected(pm, (p - normal) >> RH_PAGE_SHIFT);
		return true;
	}
	/*
	 * The count keeps every node we may reach alive; seq_cst so that a
	 * writer that unlinked a node and then reads 0 knows we cannot reach
	 * it (both sides are in the single total order).
	 */
	atomic_fetch_add_explicit(&pm->alias_readers, 1, memory_order_seq_cst);
	for (a = atomic_load_explicit(&pm->alias_list, memory_order_seq_cst); a;
	     a = atomic_load_explicit(&a->next, memory_order_seq_cst)) {
		if (p < a->start || p >= a->end)
			continue;
		ret_map->pa = a->pa + (p - a->start);
		ret_map->run = a->end - p;
		ret_map->prot = a->prot;
		ret_map->fw_protected =
			page_fw_protected(pm, (ret_map->pa - pm->base) >> RH_PAGE_SHIFT);
		found = true;
		break;
	}
	atomic_fetch_sub_explicit(&pm->alias_readers, 1, memory_order_release);
	return found;
}

int rh_physmem_aliases_apply(struct rh_physmem *pm, rh_phys_addr_t pa, uint64_t len, bool stop)
{
	struct phys_alias *a;
	int ret = 0, r;

	for (a = alias_pa_first(pm, pa); a && a->pa < pa + len;
	     a = RB_NEXT(alias_pa_tree, &pm->aliases_by_pa, a)) {
		if (a->pa + alias_len(a) <= pa)
			continue;
		r = alias_apply_part(pm, a, pa, pa + len);
		if (r && !ret)
			ret = r;
		if (ret && stop)
			return ret;
	}
	return ret;
}

void rh_physmem_aliases_free(struct rh_physmem *pm)
{
	struct phys_alias *a, *next;

	for (a = RB_MIN(alias_addr_tree, &pm->aliases_by_addr); a; a = next) {
		next = RB_NEXT(alias_addr_tree, &pm->aliases_by_addr, a);
		rh_free(a);
	}
}
