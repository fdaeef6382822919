#!/usr/bin/env bash
# test_maatd_tcb_settings.sh - issue 14 in maatd: the TCB policy settings --min-tcb-status,
# --max-collateral-age and --allow-advisory (command line and config file, where the
# allow-list is one `allow-advisory = ID` line per ID) on SgxEnclave, OpenEnclave and
# TdxVm: a failing check is MAA's 400 InvalidParameter naming the check and the values, a
# passing one is named in the token; invalid values are refused at start-up with exit 2
# naming the option (and the config file line). And with no setting at all, a policy
# decides on the incoming x-maat-* claims itself: a minimum evaluation number, a denied
# advisory, a minimum status. The sim (fixed --now, verification time fixed with
# --test-verification-time) has evaluation number 17; its OutOfDate level lists
# INTEL-SA-00828 and INTEL-SA-00615, its UpToDate level none.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-tcb-settings-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; sleep 0.2; rm -rf "$T"; }
trap cleanup EXIT
fails=0
. "$(dirname "$0")/../lib/maatd.sh"
. "$(dirname "$0")/../lib/attest_http.sh"
# mkoe OUT QUOTE: OpenEnclave body (mkreq, from attest_http.sh: SgxEnclave/TdxVm)
mkoe() { python3 - "$@" <<'PY'
import base64, json, struct, sys
q = open(sys.argv[2], "rb").read()
rep = struct.pack("<IIQ", 1, 2, len(q)) + q  # OpenEnclave report header + quote
json.dump({"report": base64.urlsafe_b64encode(rep).rstrip(b"=").decode()}, open(sys.argv[1], "w"))
PY
}
# expect400 NAME URL BODY SUBSTRING...: 400 InvalidParameter whose message has each substring
expect400() {
    local name=$1 url=$2 body=$3; shift 3
    local st; st=$(post "$url" "$body" "$T/$name.out")
    if [ "$st" != 400 ] || [ "$(jget "$T/$name.out" 'd["error"]["code"]')" != InvalidParameter ]; then
        bad "$name: expected 400 InvalidParameter, got $st $(head -c 300 "$T/$name.out")"; return
    fi
    local msg; msg=$(jget "$T/$name.out" 'd["error"]["message"]')
    for s in "$@"; do
        case "$msg" in *"$s"*) ;; *) bad "$name: message lacks '$s': $msg"; return ;; esac
    done
    ok "$name: 400 naming the check and values"
}
# expect_policy_refusal NAME URL BODY: 400 PolicyEvaluationError
expect_policy_refusal() {
    local st; st=$(post "$2" "$3" "$T/$1.out")
    [ "$st" = 400 ] && [ "$(jget "$T/$1.out" 'd["error"]["code"]')" = PolicyEvaluationError ] \
        && ok "$1: refused by the policy" || bad "$1: expected 400 PolicyEvaluationError, got $st $(head -c 300 "$T/$1.out")"
}
expect200() {
    local st; st=$(post "$2" "$3" "$T/$1.out")
    if [ "$st" = 200 ]; then ok "$1: 200"; claims "$T/$1.out" "$T/$1.claims"; else bad "$1: expected 200, got $st $(head -c 300 "$T/$1.out")"; fi
}
# set_tdx_policy URL TEXT: PUT /policies/TdxVm (aad mode; an unsigned JWS, as MAA takes it)
set_tdx_policy() {
    local jws; jws=$(python3 -c "
import base64,json,sys
b=lambda x: base64.urlsafe_b64encode(x).rstrip(b'=').decode()
print(b(b'{\"alg\":\"none\"}')+'.'+b(json.dumps({'AttestationPolicy': b(sys.argv[1].encode())}).encode())+'.')" "$2")
    curl -s -m 20 -o "$T/setpol.out" -w '%{http_code}' -X PUT -H 'Content-Type: text/plain' \
        -H "Authorization: Bearer $(cat "$T/admin.token")" --data-binary "$jws" \
        "$1/policies/TdxVm?api-version=2025-06-01"
}
# start-up refusal: startup_refused NAME SUBSTRING ARGS...: exit 2 and stderr naming it
startup_refused() {
    local name=$1 want=$2; shift 2
    "$MAATD" --store "$T/$name.db" --listen 127.0.0.1:0 "$@" >"$T/$name.stdout" 2>"$T/$name.err" </dev/null &
    local pid=$! rc
    PIDS+=("$pid")
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid"; maatd_forget "$pid"; bad "$name: maatd started"; return; fi
    wait "$pid"; rc=$?; maatd_forget "$pid"
    [ "$rc" = 2 ] && grep -qF -- "$want" "$T/$name.err" && ok "$name: exit 2 naming it" \
        || bad "$name: exit $rc, stderr: $(head -c 300 "$T/$name.err")"
}

NOW=2025-03-01T00:00:00Z
AT=2025-03-01T01:00:00Z
"$MAAT" sim init "$T/sim" --now "$NOW" >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" -o "$T/u.bin" >/dev/null || exit 1
"$MAAT" sim quote "$T/sim" --tcb OutOfDate -o "$T/o.bin" >/dev/null || exit 1
"$MAAT" sim quote "$T/sim" --tee tdx -o "$T/tu.bin" >/dev/null || exit 1
"$MAAT" sim quote "$T/sim" --tee tdx --tdx-tcb OutOfDate -o "$T/to.bin" >/dev/null || exit 1
mkreq "$T/u.json" "$T/u.bin"; mkreq "$T/o.json" "$T/o.bin"
mkoe "$T/oe-u.json" "$T/u.bin"; mkoe "$T/oe-o.json" "$T/o.bin"
mkreq "$T/tu.json" "$T/tu.bin"; mkreq "$T/to.json" "$T/to.bin"
printf 'tcb-settings-admin\n' >"$T/admin.token"; chmod 600 "$T/admin.token"

# ---- start-up: invalid values are usage errors naming the option ----
startup_refused bad-status "--min-tcb-status 'uptodate': not a TCB status" --sim "$T/sim" --min-tcb-status uptodate
startup_refused bad-age "--max-collateral-age '0': expected an integer 1..36500" --sim "$T/sim" --max-collateral-age 0
startup_refused bad-age-text "--max-collateral-age '3d'" --sim "$T/sim" --max-collateral-age 3d
startup_refused bad-advisory "--allow-advisory 'INTEL-SA-00615,INTEL-SA-00828': expected one advisory ID" \
    --sim "$T/sim" --allow-advisory INTEL-SA-00615,INTEL-SA-00828
startup_refused empty-advisory "--allow-advisory '': expected one advisory ID" --sim "$T/sim" --allow-advisory ''
printf 'sim = %s\nmin-tcb-status = OutOfDate\nmin-tcb-status = Outdated\n' "$T/sim" >"$T/bad1.conf"
startup_refused conf-status "$T/bad1.conf:3: --min-tcb-status 'Outdated'" --config "$T/bad1.conf"
printf 'sim = %s\nallow-advisory = INTEL-SA-00615\nallow-advisory = INTEL-SA-00828 INTEL-SA-00615\n' "$T/sim" >"$T/bad2.conf"
startup_refused conf-advisory "$T/bad2.conf:3: --allow-advisory 'INTEL-SA-00828 INTEL-SA-00615'" --config "$T/bad2.conf"

# ---- no TCB setting: the policy decides on the x-maat-* claims itself ----
maatd_start A --store "$T/a.db" --sim "$T/sim" --test-verification-time "$AT" \
    --mode aad --admin-token-file "$T/admin.token" || exit 1
S="$URL_A/attest/SgxEnclave?api-version=2022-08-01"
TDX="$URL_A/attest/TdxVm?api-version=2025-06-01"
expect200 plain-outofdate "$S" "$T/o.json"   # no setting: OutOfDate gets a token
P_EVAL17='version=1.1; authorizationrules{c:[type=="x-maat-tcb-eval-num", value >= 17] => permit();};'
P_EVAL18='version=1.1; authorizationrules{c:[type=="x-maat-tcb-eval-num", value >= 18] => permit();};'
P_DENY615='version=1.1; authorizationrules{c:[type=="x-maat-advisory-ids", value=="INTEL-SA-00615"] => deny(); => permit();};'
# docs/claims.md's example: a denied advisory, a minimum number and a minimum status
P_DOC='version=1.1; authorizationrules {
  c:[type=="x-maat-advisory-ids", value=="INTEL-SA-00615"] => deny();
  c:[type=="x-maat-tcb-eval-num", value >= 17] && [type=="x-maat-tcb-status", value=="UpToDate"] => permit();
  c:[type=="x-maat-tcb-eval-num", value >= 17] && [type=="x-maat-tcb-status", value=="SWHardeningNeeded"] => permit();
};'
mkreq "$T/e17.json" "$T/o.bin" "$P_EVAL17"; mkreq "$T/e18.json" "$T/o.bin" "$P_EVAL18"
mkreq "$T/d-o.json" "$T/o.bin" "$P_DENY615"; mkreq "$T/d-u.json" "$T/u.bin" "$P_DENY615"
mkreq "$T/doc-u.json" "$T/u.bin" "$P_DOC"; mkreq "$T/doc-o.json" "$T/o.bin" "$P_DOC"
expect200 policy-eval-17 "$S" "$T/e17.json"
expect_policy_refusal policy-eval-18 "$S" "$T/e18.json"
expect_policy_refusal policy-deny-advisory "$S" "$T/d-o.json"
jget "$T/policy-deny-advisory.out" 'd["error"]["message"]' | grep -q "A Deny claim was issued" \
    && ok "policy-deny-advisory: MAA's deny message" || bad "deny message: $(cat "$T/policy-deny-advisory.out")"
