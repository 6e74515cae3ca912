"""Several nodes over PostgreSQL (docs/scale.md): sessions created per second and keystroke echo
latency with 1 node on SQLite (the default), 1 node on PostgreSQL and 3 nodes on PostgreSQL,
the echo both direct (the client is on the session's node) and forwarded (on another node, which
proxies the WebSocket); and a durable file write (`echo N > f`, Enter to the next prompt: the
shell's close() returns once the update is committed). Needs Debian's postgresql (a throwaway
server is started, as the tests do).

    python -m bench.scale [SESSIONS] [KEYS]
"""

from __future__ import annotations

import asyncio
import string
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench._term import connect, new_session, percentile
from tests import pgcluster

CONCURRENCY = 8  # creations in flight at once, spread round robin over the nodes
FLAGS = ("--max-sessions", "1000", "--create-burst", "100000", "--create-rate", "100000")


async def creations(bases: list[str], n: int) -> float:
    """Sessions created per second (each starts its shell), round robin over `bases`."""
    async with aiohttp.ClientSession() as http:
        queue = list(range(n))

        async def worker() -> None:
            while queue:
                i = queue.pop()
                async with http.post(f"{bases[i % len(bases)]}/api/sessions") as r:
                    assert r.status == 201, await r.text()

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return n / (time.perf_counter() - t0)


async def echo(owner: str, via: str, keys: int) -> list[float]:
    """Echo times of `keys` keystrokes typed into a session made on `owner`, through `via`."""
    async with aiohttp.ClientSession() as http:
        sid, edit, _ = await new_session(http, owner)
        writer = await connect(http, via, sid, edit)
        await writer.until(b"$ ")
        await writer.ws.send_bytes(b"# ")  # a comment: the keys typed below run nothing
        times = []
        for i in range(keys):
            key = string.ascii_letters[i % 52].encode()
            writer.clear()
            t0 = time.perf_counter()
            await writer.ws.send_bytes(key)
            times.append(await writer.until(key) - t0)
            if i % 60 == 59:
                await writer.ws.send_bytes(b"\r# ")
                await writer.until(b"# ")
        await writer.ws.close()
        return times


async def file_writes(base: str, n: int) -> list[float]:
    """Times from Enter to the next prompt of `echo I > f.txt` (a builtin: no fork)."""
    async with aiohttp.ClientSession() as http:
        sid, edit, _ = await new_session(http, base)
        shell = await connect(http, base, sid, edit)
        await shell.until(b"$ ")
        times = []
        for i in range(n):
            shell.clear()
            t0 = time.perf_counter()
            await shell.ws.send_bytes(f"echo {i} > f.txt\r".encode())
            times.append(await shell.until(b"$ ") - t0)
        await shell.ws.close()
        return times


def p50(values: list[float]) -> float:
    return percentile(values, 50) * 1000


def report(name: str, rate: float, echoes: dict[str, list[float]]) -> None:
    parts = [f"{k} p50 {p50(v):.2f} ms p99 {percentile(v, 99) * 1000:.2f} ms"
             for k, v in echoes.items()]  # fmt: skip
    print(f"{name:20s} {rate:6.1f} sessions/s; {'; '.join(parts)}", flush=True)


async def run(database: str | None, n_nodes: int, sessions: int, keys: int) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as data:
        if database is None:  # the default: SQLite under --data-dir
            nodes = pgcluster.start_nodes("", Path(data), 1, *FLAGS)
        else:
            nodes = pgcluster.start_nodes(database, Path(data), n_nodes, *FLAGS)
        try:
            bases = [node.url for node in nodes]
            await creations(bases, len(bases))  # each node loads its compiled programs once
            rate = await creations(bases, sessions)
            echoes = {"echo direct": await echo(bases[0], bases[0], keys)}
            if n_nodes > 1:
                echoes["echo forwarded"] = await echo(bases[0], bases[1], keys)
            echoes["file write"] = await file_writes(bases[0], keys // 2)
            return rate, echoes
        finally:
            for node in nodes:
                node.stop()


async def main_async(sessions: int, keys: int) -> None:
    if (why := pgcluster.why_not()) is not None:
        print(f"skipped: {why}")
        return
    with pgcluster.postgres() as server:
        sqlite = await run(None, 1, sessions, keys)
        report("1 node, SQLite", *sqlite)
        one = await run(pgcluster.new_database(server, "bench1"), 1, sessions, keys)
        report("1 node, PostgreSQL", *one)
        three = await run(pgcluster.new_database(server, "bench3"), 3, sessions, keys)
        report("3 nodes, PostgreSQL", *three)
    fwd, direct = p50(three[1]["echo forwarded"]), p50(three[1]["echo direct"])
    print(f"ratios: sessions/s 3 nodes / 1 node {three[0] / one[0]:.2f}x "
          f"(PostgreSQL / SQLite on 1 node {one[0] / sqlite[0]:.2f}x); "
          f"echo p50 forwarded / direct {fwd / direct:.2f}x (+{fwd - direct:.2f} ms); "
          f"file write p50 PostgreSQL / SQLite "
          f"{p50(one[1]['file write']) / p50(sqlite[1]['file write']):.2f}x")  # fmt: skip


def main() -> None:
    sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    keys = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    asyncio.run(main_async(sessions, keys))


if __name__ == "__main__":
    main()
