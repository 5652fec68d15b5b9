// SPDX-License-Identifier: MIT
/* rheap-sim: command line front end of librheap-sim (subcommand dispatch, shared helpers). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rheap/device.h>
#include <rheap/dma-heap.h>
#include <rheap/heaps/restricted-mtk.h>
#include <rheap/phys.h>
#include <rheap/platform.h>
#include <rheap/tee-heap.h>
#include <rheap/version.h>

#include "commands.h"

struct subcommand {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

static const struct subcommand subcommands[] = {
	{ "demo", "narrate a secure video playback and the attacks it resists", cmd_demo },
	{ "platform", "show the platform's memory map, firewall, devices and heaps", cmd_platform },
	{ "alloc", "allocate from a heap, show the sg_table and bufinfo, then free", cmd_alloc },
	{ "bufinfo", "dma-buf state after a scripted run, in the debugfs format", cmd_bufinfo },
	{ "replay", "replay an allocation trace (CSV) and report latencies", cmd_replay },
	{ "run", "run an unmodified program on the simulation (LD_PRELOAD shim)", cmd_run },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"Usage: " PROG " [--help] [--version] COMMAND [ARGS...]\n"
		"\n"
		"Simulate restricted (secure) dma-buf heaps on a fake secure world.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-10s %s\n", subcommands[i].name,
			subcommands[i].summary);
	fprintf(out, "\nRun '" PROG " COMMAND --help' for a command's options.\n");
}

int cli_option_error(const char *cmd, char **argv, int c)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		return tools_usage_error(stderr, PROG, cmd,
					 "option '%s' needs an argument", arg);
	/* optopt is the unknown character of a short option, 0 for a long one. */
	if (optopt)
		return tools_usage_error(stderr, PROG, cmd, "unknown option '-%c'", optopt);
	return tools_usage_error(stderr, PROG, cmd, "unknown option '%s'", arg);
}

int cli_extra_args(const char *cmd, int argc, char **argv)
{
	(void)argc;
	return tools_usage_error(stderr, PROG, cmd, "unexpected argument '%s'",
				 argv[optind]);
}

const char *cli_errno_name(int err, char *buf, size_t len)
{
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	if (name)
		return name;
	snprintf(buf, len, "E%d", err);
	return buf;
}

const char *cli_size_str(uint64_t size, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	if (!size || size % 1024) {
		snprintf(buf, len, "%llu bytes", (unsigned long long)size);
		return buf;
	}
	size /= 1024;
	while (u + 1 < sizeof(units) / sizeof(units[0]) && size % 1024 == 0) {
		size /= 1024;
		u++;
	}
	snprintf(buf, len, "%llu %s", (unsigned long long)size, units[u]);
	return buf;
}

const char *cli_heap_list(struct rh_platform *plat, char *buf, size_t len)
{
	const char *names[RH_DMA_HEAP_MAX];
	size_t used = 0;
	int n, i;

	buf[0] = '\0';
	n = rh_dma_heap_list(plat, names, RH_DMA_HEAP_MAX);
	for (i = 0; i < n && i < RH_DMA_HEAP_MAX && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 names[i]);
	return buf;
}

const char *cli_device_list(struct rh_platform *plat, char *buf, size_t len)
{
	unsigned int i, n = rh_device_count(plat);
	size_t used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 rh_device_name(rh_device_get(plat, i)));
	return buf;
}

const char *cli_heap_room(struct rh_platform *plat, const char *heap, char *buf, size_t len)
{
	const struct rh_platform_desc *desc = rh_platform_get_desc(plat);
	struct rh_restricted_mtk_stats st;
	struct rh_tee_heap_stats pst;
	char sz[32], used[32];

	buf[0] = '\0';
	if (!rh_restricted_mtk_get_stats(plat, heap, &st))
		snprintf(buf, len, "%s allocates from a %s region, %s of it in live buffers",
			 heap, cli_size_str(st.region_size, sz, sizeof(sz)),
			 cli_size_str(st.tee_bytes, used, sizeof(used)));
	else if (!rh_tee_heap_get_stats(plat, heap, &pst) && pst.dynamic)
		snprintf(buf, len, "%s allocates from a %s chunk the TEE is lent, %s of it in "
			 "live buffers", heap, cli_size_str(pst.min_size, sz, sizeof(sz)),
			 cli_size_str(pst.bytes, used, sizeof(used)));
	else if (!rh_tee_heap_get_stats(plat, heap, &pst))
		snprintf(buf, len, "%s allocates from a %s carveout, %s of it in live buffers",
			 heap, cli_size_str(pst.size, sz, sizeof(sz)),
			 cli_size_str(pst.bytes, used, sizeof(used)));
	else if (desc && !strncmp(heap, "system", strlen("system")))
		snprintf(buf, len, "%s allocates from the platform's %s of DRAM", heap,
			 cli_size_str(desc->dram_size, sz, sizeof(sz)));
	return buf;
}

bool cli_protmem_board(struct rh_platform *plat)
{
	struct rh_tee_heap_stats st;

	return !rh_phys_reserved_find_compatible(plat, RH_MTK_DYNAMIC_REGION_COMPATIBLE) &&
	       !rh_tee_heap_get_stats(plat, RH_TEE_HEAP_SECURE_VIDEO_NAME, &st);
}

/* Keeps the first error line logged while the platform is being built. */
struct boot_log {
	char first[256];
	void (*chain)(void *data, enum rh_log_level level, const char *msg);
	void *chain_data;
};

