"""Server settings: one dataclass, filled by the CLI (server.cli) or by tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from .assets import web_dir
from .sessions.session import Limits

POLICIES = ("open", "templates", "token")  # --create-policy, see server.policy
WEB_DIR = web_dir()  # the wheel's copy or the repository's web/


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("cowasm-serve", appauthor=False))


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = field(default_factory=default_data_dir)
    public_url: str | None = None  # e.g. "https://term.example.org" behind a proxy
    embed_origins: tuple[str, ...] = ()  # origins allowed to frame /embed pages and open sockets
    max_sessions: int = 50  # running kernels; idle ones are stopped to make room
    idle_timeout: float = 900.0  # seconds without any client before a kernel is stopped
    log_level: str = "info"
    # Several nodes (docs/scale.md): a PostgreSQL URL instead of SQLite in data_dir, and the URL
    # the other nodes reach this one at (default http://host:port).
    database: str | None = None
    node_url: str | None = None
    # Exposure (docs/deploy.md, "On the public internet").
    admin_token: str | None = None  # Bearer token of the admin API and of guarded creation
    create_policy: str = "open"  # open | templates | token (see server.policy)
    create_rate: float = 1.0  # creations per second per client address, refilled
    create_burst: int = 60  # creations a client address may make at once
    trusted_proxies: tuple[str, ...] = ()  # networks whose X-Forwarded-For is believed
    session_ttl: float = 90 * 86400.0  # seconds idle before a session is deleted; 0 = never
    copy_ttl: float = 30 * 86400.0  # the same for template copies
    retention_interval: float = 300.0  # seconds between expiry sweeps
    touch_interval: float = 60.0  # how often a watched session's last_active is refreshed
    limits: Limits = field(default_factory=Limits)  # each session's machine (--memory-limit ...)
    # Shared terminal tuning (see server.terminal).
    scrollback_bytes: int = 512 << 10  # replayed to late joiners and resynced clients
    ack_window: int = 1 << 20  # un-acked bytes after which a client is paused
    stall_timeout: float = 60.0  # a client paused this long is dropped
    housekeeping_interval: float = 5.0
    static_dir: Path = WEB_DIR / "static"
    templates_dir: Path = WEB_DIR / "templates"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "cowasm.sqlite3"
