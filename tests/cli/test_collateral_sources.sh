#!/usr/bin/env bash
# test_collateral_sources.sh - issue #14 collateral sources against `maat sim pccs`:
# per-evaluation-number collateral (update=standard|early, tcbEvaluationDataNumber=N, a pin
# that changes the verdict), the signed /tcbevaluationdatanumbers list (maat collateral
# eval-nums), `--tee tdx`, Azure THIM's URL scheme (--azure-url), a server that ignores a
# pin, and the refusal paths. Verification time is fixed (--at); every wait is bounded.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
MAAT="${MAAT_BIN:-}/maat"
if [ ! -x "$MAAT" ]; then echo "SKIPPED: $MAAT not built (set MAAT_BIN)"; exit 77; fi
if ! command -v curl >/dev/null; then echo "SKIPPED: no curl"; exit 77; fi
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-cli-sources-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fails=0
AT="--at 2024-03-02T00:00:00Z"

. "$(dirname "$0")/../lib/sim_pccs.sh"
num() { grep -o '"tcbEvaluationDataNumber":[0-9]*' "$1" | head -1 | cut -d: -f2; }
numq() { grep -o '\\"tcbEvaluationDataNumber\\":[0-9]*' "$1" | head -1 | cut -d: -f2; }

"$MAAT" sim init "$T/plat" --now 2024-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim init "$T/other" --now 2024-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/plat" --tcb OutOfDate -o "$T/q.bin" >/dev/null || { echo "sim quote failed"; exit 1; }
"$MAAT" sim quote "$T/plat" --tee tdx -o "$T/td.bin" >/dev/null || { echo "sim quote tdx failed"; exit 1; }
ROOT="--trust-root $T/plat/root-ca.pem"
FM="--fmspc 00906ED50000"

# --- the sim: numbers 15..19 on disk, standard 16 / early 18 published ---
for n in 15 16 17 18 19; do
    [ -f "$T/plat/pcs/eval-$n/tcb-00906ED50000.json" ] && [ -f "$T/plat/pcs/eval-$n/td-qe-identity.json" ] \
        || bad "sim init: pcs/eval-$n missing"
done
body() { sed 's/,"signature":.*//' "$1"; } # ECDSA signatures differ run to run
[ "$(body "$T/plat/pcs/eval-17/tcb-00906ED50000.json")" = "$(body "$T/plat/pcs/tcb-00906ED50000.json")" ] \
    && ok "sim init: eval-17 is the platform's own TCB info" || bad "eval-17 differs from the top-level file"
start_pccs_at "$T/plat" sim --eval-nums 16:18
S=$BASE/sgx/certification/v4
X=$BASE/tdx/certification/v4
c() { curl -s -m 5 -o "$T/body" -w '%{http_code}' "$1"; }
[ "$(c "$S/tcb?fmspc=00906ED50000")" = 200 ] && [ "$(num "$T/body")" = 16 ] \
    && ok "sim: no parameter = standard = 16" || bad "sim default: $(num "$T/body")"
[ "$(c "$S/tcb?fmspc=00906ED50000&update=standard")" = 200 ] && [ "$(num "$T/body")" = 16 ] \
    && ok "sim: update=standard = 16" || bad "sim standard"
[ "$(c "$S/qe/identity?update=early")" = 200 ] && [ "$(num "$T/body")" = 18 ] \
    && ok "sim: update=early = 18 (QE identity)" || bad "sim early qe"
[ "$(c "$X/tcb?fmspc=00906ED50000&tcbEvaluationDataNumber=17")" = 200 ] && [ "$(num "$T/body")" = 17 ] \
    && grep -q '"id":"TDX"' "$T/body" && ok "sim: TDX pin 17" || bad "sim tdx pin"
[ "$(c "$S/tcb?fmspc=00906ED50000&tcbEvaluationDataNumber=15")" = 410 ] && ok "sim: 15 < standard: 410" || bad "sim 410"
[ "$(c "$S/tcb?fmspc=00906ED50000&tcbEvaluationDataNumber=19")" = 404 ] && ok "sim: 19 > early: 404" || bad "sim 404"
[ "$(c "$S/tcb?fmspc=00906ED50000&tcbEvaluationDataNumber=17&update=early")" = 400 ] \
    && ok "sim: both parameters: 400" || bad "sim 400"
cp="$(printf 'tcbEvaluationDataNumber=17;region=us central' | base64 -w0 | sed 's/=/%3D/g')"
[ "$(c "$S/tcb?fmspc=00906ED50000&customParameter=$cp&clientid=production_client&api-version=2018-10-01-preview")" = 200 ] \
    && [ "$(num "$T/body")" = 17 ] && ok "sim: THIM customParameter pin 17" || bad "sim customParameter"
