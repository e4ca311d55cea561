#!/usr/bin/env bash
# Builds nothing: runs the built examples (gate, custom_store) and their
# Python twins against codes made with the hcode CLI, and checks what they
# print, store and how they stop. Usage: examples.sh GATE CUSTOM_STORE PYTHON
set -euo pipefail
GATE=$(realpath "$1") CUSTOM=$(realpath "$2")
# sanitizer builds: the interpreter needs the runtimes preloaded
PY="env LD_PRELOAD=${HCODE_PY_PRELOAD:-} $3"
H=${HCODE_BIN:?} SRC=${HCODE_SOURCE_ROOT:?}
export PYTHONPATH=$SRC/bindings/python
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT; cd "$tmp"
n=0; fail() { echo "not ok: $*"; exit 1; }
ok() { n=$((n+1)); echo "ok $n - $*"; }
T=1795392000 AT=$((1795392000 + 3600))

"$H" keygen --out iss --region CN-370100 >/dev/null
"$H" keygen --out other --region CN-110000 >/dev/null
"$H" issue --key iss.key --subject 370102199003077777 --status green --at $T > a.txt
"$H" issue --key iss.key --subject 370102199105054444 --status red --at $T > b.txt
"$H" issue --key other.key --subject 370102199202021111 --status green --at $T > c.txt
"$H" venue --key iss.key --venue-id 370102-000123 --name "Quancheng Plaza" --at $T > v.txt
mkdir frames
"$H" render --out frames/01-a.png < a.txt
"$H" render --out frames/02-b.png < b.txt
"$H" render --out frames/03-venue.png < v.txt
"$H" render --out frames/04-c.png < c.txt
echo "not an image" > frames/05-junk.png

for g in "$GATE" "$PY $SRC/examples/gate.py"; do
  name=${g##*/}; rm -f gate.db
  $g --venue @v.txt --trust iss.pub --db gate.db --frames frames --at $AT --color always > out.txt 2> err.txt \
    || fail "$name exit $?: $(cat err.txt)"
  [ "$(wc -l < out.txt)" = 3 ] || fail "$name: expected 3 verdict lines, got: $(cat out.txt)"
  grep -q $'^\e\[1;32mADMIT\e\[0m   green' out.txt || fail "$name: no green ADMIT line: $(cat out.txt)"
  grep -q $'^\e\[1;31mDENY\e\[0m    red .*status_not_admitted' out.txt || fail "$name: red person not denied"
  grep -q 'DENY.*unknown_issuer' out.txt || fail "$name: foreign issuer not denied: $(cat out.txt)"
  grep -q '05-junk.png' err.txt || fail "$name: undecodable image not reported"
  grep -q 'done; 1 admitted, 2 denied' err.txt || fail "$name: summary: $(cat err.txt)"
  # the admission is on disk: a trace at the venue finds exactly the admitted person
  "$H" trace --db gate.db --venue 370102-000123 --from $T --to $((T + 86400)) --operator t --purpose t --json > tr.txt
  [ "$(wc -l < tr.txt)" = 1 ] || fail "$name: expected one stored check-in: $(cat tr.txt)"
  ok "$name: one coloured line per person, policy applied, check-in stored"

  # kiosk mode: loops over the frames until SIGINT, then stops cleanly
  $g --venue @v.txt --trust iss.pub --db gate.db --frames frames --at $AT --loop --color never > loop.txt 2>&1 &
  pid=$!
  for _ in $(seq 50); do grep -q ADMIT loop.txt 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
  kill -INT $pid
  rc=0; wait $pid || rc=$?
  [ $rc = 0 ] || fail "$name: exit $rc after SIGINT: $(cat loop.txt)"
  grep -q 'stopped;' loop.txt || fail "$name: no clean stop: $(cat loop.txt)"
  [ "$(grep -c ADMIT loop.txt)" = 1 ] || fail "$name: the same person admitted twice within the repeat window"
  ok "$name: SIGINT stops the kiosk loop cleanly"

  rc=0; $g --venue @v.txt --trust other.pub --db gate.db --frames frames --at $AT 2> err.txt || rc=$?
  [ $rc = 3 ] && grep -q 'venue code is not valid' err.txt || fail "$name: a venue code of an untrusted issuer must stop the gate (exit $rc)"
  ok "$name: refuses to run with an invalid venue code"
done

mkdir c1 c2
"$CUSTOM" c1 > c.out || fail "custom_store exit $?"
$PY "$SRC/examples/custom_store.py" c2 > p.out || fail "custom_store.py exit $?"
for f in c.out p.out; do
  grep -q '^trace of .*: 1 contact(s)$' $f || fail "$f: $(cat $f)"
  grep -q '^contact .* at 370102-000123: 900 s from 1795429800$' $f || fail "$f: $(cat $f)"
  grep -q '^audit log: intact, 1 entry$' $f || fail "$f: $(cat $f)"
done
[ "$(wc -l < c1/checkins.log)" = 4 ] || fail "custom_store: 4 records expected in the log"
[ "$(wc -l < c2/checkins.jsonl)" = 4 ] || fail "custom_store.py: 4 records expected in the log"
grep -q '"purpose":"case 2026-118"' c1/audit.log && grep -q '"purpose":"case 2026-118"' c2/audit.log \
  || fail "audit entries not in the host's audit files"
! grep -q 370102199003077777 c1/checkins.log c2/checkins.jsonl c1/audit.log c2/audit.log \
  || fail "an identity number reached the host's storage"
ok "custom_store (C and Python): host backend stores, traces and audits"
echo "$n examples checks passed"
