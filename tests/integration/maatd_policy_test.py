#!/usr/bin/env python3
"""maatd_policy_test.py - policy management, policy signers and draft policies in maatd, end to
end on loopback (driven by test_maatd_policy.sh).

usage: maatd_policy_test.py BIN_DIR VECTORS_DIR WORK_DIR

Starts real maatd processes (127.0.0.1, ephemeral ports, temporary stores, a `maat sim`
platform) in each mode and checks, with MAA's error codes:
* isolated: unsigned change, unknown signer, tampered JWS rejected; signer added then used,
  removed then refused; last signer removal refused; policy parse errors; the
  maa.signing.tool quirk; restart keeps policies and signers;
* aad: no / wrong bearer token -> 401; right token -> set works, GET returns it verbatim,
  attest uses it, reset returns to the default; certificate changes -> 400 InvalidOperation;
* shared: changes refused, GET returns MAA's default JWS byte-exact;
* draft policies: permit -> unsigned token with the draft's hash and issued claims; deny ->
  400 PolicyEvaluationError; syntax error -> 400 PolicyParsingError with line:column;
* replay of the recorded MAA policy/ and certificates/ traffic (maa-recordings): same
  statuses, same result claims, GET returns what MAA returned.
Every wait is bounded. Exit status 1 when a check fails.
"""
import base64
import json
import os
import sys
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

import maatd_testlib as T
from maatd_testlib import (b64u, b64u_dec, call, cert_jws, check, der_b64, err_code, jws, jwt_parts,
                           make_signer, policy_hash, policy_jws, result, sim, thumb)

BIN, VEC, WORK = sys.argv[1:4]
T.setup(BIN, WORK)
REC = os.path.join(VEC, "maa-recordings")
API = "?api-version=2020-10-01"
token_hash = T.jws_hash


def start(name, *args):
    return T.start(name, *args, store=False)


def stop(p):
    """SIGTERM; maatd must exit 0 within 10 s (under ASan a leak or error makes it non-zero:
    every log's tail is shown)."""
    name = os.path.basename(p.args[p.args.index("--store") + 1])
    if T.stop(p, f"maatd ({name})") != 0:
        for f in [f for f in os.listdir(WORK) if f.endswith(".log")]:
            print("---- " + f + "\n" + open(os.path.join(WORK, f), errors="replace").read()[-3000:])


def expect_error(what, got, status, code, frag=None):
    st, _, j = got
    msg = json.dumps(j)
    check(st == status and err_code(j) == code and (frag is None or frag in msg),
          f"{what}: {status} {code}" + (f" ({frag})" if frag else ""), f"got {st} {msg}")


def check_mgmt_token(what, url, payload_keys, p, jwt_text=None):
    """Management tokens: exp = iat + 3600, no jti, iss = the instance."""
    return check(p is not None and p["exp"] - p["iat"] == 3600 and "jti" not in p
                 and p["nbf"] == p["iat"] and set(p) == {"iss", "iat", "nbf", "exp", *payload_keys},
                 f"{what}: management token (exp = iat + 3600, no jti, claims {sorted(payload_keys)})",
                 p)


# ---- evidence ----

SIM = os.path.join(WORK, "sim")
sim("init", SIM)
MRE = "11223344556677881122334455667788112233445566778811223344556677ff"
QUOTE = os.path.join(WORK, "q.bin")
sim("quote", SIM, "--mrenclave", MRE, "--prod-id", "7", "--svn", "3", "--debug", "-o", QUOTE)
ATTEST_BODY = json.dumps({"quote": b64u(open(QUOTE, "rb").read())})


def attest(url, extra=None, oe=False):
    body = json.loads(ATTEST_BODY)
    if oe:
        import struct
        q = open(QUOTE, "rb").read()
        body = {"report": b64u(struct.pack("<IIQ", 1, 2, len(q)) + q)}
    body.update(extra or {})
    st, j = call(url, "POST", ("/attest/OpenEnclave" if oe else "/attest/SgxEnclave") + API,
                 json.dumps(body), {"Content-Type": "application/json"})
    if st == 200:
        return st, jwt_parts(j["token"]), j
    return st, None, j


