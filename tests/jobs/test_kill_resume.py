"""kill -9 in the middle of a backup and of a restore, then ``--resume``: identical result, nothing
read again (backup) and nothing written twice (restore: every key keeps exactly one version)."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import time
from pathlib import Path

from datastore_manager.backends.local import LocalBackend
from datastore_manager.backends.snapshot import SnapshotBackend

from .conftest import DSM, contents, dsm, make_store

BACKUP_ENTRIES = 5_000
#: Restores are bounded by the audit log (two fsyncs per audited write, ~50 writes/s here),
#: so the restore crash test uses fewer entries to stay fast; the logic does not depend on size.
RESTORE_ENTRIES = 800


def count_rows(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def kill_when(process: subprocess.Popen[bytes], db: Path, sql: str, threshold: int) -> int:
    """SIGKILL ``process`` once ``sql`` counts at least ``threshold`` rows; returns the count."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the job finished before it could be killed; raise the size")
        if count_rows(db, sql) >= threshold:
            process.kill()  # SIGKILL: no cleanup, no final checkpoint
            process.wait()
            return count_rows(db, sql)
        time.sleep(0.02)
    raise AssertionError("the job made no progress")


async def test_backup_killed_then_resumed_is_complete_and_reads_nothing_twice(
    tmp_path: Path, env: dict[str, str]
) -> None:
    source, archive = tmp_path / "src.db", tmp_path / "b.dsm"
    make_store(source, BACKUP_ENTRIES)
    args = ["backup", "--target", f"local:{source}", "--out", str(archive), "--quiet"]
    threshold = random.Random().randint(BACKUP_ENTRIES // 10, BACKUP_ENTRIES * 6 // 10)

    process = subprocess.Popen([*DSM, *args], env=env, stdout=subprocess.DEVNULL)
    archived = kill_when(process, archive, "SELECT count(*) FROM entries", threshold)
    resumed = dsm(env, *args, "--resume")

    assert 0 < archived < BACKUP_ENTRIES
    assert resumed["counts"]["resumedWith"] == archived
    assert resumed["counts"]["entries"] == BACKUP_ENTRIES - archived  # read only what was missing
    assert resumed["manifest"]["counts"]["entries"] == BACKUP_ENTRIES
    async with LocalBackend(source) as original, SnapshotBackend(archive) as backup:
        assert await contents(backup) == await contents(original)


async def test_restore_killed_then_resumed_writes_each_entry_exactly_once(
    tmp_path: Path, env: dict[str, str]
) -> None:
    source, archive, target = tmp_path / "src.db", tmp_path / "b.dsm", tmp_path / "dst.db"
    make_store(source, RESTORE_ENTRIES)
    dsm(env, "backup", "--target", f"local:{source}", "--out", str(archive))
    args = ["restore", str(archive), "--target", f"local:{target}", "--quiet"]
    threshold = random.Random().randint(RESTORE_ENTRIES // 10, RESTORE_ENTRIES // 2)

    process = subprocess.Popen([*DSM, *args], env=env, stdout=subprocess.DEVNULL)
    written = kill_when(process, target, "SELECT count(*) FROM versions", threshold)
    resumed = dsm(env, *args, "--resume")

    assert 0 < written < RESTORE_ENTRIES
    assert resumed["counts"]["processed"] >= RESTORE_ENTRIES
    total_versions = count_rows(target, "SELECT count(*) FROM versions")
    assert total_versions == RESTORE_ENTRIES  # one version per key: nothing written twice
    async with LocalBackend(source) as original, LocalBackend(target) as restored:
        assert await contents(restored) == await contents(original)
