#!/usr/bin/env bash
# Builds the JSON file fuzzers (adapter_config.json, zoo.json, generator.json, training configs) with clang,
# the core instrumented (libFuzzer + ASan + UBSan), in their own build directory, and runs each in turn.
#
#   tests/fuzz/run_json_fuzzers.sh [SECONDS_EACH] [KIND...]      KIND: adapter_config zoo generator train_config
#
# SECONDS_EACH: fuzzing time per harness (default 60). Environment: FUZZ_BUILD_DIR (default build-fuzz-json
# in the project root), FUZZ_PARALLEL (harnesses run at once, default 1).
# Per harness: corpus in $FUZZ_BUILD_DIR/corpus-KIND (seeded with the fixture's own valid file), findings in
# $FUZZ_BUILD_DIR/artifacts-KIND/, the log in $FUZZ_BUILD_DIR/KIND.log (libFuzzer's final stats at its end).
# Reproduce a finding with  $FUZZ_BUILD_DIR/tests/fuzz/json_KIND_fuzzer FILE
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-60}"
shift || true
kinds=("$@")
((${#kinds[@]})) || kinds=(adapter_config zoo generator train_config)
build="${FUZZ_BUILD_DIR:-$root/build-fuzz-json}"
parallel="${FUZZ_PARALLEL:-1}"

command -v clang++ >/dev/null || { echo "run_json_fuzzers.sh: clang++ is needed (apt install clang)" >&2; exit 2; }
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLORASTUDIO_BUILD_FUZZERS=ON -DLORASTUDIO_BUILD_GUI=OFF -DLORASTUDIO_WITH_OPENCV=OFF \
    -DLORASTUDIO_BUILD_TESTS=OFF -DLORASTUDIO_CCACHE=OFF
fi
targets=()
for k in "${kinds[@]}"; do targets+=("json_${k}_fuzzer"); done
cmake --build "$build" --target "${targets[@]}"

run_one() {
  local k="$1"
  mkdir -p "$build/corpus-$k" "$build/artifacts-$k"
  # ASan: libtorch's own allocations at exit are not ours to fix.
  FUZZ_SEED_DIR="$build/corpus-$k" ASAN_OPTIONS=detect_leaks=0 OMP_NUM_THREADS=1 \
    "$build/tests/fuzz/json_${k}_fuzzer" -max_total_time="$seconds" -max_len=8192 -rss_limit_mb=4096 \
    -timeout=20 -print_final_stats=1 -dict="$here/json.dict" -artifact_prefix="$build/artifacts-$k/" \
    "$build/corpus-$k" >"$build/$k.log" 2>&1
}
status=0
running=0
for k in "${kinds[@]}"; do
  run_one "$k" & pids+=($!)
  running=$((running + 1))
  if ((running >= parallel)); then wait -n || status=1; running=$((running - 1)); fi
done
while ((running > 0)); do wait -n || status=1; running=$((running - 1)); done
for k in "${kinds[@]}"; do
  echo "== $k: $(grep -E '^stat::number_of_executed_units' "$build/$k.log" | tail -1) findings: $(ls "$build/artifacts-$k" | wc -l)"
done
exit $status
