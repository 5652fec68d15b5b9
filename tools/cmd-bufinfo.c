// SPDX-License-Identifier: MIT
/* rheap-sim bufinfo: dma-buf state after a scripted run, in the kernel's debugfs format. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/tee-heap.h>
#include <rheap/uapi.h>

#include "commands.h"

#define CMD "bufinfo"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " " CMD " [--platform NAME|FILE] [--fdinfo]\n"
		"\n"
		"Run a short script (a few buffers on the system, restricted_mtk_cm and\n"
		"restricted_mtk_cma heaps, named with DMA_BUF_SET_NAME, some attached to\n"
		"devices, one fd duplicated), print /sys/kernel/debug/dma_buf/bufinfo as\n"
		"the kernel formats it, then free everything. On a board with the TEE's\n"
		"protected heaps instead (optee-protmem), the bitstream and frames come\n"
		"from protected,secure-video and an overlay from protected,trusted-ui.\n"
		"\n"
		CLI_PLATFORM_HELP
		"                        (heaps the platform lacks are skipped)\n"
		"  --fdinfo              also print /proc/self/fdinfo/<fd> of every buffer fd\n"
		"  --help                this text\n");
}

/* One step of the script: a buffer, its name and the devices it is attached to. */
struct script_buf {
	const char *heap;
	uint64_t size;
	const char *name; /* NULL: unnamed (bufinfo shows <none>) */
	const char *devices[2];
	bool dup; /* a second fd for the same buffer (count 2) */
};

static const struct script_buf script[] = {
	{ "system", 1u << 20, "ui-layer", { "gpu", NULL }, false },
	{ "system", 256u << 10, NULL, { NULL, NULL }, true },
	{ "restricted_mtk_cm", 4u << 20, "es-bitstream", { "vcodec", NULL }, false },
	{ "restricted_mtk_cma", 3133440, "frame-0", { "vcodec", "display" }, false },
	{ "restricted_mtk_cma", 3133440, "frame-1", { "vcodec", "display" }, false },
};

/* The same on the protected heaps of Linux 6.18 (exporter "tee"). */
static const struct script_buf protmem_script[] = {
	{ "system", 1u << 20, "ui-layer", { "gpu", NULL }, false },
	{ "system", 256u << 10, NULL, { NULL, NULL }, true },
	{ RH_TEE_HEAP_SECURE_VIDEO_NAME, 4u << 20, "es-bitstream", { "vdec", NULL }, false },
	{ RH_TEE_HEAP_SECURE_VIDEO_NAME, 3133440, "frame-0", { "vdec", "display" }, false },
	{ RH_TEE_HEAP_TRUSTED_UI_NAME, 1u << 20, "pin-pad", { "display", NULL }, false },
};

#define NR_SCRIPT (sizeof(script) / sizeof(script[0]))
_Static_assert(sizeof(protmem_script) == sizeof(script), "scripts of one length");

/* The protected heaps' script on a board that has them and not MediaTek's region. */
static const struct script_buf *script_of(struct rh_platform *plat)
{
	return cli_protmem_board(plat) ? protmem_script : script;
}

struct live_buf {
	int fd, dup_fd;
	struct rh_dma_buf *dmabuf;
	struct rh_dma_buf_attachment *att[2];
};

