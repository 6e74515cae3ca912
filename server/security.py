"""Tokens, WebSocket origin checks and the headers that govern framing.

Tokens travel in URLs (so links work in iframes without third-party cookies), hence
`Referrer-Policy: no-referrer` on every page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from .keys import CONFIG


def request_token(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.query.get("token")


def check_origin(request: web.Request) -> None:
    """Refuse a browser WebSocket opened from a page of another site (cross-site WebSocket
    hijacking) unless that origin may embed us. Non-browser clients send no Origin."""
    origin = request.headers.get("Origin")
    if origin is None:
        return
    config = request.app[CONFIG]
    if urlsplit(origin).netloc == request.host:
        return
    if config.public_url and origin == _origin_of(config.public_url):
        return
    if origin in config.embed_origins or "*" in config.embed_origins:
        return
    raise web.HTTPForbidden(text="cross-origin WebSocket refused")


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def is_https(request: web.Request) -> bool:
    public = request.app[CONFIG].public_url
    if public:
        return public.startswith("https:")
    return request.secure or request.headers.get("X-Forwarded-Proto") == "https"


def base_url(request: web.Request) -> str:
    """The absolute URL the server is reached at, without a trailing slash."""
    public = request.app[CONFIG].public_url
    if public:
        return public.rstrip("/")
    return f"{'https' if is_https(request) else 'http'}://{request.host}"


@web.middleware
async def security_headers(request: web.Request, handler):  # type: ignore[no-untyped-def]
    response = await handler(request)
    if response.content_type == "text/html":
        ancestors = ["'self'"]
        if request.path.startswith("/embed/"):
            ancestors += request.app[CONFIG].embed_origins
        response.headers["Content-Security-Policy"] = f"frame-ancestors {' '.join(ancestors)}"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
    return response
