#!/usr/bin/env bash
# test_verify_process_no_sqlite.sh - issue 16 "maat verify process start": every `maat`
# process loaded libsqlite3 (and libm with it) at start and relocated it (~1,600 symbol
# relocations, ~0.3 ms per process on the bench host) although only the store commands use
# it. It is now loaded on first use like libcurl, libpq and libmicrohttpd
# (src/cli/lazy_libs.c): not a NEEDED entry of `maat`, never mapped by `maat verify`, and
# the SQLite store commands still work (key rotate, store check, store copy).
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
need maat
V="${MAAT_VECTORS:-}/dcap-qvl"
[ -f "$V/sgx_quote" ] || { echo "SKIPPED: no vectors (set MAAT_VECTORS)"; exit 77; }
tmpdir cli-no-sqlite

if command -v readelf >/dev/null; then
    needed=$(readelf -d "$MAAT" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    case " $needed" in
    *" libsqlite3"*) bad "libsqlite3 is a start-up dependency of maat (NEEDED: $needed)" ;;
    *) ok "libsqlite3 not loaded at start (NEEDED: $needed)" ;;
    esac
else
    echo "# no readelf: NEEDED check skipped"
fi

out=$(LD_DEBUG=files "$MAAT" verify "$V/sgx_quote" --collateral "$V/sgx_quote_collateral.json" \
      --at 1752919277 2>"$T/verify.ld")
rc=$?
[ $rc -eq 0 ] && grep -q "verification:  OK" <<<"$out" && ok "maat verify: exit 0, OK" || bad "maat verify: exit $rc"
grep -q 'file=[^ ]*libsqlite3' "$T/verify.ld" && bad "maat verify mapped libsqlite3" \
    || ok "maat verify did not map libsqlite3"

# the store commands load it on first use, on a store made by maatd (which links SQLite)
MAATD="$(dirname "$MAAT")/maatd"
[ -x "$MAATD" ] || { echo "SKIPPED: maatd not built"; exit 77; }
"$MAATD" --listen 127.0.0.1:0 --store "$T/s.db" --alg ES256 >"$T/maatd.url" 2>"$T/maatd.log" &
pid=$!
PIDS+=("$pid")
for _ in $(seq 200); do [ -s "$T/maatd.url" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -TERM "$pid"; wait "$pid"
[ -s "$T/s.db" ] || { echo "maatd did not make a store: $(cat "$T/maatd.log")"; exit 1; }
keys() { awk '$1 == "keys" { print $2 }' "$1"; }
"$MAAT" store check "$T/s.db" >"$T/check0.out" 2>&1 || bad "store check: $(cat "$T/check0.out")"
"$MAAT" key rotate --store "sqlite:$T/s.db" >"$T/rot.out" 2>&1; rc=$?
[ $rc -eq 0 ] && ok "key rotate on the SQLite store: exit 0" || bad "key rotate: exit $rc $(cat "$T/rot.out")"
LD_DEBUG=files "$MAAT" store check "$T/s.db" >"$T/check.out" 2>"$T/check.ld"; rc=$?
k0=$(keys "$T/check0.out") k1=$(keys "$T/check.out")
[ $rc -eq 0 ] && grep -q "backend     sqlite" "$T/check.out" && [ -n "$k0" ] && [ "$k1" = $((k0 + 1)) ] \
    && ok "store check: sqlite, one key record more after the rotation ($k0 -> $k1)" \
    || bad "store check: exit $rc, keys ${k0:-?} -> ${k1:-?}: $(cat "$T/check.out")"
grep -q 'file=[^ ]*libsqlite3' "$T/check.ld" && ok "store check loaded libsqlite3 on first use" \
    || bad "store check did not load libsqlite3?"
"$MAAT" store copy "$T/s.db" "$T/d.db" >"$T/copy.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "digests match" "$T/copy.out" && ok "store copy: digests match" || bad "store copy: exit $rc $(cat "$T/copy.out")"

if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
