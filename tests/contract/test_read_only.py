"""``read_only`` tells the truth: read-only backends refuse every write with ReadOnly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import EntryWrite, ReadOnly

from .conftest import Seeder
from .factories.base import BackendFactory

WRITES: dict[str, Callable[[DataStoreBackend], Awaitable[Any]]] = {
    "set": lambda b: b.set_entry("S", "k", 2),
    "set-entries": lambda b: b.set_entries([EntryWrite("S", "k", 2)]),
    "delete": lambda b: b.delete_entry("S", "k"),
    "increment": lambda b: b.increment_entry("S", "n", 1),
    "delete-store": lambda b: b.delete_data_store("S"),
    "undelete-store": lambda b: b.undelete_data_store("S"),
    "snapshot": lambda b: b.snapshot(),
    "create-ordered": lambda b: b.create_ordered("Board", "new", 1),
    "update-ordered": lambda b: b.update_ordered("Board", "p", 2),
    "increment-ordered": lambda b: b.increment_ordered("Board", "p", 1),
    "delete-ordered": lambda b: b.delete_ordered("Board", "p"),
}


async def write_one_of_each(backend: DataStoreBackend) -> None:
    await backend.set_entry("S", "k", 1)
    await backend.create_ordered("Board", "p", 1)


async def test_read_only_flag_matches_the_factory(seeded: Seeder, factory: BackendFactory) -> None:
    async with seeded(write_one_of_each) as (backend, _):
        assert backend.read_only is (not factory.writable)


async def test_read_only_backends_refuse_every_write(seeded: Seeder) -> None:
    async with seeded(write_one_of_each) as (backend, _):
        if not backend.read_only:
            return  # a writable backend: the rest of the suite covers its writes

        for name, write in WRITES.items():
            with pytest.raises(ReadOnly):
                await write(backend)
                pytest.fail(f"{name} did not raise ReadOnly")

        assert (await backend.get_entry("S", "k")).value == 1
        assert (await backend.get_ordered("Board", "p")).value == 1
