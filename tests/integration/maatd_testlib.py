"""maatd_testlib.py - what the python integration tests of maatd share, written once: checks
with a failure count, base64url and JWT parts, test policy signers and the JWS they sign,
maatd processes on loopback and HTTP calls to them.

A test script does `import maatd_testlib as T` (its own directory is on sys.path), calls
T.setup(BIN, WORK) once, and ends with T.finish(). Every wait is bounded.
"""
import atexit
import base64
import datetime
import hashlib
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

BIN = WORK = None
_fails = 0
procs = []


def setup(bin_dir, work_dir):
    """The directory holding maat and maatd, and the test's scratch directory."""
    global BIN, WORK
    BIN, WORK = bin_dir, work_dir


def fails():
    return _fails


@atexit.register
def _kill_all():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


# ---- checks ----

def ok(msg):
    print("ok   - " + msg, flush=True)


def bad(msg):
    global _fails
    _fails += 1
    print("FAIL - " + msg, flush=True)


def check(cond, msg, detail=""):
    """Prints ok/FAIL for msg; on failure the detail (cut to 800 characters) follows."""
    if cond:
        ok(msg)
    else:
        bad(msg + (": " + str(detail)[:800] if detail != "" else ""))
    return cond


def finish(verdict_word=False):
    """Prints the failure count and exits 1 when any check failed."""
    prefix = ("FAILED: " if _fails else "PASSED: ") if verdict_word else ""
    print(f"{prefix}{_fails} failure(s)", flush=True)
    sys.exit(1 if _fails else 0)


# ---- encodings ----

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwt_parts(tok):
    """(header, payload or None when empty, signature) of a compact JWS."""
    h, p, s = tok.split(".")
    return json.loads(b64u_dec(h)), (json.loads(b64u_dec(p)) if p else None), s


def policy_hash(text):
    """MAA's x-ms-policy-hash of a policy text."""
    return b64u(hashlib.sha256(b64u(text.encode()).encode()).digest())


def jws_hash(jws_text):
    """SHA-256 of a JWS's compact text, base64url (x-ms-policy-token-hash)."""
    return b64u(hashlib.sha256(jws_text.encode()).digest())


# ---- policy signers and JWS ----

def make_signer(name, path=None, org=None, key_path=None):
    """A self-signed RSA-2048 policy signer, CN=name (and O=org), valid 2024-01-01 + 10 years.
    Writes the certificate PEM to path and the PKCS#8 key to key_path when given."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, name)]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    subj = x509.Name(attrs)
    start = datetime.datetime(2024, 1, 1)
    cert = (x509.CertificateBuilder().subject_name(subj).issuer_name(subj)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    if path:
        open(path, "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    if key_path:
        open(key_path, "wb").write(key.private_bytes(serialization.Encoding.PEM,
                                                     serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    return key, cert


def der_b64(cert):
    from cryptography.hazmat.primitives import serialization
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def thumb(cert):
    """The SHA-1 thumbprint MAA reports (x-ms-certificate-thumbprint), upper-case hex."""
    from cryptography.hazmat.primitives import serialization
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


def jws(payload, signer=None, raw_payload=None):
    """Compact JWS of payload (a dict; None = the empty payload of MAA's reset form) or of
    raw_payload bytes. signer = (key, cert) signs RS256 with the certificate in x5c;
    None gives an unsigned JWS (alg none)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    pl = raw_payload if raw_payload is not None else (
        b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode())
    if signer is None:
        return b64u(b'{"alg":"none"}') + "." + b64u(pl) + "."
    key, cert = signer
    hdr = json.dumps({"alg": "RS256", "x5c": [der_b64(cert)]}, separators=(",", ":")).encode()
    si = b64u(hdr) + "." + b64u(pl)
    return si + "." + b64u(key.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256()))


def policy_jws(text, signer=None, **claims):
    """A policy set request: {"AttestationPolicy": b64url(text), ...claims}."""
    return jws({"AttestationPolicy": b64u(text.encode()), **claims}, signer)


def cert_jws(cert, signer, name="policyCertificate", **claims):
    """A policy-signer change: {name: {"kty": "RSA", "x5c": [cert]}, ...claims}."""
    return jws({name: {"kty": "RSA", "x5c": [der_b64(cert)]}, **claims}, signer)


def who_policy(who):
    """A policy that permits and issues the claim who = the given tag (tells policies apart)."""
    return ('version=1.0;authorizationrules{=> permit();};'
            'issuancerules{=> issue(type="who", value="%s");};' % who)


# ---- maatd processes ----

