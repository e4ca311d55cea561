#!/bin/bash
# hcode checkin / checkout / trace / audit verify / purge, as cli.md says.
set -u
H=${HCODE_BIN:?}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
cd "$D"
fails=0
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else no "$name"; fi; }
rc_is() { local want=$1; shift; "$@" >out 2>err; local got=$?; [ "$got" = "$want" ] || { echo "# exit $got, want $want: $(cat err)"; return 1; }; }

$H keygen --out iss >/dev/null
V=$($H venue --key iss.key --venue-id MALL-1 --name Mall --at 2026-11-01T00:00:00Z)
W=$($H venue --key iss.key --venue-id '=cmd|calc' --name Shop --at 2026-11-01T00:00:00Z)
CASE=$($H issue --key iss.key --subject 110101199001011234 --status green --at 2026-11-22T09:00:00Z)
B=$($H issue --key iss.key --subject B-2 --status green --at 2026-11-22T09:00:00Z)
C=$($H issue --key iss.key --subject C-3 --status green --at 2026-11-22T09:00:00Z)
Y=$($H issue --key iss.key --subject Y-4 --status yellow --at 2026-11-22T09:00:00Z)
ci() { $H checkin --db t.db --trust iss.pub "$@"; }

check "checkin admitted exit 0" rc_is 0 ci --venue "$V" --at 2026-11-22T10:00:00Z --json "$CASE"
check "checkin JSON fields" grep -q '^{"admitted":true,"reason":"admitted","status":"green","subject":"[0-9a-f]\{32\}","venue_id":"MALL-1","at":1795341600,' out
check "checkin B" rc_is 0 ci --venue "$V" --at 2026-11-22T09:30:00Z "$B"
check "checkout B exit 0" rc_is 0 $H checkout --db t.db --trust iss.pub --venue "$V" --at 2026-11-22T10:12:00Z --json "$B"
check "checkout reason" grep -q '"reason":"checked_out"' out
check "yellow denied exit 1" rc_is 1 ci --venue "$V" --at 2026-11-22T10:05:00Z --json "$Y"
check "denial JSON" grep -q '"admitted":false,"reason":"status_not_admitted","status":"yellow"' out
check "denial on stderr, one line" test "$(wc -l <err)" = 1
echo '{"admit":["green","yellow"]}' >fever.json
check "fever clinic admits yellow" rc_is 0 ci --venue "$V" --policy fever.json --at 2026-11-22T10:05:00Z "$Y"
echo '{"admit":"yellow"}' >bad.json
check "bad policy exit 3" rc_is 3 ci --venue "$V" --policy bad.json "$Y"
check "missing --db exit 2" rc_is 2 $H checkin --trust iss.pub --venue "$V" "$C"
check "stdin payloads" rc_is 0 sh -c "printf '%s\n' '$C' | $H checkin --db t.db --trust iss.pub --venue '$W' --at 2026-11-22T10:30:00Z -"
echo "$CASE" | $H checkin --db t.db --trust iss.pub --venue "$W" --at 2026-11-22T11:00:00Z >/dev/null

T="--from 2026-11-22T00:00:00Z --to 2026-11-23T00:00:00Z"
check "trace refuses without --operator" rc_is 2 $H trace --db t.db --subject 110101199001011234 --key iss.key $T --purpose x
check "trace refuses without --purpose" rc_is 2 $H trace --db t.db --subject 110101199001011234 --key iss.key $T --operator x
check "trace --json" rc_is 0 $H trace --db t.db --subject 110101199001011234 --key iss.key $T --operator alice --purpose "case 7" --json
PB=$(grep -o '"subject":"[0-9a-f]*"' out | head -1)
check "trace: B overlapped 12 min" grep -q '"venue_id":"MALL-1","overlap_start":1795341600,"overlap_seconds":720,"depth":1}' out
check "trace: yellow person 55 min" grep -q '"overlap_start":1795341900,"overlap_seconds":3300,"depth":1}' out
check "trace: C at the shop 30 min" grep -q '"venue_id":"=cmd|calc","overlap_start":1795345200,"overlap_seconds":1800,"depth":1}' out
check "trace: 3 contacts" test "$(wc -l <out)" = 3
PSEUDO=$($H verify --trust iss.pub --json "$CASE" | grep -o '"subject":"[0-9a-f]*"' | cut -d'"' -f4)
check "trace --pseudonym, CSV" rc_is 0 $H trace --db t.db --pseudonym "$PSEUDO" $T --operator alice --purpose "case 7" --format csv
check "CSV header" grep -q '^subject,venue_id,overlap_start,overlap_seconds,depth' out
check "CSV formula neutralised" grep -q ",\"'=cmd|calc\",1795345200,1800,1" out
check "venue trace" rc_is 0 $H trace --db t.db --venue MALL-1 $T --operator alice --purpose outbreak --json
check "venue trace: 3 present" test "$(wc -l <out)" = 3
check "trace human output" rc_is 0 $H trace --db t.db --pseudonym "$PSEUDO" $T --operator alice --purpose "case 7"
check "human output lists visits" grep -q 'visit MALL-1 2026-11-22T10:00:00Z .. 2026-11-22T11:00:00Z' out
check "audit key created 0600" test "$(stat -c %a t.db.audit.key)" = 600
check "database file 0600" test "$(stat -c %a t.db)" = 600
check "audit verify intact" rc_is 0 $H audit verify --db t.db
check "audit verify says signed" grep -q 'signatures verified' out
check "no identifier in the database" sh -c '! grep -q 110101199001011234 t.db t.db-wal 2>/dev/null'

cp t.db t2.db; cp t.db.audit-head t2.db.audit-head; cp t.db.audit.pub t2.db.audit.pub
/usr/bin/python3 - t2.db <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE audit SET line=replace(line,'alice','bob') WHERE seq=1"); c.commit()
PY
check "edited entry: exit 1" rc_is 1 $H audit verify --db t2.db
check "edited entry named" grep -q 'entry 1: hash mismatch' err
cp t.db t3.db; cp t.db.audit-head t3.db.audit-head; cp t.db.audit.pub t3.db.audit.pub
/usr/bin/python3 - t3.db <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM audit WHERE seq=(SELECT max(seq) FROM audit)"); c.commit()
PY
check "removed last entry: exit 1" rc_is 1 $H audit verify --db t3.db
check "audit verify --key other: exit 1" sh -c "$H keygen --out other >/dev/null; $H audit verify --db t.db --key other.pub >/dev/null 2>&1; test \$? = 1"

check "purge needs operator" rc_is 2 $H purge --db t.db --older-than 28d --purpose retention
check "purge" rc_is 0 $H purge --db t.db --older-than 1h --at 2026-11-22T11:30:00Z --operator alice --purpose retention --json
check "purge removed 4" grep -q '"removed":4,' out
check "audit intact after purge" rc_is 0 $H audit verify --db t.db
check "audit counts 5 entries" grep -q '5 entries' out

check "postgres not built: exit 3" rc_is 3 $H trace --db postgresql://localhost/x --venue V $T --operator a --purpose b --audit-key iss.key
for c in checkin checkout trace purge; do check "$c --help" rc_is 0 $H $c --help; done
check "audit --help" rc_is 0 $H audit --help

echo "1..$n"
[ "$fails" = 0 ]
