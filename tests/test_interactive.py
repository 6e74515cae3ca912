"""The session as a user at the terminal sees it: prompt, echo, Ctrl-C, job control, resize."""

from __future__ import annotations

import threading
import time

import pytest

from server.sessions.session import Session, SessionConfig
from server.sessions.vfs.hostdir import HostDir


class Terminal:
    def __init__(self, home) -> None:
        self.screen = bytearray()
        self.changed = threading.Condition()
        self.exited: int | None = None
        self.session = Session(SessionConfig(), HostDir(home), self._output, self._exit)
        self.session.start()

    def _output(self, data: bytes) -> None:
        with self.changed:
            self.screen += data
            self.changed.notify_all()

    def _exit(self, status: int) -> None:
        with self.changed:
            self.exited = status
            self.changed.notify_all()

    def type(self, text: str) -> None:
        self.session.write_input(text.encode())

    def expect(self, text: str, timeout: float = 20) -> float:
        """Wait until `text` is on screen after the current mark; returns the seconds it took."""
        t = time.monotonic()
        with self.changed:
            ok = self.changed.wait_for(lambda: text.encode() in self.screen[self.mark :], timeout)
        assert ok, f"{text!r} not seen; screen: {bytes(self.screen[self.mark :])!r}"
        self.mark = self.screen.index(text.encode(), self.mark) + len(text)
        return time.monotonic() - t

    mark = 0


@pytest.fixture
def term(tmp_path):
    t = Terminal(tmp_path)
    t.expect("$ ")
    yield t
    t.session.stop()


def test_prompt_echo_and_output(term):
    term.type("echo hi | wc -c\r")
    term.expect("echo hi | wc -c\r\n")  # echoed by the line discipline
    term.expect("3\r\n")
    term.expect("$ ")


def test_a_line_typed_ahead_shows_again_after_the_next_prompt(term):
    term.type("echo d$((1+1))\recho t$((3+4))\x1b[D")  # the cursor one back, as typed
    term.expect("echo t$((3+4))")  # echoed as typed, before the shell's output
    term.expect("d2\r\n")
    term.expect("$ echo t$((3+4))\b")  # readline-like: the line again after the prompt
    term.type("\x1b[C\r")
    term.expect("t7\r\n")


def test_ctrl_c_kills_the_foreground_job_not_the_shell(term):
    term.type("sleep 100\r")
    term.expect("sleep 100\r\n")
    time.sleep(0.3)
    term.type("\x03")
    assert term.expect("$ ") < 5
    term.type("echo alive\r")
    term.expect("alive\r\n")
    assert term.exited is None


def test_ctrl_c_stops_a_busy_loop_in_the_shell(term):
    term.type("while :; do :; done\r")
    time.sleep(0.5)
    term.type("\x03")
    term.expect("$ ")
    term.type("echo back\r")
    term.expect("back\r\n")


def test_ls_uses_columns_on_a_terminal(term, tmp_path):
    for name in ("alpha", "beta", "gamma"):
        (tmp_path / name).write_text("x")
    term.type("ls\r")
    term.expect("alpha")
    term.expect("beta")
    term.expect("gamma")
    line = bytes(term.screen).split(b"ls\r\n", 1)[1].split(b"\r\n", 1)[0]
    assert b"beta" in line  # several names on one line


def test_resize_raises_sigwinch_in_the_foreground(term):
    term.type("trap 'echo got-winch' WINCH\r")
    term.expect("$ ")
    term.session.resize(40, 120)
    term.type("echo after\r")
    term.expect("got-winch")
    term.expect("after\r\n")


def test_exit_ends_the_session(term):
    term.type("exit 3\r")
    with term.changed:
        assert term.changed.wait_for(lambda: term.exited is not None, 10)
    assert term.exited == 3 << 8


def test_background_job_and_wait(term):
    term.type("(sleep 0.3; echo later) & echo now; wait; echo all-done\r")
    term.expect("now")
    term.expect("later")
    term.expect("all-done")


def test_background_reader_is_stopped_not_fed_the_shells_input(term):
    term.type("cat &\r")
    term.expect("$ ")
    term.type("echo still-mine\r")
    term.expect("still-mine\r\n")
    deadline = time.monotonic() + 30  # the first run of a program may compile it
    while b"Stopped" not in term.screen[term.mark :] and time.monotonic() < deadline:
        term.type("jobs\r")
        term.expect("$ ")
    term.expect("Stopped (tty input)")
    term.type("kill -9 %1\r")
    term.expect("$ ")


