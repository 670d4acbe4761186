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
# Their goldens too (the models' tests run under the GPU machine's LibTorch 2.x, fused attention), with T5's
# encoder, the tokenizers' goldens and the shared vocabularies. CLIP's text model, RoBERTa and ResNet stay home
# (the carried folders must fit 64 MiB): their tests skip there.
cp -r "$shared/golden/models/bert" "$shared/golden/models/gpt2" "$shared/golden/models/t5_encoder" "$root/.gpu-data/golden/models/"
cp -r "$shared/golden/tokenizers" "$root/.gpu-data/golden/"
mkdir -p "$root/.gpu-data/vocab/bert-base-uncased"
cp "$shared/vocab/bert-base-uncased/vocab.txt" "$root/.gpu-data/vocab/bert-base-uncased/"
cp -r "$shared/vocab/gpt2" "$shared/vocab/clip_bpe_simple_vocab_16e6.txt.gz" "$root/.gpu-data/vocab/"
cp -r "$shared/golden/pixart/lora_style" "$root/.gpu-data/golden/pixart/"
[ -d "$shared/golden/schedulers" ] && cp -r "$shared/golden/schedulers" "$root/.gpu-data/golden/"
cp -r "$shared/data/condpdiff-pixart-loras" "$root/.gpu-data/data/"
du -sh "$root/.gpu-data"
