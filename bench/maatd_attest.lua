-- maatd_attest.lua - wrk script for bench/bench_maatd.sh: POSTs one MAA attestation request
-- (a JSON body read from the file given after `--`) to the URL's path on every request,
-- over wrk's keep-alive connections, and prints machine-readable results when done.
--
-- usage: wrk -t2 -c16 -d10s -s bench/maatd_attest.lua \
--          'http://127.0.0.1:PORT/attest/SgxEnclave?api-version=2022-08-01' -- BODY.json

local body_path = nil

function init(args)
  body_path = args[1]
  if body_path == nil then
    error("maatd_attest.lua: give the request body file after --")
  end
  local f = assert(io.open(body_path, "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
    "non2xx=%d connect_err=%d read_err=%d write_err=%d timeouts=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect, e.read, e.write, e.timeout))
end
