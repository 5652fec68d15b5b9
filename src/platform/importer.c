// SPDX-License-Identifier: MIT
/* Simulated importer: attach + map, secure mode through the TEE for restricted buffers. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <sys/queue.h>

#include <rheap/device-bus.h>
#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/heaps/restricted.h>
#include <rheap/importer.h>
#include <rheap/scatterlist.h>
#include <rheap/tee-secmem.h>
#include <rheap/tee.h>

#include "internal.h"

/*
 * The importer side the seed leaves to its companion series (V4L2
 * vb2-dma-contig, MediaTek DRM): after dma_buf_map_attachment(), a driver
 * tests sg_dma_is_restricted(sgt->sgl) and, for a restricted buffer,
 * has the device put in secure mode before it starts DMA. On MediaTek
 * hardware that switch is a secure-world service; here it is the secure
 * video TA's SET_DEVICE_SECURE command.
 */

struct rh_importer_map {
	TAILQ_ENTRY(rh_importer_map) node;
	struct rh_importer *imp;
	struct rh_dma_buf *dmabuf;
	struct rh_dma_buf_attachment *attach;
	struct rh_sg_table *sgt;
	enum rh_dma_data_direction dir;
	bool restricted;
	uint64_t handle; /* restricted: the secure buffer granted to the device */
};

TAILQ_HEAD(importer_map_list, rh_importer_map);

struct rh_importer {
	struct rh_platform *plat;
	struct rh_device *dev;
	/* Mappings, counts and the TEE session; held across the TEE call. */
	pthread_mutex_t lock;
	struct importer_map_list maps;
	struct rh_importer_stats stats;
	struct rh_tee_context *tee_ctx; /* NULL until the first switch */
	uint32_t tee_session;
};

static bool valid_dir(enum rh_dma_data_direction dir)
{
	return dir == RH_DMA_BIDIRECTIONAL || dir == RH_DMA_TO_DEVICE ||
	       dir == RH_DMA_FROM_DEVICE;
}

static int importer_tee_match(struct rh_tee_ioctl_version_data *ver, const void *data)
{
	return ver->impl_id == RH_TEE_IMPL_ID_OPTEE;
}

static void importer_tee_close(struct rh_importer *imp)
{
	rh_tee_client_close_context(imp->tee_ctx);
	imp->tee_ctx = NULL;
	imp->tee_session = 0;
}

/* Context and session to the secure video TA, on first use; under lock. */
static int importer_tee_open(struct rh_importer *imp)
{
	struct rh_tee_ioctl_open_session_arg arg = { 0 };
	struct rh_tee_context *ctx;
	int ret;

	if (imp->tee_ctx)
		return 0;
	ctx = rh_tee_client_open_context(imp->plat, NULL, importer_tee_match, NULL, NULL);
	if (RH_IS_ERR(ctx)) {
		ret = (int)RH_PTR_ERR(ctx);
		rh_err(imp->plat, "importer %s: no OP-TEE device: %d", rh_device_name(imp->dev),
		       ret);
		return ret == -ENOMEM ? ret : -ENODEV;
	}
	arg.clnt_login = RH_TEE_IOCTL_LOGIN_REE_KERNEL;
	ret = rh_uuid_parse(RH_TA_SVP_UUID, arg.uuid);
	if (!ret)
		ret = rh_tee_client_open_session(ctx, &arg, NULL);
	if (!ret && arg.ret) {
		rh_err(imp->plat, "importer %s: cannot open the secure video TA %s: %s",
		       rh_device_name(imp->dev), RH_TA_SVP_UUID, rh_tee_result_name(arg.ret));
		ret = rh_tee_result_to_errno(arg.ret);
	}
	if (ret) {
		rh_tee_client_close_context(ctx);
		return ret;
	}
	imp->tee_ctx = ctx;
	imp->tee_session = arg.session;
	return 0;
}

/*
 * SET_DEVICE_SECURE(master id, @secure, buffer @handle): ask the secure
 * world to map (or unmap) the restricted buffer for the device's secure
 * DMA; the device is in secure mode while it holds such a grant. Under lock.
 */
