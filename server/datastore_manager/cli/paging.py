"""``--limit`` / ``--cursor`` paging shared by every listing command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from ..model import Page

T = TypeVar("T")

FetchPage = Callable[[str | None, int | None], Awaitable[Page[T]]]


def paging_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--limit N`` and ``--cursor C``: one page. Without either, every page is followed."""
    command = click.option(
        "--cursor", default=None, help="Continue a listing from a previous page's nextCursor."
    )(command)
    command = click.option(
        "--limit",
        type=click.IntRange(min=1),
        default=None,
        help="Return one page of at most N items (and its nextCursor) instead of all pages.",
    )(command)
    return command


async def collect(fetch: FetchPage[T], limit: int | None, cursor: str | None) -> Page[T]:
    """One page when ``limit`` or ``cursor`` is given, otherwise every item of every page.

    With ``limit`` pages are followed until ``limit`` items are gathered (a Roblox page may be
    short without being the last), and the cursor to continue from is returned.
    """
    if limit is None and cursor is None:
        items: list[T] = []
        next_cursor: str | None = None
        while True:
            page = await fetch(next_cursor, None)
            items.extend(page.items)
            next_cursor = page.next_cursor
            if next_cursor is None:
                return Page(items, None)
    if limit is None:
        return await fetch(cursor, None)
    gathered: list[T] = []
    next_cursor = cursor
    while len(gathered) < limit:
        page = await fetch(next_cursor, limit - len(gathered))
        gathered.extend(page.items)
        next_cursor = page.next_cursor
        if next_cursor is None:
            break
    return Page(gathered, next_cursor)
