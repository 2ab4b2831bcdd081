"""Backup → restore through the real CLI: identical data, honest dry runs, conflict policies."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema

from datastore_manager.backends.local import LocalBackend
from datastore_manager.backends.snapshot import SnapshotBackend
from datastore_manager.services.jobs.apply import Outcome

from .conftest import contents, dsm

ROOT = Path(__file__).resolve().parents[2]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_demo_backup_restored_into_an_empty_store_is_md5_identical(
    tmp_path: Path, env: dict[str, str]
) -> None:
    demo, archive, empty = tmp_path / "demo.db", tmp_path / "demo.dsm", tmp_path / "empty.db"
    dsm(env, "demo", str(demo))

    backup = dsm(env, "backup", "--target", f"local:{demo}", "--out", str(archive))
    restored = dsm(env, "restore", str(archive), "--target", f"local:{empty}")

    async with LocalBackend(demo) as source, LocalBackend(empty) as target:
        expected, actual = await contents(source), await contents(target)
    assert len(expected) > 1000  # standard and ordered entries of the demo
    assert actual == expected
    assert backup["manifest"]["complete"] is True
    schema = json.loads((ROOT / "schemas/snapshot-manifest.schema.json").read_text())
    jsonschema.validate(backup["manifest"], schema)
    assert backup["manifest"]["counts"]["entries"] == restored["counts"]["new"]
    assert restored["counts"]["written"] == len(expected)
    # Reading the archive as a backend shows the same data again.
    async with SnapshotBackend(archive) as snapshot:
        assert await contents(snapshot) == expected
    assert dsm(env, "backup", "verify", str(archive))["versionsChecked"] > 0


async def test_encrypted_backup_hides_values_and_restores_identically(
    tmp_path: Path, env: dict[str, str]
) -> None:
    demo, archive, empty = tmp_path / "demo.db", tmp_path / "enc.dsm", tmp_path / "empty.db"
    dsm(env, "demo", str(demo))

    dsm(env, "backup", "--target", f"local:{demo}", "--out", str(archive), "--encrypt")
    dsm(env, "restore", str(archive), "--target", f"local:{empty}")

    raw = archive.read_bytes()
    assert b"ActiveSession" not in raw and b"LastUpdate" not in raw  # profile fields hidden
    async with LocalBackend(demo) as source, LocalBackend(empty) as target:
        assert await contents(target) == await contents(source)
    wrong_key = {**env, "DSM_BACKUP_KEY": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="}
    refused = dsm(wrong_key, "restore", str(archive), "--target", f"local:{empty}", check=False)
    assert refused["_exit"] != 0 and "key" in refused["error"]["message"]


async def test_dry_run_changes_nothing_and_classifies_every_entry(
    tmp_path: Path, env: dict[str, str]
) -> None:
    demo, archive = tmp_path / "demo.db", tmp_path / "demo.dsm"
    dsm(env, "demo", str(demo))
    dsm(env, "backup", "--target", f"local:{demo}", "--out", str(archive), "--stores", "Game*")
    target = f"local:{demo}"
    dsm(env, "set", "GameSettings", "NewKey", "--value", "1", "--target", target)
    before = file_digest(demo)

    plan = dsm(env, "restore", str(archive), "--target", target, "--dry-run", "--diff", "5")

    assert file_digest(demo) == before
    counts = plan["counts"]
    assert counts.get(Outcome.UNCHANGED.value, 0) == counts["processed"]
    assert counts.get("written", 0) == 0


async def test_conflicts_are_skipped_by_default_and_overwritten_on_request(
    tmp_path: Path, env: dict[str, str]
) -> None:
    store, archive = tmp_path / "game.db", tmp_path / "game.dsm"
    target = f"local:{store}"
    dsm(env, "set", "S", "a", "--value", '{"coins": 1}', "--target", target)
    dsm(env, "set", "S", "b", "--value", '{"coins": 2}', "--target", target)
    dsm(env, "backup", "--target", target, "--out", str(archive))
    dsm(env, "set", "S", "a", "--value", '{"coins": 999}', "--target", target)  # after backup

    dry = dsm(env, "restore", str(archive), "--target", target, "--dry-run", "--diff", "3")
    skipped = dsm(env, "restore", str(archive), "--target", target)
    failed = dsm(env, "restore", str(archive), "--target", target, "--on-conflict", "fail",
                 check=False)  # fmt: skip
    overwritten = dsm(env, "restore", str(archive), "--target", target, "--on-conflict",
                      "overwrite")  # fmt: skip

    assert dry["counts"]["conflicting"] == 1 and dry["counts"]["unchanged"] == 1
    assert '"coins": 999' in dry["diffs"][0]["diff"]
    assert skipped["counts"]["skippedConflicts"] == 1 and skipped["counts"].get("written", 0) == 0
    assert failed["_exit"] == 3
    assert overwritten["counts"]["written"] == 1
    got = dsm(env, "get", "S", "a", "--target", target)
    assert got["value"] == {"coins": 1}
    versions = dsm(env, "versions", "S", "a", "--target", target)
    assert len(versions["versions"]) == 3  # history kept: 1, 999, then the restored 1
