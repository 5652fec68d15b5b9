// SPDX-License-Identifier: MIT
/* rheap-sim alloc: allocate through the fd layer, show sg_table, flags and bufinfo, then free. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/heaps/restricted.h>
#include <rheap/scatterlist.h>
#include <rheap/tee-heap.h>
#include <rheap/uapi.h>

#include "commands.h"

#define CMD "alloc"
#define ALLOC_MAX_COUNT 1024u
/* Entries listed per table in text; JSON lists at most ALLOC_JSON_ENTRIES. */
#define ALLOC_TEXT_ENTRIES 8u
#define ALLOC_JSON_ENTRIES 4096u

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " " CMD " HEAP SIZE [--count N] [--attach DEV] [--platform NAME|FILE]\n"
		"       [--json]\n"
		"\n"
		"Allocate N buffers of SIZE bytes from /dev/dma_heap/HEAP with\n"
		"DMA_HEAP_IOCTL_ALLOC, show each one's sg_table (physical address and\n"
		"length of every entry; the DMA address and the SG_DMA_RESTRICTED flag\n"
		"once attached to DEV), its fdinfo and the debugfs bufinfo, then free\n"
		"everything. SIZE takes K, M, G and T suffixes (4K, 2M, 1G).\n"
		"\n"
		"  --count N             buffers to allocate (1-%u, default 1)\n"
		"  --attach DEV          attach and map every buffer for device DEV (vcodec,\n"
		"                        gpu ...)\n"
		CLI_PLATFORM_HELP
		"  --json                one JSON document on stdout\n"
		"  --help                this text\n", ALLOC_MAX_COUNT);
}

struct abuf {
	int fd;
	struct rh_dma_buf *dmabuf;
	struct rh_dma_buf_attachment *att;
	struct rh_sg_table *sgt; /* mapped for the attached device */
};

struct alloc_run {
	struct rh_platform *plat;
	const char *heap;
	struct rh_device *dev;
	bool json;
	struct abuf *bufs;
	unsigned int nr;
	struct tools_json j;
};

static void json_hex(struct tools_json *j, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	tools_json_kv_string(j, key, buf);
}

/* The whole output of @fn (a report writer) as one string; NULL on failure. */
static char *capture(int (*fn)(struct rh_platform *plat, int fd, FILE *out),
		     struct rh_platform *plat, int fd)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret;

	if (!f)
		return NULL;
	ret = fn(plat, fd, f);
	if (fclose(f) || ret) {
		free(text);
		return NULL;
	}
	return text;
}

static int fdinfo_fn(struct rh_platform *plat, int fd, FILE *out)
{
	return rh_dma_buf_fdinfo(plat, fd, out);
}

static int bufinfo_fn(struct rh_platform *plat, int fd, FILE *out)
{
	(void)fd;
	return rh_dma_buf_bufinfo(plat, out);
}

static void print_indented(const char *text, const char *indent)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);

		printf("%s%.*s\n", indent, (int)l, p);
		p += l + (nl ? 1 : 0);
	}
}

/* The table's entries; with @dma the DMA address of the mapped entries too. */
static void text_table(struct rh_sg_table *sgt, bool dma)
{
	struct rh_scatterlist *sg;
	unsigned int i;

	rh_for_each_sgtable_sg(sgt, sg, i) {
		if (i == ALLOC_TEXT_ENTRIES) {
			printf("    ... %u more entr%s\n", sgt->orig_nents - i,
			       sgt->orig_nents - i == 1 ? "y" : "ies");
			break;
		}
		printf("    [%u] pa 0x%010" PRIx64 " len %u", i, rh_sg_phys(sg), sg->length);
		if (dma && i < sgt->nents)
			printf("  dma 0x%010" PRIx64 " dma_len %u", rh_sg_dma_address(sg),
			       rh_sg_dma_len(sg));
		putchar('\n');
	}
}

static void json_table(struct tools_json *j, struct rh_sg_table *sgt, bool dma)
{
	struct rh_scatterlist *sg;
	unsigned int i;

	tools_json_kv_uint(j, "orig_nents", sgt->orig_nents);
	if (dma)
		tools_json_kv_uint(j, "nents", sgt->nents);
	tools_json_kv_bool(j, "truncated", sgt->orig_nents > ALLOC_JSON_ENTRIES);
	tools_json_key(j, "entries");
	tools_json_array_begin(j);
	rh_for_each_sgtable_sg(sgt, sg, i) {
		if (i == ALLOC_JSON_ENTRIES)
			break;
		tools_json_object_begin(j);
		json_hex(j, "pa", rh_sg_phys(sg));
		tools_json_kv_uint(j, "len", sg->length);
		if (dma && i < sgt->nents) {
			json_hex(j, "dma_address", rh_sg_dma_address(sg));
			tools_json_kv_uint(j, "dma_len", rh_sg_dma_len(sg));
		}
		tools_json_object_end(j);
	}
	tools_json_array_end(j);
}

