#!/usr/bin/env bash
# test_maatd_tcb_eval_list_without_grace.sh - issue 14, "the evaluation-number list is kept
# only with --tcb-grace-days": maatd now fetches and keeps the source's signed
# /tcbevaluationdatanumbers list whenever the source offers it, so without the grace period
# GET /tcbbaselines shows the newest known numbers and the token says the newest known number
# (x-maat-tcb-eval-num-newest); a source without the list (files; a list that cannot be had)
# fails no attestation without the grace period, and fails closed with it.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
need maat maatd curl python3
tmpdir maatd-tcb-list
. "$(dirname "$0")/../lib/maatd.sh"
. "$(dirname "$0")/../lib/attest_http.sh"
. "$(dirname "$0")/../lib/sim_pccs.sh"
newest() { jget "$1" 'd.get("x-maat-tcb-eval-num-newest", "absent")'; }

"$MAAT" sim init "$T/sim" --now 2024-03-01T00:00:00Z --next-update 2025-03-01T00:00:00Z >/dev/null \
    || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" --tcb OutOfDate -o "$T/o.bin" >/dev/null || exit 1
mkreq "$T/o.json" "$T/o.bin"
COMMON=(--trust-root "$T/sim/root-ca.pem" --signer-quote none --pccs-attempts 1 --test-verification-time 2024-03-02T00:00:00Z)
S=attest/SgxEnclave?api-version=2022-08-01
B=tcbbaselines/SgxEnclave?api-version=2025-06-01

# ---- a PCCS with the list (standard 17, newest 19), no --tcb-grace-days ----
start_pccs P --eval-nums 17:19
P=$BASE
maatd_start A --store "$T/a.db" --pccs "$P" "${COMMON[@]}" || exit 1
# without grace the list is fetched after the collateral, not waited for: the first
# tokens may come before it (bounded wait for one that names it)
for _ in $(seq 40); do
    st=$(post "$URL_A/$S" "$T/o.json" "$T/a.out")
    [ "$st" = 200 ] && claims "$T/a.out" "$T/a.claims" && [ "$(newest "$T/a.claims")" != absent ] && break
    sleep 0.25
done
[ "$st" = 200 ] && claims "$T/a.out" "$T/a.claims" \
    && [ "$(jget "$T/a.claims" 'd["x-maat-tcb-eval-num"], d["x-maat-tcb-eval-num-newest"], "x-maat-tcb-in-grace" in d')" = "17 19 False" ] \
    && ok "no grace: token at 17 names the newest known number, 19" || bad "no grace: $st $(newest "$T/a.claims" 2>&1) $(head -c 300 "$T/a.out")"
grep -q "GET /sgx/certification/v4/tcbevaluationdatanumbers" "$T/P.log" && ok "no grace: the list was fetched" \
    || bad "no grace: no list request: $(cat "$T/P.log")"
st=$(get "$URL_A/$B" "$T/a.b")
[ "$st" = 200 ] && [ "$(jget "$T/a.b" '",".join(b["tcbIdentifier"] for b in d["tcbBaselines"])')" = "19,18,17,16,15,13,12,11,10" ] \
    && ok "no grace: /tcbbaselines shows the list's 19..15" || bad "no grace: tcbbaselines $st $(cat "$T/a.b")"

# ---- files (no list): attestation unaffected without grace, no newest claim ----
maatd_start F --store "$T/f.db" --sim "$T/sim" --signer-quote none --test-verification-time 2024-03-02T00:00:00Z || exit 1
st=$(post "$URL_F/$S" "$T/o.json" "$T/f.out")
[ "$st" = 200 ] && claims "$T/f.out" "$T/f.claims" && [ "$(newest "$T/f.claims")" = absent ] \
    && ok "files, no grace: 200, no x-maat-tcb-eval-num-newest" || bad "files: $st $(head -c 300 "$T/f.out")"
! grep -q "publishes no TCB evaluation data numbers list" "$T/F.log" && ok "files, no grace: no warning" \
    || bad "files: warned without grace: $(cat "$T/F.log")"

# ---- a list that cannot be had (its source unreachable): only the grace period fails ----
maatd_start U --store "$T/u.db" --pccs "$P" --tcb-eval-numbers-source http://127.0.0.1:9 "${COMMON[@]}" || exit 1
st=$(post "$URL_U/$S" "$T/o.json" "$T/u.out")
[ "$st" = 200 ] && claims "$T/u.out" "$T/u.claims" && [ "$(newest "$T/u.claims")" = absent ] \
    && ok "list unreachable, no grace: 200, newest unknown" || bad "list unreachable: $st $(head -c 300 "$T/u.out")"
maatd_start UG --store "$T/ug.db" --pccs "$P" --tcb-eval-numbers-source http://127.0.0.1:9 --tcb-grace-days 10 "${COMMON[@]}" || exit 1
st=$(post "$URL_UG/$S" "$T/o.json" "$T/ug.out")
msg=$(jget "$T/ug.out" 'd["error"]["message"]' 2>/dev/null)
[ "$st" = 400 ] && [[ "$msg" == *"grace period: the newest tcbEvaluationDataNumber and its tcbRecoveryEventDate are required"* ]] \
    && ok "list unreachable, grace: refused (fail closed)" || bad "list unreachable with grace: $st $(head -c 300 "$T/ug.out")"

finish
