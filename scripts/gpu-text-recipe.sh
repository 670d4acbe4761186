#!/usr/bin/env bash
# Run ON THE GPU MACHINE from the project root, after scripts/gpu-stage-text.sh here and with carry
# [".gpu-debs", ".gpu-shared", ".gpu-text"]: builds the CLI (once; build-gpu/ stays between calls), then runs a
# text recipe with --device cuda in build-gpu/recipes/<name>, interrupted cleanly (SIGINT) after LS_SECONDS so
# that the next call goes on where it stopped. Copies what is small enough to come back into $OUT.
#   bash scripts/gpu-text-recipe.sh models/recipes/text-wordnet.json [recipe run options…]
set -euo pipefail
recipe=$1; shift
name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$recipe")
if [ ! -x build-gpu/app/cli/lora-studio-cli ]; then bash .gpu-shared/build.sh -DLORASTUDIO_BUILD_TESTS=OFF > /tmp/build.log 2>&1 || { tail -40 /tmp/build.log; exit 1; }; fi
export LD_LIBRARY_PATH="/opt/lsdeps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
mkdir -p /tmp/wordnet && tar -xzf .gpu-text/wordnet.tar.gz -C /tmp/wordnet
export WORDNET_DIR=/tmp/wordnet LORASTUDIO_WORD_VECTORS=$PWD/.gpu-text/word-vectors
cache=build-gpu/recipes/$name
rc=0
timeout -s INT "${LS_SECONDS:-480}" build-gpu/app/cli/lora-studio-cli recipe run "$recipe" --cache "$cache" --device cuda "$@" || rc=$?
build-gpu/app/cli/lora-studio-cli recipe status "$recipe" --cache "$cache"
if [ -n "${OUT:-}" ]; then
  cp "$cache/recipe-state.json" "$OUT/" 2>/dev/null || true
  for f in evaluation/evaluation.json evaluation/evaluation.md; do [ -f "$cache/$f" ] && cp "$cache/$f" "$OUT/"; done
  [ -d "$cache/base" ] && tar -czf "$OUT/base.tar.gz" -C "$cache" base vocab.txt tasks.json 2>/dev/null || true
  [ -d "$cache/generator" ] && tar -czf "$OUT/generator.tar.gz" -C "$cache" --exclude=state generator || true
  [ -f "$cache/bundle/demo.json" ] && tar -czf "$OUT/bundle.tar.gz" -C "$cache" bundle || true
fi
exit $rc
