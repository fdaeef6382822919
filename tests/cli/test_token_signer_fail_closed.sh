#!/usr/bin/env bash
# test_token_signer_fail_closed.sh - issue 12 leftovers on `maat token verify
# --require-signer-quote`, on a token built here (offline): a throwaway RSA key, a simulated
# platform's quote binding it (report_data = SHA-256(PEM SPKI + NUL)) in the signing
# certificate (extension 1.3.6.1.4.1.311.105.1), a JWKS and a signed token.
#  - token_signer_chain_first: the signer quote's PCK chain ends in an untrusted root (the sim
#    root not given) but its leaf carries a real FMSPC (00906ED50000): refused at the
#    pck_chain step (exit 1) before any collateral lookup; a --collateral that cannot be read
#    (empty directory, missing path) is never touched (was: exit 3, "--collateral ...").
#  - token_signer_incomplete_exit5: the signer quote verifies but its TCB status could not be
#    determined (no --collateral): exit 5 INCOMPLETE with a result line naming what was not
#    checked (was: exit 0); --signatures-only accepts it explicitly (exit 0,
#    pass-signatures-only); with the platform's collateral every check runs (exit 0, pass).
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
need maat
command -v python3 >/dev/null || { echo "SKIPPED: python3 needed"; exit 77; }
command -v openssl >/dev/null || { echo "SKIPPED: openssl needed"; exit 77; }
tmpdir cli-tokfc
b64url() { python3 -c "import base64,sys; print(base64.urlsafe_b64encode(sys.stdin.buffer.read()).decode().rstrip('='), end='')"; }

ISS=https://maat-signer.test
AT=2024-03-02T00:00:00Z
ATS=1709337600
"$MAAT" sim init "$T/p" --now 2024-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }

# the signing key and the quote binding it
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/k.pem" 2>/dev/null || { echo "genpkey failed"; exit 1; }
RD=$(openssl pkey -in "$T/k.pem" -pubout | python3 -c "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read() + b'\0').hexdigest())")
"$MAAT" sim quote "$T/p" --report-data "$RD" -o "$T/sq.bin" >/dev/null || { echo "sim quote failed"; exit 1; }

# a self-signed certificate CN=ISS carrying the quote (bare, directly in extnValue)
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
printf '[ q ]\n1.3.6.1.4.1.311.105.1 = DER:%s\n' "$(od -An -v -tx1 "$T/sq.bin" | tr -d ' \n')" >"$T/ext.cnf"
openssl req -new -key "$T/k.pem" -subj "/CN=$(echo $ISS | sed 's|/|\\/|g')" -out "$T/csr.pem" 2>/dev/null &&
openssl ca -batch -config "$T/ca/ca.cnf" -selfsign -keyfile "$T/k.pem" -in "$T/csr.pem" -notext \
    -startdate 20240101000000Z -enddate 20341231235959Z -extfile "$T/ext.cnf" -extensions q \
    -out "$T/cert.pem" 2>/dev/null || { echo "could not make the signing certificate"; exit 1; }
openssl x509 -in "$T/cert.pem" -outform der -out "$T/cert.der"
python3 -c "import base64,json,sys; json.dump({'keys':[{'x5c':[base64.b64encode(open(sys.argv[1],'rb').read()).decode()],'kid':'k1','kty':'RSA'}]},open(sys.argv[2],'w'))" \
    "$T/cert.der" "$T/jwks.json"
H=$(printf '{"alg":"RS256","jku":"%s/certs","kid":"k1","typ":"JWT"}' $ISS | b64url)
P=$(printf '{"iss":"%s","iat":%d,"nbf":%d,"exp":%d}' $ISS $ATS $ATS $((ATS + 3600)) | b64url)
printf '%s.%s.%s' "$H" "$P" "$(printf '%s.%s' "$H" "$P" | openssl dgst -sha256 -sign "$T/k.pem" | b64url)" >"$T/tok.jwt"
V=("$T/tok.jwt" --jwks "$T/jwks.json" --issuer $ISS --at $AT --require-signer-quote)

"$MAAT" token verify "$T/tok.jwt" --jwks "$T/jwks.json" --issuer $ISS --at $AT >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 0 ] && ok "control: the token verifies without --require-signer-quote" || bad "control: exit $rc $(cat "$T/e")"

