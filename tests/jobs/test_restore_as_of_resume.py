"""A restore-as-of cancelled after its first checkpoint (as Ctrl-C does) and resumed writes
every key back exactly once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from datastore_manager.backends.local import LocalBackend
from datastore_manager.model import utc_now
from datastore_manager.services.jobs.base import JobCancelled, Progress
from datastore_manager.services.jobs.restore_as_of import RestoreAsOfJob, RestoreAsOfOptions

from .conftest import contents, make_store, versions_per_key

COUNT = 300


async def test_cancelled_restore_as_of_resumes_and_writes_each_key_once(tmp_path: Path) -> None:
    store = tmp_path / "game.db"
    make_store(store, COUNT)
    async with LocalBackend(store) as backend:
        before = await contents(backend)
    time.sleep(0.01)
    when = utc_now()
    time.sleep(0.01)
    async with LocalBackend(store) as game:  # the bad update: every key
        for i in range(COUNT):
            await game.set_entry("Players", f"Player_{i:05d}", {"coins": -1})
    options = RestoreAsOfOptions(as_of=when, state_file=tmp_path / "state.json")

    async with LocalBackend(store) as backend:
        first = RestoreAsOfJob(backend, "local:game", options)

        def stop_once_restoring(event: Progress) -> None:
            if event.phase == "restoring":
                first.cancel()

        first.subscribe(stop_once_restoring)
        with pytest.raises(JobCancelled):
            await first.run()
        written_first = first.counts["written"]
        again = RestoreAsOfOptions(as_of=when, state_file=options.state_file, resume=True)
        resumed = await RestoreAsOfJob(backend, "local:game", again).run()
        after = await contents(backend)

    assert 0 < written_first < COUNT
    assert resumed.counts["written"] == COUNT  # counts carry over from the checkpoint
    assert after == before  # values AND metadata (the bad update had cleared them)
    assert set(versions_per_key(store).values()) == {3}  # original, bad, restored: once each
