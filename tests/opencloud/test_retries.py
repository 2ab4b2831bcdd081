"""Retries against the emulator's injected faults: nothing is lost, nothing applied twice.

``5xx_after`` and ``reset_after`` apply the operation and then fail, so the client cannot know
the outcome; it must reconcile from the version history before resending.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from datastore_manager.backends.opencloud import RetryPolicy
from datastore_manager.model import PreconditionFailed, Unavailable

from .conftest import StartEmulator, open_client

FAST = RetryPolicy(max_elapsed=30.0, base_delay=0.01, max_delay=0.05, max_attempts=40)


async def test_increments_after_commit_failures_are_applied_exactly_once(
    start_emulator: StartEmulator,
) -> None:
    url = start_emulator(faults="5xx_after=0.2,reset_after=0.1", seed=11)
    async with open_client(url, retry_policy=FAST) as backend:
        for _ in range(30):
            await backend.increment_entry("Stats", "visits", 1)
        reconciled = backend.client.stats.retries

    # Read the result through a clean emulator-facing client (no faults on reads matter).
    async with open_client(url, retry_policy=FAST) as backend:
        entry = await backend.get_entry("Stats", "visits")
        versions = await backend.list_versions("Stats", "visits", limit=100)

    assert entry.value == 30
    assert len(versions.items) == 30  # one version per increment: none was resent blindly
    assert reconciled > 0  # the faults really happened


async def test_unconditional_sets_after_commit_failures_are_not_duplicated(
    start_emulator: StartEmulator,
) -> None:
    url = start_emulator(faults="5xx_after=0.25", seed=3)
    async with open_client(url, retry_policy=FAST) as backend:
        for number in range(20):
            await backend.set_entry("Saves", "slot", {"n": number})
        versions = await backend.list_versions("Saves", "slot", limit=100)
        entry = await backend.get_entry("Saves", "slot")
        retries = backend.client.stats.retries

    assert entry.value == {"n": 19}
    assert len(versions.items) == 20
    assert retries > 0


async def test_a_conditional_write_that_committed_before_a_500_is_never_a_false_success(
    start_emulator: StartEmulator,
) -> None:
    """After an applied-then-failed attempt the resend gets a 412 and the version after ours
    holds exactly our value: ours, or an identical write by another client — Open Cloud cannot
    tell, so the call reports "outcome unknown" naming that version, and never resends."""
    url = start_emulator(faults="5xx_after=0.3", seed=5)
    unknown: list[str] = []
    async with open_client(url, retry_policy=FAST) as backend:
        version = (await backend.set_entry("Saves", "slot", 0, exclusive_create=True)).version
        for number in range(1, 16):
            try:
                version = (
                    await backend.set_entry("Saves", "slot", number, match_version=version)
                ).version
            except Unavailable as error:
                assert error.message.startswith("Outcome unknown for the write of")
                current = await backend.get_entry("Saves", "slot")
                assert current.value == number  # it was applied, exactly once
                assert current.version in error.message  # the message names the version
                unknown.append(current.version)
                version = current.version
        entry = await backend.get_entry("Saves", "slot")
        versions = await backend.list_versions("Saves", "slot", limit=100)

    assert (entry.value, entry.version) == (15, version)
    assert len(versions.items) == 16  # nothing applied twice
    assert unknown  # the seed really applies some writes and then fails them


async def test_a_conditional_write_that_failed_before_applying_is_resent(
    start_emulator: StartEmulator,
) -> None:
    url = start_emulator(faults="5xx=0.3,reset=0.1", seed=5)
    async with open_client(url, retry_policy=FAST) as backend:
        version = (await backend.set_entry("Saves", "slot", 0, exclusive_create=True)).version
        for number in range(1, 16):
            version = (
                await backend.set_entry("Saves", "slot", number, match_version=version)
            ).version
        entry = await backend.get_entry("Saves", "slot")
        versions = await backend.list_versions("Saves", "slot", limit=100)
        retries = backend.client.stats.retries

    assert (entry.value, entry.version) == (15, version)
    assert len(versions.items) == 16
    assert retries > 0


async def stored_in_history(backend: Any, store: str, key: str, value: Any) -> bool:
    """Whether ``value`` is one of the entry's versions (for writers with unique values)."""
    page = await backend.list_versions(store, key, descending=True, limit=100)
    for version in page.items:
        if not version.deleted:
            entry = await backend.get_entry(store, key, version=version.version)
            if entry.value == value:
                return True
    return False


async def test_eight_concurrent_read_modify_writers_lose_no_update(
    start_emulator: StartEmulator,
) -> None:
    url = start_emulator(faults="5xx=0.05,429=0.05,reset=0.05,5xx_after=0.05", seed=8)
    async with open_client(url, retry_policy=FAST) as backend:
        await backend.set_entry("Shared", "counter", {"count": 0, "by": []})

        async def writer(name: int) -> None:
            for _ in range(5):
                while True:
                    current = await backend.get_entry("Shared", "counter")
                    value = current.value
                    value = {"count": value["count"] + 1, "by": [*value["by"], name]}
                    try:
                        await backend.set_entry(
                            "Shared", "counter", value, match_version=current.version
                        )
                        break
                    except PreconditionFailed:
                        continue
                    except Unavailable as error:
                        # Outcome unknown (never a false success): values are unique per
                        # writer, so the writer settles it from the history itself.
                        assert error.message.startswith("Outcome unknown")
                        if await stored_in_history(backend, "Shared", "counter", value):
                            break

        await asyncio.wait_for(asyncio.gather(*(writer(n) for n in range(8))), timeout=120)
        final = await backend.get_entry("Shared", "counter")

    assert final.value["count"] == 40
    assert sorted(final.value["by"]) == sorted(list(range(8)) * 5)


async def test_deletes_after_commit_failures_succeed_once(start_emulator: StartEmulator) -> None:
    url = start_emulator(faults="5xx_after=0.5", seed=2)
    async with open_client(url, retry_policy=FAST) as backend:
        for number in range(6):
            await backend.set_entry("Tmp", f"k{number}", number)
        for number in range(6):
            tombstone = await backend.delete_entry("Tmp", f"k{number}")
            assert tombstone.deleted
        versions = [len((await backend.list_versions("Tmp", f"k{n}")).items) for n in range(6)]

    assert versions == [2] * 6  # one write, one tombstone each


async def test_giving_up_is_bounded_and_clear(tmp_path: Path) -> None:
    policy = RetryPolicy(max_elapsed=1.0, base_delay=0.05, max_delay=0.2)
    # Nothing listens on this port: every attempt is a connect error.
    async with open_client("http://127.0.0.1:9", retry_policy=policy) as backend:
        started = asyncio.get_running_loop().time()
        with pytest.raises(Unavailable) as caught:
            await backend.get_entry("S", "k")
        elapsed = asyncio.get_running_loop().time() - started

    assert elapsed < 3.0
    assert "Could not reach Open Cloud" in caught.value.message
    assert "gave up after" in caught.value.message
