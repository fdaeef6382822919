#!/usr/bin/env bash
# bench_fleet_smoke.sh - bench/bench_fleet.sh cannot rot: 20 distinct simulated platforms
# (each its own PCK certificate) through maatd for a few seconds, no floor measurement.
# Asserts a RESULT line, every request answered 200 (errors=0, requests > 0), each platform
# verified in full exactly once (pck_misses_total=20: 20 distinct PCK chains, all kept by
# the cache) and maatd's peak RSS under a bound.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
SRC="${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}"
for b in maat maatd bench_fleet_gen; do
  [ -x "$BIN/$b" ] || { echo "SKIPPED: $b not built (set MAAT_BIN)"; exit 77; }
done
for c in wrk curl taskset; do
  command -v "$c" >/dev/null || { echo "SKIPPED: $c not installed"; exit 77; }
done
# the bound: 150 MB (15 MB measured in a RelWithDebInfo tree); 700 MB in a sanitizer tree,
# where ASan's shadow memory and 256 MB free quarantine come on top (~360 MB measured)
if grep -q 'MAAT_SANITIZE:BOOL=ON' "$BIN/../CMakeCache.txt" 2>/dev/null; then
  RSS_BOUND_KB=${RSS_BOUND_KB:-700000}
else
  RSS_BOUND_KB=${RSS_BOUND_KB:-150000}
fi
out=$(BUILD="$BIN/.." NS=20 DURATION=2 WARMUP=1 CONNS=4 FLOOR=0 bash "$SRC/bench/bench_fleet.sh" 2>&1)
rc=$?
echo "$out"
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
fails=0
[ "$rc" = 0 ] && ok "bench_fleet.sh exit 0" || bad "bench_fleet.sh exit $rc"
line=$(grep '^RESULT fleet n=20 ' <<<"$out")
[ -n "$line" ] || { bad "no RESULT line for N=20"; exit 1; }
[ "$(kv errors "$line")" = 0 ] && ok "every request answered 200" || bad "errors=$(kv errors "$line")"
[ "$(kv requests "$line")" -gt 0 ] 2>/dev/null && ok "requests=$(kv requests "$line")" || bad "no request timed"
[ "$(kv distinct_quotes "$line")" = 20 ] && ok "20 distinct platforms drawn" || bad "distinct_quotes=$(kv distinct_quotes "$line")"
[ "$(kv pck_misses_total "$line")" = 20 ] && ok "each platform's PCK chain verified in full once" \
  || bad "pck_misses_total=$(kv pck_misses_total "$line") (want 20)"
hwm=$(kv vmhwm_kb "$line")
[ -n "$hwm" ] && [ "$hwm" -lt "$RSS_BOUND_KB" ] && ok "maatd VmHWM ${hwm} kB < ${RSS_BOUND_KB} kB" \
  || bad "maatd VmHWM ${hwm:-?} kB (bound $RSS_BOUND_KB kB)"
[ "$fails" = 0 ] || exit 1
