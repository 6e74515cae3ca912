"""The kernel's wasi-threads (issue 21): small WAT programs that import a shared memory, spawn
threads with `wasi.thread-spawn` and run on a real session machine, as python.wasm built with
pthreads will."""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import wasmtime
from kernel_helpers import run

from server.sessions import image, signals
from server.sessions.fd import HostStream
from server.sessions.session import Limits, Session, SessionConfig
from server.sessions.vfs.base import read_file
from server.sessions.vfs.hostdir import HostDir

# Memory map: 16 the interrupt word, 32 a counter, 36 threads done, 40 a slot index,
# 44 main's flag for the threads, 48 the threads' flag for main, 64 an iovec, 80 pipe fds,
# 96..201 the print buffer, 1024.. tids seen by the threads, 2048.. tids spawn returned.
PRELUDE = """
(module
  (import "env" "memory" (memory 1 64 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "cowasm" "poll_signals" (func $poll (result i32)))
  (import "cowasm" "thread_exit" (func $thread_exit))
  (import "cowasm" "pipe2" (func $pipe2 (param i32 i32) (result i32)))
  (import "cowasm" "sigaction" (func $sigaction (param i32 i32) (result i32)))
  (import "cowasm" "kill" (func $kill (param i32 i32) (result i32)))
  (import "cowasm" "sigprocmask" (func $sigprocmask (param i32 i32 i32 i32) (result i32)))
  (global (export "__cowasm_interrupt") i32 (i32.const 16))
  (global $main (mut i32) (i32.const 0))  ;; per instance: 1 in the main thread's
  (func (export "__cowasm_signal") (param $sig i32)  ;; a handler: which thread, which signal
    (call $set (i32.const 44)
      (i32.add (local.get $sig) (i32.mul (global.get $main) (i32.const 100)))))
  (func $print (param $n i32) (local $p i32)  ;; decimal n and a newline on fd 1
    (local.set $p (i32.const 200))
    (i32.store8 (local.get $p) (i32.const 10))
    (loop $digits
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digits (local.get $n)))
    (i32.store (i32.const 64) (local.get $p))
    (i32.store (i32.const 68) (i32.sub (i32.const 201) (local.get $p)))
    (drop (call $fd_write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 72))))
  (func $check  ;; what libcowasm does in loops: the interrupt word set, poll
    (if (i32.atomic.load (i32.const 16)) (then (drop (call $poll)))))
  (func $wait_until (param $addr i32) (param $want i32) (local $cur i32)
    ;; a futex wait in 10 ms slices, checking the interrupt word between them
    (loop $again
      (local.set $cur (i32.atomic.load (local.get $addr)))
      (if (i32.ne (local.get $cur) (local.get $want)) (then
        (drop (memory.atomic.wait32 (local.get $addr) (local.get $cur) (i64.const 10000000)))
        (call $check)
        (br $again)))))
  (func $set (param $addr i32) (param $value i32)
    (i32.atomic.store (local.get $addr) (local.get $value))
    (drop (memory.atomic.notify (local.get $addr) (i32.const -1))))
  (func $read_pipe  ;; read a byte from the pipe at 80 into 96
    (i32.store (i32.const 64) (i32.const 96))
    (i32.store (i32.const 68) (i32.const 1))
    (drop (call $fd_read (i32.load (i32.const 80)) (i32.const 64) (i32.const 1) (i32.const 72))))
"""


def program(tmp_path: Path, start: str, thread: str, word: bool = True) -> str:
    """A threaded program with these `_start` and `wasi_thread_start(tid, arg)` bodies; without
    the interrupt word's export it runs on the engine with epoch checks."""
    prelude = PRELUDE if word else PRELUDE.replace('(export "__cowasm_interrupt") ', "")
    entries = f"""
  (func (export "_start") (local $i i32) (local $r i32) {start})
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32) {thread}))
"""
    wat = prelude + entries
    path = tmp_path / "t.wasm"
    path.write_bytes(wasmtime.wat2wasm(wat))
    path.chmod(0o755)
    return "/home/user/t.wasm"


def threads_gone(pid: int = 2, wait: float = 10.0) -> bool:
    """Whether the process's OS threads (pidNtM) have all ended (they may take a moment)."""
    end = time.monotonic() + wait
    while any(t.name.startswith(f"pid{pid}t") for t in threading.enumerate()):
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


SPAWN_N = """
  (local.set $i (i32.const 0))
  (loop $more
    (local.set $r (call $spawn (local.get $i)))
    (i32.store (i32.add (i32.const 2048) (i32.shl (local.get $i) (i32.const 2))) (local.get $r))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br_if $more (i32.lt_u (local.get $i) (i32.const {n}))))
"""


