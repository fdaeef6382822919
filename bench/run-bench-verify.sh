#!/usr/bin/env bash
# run-bench-verify.sh - builds bench_verify (if needed) and runs it pinned to one core,
# (warm, first-seen and cold rows, each with its floor and ratio in the RESULT line),
# then verifies the same quote with the same collateral and time through the npm peer
# @phala/dcap-qvl in node (warm loop after JIT warm-up) and prints maat/dcap-qvl ratios.
#
#   bench/run-bench-verify.sh            env: BUILD (default build), MAAT_VECTORS,
#                                        RUNS (5), BENCH_SECONDS (2.5), CPU (0)
# The peer comes from tests/compat/node_modules (npm ci --prefix tests/compat); without
# node or the module that part is skipped with a message.
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
qvl=$root/tests/compat/node_modules/@phala/dcap-qvl
if ! command -v node >/dev/null 2>&1 || [ ! -f "$qvl/package.json" ]; then
  echo "*** @phala/dcap-qvl comparison SKIPPED: needs node and 'npm ci --prefix tests/compat' ***"
  exit 0
fi
peer=$(QVL=$qvl VECTORS=$vectors RUNS=$runs SECS=$secs "${pin[@]}" node - <<'EOF'
// The peer's warm loop: verify() on the same quote, collateral object and time.
const fs = require('fs');
const qvl = require(process.env.QVL);
const version = require(process.env.QVL + '/package.json').version;
const dir = process.env.VECTORS + '/dcap-qvl/';
const quote = new Uint8Array(fs.readFileSync(dir + 'sgx_quote'));
const collateral = JSON.parse(fs.readFileSync(dir + 'sgx_quote_collateral.json', 'utf8'));
const at = 1752919277, runs = +process.env.RUNS, secs = +process.env.SECS;
const once = () => {
  const r = qvl.verify(quote, collateral, at);
  if (r.status !== 'ConfigurationAndSWHardeningNeeded') throw new Error('unexpected status ' + r.status);
};
const loop = (s) => {
  let n = 0;
  const t0 = process.hrtime.bigint();
  let t;
  do { for (let i = 0; i < 8; i++) once(); n += 8; t = Number(process.hrtime.bigint() - t0) / 1e9; } while (t < s);
  return n / t;
};
loop(1.0); // JIT warm-up
const rates = [];
for (let r = 0; r < runs; r++) rates.push(loop(secs));
const sorted = [...rates].sort((a, b) => a - b);
const m = runs % 2 ? sorted[(runs - 1) / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
console.log(`@phala/dcap-qvl ${version} (node ${process.version}) verify(), ${runs} runs x ${secs} s:`);
console.log(`  ${m.toFixed(0)} ops/s ${(1e6 / m).toFixed(1)} us/op (runs ${sorted[0].toFixed(0)}..${sorted[runs - 1].toFixed(0)})`);
console.log(`PEER ops_s=${m.toFixed(1)}`);
EOF
)
echo "$peer" | grep -v '^PEER '
pops=$(sed -n 's/^PEER ops_s=//p' <<<"$peer")
echo "  (the peer keeps nothing between calls: each verify() re-checks collateral and chains)"
awk -v w="$warm" -v c="$cold" -v p="$pops" 'BEGIN {
  printf "ratio maat warm / dcap-qvl: %.1f x  (maat %.0f/s, dcap-qvl %.0f/s)\n", w / p, w, p;
  printf "ratio maat cold / dcap-qvl: %.1f x  (maat %.0f/s: collateral and chain verified per quote too)\n", c / p, c;
}'
