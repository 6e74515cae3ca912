"""The shared file tree: y-websocket clients, the kernel backend, persistence, limits."""

from __future__ import annotations

import asyncio
import errno
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from aiohttp import web
from pycrdt import Doc, Map, Text

from server.files import FileTreeStore
from server.files.client import YClient, connect
from server.files.routes import add_routes
from server.sessions.vfs.base import OpenFlags

WRITE = OpenFlags(read=True, write=True, create=True, truncate=True)
APPEND = OpenFlags(read=True, write=True, create=True)


class Limits:
    file_bytes = 4 << 20
    tree_bytes = 8 << 20


def make_app(store: FileTreeStore) -> web.Application:
    async def authorize(request: web.Request, session_id: str, write: bool) -> None:
        token = request.query.get("token")
        if token not in ("edit", "view") or (write and token != "edit"):
            raise web.HTTPForbidden()

    async def files_ws(request: web.Request) -> web.StreamResponse:
        await authorize(request, request.match_info["id"], False)
        tree = await store.open(request.match_info["id"])
        ws = web.WebSocketResponse()
        return await tree.handle_ws(request, ws, readonly=request.query["token"] == "view")

    app = web.Application()
    app.router.add_get("/ws/files/{id}", files_ws)
    add_routes(app, store, authorize)
    return app


@pytest.fixture
async def server(tmp_path: Path, aiohttp_server):  # type: ignore[no-untyped-def]
    store = FileTreeStore(tmp_path, Limits())
    srv = await aiohttp_server(make_app(store))
    srv.store = store
    yield srv
    await store.close()


def url(srv, session: str = "s1", token: str = "edit") -> str:  # type: ignore[no-untyped-def]
    return str(srv.make_url(f"/ws/files/{session}?token={token}"))


async def until(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.005)


def create(client: YClient, path: str, content: str) -> None:
    """What the browser does to create a file."""
    files, tree = client.doc.get("files", type=Map), client.doc.get("tree", type=Map)
    with client.doc.transaction():
        tree[path] = {"kind": "file", "mode": 420.0, "mtime": 1.7e12, "size": 0.0}
        files[path] = Text(content)


def text_of(client: YClient, path: str) -> str | None:
    value = client.doc.get("files", type=Map).get(path)
    return str(value) if value is not None else None


def in_thread(fn: Callable[[], object]) -> asyncio.Future[object]:
    """Run fn on a worker thread, as the kernel does (the loop keeps running meanwhile)."""
    return asyncio.get_running_loop().run_in_executor(None, fn)


def shell_write(backend, path: str, data: bytes, flags: OpenFlags = WRITE) -> None:  # type: ignore[no-untyped-def]
    h = backend.open(path, flags)
    h.pwrite(data, h.size() if not flags.truncate else 0)
    h.close()


def shell_read(backend, path: str) -> bytes:  # type: ignore[no-untyped-def]
    h = backend.open(path, OpenFlags())
    try:
        return h.pread(1 << 30, 0)
    finally:
        h.close()


async def test_edit_from_one_browser_reaches_another(server) -> None:  # type: ignore[no-untyped-def]
    async with connect(url(server)) as a, connect(url(server)) as b:
        create(a, "hello.py", "print('hi')\n")
        await until(lambda: text_of(b, "hello.py") == "print('hi')\n")
        a.doc.get("files", type=Map)["hello.py"].insert(0, "# top\n")
        await until(lambda: text_of(b, "hello.py") == "# top\nprint('hi')\n")


async def test_browser_edit_is_visible_to_the_shell_without_hopping_threads(server) -> None:  # type: ignore[no-untyped-def]
    backend = (await server.store.open("s1")).backend()
    async with connect(url(server)) as a:
        create(a, "notes.txt", "from the browser\n")
        await until(lambda: backend.tree.text("notes.txt") is not None)
        assert await in_thread(lambda: shell_read(backend, "notes.txt")) == b"from the browser\n"
        st = backend.lstat("notes.txt")
        assert st.size == len(b"from the browser\n") and st.mode == 0o644
        assert backend.listdir("") == ["notes.txt"]


