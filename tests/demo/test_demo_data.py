"""Shape of the demo universe: counts, session locks, history, metadata, schema violations."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from datastore_manager.backends.local import LocalBackend
from datastore_manager.demo import DemoSummary, create_demo
from datastore_manager.model import Entry

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SCHEMA_PATH = Path(__file__).parents[2] / "schemas" / "demo" / "player-data.schema.json"
PROFILESERVICE_DEAD_SESSION = 1800  # FACTS §19: AssumeDeadSessionLock


async def _read_store(path: Path, store: str) -> dict[str, Entry]:
    async with LocalBackend(path) as backend:
        entries: dict[str, Entry] = {}
        cursor = None
        while True:
            page = await backend.list_keys(store, cursor=cursor, limit=256)
            for info in page.items:
                entries[info.key] = await backend.get_entry(store, info.key)
            cursor = page.next_cursor
            if cursor is None:
                return entries


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoSummary, float]:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    started = time.process_time()
    summary = asyncio.run(create_demo(path, now=NOW))
    return summary, time.process_time() - started


@pytest.fixture(scope="module")
def players(demo: tuple[DemoSummary, float]) -> dict[str, Entry]:
    return asyncio.run(_read_store(demo[0].path, "PlayerData"))


def test_created_quickly_with_every_store(demo: tuple[DemoSummary, float]) -> None:
    summary, seconds = demo
    assert seconds < 10  # CPU seconds: robust on a loaded machine
    assert summary.stores == ["PlayerData", "Inventory", "GameSettings", "Leaderboard"]


def test_player_saves_are_profileservice_shaped(
    demo: tuple[DemoSummary, float], players: dict[str, Entry]
) -> None:
    summary = demo[0]
    assert len(summary.player_keys) >= 200
    # Deleted players (right to erasure) are tombstones, so not listed.
    assert set(players) == set(summary.player_keys) - set(summary.deleted_keys)
    for key, entry in players.items():
        user_id = int(key.removeprefix("Player_"))
        value = entry.value
        assert {"Data", "MetaData", "GlobalUpdates"} <= set(value)
        assert value["UserIds"] == [user_id] and entry.user_ids == (user_id,)
        assert entry.attributes == value["RobloxMetaData"]  # the library mirrors them
    assert sum(1 for e in players.values() if e.attributes) >= 20


def _lock_age(value: dict[str, Any]) -> float | None:
    meta = value["MetaData"]
    if not meta.get("ActiveSession"):
        return None
    return NOW.timestamp() - meta["LastUpdate"]


def test_live_and_stale_session_locks(
    demo: tuple[DemoSummary, float], players: dict[str, Entry]
) -> None:
    summary = demo[0]
    live = {k for k, e in players.items() if (age := _lock_age(e.value)) is not None and
            age < PROFILESERVICE_DEAD_SESSION}  # fmt: skip
    stale = {k for k, e in players.items() if (age := _lock_age(e.value)) is not None and
             age >= PROFILESERVICE_DEAD_SESSION}  # fmt: skip
    assert live == set(summary.live_locked_keys) and len(live) >= 5
    assert stale == set(summary.stale_locked_keys) and len(stale) >= 3
    for key in live:
        session = players[key].value["MetaData"]["ActiveSession"]
        assert isinstance(session[0], int) and isinstance(session[1], str)
        # The latest version was written when the profile was last saved.
        assert (
            abs(players[key].updated_time.timestamp() - (NOW.timestamp() - _age(players[key]))) < 1
        )


def _age(entry: Entry) -> float:
    age = _lock_age(entry.value)
    assert age is not None
    return age


def test_schema_violations_are_present_and_detected(
    demo: tuple[DemoSummary, float], players: dict[str, Entry]
) -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failing = {key for key, e in players.items() if not validator.is_valid(e.value)}
    assert failing == set(demo[0].invalid_keys)
    assert len(failing) >= 3


def test_history_spread_over_days(demo: tuple[DemoSummary, float]) -> None:
    summary = demo[0]

    async def histories() -> list[list[datetime]]:
        async with LocalBackend(summary.path) as backend:
            result = []
            for key in [*summary.history_keys, "LiveConfig"]:
                store = "GameSettings" if key == "LiveConfig" else "PlayerData"
                page = await backend.list_versions(store, key, limit=100)
                result.append([v.created_time for v in page.items])
            return result

    all_times = asyncio.run(histories())
    assert len(all_times) >= 4
    for times in all_times:
        assert len(times) >= 5
        assert (times[-1] - times[0]).days >= 2


def test_inventory_and_leaderboard(demo: tuple[DemoSummary, float]) -> None:
    summary = demo[0]

    async def read() -> tuple[int, int, set[str]]:
        async with LocalBackend(summary.path) as backend:
            board, cursor = 0, None
            while True:
                page = await backend.list_ordered("Leaderboard", cursor=cursor, limit=100)
                board += len(page.items)
                cursor = page.next_cursor
                if cursor is None:
                    break
            keys = await backend.list_keys("Inventory", all_scopes=True, limit=256)
            return board, len(keys.items), {k.scope for k in keys.items}

    board, inventories, scopes = asyncio.run(read())
    assert board == summary.leaderboard_entries >= 1000
    assert inventories >= 50 and scopes == {"global", "legacy"}


def test_deterministic_for_a_seed(tmp_path: Path, players: dict[str, Entry]) -> None:
    again = tmp_path / "again.db"
    asyncio.run(create_demo(again, now=NOW))
    second = asyncio.run(_read_store(again, "PlayerData"))
    assert {k: e.value for k, e in second.items()} == {k: e.value for k, e in players.items()}
