"""The shared file tree: each session's /home/user as one Y.Doc (see docs/protocol.md)."""

from .backend import TreeBackend
from .store import FileTreeStore
from .tree import FileTree

__all__ = ["FileTree", "FileTreeStore", "TreeBackend"]
