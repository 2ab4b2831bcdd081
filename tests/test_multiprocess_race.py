"""Two OS processes race read → modify → conditional write on one key of one SQLite file.

Each worker (this file run as a script) adds 1 to a JSON counter 500 times, writing with
``match_version`` set to the version it read and retrying on PreconditionFailed. If the
engine's conditional write were not atomic across processes, increments would be lost.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

STORE, KEY = "Race", "counter"
INCREMENTS_PER_WORKER = 500
WORKERS = 2


async def run_worker(path: Path, go_file: Path, name: str) -> dict[str, int]:
    from datastore_manager.backends.local import LocalBackend
    from datastore_manager.model import PreconditionFailed

    applied = conflicts = 0
    async with LocalBackend(path) as backend:
        while not go_file.exists():  # start together, so the writes really interleave
            await asyncio.sleep(0.001)
        while applied < INCREMENTS_PER_WORKER:
            seen = await backend.get_entry(STORE, KEY)
            value = dict(seen.value)
            value["count"] += 1
            value["last_writer"] = name
            try:
                await backend.set_entry(STORE, KEY, value, match_version=seen.version)
            except PreconditionFailed:
                conflicts += 1
                continue
            applied += 1
    return {"applied": applied, "conflicts": conflicts}


async def create_counter(path: Path) -> str:
    from datastore_manager.backends.local import LocalBackend

    async with LocalBackend(path) as backend:
        return (await backend.set_entry(STORE, KEY, {"count": 0})).version


async def read_outcome(path: Path) -> tuple[int, list[str], int]:
    from datastore_manager.backends.local import LocalBackend

    async with LocalBackend(path) as backend:
        entry = await backend.get_entry(STORE, KEY)
        versions: list[str] = []
        cursor: str | None = None
        while True:
            page = await backend.list_versions(STORE, KEY, cursor=cursor, limit=100)
            versions.extend(info.version for info in page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        return entry.value["count"], versions, len(versions)


def test_two_processes_lose_no_increment(tmp_path: Path) -> None:
    db, go_file = tmp_path / "race.db", tmp_path / "go"
    initial_version = asyncio.run(create_counter(db))
    workers = [
        subprocess.Popen(
            [sys.executable, __file__, str(db), str(go_file), f"worker-{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    time.sleep(0.5)  # both open the file and wait at the start line
    go_file.touch()
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, f"worker failed:\n{err}"
        reports.append(json.loads(out.strip().splitlines()[-1]))

    count, versions, version_count = asyncio.run(read_outcome(db))
    print(f"race outcome: {reports}")  # shown with -s / on failure: how often writers collided

    total = WORKERS * INCREMENTS_PER_WORKER
    assert [report["applied"] for report in reports] == [INCREMENTS_PER_WORKER] * WORKERS
    assert count == total
    assert version_count == total + 1, "one version per applied write, plus the initial one"
    assert versions[0] == initial_version
    assert len(set(versions)) == version_count
    assert sum(report["conflicts"] for report in reports) > 0, "the writers never collided"


if __name__ == "__main__":
    db_path, go_path, worker_name = sys.argv[1:4]
    outcome = asyncio.run(run_worker(Path(db_path), Path(go_path), worker_name))
    print(json.dumps(outcome))
