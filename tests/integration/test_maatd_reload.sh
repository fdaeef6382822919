#!/usr/bin/env bash
# test_maatd_reload.sh - SIGHUP is a reload, never a key rotation (issue 17): /certs keeps its
# one key after SIGHUP; the TLS certificate and key are re-read (unchanged: said so; changed
# on disk: a warning that a restart serves them, since libmicrohttpd cannot swap them live;
# unreadable: an error, the old pair still served); maatd keeps answering over TLS; with
# $NOTIFY_SOCKET (built with libsystemd) systemd is told RELOADING=1 then READY=1.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
SRC="${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}"
BUILD=$(cd "$BIN/.." 2>/dev/null && pwd)
MAATD="$BIN/maatd"
if [ ! -x "$MAATD" ]; then echo "SKIPPED: maatd not built (set MAAT_BIN)"; exit 77; fi
for c in python3 curl openssl; do command -v $c >/dev/null || { echo "SKIPPED: $c needed"; exit 77; }; done
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-reload-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fails=0
. "$SRC/tests/lib/maatd.sh"
wait_log() { for _ in $(seq 50); do grep -q "$1" "$T/r.log" && return 0; sleep 0.1; done; return 1; }
mkcert() { # mkcert NAME: a self-signed server certificate for 127.0.0.1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/$1.key" -out "$T/$1.pem" -days 2 \
        -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
}
mkcert a && mkcert b || { echo "FAIL: openssl"; exit 1; }
cp "$T/a.pem" "$T/srv.pem" && cp "$T/a.key" "$T/srv.key"

systemd=0
grep -qx 'SYSTEMD_FOUND:INTERNAL=1' "$BUILD/CMakeCache.txt" 2>/dev/null && systemd=1
python3 "$SRC/tests/lib/sd_notify_listener.py" "$T/notify" "$T/notify.log" 60 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$T/notify.log" ] && break; sleep 0.1; done

NOTIFY_SOCKET="$T/notify" maatd_start r --store "$T/r.db" --tls-cert "$T/srv.pem" --tls-key "$T/srv.key" || exit 1
certs() { curl -fsS --max-time 5 --cacert "$T/a.pem" "$URL_r/certs"; }
kids() { certs | python3 -c 'import json,sys; print(" ".join(k["kid"] for k in json.load(sys.stdin)["keys"]))'; }
K0=$(kids)
[ -n "$K0" ] || { echo "FAIL: no /certs"; exit 1; }

kill -HUP "$PID_r"
wait_log "reload: TLS certificate and key unchanged" && ok "SIGHUP: TLS files re-read (unchanged, logged)" || bad "no reload line"
sleep 1.2
[ "$(kids)" = "$K0" ] && ok "SIGHUP never rotates: /certs still holds the one key $K0" || bad "SIGHUP changed /certs: $(kids)"
if [ $systemd = 1 ]; then
    awk '/RELOADING=1/{r=NR} /READY=1/{if (r) ok=1} END{exit !ok}' "$T/notify.log" \
        && ok "SIGHUP: RELOADING=1 then READY=1 sent to systemd" || bad "notify: $(tr '\n' '|' <"$T/notify.log")"
else
    echo "SKIPPED (part): built without libsystemd: no RELOADING/READY to check"
fi

cp "$T/b.pem" "$T/srv.pem" && cp "$T/b.key" "$T/srv.key"
kill -HUP "$PID_r"
wait_log "changed on disk, but libmicrohttpd cannot swap them in a running server: restart maatd" \
    && ok "SIGHUP with a new certificate on disk: logged that a restart serves it" || bad "no changed-certificate warning"
[ "$(kids)" = "$K0" ] && ok "... still serving over TLS with the old certificate" || bad "TLS or /certs broken after reload"

rm -f "$T/srv.key"
kill -HUP "$PID_r"
wait_log "reload: TLS certificate or key unreadable, still serving the old ones" \
    && ok "SIGHUP with the key file gone: error logged, old pair still served" || bad "no unreadable-key error"
[ "$(kids)" = "$K0" ] && ok "... maatd keeps answering" || bad "maatd stopped answering"
grep -q "BEGIN PRIVATE KEY\|PRIVATE KEY-----" "$T/r.log" && bad "a private key in the log" || ok "no key material in the log"

maatd_stop r
[ "$STOP_RC" = 0 ] && ok "SIGTERM: exit 0" || bad "stop: exit $STOP_RC"
echo "$fails failure(s)"
[ $fails -eq 0 ]
