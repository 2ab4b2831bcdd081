"""The snapshot archive backend: read tests run on an all-versions backup of a seeded store."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TypeVar

from datastore_manager.backends.base import DataStoreBackend

from .base import FULL_HISTORY, LIST_ORDERED_STORES, ORDERED, Seed, seed_local_store

T = TypeVar("T")


class SnapshotFactory:
    name = "snapshot"
    writable = False
    capabilities = frozenset({FULL_HISTORY, ORDERED, LIST_ORDERED_STORES})

    @contextlib.contextmanager
    def session(self) -> contextlib.AbstractContextManager[None]:  # type: ignore[misc]
        yield

    def fresh(self, workdir: Path) -> contextlib.AbstractAsyncContextManager[DataStoreBackend]:
        raise NotImplementedError("a snapshot archive is read-only")

    @contextlib.asynccontextmanager
    async def seeded(
        self, workdir: Path, seed: Seed[T]
    ) -> AsyncIterator[tuple[DataStoreBackend, T]]:
        from datastore_manager.backends.local import LocalBackend
        from datastore_manager.backends.snapshot import SnapshotBackend
        from datastore_manager.services.jobs.backup import BackupJob, BackupOptions

        source = workdir / "seeded.db"
        remembered = await seed_local_store(source, seed)
        archive = workdir / "seeded.dsm"
        async with LocalBackend(source) as backend:
            scopes = _ordered_scopes(source)
            options = BackupOptions(out=archive, all_versions=True, ordered_scopes=scopes)
            await BackupJob(backend, f"local:{source}", options).run()
        async with SnapshotBackend(archive) as snapshot:
            yield snapshot, remembered


def _ordered_scopes(path: Path) -> tuple[str, ...]:
    """Every scope the seed used in ordered stores: no backend API lists them (as on Roblox),
    so a backup names them; this test reads them from the local file it just wrote."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT DISTINCT scope FROM ordered ORDER BY scope").fetchall()
    return tuple(row[0] for row in rows) or ("global",)


FACTORY = SnapshotFactory()
