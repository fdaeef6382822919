#!/usr/bin/env bash
# test_verify_tcb_policy.sh - `maat verify` TCB policy flags (issue 14): --tcb-eval-num pin
# (match / mismatch, with sim collateral at evaluation numbers 17 and 18 from `maat sim init
# --tcb-eval-num`), --update recorded, grace period inside / outside, --max-collateral-age,
# --min-tcb-status (the fix still named), --allow-advisory, usage errors; and the pin on the
# real Azure sample with Intel's collateral (eval 19). Offline, bounded.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
MAAT="${MAAT_BIN:-}/maat"
V="${MAAT_VECTORS:-../shared/vectors}"
if [ ! -x "$MAAT" ]; then echo "SKIPPED: $MAAT not built (set MAAT_BIN)"; exit 77; fi
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-cli-tcb-policy-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0

"$MAAT" sim init "$T/p" --now 2024-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim init "$T/p18" --now 2024-03-01T00:00:00Z --tcb-eval-num 18 >/dev/null || { echo "sim init 18 failed"; exit 1; }
"$MAAT" sim quote "$T/p" -o "$T/u.bin" >/dev/null || { echo "sim quote failed"; exit 1; }
"$MAAT" sim quote "$T/p" --tcb OutOfDate -o "$T/o.bin" >/dev/null || { echo "sim quote failed"; exit 1; }
"$MAAT" sim quote "$T/p18" -o "$T/u18.bin" >/dev/null || { echo "sim quote 18 failed"; exit 1; }
AT=2024-03-02T00:00:00Z
vfy() { # QUOTE PLATFORM OUT [flags...]
    local q=$1 p=$2 out=$3; shift 3
    "$MAAT" verify "$q" --collateral "$p/collateral.json" --trust-root "$p/root-ca.pem" --at $AT --json "$@" >"$out"
}

# pin
vfy "$T/u.bin" "$T/p" "$T/pin17.json" --tcb-eval-num 17 --update early; rc=$?
[ $rc -eq 0 ] && ok "pin 17 on eval-17 collateral: exit 0" || bad "pin 17: exit $rc"
[ "$(jget "$T/pin17.json" '"%s %s %s" % (d["tcb_eval_num"], d["tcb_policy"]["tcb_eval_num_pinned"], d["tcb_policy"]["update"])')" = "17 17 early" ] \
    && ok "pin 17: tcb_eval_num, pinned, update recorded" || bad "pin 17: $(jget "$T/pin17.json" 'd.get("tcb_policy")')"
vfy "$T/u.bin" "$T/p" "$T/pin18.json" --tcb-eval-num 18; rc=$?
[ $rc -eq 1 ] && ok "pin 18 on eval-17 collateral: exit 1" || bad "pin 18: exit $rc"
[ "$(jget "$T/pin18.json" 'd["failed_step"]')" = status ] && ok "pin mismatch fails step status" || bad "pin mismatch step"
jget "$T/pin18.json" 'd["reason"]' | grep -q "TCB info tcbEvaluationDataNumber is 17, the pinned number (--tcb-eval-num) is 18" \
    && ok "pin mismatch names both numbers" || bad "pin mismatch reason: $(jget "$T/pin18.json" 'd["reason"]')"
vfy "$T/u18.bin" "$T/p18" "$T/pin18b.json" --tcb-eval-num 18; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/pin18b.json" 'd["tcb_eval_num"]')" = 18 ] && ok "pin 18 on eval-18 collateral" || bad "pin 18 on 18: exit $rc"

# grace: newest 18 recovered 2024-02-25; 10 days -> until 2024-03-06 (inside), 5 days -> 2024-03-01 (outside)
vfy "$T/u.bin" "$T/p" "$T/gin.json" --tcb-eval-num-newest 18 --tcb-recovery-date 2024-02-25T00:00:00Z --tcb-grace-days 10; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/gin.json" '"%s %s %s" % (d["tcb_eval_num_newest"], d["tcb_policy"]["grace"]["in_grace"], d["tcb_policy"]["grace"]["until"])')" = "18 True 2024-03-06T00:00:00Z" ] \
    && ok "grace inside the window" || bad "grace inside: exit $rc $(jget "$T/gin.json" 'd.get("tcb_policy")')"
vfy "$T/u.bin" "$T/p" "$T/gout.json" --tcb-eval-num-newest 18 --tcb-recovery-date 2024-02-25T00:00:00Z --tcb-grace-days 5; rc=$?
[ $rc -eq 1 ] && jget "$T/gout.json" 'd["reason"]' | grep -q "grace period (5 days after the tcbRecoveryEventDate) ended at 2024-03-01T00:00:00Z" \
    && ok "grace outside the window fails" || bad "grace outside: exit $rc $(jget "$T/gout.json" 'd.get("reason")')"
vfy "$T/u18.bin" "$T/p18" "$T/gcur.json" --tcb-eval-num-newest 18 --tcb-recovery-date 2024-02-25T00:00:00Z --tcb-grace-days 0; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/gcur.json" 'd["tcb_policy"]["grace"]["in_grace"]')" = False ] && ok "newest number: no grace needed" || bad "grace current: exit $rc"

