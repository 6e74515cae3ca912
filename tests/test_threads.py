"""Python threads on the machine: threading, queue, concurrent.futures and asyncio.to_thread run
as on Linux (the same output as the host's CPython), Ctrl-C and kill still stop a threaded
program, and a thread blocked or spinning never keeps a finished process alive."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from kernel_helpers import run, sh


def both(script: str, tmp_path) -> tuple[tuple[int, str], tuple[int, str]]:
    """(exit code, stdout) of the script in the machine and in the host's CPython."""
    (tmp_path / "t.py").write_text(textwrap.dedent(script))
    code, out, err = run(["/bin/python3", "t.py"], tmp_path, timeout=120)
    native = subprocess.run(
        [sys.executable, "t.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert code == native.returncode, err
    return (code, out), (native.returncode, native.stdout)


def same_as_native(script: str, tmp_path) -> str:
    ours, native = both(script, tmp_path)
    assert ours == native
    return ours[1]


def test_threads_share_state_under_locks(tmp_path):
    out = same_as_native(
        """
        import threading
        total = 0
        lock = threading.Lock()
        local = threading.local()
        seen = []
        def work(n):
            global total
            local.n = n
            for _ in range(20000):
                with lock:
                    total += 1
            seen.append((n, local.n, threading.current_thread().name))
        ts = [threading.Thread(target=work, args=(i,), name=f"w{i}") for i in range(8)]
        for t in ts: t.start()
        for t in ts: t.join()
        print(total, sorted(seen), threading.active_count())
        print(threading.get_ident() != ts[0].ident, len({t.ident for t in ts}) >= 1)
        """,
        tmp_path,
    )
    assert out.startswith("160000 [(0, 0, 'w0')")


def test_queue_event_condition_semaphore_barrier(tmp_path):
    same_as_native(
        """
        import queue, threading
        q = queue.Queue(maxsize=3)
        out = []
        def consumer():
            while (item := q.get()) is not None:
                out.append(item * item)
        c = threading.Thread(target=consumer); c.start()
        for i in range(100): q.put(i)
        q.put(None); c.join()
        print(sum(out), len(out))

        ready, go = threading.Event(), threading.Event()
        def waiter():
            ready.set(); go.wait(); print("went")
        w = threading.Thread(target=waiter); w.start()
        ready.wait(); go.set(); w.join()

        cond = threading.Condition(); items = []
        def make():
            with cond:
                items.append("x"); cond.notify()
        with cond:
            threading.Thread(target=make).start()
            cond.wait_for(lambda: items, timeout=10)
        print(items)

        sem = threading.BoundedSemaphore(2); inside = []; peak = []
        lock = threading.RLock()
        def limited():
            with sem:
                with lock:
                    with lock:
                        inside.append(1); peak.append(len(inside))
                threading.Event().wait(0.01)
                with lock:
                    inside.pop()
        ts = [threading.Thread(target=limited) for _ in range(6)]
        for t in ts: t.start()
        for t in ts: t.join()
        print(max(peak) <= 2)

        barrier = threading.Barrier(4); order = []
        def phase(i):
            order.append("a"); barrier.wait(); order.append("b")
        ts = [threading.Thread(target=phase, args=(i,)) for i in range(4)]
        for t in ts: t.start()
        for t in ts: t.join()
        print("".join(order))
        print(threading.Timer(0.01, print, args=("timer",)).start())
        """,
        tmp_path,
    )


def test_concurrent_futures_and_asyncio_to_thread(tmp_path):
    out = same_as_native(
        """
        import asyncio, concurrent.futures as cf, threading, time
        with cf.ThreadPoolExecutor(max_workers=4) as ex:
            print(list(ex.map(lambda x: x * x, range(10))))
            futs = [ex.submit(pow, 2, n) for n in range(5)]
            print(sorted(f.result() for f in cf.as_completed(futs)))
            bad = ex.submit(lambda: 1 / 0)
            try:
                bad.result()
            except ZeroDivisionError as e:
                print("raised", e)

        def blocking(n):
            time.sleep(0.05)
            return n, threading.current_thread() is not threading.main_thread()
        async def main():
            results = await asyncio.gather(*(asyncio.to_thread(blocking, i) for i in range(4)))
            loop = asyncio.get_running_loop()
            print(results, await loop.run_in_executor(None, sum, [1, 2, 3]))
        asyncio.run(main())
        """,
        tmp_path,
    )
    assert "raised division by zero" in out


def test_exceptions_exit_and_excepthook(tmp_path):
    (tmp_path / "t.py").write_text(
        textwrap.dedent(
            """
            import os, sys, threading
            def boom(): raise ValueError("in thread")
            t = threading.Thread(target=boom, name="b"); t.start(); t.join()
            t = threading.Thread(target=sys.exit, args=(3,)); t.start(); t.join()
            print("main goes on", flush=True)
            threading.Thread(target=os._exit, args=(5,)).start()
            threading.Event().wait(30)
            print("not reached")
            """
        )
    )
    code, out, err = run(["/bin/python3", "t.py"], tmp_path)
    assert (code, out) == (5, "main goes on\n")
    assert "Exception in thread b" in err and "ValueError: in thread" in err


def test_daemon_threads_never_keep_the_process_alive(tmp_path):
    # A daemon spinning in Python, one sleeping, one blocked reading a pipe that the process
    # itself keeps open: the process still ends when the main thread does, with its status.
    (tmp_path / "t.py").write_text(
        textwrap.dedent(
            """
            import os, sys, threading, time
            def spin():
                while True: pass
            r, w = os.pipe()
            for target in (spin, lambda: time.sleep(1000), lambda: os.read(r, 1)):
                threading.Thread(target=target, daemon=True).start()
            time.sleep(0.2)
            print("main done")
            sys.exit(7)
            """
        )
    )
    _code, out, _ = sh("python3 t.py; echo status $?", tmp_path, timeout=60)
    assert out == "main done\nstatus 7\n"


def test_a_non_daemon_thread_outlives_main(tmp_path):
    same_as_native(
        """
        import threading, time
        def late():
            time.sleep(0.2)
            print("thread finished after main")
        threading.Thread(target=late).start()
        print("main returns")
        """,
        tmp_path,
    )


def test_kill_stops_a_threaded_program(tmp_path):
    (tmp_path / "t.py").write_text(
        textwrap.dedent(
            """
            import threading
            lock = threading.Lock(); lock.acquire()
            def spin():
                while True: pass
            threading.Thread(target=spin).start()
            threading.Thread(target=lock.acquire).start()
            print("started", flush=True)
            lock.acquire()
            """
        )
    )
    _code, out, _ = sh("python3 t.py & sleep 1; kill $!; wait $!; echo $?", tmp_path)
    assert out == "started\n143\n"


def test_ctrl_c_interrupts_join_and_busy_main_thread(repl):
    repl.type("import threading, time\r")
    repl.expect(">>> ")
    repl.type("t = threading.Thread(target=time.sleep, args=(1000,), daemon=True); t.start()\r")
    repl.expect(">>> ")
    for statement in ("t.join()", "while True: pass"):
        repl.type(statement + "\r")
        time.sleep(0.5)
        repl.type("\x03")
        repl.expect("KeyboardInterrupt")
        repl.expect(">>> ")
    repl.type("print('threads', threading.active_count())\r")
    repl.expect("threads 2")
    assert repl.exited is None


def test_subprocess_numpy_and_deep_recursion_in_threads(tmp_path):
    same_as_native(
        """
        import concurrent.futures as cf, json, subprocess, threading
        import numpy as np
        def job(n):
            r = subprocess.run(["echo", f"child {n}"], capture_output=True, text=True)
            a = np.arange(n * 1000, dtype=np.float64)
            deep = json.loads(json.dumps([[[[n]]]] * 3))
            return r.stdout.strip(), float(a.sum()), deep[0][0][0][0]
        with cf.ThreadPoolExecutor(3) as ex:
            print(list(ex.map(job, range(1, 5))))
        threading.stack_size(4 << 20)
        def nest():
            print(len(json.dumps(json.loads("[" * 500 + "]" * 500))))
        t = threading.Thread(target=nest); t.start(); t.join()
        """,
        tmp_path,
    )


def test_many_threads_and_a_clean_limit(tmp_path):
    (tmp_path / "t.py").write_text(
        textwrap.dedent(
            """
            import threading
            for _ in range(300):  # short-lived threads are reclaimed
                t = threading.Thread(target=int); t.start(); t.join()
            stop = threading.Event(); alive = []
            try:
                for _ in range(1000):
                    t = threading.Thread(target=stop.wait); t.start(); alive.append(t)
            except RuntimeError as e:
                print("limit:", e, len(alive) >= 16)
            stop.set()
            for t in alive: t.join()
            t = threading.Thread(target=print, args=("still works",)); t.start(); t.join()
            """
        )
    )
    code, out, err = run(["/bin/python3", "t.py"], tmp_path, timeout=120)
    assert (code, out) == (0, "limit: can't start new thread True\nstill works\n"), err


@pytest.mark.parametrize("n", [2])
def test_threads_run_while_main_blocks_in_a_syscall(tmp_path, n):
    # The main thread sleeps in the kernel (fd_read on a pipe) while workers compute and write.
    (tmp_path / "t.py").write_text(
        textwrap.dedent(
            f"""
            import os, threading
            r, w = os.pipe()
            def work(i):
                os.write(w, str(sum(range(100000 * (i + 1)))).encode() + b"\\n")
            ts = [threading.Thread(target=work, args=(i,)) for i in range({n})]
            for t in ts: t.start()
            got = b""
            while got.count(b"\\n") < {n}:
                got += os.read(r, 100)
            for t in ts: t.join()
            print(sorted(got.split()))
            """
        )
    )
    code, out, _ = run(["/bin/python3", "t.py"], tmp_path)
    assert (code, out) == (0, "[b'19999900000', b'4999950000']\n")
