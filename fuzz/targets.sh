# SPDX-License-Identifier: MIT
# Sourced by the fuzz/ scripts: a target is a directory of fuzz/corpus/ (needs $SRC and die()).
# shellcheck shell=bash

# The targets, one a line.
targets()
{
	local d
	for d in "$SRC"/fuzz/corpus/*/; do
		basename "$d"
	done
}

# Dies unless $1 names a target.
check_target()
{
	[ -n "${1:-}" ] || die "which target? ($(targets | tr '\n' ' '))"
	[ -d "$SRC/fuzz/corpus/$1" ] || die "unknown target '$1' ($(targets | tr '\n' ' '))"
}
