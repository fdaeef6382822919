#!/usr/bin/env bash
# test_maatd_tdxvm.sh - POST /attest/TdxVm and /policies/TdxVm through real maatd processes
# on 127.0.0.1 (ephemeral ports, temp stores, a `maat sim` platform with TDX collateral);
# the checks are in maatd_tdxvm_test.py; with the vectors also the real dcap-qvl TD quote at
# its README's time. Every wait is bounded.
set -u
BIN="${MAAT_BIN:-}"
if [ ! -x "$BIN/maat" ] || [ ! -x "$BIN/maatd" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
python3 -c "import cryptography" 2>/dev/null || { echo "SKIPPED: python3 cryptography missing"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-tdx-XXXXXX")
trap 'rm -rf "$T"' EXIT
VEC="${MAAT_VECTORS:-$(dirname "$0")/../../../shared/vectors}"
timeout 300 python3 "$(dirname "$0")/maatd_tdxvm_test.py" "$BIN" "$T" "$VEC"
