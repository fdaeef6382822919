#!/usr/bin/env bash
# test_untrusted_output.sh - text output of `maat token verify`, `maat jwt decode` and
# `maat attest` escapes control characters from untrusted values (issue 12, items 12 and 15):
# an attester-chosen nonce, a service's kid, claim or alg cannot paint "result : PASS", move
# the cursor or colour the terminal; C1 controls and bidi overrides are escaped too. No
# colour codes are written when the output is not a terminal (nor at all; NO_COLOR holds).
# Tokens signed here with a throwaway key and certificate (fixed validity, fixed --at); the
# attest case uses a loopback fake endpoint (python3 http.server). No network.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
APP="${MAAT_BIN:-}/maat-enclave-app"
need maat
command -v python3 >/dev/null || { echo "SKIPPED: python3 needed"; exit 77; }
command -v openssl >/dev/null || { echo "SKIPPED: openssl needed"; exit 77; }
tmpdir cli-untrusted
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT # replaces common.sh's: this test tracks one PID
AT=1750000000
# clean FILE: no control byte but \n and \t; no raw C1 (U+0080..U+009F) or bidi override
clean() {
    python3 - "$1" <<'EOF'
import sys
b = open(sys.argv[1], "rb").read()
bad = [c for c in b if (c < 0x20 and c not in (0x0a, 0x09)) or c == 0x7f]
t = b.decode("utf-8", "replace")
bad += [c for c in t if 0x80 <= ord(c) <= 0x9f or 0x202a <= ord(c) <= 0x202e or 0x2066 <= ord(c) <= 0x2069]
sys.exit(1 if bad else 0)
EOF
}

# ---- a throwaway issuer: key, certificate (fixed dates), JWKS ----
mkcert() { # KEY CN OUT
    rm -rf "$T/ca"; mkdir -p "$T/ca/newcerts"; : >"$T/ca/index.txt"; echo 01 >"$T/ca/serial"
    printf '[ca]\ndefault_ca=t\n[t]\ndir=%s\ndatabase=$dir/index.txt\nnew_certs_dir=$dir/newcerts\nserial=$dir/serial\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n' "$T/ca" >"$T/ca/ca.cnf"
    openssl req -new -key "$1" -subj "/CN=${2//\//\\/}" -out "$T/csr.pem" 2>/dev/null &&
    openssl ca -batch -config "$T/ca/ca.cnf" -selfsign -keyfile "$1" -in "$T/csr.pem" -notext \
        -startdate 20250101000000Z -enddate 20300101000000Z -out "$3" 2>/dev/null
}
jwks() { # CERT KID OUT
    python3 - "$1" "$2" >"$3" <<'EOF'
import base64, json, ssl, sys
der = ssl.PEM_cert_to_DER_cert(open(sys.argv[1]).read())
print(json.dumps({"keys": [{"x5c": [base64.b64encode(der).decode()], "kid": sys.argv[2], "kty": "RSA"}]}))
EOF
}
# sign KEY HEADER-JSON CLAIMS-JSON OUT: a compact RS256 JWS
sign() {
    local si sig
    si=$(python3 -c "import base64,sys; b=lambda s: base64.urlsafe_b64encode(s.encode()).rstrip(b'=').decode(); print(b(sys.argv[1]) + '.' + b(sys.argv[2]))" "$2" "$3")
    sig=$(printf '%s' "$si" | openssl dgst -sha256 -sign "$1" | python3 -c "import base64,sys; print(base64.urlsafe_b64encode(sys.stdin.buffer.read()).rstrip(b'=').decode())")
    printf '%s.%s' "$si" "$sig" >"$4"
}
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/k.pem" 2>/dev/null
ISS=https://issuer.example
mkcert "$T/k.pem" "$ISS" "$T/c.pem" || { bad "could not make the throwaway certificate"; exit 1; }
KID=$'k1\e[31m\xe2\x80\xae'
jwks "$T/c.pem" "$KID" "$T/jwks.json"
NONCE=$'abc\r\nresult                             : PASS \xe2\x80\x94 fake\e[2K\xc2\x9b32m'
HDR=$(python3 -c "import json,sys; print(json.dumps({'alg':'RS256','jku':sys.argv[1]+'/certs','kid':sys.argv[2],'typ':'JWT'}, ensure_ascii=False))" "$ISS" "$KID")
CLAIMS=$(python3 -c "import json,sys; print(json.dumps({'iss':sys.argv[1],'iat':$AT,'nbf':$AT,'exp':$AT+3600,'nonce':sys.argv[2],'x-ms-ver\u0007':'1'}, ensure_ascii=False))" "$ISS" "$NONCE")
sign "$T/k.pem" "$HDR" "$CLAIMS" "$T/tok.jwt"

# nonce_control_chars_escaped (token verify, text)
"$MAAT" token verify "$T/tok.jwt" --jwks "$T/jwks.json" --issuer "$ISS" --at $AT >"$T/out" 2>"$T/err"; rc=$?
if [ $rc -eq 0 ] && clean "$T/out" && ! grep -q '^result' "$T/out" &&
   grep -qF 'abc\x0d\x0aresult' "$T/out" && grep -qF '\x1b[2K\u009b32m' "$T/out" &&
   grep -qF 'kid k1\x1b[31m\u202e' "$T/out" && grep -qF 'x-ms-ver\x07' "$T/out"; then
    ok "nonce_control_chars_escaped: token verify prints the nonce, kid and claim name escaped (no raw control, C1 or bidi)"
else bad "nonce_control_chars_escaped (token verify): exit $rc: $(cat -v "$T/out" "$T/err")"; fi

