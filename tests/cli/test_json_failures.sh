#!/usr/bin/env bash
# test_json_failures.sh - with --json, failures of `maat verify`, `quote inspect`, `policy`
# and `cert` printed nothing on stdout (only a line on stderr). Every failure path checked
# here must print one valid JSON document on stdout with the failure fields
# ({"verified"|"ok": false, "failed_step": ..., "error": {"code", "message"}}) and keep its
# exit code. Also: a non-UTF-8 byte in an error keeps the message (escaped \xNN), and no
# ESC byte reaches piped output. Loopback only; every wait is bounded.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
MAAT="${MAAT_BIN:-}/maat"
V="${MAAT_VECTORS:-../shared/vectors}"
if [ ! -x "$MAAT" ]; then echo "SKIPPED: $MAAT not built (set MAAT_BIN)"; exit 77; fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 needed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-cli-jsonfail-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fails=0

# jfail NAME OKKEY EXIT STEP CODE MSG_PART -- CMD...: runs CMD; stdout must be exactly one
# JSON object with OKKEY false, failed_step STEP ("null" for null), error.code CODE and a
# message containing MSG_PART; the exit code must be EXIT.
jfail() {
    local name=$1 key=$2 want=$3 step=$4 code=$5 part=$6; shift 7
    "$@" >"$T/out" 2>"$T/err"; local rc=$?
    if [ $rc -ne "$want" ]; then bad "$name: exit $rc, expected $want ($(head -c 300 "$T/err"))"; return; fi
    if python3 - "$T/out" "$key" "$step" "$code" "$part" <<'PY'; then ok "$name"; else bad "$name: $(head -c 600 "$T/out")"; fi
import json, sys
path, key, step, code, part = sys.argv[1:]
raw = open(path, "rb").read()
d = json.loads(raw.decode("utf-8"))          # valid JSON, valid UTF-8, one document
assert isinstance(d, dict), "not an object"
assert d.get(key) is False, "%s is not false" % key
want_step = None if step == "null" else step
assert "failed_step" in d and d["failed_step"] == want_step, "failed_step %r" % d.get("failed_step")
e = d.get("error")
assert isinstance(e, dict) and e.get("code") == code, "error %r" % e
assert isinstance(e.get("message"), str) and part in e["message"], "message %r" % e.get("message")
PY
}

# ---------------- maat verify ----------------
Q=$V/dcap-qvl/sgx_quote C=$V/dcap-qvl/sgx_quote_collateral.json
jfail "verify: no QUOTE" verified 2 null usage "exactly one QUOTE" -- "$MAAT" verify --json
jfail "verify: unknown option" verified 2 null usage "bad command line" -- "$MAAT" verify --json --bogus x
jfail "verify: --collateral and --pccs" verified 2 null usage "exclude" -- "$MAAT" verify x --json --collateral a --pccs b
jfail "verify: bad --at names offset" verified 2 null usage "offset 10" -- "$MAAT" verify x --at 2025-07-19X10:01:17Z --json
jfail "verify: unreadable quote" verified 3 null io "$T/none.bin" -- "$MAAT" verify "$T/none.bin" --json
printf 'zz' >"$T/bad.hex"
jfail "verify: undecodable quote" verified 3 structure bad_encoding "bad.hex" -- "$MAAT" verify "$T/bad.hex" --json
if [ -f "$Q" ]; then
    head -c 100 "$Q" >"$T/short"
    jfail "verify: truncated quote" verified 3 structure truncated "truncated" -- "$MAAT" verify "$T/short" --json
    printf 'not a pem\n' >"$T/notpem"
    jfail "verify: bad --trust-root" verified 3 null bad_encoding "--trust-root" -- "$MAAT" verify "$Q" --trust-root "$T/notpem" --json
    jfail "verify: unreadable --trust-root" verified 3 null io "--trust-root" -- "$MAAT" verify "$Q" --trust-root "$T/none.pem" --json
    jfail "verify: unreadable --pck-cert" verified 3 null io "--pck-cert" -- "$MAAT" verify "$Q" --pck-cert "$T/none.pem" --json
    jfail "verify: collateral file missing" verified 3 null collateral_unavailable "not found" -- "$MAAT" verify "$Q" --collateral "$T/none.json" --at 1752919277 --json
    printf '{"x": 1}' >"$T/notbundle.json"
    jfail "verify: collateral not a bundle" verified 3 null collateral_unavailable "notbundle.json" -- "$MAAT" verify "$Q" --collateral "$T/notbundle.json" --at 1752919277 --json
    jfail "verify: verdict (expired collateral)" verified 1 collateral_time verification_failed "QE identity expired" -- "$MAAT" verify "$Q" --collateral "$C" --at 2025-07-19T10:01:19Z --json
    "$MAAT" verify "$Q" --collateral "$C" --at 1752919277 --json >"$T/good.json"; rc=$?
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['verified'] is True and 'error' not in d and 'failed_step' not in d" "$T/good.json" && [ $rc -eq 0 ] \
        && ok "verify: success output unchanged (verified true, no error fields)" || bad "verify success: $rc"
