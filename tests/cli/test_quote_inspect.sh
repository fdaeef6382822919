#!/usr/bin/env bash
# test_quote_inspect.sh - `maat quote inspect` over every shared quote vector, in every
# input form, plus the failure paths (exit codes 2 and 3 with specific messages).
# Env: MAAT_BIN (dir of the maat binary), MAAT_VECTORS (shared vectors). Exit 77 = skipped.
set -u

BIN=${MAAT_BIN:-./bin}/maat
V=${MAAT_VECTORS:-../shared/vectors}
if [ ! -d "$V/dcap-qvl" ] || [ ! -d "$V/azure-samples" ]; then
    echo "*** SKIPPED: shared vectors not found at '$V' (set MAAT_VECTORS) ***"
    exit 77
fi
if [ ! -x "$BIN" ]; then
    echo "FAIL: maat binary not found at '$BIN' (set MAAT_BIN)"
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/maat-quote-inspect.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# check_json FILE PYTHON-EXPR...: runs `inspect --json FILE`, then asserts each python
# expression over the parsed JSON `d` is true.
check_json() {
    local file=$1
    shift
    if ! "$BIN" quote inspect --json "$file" >"$TMP/out.json" 2>"$TMP/err.txt"; then
        fail "inspect --json $file exited $? ($(cat "$TMP/err.txt"))"
        return
    fi
    local expr
    for expr in "$@"; do
        if ! python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$TMP/out.json" "$expr" 2>>"$TMP/err.txt"; then
            fail "$file: expected $expr"
        fi
    done
    echo "ok: $file"
}

# expect_exit CODE NEEDLE ARGS...: runs maat ARGS, expects exit CODE and NEEDLE in stderr.
expect_exit() {
    local code=$1 needle=$2
    shift 2
    "$BIN" "$@" >"$TMP/o.txt" 2>"$TMP/e.txt" </dev/null
    local rc=$?
    if [ "$rc" -ne "$code" ]; then
        fail "maat $* exited $rc, expected $code (stderr: $(cat "$TMP/e.txt"))"
    elif ! grep -qF -- "$needle" "$TMP/e.txt"; then
        fail "maat $*: stderr lacks '$needle': $(cat "$TMP/e.txt")"
    else
        echo "ok: maat $* -> $code"
    fi
}

# ---- every vector file ----
AZ_COMMON='d["format"] == "enclave-info-json" and d["version"] == 3 and d["certification_data"]["type"] == 5 and len(d["certification_data"]["certificates"]) == 3 and len(d["qe_auth_data"]) == 64 and d["pck"]["fmspc"] == "00906ed50000" and d["enclave_info"]["matches_quote"] and d["enclave_info"]["ehd_matches_report_data"] and d["report_body"]["mr_enclave"] == d["enclave_info"]["MrEnclaveHex"] and "warnings" not in d'
for kind in intel-sdk oe-sdk; do
    if [ $kind = intel-sdk ]; then
        svns='d["qe_svn"] == 9 and d["pce_svn"] == 14 and not d["oe_envelope"]'
    else
        svns='d["qe_svn"] == 5 and d["pce_svn"] == 10 and d["oe_envelope"] and d["oe_header"]["report_size"] == 4584'
    fi
    check_json "$V/azure-samples/$kind/enclave.info.debug.json" "$AZ_COMMON" "$svns" \
        'd["report_body"]["attributes"]["flags"] == 7 and d["report_body"]["isv_prod_id"] == 1'
    check_json "$V/azure-samples/$kind/enclave.info.release.json" "$AZ_COMMON" "$svns" \
        'd["report_body"]["attributes"]["flags"] == 5'
    check_json "$V/azure-samples/$kind/enclave.info.prodid.json" "$AZ_COMMON" "$svns" \
        'd["report_body"]["isv_prod_id"] == 9999 and d["report_body"]["isv_svn"] == 1'
    check_json "$V/azure-samples/$kind/enclave.info.securityversion.json" "$AZ_COMMON" "$svns" \
        'd["report_body"]["isv_svn"] == 8888'
done

check_json "$V/dcap-qvl/sgx_quote" \
    'd["format"] == "binary" and d["size"] == 4600 and d["version"] == 3' \
    'd["pck"]["fmspc"] == "00a067110000" and "trailing_bytes" not in d'
