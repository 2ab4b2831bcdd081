"""Ordered data stores: int64 values, no history; list by value with ranges (FACTS §4, §6)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import (
    AlreadyExists,
    EntryDeleted,
    EntryNotFound,
    InvalidArgument,
    InvalidName,
    OrderedEntry,
    StoreKind,
    limits,
)
from datastore_manager.model.limits import DEFAULT_SCOPE, INT64_MAX, INT64_MIN

from .conftest import Seeder
from .factories.base import CONCURRENT_WRITES, LIST_ORDERED_STORES, ORDERED
from .helpers import all_store_names, collect

pytestmark = pytest.mark.requires(ORDERED)

SCORES = {"ann": 30, "bob": 10, "cat": 20, "dan": 20, "eve": 40, "fay": 20, "gus": -5}


def ranked(descending: bool = False) -> list[tuple[str, int]]:
    """SCORES by value (ties by key ascending)."""
    rows = sorted(SCORES.items(), key=lambda row: (row[1], row[0]))
    return rows[::-1] if descending else rows


async def write_scores(backend: DataStoreBackend) -> None:
    for key, value in SCORES.items():
        await backend.create_ordered("Leaderboard", key, value)
    await backend.create_ordered("Leaderboard", "zed", 1000, scope="season2")


async def listed(
    backend: DataStoreBackend,
    *,
    descending: bool = False,
    min_value: int | None = None,
    max_value: int | None = None,
) -> list[tuple[str, int]]:
    entries = await collect(
        lambda cursor: backend.list_ordered(
            "Leaderboard",
            descending=descending,
            min_value=min_value,
            max_value=max_value,
            cursor=cursor,
            limit=3,
        )
    )
    assert all((e.store, e.scope) == ("Leaderboard", DEFAULT_SCOPE) for e in entries)
    return [(entry.key, entry.value) for entry in entries]


# ---- listing (read tests) ---------------------------------------------------------------


async def test_list_ascending_sorts_by_value_then_key(seeded: Seeder) -> None:
    async with seeded(write_scores) as (backend, _):
        assert await listed(backend) == ranked()


async def test_list_descending_sorts_by_value_high_first(seeded: Seeder) -> None:
    """Ties in descending order: only the grouping is asserted (the contract leaves it open)."""
    async with seeded(write_scores) as (backend, _):
        rows = await listed(backend, descending=True)

        assert [value for _, value in rows] == sorted(SCORES.values(), reverse=True)
        assert sorted(rows) == sorted(SCORES.items())


@pytest.mark.parametrize(
    ("min_value", "max_value"),
    [(20, 30), (20, None), (None, 20), (21, 29), (40, 40), (-100, 100), (41, None)],
)
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
async def test_list_within_an_inclusive_value_range(
    seeded: Seeder, min_value: int | None, max_value: int | None, descending: bool
) -> None:
    async with seeded(write_scores) as (backend, _):
        rows = await listed(
            backend, descending=descending, min_value=min_value, max_value=max_value
        )

        low = INT64_MIN if min_value is None else min_value
        high = INT64_MAX if max_value is None else max_value
        wanted = sorted(key for key, value in SCORES.items() if low <= value <= high)
        assert sorted(key for key, _ in rows) == wanted
        values = [value for _, value in rows]
        assert values == sorted(values, reverse=descending)


async def test_list_with_min_above_max_is_invalid(seeded: Seeder) -> None:
    async with seeded(write_scores) as (backend, _):
        with pytest.raises(InvalidArgument):
            await backend.list_ordered("Leaderboard", min_value=30, max_value=20)


async def test_scopes_of_an_ordered_store_are_separate(seeded: Seeder) -> None:
    async with seeded(write_scores) as (backend, _):
        page = await backend.list_ordered("Leaderboard", scope="season2")

        assert list(page.items) == [OrderedEntry("Leaderboard", "season2", "zed", 1000)]
        assert page.next_cursor is None


async def test_listing_an_unknown_ordered_store_is_empty(seeded: Seeder) -> None:
    async with seeded(write_scores) as (backend, _):
        page = await backend.list_ordered("NoSuchBoard")

        assert (list(page.items), page.next_cursor) == ([], None)


async def test_get_and_missing_get(seeded: Seeder) -> None:
    async with seeded(write_scores) as (backend, _):
        assert await backend.get_ordered("Leaderboard", "eve") == OrderedEntry(
            "Leaderboard", DEFAULT_SCOPE, "eve", 40
        )
        with pytest.raises(EntryNotFound):
            await backend.get_ordered("Leaderboard", "nobody")


@pytest.mark.requires(LIST_ORDERED_STORES)
async def test_ordered_stores_are_listed_apart_from_standard_ones(seeded: Seeder) -> None:
    async def write(backend: DataStoreBackend) -> None:
        await backend.create_ordered("Leaderboard", "a", 1)
        await backend.create_ordered("Kills", "a", 1)
        await backend.set_entry("PlayerData", "a", 1)

    async with seeded(write) as (backend, _):
        ordered = await collect(lambda cursor: backend.list_ordered_data_stores(cursor=cursor))
        assert [(info.name, info.kind) for info in ordered] == [
            ("Kills", StoreKind.ORDERED),
            ("Leaderboard", StoreKind.ORDERED),
        ]
        assert await all_store_names(backend) == ["PlayerData"]
        prefixed = await backend.list_ordered_data_stores(prefix="Lead")
        assert [info.name for info in prefixed.items] == ["Leaderboard"]


# ---- writes -----------------------------------------------------------------------------


async def test_create_then_create_again_is_already_exists(backend: DataStoreBackend) -> None:
    created = await backend.create_ordered("Board", "p1", 5)
    assert created == OrderedEntry("Board", DEFAULT_SCOPE, "p1", 5)

    with pytest.raises(AlreadyExists):
        await backend.create_ordered("Board", "p1", 9)

    assert (await backend.get_ordered("Board", "p1")).value == 5


async def test_update_replaces_the_value(backend: DataStoreBackend) -> None:
    await backend.create_ordered("Board", "p1", 5)

    updated = await backend.update_ordered("Board", "p1", -7)

    assert updated == OrderedEntry("Board", DEFAULT_SCOPE, "p1", -7)
    assert (await backend.get_ordered("Board", "p1")).value == -7


async def test_update_of_a_missing_entry_is_not_found_and_creates_nothing(
    backend: DataStoreBackend,
) -> None:
    with pytest.raises(EntryNotFound):
        await backend.update_ordered("Board", "p1", 5)

    with pytest.raises(EntryNotFound):
        await backend.get_ordered("Board", "p1")


async def test_update_with_allow_missing_creates(backend: DataStoreBackend) -> None:
    created = await backend.update_ordered("Board", "p1", 5, allow_missing=True)
    same = await backend.update_ordered("Board", "p1", 5, allow_missing=True)
    changed = await backend.update_ordered("Board", "p1", 6, allow_missing=True)

    assert [created.value, same.value, changed.value] == [5, 5, 6]
    assert (await backend.get_ordered("Board", "p1")).value == 6


async def test_increment_adds_and_creates_when_missing(backend: DataStoreBackend) -> None:
    created = await backend.increment_ordered("Board", "p1", 3)
    added = await backend.increment_ordered("Board", "p1", -10)

    assert (created.value, added.value) == (3, -7)
    assert (await backend.get_ordered("Board", "p1")).value == -7


async def test_delete_removes_for_good_and_missing_delete_is_not_found(
    backend: DataStoreBackend,
) -> None:
    await backend.create_ordered("Board", "p1", 3)

    await backend.delete_ordered("Board", "p1")

    with pytest.raises(EntryNotFound) as caught:
        await backend.get_ordered("Board", "p1")
    assert not isinstance(caught.value, EntryDeleted), "ordered entries keep no tombstone"
    assert list((await backend.list_ordered("Board")).items) == []
    with pytest.raises(EntryNotFound):
        await backend.delete_ordered("Board", "p1")
    assert (await backend.create_ordered("Board", "p1", 1)).value == 1


async def test_ordered_and_standard_stores_of_one_name_are_separate(
    backend: DataStoreBackend,
) -> None:
    await backend.set_entry("Coins", "p1", {"standard": True})
    await backend.create_ordered("Coins", "p1", 5)

    assert (await backend.get_entry("Coins", "p1")).value == {"standard": True}
    assert (await backend.get_ordered("Coins", "p1")).value == 5
    await backend.delete_ordered("Coins", "p1")
    assert (await backend.get_entry("Coins", "p1")).value == {"standard": True}


@pytest.mark.parametrize("value", [INT64_MAX, INT64_MIN], ids=["int64-max", "int64-min"])
async def test_int64_bounds_are_accepted(backend: DataStoreBackend, value: int) -> None:
    await backend.create_ordered("Board", "c", value)
    await backend.update_ordered("Board", "u", value, allow_missing=True)
    await backend.increment_ordered("Board", "i", value)

    for key in ("c", "u", "i"):
        assert (await backend.get_ordered("Board", key)).value == value


OUT_OF_INT64 = [
    pytest.param(INT64_MAX + 1, id="int64-max+1"),
    pytest.param(INT64_MIN - 1, id="int64-min-1"),
    pytest.param(1.5, id="fraction"),
    pytest.param(True, id="boolean"),
    pytest.param("5", id="string"),
]


@pytest.mark.parametrize("value", OUT_OF_INT64)
async def test_values_outside_int64_are_invalid_and_write_nothing(
    backend: DataStoreBackend, value: Any
) -> None:
    await backend.create_ordered("Board", "existing", 1)

    with pytest.raises(InvalidArgument):
        await backend.create_ordered("Board", "new", value)
    with pytest.raises(InvalidArgument):
        await backend.update_ordered("Board", "existing", value)
    with pytest.raises(InvalidArgument):
        await backend.update_ordered("Board", "new", value, allow_missing=True)
    with pytest.raises(InvalidArgument):
        await backend.increment_ordered("Board", "existing", value)

    assert list((await backend.list_ordered("Board")).items) == [
        OrderedEntry("Board", DEFAULT_SCOPE, "existing", 1)
    ]


async def test_ordered_key_length_limit(backend: DataStoreBackend) -> None:
    longest = "k" * limits.MAX_ORDERED_KEY_LENGTH
    await backend.create_ordered("Board", longest, 1)
    assert (await backend.get_ordered("Board", longest)).key == longest

    with pytest.raises(InvalidName):
        await backend.create_ordered("Board", longest + "k", 1)
    with pytest.raises(InvalidName):
        await backend.create_ordered("B" * (limits.MAX_DATA_STORE_NAME_LENGTH + 1), "k", 1)
    with pytest.raises(InvalidName):
        await backend.create_ordered("Board", "k", 1, scope="s" * (limits.MAX_SCOPE_LENGTH + 1))
    with pytest.raises(InvalidName):
        await backend.create_ordered("Board", "", 1)
    assert [e.key for e in (await backend.list_ordered("Board")).items] == [longest]


@pytest.mark.requires(CONCURRENT_WRITES)
async def test_concurrent_ordered_increments_are_all_applied(backend: DataStoreBackend) -> None:
    await asyncio.gather(*(backend.increment_ordered("Board", "p1", 2) for _ in range(20)))

    assert (await backend.get_ordered("Board", "p1")).value == 40
