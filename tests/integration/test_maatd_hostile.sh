#!/usr/bin/env bash
# test_maatd_hostile.sh - maatd's HTTP edge against hostile clients (issue 12 items 6, 7, 8,
# 10 and maatd's parts of 15; docs/maatd.md "Limits"): slowloris from one client with
# /healthz measured reachable (main listener from another address, reserve listener),
# the header deadline, the per-client limit, trickled bodies under the global cap, unread
# responses under the global cap, %00 / 300 query parameters / Transfer-Encoding / Host
# edge cases, --listen and config-file errors, the OpenID metadata naming only served
# routes, error bodies and /ready without server paths, and the log's reason and client
# address. Client side: maatd_hostile.py. All traffic to 127.0.0.1; about 30 s.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
for tool in curl python3; do
    command -v $tool >/dev/null || { echo "SKIPPED: $tool not installed"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-hostile-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; sleep 0.2; rm -rf "$T"; }
trap cleanup EXIT
fails=0
. "$(dirname "$0")/../lib/maatd.sh"
PY="$(dirname "$0")/maatd_hostile.py"
client() { python3 "$PY" "$@" || fails=$((fails + $?)); }

# ---- item 15: start-up errors ----
timeout 10 "$MAATD" --store "$T/x.db" --listen 0.0.0.0:99999 >/dev/null 2>"$T/e1"
rc=$?
[ $rc = 2 ] && grep -q "99999" "$T/e1" && grep -q -- "--listen" "$T/e1" \
    && ok "listen_port_out_of_range: --listen 0.0.0.0:99999 refused, exit 2: $(cat "$T/e1")" \
    || bad "listen_port_out_of_range: rc $rc: $(cat "$T/e1")"
timeout 10 "$MAATD" --store "$T/x.db" --listen "127.0.0.1:80x" >/dev/null 2>"$T/e2"
[ $? = 2 ] && ok "bad --listen port text: exit 2" || bad "bad --listen: $(cat "$T/e2")"
timeout 10 "$MAATD" --store "$T/x.db" --listen "no.such.host.invalid:8080" >/dev/null 2>"$T/e3"
[ $? = 2 ] && grep -q -- "--listen" "$T/e3" && ok "unresolvable --listen host: exit 2" || bad "unresolvable host: $(cat "$T/e3")"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); open(sys.argv[2],"w").write("1"); time.sleep(60)' "$port" "$T/held" &
HOLDER=$!
PIDS+=($HOLDER)
for _ in $(seq 100); do [ -s "$T/held" ] && break; sleep 0.1; done
timeout 10 "$MAATD" --store "$T/x.db" --listen "127.0.0.1:$port" >/dev/null 2>"$T/e4"
rc=$?
[ $rc = 1 ] && grep -q "port $port" "$T/e4" && ! grep -q "port 0" "$T/e4" \
    && ok "port_in_use_says_port_0: the message names port $port" || bad "port_in_use_says_port_0: rc $rc: $(cat "$T/e4")"
kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null; maatd_forget "$HOLDER"
printf '# maatd\nlisten = 127.0.0.1:0\n\nmode = open\n' >"$T/c1.conf"
timeout 10 "$MAATD" --store "$T/x.db" --config "$T/c1.conf" >/dev/null 2>"$T/e5"
[ $? = 2 ] && grep -q "c1.conf:4: --mode 'open'" "$T/e5" \
    && ok "config_error_names_option: $(cat "$T/e5")" || bad "config_error_names_option: $(cat "$T/e5")"
printf 'listen = 127.0.0.1:99999\n' >"$T/c2.conf"
timeout 10 "$MAATD" --store "$T/x.db" --config "$T/c2.conf" >/dev/null 2>"$T/e6"
[ $? = 2 ] && grep -q "c2.conf:1: --listen '127.0.0.1:99999'" "$T/e6" \
    && ok "config_error_names_option: bad port in the file: $(cat "$T/e6")" || bad "config port: $(cat "$T/e6")"
printf 'pccs-insecure = maybe\n' >"$T/c3.conf"
timeout 10 "$MAATD" --store "$T/x.db" --config "$T/c3.conf" >/dev/null 2>"$T/e7"
[ $? = 2 ] && grep -q "c3.conf:1: --pccs-insecure 'maybe'" "$T/e7" \
    && ok "config_error_names_option: boolean" || bad "config bool: $(cat "$T/e7")"
printf 'threads 4\n' >"$T/c4.conf"
timeout 10 "$MAATD" --store "$T/x.db" --config "$T/c4.conf" >/dev/null 2>"$T/e8"
[ $? = 2 ] && grep -q "c4.conf:1: --threads" "$T/e8" \
    && ok "config_error_names_option: a line without '='" || bad "config no '=': $(cat "$T/e8")"
timeout 10 "$MAATD" --store "$T/x.db" --max-body 65536 --max-body-total 4096 >/dev/null 2>"$T/e9"
[ $? = 2 ] && grep -q -- "--max-body-total" "$T/e9" && ok "--max-body-total below --max-body refused" || bad "max-body-total: $(cat "$T/e9")"

