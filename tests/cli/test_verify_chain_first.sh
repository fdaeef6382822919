#!/usr/bin/env bash
# test_verify_chain_first.sh - `maat verify` chose and fetched collateral by the FMSPC of a
# PCK leaf it had not verified yet. A quote whose PCK chain ends in an untrusted root (a
# simulated platform, its root not given with --trust-root) but carries a real FMSPC
# (00906ED50000) must be refused at the pck_chain step before any collateral lookup: a
# recording fake PCCS sees no request, a closed port is never dialled (exit 1, not a
# connection error), a collateral directory is never read. Loopback only; waits bounded.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
need maat
command -v python3 >/dev/null || { echo "SKIPPED: python3 needed"; exit 77; }
tmpdir cli-chainfirst

"$MAAT" sim init "$T/p" --now 2024-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/p" -o "$T/q.bin" >/dev/null || { echo "sim quote failed"; exit 1; }
AT=2024-03-02T00:00:00Z
"$MAAT" quote inspect "$T/q.bin" --json >"$T/qi.json"
[ "$(jget "$T/qi.json" 'd["pck"]["fmspc"]')" = 00906ed50000 ] && ok "the leaf carries a real FMSPC (00906ED50000)" \
    || bad "fmspc: $(jget "$T/qi.json" 'd["pck"]')"

# A fake PCCS that records every request and serves nothing.
cat >"$T/fake.py" <<'PY'
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
log = sys.argv[1]
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        with open(log, "a") as f: f.write(self.path + "\n")
        self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()
s = HTTPServer(("127.0.0.1", 0), H)
print("http://127.0.0.1:%d" % s.server_port, flush=True)
s.serve_forever()
PY
: >"$T/fake.log"
python3 "$T/fake.py" "$T/fake.log" >"$T/fake.url" 2>"$T/fake.err" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$T/fake.url" ] && break; sleep 0.1; done
F=$(head -n1 "$T/fake.url")
[ -n "$F" ] || { echo "fake PCCS did not start: $(cat "$T/fake.err")"; exit 1; }

# untrusted root, --pccs at the recording fake
"$MAAT" verify "$T/q.bin" --pccs "$F" --at $AT --json >"$T/f.json" 2>"$T/f.err"; rc=$?
[ $rc -eq 1 ] && ok "untrusted chain, --pccs fake: exit 1" || bad "untrusted chain, --pccs fake: exit $rc $(cat "$T/f.err")"
[ "$(jget "$T/f.json" 'd["verified"], d["failed_step"], d["error"]["code"]')" = "False pck_chain verification_failed" ] \
    && ok "refused at pck_chain (verified false, error object)" || bad "verdict: $(cat "$T/f.json")"
jget "$T/f.json" 'd["reason"]' | grep -q "trusted root" && ok "reason: the chain does not end in a trusted root" \
    || bad "reason: $(jget "$T/f.json" 'd["reason"]')"
[ "$(jget "$T/f.json" '[s["outcome"] for s in d["steps"] if s["name"] in ("tcb_info","qe_identity")]')" = "['not_run', 'not_run']" ] \
    && ok "no collateral step ran" || bad "steps: $(jget "$T/f.json" 'd["steps"]')"
[ ! -s "$T/fake.log" ] && ok "no request reached the PCCS (no collateral lookup)" \
    || bad "the PCCS was asked: $(cat "$T/fake.log")"

# the same with a closed port: a fetch would be a connection error (exit 3/4), not exit 1
"$MAAT" verify "$T/q.bin" --pccs http://127.0.0.1:1 --at $AT --json >"$T/c.json" 2>"$T/c.err"; rc=$?
[ $rc -eq 1 ] && [ "$(jget "$T/c.json" 'd["failed_step"]')" = pck_chain ] \
    && ok "untrusted chain, --pccs closed port: exit 1 at pck_chain" || bad "closed port: exit $rc $(cat "$T/c.err")"
grep -qi "connect" "$T/c.err" && bad "a connection was attempted: $(cat "$T/c.err")" || ok "no connection attempted"

# a collateral directory that does not hold this FMSPC's files is never consulted
mkdir "$T/empty"
"$MAAT" verify "$T/q.bin" --collateral "$T/empty" --at $AT --json >"$T/d.json" 2>"$T/d.err"; rc=$?
[ $rc -eq 1 ] && [ "$(jget "$T/d.json" 'd["failed_step"]')" = pck_chain ] \
    && ok "untrusted chain, --collateral DIR: exit 1 at pck_chain" || bad "dir: exit $rc $(cat "$T/d.err")"

# trusted: the chain passes, then the collateral is looked up by the verified FMSPC
"$MAAT" verify "$T/q.bin" --pccs "$F" --trust-root "$T/p/root-ca.pem" --at $AT --json >"$T/t.json" 2>"$T/t.err"; rc=$?
[ $rc -ne 0 ] && grep -q "fmspc=00906ED50000" "$T/fake.log" \
    && ok "trusted chain: collateral requested for the verified FMSPC" || bad "trusted: exit $rc log $(cat "$T/fake.log")"
[ "$(jget "$T/t.json" 'd["verified"], d["error"]["code"]')" = "False collateral_unavailable" ] \
    && ok "collateral missing at the fake: verified false, collateral_unavailable" || bad "trusted: $(cat "$T/t.json")"
"$MAAT" verify "$T/q.bin" --collateral "$T/p" --trust-root "$T/p/root-ca.pem" --at $AT --json >"$T/ok.json"; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/ok.json" 'd["verified"], d["fmspc"]')" = "True 00906ed50000" ] \
    && ok "trusted chain + collateral: verified" || bad "trusted + collateral: exit $rc"

if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
