#!/usr/bin/env bash
# test_attest.sh - `maat attest --offline` on the MAA sample's eight real EnclaveInfo files
# (vectors/azure-samples: four Intel-SDK, four OE-SDK from Azure hardware): each quote's
# cryptographic checks pass (PCK chain to Intel's root, QE report, attestation key, quote
# signature) with the dcap-qvl bundle (whose TCB info is for FMSPC 00A067110000) and with
# no collateral, the output states that TCB collateral for their FMSPC 00906ED50000 is not
# present, and the six comparisons with the file pass with the README's values (product id
# 1 / 9999, SVN 1 / 8888, debuggable only for the debug files). Altered files fail the
# matching comparison; a tampered quote fails verification; usage and input errors.
# A simulated platform (made now) gives the positive case with TCB collateral present.
# No network. Fixed validation time for the real vectors (not today's date).
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
APP="${MAAT_BIN:-}/maat-enclave-app"
VEC="${MAAT_VECTORS:-../shared/vectors}"
V="$VEC/azure-samples"
BUNDLE="$VEC/dcap-qvl/sgx_quote_collateral.json"
AT=1752919277 # the dcap-qvl bundle's README time (2025-07-19); PCK leaves valid until 2028/2030
need maat
if [ ! -d "$V/intel-sdk" ] || [ ! -f "$BUNDLE" ]; then
    echo "*** SKIPPED: vectors not found at $VEC (set MAAT_VECTORS) ***"; exit 77
fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 needed"; exit 77; }
tmpdir cli-attest

# ---- the eight real files ----
n=0
for f in "$V"/intel-sdk/enclave.info.*.json "$V"/oe-sdk/enclave.info.*.json; do
    sdk=$(basename "$(dirname "$f")")
    kind=$(basename "$f" .json | sed 's/enclave\.info\.//')
    name="$sdk/$kind"
    case $kind in prodid) pid=9999 svn=1;; securityversion) pid=1 svn=8888;; *) pid=1 svn=1;; esac
    [ "$kind" = debug ] && dbg=True || dbg=False
    want_mre=$(jget "$f" 'd["MrEnclaveHex"].lower()')
    want_mrs=$(jget "$f" 'd["MrSignerHex"].lower()')
    for coll in bundle none; do
        args=(--offline --at $AT --json --signatures-only)
        [ $coll = bundle ] && args+=(--collateral "$BUNDLE")
        "$MAAT" attest "$f" "${args[@]}" >"$T/r.json" 2>"$T/e"; rc=$?
        if [ $rc -ne 0 ]; then bad "$name ($coll): exit $rc: $(cat "$T/e")"; continue; fi
        got=$(jget "$T/r.json" '"|".join(str(x) for x in [d["valid"], d["file_type"],
            d["quote_verification"]["signatures_and_chain"], d["quote_verification"]["trusted_root"],
            d["quote_verification"]["fmspc"], d["quote_verification"]["tcb_collateral_present"],
            d["quote_verification"]["status"],
            all(c["pass"] for c in d["checks"]), len(d["checks"])])')
        ft=$([ $sdk = oe-sdk ] && echo openenclave || echo intel-sdk)
        want="True|$ft|True|Intel SGX Root CA|00906ed50000|False|None|True|6"
        [ "$got" = "$want" ] || { bad "$name ($coll): got $got, want $want"; continue; }
        vals=$(jget "$T/r.json" '"|".join(str(c["quote"]) for c in d["checks"][:5])')
        [ "$vals" = "$dbg|$want_mre|$want_mrs|$pid|$svn" ] \
            || { bad "$name ($coll): quote values $vals, want $dbg|$want_mre|$want_mrs|$pid|$svn"; continue; }
        note=$(jget "$T/r.json" 'd["quote_verification"]["note"]')
        case $coll in
            bundle) pat="FMSPC 00906ED50000 is not present (the given collateral's TCB info is for FMSPC 00A067110000)";;
            none) pat="FMSPC 00906ED50000 is not present (no --collateral)";;
        esac
        case $note in *"$pat"*) ;; *) bad "$name ($coll): note '$note'"; continue;; esac
        n=$((n + 1))
    done
done
[ $n -eq 16 ] && ok "8 sample files x (dcap-qvl bundle, no collateral): signatures and chain pass to Intel's root, TCB collateral for FMSPC 00906ED50000 stated absent, 6 comparisons pass with the README's values" \
    || bad "only $n of 16 runs passed"

