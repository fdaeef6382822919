#!/usr/bin/env bash
# test_attest_tdx.sh - `maat attest` on a TD quote file: posted to maatd's POST /attest/TdxVm
# with api-version 2025-06-01, the token validated against /certs, and its tdx_mrtd,
# tdx_rtmr0..3, tdx_mrconfigid, tdx_report_data and x-ms-attestation-type compared with the
# TD report of the file (binary and hex forms); a DEBUG TD that maatd refuses is a FAIL
# (exit 1) with the service's reason; --offline on a TD quote is a usage error (exit 2).
# A simulated platform, maatd on loopback; waits bounded.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 needed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-cli-attest-tdx-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fails=0
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/maatd.sh"

"$MAAT" sim init "$T/sim" >/dev/null || exit 1
MRTD=$(python3 -c 'print(bytes(range(0x40, 0x70)).hex())')
"$MAAT" sim quote "$T/sim" --tee tdx --mrtd "$MRTD" --rtmr2 "$(printf 'ee%.0s' $(seq 48))" \
    --report-data "$(printf '5a%.0s' $(seq 64))" -o "$T/td.q" || exit 1
"$MAAT" sim quote "$T/sim" --tee tdx --debug -o "$T/dbg.q" || exit 1
od -An -v -tx1 "$T/td.q" | tr -d ' \n' >"$T/td.hex"
maatd_start A --store "$T/a.db" --sim "$T/sim" || exit 1

for f in td.q td.hex; do
    "$MAAT" attest "$T/$f" --endpoint "$URL_A" --json >"$T/out.json" 2>"$T/err"
    rc=$?
    got=$(jget "$T/out.json" '"%s %s %s %s" % (d["valid"], d["file_type"], d["request_url"].split("/attest/")[1], ",".join(c["name"] for c in d["checks"] if c["pass"]))')
    want="True td-quote TdxVm?api-version=2025-06-01 MRTD,RTMR0,RTMR1,RTMR2,RTMR3,MRCONFIGID,ReportData,AttestationType"
    if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then ok "$f: TdxVm token valid, 8 comparisons pass"; else bad "$f: rc=$rc '$got' $(cat "$T/err")"; fi
done
got=$(jget "$T/out.json" '[c for c in d["checks"] if c["name"] == "MRTD"][0]["token"] + " " + d["claims"]["tdx_rtmr2"][:4] + " " + d["claims"]["tdx_report_data"][:4]')
[ "$got" = "$MRTD eeee 5a5a" ] && ok "the token's MRTD, RTMR2 and report data are the file's" || bad "claims: $got"

"$MAAT" attest "$T/td.q" --endpoint "$URL_A" >"$T/out.txt" 2>&1
grep -q "POST $URL_A/attest/TdxVm?api-version=2025-06-01 (TD quote, no runtimeData)" "$T/out.txt" &&
    grep -q "^result .*: PASS" "$T/out.txt" && ok "text output: the TdxVm request and PASS" || bad "text: $(cat "$T/out.txt")"

"$MAAT" attest "$T/dbg.q" --endpoint "$URL_A" >"$T/out.txt" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "the service refused the evidence: HTTP 400: InvalidParameter.*DEBUG" "$T/out.txt" &&
    ok "a DEBUG TD refused by maatd: FAIL (exit 1) with the service's reason" || bad "debug TD: rc=$rc $(cat "$T/out.txt")"

"$MAAT" attest "$T/td.q" --offline >"$T/out.txt" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "maat verify" "$T/out.txt" && ok "--offline on a TD quote: usage error naming maat verify" || bad "offline: rc=$rc $(cat "$T/out.txt")"

maatd_stop A
if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
