#!/usr/bin/env python3
"""maatd_replicas_test.py - two maatd replicas on one PostgreSQL store (driven by
test_maatd_replicas.sh, which starts the cluster and exports REP_URI, PG_BIN, PG_DIR, PG_PORT,
PG_RUN_PREFIX).

usage: maatd_replicas_test.py BIN_DIR WORK_DIR

Isolated mode (signed policy and signer changes), --sim platform, a shared --issuer. Each
fault of issue 13 is a check below. Every wait is bounded. Exit status 1 when a check fails.
"""
import concurrent.futures
import http.client
import json
import os
import signal
import subprocess
import sys
import time

import maatd_testlib as T
from maatd_testlib import (b64u, b64u_dec, cert_jws, check, der_b64, jwt_parts, make_signer,
                           policy_hash, policy_jws, signers_of, wait_for, wait_url)
from maatd_testlib import ctype_call as call
from maatd_testlib import who_policy as permit

BIN, WORK = sys.argv[1:3]
T.setup(BIN, WORK)
URI = os.environ["REP_URI"]
PW = URI.split(":")[2].split("@")[0]
API = "?api-version=2020-10-01"
ISSUER = "https://maat.test"


# ---- processes, HTTP, database ----

def spawn(name, *extra):
    return T.spawn(name, "--sim", SIM, "--mode", "isolated", "--issuer", ISSUER,
                   "--policy-signer", S1_PEM, *extra, store=URI)


def set_policy(url, text, signer):
    return call(url, "PUT", "/policies/SgxEnclave" + API, policy_jws(text, signer), "text/plain")


def add_signer(url, cert, signer):
    return call(url, "POST", "/certificates:add" + API, json.dumps(cert_jws(cert, signer)),
                "application/json")


def attest(url):
    st, j = call(url, "POST", "/attest/SgxEnclave" + API, ATTEST_BODY, "application/json")
    return st, (j["token"] if st == 200 else j)


def policy_hash_of(url):
    st, t = attest(url)
    return jwt_parts(t)[1].get("x-ms-policy-hash") if st == 200 else None


def certs(url):
    st, j = call(url, "GET", "/certs")
    return [k["kid"] for k in j["keys"]] if st == 200 else None, j


def psql(sql):
    return T.psql("rep", sql)


