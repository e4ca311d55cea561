#!/usr/bin/env bash
# Installs dependencies, builds libhcode, and runs the end-to-end demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
[ -d build ] || meson setup build --wrap-mode=nodownload >/dev/null
ninja -C build >/dev/null
exec bash examples/demo.sh build/tools/hcode