static int show_buffer(struct alloc_run *run, unsigned int n)
{
	struct abuf *b = &run->bufs[n];
	struct rh_restricted_buffer *rbuf = rh_restricted_buffer_get(b->dmabuf);
	off_t size = rh_lseek(run->plat, b->fd, 0, SEEK_END);
	char *fdinfo = capture(fdinfo_fn, run->plat, b->fd);
	struct tools_json *j = &run->j;
	struct rh_tee_heap_stats pst;
	char sz[32], psz[32];

	if (size < 0 || !fdinfo) {
		free(fdinfo);
		return tools_error(stderr, PROG, CMD, "cannot describe buffer fd %d", b->fd);
	}
	if (run->json) {
		tools_json_object_begin(j);
		tools_json_kv_uint(j, "fd", (unsigned int)b->fd);
		tools_json_kv_uint(j, "size", (uint64_t)size);
		tools_json_kv_string(j, "exp_name", rh_dma_buf_exp_name(b->dmabuf));
		tools_json_kv_uint(j, "ino", rh_dma_buf_ino(b->dmabuf));
		tools_json_kv_bool(j, "restricted_heap", rbuf != NULL);
		if (!rh_tee_heap_get_stats(run->plat, run->heap, &pst)) {
			tools_json_key(j, "protected_heap");
			tools_json_object_begin(j);
			tools_json_kv_string(j, "pool", pst.dynamic ? "dynamic" : "static");
			json_hex(j, "base", pst.base);
			tools_json_kv_uint(j, "size", pst.size);
			tools_json_object_end(j);
		}
		if (rbuf) {
			json_hex(j, "secure_handle", rbuf->restricted_addr);
			tools_json_key(j, "sg_table");
			tools_json_object_begin(j);
			json_table(j, &rbuf->sg_table, false);
			tools_json_object_end(j);
		}
		if (b->sgt) {
			tools_json_key(j, "attachment");
			tools_json_object_begin(j);
			tools_json_kv_string(j, "device", rh_device_name(run->dev));
			tools_json_kv_bool(j, "sg_dma_is_restricted",
					   rh_sg_dma_is_restricted(b->sgt->sgl));
			json_table(j, b->sgt, true);
			tools_json_object_end(j);
		}
		tools_json_kv_string(j, "fdinfo", fdinfo);
		tools_json_object_end(j);
		free(fdinfo);
		return 0;
	}

	printf("%s: buffer %u of %u: fd %d, %s (%lld bytes), exporter %s, ino %" PRIu64 "\n",
	       run->heap, n + 1, run->nr, b->fd, cli_size_str((uint64_t)size, sz, sizeof(sz)),
	       (long long)size, rh_dma_buf_exp_name(b->dmabuf), rh_dma_buf_ino(b->dmabuf));
	if (rbuf) {
		printf("  restricted heap buffer: secure handle 0x%" PRIx64
		       " (the TEE's name for it; the CPU can never map it)\n",
		       rbuf->restricted_addr);
		printf("  sg_table as the TEE reported it: %u entr%s\n",
		       rbuf->sg_table.orig_nents, rbuf->sg_table.orig_nents == 1 ? "y" : "ies");
		text_table(&rbuf->sg_table, false);
	} else if (!rh_tee_heap_get_stats(run->plat, run->heap, &pst)) {
		printf("  protected heap buffer: one contiguous range of %s 0x%" PRIx64
		       " (%s); no CPU mapping exists (no mmap or vmap op)\n",
		       pst.dynamic ? "the chunk lent to the TEE at" : "the TEE's carveout at",
		       pst.base, cli_size_str(pst.size, psz, sizeof(psz)));
		if (!b->sgt)
			printf("  its table is seen through an attachment: add --attach DEV\n");
	} else if (!b->sgt) {
		printf("  the exporter's sg_table is seen through an attachment: add --attach DEV\n");
	}
	if (b->sgt) {
		printf("  attached to %s and mapped: %u entr%s, sg_dma_is_restricted = %s\n",
		       rh_device_name(run->dev), b->sgt->nents, b->sgt->nents == 1 ? "y" : "ies",
		       rh_sg_dma_is_restricted(b->sgt->sgl) ? "true" : "false");
		text_table(b->sgt, true);
	}
	printf("  fdinfo:\n");
	print_indented(fdinfo, "    ");
	free(fdinfo);
	return 0;
}

