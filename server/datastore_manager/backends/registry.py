"""Turn a target (``local:PATH``, ``opencloud:ID``, ``snapshot:FILE``) into a backend.

Each backend kind has one opener; callers never import a backend module directly. The built-in
openers import their backend only when it is used, so ``dsm`` on a local store never pays for
httpx, keyring or cryptography.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import NotSupported, Target, TargetKind, parse_target
from .base import DataStoreBackend

Opener = Callable[..., DataStoreBackend]


def _open_local(target: Target, **options: Any) -> DataStoreBackend:
    from .local import LocalBackend

    return LocalBackend(target.path, **options)


def _open_opencloud(target: Target, **options: Any) -> DataStoreBackend:
    from .opencloud import open_opencloud

    return open_opencloud(target, **options)


def _open_snapshot(target: Target, **options: Any) -> DataStoreBackend:
    from .snapshot import SnapshotBackend

    return SnapshotBackend(target.path, **options)


_OPENERS: dict[TargetKind, Opener] = {
    TargetKind.LOCAL: _open_local,
    TargetKind.OPENCLOUD: _open_opencloud,
    TargetKind.SNAPSHOT: _open_snapshot,
}


def register(kind: TargetKind, opener: Opener) -> None:
    """Replace the opener of a kind (tests, plug-ins)."""
    _OPENERS[kind] = opener


def open_backend(target: Target | str, **options: Any) -> DataStoreBackend:
    """Open the backend for a target; ``options`` go to the backend's constructor."""
    if isinstance(target, str):
        target = parse_target(target)
    opener = _OPENERS.get(target.kind)
    if opener is None:
        raise NotSupported(f"Targets of kind {target.kind.value!r} are not available.")
    return opener(target, **options)
