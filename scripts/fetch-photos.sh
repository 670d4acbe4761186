#!/usr/bin/env bash
# Fetches the style world's photos and paintings from Debian packages (python3-skimage, darknet, opencv-doc)
# into the cache: downloads the .deb files (apt-get download, nothing installed), unpacks only the images that
# models/photos/sources.tsv lists, and writes their manifest (name, file, split, package, version, path,
# licence). Idempotent: what is there already is kept.
#
#   scripts/fetch-photos.sh [DIR]     DIR: default $LORASTUDIO_PHOTOS, else $XDG_CACHE_HOME/lora-studio/photos
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sources="$root/models/photos/sources.tsv"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/lora-studio"
dir=${1:-${LORASTUDIO_PHOTOS:-$cache/photos}}
debs="$cache/debs"
manifest="$dir/manifest.tsv"
[[ -f "$manifest" ]] && [[ "$manifest" -nt "$sources" ]] && { echo "photos: $dir (already fetched)"; exit 0; }
mkdir -p "$dir" "$debs"

packages=$(grep -v '^#' "$sources" | cut -f2 | sort -u)
for pkg in $packages; do
  if ! ls "$debs/${pkg}_"*.deb >/dev/null 2>&1; then
    echo "photos: downloading $pkg"
    if ! (cd "$debs" && apt-get download "$pkg" >/dev/null 2>&1); then
      # Package lists missing or stale (a fresh machine): update them once, then try again.
      sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
      $sudo apt-get update -q >/dev/null
      (cd "$debs" && apt-get download "$pkg" >/dev/null) || { echo "fetch-photos.sh: apt-get download $pkg failed" >&2; exit 1; }
    fi
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '# name\tfile\tsplit\tpackage\tversion\tpath\tlicence\n' >"$work/manifest.tsv"
while IFS=$'\t' read -r name pkg path split licence; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  deb=$(ls "$debs/${pkg}_"*.deb | head -n 1)
  version=$(dpkg-deb -f "$deb" Version)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" "./$path" 2>/dev/null ||
    { echo "fetch-photos.sh: $path is not in $(basename "$deb")" >&2; exit 1; }
  file="$name.${path##*.}"
  cp "$work/$path" "$work/$file.img"
  mv "$work/$file.img" "$dir/$file"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$file" "$split" "$pkg" "$version" "$path" "$licence" >>"$work/manifest.tsv"
done <"$sources"
mv "$work/manifest.tsv" "$manifest"
echo "photos: $(grep -vc '^#' "$manifest") images in $dir"
