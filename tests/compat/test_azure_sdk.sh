#!/usr/bin/env bash
# test_azure_sdk.sh - the official Azure Attestation SDK for JavaScript (@azure/attestation
# 1.0.0 from npm, pinned with its dependencies in tests/compat/azure/package-lock.json) run
# against maatd on loopback with a simulated platform, over plain HTTP and over TLS (a
# throwaway CA made here with openssl, given to node through NODE_EXTRA_CA_CERTS), with the
# SDK's token validation on. The checks are in tests/compat/azure/azure_sdk_check.mjs.
# ctest: compat_test_azure_sdk, env MAAT_BIN, MAAT_VECTORS, MAAT_SOURCE. Exit 77 = skipped
# (no node/npm/openssl, no node_modules: run `npm ci --prefix tests/compat/azure`).
set -u

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/azure/azure_env.sh"
azure_env test_azure_sdk
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT

# ---- evidence: chosen identity values, so the claims can be compared with known numbers ----
MRE=5a1d7e0c0ffee0000000000000000000000000000000000000000000000a2b3c
MRS=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
"$bin/maat" sim init "$T/sim" >/dev/null || { echo "FAIL: maat sim init"; exit 1; }
printf 'azure sdk binary runtime data \x00\x01\x02\xff' >"$T/rt.bin"
# JSON runtime data as the SDK's own tests send it (a JWK, with a trailing NUL byte)
printf '{"jwk":{"kty":"EC","use":"sig","crv":"P-256","x":"18wHLeIgW9wVN6VD1Txgpqy2LszYkMf6J8njVAibvhM","y":"cV4dS4UaLMgP_4fY4j8ir7cl1TXlFdAgcx55o7TkcSA"}}\0' >"$T/rt.json"
"$bin/maat" sim quote "$T/sim" --ehd "$T/rt.bin" --mrenclave $MRE --mrsigner $MRS --prod-id 7 --svn 3 --debug -o "$T/q.bin" &&
"$bin/maat" sim quote "$T/sim" --ehd "$T/rt.json" --prod-id 2 --svn 9 --no-debug -o "$T/qj.bin" ||
  { echo "FAIL: maat sim quote"; exit 1; }
# OpenEnclave envelope: u32 version 1, u32 type 2 (remote), u64 size, then the quote
oe_wrap() {
  node -e 'const fs = require("fs"); const q = fs.readFileSync(process.argv[1]);
    const h = Buffer.alloc(16); h.writeUInt32LE(1, 0); h.writeUInt32LE(2, 4); h.writeBigUInt64LE(BigInt(q.length), 8);
    fs.writeFileSync(process.argv[2], Buffer.concat([h, q]));' "$1" "$2"
}
oe_wrap "$T/q.bin" "$T/oe.bin"
oe_wrap "$T/qj.bin" "$T/oej.bin"
[ "$(stat -c %s "$T/oe.bin")" -eq $(( $(stat -c %s "$T/q.bin") + 16 )) ] || { echo "FAIL: OE envelope"; exit 1; }

mkcfg() { # mkcfg OUT ENDPOINT TLS(true|false)
  cat >"$1" <<JSON
{"endpoint": "$2", "tls": $3,
 "files": {"quote": "$T/q.bin", "runtime_bin": "$T/rt.bin", "quote_json": "$T/qj.bin",
           "runtime_json": "$T/rt.json", "oe_report": "$T/oe.bin", "oe_report_json": "$T/oej.bin"},
 "expect": {"mrenclave": "$MRE", "mrsigner": "$MRS", "product_id": 7, "svn": 3, "debug": true}}
JSON
}

# ---- plain HTTP ----
echo "== @azure/attestation $(node -p "require('$azure/node_modules/@azure/attestation/package.json').version") over HTTP =="
start H --store "$T/h.db" --sim "$T/sim"
mkcfg "$T/http.json" "$URL_H" false
(cd "$azure" && node azure_sdk_check.mjs "$T/http.json") || fails=$((fails + 1))
stop H

# ---- TLS with a throwaway CA ----
azure_tls_pki "azure-sdk"
echo "== @azure/attestation over TLS (NODE_EXTRA_CA_CERTS = a throwaway CA) =="
start S --store "$T/s.db" --sim "$T/sim" --tls-cert "$T/srv.pem" --tls-key "$T/srv.key"
case "$URL_S" in https://*) ;; *) echo "FAIL: TLS maatd printed $URL_S"; fails=$((fails + 1)) ;; esac
mkcfg "$T/tls.json" "$URL_S" true
(cd "$azure" && NODE_EXTRA_CA_CERTS="$T/ca.pem" node azure_sdk_check.mjs "$T/tls.json") || fails=$((fails + 1))
# without the CA, node must refuse maatd's certificate (so the TLS run above really checked it)
if (cd "$azure" && NODE_EXTRA_CA_CERTS=/dev/null node -e '
    const { AttestationClient } = require("@azure/attestation");
    new AttestationClient(process.argv[1]).getOpenIdMetadata()
      .then(() => process.exit(0), (e) => { console.log("refused as expected: " + e.message); process.exit(3); });' \
    "$URL_S") >"$T/noca.out" 2>&1; then
  echo "FAIL  https without the test CA was accepted"; fails=$((fails + 1))
elif grep -q "refused as expected" "$T/noca.out"; then
  echo "PASS    https without the test CA is refused ($(sed 's/refused as expected: //' "$T/noca.out" | head -1))"
else
  echo "FAIL  https without the test CA: $(head -3 "$T/noca.out")"; fails=$((fails + 1))
fi
stop S

if grep -l "AddressSanitizer\|LeakSanitizer\|runtime error" "$T"/*.log >/dev/null 2>&1; then
  echo "FAIL: sanitizer report in a maatd log"; fails=$((fails + 1))
fi
echo "compat_test_azure_sdk: $fails failing part(s)"
[ "$fails" -eq 0 ]