check_json "$V/dcap-qvl/tdx_quote" \
    'd["version"] == 4 and d["tee_type"] == 0x81 and "td_report" in d and "report_body" not in d' \
    'd["trailing_bytes"] == {"count": 70, "all_zero": True, "offset": 4936}' \
    'd["certification_data"]["type"] == 6 and d["certification_data"]["certification_data"]["type"] == 5' \
    'd["pck"]["fmspc"] == "b0c06f000000" and "warnings" not in d'
check_json "$V/dcap-qvl/tdx_quote_outdated" \
    'd["version"] == 5 and d["body_type"] == 3 and d["body_size"] == 648' \
    '"tee_tcb_svn2" in d["td_report"] and "mr_servicetd" in d["td_report"]' \
    'd["pck"]["fmspc"] == "90c06f000000"'
check_json "$V/intel-qvl-sample/quote.dat" \
    'd["version"] == 3 and d["size"] == 1054 and d["qe_svn"] == 0 and d["pce_svn"] == 3' \
    'd["certification_data"]["type"] == 1 and d["certification_data"]["size"] == 34' \
    'd["certification_data"]["ppid"] == "8461863bb7ece31f64c8e9b77fd31cad"' \
    'd["certification_data"]["cpu_svn"] == "00030000000101000000000000000000"' \
    'd["certification_data"]["pce_svn"] == 3 and d["qe_auth_data"] == "" and "pck" not in d' \
    'd["qe_report"]["attributes"]["flags"] == "0xab6ed78bf4cbc870"'
check_json "$V/intel-qvl-sample/tdx/quote.dat" \
    'd["version"] == 4 and d["tee_type"] == 129 and d["size"] == 3696' \
    'd["certification_data"]["certification_data"]["encoding"] == "der"' \
    '[c["subject"].split("CN=")[1] for c in d["certification_data"]["certification_data"]["certificates"]] == ["Intel SGX Root CA", "Intel SGX PCK Processor CA", "Intel SGX PCK Certificate"]' \
    'd["qe_report"]["mr_signer"].startswith("e4bd9fc2")'
check_json "$V/tdx/tdx_prod_quote_SPR_E4.dat" \
    'd["version"] == 4 and d["td_report"]["tee_tcb_svn"] == "03000400000000000000000000000000"' \
    'd["td_report"]["mr_td"].startswith("6363b804") and d["td_report"]["report_data"].startswith("6c62dec1")' \
    'd["qe_report"]["mr_signer"].startswith("dc9e2a7c") and d["qe_report"]["isv_prod_id"] == 2 and d["qe_report"]["isv_svn"] == 4' \
    'd["trailing_bytes"] == {"count": 39, "all_zero": False, "offset": 4935}' \
    'any("offset 4935" in w for w in d["warnings"])' \
    'd["pck"]["fmspc"] == "50806f000000" and d["pck"]["ca"] == "platform"'
# The warning also reaches stderr.
"$BIN" quote inspect "$V/tdx/tdx_prod_quote_SPR_E4.dat" >"$TMP/spr.txt" 2>"$TMP/spr.err" ||
    fail "text inspect of SPR_E4 failed"
grep -q "warning: .*39 bytes after the end of the quote at offset 4935" "$TMP/spr.err" ||
    fail "SPR_E4: no trailing-bytes warning on stderr: $(cat "$TMP/spr.err")"

# MAA attest requests: the recorded body, as a client sends it.
for req in sgx-shared-plain oe-shared-plain; do
    python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["body"], open(sys.argv[2], "w"))' \
        "$V/maa-recordings/attest/$req.request.json" "$TMP/$req.body.json" ||
        fail "cannot extract $req body"
done
check_json "$TMP/sgx-shared-plain.body.json" \
    'd["format"] == "maa-attest-request" and d["request_field"] == "quote" and d["size"] == 4584' \
    'd["report_body"]["attributes"]["flags"] == 7 and not d["oe_envelope"]' \
    'd["report_body"]["mr_signer"] == "4aea5f9a0ed04b11f889aadfe6a1d376213a29a95a85ce7337ae6f7fece6610c"'
