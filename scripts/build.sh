#!/usr/bin/env bash
# Configures and builds LoRA Studio into build/ (or $LORASTUDIO_BUILD_DIR). Extra args go to CMake.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${LORASTUDIO_BUILD_DIR:-$root/build}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}  # ccache itself is set up in CMakeLists.txt (LORASTUDIO_CCACHE)
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} "$@"
cmake --build "$build_dir" -j "$(nproc)"
