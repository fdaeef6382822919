#!/usr/bin/env bash
# test_verify_process_libs.sh - issue 16 "maat verify process start": the `maat` binary
# does not load libcurl, libpq or libmicrohttpd at start (they are loaded on first use,
# src/cli/lazy_libs.c), `maat verify` works without them ever being mapped, and the
# commands that need them still load them (cli_test_collateral_fetch, cli_test_sim_pccs and
# cli_test_store_pg exercise those paths end to end).
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
MAAT="${MAAT_BIN:-}/maat"
if [ ! -x "$MAAT" ]; then echo "SKIPPED: $MAAT not built (set MAAT_BIN)"; exit 77; fi
V="${MAAT_VECTORS:-}/dcap-qvl"
if [ ! -f "$V/sgx_quote" ]; then echo "SKIPPED: no vectors (set MAAT_VECTORS)"; exit 77; fi
fails=0

if command -v readelf >/dev/null; then
    needed=$(readelf -d "$MAAT" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    for lib in libcurl libpq libmicrohttpd; do
        case " $needed" in
        *" $lib"*) bad "$lib is a start-up dependency of maat (NEEDED: $needed)" ;;
        *) ok "$lib not loaded at start" ;;
        esac
    done
else
    echo "# no readelf: NEEDED check skipped"
fi

# `maat verify` on the real quote: every library the process mapped, from the loader
out=$(LD_DEBUG=files "$MAAT" verify "$V/sgx_quote" --collateral "$V/sgx_quote_collateral.json" \
      --at 1752919277 2>"${TMPDIR:-/tmp}/maat-libs-$$.log")
rc=$?
[ $rc -eq 0 ] && grep -q "verification:  OK" <<<"$out" && ok "maat verify: exit 0, OK" \
    || bad "maat verify: exit $rc: $out"
loaded=$(grep -o 'file=[^ ]*' "${TMPDIR:-/tmp}/maat-libs-$$.log" | sort -u | tr '\n' ' ')
rm -f "${TMPDIR:-/tmp}/maat-libs-$$.log"
case "$loaded" in
*libcurl* | *libpq* | *libmicrohttpd* | *libgnutls* | *libkrb5*) bad "maat verify mapped: $loaded" ;;
*) ok "maat verify mapped no network/database library" ;;
esac

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all passed"