static int run_script(struct rh_platform *plat, struct live_buf *live, bool fdinfo)
{
	const struct script_buf *steps = script_of(plat);
	char path[sizeof(RH_DMA_HEAP_DEV_DIR) + RH_DMA_HEAP_NAME_LEN + 1], ebuf[16];
	unsigned int i, d;
	int ret;

	for (i = 0; i < NR_SCRIPT; i++) {
		const struct script_buf *s = &steps[i];
		struct rh_dma_heap_allocation_data data = {
			.len = s->size,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};
		struct live_buf *l = &live[i];
		int heap_fd;

		snprintf(path, sizeof(path), "%s/%s", RH_DMA_HEAP_DEV_DIR, s->heap);
		heap_fd = rh_open(plat, path, O_RDWR | O_CLOEXEC);
		if (heap_fd == -ENOENT) {
			fprintf(stderr, PROG " " CMD ": no heap %s on this platform, skipped\n",
				s->heap);
			continue;
		}
		if (heap_fd < 0)
			return tools_error(stderr, PROG, CMD, "open %s: %s", path,
					   strerror(-heap_fd));
		ret = rh_ioctl(plat, heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data);
		rh_close(plat, heap_fd);
		if (ret)
			return tools_error(stderr, PROG, CMD, "allocating %llu bytes from %s: %s (%s)",
					   (unsigned long long)s->size, s->heap, strerror(-ret),
					   cli_errno_name(ret, ebuf, sizeof(ebuf)));
		l->fd = (int)data.fd;
		if (s->name) {
			/* The uapi way: DMA_BUF_SET_NAME takes the string itself. */
			ret = rh_ioctl(plat, l->fd, RH_DMA_BUF_SET_NAME, (void *)s->name);
			if (ret)
				return tools_error(stderr, PROG, CMD, "DMA_BUF_SET_NAME: %s",
						   strerror(-ret));
		}
		if (s->dup) {
			l->dup_fd = rh_dup(plat, l->fd);
			if (l->dup_fd < 0)
				return tools_error(stderr, PROG, CMD, "dup: %s",
						   strerror(-l->dup_fd));
		}
		l->dmabuf = rh_dma_buf_get(plat, l->fd);
		if (RH_IS_ERR(l->dmabuf)) {
			ret = (int)RH_PTR_ERR(l->dmabuf);
			l->dmabuf = NULL;
			return tools_error(stderr, PROG, CMD, "dma_buf_get: %s", strerror(-ret));
		}
		for (d = 0; d < 2 && s->devices[d]; d++) {
			struct rh_device *dev = rh_device_find(plat, s->devices[d]);

			if (!dev)
				continue; /* another platform: show what exists */
			l->att[d] = rh_dma_buf_attach(l->dmabuf, dev);
			if (RH_IS_ERR(l->att[d])) {
				ret = (int)RH_PTR_ERR(l->att[d]);
				l->att[d] = NULL;
				return tools_error(stderr, PROG, CMD, "attach %s: %s",
						   s->devices[d], strerror(-ret));
			}
		}
	}

	if (rh_dma_buf_bufinfo(plat, stdout))
		return tools_error(stderr, PROG, CMD, "writing bufinfo failed");
	if (!fdinfo)
		return 0;
	for (i = 0; i < NR_SCRIPT; i++) {
		if (live[i].fd <= 0)
			continue;
		printf("\n/proc/self/fdinfo/%d:\n", live[i].fd);
		if (rh_dma_buf_fdinfo(plat, live[i].fd, stdout))
			return tools_error(stderr, PROG, CMD, "writing fdinfo failed");
	}
	return 0;
}

int cmd_bufinfo(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'd' },
		{ "dtb", required_argument, NULL, 'd' },
		{ "fdinfo", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct live_buf live[NR_SCRIPT];
	struct rh_dma_buf_stats st;
	const char *dtb_path = NULL;
	struct rh_platform *plat;
	bool fdinfo = false;
	unsigned int i, d;
	int c, ret;

	while ((c = getopt_long(argc, argv, ":d:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dtb_path = optarg;
			break;
		case 'f':
			fdinfo = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_option_error(CMD, argv, c);
		}
	}
	if (optind < argc)
		return cli_extra_args(CMD, argc, argv);
	ret = cli_platform_new(CMD, dtb_path, NULL, &plat);
	if (ret)
		return ret;
	memset(live, 0, sizeof(live));
	ret = run_script(plat, live, fdinfo);

	/* Tear down in reverse: detach, drop the references, close the fds. */
	for (i = NR_SCRIPT; i-- > 0;) {
		for (d = 2; d-- > 0;)
			if (live[i].att[d])
				rh_dma_buf_detach(live[i].dmabuf, live[i].att[d]);
		rh_dma_buf_put(live[i].dmabuf);
		if (live[i].dup_fd > 0)
			rh_close(plat, live[i].dup_fd);
		if (live[i].fd > 0)
			rh_close(plat, live[i].fd);
	}
	if (!ret && (rh_dma_buf_get_stats(plat, &st) || st.count))
		ret = tools_error(stderr, PROG, CMD, "buffers still alive after the script");
	rh_platform_unref(plat);
	if (!ret && fflush(stdout))
		ret = TOOLS_EXIT_FAILURE;
	return ret;
}
