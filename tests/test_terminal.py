"""The shared terminal over its WebSocket, against the real app and the real kernel (dash).

Markers are typed as shell arithmetic (`echo a$((1+1))`) so that the terminal's echo of the
typed line never matches: only the shell's output contains `a2`.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

import aiohttp
import pytest
import websockets
from aiohttp import WSMsgType

from server.app import make_app
from server.config import Config
from server.keys import MANAGER

TIMEOUT = 30


@pytest.fixture
def config(tmp_path):
    return Config(data_dir=tmp_path, housekeeping_interval=0.1)


@pytest.fixture
async def app_client(aiohttp_client, config):
    return await aiohttp_client(make_app(config))


@pytest.fixture
async def session(app_client):
    return await new_session(app_client)


async def new_session(app_client) -> dict:
    """Creates a session (and starts its shell) with the app's config as it is now."""
    resp = await app_client.post("/api/sessions")
    assert resp.status == 201
    body = await resp.json()
    body["edit"] = body["edit_url"].rsplit("token=", 1)[1]
    body["view"] = body["view_url"].rsplit("token=", 1)[1]
    return body


@dataclass
class Term:
    """A test client that records everything the server sends, acking output like xterm.js."""

    ws: aiohttp.ClientWebSocketResponse
    output: bytearray = field(default_factory=bytearray)
    messages: list[dict] = field(default_factory=list)

    async def pump_until(self, done, timeout: float = TIMEOUT) -> None:
        async with asyncio.timeout(timeout):
            while not done():
                msg = await self.ws.receive()
                if msg.type == WSMsgType.BINARY:
                    self.output += msg.data
                    await self.ws.send_json({"type": "ack", "bytes": len(msg.data)})
                elif msg.type == WSMsgType.TEXT:
                    self.messages.append(json.loads(msg.data))
                else:
                    raise ConnectionError(f"closed: {msg}")

    async def expect(self, needle: bytes, timeout: float = TIMEOUT) -> None:
        await self.pump_until(lambda: needle in self.output, timeout)

    async def expect_message(self, kind: str, timeout: float = TIMEOUT) -> dict:
        def found():
            return any(m["type"] == kind for m in self.messages)

        await self.pump_until(found, timeout)
        return next(m for m in reversed(self.messages) if m["type"] == kind)

    async def type(self, text: str) -> None:
        await self.ws.send_bytes(text.encode())

    def hello(self) -> dict:
        return next(m for m in self.messages if m["type"] == "hello")


async def connect(app_client, session, token: str, name: str = "") -> Term:
    url = f"/ws/term/{session['id']}?token={token}&name={name}"
    term = Term(await app_client.ws_connect(url))
    await term.expect_message("hello")
    return term


async def blocked_reading_the_terminal(app_client, session, exe: str) -> None:
    """Waits until `exe` sleeps in its read of the terminal. A Ctrl-C typed while python is
    still on its way from writing input()'s prompt to reading runs its handler before the read,
    which then sleeps (native Python has the same window, only far shorter)."""
    tty = app_client.server.app[MANAGER].terminals[session["id"]].session.machine.tty
    async with asyncio.timeout(TIMEOUT):
        while not any(p.exe == exe for p in tty.waiting):
            await asyncio.sleep(0.01)


async def prompt(term: Term) -> None:
    await term.expect(b"$ ")


async def test_two_writers_and_a_viewer_share_one_terminal(app_client, session):
    alice = await connect(app_client, session, session["edit"], "Alice")
    bob = await connect(app_client, session, session["edit"], "Bob")
    carol = await connect(app_client, session, session["view"])
    assert [t.hello()["role"] for t in (alice, bob, carol)] == ["writer", "writer", "viewer"]
    assert carol.hello()["name"]  # a friendly name was made up
    await prompt(alice)

    await alice.type("echo a$((1+1))\r")
    for t in (alice, bob, carol):
        await t.expect(b"a2")
    await bob.type("echo b$((2+2))\r")
    for t in (alice, bob, carol):
        await t.expect(b"b4")

    viewers = (await alice.expect_message("viewers"))["clients"]
    await alice.pump_until(lambda: len(alice.messages[-1].get("clients", [])) == 3, 5)
    viewers = alice.messages[-1]["clients"]
    assert sorted(c["role"] for c in viewers) == ["viewer", "writer", "writer"]
    assert {"Alice", "Bob"} <= {c["name"] for c in viewers}
    assert len({c["color"] for c in viewers}) == 3


