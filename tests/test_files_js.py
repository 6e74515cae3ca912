"""Interop with the browser's stock Yjs + y-websocket WebsocketProvider (run by Node)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from server.files import FileTreeStore
from tests.test_files import Limits, in_thread, make_app, shell_write, until

WEB = Path(__file__).resolve().parent.parent / "web"
pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (WEB / "node_modules/y-websocket").is_dir(),
    reason="needs node and web/node_modules (yjs, y-websocket)",
)

SCRIPT = """
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
const [base, room, token] = process.argv.slice(1)
const doc = new Y.Doc()
const provider = new WebsocketProvider(base, room, doc, { params: { token } })
provider.awareness.setLocalStateField('user', { name: 'js', color: '#ff0000' })
const files = doc.getMap('files'), tree = doc.getMap('tree')
provider.once('sync', () => {
  doc.transact(() => {
    tree.set('js.txt', { kind: 'file', mode: 420, mtime: Date.now(), size: 0 })
    files.set('js.txt', new Y.Text('from js\\n'))
  })
  console.log('SYNCED')
})
files.observeDeep(() => {
  const t = files.get('py.txt')
  if (t && t.toString() === 'from python\\n') {
    const e = tree.get('py.txt')
    console.log('GOT', e.kind, typeof e.mtime, typeof e.size, e.size)
    provider.destroy()
    setTimeout(() => process.exit(0), 50)
  }
})
setTimeout(() => process.exit(2), 10000)
"""


async def test_stock_y_websocket_provider(tmp_path: Path, aiohttp_server) -> None:  # type: ignore[no-untyped-def]
    store = FileTreeStore(tmp_path, Limits())
    srv = await aiohttp_server(make_app(store))
    tree = await store.open("room1")
    backend = tree.backend()
    base = str(srv.make_url("/ws/files")).replace("http", "ws", 1)
    node = await asyncio.create_subprocess_exec(
        "node", "--experimental-websocket", "--no-warnings", "--input-type=module",
        "-e", SCRIPT, base, "room1", "edit",
        cwd=WEB, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert node.stdout is not None
        line = await asyncio.wait_for(node.stdout.readline(), 15)
        assert line.strip() == b"SYNCED"
        await until(lambda: tree.text("js.txt") == b"from js\n")
        await until(lambda: any(s.get("user", {}).get("name") == "js"
                                for s in tree.awareness.states.values()))  # fmt: skip
        await in_thread(lambda: shell_write(backend, "py.txt", b"from python\n"))
        out, err = await asyncio.wait_for(node.communicate(), 15)
        assert node.returncode == 0, err.decode()
        assert out.decode().split() == ["GOT", "file", "number", "number", "12"]
    finally:
        if node.returncode is None:
            node.kill()
            await node.wait()
        await store.close()
