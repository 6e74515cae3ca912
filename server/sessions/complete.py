"""Tab completion of the shell's command line: command names and paths, as readline does them.

dash has no line editor of its own (no libedit: the terminal's line discipline edits lines), so
the terminal completes the word before the cursor while the shell leads the foreground. The first
word of a command completes against $PATH and dash's builtins, any other word (or one with a
`/`) against the file tree, from the shell's working directory. Only cached reads are used: the
line discipline runs on whatever thread delivered the keystroke.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .vfs.base import DIR
from .vfs.tree import Tree

WORD_BREAKS = frozenset(" \t\"'<>=;|&()`")
COMMAND_BREAKS = ("|", ";", "&", "(", "`")  # what may precede the first word of a command
SPECIAL = frozenset(" \t\"'\\$`<>;|&()*?[]#~=!{}")  # escaped with a backslash when inserted
BUILTINS = (
    "alias", "bg", "break", "cd", "command", "continue", "eval", "exec", "exit", "export", "fc",
    "fg", "getopts", "hash", "jobs", "local", "read", "readonly", "return", "set", "shift",
    "times", "trap", "type", "ulimit", "umask", "unalias", "unset", "wait",
)  # fmt: skip


@dataclass
class Completion:
    typed: str  # the part of the last path component already typed (unescaped)
    matches: list[str]  # candidate names, directories with a trailing "/"

    @property
    def common(self) -> str:
        """What every match continues the typed text with (escaped, ready to insert)."""
        common = os.path.commonprefix(self.matches)[len(self.typed) :]  # noqa: RUF071 (by char)
        if len(self.matches) == 1 and not common.endswith("/"):
            return escape(common) + " "
        return escape(common)


def escape(name: str) -> str:
    return "".join("\\" + c if c in SPECIAL else c for c in name)


def word_start(line: str) -> int:
    i = len(line)
    while i and not (line[i - 1] in WORD_BREAKS and line[i - 2 : i - 1] != "\\"):
        i -= 1
    return i


def complete(tree: Tree, cwd: str, env: dict[str, str], line: str) -> Completion:
    """Candidates for the word that ends `line` (the text before the cursor)."""
    start = word_start(line)
    word = line[start:].replace("\\", "")
    before = line[:start].rstrip()
    if "/" not in word and (not before or before.endswith(COMMAND_BREAKS)):
        names = {n for d in env.get("PATH", "/bin").split(":") if d for n in _list(tree, d, cwd)}
        names.update(BUILTINS)
        return Completion(word, sorted(n for n in names if n.startswith(word)))
    head, _, typed = word.rpartition("/")
    folder = head + "/" if "/" in word else ""
    if folder.startswith("~/"):
        folder = env.get("HOME", "/") + folder[1:]
    matches = []
    for name in _list(tree, folder or ".", cwd):
        if name.startswith(typed) and (typed.startswith(".") or not name.startswith(".")):
            matches.append(name + "/" if _is_dir(tree, folder + name, cwd) else name)
    return Completion(typed, sorted(matches))


def _list(tree: Tree, path: str, cwd: str) -> list[str]:
    try:
        res = tree.resolve(path, cwd)
        names = res.backend.listdir(res.rel)
    except OSError:
        return []
    # Control characters cannot be typed, and must not reach the screen in a listing.
    return [name for name in names if name.isprintable()]


def _is_dir(tree: Tree, path: str, cwd: str) -> bool:
    try:
        res = tree.resolve(path, cwd)
        return res.backend.lstat(res.rel).kind == DIR
    except OSError:
        return False
