// SPDX-License-Identifier: MIT
/* Simulated DMA masters: identity DMA mapping and firewall-checked bus transactions. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include <rheap/device-bus.h>
#include <rheap/device.h>
#include <rheap/scatterlist.h>

#include "emu.h" /* only for the prototypes of rh_emu_device_secure_get/put() */
#include "internal.h"
#include "trace/trace.h"

/*
 * A bus master of the simulated SoC. Its security state is what the
 * firewall sees on each transaction; only the secure world changes it.
 * It is a count, not a flag: each user of the device's secure mode (a
 * grant of the secure video TA, a protected-memory lend of a use case the
 * device serves) takes a reference (rh_emu_device_secure_get()) and drops
 * it when done, so two protocols never switch a device under each other.
 * The device is secure while the count is not 0: one atomic read a call.
 */
struct rh_device {
	struct rh_platform *plat;
	char name[RH_NAME_LEN];
	char compatible[RH_NAME_LEN];
	uint32_t master_id;
	bool secure_capable;
	atomic_uint secure_refs;

	atomic_ullong maps;
	atomic_ullong unmaps;
	atomic_ullong cpu_syncs;
	atomic_ullong dma_reads;
	atomic_ullong dma_writes;
	atomic_ullong bytes_read;
	atomic_ullong bytes_written;
	atomic_ullong refused;
};

struct rh_device_table {
	unsigned int nr;
	struct rh_device devs[];
};