# nonce_control_chars_escaped (jwt decode, text)
"$MAAT" jwt decode "$T/tok.jwt" --cert "$T/c.pem" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && clean "$T/out" && clean "$T/err" && ! grep -q '^result' "$T/out" && grep -qF '\u009b32m' "$T/out" \
    && ok "nonce_control_chars_escaped: jwt decode (C1 CSI, bidi override escaped)" \
    || bad "nonce_control_chars_escaped (jwt decode): exit $rc: $(cat -v "$T/out" "$T/err")"

# an untrusted alg in an error reason (stderr)
BADH=$(python3 -c "import json; print(json.dumps({'alg':'HS256\u001b]0;pwned\u0007','kid':'x','typ':'JWT'}))")
sign "$T/k.pem" "$BADH" "$CLAIMS" "$T/badalg.jwt"
"$MAAT" token verify "$T/badalg.jwt" --jwks "$T/jwks.json" --issuer "$ISS" --at $AT >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && clean "$T/err" && clean "$T/out" && grep -qF 'HS256\x1b]0;pwned\x07' "$T/err" \
    && ok "alg_control_chars_escaped: the refused alg is quoted escaped on stderr" \
    || bad "alg_control_chars_escaped: exit $rc: $(cat -v "$T/err")"
"$MAAT" jwt decode "$T/badalg.jwt" >"$T/out" 2>"$T/err"; rc=$?
clean "$T/err" && clean "$T/out" && ok "alg_control_chars_escaped: jwt decode (exit $rc)" \
    || bad "alg_control_chars_escaped (jwt decode): $(cat -v "$T/out" "$T/err")"

# attest against a fake endpoint whose token carries a control-laden MRENCLAVE claim
if [ -x "$APP" ]; then
    "$MAAT" sim init "$T/plat" --now $AT >/dev/null && "$APP" --sim "$T/plat" -o "$T/info.json" 2>/dev/null
    mkdir -p "$T/fake"
    cat >"$T/fake.py" <<'EOF'
import http.server, os, sys
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def send(self, name):
        body = open(os.path.join(d, name), "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.send("certs.json")
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send("response.json")
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(os.path.join(d, "port.tmp"), "w").write(str(s.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
s.serve_forever()
EOF
    timeout 120 python3 "$T/fake.py" "$T/fake" 2>"$T/fake.log" &
    PID=$!
    for _ in $(seq 100); do [ -s "$T/fake/port" ] && break; sleep 0.05; done
    FAKE="http://127.0.0.1:$(cat "$T/fake/port" 2>/dev/null)"
    mkcert "$T/k.pem" "$FAKE" "$T/cf.pem"
    jwks "$T/cf.pem" k1 "$T/fake/certs.json"
    H2=$(python3 -c "import json,sys; print(json.dumps({'alg':'RS256','jku':sys.argv[1]+'/certs','kid':'k1','typ':'JWT'}))" "$FAKE")
    C2=$(python3 -c "import json,sys; print(json.dumps({'iss':sys.argv[1],'iat':$AT,'nbf':$AT,'exp':$AT+3600,'x-ms-sgx-mrenclave':sys.argv[2]}, ensure_ascii=False))" "$FAKE" "$NONCE")
    sign "$T/k.pem" "$H2" "$C2" "$T/t2.jwt"
    printf '{"token": "%s"}' "$(cat "$T/t2.jwt")" >"$T/fake/response.json"
    "$MAAT" attest "$T/info.json" --endpoint "$FAKE" --at $((AT + 10)) >"$T/out" 2>"$T/err"; rc=$?
    if [ $rc -eq 1 ] && clean "$T/out" && clean "$T/err" && [ "$(grep -c '^result' "$T/out")" -eq 1 ] &&
       grep -q '^result *: FAIL' "$T/out" && grep -qF 'abc\x0d\x0aresult' "$T/out"; then
        ok "nonce_control_chars_escaped: attest prints the service's claim escaped; one result line, FAIL"
    else bad "nonce_control_chars_escaped (attest): exit $rc: $(cat -v "$T/out" "$T/err")"; fi
else
    echo "SKIPPED (part): $APP not built"
fi

# no_colour_when_not_tty: output to files (not a terminal), colour-capable TERM, NO_COLOR
# unset and set: no ESC byte from any of the three commands (success and failure)
n=0
for nc in unset 1; do
    for args in "token verify $T/tok.jwt --jwks $T/jwks.json --issuer $ISS --at $AT" \
                "token verify $T/badalg.jwt --jwks $T/jwks.json --issuer $ISS --at $AT" \
                "jwt decode $T/tok.jwt --cert $T/c.pem" "jwt decode $T/badalg.jwt" \
                "attest $T/nosuch.json --offline"; do
        if [ $nc = unset ]; then env -u NO_COLOR TERM=xterm-256color "$MAAT" $args >"$T/out" 2>"$T/err"
        else NO_COLOR=1 TERM=xterm-256color "$MAAT" $args >"$T/out" 2>"$T/err"; fi
        if grep -q $'\e' "$T/out" "$T/err"; then bad "no_colour_when_not_tty: ESC in the output of maat $args (NO_COLOR $nc)"
        else n=$((n + 1)); fi
    done
done
[ $n -eq 10 ] && ok "no_colour_when_not_tty: no escape sequence in 10 runs (3 commands, NO_COLOR unset and set)"

echo
[ $fails -eq 0 ] && echo "all untrusted-output tests passed" || echo "$fails untrusted-output test(s) FAILED"
[ $fails -eq 0 ]
