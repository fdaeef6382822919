#!/usr/bin/env bash
# bench_fleet.sh - maatd end to end over a fleet of N distinct simulated platforms (issue 16):
# POST /attest/SgxEnclave, each platform with its own PCK key, PPID and PCK certificate signed
# by the sim PCK CA (bench_fleet_gen, maat_sim_fleet_quote), requests in a uniformly random
# order (with repetition), for each N of NS. maatd --sim (SQLite store), --threads 1, pinned
# to the last CPU; wrk -t1 on the others (bench/maatd_fleet.lua), as bench_maatd.sh PIN mode.
#
# Per N: a fresh maatd (empty PCK cache), WARMUP s of load (the cache fills), then DURATION s
# timed: throughput, p50/p99 latency, maatd CPU per request, its PCK cache hit rate over the
# timed window (maatd_pck_cache_hits_total / misses_total from /metrics), and maatd's RSS
# (VmHWM and VmRSS) after the run. Then the floor for that mix, measured on maatd's core
# right after (same run):
#   hit (platform's PCK chain cached): 2 P-256 verifications (QE report under the PCK key,
#     quote under the attestation key) + the attestation key import + the token signature
#   first-seen (chain not cached, PCK CA known): the same + the PCK leaf's signature under
#     the PCK CA key (SHA-256 of its TBS + 1 verification)
#   floor_mix_us = h * hit + (1 - h) * first-seen, h = the measured hit rate
# from bench_attest --floor-only (floor_bare_us: 2 verifications + token signature) and
# bench_verify (floor B - floor A: key import; first-seen floor - floor B: the leaf check),
# both with BENCH_CLOCK=cpu: CPU time per operation, which time-slicing with other processes
# on a shared host does not inflate (wall-clock floors measured 1.5-2x maatd's own CPU per
# request on a host at load 11).
#   cpu_ratio = floor_mix_us / maatd CPU us per request (the figure to read on a shared
#   host); ratio = rps * floor_mix_us / 1e6 (throughput against one core of floor: also
#   counts the CPU time maatd did not get). One RESULT line per N (pck_misses_total: since
#   maatd started, i.e. the distinct platforms it verified plus re-verifications after
#   eviction).
# env: BUILD=build  NS="10 1000 100000"  DURATION=10  WARMUP=4  CONNS=16  ALG=ES256
#      REQUESTS= (length of the drawn order; default max(4000, min(4N, 40000)))
#      FLOOR=1 (0: no floor measurement, for the smoke test)  MAAT_VECTORS=../shared/vectors
#      PCK_CACHE_SIZE= (maatd --pck-cache-size; default maatd's 4096)
# Loopback only. Use an optimised tree (RelWithDebInfo/Release), not Debug or ASan.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-$root/build}
NS=${NS:-10 1000 100000}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-4}
CONNS=${CONNS:-16}
ALG=${ALG:-ES256}
FLOOR=${FLOOR:-1}
VECTORS=${MAAT_VECTORS:-$root/../shared/vectors}
MAAT=$BUILD/bin/maat MAATD=$BUILD/bin/maatd GEN=$BUILD/bin/bench_fleet_gen
BA=$BUILD/bin/bench_attest BV=$BUILD/bin/bench_verify

die() { echo "bench_fleet: $*" >&2; exit 1; }
[ -x "$MAAT" ] && [ -x "$MAATD" ] && [ -x "$GEN" ] || die "$BUILD/bin/{maat,maatd,bench_fleet_gen} are not built (set BUILD)"
command -v wrk >/dev/null || die "wrk is not installed (Debian package wrk)"
command -v curl >/dev/null || die "curl is not installed"
command -v taskset >/dev/null || die "taskset is not installed (util-linux)"
if [ "$FLOOR" = 1 ]; then
  [ -x "$BA" ] && [ -x "$BV" ] || die "$BA and $BV are not built"
  [ -f "$VECTORS/dcap-qvl/sgx_quote" ] || die "no $VECTORS/dcap-qvl/sgx_quote (set MAAT_VECTORS)"
fi
if grep -q 'CMAKE_BUILD_TYPE:STRING=Debug\|MAAT_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  echo "WARNING: $BUILD is a Debug or sanitizer tree: the numbers are not representative" >&2
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/bench-fleet.XXXXXX")
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
TCK=$(getconf CLK_TCK)
NCPU=$(nproc)
if [ "$NCPU" -ge 2 ]; then MCPU=$((NCPU - 1)) WCPUS=0-$((NCPU - 2)); else MCPU=0 WCPUS=0; fi
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

echo "bench_fleet: $(uname -m), $NCPU CPU(s); maatd --threads 1 --alg $ALG on CPU $MCPU, wrk -t1 -c$CONNS on CPU(s) $WCPUS"
"$MAAT" sim init "$T/sim" >/dev/null || die "maat sim init failed"
printf 'bench runtime data: a public key would go here' >"$T/rt.bin"
path="/attest/SgxEnclave?api-version=2022-08-01"

