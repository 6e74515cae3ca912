"""Path confinement: nothing outside the mounts can be named, whatever the path or symlink."""

from __future__ import annotations

import errno
import os

import pytest

from server.sessions.vfs.base import OpenFlags
from server.sessions.vfs.hostdir import HostDir
from server.sessions.vfs.memfs import MemFS
from server.sessions.vfs.tree import Tree


@pytest.fixture
def tree(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    (tmp_path / "secret.txt").write_text("host secret")
    os.symlink("/etc/passwd", home / "abs-link")
    os.symlink("../secret.txt", home / "rel-link")
    root = MemFS()
    root.add("home/user", "dir")
    root.add("etc/passwd", "file").data = bytearray(b"virtual passwd")
    t = Tree(root)
    t.mount("/home/user", HostDir(home))
    return t


def read(tree: Tree, path: str, cwd: str = "/") -> bytes:
    res = tree.resolve(path, cwd)
    handle = res.backend.open(res.rel, OpenFlags())
    try:
        return handle.pread(1000, 0)
    finally:
        handle.close()


def test_dotdot_stops_at_the_root(tree):
    assert read(tree, "../../../../etc/passwd", "/home/user") == b"virtual passwd"
    assert tree.resolve("/home/user/../../..").path == "/"


def test_symlinks_resolve_inside_the_virtual_tree(tree):
    assert read(tree, "/home/user/abs-link") == b"virtual passwd"
    # ../secret.txt from /home/user is /home/secret.txt in the tree, not the host's file
    with pytest.raises(FileNotFoundError):
        read(tree, "/home/user/rel-link")


def test_relative_paths_use_the_cwd(tree):
    assert read(tree, "notes.txt", "/home/user") == b"mine"


def test_symlink_loops_give_eloop(tree):
    root = tree.mounts[()]
    root.symlink("/loop-b", "loop-a")
    root.symlink("/loop-a", "loop-b")
    with pytest.raises(OSError) as err:
        tree.resolve("/loop-a")
    assert err.value.errno == errno.ELOOP


def test_read_only_host_dir_refuses_writes(tmp_path):
    ro = HostDir(tmp_path, readonly=True)
    with pytest.raises(OSError) as err:
        ro.open("new.txt", OpenFlags(write=True, create=True))
    assert err.value.errno == errno.EROFS
    assert not (tmp_path / "new.txt").exists()


def test_memfs_limit_gives_enospc():
    fs = MemFS(limit=10)
    handle = fs.open("f", OpenFlags(write=True, create=True))
    handle.pwrite(b"12345", 0)
    with pytest.raises(OSError) as err:
        handle.pwrite(b"x" * 100, 5)
    assert err.value.errno == errno.ENOSPC


def test_memfs_directory_mtime_moves_when_its_entries_change():
    # Maildir (and make-like tools) reread a directory when its mtime moves, as on Linux
    fs = MemFS()
    fs.mkdir("d", 0o755)
    changes = [
        lambda: fs.open("d/f", OpenFlags(write=True, create=True)),
        lambda: fs.link("d/f", "d/g"),
        lambda: fs.rename("d/g", "d/h"),
        lambda: fs.unlink("d/h"),
        lambda: fs.symlink("f", "d/s"),
        lambda: fs.mkdir("d/sub", 0o755),
        lambda: fs.rmdir("d/sub"),
    ]
    for change in changes:
        fs.set_times("d", None, 0)
        change()
        assert fs.lstat("d").mtime_ns > 0
    fs.set_times("d", None, 0)
    fs.open("d/f", OpenFlags(write=True)).pwrite(b"data", 0)  # a file's own change is not its dir's
    assert fs.lstat("d").mtime_ns == 0
