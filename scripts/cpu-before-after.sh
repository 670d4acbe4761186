#!/usr/bin/env bash
# CPU speed of two builds of lora-studio-cli in one run, interleaved on the same machine: `bench generate`
# (PixArt scale, 20 adapters) and `bench train` (both stages). Each build runs with the BLAS kernels it
# chooses itself; the new one also once with LORASTUDIO_KEEP_BLAS_KERNELS=1 (OpenBLAS's own choice), to
# separate the kernel selection from the code changes.
#   scripts/cpu-before-after.sh OLD_CLI NEW_CLI [OUTDIR]      (threads: OMP_NUM_THREADS, default 1)
set -euo pipefail
old=$1 new=$2 out=${3:-/tmp/cpu-before-after}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
mkdir -p "$out"
run() {  # name, cli, env...
  local name=$1 cli=$2; shift 2
  env "$@" "$cli" bench generate --samplers ddim:25,dpmpp:10 --repeats 3 --quiet --json "$out/generate-$name.json" >/dev/null
  env "$@" "$cli" bench train --steps 40 --quiet --json "$out/train-$name.json" >/dev/null
}
run before "$old"
run after-openblas-own-kernels "$new" LORASTUDIO_KEEP_BLAS_KERNELS=1
run after "$new"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
names = ["before", "after-openblas-own-kernels", "after"]
gen = {n: json.load(open(f"{out}/generate-{n}.json")) for n in names}
train = {n: json.load(open(f"{out}/train-{n}.json")) for n in names}
print(f"threads {gen['after']['threads']}, BLAS {gen['after']['environment']['blas']}")
for n in names:
    g = {f"{r['sampler']}:{r['steps']}": r for r in gen[n]["results"]}
    t = train[n]["stages"]
    print(f"{n:28s} generate ddim:25 {g['ddim:25']['median_ms']:8.0f} ms (decode {g['ddim:25']['last_run_breakdown_ms']['decode_and_copy']:6.0f})"
          f"  dpmpp:10 {g['dpmpp:10']['median_ms']:7.0f} ms | train autoencoder {t['autoencoder']['steps_per_second']:5.2f} steps/s"
          f"  diffusion {t['diffusion']['steps_per_second']:5.2f} steps/s")
b, a = gen["before"], gen["after"]
gb = {f"{r['sampler']}:{r['steps']}": r["median_ms"] for r in b["results"]}
ga = {f"{r['sampler']}:{r['steps']}": r["median_ms"] for r in a["results"]}
print("speed-up after/before: " + ", ".join(f"generate {k} {gb[k]/ga[k]:.2f}x" for k in gb) +
      f", train autoencoder {train['after']['stages']['autoencoder']['steps_per_second']/train['before']['stages']['autoencoder']['steps_per_second']:.2f}x"
      f", diffusion {train['after']['stages']['diffusion']['steps_per_second']/train['before']['stages']['diffusion']['steps_per_second']:.2f}x")
PY
