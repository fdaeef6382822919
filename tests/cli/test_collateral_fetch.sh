#!/usr/bin/env bash
# test_collateral_fetch.sh - `maat collateral fetch` against `maat sim pccs` on loopback:
# by quote and by --fmspc, bundle and directory outputs that `maat verify` accepts, every
# pasted URL form, update=/tcbEvaluationDataNumber= sent and 404/410 explained, 429 with
# Retry-After waited for (measured), and an untrusted quote refused before any request.
# Verification time is fixed (--at); every wait is bounded.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
MAAT="${MAAT_BIN:-}/maat"
if [ ! -x "$MAAT" ]; then echo "SKIPPED: $MAAT not built (set MAAT_BIN)"; exit 77; fi
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-cli-fetch-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fails=0
AT="--at 2024-03-02T00:00:00Z"

. "$(dirname "$0")/../lib/sim_pccs.sh"
# start_pccs NAME ARGS... : the platform in $T/plat; sets URL to its v4 URL
start_pccs() { start_pccs_at "$T/plat" "$@"; URL="$BASE/sgx/certification/v4/"; }

"$MAAT" sim init "$T/plat" --now 2024-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim init "$T/other" --now 2024-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/plat" -o "$T/q.bin" >/dev/null || { echo "sim quote failed"; exit 1; }
"$MAAT" sim quote "$T/other" -o "$T/q-other.bin" >/dev/null || { echo "sim quote failed"; exit 1; }
ROOT="--trust-root $T/plat/root-ca.pem"

start_pccs main
BASE=${URL%/sgx/certification/v4/}

# by --fmspc into a bundle, then maat verify with it
"$MAAT" collateral fetch --fmspc 00906ED50000 --source "$URL" $ROOT $AT -o "$T/b.json" 2>"$T/err"
[ $? -eq 0 ] && ok "fetch --fmspc -> bundle" || bad "fetch --fmspc: $(cat "$T/err")"
"$MAAT" verify "$T/q.bin" --collateral "$T/b.json" $ROOT $AT >"$T/v" 2>&1
[ $? -eq 0 ] && grep -q 'verification:  OK' "$T/v" && ok "verify with fetched bundle" \
    || bad "verify with bundle: $(head -3 "$T/v")"

# by QUOTE into a directory, then maat verify with it
"$MAAT" collateral fetch "$T/q.bin" --source "$URL" $ROOT $AT -o "$T/d/" 2>"$T/err"
[ $? -eq 0 ] && [ -f "$T/d/tcb-00906ED50000.json" ] && ok "fetch QUOTE -> dir" \
    || bad "fetch QUOTE -> dir: $(cat "$T/err")"
"$MAAT" verify "$T/q.bin" --collateral "$T/d" $ROOT $AT >"$T/v" 2>&1
[ $? -eq 0 ] && grep -q 'verification:  OK' "$T/v" && ok "verify with fetched dir" \
    || bad "verify with dir: $(head -3 "$T/v")"

# every URL form users paste
for form in "$BASE" "$BASE/" "$BASE/sgx/certification/v4" "$BASE/sgx/certification/v4/" \
            "$BASE/sgx/certification"; do
    "$MAAT" collateral fetch --fmspc 00906ED50000 --source "$form" $ROOT $AT -o "$T/f.json" \
        2>"$T/err" && ok "URL form $form" || bad "URL form $form: $(cat "$T/err")"
done

# --update and --tcb-eval-num reach the server as Intel's query parameters
: >"$T/main.log.mark"; cp "$T/main.log" "$T/main.log.mark"
"$MAAT" collateral fetch --fmspc 00906ED50000 --source "$URL" --update early $ROOT $AT \
    -o "$T/e.json" 2>"$T/err" || bad "--update early: $(cat "$T/err")"
grep -q 'GET /sgx/certification/v4/tcb?fmspc=00906ED50000&update=early' "$T/main.log" \
    && grep -q 'GET /sgx/certification/v4/qe/identity?update=early' "$T/main.log" \
    && ok "--update early sent on tcb and qe/identity" || bad "--update early not sent: $(tail -4 "$T/main.log")"
"$MAAT" collateral fetch --fmspc 00906ED50000 --source "$URL" --update standard $ROOT $AT \
    -o "$T/e.json" 2>"$T/err" && grep -q 'tcb?fmspc=00906ED50000&update=standard' "$T/main.log" \
    && ok "--update standard sent" || bad "--update standard: $(cat "$T/err")"
"$MAAT" collateral fetch --fmspc 00906ED50000 --source "$URL" --update early --tcb-eval-num 17 \
    $ROOT $AT -o "$T/e.json" 2>/dev/null
[ $? -eq 2 ] && ok "--update with --tcb-eval-num: exit 2" || bad "--update + --tcb-eval-num accepted"

