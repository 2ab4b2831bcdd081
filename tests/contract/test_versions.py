"""History: ``list_versions`` (order, time range, paging) and ``get_entry`` by version / as of.

Read tests: the history is seeded, so they also run on read-only backends. Times used in
queries are the ones the backend itself returned, never the test's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import (
    EntryDeleted,
    EntryNotFound,
    InvalidArgument,
    NotFound,
    Page,
    VersionInfo,
)
from datastore_manager.model.limits import MAX_FUTURE_TIMESTAMP

from .conftest import Seeder
from .factories.base import FULL_HISTORY
from .helpers import ONE_MICROSECOND, collect, tick

pytestmark = pytest.mark.requires(FULL_HISTORY)

VALUES = [{"coins": 1}, {"coins": 2}, None, {"coins": 4}, {"coins": 5}]  # None: the delete


@dataclass
class History:
    versions: list[VersionInfo]  # in write order; versions[2] is the tombstone


async def write_history(backend: DataStoreBackend) -> History:
    versions: list[VersionInfo] = []
    for value in VALUES:
        if value is None:
            versions.append(await backend.delete_entry("PlayerData", "Player_1"))
        else:
            versions.append(
                await backend.set_entry(
                    "PlayerData", "Player_1", value, attributes={"v": len(versions)}
                )
            )
        await tick()
    await backend.set_entry("PlayerData", "Player_2", "unrelated")
    return History(versions)


async def test_versions_are_listed_in_creation_order_with_tombstones(seeded: Seeder) -> None:
    async with seeded(write_history) as (backend, history):
        listed = (await backend.list_versions("PlayerData", "Player_1")).items

        assert list(listed) == history.versions
        assert [info.deleted for info in listed] == [False, False, True, False, False]
        assert len({info.version for info in listed}) == len(VALUES)
        times = [info.created_time for info in listed]
        assert times == sorted(times)


async def test_versions_descending_are_newest_first(seeded: Seeder) -> None:
    async with seeded(write_history) as (backend, history):
        listed = (await backend.list_versions("PlayerData", "Player_1", descending=True)).items

        assert list(listed) == history.versions[::-1]


async def test_versions_within_an_inclusive_time_range(seeded: Seeder) -> None:
    async with seeded(write_history) as (backend, history):
        v = history.versions

        between = await backend.list_versions(
            "PlayerData", "Player_1", start_time=v[1].created_time, end_time=v[3].created_time
        )
        since = await backend.list_versions("PlayerData", "Player_1", start_time=v[3].created_time)
        until = await backend.list_versions("PlayerData", "Player_1", end_time=v[1].created_time)
        newest_first = await backend.list_versions(
            "PlayerData",
            "Player_1",
            start_time=v[1].created_time,
            end_time=v[3].created_time,
            descending=True,
        )
        just_inside = await backend.list_versions(
            "PlayerData",
            "Player_1",
            start_time=v[1].created_time - ONE_MICROSECOND,
            end_time=v[3].created_time + ONE_MICROSECOND,
        )
        just_outside = await backend.list_versions(
            "PlayerData",
            "Player_1",
            start_time=v[1].created_time + ONE_MICROSECOND,
            end_time=v[3].created_time - ONE_MICROSECOND,
        )

        assert list(between.items) == v[1:4]
        assert list(since.items) == v[3:]
        assert list(until.items) == v[:2]
        assert list(newest_first.items) == v[3:0:-1]
        assert list(just_inside.items) == v[1:4]
        assert list(just_outside.items) == v[2:3]


async def test_versions_page_through_history_without_gaps(seeded: Seeder) -> None:
    async with seeded(write_history) as (backend, history):
        pages: list[int] = []

        async def fetch(cursor: str | None) -> Page[VersionInfo]:
            page = await backend.list_versions("PlayerData", "Player_1", cursor=cursor, limit=2)
            pages.append(len(page.items))
            return page

        listed = await collect(fetch)

        assert listed == history.versions
        assert all(size <= 2 for size in pages)


async def test_listing_versions_of_a_missing_key_is_not_found(seeded: Seeder) -> None:
    async with seeded(write_history) as (backend, _):
        with pytest.raises(NotFound):
            await backend.list_versions("PlayerData", "Player_404")


async def test_get_by_version_returns_that_version_with_its_metadata(seeded: Seeder) -> None:
    async with seeded(write_history) as (backend, history):
        for index, (info, value) in enumerate(zip(history.versions, VALUES, strict=True)):
            if value is None:
                with pytest.raises(EntryDeleted):
                    await backend.get_entry("PlayerData", "Player_1", version=info.version)
                continue
            entry = await backend.get_entry("PlayerData", "Player_1", version=info.version)
            assert entry.value == value
            assert entry.version == info.version
            assert entry.version_created_time == info.created_time
            assert entry.created_time == history.versions[0].object_created_time
            assert entry.attributes == {"v": index}


async def test_get_as_of_each_version_time_returns_that_version(seeded: Seeder) -> None:
    async with seeded(write_history) as (backend, history):
        for info, value in zip(history.versions, VALUES, strict=True):
            if value is None:
                with pytest.raises(EntryDeleted):
                    await backend.get_entry("PlayerData", "Player_1", as_of=info.created_time)
                continue
            at = await backend.get_entry("PlayerData", "Player_1", as_of=info.created_time)
            assert (at.value, at.version) == (value, info.version)


async def test_get_as_of_between_versions_returns_the_earlier_one(seeded: Seeder) -> None:
    async with seeded(write_history) as (backend, history):
        v = history.versions

        before_second = await backend.get_entry(
            "PlayerData", "Player_1", as_of=v[1].created_time - ONE_MICROSECOND
        )
        after_latest = await backend.get_entry(
            "PlayerData", "Player_1", as_of=v[-1].created_time + timedelta(minutes=1)
        )

        assert before_second.version == v[0].version
        assert after_latest.version == v[-1].version


async def test_get_as_of_before_creation_is_entry_not_found(seeded: Seeder) -> None:
    async with seeded(write_history) as (backend, history):
        with pytest.raises(EntryNotFound) as caught:
            await backend.get_entry(
                "PlayerData",
                "Player_1",
                as_of=history.versions[0].created_time - ONE_MICROSECOND,
            )
        assert not isinstance(caught.value, EntryDeleted)


async def test_get_as_of_more_than_ten_minutes_ahead_is_invalid(seeded: Seeder) -> None:
    """OA: the revision time must be at most 10 minutes in the future."""
    async with seeded(write_history) as (backend, history):
        far_future = history.versions[-1].created_time + MAX_FUTURE_TIMESTAMP * 2
        with pytest.raises(InvalidArgument):
            await backend.get_entry("PlayerData", "Player_1", as_of=far_future)


async def test_get_as_of_before_the_epoch_is_invalid(seeded: Seeder) -> None:
    """OA: the revision time must be after the Unix epoch."""
    async with seeded(write_history) as (backend, _):
        with pytest.raises(InvalidArgument):
            await backend.get_entry(
                "PlayerData", "Player_1", as_of=datetime(1969, 12, 31, tzinfo=UTC)
            )
