"""Python start-up: `python3 -c pass` and `-c "import json, re, decimal, sqlite3"`, wasm (warm:
compiled module cached and already loaded, a fresh instance per run) against the host's native
python3.11. Best of RUNS. The wasm side runs under wasmtime's built-in WASI (bench/_wasmpy.py).
"""

from __future__ import annotations

import subprocess
import time

from bench import _wasmpy
from bench.python_cpu import native_python

RUNS = 5
CASES = {"pass": "pass", "imports": "import json, re, decimal, sqlite3"}


def best(fn: object) -> float:
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    eng = _wasmpy.engine()
    t = time.perf_counter()
    module = _wasmpy.load(eng)
    print(f"module load (cached compile): {time.perf_counter() - t:.3f} s")
    native = native_python()
    for name, code in CASES.items():
        n = best(lambda c=code: subprocess.run([native, "-c", c], check=True))
        w = best(lambda c=code: _wasmpy.run(["-c", c], eng=eng, module=module))
        print(f"-c {name:8s} native {n * 1000:6.1f} ms  wasm {w * 1000:6.1f} ms  {w / n:5.1f}x")


if __name__ == "__main__":
    main()
