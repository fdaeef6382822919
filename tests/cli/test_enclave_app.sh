#!/usr/bin/env bash
# test_enclave_app.sh - examples/enclave-app in sim mode: maat-enclave-app writes the MAA
# sample's EnclaveInfo JSON (Intel-SDK layout) for an RSA-2048 (or P-256) key whose PEM is
# the enclave-held data; `maat quote inspect` parses it and finds report_data =
# SHA-256(EHD) || 0^32; `maat verify` passes with the simulated root trusted and fails
# without it. Also `maat quote get` (sim, EHD / report data, EnclaveInfo) and the gramine
# provider against a fake /dev/attestation directory.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
APP="${MAAT_BIN:-}/maat-enclave-app"
V="${MAAT_VECTORS:-../shared/vectors}"
if [ ! -x "$MAAT" ] || [ ! -x "$APP" ]; then echo "SKIPPED: maat / maat-enclave-app not built (set MAAT_BIN)"; exit 77; fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 needed"; exit 77; }
tmpdir cli-enclave-app
# Nothing from the caller's environment may choose a provider.
unset MAAT_SIM_DIR MAAT_GRAMINE_ATTESTATION_DIR
export MAAT_GRAMINE_ATTESTATION_DIR="$T/no-gramine-here"

# ---- no provider: a clear error, nothing written ----
"$APP" -o "$T/none.json" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] && grep -q "no quote provider available" "$T/e" && [ ! -s "$T/none.json" ] \
    && ok "no provider: exit 1, clear error" || bad "no provider: exit $rc: $(cat "$T/e")"

# ---- sim mode: platform created on first use ----
"$APP" --provider sim --sim "$T/plat" -o "$T/ei.json" --ehd-out "$T/ehd.bin" --key-out "$T/key.pem" 2>"$T/e"; rc=$?
[ $rc -eq 0 ] && ok "sim mode: exit 0 ($(cat "$T/e"))" || bad "sim mode: exit $rc: $(cat "$T/e")"
[ -f "$T/plat/root-ca.pem" ] && ok "platform created in --sim DIR" || bad "no platform"
[ "$(stat -c %a "$T/key.pem")" = 600 ] && ok "private key written 0600" || bad "key mode $(stat -c %a "$T/key.pem")"

# EHD = the RSA public key PEM, NUL-padded to 512 bytes (the OE sample's shape)
python3 - "$T/ehd.bin" "$T/key.pem" <<'EOF' && ok "EHD = RSA-2048 public key PEM + NUL padding to 512 bytes" || bad "EHD shape"
import sys, subprocess
ehd = open(sys.argv[1], "rb").read()
assert len(ehd) == 512, len(ehd)
pem = ehd.rstrip(b"\0")
assert pem.startswith(b"-----BEGIN PUBLIC KEY-----\n") and pem.endswith(b"-----END PUBLIC KEY-----\n")
pub = subprocess.run(["openssl", "pkey", "-in", sys.argv[2], "-pubout"], capture_output=True, check=True).stdout
assert pub == pem, "EHD is not the generated key's public half"
txt = subprocess.run(["openssl", "pkey", "-pubin", "-noout", "-text"], input=pem, capture_output=True, check=True).stdout
assert b"2048 bit" in txt
EOF

# Intel-SDK EnclaveInfo layout: same keys, order, indentation and final newline as the sample
if [ -f "$V/azure-samples/intel-sdk/enclave.info.release.json" ]; then
    python3 - "$T/ei.json" "$V/azure-samples/intel-sdk/enclave.info.release.json" <<'EOF' && ok "layout matches the Intel-SDK sample file" || bad "layout differs from the sample"
import json, re, sys
a, b = open(sys.argv[1]).read(), open(sys.argv[2]).read()
shape = lambda t: re.sub(r'": (?:"[0-9A-F]*"|\d+)', '": V', t)
assert shape(a) == shape(b), (shape(a), shape(b))
d = json.loads(a, object_pairs_hook=list)
assert [k for k, _ in d] == ["Type", "MrEnclaveHex", "MrSignerHex", "ProductIdHex", "SecurityVersion", "Attributes", "QuoteHex", "EnclaveHeldDataHex"]
assert a.endswith("}\n")
EOF
else
    echo "*** SKIPPED: layout comparison (vectors not found at $V) ***"
