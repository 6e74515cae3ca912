"""Structured logs: one line per event, `key=value` pairs (logfmt), easy to grep and to ship.

Callers add fields with `extra={"kv": {...}}`.
"""

from __future__ import annotations

import logging
import time

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse


def _value(v: object) -> str:
    s = str(v)
    if s == "" or any(ch in s for ch in ' "='):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


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
