"""Small helpers shared by the contract tests (no assertions about a backend live here)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import EncodedValue, JsonValue, Page, VersionInfo
from datastore_manager.model.limits import DEFAULT_SCOPE

T = TypeVar("T")

#: Short real pause between writes whose times a test compares (no fake clocks here: an HTTP
#: backend cannot control the server's clock). Generous next to millisecond-resolution clocks.
TICK = 0.003

ONE_MICROSECOND = timedelta(microseconds=1)


async def tick() -> None:
    await asyncio.sleep(TICK)


def json_size(value: JsonValue) -> int:
    """Characters of the value's serialised JSON: what Roblox's 4,194,304 limit counts."""
    return EncodedValue.from_value(value).size


def string_of_json_size(size: int, char: str = "x") -> str:
    """A string whose JSON encoding (with its two quotes) is exactly ``size`` characters."""
    return char * (size - 2)


async def collect(
    fetch: Callable[[str | None], Awaitable[Page[T]]],
    *,
    between_pages: Callable[[int], Awaitable[None]] | None = None,
    max_pages: int = 10_000,
) -> list[T]:
    """Every item of a paged listing; ``between_pages(n)`` runs after the n-th page (writes)."""
    items: list[T] = []
    cursor: str | None = None
    for page_number in range(1, max_pages + 1):
        page = await fetch(cursor)
        items.extend(page.items)
        if page.next_cursor is None:
            return items
        assert page.next_cursor != cursor, "a cursor must move the listing forward"
        cursor = page.next_cursor
        if between_pages is not None:
            await between_pages(page_number)
    raise AssertionError(f"listing did not end within {max_pages} pages")


async def all_versions(
    backend: DataStoreBackend, store: str, key: str, *, scope: str = DEFAULT_SCOPE
) -> list[VersionInfo]:
    return await collect(
        lambda cursor: backend.list_versions(store, key, scope=scope, cursor=cursor)
    )


async def all_key_names(
    backend: DataStoreBackend, store: str, *, scope: str = DEFAULT_SCOPE, deleted: bool = False
) -> list[str]:
    infos = await collect(
        lambda cursor: backend.list_keys(store, scope=scope, cursor=cursor, include_deleted=deleted)
    )
    return [info.key for info in infos]


async def all_store_names(backend: DataStoreBackend, *, show_deleted: bool = False) -> list[str]:
    infos = await collect(
        lambda cursor: backend.list_data_stores(cursor=cursor, show_deleted=show_deleted)
    )
    return [info.name for info in infos]
