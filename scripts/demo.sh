#!/usr/bin/env bash
# The README's main job on embedded defaults: the MAA SGX sample's whole flow, in C, on one
# machine without SGX hardware.
#   1. a fresh simulated SGX platform (its own test PKI, TCB info, QE identity, CRLs);
#   2. maatd on a free loopback port, with a temporary SQLite store, trusting that
#      platform's root explicitly (--sim), which also puts a simulated quote binding its
#      token-signing key into its signing certificate;
#   3. the example enclave app (sim mode): key pair -> public key PEM as EHD -> quote ->
#      EnclaveInfo JSON;
#   4. `maat attest`: quote + EHD to maatd, the token validated against maatd's /certs and
#      compared with the file (the sample's validatequotes report);
#   5. `maat token verify --require-signer-quote`: the service's own attestation;
#   6. maatd stopped. Everything under one temporary directory, removed on exit or failure.
set -euo pipefail
bin=${1:-build/bin}
maat="$bin/maat" maatd="$bin/maatd" app="$bin/maat-enclave-app"
for p in "$maat" "$maatd" "$app"; do
    [ -x "$p" ] || { echo "demo: $p is not built (run: make build)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/maat-demo-XXXXXX")
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
t0=$(date +%s%N)

step "1. A simulated SGX platform (test PKI, TCB info, QE identity, CRLs) in $work/platform"
"$maat" sim init "$work/platform" >/dev/null
ls "$work/platform"

step "2. maatd on a free loopback port (temporary store; the platform's root trusted via --sim)"
"$maatd" --listen 127.0.0.1:0 --store "$work/maatd.db" --sim "$work/platform" \
    >"$work/maatd.url" 2>"$work/maatd.log" &
pid=$!
for _ in $(seq 200); do
    [ -s "$work/maatd.url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
if [ ! -s "$work/maatd.url" ]; then
    echo "demo: maatd did not start:" >&2
    cat "$work/maatd.log" >&2
    exit 1
fi
url=$(head -n1 "$work/maatd.url")
echo "maatd is listening at $url (pid $pid)"

step "3. The enclave app (sim mode): key pair, public key as EHD, quote -> EnclaveInfo JSON"
"$app" --sim "$work/platform" -o "$work/enclave.info.json"
head -c 420 "$work/enclave.info.json"; echo " ..."

step "4. maat attest: the quote and EHD to maatd, the token validated and compared with the file"
"$maat" attest "$work/enclave.info.json" --endpoint "$url" --token-out "$work/token.jwt"

step "5. The service's own attestation: the enclave quote in maatd's signing certificate"
"$maat" token verify "$work/token.jwt" --endpoint "$url" --require-signer-quote \
    --trust-root "$work/platform/root-ca.pem" --collateral "$work/platform" |
    sed -n '1,/^claims:/p' | sed '$d'

step "6. Stopping maatd"
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$pid" 2>/dev/null; then echo "demo: maatd did not stop" >&2; exit 1; fi
rc=0; wait "$pid" || rc=$?
pid=
[ $rc -eq 0 ] || { echo "demo: maatd exited with status $rc" >&2; exit 1; }
echo "maatd stopped (exit 0)"
echo
echo "demo: the whole flow passed in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
