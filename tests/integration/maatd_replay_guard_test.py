#!/usr/bin/env python3
"""maatd_replay_guard_test.py - management integrity in isolated and aad modes (issue 12
items 1 and 2, and the signer identity in maatd's log, issue 15): driven by
test_maatd_replay_guard.sh.

usage: maatd_replay_guard_test.py BIN_DIR WORK_DIR

One named case per defect (the name starts each output line):
  reset_by_stored_policy_jws_refused      the JWS the open GET returns no longer resets
  reset_empty_payload_by_signer_accepted  MAA's reset form by a current signer still works
  rollback_replay_refused                 an earlier signed policy re-PUT is refused
  reapply_by_resigning_accepted           the admin's way back: sign it again (fresh iat)
  cross_type_replay_refused               the SgxEnclave JWS on /policies/OpenEnclave
  readd_removed_signer_replay_refused     a captured certificates:add after the remove
  remove_replay_after_readd_refused       a captured certificates:remove after a re-add
  iat_stale_or_future_refused             iat older than 24 h / ahead by more than 300 s
  applied_hashes_survive_restart          the records are in the store
  applied_hashes_shared_by_replicas       a second maatd on the same store refuses too
  applied_hashes_bounded_stale_pruned     records with a stale iat are dropped
  applied_hashes_bounded_full_refused     at the limit a change is refused, nothing forgotten
  log_signer_identity                     subject + thumbprint / bearer, never a token
  aad_reset_form_required                 aad mode: reset needs the empty payload too
Times are relative to the clock maatd reads (now), never a fixed date.
"""
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time

import maatd_testlib as T
from maatd_testlib import b64u, cert_jws, der_b64, jws, jwt_parts, policy_jws, result, thumb

BIN, WORK = sys.argv[1:3]
T.setup(BIN, WORK)
API = "?api-version=2020-10-01"
P = "/policies/SgxEnclave" + API
P_OE = "/policies/OpenEnclave" + API
RESET = "/policies/SgxEnclave:reset" + API


def check(cond, case, msg, detail=""):
    """Every line starts with the case's name."""
    return T.check(cond, f"{case}: {msg}", detail)


def make_signer(name, path):
    return T.make_signer(name, path, org="maat tests", key_path=path + ".key")


def start(name, *args):
    return T.start(name, *args, store=False)


def stop(p, case="shutdown"):
    T.stop(p, f"{case}: maatd")


def cert_op(url, op, body):
    return result(url, "POST", f"/certificates:{op}" + API, json.dumps(body), ctype="application/json")


def refused(case, msg, got, frag):
    st, _, j = got
    text = json.dumps(j)
    return check(st == 400 and j and j["error"]["code"] == "InvalidOperation" and frag in text,
                 case, f"{msg}: 400 InvalidOperation ({frag})", f"got {st} {text}")


def stored(url, path=P):
    st, p, _ = result(url, "GET", path)
    return p["x-ms-policy"] if st == 200 else None


def signers(url):
    st, p, _ = result(url, "GET", "/certificates" + API)
    return sorted(k["x5c"][0] for k in p["x-ms-policy-certificates"]["keys"]) if st == 200 else None


def policy_text(who):
    return ('version=1.0;authorizationrules{=> permit();};'
            'issuancerules{=> issue(type="who", value="%s");};' % who)


def applied_records(db):
    c = sqlite3.connect(db)
    try:
        return {k: json.loads(v) for k, v in c.execute("SELECT key, value FROM maat_kv WHERE ns = 'applied'")}
    finally:
        c.close()


subprocess.run([os.path.join(BIN, "maat"), "sim", "init", os.path.join(WORK, "sim")], check=True,
               stdout=subprocess.DEVNULL)
SIM = os.path.join(WORK, "sim")
S1_PEM, S2_PEM = os.path.join(WORK, "s1.pem"), os.path.join(WORK, "s2.pem")
s1 = make_signer("maat replay signer 1", S1_PEM)
s2 = make_signer("maat replay signer 2", S2_PEM)
rogue = make_signer("maat replay rogue", os.path.join(WORK, "rogue.pem"))
DB = os.path.join(WORK, "iso.db")
now = int(time.time())

pI, I = start("iso", "--store", DB, "--sim", SIM, "--mode", "isolated", "--policy-signer", S1_PEM)

# ---- item 1: reset ----
C = "reset_by_stored_policy_jws_refused"
p1 = policy_jws(policy_text("one"), s1)
st, p, _ = result(I, "PUT", P, p1)
check(st == 200 and p["x-ms-policy-result"] == "Updated", C, "a signed policy is set", (st, p))
got = stored(I)
check(got == p1, C, "the open GET returns the stored signed JWS", got)
refused(C, "POST :reset with the JWS from the open GET", result(I, "POST", RESET, got), "empty payload")
check(stored(I) == p1, C, "the policy is still set")
refused(C, "POST :reset with any signed non-empty payload", result(I, "POST", RESET, jws({"x": 1}, s1)),
        "empty payload")

