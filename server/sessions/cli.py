"""`cowasm`: the session machine in your own terminal, with the current directory as home.

cowasm                      interactive dash (raw mode, window size, Ctrl-C)
cowasm sh -c 'ls | wc -l'   run a command; its exit status is cowasm's
cowasm python a.py          any program in /bin
cowasm attach URL           attach this terminal to a shared session (see server/attach.py)
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import termios
import threading
import tty

from ..assets import check_wasm
from . import system
from .batch import exit_code
from .fd import HostStream
from .session import HOME, Session, SessionConfig
from .vfs.hostdir import HostDir


def run(argv: list[str]) -> int:
    interactive = all(os.isatty(fd) for fd in (0, 1, 2))
    cmd = argv or ["/bin/sh", "-i"] if interactive else argv or ["/bin/sh"]
    if "/" not in cmd[0]:
        cmd = ["/bin/" + cmd[0], *cmd[1:]]
    size = shutil.get_terminal_size()
    done = threading.Event()
    result = [0]

    def on_exit(status: int) -> None:
        result[0] = status
        done.set()

    session = Session(  # a script's background jobs finish, as orphans on the host would
        SessionConfig(rows=size.lines, cols=size.columns, wait_orphans=not interactive),
        HostDir(os.getcwd()),
        lambda data: os.write(1, data),
        on_exit,
    )
    if not interactive:
        stdio = [HostStream(0, True), HostStream(1, False), HostStream(2, False)]
        session.start(cmd, HOME, stdio)
        done.wait()
        return exit_code(result[0])

    saved = termios.tcgetattr(0)
    tty.setraw(0)
    signal.signal(signal.SIGWINCH, lambda *_: session.resize(*_size()))
    session.start(cmd, HOME)

    def pump() -> None:
        while not done.is_set():
            data = os.read(0, 4096)
            if not data:
                break
            session.write_input(data)

    threading.Thread(target=pump, daemon=True).start()
    try:
        done.wait()
    finally:
        termios.tcsetattr(0, termios.TCSADRAIN, saved)
    return exit_code(result[0])


def _size() -> tuple[int, int]:
    size = shutil.get_terminal_size()
    return size.lines, size.columns


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "attach":
        from server.attach import main_attach

        sys.exit(main_attach(args[1:]))
    if args and args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return
    check_wasm(system.DIST)  # a clear error instead of "/bin/sh: not found"
    code = run(args)
    sys.stdout.flush()
    os._exit(code)  # worker threads may still be unwinding; the status is what matters
