#!/usr/bin/env bash
# test_maatd_policy.sh - maatd policy management, policy signers (isolated mode), the admin
# bearer token (aad mode), draft policies, restart persistence, and a replay of the recorded
# MAA policy/ and certificates/ traffic. Real maatd processes on 127.0.0.1 (ephemeral ports,
# temp stores); the checks are in maatd_policy_test.py. Every wait is bounded.
set -u
BIN="${MAAT_BIN:-}"
VEC="${MAAT_VECTORS:-$(dirname "$0")/../../../shared/vectors}"
if [ ! -x "$BIN/maat" ] || [ ! -x "$BIN/maatd" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
python3 -c "import cryptography" 2>/dev/null || { echo "SKIPPED: python3 cryptography missing"; exit 77; }
if [ ! -f "$VEC/maa-recordings/README.md" ]; then echo "SKIPPED: vectors not found at $VEC (set MAAT_VECTORS)"; exit 77; fi
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-pol-XXXXXX")
trap 'rm -rf "$T"' EXIT
timeout 300 python3 "$(dirname "$0")/maatd_policy_test.py" "$BIN" "$VEC" "$T"
