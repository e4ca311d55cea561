#!/usr/bin/env bash
# Installs the Debian packages libhcode needs to build and test (Debian 12, as root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: run as root (apt-get install)" >&2
    exit 3
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2046
apt-get install -y -qq --no-install-recommends $(grep -v '^\s*#' "$here/debian-packages.txt" | tr '\n' ' ') >/dev/null
