#!/usr/bin/env python3
"""maatd_tdxvm_test.py - POST /attest/TdxVm and /policies/TdxVm end to end on loopback
(driven by test_maatd_tdxvm.sh).

usage: maatd_tdxvm_test.py BIN_DIR WORK_DIR [VECTORS_DIR]

Simulated TD quotes (`maat sim quote --tee tdx`) through real maatd processes:
* the token's claims field by field against maa-2025.md section 3 (names, JSON types,
  lower-case hex of the raw bytes, tdx_seamsvn, the decoded attribute booleans, eat_profile,
  dbgstat, intuse, x-ms-*), maat's TCB detail claims, sorted payload keys, the signature
  against /certs;
* runtimeData bound to report_data[0:32] (a wrong one refused), JSON runtimeData as
  x-ms-runtime; initTimeData and draftPolicyForAttestation refused for TdxVm;
* a DEBUG TD refused by default and accepted with --allow-debug-td (dbgstat "enabled");
  a Revoked TD platform refused; an OutOfDate one reported as such;
* TdxVm only with api-version 2025-06-01; SGX quotes on /attest/TdxVm and TD quotes on
  /attest/SgxEnclave refused; raw 2025-06-01 failures on SgxEnclave, OpenEnclave and TdxVm
  carry MAA's ErrorResponse body and the x-ms-error-code header;
* GET/PUT/POST :reset /policies/TdxVm in aad mode (custom policy with TDX claim types used
  by attestation, reset to maat's default) and isolated mode (signed only, replay refused);
* with the vectors: the real TD quote dcap-qvl/tdx_quote and its collateral bundle through
  maatd at the README's time (--test-verification-time 1752919234): UpToDate as Intel says,
  and refused one second after the PCK CRL's nextUpdate.
Every wait is bounded. Exit status 1 when a check fails.
"""
import base64
import hashlib
import json
import os
import struct
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

import maatd_testlib as T
from maatd_testlib import b64u, b64u_dec, check, jws, make_signer, policy_hash, sim
from maatd_testlib import request as call

BIN, WORK = sys.argv[1:3]
T.setup(BIN, WORK)
VEC = sys.argv[3] if len(sys.argv) > 3 else ""
API = "?api-version=2025-06-01"


def start(name, *args, sim=True):
    return T.start(name, *(["--sim", SIM] if sim else []), *args)


def stop(p, name):
    T.stop(p, f"maatd {name}", name)


def td_quote(name, *args, report_data=None):
    path = os.path.join(WORK, name + ".q")
    extra = ["--report-data", report_data] if report_data else []
    sim("quote", SIM, "--tee", "tdx", *extra, *args, "-o", path)
    return open(path, "rb").read()


def attest(url, quote, route="TdxVm", api=API, field="quote", **extra):
    body = {field: b64u(quote)}
    body.update(extra)
    st, j, h, raw = call(url, "POST", "/attest/" + route + api, json.dumps(body),
                         {"Content-Type": "application/json"})
    payload = None
    if st == 200 and j and "token" in j:
        payload = b64u_dec(j["token"].split(".")[1])
    return st, j, h, payload


def err(j):
    try:
        return j["error"]["code"], j["error"]["message"]
    except (TypeError, KeyError):
        return None, ""


def expect_error(what, got, status, code, frag=None):
    st, j = got[0], got[1]
    c, m = err(j)
    check(st == status and c == code and (frag is None or frag in m),
          f"{what}: {status} {code}" + (f" ({frag})" if frag else ""), f"got {st} {j}")


# ---- the platform and the evidence ----
SIM = os.path.join(WORK, "sim")
sim("init", SIM)
RUNTIME = b"maat tdx runtime data \x00\x01"
RD = hashlib.sha256(RUNTIME).hexdigest() + "00" * 32
MRTD = bytes(range(0x30, 0x60)).hex()
RTMR = [bytes([i * 16 + k for k in range(48)]).hex() for i in range(1, 5)]
MRCONFIGID = "ab" * 48
TDQ = td_quote("td", "--mrtd", MRTD, "--rtmr0", RTMR[0], "--rtmr1", RTMR[1], "--rtmr2", RTMR[2],
               "--rtmr3", RTMR[3], "--mrconfigid", MRCONFIGID, report_data=RD)
