/* SPDX-License-Identifier: MIT */
/* rheap-sim subcommands and the helpers they share (defined in rheap-sim.c). */
#ifndef RH_TOOLS_COMMANDS_H
#define RH_TOOLS_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rheap/platform.h>

#include "tools-common.h"

#define PROG "rheap-sim"

/*
 * Each subcommand gets argv[0] = its own name and returns the exit code:
 * 0 success, TOOLS_EXIT_FAILURE (1) a failed run, TOOLS_EXIT_USAGE (2) a
 * bad command line (one line "rheap-sim <cmd>: <problem>" on stderr).
 */
int cmd_demo(int argc, char **argv);
int cmd_platform(int argc, char **argv);
int cmd_alloc(int argc, char **argv);
int cmd_bufinfo(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_run(int argc, char **argv);

/*
 * cli_option_error() - the usage line for what getopt_long() returned:
 * @c is '?' (unknown option) or ':' (missing argument; the option string
 * must start with ':'). Returns TOOLS_EXIT_USAGE.
 */
int cli_option_error(const char *cmd, char **argv, int c);

/* cli_extra_args() - usage error for arguments left after the expected ones */
int cli_extra_args(const char *cmd, int argc, char **argv);

/*
 * cli_platform_new() - create the platform of a subcommand
 * @platform: --platform's value: a built-in name (cli_builtin_platforms()),
 *            or the path of a .dtb file (a value with a '/' always is one,
 *            so ./minimal names a file); NULL for the default (mt8188-svp)
 * @info: NULL, or settings to start from (its dtb fields are replaced)
 * @ret_plat: the platform on success
 *
 * Library error lines of the creation are gathered into the one-line
 * message. A platform that cannot be read or is invalid is a bad argument;
 * an empty file or device tree source gets a hint to compile it with dtc.
 * Returns 0, TOOLS_EXIT_USAGE or TOOLS_EXIT_FAILURE (message printed).
 */
int cli_platform_new(const char *cmd, const char *platform,
		     const struct rh_platform_info *info,
		     struct rh_platform **ret_plat);

/* Names of the built-in platforms, comma separated, into @buf. */
const char *cli_builtin_platforms(char *buf, size_t len);

/* The minimal and optee-protmem platforms' DTBs, embedded at build time (tools/meson.build). */
extern const unsigned char tools_minimal_dtb[];
extern const size_t tools_minimal_dtb_size;
extern const unsigned char tools_optee_protmem_dtb[];
extern const size_t tools_optee_protmem_dtb_size;

/*
 * The help text of --platform, shared by every subcommand (built-in names,
 * a .dtb path, the --dtb alias).
 */
#define CLI_PLATFORM_HELP \
	"  --platform NAME|FILE  a built-in platform (mt8188-svp, the default,\n" \
	"                        minimal, optee-protmem) or a device tree blob\n" \
	"                        (.dtb); --dtb is the same option\n"

/* cli_errno_name() - "EPERM" for -EPERM (or EPERM), "E<n>" when unknown */
const char *cli_errno_name(int err, char *buf, size_t len);

/* cli_size_str() - "12 MiB", "12150 KiB", "4097 bytes" into @buf */
const char *cli_size_str(uint64_t size, char *buf, size_t len);

/* Heaps that exist on a platform, comma separated, into @buf (error hints). */
const char *cli_heap_list(struct rh_platform *plat, char *buf, size_t len);

/*
 * What heap @heap allocates from, for an -ENOMEM message: "restricted_mtk_cma
 * allocates from a 384 MiB region, 0 bytes of it in live buffers"; empty
 * when the tool cannot tell.
 */
const char *cli_heap_room(struct rh_platform *plat, const char *heap, char *buf, size_t len);

/*
 * cli_protmem_board() - @plat offers the TEE's protected heaps (Linux 6.18)
 * and not MediaTek's dynamic region: the commands use the protected heaps.
 */
bool cli_protmem_board(struct rh_platform *plat);

/* Devices of a platform, comma separated, into @buf (error hints). */
const char *cli_device_list(struct rh_platform *plat, char *buf, size_t len);

#endif /* RH_TOOLS_COMMANDS_H */
