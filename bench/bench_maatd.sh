#!/usr/bin/env bash
# bench_maatd.sh - end-to-end maatd throughput and latency on loopback: POST
# /attest/SgxEnclave (simulated platform quote + Binary runtime data) with wrk over
# keep-alive connections (bench/maatd_attest.lua), for RS256 and ES256 tokens, next to the
# per-request cryptography floor measured in the same run:
#   floor = warm quote verification (build/bin/bench_verify: maat_quote_parse +
#           maat_quote_verify, collateral and PCK chain cached; also its "floor A", the bare
#           2 ECDSA verifications) + one token signature (`openssl speed -seconds N rsa2048
#           ecdsap256`: RSA-2048 PKCS#1 v1.5 sign / ECDSA P-256 sign, single thread).
# The floor for maatd's --threads T cores is T / floor_us; the ratio wrk rps / that floor
# is reported (target >= 0.70), and also maatd's CPU time per request (utime+stime from
# /proc) against the one-core floor, which does not count the CPU that wrk itself takes on
# the same machine. Peak RSS of maatd (VmHWM) under load is reported too.
#
# Two modes. PIN=1 (the default on >= 2 CPUs; see below): maatd alone on one core, wrk on
# the others, the floor measured on maatd's core after every round. PIN=0: the shared mode
# described next (maatd --threads 2 and wrk on the same CPUs); ALSO_SHARED=1 runs both.
# env: BUILD=build (tree with bin/maat, bin/maatd, bin/bench_verify, bin/bench_attest)
#      DURATION=10 (s per configuration or round)  ROUNDS=5 (PIN)  WARMUP=2  WRK_THREADS=2
#      CONNS=16  MAATD_THREADS=2  SPEED_SECONDS=3  MAAT_VECTORS=../shared/vectors
#      ALGS="RS256 ES256"  ROUTE=SgxEnclave|TdxVm (TdxVm: a sim TD quote, api-version
#      2025-06-01, the floor bench_attest's TdxVm one; PIN mode)
#      STORE= (SQLite only, the default) | pg (also a throwaway PostgreSQL cluster started by
#             tests/lib/pg.sh) | postgresql://USER:PW@HOST:PORT/DB (also that server: a
#             fresh database maat_bench_<n> is created per maatd through psql, dropped
#             after). PIN mode then runs every alg on SQLite AND on PostgreSQL, round for
#             round, and prints `RESULT compare`: the PostgreSQL ratio against the SQLite
#             one of the same run (the attest hot path must not touch the database),
#             and a hard check: the PostgreSQL server's count of maatd's statements during
#             the wrk load (tests/lib/pg_roundtrips.sh: pg_stat_activity, pg_stat_database),
#             `RESULT dbcheck ... verdict=ok` when it is zero per attestation; the script
#             exits 1 otherwise. maatd runs with MAATD_STORE_POLL_SECONDS=3600 there, so the
#             background safety-net re-sync (not the hot path) stays out of the window.
# Loopback only. Use an optimised tree (RelWithDebInfo/Release), not Debug or ASan.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-$root/build}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
WRK_THREADS=${WRK_THREADS:-2}
CONNS=${CONNS:-16}
MAATD_THREADS=${MAATD_THREADS:-2}
SPEED_SECONDS=${SPEED_SECONDS:-3}
ALGS=${ALGS:-RS256 ES256}
VECTORS=${MAAT_VECTORS:-$root/../shared/vectors}
MAAT=$BUILD/bin/maat MAATD=$BUILD/bin/maatd BV=$BUILD/bin/bench_verify

