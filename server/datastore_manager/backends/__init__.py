"""Backends: one async contract (:class:`DataStoreBackend`) and its implementations."""

from .base import DataStoreBackend

__all__ = ["DataStoreBackend"]
