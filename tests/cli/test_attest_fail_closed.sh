#!/usr/bin/env bash
# test_attest_fail_closed.sh - `maat attest --offline` fails closed (issue 12, item 3): PASS
# (exit 0) only when every check ran and passed; without TCB collateral for the quote's FMSPC,
# without collateral at all, or with expired collateral the result is INCOMPLETE (exit 5)
# naming what was not checked; `--signatures-only` accepts the reduced check and says so.
# Real sample files (vectors/azure-samples, FMSPC 00906ED50000) at a fixed time, and a sim
# platform made at a fixed time. No network.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
APP="${MAAT_BIN:-}/maat-enclave-app"
VEC="${MAAT_VECTORS:-../shared/vectors}"
D="$VEC/azure-samples/intel-sdk/enclave.info.debug.json"
BUNDLE="$VEC/dcap-qvl/sgx_quote_collateral.json"
AT=1752919277          # the dcap-qvl bundle's README time: the bundle is current
LATER=1790000000       # 2026-09-21: every item of the bundle has expired
need maat
if [ ! -f "$D" ] || [ ! -f "$BUNDLE" ]; then
    echo "*** SKIPPED: vectors not found at $VEC (set MAAT_VECTORS) ***"; exit 77
fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 needed"; exit 77; }
tmpdir cli-attest-fc

# attest_offline_no_collateral_not_pass
"$MAAT" attest "$D" --offline --at $AT >"$T/out" 2>"$T/err"; rc=$?
if [ $rc -eq 5 ] && ! grep -q "^result *: PASS" "$T/out" &&
   grep -q '^result *: INCOMPLETE (not checked: TCB status (no collateral), revocation (no collateral), QE identity (no collateral))' "$T/out" &&
   grep -q "INCOMPLETE" "$T/err"; then
    ok "attest_offline_no_collateral_not_pass: exit 5, INCOMPLETE names TCB status, revocation, QE identity"
else bad "attest_offline_no_collateral_not_pass: exit $rc: $(cat "$T/out" "$T/err")"; fi
"$MAAT" attest "$D" --offline --at $AT --json >"$T/r.json" 2>/dev/null; rc=$?
got=$(jget "$T/r.json" '"|".join(str(x) for x in [d["valid"], d["result"], d["signatures_only"], len(d["not_checked"]), d["not_checked"][0], d["reason"][:13]])')
[ $rc -eq 5 ] && [ "$got" = "False|incomplete|False|3|TCB status (no collateral)|not checked: " ] \
    && ok "attest_offline_no_collateral_not_pass (--json): valid false, result incomplete, not_checked" \
    || bad "attest_offline_no_collateral_not_pass (--json): exit $rc, $got"

# attest_offline_foreign_collateral_not_pass: the bundle's TCB info is for another FMSPC
"$MAAT" attest "$D" --offline --collateral "$BUNDLE" --at $AT >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 5 ] && grep -q "^result *: INCOMPLETE (not checked: TCB status (no TCB info for the quote's FMSPC 00906ed50000))" "$T/out" \
    && ok "attest_offline_foreign_collateral_not_pass: exit 5, TCB status not checked" \
    || bad "attest_offline_foreign_collateral_not_pass: exit $rc: $(tail -2 "$T/out") $(cat "$T/err")"

# attest_offline_expired_collateral_not_pass: the same bundle once it has expired
"$MAAT" attest "$D" --offline --collateral "$BUNDLE" --at $LATER --json >"$T/r.json" 2>"$T/err"; rc=$?
got=$(jget "$T/r.json" '"|".join(str(x) for x in [d["valid"], d["result"], [s["outcome"] for s in d["quote_verification"]["steps"] if s["name"] == "collateral_time"][0], any(n.startswith("revocation (the collateral is expired") for n in d["not_checked"])])')
[ $rc -eq 5 ] && [ "$got" = "False|incomplete|failed|True" ] \
    && ok "attest_offline_expired_collateral_not_pass: exit 5, revocation named (collateral expired)" \
    || bad "attest_offline_expired_collateral_not_pass: exit $rc, $got $(cat "$T/err")"
