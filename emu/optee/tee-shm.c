// SPDX-License-Identifier: MIT
/* Emulated TEE core: registry of normal-world shared memory (REGISTER_SHM/UNREGISTER_SHM). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include <sys/tree.h>

#include "internal.h"
#include "trace/sim.h"
#include "optee/msg.h"
#include "optee/tee-core.h"
#include "optee/tee.h"

struct shm_node {
	RB_ENTRY(shm_node) entry;
	uint64_t cookie;
	void *base;
	uint64_t size;
};

static int shm_cmp(const struct shm_node *a, const struct shm_node *b)
{
	return a->cookie < b->cookie ? -1 : a->cookie > b->cookie;
}

/* RB_GENERATE_STATIC needs __unused, which libbsd's cdefs.h leaves undefined. */
#define SHM_RB_ATTR __attribute__((unused)) static
RB_GENERATE_INTERNAL(shm_tree, shm_node, entry, shm_cmp, SHM_RB_ATTR)

int rh_emu_shm_lookup(void *data, uint64_t cookie, void **ret_base,
		      uint64_t *ret_size)
{
	struct rh_tee_emu *emu = data;
	struct shm_node key, *node;

	key.cookie = cookie;
	node = RB_FIND(shm_tree, &emu->shm, &key);
	if (!node)
		return -ENOENT;
	*ret_base = node->base;
	*ret_size = node->size;
	return 0;
}

/* The non-secure window of rh_tee_emu_set_ns_window() (no window: all). */
static bool ns_range_ok(void *data, uint64_t addr, uint64_t len)
{
	const struct rh_tee_emu *emu = data;

	return !emu->ns_size ||
	       (addr >= emu->ns_base && addr - emu->ns_base <= emu->ns_size &&
		len <= emu->ns_size - (addr - emu->ns_base));
}

struct emu_reply rh_emu_cmd_register_shm(struct rh_tee_emu *emu,
					 struct rh_emu_msg *msg)
{
	struct rh_emu_msg_param *p = &msg->params[0];
	struct shm_node *node;
	const char *why = NULL;
	struct emu_reply r;
	uint64_t base, end;
	uint32_t res;

	if (p->attr & RH_OPTEE_MSG_ATTR_NONCONTIG) {
		/* From here on the buffer is the host range the list describes. */
		res = rh_emu_msg_noncontig_base(msg, 0, ns_range_ok, emu, &base);
		if (res)
			return rh_emu_refused(emu, msg, res);
		if (__builtin_add_overflow(base, p->u.mem.size, &end) ||
		    end - 1 > UINTPTR_MAX) {
			snprintf(msg->why, sizeof(msg->why), "page list range wraps");
			return rh_emu_refused(emu, msg, RH_TEEC_ERROR_BAD_PARAMETERS);
		}
		p->u.mem.addr = base;
	}
	if (!ns_range_ok(emu, p->u.mem.addr, p->u.mem.size)) {
		snprintf(msg->why, sizeof(msg->why),
			 "buffer 0x%llx+0x%llx is not non-secure shared memory",
			 (unsigned long long)p->u.mem.addr,
			 (unsigned long long)p->u.mem.size);
		return rh_emu_refused(emu, msg, RH_TEEC_ERROR_BAD_PARAMETERS);
	}
	node = rh_zalloc(sizeof(*node));
	if (!node)
		return tee_says(RH_TEEC_ERROR_OUT_OF_MEMORY);
	node->cookie = p->u.mem.shm_ref;
	node->base = (void *)(uintptr_t)p->u.mem.addr;
	node->size = p->u.mem.size;

	pthread_mutex_lock(&emu->lock);
	if (emu->nr_shm >= RH_TEE_EMU_MAX_SHM) {
		why = "too many shared buffers";
		r = tee_says(RH_TEEC_ERROR_OUT_OF_MEMORY);
	} else if (RB_INSERT(shm_tree, &emu->shm, node)) {
		why = "cookie already registered";
		r = tee_says(RH_TEEC_ERROR_BAD_PARAMETERS);
	} else {
		emu->nr_shm++;
		r = tee_says(RH_TEEC_SUCCESS);
	}
	pthread_mutex_unlock(&emu->lock);
	/* The trusted OS maps every page of the buffer (optee_os #6731's cost). */
	if (!why)
		rh_sim_charge(emu->plat, RH_SIM_SHM_REGISTER,
			      ((p->u.mem.addr & (RH_PAGE_SIZE - 1)) + p->u.mem.size +
			       RH_PAGE_SIZE - 1) >> RH_PAGE_SHIFT);
	if (why) {
		EMSG(emu->plat, "REGISTER_SHM 0x%llx: %s",
		     (unsigned long long)p->u.mem.shm_ref, why);
		rh_free(node);
	}
	return r;
}

struct emu_reply rh_emu_cmd_unregister_shm(struct rh_tee_emu *emu,
					   struct rh_emu_msg *msg)
{
	struct shm_node key, *node;

	key.cookie = msg->params[0].u.mem.shm_ref;
	pthread_mutex_lock(&emu->lock);
	node = RB_FIND(shm_tree, &emu->shm, &key);
	if (node) {
		RB_REMOVE(shm_tree, &emu->shm, node);
		emu->nr_shm--;
	}
	pthread_mutex_unlock(&emu->lock);
	if (!node) {
		EMSG(emu->plat, "UNREGISTER_SHM: unknown cookie 0x%llx",
		     (unsigned long long)key.cookie);
		return tee_says(RH_TEEC_ERROR_BAD_PARAMETERS);
	}
	rh_free(node);
	return tee_says(RH_TEEC_SUCCESS);
}

void rh_emu_shm_free_all(struct rh_tee_emu *emu)
{
	struct shm_node *node, *next;

	RB_FOREACH_SAFE(node, shm_tree, &emu->shm, next) {
		RB_REMOVE(shm_tree, &emu->shm, node);
		rh_free(node);
	}
}

int rh_tee_emu_set_ns_window(struct rh_tee_emu *emu, const void *base,
			     size_t size)
{
	if (!emu || (size && !base) ||
	    (size && (uintptr_t)base + size < (uintptr_t)base))
		return -EINVAL;
	pthread_mutex_lock(&emu->lock);
	emu->ns_base = (uintptr_t)base;
	emu->ns_size = size;
	pthread_mutex_unlock(&emu->lock);
	return 0;
}
