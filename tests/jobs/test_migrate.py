"""``dsm migrate``: the dry run changes nothing and shows samples; the real run applies a
NON-idempotent migration exactly once per entry, validates against the workspace schema, and a
killed run resumed with ``--resume`` applies nothing twice."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
from pathlib import Path

from datastore_manager.backends.local import LocalBackend
from datastore_manager.backends.local.engine import LocalEngine
from datastore_manager.model import EntryWrite

from .conftest import DSM, dsm, versions_per_key
from .test_kill_resume import kill_when

SCRIPT = """
def migrate(value, entry):
    if entry["key"].endswith("7"):
        return None  # left alone
    return {**value, "coins": value["coins"] * 2, "seen": entry["key"]}  # NOT idempotent
"""
#: Entries whose doubled coins break the schema's maximum are refused, never written.
CONFIG = {
    "schemas": [
        {
            "fileMatch": ["*/Players/*/*"],
            "schema": {"type": "object", "properties": {"coins": {"maximum": 500}}},
        }
    ]
}


def make(path: Path, count: int) -> None:
    engine = LocalEngine(path)
    try:
        engine.set_entries(
            [
                EntryWrite("Players", f"P{i:04d}", {"coins": i * 37 % 300}, attributes={"a": i})
                for i in range(count)
            ]
        )
    finally:
        engine.close()


async def coins(path: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    async with LocalBackend(path) as backend:
        page = await backend.list_keys("Players", limit=256)
        while True:
            for info in page.items:
                entry = await backend.get_entry("Players", info.key)
                found[info.key] = (entry.value, entry.attributes)
            if page.next_cursor is None:
                return found
            page = await backend.list_keys("Players", limit=256, cursor=page.next_cursor)


def expected_after(before: dict[str, object]) -> dict[str, object]:
    after: dict[str, object] = {}
    for key, (value, attributes) in before.items():  # type: ignore[misc]
        doubled = value["coins"] * 2
        if key.endswith("7") or doubled > 500:
            after[key] = (value, attributes)
        else:
            after[key] = ({**value, "coins": doubled, "seen": key}, attributes)
    return after


async def test_migrate_dry_run_changes_nothing_then_applies_once_with_schema_checks(
    tmp_path: Path, env: dict[str, str]
) -> None:
    store, script = tmp_path / "game.db", tmp_path / "double.py"
    make(store, 100)
    script.write_text(SCRIPT, encoding="utf-8")
    (tmp_path / ".datastore-manager.json").write_text(json.dumps(CONFIG), encoding="utf-8")
    before_digest = hashlib.sha256(store.read_bytes()).hexdigest()
    before = await coins(store)
    args = ["migrate", "Players", "--script", str(script), "--target", f"local:{store}"]

    dry = dsm(env, *args, "--dry-run", "--sample", "3", cwd=tmp_path)

    assert hashlib.sha256(store.read_bytes()).hexdigest() == before_digest
    expected = expected_after(before)
    changes = sum(1 for key in before if expected[key] != before[key])
    assert dry["counts"]["changed"] == changes and dry["counts"].get("written", 0) == 0
    invalid = 100 - 10 - changes
    assert invalid > 0 and dry["counts"]["invalid"] == invalid
    assert dry["counts"]["unchanged"] == 10
    assert len(dry["samples"]) == 3 and '"seen"' in dry["samples"][0]["diff"]

    done = dsm(env, *args, cwd=tmp_path)

    assert done["counts"]["written"] == changes
    assert await coins(store) == expected  # doubled once; metadata kept; invalid left alone
    assert "maximum" in json.dumps(done["invalid"][0]["problems"])


async def test_migrate_killed_then_resumed_applies_nothing_twice(
    tmp_path: Path, env: dict[str, str]
) -> None:
    store, script, count = tmp_path / "game.db", tmp_path / "double.py", 1200
    make(store, count)
    script.write_text(SCRIPT, encoding="utf-8")
    (tmp_path / ".datastore-manager.json").write_text(json.dumps(CONFIG), encoding="utf-8")
    before = await coins(store)
    args = ["migrate", "Players", "--script", str(script), "--target", f"local:{store}"]
    threshold = count + random.Random().randint(50, 500)  # versions: 1 each + migrated ones

    process = subprocess.Popen([*DSM, *args, "--quiet"], env=env, stdout=subprocess.DEVNULL,
                               cwd=tmp_path)  # fmt: skip
    kill_when(process, store, "SELECT count(*) FROM versions", threshold)
    dsm(env, *args, "--resume", "--quiet", cwd=tmp_path)

    assert await coins(store) == expected_after(before)  # every entry doubled exactly once
    assert max(versions_per_key(store).values()) == 2
