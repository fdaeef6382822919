#!/usr/bin/env bash
# test_tdx_sim.sh - the TDX sim matrix through the CLI: `maat sim init` writes TDX
# collateral, `maat sim quote --tee tdx` makes TD quotes for every situation, and
# `maat verify` gives Intel QVL's verdict (status, failed step) plus maat's appraisal
# defaults and their opt-in flags. Verification time is fixed (never today's date).
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
MAAT="${MAAT_BIN:-}/maat"
if [ ! -x "$MAAT" ]; then echo "SKIPPED: $MAAT not built (set MAAT_BIN)"; exit 77; fi
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-cli-tdx-sim-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0

D="$T/plat"
NOW=2025-03-01T00:00:00Z
AT=2025-03-02T00:00:00Z
"$MAAT" sim init "$D" --now "$NOW" >/dev/null 2>"$T/err" || { cat "$T/err"; exit 1; }
for f in collateral-tdx.json collateral-tdx-platform.json pcs/tdx-tcb-00906ED50000.json \
         pcs/td-qe-identity.json pcs/tdx-tcb-00906ED50000.issuer-chain.pem \
         pcs/td-qe-identity.issuer-chain.pem; do
    [ -s "$D/$f" ] && ok "sim init wrote $f" || bad "sim init did not write $f"
done
TDXC="$D/collateral-tdx.json"
SGXC="$D/collateral.json"

# field FILE PATH... -> value of a JSON path (dot-separated), "null" when absent/null
field() {
    python3 - "$@" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("null" if v is None else (str(v).lower() if isinstance(v, bool) else v))
EOF
}

