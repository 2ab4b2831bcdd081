"""Turn a target (``local:PATH``, ``opencloud:ID``, ``snapshot:FILE``) into a backend.

Each backend kind registers one opener here; callers never import a backend module directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import NotSupported, Target, TargetKind, parse_target
from .base import DataStoreBackend

Opener = Callable[..., DataStoreBackend]
_OPENERS: dict[TargetKind, Opener] = {}


def register(kind: TargetKind, opener: Opener) -> None:
    _OPENERS[kind] = opener


def open_backend(target: Target | str, **options: Any) -> DataStoreBackend:
    """Open the backend for a target; ``options`` go to the backend's constructor."""
    if isinstance(target, str):
        target = parse_target(target)
    _load_builtin_openers()
    opener = _OPENERS.get(target.kind)
    if opener is None:
        raise NotSupported(f"Targets of kind {target.kind.value!r} are not available yet.")
    return opener(target, **options)


def _load_builtin_openers() -> None:
    if TargetKind.LOCAL not in _OPENERS:
        from .local import LocalBackend

        register(TargetKind.LOCAL, lambda target, **options: LocalBackend(target.path, **options))
    if TargetKind.OPENCLOUD not in _OPENERS:
        from .opencloud import open_opencloud

        register(TargetKind.OPENCLOUD, open_opencloud)