def pg_ctl(*args):
    pre = os.environ.get("PG_RUN_PREFIX", "").split()
    d = os.environ["PG_DIR"]
    subprocess.run(pre + [os.path.join(os.environ["PG_BIN"], "pg_ctl"), "-D", d + "/data", "-w",
                          "-t", "30", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)


def pg_down():
    pg_ctl("-m", "fast", "stop")


def pg_up():
    d, port = os.environ["PG_DIR"], os.environ["PG_PORT"]
    pg_ctl("-l", d + "/server.log", "-o",
           f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={d} "
           "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
           "-c shared_buffers=16MB -c max_connections=40", "start")


def verify_token(tok, jwks_doc, name):
    path = os.path.join(WORK, name + ".jwks")
    json.dump(jwks_doc, open(path, "w"))
    r = subprocess.run([os.path.join(BIN, "maat"), "token", "verify", tok, "--jwks", path,
                        "--issuer", ISSUER], capture_output=True, text=True, timeout=30)
    return r.returncode == 0, r.stdout + r.stderr


def rotate():
    r = subprocess.run([os.path.join(BIN, "maat"), "key", "rotate", "--store", URI],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


# ---- evidence and signers ----

SIM = os.path.join(WORK, "sim")
subprocess.run([os.path.join(BIN, "maat"), "sim", "init", SIM], check=True, stdout=subprocess.DEVNULL)
QUOTE = os.path.join(WORK, "q.bin")
subprocess.run([os.path.join(BIN, "maat"), "sim", "quote", SIM, "-o", QUOTE], check=True,
               stdout=subprocess.DEVNULL)
ATTEST_BODY = json.dumps({"quote": b64u(open(QUOTE, "rb").read())})
S1_PEM = os.path.join(WORK, "s1.pem")
s1 = make_signer("replica signer 1", S1_PEM)
s2 = make_signer("replica signer 2")

# ======== two replicas started at the same instant on an empty database ========
pa, fa = spawn("A")
pb, fb = spawn("B")
A = wait_url("A", pa, fa)
B = wait_url("B", pb, fb)
check(psql("SELECT (SELECT count(*) FROM maat_meta) || '/' || "
           "(SELECT count(*) FROM maat_kv WHERE ns = 'keys' AND key = 'current') || '/' || "
           "(SELECT count(*) FROM maat_kv WHERE ns = 'keys' AND key LIKE 'key/%')") == "1/1/1",
      "two replicas at once on an empty database: one schema row, one current key, one key record",
      psql("SELECT ns, key FROM maat_kv ORDER BY 1, 2"))
ka, ja = certs(A)
kb, jb = certs(B)
check(ka is not None and ka == kb and len(ka) == 1, "both replicas serve the same /certs", (ka, kb))
v, _ = wait_for(lambda: all("store change feed: listening (PostgreSQL LISTEN maat_changes)" in
                            open(os.path.join(WORK, n + ".log"), errors="replace").read()
                            for n in ("A", "B")), 5)
check(v, "both replicas listen for store changes (PostgreSQL LISTEN/NOTIFY)")
check(psql("SELECT count(*) FROM pg_trigger WHERE tgname = 'maat_kv_notify'") == "1",
      "one change-feed trigger on maat_kv")

# ======== policies: acknowledged by A, in force on A before the 200, on B within 2 s ========
text1 = permit("one")
st, j = set_policy(A, text1, s1)
check(st == 200, "isolated: signed policy set through replica A: 200", (st, j))
check(policy_hash_of(A) == policy_hash(text1),
      "replica A applies the policy before answering (its next attestation uses it)")
v, dt = wait_for(lambda: policy_hash_of(B) == policy_hash(text1), 5)
check(v and dt < 2.0, f"replica B attests with A's policy within 2 s (x-ms-policy-hash, {dt:.2f} s)")

# ======== signers: add on B, used on A within 2 s ========
st, j = add_signer(B, s2[1], s1)
check(st == 200, "signer add through replica B: 200", (st, j))
text2 = permit("two")
v, dt = wait_for(lambda: set_policy(A, text2, s2)[0] == 200, 5)
check(v and dt < 2.0, f"replica A accepts a policy signed by B's new signer within 2 s ({dt:.2f} s)")
v, dt = wait_for(lambda: policy_hash_of(B) == policy_hash(text2), 5)
check(v and dt < 2.0, f"... and B attests with it within 2 s ({dt:.2f} s)")

# ======== rotation with `maat key rotate --store` ========
st, tok0 = attest(A)
rc, out = rotate()
check(rc == 0 and "rotated: new kid" in out and PW not in out,
      "maat key rotate --store postgresql://...: rotated, password not printed", out)
old = ka[0]
v, dt = wait_for(lambda: all((c := certs(u)[0]) and len(c) == 2 and c[0] != old and c[1] == old
                             for u in (A, B)), 5)
check(v and dt < 2.0, f"rotation in both replicas' /certs within 2 s ({dt:.2f} s)", (certs(A)[0], certs(B)[0]))
st, tok1 = attest(A)
kid1 = jwt_parts(tok1)[0]["kid"] if st == 200 else None
check(kid1 == certs(B)[0][0], "a token from A after the rotation names the new current kid", kid1)
okv, out = verify_token(tok1, certs(B)[1], "b1")
check(okv, "token signed by A's new key verifies with B's /certs", out)
okv, out = verify_token(tok0, certs(B)[1], "b0")
check(okv, "token signed by the previous key (before the rotation) verifies with B's /certs", out)
st, tokb = attest(B)
okv, out = verify_token(tokb, certs(A)[1], "a1")
check(okv, "token from B verifies with A's /certs", out)

# ======== database down ========
pg_down()
time.sleep(1.5)
st_a, _ = attest(A)
st_b, _ = attest(B)
check(st_a == 200 and st_b == 200, "database down: both replicas still attest from memory", (st_a, st_b))
check(certs(A)[0] == certs(B)[0] and len(certs(A)[0]) == 2, "database down: /certs still served")
v, _ = wait_for(lambda: (r := call(A, "GET", "/ready"))[0] == 200 and r[1].get("store", "").startswith("down ("), 5)
st, rd = call(A, "GET", "/ready")
check(v, "database down: /ready reports store: down (<reason>)", rd)
check(PW not in json.dumps(rd), "database down: /ready does not show the password")
text3 = permit("three")
st, j = set_policy(B, text3, s1)
check(st == 503 and j and j.get("error", {}).get("code") == "ServiceUnavailable"
      and "message" in j["error"], "database down: policy set answers 503 ServiceUnavailable in MAA's form", (st, j))
check(PW not in json.dumps(j), "database down: the 503 does not show the password")
s3 = make_signer("replica signer 3")
st, j = add_signer(A, s3[1], s1)
check(st == 503 and j and j.get("error", {}).get("code") == "ServiceUnavailable",
      "database down: signer add answers 503 ServiceUnavailable", (st, j))
check(policy_hash_of(B) == policy_hash(text2) and policy_hash_of(A) == policy_hash(text2),
      "database down: nothing half-applied (both replicas keep the previous policy)")
check(len(signers_of(A) or []) == 2, "database down: the refused signer is not in A's set")

# ======== database back: replicas reconnect and pick up changes made meanwhile ========
pg_up()
rc, out = rotate()  # a change made while the replicas are still reconnecting
check(rc == 0, "database back: maat key rotate while the replicas reconnect", out)
newkid = out.split("new kid ")[1].split(",")[0] if rc == 0 else "?"
v, dt = wait_for(lambda: all((r := call(u, "GET", "/ready"))[0] == 200 and r[1].get("store") == "up"
                             for u in (A, B)), 15)
check(v, f"database back: both replicas reconnect by themselves (/ready store up after {dt:.1f} s)")
v, dt = wait_for(lambda: all(certs(u)[0][0] == newkid for u in (A, B)), 5)
check(v, "database back: both replicas serve the key rotated meanwhile", (newkid, certs(A)[0], certs(B)[0]))
st, j = set_policy(B, text3, s1)
check(st == 200, "database back: the same policy change now succeeds (nothing left half-applied)", (st, j))
v, dt = wait_for(lambda: policy_hash_of(A) == policy_hash(text3), 5)
check(v and dt < 2.0, f"database back: A attests with B's policy within 2 s ({dt:.2f} s)")

# ======== kill -9 of replica A in a burst of concurrent changes to both ========
N = 20
extra = [make_signer(f"burst signer {i}") for i in range(N)]
texts = [permit(f"burst-{i}") for i in range(N)]
jobs = []
for i in range(N):
    tgt = A if i % 2 == 0 else B
    jobs.append(("signer", tgt, i))
    jobs.append(("policy", tgt, i))


def run_job(job):
    kind, tgt, i = job
    try:
        if kind == "signer":
            st, _ = add_signer(tgt, extra[i][1], s1)
        else:
            st, _ = set_policy(tgt, texts[i], s1)
        return kind, tgt, i, st
    except (OSError, http.client.HTTPException) as e:
        return kind, tgt, i, repr(e)


with concurrent.futures.ThreadPoolExecutor(max_workers=6) as ex:
    futs = [ex.submit(run_job, j) for j in jobs]
    time.sleep(0.1)
    pa.send_signal(signal.SIGKILL)
    pa.wait()
    results = [f.result() for f in futs]
b_results = [r for r in results if r[1] == B]
a_results = [r for r in results if r[1] == A]
print("# A's answers in the burst: %d acknowledged, %d cut off by the kill" %
      (sum(r[3] == 200 for r in a_results), sum(r[3] != 200 for r in a_results)))
check(all(r[3] in (200,) for r in b_results),
      "kill -9 of A mid-burst: every change sent to B answered 200", b_results)
st, _ = attest(B)
check(st == 200, "kill -9 of A: B still attests")
acked_signers = {der_b64(extra[i][1]) for kind, _, i, st in results if kind == "signer" and st == 200}
time.sleep(1.5)
bs = set(signers_of(B) or [])
check(acked_signers <= bs, f"every acknowledged signer add ({len(acked_signers)}) is in force on B",
      len(acked_signers - bs))
rows = psql("SELECT count(*) FROM maat_kv WHERE ns = 'signers'")
check(rows == str(len(bs)), "B's signer set equals the store's (nothing half-present)", (rows, len(bs)))
stored_policy = psql("SELECT convert_from(value, 'UTF8') FROM maat_kv WHERE ns = 'policies' AND key = 'SgxEnclave'")
acked_hashes = {policy_hash(texts[i]) for kind, _, i, st in results if kind == "policy" and st == 200}
cur = policy_hash_of(B)
sent_hashes = {policy_hash(t) for t in texts}
check(cur in sent_hashes and cur == policy_hash(
    b64u_dec(jwt_parts(stored_policy)[1]["AttestationPolicy"]).decode()),
      "B's policy is the store's, one of the burst's (whole, parsed)", (cur, len(acked_hashes)))
st, _ = call(B, "GET", "/ready")
check(st == 200, "B stays ready after A's kill -9")

# ======== B stops cleanly ========
pb.terminate()
rc = pb.wait(timeout=15)
check(rc == 0, "replica B stops cleanly (exit 0)", rc)
for n in ("A", "B"):
    check(PW not in open(os.path.join(WORK, n + ".log"), errors="replace").read(),
          f"replica {n}'s log never shows the password")
T.finish()
