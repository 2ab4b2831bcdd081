"""The embedded default backend: a SQLite file with Open Cloud semantics."""

from .backend import LocalBackend
from .engine import LocalEngine
from .versions import Retention

__all__ = ["LocalBackend", "LocalEngine", "Retention"]
