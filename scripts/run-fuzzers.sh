#!/usr/bin/env bash
# Runs every libFuzzer harness in BIN_DIR for SECONDS each, seeded from the shared vectors
# (copied to a temporary corpus, never into the project), with the harness's dictionary
# from fuzz/dict/. Fails if any harness finds a crash.
# First every harness replays its kept findings, fuzz/regress/<harness>/ (each input once).
# FUZZ_RUNS=N (make fuzz-long) runs each harness for N executions instead of SECONDS.
set -euo pipefail
bin=${1:?usage: run-fuzzers.sh BIN_DIR SECONDS}
secs=${2:-20}
runs=${FUZZ_RUNS:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# the dictionary each harness reads: JSON-shaped inputs, the policy language, binary formats
dict_for() {
  case "$1" in
    fuzz_policy) echo "$root/fuzz/dict/policy.dict" ;;
    fuzz_quote|fuzz_pck) echo "$root/fuzz/dict/binary.dict" ;;
    fuzz_maatd_request) echo "$root/fuzz/dict/maatd_request.dict" ;;
    *) echo "$root/fuzz/dict/json.dict" ;;
  esac
}
vectors=${MAAT_VECTORS:-../shared/vectors}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shopt -s nullglob
fuzzers=("$bin"/fuzz_*)
if [ ${#fuzzers[@]} -eq 0 ]; then
  echo "run-fuzzers: no harness in $bin" >&2
  exit 1
fi
passed=0
failed=0
for f in "${fuzzers[@]}"; do
  name=$(basename "$f")
  corpus="$work/$name"
  mkdir -p "$corpus"
  if [ -d "$vectors" ]; then
    find "$vectors" -type f ! -name README.md -size -200k -exec cp {} "$corpus"/ \; 2>/dev/null || true
    # fuzz_maatd_request reads a method byte and a route byte, then the URL tail, header
    # lines and the body (fuzz/fuzz_maatd_request.c): a GET of every route, and the
    # recorded attestation bodies as POSTs to both attestation routes
    if [ "$name" = fuzz_maatd_request ]; then
      for r in $(seq 0 16); do
        printf "\\x00\\x$(printf %02x "$r")?api-version=2022-08-01\\n\\n" > "$corpus/get-$r"
      done
      for r in "$vectors"/maa-recordings/attest/*.request.json; do
        [ -f "$r" ] || continue
        python3 - "$r" "$corpus/$(basename "$r")" <<'PY' 2>/dev/null || true
import json, sys
d = json.load(open(sys.argv[1]))
body = d.get("body", d)
text = (body if isinstance(body, str) else json.dumps(body)).encode()
head = b"?api-version=2022-08-01\nContent-Type: application/json\n\n"
open(sys.argv[2] + ".sgx", "wb").write(b"\x01\x00" + head + text)
open(sys.argv[2] + ".oe", "wb").write(b"\x01\x01" + head + text)
PY
      done
    fi
    # fuzz_attest_request reads a route byte before the body: the recorded MAA request
    # bodies behind both route bytes, so that the fuzzer starts from requests that reach
    # the quote parser and the claim builders
    if [ "$name" = fuzz_attest_request ]; then
      for r in "$vectors"/maa-recordings/attest/*.request.json; do
        [ -f "$r" ] || continue
        python3 - "$r" "$corpus/$(basename "$r")" <<'PY' 2>/dev/null || true
import json, sys
d = json.load(open(sys.argv[1]))
body = d.get("body", d)
text = (body if isinstance(body, str) else json.dumps(body)).encode()
open(sys.argv[2] + ".sgx", "wb").write(b"\x00" + text)
open(sys.argv[2] + ".oe", "wb").write(b"\x01" + text)
PY
      done
    fi
  else
    echo "*** run-fuzzers: vectors not found at $vectors; fuzzing from an empty corpus ***"
  fi
  regress=("$root/fuzz/regress/$name"/*)
  if [ ${#regress[@]} -gt 0 ]; then
    echo "== $name: replaying ${#regress[@]} kept finding(s) from fuzz/regress/$name"
    if ! "$f" -rss_limit_mb=2048 -timeout=10 "${regress[@]}" > "$work/$name.regress.log" 2>&1; then
      tail -50 "$work/$name.regress.log"
      echo "== $name: FAILED on a kept finding"
      failed=$((failed + 1))
      continue
    fi
  fi
  limit=(-max_total_time="$secs")
  if [ -n "$runs" ]; then limit=(-runs="$runs"); echo "== $name: $runs executions"
  else echo "== $name: ${secs}s"; fi
  dict=$(dict_for "$name")
  dictopt=()
  [ -f "$dict" ] && dictopt=(-dict="$dict")
  if "$f" "${limit[@]}" "${dictopt[@]}" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
       -artifact_prefix="$work/$name-" "$corpus" > "$work/$name.log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$work/$name.log" || true
    passed=$((passed + 1))
  else
    tail -50 "$work/$name.log"
    mkdir -p fuzz/artifacts && cp "$work/$name-"* fuzz/artifacts/ 2>/dev/null || true
    echo "== $name: FAILED (artifacts in fuzz/artifacts/)"
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