SGXQ = os.path.join(WORK, "sgx.q")
sim("quote", SIM, "-o", SGXQ)
SGXQ = open(SGXQ, "rb").read()
DEFAULT_TDX = "version= 1.0;authorizationrules{=> permit();};issuancerules{};"

pS, S = start("shared")

# ---- the claim set, field by field (maa-2025.md section 3) ----
st, j, h, raw = attest(S, TDQ, runtimeData={"data": b64u(RUNTIME), "dataType": "Binary"},
                       nonce="nonce-123")
check(st == 200, "TdxVm: a sim TD quote with bound runtimeData -> 200 {token}", (st, j))
p = json.loads(raw) if raw else {}
check(list(p) == sorted(p), "payload keys in lexicographic order (as MAA)", list(p))
expect = {
    "eat_profile": "https://aka.ms/maa-eat-profile-tdxvm",
    "dbgstat": "disabled",
    "intuse": "generic",
    "attester_tcb_status": "UpToDate",
    "tdx_mrtd": MRTD,
    "tdx_rtmr0": RTMR[0], "tdx_rtmr1": RTMR[1], "tdx_rtmr2": RTMR[2], "tdx_rtmr3": RTMR[3],
    "tdx_mrconfigid": MRCONFIGID,
    "tdx_mrowner": "00" * 48,
    "tdx_mrownerconfig": "00" * 48,
    "tdx_report_data": RD,
    "tdx_td_attributes": "0000001000000000",
    "tdx_seam_attributes": "0000000000000000",
    "tdx_tee_tcb_svn": "04010a00000000000000000000000000",
    "tdx_seamsvn": 0x01 * 256 + 0x04,
    "tdx_td_attributes_debug": False,
    "tdx_td_attributes_key_locker": False,
    "tdx_td_attributes_perfmon": False,
    "tdx_td_attributes_protection_keys": False,
    "tdx_td_attributes_septve_disable": True,
    "x-ms-attestation-type": "tdxvm",
    "x-ms-ver": "1.0",
    "x-ms-policy-hash": policy_hash(DEFAULT_TDX),
    "nonce": "nonce-123",
    "x-maat-tcb-status": "UpToDate",
    "x-maat-tdx-platform-tcb-status": "UpToDate",
    "x-maat-tdx-module-tcb-status": "UpToDate",
    "x-maat-tdx-qe-tcb-status": "UpToDate",
    "x-maat-advisory-ids": [],
    "x-maat-qe-advisory-ids": [],
}
for k, v in expect.items():
    check(k in p and p[k] == v and type(p[k]) is type(v), f"claim {k} = {json.dumps(v)[:40]}",
          p.get(k))
for k in ("tdx_mrseam", "tdx_mrsignerseam"):
    check(isinstance(p.get(k), str) and len(p[k]) == 96 and p[k] == p[k].lower(),
          f"claim {k}: 96 lower-case hex characters", p.get(k))
check(isinstance(p.get("tdx_xfam"), str) and len(p["tdx_xfam"]) == 16, "claim tdx_xfam: 16 hex",
      p.get("tdx_xfam"))
check(p.get("exp", 0) - p.get("iat", 0) == 28800 and p.get("nbf") == p.get("iat")
      and p.get("iss") == S and len(p.get("jti", "")) == 64,
      "iat = nbf, exp = iat + 8 h, iss = the instance, 64-hex jti", p)
check(not any(k.startswith("x-ms-sgx-") or k.startswith("x-ms-tdx-") or k in
              ("is-debuggable", "sgx-mrenclave", "tee", "maa-ehd", "aas-ehd") for k in p),
      "no SGX claims and no third-party x-ms-tdx-* names in a TdxVm token", sorted(p))
