"""A backup archive as a read-only backend, so a backup can be browsed and diffed like a store.

Reads hit the archive's indexed SQLite tables directly (each is a sub-millisecond lookup, so
they run inline rather than on a worker thread). Every write raises ReadOnly. The archive code
(datastore_manager.archive) sits beside model and security, below the backends.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from ...archive import ArchiveReader
from ...model import (
    DataStoreError,
    DataStoreInfo,
    Entry,
    EntryDeleted,
    EntryNotFound,
    EntryWrite,
    InvalidArgument,
    JsonValue,
    KeyInfo,
    OrderedEntry,
    Page,
    ReadOnly,
    SnapshotResult,
    StoreKind,
    VersionInfo,
    VersionNotFound,
    limits,
    utc_now,
)
from ...model import validation as check
from ...model.times import from_micros, to_micros
from ..base import DataStoreBackend
from ..cursors import decode_cursor, encode_cursor, fingerprint
from ..ordered_listing import OrderedListing


class SnapshotBackend(DataStoreBackend):
    read_only = True

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._reader = ArchiveReader(self.path)
        self._db = self._reader.db
        self.manifest = self._reader.manifest
        self.universe_id = self.manifest.get("source", {}).get("universeId")

    async def close(self) -> None:
        self._reader.close()

    def _refuse(self, what: str) -> NoReturn:
        raise ReadOnly(
            f"Cannot {what}: snapshot:{self.path} is a read-only backup; restore it into a "
            "writable target with `dsm restore` first."
        )

    # ---- data stores -------------------------------------------------------------------

    def _stores(
        self, kind: StoreKind, prefix: str, cursor: str | None, limit: int | None
    ) -> Page[DataStoreInfo]:
        size = limits.page_size(limit, limits.LIST_DATA_STORES_PAGE)
        query = fingerprint("stores", kind.value, prefix)
        after = decode_cursor(cursor, query)[0] if cursor else ""
        rows = self._db.execute(
            "SELECT name, created_us FROM stores WHERE kind = ? AND name > ? "
            "AND substr(name, 1, ?) = ? ORDER BY name LIMIT ?",
            (kind.value, after, len(prefix), prefix, size + 1),
        ).fetchall()
        items = [
            DataStoreInfo(name, None if created is None else from_micros(created), kind)
            for name, created in rows[:size]
        ]
        more = len(rows) > size
        return Page(items, encode_cursor(query, [items[-1].name]) if more else None)

    async def list_data_stores(
        self,
        *,
        prefix: str = "",
        cursor: str | None = None,
        limit: int | None = None,
        show_deleted: bool = False,
    ) -> Page[DataStoreInfo]:
        return self._stores(StoreKind.STANDARD, prefix, cursor, limit)

    async def list_ordered_data_stores(
        self, *, prefix: str = "", cursor: str | None = None, limit: int | None = None
    ) -> Page[DataStoreInfo]:
        return self._stores(StoreKind.ORDERED, prefix, cursor, limit)

    async def delete_data_store(self, store: str) -> DataStoreInfo:
        self._refuse(f"delete data store {store!r}")

    async def undelete_data_store(self, store: str) -> DataStoreInfo:
        self._refuse(f"undelete data store {store!r}")

    async def snapshot(self) -> SnapshotResult:
        self._refuse("take a universe snapshot")

    # ---- standard entries --------------------------------------------------------------

    async def list_keys(
        self,
        store: str,
        *,
        scope: str = limits.DEFAULT_SCOPE,
        all_scopes: bool = False,
        prefix: str = "",
        cursor: str | None = None,
        limit: int | None = None,
        include_deleted: bool = False,
    ) -> Page[KeyInfo]:
        check.check_store_name(store)
        if not all_scopes:
            check.check_scope(scope)
        size = limits.page_size(limit, limits.LIST_KEYS_PAGE)
        query = fingerprint("keys", store, None if all_scopes else scope, prefix, include_deleted)
        after_scope, after_key = decode_cursor(cursor, query) if cursor else ("", "")
        if all_scopes:  # AllScopes: the prefix applies to "scope/key"
            where = (
                "(scope > ? OR (scope = ? AND key > ?)) AND substr(scope || '/' || key, 1, ?) = ?"
            )
            params: tuple[Any, ...] = (after_scope, after_scope, after_key, len(prefix), prefix)
        else:
            where = "scope = ? AND key > ? AND substr(key, 1, ?) = ?"
            params = (scope, after_key, len(prefix), prefix)
        rows = self._db.execute(
            f"SELECT scope, key, deleted FROM entries WHERE store = ? AND {where} "
            "AND (? OR deleted = 0) ORDER BY scope, key LIMIT ?",
            (store, *params, include_deleted, size + 1),
        ).fetchall()
        items = [KeyInfo(s, k, bool(d)) for s, k, d in rows[:size]]
        more = len(rows) > size
        return Page(items, encode_cursor(query, [items[-1].scope, items[-1].key]) if more else None)

    def _entry_row(self, store: str, scope: str, key: str) -> tuple[Any, ...]:
        check.check_store_name(store)
        check.check_scope(scope)
        check.check_key(key)
        row: tuple[Any, ...] | None = self._db.execute(
            "SELECT id, created_us, updated_us FROM entries WHERE store = ? AND scope = ? "
            "AND key = ?",
            (store, scope, key),
        ).fetchone()
        if row is None:
            raise EntryNotFound(f"Entry {store}/{scope}/{key} is not in this backup.")
        return row

    async def get_entry(
        self,
        store: str,
        key: str,
        *,
        scope: str = limits.DEFAULT_SCOPE,
        version: str | None = None,
        as_of: datetime | None = None,
    ) -> Entry:
        if version is not None and as_of is not None:
            raise InvalidArgument("Give either a version or a time (as_of), not both.")
        if as_of is not None:
            check.check_as_of(as_of, utc_now())
        entry_id, created_us, updated_us = self._entry_row(store, scope, key)
        where = f"{store}/{scope}/{key}"
        columns = "version, created_us, deleted, md5, value, attributes, user_ids, sealed"
        arg: str | int | None
        if version is not None:
            sql, arg = "AND version = ?", version
        elif as_of is not None:
            sql, arg = "AND created_us <= ? ORDER BY seq DESC LIMIT 1", to_micros(as_of)
        else:
            sql, arg = "ORDER BY seq DESC LIMIT 1", None
        params = (entry_id,) if arg is None else (entry_id, arg)
        found = self._db.execute(
            f"SELECT {columns} FROM versions WHERE entry_id = ? {sql}", params
        ).fetchone()
        if found is None:
            if version is not None:
                raise VersionNotFound(f"Version {version!r} of {where} is not in this backup.")
            raise EntryNotFound(f"Entry {where} did not exist at {as_of}.")
        vid, v_created_us, deleted = found[:3]
        if deleted:
            raise EntryDeleted(f"Entry {where} is deleted at version {vid}.", version=vid)
        payload = self._reader.payload((store, scope, key, vid), tuple(found[3:]))
        assert payload.text is not None
        return Entry(
            store=store,
            scope=scope,
            key=key,
            value=json.loads(payload.text),
            version=vid,
            created_time=from_micros(created_us),
            updated_time=from_micros(updated_us),
            version_created_time=from_micros(v_created_us),
            attributes=payload.attributes,
            user_ids=payload.user_ids,
            content_md5=payload.md5,
            size=len(payload.text),
        )

    async def list_versions(
        self,
        store: str,
        key: str,
        *,
        scope: str = limits.DEFAULT_SCOPE,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        descending: bool = False,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[VersionInfo]:
        entry_id, created_us, _ = self._entry_row(store, scope, key)
        size = limits.page_size(limit, limits.LIST_VERSIONS_PAGE)
        start_us = to_micros(start_time) if start_time else -(2**62)
        end_us = to_micros(end_time) if end_time else 2**62
        query = fingerprint("versions", store, scope, key, start_us, end_us, descending)
        after = decode_cursor(cursor, query)[0] if cursor else (2**62 if descending else -1)
        rows = self._db.execute(
            "SELECT seq, version, deleted, size, created_us FROM versions "
            f"WHERE entry_id = ? AND seq {'<' if descending else '>'} ? "
            "AND created_us >= ? AND created_us <= ? "
            f"ORDER BY seq {'DESC' if descending else 'ASC'} LIMIT ?",
            (entry_id, after, start_us, end_us, size + 1),
        ).fetchall()
        object_created = from_micros(created_us)
        items = [
            VersionInfo(vid, bool(deleted), length, from_micros(v_created), object_created)
            for _, vid, deleted, length, v_created in rows[:size]
        ]
        more = len(rows) > size
        return Page(items, encode_cursor(query, [rows[size - 1][0]]) if more else None)

    async def set_entry(
        self,
        store: str,
        key: str,
        value: JsonValue,
        *,
        scope: str = limits.DEFAULT_SCOPE,
        match_version: str | None = None,
        exclusive_create: bool = False,
        attributes: Mapping[str, JsonValue] | None = None,
        user_ids: Iterable[int] | None = None,
    ) -> VersionInfo:
        self._refuse(f"write {store}/{scope}/{key}")

    async def set_entries(self, writes: Sequence[EntryWrite]) -> list[VersionInfo | DataStoreError]:
        self._refuse(f"write {len(writes)} entries")

    async def delete_entry(
        self,
        store: str,
        key: str,
        *,
        scope: str = limits.DEFAULT_SCOPE,
        match_version: str | None = None,
    ) -> VersionInfo:
        self._refuse(f"delete {store}/{scope}/{key}")

    async def increment_entry(
        self,
        store: str,
        key: str,
        by: int,
        *,
        scope: str = limits.DEFAULT_SCOPE,
        attributes: Mapping[str, JsonValue] | None = None,
        user_ids: Iterable[int] | None = None,
    ) -> Entry:
        self._refuse(f"increment {store}/{scope}/{key}")

    # ---- ordered entries ---------------------------------------------------------------

    async def list_ordered(
        self,
        store: str,
        *,
        scope: str = limits.DEFAULT_SCOPE,
        descending: bool = False,
        min_value: int | None = None,
        max_value: int | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[OrderedEntry]:
        listing = OrderedListing.plan(
            store,
            scope,
            descending=descending,
            min_value=min_value,
            max_value=max_value,
            cursor=cursor,
            limit=limit,
        )
        sql, params = listing.where()
        rows = self._db.execute(
            f"SELECT key, value FROM ordered WHERE store = ? AND scope = ? AND {sql}",
            (store, scope, *params),
        ).fetchall()
        return listing.page(rows)

    async def list_ordered_scopes(self, store: str) -> list[str]:
        rows = self._db.execute(
            "SELECT DISTINCT scope FROM ordered WHERE store = ? ORDER BY scope", (store,)
        ).fetchall()
        return [str(row[0]) for row in rows]

    async def get_ordered(
        self, store: str, key: str, *, scope: str = limits.DEFAULT_SCOPE
    ) -> OrderedEntry:
        check.check_scope(scope)
        check.check_ordered_key(key)
        row = self._db.execute(
            "SELECT value FROM ordered WHERE store = ? AND scope = ? AND key = ?",
            (store, scope, key),
        ).fetchone()
        if row is None:
            raise EntryNotFound(f"Ordered entry {store}/{scope}/{key} is not in this backup.")
        return OrderedEntry(store, scope, key, int(row[0]))

    async def create_ordered(
        self, store: str, key: str, value: int, *, scope: str = limits.DEFAULT_SCOPE
    ) -> OrderedEntry:
        self._refuse(f"create ordered entry {store}/{scope}/{key}")

    async def update_ordered(
        self,
        store: str,
        key: str,
        value: int,
        *,
        scope: str = limits.DEFAULT_SCOPE,
        allow_missing: bool = False,
    ) -> OrderedEntry:
        self._refuse(f"update ordered entry {store}/{scope}/{key}")

    async def increment_ordered(
        self, store: str, key: str, amount: int, *, scope: str = limits.DEFAULT_SCOPE
    ) -> OrderedEntry:
        self._refuse(f"increment ordered entry {store}/{scope}/{key}")

    async def delete_ordered(
        self, store: str, key: str, *, scope: str = limits.DEFAULT_SCOPE
    ) -> None:
        self._refuse(f"delete ordered entry {store}/{scope}/{key}")
