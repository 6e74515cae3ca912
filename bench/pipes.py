"""Pipes of small writes (issue 20), each against the same pipeline run natively (the host's
dash, coreutils and CPython) in the same run; `kernel`'s pipe figure is the big-write case.

- python -u: 20,000 lines printed unbuffered (a write each) into `wc -l`.
- dd bs=64 and bs=2: 100,000 writes of 64 bytes, 200,000 of 2, from /dev/zero into `wc -c`.
- yes | head -c 50 MB | wc -c: toybox yes writes 64 KiB buffers of its line (wasm/toybox patch
  0013; upstream's line-buffered yes made 25 million 2-byte writes), GNU yes 8 KiB ones; run
  once a side.

    python -m bench pipes              (BENCH_YES_MB=2 for a shorter yes pipeline)
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from server.sessions import batch
from server.sessions.vfs.hostdir import HostDir

from ._versus import race

JOBS = {
    "python -u | wc -l": "python3 -u -c 'for i in range(20000): print(i)' | wc -l",
    "dd bs=64 | wc -c": "dd if=/dev/zero bs=64 count=100000 2>/dev/null | wc -c",
    "dd bs=2 | wc -c": "dd if=/dev/zero bs=2 count=200000 2>/dev/null | wc -c",
}


def yes_head(home: Path, mb: int) -> None:
    script = f"yes | head -c {mb * 1_000_000} | wc -c"
    t = time.perf_counter()
    native = subprocess.run(["sh", "-c", script], cwd=home, capture_output=True, check=True)
    native_s = time.perf_counter() - t
    t = time.perf_counter()
    ours = batch.run(["/bin/sh", "-c", script], HostDir(home))
    ours_s = time.perf_counter() - t
    assert ours.stdout == native.stdout, (ours.stdout, native.stdout)
    print(
        f"yes | head -c {mb} MB | wc -c: ours {ours_s * 1000:.0f} ms, native (GNU yes) "
        f"{native_s * 1000:.0f} ms, {ours_s / native_s:.2f}x native"
    )


def main() -> None:
    mb = int(os.environ.get("BENCH_YES_MB", "50"))
    with tempfile.TemporaryDirectory() as d:
        home = Path(d)
        batch.run(["/bin/sh", "-c", "true"], HostDir(home))  # warm the module cache
        race({name: (["sh", "-c", s], ["/bin/sh", "-c", s]) for name, s in JOBS.items()}, home, 3)
        yes_head(home, mb)


if __name__ == "__main__":
    main()
