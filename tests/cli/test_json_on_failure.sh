#!/usr/bin/env bash
# test_json_on_failure.sh - `--json` means one JSON document on stdout for every outcome of
# `maat token verify`, `maat jwt decode` and `maat attest` (issue 12, item 11): failures
# included, with the verdict field false and "error": {"code", "message"} (src/cli/json_out.h,
# docs/cli.md), the code naming the exit status class. Before, most failures printed nothing
# on stdout. Inputs made here (garbage tokens, missing files, a tampered real MAA token with
# its recorded /certs, fixed --at). No network.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
VEC="${MAAT_VECTORS:-../shared/vectors}"
V="$VEC/maa-recordings"
need maat
if [ ! -d "$V/attest" ]; then echo "*** SKIPPED: vectors not found at $V (set MAAT_VECTORS) ***"; exit 77; fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 needed"; exit 77; }
tmpdir cli-jsonfail

SHARED=https://sharedwus.wus.attest.azure.net
IAT=1668716907
jget "$V/metadata/certs-shared.response.json" 'json.dumps(d["body"])' >"$T/certs.json"
jget "$V/attest/sgx-shared-plain.response.json" 'd["body"]["token"]' >"$T/tok.jwt"
python3 - "$T/tok.jwt" "$T/badsig.jwt" <<'EOF'
import sys
h, p, s = open(sys.argv[1]).read().strip().split(".")
open(sys.argv[2], "w").write(".".join([h, p, s[:10] + ("A" if s[10] != "A" else "B") + s[11:]]))
EOF
printf 'not.a.token!' >"$T/garbage.jwt"
printf '{"keys": 1}' >"$T/badjwks.json"

# expect NAME RC VERDICT-FIELD CODE -- COMMAND...: exit RC, stdout one JSON object with
# VERDICT-FIELD false and error {code CODE, non-empty message}
expect() {
    local name=$1 want=$2 field=$3 code=$4
    shift 5
    "$MAAT" "$@" >"$T/o" 2>"$T/e"; local rc=$?
    local got
    got=$(python3 - "$T/o" "$field" <<'EOF' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
e = d.get("error") or {}
print(d.get(sys.argv[2]), e.get("code"), bool(e.get("message")))
EOF
)
    if [ $rc -eq "$want" ] && [ "$got" = "False $code True" ]; then ok "$name: exit $rc, {\"$field\": false, \"error\": {\"code\": \"$code\", ...}}"
    else bad "$name: exit $rc (want $want), stdout: $(head -c 300 "$T/o") / parsed: $got"; fi
}

# ---- maat token verify ----
expect json_on_failure_token_missing_file 3 valid invalid_input -- token verify "$T/nosuch.jwt" --jwks "$T/certs.json" --issuer $SHARED --json
expect json_on_failure_token_malformed 3 valid invalid_input -- token verify "$T/garbage.jwt" --jwks "$T/certs.json" --issuer $SHARED --json
expect json_on_failure_token_bad_jwks 3 valid invalid_input -- token verify "$T/tok.jwt" --jwks "$T/badjwks.json" --issuer $SHARED --json
expect json_on_failure_token_bad_signature 1 valid check_failed -- token verify "$T/badsig.jwt" --jwks "$T/certs.json" --issuer $SHARED --at $IAT --json
expect json_on_failure_token_expired 1 valid check_failed -- token verify "$T/tok.jwt" --jwks "$T/certs.json" --issuer $SHARED --at $((IAT + 86400)) --json
expect json_on_failure_token_usage 2 valid usage -- token verify "$T/tok.jwt" --json
"$MAAT" token verify "$T/tok.jwt" --jwks "$T/certs.json" --issuer $SHARED --at $IAT --json >"$T/o" 2>/dev/null; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/o" 'd["valid"], "error" in d')" = "True False" ] \
    && ok "token verify success: valid true, no error object" || bad "token verify success: exit $rc"

# ---- maat jwt decode ----
expect json_on_failure_jwt_missing_file 3 valid invalid_input -- jwt decode "$T/nosuch.jwt" --json
expect json_on_failure_jwt_malformed 3 valid invalid_input -- jwt decode "$T/garbage.jwt" --json
expect json_on_failure_jwt_bad_key_file 3 valid invalid_input -- jwt decode "$T/tok.jwt" --jwks "$T/badjwks.json" --json
expect json_on_failure_jwt_bad_signature 1 valid check_failed -- jwt decode "$T/badsig.jwt" --jwks "$T/certs.json" --json
expect json_on_failure_jwt_usage 2 valid usage -- jwt decode "$T/tok.jwt" --key a --cert b --json
expect json_on_failure_jwt_unknown_option 2 valid usage -- jwt decode "$T/tok.jwt" --bogus --json
"$MAAT" jwt decode "$T/badsig.jwt" --jwks "$T/certs.json" --json >"$T/o" 2>/dev/null
[ "$(jget "$T/o" 'd["signature"]["checked"], d["signature"]["valid"], d["header"]["alg"]')" = "True False RS256" ] \
    && ok "jwt decode, bad signature: the decoded token is still there" || bad "jwt decode bad signature body"
"$MAAT" jwt decode "$T/tok.jwt" --jwks "$T/certs.json" --json >"$T/o" 2>/dev/null; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/o" 'd["valid"], "error" in d')" = "True False" ] \
    && ok "jwt decode success: valid true, no error object" || bad "jwt decode success: exit $rc"

# ---- maat attest ----
D="$VEC/azure-samples/intel-sdk/enclave.info.debug.json"
expect json_on_failure_attest_missing_file 3 valid invalid_input -- attest "$T/nosuch.json" --offline --json
expect json_on_failure_attest_usage 2 valid usage -- attest "$D" --json
expect json_on_failure_attest_incomplete 5 valid incomplete -- attest "$D" --offline --at 1752919277 --json
expect json_on_failure_attest_unreachable 4 valid io_error -- attest "$D" --endpoint http://127.0.0.1:9 --json

echo
[ $fails -eq 0 ] && echo "all json-on-failure tests passed" || echo "$fails json-on-failure test(s) FAILED"
[ $fails -eq 0 ]
