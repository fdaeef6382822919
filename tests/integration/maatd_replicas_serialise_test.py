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
import atexit
import base64
import concurrent.futures
import datetime
import hashlib
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

BIN, WORK = sys.argv[1:3]
URI = os.environ["REP_URI"]
API = "?api-version=2020-10-01"
ISSUER = "https://maat.test"
fails = 0
procs = []


@atexit.register
def _kill_all():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def check(cond, msg, detail=""):
    global fails
    if cond:
        print("ok   - " + msg, flush=True)
    else:
        fails += 1
        print("FAIL - " + msg + (": " + str(detail)[:800] if detail != "" else ""), flush=True)
    return cond


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def make_signer(name, path=None):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subj = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime(2024, 1, 1)
    cert = (x509.CertificateBuilder().subject_name(subj).issuer_name(subj)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    if path:
        open(path, "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def der_b64(cert):
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def jws(payload, signer):
    pl = json.dumps(payload, separators=(",", ":")).encode()
    key, cert = signer
    hdr = json.dumps({"alg": "RS256", "x5c": [der_b64(cert)]}, separators=(",", ":")).encode()
    si = b64u(hdr) + "." + b64u(pl)
    return si + "." + b64u(key.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256()))


def policy_jws(text, signer):
    return jws({"AttestationPolicy": b64u(text.encode()), "iat": int(time.time())}, signer)


def cert_jws(cert, signer):
    return jws({"policyCertificate": {"kty": "RSA", "x5c": [der_b64(cert)]},
                "iat": int(time.time())}, signer)


def policy_hash(text):
    return b64u(hashlib.sha256(b64u(text.encode()).encode()).digest())


def jws_hash(j):
    return b64u(hashlib.sha256(j.encode()).digest())


def permit(tag):
    return ('version=1.0;authorizationrules{=> permit();};'
            'issuancerules{=> issue(type="who", value="%s");};' % tag)


def spawn(name, poll):
    url_file = os.path.join(WORK, name + ".url")
    env = dict(os.environ)
    if poll:
        env["MAATD_STORE_POLL_SECONDS"] = str(poll)
    p = subprocess.Popen([os.path.join(BIN, "maatd"), "--listen", "127.0.0.1:0", "--store", URI,
                          "--sim", SIM, "--mode", "isolated", "--issuer", ISSUER,
                          "--policy-signer", S1_PEM],
                         stdout=open(url_file, "wb"), stderr=open(os.path.join(WORK, name + ".log"), "ab"),
                         env=env)
    procs.append(p)
    for _ in range(200):
        s = open(url_file).read().strip()
        if s:
            return s
        if p.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit(f"maatd {name} did not start:\n" + open(os.path.join(WORK, name + ".log")).read())


def call(url, method, path, body=None, ctype=None, timeout=20):
    u = urllib.parse.urlparse(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    h = {"Content-Type": ctype} if ctype else {}
    c.request(method, path, body=body.encode() if isinstance(body, str) else body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    try:
        return r.status, json.loads(data)
    except ValueError:
        return r.status, None


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


def signers_of(url):
    st, j = call(url, "GET", "/certificates" + API)
    if st != 200:
        return None
    p = json.loads(b64u_dec(j["token"].split(".")[1]))
    return sorted(k["x5c"][0] for k in p["x-ms-policy-certificates"]["keys"])


def wait_for(cond, limit):
    t0 = time.monotonic()
    while True:
        v = cond()
        if v or time.monotonic() - t0 > limit:
            return v, time.monotonic() - t0
        time.sleep(0.05)


def psql(sql):
    r = subprocess.run([os.path.join(os.environ["PG_BIN"], "psql"), "-X", "-At", "-d", "ser",
                        "-c", sql], capture_output=True, text=True, timeout=30)
    return r.stdout.strip()


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
print(f"{fails} failure(s)")
sys.exit(1 if fails else 0)
