#!/usr/bin/env bash
# test_azure_replicas.sh - the official Azure Attestation SDK for JavaScript (@azure/attestation
# 1.0.0) against two maatd replicas (--mode isolated, TLS) sharing one PostgreSQL store:
# a signed policy set through A applied by B, a signer added on B used on A, and after
# `maat key rotate --store` a token from A validated with B's /certs (issue 13; checks in
# tests/compat/azure/azure_replicas_check.mjs). Throwaway cluster from tests/lib/pg.sh.
# Exit 77 = skipped (no node/npm/openssl/node_modules, or PostgreSQL cannot start).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${MAAT_SOURCE:-$(cd "$here/../.." && pwd)}
azure=$src/tests/compat/azure
bin=${MAAT_BIN:-$src/build/bin}
skip() { echo "*** SKIPPED compat_test_azure_replicas: $* ***"; exit 77; }
command -v node >/dev/null 2>&1 || skip "node is not installed (scripts/install-deps.sh installs it)"
command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
[ -f "$azure/node_modules/@azure/attestation/package.json" ] ||
  skip "$azure/node_modules is missing: run 'npm ci --prefix tests/compat/azure --no-audit --no-fund'"
[ -x "$bin/maat" ] && [ -x "$bin/maatd" ] || { echo "FAIL: $bin/maat or $bin/maatd is not built" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/maat-azure-rep.XXXXXX")
PIDS=()
. "$src/tests/lib/pg.sh"
MAATD=$bin/maatd
. "$src/tests/lib/maatd.sh"
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; pg_stop; rm -rf "$T"; }
trap cleanup EXIT
pg_start
rc=$?
[ $rc -eq 0 ] || exit $rc
pg_psql -d postgres -c "CREATE DATABASE azrep" >/dev/null || exit 1
STORE="postgresql://maat:$PG_PASSWORD@127.0.0.1:$PG_PORT/azrep?connect_timeout=2"

"$bin/maat" sim init "$T/sim" >/dev/null || { echo "FAIL: maat sim init"; exit 1; }
printf 'azure replicas runtime data \x00\x01' >"$T/rt.bin"
"$bin/maat" sim quote "$T/sim" --ehd "$T/rt.bin" -o "$T/q.bin" || { echo "FAIL: maat sim quote"; exit 1; }
for i in 1 2; do
  "$bin/maat" sign create-cert --key-out "$T/s$i.key" --cert-out "$T/s$i.pem" \
    --subject "CN=maat azure replicas signer $i, O=maat tests" --days 2 >/dev/null 2>"$T/s$i.err" ||
    { echo "FAIL: maat sign create-cert $i:"; cat "$T/s$i.err"; exit 1; }
done
# TLS with a throwaway CA (the SDK's bearer policy refuses http://)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" -days 2 \
  -subj "/CN=maat azure-replicas test CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null &&
openssl req -newkey rsa:2048 -nodes -keyout "$T/srv.key" -out "$T/srv.csr" -subj "/CN=127.0.0.1" 2>/dev/null &&
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$T/ext" &&
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
  -extfile "$T/ext" -out "$T/srv.pem" 2>/dev/null || { echo "FAIL: openssl could not make the test PKI"; exit 1; }

for r in A B; do
  maatd_start "$r" --threads 2 --store "$STORE" --sim "$T/sim" --mode isolated --policy-signer "$T/s1.pem" \
    --tls-cert "$T/srv.pem" --tls-key "$T/srv.key" || exit 1
done
cat >"$T/cfg.json" <<JSON
{"A": "$URL_A", "B": "$URL_B", "maat": "$bin/maat", "store": "$STORE",
 "signer1": {"key": "$T/s1.key", "cert": "$T/s1.pem"},
 "signer2": {"key": "$T/s2.key", "cert": "$T/s2.pem"},
 "files": {"quote": "$T/q.bin", "runtime_bin": "$T/rt.bin"}}
JSON
echo "== @azure/attestation against replicas $URL_A and $URL_B on one PostgreSQL store =="
(cd "$azure" && NODE_EXTRA_CA_CERTS="$T/ca.pem" timeout 120 node azure_replicas_check.mjs "$T/cfg.json")
rc=$?
[ $rc -eq 0 ] || { echo "--- A.log"; tail -n 30 "$T/A.log"; echo "--- B.log"; tail -n 30 "$T/B.log"; }
exit $rc