expect200 policy-deny-advisory-uptodate "$S" "$T/d-u.json"
expect200 policy-doc-uptodate "$S" "$T/doc-u.json"
expect_policy_refusal policy-doc-outofdate "$S" "$T/doc-o.json"
# TdxVm (no draft policies there): the stored policy sees the claims too
st=$(set_tdx_policy "$URL_A" "$P_EVAL18"); [ "$st" = 200 ] || bad "PUT TdxVm policy: $st $(cat "$T/setpol.out")"
expect_policy_refusal tdx-policy-eval-18 "$TDX" "$T/tu.json"
st=$(set_tdx_policy "$URL_A" "$P_DENY615"); [ "$st" = 200 ] || bad "PUT TdxVm policy: $st $(cat "$T/setpol.out")"
expect_policy_refusal tdx-policy-deny-advisory "$TDX" "$T/to.json"
expect200 tdx-policy-deny-advisory-uptodate "$TDX" "$T/tu.json"
[ -f "$T/tdx-policy-deny-advisory-uptodate.claims" ] && [ "$(jget "$T/tdx-policy-deny-advisory-uptodate.claims" 'd["x-maat-tcb-eval-num"]')" = 17 ] \
    && ok "TdxVm token: x-maat-tcb-eval-num 17" || bad "TdxVm token lacks x-maat-tcb-eval-num"

