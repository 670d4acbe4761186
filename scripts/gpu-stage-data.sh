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
# BERT's golden too (the models' tests run under the GPU machine's LibTorch 2.x, fused attention), with T5's
# encoder, the tokenizers' goldens and the shared vocabularies. GPT-2's golden logits, CLIP's text model, RoBERTa
# and ResNet stay home (the working tree plus the carried folders must fit 64 MiB): their tests skip there.
# (GPT-2's were checked there on 2026-11-26 by staging them in place of condpdiff-pixart-loras.) GPT-2's base
# weights for scripts/peft_interop_check.py come along only with LS_STAGE_GPT2=1.
cp -r "$shared/golden/models/bert" "$shared/golden/models/t5_encoder" "$root/.gpu-data/golden/models/"
if [ -n "${LS_STAGE_GPT2:-}" ]; then
  mkdir -p "$root/.gpu-data/golden/models/gpt2"
  cp "$shared/golden/models/gpt2/config.json" "$shared/golden/models/gpt2/model.safetensors" "$root/.gpu-data/golden/models/gpt2/"
fi
cp -r "$shared/golden/tokenizers" "$root/.gpu-data/golden/"
mkdir -p "$root/.gpu-data/vocab/bert-base-uncased"
cp "$shared/vocab/bert-base-uncased/vocab.txt" "$root/.gpu-data/vocab/bert-base-uncased/"
cp -r "$shared/vocab/gpt2" "$root/.gpu-data/vocab/"
cp -r "$shared/golden/pixart/lora_style" "$root/.gpu-data/golden/pixart/"
[ -d "$shared/golden/schedulers" ] && cp -r "$shared/golden/schedulers" "$root/.gpu-data/golden/"
# GLUE (LS_STAGE_GLUE=1) takes the place of the Cond P-Diff LoRAs (25 MB; both do not fit the 64 MiB): the six
# tasks pretrain-bert --device cuda learns from, without QNLI; test_glue skips the splits that are missing.
if [ -n "${LS_STAGE_GLUE:-}" ]; then
  mkdir -p "$root/.gpu-data/data/glue"
  for task in CoLA SST-2 MRPC RTE STS-B WNLI; do cp -r "$shared/data/glue/$task" "$root/.gpu-data/data/glue/"; done
else
  cp -r "$shared/data/condpdiff-pixart-loras" "$root/.gpu-data/data/"
fi
du -sh "$root/.gpu-data"
