"""`cowasm-serve`: parse flags, bind the port, run the app until SIGINT/SIGTERM.

Every flag can also be set by an environment variable COWASM_SERVE_<FLAG> (`--max-sessions` is
COWASM_SERVE_MAX_SESSIONS); a flag on the command line wins. The admin token is best given that
way: a command line is visible to every user of the machine (ps).

The port is bound before anything starts so that "address in use" is a one-line error.
Shutdown is aiohttp's: run_app turns SIGINT/SIGTERM into the app's shutdown hook (goodbyes to
clients, kernels stopped and saved, see SessionManager.close) and then gives the handlers still
running SHUTDOWN_GRACE seconds before cancelling them.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import socket
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from . import logs
from .config import POLICIES, Config, default_data_dir
from .sessions.session import Limits
from .storage import is_postgres

log = logging.getLogger("cowasm.cli")
ENV_PREFIX = "COWASM_SERVE_"
SHUTDOWN_GRACE = 1.0  # seconds; the handlers have been told goodbye by then
MIN_ADMIN_TOKEN = 16  # characters: a guessable admin token on the internet is no guard
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
TYPE_NAMES: dict[object, str] = {int: "an integer", float: "a number"}


def duration(text: str) -> float:
    """Seconds from `3600`, `90s`, `30m`, `12h` or `30d`; 0 means never."""
    text = text.strip().lower()
    unit = UNITS.get(text[-1:])
    number = text[:-1] if unit else text
    try:
        value = float(number) * (unit or 1)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration (seconds, or a number with s, m, h or d)"
        ) from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration of 0 or more")
    return value


SIZE_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def size(text: str) -> int:
    """Bytes from `65536`, `64K`, `512M` or `1G` (binary units)."""
    text = text.strip().lower().removesuffix("b").removesuffix("i")
    unit = SIZE_UNITS.get(text[-1:])
    try:
        value = int(float(text[:-1] if unit else text) * (unit or 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (bytes, or K, M, G)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive size")
    return value


def networks(text: str) -> tuple[str, ...]:
    """Comma-separated addresses or networks (CIDR), checked here, parsed by server.ratelimit."""
    items = tuple(n.strip() for n in text.split(",") if n.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{item!r} is not an address or network") from None
    return items


def origins(text: str) -> tuple[str, ...]:
    return tuple(o.strip().rstrip("/") for o in text.split(",") if o.strip())


def version() -> str:
    try:
        return metadata.version("cowasm-serve")
    except metadata.PackageNotFoundError:  # a checkout that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cowasm-serve",
        description="A collaborative web terminal whose machine is made of WebAssembly programs.",
        epilog=f"Every flag can also be set by the environment variable {ENV_PREFIX}<FLAG> "
        f"(e.g. {ENV_PREFIX}PORT, {ENV_PREFIX}ADMIN_TOKEN); a flag given here wins.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    p.add_argument("--port", type=int, default=8080,
                   help="port to listen on, 0 for any free one (default %(default)s)")  # fmt: skip
    p.add_argument("--data-dir", type=Path, default=default_data_dir(),
                   help="sessions database and files (default %(default)s)")  # fmt: skip
    p.add_argument("--public-url", help="the URL users reach the server at, behind a proxy")
    p.add_argument("--embed-origins", type=origins, default=(), metavar="ORIGINS",
                   help="comma-separated origins allowed to embed sessions in iframes, "
                        "e.g. https://course.example.org")  # fmt: skip
    p.add_argument("--max-sessions", type=int, default=50, metavar="N",
                   help="running sessions at most (default %(default)s)")  # fmt: skip
    p.add_argument("--idle-timeout", type=float, default=900, metavar="SECONDS",
                   help="stop a session's machine after this long with nobody attached; "
                        "its files are kept (default %(default)s)")  # fmt: skip
    p.add_argument("--admin-token", metavar="TOKEN",
                   help=f"secret (at least {MIN_ADMIN_TOKEN} characters) for the admin API and "
                        "guarded creation, sent as 'Authorization: Bearer TOKEN'; prefer the "
                        "environment variable")  # fmt: skip
    p.add_argument("--create-policy", choices=POLICIES, default="open",
                   help="who may create sessions: open (anyone), templates (anyone may copy a "
                        "template, blank sessions need the admin token), token (every creation "
                        "needs the admin token) (default %(default)s)")  # fmt: skip
    p.add_argument("--create-rate", type=float, default=1.0, metavar="PER_SECOND",
                   help="creations per second per client address, refilled "
                        "(default %(default)s)")  # fmt: skip
    p.add_argument("--create-burst", type=int, default=60, metavar="N",
                   help="creations a client address may make at once "
                        "(default %(default)s)")  # fmt: skip
    p.add_argument("--trusted-proxies", type=networks, default=(), metavar="NETWORKS",
                   help="comma-separated proxy addresses or networks whose X-Forwarded-For "
                        "names the client (default: none, the peer is the client)")  # fmt: skip
    p.add_argument("--session-ttl", type=duration, default=duration("90d"), metavar="DURATION",
                   help="delete a session unused this long (seconds, or 12h, 30d; 0 = never; "
                        "default 90d)")  # fmt: skip
    p.add_argument(
        "--copy-ttl",
        type=duration,
        default=duration("30d"),
        metavar="DURATION",
        help="delete a template copy unused this long (default 30d)",
    )
    p.add_argument("--database", metavar="URL",
                   help="postgresql://user:password@host/db to share sessions and files with "
                        "other nodes (docs/scale.md; needs cowasm-serve[postgres]); default: "
                        "SQLite in --data-dir. Prefer the environment variable (a password "
                        "on the command line is visible in ps)")  # fmt: skip
    p.add_argument("--node-url", metavar="URL",
                   help="with --database: the URL other nodes reach this one at "
                        "(default http://HOST:PORT; the host's name for 0.0.0.0)")  # fmt: skip
    lim = Limits()
    g = p.add_argument_group("limits of each session's machine")
    g.add_argument("--memory-limit", type=size, default=lim.memory_bytes, metavar="SIZE",
                   help="memory of one process (wasm linear memory; default 512M)")  # fmt: skip
    g.add_argument("--max-processes", type=int, default=lim.processes, metavar="N",
                   help="processes of one session; more forks fail with EAGAIN "
                        "(default %(default)s)")  # fmt: skip
    g.add_argument("--open-files", type=int, default=lim.open_files, metavar="N",
                   help="open file descriptors of one process (default %(default)s)")  # fmt: skip
    g.add_argument("--tmp-size", type=size, default=lim.tmp_bytes, metavar="SIZE",
                   help="the in-memory /tmp (default 64M)")  # fmt: skip
    g.add_argument("--home-size", type=size, default=lim.tree_bytes, metavar="SIZE",
                   help="the shared home folder's files in all (default 256M)")  # fmt: skip
    g.add_argument("--file-size", type=size, default=lim.file_bytes, metavar="SIZE",
                   help="one file of the home folder (default 64M)")  # fmt: skip
    p.add_argument("--log-level", default="info",
                   choices=["debug", "info", "warning", "error"])  # fmt: skip
    return p


def env_name(action: argparse.Action) -> str:
    return ENV_PREFIX + action.dest.upper()


def apply_env(p: argparse.ArgumentParser, environ: dict[str, str]) -> None:
    """Environment values become the flags' defaults, converted and checked like flags."""
    for action in p._actions:
        if not action.option_strings or action.dest in ("help", "version"):
            continue
        name = env_name(action)
        action.help = f"{action.help or ''} [env {name}]".strip()
        raw = environ.get(name)
        if raw is None:
            continue
        try:
            value = action.type(raw) if callable(action.type) else raw
        except (ValueError, TypeError, argparse.ArgumentTypeError) as e:
            kind = TYPE_NAMES.get(action.type, "a valid value")
            detail = str(e) if isinstance(e, argparse.ArgumentTypeError) else f"not {kind}"
            p.error(f"{name}={raw!r}: {detail}")
        if action.choices is not None and value not in action.choices:
            p.error(f"{name}={raw!r}: choose from {', '.join(map(str, action.choices))}")
        action.default = value


