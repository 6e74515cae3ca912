"""Output fan-out: `seq 1 1000000` (6.9 MB) watched by 1 and by 10 viewers that ack like
xterm.js (the goal: 10 viewers within 1.3x of 1), and the memory of N idle sessions.

    python -m bench.term_fanout [LINES] [IDLE_SESSIONS]
"""

from __future__ import annotations

import asyncio
import sys
import time
from multiprocessing import Event, Process, Queue

import aiohttp

from bench._term import connect, cpu_seconds, new_session, rss_kib, server

REPEAT = 3


def watch(base: str, sid: str, token: str, n: int, ready: Event, results: Queue) -> None:
    """Child process: n viewers, reading and acking, until the end marker."""

    async def run() -> None:
        async with aiohttp.ClientSession() as http:
            viewers = [await connect(http, base, sid, token) for _ in range(n)]
            ready.set()
            ends = await asyncio.gather(*(v.until(b"end42") for v in viewers))
            results.put((max(ends), sum(v.received for v in viewers) // n))

    asyncio.run(run())


async def flood(base: str, pid: int, viewers: int, lines: int) -> tuple[float, float, int, float]:
    """(seconds until the writer saw the end, until every viewer did, bytes per viewer,
    server CPU seconds). The viewers run in another process, so that their reading does
    not delay the writer's: what is measured is the server."""
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as http:
        sid, edit, view = await new_session(http, base)
        writer = await connect(http, base, sid, edit)
        await writer.until(b"$ ")
        ready, results = Event(), Queue()
        child = Process(target=watch, args=(base, sid, view, viewers, ready, results))
        child.start()
        await loop.run_in_executor(None, ready.wait)
        t0, cpu0 = time.perf_counter(), cpu_seconds(pid)
        await writer.ws.send_bytes(f"seq 1 {lines}; echo end$((6*7))\r".encode())
        t_writer = await writer.until(b"end42") - t0
        t_viewers, received = await loop.run_in_executor(None, results.get)
        cpu = cpu_seconds(pid) - cpu0
        child.join()
        await http.delete(f"{base}/api/sessions/{sid}?token={edit}")
        return t_writer, t_viewers - t0, received, cpu


async def idle_memory(base: str, pid: int, n: int) -> tuple[int, int]:
    """(server RSS before, after n sessions whose shells sit at their prompt), in KiB"""
    async with aiohttp.ClientSession() as http:
        before = rss_kib(pid)
        for _ in range(n):
            sid, edit, _view = await new_session(http, base)
            client = await connect(http, base, sid, edit)
            await client.until(b"$ ")
            await client.ws.close()
        await asyncio.sleep(1)
        text = await (await http.get(f"{base}/metrics")).text()
        values = dict(line.split() for line in text.splitlines() if not line.startswith("#"))
        print(f"running sessions {values['cowasm_sessions_running']}, "
              f"processes {values['cowasm_processes']}")  # fmt: skip
        return before, rss_kib(pid)


async def run(lines: int, idle: int) -> None:
    async with server("--max-sessions", str(idle + 4)) as (base, pid):
        before, after = await idle_memory(base, pid, idle)
        print(f"{idle} idle sessions: server RSS {before / 1024:.0f} -> {after / 1024:.0f} MiB, "
              f"{(after - before) / idle / 1024:.1f} MiB per session")  # fmt: skip
        times = {}
        await flood(base, pid, 1, lines)  # warm-up: the first run compiles and caches
        for viewers in (1, 10):
            runs = [await flood(base, pid, viewers, lines) for _ in range(REPEAT)]
            t_writer, t_all, received, cpu = min(runs)  # the run least disturbed by others
            times[viewers] = t_writer
            print(f"seq 1 {lines}, {viewers:2d} viewer(s): writer {t_writer:6.2f} s, "
                  f"all viewers {t_all:6.2f} s, {received / 1e6:5.2f} MB per viewer, "
                  f"server CPU {cpu:5.2f} s (best of {REPEAT})")  # fmt: skip
        print(f"writer's time, 10 viewers / 1 viewer: {times[10] / times[1]:.2f}x (goal <= 1.3x)")


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    idle = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    asyncio.run(run(lines, idle))


if __name__ == "__main__":
    main()
