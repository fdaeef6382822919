#!/usr/bin/env bash
# test_azure_admin.sh - the admin side of the official Azure Attestation SDK for JavaScript
# (@azure/attestation 1.0.0, pinned in tests/compat/azure/package-lock.json):
# AttestationAdministrationClient get/set/reset policy and policy-management certificates,
# and AttestationClient with stored and draft policies, against maatd over TLS on loopback
# (a throwaway CA given to node through NODE_EXTRA_CA_CERTS), once in --mode aad (bearer
# token from a TokenCredential) and once in --mode isolated (signers made with
# `maat sign create-cert`). The checks are in tests/compat/azure/azure_admin_check.mjs.
# ctest: compat_test_azure_admin, env MAAT_BIN, MAAT_VECTORS, MAAT_SOURCE. Exit 77 = skipped
# (no node/npm/openssl, no node_modules: run `npm ci --prefix tests/compat/azure`).
set -u

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/azure/azure_env.sh"
azure_env test_azure_admin
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT

# ---- evidence: a debug enclave with a chosen MRENCLAVE and SVN (the policies key on them) ----
MRE=a0d1e2f3000000000000000000000000000000000000000000000000c0ffee01
"$bin/maat" sim init "$T/sim" >/dev/null || { echo "FAIL: maat sim init"; exit 1; }
printf 'azure admin sdk runtime data \x00\x01\xff' >"$T/rt.bin"
"$bin/maat" sim quote "$T/sim" --ehd "$T/rt.bin" --mrenclave $MRE --prod-id 4 --svn 5 --debug -o "$T/q.bin" ||
  { echo "FAIL: maat sim quote"; exit 1; }

# ---- policy signers: RSA-2048 keys + self-signed CA certificates from maat sign ----
azure_signers "azure admin"

# ---- TLS with a throwaway CA (the SDK's bearer policy refuses http://) ----
azure_tls_pki "azure-admin"
TLS=(--tls-cert "$T/srv.pem" --tls-key "$T/srv.key")

mkcfg() { # mkcfg OUT ENDPOINT MODE
  cat >"$1" <<JSON
{"endpoint": "$2", "mode": "$3", "admin_token": "$(cat "$T/admin.token")",
 "signer1": {"key": "$T/s1.key", "cert": "$T/s1.pem"},
 "signer2": {"key": "$T/s2.key", "cert": "$T/s2.pem"},
 "files": {"quote": "$T/q.bin", "runtime_bin": "$T/rt.bin"},
 "expect": {"mrenclave": "$MRE", "svn": 5}}
JSON
}
openssl rand -hex 24 >"$T/admin.token"
echo "== @azure/attestation $(node -p "require('$azure/node_modules/@azure/attestation/package.json').version") admin client =="

# ---- aad: a static bearer token ----
echo "-- maatd --mode aad --admin-token-file (TLS) --"
start A --store "$T/a.db" --sim "$T/sim" --mode aad --admin-token-file "$T/admin.token" "${TLS[@]}"
case "$URL_A" in https://*) ;; *) echo "FAIL: TLS maatd printed $URL_A"; fails=$((fails + 1)) ;; esac
mkcfg "$T/aad.json" "$URL_A" aad
(cd "$azure" && NODE_EXTRA_CA_CERTS="$T/ca.pem" timeout 120 node azure_admin_check.mjs "$T/aad.json") ||
  fails=$((fails + 1))
if grep -q "$(cat "$T/admin.token")" "$T/A.log"; then
  echo "FAIL    the admin token appears in maatd's log"; fails=$((fails + 1))
fi
stop A

# ---- isolated: signer 1 is the initial --policy-signer ----
echo "-- maatd --mode isolated --policy-signer s1.pem (TLS) --"
start I --store "$T/i.db" --sim "$T/sim" --mode isolated --policy-signer "$T/s1.pem" "${TLS[@]}"
mkcfg "$T/iso.json" "$URL_I" isolated
(cd "$azure" && NODE_EXTRA_CA_CERTS="$T/ca.pem" timeout 120 node azure_admin_check.mjs "$T/iso.json") ||
  fails=$((fails + 1))
stop I

if grep -l "AddressSanitizer\|LeakSanitizer\|runtime error" "$T"/*.log >/dev/null 2>&1; then
  echo "FAIL: sanitizer report in a maatd log"; grep -h -A5 "AddressSanitizer\|LeakSanitizer\|runtime error" "$T"/*.log | head -40
  fails=$((fails + 1))
fi
echo "compat_test_azure_admin: $fails failing part(s)"
[ "$fails" -eq 0 ]
