"""The tree-size limit for edits that arrive from browsers (docs/protocol.md, "File tree").

The shell's writes are checked byte for byte (backend.py); a browser's Yjs update is checked
before it is applied, without decoding it: an update cannot add more content than it carries, so
one of n bytes grows the tree by at most n. It is admitted while the tree's size, plus what
earlier updates left pending (content waiting for a missing dependency, which lands when that
arrives), plus n stays within the limit. An update that adds nothing (deletions only) is always
admitted, so a full tree can be emptied from a browser. The bound is loose by the update's
encoding overhead (tens of bytes per edit), which only matters within that much of the limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pycrdt import Decoder, get_update

if TYPE_CHECKING:
    from .tree import FileTree


class TreeFull(Exception):
    """A browser's update would take the tree beyond its byte limit; it was not applied."""


def _adds_content(update: bytes) -> bool:
    return Decoder(update).read_var_uint() > 0  # structs come first, by client; then deletions


class BrowserQuota:
    def __init__(self, tree: FileTree) -> None:
        self.tree = tree
        self._pending: list[bytes] = []  # admitted updates the doc could not integrate yet
        self.pending_bytes = 0

    def apply(self, update: bytes, origin: object) -> None:
        """Apply a browser's update in one transaction, or raise TreeFull and change nothing."""
        tree = self.tree
        room = tree.tree_bytes - tree.total_bytes - self.pending_bytes
        if _adds_content(update) and len(update) > room:
            raise TreeFull(f"file tree full ({tree.tree_bytes} bytes)")
        with tree.transaction(origin=origin):
            tree.doc.apply_update(update)
        self._settle(update)

    def _settle(self, update: bytes) -> None:
        """Count what is still pending: the structs of an update the doc's state does not cover."""
        state = self.tree.doc.get_state()
        waiting = [u for u in (*self._pending, update) if _adds_content(get_update(u, state))]
        self._pending = waiting
        self.pending_bytes = sum(map(len, waiting))