C = "reset_empty_payload_by_signer_accepted"
refused(C, "empty payload signed by a non-signer", result(I, "POST", RESET, jws(None, rogue)), "not one of")
refused(C, "unsigned empty payload", result(I, "POST", RESET, jws(None)), "unsigned")
st, p, _ = result(I, "POST", RESET, jws(None, s1))
check(st == 200 and p["x-ms-policy-result"] == "Removed", C, "empty payload signed by signer 1 -> Removed", (st, p))
check(jwt_parts(stored(I))[0] == {"alg": "none"}, C, "GET returns the default again")
st, p, _ = result(I, "POST", RESET, jws(None, s1))
check(st == 200 and p["x-ms-policy-result"] == "Removed", C,
      "the same reset again -> Removed (the reset form is one fixed JWS per signer)", (st, p))

# ---- item 2: replays ----
C = "rollback_replay_refused"
pa = policy_jws(policy_text("A"), s1)
pb = policy_jws(policy_text("B"), s1)
check(result(I, "PUT", P, pa)[0] == 200 and result(I, "PUT", P, pb)[0] == 200, C, "policies A then B set")
refused(C, "re-PUT of the earlier policy A (readable earlier through the open GET)",
        result(I, "PUT", P, pa), "applied before")
check(stored(I) == pb, C, "B is still the policy")
st, p, _ = result(I, "PUT", P, pb)
check(st == 200 and p["x-ms-policy-result"] == "Updated", C,
      "the current policy B PUT again -> Updated (no change; the SDK's retry)", (st, p))
refused(C, "policy 'one' (set before the reset) replayed", result(I, "PUT", P, p1), "applied before")

C = "reapply_by_resigning_accepted"
ptxt = os.path.join(WORK, "A.txt")
open(ptxt, "w").write(policy_text("A"))
r = subprocess.run([os.path.join(BIN, "maat"), "sign", "policy", ptxt, "--key", S1_PEM + ".key",
                    "--cert", S1_PEM, "-o", os.path.join(WORK, "A.jws")], capture_output=True)
resigned = open(os.path.join(WORK, "A.jws")).read().strip() if r.returncode == 0 else ""
check(resigned != pa and "iat" in (jwt_parts(resigned)[1] if resigned else {}), C,
      "maat sign policy makes a new JWS with iat", r.stderr)
st, p, _ = result(I, "PUT", P, resigned)
check(st == 200 and stored(I) == resigned, C, "the re-signed policy A is applied", (st, p))

C = "cross_type_replay_refused"
refused(C, "the SgxEnclave policy JWS PUT on /policies/OpenEnclave", result(I, "PUT", P_OE, resigned),
        "applied before")
check(jwt_parts(stored(I, P_OE))[0] == {"alg": "none"}, C, "OpenEnclave keeps the default")
oe = policy_jws(policy_text("A"), s1, iat=now - 5)
st, _, _ = result(I, "PUT", P_OE, oe)
check(st == 200, C, "the same text signed for OpenEnclave (its own JWS) is accepted", st)
refused(C, "and that one is refused on SgxEnclave", result(I, "PUT", P, oe), "applied before")

C = "readd_removed_signer_replay_refused"
add2 = cert_jws(s2[1], s1)
st, p, _ = cert_op(I, "add", add2)
check(st == 200 and p["x-ms-policycertificates-result"] == "IsPresent", C, "signer 2 added", (st, p))
st, p, _ = cert_op(I, "add", add2)
check(st == 200 and p["x-ms-policycertificates-result"] == "IsPresent", C,
      "the same add again while present -> IsPresent (MAA's idempotent add)", (st, p))
rm2 = cert_jws(s2[1], s1, iat=now - 2)
st, p, _ = cert_op(I, "remove", rm2)
check(st == 200 and p["x-ms-policycertificates-result"] == "IsAbsent", C, "signer 2 removed", (st, p))
refused(C, "the captured certificates:add JWS posted again", cert_op(I, "add", add2), "removed since")
check(signers(I) == [der_b64(s1[1])], C, "signer 2 stays removed")
refused(C, "the removed signer cannot set a policy", result(I, "PUT", P, policy_jws(policy_text("x"), s2)),
        "not one of")

C = "remove_replay_after_readd_refused"
st, p, _ = cert_op(I, "remove", rm2)
check(st == 200 and p["x-ms-policycertificates-result"] == "IsAbsent", C,
      "the same remove again while absent -> IsAbsent", (st, p))
