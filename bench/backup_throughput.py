"""Backup / restore throughput (entries/s) and request-budget use.

Usage: .venv/bin/python bench/backup_throughput.py [ENTRIES] [EMULATOR_ENTRIES]

1. Local store, in-process jobs (no audit log): backup and restore of ENTRIES (default 5,000).
2. Through the real CLI with the audit log on (every write audited): ``dsm restore`` into an
   empty store (all "new") and into a store where every entry differs ("changed").
3. Open Cloud: ``dsm emulator`` with Roblox's limits ON (300 requests/min per category), a
   backup of EMULATOR_ENTRIES (default 60) through the budgeted client: entries/s and the
   highest share of the request budget used (bulk jobs may use at most 50 %).

Search latency on 100k entries: bench/search.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from datastore_manager.backends.local import LocalBackend
from datastore_manager.backends.local.engine import LocalEngine
from datastore_manager.model import EntryWrite, parse_target
from datastore_manager.services.jobs.backup import BackupJob, BackupOptions
from datastore_manager.services.jobs.base import Progress
from datastore_manager.services.jobs.restore import RestoreJob, RestoreOptions

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
DSM = [sys.executable, "-m", "datastore_manager.cli.main"]


def fill(path: Path, count: int, coins: int = 0) -> None:
    engine = LocalEngine(path)
    engine.set_entries(
        [
            EntryWrite("Players", f"P{i}", {"coins": i + coins, "pad": "x" * 200})
            for i in range(count)
        ]
    )
    engine.close()


async def local_jobs(scratch: Path, count: int) -> None:
    source, archive, target = scratch / "src.db", scratch / "b.dsm", scratch / "dst.db"
    fill(source, count)
    async with LocalBackend(source) as backend:
        started = time.perf_counter()
        await BackupJob(backend, "local:src", BackupOptions(out=archive)).run()
        backup_s = time.perf_counter() - started
    async with LocalBackend(target) as backend:  # unbound backend: no audit log
        started = time.perf_counter()
        await RestoreJob(backend, "local:dst", RestoreOptions(archive=archive)).run()
        restore_s = time.perf_counter() - started
    print(f"local backup:  {count / backup_s:8,.0f} entries/s ({backup_s:.2f} s, {count} entries)")
    print(f"local restore: {count / restore_s:8,.0f} entries/s ({restore_s:.2f} s, no audit log)")


def cli_restores(scratch: Path, count: int) -> None:
    env = {**os.environ, "DSM_AUDIT_DIR": str(scratch / "audit")}
    changed, source, archive = scratch / "old.db", scratch / "cli-src.db", scratch / "cli.dsm"
    fill(changed, count, coins=1)  # written BEFORE the backup: every entry "changed"
    fill(source, count)
    backup = [*DSM, "backup", "--target", f"local:{source}", "--out", str(archive)]
    subprocess.run([*backup, "--quiet"], env=env, check=True, capture_output=True)
    for name, target in (("new", scratch / "cli-empty.db"), ("changed", changed)):
        started = time.perf_counter()
        restore = [*DSM, "restore", str(archive), "--target", f"local:{target}", "--json"]
        done = subprocess.run([*restore, "--quiet"], env=env, check=True, capture_output=True)
        seconds = time.perf_counter() - started
        counts = json.loads(done.stdout)["counts"]
        print(f"cli restore ({name:7s}): {count / seconds:6,.0f} entries/s incl. process start "
              f"({seconds:.2f} s; written {counts.get('written', 0)}, audited)")  # fmt: skip


async def emulator_backup(scratch: Path, count: int) -> None:
    from datastore_manager.backends.opencloud import open_opencloud
    from support.emulator import running_emulator

    folder = scratch / "cloud"
    folder.mkdir()
    fill(folder / "universe-777.db", count)
    with running_emulator(folder, api_keys=["bench=*"], rate_limits="roblox") as url:
        backend = open_opencloud(parse_target("opencloud:777"), api_key="bench", base_url=url,
                                 use_cache=False)  # fmt: skip
        job = BackupJob(backend, "opencloud:777", BackupOptions(out=scratch / "cloud.dsm"))
        peak = [0.0]

        def watch(event: Progress) -> None:
            peak[0] = max(peak[0], event.budget_used or 0.0)

        job.subscribe(watch)
        started = time.perf_counter()
        async with backend:
            summary = await job.run()
        seconds = time.perf_counter() - started
    entries = summary.counts.get("entries", 0)
    print(f"emulator backup (Roblox limits on): {entries / seconds:5.1f} entries/s "
          f"({entries} entries in {seconds:.1f} s), peak budget use {peak[0]:.0%} "
          "of the busiest category (bulk share 50 %)")  # fmt: skip


def main(count: int, emulator_count: int) -> None:
    with tempfile.TemporaryDirectory(dir=ROOT) as scratch:  # a real disk, not tmpfs
        asyncio.run(local_jobs(Path(scratch), count))
        cli_restores(Path(scratch), min(count, 1_000))
        asyncio.run(emulator_backup(Path(scratch), emulator_count))


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    main(*(arguments + [5_000, 60][len(arguments) :]))
