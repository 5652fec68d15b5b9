// SPDX-License-Identifier: MIT
/* The secure OS's protected memory: lend, reclaim, scrub, holds (configuration: protmem-dt.c). */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include <rheap/device.h>
#include <rheap/firewall.h>
#include <rheap/phys.h>
#include <rheap/secure-stats.h>
#include <rheap/tee-backend.h>
#include <rheap/tee-protmem.h>

#include "emu.h"
#include "internal.h"
#include "optee/msg.h"
#include "optee/protmem.h"
#include "optee/protmem-internal.h"
#include "optee/tee-core.h"
#include "optee/tee.h"
#include "trace/sim.h"
#include "trace/trace.h"

/*
 * What OP-TEE's core does for Linux 6.18's protected heaps (optee_os:
 * core/tee/entry_std.c lend_protmem() / reclaim_protmem() /
 * get_protmem_config(), core/mm/mobj protmem objects, the platform's
 * plat_get_protmem_config() and plat_set_protmem_range()):
 *
 * - each use case the platform serves has a configuration: the minimum
 *   size and alignment of a lend and the bus masters allowed to reach it
 *   (here from the device tree, where OP-TEE has it compiled in);
 * - LEND_PROTMEM turns a range the normal world hands over into protected
 *   memory of a use case: one firewall region admits only the use case's
 *   masters, each of which gets a secure window over the range and holds
 *   secure mode while it is lent; the normal world's view is gone;
 * - RECLAIM_PROTMEM gives it back: windows and secure mode first, then
 *   every page anything in the secure world wrote is scrubbed, then the
 *   firewall region goes;
 * - a use case may instead be served by a static carveout, protected from
 *   boot (OPTEE_SMC_GET_PROTMEM_CONFIG reports it), its masters likewise
 *   secure and mapped for good;
 * - TA calls name protected memory by lend cookie (an rmem) or by
 *   physical address (a tmem); each such memref holds its range until the
 *   call returns, and a TA may keep holding it: a reclaim of held memory
 *   answers BUSY (mobj_protmem_release_by_cookie() refuses a mobj still
 *   referenced).
 *
 * The secure world trusts nothing of a lend but what it checks: the use
 * case, alignment and minimum size, that the range is DRAM no protected
 * or secure range overlaps, that the cookie is new, and -- as the MTK
 * secure-memory TA does for its CMA region -- that the normal world's own
 * record says its TEE driver really handed the range over
 * (rh_platform_region_lent_to()), so nobody can make it take memory Linux
 * still uses.
 *
 * The configuration is read from the device tree at boot (protmem-dt.c).
 *
 * Locking: pm->lock covers the configuration, the regions and the
 * counters; lends and reclaims (rare: one per pool cycle) run whole under
 * it, firewall and device calls included, which take only their own locks.
 */

/* OP-TEE answers sizeof(long) * 8 for the physical address width. */
#define PROTMEM_PA_WIDTH 64
/* Pages checked for secure writes at a time when scrubbing. */
#define SCRUB_CHUNK (64 * RH_PAGE_SIZE)

static const char *const use_case_names[PROTMEM_NR_USE_CASES] = {
	[RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_PLAY] = "secure-video",
	[RH_OPTEE_MSG_PROTMEM_TRUSTED_UI] = "trusted-ui",
	[RH_OPTEE_MSG_PROTMEM_SECURE_VIDEO_RECORD] = "secure-video-record",
};

static struct rh_protmem *protmem_of(struct rh_tee_emu *emu)
{
	return emu && emu->plat ? emu->plat->protmem : NULL;
}

/* ------------------------------------------------------------ ranges */

static uint64_t use_case_bytes(const struct rh_protmem *pm, uint32_t use_case)
{
	uint64_t bytes = 0;
	unsigned int i;

	for (i = 0; i < RH_ARRAY_SIZE(pm->regions); i++)
		if (pm->regions[i].in_use && pm->regions[i].use_case == use_case)
			bytes += pm->regions[i].size;
	return bytes;
}

