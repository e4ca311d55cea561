#!/usr/bin/env bash
# Installs dependencies, builds libhcode and runs every test (meson test).
# Usage: scripts/test.sh [BUILD_DIR [extra meson setup options...]]
# Prints "N passed, N failed" at the end; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
bash scripts/deps.sh || { echo "test.sh: installing dependencies failed" >&2; exit 3; }
if [ -d "$build" ]; then
    meson setup --reconfigure "$build" --wrap-mode=nodownload "$@" >/dev/null || exit 3
else
    meson setup "$build" --wrap-mode=nodownload "$@" || exit 3
fi
ninja -C "$build" || { echo "test.sh: build failed" >&2; exit 3; }
meson test -C "$build" --print-errorlogs --num-processes 2
rc=$?
/usr/bin/python3 scripts/testcount.py "$build/meson-logs/testlog.json"
exit $rc
