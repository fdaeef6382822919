#!/usr/bin/env python3
"""soak.py - mixed valid and hostile traffic against one maatd for a bounded time.

Started by bench/soak.sh, which runs maatd (aad mode, sim platform) and passes its URL,
pid, the request body of a valid attestation and the admin token. Everything goes to
127.0.0.1; hostile clients bind other loopback source addresses (127.0.0.2-6) so that
per-client limits meant for them do not count against the valid client.

Threads: valid attesters (keep-alive, every answer must be 200 with a token); hostile
bodies (garbage, malformed JSON, bad base64, oversized: every answer must be a 4xx, never
a 5xx or a hang); slow clients (headers a byte every 2 s); unread answers (requests whose
answers are never read); policy changes (PUT and reset, admin token); key rotation
(`maat key rotate --store`, every 60 s) followed by a reload (SIGHUP, which must not rotate);
a sampler (every 10 s: VmRSS, open fds, /healthz latency).

Pass: no error for valid requests, /healthz answered within 2 s at every sample, and after
warm-up the per-minute medians of RSS and fds stay within +-10 % of their warm-up median.
Prints a RESULT line.
"""
import base64, http.client, json, os, random, signal, socket, statistics, subprocess, sys, threading, time

url, pid, body_file, token_file, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
MAAT_BIN, STORE = sys.argv[6], sys.argv[7]  # `maat key rotate --store STORE`
host, port = url.split("//", 1)[1].rsplit(":", 1)
port = int(port)
BODY = open(body_file, "rb").read()
ADMIN = open(token_file).read().strip()
Q = "?api-version=2022-08-01"
stop = threading.Event()
lock = threading.Lock()
stats = {"valid_ok": 0, "valid_err": 0, "hostile": 0, "hostile_5xx": 0, "hostile_hang": 0,
         "slow_conns": 0, "unread": 0, "policy_ok": 0, "policy_err": 0, "rotations": 0}
errors = []


def bump(k, n=1):
    with lock:
        stats[k] += n


def note(msg):
    with lock:
        if len(errors) < 50:
            errors.append(f"{time.strftime('%H:%M:%S')} {msg}")


