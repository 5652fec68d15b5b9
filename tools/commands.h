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
 * @dtb_path: NULL for the built-in default
 * @info: NULL, or settings to start from (dtb_path is overridden when set)
 * @ret_plat: the platform on success
 *
 * Library error lines of the creation are gathered into the one-line
 * message. A device tree that cannot be read or is invalid is a bad
 * argument. Returns 0, TOOLS_EXIT_USAGE or TOOLS_EXIT_FAILURE (message
 * printed).
 */
int cli_platform_new(const char *cmd, const char *dtb_path,
		     const struct rh_platform_info *info,
		     struct rh_platform **ret_plat);

/* cli_errno_name() - "EPERM" for -EPERM (or EPERM), "E<n>" when unknown */
const char *cli_errno_name(int err, char *buf, size_t len);

/* cli_size_str() - "12 MiB", "12150 KiB", "4097 bytes" into @buf */
const char *cli_size_str(uint64_t size, char *buf, size_t len);

/* Heaps that exist on a platform, comma separated, into @buf (error hints). */
const char *cli_heap_list(struct rh_platform *plat, char *buf, size_t len);

/* Devices of a platform, comma separated, into @buf (error hints). */
const char *cli_device_list(struct rh_platform *plat, char *buf, size_t len);

#endif /* RH_TOOLS_COMMANDS_H */
