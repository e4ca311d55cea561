#!/bin/bash
# CLI contract of trust sign / revoke / present and verify's --trust LIST
# --root, --revoked, --freshness, --require-presentation (exit statuses).
set -u
B=${HCODE_BIN:?HCODE_BIN not set}
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

for k in root a b h h2; do $B keygen --out $k --region R-$k >/dev/null || exit 1; done
expect 0 "trust sign" -- $B trust sign --key root.key --out list --at $T --ttl 7d a.pub --usage person b.pub
head -c 6 list | grep -q '^HCTL1:' && echo "ok - list text starts HCTL1:" || { echo "not ok - list magic"; fails=$((fails+1)); }
expect 2 "trust sign without issuers" -- $B trust sign --key root.key --out l2
expect 2 "trust with no subcommand" -- $B trust
expect 0 "trust sign --help" -- $B trust sign --help

P=$($B issue --key a.key --subject 110101 --status green --holder h.pub --at $T)
Q=$($B issue --key a.key --subject 220202 --status green --at $T)
PB=$($B issue --key b.key --subject 330303 --status yellow --at $T)
VB=$($B venue --key b.key --venue-id V1 --name Mall --at $T)
expect 0 "codes of both regions valid through the list" -- $B verify --trust list --root root.pub --at $((T+60)) "$P" "$Q" "$PB"
expect 1 "person-only key signing a venue code" -- $B verify --trust list --root root.pub --at $((T+60)) --json "$VB"
out_has '"error":"key_not_permitted"'
expect 2 "trust list without --root" -- $B verify --trust list --at $((T+60)) "$P"
expect 3 "trust list under the wrong root" -- $B verify --trust list --root a.pub --at $((T+60)) "$P"
out_has "root key"
expect 3 "expired trust list" -- $B verify --trust list --root root.pub --at $((T+8*86400)) "$P"
out_has "expired"
expect 3 "trust list dated after the verifier's clock" -- $B verify --trust list --root root.pub --at $((T-3600)) "$P"
out_has "clock behind"
# one character edited
sed 's/^\(HCTL1:.........\)./\1Z/' list >edited
cmp -s list edited && sed 's/^\(HCTL1:.........\)./\1Y/' list >edited
expect 3 "edited trust list" -- $B verify --trust list edited --root root.pub --at $((T+60)) "$P"
# key rotation through a new list
expect 0 "rotation list" -- $B trust sign --key root.key --out rot --at $T --not-after $((T+100)) a.pub
LATE=$($B issue --key a.key --subject 1 --status green --at $((T+200)))
expect 1 "code issued after the key's not-after" -- $B verify --trust rot --root root.pub --at $((T+300)) --json "$LATE"
out_has key_not_permitted
expect 0 "code issued before the key's not-after" -- $B verify --trust rot --root root.pub --at $((T+300)) "$Q"

# revocation
expect 0 "revoke" -- $B revoke --key a.key --out rl --at $((T+10)) "$P"
expect 1 "revoked code" -- $B verify --trust list --root root.pub --revoked rl --at $((T+60)) --json "$P"
out_has '"error":"revoked"'
expect 0 "other codes stay valid" -- $B verify --trust list --root root.pub --revoked rl --at $((T+60)) "$Q" "$PB"
expect 1 "revoke a code of another issuer" -- $B revoke --key a.key --out rl2 "$PB"
expect 3 "revocation list by an untrusted key" -- $B verify --trust b.pub --revoked rl --at $((T+60)) "$PB"
expect 3 "revocation list dated after the verifier's clock" -- $B verify --trust list --root root.pub --revoked rl --at $((T-100)) "$Q"
echo "$Q" | $B revoke --key a.key --out rl3 --at $T - >/dev/null && echo "ok - revoke from stdin" || { echo "not ok - revoke from stdin"; fails=$((fails+1)); }
expect 1 "two revocation lists" -- $B verify --trust list --root root.pub --revoked rl --revoked rl3 --at $((T+60)) "$Q"

# presentations
Dp=$($B present --credential "$P" --holder-key h.key --at $((T+1000)))
case "$Dp" in HCD1:*) echo "ok - presentation prefix";; *) echo "not ok - presentation prefix"; fails=$((fails+1));; esac
P2=$($B issue --key a.key --subject 110101 --status green --holder h.pub --at $T)
D2=$($B present --credential "$P2" --holder-key h.key --at $((T+1000)))
expect 0 "fresh presentation" -- $B verify --trust list --root root.pub --at $((T+1030)) --json "$D2"
out_has '"kind":"presentation"'
expect 1 "presentation older than 60s" -- $B verify --trust list --root root.pub --at $((T+1061)) --json "$D2"
out_has '"error":"stale"'
expect 0 "--freshness 90s" -- $B verify --trust list --root root.pub --freshness 90s --at $((T+1061)) "$D2"
expect 1 "presentation from the future" -- $B verify --trust list --root root.pub --at $((T+900)) --json "$D2"
out_has '"error":"stale"'
expect 1 "presenting with another phone's key" -- $B present --credential "$P2" --holder-key h2.key
expect 1 "bare holder-bound code where presentations are required" -- $B verify --trust list --root root.pub --require-presentation --at $((T+60)) --json "$P2"
out_has holder_binding_required
expect 0 "code without holder where presentations are required" -- $B verify --trust list --root root.pub --require-presentation --at $((T+60)) "$Q"
expect 1 "presentation of a revoked credential" -- $B verify --trust list --root root.pub --revoked rl --at $((T+1001)) "$Dp"
expect 2 "bad --freshness" -- $B verify --trust list --root root.pub --freshness 0 "$Q"
expect 2 "printed code with a holder key" -- $B issue --key a.key --subject 9 --status green --printed --holder h.pub
PR=$($B issue --key a.key --subject 9 --status green --printed --at $T)
expect 0 "printed code still valid after 6 days (plain codes: 1 day)" -- $B verify --trust list --root root.pub --at $((T+6*86400)) --json "$PR"
out_has '"printed":true'
for c in trust revoke present; do expect 0 "$c --help" -- $B $c --help; done

echo "1..$n"
[ $fails = 0 ]
