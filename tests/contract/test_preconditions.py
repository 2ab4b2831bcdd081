"""Conditional writes (``match_version``, ``exclusive_create``); a lost one writes nothing."""

from __future__ import annotations

import asyncio

import pytest

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import (
    AlreadyExists,
    EntryNotFound,
    InvalidArgument,
    PreconditionFailed,
    VersionInfo,
)

from .factories.base import CONCURRENT_WRITES, FULL_HISTORY
from .helpers import all_key_names, all_versions


async def test_match_version_with_the_latest_version_writes(backend: DataStoreBackend) -> None:
    seen = await backend.set_entry("S", "k", {"n": 1})

    written = await backend.set_entry("S", "k", {"n": 2}, match_version=seen.version)

    entry = await backend.get_entry("S", "k")
    assert (entry.value, entry.version) == ({"n": 2}, written.version)
    assert written.version != seen.version


async def test_match_version_with_a_stale_version_fails_and_writes_nothing(
    backend: DataStoreBackend,
) -> None:
    stale = await backend.set_entry("S", "k", {"n": 1})
    current = await backend.set_entry("S", "k", {"n": 2}, attributes={"keep": True})
    versions_before = await all_versions(backend, "S", "k")

    with pytest.raises(PreconditionFailed) as caught:
        await backend.set_entry("S", "k", {"n": 99}, match_version=stale.version)

    assert not isinstance(caught.value, AlreadyExists)
    assert caught.value.current_version == current.version
    entry = await backend.get_entry("S", "k")
    assert (entry.value, entry.version, entry.attributes) == (
        {"n": 2},
        current.version,
        {"keep": True},
    )
    assert await all_versions(backend, "S", "k") == versions_before


async def test_match_version_on_a_missing_key_fails_and_creates_nothing(
    backend: DataStoreBackend,
) -> None:
    other = await backend.set_entry("S", "other", 1)

    with pytest.raises(PreconditionFailed) as caught:
        await backend.set_entry("S", "missing", 1, match_version=other.version)

    assert not isinstance(caught.value, AlreadyExists)
    assert caught.value.current_version is None
    with pytest.raises(EntryNotFound):
        await backend.get_entry("S", "missing")
    assert await all_key_names(backend, "S", deleted=True) == ["other"]


async def test_match_version_from_before_a_delete_is_stale(backend: DataStoreBackend) -> None:
    before = await backend.set_entry("S", "k", 1)
    tombstone = await backend.delete_entry("S", "k")

    with pytest.raises(PreconditionFailed) as caught:
        await backend.set_entry("S", "k", 2, match_version=before.version)

    assert caught.value.current_version == tombstone.version
    with pytest.raises(EntryNotFound):
        await backend.get_entry("S", "k")


async def test_exclusive_create_of_a_new_key_writes(backend: DataStoreBackend) -> None:
    created = await backend.set_entry("S", "new", {"fresh": True}, exclusive_create=True)

    entry = await backend.get_entry("S", "new")
    assert (entry.value, entry.version) == ({"fresh": True}, created.version)


async def test_exclusive_create_of_an_existing_key_is_already_exists(
    backend: DataStoreBackend,
) -> None:
    current = await backend.set_entry("S", "k", "original", user_ids=[5])
    versions_before = await all_versions(backend, "S", "k")

    with pytest.raises(AlreadyExists) as caught:
        await backend.set_entry("S", "k", "replacement", exclusive_create=True)

    assert caught.value.current_version == current.version
    entry = await backend.get_entry("S", "k")
    assert (entry.value, entry.version, entry.user_ids) == ("original", current.version, (5,))
    assert await all_versions(backend, "S", "k") == versions_before


@pytest.mark.requires(FULL_HISTORY)
async def test_exclusive_create_over_a_tombstone_writes_and_keeps_history(
    backend: DataStoreBackend,
) -> None:
    """Assumed: a deleted entry does not exist (get says so), so creating it again is allowed."""
    first = await backend.set_entry("S", "k", "old")
    tombstone = await backend.delete_entry("S", "k")

    recreated = await backend.set_entry("S", "k", "new", exclusive_create=True)

    assert (await backend.get_entry("S", "k")).value == "new"
    versions = [info.version for info in await all_versions(backend, "S", "k")]
    assert versions == [first.version, tombstone.version, recreated.version]


async def test_match_version_and_exclusive_create_together_are_refused(
    backend: DataStoreBackend,
) -> None:
    current = await backend.set_entry("S", "k", 1)

    with pytest.raises(InvalidArgument):
        await backend.set_entry("S", "k", 2, match_version=current.version, exclusive_create=True)

    assert (await backend.get_entry("S", "k")).version == current.version


@pytest.mark.requires(CONCURRENT_WRITES)
async def test_racing_conditional_writes_have_exactly_one_winner(
    backend: DataStoreBackend,
) -> None:
    seen = await backend.set_entry("S", "k", "base")

    async def attempt(writer: int) -> VersionInfo | PreconditionFailed:
        try:
            return await backend.set_entry("S", "k", writer, match_version=seen.version)
        except PreconditionFailed as lost:
            return lost

    outcomes = await asyncio.gather(*(attempt(writer) for writer in range(8)))

    winners = [(n, o) for n, o in enumerate(outcomes) if isinstance(o, VersionInfo)]
    losers = [o for o in outcomes if isinstance(o, PreconditionFailed)]
    assert len(winners) == 1
    assert len(losers) == 7
    winner_number, winner_info = winners[0]
    assert {loser.current_version for loser in losers} == {winner_info.version}
    entry = await backend.get_entry("S", "k")
    assert (entry.value, entry.version) == (winner_number, winner_info.version)


@pytest.mark.requires(CONCURRENT_WRITES)
async def test_racing_exclusive_creates_have_exactly_one_winner(
    backend: DataStoreBackend,
) -> None:
    async def attempt(writer: int) -> VersionInfo | AlreadyExists:
        try:
            return await backend.set_entry("S", "k", writer, exclusive_create=True)
        except AlreadyExists as lost:
            return lost

    outcomes = await asyncio.gather(*(attempt(writer) for writer in range(8)))

    winners = [n for n, o in enumerate(outcomes) if isinstance(o, VersionInfo)]
    assert len(winners) == 1
    assert (await backend.get_entry("S", "k")).value == winners[0]