else
    echo "*** SKIPPED (verify vector checks): $Q not found ***"
fi
"$MAAT" sim init "$T/p" --now 2024-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/p" --revoked-pck -o "$T/r.bin" >/dev/null
jfail "verify: revoked PCK (verdict)" verified 1 revocation verification_failed "revoked" -- \
    "$MAAT" verify "$T/r.bin" --collateral "$T/p/collateral.json" --trust-root "$T/p/root-ca.pem" --at 2024-03-02T00:00:00Z --json
"$MAAT" sim quote "$T/p" --tcb Revoked -o "$T/rt.bin" >/dev/null
jfail "verify: TCB status Revoked (exit 1) is verified false at status" verified 1 status revoked "Revoked" -- \
    "$MAAT" verify "$T/rt.bin" --collateral "$T/p/collateral.json" --trust-root "$T/p/root-ca.pem" --at 2024-03-02T00:00:00Z --json

# ---------------- maat quote inspect ----------------
jfail "quote inspect: missing FILE" ok 2 null usage "missing FILE" -- "$MAAT" quote inspect --json
jfail "quote inspect: unknown option" ok 2 null usage "unknown option '--bogus'" -- "$MAAT" quote inspect --json --bogus
jfail "quote inspect: two FILEs" ok 2 null usage "more than one FILE" -- "$MAAT" quote inspect a b --json
jfail "quote inspect: unreadable" ok 3 read io "none.bin" -- "$MAAT" quote inspect "$T/none.bin" --json
{ printf '03%.0s' $(seq 100); printf 'G'; } >"$T/q.hex"
jfail "quote inspect: bad hex" ok 3 decode bad_encoding "invalid hex digit 0x47 at offset 200" -- "$MAAT" quote inspect "$T/q.hex" --json
printf '0700' >"$T/v7.hex"
jfail "quote inspect: not a quote" ok 3 parse unsupported "read as hex" -- "$MAAT" quote inspect "$T/v7.hex" --json

# ---------------- maat policy / maat cert ----------------
MIN='version=1.0; authorizationrules{=> permit();}; issuancerules{};'
printf '%s' "$MIN" >"$T/min.txt"
cat >"$T/stub.py" <<'PY'
import base64, json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
b = lambda x: base64.urlsafe_b64encode(x).decode().rstrip("=")
def token(claims):
    return b(b'{"alg":"none"}') + "." + b(json.dumps(claims).encode()) + "."
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, status, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n: self.rfile.read(n)
        p = self.path.split("?")[0]
        if p == "/policies/SgxEnclave":
            self.reply(401, {"error": {"code": "Unauthorized", "message": "needs a bearer \x1b[31mtoken\x1b[0m"}})
        elif p == "/policies/OpenEnclave":
            self.reply(200, {"token": token({"x-ms-policy-result": "Updated",
                "x-ms-policy-token-hash": "AAAA"})})
        elif p == "/policies/Tpm":
            self.reply(502, b"<html>bad gateway</html>", "text/html")
        elif p == "/policies/SevSnpVm":
            self.reply(200, {"token": token({"x-ms-policy-result": "Updated"})})
        elif p == "/policies/SevSnpVm:reset":
            self.reply(200, {"token": token({"x-ms-policy-result": "No\x1b[31mpe"})})
        elif p == "/certificates" and self.command == "GET":
            self.reply(200, {"token": token({"no-certificates": 1})})
        elif p == "/certificates:add":
            self.reply(400, b'{"error": {"code": "InvalidOperation", "message": "disallowed \xff\xfe"}}')
        elif p == "/certificates:remove":
            self.reply(200, {"token": token({"x-ms-policycertificates-result": "IsPresent",
                "x-ms-certificate-thumbprint": "00"})})
        else:
            self.reply(200, b"not a token", "text/plain")
    do_GET = do_PUT = do_POST = handle_any
