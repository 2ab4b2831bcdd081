"""Targets name where data lives: ``local:PATH``, ``opencloud:UNIVERSE_ID``, ``snapshot:FILE``.

This module is the one place target strings are parsed (CLI ``--target``, env ``DSM_TARGET``,
connection definitions in ``.datastore-manager.json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .errors import InvalidArgument


class TargetKind(StrEnum):
    LOCAL = "local"
    OPENCLOUD = "opencloud"
    SNAPSHOT = "snapshot"


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    location: str  # a file path, or a universe id for Open Cloud

    @property
    def path(self) -> Path:
        if self.kind is TargetKind.OPENCLOUD:
            raise InvalidArgument(f"Target {self} is not a file.")
        return Path(self.location).expanduser()

    @property
    def universe_id(self) -> int:
        if self.kind is not TargetKind.OPENCLOUD:
            raise InvalidArgument(f"Target {self} has no universe id.")
        return int(self.location)

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.location}"


_EXAMPLES = "local:./game.db, opencloud:1234567890 or snapshot:backup.dsm"


def parse_target(text: str) -> Target:
    kind_text, sep, location = text.strip().partition(":")
    if not sep or not location:
        raise InvalidArgument(f"Target {text!r} is not KIND:LOCATION; use e.g. {_EXAMPLES}.")
    try:
        kind = TargetKind(kind_text.lower())
    except ValueError:
        raise InvalidArgument(
            f"Unknown target kind {kind_text!r}; use one of local, opencloud, snapshot "
            f"(e.g. {_EXAMPLES})."
        ) from None
    if kind is TargetKind.OPENCLOUD and not (location.isascii() and location.isdigit()):
        raise InvalidArgument(
            f"Open Cloud target needs a numeric universe id (the game's GameId), got {location!r}."
        )
    return Target(kind, location)
