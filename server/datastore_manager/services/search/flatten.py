"""A JSON value as (path, leaf) pairs and as searchable text.

Paths are dotted (``Data.Coins``); array elements are ``[]`` (any element: ``Items[].Id``),
so a filter on an array matches when any element matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Leaves kept per entry (huge entries are indexed by their first leaves only).
MAX_LEAVES = 400
MAX_DEPTH = 12


def leaves(value: Any, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, Any]]:
    if depth > MAX_DEPTH:
        return
    if isinstance(value, dict):
        for name, item in value.items():
            yield from leaves(item, f"{prefix}.{name}" if prefix else str(name), depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item, f"{prefix}[]", depth + 1)
    else:
        yield prefix or "$", value


def limited_leaves(value: Any) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for pair in leaves(value):
        found.append(pair)
        if len(found) >= MAX_LEAVES:
            break
    return found


def text_of(pairs: list[tuple[str, Any]]) -> str:
    """Words of the entry: every property name and every string/number leaf."""
    words: list[str] = []
    for path, leaf in pairs:
        words.append(path.replace(".", " ").replace("[]", " "))
        if leaf is not None and not isinstance(leaf, bool):
            words.append(str(leaf))
    return " ".join(words)
