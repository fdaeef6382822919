#!/usr/bin/env bash
# test_maatd_collateral_wait_holds_no_thread.sh - regression test for "a request waiting
# for collateral holds a worker thread" (issue 12 item 9, leftover): with a stalled PCCS
# and more first-seen attestations waiting for the fetch than maatd has worker threads
# (--threads 2, 6 requests), /healthz on the MAIN listener still answers at once (the
# waiting requests are suspended, not sleeping on a worker) and every waiting request gets
# MAA's 503 at its deadline (--collateral-wait-ms after the fetch started, not earlier).
# Then, with a PCCS that answers after 1.5 s, waiting requests are served (200, a token)
# as soon as the fetch completes, well before the deadline. Every wait is bounded.
# CWAIT_TEE=tdx (test_maatd_collateral_wait_tdx_holds_no_thread.sh): the same with simulated
# TD quotes on POST /attest/TdxVm (the TDX collateral cache).
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
for tool in curl python3; do
    command -v $tool >/dev/null || { echo "SKIPPED: $tool not installed"; exit 77; }
done
case "${CWAIT_TEE:-sgx}" in
    sgx) TEE_ARGS=() ROUTE="/attest/SgxEnclave?api-version=2022-08-01" ;;
    tdx) TEE_ARGS=(--tee tdx) ROUTE="/attest/TdxVm?api-version=2025-06-01" ;;
    *) echo "CWAIT_TEE must be sgx or tdx"; exit 2 ;;
esac
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-cwait-${CWAIT_TEE:-sgx}-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fails=0
. "$(dirname "$0")/../lib/maatd.sh"
# in_range SECONDS MIN_MS MAX_MS
in_range() { python3 -c "import sys; t=float(sys.argv[1])*1000; sys.exit(0 if float(sys.argv[2]) <= t <= float(sys.argv[3]) else 1)" "$1" "$2" "$3"; }
WAIT_MS=2500
N=6

"$MAAT" sim init "$T/sim" >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" "${TEE_ARGS[@]}" -o "$T/q.bin" || { echo "sim quote failed"; exit 1; }
python3 - "$T/q.bin" "$T/req.json" <<'PY'
import base64, json, sys
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
json.dump({"quote": b64(open(sys.argv[1], "rb").read())}, open(sys.argv[2], "w"))
PY

. "$(dirname "$0")/../lib/sim_pccs.sh"
pccs() { # pccs NAME ARGS...: start_pccs, then sets PCCS and PID_NAME
    start_pccs "$@"
    PCCS=$BASE
    eval "PID_$1=$PCCS_PID"
}
now() { date +%s.%N; }
attest() { # attest OUT: writes OUT (body) and OUT.m ("status seconds-since-T0"; T0 set before)
    local st
    st=$(curl -s -m 20 -o "$1" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary "@$T/req.json" "$URL$ROUTE")
    echo "$st $(python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):.3f}')" "$(now)" "$T0")" >"$1.m"
}
probe() { # probe N: N /healthz probes 100 ms apart on the main listener; "status seconds"
    for _ in $(seq "$1"); do
        curl -s -m 5 -o /dev/null -w '%{http_code} %{time_total}\n' "$URL/healthz"
        sleep 0.1
    done
}
health_ok() { # FILE MIN_PROBES LABEL: every probe 200 within 500 ms
    local n=0 slow=0 st secs
    while read -r st secs; do
        n=$((n + 1))
        if [ "$st" != 200 ] || ! in_range "$secs" 0 500; then slow=$((slow + 1)); echo "  /healthz: HTTP $st in ${secs}s"; fi
    done <"$1"
    [ $n -ge "$2" ] && [ $slow -eq 0 ] \
        && ok "$3: $n /healthz probes on the main listener, all 200 within 0.5 s (max $(sort -k2 -n "$1" | tail -1 | cut -d' ' -f2)s)" \
        || bad "$3: $slow of $n /healthz probes slow or failed"
}

# ---- 1. a PCCS that accepts and never answers: waiting requests hold no worker ----
pccs P1 --fault stall --stall-ms 60000
# the fetch stays in flight past the wait deadline (read timeout 20 s)
maatd_start S --store "$T/s.db" --pccs "$PCCS" --trust-root "$T/sim/root-ca.pem" --threads 2 \
    --collateral-wait-ms $WAIT_MS --collateral-retry-s 60 --pccs-read-timeout-ms 20000 \
    --pccs-timeout-ms 30000 --pccs-attempts 1 --signer-quote none || exit 1