DEFAULT_HASH = "ViVGS4BYl70X8eUrgryHg0TtbEk9WtIc6DtTBEFxaWc"
PERMIT_MRE = ('version=1.0;authorizationrules{[type=="x-ms-sgx-mrenclave", value=="%s"] => permit();};'
              'issuancerules{c:[type=="x-ms-sgx-svn"] => issue(type="my-svn", value=c.value);'
              '=> issue(type="who", value="maat-test");};' % MRE)
DENY = 'version=1.0;authorizationrules{[type=="x-ms-sgx-is-debuggable", value==true] => deny();' \
       '=> permit();};'
NO_PERMIT = 'version=1.0;authorizationrules{[type=="x-ms-sgx-is-debuggable", value==false] => permit();};'
# "17": the sim collateral's tcbEvaluationDataNumber, the number maatd holds (issue 14: a
# number maatd does not hold fails closed; test_maatd_tcb_baseline.sh)
CFG_TCB = ('version=1.1;configurationrules{=> issueproperty(type="x-ms-sgx-tcbidentifier", value="17");};'
           'authorizationrules{=> permit();};issuancerules{};')

s1 = make_signer("maat test signer 1", os.path.join(WORK, "s1.pem"))
s2 = make_signer("maat test signer 2", os.path.join(WORK, "s2.pem"))
rogue = make_signer("maat rogue signer", os.path.join(WORK, "rogue.pem"))

# ======================= isolated =======================
iso_db = os.path.join(WORK, "iso.db")
pI, I = start("iso", "--store", iso_db, "--sim", SIM, "--mode", "isolated",
              "--policy-signer", os.path.join(WORK, "s1.pem"))
P = "/policies/SgxEnclave" + API

st, p, _ = result(I, "GET", "/certificates" + API)
check(st == 200 and p and [k["x5c"] for k in p["x-ms-policy-certificates"]["keys"]] == [[der_b64(s1[1])]]
      and all(k == {"alg": "RS256", "kty": "RSA", "use": "sig", "x5c": k["x5c"]}
              for k in p["x-ms-policy-certificates"]["keys"]),
      "isolated: GET /certificates lists the initial signer as MAA's JWK", p)
check_mgmt_token("GET /certificates", I, {"x-ms-policy-certificates"}, p)

st, p, _ = result(I, "GET", P)
check(st == 200 and jwt_parts(p["x-ms-policy"])[0] == {"alg": "none"}
      and b64u_dec(jwt_parts(p["x-ms-policy"])[1]["AttestationPolicy"]).decode().startswith("version= 1.1;"),
      "isolated: GET /policies before any set = the default as alg:none JWS", p)

expect_error("isolated: unsigned policy", result(I, "PUT", P, policy_jws(PERMIT_MRE)), 400,
             "InvalidOperation", "unsigned")
expect_error("isolated: policy signed by an unknown certificate",
             result(I, "PUT", P, policy_jws(PERMIT_MRE, rogue)), 400, "InvalidOperation",
             thumb(rogue[1]))
good = policy_jws(PERMIT_MRE, s1)
h, pl, sg = good.split(".")
tampered = h + "." + b64u(json.dumps({"AttestationPolicy": b64u(DENY.encode())}).encode()) + "." + sg
expect_error("isolated: tampered JWS (payload swapped)", result(I, "PUT", P, tampered), 400,
             "InvalidOperation", "does not verify")
sig = bytearray(b64u_dec(sg))
sig[10] ^= 1
expect_error("isolated: tampered JWS (signature bit flipped)",
             result(I, "PUT", P, h + "." + pl + "." + b64u(bytes(sig))), 400, "InvalidOperation",
             "does not verify")
expect_error("isolated: unsigned reset", result(I, "POST", "/policies/SgxEnclave:reset" + API,
                                                 "eyJhbGciOiJub25lIn0.."), 400, "InvalidOperation")
