"""Standard entries: set → get, metadata, delete (tombstones keep history), missing things."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import (
    EncodedValue,
    EntryDeleted,
    EntryNotFound,
    KeyInfo,
    NotFound,
    PreconditionFailed,
    VersionNotFound,
)
from datastore_manager.model.limits import DEFAULT_SCOPE

from .factories.base import FULL_HISTORY
from .helpers import all_key_names, all_versions, tick

JSON_VALUES = [
    pytest.param({"coins": 5, "items": ["sword", "shield"]}, id="object"),
    pytest.param([1, "two", 3.5, None, True], id="array"),
    pytest.param("just a string", id="string"),
    pytest.param("ünïcödé 🎮 日本語", id="unicode-string"),
    pytest.param(750, id="integer"),
    pytest.param(-1.25, id="float"),
    pytest.param(True, id="boolean"),
    pytest.param({}, id="empty-object"),
    pytest.param({"deep": {"er": {"est": [[], {}]}}}, id="nested"),
]


@pytest.mark.parametrize("value", JSON_VALUES)
async def test_set_then_get_round_trips_value_and_service_metadata(
    backend: DataStoreBackend, value: Any
) -> None:
    written = await backend.set_entry("PlayerData", "Player_1", value)

    entry = await backend.get_entry("PlayerData", "Player_1")

    encoded = EncodedValue.from_value(value)
    assert entry.value == value
    assert (entry.store, entry.scope, entry.key) == ("PlayerData", DEFAULT_SCOPE, "Player_1")
    assert entry.version == written.version
    assert written.deleted is False
    assert written.content_length == encoded.size == entry.size
    assert entry.content_md5 == encoded.md5
    assert entry.created_time == written.object_created_time
    assert entry.version_created_time == written.created_time
    assert entry.updated_time == written.created_time
    assert entry.attributes == {}
    assert entry.user_ids == ()
    for moment in (entry.created_time, entry.updated_time, entry.version_created_time):
        assert moment.utcoffset() == timedelta(0), "times are UTC-aware"


async def test_first_write_creates_the_store_and_the_key(backend: DataStoreBackend) -> None:
    assert list((await backend.list_data_stores()).items) == []

    await backend.set_entry("Inventory", "Player_7", {"slots": 3})

    stores = (await backend.list_data_stores()).items
    assert [store.name for store in stores] == ["Inventory"]
    assert list((await backend.list_keys("Inventory")).items) == [
        KeyInfo(DEFAULT_SCOPE, "Player_7", False)
    ]


async def test_second_write_makes_a_new_version_and_keeps_creation_time(
    backend: DataStoreBackend,
) -> None:
    first = await backend.set_entry("PlayerData", "Player_1", {"level": 1})
    await tick()
    second = await backend.set_entry("PlayerData", "Player_1", {"level": 2})

    entry = await backend.get_entry("PlayerData", "Player_1")

    assert second.version != first.version
    assert second.object_created_time == first.object_created_time
    assert second.created_time > first.created_time
    assert entry.value == {"level": 2}
    assert entry.version == second.version
    assert entry.created_time == first.object_created_time
    assert entry.updated_time == second.created_time


async def test_scopes_and_stores_are_separate_namespaces(backend: DataStoreBackend) -> None:
    await backend.set_entry("A", "k", "A/global")
    await backend.set_entry("A", "k", "A/other", scope="other")
    await backend.set_entry("B", "k", "B/global")

    assert (await backend.get_entry("A", "k")).value == "A/global"
    assert (await backend.get_entry("A", "k", scope="other")).value == "A/other"
    assert (await backend.get_entry("B", "k")).value == "B/global"
    assert (await backend.get_entry("A", "k", scope="other")).scope == "other"


async def test_get_of_a_missing_key_is_entry_not_found(backend: DataStoreBackend) -> None:
    await backend.set_entry("PlayerData", "exists", 1)

    with pytest.raises(EntryNotFound) as caught:
        await backend.get_entry("PlayerData", "missing")
    assert not isinstance(caught.value, EntryDeleted), "never written is not 'deleted'"


async def test_get_in_a_missing_store_is_not_found(backend: DataStoreBackend) -> None:
    with pytest.raises(NotFound):
        await backend.get_entry("NoSuchStore", "k")


async def test_get_of_an_unknown_version_is_version_not_found(backend: DataStoreBackend) -> None:
    versions = [(await backend.set_entry("S", "busy", n)).version for n in range(3)]
    await backend.set_entry("S", "quiet", "only one version")

    with pytest.raises(VersionNotFound):
        await backend.get_entry("S", "quiet", version=versions[-1])


# ---- user metadata --------------------------------------------------------------------


async def test_attributes_and_user_ids_are_stored_with_the_version(
    backend: DataStoreBackend,
) -> None:
    await backend.set_entry(
        "PlayerData", "Player_1", {"a": 1}, attributes={"LockId": "abc", "n": 2}, user_ids=[1, 22]
    )

    entry = await backend.get_entry("PlayerData", "Player_1")

    assert entry.attributes == {"LockId": "abc", "n": 2}
    assert entry.user_ids == (1, 22)


async def test_omitted_metadata_is_cleared_by_the_next_set(backend: DataStoreBackend) -> None:
    """FACTS §3/§5: attributes or user ids not sent are cleared, as on Roblox."""
    first = await backend.set_entry(
        "PlayerData", "Player_1", {"a": 1}, attributes={"LockId": "abc"}, user_ids=[7]
    )
    await backend.set_entry("PlayerData", "Player_1", {"a": 2})

    latest = await backend.get_entry("PlayerData", "Player_1")
    assert latest.attributes == {}
    assert latest.user_ids == ()
    old = await backend.get_entry("PlayerData", "Player_1", version=first.version)
    assert old.attributes == {"LockId": "abc"}
    assert old.user_ids == (7,)


async def test_resent_metadata_is_kept(backend: DataStoreBackend) -> None:
    await backend.set_entry("S", "k", 1, attributes={"x": "y"}, user_ids=[3])
    await backend.set_entry("S", "k", 2, attributes={"x": "z"}, user_ids=[3, 4])

    entry = await backend.get_entry("S", "k")
    assert (entry.attributes, entry.user_ids) == ({"x": "z"}, (3, 4))


# ---- delete -----------------------------------------------------------------------------


async def test_delete_writes_a_tombstone_and_keeps_history(backend: DataStoreBackend) -> None:
    first = await backend.set_entry("PlayerData", "Player_1", {"coins": 1})
    await tick()
    second = await backend.set_entry("PlayerData", "Player_1", {"coins": 2})
    await tick()

    tombstone = await backend.delete_entry("PlayerData", "Player_1")

    assert tombstone.deleted is True
    assert tombstone.version not in (first.version, second.version)
    assert tombstone.object_created_time == first.object_created_time
    with pytest.raises(EntryDeleted):
        await backend.get_entry("PlayerData", "Player_1")
    with pytest.raises(EntryDeleted):
        await backend.get_entry("PlayerData", "Player_1", version=tombstone.version)
    old = await backend.get_entry("PlayerData", "Player_1", version=first.version)
    assert old.value == {"coins": 1}
    assert old.version == first.version


@pytest.mark.requires(FULL_HISTORY)
async def test_delete_appends_the_tombstone_to_the_version_list(
    backend: DataStoreBackend,
) -> None:
    first = await backend.set_entry("S", "k", 1)
    await tick()
    tombstone = await backend.delete_entry("S", "k")

    assert await all_versions(backend, "S", "k") == [first, tombstone]


async def test_deleted_keys_are_listed_only_with_include_deleted(
    backend: DataStoreBackend,
) -> None:
    await backend.set_entry("S", "alive", 1)
    await backend.set_entry("S", "gone", 1)
    await backend.delete_entry("S", "gone")

    assert await all_key_names(backend, "S") == ["alive"]
    listed = (await backend.list_keys("S", include_deleted=True)).items
    assert list(listed) == [
        KeyInfo(DEFAULT_SCOPE, "alive", False),
        KeyInfo(DEFAULT_SCOPE, "gone", True),
    ]


async def test_delete_of_a_missing_key_is_entry_not_found_and_creates_nothing(
    backend: DataStoreBackend,
) -> None:
    await backend.set_entry("S", "other", 1)

    with pytest.raises(EntryNotFound):
        await backend.delete_entry("S", "missing")

    assert await all_key_names(backend, "S", deleted=True) == ["other"]


@pytest.mark.requires(FULL_HISTORY)
async def test_delete_of_a_deleted_key_is_entry_not_found_and_adds_no_version(
    backend: DataStoreBackend,
) -> None:
    await backend.set_entry("S", "k", 1)
    await backend.delete_entry("S", "k")
    before = await all_versions(backend, "S", "k")

    with pytest.raises(EntryNotFound):
        await backend.delete_entry("S", "k")

    assert await all_versions(backend, "S", "k") == before


@pytest.mark.requires(FULL_HISTORY)
async def test_writing_after_delete_restores_the_key_with_history(
    backend: DataStoreBackend,
) -> None:
    first = await backend.set_entry("S", "k", {"v": 1})
    tombstone = await backend.delete_entry("S", "k")

    restored = await backend.set_entry("S", "k", {"v": 1})

    assert (await backend.get_entry("S", "k")).value == {"v": 1}
    assert [info.version for info in await all_versions(backend, "S", "k")] == [
        first.version,
        tombstone.version,
        restored.version,
    ]
    assert await all_key_names(backend, "S") == ["k"]


async def test_delete_with_a_matching_version_succeeds(backend: DataStoreBackend) -> None:
    current = await backend.set_entry("S", "k", 1)

    tombstone = await backend.delete_entry("S", "k", match_version=current.version)

    assert tombstone.deleted is True
    with pytest.raises(EntryDeleted):
        await backend.get_entry("S", "k")


async def test_delete_with_a_stale_version_fails_and_keeps_the_entry(
    backend: DataStoreBackend,
) -> None:
    stale = await backend.set_entry("S", "k", 1)
    current = await backend.set_entry("S", "k", 2)

    with pytest.raises(PreconditionFailed) as caught:
        await backend.delete_entry("S", "k", match_version=stale.version)

    assert caught.value.current_version == current.version
    entry = await backend.get_entry("S", "k")
    assert (entry.value, entry.version) == (2, current.version)
