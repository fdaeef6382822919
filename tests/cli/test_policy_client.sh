#!/usr/bin/env bash
# test_policy_client.sh - `maat policy get|set|reset` and `maat cert list|add|remove`:
# (1) against a loopback stub: request shapes (PUT text/plain = the JWS, reset body, cert
#     bodies as JSON string literals, bearer header, api-version), MAA error bodies printed as
#     "CODE: message", non-MAA errors, a wrong x-ms-policy-token-hash, unsigned response
#     tokens refused; (2) end to end against real maatd processes (--mode aad and
#     --mode isolated). When maatd answers the policy routes with 501 NotImplemented (policy
#     management not built in yet), part 2 is SKIPPED (exit 77) loudly.
# No network beyond 127.0.0.1; every wait is bounded.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
need maat
for tool in python3 curl openssl; do command -v $tool >/dev/null || { echo "SKIPPED: $tool needed"; exit 77; }; done
tmpdir cli-policy
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
MIN='version=1.0; authorizationrules{=> permit();}; issuancerules{};'
MIN_HASH=z0FRjKS0ssQTNur1V6BV8WIrh9M3fzgTo0EfHRvapWU
DEFAULT_HASH=ViVGS4BYl70X8eUrgryHg0TtbEk9WtIc6DtTBEFxaWc
printf '%s' "$MIN" >"$T/min.txt"
printf 'version=1.0;\nauthorizationrules\n{\n=> deny();\n};\n' >"$T/deny.txt"
SECRET='s3cr3t-bearer-token-value'
printf '%s\n' "$SECRET" >"$T/bearer"
"$MAAT" sign create-cert --key-out "$T/a.key" --cert-out "$T/a.pem" --subject "CN=Signer A" >/dev/null || exit 1
"$MAAT" sign create-cert --key-out "$T/b.key" --cert-out "$T/b.pem" --subject "CN=Signer B" >/dev/null || exit 1
tp_of() { openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'; }

# ---------------- part 1: a stub that records requests ----------------
cat >"$T/stub.py" <<'PY'
import base64, json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
log = sys.argv[1]
b = lambda x: base64.urlsafe_b64encode(x).decode().rstrip("=")
def token(claims):
    return b(b'{"alg":"none"}') + "." + b(json.dumps(claims).encode()) + "."
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, status, body, ctype="application/json; charset=utf-8"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        with open(log, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path, "body": body,
                                "auth": self.headers.get("Authorization"),
                                "ctype": self.headers.get("Content-Type")}) + "\n")
        p = self.path.split("?")[0]
        if p == "/policies/SgxEnclave":
            self.reply(401, {"error": {"code": "Unauthorized", "message":
                "Access to /policies/SgxEnclave requires a valid JWT bearer token"}})
        elif p == "/policies/OpenEnclave":
            self.reply(200, {"token": token({"x-ms-policy-result": "Updated",
                "x-ms-policy-token-hash": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})})
        elif p == "/policies/Tpm":
            self.reply(502, "<html>bad gateway</html>", "text/html")
        elif p == "/policies/SevSnpVm:reset":
            self.reply(200, {"token": token({"x-ms-policy-result": "Removed"})})
        elif p == "/certificates:add":
            self.reply(400, {"error": {"code": "InvalidOperation", "message": "The operation is disallowed",
                "innererror": {"code": "InvalidOperation", "message": "GetPolicyRootCertificates().empty()"}}})
        else:
            self.reply(404, {"error": {"code": "NotFound", "message": "no route " + p}})
    do_GET = do_PUT = do_POST = handle_any
s = HTTPServer(("127.0.0.1", 0), H)
print("http://127.0.0.1:%d" % s.server_port, flush=True)
s.serve_forever()
PY
python3 "$T/stub.py" "$T/stub.log" >"$T/stub.url" 2>"$T/stub.err" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$T/stub.url" ] && break; sleep 0.1; done
S=$(head -n1 "$T/stub.url")
[ -n "$S" ] || { echo "stub did not start"; cat "$T/stub.err"; exit 1; }
last() { tail -n1 "$T/stub.log" >"$T/last.json"; jget "$T/last.json" "$1"; }

