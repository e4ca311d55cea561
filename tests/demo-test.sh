#!/usr/bin/env bash
# Runs the README's demo (examples/demo.sh) end to end and checks its story.
set -euo pipefail
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bash "${HCODE_SOURCE_ROOT:?}/examples/demo.sh" "${HCODE_BIN:?}" "$tmp/out" > "$tmp/log" 2>&1 \
  || { cat "$tmp/log"; echo "demo failed"; exit 1; }
fail() { cat "$tmp/log"; echo "demo: $*"; exit 1; }
grep -q 'all 7 payloads read back from the images are identical' "$tmp/log" || fail "scan round trip"
grep -q 'chen .*status_not_admitted' "$tmp/log" || fail "red code admitted"
grep -q 'zhao .*admitted yellow' "$tmp/log" || fail "teahouse policy"
grep -q 'liu .*denied: stale' "$tmp/log" || fail "screenshot not refused as stale"
grep -q '^3 contacts$' "$tmp/log" || fail "trace"
grep -q 'audit log intact: 2 entries, signatures verified' "$tmp/log" || fail "audit"
[ "$(ls "$tmp"/out/images/*.png | wc -l)" = 8 ] || fail "images"
grep -q '<title>' "$tmp/out/report.html" && grep -q 'officer Sun' "$tmp/out/report.html" || fail "report"
! grep -q 370102199003077777 "$tmp/out/report.html" || fail "identity number in the report"
grep -q "trace report: $tmp/out/report.html" "$tmp/log" || fail "report path not printed"
echo "demo ok"
