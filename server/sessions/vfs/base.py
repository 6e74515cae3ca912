"""The contract between the kernel's path walker and a mounted file tree (a backend).

A backend serves one mount. Paths given to it are relative to the mount's root, already
normalised by the kernel ("" is the root, components joined by "/", no "." or ".."), and are never
followed through symlinks by the backend: the kernel resolves symlinks itself, component by
component, with `lstat` and `readlink`, so that no path can leave the mount table.

Errors are raised as OSError(errno.Exxx, message) with Python's errno constants; the kernel maps
them to WASI errnos. A read-only backend raises EROFS on every mutation.
"""

from __future__ import annotations

import stat as stat_mod
from dataclasses import dataclass
from typing import Protocol

FILE, DIR, SYMLINK, CHARDEV, FIFO = "file", "dir", "symlink", "chardev", "fifo"


@dataclass(slots=True)
class Stat:
    kind: str  # FILE, DIR, SYMLINK, CHARDEV or FIFO
    size: int = 0
    mode: int = 0o644  # permission bits only
    mtime_ns: int = 0
    atime_ns: int = 0
    ino: int = 0
    nlink: int = 1

    @property
    def st_mode(self) -> int:
        """Type and permission bits, as stat(2) reports them."""
        kind_bits = {
            FILE: stat_mod.S_IFREG,
            DIR: stat_mod.S_IFDIR,
            SYMLINK: stat_mod.S_IFLNK,
            CHARDEV: stat_mod.S_IFCHR,
            FIFO: stat_mod.S_IFIFO,
        }[self.kind]
        return kind_bits | (self.mode & 0o7777)


@dataclass(slots=True, frozen=True)
class OpenFlags:
    read: bool = True
    write: bool = False
    create: bool = False
    exclusive: bool = False
    truncate: bool = False
    mode: int = 0o644  # for a created file, umask already applied


class FileHandle(Protocol):
    """An open regular file. Offsets are the kernel's business (it keeps them in the open-file
    description), so the handle only does positional I/O."""

    def pread(self, size: int, offset: int) -> bytes: ...

    def pwrite(self, data: bytes | memoryview, offset: int) -> int: ...

    def size(self) -> int: ...

    def truncate(self, size: int) -> None: ...

    def stat(self) -> Stat: ...

    # fchmod and futimens: the file itself, wherever it has since been renamed (or unlinked) to.
    def chmod(self, mode: int) -> None: ...

    def set_times(self, atime_ns: int | None, mtime_ns: int | None) -> None: ...

    def flush(self) -> None:
        """Make written data visible to other readers of the tree (fsync, and close)."""
        ...

    def close(self) -> None: ...


class Backend(Protocol):
    readonly: bool
    fstype: str  # its name in /etc/mtab and df

    def usage(self) -> tuple[int, int]:
        """(size, free) in bytes, for statvfs and df."""
        ...

    def lstat(self, path: str) -> Stat: ...

    def listdir(self, path: str) -> list[str]: ...

    def readlink(self, path: str) -> str: ...

    def open(self, path: str, flags: OpenFlags) -> FileHandle: ...

    def mkdir(self, path: str, mode: int) -> None: ...

    def rmdir(self, path: str) -> None: ...

    def unlink(self, path: str) -> None: ...

    def rename(self, src: str, dst: str) -> None:
        """Within this backend; replaces dst like rename(2)."""
        ...

    def symlink(self, target: str, path: str) -> None: ...

    def chmod(self, path: str, mode: int) -> None: ...

    def set_times(self, path: str, atime_ns: int | None, mtime_ns: int | None) -> None: ...


def read_file(backend: Backend, path: str, size: int = -1) -> bytes:
    """A whole file's bytes (or its first `size`) through a backend."""
    handle = backend.open(path, OpenFlags())
    try:
        return handle.pread(handle.size() if size < 0 else size, 0)
    finally:
        handle.close()
