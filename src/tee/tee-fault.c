// SPDX-License-Identifier: MIT
/* Fault-injecting TEE backend wrapper: fail the N-th matching call or make the TA panic. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <rheap/tee-backend.h>
#include <rheap/tee.h>

#include "internal.h"

/*
 * Mirrors the kernel's fail-nth idea (Documentation/fault-injection) one
 * level up: instead of an allocation, the N-th TEE call that matches a
 * filter fails, so a test can sweep N = 1, 2, ... over an operation and
 * check that every failure is reported and nothing leaks.
 */

struct rh_tee_fault {
	struct rh_platform *plat;
	const struct rh_tee_ops *inner;
	void *inner_priv;
	pthread_mutex_t lock;
	struct rh_tee_fault_spec spec;
	atomic_uint matched;
	atomic_uint fired;
};

static bool spec_matches(const struct rh_tee_fault_spec *spec,
			 const struct rh_optee_msg_arg *msg)
{
	if (spec->cmd_mask &&
	    (msg->cmd >= 32 || !(spec->cmd_mask & RH_TEE_FAULT_CMD(msg->cmd))))
		return false;
	if (spec->match_func &&
	    (msg->cmd != RH_OPTEE_MSG_CMD_INVOKE_COMMAND || msg->func != spec->func))
		return false;
	/*
	 * Only these enter a TA's open_session or invoke: for a shm message
	 * ta_panic_next(0) would arm the next OPEN_SESSION instead, a panic
	 * nobody asked for that outlives the spec.
	 */
	if (spec->action == RH_TEE_FAULT_PANIC &&
	    msg->cmd != RH_OPTEE_MSG_CMD_OPEN_SESSION &&
	    msg->cmd != RH_OPTEE_MSG_CMD_INVOKE_COMMAND)
		return false;
	return true;
}

/* Counts @msg if it matches; returns true when this call must fail. */
static bool should_fail(struct rh_tee_fault *f, const struct rh_optee_msg_arg *msg,
			struct rh_tee_fault_spec *ret_spec)
{
	unsigned int n;
	bool fire = false;

