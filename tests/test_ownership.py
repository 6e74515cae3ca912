"""chmod and chown of a path that does not exist fail with ENOENT, as on Linux.

Through the real programs: CPython's os module and toybox, under the kernel.
"""

from __future__ import annotations

import os

import pytest

from tests.kernel_helpers import run, sh

# chown lives entirely in libcowasm (wasm/libcowasm/src/user.c): it never asks the kernel whether
# the path exists, and toybox is built without chown/chgrp. Both are wasm/ changes; see
# docs/abi.md (`mode` already answers "does this path resolve") for the fix's import.
CHOWN_IN_LIBCOWASM = pytest.mark.xfail(
    strict=True, reason="libcowasm's chown does not look the path up (wasm/libcowasm/src/user.c)"
)


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
    except OSError as e:
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


def test_toybox_chmod_names_the_missing_file(home):
    code, _out, err = sh("chmod 600 nope here.txt", home)
    assert code == 1
    assert "nope: No such file or directory" in err
    assert oct((home / "here.txt").stat().st_mode & 0o777) == "0o600"


@CHOWN_IN_LIBCOWASM
def test_chown_of_a_missing_path_is_file_not_found(home):
    out = python(
        REPORT + "attempt(os.chown, 'nope', 0, 0)\n"  # ENOENT comes before EPERM on Linux
        "attempt(os.chown, 'nope', os.getuid(), os.getgid())\n"
        "attempt(os.lchown, 'nope', -1, -1)\n"
        "attempt(os.chown, 'nodir/x', -1, -1)\n"
        "attempt(os.chown, 'here.txt', os.getuid(), -1)\n"
        "attempt(os.lchown, 'dangling', -1, -1)\n",
        home,
    )
    assert out.split() == ["FileNotFoundError"] * 4 + ["ok", "ok"]


@CHOWN_IN_LIBCOWASM
def test_toybox_chown_names_the_missing_file(home):
    code, _out, err = sh("chown 1000 nope", home)
    assert code == 1
    assert "nope: No such file or directory" in err
