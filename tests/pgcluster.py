"""A real PostgreSQL (Debian's postgresql package) in a temporary directory, and real
`cowasm-serve` nodes sharing it: for tests/test_scale*.py and bench/scale.py.

PostgreSQL refuses to run as root, so as root (CI) the server runs as the `postgres` user the
Debian package makes (or `nobody`), owning the temporary directory.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian keeps it off PATH)."""
    found = sorted(PG_ROOT.glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def why_not() -> str | None:
    """Why no PostgreSQL can be started here, or None."""
    if pg_bin() is None:
        return "PostgreSQL is not installed (apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    if os.geteuid() == 0 and _run_as() is None:
        return "running as root and there is no postgres or nobody user to run PostgreSQL as"
    return None


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name).pw_name
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """Start a throwaway PostgreSQL; yields its URL (the `postgres` database, user cowasm)."""
    bindir = pg_bin()
    assert bindir is not None, why_not()
    user = _run_as()
    as_user = {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []} if user else {}
    root = Path(tempfile.mkdtemp(prefix="cowasm-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if user:
        for path in (root, sockets):
            shutil.chown(path, user)
    subprocess.run(
        [bindir / "initdb", "-D", data, "-A", "trust", "-U", "cowasm", "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True, **as_user,
    )  # fmt: skip
    port = free_port()
    proc = subprocess.Popen(
        [bindir / "postgres", "-D", data, "-p", str(port), "-k", sockets,
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=300"],
        stdout=subprocess.DEVNULL, stderr=open(root / "log", "wb"), **as_user,  # noqa: SIM115
    )  # fmt: skip
    url = f"postgresql://cowasm@127.0.0.1:{port}/postgres"
    try:
        _wait_for_postgres(url, proc, root / "log")
        yield url
    finally:
        proc.send_signal(signal.SIGINT)  # fast shutdown
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_postgres(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    import psycopg

    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"postgres exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.05)
    raise RuntimeError("postgres did not start in 15 s")


def new_database(server_url: str, name: str) -> str:
    """A fresh empty database on the server; returns its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


@dataclass
class Node:
    url: str
    proc: subprocess.Popen[bytes]

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no goodbye, no saving
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_nodes(database: str, data_root: Path, n: int, *flags: str) -> list[Node]:
    """n `cowasm-serve` processes on loopback sharing `database` (each its own --data-dir);
    an empty `database` gives SQLite nodes (the default, for comparisons)."""
    nodes = []
    for i in range(n):
        port = free_port()
        env = {**os.environ, "COWASM_SERVE_DATABASE": database} if database else None
        cmd = [sys.executable, "-m", "server.cli", "--port", str(port), "--log-level", "warning",
               "--data-dir", str(data_root / f"node{i}"), *flags]  # fmt: skip
        nodes.append(Node(f"http://127.0.0.1:{port}", subprocess.Popen(cmd, env=env)))
    try:
        for node in nodes:
            wait_healthy(node)
    except BaseException:
        for node in nodes:
            node.stop()
        raise
    return nodes


def wait_healthy(node: Node, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.proc.poll() is not None:
            raise RuntimeError(f"node {node.url} exited with {node.proc.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{node.url}/healthz") as r:
            if r.status == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"node {node.url} did not start")


REFERENCE_CFG = Path(__file__).parent.parent / "docker" / "scale" / "haproxy.cfg"


@dataclass
class Proxy:
    url: str
    log: Path  # HAProxy's access log (the reference config logs to stdout)

    def servers(self, path: str) -> set[str]:
        """The servers (node1...) that requests for `path` went to."""
        lines = self.log.read_text().splitlines()
        return {line.split()[3].split("/")[1] for line in lines if line.endswith(" " + path)}


@contextlib.contextmanager
def haproxy(nodes: list[Node]) -> Iterator[Proxy]:
    """Debian's haproxy running docker/scale/haproxy.cfg, its servers pointed at `nodes`."""
    cfg = REFERENCE_CFG.read_text()
    cfg = re.sub(r"\nresolvers docker\n(    .*\n)+", "\n", cfg)  # no Docker DNS here
    port = free_port()
    cfg = cfg.replace("bind :8080", f"bind 127.0.0.1:{port}")
    for i, node in enumerate(nodes, 1):
        cfg = re.sub(rf"server node{i} node{i}:8080 .*",
                     f"server node{i} {node.url.removeprefix('http://')}", cfg)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path, log = Path(tmp) / "haproxy.cfg", Path(tmp) / "log"
        path.write_text(cfg)
        with open(log, "wb") as out:
            proc = subprocess.Popen(["haproxy", "-f", str(path)], stdout=out, stderr=out)
        proxy = Proxy(f"http://127.0.0.1:{port}", log)
        try:
            wait_healthy(Node(proxy.url, proc))
            yield proxy
        finally:
            proc.terminate()
            proc.wait(10)
