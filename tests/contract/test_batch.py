"""``set_entries``: independent writes in one call; each keeps its own precondition."""

from __future__ import annotations

import pytest

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import (
    AlreadyExists,
    EntryNotFound,
    EntryWrite,
    LimitExceeded,
    PreconditionFailed,
    VersionInfo,
    limits,
)

from .helpers import string_of_json_size


async def test_a_batch_applies_every_write_and_returns_versions_in_order(
    backend: DataStoreBackend,
) -> None:
    writes = [
        EntryWrite("S", f"k{n}", {"n": n}, attributes={"i": n}, user_ids=(n + 1,)) for n in range(5)
    ]

    results = await backend.set_entries(writes)

    assert len(results) == 5
    for n, result in enumerate(results):
        assert isinstance(result, VersionInfo)
        entry = await backend.get_entry("S", f"k{n}")
        assert (entry.value, entry.version, entry.attributes, entry.user_ids) == (
            {"n": n},
            result.version,
            {"i": n},
            (n + 1,),
        )


async def test_a_failed_write_reports_its_error_in_place_and_others_apply(
    backend: DataStoreBackend,
) -> None:
    stale = await backend.set_entry("S", "conflict", "v1")
    current = await backend.set_entry("S", "conflict", "v2")
    await backend.set_entry("S", "exists", "there")
    writes = [
        EntryWrite("S", "a", 1),
        EntryWrite("S", "conflict", "lost", match_version=stale.version),
        EntryWrite("S", "exists", "lost", exclusive_create=True),
        EntryWrite("S", "huge", string_of_json_size(limits.MAX_VALUE_LENGTH + 1)),
        EntryWrite("S", "b", 2, match_version=None, scope="other"),
    ]

    results = await backend.set_entries(writes)

    assert isinstance(results[0], VersionInfo)
    assert type(results[1]) is PreconditionFailed
    assert results[1].current_version == current.version
    assert isinstance(results[2], AlreadyExists)
    assert isinstance(results[3], LimitExceeded)
    assert isinstance(results[4], VersionInfo)
    assert (await backend.get_entry("S", "a")).value == 1
    assert (await backend.get_entry("S", "b", scope="other")).value == 2
    assert (await backend.get_entry("S", "conflict")).value == "v2"
    assert (await backend.get_entry("S", "exists")).value == "there"
    with pytest.raises(EntryNotFound):
        await backend.get_entry("S", "huge")


async def test_an_empty_batch_writes_nothing(backend: DataStoreBackend) -> None:
    assert await backend.set_entries([]) == []
    assert list((await backend.list_data_stores()).items) == []