/* Undoes everything run_alloc() did, in reverse; returns 0 or an exit code. */
static int release_all(struct alloc_run *run)
{
	struct rh_dma_buf_stats st;
	unsigned int i;
	int ret = 0;

	for (i = run->nr; i-- > 0;) {
		struct abuf *b = &run->bufs[i];

		if (b->sgt)
			rh_dma_buf_unmap_attachment(b->att, b->sgt, RH_DMA_BIDIRECTIONAL);
		if (b->att)
			rh_dma_buf_detach(b->dmabuf, b->att);
		rh_dma_buf_put(b->dmabuf);
		if (rh_close(run->plat, b->fd))
			ret = TOOLS_EXIT_FAILURE;
	}
	if (rh_dma_buf_get_stats(run->plat, &st) || st.count)
		return tools_error(stderr, PROG, CMD, "%llu buffer(s) still alive after freeing",
				   (unsigned long long)st.count);
	return ret;
}

static int run_alloc(struct alloc_run *run, int heap_fd, uint64_t size)
{
	char *bufinfo = NULL, ebuf[16];
	unsigned int i;
	int ret = 0;

	for (i = 0; i < run->nr; i++) {
		struct rh_dma_heap_allocation_data data = {
			.len = size,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};
		struct abuf *b = &run->bufs[i];

		ret = rh_ioctl(run->plat, heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data);
		if (ret) {
			char room[160] = "";

			if (ret == -ENOMEM)
				cli_heap_room(run->plat, run->heap, room, sizeof(room));
			tools_error(stderr, PROG, CMD, "allocation %u of %llu bytes from %s failed: %s (%s)%s%s",
				    i + 1, (unsigned long long)size, run->heap, strerror(-ret),
				    cli_errno_name(ret, ebuf, sizeof(ebuf)), room[0] ? ": " : "", room);
			run->nr = i;
			return TOOLS_EXIT_FAILURE;
		}
		b->fd = (int)data.fd;
		b->dmabuf = rh_dma_buf_get(run->plat, b->fd);
		if (RH_IS_ERR(b->dmabuf)) {
			ret = (int)RH_PTR_ERR(b->dmabuf);
			b->dmabuf = NULL;
			rh_close(run->plat, b->fd);
			run->nr = i;
			return tools_error(stderr, PROG, CMD, "fd %d is not a dma-buf: %s", b->fd,
					   strerror(-ret));
		}
		if (!run->dev)
			continue;
		b->att = rh_dma_buf_attach(b->dmabuf, run->dev);
		if (RH_IS_ERR(b->att)) {
			ret = (int)RH_PTR_ERR(b->att);
			b->att = NULL;
			run->nr = i + 1;
			return tools_error(stderr, PROG, CMD, "attaching %s failed: %s",
					   rh_device_name(run->dev), strerror(-ret));
		}
		b->sgt = rh_dma_buf_map_attachment(b->att, RH_DMA_BIDIRECTIONAL);
		if (RH_IS_ERR(b->sgt)) {
			ret = (int)RH_PTR_ERR(b->sgt);
			b->sgt = NULL;
			run->nr = i + 1;
			return tools_error(stderr, PROG, CMD, "mapping for %s failed: %s",
					   rh_device_name(run->dev), strerror(-ret));
		}
	}

	if (run->json) {
		tools_json_init(&run->j, stdout);
		tools_json_object_begin(&run->j);
		tools_json_kv_string(&run->j, "heap", run->heap);
		tools_json_kv_uint(&run->j, "requested_size", size);
		if (run->dev)
			tools_json_kv_string(&run->j, "attach", rh_device_name(run->dev));
		tools_json_key(&run->j, "buffers");
		tools_json_array_begin(&run->j);
	}
	for (i = 0; i < run->nr; i++) {
		ret = show_buffer(run, i);
		if (ret)
			return ret;
	}
	bufinfo = capture(bufinfo_fn, run->plat, -1);
	if (!bufinfo)
		return tools_error(stderr, PROG, CMD, "cannot write bufinfo");
	if (run->json) {
		tools_json_array_end(&run->j);
		tools_json_kv_string(&run->j, "bufinfo", bufinfo);
	} else {
		printf("/sys/kernel/debug/dma_buf/bufinfo:");
		fputs(bufinfo, stdout);
	}
	free(bufinfo);
	return 0;
}

/* "-4K", "-1": an argument that reads as a negative number, not an option. */
static bool looks_negative(const char *arg)
{
	return arg[0] == '-' && arg[1] >= '0' && arg[1] <= '9';
}

/* @arg is an option of @opts whose value is the next argument ("--count", "-n"). */
static bool option_takes_value(const struct option *opts, const char *arg)
{
	for (; opts->name; opts++) {
		if (opts->has_arg != required_argument)
			continue;
		if ((arg[0] == '-' && arg[1] == '-' && !strcmp(arg + 2, opts->name)) ||
		    (arg[0] == '-' && arg[1] == opts->val && !arg[2]))
			return true;
	}
	return false;
}

