#!/usr/bin/env bash
# Copies the small parts of ../shared that the test suites read into the git-ignored .gpu-data/,
# for a run on the GPU machine (which does not get ../shared). Never commit .gpu-data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${LORASTUDIO_SHARED:-$root/../shared}
grep -qx '/.gpu-data/' "$root/.git/info/exclude" 2>/dev/null || echo '/.gpu-data/' >> "$root/.git/info/exclude"
rm -rf "$root/.gpu-data"
mkdir -p "$root/.gpu-data/golden/models" "$root/.gpu-data/golden/pixart" "$root/.gpu-data/data"
cp -r "$shared/golden/models/bert_lora_adapter" "$shared/golden/models/gpt2_lora_adapter" "$root/.gpu-data/golden/models/"
# The base models the reference-library check (scripts/peft_interop_check.py) loads the adapters into.
mkdir -p "$root/.gpu-data/golden/models/bert" "$root/.gpu-data/golden/models/gpt2"
cp "$shared/golden/models/bert/config.json" "$shared/golden/models/bert/model.safetensors" "$root/.gpu-data/golden/models/bert/"
cp "$shared/golden/models/gpt2/config.json" "$shared/golden/models/gpt2/model.safetensors" "$root/.gpu-data/golden/models/gpt2/"
cp -r "$shared/golden/pixart/lora_style" "$root/.gpu-data/golden/pixart/"
[ -d "$shared/golden/schedulers" ] && cp -r "$shared/golden/schedulers" "$root/.gpu-data/golden/"
cp -r "$shared/data/condpdiff-pixart-loras" "$root/.gpu-data/data/"
du -sh "$root/.gpu-data"