async def test_shell_write_appears_in_browser(server) -> None:  # type: ignore[no-untyped-def]
    backend = (await server.store.open("s1")).backend()
    async with connect(url(server)) as b:
        await in_thread(lambda: backend.mkdir("src", 0o755))
        await in_thread(lambda: shell_write(backend, "src/s.txt", b"from-shell\n"))
        await until(lambda: text_of(b, "src/s.txt") == "from-shell\n")
        entry = b.doc.get("tree", type=Map)["src/s.txt"]
        assert entry["kind"] == "file" and entry["size"] == 11
        assert b.doc.get("tree", type=Map)["src"]["kind"] == "dir"


async def test_concurrent_browser_and_shell_edits_merge(server) -> None:  # type: ignore[no-untyped-def]
    tree = await server.store.open("s1")
    backend = tree.backend()
    base = "".join(f"line {i}\n" for i in range(10))
    async with connect(url(server)) as a:
        create(a, "f.txt", base)
        await until(lambda: tree.text("f.txt") == base.encode())
        opened = threading.Event()
        release = threading.Event()

        def shell() -> None:  # `sed`-like: read everything, write it all back changed
            h = backend.open("f.txt", OpenFlags(read=True, write=True))
            data = h.pread(1 << 20, 0)
            opened.set()
            release.wait(5)
            new = data.replace(b"line 8\n", b"LINE 8 (shell)\n")
            h.truncate(0)
            h.pwrite(new, 0)
            h.close()

        done = in_thread(shell)
        await asyncio.get_running_loop().run_in_executor(None, opened.wait, 5)
        a.doc.get("files", type=Map)["f.txt"].insert(
            0, "# browser\n"
        )  # while the shell has it open
        await until(
            lambda: tree.text(
                "f.txt",
            ).startswith(b"# browser")
        )  # type: ignore[union-attr]
        release.set()
        await done
        expected = "# browser\n" + base.replace("line 8\n", "LINE 8 (shell)\n")
        await until(lambda: text_of(a, "f.txt") == expected)
        assert tree.text("f.txt") == expected.encode()


async def test_append_and_unicode(server) -> None:  # type: ignore[no-untyped-def]
    tree = await server.store.open("s1")
    backend = tree.backend()
    async with connect(url(server)) as a:
        await in_thread(lambda: shell_write(backend, "u.txt", "héllo 😀\n".encode()))
        await in_thread(lambda: shell_write(backend, "u.txt", "más ✓\n".encode(), APPEND))
        await until(lambda: text_of(a, "u.txt") == "héllo 😀\nmás ✓\n")


async def test_binary_files_are_blobs(server) -> None:  # type: ignore[no-untyped-def]
    tree = await server.store.open("s1")
    backend = tree.backend()
    payload = bytes(range(256)) * 10
    async with connect(url(server)) as a:
        await in_thread(lambda: shell_write(backend, "data.bin", payload))
        await until(lambda: a.doc.get("tree", type=Map).get("data.bin", {}).get("kind") == "blob")
        entry = a.doc.get("tree", type=Map)["data.bin"]
        assert entry["kind"] == "blob" and entry["size"] == len(payload)
        assert text_of(a, "data.bin") is None
        assert await in_thread(lambda: shell_read(backend, "data.bin")) == payload
        # writing text over it turns it back into an editable file
        await in_thread(lambda: shell_write(backend, "data.bin", b"text now\n"))
        await until(lambda: text_of(a, "data.bin") == "text now\n")
        assert a.doc.get("tree", type=Map)["data.bin"]["kind"] == "file"


