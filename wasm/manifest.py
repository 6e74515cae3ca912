"""Write wasm/manifest.json: what each artifact in dist/ was built from, its size and sha256."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DIST = HERE / "dist"
SOURCES = {
    "dash": "0.5.12-2",
    "toybox": "0.8.9+dfsg-1",
    "original-awk": "2022-09-12-1",
    "byacc (its grammar generator)": "1:2.0.20221106-1",
    "lua5.4": "5.4.4-3+deb12u1",
    "python3.11": "3.11.2-6+deb12u8",
    "zlib": "1:1.2.13.dfsg-1",
    "bzip2": "1.0.8-5",
    "xz-utils": "5.4.1-1+deb12u2",
    "sqlite3": "3.40.1-2+deb12u2",
    "wasi-libc (its dlmalloc)": "0.0~git20220510.9886d3d-2",
    "numpy (Debian's patches on the PyPI sdist: the orig tarball 404s)": "1:1.24.2-1+deb12u1",
    "Cython (numpy.random's C, on the host)": "0.29.33",
    "sympy (PyPI wheel)": "1.14.0",
    "mpmath (PyPI wheel)": "1.3.0",
    "tzdata (PyPI wheel)": "2026.6",
}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main() -> None:
    zig = subprocess.run(
        [sys.executable, "-m", "ziglang", "version"], capture_output=True, text=True
    ).stdout.strip()
    artifacts = {
        str(p.relative_to(DIST)): {"size": p.stat().st_size, "sha256": sha256(p)}
        for p in sorted(DIST.rglob("*"))
        if p.is_file()
    }
    manifest = {
        "sources": SOURCES,
        "toolchain": {"zig": zig, "binaryen": "132"},
        "python.wasm PGO profile": {"sha256": sha256(HERE / "cpython" / "python.profdata")},
        "artifacts": artifacts,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"manifest: {len(artifacts)} artifacts")


if __name__ == "__main__":
    main()
