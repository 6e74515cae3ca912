"""The mount table and the path walker.

Every path a program names is resolved here, component by component, against the mounts: `..`
stops at `/`, symlinks are read with the backend's `readlink` and spliced into the walk (at most
40 of them), and the result is a backend plus a path relative to its root. Backends never see
`..` or follow a link themselves, which is what keeps programs inside the mounts.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from .base import DIR, SYMLINK, Backend

MAX_LINKS = 40


@dataclass(slots=True)
class Resolved:
    backend: Backend
    rel: str  # path inside the backend ("" is its root)
    path: str  # canonical absolute path


class Tree:
    def __init__(self, root: Backend) -> None:
        self.mounts: dict[tuple[str, ...], Backend] = {(): root}

    def mount(self, path: str, backend: Backend) -> None:
        self.mounts[tuple(p for p in path.split("/") if p)] = backend

    def device(self, backend: Backend) -> int:
        """st_dev of a mount: its place in the mount table, from 1 (df and ismount compare it)."""
        for i, mounted in enumerate(self.mounts.values()):
            if mounted is backend:
                return i + 1
        return 1

    def mtab(self) -> bytes:
        """The mount table in fstab's format, for /etc/mtab (df reads it)."""
        lines = []
        for parts, backend in self.mounts.items():
            kind = getattr(backend, "fstype", type(backend).__name__.lower())
            opts = "ro" if backend.readonly else "rw"
            lines.append(f"{kind} /{'/'.join(parts)} {kind} {opts} 0 0\n")
        return "".join(lines).encode()

    def locate(self, parts: list[str]) -> tuple[Backend, str, bool]:
        """The backend holding `parts`, the path inside it, and whether it is a mount's root."""
        for i in range(len(parts), -1, -1):
            backend = self.mounts.get(tuple(parts[:i]))
            if backend is not None:
                return backend, "/".join(parts[i:]), i == len(parts)
        raise AssertionError("root is always mounted")

    def resolve(self, path: str, cwd: str = "/", follow: bool = True) -> Resolved:
        if not path:
            raise OSError(errno.ENOENT, "empty path")
        parts: list[str] = [] if path.startswith("/") else [p for p in cwd.split("/") if p]
        todo = path.split("/")
        must_be_dir = path.endswith("/")
        links = 0
        while todo:
            part = todo.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if parts:
                    parts.pop()
                continue
            parts.append(part)
            last = not any(p not in ("", ".") for p in todo)
            if last and not follow and not must_be_dir:
                break
            backend, rel, is_root = self.locate(parts)
            if is_root:
                continue
            try:
                kind = backend.lstat(rel).kind
            except FileNotFoundError:
                if last:
                    break  # may be created
                raise
            if kind == SYMLINK:
                links += 1
                if links > MAX_LINKS:
                    raise OSError(errno.ELOOP, path)
                target = backend.readlink(rel)
                parts.pop()
                if target.startswith("/"):
                    parts = []
                todo[:0] = target.split("/")
            elif not last and kind != DIR:
                raise OSError(errno.ENOTDIR, path)
        backend, rel, _ = self.locate(parts)
        return Resolved(backend, rel, "/" + "/".join(parts))
