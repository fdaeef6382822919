#!/usr/bin/env python3
"""maatd_tdxvm_real_test.py - the real TD quote vectors through POST /attest/TdxVm of a real
maatd process (issue 15 item I.3), each at its README's verification time
(--test-verification-time), with the verdict the README gives by Intel's rules:

* tdx/tdx_prod_quote_SPR_E4.dat (go-tdx-guest's production SPR E4 quote, v4, platform CA) with
  its PCS collateral, assembled here into a dcap-qvl-style bundle in the temp dir (the TCB info
  and TD_QE identity values byte-exact, as signed): at 1688173200 every signature, chain, CRL
  and the TD_QE identity pass, but no TCB level matches (PCK SGX components 3,3,2,2,2,1,0,2
  below both levels' 5,5,2,2,3,1,0,3): refused, "TCB not supported"; one second past the
  TD_QE identity's nextUpdate (1688801100) refused as expired, naming the QE identity.
* dcap-qvl/tdx_quote_outdated (v5, TD report 1.5) with its bundle: at 1774003274 the README's
  "not UpToDate" is, by Intel's rules, no matching TCB level (the PCK's SGX component 7 is below
  every level's): refused, "TCB not supported" (never a token with a status); one second past
  the PCK CRL's nextUpdate (1774003276) refused as "PCK CRL expired".

Usage: maatd_tdxvm_real_test.py BIN WORKDIR VECTORS
"""
import json
import os
import sys

import maatd_testlib as T
from maatd_testlib import b64u, check

BIN, WORK, VEC = sys.argv[1], sys.argv[2], sys.argv[3]
T.setup(BIN, WORK)
API = "?api-version=2025-06-01"


def start(name, *args):
    return T.start(name, *args)


def stop(p, name):
    T.stop(p, f"maatd {name}", name)


def attest(url, quote):
    st, j, hdrs, _ = T.request(url, "POST", "/attest/TdxVm" + API,
                               json.dumps({"quote": b64u(quote)}), {"Content-Type": "application/json"})
    return st, j, hdrs


def expect_refused(what, got, frags):
    st, j, h = got
    try:
        code, msg = j["error"]["code"], j["error"]["message"]
    except (TypeError, KeyError):
        code, msg = None, ""
    check(st == 400 and code == "InvalidParameter" and all(f in msg for f in frags)
          and h.get("x-ms-error-code") == "InvalidParameter" and "token" not in (j or {}),
          f"{what}: 400 InvalidParameter (x-ms-error-code too), no token, message names {frags}",
          f"got {st} {j} {h.get('x-ms-error-code')}") and print("       " + msg[:600])


def run(name, bundle, quote, at, *frags):
    p, url = start(name, "--collateral", bundle, "--test-verification-time", str(at))
    expect_refused(f"{name} at {at}", attest(url, quote), frags)
    stop(p, name)


def raw_value(text, key):
    """The exact text of the top-level object member KEY of a PCS body (what is signed)."""
    d = json.loads(text)
    head = '{"' + key + '":'
    tail = ',"signature":"' + d["signature"] + '"}'
    body = text.rstrip("\n")
    if not (body.startswith(head) and body.endswith(tail)):
        raise SystemExit(f"unexpected PCS body layout for {key}")
    return body[len(head):-len(tail)], d["signature"]


# ---- go-tdx-guest's production SPR E4 quote (v4, PCK platform CA) ----
TD = os.path.join(VEC, "tdx")
spr = open(os.path.join(TD, "tdx_prod_quote_SPR_E4.dat"), "rb").read()
tcb, tcb_sig = raw_value(open(os.path.join(TD, "sample_tcbInfo_response")).read(), "tcbInfo")
qe, qe_sig = raw_value(open(os.path.join(TD, "sample_qeIdentity_response")).read(), "enclaveIdentity")
bundle = {
    "pck_crl_issuer_chain": open(os.path.join(TD, "pckCrlIssuerChain.pem")).read(),
    "root_ca_crl": open(os.path.join(TD, "rootcrl.der"), "rb").read().hex(),
    "pck_crl": open(os.path.join(TD, "pckcrl"), "rb").read().hex(),
    "tcb_info_issuer_chain": open(os.path.join(TD, "tcbInfoIssuerChain.pem")).read(),
    "tcb_info": tcb,
    "tcb_info_signature": tcb_sig,
    "qe_identity_issuer_chain": open(os.path.join(TD, "qeIdentityIssuerChain.pem")).read(),
    "qe_identity": qe,
    "qe_identity_signature": qe_sig,
}
SPR_BUNDLE = os.path.join(WORK, "spr_bundle.json")
json.dump(bundle, open(SPR_BUNDLE, "w"))
NOLEVEL = "step tcb_info: TCB not supported: no TDX TCB level matches"
# TD attributes 0x40000000 (PKS): maat's default also refuses a TD without SEPT_VE_DISABLE
run("spr-e4", SPR_BUNDLE, spr, 1688173200, NOLEVEL, "TEE_TCB_SVN 0300040000",
    "SEPT_VE_DISABLE (bit 28) is not set")
run("spr-e4-late", SPR_BUNDLE, spr, 1688801100, NOLEVEL, "QE identity expired at 2023-07-08T07:24:59Z")

# ---- dcap-qvl tdx_quote_outdated (v5, TD report 1.5) ----
DQ = os.path.join(VEC, "dcap-qvl")
outd = open(os.path.join(DQ, "tdx_quote_outdated"), "rb").read()
OB = os.path.join(DQ, "tdx_quote_outdated_collateral.json")
run("outdated", OB, outd, 1774003274, NOLEVEL, "(bytes 0..1 skipped: module version > 0)")
run("outdated-late", OB, outd, 1774003276, NOLEVEL, "PCK CRL expired at 2026-03-20T10:41:15Z")

T.finish(verdict_word=True)
