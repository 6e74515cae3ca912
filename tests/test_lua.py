"""Lua 5.4 (wasm/dist/lua.wasm) on the real machine: programs print what Debian's own lua5.4 of
the same source prints (unpacked by `make -C wasm/lua native`; without it, the fixed expected
outputs still apply), a tour of the standard library checks itself, scripts read and write
files in /home/user, io reads pipes, os.exit, os.execute and io.popen work through the kernel,
errors carry tracebacks, and the interactive prompt runs on the kernel's line editor with
Ctrl-C stopping a runaway loop."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from kernel_helpers import run, sh
from lua_native import native_lua, run_native
from test_interactive import Terminal

from server.sessions.session import Limits

ROOT = Path(__file__).resolve().parents[1]

# name -> (program for `lua -e`, its output): fixed Lua 5.4 semantics, also checked natively.
PROGRAMS = {
    "rep, power, pi": ("print(('x'):rep(3), 2^10, math.pi)", "xxx\t1024.0\t3.1415926535898\n"),
    "string.format of floats": (
        "print(string.format('%.3f|%g|%e|%5.1f|%a|%.14g|%q', math.pi, 1e20, 12345.678, -0.05,"
        " 1.0, 0.1, 0.1), 1/3, -0.0, 1e300 * 1e10, 2^63, 100 / 2, 3 // 0.0)",
        "3.142|1e+20|1.234568e+04| -0.1|0x1p+0|0.1|0x1.999999999999ap-4"
        "\t0.33333333333333\t-0.0\tinf\t9.2233720368548e+18\t50.0\tinf\n",
    ),
    "integers and floats": (
        "print(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger,"
        " 7 // 2, 7.0 // 2, -7 // 2, 7 % -3, -7.5 % 2, 1e15, 2^53 + 1, math.tointeger(3.0),"
        " 10 == 10.0, math.type(1), math.type(1.0), 0x7fffffffffffffff, '10' + 1, 3 | 5, ~0)",
        "9223372036854775807\t-9223372036854775808\ttrue\t3\t3.0\t-4\t-2\t0.5\t1e+15"
        "\t9.007199254741e+15\t3\ttrue\tinteger\tfloat\t9223372036854775807\t11\t7\t-1\n",
    ),
    "pcall and error values": (
        "print(pcall(error, 'plain', 0)); print(pcall(error, 'where'));"
        " print(select(2, pcall(error, setmetatable({}, {__tostring = function() return 'obj'"
        " end}))));"
        " print(xpcall(function() local t = nil; return t.x end, function(m) return 'H: ' .. m"
        " end)); print(pcall(string.rep)); print(select('#', pcall(print)))",
        "false\tplain\nfalse\twhere\nobj\n"
        "false\tH: (command line):1: attempt to index a nil value (local 't')\n"
        "false\tbad argument #1 to 'string.rep' (string expected, got no value)\n\n1\n",
    ),
    "coroutines": (
        "local gen = coroutine.wrap(function(n) for i = 1, n do coroutine.yield(i * i) end"
        " return 'done' end); print(gen(4), gen(), gen(), gen(), gen());"
        " local co = coroutine.create(function(a, b) local c = coroutine.yield(a + b);"
        " error('in co ' .. c) end); print(coroutine.resume(co, 1, 2));"
        " print(coroutine.resume(co, 'x')); print(coroutine.status(co), coroutine.resume(co));"
        " print(coroutine.isyieldable(), select(2, coroutine.running()))",
        "1\t4\t9\t16\tdone\ntrue\t3\nfalse\t(command line):1: in co x\n"
        "dead\tfalse\tcannot resume dead coroutine\nfalse\ttrue\n",
    ),
    "strings, patterns, utf8, tables": (
        "print(('hello world from lua'):gsub('(%w+)', '<%1>')); print(('k=v, a=b'):match"
        "('(%w+)=(%w+)$')); print(utf8.char(72, 228, 8364, 128512), utf8.len('häll€'),"
        " #'€'); local t = {5, 2, 8, 1, 9}; table.sort(t, function(a, b) return a > b end);"
        " print(table.concat(t, ','), table.unpack({1, 2, 3})); print(string.pack('>i4', 258)"
        ":byte(1, -1)); print(('%5s|%-5s|%05d'):format('ab', 'cd', 42), ('abc'):upper():reverse())",
        "<hello> <world> <from> <lua>\t4\na\tb\nHä€😀\t5\t3\n9,8,5,2,1\t1\t2\t3\n0\t0\t1\t2\n"
        "   ab|cd   |00042\tCBA\n",
    ),
    "os.execute and io.popen": (
        "print(os.execute('exit 3')); print(os.execute()); local p = io.popen('echo hi;"
        " echo there'); io.write(p:read('a')); print(p:close()); local w = io.popen('wc -l', 'w');"
        " w:write('a\\nb\\nc\\n'); print(w:close())",
        "nil\texit\t3\ntrue\nhi\nthere\ntrue\texit\t0\n3\ntrue\texit\t0\n",
    ),
}
TRACEBACK = (
    "lua: (command line):1: boom\nstack traceback:\n\t[C]: in function 'error'\n"
    "\t(command line):1: in local 'f'\n\t(command line):1: in main chunk\n\t[C]: in ?\n"
)


@pytest.fixture(scope="module")
def native() -> Path | None:
    """Debian's native lua5.4, or None when it cannot be fetched."""
    return native_lua()


