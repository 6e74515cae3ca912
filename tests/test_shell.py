"""Shell semantics on the real machine: dash and toybox under our kernel, compared with the
host's native dash where the output does not depend on the coreutils' flavour."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from kernel_helpers import run, sh

from server.sessions.session import Limits

NATIVE_DASH = shutil.which("dash")

SAME_AS_NATIVE = {
    "subshell keeps unexported variables and functions": (
        "x=1; f() { echo fn $x; }; (f; x=2; echo sub $x); echo top $x"
    ),
    "command substitution": 'a=$(echo one; echo two); echo "[$a]"; echo $(echo $(echo nested))',
    "pipeline of builtins": "echo a b c | while read x y z; do echo $z $y $x; done",
    "here-document": "cat <<EOF\nhome is $HOME\n$(echo sub)\nEOF",
    "redirections": "echo hi > f; echo more >> f; cat < f; cat f f | cat; rm f",
    "exit statuses": "false; echo $?; (exit 3); echo $?; sh -c 'exit 4'; echo $?; ! true; echo $?",
    "traps": "trap 'echo bye' EXIT; trap 'echo usr1' USR1; kill -USR1 $$; echo after",
    "background and wait": "(echo bg) > out & wait; cat out; rm out; echo done",
    "error recovery": "( : ${undefined?is unset} ); echo status $?; echo still here",
    "loops and arithmetic": "i=0; while [ $i -lt 5 ]; do i=$((i+1)); done; echo $i",
    "case and functions": "f() { case $1 in a*) echo A;; *) echo other;; esac; }; f abc; f x",
}


@pytest.mark.parametrize("name", sorted(SAME_AS_NATIVE))
def test_same_output_as_native_dash(name, tmp_path):
    script = SAME_AS_NATIVE[name]
    code, out, _err = sh(script, tmp_path)
    assert NATIVE_DASH, "the host's dash is the baseline"
    native = subprocess.run(
        [NATIVE_DASH, "-c", script], cwd=tmp_path, capture_output=True, text=True,
        env={"HOME": "/home/user", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert (code, out) == (native.returncode, native.stdout)


def test_yes_into_head_terminates_at_once(tmp_path):
    t = time.monotonic()
    code, out, _ = sh("yes | head -n 3", tmp_path)
    assert (code, out) == (0, "y\ny\ny\n")
    assert time.monotonic() - t < 20


def test_pipeline_stages_run_at_once(tmp_path):
    # the reader must see the first line while the writer is still sleeping
    _code, out, _ = sh("(echo first; sleep 1; echo second) | (read a; echo got $a; cat)", tmp_path)
    assert out == "got first\nsecond\n"


def test_bin_has_the_commands(tmp_path):
    code, out, _ = sh("ls /bin | wc -l", tmp_path)
    assert code == 0 and int(out.strip()) >= 60


def test_files_written_in_the_shell_land_in_home(tmp_path):
    sh("mkdir -p d/e && echo hello > d/e/f.txt && cp d/e/f.txt g.txt", tmp_path)
    assert (tmp_path / "d" / "e" / "f.txt").read_text() == "hello\n"
    assert (tmp_path / "g.txt").read_text() == "hello\n"


def test_paths_stay_inside_the_machine(tmp_path):
    _code, out, _ = sh("cat /../../../etc/hostname; cd /; cd ..; pwd", tmp_path)
    assert out == "cowasm\n/\n"


def test_fork_bomb_hits_the_process_limit(tmp_path):
    limits = Limits(processes=16)
    _code, _out, err = sh(
        "i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done; echo survived", tmp_path,
        limits=limits, timeout=60,
    )  # fmt: skip
    assert "fork" in err.lower() or "resource" in err.lower()


def test_exit_status_of_a_killed_process(tmp_path):
    _code, out, _ = sh("sleep 10 & kill -TERM $!; wait $!; echo $?", tmp_path)
    assert out == "143\n"


def test_external_command_not_found(tmp_path):
    code, _, err = sh("no-such-command", tmp_path)
    assert code == 127 and "not found" in err


def test_cli_style_stdin(tmp_path):
    _code, out, _ = run(["/bin/sh", "-c", "tr a-z A-Z"], tmp_path, stdin=b"shout\n")
    assert out == "SHOUT\n"


def test_fd_3_can_be_redirected_and_closed(tmp_path):
    # fd 3 is every program's preopen of "/": a redirection onto it must not cut them off
    script = (
        "exec 3>log; echo to-three >&3; ls / | grep -c bin; "
        "exec 3>&-; echo fine > f; cat f log; python3 -c 'print(open(\"f\").read().strip())'"
    )
    code, out, err = sh(script, tmp_path)
    assert (code, out) == (0, "1\nfine\nto-three\nfine\n"), err


def test_hard_links_in_tmp(tmp_path):
    _code, out, _ = sh(
        "echo hi > /tmp/a; ln /tmp/a /tmp/b; stat -c %h /tmp/b; rm /tmp/a; cat /tmp/b", tmp_path
    )
    assert out == "2\nhi\n"


def test_in_place_edits_exit_cleanly(tmp_path):
    # both go through toybox's copy_tempfile, whose exit handler once trapped on its signature
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / "dos.txt").write_bytes(b"a\r\nb\r\n")
    code, out, err = sh("sed -i s/hello/bye/ notes.txt && dos2unix dos.txt && ls", tmp_path)
    assert (code, out, err) == (0, "dos.txt\nnotes.txt\n", "")
    assert (tmp_path / "notes.txt").read_text() == "bye\n"
    assert (tmp_path / "dos.txt").read_bytes() == b"a\nb\n"


def test_the_times_builtin_reports_clock_ticks_and_the_shell_lives(tmp_path):
    # dash's builtin once trapped (no parameters where dash passes two) and killed the shell
    code, out, err = sh("times; echo alive", tmp_path)
    shell, children, alive = out.split("\n")[:3]
    assert (code, alive, err) == (0, "alive", "")
    assert shell.startswith("0m") and children == "0m0.000000s 0m0.000000s"  # minutes, not eons


def test_tar_and_gzip_round_trip_and_compress(tmp_path):
    # gzip is zlib's deflate (toybox's own only stores); the archive opens on the host too
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "n.txt").write_text("".join(f"{i}\n" for i in range(1, 5001)))
    code, out, err = sh(
        "tar czf work.tgz work && rm -r work && cat work.tgz | tar xv && wc -l < work/n.txt &&"
        " gzip -k work/n.txt && zcat work/n.txt.gz | cmp - work/n.txt && echo same",
        tmp_path,
    )
    assert (code, out, err) == (0, "work/\nwork/n.txt\n5000\nsame\n", "")
    assert (tmp_path / "work" / "n.txt.gz").stat().st_size < 0.5 * 23893
    listing = subprocess.run(["tar", "tzf", str(tmp_path / "work.tgz")], capture_output=True)
    assert listing.stdout.decode().split() == ["work/", "work/n.txt"]


def test_users_and_groups_come_from_etc_passwd_and_group(tmp_path):
    # libcowasm reads /etc/passwd and /etc/group, so every program names the same accounts; an
    # entry that id looked up survives its later getgrouplist scan (they once shared a buffer)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a").write_text("hi\n")
    code, out, err = sh(
        "id; id root; id -Gn nobody; ls -l d/a | cut -d' ' -f3,4;"
        " tar c --owner root --group sys d | tar tv | cut -c12-19; id ghost",
        tmp_path,
    )
    assert out.splitlines() == [
        "uid=1000(user) gid=1000(user) groups=1000(user)",
        "uid=0(root) gid=0(root) groups=0(root)",
        "nogroup",
        "user user",
        "root/sys",
        "root/sys",
    ]
    assert (code, err) == (1, "id: not integer: ghost\n")  # toybox's words for "no such user"


def test_ps_top_and_proc_show_the_machines_processes(tmp_path):
    code, out, err = sh(
        'sleep 20 & python3 -c \'import time; open("up", "w"); time.sleep(20)\' &'
        " until [ -e up ]; do sleep 0.1; done;"
        " ps -o pid,ppid,stat,cmd,args; ps aux | head -n 1; cat /proc/$$/comm;"
        " pgrep -l sleep; pkill sleep; pkill python3; wait; ps -o cmd > ps.txt; cat ps.txt;"
        " echo x > /proc/1/stat; cat /proc/99/stat; top -b -n 1 | grep -c ^Tasks:",
        tmp_path,
    )
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["PID", "PPID", "STAT", "CMD", "ARGS"]
    rows = {row.split()[3]: row.split() for row in lines[1:6]}
    assert rows["init"][:3] == ["1", "0", "Ss"]  # the kernel's, the shell's parent
    assert rows["sleep"][1:3] == ["2", "S"] and rows["sleep"][4:] == ["sleep", "20"]
    assert rows["python3"][4:7] == ["python3", "-c", "import"]
    assert rows["ps"][2] == "R" and rows["sh"][:2] == ["2", "1"]
    assert " ".join(lines[6].split()) == "USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND"
    assert lines[7] == "sh" and lines[8].endswith(" sleep")
    assert [x.strip() for x in lines[9:]] == [
        "CMD",
        "init",
        "sh",
        "ps",
        "1",
    ]  # the sleeps were killed; top's screen
    assert "Read-only file system" in err and "No such file" in err
