#!/usr/bin/env bash
# Cond P-Diff's Table 1 pipeline on GLUE, end to end on this machine, each stage timed:
#   1. pretrain-bert   a small BERT from scratch (masked LM + next-sentence prediction on the GLUE training text)
#   2. harvest-glue    LoRA fine-tuning per task, the last N checkpoints of each into a zoo
#   3. train           the conditional generator on that zoo
#   4. evaluate-glue   head only / best original / ΔW soup / generated (best of N, mean) / wrong condition
# With real BERT-base weights, skip stage 1 and pass the folder as MODEL.
#   scripts/glue-table.sh [WORK] [GLUE] [VOCAB]      (MODEL=dir to skip pretraining; TASKS, PRETRAIN_STEPS,
#                                                     PRETRAIN_LR, TUNE_STEPS, KEEP, SAMPLES to change the sizes; HEAD=classifier
#                                                     keeps a pretrained pooler frozen)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cli=${CLI:-$root/build/app/cli/lora-studio-cli}
work=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/lora-studio/glue-table}
glue=${2:-$root/../shared/data/glue}
vocab=${3:-$root/../shared/vocab/bert-base-uncased/vocab.txt}
tasks=${TASKS:-SST-2,MRPC,RTE,CoLA}
mkdir -p "$work"
times="$work/times.txt"
: > "$times"
stage() {  # stage NAME command...: runs it, appends "NAME seconds" to times.txt
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  echo "$name $(echo "$end - $start" | bc)" | tee -a "$times"
}
model=${MODEL:-$work/bert-small}
if [ -z "${MODEL:-}" ] && [ ! -f "$model/model.safetensors" ]; then
  stage pretrain-bert "$cli" pretrain-bert --data "$glue" --vocab "$vocab" -o "$model" \
    --layers 2 --hidden 128 --heads 2 --max-length 64 --steps "${PRETRAIN_STEPS:-2500}" --batch 64 --lr "${PRETRAIN_LR:-0.001}"
fi
stage harvest-glue "$cli" harvest-glue --model "$model" --data "$glue" -o "$work/harvest" --tasks "$tasks" \
  --steps "${TUNE_STEPS:-600}" --keep "${KEEP:-50}" --max-length 64 --lr 0.002 --head "${HEAD:-classifier,bert.pooler}"
stage train "$cli" train --zoo "$work/harvest/zoo" --config "$root/models/configs/text_task_small.json" \
  -o "$work/generator" --report-every 500 $( [ -f "$work/generator/state/trainer.json" ] && echo --resume )
stage evaluate-glue "$cli" evaluate-glue --harvest "$work/harvest" --generator "$work/generator" \
  -o "$work/result" --samples "${SAMPLES:-10}"
echo "table: $work/result/evaluation.md; stage times (s): $times"
