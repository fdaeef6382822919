#!/usr/bin/env bash
# test_sign.sh - `maat sign` and `maat jwt decode`: create-cert (RSA and P-256, encrypted
# key via --password-env), signed and unsigned policy JWS that verify and decode back to the
# exact text, MAA's policy hash of the minimal SDK policy (maa.md 4) and the token hash of
# the recorded unsigned PUT, certificate JWS shape, tampering, the recorded request JWS
# bodies of maa-recordings (policy/ and certificates/) under their own x5c, a JWS in the seed
# maa.signing.tool's non-JSON form, and malformed tokens (part and offset named).
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
V="${MAAT_VECTORS:-../shared/vectors}"
R="$V/maa-recordings"
need maat
if [ ! -d "$R/policy" ]; then echo "*** SKIPPED: vectors not found at $R (set MAAT_VECTORS) ***"; exit 77; fi
for tool in python3 openssl; do command -v $tool >/dev/null || { echo "SKIPPED: $tool needed"; exit 77; }; done
tmpdir cli-sign
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
b64url() { python3 -c "import base64,sys; print(base64.urlsafe_b64encode(sys.stdin.buffer.read()).decode().rstrip('='), end='')"; }
MIN='version=1.0; authorizationrules{=> permit();}; issuancerules{};'
MIN_HASH=z0FRjKS0ssQTNur1V6BV8WIrh9M3fzgTo0EfHRvapWU   # maa.md 4, recorded
printf '%s' "$MIN" >"$T/min.txt"
cp "$V/azure-samples/policies/add.custom.claim.txt" "$T/custom.txt" 2>/dev/null ||
    printf 'version=1.0;\nauthorizationrules\n{\n=> permit();\n};\n' >"$T/custom.txt"

# ---- create-cert ----
"$MAAT" sign create-cert --key-out "$T/rsa.key" --cert-out "$T/rsa.pem" --subject "CN=Test Signer, O=maat" \
    --days 30 >"$T/cc.out" 2>&1
check "create-cert rsa2048: exit 0" [ $? -eq 0 ]
check "create-cert says how to upload" grep -q -- "--policy-signer $T/rsa.pem" "$T/cc.out"
check "key file mode 0600" [ "$(stat -c %a "$T/rsa.key")" = 600 ]
openssl x509 -in "$T/rsa.pem" -noout -text >"$T/rsa.txt" 2>&1
check "cert: RSA 2048" grep -q "Public-Key: (2048 bit)" "$T/rsa.txt"
check "cert: subject" grep -q "Subject: CN = Test Signer, O = maat" "$T/rsa.txt"
check "cert: self-signed" grep -q "Issuer: CN = Test Signer, O = maat" "$T/rsa.txt"
check "cert: CA:TRUE critical" grep -A1 "Basic Constraints: critical" "$T/rsa.txt" | grep -q "CA:TRUE"
check "cert: sha256WithRSA" grep -q "sha256WithRSAEncryption" "$T/rsa.txt"
days=$(python3 - "$T/rsa.pem" <<'PY'
import sys, datetime
from cryptography import x509
c = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
a = getattr(c, "not_valid_after_utc", None) or c.not_valid_after
b = getattr(c, "not_valid_before_utc", None) or c.not_valid_before
print((a - b).days)
PY
)
check "cert: --days 30 -> 30 days ($days)" [ "$days" = 30 ]
check "key matches cert" [ "$(openssl pkey -in "$T/rsa.key" -pubout 2>/dev/null | openssl sha256)" = \
                            "$(openssl x509 -in "$T/rsa.pem" -pubkey -noout | openssl sha256)" ]
"$MAAT" sign create-cert --key-out "$T/rsa.key" --cert-out "$T/x.pem" >/dev/null 2>&1
check "create-cert refuses to overwrite a key" [ $? -ne 0 ]
check "existing key untouched" openssl pkey -in "$T/rsa.key" -noout

export MAAT_TEST_PW='correct horse battery'
"$MAAT" sign create-cert --key-out "$T/ec.key" --cert-out "$T/ec.pem" --alg p256 --encrypt-key \
    --password-env MAAT_TEST_PW >"$T/cc2.out" 2>&1