expect_error("isolated: unsigned certificates:add",
             result(I, "POST", "/certificates:add" + API, json.dumps(cert_jws(s2[1], None)),
                    ctype="application/json"), 400, "InvalidOperation")
expect_error("malformed JWS", result(I, "PUT", P, "not-a-jws"), 400, "InvalidOperation")
bad_syntax = "version=1.0;\nauthorizationrules{=> permit()}\n;"
st, _, j = result(I, "PUT", P, policy_jws(bad_syntax, s1))
check(st == 400 and err_code(j) == "PolicyParsingError" and "line 2:" in json.dumps(j),
      "isolated: signed policy with a syntax error -> 400 PolicyParsingError with line:column", j)
# maa.signing.tool without -w: {"AttestationPolicy":<unquoted b64url>} (invalid JSON)
quirk_payload = b'{"AttestationPolicy":' + b64u(json.dumps(PERMIT_MRE).encode()).encode() + b"}"
expect_error("maa.signing.tool output without -w", result(I, "PUT", P, jws(None, s1, quirk_payload)),
             400, "InvalidOperation", "without -w")

st, p, _ = result(I, "PUT", P, good + "\n")
check(st == 200 and p["x-ms-policy-result"] == "Updated"
      and p["x-ms-policy-token-hash"] == token_hash(good)
      and p["x-ms-policy-signer"] == {"alg": "RS256", "kty": "RSA", "use": "sig", "x5c": [der_b64(s1[1])]},
      "isolated: signed PUT -> Updated, token hash of the JWS, x-ms-policy-signer", p)
check_mgmt_token("PUT /policies", I, {"x-ms-policy-result", "x-ms-policy-token-hash", "x-ms-policy-signer"}, p)
st, p, _ = result(I, "GET", P)
check(st == 200 and p["x-ms-policy"] == good, "isolated: GET returns the stored JWS verbatim", p)
st, t, j = attest(I)
check(st == 200 and t[0]["alg"] == "RS256" and t[1]["x-ms-policy-hash"] == policy_hash(PERMIT_MRE)
      and t[1]["my-svn"] == 3 and t[1]["who"] == "maat-test"
      and t[1]["x-ms-policy"] == {"my-svn": 3, "who": "maat-test"} and "sgx-mrenclave" not in t[1]
      and t[1]["x-ms-policy-signer"] == {"kty": "RSA", "x5c": [der_b64(s1[1])]}
      and t[1]["x-ms-sgx-tcbidentifier"] == "azuredefault",
      "attest uses the stored policy: its issued claims, hash and x-ms-policy-signer", t and t[1])
st, t, j = attest(I, oe=True)
check(st == 200 and t[1]["x-ms-policy-hash"] == DEFAULT_HASH and "sgx-mrenclave" in t[1],
      "OpenEnclave keeps its own (default) policy", t and t[1])

# signer management
add2 = cert_jws(s2[1], s1)
st, p, _ = result(I, "POST", "/certificates:add" + API, json.dumps(add2), ctype="application/json")
check(st == 200 and p["x-ms-certificate-thumbprint"] == thumb(s2[1])
      and p["x-ms-policycertificates-result"] == "IsPresent",
      "certificates:add signed by a current signer -> IsPresent, upper-case SHA-1 thumbprint", p)
check_mgmt_token("certificates:add", I, {"x-ms-certificate-thumbprint", "x-ms-policycertificates-result"}, p)
st, p, _ = result(I, "POST", "/certificates:add" + API, json.dumps(add2), ctype="application/json")
check(st == 200 and p["x-ms-policycertificates-result"] == "IsPresent", "adding twice -> 200 IsPresent", p)
expect_error("certificates:add signed by an unknown certificate",
             result(I, "POST", "/certificates:add" + API, json.dumps(cert_jws(rogue[1], rogue)),
                    ctype="application/json"), 400, "InvalidOperation", "not one of")
