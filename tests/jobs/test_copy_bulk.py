"""``dsm copy`` and ``dsm bulk set|delete`` through the real CLI: identical copies, honest dry
runs, idempotent re-runs, and kill -9 + ``--resume`` that writes nothing twice."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
from pathlib import Path

from datastore_manager.backends.local import LocalBackend

from .conftest import DSM, contents, dsm, make_store, versions_per_key
from .test_kill_resume import kill_when


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_copy_of_the_demo_is_identical_and_a_resumed_rerun_writes_nothing(
    tmp_path: Path, env: dict[str, str]
) -> None:
    demo, copy, via = tmp_path / "demo.db", tmp_path / "copy.db", tmp_path / "via.dsm"
    dsm(env, "demo", str(demo))
    args = ["copy", "--from", f"local:{demo}", "--to", f"local:{copy}", "--via", str(via)]

    first = dsm(env, *args, "--quiet")
    refused = dsm(env, *args, check=False)  # the via file exists: resume or pass another
    again = dsm(env, *args, "--resume", "--quiet")

    async with LocalBackend(demo) as source, LocalBackend(copy) as target:
        expected = await contents(source)
        assert await contents(target) == expected  # standard and ordered entries
    standard = sum(1 for name in expected if not name.startswith("ordered:"))
    assert first["counts"]["new"] == standard and first["counts"]["written"] == len(expected)
    assert refused["_exit"] == 2
    # The resumed run finds both halves finished: its counts are the first run's, and every
    # key still has exactly one version.
    assert again["counts"]["written"] == first["counts"]["written"]
    assert again["counts"]["read.alreadyComplete"] == 1
    assert set(versions_per_key(copy).values()) == {1}


async def test_copy_dry_run_changes_nothing(tmp_path: Path, env: dict[str, str]) -> None:
    source, target = tmp_path / "a.db", tmp_path / "b.db"
    make_store(source, 30)
    make_store(target, 10)
    before = digest(target)

    plan = dsm(env, "copy", "--from", f"local:{source}", "--to", f"local:{target}", "--via",
               str(tmp_path / "v.dsm"), "--dry-run", "--diff", "2")  # fmt: skip

    assert digest(target) == before
    assert plan["counts"]["new"] == 20 and plan["counts"]["unchanged"] == 10
    assert len(plan["diffs"]) == 2


def write_lines(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


async def test_bulk_set_and_delete_dry_run_then_apply_then_idempotent(
    tmp_path: Path, env: dict[str, str]
) -> None:
    store = tmp_path / "game.db"
    make_store(store, 120)
    target = ["--target", f"local:{store}", "--quiet"]
    exported = tmp_path / "export.jsonl"
    dsm(env, "export", "--out", str(exported), *target)
    rows = [json.loads(line) for line in exported.read_text().splitlines()]
    for row in rows[:80]:
        row["value"]["coins"] += 1000  # an edit of 80 of the exported rows
    edits = write_lines(tmp_path / "edits.jsonl", rows)
    deletes = write_lines(tmp_path / "deletes.jsonl", [{"store": "Players", "key": r["key"]}
                                                       for r in rows[100:]])  # fmt: skip
    before = digest(store)

    dry_set = dsm(env, "bulk", "set", "--from", str(edits), "--dry-run", *target)
    dry_delete = dsm(env, "bulk", "delete", "--from", str(deletes), "--dry-run", *target)
    assert digest(store) == before  # dry runs change nothing
    assert dry_set["counts"]["changed"] == 80 and dry_set["counts"]["unchanged"] == 40
    assert dry_delete["counts"]["toDelete"] == 20

    done = dsm(env, "bulk", "set", "--from", str(edits), *target)
    repeat = dsm(env, "bulk", "set", "--from", str(edits), "--state", str(tmp_path / "s"), *target)
    deleted = dsm(env, "bulk", "delete", "--from", str(deletes), *target)
    repeat_delete = dsm(env, "bulk", "delete", "--from", str(deletes), "--state",
                        str(tmp_path / "d"), *target)  # fmt: skip

    assert done["counts"]["written"] == 80 and deleted["counts"]["deleted"] == 20
    assert repeat["counts"].get("written", 0) == 0 and repeat["counts"]["unchanged"] == 120
    assert repeat_delete["counts"].get("deleted", 0) == 0
    assert repeat_delete["counts"]["alreadyDeleted"] == 20
    async with LocalBackend(store) as backend:
        got = await backend.get_entry("Players", rows[0]["key"])
    assert got.value == rows[0]["value"] and got.attributes == rows[0]["attributes"]
    versions = versions_per_key(store)
    assert versions[f"Players/global/{rows[0]['key']}"] == 2
    assert versions[f"Players/global/{rows[110]['key']}"] == 2  # value, then a tombstone
    assert versions[f"Players/global/{rows[90]['key']}"] == 1  # untouched


async def test_bulk_set_killed_then_resumed_writes_each_line_once(
    tmp_path: Path, env: dict[str, str]
) -> None:
    store, count = tmp_path / "game.db", 600
    lines = [{"store": "Bulk", "key": f"K{i:04d}", "value": {"n": i}} for i in range(count)]
    source = write_lines(tmp_path / "lines.jsonl", lines)
    args = ["bulk", "set", "--from", str(source), "--target", f"local:{store}", "--quiet"]
    threshold = random.Random().randint(count // 10, count // 2)

    process = subprocess.Popen([*DSM, *args], env=env, stdout=subprocess.DEVNULL)
    written = kill_when(process, store, "SELECT count(*) FROM versions", threshold)
    resumed = dsm(env, *args, "--resume")

    assert 0 < written < count
    versions = versions_per_key(store)
    assert len(versions) == count and set(versions.values()) == {1}  # nothing written twice
    assert resumed["counts"]["processed"] >= count