[ "$(c "$S/tcbevaluationdatanumbers")" = 200 ] && grep -q '"tcbEvalNumbers"' "$T/body" \
    && curl -s -m 5 -D - -o /dev/null "$S/tcbevaluationdatanumbers" | grep -qi '^TCB-Evaluation-Data-Numbers-Issuer-Chain: -----BEGIN' \
    && ok "sim: /tcbevaluationdatanumbers + issuer chain header" || bad "sim list"
[ "$(c "$X/pckcrl?ca=processor&clientid=production_client")" = 200 ] \
    && [ "$(c "$X/rootcacrl?clientid=production_client")" = 200 ] \
    && [ "$(c "$X/pckcrl?ca=processor")" = 404 ] \
    && ok "sim: THIM TDX CRL routes (Intel's /tdx/ has none)" || bad "sim tdx crl routes"

# --- fetch: follow standard / early, pin, and the pin changes the verdict ---
"$MAAT" collateral fetch $FM --source "$BASE" --update early $ROOT $AT -o "$T/early.json" 2>"$T/err" \
    && [ "$(numq "$T/early.json")" = 18 ] && grep -q 'TCB evaluation data number 18' "$T/err" \
    && ok "fetch --update early: 18" || bad "fetch early: $(cat "$T/err")"
"$MAAT" collateral fetch $FM --source "$BASE" --update standard $ROOT $AT -o "$T/std.json" 2>"$T/err" \
    && [ "$(numq "$T/std.json")" = 16 ] && ok "fetch --update standard: 16" || bad "fetch standard: $(cat "$T/err")"
for n in 16 17 18; do
    "$MAAT" collateral fetch $FM --source "$BASE" --tcb-eval-num $n $ROOT $AT -o "$T/p$n.json" 2>"$T/err" \
        || bad "fetch pin $n: $(cat "$T/err")"
done
st() { "$MAAT" verify "$T/q.bin" --collateral "$1" $ROOT $AT --json 2>/dev/null | grep -o '"status": *"[A-Za-z]*"' | head -1 | grep -o '"[A-Za-z]*"$'; }
s16=$(st "$T/p16.json"); s17=$(st "$T/p17.json"); s18=$(st "$T/p18.json")
[ "$s16" = '"ConfigurationAndSWHardeningNeeded"' ] && [ "$s17" = '"OutOfDate"' ] \
    && [ "$s18" = '"OutOfDateConfigurationNeeded"' ] \
    && ok "the pin changes the verdict: 16 $s16, 17 $s17, 18 $s18" || bad "verdicts: 16 $s16 17 $s17 18 $s18"
"$MAAT" collateral fetch $FM --source "$BASE" --tcb-eval-num 15 $ROOT $AT -o "$T/x.json" 2>"$T/err"; rc=$?
[ $rc -eq 3 ] && grep -q 'older than the oldest' "$T/err" && ok "pin 15: 410 explained" || bad "pin 15: rc $rc"

# --- TDX ---
"$MAAT" collateral fetch $FM --tee tdx --source "$BASE/tdx/certification/v4/" --tcb-eval-num 17 $ROOT $AT \
    -o "$T/tdx.json" 2>"$T/err" && grep -q 'TDX FMSPC' "$T/err" && grep -q 'TD_QE' "$T/tdx.json" \
    && ok "fetch --tee tdx (pasted /tdx/certification/v4/ form)" || bad "fetch tdx: $(cat "$T/err")"
grep -q "GET /tdx/certification/v4/tcb?fmspc=00906ED50000&tcbEvaluationDataNumber=17" "$T/sim.log" \
    && grep -q "GET /tdx/certification/v4/qe/identity?tcbEvaluationDataNumber=17" "$T/sim.log" \
    && ok "tdx: TCB info and TD_QE identity from /tdx/" || bad "tdx requests: $(tail -5 "$T/sim.log")"
"$MAAT" verify "$T/td.bin" --collateral "$T/tdx.json" $ROOT $AT >"$T/v" 2>&1
[ $? -eq 0 ] && grep -q 'verification:  OK' "$T/v" && ok "maat verify a TD quote with fetched TDX collateral" \
    || bad "verify td: $(head -3 "$T/v")"
"$MAAT" collateral fetch $FM --tee tdx --source "$BASE" --update early $ROOT $AT -o "$T/tdx-dir/" 2>"$T/err" \
    && [ -f "$T/tdx-dir/tcb-00906ED50000.json" ] && grep -q '"id":"TDX"' "$T/tdx-dir/tcb-00906ED50000.json" \
    && ok "fetch --tee tdx -> dir" || bad "tdx dir: $(cat "$T/err")"

