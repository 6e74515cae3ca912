"""`make bench`: run every benchmark module in bench/ (each has a `main()` and prints its figures
as ratios to a native baseline measured in the same run, plus absolute numbers).

    python -m bench              all of them
    python -m bench kernel ...   only those named
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main() -> None:
    names = sys.argv[1:] or sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not m.name.startswith("_")
    )
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n== {name} ==", flush=True)
        t = time.perf_counter()
        saved = sys.argv
        sys.argv = [name]
        try:
            module.main()
        finally:
            sys.argv = saved
        print(f"({time.perf_counter() - t:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