# case NAME EXIT STATUS FAILED_STEP [sim quote options] [-- verify options]
# STATUS "-" = not checked; FAILED_STEP "-" = verified (no failed step)
n=0
case_() {
    local name=$1 want_rc=$2 want_status=$3 want_step=$4; shift 4
    local qopts=() vopts=() coll=$TDXC
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do qopts+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    while [ $# -gt 0 ]; do
        if [ "$1" = "--coll" ]; then coll=$2; shift 2; else vopts+=("$1"); shift; fi
    done
    n=$((n + 1))
    local q="$T/q$n"
    if ! "$MAAT" sim quote "$D" "${qopts[@]}" -o "$q" 2>"$T/err"; then
        bad "$name: sim quote failed: $(head -c 300 "$T/err")"; return
    fi
    "$MAAT" verify "$q" --collateral "$coll" --trust-root "$D/root-ca.pem" --at "$AT" --json \
        "${vopts[@]}" >"$T/v.json" 2>"$T/err"
    local rc=$? status step
    status=$(field "$T/v.json" status)
    step=$(field "$T/v.json" failed_step)
    [ "$want_step" = "-" ] && want_step=null
    if [ "$rc" -ne "$want_rc" ]; then
        bad "$name: exit $rc, expected $want_rc ($(field "$T/v.json" reason))"
    elif [ "$want_status" != "-" ] && [ "$status" != "$want_status" ]; then
        bad "$name: status $status, expected $want_status ($(field "$T/v.json" reason))"
    elif [ "$step" != "$want_step" ]; then
        bad "$name: failed step $step, expected $want_step ($(field "$T/v.json" reason))"
    else
        ok "$name: exit $rc, status $status, failed step $step"
    fi
}

# --- TCB statuses (the TDX level chosen by TEE_TCB_SVN[2]) ---
case_ "UpToDate" 0 UpToDate - --tee tdx
for st in SWHardeningNeeded ConfigurationNeeded ConfigurationAndSWHardeningNeeded OutOfDate \
          OutOfDateConfigurationNeeded; do
    case_ "tdx-tcb $st" 0 "$st" - --tee tdx --tdx-tcb "$st"
done
case_ "tdx-tcb Revoked is a failure" 1 Revoked status --tee tdx --tdx-tcb Revoked
# the PCK (SGX components) chooses the level too: the TDX verdict comes from the level
# matching both, never from the SGX-only one
case_ "PCK tcb OutOfDate" 0 OutOfDate - --tee tdx --tcb OutOfDate
case_ "TEE_TCB_SVN below every level: not supported" 1 - tcb_info --tee tdx --tee-tcb-svn 04010300000000000000000000000000

# --- TD report 1.5, relaunch ---
case_ "TD 1.5 UpToDate (v5)" 0 UpToDate - --tee tdx --td-version 1.5
case_ "TD 1.0 in a v5 quote" 0 UpToDate - --tee tdx --quote-version 5
case_ "TDRelaunchAdvised" 0 TDRelaunchAdvised - --tee tdx --td-version 1.5 --tdx-tcb TDRelaunchAdvised
case_ "TDRelaunchAdvisedConfigurationNeeded" 0 TDRelaunchAdvisedConfigurationNeeded - \
    --tee tdx --td-version 1.5 --tdx-tcb TDRelaunchAdvisedConfigurationNeeded
case_ "TD 1.5 OutOfDate launch and current: OutOfDate" 0 OutOfDate - \
    --tee tdx --td-version 1.5 --tdx-tcb OutOfDate

# --- module identity ---
case_ "module TDX_03" 0 UpToDate - --tee tdx --module-version 3
case_ "module version 0 (base tdxModule)" 0 UpToDate - --tee tdx --module-version 0
case_ "module OutOfDate converges" 0 OutOfDate - --tee tdx --module-tcb OutOfDate
case_ "module Revoked" 1 Revoked status --tee tdx --module-tcb Revoked
case_ "module SVN below every level: not supported" 1 - tcb_info --tee tdx --module-svn 0
case_ "unknown module version TDX_07" 1 - tcb_info --tee tdx --module-version 7
case_ "MRSIGNERSEAM wrong" 1 - tcb_info --tee tdx --mrsignerseam "$(printf '11%.0s' $(seq 48))"
case_ "SEAMATTRIBUTES non-zero" 1 - tcb_info --tee tdx --seam-attributes 0100000000000000

# --- wrong-TEE collateral, both ways; TD QE identity ---
case_ "TD quote with SGX collateral" 1 - tcb_info --tee tdx -- --coll "$SGXC"
n=$((n + 1))
"$MAAT" sim quote "$D" -o "$T/sgx.q" 2>/dev/null
"$MAAT" verify "$T/sgx.q" --collateral "$TDXC" --trust-root "$D/root-ca.pem" --at "$AT" --json \
    >"$T/v.json" 2>"$T/err"
rc=$?
if [ $rc -eq 1 ] && [ "$(field "$T/v.json" verified)" = false ]; then
    ok "SGX quote with TDX collateral refused (failed step $(field "$T/v.json" failed_step))"
else bad "SGX quote with TDX collateral: exit $rc"; fi
case_ "TD QE identity mismatch (QE isvprodid 1)" 1 - qe_identity --tee tdx --qe-prod-id 1

# --- maat's appraisal defaults and the opt-ins ---
case_ "debug TD refused" 1 UpToDate status --tee tdx --debug
case_ "debug TD --allow-debug-td" 0 UpToDate - --tee tdx --debug -- --allow-debug-td
case_ "reserved TD attribute bit 29 refused" 1 UpToDate status --tee tdx --td-attributes 0000003000000000
case_ "reserved bit --allow-reserved-td-attributes" 0 UpToDate - --tee tdx \
    --td-attributes 0000003000000000 -- --allow-reserved-td-attributes
case_ "SEPT_VE_DISABLE clear refused" 1 UpToDate status --tee tdx --td-attributes 0000000000000000
case_ "SEPT_VE_DISABLE clear --allow-sept-ve" 0 UpToDate - --tee tdx \
    --td-attributes 0000000000000000 -- --allow-sept-ve
MRS="$(printf 'ab%.0s' $(seq 48))"
case_ "MRSERVICETD non-zero refused" 1 UpToDate status --tee tdx --td-version 1.5 --mrservicetd "$MRS"
case_ "MRSERVICETD --allow-service-td" 0 UpToDate - --tee tdx --td-version 1.5 --mrservicetd "$MRS" \
    -- --allow-service-td
case_ "PKS, KL, PERFMON allowed by default" 0 UpToDate - --tee tdx --td-attributes 000000d000000080

# the verdict names the opt-in flags a refusal needs (all of them, from the TD report)
"$MAAT" sim quote "$D" --tee tdx --debug --td-attributes 0100002000000000 -o "$T/o.q" 2>/dev/null
"$MAAT" verify "$T/o.q" --collateral "$TDXC" --trust-root "$D/root-ca.pem" --at "$AT" --json \
    >"$T/v.json" 2>/dev/null
got=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["tdx"]["appraisal_opt_ins"]))' "$T/v.json")
[ "$got" = "--allow-debug-td --allow-reserved-td-attributes --allow-sept-ve" ] \
    && ok "appraisal_opt_ins lists the needed flags" || bad "appraisal_opt_ins: '$got'"