def test_threads_add_to_a_shared_counter_and_main_joins_them(tmp_path):
    n = 8
    start = (
        SPAWN_N.format(n=n)
        + f"""
  (call $wait_until (i32.const 36) (i32.const {n}))
  (call $print (i32.atomic.load (i32.const 32)))
  (local.set $i (i32.const 0))
  (loop $tids
    (call $print (i32.load (i32.add (i32.const 2048) (i32.shl (local.get $i) (i32.const 2)))))
    (call $print (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br_if $tids (i32.lt_u (local.get $i) (i32.const {n}))))
"""
    )
    thread = """
  (local $k i32)
  (i32.store (i32.add (i32.const 1024) (i32.shl (local.get $arg) (i32.const 2))) (local.get $tid))
  (loop $add
    (drop (i32.atomic.rmw.add (i32.const 32) (i32.const 1)))
    (local.set $k (i32.add (local.get $k) (i32.const 1)))
    (br_if $add (i32.lt_u (local.get $k) (i32.const 1000))))
  (drop (i32.atomic.rmw.add (i32.const 36) (i32.const 1)))
  (drop (memory.atomic.notify (i32.const 36) (i32.const -1)))
"""
    code, out, err = run([program(tmp_path, start, thread)], tmp_path, timeout=30)
    assert (code, err) == (0, "")
    total, *tids = [int(x) for x in out.split()]
    assert total == n * 1000
    returned, seen = tids[0::2], tids[1::2]
    assert returned == seen  # each thread got the tid its spawn returned
    assert len(set(returned)) == n and all(0 < t <= 0x1FFFFFFF for t in returned)
    assert threads_gone()


PARK = "(call $wait_until (i32.const 44) (i32.const 1))"  # until main lets go


SPAWN_UNTIL_REFUSED = """
  (loop $more
    (local.set $r (call $spawn (i32.const 0)))
    (if (i32.gt_s (local.get $r) (i32.const 0)) (then
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $more))))
  (call $print (local.get $i))
  (call $print (i32.sub (i32.const 0) (local.get $r)))
  (call $set (i32.const 44) (i32.const 1))
"""


def test_thread_spawn_beyond_the_per_process_cap_fails_with_eagain(tmp_path):
    path = program(tmp_path, SPAWN_UNTIL_REFUSED, PARK)
    code, out, _ = run([path], tmp_path, timeout=60, limits=Limits(processes=1000))
    assert (code, out.split()) == (0, ["63", "6"])  # 64 threads with main; -EAGAIN (WASI 6)
    assert threads_gone()


def test_threads_count_against_the_sessions_process_limit(tmp_path):
    path = program(tmp_path, SPAWN_UNTIL_REFUSED, PARK)
    code, out, _ = run([path], tmp_path, timeout=30, limits=Limits(processes=4))
    assert (code, out.split()) == (0, ["3", "6"])  # the process and 3 threads; EAGAIN
    assert threads_gone()


MAKE_PIPE = "(drop (call $pipe2 (i32.const 80) (i32.const 0)))"


def test_proc_exit_in_a_thread_ends_the_process_while_main_is_blocked(tmp_path):
    start = (
        MAKE_PIPE
        + """
  (drop (call $spawn (i32.const 0)))
  (call $read_pipe)  ;; nobody writes: blocks in the kernel
  (call $print (i32.const 99))
"""
    )
    thread = "(call $proc_exit (i32.const 3))"
    code, out, _ = run([program(tmp_path, start, thread)], tmp_path, timeout=30)
    assert (code, out) == (3, "")
    assert threads_gone()


def ended_promptly(caplog: pytest.LogCaptureFixture) -> bool:
    """No thread outlived its process's end so long that the kernel reported it without them."""
    return not [r for r in caplog.records if "still busy" in r.getMessage()]


def test_main_returning_ends_a_thread_busy_in_a_loop_that_checks_the_interrupt_word(
    tmp_path, caplog
):
    start = """
  (drop (call $spawn (i32.const 0)))
  (call $wait_until (i32.const 48) (i32.const 1))
  (call $print (i32.const 7))
"""
    thread = """
  (call $set (i32.const 48) (i32.const 1))
  (loop $spin (call $check) (br $spin))
"""
    code, out, _ = run([program(tmp_path, start, thread)], tmp_path, timeout=30)
    assert (code, out) == (0, "7\n")
    assert threads_gone()  # not left spinning after its process ended
    assert ended_promptly(caplog)


