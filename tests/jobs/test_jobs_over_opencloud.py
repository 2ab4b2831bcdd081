"""``dsm copy``, ``dsm bulk set|delete``, ``dsm migrate`` and ``dsm restore-as-of`` against an
Open Cloud target (the emulator on loopback) that injects faults: plain 5xx and dropped
connections (nothing applied) and ``5xx_after`` (the write IS applied, then a 500: "a failed
write call does not prove that no write happened"). Outcomes are read straight from the
emulator's data files afterwards: every write applied exactly once (version counts), nothing
lost, history kept.

The data sets are small (a few hundred entries) and the emulator advertises a high rate limit,
so the request budget never throttles these tests (the budget itself is tested elsewhere).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from datastore_manager.backends.local import LocalBackend
from datastore_manager.backends.local.engine import LocalEngine
from datastore_manager.model import EntryNotFound, EntryWrite, format_time, utc_now
from support.emulator import running_emulator

from .conftest import contents, dsm, make_store, versions_per_key
from .test_emulator_roundtrip import API_KEY, FAST_LIMITS, Cloud

UNIVERSE, OTHER_UNIVERSE = 4_200_001, 4_200_002
FAULTS = "5xx=0.1,reset=0.05,5xx_after=0.05"


@pytest.fixture
def cloud(tmp_path: Path, env: dict[str, str]) -> Iterator[Cloud]:
    """A faulty emulator serving every ``universe-<id>.db`` of an (initially empty) folder."""
    folder = tmp_path / "cloud"
    folder.mkdir()
    with running_emulator(
        folder, api_keys=[f"{API_KEY}=*"], faults=FAULTS, seed=23, rate_limits=FAST_LIMITS
    ) as url:
        cloud_env = {**env, "ROBLOX_API_KEY": API_KEY, "DSM_CACHE_DIR": "off"}
        cloud_env.pop("DSM_BASE_URL", None)
        yield Cloud(folder, cloud_env, url)


def on(cloud: Cloud, *args: str, check: bool = True, cwd: Path | None = None) -> dict[str, Any]:
    """``dsm --base-url <emulator> ARGS --json`` with the emulator's API key."""
    return dsm(cloud.env, "--base-url", cloud.url, *args, check=check, cwd=cwd)


def standard_only(found: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in found.items() if not name.startswith("ordered:")}


