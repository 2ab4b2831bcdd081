"""The limits table and the error hierarchy agree with FACTS.md (§9, §10, §7)."""

from __future__ import annotations

import pytest

from datastore_manager.model import (
    Aborted,
    AlreadyExists,
    DataStoreDeleted,
    DataStoreError,
    DataStoreNotFound,
    EntryDeleted,
    EntryNotFound,
    InternalError,
    InvalidArgument,
    InvalidCursor,
    InvalidName,
    LimitExceeded,
    NotFound,
    NotSupported,
    PermissionDenied,
    PreconditionFailed,
    RateLimited,
    ReadOnly,
    Unauthenticated,
    Unavailable,
    VersionNotFound,
    limits,
)


def test_limits_are_roblox_numbers() -> None:
    assert limits.MAX_DATA_STORE_NAME_LENGTH == limits.MAX_SCOPE_LENGTH == 50
    assert limits.MAX_KEY_LENGTH == limits.MAX_ORDERED_KEY_LENGTH == 50
    assert limits.MAX_VALUE_LENGTH == 4_194_304
    assert limits.MAX_ATTRIBUTES_LENGTH == 300
    assert (limits.MAX_ATTRIBUTE_KEY_LENGTH, limits.MAX_ATTRIBUTE_VALUE_LENGTH) == (50, 250)
    assert limits.MAX_USER_IDS == 4
    assert (limits.INT64_MIN, limits.INT64_MAX) == (
        -9_223_372_036_854_775_808,
        9_223_372_036_854_775_807,
    )
    assert limits.DEFAULT_SCOPE == "global"
    assert limits.SNAPSHOTS_PER_UTC_DAY == 1


@pytest.mark.parametrize(
    ("page", "maximum"),
    [
        (limits.LIST_DATA_STORES_PAGE, 100),
        (limits.LIST_KEYS_PAGE, 256),
        (limits.LIST_VERSIONS_PAGE, 100),
        (limits.LIST_ORDERED_PAGE, 100),
    ],
)
def test_page_size_defaults_and_caps(page: tuple[int, int], maximum: int) -> None:
    default, cap = page
    assert cap == maximum
    assert limits.page_size(None, page) == default
    assert limits.page_size(0, page) == default
    assert limits.page_size(1, page) == 1
    assert limits.page_size(cap, page) == cap
    assert limits.page_size(cap + 1, page) == cap


def test_negative_page_size_is_invalid() -> None:
    with pytest.raises(InvalidArgument, match="-3"):
        limits.page_size(-3, limits.LIST_KEYS_PAGE)


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (InvalidArgument, "INVALID_ARGUMENT", 400),
        (InvalidName, "INVALID_ARGUMENT", 400),
        (InvalidCursor, "INVALID_ARGUMENT", 400),
        (NotFound, "NOT_FOUND", 404),
        (EntryNotFound, "NOT_FOUND", 404),
        (EntryDeleted, "NOT_FOUND", 404),
        (VersionNotFound, "NOT_FOUND", 404),
        (DataStoreNotFound, "NOT_FOUND", 404),
        (DataStoreDeleted, "NOT_FOUND", 404),
        (PreconditionFailed, "FAILED_PRECONDITION", 412),
        (AlreadyExists, "FAILED_PRECONDITION", 412),
        (Aborted, "ABORTED", 409),
        (Unauthenticated, "UNAUTHENTICATED", 401),
        (PermissionDenied, "PERMISSION_DENIED", 403),
        (ReadOnly, "PERMISSION_DENIED", 403),
        (RateLimited, "RESOURCE_EXHAUSTED", 429),
        (Unavailable, "UNAVAILABLE", 503),
        (InternalError, "INTERNAL", 500),
        (NotSupported, "NOT_IMPLEMENTED", 501),
    ],
)
def test_errors_carry_roblox_codes(error: type[DataStoreError], code: str, status: int) -> None:
    assert issubclass(error, DataStoreError)
    assert (error.code, error.http_status) == (code, status)


def test_specific_errors_refine_general_ones() -> None:
    assert issubclass(EntryDeleted, EntryNotFound)
    assert issubclass(AlreadyExists, PreconditionFailed)
    assert issubclass(LimitExceeded, InvalidArgument)
    assert issubclass(ReadOnly, PermissionDenied)


def test_to_dict_is_stable_and_carries_details() -> None:
    plain = InvalidArgument("Bad thing.")
    assert plain.to_dict() == {
        "code": "INVALID_ARGUMENT",
        "error": "InvalidArgument",
        "message": "Bad thing.",
    }
    conflict = PreconditionFailed("Changed.", current_version="v9")
    assert conflict.current_version == "v9"
    assert conflict.to_dict()["details"] == {"current_version": "v9"}
    limited = RateLimited("Slow down.", retry_after=1.5)
    assert (limited.retry_after, limited.to_dict()["details"]) == (1.5, {"retry_after": 1.5})
    over = LimitExceeded("Too big.", limit_name="MAX_USER_IDS", limit=4, actual=5)
    assert (over.limit_name, over.limit, over.actual) == ("MAX_USER_IDS", 4, 5)
    assert str(over) == "Too big."
