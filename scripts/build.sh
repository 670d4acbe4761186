#!/usr/bin/env bash
# Configures and builds LoRA Studio into build/ (or $LORASTUDIO_BUILD_DIR). Extra args go to CMake.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${LORASTUDIO_BUILD_DIR:-$root/build}
# ccache keys on paths relative to the checkout, so a clone in another folder (CI) hits the same cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# -g records the working directory; do not hash it, or a clone in another folder never hits.
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
# Precompiled headers: ccache must be told to accept them (their time stamps differ per build).
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} "${launcher[@]}" "$@"
cmake --build "$build_dir" -j "$(nproc)"
