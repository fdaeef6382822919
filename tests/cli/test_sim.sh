#!/usr/bin/env bash
# test_sim.sh - `maat sim init` / `maat sim quote`: exit codes, files, formats, knobs.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
need maat
VEC="${MAAT_VECTORS:-$(dirname "$0")/../../../shared/vectors}"
tmpdir cli-sim
# expect CODE DESCRIPTION -- COMMAND...
expect() {
    local want=$1 what=$2; shift 3
    "$@" >"$T/out" 2>"$T/err"; local got=$?
    if [ "$got" -eq "$want" ]; then ok "$what (exit $got)"
    else bad "$what: exit $got, expected $want; stderr: $(head -c 400 "$T/err")"; fi
}
hexof() { od -An -tx1 -v "$1" | tr -d ' \n'; }

D="$T/plat"
NOW=2024-03-01T00:00:00Z
expect 0 "sim --help" -- "$MAAT" sim --help
grep -q -- "--tcb STATUS" "$T/out" && ok "help lists --tcb" || bad "help lacks --tcb"
expect 2 "sim without sub-command" -- "$MAAT" sim
expect 2 "unknown sub-command" -- "$MAAT" sim frobnicate
expect 2 "init without dir" -- "$MAAT" sim init
expect 2 "init bad fmspc" -- "$MAAT" sim init "$D" --fmspc 00112233
expect 2 "init bad time" -- "$MAAT" sim init "$D" --now yesterday
expect 0 "init" -- "$MAAT" sim init "$D" --now "$NOW" --fmspc 00606A000000 --pce-id 0000

for f in root-ca.pem collateral.json collateral-platform.json platform.json \
         pcs/tcb-00606A000000.json pcs/tcb-v2-00606A000000.json pcs/qe-identity.json \
         pcs/tcb-00606A000000.issuer-chain.pem pcs/qe-identity.issuer-chain.pem \
         pcs/pckcrl-processor.der pcs/pckcrl-platform.der pcs/rootcacrl.der \
         pcs/pckcrl-processor.issuer-chain.pem pcs/pckcrl-platform.issuer-chain.pem; do
    [ -s "$D/$f" ] && ok "wrote $f" || bad "missing $f"
