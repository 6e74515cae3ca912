"""The `cowasm` command: the machine in your own terminal, with the current directory as home."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

COWASM = str(Path(sys.executable).with_name("cowasm"))


def cowasm(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COWASM, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_exit_status_propagates(tmp_path):
    assert cowasm("sh", "-c", "exit 7", cwd=tmp_path).returncode == 7


def test_pipes_when_not_a_terminal(tmp_path):
    r = cowasm("sh", "-c", "tr a-z A-Z | wc -c", cwd=tmp_path, stdin="hello\n")
    assert (r.returncode, r.stdout.strip()) == (0, "6")


def test_current_directory_is_home_and_writable(tmp_path):
    (tmp_path / "in.txt").write_text("from the host\n")
    r = cowasm("sh", "-c", "pwd; cat in.txt; echo made > out.txt", cwd=tmp_path)
    assert r.stdout == "/home/user\nfrom the host\n"
    assert (tmp_path / "out.txt").read_text() == "made\n"


def test_a_command_by_name(tmp_path):
    (tmp_path / "f").write_text("b\na\n")
    r = cowasm("sort", "f", cwd=tmp_path)
    assert r.stdout == "a\nb\n"


def test_killed_by_a_signal_is_128_plus(tmp_path):
    r = cowasm("sh", "-c", "kill -TERM $$", cwd=tmp_path)
    assert r.returncode == 128 + 15


def test_help(tmp_path):
    r = cowasm("--help", cwd=tmp_path)
    assert r.returncode == 0 and "cowasm attach" in r.stdout
    assert os.path.exists(COWASM)


def test_sh_c_waits_for_its_background_jobs_as_orphans_finish(tmp_path):
    r = cowasm("sh", "-c", "(sleep 0.2; echo late) & echo end; exit 3", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (3, "end\nlate\n")