int cmd_alloc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "attach", required_argument, NULL, 'a' },
		{ "platform", required_argument, NULL, 'd' },
		{ "dtb", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dtb_path = NULL, *attach = NULL, *count_arg = NULL;
	struct alloc_run run = { .nr = 1 };
	char path[sizeof(RH_DMA_HEAP_DEV_DIR) + RH_DMA_HEAP_NAME_LEN + 1];
	char list[512];
	uint64_t size;
	int c, ret, rret, heap_fd;

	/* getopt would read "-4K" as options: say what is wrong with it instead. */
	for (c = 1; c < argc && strcmp(argv[c], "--"); c++) {
		if (option_takes_value(opts, argv[c]))
			c++;
		else if (looks_negative(argv[c]))
			return tools_usage_error(stderr, PROG, CMD,
						 "size '%s' is negative: SIZE counts bytes "
						 "(e.g. 4K)", argv[c]);
	}
	while ((c = getopt_long(argc, argv, ":n:a:d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			count_arg = optarg;
			break;
		case 'a':
			attach = optarg;
			break;
		case 'd':
			dtb_path = optarg;
			break;
		case 'j':
			run.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_option_error(CMD, argv, c);
		}
	}
	if (argc - optind < 2)
		return tools_usage_error(stderr, PROG, CMD, "needs HEAP and SIZE (see --help)");
	if (argc - optind > 2) {
		optind += 2;
		return cli_extra_args(CMD, argc, argv);
	}
	run.heap = argv[optind];
	ret = tools_parse_size(argv[optind + 1], 0, &size);
	/* A size past 2^63 is what a negative number turns into once unsigned. */
	if (!ret && size > INT64_MAX)
		return tools_usage_error(stderr, PROG, CMD,
					 "size '%s' is %llu bytes, a negative number read as unsigned?",
					 argv[optind + 1], (unsigned long long)size);
	if (ret)
		return tools_usage_error(stderr, PROG, CMD, "bad SIZE '%s': %s",
					 argv[optind + 1],
					 ret == -ERANGE ? "zero or too large" :
							  "use a number with an optional K/M/G/T suffix");
	if (count_arg && tools_parse_uint(count_arg, 1, ALLOC_MAX_COUNT, &run.nr))
		return tools_usage_error(stderr, PROG, CMD, "bad --count '%s': use 1 to %u",
					 count_arg, ALLOC_MAX_COUNT);
	if (strlen(run.heap) >= RH_DMA_HEAP_NAME_LEN || strchr(run.heap, '/'))
		return tools_usage_error(stderr, PROG, CMD, "bad heap name '%s'", run.heap);

	ret = cli_platform_new(CMD, dtb_path, NULL, &run.plat);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s", RH_DMA_HEAP_DEV_DIR, run.heap);
	heap_fd = rh_open(run.plat, path, O_RDWR | O_CLOEXEC);
	if (heap_fd < 0) {
		ret = tools_usage_error(stderr, PROG, CMD, "no heap named '%s' (heaps: %s)",
					run.heap, cli_heap_list(run.plat, list, sizeof(list)));
		goto out_unref;
	}
	if (attach) {
		run.dev = rh_device_find(run.plat, attach);
		if (!run.dev) {
			ret = tools_usage_error(stderr, PROG, CMD, "no device named '%s' (devices: %s)",
						attach, cli_device_list(run.plat, list, sizeof(list)));
			goto out_close_heap;
		}
	}
	run.bufs = calloc(run.nr, sizeof(*run.bufs));
	if (!run.bufs) {
		ret = tools_error(stderr, PROG, CMD, "out of memory");
		goto out_close_heap;
	}

	ret = run_alloc(&run, heap_fd, size);
	rret = release_all(&run);
	if (!ret)
		ret = rret;
	if (run.json && !ret) {
		tools_json_kv_uint(&run.j, "freed", run.nr);
		tools_json_object_end(&run.j);
		if (tools_json_finish(&run.j))
			ret = tools_error(stderr, PROG, CMD, "writing the JSON output failed");
		else
			putchar('\n');
	} else if (!ret) {
		printf("freed %u buffer%s: every fd closed, nothing left in bufinfo\n", run.nr,
		       run.nr == 1 ? "" : "s");
	}
	free(run.bufs);
out_close_heap:
	rh_close(run.plat, heap_fd);
out_unref:
	rh_platform_unref(run.plat);
	if (!ret && fflush(stdout))
		ret = TOOLS_EXIT_FAILURE;
	return ret;
}