expect_error("certificates:add without policyCertificate",
             result(I, "POST", "/certificates:add" + API, json.dumps(jws({"x": 1}, s1)),
                    ctype="application/json"), 400, "InvalidOperation", "policyCertificate")
st, p, _ = result(I, "GET", "/certificates" + API)
check(st == 200 and sorted(k["x5c"][0] for k in p["x-ms-policy-certificates"]["keys"])
      == sorted([der_b64(s1[1]), der_b64(s2[1])]), "GET /certificates lists both signers", p)
deny_jws = policy_jws(DENY, s2)
st, p, _ = result(I, "PUT", P, deny_jws)
check(st == 200 and p["x-ms-policy-result"] == "Updated"
      and p["x-ms-policy-signer"]["x5c"] == [der_b64(s2[1])], "the added signer sets a policy", p)
st, t, j = attest(I)
check(st == 400 and err_code(j) == "PolicyEvaluationError"
      and "A Deny claim was issued, authorization failed." in j["error"]["message"],
      "a policy that denies -> attest 400 PolicyEvaluationError (MAA's message)", j)
# remove s2 using s2's own signature with the preview claim name
st, p, _ = result(I, "POST", "/certificates:remove" + API,
                  json.dumps(cert_jws(s2[1], s2, "maa-policyCertificate")), ctype="application/json")
check(st == 200 and p["x-ms-certificate-thumbprint"] == thumb(s2[1])
      and p["x-ms-policycertificates-result"] == "IsAbsent",
      "certificates:remove (preview claim maa-policyCertificate) -> IsAbsent", p)
expect_error("removed signer is refused", result(I, "PUT", P, policy_jws(PERMIT_MRE, s2)), 400,
             "InvalidOperation", thumb(s2[1]))
st, p, _ = result(I, "POST", "/certificates:remove" + API,
                  json.dumps(cert_jws(s2[1], s1, "aas-policyCertificate")), ctype="application/json")
check(st == 200 and p["x-ms-policycertificates-result"] == "IsAbsent",
      "removing an absent certificate -> 200 IsAbsent (aas-policyCertificate)", p)
expect_error("removing the last signer is refused",
             result(I, "POST", "/certificates:remove" + API, json.dumps(cert_jws(s1[1], s1)),
                    ctype="application/json"), 400, "InvalidOperation", "last")

# restart: the store keeps policies and signers (the --policy-signer given now is ignored)
stop(pI)
pI, I = start("iso2", "--store", iso_db, "--sim", SIM, "--mode", "isolated",
              "--policy-signer", os.path.join(WORK, "rogue.pem"))
st, p, _ = result(I, "GET", P)
check(st == 200 and p["x-ms-policy"] == deny_jws, "restart keeps the policy (GET verbatim)", p)
st, p, _ = result(I, "GET", "/certificates" + API)
check(st == 200 and [k["x5c"][0] for k in p["x-ms-policy-certificates"]["keys"]] == [der_b64(s1[1])],
      "restart keeps the signer set (store wins over --policy-signer)", p)
st, t, j = attest(I)
check(st == 400 and err_code(j) == "PolicyEvaluationError", "restart: the stored deny policy still applies", j)
expect_error("restart: rogue (given on the command line) is not a signer",
             result(I, "PUT", P, policy_jws(PERMIT_MRE, rogue)), 400, "InvalidOperation")
st, p, _ = result(I, "PUT", P, policy_jws(CFG_TCB, s1))
st, t, j = attest(I)
check(st == 200 and t[1]["x-ms-sgx-tcbidentifier"] == "17" and t[1]["x-ms-policy-hash"] == policy_hash(CFG_TCB),
      "configurationrules set x-ms-sgx-tcbidentifier", (st, t and t[1], j))
st, p, _ = result(I, "POST", "/policies/SgxEnclave:reset" + API, jws(None, s1))
check(st == 200 and p["x-ms-policy-result"] == "Removed" and "x-ms-policy-token-hash" not in p,
      "isolated: signed reset -> Removed", p)
