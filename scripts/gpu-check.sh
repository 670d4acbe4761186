#!/usr/bin/env bash
# Build, test and benchmark run for the lent GPU machine (CUDA LibTorch from its PyTorch, no Qt
# Widgets, no OpenCV, no internet). Prepare here with `bash scripts/gpu-prepare.sh`, then send
# .gpu-debs .gpu-shared .gpu-data along (carry). Results land in $OUT (or ./gpu-results).
set -uo pipefail
out=${OUT:-$PWD/gpu-results}
mkdir -p "$out"
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
} 2>&1 | tee "$out/machine.txt"
# The build script unpacks the debs into /opt/lsdeps; make Qt's cmake files findable there too.
bash .gpu-shared/build.sh -DLORASTUDIO_BUILD_TESTS=ON -DQt6_DIR=/opt/lsdeps/usr/lib/x86_64-linux-gnu/cmake/Qt6 \
  2>&1 | tail -n 40 | tee "$out/build.log"
[ -x build-gpu/app/cli/lora-studio-cli ] || { echo "build failed"; exit 1; }
export LD_LIBRARY_PATH="/opt/lsdeps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
export QT_QPA_PLATFORM=offscreen
if [ -d .gpu-data ]; then
  export LORASTUDIO_GOLDEN=$PWD/.gpu-data/golden LORASTUDIO_DATA=$PWD/.gpu-data/data
fi
(cd build-gpu && OMP_NUM_THREADS=2 ctest --output-on-failure -j 8 -E generator_synthetic) 2>&1 | tee "$out/ctest.log"
[ -n "${LS_SKIP_SYNTHETIC:-}" ] || (cd build-gpu && OMP_NUM_THREADS=16 ctest --output-on-failure -R generator_synthetic) 2>&1 | tee -a "$out/ctest.log"
./build-gpu/app/cli/lora-studio-cli bench lora --device cuda --json "$out/bench_lora_cuda.json" 2>&1 | tee "$out/bench_lora.txt"
./build-gpu/app/cli/lora-studio-cli bench generate --device cuda --json "$out/bench_generate_cuda.json" 2>&1 | tee "$out/bench_generate.txt"
./build-gpu/app/cli/lora-studio-cli bench generate --device cuda --no-graphs --samplers ddim:25,dpmpp:25 --json "$out/bench_generate_cuda_eager.json" 2>&1 | tee -a "$out/bench_generate.txt"
# t-SNE: the exact method's fused kernel on 10,000 points, and the live embedding at 10,000 points.
./build-gpu/app/cli/lora-studio-cli bench embed --device cuda --method exact --sizes 10000 --no-peer --live 10000 \
  --json "$out/bench_embed_cuda.json" 2>&1 | tee "$out/bench_embed.txt"
# The BERT-base-sized encoder per dtype beside transformers' BertModel (the peer runs in the machine's Python).
./build-gpu/app/cli/lora-studio-cli bench encoder --device cuda --dtypes float32,bfloat16 \
  --json "$out/bench_encoder_cuda.json" 2>&1 | tee "$out/bench_encoder.txt"
for extra in "$@"; do eval "$extra" 2>&1 | tee -a "$out/extra.log"; done