# text report, the bundle's revocation and QE identity steps ran (real CRLs); without
# --signatures-only the same run is INCOMPLETE (exit 5), see test_attest_fail_closed.sh
D="$V/intel-sdk/enclave.info.debug.json"
"$MAAT" attest "$D" --offline --collateral "$BUNDLE" --at $AT --signatures-only >"$T/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "^quote signatures and PCK chain *: pass (root: Intel SGX Root CA)" "$T/out" &&
   grep -q "TCB collateral for the quote's FMSPC 00906ED50000 is not present" "$T/out" &&
   [ "$(grep -c '^[A-Za-z]* match *: pass' "$T/out")" -eq 6 ] &&
   grep -q '^result *: PASS (signatures only: TCB status not checked)' "$T/out"; then
    ok "text report: verification, the FMSPC statement, 6 x 'match : pass', PASS (signatures only)"
else bad "text report (exit $rc): $(cat "$T/out")"; fi
"$MAAT" attest "$D" --offline --collateral "$BUNDLE" --at $AT --json >"$T/r.json" 2>/dev/null
[ "$(jget "$T/r.json" '[s["outcome"] for s in d["quote_verification"]["steps"] if s["name"] in ("revocation","qe_identity")]')" = "['passed', 'passed']" ] \
    && ok "with the bundle, the CRL and QE identity steps ran and passed" || bad "revocation/qe_identity steps"

# ---- altered files: the matching comparison fails ----
# alter IN OUT PYTHON-STATEMENT (on the dict e)
alter() { python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
e = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(e, open(sys.argv[2], "w"), indent=2)
EOF
}
expect_fail() { # NAME RC PATTERN FILE ARGS...
    local name=$1 want=$2 pat=$3 f=$4
    shift 4
    "$MAAT" attest "$f" "$@" >"$T/o" 2>"$T/e"; local rc=$?
    if [ $rc -eq "$want" ] && grep -q -- "$pat" "$T/e"; then ok "$name: exit $rc ($(head -c 160 "$T/e" | tr '\n' ' '))"
    else bad "$name: exit $rc, stderr: $(cat "$T/e")"; fi
}
flip='lambda h: ("0" if h[0] != "0" else "1") + h[1:]'
alter "$D" "$T/a1.json" "f=$flip; e['MrEnclaveHex'] = f(e['MrEnclaveHex'])"
expect_fail "MrEnclaveHex altered" 1 "MRENCLAVE mismatch" "$T/a1.json" --offline --at $AT
alter "$D" "$T/a2.json" "f=$flip; e['MrSignerHex'] = f(e['MrSignerHex'])"
expect_fail "MrSignerHex altered" 1 "MRSIGNER mismatch" "$T/a2.json" --offline --at $AT
alter "$D" "$T/a3.json" "e['ProductIdHex'] = '02' + e['ProductIdHex'][2:]"
expect_fail "ProductIdHex altered" 1 "ProductID mismatch: the file says 2, the quote says 1" "$T/a3.json" --offline --at $AT
alter "$D" "$T/a4.json" "e['SecurityVersion'] += 1"
expect_fail "SecurityVersion altered" 1 "SecurityVersion mismatch: the file says 2" "$T/a4.json" --offline --at $AT
alter "$D" "$T/a5.json" "e['Attributes'] ^= 2"
expect_fail "Attributes DEBUG bit cleared (Intel file: bit 1)" 1 "IsDebuggable mismatch: the file says false, the quote says true" "$T/a5.json" --offline --at $AT
alter "$D" "$T/a6.json" "e['EnclaveHeldDataHex'] = '010203040507'"
expect_fail "EnclaveHeldDataHex altered" 1 "EnclaveHeldData mismatch" "$T/a6.json" --offline --at $AT
OD="$V/oe-sdk/enclave.info.debug.json"
alter "$OD" "$T/a7.json" "e['Attributes'] ^= 1"
expect_fail "Attributes DEBUG bit cleared (OE file: bit 0)" 1 "IsDebuggable mismatch" "$T/a7.json" --offline --at $AT
# an OE file whose bit 1 (REMOTE) changes keeps its debug reading: the OE bit set is used
alter "$OD" "$T/a8.json" "e['Attributes'] ^= 2"
"$MAAT" attest "$T/a8.json" --offline --signatures-only --at $AT >/dev/null 2>&1 && ok "OE file: bit 1 (REMOTE) is not the debug bit" || bad "OE file bit 1"
lower=$(jget "$D" 'd["MrSignerHex"].lower()')
alter "$D" "$T/a9.json" "e['MrSignerHex'] = e['MrSignerHex'].lower(); e['MrEnclaveHex'] = e['MrEnclaveHex'].lower()"
"$MAAT" attest "$T/a9.json" --offline --signatures-only --at $AT >/dev/null 2>&1 && ok "lower-case hex in the file compares equal" || bad "lower-case hex"