"$MAAT" attest "$D" --offline --collateral "$BUNDLE" --at $LATER >"$T/out" 2>&1
grep -q "^result *: PASS" "$T/out" && bad "attest_offline_expired_collateral_not_pass: text says PASS" \
    || ok "attest_offline_expired_collateral_not_pass: no PASS line"

# attest_offline_signatures_only_pass: the reduced check, explicit and printed
"$MAAT" attest "$D" --offline --at $AT --signatures-only >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && grep -q '^result *: PASS (signatures only: TCB status and revocation not checked)' "$T/out" \
    && ok "attest_offline_signatures_only_pass: exit 0, 'PASS (signatures only: TCB status and revocation not checked)'" \
    || bad "attest_offline_signatures_only_pass: exit $rc: $(tail -1 "$T/out") $(cat "$T/err")"
"$MAAT" attest "$D" --offline --at $AT --signatures-only --json >"$T/r.json" 2>/dev/null; rc=$?
got=$(jget "$T/r.json" '"|".join(str(x) for x in [d["valid"], d["result"], d["signatures_only"], len(d["not_checked"])])')
[ $rc -eq 0 ] && [ "$got" = "True|pass-signatures-only|True|3" ] \
    && ok "attest_offline_signatures_only_pass (--json): result pass-signatures-only, not_checked listed" \
    || bad "attest_offline_signatures_only_pass (--json): exit $rc, $got"
# a failed comparison still fails with --signatures-only
python3 -c "
import json,sys; e=json.load(open(sys.argv[1])); e['SecurityVersion'] += 1; json.dump(e, open(sys.argv[2],'w'))" "$D" "$T/alt.json"
"$MAAT" attest "$T/alt.json" --offline --at $AT --signatures-only >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && ok "--signatures-only: a mismatch still exits 1" || bad "--signatures-only mismatch: exit $rc"
"$MAAT" attest "$D" --endpoint http://127.0.0.1:9 --signatures-only >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "--signatures-only without --offline: exit 2" || bad "--signatures-only online: exit $rc"

# a sim platform made at a fixed time: current collateral for the quote's FMSPC = full PASS;
# the same collateral after its nextUpdate is not a PASS
if [ -x "$APP" ]; then
    NOW=1750000000
    "$MAAT" sim init "$T/plat" --now $NOW >/dev/null
    "$APP" --sim "$T/plat" -o "$T/sim.json" 2>/dev/null
    "$MAAT" attest "$T/sim.json" --offline --collateral "$T/plat" --trust-root "$T/plat/root-ca.pem" \
        --at $((NOW + 60)) --json >"$T/r.json" 2>"$T/err"; rc=$?
    got=$(jget "$T/r.json" '"|".join(str(x) for x in [d["valid"], d["result"], d["not_checked"]])')
    [ $rc -eq 0 ] && [ "$got" = "True|pass|[]" ] && ok "sim platform, current collateral: PASS, nothing unchecked" \
        || bad "sim full PASS: exit $rc, $got $(cat "$T/err")"
    "$MAAT" attest "$T/sim.json" --offline --collateral "$T/plat" --trust-root "$T/plat/root-ca.pem" \
        --at $((NOW + 40 * 86400)) >"$T/out" 2>"$T/err"; rc=$?
    [ $rc -ne 0 ] && ! grep -q "^result *: PASS" "$T/out" && grep -q "expired" "$T/err" \
        && ok "attest_offline_expired_collateral_not_pass (sim, same FMSPC): exit $rc, expired named" \
        || bad "sim expired: exit $rc $(cat "$T/err")"
else
    echo "SKIPPED (part): $APP not built"
fi

echo
[ $fails -eq 0 ] && echo "all attest fail-closed tests passed" || echo "$fails attest fail-closed test(s) FAILED"
[ $fails -eq 0 ]