/* Drop what protect_range() set up, from @nr_windows masters on down. */
static void unprotect_masters(struct rh_protmem *pm, const struct protmem_use_case *uc,
			      const struct protmem_region *r, unsigned int nr)
{
	while (nr--) {
		struct rh_device *dev = uc->masters[nr].dev;

		rh_firewall_window_remove(pm->plat->firewall, rh_device_master_id(dev),
					  r->win_cookie);
		rh_emu_device_secure_put(pm->plat, dev);
	}
}

/*
 * Protect @r for its use case: one firewall region admitting the use
 * case's masters (the normal view goes), a secure window each, and one
 * reference on each master's secure mode. Under pm->lock.
 */
static int protect_range(struct rh_protmem *pm, struct protmem_region *r)
{
	const struct protmem_use_case *uc = &pm->uc[r->use_case];
	unsigned int i;
	int ret;

	ret = rh_physmem_secure_ptr(pm->plat->physmem, r->base, r->size, (void **)&r->sec);
	if (ret)
		return ret;
	do {
		ret = rh_tee_emu_random(pm->plat, &r->win_cookie, sizeof(r->win_cookie));
		if (ret)
			return ret;
	} while (!r->win_cookie);
	ret = rh_firewall_program(pm->plat->firewall, r->base, r->size, uc->fw_masters,
				  &r->fw_index);
	if (ret)
		return ret;
	for (i = 0; i < uc->nr_masters; i++) {
		struct rh_device *dev = uc->masters[i].dev;

		ret = rh_firewall_window_add(pm->plat->firewall, rh_device_master_id(dev),
					     r->base, r->size, r->win_cookie);
		if (ret)
			goto err_unwind;
		ret = rh_emu_device_secure_get(pm->plat, dev);
		if (ret) {
			rh_firewall_window_remove(pm->plat->firewall, rh_device_master_id(dev),
						  r->win_cookie);
			goto err_unwind;
		}
	}
	return 0;

err_unwind:
	unprotect_masters(pm, uc, r, i);
	rh_firewall_clear(pm->plat->firewall, r->fw_index);
	return ret;
}

/*
 * Zero every page of @r the secure side may have written (physmem's
 * written bits: DMA of the masters, TA output memrefs); the rest still
 * holds what the normal world left there before the lend.
 */
static uint64_t scrub_range(struct rh_protmem *pm, const struct protmem_region *r)
{
	uint64_t off, n, bytes = 0;

	for (off = 0; off < r->size; off += n) {
		n = r->size - off < SCRUB_CHUNK ? r->size - off : SCRUB_CHUNK;
		if (!rh_physmem_test_written(pm->plat->physmem, r->base + off, n))
			continue;
		/* Bits first: a write landing after them is seen by the next scrub. */
		rh_physmem_clear_written(pm->plat->physmem, r->base + off, n);
		memset(r->sec + off, 0, n);
		rh_sim_charge(pm->plat, RH_SIM_SECURE_ZERO, n);
		bytes += n;
	}
	return bytes;
}

/* Give @r back: masters out, scrub, firewall region cleared. Under pm->lock. */
static void release_range(struct rh_protmem *pm, struct protmem_region *r)
{
	const struct protmem_use_case *uc = &pm->uc[r->use_case];
	uint64_t scrubbed;

	unprotect_masters(pm, uc, r, uc->nr_masters);
	scrubbed = scrub_range(pm, r);
	pm->bytes_scrubbed += scrubbed;
	RH_TRACE(pm->plat, RH_TRACE_TA_SCRUB, .name = "optee", .pa = r->base,
		 .size = scrubbed, .msg = use_case_names[r->use_case]);
	rh_firewall_clear(pm->plat->firewall, r->fw_index);
	memset(r, 0, sizeof(*r));
}

/* The in-use region of @cookie (never the carveout); under pm->lock. */
static struct protmem_region *region_by_cookie(struct rh_protmem *pm, uint64_t cookie)
{
	unsigned int i;

	for (i = 1; i < RH_ARRAY_SIZE(pm->regions) && cookie; i++)
		if (pm->regions[i].in_use && pm->regions[i].cookie == cookie)
			return &pm->regions[i];
	return NULL;
}

