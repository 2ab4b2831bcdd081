"""Fixtures for the Open Cloud tests: real ``dsm emulator`` processes on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

import pytest

from datastore_manager.backends.opencloud import OpenCloudBackend, RetryPolicy, open_opencloud
from datastore_manager.model import parse_target
from support.emulator import running_emulator

#: Canary API key: it must never show up in logs, errors, caches or test output.
API_KEY = "CANARY-KEY-d41d8cd98f00b204e980"
READ_ONLY_KEY = "read-only-key"
CACHE_KEY = bytes(range(32, 64))
UNIVERSE = 1

StartEmulator = Callable[..., str]


@pytest.fixture
def start_emulator(tmp_path: Path) -> Iterator[StartEmulator]:
    """``start_emulator(faults=..., rate_limits=..., seed=...)`` → base URL (stopped at the end)."""
    with ExitStack() as stack:
        count = 0

        def start(**options: Any) -> str:
            nonlocal count
            count += 1
            options.setdefault(
                "api_keys",
                [f"{API_KEY}=*", f"{READ_ONLY_KEY}=universe-datastores.objects:read"],
            )
            context: AbstractContextManager[str] = running_emulator(
                tmp_path / f"emulator-{count}.db", universe_id=UNIVERSE, **options
            )
            return stack.enter_context(context)

        yield start


@pytest.fixture
def emulator_url(start_emulator: StartEmulator) -> str:
    return start_emulator()


def open_client(
    url: str,
    cache_dir: Path | None = None,
    *,
    api_key: str = API_KEY,
    retry_policy: RetryPolicy | None = None,
    **options: Any,
) -> OpenCloudBackend:
    return open_opencloud(
        parse_target(f"opencloud:{UNIVERSE}"),
        api_key=api_key,
        base_url=url,
        cache_dir=cache_dir,
        cache_key=CACHE_KEY if cache_dir is not None else None,
        use_cache=cache_dir is not None,
        retry_policy=retry_policy,
        **options,
    )
