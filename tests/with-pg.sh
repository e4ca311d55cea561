#!/bin/sh
# Runs a test program against PostgreSQL: the server in HCODE_TEST_PG_URI
# (the test fails if it is unreachable), or, when that is unset, a throwaway
# cluster started here and stopped afterwards. Never skips.
set -u
root=${HCODE_SOURCE_ROOT:?}
started=
if [ -z "${HCODE_TEST_PG_URI:-}" ]; then
    HCODE_TEST_PG_URI=$(sh "$root/scripts/pg-test-server.sh" start) || {
        echo "Bail out! cannot start a PostgreSQL test server" ; exit 1; }
    export HCODE_TEST_PG_URI
    started=1
fi
"$@"
rc=$?
if [ -n "$started" ]; then sh "$root/scripts/pg-test-server.sh" stop "$HCODE_TEST_PG_URI"; fi
exit $rc
