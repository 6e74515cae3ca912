"""subprocess and os.system in the wasm CPython, under the real kernel: python.wasm cannot fork,
so its _posixsubprocess.fork_exec starts children with posix_spawn (wasm/cpython/patches)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from kernel_helpers import run

# communicate() with two or more pipes (capture_output, input=) waits in select.poll, and the
# kernel's poll_oneoff sleeps until its timeout or a signal instead of waking when a pipe becomes
# ready (server/sessions/wasi.py blocks on `lambda: False`): without a timeout it never returns.


def py(code: str, home: Path, timeout: float = 30) -> str:
    """Run a Python script on a fresh machine; returns its stdout (it must exit 0)."""
    (home / "t.py").write_text("import os, subprocess, sys\n" + textwrap.dedent(code))
    status, out, err = run(["/bin/python3", "t.py"], home, timeout=timeout)
    assert status == 0, err
    return out


def test_run_returns_output_and_status(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    out = py(
        """
        r = subprocess.run(["ls"], stdout=subprocess.PIPE)
        print(r.returncode, r.stdout)
        r = subprocess.run("echo hi | wc -c", shell=True, stdout=subprocess.PIPE, text=True)
        print(repr(r.stdout), r.returncode)
        print(subprocess.run(["sh", "-c", "exit 7"]).returncode)
        """,
        tmp_path,
    )
    assert out == "0 b'notes.txt\\nt.py\\n'\n'3\\n' 0\n7\n"


def test_capture_output_and_communicate_with_several_pipes(tmp_path):
    out = py(
        """
        r = subprocess.run("echo hi | wc -c; echo warn >&2", shell=True, capture_output=True,
                           text=True)
        print(repr(r.stdout), repr(r.stderr), r.returncode)
        p = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        print(p.communicate(b"line 1\\nline 2\\n"), p.returncode)
        print(subprocess.run(["wc", "-c"], input=b"12345", stdout=subprocess.PIPE).stdout)
        """,
        tmp_path,
        timeout=10,
    )
    assert out == "'3\\n' 'warn\\n' 0\n(b'line 1\\nline 2\\n', b'') 0\nb'5\\n'\n"


def test_check_output_and_called_process_error(tmp_path):
    out = py(
        """
        print(subprocess.check_output(["echo", "a", "b"]))
        print(subprocess.getoutput("echo got"))
        try:
            subprocess.check_output("echo partial; exit 3", shell=True)
        except subprocess.CalledProcessError as e:
            print(e.returncode, e.output)
        """,
        tmp_path,
    )
    assert out == "b'a b\\n'\ngot\n3 b'partial\\n'\n"


def test_popen_pipes(tmp_path):
    out = py(
        """
        p = subprocess.Popen("read x; echo got $x; echo oops >&2", shell=True, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        p.stdin.write("hello\\n")
        p.stdin.close()
        print(repr(p.stdout.read()), p.wait())
        with subprocess.Popen(["wc", "-l"], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as p:
            p.stdin.write(b"a\\nb\\nc\\n")
            p.stdin.close()
            print(p.stdout.read().strip(), p.wait())
        print(subprocess.Popen(["echo", "out"], stdout=subprocess.PIPE).communicate())
        """,
        tmp_path,
    )
    assert out == "'got hello\\noops\\n' 0\nb'3' 0\n(b'out\\n', None)\n"


def test_stdin_from_a_file_and_stdout_to_a_file(tmp_path):
    (tmp_path / "in.txt").write_text("one\ntwo\n")
    py(
        """
        with open("in.txt") as src, open("out.txt", "w") as dst:
            subprocess.run(["sort", "-r"], stdin=src, stdout=dst, check=True)
        """,
        tmp_path,
    )
    assert (tmp_path / "out.txt").read_text() == "two\none\n"


def test_cwd_and_env(tmp_path):
    (tmp_path / "sub").mkdir()
    out = py(
        """
        print(subprocess.check_output(["pwd"], cwd="sub", text=True), end="")
        print(os.getcwd())
        print(subprocess.check_output("echo $FOO-$HOME", shell=True, env={"FOO": "bar"}, text=True),
              end="")
        os.environ["INHERITED"] = "yes"
        print(subprocess.check_output("echo $INHERITED", shell=True, text=True), end="")
        """,
        tmp_path,
    )
    assert out == "/home/user/sub\n/home/user\nbar-\nyes\n"


def test_signal_deaths_are_negative_returncodes(tmp_path):
    out = py(
        """
        print(subprocess.run(["sh", "-c", "kill -9 $$"]).returncode)
        p = subprocess.Popen(["sleep", "30"])
        p.terminate()
        print(p.wait(timeout=10))
        try:
            subprocess.run(["sleep", "30"], timeout=0.3)
        except subprocess.TimeoutExpired as e:
            print("timed out", e.cmd)
        """,
        tmp_path,
    )
    assert out == "-9\n-15\ntimed out ['sleep', '30']\n"


def test_missing_program_and_missing_cwd_raise(tmp_path):
    out = py(
        """
        for kw in ({"args": ["no-such-program"]}, {"args": ["ls"], "cwd": "/nowhere"}):
            try:
                subprocess.run(**kw)
            except FileNotFoundError as e:
                print(e.filename)
        print(os.getcwd())
        """,
        tmp_path,
    )
    assert out == "no-such-program\n/nowhere\n/home/user\n"


def test_fds_passed_and_closed(tmp_path):
    out = py(
        """
        r, w = os.pipe()
        subprocess.run(["sh", "-c", f"echo via fd >&{w}"], pass_fds=[w])
        os.close(w)
        print(os.read(r, 100))
        fd = os.open("f.txt", os.O_WRONLY | os.O_CREAT)
        os.set_inheritable(fd, True)
        print(subprocess.run(["sh", "-c", f"echo x >&{fd}"], stderr=subprocess.DEVNULL).returncode)
        print(subprocess.run(["sh", "-c", f"echo x >&{fd}"], close_fds=False).returncode)
        """,
        tmp_path,
    )
    assert out == "b'via fd\\n'\n2\n0\n"
    assert (tmp_path / "f.txt").read_text() == "x\n"


def test_os_system_and_popen(tmp_path):
    out = py(
        """
        print(os.waitstatus_to_exitcode(os.system("echo from system; exit 3")))
        with os.popen("echo piped") as f:
            print(f.read(), end="")
        """,
        tmp_path,
    )
    assert out == "from system\n3\npiped\n"


def test_a_new_session_or_process_group_for_the_child(tmp_path):
    out = py(
        """
        ids = "import os; print(os.getpid(), os.getpgid(0), os.getsid(0))"
        def child(**kw):
            r = subprocess.run(["python3", "-c", ids], stdout=subprocess.PIPE, text=True, **kw)
            return [int(x) for x in r.stdout.split()]
        sid = os.getsid(0)
        pid, pgid, csid = child(start_new_session=True)
        print("session", pgid == pid, csid == pid)
        pid, pgid, csid = child(process_group=0)
        print("group", pgid == pid, csid == sid)
        pid, pgid, csid = child()
        print("same", pgid == os.getpgid(0), csid == sid)
        os.setpgid(0, 0)  # a group leader cannot start a session
        for call in (lambda: os.posix_spawn("/bin/true", ["true"], os.environ, setpgroup=-1),
                     lambda: os.setpgid(0, -1), os.setsid):
            try:
                call()
            except OSError as e:
                print(os.strerror(e.errno))
        print(os.getpgid(0) == os.getpid())
        """,
        tmp_path,
    )
    assert out == (
        "session True True\ngroup True True\nsame True True\n"
        "Invalid argument\nInvalid argument\nOperation not permitted\nTrue\n"
    )
