"""chmod and chown look the path up as on Linux: ENOENT for a missing one, links left alone.

Through the real programs: CPython's os module and toybox, under the kernel.
"""

from __future__ import annotations

import os

import pytest

from tests.kernel_helpers import run, sh


def python(code: str, home) -> str:  # type: ignore[no-untyped-def]
    code_, out, err = run(["/usr/bin/python3", "-c", code], home)
    assert code_ == 0, err
    return out


REPORT = """
import os, sys
def attempt(call, *args, **kw):
    try:
        call(*args, **kw)
        print("ok")
    except (OSError, NotImplementedError) as e:
        print(type(e).__name__)
"""


@pytest.fixture
def home(tmp_path):
    (tmp_path / "here.txt").write_text("x")
    os.symlink("gone", tmp_path / "dangling")
    return tmp_path


def test_chmod_of_a_missing_path_is_file_not_found(home):
    out = python(
        REPORT + "for p in ('nope', 'nodir/x', '/tmp/nope', 'dangling'):\n"
        "    attempt(os.chmod, p, 0o600)\n"
        "attempt(os.chmod, 'here.txt', 0o600)\n",
        home,
    )
    assert out.split() == ["FileNotFoundError"] * 4 + ["ok"]


def test_chmod_not_following_links_changes_no_link_and_no_target(home):
    os.symlink("here.txt", home / "link")
    before = (home / "here.txt").stat().st_mode
    out = python(
        REPORT + "attempt(os.chmod, 'link', 0o600, follow_symlinks=False)\n"
        "attempt(os.chmod, 'dangling', 0o600, follow_symlinks=False)\n"
        "attempt(os.chmod, 'here.txt', 0o640, follow_symlinks=False)\n"
        "print(oct(os.stat('here.txt').st_mode & 0o777))\n",
        home,
    )
    # CPython 3.11 on Linux answers the same: a link's own mode cannot change.
    assert out.split() == ["NotImplementedError"] * 2 + ["ok", "0o640"]
    assert before & 0o777 != 0o640


def test_toybox_chmod_names_the_missing_file(home):
    code, _out, err = sh("chmod 600 nope here.txt", home)
    assert code == 1
    assert "nope: No such file or directory" in err
    assert oct((home / "here.txt").stat().st_mode & 0o777) == "0o600"


def test_chown_of_a_missing_path_is_file_not_found(home):
    out = python(
        REPORT + "attempt(os.chown, 'nope', 0, 0)\n"  # ENOENT comes before EPERM on Linux
        "attempt(os.chown, 'nope', os.getuid(), os.getgid())\n"
        "attempt(os.lchown, 'nope', -1, -1)\n"
        "attempt(os.chown, 'nodir/x', -1, -1)\n"
        "attempt(os.chown, 'here.txt', os.getuid(), -1)\n"
        "attempt(os.lchown, 'dangling', -1, -1)\n"
        "attempt(os.chown, 'here.txt', 0, 0)\n",  # everyone is `user`: no other owner
        home,
    )
    assert out.split() == ["FileNotFoundError"] * 4 + ["ok", "ok", "PermissionError"]


def test_toybox_chown_names_the_missing_file(home):
    code, _out, err = sh("chown 1000 nope", home)
    assert code == 1
    assert "nope: No such file or directory" in err


def test_copytree_keeps_symlinks(home):
    # shutil copies a link's mode only where the platform can; it must not fail or follow it.
    (home / "d").mkdir()
    os.symlink("../here.txt", home / "d" / "link")
    out = python(
        "import os, shutil\n"
        "shutil.copytree('d', 'e', symlinks=True)\n"
        "print(os.readlink('e/link'), open('e/link').read())\n",
        home,
    )
    assert out.split() == ["../here.txt", "x"]
    assert (home / "e" / "link").is_symlink()


# fchmod and futimens act on the open file, even after it was renamed (as tar and cp -p do to the
# files they extract or copy, and editors to the temporary file they rename over the original).
FD_CALLS = """
import os, sys
for d in sys.argv[1:]:
    fd = os.open(d + "/new", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"data")
    os.rename(d + "/new", d + "/kept")
    os.fchmod(fd, 0o600)
    os.utime(fd, ns=(10**18, 10**18))
    os.close(fd)
    st = os.stat(d + "/kept")
    print(d, oct(st.st_mode & 0o777), st.st_mtime_ns // 10**9, open(d + "/kept").read())
"""


def test_fchmod_and_futimens_follow_the_open_file_across_a_rename(home):
    code, out, err = run(["/usr/bin/python3", "-c", FD_CALLS, "/tmp", "/home/user"], home)
    assert code == 0, err
    assert out.split("\n")[:2] == [f"{d} 0o600 1000000000 data" for d in ("/tmp", "/home/user")]
    assert os.stat(home / "kept").st_mode & 0o777 == 0o600


async def test_fchmod_and_futimens_in_the_shared_tree(tmp_path):
    import asyncio

    from server.files import FileTreeStore
    from server.sessions import batch
    from tests.test_files import Limits

    store = FileTreeStore(tmp_path, Limits())
    tree = await store.open("s1")
    argv = ["/usr/bin/python3", "-c", FD_CALLS, "/home/user"]
    r = await asyncio.get_running_loop().run_in_executor(None, batch.run, argv, tree.backend())
    assert r.code == 0, r.stderr.decode()
    assert r.stdout.decode() == "/home/user 0o600 1000000000 data\n"
    entry = tree.lookup("kept")
    assert entry is not None and entry.mode == 0o600 and entry.mtime_ms == 10**12
    await store.close()


def test_fchmod_on_a_read_only_mount_is_refused(home):
    code = REPORT + (
        "import errno\n"
        "for path in ('/usr/local/lib/python311.zip', '/bin/sh'):\n"
        "    fd = os.open(path, os.O_RDONLY)\n"
        "    try:\n"
        "        os.fchmod(fd, 0o600)\n"
        "    except OSError as e:\n"
        "        print(errno.errorcode[e.errno])\n"
        "    print(oct(os.stat(path).st_mode & 0o777))\n"
    )
    assert python(code, home).split() == ["EROFS", "0o644", "EROFS", "0o755"]
