"""``increment_entry``: atomic integer arithmetic with Roblox's semantics (FACTS §13)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import EntryNotFound, InvalidArgument
from datastore_manager.model.limits import INT64_MAX, INT64_MIN

from .factories.base import CONCURRENT_WRITES, FULL_HISTORY
from .helpers import all_store_names, all_versions


async def test_increment_of_a_missing_key_creates_it_with_the_amount(
    backend: DataStoreBackend,
) -> None:
    entry = await backend.increment_entry("Stats", "visits", 5)

    assert entry.value == 5
    assert (entry.store, entry.key) == ("Stats", "visits")
    stored = await backend.get_entry("Stats", "visits")
    assert (stored.value, stored.version) == (5, entry.version)
    assert await all_store_names(backend) == ["Stats"]


async def test_increment_adds_to_an_integer_and_makes_a_new_version(
    backend: DataStoreBackend,
) -> None:
    before = await backend.set_entry("Stats", "visits", 10)

    after = await backend.increment_entry("Stats", "visits", -3)

    assert after.value == 7
    assert after.version != before.version
    assert after.created_time == before.object_created_time
    assert (await backend.get_entry("Stats", "visits")).value == 7


@pytest.mark.requires(FULL_HISTORY)
async def test_each_increment_is_one_version(backend: DataStoreBackend) -> None:
    for _ in range(4):
        await backend.increment_entry("Stats", "visits", 1)

    versions = await all_versions(backend, "Stats", "visits")
    assert len(versions) == 4
    assert [
        (await backend.get_entry("Stats", "visits", version=v.version)).value for v in versions
    ] == [
        1,
        2,
        3,
        4,
    ]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("12", id="string"),
        pytest.param(1.5, id="fraction"),
        pytest.param({"n": 1}, id="object"),
        pytest.param([1], id="array"),
        pytest.param(True, id="boolean"),
    ],
)
async def test_increment_of_a_non_integer_is_invalid_and_writes_nothing(
    backend: DataStoreBackend, value: Any
) -> None:
    current = await backend.set_entry("Stats", "k", value)

    with pytest.raises(InvalidArgument):
        await backend.increment_entry("Stats", "k", 1)

    entry = await backend.get_entry("Stats", "k")
    assert (entry.value, entry.version) == (value, current.version)


@pytest.mark.parametrize("amount", [INT64_MAX, INT64_MIN], ids=["int64-max", "int64-min"])
async def test_increment_by_the_int64_bounds_is_accepted(
    backend: DataStoreBackend, amount: int
) -> None:
    entry = await backend.increment_entry("Stats", "k", amount)

    assert entry.value == amount
    assert (await backend.get_entry("Stats", "k")).value == amount


@pytest.mark.parametrize(
    "amount",
    [
        pytest.param(INT64_MAX + 1, id="int64-max+1"),
        pytest.param(INT64_MIN - 1, id="int64-min-1"),
        pytest.param(1.5, id="fraction"),
        pytest.param(True, id="boolean"),
        pytest.param("1", id="string"),
    ],
)
async def test_increment_by_a_non_int64_is_invalid_and_writes_nothing(
    backend: DataStoreBackend, amount: Any
) -> None:
    with pytest.raises(InvalidArgument):
        await backend.increment_entry("Stats", "k", amount)

    with pytest.raises(EntryNotFound):
        await backend.get_entry("Stats", "k")


async def test_increment_after_delete_starts_again_from_the_amount(
    backend: DataStoreBackend,
) -> None:
    """Assumed, as in the engine: a deleted entry reads as missing, so it counts from zero."""
    await backend.set_entry("Stats", "k", 40)
    await backend.delete_entry("Stats", "k")

    entry = await backend.increment_entry("Stats", "k", 2)

    assert entry.value == 2
    assert (await backend.get_entry("Stats", "k")).value == 2


async def test_increment_sets_metadata_and_clears_omitted_metadata(
    backend: DataStoreBackend,
) -> None:
    await backend.set_entry("Stats", "k", 1, attributes={"old": 1}, user_ids=[9])

    tagged = await backend.increment_entry("Stats", "k", 1, attributes={"new": 2}, user_ids=[3])
    assert (tagged.attributes, tagged.user_ids) == ({"new": 2}, (3,))

    untagged = await backend.increment_entry("Stats", "k", 1)
    assert (untagged.attributes, untagged.user_ids) == ({}, ())
    stored = await backend.get_entry("Stats", "k")
    assert (stored.value, stored.attributes, stored.user_ids) == (3, {}, ())


@pytest.mark.requires(CONCURRENT_WRITES)
async def test_concurrent_increments_are_all_applied(backend: DataStoreBackend) -> None:
    results = await asyncio.gather(*(backend.increment_entry("Stats", "k", 1) for _ in range(25)))

    assert sorted(entry.value for entry in results) == list(range(1, 26))
    assert len({entry.version for entry in results}) == 25
    assert (await backend.get_entry("Stats", "k")).value == 25
