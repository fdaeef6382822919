#!/usr/bin/env bash
# test_replicas_collateral.sh - regression test for "every replica fetches the same
# collateral" (issue 13), against a throwaway PostgreSQL cluster (tests/lib/pg.sh: skipped
# with 77 when PostgreSQL cannot start, a failure with CI=true or MAAT_REQUIRE_PG=1):
#   - the shared-cache unit test (test_collateral_shared) once more on PostgreSQL;
#   - two maatd on one PostgreSQL database, --pccs at `maat sim pccs` (which counts the
#     requests it serves, GET /maat-sim/requests): N concurrent attestations spread over
#     both replicas make the requests of ONE collateral fetch (measured first with a single
#     maatd on SQLite), not one per replica; besides, each replica fetches the source's
#     /tcbevaluationdatanumbers list once (issue 14: kept in memory, per replica);
#   - the database stops: both replicas keep attesting from memory (200).
# Every wait is bounded.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
SRC_DIR="${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
for tool in curl python3; do
    command -v $tool >/dev/null || { echo "SKIPPED: $tool not installed"; exit 77; }
done
UNIT="$(dirname "$BIN")/tests/test_collateral_shared"
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-replicas-XXXXXX")
PIDS=()
. "$SRC_DIR/tests/lib/pg.sh"
. "$SRC_DIR/tests/lib/maatd.sh"
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    pg_stop; rm -rf "$T"
}
trap cleanup EXIT
pg_start
rc=$?
[ $rc -eq 0 ] || exit $rc
fails=0
BASE="postgresql://maat:$PG_PASSWORD@127.0.0.1:$PG_PORT"
N=12

# ---- the unit test on PostgreSQL ----
if [ -x "$UNIT" ]; then
    if "$UNIT" >"$T/unit.out" 2>&1; then ok "test_collateral_shared on PostgreSQL"
    else bad "test_collateral_shared on PostgreSQL:"; cat "$T/unit.out"; fi
    grep -q "store: postgresql" "$T/unit.out" || bad "the unit test did not use PostgreSQL"
else
    bad "$UNIT not built"
fi

# ---- a platform, a quote, a PCCS that counts ----
"$MAAT" sim init "$T/sim" >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" -o "$T/q.bin" || { echo "sim quote failed"; exit 1; }
python3 - "$T/q.bin" "$T/req.json" <<'PY'
import base64, json, sys
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
json.dump({"quote": b64(open(sys.argv[1], "rb").read())}, open(sys.argv[2], "w"))
PY
"$MAAT" sim pccs "$T/sim" --listen 127.0.0.1:0 >"$T/pccs.out" 2>"$T/pccs.log" &
PIDS+=($!)
PCCS=
for _ in $(seq 100); do
    PCCS=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/pccs.out" 2>/dev/null | head -1)
    [ -n "$PCCS" ] && break
    sleep 0.1
done
[ -n "$PCCS" ] || { echo "sim pccs did not start: $(cat "$T/pccs.log")"; exit 1; }
served() { curl -s -m 5 "$PCCS/maat-sim/requests" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }
# settled: the count once it stopped moving (the list is fetched after the collateral is
# published, issue 14), bounded
settled() {
    local a b n=0
    a=$(served)
    while [ $n -lt 25 ]; do sleep 0.2; b=$(served); [ "$a" = "$b" ] && break; a=$b; n=$((n + 1)); done
    echo "$a"
}
[ "$(served)" = 0 ] && ok "sim pccs counts requests (0 so far)" || bad "sim pccs counter: $(served)"

attest() { # attest URL OUT: OUT (body), OUT.m (status)
    curl -s -m 20 -o "$2" -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
        --data-binary "@$T/req.json" "$1/attest/SgxEnclave?api-version=2022-08-01" >"$2.m"
}
# a generous wait: a loaded (or sanitizer) build must not turn a slow first fetch into 503
COMMON=(--pccs "$PCCS" --trust-root "$T/sim/root-ca.pem" --signer-quote none --threads 4
        --collateral-wait-ms 10000)

# ---- one collateral fetch, measured: one maatd on SQLite, one attestation ----
maatd_start S --store "$T/s.db" "${COMMON[@]}" || exit 1
attest "$URL_S" "$T/s0"
[ "$(cat "$T/s0.m")" = 200 ] && ok "single maatd: attest 200" || bad "single maatd: HTTP $(cat "$T/s0.m"): $(cat "$T/s0")"
PER_FETCH=$(settled)
[ "$PER_FETCH" -gt 0 ] && ok "one collateral fetch = $PER_FETCH PCCS requests" || bad "no PCCS request"
maatd_stop S

# ---- two replicas on one PostgreSQL database, concurrent attestations on both ----
pg_psql -d postgres -c "CREATE DATABASE repl" >/dev/null || { echo "createdb failed"; exit 1; }
maatd_start A --store "$BASE/repl" "${COMMON[@]}" || exit 1
maatd_start B --store "$BASE/repl" "${COMMON[@]}" || exit 1
before=$(served)
pids=()
for i in $(seq $N); do
    if [ $((i % 2)) -eq 0 ]; then u=$URL_A; else u=$URL_B; fi
    attest "$u" "$T/r$i" & pids+=($!)
done
wait "${pids[@]}"
n200=0
for i in $(seq $N); do [ "$(cat "$T/r$i.m")" = 200 ] && n200=$((n200 + 1)); done
[ $n200 -eq $N ] && ok "$N concurrent attestations over two replicas: all 200" \
    || { bad "$n200 of $N attestations 200"; for i in $(seq $N); do echo "  $i: $(cat "$T/r$i.m") $(head -c 300 "$T/r$i")"; done; }
delta=$(( $(settled) - before ))
# PER_FETCH includes the one maatd's list request; the second replica asks for its own list
[ "$delta" -eq $((PER_FETCH + 1)) ] && ok "one fetch for both replicas: $delta PCCS requests (one fetch + list = $PER_FETCH, + 1 list)" \
    || bad "$delta PCCS requests for two replicas, one fetch + list is $PER_FETCH (+ 1 list)"
rec=$(pg_psql -d repl -At -c "SELECT count(*) FROM maat_kv WHERE ns = 'collateral' AND key NOT LIKE 'collateral-fetch/%'")
[ "$rec" -ge 1 ] && ok "the verified collateral record is in PostgreSQL ($rec)" || bad "no collateral record in PostgreSQL"
lease=$(pg_psql -d repl -At -c "SELECT count(*) FROM maat_kv WHERE ns = 'collateral' AND key LIKE 'collateral-fetch/00906ED50000/%'")
[ "$lease" -ge 1 ] && ok "the fetch was claimed through a collateral-fetch/ lease record" || bad "no lease record"

# ---- the database stops: attestation keeps working from memory ----
pg_stop
for r in A B; do
    eval "u=\$URL_$r"
    attest "$u" "$T/down$r"
    [ "$(cat "$T/down$r.m")" = 200 ] && ok "database down: replica $r still attests (200, from memory)" \
        || bad "database down: replica $r: HTTP $(cat "$T/down$r.m"): $(head -c 300 "$T/down$r")"
done
delta2=$(( $(settled) - before ))
[ "$delta2" -eq "$delta" ] && ok "database down: no new PCCS request" || bad "database down: $((delta2 - delta)) new PCCS requests"
maatd_stop A
maatd_stop B

echo "$fails failure(s)"
[ $fails -eq 0 ]