def test_ctrl_z_and_fg_resume_a_sleep(term):
    term.type("sleep 1\r")
    time.sleep(0.3)
    term.type("\x1a")
    term.expect("Stopped")
    term.type("fg\r")
    term.expect("$ ")
    term.type("echo woke $?\r")
    term.expect("woke 0")


def test_a_huge_paste_arrives_intact(term, tmp_path):
    term.type("cat > pasted.txt\r")
    time.sleep(0.3)
    lines = [f"line {i} ünïcode {'x' * 80}" for i in range(10000)]
    term.type("\r".join(lines) + "\r")
    term.type("\x04")
    term.expect("$ ")
    assert (tmp_path / "pasted.txt").read_text() == "\n".join(lines) + "\n"


def test_tab_completes_commands_and_file_names(term, tmp_path):
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / "my file.py").write_text("print(1)\n")
    (tmp_path / "project").mkdir()
    term.type("ech\t")
    term.expect("ech" + "o ")  # the first word: a command from $PATH
    term.type("no\t")
    term.expect("tes.txt ")
    term.type("\r")
    term.expect("\r\nnotes.txt\r\n")  # echo ran with the completed name
    term.expect("$ ")
    term.type("cat my\t")
    term.expect("my\\ file.py ")  # inserted with the shell's quoting
    term.type("\r")
    term.expect("print(1)\r\n")
    term.expect("$ ")
    (tmp_path / "evil\x1b]0;pwned\x07").write_text("")  # a name that would retitle the terminal
    (tmp_path / "evil.txt").write_text("")
    term.type("ls ev\t\r")
    term.expect("il.txt \r\nevil.txt")
    term.expect("$ ")
    term.type("cd pro\t\r")
    term.expect("ject/")  # a directory gets its slash, no space
    term.type("pwd\r")
    term.expect("/home/user/project\r\n")


def test_a_second_tab_lists_the_candidates_and_redraws_the_line(term, tmp_path):
    (tmp_path / "alpha.txt").write_text("")
    (tmp_path / "alps").mkdir()
    (tmp_path / "alps" / "inside.txt").write_text("")
    term.type("ls al\t")
    term.expect("al" + "p")  # the common part of both names
    term.type("\t")
    term.expect("\r\nalpha.txt  alps/\r\n/home/user$ ls alp")
    term.type("s\t\r")
    term.expect("s/\r\ninside.txt\r\n")


def test_tab_still_indents_in_python(term):
    term.type("python3\r")
    term.expect(">>> ")
    term.type("for i in range(2):\r\tprint(i * 10)\r\r")
    term.expect("0\r\n10\r\n>>> ")


def test_more_pages_and_python_help_uses_it(term):
    term.type("seq 100 | more\r")
    term.expect("\r\n23\r\n")  # a screenful: 24 rows less the prompt's
    term.expect("--More--")
    assert b"\r\n24\r\n" not in term.screen
    term.type(" ")
    term.expect("\r\n46\r\n")
    term.type("q")
    term.expect("$ ")
    assert b"\r\n100\r\n" not in term.screen
    term.type("python3\r")
    term.expect(">>> ")
    term.type("help(str)\r")
    term.expect("--More--")  # pydoc found a pager, and says nothing about a missing one
    term.type("q")
    term.expect(">>> ")
    term.type("6 * 7\r")
    term.expect("42\r\n")
    assert b"not found" not in term.screen


def test_python_hides_passwords_and_reads_single_keys(term):
    term.type("python3\r")
    term.expect(">>> ")
    term.type("import getpass; p = getpass.getpass('p' + 'w: ')\r")  # the echo is no prompt
    term.expect("pw: ")
    term.type("hunter2\r")
    term.expect(">>> ")
    assert b"hunter2" not in term.screen and b"Warning" not in term.screen
    term.type("len(p)\r")
    term.expect("7\r\n")
    term.type(  # a "press any key" prompt: cbreak mode hands over each key without Enter
        "import sys, termios, tty; old = termios.tcgetattr(0); tty.setcbreak(0); print('rea'"
        " + 'dy'); k = sys.stdin.read(1); termios.tcsetattr(0, termios.TCSADRAIN, old)\r"
    )
    term.expect("ready")
    term.type("x")
    term.expect(">>> ")
    term.type("print('key', k)\r")
    term.expect("key x\r\n")


