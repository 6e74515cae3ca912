"""Several `cowasm-serve` nodes sharing a real PostgreSQL (tests/pgcluster.py starts Debian's):
a session made on one node is reached through the others (terminal and file tree WebSockets and
the HTTP API are forwarded to its owner), and when the owner is killed with SIGKILL the next
request restarts the session on another node with every acknowledged edit."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from pycrdt import Map, Text

from server.cli import node_url, parse_args
from server.db import Database
from server.files import FileTreeStore
from server.files.client import connect as files_connect
from server.storage import Sessions
from tests import pgcluster

pytestmark = pytest.mark.skipif(pgcluster.why_not() is not None, reason=str(pgcluster.why_not()))
if pgcluster.why_not() is None:
    import psycopg

    from server.pg import PgBlobStore, PgDatabase, PgFiles, PgUpdateLog


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    with pgcluster.postgres() as url:
        yield url


@pytest.fixture
def database(pg_server: str) -> str:
    return pgcluster.new_database(pg_server, "t_" + secrets.token_hex(4))


@pytest.fixture
def nodes(database: str, tmp_path: Path) -> Iterator[list[pgcluster.Node]]:
    started = pgcluster.start_nodes(database, tmp_path, 3)
    yield started
    for node in started:
        node.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Term:
    """A terminal WebSocket that collects output (acks, as the page does)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.output = ws, b""

    async def until(self, needle: bytes, timeout: float = 30) -> None:
        async with asyncio.timeout(timeout):
            while needle not in self.output:
                msg = await self.ws.receive()
                if msg.type == aiohttp.WSMsgType.BINARY:
                    self.output += msg.data
                    await self.ws.send_json({"type": "ack", "bytes": len(msg.data)})
                elif msg.type != aiohttp.WSMsgType.TEXT:
                    raise ConnectionError(f"closed before {needle!r}: {msg}")

    async def run(self, line: str, done: bytes) -> None:
        await self.ws.send_bytes(line.encode() + b"\r")
        await self.until(done)

    async def close_code(self, timeout: float = 30) -> int | None:
        """The code of the close frame (what a browser's CloseEvent says)."""
        async with asyncio.timeout(timeout):
            while (msg := await self.ws.receive()).type in (
                aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT
            ):  # fmt: skip
                pass
        return msg.data if msg.type == aiohttp.WSMsgType.CLOSE else None


async def create(http: aiohttp.ClientSession, node: pgcluster.Node) -> tuple[str, str]:
    async with http.post(f"{node.url}/api/sessions") as r:
        assert r.status == 201
        body = await r.json()
    return body["id"], body["edit_url"].rsplit("token=", 1)[1]


async def term(http: aiohttp.ClientSession, node: pgcluster.Node, sid: str, token: str) -> Term:
    ws = await http.ws_connect(f"{node.url.replace('http', 'ws', 1)}/ws/term/{sid}?token={token}")
    t = Term(ws)
    await t.until(b"$ ")
    return t


async def test_forwarded_session_survives_its_owner_killed(
    nodes: list[pgcluster.Node], http: aiohttp.ClientSession
) -> None:
    a, b, c = nodes
    sid, token = await create(http, a)  # runs on a: it holds the session's lock

    # Through b: the terminal works both ways, the file tree syncs, the API answers.
    shell = await term(http, b, sid, token)
    await shell.run("echo fwd-$((6*7))", b"fwd-42")
    files_url = f"{b.url.replace('http', 'ws', 1)}/ws/files/{sid}?token={token}"
    async with files_connect(files_url) as browser:
        files, tree = browser.doc.get("files", type=Map), browser.doc.get("tree", type=Map)
        with browser.doc.transaction():
            tree["note.txt"] = {"kind": "file", "mode": 420.0, "mtime": 1.7e12, "size": 0.0}
            files["note.txt"] = Text("from the browser\n")
        await browser.flush()
        await shell.run("cat note.txt", b"from the browser")
        await shell.run("echo durable > saved.txt && echo wrote-$((1+1))", b"wrote-2")
        await shell.run("head -c 3000 /dev/urandom > r.bin; md5sum r.bin", b"  r.bin\r\n")
        digest = shell.output.rsplit(b"  r.bin\r\n", 1)[0][-32:]  # a blob, not a text
        put = f"{b.url}/api/sessions/{sid}/files/up/loaded.txt?token={token}"
        async with http.put(put, data=b"uploaded\n") as r:
            assert r.status == 200
        await shell.run("cat up/loaded.txt", b"uploaded\r\n")
        big = f"{b.url}/api/sessions/{sid}/files/big.bin?token={token}"  # over aiohttp's 1 MiB
        async with http.put(big, data=bytes(range(256)) * 8192) as r:
            assert r.status == 200
        await shell.run("wc -c < big.bin", b"2097152\r\n")
        async with http.get(f"{c.url}/api/sessions/{sid}/files/saved.txt?token={token}") as r:
            assert (r.status, await r.text()) == (200, "durable\n")
        async with http.get(f"{c.url}/api/sessions/{sid}?token={token}") as r:
            assert (await r.json())["running"] is True

        a.kill()  # SIGKILL: PostgreSQL frees a's locks when its connection drops
        assert await shell.close_code() == 1012  # forwarded sockets say "service restart"

    # The next request anywhere restarts the session from its files.
    again = await term(http, c, sid, token)
    await again.run("cat saved.txt note.txt up/loaded.txt; md5sum r.bin", b"  r.bin\r\n")
    assert b"durable\r\nfrom the browser\r\nuploaded\r\n" + digest in again.output
    via_b = await term(http, b, sid, token)  # c owns it now: b forwards there
    await via_b.run("echo both-$((3*3))", b"both-9")
    async with http.delete(f"{b.url}/api/sessions/{sid}?token={token}") as r:
        assert r.status == 204
    assert await via_b.close_code() == 4404  # the owner's close code reaches the client


