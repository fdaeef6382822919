#!/usr/bin/env python3
"""maatd_hostile.py - the client side of test_maatd_hostile.sh: hostile HTTP clients
against maatd (issue 12 items 6, 7, 8, 10), all traffic to 127.0.0.1 (sources 127.0.0.x,
all loopback), bounded counts and time. Usage: maatd_hostile.py CASE URL [ARGS...];
prints "ok   - ..." / "FAIL - ..." lines, exit status = number of failures."""
import base64
import json
import socket
import sys
import threading
import time
import urllib.request

fails = 0


def ok(cond, what, detail=""):
    global fails
    if cond:
        print("ok   - " + what)
    else:
        fails += 1
        print("FAIL - %s %s" % (what, detail))


def port_of(url):
    return int(url.rsplit(":", 1)[1].rstrip("/"))


def conn(port, src="127.0.0.1", rcvbuf=None, timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_response(s, limit=1 << 20):
    """Status code and body of one response (Content-Length framed), or (None, why)."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            d = s.recv(65536)
            if not d:
                return None, "closed without a reply (%r)" % data[:80]
            data += d
        head, body = data.split(b"\r\n\r\n", 1)
        status = int(head.split(b" ", 2)[1])
        n = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v.strip())
        while len(body) < n and len(body) < limit:
            d = s.recv(65536)
            if not d:
                break
            body += d
        return status, body
    except (socket.timeout, OSError) as e:
        return None, repr(e)


def raw(port, req, src="127.0.0.1", timeout=5):
    s = conn(port, src, timeout=timeout)
    t = time.time()
    s.sendall(req)
    st, body = read_response(s)
    s.close()
    return st, body, time.time() - t


def http_get(port, path, src="127.0.0.1", timeout=2):
    try:
        st, body, _ = raw(port, b"GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % path.encode(),
                          src, timeout)
        return st, body
    except OSError as e:
        return None, repr(e)


def metric(port, name, src="127.0.0.1"):
    # 10 s: a sanitizer tree (make test-tsan) answers slowly; no answer is None, not a crash
    st, body = http_get(port, "/metrics", src, timeout=10)
    if st != 200 or not isinstance(body, bytes):
        return None
    for line in body.decode(errors="replace").splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def is_closed(s):
    """Whether the server closed (or reset) this connection."""
    s.setblocking(False)
    try:
        return s.recv(4096) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def maa_code(body):
    try:
        return json.loads(body)["error"]["code"]
    except Exception:
        return None


# ---- item 7: slowloris, idle connections, per-client limit, reserve listener ----
def case_slowloris(url, reserve_url, deadline, limit="32"):
    port, rport = port_of(url), port_of(reserve_url)
    deadline = float(deadline)
    slow, refused = [], 0
    t0 = time.time()
    for _ in range(300):  # one client, far more than --max-connections-per-client
        try:
            s = conn(port)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
            slow.append(s)
        except OSError:
            refused += 1
    idle = []
    for _ in range(20):  # another client: connects, sends nothing
        idle.append(conn(port, "127.0.0.3"))
    stop = time.time() + deadline + 2
    probes = []  # (listener, ok, seconds)
    while time.time() < stop:
        for s in slow:  # keep trickling: a header line every round
            try:
                s.sendall(b"X-a: b\r\n")
            except OSError:
                pass
        for name, p, src in (("main", port, "127.0.0.2"), ("reserve", rport, "127.0.0.1")):
            t = time.time()
            st, _ = http_get(p, "/healthz", src, timeout=2)
            probes.append((name, st == 200, time.time() - t))
        time.sleep(0.25)
    for name in ("main", "reserve"):
        got = [p for p in probes if p[0] == name]
        good = [p for p in got if p[1]]
        worst = max(p[2] for p in got)
        ok(len(got) > 5 and len(good) == len(got),
           "slowloris_healthz_unreachable: /healthz on the %s listener answered %d/%d probes during "
           "300 slow connections from one client (slowest %.0f ms)" % (name, len(good), len(got), worst * 1000))
    open_slow = sum(1 for s in slow if not is_closed(s))
    ok(open_slow == 0, "slowloris_header_deadline: every trickling connection closed within "
       "--header-timeout %gs + 2s (%d still open after %.1fs)" % (deadline, open_slow, time.time() - t0))
    open_idle = sum(1 for s in idle if not is_closed(s))
    ok(open_idle == 0, "idle_connections_outage: 20 idle connections closed by the header deadline "
       "(%d still open)" % open_idle)
    for s in slow + idle:
        s.close()
    # per-client limit: hold connections quietly from one source, count how many stay
    time.sleep(0.3)
    held = []
    for _ in range(80):
        try:
            held.append(conn(port, "127.0.0.4"))
        except OSError:
            pass
    time.sleep(0.5)
    alive = sum(1 for s in held if not is_closed(s))
    limit = int(limit)
    ok(alive <= limit, "slowloris_per_client_limit: %d of 80 connections from one client stay open "
       "(limit %d)" % (alive, limit))
    st, _ = http_get(port, "/healthz", "127.0.0.5")
    ok(st == 200, "slowloris_per_client_limit: another client is served meanwhile (%s)" % st)
    for s in held:
        s.close()
    hc = metric(rport, "maatd_header_timeouts_total")
    ok(hc is not None and hc >= 20, "header deadline closures counted in /metrics (%s)" % hc)
    st, body = http_get(rport, "/certs")
    ok(st == 404, "reserve listener serves only /healthz, /ready, /metrics (/certs: %s)" % st)


# ---- item 8: body memory follows bytes received, global cap ----
def case_bodies(url, max_body_total):
    port = port_of(url)
    cap = int(max_body_total)
    head = (b"POST /attest/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\nHost: t\r\n"
            b"Content-Type: application/json\r\nContent-Length: 65000\r\n\r\n")
    conns = []
    for _ in range(8):
        s = conn(port, timeout=10)
        s.sendall(head + b"x" * 100)
        conns.append(s)
    time.sleep(0.5)
    held = metric(port, "maatd_body_bytes")
    ok(held is not None and held < 8 * 1024,
       "trickled_body_memory: 8 bodies announcing 65000 bytes with 100 sent hold %s bytes (memory "
       "follows bytes received)" % held)
    st, body, _ = raw(port, head.replace(b"65000", b"60000") + b"{" * 60000)
    ok(st == 400 and maa_code(body) == "InvalidParameter",
       "trickled_body_memory: a full 60000-byte body is still served while they trickle (%s)" % st)
    for s in conns:  # each to 50000 bytes: 64 KiB of buffer each, 8 x 64 KiB > the cap
        s.sendall(b"x" * 49900)
        time.sleep(0.05)
    time.sleep(0.5)
    held = metric(port, "maatd_body_bytes")
    ok(held is not None and held <= cap,
       "trickled_body_global_cap: body memory held %s <= --max-body-total %d" % (held, cap))
    st, body, dt = raw(port, head)
    ok(st == 503 and maa_code(body) == "ServiceUnavailable",
       "trickled_body_global_cap: a new body that cannot fit gets 503 ServiceUnavailable at once "
       "(%s in %.2fs)" % (st, dt))
    results = []
    for s in conns:
        s.sendall(b"x" * 15000)
        st, body = read_response(s)
        results.append((st, maa_code(body) if st else body))
        s.close()
    n503 = sum(1 for r in results if r[0] == 503 and r[1] == "ServiceUnavailable")
    n400 = sum(1 for r in results if r[0] == 400)
    ok(n503 >= 1 and n400 >= 1 and n503 + n400 == 8,
       "trickled_body_global_cap: bodies over the cap answered 503 in MAA's form, the rest served "
       "(%d x 503, %d x 400: %s)" % (n503, n400, results))
    time.sleep(0.3)
    held = metric(port, "maatd_body_bytes")
    ok(held == 0, "trickled_body_global_cap: all body memory released afterwards (%s)" % held)


# ---- item 6: responses not read by their clients ----
def case_unread(url, max_response_total, timeout="6"):
    port = port_of(url)
    cap = int(max_response_total)
    b64u = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    text = "version=1.0;" + " " * 200000 + "authorizationrules{=> permit();};"
    jws = b64u(b'{"alg":"none"}') + "." + b64u(json.dumps({"AttestationPolicy": b64u(text.encode())}).encode()) + "."
    r = urllib.request.Request(url + "/policies/SgxEnclave?api-version=2022-08-01", data=jws.encode(),
                               method="PUT", headers={"Authorization": "Bearer hostile-admin",
                                                      "Content-Type": "text/plain"})
    st = urllib.request.urlopen(r, timeout=20).status
    ok(st == 200, "a large policy set (its GET answer is ~470 KB)")
    readers, codes = [], []
    for _ in range(5):  # clients that ask and do not read
        s = conn(port, rcvbuf=4096, timeout=5)
        s.sendall(b"GET /policies/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.3)
        d = s.recv(400)
        codes.append(int(d.split(b" ", 2)[1]) if d.startswith(b"HTTP/1.1 ") else None)
        readers.append(s)
    held = metric(port, "maatd_response_bytes")
    ok(held is not None and 0 < held <= cap,
       "unread_responses_memory: response bytes held for non-reading clients %s <= --max-response-total %d"
       % (held, cap))
    ok(codes[0] == 200 and 503 in codes,
       "unread_responses_memory: answers beyond the cap are 503 (statuses %s)" % codes)
    s = conn(port, timeout=5)
    s.sendall(b"GET /policies/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\nHost: t\r\n\r\n")
    st, body = read_response(s)
    s.close()
    ok(st == 503 and maa_code(body) == "ServiceUnavailable",
       "unread_responses_memory: 503 in MAA's error form (%s %s)" % (st, body[:120]))
    timeout = float(timeout)
    t = time.time()
    while time.time() - t < timeout + 4:
        held = metric(port, "maatd_response_bytes")
        if held == 0:
            break
        time.sleep(0.25)
    ok(held == 0, "unread_responses_memory: released after --timeout %gs although the clients stay "
       "connected (%s after %.1fs)" % (timeout, held, time.time() - t))
    for s in readers:
        s.close()
    for _ in range(30):
        held = metric(port, "maatd_response_bytes")
        if held == 0:
            break
        time.sleep(0.1)
    ok(held == 0, "unread_responses_memory: released once the clients are gone (%s)" % held)
    st, body = http_get(port, "/policies/SgxEnclave?api-version=2022-08-01", timeout=10)
    ok(st == 200, "unread_responses_memory: a reading client is served again (%s)" % st)


# ---- item 10: HTTP edge cases ----
def case_edges(url):
    port = port_of(url)
    cases = [
        ("nul_in_path_truncates_routing: /certs%00x", b"GET /certs%00x HTTP/1.1\r\nHost: t\r\n\r\n", 400),
        ("nul_in_query: api-version=2022-08-01%00x",
         b"GET /certificates?api-version=2022-08-01%00x HTTP/1.1\r\nHost: t\r\n\r\n", 400),
        ("many_query_params_no_reply: 300 parameters",
         b"GET /certs?" + "&".join("a%d=1" % i for i in range(300)).encode() + b" HTTP/1.1\r\nHost: t\r\n\r\n", 400),
        ("transfer_encoding_gzip_chunked", b"POST /attest/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\n"
         b"Host: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 501),
        ("transfer_encoding_identity", b"POST /attest/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\n"
         b"Host: t\r\nTransfer-Encoding: identity\r\n\r\nhello", 400),
        ("transfer_encoding_with_content_length", b"POST /attest/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\n"
         b"Host: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
        ("host_missing", b"GET /healthz HTTP/1.1\r\n\r\n", 400),
        ("host_twice", b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ]
    for name, req, want in cases:
        st, body, dt = raw(port, req, timeout=5)
        code = maa_code(body) if st else None
        ok(st == want and code is not None and dt < 2,
           "%s -> %s %s in %.2fs (want %d in MAA's form)" % (name, st, code, dt, want))
    st, body, _ = raw(port, b"GET /healthz HTTP/1.0\r\n\r\n")
    ok(st == 200, "HTTP/1.0 without Host is served (%s)" % st)
    st, body, _ = raw(port, b"POST /attest/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\nHost: t\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    ok(st == 400 and maa_code(body) == "InvalidParameter", "chunked alone is still served (%s)" % st)
    st, body = http_get(port, "/certs?a=1&b=2")
    ok(st == 200, "a few query parameters are fine (%s)" % st)


def case_openid(url):
    port = port_of(url)
    st, body = http_get(port, "/.well-known/openid-configuration")
    meta = json.loads(body)
    urls = {k: v for k, v in meta.items() if isinstance(v, str) and v.startswith("http")}
    ok(st == 200 and len(urls) >= 2, "openid metadata (%s): %s" % (st, sorted(urls)))
    for k, v in sorted(urls.items()):
        if k == "issuer":
            continue
        path = "/" + v.split("/", 3)[3]
        method = b"POST" if k == "revocation_endpoint" else b"GET"
        st, body, _ = raw(port, method + b" " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n"
                          b"Content-Length: 0\r\n\r\n")
        ok(st is not None and st != 404 and st < 500,
           "openid_unserved_routes: %s (%s %s) is served: %s %s" % (k, method.decode(), path, st, body[:80]))


CASES = {"slowloris": case_slowloris, "bodies": case_bodies, "unread": case_unread,
         "edges": case_edges, "openid": case_openid}

if __name__ == "__main__":
    CASES[sys.argv[1]](*sys.argv[2:])
    sys.exit(min(fails, 100))