@pytest.mark.parametrize("name", PROGRAMS)
def test_programs_print_what_native_lua_prints(
    name: str, native: Path | None, tmp_path: Path
) -> None:
    program, expected = PROGRAMS[name]
    assert sh(f"lua -e {quote(program)}", tmp_path) == (0, expected, "")
    if native is not None:
        assert run_native(native, ["-e", program], tmp_path) == (0, expected, "")


def quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def test_conformance_script_matches_native_lua(native: Path | None, tmp_path: Path) -> None:
    """tests/lua/conformance.lua: 117 self-checks over the standard library, and its printed
    values (number formatting, pack, math functions, error messages) as native Lua has them."""
    shutil.copy(ROOT / "tests" / "lua" / "conformance.lua", tmp_path)
    code, out, err = run(["/bin/lua", "conformance.lua"], tmp_path)
    assert (code, err) == (0, "") and out.endswith("checks\t117\tOK\n"), out + err
    if native is not None:
        assert run_native(native, ["conformance.lua"], tmp_path) == (0, out, "")


def test_version_and_lua54_alias(tmp_path: Path) -> None:
    code, out, _ = sh("lua -v && lua5.4 -e 'print(_VERSION)'", tmp_path)
    assert (code, out) == (0, "Lua 5.4.4  Copyright (C) 1994-2022 Lua.org, PUC-Rio\nLua 5.4\n")


def test_error_traceback_and_exit_status(native: Path | None, tmp_path: Path) -> None:
    program = "local function f() error('boom') end f()"
    assert sh(f"lua -e {quote(program)}", tmp_path) == (1, "", TRACEBACK)
    if native is not None:
        assert run_native(native, ["-e", program], tmp_path) == (1, "", TRACEBACK)
    (tmp_path / "bad.lua").write_text("x = = 1\n")
    code, _, err = sh("lua bad.lua", tmp_path)
    assert (code, err) == (1, "lua: bad.lua:1: unexpected symbol near '='\n")


def test_os_exit_status(tmp_path: Path) -> None:
    script = (
        "lua -e 'os.exit(3)'; echo $?; lua -e 'os.exit(true)'; echo $?;"
        " lua -e 'os.exit(false)'; echo $?; lua -e 'io.write(\"unflushed\") os.exit(7, true)';"
        ' echo " $?"'
    )
    assert sh(script, tmp_path)[1] == "3\n0\n1\nunflushed 7\n"


