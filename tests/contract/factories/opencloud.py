"""Open Cloud over real loopback HTTP: ``dsm emulator`` with Roblox's rate limits on (×10).

One emulator per session serves a data folder (any universe id, one file each), so every test
gets an empty universe of its own without starting a process.
"""

from __future__ import annotations

import contextlib
import itertools
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import ClassVar

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import limits

from .base import ALL_CAPABILITIES, LIST_ORDERED_STORES, WritableFactory

API_KEY = "contract-suite-key"
CACHE_KEY = bytes(range(32))


class OpenCloudFactory(WritableFactory):
    name = "opencloud"
    #: Roblox has no API listing ordered data stores.
    capabilities = ALL_CAPABILITIES - {LIST_ORDERED_STORES}
    #: Roblox's per-universe limits (every category, sliding window), 10× faster so the suite
    #: fits CI: the client must still learn them from the headers and stay under them. The real
    #: 300/min budget is exercised by tests/opencloud and bench/opencloud_throughput.py.
    rate_limits: ClassVar[str | dict[str, object]] = {
        "requests_per_minute": {
            category: limit * 10 for category, limit in limits.REQUESTS_PER_MINUTE.items()
        }
    }
    faults = ""

    def __init__(self) -> None:
        self._base_url: str | None = None
        self._universes = itertools.count(1_000_001)

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        from support.emulator import running_emulator

        with (
            tempfile.TemporaryDirectory(prefix=f"dsm-{self.name}-") as scratch,
            running_emulator(
                Path(scratch),
                api_keys=[f"{API_KEY}=*"],
                rate_limits=self.rate_limits,
                faults=self.faults,
                seed=4,
            ) as url,
        ):
            self._base_url = url
            try:
                yield
            finally:
                self._base_url = None

    @contextlib.asynccontextmanager
    async def fresh(self, workdir: Path) -> AsyncIterator[DataStoreBackend]:
        from datastore_manager.backends import open_backend

        assert self._base_url is not None, "the session fixture starts the emulator"
        backend = open_backend(
            f"opencloud:{next(self._universes)}",
            api_key=API_KEY,
            base_url=self._base_url,
            cache_dir=workdir / "cache",
            cache_key=CACHE_KEY,
        )
        async with backend:
            yield backend


FACTORY = OpenCloudFactory()
