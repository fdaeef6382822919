#!/usr/bin/env bash
# test_maatd_sdnotify.sh - maatd as maatd.service's Type=notify expects: started with
# $NOTIFY_SOCKET, it sends READY=1 once it prints its URL (answers /healthz), and STOPPING=1
# on SIGTERM before it exits 0. A python3 datagram socket stands in for systemd.
# Skipped (loudly) until src/maatd/main.c calls maatd_notify_ready()/maatd_notify_stopping()
# (src/maatd/sdnotify.h), or when maatd was built without libsystemd.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
SRC="${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}"
BUILD=$(cd "$BIN/.." 2>/dev/null && pwd)
MAATD="$BIN/maatd"
if [ ! -x "$MAATD" ]; then echo "SKIPPED: maatd not built (set MAAT_BIN)"; exit 77; fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 needed"; exit 77; }
command -v curl >/dev/null || { echo "SKIPPED: curl needed"; exit 77; }
if ! grep -q 'maatd_notify_ready()' "$SRC/src/maatd/main.c" || ! grep -q 'maatd_notify_stopping()' "$SRC/src/maatd/main.c"; then
    echo "*** SKIPPED: src/maatd/main.c does not call maatd_notify_ready()/maatd_notify_stopping() yet ***"
    exit 77
fi
if ! grep -qx 'SYSTEMD_FOUND:INTERNAL=1' "$BUILD/CMakeCache.txt"; then
    echo "*** SKIPPED: built without libsystemd (sd_notify is a no-op; the unit uses Type=exec) ***"
    exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-sdnotify-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fails=0

# The stand-in for systemd: binds $T/notify, writes each datagram as one line to
# $T/notify.log, exits after STOPPING=1 or 30 s.
python3 "$SRC/tests/lib/sd_notify_listener.py" "$T/notify" "$T/notify.log" 30 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$T/notify.log" ] && break; sleep 0.1; done

. "$SRC/tests/lib/maatd.sh"
if NOTIFY_SOCKET="$T/notify" maatd_start n --store "$T/maatd.db"; then
    for _ in $(seq 50); do grep -q READY=1 "$T/notify.log" && break; sleep 0.1; done
    grep -q READY=1 "$T/notify.log" && ok "READY=1 sent once maatd is up" || bad "no READY=1: $(cat "$T/notify.log")"
    curl -fsS --max-time 5 "$URL_n/ready" >/dev/null && ok "/ready answers 200 when READY=1 was sent" || bad "/ready"
    grep -q STOPPING=1 "$T/notify.log" && bad "STOPPING=1 before SIGTERM"
    maatd_stop n
    [ "$STOP_RC" = 0 ] && ok "SIGTERM: exit 0" || bad "stop: exit $STOP_RC"
    for _ in $(seq 50); do grep -q STOPPING=1 "$T/notify.log" && break; sleep 0.1; done
    grep -q STOPPING=1 "$T/notify.log" && ok "STOPPING=1 sent on SIGTERM" || bad "no STOPPING=1: $(cat "$T/notify.log")"
    [ "$(grep -n READY=1 "$T/notify.log" | head -1 | cut -d: -f1)" -lt "$(grep -n STOPPING=1 "$T/notify.log" | head -1 | cut -d: -f1)" ] 2>/dev/null \
        && ok "READY=1 before STOPPING=1" || bad "order: $(cat "$T/notify.log")"
else
    bad "maatd did not start"
fi
echo "$fails failure(s)"
[ $fails -eq 0 ]