def parse_args(argv: list[str] | None, environ: dict[str, str] | None = None) -> Config:
    p = build_parser()
    apply_env(p, dict(os.environ) if environ is None else environ)
    a = p.parse_args(argv)

    def check(ok: bool, flag: str, message: str) -> None:
        if not ok:
            p.error(f"{flag} ({ENV_PREFIX}{flag[2:].replace('-', '_').upper()}): {message}")

    check(0 <= a.port < 65536, "--port", f"{a.port} is not a port number")
    check(a.max_sessions >= 1, "--max-sessions", "must be 1 or more")
    check(a.idle_timeout > 0, "--idle-timeout", "must be positive")
    check(a.create_rate > 0, "--create-rate", "must be positive")
    check(a.create_burst >= 1, "--create-burst", "must be 1 or more")
    check(a.max_processes >= 1, "--max-processes", "must be 1 or more")
    check(a.open_files >= 16, "--open-files", "must be 16 or more")
    check(a.memory_limit >= 16 << 20, "--memory-limit", "must be 16M or more")
    check(a.file_size <= a.home_size, "--file-size", "must not exceed --home-size")
    limits = Limits(memory_bytes=a.memory_limit, processes=a.max_processes,
                    open_files=a.open_files, tmp_bytes=a.tmp_size, tree_bytes=a.home_size,
                    file_bytes=a.file_size)  # fmt: skip
    if a.admin_token is not None:
        check(len(a.admin_token) >= MIN_ADMIN_TOKEN, "--admin-token",
              f"must be at least {MIN_ADMIN_TOKEN} characters")  # fmt: skip
    check(a.create_policy == "open" or a.admin_token is not None, "--create-policy",
          f"{a.create_policy} needs an admin token (--admin-token)")  # fmt: skip
    check(a.database is None or is_postgres(a.database), "--database",
          "must be a postgresql:// URL (SQLite in --data-dir is the default)")  # fmt: skip
    check(a.node_url is None or a.node_url.startswith(("http://", "https://")), "--node-url",
          "must be an http:// or https:// URL")  # fmt: skip
    return Config(host=a.host, port=a.port, data_dir=a.data_dir, public_url=a.public_url,
                  embed_origins=a.embed_origins, max_sessions=a.max_sessions,
                  idle_timeout=a.idle_timeout, log_level=a.log_level,
                  admin_token=a.admin_token, create_policy=a.create_policy,
                  create_rate=a.create_rate, create_burst=a.create_burst,
                  trusted_proxies=a.trusted_proxies, session_ttl=a.session_ttl,
                  copy_ttl=a.copy_ttl, limits=limits, database=a.database,
                  node_url=a.node_url and a.node_url.rstrip("/"))  # fmt: skip


