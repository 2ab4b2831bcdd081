"""One ordered-store listing over SQL (``ordered(key, value)`` rows), shared by the backends
that keep ordered entries in SQLite: the local engine and the snapshot archive.

It owns Roblox's listing rules: page sizes, the inclusive int64 range (min above max is engine
error 107), value order with ties broken by key, and keyset cursors tied to their query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..model import InvalidArgument, OrderedEntry, Page, limits
from ..model import validation as check
from .cursors import decode_cursor, encode_cursor, fingerprint


@dataclass(frozen=True, slots=True)
class OrderedListing:
    store: str
    scope: str
    descending: bool
    low: int
    high: int
    size: int
    query: str
    position: list[Any] | None

    @classmethod
    def plan(
        cls,
        store: str,
        scope: str,
        *,
        descending: bool,
        min_value: int | None,
        max_value: int | None,
        cursor: str | None,
        limit: int | None,
    ) -> OrderedListing:
        check.check_scope(scope)
        size = limits.page_size(limit, limits.LIST_ORDERED_PAGE)
        low = limits.INT64_MIN if min_value is None else check.check_int64("min_value", min_value)
        high = limits.INT64_MAX if max_value is None else check.check_int64("max_value", max_value)
        if low > high:  # engine error 107 MinMaxOrderInvalid
            raise InvalidArgument(f"min_value {low} is greater than max_value {high}.")
        query = fingerprint("ordered", store, scope, descending, low, high)
        position = decode_cursor(cursor, query) if cursor else None
        return cls(store, scope, descending, low, high, size, query, position)

    def where(self) -> tuple[str, tuple[Any, ...]]:
        """The SQL after ``WHERE <store and scope match> AND``, with its parameters; the caller
        selects ``key, value``."""
        op, order = ("<", "DESC") if self.descending else (">", "ASC")
        after, params = "", ()  # type: tuple[str, tuple[Any, ...]]
        if self.position is not None:
            after = f"AND (value {op} ? OR (value = ? AND key {op} ?))"
            params = (self.position[0], self.position[0], self.position[1])
        sql = f"value >= ? AND value <= ? {after} ORDER BY value {order}, key {order} LIMIT ?"
        return sql, (self.low, self.high, *params, self.size + 1)

    def page(self, rows: Sequence[tuple[str, int]]) -> Page[OrderedEntry]:
        items = [OrderedEntry(self.store, self.scope, key, value) for key, value in rows]
        if len(items) <= self.size:
            return Page(items)
        items = items[: self.size]
        return Page(items, encode_cursor(self.query, [items[-1].value, items[-1].key]))
