#!/bin/bash
# The gate side of issue "trust, revocation, dynamic presentations":
# checkin / checkout / scan with --trust LIST --root, --revoked,
# --freshness, --require-presentation and the venue policy (cli.md).
set -u
B=${HCODE_BIN:?HCODE_BIN not set}
PY=/usr/bin/python3
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
cd "$D"
T=1790000000
fails=0
n=0
expect() { # expect STATUS DESCRIPTION -- command...
    local want=$1 what=$2
    shift 3
    n=$((n + 1))
    "$@" >out.txt 2>err.txt
    local got=$?
    if [ "$got" != "$want" ]; then
        echo "not ok $n - $what: exit $got, wanted $want"; sed 's/^/# /' err.txt out.txt
        fails=$((fails + 1))
    else
        echo "ok $n - $what"
    fi
}
out_has() { n=$((n + 1)); if grep -q -- "$1" out.txt err.txt; then echo "ok $n - output has $1"; else echo "not ok $n - output lacks $1"; sed 's/^/# /' out.txt err.txt; fails=$((fails + 1)); fi; }
# check-ins stored in g.db (rows of the checkin table)
recorded() { # recorded N DESCRIPTION
    n=$((n + 1))
    local got
    got=$($PY -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from checkin").fetchone()[0])' g.db)
    if [ "$got" = "$1" ]; then echo "ok $n - $2 ($got recorded)"; else echo "not ok $n - $2: $got recorded, wanted $1"; fails=$((fails + 1)); fi
}

for k in root iss other h h2; do $B keygen --out $k --region R-$k >/dev/null || exit 1; done
$B trust sign --key root.key --out list --at $T --ttl 7d iss.pub >/dev/null || exit 1
V=$($B venue --key iss.key --venue-id MALL-1 --name Mall --at $T)
G=$($B issue --key iss.key --subject G-1 --status green --at $T)
R=$($B issue --key iss.key --subject R-1 --status green --at $T)
HB=$($B issue --key iss.key --subject H-1 --status green --holder h.pub --at $T)
PR=$($B issue --key iss.key --subject P-1 --status green --printed --at $T)
TL="--trust list --root root.pub"
ci() { $B checkin --db g.db $TL --venue "$V" "$@"; }

# trust list + root
expect 0 "checkin with a trust list and its root" -- ci --at $((T+60)) --json "$G"
out_has '"admitted":true,"reason":"admitted"'
recorded 1 "admitted person recorded"
expect 3 "checkin: trust list under the wrong root" -- $B checkin --db g.db --trust list --root other.pub --venue "$V" --at $((T+60)) "$G"
out_has "root key"
expect 3 "checkin: expired trust list" -- ci --at $((T+8*86400)) "$G"
out_has expired
sed 's/^\(HCTL1:.........\)./\1Z/' list >edited
cmp -s list edited && sed 's/^\(HCTL1:.........\)./\1Y/' list >edited
expect 3 "checkin: edited trust list" -- $B checkin --db g.db --trust edited --root root.pub --venue "$V" --at $((T+60)) "$G"
expect 2 "checkin: trust list without --root" -- $B checkin --db g.db --trust list --venue "$V" --at $((T+60)) "$G"
expect 3 "checkout: trust list under the wrong root" -- $B checkout --db g.db --trust list --root other.pub --venue "$V" --at $((T+60)) "$G"
recorded 1 "nothing recorded by refused commands"

# revocation
$B revoke --key iss.key --out rl --at $((T+10)) "$R" >/dev/null || exit 1
expect 1 "revoked code denied" -- ci --revoked rl --at $((T+70)) --json "$R"
out_has '"admitted":false,"reason":"revoked"'
out_has '"record_id":null'
expect 0 "another code of the same issuer still admitted" -- ci --revoked rl --at $((T+70)) "$G"
recorded 2 "the revoked code was not recorded"
expect 3 "revocation list by an untrusted key" -- $B checkin --db g.db --trust other.pub --revoked rl --venue "$V" --at $((T+70)) "$G"

# presentations: admitted once, replayed in a second process
P1=$($B present --credential "$HB" --holder-key h.key --at $((T+1000)))
expect 0 "scan-like repeated verification is not a replay" -- $B verify $TL --at $((T+1001)) "$P1" "$P1" "$P1"
expect 0 "presentation admitted" -- ci --at $((T+1005)) --json "$P1"
out_has '"admitted":true,"reason":"admitted"'
out_has '"presentation":true'
recorded 3 "presentation check-in recorded"
expect 1 "same presentation in a second hcode checkin: replayed" -- ci --at $((T+1010)) --json "$P1"
out_has '"admitted":false,"reason":"replayed"'
recorded 3 "replayed presentation not recorded"
P2=$($B present --credential "$HB" --holder-key h.key --at $((T+1020)))
expect 0 "a new presentation from the same phone" -- ci --at $((T+1021)) "$P2"
expect 0 "leaving with the presentation used to enter" -- $B checkout --db g.db $TL --venue "$V" --at $((T+1030)) "$P2"
recorded 5 "check-out recorded"
# a screenshot, shown 2 minutes later
P3=$($B present --credential "$HB" --holder-key h.key --at $((T+2000)))
expect 1 "stale presentation (screenshot)" -- ci --at $((T+2120)) --json "$P3"
out_has '"reason":"stale"'
expect 0 "--freshness 3m admits it" -- ci --freshness 3m --at $((T+2120)) "$P3"
expect 1 "... and only once" -- ci --freshness 3m --at $((T+2121)) "$P3"
out_has replayed
expect 2 "bad --freshness" -- ci --freshness 0 "$G"
# presented by another phone's key: refused by hcode present, forged: holder_mismatch (test-trust)
expect 1 "present with another phone's key" -- $B present --credential "$HB" --holder-key h2.key
recorded 6 "stale and replayed presentations not recorded"

# holder-bound code shown bare where presentations are required
echo '{"require_presentation": true}' >req.json
expect 1 "bare holder-bound code, policy requires presentations" -- ci --policy req.json --at $((T+3000)) --json "$HB"
out_has '"reason":"holder_binding_required"'
expect 1 "bare holder-bound code, --require-presentation" -- ci --require-presentation --at $((T+3000)) "$HB"
out_has holder_binding_required
expect 0 "code without a holder key where presentations are required" -- ci --policy req.json --at $((T+3000)) "$G"
expect 0 "bare holder-bound code at a venue without the requirement" -- ci --at $((T+3000)) "$HB"
expect 2 "checkout refuses --require-presentation" -- $B checkout --db g.db $TL --venue "$V" --require-presentation "$HB"
echo '{"require_presentation": "yes"}' >badreq.json
expect 3 "policy: require_presentation must be a boolean" -- ci --policy badreq.json "$G"
recorded 8 "holder_binding_required not recorded"

# printed codes
echo '{"printed": "accept"}' >acc.json
echo '{"printed": "reject"}' >rej.json
echo '{"printed": "manual"}' >man.json
expect 0 "printed code, policy accept" -- ci --policy acc.json --at $((T+4000)) --json "$PR"
out_has '"reason":"admitted"'
out_has '"manual_check":false'
expect 1 "printed code, policy reject" -- ci --policy rej.json --at $((T+4000)) --json "$PR"
out_has '"reason":"printed_not_accepted"'
expect 0 "printed code, policy manual: admitted" -- ci --policy man.json --at $((T+4000)) --json "$PR"
out_has '"reason":"manual_identity_check"'
out_has '"manual_check":true'
expect 0 "printed code, policy manual: human output" -- ci --policy man.json --at $((T+4000)) "$PR"
out_has "^MANUAL IDENTITY CHECK"
n=$((n + 1)); if grep -q "MANUAL IDENTITY CHECK" err.txt; then echo "ok $n - manual check also on stderr"; else echo "not ok $n - manual check on stderr"; fails=$((fails + 1)); fi
recorded 11 "printed check-ins: accept and manual recorded, reject not"

# scan: an image holding a presentation
P4=$($B present --credential "$HB" --holder-key h.key --at $((T+5000)))
expect 0 "render a presentation" -- $B render --out p.png "$P4"
expect 0 "scan a fresh presentation" -- $B scan $TL --at $((T+5010)) --json p.png
out_has '"kind":"presentation"'
out_has '"valid":true'
expect 1 "scan: stale after 60s" -- $B scan $TL --at $((T+5080)) --json p.png
out_has '"error":"stale"'
expect 0 "scan --freshness 90s" -- $B scan $TL --freshness 90s --at $((T+5080)) p.png
out_has "valid presentation green"
$B render --out r.png "$R" >/dev/null
expect 1 "scan with --revoked" -- $B scan $TL --revoked rl --at $((T+70)) --json r.png
out_has '"error":"revoked"'
$B render --out hb.png "$HB" >/dev/null
expect 1 "scan --require-presentation of a bare holder-bound code" -- $B scan $TL --require-presentation --at $((T+70)) --json hb.png
out_has holder_binding_required
expect 3 "scan: edited trust list" -- $B scan --trust edited --root root.pub --at $((T+70)) r.png
expect 2 "scan: trust list without --root" -- $B scan --trust list --at $((T+70)) r.png

# --help is accurate
for c in checkin checkout scan; do
    expect 0 "$c --help" -- $B $c --help
    for o in --trust --root --revoked --freshness; do out_has "$o"; done
done
expect 0 "checkin --help" -- $B checkin --help
out_has --require-presentation
out_has manual_identity_check
expect 0 "scan --help" -- $B scan --help
out_has --require-presentation

echo "1..$n"
[ $fails = 0 ]
