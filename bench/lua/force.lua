-- POST force_scrape for a new idle task on every request, so every answer is a 200
-- (a task whose run is still active answers 409).
--   wrk -tN -c32 -d10s -s force.lua http://127.0.0.1:PORT/codvid-ai/ig-tracking/force_scrape/ -- FILE N
-- FILE has one "TASK_ID TOKEN" a line; thread k of N takes lines k, k+N, k+2N, ...
-- If a thread runs out of tasks it starts over (those answers are 409s, counted as
-- non-2xx), and done() reports "wrapped" > 0.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

local threads = {}
local created = 0

function setup(thread)
   thread:set("tid", created)
   created = created + 1
   table.insert(threads, thread)
end

function init(args)
   local nthreads = tonumber(args[2])
   ids, tokens, issued, line = {}, {}, 0, 0
   for text in io.lines(args[1]) do
      if line % nthreads == tid then
         local id, token = text:match("^(%S+)%s+(%S+)$")
         ids[#ids + 1] = id
         tokens[#tokens + 1] = token
      end
      line = line + 1
   end
   available = #ids
end

function request()
   issued = issued + 1
   local i = (issued - 1) % available + 1
   return wrk.format("POST", wrk.path .. ids[i], { ["Authorization"] = "Bearer " .. tokens[i] })
end

function done(summary, latency)
   local issued_total, wrapped, available_total = 0, 0, 0
   for _, thread in ipairs(threads) do
      local issued_here = thread:get("issued")
      local available_here = thread:get("available")
      issued_total = issued_total + issued_here
      available_total = available_total + available_here
      if issued_here > available_here then
         wrapped = wrapped + issued_here - available_here
      end
   end
   bench_report(summary, latency,
      { issued = issued_total, available = available_total, wrapped = wrapped })
end
