#!/usr/bin/env bash
# test_verify.sh - `maat verify` as outside scripts call it: JSON fields, exit codes, time
# formats, collateral from a bundle, a PCS directory and a PCCS (the sim's server), and
# the simulated root trusted only on request. Loopback only; every wait is bounded.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
MAAT="${MAAT_BIN:-}/maat"
V="${MAAT_VECTORS:-../shared/vectors}"
if [ ! -x "$MAAT" ]; then echo "SKIPPED: $MAAT not built (set MAAT_BIN)"; exit 77; fi
if [ ! -d "$V/dcap-qvl" ]; then echo "*** SKIPPED: vectors not found at $V (set MAAT_VECTORS) ***"; exit 77; fi
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-cli-verify-XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fails=0
# jget FILE EXPR: evaluate a python expression over the JSON document `d`

Q=$V/dcap-qvl/sgx_quote C=$V/dcap-qvl/sgx_quote_collateral.json
"$MAAT" verify "$Q" --collateral "$C" --at 1752919277 --json >"$T/v.json"; rc=$?
[ $rc -eq 0 ] && ok "dcap-qvl sgx_quote: exit 0" || bad "dcap-qvl sgx_quote: exit $rc"
[ "$(jget "$T/v.json" 'd["status"]')" = ConfigurationAndSWHardeningNeeded ] && ok "status" || bad "status $(jget "$T/v.json" 'd["status"]')"
[ "$(jget "$T/v.json" 'd["qvl_result"]')" = SGX_QL_QV_RESULT_CONFIG_AND_SW_HARDENING_NEEDED ] && ok "qvl_result" || bad "qvl_result"
[ "$(jget "$T/v.json" '",".join(d["advisory_ids"])')" = "INTEL-SA-00289,INTEL-SA-00615" ] && ok "advisory_ids" || bad "advisory_ids"
[ "$(jget "$T/v.json" 'd["fmspc"]')" = 00a067110000 ] && ok "fmspc" || bad "fmspc"
[ "$(jget "$T/v.json" 'd["tcb_date"]')" = 2024-03-13T00:00:00Z ] && ok "tcb_date" || bad "tcb_date"
[ "$(jget "$T/v.json" 'd["report_body"]["mr_enclave"][:8]')" = 33d8736d ] && ok "report_body" || bad "report_body"
[ "$(jget "$T/v.json" '",".join(s["name"]+"="+s["outcome"] for s in d["steps"])' | tr ',' '\n' | grep -vc '=passed')" = 0 ] \
    && ok "every step passed" || bad "steps: $(jget "$T/v.json" 'd["steps"]')"

# RFC 3339 time, one second past the QE identity's nextUpdate
"$MAAT" verify "$Q" --collateral "$C" --at 2025-07-19T10:01:19Z --json >"$T/x.json"; rc=$?
[ $rc -eq 1 ] && ok "expired: exit 1" || bad "expired: exit $rc"
[ "$(jget "$T/x.json" 'd["failed_step"]')" = collateral_time ] && ok "failed_step collateral_time" || bad "failed_step"
jget "$T/x.json" 'd["reason"]' | grep -q "QE identity expired at 2025-07-19T10:01:18Z" && ok "reason names the QE identity" || bad "reason: $(jget "$T/x.json" 'd["reason"]')"

"$MAAT" verify "$Q" --at yesterday >/dev/null 2>&1; [ $? -eq 2 ] && ok "bad --at: exit 2" || bad "bad --at"
"$MAAT" verify >/dev/null 2>&1; [ $? -eq 2 ] && ok "no quote: exit 2" || bad "no quote"
head -c 100 "$Q" >"$T/short"; "$MAAT" verify "$T/short" 2>"$T/err" >/dev/null; rc=$?
[ $rc -eq 3 ] && grep -q "truncated" "$T/err" && ok "truncated quote: exit 3 with reason" || bad "truncated: $rc $(cat "$T/err")"
"$MAAT" verify --help | grep -q -- "--trust-root" && ok "--help" || bad "--help"

