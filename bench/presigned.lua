-- wrk script: one pre-signed Authorization header per request.
--
-- Usage: wrk -t T -c C -d D --latency -s bench/presigned.lua URL -- HEADERS_FILE T MODE [STATUS]
--
--   HEADERS_FILE  one Authorization header value per line (written by bench/signed_get.py);
--                 for MODE "post", "header<TAB>JSON body" per line (bench/writes.py)
--   T             the number of wrk threads (the same as -t)
--   MODE          "once": every header is used at most once (nonces are single-use; a
--                 thread that runs out stops and reports it), and every response but
--                 STATUS is counted (response() is defined). "post": the same, each line a
--                 signed POST with its JSON body. "static": for a server that ignores
--                 the header (the bare baseline): every request is the first line's bytes,
--                 built once, and responses are not parsed, so the load generator costs as
--                 little as it can; statuses >= 400 are still counted by wrk itself.
--   STATUS        the expected status (200)
--
-- Thread i takes lines i, i+T, i+2T, ... so no two threads ever send the same nonce.
-- done() prints one line "BENCH_RESULT {json}".

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   table.insert(threads, thread)
   next_id = next_id + 1
end

-- Per-thread state (each wrk thread runs its own Lua state).
local requests = {}
local bodies = {}
local method = "GET"
local expected = 200
local count = 0
local index = 0
local path = "/"
non200 = 0
statuses = ""
first_error = ""
exhausted = 0
loaded = 0

local status_counts = {}

function init(args)
   local file, nthreads, mode = args[1], tonumber(args[2]), args[3]
   if file == nil or nthreads == nil then
      error("usage: -- HEADERS_FILE THREADS once|static")
   end
   path = wrk.path
   expected = tonumber(args[4]) or 200
   if mode == "post" then
      method = "POST"
   end
   local line_no = 0
   for line in io.lines(file) do
      if line_no % nthreads == id then
         count = count + 1
         if mode == "post" then
            local tab = string.find(line, "\t", 1, true)
            requests[count] = string.sub(line, 1, tab - 1)
            bodies[count] = string.sub(line, tab + 1)
         else
            requests[count] = line
         end
      end
      line_no = line_no + 1
   end
   loaded = count
   if count == 0 then
      error("no pre-signed headers for thread " .. id .. " in " .. file)
   end
   if mode == "static" then
      -- wrk checks, after init, whether request is wrk.request (then it builds the
      -- request once) and whether response is a function (then it parses every one).
      local fixed = wrk.format("GET", path, { ["Authorization"] = requests[1] })
      wrk.request = function()
         return fixed
      end
      request = wrk.request
      response = nil
   elseif mode ~= "once" and mode ~= "post" then
      error("MODE must be once, post or static, got " .. tostring(mode))
   end
end

function request()
   index = index + 1
   if index > count then
      -- Out of unused nonces: stop this thread rather than replay one (a replay is a 401,
      -- and counts against the caller's failure limit). A request may still be sent for
      -- each connection of the stopping thread: an unauthenticated health check.
      exhausted = 1
      wrk.thread:stop()
      return wrk.format("GET", "/healthz")
   end
   if method == "POST" then
      local headers = { ["Authorization"] = requests[index], ["Content-Type"] = "application/json" }
      return wrk.format("POST", path, headers, bodies[index])
   end
   return wrk.format("GET", path, { ["Authorization"] = requests[index] })
end

function response(status, headers, body)
   if status ~= expected then
      non200 = non200 + 1
      status_counts[status] = (status_counts[status] or 0) + 1
      local parts = {}
      for code, n in pairs(status_counts) do
         table.insert(parts, code .. ":" .. n)
      end
      statuses = table.concat(parts, ",")
      if first_error == "" then
         first_error = status .. " " .. string.sub(body or "", 1, 300)
      end
   end
end

local function json_string(text)
   text = string.gsub(text, '[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. text .. '"'
end

function done(summary, latency, requests_stats)
   local total_non200, total_exhausted, total_loaded = 0, 0, 0
   local all_statuses, errors_seen = {}, {}
   for _, thread in ipairs(threads) do
      total_non200 = total_non200 + thread:get("non200")
      total_exhausted = total_exhausted + thread:get("exhausted")
      total_loaded = total_loaded + thread:get("loaded")
      local s = thread:get("statuses")
      if s ~= "" then
         table.insert(all_statuses, s)
      end
      local e = thread:get("first_error")
      if e ~= "" then
         table.insert(errors_seen, json_string(e))
      end
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"duration_us":%d,"requests":%d,"bytes":%d,'
         .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
         .. '"non200":%d,"statuses":%s,"first_errors":[%s],"exhausted_threads":%d,"headers_loaded":%d,'
         .. '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
      summary.duration, summary.requests, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      total_non200, json_string(table.concat(all_statuses, ",")), table.concat(errors_seen, ","),
      total_exhausted, total_loaded,
      latency.min, latency.mean, latency.max, latency.stdev,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)
   ))
end