check_json "$TMP/oe-shared-plain.body.json" \
    'd["request_field"] == "report" and d["size"] == 4600 and d["oe_envelope"]' \
    'd["oe_header"] == {"version": 1, "report_type": 2, "report_size": 4584}'

# ---- re-encodings of one quote, made here ----
Q="$V/dcap-qvl/sgx_quote"
python3 - "$Q" "$TMP" <<'EOF'
import base64, sys
q = open(sys.argv[1], "rb").read()
t = sys.argv[2]
open(t + "/q.hex", "w").write(q.hex().upper() + "\n")
open(t + "/q.b64", "w").write("\r\n" + base64.b64encode(q).decode() + "\r\n")
open(t + "/q.b64u", "w").write(base64.urlsafe_b64encode(q).decode().rstrip("="))
open(t + "/q.hexbad", "w").write(q.hex()[:12] + "G" + q.hex()[13:])
open(t + "/q.trunc", "wb").write(q[:1000])
open(t + "/q.wrapped", "w").write(q.hex()[:64] + "\n" + q.hex()[64:])
EOF
for f in hex:q.hex base64:q.b64 base64url:q.b64u; do
    check_json "$TMP/${f#*:}" "d[\"format\"] == \"${f%%:*}\" and d[\"size\"] == 4600" \
        'd["report_body"]["mr_enclave"] == "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"'
done
# stdin
if "$BIN" quote inspect --json - <"$TMP/q.b64u" >"$TMP/stdin.json" 2>"$TMP/e.txt" &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["format"] != "base64url")' "$TMP/stdin.json"; then
    echo "ok: stdin"
else
    fail "stdin: $(cat "$TMP/e.txt")"
fi
# text output shows fields aligned, with annotations
"$BIN" quote inspect "$Q" >"$TMP/text.txt" 2>"$TMP/e.txt" || fail "text inspect: $(cat "$TMP/e.txt")"
grep -Eq '^  mr_enclave +33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb$' "$TMP/text.txt" ||
    fail "text output lacks an aligned report_body.mr_enclave line"
grep -Eq '^    flags +5 \(0x5: INIT MODE64BIT\)$' "$TMP/text.txt" || fail "text output lacks decoded flags"
grep -Eq '^  fmspc +00a067110000$' "$TMP/text.txt" || fail "text output lacks pck.fmspc"

# ---- failures ----
printf 'this is not a quote!\n' >"$TMP/garbage.txt"
printf '\007\000\377\001' | cat - /dev/zero | head -c 300 >"$TMP/garbage.bin"
printf '\003\000\002\000' | cat - /dev/zero | head -c 100 >"$TMP/short.bin"
expect_exit 3 "base64 text: invalid base64 character 0x20 at offset 4" quote inspect "$TMP/garbage.txt"
expect_exit 3 "version 7 at offset 0 is not supported (expected 3, 4 or 5)" quote inspect "$TMP/garbage.bin"
expect_exit 3 "quote truncated" quote inspect "$TMP/short.bin"
expect_exit 3 "truncated" quote inspect "$TMP/q.trunc"
expect_exit 3 "hex text: invalid hex digit 0x47 at offset 12" quote inspect "$TMP/q.hexbad"
expect_exit 3 "invalid hex digit 0x0a at offset 64" quote inspect "$TMP/q.wrapped"
expect_exit 3 "No such file" quote inspect "$TMP/does-not-exist"
: >"$TMP/empty"
expect_exit 3 "input is empty" quote inspect "$TMP/empty"
printf '{"Type": 2, "QuoteHex": 7}' >"$TMP/ei.json"
expect_exit 3 "EnclaveInfo JSON: field MrEnclaveHex is missing" quote inspect "$TMP/ei.json"
expect_exit 2 "missing FILE" quote inspect
expect_exit 2 "unknown option '--bogus'" quote inspect --bogus "$Q"
expect_exit 2 "more than one FILE" quote inspect "$Q" "$Q"
expect_exit 2 "unknown sub-command" quote frobnicate
"$BIN" quote inspect --help | grep -q "usage: maat quote inspect" || fail "--help"

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all quote inspect checks passed"
