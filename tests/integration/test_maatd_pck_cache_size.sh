#!/usr/bin/env bash
# test_maatd_pck_cache_size.sh - maatd --pck-cache-size N (and `pck-cache-size = N` in the
# config file) sizes the verified PCK chain cache (docs/maatd.md "PCK cache"):
#   * 20 simulated platforms (each its own PCK certificate, bench_fleet_gen --all) attested
#     twice in the same order: with --pck-cache-size 16 (one 16-way LRU set) every request
#     misses (40 full chain checks: each platform was evicted before it came back); with the
#     default (4,096) each platform misses once (20) and the second pass hits (20);
#   * maatd_pck_cache_capacity reports the size in effect (rounded up to whole 16-way sets);
#   * out-of-range or malformed values, on the command line or in the config file, exit 2
#     with a message naming the option.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd" GEN="$BIN/bench_fleet_gen"
for b in "$MAAT" "$MAATD" "$GEN"; do
  [ -x "$b" ] || { echo "SKIPPED: $b not built (set MAAT_BIN)"; exit 77; }
done
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-pck-size-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; sleep 0.2; rm -rf "$T"; }
trap cleanup EXIT
fails=0
. "$(dirname "$0")/../lib/maatd.sh"

"$MAAT" sim init "$T/sim" >/dev/null || { echo "maat sim init failed"; exit 1; }
printf 'pck cache size test' >"$T/rt.bin"
mkdir -p "$T/f"
"$GEN" --sim "$T/sim" --platforms 21 --requests 1 --all --ehd "$T/rt.bin" --out "$T/f" >/dev/null ||
  { echo "bench_fleet_gen failed"; exit 1; }
[ "$(wc -l <"$T/f/bodies")" = 21 ] || { echo "expected 21 bodies"; exit 1; }
head -n 20 "$T/f/bodies" >"$T/twenty"
sed -n 21p "$T/f/bodies" >"$T/warm"

metric() { curl -s "$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }
# warm URL: one attestation of a 21st platform first (the first attestation of a maatd
# waits for its collateral and looks its chain up again when it resumes)
warm() {
  curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary @"$T/warm" "$1/attest/SgxEnclave?api-version=2022-08-01"
}
# counts URL: "hits misses" now
counts() { echo "$(metric "$1" maatd_pck_cache_hits_total) $(metric "$1" maatd_pck_cache_misses_total)"; }
# two_passes URL: POSTs the 20 bodies in order, twice; prints the number of non-200 answers
two_passes() {
  local n=0 st
  for pass in 1 2; do
    while IFS= read -r body; do
      st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary "$body" "$1/attest/SgxEnclave?api-version=2022-08-01")
      [ "$st" = 200 ] || n=$((n + 1))
    done <"$T/twenty"
  done
  echo "$n"
}

# one 16-way set: 20 platforms in a cycle never hit
maatd_start S --store "$T/s.db" --sim "$T/sim" --pck-cache-size 16 || exit 1
[ "$(metric "$URL_S" maatd_pck_cache_capacity)" = 16 ] && ok "--pck-cache-size 16: capacity 16" \
  || bad "capacity $(metric "$URL_S" maatd_pck_cache_capacity) (want 16)"
[ "$(warm "$URL_S")" = 200 ] || bad "warm-up request not 200"
read -r h0 m0 <<<"$(counts "$URL_S")"
e=$(two_passes "$URL_S")
[ "$e" = 0 ] && ok "--pck-cache-size 16: 40 requests answered 200" || bad "$e requests not 200"
read -r h m <<<"$(counts "$URL_S")"
h=$((h - h0)) m=$((m - m0))
[ "$m" = 40 ] && [ "$h" = 0 ] && ok "--pck-cache-size 16: 40 misses, 0 hits (each platform evicted before it came back)" \
  || bad "--pck-cache-size 16: misses=$m hits=$h (want 40, 0)"
maatd_stop S

# the default keeps all 20
maatd_start D --store "$T/d.db" --sim "$T/sim" || exit 1
[ "$(metric "$URL_D" maatd_pck_cache_capacity)" = 4096 ] && ok "default capacity 4096" \
  || bad "default capacity $(metric "$URL_D" maatd_pck_cache_capacity) (want 4096)"
[ "$(warm "$URL_D")" = 200 ] || bad "warm-up request not 200"
read -r h0 m0 <<<"$(counts "$URL_D")"
e=$(two_passes "$URL_D")
read -r h m <<<"$(counts "$URL_D")"
h=$((h - h0)) m=$((m - m0))
[ "$e" = 0 ] && [ "$m" = 20 ] && [ "$h" = 20 ] && ok "default: 20 misses then 20 hits" \
  || bad "default: errors=$e misses=$m hits=$h (want 0, 20, 20)"
maatd_stop D

# the config-file form, rounded up to whole sets; a flag overrides the file
printf 'pck-cache-size = 17\n' >"$T/c.conf"
maatd_start C --store "$T/c.db" --sim "$T/sim" --config "$T/c.conf" || exit 1
[ "$(metric "$URL_C" maatd_pck_cache_capacity)" = 32 ] && ok "config file pck-cache-size = 17: capacity 32" \
  || bad "config file: capacity $(metric "$URL_C" maatd_pck_cache_capacity) (want 32)"
maatd_stop C
maatd_start F --store "$T/c2.db" --sim "$T/sim" --config "$T/c.conf" --pck-cache-size 48 || exit 1
[ "$(metric "$URL_F" maatd_pck_cache_capacity)" = 48 ] && ok "the flag overrides the file: capacity 48" \
  || bad "flag over file: capacity $(metric "$URL_F" maatd_pck_cache_capacity) (want 48)"
maatd_stop F

# invalid values: exit 2, the option named
for v in 0 15 1048577 -1 abc 12x ""; do
  out=$("$MAATD" --listen 127.0.0.1:0 --store "$T/x.db" --pck-cache-size "$v" 2>&1 </dev/null)
  rc=$?
  [ "$rc" = 2 ] && grep -q -- "--pck-cache-size '$v': expected an integer 16..1048576" <<<"$out" \
    && ok "--pck-cache-size '$v': exit 2 naming the option" || bad "--pck-cache-size '$v': rc=$rc: $out"
done
printf '# cache\npck-cache-size = 7\n' >"$T/bad.conf"
out=$("$MAATD" --listen 127.0.0.1:0 --store "$T/x.db" --config "$T/bad.conf" 2>&1 </dev/null)
rc=$?
[ "$rc" = 2 ] && grep -q -- "bad.conf:2: --pck-cache-size '7': expected an integer 16..1048576" <<<"$out" \
  && ok "config file pck-cache-size = 7: exit 2 naming the option and line" || bad "config file: rc=$rc: $out"
[ ! -e "$T/x.db" ] && ok "no store created for a refused configuration" || bad "store created"
[ "$fails" = 0 ] || exit 1
