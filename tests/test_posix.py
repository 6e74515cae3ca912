"""POSIX fidelity against the host's native dash run as a normal user (issue 20): errno
precedence, permission bits, umask, FIFOs, /dev/full, ulimit, case patterns. The machine's user
is not root, so when the tests run as root the native side drops to `nobody` (setpriv), in a
directory of its own that it may write."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

import pytest
from kernel_helpers import sh

NATIVE_DASH = shutil.which("dash")
SETPRIV = shutil.which("setpriv")


def native(script: str) -> tuple[int, str, str]:
    """`dash -c script` on the host as a non-root user, in a fresh writable directory."""
    assert NATIVE_DASH, "the host's dash is the baseline"
    cwd = tempfile.mkdtemp(prefix="posix-native-")
    os.chmod(cwd, 0o777)
    argv = [NATIVE_DASH, "-c", script]
    if os.geteuid() == 0:
        assert SETPRIV, "setpriv drops root for the native baseline"
        argv = [SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
    try:
        r = subprocess.run(
            argv, cwd=cwd, capture_output=True, text=True, timeout=60,
            env={"HOME": cwd, "PATH": "/usr/bin:/bin", "LC_ALL": "C"},
        )  # fmt: skip
    finally:
        shutil.rmtree(cwd, ignore_errors=True)
    return r.returncode, r.stdout, r.stderr


def _dash_messages(err: str) -> str:
    """dash's own diagnostics without the program name it prefixes (dash vs /bin/sh)."""
    return re.sub(r"^\S*(dash|sh): ", "sh: ", err, flags=re.M)


SAME_AS_NATIVE = {
    "errno precedence of mkdir and open": (
        "python3 -c '\n"
        "import errno, os\n"
        "def name(call, *args):\n"
        "    try:\n"
        "        call(*args)\n"
        '        return "ok"\n'
        "    except OSError as e:\n"
        "        return errno.errorcode[e.errno]\n"
        'for p in ("/", "/bin", "/tmp", "/proc"):\n'
        '    print("mkdir", p, name(os.mkdir, p))\n'
        'print("open w /tmp", name(open, "/tmp", "w"))\n'
        'print("open a /tmp", name(open, "/tmp", "a"))\n'
        'print("os.open wronly /tmp", name(os.open, "/tmp", os.O_WRONLY))\n'
        'print("os.open creat /tmp", name(os.open, "/tmp", os.O_RDONLY | os.O_CREAT))\n'
        "'"
    ),
    "permission bits for exec, read, write and PATH search": (
        "echo 'echo ran' > s; chmod 644 s; ./s; echo $?; PATH=$PWD:$PATH; s; echo $?\n"
        "chmod 755 s; s; echo $?; [ -x s ] && echo x-ok\n"
        "echo t > f; chmod 000 f; cat f; echo $?; echo y > f; echo $?\n"
        "[ -r f ] || echo not-r; [ -w f ] || echo not-w; [ -e f ] && echo exists\n"
        "chmod 200 f; echo w > f; echo $?; chmod 600 f; cat f"
    ),
    "directory permissions for adding, removing and listing names": (
        "mkdir d; echo k > d/keep; chmod 500 d; echo x > d/new; echo $?; mkdir d/sub; echo $?\n"
        "rm d/keep 2>/dev/null; echo $?; mv d/keep moved 2>/dev/null; echo $?; cat d/keep\n"
        "chmod 300 d; echo d/*; chmod 700 d; echo d/*; rm d/keep; rmdir d; echo $?"
    ),
    "umask in the home and /tmp's mode": (
        "umask 002; echo > f; mkdir d; umask 0; echo > g; mkdir e; umask 077; echo > h\n"
        "stat -c '%a %n' f d g e h; stat -c %a /tmp"
    ),
    "open of a directory or an empty name for writing": (
        "echo x > /tmp; echo $?; echo x > ''; echo $?; echo x >> /tmp; echo $?; : > /tmp/; echo $?"
    ),
    "the top shell has a parent": (
        '[ "$PPID" -gt 0 ] && echo positive; [ $PPID != $$ ] && echo other'
    ),
    "/dev/full": "echo x > /dev/full; echo $?; head -c 5 /dev/full | wc -c",
    "FIFOs": (
        "mkfifo p; [ -p p ] && echo fifo; mkfifo p 2>/dev/null || echo exists\n"
        "(echo one > p; echo w-done >> log) & sleep 0.3; [ -s log ] || echo writer-blocked\n"
        "cat p; wait; cat log\n"
        "(cat p > got) & sleep 0.3; [ -s got ] || echo reader-blocked\n"
        "echo two > p; wait; cat got\n"
        "exec 3<>p; echo three >&3; read l <&3; echo $l; exec 3<&-\n"
        "python3 -c '\n"
        "import errno, os\n"
        "try:\n"
        '    os.open("p", os.O_WRONLY | os.O_NONBLOCK)\n'
        "except OSError as e:\n"
        "    print(errno.errorcode[e.errno])\n"
        'r = os.open("p", os.O_RDONLY | os.O_NONBLOCK)\n'
        'w = os.open("p", os.O_WRONLY)\n'
        'os.write(w, b"four")\n'
        "print(os.read(r, 9))\n"
        "'"
    ),
    "ulimit": (
        "ulimit -n 40; ulimit -n; ulimit -Sn 30; ulimit -n; ulimit -Hn; ulimit -Hn 41; echo $?\n"
        "ulimit -Sn 35; echo $?; ulimit -n; (ulimit -n 20; ulimit -n); ulimit -n\n"
        "ulimit -Hn 32; echo $?; ulimit -Sn 30; ulimit -Hn 32; ulimit -Hn; ulimit -c 0; ulimit -c"
    ),
    "a trapped signal ends the read builtin and wait (dash's handlers have no SA_RESTART)": (
        "trap 'echo trapped' INT; mkfifo p; exec 3<>p\n"
        '(sleep 0.3; kill -INT $$) & read x <&3; echo "read $?"; wait\n'
        'sleep 5 > /dev/null & s=$!; (sleep 0.3; kill -INT $$) & wait; echo "wait $?"; kill $s'
    ),
    "bracket expressions with backslashes in case and globs": (
        "for s in ']' '-' 'a' 'z' 'b' '\\'; do\n"
        "  case $s in\n"
        '    [\\]]) echo "$s: bracket";;\n'
        '    [a\\-z]) echo "$s: a-or-z";;\n'
        '    *) echo "$s: no";;\n'
        "  esac\n"
        "done\n"
        "touch ']x' a- z- b-; echo [\\]]*; echo [a\\-z]-"
    ),
}


