"""Server settings: one dataclass, filled by the CLI (server.cli) or by tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from .assets import web_dir

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
