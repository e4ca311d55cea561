#!/bin/bash
# hcode checkin --outbox / hcode sync / hcode import against PostgreSQL
# (HCODE_TEST_PG_URI; run through with-pg.sh).
set -eu
H=${HCODE_BIN:?}
U=${HCODE_TEST_PG_URI:?}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
fail() { echo "FAIL: $*" >&2; exit 1; }
db=clitest_$$_$RANDOM
psql -q "$U" -c "CREATE DATABASE $db" || fail "create database"
U2=${U%/*}/$db
down=postgresql://postgres@127.0.0.1:1/x
$H keygen --out iss >/dev/null
P=$($H issue --key iss.key --subject 11010519491231002X --status green --at 2026-11-22T09:00:00Z)
V=$($H venue --key iss.key --venue-id 370102-000123 --name Mall --at 2026-11-22T09:00:00Z)

# server away: acknowledged as queued
out=$($H checkin --db $down --outbox gate.ob --trust iss.pub --venue "$V" --at 2026-11-22T10:00:00Z --json "$P")
echo "$out" | grep -q '"admitted":true' || fail "not admitted: $out"
echo "$out" | grep -q '"queued":true' || fail "not queued: $out"
$H checkout --db $down --outbox gate.ob --trust iss.pub --venue "$V" --at 2026-11-22T10:30:00Z "$P" | grep -q queued || fail "checkout not queued"
# without --outbox the same is a runtime error, nothing acknowledged
set +e
$H checkin --db $down --trust iss.pub --venue "$V" "$P" >/dev/null 2>err; rc=$?
set -e
[ $rc = 3 ] || fail "exit $rc without outbox"
[ "$(wc -l <err)" = 1 ] || fail "error not one line: $(cat err)"
# --outbox with a file database is a usage error
set +e; $H checkin --db x.db --outbox gate.ob --trust iss.pub --venue "$V" "$P" 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "exit $rc for --outbox with SQLite"
# sync delivers, twice is harmless
$H sync --db "$U2" --outbox gate.ob --json | grep -q '"delivered":2,"pending":0' || fail "sync"
$H sync --db "$U2" --outbox gate.ob --json | grep -q '"delivered":0,"pending":0' || fail "second sync"
[ "$(psql -At "$U2" -c 'SELECT count(*) FROM hcode_checkin')" = 2 ] || fail "count after sync"
[ "$(psql -At "$U2" -c 'SELECT min(at) FROM hcode_checkin')" = 1795341600 ] || fail "original time lost"
# a later checkin with the same outbox delivers what waits
$H checkin --db $down --outbox gate.ob --trust iss.pub --venue "$V" --at 2026-11-22T11:00:00Z "$P" >/dev/null
out=$($H checkin --db "$U2" --outbox gate.ob --trust iss.pub --venue "$V" --at 2026-11-22T12:00:00Z --json "$P")
echo "$out" | grep -q '"queued":false' || fail "stored directly: $out"
[ "$(psql -At "$U2" -c 'SELECT count(*) FROM hcode_checkin')" = 4 ] || fail "count after later checkin"
set +e; $H sync --db $down --outbox gate.ob 2>err; rc=$?; set -e
[ $rc = 3 ] || fail "sync to a dead server: exit $rc"

# import into PostgreSQL
printf '\xef\xbb\xbfid,venue,in,out\r\n11010519491231002X,370102-000123,2022-03-05 14:30,2022-03-05 15:10\r\n110105194912310021,370102-000123,2022-03-05 14:30,\r\n' >reg.csv
echo 370102-000123 >venues.txt
set +e
$H import --db "$U2" --key iss.key --csv reg.csv --venues venues.txt --rejects rej.csv --json >sum; rc=$?
set -e
[ $rc = 1 ] || fail "import exit $rc"
grep -q '"rows":2,"imported":1,"records":2,"rejected":1' sum || fail "summary $(cat sum)"
grep -q '^3,bad_check_digit,' rej.csv || fail "reject file $(cat rej.csv)"
[ "$(psql -At "$U2" -c 'SELECT count(*) FROM hcode_checkin')" = 6 ] || fail "count after import"
$H import --db "$U2" --key iss.key --csv reg.csv --venues venues.txt >/dev/null || true
[ "$(psql -At "$U2" -c 'SELECT count(*) FROM hcode_checkin')" = 6 ] || fail "import twice stored twice"
set +e; $H import --db "$U2" --key iss.key --csv reg.csv 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "import without venues: exit $rc"
$H import --help | grep -q -- --rejects || fail "import --help"
$H sync --help | grep -q -- --outbox || fail "sync --help"
psql -q "$U" -c "DROP DATABASE $db"
echo "ok"
