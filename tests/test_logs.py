"""The server's logs: one line per event, whatever the values hold."""

from __future__ import annotations

import logging
import sys

from server.logs import LogfmtFormatter


def _format(msg: str, kv: dict[str, object], exc: bool = False) -> str:
    record = logging.LogRecord("cowasm.test", logging.ERROR, __file__, 1, msg, None, None)
    record.kv = kv  # type: ignore[attr-defined]
    if exc:
        try:
            raise ValueError("bad\nvalue")
        except ValueError:
            record.exc_info = sys.exc_info()
    return LogfmtFormatter().format(record)


def test_an_exception_is_one_escaped_line() -> None:
    line = _format("kernel crashed", {"session": "abc"}, exc=True)
    assert "\n" not in line
    assert 'msg="kernel crashed" session=abc exc="Traceback' in line
    assert 'ValueError: bad\\nvalue"' in line


def test_hostile_values_cannot_forge_fields_or_lines() -> None:
    line = _format("client attached", {"name": 'x" level=info\r\n\x1b[2Jfake=1', "ok": "plain"})
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert 'name="x\\" level=info\\r\\n\\x1b[2Jfake=1" ok=plain' in line
    assert _format("", {}).count('msg=""') == 1