s = HTTPServer(("127.0.0.1", 0), H)
print("http://127.0.0.1:%d" % s.server_port, flush=True)
s.serve_forever()
PY
python3 "$T/stub.py" >"$T/stub.url" 2>"$T/stub.err" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$T/stub.url" ] && break; sleep 0.1; done
S=$(head -n1 "$T/stub.url")
[ -n "$S" ] || { echo "stub did not start: $(cat "$T/stub.err")"; exit 1; }
"$MAAT" sign create-cert --key-out "$T/a.key" --cert-out "$T/a.pem" --subject "CN=Signer A" >/dev/null || exit 1

jfail "policy: no verb" ok 2 null usage "expected a verb" -- "$MAAT" policy --json
jfail "policy: unknown TYPE" ok 2 null usage "unknown TYPE 'Foo'" -- "$MAAT" policy get Foo --endpoint "$S" --json
jfail "policy: no --endpoint" ok 2 null usage "--endpoint URL is required" -- "$MAAT" policy get SgxEnclave --json
jfail "policy: unknown option" ok 2 null usage "bad command line" -- "$MAAT" policy get SgxEnclave --json --bogus
jfail "policy: conflicting options" ok 2 null usage "conflicting" -- "$MAAT" policy set SgxEnclave --endpoint "$S" --json
jfail "policy: unreadable --jws" ok 3 input io "none.jws" -- "$MAAT" policy set SgxEnclave --endpoint "$S" --jws "$T/none.jws" --json
jfail "policy: bad bearer env" ok 3 null bad_bearer_token "MAAT_NO_SUCH_VAR" -- "$MAAT" policy get SgxEnclave --endpoint "$S" --bearer-token-env MAAT_NO_SUCH_VAR --json
jfail "policy: connection refused" ok 4 request request_failed "127.0.0.1:1" -- "$MAAT" policy get SgxEnclave --endpoint http://127.0.0.1:1 --json
jfail "policy: service error (401)" ok 1 request service_error "Unauthorized: needs a bearer" -- "$MAAT" policy set SgxEnclave --endpoint "$S" --unsigned-policy "$T/min.txt" --json
jfail "policy: non-MAA error body (502)" ok 1 request service_error "HTTP 502" -- "$MAAT" policy set Tpm --endpoint "$S" --unsigned-policy "$T/min.txt" --json
jfail "policy: unsigned response token" ok 1 response_token response_token_unverified "unsigned" -- "$MAAT" policy set OpenEnclave --endpoint "$S" --unsigned-policy "$T/min.txt" --json
jfail "policy: token hash mismatch" ok 1 response_check token_hash_mismatch "differs" -- "$MAAT" policy set OpenEnclave --endpoint "$S" --unsigned-policy "$T/min.txt" --no-verify-token --json
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['x-ms-policy-result']=='Updated' and d['token_hash_matches'] is False" "$T/out" \
    && ok "policy: a failed response check keeps the result fields" || bad "policy result fields: $(cat "$T/out")"
jfail "policy: no x-ms-policy in get" ok 3 response bad_response "x-ms-policy" -- "$MAAT" policy get SevSnpVm --endpoint "$S" --no-verify-token --json
jfail "policy: unexpected reset result" ok 1 response_check unexpected_result "Removed" -- "$MAAT" policy reset SevSnpVm --endpoint "$S" --no-verify-token --json
jfail "policy: response not a token" ok 3 response bad_response "unexpected response" -- "$MAAT" policy get OpenEnclave --endpoint "$S/x" --json

jfail "cert: no verb" ok 2 null usage "expected a verb" -- "$MAAT" cert --json
jfail "cert: unknown option" ok 2 null usage "bad command line" -- "$MAAT" cert list --json --bogus
jfail "cert: conflicting options" ok 2 null usage "conflicting" -- "$MAAT" cert list --endpoint "$S" --jws x --json
jfail "cert: unreadable --cert" ok 3 input io "none.pem" -- "$MAAT" cert add --endpoint "$S" --cert "$T/none.pem" --key "$T/a.key" --signer-cert "$T/a.pem" --json
jfail "cert: list without keys" ok 3 response bad_response "x-ms-policy-certificates" -- "$MAAT" cert list --endpoint "$S" --no-verify-token --json
jfail "cert: service error, body not UTF-8: message kept" ok 1 request service_error "disallowed \\xff\\xfe" -- "$MAAT" cert add --endpoint "$S" --cert "$T/a.pem" --key "$T/a.key" --signer-cert "$T/a.pem" --json
jfail "cert: unexpected remove result" ok 1 response_check unexpected_result "IsAbsent" -- "$MAAT" cert remove --endpoint "$S" --cert "$T/a.pem" --key "$T/a.key" --signer-cert "$T/a.pem" --no-verify-token --json
jfail "cert: connection refused" ok 4 request request_failed "127.0.0.1:1" -- "$MAAT" cert list --endpoint http://127.0.0.1:1 --json

