#!/bin/sh
# Throwaway PostgreSQL cluster on 127.0.0.1 for the test suite and CI.
#
#   pg-test-server.sh start          initdb + start on a free port, create the
#                                    database hcode_test; prints its URI:
#                                    postgresql://postgres@127.0.0.1:PORT/hcode_test
#   pg-test-server.sh stop URI       stop the cluster and delete its files
#   pg-test-server.sh crash URI      kill it at once (pg_ctl -m immediate), keep the files
#   pg-test-server.sh restart URI    start a crashed cluster again on the same port
#
# As root the cluster runs as the `postgres` user; otherwise as the caller.
# Authentication is `trust` and the server listens on 127.0.0.1 only.
# State lives in ${TMPDIR:-/tmp}/hcode-pg-PORT. Exit status non-zero (with the
# server log on stderr) when the server cannot be started.
set -eu

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
    for v in 15 16 17 14 13; do
        if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then bindir=/usr/lib/postgresql/$v/bin; break; fi
    done
fi
if [ -z "$bindir" ] && command -v pg_config >/dev/null 2>&1; then bindir=$(pg_config --bindir); fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "pg-test-server: initdb not found (install the postgresql package)" >&2
    exit 3
fi

tmp=${TMPDIR:-/tmp}

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_of() {
    # postgresql://user@host:PORT/db -> PORT
    p=${1##*:}
    p=${p%%/*}
    case $p in ''|*[!0-9]*) echo "pg-test-server: no port in '$1'" >&2; exit 2 ;; esac
    echo "$p"
}

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
    # $1 = state dir, $2 = port
    if ! as_owner "$bindir/pg_ctl" -D "$1/data" -l "$1/log" -w -t 60 \
        -o "-p $2 -k $1 -c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=128MB" \
        start >/dev/null; then
        echo "pg-test-server: server did not start; log follows" >&2
        cat "$1/log" >&2 || true
        return 3
    fi
}

case ${1:-} in
start)
    tries=0
    while :; do
        port=$(free_port)
        dir=$tmp/hcode-pg-$port
        if mkdir "$dir" 2>/dev/null; then break; fi
        tries=$((tries + 1))
        [ $tries -lt 20 ] || { echo "pg-test-server: no free state dir" >&2; exit 3; }
    done
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    if ! as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale \
        --no-sync >"$dir/initdb.log" 2>&1; then
        echo "pg-test-server: initdb failed:" >&2
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        exit 3
    fi
    if ! pg_start "$dir" "$port"; then rm -rf "$dir"; exit 3; fi
    if ! as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres hcode_test; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$dir"
        exit 3
    fi
    echo "postgresql://postgres@127.0.0.1:$port/hcode_test"
    ;;
stop)
    port=$(port_of "${2:?usage: pg-test-server.sh stop URI}")
    dir=$tmp/hcode-pg-$port
    [ -d "$dir/data" ] || { echo "pg-test-server: no cluster at $dir" >&2; exit 3; }
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
crash)
    port=$(port_of "${2:?usage: pg-test-server.sh crash URI}")
    dir=$tmp/hcode-pg-$port
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
restart)
    port=$(port_of "${2:?usage: pg-test-server.sh restart URI}")
    dir=$tmp/hcode-pg-$port
    pg_start "$dir" "$port"
    ;;
*)
    echo "usage: pg-test-server.sh start | stop URI | crash URI | restart URI" >&2
    exit 2
    ;;
esac
