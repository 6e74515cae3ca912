"""toybox's own test scripts (tests/<cmd>.test in its source) run on the real machine: dash as
the shell, toybox as every command, under our kernel.

Each script runs in a fresh session through tests/toybox_runner.sh (a dash port of toybox's
scripts/runtest.sh) and prints one PASS/FAIL/SKIP line per case. A command passes here while
at least BASELINE[cmd] of its cases pass, so a regression fails while the known failures stay
listed (with their reasons) instead of hidden. docs/wasm.md, "toybox's own tests", has the
totals and the failure classes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from kernel_helpers import sh

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "wasm" / "build" / "src" / "toybox"
RUNNER = Path(__file__).with_name("toybox_runner.sh")
SHIPPED = (ROOT / "wasm" / "dist" / "toybox.commands").read_text().split()
# Our build's options, as upstream's test.sh passes them, so `optional X` skips what we left out.
OPTIONFLAGS = ":" + "".join(
    line[len("CONFIG_") : -len("=y")] + ":"
    for line in (ROOT / "wasm" / "toybox" / "toybox.config").read_text().splitlines()
    if line.startswith("CONFIG_") and line.endswith("=y")
)
RESULT = re.compile(r"^(PASS|FAIL|SKIP): ", re.MULTILINE)

# Minimum passing cases per command, measured (the lowest of several runs). The comments name
# what the rest lacks. "bash": the script needs bash (${x:1:2}, $'..', {a,b}, for ((..)), a
# fatal bad substitution ends the script); "native" is toybox's own count under bash on Linux.
BASELINE: dict[str, int] = {
    "base32": 8,
    "bc": 24,
    "bzcat": 2,  # bash {a,b}
    "base64": 8,
    "basename": 12,
    "cat": 9,
    "chgrp": 0,  # the script needs root; everyone is `user` (tests/test_ownership.py)
    "chmod": 58,  # bash (native 154)
    "chown": 0,  # the script needs root; everyone is `user` (tests/test_ownership.py)
    "cksum": 9,
    "cmp": 16,
    "comm": 3,
    "cp": 34,
    "cut": 27,  # bash $'..'
    "date": 19,  # no time zones in wasi-libc; musl strftime rejects a trailing % (native 40)
    "diff": 11,  # no mkfifo; bash (native 12)
    "dd": 43,
    "dirname": 5,
    "du": 6,  # libcowasm gives symlinks blocks (native 9)
    "echo": 23,
    "env": 11,
    "expand": 10,
    "expr": 43,
    "factor": 13,
    "file": 19,  # devices have no rdev; 9 fail natively too
    "find": 56,
    "fmt": 15,
    "fold": 0,  # fails natively too
    "grep": 94,  # bash $'..'; "speed" (grep -f of 10k patterns) takes over 5 s (native 97)
    "gunzip": 6,
    "gzip": 11,
    "head": 14,
    "hexdump": 13,  # bash (native 14)
    "hostname": 0,  # reads the name to expect from /proc (none); setting it needs root
    "id": 10,
    "install": 2,
    "killall": 2,
    "link": 4,
    "ln": 16,
    "ls": 25,  # bash {a,b} (native 29)
    "md5sum": 11,
    "mkdir": 16,
    "mkfifo": 5,
    "mktemp": 16,
    "more": 2,
    "mv": 22,
    "nl": 15,
    "paste": 8,
    "pgrep": 10,
    "pidof": 3,  # -x: its script blocks reading its stdout, here a file that ends at once
    "pkill": 14,
    "printf": 42,
    "ps": 1,
    "pwd": 5,
    "readlink": 31,
    "realpath": 25,
    "rev": 8,
    "rm": 10,  # skips a read-only file system test
    "rmdir": 10,
    "sed": 106,  # no match after a NUL in the input (libc regex; native 107)
    "seq": 54,
    "sha1sum": 8,
    "sha224sum": 8,
    "sha256sum": 8,
    "sha384sum": 8,
    "sha512sum": 8,
    "sort": 27,
    "split": 7,  # "reassembly" is flaky: readdir repeats entries (native 8)
    "stat": 8,
    "strings": 13,
    "tac": 7,
    "tail": 23,  # no inotify for -f; -F sleeps, so one case of margin (native 26)
    # Its expected modes assume umask 002; no bzip2 (compressing) or device files. Ported to dash
    # (DASH_PORTS, below).
    "tar": 48,
    "tee": 3,
    "test": 35,  # no /dev/ptmx, isatty(/dev/null); bash (68)
    "timeout": 13,  # exit 124 when the command cannot start; sleeps: one of margin
    "top": 5,
    "touch": 20,
    "tr": 4,
    "truncate": 12,
    "uudecode": 9,
    "uuencode": 9,
    "wc": 13,
    "xargs": 29,  # ARG_MAX is musl's 128 KiB; -P sleeps: one case of margin (native 32)
    "xxd": 18,
    "zcat": 4,
}


# Scripts whose bash syntax stops dash early, ported line by line (same commands, same results).
DASH_PORTS: dict[str, list[tuple[str, str]]] = {
    "tar": [
        (r"^function (\w+)\(\)", r"\1()"),
        (r"\$\{LONG:(\d+):(\d+)\}", r'$(printf %s "$LONG" | cut -c$((\1+1))-$((\1+\2)))'),
        (r"\$\{LONG:(\d+)\}", r'$(printf %s "$LONG" | cut -c$((\1+1))-)'),
        (r"\(\(\+\+SKIP\)\)", "SKIP=$((SKIP+1))"),
        (r"links/\{orig,(link\d*)\}(\$i)?", r"links/orig\2 links/\1\2"),
        (r"\{0\.\.12\}", "$(seq 0 12)"),
    ],
}


def run_script(cmd: str, home: Path) -> tuple[int, str, str]:
    """Run tests/<cmd>.test with its data files in a fresh machine whose home is `home`."""
    shutil.copy(RUNNER, home / "toybox_runner.sh")
    script = (SOURCE / "tests" / f"{cmd}.test").read_bytes()  # bytes: some hold a bare \r
    for pattern, replacement in DASH_PORTS.get(cmd, []):
        script = re.sub(pattern.encode(), replacement.encode(), script, flags=re.MULTILINE)
    (home / f"{cmd}.test").write_bytes(script)
    shutil.copytree(SOURCE / "tests" / "files", home / "files")
    env = f"FILES=/home/user/files C=/bin/{cmd} CMDNAME={cmd} OPTIONFLAGS={OPTIONFLAGS}"
    return sh(f"export {env}; exec sh toybox_runner.sh {cmd}.test", home, timeout=150)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, str]]:
    """Every script's (exit code, stdout, stderr), two at a time (wasm runs outside the GIL)."""
    if not (SOURCE / "tests" / "cat.test").exists():
        subprocess.run(["make", "-C", str(ROOT / "wasm" / "toybox"), "test-sources"], check=True)
    with ThreadPoolExecutor(2) as pool:
        futures = {c: pool.submit(run_script, c, tmp_path_factory.mktemp(c)) for c in BASELINE}
        return {c: f.result() for c, f in futures.items()}


@pytest.mark.parametrize("cmd", sorted(BASELINE))
def test_toybox_own_tests_pass(cmd: str, results: dict[str, tuple[int, str, str]]) -> None:
    _code, out, err = results[cmd]
    counts = {k: 0 for k in ("PASS", "FAIL", "SKIP")}
    for kind in RESULT.findall(out):
        counts[kind] += 1
    failed = "\n".join(line for line in out.splitlines() if line.startswith("FAIL: "))
    assert counts["PASS"] >= BASELINE[cmd], f"{counts}\n{failed}\n{err[-2000:]}"


def test_every_shipped_command_with_a_test_script_has_a_baseline(results: object) -> None:
    scripts = {p.stem for p in (SOURCE / "tests").glob("*.test")}
    assert sorted(c for c in SHIPPED if c in scripts and c not in BASELINE) == []
