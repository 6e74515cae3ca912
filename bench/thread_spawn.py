"""Kernel thread spawn cost (wasi-threads; bench/threads.py measures Python's threads): spawn
and join of an empty thread, one at a time, in a threaded WAT program on a real machine
(`wasi.thread-spawn`: a Store, an instance and an OS thread), against the host's own
`threading.Thread` start + join measured in the same run.
"""

from __future__ import annotations

import struct
import tempfile
import threading
import time
from pathlib import Path

import wasmtime

from server.sessions import batch
from server.sessions.vfs.hostdir import HostDir

N = 2000
PROGRAM = f"""(module
 (import "env" "memory" (memory 1 1 shared))
 (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
 (import "wasi_snapshot_preview1" "clock_time_get"
   (func $clock (param i32 i64 i32) (result i32)))
 (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
 (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
 (global (export "__cowasm_interrupt") i32 (i32.const 16))
 (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
   (i32.atomic.store (i32.const 32) (i32.const 1))  ;; what pthread_exit does for a joiner
   (drop (memory.atomic.notify (i32.const 32) (i32.const 1))))
 (func (export "_start") (local $i i32)
   (drop (call $clock (i32.const 1) (i64.const 1) (i32.const 64)))
   (loop $more
     (i32.atomic.store (i32.const 32) (i32.const 0))
     (if (i32.le_s (call $spawn (i32.const 0)) (i32.const 0)) (then (call $exit (i32.const 1))))
     (loop $join
       (if (i32.eqz (i32.atomic.load (i32.const 32))) (then
         (drop (memory.atomic.wait32 (i32.const 32) (i32.const 0) (i64.const 50000000)))
         (br $join))))
     (local.set $i (i32.add (local.get $i) (i32.const 1)))
     (br_if $more (i32.lt_u (local.get $i) (i32.const {N}))))
   (drop (call $clock (i32.const 1) (i64.const 1) (i32.const 72)))
   (i64.store (i32.const 80) (i64.sub (i64.load (i32.const 72)) (i64.load (i32.const 64))))
   (i32.store (i32.const 96) (i32.const 80))  ;; the elapsed ns, as 8 bytes on stdout
   (i32.store (i32.const 100) (i32.const 8))
   (drop (call $write (i32.const 1) (i32.const 96) (i32.const 1) (i32.const 104))))
)"""


def host_baseline() -> float:
    t = time.perf_counter()
    for _ in range(N):
        th = threading.Thread(target=lambda: None)
        th.start()
        th.join()
    return (time.perf_counter() - t) / N


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "spawn.wasm"
        path.write_bytes(wasmtime.wat2wasm(PROGRAM))
        path.chmod(0o755)
        for _ in range(2):  # the first also compiles
            r = batch.run(["/home/user/spawn.wasm"], HostDir(d), timeout=120)
        assert r.finished and r.status == 0 and len(r.stdout) == 8, r
    ours = struct.unpack("<Q", r.stdout)[0] / N / 1000  # µs per spawn + join
    host = host_baseline() * 1e6
    print(f"thread spawn+join: {ours:.0f} us; host threading.Thread start+join {host:.0f} us; "
          f"ratio {ours / host:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