"$MAAT" policy set SgxEnclave --endpoint "$S/" --bearer-token-file "$T/bearer" --policy "$T/min.txt" \
    --key "$T/a.key" --cert "$T/a.pem" >"$T/s1.out" 2>"$T/s1.err"
check "401: exit 1" [ $? -eq 1 ]
check "401 printed as CODE: message" grep -qx "Unauthorized: Access to /policies/SgxEnclave requires a valid JWT bearer token" "$T/s1.err"
check "PUT /policies/SgxEnclave?api-version=2020-10-01" [ "$(last 'd["method"]+" "+d["path"]')" = "PUT /policies/SgxEnclave?api-version=2020-10-01" ]
check "Content-Type text/plain" [ "$(last 'd["ctype"]')" = text/plain ]
check "Authorization: Bearer <token file, trimmed>" [ "$(last 'd["auth"]')" = "Bearer $SECRET" ]
check "bearer token never printed" bash -c "! grep -q '$SECRET' '$T/s1.out' '$T/s1.err'"
last 'd["body"]' >"$T/sent.jws"
"$MAAT" jwt decode "$T/sent.jws" --cert "$T/a.pem" --json >"$T/sent.json"
check "body = compact JWS signed by the key, AttestationPolicy = the text" \
    [ "$(jget "$T/sent.json" 'str(d["signature"]["valid"])+d["policy"]["text"]')" = "True$MIN" ]

export MAAT_TEST_BEARER="$SECRET"
"$MAAT" policy set OpenEnclave --endpoint "$S" --bearer-token-env MAAT_TEST_BEARER --unsigned-policy "$T/min.txt" \
    --api-version 2022-08-01 >"$T/s2.out" 2>"$T/s2.err"
check "unsigned response token refused: exit 1" [ $? -eq 1 ]
check "unsigned response token: says so" grep -q "unsigned (alg none)" "$T/s2.err"
check "--api-version 2022-08-01 used" [ "$(last 'd["path"]')" = "/policies/OpenEnclave?api-version=2022-08-01" ]
check "--bearer-token-env used" [ "$(last 'd["auth"]')" = "Bearer $SECRET" ]
check "unsigned body = the recorded SDK body" [ "$(last 'd["body"]')" = \
    "$(jget "${MAAT_VECTORS:-../shared/vectors}/maa-recordings/policy/sgx-aad-unsigned-1-put.request.json" 'd["body_text"]' 2>/dev/null || last 'd["body"]')" ]
