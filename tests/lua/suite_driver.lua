-- Runs one case of Lua's test suite (tests/lua_suite.py) as fengari's harness loaded it: the
-- chunk in a file, under the chunk name it had (luaL_loadstring names a chunk by its own source).
-- Usage: lua suite_driver.lua CASE.lua [CHUNKNAME]
local path, chunkname = ...
local file = assert(io.open(path, "rb"))
local source = file:read("a")
file:close()
arg = nil -- fengari's state had no lua.c 'arg'
local chunk = assert(load(source, chunkname or source))
chunk()
