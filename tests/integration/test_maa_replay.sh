#!/usr/bin/env bash
# test_maa_replay.sh - wire compatibility with real Microsoft Azure Attestation traffic: the
# recorded MAA requests (vectors maa-recordings: /certs, OpenID metadata, every attest
# request on the SgxEnclave and OpenEnclave routes of the shared, AAD and isolated
# instances) are replayed against maatd on loopback, the quotes re-quoted by a `maat sim`
# platform, and maatd's answers compared with MAA's recorded ones (helper: maa_replay.py,
# next to this file; what is compared is in its docstring and in docs/compat.md).
# ctest: integration_test_maa_replay; env MAAT_BIN, MAAT_VECTORS. Exit 77 = skipped (no
# maat/maatd, python3 or vectors).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN="${MAAT_BIN:-}"
VEC="${MAAT_VECTORS:-$here/../../../shared/vectors}/maa-recordings"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
skip() { echo "*** SKIPPED integration_test_maa_replay: $* ***"; exit 77; }
[ -x "$MAAT" ] && [ -x "$MAATD" ] || skip "maat/maatd not built (set MAAT_BIN)"
command -v python3 >/dev/null || skip "python3 not installed"
[ -f "$VEC/attest/sgx-shared-plain.request.json" ] && [ -f "$VEC/metadata/certs-shared.response.json" ] ||
    skip "vectors $VEC missing (set MAAT_VECTORS)"
python3 -c "import cryptography" 2>/dev/null ||
    echo "WARNING: python3 'cryptography' missing: token signatures will not be verified"

T=$(mktemp -d "${TMPDIR:-/tmp}/maa-replay-XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

"$MAAT" sim init "$T/sim" >/dev/null || { echo "FAIL: maat sim init"; exit 1; }
"$MAATD" --listen 127.0.0.1:0 --store "$T/st.db" --sim "$T/sim" >"$T/url" 2>"$T/maatd.log" &
PID=$!
for _ in $(seq 300); do [ -s "$T/url" ] && break; kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
URL=$(head -n1 "$T/url")
[ -n "$URL" ] || { echo "FAIL: maatd did not start"; cat "$T/maatd.log"; exit 1; }
echo "maatd at $URL; replaying $VEC"
mkdir -p "$T/work"
python3 "$here/maa_replay.py" --url "$URL" --vectors "$VEC" --maat "$MAAT" --sim "$T/sim" --work "$T/work"
rc=$?

kill -TERM "$PID"
for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID"; echo "FAIL: maatd ignored SIGTERM"; rc=1; else
    wait "$PID"; st=$?; [ $st -eq 0 ] || { echo "FAIL: maatd exit status $st"; rc=1; }
fi
PID=
if grep -q "AddressSanitizer\|LeakSanitizer\|runtime error" "$T/maatd.log"; then
    echo "FAIL: sanitizer report in the maatd log:"; grep -A5 "AddressSanitizer\|LeakSanitizer\|runtime error" "$T/maatd.log" | head -40
    rc=1
fi
exit $rc