"$MAAT" policy set OpenEnclave --endpoint "$S" --unsigned-policy "$T/min.txt" --no-verify-token >"$T/s3.out" 2>"$T/s3.err"
check "wrong x-ms-policy-token-hash: exit 1" [ $? -eq 1 ]
check "wrong x-ms-policy-token-hash: MISMATCH" grep -q "MISMATCH" "$T/s3.out"
check "no bearer option: no Authorization header" [ "$(last 'd["auth"]')" = None ]
"$MAAT" policy set Tpm --endpoint "$S" --unsigned-policy "$T/min.txt" >/dev/null 2>"$T/s4.err"
check "non-MAA error: exit 1, status and body shown" bash -c "[ $? -eq 1 ] && grep -q 'HTTP 502.*not an MAA error body.*bad gateway' '$T/s4.err'"
"$MAAT" policy reset sevsnpvm --endpoint "$S" --no-verify-token >"$T/s5.out" 2>&1
check "reset (unsigned): exit 0" [ $? -eq 0 ]
check "reset: POST /policies/SevSnpVm:reset" [ "$(last 'd["method"]+" "+d["path"]')" = "POST /policies/SevSnpVm:reset?api-version=2020-10-01" ]
check "reset body exactly eyJhbGciOiJub25lIn0.." [ "$(last 'd["body"]')" = "eyJhbGciOiJub25lIn0.." ]
check "reset: x-ms-policy-result Removed" grep -q "x-ms-policy-result: Removed" "$T/s5.out"
"$MAAT" policy reset SevSnpVm --endpoint "$S" --no-verify-token --key "$T/a.key" --cert "$T/a.pem" >/dev/null 2>&1
last 'd["body"]' >"$T/reset.jws"
"$MAAT" jwt decode "$T/reset.jws" --cert "$T/a.pem" --json >"$T/reset.json"
check "signed reset: RS256 over an empty payload" [ "$(jget "$T/reset.json" 'd["header"]["alg"]+str(d["signature"]["valid"])+repr(d["payload_text"])')" = "RS256True''" ]
"$MAAT" cert add --endpoint "$S" --cert "$T/b.pem" --key "$T/a.key" --signer-cert "$T/a.pem" >/dev/null 2>"$T/c1.err"
check "cert add 400: exit 1" [ $? -eq 1 ]
check "cert add 400: InvalidOperation: message" grep -qx "InvalidOperation: The operation is disallowed" "$T/c1.err"
check "cert add 400: inner error shown" grep -q "inner InvalidOperation: GetPolicyRootCertificates().empty()" "$T/c1.err"
check "cert add: POST application/json" [ "$(last 'd["method"]+" "+d["ctype"]')" = "POST application/json" ]
python3 - "$T/last.json" "$(tp_of "$T/b.pem")" "$MAAT" "$T/a.pem" <<'PY' && ok "cert add body: a JSON string literal of the signed policyCertificate JWS" || bad "cert body"
import json, subprocess, sys
body = json.load(open(sys.argv[1]))["body"]
assert body.startswith('"eyJ') and body.endswith('"')
jws = json.loads(body)
out = subprocess.run([sys.argv[3], "jwt", "decode", jws, "--cert", sys.argv[4], "--json"], capture_output=True, text=True)
d = json.loads(out.stdout)
assert d["signature"]["valid"]
assert d["policyCertificate_x5c"][0]["sha1_thumbprint"] == sys.argv[2]
PY
"$MAAT" policy get Nonsense --endpoint "$S" >/dev/null 2>&1
check "unknown TYPE: exit 2" [ $? -eq 2 ]
"$MAAT" policy set SgxEnclave --endpoint "$S" --policy "$T/min.txt" >/dev/null 2>&1
check "--policy without --key/--cert: exit 2" [ $? -eq 2 ]
"$MAAT" policy get SgxEnclave --endpoint "http://127.0.0.1:1" >/dev/null 2>&1
check "connection refused: exit 4" [ $? -eq 4 ]

# ---------------- part 2: real maatd ----------------
if [ ! -x "$MAATD" ]; then
    echo "*** SKIPPED (part 2): $MAATD not built ***"
    [ $fails -eq 0 ] && exit 77 || exit 1
fi
"$MAAT" sim init "$T/sim" >/dev/null || { echo "sim init failed"; exit 1; }
printf 'admin-%s\n' "$SECRET" >"$T/admin"
# start NAME ARGS: maatd_start (tests/lib/maatd.sh) with a store of its own and the sim
. "$(dirname "$0")/../lib/maatd.sh"
start() { local name=$1; shift; maatd_start "$name" --store "$T/$name.db" --sim "$T/sim" "$@"; }
start aad --mode aad --admin-token-file "$T/admin" 2>/dev/null || start aad || exit 1
A=$URL_aad
code=$(curl -s -m 10 -o "$T/probe" -w '%{http_code}' "$A/policies/SgxEnclave?api-version=2020-10-01")
if [ "$code" = 501 ] || grep -q NotImplemented "$T/probe" 2>/dev/null; then
    echo "*** SKIPPED (part 2): maatd answers the policy routes with $code NotImplemented: policy management"
    echo "*** is not in this maatd yet; part 1 (stub) ran with $fails failure(s) ***"
    [ $fails -eq 0 ] && exit 77 || exit 1
fi
AB=(--endpoint "$A" --bearer-token-file "$T/admin")

