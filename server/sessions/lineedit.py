"""The line editor of the terminal's canonical mode: what readline gives a program, done once
in the kernel for every program that reads a line (dash, python's input() and REPL, read).

Beyond POSIX's erase/kill/werase/EOF: cursor keys, Home/End, Ctrl-A/E/K/U/W/L, word moves
(Ctrl-Left/Right, Alt-B/F), a history per program (dash and python each keep their own; Up/Down,
Ctrl-R's incremental search) and Tab completion while the shell is in the foreground
(complete.py). The terminal (tty.py) hands it the keys of canonical mode and takes the lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .complete import complete

if TYPE_CHECKING:
    from .proc import Process
    from .tty import Tty

HISTORY = 500
LISTING = 300  # more Tab candidates than this are counted, not listed
SHELL = "dash"  # the program whose lines get Tab completion

# Editing keys after escape-sequence decoding.
KEYS = {
    "\x1b[A": "up",
    "\x1b[B": "down",
    "\x1b[C": "right",
    "\x1b[D": "left",
    "\x1bOA": "up",
    "\x1bOB": "down",
    "\x1bOC": "right",
    "\x1bOD": "left",
    "\x1b[H": "home",
    "\x1b[F": "end",
    "\x1bOH": "home",
    "\x1bOF": "end",
    "\x1b[1~": "home",
    "\x1b[4~": "end",
    "\x1b[7~": "home",
    "\x1b[8~": "end",
    "\x1b[3~": "delete",
    "\x1b[1;5D": "word-left",  # Ctrl-Left and Ctrl-Right, as xterm.js sends them
    "\x1b[1;5C": "word-right",
    "\x1bb": "word-left",  # Alt-B and Alt-F, as in readline
    "\x1bf": "word-right",
    "\x01": "home",
    "\x05": "end",
    "\x02": "left",
    "\x06": "right",
    "\x0b": "kill-end",
    "\x0c": "clear",
    "\x10": "up",
    "\x0e": "down",
}


class LineEditor:
    def __init__(self, tty: Tty) -> None:
        self.tty = tty
        self.line = ""  # the line being edited
        self.cursor = 0
        self.esc = ""  # an escape sequence being received
        self.histories: dict[str, list[str]] = {}
        self.hist_pos = 0
        self.reader = ""  # program of the last reader: selects the history (_history)
        self.tabbed = False  # the last key was Tab: a second one lists the candidates
        self.search: str | None = None  # Ctrl-R's query while searching the history
        self.search_at = 0  # the history entry shown
        self.search_saved = ("", 0)  # the line and cursor before the search, for Ctrl-G

    @property
    def busy(self) -> bool:
        """In the middle of a key sequence or a search: typed text must go key by key."""
        return bool(self.esc) or self.search is not None

    def reset(self) -> None:
        """A signal key (Ctrl-C ...) drops the line and any sequence or search."""
        self.line, self.cursor, self.esc, self.search, self.tabbed = "", 0, "", None, False
        self.tty.displaced = False

    def _echo(self, text: str) -> None:
        self.tty.echo(text)

    # -- keys --
    def append(self, run: str) -> None:
        """Printable text typed at the end of the line (a paste comes whole)."""
        self.tabbed = False
        self.line += run
        self.cursor += len(run)
        self._echo(run)

    def key(self, ch: str) -> None:
        tabbed, self.tabbed = self.tabbed, False
        if self.esc:
            self.esc += ch
            if len(self.esc) == 2 and ch not in "[O":
                seq, self.esc = self.esc, ""
                if seq in KEYS:  # Alt and a letter
                    self._edit(KEYS[seq], seq)
                else:
                    self.tty.key(ch)  # a lone ESC followed by a key: drop the ESC
            elif (len(self.esc) > 2 and (ch.isalpha() or ch == "~")) or len(self.esc) > 8:
                seq, self.esc = self.esc, ""
                self._edit(KEYS.get(seq, ""), seq)
            return
        if self.search is not None and self._search_key(ch):
            return
        control = self.tty.control(ch)  # one of termios's editing characters, or None
        if ch == "\x12":  # Ctrl-R
            self.search, self.search_saved = "", (self.line, self.cursor)
            self.search_at = len(self._history())
            self._show_search(failed=False)
        elif ch == "\x1b":
            self.esc = ch
        elif ch == "\n":
            self._submit(self.line + "\n")
        elif control == "eof":
            if not self.line:
                self.tty.lines.append(b"")
            elif self.cursor < len(self.line):
                self._edit("delete", ch)
            else:
                self._submit(self.line)
        elif control in ("erase", "kill", "werase"):
            self._edit(control, ch)
        elif ch == "\x08":
            self._edit("erase", ch)
        elif ch in KEYS:
            self._edit(KEYS[ch], ch)
        elif ch == "\t" and (shell := self.shell_in_foreground()):
            self._complete(shell, again=tabbed)
        elif ch == "\t" or ch >= " ":
            self._edit("insert", ch)

    def type_line(self, text: str) -> None:
        """Replace the line being edited by `text` and enter it (the page's Run button)."""
        if self.search is not None:
            self._end_search()
        self.esc, self.tabbed = "", False
        self._replace(0, len(self.line), text, len(text))
        self._submit(self.line + "\n")

    def take_line(self) -> str:
        """The line as typed so far, handed over to raw reads when canonical mode ends."""
        line, self.line, self.cursor = self.line, "", 0
        return line

    # -- editing --
    def _submit(self, text: str) -> None:
        self._move(len(self.line))
        self._echo("\r\n" if text.endswith("\n") else "")
        entry = text.rstrip("\n")
        hist = self._history()
        if entry.strip() and (not hist or hist[-1] != entry):
            hist.append(entry)
            del hist[:-HISTORY]
        self.hist_pos = len(hist)
        self.tty.lines.append(text.encode())
        self.line, self.cursor = "", 0
        self.tty.displaced = False

    def _move(self, pos: int) -> None:
        if pos < self.cursor:
            self._echo("\b" * (self.cursor - pos))
        elif pos > self.cursor:
            self._echo(self.line[self.cursor : pos])
        self.cursor = pos

    def _replace(self, start: int, end: int, text: str, cursor: int) -> None:
        """Replace line[start:end] by text, redraw from start, leave the cursor at `cursor`."""
        self._move(start)
        self.line = self.line[:start] + text + self.line[end:]
        pad = max(0, end - start - len(text))  # blanks over what the line lost
        self._echo(self.line[start:] + " " * pad + "\b" * (len(self.line) + pad - cursor))
        self.cursor = cursor

    def _edit(self, op: str, ch: str) -> None:
        line, cur = self.line, self.cursor
        if op == "insert":  # a key, or a completion
            if cur == len(line):
                self.line += ch
                self.cursor += len(ch)
                self._echo(ch)
            else:
                self._replace(cur, cur, ch, cur + len(ch))
        elif op == "erase" and cur:
            self._replace(cur - 1, cur, "", cur - 1)
        elif op == "delete" and cur < len(line):
            self._replace(cur, cur + 1, "", cur)
        elif op == "kill":
            self._replace(0, cur, "", 0)
        elif op == "kill-end":
            self._replace(cur, len(line), "", cur)
        elif op == "werase":
            start = self._word_start()
            self._replace(start, cur, "", start)
        elif op == "word-left":
            self._move(self._word_start())
        elif op == "word-right":
            end = len(line) - len(line[cur:].lstrip())
            end = line.find(" ", end)
            self._move(len(line) if end < 0 else end)
        elif op == "left" and cur:
            self._move(cur - 1)
        elif op == "right" and cur < len(line):
            self._move(cur + 1)
        elif op == "home":
            self._move(0)
        elif op == "end":
            self._move(len(line))
        elif op == "clear":  # Ctrl-L, as in readline: a clean screen, the same prompt and line
            self._echo("\x1b[H\x1b[2J")
            self._redraw()
        elif op in ("up", "down"):
            hist = self._history()
            pos = self.hist_pos + (-1 if op == "up" else 1)
            if 0 <= pos <= len(hist):
                self.hist_pos = pos
                text = hist[pos] if pos < len(hist) else ""
                self._replace(0, len(line), text, len(text))

    def _word_start(self) -> int:
        """Where the word before the cursor starts (spaces between are skipped)."""
        start = len(self.line[: self.cursor].rstrip())
        return self.line.rfind(" ", 0, start) + 1

    def redisplay(self) -> None:
        """The line again after a prompt, cursor in place (it was typed ahead of the prompt)."""
        self._echo(self.line + "\b" * (len(self.line) - self.cursor))

    def _redraw(self) -> None:
        """The prompt (the output since the last newline) and the line again, cursor in place."""
        self.tty.echo_prompt()
        self.redisplay()

    # -- history --
    def _history(self) -> list[str]:
        """The history of the program the line is for: the last reader while it is still in the
        foreground, else the foreground group's leader (a shell that has yet to read)."""
        name, fg = self.reader, self.tty.fg_pgrp
        if not any(p.name == name and p.pgid == fg for p in self.tty.machine.procs.values()):
            leader = self.tty.foreground_leader()
            name = leader.name if leader else name
        return self.histories.setdefault(name, [])

    # -- Ctrl-R: incremental search backwards through the history, as in readline --
    def _search_key(self, ch: str) -> bool:
        """A key typed while searching; False when it ends the search, to be handled as usual
        (Enter runs the line found, cursor keys edit it)."""
        query = self.search or ""
        if ch == "\x12":  # again: the next older match
            self._search_for(query, self.search_at - 1)
        elif ch in ("\x7f", "\x08"):
            self._search_for(query[:-1], len(self._history()) - 1)
        elif ch == "\x07":  # Ctrl-G: give up, back to the line as it was
            self.line, cursor = self.search_saved
            self.search_at = len(self._history())
            self._end_search(cursor)
        elif ch >= " ":
            self._search_for(query + ch, self.search_at)
        else:
            self._end_search()
            return False
        return True

    def _search_for(self, query: str, start: int) -> None:
        hist = self._history()
        self.search = query
        hit = next((i for i in range(min(start, len(hist) - 1), -1, -1) if query in hist[i]), None)
        if hit is not None:
            self.search_at, self.line = hit, hist[hit]
        self._show_search(failed=hit is None)

    def _show_search(self, failed: bool) -> None:
        self._echo(f"\r\x1b[K({'failed ' * failed}reverse-i-search)`{self.search}': {self.line}")

    def _end_search(self, cursor: int | None = None) -> None:
        self.search, self.hist_pos = None, self.search_at
        self.cursor = len(self.line) if cursor is None else cursor
        self._echo("\r\x1b[K")
        self._redraw()

    # -- Tab completion (the shell's) --
    def shell_in_foreground(self) -> Process | None:
        """The shell, when it leads the foreground group: at its prompt, or between commands."""
        leader = self.tty.foreground_leader()
        return leader if leader and leader.name == SHELL else None

    def _complete(self, proc: Process, again: bool) -> None:
        """Tab: complete the word before the cursor; a second Tab lists the candidates."""
        env = dict(e.decode(errors="replace").partition("=")[::2] for e in proc.env)
        done = complete(self.tty.machine.tree, proc.cwd, env, self.line[: self.cursor])
        self.tabbed = True
        if text := done.common:
            self._edit("insert", text)
        elif again and done.matches:
            self._list_candidates(done.matches)
        else:
            self._echo("\a")

    def _list_candidates(self, names: list[str]) -> None:
        """Candidates in columns under the line (as ls prints them), then prompt and line again."""
        if len(names) > LISTING:
            lines = [f"{len(names)} possibilities: type more of the name"]
        else:
            width = max(map(len, names)) + 2
            rows = -(-len(names) // max(1, self.tty.cols // width))
            lines = ["".join(n.ljust(width) for n in names[r::rows]).rstrip() for r in range(rows)]
        self._echo("\r\n" + "\r\n".join(lines) + "\r\n")
        self._redraw()
