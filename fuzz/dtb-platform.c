// SPDX-License-Identifier: MIT
/* libFuzzer target: a device tree end to end, parse -> platform -> heaps -> buffers -> teardown. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/heaps/restricted-mtk.h>
#include <rheap/platform.h>
#include <rheap/scatterlist.h>
#include <rheap/uapi.h>

#include "fuzz-common.h"

/*
 * An input is a device tree blob. rh_platform_parse_dtb() is the gate: a
 * platform is built (rh_platform_new() with the blob) from every blob, and
 * must fail exactly as the parser did when the parser refuses it. When the
 * parser accepts it and the DRAM is small enough to simulate quickly (a
 * blob may ask for up to 64 GiB, and a platform's bookkeeping grows with
 * it), rh_platform_new() must either build the platform that the
 * description says, or refuse with one log line (-EINVAL: the heaps or the
 * emulator want more than the parser checks) or -ENOMEM. A built platform
 * then goes through what a user does on first contact:
 *
 * - its description is the parser's, byte for byte;
 * - every heap listed can be found by name and opened as
 *   /dev/dma_heap/NAME; it allocates one page and (when @sel allows) a few
 *   pages through DMA_HEAP_IOCTL_ALLOC, or refuses with -ENOMEM / -EINVAL /
 *   -ENOSPC / -EBUSY / -EIO (a region too small, a TEE that cannot serve);
 * - every buffer is attached to and mapped for every device, or refused
 *   with an errno, and a mapped table covers the whole buffer;
 * - after closing everything, no fd, dma-buf or TEE buffer is left, and
 *   the platform is destroyed (LeakSanitizer sees anything it leaks).
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TARGET "dtb-platform"
/* Past this, a blob is only parsed: platform setup grows with DRAM. */
#define MAX_DRAM (256ULL << 20)
#define MAX_HEAPS 16

static void must(bool ok, const char *what)
{
	if (!ok)
		fuzz_fail(TARGET, what);
}

struct log_check {
	unsigned int errors;
	bool multiline;
};

static void log_fn(void *data, enum rh_log_level level, const char *msg)
{
	struct log_check *lc = data;

	if (level <= RH_LOG_ERR)
		lc->errors++;
	if (strchr(msg, '\n'))
		lc->multiline = true;
}

static bool errno_in(int err, const int *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (err == list[i])
			return true;
	return false;
}

/* Attach and map @dmabuf for every device: a mapped table covers the buffer. */
static void import_everywhere(struct rh_platform *plat, struct rh_dma_buf *dmabuf)
{
	unsigned int i, n = rh_device_count(plat);

	for (i = 0; i < n; i++) {
		struct rh_device *dev = rh_device_get(plat, i);
		struct rh_dma_buf_attachment *att;
		struct rh_scatterlist *sg;
		struct rh_sg_table *sgt;
		uint64_t sum = 0;
		unsigned int k;

		must(dev != NULL, "device index inside the count has no device");
		att = rh_dma_buf_attach(dmabuf, dev);
		if (RH_IS_ERR(att)) {
			must(RH_PTR_ERR(att) < 0 && RH_PTR_ERR(att) >= -4095, "attach error");
			continue;
		}
		sgt = rh_dma_buf_map_attachment(att, RH_DMA_BIDIRECTIONAL);
		if (!RH_IS_ERR(sgt)) {
			rh_for_each_sgtable_dma_sg(sgt, sg, k)
				sum += rh_sg_dma_len(sg);
			must(sum == rh_dma_buf_size(dmabuf), "mapped table does not cover the buffer");
			rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_BIDIRECTIONAL);
		} else {
			must(RH_PTR_ERR(sgt) < 0 && RH_PTR_ERR(sgt) >= -4095, "map error");
		}
		rh_dma_buf_detach(dmabuf, att);
	}
}

static void allocate(struct rh_platform *plat, int hfd, uint64_t len)
{
	static const int refusals[] = { -ENOMEM, -EINVAL, -ENOSPC, -EBUSY, -EIO, -EACCES,
					-EPERM, -ENODEV, -EOPNOTSUPP };
	struct rh_dma_heap_allocation_data a = { .len = len, .fd_flags = O_RDWR | O_CLOEXEC };
	struct rh_dma_buf *dmabuf;
	int ret;

	ret = rh_ioctl(plat, hfd, RH_DMA_HEAP_IOCTL_ALLOC, &a);
	if (ret) {
		must(errno_in(ret, refusals, FUZZ_ARRAY_SIZE(refusals)),
		     "an allocation failed with an unexpected errno");
		return;
	}
	dmabuf = rh_dma_buf_get(plat, (int)a.fd);
	must(!RH_IS_ERR(dmabuf), "a new buffer's fd is not a dma-buf");
	must(rh_dma_buf_size(dmabuf) == RH_PAGE_ALIGN(len), "buffer size");
	import_everywhere(plat, dmabuf);
	rh_dma_buf_put(dmabuf);
	must(rh_close(plat, (int)a.fd) == 0, "close of a buffer fd");
}

static void exercise(struct rh_platform *plat, uint8_t sel)
{
	const char *names[MAX_HEAPS];
	char path[RH_DMA_HEAP_NAME_LEN + 32];
	int n, i, hfd;

	n = rh_dma_heap_list(plat, names, MAX_HEAPS);
	must(n >= 0, "heap list");
	for (i = 0; i < n && i < MAX_HEAPS; i++) {
		struct rh_dma_heap *heap = rh_dma_heap_find(plat, names[i]);

		must(heap != NULL, "a listed heap cannot be found");
		rh_dma_heap_put(heap);
		snprintf(path, sizeof(path), "%s/%s", RH_DMA_HEAP_DEV_DIR, names[i]);
		hfd = rh_open(plat, path, O_RDONLY | O_CLOEXEC);
		must(hfd >= 0, "a listed heap does not open");
		allocate(plat, hfd, RH_PAGE_SIZE);
		if (sel & 1)
			allocate(plat, hfd, (uint64_t)(((sel >> 1) & 7) + 2) * RH_PAGE_SIZE - 1);
		must(rh_close(plat, hfd) == 0, "close of a heap fd");
	}
	fuzz_check_clean(TARGET, plat);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rh_platform_desc parsed;
	struct log_check lc = { 0 };
	RH_DEFINE_PLATFORM_INFO(info);
	struct rh_platform *plat = NULL;
	char err[256];
	int pret, ret;

	err[0] = '\0';
	pret = rh_platform_parse_dtb(data, size, &parsed, err, sizeof(err));
	if (!pret && parsed.dram_size > MAX_DRAM)
		return 0;
	info.dtb = data;
	info.dtb_size = size;
	info.log_fn = log_fn;
	info.log_data = &lc;
	info.log_level = RH_LOG_ERR;
	ret = rh_platform_new(&info, &plat);
	must(!lc.multiline, "a log message of more than one line");
	if (pret) {
		/* A NULL or empty blob means the built-in platform: not an input here. */
		must(ret == pret || !size, "the platform accepted a blob the parser refused");
		if (!ret)
			rh_platform_unref(plat);
		return 0;
	}
	if (ret) {
		must(ret == -EINVAL || ret == -ENOMEM, "platform of a parsed blob: unexpected errno");
		must(ret != -EINVAL || lc.errors >= 1, "refused without saying why");
		return 0;
	}
	must(!memcmp(rh_platform_get_desc(plat), &parsed, sizeof(parsed)),
	     "the platform describes another machine than the parser");
	/* The last byte varies what is allocated without changing the tree much. */
	exercise(plat, data[size - 1]);
	rh_platform_unref(plat);
	return 0;
}
