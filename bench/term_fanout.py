"""Output fan-out: `seq 1 1000000` (6.9 MB) watched by 1 and by 10 viewers that ack like
xterm.js (the goal: 10 viewers within 1.3x of 1), and the memory of N idle sessions.

    python -m bench.term_fanout [LINES] [IDLE_SESSIONS]
"""

from __future__ import annotations

import asyncio
import sys
import time

import aiohttp

from bench._term import connect, cpu_seconds, new_session, rss_kib, server


async def flood(base: str, pid: int, viewers: int, lines: int) -> tuple[float, float, int, float]:
    """(seconds until the writer saw the end, until every viewer did, bytes per viewer,
    server CPU seconds)"""
    async with aiohttp.ClientSession() as http:
        sid, edit, view = await new_session(http, base)
        writer = await connect(http, base, sid, edit)
        watchers = [await connect(http, base, sid, view) for _ in range(viewers)]
        await writer.until(b"$ ")
        t0, cpu0 = time.perf_counter(), cpu_seconds(pid)
        await writer.ws.send_bytes(f"seq 1 {lines}; echo end$((6*7))\r".encode())
        ends = await asyncio.gather(*(c.until(b"end42") for c in (writer, *watchers)))
        cpu = cpu_seconds(pid) - cpu0
        received = sum(c.received for c in watchers) // max(viewers, 1)
        await http.delete(f"{base}/api/sessions/{sid}?token={edit}")
        return ends[0] - t0, max(ends) - t0, received, cpu


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
        return before, rss_kib(pid)


async def run(lines: int, idle: int) -> None:
    async with server("--max-sessions", str(idle + 4)) as (base, pid):
        times = {}
        for viewers in (1, 10):
            t_writer, t_all, received, cpu = await flood(base, pid, viewers, lines)
            times[viewers] = t_all
            print(f"seq 1 {lines}, {viewers:2d} viewer(s): writer {t_writer:6.2f} s, "
                  f"all viewers {t_all:6.2f} s, {received / 1e6:5.2f} MB per viewer, "
                  f"server CPU {cpu:5.2f} s")  # fmt: skip
        print(f"10 viewers / 1 viewer: {times[10] / times[1]:.2f}x (goal <= 1.3x)")
        before, after = await idle_memory(base, pid, idle)
        print(f"{idle} idle sessions: server RSS {before / 1024:.0f} -> {after / 1024:.0f} MiB, "
              f"{(after - before) / idle / 1024:.1f} MiB per session")  # fmt: skip


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    idle = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    asyncio.run(run(lines, idle))


if __name__ == "__main__":
    main()