async def test_tree_operations(server) -> None:  # type: ignore[no-untyped-def]
    tree = await server.store.open("s1")
    be = tree.backend()

    def ops() -> None:
        be.mkdir("d", 0o755)
        shell_write(be, "d/a.txt", b"a\n")
        with pytest.raises(OSError) as e:
            be.rmdir("d")
        assert e.value.errno == errno.ENOTEMPTY
        with pytest.raises(OSError) as e:
            be.mkdir("d", 0o755)
        assert e.value.errno == errno.EEXIST
        with pytest.raises(OSError) as e:
            be.lstat("nope/x")
        assert e.value.errno == errno.ENOENT
        with pytest.raises(OSError) as e:
            be.open("d/new", OpenFlags(write=True, create=True, exclusive=True)).close()
            be.open("d/new", OpenFlags(write=True, create=True, exclusive=True))
        assert e.value.errno == errno.EEXIST
        be.rename("d", "e")
        assert be.listdir("e") == ["a.txt", "new"]
        assert shell_read(be, "e/a.txt") == b"a\n"
        be.chmod("e/a.txt", 0o755)
        assert be.lstat("e/a.txt").mode == 0o755
        be.set_times("e/a.txt", None, 1_000_000_000 * 1_000_000_000)
        assert be.lstat("e/a.txt").mtime_ns == 1_000_000_000 * 1_000_000_000
        be.unlink("e/a.txt")
        be.unlink("e/new")
        be.rmdir("e")
        assert be.listdir("") == []

    await in_thread(ops)


async def test_viewer_cannot_write_but_sees_edits(server) -> None:  # type: ignore[no-untyped-def]
    tree = await server.store.open("s1")
    async with connect(url(server, token="view")) as viewer, connect(url(server)) as writer:
        create(viewer, "evil.txt", "should not land")
        viewer.set_awareness({"user": {"name": "viewer", "color": "#123456"}})
        await until(
            lambda: any(
                s.get("user", {}).get("name") == "viewer" for s in writer.awareness.states.values()
            )
        )
        assert tree.text("evil.txt") is None and text_of(writer, "evil.txt") is None
        create(writer, "ok.txt", "fine")
        await until(lambda: text_of(viewer, "ok.txt") == "fine")


async def test_awareness_is_retracted_on_disconnect(server) -> None:  # type: ignore[no-untyped-def]
    async with connect(url(server)) as a:
        async with connect(url(server)) as b:
            b.set_awareness({"user": {"name": "bob"}})
            await until(lambda: len(a.awareness.states) == 1)
        await until(lambda: len(a.awareness.states) == 0)


async def test_everything_survives_a_restart(tmp_path: Path, aiohttp_server) -> None:  # type: ignore[no-untyped-def]
    store = FileTreeStore(tmp_path, Limits())
    srv = await aiohttp_server(make_app(store))
    srv.store = store
    backend = (await store.open("s1")).backend()
    async with connect(url(srv)) as a:
        create(a, "a.txt", "from browser")
        await until(lambda: backend.tree.text("a.txt") is not None)
    await in_thread(lambda: backend.mkdir("dir", 0o700))
    await in_thread(lambda: shell_write(backend, "dir/b.bin", b"\xff\x00bin"))
    await srv.close()
    # no close(): like kill -9, only what was committed counts
    store2 = FileTreeStore(tmp_path, Limits())
    tree2 = await store2.open("s1")
    assert tree2.text("a.txt") == b"from browser"
    assert tree2.read("dir/b.bin") == b"\xff\x00bin"
    assert tree2.lookup("dir").mode == 0o700  # type: ignore[union-attr]
    await store2.close()  # compacts to one update
    store3 = FileTreeStore(tmp_path, Limits())
    tree3 = await store3.open("s1")
    assert tree3.text("a.txt") == b"from browser"
    assert store3._log.load("s1").__len__() == 1
    await store3.close()
    await store.close()


