// SPDX-License-Identifier: MIT
/* rheap-sim: command line front end of librheap-sim (subcommand dispatch). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/platform.h>
#include <rheap/version.h>

#define EXIT_USAGE 2

struct subcommand {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

static int cmd_platform(int argc, char **argv);

static const struct subcommand subcommands[] = {
	{ "platform", "show the platform's memory map, regions and devices", cmd_platform },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"Usage: rheap-sim [--help] [--version] COMMAND [ARGS...]\n"
		"\n"
		"Simulate restricted (secure) dma-buf heaps on a fake secure world.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-10s %s\n", subcommands[i].name,
			subcommands[i].summary);
	fprintf(out, "\nRun 'rheap-sim COMMAND --help' for a command's options.\n");
}

static int cmd_platform(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dtb", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	RH_DEFINE_PLATFORM_INFO(info);
	const struct rh_platform_desc *desc;
	struct rh_platform *plat;
	unsigned int i;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			info.dtb_path = optarg;
			break;
		case 'h':
			printf("Usage: rheap-sim platform [--dtb FILE]\n");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rheap-sim platform: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	ret = rh_platform_new(&info, &plat);
	if (ret) {
		fprintf(stderr, "rheap-sim platform: cannot create platform: %s\n",
			strerror(-ret));
		return 1;
	}
	desc = rh_platform_get_desc(plat);
	printf("model: %s\n", desc->model);
	printf("dram:  0x%010llx-0x%010llx (%llu MiB)\n",
	       (unsigned long long)desc->dram_base,
	       (unsigned long long)(desc->dram_base + desc->dram_size - 1),
	       (unsigned long long)(desc->dram_size >> 20));
	for (i = 0; i < desc->nr_reserved; i++)
		printf("reserved: %-20s 0x%010llx +%llu MiB %s%s%s\n",
		       desc->reserved[i].name,
		       (unsigned long long)desc->reserved[i].base,
		       (unsigned long long)(desc->reserved[i].size >> 20),
		       desc->reserved[i].compatible,
		       desc->reserved[i].no_map ? " no-map" : "",
		       desc->reserved[i].reusable ? " reusable" : "");
	printf("firewall: %u regions, granularity 0x%llx\n",
	       desc->firewall_regions,
	       (unsigned long long)desc->firewall_granularity);
	for (i = 0; i < desc->nr_devices; i++)
		printf("device: %-10s master %u %s\n", desc->devices[i].name,
		       desc->devices[i].master_id,
		       desc->devices[i].secure_capable ? "secure-capable" :
							 "non-secure");
	rh_platform_unref(plat);
	return 0;
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

	/* '+' stops at the first non-option: the rest belongs to the command. */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("rheap-sim %s\n", RH_VERSION_STRING);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[optind], subcommands[i].name))
			return subcommands[i].run(argc - optind, argv + optind);
	fprintf(stderr, "rheap-sim: unknown command '%s' (see --help)\n",
		argv[optind]);
	return EXIT_USAGE;
}
