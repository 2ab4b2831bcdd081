"""The local SQLite engine: a fresh file per test, every version kept."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from datastore_manager.backends.base import DataStoreBackend

from .base import WritableFactory


class LocalFactory(WritableFactory):
    name = "local"

    @contextlib.asynccontextmanager
    async def fresh(self, workdir: Path) -> AsyncIterator[DataStoreBackend]:
        from datastore_manager.backends.local import LocalBackend

        async with LocalBackend(workdir / "contract.db") as backend:
            yield backend


FACTORY = LocalFactory()
