#!/usr/bin/env bash
# test_maatd_replicas.sh - two maatd replicas on one PostgreSQL store (issue 13, docs/deploy.md
# "Replicas"): one schema and one signing key when both start at once on an empty database;
# policy and signer changes acknowledged by one replica in force on the other within 2 s (and
# on the acknowledging one before its 200); `maat key rotate --store` seen by both within 2 s,
# tokens from either verifying with the other's /certs; database down (attestation from
# memory, /ready "store: down (...)", changes 503 in MAA's form, nothing half-applied) and
# back (replicas reconnect by themselves and pick up changes made meanwhile); kill -9 of a
# replica in a burst of concurrent changes. Throwaway cluster from tests/lib/pg.sh (77 when
# PostgreSQL cannot start); the checks are in maatd_replicas_test.py. Every wait is bounded.
set -u
BIN="${MAAT_BIN:-}"
SRC_DIR="${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}"
if [ ! -x "$BIN/maat" ] || [ ! -x "$BIN/maatd" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
python3 -c "import cryptography" 2>/dev/null || { echo "SKIPPED: python3 cryptography missing"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-rep-XXXXXX")
. "$SRC_DIR/tests/lib/pg.sh"
trap 'pg_stop; rm -rf "$T"' EXIT
pg_start
rc=$?
[ $rc -eq 0 ] || exit $rc
pg_psql -d postgres -c "CREATE DATABASE rep" >/dev/null || exit 1
# what the Python side needs to stop and restart the same cluster (database down / back)
export PG_BIN PG_DIR PG_PORT PG_RUN_PREFIX="${PG_RUN[*]}"
export REP_URI="postgresql://maat:$PG_PASSWORD@127.0.0.1:$PG_PORT/rep?connect_timeout=2"
timeout 300 python3 "$(dirname "$0")/maatd_replicas_test.py" "$BIN" "$T"
