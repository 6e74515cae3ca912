"""Shared by the benchmarks that race a wasm program under the kernel against a native build of
the same source: each job runs `rounds` times on each side, alternating, so that load from other
work hits both; best times count, start-up included, and both sides must print the same."""

from __future__ import annotations

import json
import math
import subprocess
import tempfile
import time
from pathlib import Path

from server.sessions import batch
from server.sessions.vfs.hostdir import HostDir


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def race(jobs: dict[str, tuple[list[str], list[str]]], home: Path, rounds: int) -> None:
    """jobs: name -> (native argv, wasm argv), both run in `home` (the wasm side's
    /home/user). Prints each job's best times and ratio, then their geometric mean."""
    ratios = []
    print(f"{'job':20} {'wasm ms':>9} {'native ms':>10} {'ratio':>6}")
    for name, (native, wasm) in jobs.items():
        best = {"native": float("inf"), "wasm": float("inf")}
        outs: dict[str, bytes] = {}
        for _ in range(rounds):
            t = time.perf_counter()
            outs["native"] = subprocess.run(
                native, cwd=home, capture_output=True, check=True
            ).stdout
            best["native"] = min(best["native"], time.perf_counter() - t)
            t = time.perf_counter()
            outs["wasm"] = batch.run(wasm, HostDir(home)).stdout
            best["wasm"] = min(best["wasm"], time.perf_counter() - t)
        assert outs["wasm"] == outs["native"], (name, outs)
        ratios.append(best["wasm"] / best["native"])
        print(
            f"{name:20} {best['wasm'] * 1e3:9.1f} {best['native'] * 1e3:10.1f} {ratios[-1]:5.2f}x"
        )
    print(f"geometric mean: {geomean(ratios):.2f}x native")


# The end of every race_python workload: time each of its SECTIONS (name -> callable), best of
# argv[1] calls (only the names in argv[2:], if any), into its `best` dict, printed as JSON.
TIME_SECTIONS = r"""
for name, fn in SECTIONS.items():
    if sys.argv[2:] and name not in sys.argv[2:]:  # only these sections
        continue
    times = []
    for _ in range(int(sys.argv[1])):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    best[name] = min(times)
print(json.dumps(best))
"""


Rounds = dict[str, list[dict[str, float]]]  # "native"/"wasm" -> each round's {section: seconds}


def race_python(workload: str, native_python: str, repeat: int, rounds: int) -> Rounds:
    """Runs a Python `workload` (argv[1] = repeat; it prints {section: seconds} as JSON) with
    `native_python` and with the machine's python3, alternating, `rounds` times each."""
    found: Rounds = {"native": [], "wasm": []}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "bench.py")
        script.write_text(workload)
        for _ in range(rounds):
            native = subprocess.run(
                [native_python, str(script), str(repeat)], check=True, capture_output=True
            )
            found["native"].append(json.loads(native.stdout))
            r = batch.run(["/bin/python3", script.name, str(repeat)], HostDir(script.parent))
            if r.code:
                raise RuntimeError(f"wasm python exited {r.code}: {r.stderr.decode()[-2000:]}")
            found["wasm"].append(json.loads(r.stdout))
    return found


def best(rounds: Rounds) -> tuple[dict[str, float], dict[str, float]]:
    """Each section's best native and wasm time."""
    native = {k: min(r[k] for r in rounds["native"]) for k in rounds["native"][0]}
    return native, {k: min(r[k] for r in rounds["wasm"]) for k in native}
