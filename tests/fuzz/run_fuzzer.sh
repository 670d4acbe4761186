#!/usr/bin/env bash
# Builds the safetensors header fuzzer with clang (libFuzzer + ASan + UBSan) in its own build
# directory, from tests/fuzz alone (no LibTorch, no Qt), and runs it.
#
#   tests/fuzz/run_fuzzer.sh [SECONDS] [extra libFuzzer options...]
#
# SECONDS: total fuzzing time (default 60). Environment: FUZZ_BUILD_DIR (default build-fuzz in the
# project root), FUZZ_JOBS (parallel fuzzing processes, default 1).
# The corpus grows in $FUZZ_BUILD_DIR/corpus (seeded from tests/fuzz/corpus, which is not
# modified); crashes are written to $FUZZ_BUILD_DIR/artifacts/. Reproduce one with
#   $FUZZ_BUILD_DIR/safetensors_header_fuzzer $FUZZ_BUILD_DIR/artifacts/crash-...
# and add its bytes as a row of tests/test_safetensors_malformed.cpp.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-60}"
shift || true
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
jobs="${FUZZ_JOBS:-1}"

command -v clang++ >/dev/null || { echo "run_fuzzer.sh: clang++ is needed (apt install clang)" >&2; exit 2; }
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S "$here" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" --target safetensors_header_fuzzer

mkdir -p "$build/corpus" "$build/artifacts"
args=(-max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
      -dict="$here/safetensors.dict" -artifact_prefix="$build/artifacts/")
if ((jobs > 1)); then args+=(-jobs="$jobs" -workers="$jobs"); fi
cd "$build"
exec "$build/safetensors_header_fuzzer" "${args[@]}" "$@" "$build/corpus" "$here/corpus"
