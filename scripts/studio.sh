#!/usr/bin/env bash
# One command for a fresh Debian bookworm machine: install what is missing, build, start the studio.
# Arguments are passed to lora-studio (e.g. an adapter directory to open).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/fetch-photos.sh"  # the style world's photos (Debian packages, into the cache)
bash "$root/scripts/fetch-word-vectors.sh"  # word vectors for text conditions one trains on (npm, into the cache)
bash "$root/scripts/build.sh" -DLORASTUDIO_BUILD_GUI=ON
exec "${LORASTUDIO_BUILD_DIR:-$root/build}/app/gui/lora-studio" "$@"
