-- wrk script of benches/scale/run. Environment:
--   METHOD, BODY, CONTENT_TYPE, AUTH (an Authorization value), COOKIE
--   TOGGLE_CASES: comma-separated case ids; thread i (one connection each)
--     shares case i with TOGGLE_ORG, then unshares it, and so on.
-- Prints one line: requests/s, p50, p95, p99 (ms), answers that were not 2xx/3xx.
local cases = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end

function init(args)
  local list = os.getenv("TOGGLE_CASES")
  if list then
    for id in string.gmatch(list, "[^,]+") do table.insert(cases, id) end
    my_case = cases[((index - 1) % #cases) + 1]
  end
  wrk.headers["Accept"] = "text/html,application/json"
  if os.getenv("AUTH") then wrk.headers["Authorization"] = os.getenv("AUTH") end
  if os.getenv("COOKIE") then wrk.headers["Cookie"] = os.getenv("COOKIE") end
  if os.getenv("METHOD") then wrk.method = os.getenv("METHOD") end
  if os.getenv("BODY") then
    wrk.body = os.getenv("BODY")
    wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/json"
  end
  sent = 0
end

function request()
  if my_case then
    sent = sent + 1
    local org = os.getenv("TOGGLE_ORG")
    local path = "/api/v1/case/" .. my_case .. "/shares"
    local h = { ["Authorization"] = os.getenv("AUTH"), ["Content-Type"] = "application/json" }
    if sent % 2 == 1 then
      return wrk.format("POST", path, h,
        '{"shares":[{"organisation":"' .. org .. '","profile":"analyst"}]}')
    else
      return wrk.format("DELETE", path, h, '{"organisations":["' .. org .. '"]}')
    end
  end
  return wrk.request()
end

function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, bad, summary.requests))
end