done
for k in "$D"/keys/*.key; do
    m=$(stat -c %a "$k")
    [ "$m" = 600 ] && ok "$(basename "$k") mode 600" || bad "$(basename "$k") mode $m"
done
grep -q '"issueDate":"2024-03-01T00:00:00Z","nextUpdate":"2024-03-31T00:00:00Z","fmspc":"00606A000000"' \
    "$D/pcs/tcb-00606A000000.json" && ok "TCB info dates and FMSPC" || bad "TCB info dates/FMSPC"

# quotes
expect 0 "quote v3" -- "$MAAT" sim quote "$D" -o "$T/q3.bin"
[ "$(head -c 4 "$T/q3.bin" | od -An -tx1 | tr -d ' ')" = 03000200 ] && ok "v3 header" || bad "v3 header"
expect 0 "quote v4 debug" -- "$MAAT" sim quote "$D" --quote-version 4 --debug -o "$T/q4.bin"
[ "$(head -c 4 "$T/q4.bin" | od -An -tx1 | tr -d ' ')" = 04000200 ] && ok "v4 header" || bad "v4 header"
expect 0 "inspect v3" -- "$MAAT" quote inspect "$T/q3.bin"
expect 0 "inspect v4" -- "$MAAT" quote inspect "$T/q4.bin"
grep -q "DEBUG" "$T/out" && ok "v4 quote is debug" || bad "v4 debug flag not shown"

printf '\001\002\003\004\005\006' >"$T/ehd.bin"
expect 0 "enclave-info with --ehd" -- "$MAAT" sim quote "$D" --ehd "$T/ehd.bin" \
    --mrenclave "$(printf 'AB%.0s' $(seq 32))" --prod-id 9999 --svn 8888 --enclave-info -o "$T/ei.json"
grep -q '"Type": 2,' "$T/ei.json" && ok "EnclaveInfo Type" || bad "EnclaveInfo Type"
grep -q '"MrEnclaveHex": "ABABABAB' "$T/ei.json" && ok "EnclaveInfo MrEnclaveHex" || bad "MrEnclaveHex"
grep -q '"ProductIdHex": "0F270000000000000000000000000000"' "$T/ei.json" && ok "ProductIdHex" || bad "ProductIdHex"
grep -q '"SecurityVersion": 8888' "$T/ei.json" && ok "SecurityVersion" || bad "SecurityVersion"
grep -q '"Attributes": 5' "$T/ei.json" && ok "Attributes 5 (release)" || bad "Attributes"
grep -q '"EnclaveHeldDataHex": "010203040506"' "$T/ei.json" && ok "EnclaveHeldDataHex" || bad "EHD"
expect 0 "inspect EnclaveInfo" -- "$MAAT" quote inspect "$T/ei.json"
grep -q "7192385c3c0605de55bb9476ce1d90748190ecb32a8eed7f5207b30cf6a1fe89" "$T/out" \
    && ok "report_data = SHA-256(EHD)" || bad "report_data binding"

expect 0 "report-data" -- "$MAAT" sim quote "$D" --report-data 00112233 -o "$T/rd.bin"
expect 0 "inspect report-data" -- "$MAAT" quote inspect "$T/rd.bin"
grep -q "report_data *00112233000000" "$T/out" && ok "report_data padded" || bad "report_data"

for s in UpToDate SWHardeningNeeded ConfigurationNeeded ConfigurationAndSWHardeningNeeded \
         OutOfDate OutOfDateConfigurationNeeded Revoked; do
    expect 0 "--tcb $s" -- "$MAAT" sim quote "$D" --tcb "$s" -o "$T/tcb-$s.bin"
done
expect 2 "--tcb bogus" -- "$MAAT" sim quote "$D" --tcb Bogus -o "$T/x.bin"
expect 0 "platform CA, revoked, wrong FMSPC, low QE SVN" -- "$MAAT" sim quote "$D" \
    --pck-ca platform --revoked-pck --fmspc 00906ED50000 --qe-svn 5 -o "$T/odd.bin"
expect 0 "inspect odd" -- "$MAAT" quote inspect "$T/odd.bin"
grep -q "qe_svn *5" "$T/out" && ok "qe_svn 5" || bad "qe_svn"
expect 2 "missing -o" -- "$MAAT" sim quote "$D"
expect 2 "--ehd with --report-data" -- "$MAAT" sim quote "$D" --ehd "$T/ehd.bin" --report-data 00 -o "$T/x"
expect 2 "--quote-version 5" -- "$MAAT" sim quote "$D" --quote-version 5 -o "$T/x"
expect 3 "quote from a non-platform dir" -- "$MAAT" sim quote "$T/nowhere" -o "$T/x"
expect 3 "--report-body-from garbage" -- "$MAAT" sim quote "$D" --report-body-from "$T/ehd.bin" -o "$T/x"

# re-quote a real Azure enclave's identity
AZ="$VEC/azure-samples/intel-sdk/enclave.info.debug.json"
if [ -f "$AZ" ]; then
    expect 0 "--report-body-from Azure EnclaveInfo" -- "$MAAT" sim quote "$D" \
        --report-body-from "$AZ" --ehd "$T/ehd.bin" --enclave-info -o "$T/az.json"
    grep -q '"MrEnclaveHex": "3E2DF98FC7FD042B842121CAE6A8086D546E7970DB55103725CC1DCBC2C48814"' \
        "$T/az.json" && ok "Azure MRENCLAVE kept" || bad "Azure MRENCLAVE"
    grep -q '"Attributes": 7' "$T/az.json" && ok "Azure debug attributes kept" || bad "Azure attributes"
    OE="$VEC/azure-samples/oe-sdk/enclave.info.release.json"
    expect 0 "--report-body-from OE envelope EnclaveInfo, v4" -- "$MAAT" sim quote "$D" \
        --report-body-from "$OE" --quote-version 4 --report-data 01 --enclave-info -o "$T/oe.json"
    grep -q '"EnclaveHeldDataHex": ""' "$T/oe.json" && ok "no EHD with --report-data" || bad "EHD field"
    expect 0 "inspect re-quoted OE identity" -- "$MAAT" quote inspect "$T/oe.json"
    grep -q "report_data *0100000000" "$T/out" && ok "report_data overridden" || bad "report_data override"
else
    echo "SKIPPED (vectors absent): --report-body-from Azure"
fi

# the PCK chain and collateral with the openssl tool, when present
if command -v openssl >/dev/null; then
    # v3 signature data: cert data starts at 436 + 578 + 32 + 6
    tail -c +$((436 + 578 + 32 + 6 + 1)) "$T/q3.bin" | tr -d '\000' >"$T/chain.pem"
    awk '/BEGIN/{n++} n==1' "$T/chain.pem" >"$T/leaf.pem"
    awk '/BEGIN/{n++} n==2' "$T/chain.pem" >"$T/ca.pem"
    expect 0 "openssl verifies the PCK chain" -- openssl verify -attime 1709251300 \
        -CAfile "$D/root-ca.pem" -untrusted "$T/ca.pem" "$T/leaf.pem"
    expect 0 "openssl verifies the processor CRL" -- openssl crl -inform DER \
        -in "$D/pcs/pckcrl-processor.der" -CAfile "$D/pcs/pckcrl-processor.issuer-chain.pem" -noout
    grep -q "verify OK" "$T/err" && ok "CRL signature OK" || bad "CRL signature: $(cat "$T/err")"
fi

# validity knobs
expect 0 "init with expired collateral" -- "$MAAT" sim init "$T/old" --now 1600000000 \
    --issue-date 2020-01-01T00:00:00Z --next-update 2020-02-01T00:00:00Z --revoke-ca processor
grep -q '"issueDate":"2020-01-01T00:00:00Z","nextUpdate":"2020-02-01T00:00:00Z"' \
    "$T/old/pcs/qe-identity.json" && ok "QE identity dates" || bad "QE identity dates"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