start_maatd() { # NAME
  taskset -c "$MCPU" "$MAATD" --listen 127.0.0.1:0 --store "$T/$1.db" --sim "$T/sim" --alg "$ALG" \
    --threads 1 ${PCK_CACHE_SIZE:+--pck-cache-size "$PCK_CACHE_SIZE"} >"$T/$1.url" 2>"$T/$1.log" &
  PID=$!
  for _ in $(seq 300); do [ -s "$T/$1.url" ] && break; kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  URL=$(head -n1 "$T/$1.url")
  [ -n "$URL" ] || { cat "$T/$1.log"; die "maatd did not start"; }
  for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/ready")" = 200 ] && break; sleep 0.1
  done
}
stop_maatd() {
  kill -TERM "$PID"
  for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$PID" 2>/dev/null && kill -KILL "$PID"
  wait "$PID" 2>/dev/null
  PID=
}
metric() { curl -s "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
status_kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$PID/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }

FAIL=0
for n in $NS; do
  req=${REQUESTS:-$(( n * 4 > 40000 ? 40000 : (n * 4 < 4000 ? 4000 : n * 4) ))}
  mkdir -p "$T/f$n"
  gen=$("$GEN" --sim "$T/sim" --platforms "$n" --requests "$req" --ehd "$T/rt.bin" --out "$T/f$n") ||
    die "bench_fleet_gen failed"
  echo "== N=$n: $gen"
  start_maatd "m$n"
  # one request must answer 200
  st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary @<(head -n1 "$T/f$n/bodies") "$URL$path")
  [ "$st" = 200 ] || { tail -5 "$T/m$n.log"; die "N=$n: first request answered $st"; }
  wl=$(taskset -c "$WCPUS" wrk -t1 -c"$CONNS" -d"${WARMUP}s" -s "$here/maatd_fleet.lua" "$URL$path" -- "$T/f$n" 0 | grep '^WRK ')
  [ -n "$wl" ] || die "wrk (warm-up) failed"
  h0=$(metric maatd_pck_cache_hits_total) m0=$(metric maatd_pck_cache_misses_total) c0=$(cpu_ticks)
  line=$(taskset -c "$WCPUS" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency -s "$here/maatd_fleet.lua" \
    "$URL$path" -- "$T/f$n" "$(kv requests "$wl")" | grep '^WRK ')
  c1=$(cpu_ticks) h1=$(metric maatd_pck_cache_hits_total) m1=$(metric maatd_pck_cache_misses_total)
  [ -n "$line" ] || die "wrk failed"
  hwm=$(status_kb VmHWM) rss=$(status_kb VmRSS)
  stop_maatd
  nreq=$(kv requests "$line") rps=$(kv rps "$line")
  errs=$(( $(kv non2xx "$wl") + $(kv non2xx "$line") + $(kv connect_err "$line") + $(kv read_err "$line") + $(kv timeouts "$line") ))
  [ "$errs" = 0 ] || FAIL=1
  hit=$(awk -v h=$((h1 - h0)) -v m=$((m1 - m0)) 'BEGIN { printf "%.4f", (h + m) ? h / (h + m) : 0 }')
  cpu=$(awk -v t=$((c1 - c0)) -v k="$TCK" -v n="$nreq" 'BEGIN { printf "%.1f", n ? t / k * 1e6 / n : 0 }')
  fl="floor=skipped"
  if [ "$FLOOR" = 1 ]; then
    fa=$(BENCH_CLOCK=cpu taskset -c "$MCPU" "$BA" --alg "$ALG" --floor-only --runs 1 --seconds 1.5 | grep '^RESULT')
    fv=$(BENCH_CLOCK=cpu taskset -c "$MCPU" "$BV" --vectors "$VECTORS" --runs 1 --seconds 1 --cold-seconds 0.3 2>/dev/null | grep '^RESULT')
    bare=$(kv floor_bare_us "$fa") fa_s=$(kv floor_a_ops_s "$fv") fb_s=$(kv floor_b_ops_s "$fv") fs=$(kv first_seen_floor_us "$fv")
    [ -n "$bare" ] && [ -n "$fa_s" ] && [ -n "$fs" ] || die "floor measurement failed"
    fl=$(awk -v b="$bare" -v a="$fa_s" -v bb="$fb_s" -v fs="$fs" -v h="$hit" -v r="$rps" -v c="$cpu" 'BEGIN {
      imp = 1e6 / bb - 1e6 / a; leaf = fs - 1e6 / bb; fh = b + imp; fm = fh + leaf; mix = h * fh + (1 - h) * fm
      printf("floor_hit_us=%.1f floor_first_seen_us=%.1f floor_mix_us=%.1f ratio=%.3f cpu_ratio=%.3f",
        fh, fm, mix, r * mix / 1e6, (c > 0) ? mix / c : 0) }')
  fi
  echo "RESULT fleet n=$n alg=$ALG requests=$nreq rps=$rps p50_ms=$(kv p50_ms "$line") p99_ms=$(kv p99_ms "$line")" \
    "errors=$errs pck_hit_rate=$hit pck_misses_total=$m1 maatd_cpu_us_per_req=$cpu $fl vmhwm_kb=$hwm vmrss_kb=$rss" \
    "distinct_quotes=$(kv distinct "$gen") order_len=$req mint_us_per_quote=$(kv us_per_quote "$gen")"
done
[ "$FAIL" = 0 ] || { echo "bench_fleet: FAIL: some requests did not answer 200" >&2; exit 1; }
