"""Structured logs: one line per event, `key=value` pairs (logfmt), easy to grep and to ship.

Callers add fields with `extra={"kv": {...}}`.
"""

from __future__ import annotations

import logging
import re
import time

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

# A value with any of these is quoted; control characters (a traceback's newlines, a hostile
# session name's escape sequences) are escaped, so an event is always exactly one line.
_QUOTE = re.compile(r'[\s"=\\\x00-\x1f\x7f]')
_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: re.Match[str]) -> str:
    c = ch.group()
    return _ESCAPES.get(c) or f"\\x{ord(c):02x}"


def _value(v: object) -> str:
    s = str(v)
    if s and not _QUOTE.search(s):
        return s
    return '"' + _ESCAPE.sub(_escape, s) + '"'


class LogfmtFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        fields = {
            "ts": f"{ts}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **getattr(record, "kv", {}),
        }
        line = " ".join(f"{k}={_value(v)}" for k, v in fields.items())
        if record.exc_info:
            line += " exc=" + _value(self.formatException(record.exc_info))
        return line


def setup(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(LogfmtFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


class AccessLogger(AbstractAccessLogger):
    """One line per request, without the query string: it holds the session tokens."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        kv = {
            "method": request.method,
            "path": request.path,
            "status": response.status,
            "bytes": response.body_length,
            "seconds": f"{time:.4f}",
            "remote": request.remote,
        }
        self.logger.info("request", extra={"kv": kv})
