#!/usr/bin/env bash
# test_maatd_pccs_stall.sh - regression test for "a stalled PCCS freezes the whole daemon"
# (issue 12 item 9) and its logging / exit-code parts (item 15): maatd with --pccs pointing
# at `maat sim pccs --fault stall` (accepts, never answers) on 127.0.0.1. Concurrent
# attestations get MAA's 503 within --collateral-wait-ms (measured), /healthz and /certs
# answer within 1 s throughout, the stalled fetch fails once and is logged once (item,
# cause, no query), later attestations get 503 at once (negative cache), no source URL in
# any HTTP body; and `maat verify --pccs` to a closed port exits 4. Every wait is bounded.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
for tool in curl python3; do
    command -v $tool >/dev/null || { echo "SKIPPED: $tool not installed"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-stall-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fails=0
. "$(dirname "$0")/../lib/maatd.sh"
ms_lt() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) * 1000 < float(sys.argv[2]) else 1)" "$1" "$2"; }
WAIT_MS=500

# ---- a platform, a quote, a request ----
"$MAAT" sim init "$T/sim" >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" -o "$T/q.bin" || { echo "sim quote failed"; exit 1; }
python3 - "$T/q.bin" "$T/req.json" <<'PY'
import base64, json, sys
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
json.dump({"quote": b64(open(sys.argv[1], "rb").read())}, open(sys.argv[2], "w"))
PY

# ---- maat verify --pccs to a closed port: exit 4 (I/O), not 1 or 3 ----
CLOSED=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1]); s.close()")
"$MAAT" verify "$T/q.bin" --pccs "http://127.0.0.1:$CLOSED" --trust-root "$T/sim/root-ca.pem" \
    >"$T/verify.out" 2>"$T/verify.err"
rc=$?
[ $rc -eq 4 ] && ok "maat verify --pccs http://127.0.0.1:$CLOSED (nothing listening): exit 4" \
    || bad "maat verify to a closed port: exit $rc, not 4: $(cat "$T/verify.err")"
grep -q "TCB info: GET http://127.0.0.1:$CLOSED/" "$T/verify.err" \
    && ok "maat verify names the item and URL on stderr" || bad "verify stderr: $(cat "$T/verify.err")"

# ---- a PCCS that accepts and never answers ----
"$MAAT" sim pccs "$T/sim" --listen 127.0.0.1:0 --fault stall --stall-ms 60000 >"$T/pccs.out" 2>"$T/pccs.log" &
PIDS+=($!)
PCCS=
for _ in $(seq 100); do
    PCCS=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/pccs.out" 2>/dev/null | head -1)
    [ -n "$PCCS" ] && break
    sleep 0.1
done
[ -n "$PCCS" ] || { echo "sim pccs did not start: $(cat "$T/pccs.log")"; exit 1; }

# Read timeout 2 s, one attempt: the stalled fetch fails ~2 s after it starts.
maatd_start S --store "$T/s.db" --pccs "$PCCS" --trust-root "$T/sim/root-ca.pem" --threads 2 \
    --collateral-wait-ms $WAIT_MS --collateral-retry-s 600 --pccs-read-timeout-ms 2000 \
    --pccs-timeout-ms 8000 --pccs-attempts 1 --signer-quote none || exit 1
URL=$URL_S

attest() { # attest OUT: writes OUT (body) and OUT.m ("status seconds")
    curl -s -m 20 -o "$1" -w '%{http_code} %{time_total}\n' -X POST -H 'Content-Type: application/json' \
        --data-binary "@$T/req.json" "$URL/attest/SgxEnclave?api-version=2022-08-01" >"$1.m"
}
probe() { # probe PATH N: N probes 100 ms apart; each line "status seconds"
    for _ in $(seq "$2"); do
        curl -s -m 5 -o /dev/null -w '%{http_code} %{time_total}\n' "$URL$1"
        sleep 0.1
    done
}

# ---- concurrent attestations while the PCCS stalls, health probed throughout ----
probe /healthz 25 >"$T/health1" &
HP=$!
probe /certs 25 >"$T/certs1" &
CP=$!
sleep 0.2
AP=()
for i in 1 2 3 4 5 6; do attest "$T/a$i" & AP+=($!); done
wait "${AP[@]}" $HP $CP
for i in 1 2 3 4 5 6; do
    read -r st secs <"$T/a$i.m"
    if [ "$st" = 503 ] && ms_lt "$secs" $((WAIT_MS + 1000)); then
        ok "attest $i while the PCCS stalls: 503 in ${secs}s (deadline ${WAIT_MS} ms)"
    else
        bad "attest $i: HTTP $st in ${secs}s: $(cat "$T/a$i")"
    fi
