-- GET task_status of one task, as its owner.
--   wrk -t1 -c32 -d10s -s status.lua http://127.0.0.1:PORT/codvid-ai/ig-tracking/task_status/ID -- TOKEN
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

function init(args)
   wrk.headers["Authorization"] = "Bearer " .. args[1]
end

function done(summary, latency)
   bench_report(summary, latency)
end
