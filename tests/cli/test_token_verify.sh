#!/usr/bin/env bash
# test_token_verify.sh - `maat token verify` on real MAA tokens (maa-recordings: every RS256
# attestation token verifies against its instance's recorded /certs at its iat) and on
# tokens that must fail: altered payload or signature, past exp, before nbf, wrong issuer,
# another instance's certificate, jku pointing elsewhere (re-signed with a throwaway key and
# a JWKS written here, with a positive control), alg none, unknown kid. --require-signer-quote
# extracts MAA's own enclave quote from the signing certificate, checks its signatures and
# the key binding, and says that collateral for MAA's platform is not present. Also
# --endpoint against a loopback HTTP server. No network beyond 127.0.0.1; bounded waits.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
V="${MAAT_VECTORS:-../shared/vectors}/maa-recordings"
need maat
if [ ! -d "$V/attest" ]; then echo "*** SKIPPED: vectors not found at $V (set MAAT_VECTORS) ***"; exit 77; fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 needed"; exit 77; }
command -v openssl >/dev/null || { echo "SKIPPED: openssl needed"; exit 77; }
tmpdir cli-token
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT # replaces common.sh's: this test tracks one PID
b64url() { python3 -c "import base64,sys; print(base64.urlsafe_b64encode(sys.stdin.buffer.read()).decode().rstrip('='), end='')"; }

# The recorded /certs bodies, written to files (the vectors stay where they are).
for inst in shared aad isolated; do
    jget "$V/metadata/certs-$inst.response.json" 'json.dumps(d["body"])' >"$T/certs-$inst.json"
done
SHARED=https://sharedwus.wus.attest.azure.net