/* The in-use region holding all of [@pa, @pa + @size); under pm->lock. */
static struct protmem_region *region_by_pa(struct rh_protmem *pm, uint64_t pa,
					   uint64_t size)
{
	struct protmem_region *r;
	unsigned int i;

	for (i = 0; i < RH_ARRAY_SIZE(pm->regions); i++) {
		r = &pm->regions[i];
		if (r->in_use && pa >= r->base && pa - r->base < r->size &&
		    size <= r->size - (pa - r->base))
			return r;
	}
	return NULL;
}

/* ------------------------------------------------------------ messages */

static struct emu_reply pm_refuse(struct rh_protmem *pm, const char *what, uint32_t res,
				  uint64_t pa, uint64_t size)
{
	pm->refused_lends++;
	EMSG(pm->plat, "protmem: LEND_PROTMEM of 0x%" PRIx64 "+0x%" PRIx64 " refused: %s",
	     pa, size, what);
	return tee_says(res);
}

/* Anything protected, secure or reserved for the TEE that [@pa, +@size) touches. */
static const char *lend_overlap(struct rh_protmem *pm, uint64_t pa, uint64_t size)
{
	const struct rh_platform_desc *desc = &pm->plat->desc;
	unsigned int i;

	for (i = 0; i < RH_ARRAY_SIZE(pm->regions); i++) {
		const struct protmem_region *r = &pm->regions[i];

		if (r->in_use && pa < r->base + r->size && r->base < pa + size)
			return "overlaps protected memory";
	}
	for (i = 0; i < desc->nr_reserved; i++) {
		const struct rh_reserved_region *r = &desc->reserved[i];

		if (r->no_map && pa < r->base + r->size && r->base < pa + size)
			return "overlaps memory reserved for the secure world";
	}
	for (i = 0; i < rh_firewall_nr_regions(pm->plat->firewall); i++) {
		struct rh_fw_region fr;

		if (!rh_firewall_get_region(pm->plat->firewall, i, &fr) && fr.in_use &&
		    pa < fr.base + fr.size && fr.base < pa + size)
			return "overlaps a firewall region";
	}
	return NULL;
}

struct emu_reply rh_emu_cmd_lend_protmem(struct rh_tee_emu *emu, struct rh_emu_msg *msg)
{
	struct rh_protmem *pm = protmem_of(emu);
	uint64_t use_case = msg->params[0].u.value.a;
	uint64_t pa = msg->params[1].u.mem.addr, size = msg->params[1].u.mem.size;
	uint64_t cookie = msg->params[1].u.mem.shm_ref, gran, bytes;
	struct protmem_use_case *uc;
	struct protmem_region *r = NULL;
	struct emu_reply reply;
	const char *why;
	uint32_t lender;
	unsigned int i;
	int ret;
	/* The secure OS's own handling of the message (no TA is entered). */
	rh_sim_charge(emu->plat, RH_SIM_TEE_CMD, 1);

