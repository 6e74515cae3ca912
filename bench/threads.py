"""Python threads in the machine against the host's native CPython 3.11 (Debian's
/usr/bin/python3.11 when present, as in bench/python_cpu.py): what starting a thread costs, how
fast two threads hand work to each other, and whether threads waiting in blocking calls overlap.
Each figure is timed in-process (best of REPEAT), the two sides alternating for ROUNDS turns.

A thread in the machine is a new wasm instance on the process's shared memory, in its own host
thread (docs/architecture.md), so its start costs an instantiation that native pthread_create
does not pay.
"""

from __future__ import annotations

from bench._versus import TIME_SECTIONS, best, race_python
from bench.python_cpu import native_python

REPEAT = 5
ROUNDS = 3
WORKLOAD = (
    r"""
import json, queue, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

def start_join(n=50):
    for _ in range(n):
        t = threading.Thread(target=int); t.start(); t.join()

def ping_pong(n=2000):
    a, b = queue.SimpleQueue(), queue.SimpleQueue()
    def echo():
        while (x := a.get()) is not None:
            b.put(x)
    t = threading.Thread(target=echo); t.start()
    for i in range(n):
        a.put(i); b.get()
    a.put(None); t.join()

def pool_map(n=2000):
    with ThreadPoolExecutor(4) as ex:
        list(ex.map(abs, range(n)))

def overlapped_sleeps(n=8):
    ts = [threading.Thread(target=time.sleep, args=(0.05,)) for _ in range(n)]
    for t in ts: t.start()
    for t in ts: t.join()

SECTIONS = {"thread start+join (x50)": start_join, "queue ping-pong (x2000)": ping_pong,
            "pool map (x2000)": pool_map, "8 x sleep(0.05) at once": overlapped_sleeps}
best = {}
"""
    + TIME_SECTIONS
)


def main() -> None:
    python = native_python()
    rounds = race_python(WORKLOAD, python, REPEAT, ROUNDS)
    native, wasm = best(rounds)
    print(f"native: {python}")
    print(f"{'figure':26} {'native ms':>10} {'wasm ms':>9} {'ratio':>7}")
    for k in native:
        print(f"{k:26} {native[k] * 1e3:10.2f} {wasm[k] * 1e3:9.2f} {wasm[k] / native[k]:6.1f}x")
    one = "thread start+join (x50)"
    print(
        f"one thread start+join: {wasm[one] / 50 * 1e6:.0f} us in the machine, "
        f"{native[one] / 50 * 1e6:.0f} us native"
    )


if __name__ == "__main__":
    main()
