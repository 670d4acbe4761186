#!/usr/bin/env bash
# `generate` on the command line against `bench generate` for the same settings (PixArt style-LoRA scale,
# 20 adapters, bf16 on CUDA), in one run on one machine: the benchmark saves its generator, then the CLI
# generates with it as a user would (a fresh process: load, CUDA graph capture, sampling with a progress
# bar, writing 20 PEFT adapters).
#   scripts/cli-vs-bench.sh [CLI] [DEVICE] [OUTDIR]
set -euo pipefail
cli=${1:-build/app/cli/lora-studio-cli}
device=${2:-cuda}
out=${3:-${OUT:-/tmp}/cli-vs-bench}
mkdir -p "$out"
gen=$(mktemp -d)/generator
"$cli" bench generate --device "$device" --samplers ddim:25,dpmpp:25,dpmpp:10 --save-generator "$gen" --quiet \
  --json "$out/bench.json" >/dev/null
for spec in ddim:25 dpmpp:25 dpmpp:10; do
  sampler=${spec%%:*} steps=${spec##*:}
  start=$(date +%s.%N)
  "$cli" generate --generator "$gen" --text "a watercolour painting style" -n 20 --sampler "$sampler" --steps "$steps" \
    --device "$device" --bf16 -o "$out/cli-$sampler-$steps" --replace >/dev/null 2>&1
  end=$(date +%s.%N)
  python3 - "$out/bench.json" "$out/cli-$sampler-$steps/report.json" "$sampler" "$steps" "$start" "$end" <<'PY'
import json, sys
bench, report, sampler, steps, start, end = sys.argv[1:]
b = next(r for r in json.load(open(bench))["results"] if r["sampler"] == sampler and r["steps"] == int(steps))
r = json.load(open(report))
cli_ms = 1e3 * r["seconds"]
print(f"{sampler}:{steps}  bench median {b['median_ms']:.1f} ms, bench first call {b['first_call_ms']:.1f} ms | "
      f"CLI generation {cli_ms:.1f} ms (sampling {1e3*r['sample_seconds']:.1f}, decode+copy {1e3*r['decode_seconds']:.1f}, "
      f"whole graph {r['whole_graph']}) = {cli_ms/b['median_ms']:.2f}x the median, {cli_ms/b['first_call_ms']:.2f}x the first call | "
      f"whole CLI process {float(end)-float(start):.2f} s")
PY
done