	if (!pm)
		return tee_says(RH_TEEC_ERROR_NOT_SUPPORTED);
	pthread_mutex_lock(&pm->lock);
	uc = valid_use_case(use_case) ? &pm->uc[use_case] : NULL;
	if (!uc || !uc->configured || !uc->dynamic) {
		reply = pm_refuse(pm, "no such use case to lend to", RH_TEEC_ERROR_BAD_PARAMETERS,
				  pa, size);
		goto out_unlock;
	}
	gran = rh_firewall_granularity(pm->plat->firewall);
	if (!RH_IS_ALIGNED(pa | size, gran) || !RH_IS_ALIGNED(pa, uc->alignment)) {
		reply = pm_refuse(pm, "not aligned to what the use case needs",
				  RH_TEEC_ERROR_BAD_PARAMETERS, pa, size);
		goto out_unlock;
	}
	if (size < uc->min_size) {
		reply = pm_refuse(pm, "smaller than the use case's minimum",
				  RH_TEEC_ERROR_BAD_PARAMETERS, pa, size);
		goto out_unlock;
	}
	if (rh_physmem_check(pm->plat->physmem, pa, size)) {
		reply = pm_refuse(pm, "not DRAM", RH_TEEC_ERROR_BAD_PARAMETERS, pa, size);
		goto out_unlock;
	}
	why = lend_overlap(pm, pa, size);
	if (why) {
		reply = pm_refuse(pm, why, RH_TEEC_ERROR_BAD_PARAMETERS, pa, size);
		goto out_unlock;
	}
	if (region_by_cookie(pm, cookie)) {
		reply = pm_refuse(pm, "cookie already lent", RH_TEEC_ERROR_BAD_PARAMETERS,
				  pa, size);
		goto out_unlock;
	}
	/* Only memory the normal world's TEE driver took out of its own use. */
	if (rh_platform_region_lent_to(pm->plat, pa, size, &lender) ||
	    lender != RH_LEND_TEE_DRIVER) {
		reply = pm_refuse(pm, "the normal world did not hand it over",
				  RH_TEEC_ERROR_ACCESS_DENIED, pa, size);
		goto out_unlock;
	}
	for (i = 1; i < RH_ARRAY_SIZE(pm->regions) && !r; i++)
		if (!pm->regions[i].in_use)
			r = &pm->regions[i];
	if (!r) {
		reply = pm_refuse(pm, "too many lends", RH_TEEC_ERROR_OUT_OF_MEMORY, pa, size);
		goto out_unlock;
	}
	r->use_case = (uint32_t)use_case;
	r->cookie = cookie;
	r->base = pa;
	r->size = size;
	ret = protect_range(pm, r);
	if (ret) {
		memset(r, 0, sizeof(*r));
		/* Every firewall region in use, or no memory: the TEE is out of room. */
		reply = pm_refuse(pm, strerror(-ret),
				  ret == -ENOSPC || ret == -ENOMEM ? RH_TEEC_ERROR_OUT_OF_MEMORY :
								     rh_errno_to_tee_result(ret),
				  pa, size);
		goto out_unlock;
	}
	r->in_use = true;
	uc->lends++;
	bytes = use_case_bytes(pm, r->use_case);
	if (bytes > uc->peak_bytes)
		uc->peak_bytes = bytes;
	IMSG(pm->plat, "protmem: %s: 0x%" PRIx64 "+0x%" PRIx64 " lent (cookie 0x%" PRIx64 ")",
	     use_case_names[use_case], pa, size, cookie);
	reply = tee_says(RH_TEEC_SUCCESS);
out_unlock:
	pthread_mutex_unlock(&pm->lock);
	return reply;
}

struct emu_reply rh_emu_cmd_reclaim_protmem(struct rh_tee_emu *emu,
					    struct rh_emu_msg *msg)
{
	struct rh_protmem *pm = protmem_of(emu);
	uint64_t cookie = msg->params[0].u.mem.shm_ref;
	struct protmem_region *r;
	struct emu_reply reply;
	uint32_t use_case;
	/* The secure OS's own handling of the message (no TA is entered). */
	rh_sim_charge(emu->plat, RH_SIM_TEE_CMD, 1);

	if (!pm)
		return tee_says(RH_TEEC_ERROR_NOT_SUPPORTED);
	pthread_mutex_lock(&pm->lock);
	r = region_by_cookie(pm, cookie);
	if (!r) {
		pm->unknown_reclaims++;
		EMSG(pm->plat, "protmem: RECLAIM_PROTMEM: nothing lent under cookie 0x%" PRIx64,
		     cookie);
		reply = tee_says(RH_TEEC_ERROR_ITEM_NOT_FOUND);
	} else if (r->holds) {
		/* A TA still uses it: scrubbing it now would pull it from under the TA. */
		pm->busy_reclaims++;
		EMSG(pm->plat, "protmem: RECLAIM_PROTMEM 0x%" PRIx64 ": %u hold(s) on it",
		     cookie, r->holds);
		reply = tee_says(RH_TEEC_ERROR_BUSY);
	} else {
		use_case = r->use_case;
		release_range(pm, r);
		pm->uc[use_case].reclaims++;
		IMSG(pm->plat, "protmem: %s: cookie 0x%" PRIx64 " scrubbed and reclaimed",
		     use_case_names[use_case], cookie);
		reply = tee_says(RH_TEEC_SUCCESS);
	}
	pthread_mutex_unlock(&pm->lock);
	return reply;
}

