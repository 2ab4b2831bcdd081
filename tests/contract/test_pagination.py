"""Paging: no gaps or duplicates while others write, cursors bound to their query, page sizes.

"Concurrently" here means writes land between the page requests of one listing, at places
before and after the cursor: deterministic, and exactly the interleaving that breaks
offset-based paging.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import InvalidArgument, InvalidCursor, Page, limits

from .conftest import Seeder
from .factories.base import FULL_HISTORY, ORDERED
from .helpers import collect


def assert_no_gaps_or_duplicates(listed: list[Any], before: list[Any], allowed: set[Any]) -> None:
    """Everything present before the listing began is listed once; nothing unknown appears."""
    assert len(listed) == len(set(listed)), "duplicates in a paged listing"
    missing = [item for item in before if item not in listed]
    assert not missing, f"gaps in a paged listing: {missing[:5]}"
    unknown = set(listed) - allowed
    assert not unknown, f"listed items nobody wrote: {sorted(unknown)[:5]}"


async def test_keys_page_without_gaps_while_keys_are_written(backend: DataStoreBackend) -> None:
    before = [f"k{n:03d}" for n in range(0, 80, 2)]
    for key in before:
        await backend.set_entry("S", key, 0)
    added: list[str] = []

    async def write_between_pages(page: int) -> None:
        for key in (f"k{page * 2 + 1:03d}", f"k{79 - page * 2:03d}", f"a{page}", f"z{page}"):
            await backend.set_entry("S", key, page)
            added.append(key)
        await backend.set_entry("S", before[page], "updated")  # new versions of listed keys

    infos = await collect(
        lambda cursor: backend.list_keys("S", cursor=cursor, limit=6),
        between_pages=write_between_pages,
    )

    listed = [info.key for info in infos]
    assert listed == sorted(listed), "keys come in key order"
    assert_no_gaps_or_duplicates(listed, before, set(before) | set(added))


async def test_all_scopes_pages_without_gaps_while_scopes_are_written(
    backend: DataStoreBackend,
) -> None:
    before = [(f"s{s}", f"k{k}") for s in range(0, 8, 2) for k in range(5)]
    for scope, key in before:
        await backend.set_entry("S", key, 0, scope=scope)
    added: list[tuple[str, str]] = []

    async def write_between_pages(page: int) -> None:
        for scope, key in ((f"s{page % 8}", f"k{page}x"), ("s1", f"k{page}"), ("s9", "k")):
            await backend.set_entry("S", key, page, scope=scope)
            added.append((scope, key))

    infos = await collect(
        lambda cursor: backend.list_keys("S", all_scopes=True, cursor=cursor, limit=3),
        between_pages=write_between_pages,
    )

    listed = [(info.scope, info.key) for info in infos]
    assert listed == sorted(listed)
    assert_no_gaps_or_duplicates(listed, before, set(before) | set(added))


@pytest.mark.requires(FULL_HISTORY)
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
async def test_versions_page_without_gaps_while_versions_are_written(
    backend: DataStoreBackend, descending: bool
) -> None:
    before = [(await backend.set_entry("S", "k", n)).version for n in range(20)]
    added: list[str] = []

    async def write_between_pages(page: int) -> None:
        added.append((await backend.set_entry("S", "k", 100 + page)).version)

    infos = await collect(
        lambda cursor: backend.list_versions(
            "S", "k", descending=descending, cursor=cursor, limit=3
        ),
        between_pages=write_between_pages,
    )

    listed = [info.version for info in infos]
    assert_no_gaps_or_duplicates(listed, before, set(before) | set(added))
    in_listing = [version for version in listed if version in before]
    assert in_listing == (before[::-1] if descending else before)


@pytest.mark.requires(ORDERED)
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
async def test_ordered_pages_without_gaps_while_entries_are_created(
    backend: DataStoreBackend, descending: bool
) -> None:
    before = [(f"p{n:02d}", (n * 7) % 10) for n in range(30)]
    for key, value in before:
        await backend.create_ordered("Board", key, value)
    added: list[tuple[str, int]] = []

    async def write_between_pages(page: int) -> None:
        for key, value in ((f"new{page}a", -1), (f"new{page}b", 5), (f"new{page}c", 99)):
            await backend.create_ordered("Board", key, value)
            added.append((key, value))

    entries = await collect(
        lambda cursor: backend.list_ordered("Board", descending=descending, cursor=cursor, limit=4),
        between_pages=write_between_pages,
    )

    listed = [(entry.key, entry.value) for entry in entries]
    values = [value for _, value in listed]
    assert values == sorted(values, reverse=descending)
    assert_no_gaps_or_duplicates(listed, before, set(before) | set(added))


async def test_stores_page_without_gaps_while_stores_are_created(
    backend: DataStoreBackend,
) -> None:
    before = [f"Store{n:02d}" for n in range(0, 30, 2)]
    for name in before:
        await backend.set_entry(name, "k", 0)
    added: list[str] = []

    async def write_between_pages(page: int) -> None:
        for name in (f"Store{page * 2 + 1:02d}", f"A{page}", f"Z{page}"):
            await backend.set_entry(name, "k", page)
            added.append(name)

    infos = await collect(
        lambda cursor: backend.list_data_stores(cursor=cursor, limit=4),
        between_pages=write_between_pages,
    )

    listed = [info.name for info in infos]
    assert listed == sorted(listed)
    assert_no_gaps_or_duplicates(listed, before, set(before) | set(added))


# ---- cursors ------------------------------------------------------------------------------

Listing = Callable[[DataStoreBackend, str | None], Awaitable[Page[Any]]]

LISTINGS: dict[str, Listing] = {
    "stores": lambda b, c: b.list_data_stores(cursor=c, limit=1),
    "keys": lambda b, c: b.list_keys("S", cursor=c, limit=1),
    "all-scopes": lambda b, c: b.list_keys("S", all_scopes=True, cursor=c, limit=1),
    "versions": lambda b, c: b.list_versions("S", "k", cursor=c, limit=1),
    "ordered": lambda b, c: b.list_ordered("Board", cursor=c, limit=1),
}

#: The same listing with one query parameter changed: an old cursor must not be reused.
CHANGED_LISTINGS: dict[str, Listing] = {
    "stores": lambda b, c: b.list_data_stores(prefix="S", cursor=c, limit=1),
    "keys": lambda b, c: b.list_keys("S", prefix="k", cursor=c, limit=1),
    "all-scopes": lambda b, c: b.list_keys("S", scope="other", cursor=c, limit=1),
    "versions": lambda b, c: b.list_versions("S", "k", descending=True, cursor=c, limit=1),
    "ordered": lambda b, c: b.list_ordered("Board", descending=True, cursor=c, limit=1),
}

NEEDS = {"versions": FULL_HISTORY, "ordered": ORDERED}


def listing_params() -> list[Any]:
    return [
        pytest.param(name, marks=[pytest.mark.requires(NEEDS[name])] if name in NEEDS else [])
        for name in LISTINGS
    ]


async def write_listable(backend: DataStoreBackend) -> None:
    for n in range(3):
        await backend.set_entry(f"S{n}", "k", n)
        await backend.set_entry("S", f"k{n}", n)
        await backend.set_entry("S", f"k{n}", n, scope="other")
        await backend.set_entry("S", "k", n)
        await backend.create_ordered("Board", f"p{n}", n)


@pytest.mark.parametrize("listing", listing_params())
@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJxIjoiIn0", "%%%", "🎮"], ids=repr)
async def test_a_cursor_nobody_issued_is_invalid(seeded: Seeder, listing: str, cursor: str) -> None:
    async with seeded(write_listable) as (backend, _):
        with pytest.raises(InvalidCursor):
            await LISTINGS[listing](backend, cursor)


@pytest.mark.parametrize("listing", listing_params())
async def test_a_cursor_replayed_with_a_changed_query_is_invalid(
    seeded: Seeder, listing: str
) -> None:
    async with seeded(write_listable) as (backend, _):
        first = await LISTINGS[listing](backend, None)
        assert first.next_cursor is not None

        with pytest.raises(InvalidArgument):
            await CHANGED_LISTINGS[listing](backend, first.next_cursor)


@pytest.mark.parametrize("listing", listing_params())
async def test_a_cursor_can_be_replayed(seeded: Seeder, listing: str) -> None:
    """Cursors are stateless: asking for the same page twice gives the same page."""
    async with seeded(write_listable) as (backend, _):
        first = await LISTINGS[listing](backend, None)
        assert first.next_cursor is not None

        once = await LISTINGS[listing](backend, first.next_cursor)
        twice = await LISTINGS[listing](backend, first.next_cursor)

        assert list(once.items) == list(twice.items)
        assert list(once.items) != list(first.items)


# ---- page sizes ---------------------------------------------------------------------------

PAGE_SIZES = {
    "stores": limits.LIST_DATA_STORES_PAGE,
    "keys": limits.LIST_KEYS_PAGE,
    "versions": limits.LIST_VERSIONS_PAGE,
    "ordered": limits.LIST_ORDERED_PAGE,
}


def more_than_a_full_page(listing: str) -> Callable[[DataStoreBackend], Awaitable[None]]:
    """A seed writing just what one listing needs to overflow its maximum page size."""
    count = PAGE_SIZES[listing][1] + 5

    async def write(backend: DataStoreBackend) -> None:
        for n in range(count):
            if listing == "stores":
                await backend.set_entry(f"S{n:04d}", "k", n)
            elif listing == "keys":
                await backend.set_entry("S", f"k{n:04d}", n)
            elif listing == "versions":
                await backend.set_entry("V", "k", n)
            else:
                await backend.create_ordered("Board", f"p{n:04d}", n)

    return write


SIZED_LISTINGS: dict[str, Callable[[DataStoreBackend, int | None], Awaitable[Page[Any]]]] = {
    "stores": lambda b, size: b.list_data_stores(limit=size),
    "keys": lambda b, size: b.list_keys("S", limit=size),
    "versions": lambda b, size: b.list_versions("V", "k", limit=size),
    "ordered": lambda b, size: b.list_ordered("Board", limit=size),
}


def sized_params() -> list[Any]:
    return [
        pytest.param(name, marks=[pytest.mark.requires(NEEDS[name])] if name in NEEDS else [])
        for name in sorted(SIZED_LISTINGS)
    ]


@pytest.mark.parametrize("listing", sized_params())
async def test_page_sizes_default_and_are_capped_at_the_maximum(
    seeded: Seeder, listing: str
) -> None:
    default, maximum = PAGE_SIZES[listing]
    async with seeded(more_than_a_full_page(listing)) as (backend, _):
        run = SIZED_LISTINGS[listing]

        by_default = await run(backend, None)
        capped = await run(backend, maximum * 10)
        one = await run(backend, 1)

        assert 0 < len(by_default.items) <= default
        assert 0 < len(capped.items) <= maximum
        assert len(one.items) == 1
        assert None not in (by_default.next_cursor, capped.next_cursor, one.next_cursor)


@pytest.mark.parametrize("listing", sized_params())
async def test_negative_page_size_is_invalid(seeded: Seeder, listing: str) -> None:
    async def write(backend: DataStoreBackend) -> None:
        await backend.set_entry("V", "k", 1)

    async with seeded(write) as (backend, _):
        with pytest.raises(InvalidArgument):
            await SIZED_LISTINGS[listing](backend, -1)


async def test_an_empty_store_lists_nothing_and_ends(seeded: Seeder) -> None:
    async def write(backend: DataStoreBackend) -> None:
        await backend.set_entry("S", "k", 1)

    async with seeded(write) as (backend, _):
        page = await backend.list_keys("S", prefix="nothing-matches")
        assert (list(page.items), page.next_cursor) == ([], None)
