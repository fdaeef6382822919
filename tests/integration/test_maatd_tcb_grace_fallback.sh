#!/usr/bin/env bash
# test_maatd_tcb_grace_fallback.sh - issue 14, "grace falls back to N-1 in maatd": with
# --tcb-grace-days D the source serves the newest number N (19) and the quote is OutOfDate
# under it but UpToDate under N-1 (18). While the verification time is at most N's
# tcbRecoveryEventDate R + D days, maatd fetches N-1 by number (the pinned-set machinery)
# and issues the token with N-1's verdict (x-maat-tcb-eval-num 18, x-maat-tcb-in-grace,
# x-maat-tcb-eval-num-newest 19); at R + D + 1 s the verdict with N stands (refused with
# --min-tcb-status UpToDate); and when the source refuses N-1 (410) the request is refused,
# naming why grace did not help. `maat sim pccs --eval-nums 19:19 --eval-oldest 18`.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
need maat maatd curl python3
tmpdir maatd-tcb-grace-fb
. "$(dirname "$0")/../lib/maatd.sh"
. "$(dirname "$0")/../lib/attest_http.sh"
. "$(dirname "$0")/../lib/sim_pccs.sh"
tcbclaims() { jget "$1" '" ".join("%s=%s" % (k, d[k]) for k in sorted(d) if k in ("x-maat-tcb-eval-num", "x-maat-tcb-eval-num-newest", "x-maat-tcb-in-grace", "x-maat-tcb-grace-until", "x-maat-tcb-status"))'; }

# numbers 15..19; the list's newest is 19, tcbRecoveryEventDate 2024-04-29T00:00:00Z; the
# window of 10 days ends at 2024-05-09T00:00:00Z (inclusive)
"$MAAT" sim init "$T/sim" --now 2024-03-01T00:00:00Z --next-update 2025-03-01T00:00:00Z \
    --eval-svn-step 4 >/dev/null \
    || { echo "sim init failed"; exit 1; }
# number 17 + d raises component 1 of every level by 4d (--eval-svn-step 4): component 1 =
# 0x18 is 18's UpToDate level and 19's OutOfDate level (19's UpToDate needs 0x1C)
"$MAAT" sim quote "$T/sim" --cpusvn 1814020401800E000000000000000000 --pcesvn 13 -o "$T/q.bin" >/dev/null || exit 1
mkreq "$T/q.json" "$T/q.bin"
COMMON=(--trust-root "$T/sim/root-ca.pem" --signer-quote none --pccs-attempts 1 --tcb-grace-days 10)
S=attest/SgxEnclave?api-version=2022-08-01

start_pccs P --eval-nums 19:19 --eval-oldest 18
P=$BASE

# ---- inside the window (R + D - 1 s): the verdict with 18, in grace ----
maatd_start IN --store "$T/in.db" --pccs "$P" "${COMMON[@]}" --min-tcb-status UpToDate \
    --test-verification-time 2024-05-08T23:59:59Z || exit 1
st=$(post "$URL_IN/$S" "$T/q.json" "$T/in.out")
if [ "$st" = 200 ] && claims "$T/in.out" "$T/in.claims" &&
   [ "$(tcbclaims "$T/in.claims")" = "x-maat-tcb-eval-num=18 x-maat-tcb-eval-num-newest=19 x-maat-tcb-grace-until=1715212800 x-maat-tcb-in-grace=True x-maat-tcb-status=UpToDate" ]; then
    ok "R+D-1s: OutOfDate under 19, accepted with 18's verdict (UpToDate, in grace, newest 19)"
else
    bad "R+D-1s: $st $(head -c 500 "$T/in.out") $(tcbclaims "$T/in.claims" 2>&1)"
fi
grep -q "GET /sgx/certification/v4/tcb?fmspc=00906ED50000$" "$T/P.log" \
    && grep -q "GET /sgx/certification/v4/tcb?fmspc=00906ED50000&tcbEvaluationDataNumber=18" "$T/P.log" \
    && grep -q "GET /sgx/certification/v4/qe/identity?tcbEvaluationDataNumber=18" "$T/P.log" \
    && ok "the default set (19) and 18 by number were fetched" || bad "requests: $(cat "$T/P.log")"
# the pinned set is kept: the same quote again asks the source nothing
n0=$(grep -c "sim pccs: request" "$T/P.log")
st=$(post "$URL_IN/$S" "$T/q.json" "$T/in2.out")
n1=$(grep -c "sim pccs: request" "$T/P.log")
[ "$st" = 200 ] && [ "$n0" = "$n1" ] && ok "again: both sets from the cache ($n1 source requests)" \
    || bad "again: $st, requests $n0 -> $n1"
