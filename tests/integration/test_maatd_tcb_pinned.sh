#!/usr/bin/env bash
# test_maatd_tcb_pinned.sh - issue 14 in maatd with `maat sim pccs` (standard 17, early 19):
# a policy pinning x-ms-sgx-tcbidentifier N that maatd does not hold is fetched by number
# (tcbEvaluationDataNumber=N) and then served from the cache (no further source request);
# a number the source refuses (404 newer than early, 410 older than standard) is a 400
# naming N and what the source said; GET /tcbbaselines lists the numbers held and listed;
# --tcb-grace-days D accepts the previous number's verdict until D days after the newest
# number's tcbRecoveryEventDate and refuses it after (fixed --test-verification-time), and
# fails closed when the source has no list; THIM's customParameter carries the pinned number
# and --collateral-azure-region's region=.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-tcb-pinned-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; sleep 0.2; rm -rf "$T"; }
trap cleanup EXIT
fails=0
. "$(dirname "$0")/../lib/maatd.sh"
. "$(dirname "$0")/../lib/attest_http.sh"
pol() { echo "version=1.1; configurationrules{=> issueproperty(type=\"x-ms-sgx-tcbidentifier\", value=\"$1\");}; authorizationrules{=> permit();};"; }
. "$(dirname "$0")/../lib/sim_pccs.sh"
requests() { curl -s -m 5 "$1/maat-sim/requests" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }

# numbers 15..19 (eval-N/), the list's newest is 19 with tcbRecoveryEventDate 2024-04-29
# (sim: the day before the issue date, + 2 x 30 days); collateral valid for a year
"$MAAT" sim init "$T/sim" --now 2024-03-01T00:00:00Z --next-update 2025-03-01T00:00:00Z >/dev/null \
    || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" --tcb OutOfDate -o "$T/o.bin" >/dev/null || exit 1
COMMON=(--trust-root "$T/sim/root-ca.pem" --signer-quote none --pccs-attempts 1)

# ---- pinned numbers ----
start_pccs P --eval-nums 17:19
P=$BASE
maatd_start A --store "$T/a.db" --pccs "$P" "${COMMON[@]}" --test-verification-time 2024-03-02T00:00:00Z || exit 1
S="$URL_A/attest/SgxEnclave?api-version=2022-08-01"
mkreq "$T/p18.json" "$T/o.bin" "$(pol 18)"
st=$(post "$S" "$T/p18.json" "$T/p18.out")
if [ "$st" = 200 ] && claims "$T/p18.out" "$T/p18.claims" &&
   [ "$(jget "$T/p18.claims" 'd["x-maat-tcb-eval-num"], d["x-ms-sgx-tcbidentifier"]')" = "18 18" ]; then
    ok "pin 18 (not held): fetched, token at number 18"
else
    bad "pin 18: $st $(head -c 400 "$T/p18.out")"
fi
grep -q "GET /sgx/certification/v4/tcb?fmspc=00906ED50000&tcbEvaluationDataNumber=18" "$T/P.log" \
    && grep -q "GET /sgx/certification/v4/qe/identity?tcbEvaluationDataNumber=18" "$T/P.log" \
    && ok "fetched with tcbEvaluationDataNumber=18" || bad "no pinned request: $(cat "$T/P.log")"
n0=$(requests "$P" requests)
st=$(post "$S" "$T/p18.json" "$T/p18b.out")
n1=$(requests "$P" requests)
[ "$st" = 200 ] && [ "$n0" = "$n1" ] && ok "pin 18 again: served from the cache ($n1 source requests)" \
    || bad "pin 18 again: $st, requests $n0 -> $n1"
mkreq "$T/pd.json" "$T/o.bin" "$(pol azuredefault)"
st=$(post "$S" "$T/pd.json" "$T/pd.out")
[ "$st" = 200 ] && claims "$T/pd.out" "$T/pd.claims" && [ "$(jget "$T/pd.claims" 'd["x-maat-tcb-eval-num"]')" = 17 ] \
    && ok "azuredefault: the standard number 17" || bad "azuredefault: $st $(head -c 300 "$T/pd.out")"