static void boot_log_fn(void *data, enum rh_log_level level, const char *msg)
{
	struct boot_log *bl = data;

	if (level <= RH_LOG_ERR && !bl->first[0]) {
		snprintf(bl->first, sizeof(bl->first), "%s", msg);
		return;
	}
	if (bl->chain)
		bl->chain(bl->chain_data, level, msg);
	else if (level <= RH_LOG_ERR)
		fprintf(stderr, PROG ": %s\n", msg);
}

/* The platforms the tool knows by name; the library itself embeds mt8188-svp. */
static const struct {
	const char *name;
	const char *what;
} builtin_platforms[] = {
	{ "mt8188-svp", "the MT8188-like secure video SoC (default)" },
	{ "minimal", "a small test SoC (64 MiB of CMA: few 4K frames fit)" },
	{ "optee-protmem", "a QEMU-virt-like Armv8 board with OP-TEE's protected heaps "
			   "(Linux 6.18)" },
};

const char *cli_builtin_platforms(char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(builtin_platforms) / sizeof(builtin_platforms[0]) && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 builtin_platforms[i].name);
	return buf;
}

static const void *builtin_dtb(const char *name, size_t *ret_size)
{
	if (!strcmp(name, "mt8188-svp"))
		return rh_platform_default_dtb(ret_size);
	if (!strcmp(name, "minimal")) {
		*ret_size = tools_minimal_dtb_size;
		return tools_minimal_dtb;
	}
	if (!strcmp(name, "optee-protmem")) {
		*ret_size = tools_optee_protmem_dtb_size;
		return tools_optee_protmem_dtb;
	}
	return NULL;
}

/*
 * Why a file is not a platform, in words a newcomer can act on: an empty
 * file, or device tree source that was never compiled. Empty otherwise.
 */
static void dtb_hint(const char *path, char *buf, size_t len)
{
	static const char dts_magic[] = "/dts-v1/";
	const char *dot = strrchr(path, '.');
	char head[64] = "";
	struct stat st;
	size_t got = 0;
	FILE *f;

	buf[0] = '\0';
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return;
	if (st.st_size == 0) {
		snprintf(buf, len, "the file is empty: a platform is a device tree blob "
			 "compiled by dtc (dtc -I dts -O dtb -o FILE.dtb FILE.dts)");
		return;
	}
	f = fopen(path, "r");
	if (f) {
		got = fread(head, 1, sizeof(head) - 1, f);
		fclose(f);
	}
	head[got] = '\0';
	if ((dot && !strcmp(dot, ".dts")) || strstr(head, dts_magic))
		snprintf(buf, len, "this is device tree source: compile it first "
			 "(dtc -I dts -O dtb -o %.*s.dtb %s)",
			 (int)(dot && !strcmp(dot, ".dts") ? dot - path : (long)strlen(path)),
			 path, path);
}

int cli_platform_new(const char *cmd, const char *platform,
		     const struct rh_platform_info *info,
		     struct rh_platform **ret_plat)
{
	RH_DEFINE_PLATFORM_INFO(pi);
	struct boot_log bl = { .first = "" };
	char ebuf[16], names[128], hint[256];
	const char *why;
	int ret;

	if (info)
		pi = *info;
	pi.dtb = NULL;
	pi.dtb_path = NULL;
	if (platform && !strchr(platform, '/'))
		pi.dtb = builtin_dtb(platform, &pi.dtb_size);
	if (platform && !pi.dtb) {
		struct stat st;

		/* A bare word that is neither a built-in nor a file: say what exists. */
		if (!strchr(platform, '/') && stat(platform, &st))
			return tools_usage_error(stderr, PROG, cmd,
						 "no platform '%s': give a built-in name (%s) "
						 "or the path of a .dtb file", platform,
						 cli_builtin_platforms(names, sizeof(names)));
		pi.dtb_path = platform;
	}
	bl.chain = pi.log_fn;
	bl.chain_data = pi.log_data;
	pi.log_fn = boot_log_fn;
	pi.log_data = &bl;
	ret = rh_platform_new(&pi, ret_plat);
	if (!ret) {
		rh_platform_set_log_fn(*ret_plat, info ? info->log_fn : NULL,
				       info ? info->log_data : NULL);
		return 0;
	}
	if (pi.dtb_path && ret != -ENOMEM) {
		dtb_hint(pi.dtb_path, hint, sizeof(hint));
		why = bl.first;
		if (strstr(why, "platform: "))
			why = strstr(why, "platform: ") + strlen("platform: ");
		if (hint[0])
			return tools_usage_error(stderr, PROG, cmd, "%s: %s", pi.dtb_path, hint);
		return tools_usage_error(stderr, PROG, cmd, "%s: %s", pi.dtb_path,
					 why[0] ? why : strerror(-ret));
	}
	return tools_error(stderr, PROG, cmd, "cannot create the platform: %s (%s)%s%s",
			   strerror(-ret), cli_errno_name(ret, ebuf, sizeof(ebuf)),
			   bl.first[0] ? ": " : "", bl.first);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c;

	opterr = 0;
	/* '+' stops at the first non-option: the rest belongs to the command. */
	while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " %s\n", RH_VERSION_STRING);
			return 0;
		default:
			return cli_option_error(NULL, argv, c);
		}
	}
	if (optind >= argc)
		return tools_usage_error(stderr, PROG, NULL,
					 "no command given (see --help)");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (!strcmp(argv[optind], subcommands[i].name)) {
			char **sub_argv = argv + optind;
			int sub_argc = argc - optind;

			/* optind 0 makes glibc's getopt start over for the command. */
			optind = 0;
			return subcommands[i].run(sub_argc, sub_argv);
		}
	}
	return tools_usage_error(stderr, PROG, NULL, "unknown command '%s' (see --help)",
				 argv[optind]);
}
