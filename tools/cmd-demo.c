// SPDX-License-Identifier: MIT
/* rheap-sim demo: the secure video path, narrated from the library's own trace events. */
#include "config.h"

#include "commands.h"

int cmd_demo(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return tools_error(stderr, PROG, "demo", "not written yet");
}