mkreq "$T/p20.json" "$T/o.bin" "$(pol 20)"
st=$(post "$S" "$T/p20.json" "$T/p20.out")
msg=$(jget "$T/p20.out" 'd["error"]["message"]' 2>/dev/null)
[ "$st" = 400 ] && [ "$(jget "$T/p20.out" 'd["error"]["code"]')" = InvalidParameter ] \
    && [[ "$msg" == *"selects TCB baseline 20 (x-ms-sgx-tcbidentifier)"*"TCB evaluation data number 20 is newer than any the server publishes (404 Not Found)"* ]] \
    && [[ "$msg" != *"$P"* ]] \
    && ok "pin 20 (404): 400 naming 20 and the 404, no source URL" || bad "pin 20: $st $(head -c 500 "$T/p20.out")"
mkreq "$T/p16.json" "$T/o.bin" "$(pol 16)"
st=$(post "$S" "$T/p16.json" "$T/p16.out")
msg=$(jget "$T/p16.out" 'd["error"]["message"]' 2>/dev/null)
[ "$st" = 400 ] && [[ "$msg" == *"selects TCB baseline 16"*"410 Gone"* ]] \
    && ok "pin 16 (410): 400 naming 16 and the 410" || bad "pin 16: $st $(head -c 500 "$T/p16.out")"

# ---- GET /tcbbaselines lists what the cache holds (17, 18) and the source's list (19..15,
# kept without --tcb-grace-days too) besides MAA's 10-13 ----
B="$URL_A/tcbbaselines/SgxEnclave?api-version=2025-06-01"
for _ in $(seq 20); do # without grace the list comes after the collateral (bounded wait)
    st=$(get "$B" "$T/b.json")
    [ "$(jget "$T/b.json" 'd["tcbBaselines"][0]["tcbIdentifier"]' 2>/dev/null)" = 19 ] && break
    sleep 0.25
done
[ "$st" = 200 ] && [ "$(jget "$T/b.json" '";".join("%s/%s" % (b["tcbIdentifier"], b["isSelectedTcb"]) for b in d["tcbBaselines"])')" = "19/False;18/False;17/False;16/False;15/False;13/False;12/False;11/False;10/False" ] \
    && ok "tcbbaselines: held 18 and 17 and the list's 19..15, newest first" || bad "tcbbaselines: $st $(cat "$T/b.json")"
[ "$(jget "$T/b.json" 'json.dumps(d["tcbBaselines"][1], sort_keys=True)')" = '{"isSelectedTcb": false, "minimumPswLinuxVersion": null, "minimumPswWindowsVersion": null, "tcbEvaluationDataNumber": 18, "tcbIdentifier": "18", "tcbReleaseDate": "2024-03-31T00:00:00"}' ] \
    && ok "tcbbaselines: 18 in MAA's shape, release date = its tcbDate" || bad "baseline 18: $(jget "$T/b.json" 'd["tcbBaselines"][1]')"

# ---- the grace period: standard 18, newest 19 (recovery 2024-04-29), 10 days ----
start_pccs G --eval-nums 18:19
G=$BASE
maatd_start IN --store "$T/in.db" --pccs "$G" "${COMMON[@]}" --tcb-grace-days 10 \
    --test-verification-time 2024-05-09T00:00:00Z || exit 1
mkreq "$T/o.json" "$T/o.bin"
st=$(post "$URL_IN/attest/SgxEnclave?api-version=2022-08-01" "$T/o.json" "$T/in.out")
[ "$st" = 200 ] && claims "$T/in.out" "$T/in.claims" \
    && [ "$(jget "$T/in.claims" 'd["x-maat-tcb-eval-num"], d["x-maat-tcb-in-grace"]')" = "18 True" ] \
    && ok "grace: number 18 accepted on the last day (2024-05-09), in grace" || bad "grace inside: $st $(jget "$T/in.claims" '{k: v for k, v in d.items() if k.startswith("x-maat-tcb")}' 2>&1)"