# aad: default, unsigned set, signed set, resets
"$MAAT" policy get SgxEnclave "${AB[@]}" --json >"$T/g0.json"
check "aad get: exit 0, default policy hash" [ "$(jget "$T/g0.json" 'd["stored"]["policy"]["hash"]')" = "$DEFAULT_HASH" ]
check "aad get: response token verified against /certs" grep -q "signature valid" "$T/g0.json"
"$MAAT" policy set SgxEnclave "${AB[@]}" --unsigned-policy "$T/min.txt" >"$T/a1.out" 2>&1
check "aad set unsigned: exit 0" [ $? -eq 0 ]
check "aad set unsigned: Updated" grep -q "x-ms-policy-result: Updated" "$T/a1.out"
check "aad set unsigned: token hash = recorded MAA value (same body)" \
    grep -q "x-ms-policy-token-hash: c6sEJQItV50OeP9IrP_bzywAMOVvj5uDPbklA_bwdYQ (= b64url" "$T/a1.out"
check "aad set unsigned: no signer" grep -q "x-ms-policy-signer: none" "$T/a1.out"
"$MAAT" policy get SgxEnclave "${AB[@]}" >"$T/a2.out"
check "aad get after set: the text" grep -qxF "$MIN" "$T/a2.out"
check "aad get after set: hash $MIN_HASH" grep -q "$MIN_HASH" "$T/a2.out"
"$MAAT" policy set SgxEnclave "${AB[@]}" --policy "$T/deny.txt" --key "$T/a.key" --cert "$T/a.pem" --json >"$T/a3.json"
check "aad set signed: exit 0, Updated, hash matches" \
    [ "$(jget "$T/a3.json" 'd["x-ms-policy-result"]+str(d["token_hash_matches"])')" = UpdatedTrue ]
check "aad set signed: x-ms-policy-signer = CN=Signer A" [ "$(jget "$T/a3.json" 'd["x-ms-policy-signer"][0]["subject"]')" = "CN=Signer A" ]
"$MAAT" policy get SgxEnclave "${AB[@]}" --json >"$T/a4.json"
check "aad get: stored JWS signed by Signer A, text back" \
    [ "$(jget "$T/a4.json" 'd["stored"]["alg"]+"|"+d["stored"]["header_x5c"][0]["subject"]+"|"+d["stored"]["policy"]["text"]')" = \
      "RS256|CN=Signer A|$(cat "$T/deny.txt")" ]
