#!/usr/bin/env bash
# test_tdx_sim_pccs.sh - `maat sim pccs` serves the sim's TDX collateral at
# /tdx/certification/v4/ (tcb?fmspc=, qe/identity) with Intel's issuer-chain headers;
# the /sgx/ routes keep serving the SGX collateral. Bounded waits only.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
MAAT="${MAAT_BIN:-}/maat"
if [ ! -x "$MAAT" ]; then echo "SKIPPED: $MAAT not built (set MAAT_BIN)"; exit 77; fi
if ! command -v curl >/dev/null; then echo "SKIPPED: no curl"; exit 77; fi
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-cli-tdx-pccs-XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fails=0

"$MAAT" sim init "$T/plat" --now 2025-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim pccs "$T/plat" --listen 127.0.0.1:0 >"$T/out" 2>"$T/log" &
PID=$!
BASE=
for _ in $(seq 1 100); do
    BASE=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/out" 2>/dev/null | head -1)
    [ -n "$BASE" ] && break
    sleep 0.1
done
[ -n "$BASE" ] && ok "serving at $BASE" || { bad "no URL printed: $(cat "$T/log")"; exit 1; }
TDX=$BASE/tdx/certification/v4/
SGX=$BASE/sgx/certification/v4/

code=$(curl -s -m 5 -D "$T/h" -o "$T/tcb.json" -w '%{http_code}' "${TDX}tcb?fmspc=00906ed50000")
[ "$code" = 200 ] && ok "tdx tcb: 200" || bad "tdx tcb: HTTP $code"
cmp -s "$T/tcb.json" "$T/plat/pcs/tdx-tcb-00906ED50000.json" && ok "tdx tcb body is the TDX TCB info" \
    || bad "tdx tcb body differs"
grep -q '"id":"TDX"' "$T/tcb.json" && grep -q '"tdxModuleIdentities"' "$T/tcb.json" \
    && ok "TDX TCB info has id TDX and tdxModuleIdentities" || bad "not a TDX TCB info"
grep -qi '^TCB-Info-Issuer-Chain: -----BEGIN%20CERTIFICATE-----%0A' "$T/h" \
    && ok "TCB-Info-Issuer-Chain URL-encoded" || bad "TCB-Info-Issuer-Chain header missing"
code=$(curl -s -m 5 -D "$T/h" -o "$T/qe.json" -w '%{http_code}' "${TDX}qe/identity")
[ "$code" = 200 ] && grep -qi '^SGX-Enclave-Identity-Issuer-Chain: ' "$T/h" \
    && grep -q '"id":"TD_QE"' "$T/qe.json" && ok "tdx qe/identity is TD_QE + chain" \
    || bad "tdx qe/identity: HTTP $code"
code=$(curl -s -m 5 -o "$T/sgxtcb.json" -w '%{http_code}' "${SGX}tcb?fmspc=00906ED50000")
[ "$code" = 200 ] && grep -q '"id":"SGX"' "$T/sgxtcb.json" && ok "sgx tcb still SGX" || bad "sgx tcb: $code"
code=$(curl -s -m 5 -o "$T/sgxqe.json" -w '%{http_code}' "${SGX}qe/identity")
[ "$code" = 200 ] && grep -q '"id":"QE"' "$T/sgxqe.json" && ok "sgx qe/identity still QE" || bad "sgx qe: $code"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "${TDX}tcb?fmspc=001122334455")
[ "$code" = 404 ] && ok "tdx unknown fmspc: 404" || bad "tdx unknown fmspc: HTTP $code"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "${TDX}tcb?fmspc=0011")
[ "$code" = 400 ] && ok "tdx short fmspc: 400" || bad "tdx short fmspc: HTTP $code"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "${TDX}pckcrl?ca=platform")
[ "$code" = 404 ] && ok "tdx pckcrl: 404 (CRLs live under /sgx/)" || bad "tdx pckcrl: HTTP $code"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$BASE/tdx/certification/v3/tcb?fmspc=00906ED50000")
[ "$code" = 404 ] && ok "tdx v3: 404" || bad "tdx v3: HTTP $code"

kill "$PID"; wait "$PID" 2>/dev/null; PID=
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
