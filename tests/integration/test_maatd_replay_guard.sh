#!/usr/bin/env bash
# test_maatd_replay_guard.sh - management integrity in isolated and aad modes: the reset form,
# replayed signed requests (rollback, cross-type, re-add of a removed signer), iat, the
# applied-request hashes in the store (restart, replicas, pruning) and the signer identity in
# maatd's log. Real maatd processes on 127.0.0.1 (ephemeral ports, temp stores); the named
# cases are in maatd_replay_guard_test.py. Every wait is bounded.
set -u
BIN="${MAAT_BIN:-}"
if [ ! -x "$BIN/maat" ] || [ ! -x "$BIN/maatd" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
python3 -c "import cryptography" 2>/dev/null || { echo "SKIPPED: python3 cryptography missing"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-replay-XXXXXX")
trap 'rm -rf "$T"' EXIT
timeout 300 python3 "$(dirname "$0")/maatd_replay_guard_test.py" "$BIN" "$T"
