"""Crashes: kill -9 a writer at seeded random points, then check and resume.

After every kill: the SQLite file passes ``PRAGMA integrity_check``; every write the writer
reported as committed is there; no write is half-visible (a batch is all there or not at all; an
entry holds exactly one of the values sent, never a mix); and resuming finishes with exactly
the result of an uninterrupted run (each write applied once).

Two writers: the local engine's batch writer (``set_entries``, the path of bulk imports and
restores) and the ``dsm set --match-version`` CLI with 1 MB values.
"""

from __future__ import annotations

import hashlib
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from datastore_manager.backends.local import LocalEngine
from datastore_manager.model import EntryNotFound

from ._workers import CRASH_STORE, MARKER_KEY, batch_items
from .conftest import DSM, report, stopwatch

WORKERS = Path(__file__).with_name("_workers.py")
KILL_POINTS = 24
# Enough work that no seeded kill point comes after the writer could finish, even on a fast
# idle machine (a kill after completion would test nothing).
BATCHES, BATCH_SIZE = 6000, 10
CLI_KILL_POINTS = 20


def integrity(db: Path) -> str:
    with closing(sqlite3.connect(db)) as connection:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    return ";".join(str(row[0]) for row in rows)


def wait_for_line(process: subprocess.Popen[str], expected: str, timeout: float) -> None:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.strip() == expected:
            return
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"the worker never printed {expected!r}")


def stored_batches(db: Path) -> tuple[int | None, dict[str, Any]]:
    """(the progress marker's ``next``, key → value of every batch item) read from the file."""
    engine = LocalEngine(db)
    try:
        try:
            marker = engine.get_entry(CRASH_STORE, MARKER_KEY).value
            assert isinstance(marker, dict)
            following: int | None = int(marker["next"])  # type: ignore[arg-type]
        except EntryNotFound:
            following = None
        values: dict[str, Any] = {}
        cursor: str | None = None
        while True:
            page = engine.list_keys(CRASH_STORE, cursor=cursor, limit=500)
            for info in page.items:
                if info.key != MARKER_KEY:
                    values[info.key] = engine.get_entry(CRASH_STORE, info.key).value
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        return following, values
    finally:
        engine.close()


def expected_through(batches: int) -> dict[str, Any]:
    expected: dict[str, Any] = {}
    for batch in range(batches):
        expected |= batch_items(batch, BATCH_SIZE)
    return expected


