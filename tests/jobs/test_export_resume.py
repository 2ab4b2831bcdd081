"""``dsm export --resume``: kill -9 mid-export then resume gives the same file as an export
that was never interrupted (no row lost, none twice); a finished export resumes as a no-op;
other options are refused with nothing changed; an expired cursor falls back to skipping rows
the file already holds."""

from __future__ import annotations

import json
import random
import subprocess
import time
from pathlib import Path

import pytest

from datastore_manager.backends.local import LocalBackend
from datastore_manager.services.jobs.base import JobCancelled
from datastore_manager.services.jobs.export import ExportFormat, ExportJob, ExportOptions

from .conftest import DSM, dsm, make_store

ENTRIES = 3_000


async def reference_export(store: Path, out: Path, fmt: ExportFormat = "jsonl") -> bytes:
    """The file an uninterrupted export writes."""
    async with LocalBackend(store) as backend:
        await ExportJob(backend, ExportOptions(out=out, format=fmt)).run()
    return out.read_bytes()


def lines_of(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


async def test_export_killed_then_resumed_equals_an_uninterrupted_export(
    tmp_path: Path, env: dict[str, str]
) -> None:
    store, out = tmp_path / "game.db", tmp_path / "out.jsonl"
    make_store(store, ENTRIES)
    expected = await reference_export(store, tmp_path / "reference.jsonl")
    args = ["export", "--target", f"local:{store}", "--out", str(out), "--quiet"]
    partial = tmp_path / "out.jsonl.partial"
    threshold = random.Random().randint(ENTRIES // 10, ENTRIES // 2)

    process = subprocess.Popen([*DSM, *args], env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while lines_of(partial) < threshold:
        assert process.poll() is None, "the export finished before it could be killed"
        assert time.monotonic() < deadline, "the export made no progress"
        time.sleep(0.01)
    process.kill()  # SIGKILL: no cleanup, maybe mid-page (rows after the last checkpoint)
    process.wait()
    written = lines_of(partial)
    assert 0 < written < ENTRIES and not out.exists()

    before = partial.read_bytes()
    other = dsm(env, *args, "--format", "csv", "--resume", check=False)
    assert other["_exit"] == 2 and "--format jsonl" in other["error"]["message"]
    assert partial.read_bytes() == before  # a refused resume changes nothing

    resumed = dsm(env, *args, "--resume")

    data = out.read_bytes()
    assert data == expected  # same rows, same order
    rows = data.splitlines()
    assert len(rows) == len(set(rows)) == ENTRIES
    assert resumed["counts"]["resumedWith"] <= written
    assert resumed["counts"]["resumedWith"] + resumed["counts"]["processed"] == ENTRIES
    assert not partial.exists() and not (tmp_path / "out.jsonl.export-state.json").exists()

    again = dsm(env, *args, "--resume")
    assert again["alreadyComplete"] is True and "already complete" in again["message"]
    assert out.read_bytes() == expected


async def test_csv_export_cancelled_then_resumed_after_an_expired_cursor(tmp_path: Path) -> None:
    store, out = tmp_path / "game.db", tmp_path / "out.csv"
    make_store(store, 700)
    expected = await reference_export(store, tmp_path / "reference.csv", "csv")
    options = ExportOptions(out=out, format="csv", resume=True)  # nothing to resume: starts
    state_file = tmp_path / "out.csv.export-state.json"

    async with LocalBackend(store) as backend:
        job = ExportJob(backend, options)
        job.subscribe(lambda event: job.cancel())  # stops after the first page
        with pytest.raises(JobCancelled):
            await job.run()
        # A torn row after the checkpoint, and a saved cursor the service no longer accepts.
        with open(tmp_path / "out.csv.partial", "a", encoding="utf-8") as handle:
            handle.write("Players,global,Player_9")
        saved = json.loads(state_file.read_text())
        assert saved["state"]["rows"] == 256 and saved["state"]["cursor"]
        saved["state"]["cursor"] = "expired"
        state_file.write_text(json.dumps(saved))

        resumed = await ExportJob(backend, ExportOptions(out=out, format="csv", resume=True)).run()

    assert out.read_bytes() == expected
    assert resumed.counts["resumedWith"] == 256
    assert resumed.counts["skippedAlreadyExported"] == 256
    assert resumed.counts["processed"] == 700 - 256
