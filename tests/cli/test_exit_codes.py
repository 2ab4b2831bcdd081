"""Every model error maps to its documented exit code (codes 5 and 6 need remote targets,
which arrive with the Open Cloud backend, so the mapping itself is checked here)."""

from __future__ import annotations

import click
import pytest

from datastore_manager.cli.exit_codes import ExitCode, exit_code_for
from datastore_manager.model import (
    Aborted,
    AlreadyExists,
    DataStoreDeleted,
    EntryDeleted,
    EntryNotFound,
    InternalError,
    InvalidArgument,
    InvalidCursor,
    InvalidName,
    LimitExceeded,
    NotSupported,
    PermissionDenied,
    PreconditionFailed,
    RateLimited,
    ReadOnly,
    Unauthenticated,
    Unavailable,
    VersionNotFound,
)

CASES = [
    (InvalidArgument("x"), 2),
    (InvalidName("x"), 2),
    (InvalidCursor("x"), 2),
    (LimitExceeded("x", limit_name="L", limit=1, actual=2), 2),
    (click.UsageError("x"), 2),
    (PreconditionFailed("x"), 3),
    (AlreadyExists("x"), 3),
    (Aborted("x"), 3),
    (EntryNotFound("x"), 4),
    (EntryDeleted("x"), 4),
    (VersionNotFound("x"), 4),
    (DataStoreDeleted("x"), 4),
    (PermissionDenied("x"), 5),
    (ReadOnly("x"), 5),
    (Unauthenticated("x"), 5),
    (RateLimited("x"), 6),
    (Unavailable("x"), 6),
    (InternalError("x"), 1),
    (NotSupported("x"), 1),
    (RuntimeError("x"), 1),
]


@pytest.mark.parametrize(("error", "code"), CASES, ids=lambda v: type(v).__name__)
def test_exit_code_for(error: BaseException, code: int) -> None:
    assert exit_code_for(error) == ExitCode(code)


def test_codes_are_the_documented_numbers() -> None:
    assert [c.value for c in ExitCode] == [0, 1, 2, 3, 4, 5, 6]