st, p, _ = cert_op(I, "add", cert_jws(s2[1], s1, iat=now - 1))
check(st == 200 and p["x-ms-policycertificates-result"] == "IsPresent", C,
      "signer 2 added again with a fresh JWS (iat)", (st, p))
refused(C, "the captured certificates:remove JWS posted again", cert_op(I, "remove", rm2), "added again since")
check(sorted(signers(I)) == sorted([der_b64(s1[1]), der_b64(s2[1])]), C, "signer 2 stays")

C = "iat_stale_or_future_refused"
refused(C, "iat 25 h old", result(I, "PUT", P, policy_jws(policy_text("old"), s1, iat=now - 25 * 3600)),
        "is stale")
refused(C, "iat 1 h ahead", result(I, "PUT", P, policy_jws(policy_text("future"), s1, iat=now + 3600)),
        "in the future")
refused(C, "iat not an integer", result(I, "PUT", P, policy_jws(policy_text("frac"), s1, iat=now + 0.5)),
        "must be an integer")
refused(C, "exp passed", result(I, "PUT", P, policy_jws(policy_text("exp"), s1, exp=now - 3600)), "has passed")
refused(C, "stale iat on certificates:add", cert_op(I, "add", cert_jws(rogue[1], s1, iat=now - 2 * 86400)),
        "is stale")
check(stored(I) == resigned, C, "none of them changed the policy")
fresh = policy_jws(policy_text("fresh"), s1, iat=now - 3600)
st, _, _ = result(I, "PUT", P, fresh)
check(st == 200, C, "iat 1 h old is within the 24 h window", st)

C = "applied_hashes_survive_restart"
stop(pI, C)
recs = applied_records(DB)
check(any(k.startswith("policy/") for k in recs) and any(k.startswith("cert-add/") for k in recs)
      and any(k.startswith("cert-remove/") for k in recs), C,
      "the store's namespace 'applied' holds policy/, cert-add/, cert-remove/ records", sorted(recs))
check(all(set(v) == {"at", "iat", "signer", "what"} for v in recs.values())
      and not any(pa in json.dumps(v) or "eyJ" in json.dumps(v) for v in recs.values()), C,
      "records hold time, iat, signer thumbprint and what - never the JWS", list(recs.values())[:2])
key_pa = "policy/" + b64u(hashlib.sha256(pa.encode()).digest())
check(recs.get(key_pa, {}).get("signer") == thumb(s1[1]) and recs[key_pa]["iat"] is None
      and recs[key_pa]["what"] == "SgxEnclave policy set", C, "A's record: key = SHA-256 of the JWS",
      recs.get(key_pa))
# stale records planted while maatd is down (for the pruning case below)
c = sqlite3.connect(DB)
for i in range(3):
    c.execute("INSERT INTO maat_kv (ns, key, value, version, updated_at) VALUES ('applied', ?, ?, 1, 0)",
              (f"policy/stale{i}", json.dumps({"at": now - 3 * 86400, "iat": now - 3 * 86400,
                                                "signer": "X", "what": "old"})))
c.commit()
c.close()
# a policy stored before the guard existed (no record of its own): planted while maatd is down
legacy = policy_jws(policy_text("legacy"), s1)
c = sqlite3.connect(DB)
c.execute("UPDATE maat_kv SET value = ?, version = version + 1 WHERE ns = 'policies' AND key = 'SgxEnclave'",
          (legacy.encode(),))
c.commit()
c.close()
pI, I = start("iso2", "--store", DB, "--sim", SIM, "--mode", "isolated", "--policy-signer", S1_PEM)
refused(C, "after a restart: policy A replayed", result(I, "PUT", P, pa), "applied before")
check(result(I, "PUT", P, policy_jws(policy_text("after-legacy"), s1, iat=now - 4))[0] == 200, C,
      "a new policy replaces the legacy one (stored without a record)")
refused(C, "the replaced legacy policy replayed (recorded when it was replaced)",
        result(I, "PUT", P, legacy), "applied before")
refused(C, "after a restart: the captured remove", cert_op(I, "remove", rm2), "added again since")

C = "applied_hashes_shared_by_replicas"
pR, R = start("replica", "--store", DB, "--sim", SIM, "--mode", "isolated", "--policy-signer", S1_PEM)
pc = policy_jws(policy_text("C"), s1, iat=now - 3)
check(result(I, "PUT", P, pc)[0] == 200, C, "policy C set on replica 1")
refused(C, "policy B (applied earlier) replayed on replica 2", result(R, "PUT", P, pb), "applied before")
stop(pR, C)

