"""Backends: one async contract (:class:`DataStoreBackend`) and its implementations."""

from .base import DataStoreBackend
from .registry import open_backend, register

__all__ = ["DataStoreBackend", "open_backend", "register"]