async def test_a_node_that_loses_its_connections_stops_their_sessions_and_reconnects(
    nodes: list[pgcluster.Node], http: aiohttp.ClientSession, database: str
) -> None:
    a, b, _ = nodes
    sid, token = await create(http, a)
    shell = await term(http, a, sid, token)
    await shell.run("echo kept > kept.txt && echo ok-$((2*4))", b"ok-8")
    with psycopg.connect(database, autocommit=True) as conn:  # as a PostgreSQL restart does
        (killed,) = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %s",
            (f"cowasm-serve {a.url}",),
        ).fetchone()
    assert killed == 3  # a's connections: sessions table, file trees, locks
    assert await shell.close_code() == 1001  # a's housekeeping stopped it: never run twice
    moved = await term(http, b, sid, token)  # free now: b takes it
    await moved.run("cat kept.txt", b"kept\r\n")
    async with http.get(f"{a.url}/api/sessions/{sid}?token={token}") as r:
        assert r.status == 200 and (await r.json())["running"] is True  # a forwards to b
    # a made its connections again: it creates sessions and stores their files.
    other, other_token = await create(http, a)
    fresh = await term(http, a, other, other_token)
    await fresh.run("echo new > new.txt && cat new.txt", b"new\r\n")
    async with http.get(f"{b.url}/api/sessions/{other}/files/new.txt?token={other_token}") as r:
        assert await r.text() == "new\n"


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed")
async def test_the_reference_haproxy_sends_a_session_to_one_node(
    nodes: list[pgcluster.Node], http: aiohttp.ClientSession
) -> None:
    """docker/scale/haproxy.cfg as it is: every request naming a session reaches the same
    node, whichever node made it (it forwards to that one); its log has no tokens."""
    with pgcluster.haproxy(nodes) as proxy:
        front = pgcluster.Node(proxy.url, nodes[0].proc)
        for _ in range(4):
            sid, token = await create(http, front)  # round robin
            shell = await term(http, front, sid, token)
            await shell.run("echo hap-$((40+2))", b"hap-42")
            async with http.get(f"{proxy.url}/s/{sid}?token={token}") as r:
                assert r.status == 200
            async with http.get(f"{proxy.url}/api/sessions/{sid}?token={token}") as r:
                assert (await r.json())["running"] is True
            await shell.ws.close()
            paths = (f"/s/{sid}", f"/ws/term/{sid}", f"/api/sessions/{sid}")
            assert len(set.union(*(proxy.servers(p) for p in paths))) == 1
        assert "token=" not in proxy.log.read_text()


async def test_refusals_and_unknown_sessions_are_not_forwarded(
    nodes: list[pgcluster.Node], http: aiohttp.ClientSession
) -> None:
    a, b, _ = nodes
    sid, token = await create(http, a)
    async with http.get(f"{b.url}/api/sessions/{sid}?token=wrong") as r:
        assert r.status == 403  # the owner's answer, forwarded
    async with http.get(f"{b.url}/api/sessions/nosuchsession?token={token}") as r:
        assert r.status == 403  # no row: answered where it arrived
    bad = f"{b.url.replace('http', 'ws', 1)}/ws/term/{sid}?token=wrong"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(bad)
    assert refused.value.status == 403


