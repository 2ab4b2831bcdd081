"""The async face of the local engine: the backend contract over one SQLite file.

SQLite calls block, so each backend owns one worker thread holding one connection; calls are
serialised on it, which is also what keeps one process's writes ordered. Other processes are
coordinated by SQLite's file locks (see :mod:`.engine`).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

from ...model import (
    DataStoreError,
    DataStoreInfo,
    Entry,
    EntryWrite,
    JsonValue,
    KeyInfo,
    OrderedEntry,
    Page,
    SnapshotResult,
    StoreKind,
    VersionInfo,
)
from ...model.limits import DEFAULT_SCOPE
from ..base import DataStoreBackend
from .engine import Clock, LocalEngine
from .versions import Retention

P = ParamSpec("P")
R = TypeVar("R")


class LocalBackend(DataStoreBackend):
    """A universe stored in a SQLite file: the embedded default backend."""

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Clock | None = None,
        retention: Retention | str = Retention.ALL,
        universe_id: int | None = None,
    ) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dsm-local")
        self._engine = self._executor.submit(
            LocalEngine, path, clock=clock, retention=retention, universe_id=universe_id
        ).result()
        self.path = self._engine.path
        self.universe_id = self._engine.universe_id

    async def _call(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def close(self) -> None:
        if not self._executor._shutdown:
            await self._call(self._engine.close)
            self._executor.shutdown(wait=True)

    # ---- data stores -------------------------------------------------------------------

    async def list_data_stores(
        self,
        *,
        prefix: str = "",
        cursor: str | None = None,
        limit: int | None = None,
        show_deleted: bool = False,
    ) -> Page[DataStoreInfo]:
        return await self._call(
            self._engine.list_stores,
            StoreKind.STANDARD,
            prefix=prefix,
            cursor=cursor,
            limit=limit,
            show_deleted=show_deleted,
        )

    async def list_ordered_data_stores(
        self, *, prefix: str = "", cursor: str | None = None, limit: int | None = None
    ) -> Page[DataStoreInfo]:
        return await self._call(
            self._engine.list_stores, StoreKind.ORDERED, prefix=prefix, cursor=cursor, limit=limit
        )

    async def delete_data_store(self, store: str) -> DataStoreInfo:
        return await self._call(self._engine.delete_store, store)

    async def undelete_data_store(self, store: str) -> DataStoreInfo:
        return await self._call(self._engine.undelete_store, store)

    async def snapshot(self) -> SnapshotResult:
        return await self._call(self._engine.snapshot)

    # ---- standard entries --------------------------------------------------------------

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
        return await self._call(
            self._engine.list_keys,
            store,
            scope=scope,
            all_scopes=all_scopes,
            prefix=prefix,
            cursor=cursor,
            limit=limit,
            include_deleted=include_deleted,
        )

    async def get_entry(
        self,
        store: str,
        key: str,
        *,
        scope: str = DEFAULT_SCOPE,
        version: str | None = None,
        as_of: datetime | None = None,
    ) -> Entry:
        return await self._call(
            self._engine.get_entry, store, key, scope=scope, version=version, as_of=as_of
        )

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
        return await self._call(
            self._engine.set_entry,
            store,
            key,
            value,
            scope=scope,
            match_version=match_version,
            exclusive_create=exclusive_create,
            attributes=attributes,
            user_ids=None if user_ids is None else tuple(user_ids),
        )

    async def set_entries(self, writes: Sequence[EntryWrite]) -> list[VersionInfo | DataStoreError]:
        return await self._call(self._engine.set_entries, list(writes))

    async def delete_entry(
        self, store: str, key: str, *, scope: str = DEFAULT_SCOPE, match_version: str | None = None
    ) -> VersionInfo:
        return await self._call(
            self._engine.delete_entry, store, key, scope=scope, match_version=match_version
        )

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
        return await self._call(
            self._engine.increment_entry,
            store,
            key,
            by,
            scope=scope,
            attributes=attributes,
            user_ids=None if user_ids is None else tuple(user_ids),
        )

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
        return await self._call(
            self._engine.list_versions,
            store,
            key,
            scope=scope,
            start_time=start_time,
            end_time=end_time,
            descending=descending,
            cursor=cursor,
            limit=limit,
        )

    # ---- ordered entries ---------------------------------------------------------------

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
        return await self._call(
            self._engine.list_ordered,
            store,
            scope=scope,
            descending=descending,
            min_value=min_value,
            max_value=max_value,
            cursor=cursor,
            limit=limit,
        )

    async def list_ordered_scopes(self, store: str) -> list[str]:
        return await self._call(self._engine.list_ordered_scopes, store)

    async def get_ordered(
        self, store: str, key: str, *, scope: str = DEFAULT_SCOPE
    ) -> OrderedEntry:
        return await self._call(self._engine.get_ordered, store, key, scope=scope)

    async def create_ordered(
        self, store: str, key: str, value: int, *, scope: str = DEFAULT_SCOPE
    ) -> OrderedEntry:
        return await self._call(
            self._engine.put_ordered, store, key, value, scope=scope, mode="create"
        )

    async def update_ordered(
        self,
        store: str,
        key: str,
        value: int,
        *,
        scope: str = DEFAULT_SCOPE,
        allow_missing: bool = False,
    ) -> OrderedEntry:
        mode = "upsert" if allow_missing else "update"
        return await self._call(self._engine.put_ordered, store, key, value, scope=scope, mode=mode)

    async def increment_ordered(
        self, store: str, key: str, amount: int, *, scope: str = DEFAULT_SCOPE
    ) -> OrderedEntry:
        return await self._call(
            self._engine.put_ordered, store, key, amount, scope=scope, mode="increment"
        )

    async def delete_ordered(self, store: str, key: str, *, scope: str = DEFAULT_SCOPE) -> None:
        await self._call(self._engine.delete_ordered, store, key, scope=scope)