static int importer_set_secure(struct rh_importer *imp, bool secure,
			       uint64_t handle)
{
	struct rh_tee_param params[RH_TEE_NUM_PARAMS] = { 0 };
	struct rh_tee_ioctl_invoke_arg arg = { 0 };
	bool was_secure = rh_device_is_secure(imp->dev);
	int ret;

	ret = importer_tee_open(imp);
	if (ret)
		return ret;
	params[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	params[0].u.value.a = rh_device_master_id(imp->dev);
	params[0].u.value.b = secure;
	params[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	params[1].u.value.a = handle;
	arg.func = RH_SVP_CMD_SET_DEVICE_SECURE;
	arg.session = imp->tee_session;
	arg.num_params = RH_TEE_NUM_PARAMS;
	ret = rh_tee_client_invoke_func(imp->tee_ctx, &arg, params);
	if (!ret && arg.ret) {
		rh_err(imp->plat, "importer %s: switch to %s mode refused: %s",
		       rh_device_name(imp->dev), secure ? "secure" : "normal",
		       rh_tee_result_name(arg.ret));
		ret = rh_tee_result_to_errno(arg.ret);
		/* A dead TA is reopened by the next switch. */
		if (arg.ret == RH_TEEC_ERROR_TARGET_DEAD)
			importer_tee_close(imp);
	}
	if (ret)
		return ret;
	if (secure)
		imp->stats.grants++;
	/* Count the device's transitions (another driver may have made them). */
	if (secure && !was_secure && rh_device_is_secure(imp->dev))
		imp->stats.secure_switches++;
	else if (!secure && was_secure && !rh_device_is_secure(imp->dev))
		imp->stats.normal_switches++;
	return 0;
}

RH_EXPORT int rh_importer_new(struct rh_device *dev, struct rh_importer **ret_imp)
{
	struct rh_importer *imp;

	if (!dev || !ret_imp)
		return -EINVAL;
	imp = rh_zalloc(sizeof(*imp));
	if (!imp)
		return -ENOMEM;
	imp->plat = rh_device_platform(dev);
	imp->dev = dev;
	/* A driver may outlive its user's platform reference: hold it. */
	rh_platform_hold(imp->plat);
	pthread_mutex_init(&imp->lock, NULL);
	TAILQ_INIT(&imp->maps);
	*ret_imp = imp;
	return 0;
}


RH_EXPORT int rh_importer_map(struct rh_importer *imp, struct rh_dma_buf *dmabuf,
			      enum rh_dma_data_direction dir,
			      struct rh_importer_map **ret_map)
{
	struct rh_importer_map *map;
	int ret;

	if (!imp || !dmabuf || !ret_map || !valid_dir(dir))
		return -EINVAL;
	map = rh_zalloc(sizeof(*map));
	if (!map)
		return -ENOMEM;
	map->imp = imp;
	map->dmabuf = dmabuf;
	map->dir = dir;

	/* A driver holds its own reference for as long as it is attached. */
	rh_get_dma_buf(dmabuf);
	map->attach = rh_dma_buf_attach(dmabuf, imp->dev);
	if (RH_IS_ERR(map->attach)) {
		ret = (int)RH_PTR_ERR(map->attach);
		goto err_put_dmabuf;
	}
	map->sgt = rh_dma_buf_map_attachment(map->attach, dir);
	if (RH_IS_ERR(map->sgt)) {
		ret = (int)RH_PTR_ERR(map->sgt);
		goto err_detach;
	}
	map->restricted = rh_sg_dma_is_restricted(map->sgt->sgl);
	if (map->restricted) {
		/*
		 * The flag alone proves nothing (any exporter can set it): only a
		 * restricted heap's buffer has a secure handle the secure world
		 * knows, and only that buffer will be mapped for secure DMA.
		 */
		const struct rh_restricted_buffer *rbuf = rh_restricted_buffer_get(dmabuf);

		if (!rbuf) {
			rh_bug_caller(imp->plat, "importer %s: a restricted table on a buffer no restricted heap exported (%s)",
				      rh_device_name(imp->dev), rh_dma_buf_exp_name(dmabuf));
			ret = -EINVAL;
			goto err_unmap;
		}
		map->handle = rbuf->restricted_addr;
	}

	pthread_mutex_lock(&imp->lock);
	/* Secure mode (for this buffer) before any DMA touches it. */
	if (map->restricted) {
		ret = importer_set_secure(imp, true, map->handle);
		if (ret) {
			imp->stats.refused++;
			pthread_mutex_unlock(&imp->lock);
			goto err_unmap;
		}
	}
	if (map->restricted)
		imp->stats.restricted_maps++;
	imp->stats.maps++;
	TAILQ_INSERT_TAIL(&imp->maps, map, node);
	pthread_mutex_unlock(&imp->lock);
	*ret_map = map;
	return 0;

err_unmap:
	rh_dma_buf_unmap_attachment(map->attach, map->sgt, dir);
err_detach:
	rh_dma_buf_detach(dmabuf, map->attach);
err_put_dmabuf:
	rh_dma_buf_put(dmabuf);
	rh_free(map);
	return ret;
}

RH_EXPORT int rh_importer_map_fd(struct rh_importer *imp, int fd,
				 enum rh_dma_data_direction dir,
				 struct rh_importer_map **ret_map)
{
	struct rh_dma_buf *dmabuf;
	int ret;

	if (!imp || !ret_map)
		return -EINVAL;
	dmabuf = rh_dma_buf_get(imp->plat, fd);
	if (RH_IS_ERR(dmabuf))
		return (int)RH_PTR_ERR(dmabuf);
	ret = rh_importer_map(imp, dmabuf, dir, ret_map);
	/* The mapping holds its own reference. */
	rh_dma_buf_put(dmabuf);
	return ret;
}

/* Under lock: forget @map; its buffer's grant goes (normal mode after the last). */
static void importer_release_locked(struct rh_importer *imp, struct rh_importer_map *map)
{
	TAILQ_REMOVE(&imp->maps, map, node);
	imp->stats.maps--;
	if (!map->restricted)
		return;
	imp->stats.restricted_maps--;
	if (importer_set_secure(imp, false, map->handle))
		rh_err(imp->plat, "importer %s: the secure world kept the grant of buffer 0x%" PRIx64,
		       rh_device_name(imp->dev), map->handle);
}

RH_EXPORT void rh_importer_unmap(struct rh_importer_map *map)
{
	struct rh_importer *imp;

	if (!map)
		return;
	imp = map->imp;
	/*
	 * The DMA mapping goes first, then the secure world's grant (the
	 * device leaves secure mode after its last one), and only then the
	 * buffer may go: its release must find no device still granted it.
	 */
	rh_dma_buf_unmap_attachment(map->attach, map->sgt, map->dir);
	pthread_mutex_lock(&imp->lock);
	importer_release_locked(imp, map);
	pthread_mutex_unlock(&imp->lock);
	rh_dma_buf_detach(map->dmabuf, map->attach);
	rh_dma_buf_put(map->dmabuf);
	rh_free(map);
}

RH_EXPORT void rh_importer_free(struct rh_importer *imp)
{
	struct rh_importer_map *map;
	struct rh_platform *plat;

	if (!imp)
		return;
	while ((map = TAILQ_FIRST(&imp->maps))) {
		rh_bug_caller(imp->plat, "importer %s: freed with a mapping of buffer ino %" PRIu64,
			      rh_device_name(imp->dev), rh_dma_buf_ino(map->dmabuf));
		rh_importer_unmap(map);
	}
	if (imp->tee_ctx)
		importer_tee_close(imp);
	pthread_mutex_destroy(&imp->lock);
	plat = imp->plat;
	rh_free(imp);
	rh_platform_release(plat);
}

static int importer_dma(struct rh_importer_map *map, size_t offset, void *buf,
			size_t len, bool write)
{
	enum rh_dma_data_direction need = write ? RH_DMA_FROM_DEVICE : RH_DMA_TO_DEVICE;

	if (!map || !buf || !len)
		return -EINVAL;
	if (map->dir != RH_DMA_BIDIRECTIONAL && map->dir != need) {
		rh_bug_caller(map->imp->plat, "importer %s: DMA %s through a mapping for the other direction",
			      rh_device_name(map->imp->dev), write ? "write" : "read");
		return -EINVAL;
	}
	if (write)
		return rh_device_dma_write_sg(map->imp->dev, map->sgt, offset, buf, len);
	return rh_device_dma_read_sg(map->imp->dev, map->sgt, offset, buf, len);
}

RH_EXPORT int rh_importer_read(struct rh_importer_map *map, size_t offset,
			       void *buf, size_t len)
{
	return importer_dma(map, offset, buf, len, false);
}

RH_EXPORT int rh_importer_write(struct rh_importer_map *map, size_t offset,
				const void *buf, size_t len)
{
	return importer_dma(map, offset, (void *)buf, len, true);
}

RH_EXPORT struct rh_sg_table *rh_importer_map_sgt(const struct rh_importer_map *map)
{
	return map ? map->sgt : NULL;
}

RH_EXPORT bool rh_importer_map_is_restricted(const struct rh_importer_map *map)
{
	return map && map->restricted;
}

RH_EXPORT struct rh_device *rh_importer_device(const struct rh_importer *imp)
{
	return imp ? imp->dev : NULL;
}

RH_EXPORT int rh_importer_get_stats(struct rh_importer *imp,
				    struct rh_importer_stats *ret_stats)
{
	if (!imp || !ret_stats)
		return -EINVAL;
	pthread_mutex_lock(&imp->lock);
	*ret_stats = imp->stats;
	pthread_mutex_unlock(&imp->lock);
	return 0;
}
