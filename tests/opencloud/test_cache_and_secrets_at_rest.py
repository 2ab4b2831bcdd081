"""The encrypted cache, and the canaries: no plaintext value and no API key at rest or in logs."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from datastore_manager.backends.opencloud import OpenCloudCache
from datastore_manager.backends.opencloud.overlap import EntryActivity
from datastore_manager.model import EntryNotFound, PermissionDenied

from .conftest import API_KEY, CACHE_KEY, READ_ONLY_KEY, StartEmulator, open_client

VALUE_CANARY = "VALUE-CANARY-5b2e91"


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


async def test_cached_values_and_names_are_never_plaintext_on_disk(
    emulator_url: str, tmp_path: Path
) -> None:
    cache_dir = tmp_path / "cache"
    async with open_client(emulator_url, cache_dir) as backend:
        await backend.set_entry("SecretStore", "SecretKey", {"token": VALUE_CANARY})
        await backend.get_entry("SecretStore", "SecretKey")
        await backend.list_keys("SecretStore")

    files = files_under(cache_dir)
    assert files, "the cache wrote something"
    for path in files:
        data = path.read_bytes()
        for canary in (VALUE_CANARY, "SecretStore", "SecretKey", API_KEY):
            assert canary.encode() not in data, f"{canary} in {path.name}"
            assert canary.encode("utf-16-le") not in data


async def test_a_cached_version_is_served_without_asking_roblox(
    emulator_url: str, tmp_path: Path
) -> None:
    async with open_client(emulator_url, tmp_path / "cache") as backend:
        written = await backend.set_entry("S", "k", [1, 2, 3])
        before = backend.client.stats.requests
        again = await backend.get_entry("S", "k", version=written.version)
        latest = await backend.get_entry("S", "k")  # our own write made it fresh

    assert again.value == latest.value == [1, 2, 3]
    assert backend.client.stats.requests == before


async def test_overlapping_writes_never_leave_the_cached_latest_behind(
    emulator_url: str, tmp_path: Path
) -> None:
    """Responses of concurrent writes arrive in any order; the cached "latest" must not follow
    them backwards (CI once read 23 after 25 concurrent increments)."""
    async with open_client(emulator_url, tmp_path / "cache") as backend:
        for round_ in range(1, 7):
            await asyncio.gather(*(backend.increment_entry("S", "n", 1) for _ in range(25)))
            assert (await backend.get_entry("S", "n")).value == 25 * round_
        # a read overlapping a write does not set the pointer either
        await backend.set_entry("S", "r", 0)
        await asyncio.gather(backend.get_entry("S", "r"), backend.set_entry("S", "r", 1))
        assert (await backend.get_entry("S", "r")).value == 1


def test_entry_activity_marks_what_overlapped_a_write() -> None:
    activity = EntryActivity()
    entry = ("S", "global", "k")
    with activity.track(entry, write=False) as read, activity.track(entry, write=True) as write:
        with activity.track(entry, write=False) as late_read:
            pass
        with activity.track(("S", "global", "other"), write=False) as elsewhere:
            pass
    with activity.track(entry, write=True) as alone:
        pass
    assert (read.overlapped, write.overlapped, late_read.overlapped) == (True, False, True)
    assert (elsewhere.overlapped, alone.overlapped) == (False, False)
    with activity.track(entry, write=True) as first, activity.track(entry, write=True) as second:
        pass
    assert first.overlapped and second.overlapped
    # Two identical-looking reads ending out of order: each leaves as itself (a write that
    # starts in between marks the one still running, and nothing is left behind).
    first_read = activity.track(entry, write=False)
    a = first_read.__enter__()
    with activity.track(entry, write=False):
        pass
    with activity.track(entry, write=True):
        assert a.overlapped
    first_read.__exit__(None, None, None)
    with activity.track(entry, write=False) as after:
        pass
    assert not after.overlapped


async def test_our_writes_invalidate_listings(emulator_url: str, tmp_path: Path) -> None:
    async with open_client(emulator_url, tmp_path / "cache") as backend:
        await backend.set_entry("S", "a", 1)
        assert [k.key for k in (await backend.list_keys("S")).items] == ["a"]
        await backend.set_entry("S", "b", 2)
        assert [k.key for k in (await backend.list_keys("S")).items] == ["a", "b"]


def test_a_cache_opened_with_another_key_misses_instead_of_returning_garbage(
    tmp_path: Path,
) -> None:
    from datastore_manager.model import Entry, utc_now

    now = utc_now()
    entry = Entry("S", "global", "k", {"v": VALUE_CANARY}, "v1", now, now, now)
    cache = OpenCloudCache(tmp_path, CACHE_KEY, universe_id=1)
    cache.put_entry(entry, latest=True)
    assert cache.entry("S", "global", "k", "v1") == entry
    cache.close()

    other = OpenCloudCache(tmp_path, bytes(32), universe_id=1)
    assert other.entry("S", "global", "k", "v1") is None
    other.close()


async def test_the_api_key_never_appears_in_logs_or_errors(
    start_emulator: StartEmulator,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    url = start_emulator(faults="5xx=0.2,429=0.1,reset=0.1", seed=1)
    messages: list[str] = []
    async with open_client(url, tmp_path / "cache") as backend:
        await backend.set_entry("S", "k", 1)
        await backend.increment_entry("S", "k", 2)
        try:
            await backend.get_entry("S", "missing")
        except EntryNotFound as exc:
            messages += [str(exc), repr(exc), str(exc.to_dict())]
        messages.append(repr(backend.client.__dict__))
    async with open_client(url, api_key="WRONG-" + API_KEY) as backend:
        with pytest.raises(Exception) as caught:
            await backend.get_entry("S", "k")
        messages += [str(caught.value), repr(caught.value), str(caught.getrepr())]

    out = capsys.readouterr()
    everything = "\n".join([caplog.text, out.out, out.err, *messages])
    assert "HTTP Request" in caplog.text or "->" in caplog.text  # requests were logged
    assert API_KEY not in everything
    for path in files_under(tmp_path / "cache"):
        assert API_KEY.encode() not in path.read_bytes()


async def test_a_key_without_the_scope_gets_a_message_naming_it(
    emulator_url: str,
) -> None:
    async with open_client(emulator_url) as backend:
        await backend.set_entry("S", "k", 1)
    async with open_client(emulator_url, api_key=READ_ONLY_KEY) as backend:
        assert (await backend.get_entry("S", "k")).value == 1
        with pytest.raises(PermissionDenied) as caught:
            await backend.delete_entry("S", "k")

    message = caught.value.message
    assert message.startswith("API key lacks universe-datastores.objects:delete for universe 1")
    assert "https://create.roblox.com/credentials" in message
