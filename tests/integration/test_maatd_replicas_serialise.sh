#!/usr/bin/env bash
# test_maatd_replicas_serialise.sh - concurrent changes on maatd replicas sharing one
# PostgreSQL store serialise (issue 13; docs/deploy.md "Concurrent changes"), and the
# safety-net poll (MAATD_STORE_POLL_SECONDS) delivers a change whose NOTIFY was suppressed.
# Throwaway cluster from tests/lib/pg.sh (77 when PostgreSQL cannot start); the checks are
# in maatd_replicas_serialise_test.py. Every wait is bounded.
set -u
BIN="${MAAT_BIN:-}"
SRC_DIR="${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}"
if [ ! -x "$BIN/maat" ] || [ ! -x "$BIN/maatd" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
python3 -c "import cryptography" 2>/dev/null || { echo "SKIPPED: python3 cryptography missing"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-ser-XXXXXX")
. "$SRC_DIR/tests/lib/pg.sh"
trap 'pg_stop; rm -rf "$T"' EXIT
pg_start
rc=$?
[ $rc -eq 0 ] || exit $rc
pg_psql -d postgres -c "CREATE DATABASE ser" >/dev/null || exit 1
export REP_URI="postgresql://maat:$PG_PASSWORD@127.0.0.1:$PG_PORT/ser?connect_timeout=2"
export PG_BIN
timeout 300 python3 "$(dirname "$0")/maatd_replicas_serialise_test.py" "$BIN" "$T"
