"""Shared by the terminal benchmarks: a real `cowasm-serve` in a child process (so that the
clients' work does not share its interpreter) and a client that acks like xterm.js."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def server(*flags: str) -> AsyncIterator[tuple[str, int]]:
    """Yields (base URL, pid). COWASM_SERVE overrides the command (to bench another build)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        cmd = shlex.split(os.environ.get("COWASM_SERVE", f"{sys.executable} -m server.cli"))
        cmd += ["--port", str(port), "--data-dir", data, "--log-level", "warning", *flags]
        proc = subprocess.Popen(cmd)
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as http:
                for _ in range(200):
                    with contextlib.suppress(aiohttp.ClientError):
                        if (await http.get(f"{base}/healthz")).status == 200:
                            break
                    await asyncio.sleep(0.05)
            yield base, proc.pid
        finally:
            proc.terminate()
            proc.wait(10)


async def new_session(http: aiohttp.ClientSession, base: str) -> tuple[str, str, str]:
    """(id, edit token, view token)"""
    body = await (await http.post(f"{base}/api/sessions")).json()
    token = lambda url: url.rsplit("token=", 1)[1]  # noqa: E731
    return body["id"], token(body["edit_url"]), token(body["view_url"])


@dataclass
class Client:
    ws: aiohttp.ClientWebSocketResponse
    output: bytearray = field(default_factory=bytearray)
    received: int = 0

    async def until(self, needle: bytes, timeout: float = 300) -> float:
        """Reads (and acks) until `needle` has arrived; returns the time it did."""
        async with asyncio.timeout(timeout):
            while needle not in self.output:
                msg = await self.ws.receive()
                if msg.type == aiohttp.WSMsgType.BINARY:
                    self.received += len(msg.data)
                    self.output += msg.data
                    del self.output[: -len(needle) - (1 << 16)]  # keep a tail to search
                    await self.ws.send_str(json.dumps({"type": "ack", "bytes": len(msg.data)}))
                elif msg.type != aiohttp.WSMsgType.TEXT:
                    raise ConnectionError(msg)
        return time.perf_counter()

    def clear(self) -> None:
        self.output.clear()


async def connect(http: aiohttp.ClientSession, base: str, sid: str, token: str) -> Client:
    ws = await http.ws_connect(f"{base.replace('http', 'ws', 1)}/ws/term/{sid}?token={token}")
    return Client(ws)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]