def bind(host: str, port: int) -> socket.socket:
    try:
        return socket.create_server((host, port), reuse_port=False)
    except OSError as e:
        reason = os.strerror(e.errno) if e.errno else str(e)
        print(f"cowasm-serve: cannot listen on {host}:{port}: {reason}", file=sys.stderr)
        raise SystemExit(2) from None


def node_url(host: str, port: int) -> str:
    """Where the other nodes reach this one: the listening address, or the host's name when
    listening on every address (a container's name in docker/scale)."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn()
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def main(argv: list[str] | None = None) -> None:
    config = parse_args(argv)
    logs.setup(config.log_level)
    sock = bind(config.host, config.port)
    from .app import make_app  # after binding: a busy port fails fast

    port = sock.getsockname()[1]
    if config.database and config.node_url is None:
        config.node_url = node_url(config.host, port)
    try:
        app = make_app(config)
    except ImportError as e:  # psycopg, for --database postgresql://
        print(f"cowasm-serve: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    except Exception as e:  # PostgreSQL unreachable or refusing: one line, not a traceback
        if not type(e).__module__.startswith("psycopg"):
            raise
        print(f"cowasm-serve: cannot use the database: {e}".strip(), file=sys.stderr)
        raise SystemExit(2) from None
    url = config.public_url or f"http://{config.host}:{port}"
    cluster = {"node": config.node_url} if config.database else {}
    if config.database and urlsplit(config.node_url or "").hostname in ("127.0.0.1", "localhost"):
        log.warning("node URL is loopback: only nodes on this machine can forward to it "
                    "(set --node-url)", extra={"kv": cluster})  # fmt: skip
    log.info("listening", extra={"kv": {"url": url, "data_dir": config.data_dir,
                                        "create_policy": config.create_policy,
                                        **cluster}})  # fmt: skip
    web.run_app(app, sock=sock, print=None, access_log_class=logs.AccessLogger,
                shutdown_timeout=SHUTDOWN_GRACE)  # fmt: skip


if __name__ == "__main__":
    main()
