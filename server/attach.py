"""`cowasm attach URL`: put your own terminal on a shared session, as a writer or a viewer
(the role comes from the token in the URL). Ctrl-] detaches.

The local terminal is put in raw mode so every key (Ctrl-C included) goes to the session;
the window size is sent at start and on SIGWINCH (writers only, like the page). Output is
acknowledged once written, so the server's flow control paces us like a browser.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import termios
import tty
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import websockets

DETACH = b"\x1d"  # Ctrl-]
QUIET_AFTER_EOF = 1.0  # piped input: leave once output has been quiet this long


def term_ws_url(url: str, name: str | None) -> str:
    """The terminal WebSocket URL for a page link (/s/ID, /embed/ID) or a /ws/term/ID URL."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss"):
        raise ValueError(f"not an http(s) or ws(s) URL: {url}")
    segments = [s for s in parts.path.split("/") if s]
    if not segments or "token" not in parse_qs(parts.query):
        raise ValueError(f"expected a session link with ?token=: {url}")
    query = {"token": parse_qs(parts.query)["token"][0]}
    if name:
        query["name"] = name
    prefix = parts.path[: parts.path.find(f"/{segments[-2]}/")] if len(segments) >= 2 else ""
    return f"{scheme}://{parts.netloc}{prefix}/ws/term/{segments[-1]}?{urlencode(query)}"


@contextlib.contextmanager
def raw_mode(fd: int) -> Iterator[None]:
    if not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def note(text: str) -> None:
    sys.stderr.write(f"\r\n[cowasm: {text}]\r\n")
    sys.stderr.flush()


async def attach(url: str) -> int:
    loop = asyncio.get_running_loop()
    last_output = loop.time()
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    keys: asyncio.Queue[bytes] = asyncio.Queue()
    interactive = os.isatty(stdin)

    def on_stdin() -> None:
        data = os.read(stdin, 4096)
        keys.put_nowait(data)
        if not data:
            loop.remove_reader(stdin)

    async with websockets.connect(url, max_size=None, ping_interval=30) as ws:
        role = "viewer"
        hello = asyncio.Event()

        async def send_size() -> None:
            if role == "writer" and interactive:
                cols, rows = shutil.get_terminal_size()
                await ws.send(json.dumps({"type": "resize", "rows": rows, "cols": cols}))

        async def pump_keys() -> None:
            await hello.wait()  # the role is known from here on
            while True:
                data = await keys.get()
                if not data:  # EOF on piped input: wait for the output to settle
                    return
                if interactive and DETACH in data:
                    return
                if role == "writer":
                    await ws.send(data)

        async def pump_output() -> None:
            nonlocal role, last_output
            async for msg in ws:
                if isinstance(msg, bytes):
                    last_output = loop.time()
                    os.write(stdout, msg)
                    await ws.send(json.dumps({"type": "ack", "bytes": len(msg)}))
                    continue
                event = json.loads(msg)
                if event["type"] == "hello":
                    role = event["role"]
                    note(f"attached as {role} {event['name']}; Ctrl-] detaches")
                    await send_size()
                    hello.set()
                elif event["type"] == "exit":
                    note(f"shell exited with status {event['status']}; Enter starts a new one")
                elif event["type"] == "error":
                    note(event["message"])

        loop.add_reader(stdin, on_stdin)
        loop.add_signal_handler(signal.SIGWINCH, lambda: asyncio.ensure_future(send_size()))
        output = asyncio.ensure_future(pump_output())
        typing = asyncio.ensure_future(pump_keys())
        try:
            done, _ = await asyncio.wait({output, typing}, return_when=asyncio.FIRST_COMPLETED)
            while typing in done and not output.done():  # piped input ended
                if loop.time() - last_output > QUIET_AFTER_EOF:
                    break
                await asyncio.sleep(0.1)
        finally:
            loop.remove_reader(stdin)
            loop.remove_signal_handler(signal.SIGWINCH)
            for task in (output, typing):
                task.cancel()
        closed = output.done() and not output.cancelled()
        if closed and ws.close_code not in (None, 1000):
            note(f"disconnected: {ws.close_reason or ws.close_code}")
            return 1
    return 0


def main_attach(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="cowasm attach", description=__doc__.split("\n\n")[0])
    p.add_argument("url", help="a session link: http(s)://HOST/s/ID?token=T (edit or view)")
    p.add_argument("--name", help="the name the others see (default: made up)")
    a = p.parse_args(argv)
    try:
        url = term_ws_url(a.url, a.name or os.environ.get("USER"))
    except ValueError as e:
        p.error(str(e))
    try:
        with raw_mode(sys.stdin.fileno()):
            return asyncio.run(attach(url))
    except (OSError, websockets.InvalidHandshake) as e:
        print(f"cowasm attach: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main_attach())
