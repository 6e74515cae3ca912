"""Open-file descriptions and per-process descriptor tables.

A description (`OpenFile`) is what `open` creates: it holds the offset and status flags and is
shared by every descriptor that `dup` or `fork` derives from it, with a reference count; the
last close releases it (a pipe end's last close is what gives EOF or EPIPE to the other side).
A descriptor table maps small integers to descriptions plus the close-on-exec bit.
"""

from __future__ import annotations

import errno
import os
import threading
from typing import TYPE_CHECKING

from .vfs.base import CHARDEV, DIR, FIFO, FILE, Backend, FileHandle, Stat

if TYPE_CHECKING:
    from .proc import Process

# WASI filetypes
FT_UNKNOWN, FT_CHAR, FT_DIR, FT_REGULAR, FT_SYMLINK = 0, 2, 3, 4, 7
FT_OF_KIND = {FILE: FT_REGULAR, DIR: FT_DIR, CHARDEV: FT_CHAR, "symlink": FT_SYMLINK}


class OpenFile:
    filetype = FT_UNKNOWN
    seekable = False
    dev = 1  # st_dev: the mount it was opened on (Tree.device)
    backend: Backend | None = None  # and that mount's backend (for fstatvfs)

    def __init__(self, readable: bool = True, writable: bool = False) -> None:
        self.refs = 1
        self.readable = readable
        self.writable = writable
        self.append = False
        self.nonblock = False

    # I/O: `proc` is the caller, for blocking waits that signals interrupt.
    def read(self, proc: Process, size: int) -> bytes:
        raise OSError(errno.EBADF if not self.readable else errno.EINVAL, "read")

    def write(self, proc: Process, data: bytes) -> int:
        raise OSError(errno.EBADF, "write")

    def pread(self, size: int, offset: int) -> bytes:
        raise OSError(errno.ESPIPE, "pread")

    def pwrite(self, data: bytes, offset: int) -> int:
        raise OSError(errno.ESPIPE, "pwrite")

    def seek(self, offset: int, whence: int) -> int:
        raise OSError(errno.ESPIPE, "seek")

    def stat(self) -> Stat:
        return Stat(CHARDEV, 0, 0o620)

    # fchmod and futimens: only files and directories keep a mode and times.
    def chmod(self, mode: int) -> None:
        raise OSError(errno.EINVAL, "not a file")

    def set_times(self, atime_ns: int | None, mtime_ns: int | None) -> None:
        pass

    def ready(self, write: bool) -> bool:
        """Whether a read (or write) would not block."""
        return True

    def sync(self) -> None:
        pass

    def release(self) -> None:
        """The last descriptor referring to this description was closed."""

    def incref(self) -> OpenFile:
        self.refs += 1
        return self

    def decref(self) -> None:
        self.refs -= 1
        if self.refs == 0:
            self.release()


class VnodeFile(OpenFile):
    """A regular file in some backend."""

    filetype = FT_REGULAR
    seekable = True

    def __init__(self, handle: FileHandle, path: str, readable: bool, writable: bool) -> None:
        super().__init__(readable, writable)
        self.handle = handle
        self.path = path
        self.offset = 0
        self.lock = threading.Lock()

    def read(self, proc: Process, size: int) -> bytes:
        if not self.readable:
            raise OSError(errno.EBADF, "not open for reading")
        with self.lock:
            data = self.handle.pread(size, self.offset)
            self.offset += len(data)
            return data

    def write(self, proc: Process, data: bytes) -> int:
        if not self.writable:
            raise OSError(errno.EBADF, "not open for writing")
        with self.lock:
            if self.append:
                self.offset = self.handle.size()
            n = self.handle.pwrite(data, self.offset)
            self.offset += n
            return n

    def pread(self, size: int, offset: int) -> bytes:
        return self.handle.pread(size, offset)

    def pwrite(self, data: bytes, offset: int) -> int:
        return self.handle.pwrite(data, offset)

    def seek(self, offset: int, whence: int) -> int:
        with self.lock:
            base = (0, self.offset, self.handle.size())[whence]
            if base + offset < 0:
                raise OSError(errno.EINVAL, "negative offset")
            self.offset = base + offset
            return self.offset

    def stat(self) -> Stat:
        return self.handle.stat()

    def chmod(self, mode: int) -> None:
        self.handle.chmod(mode)

    def set_times(self, atime_ns: int | None, mtime_ns: int | None) -> None:
        self.handle.set_times(atime_ns, mtime_ns)

    def sync(self) -> None:
        self.handle.flush()

    def release(self) -> None:
        self.handle.close()


