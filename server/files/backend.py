"""The file tree as the kernel's /home/user (the Backend protocol of server/sessions/vfs/base.py).

An open file is a snapshot: text files start from the immutable bytes of the read cache, blobs
from their immutable content-addressed file. Writes go to a private buffer; flush()/close() hand
the buffer and the snapshot it started from to FileTree.write, which applies only the
difference, on the loop thread, in one transaction with origin "kernel".
"""

from __future__ import annotations

import errno
import os
import threading
from typing import TYPE_CHECKING

from ..sessions.vfs.base import DIR as VDIR
from ..sessions.vfs.base import FILE as VFILE
from ..sessions.vfs.base import OpenFlags, Stat
from .model import BLOB, DIR, Entry

if TYPE_CHECKING:
    from .tree import FileTree


def _stat(tree: FileTree, path: str, e: Entry, size: int | None = None) -> Stat:
    ns = int(e.mtime_ms) * 1_000_000
    return Stat(
        kind=VDIR if e.kind == DIR else VFILE,
        size=e.size if size is None else size,
        mode=e.mode,
        mtime_ns=ns,
        atime_ns=ns,
        ino=tree.ino(path),
        nlink=2 if e.kind == DIR else 1,
    )


class TreeFile:
    def __init__(self, backend: TreeBackend, path: str, entry: Entry, flags: OpenFlags) -> None:
        self._backend = backend
        self._tree = backend.tree
        self.path: str | None = path  # None once unlinked: writes then go nowhere
        self._entry = entry
        self._writable = flags.write
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._base: bytes | None = None  # text snapshot, also the diff base for flush
        if entry.kind == BLOB:
            self._fd = os.open(self._tree.blob_path(entry), os.O_RDONLY)
        else:
            self._base = self._tree.text(path) or b""
        self._start_size = entry.size if entry.kind == BLOB else len(self._base or b"")
        self._buf: bytearray | None = None
        self._dirty = False
        if flags.truncate and flags.write:
            self._buf, self._dirty = bytearray(), True

    def _materialise(self) -> bytearray:
        if self._buf is None:
            if self._fd is not None:
                self._buf = bytearray(self._read_blob(self._entry.size, 0))
            else:
                self._buf = bytearray(self._base or b"")
        return self._buf

    def _read_blob(self, size: int, offset: int) -> bytes:
        assert self._fd is not None
        return os.pread(self._fd, size, offset)

    def pread(self, size: int, offset: int) -> bytes:
        with self._lock:
            if self._buf is not None:
                return bytes(self._buf[offset : offset + size])
            if self._fd is not None:
                return self._read_blob(size, offset)
            return (self._base or b"")[offset : offset + size]

    def _check(self, new_size: int) -> None:
        if not self._writable:
            raise OSError(errno.EBADF, "not open for writing")
        if new_size > self._tree.file_bytes:
            raise OSError(errno.EFBIG, "file too large")
        if self._tree.total_bytes - self._start_size + new_size > self._tree.tree_bytes:
            raise OSError(errno.ENOSPC, "file tree full")

    def pwrite(self, data: bytes | memoryview, offset: int) -> int:
        with self._lock:
            end = offset + len(data)
            self._check(max(end, self.size()))
            buf = self._materialise()
            if offset > len(buf):
                buf.extend(bytes(offset - len(buf)))
            buf[offset:end] = data
            self._dirty = True
            return len(data)

    def size(self) -> int:
        if self._buf is not None:
            return len(self._buf)
        if self._fd is not None:
            return self._entry.size
        return len(self._base or b"")

    def truncate(self, size: int) -> None:
        with self._lock:
            self._check(size)
            buf = self._materialise()
            if size < len(buf):
                del buf[size:]
            else:
                buf.extend(bytes(size - len(buf)))
            self._dirty = True

    def stat(self) -> Stat:
        path = self.path or ""
        e = self._tree.lookup(path) if self.path is not None else None
        return _stat(self._tree, path, e or self._entry, self.size())

    # The tree's own chmod and set_times, at the path the handle follows through renames; an
    # unlinked file's mode and times are nobody's to see.
    def chmod(self, mode: int) -> None:
        if self.path is not None:
            self._backend.chmod(self.path, mode)

    def set_times(self, atime_ns: int | None, mtime_ns: int | None) -> None:
        # written data first: its flush would otherwise stamp the file with the time of close
        self.flush()
        if self.path is not None:
            self._backend.set_times(self.path, atime_ns, mtime_ns)

    def flush(self) -> None:
        with self._lock:
            if not self._dirty or self.path is None:
                return
            data = bytes(self._buf or b"")
            self._tree.call(self._tree.write, self.path, data, self._base)
            # later flushes diff against what this handle last wrote
            self._base, self._dirty = data, False
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._start_size = len(data)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._backend._forget(self)
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class TreeBackend:
    readonly = False
    fstype = "cowasm-files"  # the shared file tree

    def __init__(self, tree: FileTree) -> None:
        self.tree = tree
        self._open: dict[str, set[TreeFile]] = {}
        self._open_lock = threading.Lock()

    def _get(self, path: str) -> Entry:
        e = self.tree.lookup(path)
        if e is None:
            raise OSError(errno.ENOENT, "no such file or directory", path)
        return e

    def usage(self) -> tuple[int, int]:
        return self.tree.tree_bytes, max(0, self.tree.tree_bytes - self.tree.total_bytes)

    def lstat(self, path: str) -> Stat:
        return _stat(self.tree, path, self._get(path))

    def listdir(self, path: str) -> list[str]:
        if self._get(path).kind != DIR:
            raise OSError(errno.ENOTDIR, "not a directory", path)
        return self.tree.children(path)

    def readlink(self, path: str) -> str:
        self._get(path)
        raise OSError(errno.EINVAL, "not a symbolic link", path)

    def open(self, path: str, flags: OpenFlags) -> TreeFile:
        e = self.tree.lookup(path)
        if e is None or (flags.create and flags.exclusive):
            if not flags.create:
                raise OSError(errno.ENOENT, "no such file or directory", path)
            e = self.tree.call(self.tree.create_file, path, flags.mode, flags.exclusive)
        if e.kind == DIR:
            raise OSError(errno.EISDIR, "is a directory", path)
        handle = TreeFile(self, path, e, flags)
        with self._open_lock:
            self._open.setdefault(path, set()).add(handle)
        return handle

    def _forget(self, handle: TreeFile) -> None:
        with self._open_lock:
            if handle.path is not None:
                self._open.get(handle.path, set()).discard(handle)
                if not self._open.get(handle.path):
                    self._open.pop(handle.path, None)

    def mkdir(self, path: str, mode: int) -> None:
        self.tree.call(self.tree.mkdir, path, mode)

    def rmdir(self, path: str) -> None:
        self.tree.call(self.tree.rmdir, path)

    def unlink(self, path: str) -> None:
        self.tree.call(self.tree.unlink, path)
        with self._open_lock:
            for handle in self._open.pop(path, set()):
                handle.path = None

    def rename(self, src: str, dst: str) -> None:
        self.tree.call(self.tree.rename, src, dst)
        with self._open_lock:  # open handles follow their file, as an inode would
            for h in self._open.pop(dst, set()):
                h.path = None
            moved = [p for p in self._open if p == src or p.startswith(src + "/")]
            for old in moved:
                new = dst + old[len(src) :]
                handles = self._open.pop(old)
                for h in handles:
                    h.path = new
                self._open[new] = handles

    def symlink(self, target: str, path: str) -> None:
        raise OSError(errno.EPERM, "symbolic links are not supported in the shared tree", path)

    def chmod(self, path: str, mode: int) -> None:
        self.tree.call(self.tree.set_meta, path, mode, None)

    def set_times(self, path: str, atime_ns: int | None, mtime_ns: int | None) -> None:
        if mtime_ns is not None:
            self.tree.call(self.tree.set_meta, path, None, mtime_ns / 1_000_000)