# a quote UpToDate under 19 needs no fallback: no further request, number 19 used
"$MAAT" sim quote "$T/sim" --cpusvn 1C14020401800E000000000000000000 --pcesvn 13 -o "$T/u.bin" >/dev/null || exit 1
mkreq "$T/u.json" "$T/u.bin"
st=$(post "$URL_IN/$S" "$T/u.json" "$T/u.out")
[ "$st" = 200 ] && claims "$T/u.out" "$T/u.claims" \
    && [ "$(tcbclaims "$T/u.claims")" = "x-maat-tcb-eval-num=19 x-maat-tcb-eval-num-newest=19 x-maat-tcb-grace-until=1715212800 x-maat-tcb-in-grace=False x-maat-tcb-status=UpToDate" ] \
    && ok "UpToDate under 19: its own verdict, not in grace" || bad "UpToDate under 19: $st $(tcbclaims "$T/u.claims" 2>&1)"

# ---- after the window (R + D + 1 s): 19's verdict stands ----
maatd_start OUT --store "$T/out.db" --pccs "$P" "${COMMON[@]}" --min-tcb-status UpToDate \
    --test-verification-time 2024-05-09T00:00:01Z || exit 1
st=$(post "$URL_OUT/$S" "$T/q.json" "$T/out.out")
msg=$(jget "$T/out.out" 'd["error"]["message"]' 2>/dev/null)
[ "$st" = 400 ] && [[ "$msg" == *"TCB status OutOfDate is worse than the minimum accepted, UpToDate (--min-tcb-status)"* ]] \
    && [[ "$msg" != *"grace period"* ]] \
    && ok "R+D+1s: refused with 19's verdict" || bad "R+D+1s: $st $(head -c 600 "$T/out.out")"
grep -q "tcbEvaluationDataNumber=18" "$T/P.log" && [ "$(grep -c "tcbEvaluationDataNumber=18" "$T/P.log")" = 2 ] \
    && ok "R+D+1s: 18 not asked for" || bad "R+D+1s asked for 18: $(grep tcbEvaluationDataNumber=18 "$T/P.log")"
# without --min-tcb-status the same quote gets 19's verdict in its token (OutOfDate)
maatd_start OUT2 --store "$T/out2.db" --pccs "$P" "${COMMON[@]}" --test-verification-time 2024-05-09T00:00:01Z || exit 1
st=$(post "$URL_OUT2/$S" "$T/q.json" "$T/out2.out")
[ "$st" = 200 ] && claims "$T/out2.out" "$T/out2.claims" \
    && [ "$(tcbclaims "$T/out2.claims")" = "x-maat-tcb-eval-num=19 x-maat-tcb-eval-num-newest=19 x-maat-tcb-grace-until=1715212800 x-maat-tcb-in-grace=False x-maat-tcb-status=OutOfDate" ] \
    && ok "R+D+1s, no minimum: token with 19's verdict (OutOfDate)" || bad "R+D+1s no minimum: $st $(tcbclaims "$T/out2.claims" 2>&1)"

# ---- N-1 cannot be fetched (the source serves 19 only: 18 is 410 Gone) ----
start_pccs G --eval-nums 19:19
G=$BASE
maatd_start GONE --store "$T/gone.db" --pccs "$G" "${COMMON[@]}" --min-tcb-status UpToDate \
    --test-verification-time 2024-05-08T23:59:59Z || exit 1
st=$(post "$URL_GONE/$S" "$T/q.json" "$T/gone.out")
msg=$(jget "$T/gone.out" 'd["error"]["message"]' 2>/dev/null)
[ "$st" = 400 ] && [[ "$msg" == *"worse than the minimum accepted, UpToDate (--min-tcb-status); grace period: the previous tcbEvaluationDataNumber 18 cannot be had: "*"HTTP status 410"* ]] \
    && [[ "$msg" != *"$G"* ]] \
    && ok "18 refused by the source (410): refused, naming why grace did not help" || bad "N-1 gone: $st $(head -c 700 "$T/gone.out")"
# ... and a source that is down for 18 (not now: 503, retry later)
maatd_start DOWN --store "$T/down.db" --pccs "$P" "${COMMON[@]}" --min-tcb-status UpToDate \
    --test-verification-time 2024-05-08T23:59:59Z || exit 1
st=$(post "$URL_DOWN/$S" "$T/u.json" "$T/down0.out") # 19 held now
kill -TERM "${PIDS[0]}"; sleep 0.3
st=$(post "$URL_DOWN/$S" "$T/q.json" "$T/down.out")
msg=$(jget "$T/down.out" 'd["error"]["message"]' 2>/dev/null)
[ "$st" = 503 ] && [[ "$msg" == *"TCB evaluation data number 18"* ]] && [[ "$msg" != *"$P"* ]] \
    && ok "18 unreachable: 503 naming number 18 (fail closed, retry later)" || bad "N-1 down: $st $(head -c 600 "$T/down.out")"

finish
