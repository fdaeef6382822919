#!/usr/bin/env bash
# maatd_callgrind.sh - deterministic per-request instruction counts of maatd (callgrind):
# a fresh `maat sim init`, maatd --threads 1 under valgrind with instrumentation off, WARM
# warm-up requests, then exactly N requests with instrumentation on (callgrind_control -i),
# one keep-alive curl. Prints the inclusive thousands of instructions per request of every
# function above 0.1 % (callgrind_annotate) and leaves the profile in OUT.
#   single quote (bench_maatd.sh's body):  bench/maatd_callgrind.sh OUT
#   fleet (first-seen platforms):          FLEET=40 PCK_CACHE_SIZE=16 bench/maatd_callgrind.sh OUT
#     FLEET platforms (bench_fleet_gen --all) posted in a cycle; with a cache smaller than
#     FLEET every request is first-seen, with the default 4,096 every one is cached.
# env: BUILD=build  N=300 (FLEET: 200)  WARM=50 (FLEET: FLEET)  ALG=ES256
# valgrind hides SHA-NI and the ADX/AVX2 P-256 code: crypto is over-weighted against a
# native run; compare trees with it, and read native shares with perf.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${BUILD:-$here/../build}
OUT=${1:?usage: maatd_callgrind.sh OUT}
ALG=${ALG:-ES256} FLEET=${FLEET:-0}
if [ "$FLEET" -gt 0 ]; then N=${N:-200} WARM=${WARM:-$FLEET}; else N=${N:-300} WARM=${WARM:-50}; fi
for t in valgrind callgrind_control callgrind_annotate curl; do
  command -v $t >/dev/null || { echo "maatd_callgrind: $t is not installed" >&2; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-cg.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"' EXIT
"$BUILD/bin/maat" sim init "$T/sim" >/dev/null || exit 1
printf 'bench runtime data: a public key would go here' >"$T/rt.bin"
b64url() { base64 -w0 "$1" | tr '+/' '-_' | tr -d '='; }
if [ "$FLEET" -gt 0 ]; then
  mkdir -p "$T/f"
  "$BUILD/bin/bench_fleet_gen" --sim "$T/sim" --platforms "$FLEET" --requests "$FLEET" --ehd "$T/rt.bin" \
    --out "$T/f" --all >/dev/null || exit 1
  i=0
  while IFS= read -r line; do i=$((i + 1)); printf '%s' "$line" >"$T/b$i.json"; done <"$T/f/bodies"
  NB=$FLEET
else
  "$BUILD/bin/maat" sim quote "$T/sim" --ehd "$T/rt.bin" -o "$T/q.bin" || exit 1
  printf '{"quote":"%s","runtimeData":{"data":"%s","dataType":"Binary"}}' "$(b64url "$T/q.bin")" \
    "$(b64url "$T/rt.bin")" >"$T/b1.json"
  NB=1
fi
extra=()
[ -n "${PCK_CACHE_SIZE:-}" ] && extra=(--pck-cache-size "$PCK_CACHE_SIZE")
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT" "$BUILD/bin/maatd" \
  --listen 127.0.0.1:0 --store "$T/s.db" --sim "$T/sim" --alg "$ALG" --threads 1 "${extra[@]}" \
  >"$T/url" 2>"$T/log" &
PID=$!
for _ in $(seq 600); do [ -s "$T/url" ] && break; sleep 0.1; done
URL=$(head -n1 "$T/url")
[ -n "$URL" ] || { cat "$T/log"; exit 1; }
for _ in $(seq 300); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/ready")" = 200 ] && break; sleep 0.2; done
u="$URL/attest/SgxEnclave?api-version=2022-08-01"
post() { # COUNT: one curl, COUNT keep-alive requests cycling the bodies; prints status counts
  local args=() k
  for k in $(seq "$1"); do
    args+=(--next -s -w '%{http_code}\n' -o /dev/null -X POST -H 'Content-Type: application/json'
      --data-binary @"$T/b$(((k - 1) % NB + 1)).json" "$u")
  done
  curl "${args[@]:1}" | sort | uniq -c | tr '\n' ' '
}
echo "warm-up: $(post "$WARM")"
callgrind_control -i on "$PID" >/dev/null
echo "measured ($N requests): $(post "$N")"
callgrind_control -i off "$PID" >/dev/null
curl -s "$URL/metrics" | grep -E '^maatd_pck_cache_(hits|misses)_total' | tr '\n' ' '
echo
kill -TERM "$PID"; wait "$PID" 2>/dev/null; PID=
echo "k instructions per request (inclusive), $OUT:"
callgrind_annotate --inclusive=yes --auto=no --threshold=99.9 "$OUT" 2>/dev/null |
  awk -v n="$N" '/^ *[0-9,]+ +\(/ { x = $1; gsub(",", "", x); if (x / n >= 2000) {
    sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, ""); printf "%9.1f  %s\n", x / n / 1000, $0 } }' | head -${TOP:-60}