die() { echo "bench_maatd: $*" >&2; exit 1; }
[ -x "$MAAT" ] && [ -x "$MAATD" ] || die "$BUILD/bin/maat and maatd are not built (set BUILD)"
command -v wrk >/dev/null || die "wrk is not installed (Debian package wrk; scripts/install-deps.sh)"
command -v openssl >/dev/null || die "openssl is not installed"
command -v curl >/dev/null || die "curl is not installed"
if grep -q 'CMAKE_BUILD_TYPE:STRING=Debug\|MAAT_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  echo "WARNING: $BUILD is a Debug or sanitizer tree: the numbers are not representative" >&2
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/bench-maatd.XXXXXX")
PID=
SPINNERS=()
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null
  for p in "${SPINNERS[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "${PG_BASE:-}" ] && { wait "$PID" 2>/dev/null; drop_pg_dbs; }
  declare -F pg_stop >/dev/null && pg_stop
  rm -rf "$T"
}
trap cleanup EXIT
TCK=$(getconf CLK_TCK)
NCPU=$(nproc)

echo "bench_maatd: $(uname -m), $NCPU CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "  $(openssl version); $("$MAATD" --version 2>&1 | head -1); $(wrk --version 2>&1 | head -1 | cut -c1-40)"
echo "  build: $BUILD ($(grep -m1 'CMAKE_BUILD_TYPE:STRING' "$BUILD/CMakeCache.txt" 2>/dev/null | cut -d= -f2))"

# ---- evidence and request body ----
"$MAAT" sim init "$T/sim" >/dev/null || die "maat sim init failed"
printf 'bench runtime data: a public key would go here' >"$T/rt.bin"
# ROUTE=TdxVm: a simulated TD quote (v4, TD report 1.0) to POST /attest/TdxVm (api-version
# 2025-06-01), the floor then bench_attest's TdxVm floor (PIN mode).
ROUTE=${ROUTE:-SgxEnclave}
case "$ROUTE" in
  SgxEnclave) TEE_ARGS=() ;;
  TdxVm) TEE_ARGS=(--tee tdx) ;;
  *) die "ROUTE must be SgxEnclave or TdxVm" ;;
esac
"$MAAT" sim quote "$T/sim" "${TEE_ARGS[@]}" --ehd "$T/rt.bin" -o "$T/q.bin" || die "maat sim quote failed"
b64url() { base64 -w0 "$1" | tr '+/' '-_' | tr -d '='; }
printf '{"quote":"%s","runtimeData":{"data":"%s","dataType":"Binary"}}' "$(b64url "$T/q.bin")" \
  "$(b64url "$T/rt.bin")" >"$T/body.json"
echo "  request: POST /attest/$ROUTE, $(stat -c %s "$T/body.json") B body (quote $(stat -c %s "$T/q.bin") B, ECDSA P-256, PCK chain in the quote)"

# ---- STORE: PostgreSQL next to SQLite ----
STORE=${STORE:-}
STORE_KINDS=sqlite PG_BASE= PG_DBS=() PSQL=psql
case "$STORE" in
  "") ;;
  pg)
    . "$root/tests/lib/pg.sh"
    pg_start || die "STORE=pg: PostgreSQL could not be started (see above)"
    PG_BASE="postgresql://maat:$PG_PASSWORD@127.0.0.1:$PG_PORT/postgres" PSQL=$PG_BIN/psql
    STORE_KINDS="sqlite postgres" ;;
  postgresql://* | postgres://*)
    command -v psql >/dev/null || die "STORE=$STORE needs psql (package postgresql-client)"
    PG_BASE=$STORE STORE_KINDS="sqlite postgres" ;;
  *) die "STORE must be empty, pg or a postgresql:// URI" ;;
esac
DBCHECK_FAIL=0
if [ -n "$PG_BASE" ]; then
  . "$root/tests/lib/pg_roundtrips.sh"
  RT_PSQL=("$PSQL" "$PG_BASE")
