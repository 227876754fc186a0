-- wrk script: POST pre-signed FIB login bodies, one per line of the file given after "--".
-- The bodies are signed once, before the run, so wrk spends no time on cryptography.
local bodies = {}
local next_body = 0

function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
end

wrk.method = "POST"
wrk.path = "/auth/api/v1/authentication-management/session"
wrk.headers["Content-Type"] = "application/json"

-- WRK_DELAY_MS paces each connection (a pause before each request) for the latency phase.
-- It must be decided here, at load time: wrk looks for delay() before init() runs.
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "")
if pause then
  function delay()
    return pause
  end
end

function request()
  next_body = next_body % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[next_body])
end
