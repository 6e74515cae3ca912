"""numpy in the machine's python3 against the host's native numpy of the same version (1.24.2,
the test venv's; native uses its wheel's OpenBLAS and SIMD loops, the wasm build numpy's own
lapack_lite and plain C). A few common operations, each timed in-process (best of REPEAT), the
two sides alternating for ROUNDS turns; prints times and ratios, and the geometric mean.
"""

from __future__ import annotations

import sys

from bench._versus import TIME_SECTIONS, best, geomean, race_python

REPEAT = 3
ROUNDS = 3
WORKLOAD = (
    r"""
import json, sys, time
t = time.perf_counter()
import numpy as np
imported = time.perf_counter() - t
rng = np.random.default_rng(0)
a = rng.random((200, 200)); b = rng.random(200); v = rng.random(1_000_000)
SECTIONS = {
    "matmul 200x200": lambda: a @ a,
    "solve 200x200": lambda: np.linalg.solve(a, b),
    "inv 100x100": lambda: np.linalg.inv(a[:100, :100]),
    "eig 60x60": lambda: np.linalg.eig(a[:60, :60]),
    "fft 2**16": lambda: np.fft.fft(v[:65536]),
    "random 1e6": lambda: rng.random(1_000_000),
    "normal 1e6": lambda: rng.standard_normal(1_000_000),
    "sin 1e6": lambda: np.sin(v),
    "arith 1e6": lambda: (v * 2.0 + 1.0) / (v + 3.0),
    "sum 1e6": lambda: v.sum(),
    "sort 1e6": lambda: np.sort(v),
    "linspace+cumsum": lambda: np.cumsum(np.linspace(0, 1, 1_000_000)),
}
best = {"import numpy": imported}
"""
    + TIME_SECTIONS
)


def main() -> None:
    rounds = race_python(WORKLOAD, sys.executable, REPEAT, ROUNDS)
    native, wasm = best(rounds)
    print(f"{'operation':18} {'native ms':>10} {'wasm ms':>9} {'ratio':>7}")
    for k in native:
        ratio = wasm[k] / native[k]
        print(f"{k:18} {native[k] * 1e3:10.2f} {wasm[k] * 1e3:9.2f} {ratio:6.1f}x")
    ratios = [wasm[k] / native[k] for k in native if k != "import numpy"]
    print(f"geometric mean of ratios (without the import): {geomean(ratios):.1f}x")


if __name__ == "__main__":
    main()
