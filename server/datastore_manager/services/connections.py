"""Resolve a target (``--target``, ``DSM_TARGET``) to an open backend: the one place that does."""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..backends import DataStoreBackend, open_backend
from ..model import InvalidArgument, NotFound, Target, TargetKind, parse_target

#: Environment variable holding the default target.
TARGET_ENV_VAR = "DSM_TARGET"


class NoTargetGiven(InvalidArgument):
    """Neither an explicit target nor ``DSM_TARGET`` was given."""


def resolve_target(explicit: str | None, environ: Mapping[str, str] | None = None) -> Target:
    """The explicit target if given, else ``$DSM_TARGET``; a clear error when neither is set."""
    environ = os.environ if environ is None else environ
    text = explicit or environ.get(TARGET_ENV_VAR, "")
    if not text.strip():
        raise NoTargetGiven(
            "No target given: pass --target local:PATH (e.g. --target local:./demo.db) or set "
            f"{TARGET_ENV_VAR}=local:PATH; `dsm demo ./demo.db` creates a store to try."
        )
    return parse_target(text)


def open_target(
    explicit: str | None, *, create: bool = False, environ: Mapping[str, str] | None = None
) -> DataStoreBackend:
    """Open the backend of a target.

    A local target whose file does not exist is refused unless ``create`` (a write), so that a
    mistyped path reports "not found" instead of silently showing an empty universe.
    """
    target = resolve_target(explicit, environ)
    is_file = target.kind in (TargetKind.LOCAL, TargetKind.SNAPSHOT)
    if is_file and not create and not target.path.exists():
        hint = (
            "create one with `dsm demo PATH`, or write to it with `dsm set`"
            if target.kind is TargetKind.LOCAL
            else "check the path"
        )
        raise NotFound(f"No {target.kind.value} store at {target.path}: {hint}.")
    if is_file and target.path.is_dir():
        raise InvalidArgument(f"{target.path} is a directory; give the path of a store file.")
    return open_backend(target)