check "create-cert p256 encrypted: exit 0" [ $? -eq 0 ]
check "encrypted key is ENCRYPTED PRIVATE KEY" grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$T/ec.key"
check "password never printed" bash -c "! grep -q 'correct horse' '$T/cc2.out'"
check "encrypted key opens with the password (openssl)" \
    openssl pkey -in "$T/ec.key" -passin env:MAAT_TEST_PW -noout
check "cert: P-256" bash -c "openssl x509 -in '$T/ec.pem' -noout -text | grep -q 'NIST CURVE: P-256'"
"$MAAT" sign create-cert --key-out "$T/e2.key" --cert-out "$T/e2.pem" --encrypt-key \
    --password-env MAAT_NO_SUCH_VAR_X >/dev/null 2>&1
check "--password-env of an unset variable: refused" [ $? -eq 2 ]
check "no key written then" [ ! -e "$T/e2.key" ]

# ---- sign policy: signed (RSA), verify, decode back ----
"$MAAT" sign policy "$T/min.txt" --key "$T/rsa.key" --cert "$T/rsa.pem" -o "$T/p.jws" 2>"$T/sp.err"
check "sign policy (RS256): exit 0" [ $? -eq 0 ]
check "sign policy prints the policy hash $MIN_HASH" grep -q "x-ms-policy-hash): $MIN_HASH" "$T/sp.err"
"$MAAT" jwt decode "$T/p.jws" --cert "$T/rsa.pem" --json >"$T/p.json"
check "jwt decode --cert: exit 0" [ $? -eq 0 ]
check "signature valid" [ "$(jget "$T/p.json" 'd["signature"]["valid"]')" = True ]
check "header = {alg RS256, x5c [cert]} only" [ "$(jget "$T/p.json" 'sorted(d["header"])')" = "['alg', 'x5c']" ]
check "header alg RS256" [ "$(jget "$T/p.json" 'd["header"]["alg"]')" = RS256 ]
der=$(openssl x509 -in "$T/rsa.pem" -outform DER | base64 -w0)
check "x5c[0] = the certificate DER" [ "$(jget "$T/p.json" 'd["header"]["x5c"][0]')" = "$der" ]
check "payload has AttestationPolicy and iat" [ "$(jget "$T/p.json" 'list(d["payload"])')" = "['AttestationPolicy', 'iat']" ]
check "iat is the signing time (integer, within 120 s of now)" \
    [ "$(jget "$T/p.json" 'type(d["payload"]["iat"]).__name__+str(abs(d["payload"]["iat"]-'"$(date +%s)"')<=120)')" = intTrue ]
"$MAAT" sign policy "$T/min.txt" --key "$T/rsa.key" --cert "$T/rsa.pem" --no-iat -o "$T/p0.jws" 2>/dev/null
check "--no-iat: payload has only AttestationPolicy (MAA's SDK form)" \
    [ "$("$MAAT" jwt decode "$T/p0.jws" --json | python3 -c 'import json,sys; print(list(json.load(sys.stdin)["payload"]))')" = "['AttestationPolicy']" ]
back=$(jget "$T/p.json" '__import__("base64").urlsafe_b64decode(d["payload"]["AttestationPolicy"]+"==").decode()')
check "AttestationPolicy decodes to the exact text" [ "$back" = "$MIN" ]
check "decode prints policy hash $MIN_HASH" [ "$(jget "$T/p.json" 'd["policy"]["hash"]')" = "$MIN_HASH" ]
check "decode shows policy text" [ "$(jget "$T/p.json" 'd["policy"]["text"]')" = "$MIN" ]
# independent check of the signature (python cryptography)
python3 - "$T/p.jws" "$T/rsa.pem" <<'PY' && ok "RS256 signature verifies with python cryptography" || bad "python verify"
import base64, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
h, p, s = open(sys.argv[1]).read().strip().split(".")
k = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read()).public_key()
k.verify(base64.urlsafe_b64decode(s + "=="), f"{h}.{p}".encode(), padding.PKCS1v15(), hashes.SHA256())
PY
"$MAAT" jwt decode "$T/p.jws" --cert "$T/ec.pem" >/dev/null 2>&1
check "verify with the wrong certificate: exit 1" [ $? -eq 1 ]
"$MAAT" jwt decode "$T/p.jws" --key "$T/rsa.key" >/dev/null 2>&1
check "verify with --key (private key's public half): exit 0" [ $? -eq 0 ]

