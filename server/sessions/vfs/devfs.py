"""/dev: null, zero, full, random, urandom, tty, and stdin/stdout/stderr (the caller's fds 0-2)."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from .base import CHARDEV, DIR, SYMLINK, OpenFlags, Stat

if TYPE_CHECKING:
    from ..fd import OpenFile
    from ..proc import Process
    from ..tty import Tty

_CHARS = ("null", "zero", "full", "random", "urandom", "tty")
_LINKS = {"stdin": "/dev/fd/0", "stdout": "/dev/fd/1", "stderr": "/dev/fd/2"}


class DevFS:
    readonly = True
    fstype = "devfs"

    def __init__(self, tty: Tty) -> None:
        self.tty = tty

    def usage(self) -> tuple[int, int]:
        return 0, 0

    def lstat(self, path: str) -> Stat:
        if path in ("", "fd"):
            return Stat(DIR, 0, 0o755, ino=2)
        if path in _CHARS or path.startswith("fd/"):
            return Stat(CHARDEV, 0, 0o666, ino=3 + hash(path) % 1000)
        if path in _LINKS:
            return Stat(SYMLINK, 10, 0o777, ino=4)
        raise OSError(errno.ENOENT, path)

    def listdir(self, path: str) -> list[str]:
        return [*_CHARS, *_LINKS, "fd"] if path == "" else ["0", "1", "2"]

    def readlink(self, path: str) -> str:
        if path not in _LINKS:
            raise OSError(errno.EINVAL, path)
        return _LINKS[path]

    def device(self, path: str, proc: Process) -> OpenFile | None:
        """The open-file description for a device (the kernel asks before `open`)."""
        from ..fd import NullDevice
        from ..tty import TtyFile

        if path.startswith("fd/") and path[3:].isdigit():
            return proc.fds.get(int(path[3:])).incref()
        if path == "tty":
            return TtyFile(self.tty)
        if path in _CHARS:
            return NullDevice(path, readable=True, writable=True)
        return None

    def open(self, path: str, flags: OpenFlags) -> object:
        raise OSError(errno.ENODEV, path)

    def _ro(self, *_args: object) -> None:
        raise OSError(errno.EROFS, "/dev is read-only")

    mkdir = rmdir = unlink = rename = symlink = chmod = set_times = _ro  # type: ignore[assignment]
