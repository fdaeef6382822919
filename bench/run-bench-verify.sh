#!/usr/bin/env bash
# run-bench-verify.sh - builds bench_verify (if needed) and runs it pinned to one core,
# (warm, first-seen and cold rows, each with its floor and ratio in the RESULT line),
# then verifies the same quote with the same collateral and time through the npm peers
# @phala/dcap-qvl and @phala/dcap-qvl-web in node (bench/peer_dcap_qvl.mjs, loop after JIT
# warm-up) and prints maat/peer ratios from the same run.
#
#   bench/run-bench-verify.sh            env: BUILD (default build), MAAT_VECTORS,
#                                        RUNS (5), BENCH_SECONDS (2.5), CPU (0)
# The peers come from tests/compat/node_modules (npm ci --prefix tests/compat); without
# node or a module that part is skipped with a message.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$root/build}
vectors=${MAAT_VECTORS:-$root/../shared/vectors}
runs=${RUNS:-5}
secs=${BENCH_SECONDS:-2.5}
cpu=${CPU:-0}

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j2 --target bench_verify 2>&1 | grep -Ev '^(\[|-- GLOB mismatch|gmake)' || true
[ -x "$build/bin/bench_verify" ] || { echo "bench_verify did not build" >&2; exit 1; }
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
sanitize=$(sed -n 's/^MAAT_SANITIZE:BOOL=//p' "$build/CMakeCache.txt")
if [ "$btype" = Debug ] || [ "$sanitize" = ON ]; then
  echo "*** WARNING: $build is a $btype build (MAAT_SANITIZE=$sanitize): numbers are not representative ***"
fi

pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c "$cpu"); fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"${pin[@]}" "$build/bin/bench_verify" --vectors "$vectors" --runs "$runs" --seconds "$secs" | tee "$log"
result=$(grep '^RESULT ' "$log")
val() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$result"; }
warm=$(val warm_ops_s)
cold=$(val cold_ops_s)
echo "ratios to floors: warm $(val ratio_a) (>= 0.88), first-seen $(val first_seen_ratio) (>= 0.70)," \
     "cold $(val cold_ratio) ($(val cold_sigs) signatures)"

echo
# The npm peers, each in node on the same quote, collateral object and time
# (bench/peer_dcap_qvl.mjs): @phala/dcap-qvl (JS) and @phala/dcap-qvl-web (its Rust core
# compiled to WASM). Neither keeps anything between calls, so maat's cold row is the fair
# comparison; the warm one is printed too.
mods=$root/tests/compat/node_modules/@phala
if ! command -v node >/dev/null 2>&1; then
  echo "*** peer comparison SKIPPED: needs node and 'npm ci --prefix tests/compat' ***"
  exit 0
fi
for kind in js web; do
  dir=$mods/dcap-qvl; [ "$kind" = web ] && dir=$mods/dcap-qvl-web
  if [ ! -f "$dir/package.json" ]; then
    echo "*** $(basename "$dir") comparison SKIPPED: run 'npm ci --prefix tests/compat' ***"
    continue
  fi
  peer=$(PEER=$kind QVL=$dir VECTORS=$vectors RUNS=$runs SECS=$secs "${pin[@]}" node "$root/bench/peer_dcap_qvl.mjs")
  echo "$peer" | grep -v '^PEER '
  pops=$(sed -n 's/^PEER ops_s=//p' <<<"$peer")
  awk -v w="$warm" -v c="$cold" -v p="$pops" -v n="$(basename "$dir")" 'BEGIN {
    printf "  ratio maat warm / %s: %.1f x  (maat %.0f/s, %s %.0f/s)\n", n, w / p, w, n, p;
    printf "  ratio maat cold / %s: %.1f x  (maat %.0f/s: collateral and chain verified per quote too; target >= 8 x)\n", n, c / p, c;
    printf "PEER_RESULT peer=%s ops_s=%.1f cold_over_peer=%.2f warm_over_peer=%.1f\n", n, p, c / p, w / p;
  }'
done