def test_scripts_read_and_write_files_in_home(tmp_path: Path) -> None:
    (tmp_path / "marks.txt").write_text("ada 91.5\nbob 58\ncy 73.25\n")
    (tmp_path / "stats.lua").write_text("return {mean = function(t, n) return t / n end}\n")
    (tmp_path / "report.lua").write_text(
        "local stats = require('stats')\n"
        "local total, n = 0, 0\n"
        "for line in io.lines(arg[1]) do\n"
        "  local name, mark = line:match('(%a+) ([%d.]+)')\n"
        "  total, n = total + tonumber(mark), n + 1\n"
        "end\n"
        "local f = assert(io.open('report.txt', 'w'))\n"
        "f:write(string.format('%d pupils, mean %.2f\\n', n, stats.mean(total, n)))\n"
        "f:close()\n"
        "local tmp = io.tmpfile(); tmp:write('scratch'); tmp:seek('set'); print(tmp:read('a'))\n"
        "print(io.open('missing.txt'))\n"
        "print(os.rename('report.txt', 'final.txt'), os.remove('nothere'))\n"
        "print(#arg, arg[0], ...)\n"
    )
    code, out, err = sh("lua report.lua marks.txt extra", tmp_path)
    assert (code, err) == (0, "")
    # The error numbers are WASI's: ENOENT is 44 (Linux: 2).
    assert out == (
        "scratch\nnil\tmissing.txt: No such file or directory\t44\n"
        "true\tnil\tnothere: No such file or directory\t44\n2\treport.lua\tmarks.txt\textra\n"
    )
    assert (tmp_path / "final.txt").read_text() == "3 pupils, mean 74.25\n"


def test_io_read_from_a_pipe(native: Path | None, tmp_path: Path) -> None:
    program = (
        "local a, b = io.read('n', 'n'); print(a + b, math.type(a), math.type(b));"
        " print(io.read('L')); local n = 0; for line in io.lines() do n = n + #line end;"
        " print(n, io.read('a') == '', io.read('l'))"
    )
    code, out, _ = sh(f"printf '3 4.5\\nrest\\nab\\ncde' | lua -e {quote(program)}", tmp_path)
    expected = "7.5\tinteger\tfloat\n\n\n9\ttrue\tnil\n"
    assert (code, out) == (0, expected)
    if native is not None:
        stdin = b"3 4.5\nrest\nab\ncde"
        assert run_native(native, ["-e", program], tmp_path, stdin)[:2] == (0, expected)
    assert sh("seq 100 | lua -e 'local s = 0 for l in io.lines() do s = s + l end print(s)'",
              tmp_path)[1] == "5050\n"  # fmt: skip


def test_memory_limit_and_missing_script_are_clean_errors(tmp_path: Path) -> None:
    script = (
        "lua -e 'local t = {} for i = 1, 1e9 do t[i] = i end'; echo status $?;"
        " lua -e 'print(pcall(string.rep, \"x\", 1 << 30))'; lua nonexist.lua; echo $?"
    )
    code, out, err = sh(script, tmp_path, limits=Limits(memory_bytes=64 << 20))
    assert (code, out) == (0, "status 1\nfalse\tnot enough memory\n1\n")
    assert err == (
        "lua: not enough memory\nlua: cannot open nonexist.lua: No such file or directory\n"
    )


def test_lua_reads_a_script_from_stdin(tmp_path: Path) -> None:
    code, out, _ = run(["/bin/lua", "-", "a"], tmp_path, stdin=b"print(..., #arg)\n")
    assert (code, out) == (0, "a\t1\n")


def test_interactive_prompt_and_ctrl_c(tmp_path: Path) -> None:
    term = Terminal(tmp_path)
    try:
        term.expect("$ ")
        term.type("lua\r")
        term.expect("Lua 5.4.4")
        term.expect("> ")
        term.type("x = 6 *\r")  # an incomplete statement continues on a '>>' line
        term.expect(">> ")
        term.type("7\r")
        term.expect("> ")
        term.type("x, 'y'\r")  # an expression prints its values
        term.expect("42\ty\r\n")
        term.type("while true do end\r")
        term.expect("while true do end\r\n")
        time.sleep(0.5)
        term.type("\x03")
        term.expect("interrupted!")
        term.expect("> ")
        term.type("print(x + 1)\r")
        term.expect("43\r\n")
        term.type("\x04")  # end of input leaves the interpreter
        term.expect("$ ")
        assert term.exited is None
    finally:
        term.session.stop()
