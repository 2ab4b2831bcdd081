"""Backup and restore throughput against a local store (entries/s).

Usage: .venv/bin/python bench/backup_throughput.py [ENTRIES]

Not yet covered (see the issue 7 report): the same run against the Open Cloud emulator with
Roblox limits on (entries/s and % of the request budget used) and search latency on 100k
entries.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from datastore_manager.backends.local import LocalBackend
from datastore_manager.backends.local.engine import LocalEngine
from datastore_manager.model import EntryWrite
from datastore_manager.services.jobs.backup import BackupJob, BackupOptions
from datastore_manager.services.jobs.restore import RestoreJob, RestoreOptions


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        source, archive, target = (Path(scratch) / n for n in ("src.db", "b.dsm", "dst.db"))
        engine = LocalEngine(source)
        engine.set_entries(
            [EntryWrite("Players", f"P{i}", {"coins": i, "pad": "x" * 200}) for i in range(count)]
        )
        engine.close()
        async with LocalBackend(source) as backend:
            started = time.perf_counter()
            await BackupJob(backend, "local:src", BackupOptions(out=archive)).run()
            backup_s = time.perf_counter() - started
        async with LocalBackend(target) as backend:  # unbound backend: no audit log
            started = time.perf_counter()
            await RestoreJob(backend, "local:dst", RestoreOptions(archive=archive)).run()
            restore_s = time.perf_counter() - started
    print(f"entries: {count}")
    print(f"backup:  {count / backup_s:,.0f} entries/s ({backup_s:.2f} s)")
    print(f"restore: {count / restore_s:,.0f} entries/s ({restore_s:.2f} s, no audit log)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5_000))
