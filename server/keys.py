"""Typed application state (web.AppKey), shared by the app factory and the handlers."""

from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web

from .config import Config
from .manager import SessionManager
from .metrics import Metrics

CONFIG = web.AppKey("config", Config)
MANAGER = web.AppKey("manager", SessionManager)
METRICS = web.AppKey("metrics", Metrics)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
FILES = web.AppKey("files", Any)  # server.files.FileTreeStore, when installed
