/* SPDX-License-Identifier: MIT */
/* A platform built by hand from a struct rh_platform_desc, without a DTB (hardware modules only). */
#ifndef RH_TEST_HAND_PLATFORM_H
#define RH_TEST_HAND_PLATFORM_H

#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>
#include <string.h>

#include <rheap/platform.h>

#include "internal.h"

#define HAND_DRAM_BASE 0x40000000ULL
#define HAND_DRAM_SIZE (256ULL << 20)
#define HAND_CHUNK_BASE 0x48000000ULL
#define HAND_CHUNK_SIZE (32ULL << 20)
#define HAND_CMA_BASE 0x4c000000ULL
#define HAND_CMA_SIZE (64ULL << 20)

/* The same platform as platforms/minimal.dts. */
static inline void hand_desc_minimal(struct rh_platform_desc *d)
{
	memset(d, 0, sizeof(*d));
	strcpy(d->model, "hand-built minimal");
	d->dram_base = HAND_DRAM_BASE;
	d->dram_size = HAND_DRAM_SIZE;
	d->nr_reserved = 2;
	strcpy(d->reserved[0].name, "tee-chunk");
	strcpy(d->reserved[0].compatible, "mediatek,secure-chunk-memory");
	d->reserved[0].base = HAND_CHUNK_BASE;
	d->reserved[0].size = HAND_CHUNK_SIZE;
	d->reserved[0].no_map = true;
	strcpy(d->reserved[1].name, "restricted-cma");
	strcpy(d->reserved[1].compatible, "mediatek,dynamic-restricted-region");
	d->reserved[1].base = HAND_CMA_BASE;
	d->reserved[1].size = HAND_CMA_SIZE;
	d->reserved[1].reusable = true;
	d->firewall_regions = 4;
	d->firewall_granularity = 0x1000;
	d->nr_devices = 3;
	strcpy(d->devices[0].name, "vcodec");
	strcpy(d->devices[0].compatible, "mediatek,mt8188-vcodec-dec");
	d->devices[0].master_id = 1;
	d->devices[0].secure_capable = true;
	strcpy(d->devices[1].name, "display");
	strcpy(d->devices[1].compatible, "mediatek,mt8188-disp-ovl");
	d->devices[1].master_id = 2;
	d->devices[1].secure_capable = true;
	strcpy(d->devices[2].name, "gpu");
	strcpy(d->devices[2].compatible, "arm,mali-valhall-jm");
	d->devices[2].master_id = 3;
}

/*
 * Runs the hardware module constructors of platform.c on @desc. Returns 0
 * and the platform in @ret_plat, or the first constructor error with
 * nothing left allocated.
 */
static inline int hand_platform_new(const struct rh_platform_desc *desc,
				    struct rh_platform **ret_plat)
{
	struct rh_platform *plat = calloc(1, sizeof(*plat));
	int ret;

	if (!plat)
		return -ENOMEM;
	atomic_init(&plat->refcount, 1);
	pthread_mutex_init(&plat->lock, NULL);
	plat->log_level = RH_LOG_ERR;
	plat->desc = *desc;
	ret = rh_physmem_init(plat);
	if (ret)
		goto err_free;
	ret = rh_firewall_init(plat);
	if (ret)
		goto err_physmem;
	ret = rh_phys_trap_init(plat);
	if (ret)
		goto err_firewall;
	ret = rh_devices_init(plat);
	if (ret)
		goto err_trap;
	*ret_plat = plat;
	return 0;

err_trap:
	rh_phys_trap_fini(plat);
err_firewall:
	rh_firewall_fini(plat);
err_physmem:
	rh_physmem_fini(plat);
err_free:
	pthread_mutex_destroy(&plat->lock);
	free(plat);
	return ret;
}

static inline void hand_platform_free(struct rh_platform *plat)
{
	if (!plat)
		return;
	rh_devices_fini(plat);
	rh_phys_trap_fini(plat);
	rh_firewall_fini(plat);
	rh_physmem_fini(plat);
	pthread_mutex_destroy(&plat->lock);
	free(plat);
}

/* platforms/minimal.dtb, embedded by tests/data/meson.build (test_dtb_sources). */
extern const unsigned char rh_test_dtb_platform_minimal[];
extern const size_t rh_test_dtb_platform_minimal_size;

/* A real platform parsed from platforms/minimal.dts (same layout as hand_desc_minimal()). */
static inline int minimal_platform_new(struct rh_platform **ret_plat)
{
	RH_DEFINE_PLATFORM_INFO(info);

	info.dtb = rh_test_dtb_platform_minimal;
	info.dtb_size = rh_test_dtb_platform_minimal_size;
	return rh_platform_new(&info, ret_plat);
}

/*
 * True if @len bytes at @p can be read. Uses process_vm_readv() on our own
 * pid: the kernel refuses PROT_NONE pages with EFAULT instead of raising a
 * signal, and neither valgrind nor ASan inspects the "remote" range.
 */
static inline bool hand_readable(const void *p, size_t len)
{
	unsigned char buf[64];
	struct iovec local = { buf, len < sizeof(buf) ? len : sizeof(buf) };
	struct iovec remote = { (void *)p, local.iov_len };

	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) ==
	       (ssize_t)local.iov_len;
}

#endif /* RH_TEST_HAND_PLATFORM_H */