# multi-line policy with quotes keeps exact bytes
"$MAAT" sign policy "$T/custom.txt" --key "$T/rsa.key" --cert "$T/rsa.pem" -o "$T/c.jws" 2>/dev/null
"$MAAT" jwt decode "$T/c.jws" --json >"$T/c.json"
python3 - "$T/c.json" "$T/custom.txt" <<'PY' && ok "multi-line policy round-trips byte for byte" || bad "multi-line round trip"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["policy"]["text"].encode() == open(sys.argv[2], "rb").read()
assert d["signature"]["valid"] and not d["signature"]["trusted_key"]
PY

# ---- P-256 (ES256) with the encrypted key ----
"$MAAT" sign policy "$T/min.txt" --key "$T/ec.key" --cert "$T/ec.pem" --password-env MAAT_TEST_PW -o "$T/e.jws" 2>/dev/null
check "sign policy with encrypted P-256 key: exit 0" [ $? -eq 0 ]
"$MAAT" jwt decode "$T/e.jws" --cert "$T/ec.pem" --json >"$T/e.json"
check "ES256 verifies" [ "$(jget "$T/e.json" 'd["header"]["alg"]+str(d["signature"]["valid"])')" = ES256True ]
MAAT_TEST_PW=wrong "$MAAT" sign policy "$T/min.txt" --key "$T/ec.key" --cert "$T/ec.pem" --password-env MAAT_TEST_PW \
    >/dev/null 2>"$T/wp.err"
check "wrong password: exit 3" [ $? -eq 3 ]
check "wrong password: says so" grep -q "wrong password" "$T/wp.err"
if command -v setsid >/dev/null; then  # a new session has no controlling terminal: no prompt
    setsid -w "$MAAT" sign policy "$T/min.txt" --key "$T/ec.key" --cert "$T/ec.pem" </dev/null >/dev/null 2>"$T/np.err"
    check "encrypted key without a terminal: refused, suggests --password-env" grep -q -- "--password-env" "$T/np.err"
else
    echo "skip - setsid missing: the no-terminal case is not tested"
fi
"$MAAT" sign policy "$T/min.txt" --key "$T/rsa.key" --cert "$T/ec.pem" >/dev/null 2>"$T/mm.err"
check "key/cert mismatch: refused" grep -q "does not belong" "$T/mm.err"

# ---- unsigned ----
"$MAAT" sign policy "$T/min.txt" --unsigned -o "$T/u.jws" 2>"$T/u.err"
check "unsigned: header {\"alg\":\"none\"}, empty signature" \
    [ "$(cut -d. -f1 "$T/u.jws"):$(cut -d. -f3 "$T/u.jws")" = "eyJhbGciOiJub25lIn0:" ]
# The recorded unsigned PUT had this exact body: MAA's x-ms-policy-token-hash for it.
check "unsigned token hash = recorded x-ms-policy-token-hash" grep -q "c6sEJQItV50OeP9IrP_bzywAMOVvj5uDPbklA_bwdYQ" "$T/u.err"
rec=$(jget "$R/policy/sgx-aad-unsigned-1-put.request.json" 'd.get("body_text") or d["body"]')
check "unsigned JWS = the recorded SDK request byte for byte" [ "$(cat "$T/u.jws")" = "$rec" ]
"$MAAT" jwt decode "$T/u.jws" >"$T/u.out"
check "decode alg none: exit 0" [ $? -eq 0 ]
check "decode alg none says unsigned" grep -q 'signature: none' "$T/u.out"
"$MAAT" jwt decode "$T/u.jws" --cert "$T/rsa.pem" >/dev/null 2>&1
check "alg none with --cert: exit 1" [ $? -eq 1 ]