C = "applied_hashes_bounded_stale_pruned"
recs = applied_records(DB)
check(not any(k.startswith("policy/stale") for k in recs), C,
      "records whose iat is older than 24 h were dropped on the next change", sorted(recs))
check(key_pa in recs, C, "records without iat are kept (their JWS could still be replayed)")

C = "log_signer_identity"
stop(pI, C)
log = open(os.path.join(WORK, "iso.log")).read() + open(os.path.join(WORK, "iso2.log")).read()
who1 = f"by signer 'CN=maat replay signer 1,O=maat tests' (thumbprint {thumb(s1[1])})"
lines = [l for l in log.splitlines() if "SgxEnclave policy set (hash" in l]
check(lines and all(who1 in l and "client 127.0.0.1" in l for l in lines), C,
      "every policy set names the signer's subject and thumbprint and the client", lines[:2])
check(any("SgxEnclave policy reset to the default " + who1 in l for l in log.splitlines()), C,
      "the reset names the signer")
check(any(f"policy-management certificate {thumb(s2[1])} removed {who1}" in l for l in log.splitlines())
      and any(f"policy-management certificate {thumb(s2[1])} added {who1}" in l for l in log.splitlines()),
      C, "signer add / remove name the authorising signer")
check(any("refused: replay of a request applied before" in l and who1 in l for l in log.splitlines()), C,
      "a refused replay is logged (warn) with the signer")
check(pa not in log and pa.split(".")[2] not in log, C, "no JWS in the log")

C = "applied_hashes_bounded_full_refused"
c = sqlite3.connect(DB)
have = c.execute("SELECT COUNT(*) FROM maat_kv WHERE ns = 'applied'").fetchone()[0]
LIMIT = 65536
c.executemany("INSERT INTO maat_kv (ns, key, value, version, updated_at) VALUES ('applied', ?, ?, 1, 0)",
              ((f"policy/filler{i:06d}", '{"at":0,"iat":null,"signer":"","what":"filler"}')
               for i in range(LIMIT - have)))
c.commit()
c.close()
pI, I = start("iso3", "--store", DB, "--sim", SIM, "--mode", "isolated", "--policy-signer", S1_PEM)
before = stored(I)
t0 = time.time()
got = result(I, "PUT", P, policy_jws(policy_text("one too many"), s1))
ms = (time.time() - t0) * 1000
refused(C, f"{LIMIT} records without iat: a new change is refused, no hash forgotten ({ms:.0f} ms)", got,
        "applied-request hashes")
check(stored(I) == before, C, "the policy is unchanged")
refused(C, "a replay is still refused at the limit", result(I, "PUT", P, pa), "applied before")
stop(pI, C)
check(len(applied_records(DB)) == LIMIT, C, "the store still holds exactly the limit")

# ---- aad mode ----
tok_file = os.path.join(WORK, "admin.token")
TOK = "replay-guard-admin-t0ken"
open(tok_file, "w").write(TOK + "\n")
pA, A = start("aad", "--store", os.path.join(WORK, "aad.db"), "--sim", SIM, "--mode", "aad",
              "--admin-token-file", tok_file)
C = "aad_reset_form_required"
u = policy_jws(policy_text("aad"))
check(result(A, "PUT", P, u, token=TOK)[0] == 200, C, "unsigned policy set with the bearer token")
refused(C, "reset with the stored policy JWS", result(A, "POST", RESET, stored(A), token=TOK), "empty payload")
st, p, _ = result(A, "POST", RESET, jws(None), token=TOK)
check(st == 200 and p["x-ms-policy-result"] == "Removed", C, "reset with eyJhbGciOiJub25lIn0.. -> Removed", (st, p))
st, _, _ = result(A, "PUT", P, u, token=TOK)
check(st == 200, C, "aad: the bearer token is the authorisation, re-PUT of an earlier JWS is the admin's call", st)
C = "log_signer_identity"
result(A, "PUT", P, policy_jws(policy_text("aad-signed"), s2), token=TOK)
stop(pA, C)
log = open(os.path.join(WORK, "aad.log")).read()
check(any("SgxEnclave policy set (hash" in l and "by an unsigned JWS, bearer: holder of the "
          "--admin-token-file token, client 127.0.0.1" in l for l in log.splitlines()), C,
      "aad: the bearer's identity as maatd knows it (the admin token holder, client address)")
check(any(f"by signer 'CN=maat replay signer 2,O=maat tests' (thumbprint {thumb(s2[1])}), bearer: holder"
          in l for l in log.splitlines()), C, "aad: a signed JWS names its signer too")
check(TOK not in log, C, "the admin token never appears in the log")

T.finish()
