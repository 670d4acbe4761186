#!/usr/bin/env bash
# Installs the Debian (bookworm) packages LoRA Studio needs, only those that are missing.
# Usage: bash scripts/install-deps.sh [--no-gui]
set -euo pipefail
# libopenblas0-pthread: Debian's LibTorch links libblas.so.3, which is the netlib reference BLAS unless an
# optimised one is installed (4-6x slower). ccache: rebuilds of a fresh clone reuse earlier objects.
# wordnet-base: WordNet 3.0's database, the text world's source (core/wordnet).
packages=(build-essential cmake ninja-build pkg-config ccache libtorch-dev libopenblas0-pthread nlohmann-json3-dev libnanoflann-dev
          libsentencepiece-dev libutf8proc-dev zlib1g-dev wordnet-base)
if [[ "${1:-}" != "--no-gui" ]]; then
  packages+=(qt6-base-dev libqcustomplot-dev libopencv-dev libopencv-contrib-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
echo "Installing: ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