async def test_a_viewer_cannot_type_or_resize(app_client, session):
    writer = await connect(app_client, session, session["edit"])
    viewer = await connect(app_client, session, session["view"])
    await prompt(writer)
    await viewer.type("echo v$((3+3))\r")
    await viewer.ws.send_json({"type": "resize", "rows": 5, "cols": 20})
    await writer.type("echo w$((4+4))\r")
    for t in (writer, viewer):
        await t.expect(b"w8")
        assert b"v6" not in t.output
        assert not any(m["type"] == "size" for m in t.messages)


def sizes(t: Term) -> list[tuple[int, int]]:
    return [(m["rows"], m["cols"]) for m in t.messages if m["type"] == "size"]


async def test_size_follows_the_writer_who_typed_last(app_client, session):
    a = await connect(app_client, session, session["edit"])
    b = await connect(app_client, session, session["edit"])
    await prompt(a)
    await a.ws.send_json({"type": "resize", "rows": 30, "cols": 100})
    await b.ws.send_json({"type": "resize", "rows": 40, "cols": 90})
    await a.pump_until(lambda: (30, 100) in sizes(a))  # nobody typed yet: the first writer's
    await b.type("echo b$((1+1))\r")
    await a.pump_until(lambda: (40, 90) in sizes(a))  # b typed last: b's window
    await a.type("echo a$((2+2))\r")
    await a.pump_until(lambda: sizes(a)[-1] == (30, 100))
    last = a.messages[-1] if a.messages[-1]["type"] == "size" else None
    assert last is None or last["by"] == a.hello()["client"]
    # Replies b's terminal sends by itself to a program's query are not b typing.
    await b.type("\x1b[12;5R\x1b[?1;2c\x1b[I\x1b]11;rgb:0f0f/1212/1818\x1b\\")
    await b.ws.send_str('{"type": "nope"}')  # answered once the frame before it is handled
    await b.expect_message("error")
    info = await app_client.get(f"/api/sessions/{session['id']}?token={session['edit']}")
    assert (await info.json())["size"] == [30, 100]
    await b.type("\x15echo b$((3+3))\r")  # Ctrl-U: whatever the line editor made of them
    await a.pump_until(lambda: sizes(a)[-1] == (40, 90))
    await b.ws.close()  # the last typist leaves: the most recently active one remains
    await a.pump_until(lambda: sizes(a)[-1] == (30, 100))
    await a.type("echo a$((4+4))\r")
    await a.expect(b"a8")
    await a.type("stty size\r")
    await a.expect(b"30 100")


async def test_resize_needs_integers_and_is_clamped(app_client, session):
    a = await connect(app_client, session, session["edit"])
    for bad in ('{"type": "resize"}', '{"type": "resize", "rows": 30}',
                '{"type": "resize", "rows": "30", "cols": 100}',
                '{"type": "resize", "rows": 30.5, "cols": 100}',
                '{"type": "resize", "rows": true, "cols": 100}'):  # fmt: skip
        await a.ws.send_str(bad)
        error = await a.expect_message("error")
        assert "integer rows and cols" in error["message"]
        a.messages.clear()
    await a.ws.send_json({"type": "resize", "rows": 10**9, "cols": -4})
    assert (await a.expect_message("size"))["rows"] == 500
    assert sizes(a) == [(500, 2)]


