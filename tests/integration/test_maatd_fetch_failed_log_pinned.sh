#!/usr/bin/env bash
# test_maatd_fetch_failed_log_pinned.sh - issue 14, "the collateral fetch failed log line
# does not name a pinned number": a failed fetch of a set pinned to TCB evaluation data
# number N (a policy's x-ms-sgx-tcbidentifier) logs tcb_eval_num=N; the default set's line
# has no such field.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
need maat maatd curl python3
tmpdir maatd-fetchlog
. "$(dirname "$0")/../lib/maatd.sh"
. "$(dirname "$0")/../lib/attest_http.sh"
pol() { echo "version=1.1; configurationrules{=> issueproperty(type=\"x-ms-sgx-tcbidentifier\", value=\"$1\");}; authorizationrules{=> permit();};"; }

"$MAAT" sim init "$T/sim" --now 2024-03-01T00:00:00Z --next-update 2025-03-01T00:00:00Z >/dev/null \
    || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" --tcb OutOfDate -o "$T/o.bin" >/dev/null || exit 1
"$MAAT" sim pccs "$T/sim" --listen 127.0.0.1:0 --eval-nums 17:19 >"$T/p.out" 2>"$T/p.log" &
PIDS+=("$!")
P=
for _ in $(seq 1 100); do P=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/p.out" 2>/dev/null | head -1); [ -n "$P" ] && break; sleep 0.1; done
[ -n "$P" ] || { echo "sim pccs did not start"; exit 1; }
COMMON=(--trust-root "$T/sim/root-ca.pem" --signer-quote none --pccs-attempts 1 --test-verification-time 2024-03-02T00:00:00Z)
S=attest/SgxEnclave?api-version=2022-08-01

maatd_start A --store "$T/a.db" --pccs "$P" "${COMMON[@]}" || exit 1
mkreq "$T/p20.json" "$T/o.bin" "$(pol 20)"
st=$(post "$URL_A/$S" "$T/p20.json" "$T/p20.out")
[ "$st" = 400 ] && ok "pin 20 (404 at the source): 400" || bad "pin 20: $st $(head -c 300 "$T/p20.out")"
grep -q "collateral fetch failed: fmspc=00906ed50000 ca=processor tcb_eval_num=20 source=pccs error=" "$T/A.log" \
    && ok "the log line names tcb_eval_num=20" || bad "log: $(grep 'fetch failed' "$T/A.log")"
! grep "fetch failed" "$T/A.log" | grep -q "tcbEvaluationDataNumber=" && ok "the log line keeps no query string" \
    || bad "query string in the log: $(grep 'fetch failed' "$T/A.log")"

maatd_start D --store "$T/d.db" --pccs http://127.0.0.1:9 "${COMMON[@]}" || exit 1
mkreq "$T/o.json" "$T/o.bin"
st=$(post "$URL_D/$S" "$T/o.json" "$T/d.out")
line=$(grep "collateral fetch failed" "$T/D.log" | head -1)
[ "$st" = 503 ] && [[ "$line" == *"fmspc=00906ed50000 ca=processor source=pccs error="* ]] \
    && ok "the default set's line has no tcb_eval_num" || bad "default: $st $line"

finish
