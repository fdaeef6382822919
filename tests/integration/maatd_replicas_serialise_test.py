#!/usr/bin/env python3
"""maatd_replicas_serialise_test.py - driven by test_maatd_replicas_serialise.sh (REP_URI,
PG_BIN and the PG* variables of tests/lib/pg.sh exported).

usage: maatd_replicas_serialise_test.py BIN_DIR WORK_DIR

Three isolated-mode replicas on one database: A (defaults), B (MAATD_STORE_POLL_SECONDS=2)
and C (MAATD_STORE_POLL_SECONDS=3600, so with NOTIFY suppressed it learns nothing it did not
write itself: a replica whose memory is stale). Checks:
  1. safety-net poll: with the change-feed trigger disabled, a policy set through A reaches
     B by B's 2 s poll (and not C: the NOTIFY really was suppressed);
  2. serialisation, deterministic: a signer removal acknowledged by A, then a policy signed by
     that signer sent to C (whose memory still lists it): refused, nothing written;
  3. serialisation, racing: signer removal on A against a policy signed by that signer on B,
     several rounds: the removal always succeeds, and the policy is acknowledged only if it
     committed before the removal (then it is the stored policy with its guard record);
     refused, it left nothing behind;
  4. two replicas removing the last two signers at once: one succeeds, one signer is left.
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import time

import maatd_testlib as T
from maatd_testlib import (b64u, b64u_dec, check, der_b64, jws_hash, make_signer, policy_hash,
                           signers_of)
from maatd_testlib import ctype_call as call
from maatd_testlib import who_policy as permit
from maatd_testlib import wait_for

BIN, WORK = sys.argv[1:3]
T.setup(BIN, WORK)
URI = os.environ["REP_URI"]
API = "?api-version=2020-10-01"
ISSUER = "https://maat.test"


def policy_jws(text, signer):
    return T.policy_jws(text, signer, iat=int(time.time()))


def cert_jws(cert, signer):
    return T.cert_jws(cert, signer, iat=int(time.time()))


def spawn(name, poll):
    env = {"MAATD_STORE_POLL_SECONDS": str(poll)} if poll else None
    return T.start(name, "--sim", SIM, "--mode", "isolated", "--issuer", ISSUER,
                   "--policy-signer", S1_PEM, store=URI, env=env)[1]


def put_policy(url, j):
    return call(url, "PUT", "/policies/SgxEnclave" + API, j, "text/plain")


def cert_change(url, op, cert, signer):
    return call(url, "POST", f"/certificates:{op}" + API, json.dumps(cert_jws(cert, signer)),
                "application/json")


def policy_hash_of(url):
    st, j = call(url, "POST", "/attest/SgxEnclave" + API, ATTEST_BODY, "application/json")
    if st != 200:
        return None
    return json.loads(b64u_dec(j["token"].split(".")[1])).get("x-ms-policy-hash")


def psql(sql):
    return T.psql("ser", sql)


def stored_policy():
    return psql("SELECT convert_from(value, 'UTF8') FROM maat_kv "
                "WHERE ns = 'policies' AND key = 'SgxEnclave'")


def guard_recorded(j):
    return psql(f"SELECT count(*) FROM maat_kv WHERE ns = 'applied' AND key = 'policy/{jws_hash(j)}'") == "1"


SIM = os.path.join(WORK, "sim")
subprocess.run([os.path.join(BIN, "maat"), "sim", "init", SIM], check=True, stdout=subprocess.DEVNULL)
QUOTE = os.path.join(WORK, "q.bin")
subprocess.run([os.path.join(BIN, "maat"), "sim", "quote", SIM, "-o", QUOTE], check=True,
               stdout=subprocess.DEVNULL)
ATTEST_BODY = json.dumps({"quote": b64u(open(QUOTE, "rb").read())})
S1_PEM = os.path.join(WORK, "s1.pem")
s1 = make_signer("serialise signer 1", S1_PEM)
s2 = make_signer("serialise signer 2")

A = spawn("A", None)
B = spawn("B", 2)
C = spawn("C", 3600)
v, _ = wait_for(lambda: all("store change feed: listening" in
                            open(os.path.join(WORK, n + ".log"), errors="replace").read()
                            for n in ("A", "B", "C")), 5)
check(v, "three replicas listen for store changes")
st, j = cert_change(A, "add", s2[1], s1)
check(st == 200, "signer 2 added through A", (st, j))
v, _ = wait_for(lambda: all(der_b64(s2[1]) in (signers_of(u) or []) for u in (B, C)), 5)
check(v, "B and C know signer 2 (by notification)")

# ======== 1. the safety-net poll delivers a change whose NOTIFY was suppressed ========
psql("ALTER TABLE maat_kv DISABLE TRIGGER maat_kv_notify")
p1 = permit("poll")
st, j = put_policy(A, policy_jws(p1, s1))
check(st == 200, "trigger disabled: policy set through A", (st, j))
v, dt = wait_for(lambda: policy_hash_of(B) == policy_hash(p1), 6)
check(v and dt < 4.0, f"MAATD_STORE_POLL_SECONDS=2: B picks the policy up by its poll ({dt:.2f} s)")
check(policy_hash_of(C) != policy_hash(p1),
      "C (poll 3600 s) has not seen it: no notification was sent")
check("safety-net poll every 2 s (MAATD_STORE_POLL_SECONDS)" in
      open(os.path.join(WORK, "B.log"), errors="replace").read(), "B logs its poll interval")

# ======== 2. removal acknowledged, then a policy by the removed signer on a stale replica ========
st, j = cert_change(A, "remove", s2[1], s1)
check(st == 200, "signer 2 removed through A", (st, j))
check(der_b64(s2[1]) in (signers_of(C) or []), "C's memory still lists signer 2 (stale replica)")
before = stored_policy()
p2 = permit("by-removed-signer")
j2 = policy_jws(p2, s2)
st, j = put_policy(C, j2)
check(st == 400 and j and j.get("error", {}).get("code") == "InvalidOperation"
      and "no longer one of" in j["error"].get("message", ""),
      "a policy signed by the removed signer, sent to the stale replica C: 400 InvalidOperation",
      (st, j))
check(stored_policy() == before, "... the stored policy is unchanged")
check(not guard_recorded(j2), "... and no applied-request record was left for it")
check(policy_hash_of(C) != policy_hash(p2), "... and C does not attest with it")
psql("ALTER TABLE maat_kv ENABLE TRIGGER maat_kv_notify")

# ======== 3. removal on A racing a policy signed by that signer on B ========
ROUNDS = 6
outcomes = []
for r in range(ROUNDS):
    sx = make_signer(f"race signer {r}")
    st, j = cert_change(A, "add", sx[1], s1)
    v, _ = wait_for(lambda: der_b64(sx[1]) in (signers_of(B) or []), 5)
    if not check(st == 200 and v, f"round {r}: race signer added and known to B", (st, j)):
        continue
    px = permit(f"race-{r}")
    jx = policy_jws(px, sx)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        fr = ex.submit(cert_change, A, "remove", sx[1], s1)
        fp = ex.submit(put_policy, B, jx)
        (rst, rj), (pst, pj) = fr.result(), fp.result()
    check(rst == 200, f"round {r}: the removal is acknowledged", (rst, rj))
    stored = stored_policy()
    if pst == 200:
        outcomes.append("policy first")
        # acknowledged: it committed, whole, before the removal (the removal could not
        # commit in between its signer check and its write: the check locked the signer)
        check(stored == jx and guard_recorded(jx),
              f"round {r}: policy acknowledged -> it is the stored policy, with its guard record",
              (pst, stored[:40]))
    else:
        outcomes.append("removal first")
        check(pst == 400 and stored != jx and not guard_recorded(jx),
              f"round {r}: policy refused (400) -> nothing of it in the store", (pst, pj))
    # whatever the order: after both, a policy by that signer is refused everywhere
    late = policy_jws(px + " ", sx)
    st, _ = put_policy(B, late)
    check(st == 400, f"round {r}: after the removal a policy by that signer is refused (B)", st)
print("# race outcomes: " + ", ".join(outcomes))

# ======== 4. two replicas removing the last two signers at once: one of them stays ========
sy = make_signer("last-two signer")
st, j = cert_change(A, "add", sy[1], s1)
v, _ = wait_for(lambda: len(signers_of(B) or []) == 2 and len(signers_of(A) or []) == 2, 5)
check(st == 200 and v, "two signers left (s1 and another), known to both replicas", (st, j))
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
    f1 = ex.submit(cert_change, A, "remove", s1[1], sy)   # s1 removed by the other
    f2 = ex.submit(cert_change, B, "remove", sy[1], s1)   # the other removed by s1
    (st1, j1), (st2, j2) = f1.result(), f2.result()
left = psql("SELECT count(*) FROM maat_kv WHERE ns = 'signers'")
check(sorted((st1, st2)) == [200, 400] and left == "1",
      "concurrent removals of the last two signers on A and B: one 200, one 400, one signer left",
      (st1, st2, left, j1 if st1 != 200 else j2))

for n in ("A", "B", "C"):
    check(os.environ.get("PGPASSWORD", "\x00") not in
          open(os.path.join(WORK, n + ".log"), errors="replace").read(),
          f"replica {n}'s log never shows the password")
T.finish()
