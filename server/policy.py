"""Who may create sessions (`--create-policy`) and who is the admin (`--admin-token`).

The admin token travels only as `Authorization: Bearer TOKEN`: never in a URL, where it would
end up in browser history and proxy logs. Session tokens keep `?token=`.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from . import errors
from .config import Config
from .keys import CONFIG
from .ratelimit import RateLimiter, client_address, parse_networks, retry_after


def bearer(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


def is_admin(request: web.Request) -> bool:
    expected = request.app[CONFIG].admin_token
    given = bearer(request)
    return bool(expected and given) and secrets.compare_digest(given or "", expected or "")


def refusal(request: web.Request, *, template: bool) -> str | None:
    """Why this request may not create a session (a blank one, or a template copy), or None."""
    policy = request.app[CONFIG].create_policy
    if policy == "open" or is_admin(request):
        return None
    if policy == "templates" and template:
        return None
    if bearer(request):
        return "The admin token is wrong."
    if policy == "templates":
        return ("This server makes new blank sessions for its administrator only; "
                "open a template link from your course instead.")  # fmt: skip
    return "This server makes new sessions for its administrator only."


def landing_reason(request: web.Request) -> str | None:
    """What the landing page says instead of offering a plain New session button."""
    policy = request.app[CONFIG].create_policy
    if policy == "templates":
        return ("New blank sessions need the admin token. Students: open the template link "
                "your teacher gave you.")  # fmt: skip
    if policy == "token":
        return "New sessions need the admin token."
    return None


class CreationGuard:
    """The creation policy and the per-address rate limit, checked before every creation."""

    def __init__(self, config: Config) -> None:
        self.limiter = RateLimiter(config.create_rate, config.create_burst)
        self.trusted = parse_networks(config.trusted_proxies)

    def check(self, request: web.Request, *, template: bool) -> None:
        """Raise a Refusal if this request may not create a session now (admins are never
        rate limited)."""
        if (reason := refusal(request, template=template)) is not None:
            raise errors.not_allowed(reason)
        if is_admin(request):
            return
        wait = self.limiter.take(client_address(request, self.trusted))
        if wait > 0:
            raise errors.rate_limited(retry_after(wait))


GUARD = web.AppKey("creation_guard", CreationGuard)