fi
[ "$(jget "$T/ei.json" 'd["EnclaveHeldDataHex"]')" = "$(python3 -c "import sys; print(open(sys.argv[1],'rb').read().hex().upper())" "$T/ehd.bin")" ] \
    && ok "EnclaveHeldDataHex = the EHD" || bad "EnclaveHeldDataHex"

# quote inspect parses it; report_data = SHA-256(EHD) || 0^32
"$MAAT" quote inspect "$T/ei.json" --json >"$T/i.json"; rc=$?
[ $rc -eq 0 ] && ok "maat quote inspect: exit 0" || bad "inspect: exit $rc"
[ "$(jget "$T/i.json" 'd["format"]')" = enclave-info-json ] && ok "read as enclave-info-json" || bad "format"
want="$(sha256sum "$T/ehd.bin" | cut -c1-64)$(printf '0%.0s' $(seq 1 64))"
[ "$(jget "$T/i.json" 'd["report_body"]["report_data"]')" = "$want" ] && ok "report_data = SHA-256(EHD) || 0^32" || bad "report_data $(jget "$T/i.json" 'd["report_body"]["report_data"]')"
[ "$(jget "$T/i.json" 'd["enclave_info"]["matches_quote"]')" = True ] && ok "EnclaveInfo fields match the quote" || bad "matches_quote"
[ "$(jget "$T/i.json" 'd["enclave_info"]["ehd_matches_report_data"]')" = True ] && ok "inspect: EHD bound" || bad "ehd_matches_report_data"

# maat verify: passes with the simulated root trusted, fails without it
"$MAAT" verify "$T/ei.json" --collateral "$T/plat/collateral.json" --trust-root "$T/plat/root-ca.pem" --json >"$T/v.json"; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/v.json" 'd["status"]')" = UpToDate ] && ok "maat verify with the sim root: exit 0, UpToDate" \
    || bad "verify: exit $rc $(jget "$T/v.json" 'd.get("status"), d.get("reason")')"
[ "$(jget "$T/v.json" 'd["trusted_root_is_production"]')" = False ] && ok "verdict says the root is not Intel's" || bad "trusted_root_is_production"
"$MAAT" verify "$T/ei.json" --collateral "$T/plat/collateral.json" >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && ok "maat verify without trusting the sim root: exit 1" || bad "untrusted root: exit $rc"

# P-256 key, no padding; $MAAT_SIM_DIR with auto picks the same platform
MAAT_SIM_DIR="$T/plat" "$APP" --key p256 --no-pad -o "$T/p.json" --ehd-out "$T/p.ehd" 2>"$T/e"; rc=$?
[ $rc -eq 0 ] && grep -q "from the sim provider ($T/plat)" "$T/e" && ok "auto + \$MAAT_SIM_DIR: sim provider" || bad "auto sim: exit $rc $(cat "$T/e")"
python3 - "$T/p.ehd" <<'EOF' && ok "P-256: EHD is the bare PEM" || bad "P-256 EHD"
import sys, subprocess
pem = open(sys.argv[1], "rb").read()
assert pem.startswith(b"-----BEGIN PUBLIC KEY-----\n") and pem.endswith(b"-----END PUBLIC KEY-----\n") and b"\0" not in pem
txt = subprocess.run(["openssl", "pkey", "-pubin", "-noout", "-text"], input=pem, capture_output=True, check=True).stdout
assert b"prime256v1" in txt or b"P-256" in txt
EOF
"$MAAT" verify "$T/p.json" --collateral "$T/plat/collateral.json" --trust-root "$T/plat/root-ca.pem" >/dev/null; rc=$?
[ $rc -eq 0 ] && ok "P-256 variant verifies" || bad "P-256 verify: exit $rc"
"$APP" --key ed25519 >/dev/null 2>&1; [ $? -eq 2 ] && ok "bad --key: exit 2" || bad "bad --key"

# ---- maat quote get ----
printf 'enclave-held data' >"$T/d.txt"
"$MAAT" quote get --sim "$T/plat" --ehd "$T/d.txt" -o "$T/q.bin" 2>/dev/null; rc=$?
[ $rc -eq 0 ] && ok "quote get --ehd: exit 0" || bad "quote get: exit $rc"
"$MAAT" quote inspect "$T/q.bin" --json >"$T/qi.json"
[ "$(jget "$T/qi.json" 'd["report_body"]["report_data"]')" = "$(sha256sum "$T/d.txt" | cut -c1-64)$(printf '0%.0s' $(seq 1 64))" ] \
    && ok "quote get: report_data = SHA-256(EHD) || 0^32" || bad "quote get report_data"