# ---------------- non-UTF-8 bytes in errors keep the message ----------------
printf 'version=1.0; \377authorizationrules{=> permit();};' >"$T/bad8.txt"
jfail "non-UTF-8 error keeps the message (JSON)" ok 3 input bad_value "token recognition error at: '\\xff'" -- \
    "$MAAT" policy set SgxEnclave --endpoint "$S" --unsigned-policy "$T/bad8.txt" --json
grep -qF "token recognition error at: '\\xff'" "$T/err" && ! LC_ALL=C grep -q $'\xff' "$T/err" \
    && ok "non-UTF-8 error keeps the message (stderr, byte as \\xff)" || bad "stderr: $(od -c "$T/err" | head -5)"
"$MAAT" quote inspect "$T/none"$'\xfe'".bin" --json >"$T/out" 2>"$T/err"
python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['error']['message']; assert m.endswith('none\\\\xfe.bin: No such file or directory'), m" "$T/out" \
    && ok "non-UTF-8 file name keeps the message" || bad "file name: $(cat "$T/out")"

# ---------------- no ESC bytes when piped ----------------
"$MAAT" policy set SgxEnclave --endpoint "$S" --unsigned-policy "$T/min.txt" >"$T/out" 2>"$T/err"
! grep -q $'\x1b' "$T/out" "$T/err" && grep -qF 'needs a bearer \x1b[31mtoken' "$T/err" \
    && ok "a service message's ESC bytes are escaped, never written" || bad "ESC in output: $(od -c "$T/err" | head)"
"$MAAT" policy reset SevSnpVm --endpoint "$S" --no-verify-token >"$T/out" 2>"$T/err"
! grep -q $'\x1b' "$T/out" "$T/err" && grep -qF 'x-ms-policy-result: No\x1b[31mpe' "$T/out" \
    && ok "a service result's ESC bytes are escaped on stdout" || bad "ESC on stdout: $(od -c "$T/out" | head)"
if [ -f "$Q" ]; then
    "$MAAT" verify "$Q" --collateral "$C" --at 1752919277 >"$T/vt.out" 2>&1
    "$MAAT" verify "$Q" --collateral "$C" --at 2025-07-19T10:01:19Z >>"$T/vt.out" 2>&1
    ! grep -q $'\x1b' "$T/vt.out" && grep -q "\[FAIL\] collateral_time" "$T/vt.out" \
        && ok "verify text piped: no colour codes" || bad "verify colour when piped: $(od -c "$T/vt.out" | grep -m3 033)"
    if command -v script >/dev/null; then
        script -qec "'$MAAT' verify '$Q' --collateral '$C' --at 1752919277" /dev/null >"$T/tty.out" 2>&1
        grep -q $'\x1b\[32m' "$T/tty.out" && ok "verify on a terminal: coloured" || bad "no colour on a tty: $(head -3 "$T/tty.out")"
        NO_COLOR=1 script -qec "'$MAAT' verify '$Q' --collateral '$C' --at 1752919277" /dev/null >"$T/tty2.out" 2>&1
        ! grep -q $'\x1b' "$T/tty2.out" && grep -q "verification:  OK" "$T/tty2.out" \
            && ok "verify on a terminal with NO_COLOR: no colour codes" || bad "NO_COLOR ignored"
        TERM=dumb script -qec "'$MAAT' verify '$Q' --collateral '$C' --at 1752919277" /dev/null >"$T/tty3.out" 2>&1
        ! grep -q $'\x1b' "$T/tty3.out" && ok "verify with TERM=dumb: no colour codes" || bad "TERM=dumb coloured"
    else
        echo "*** SKIPPED (tty colour checks): script(1) not found ***"
    fi
fi

if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