@pytest.mark.parametrize("name", sorted(SAME_AS_NATIVE))
def test_same_as_native_dash_as_a_user(name, tmp_path):
    script = SAME_AS_NATIVE[name]
    code, out, err = sh(script, tmp_path)
    ncode, nout, nerr = native(script)
    assert (code, out) == (ncode, nout), err
    dash_err = [ln for ln in _dash_messages(err).splitlines() if ln.startswith("sh: ")]
    native_err = [ln for ln in _dash_messages(nerr).splitlines() if ln.startswith("sh: ")]
    assert dash_err == native_err


def test_a_fifo_in_tmp_joins_two_processes(tmp_path):
    code, out, _ = sh("cd /tmp && mkfifo q && (seq 3 > q &) && wc -l < q && rm q", tmp_path)
    assert (code, out.split()) == (0, ["3"])


def test_python_makes_a_fifo_that_a_shell_writes_to(tmp_path):
    script = (
        "import os, stat, subprocess\n"
        "os.mkfifo('p', 0o600)\n"
        "print(stat.S_ISFIFO(os.stat('p').st_mode), oct(os.stat('p').st_mode & 0o777))\n"
        "w = subprocess.Popen(['sh', '-c', 'echo through > p'])\n"
        "print(open('p').read().strip(), w.wait())\n"
    )
    code, out, err = sh(f'python3 -c "{script}"', tmp_path)
    assert (code, out.split()) == (0, ["True", "0o600", "through", "0"]), err


def test_ulimit_n_limits_open_files(tmp_path):
    script = (
        "ulimit -n 20; python3 -c '\n"
        "import errno, os\n"
        "try:\n"
        '    fds = [os.open("/dev/null", 0) for _ in range(30)]\n'
        "except OSError as e:\n"
        "    print(errno.errorcode[e.errno])\n"
        "'; ulimit -n"
    )
    assert sh(script, tmp_path)[:2] == (0, "EMFILE\n20\n")


def test_ulimit_v_and_p_limit_memory_and_processes(tmp_path):
    script = (
        "(ulimit -v 2000; python3 -c pass; echo python $?)\n"
        "(ulimit -p 3; for i in 1 2 3 4; do sleep 0.2 & done; wait); echo still $?"
    )
    code, out, err = sh(script, tmp_path)
    assert (code, out) == (0, "python 126\nstill 2\n")  # the subshell: Cannot fork
    assert "python3: Out of memory" in err and "Cannot fork" in err