# Azure sample: signatures fine, no collateral for its FMSPC
"$MAAT" verify "$V/azure-samples/intel-sdk/enclave.info.debug.json" --at 1700000000 --json >"$T/a.json"; rc=$?
[ $rc -eq 1 ] && jget "$T/a.json" 'd["reason"]' | grep -q "TCB info for FMSPC 00906ed50000" \
    && ok "azure sample: says collateral for 00906ED50000 is missing" || bad "azure sample: $rc"
[ "$(jget "$T/a.json" '[s["outcome"] for s in d["steps"] if s["name"]=="quote_signature"][0]')" = passed ] \
    && ok "azure sample: quote signature passed" || bad "azure sample quote signature"

# Intel's QVL sample: a directory of PCS files, test root trusted explicitly, PCK supplied
I=$V/intel-qvl-sample
"$MAAT" verify "$I/quote.dat" --collateral "$I" --trust-root "$I/trustedRootCaCert.pem" \
    --pck-cert "$I/pckCert.pem" --pck-cert "$I/pckSignChain.pem" --at 1600000000 --json >"$T/i.json"; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/i.json" 'd["status"]')" = UpToDate ] && ok "intel sample: UpToDate" || bad "intel sample: $rc"
[ "$(jget "$T/i.json" 'd["trusted_root_is_production"]')" = False ] && ok "intel sample: not the production root" || bad "production flag"
"$MAAT" verify "$I/quote.dat" --collateral "$I" --pck-cert "$I/pckCert.pem" --pck-cert "$I/pckSignChain.pem" \
    --at 1600000000 >/dev/null 2>&1; [ $? -eq 1 ] && ok "intel sample: untrusted without --trust-root" || bad "intel sample trusted by default"

# The simulated platform: trusted only when told; bundle, directory and PCCS agree
"$MAAT" sim init "$T/p" --now 2024-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/p" --tcb OutOfDate -o "$T/q.bin" >/dev/null || { echo "sim quote failed"; exit 1; }
AT=2024-03-02T00:00:00Z
"$MAAT" verify "$T/q.bin" --collateral "$T/p/collateral.json" --at $AT >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && ok "sim quote: refused without --trust-root" || bad "sim quote trusted by default (exit $rc)"
for src in "--collateral $T/p/collateral.json" "--collateral $T/p"; do
    "$MAAT" verify "$T/q.bin" $src --trust-root "$T/p/root-ca.pem" --at $AT --json >"$T/s.json"; rc=$?
    [ $rc -eq 0 ] && [ "$(jget "$T/s.json" 'd["status"]')" = OutOfDate ] && ok "sim OutOfDate via ${src%% *} ${src##*/}" \
        || bad "sim via $src: exit $rc $(cat "$T/s.json")"
done
"$MAAT" sim pccs "$T/p" --listen 127.0.0.1:0 >"$T/pccs.out" 2>"$T/pccs.log" &
PID=$!
URL=
for _ in $(seq 1 100); do
    URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/pccs.out" 2>/dev/null | head -1)
    [ -n "$URL" ] && break
    sleep 0.1
done
if [ -n "$URL" ]; then
    "$MAAT" verify "$T/q.bin" --pccs "$URL" --trust-root "$T/p/root-ca.pem" --at $AT --json >"$T/c.json"; rc=$?
    [ $rc -eq 0 ] && [ "$(jget "$T/c.json" 'd["status"]')" = OutOfDate ] && ok "sim OutOfDate via --pccs $URL" \
        || bad "via --pccs: exit $rc $(cat "$T/c.json")"
else
    bad "sim pccs did not start: $(cat "$T/pccs.log")"
fi
"$MAAT" sim quote "$T/p" --revoked-pck -o "$T/r.bin" >/dev/null
"$MAAT" verify "$T/r.bin" --collateral "$T/p/collateral.json" --trust-root "$T/p/root-ca.pem" --at $AT --json >"$T/r.json"; rc=$?
[ $rc -eq 1 ] && [ "$(jget "$T/r.json" 'd["status"]')" = Revoked ] && ok "revoked PCK: exit 1, Revoked" || bad "revoked: $rc"

if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
