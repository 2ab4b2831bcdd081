"""Which stores a job covers: ``--stores GLOB`` over every page of the store listings."""

from __future__ import annotations

import fnmatch

from ...backends import DataStoreBackend
from ...model import DataStoreInfo, InvalidArgument, NotSupported


def check_glob(pattern: str) -> str:
    if not pattern.strip():
        raise InvalidArgument("--stores needs a pattern, e.g. --stores 'Player*' (default '*').")
    return pattern


async def standard_stores(backend: DataStoreBackend, pattern: str = "*") -> list[DataStoreInfo]:
    check_glob(pattern)
    found: list[DataStoreInfo] = []
    cursor: str | None = None
    while True:
        page = await backend.list_data_stores(cursor=cursor)
        found.extend(s for s in page.items if fnmatch.fnmatchcase(s.name, pattern))
        cursor = page.next_cursor
        if cursor is None:
            return found


async def ordered_stores(backend: DataStoreBackend, pattern: str = "*") -> list[DataStoreInfo]:
    """Ordered stores; empty when the backend cannot list them (Open Cloud has no such API)."""
    check_glob(pattern)
    found: list[DataStoreInfo] = []
    cursor: str | None = None
    try:
        while True:
            page = await backend.list_ordered_data_stores(cursor=cursor)
            found.extend(s for s in page.items if fnmatch.fnmatchcase(s.name, pattern))
            cursor = page.next_cursor
            if cursor is None:
                return found
    except NotSupported:
        return []
