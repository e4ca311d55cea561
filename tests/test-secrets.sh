#!/bin/bash
# Secrets: key files readable by group or others are refused (issuer,
# holder and audit keys alike); and after a full session (keygen, issue,
# present, render, scan, checkin, checkout, trace, audit verify, purge) no
# secret key byte sequence appears in any output, log or database file, as
# hex (either case), base64 or raw bytes. TAP output.
set -u
H=${HCODE_BIN:?}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
cd "$D"
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else no "$name"; fi; }
mkdir logs
i=0
run() { i=$((i + 1)); "$H" "$@" >"logs/$i.out" 2>"logs/$i.err"; }

AT=2026-11-22T10:00:00Z
run keygen --out iss
run keygen --out holder
V=$("$H" venue --key iss.key --venue-id MALL-1 --name Mall --at 2026-11-01T00:00:00Z 2>>logs/venue.err | tee logs/venue.out)
P=$("$H" issue --key iss.key --subject 110101199001011234 --status green --holder holder.pub --at 2026-11-22T09:00:00Z 2>>logs/issue.err | tee logs/issue.out)
Q=$("$H" issue --key iss.key --subject B-2 --status green --at 2026-11-22T09:00:00Z 2>>logs/issue2.err | tee logs/issue2.out)
PR=$("$H" present --credential "$P" --holder-key holder.key --at 2026-11-22T09:59:50Z 2>>logs/present.err | tee logs/present.out)
check "present" test -n "$PR"
run render --format png --out q.png "$Q"
run scan --trust iss.pub --at $AT --json q.png
check "scan reads the rendered code" grep -q '"valid"' "logs/$i.out"
run checkin --db t.db --trust iss.pub --venue "$V" --at $AT --json "$P"
check "checkin of the holder-bound code" grep -q '"admitted":true' "logs/$i.out"
run checkin --db t.db --trust iss.pub --venue "$V" --at 2026-11-22T10:05:00Z --json "$Q"
run checkout --db t.db --trust iss.pub --venue "$V" --at 2026-11-22T10:30:00Z --json "$Q"
run trace --db t.db --subject 110101199001011234 --key iss.key --from 2026-11-22T00:00:00Z \
    --to 2026-11-23T00:00:00Z --operator alice --purpose "case 1" --json
check "trace finds the contact" grep -q '"overlap_seconds"' "logs/$i.out"
run audit verify --db t.db
check "audit intact" grep -q 'signatures verified' "logs/$i.out"
run purge --db t.db --older-than 1h --at 2026-11-22T12:00:00Z --operator alice --purpose retention
check "audit key made" test -f t.db.audit.key
run verify --trust iss.pub --at $AT --json "$Q"

# every secret: the 32-byte seed in each key file
secrets=()
for k in iss.key holder.key t.db.audit.key; do
    s=$(sed -n 's/^seed \([0-9a-f]\{64\}\)$/\1/p' "$k")
    check "seed found in $k" test ${#s} = 64
    secrets+=("$s")
done

files=(logs/* t.db t.db-* t.db.audit* iss.pub holder.pub q.png)
# Any 8-byte window of a seed, raw or as hex (either case), or the seed
# in base64, found in a file is a leak.
leak() {
    local hex=$1
    shift
    /usr/bin/python3 - "$hex" "$@" <<'PY'
import base64, sys
seed = bytes.fromhex(sys.argv[1])
needles = [base64.b64encode(seed)[:40]]
for i in range(len(seed) - 7):
    w = seed[i:i + 8]
    needles += [w, w.hex().encode(), w.hex().upper().encode()]
bad = 0
for f in sys.argv[2:]:
    if f.endswith('.key'):
        continue
    try:
        data = open(f, 'rb').read()
    except OSError:
        continue
    if any(n in data for n in needles):
        print(f"# secret in {f}")
        bad = 1
sys.exit(bad)
PY
}
for s in "${secrets[@]}"; do check "no secret ${s:0:4}... in ${#files[@]} outputs, logs and database files" leak "$s" "${files[@]}"; done
# the search itself works: a planted piece of a seed is found, as text and as bytes
printf 'x%sx' "${secrets[0]:10:20}" >logs/planted
if leak "${secrets[0]}" logs/planted >/dev/null; then no "the search finds a planted hex piece"; else ok "the search finds a planted hex piece"; fi
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "${secrets[1]:34:16}" >logs/planted
if leak "${secrets[1]}" logs/planted >/dev/null; then no "the search finds planted raw bytes"; else ok "the search finds planted raw bytes"; fi
rm -f logs/planted

# key files readable by group or others are refused, for every kind of key
chmod 640 holder.key
run present --credential "$P" --holder-key holder.key --at 2026-11-22T09:59:50Z
check "group-readable holder key refused (exit 3)" test $? = 3 -a -s "logs/$i.err"
grep -q 'readable by group or others' "logs/$i.err" && ok "holder key: says why" || no "holder key: says why"
chmod 644 t.db.audit.key
run trace --db t.db --subject 110101199001011234 --key iss.key --from 2026-11-22T00:00:00Z \
    --to 2026-11-23T00:00:00Z --operator alice --purpose "case 1"
check "world-readable audit key refused (exit 3)" test $? = 3
grep -q 'readable by group or others' "logs/$i.err" && ok "audit key: says why" || no "audit key: says why"
chmod 604 iss.key
run issue --key iss.key --subject X --status green
check "world-readable issuer key refused (exit 3)" test $? = 3

echo "1..$n"
[ "$fails" = 0 ]
