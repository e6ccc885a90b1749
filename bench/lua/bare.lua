-- GET the bare app's route; nothing to add but the report.
--   wrk -t1 -c32 -d10s -s bare.lua http://127.0.0.1:PORT/ping
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

function done(summary, latency)
   bench_report(summary, latency)
end
