-- maatd_fleet.lua - wrk script for bench_fleet.sh: POST /attest/SgxEnclave with the request
-- bodies of a simulated fleet (bench_fleet_gen: OUT/bodies, one per line) in the order of
-- OUT/order, starting at request START (so a timed run continues after the warm-up).
-- Use with one wrk thread (-t1): each thread would replay the same order.
--   wrk -t1 -c16 -d10s --latency -s bench/maatd_fleet.lua URL -- OUTDIR START
local bodies, order, pos, n = {}, {}, 0, 0

function init(args)
  local dir, start = args[1], tonumber(args[2] or "0")
  if dir == nil then error("maatd_fleet.lua: give the bench_fleet_gen output directory after --") end
  for l in io.lines(dir .. "/bodies") do bodies[#bodies + 1] = l end
  for l in io.lines(dir .. "/order") do order[#order + 1] = tonumber(l) end
  n = #order
  if n == 0 or #bodies == 0 then error("maatd_fleet.lua: empty bodies or order") end
  pos = start % n
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local b = bodies[order[pos + 1]]
  pos = (pos + 1) % n
  return wrk.format(nil, nil, nil, b)
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