def test_ctrl_l_clears_the_screen_and_keeps_the_line(term):
    term.type("echo o$((1+1))\r")
    term.expect("o2\r\n/home/user$ ")
    term.type("echo half\x02\x02")  # cursor two to the left, then Ctrl-L
    term.type("\x0c")
    term.expect("\x1b[H\x1b[2J/home/user$ echo half\b\b")
    term.type("\r")
    term.expect("half\r\n")
    term.type("python3\r")
    term.expect(">>> ")
    term.type("6 * 7\x0c")  # the REPL's line too
    term.expect("\x1b[2J>>> 6 * 7")
    term.type("\r")
    term.expect("42\r\n")


def test_ctrl_left_and_right_move_by_words(term):
    left, right = "\x1b[1;5D", "\x1b[1;5C"
    term.type(f"echo one two{left}{left}X{right}{right}Y\r")  # ends: "echo Xone twoY"
    term.expect("\r\nXone twoY\r\n/home/user$ ")
    term.type("echo one two\x1bbZ\x1bf!\r")  # Alt-B and Alt-F
    term.expect("\r\none Ztwo!\r\n")


def test_ctrl_r_searches_the_history(term):
    for word in ("alpha", "beta", "alphabet"):
        term.type(f"echo {word}\r")
        term.expect(f"\r\n{word}\r\n/home/user$ ")
    term.type("\x12alp")  # the newest match first
    term.expect("(reverse-i-search)`alp': echo alphabet")
    term.type("\x12")  # then older ones
    term.expect("(reverse-i-search)`alp': echo alpha")
    term.type("\r")  # Enter runs it
    term.expect("\r\nalpha\r\n/home/user$ ")
    term.type("\x12zzz")
    term.expect("(failed reverse-i-search)`zzz'")
    term.type("\x07echo back\r")  # Ctrl-G gives up: the line is as it was
    term.expect("\r\nback\r\n/home/user$ ")
    term.type("\x12beta\x1b[D!\r")  # a cursor key leaves the search to edit what it found
    term.expect("\r\nbet!a\r\n")


def test_stty_reads_and_sets_the_terminal(term):
    term.session.resize(30, 100)
    term.type("stty size; stty -a | head -n 1\r")
    term.expect("30 100\r\n")
    term.expect("rows 30; columns 100;")
    term.expect("$ ")
    term.type("stty -echo\r")
    term.expect("$ ")
    term.type("echo hidden-by-stty\r")
    term.expect("hidden-by-stty\r\n")  # the command's output, not its echo
    term.expect("$ ")
    assert term.screen.count(b"hidden-by-stty") == 1
    term.type("stty sane\r")
    term.expect("$ ")
    term.type("echo shown\r")
    term.expect("echo shown\r\n")


def test_ctrl_c_stops_a_runaway_sqlite_query(term):
    term.type("sqlite3\r")
    term.expect("sqlite> ")
    term.type("with recursive c(x) as (select 1 union all select x + 1 from c)")
    term.type(" select count(*) from c;\r")
    term.expect("count(*) from c;\r\n")
    time.sleep(0.5)
    term.type("\x03")
    term.expect("interrupted")
    term.expect("sqlite> ")
    term.type("select 6 * 7;\r")
    term.expect("42\r\n")
    term.type(".quit\r")
    term.expect("$ ")


def test_ctrl_c_at_the_sqlite_prompt_keeps_sqlite(term):
    """sqlite3 installs its SIGINT handler with signal(), i.e. SA_RESTART: the handler runs and
    the read of the next line goes on, as with native sqlite3 (it used to get EOF and quit)."""
    term.type("sqlite3\r")
    term.expect("sqlite> ")
    time.sleep(0.3)
    term.type("\x03")
    time.sleep(0.5)  # sqlite3's read has seen the signal before the next line arrives
    term.type("select 6 * 7;\r")
    term.expect("42\r\n")
    term.type(".quit\r")
    term.expect("$ ")


def test_a_python_sigint_handler_runs_and_readline_goes_on(term):
    """PEP 475: Python's handlers have no SA_RESTART; the read fails with EINTR, Python runs the
    handler and reads again."""
    term.type(
        'python3 -c \'import signal, sys; signal.signal(signal.SIGINT, lambda *a: print("han"'
        ' + "dled", flush=True)); print("rea" + "dy", flush=True);'
        ' print("got", sys.stdin.readline().strip())\'\r'
    )
    term.expect("ready\r\n")
    time.sleep(0.3)
    term.type("\x03")
    term.expect("handled\r\n")
    term.type("abc\r")
    term.expect("got abc\r\n")
    term.expect("$ ")