# the signature, against the instance's JWKS
tok = j["token"] if st == 200 else "e30.e30.AA"
hdr = json.loads(b64u_dec(tok.split(".")[0]))
cst, certs, _, _ = call(S, "GET", "/certs" + API)
key = next((k for k in (certs or {}).get("keys", []) if k.get("kid") == hdr.get("kid")), None)
ok_sig = False
if key is not None and hdr.get("alg") == "RS256":
    cert = x509.load_der_x509_certificate(base64.b64decode(key["x5c"][0]))
    try:
        cert.public_key().verify(b64u_dec(tok.split(".")[2]), ".".join(tok.split(".")[:2]).encode(),
                                 padding.PKCS1v15(), hashes.SHA256())
        ok_sig = True
    except Exception as e:  # noqa: BLE001 - reported
        print("signature:", e)
check(ok_sig, "token signature verifies with the /certs key named by kid", hdr)

st, j, h, raw = attest(S, TDQ, runtimeData={"data": b64u(b'{"k":"v","n":1}'), "dataType": "JSON"})
expect_error("runtimeData JSON whose hash is not in report_data", (st, j), 400, "InvalidParameter",
             "runtimeData does not match")
RJ = b'{"k":"v","n":1}'
TDQJ = td_quote("tdj", report_data=hashlib.sha256(RJ).hexdigest())
st, j, h, raw = attest(S, TDQJ, runtimeData={"data": b64u(RJ), "dataType": "JSON"})
check(st == 200 and json.loads(raw).get("x-ms-runtime") == {"k": "v", "n": 1},
      "runtimeData JSON bound -> x-ms-runtime object", (st, j, raw))
expect_error("wrong runtimeData refused",
             attest(S, TDQ, runtimeData={"data": b64u(b"other data"), "dataType": "Binary"}),
             400, "InvalidParameter", "report_data")
expect_error("initTimeData refused for TdxVm (binding unpublished: fail closed)",
             attest(S, TDQ, initTimeData={"data": b64u(b"x"), "dataType": "Binary"}),
             400, "InvalidParameter", "initTimeData")
expect_error("draftPolicyForAttestation refused for TdxVm",
             attest(S, TDQ, draftPolicyForAttestation="version=1.0;authorizationrules{=>permit();};"),
             400, "InvalidParameter", "draftPolicyForAttestation")
expect_error("an SGX quote on /attest/TdxVm", attest(S, SGXQ), 400, "InvalidParameter",
             "cannot be attested as TdxVm")
expect_error("a TD quote on /attest/SgxEnclave", attest(S, TDQ, route="SgxEnclave"), 400,
             "InvalidParameter", "cannot be attested as SgxEnclave")
for api in ("?api-version=2022-08-01", "?api-version=2020-10-01"):
    expect_error(f"TdxVm with {api[1:]}", attest(S, TDQ, api=api), 400,
                 "UnsupportedApiVersionValue", "2025-06-01")
expect_error("TdxVm without api-version", attest(S, TDQ, api=""), 400, "MissingApiVersionParameter")

# debug TD, TCB statuses
DBG = td_quote("dbg", "--debug")
expect_error("a DEBUG TD refused by default", attest(S, DBG), 400, "InvalidParameter", "DEBUG")
st, j, h, raw = attest(S, td_quote("ood", "--tdx-tcb", "OutOfDate"))
q = json.loads(raw) if raw else {}
check(st == 200 and q.get("attester_tcb_status") == "OutOfDate"
      and q.get("x-maat-tdx-platform-tcb-status") == "OutOfDate" and q.get("x-maat-advisory-ids"),
      "an OutOfDate TD platform: attester_tcb_status OutOfDate, advisories listed", (st, j, q))
expect_error("a Revoked TD platform refused", attest(S, td_quote("rev", "--tdx-tcb", "Revoked")),
             400, "InvalidParameter", "Revoked")