"$MAAT" policy get OpenEnclave "${AB[@]}" --json >"$T/a5.json"
check "aad: OpenEnclave untouched (default)" [ "$(jget "$T/a5.json" 'd["stored"]["policy"]["hash"]')" = "$DEFAULT_HASH" ]
"$MAAT" policy reset SgxEnclave "${AB[@]}" --key "$T/b.key" --cert "$T/b.pem" >"$T/a6.out" 2>&1
check "aad signed reset: Removed" grep -q "x-ms-policy-result: Removed" "$T/a6.out"
"$MAAT" policy get SgxEnclave "${AB[@]}" --json >"$T/a7.json"
check "aad get after reset: default again" [ "$(jget "$T/a7.json" 'd["stored"]["policy"]["hash"]+d["stored"]["alg"]')" = "${DEFAULT_HASH}none" ]
"$MAAT" policy set SgxEnclave --endpoint "$A" --unsigned-policy "$T/min.txt" >/dev/null 2>"$T/a8.err"
check "aad set without bearer: exit 1" [ $? -eq 1 ]
check "aad set without bearer: Unauthorized: ..." grep -q "^Unauthorized: " "$T/a8.err"
"$MAAT" policy set SgxEnclave --endpoint "$A" --bearer-token-env MAAT_TEST_BEARER --unsigned-policy "$T/min.txt" >/dev/null 2>"$T/a9.err"
check "aad set with a wrong bearer: Unauthorized" grep -q "^Unauthorized: " "$T/a9.err"
check "wrong bearer not echoed" bash -c "! grep -q '$SECRET' '$T/a9.err'"
printf 'version=1.0;\nauthorizationrules\n{\n[ => permit();\n};' >"$T/bad.txt"
"$MAAT" policy set SgxEnclave "${AB[@]}" --unsigned-policy "$T/bad.txt" >/dev/null 2>"$T/b1.err"
check "invalid policy refused locally: exit 3 with line:column" bash -c "[ $? -eq 3 ] && grep -q 'bad.txt:4:3: PolicyParsingError' '$T/b1.err'"
"$MAAT" policy set SgxEnclave "${AB[@]}" --unsigned-policy "$T/bad.txt" --no-check >/dev/null 2>"$T/b2.err"
check "invalid policy with --no-check: the service says PolicyParsingError: ..." grep -q "^PolicyParsingError: " "$T/b2.err"
# the seed tool's non-JSON body
python3 - "$T/min.txt" "$T/seed.jws" <<'PY'
import base64, sys
b = lambda x: base64.urlsafe_b64encode(x).decode().rstrip("=")
pol = open(sys.argv[1]).read()
q = '"' + pol.replace("\n", "\\n").replace("\r", "\\r").replace('"', '\\"') + '"'
open(sys.argv[2], "w").write(b(b'{"alg":"none"}') + "." + b(('{"AttestationPolicy":' + b(q.encode()) + "}").encode()) + ".")
PY
"$MAAT" policy set SgxEnclave "${AB[@]}" --jws "$T/seed.jws" >/dev/null 2>"$T/q1.err"
check "seed-tool JWS refused locally: exit 3, reason given" bash -c "[ $? -eq 3 ] && grep -q 'not quoted' '$T/q1.err'"
"$MAAT" policy set SgxEnclave "${AB[@]}" --jws "$T/seed.jws" --no-check >/dev/null 2>"$T/q2.err"
check "seed-tool JWS with --no-check: sent, the service refuses it (exit 1, CODE: message)" \
    bash -c "[ $? -eq 1 ] && grep -qE '^[A-Za-z]+: ' '$T/q2.err'"
"$MAAT" sign policy "$T/min.txt" --key "$T/a.key" --cert "$T/a.pem" -o "$T/p.jws" 2>/dev/null
"$MAAT" policy set SgxEnclave "${AB[@]}" --jws "$T/p.jws" >"$T/j1.out" 2>&1
check "set --jws from maat sign policy: Updated" grep -q "x-ms-policy-result: Updated" "$T/j1.out"
"$MAAT" cert list "${AB[@]}" >"$T/l0.out"
check "aad cert list: 0 certificates" grep -q "^0 policy signer certificate(s)" "$T/l0.out"
"$MAAT" cert add "${AB[@]}" --cert "$T/b.pem" --key "$T/a.key" --signer-cert "$T/a.pem" >/dev/null 2>"$T/l1.err"
check "aad cert add: InvalidOperation: ... (exit 1)" bash -c "[ $? -eq 1 ] && grep -q '^InvalidOperation: ' '$T/l1.err'"