URL=$URL_S
AP=()
T0=$(now) # the fetch starts after this: every answer comes at T0 + WAIT_MS or later
for i in $(seq $N); do attest "$T/a$i" & AP+=($!); done
sleep 0.3 # all of them are waiting now
probe 15 >"$T/health1"
wait "${AP[@]}"
health_ok "$T/health1" 15 "$N requests waiting on 2 worker threads"
for i in $(seq $N); do
    read -r st secs <"$T/a$i.m"
    if [ "$st" = 503 ] && in_range "$secs" $WAIT_MS $((WAIT_MS + 1000)); then
        ok "waiting attest $i: 503 at the deadline (${secs}s after the first request; --collateral-wait-ms $WAIT_MS)"
    else
        bad "waiting attest $i: HTTP $st in ${secs}s (expected 503 after ~${WAIT_MS} ms): $(cat "$T/a$i")"
    fi
done
code=$(jget "$T/a1" 'd["error"]["code"]')
msg=$(jget "$T/a1" 'd["error"]["message"]')
[ "$code" = ServiceUnavailable ] && ok "MAA's error form: code ServiceUnavailable" || bad "error code '$code'"
case "$msg" in
*"is still being fetched from the pccs source"*) ok "message: the collateral is still being fetched" ;;
*) bad "message: $msg" ;;
esac
kill "$PID_P1" 2>/dev/null # the stalled fetch ends (connection closed), so maatd stops at once
maatd_stop S
[ "$STOP_RC" -eq 0 ] && [ "$STOP_MS" -lt 5000 ] && ok "SIGTERM: exit 0 in ${STOP_MS} ms" || bad "stop: rc $STOP_RC in $STOP_MS ms"

# ---- 2. a PCCS that answers after 1.5 s: waiting requests are served when it does ----
pccs P2
UP=$PCCS
python3 - "$UP" "$T/proxy.url" <<'PY' &
# delays the first request by 1.5 s, forwards every request to the sim PCCS
import http.server, socketserver, sys, time, urllib.request, threading
up, out = sys.argv[1], sys.argv[2]
first = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if first.acquire(blocking=False):
            time.sleep(1.5)
        try:
            r = urllib.request.urlopen(up + self.path, timeout=10)
            st, hdrs, body = r.status, r.getheaders(), r.read()
        except urllib.error.HTTPError as e:
            st, hdrs, body = e.code, e.headers.items(), e.read()
        self.send_response(st)
        for k, v in hdrs:
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
s = S(("127.0.0.1", 0), H)
open(out, "w").write(f"http://127.0.0.1:{s.server_address[1]}\n")
s.serve_forever()
PY
PIDS+=($!)
for _ in $(seq 100); do [ -s "$T/proxy.url" ] && break; sleep 0.1; done
PROXY=$(head -n1 "$T/proxy.url")
[ -n "$PROXY" ] || { echo "proxy did not start"; exit 1; }
maatd_start R --store "$T/r.db" --pccs "$PROXY" --trust-root "$T/sim/root-ca.pem" --threads 2 \
    --collateral-wait-ms 6000 --pccs-read-timeout-ms 10000 --pccs-attempts 1 --signer-quote none || exit 1
URL=$URL_R
AP=()
T0=$(now)
for i in $(seq $N); do attest "$T/b$i" & AP+=($!); done
sleep 0.3
probe 8 >"$T/health2"
wait "${AP[@]}"
health_ok "$T/health2" 8 "$N requests waiting for a slow fetch"
for i in $(seq $N); do
    read -r st secs <"$T/b$i.m"
    if [ "$st" = 200 ] && grep -q '"token"' "$T/b$i" && in_range "$secs" 1500 4500; then
        ok "waiting attest $i: served when the fetch completed (200 ${secs}s after the first request, deadline 6 s)"
    else
        bad "waiting attest $i: HTTP $st in ${secs}s (expected 200 after ~1.5 s): $(head -c 300 "$T/b$i")"
    fi
done
maatd_stop R
[ "$STOP_RC" -eq 0 ] && ok "SIGTERM: exit 0 in ${STOP_MS} ms" || bad "stop: rc $STOP_RC in $STOP_MS ms"

echo "$fails failure(s)"
[ $fails -eq 0 ]