def test_without_the_interrupt_word_epoch_checks_stop_a_busy_thread(tmp_path, caplog):
    start = """
  (drop (call $spawn (i32.const 0)))
  (call $wait_until (i32.const 48) (i32.const 1))
"""
    thread = """
  (call $set (i32.const 48) (i32.const 1))
  (loop $spin (br $spin))  ;; checks nothing
"""
    path = program(tmp_path, start, thread, word=False)
    assert image.load_file(str(tmp_path / "t.wasm")).epoch
    code, out, _ = run([path], tmp_path, timeout=30)
    assert (code, out) == (0, "")
    assert threads_gone()
    assert ended_promptly(caplog)


def test_a_thread_stuck_in_wasm_does_not_hold_up_its_process_end_for_long(tmp_path, caplog):
    start = """
  (drop (call $spawn (i32.const 0)))
  (call $wait_until (i32.const 48) (i32.const 1))
  (call $proc_exit (i32.const 6))
"""
    thread = """
  (call $set (i32.const 48) (i32.const 1))
  ;; 3 s in wasm that never looks at the interrupt word (as a long pure loop would)
  (drop (memory.atomic.wait32 (i32.const 52) (i32.const 0) (i64.const 3000000000)))
"""
    code, out, _ = run([program(tmp_path, start, thread)], tmp_path, timeout=30)
    assert (code, out) == (6, "")
    assert not ended_promptly(caplog)  # reported without it, after the bound
    assert threads_gone()  # and it ends when it comes out


def test_a_thread_blocked_reading_a_pipe_does_not_keep_a_dead_process_alive(tmp_path, caplog):
    start = (
        MAKE_PIPE
        + """
  (drop (call $spawn (i32.const 0)))
  (call $wait_until (i32.const 48) (i32.const 1))
  (call $proc_exit (i32.const 4))
"""
    )
    thread = """
  (call $set (i32.const 48) (i32.const 1))
  (call $read_pipe)
  (call $print (i32.const 99))  ;; the process was dead: never printed
"""
    code, out, _ = run([program(tmp_path, start, thread)], tmp_path, timeout=30)
    assert (code, out) == (4, "")
    assert threads_gone()
    assert ended_promptly(caplog)


def test_main_thread_exit_lets_the_other_threads_finish_then_exits_0(tmp_path):
    start = """
  (drop (call $spawn (i32.const 0)))
  (call $thread_exit)
  (call $print (i32.const 99))  ;; not reached
"""
    thread = """
  (drop (memory.atomic.wait32 (i32.const 52) (i32.const 0) (i64.const 100000000)))  ;; 0.1 s
  (call $print (i32.const 5))
"""
    code, out, _ = run([program(tmp_path, start, thread)], tmp_path, timeout=30)
    assert (code, out) == (0, "5\n")


def test_a_trap_in_a_thread_kills_the_process(tmp_path):
    start = """
  (drop (call $spawn (i32.const 0)))
  (call $wait_until (i32.const 48) (i32.const 1))  ;; never set
"""
    code, out, err = run([program(tmp_path, start, "(unreachable)")], tmp_path, timeout=30)
    assert (code, out) == (128 + signals.SIGSEGV, "")
    assert "wasm trap" in err and "unreachable" in err
    assert threads_gone()


@contextlib.contextmanager
def running(path: str, home: Path) -> Iterator[tuple[Session, list[int], threading.Event]]:
    """Start `path` on a session and wait for its first line ("1"): the session, the wait
    status once it ends, and that event."""
    rout, wout = os.pipe()
    rin, win = os.pipe()
    done = threading.Event()
    status: list[int] = []

    def exited(st: int) -> None:
        status.append(st)
        done.set()

    session = Session(SessionConfig(), HostDir(home), lambda b: None, exited)
    try:
        session.start([path], stdio=[HostStream(rin, True), *[HostStream(wout, False)] * 2])
        assert select.select([rout], [], [], 30)[0], "the program never said it was ready"
        assert os.read(rout, 100) == b"1\n"
        yield session, status, done
    finally:
        session.stop()
        for fd in (rout, wout, rin, win):
            os.close(fd)


READY_WITH_A_SPINNING_THREAD = """
  (drop (call $spawn (i32.const 0)))
  (call $wait_until (i32.const 48) (i32.const 1))
  (call $print (i32.const 1))  ;; ready
  (call $wait_until (i32.const 44) (i32.const 1))  ;; never set
"""
SPIN = """
  (call $set (i32.const 48) (i32.const 1))
  (loop $spin (call $check) (br $spin))
"""


