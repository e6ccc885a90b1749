-- Shared by the bench scripts: done() prints one machine-readable line.
--   BENCH_JSON {"requests": ..., "duration_us": ..., "non2xx": ..., ...}
-- wrk counts an answer with status >= 400 in errors.status: that is our non-2xx count.

function bench_report(summary, latency, extra)
   local e = summary.errors
   local fields = {
      string.format('"requests":%d', summary.requests),
      string.format('"duration_us":%d', summary.duration),
      string.format('"non2xx":%d', e.status),
      string.format('"connect_errors":%d', e.connect),
      string.format('"read_errors":%d', e.read),
      string.format('"write_errors":%d', e.write),
      string.format('"timeouts":%d', e.timeout),
      string.format('"p50_us":%d', latency:percentile(50)),
      string.format('"p99_us":%d', latency:percentile(99)),
   }
   for name, value in pairs(extra or {}) do
      fields[#fields + 1] = string.format('"%s":%d', name, value)
   end
   io.write("BENCH_JSON {" .. table.concat(fields, ",") .. "}\n")
end
