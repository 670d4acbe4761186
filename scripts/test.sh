#!/usr/bin/env bash
# One command for a fresh Debian bookworm machine: install what is missing, build, run every test.
# Test data is read from ../shared (override with LORASTUDIO_GOLDEN / LORASTUDIO_DATA).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/fetch-photos.sh"  # the style world's photos (Debian packages, into the cache)
bash "$root/scripts/fetch-word-vectors.sh"  # the text world's word vectors (npm, into the cache)
bash "$root/scripts/build.sh" -DLORASTUDIO_BUILD_GUI=ON -DLORASTUDIO_BUILD_TESTS=ON
cd "${LORASTUDIO_BUILD_DIR:-$root/build}"
# One OpenMP thread per test process: ctest runs nproc of them at once.
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} ctest --output-on-failure -j "$(nproc)"