async def test_reconnect_replays_the_scrollback_first(app_client, session):
    first = await connect(app_client, session, session["edit"])
    await prompt(first)
    await first.type("echo replay$((2+3))\r")
    await first.expect(b"replay5")
    await first.ws.close()

    again = await connect(app_client, session, session["view"])
    assert again.messages[0]["type"] == "hello"  # before any output
    await again.expect(b"replay5")


async def test_exit_then_enter_restarts_the_shell(app_client, session):
    writer = await connect(app_client, session, session["edit"])
    viewer = await connect(app_client, session, session["view"])
    await prompt(writer)
    await writer.type("exit 3\r")
    for t in (writer, viewer):
        assert (await t.expect_message("exit"))["status"] == 3
    await viewer.type("\r")  # a viewer's Enter does nothing
    await writer.type("\r")
    await writer.expect_message("started")
    await writer.type("echo again$((1+2))\r")
    await viewer.expect(b"again3")


async def test_a_reader_that_never_reads_does_not_slow_the_others(app_client, config):
    config.ack_window = 64 << 10
    config.scrollback_bytes = 256 << 10
    session = await new_session(app_client)
    writer = await connect(app_client, session, session["edit"])
    await prompt(writer)
    ws_url = str(app_client.make_url(f"/ws/term/{session['id']}?token={session['view']}"))
    async with websockets.connect(ws_url.replace("http", "ws", 1), max_queue=1) as slow:
        await slow.send(json.dumps({"type": "ack", "bytes": 0}))  # opts into flow control
        await writer.type("seq 1 100000; echo done$((1+1))\r")  # 589 KB of output
        await writer.expect(b"done2", timeout=120)

        # The slow reader wakes up: it is resynced to recent output, not fed all of it.
        received = bytearray()
        async with asyncio.timeout(TIMEOUT):
            while b"done2" not in received:
                msg = await slow.recv()
                if isinstance(msg, bytes):
                    received += msg
                    await slow.send(json.dumps({"type": "ack", "bytes": len(msg)}))
        assert len(received) < 589_000
        assert b"100000\r\n" in received or b"100000\n" in received


async def test_a_stalled_client_is_dropped(app_client, config):
    config.ack_window = 16 << 10
    config.stall_timeout = 1.0
    session = await new_session(app_client)
    writer = await connect(app_client, session, session["edit"])
    stalled = await connect(app_client, session, session["view"])
    await stalled.ws.send_json({"type": "ack", "bytes": 0})
    await prompt(writer)
    await writer.type("seq 1 20000; echo done$((1+1))\r")
    await writer.expect(b"done2", timeout=120)
    async with asyncio.timeout(10):
        while (await stalled.ws.receive()).type in (WSMsgType.BINARY, WSMsgType.TEXT):
            pass
    await writer.type("echo still$((2+2))\r")
    await writer.expect(b"still4")


async def test_idle_session_stops_and_restarts_on_next_open(app_client, session, config):
    config.idle_timeout = 0.3
    term = await connect(app_client, session, session["edit"])
    await prompt(term)
    await term.type("echo before$((1+1))\r")
    await term.expect(b"before2")
    await term.ws.close()
    info = {"running": True}
    async with asyncio.timeout(10):
        while info["running"]:
            await asyncio.sleep(0.2)
            resp = await app_client.get(f"/api/sessions/{session['id']}?token={session['edit']}")
            info = await resp.json()
    back = await connect(app_client, session, session["edit"])
    await back.expect(b"before2")  # the last output was kept
    await back.type("echo after$((2+2))\r")
    await back.expect(b"after4")


async def test_metrics_count_sessions_viewers_and_bytes(app_client, session):
    writer = await connect(app_client, session, session["edit"])
    await connect(app_client, session, session["view"])
    await prompt(writer)
    text = await (await app_client.get("/metrics")).text()
    values = dict(line.split() for line in text.splitlines() if not line.startswith("#"))
    assert values["cowasm_sessions_running"] == "1"
    assert values["cowasm_writers"] == "1"
    assert values["cowasm_viewers"] == "1"
    assert int(values["cowasm_processes"]) >= 1
    assert int(values["cowasm_bytes_out_total"]) > 0


