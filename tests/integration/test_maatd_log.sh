#!/usr/bin/env bash
# test_maatd_log.sh - maatd's request log batching (--log-flush-ms, docs/maatd.md "Logs"):
# request lines wait in the batch (none written yet during a long flush interval), every
# other message (here: the SIGHUP reload line) writes the batch out before itself, so the order
# of lines is kept, the interval writes a batch out by itself, shutdown writes the rest
# (one line per request, none lost), and --log-flush-ms 0 writes each line at once.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-log-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; sleep 0.2; rm -rf "$T"; }
trap cleanup EXIT
fails=0
. "$(dirname "$0")/../lib/maatd.sh"

reqlines() { grep -c ' route=certs ' "$T/$1.log"; }
# wait_for NAME PATTERN: <= 10 s for PATTERN in NAME's log
wait_for() { for _ in $(seq 100); do grep -q "$2" "$T/$1.log" && return 0; sleep 0.1; done; return 1; }

# A long interval: nothing of the batch is written until something else is logged.
maatd_start L --store "$T/l.db" --log-flush-ms 10000 || exit 1
for i in 1 2 3 4 5; do curl -s -o /dev/null "$URL_L/certs"; done
sleep 0.3
[ "$(reqlines L)" = 0 ] && ok "5 request lines wait in the batch (10 s interval)" \
    || bad "request lines written before the interval: $(reqlines L)"
kill -HUP "$PID_L"
wait_for L "SIGHUP: reload" || bad "no reload line"
rot=$(grep -n "SIGHUP: reload" "$T/L.log" | head -n1 | cut -d: -f1)
last=$(grep -n ' route=certs ' "$T/L.log" | tail -n1 | cut -d: -f1)
[ "$(reqlines L)" = 5 ] && [ -n "$last" ] && [ "$last" -lt "$rot" ] \
    && ok "the reload message wrote the batch out first: 5 request lines, then the message" \
    || bad "order: request lines $(reqlines L), last at line ${last:-none}, reload at ${rot:-none}"
for i in 1 2 3; do curl -s -o /dev/null "$URL_L/certs"; done
maatd_stop L
[ "$STOP_RC" = 0 ] && [ "$(reqlines L)" = 8 ] \
    && ok "shutdown wrote the rest: 8 request lines for 8 requests" || bad "after stop: rc $STOP_RC, $(reqlines L) lines"
stopped=$(grep -n 'msg="stopped"' "$T/L.log" | cut -d: -f1)
last=$(grep -n ' route=certs ' "$T/L.log" | tail -n1 | cut -d: -f1)
[ -n "$stopped" ] && [ "$last" -lt "$stopped" ] && ok "'stopped' is the last line" || bad "stopped at ${stopped:-none}, last request at $last"
grep -q '^ts=.*route=certs.*status=200.*$' "$T/L.log" && [ "$(grep -c '' "$T/L.log")" = "$(grep -c '^ts=' "$T/L.log")" ] \
    && ok "every line whole (each starts with ts=)" || bad "torn lines in the log"

# A short interval writes a batch out by itself.
maatd_start S --store "$T/s.db" --log-flush-ms 50 || exit 1
curl -s -o /dev/null "$URL_S/certs"
wait_for S ' route=certs ' && ok "50 ms interval: the line appears without any other message" || bad "50 ms batch never written"
# concurrent requests: one line each, none torn
seq 40 | xargs -P 8 -I{} curl -s -o /dev/null "$URL_S/certs"
for _ in $(seq 50); do [ "$(reqlines S)" = 41 ] && break; sleep 0.1; done
[ "$(reqlines S)" = 41 ] && ok "40 concurrent requests: 41 lines in all" || bad "concurrent: $(reqlines S) lines"
maatd_stop S

# 0: every line at once (written when the request completes, so allow a moment).
maatd_start Z --store "$T/z.db" --log-flush-ms 0 || exit 1
curl -s -o /dev/null "$URL_Z/certs"
wait_for Z ' route=certs ' && ok "--log-flush-ms 0: written per request" || bad "--log-flush-ms 0: no line"
maatd_stop Z
"$MAATD" --log-flush-ms 20000 --store "$T/x.db" >/dev/null 2>"$T/x.err"
[ $? = 2 ] && grep -q "log-flush-ms" "$T/x.err" && ok "--log-flush-ms above 10000 refused" || bad "range: $(cat "$T/x.err")"

if grep -l "AddressSanitizer\|LeakSanitizer\|runtime error" "$T"/*.log >/dev/null 2>&1; then
    bad "sanitizer report in $(grep -l "AddressSanitizer\|LeakSanitizer\|runtime error" "$T"/*.log)"
fi
[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
[ $fails -eq 0 ]