# raw 2025-06-01 failures: ErrorResponse body and x-ms-error-code on every attest route
oe = struct.pack("<IIQ", 1, 2, 4) + b"junk"
for route, field, ev in (("SgxEnclave", "quote", b"junk"), ("OpenEnclave", "report", oe),
                         ("TdxVm", "quote", b"junk")):
    st, j, h, _ = attest(S, ev, route=route, field=field)
    c, m = err(j)
    check(st == 400 and c == "InvalidParameter" and h.get("x-ms-error-code") == c and m,
          f"2025-06-01 {route}: 400 ErrorResponse + x-ms-error-code", (st, j, h))
stop(pS, "shared")

pD, D = start("debug", "--allow-debug-td")
st, j, h, raw = attest(D, DBG)
q = json.loads(raw) if raw else {}
check(st == 200 and q.get("dbgstat") == "enabled" and q.get("tdx_td_attributes_debug") is True,
      "--allow-debug-td: a DEBUG TD attests, dbgstat enabled", (st, j))
stop(pD, "debug")

# ---- policies, aad mode ----
tok_file = os.path.join(WORK, "admin.token")
open(tok_file, "w").write("tdx-admin-token\n")
pA, A = start("aad", "--mode", "aad", "--admin-token-file", tok_file)
AUTH = {"Content-Type": "text/plain", "Authorization": "Bearer tdx-admin-token"}
P = "/policies/TdxVm" + API


def policy_jws(text, signer=None, iat=None):
    pl = {"AttestationPolicy": b64u(text.encode())}
    if iat is not None:
        pl["iat"] = iat
    return jws(pl, signer)


def mgmt(url, method, path, body=None, headers=None):
    st, j, h, _ = call(url, method, path, body, headers or {"Content-Type": "text/plain"})
    p = json.loads(b64u_dec(j["token"].split(".")[1])) if st == 200 and j and "token" in j else None
    return st, p, j


def stored_text(p):
    return b64u_dec(json.loads(b64u_dec(p["x-ms-policy"].split(".")[1]))["AttestationPolicy"]).decode()


st, p, j = mgmt(A, "GET", P)
check(st == 200 and stored_text(p) == DEFAULT_TDX, "GET /policies/TdxVm = maat's default TdxVm policy",
      (st, j))
st, p, j = mgmt(A, "GET", "/policies/SgxEnclave" + API)
check(st == 200 and stored_text(p).startswith("version= 1.1;configurationrules"),
      "GET /policies/SgxEnclave still MAA's SGX default", (st, j))
CUSTOM = ('version=1.0;authorizationrules{[type=="tdx_mrtd", value=="%s"] && '
          '[type=="tdx_td_attributes_debug", value==false] => permit();};'
          'issuancerules{c:[type=="tdx_rtmr0"] => issue(type="rtmr0", value=c.value);'
          'c:[type=="attester_tcb_status"] => issue(type="tcb", value=c.value);};' % MRTD)
st, p, j = mgmt(A, "PUT", P, policy_jws(CUSTOM), AUTH)
check(st == 200 and p and p.get("x-ms-policy-result") == "Updated", "aad: PUT /policies/TdxVm -> Updated",
      (st, j))
st, j, h, raw = attest(A, TDQ)
q = json.loads(raw) if raw else {}
check(st == 200 and q.get("rtmr0") == RTMR[0] and q.get("tcb") == "UpToDate"
      and q.get("x-ms-policy-hash") == policy_hash(CUSTOM)
      and q.get("x-ms-policy") == {"rtmr0": RTMR[0], "tcb": "UpToDate"},
      "custom TdxVm policy with TDX claim types: issued claims and its hash in the token", (st, j, q))
st, j, h, raw = attest(A, TDQJ)
expect_error("custom TdxVm policy: another MRTD -> no permit", (st, j), 400, "PolicyEvaluationError",
             "No Permit")
st, j, h, raw = attest(A, SGXQ, route="SgxEnclave")
check(st == 200 and json.loads(raw).get("x-ms-policy-hash") == "ViVGS4BYl70X8eUrgryHg0TtbEk9WtIc6DtTBEFxaWc",
      "the SgxEnclave route keeps its own (default) policy", (st, j))
