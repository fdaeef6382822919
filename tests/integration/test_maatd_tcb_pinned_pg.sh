#!/usr/bin/env bash
# test_maatd_tcb_pinned_pg.sh - issue 14: maatd's pinned collateral sets persist in the
# PostgreSQL store as in SQLite: a policy pinning x-ms-sgx-tcbidentifier 18 makes maatd
# fetch number 18 from `maat sim pccs` and store it under collateral/00906ED50000/processor/
# eval-18 (the default set keeps 00906ED50000/processor); a restarted maatd on the same
# database serves the pinned set with the source gone. Throwaway cluster (tests/lib/pg.sh;
# skipped with 77 when PostgreSQL cannot start, a failure with CI=true or MAAT_REQUIRE_PG=1).
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
SRC_DIR="${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-tcb-pinned-pg-XXXXXX")
PIDS=()
. "$SRC_DIR/tests/lib/pg.sh"
. "$SRC_DIR/tests/lib/maatd.sh"
cleanup() {
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    pg_stop; rm -rf "$T"
}
trap cleanup EXIT
pg_start
rc=$?
[ $rc -eq 0 ] || exit $rc
fails=0
post() { curl -s -m 20 -o "$3" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "@$2" "$1"; }
mkreq() { python3 - "$@" <<'PY'
import base64, json, sys
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
req = {"quote": b64(open(sys.argv[2], "rb").read()), "draftPolicyForAttestation": sys.argv[3]}
json.dump(req, open(sys.argv[1], "w"))
PY
}
pol() { echo "version=1.1; configurationrules{=> issueproperty(type=\"x-ms-sgx-tcbidentifier\", value=\"$1\");}; authorizationrules{=> permit();};"; }

"$MAAT" sim init "$T/sim" --now 2024-03-01T00:00:00Z --next-update 2025-03-01T00:00:00Z >/dev/null \
    || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" --tcb OutOfDate -o "$T/o.bin" >/dev/null || exit 1
"$MAAT" sim pccs "$T/sim" --listen 127.0.0.1:0 --eval-nums 17:19 >"$T/pccs.out" 2>"$T/pccs.log" &
SP=$!
PIDS+=("$SP")
P=
for _ in $(seq 1 100); do
    P=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/pccs.out" 2>/dev/null | head -1)
    [ -n "$P" ] && break
    sleep 0.1
done
[ -n "$P" ] || { echo "sim pccs did not start: $(cat "$T/pccs.log")"; exit 1; }
pg_psql -d postgres -c "CREATE DATABASE pinned" >/dev/null || { echo "create database failed"; exit 1; }
STORE="postgresql://maat:$PG_PASSWORD@127.0.0.1:$PG_PORT/pinned"
COMMON=(--store "$STORE" --trust-root "$T/sim/root-ca.pem" --signer-quote none --pccs-attempts 1
    --test-verification-time 2024-03-02T00:00:00Z)

maatd_start A --pccs "$P" "${COMMON[@]}" || exit 1
mkreq "$T/p18.json" "$T/o.bin" "$(pol 18)"
st=$(post "$URL_A/attest/SgxEnclave?api-version=2022-08-01" "$T/p18.json" "$T/a.out")
[ "$st" = 200 ] && ok "pin 18 on PostgreSQL: 200" || bad "pin 18: $st $(head -c 300 "$T/a.out")"
keys=$(pg_psql -d pinned -At -c "SELECT key FROM maat_kv WHERE ns = 'collateral' ORDER BY key" | tr '\n' ' ')
[[ "$keys" == *"00906ED50000/processor/eval-18 "* ]] && ok "stored under 00906ED50000/processor/eval-18 ($keys)" \
    || bad "keys: $keys"
maatd_stop A
# the source goes away; a restart serves number 18 from the database
kill -TERM "$SP"; wait "$SP" 2>/dev/null
maatd_start B --pccs "$P" "${COMMON[@]}" || exit 1
st=$(post "$URL_B/attest/SgxEnclave?api-version=2022-08-01" "$T/p18.json" "$T/b.out")
[ "$st" = 200 ] && ok "restart, source down: pinned 18 served from PostgreSQL" || bad "restart: $st $(head -c 300 "$T/b.out")"

[ "$fails" -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
