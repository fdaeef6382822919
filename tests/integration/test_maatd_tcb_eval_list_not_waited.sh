#!/usr/bin/env bash
# test_maatd_tcb_eval_list_not_waited.sh - issue 14: the evaluation-number list, now kept
# without --tcb-grace-days, must not hold attestations that do not need it. Its source
# stalls (`maat sim pccs --fault stall` as --tcb-eval-numbers-source): without the grace
# period the first attestation is answered with the collateral as soon as that is fetched
# (200 well within --collateral-wait-ms), not after the list request gives up; with the
# grace period the list is waited for (bounded: 503, retry later).
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
need maat maatd curl python3
tmpdir maatd-list-bg
. "$(dirname "$0")/../lib/maatd.sh"
. "$(dirname "$0")/../lib/attest_http.sh"
. "$(dirname "$0")/../lib/sim_pccs.sh"

"$MAAT" sim init "$T/sim" --now 2024-03-01T00:00:00Z --next-update 2025-03-01T00:00:00Z >/dev/null \
    || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" --tcb OutOfDate -o "$T/o.bin" >/dev/null || exit 1
mkreq "$T/o.json" "$T/o.bin"
start_pccs P
P=$BASE
start_pccs STALL --fault stall --stall-ms 20000
STALL=$BASE
# a slow host (sanitizers) must still fetch the collateral itself within the wait
COMMON=(--pccs "$P" --tcb-eval-numbers-source "$STALL" --trust-root "$T/sim/root-ca.pem" --signer-quote none
        --pccs-attempts 1 --pccs-read-timeout-ms 6000 --pccs-timeout-ms 6000 --collateral-wait-ms 4000
        --test-verification-time 2024-03-02T00:00:00Z)
S=attest/SgxEnclave?api-version=2022-08-01

maatd_start A --store "$T/a.db" "${COMMON[@]}" || exit 1
t0=$(date +%s%N)
st=$(post "$URL_A/$S" "$T/o.json" "$T/a.out")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$st" = 200 ] && [ "$ms" -lt 4000 ] && ok "no grace, list source stalled: 200 in $ms ms (not held for the list)" \
    || bad "no grace: $st after $ms ms $(head -c 300 "$T/a.out")"
claims "$T/a.out" "$T/a.claims" && [ "$(jget "$T/a.claims" 'd.get("x-maat-tcb-eval-num-newest", "absent")')" = absent ] \
    && ok "no grace: the newest number is not known yet (no claim)" || bad "newest: $(jget "$T/a.claims" 'd.get("x-maat-tcb-eval-num-newest")' 2>&1)"

maatd_start G --store "$T/g.db" "${COMMON[@]}" --tcb-grace-days 10 || exit 1
st=$(post "$URL_G/$S" "$T/o.json" "$T/g.out")
[ "$st" = 503 ] && ok "grace, list source stalled: 503 (the list is waited for, bounded)" \
    || bad "grace: $st $(head -c 300 "$T/g.out")"

finish
