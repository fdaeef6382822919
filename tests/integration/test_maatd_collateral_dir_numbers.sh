#!/usr/bin/env bash
# test_maatd_collateral_dir_numbers.sh - issue 14, "file sources serve one number": a
# --collateral DIR whose eval-N/ subdirectories hold other evaluation numbers (as written
# by `maat collateral fetch --tcb-eval-num N -o DIR/eval-N`) serves them: a policy pinning
# N gets number N from eval-N/, a number without a subdirectory fails closed naming the one
# expected, and the grace period falls back to N-1 from the files (the list from
# --tcb-eval-numbers-source) with no collateral request at verification.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
need maat maatd curl python3
tmpdir maatd-dir-nums
. "$(dirname "$0")/../lib/maatd.sh"
. "$(dirname "$0")/../lib/attest_http.sh"
pol() { echo "version=1.1; configurationrules{=> issueproperty(type=\"x-ms-sgx-tcbidentifier\", value=\"$1\");}; authorizationrules{=> permit();};"; }

# as test_maatd_tcb_grace_fallback.sh: 18's UpToDate level is 19's OutOfDate level; the
# list's newest is 19 (tcbRecoveryEventDate 2024-04-29), a window of 10 days
"$MAAT" sim init "$T/sim" --now 2024-03-01T00:00:00Z --next-update 2025-03-01T00:00:00Z \
    --eval-svn-step 4 >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" --cpusvn 1814020401800E000000000000000000 --pcesvn 13 -o "$T/q.bin" >/dev/null || exit 1
"$MAAT" sim pccs "$T/sim" --listen 127.0.0.1:0 --eval-nums 19:19 --eval-oldest 17 --log-requests >"$T/p.out" 2>"$T/P.log" &
PIDS+=("$!")
P=
for _ in $(seq 1 100); do P=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/p.out" 2>/dev/null | head -1); [ -n "$P" ] && break; sleep 0.1; done
[ -n "$P" ] || { echo "sim pccs did not start"; exit 1; }

# the directory: the default set (19) and number 18 in eval-18/
F=(--fmspc 00906ED50000 --source "$P" --trust-root "$T/sim/root-ca.pem" --at 2024-03-02T00:00:00Z)
mkdir "$T/coll"
"$MAAT" collateral fetch "${F[@]}" -o "$T/coll/" >"$T/f0.out" 2>&1 || { echo "fetch 19: $(cat "$T/f0.out")"; exit 1; }
"$MAAT" collateral fetch "${F[@]}" --tcb-eval-num 18 -o "$T/coll/eval-18/" >"$T/f18.out" 2>&1 \
    || { echo "fetch 18: $(cat "$T/f18.out")"; exit 1; }
S=attest/SgxEnclave?api-version=2022-08-01
COMMON=(--collateral "$T/coll" --trust-root "$T/sim/root-ca.pem" --signer-quote none)

# ---- pins served from the files ----
maatd_start A --store "$T/a.db" "${COMMON[@]}" --test-verification-time 2024-03-02T00:00:00Z || exit 1
mkreq "$T/p18.json" "$T/q.bin" "$(pol 18)"
st=$(post "$URL_A/$S" "$T/p18.json" "$T/p18.out")
[ "$st" = 200 ] && claims "$T/p18.out" "$T/p18.claims" \
    && [ "$(jget "$T/p18.claims" 'd["x-maat-tcb-eval-num"], d["x-maat-tcb-status"]')" = "18 UpToDate" ] \
    && ok "pin 18: number 18 from DIR/eval-18/ (UpToDate)" || bad "pin 18: $st $(head -c 400 "$T/p18.out")"
mkreq "$T/p19.json" "$T/q.bin" "$(pol 19)"
st=$(post "$URL_A/$S" "$T/p19.json" "$T/p19.out")
[ "$st" = 200 ] && claims "$T/p19.out" "$T/p19.claims" \
    && [ "$(jget "$T/p19.claims" 'd["x-maat-tcb-eval-num"], d["x-maat-tcb-status"]')" = "19 OutOfDate" ] \
    && ok "pin 19 (no eval-19/): the directory's own set, which is 19" || bad "pin 19: $st $(head -c 400 "$T/p19.out")"
mkreq "$T/p17.json" "$T/q.bin" "$(pol 17)"
st=$(post "$URL_A/$S" "$T/p17.json" "$T/p17.out")
msg=$(jget "$T/p17.out" 'd["error"]["message"]' 2>/dev/null)
[ "$st" = 400 ] && [[ "$msg" == *"selects TCB baseline 17 (x-ms-sgx-tcbidentifier), but collateral for FMSPC 00906ed50000 (processor CA) at TCB evaluation data number 17 cannot be had"*"no collateral for TCB evaluation data number 17 (expected <path>"*"maat collateral fetch --tcb-eval-num 17"* ]] \
    && ok "pin 17 (no eval-17/): 400 naming what to fetch" || bad "pin 17: $st $msg"

# ---- the grace period from the files: N = 19 default, N-1 = 18 from eval-18/ ----
n0=$(grep -c "sim pccs: request" "$T/P.log")
maatd_start G --store "$T/g.db" "${COMMON[@]}" --tcb-grace-days 10 --tcb-eval-numbers-source "$P" \
    --min-tcb-status UpToDate --test-verification-time 2024-05-08T23:59:59Z || exit 1
mkreq "$T/q.json" "$T/q.bin"
st=$(post "$URL_G/$S" "$T/q.json" "$T/g.out")
[ "$st" = 200 ] && claims "$T/g.out" "$T/g.claims" \
    && [ "$(jget "$T/g.claims" 'd["x-maat-tcb-eval-num"], d["x-maat-tcb-eval-num-newest"], d["x-maat-tcb-in-grace"]')" = "18 19 True" ] \
    && ok "grace from files: 18's verdict in grace (newest 19 from the list source)" || bad "grace from files: $st $(head -c 400 "$T/g.out")"
[ "$(grep "sim pccs: request" "$T/P.log" | tail -n +$((n0 + 1)) | grep -vc tcbevaluationdatanumbers)" = 0 ] \
    && ok "grace from files: only the list was asked of the PCCS" || bad "collateral requests: $(tail -n +$((n0 + 1)) "$T/P.log")"

finish
