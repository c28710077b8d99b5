-- wrk's side of benchmarks/crawl.py: the engine's crawl, request for request.
--
--   wrk -t2 -c16 -d3s -s benchmarks/crawl.lua URL -- MIX_FILE
--
-- MIX_FILE (written by crawl.py) has one request a line: "PATH<TAB>ACCEPT", ACCEPT
-- empty for none. Each connection cycles through the list from its own offset, so
-- the registry sees the engine's mix: the catalog page, the tag lists, the manifest
-- GETs with the full Accept list and the config blob GETs.

local requests = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("offset", counter)
end

function init(args)
   local file = assert(io.open(args[1], "r"))
   for line in file:lines() do
      local path, accept = line:match("^([^\t]+)\t?(.*)$")
      if path then
         local headers = {}
         if accept ~= "" then headers["Accept"] = accept end
         requests[#requests + 1] = wrk.format("GET", path, headers)
      end
   end
   file:close()
   assert(#requests > 0, "empty request mix")
   next_index = (tonumber(offset) or 0) * 997 % #requests
end

function request()
   next_index = next_index % #requests + 1
   return requests[next_index]
end