# ---- policy check ----
printf 'version=1.0;\nauthorizationrules\n{\n[ => permit();\n};' >"$T/bad.txt"
"$MAAT" sign policy "$T/bad.txt" --unsigned >/dev/null 2>"$T/bad.err"
check "invalid policy: exit 3" [ $? -eq 3 ]
check "invalid policy: FILE:4:3 PolicyParsingError" grep -q "bad.txt:4:3: PolicyParsingError" "$T/bad.err"
"$MAAT" sign policy "$T/bad.txt" --unsigned --no-check >/dev/null 2>&1
check "--no-check signs it anyway" [ $? -eq 0 ]

# ---- sign cert ----
"$MAAT" sign cert "$T/ec.pem" --key "$T/rsa.key" --cert "$T/rsa.pem" -o "$T/cert.jws" 2>"$T/sc.err"
check "sign cert: exit 0" [ $? -eq 0 ]
"$MAAT" jwt decode "$T/cert.jws" --cert "$T/rsa.pem" --json >"$T/cert.json"
check "cert JWS verifies" [ "$(jget "$T/cert.json" 'd["signature"]["valid"]')" = True ]
ecder=$(openssl x509 -in "$T/ec.pem" -outform DER | base64 -w0)
check "payload {policyCertificate: {kty, x5c:[cert]}}" \
    [ "$(jget "$T/cert.json" 'list(d["payload"])+sorted(d["payload"]["policyCertificate"])')" = "['policyCertificate', 'iat', 'kty', 'x5c']" ]
check "cert JWS: iat is the signing time" [ "$(jget "$T/cert.json" 'str(abs(d["payload"]["iat"]-'"$(date +%s)"')<=120)')" = True ]
"$MAAT" sign cert "$T/ec.pem" --key "$T/rsa.key" --cert "$T/rsa.pem" --no-iat -o "$T/cert0.jws" 2>/dev/null
check "sign cert --no-iat: payload has only policyCertificate" \
    [ "$("$MAAT" jwt decode "$T/cert0.jws" --json | python3 -c 'import json,sys; print(list(json.load(sys.stdin)["payload"]))')" = "['policyCertificate']" ]
