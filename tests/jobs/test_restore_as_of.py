"""``dsm restore-as-of``: a scripted "bad update" of 100 keys is undone from version history,
exactly those keys come back, no other key is touched, and the dry run changes nothing."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from datastore_manager.backends.local import LocalBackend
from datastore_manager.backends.snapshot import SnapshotBackend
from datastore_manager.model import format_time, utc_now

from .conftest import contents, dsm, versions_per_key

BAD_KEYS = 100


async def bad_update(store_file: Path, locked: set[str]) -> list[str]:
    """What a buggy game server does: gives 100 players a billion coins (a game write, so it
    goes straight to the store, not through the tool)."""
    changed: list[str] = []
    async with LocalBackend(store_file) as game:
        keys = await game.list_keys("PlayerData", all_scopes=True, limit=256)
        for info in keys.items:
            if info.key in locked or len(changed) == BAD_KEYS:
                continue
            entry = await game.get_entry("PlayerData", info.key, scope=info.scope)
            value: Any = entry.value
            broken = {**value, "Coins": 1_000_000_000} if isinstance(value, dict) else 10**9
            await game.set_entry(
                "PlayerData",
                info.key,
                broken,
                scope=info.scope,
                match_version=entry.version,
                attributes=entry.attributes,
                user_ids=entry.user_ids,
            )
            changed.append(f"PlayerData/{info.scope}/{info.key}")
    assert len(changed) == BAD_KEYS
    return changed


async def test_restore_as_of_undoes_exactly_the_bad_update(
    tmp_path: Path, env: dict[str, str]
) -> None:
    store = tmp_path / "demo.db"
    locked = set(dsm(env, "demo", str(store))["liveLockedKeys"])
    target = ["--target", f"local:{store}"]
    async with LocalBackend(store) as backend:
        before = await contents(backend)
    versions_before = versions_per_key(store)
    time.sleep(0.01)
    when = format_time(utc_now())
    time.sleep(0.01)
    changed = await bad_update(store, locked)
    async with LocalBackend(store) as backend:
        broken = await contents(backend)
    digest = hashlib.sha256(store.read_bytes()).hexdigest()
    state = tmp_path / "as-of.state.json"
    common = [*target, "--state", str(state), "--quiet"]

    dry = dsm(env, "restore-as-of", when, *common, "--dry-run", "--diff", "3")

    assert hashlib.sha256(store.read_bytes()).hexdigest() == digest  # nothing written
    assert not state.exists()
    assert dry["planned"] == BAD_KEYS and dry["counts"]["toRestore"] == BAD_KEYS
    assert len(dry["diffs"]) == 3 and "1000000000" in dry["diffs"][0]["diff"]

    done = dsm(env, "restore-as-of", when, *common, "--backup", str(tmp_path / "pre.dsm"))

    assert done["counts"]["written"] == BAD_KEYS
    assert done["counts"].get("conflicting", 0) == 0
    async with LocalBackend(store) as backend:
        assert await contents(backend) == before  # values and metadata as they were at TIME
    versions_after = versions_per_key(store)
    grew = {key for key, count in versions_after.items() if count != versions_before.get(key)}
    assert grew == set(changed)  # no other key got a version
    assert all(versions_after[key] == versions_before[key] + 2 for key in changed)  # bad + fix
    # The backup taken before writing holds the state the restore replaced.
    async with SnapshotBackend(tmp_path / "pre.dsm") as backup:
        archived = await contents(backup)
    assert {k: v for k, v in archived.items() if k in changed} == {k: broken[k] for k in changed}

    again = dsm(env, "restore-as-of", when, *target, "--state", str(tmp_path / "2.json"))
    assert again["planned"] == 0 and again["counts"].get("written", 0) == 0