# ---- token_signer_chain_first ----
mkdir "$T/empty"
for c in "$T/empty" "$T/missing"; do
    "$MAAT" token verify "${V[@]}" --collateral "$c" --json >"$T/c.json" 2>"$T/e"; rc=$?
    [ $rc -eq 1 ] && grep -q "verification failed at pck_chain" "$T/e" \
        && ok "token_signer_chain_first: untrusted chain, --collateral $(basename "$c"): exit 1 at pck_chain" \
        || bad "token_signer_chain_first ($(basename "$c")): exit $rc $(cat "$T/e")"
    grep -q -- "--collateral" "$T/e" && bad "token_signer_chain_first: the collateral was looked up: $(cat "$T/e")" \
        || ok "token_signer_chain_first: the collateral $(basename "$c") was not looked up"
    [ "$(jget "$T/c.json" '[s["outcome"] for s in d["signer_quote"]["verification"]["steps"] if s["name"] in ("pck_chain","tcb_info","qe_identity","revocation")]')" \
        = "['failed', 'not_run', 'not_run', 'not_run']" ] && ok "token_signer_chain_first: no collateral step ran" \
        || bad "steps: $(head -c 600 "$T/c.json")"
    [ "$(jget "$T/c.json" 'd["valid"], d["result"], d["error"]["code"]')" = "False fail check_failed" ] \
        && ok "token_signer_chain_first: json valid false, result fail" || bad "json: $(head -c 600 "$T/c.json")"
done

# ---- token_signer_incomplete_exit5 ----
R=("${V[@]}" --trust-root "$T/p/root-ca.pem")
"$MAAT" token verify "${R[@]}" >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 5 ] && ok "token_signer_incomplete_exit5: no collateral: exit 5" || bad "token_signer_incomplete_exit5: exit $rc $(cat "$T/e")"
grep -q "^result: *INCOMPLETE (signer quote: not checked: TCB status (no collateral), revocation (no collateral), QE identity (no collateral))" "$T/o" \
    && ok "token_signer_incomplete_exit5: the result line names what was not checked" || bad "text: $(cat "$T/o")"
grep -q "INCOMPLETE" "$T/e" && ok "token_signer_incomplete_exit5: stderr says INCOMPLETE" || bad "stderr: $(cat "$T/e")"
"$MAAT" token verify "${R[@]}" --json >"$T/i.json" 2>/dev/null; rc=$?
[ $rc -eq 5 ] && [ "$(jget "$T/i.json" 'd["valid"], d["result"], d["signatures_only"], d["error"]["code"]')" = "False incomplete False incomplete" ] \
    && ok "token_signer_incomplete_exit5: json valid false, result incomplete, error incomplete" || bad "json: exit $rc $(head -c 600 "$T/i.json")"
[ "$(jget "$T/i.json" 'len(d["signer_quote"]["not_checked"]), d["signer_quote"]["key_binding"], d["signer_quote"]["verification"]["signatures_and_chain"]')" = "3 True True" ] \
    && ok "token_signer_incomplete_exit5: not_checked listed; key binding and signatures passed" || bad "json: $(cat "$T/i.json")"
"$MAAT" token verify "${R[@]}" --signatures-only --json >"$T/s.json" 2>"$T/e"; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/s.json" 'd["valid"], d["result"], d["signatures_only"]')" = "True pass-signatures-only True" ] \
    && ok "--signatures-only: exit 0, pass-signatures-only" || bad "--signatures-only: exit $rc $(cat "$T/e")"
"$MAAT" token verify "${R[@]}" --signatures-only >"$T/o" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^result: *PASS (signatures only: signer quote TCB status (no collateral)" "$T/o" \
    && ok "--signatures-only: the result line says what was not checked" || bad "signatures-only text: $(cat "$T/o")"
"$MAAT" token verify "${R[@]}" --collateral "$T/p" --json >"$T/f.json" 2>"$T/e"; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/f.json" 'd["valid"], d["result"], d["signer_quote"]["not_checked"], d["signer_quote"]["verification"]["status"]')" = "True pass [] UpToDate" ] \
    && ok "with the platform's collateral: every check ran, exit 0, UpToDate" || bad "full: exit $rc $(cat "$T/e") $(cat "$T/f.json")"
"$MAAT" token verify "$T/tok.jwt" --jwks "$T/jwks.json" --issuer $ISS --at $AT --signatures-only >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "--signatures-only without --require-signer-quote: exit 2" || bad "usage: exit $rc"

if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