done
code=$(jget "$T/a1" 'd["error"]["code"]')
msg=$(jget "$T/a1" 'd["error"]["message"]')
[ "$code" = ServiceUnavailable ] && ok "MAA's error form: code ServiceUnavailable" || bad "error code '$code'"
case "$msg" in
*"is still being fetched from the pccs source"*) ok "message says the collateral is still being fetched" ;;
*) bad "message: $msg" ;;
esac
if cat "$T"/a? | grep -q "127.0.0.1\|http://"; then bad "an HTTP error body names the PCCS URL"; else ok "no PCCS URL in the 503 bodies"; fi
health_ok() { # FILE NAME MIN_PROBES
    local n=0 slow=0 st secs
    while read -r st secs; do
        n=$((n + 1))
        if [ "$st" != 200 ] || ! ms_lt "$secs" 1000; then slow=$((slow + 1)); echo "  $2: HTTP $st in ${secs}s"; fi
    done <"$1"
    [ $n -ge "$3" ] && [ $slow -eq 0 ] && ok "$2: $n probes during the stall, all 200 within 1 s (max $(sort -k2 -n "$1" | tail -1 | cut -d' ' -f2)s)" \
        || bad "$2: $slow of $n probes slow or failed"
}
health_ok "$T/health1" /healthz 20
health_ok "$T/certs1" /certs 20

# ---- the fetch fails (read timeout): one log line, then 503 at once ----
for _ in $(seq 100); do grep -q "collateral fetch failed" "$T/S.log" && break; sleep 0.1; done
n=$(grep -c "collateral fetch failed" "$T/S.log")
[ "$n" -eq 1 ] && ok "one log line for the failed fetch (6 requests waited for it)" || bad "$n fetch-failure log lines"
line=$(grep "collateral fetch failed" "$T/S.log")
case "$line" in
*"level=warn"*"fmspc=00906ed50000 ca=processor source=pccs"*"TCB info: GET $PCCS/sgx/certification/v4/tcb:"*)
    ok "log line names the item and the cause: ${line#*msg=}" ;;
*) bad "log line: $line" ;;
esac
case "$line" in *"?fmspc"*) bad "log line carries the URL's query" ;; *) ok "log line: URL without its query" ;; esac
for i in 1 2 3 4; do attest "$T/b$i"; done
probe /healthz 3 >"$T/health2"
for i in 1 2 3 4; do
    read -r st secs <"$T/b$i.m"
    if [ "$st" = 503 ] && ms_lt "$secs" 300; then ok "attest $i after the failure: 503 at once (${secs}s)"
    else bad "attest $i after the failure: HTTP $st in ${secs}s: $(cat "$T/b$i")"; fi
done
msg=$(jget "$T/b1" 'd["error"]["message"]')
case "$msg" in
*"last attempt failed recently"*"<source URL>"*) ok "503 names the cause, not the URL: $msg" ;;
*) bad "message after the failure: $msg" ;;
esac
health_ok "$T/health2" "/healthz after the failure" 3
n=$(grep -c "collateral fetch failed" "$T/S.log")
[ "$n" -eq 1 ] && ok "still one log line: the negative cache did not ask the PCCS again" || bad "$n log lines"
curl -s -m 5 "$URL/metrics" >"$T/metrics"
grep -q "^maatd_collateral_fetch_failures_total 1$" "$T/metrics" && ok "metrics: one fetch failure" \
    || bad "metrics: $(grep fetch_failures "$T/metrics")"
if grep -q "secret\|Ocp-Apim" "$T/S.log"; then bad "log carries a credential"; fi

# ---- shutdown is not held by the PCCS ----
maatd_stop S
[ "$STOP_RC" -eq 0 ] && [ "$STOP_MS" -lt 5000 ] && ok "SIGTERM: exit 0 in ${STOP_MS} ms" || bad "stop: rc $STOP_RC in $STOP_MS ms"

echo "$fails failure(s)"
[ $fails -eq 0 ]