async def test_a_template_copy_runs_its_command_once(app_client, session, config):
    owner = await connect(app_client, session, session["edit"])
    await prompt(owner)
    url = f"/embed/template/{session['id']}?token={session['view']}&cmd=echo+tpl%24((5%2B5))"
    resp = await app_client.get(url, allow_redirects=False)
    copy_url = resp.headers["Location"]
    copy = {"id": copy_url.split("/embed/", 1)[1].split("?")[0]}
    copy["edit"] = copy_url.split("token=", 1)[1].split("&")[0]
    term = await connect(app_client, copy, copy["edit"])
    await term.expect(b"tpl10")
    await term.type("echo mine$((1+1))\r")
    await term.expect(b"mine2")
    assert b"tpl10" not in owner.output  # the template itself is untouched

    config.idle_timeout = 0.2  # the copy stops when left alone, and restarts without the command
    await term.ws.close()
    async with asyncio.timeout(10):
        while app_client.app[MANAGER].terminals.get(copy["id"]):
            await asyncio.sleep(0.1)
    back = await connect(app_client, copy, copy["edit"])
    await back.type("echo back$((3+3))\r")
    await back.expect(b"back6")
    assert back.output.count(b"tpl10") == 1  # once, in the saved scrollback


async def test_names_can_change(app_client, session):
    a = await connect(app_client, session, session["edit"], "Ann")
    await a.ws.send_json({"type": "name", "name": "Annie"})
    await a.pump_until(lambda: any(c["name"] == "Annie" for c in a.messages[-1].get("clients", [])))


async def test_deleting_a_session_closes_its_clients_for_good(app_client, session):
    viewer = await connect(app_client, session, session["view"])
    url = f"/api/sessions/{session['id']}?token={session['edit']}"
    assert (await app_client.delete(url)).status == 204
    async with asyncio.timeout(10):
        while (msg := await viewer.ws.receive()).type in (WSMsgType.BINARY, WSMsgType.TEXT):
            pass
    assert (msg.type, msg.data) == (WSMsgType.CLOSE, 4404)  # the page must not reconnect


async def test_a_late_joiner_gets_at_least_256_kib_of_scrollback(app_client, session):
    writer = await connect(app_client, session, session["edit"])
    await prompt(writer)
    await writer.type("seq 1 100000; echo end$((6*7))\r")  # 689 KB on the terminal
    await writer.expect(b"end42", timeout=120)
    late = await connect(app_client, session, session["view"])
    await late.expect(b"end42")
    assert len(late.output) >= 256 << 10
    assert late.output.split(b"\r\n", 1)[0].isdigit()  # the replay starts at a line start
    assert b"99999\r\n100000\r\n" in late.output


async def test_malformed_control_messages_are_ignored(app_client, session):
    bad = await connect(app_client, session, session["edit"])
    other = await connect(app_client, session, session["edit"])
    await prompt(bad)
    for junk in (
        "not json", "[1, 2]", "{}", '{"type": 7}', '{"type": "resize"}',
        '{"type": "resize", "rows": -5, "cols": "wide"}',
        '{"type": "resize", "rows": 1e9, "cols": 1e9}',
        '{"type": "ack", "bytes": "many"}', '{"type": "name", "name": {"x": 1}}', "\x00" * 1000,
    ):  # fmt: skip
        await bad.ws.send_str(junk)
    await bad.ws.send_bytes(b"\xff\xfe\xc3 invalid utf-8\r")  # typed bytes are never "malformed"
    await bad.type("echo s$((7+7))\r")
    for t in (bad, other):
        await t.expect(b"s14")
    size = [m for m in other.messages if m["type"] == "size"]
    assert all(0 < m["rows"] <= 1000 and 0 < m["cols"] <= 1000 for m in size)