	pthread_mutex_lock(&f->lock);
	if (f->spec.action != RH_TEE_FAULT_NONE && spec_matches(&f->spec, msg)) {
		n = atomic_fetch_add(&f->matched, 1) + 1;
		fire = n == f->spec.nth || (f->spec.sticky && n > f->spec.nth);
		if (fire) {
			atomic_fetch_add(&f->fired, 1);
			*ret_spec = f->spec;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return fire;
}

static int fault_message(void *priv, struct rh_optee_msg_arg *msg, size_t size)
{
	struct rh_tee_fault *f = priv;
	struct rh_tee_fault_spec spec;
	int rc;

	if (!f || !msg || size < sizeof(*msg))
		return -EINVAL;
	if (!should_fail(f, msg, &spec))
		return rh_tee_ops_call(f->inner, f->inner_priv, msg, size);

	rh_info(f->plat, "tee-fault: failing call %u (cmd %u func 0x%x), action %d",
		atomic_load(&f->matched), msg->cmd, msg->func, spec.action);
	switch (spec.action) {
	case RH_TEE_FAULT_PANIC:
		rc = rh_tee_ops_ta_panic_next(f->inner, f->inner_priv,
					      msg->cmd == RH_OPTEE_MSG_CMD_OPEN_SESSION ?
						      0 :
						      msg->session);
		if (rc) {
			rh_err(f->plat, "tee-fault: cannot make the TA of session 0x%x panic: %s",
			       msg->session, strerror(-rc));
			return rc;
		}
		return rh_tee_ops_call(f->inner, f->inner_priv, msg, size);
	case RH_TEE_FAULT_TRANSPORT:
		if (spec.after)
			rh_tee_ops_call(f->inner, f->inner_priv, msg, size);
		return spec.error ? spec.error : -EIO;
	case RH_TEE_FAULT_RESULT:
	default:
		if (spec.after) {
			rc = rh_tee_ops_call(f->inner, f->inner_priv, msg, size);
			if (rc)
				return rc;
		}
		msg->ret = spec.result;
		msg->ret_origin = spec.origin;
		return 0;
	}
}

static int fault_get_version(void *priv, struct rh_tee_ioctl_version_data *ret_vers)
{
	struct rh_tee_fault *f = priv;

	if (!f)
		return -EINVAL;
	return rh_tee_ops_get_version(f->inner, f->inner_priv, ret_vers);
}

static int fault_ta_panic_next(void *priv, uint32_t session)
{
	struct rh_tee_fault *f = priv;

	if (!f)
		return -EINVAL;
	return rh_tee_ops_ta_panic_next(f->inner, f->inner_priv, session);
}

static int fault_protmem_caps(void *priv, struct rh_tee_protmem_caps *ret_caps)
{
	struct rh_tee_fault *f = priv;

	if (!f)
		return -EINVAL;
	/* A fast call, not a message: forwarded, never failed. */
	return rh_tee_ops_protmem_caps(f->inner, f->inner_priv, ret_caps);
}

static const struct rh_tee_ops fault_ops = {
	.version = RH_TEE_OPS_VERSION,
	.get_version = fault_get_version,
	.open_session = fault_message,
	.invoke = fault_message,
	.close_session = fault_message,
	.cancel = fault_message,
	.shm_register = fault_message,
	.shm_unregister = fault_message,
	.ta_panic_next = fault_ta_panic_next,
	.lend_protmem = fault_message,
	.reclaim_protmem = fault_message,
	.get_protmem_config = fault_message,
	.protmem_caps = fault_protmem_caps,
};

RH_EXPORT const struct rh_tee_ops *rh_tee_fault_get_ops(void)
{
	return &fault_ops;
}

RH_EXPORT int rh_tee_fault_new(struct rh_platform *plat,
			       const struct rh_tee_ops *inner, void *inner_priv,
			       struct rh_tee_fault **ret_fault)
{
	struct rh_tee_fault *f;

	if (!inner || inner->version < RH_TEE_OPS_VERSION_MIN ||
	    inner->version > RH_TEE_OPS_VERSION || !ret_fault)
		return -EINVAL;
	f = rh_zalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->plat = plat;
	f->inner = inner;
	f->inner_priv = inner_priv;
	atomic_init(&f->matched, 0);
	atomic_init(&f->fired, 0);
	pthread_mutex_init(&f->lock, NULL);
	*ret_fault = f;
	return 0;
}

RH_EXPORT int rh_tee_fault_arm(struct rh_tee_fault *fault,
			       const struct rh_tee_fault_spec *spec)
{
	static const struct rh_tee_fault_spec disarmed;

	if (!fault)
		return -EINVAL;
	if (!spec)
		spec = &disarmed;
	switch (spec->action) {
	case RH_TEE_FAULT_NONE:
		break;
	case RH_TEE_FAULT_RESULT:
		if (!spec->nth)
			return -EINVAL;
		break;
	case RH_TEE_FAULT_TRANSPORT:
		if (!spec->nth || spec->error > 0)
			return -EINVAL;
		break;
	case RH_TEE_FAULT_PANIC:
		if (!spec->nth || spec->after)
			return -EINVAL;
		if (!fault->inner->ta_panic_next)
			return -EOPNOTSUPP;
		break;
	default:
		return -EINVAL;
	}
	pthread_mutex_lock(&fault->lock);
	fault->spec = *spec;
	atomic_store(&fault->matched, 0);
	atomic_store(&fault->fired, 0);
	pthread_mutex_unlock(&fault->lock);
	return 0;
}

RH_EXPORT unsigned int rh_tee_fault_matched(const struct rh_tee_fault *fault)
{
	return fault ? atomic_load(&fault->matched) : 0;
}

RH_EXPORT unsigned int rh_tee_fault_fired(const struct rh_tee_fault *fault)
{
	return fault ? atomic_load(&fault->fired) : 0;
}

RH_EXPORT void rh_tee_fault_free(struct rh_tee_fault *fault)
{
	if (!fault)
		return;
	pthread_mutex_destroy(&fault->lock);
	rh_free(fault);
}