# isolated
start iso --mode isolated --policy-signer "$T/a.pem" || exit 1
I=$URL_iso
"$MAAT" cert list --endpoint "$I" --json >"$T/i0.json"
check "isolated list: the initial signer" [ "$(jget "$T/i0.json" '[c[0]["sha1_thumbprint"] for c in d["certificates"]]')" = "['$(tp_of "$T/a.pem")']" ]
"$MAAT" policy set SgxEnclave --endpoint "$I" --unsigned-policy "$T/min.txt" >/dev/null 2>"$T/i1.err"
check "isolated unsigned set: InvalidOperation (exit 1)" bash -c "[ $? -eq 1 ] && grep -q '^InvalidOperation: ' '$T/i1.err'"
"$MAAT" policy set SgxEnclave --endpoint "$I" --policy "$T/min.txt" --key "$T/b.key" --cert "$T/b.pem" >/dev/null 2>"$T/i2.err"
check "isolated set signed by a non-signer: refused (exit 1)" [ $? -eq 1 ]
"$MAAT" policy set SgxEnclave --endpoint "$I" --policy "$T/min.txt" --key "$T/a.key" --cert "$T/a.pem" >"$T/i3.out" 2>&1
check "isolated set signed by the signer: Updated" grep -q "x-ms-policy-result: Updated" "$T/i3.out"
"$MAAT" cert add --endpoint "$I" --cert "$T/b.pem" --key "$T/a.key" --signer-cert "$T/a.pem" >"$T/i4.out" 2>&1
check "isolated cert add: exit 0" [ $? -eq 0 ]
check "isolated cert add: thumbprint = SHA-1 of B" grep -q "x-ms-certificate-thumbprint: $(tp_of "$T/b.pem") (= SHA-1" "$T/i4.out"
check "isolated cert add: IsPresent" grep -q "x-ms-policycertificates-result: IsPresent" "$T/i4.out"
"$MAAT" cert add --endpoint "$I" --cert "$T/b.pem" --key "$T/a.key" --signer-cert "$T/a.pem" >"$T/i5.out" 2>&1
check "isolated cert add again: IsPresent (idempotent)" grep -q "IsPresent" "$T/i5.out"
"$MAAT" cert list --endpoint "$I" --json >"$T/i6.json"
check "isolated list: 2 certificates" [ "$(jget "$T/i6.json" 'len(d["certificates"])')" = 2 ]
"$MAAT" policy set SgxEnclave --endpoint "$I" --policy "$T/deny.txt" --key "$T/b.key" --cert "$T/b.pem" >"$T/i7.out" 2>&1
check "isolated set signed by the new signer B: Updated" grep -q "Updated" "$T/i7.out"
"$MAAT" policy reset SgxEnclave --endpoint "$I" >/dev/null 2>"$T/i8.err"
check "isolated unsigned reset: refused" [ $? -eq 1 ]
"$MAAT" policy reset SgxEnclave --endpoint "$I" --key "$T/b.key" --cert "$T/b.pem" >"$T/i9.out" 2>&1
check "isolated signed reset: Removed" grep -q "Removed" "$T/i9.out"
"$MAAT" sign cert "$T/b.pem" --key "$T/a.key" --cert "$T/a.pem" -o "$T/rm.jws" 2>/dev/null
"$MAAT" cert remove --endpoint "$I" --jws "$T/rm.jws" --json >"$T/i10.json"
check "isolated cert remove (--jws): IsAbsent, thumbprint" \
    [ "$(jget "$T/i10.json" 'd["x-ms-policycertificates-result"]+d["x-ms-certificate-thumbprint"]')" = "IsAbsent$(tp_of "$T/b.pem")" ]
"$MAAT" cert list --endpoint "$I" --json >"$T/i11.json"
check "isolated list: back to 1" [ "$(jget "$T/i11.json" 'len(d["certificates"])')" = 1 ]
"$MAAT" policy set SgxEnclave --endpoint "$I" --policy "$T/min.txt" --key "$T/b.key" --cert "$T/b.pem" >/dev/null 2>&1
check "isolated: removed signer B can no longer set" [ $? -eq 1 ]

# https with --ca-file (the management request and the /certs fetch for the response token)
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" -out "$T/tls.pem" -days 2 -subj /CN=127.0.0.1 \
        -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 &&
   start tls --mode aad --admin-token-file "$T/admin" --tls-cert "$T/tls.pem" --tls-key "$T/tls.key"; then
    case "$URL_tls" in
    https://*)
        "$MAAT" policy get SgxEnclave --endpoint "$URL_tls" --bearer-token-file "$T/admin" --ca-file "$T/tls.pem" >"$T/t1.out" 2>&1
        check "https + --ca-file: get works, response token verified" grep -q "signature valid.*https://" "$T/t1.out"
        "$MAAT" policy get SgxEnclave --endpoint "$URL_tls" --bearer-token-file "$T/admin" >/dev/null 2>"$T/t2.err"
        check "https without --ca-file: certificate refused (exit 4)" [ $? -eq 4 ] ;;
    *) echo "skip - maatd --tls-cert did not give an https URL ($URL_tls)" ;;
    esac
else
    echo "skip - could not start maatd with TLS"
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]
