"""``snapshot:FILE``: a backup archive opened as a read-only backend."""

from .backend import SnapshotBackend

__all__ = ["SnapshotBackend"]