struct emu_reply rh_emu_cmd_get_protmem_config(struct rh_tee_emu *emu, void *buf,
					       struct rh_emu_msg *msg)
{
	struct rh_protmem *pm = protmem_of(emu);
	struct rh_emu_msg_param *p = msg->params;
	uint64_t use_case = p[0].u.value.a, need;
	const struct protmem_use_case *uc;
	uint32_t res, attr;
	unsigned int i;
	/* The secure OS's own handling of the message (no TA is entered). */
	rh_sim_charge(emu->plat, RH_SIM_TEE_CMD, 1);

	if (!pm)
		return tee_says(RH_TEEC_ERROR_NOT_SUPPORTED);
	/* The attribute buffer: registered normal memory, or a NULL query. */
	pthread_mutex_lock(&emu->lock);
	res = rh_emu_msg_resolve(msg, rh_emu_shm_lookup, emu);
	pthread_mutex_unlock(&emu->lock);
	if (res)
		return rh_emu_refused(emu, msg, res);

	pthread_mutex_lock(&pm->lock);
	pm->configs++;
	if (!valid_use_case(use_case)) {
		res = RH_TEEC_ERROR_BAD_PARAMETERS;
		goto out_unlock;
	}
	uc = &pm->uc[use_case];
	/* Served by the carveout or not at all: nothing to lend for it. */
	if (!uc->configured || !uc->dynamic) {
		res = RH_TEEC_ERROR_NOT_SUPPORTED;
		goto out_unlock;
	}
	need = (uint64_t)uc->nr_masters * sizeof(uint32_t);
	p[0].u.value.a = uc->min_size;
	p[0].u.value.b = uc->alignment;
	p[0].u.value.c = PROTMEM_PA_WIDTH;
	if (!p[1].u.mem.buf || p[1].u.mem.size < need) {
		res = need ? RH_TEEC_ERROR_SHORT_BUFFER : RH_TEEC_SUCCESS;
	} else {
		for (i = 0; i < uc->nr_masters; i++) {
			attr = htole32(RH_PROTMEM_ATTR(rh_device_master_id(uc->masters[i].dev),
						       uc->masters[i].access));
			memcpy((unsigned char *)p[1].u.mem.buf + i * sizeof(attr), &attr,
			       sizeof(attr));
		}
		res = RH_TEEC_SUCCESS;
	}
	p[1].u.mem.size = need;
	rh_emu_msg_write_outputs(buf, msg);
out_unlock:
	pthread_mutex_unlock(&pm->lock);
	return tee_says(res);
}

int rh_emu_protmem_caps(struct rh_tee_emu *emu, struct rh_tee_protmem_caps *ret_caps)
{
	struct rh_protmem *pm = protmem_of(emu);
	struct rh_tee_protmem_caps caps = { 0 };
	unsigned int i;

	if (pm) {
		caps.pa_width = PROTMEM_PA_WIDTH;
		for (i = 1; i < PROTMEM_NR_USE_CASES; i++) {
			const struct protmem_use_case *uc = &pm->uc[i];

			if (!uc->configured)
				continue;
			if (uc->dynamic) {
				caps.flags |= RH_TEE_PROTMEM_CAP_DYNAMIC;
				continue;
			}
			caps.flags |= RH_TEE_PROTMEM_CAP_STATIC;
			caps.static_use_case = i;
			caps.static_base = uc->base;
			caps.static_size = uc->size;
		}
	}
	*ret_caps = caps;
	return 0;
}

/* ------------------------------------------------------------ holds */

