"""lua: wasm/dist/lua.wasm under the kernel against Debian's native amd64 lua5.4 of the same
source (unpacked into wasm/build/lua-native by `make -C wasm/lua native`), on small CPU-bound
programs; bench/_versus.py runs the race (start-up included, best of ROUNDS)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from bench._versus import race

ROOT = Path(__file__).resolve().parents[1]
NATIVE = ROOT / "wasm" / "build" / "lua-native"
ROUNDS = 5
JOBS = {
    "fib(30)": "local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end"
    " print(fib(30))",
    "string ops": "local t = {} for i = 1, 200000 do t[#t+1] = ('item%d'):format(i):upper()"
    " end local s = table.concat(t, ' ') local n = select(2, s:gsub('ITEM(%d*7)', '%1'))"
    " print(#s, n, s:find('ITEM199999', 1, true), #s:rep(3):reverse())",
    "table sort": "math.randomseed(42) local t = {} for i = 1, 300000 do t[i] = math.random(1e9)"
    " end table.sort(t) local c = 0 for i = 1, #t, 1000 do c = (c + t[i]) % 1000003 end print(c)",
    "float format": "local s = 0 for i = 1, 200000 do s = s + #string.format('%.6g %.3f', i / 7,"
    " math.sin(i)) end print(s)",
}


def main() -> None:
    lua = NATIVE / "usr" / "bin" / "lua5.4"
    if not lua.exists():
        subprocess.run(["make", "-C", str(ROOT / "wasm" / "lua"), "native"], check=True)
    libs = ":".join(str(p) for p in (NATIVE / "usr" / "lib").iterdir())
    native = ["env", f"LD_LIBRARY_PATH={libs}", str(lua)]
    jobs = {name: ([*native, "-e", p], ["/bin/lua", "-e", p]) for name, p in JOBS.items()}
    with tempfile.TemporaryDirectory() as tmp:
        race(jobs, Path(tmp), ROUNDS)


if __name__ == "__main__":
    main()
