"""Keystroke echo latency through the whole stack (WebSocket, kernel tty, dash, fan-out):
p50/p99 at the writer and at the slowest viewer, with 1 and with 10 viewers attached.

    python -m bench.term_echo [KEYS]
"""

from __future__ import annotations

import asyncio
import string
import sys
import time

import aiohttp

from bench._term import connect, new_session, percentile, server


async def measure(base: str, viewers: int, keys: int) -> tuple[list[float], list[float]]:
    async with aiohttp.ClientSession() as http:
        sid, edit, view = await new_session(http, base)
        writer = await connect(http, base, sid, edit)
        watchers = [await connect(http, base, sid, view) for _ in range(viewers)]
        await writer.until(b"$ ")
        await writer.ws.send_bytes(b"# ")  # a comment: the keys typed below run nothing
        at_writer, at_viewers = [], []
        for i in range(keys):
            key = string.ascii_letters[i % 52].encode()
            for c in (writer, *watchers):
                c.clear()
            t0 = time.perf_counter()
            await writer.ws.send_bytes(key)
            t1 = await writer.until(key)
            tv = max(await asyncio.gather(*(c.until(key) for c in watchers)))
            at_writer.append(t1 - t0)
            at_viewers.append(tv - t0)
            if i % 60 == 59:  # keep the line short: Enter runs the comment, a prompt follows
                await writer.ws.send_bytes(b"\r# ")
                await writer.until(b"# ")
        return at_writer, at_viewers


def ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:6.2f} ms"


async def run(keys: int) -> None:
    async with server() as (base, _pid):
        for viewers in (1, 10):
            w, v = await measure(base, viewers, keys)
            print(f"echo, {viewers:2d} viewer(s), {keys} keys: writer p50 {ms(w, 50)} "
                  f"p99 {ms(w, 99)}; slowest viewer p50 {ms(v, 50)} p99 {ms(v, 99)}")  # fmt: skip


def main() -> None:
    asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 300))


if __name__ == "__main__":
    main()