def conn(src, timeout=10):
    return http.client.HTTPConnection(host, port, timeout=timeout, source_address=(src, 0))


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def valid():
    c = None
    while not stop.is_set():
        try:
            if c is None:
                c = conn("127.0.0.1")
            c.request("POST", "/attest/SgxEnclave" + Q, BODY, {"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            if r.status == 200 and b'"token"' in data:
                bump("valid_ok")
            else:
                bump("valid_err")
                note(f"valid attest: HTTP {r.status} {data[:200]!r}")
        except Exception as e:  # a valid client must never see a failure
            bump("valid_err")
            note(f"valid attest: {type(e).__name__}: {e}")
            c = None


HOSTILE = [
    lambda: os.urandom(random.randint(1, 4096)),
    lambda: b'{"quote": "' + b"A" * random.randint(1, 50000) + b'"',
    lambda: b'{"quote": "!!notbase64!!", "runtimeData": {"data": "x", "dataType": "Binary"}}',
    lambda: b'{"quote": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    lambda: BODY.replace(b'"quote": "', b'"quote": "AAAA', 1),
    lambda: b"x" * (1048576 + 10),  # over --max-body
    lambda: b'{"draftPolicyForAttestation": "' + b"version=1.0; issuancerules{ => issue(type=\\\"a\\\", value=\\\"b\\\");};" * 50 + b'"}',
]


def hostile():
    while not stop.is_set():
        payload = random.choice(HOSTILE)()
        try:
            c = conn("127.0.0.3", timeout=15)
            c.request("POST", "/attest/SgxEnclave" + Q, payload, {"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            bump("hostile")
            if r.status >= 500 and r.status != 503:
                bump("hostile_5xx")
                note(f"hostile body: HTTP {r.status}")
            c.close()
        except socket.timeout:
            bump("hostile_hang")
            note("hostile body: no answer within 15 s")
        except (ConnectionError, http.client.HTTPException, OSError):
            bump("hostile")  # closed by the server: an acceptable refusal


def slow():
    socks = []
    while not stop.is_set():
        while len(socks) < 200 and not stop.is_set():
            try:
                s = socket.create_connection((host, port), timeout=2, source_address=("127.0.0.4", 0))
                s.send(b"POST /attest/SgxEnclave" + Q.encode())
                socks.append(s)
                bump("slow_conns")
            except OSError:
                break
        time.sleep(2)
        alive = []
        for s in socks:
            try:
                s.send(b"a")
                alive.append(s)
            except OSError:
                s.close()
        socks = alive
    for s in socks:
        s.close()


def unread():
    while not stop.is_set():
        held = []
        for _ in range(20):
            try:
                s = socket.create_connection((host, port), timeout=2, source_address=("127.0.0.5", 0))
                req = (f"POST /attest/SgxEnclave{Q} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                       f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n").encode() + BODY
                s.sendall(req * 5)  # pipelined, answers never read
                held.append(s)
                bump("unread")
            except OSError:
                break
        stop.wait(20)
        for s in held:
            s.close()


POLICIES = [
    "version=1.0; authorizationrules{ => permit(); }; issuancerules{ c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"soak\", value=\"a\"); };",
    "version=1.0; authorizationrules{ => permit(); }; issuancerules{ c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"soak\", value=\"b\"); };",
]


def policies():
    i = 0
    hdr = {"Authorization": "Bearer " + ADMIN, "Content-Type": "text/plain"}
    while not stop.wait(5):
        i += 1
        try:
            c = conn("127.0.0.1")
            if i % 6 == 0:
                c.request("POST", "/policies/SgxEnclave:reset" + Q, "eyJhbGciOiJub25lIn0..", hdr)
            else:
                p = b64u(json.dumps({"AttestationPolicy": b64u(POLICIES[i % 2].encode())}).encode())
                c.request("PUT", "/policies/SgxEnclave" + Q, b64u(b'{"alg":"none"}') + "." + p + ".", hdr)
            r = c.getresponse()
            d = r.read()
            if r.status == 200:
                bump("policy_ok")
            else:
                bump("policy_err")
                note(f"policy change: HTTP {r.status} {d[:200]!r}")
            c.close()
        except Exception as e:
            bump("policy_err")
            note(f"policy change: {type(e).__name__}: {e}")


def rotate():
    while not stop.wait(60):
        try:
            r = subprocess.run([MAAT_BIN, "key", "rotate", "--store", STORE], capture_output=True,
                               text=True, timeout=30)
            if r.returncode != 0:
                note(f"rotation: maat key rotate exit {r.returncode}: {r.stderr.strip()[:200]}")
                continue
            bump("rotations")
            os.kill(pid, signal.SIGHUP)  # a reload alongside: must never rotate or disturb
        except (OSError, subprocess.SubprocessError) as e:
            note(f"rotation: {e}")


anon_kb = []  # RssAnon (heap, stacks) beside VmRSS, which also counts mapped files


def proc_sample():
    rss = anon = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("RssAnon:"):
                anon = int(line.split()[1])
    anon_kb.append(anon)
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


samples = []  # (t, rss_kb, fds, health_ms)


def sampler(t0):
    while not stop.wait(10):
        try:
            rss, fds = proc_sample()
        except OSError as e:
            note(f"maatd gone: {e}")
            stop.set()
            return
        h0 = time.monotonic()
        try:
            c = conn("127.0.0.1", timeout=2)
            c.request("GET", "/healthz")
            r = c.getresponse()
            r.read()
            hms = (time.monotonic() - h0) * 1000 if r.status == 200 else -1
        except Exception:
            hms = -1
        samples.append((time.monotonic() - t0, rss, fds, hms))
        print(f"t={samples[-1][0]:6.0f}s rss={rss}kB anon={anon_kb[-1]}kB fds={fds} healthz={hms:.1f}ms "
              f"valid={stats['valid_ok']}/{stats['valid_err']} hostile={stats['hostile']} "
              f"slow={stats['slow_conns']} unread={stats['unread']} policy={stats['policy_ok']} "
              f"rot={stats['rotations']}", flush=True)


t0 = time.monotonic()
threads = [threading.Thread(target=f, daemon=True) for f in
           (valid, valid, hostile, slow, unread, policies, rotate)]
threads.append(threading.Thread(target=sampler, args=(t0,), daemon=True))
for t in threads:
    t.start()
stop.wait(seconds)
stop.set()
time.sleep(1)

ok = True
why = []
if stats["valid_err"]:
    ok = False; why.append(f"{stats['valid_err']} valid requests failed")
if stats["valid_ok"] == 0:
    ok = False; why.append("no valid request succeeded")
if stats["hostile_5xx"] or stats["hostile_hang"]:
    ok = False; why.append(f"hostile: {stats['hostile_5xx']} 5xx, {stats['hostile_hang']} hangs")
if stats["policy_err"]:
    ok = False; why.append(f"{stats['policy_err']} policy changes failed")
bad_health = [s for s in samples if s[3] < 0 or s[3] > 2000]
if bad_health or not samples:
    ok = False; why.append(f"/healthz unreachable or slow at {len(bad_health)} of {len(samples)} samples")
# Flat = no trend after warm-up. Open fds include the clients' sockets, which the hostile
# load opens and closes all the time, so single samples jitter; each minute's median is
# compared with the warm-up median (+-10 %), and the raw extremes are printed too.
warm = [s for s in samples if s[0] <= seconds * 0.2]
after = [s for s in samples if s[0] > seconds * 0.2]
rss_dev = fd_dev = rss_raw = fd_raw = 0.0
if warm and after:
    rss_ref = statistics.median(s[1] for s in warm)
    fd_ref = statistics.median(s[2] for s in warm)
    minutes = [after[i:i + 6] for i in range(0, len(after), 6)]
    rss_dev = max(abs(statistics.median(x[1] for x in m) - rss_ref) / rss_ref for m in minutes)
    fd_dev = max(abs(statistics.median(x[2] for x in m) - fd_ref) / max(fd_ref, 1) for m in minutes)
    rss_raw = max(abs(s[1] - rss_ref) / rss_ref for s in after)
    fd_raw = max(abs(s[2] - fd_ref) / max(fd_ref, 1) for s in after)
    if rss_dev > 0.10:
        ok = False; why.append(f"RSS (per-minute median) moved {rss_dev:.1%} from the warm-up median {rss_ref:.0f} kB")
    if fd_dev > 0.10:
        ok = False; why.append(f"open fds (per-minute median) moved {fd_dev:.1%} from the warm-up median {fd_ref:.0f}")
for e in errors:
    print("  " + e)
print(f"RESULT soak seconds={seconds:.0f} ok={int(ok)} valid_ok={stats['valid_ok']} "
      f"valid_err={stats['valid_err']} hostile={stats['hostile']} slow_conns={stats['slow_conns']} "
      f"unread={stats['unread']} policy_changes={stats['policy_ok']} rotations={stats['rotations']} "
      f"samples={len(samples)} rss_max_dev={rss_dev:.3f} fds_max_dev={fd_dev:.3f} "
      f"rss_raw_dev={rss_raw:.3f} fds_raw_dev={fd_raw:.3f}"
      + ("" if ok else " why=" + "; ".join(why)))
sys.exit(0 if ok else 1)
