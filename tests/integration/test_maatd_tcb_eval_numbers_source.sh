#!/usr/bin/env bash
# test_maatd_tcb_eval_numbers_source.sh - issue 14, "THIM and the list": Azure's THIM does
# not serve /tcbevaluationdatanumbers (Azure-DCAP-Client issue #205), so maatd does not ask
# it for the list; with --collateral-source azure and --tcb-grace-days the list comes from
# --tcb-eval-numbers-source intel|URL (flag or config file), and the grace period then works
# against THIM (N - 1 asked for with customParameter). Without a list source grace fails
# closed, with a start-up warning naming the option. Against `maat sim pccs` (THIM forms).
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
need maat maatd curl python3
tmpdir maatd-tcb-evalsrc
. "$(dirname "$0")/../lib/maatd.sh"
. "$(dirname "$0")/../lib/attest_http.sh"
. "$(dirname "$0")/../lib/sim_pccs.sh"
newest() { jget "$1" 'd.get("x-maat-tcb-eval-num-newest", "absent")'; }

# as test_maatd_tcb_grace_fallback.sh: 18's UpToDate level is 19's OutOfDate level; the
# list's newest is 19 (tcbRecoveryEventDate 2024-04-29), a window of 10 days
"$MAAT" sim init "$T/sim" --now 2024-03-01T00:00:00Z --next-update 2025-03-01T00:00:00Z \
    --eval-svn-step 4 >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" --cpusvn 1814020401800E000000000000000000 --pcesvn 13 -o "$T/q.bin" >/dev/null || exit 1
mkreq "$T/q.json" "$T/q.bin"
S=attest/SgxEnclave?api-version=2022-08-01
start_pccs Z --eval-nums 19:19 --eval-oldest 18 # the THIM cache
Z=$BASE
start_pccs L # the list's source (a PCCS)
L=$BASE
COMMON=(--collateral-source azure --collateral-azure-url "$Z" --trust-root "$T/sim/root-ca.pem"
        --signer-quote none --pccs-attempts 1 --test-verification-time 2024-05-08T23:59:59Z)

# ---- THIM, no grace: THIM is not asked for the list, attestation as before ----
maatd_start A --store "$T/a.db" "${COMMON[@]}" || exit 1
st=$(post "$URL_A/$S" "$T/q.json" "$T/a.out")
[ "$st" = 200 ] && claims "$T/a.out" "$T/a.claims" && [ "$(newest "$T/a.claims")" = absent ] \
    && [ "$(jget "$T/a.claims" 'd["x-maat-tcb-eval-num"], d["x-maat-tcb-status"]')" = "19 OutOfDate" ] \
    && ok "THIM, no grace: 200 with THIM's 19, no newest known" || bad "THIM no grace: $st $(head -c 300 "$T/a.out")"
! grep -q tcbevaluationdatanumbers "$T/Z.log" && ok "THIM not asked for /tcbevaluationdatanumbers" \
    || bad "THIM asked for the list: $(grep tcbevaluationdatanumbers "$T/Z.log")"

# ---- THIM + grace without a list source: warned at start-up, fails closed ----
maatd_start G --store "$T/g.db" "${COMMON[@]}" --tcb-grace-days 10 || exit 1
grep -q "the thim source publishes no TCB evaluation data numbers list.*give --tcb-eval-numbers-source intel or a PCCS URL" "$T/G.log" \
    && ok "THIM + grace, no list source: start-up warning names --tcb-eval-numbers-source" || bad "no warning: $(cat "$T/G.log")"
st=$(post "$URL_G/$S" "$T/q.json" "$T/g.out")
msg=$(jget "$T/g.out" 'd["error"]["message"]' 2>/dev/null)
[ "$st" = 400 ] && [[ "$msg" == *"grace period: the newest tcbEvaluationDataNumber and its tcbRecoveryEventDate are required"* ]] \
    && ok "THIM + grace, no list source: refused (fail closed)" || bad "THIM + grace, no list: $st $(head -c 300 "$T/g.out")"

# ---- THIM + grace + --tcb-eval-numbers-source (config file form): grace works ----
printf 'tcb-eval-numbers-source = %s\ntcb-grace-days = 10\nmin-tcb-status = UpToDate\n' "$L" >"$T/l.conf"
maatd_start W --store "$T/w.db" "${COMMON[@]}" --config "$T/l.conf" || exit 1
st=$(post "$URL_W/$S" "$T/q.json" "$T/w.out")
[ "$st" = 200 ] && claims "$T/w.out" "$T/w.claims" \
    && [ "$(jget "$T/w.claims" 'd["x-maat-tcb-eval-num"], d["x-maat-tcb-eval-num-newest"], d["x-maat-tcb-in-grace"], d["x-maat-tcb-status"]')" = "18 19 True UpToDate" ] \
    && ok "THIM + grace + list from a PCCS: 18's verdict in grace, newest 19" || bad "THIM + list source: $st $(head -c 400 "$T/w.out")"
grep -q "GET /sgx/certification/v4/tcbevaluationdatanumbers" "$T/L.log" && ok "the list came from --tcb-eval-numbers-source" \
    || bad "no list request at L: $(cat "$T/L.log")"
grep -q 'customParameter decoded: "tcbEvaluationDataNumber=18"' "$T/Z.log" && ok "THIM asked for 18 by customParameter" \
    || bad "no pinned THIM request: $(cat "$T/Z.log")"
! grep -q tcbevaluationdatanumbers "$T/Z.log" && ok "THIM still not asked for the list" || bad "THIM asked for the list"
grep -q "TCB evaluation data numbers source: pccs $L/sgx/certification/v4" "$T/W.log" && ok "start-up names the list source" \
    || bad "no list source line: $(cat "$T/W.log")"

# ---- the value is checked ----
"$MAATD" --store "$T/x.db" --pccs "$Z" --tcb-eval-numbers-source ftp://example >/dev/null 2>"$T/x.err"
[ $? -eq 2 ] && grep -q "tcb-eval-numbers-source 'ftp://example': expected intel or an http(s):// URL" "$T/x.err" \
    && ok "--tcb-eval-numbers-source ftp://...: exit 2" || bad "bad value: $(cat "$T/x.err")"

finish