def spawn(name, *args, store=None, env=None):
    """Starts `maatd --listen 127.0.0.1:0 [--store S] args...` (S: store, else WORK/name.db;
    store=False: no --store, the args carry it); env: extra environment variables. stdout (the
    URL line) goes to WORK/name.url, stderr to WORK/name.log. Returns (process, url file)."""
    url_file = os.path.join(WORK, name + ".url")
    log = open(os.path.join(WORK, name + ".log"), "ab")
    st = [] if store is False else ["--store", store or os.path.join(WORK, name + ".db")]
    p = subprocess.Popen([os.path.join(BIN, "maatd"), "--listen", "127.0.0.1:0", *st, *args],
                         stdout=open(url_file, "wb"), stderr=log,
                         env={**os.environ, **env} if env else None)
    procs.append(p)
    return p, url_file


def wait_url(name, p, url_file, limit=20):
    """The URL maatd printed, within limit seconds; exits the test when it did not start."""
    for _ in range(int(limit * 10)):
        s = open(url_file).read().strip()
        if s:
            return s
        if p.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit(f"maatd {name} did not start:\n" +
                     open(os.path.join(WORK, name + ".log"), errors="replace").read())


def start(name, *args, store=None, env=None):
    """spawn + wait_url: (process, url)."""
    p, url_file = spawn(name, *args, store=store, env=env)
    return p, wait_url(name, p, url_file)


def stop(p, what, log_name=None):
    """SIGTERM; maatd must exit 0 within 10 s (under ASan a leak or error makes it non-zero:
    then the tail of its log, WORK/log_name.log, is shown)."""
    p.terminate()
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    if not check(rc == 0, f"{what} stopped cleanly (exit 0)", f"exit {rc}") and log_name:
        print(open(os.path.join(WORK, log_name + ".log"), errors="replace").read()[-3000:])
    return rc


def sim(*args):
    """`maat sim ARGS...`, which must succeed."""
    subprocess.run([os.path.join(BIN, "maat"), "sim", *args], check=True,
                   stdout=subprocess.DEVNULL)


# ---- HTTP ----

def request(url, method, path, body=None, headers=None, timeout=20):
    """One HTTP request to maatd at url: (status, JSON body or None, lower-case headers, raw)."""
    u = urllib.parse.urlparse(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    c.request(method, path, body=body.encode() if isinstance(body, str) else body,
              headers=headers or {})
    r = c.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    try:
        j = json.loads(data)
    except ValueError:
        j = None
    return r.status, j, hdrs, data


def call(url, method, path, body=None, headers=None, timeout=20):
    """(status, JSON body or None)."""
    st, j, _, _ = request(url, method, path, body, headers, timeout)
    return st, j


def result(url, method, path, body=None, token=None, ctype="text/plain"):
    """A management call: (status, token payload when the answer is {"token": ...}, JSON body)."""
    h = {"Content-Type": ctype}
    if token is not None:
        h["Authorization"] = "Bearer " + token
    st, j = call(url, method, path, body, h)
    if st == 200 and j and "token" in j:
        return st, jwt_parts(j["token"])[1], j
    return st, None, j


def ctype_call(url, method, path, body=None, ctype=None, timeout=20):
    """call() with only a Content-Type header (none when ctype is None)."""
    return call(url, method, path, body, {"Content-Type": ctype} if ctype else {}, timeout)


def signers_of(url, api="?api-version=2020-10-01"):
    """The policy signers' x5c[0], sorted, from GET /certificates; None when it is not 200."""
    st, j = call(url, "GET", "/certificates" + api)
    if st != 200:
        return None
    p = jwt_parts(j["token"])[1]
    return sorted(k["x5c"][0] for k in p["x-ms-policy-certificates"]["keys"])


def err_code(j):
    """error.code of an MAA error body, or None."""
    try:
        return j["error"]["code"]
    except (TypeError, KeyError):
        return None


def wait_for(cond, limit):
    """Polls cond() every 50 ms for at most `limit` seconds; returns (value, seconds)."""
    t0 = time.monotonic()
    while True:
        v = cond()
        if v or time.monotonic() - t0 > limit:
            return v, time.monotonic() - t0
        time.sleep(0.05)


def psql(db, sql):
    """One SQL statement through psql on the test cluster (PG_BIN; connection from PG* env)."""
    r = subprocess.run([os.path.join(os.environ["PG_BIN"], "psql"), "-X", "-At", "-d", db,
                        "-c", sql], capture_output=True, text=True, timeout=30)
    return r.stdout.strip()
