# azure/azure_env.sh - what the three @azure/attestation tests (test_azure_sdk.sh,
# test_azure_admin.sh, test_azure_replicas.sh) share, written once. A test does:
#
#   set -u
#   . "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/azure/azure_env.sh"
#   azure_env NAME           # skip (77) without node/npm/openssl/node_modules; T, PIDS, maatd.sh
#   azure_signers "LABEL"    # $T/s1.{key,pem}, $T/s2.{key,pem} from `maat sign create-cert`
#   azure_tls_pki "LABEL"    # $T/ca.pem (for NODE_EXTRA_CA_CERTS), $T/srv.{pem,key} for 127.0.0.1
#
# It sets src (the source tree), azure (tests/compat/azure), bin (the built programs),
# MAATD, T (a fresh directory named after the test) and PIDS=(), and sources tests/lib/maatd.sh.
# The caller installs its own exit trap (it may have more to stop than maatd).

azure_env() {
  local name=$1
  src=${MAAT_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
  azure=$src/tests/compat/azure
  bin=${MAAT_BIN:-$src/build/bin}
  skip() {
    echo "*** SKIPPED compat_$name: $* ***"
    exit 77
  }
  command -v node >/dev/null 2>&1 || skip "node is not installed (scripts/install-deps.sh installs it)"
  command -v npm >/dev/null 2>&1 || skip "npm is not installed (scripts/install-deps.sh installs it)"
  command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
  [ -f "$azure/node_modules/@azure/attestation/package.json" ] ||
    skip "$azure/node_modules is missing: run 'npm ci --prefix tests/compat/azure --no-audit --no-fund'"
  [ -x "$bin/maat" ] && [ -x "$bin/maatd" ] || { echo "FAIL: $bin/maat or $bin/maatd is not built" >&2; exit 1; }
  T=$(mktemp -d "${TMPDIR:-/tmp}/maat-${name//_/-}.XXXXXX")
  PIDS=()
  MAATD=$bin/maatd
  . "$src/tests/lib/maatd.sh"
}

# azure_signers LABEL: two policy signers (RSA-2048 keys + self-signed CA certificates)
azure_signers() {
  local i
  for i in 1 2; do
    "$bin/maat" sign create-cert --key-out "$T/s$i.key" --cert-out "$T/s$i.pem" \
      --subject "CN=maat $1 signer $i, O=maat tests" --days 2 >/dev/null 2>"$T/s$i.err" ||
      { echo "FAIL: maat sign create-cert $i:"; cat "$T/s$i.err"; exit 1; }
  done
}

# azure_tls_pki LABEL: a throwaway CA and a server certificate for IP 127.0.0.1 (the SDK's
# bearer policy refuses http://, so the admin tests run over TLS)
azure_tls_pki() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" -days 2 \
    -subj "/CN=maat $1 test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null &&
  openssl req -newkey rsa:2048 -nodes -keyout "$T/srv.key" -out "$T/srv.csr" -subj "/CN=127.0.0.1" 2>/dev/null &&
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$T/ext" &&
  openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
    -extfile "$T/ext" -out "$T/srv.pem" 2>/dev/null || { echo "FAIL: openssl could not make the test PKI"; exit 1; }
}

# start NAME ARGS... / stop NAME: tests/lib/maatd.sh with two worker threads; a start
# failure ends the test, and a maatd that needs SIGKILL counts as a failure (fails)
fails=0
start() { local name=$1; shift; maatd_start "$name" --threads 2 "$@" || { echo "FAIL: maatd $name did not start"; exit 1; }; }
stop() {
  maatd_stop "$1"
  [ "$STOP_RC" = 137 ] && { echo "FAIL: maatd $1 ignored SIGTERM"; fails=$((fails + 1)); }
  return 0
}
