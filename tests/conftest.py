"""Fixtures shared by several test modules."""

from __future__ import annotations

import pytest
from test_interactive import Terminal


@pytest.fixture
def repl(tmp_path):
    """python3's REPL at its prompt, in a session's terminal."""
    t = Terminal(tmp_path)
    t.expect("$ ")
    t.type("python3\r")
    t.expect(">>> ", timeout=60)
    yield t
    t.session.stop()