"$MAAT" verify "$T/o.q" --collateral "$TDXC" --trust-root "$D/root-ca.pem" --at "$AT" \
    --allow-debug-td --allow-reserved-td-attributes --allow-sept-ve >/dev/null 2>&1 \
    && ok "those flags together accept it" || bad "the listed flags do not accept it"

# --- the verdict reports TD fields, module identity and the three statuses ---
MRTD="$(printf 'cd%.0s' $(seq 48))"
"$MAAT" sim quote "$D" --tee tdx --td-version 1.5 --mrtd "$MRTD" --rtmr2 "$MRS" \
    --report-data 0102 --module-tcb OutOfDate -o "$T/f.q" 2>/dev/null
"$MAAT" verify "$T/f.q" --collateral "$TDXC" --trust-root "$D/root-ca.pem" --at "$AT" --json \
    >"$T/v.json" 2>/dev/null
chk() { # chk PATH WANT
    local got; got=$(field "$T/v.json" "$1")
    [ "$got" = "$2" ] && ok "verdict $1 = $2" || bad "verdict $1 = $got, expected $2"
}
chk td_report.mr_td "$MRTD"
chk td_report.rtmr2 "$MRS"
chk td_report.report_data "0102$(printf '00%.0s' $(seq 62))"
chk td_report.tee_tcb_svn 02010a00000000000000000000000000
chk td_report.td_attributes 0000001000000000
chk tdx.module_identity TDX_01
chk tdx.platform_tcb_status UpToDate
chk tdx.module_tcb_status OutOfDate
chk tdx.qe_tcb_status UpToDate
chk tdx.current.status OutOfDate
chk status OutOfDate
"$MAAT" quote inspect "$T/f.q" --json >"$T/i.json" 2>/dev/null
for k in mr_td rtmr2 tee_tcb_svn2 mr_servicetd; do
    a=$(field "$T/i.json" "td_report.$k"); b=$(field "$T/v.json" "td_report.$k")
    [ "$a" = "$b" ] && [ "$a" != null ] && ok "inspect and verify agree on $k" ||
        bad "inspect td_report.$k=$a, verify $b"
done
"$MAAT" verify "$T/f.q" --collateral "$TDXC" --trust-root "$D/root-ca.pem" --at "$AT" >"$T/v.txt" 2>/dev/null
for s in "module identity  TDX_01" "platform tcb     UpToDate" "module tcb       OutOfDate" \
         "qe tcb           UpToDate" "mr_td            $MRTD"; do
    grep -qF "$s" "$T/v.txt" && ok "text verdict has '$s'" || bad "text verdict lacks '$s'"
done

# --- sim quote usage errors ---
"$MAAT" sim quote "$D" --mrtd "$MRTD" -o "$T/x" 2>/dev/null; rc=$?
[ $rc -eq 2 ] && ok "--mrtd without --tee tdx: usage (2)" || bad "--mrtd without --tee tdx: exit $rc"
"$MAAT" sim quote "$D" --tee tdx --td-version 1.5 --quote-version 4 -o "$T/x" 2>/dev/null; rc=$?
[ $rc -eq 2 ] && ok "TD 1.5 in v4: usage (2)" || bad "TD 1.5 in v4: exit $rc"
"$MAAT" sim quote "$D" --tee tdx --tdx-tcb Bogus -o "$T/x" 2>/dev/null; rc=$?
[ $rc -eq 2 ] && ok "--tdx-tcb Bogus: usage (2)" || bad "--tdx-tcb Bogus: exit $rc"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