grep -q "GET /sgx/certification/v4/tcbevaluationdatanumbers" "$T/G.log" && ok "grace: the list was fetched" || bad "no list request"
# the list in GET /tcbbaselines: 19 (listed, not held) with its tcbDate
st=$(get "$URL_IN/tcbbaselines/SgxEnclave?api-version=2025-06-01" "$T/bin.json")
[ "$(jget "$T/bin.json" '",".join(b["tcbIdentifier"] for b in d["tcbBaselines"])')" = "19,18,17,16,15,13,12,11,10" ] \
    && [ "$(jget "$T/bin.json" 'd["tcbBaselines"][0]["tcbReleaseDate"]')" = "2024-04-30T00:00:00" ] \
    && ok "tcbbaselines: the source's list (19..15) listed" || bad "tcbbaselines with list: $(cat "$T/bin.json")"
maatd_start OUT --store "$T/out.db" --pccs "$G" "${COMMON[@]}" --tcb-grace-days 10 \
    --test-verification-time 2024-05-09T00:00:01Z || exit 1
st=$(post "$URL_OUT/attest/SgxEnclave?api-version=2022-08-01" "$T/o.json" "$T/out.out")
msg=$(jget "$T/out.out" 'd["error"]["message"]' 2>/dev/null)
[ "$st" = 400 ] && [[ "$msg" == *"tcbEvaluationDataNumber 18 is older than the newest, 19, and its grace period (10 days after the tcbRecoveryEventDate) ended at 2024-05-09T00:00:00Z"* ]] \
    && ok "grace: refused one second after the window, naming both numbers" || bad "grace after: $st $(head -c 500 "$T/out.out")"
# without the option the same verdict is accepted (off by default)
maatd_start OFF --store "$T/off.db" --pccs "$G" "${COMMON[@]}" --test-verification-time 2024-05-20T00:00:00Z || exit 1
st=$(post "$URL_OFF/attest/SgxEnclave?api-version=2022-08-01" "$T/o.json" "$T/off.out")
[ "$st" = 200 ] && ok "no --tcb-grace-days: accepted" || bad "grace off: $st $(head -c 300 "$T/off.out")"
# a source without a list (files): the recovery date is unknown, so refused (the option in
# the config file form this time)
printf 'tcb-grace-days = 10\n' >"$T/nl.conf"
maatd_start NL --store "$T/nl.db" --sim "$T/sim" --signer-quote none --config "$T/nl.conf" \
    --test-verification-time 2024-03-02T00:00:00Z || exit 1
st=$(post "$URL_NL/attest/SgxEnclave?api-version=2022-08-01" "$T/o.json" "$T/nl.out")
msg=$(jget "$T/nl.out" 'd["error"]["message"]' 2>/dev/null)
[ "$st" = 400 ] && [[ "$msg" == *"grace period: the newest tcbEvaluationDataNumber and its tcbRecoveryEventDate are required"* ]] \
    && ok "grace, no list: fails closed" || bad "grace without list: $st $(head -c 400 "$T/nl.out")"
grep -q "tcb-grace-days 10: the dir source publishes no TCB evaluation data numbers list" "$T/NL.log" && ok "grace, no list: start-up warning" || bad "no warning: $(cat "$T/NL.log")"

# ---- THIM: customParameter carries the number and region= ----
maatd_start Z --store "$T/z.db" --collateral-source azure --collateral-azure-url "$P" \
    --collateral-azure-region eastus "${COMMON[@]}" --test-verification-time 2024-03-02T00:00:00Z || exit 1
st=$(post "$URL_Z/attest/SgxEnclave?api-version=2022-08-01" "$T/p18.json" "$T/z.out")
cp=$(requests "$P" last_custom_parameter)
[ "$st" = 200 ] && [ "$cp" = "tcbEvaluationDataNumber=18;region=eastus" ] \
    && ok "THIM: customParameter \"$cp\"" || bad "THIM pin: $st, customParameter '$cp' $(head -c 300 "$T/z.out")"
"$MAATD" --store "$T/x.db" --pccs "$P" --collateral-azure-region eastus >/dev/null 2>"$T/x.err"
[ $? -ne 0 ] && grep -q "goes with --collateral-source azure" "$T/x.err" && ok "--collateral-azure-region without azure: refused" \
    || bad "region without azure: $(cat "$T/x.err")"

[ "$fails" -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
