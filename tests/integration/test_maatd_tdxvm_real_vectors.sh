#!/usr/bin/env bash
# test_maatd_tdxvm_real_vectors.sh - the real TD quote vectors (go-tdx-guest's SPR E4 quote
# and dcap-qvl tdx_quote_outdated) through POST /attest/TdxVm of real maatd processes at their
# READMEs' verification times (issue 15 item I.3); the checks are in maatd_tdxvm_real_test.py.
set -u
BIN="${MAAT_BIN:-}"
if [ ! -x "$BIN/maatd" ]; then echo "SKIPPED: maatd not built (set MAAT_BIN)"; exit 77; fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
VEC="${MAAT_VECTORS:-$(dirname "$0")/../../../shared/vectors}"
for f in tdx/tdx_prod_quote_SPR_E4.dat tdx/sample_tcbInfo_response dcap-qvl/tdx_quote_outdated; do
    [ -f "$VEC/$f" ] || { echo "SKIPPED: vector $f not found (set MAAT_VECTORS)"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-tdx-real-XXXXXX")
trap 'rm -rf "$T"' EXIT
timeout 120 python3 "$(dirname "$0")/maatd_tdxvm_real_test.py" "$BIN" "$T" "$VEC"
