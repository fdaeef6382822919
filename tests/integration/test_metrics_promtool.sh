#!/usr/bin/env bash
# test_metrics_promtool.sh - maatd's /metrics is valid Prometheus text: `promtool check
# metrics` accepts it (no lint problem), every metric family has a HELP and a TYPE line, and
# the standard process metrics are there with plausible values (process_cpu_seconds_total,
# process_resident_memory_bytes, process_open_fds, process_max_fds,
# process_start_time_seconds), next to the collateral and PCK chain cache counters. Scraped
# after one attestation, so that the request, verdict and cache families have samples.
# promtool (Debian package prometheus) missing: SKIPPED, but a failure in CI
# (CI or MAAT_REQUIRE_VECTORS=1 set): a check that could not run is not a pass.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
need maat maatd curl python3
if ! command -v promtool >/dev/null; then
    if [ -n "${CI:-}" ] || [ "${MAAT_REQUIRE_VECTORS:-0}" = 1 ]; then
        echo "FAIL - promtool not installed (apt install prometheus; scripts/install-deps.sh)"; exit 1
    fi
    echo "SKIPPED: promtool needed (Debian package prometheus)"; exit 77
fi
tmpdir metrics
. "$SRC/tests/lib/maatd.sh"

# maatd verifies at its clock: the sim is made now (its collateral valid for a month)
"$MAAT" sim init "$T/sim" >/dev/null || { echo "FAIL - sim init"; exit 1; }
"$MAAT" sim quote "$T/sim" -o "$T/q.bin" || { echo "FAIL - sim quote"; exit 1; }
python3 -c "import base64,json,sys; json.dump({'quote': base64.urlsafe_b64encode(open(sys.argv[1],'rb').read()).rstrip(b'=').decode()}, open(sys.argv[2],'w'))" "$T/q.bin" "$T/req.json"
maatd_start A --sim "$T/sim" --store "$T/a.db" || exit 1
st=$(curl -s -m 20 -o "$T/att.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
     --data-binary "@$T/req.json" "$URL_A/attest/SgxEnclave?api-version=2022-08-01")
[ "$st" = 200 ] && ok "one attestation (HTTP 200)" || bad "attest: HTTP $st $(head -c 300 "$T/att.json")"
curl -s -m 20 -o /dev/null "$URL_A/certs"
st=$(curl -s -m 20 -o "$T/m.txt" -D "$T/m.h" -w '%{http_code}' "$URL_A/metrics")
[ "$st" = 200 ] && ok "GET /metrics" || bad "/metrics: HTTP $st"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/m.h" && ok "exposition format 0.0.4" \
    || bad "content type: $(grep -i content-type "$T/m.h")"

if promtool check metrics <"$T/m.txt" >"$T/promtool.out" 2>&1; then
    ok "promtool check metrics: no problem"
else
    bad "promtool check metrics: $(head -c 1500 "$T/promtool.out")"
fi

# every family: HELP and TYPE, before its samples; the process metrics plausible
python3 - "$T/m.txt" "$PID_A" >"$T/py.out" 2>&1 <<'PY'
import os, re, sys, time
text = open(sys.argv[1]).read()
pid = int(sys.argv[2])
helps, types, samples, problems = set(), {}, {}, []
for line in text.splitlines():
    if line.startswith("# HELP "):
        helps.add(line.split()[2])
    elif line.startswith("# TYPE "):
        _, _, name, kind = line.split(None, 3)
        types[name] = kind
    elif line and not line.startswith("#"):
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        if not m:
            problems.append("unparsable sample: %r" % line); continue
        name = m.group(1)
        fam = re.sub(r"_(bucket|sum|count)$", "", name) if re.sub(r"_(bucket|sum|count)$", "", name) in types and types.get(re.sub(r"_(bucket|sum|count)$", "", name)) == "histogram" else name
        if fam not in types: problems.append("%s: sample before/without TYPE" % name)
        if fam not in helps: problems.append("%s: no HELP" % fam)
        samples.setdefault(name, float(m.group(3)))
for fam in types:
    if fam not in helps: problems.append("%s: TYPE without HELP" % fam)
need = ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
        "process_max_fds", "process_start_time_seconds", "maatd_requests_total",
        "maatd_pck_cache_hits_total", "maatd_pck_cache_misses_total"]
for n in need:
    if n not in samples: problems.append("missing %s" % n)
if not problems:
    rss = samples["process_resident_memory_bytes"]
    if not 1 << 20 <= rss <= 1 << 34: problems.append("RSS %d implausible" % rss)
    fds = samples["process_open_fds"]
    real = len(os.listdir("/proc/%d/fd" % pid))
    if not 3 <= fds <= real + 8: problems.append("open fds %d (the process has %d)" % (fds, real))
    if samples["process_max_fds"] < fds: problems.append("max fds below open fds")
    # the process started within this test (bounded: the test runs for less than 10 minutes)
    st = samples["process_start_time_seconds"]
    if not time.time() - 600 <= st <= time.time() + 5: problems.append("start time %f" % st)
    if samples["process_cpu_seconds_total"] <= 0: problems.append("cpu seconds not > 0")
    if samples["maatd_pck_cache_misses_total"] < 1: problems.append("pck cache: no miss after one quote")
print("\n".join(problems) if problems else "ok: %d families" % len(types))
sys.exit(1 if problems else 0)
PY
[ $? -eq 0 ] && ok "HELP and TYPE on every family; process metrics plausible ($(cat "$T/py.out"))" \
    || bad "metrics: $(cat "$T/py.out")"
maatd_stop A
finish
