-- A self-checking tour of Lua 5.4's standard library for tests/test_lua.py: the asserts hold
-- on any correct Lua 5.4, and the printed lines are compared with Debian's native lua5.4.
local checks = 0
local function eq(got, want)
  checks = checks + 1
  if got ~= want then
    error(string.format('check %d: got %q, want %q', checks, tostring(got), tostring(want)), 2)
  end
end

-- string.format, tostring and number parsing
for _, f in ipairs{'%d', '%5.2f', '%-8.3e', '%g', '%.17g', '%a', '%x', '%X', '%o', '%c', '%i'} do
  local v = f == '%c' and 65 or (f:find'[dxXoci]' and 255 or 1234.5678)
  print(f, string.format(f, v))
end
print(string.format('%q', 'tab\there\0nul\n"q"'), string.format('%q', math.mininteger))
print(string.format('%q', 1/0), string.format('%q', 0/0 ~= 0/0), string.format('%10.4s|', 'abcdefg'))
eq(tostring(1e100), '1e+100'); eq(tostring(-0.0), '-0.0'); eq(tostring(2^63), '9.2233720368548e+18')
eq(tonumber('0x10'), 16); eq(tonumber('  12  '), 12); eq(tonumber('1e2'), 100.0)
eq(tonumber('z', 36), 35); eq(tonumber('10', 2), 2); eq(tonumber('0x1p4'), 16.0)
eq(tonumber('1e'), nil); eq(math.tointeger(8.5), nil); eq(8 // 0.0, math.huge)
eq(string.format('%.3f', 2.0005), '2.001') -- the nearest double is above 2.0005
eq(string.format('%5.1f', 0.05), '  0.1')
eq(('%d'):format(3.0), '3'); eq(pcall(string.format, '%d', 3.5), false)

-- integers: wrap-around, division, comparisons across types, conversions
eq(math.maxinteger + 1, math.mininteger); eq(math.mininteger // -1, math.mininteger)
eq(7 // -2, -4); eq(-7 % 3, 2); eq(7.5 % -2, -0.5); eq(1 < 1.5, true); eq(2^53 == 2^53 + 1, true)
eq(math.ult(1, -1), true); eq(3 & 5 | 8 ~ 1, 9); eq(1 << 64, 0); eq(-1 >> 63, 1)
eq(math.fmod(-7, 3), -1); eq(math.fmod(7, -3), 1); eq(select(2, math.modf(3.7)) > 0.69, true)
eq(math.floor(-3.5), -4); eq(math.ceil(-3.5), -3); eq(math.abs(math.mininteger), math.mininteger)
eq(math.max(1, 5.5, 3), 5.5); eq(math.min(2, -1), -1); eq(math.sqrt(16), 4.0)
eq(math.log(8, 2), 3.0); eq(math.log(100, 10), 2.0); eq(math.exp(0), 1.0)
print(math.sin(1), math.cos(1), math.tan(1), math.atan(1, 2), math.log(2), math.exp(1))
print(math.pi * 1e10, 1/3 * 3, 0.1 + 0.2, 100 * 1.1, 2^-1074, 1.7976931348623157e308)
math.randomseed(7); local r = {}; for i = 1, 5 do r[i] = math.random(1000) end
print(table.concat(r, ' '), math.random(3, 4) >= 3, math.random() < 1)

-- strings: patterns, gsub with tables and functions, gmatch, byte/char, pack
eq(('hello'):find('l'), 3); eq(('hello'):find('l', 1, true), 3); eq(('a.b'):find('.', 1, true), 2)
eq(('key = value'):match('^(%w+)%s*=%s*(%w+)$'), 'key')
eq(select(2, ('abc abc'):gsub('b', {b = 'B'})), 2)
eq(('hello world'):gsub('o', function(c) return c:upper() end), 'hellO wOrld')
eq(('THE (quick) fox'):gsub('%((%w+)%)', '<%1>'), 'THE <quick> fox')
eq(('  trim  '):match('^%s*(.-)%s*$'), 'trim'); eq(('x'):rep(3, ','), 'x,x,x')
eq(('%bxy'):len(), 4); eq(('f(a(b)c)d'):match('%b()'), '(a(b)c)'); eq(('THE'):lower(), 'the')
eq(('hello'):byte(-1), 111); eq(string.char(72, 105), 'Hi'); eq(('abc'):sub(-2), 'bc')
eq(select(2, ('THE (quick) fox'):gsub('%f[%a]%a+', '')), 3)
local words = {}; for w in ('one two  three'):gmatch('%a+') do words[#words + 1] = w end
eq(table.concat(words, '|'), 'one|two|three')
local packed = string.pack('<i2 >I4 z s1 d', -2, 0x01020304, 'zs', 'len', 1.5)
eq(#packed, 2 + 4 + 3 + 4 + 8); print(string.unpack('<i2 >I4 z s1 d', packed))
eq(string.packsize('i4 i8 d'), 20); eq(pcall(string.rep, 'x', -1), true)

-- utf8
eq(utf8.char(0x48, 0x10FFFF):len(), 5); eq(utf8.len('\xff'), nil)
local cps = {}; for _, c in utf8.codes('añ€😀') do cps[#cps + 1] = c end
eq(table.concat(cps, ','), '97,241,8364,128512'); eq(utf8.offset('añ€😀', 4), 7)
eq(utf8.codepoint('añ€', 1, -1), 97); eq(#utf8.charpattern, 14)

-- tables
local t = {3, 1, 2}; table.insert(t, 4); table.insert(t, 1, 0); eq(table.concat(t, ''), '03124')
eq(table.remove(t), 4); eq(table.remove(t, 1), 0); eq(#t, 3)
eq(table.concat(table.move({1, 2, 3}, 1, 3, 2, {9}), ','), '9,1,2,3')
eq(table.pack(1, nil, 3).n, 3); eq(select('#', table.unpack({1, nil, 3}, 1, 3)), 3)
local big = {}; for i = 1, 2000 do big[i] = (i * 7919) % 2003 end
table.sort(big); for i = 2, #big do assert(big[i - 1] <= big[i]) end
local names = {'bob', 'Ada', 'cy', 'Di'}; table.sort(names, function(a, b) return a:lower() < b:lower() end)
eq(table.concat(names, ' '), 'Ada bob cy Di'); eq(next({}), nil); eq(rawlen({1, 2}), 2)

-- metatables, closures, varargs, goto, to-be-closed variables, integer for loops
local V = {}
V.__index = V; V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end
V.__eq = function(a, b) return a.x == b.x end; V.__lt = function(a, b) return a.x < b.x end
V.__le = function(a, b) return a.x <= b.x end; V.__len = function(a) return a.x end
V.__tostring = function(a) return 'V(' .. a.x .. ')' end; V.__call = function(a, k) return a.x * k end
V.__concat = function(a, b) return tostring(a) .. tostring(b) end
local a, b = setmetatable({x = 1}, V), setmetatable({x = 2}, V)
eq(tostring(a + b), 'V(3)'); eq(a < b, true); eq(a <= b, true); eq(a == setmetatable({x = 1}, V), true)
eq(#b, 2); eq(b(21), 42); eq(a .. b, 'V(1)V(2)'); eq(rawequal(a, setmetatable({x = 1}, V)), false)
local counters = {}; for i = 1, 3 do counters[i] = function() i = i + 10; return i end end
eq(counters[2](), 12); eq(counters[2](), 22); eq(counters[3](), 13)
local function va(...) return select('#', ...), ... end; eq(va(nil, nil), 2); eq(select(-1, 1, 2, 3), 3)
local n = 0; ::top:: n = n + 1; if n < 5 then goto top end; eq(n, 5)
local log = {}
do
  local x <close> = setmetatable({}, {__close = function() log[#log + 1] = 'closed' end})
  local k <const> = 10; log[#log + 1] = k
end
eq(table.concat(log, ' '), '10 closed')
local steps = 0; for i = math.maxinteger - 2, math.maxinteger do steps = steps + 1 end; eq(steps, 3)
local fsteps = 0; for x = 1, 2, 0.25 do fsteps = fsteps + 1 end; eq(fsteps, 5)

-- load, environments, string.dump, errors with levels and non-string values
local env = {y = 5}; eq(load('return y * 2', 'chunk', 't', env)(), 10)
eq(load(string.dump(function(p) return p .. '!' end))('dumped'), 'dumped!')
eq(select(2, load('x = ')), [[[string "x = "]:1: unexpected symbol near <eof>]])
local ok, e = pcall(function() error({code = 7}) end); eq(e.code, 7)
ok, e = pcall(function() local function inner() error('lvl', 2) end inner() end)
print(e)
ok, e = pcall(function() return 1 + {} end); print(e)
ok, e = pcall(function() return #nil end); print(e)
ok, e = pcall(function() return ('x'):bad() end); print(e)
print(select(2, xpcall(function() error('deep') end, debug.traceback)))

-- garbage collection and weak tables
local weak = setmetatable({}, {__mode = 'k'}); weak[{}] = 1; collectgarbage(); eq(next(weak), nil)
local finalized = false; setmetatable({}, {__gc = function() finalized = true end}); collectgarbage()
eq(finalized, true); eq(collectgarbage('isrunning'), true); eq(type(collectgarbage('count')), 'number')

-- coroutines: wrap, status, yield across pcall, close
local co = coroutine.create(function(x)
  local y = coroutine.yield(x + 1)
  local ok2, v = pcall(function() return coroutine.yield(y * 2) end)
  return ok2, v
end)
eq(select(2, coroutine.resume(co, 1)), 2); eq(select(2, coroutine.resume(co, 5)), 10)
print(coroutine.resume(co, 'back')); eq(coroutine.status(co), 'dead')
local cl = coroutine.create(function() local z <close> = setmetatable({}, {__close = function()
  log[#log + 1] = 'co closed' end}) coroutine.yield() end)
coroutine.resume(cl); eq(coroutine.close(cl), true); eq(log[#log], 'co closed')

-- os and io that do not depend on the clock or the machine
eq(os.date('!%Y-%m-%d %H:%M:%S', 86400 * 365), '1971-01-01 00:00:00')
eq(os.date('!*t', 0).year, 1970); eq(os.time({year = 2000, month = 1, day = 1, hour = 12}) > 0, true)
eq(type(os.clock()), 'number'); eq(os.getenv('NO_SUCH_VARIABLE_HERE'), nil)
local name = os.tmpname(); local f = assert(io.open(name, 'w'))
f:write('1 2.5 0x10\nline two\n', 3, ' ', 4.5, '\n'); f:close()
f = assert(io.open(name)); print(f:read('n', 'n', 'n', 'l', 'L', 'n', 'n', 'l'))
eq(f:seek('set', 2), 2); eq(f:read(3), '2.5'); eq(f:seek('end'), 26); f:close()
eq(io.type(f), 'closed file'); eq(select(2, pcall(f.read, f)), 'attempt to use a closed file')
for l1, n1 in io.lines(name, 'l', 'n') do print(l1, n1) break end
eq(os.remove(name), true); eq(io.type(io.stdout), 'file')

print('checks', checks, 'OK')
