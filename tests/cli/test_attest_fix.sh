#!/usr/bin/env bash
# test_attest_fix.sh - `maat attest --offline` names the fix below UpToDate (issue 14): the
# text line "TCB fix" and quote_verification.fix in --json, on the real Azure sample quotes
# with Intel's collateral set A at its README time (all OutOfDate). Offline, bounded.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
MAAT="${MAAT_BIN:-}/maat"
V="${MAAT_VECTORS:-../shared/vectors}"
if [ ! -x "$MAAT" ]; then echo "SKIPPED: $MAAT not built (set MAAT_BIN)"; exit 77; fi
if [ ! -d "$V/intel-collateral-00906ed50000" ]; then echo "*** SKIPPED: vectors not found at $V (set MAAT_VECTORS) ***"; exit 77; fi
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-cli-attest-fix-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
C=$V/intel-collateral-00906ed50000/set-A-2026-07/collateral.dcap-qvl.json

"$MAAT" attest "$V/azure-samples/oe-sdk/enclave.info.release.json" --offline --collateral "$C" --at 1785000000 >"$T/oe.txt"; rc=$?
[ $rc -eq 0 ] && ok "oe-sdk: exit 0" || bad "oe-sdk: exit $rc"
grep -q '^TCB fix                            : raise SGX TCB component 1 17 -> 21, SGX TCB component 2 17 -> 22, SGX TCB component 7 6 -> 14, PCESVN 10 -> 13, QE ISVSVN 5 -> 8; update: BIOS/microcode, PSW/PCE, platform TCB recovery (new PCK certificate), PSW/QE, enclave software hardening (see advisories); closes .*; target SWHardeningNeeded (TCB level of 2025-05-14T00:00:00Z)$' "$T/oe.txt" \
    && ok "oe-sdk: text TCB fix" || bad "oe-sdk: $(grep 'TCB fix' "$T/oe.txt")"

"$MAAT" attest "$V/azure-samples/intel-sdk/enclave.info.release.json" --offline --collateral "$C" --at 1785000000 --json >"$T/in.json"; rc=$?
[ $rc -eq 0 ] && ok "intel-sdk: exit 0" || bad "intel-sdk: exit $rc"
got=$(jget "$T/in.json" '";".join("%s/%s/%s/%s" % (c["name"], c["index"], c["have"], c["need"]) for c in d["quote_verification"]["fix"]["components"])')
[ "$got" = "SGX TCB component 1/0/20/21;SGX TCB component 2/1/20/22" ] && ok "intel-sdk: fix components" || bad "intel-sdk: $got"
[ "$(jget "$T/in.json" '",".join(d["quote_verification"]["fix"]["advisory_ids_closed"])')" = "INTEL-SA-00828,INTEL-SA-00219,INTEL-SA-00289,INTEL-SA-01153" ] \
    && ok "intel-sdk: advisory_ids_closed" || bad "intel-sdk: $(jget "$T/in.json" 'd["quote_verification"]["fix"]')"

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
[ $fails -eq 0 ]
