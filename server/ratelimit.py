"""Per-client-address token buckets for session creation, and the client address itself.

A bucket holds up to `burst` tokens and refills at `rate` per second; a creation takes one.
Only buckets that are not full need remembering (a full one is the same as a new one), and at
most `max_keys` are kept: the least recently used go first, so memory stays bounded.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Iterable

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RateLimiter:
    def __init__(self, rate: float, burst: int, max_keys: int = 10_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key: (tokens, at)

    def take(self, key: str, now: float | None = None) -> float:
        """Take a token: 0.0 if allowed, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        tokens, at = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens - 1.0, now)
        self._prune(now)
        return 0.0

    def _prune(self, now: float) -> None:
        full_after = self.burst / self.rate  # an untouched bucket is full again after this
        while self._buckets:
            key, (_, at) = next(iter(self._buckets.items()))
            if len(self._buckets) <= self.max_keys and now - at < full_after:
                break
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


def parse_networks(items: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in items)


def _trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def client_address(request: web.Request, trusted: tuple[Network, ...]) -> str:
    """The peer's address, or, when the peer is a trusted proxy, the last address in
    X-Forwarded-For that is not one of our proxies (the ones before it could be forged)."""
    peer = request.remote or "unknown"
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getall("X-Forwarded-For", [])).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, trusted):
            return hop
    return peer


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