# evaluation numbers: in range served, below standard 410, above early 404
start_pccs evalnums --eval-nums 17:19
"$MAAT" collateral fetch --fmspc 00906ED50000 --source "$URL" --tcb-eval-num 17 $ROOT $AT \
    -o "$T/n.json" 2>"$T/err" && grep -q 'tcbEvaluationDataNumber=17' "$T/evalnums.log" \
    && grep -q '\\"tcbEvaluationDataNumber\\":17' "$T/n.json" \
    && ok "--tcb-eval-num 17 in range: fetched" || bad "--tcb-eval-num 17: $(cat "$T/err")"
"$MAAT" collateral fetch --fmspc 00906ED50000 --source "$URL" --tcb-eval-num 16 $ROOT $AT \
    -o "$T/n.json" 2>"$T/err"; rc=$?
[ $rc -eq 3 ] && grep -q '410 Gone' "$T/err" && grep -q 'older than the oldest' "$T/err" \
    && ok "410 explained (exit 3)" || bad "410: rc $rc $(cat "$T/err")"
"$MAAT" collateral fetch --fmspc 00906ED50000 --source "$URL" --tcb-eval-num 20 $ROOT $AT \
    -o "$T/n.json" 2>"$T/err"; rc=$?
[ $rc -eq 3 ] && grep -q '404 Not Found' "$T/err" && grep -q 'newer than any' "$T/err" \
    && ok "404 explained (exit 3)" || bad "404: rc $rc $(cat "$T/err")"

# 429 + Retry-After: 2 s is honoured (the backoff alone would be 250 ms)
start_pccs limited --rate-limit 1 --retry-after 2
t0=$(date +%s%N)
"$MAAT" collateral fetch --fmspc 00906ED50000 --source "$URL" $ROOT $AT -o "$T/r.json" 2>"$T/err"
rc=$?; ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc -eq 0 ] && [ "$ms" -ge 1900 ] && [ "$ms" -lt 9000 ] \
    && ok "429 + Retry-After: 2 waited ${ms} ms, then fetched" || bad "429: rc $rc after ${ms} ms: $(cat "$T/err")"
[ "$(grep -c 'request 1: GET /sgx/certification/v4/tcb' "$T/limited.log")" -eq 1 ] \
    && grep -q 'request 2: GET /sgx/certification/v4/tcb' "$T/limited.log" \
    && ok "the TCB info request was repeated" || bad "retry not seen: $(cat "$T/limited.log")"

# a quote whose PCK chain does not verify to the trust roots: refused, nothing requested
n0=$(grep -c 'sim pccs: request' "$T/main.log")
"$MAAT" collateral fetch "$T/q-other.bin" --source "$URL" $ROOT $AT -o "$T/x.json" 2>"$T/err"
rc=$?; n1=$(grep -c 'sim pccs: request' "$T/main.log")
[ $rc -eq 1 ] && [ "$n0" -eq "$n1" ] && grep -q 'nothing was fetched' "$T/err" && [ ! -e "$T/x.json" ] \
    && ok "untrusted quote chain: exit 1, no request made" || bad "untrusted quote: rc $rc, requests $n0 -> $n1: $(cat "$T/err")"

# collateral that does not verify to the trust roots is not written
"$MAAT" collateral fetch --fmspc 00906ED50000 --source "$URL" --trust-root "$T/other/root-ca.pem" \
    $AT -o "$T/y.json" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && [ ! -e "$T/y.json" ] && ok "unverifiable collateral: exit 1, nothing written" \
    || bad "unverifiable collateral: rc $rc $(cat "$T/err")"

# missing collateral: the message says how to get it, with the quote's FMSPC filled in
"$MAAT" verify "$T/q.bin" $ROOT $AT >"$T/v" 2>&1
grep -q 'get it with: maat collateral fetch --fmspc 00906ed50000 -o' "$T/v" \
    && ok "missing collateral hint: no collateral" || bad "no hint: $(grep verification "$T/v")"
"$MAAT" sim init "$T/f2" --fmspc 00A06D080000 --now 2024-03-01T00:00:00Z >/dev/null
"$MAAT" verify "$T/q.bin" --collateral "$T/f2/pcs" $ROOT $AT >"$T/v" 2>&1
grep -q 'no TCB info for FMSPC 00906ED50000.*get it with: maat collateral fetch --fmspc 00906ED50000 -o' "$T/v" \
    && ok "missing collateral hint: PCS dir without the FMSPC" || bad "no hint (dir): $(cat "$T/v")"

# usage
"$MAAT" collateral fetch --fmspc 00906ED50000 $ROOT 2>/dev/null; [ $? -eq 2 ] && ok "no -o: exit 2" || bad "no -o"
"$MAAT" collateral fetch --fmspc 0090 -o "$T/z" 2>/dev/null; [ $? -eq 2 ] && ok "short fmspc: exit 2" || bad "short fmspc"
"$MAAT" collateral fetch "$T/q.bin" --fmspc 00906ED50000 -o "$T/z" 2>/dev/null
[ $? -eq 2 ] && ok "QUOTE and --fmspc: exit 2" || bad "QUOTE and --fmspc"

[ "$fails" -eq 0 ] && echo "all ok" || echo "$fails failure(s)"
[ "$fails" -eq 0 ]