static void count(atomic_ullong *counter, uint64_t n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

int rh_devices_init(struct rh_platform *plat)
{
	const struct rh_platform_desc *desc = &plat->desc;
	struct rh_device_table *tbl;
	unsigned int i, nr = desc->nr_devices;

	if (nr > RH_MAX_DEVICES)
		return -EINVAL;
	tbl = rh_zalloc(sizeof(*tbl) + nr * sizeof(tbl->devs[0]));
	if (!tbl)
		return -ENOMEM;
	tbl->nr = nr;
	for (i = 0; i < nr; i++) {
		struct rh_device *dev = &tbl->devs[i];
		const struct rh_device_desc *dd = &desc->devices[i];

		dev->plat = plat;
		memcpy(dev->name, dd->name, sizeof(dev->name));
		dev->name[sizeof(dev->name) - 1] = '\0';
		memcpy(dev->compatible, dd->compatible, sizeof(dev->compatible));
		dev->compatible[sizeof(dev->compatible) - 1] = '\0';
		dev->master_id = dd->master_id;
		dev->secure_capable = dd->secure_capable;
		/* Every master comes out of reset non-secure. */
		atomic_init(&dev->secure_refs, 0);
		rh_dbg(plat, "device: %s master %u%s", dev->name, dev->master_id,
		       dev->secure_capable ? " (secure-capable)" : "");
	}
	plat->devices = tbl;
	return 0;
}

void rh_devices_fini(struct rh_platform *plat)
{
	rh_free(plat->devices);
	plat->devices = NULL;
}

int rh_device_create_internal(struct rh_platform *plat, const char *name,
			      uint32_t master_id, struct rh_device **ret_dev)
{
	struct rh_device *dev;

	if (!plat || !name || !ret_dev || strlen(name) >= sizeof(dev->name))
		return -EINVAL;
	dev = rh_zalloc(sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->plat = plat;
	memcpy(dev->name, name, strlen(name) + 1);
	dev->master_id = master_id;
	/* Not secure-capable: the secure world can never admit it. */
	atomic_init(&dev->secure_refs, 0);
	*ret_dev = dev;
	return 0;
}

void rh_device_destroy_internal(struct rh_device *dev)
{
	rh_free(dev);
}

RH_EXPORT struct rh_device *rh_device_find(struct rh_platform *plat,
					   const char *name)
{
	unsigned int i;

	if (!plat || !plat->devices || !name)
		return NULL;
	for (i = 0; i < plat->devices->nr; i++)
		if (!strcmp(plat->devices->devs[i].name, name))
			return &plat->devices->devs[i];
	return NULL;
}

RH_EXPORT unsigned int rh_device_count(const struct rh_platform *plat)
{
	return plat && plat->devices ? plat->devices->nr : 0;
}

RH_EXPORT struct rh_device *rh_device_get(struct rh_platform *plat,
					  unsigned int index)
{
	if (!plat || !plat->devices || index >= plat->devices->nr)
		return NULL;
	return &plat->devices->devs[index];
}

RH_EXPORT const char *rh_device_name(const struct rh_device *dev)
{
	return dev ? dev->name : NULL;
}

RH_EXPORT const char *rh_device_compatible(const struct rh_device *dev)
{
	return dev ? dev->compatible : NULL;
}

RH_EXPORT uint32_t rh_device_master_id(const struct rh_device *dev)
{
	return dev ? dev->master_id : 0;
}

RH_EXPORT bool rh_device_is_secure_capable(const struct rh_device *dev)
{
	return dev && dev->secure_capable;
}

RH_EXPORT bool rh_device_is_secure(const struct rh_device *dev)
{
	/* clang 14 refuses atomic loads through a const pointer. */
	struct rh_device *d = (struct rh_device *)dev;

	return d && atomic_load_explicit(&d->secure_refs, memory_order_acquire) != 0;
}

RH_EXPORT struct rh_platform *rh_device_platform(const struct rh_device *dev)
{
	return dev ? dev->plat : NULL;
}

RH_EXPORT int rh_device_get_stats(const struct rh_device *dev,
				  struct rh_device_stats *ret_stats)
{
	struct rh_device_stats st;
	/* The counters are only read; the cast drops const for atomic_load. */
	struct rh_device *d = (struct rh_device *)dev;

	if (!dev || !ret_stats)
		return -EINVAL;
	st.maps = atomic_load_explicit(&d->maps, memory_order_relaxed);
	st.unmaps = atomic_load_explicit(&d->unmaps, memory_order_relaxed);
	st.cpu_syncs = atomic_load_explicit(&d->cpu_syncs, memory_order_relaxed);
	st.dma_reads = atomic_load_explicit(&d->dma_reads, memory_order_relaxed);
	st.dma_writes = atomic_load_explicit(&d->dma_writes, memory_order_relaxed);
	st.bytes_read = atomic_load_explicit(&d->bytes_read, memory_order_relaxed);
	st.bytes_written = atomic_load_explicit(&d->bytes_written,
						memory_order_relaxed);
	st.refused = atomic_load_explicit(&d->refused, memory_order_relaxed);
	*ret_stats = st;
	return 0;
}

/* The mode changed (with the first reference or the last): say so. */
static void device_secure_switched(struct rh_platform *plat, struct rh_device *dev,
				   bool secure)
{
	IMSG(plat, "device: %s is now %s", dev->name, secure ? "secure" : "non-secure");
	RH_TRACE(plat, RH_TRACE_DEVICE_SECURE_SWITCH, .track_name = dev->name,
		 .secure = secure);
}

int rh_emu_device_secure_get(struct rh_platform *plat, struct rh_device *dev)
{
	unsigned int old;

	if (!plat || !dev || dev->plat != plat)
		return -EINVAL;
	if (!dev->secure_capable) {
		EMSG(plat, "device: %s cannot enter secure mode", dev->name);
		return -EPERM;
	}
	old = atomic_fetch_add_explicit(&dev->secure_refs, 1, memory_order_acq_rel);
	if (!old)
		device_secure_switched(plat, dev, true);
	return 0;
}

int rh_emu_device_secure_put(struct rh_platform *plat, struct rh_device *dev)
{
	unsigned int old;

	if (!plat || !dev || dev->plat != plat)
		return -EINVAL;
	old = atomic_load_explicit(&dev->secure_refs, memory_order_relaxed);
	do {
		if (!old) {
			EMSG(plat, "device: %s: secure mode released more often than taken",
			     dev->name);
			return -EINVAL;
		}
	} while (!atomic_compare_exchange_weak_explicit(&dev->secure_refs, &old, old - 1,
							memory_order_acq_rel,
							memory_order_relaxed));
	if (old == 1)
		device_secure_switched(plat, dev, false);
	return 0;
}

unsigned int rh_emu_device_secure_refs(const struct rh_device *dev)
{
	/* clang 14 refuses atomic loads through a const pointer. */
	struct rh_device *d = (struct rh_device *)dev;

	return d ? atomic_load_explicit(&d->secure_refs, memory_order_acquire) : 0;
}

/* Mirrors: valid_dma_direction() (include/linux/dma-direction.h) */
static bool valid_dma_direction(enum rh_dma_data_direction dir)
{
	return dir == RH_DMA_BIDIRECTIONAL || dir == RH_DMA_TO_DEVICE ||
	       dir == RH_DMA_FROM_DEVICE;
}

RH_EXPORT int rh_dma_map_sgtable(struct rh_device *dev, struct rh_sg_table *sgt,
				 enum rh_dma_data_direction dir,
				 unsigned long attrs)
{
	struct rh_scatterlist *sg;
	unsigned int i;
	void *unused;

	if (!dev || !sgt || !sgt->sgl || !sgt->orig_nents ||
	    !valid_dma_direction(dir)) {
		rh_bug_caller(dev ? dev->plat : NULL, "%s: bad device, table or direction",
			      "dma_map_sgtable");
		return -EINVAL;
	}
	/*
	 * No IOMMU on the simulated bus: dma-direct maps each entry to its
	 * physical address. Check first so a failure leaves the table as it was
	 * (dma-direct unmaps what it mapped before returning -EIO).
	 */
	rh_for_each_sgtable_sg(sgt, sg, i) {
		if (sg->length &&
		    rh_phys_normal_ptr(dev->plat, rh_sg_phys(sg), sg->length,
				       &unused)) {
			rh_err(dev->plat, "dma_map_sgtable: %s: entry %u outside DRAM",
			       dev->name, i);
			return -EIO;
		}
	}
	/* dma_flags are kept: SG_DMA_RESTRICTED must survive mapping. */
	rh_for_each_sgtable_sg(sgt, sg, i) {
		rh_sg_dma_address(sg) = rh_sg_phys(sg);
		rh_sg_dma_len(sg) = sg->length;
	}
	sgt->nents = sgt->orig_nents;
	/* arch_sync_dma_for_device() unless the caller owns the cache state. */
	if (!(attrs & RH_DMA_ATTR_SKIP_CPU_SYNC))
		count(&dev->cpu_syncs, 1);
	count(&dev->maps, 1);
	return 0;
}

RH_EXPORT void rh_dma_unmap_sgtable(struct rh_device *dev,
				    struct rh_sg_table *sgt,
				    enum rh_dma_data_direction dir,
				    unsigned long attrs)
{
	if (!dev || !sgt || !sgt->sgl || !valid_dma_direction(dir)) {
		rh_bug_caller(dev ? dev->plat : NULL, "%s: bad device, table or direction",
			      "dma_unmap_sgtable");
		return;
	}
	/* arch_sync_dma_for_cpu() is a no-op for DMA_TO_DEVICE (arm64). */
	if (!(attrs & RH_DMA_ATTR_SKIP_CPU_SYNC) && dir != RH_DMA_TO_DEVICE)
		count(&dev->cpu_syncs, 1);
	count(&dev->unmaps, 1);
}

/*
 * The end of one transaction (or burst) starting at bus address @addr:
 * counts it, or its refusal by the firewall, emits one event for either,
 * and returns @ret.
 */
static int device_dma_done(struct rh_device *dev, rh_dma_addr_t addr,
			   size_t len, bool write, int ret)
{
	if (ret == -EACCES)
		count(&dev->refused, 1);
	if (!ret || ret == -EACCES)
		RH_TRACE(dev->plat, ret ? RH_TRACE_DMA_DENIED :
					  write ? RH_TRACE_DMA_WRITE : RH_TRACE_DMA_READ,
			 .track_name = dev->name, .pa = addr, .size = len,
			 .secure = rh_device_is_secure(dev), .err = ret,
			 .msg = ret ? (write ? "write" : "read") : NULL);
	if (ret)
		return ret;
	count(write ? &dev->dma_writes : &dev->dma_reads, 1);
	count(write ? &dev->bytes_written : &dev->bytes_read, len);
	return 0;
}

static int device_dma(struct rh_device *dev, rh_dma_addr_t addr, void *buf,
		      size_t len, bool write)
{
	int ret;

	if (!dev || !buf || !len)
		return -EINVAL;
	ret = rh_phys_dma_transfer(dev->plat, dev->master_id, dev->name,
				   rh_device_is_secure(dev), addr, buf, len,
				   write);
	if (ret == -ERANGE)
		return -EFAULT;
	return device_dma_done(dev, addr, len, write, ret);
}

RH_EXPORT int rh_device_dma_read(struct rh_device *dev, rh_dma_addr_t addr,
				 void *buf, size_t len)
{
	return device_dma(dev, addr, buf, len, false);
}

RH_EXPORT int rh_device_dma_write(struct rh_device *dev, rh_dma_addr_t addr,
				  const void *buf, size_t len)
{
	/* The bus only reads @buf for a write. */
	return device_dma(dev, addr, (void *)buf, len, true);
}

/*
 * One pass over the mapped segments covering [offset, offset + len): a
 * firewall check per segment when !copy, a checked transfer when copy.
 */
static int device_dma_sg_pass(struct rh_device *dev,
			      const struct rh_sg_table *sgt, size_t offset,
			      unsigned char *buf, size_t len, bool write,
			      bool secure, bool copy)
{
	struct rh_scatterlist *sg;
	size_t skip = offset, done = 0;
	unsigned int i;
	int ret;

	rh_for_each_sgtable_dma_sg(sgt, sg, i) {
		size_t seg = rh_sg_dma_len(sg), chunk;
		rh_dma_addr_t addr;

		if (skip >= seg) {
			skip -= seg;
			continue;
		}
		chunk = seg - skip < len - done ? seg - skip : len - done;
		addr = rh_sg_dma_address(sg) + skip;
		if (copy)
			ret = rh_phys_dma_transfer(dev->plat, dev->master_id,
						   dev->name, secure, addr,
						   buf + done, chunk, write);
		else
			ret = rh_phys_dma_check(dev->plat, dev->master_id,
						dev->name, secure, addr, chunk,
						write);
		if (ret)
			return ret == -ERANGE ? -EFAULT : ret;
		done += chunk;
		skip = 0;
		if (done == len)
			return 0;
	}
	return -EINVAL; /* unreachable: the caller checked the total length */
}

/* Bus address of byte @offset of a mapped table (the burst's first address). */
static rh_dma_addr_t sg_dma_addr_at(const struct rh_sg_table *sgt, size_t offset)
{
	struct rh_scatterlist *sg;
	unsigned int i;

	rh_for_each_sgtable_dma_sg(sgt, sg, i) {
		if (offset < rh_sg_dma_len(sg))
			return rh_sg_dma_address(sg) + offset;
		offset -= rh_sg_dma_len(sg);
	}
	return 0;
}

static int device_dma_sg(struct rh_device *dev, const struct rh_sg_table *sgt,
			 size_t offset, void *buf, size_t len, bool write)
{
	struct rh_scatterlist *sg;
	uint64_t total = 0;
	unsigned int i;
	bool secure;
	int ret;

	if (!dev || !sgt || !sgt->sgl || !sgt->nents || !buf || !len)
		return -EINVAL;
	rh_for_each_sgtable_dma_sg(sgt, sg, i)
		total += rh_sg_dma_len(sg);
	if (offset > total || len > total - offset)
		return -EINVAL;

	/* One security state for the whole burst, as a master latches it. */
	secure = rh_device_is_secure(dev);
	/* Check every segment before moving a byte: refused means nothing copied. */
	ret = device_dma_sg_pass(dev, sgt, offset, buf, len, write, secure, false);
	if (!ret)
		ret = device_dma_sg_pass(dev, sgt, offset, buf, len, write, secure,
					 true);
	/* The burst's first bus address is only worth finding for a trace. */
	return device_dma_done(dev, rh_trace_active(dev->plat) ?
			       sg_dma_addr_at(sgt, offset) : 0, len, write, ret);
}

RH_EXPORT int rh_device_dma_read_sg(struct rh_device *dev,
				    const struct rh_sg_table *sgt, size_t offset,
				    void *buf, size_t len)
{
	return device_dma_sg(dev, sgt, offset, buf, len, false);
}

RH_EXPORT int rh_device_dma_write_sg(struct rh_device *dev,
				     const struct rh_sg_table *sgt,
				     size_t offset, const void *buf, size_t len)
{
	return device_dma_sg(dev, sgt, offset, (void *)buf, len, true);
}