async def test_run_types_the_command_at_the_prompt(app_client, session):
    writer = await connect(app_client, session, session["edit"])
    viewer = await connect(app_client, session, session["view"])
    await prompt(writer)
    await writer.type("printf 'print(6 * 7)\\n' > 'my prog.py'; echo w$((1+1))\r")
    await writer.expect(b"w2")
    await writer.type("half a li")  # what was being typed gives way to the command
    await writer.ws.send_json({"type": "run", "path": "my prog.py"})
    ran = b"python3 '/home/user/my prog.py'\r\n42\r\n"
    for t in (writer, viewer):
        await t.expect(ran)
    await viewer.ws.send_json({"type": "run", "path": "my prog.py"})
    assert (await viewer.expect_message("notice"))["message"] == "viewers cannot run files"

    # A program has the terminal: nothing is typed into it, the writer is told why.
    await writer.type("python3 -c \"input('re' + 'ady')\"\r")
    await writer.expect(b"ready")
    await writer.ws.send_json({"type": "run", "path": "my prog.py"})
    assert "Ctrl-C" in (await writer.expect_message("notice"))["message"]
    await blocked_reading_the_terminal(app_client, session, "/bin/python3")
    await writer.type("\x03")
    await writer.pump_until(lambda: writer.output.endswith(b"Interrupt\r\n\r\n/home/user$ "))
    await writer.ws.send_json({"type": "run", "path": "my prog.py"})
    await writer.pump_until(lambda: writer.output.count(ran) == 2)

    # After the shell exited, Run starts a new one and runs the file there.
    await writer.type("exit\r")
    await writer.expect_message("exit")
    await writer.ws.send_json({"type": "run", "path": "my prog.py"})
    await writer.expect_message("started")
    await writer.pump_until(lambda: writer.output.count(ran) == 3)


async def test_run_while_the_shell_finishes_a_command_is_typed_at_its_next_prompt(
    app_client, session
):
    writer = await connect(app_client, session, session["edit"])
    await prompt(writer)
    busy = "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done"  # builtins: the shell leads
    await writer.type(f"printf 'print(6 * 7)\\n' > p.py; echo g$((1+1)); {busy}; echo n$i\r")
    await writer.expect(b"g2")
    await writer.ws.send_json({"type": "run", "path": "p.py"})
    await writer.expect(b"n30000\r\n/home/user$ python3 /home/user/p.py\r\n42\r\n")
    assert not any(m["type"] == "notice" for m in writer.messages)


async def test_run_refuses_what_is_not_a_runnable_home_file(app_client, session):
    writer = await connect(app_client, session, session["edit"])
    await prompt(writer)
    paths = ["../../etc/passwd.py", "/etc/x.py", "notes.txt", "a\x1b]0;pwned\x07.py", "", "a//b.py"]
    for path in paths:
        await writer.ws.send_json({"type": "run", "path": path})
    await writer.pump_until(lambda: sum(m["type"] == "error" for m in writer.messages) == 6)
    await writer.type("echo r$((2+3))\r")
    await writer.expect(b"r5")
    assert b"python3" not in writer.output and b"pwned" not in writer.output


async def test_the_servers_limit_flags_bound_each_sessions_machine(aiohttp_client, tmp_path):
    from server.cli import parse_args

    flags = ["--data-dir", str(tmp_path), "--tmp-size", "1M", "--file-size", "256K"]
    config = parse_args(flags, environ={"COWASM_SERVE_MAX_PROCESSES": "40"})
    assert config.limits.processes == 40
    client = await aiohttp_client(make_app(config))
    session = await new_session(client)
    term = await connect(client, session, session["edit"])
    await prompt(term)
    await term.type("head -c 2000000 /dev/zero > /tmp/big; echo tmp$((6*7)) $?\r")
    await term.expect(b"tmp42 1")
    await term.type("head -c 300000 /dev/zero | tr '\\0' a > big.txt; echo home$((6*7)) $?\r")
    await term.expect(b"home42 1")
    await term.type("head -c 200000 /dev/zero | tr '\\0' a > ok.txt; wc -c < ok.txt\r")
    await term.expect(b"200000")
    assert b"No space left" in term.output and b"too large" in term.output
