"""Exit codes of ``dsm`` (documented in the README; scripts rely on them)."""

from __future__ import annotations

from enum import IntEnum

import click

from ..model import (
    Aborted,
    DataStoreError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    RateLimited,
    Unauthenticated,
    Unavailable,
)


class ExitCode(IntEnum):
    OK = 0
    OTHER = 1
    BAD_INPUT = 2  # usage errors, invalid arguments, values over a Roblox limit
    CONFLICT = 3  # a precondition failed: nothing was written
    NOT_FOUND = 4
    PERMISSION_DENIED = 5
    UNAVAILABLE = 6  # rate limited or unavailable after retries


# Most specific first: the first matching class wins.
_BY_ERROR: tuple[tuple[type[DataStoreError], ExitCode], ...] = (
    (InvalidArgument, ExitCode.BAD_INPUT),
    (PreconditionFailed, ExitCode.CONFLICT),
    (Aborted, ExitCode.CONFLICT),
    (NotFound, ExitCode.NOT_FOUND),
    (PermissionDenied, ExitCode.PERMISSION_DENIED),
    (Unauthenticated, ExitCode.PERMISSION_DENIED),
    (RateLimited, ExitCode.UNAVAILABLE),
    (Unavailable, ExitCode.UNAVAILABLE),
)


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code for an error raised while running a command."""
    if isinstance(error, click.ClickException):  # usage errors, unreadable --file
        return ExitCode.BAD_INPUT
    for error_class, code in _BY_ERROR:
        if isinstance(error, error_class):
            return code
    return ExitCode.OTHER