st, p, _ = result(I, "GET", P)
check(st == 200 and jwt_parts(p["x-ms-policy"])[0] == {"alg": "none"}, "after reset GET = default", p)
st, t, j = attest(I)
check(st == 200 and t[1]["x-ms-policy-hash"] == DEFAULT_HASH and "x-ms-policy-signer" not in t[1],
      "after reset attest uses the default policy", t and t[1])
stop(pI)

# ======================= aad =======================
tok_file = os.path.join(WORK, "admin.token")
open(tok_file, "w").write("s3cret-admin-token\n")
pA, A = start("aad", "--store", os.path.join(WORK, "aad.db"), "--sim", SIM, "--mode", "aad",
              "--admin-token-file", tok_file)
TOK = "s3cret-admin-token"
unsigned = policy_jws(PERMIT_MRE)
expect_error("aad: PUT without a bearer token", result(A, "PUT", P, unsigned), 401, "Unauthorized",
             "Access to /policies/SgxEnclave requires a valid JWT bearer token")
expect_error("aad: PUT with a wrong bearer token", result(A, "PUT", P, unsigned, token="s3cret-admin-tokeX"),
             401, "Unauthorized")
expect_error("aad: reset without a bearer token",
             result(A, "POST", "/policies/SgxEnclave:reset" + API, "eyJhbGciOiJub25lIn0.."), 401,
             "Unauthorized", "Access to /policies/SgxEnclave:reset")
st, p, _ = result(A, "PUT", P, unsigned, token=TOK)
check(st == 200 and p["x-ms-policy-result"] == "Updated" and p["x-ms-policy-token-hash"] == token_hash(unsigned)
      and "x-ms-policy-signer" not in p, "aad: unsigned PUT with the token -> Updated", p)
st, p, _ = result(A, "GET", P)
check(st == 200 and p["x-ms-policy"] == unsigned, "aad: GET returns it", p)
st, t, j = attest(A)
check(st == 200 and t[1]["x-ms-policy-hash"] == policy_hash(PERMIT_MRE) and "x-ms-policy-signer" not in t[1]
      and t[1]["who"] == "maat-test", "aad: attest uses the unsigned policy (no signer claim)", t and t[1])
st, p, _ = result(A, "PUT", P, policy_jws(NO_PERMIT, rogue), token=TOK)
check(st == 200 and p["x-ms-policy-signer"]["x5c"] == [der_b64(rogue[1])],
      "aad: a signed PUT verifies against its own certificate (any key)", p)
st, t, j = attest(A)
check(st == 400 and err_code(j) == "PolicyEvaluationError"
      and "No Permit claim was issued in the authorizationrules section, authorization failed." in j["error"]["message"],
      "a policy without permit -> attest 400 PolicyEvaluationError", j)
# preview-era / maa.signing.tool -w payload: the raw policy text instead of base64url
raw_form = jws({"AttestationPolicy": PERMIT_MRE}, s1)
st, p, _ = result(A, "PUT", P, raw_form, token=TOK)
st2, t, j = attest(A)
check(st == 200 and p["x-ms-policy-token-hash"] == token_hash(raw_form) and st2 == 200
      and t[1]["x-ms-policy-hash"] == policy_hash(PERMIT_MRE) and t[1]["who"] == "maat-test",
      "raw-text AttestationPolicy (signing tool -w, preview form) accepted", (st, p, st2, j))
# an SDK beta's header: "alg":"RSA256" with the certificate under "jwk"
beta_hdr = json.dumps({"alg": "RSA256", "jwk": {"x5c": [der_b64(s2[1])]}}, separators=(",", ":")).encode()
beta_si = b64u(beta_hdr) + "." + b64u(json.dumps({"AttestationPolicy": b64u(CFG_TCB.encode())}).encode())
beta = beta_si + "." + b64u(s2[0].sign(beta_si.encode(), padding.PKCS1v15(), hashes.SHA256()))
st, p, _ = result(A, "PUT", P, beta, token=TOK)
check(st == 200 and p["x-ms-policy-signer"]["x5c"] == [der_b64(s2[1])],
      "SDK beta form (alg RSA256, jwk.x5c) accepted", p)
