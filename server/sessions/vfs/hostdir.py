"""A directory of the host mounted into the tree (the Python prefix read-only; the user's
directory read-write for the `cowasm` CLI).

Confinement: the kernel resolves every symlink itself with `lstat`/`readlink`, so paths reaching
this backend have no symlink before their last component, and the last one is opened with
O_NOFOLLOW. Nothing outside `root` can be named.
"""

from __future__ import annotations

import errno
import os
import stat as st

from .base import CHARDEV, DIR, FIFO, FILE, SYMLINK, OpenFlags, Stat

_KIND = {
    st.S_IFDIR: DIR, st.S_IFREG: FILE, st.S_IFLNK: SYMLINK, st.S_IFCHR: CHARDEV, st.S_IFIFO: FIFO,
}  # fmt: skip


def to_stat(s: os.stat_result) -> Stat:
    kind = _KIND.get(st.S_IFMT(s.st_mode), FILE)
    return Stat(
        kind, s.st_size, s.st_mode & 0o7777, s.st_mtime_ns, s.st_atime_ns, s.st_ino, s.st_nlink
    )


def _times(s: os.stat_result, atime_ns: int | None, mtime_ns: int | None) -> tuple[int, int]:
    """utime's pair: the new times, or the old where None (UTIME_OMIT)."""
    return (
        atime_ns if atime_ns is not None else s.st_atime_ns,
        mtime_ns if mtime_ns is not None else s.st_mtime_ns,
    )


class HostHandle:
    __slots__ = ("fd", "mount")

    def __init__(self, fd: int, mount: HostDir) -> None:
        self.fd = fd
        self.mount = mount  # its read-only flag: the host fd itself would allow fchmod and utime

    def pread(self, size: int, offset: int) -> bytes:
        return os.pread(self.fd, size, offset)

    def preadinto(self, buf: object, offset: int) -> int:
        return os.preadv(self.fd, [buf], offset)  # type: ignore[list-item]

    def pwrite(self, data: bytes | memoryview, offset: int) -> int:
        return os.pwrite(self.fd, data, offset)

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def truncate(self, size: int) -> None:
        os.ftruncate(self.fd, size)

    def stat(self) -> Stat:
        return to_stat(os.fstat(self.fd))

    def chmod(self, mode: int) -> None:
        self.mount._writable()
        os.fchmod(self.fd, mode & 0o7777)

    def set_times(self, atime_ns: int | None, mtime_ns: int | None) -> None:
        self.mount._writable()
        os.utime(self.fd, ns=_times(os.fstat(self.fd), atime_ns, mtime_ns))

    def flush(self) -> None:
        pass

    def close(self) -> None:
        os.close(self.fd)


class HostDir:
    def __init__(self, root: str | os.PathLike[str], readonly: bool = False) -> None:
        self.root = os.path.realpath(root)
        self.readonly = readonly
        self.fstype = "image" if readonly else "hostfs"
        self._size: int | None = None  # of a read-only tree, counted once

    def host(self, path: str) -> str:
        return os.path.join(self.root, path) if path else self.root

    def usage(self) -> tuple[int, int]:
        if self.readonly:  # part of the system image: full, its size what it holds
            if self._size is None:
                self._size = sum(
                    os.lstat(os.path.join(d, f)).st_size
                    for d, _dirs, files in os.walk(self.root)
                    for f in files
                )
            return self._size, 0
        st = os.statvfs(self.root)
        return st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize

    def _writable(self) -> None:
        if self.readonly:
            raise OSError(errno.EROFS, "read-only file system")

    def lstat(self, path: str) -> Stat:
        return to_stat(os.lstat(self.host(path)))

    def listdir(self, path: str) -> list[str]:
        return os.listdir(self.host(path))

    def readlink(self, path: str) -> str:
        return os.readlink(self.host(path))

    def open(self, path: str, flags: OpenFlags) -> HostHandle:
        if flags.write or flags.create or flags.truncate:
            self._writable()
        mode = (
            os.O_RDWR if flags.write and flags.read else os.O_WRONLY if flags.write else os.O_RDONLY
        )
        mode |= os.O_NOFOLLOW | os.O_CLOEXEC
        if flags.create:
            mode |= os.O_CREAT
        if flags.exclusive:
            mode |= os.O_EXCL
        if flags.truncate:
            mode |= os.O_TRUNC
        if not flags.create:
            return HostHandle(os.open(self.host(path), mode), self)
        try:  # exclusively first, to know whether this open creates the file
            fd = os.open(self.host(path), mode | os.O_EXCL, flags.mode)
        except FileExistsError:
            if flags.exclusive:
                raise
            return HostHandle(os.open(self.host(path), mode, flags.mode), self)
        os.fchmod(fd, flags.mode)  # the process's umask applies, not the server's
        return HostHandle(fd, self)

    def mkdir(self, path: str, mode: int) -> None:
        self._writable()
        os.mkdir(self.host(path), mode)
        os.chmod(self.host(path), mode)  # the server's own umask must not apply

    def mkfifo(self, path: str, mode: int) -> None:
        """A host FIFO, as a name and mode: the kernel never opens it on the host (fifo.py)."""
        self._writable()
        os.mkfifo(self.host(path), mode)
        os.chmod(self.host(path), mode)  # the server's own umask must not apply

    def link(self, src: str, dst: str) -> None:
        self._writable()
        os.link(self.host(src), self.host(dst), follow_symlinks=False)

    def rmdir(self, path: str) -> None:
        self._writable()
        os.rmdir(self.host(path))

    def unlink(self, path: str) -> None:
        self._writable()
        if os.path.isdir(self.host(path)) and not os.path.islink(self.host(path)):
            raise OSError(errno.EISDIR, path)
        os.unlink(self.host(path))

    def rename(self, src: str, dst: str) -> None:
        self._writable()
        os.rename(self.host(src), self.host(dst))

    def symlink(self, target: str, path: str) -> None:
        self._writable()
        os.symlink(target, self.host(path))

    def chmod(self, path: str, mode: int) -> None:
        self._writable()
        os.chmod(self.host(path), mode & 0o7777, follow_symlinks=False)

    def set_times(self, path: str, atime_ns: int | None, mtime_ns: int | None) -> None:
        self._writable()
        times = _times(os.lstat(self.host(path)), atime_ns, mtime_ns)
        os.utime(self.host(path), ns=times, follow_symlinks=False)
