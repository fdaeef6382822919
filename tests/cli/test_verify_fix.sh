#!/usr/bin/env bash
# test_verify_fix.sh - `maat verify` names the fix below UpToDate (issue 14): the JSON
# object `fix` and the text lines, on sim quotes and on a real Azure sample quote with
# Intel's collateral; `qe_advisory_ids` apart from `advisory_ids`. Offline, bounded.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
MAAT="${MAAT_BIN:-}/maat"
V="${MAAT_VECTORS:-../shared/vectors}"
if [ ! -x "$MAAT" ]; then echo "SKIPPED: $MAAT not built (set MAAT_BIN)"; exit 77; fi
if [ ! -d "$V/intel-collateral-00906ed50000" ]; then echo "*** SKIPPED: vectors not found at $V (set MAAT_VECTORS) ***"; exit 77; fi
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-cli-verify-fix-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0

# Real: oe-sdk Azure sample, Intel collateral set A at its README time (OutOfDate).
Q=$V/azure-samples/oe-sdk/enclave.info.release.json
C=$V/intel-collateral-00906ed50000/set-A-2026-07/collateral.dcap-qvl.json
"$MAAT" verify "$Q" --collateral "$C" --at 1785000000 --json >"$T/a.json"; rc=$?
[ $rc -eq 0 ] && ok "azure oe-sdk: exit 0" || bad "azure oe-sdk: exit $rc"
[ "$(jget "$T/a.json" 'd["status"]')" = OutOfDate ] && ok "status OutOfDate" || bad "status"
[ "$(jget "$T/a.json" '",".join(d["qe_advisory_ids"])')" = "INTEL-SA-00477,INTEL-SA-00615" ] \
    && ok "qe_advisory_ids" || bad "qe_advisory_ids $(jget "$T/a.json" 'd["qe_advisory_ids"]')"
[ "$(jget "$T/a.json" '"INTEL-SA-00477" in d["advisory_ids"]')" = False ] \
    && ok "advisory_ids without the QE's" || bad "advisory_ids $(jget "$T/a.json" 'd["advisory_ids"]')"
[ "$(jget "$T/a.json" 'd["fix"]["target_status"]+" "+d["fix"]["target_tcb_date"]')" = "SWHardeningNeeded 2025-05-14T00:00:00Z" ] \
    && ok "fix target" || bad "fix target $(jget "$T/a.json" 'd.get("fix")')"
want='SGX TCB component 1/0/17/21;SGX TCB component 2/1/17/22;SGX TCB component 7/6/6/14;PCESVN/None/10/13;QE ISVSVN/None/5/8'
got=$(jget "$T/a.json" '";".join("%s/%s/%s/%s" % (c["name"], c["index"], c["have"], c["need"]) for c in d["fix"]["components"])')
[ "$got" = "$want" ] && ok "fix components" || bad "fix components: $got"
[ "$(jget "$T/a.json" '"INTEL-SA-00477" in d["fix"]["advisory_ids_closed"] and "INTEL-SA-00615" not in d["fix"]["advisory_ids_closed"]')" = True ] \
    && ok "fix advisory_ids_closed" || bad "fix advisory_ids_closed"
[ "$(jget "$T/a.json" '"PSW/QE" in d["fix"]["update"] and "BIOS/microcode" in d["fix"]["update"]')" = True ] \
    && ok "fix update" || bad "fix update $(jget "$T/a.json" 'd["fix"]["update"]')"
"$MAAT" verify "$Q" --collateral "$C" --at 1785000000 >"$T/a.txt"
grep -q '^qe advisories: INTEL-SA-00477, INTEL-SA-00615$' "$T/a.txt" && ok "text: qe advisories" || bad "text: qe advisories"
grep -q '^fix:           reach SWHardeningNeeded (TCB level of 2025-05-14T00:00:00Z)$' "$T/a.txt" && ok "text: fix" || bad "text: fix"
grep -q '^               QE ISVSVN: 5 -> 8$' "$T/a.txt" && ok "text: QE ISVSVN" || bad "text: QE ISVSVN"

# Sim: UpToDate has no fix; OutOfDate names Intel's component type.
"$MAAT" sim init "$T/p" --now 2024-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }
AT=2024-03-02T00:00:00Z
"$MAAT" sim quote "$T/p" -o "$T/u.bin" >/dev/null || { echo "sim quote failed"; exit 1; }
"$MAAT" verify "$T/u.bin" --collateral "$T/p/collateral.json" --trust-root "$T/p/root-ca.pem" --at $AT --json >"$T/u.json"
[ "$(jget "$T/u.json" 'd["status"]+" "+str("fix" in d)+" "+str("fix_error" in d)')" = "UpToDate False False" ] \
    && ok "sim UpToDate: no fix" || bad "sim UpToDate: $(cat "$T/u.json")"
"$MAAT" sim quote "$T/p" --tcb OutOfDate -o "$T/o.bin" >/dev/null || { echo "sim quote failed"; exit 1; }
"$MAAT" verify "$T/o.bin" --collateral "$T/p/collateral.json" --trust-root "$T/p/root-ca.pem" --at $AT --json >"$T/o.json"
[ "$(jget "$T/o.json" 'd["fix"]["target_status"]+"|"+";".join("%s/%s/%s" % (c["name"], c["category"], c["index"]) for c in d["fix"]["components"])')" = "UpToDate|Early Microcode Update/BIOS/0" ] \
    && ok "sim OutOfDate: fix names Early Microcode Update" || bad "sim OutOfDate: $(jget "$T/o.json" 'd.get("fix")')"
[ "$(jget "$T/o.json" 'd["fix"]["components"][0]["need"] - d["fix"]["components"][0]["have"]')" = 4 ] \
    && ok "sim OutOfDate: need = have + 4" || bad "sim OutOfDate: have/need"

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
[ $fails -eq 0 ]
