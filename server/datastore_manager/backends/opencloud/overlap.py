"""Which operations on one entry overlapped in this process.

The cache trusts its "latest version" pointer for a few seconds, so the pointer must never go
backwards. When operations on one key overlap, the order their responses arrive in says
nothing about the order Roblox applied them (25 concurrent increments may answer 25 before
23), so an operation that overlapped a write must not set the pointer: the next read asks
Roblox instead. A write overlapping only reads is safe; the reads are the ones marked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

EntryKey = tuple[str, str, str]  # store, scope, key


@dataclass(slots=True, eq=False)  # identity: equal-looking activities are still distinct
class Activity:
    write: bool
    overlapped: bool = False  # a write to the same entry ran at the same time


class EntryActivity:
    """Operations in flight per entry (one event loop: no locking needed)."""

    def __init__(self) -> None:
        self._active: dict[EntryKey, list[Activity]] = {}

    @contextmanager
    def track(self, entry: EntryKey, *, write: bool) -> Iterator[Activity]:
        active = self._active.setdefault(entry, [])
        me = Activity(write, overlapped=any(other.write for other in active))
        if write:
            for other in active:
                other.overlapped = True
        active.append(me)
        try:
            yield me
        finally:
            active.remove(me)
            if not active:
                del self._active[entry]
