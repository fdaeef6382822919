#!/usr/bin/env bash
# test_maatd_error_non_utf8_keeps_message.sh - issue 12 item 15, "a non-UTF-8 byte in an
# error must not erase the whole message": maatd's error body quoted the request path,
# and a path with a byte that is not UTF-8 (percent-encoded: %FF) turned the whole message
# into "(message not representable)". Now the byte shows as \xff, valid UTF-8 around it
# (é) stays, and the rest of the message is kept, in `message` and `innererror.message`.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-utf8-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; sleep 0.2; rm -rf "$T"; }
trap cleanup EXIT
fails=0
. "$(dirname "$0")/../lib/maatd.sh"

"$MAAT" sim init "$T/sim" >/dev/null || { echo "sim init failed"; exit 1; }
maatd_start A --store "$T/a.db" --sim "$T/sim" || exit 1

# check NAME URL METHOD STATUS CODE EXPECTED_MESSAGE
check() {
    local st
    st=$(curl -s -m 20 -o "$T/$1.out" -w '%{http_code}' -X "$3" "$2")
    if [ "$st" != "$4" ]; then bad "$1: status $st, expected $4: $(head -c 300 "$T/$1.out")"; return; fi
    if python3 - "$T/$1.out" "$5" "$6" <<'PY'
import json, sys
body = open(sys.argv[1], "rb").read()
d = json.loads(body.decode("utf-8"))          # strict: the body is UTF-8 JSON
e = d["error"]
want = sys.argv[3]
assert e["code"] == sys.argv[2], e
assert e["message"] == want, (e["message"], want)
assert e["innererror"]["message"] == want, e["innererror"]
assert e["innererror"]["code"] == sys.argv[2], e
PY
    then ok "$1: $4 $5 keeps the message with the bad byte as \\xff"
    else bad "$1: body $(head -c 400 "$T/$1.out")"; fi
}
check attest "$URL_A/attest/%FFab%C3%A9c?api-version=2022-08-01" GET 404 NotFound \
    'No route for GET /attest/\xffabéc.'
check policy "$URL_A/policies/Sgx%FEEnclave?api-version=2022-08-01" PUT 404 NotFound \
    'No route for PUT /policies/Sgx\xfeEnclave.'
check truncated "$URL_A/attest/x%E2%82?api-version=2022-08-01" POST 404 NotFound \
    'No route for POST /attest/x\xe2\x82.'
# the same instance still answers a valid request with valid JSON
st=$(curl -s -m 20 -o "$T/certs.out" -w '%{http_code}' "$URL_A/certs")
[ "$st" = 200 ] && ok "GET /certs: 200 afterwards" || bad "GET /certs: $st"

[ "$fails" -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
