#!/usr/bin/env bash
# test_maatd_tcb_baseline.sh - issue 14 in maatd: configurationrules'
# x-ms-sgx-tcbidentifier selects the TCB evaluation number (the sim's collateral holds 17,
# its pcs/eval-N/ 15..19: "17", "18" (from eval-18/) and "azuredefault" attest, "20" fails
# closed naming the directory expected, a non-number is a PolicyEvaluationError); GET /tcbbaselines/SgxEnclave?api-version=2025-06-01 answers MAA's
# TcbBaselineResult with isSelectedTcb following the stored policy; tokens carry
# x-maat-tcb-eval-num and x-maat-tcb-fix below UpToDate; a TCB failure's error names the fix.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-tcb-baseline-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; sleep 0.2; rm -rf "$T"; }
trap cleanup EXIT
fails=0
. "$(dirname "$0")/../lib/maatd.sh"
. "$(dirname "$0")/../lib/attest_http.sh"
pol() { echo "version=1.1; configurationrules{=> issueproperty(type=\"x-ms-sgx-tcbidentifier\", value=\"$1\");}; authorizationrules{=> permit();};"; }

"$MAAT" sim init "$T/sim" >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" --tcb OutOfDate -o "$T/o.bin" >/dev/null || exit 1
"$MAAT" sim quote "$T/sim" --revoked-pck -o "$T/r.bin" >/dev/null || exit 1
printf 'tcb-admin-token\n' >"$T/admin.token"; chmod 600 "$T/admin.token"
maatd_start A --store "$T/a.db" --sim "$T/sim" --mode aad --admin-token-file "$T/admin.token" || exit 1
S="$URL_A/attest/SgxEnclave?api-version=2022-08-01"

# token claims: eval number and the fix
mkreq "$T/o.json" "$T/o.bin"
st=$(post "$S" "$T/o.json" "$T/o.out")
if [ "$st" = 200 ]; then
    claims "$T/o.out" "$T/o.claims"
    [ "$(jget "$T/o.claims" 'd["x-maat-tcb-eval-num"]')" = 17 ] && ok "token: x-maat-tcb-eval-num 17" || bad "x-maat-tcb-eval-num"
    [ "$(jget "$T/o.claims" '"%s %s %s/%s" % (d["x-maat-tcb-fix"]["target_status"], d["x-maat-tcb-fix"]["components"][0]["name"], d["x-maat-tcb-fix"]["components"][0]["have"], d["x-maat-tcb-fix"]["components"][0]["need"])')" = "UpToDate Early Microcode Update 16/20" ] \
        && ok "token: x-maat-tcb-fix" || bad "x-maat-tcb-fix: $(jget "$T/o.claims" 'd.get("x-maat-tcb-fix")')"
else
    bad "OutOfDate attest: $st $(head -c 300 "$T/o.out")"
fi

# selection by draft policy
mkreq "$T/p17.json" "$T/o.bin" "$(pol 17)"
st=$(post "$S" "$T/p17.json" "$T/p17.out")
[ "$st" = 200 ] && claims "$T/p17.out" "$T/p17.claims" && [ "$(jget "$T/p17.claims" 'd["x-ms-sgx-tcbidentifier"]')" = 17 ] \
    && ok "tcbidentifier 17 (held): 200" || bad "tcbidentifier 17: $st $(head -c 300 "$T/p17.out")"
# a directory source serves the numbers of its eval-N/ subdirectories (the sim: 15..19)
mkreq "$T/p18.json" "$T/o.bin" "$(pol 18)"
st=$(post "$S" "$T/p18.json" "$T/p18.out")
[ "$st" = 200 ] && claims "$T/p18.out" "$T/p18.claims" && [ "$(jget "$T/p18.claims" 'd["x-maat-tcb-eval-num"]')" = 18 ] \
    && ok "tcbidentifier 18: from the directory's pcs/eval-18/" || bad "tcbidentifier 18: $st $(head -c 400 "$T/p18.out")"
mkreq "$T/p20.json" "$T/o.bin" "$(pol 20)"
st=$(post "$S" "$T/p20.json" "$T/p20.out")
[ "$st" = 400 ] && [ "$(jget "$T/p20.out" 'd["error"]["code"]')" = InvalidParameter ] \
    && jget "$T/p20.out" 'd["error"]["message"]' | grep -q "selects TCB baseline 20 (x-ms-sgx-tcbidentifier), but collateral for FMSPC 00906ed50000 (processor CA) at TCB evaluation data number 20 cannot be had: .*no collateral for TCB evaluation data number 20 (expected <path>" \
    && ok "tcbidentifier 20 (no eval-20/): fails closed naming the directory expected" || bad "tcbidentifier 20: $st $(head -c 600 "$T/p20.out")"
