"""`cowasm-serve`: parse flags, bind the port, run the app until SIGINT/SIGTERM.

The port is bound before anything starts so that "address in use" is a one-line error.
Graceful shutdown is aiohttp's: run_app turns SIGINT/SIGTERM into the app's shutdown and
cleanup hooks, which close the sockets, stop the kernels and save state.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from pathlib import Path

from aiohttp import web

from . import logs
from .config import Config, default_data_dir

log = logging.getLogger("cowasm.cli")


def parse_args(argv: list[str] | None) -> Config:
    p = argparse.ArgumentParser(
        prog="cowasm-serve",
        description="A collaborative web terminal whose machine is made of WebAssembly programs.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default %(default)s)")
    p.add_argument("--data-dir", type=Path, default=default_data_dir(),
                   help="sessions database and files (default %(default)s)")  # fmt: skip
    p.add_argument("--public-url", help="the URL users reach the server at, behind a proxy")
    p.add_argument("--embed-origins", default="", metavar="ORIGINS",
                   help="comma-separated origins allowed to embed sessions in iframes, "
                        "e.g. https://course.example.org")  # fmt: skip
    p.add_argument("--max-sessions", type=int, default=50, metavar="N",
                   help="running sessions at most (default %(default)s)")  # fmt: skip
    p.add_argument("--idle-timeout", type=float, default=900, metavar="SECONDS",
                   help="stop a session's machine after this long with nobody attached; "
                        "its files are kept (default %(default)s)")  # fmt: skip
    p.add_argument("--log-level", default="info",
                   choices=["debug", "info", "warning", "error"])  # fmt: skip
    a = p.parse_args(argv)
    if not 0 < a.port < 65536:
        p.error(f"--port: {a.port} is not a port number")
    if a.max_sessions < 1 or a.idle_timeout <= 0:
        p.error("--max-sessions and --idle-timeout must be positive")
    origins = tuple(o.strip().rstrip("/") for o in a.embed_origins.split(",") if o.strip())
    return Config(host=a.host, port=a.port, data_dir=a.data_dir, public_url=a.public_url,
                  embed_origins=origins, max_sessions=a.max_sessions,
                  idle_timeout=a.idle_timeout, log_level=a.log_level)  # fmt: skip


def bind(host: str, port: int) -> socket.socket:
    try:
        return socket.create_server((host, port), reuse_port=False)
    except OSError as e:
        reason = os.strerror(e.errno) if e.errno else str(e)
        print(f"cowasm-serve: cannot listen on {host}:{port}: {reason}", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: list[str] | None = None) -> None:
    config = parse_args(argv)
    logs.setup(config.log_level)
    sock = bind(config.host, config.port)
    from .app import make_app  # after binding: a busy port fails fast

    app = make_app(config)
    url = config.public_url or f"http://{config.host}:{sock.getsockname()[1]}"
    log.info("listening", extra={"kv": {"url": url, "data_dir": config.data_dir}})
    web.run_app(app, sock=sock, print=None, access_log_class=logs.AccessLogger,
                shutdown_timeout=10)  # fmt: skip


if __name__ == "__main__":
    main()