fi
pg_uri_db() { # URI DB: URI with its database replaced
  python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$1" "$2"
}
store_arg() { # NAME KIND: sets STORE_URI, the --store value for a fresh maatd
  if [ "$2" = sqlite ]; then STORE_URI="$T/$1.db"; return; fi
  local db="maat_bench_${#PG_DBS[@]}_$$"
  "$PSQL" -X -q "$PG_BASE" -c "CREATE DATABASE $db" >/dev/null || die "cannot create database $db"
  PG_DBS+=("$db")
  STORE_URI=$(pg_uri_db "$PG_BASE" "$db")
}
maat_redact() { sed 's#://\([^:/@]*\):[^@]*@#://\1:***@#' <<<"$1"; }
drop_pg_dbs() {
  local db
  for db in "${PG_DBS[@]}"; do "$PSQL" -X -q "$PG_BASE" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; done
  PG_DBS=()
}

start_maatd() { # NAME ALG THREADS [WRAPPER...]: a fresh maatd (fresh store, so a fresh key
  local name=$1 alg=$2 threads=$3; shift 3 # of that alg), run under WRAPPER; sets PID and URL
  "$@" "$MAATD" --listen 127.0.0.1:0 --store "${STORE_URI:-$T/$name.db}" --sim "$T/sim" --alg "$alg" \
    --threads "$threads" >"$T/$name.url" 2>"$T/$name.log" &
  PID=$!
  for _ in $(seq 300); do [ -s "$T/$name.url" ] && break; kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  URL=$(head -n1 "$T/$name.url")
  [ -n "$URL" ] || { cat "$T/$name.log"; die "maatd did not start"; }
  for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/ready")" = 200 ] && break; sleep 0.1
  done
}
if [ "$ROUTE" = TdxVm ]; then path="/attest/TdxVm?api-version=2025-06-01"
else path="/attest/SgxEnclave?api-version=2022-08-01"; fi
first_token() { # ALG: one request must answer 200 with a token of that alg
  local st hdr
  st=$(curl -s -o "$T/one.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary @"$T/body.json" "$URL$path")
  hdr=$(sed 's/.*"token":"\([^.]*\)\..*/\1/' "$T/one.json" | tr '_-' '/+' | base64 -d 2>/dev/null)
  [ "$st" = 200 ] && grep -q "\"alg\":\"$1\"" <<<"$hdr" || die "maatd did not answer 200 with an $1 token: $st $hdr"
}
stop_maatd() {
  kill -TERM "$PID"
  for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$PID" 2>/dev/null && kill -KILL "$PID"
  wait "$PID" 2>/dev/null
  PID=
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
# per worker thread: "TID:ticks ..." (libmicrohttpd names its pool threads MHD-worker)
worker_ticks() {
  local t
  for t in /proc/"$PID"/task/*; do
    [ "$(cat "$t/comm")" = MHD-worker ] && printf '%s:%s ' "${t##*/}" "$(awk '{ print $14 + $15 }' "$t/stat")"
  done
}
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# ---- PIN=1 (default on >= 2 CPUs): maatd on a core of its own, the floor on that core ----
# maatd --threads 1 pinned to the last CPU, wrk pinned to the others. ROUNDS rounds, each:
# wrk for DURATION s (maatd's CPU time read around it), then bench_attest --floor-only on
# maatd's core (the issue's floor: warm verification + one token signature, and the bare
# one: 2 ECDSA verifications + the signature). Each round's ratio uses the floor measured
# right after it, so slow drifts of a shared host hit both alike; medians are reported.
#   ratio     = rps x floor_us / 1e6   (throughput against 1 core of floor)
#   cpu_ratio = floor_us / maatd CPU us per request
# Per round also: the softirq and steal time of maatd's CPU per request (/proc/stat): on
# loopback the kernel delivers maatd's response into wrk's socket, and wakes wrk, in
# softirq on maatd's CPU (work a remote client's machine would do); steal is time the
# hypervisor took. IDLE_SPIN=1 (a diagnostic, not the default) keeps wrk's CPUs out of
# the idle halt with a SCHED_IDLE busy loop (it yields to everything, wrk included), which
# shows what waking a halted vCPU costs maatd's CPU on this host.
if [ "${PIN:-$([ "$NCPU" -ge 2 ] && echo 1 || echo 0)}" = 1 ]; then
  BA=$BUILD/bin/bench_attest
  [ -x "$BA" ] || die "$BA is not built"
  command -v taskset >/dev/null || die "taskset is not installed (util-linux)"
  ROUNDS=${ROUNDS:-5}
  MCPU=$((NCPU - 1)) WCPUS=0-$((NCPU - 2))
  med() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
  echo "== PIN mode: maatd --threads 1 on CPU $MCPU, wrk -t1 -c$CONNS on CPU(s) $WCPUS, $ROUNDS rounds of ${DURATION}s =="
  if [ "${IDLE_SPIN:-0}" = 1 ]; then
    command -v chrt >/dev/null || die "IDLE_SPIN=1 needs chrt (util-linux)"
    for c in $(seq 0 $((NCPU - 2))); do
      taskset -c "$c" chrt --idle 0 sh -c 'while :; do :; done' & SPINNERS+=($!)
    done
    echo "   IDLE_SPIN=1: SCHED_IDLE busy loops on CPU(s) $WCPUS (diagnostic: wrk's CPUs never halt)"
  fi
  # softirq and steal ticks of maatd's CPU (fields 8 and 9 of its /proc/stat line), and
  # the softirq ticks of wrk's CPUs (there the kernel delivers the requests into maatd's
  # socket: maatd's own receive work, which a NIC would bring to maatd's machine)
  cpu_si() { awk -v c="cpu$MCPU" -v m="$MCPU" '$1 == c { a = $8; b = $9 }
    $1 ~ /^cpu[0-9]+$/ && $1 != c { w += $8 } END { print a, b, w }' /proc/stat; }
  # the wake-up interrupts wrk's CPUs took (/proc/interrupts: CAL function-call and RES
  # rescheduling IPIs of CPUs 0..MCPU-1): on loopback a response that finds wrk asleep
  # wakes it with an IPI sent from maatd's CPU, inside maatd's send (a VM exit on hosts
  # without IPI virtualisation), work a remote client's kernel would do
  wrk_ipis() { awk -v m="$MCPU" '$1 == "CAL:" || $1 == "RES:" { for (i = 2; i <= m + 1; i++) s += $i }
    END { print s + 0 }' /proc/interrupts; }
  for alg in $ALGS; do
   for st in $STORE_KINDS; do
    store_arg "p$alg$st" "$st"
    echo "  -- $alg on $st: --store $(maat_redact "$STORE_URI")"
    DB=${STORE_URI##*/} DB=${DB%%\?*}
    MAATD_STORE_POLL_SECONDS=3600 start_maatd "p$alg" "$alg" 1 taskset -c "$MCPU"
    STORE_URI=
    first_token "$alg"
    taskset -c "$WCPUS" wrk -t1 -c"$CONNS" -d"${WARMUP}s" -s "$here/maatd_attest.lua" "$URL$path" -- "$T/body.json" >/dev/null
    if [ "$st" = postgres ]; then # the database's counters, once idle (see pg_roundtrips.sh)
      sleep "$RT_SETTLE"
      x0=$(rt_xacts "$DB")
      rt_activity "$DB" "$T/act0"
      nreq=0
    fi
    : >"$T/rounds.$alg.$st"
    for r in $(seq "$ROUNDS"); do
      c0=$(cpu_ticks) s0=$(cpu_si) i0=$(wrk_ipis)
      line=$(taskset -c "$WCPUS" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency -s "$here/maatd_attest.lua" \
        "$URL$path" -- "$T/body.json" | grep '^WRK ')
      c1=$(cpu_ticks) s1=$(cpu_si) i1=$(wrk_ipis)
      [ -n "$line" ] || die "wrk failed"
      fl=$(taskset -c "$MCPU" "$BA" --alg "$alg" --route "$ROUTE" --floor-only --runs 1 --seconds 1.5 | grep '^RESULT')
      n=$(kv requests "$line") rps=$(kv rps "$line")
      [ "$st" = postgres ] && nreq=$((nreq + n))
      errs=$(( $(kv non2xx "$line") + $(kv connect_err "$line") + $(kv read_err "$line") + $(kv timeouts "$line") ))
      cpu=$(awk -v t=$((c1 - c0)) -v k="$TCK" -v n="$n" 'BEGIN { printf "%.1f", t / k * 1e6 / n }')
      fw=$(kv floor_warm_us "$fl") fb=$(kv floor_bare_us "$fl")
      si=$(awk -v a="$s0" -v b="$s1" -v k="$TCK" -v n="$n" 'BEGIN { split(a, x, " "); split(b, y, " ");
        printf "%.1f %.1f %.1f", (y[1] - x[1]) / k * 1e6 / n, (y[2] - x[2]) / k * 1e6 / n, (y[3] - x[3]) / k * 1e6 / n }')
      ipr=$(awk -v a="$i0" -v b="$i1" -v n="$n" 'BEGIN { printf "%.3f", (b - a) / n }')
      printf '%s %s %s %s %s %s %s %s %s %s\n' "$rps" "$cpu" "$fw" "$fb" "$(kv p50_ms "$line")" \
        "$(kv p99_ms "$line")" "$errs" \
        "$(awk -v r="$rps" -v f="$fw" -v c="$cpu" -v b="$fb" 'BEGIN { printf "%.3f/%.3f/%.3f", r * f / 1e6, f / c, b / c }')" \
        "$si" "$ipr" >>"$T/rounds.$alg.$st"
      read -r si_m st_m si_w <<<"$si"
      echo "  $alg round $r: rps=$rps maatd_cpu_us/req=$cpu (its CPU: softirq $si_m, steal $st_m; wrk's: softirq $si_w us, wake-up IPIs $ipr per request) floor_warm_us=$fw floor_bare_us=$fb p50=$(kv p50_ms "$line") ms p99=$(kv p99_ms "$line") ms errors=$errs"
    done
    [ "$st" = postgres ] && rt_activity "$DB" "$T/act1"
    hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$PID/status")
    # what HTTP alone costs maatd here: the same 6 KB body, cut by one byte, refused as bad
    # JSON after it was read in full (keep-alive, loopback TCP, request parse start, log line)
    head -c -1 "$T/body.json" >"$T/bad.json"
    c0=$(cpu_ticks)
    hline=$(taskset -c "$WCPUS" wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$here/maatd_attest.lua" \
      "$URL$path" -- "$T/bad.json" | grep '^WRK ')
    c1=$(cpu_ticks)
    http_us=$(awk -v t=$((c1 - c0)) -v k="$TCK" -v n="$(kv requests "$hline")" 'BEGIN { printf "%.1f", t / k * 1e6 / n }')
    echo "  $alg HTTP only (bad-JSON body of the same size, 400): maatd_cpu_us/req=$http_us rps=$(kv rps "$hline")"
    stop_maatd
    if [ "$st" = postgres ]; then # the hard check: no round trip on the hot path
      rt_wait_gone "$DB" || echo "  WARNING: maatd's database sessions did not end" >&2
      dx=$(( $(rt_xacts "$DB") - x0 )) busy=$(rt_busy "$T/act0" "$T/act1")
      verdict=ok
      [ "$dx" = 0 ] && [ "$busy" = 0 ] || { verdict=FAIL DBCHECK_FAIL=1; }
      echo "RESULT dbcheck alg=$alg attests=$nreq db_xacts=$dx busy_backends=$busy" \
        "db_xacts_per_attest=$(awk -v d="$dx" -v n="$nreq" 'BEGIN { printf "%.6f", n ? d / n : 0 }')" \
        "verdict=$verdict"
    fi
    col() { awk -v c="$1" '{ print $c }' "$T/rounds.$alg.$st" | med; }
    ratios() { awk -v i="$1" '{ split($8, x, "/"); print x[i] }' "$T/rounds.$alg.$st" | med; }
    echo "RESULT mode=pin alg=$alg rounds=$ROUNDS rps=$(col 1) maatd_cpu_us_per_req=$(col 2)" \
      "floor_warm_us=$(col 3) floor_bare_us=$(col 4) p50_ms=$(col 5) p99_ms=$(col 6) errors=$(col 7)" \
      "ratio=$(ratios 1) cpu_ratio=$(ratios 2) cpu_ratio_bare=$(ratios 3) http_only_cpu_us=$http_us" \
      "cpu_ratio_without_http=$(awk -v f="$(col 3)" -v c="$(col 2)" -v h="$http_us" 'BEGIN { printf "%.3f", f / (c - h) }')" \
      "softirq_us=$(col 9) steal_us=$(col 10) wrk_softirq_us=$(col 11)" \
      "cpu_ratio_rx_swapped=$(awk '{ printf "%.4f\n", $3 / ($2 - $9 + $11) }' "$T/rounds.$alg.$st" | med)" \
      "wrk_ipis_per_req=$(col 12) idle_spin=${IDLE_SPIN:-0} vmhwm_kb=$hwm store=$st"
    echo "$(ratios 1) $(ratios 2)" >"$T/ratio.$alg.$st"
   done
   if [ -f "$T/ratio.$alg.postgres" ]; then
     read -r rs cs <"$T/ratio.$alg.sqlite"
     read -r rp cp <"$T/ratio.$alg.postgres"
     echo "RESULT compare alg=$alg ratio_sqlite=$rs ratio_postgres=$rp" \
       "ratio_delta_pct=$(awk -v a="$rs" -v b="$rp" 'BEGIN { printf "%+.1f", (b - a) / a * 100 }')" \
       "cpu_ratio_sqlite=$cs cpu_ratio_postgres=$cp" \
       "cpu_ratio_delta_pct=$(awk -v a="$cs" -v b="$cp" 'BEGIN { printf "%+.1f", (b - a) / a * 100 }')" \
       "within_5pct=$(awk -v a="$rs" -v b="$rp" 'BEGIN { d = (b - a) / a; print (d >= -0.05) ? "yes" : "no" }')"
   fi
  done
  for p in "${SPINNERS[@]}"; do kill "$p" 2>/dev/null; done
  SPINNERS=()
  echo "ratio = rps x floor_warm_us (maatd has 1 core); cpu_ratio = floor_warm_us / maatd CPU per request;"
  echo "cpu_ratio_bare = the bare floor (2 ECDSA verifications + signature) / maatd CPU; medians of $ROUNDS rounds;"
  echo "cpu_ratio_without_http = floor_warm_us / (maatd CPU per request - the HTTP-only cost)."
  echo "cpu_ratio_rx_swapped = floor_warm_us / (maatd CPU - softirq on its CPU + softirq on wrk's CPUs) per"
  echo "request: the loopback delivery of the responses into wrk (and wrk's wake-up) swapped for that of"
  echo "the requests into maatd, as on a network where each machine receives its own packets."
  echo "wrk_ipis_per_req = wake-up IPIs (CAL+RES) wrk's CPUs took per request: ~1 means each response"
  echo "found wrk asleep and maatd's CPU paid for waking it (see bench/README.md, session 8)."
  if [ -n "$PG_BASE" ]; then
    echo "dbcheck = maatd's statements on its PostgreSQL database during the wrk rounds and the"
    echo "bad-JSON run, counted by the server (transactions, and backends that ran a statement)."
    [ "$DBCHECK_FAIL" = 0 ] || { echo "bench_maatd: FAIL: the attest hot path touched the database" >&2; exit 1; }
  fi
  [ "${ALSO_SHARED:-0}" = 1 ] || exit 0
  echo
fi

# ---- the cryptography floor, same run ----
echo
echo "== floor: warm verification (bench_verify) =="
WARM_US= FLOORA_US=
if [ -x "$BV" ] && [ -f "$VECTORS/dcap-qvl/sgx_quote" ]; then
  "$BV" --vectors "$VECTORS" --runs 3 --seconds 2 --cold-seconds 0.5 >"$T/bv.out" 2>/dev/null ||
    die "bench_verify failed"
  sed -n '/^warm/,/ratio maat\/floor B/p' "$T/bv.out"
  res=$(grep '^RESULT' "$T/bv.out")
  WARM_US=$(sed 's/.*warm_us=\([0-9.]*\).*/\1/' <<<"$res")
  FLOORA_US=$(awk -v r="$(sed 's/.*floor_a_ops_s=\([0-9.]*\).*/\1/' <<<"$res")" 'BEGIN { printf "%.2f", 1e6 / r }')
else
  echo "WARNING: $BV or $VECTORS/dcap-qvl/sgx_quote missing: no verification floor" >&2
fi

echo
echo "== floor: token signature (openssl speed -seconds $SPEED_SECONDS rsa2048 ecdsap256, 1 thread) =="
openssl speed -seconds "$SPEED_SECONDS" rsa2048 ecdsap256 >"$T/speed.out" 2>/dev/null || die "openssl speed failed"
grep -E '^(rsa 2048|.*ecdsa \(nistp256\))' "$T/speed.out" | sed 's/^ */  /'
# "rsa 2048 bits 0.000722s 0.000021s 1385.3 47337.6": sign/s = field 6
RSA_SIGN_S=$(awk '/^rsa 2048 bits/ { print $6; exit }' "$T/speed.out")
# " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  38596.5  12817.5": sign/s = field 7
EC_SIGN_S=$(awk '/ecdsa \(nistp256\)/ { print $7; exit }' "$T/speed.out")
[ -n "$RSA_SIGN_S" ] && [ -n "$EC_SIGN_S" ] || die "could not parse openssl speed output"

# ---- maatd under wrk ----
declare -A R
for alg in $ALGS; do
  echo
  echo "== maatd --alg $alg --threads $MAATD_THREADS; wrk -t$WRK_THREADS -c$CONNS -d${DURATION}s =="
  start_maatd "$alg" "$alg" "$MAATD_THREADS"
  first_token "$alg"
  rss_idle=$(awk '/^VmRSS/ { print $2 }' "/proc/$PID/status")
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$here/maatd_attest.lua" "$URL$path" -- "$T/body.json" >/dev/null
  c0=$(cpu_ticks) w0=$(worker_ticks)
  echo "  \$ wrk -t$WRK_THREADS -c$CONNS -d${DURATION}s --latency -s bench/maatd_attest.lua '$URL$path' -- body.json"
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$here/maatd_attest.lua" "$URL$path" \
    -- "$T/body.json" >"$T/wrk.$alg" 2>&1
  c1=$(cpu_ticks) w1=$(worker_ticks)
  # CPU seconds per worker thread during the run: shows how the connections were spread
  split=$(awk -v a="$w0" -v b="$w1" -v k="$TCK" 'BEGIN {
    n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], p, ":"); s[p[1]] = p[2] }
    m = split(b, y, " "); out = ""
    for (i = 1; i <= m; i++) { split(y[i], p, ":"); out = out sprintf("%s%.1f", out == "" ? "" : "/", (p[2] - s[p[1]]) / k) }
    print out }')
  hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$PID/status")
  sed -n '/Thread Stats/,/Transfer/p' "$T/wrk.$alg" | sed 's/^/  /'
  line=$(grep '^WRK ' "$T/wrk.$alg")
  [ -n "$line" ] || die "wrk failed: $(cat "$T/wrk.$alg")"
  echo "  $line"
  echo "  maatd CPU seconds per worker thread during the run: $split"
  stop_maatd
  n=$(kv requests "$line")
  R[$alg.rps]=$(kv rps "$line"); R[$alg.p50]=$(kv p50_ms "$line"); R[$alg.p99]=$(kv p99_ms "$line")
  R[$alg.err]=$(( $(kv non2xx "$line") + $(kv connect_err "$line") + $(kv read_err "$line") + $(kv write_err "$line") + $(kv timeouts "$line") ))
  R[$alg.cpu_us]=$(awk -v t=$((c1 - c0)) -v k="$TCK" -v n="$n" 'BEGIN { printf "%.1f", t / k * 1e6 / n }')
  R[$alg.cpu_share]=$(awk -v t=$((c1 - c0)) -v k="$TCK" -v d="$(kv seconds "$line")" 'BEGIN { printf "%.2f", t / k / d }')
  R[$alg.hwm]=$hwm R[$alg.idle]=$rss_idle R[$alg.split]=$split
done

# ---- summary ----
echo
echo "== summary (maatd --threads $MAATD_THREADS on $NCPU CPU(s); wrk on the same CPUs) =="
printf '%-6s %9s %9s %9s %7s %10s %10s %12s %8s %10s %12s %10s\n' alg rps p50_ms p99_ms errors \
  sign_us floor_us floor_rps ratio cpu_us/req cpu_ratio peak_RSS
for alg in $ALGS; do
  if [ "$alg" = ES256 ]; then sign_s=$EC_SIGN_S; else sign_s=$RSA_SIGN_S; fi
  sign_us=$(awk -v s="$sign_s" 'BEGIN { printf "%.1f", 1e6 / s }')
  if [ -n "$WARM_US" ]; then
    floor_us=$(awk -v a="$WARM_US" -v b="$sign_us" 'BEGIN { printf "%.1f", a + b }')
    floor_rps=$(awk -v f="$floor_us" -v t="$MAATD_THREADS" -v c="$NCPU" 'BEGIN { if (t > c || t == 0) t = c; printf "%.0f", t * 1e6 / f }')
    ratio=$(awk -v r="${R[$alg.rps]}" -v f="$floor_rps" 'BEGIN { printf "%.2f", r / f }')
    cratio=$(awk -v f="$floor_us" -v c="${R[$alg.cpu_us]}" 'BEGIN { printf "%.2f", f / c }')
  else
    floor_us=- floor_rps=- ratio=- cratio=-
  fi
  printf '%-6s %9s %9s %9s %7s %10s %10s %12s %8s %10s %12s %8s MB\n' "$alg" "${R[$alg.rps]}" "${R[$alg.p50]}" \
    "${R[$alg.p99]}" "${R[$alg.err]}" "$sign_us" "$floor_us" "$floor_rps" "$ratio" "${R[$alg.cpu_us]}" "$cratio" \
    "$(awk -v k="${R[$alg.hwm]}" 'BEGIN { printf "%.1f", k / 1024 }')"
  echo "RESULT alg=$alg rps=${R[$alg.rps]} p50_ms=${R[$alg.p50]} p99_ms=${R[$alg.p99]} errors=${R[$alg.err]}" \
    "verify_warm_us=${WARM_US:-} verify_floor_a_us=${FLOORA_US:-} sign_us=$sign_us floor_us=$floor_us" \
    "floor_rps=$floor_rps ratio=$ratio maatd_cpu_us_per_req=${R[$alg.cpu_us]} maatd_cpus_busy=${R[$alg.cpu_share]}" \
    "cpu_ratio=$cratio vmhwm_kb=${R[$alg.hwm]} vmrss_idle_kb=${R[$alg.idle]} worker_cpu_s=${R[$alg.split]}"
done
echo "floor_us = warm verification ($WARM_US us, bench_verify) + one signature (openssl speed);"
echo "floor_rps = min(--threads, CPUs) / floor_us; ratio = rps / floor_rps (target >= 0.70);"
echo "cpu_ratio = floor_us / maatd CPU time per request (utime+stime from /proc/PID/stat)."
