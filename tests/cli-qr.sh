#!/bin/bash
# hcode render / hcode scan against the CLI contract (driven with $HCODE_BIN).
set -u
H=${HCODE_BIN:?HCODE_BIN must point at the built hcode}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else no "$what"; fi; }
status() { "$@" >"$T/out" 2>"$T/err"; echo $?; }

cd "$T" || exit 1
$H keygen --out iss >/dev/null || { echo "Bail out! keygen failed"; exit 1; }
$H keygen --out other >/dev/null
AT=1790000000
G=$($H issue --key iss.key --subject 370102199003071234 --status green --at $AT)
R=$($H issue --key iss.key --subject 370102199003075678 --status red --at $AT)
V=$($H venue --key iss.key --venue-id 370102-000123 --name "Quancheng Square" --at $AT)

# render: formats from the extension, PNG signature, SVG colour, text
check "render png" test "$(status $H render --out g.png "$G")" = 0
check "png signature" test "$(head -c 8 g.png | od -An -c | tr -d ' ')" = '211PNG\r\n032\n'
check "render svg from extension" test "$(status $H render --out r.svg "$R")" = 0
check "red svg modules" grep -q 'fill="#d7191c"' r.svg
check "venue svg black" test "$($H render --out - --format svg "$V" | grep -c 'fill="#000000"')" = 1
check "render txt to stdout" test "$($H render --out - --format txt "$V" | head -1 | grep -c '█')" = 1
check "render from stdin" test "$(echo "$V" | $H render --out v.png --scale 3 --ecc H; echo $?)" = 0
check "render jpg name defaults to png" test "$(status $H render --out x.out "$V")" = 0
check "bad scale is a usage error" test "$(status $H render --out y.png --scale 0 "$V")" = 2
check "bad ecc is a usage error" test "$(status $H render --out y.png --ecc Z "$V")" = 2
check "bad format is a usage error" test "$(status $H render --out y.png --format gif "$V")" = 2
check "missing --out is a usage error" test "$(status $H render "$V")" = 2
check "no partial file on error" test ! -e y.png
check "unwritable output is a runtime error" test "$(status $H render --out /nonexistent/dir/a.png "$V")" = 3
check "render --help" test "$(status $H render --help)" = 0
check "render help names --ecc" grep -q -- '--ecc' "$T/out"

# scan: exit 0 when every image has a valid code
check "scan valid" test "$(status $H scan --trust iss.pub --at $AT g.png v.png)" = 0
check "scan text names status" grep -q "valid person green" "$T/out"
check "scan --json" test "$(status $H scan --trust iss.pub --at $AT --json g.png v.png)" = 0
check "one JSON line per code" test "$(wc -l <"$T/out")" = 2
check "json has image, payload and verify fields" \
  python3 -c 'import json,sys
lines=[json.loads(l) for l in open(sys.argv[1])]
g,v=lines
assert g["image"]=="g.png" and g["valid"] is True and g["kind"]=="person" and g["status"]=="green"
assert g["payload"]==sys.argv[2] and g["iat"]==int(sys.argv[4])
assert v["kind"]=="venue" and v["venue_id"]=="370102-000123" and v["payload"]==sys.argv[3]' "$T/out" "$G" "$V" "$AT"
check "several --trust files" test "$(status $H scan --trust other.pub iss.pub --at $AT g.png)" = 0
check "untrusted issuer: exit 1" test "$(status $H scan --trust other.pub --at $AT --json g.png)" = 1
check "untrusted issuer: unknown_issuer" grep -q '"error":"unknown_issuer"' "$T/out"
check "expired: exit 1" test "$(status $H scan --trust iss.pub --at $((AT + 3 * 86400)) g.png)" = 1
# a foreign code is listed as malformed, payload kept
$H render --out foreign.png "https://example.com/menu" >/dev/null
check "foreign code: exit 1" test "$(status $H scan --trust iss.pub --json foreign.png)" = 1
check "foreign code: malformed with payload" grep -q '"error":"malformed".*"payload":"https://example.com/menu"' "$T/out"
# an image without a code
printf 'P5\n64 64\n255\n' >blank.pgm; head -c 4096 /dev/zero | tr '\0' '\377' >>blank.pgm
check "no code: exit 1" test "$(status $H scan --trust iss.pub --json blank.pgm)" = 1
check "no code: reported" grep -q '"error":"no_code"' "$T/out"
# unreadable / undecodable images: exit 3, one line naming the cause
check "missing image: exit 3" test "$(status $H scan --trust iss.pub nothere.png)" = 3
check "missing image: message" grep -q "nothere.png" "$T/err"
head -c 100 g.png >trunc.png
check "truncated png: exit 3" test "$(status $H scan --trust iss.pub trunc.png)" = 3
printf 'P5\n100000 100000\n255\n' >huge.pgm
check "huge pgm: exit 3" test "$(status $H scan --trust iss.pub huge.pgm)" = 3
check "huge pgm: says why" grep -q "larger than" "$T/err"
check "scan mixes good and unreadable: exit 3" test "$(status $H scan --trust iss.pub --at $AT g.png trunc.png)" = 3
check "svg is not a scannable image: exit 3" test "$(status $H scan --trust iss.pub --at $AT r.svg)" = 3
check "scan without image: usage" test "$(status $H scan --trust iss.pub)" = 2
check "scan bad --at: usage" test "$(status $H scan --at yesterday g.png)" = 2
check "scan --help" test "$(status $H scan --help)" = 0

echo "1..$n"
[ "$fails" -eq 0 ]