def write_lines(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


async def test_copy_local_to_opencloud_and_back_is_md5_identical(
    tmp_path: Path, cloud: Cloud
) -> None:
    source, back = tmp_path / "source.db", tmp_path / "back.db"
    make_store(source, 150)  # values, attributes and user ids
    engine = LocalEngine(source)
    try:
        for rank in range(20):
            engine.put_ordered("Leaderboard", f"user_{rank}", 1000 - rank * 7, mode="upsert")
    finally:
        engine.close()
    remote = f"opencloud:{UNIVERSE}"

    up = on(cloud, "copy", "--from", f"local:{source}", "--to", remote,
            "--via", str(tmp_path / "up.dsm"), "--quiet")  # fmt: skip
    down = on(cloud, "copy", "--from", remote, "--to", f"local:{back}",
              "--via", str(tmp_path / "down.dsm"), "--quiet")  # fmt: skip

    async with LocalBackend(source) as original:
        expected = await contents(original)
    async with LocalBackend(cloud.store_file(UNIVERSE)) as uploaded:
        assert await contents(uploaded) == expected  # standard and ordered entries
    async with LocalBackend(back) as downloaded:
        # Open Cloud cannot list ordered stores: the way back carries standard entries only.
        assert await contents(downloaded) == standard_only(expected)
    assert up["counts"]["new"] == 150 and up["counts"]["written"] == 170
    assert down["counts"]["new"] == down["counts"]["written"] == 150
    # Despite 5xx_after (applied, then failed) no entry was written twice, either way.
    assert set(versions_per_key(cloud.store_file(UNIVERSE)).values()) == {1}
    assert set(versions_per_key(back).values()) == {1}


async def test_bulk_set_applies_each_line_once_and_delete_keeps_history(
    tmp_path: Path, cloud: Cloud
) -> None:
    store = cloud.store_file(UNIVERSE)
    make_store(store, 120)
    target = ["--target", f"opencloud:{UNIVERSE}", "--quiet"]
    edits = [
        {"store": "Players", "key": f"Player_{i:05d}", "value": {"coins": -i}} for i in range(80)
    ]  # 80 edits of existing entries (metadata kept) ...
    edits += [{"store": "Players", "key": f"New_{i:03d}", "value": {"coins": i},
               "attributes": {"fresh": True}} for i in range(60)]  # fmt: skip
    # ... and 60 new ones
    deletes = [{"store": "Players", "key": f"Player_{i:05d}"} for i in range(100, 120)]

    done = on(cloud, "bulk", "set", "--from", str(write_lines(tmp_path / "set.jsonl", edits)),
              *target)  # fmt: skip
    deleted = on(cloud, "bulk", "delete", "--from",
                 str(write_lines(tmp_path / "delete.jsonl", deletes)), *target)  # fmt: skip

    assert done["counts"]["written"] == 140 and done["counts"]["processed"] == 140
    assert deleted["counts"]["deleted"] == 20 and deleted["counts"]["processed"] == 20
    versions = versions_per_key(store)
    for i in range(120):  # edited: one new version; deleted: a tombstone; others untouched
        expected = 2 if i < 80 or i >= 100 else 1
        assert versions[f"Players/global/Player_{i:05d}"] == expected, i
    assert all(versions[f"Players/global/New_{i:03d}"] == 1 for i in range(60))
    async with LocalBackend(store) as game:
        edited = await game.get_entry("Players", "Player_00005")
        assert edited.value == {"coins": -5}
        assert edited.attributes == {"v": 5} and edited.user_ids == (6,)  # metadata kept
        created = await game.get_entry("Players", "New_007")
        assert created.value == {"coins": 7} and created.attributes == {"fresh": True}
        with pytest.raises(EntryNotFound):
            await game.get_entry("Players", "Player_00110")
        history = await game.list_versions("Players", "Player_00110", limit=10)
        assert [v.deleted for v in history.items] == [False, True]  # the old value is kept
        old = await game.get_entry("Players", "Player_00110", version=history.items[0].version)
        assert old.value == {"coins": 110, "name": "player 110", "items": ["sword"] * 2}


#: NOT idempotent. For P0003 a game server writes while the migration is in flight (after the
#: job read the entry, before it writes): the job's conditional write loses, it reads again and
#: migrates the game's value. A marker file makes that game write happen once.
MIGRATION = """
from pathlib import Path
from datastore_manager.backends.local.engine import LocalEngine

def migrate(value, entry):
    if entry["key"].endswith("7"):
        return None  # left alone
    marker = Path(__file__).with_name("game-wrote")
    if entry["key"] == "P0003" and not marker.exists():
        marker.touch()
        game = LocalEngine(Path(GAME_FILE))
        try:
            game.set_entry("Players", "P0003", {"coins": 1000}, attributes={"a": 3})
        finally:
            game.close()
    return {**value, "coins": value["coins"] * 2, "seen": entry["key"]}
"""


async def test_migrate_applies_once_per_entry_and_a_concurrent_game_write_wins(
    tmp_path: Path, cloud: Cloud
) -> None:
    store, script = cloud.store_file(UNIVERSE), tmp_path / "double.py"
    engine = LocalEngine(store)
    try:
        engine.set_entries(
            [
                EntryWrite("Players", f"P{i:04d}", {"coins": i}, attributes={"a": i})
                for i in range(200)
            ]
        )
    finally:
        engine.close()
    script.write_text(f"GAME_FILE = {str(store)!r}\n" + MIGRATION, encoding="utf-8")

    done = on(cloud, "migrate", "Players", "--script", str(script), "--target",
              f"opencloud:{UNIVERSE}", "--quiet", cwd=tmp_path)  # fmt: skip

    unchanged = {f"P{i:04d}" for i in range(200) if i % 10 == 7}
    assert done["counts"]["unchanged"] == len(unchanged)
    assert done["counts"]["written"] == 200 - len(unchanged)
    assert done["counts"]["raceRetries"] >= 1
    versions = versions_per_key(store)
    async with LocalBackend(store) as game:
        for i in range(200):
            key = f"P{i:04d}"
            entry = await game.get_entry("Players", key)
            assert entry.attributes == {"a": i}  # metadata kept
            if key in unchanged:
                assert entry.value == {"coins": i} and versions[f"Players/global/{key}"] == 1
            elif key == "P0003":  # the game's write, then the migration of it: nothing lost
                assert entry.value == {"coins": 2000, "seen": key}
                assert versions[f"Players/global/{key}"] == 3
            else:  # doubled exactly once: one new version
                assert entry.value == {"coins": i * 2, "seen": key}, key
                assert versions[f"Players/global/{key}"] == 2, key


BAD_KEYS = 25


async def test_restore_as_of_on_opencloud_brings_back_exactly_the_bad_update(
    tmp_path: Path, cloud: Cloud
) -> None:
    store = cloud.store_file(UNIVERSE)
    make_store(store, 150, store="PlayerData")
    async with LocalBackend(store) as game:
        before = await contents(game)
    versions_before = versions_per_key(store)
    time.sleep(0.01)
    when = format_time(utc_now())
    time.sleep(0.01)
    changed: list[str] = []
    async with LocalBackend(store) as game:  # a buggy game server: a billion coins for K players
        for i in range(0, 150, 6)[:BAD_KEYS]:
            key = f"Player_{i:05d}"
            entry = await game.get_entry("PlayerData", key)
            value: Any = entry.value
            await game.set_entry("PlayerData", key, {**value, "coins": 10**9},
                                 match_version=entry.version)  # fmt: skip
            changed.append(f"PlayerData/global/{key}")  # (a game write also clears metadata)

    done = on(cloud, "restore-as-of", when, "--target", f"opencloud:{UNIVERSE}",
              "--state", str(tmp_path / "as-of.json"), "--quiet")  # fmt: skip

    assert done["planned"] == BAD_KEYS and done["counts"]["written"] == BAD_KEYS
    assert done["counts"].get("conflicting", 0) == 0
    async with LocalBackend(store) as game:
        assert await contents(game) == before  # values AND metadata as they were at TIME
    versions_after = versions_per_key(store)
    grew = {key for key, count in versions_after.items() if count != versions_before[key]}
    assert grew == set(changed)  # no other key got a version
    assert all(versions_after[key] == 3 for key in changed)  # original, bad, restored once
