"""Whole data stores: listing, delete / undelete (30-day expiry, FACTS §5b), snapshots (§12)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import (
    DataStoreDeleted,
    NotFound,
    StoreKind,
    StoreState,
)
from datastore_manager.model.limits import DELETED_STORE_RETENTION

from .conftest import Seeder
from .factories.base import DELETE_DATA_STORE, FULL_HISTORY, SNAPSHOT
from .helpers import all_store_names, all_versions, collect

STORE_NAMES = ["Inventory", "PlayerData", "PlayerSettings", "Quests", "Zeta"]


async def write_stores(backend: DataStoreBackend) -> None:
    for name in STORE_NAMES:
        await backend.set_entry(name, "k", name)
    await backend.create_ordered("OnlyOrdered", "k", 1)


async def test_stores_are_listed_by_name_as_active_standard_stores(seeded: Seeder) -> None:
    async with seeded(write_stores) as (backend, _):
        infos = await collect(lambda cursor: backend.list_data_stores(cursor=cursor, limit=2))

        assert [info.name for info in infos] == STORE_NAMES
        assert {(info.kind, info.state, info.expire_time) for info in infos} == {
            (StoreKind.STANDARD, StoreState.ACTIVE, None)
        }


async def test_store_prefix_is_case_sensitive(seeded: Seeder) -> None:
    async with seeded(write_stores) as (backend, _):
        page = await backend.list_data_stores(prefix="Player")
        assert [info.name for info in page.items] == ["PlayerData", "PlayerSettings"]
        assert list((await backend.list_data_stores(prefix="player")).items) == []


# ---- delete / undelete --------------------------------------------------------------------

StoreOperation = Callable[[DataStoreBackend], Awaitable[Any]]

ENTRY_OPERATIONS: list[Any] = [
    pytest.param(lambda b: b.get_entry("PlayerData", "Player_1"), id="get"),
    pytest.param(lambda b: b.set_entry("PlayerData", "Player_1", 2), id="set"),
    pytest.param(lambda b: b.set_entry("PlayerData", "new", 2), id="set-new-key"),
    pytest.param(lambda b: b.increment_entry("PlayerData", "n", 1), id="increment"),
    pytest.param(lambda b: b.delete_entry("PlayerData", "Player_1"), id="delete"),
    pytest.param(lambda b: b.list_keys("PlayerData"), id="list-keys"),
    pytest.param(lambda b: b.list_versions("PlayerData", "Player_1"), id="list-versions"),
]


@pytest.mark.requires(DELETE_DATA_STORE)
async def test_delete_data_store_schedules_expiry_thirty_days_ahead(
    backend: DataStoreBackend,
) -> None:
    written = await backend.set_entry("PlayerData", "Player_1", 1)

    deleted = await backend.delete_data_store("PlayerData")

    assert (deleted.name, deleted.state) == ("PlayerData", StoreState.DELETED)
    assert deleted.expire_time is not None
    # The backend's own write time stands in for "now" (no assumptions about its clock).
    ahead = deleted.expire_time - written.created_time
    assert DELETED_STORE_RETENTION <= ahead <= DELETED_STORE_RETENTION + timedelta(minutes=5)


@pytest.mark.requires(DELETE_DATA_STORE)
@pytest.mark.parametrize("operation", ENTRY_OPERATIONS)
async def test_entries_of_a_deleted_store_are_inaccessible(
    backend: DataStoreBackend, operation: StoreOperation
) -> None:
    await backend.set_entry("PlayerData", "Player_1", 1)
    await backend.delete_data_store("PlayerData")

    with pytest.raises(DataStoreDeleted):
        await operation(backend)


@pytest.mark.requires(DELETE_DATA_STORE)
async def test_deleted_stores_are_listed_only_with_show_deleted(backend: DataStoreBackend) -> None:
    await backend.set_entry("Keep", "k", 1)
    await backend.set_entry("Drop", "k", 1)
    deleted = await backend.delete_data_store("Drop")

    assert await all_store_names(backend) == ["Keep"]
    everything = await collect(
        lambda cursor: backend.list_data_stores(cursor=cursor, show_deleted=True)
    )
    assert [(info.name, info.state) for info in everything] == [
        ("Drop", StoreState.DELETED),
        ("Keep", StoreState.ACTIVE),
    ]
    assert everything[0].expire_time == deleted.expire_time


@pytest.mark.requires(DELETE_DATA_STORE)
async def test_deleting_a_deleted_store_is_a_no_op(backend: DataStoreBackend) -> None:
    await backend.set_entry("Drop", "k", 1)
    first = await backend.delete_data_store("Drop")

    again = await backend.delete_data_store("Drop")

    assert (again.state, again.expire_time) == (StoreState.DELETED, first.expire_time)


@pytest.mark.requires(DELETE_DATA_STORE, FULL_HISTORY)
async def test_undelete_restores_entries_and_history_untouched(backend: DataStoreBackend) -> None:
    first = await backend.set_entry("PlayerData", "Player_1", {"v": 1})
    second = await backend.set_entry("PlayerData", "Player_1", {"v": 2}, user_ids=[4])
    await backend.delete_data_store("PlayerData")

    restored = await backend.undelete_data_store("PlayerData")

    assert (restored.name, restored.state, restored.expire_time) == (
        "PlayerData",
        StoreState.ACTIVE,
        None,
    )
    entry = await backend.get_entry("PlayerData", "Player_1")
    assert (entry.value, entry.version, entry.user_ids) == ({"v": 2}, second.version, (4,))
    assert await all_versions(backend, "PlayerData", "Player_1") == [first, second]
    assert await all_store_names(backend) == ["PlayerData"]
    written = await backend.set_entry("PlayerData", "Player_1", 3, match_version=second.version)
    assert (await backend.get_entry("PlayerData", "Player_1")).version == written.version


@pytest.mark.requires(DELETE_DATA_STORE)
async def test_delete_or_undelete_of_an_unknown_store_is_not_found(
    backend: DataStoreBackend,
) -> None:
    with pytest.raises(NotFound):
        await backend.delete_data_store("Nope")
    with pytest.raises(NotFound):
        await backend.undelete_data_store("Nope")
    assert await all_store_names(backend, show_deleted=True) == []


# ---- snapshot -----------------------------------------------------------------------------


@pytest.mark.requires(SNAPSHOT)
async def test_one_snapshot_per_utc_day(backend: DataStoreBackend) -> None:
    await backend.set_entry("PlayerData", "Player_1", 1)

    first = await backend.snapshot()
    second = await backend.snapshot()

    assert first.new_snapshot_taken is True
    assert second.new_snapshot_taken is False
    assert second.latest_snapshot_time == first.latest_snapshot_time
    assert first.latest_snapshot_time.utcoffset() is not None
    assert not first.latest_snapshot_time.utcoffset()


@pytest.mark.requires(SNAPSHOT)
async def test_snapshot_keeps_current_data_readable(backend: DataStoreBackend) -> None:
    before = await backend.set_entry("PlayerData", "Player_1", "before")
    await backend.snapshot()
    after = await backend.set_entry("PlayerData", "Player_1", "after")

    assert (await backend.get_entry("PlayerData", "Player_1")).version == after.version
    old = await backend.get_entry("PlayerData", "Player_1", version=before.version)
    assert old.value == "before"
