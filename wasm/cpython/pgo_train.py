"""PGO training run for python.wasm: CPython's own PGO task (`python -m test --pgo`, the test list
that CPython's `make profile-opt` and Debian's native build train on), run by an instrumented
python.wasm on a real session machine. Each process writes its counters to OUT/python-<pid>.profraw.

usage: COWASM_DIST=DIR python pgo_train.py TESTS_ZIP OUT
  DIR holds the instrumented python.wasm (and the rest of wasm/dist); TESTS_ZIP is Lib/test.
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from server.sessions import batch
from server.sessions.session import Limits
from server.sessions.vfs.hostdir import HostDir

TIMEOUT = 3600  # seconds for the whole task (it takes about 1.5 minutes on 2 cores)


def main(tests_zip: str, out: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        with zipfile.ZipFile(tests_zip) as zf:
            zf.extractall(home / "pytests")
        (home / "profiles").mkdir()
        script = (
            "export PYTHONPATH=/home/user/pytests"
            " LLVM_PROFILE_FILE=/home/user/profiles/python-%p.profraw;"
            " python3 -m test --pgo"
        )
        r = batch.run(
            ["/bin/sh", "-c", script],
            HostDir(home),
            b"",
            Limits(memory_bytes=3 << 30, tmp_bytes=256 << 20),
            TIMEOUT,
        )
        sys.stdout.write(r.stdout.decode(errors="replace")[-3000:])
        raws = sorted((home / "profiles").glob("*.profraw"))
        if not raws:
            raise SystemExit(f"no profile written (exit {r.code}): {r.stderr.decode()[-2000:]}")
        Path(out).mkdir(parents=True, exist_ok=True)
        for raw in raws:
            raw.rename(Path(out) / raw.name)
        print(f"{len(raws)} profiles in {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
