#!/usr/bin/env bash
# test_maatd_pg_hot_path.sh - the attest hot path makes no database round trip (issue 13:
# keys, policies and collateral are held in memory): maatd on a throwaway PostgreSQL store
# (tests/lib/pg.sh; 77 when PostgreSQL cannot start) answers 200 attestations while the
# server counts the statements of maatd's database (tests/lib/pg_roundtrips.sh): zero. The
# safety-net poll is set to an hour (MAATD_STORE_POLL_SECONDS) so the background re-sync
# does not run in the window; a control first shows that a sync (SIGUSR1) is counted.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
SRC_DIR="${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-hot-XXXXXX")
PIDS=()
. "$SRC_DIR/tests/lib/pg.sh"
. "$SRC_DIR/tests/lib/maatd.sh"
. "$SRC_DIR/tests/lib/pg_roundtrips.sh"
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    pg_stop; rm -rf "$T"
}
trap cleanup EXIT
pg_start
rc=$?
[ $rc -eq 0 ] || exit $rc
fails=0
N=${HOT_PATH_ATTESTS:-200}
RT_PSQL=("$PG_BIN/psql" -d postgres)
pg_psql -d postgres -c "CREATE DATABASE hot" >/dev/null || exit 1
URI="postgresql://maat:$PG_PASSWORD@127.0.0.1:$PG_PORT/hot"

"$MAAT" sim init "$T/sim" >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" -o "$T/q.bin" || { echo "sim quote failed"; exit 1; }
MAATD_STORE_POLL_SECONDS=3600 maatd_start A --store "$URI" --sim "$T/sim" || exit 1
for _ in $(seq 50); do grep -q "store change feed: listening" "$T/A.log" && break; sleep 0.1; done
grep -q "safety-net poll every 3600 s" "$T/A.log" || sleep 1.2 # read at the first tick

# attest COUNT: COUNT attestations over one keep-alive connection; prints how many got 200
attest() {
    python3 - "$URL_A" "$T/q.bin" "$1" <<'PY'
import base64, http.client, json, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
body = json.dumps({"quote": base64.urlsafe_b64encode(open(sys.argv[2], "rb").read()).rstrip(b"=").decode()})
c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
good = 0
for _ in range(int(sys.argv[3])):
    c.request("POST", "/attest/SgxEnclave?api-version=2022-08-01", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    good += r.status == 200
print(good)
PY
}
w=$(attest 20)
[ "$w" = 20 ] && ok "warm-up: 20 attestations answered 200" || bad "warm-up: $w of 20 answered 200"

# control: a store sync (what SIGUSR1 asks for) is a round trip, and is seen
rt_activity hot "$T/c0"
kill -USR1 "$PID_A"
sleep 1
rt_activity hot "$T/c1"
b=$(rt_busy "$T/c0" "$T/c1")
[ "$b" -ge 1 ] && ok "control: a store sync is seen as database activity ($b backend(s))" ||
    bad "control: a store sync was not seen (the measure is blind)"

sleep "$RT_SETTLE" # idle: the counters published so far include everything before the window
x0=$(rt_xacts hot)
rt_activity hot "$T/a0"
g=$(attest "$N")
rt_activity hot "$T/a1"
maatd_stop A
rt_wait_gone hot || bad "maatd's database sessions did not end"
x1=$(rt_xacts hot)
busy=$(rt_busy "$T/a0" "$T/a1")
dx=$((x1 - x0))
echo "# $N attestations: $g answered 200; database transactions during the window (and maatd's exit): $dx; backends that ran a statement: $busy"
[ "$g" = "$N" ] && ok "$N attestations answered 200" || bad "only $g of $N attestations answered 200"
[ "$busy" = 0 ] && ok "no maatd backend ran a statement during the attestations" ||
    bad "$busy maatd backend(s) ran statements during the attestations"
[ "$dx" = 0 ] && ok "zero database transactions for $N attestations (0 per attestation)" ||
    bad "$dx database transactions for $N attestations"
[ "$STOP_RC" = 0 ] || bad "maatd exit status $STOP_RC"
echo "$fails failure(s)"
[ "$fails" = 0 ]