expect_error("aad: tampered signed PUT",
             result(A, "PUT", P, tampered, token=TOK), 400, "InvalidOperation", "does not verify")
expect_error("aad: certificates:add", result(A, "POST", "/certificates:add" + API,
                                             json.dumps(cert_jws(s2[1], s1)), token=TOK,
                                             ctype="application/json"),
             400, "InvalidOperation", "The operation is disallowed")
st, p, _ = result(A, "POST", "/policies/SgxEnclave:reset" + API, "eyJhbGciOiJub25lIn0..", token=TOK)
check(st == 200 and p["x-ms-policy-result"] == "Removed", "aad: reset -> Removed", p)
st, p, _ = result(A, "GET", P)
check(st == 200 and jwt_parts(p["x-ms-policy"])[0] == {"alg": "none"}
      and b64u_dec(jwt_parts(p["x-ms-policy"])[1]["AttestationPolicy"]).decode().startswith("version= 1.1;"),
      "aad: reset returns to the default", p)

# draft policies (on the aad instance; mode does not matter)
st, t, j = attest(A, {"draftPolicyForAttestation": PERMIT_MRE})
check(st == 200 and t[0]["alg"] == "none" and t[2] == "" and set(t[0]) == {"alg", "jku", "kid", "typ"}
      and t[1]["x-ms-policy-hash"] == policy_hash(PERMIT_MRE) and t[1]["x-ms-policy"] == {"my-svn": 3, "who": "maat-test"}
      and t[1]["exp"] - t[1]["iat"] == 28800 and "x-ms-policy-signer" not in t[1],
      "draft permit -> unsigned token (alg none, kid/jku kept), draft hash, issued claims", t)
st, t, j = attest(A, {"draftPolicyForAttestation": NO_PERMIT})
check(st == 400 and err_code(j) == "PolicyEvaluationError" and "No Permit" in j["error"]["message"],
      "draft without permit -> 400 PolicyEvaluationError", j)
st, t, j = attest(A, {"draftPolicyForAttestation": "version=1.0;\n  authorizationrules { => permit() };"})
check(st == 400 and err_code(j) == "PolicyParsingError" and "line 2:" in j["error"]["message"],
      "draft with a syntax error -> 400 PolicyParsingError (line:column)", j)
st, p, _ = result(A, "GET", P)
check(st == 200 and jwt_parts(p["x-ms-policy"])[0] == {"alg": "none"}, "a draft is not stored", p)
stop(pA)

# ======================= shared =======================
pS, S = start("shared", "--store", os.path.join(WORK, "shared.db"), "--sim", SIM)
expect_error("shared: PUT refused", result(S, "PUT", P, unsigned), 400, "InvalidOperation", "disallowed")
expect_error("shared: reset refused", result(S, "POST", "/policies/OpenEnclave:reset" + API,
                                             "eyJhbGciOiJub25lIn0.."), 400, "InvalidOperation")
expect_error("shared: certificates:remove refused",
             result(S, "POST", "/certificates:remove" + API, json.dumps(cert_jws(s1[1], s1)),
                    ctype="application/json"), 400, "InvalidOperation", "The operation is disallowed")

# ======================= replay of the recorded MAA traffic =======================
def rec(folder, name, part):
    return json.load(open(os.path.join(REC, folder, f"{name}.{part}.json")))


def rec_body(r):
    return r["body_text"] if "body_text" in r else json.dumps(r["body"])


COMPARED = ["x-ms-policy-result", "x-ms-policy-token-hash", "x-ms-policy-signer",
            "x-ms-certificate-thumbprint", "x-ms-policycertificates-result"]


