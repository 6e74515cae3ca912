"""The session Y.Doc model (docs/protocol.md, "File tree") seen from Python.

`files`: Y.Map path -> Y.Text (UTF-8 text up to TEXT_MAX bytes).
`tree`:  Y.Map path -> {kind, mode, mtime (ms), size[, sha256 for blobs]} as a JSON object or
a Y.Map (browsers may use either). Numbers arrive as floats (pycrdt encodes ints as floats,
which keeps them plain numbers in JavaScript).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pycrdt import Map

TEXT_MAX = 1 << 20  # larger files, or non-UTF-8 / NUL-containing ones, are blobs
FILE, DIR, BLOB = "file", "dir", "blob"


@dataclass(slots=True, frozen=True)
class Entry:
    kind: str
    mode: int
    mtime_ms: float
    size: int = 0
    sha256: str = ""

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind,
            "mode": float(self.mode),
            "mtime": float(self.mtime_ms),
            "size": float(self.size),
        }
        if self.sha256:
            d["sha256"] = self.sha256
        return d


def now_ms() -> float:
    return float(time.time_ns() // 1_000_000)


def entry_from_value(value: Any) -> Entry | None:
    """Parse a `tree` value written by anyone; None if it is not a usable entry."""
    if isinstance(value, Map):
        value = value.to_py()
    if not isinstance(value, dict):
        return None
    kind = value.get("kind")
    if kind not in (FILE, DIR, BLOB):
        return None
    try:
        mode = int(value.get("mode", 0o755 if kind == DIR else 0o644)) & 0o7777
        mtime = float(value.get("mtime", 0) or 0)
        size = int(value.get("size", 0) or 0)
    except (TypeError, ValueError):
        return None
    sha = value.get("sha256") or ""
    return Entry(kind, mode, mtime, size, sha if isinstance(sha, str) else "")


def valid_path(path: str) -> bool:
    """Keys the kernel can see: relative, normalised, no empty/./.. components, no NUL."""
    if not path or path.startswith("/") or path.endswith("/") or "\0" in path:
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def parent(path: str) -> str:
    return path.rpartition("/")[0]


def is_text(data: bytes) -> bool:
    if len(data) > TEXT_MAX or b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
