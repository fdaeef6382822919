#!/usr/bin/env bash
# bench_process.sh - `maat verify` as a whole process (what scripts call) against the
# issue 16 target: <= 1.3 x (in-process cold verification + the start of a C program that
# only loads OpenSSL).
#
#   BUILD=build bench/bench_process.sh     env: MAAT_VECTORS, ROUNDS (10), PER_ROUND (10),
#                                          CPU (0), COLD_ITERATIONS (100),
#                                          MAAT_ALT (another maat binary, e.g. an older
#                                          build, timed in the same rounds for an A/B)
# Per round, PER_ROUND runs of `maat verify` (real dcap-qvl quote + collateral bundle, at
# 1752919277, output discarded) and as many of build/bin/ossl_start, interleaved, each
# timed from posix_spawn to wait4 (wall) with its CPU time (user + system) from wait4.
# The in-process cold time is build/bin/bench_cold (bench_verify's cold row: new trust
# set, bundle parsed, collateral verified, empty PCK cache, quote), wall and CPU time per
# verification, measured before and after the rounds on the same CPU; their mean is used.
# Two ratios: wall (maat wall / (cold wall + ossl_start wall)) and CPU (the same with user
# + system time): on a loaded host the CPU ratio is the one to read. Medians over rounds;
# RESULT line for scripts.
# The host is shared: compare only ratios from one run.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$root/build}
vectors=${MAAT_VECTORS:-$root/../shared/vectors}
rounds=${ROUNDS:-10}
per=${PER_ROUND:-10}
cpu=${CPU:-0}
cold_iter=${COLD_ITERATIONS:-100}

cmake --build "$build" -j2 --target maat_cli ossl_start bench_cold 2>&1 |
  grep -Ev '^(\[|-- GLOB mismatch|gmake)' || true
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c "$cpu"); fi

cold_us() {
  "${pin[@]}" "$build/bin/bench_cold" --vectors "$vectors" --iterations "$cold_iter" |
    sed -n 's/^RESULT cold_wall_us=\([0-9.]*\) cold_cpu_us=\([0-9.]*\)/\1 \2/p'
}
c1=$(cold_us)
"${pin[@]}" python3 - "$build/bin/maat" "$build/bin/ossl_start" "$vectors/dcap-qvl" "$rounds" "$per" "${MAAT_ALT:-}" \
  >"${TMPDIR:-/tmp}/bench_process.$$" <<'PY'
import os, sys, time, statistics
maat, ossl, v, rounds, per, alt = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
args = ['verify', v + '/sgx_quote', '--collateral', v + '/sgx_quote_collateral.json', '--at', '1752919277']
cmds = {'maat': [maat] + args, 'ossl': [ossl]}
if alt:
    cmds['alt'] = [alt] + args
null = os.open(os.devnull, os.O_WRONLY)
fa = [(1, null), (2, null)]
def once(argv):
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
    _, status, ru = os.wait4(pid, 0)
    t1 = time.perf_counter_ns()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit('%s failed: status %d' % (argv[0], status))
    return (t1 - t0) / 1e3, (ru.ru_utime + ru.ru_stime) * 1e6
for k in cmds: once(cmds[k])  # page cache, first-run effects
med = {k: ([], []) for k in cmds}
for r in range(rounds):
    acc = {k: ([], []) for k in cmds}
    for i in range(per):
        order = list(cmds)
        for k in order if i % 2 == 0 else order[::-1]:
            w, c = once(cmds[k])
            acc[k][0].append(w); acc[k][1].append(c)
    for k in cmds:
        med[k][0].append(statistics.median(acc[k][0])); med[k][1].append(statistics.median(acc[k][1]))
for k in cmds:
    print('%s %.1f %.1f %.1f %.1f' % (k, statistics.median(med[k][0]), statistics.median(med[k][1]),
                                      min(med[k][0]), max(med[k][0])))
PY
c2=$(cold_us)
out=$(cat "${TMPDIR:-/tmp}/bench_process.$$"); rm -f "${TMPDIR:-/tmp}/bench_process.$$"
awk -v c1="$c1" -v c2="$c2" -v r="$rounds" -v p="$per" '
  { wall[$1] = $2; cpu[$1] = $3; lo[$1] = $4; hi[$1] = $5 }
  END {
    split(c1, a, " "); split(c2, b, " ");
    cold = (a[1] + b[1]) / 2; ccpu = (a[2] + b[2]) / 2;
    printf "in-process cold (bench_cold): wall %.1f us (before %.1f, after %.1f), cpu %.1f us\n", cold, a[1], b[1], ccpu;
    printf "ossl_start process:  wall %8.1f us (rounds %.1f..%.1f)  cpu %8.1f us\n", wall["ossl"], lo["ossl"], hi["ossl"], cpu["ossl"];
    printf "maat verify process: wall %8.1f us (rounds %.1f..%.1f)  cpu %8.1f us\n", wall["maat"], lo["maat"], hi["maat"], cpu["maat"];
    ratio = wall["maat"] / (cold + wall["ossl"]);
    cratio = cpu["maat"] / (ccpu + cpu["ossl"]);
    printf "ratio maat verify / (cold + ossl_start): wall %.3f, cpu %.3f (target <= 1.3; %d rounds x %d)\n", ratio, cratio, r, p;
    if ("alt" in wall)
      printf "MAAT_ALT process:    wall %8.1f us (rounds %.1f..%.1f)  cpu %8.1f us; ratio wall %.3f, cpu %.3f\n",
             wall["alt"], lo["alt"], hi["alt"], cpu["alt"], wall["alt"] / (cold + wall["ossl"]), cpu["alt"] / (ccpu + cpu["ossl"]);
    printf "RESULT maat_verify_us=%.1f ossl_start_us=%.1f cold_us=%.1f process_ratio=%.3f maat_cpu_us=%.1f ossl_cpu_us=%.1f cold_cpu_us=%.1f process_cpu_ratio=%.3f\n",
           wall["maat"], wall["ossl"], cold, ratio, cpu["maat"], cpu["ossl"], ccpu, cratio;
  }' <<<"$out"
