// SPDX-License-Identifier: MIT
/* rheap-sim run: run an unmodified program with the LD_PRELOAD shim on the simulation. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"

#define CMD "run"
#define SHIM "librheap-sim-preload.so"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " " CMD " [--platform P] [--trace FILE] -- PROGRAM [ARGS...]\n"
		"\n"
		"Run PROGRAM unchanged with /dev/dma_heap/*, /dev/tee0, their fds,\n"
		"/sys/kernel/debug/dma_buf/bufinfo and /proc/self/fdinfo/N served by the\n"
		"simulation (LD_PRELOAD=" SHIM "). Exits with PROGRAM's status.\n"
		"\n"
		"  --platform P  a built-in platform (mt8188-svp, minimal, optee-protmem) or\n"
		"                a .dtb file; --dtb is the same option\n"
		"  --trace FILE  write the whole run's trace (Chrome JSON, opens in Perfetto)\n"
		"  --help        this text\n"
		"\n"
		"With ASan, libasan must come first: LD_PRELOAD=$(gcc -print-file-name=libasan.so)\n"
		"in the environment is kept in front of the shim. Under valgrind:\n"
		"  " PROG " " CMD " -- valgrind PROGRAM (valgrind passes LD_PRELOAD on).\n");
}

/* The directory of this executable, into @buf. */
static int exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0)
		return -errno;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* @dir + @suffix into @buf; false when it does not fit. */
static bool join(char *buf, size_t len, const char *dir, const char *suffix)
{
	int n = snprintf(buf, len, "%s%s", dir, suffix);

	return n >= 0 && (size_t)n < len;
}

/*
 * From the build tree (tools/rheap-sim next to preload/ and platforms/) or
 * installed (libdir, datadir): the shim, the platform directory and the
 * directory of libteec.so.2 to put on LD_LIBRARY_PATH (NULL: installed).
 */
static int locate(char *shim, char *platforms, char *libdir, size_t len)
{
	char dir[PATH_MAX];
	int ret = exe_dir(dir, sizeof(dir));

	if (!ret && join(shim, len, dir, "/../preload/" SHIM) && is_file(shim) &&
	    join(platforms, len, dir, "/../platforms") &&
	    join(libdir, len, dir, "/../preload"))
		return 0;
	libdir[0] = '\0';
	if (!join(shim, len, RH_LIBDIR, "/" SHIM) ||
	    !join(platforms, len, RH_PLATFORM_DIR, ""))
		return -ENAMETOOLONG;
	return is_file(shim) ? 0 : -ENOENT;
}

/* Prepends @value to the colon-separated list @name (LD_PRELOAD keeps libasan first). */
static int env_add(const char *name, const char *value, bool front)
{
	const char *old = getenv(name);
	char *joined;
	int ret;

	if (!old || !*old)
		return setenv(name, value, 1);
	/* libasan (or another sanitizer runtime) must stay first in LD_PRELOAD. */
	if (front)
		ret = asprintf(&joined, "%s:%s", value, old);
	else
		ret = asprintf(&joined, "%s:%s", old, value);
	if (ret < 0)
		return -1;
	ret = setenv(name, joined, 1);
	free(joined);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'p' },
		{ "dtb", required_argument, NULL, 'p' },
		{ "trace", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char shim[PATH_MAX], platforms[PATH_MAX], libdir[PATH_MAX];
	const char *platform = NULL, *trace = NULL;
	bool asan_first;
	pid_t pid;
	int c, status;

	opterr = 0;
	/* '+': everything after PROGRAM is PROGRAM's. */
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			platform = optarg;
			break;
		case 't':
			trace = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_option_error(CMD, argv, c);
		}
	}
	if (optind >= argc)
		return tools_usage_error(stderr, PROG, CMD, "no program given (see --help)");
	if (platform && !*platform)
		return tools_usage_error(stderr, PROG, CMD, "--platform needs a name or a .dtb file");
	if (platform && (strchr(platform, '/') || strstr(platform, ".dtb")) && !is_file(platform))
		return tools_usage_error(stderr, PROG, CMD, "%s: no such platform file", platform);
	if (locate(shim, platforms, libdir, sizeof(shim)))
		return tools_error(stderr, PROG, CMD, "cannot find %s (looked next to %s and in %s)",
				   SHIM, PROG, RH_LIBDIR);
	if (platform && !strchr(platform, '/') && !strstr(platform, ".dtb") &&
	    strcmp(platform, "mt8188-svp")) {
		char path[PATH_MAX * 2], names[128];

		snprintf(path, sizeof(path), "%s/%s.dtb", platforms, platform);
		if (!is_file(path))
			return tools_usage_error(stderr, PROG, CMD,
						 "unknown platform '%s' (built in: %s)", platform,
						 cli_builtin_platforms(names, sizeof(names)));
	}
	/* An existing LD_PRELOAD naming a sanitizer runtime stays in front. */
	asan_first = getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "libasan");
	if (env_add("LD_PRELOAD", shim, !asan_first) ||
	    /* A shim built with ASan needs its runtime loaded first. */
	    (!asan_first && RH_ASAN_RUNTIME[0] && env_add("LD_PRELOAD", RH_ASAN_RUNTIME, true)) ||
	    setenv("RHEAP_PLATFORM_DIR", platforms, 1) ||
	    (platform && setenv("RHEAP_PLATFORM", platform, 1)) ||
	    (trace && setenv("RHEAP_TRACE", trace, 1)) ||
	    (libdir[0] && env_add("LD_LIBRARY_PATH", libdir, true)))
		return tools_error(stderr, PROG, CMD, "cannot set the environment: %s",
				   strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return tools_error(stderr, PROG, CMD, "fork: %s", strerror(errno));
	if (!pid) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, PROG " " CMD ": %s: %s\n", argv[optind], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return tools_error(stderr, PROG, CMD, "waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
