#!/usr/bin/env bash
# test_collateral_fetch_quote_write_error_exit.sh - defect: `maat collateral fetch QUOTE
# -o PATH` that fetched and verified the collateral but could not write PATH printed the
# error and exited 0 (the QUOTE path's "no error" from reading the quote was left as the
# exit code), so a script took the missing file for written. It must exit 4 (I/O), as the
# --fmspc form always did, for a bundle and for a directory. Fixed time (--at), loopback.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
need maat
tmpdir cli-fetch-write-exit
AT="--at 2024-03-02T00:00:00Z"
"$MAAT" sim init "$T/plat" --now 2024-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/plat" -o "$T/q.bin" >/dev/null || { echo "sim quote failed"; exit 1; }
"$MAAT" sim pccs "$T/plat" --listen 127.0.0.1:0 >"$T/pccs.out" 2>"$T/pccs.log" &
PIDS+=($!)
URL=
for _ in $(seq 1 100); do
    URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/pccs.out" 2>/dev/null | head -n1)
    [ -n "$URL" ] && break
    sleep 0.1
done
[ -n "$URL" ] || { echo "sim pccs did not start: $(cat "$T/pccs.log")"; exit 1; }
ROOT="--trust-root $T/plat/root-ca.pem"
touch "$T/file"

# check NAME -o PATH ARGS...: exit 4, the error on stderr, no "written to"
check() {
    local name=$1; shift
    "$MAAT" collateral fetch "$@" --source "$URL" $ROOT $AT >"$T/out" 2>"$T/err"; local rc=$?
    if [ $rc -eq 4 ] && grep -q "No such file or directory\|Not a directory" "$T/err" \
        && ! grep -q "written to" "$T/err"; then
        ok "$name: exit 4, says why"
    else
        bad "$name: exit $rc: $(cat "$T/err")"
    fi
}
check "QUOTE, bundle in a missing directory" "$T/q.bin" -o "$T/missing/x/c.json"
check "QUOTE, bundle under a file" "$T/q.bin" -o "$T/file/c.json"
check "QUOTE, directory under a file" "$T/q.bin" -o "$T/file/dir/"
check "--fmspc, bundle in a missing directory" --fmspc 00906ED50000 -o "$T/missing/x/c.json"

# and the writable case still exits 0 with the file written
"$MAAT" collateral fetch "$T/q.bin" -o "$T/ok.json" --source "$URL" $ROOT $AT >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && [ -s "$T/ok.json" ] && ok "QUOTE, writable: exit 0, written" \
    || bad "QUOTE, writable: exit $rc: $(cat "$T/err")"
finish