static int hold_region(struct rh_protmem *pm, struct protmem_region *r, uint64_t offs,
		       uint64_t size, bool write, struct rh_emu_prot_ref *ret_ref)
{
	r->holds++;
	ret_ref->region = r;
	ret_ref->buf = r->sec + offs;
	ret_ref->use_case = r->use_case;
	/* What a TA writes there is scrubbed when the range goes back. */
	if (write && size)
		rh_physmem_mark_written(pm->plat->physmem, r->base + offs, size);
	return 0;
}

int rh_emu_protmem_by_cookie(void *data, uint64_t cookie, uint64_t offs,
			     uint64_t size, bool write, struct rh_emu_prot_ref *ret_ref)
{
	struct rh_protmem *pm = protmem_of(data);
	struct protmem_region *r;
	uint64_t end;
	int ret = -ENOENT;

	if (!pm)
		return -ENOENT;
	pthread_mutex_lock(&pm->lock);
	r = region_by_cookie(pm, cookie);
	if (r)
		ret = __builtin_add_overflow(offs, size, &end) || end > r->size ? -ERANGE :
			hold_region(pm, r, offs, size, write, ret_ref);
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

int rh_emu_protmem_by_pa(void *data, uint64_t pa, uint64_t size, bool write,
			 struct rh_emu_prot_ref *ret_ref)
{
	struct rh_protmem *pm = protmem_of(data);
	struct protmem_region *r;
	int ret = -ENOENT;

	if (!pm)
		return -ENOENT;
	pthread_mutex_lock(&pm->lock);
	r = region_by_pa(pm, pa, size);
	if (r)
		ret = hold_region(pm, r, pa - r->base, size, write, ret_ref);
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

/* Drops one hold of @region, which must be one of @pm's regions. */
static void put_region(struct rh_protmem *pm, void *region)
{
	struct protmem_region *r = region;

	pthread_mutex_lock(&pm->lock);
	if (r < pm->regions || r >= pm->regions + RH_ARRAY_SIZE(pm->regions) ||
	    !r->in_use || !r->holds)
		EMSG(pm->plat, "protmem: release of protected memory that is not held");
	else
		r->holds--;
	pthread_mutex_unlock(&pm->lock);
}

void rh_emu_protmem_put(void *data, void *region)
{
	struct rh_protmem *pm = protmem_of(data);

	if (pm && region)
		put_region(pm, region);
}

int rh_ta_protmem_hold(struct rh_ta_ctx *ctx, const struct rh_ta_param *p,
		       void **ret_hold)
{
	struct rh_platform *plat = rh_ta_get_platform(ctx);
	struct rh_protmem *pm = plat ? plat->protmem : NULL;
	const unsigned char *buf;
	struct protmem_region *r;
	unsigned int i;
	int ret = -EINVAL;

	if (!pm || !p || !ret_hold || !p->u.memref.prot || !p->u.memref.buffer ||
	    p->type < RH_TA_PARAM_MEMREF_INPUT || p->type > RH_TA_PARAM_MEMREF_INOUT)
		return -EINVAL;
	buf = p->u.memref.buffer;
	pthread_mutex_lock(&pm->lock);
	for (i = 0; i < RH_ARRAY_SIZE(pm->regions); i++) {
		r = &pm->regions[i];
		if (r->in_use && buf >= r->sec && (uint64_t)(buf - r->sec) < r->size &&
		    p->u.memref.size <= r->size - (uint64_t)(buf - r->sec)) {
			r->holds++;
			*ret_hold = r;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

void rh_ta_protmem_release(struct rh_ta_ctx *ctx, void *hold)
{
	struct rh_platform *plat = rh_ta_get_platform(ctx);

	if (plat && plat->protmem && hold)
		put_region(plat->protmem, hold);
}

/* ------------------------------------------------------------ statistics */

RH_EXPORT int rh_protmem_get_stats(struct rh_platform *plat, uint32_t use_case,
				   struct rh_protmem_stats *ret_stats)
{
	struct rh_protmem_stats st;
	struct rh_protmem *pm;
	unsigned int i;

	if (!plat || !ret_stats || use_case >= PROTMEM_NR_USE_CASES)
		return -EINVAL;
	pm = plat->protmem;
	if (!pm)
		return -ENODEV;
	memset(&st, 0, sizeof(st));
	pthread_mutex_lock(&pm->lock);
	for (i = 1; i < PROTMEM_NR_USE_CASES; i++) {
		const struct protmem_use_case *uc = &pm->uc[i];

		if (use_case && i != use_case)
			continue;
		st.configured |= uc->configured;
		st.masters += uc->nr_masters;
		st.peak_bytes += uc->peak_bytes;
		st.lends += uc->lends;
		st.reclaims += uc->reclaims;
		if (use_case) {
			st.dynamic = uc->dynamic;
			st.min_size = uc->min_size;
			st.alignment = uc->alignment;
		}
	}
	for (i = 0; i < RH_ARRAY_SIZE(pm->regions); i++) {
		const struct protmem_region *r = &pm->regions[i];

		if (!r->in_use || (use_case && r->use_case != use_case))
			continue;
		st.ranges++;
		st.bytes += r->size;
		st.held += r->holds;
	}
	st.refused_lends = pm->refused_lends;
	st.busy_reclaims = pm->busy_reclaims;
	st.unknown_reclaims = pm->unknown_reclaims;
	st.bytes_scrubbed = pm->bytes_scrubbed;
	st.configs = pm->configs;
	pthread_mutex_unlock(&pm->lock);
	*ret_stats = st;
	return 0;
}

/* ------------------------------------------------------------ boot */

bool rh_protmem_dump_allowed(struct rh_platform *plat)
{
	return plat && plat->protmem && plat->protmem->dump_allowed;
}

static void protmem_free(struct rh_protmem *pm)
{
	pthread_mutex_destroy(&pm->lock);
	rh_free(pm);
}

int rh_protmem_init(struct rh_platform *plat)
{
	struct protmem_region *r;
	struct rh_protmem *pm;
	unsigned int i;
	int ret;

	pm = rh_zalloc(sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	pm->plat = plat;
	pthread_mutex_init(&pm->lock, NULL);
	ret = rh_protmem_dt_parse(pm);
	if (ret)
		goto err_free;
	for (i = 1; i < PROTMEM_NR_USE_CASES; i++)
		if (pm->uc[i].configured)
			break;
	if (i == PROTMEM_NR_USE_CASES) {
		/* No protected memory on this platform: nothing to serve. */
		protmem_free(pm);
		return 0;
	}
	for (i = 1; i < PROTMEM_NR_USE_CASES; i++) {
		if (!pm->uc[i].configured || pm->uc[i].dynamic)
			continue;
		/* The carveout is protected memory from boot, for good. */
		r = &pm->regions[0];
		r->use_case = i;
		r->base = pm->uc[i].base;
		r->size = pm->uc[i].size;
		ret = protect_range(pm, r);
		if (ret) {
			EMSG(plat, "protmem: %s: cannot protect the carveout 0x%" PRIx64 "+0x%" PRIx64
			     ": %s", use_case_names[i], r->base, r->size, strerror(-ret));
			goto err_free;
		}
		r->in_use = true;
		pm->uc[i].peak_bytes = r->size;
	}
	plat->protmem = pm;
	return 0;

err_free:
	protmem_free(pm);
	return ret;
}

void rh_protmem_fini(struct rh_platform *plat)
{
	struct rh_protmem *pm = plat->protmem;
	unsigned int i;

	if (!pm)
		return;
	pthread_mutex_lock(&pm->lock);
	for (i = 0; i < RH_ARRAY_SIZE(pm->regions); i++) {
		struct protmem_region *r = &pm->regions[i];

		if (!r->in_use)
			continue;
		if (r->cookie)
			EMSG(plat, "protmem: %s: 0x%" PRIx64 "+0x%" PRIx64
			     " still lent at shutdown: scrubbed and released",
			     use_case_names[r->use_case], r->base, r->size);
		release_range(pm, r);
	}
	pthread_mutex_unlock(&pm->lock);
	plat->protmem = NULL;
	protmem_free(pm);
}