# a tampered quote: one byte of MRENCLAVE inside QuoteHex (offset 112 = 48 header + 64)
alter "$D" "$T/t.json" "q=e['QuoteHex']; i=2*112; e['QuoteHex'] = q[:i] + ('00' if q[i:i+2] != '00' else '01') + q[i+2:]"
expect_fail "tampered quote" 1 "quote: verification failed at quote_signature" "$T/t.json" --offline --at $AT
# the PCK leaf is not valid before it was issued
expect_fail "--at before the PCK certificate" 1 "verification failed at validity" "$D" --offline --at 2010-01-01T00:00:00Z

# ---- usage and input errors ----
"$MAAT" attest "$D" >/dev/null 2>&1; [ $? -eq 2 ] && ok "no --endpoint, no --offline: exit 2" || bad "no endpoint"
"$MAAT" attest "$D" --offline --endpoint http://127.0.0.1:9 >/dev/null 2>&1; [ $? -eq 2 ] && ok "--offline with --endpoint: exit 2" || bad "--offline --endpoint"
"$MAAT" attest "$D" --endpoint http://127.0.0.1:9 --collateral "$BUNDLE" >/dev/null 2>&1; [ $? -eq 2 ] && ok "--collateral without --offline: exit 2" || bad "--collateral online"
"$MAAT" attest "$D" --endpoint ftp://x >/dev/null 2>&1; [ $? -eq 2 ] && ok "non-http endpoint: exit 2" || bad "ftp endpoint"
"$MAAT" attest --help | grep -q -- "--offline" && ok "--help" || bad "--help"
python3 -c "import sys; print(open(sys.argv[1]).read().split('\"QuoteHex\": \"')[1].split('\"')[0])" "$D" >"$T/q.hex"
expect_fail "a bare quote (hex) is not an EnclaveInfo file" 3 "not an EnclaveInfo JSON file (read as hex)" "$T/q.hex" --offline
expect_fail "missing file" 3 "nosuch" "$T/nosuch.json" --offline
alter "$D" "$T/x.json" "e['Extra'] = 1"
expect_fail "EnclaveInfo with an unknown field" 3 "Extra" "$T/x.json" --offline
expect_fail "unreadable collateral" 3 "collateral" "$D" --offline --collateral "$T/nosuch-dir"
# the service is unreachable (port 9 on loopback: discard, normally closed): exit 4
"$MAAT" attest "$D" --endpoint http://127.0.0.1:9 >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 4 ] && grep -q "POST http://127.0.0.1:9/attest/SgxEnclave?api-version=2020-10-01" "$T/e" \
    && ok "unreachable endpoint: exit 4, names the URL" || bad "unreachable endpoint: exit $rc $(cat "$T/e")"

# ---- a simulated platform: TCB collateral present ----
if [ -x "$APP" ]; then
    "$MAAT" sim init "$T/plat" >/dev/null
    "$APP" --sim "$T/plat" -o "$T/sim.json" 2>/dev/null
    "$MAAT" attest "$T/sim.json" --offline --collateral "$T/plat" --trust-root "$T/plat/root-ca.pem" --json >"$T/r.json" 2>"$T/e"; rc=$?
    if [ $rc -eq 0 ] && [ "$(jget "$T/r.json" 'd["quote_verification"]["status"], d["quote_verification"]["tcb_collateral_present"]')" = "UpToDate True" ]; then
        ok "sim platform with its collateral and root: UpToDate, TCB collateral present"
    else bad "sim offline (exit $rc): $(cat "$T/e")"; fi
    expect_fail "sim quote, its root not trusted" 1 "verification failed at pck_chain" "$T/sim.json" --offline
else
    echo "SKIPPED (part): $APP not built"
fi

echo
[ $fails -eq 0 ] && echo "all attest CLI tests passed" || echo "$fails attest CLI test(s) FAILED"
[ $fails -eq 0 ]
