"""The pipe path under many small writes (server/sessions/pipe.py): exact bytes through long
pipelines, batching for a reader that asks for more, and the invariants batching must keep
(EOF, SIGPIPE, poll readiness, signals interrupting a blocked reader or writer)."""

from __future__ import annotations

import hashlib
import textwrap
import time
from pathlib import Path

import pytest
from kernel_helpers import run, sh
from test_interactive import Terminal

from server.sessions import pipe


def py(code: str, home: Path) -> str:
    (home / "t.py").write_text(textwrap.dedent(code))
    status, out, err = run(["/bin/python3", "t.py"], home, timeout=60)
    assert status == 0, err
    return out


def test_exact_bytes_through_a_long_pipeline_of_small_writes(tmp_path):
    # yes writes 64 KiB a call, dd re-blocks them into 7-byte writes, cat and head pass on
    script = "yes | head -c 300001 | dd bs=7 2>/dev/null | cat | cat | wc -c"
    assert sh(script, tmp_path)[:2] == (0, "300001\n")


@pytest.mark.parametrize(
    "args", [[], ["a", "b  c"], [""], ["x" * 70000]], ids=["y", "words", "empty", "70 KB line"]
)
def test_yes_repeats_its_line_as_gnu_yes(args, tmp_path):
    """toybox yes fills whole buffers with copies of its line (patch 0013): the stream must stay
    the line, its words joined by spaces, over and over, also across buffer ends and for a line
    longer than the buffer."""
    line = (" ".join(args) if args else "y").encode() + b"\n"
    n = 300_001
    expected = hashlib.md5((line * (n // len(line) + 1))[:n]).hexdigest()
    quoted = " ".join(f"'{a}'" for a in args)
    code, out, err = sh(f"yes {quoted} | head -c {n} | md5sum | cut -c1-32", tmp_path)
    assert (code, out) == (0, expected + "\n"), err


def test_unbuffered_python_lines_arrive_complete_and_in_order(tmp_path):
    code, out, _ = sh(
        "python3 -u -c 'for i in range(5000): print(i)' | cat | md5sum | cut -c1-32", tmp_path
    )
    expected = hashlib.md5("".join(f"{i}\n" for i in range(5000)).encode())
    assert (code, out) == (0, expected.hexdigest() + "\n")


def test_small_reads_of_one_big_write(tmp_path):
    script = "head -c 100000 /dev/zero | tr '\\0' x | dd bs=3 2>/dev/null | wc -c"
    assert sh(script, tmp_path)[:2] == (0, "100000\n")


def test_a_reader_gets_a_running_writers_small_writes_as_one_batch(tmp_path, monkeypatch):
    """One read of up to 100 bytes returns all three printfs: after the first wakes the reader,
    it waits while the writer runs, and stops waiting as soon as the writer blocks in `sleep`
    (a 30 s linger here, so a linger that did not end would time the run out)."""
    monkeypatch.setattr(pipe, "LINGER", 30.0)
    code, out, _ = sh(
        "(sleep 1; printf a; printf b; printf c; sleep 1; printf d)"
        " | python3 -c 'import os; print(os.read(0, 100), os.read(0, 100))'",
        tmp_path,
    )
    assert (code, out) == (0, "b'abc' b'd'\n")


def test_eof_once_every_writer_is_gone(tmp_path):
    out = sh("(printf 1; (printf 2; printf 3) & wait) | (cat; echo EOF)", tmp_path)[1]
    assert out == "123EOF\n"


def test_sigpipe_stops_a_small_writer_and_epipe_without_it(tmp_path):
    out = py(
        """
        import os, subprocess
        r, w = os.pipe()
        os.close(r)
        try:
            os.write(w, b"x")  # Python ignores SIGPIPE: the write fails instead
        except BrokenPipeError:
            print("EPIPE")
        y = subprocess.Popen(["yes"], stdout=subprocess.PIPE, restore_signals=True)
        y.stdout.read(4)
        y.stdout.close()
        print(y.wait(timeout=20))
        """,
        tmp_path,
    )
    assert out == "EPIPE\n-13\n"


def test_poll_wakes_on_a_small_write(tmp_path):
    out = py(
        """
        import os, select, subprocess
        p = subprocess.Popen(["sh", "-c", "sleep 0.2; printf x; sleep 5"], stdout=subprocess.PIPE)
        poller = select.poll()
        poller.register(p.stdout, select.POLLIN)
        print(poller.poll(20_000))
        print(os.read(p.stdout.fileno(), 10))
        p.kill()
        p.wait()
        """,
        tmp_path,
    )
    events, data = out.splitlines()
    assert events.startswith("[(") and data == "b'x'"


@pytest.mark.parametrize("command", ["cat", "yes"], ids=["blocked reader", "blocked writer"])
def test_sigint_kills_a_blocked_pipe_end(command, tmp_path):
    """cat waits on an empty pipe, yes on a full one; Python's own SIGINT handler must not
    reach its posix_spawn children (that made the read fail with EINTR instead)."""
    out = py(
        f"""
        import signal, subprocess, time
        p = subprocess.Popen([{command!r}], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        print(p.wait(timeout=20))
        """,
        tmp_path,
    )
    assert out == "-2\n"


def test_a_handled_signal_interrupts_a_blocked_read_which_resumes(tmp_path):
    out = py(
        """
        import os, signal, subprocess
        signal.signal(signal.SIGALRM, lambda *_: print("alarm", flush=True))
        p = subprocess.Popen(["sh", "-c", "sleep 2; printf x"], stdout=subprocess.PIPE)
        signal.alarm(1)
        print(os.read(p.stdout.fileno(), 10))  # EINTR, the handler, then the read again
        p.wait()
        """,
        tmp_path,
    )
    assert out == "alarm\nb'x'\n"


def test_nonblocking_ends_say_eagain_and_fill_to_capacity(tmp_path):
    out = py(
        """
        import os
        r, w = os.pipe()
        os.set_blocking(r, False)
        os.set_blocking(w, False)
        try:
            os.read(r, 10)
        except BlockingIOError:
            print("empty EAGAIN")
        total = 0
        try:
            while True:
                total += os.write(w, b"x" * 4096)
        except BlockingIOError:
            print("full EAGAIN", total)
        print(len(os.read(r, 1 << 21)))
        """,
        tmp_path,
    )
    assert out == f"empty EAGAIN\nfull EAGAIN {pipe.CAPACITY}\n{pipe.CAPACITY}\n"


def test_ctrl_c_stops_a_pipeline_of_small_writes(tmp_path):
    """Every stage is busy in a pipe call (yes writing, head and wc reading or lingering)."""
    term = Terminal(tmp_path)
    try:
        term.expect("$ ")
        term.type("yes | head -c 999999999 | wc -c\r")
        term.expect("wc -c\r\n")
        time.sleep(0.5)
        term.type("\x03")
        term.expect("$ ")
        term.type("echo alive\r")
        term.expect("alive\r\n")
    finally:
        term.session.stop()