# ---- every RS256 attestation token verifies at its iat ----
n=0
for f in "$V"/attest/*-plain.response.json "$V"/attest/*-runtime-*.response.json; do
    name=$(basename "$f" .response.json)
    inst=$(echo "$name" | cut -d- -f2)
    tok="$T/$name.jwt"
    jget "$f" 'd["body"]["token"]' >"$tok"
    iss=$(jget "$V/attest/$name.token.json" 'd["payload"]["iss"]')
    iat=$(jget "$V/attest/$name.token.json" 'd["payload"]["iat"]')
    if "$MAAT" token verify "$tok" --jwks "$T/certs-$inst.json" --issuer "$iss" --at "$iat" >"$T/out" 2>&1; then
        n=$((n + 1))
    else
        bad "$name: $(cat "$T/out")"
    fi
done
[ $n -eq 18 ] && ok "18 recorded RS256 attestation tokens verify at their iat" || bad "only $n of 18 verified"

TOK="$T/sgx-shared-plain.jwt"
IAT=1668716907 EXP=1668745707
"$MAAT" token verify "$TOK" --jwks "$T/certs-shared.json" --issuer $SHARED --at $IAT --json >"$T/v.json"; rc=$?
[ $rc -eq 0 ] && ok "sgx-shared-plain: exit 0" || bad "sgx-shared-plain: exit $rc"
[ "$(jget "$T/v.json" 'd["valid"]')" = True ] && ok "json: valid" || bad "json: valid"
[ "$(jget "$T/v.json" 'd["kid"]')" = "XxRc2vLh1E5FrsNawnRH3PzuFgqg3q7NvCdnjoJHBGE=" ] && ok "json: kid" || bad "json: kid"
[ "$(jget "$T/v.json" 'd["claims"]["x-ms-sgx-mrenclave"]')" = 292a1f4b519e46627eb2478a3d9851405653c5b4b0a6925de843834d9216850e ] \
    && ok "json: claims" || bad "json: claims"
[ "$(jget "$T/v.json" 'd["signing_certificate_subject"]')" = "CN=$SHARED" ] && ok "json: signing cert subject" || bad "json: subject"
# README's common validation time; text output; the MAA response body as TOKEN; JWT text as TOKEN
"$MAAT" token verify "$TOK" --jwks "$T/certs-shared.json" --issuer $SHARED --at 2022-11-17T20:30:00Z >"$T/out"; rc=$?
[ $rc -eq 0 ] && grep -q '^token: *valid' "$T/out" && grep -q 'x-ms-sgx-mrsigner *4aea5f9a' "$T/out" \
    && ok "RFC 3339 --at, text output" || bad "text output (exit $rc)"
jget "$V/attest/sgx-shared-plain.response.json" 'json.dumps(d["body"])' >"$T/resp.json"
"$MAAT" token verify "$T/resp.json" --jwks "$T/certs-shared.json" --issuer $SHARED --at $IAT >/dev/null; rc=$?
[ $rc -eq 0 ] && ok "TOKEN as {\"token\": ...} file" || bad "response body file: exit $rc"
"$MAAT" token verify "$(cat "$TOK")" --jwks "$T/certs-shared.json" --issuer $SHARED --at $IAT >/dev/null; rc=$?
[ $rc -eq 0 ] && ok "TOKEN as JWT text" || bad "JWT text: exit $rc"
"$MAAT" token verify - --jwks "$T/certs-shared.json" --issuer $SHARED --at $IAT <"$TOK" >/dev/null; rc=$?
[ $rc -eq 0 ] && ok "TOKEN from stdin" || bad "stdin: exit $rc"

# expect_fail NAME PATTERN ARGS...: exit 1 and the reason matches PATTERN
expect_fail() {
    local name=$1 pat=$2
    shift 2
    "$MAAT" token verify "$@" >"$T/o" 2>"$T/e"; local rc=$?
    if [ $rc -eq 1 ] && grep -q -- "$pat" "$T/e"; then ok "$name: exit 1 ($(head -c 150 "$T/e" | tr '\n' ' '))"
    else bad "$name: exit $rc, stderr: $(cat "$T/e")"; fi
}

# ---- altered tokens ----
python3 - "$TOK" "$T/altered.jwt" <<'EOF'
import base64, sys
h, p, s = open(sys.argv[1]).read().strip().split(".")
pad = lambda x: x + "=" * (-len(x) % 4)
claims = base64.urlsafe_b64decode(pad(p)).replace(b'"x-ms-sgx-svn":1', b'"x-ms-sgx-svn":2')
assert b'"x-ms-sgx-svn":2' in claims
p2 = base64.urlsafe_b64encode(claims).decode().rstrip("=")
open(sys.argv[2], "w").write(".".join([h, p2, s]))
EOF
expect_fail "altered payload (svn 1 -> 2)" "signature" "$T/altered.jwt" --jwks "$T/certs-shared.json" --issuer $SHARED --at $IAT
python3 - "$TOK" "$T/badsig.jwt" <<'EOF'
import sys
h, p, s = open(sys.argv[1]).read().strip().split(".")
s = s[:10] + ("A" if s[10] != "A" else "B") + s[11:]
open(sys.argv[2], "w").write(".".join([h, p, s]))
EOF
expect_fail "altered signature" "signature" "$T/badsig.jwt" --jwks "$T/certs-shared.json" --issuer $SHARED --at $IAT

# ---- time ----
expect_fail "--at past exp (+61 s)" "expired" "$TOK" --jwks "$T/certs-shared.json" --issuer $SHARED --at $((EXP + 61))
"$MAAT" token verify "$TOK" --jwks "$T/certs-shared.json" --issuer $SHARED --at $((EXP + 59)) >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && ok "--at exp + 59 s: within the 60 s skew" || bad "skew: exit $rc"
expect_fail "--at before nbf (-61 s)" "not yet valid" "$TOK" --jwks "$T/certs-shared.json" --issuer $SHARED --at $((IAT - 61))

# ---- issuer ----
expect_fail "wrong --issuer" "expected \"https://sharedeus.eus.attest.azure.net" "$TOK" --jwks "$T/certs-shared.json" --issuer https://sharedeus.eus.attest.azure.net --at $IAT
expect_fail "issuer with another path" "jku" "$TOK" --jwks "$T/certs-shared.json" --issuer $SHARED/x --at $IAT
"$MAAT" token verify "$TOK" --jwks "$T/certs-shared.json" --issuer HTTPS://SharedWUS.wus.attest.azure.net/ --at $IAT >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && ok "issuer host compared case-insensitively, trailing / ignored" || bad "case-insensitive issuer: exit $rc"
# the same RSA key and kid, but the AAD instance's certificate names another issuer
expect_fail "another instance's signing certificate" "subject is CN=https://cpgearamaattestationaad" \
    "$TOK" --jwks "$T/certs-aad.json" --issuer $SHARED --at $IAT
# the kid must be in the key set
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['keys']=d['keys'][1:]; json.dump(d,open(sys.argv[2],'w'))" \
    "$T/certs-shared.json" "$T/certs-nokid.json"
expect_fail "kid not in the JWKS" "no key with kid" "$TOK" --jwks "$T/certs-nokid.json" --issuer $SHARED --at $IAT

# ---- alg none (draft-policy token) ----
jget "$V/attest/sgx-shared-draft-permit.response.json" 'd["body"]["token"]' >"$T/none.jwt"
expect_fail "alg none" "unsigned (alg \"none\"" "$T/none.jwt" --jwks "$T/certs-shared.json" --issuer $SHARED --at 1668716909

H=$(printf '{"alg":"HS256","jku":"%s/certs","kid":"x","typ":"JWT"}' $SHARED | b64url)
expect_fail "alg HS256" 'header alg "HS256": expected RS256, ES256 or PS256' "$H.$(cut -d. -f2 "$TOK").c2ln" \
    --jwks "$T/certs-shared.json" --issuer $SHARED --at $IAT

# ---- jku pointing elsewhere: re-signed with a throwaway key ----
mkdir -p "$T/ca/newcerts"; : >"$T/ca/index.txt"; echo 01 >"$T/ca/serial"
cat >"$T/ca/ca.cnf" <<EOF
[ ca ]
default_ca = tca
[ tca ]
dir = $T/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = anything
unique_subject = no
[ anything ]
commonName = supplied
EOF
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/k.pem" -subj "/CN=$(echo $SHARED | sed 's|/|\\/|g')" -out "$T/csr.pem" 2>/dev/null &&
openssl ca -batch -config "$T/ca/ca.cnf" -selfsign -keyfile "$T/k.pem" -in "$T/csr.pem" -notext \
    -startdate 20190501000000Z -enddate 20501231235959Z -out "$T/cert.pem" 2>/dev/null \
    || bad "could not make the throwaway certificate"
openssl x509 -in "$T/cert.pem" -outform der -out "$T/cert.der"
python3 -c "import base64,json,sys; json.dump({'keys':[{'x5c':[base64.b64encode(open(sys.argv[1],'rb').read()).decode()],'kid':'throwaway','kty':'RSA'}]},open(sys.argv[2],'w'))" \
    "$T/cert.der" "$T/throwaway-jwks.json"
P=$(cut -d. -f2 "$TOK")
resign() { # resign JKU OUT: the recorded claims under a new header, signed with the throwaway key
    local h
    h=$(printf '{"alg":"RS256","jku":"%s","kid":"throwaway","typ":"JWT"}' "$1" | b64url)
    printf '%s.%s.%s' "$h" "$P" "$(printf '%s.%s' "$h" "$P" | openssl dgst -sha256 -sign "$T/k.pem" | b64url)" >"$2"
}
resign "$SHARED/certs" "$T/resigned.jwt"
"$MAAT" token verify "$T/resigned.jwt" --jwks "$T/throwaway-jwks.json" --issuer $SHARED --at $IAT >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 0 ] && ok "control: re-signed token with jku = issuer/certs verifies" || bad "control: exit $rc: $(cat "$T/e")"
resign "https://evil.example/certs" "$T/evil.jwt"
expect_fail "jku pointing elsewhere" "header jku is \"https://evil.example/certs\"" "$T/evil.jwt" --jwks "$T/throwaway-jwks.json" --issuer $SHARED --at $IAT
resign "$SHARED/certs/" "$T/slash.jwt"
expect_fail "jku with a trailing slash" "header jku" "$T/slash.jwt" --jwks "$T/throwaway-jwks.json" --issuer $SHARED --at $IAT
# a key from the token itself is never used: the recorded token re-signed, JWKS of MAA
expect_fail "re-signed token against MAA's JWKS" "no key with kid" "$T/resigned.jwt" --jwks "$T/certs-shared.json" --issuer $SHARED --at $IAT
expect_fail "--require-signer-quote, certificate without a quote" "carries no enclave quote" \
    "$T/resigned.jwt" --jwks "$T/throwaway-jwks.json" --issuer $SHARED --at $IAT --require-signer-quote

# ---- time claims must be integer NumericDates (token_exp_real_refused) ----
# the recorded claims with one time claim replaced by a JSON real, re-signed (throwaway key)
resign_claims() { # PYTHON-STATEMENT-ON-TEXT OUT
    local h p2
    h=$(printf '{"alg":"RS256","jku":"%s/certs","kid":"throwaway","typ":"JWT"}' $SHARED | b64url)
    p2=$(python3 -c "
import base64, re, sys
p = sys.argv[1]; t = base64.urlsafe_b64decode(p + '=' * (-len(p) % 4)).decode()
$1
sys.stdout.write(base64.urlsafe_b64encode(t.encode()).decode().rstrip('='))" "$P")
    printf '%s.%s.%s' "$h" "$p2" "$(printf '%s.%s' "$h" "$p2" | openssl dgst -sha256 -sign "$T/k.pem" | b64url)" >"$2"
}
resign_claims "t = re.sub(r'\"nbf\":\d+', '\"nbf\":1e300', t); assert '1e300' in t" "$T/nbf-real.jwt"
expect_fail "token_exp_real_refused: nbf 1e300 (was cast to an integer and passed)" 'claim "nbf" is the real number' \
    "$T/nbf-real.jwt" --jwks "$T/throwaway-jwks.json" --issuer $SHARED --at $IAT
resign_claims "t = re.sub(r'\"exp\":\d+', '\"exp\":1e300', t); assert '1e300' in t" "$T/exp-real.jwt"
expect_fail "token_exp_real_refused: exp 1e300" 'claim "exp" is the real number' \
    "$T/exp-real.jwt" --jwks "$T/throwaway-jwks.json" --issuer $SHARED --at $IAT
resign_claims "t = re.sub(r'\"exp\":(\d+)', lambda m: '\"exp\":' + m.group(1) + '.5', t)" "$T/exp-frac.jwt"
expect_fail "token_exp_real_refused: exp with a fraction" 'claim "exp" is the real number' \
    "$T/exp-frac.jwt" --jwks "$T/throwaway-jwks.json" --issuer $SHARED --at $IAT
resign_claims "t = re.sub(r'\"iat\":\d+', '\"iat\":-5', t)" "$T/iat-neg.jwt"
expect_fail "token_exp_real_refused: iat negative" 'claim "iat" is -5: out of range' \
    "$T/iat-neg.jwt" --jwks "$T/throwaway-jwks.json" --issuer $SHARED --at $IAT
# jws_noncanonical_b64url_refused / padded: one token, one text
python3 - "$TOK" "$T/nc.jwt" "$T/pad.jwt" <<'PYEOF'
import sys
A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
h, p, s = open(sys.argv[1]).read().strip().split(".")
assert len(s) % 4 == 2
open(sys.argv[2], "w").write(".".join([h, p, s[:-1] + A[A.index(s[-1]) ^ 1]]))
open(sys.argv[3], "w").write(".".join([h, p, s + "=="]))
PYEOF
"$MAAT" token verify "$T/nc.jwt" --jwks "$T/certs-shared.json" --issuer $SHARED --at $IAT >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 3 ] && grep -q "non-zero padding bits" "$T/e" && ok "jws_noncanonical_b64url_refused: signature with unused bits set: exit 3" \
    || bad "jws_noncanonical_b64url_refused: exit $rc $(cat "$T/e")"
"$MAAT" token verify "$T/pad.jwt" --jwks "$T/certs-shared.json" --issuer $SHARED --at $IAT >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 3 ] && grep -q "invalid base64url character 0x3d" "$T/e" && ok "jws_padded_part_refused: signature with '==' appended: exit 3" \
    || bad "jws_padded_part_refused: exit $rc $(cat "$T/e")"

# ---- MAA's own enclave quote in its signing certificate ----
# no collateral for MAA's platform: fail closed, exit 5 (incomplete); --signatures-only accepts it
"$MAAT" token verify "$TOK" --jwks "$T/certs-shared.json" --issuer $SHARED --at $IAT --require-signer-quote >/dev/null 2>&1; rc=$?
[ $rc -eq 5 ] && ok "--require-signer-quote without collateral: exit 5 (incomplete)" || bad "--require-signer-quote: exit $rc"
"$MAAT" token verify "$TOK" --jwks "$T/certs-shared.json" --issuer $SHARED --at $IAT --require-signer-quote --signatures-only --json >"$T/sq.json"; rc=$?
[ $rc -eq 0 ] && ok "--require-signer-quote --signatures-only: exit 0" || bad "--require-signer-quote --signatures-only: exit $rc"
[ "$(jget "$T/sq.json" 'd["signer_quote"]["extension"]')" = 1.3.6.1.4.1.311.105.1 ] && ok "signer quote from extension 1.3.6.1.4.1.311.105.1" || bad "extension"
[ "$(jget "$T/sq.json" 'd["signer_quote"]["oe_envelope"]')" = True ] && ok "OE envelope" || bad "oe_envelope"
[ "$(jget "$T/sq.json" 'd["signer_quote"]["report_body"]["mr_enclave"][:8]')" = a89f001d ] && ok "MAA mr_enclave a89f001d..." || bad "mr_enclave"
[ "$(jget "$T/sq.json" 'd["signer_quote"]["report_body"]["mr_signer"][:8]')" = 74ba5fba ] && ok "MAA mr_signer 74ba5fba..." || bad "mr_signer"
[ "$(jget "$T/sq.json" 'd["signer_quote"]["key_binding"]')" = True ] && ok "key binding: report_data[0:32] = SHA-256(SPKI PEM + NUL)" || bad "key_binding"
[ "$(jget "$T/sq.json" 'd["signer_quote"]["kid_is_key_hash"]')" = True ] && ok "kid = base64 of that hash" || bad "kid_is_key_hash"
[ "$(jget "$T/sq.json" 'd["signer_quote"]["verification"]["signatures_and_chain"]')" = True ] && ok "QE report, quote, AK binding, PCK chain valid" || bad "signatures"
[ "$(jget "$T/sq.json" 'd["signer_quote"]["verification"]["trusted_root"]')" = "Intel SGX Root CA" ] && ok "chain ends at Intel's root" || bad "root"
[ "$(jget "$T/sq.json" '",".join(s["name"] for s in d["signer_quote"]["verification"]["steps"] if s["outcome"]=="passed")')" = \
    "structure,pck_chain,validity,qe_report_signature,attestation_key_binding,quote_signature" ] && ok "exactly the crypto steps passed" \
    || bad "steps: $(jget "$T/sq.json" 'd["signer_quote"]["verification"]["steps"]')"
[ "$(jget "$T/sq.json" 'd["signer_quote"]["verification"]["collateral_present"]')" = False ] && ok "collateral_present false" || bad "collateral_present"
"$MAAT" token verify "$TOK" --jwks "$T/certs-shared.json" --issuer $SHARED --at $IAT --require-signer-quote --signatures-only >"$T/sq.txt"
grep -q "collateral for the signer's platform (FMSPC 00906ed50000) is not present" "$T/sq.txt" \
    && ok "text says collateral for MAA's platform is not present" || bad "text: $(cat "$T/sq.txt" | head -20)"
# MAA's quote in a throwaway certificate: extracted (both the 2022 form, envelope directly in
# extnValue, and the 2020 form, one more OCTET STRING), signatures valid, but it binds MAA's
# key, not this one
python3 - "$T/certs-shared.json" "$T/ext-direct.hex" "$T/ext-nested.hex" <<'PYEOF'
import base64, json, sys
der = base64.b64decode(json.load(open(sys.argv[1]))["keys"][0]["x5c"][0])
oid = bytes.fromhex("06092b0601040182376901")  # 1.3.6.1.4.1.311.105.1
i = der.index(oid) + len(oid)
if der[i] == 0x01: i += 3                       # critical BOOLEAN, if present
assert der[i] == 0x04 and der[i + 1] == 0x82
n = int.from_bytes(der[i + 2:i + 4], "big")
val = der[i + 4:i + 4 + n]
assert val[:8] == bytes.fromhex("0100000002000000")
open(sys.argv[2], "w").write(val.hex())
open(sys.argv[3], "w").write((b"\x04\x82" + len(val).to_bytes(2, "big") + val).hex())
PYEOF
for form in direct nested; do
    printf '[ q ]\n1.3.6.1.4.1.311.105.1 = DER:%s\n' "$(cat "$T/ext-$form.hex")" >"$T/ext-$form.cnf"
    openssl ca -batch -config "$T/ca/ca.cnf" -selfsign -keyfile "$T/k.pem" -in "$T/csr.pem" -notext \
        -startdate 20190501000000Z -enddate 20501231235959Z -extfile "$T/ext-$form.cnf" -extensions q \
        -out "$T/qcert-$form.pem" 2>/dev/null || bad "could not make the $form quote certificate"
    openssl x509 -in "$T/qcert-$form.pem" -outform der -out "$T/qcert-$form.der"
    python3 -c "import base64,json,sys; json.dump({'keys':[{'x5c':[base64.b64encode(open(sys.argv[1],'rb').read()).decode()],'kid':'throwaway','kty':'RSA'}]},open(sys.argv[2],'w'))" \
        "$T/qcert-$form.der" "$T/qjwks-$form.json"
    "$MAAT" token verify "$T/resigned.jwt" --jwks "$T/qjwks-$form.json" --issuer $SHARED --at $IAT --require-signer-quote --json >"$T/q.json" 2>"$T/e"; rc=$?
    if [ $rc -eq 1 ] && grep -q "does not bind this key" "$T/e" &&
       [ "$(jget "$T/q.json" 'd["signer_quote"]["verification"]["signatures_and_chain"]')" = True ] &&
       [ "$(jget "$T/q.json" 'd["signer_quote"]["key_binding"]')" = False ]; then
        ok "MAA's quote ($form extension form) on another key: signatures valid, key binding fails, exit 1"
    else
        bad "$form quote on another key: exit $rc: $(cat "$T/e")"
    fi
done
"$MAAT" token verify "$T/resigned.jwt" --jwks "$T/qjwks-direct.json" --issuer $SHARED --at $IAT >/dev/null 2>&1
[ $? -eq 0 ] && ok "the same token without --require-signer-quote: exit 0" || bad "without --require-signer-quote"

# ---- usage and input errors ----
"$MAAT" token verify "$TOK" --jwks "$T/certs-shared.json" >/dev/null 2>&1; [ $? -eq 2 ] && ok "--jwks without --issuer: exit 2" || bad "--jwks without --issuer"
"$MAAT" token verify "$TOK" --jwks "$T/certs-shared.json" --endpoint $SHARED --issuer $SHARED >/dev/null 2>&1; [ $? -eq 2 ] && ok "--jwks with --endpoint: exit 2" || bad "--jwks + --endpoint"
"$MAAT" token verify "$TOK" --jwks "$T/certs-shared.json" --issuer $SHARED --at soon >/dev/null 2>&1; [ $? -eq 2 ] && ok "bad --at: exit 2" || bad "bad --at"
"$MAAT" token verify "$T/nonexistent" --jwks "$T/certs-shared.json" --issuer $SHARED >/dev/null 2>&1; [ $? -eq 3 ] && ok "missing TOKEN file: exit 3" || bad "missing token"
echo "not.a.jwt!" >"$T/garbage"; "$MAAT" token verify "$T/garbage" --jwks "$T/certs-shared.json" --issuer $SHARED >/dev/null 2>&1
[ $? -eq 3 ] && ok "malformed JWS: exit 3" || bad "malformed JWS"
echo '{"keys": 1}' >"$T/badjwks"; "$MAAT" token verify "$TOK" --jwks "$T/badjwks" --issuer $SHARED --at $IAT >/dev/null 2>&1
[ $? -eq 3 ] && ok "JWKS without a keys array: exit 3" || bad "bad JWKS"

# ---- --endpoint: GET URL/certs from a loopback server ----
mkdir -p "$T/www" && cp "$T/certs-shared.json" "$T/www/certs"
PORT=
for try in 1 2 3 4 5; do
    p=$((20000 + RANDOM % 20000))
    python3 -m http.server "$p" --bind 127.0.0.1 --directory "$T/www" >/dev/null 2>&1 &
    PID=$!
    for _ in $(seq 1 50); do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',int(sys.argv[1])),0.2)" "$p" 2>/dev/null; then PORT=$p; break; fi
        kill -0 $PID 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$PORT" ] && break
    kill $PID 2>/dev/null; PID=
done
if [ -n "$PORT" ]; then
    "$MAAT" token verify "$TOK" --endpoint "http://127.0.0.1:$PORT/" --issuer $SHARED --at $IAT >"$T/out" 2>&1; rc=$?
    [ $rc -eq 0 ] && grep -q "key from http://127.0.0.1:$PORT/certs" "$T/out" && ok "--endpoint: JWKS from URL/certs" || bad "--endpoint: exit $rc: $(cat "$T/out")"
    "$MAAT" token verify "$TOK" --endpoint "http://127.0.0.1:$PORT" --at $IAT >/dev/null 2>"$T/e"; rc=$?
    [ $rc -eq 1 ] && grep -q "expected \"http://127.0.0.1:$PORT/certs\"" "$T/e" && ok "--endpoint alone: the endpoint is the issuer (mismatch: exit 1)" || bad "endpoint as issuer: exit $rc"
    "$MAAT" token verify "$TOK" --endpoint "http://127.0.0.1:$PORT/missing" --issuer $SHARED --at $IAT >/dev/null 2>"$T/e"; rc=$?
    [ $rc -eq 4 ] && grep -q "HTTP status 404" "$T/e" && ok "--endpoint 404: exit 4" || bad "404: exit $rc: $(cat "$T/e")"
    kill $PID 2>/dev/null; wait $PID 2>/dev/null; PID=
else
    bad "could not start a loopback HTTP server"
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]
