#!/usr/bin/env bash
# The hcode CLI contract (cli.md) for keygen, issue, venue and verify.
set -u
H=${HCODE_BIN:?HCODE_BIN must point to the hcode binary}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
fails=0
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
expect_rc() { # want, description, command...
    local want=$1 what=$2; shift 2
    "$@" >out.txt 2>err.txt
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$what (exit $rc)"; else bad "$what: exit $rc, wanted $want; stderr: $(head -c 300 err.txt)"; fi
}
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

T=2026-11-22T14:00:00Z
expect_rc 0 "keygen" "$H" keygen --out iss --region CN-370100
kid=$(cat out.txt)
check "keygen prints a 16-hex-digit kid" '[[ "$kid" =~ ^[0-9a-f]{16}$ ]]'
check "secret key file is 0600" '[ "$(stat -c %a iss.key)" = 600 ]'
check "pub file names kid, region and public key" \
  '/usr/bin/python3 -c "import json,sys; d=json.load(open(\"iss.pub\")); sys.exit(not (d[\"kid\"]==\"$kid\" and d[\"region\"]==\"CN-370100\" and len(d[\"public_key\"])==64))"'
check "the secret is never printed" '! grep -q "$(sed -n "s/^seed //p" iss.key)" out.txt err.txt iss.pub'
expect_rc 3 "keygen refuses to overwrite" "$H" keygen --out iss
check "refusal names the cause on one stderr line" '[ "$(wc -l < err.txt)" -eq 1 ] && grep -q exists err.txt'
expect_rc 2 "keygen without --out" "$H" keygen
expect_rc 2 "keygen with a bad region" "$H" keygen --out x --region "a b"
"$H" keygen --out other --region CN-110000 >/dev/null

expect_rc 0 "issue" "$H" issue --key iss.key --subject 370102199003077777 --status green --at $T
P=$(cat out.txt)
check "person payload is one line with the HCP1: prefix" '[[ "$P" =~ ^HCP1:[0-9A-Z\ \$%*+./:-]+$ ]]'
check "identifier is not in the payload" '! grep -q 370102199003077777 out.txt'
expect_rc 0 "venue" "$H" venue --key iss.key --venue-id 370102-000123 --name "Quancheng Plaza" --category mall --at $T
V=$(cat out.txt)
check "venue payload has the HCV1: prefix" '[[ "$V" == HCV1:* ]]'
expect_rc 2 "issue with a bad status" "$H" issue --key iss.key --subject x --status blue
expect_rc 2 "issue without --subject" "$H" issue --key iss.key --status green
expect_rc 2 "issue with a bad --ttl" "$H" issue --key iss.key --subject x --status green --ttl 5y
expect_rc 3 "issue with a missing key file" "$H" issue --key nope.key --subject x --status green
cp iss.key loose.key; chmod 644 loose.key
expect_rc 3 "issue refuses a group/world-readable key" "$H" issue --key loose.key --subject x --status green
check "and says why" 'grep -q "readable by group or others" err.txt'

expect_rc 0 "verify valid person" "$H" verify --trust iss.pub --at 2026-11-22T15:00:00Z "$P"
check "human output says valid and green" 'grep -q "valid person green" out.txt'
expect_rc 0 "verify --json" "$H" verify --trust iss.pub --at 2026-11-22T15:00:00Z --json "$P" "$V"
check "one JSON object per payload with the contract's fields" '/usr/bin/python3 - <<PY
import json
rows=[json.loads(l) for l in open("out.txt")]
assert len(rows)==2, rows
p,v=rows
assert p["valid"] is True and p["kind"]=="person" and p["status"]=="green" and p["issuer"]=="$kid"
assert p["region"]=="CN-370100" and p["iat"]==1795356000 and p["exp"]==1795356000+86400
assert len(p["subject"])==32
assert v["valid"] is True and v["kind"]=="venue" and v["venue_id"]=="370102-000123" and v["name"]=="Quancheng Plaza"
PY'
expect_rc 1 "expired code is a negative verdict" "$H" verify --trust iss.pub --at 2026-11-24T15:00:00Z --json "$P"
check "error is expired" 'grep -q "\"error\":\"expired\"" out.txt && grep -q expired err.txt'
expect_rc 1 "not yet valid" "$H" verify --trust iss.pub --at 2026-11-22T13:00:00Z --json "$P"
check "error is not_yet_valid" 'grep -q "\"error\":\"not_yet_valid\"" out.txt'
expect_rc 1 "unknown issuer" "$H" verify --trust other.pub --at $T --json "$P"
check "error is unknown_issuer" 'grep -q "\"error\":\"unknown_issuer\"" out.txt'
TP="${P:0:60}X${P:61}"; [ "$TP" = "$P" ] && TP="${P:0:60}Y${P:61}"
expect_rc 1 "tampered code" "$H" verify --trust iss.pub --at $T --json "$TP"
check "error is bad_signature or malformed" 'grep -Eq "\"error\":\"(bad_signature|malformed)\"" out.txt'
expect_rc 0 "several --trust files after one flag" "$H" verify --trust other.pub iss.pub --at $T "$P"
expect_rc 0 "repeated --trust flags" "$H" verify --trust other.pub --trust iss.pub --at $T "$P"
expect_rc 0 "unix-seconds --at" "$H" verify --trust iss.pub --at 1795357000 "$P"

printf '%s\n\n%s\ngarbage\n' "$P" "$V" | "$H" verify --trust iss.pub --at $T --json >out.txt 2>err.txt
rc=$?
check "stdin: one verdict per line, exit 1 when any is invalid" '[ $rc -eq 1 ] && [ "$(wc -l < out.txt)" -eq 4 ]'
check "stdin: empty line and garbage are malformed" '[ "$(grep -c "\"error\":\"malformed\"" out.txt)" -eq 2 ]'
printf '%s\n' "$P" "$V" | "$H" verify --trust iss.pub --at $T - >out.txt 2>err.txt
check "stdin via '-' with all valid exits 0" '[ $? -eq 0 ] && [ "$(wc -l < out.txt)" -eq 2 ]'
head -c 65536 /dev/zero | tr '\0' 'A' | "$H" verify --trust iss.pub --json >out.txt 2>err.txt
check "a 64 KiB line is malformed, not a crash" '[ $? -eq 1 ] && grep -q malformed out.txt'
head -c 20000 /dev/urandom > rnd.bin
"$H" verify --trust iss.pub --json < rnd.bin >out.txt 2>err.txt
check "random bytes on stdin: negative verdicts, no crash" '[ $? -eq 1 ]'

expect_rc 2 "verify without --trust" "$H" verify "$P"
expect_rc 3 "verify with a missing trust file" "$H" verify --trust missing.pub "$P"
echo '{"public_key":"zz"}' > broken.pub
expect_rc 3 "verify with a broken trust file" "$H" verify --trust broken.pub "$P"
expect_rc 2 "verify with a bad --at" "$H" verify --trust iss.pub --at yesterday "$P"
expect_rc 2 "unknown command" "$H" frobnicate
for c in keygen issue venue verify; do
    expect_rc 0 "$c --help" "$H" $c --help
    check "$c --help shows usage" 'grep -q "usage: hcode $c" out.txt'
done
expect_rc 0 "hcode --help" "$H" --help

echo "1..$n"
[ $fails -eq 0 ]
