"""The one async contract every backend implements (local SQLite, Open Cloud, snapshot archive).

Semantics follow Roblox's Open Cloud data store APIs (``shared/reference/FACTS.md``):

* Stores and keys are created implicitly by the first write.
* ``set_entry`` and ``increment_entry`` *replace* user metadata: attributes or user ids that
  are not passed are cleared, exactly as on Roblox. Callers that want to keep them resend them.
* Deleting an entry writes a tombstone version; history stays readable.
* Listings are paged with opaque cursors; a short page is not necessarily the last one,
  ``Page.next_cursor is None`` is.
* Errors are the classes of :mod:`datastore_manager.model.errors`.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

from ..model import (
    DataStoreError,
    DataStoreInfo,
    Entry,
    EntryWrite,
    JsonValue,
    KeyInfo,
    OrderedEntry,
    Page,
    SnapshotResult,
    VersionInfo,
)
from ..model.limits import DEFAULT_SCOPE


class DataStoreBackend(abc.ABC):
    """One universe's data stores. Use as an async context manager, or call :meth:`close`."""

    #: True when the backend refuses every write (snapshot archives).
    read_only: bool = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default has nothing to release."""

    # ---- data stores -------------------------------------------------------------------

    @abc.abstractmethod
    async def list_data_stores(
        self,
        *,
        prefix: str = "",
        cursor: str | None = None,
        limit: int | None = None,
        show_deleted: bool = False,
    ) -> Page[DataStoreInfo]:
        """Standard data stores holding at least one entry, by name."""

    async def list_ordered_data_stores(
        self, *, prefix: str = "", cursor: str | None = None, limit: int | None = None
    ) -> Page[DataStoreInfo]:
        """Ordered data stores, by name. Roblox has no such API, so remote backends may refuse."""
        from ..model import NotSupported

        raise NotSupported("This backend cannot list ordered data stores; name them explicitly.")

    @abc.abstractmethod
    async def delete_data_store(self, store: str) -> DataStoreInfo:
        """Schedule a standard store for deletion (expires 30 days later); a no-op if deleted."""

    @abc.abstractmethod
    async def undelete_data_store(self, store: str) -> DataStoreInfo:
        """Cancel a scheduled deletion before its expire time."""

    @abc.abstractmethod
    async def snapshot(self) -> SnapshotResult:
        """Roblox's universe snapshot: at most one per UTC day; later writes keep old data."""

    # ---- standard entries --------------------------------------------------------------

    @abc.abstractmethod
    async def list_keys(
        self,
        store: str,
        *,
        scope: str = DEFAULT_SCOPE,
        all_scopes: bool = False,
        prefix: str = "",
        cursor: str | None = None,
        limit: int | None = None,
        include_deleted: bool = False,
    ) -> Page[KeyInfo]:
        """Keys of one scope (or of every scope, ordered by scope then key).

        With ``all_scopes`` the prefix applies to ``scope/key``, as in Roblox's AllScopes mode.
        """

    @abc.abstractmethod
    async def get_entry(
        self,
        store: str,
        key: str,
        *,
        scope: str = DEFAULT_SCOPE,
        version: str | None = None,
        as_of: datetime | None = None,
    ) -> Entry:
        """The latest version, a given version, or the version current at ``as_of``.

        Raises EntryNotFound (EntryDeleted when that version is a tombstone).
        """

    @abc.abstractmethod
    async def set_entry(
        self,
        store: str,
        key: str,
        value: JsonValue,
        *,
        scope: str = DEFAULT_SCOPE,
        match_version: str | None = None,
        exclusive_create: bool = False,
        attributes: Mapping[str, JsonValue] | None = None,
        user_ids: Iterable[int] | None = None,
    ) -> VersionInfo:
        """Write a new version. With ``match_version`` only if the latest version is that one;
        with ``exclusive_create`` only if the entry does not exist (PreconditionFailed /
        AlreadyExists otherwise, and nothing is written)."""

    async def set_entries(self, writes: Sequence[EntryWrite]) -> list[VersionInfo | DataStoreError]:
        """Many independent writes (bulk jobs). Each keeps its own precondition; a failed write
        yields its error in place and the others still apply. Backends may batch them."""
        results: list[VersionInfo | DataStoreError] = []
        for write in writes:
            try:
                results.append(
                    await self.set_entry(
                        write.store,
                        write.key,
                        write.value,
                        scope=write.scope,
                        match_version=write.match_version,
                        exclusive_create=write.exclusive_create,
                        attributes=write.attributes,
                        user_ids=write.user_ids,
                    )
                )
            except DataStoreError as exc:
                results.append(exc)
        return results

    @abc.abstractmethod
    async def delete_entry(
        self, store: str, key: str, *, scope: str = DEFAULT_SCOPE, match_version: str | None = None
    ) -> VersionInfo:
        """Write a tombstone version (history is kept). EntryNotFound if there is nothing to
        delete."""

    @abc.abstractmethod
    async def increment_entry(
        self,
        store: str,
        key: str,
        by: int,
        *,
        scope: str = DEFAULT_SCOPE,
        attributes: Mapping[str, JsonValue] | None = None,
        user_ids: Iterable[int] | None = None,
    ) -> Entry:
        """Atomically add ``by`` to an integer entry (created with ``by`` when missing)."""

    @abc.abstractmethod
    async def list_versions(
        self,
        store: str,
        key: str,
        *,
        scope: str = DEFAULT_SCOPE,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        descending: bool = False,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[VersionInfo]:
        """Versions in creation order (tombstones included), optionally within a time range."""

    # ---- ordered entries ---------------------------------------------------------------

    @abc.abstractmethod
    async def list_ordered(
        self,
        store: str,
        *,
        scope: str = DEFAULT_SCOPE,
        descending: bool = False,
        min_value: int | None = None,
        max_value: int | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[OrderedEntry]:
        """Entries sorted by value (ties by key), within an inclusive value range."""

    async def list_ordered_scopes(self, store: str) -> list[str]:
        """Scopes of an ordered store that hold entries, by name. Roblox has no such API
        (FACTS §4, §6: the scope is part of every ordered path), so remote backends refuse."""
        from ..model import NotSupported

        raise NotSupported(
            "This backend cannot list the scopes of ordered data stores; name them explicitly."
        )

    @abc.abstractmethod
    async def get_ordered(
        self, store: str, key: str, *, scope: str = DEFAULT_SCOPE
    ) -> OrderedEntry: ...

    @abc.abstractmethod
    async def create_ordered(
        self, store: str, key: str, value: int, *, scope: str = DEFAULT_SCOPE
    ) -> OrderedEntry:
        """Create an entry; AlreadyExists if it exists."""

    @abc.abstractmethod
    async def update_ordered(
        self,
        store: str,
        key: str,
        value: int,
        *,
        scope: str = DEFAULT_SCOPE,
        allow_missing: bool = False,
    ) -> OrderedEntry:
        """Replace the value; EntryNotFound when missing unless ``allow_missing``."""

    @abc.abstractmethod
    async def increment_ordered(
        self, store: str, key: str, amount: int, *, scope: str = DEFAULT_SCOPE
    ) -> OrderedEntry:
        """Atomically add ``amount`` (the entry is created when missing)."""

    @abc.abstractmethod
    async def delete_ordered(self, store: str, key: str, *, scope: str = DEFAULT_SCOPE) -> None:
        """Delete for good (ordered stores keep no history); EntryNotFound when missing."""
