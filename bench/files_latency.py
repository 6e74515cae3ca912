"""Latency of the shared file tree, in one process over real localhost WebSockets.

  browser edit -> shell read: a y-websocket client inserts into notes.txt; a kernel-like worker
                              thread spins on the backend until it reads the new content.
  shell write -> browser:     a worker thread does open/pwrite/close through the backend; we
                              time close() and the moment the client's Doc has the content.

Usage: .venv/bin/python -m bench.files_latency [--n 300] [--size 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiohttp import web
from pycrdt import Map, Text

from server.files import FileTreeStore
from server.files.client import connect
from server.sessions.vfs.base import OpenFlags


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(p / 100 * len(s)))] * 1000


def report(name: str, samples: list[float]) -> None:
    print(
        f"{name:38s} p50 {pct(samples, 50):7.2f} ms  p99 {pct(samples, 99):7.2f} ms  "
        f"mean {statistics.mean(samples) * 1000:7.2f} ms  (n={len(samples)})"
    )


async def measure(n: int, size: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="files-bench-"))
    store = FileTreeStore(data_dir)

    async def files_ws(request: web.Request) -> web.StreamResponse:
        tree = await store.open(request.match_info["id"])
        return await tree.handle_ws(request, web.WebSocketResponse(), readonly=False)

    app = web.Application()
    app.router.add_get("/ws/files/{id}", files_ws)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    tree = await store.open("bench")
    backend = tree.backend()
    loop = asyncio.get_running_loop()
    line = b"0123456789 abcdefghij klmnopqrstuvwxyz\n"
    initial = (line * (size // len(line) + 1))[:size].decode()

    async with connect(f"ws://127.0.0.1:{port}/ws/files/bench") as client:
        files = client.doc.get("files", type=Map)
        with client.doc.transaction():
            client.doc.get("tree", type=Map)["notes.txt"] = {"kind": "file", "mode": 420.0}
            files["notes.txt"] = Text(initial)
        while tree.text("notes.txt") is None:
            await asyncio.sleep(0.001)

        # browser edit -> shell read
        edit_to_read: list[float] = []
        for i in range(n):
            marker = f"<{i}>"
            target = marker.encode()
            seen = threading.Event()

            def spin(target: bytes = target, seen: threading.Event = seen) -> float:
                while True:
                    text = tree.text("notes.txt") or b""
                    if target in text[:64]:
                        seen.set()
                        return time.perf_counter()
                    time.sleep(0)

            fut = loop.run_in_executor(None, spin)
            t0 = time.perf_counter()
            files["notes.txt"].insert(0, marker)
            edit_to_read.append(await fut - t0)

        # shell write (append a line) -> browser
        close_times: list[float] = []
        write_to_browser: list[float] = []
        for i in range(n):
            payload = f"shell line {i}\n".encode()
            arrived = asyncio.Event()

            def watcher(payload: str, ev: asyncio.Event):  # type: ignore[no-untyped-def]
                def on_change(events: object) -> None:  # pycrdt counts parameters: keep one
                    if str(files["notes.txt"]).endswith(payload):
                        ev.set()

                return on_change

            sub = files.observe_deep(watcher(payload.decode(), arrived))

            def shell(payload: bytes = payload) -> tuple[float, float]:
                t0 = time.perf_counter()
                h = backend.open("notes.txt", OpenFlags(read=True, write=True))
                h.pwrite(payload, h.size())
                h.close()
                return t0, time.perf_counter()

            t0, t1 = await loop.run_in_executor(None, shell)
            await arrived.wait()
            t2 = time.perf_counter()
            files.unobserve(sub)
            close_times.append(t1 - t0)
            write_to_browser.append(t2 - t0)

    print(f"file size {size} bytes, {n} rounds")
    report("browser edit -> shell read", edit_to_read)
    report("shell open/write/close (committed)", close_times)
    report("shell write -> browser doc", write_to_browser)
    rows = len(store._log.load("bench"))
    t0 = time.perf_counter()
    tree.compact()
    print(
        f"log rows before compaction: {rows}; compaction {1000 * (time.perf_counter() - t0):.1f} ms"
    )
    await store.close()
    await runner.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--size", type=int, default=20000)
    args = ap.parse_args(sys.argv[1:])
    asyncio.run(measure(args.n, args.size))


if __name__ == "__main__":
    main()
