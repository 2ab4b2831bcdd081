"""Fixtures that run every contract test once per backend factory (see ``factories/``).

* ``backend``: a fresh, empty, writable backend. Write tests use it; on a read-only backend
  they are skipped with a reason saying so.
* ``seeded``: ``async with seeded(seed) as (backend, remembered)`` gives a backend holding what
  ``seed`` wrote. Read tests use it, so they also run on read-only backends.
* ``@pytest.mark.requires(capability, ...)``: skip (loudly) on backends without a capability.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from datastore_manager.backends.base import DataStoreBackend

from .factories import load_factories
from .factories.base import BackendFactory, Seed

FACTORIES = load_factories()

Seeder = Callable[[Seed[Any]], AbstractAsyncContextManager[tuple[DataStoreBackend, Any]]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requires(*capabilities): needs these backend-factory capabilities"
    )


@pytest.fixture(scope="session", params=FACTORIES, ids=lambda factory: factory.name)
def factory(request: pytest.FixtureRequest) -> Iterator[BackendFactory]:
    chosen: BackendFactory = request.param
    with chosen.session():
        yield chosen


@pytest.fixture(autouse=True)
def _capability_gate(request: pytest.FixtureRequest, factory: BackendFactory) -> None:
    for marker in request.node.iter_markers("requires"):
        missing = sorted(set(marker.args) - factory.capabilities)
        if missing:
            pytest.skip(f"backend {factory.name!r} lacks capability {', '.join(missing)}")


@pytest.fixture
async def backend(factory: BackendFactory, tmp_path: Path) -> AsyncIterator[DataStoreBackend]:
    if not factory.writable:
        pytest.skip(f"write test: backend {factory.name!r} is read-only")
    async with factory.fresh(tmp_path) as fresh:
        yield fresh


@pytest.fixture
def seeded(factory: BackendFactory, tmp_path: Path) -> Seeder:
    def open_seeded(seed: Seed[Any]) -> AbstractAsyncContextManager[tuple[DataStoreBackend, Any]]:
        return factory.seeded(tmp_path, seed)

    return open_seeded
