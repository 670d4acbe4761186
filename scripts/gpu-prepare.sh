#!/usr/bin/env bash
# Run here (the Debian machine) before a GPU run: fetches the Debian packages the GPU machine lacks
# (nlohmann-json, sentencepiece, nanoflann, and Qt Core + Test with their runtime libraries for the test suites)
# into .gpu-debs/, copies ../shared/gpu's scripts into .gpu-shared/ and stages test data into .gpu-data/.
# All three are git-ignored; send them along with the run: carry [".gpu-debs", ".gpu-shared", ".gpu-data"].
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash ../shared/gpu/fetch-debs.sh libnanoflann-dev libutf8proc-dev libutf8proc2 qt6-base-dev qt6-base-dev-tools qmake6 qmake6-bin libqt6core6 libqt6test6 \
  libicu72 libdouble-conversion3 libpcre2-16-0 libb2-1 libglib2.0-0
mkdir -p .gpu-shared && cp ../shared/gpu/*.sh .gpu-shared/
grep -qx '/.gpu-shared/' .git/info/exclude || echo '/.gpu-shared/' >> .git/info/exclude
bash scripts/gpu-stage-data.sh