# ---- item 7: slowloris, idle connections, per-client limit, reserve listener ----
maatd_start H --store "$T/h.db" --max-connections 256 --max-connections-per-client 32 \
    --header-timeout 2 --health-listen 127.0.0.1:0 --threads 2 --log-flush-ms 0 || exit 1
RES=$(sed -n 's/.*reserve listener .* on \(http:[^ "]*\).*/\1/p' "$T/H.log" | head -n1)
[ -n "$RES" ] && ok "reserve listener announced in the log: $RES" || bad "no reserve listener line"
client slowloris "$URL_H" "$RES" 2 32

# ---- item 10: HTTP edge cases, and the log's reason and client address ----
client edges "$URL_H"
client openid "$URL_H"
curl -s -o /dev/null "$URL_H/nowhere"
sleep 0.2
grep 'path="/nowhere"' "$T/H.log" | grep -q 'status=404 .*client=127\.0\.0\.1:[0-9]* reason="No route for GET /nowhere\."' \
    && ok "log_reason_client: a 404 line has the reason and the client address" \
    || bad "log_reason_client: $(grep 'nowhere' "$T/H.log")"
grep 'status=400' "$T/H.log" | grep -q 'reason="Header Host: 2 present' \
    && ok "log_reason_client: the two-Host 400 has its reason" || bad "log_reason_client: no reason for the two-Host 400"
grep 'error=header-timeout' "$T/H.log" | grep -q 'client=127\.0\.0\.1:' \
    && ok "log_reason_client: a header-deadline close is logged with the client" || bad "no header-timeout line"
maatd_stop H
[ "$STOP_RC" = 0 ] && ok "maatd stopped cleanly after the hostile clients" || bad "stop rc $STOP_RC"

# ---- item 8: trickled bodies ----
maatd_start B --store "$T/b.db" --max-body 65536 --max-body-total 262144 --log-flush-ms 0 || exit 1
client bodies "$URL_B" 262144
maatd_stop B

# ---- item 6: unread responses ----
printf 'hostile-admin\n' >"$T/admin.tok"
maatd_start R --store "$T/r.db" --mode aad --admin-token-file "$T/admin.tok" \
    --max-response-total 1000000 --timeout 6 --log-flush-ms 0 || exit 1
client unread "$URL_R" 1000000 6
maatd_stop R
grep 'route=policies' "$T/R.log" | grep -q 'status=200 .*error=response-timeout .*reason="the client did not read' \
    && ok "unread_responses_memory: the log says which answers were not read" || bad "no response-timeout log line"


# ---- item 15: no server paths in error bodies or /ready ----
"$MAAT" sim init "$T/sim" >/dev/null || { echo "sim init failed"; exit 1; }
head -c 64 /dev/zero >"$T/rt.bin"
"$MAAT" sim quote "$T/sim" --ehd "$T/rt.bin" -o "$T/q.bin" >/dev/null
python3 -c 'import base64,json,sys; print(json.dumps({"quote": base64.urlsafe_b64encode(open(sys.argv[1],"rb").read()).rstrip(b"=").decode()}))' "$T/q.bin" >"$T/req.json"
mkdir -p "$T/nocollateral"
maatd_start P --store "$T/p.db" --collateral "$T/nocollateral" --trust-root "$T/sim/root-ca.pem" --log-flush-ms 0 || exit 1
st=$(curl -s -o "$T/p.out" -w '%{http_code}' -X POST --data-binary "@$T/req.json" "$URL_P/attest/SgxEnclave?api-version=2022-08-01")
[ "$st" = 400 ] && grep -q '"code":"InvalidParameter"' "$T/p.out" && ! grep -q "$T" "$T/p.out" && grep -q '<path>' "$T/p.out" \
    && ok "error_body_paths: the collateral error names no server path: $(head -c 200 "$T/p.out")" \
    || bad "error_body_paths: $st $(cat "$T/p.out")"
sleep 0.2
grep 'route=attest_sgx' "$T/P.log" | grep -q "reason=\".*$T/nocollateral" \
    && ok "error_body_paths: the log keeps the full reason for the operator" || bad "log lacks the path: $(grep attest "$T/P.log")"
st=$(curl -s -o "$T/ready" -w '%{http_code}' "$URL_P/ready")
[ "$st" = 200 ] && ! grep -q "$T" "$T/ready" && grep -q '"collateral":"dir"' "$T/ready" \
    && ok "ready_paths: /ready names the source kind, not its path: $(cat "$T/ready")" || bad "ready_paths: $(cat "$T/ready")"
maatd_stop P

if grep -l "AddressSanitizer\|LeakSanitizer\|runtime error" "$T"/*.log >/dev/null 2>&1; then
    bad "sanitizer report in $(grep -l "AddressSanitizer\|LeakSanitizer\|runtime error" "$T"/*.log)"
fi
[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
[ $fails -eq 0 ]
