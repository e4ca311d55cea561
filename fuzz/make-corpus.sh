#!/usr/bin/env bash
# Regenerates the payload seed corpus with the fixed fuzzing key (seed 00..1f).
set -euo pipefail
H=${1:?usage: make-corpus.sh path/to/hcode}
out=$(cd "$(dirname "$0")" && pwd)/corpus/payload
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
printf 'hcode-secret-key-v1\nregion CN-370100\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n' > "$d/k.key"
chmod 600 "$d/k.key"
mkdir -p "$out"
i=0
emit() { i=$((i + 1)); printf '%s' "$1" > "$out/seed-$i"; }
T=1795356000
emit "$("$H" issue --key "$d/k.key" --subject 370102199003077777 --status green --at $T)"
emit "$("$H" issue --key "$d/k.key" --subject 110101199003074514 --status red --name '张*三' --reason contact --at $T)"
emit "$("$H" issue --key "$d/k.key" --subject x --status yellow --printed --at $T)"
emit "$("$H" venue --key "$d/k.key" --venue-id 370102-000123 --name 'Quancheng Plaza' --category mall --at $T)"
emit "HCP1:"
emit "HCV1:AAA"