mkreq "$T/px.json" "$T/o.bin" "$(pol latest)"
st=$(post "$S" "$T/px.json" "$T/px.out")
[ "$st" = 400 ] && [ "$(jget "$T/px.out" 'd["error"]["code"]')" = PolicyEvaluationError ] \
    && ok "tcbidentifier \"latest\": PolicyEvaluationError" || bad "tcbidentifier latest: $st $(head -c 300 "$T/px.out")"
mkreq "$T/pd.json" "$T/o.bin" "$(pol azuredefault)"
st=$(post "$S" "$T/pd.json" "$T/pd.out")
[ "$st" = 200 ] && ok "azuredefault: 200" || bad "azuredefault: $st"

# a TCB failure names the fix
mkreq "$T/r.json" "$T/r.bin"
st=$(post "$S" "$T/r.json" "$T/r.out")
[ "$st" = 400 ] && jget "$T/r.out" 'd["error"]["message"]' | grep -q "Fix: no SVN to raise; update: new PCK certificate (this one is revoked)" \
    && ok "revoked: error names the fix" || bad "revoked: $st $(head -c 400 "$T/r.out")"

# GET /tcbbaselines/SgxEnclave
B="$URL_A/tcbbaselines/SgxEnclave"
st=$(get "$B?api-version=2025-06-01" "$T/b0.json")
[ "$st" = 200 ] && [ "$(jget "$T/b0.json" '";".join("%s/%s/%s" % (b["tcbIdentifier"], b["tcbEvaluationDataNumber"], b["isSelectedTcb"]) for b in d["tcbBaselines"])')" = "18/18/False;17/17/False;13/13/False;12/12/False;11/11/False;10/10/False" ] \
    && ok "baselines, default policy: none selected (17 and 18: the collateral held)" || bad "baselines default: $st $(cat "$T/b0.json")"
[ "$(jget "$T/b0.json" 'json.dumps([b for b in d["tcbBaselines"] if b["tcbIdentifier"] == "10"][0], sort_keys=True)')" = '{"isSelectedTcb": false, "minimumPswLinuxVersion": "2.9", "minimumPswWindowsVersion": "2.7.101.2", "tcbEvaluationDataNumber": 10, "tcbIdentifier": "10", "tcbReleaseDate": "2020-11-11T00:00:00"}' ] \
    && ok "baseline 10 in MAA's shape" || bad "baseline 10: $(jget "$T/b0.json" 'd["tcbBaselines"][3]')"
pol 11 >"$T/p11.txt"
"$MAAT" policy set SgxEnclave --endpoint "$URL_A" --unsigned-policy "$T/p11.txt" --bearer-token-file "$T/admin.token" >"$T/set11.out" 2>&1 || bad "policy set 11: $(cat "$T/set11.out")"
get "$B?api-version=2025-06-01" "$T/b11.json" >/dev/null
[ "$(jget "$T/b11.json" '",".join(b["tcbIdentifier"] for b in d["tcbBaselines"] if b["isSelectedTcb"])')" = 11 ] \
    && ok "policy selects 11: isSelectedTcb on 11 only" || bad "baselines 11: $(cat "$T/b11.json")"
pol 17 >"$T/p17.txt"
"$MAAT" policy set SgxEnclave --endpoint "$URL_A" --unsigned-policy "$T/p17.txt" --bearer-token-file "$T/admin.token" >"$T/set17.out" 2>&1 || bad "policy set 17: $(cat "$T/set17.out")"
get "$B?api-version=2025-06-01" "$T/b17.json" >/dev/null
[ "$(jget "$T/b17.json" 'json.dumps({k: v for k, v in d["tcbBaselines"][1].items() if k != "tcbReleaseDate"}, sort_keys=True)')" = '{"isSelectedTcb": true, "minimumPswLinuxVersion": null, "minimumPswWindowsVersion": null, "tcbEvaluationDataNumber": 17, "tcbIdentifier": "17"}' ] \
    && jget "$T/b17.json" 'd["tcbBaselines"][1]["tcbReleaseDate"]' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00$' \
    && ok "policy selects 17: listed after 18, selected, PSW unknown, release date its tcbDate" || bad "baselines 17: $(cat "$T/b17.json")"
# the stored policy's 17 is what maatd holds: attestation still works
st=$(post "$S" "$T/o.json" "$T/o2.out")
[ "$st" = 200 ] && ok "stored policy 17: attest 200" || bad "stored 17 attest: $st $(head -c 300 "$T/o2.out")"
st=$(get "$B?api-version=2022-08-01" "$T/bv.json")
[ "$st" = 400 ] && [ "$(jget "$T/bv.json" 'd["error"]["code"]')" = UnsupportedApiVersionValue ] && ok "2022-08-01: 400" || bad "old api-version: $st"
st=$(get "$B" "$T/bn.json")
[ "$st" = 400 ] && [ "$(jget "$T/bn.json" 'd["error"]["code"]')" = MissingApiVersionParameter ] && ok "no api-version: 400" || bad "no api-version: $st"

[ "$fails" -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
