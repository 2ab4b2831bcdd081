"""What a backend factory is: how the contract suite gets a fresh backend of one kind.

One module per backend kind lives next to this one and exports ``FACTORY``. Two ways in:

* ``fresh(workdir)``: a new, empty, writable backend (write tests; only called when
  ``writable``).
* ``seeded(workdir, seed)``: a backend holding exactly what the ``seed`` coroutine wrote
  (read tests). ``seed`` always writes through a *writable* backend and returns whatever the
  test wants to remember (versions, times). A writable factory runs it on the fresh backend
  itself (:class:`WritableFactory`); a read-only one (a snapshot archive) runs it on a
  :class:`LocalBackend` first (:func:`seed_local_store`) and then opens its archive of that
  store, so read tests run on every backend.

``capabilities`` names optional parts of the contract a backend has; tests that need one are
marked ``@pytest.mark.requires("<capability>")`` and are skipped, with the reason printed,
on backends without it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from pathlib import Path
from typing import Protocol, TypeVar

from datastore_manager.backends.base import DataStoreBackend

T = TypeVar("T")
Seed = Callable[[DataStoreBackend], Awaitable[T]]

#: ``list_ordered_data_stores`` works (Open Cloud has no such API).
LIST_ORDERED_STORES = "list_ordered_stores"
#: Ordered data stores exist at all (an archive may hold standard stores only).
ORDERED = "ordered"
#: ``delete_data_store`` / ``undelete_data_store`` and ``show_deleted`` listings.
DELETE_DATA_STORE = "delete_data_store"
#: ``snapshot()`` (Roblox's once-per-UTC-day universe snapshot).
SNAPSHOT = "snapshot"
#: Every version is kept (local ``retention="all"``); Roblox itself keeps one per UTC hour.
FULL_HISTORY = "full_history"
#: Several tasks may write at once (concurrent increments, racing conditional writes).
CONCURRENT_WRITES = "concurrent_writes"

ALL_CAPABILITIES = frozenset(
    {LIST_ORDERED_STORES, ORDERED, DELETE_DATA_STORE, SNAPSHOT, FULL_HISTORY, CONCURRENT_WRITES}
)


class BackendFactory(Protocol):
    """Builds backends of one kind for the contract suite."""

    name: str
    writable: bool
    capabilities: frozenset[str]

    def session(self) -> AbstractContextManager[None]:
        """Held open for the whole test session (e.g. an emulator server); may do nothing."""
        ...

    def fresh(self, workdir: Path) -> AbstractAsyncContextManager[DataStoreBackend]:
        """A new, empty backend; ``workdir`` is this test's private directory."""
        ...

    def seeded(
        self, workdir: Path, seed: Seed[T]
    ) -> AbstractAsyncContextManager[tuple[DataStoreBackend, T]]:
        """A backend holding what ``seed`` wrote, and ``seed``'s result."""
        ...


class WritableFactory:
    """Base for writable backends: seeding is just writing to the fresh backend."""

    name = "?"
    writable = True
    capabilities: frozenset[str] = ALL_CAPABILITIES

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        yield

    def fresh(self, workdir: Path) -> AbstractAsyncContextManager[DataStoreBackend]:
        raise NotImplementedError

    @contextlib.asynccontextmanager
    async def seeded(
        self, workdir: Path, seed: Seed[T]
    ) -> AsyncIterator[tuple[DataStoreBackend, T]]:
        async with self.fresh(workdir) as backend:
            yield backend, await seed(backend)


async def seed_local_store(path: Path, seed: Seed[T]) -> T:
    """Run ``seed`` against a new local store at ``path`` (for read-only factories to archive)."""
    from datastore_manager.backends.local import LocalBackend

    async with LocalBackend(path) as backend:
        return await seed(backend)
