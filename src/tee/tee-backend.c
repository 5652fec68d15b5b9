// SPDX-License-Identifier: MIT
/* The pluggable TEE backend: versioned ops dispatch and the platform's backend selection. */
#include "config.h"

#include <errno.h>
#include <pthread.h>

#include <rheap/tee-backend.h>
#include <rheap/tee.h>

#include "internal.h"
#include "tee/optee/optee.h"

static bool ops_usable(const struct rh_tee_ops *ops)
{
	return ops && ops->version >= RH_TEE_OPS_VERSION_MIN &&
	       ops->version <= RH_TEE_OPS_VERSION;
}

/* A version-1 table ends before the protected-memory methods: never read them. */
static bool ops_has_protmem(const struct rh_tee_ops *ops)
{
	return ops_usable(ops) && ops->version >= 2;
}

RH_EXPORT int rh_tee_ops_call(const struct rh_tee_ops *ops, void *priv,
			      struct rh_optee_msg_arg *msg, size_t size)
{
	int (*method)(void *priv, struct rh_optee_msg_arg *msg, size_t size);

	if (!msg || size < sizeof(*msg))
		return -EINVAL;
	if (!ops_usable(ops))
		return -EOPNOTSUPP;
	switch (msg->cmd) {
	case RH_OPTEE_MSG_CMD_OPEN_SESSION:
		method = ops->open_session;
		break;
	case RH_OPTEE_MSG_CMD_INVOKE_COMMAND:
		method = ops->invoke;
		break;
	case RH_OPTEE_MSG_CMD_CLOSE_SESSION:
		method = ops->close_session;
		break;
	case RH_OPTEE_MSG_CMD_CANCEL:
		method = ops->cancel;
		break;
	case RH_OPTEE_MSG_CMD_REGISTER_SHM:
		method = ops->shm_register;
		break;
	case RH_OPTEE_MSG_CMD_UNREGISTER_SHM:
		method = ops->shm_unregister;
		break;
	case RH_OPTEE_MSG_CMD_LEND_PROTMEM:
		method = ops_has_protmem(ops) ? ops->lend_protmem : NULL;
		break;
	case RH_OPTEE_MSG_CMD_RECLAIM_PROTMEM:
		method = ops_has_protmem(ops) ? ops->reclaim_protmem : NULL;
		break;
	case RH_OPTEE_MSG_CMD_GET_PROTMEM_CONFIG:
		method = ops_has_protmem(ops) ? ops->get_protmem_config : NULL;
		break;
	default:
		return -EINVAL;
	}
	if (!method)
		return -EOPNOTSUPP;
	return method(priv, msg, size);
}

RH_EXPORT int rh_tee_ops_get_version(const struct rh_tee_ops *ops, void *priv,
				     struct rh_tee_ioctl_version_data *ret_vers)
{
	struct rh_tee_ioctl_version_data vers = { 0 };
	int ret;

	if (!ret_vers)
		return -EINVAL;
	if (!ops_usable(ops) || !ops->get_version)
		return -EOPNOTSUPP;
	ret = ops->get_version(priv, &vers);
	if (!ret)
		*ret_vers = vers;
	return ret;
}

RH_EXPORT int rh_tee_ops_ta_panic_next(const struct rh_tee_ops *ops,
				       void *priv, uint32_t session)
{
	if (!ops_usable(ops) || !ops->ta_panic_next)
		return -EOPNOTSUPP;
	return ops->ta_panic_next(priv, session);
}

RH_EXPORT int rh_tee_ops_protmem_caps(const struct rh_tee_ops *ops, void *priv,
				      struct rh_tee_protmem_caps *ret_caps)
{
	struct rh_tee_protmem_caps caps = { 0 };
	int ret;

	if (!ret_caps)
		return -EINVAL;
	if (!ops_has_protmem(ops) || !ops->protmem_caps)
		return -EOPNOTSUPP;
	ret = ops->protmem_caps(priv, &caps);
	if (!ret)
		*ret_caps = caps;
	return ret;
}

/* ------------------------------------------------------------ platform backend */

RH_EXPORT int rh_platform_set_tee_backend(struct rh_platform *plat,
					  const struct rh_tee_ops *ops,
					  void *priv)
{
	int ret = 0;

	if (!plat)
		return -EINVAL;
	if (ops && (!ops_usable(ops) || !ops->get_version ||
		    !ops->open_session || !ops->invoke || !ops->close_session)) {
		rh_bug_caller(plat, "tee: backend table of version %u or without a mandatory method",
			      ops->version);
		return -EINVAL;
	}
	pthread_mutex_lock(&plat->lock);
	if (plat->tee_nr_contexts) {
		ret = -EBUSY;
	} else {
		plat->tee_ops = ops;
		plat->tee_priv = ops ? priv : NULL;
	}
	pthread_mutex_unlock(&plat->lock);
	/* The TEE driver goes with the old backend and probes the new one. */
	if (!ret)
		rh_optee_rebind(plat);
	return ret;
}

RH_EXPORT int rh_platform_get_tee_backend(struct rh_platform *plat,
					  const struct rh_tee_ops **ret_ops,
					  void **ret_priv)
{
	if (!plat || !ret_ops || !ret_priv)
		return -EINVAL;
	pthread_mutex_lock(&plat->lock);
	*ret_ops = plat->tee_ops;
	*ret_priv = plat->tee_priv;
	pthread_mutex_unlock(&plat->lock);
	return 0;
}

RH_EXPORT int rh_platform_get_default_tee_backend(struct rh_platform *plat,
						  const struct rh_tee_ops **ret_ops,
						  void **ret_priv)
{
	int ret = 0;

	if (!plat || !ret_ops || !ret_priv)
		return -EINVAL;
	pthread_mutex_lock(&plat->lock);
	if (plat->tee_default_ops) {
		*ret_ops = plat->tee_default_ops;
		*ret_priv = plat->tee_default_priv;
	} else {
		ret = -ENODEV;
	}
	pthread_mutex_unlock(&plat->lock);
	return ret;
}
