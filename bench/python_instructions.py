"""Instructions executed by each section of bench/python_cpu.py's workload, wasm against native,
counted by valgrind's callgrind: unlike times, the counts do not move with the host's load, so
they show a change of a few percent that timing noise hides (docs/wasm.md, "Speed").

Each side runs every section once, in its own process, and once with no section; the difference
is the section's count. The wasm side counts the code wasmtime compiled from python.wasm (the
mappings with no file behind them) and wasmtime's runtime (memory.copy and the like), not the
kernel's Python; the native side counts the whole process. Needs `valgrind` on the PATH; runs
two processes at a time, about 5 minutes in all.

    python -m bench.python_instructions [SECTION ...]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench._versus import geomean
from bench.python_cpu import WORKLOAD, native_python

NO_SECTION = "-"  # a section name that matches none: start-up and exit only
# the workload's own section names, in its order: `SECTIONS = {"recursion": ..., "loops": ...}`
SECTIONS = re.findall(r'"(\w+)": ', WORKLOAD[WORKLOAD.index("SECTIONS = {") :])
# callgrind_annotate's per-function lines: "  1,234 (12.3%)  file:function [object]"
LINE = re.compile(r"\s*([\d,]+) \([^)]*\)\s+(\S+) \[(.*)\]$")


def counted(obj: str, wasm: bool) -> bool:
    """Which code counts: on the wasm side, compiled wasm ("???") and wasmtime's runtime."""
    return not wasm or obj == "???" or obj.endswith("_libwasmtime.so")


def instructions(argv: list[str], cwd: Path, wasm: bool) -> int:
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}", *argv],
            cwd=cwd,
            env=dict(os.environ, PYTHONHASHSEED="0"),
            capture_output=True,
            check=True,
        )
        report = subprocess.run(
            ["callgrind_annotate", "--threshold=100", out.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return sum(
        int(m[1].replace(",", ""))
        for m in map(LINE.match, report.splitlines())
        if m and counted(m[3], wasm)
    )


def main() -> None:
    if not shutil.which("valgrind"):
        print("skipped: no valgrind on the PATH")
        return
    sections = sys.argv[1:] or SECTIONS
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        (home / "bench.py").write_text(WORKLOAD)
        sides = {
            "native": ([native_python(), "bench.py", "1"], False),
            # the `cowasm` CLI beside this Python: python3 under the kernel, home = cwd
            "wasm": (
                [str(Path(sys.executable).with_name("cowasm")), "python3", "bench.py", "1"],
                True,
            ),
        }
        with ThreadPoolExecutor(2) as pool:
            jobs = {
                (side, section): pool.submit(instructions, [*argv, section], home, wasm)
                for section in [NO_SECTION, *sections]
                for side, (argv, wasm) in sides.items()
            }
            base = {side: jobs[side, NO_SECTION].result() for side in sides}
            print(f"{'section':10s} {'native M':>9s} {'wasm M':>9s} {'ratio':>6s}")
            ratios = []
            for section in sections:
                n, w = (jobs[side, section].result() - base[side] for side in ("native", "wasm"))
                ratios.append(w / n)
                print(f"{section:10s} {n / 1e6:9.1f} {w / 1e6:9.1f} {w / n:5.2f}x", flush=True)
    print(f"geometric mean of instruction ratios: {geomean(ratios):.2f}x")
    print(f"start-up alone: native {base['native'] / 1e6:.0f}M, wasm {base['wasm'] / 1e6:.0f}M")


if __name__ == "__main__":
    main()