"$MAAT" quote get --provider sim --sim "$T/plat" --report-data 00112233 -o - 2>/dev/null | "$MAAT" quote inspect - --json >"$T/qr.json"
[ "$(jget "$T/qr.json" 'd["report_body"]["report_data"]')" = "00112233$(printf '0%.0s' $(seq 1 120))" ] \
    && ok "quote get --report-data: zero-padded" || bad "--report-data"
"$MAAT" quote get --sim "$T/plat" --ehd "$T/d.txt" --enclave-info -o "$T/qe.json" 2>/dev/null &&
"$MAAT" verify "$T/qe.json" --collateral "$T/plat/collateral.json" --trust-root "$T/plat/root-ca.pem" >/dev/null; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/qe.json" 'd["EnclaveHeldDataHex"]')" = "$(printf 'enclave-held data' | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F)" ] \
    && ok "quote get --enclave-info: EnclaveInfo verifies" || bad "--enclave-info: exit $rc"
"$MAAT" quote get -o "$T/x" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] && grep -q "no quote provider available" "$T/e" && ok "quote get, no provider: exit 1" || bad "quote get no provider: exit $rc"
"$MAAT" quote get --sim "$T/plat" --report-data 00 --ehd "$T/d.txt" -o "$T/x" 2>/dev/null; [ $? -eq 2 ] && ok "--ehd with --report-data: exit 2" || bad "exclusive options"
"$MAAT" quote get --sim "$T/plat" --report-data "$(printf '00%.0s' $(seq 1 65))" -o "$T/x" 2>/dev/null; [ $? -eq 2 ] && ok "65-byte --report-data: exit 2" || bad "long report data"
"$MAAT" quote get --sim "$T/plat" 2>/dev/null; [ $? -eq 2 ] && ok "no -o: exit 2" || bad "no -o"
"$MAAT" quote get --provider sgx -o "$T/x" 2>/dev/null; [ $? -eq 2 ] && ok "unknown provider: exit 2" || bad "unknown provider"

# ---- the gramine provider against a fake /dev/attestation ----
G="$T/attestation"; mkdir -p "$G"
printf dcap >"$G/attestation_type"
RD=$(printf 'ab%.0s' $(seq 1 64))
"$MAAT" quote get --provider sim --sim "$T/plat" --report-data "$RD" -o "$G/quote" 2>/dev/null
MAAT_GRAMINE_ATTESTATION_DIR="$G" "$MAAT" quote get --report-data "$RD" -o "$T/g.bin" 2>"$T/e"; rc=$?
[ $rc -eq 0 ] && grep -q "from the gramine provider ($G)" "$T/e" && cmp -s "$G/quote" "$T/g.bin" \
    && ok "auto picks gramine; the quote file comes back" || bad "gramine: exit $rc $(cat "$T/e")"
[ "$(stat -c %s "$G/user_report_data")" = 64 ] && [ "$(od -An -v -tx1 "$G/user_report_data" | tr -d ' \n')" = "$RD" ] \
    && ok "exactly the 64 report-data bytes were written" || bad "user_report_data"
MAAT_GRAMINE_ATTESTATION_DIR="$G" "$MAAT" quote get --report-data 01 -o "$T/g2.bin" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] && grep -q "report_data differs" "$T/e" && ok "a quote over other report data is refused" || bad "mismatch: exit $rc $(cat "$T/e")"
MAAT_GRAMINE_ATTESTATION_DIR="$G" "$APP" -o "$T/ga.json" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] && grep -q "report_data differs" "$T/e" && ok "enclave app under the fake gramine: its fresh key's hash is not in the canned quote" || bad "app gramine: exit $rc"
printf none >"$G/attestation_type"
MAAT_GRAMINE_ATTESTATION_DIR="$G" "$MAAT" quote get --sim "$T/plat" --report-data "$RD" -o "$T/x" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] && grep -q 'expected "dcap"' "$T/e" && ok "attestation_type none: exit 1, no fallback to the simulator" || bad "type none: exit $rc $(cat "$T/e")"

echo "$fails failure(s)"
[ $fails -eq 0 ]
