#!/usr/bin/env bash
# test_azure_replicas.sh - the official Azure Attestation SDK for JavaScript (@azure/attestation
# 1.0.0) against two maatd replicas (--mode isolated, TLS) sharing one PostgreSQL store:
# a signed policy set through A applied by B, a signer added on B used on A, and after
# `maat key rotate --store` a token from A validated with B's /certs (issue 13; checks in
# tests/compat/azure/azure_replicas_check.mjs). Throwaway cluster from tests/lib/pg.sh.
# Exit 77 = skipped (no node/npm/openssl/node_modules, or PostgreSQL cannot start).
set -u
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/azure/azure_env.sh"
azure_env test_azure_replicas
. "$src/tests/lib/pg.sh"
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
azure_signers "azure replicas"
# TLS with a throwaway CA (the SDK's bearer policy refuses http://)
azure_tls_pki "azure-replicas"

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
