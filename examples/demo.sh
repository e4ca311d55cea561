#!/usr/bin/env bash
# The libhcode story, end to end, with the hcode CLI.
# Usage: examples/demo.sh [path/to/hcode] [output dir]
set -euo pipefail
SRC=$(realpath "$(dirname "${BASH_SOURCE[0]}")/..")
H=$(realpath "${1:-build/tools/hcode}")
out=$(realpath -m "${2:-demo-out}")
rm -rf "$out"; mkdir -p "$out"; cd "$out"
say() { printf '\n== %s\n' "$*"; }
T=2026-11-22T14:00:00Z

say "An issuer for Jinan (CN-370100) makes its key pair"
kid=$("$H" keygen --out jinan --region CN-370100)
echo "key id $kid; jinan.key is $(stat -c %a jinan.key), jinan.pub goes to every gate"

say "It issues a health code for a resident and a venue code for a plaza"
person=$("$H" issue --key jinan.key --subject 370102199003077777 --status green --name "张*三" --at $T)
venue=$("$H" venue --key jinan.key --venue-id 370102-000123 --name "Quancheng Plaza" --category mall --at $T)
echo "person: ${person:0:48}... (${#person} chars; the ID number is not in it)"
echo "venue:  ${venue:0:48}... (${#venue} chars)"

say "A gate verifies both offline"
"$H" verify --trust jinan.pub --at 2026-11-22T14:05:00Z "$person" "$venue"

say "A tampered code is rejected"
tampered="${person:0:80}$( [ "${person:80:1}" = A ] && echo B || echo A )${person:81}"
"$H" verify --trust jinan.pub --at 2026-11-22T14:05:00Z "$tampered" || echo "(exit $?: rejected)"

say "The same code a day and a half later is expired"
"$H" verify --trust jinan.pub --at 2026-11-24T02:00:00Z --json "$person" || echo "(exit $?: rejected)"


# ---------------------------------------------------------------------------
# The gate day, on the embedded default store (SQLite)
LIB=$(realpath "$(dirname "$H")/../lib/libhcode.so")
PY=/usr/bin/python3; [ -x $PY ] || PY=python3
pyhcode() { HCODE_LIBRARY="$LIB" PYTHONPATH="$SRC/bindings/python" LD_PRELOAD="${HCODE_PY_PRELOAD:-}" $PY "$@"; }
payload_of() { sed -n 's/.*"payload":"\([^"]*\)".*/\1/p'; }

say "Codes for four more residents and a second venue, a teahouse that also admits yellow"
"$H" issue --key jinan.key --subject 370102199105054444 --status green  --name "王*" --at $T > wang.txt
"$H" issue --key jinan.key --subject 37010219880808123X --status green  --name "李*" --at $T > li.txt
"$H" issue --key jinan.key --subject 370102197707071234 --status yellow --name "赵*" --at $T > zhao.txt
"$H" issue --key jinan.key --subject 370102200002022222 --status red    --name "陈*" --at $T > chen.txt
echo "$person" > zhang.txt
echo "$venue" > plaza.txt
"$H" venue --key jinan.key --venue-id 370102-000456 --name "Daming Lake Teahouse" --category teahouse --at $T > teahouse.txt
echo '{"admit": ["green", "yellow"], "dwell": "1h"}' > teahouse-policy.json
echo "zhang, wang, li: green; zhao: yellow; chen: red"

say "Every code rendered as a PNG (person codes in their status colour)"
mkdir -p images
for n in zhang wang li zhao chen plaza teahouse; do "$H" render --out images/$n.png < $n.txt; done
ls images

say "The gates scan them back from the images"
"$H" scan --trust jinan.pub --at 2026-11-22T14:05:00Z images/*.png
for n in zhang wang li zhao chen plaza teahouse; do
  "$H" scan --trust jinan.pub --at 2026-11-22T14:05:00Z --json images/$n.png | payload_of > scanned-$n.txt
  cmp -s <(tr -d '\n' < $n.txt) <(tr -d '\n' < scanned-$n.txt) || { echo "scan of $n.png differs" >&2; exit 1; }
done
echo "all 7 payloads read back from the images are identical to the issued ones"

say "Check-ins and check-outs at the two venues (from the scanned payloads)"
DB=$out/checkins.db
P=$(cat scanned-plaza.txt) TH=$(cat scanned-teahouse.txt)
gate() { # gate in|out VENUE NAME TIME [policy]
  local verb=checkin; [ "$1" = out ] && verb=checkout
  local pol=(); [ -n "${5:-}" ] && pol=(--policy "$5")
  printf '%-5s %-8s %-9s %s  ' "$4" "$1" "$3" "$( [ "$2" = "$P" ] && echo plaza || echo teahouse)"
  "$H" $verb --db "$DB" --trust jinan.pub --venue "$2" "${pol[@]}" --at 2026-11-22T$4:00Z "$(cat scanned-$3.txt)" \
    || true
}
gate in  "$P"  zhang 14:10
gate in  "$P"  chen  14:20
gate in  "$P"  wang  14:40
gate out "$P"  zhang 15:10
gate out "$P"  wang  15:30
gate in  "$TH" zhang 15:30 teahouse-policy.json
gate in  "$TH" zhao  15:45 teahouse-policy.json
gate in  "$TH" li    16:00 teahouse-policy.json
gate out "$TH" zhao  16:15
gate out "$TH" li    17:00

say "A screenshot of a phone's dynamic code is refused a few minutes later"
"$H" keygen --out liu-phone --region CN-370100 > /dev/null
"$H" issue --key jinan.key --subject 370102199909099999 --status green --holder liu-phone.pub --at $T > liu.txt
"$H" present --credential "$(cat liu.txt)" --holder-key liu-phone.key --at 2026-11-22T16:58:00Z > liu-phone-screen.txt
"$H" render --out images/liu-screenshot.png < liu-phone-screen.txt
echo "the phone showed a fresh code at 16:58:00; at 17:05 someone shows a screenshot of it:"
"$H" scan --trust jinan.pub --at 2026-11-22T17:05:00Z images/liu-screenshot.png || echo "(exit $?: rejected)"
{ "$H" scan --trust jinan.pub --at 2026-11-22T17:05:00Z --json images/liu-screenshot.png || true; } | payload_of > scanned-liu.txt
echo "and the teahouse gate, given the same screenshot:"
gate in "$TH" liu 17:05 teahouse-policy.json

say "Zhang tests positive: trace the case (audited: operator and purpose are logged)"
"$H" trace --db "$DB" --subject 370102199003077777 --key jinan.key --from 2026-11-22T12:00:00Z --to 2026-11-22T20:00:00Z \
  --operator "officer Sun (Lixia CDC)" --purpose "case 2026-118, positive PCR 2026-11-23"

say "The report for the health workers (one self-contained HTML file)"
pyhcode "$SRC/examples/trace_report.py" --db "$DB" --subject 370102199003077777 --key jinan.key \
  --from 2026-11-22T12:00:00Z --to 2026-11-22T20:00:00Z \
  --operator "officer Sun (Lixia CDC)" --purpose "case 2026-118, positive PCR 2026-11-23" --out report.html

say "The audit log is intact (hash chain, signatures, signed head)"
"$H" audit verify --db "$DB"

printf '\nDemo files are in %s\n' "$out"
printf '  QR images:    %s/images/*.png\n' "$out"
printf '  check-ins:    %s\n' "$DB"
printf '  trace report: %s/report.html\n' "$out"