def test_kill_9_batch_writer_at_24_seeded_points(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    LocalEngine(db).close()
    rng = random.Random(20240901)
    committed_max = -1
    progress: list[int] = []
    with stopwatch() as timing:
        for _ in range(KILL_POINTS):
            worker = subprocess.Popen(
                [sys.executable, str(WORKERS), "batch", str(db), str(BATCHES), str(BATCH_SIZE)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            wait_for_line(worker, "ready", timeout=60)
            time.sleep(rng.uniform(0.0, 0.25))
            worker.send_signal(signal.SIGKILL)
            out, _ = worker.communicate(timeout=30)
            assert worker.returncode == -signal.SIGKILL, "the writer finished before the kill"
            reported = [int(line.split()[1]) for line in out.splitlines() if line]
            committed_max = max([committed_max, *reported])

            assert integrity(db) == "ok"
            following, values = stored_batches(db)
            done = following or 0
            assert done > committed_max, f"batch {committed_max} was reported but is lost"
            assert values == expected_through(done), "a partial or foreign batch is visible"
            progress.append(done)
        finisher = subprocess.run(
            [sys.executable, str(WORKERS), "batch", str(db), str(BATCHES), str(BATCH_SIZE)],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert finisher.returncode == 0, finisher.stderr
    following, values = stored_batches(db)
    report(
        "crashes.batch_writer",
        kill_points=KILL_POINTS,
        batches_done_after_each_kill=progress,
        seconds=timing["seconds"],
    )
    assert integrity(db) == "ok"
    assert following == BATCHES
    assert values == expected_through(BATCHES)
    assert progress == sorted(progress), "progress went backwards after a crash"
    assert progress[-1] < BATCHES, "every kill must land before the work is done"
    with closing(LocalEngine(db)) as engine:  # resuming never wrote anything twice
        for key in (f"batch-{b:05d}-item-00" for b in range(0, BATCHES, 37)):
            assert len(engine.list_versions(CRASH_STORE, key).items) == 1


def payload(step: int) -> bytes:
    """A ~1 MB JSON value, different for every step."""
    body = {"step": step, "blob": [f"{step:04d}-{n:06d}-" + "y" * 40 for n in range(20_000)]}
    return json.dumps(body).encode()


def cli_set(db: Path, value_file: Path, match: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            *DSM,
            "--json",
            "--target",
            f"local:{db}",
            "set",
            CRASH_STORE,
            "save",
            "--file",
            str(value_file),
            "--match-version",
            match,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def latest(db: Path) -> tuple[str, str, int]:
    """(version, md5 of the value's canonical JSON, number of versions) of the entry."""
    with closing(LocalEngine(db)) as engine:
        entry = engine.get_entry(CRASH_STORE, "save")
        count = len(engine.list_versions(CRASH_STORE, "save", limit=1000).items)
    return entry.version, canonical_md5(entry.value), count


def canonical_md5(value: Any) -> str:
    return hashlib.md5(json.dumps(value, sort_keys=True).encode()).hexdigest()


def test_kill_9_dsm_set_at_20_seeded_points(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    with closing(LocalEngine(db)) as engine:
        engine.set_entry(CRASH_STORE, "save", {"step": -1})
    rng = random.Random(77)
    outcomes = {"applied_before_kill": 0, "not_applied": 0}
    with stopwatch() as timing:
        for step in range(CLI_KILL_POINTS):
            value_file = tmp_path / f"value-{step}.json"
            value_file.write_bytes(payload(step))
            ours = canonical_md5(json.loads(value_file.read_bytes()))
            before_version, before_md5, before_count = latest(db)
            started = cli_set(db, value_file, before_version)
            time.sleep(rng.uniform(0.3, 3.5))  # interpreter start, parse, limits, commit
            started.send_signal(signal.SIGKILL)
            started.communicate(timeout=30)

            assert integrity(db) == "ok"
            version, md5, count = latest(db)
            if version == before_version:  # not applied: nothing of it is visible
                assert (md5, count) == (before_md5, before_count)
                outcomes["not_applied"] += 1
            else:  # applied: all of it, exactly once
                assert (md5, count) == (ours, before_count + 1)
                outcomes["applied_before_kill"] += 1
            # Resume: the same conditional write again. Applied already → a conflict, else OK.
            resumed = cli_set(db, value_file, before_version)
            _out, err = resumed.communicate(timeout=120)
            assert resumed.returncode == (0 if version == before_version else 3), err
            _after_version, after_md5, after_count = latest(db)
            assert (after_md5, after_count) == (ours, before_count + 1)
    report("crashes.dsm_set", kill_points=CLI_KILL_POINTS, **outcomes, seconds=timing["seconds"])
    assert latest(db)[2] == CLI_KILL_POINTS + 1, "one version per step: nothing applied twice"


# ---- dsm restore, killed and resumed --------------------------------------------------------

RESTORE_ENTRIES = 6000  # enough that 20 kill points all land inside the write phase
RESTORE_KILL_POINTS = 20


def restore_fingerprint(db: Path) -> dict[str, tuple[str, int]]:
    """key → (md5 of the canonical value, number of versions) of every entry of store R."""
    found: dict[str, tuple[str, int]] = {}
    with closing(LocalEngine(db)) as engine:
        cursor: str | None = None
        while True:
            page = engine.list_keys("R", cursor=cursor, limit=500)
            for info in page.items:
                value = engine.get_entry("R", info.key).value
                versions = len(engine.list_versions("R", info.key, limit=10).items)
                found[info.key] = (canonical_md5(value), versions)
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor


def entry_count(db: Path) -> int:
    if not db.exists():
        return 0
    with closing(sqlite3.connect(db, timeout=30)) as connection:
        return int(connection.execute("SELECT count(*) FROM entries").fetchone()[0])


def wait_for_writes(db: Path, *, before: int, process: subprocess.Popen[str]) -> None:
    """Block until the restore has committed something new (its write phase has begun)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if entry_count(db) > before:
                return
        except sqlite3.OperationalError:  # the file or its tables are being created
            pass
        time.sleep(0.05)
    raise AssertionError(f"dsm restore wrote nothing new (exit code {process.poll()})")


def test_kill_9_dsm_restore_at_20_seeded_points_then_resume(tmp_path: Path) -> None:
    from datastore_manager.model import EntryWrite

    source, target, archive = tmp_path / "src.db", tmp_path / "dst.db", tmp_path / "b.dsm"
    with closing(LocalEngine(source)) as engine:
        for start in range(0, RESTORE_ENTRIES, 500):
            engine.set_entries(
                [
                    EntryWrite("R", f"k{n:05d}", {"n": n, "pad": "p" * (n % 700)})
                    for n in range(start, start + 500)
                ]
            )
    backup = subprocess.run(
        [*DSM, "--json", "backup", "--out", str(archive), "--quiet", "--target", f"local:{source}"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert backup.returncode == 0, backup.stderr
    expected = {key: (md5, 1) for key, (md5, _) in restore_fingerprint(source).items()}
    state = Path(f"{archive}.restore-state.json")
    command = [*DSM, "--json", "restore", str(archive), "--quiet", "--target", f"local:{target}"]
    rng = random.Random(4242)
    restored_after_kill: list[int] = []
    with stopwatch() as timing:
        for _ in range(RESTORE_KILL_POINTS):
            run = subprocess.Popen(
                command + (["--resume"] if state.exists() else []),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            wait_for_writes(target, before=entry_count(target), process=run)
            time.sleep(rng.uniform(0.0, 0.3))  # a seeded point inside the write phase
            run.send_signal(signal.SIGKILL)
            run.communicate(timeout=30)
            if not target.exists():
                restored_after_kill.append(0)
                continue
            assert integrity(target) == "ok"
            now = restore_fingerprint(target)
            # Whatever is there is complete and written once: a prefix of the final result.
            assert {key: now[key] for key in now} == {key: expected[key] for key in now}
            restored_after_kill.append(len(now))
        final = subprocess.run(
            command + (["--resume"] if state.exists() else []),
            capture_output=True,
            text=True,
            timeout=900,
        )
    report(
        "crashes.dsm_restore",
        entries=RESTORE_ENTRIES,
        kill_points=RESTORE_KILL_POINTS,
        restored_after_each_kill=restored_after_kill,
        seconds=timing["seconds"],
    )
    assert final.returncode == 0, final.stderr
    assert integrity(target) == "ok"
    assert restore_fingerprint(target) == expected, "the resumed restore differs from the source"
    assert restored_after_kill[-1] < RESTORE_ENTRIES, "every kill must land before the end"
