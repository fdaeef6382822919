#!/usr/bin/env bash
# test_tdx_vectors.sh - the real TDX vectors through `maat verify` give Intel's verdicts:
# dcap-qvl tdx_quote UpToDate at 1752919234 (its README's time and bundle), with the TD
# report, module identity TDX_01 and the three statuses in the verdict; tdx_quote_outdated
# (v5, TD 1.5) TCB not supported; go-tdx-guest's SPR E4 quote with its PCS collateral
# (assembled into a bundle here, nothing copied) TCB not supported; expired collateral
# one second after the window. The verification time is always an input.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
MAAT="${MAAT_BIN:-}/maat"
if [ ! -x "$MAAT" ]; then echo "SKIPPED: $MAAT not built (set MAAT_BIN)"; exit 77; fi
VEC="${MAAT_VECTORS:-$(dirname "$0")/../../../shared/vectors}"
for f in dcap-qvl/tdx_quote dcap-qvl/tdx_quote_collateral.json dcap-qvl/tdx_quote_outdated \
         dcap-qvl/tdx_quote_outdated_collateral.json tdx/tdx_prod_quote_SPR_E4.dat \
         tdx/sample_tcbInfo_response tdx/sample_qeIdentity_response tdx/pckcrl tdx/rootcrl.der \
         tdx/tcbInfoIssuerChain.pem tdx/pckCrlIssuerChain.pem; do
    [ -f "$VEC/$f" ] || { echo "*** SKIPPED: vector $VEC/$f missing (set MAAT_VECTORS) ***"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-cli-tdx-vec-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
field() {
    python3 - "$@" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("null" if v is None else (str(v).lower() if isinstance(v, bool) else v))
PY
}
chk() { # chk NAME PATH WANT
    local got; got=$(field "$T/v.json" "$2")
    [ "$got" = "$3" ] && ok "$1: $2 = $3" || bad "$1: $2 = $got, expected $3 ($(field "$T/v.json" reason))"
}

Q=$VEC/dcap-qvl
"$MAAT" verify "$Q/tdx_quote" --collateral "$Q/tdx_quote_collateral.json" --at 1752919234 --json \
    >"$T/v.json" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && ok "dcap-qvl tdx_quote: exit 0" || bad "dcap-qvl tdx_quote: exit $rc"
chk tdx_quote verified true
chk tdx_quote status UpToDate
chk tdx_quote qvl_result SGX_QL_QV_RESULT_OK
chk tdx_quote fmspc b0c06f000000
chk tdx_quote tdx.module_identity TDX_01
chk tdx_quote tdx.module_check passed
chk tdx_quote tdx.platform_tcb_status UpToDate
chk tdx_quote tdx.module_tcb_status UpToDate
chk tdx_quote tdx.qe_tcb_status UpToDate
chk tdx_quote tdx.appraisal passed
chk tdx_quote tdx.td_attributes_sept_ve_disable true
chk tdx_quote td_report.tee_tcb_svn 06010300000000000000000000000000
chk tdx_quote td_report.mr_td 91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7
[ "$(field "$T/v.json" advisory_ids)" = "[]" ] && ok "tdx_quote: no advisories" || bad "tdx_quote advisories"
"$MAAT" quote inspect "$Q/tdx_quote" --json >"$T/i.json" 2>/dev/null
for k in tee_tcb_svn mr_seam td_attributes xfam mr_td rtmr0 rtmr1 rtmr2 rtmr3 report_data; do
    a=$(field "$T/i.json" "td_report.$k"); b=$(field "$T/v.json" "td_report.$k")
    [ "$a" = "$b" ] && [ "$a" != null ] && ok "inspect and verify agree on $k" || bad "$k: inspect $a, verify $b"
done
"$MAAT" verify "$Q/tdx_quote" --collateral "$Q/tdx_quote_collateral.json" --at 1752919234 >"$T/v.txt" 2>&1
grep -q "module identity  TDX_01" "$T/v.txt" && grep -q "^status:        UpToDate" "$T/v.txt" \
    && ok "tdx_quote text verdict" || bad "tdx_quote text: $(head -c 400 "$T/v.txt")"
# one second after the window (the PCK CRL's nextUpdate): expired collateral
"$MAAT" verify "$Q/tdx_quote" --collateral "$Q/tdx_quote_collateral.json" --at 1752919236 --json \
    >"$T/v.json" 2>/dev/null; rc=$?
[ $rc -eq 1 ] && [ "$(field "$T/v.json" verified)" = false ] && ok "tdx_quote after nextUpdate: refused" \
    || bad "tdx_quote after nextUpdate: exit $rc"

"$MAAT" verify "$Q/tdx_quote_outdated" --collateral "$Q/tdx_quote_outdated_collateral.json" \
    --at 1774003274 --json >"$T/v.json" 2>/dev/null; rc=$?
[ $rc -eq 1 ] && ok "tdx_quote_outdated: exit 1" || bad "tdx_quote_outdated: exit $rc"
chk tdx_quote_outdated qvl_result SGX_QL_TCB_NOT_SUPPORTED
chk tdx_quote_outdated failed_step tcb_info
chk tdx_quote_outdated tdx.td_report_version 1.5

# go-tdx-guest's production quote with the PCS bodies, as a bundle (exact signed bytes)
G=$VEC/tdx
python3 - "$G" "$T/gtg.json" <<'PY'
import json, sys, binascii
g, out = sys.argv[1], sys.argv[2]
def body(name, key):
    raw = open(f"{g}/{name}", "rb").read().decode()
    start = raw.index('{"%s":' % key) + len(key) + 4
    end = raw.rindex(',"signature":"')
    sig = raw[end + len(',"signature":"'):raw.rindex('"')]
    return raw[start:end], sig
tcb, tsig = body("sample_tcbInfo_response", "tcbInfo")
qe, qsig = body("sample_qeIdentity_response", "enclaveIdentity")
chain = open(f"{g}/tcbInfoIssuerChain.pem").read()
hexof = lambda n: binascii.hexlify(open(f"{g}/{n}", "rb").read()).decode()
json.dump({"pck_crl_issuer_chain": open(f"{g}/pckCrlIssuerChain.pem").read(),
           "root_ca_crl": hexof("rootcrl.der"), "pck_crl": hexof("pckcrl"),
           "tcb_info_issuer_chain": chain, "tcb_info": tcb, "tcb_info_signature": tsig,
           "qe_identity_issuer_chain": chain, "qe_identity": qe, "qe_identity_signature": qsig},
          open(out, "w"), indent=2)
PY
"$MAAT" verify "$G/tdx_prod_quote_SPR_E4.dat" --collateral "$T/gtg.json" --at 1688173200 --json \
    >"$T/v.json" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && ok "go-tdx-guest SPR E4: exit 1" || bad "go-tdx-guest SPR E4: exit $rc ($(head -c 300 "$T/err"))"
chk gtg qvl_result SGX_QL_TCB_NOT_SUPPORTED
chk gtg failed_step tcb_info
for s in pck_chain revocation qe_report_signature quote_signature qe_identity; do
    o=$(python3 -c "import json,sys;print([x['outcome'] for x in json.load(open(sys.argv[1]))['steps'] if x['name']==sys.argv[2]][0])" "$T/v.json" "$s")
    [ "$o" = passed ] && ok "gtg: step $s passed" || bad "gtg: step $s $o"
done

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
