"""awk: wasm/dist/awk.wasm under the kernel against a native gcc -O2 build of the same source
(wasm/build/awk, fetched with `make -C wasm/awk test-sources` when missing), on one input file
of 300,000 lines (bench/_versus.py runs the race).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from bench._versus import race

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "wasm" / "build" / "awk"
ROUNDS = 5
LINES = 300_000
JOBS = {
    "sum a column": "{ s += $3 } END { print s }",
    "count words": "{ for (i = 1; i <= NF; i++) n[$i]++ } END { for (w in n) k++; print k }",
    "filter and printf": '$3 % 7 == 0 { printf "%-8s %6.2f\\n", $1, $3 / 7 }',
    "regex and gsub": '/user1[0-9]*/ { gsub(/[0-9]+/, "#"); c++ } END { print c }',
}


def native_awk(tmp: Path) -> Path:
    if not (SOURCE / "proctab.c").exists():
        subprocess.run(["make", "-C", str(ROOT / "wasm" / "awk"), "test-sources"], check=True)
    names = ["awkgram.tab", "proctab", "b", "main", "parse", "tran", "lib", "run", "lex"]
    exe = tmp / "native-awk"
    sources = [str(SOURCE / f"{n}.c") for n in names]
    subprocess.run(["gcc", "-O2", "-w", "-o", str(exe), *sources, "-lm"], check=True)
    return exe


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        native = str(native_awk(tmp))
        with (tmp / "data.txt").open("w") as f:
            for i in range(LINES):
                f.write(f"user{i % 1000} host{i % 97} {i % 10007} word{i % 13} tail\n")
        jobs = {
            name: ([native, program, "data.txt"], ["/bin/awk", program, "data.txt"])
            for name, program in JOBS.items()
        }
        race(jobs, tmp, ROUNDS)


if __name__ == "__main__":
    main()
