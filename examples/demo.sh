#!/usr/bin/env bash
# The libhcode story, end to end, with the hcode CLI.
# Usage: examples/demo.sh [path/to/hcode] [output dir]
set -euo pipefail
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

say "Codes as images: the person's in its status colour, the venue's in black"
"$H" render --out person.png "$person"
"$H" render --out venue.png --ecc H "$venue"
"$H" render --out venue.txt "$venue"; head -4 venue.txt
echo "(person.png, venue.png; --format svg and txt too)"

say "A gate scans the images back and verifies every code in them"
"$H" scan --trust jinan.pub --at 2026-11-22T14:05:00Z --json person.png venue.png

printf '\nDemo files are in %s\n' "$out"
