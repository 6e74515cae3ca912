"""Refusals that people read: a styled page for browser pages, JSON for the APIs.

Handlers raise `Refusal`; the `error_pages` middleware renders web/templates/error.html (status,
title, what happened, what to do) for the landing page, /s/ and /embed/ pages, and
`{"error", "message"}` for everything else. It sits inside `security_headers`, so error pages
get the same framing rules as the pages they replace (embed errors stay framable).
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from .keys import TEMPLATES

PAGE_PREFIXES = ("/s/", "/embed/")


class Refusal(Exception):
    def __init__(
        self, status: int, kind: str, title: str, message: str, hint: str,
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.status, self.kind, self.title = status, kind, title
        self.message, self.hint, self.headers = message, hint, headers or {}


def bad_link() -> Refusal:
    return Refusal(403, "bad_link", "This link does not work",
                   "There is no session with this id, or the token in the link is wrong.",
                   "Check that the whole link was copied, or ask whoever shared it for a new "
                   "one.")  # fmt: skip


def gone(when: float, reason: str) -> Refusal:
    day = time.strftime("%Y-%m-%d", time.gmtime(when))
    why = " after a long time without use" if reason == "expired" else ""
    return Refusal(410, "deleted", "This session was deleted",
                   f"It was deleted on {day}{why}, with its files.",
                   "Start a new session, or open your course's link again for a fresh "
                   "copy.")  # fmt: skip


def full(message: str) -> Refusal:
    return Refusal(503, "full", "The server is full", message,
                   "Wait a minute, then reload this page.",
                   {"Retry-After": "60"})  # fmt: skip


def rate_limited(retry_after: str) -> Refusal:
    return Refusal(429, "rate_limited", "Too many new sessions",
                   "Your network has started many sessions in a short time.",
                   f"Try again in {retry_after} seconds.",
                   {"Retry-After": retry_after})  # fmt: skip


def not_allowed(reason: str) -> Refusal:
    return Refusal(403, "not_allowed", "New sessions are not open here", reason,
                   "Ask your teacher or the server's administrator for a link.")  # fmt: skip


def is_page(request: web.Request) -> bool:
    return request.path == "/" or request.path.startswith(PAGE_PREFIXES)


def render(request: web.Request, refusal: Refusal) -> web.Response:
    theme = request.query.get("theme")
    config: dict[str, Any] = {"theme": theme if theme in ("dark", "light") else "dark",
                              "error": refusal.kind}  # fmt: skip
    html = (
        request.app[TEMPLATES]
        .get_template("error.html")
        .render(
            config=config,
            title=refusal.title,
            refusal=refusal,
            embed=request.path.startswith("/embed/"),
        )
    )
    return web.Response(status=refusal.status, text=html, content_type="text/html",
                        headers=refusal.headers)  # fmt: skip


@web.middleware
async def error_pages(request: web.Request, handler):  # type: ignore[no-untyped-def]
    try:
        return await handler(request)
    except Refusal as refusal:
        if is_page(request):
            return render(request, refusal)
        body = {"error": refusal.kind, "message": refusal.message}
        return web.json_response(body, status=refusal.status, headers=refusal.headers)
