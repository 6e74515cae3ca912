"""Kernel benchmarks, each against a baseline measured in the same run.

- syscall: a trivial WASI call (clock_time_get) through our host-function path, against
  wasmtime-py's own generic host-function path for the same call.
- session start: a new session until its shell prints the prompt (warm module cache).
- fork+exec+wait: `for i in $(seq 200); do /bin/true; done` in our dash against native dash.
- pipe: `cat` of a 50 MB file into `wc -c`, against native `cat | wc -c`.
- idle sessions: resident memory of 1000 sessions at their prompt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import wasmtime

from server.sessions import hostcall, image
from server.sessions.fd import HostStream
from server.sessions.session import Session, SessionConfig
from server.sessions.vfs.hostdir import HostDir
from server.sessions.vfs.memfs import MemFS

N_CALLS = 200_000
LOOP = f"""(module
 (import "wasi_snapshot_preview1" "clock_time_get" (func $t (param i32 i64 i32) (result i32)))
 (memory (export "memory") 1)
 (func (export "run") (local $n i32)
  (local.set $n (i32.const {N_CALLS}))
  (block $b (loop $l (br_if $b (i32.eqz (local.get $n)))
    (drop (call $t (i32.const 1) (i64.const 1) (i32.const 64)))
    (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l))))
 (func (export "_start")))"""


class _FakeProc:
    """Just enough of a process for clock_time_get: its image's memory."""

    def __init__(self, img: object) -> None:
        self.image = img
        self.signals = type("S", (), {"pending": 0, "deliverable": 0})()


def syscall() -> None:
    eng = image.engine()
    module = wasmtime.Module(eng, wasmtime.wat2wasm(LOOP))
    store = wasmtime.Store(eng)
    store.set_epoch_deadline(1 << 62)
    inst = image.linker().instantiate(store, module)
    ex = inst.exports(store)
    img = type("I", (), {"memory": hostcall.Memory(store, ex["memory"])})()
    hostcall.current.proc = _FakeProc(img)
    t = time.perf_counter()
    ex["run"](store)
    ours = (time.perf_counter() - t) / N_CALLS

    generic = wasmtime.Linker(eng)
    generic.define_func(
        "wasi_snapshot_preview1", "clock_time_get",
        wasmtime.FuncType([wasmtime.ValType.i32(), wasmtime.ValType.i64(), wasmtime.ValType.i32()],
                          [wasmtime.ValType.i32()]),
        lambda clock, prec, out: 0,
    )  # fmt: skip
    store2 = wasmtime.Store(eng)
    store2.set_epoch_deadline(1 << 62)
    inst2 = generic.instantiate(store2, module)
    t = time.perf_counter()
    inst2.exports(store2)["run"](store2)
    theirs = (time.perf_counter() - t) / N_CALLS
    print(f"syscall clock_time_get: {ours * 1e6:.2f} us/call; wasmtime-py generic path "
          f"(doing nothing) {theirs * 1e6:.2f} us/call; ratio {ours / theirs:.2f}x")  # fmt: skip


def run_session(argv: list[str], cwd: Path) -> tuple[float, bytes]:
    out = bytearray()
    done = threading.Event()
    r, w = os.pipe()
    os.close(w)
    rd, wr = os.pipe()
    session = Session(SessionConfig(), HostDir(cwd), lambda b: None, lambda s: done.set())
    t = time.perf_counter()
    session.start(argv, stdio=[HostStream(r, True), HostStream(wr, False), HostStream(2, False)])

    def drain() -> None:
        while chunk := os.read(rd, 65536):
            out.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    done.wait(600)
    elapsed = time.perf_counter() - t
    os.close(wr)
    reader.join()
    os.close(r)
    os.close(rd)
    return elapsed, bytes(out)


def timed(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def session_start() -> None:
    samples = []
    for _ in range(10):
        out = bytearray()
        prompt = threading.Event()

        def on_output(data: bytes, out: bytearray = out, prompt: threading.Event = prompt) -> None:
            out.extend(data)
            if b"$ " in out:
                prompt.set()

        s = Session(SessionConfig(), HostDir(tempfile.mkdtemp()), on_output, lambda st: None)
        t = time.perf_counter()
        s.start()
        prompt.wait(10)
        samples.append(time.perf_counter() - t)
        s.stop()
    samples.sort()
    print(
        f"session start to prompt: median {samples[5] * 1e3:.1f} ms, best {samples[0] * 1e3:.1f} ms"
    )


def fork_exec(tmp: Path) -> None:
    script = "for i in $(seq 200); do /bin/true; done"
    ours, _ = run_session(["/bin/sh", "-c", script], tmp)
    native = timed(["dash", "-c", script.replace("/bin/true", shutil.which("true") or "true")], tmp)
    ratio = ours / native
    print(f"fork+exec+wait x200: ours {ours:.3f} s, native dash {native:.3f} s, ratio {ratio:.1f}x")


def pipe(tmp: Path) -> None:
    data = tmp / "big.bin"
    data.write_bytes(os.urandom(1 << 20) * 50)
    ours, out = run_session(["/bin/sh", "-c", "cat big.bin | wc -c"], tmp)
    native = timed(["dash", "-c", "cat big.bin | wc -c"], tmp)
    mb = 50 * 1.048576
    print(f"pipe cat 50 MB | wc -c: ours {mb / ours:.0f} MB/s ({out.strip().decode()}), "
          f"native {mb / native:.0f} MB/s, {native / ours * 100:.0f}% of native")  # fmt: skip


def rss_mib() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def idle_sessions(n: int = 1000) -> None:
    """n sessions at their shell prompt, each with its own home (in memory)."""
    base = rss_mib()
    sessions = []
    t = time.perf_counter()
    for _ in range(n):
        prompt = threading.Event()
        s = Session(SessionConfig(), MemFS(), lambda b, p=prompt: p.set(), lambda st: None)
        s.start()
        prompt.wait(10)
        sessions.append(s)
    started = time.perf_counter() - t
    time.sleep(1)
    used = rss_mib() - base
    print(f"{n} idle sessions: {used:.0f} MiB resident ({used / n:.2f} MiB each), "
          f"all started in {started:.1f} s")  # fmt: skip
    for s in sessions:
        s.stop(0.1)


def main() -> None:
    syscall()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        run_session(["/bin/sh", "-c", "true"], tmp)  # warm the module cache
        session_start()
        fork_exec(tmp)
        pipe(tmp)
    idle_sessions()


if __name__ == "__main__":
    main()