# max age: issued 2024-03-01, verified 2024-03-02 (1 day)
vfy "$T/u.bin" "$T/p" "$T/age1.json" --max-collateral-age 1; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/age1.json" 'd["tcb_policy"]["collateral_age_seconds"]')" = 86400 ] && ok "max age 1 day: inclusive" || bad "max age 1: exit $rc"
"$MAAT" verify "$T/u.bin" --collateral "$T/p/collateral.json" --trust-root "$T/p/root-ca.pem" --at 2024-03-03T00:00:01Z --max-collateral-age 2 --json >"$T/age2.json"; rc=$?
[ $rc -eq 1 ] && jget "$T/age2.json" 'd["reason"]' | grep -q "more than the maximum collateral age of 2 days" \
    && ok "max age exceeded fails" || bad "max age exceeded: exit $rc $(jget "$T/age2.json" 'd.get("reason")')"

# min status, with the fix still named
vfy "$T/o.bin" "$T/p" "$T/min.json" --min-tcb-status SWHardeningNeeded; rc=$?
[ $rc -eq 1 ] && jget "$T/min.json" 'd["reason"]' | grep -q "TCB status OutOfDate is worse than the minimum accepted, SWHardeningNeeded" \
    && ok "min status refuses OutOfDate" || bad "min status: exit $rc"
[ "$(jget "$T/min.json" 'd["qvl_result"]+" "+d["fix"]["components"][0]["name"]')" = "SGX_QL_QV_RESULT_OUT_OF_DATE Early Microcode Update" ] \
    && ok "min status: Intel's result kept, fix named" || bad "min status fix: $(jget "$T/min.json" 'd.get("fix")')"
vfy "$T/o.bin" "$T/p" "$T/min2.json" --min-tcb-status OutOfDate; rc=$?
[ $rc -eq 0 ] && ok "min status OutOfDate accepts OutOfDate" || bad "min status OutOfDate: exit $rc"

# allow-list: OutOfDate level lists INTEL-SA-00828 and INTEL-SA-00615
vfy "$T/o.bin" "$T/p" "$T/al1.json" --allow-advisory INTEL-SA-00828 --allow-advisory INTEL-SA-00615; rc=$?
[ $rc -eq 0 ] && ok "allow-list covering every advisory" || bad "allow-list full: exit $rc"
vfy "$T/o.bin" "$T/p" "$T/al2.json" --allow-advisory INTEL-SA-00828; rc=$?
[ $rc -eq 1 ] && [ "$(jget "$T/al2.json" '",".join(d["tcb_policy"]["advisories_not_allowed"])')" = INTEL-SA-00615 ] \
    && ok "allow-list: INTEL-SA-00615 not allowed" || bad "allow-list partial: exit $rc"

# text output
"$MAAT" verify "$T/u.bin" --collateral "$T/p/collateral.json" --trust-root "$T/p/root-ca.pem" --at $AT --tcb-eval-num 17 --min-tcb-status UpToDate >"$T/t.txt"
grep -q '^tcb eval num:  17 (TCB info 17, QE identity 17); pinned 17$' "$T/t.txt" && ok "text: tcb eval num" || bad "text: $(grep tcb "$T/t.txt")"
grep -q '^tcb policy:    passed$' "$T/t.txt" && ok "text: tcb policy" || bad "text: tcb policy"

# usage errors (exit 2)
for args in "--tcb-grace-days 3" "--update sometimes" "--min-tcb-status Fine" "--tcb-eval-num 0" "--tcb-eval-num x" "--tcb-recovery-date 2024-01-01T00:00:00Z"; do
    # shellcheck disable=SC2086
    "$MAAT" verify "$T/u.bin" --collateral "$T/p/collateral.json" $args >/dev/null 2>&1; rc=$?
    [ $rc -eq 2 ] && ok "usage: $args -> 2" || bad "usage: $args -> $rc"
done

# real: Azure sample with Intel's set A (tcbEvaluationDataNumber 19)
if [ -d "$V/intel-collateral-00906ed50000" ]; then
    Q=$V/azure-samples/intel-sdk/enclave.info.release.json
    C=$V/intel-collateral-00906ed50000/set-A-2026-07/collateral.dcap-qvl.json
    "$MAAT" verify "$Q" --collateral "$C" --at 1785000000 --tcb-eval-num 19 --json >"$T/az.json"; rc=$?
    [ $rc -eq 0 ] && [ "$(jget "$T/az.json" 'd["tcb_eval_num"]')" = 19 ] && ok "azure: pin 19" || bad "azure pin 19: exit $rc"
    "$MAAT" verify "$Q" --collateral "$C" --at 1785000000 --tcb-eval-num 20 --json >"$T/az20.json"; rc=$?
    [ $rc -eq 1 ] && jget "$T/az20.json" 'd["reason"]' | grep -q "is 19, the pinned number (--tcb-eval-num) is 20" \
        && ok "azure: pin 20 refused naming 19 and 20" || bad "azure pin 20: exit $rc"
else
    echo "*** SKIPPED (loud): real-collateral cases, vectors not found at $V ***"
fi

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
[ $fails -eq 0 ]