st, p, j = mgmt(A, "POST", "/policies/TdxVm:reset" + API, "eyJhbGciOiJub25lIn0..", AUTH)
check(st == 200 and p and p.get("x-ms-policy-result") == "Removed", "aad: POST /policies/TdxVm:reset",
      (st, j))
st, j, h, raw = attest(A, TDQJ)
check(st == 200 and json.loads(raw).get("x-ms-policy-hash") == policy_hash(DEFAULT_TDX),
      "after reset the default TdxVm policy applies again", (st, j))
st, p, j = mgmt(A, "PUT", P, policy_jws("version=1.0;authorizationrules{=> permit();"), AUTH)
check(st == 400 and err(j)[0] == "PolicyParsingError" or (st == 400 and err(j)[0] == "InvalidOperation"),
      "aad: a TdxVm policy that does not parse is refused", (st, j))
st, j, h, _ = call(A, "GET", "/policies/TdxVm?api-version=2022-08-01")
check(st == 400 and err(j)[0] == "UnsupportedApiVersionValue", "/policies/TdxVm needs 2025-06-01",
      (st, j))
stop(pA, "aad")

# ---- policies, isolated mode: signed only, replay refused ----
signer_pem = os.path.join(WORK, "signer.pem")
key, cert = make_signer("maat tdx test signer", signer_pem)
pI, I = start("iso", "--mode", "isolated", "--policy-signer", signer_pem)
now = int(time.time())
st, p, j = mgmt(I, "PUT", P, policy_jws(CUSTOM))
check(st == 400 and err(j)[0] == "InvalidOperation", "isolated: unsigned TdxVm policy refused", (st, j))
first = policy_jws(CUSTOM, (key, cert), iat=now)
st, p, j = mgmt(I, "PUT", P, first)
check(st == 200 and p and p.get("x-ms-policy-result") == "Updated", "isolated: signed TdxVm policy set",
      (st, j))
st, p, j = mgmt(I, "PUT", P, policy_jws(DEFAULT_TDX, (key, cert), iat=now + 1))
check(st == 200, "isolated: a second signed TdxVm policy set", (st, j))
st, p, j = mgmt(I, "PUT", P, first)
check(st == 400 and err(j)[0] == "InvalidOperation" and "applied before" in err(j)[1],
      "isolated: replaying the first TdxVm policy JWS is refused (replay guard)", (st, j))
stop(pI, "iso")

# ---- a real TD quote (dcap-qvl/tdx_quote, v4, FMSPC B0C06F000000) at its README's time ----
RQ = os.path.join(VEC, "dcap-qvl", "tdx_quote")
RC = os.path.join(VEC, "dcap-qvl", "tdx_quote_collateral.json")
if VEC and os.path.exists(RQ) and os.path.exists(RC):
    real = open(RQ, "rb").read()
    pR, R = start("real", "--collateral", RC, "--test-verification-time", "1752919234", sim=False)
    st, j, h, raw = attest(R, real)
    q = json.loads(raw) if raw else {}
    check(st == 200 and q.get("attester_tcb_status") == "UpToDate" and q.get("dbgstat") == "disabled"
          and q.get("x-maat-tdx-module-tcb-status") == "UpToDate" and q.get("x-maat-advisory-ids") == []
          and q.get("tdx_mrtd", "").startswith("91eb2b44d141d4ec") and q.get("iat", 0) > 1752919234 + 86400,
          "real TD quote (dcap-qvl tdx_quote) at 1752919234: UpToDate, no advisories; iat is now; "
          "its platform-CA bundle is served by --collateral (was refused: 'no bundle configured "
          "for the PCK platform CA')", (st, j))
    stop(pR, "real")
    pR, R = start("real-late", "--collateral", RC, "--test-verification-time", "1752919236", sim=False)
    expect_error("real TD quote one second after the PCK CRL's nextUpdate", attest(R, real), 400,
                 "InvalidParameter", "PCK CRL expired")
    stop(pR, "real-late")
else:
    print("SKIPPED: the real TD quote part (vectors not found; set MAAT_VECTORS)")

T.finish(verdict_word=True)