def test_sigint_with_the_default_action_kills_a_threaded_process(tmp_path):
    path = program(tmp_path, READY_WITH_A_SPINNING_THREAD, SPIN)
    with running(path, tmp_path) as (session, status, done):
        machine = session.machine
        assert machine is not None
        machine.signal_group(machine.procs[2].pgid, signals.SIGINT)  # as Ctrl-C does
        assert done.wait(30), "SIGINT did not end it"
        assert status == [signals.SIGINT]
        assert threads_gone()


def test_a_stop_signal_stops_every_thread_until_sigcont(tmp_path):
    thread = """
  (call $set (i32.const 48) (i32.const 1))
  (loop $count (drop (i32.atomic.rmw.add (i32.const 32) (i32.const 1))) (call $check) (br $count))
"""
    path = program(tmp_path, READY_WITH_A_SPINNING_THREAD, thread)
    with running(path, tmp_path) as (session, _, _):
        machine = session.machine
        assert machine is not None
        proc = machine.procs[2]
        assert proc.image is not None
        mem = proc.image.memory

        def count() -> int:
            return int.from_bytes(mem.read(32, 4), "little")

        def until(predicate: Callable[[], bool]) -> bool:
            end = time.monotonic() + 10
            while not predicate() and time.monotonic() < end:
                time.sleep(0.01)
            return predicate()

        machine.signal_group(proc.pgid, signals.SIGTSTP)  # as Ctrl-Z does
        assert until(lambda: bool(proc.stopped)), "the main thread did not stop"
        time.sleep(0.1)  # the counting thread's next look at the word comes at once
        stopped_at = count()
        time.sleep(0.2)
        assert count() == stopped_at, "a thread ran on while its process was stopped"
        machine.signal_group(proc.pgid, signals.SIGCONT)
        assert until(lambda: count() > stopped_at), "SIGCONT did not resume the thread"


def test_proc_counts_a_processs_threads(tmp_path):
    path = program(tmp_path, READY_WITH_A_SPINNING_THREAD, SPIN)
    with running(path, tmp_path) as (session, _, _):
        machine = session.machine
        assert machine is not None
        res = machine.tree.resolve("/proc/2/status")
        assert "Threads:\t2\n" in read_file(res.backend, res.rel, 4096).decode()
        res = machine.tree.resolve("/proc/2/stat")
        assert read_file(res.backend, res.rel, 4096).split()[19] == b"2"  # num_threads


def test_a_caught_signal_runs_in_the_main_thread_while_another_thread_polls(tmp_path):
    start = f"""
  (global.set $main (i32.const 1))
  (drop (call $sigaction (i32.const {signals.SIGUSR1}) (i32.const 2)))
  (drop (call $spawn (i32.const 0)))
  (call $wait_until (i32.const 44) (i32.const {100 + signals.SIGUSR1}))
  (call $print (i32.load (i32.const 44)))
"""
    thread = f"""
  ;; its own mask (pthread_sigmask) blocks SIGUSR1: the main thread's does not
  (drop (call $sigprocmask (i32.const 0) (i32.const {signals.bit(signals.SIGUSR1)})
    (i32.const 1) (i32.const 0)))
  (drop (call $kill (i32.const 0) (i32.const {signals.SIGUSR1})))
  (loop $spin (call $check) (br $spin))  ;; polls while the word is set: must not take it
"""
    code, out, _ = run([program(tmp_path, start, thread)], tmp_path, timeout=30)
    assert (code, out) == (0, f"{100 + signals.SIGUSR1}\n")
    assert threads_gone()


def test_the_shared_memory_cannot_grow_past_the_memory_limit(tmp_path):
    start = """
  (call $print (i32.add (memory.grow (i32.const 8)) (i32.const 1)))  ;; 0: failed
  (call $print (memory.grow (i32.const 2)))  ;; the old size in pages
"""
    path = program(tmp_path, start, "")
    code, out, _ = run([path], tmp_path, timeout=30, limits=Limits(memory_bytes=4 << 16))
    assert (code, out.split()) == (0, ["0", "1"])


def test_fork_copies_a_threaded_programs_memory_into_a_memory_of_its_own():
    wat = """(module (import "env" "memory" (memory 1 64 shared))
      (global (export "__stack_pointer") (mut i32) (i32.const 4096)) (func (export "_start")))"""
    parent = image.Image(image.load_bytes("t", wasmtime.wat2wasm(wat)), 64 << 20)
    assert parent.shared is not None
    parent.shared.grow(2)
    parent.memory.write(3 * 65536 - 5, b"hello")  # in the grown part
    child = parent.clone(64 << 20)
    assert child.memory.read(3 * 65536 - 5, 5) == b"hello"
    child.memory.write(3 * 65536 - 5, b"HELLO")
    assert parent.memory.read(3 * 65536 - 5, 5) == b"hello"
