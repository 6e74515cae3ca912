"""Python start-up: `python3 -c pass` and `-c "import json, re, decimal, sqlite3"`, wasm (warm:
compiled module cached and already loaded, a fresh instance per run) against the host's native
python3.11. Best of RUNS. The wasm side is a whole fresh session machine each time, under the
kernel, running `/bin/python3 -c ...` (what a user's command costs).
"""

from __future__ import annotations

import subprocess
import tempfile
import time

from bench.python_cpu import native_python
from server.sessions import batch
from server.sessions.vfs.hostdir import HostDir

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
    home = HostDir(tempfile.mkdtemp())
    t = time.perf_counter()
    batch.run(["/bin/python3", "-c", "pass"], home)  # compiles or loads the cached module
    print(f"first run (module compile or cache load): {time.perf_counter() - t:.3f} s")
    native = native_python()
    for name, code in CASES.items():
        n = best(lambda c=code: subprocess.run([native, "-c", c], check=True))
        w = best(lambda c=code: batch.run(["/bin/python3", "-c", c], home))
        print(f"-c {name:8s} native {n * 1000:6.1f} ms  wasm {w * 1000:6.1f} ms  {w / n:5.1f}x")


if __name__ == "__main__":
    main()
