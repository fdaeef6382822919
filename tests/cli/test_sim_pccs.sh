#!/usr/bin/env bash
# test_sim_pccs.sh - `maat sim pccs DIR --listen 127.0.0.1:0`: serves the PCCS v4 routes
# with URL-encoded issuer-chain headers on loopback, stops cleanly on SIGTERM, rejects bad
# command lines. Everything is bounded (no loop waits more than 10 s).
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
MAAT="${MAAT_BIN:-}/maat"
if [ ! -x "$MAAT" ]; then echo "SKIPPED: $MAAT not built (set MAAT_BIN)"; exit 77; fi
if ! "$MAAT" sim pccs --help >/dev/null 2>&1; then
    echo "SKIPPED: 'maat sim pccs' is not dispatched by cmd_sim.c yet"; exit 77
fi
if ! command -v curl >/dev/null; then echo "SKIPPED: no curl"; exit 77; fi
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-cli-pccs-XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fails=0

"$MAAT" sim pccs >/dev/null 2>&1; [ $? -eq 2 ] && ok "no dir: exit 2" || bad "no dir: not exit 2"
"$MAAT" sim pccs "$T" --listen nonsense >/dev/null 2>&1
[ $? -eq 2 ] && ok "bad --listen: exit 2" || bad "bad --listen: not exit 2"
"$MAAT" sim pccs "$T/empty" --listen 127.0.0.1:0 >/dev/null 2>"$T/err"
[ $? -eq 3 ] && grep -q "holds no collateral" "$T/err" && ok "empty dir: exit 3, says why" \
    || bad "empty dir: $(cat "$T/err")"

"$MAAT" sim init "$T/plat" --now 2024-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim pccs "$T/plat" --listen 127.0.0.1:0 >"$T/out" 2>"$T/log" &
PID=$!
URL=
for _ in $(seq 1 100); do
    URL=$(grep -o 'http://127.0.0.1:[0-9]*/sgx/certification/v4/' "$T/out" 2>/dev/null)
    [ -n "$URL" ] && break
    sleep 0.1
done
[ -n "$URL" ] && ok "serving at $URL" || { bad "no URL printed: $(cat "$T/log")"; exit 1; }

code=$(curl -s -m 5 -D "$T/h" -o "$T/tcb.json" -w '%{http_code}' "${URL}tcb?fmspc=00906ED50000")
[ "$code" = 200 ] && ok "tcb: 200" || bad "tcb: HTTP $code"
cmp -s "$T/tcb.json" "$T/plat/pcs/tcb-00906ED50000.json" && ok "tcb body is the PCS file" \
    || bad "tcb body differs"
grep -qi '^TCB-Info-Issuer-Chain: -----BEGIN%20CERTIFICATE-----%0A' "$T/h" \
    && ok "TCB-Info-Issuer-Chain URL-encoded" || bad "TCB-Info-Issuer-Chain header: $(head -c 300 "$T/h")"
code=$(curl -s -m 5 -D "$T/h" -o "$T/qe.json" -w '%{http_code}' "${URL}qe/identity")
[ "$code" = 200 ] && grep -qi '^SGX-Enclave-Identity-Issuer-Chain: ' "$T/h" \
    && ok "qe/identity + chain" || bad "qe/identity: HTTP $code"
code=$(curl -s -m 5 -D "$T/h" -o "$T/crl.der" -w '%{http_code}' "${URL}pckcrl?ca=platform&encoding=der")
[ "$code" = 200 ] && cmp -s "$T/crl.der" "$T/plat/pcs/pckcrl-platform.der" \
    && grep -qi '^SGX-PCK-CRL-Issuer-Chain: ' "$T/h" && ok "pckcrl der + chain" || bad "pckcrl: HTTP $code"
code=$(curl -s -m 5 -o "$T/crl.pem" -w '%{http_code}' "${URL}pckcrl?ca=processor")
[ "$code" = 200 ] && grep -q -- '-----BEGIN X509 CRL-----' "$T/crl.pem" && ok "pckcrl PEM by default" \
    || bad "pckcrl pem: HTTP $code"
code=$(curl -s -m 5 -o "$T/root.hex" -w '%{http_code}' "${URL}rootcacrl")
want=$(od -An -tx1 -v "$T/plat/pcs/rootcacrl.der" | tr -d ' \n')
[ "$code" = 200 ] && [ "$(cat "$T/root.hex")" = "$want" ] && ok "rootcacrl as hex" || bad "rootcacrl"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "${URL}tcb?fmspc=0011223344")
[ "$code" = 400 ] && ok "short fmspc: 400" || bad "short fmspc: HTTP $code"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "${URL}tcb?fmspc=001122334455")
[ "$code" = 404 ] && ok "unknown fmspc: 404" || bad "unknown fmspc: HTTP $code"

kill -TERM "$PID"
for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then bad "still running 10 s after SIGTERM"
else wait "$PID"; rc=$?; PID=; [ $rc -eq 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"; fi

[ "$fails" -eq 0 ] && echo "all ok" || echo "$fails failure(s)"
[ "$fails" -eq 0 ]
