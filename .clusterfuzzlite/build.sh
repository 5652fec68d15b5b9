#!/bin/bash
# SPDX-License-Identifier: MIT
# ClusterFuzzLite's entry point: the build script shared with the OSS-Fuzz project (fuzz/oss-fuzz/).
exec "$SRC/librheap-sim/fuzz/oss-fuzz/build.sh" "$@"