# a TD QUOTE: the TEE comes from the quote; --tee sgx with it is refused
"$MAAT" collateral fetch "$T/td.bin" --source "$BASE" $ROOT $AT -o "$T/tdq.json" 2>"$T/err" \
    && grep -q 'TDX FMSPC' "$T/err" && grep -q 'TD_QE' "$T/tdq.json" \
    && ok "fetch TD QUOTE: TDX collateral without --tee" || bad "fetch TD quote: $(cat "$T/err")"
"$MAAT" collateral fetch "$T/td.bin" --tee sgx --source "$BASE" $ROOT $AT -o "$T/x.json" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && [ ! -e "$T/x.json" ] && ok "TD QUOTE with --tee sgx: exit 2" || bad "TD quote --tee sgx: rc $rc"
"$MAAT" collateral fetch "$T/q.bin" --tee tdx --source "$BASE" $ROOT $AT -o "$T/x.json" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && ok "SGX QUOTE with --tee tdx: exit 2" || bad "sgx quote --tee tdx: rc $rc"
for form in "$BASE" "$BASE/" "$BASE/tdx/certification/v4" "$BASE/tdx/certification" "$BASE/sgx/certification/v4/"; do
    "$MAAT" collateral fetch $FM --tee tdx --source "$form" $ROOT $AT -o "$T/f.json" 2>"$T/err" \
        && grep -q 'TD_QE' "$T/f.json" && ok "TDX URL form $form" || bad "TDX URL form $form: $(cat "$T/err")"
done
"$MAAT" collateral fetch $FM --tee tdx --source "$BASE" --tcb-eval-num 19 $ROOT $AT -o "$T/x.json" 2>"$T/err"; rc=$?
[ $rc -eq 3 ] && grep -q 'newer than any' "$T/err" && ok "TDX pin 19: 404 explained" || bad "tdx 404: rc $rc"

# --- Azure THIM URL scheme (--azure-url points it at the sim) ---
: >"$T/sim.log.cut"; n0=$(wc -l <"$T/sim.log")
"$MAAT" collateral fetch $FM --azure-url "$BASE" --tcb-eval-num 17 $ROOT $AT -o "$T/az.json" 2>"$T/err" \
    && [ "$(numq "$T/az.json")" = 17 ] && grep -q 'from thim' "$T/err" \
    && ok "THIM SGX: fetched, pinned 17" || bad "THIM SGX: $(cat "$T/err")"
tail -n +"$((n0 + 1))" "$T/sim.log" >"$T/az.log"
b64=$(printf 'tcbEvaluationDataNumber=17' | base64 -w0 | sed 's/=/%3D/g')
grep -q "GET /sgx/certification/v4/tcb?fmspc=00906ED50000&customParameter=.*&clientid=production_client&api-version=2018-10-01-preview" "$T/az.log" \
    && grep -q "GET /sgx/certification/v4/qe/identity?customParameter=.*&clientid=production_client&api-version=2018-10-01-preview" "$T/az.log" \
    && grep -q "GET /sgx/certification/v4/pckcrl?uri=https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=processor&encoding=der&clientid=production_client&api-version=2020-02-12-preview" "$T/az.log" \
    && grep -q "GET /sgx/certification/v4/pckcrl?uri=https://certificates.trustedservices.intel.com/IntelSGXRootCA.der&clientid=production_client" "$T/az.log" \
    && ok "THIM SGX URL forms (customParameter, clientid, api-version, pckcrl?uri=)" || bad "THIM forms: $(cat "$T/az.log")"
"$MAAT" collateral fetch $FM --tee tdx --source azure --azure-url "$BASE/tdx/certification/v4" --ca platform $ROOT $AT \
    -o "$T/azt.json" 2>"$T/err" && grep -q "GET /tdx/certification/v4/pckcrl?ca=platform&clientid=production_client" "$T/sim.log" \
    && grep -q "GET /tdx/certification/v4/rootcacrl?clientid=production_client" "$T/sim.log" \
    && ok "THIM TDX: CRLs from the /tdx/ base" || bad "THIM TDX: $(cat "$T/err")"
"$MAAT" collateral fetch $FM --azure-url "$BASE" --tcb-eval-num 15 $ROOT $AT -o "$T/x.json" 2>"$T/err"; rc=$?
[ $rc -eq 3 ] && grep -q '410 Gone' "$T/err" && ok "THIM pin 15: 410 explained" || bad "THIM 410: rc $rc $(cat "$T/err")"
"$MAAT" collateral fetch $FM --source azure --update early $ROOT $AT -o "$T/x.json" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q 'THIM' "$T/err" && ok "THIM + --update: exit 2" || bad "THIM update: rc $rc"
"$MAAT" collateral fetch $FM --source azure --tee tdx $ROOT $AT -o "$T/x.json" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q 'azure-region' "$T/err" && ok "THIM TDX without region: exit 2" || bad "THIM tdx no region: rc $rc"
"$MAAT" collateral fetch $FM --source "$BASE" --azure-region eastus $ROOT $AT -o "$T/x.json" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && ok "--azure-region with a URL source: exit 2" || bad "azure-region + URL: rc $rc"