check "policyCertificate.x5c[0] = the certificate" [ "$(jget "$T/cert.json" 'd["payload"]["policyCertificate"]["x5c"][0]')" = "$ecder" ]
"$MAAT" sign cert "$T/rsa.pem" --key "$T/rsa.key" --cert "$T/rsa.pem" -o "$T/cert2.jws" 2>/dev/null
check "RSA certificate: kty RSA" [ "$("$MAAT" jwt decode "$T/cert2.jws" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"]["policyCertificate"]["kty"])')" = RSA ]
tp=$(openssl x509 -in "$T/ec.pem" -outform DER | openssl sha1 -binary | xxd -p -u 2>/dev/null || true)
[ -z "$tp" ] && tp=$(openssl x509 -in "$T/ec.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
check "sign cert prints the uppercase SHA-1 thumbprint" grep -q "$tp" "$T/sc.err"

# ---- tamper ----
python3 - "$T/p.jws" "$T/t.jws" <<'PY'
import base64, json, sys
h, p, s = open(sys.argv[1]).read().strip().split(".")
b = lambda x: base64.urlsafe_b64encode(x).decode().rstrip("=")
pol = b(b"version=1.0; authorizationrules{=> deny();}; issuancerules{};")
open(sys.argv[2], "w").write(h + "." + b(json.dumps({"AttestationPolicy": pol}).encode()) + "." + s)
PY
"$MAAT" jwt decode "$T/t.jws" --cert "$T/rsa.pem" >"$T/t.out" 2>&1
check "tampered payload: exit 1" [ $? -eq 1 ]
check "tampered payload: says INVALID" grep -q "signature: INVALID" "$T/t.out"
"$MAAT" jwt decode "$T/t.jws" >"$T/t2.out" 2>&1
check "tampered, own x5c: exit 1" [ $? -eq 1 ]

# ---- recorded request JWS bodies (policy PUT/reset, certificates add/remove) ----
n=0
for f in "$R"/policy/*.request.json "$R"/certificates/*.request.json; do
    body=$(jget "$f" 'd.get("body_text") or ""')
    [ -n "$body" ] || continue
    name=$(basename "$f" .request.json)
    printf '%s' "$body" >"$T/$name.body"
    "$MAAT" jwt decode "$T/$name.body" --json >"$T/$name.dec" 2>"$T/$name.err"
    rc=$?
    alg=$(jget "$T/$name.dec" 'd["header"]["alg"]' 2>/dev/null)
    if [ "$alg" = none ]; then
        [ $rc -eq 0 ] && ok "$name: alg none decodes" || bad "$name: rc $rc"
    else
        valid=$(jget "$T/$name.dec" 'd["signature"]["valid"]' 2>/dev/null)
        [ $rc -eq 0 ] && [ "$valid" = True ] && ok "$name: RS256 verifies under its own x5c" || bad "$name: rc $rc valid $valid"
        # and with that certificate given explicitly
        jget "$T/$name.dec" '"-----BEGIN CERTIFICATE-----\n"+d["header"]["x5c"][0]+"\n-----END CERTIFICATE-----"' >"$T/$name.pem"
        "$MAAT" jwt decode "$T/$name.body" --cert "$T/$name.pem" >/dev/null 2>&1 || bad "$name: --cert"
    fi
    n=$((n + 1))
done
check "9 recorded request bodies decoded ($n)" [ $n -eq 9 ]
check "recorded PUT: policy text and hash" \
    [ "$(jget "$T/sgx-aad-signed-1-put.dec" 'd["policy"]["text"]+"|"+d["policy"]["hash"]')" = "$MIN|$MIN_HASH" ]
check "recorded PUT: token hash = recorded x-ms-policy-token-hash" \
    [ "$(jget "$T/sgx-aad-signed-1-put.dec" 'd["token_hash"]')" = 1bC69aOOjxtyLJbwwS91L2BjX2JCkM-Njkkl9wsjKYw ]
check "recorded reset: empty payload" [ "$(jget "$T/sgx-aad-signed-3-reset.dec" 'd["payload_text"]')" = "" ]
check "recorded certificates:add (JSON string literal body): thumbprint 7B5DB6..." \
    [ "$(jget "$T/add-isolated-1-add.dec" 'd["policyCertificate_x5c"][0]["sha1_thumbprint"]')" = 7B5DB611BD249175A8E1DCE708164125D57FB66C ]
check "recorded signer CN=TestSetPolicyCertificate" \
    [ "$(jget "$T/sgx-aad-signed-1-put.dec" 'd["header_x5c"][0]["subject"]')" = "CN=TestSetPolicyCertificate" ]
# A recorded response token: the stored policy JWS inside x-ms-policy is shown
jget "$R/policy/sgx-aad-signed-2-get.response.json" 'json.dumps(d["body"])' >"$T/get.resp"
"$MAAT" jwt decode "$T/get.resp" >"$T/get.out"
check "response {\"token\"}: nested x-ms-policy decoded" grep -q "x-ms-policy (the stored policy JWS, alg RS256" "$T/get.out"
check "response: nested policy hash" grep -q "$MIN_HASH" "$T/get.out"
jget "$R/metadata/certs-aad.response.json" 'json.dumps(d["body"])' >"$T/certs-aad.json"
"$MAAT" jwt decode "$T/get.resp" --jwks "$T/certs-aad.json" >"$T/get2.out" 2>&1
check "response token verifies with --jwks by kid" grep -q "signature: valid (RS256, key: JWKS" "$T/get2.out"
"$MAAT" jwt decode "$V/azure-samples/maa-signing-cert/sev-snp-token.jwt" >/dev/null 2>&1
check "SEV-SNP sample token decodes (not checked)" [ $? -eq 0 ]

# ---- the seed maa.signing.tool's format without -w ----
python3 - "$T" "$T/rsa.key" <<'PY'
import base64, json, subprocess, sys
t = sys.argv[1]
b = lambda x: base64.urlsafe_b64encode(x).decode().rstrip("=")
pol = open(t + "/custom.txt").read()
# JwtUtils.GenerateSignedPolicyJsonWebToken (useMaaPreviewApiVersion false)
q = '"' + pol.replace("\n", "\\n").replace("\r", "\\r").replace('"', '\\"') + '"'
body = '{"AttestationPolicy":' + b(q.encode()) + '}'
der = subprocess.run(["openssl", "x509", "-in", t + "/rsa.pem", "-outform", "DER"], capture_output=True).stdout
hdr = '{ "alg":"RS256", "x5c": ["' + base64.b64encode(der).decode() + '"]}'
si = b(hdr.encode()) + "." + b(body.encode())
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", sys.argv[2]], input=si.encode(), capture_output=True).stdout
open(t + "/seed.jws", "w").write(si + "." + b(sig))
# and with -w (preview): the raw text, JSON-escaped and quoted
body = '{"AttestationPolicy":' + q + '}'
si = b(hdr.encode()) + "." + b(body.encode())
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", sys.argv[2]], input=si.encode(), capture_output=True).stdout
open(t + "/seedw.jws", "w").write(si + "." + b(sig))
PY
"$MAAT" jwt decode "$T/seed.jws" --cert "$T/rsa.pem" >"$T/seed.out" 2>"$T/seed.err"
check "seed-tool JWS: exit 1 (payload not JSON)" [ $? -eq 1 ]
check "seed-tool JWS: says the payload is not valid JSON" grep -q "PAYLOAD NOT VALID JSON" "$T/seed.out"
check "seed-tool JWS: says why (value not quoted, tool without -w)" grep -q 'value of "AttestationPolicy" is not quoted.*without -w' "$T/seed.err"
check "seed-tool JWS: signature still checked (valid)" grep -q "^signature: valid" "$T/seed.out"
check "seed-tool JWS: the policy text is recovered" grep -q "issue(type=\"SecurityLevelValue\", value=100);" "$T/seed.out"
"$MAAT" jwt decode "$T/seed.jws" --json >"$T/seed.json" 2>/dev/null
python3 - "$T/seed.json" "$T/custom.txt" <<'PY' && ok "seed-tool JWS: --json payload null, form seed-tool-unquoted, exact text" || bad "seed json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["payload"] is None and "not quoted" in d["payload_error"]
assert d["policy"]["form"] == "seed-tool-unquoted"
assert d["policy"]["text"] == open(sys.argv[2]).read()
PY
"$MAAT" jwt decode "$T/seedw.jws" --cert "$T/rsa.pem" --json >"$T/seedw.json"
check "seed-tool -w JWS: valid JSON, raw-text form" [ "$(jget "$T/seedw.json" 'd["policy"]["form"]+str(d["signature"]["valid"])')" = rawTrue ]

# ---- malformed tokens: the part and the offset ----
"$MAAT" jwt decode 'eyJhbGciOiJub25lIn0.eyJhIjox*.' >/dev/null 2>"$T/m1.err"
check "bad base64url: exit 3" [ $? -eq 3 ]
check "bad base64url: names payload and offset 28" grep -q "payload: invalid base64url character 0x2a at offset 28" "$T/m1.err"
"$MAAT" jwt decode 'eyJhbGciOiJub25lIn0.e30' >/dev/null 2>"$T/m2.err"
check "one dot: second '.' not found" grep -q "second '.' not found" "$T/m2.err"
printf '"%s"' "$(cat "$T/u.jws")" >"$T/lit.json"
"$MAAT" jwt decode "$T/lit.json" >/dev/null
check "JSON string literal input" [ $? -eq 0 ]
printf '%s' "$(cat "$T/u.jws")" | "$MAAT" jwt decode - >/dev/null
check "stdin input" [ $? -eq 0 ]
"$MAAT" jwt decode "$(cat "$T/u.jws")" >/dev/null
check "token text as the argument" [ $? -eq 0 ]

echo "$fails failure(s)"
[ $fails -eq 0 ]