class DirFile(OpenFile):
    """An open directory: the base for *at() calls, and fd_readdir."""

    filetype = FT_DIR

    def __init__(self, backend: Backend, rel: str, path: str) -> None:
        super().__init__(readable=True)
        self.backend, self.rel, self.path = backend, rel, path
        self.listing: list[str] = []  # taken at cookie 0, so entries made meanwhile don't shift it

    def read(self, proc: Process, size: int) -> bytes:
        raise OSError(errno.EISDIR, self.path)

    def stat(self) -> Stat:
        return self.backend.lstat(self.rel)

    def chmod(self, mode: int) -> None:
        self.backend.chmod(self.rel, mode)

    def set_times(self, atime_ns: int | None, mtime_ns: int | None) -> None:
        self.backend.set_times(self.rel, atime_ns, mtime_ns)


class NullDevice(OpenFile):
    """/dev/null, zero, full, random and urandom."""

    filetype = FT_CHAR
    seekable = True  # as on Linux; and what tells wasi-libc's isatty() it is not a terminal

    def __init__(self, name: str, readable: bool, writable: bool) -> None:
        super().__init__(readable, writable)
        self.name = name

    def read(self, proc: Process, size: int) -> bytes:
        if self.name == "null":
            return b""
        if self.name in ("zero", "full"):
            return bytes(size)
        return os.urandom(size)

    def write(self, proc: Process, data: bytes) -> int:
        if self.name == "full":  # /dev/full: every write finds the disk full
            raise OSError(errno.ENOSPC, "/dev/full")
        return len(data)

    def seek(self, offset: int, whence: int) -> int:
        return 0


class FdTable:
    def __init__(self, limit: int = 256) -> None:
        self.files: dict[int, OpenFile] = {}
        self.cloexec: set[int] = set()
        self.limit = limit

    def get(self, fd: int) -> OpenFile:
        try:
            return self.files[fd]
        except KeyError:
            raise OSError(errno.EBADF, f"bad file descriptor {fd}") from None

    def install(self, file: OpenFile, minfd: int = 0, cloexec: bool = False) -> int:
        fd = minfd
        while fd in self.files:
            fd += 1
        if fd >= self.limit:
            file.decref()
            raise OSError(errno.EMFILE, "too many open files")
        self.files[fd] = file
        if cloexec:
            self.cloexec.add(fd)
        return fd

    def dup2(self, old: int, new: int, cloexec: bool = False) -> int:
        file = self.get(old)
        if new < 0 or new >= self.limit:
            raise OSError(errno.EBADF, "bad target descriptor")
        if old == new:
            return new
        file.incref()
        self.close(new, missing_ok=True)
        self.files[new] = file
        if cloexec:
            self.cloexec.add(new)
        return new

    def close(self, fd: int, missing_ok: bool = False) -> None:
        file = self.files.pop(fd, None)
        self.cloexec.discard(fd)
        if file is None:
            if not missing_ok:
                raise OSError(errno.EBADF, f"bad file descriptor {fd}")
            return
        file.decref()

    def fork(self) -> FdTable:
        child = FdTable(self.limit)
        child.files = {fd: f.incref() for fd, f in self.files.items()}
        child.cloexec = set(self.cloexec)
        return child

    def exec(self) -> None:
        for fd in list(self.cloexec):
            self.close(fd, missing_ok=True)

    def close_all(self) -> None:
        for fd in list(self.files):
            self.close(fd, missing_ok=True)


class HostStream(OpenFile):
    """One of the host's own stdin/stdout/stderr, for the `cowasm` CLI when not on a terminal."""

    def __init__(self, fd: int, readable: bool) -> None:
        super().__init__(readable, not readable)
        self.fd = fd

    def read(self, proc: Process, size: int) -> bytes:
        return os.read(self.fd, size)

    def write(self, proc: Process, data: bytes) -> int:
        os.write(self.fd, data)
        return len(data)

    def stat(self) -> Stat:
        return Stat(FIFO, 0, 0o600)