async def test_copy_makes_an_independent_tree(server) -> None:  # type: ignore[no-untyped-def]
    store: FileTreeStore = server.store
    tmpl = await store.open("tmpl")
    await in_thread(lambda: shell_write(tmpl.backend(), "hello.py", b"print(1)\n"))
    await in_thread(lambda: shell_write(tmpl.backend(), "img.bin", b"\x89PNG\x00"))
    await store.copy("tmpl", "student")
    copy = await store.open("student")
    assert copy.read("hello.py") == b"print(1)\n" and copy.read("img.bin") == b"\x89PNG\x00"
    await in_thread(lambda: shell_write(copy.backend(), "hello.py", b"print(2)\n"))
    assert tmpl.read("hello.py") == b"print(1)\n"
    await store.delete("student")
    assert (await store.open("student")).lookup("hello.py") is None


async def test_size_limits(server) -> None:  # type: ignore[no-untyped-def]
    be = (await server.store.open("s1")).backend()

    def too_big() -> None:
        h = be.open("big", WRITE)
        with pytest.raises(OSError) as e:
            h.pwrite(b"x" * (Limits.file_bytes + 1), 0)
        assert e.value.errno == errno.EFBIG
        h.close()
        for i in range(2):  # 2 x 4 MiB fills the 8 MiB tree
            shell_write(be, f"f{i}", b"\x00" * Limits.file_bytes)
        h = be.open("one-more", WRITE)
        with pytest.raises(OSError) as e:
            h.pwrite(b"y", 0)
        assert e.value.errno == errno.ENOSPC
        h.close()

    await in_thread(too_big)


async def test_http_get_and_put(server) -> None:  # type: ignore[no-untyped-def]
    from aiohttp import ClientSession

    async with ClientSession() as http, connect(url(server)) as a:
        base = "/api/sessions/s1/files"
        r = await http.put(server.make_url(f"{base}/up/load.bin?token=edit"), data=b"\x00\x01")
        assert r.status == 200
        r = await http.put(server.make_url(f"{base}/t.txt?token=view"), data=b"no")
        assert r.status == 403
        r = await http.put(server.make_url(f"{base}/t.txt?token=edit"), data=b"yes\n")
        await until(lambda: text_of(a, "t.txt") == "yes\n")
        r = await http.get(server.make_url(f"{base}/up/load.bin?token=view"))
        assert r.status == 200 and await r.read() == b"\x00\x01"
        r = await http.get(server.make_url(f"{base}/missing?token=view"))
        assert r.status == 404


def test_doc_model_is_plain_numbers() -> None:
    """tree entries written by the server read back as numbers in any Yjs client."""
    doc = Doc()
    tree = doc.get("tree", type=Map)
    from server.files.model import Entry

    tree["x"] = Entry("file", 0o644, 1.7e12, 3).to_json()
    assert tree["x"] == {"kind": "file", "mode": 420.0, "mtime": 1.7e12, "size": 3.0}


KILLED = """
import asyncio, os, sys
from server.files import FileTreeStore
from server.sessions.vfs.base import OpenFlags

async def main():
    tree = await FileTreeStore(sys.argv[1]).open("s1")
    def shell():
        h = tree.backend().open("kept.txt", OpenFlags(write=True, create=True, truncate=True))
        h.pwrite(b"acknowledged\\n", 0)
        h.close()
    await asyncio.get_running_loop().run_in_executor(None, shell)
    os.kill(os.getpid(), 9)  # no close(), no compaction

asyncio.run(main())
"""


async def test_acknowledged_write_survives_kill_9(tmp_path: Path) -> None:
    import sys

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLED, str(tmp_path), cwd=Path(__file__).resolve().parent.parent
    )
    assert await proc.wait() == -9
    store = FileTreeStore(tmp_path)
    assert (await store.open("s1")).read("kept.txt") == b"acknowledged\n"
    await store.close()


async def test_backend_called_on_the_loop_thread_does_not_deadlock(server) -> None:  # type: ignore[no-untyped-def]
    be = (await server.store.open("s1")).backend()
    shell_write(be, "direct.txt", b"inline\n")  # on the loop thread itself
    assert shell_read(be, "direct.txt") == b"inline\n"