def replay(url, folder, name, token=None):
    req = rec(folder, name, "request")
    resp = rec(folder, name, "response")
    path = urllib.parse.urlparse(req["recorded_uri"])
    pq = path.path + ("?" + path.query if path.query else "")
    h = {k: v for k, v in req["headers"].items()
         if k.lower() in ("content-type",)}
    if token:
        h["Authorization"] = "Bearer " + token
    body = rec_body(req) if req["method"] != "GET" else None
    st, j = call(url, req["method"], pq, body, h)
    want = resp["status"]
    if want != 200:
        check(st == want and err_code(j) == resp["body"]["error"]["code"],
              f"replay {folder}/{name}: {want} {resp['body']['error']['code']}", f"got {st} {j}")
        return None
    mine = jwt_parts(j["token"])[1] if st == 200 else None
    theirs = rec(folder, name, "token")["payload"]
    same = mine is not None and all(mine.get(k) == theirs.get(k) for k in COMPARED) \
        and set(mine) == set(theirs)
    check(st == 200 and same, f"replay {folder}/{name}: 200, same claims and result values",
          f"got {st} {mine} want {theirs}")
    return mine, theirs


# shared/aad/isolated GET /policies: the default JWS byte-exact, for both types
for name in ["get-sgx-shared", "get-oe-shared"]:
    r = replay(S, "policy", name)
    if r:
        check(r[0]["x-ms-policy"] == r[1]["x-ms-policy"], f"{name}: x-ms-policy equals MAA's default JWS byte for byte")
r = replay(S, "certificates", "get-shared")
stop(pS)

pA, A = start("aad-replay", "--store", os.path.join(WORK, "aad2.db"), "--sim", SIM, "--mode", "aad",
              "--admin-token-file", tok_file)
for name in ["get-sgx-aad", "get-oe-aad"]:
    r = replay(A, "policy", name)
    if r:
        check(r[0]["x-ms-policy"] == r[1]["x-ms-policy"], f"{name}: x-ms-policy equals MAA's")
replay(A, "certificates", "get-aad")
for flow in ["sgx-aad-unsigned", "sgx-aad-signed"]:
    for step in ["1-put", "2-get", "3-reset", "4-get"]:
        r = replay(A, "policy", f"{flow}-{step}", token=TOK)
        if r and "get" in step:
            check(r[0]["x-ms-policy"] == r[1]["x-ms-policy"], f"{flow}-{step}: GET returns what MAA returned")
replay(A, "certificates", "add-aad-rejected", token=TOK)
replay(A, "certificates", "remove-aad-rejected", token=TOK)
stop(pA)

# isolated: the recorded signer (x5c of the recorded add request) is the initial signer
hdr = rec("certificates", "add-isolated-1-add", "request-token")["header"]
signer_pem = os.path.join(WORK, "recorded-signer.pem")
open(signer_pem, "wb").write(x509.load_der_x509_certificate(base64.b64decode(hdr["x5c"][0]))
                             .public_bytes(serialization.Encoding.PEM))
pI, I = start("iso-replay", "--store", os.path.join(WORK, "iso2.db"), "--sim", SIM, "--mode", "isolated",
              "--policy-signer", signer_pem)
r = replay(I, "policy", "get-sgx-isolated")
if r:
    check(r[0]["x-ms-policy"] == r[1]["x-ms-policy"], "get-sgx-isolated: x-ms-policy equals MAA's")


def cert_set(p):
    return sorted(k["x5c"][0] for k in p["x-ms-policy-certificates"]["keys"])


for name in ["add-isolated-1-add", "add-isolated-2-get", "remove-isolated-1-add",
             "remove-isolated-2-remove", "remove-isolated-3-get"]:
    r = replay(I, "certificates", name)
    if r and name.endswith("get"):
        check(cert_set(r[0]) == cert_set(r[1]) and r[0]["x-ms-policy-certificates"]["keys"][0].keys()
              == r[1]["x-ms-policy-certificates"]["keys"][0].keys(),
              f"{name}: the same certificate list as MAA's", (cert_set(r[0]), cert_set(r[1])))
stop(pI)

T.finish()
