#!/usr/bin/env bash
# Stages what the text recipe reads into the git-ignored .gpu-text/, for a run on the GPU machine (which has neither
# Debian's wordnet-base nor the npm word vectors): WordNet's data.* and index.* files, compressed, and the converted
# word vectors of the cache. Send it with carry [".gpu-debs", ".gpu-shared", ".gpu-text"]; on the machine:
#   mkdir -p /tmp/wordnet && tar -xzf .gpu-text/wordnet.tar.gz -C /tmp/wordnet
#   WORDNET_DIR=/tmp/wordnet LORASTUDIO_WORD_VECTORS=$PWD/.gpu-text/word-vectors lora-studio-cli recipe run …
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
grep -qx '/.gpu-text/' "$root/.git/info/exclude" 2>/dev/null || echo '/.gpu-text/' >> "$root/.git/info/exclude"
wordnet=${WORDNET_DIR:-/usr/share/wordnet}
vectors=${LORASTUDIO_WORD_VECTORS:-${XDG_CACHE_HOME:-$HOME/.cache}/lora-studio/word-vectors}
count=${LS_WORD_VECTORS:-100000}
rm -rf "$root/.gpu-text"
mkdir -p "$root/.gpu-text/word-vectors"
tar -czf "$root/.gpu-text/wordnet.tar.gz" -C "$wordnet" data.noun data.verb data.adj data.adv index.noun index.verb index.adj index.adv
cp "$vectors/glove-sg-100d-$count.safetensors" "$root/.gpu-text/word-vectors/"
du -sh "$root/.gpu-text"