# ---- command-line settings on every route ----
maatd_start B --store "$T/b.db" --sim "$T/sim" --test-verification-time "$AT" \
    --min-tcb-status UpToDate --max-collateral-age 30 --allow-advisory INTEL-SA-00615 || exit 1
SB="$URL_B/attest/SgxEnclave?api-version=2022-08-01"
OB="$URL_B/attest/OpenEnclave?api-version=2022-08-01"
TB="$URL_B/attest/TdxVm?api-version=2025-06-01"
expect200 cli-sgx-uptodate "$SB" "$T/u.json"
[ -f "$T/cli-sgx-uptodate.claims" ] && [ "$(jget "$T/cli-sgx-uptodate.claims" '"%s %s %s %s" % (d["x-maat-min-tcb-status"], d["x-maat-max-collateral-age-days"], d["x-maat-collateral-age"], d["x-maat-advisory-allow-list"])')" = "UpToDate 30 3600 True" ] \
    && ok "token names the settings met" || bad "settings claims: $(cat "$T/cli-sgx-uptodate.claims" 2>/dev/null | head -c 600)"
expect400 cli-sgx-outofdate "$SB" "$T/o.json" "Quote verification failed at step status" \
    "TCB status OutOfDate is worse than the minimum accepted, UpToDate (--min-tcb-status)" \
    "advisories not in the allow-list (--allow-advisory): INTEL-SA-00828" "Fix: "
expect200 cli-oe-uptodate "$OB" "$T/oe-u.json"
expect400 cli-oe-outofdate "$OB" "$T/oe-o.json" "TCB status OutOfDate is worse than the minimum accepted, UpToDate (--min-tcb-status)"
expect200 cli-tdx-uptodate "$TB" "$T/tu.json"
[ -f "$T/cli-tdx-uptodate.claims" ] && [ "$(jget "$T/cli-tdx-uptodate.claims" 'd["x-maat-min-tcb-status"]')" = UpToDate ] \
    && ok "TdxVm token names the minimum" || bad "TdxVm x-maat-min-tcb-status"
expect400 cli-tdx-outofdate "$TB" "$T/to.json" "TCB status OutOfDate is worse than the minimum accepted, UpToDate (--min-tcb-status)" \
    "advisories not in the allow-list (--allow-advisory): INTEL-SA-00828"

# ---- config file settings: the allow-list as repeated lines ----
printf 'sim = %s\ntest-verification-time = %s\nmin-tcb-status = OutOfDate\nallow-advisory = INTEL-SA-00828\nallow-advisory = INTEL-SA-00615\n' \
    "$T/sim" "$AT" >"$T/c.conf"
maatd_start C --store "$T/c.db" --config "$T/c.conf" || exit 1
expect200 conf-both-allowed "$URL_C/attest/SgxEnclave?api-version=2022-08-01" "$T/o.json"
# a flag replaces the file's list (as --trust-root does): INTEL-SA-00828 is no longer allowed
maatd_start D --store "$T/d.db" --config "$T/c.conf" --allow-advisory INTEL-SA-00615 || exit 1
expect400 conf-flag-replaces-list "$URL_D/attest/SgxEnclave?api-version=2022-08-01" "$T/o.json" \
    "advisories not in the allow-list (--allow-advisory): INTEL-SA-00828"

# ---- maximum collateral age: the collateral is issued at NOW; verified 3 days later ----
maatd_start E --store "$T/e.db" --sim "$T/sim" --test-verification-time 2025-03-04T00:00:00Z --max-collateral-age 2 || exit 1
expect400 max-age "$URL_E/attest/SgxEnclave?api-version=2022-08-01" "$T/u.json" \
    "3 days before the verification time 2025-03-04T00:00:00Z: more than the maximum collateral age of 2 days (--max-collateral-age)"
expect400 max-age-tdx "$URL_E/attest/TdxVm?api-version=2025-06-01" "$T/tu.json" \
    "more than the maximum collateral age of 2 days (--max-collateral-age)"

[ "$fails" -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
