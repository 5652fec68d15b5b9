#!/bin/bash
# SPDX-License-Identifier: MIT
# OSS-Fuzz / ClusterFuzzLite build: every fuzz target into $OUT, with its seed corpus, dictionary and options.
#
# Run by the fuzzing service's builder with its environment:
#   CC, CXX, CFLAGS   the compiler and the sanitizer + coverage flags of this build
#   LIB_FUZZING_ENGINE   the fuzzing engine to link (-fsanitize=fuzzer for libFuzzer)
#   OUT               where the fuzzers go;  WORK  scratch space (optional)
#
# The library is built with Meson using $CC $CFLAGS; each target of fuzz/
# (one per fuzz/corpus/TARGET/) is compiled with $CC $CFLAGS from the
# sources Meson lists for it, and linked with $LIB_FUZZING_ENGINE into
# $OUT/TARGET, next to TARGET_seed_corpus.zip, TARGET.dict and
# TARGET.options (the file names the service looks for).
# fuzz/oss-fuzz/check-build.sh runs this script here, with clang and libFuzzer.
set -euo pipefail

: "${CC:?set by the builder}" "${CFLAGS?set by the builder}"
: "${LIB_FUZZING_ENGINE:?set by the builder}" "${OUT:?set by the builder}"
# The source tree: around this script in a checkout (ClusterFuzzLite, the
# check here); the working directory when OSS-Fuzz runs it as $SRC/build.sh.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -f "$here/../../meson.build" ] && [ -d "$here/../corpus" ]; then
	ROOT=$(cd "$here/../.." && pwd)
else
	ROOT=$PWD
fi
[ -d "$ROOT/fuzz/corpus" ] || { echo "build.sh: no librheap-sim source in $ROOT" >&2; exit 1; }
BUILD=${WORK:-/tmp}/rheap-sim-build
# libFuzzer is C++: link with the C++ driver when there is one (the AFL and
# honggfuzz engines are C++ archives); the objects are C, compiled with $CC.
LINK=${CXX:-$CC}

# 1. The library (the static copy that can reach internals), with the
#    builder's flags. Tests stay configured (never built): Meson lists the
#    sources of each target through them.
if [ ! -f "$BUILD/build.ninja" ]; then
	LDFLAGS=$CFLAGS meson setup "$BUILD" "$ROOT" \
		--buildtype=plain -Ddefault_library=static -Db_lundef=false \
		-Dtests=enabled -Dfuzz=disabled -Dtools=disabled -Dbench=disabled \
		-Ddocs=disabled
fi
ninja -C "$BUILD" librheap-sim-internal.a

# 2. The sources of each target: those of its replay-TARGET executable, less
#    the replay driver (the engine brings its own main()), and the sources
#    Meson generates for it (a device tree embedded as C), built first.
sources_of()
{
	meson introspect --targets "$BUILD" | python3 -c '
import json, sys
name = "replay-" + sys.argv[1]
for t in json.load(sys.stdin):
    if t["name"] == name:
        for group in t["target_sources"]:
            for src in group.get("sources", []) + group.get("generated_sources", []):
                if not src.endswith("/replay-main.c"):
                    print(src)
        break
else:
    sys.exit("no Meson target " + name)
' "$1"
}

read -r -a LIBS <<<"$(pkg-config --libs libcrypto) $(pkg-config --libs libbsd-overlay) -lfdt -lpthread -lm"
read -r -a BSD_CFLAGS <<<"$(pkg-config --cflags libbsd-overlay)"
INCS=(-I"$BUILD" -I"$BUILD/include" -I"$ROOT/include" -I"$ROOT" -I"$ROOT/src" -I"$ROOT/emu"
      -I"$ROOT/tests/common" -I"$ROOT/fuzz" -D_GNU_SOURCE "${BSD_CFLAGS[@]}")

mkdir -p "$OUT"
built=0
for dir in "$ROOT"/fuzz/corpus/*/; do
	t=$(basename "$dir")
	objs=()
	mapfile -t srcs < <(sources_of "$t")
	[ ${#srcs[@]} -gt 0 ] || { echo "build.sh: no sources for $t" >&2; exit 1; }
	mkdir -p "$BUILD/fuzz-objs/$t"
	for src in "${srcs[@]}"; do
		case $src in
		"$BUILD"/*) ninja -C "$BUILD" "${src#"$BUILD"/}" ;;
		esac
		obj="$BUILD/fuzz-objs/$t/$(basename "$src" .c).o"
		# shellcheck disable=SC2086 # CFLAGS is a list of flags
		$CC $CFLAGS -std=c11 "${INCS[@]}" -c "$src" -o "$obj"
		objs+=("$obj")
	done
	# shellcheck disable=SC2086 # so are CFLAGS and LIB_FUZZING_ENGINE
	$LINK $CFLAGS $LIB_FUZZING_ENGINE "${objs[@]}" "$BUILD/librheap-sim-internal.a" \
		"${LIBS[@]}" -o "$OUT/$t"
	# The seed corpus as a flat zip, the dictionary and the options.
	python3 - "$OUT/${t}_seed_corpus.zip" "$dir" <<'EOF'
import os, sys, zipfile
out, corpus = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(corpus)):
        path = os.path.join(corpus, name)
        if os.path.isfile(path):
            z.write(path, name)
EOF
	[ -f "$ROOT/fuzz/$t.dict" ] && cp -L "$ROOT/fuzz/$t.dict" "$OUT/$t.dict"
	[ -f "$ROOT/fuzz/$t.options" ] && cp "$ROOT/fuzz/$t.options" "$OUT/$t.options"
	built=$((built + 1))
done
echo "build.sh: $built fuzz targets in $OUT"
