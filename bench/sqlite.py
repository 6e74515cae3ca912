"""sqlite3: wasm/dist/sqlite3.wasm under the kernel against a native gcc -O2 build of the same
shell.c and amalgamation, with the same compile options (wasm/build/deps-obj/sqlite, left there
by `make -C wasm/deps`; the bench says so and stops when it is missing). Each job is one run of
the shell on an in-memory database (bench/_versus.py runs the race).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from bench._versus import race

ROOT = Path(__file__).resolve().parents[1]
AMALGAMATION = ROOT / "wasm" / "build" / "deps-obj" / "sqlite"
DEFINES = [
    "-DSQLITE_THREADSAFE=0",
    "-DSQLITE_OMIT_LOAD_EXTENSION",
    "-DSQLITE_OMIT_WAL",
    "-DSQLITE_ENABLE_FTS5",
    "-DSQLITE_ENABLE_JSON1",
    "-DSQLITE_ENABLE_MATH_FUNCTIONS",
    "-DHAVE_PREAD=1",
    "-DHAVE_PWRITE=1",
    "-DSQLITE_TEMP_STORE=2",
]  # fmt: skip (wasm/deps/Makefile's)
ROUNDS = 5
TABLE = (
    "create table t as with recursive n(i) as (select 1 union all select i + 1 from n"
    " where i < 200000) select i, i % 97 as k, printf('name%06d', (i * 7919) % 200000) as s,"
    " i * 1.5 as f from n;"
)
JOBS = {
    "insert 200k rows": "select count(*) from t;",
    "group by": "select k, count(*), sum(f), max(s) from t group by k order by 3 desc limit 3;",
    "sort text": "select s from t order by s limit 1 offset 100000;",
    "index and join": "create index tk on t(k); select count(*) from t a join t b"
    " on a.k = b.k where a.i < 300 and b.i < 3000;",
    "json and printf": "select length(json_group_array(json_object('i', i, 's', s)))"
    " from t where i % 3 = 0;",
}


def native_shell(tmp: Path) -> Path | None:
    if not (AMALGAMATION / "shell.c").exists():
        return None
    exe = tmp / "sqlite3-native"
    sources = [str(AMALGAMATION / "shell.c"), str(AMALGAMATION / "sqlite3.c")]
    subprocess.run(
        ["gcc", "-O2", "-w", *DEFINES, f"-I{AMALGAMATION}", "-o", str(exe), *sources, "-lm"],
        check=True,
    )
    return exe


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        native = native_shell(tmp)
        if native is None:
            print(f"no {AMALGAMATION}/shell.c: run `make -C wasm/deps` first")
            return
        jobs = {
            name: (
                [str(native), ":memory:", TABLE + job],
                ["/bin/sqlite3", ":memory:", TABLE + job],
            )
            for name, job in JOBS.items()
        }
        race(jobs, tmp, ROUNDS)


if __name__ == "__main__":
    main()
