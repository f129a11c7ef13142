-- wrk script: GET the request paths listed in a file (one per line), in turn.
-- Each wrk thread starts at a different offset so that connections do not ask in lockstep.
--   wrk -s rotate.lua http://127.0.0.1:8080 -- paths.txt
local paths = {}
local next_index = 1
local threads_made = 0

-- Runs in the main Lua state, once per wrk thread: give each a different start.
function setup(thread)
  threads_made = threads_made + 1
  thread:set("offset", threads_made * 7919)
end

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open " .. tostring(args[1]))
  for line in file:lines() do
    if #line > 0 then paths[#paths + 1] = line end
  end
  file:close()
  assert(#paths > 0, "no paths in " .. args[1])
  next_index = (offset or 0) % #paths + 1
end

function request()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT requests=%d duration_s=%.2f req_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
