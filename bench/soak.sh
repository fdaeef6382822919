#!/usr/bin/env bash
# soak.sh - runs one maatd (aad mode, a fresh sim platform, SQLite in a temporary directory)
# under bench/soak.py's mixed valid and hostile traffic for SOAK_SECONDS (default 1800),
# on loopback only. Exit 0 when soak.py's checks hold (see its header).
#   SOAK_SECONDS=1800 BUILD=build bench/soak.sh
# soak.py also reads SOAK_WARMUP (default 300 s), SOAK_ROTATE_SECONDS (default 600) and
# SOAK_SLOW_RATE (default 6 new slow connections a second); see bench/README.md "Soak".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BUILD:-$root/build}/bin
SECS=${SOAK_SECONDS:-1800}
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-soak-XXXXXX")
MPID=
cleanup() { [ -n "$MPID" ] && kill "$MPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
"$BIN/maat" sim init "$T/plat" >/dev/null
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/admin.token"
chmod 600 "$T/admin.token"
printf 'soak enclave held data' >"$T/ehd.bin"
"$BIN/maat" sim quote "$T/plat" --ehd "$T/ehd.bin" -o "$T/quote.bin" >/dev/null
python3 - "$T/quote.bin" "$T/ehd.bin" "$T/body.json" <<'PY'
import base64, json, sys
b = lambda p: base64.urlsafe_b64encode(open(p, "rb").read()).rstrip(b"=").decode()
json.dump({"quote": b(sys.argv[1]), "runtimeData": {"data": b(sys.argv[2]), "dataType": "Binary"}},
          open(sys.argv[3], "w"))
PY
"$BIN/maatd" --listen 127.0.0.1:0 --store "$T/maatd.db" --sim "$T/plat" --mode aad \
    --admin-token-file "$T/admin.token" --log-format json >"$T/url" 2>"$T/maatd.log" &
MPID=$!
for _ in $(seq 200); do [ -s "$T/url" ] && break; sleep 0.1; done
URL=$(head -n1 "$T/url")
[ -n "$URL" ] || { echo "soak: maatd did not start"; cat "$T/maatd.log"; exit 1; }
echo "soak: maatd $URL (pid $MPID) for ${SECS}s"
rc=0
python3 "$root/bench/soak.py" "$URL" "$MPID" "$T/body.json" "$T/admin.token" "$SECS" "$BIN/maat" "$T/maatd.db" || rc=$?
kill -0 "$MPID" 2>/dev/null || { echo "soak: maatd died"; tail -20 "$T/maatd.log"; rc=1; }
echo "soak: maatd log $(wc -l <"$T/maatd.log") lines; last lines:"
tail -3 "$T/maatd.log"
exit $rc
