#!/usr/bin/env bash
# test_maatd_signer_jwk_labels.sh - issue 12 item 15, "EC and PS256 signers labelled
# correctly": maatd labelled every policy signer kty RSA, alg RS256. An isolated maatd
# with an RSA, an EC P-256 and an RSA-PSS signer must label them from the certificate's key
# in GET /certificates (RSA: kty RSA alg RS256; EC: kty EC crv P-256 alg ES256; RSA-PSS:
# kty RSA alg PS256), and a policy set signed by the EC signer must answer with an
# x-ms-policy-signer of kty EC, crv P-256, alg ES256 (and the RSA signer's with RS256);
# the attestation token then names the EC signer (kty EC, crv P-256), also after a restart.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
for tool in curl python3 openssl; do command -v $tool >/dev/null || { echo "SKIPPED: $tool needed"; exit 77; }; done
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-signer-jwk-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; sleep 0.2; rm -rf "$T"; }
trap cleanup EXIT
fails=0
. "$(dirname "$0")/../lib/maatd.sh"
API="?api-version=2022-08-01"

"$MAAT" sign create-cert --key-out "$T/a.key" --cert-out "$T/a.pem" --subject "CN=Signer RSA" >/dev/null || exit 1
"$MAAT" sign create-cert --key-out "$T/e.key" --cert-out "$T/e.pem" --subject "CN=Signer EC" --alg p256 >/dev/null || exit 1
openssl req -x509 -newkey rsa-pss -pkeyopt rsa_keygen_bits:2048 -sigopt rsa_padding_mode:pss -sha256 \
    -keyout "$T/p.key" -out "$T/p.pem" -subj "/CN=Signer PSS" -nodes -days 30 >/dev/null 2>&1 \
    || { echo "SKIPPED: openssl cannot make an RSA-PSS certificate"; exit 77; }
"$MAAT" sim init "$T/sim" >/dev/null || exit 1
maatd_start iso --store "$T/iso.db" --sim "$T/sim" --mode isolated --policy-signer "$T/a.pem" || exit 1
I=$URL_iso
for c in e p; do
    "$MAAT" sign cert "$T/$c.pem" --key "$T/a.key" --cert "$T/a.pem" -o "$T/add-$c.jws" >/dev/null 2>&1 || bad "sign cert $c"
    st=$(curl -s -m 20 -o "$T/add-$c.out" -w '%{http_code}' -X POST -H 'Content-Type: text/plain' \
         --data-binary "@$T/add-$c.jws" "$I/certificates:add$API")
    [ "$st" = 200 ] && ok "certificates:add $c.pem: 200" || bad "certificates:add $c.pem: $st $(head -c 300 "$T/add-$c.out")"
done

# labels FILE: "subject kty crv alg use" per key of x-ms-policy-certificates, sorted
labels() {
    python3 - "$1" "$T" <<'PY'
import base64, json, subprocess, sys
tok = json.load(open(sys.argv[1]))["token"]
seg = tok.split(".")[1]
p = json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))
rows = []
for k in p["x-ms-policy-certificates"]["keys"]:
    der = base64.b64decode(k["x5c"][0])
    subj = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject", "-nameopt", "oneline"],
                          input=der, capture_output=True).stdout.decode().strip()
    rows.append("%s|%s|%s|%s|%s|%s" % (subj.split("CN = ")[-1], k.get("kty"), k.get("crv"), k.get("alg"),
                                       k.get("use"), ",".join(sorted(k))))
print("\n".join(sorted(rows)))
PY
}
st=$(curl -s -m 20 -o "$T/list.json" -w '%{http_code}' "$I/certificates$API")
[ "$st" = 200 ] && ok "GET /certificates: 200" || bad "GET /certificates: $st $(head -c 300 "$T/list.json")"
got=$(labels "$T/list.json")
want="Signer EC|EC|P-256|ES256|sig|alg,crv,kty,use,x5c
Signer PSS|RSA|None|PS256|sig|alg,kty,use,x5c
Signer RSA|RSA|None|RS256|sig|alg,kty,use,x5c"
[ "$got" = "$want" ] && ok "GET /certificates labels each signer from its key (RS256, ES256 P-256, PS256)" \
    || bad "labels: got
$got
want
$want"

# a policy set signed by the RSA signer (RS256), then by the EC one (ES256)
printf 'version=1.0;authorizationrules{=> permit();};issuancerules{};' >"$T/pol.txt"
signer_of() {
    python3 - "$1" <<'PY'
import base64, json, sys
tok = json.load(open(sys.argv[1]))["token"]
seg = tok.split(".")[1]
s = json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))["x-ms-policy-signer"]
print("%s|%s|%s|%s" % (s.get("kty"), s.get("crv"), s.get("alg"), s.get("use")))
PY
}
for c in a:RSA\|None\|RS256\|sig e:EC\|P-256\|ES256\|sig; do
    k=${c%%:*} want=${c#*:}
    "$MAAT" sign policy "$T/pol.txt" --key "$T/$k.key" --cert "$T/$k.pem" -o "$T/pol-$k.jws" >/dev/null 2>&1 || bad "sign policy $k"
    st=$(curl -s -m 20 -o "$T/set-$k.json" -w '%{http_code}' -X PUT -H 'Content-Type: text/plain' \
         --data-binary "@$T/pol-$k.jws" "$I/policies/SgxEnclave$API")
    if [ "$st" != 200 ]; then bad "policy set by $k: $st $(head -c 300 "$T/set-$k.json")"; continue; fi
    got=$(signer_of "$T/set-$k.json")
    [ "$got" = "$want" ] && ok "policy set by $k.pem: x-ms-policy-signer $got" || bad "policy set by $k: signer $got, want $want"
done

# the attestation token's x-ms-policy-signer (the policy's stored signer): set via PUT, and
# after a restart (read back from the store)
"$MAAT" sim quote "$T/sim" -o "$T/q.bin" >/dev/null || exit 1
python3 -c "import base64,json,sys; print(json.dumps({'quote': base64.urlsafe_b64encode(open(sys.argv[1],'rb').read()).decode().rstrip('=')}))" "$T/q.bin" >"$T/att.json"
attest_signer() {
    st=$(curl -s -m 30 -o "$T/att-$1.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
         --data-binary "@$T/att.json" "$2/attest/SgxEnclave$API")
    [ "$st" = 200 ] || { echo "status $st $(head -c 300 "$T/att-$1.json")"; return; }
    python3 - "$T/att-$1.json" <<'PY'
import base64, json, sys
tok = json.load(open(sys.argv[1]))["token"]
seg = tok.split(".")[1]
s = json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))).get("x-ms-policy-signer", {})
print("%s|%s" % (s.get("kty"), s.get("crv")))
PY
}
got=$(attest_signer live "$I")
[ "$got" = "EC|P-256" ] && ok "attestation token: x-ms-policy-signer kty EC, crv P-256" || bad "attest signer: $got"
maatd_stop iso
maatd_start iso2 --store "$T/iso.db" --sim "$T/sim" --mode isolated --policy-signer "$T/a.pem" || exit 1
got=$(attest_signer restarted "$URL_iso2")
[ "$got" = "EC|P-256" ] && ok "after a restart (policy from the store): kty EC, crv P-256" || bad "attest signer after restart: $got"

[ "$fails" -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
