#!/usr/bin/env bash
# test_maatd_tcb_baseline_psw_minimum.sh - issue 14, "a baseline's minimum PSW version is not
# checked" (maa-2025.md section 5): no quote field carries the PSW version, so maat binds
# what the PSW version stands for through the pinned number's own collateral: the QE
# identity's ISVSVN levels (and the TCB info's PCESVN). A quote whose QE ISVSVN (7) is
# below the pinned number's (18) UpToDate QE level (8) gets QE status OutOfDate: the token
# says OutOfDate at number 18 with the fix "QE ISVSVN 7 -> 8, update PSW/QE" and the QE
# level's advisories; --min-tcb-status UpToDate refuses it naming that fix. GET
# /tcbbaselines keeps null for the PSW minima maat does not know (documented).
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
need maat maatd curl python3
tmpdir maatd-tcb-psw
. "$(dirname "$0")/../lib/maatd.sh"
. "$(dirname "$0")/../lib/attest_http.sh"
pol() { echo "version=1.1; configurationrules{=> issueproperty(type=\"x-ms-sgx-tcbidentifier\", value=\"$1\");}; authorizationrules{=> permit();};"; }

"$MAAT" sim init "$T/sim" --now 2024-03-01T00:00:00Z --next-update 2025-03-01T00:00:00Z >/dev/null \
    || { echo "sim init failed"; exit 1; }
# platform TCB UpToDate under 18 (component 1 = 0x15), QE ISVSVN 7: 18's QE identity has
# UpToDate at 8, OutOfDate at 6
"$MAAT" sim quote "$T/sim" --cpusvn 1514020401800E000000000000000000 --pcesvn 13 --qe-svn 7 -o "$T/q.bin" >/dev/null || exit 1
mkreq "$T/q18.json" "$T/q.bin" "$(pol 18)"
"$MAAT" sim pccs "$T/sim" --listen 127.0.0.1:0 --eval-nums 17:19 >"$T/p.out" 2>"$T/p.log" &
PIDS+=("$!")
P=
for _ in $(seq 1 100); do P=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/p.out" 2>/dev/null | head -1); [ -n "$P" ] && break; sleep 0.1; done
[ -n "$P" ] || { echo "sim pccs did not start"; exit 1; }
COMMON=(--pccs "$P" --trust-root "$T/sim/root-ca.pem" --signer-quote none --pccs-attempts 1 --test-verification-time 2024-03-02T00:00:00Z)
S=attest/SgxEnclave?api-version=2022-08-01

maatd_start A --store "$T/a.db" "${COMMON[@]}" || exit 1
st=$(post "$URL_A/$S" "$T/q18.json" "$T/a.out")
if [ "$st" = 200 ] && claims "$T/a.out" "$T/a.claims"; then
    got=$(jget "$T/a.claims" 'd["x-ms-sgx-tcbidentifier"], d["x-maat-tcb-eval-num"], d["x-maat-tcb-status"], [c for c in d["x-maat-tcb-fix"]["components"] if c["name"] == "QE ISVSVN"], "PSW/QE" in d["x-maat-tcb-fix"]["update"], d["x-maat-qe-advisory-ids"]')
    [ "$got" = "18 18 OutOfDate [{'have': 7, 'index': None, 'name': 'QE ISVSVN', 'need': 8}] True ['INTEL-SA-00615']" ] \
        && ok "pin 18, QE ISVSVN 7 < 18's level 8: OutOfDate, fix QE ISVSVN 7 -> 8 (PSW/QE)" || bad "claims: $got"
else
    bad "pin 18: $st $(head -c 400 "$T/a.out")"
fi
maatd_start M --store "$T/m.db" "${COMMON[@]}" --min-tcb-status UpToDate || exit 1
st=$(post "$URL_M/$S" "$T/q18.json" "$T/m.out")
msg=$(jget "$T/m.out" 'd["error"]["message"]' 2>/dev/null)
[ "$st" = 400 ] && [[ "$msg" == *"TCB status OutOfDate is worse than the minimum accepted, UpToDate"*"raise QE ISVSVN from 7 to 8"*"PSW/QE"* ]] \
    && ok "--min-tcb-status UpToDate: refused, naming QE ISVSVN 7 -> 8 and PSW/QE" || bad "min status: $st $msg"
st=$(get "$URL_A/tcbbaselines/SgxEnclave?api-version=2025-06-01" "$T/b.json")
[ "$st" = 200 ] && [ "$(jget "$T/b.json" '[(b["minimumPswLinuxVersion"], b["minimumPswWindowsVersion"]) for b in d["tcbBaselines"] if b["tcbIdentifier"] == "18"]')" = "[(None, None)]" ] \
    && [ "$(jget "$T/b.json" '[(b["minimumPswLinuxVersion"], b["minimumPswWindowsVersion"]) for b in d["tcbBaselines"] if b["tcbIdentifier"] == "13"]')" = "[('2.17', '2.16')]" ] \
    && ok "tcbbaselines: PSW minima null for 18 (unknown), MAA's for 13" || bad "tcbbaselines: $st $(cat "$T/b.json")"

finish
