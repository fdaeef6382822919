#!/usr/bin/env bash
# tests/lib/pg.sh - a throwaway PostgreSQL cluster for the store tests: initdb in a
# temporary directory, listening on 127.0.0.1 only (unix socket in that directory), run as
# an unprivileged user (the `postgres` account, or `nobody`, when the tests run as root),
# stopped and removed afterwards.
#
# Two ways to use it:
#   bash tests/lib/pg.sh CMD ARGS...   start a cluster, export MAAT_TEST_PG_URI (and PG*
#                                      for psql), run CMD, stop and remove the cluster,
#                                      exit with CMD's status
#   . tests/lib/pg.sh; pg_start        the same from a shell test (pg_stop in its trap)
#
# When PostgreSQL cannot be started the reason is printed loudly and the status is 77
# (ctest's SKIP_RETURN_CODE: reported as skipped, never as passed); with CI=true or
# MAAT_REQUIRE_PG=1 it is 1 instead (a CI machine must have a working PostgreSQL).

PG_BIN=${PG_BIN:-}
PG_DIR=
PG_PORT=
PG_RUN=()

# pg_unavailable REASON: 77 (skip) or, in CI / MAAT_REQUIRE_PG=1, 1 (fail).
pg_unavailable() {
    echo "*********************************************************************" >&2
    echo "*** PostgreSQL could not be started: $1" >&2
    if [ "${CI:-}" = true ] || [ "${MAAT_REQUIRE_PG:-0}" = 1 ]; then
        echo "*** CI=true or MAAT_REQUIRE_PG=1: this is a FAILURE" >&2
        echo "*********************************************************************" >&2
        return 1
    fi
    echo "*** the PostgreSQL store tests are SKIPPED (install postgresql; see" >&2
    echo "*** scripts/install-deps.sh; set MAAT_REQUIRE_PG=1 to make this fatal)" >&2
    echo "*********************************************************************" >&2
    return 77
}

pg_find_bin() {
    [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && return 0
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { PG_BIN=$d; return 0; }
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        PG_BIN=$(dirname "$(command -v initdb)"); return 0
    fi
    return 1
}

pg_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# pg_start: sets PG_DIR, PG_PORT, PG_PASSWORD, MAAT_TEST_PG_URI (exported), PGHOST,
# PGPORT, PGUSER, PGPASSWORD, PGDATABASE (exported). Returns 0, 77 or 1 (pg_unavailable).
pg_start() {
    pg_find_bin || { pg_unavailable "initdb/pg_ctl not found (package postgresql)"; return; }
    command -v python3 >/dev/null || { pg_unavailable "python3 needed to pick a free port"; return; }
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/maat-pg-XXXXXX") || { pg_unavailable "mktemp failed"; return; }
    PG_RUN=()
    if [ "$(id -u)" -eq 0 ]; then
        local u=postgres
        id "$u" >/dev/null 2>&1 || u=nobody
        chown "$u" "$PG_DIR" || { pg_unavailable "cannot chown $PG_DIR to $u"; return; }
        if command -v runuser >/dev/null; then PG_RUN=(runuser -u "$u" --)
        elif command -v setpriv >/dev/null; then
            PG_RUN=(setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups --)
        else pg_unavailable "running as root without runuser/setpriv"; return; fi
    fi
    chmod 0700 "$PG_DIR"
    PG_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
    printf '%s\n' "$PG_PASSWORD" >"$PG_DIR/pw"
    [ ${#PG_RUN[@]} -gt 0 ] && chown "${PG_RUN[2]}" "$PG_DIR/pw"
    if ! "${PG_RUN[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U maat --pwfile="$PG_DIR/pw" \
            --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
            >"$PG_DIR/initdb.log" 2>&1; then
        cat "$PG_DIR/initdb.log" >&2
        pg_unavailable "initdb failed (log above)"; return
    fi
    local try
    # autovacuum off: its workers' transactions count in pg_stat_database, which the hot-path
    # checks (tests/lib/pg_roundtrips.sh) read as maatd's (seen: 2 transactions, no busy
    # maatd backend, in a 62k-attestation bench_maatd window); a throwaway cluster needs none.
    for try in 1 2 3; do
        PG_PORT=$(pg_free_port)
        if "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
                -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR \
                    -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
                    -c shared_buffers=16MB -c max_connections=40 -c autovacuum=off" start >/dev/null 2>&1; then
            break
        fi
        PG_PORT=
    done
    if [ -z "$PG_PORT" ]; then
        tail -n 20 "$PG_DIR/server.log" >&2 2>/dev/null
        pg_unavailable "pg_ctl start failed (server log above)"; return
    fi
    # a watchdog: if this shell dies without pg_stop (ctest's timeout kills it), the
    # server (a daemon, outside the process tree) is stopped and its directory removed
    local owner=$$ dir=$PG_DIR
    ( trap '' INT TERM HUP
      while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
      [ -f "$dir/data/postmaster.pid" ] &&
          "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop
      rm -rf "$dir" ) </dev/null >/dev/null 2>&1 &
    disown
    export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=maat PGPASSWORD=$PG_PASSWORD PGDATABASE=postgres
    export MAAT_TEST_PG_URI="postgresql://maat:$PG_PASSWORD@127.0.0.1:$PG_PORT/postgres?connect_timeout=5"
    export MAAT_TEST_PG_DIR=$PG_DIR MAAT_TEST_PG_PORT=$PG_PORT MAAT_TEST_PG_PASSWORD=$PG_PASSWORD
    echo "pg.sh: PostgreSQL $("$PG_BIN/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT, data in $PG_DIR" >&2
    return 0
}

# pg_psql ARGS...: psql against the test cluster (quiet, stops on the first error).
pg_psql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# pg_stop: stops the cluster (fast, then immediate) and removes its directory.
pg_stop() {
    [ -n "$PG_DIR" ] || return 0
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
            "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 10 stop >/dev/null 2>&1
    fi
    rm -rf "$PG_DIR"
    PG_DIR=
}

# Run as a wrapper: bash pg.sh CMD ARGS...
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    if [ $# -eq 0 ]; then echo "usage: pg.sh CMD [ARGS...]" >&2; exit 2; fi
    trap 'pg_stop' EXIT
    trap 'exit 130' INT TERM
    pg_start
    rc=$?
    [ $rc -eq 0 ] || exit $rc
    "$@"
    exit $?
fi