@pytest.fixture(params=["sqlite", "postgresql"])
async def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Sessions]:
    if request.param == "sqlite":
        db: Sessions = Database(tmp_path / "db.sqlite3")
    else:
        db = PgDatabase(request.getfixturevalue("database"))
    await db.start()
    yield db
    await db.close()


async def test_the_sessions_table_behaves_alike_on_both_stores(sessions: Sessions) -> None:
    tpl = await sessions.create()
    old = await sessions.create(template=tpl.id, cmd="ls", label="Ada")
    new = await sessions.create(template=tpl.id)
    assert await sessions.get(old.id) == old and await sessions.get("nope") is None
    assert [r.id for r in await sessions.list_sessions(tpl.id, newest_first=False)] == [
        old.id, new.id
    ]  # fmt: skip
    assert await sessions.count() == 3 and await sessions.count(tpl.id) == 2
    await sessions.set_label(new.id, "Bo")
    await sessions.clear_cmd(old.id)
    row = await sessions.get(new.id)
    assert row is not None and row.label == "Bo"
    assert (await sessions.get(old.id)).cmd is None  # type: ignore[union-attr]
    await sessions.save_scrollback(old.id, b"one")
    await sessions.save_scrollback(old.id, b"\x00two")
    assert await sessions.load_scrollback(old.id) == b"\x00two"
    await sessions.touch(tpl.id)
    assert (await sessions.get(tpl.id)).last_active >= tpl.last_active  # type: ignore[union-attr]
    assert await sessions.idle_before(4e9, None, 10) == [tpl.id]  # blank sessions only
    assert set(await sessions.idle_before(None, 4e9, 10)) == {old.id, new.id}  # copies only
    assert await sessions.idle_before(None, None, 10) == []
    await sessions.delete(old.id)
    await sessions.record_deletion(old.id, "expired")
    assert await sessions.load_scrollback(old.id) == b""  # cascaded
    found = await sessions.deletion(old.id)
    assert found is not None and found[1] == "expired"
    await sessions.prune_deletions(found[0] + 1)
    assert await sessions.deletion(old.id) is None


async def test_a_file_tree_in_postgresql_comes_back_on_another_node(
    database: str, tmp_path: Path
) -> None:
    binary = bytes(range(256)) * 4

    def store_on(node: str) -> tuple[FileTreeStore, PgFiles]:
        files = PgFiles(database)  # each node its own connection and blob cache
        updates, blobs = PgUpdateLog(files), PgBlobStore(files, tmp_path / node / "cache")
        return FileTreeStore(tmp_path / node, updates=updates, blobs=blobs), files

    first, first_files = store_on("a")
    tree = await first.open("s1")
    tree.write_new("notes/a.txt", b"hello\n")
    tree.write_new("data.bin", binary)
    await tree.durable()
    first_files.close()  # the node dies: nothing compacted, nothing said goodbye

    second, second_files = store_on("b")
    again = await second.open("s1")
    assert again.read("notes/a.txt") == b"hello\n"
    assert again.read("data.bin") == binary  # fetched from PostgreSQL into b's cache
    await second.copy("s1", "s2")
    copied = await second.open("s2")
    assert copied.read("data.bin") == binary and copied.read("notes/a.txt") == b"hello\n"
    await second.delete("s1")
    await second.close()
    assert await PgUpdateLog(second_files).fetch("s1") == []
    with pytest.raises(FileNotFoundError):
        PgBlobStore(second_files, tmp_path / "c").path("s1", hashlib.sha256(binary).hexdigest())
    second_files.close()


def test_database_flags_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    config = parse_args([], {"COWASM_SERVE_DATABASE": "postgresql://u@db/x",
                             "COWASM_SERVE_NODE_URL": "http://node1:8080/"})  # fmt: skip
    assert (config.database, config.node_url) == ("postgresql://u@db/x", "http://node1:8080")
    assert parse_args([]).database is None  # SQLite in --data-dir stays the default
    for argv in (["--database", "sqlite:///x.db"], ["--node-url", "node1:8080"]):
        with pytest.raises(SystemExit):
            parse_args(argv, {})
    assert "must be a postgresql:// URL" in capsys.readouterr().err
    assert node_url("0.0.0.0", 8080) == f"http://{socket.getfqdn()}:8080"


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    port = pgcluster.free_port()  # nothing listens there
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "--port", "0", "--data-dir", str(tmp_path),
         "--database", f"postgresql://nobody@127.0.0.1:{port}/x"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("cowasm-serve: cannot use the database:")
    assert "Traceback" not in done.stderr