for form in "$BASE/" "$BASE/sgx/certification/v4/" "$BASE/sgx/certification"; do
    "$MAAT" collateral fetch $FM --source azure --azure-url "$form" $ROOT $AT -o "$T/f.json" 2>"$T/err" \
        && ok "THIM URL form $form" || bad "THIM URL form $form: $(cat "$T/err")"
done

# --- 429 + Retry-After on the TDX and THIM paths ---
start_pccs_at "$T/plat" limited --rate-limit 1 --retry-after 1
"$MAAT" collateral fetch $FM --tee tdx --azure-url "$BASE" $ROOT $AT -o "$T/r.json" 2>"$T/err" \
    && [ "$(grep -c 'GET /tdx/certification/v4/tcb?fmspc=00906ED50000&clientid=' "$T/limited.log")" -eq 2 ] \
    && ok "429 on THIM TDX: retried after Retry-After, fetched" || bad "429 THIM tdx: $(cat "$T/err") $(cat "$T/limited.log")"

# --- a server that ignores the pin is refused ---
cp -r "$T/plat" "$T/liar"
cp "$T/liar/pcs/eval-17/"* "$T/liar/pcs/eval-16/"
start_pccs_at "$T/liar" liar
"$MAAT" collateral fetch $FM --source "$BASE" --tcb-eval-num 16 $ROOT $AT -o "$T/l.json" 2>"$T/err"; rc=$?
[ $rc -eq 3 ] && grep -q 'ignored the pin' "$T/err" && [ ! -e "$T/l.json" ] \
    && ok "a server answering 17 for pin 16: refused, nothing written" || bad "pin ignored: rc $rc $(cat "$T/err")"
"$MAAT" collateral fetch $FM --tee tdx --source "$BASE/sgx/certification/v4" $ROOT $AT -o "$T/l.json" 2>"$T/err"
grep -q 'GET /tdx/certification/v4/tcb' "$T/liar.log" && ok "--tee tdx with a pasted /sgx/ URL still asks /tdx/" \
    || bad "tdx with sgx url: $(cat "$T/err")"

# --- /tcbevaluationdatanumbers: verified, newest number ---
"$MAAT" collateral eval-nums --source "$BASE" $ROOT $AT --json >"$T/en.json" 2>"$T/err" \
    && grep -q '"id": "SGX"' "$T/en.json" && grep -q '"newest": 19' "$T/en.json" \
    && grep -q '"tcb_evaluation_data_number": 15, "tcb_recovery_event_date": "2023-12-31T00:00:00Z", "tcb_date": "2024-01-01T00:00:00Z"' "$T/en.json" \
    && ok "eval-nums: verified SGX list, newest 19, dates" || bad "eval-nums: $(cat "$T/err" "$T/en.json")"
"$MAAT" collateral eval-nums --tee tdx --source "$BASE" $ROOT $AT >"$T/en.txt" 2>"$T/err" \
    && grep -q '^TDX TCB evaluation data numbers (verified' "$T/en.txt" && ok "eval-nums --tee tdx" \
    || bad "eval-nums tdx: $(cat "$T/err")"
"$MAAT" collateral eval-nums --source "$BASE" --trust-root "$T/other/root-ca.pem" $AT >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && ok "eval-nums: chain to another root refused (exit 1)" || bad "eval-nums other root: rc $rc $(cat "$T/err")"
"$MAAT" collateral eval-nums --source "$BASE" $ROOT --at 2024-05-01T00:00:00Z >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 3 ] && grep -q 'expired' "$T/err" && ok "eval-nums: past nextUpdate refused (exit 3)" \
    || bad "expired list: rc $rc $(cat "$T/err")"
sed -i 's/"tcbEvaluationDataNumber":19/"tcbEvaluationDataNumber":29/' "$T/liar/pcs/tcbevaluationdatanumbers-sgx.json"
"$MAAT" collateral eval-nums --source "$BASE" $ROOT $AT >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q 'does not verify' "$T/err" && ok "eval-nums: tampered list refused (exit 1)" \
    || bad "tampered list: rc $rc $(cat "$T/err")"

[ "$fails" -eq 0 ] && echo "all ok" || echo "$fails failure(s)"
[ "$fails" -eq 0 ]
