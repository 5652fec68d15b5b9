#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Doxygen FILTER_PATTERNS filter for headers: kernel-doc "@name" references -> Doxygen "\p name".
"""The public headers use kernel-doc comments ("@plat: the platform",
"@return 0 or -errno"). Doxygen would read each "@plat" as an unknown
command, so in comment lines every "@identifier" except the Doxygen
commands kept below is rewritten as "\\p identifier" (the name in
typewriter font), and placeholders such as "/dev/dma_heap/<name>" are
escaped so that they are not taken for HTML tags."""
import re
import sys

KEEP = {"return", "returns", "retval", "note", "warning", "see", "param", "brief"}
REF = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")
PLACEHOLDER = re.compile(r"<([A-Za-z_][A-Za-z0-9_-]*)>")


def subst(match):
    word = match.group(1)
    # "@param: ..." documents a parameter named param (kernel-doc), while
    # "@param name" would be the Doxygen command: only the latter is kept.
    if word in KEEP and not match.string.startswith(":", match.end()):
        return match.group(0)
    return "\\p " + word


with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if line.lstrip().startswith(("/*", "*")):
            line = PLACEHOLDER.sub(r"\\<\1\\>", REF.sub(subst, line))
        sys.stdout.write(line)
