"""The synchronous local DataStore engine: Open Cloud semantics over one SQLite file.

Every write is one ``BEGIN IMMEDIATE`` transaction, so a conditional write is atomic across
threads and processes sharing the file. :class:`~.backend.LocalBackend` wraps this class for the
async backend contract; tools that need raw speed (demo data, benchmarks) may use it directly.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ...model import (
    AlreadyExists,
    DataStoreDeleted,
    DataStoreError,
    DataStoreInfo,
    DataStoreNotFound,
    EncodedValue,
    Entry,
    EntryDeleted,
    EntryNotFound,
    EntryWrite,
    InvalidArgument,
    JsonValue,
    KeyInfo,
    OrderedEntry,
    Page,
    PreconditionFailed,
    SnapshotResult,
    StoreKind,
    StoreState,
    Unavailable,
    VersionInfo,
    VersionNotFound,
    limits,
    utc_now,
)
from ...model import validation as check
from ...model.times import from_micros, to_micros
from ..cursors import decode_cursor, encode_cursor, fingerprint
from ..ordered_listing import OrderedListing
from .schema import connect
from .versions import (
    PreviousVersion,
    Retention,
    expiry_cutoff_us,
    make_version_id,
    overwritten_in_same_hour,
    same_hour,
    ticks_from_micros,
)

Clock = Callable[[], datetime]
DEFAULT_UNIVERSE_ID = 1

_ENTRY_COLUMNS = "e.id, e.created_us, e.updated_us, e.last_seq, e.last_ticks, e.version, e.deleted"


class LocalEngine:
    """One universe in one SQLite file. Not thread-safe: use one engine per thread."""

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Clock | None = None,
        retention: Retention | str = Retention.ALL,
        universe_id: int | None = None,
    ) -> None:
        self.path = Path(path)
        self._clock = clock or utc_now
        self.retention = Retention.parse(retention)
        self._db = connect(self.path)
        with self._write():
            stored = self._meta("universe_id")
            if stored is None:
                stored = str(universe_id or DEFAULT_UNIVERSE_ID)
                self._set_meta("universe_id", stored)
        self.universe_id = int(stored)

    def close(self) -> None:
        self._db.close()

    # ---- plumbing ----------------------------------------------------------------------

    def _now_us(self) -> int:
        return to_micros(self._clock())

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise Unavailable(f"The local store {self.path} is busy: {exc}. Try again.") from None
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent snapshot of the file for multi-statement reads."""
        self._db.execute("BEGIN")
        try:
            yield self._db
        finally:
            self._db.execute("COMMIT")

    def _meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, name: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    # ---- stores ------------------------------------------------------------------------

    def _store_row(
        self, kind: StoreKind, name: str
    ) -> tuple[int, int, int | None, int | None] | None:
        row = self._db.execute(
            "SELECT id, created_us, deleted_us, expire_us FROM stores WHERE kind = ? AND name = ?",
            (kind.value, name),
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])

    def _readable_store(self, kind: StoreKind, name: str) -> int | None:
        """The store's id, None when it does not exist; DataStoreDeleted while scheduled."""
        check.check_store_name(name)
        row = self._store_row(kind, name)
        if row is None:
            return None
        store_id, _, deleted_us, expire_us = row
        if deleted_us is not None:
            if expire_us is not None and expire_us <= self._now_us():
                return None  # permanently deleted; purged by the next write
            raise DataStoreDeleted(
                f"Data store {name!r} is scheduled for deletion; undelete it to access its entries."
            )
        return int(store_id)

    def _writable_store(self, kind: StoreKind, name: str, now_us: int) -> int:
        """The store's id, creating it on first write as Roblox does. Call inside _write()."""
        store_id = self._readable_store(kind, name)
        if store_id is not None:
            return store_id
        row = self._store_row(kind, name)
        if row is not None:  # expired deletion: finish it, then the name is free again
            self._db.execute("DELETE FROM stores WHERE id = ?", (row[0],))
        cursor = self._db.execute(
            "INSERT INTO stores (kind, name, created_us) VALUES (?, ?, ?)",
            (kind.value, name, now_us),
        )
        return int(cursor.lastrowid or 0)

    def _store_info(self, kind: StoreKind, row: tuple[Any, ...]) -> DataStoreInfo:
        name, created_us, deleted_us, expire_us = row
        return DataStoreInfo(
            name=name,
            created_time=from_micros(created_us),
            kind=kind,
            state=StoreState.DELETED if deleted_us is not None else StoreState.ACTIVE,
            expire_time=None if expire_us is None else from_micros(expire_us),
        )

    def list_stores(
        self,
        kind: StoreKind,
        *,
        prefix: str = "",
        cursor: str | None = None,
        limit: int | None = None,
        show_deleted: bool = False,
    ) -> Page[DataStoreInfo]:
        size = limits.page_size(limit, limits.LIST_DATA_STORES_PAGE)
        query = fingerprint("stores", kind.value, prefix, show_deleted)
        after = decode_cursor(cursor, query)[0] if cursor else ""
        now_us = self._now_us()
        names_sql, names_args = _key_range("name", prefix, after)
        rows = self._db.execute(
            "SELECT name, created_us, deleted_us, expire_us FROM stores "
            f"WHERE kind = ? AND {names_sql} "
            "AND (expire_us IS NULL OR expire_us > ?) AND (? OR deleted_us IS NULL) "
            "ORDER BY name LIMIT ?",
            (kind.value, *names_args, now_us, show_deleted, size + 1),
        ).fetchall()
        items = [self._store_info(kind, row) for row in rows[:size]]
        more = len(rows) > size
        return Page(items, encode_cursor(query, [items[-1].name]) if more else None)

    def delete_store(self, name: str) -> DataStoreInfo:
        check.check_store_name(name)
        with self._write():
            now_us = self._now_us()
            row = self._store_row(StoreKind.STANDARD, name)
            if row is None or (row[3] is not None and row[3] <= now_us):
                raise DataStoreNotFound(f"Data store {name!r} does not exist.")
            store_id, created_us, deleted_us, expire_us = row
            if deleted_us is None:  # deleting a deleted store is a no-op (OA)
                deleted_us = now_us
                expire_us = now_us + int(limits.DELETED_STORE_RETENTION.total_seconds() * 1e6)
                self._db.execute(
                    "UPDATE stores SET deleted_us = ?, expire_us = ? WHERE id = ?",
                    (deleted_us, expire_us, store_id),
                )
            return self._store_info(StoreKind.STANDARD, (name, created_us, deleted_us, expire_us))

    def undelete_store(self, name: str) -> DataStoreInfo:
        check.check_store_name(name)
        with self._write():
            row = self._store_row(StoreKind.STANDARD, name)
            if row is None or (row[3] is not None and row[3] <= self._now_us()):
                raise DataStoreNotFound(f"Data store {name!r} does not exist (or was purged).")
            self._db.execute(
                "UPDATE stores SET deleted_us = NULL, expire_us = NULL WHERE id = ?", (row[0],)
            )
            return self._store_info(StoreKind.STANDARD, (name, row[1], None, None))

    def snapshot(self) -> SnapshotResult:
        with self._write():
            now_us = self._now_us()
            last = self._meta("last_snapshot_us")
            if last is not None and from_micros(int(last)).date() == from_micros(now_us).date():
                return SnapshotResult(False, from_micros(int(last)))
            self._set_meta("last_snapshot_us", str(now_us))
            return SnapshotResult(True, from_micros(now_us))

    # ---- standard entries: reads -------------------------------------------------------

    def _entry_row(self, store_id: int, scope: str, key: str) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE store_id = ? AND scope = ? AND key = ?",
            (store_id, scope, key),
        ).fetchone()
        return row

    def list_keys(
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
        if not all_scopes:
            check.check_scope(scope)
        size = limits.page_size(limit, limits.LIST_KEYS_PAGE)
        query = fingerprint("keys", store, None if all_scopes else scope, prefix, include_deleted)
        after_scope, after_key = decode_cursor(cursor, query) if cursor else ("", "")
        with self._read():
            store_id = self._readable_store(StoreKind.STANDARD, store)
            if store_id is None:
                return Page([])
            if all_scopes:  # Roblox's AllScopes mode: the prefix applies to "scope/key"
                where = "(scope > ? OR (scope = ? AND key > ?)) AND " + _STARTS_WITH.format(
                    "scope || '/' || key"
                )
                params: tuple[Any, ...] = (after_scope, after_scope, after_key)
                params += _prefix_args(prefix)
            else:
                keys_sql, keys_args = _key_range("key", prefix, after_key)
                where = f"scope = ? AND {keys_sql}"
                params = (scope, *keys_args)
            rows = self._db.execute(
                f"SELECT scope, key, deleted FROM entries WHERE store_id = ? AND {where} "
                f"AND (? OR deleted = 0) ORDER BY scope, key LIMIT ?",
                (store_id, *params, include_deleted, size + 1),
            ).fetchall()
        items = [KeyInfo(scope=s, key=k, deleted=bool(d)) for s, k, d in rows[:size]]
        more = len(rows) > size
        return Page(items, encode_cursor(query, [items[-1].scope, items[-1].key]) if more else None)

    def get_entry(
        self,
        store: str,
        key: str,
        *,
        scope: str = limits.DEFAULT_SCOPE,
        version: str | None = None,
        as_of: datetime | None = None,
    ) -> Entry:
        check.check_key(key)
        check.check_scope(scope)
        if version is not None and as_of is not None:
            raise InvalidArgument("Give either a version or a time (as_of), not both.")
        if as_of is not None:
            check.check_as_of(as_of, self._clock())
        where = entry_label(store, scope, key)
        with self._read():
            store_id = self._readable_store(StoreKind.STANDARD, store)
            row = None if store_id is None else self._entry_row(store_id, scope, key)
            if row is None or store_id is None:
                raise EntryNotFound(f"Entry {where} does not exist.")
            entry_id, created_us, updated_us = row[0], row[1], row[2]
            arg: str | int
            if version is not None:
                sql, arg = "AND version = ?", version
            elif as_of is not None:
                sql, arg = "AND created_us <= ? ORDER BY seq DESC LIMIT 1", to_micros(as_of)
            else:
                sql, arg = "AND seq = ?", row[3]
            found = self._db.execute(
                "SELECT version, created_us, deleted, value, md5, size, attributes, user_ids "
                f"FROM versions WHERE entry_id = ? {sql}",
                (entry_id, arg),
            ).fetchone()
        if found is None:
            if version is not None:
                raise VersionNotFound(f"Version {version!r} of {where} does not exist.")
            raise EntryNotFound(f"Entry {where} did not exist at {as_of}.")
        vid, v_created_us, deleted, text, md5, size, attributes, user_ids = found
        if deleted:
            raise EntryDeleted(
                f"Entry {where} is deleted at that version ({vid}); older versions are kept.",
                version=vid,
            )
        return Entry(
            store=store,
            scope=scope,
            key=key,
            value=json.loads(text),
            version=vid,
            created_time=from_micros(created_us),
            updated_time=from_micros(updated_us),
            version_created_time=from_micros(v_created_us),
            attributes=json.loads(attributes) if attributes else {},
            user_ids=tuple(json.loads(user_ids)) if user_ids else (),
            content_md5=md5,
            size=size,
        )

    def list_versions(
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
        check.check_key(key)
        check.check_scope(scope)
        size = limits.page_size(limit, limits.LIST_VERSIONS_PAGE)
        start_us = to_micros(start_time) if start_time else -(2**62)
        end_us = to_micros(end_time) if end_time else 2**62
        query = fingerprint("versions", store, scope, key, start_us, end_us, descending)
        after = decode_cursor(cursor, query)[0] if cursor else None
        with self._read():
            store_id = self._readable_store(StoreKind.STANDARD, store)
            row = None if store_id is None else self._entry_row(store_id, scope, key)
            if row is None:
                raise EntryNotFound(f"Entry {entry_label(store, scope, key)} does not exist.")
            if after is None:
                after = 2**62 if descending else -1
            rows = self._db.execute(
                "SELECT seq, version, deleted, size, created_us FROM versions "
                f"WHERE entry_id = ? AND seq {'<' if descending else '>'} ? "
                "AND created_us >= ? AND created_us <= ? "
                f"ORDER BY seq {'DESC' if descending else 'ASC'} LIMIT ?",
                (row[0], after, start_us, end_us, size + 1),
            ).fetchall()
        object_created = from_micros(row[1])
        items = [
            VersionInfo(vid, bool(deleted), length, from_micros(created_us), object_created)
            for _, vid, deleted, length, created_us in rows[:size]
        ]
        more = len(rows) > size
        return Page(items, encode_cursor(query, [rows[size - 1][0]]) if more else None)

    # ---- standard entries: writes ------------------------------------------------------

    def set_entry(
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
        write = EntryWrite(
            store,
            key,
            value,
            scope,
            match_version,
            exclusive_create,
            attributes,
            None if user_ids is None else tuple(user_ids),
        )
        checked = _CheckedWrite.of(write)
        with self._write():
            return self._apply(checked, self._now_us())

    def set_entries(self, writes: Sequence[EntryWrite]) -> list[VersionInfo | DataStoreError]:
        """Apply many writes in ONE transaction (bulk imports, restores, demo data).

        Each write keeps its own precondition; a write that fails yields its error in place
        and leaves no trace, the others are applied.
        """
        results: list[VersionInfo | DataStoreError] = []
        with self._write():
            now_us = self._now_us()
            for write in writes:
                try:
                    results.append(self._apply(_CheckedWrite.of(write), now_us))
                except DataStoreError as exc:
                    results.append(exc)
        return results

    def _apply(self, write: _CheckedWrite, now_us: int) -> VersionInfo:
        store, scope, key = write.store, write.scope, write.key
        # Every check comes before the first change, so a refused write leaves no trace.
        store_id = self._readable_store(StoreKind.STANDARD, store)
        current = None if store_id is None else self._entry_row(store_id, scope, key)
        where = entry_label(store, scope, key)
        if write.exclusive_create and current is not None and not current[6]:
            raise AlreadyExists(
                f"Entry {where} already exists (version {current[5]}); nothing was written.",
                current_version=current[5],
            )
        match_version = write.match_version
        if match_version is not None and (current is None or current[5] != match_version):
            have = None if current is None else current[5]
            raise PreconditionFailed(
                f"Entry {where} is at version {have or '(none: the entry does not exist)'}, "
                f"not {match_version}; it changed since you read it. Nothing was written.",
                current_version=have,
            )
        if store_id is None:
            store_id = self._writable_store(StoreKind.STANDARD, store, now_us)
        return self._append_version(
            store_id,
            scope,
            key,
            current,
            now_us,
            write.encoded,
            write.attributes,
            write.user_ids,
            deleted=False,
        )

    def _append_version(
        self,
        store_id: int,
        scope: str,
        key: str,
        current: tuple[Any, ...] | None,
        now_us: int,
        encoded: EncodedValue | None,
        attributes: dict[str, JsonValue],
        user_ids: tuple[int, ...],
        *,
        deleted: bool,
    ) -> VersionInfo:
        """Write a new latest version (or a tombstone when ``encoded`` is None)."""
        if current is None:
            ticks = ticks_from_micros(now_us)
            created_us, seq, created_ticks = now_us, 1, ticks
            cursor = self._db.execute(
                "INSERT INTO entries (store_id, scope, key, created_us, updated_us, last_seq, "
                "last_ticks, version, deleted) VALUES (?, ?, ?, ?, ?, 0, 0, '', 0)",
                (store_id, scope, key, now_us, now_us),
            )
            entry_id = int(cursor.lastrowid or 0)
        else:
            entry_id, created_us, _, last_seq, last_ticks, _, _ = current
            ticks = max(ticks_from_micros(now_us), last_ticks + 1)  # monotonic per key
            seq = last_seq + 1
            created_ticks = int(str(current[5]).split(".")[2], 16)
            self._retire_previous(entry_id, last_seq, now_us)
        version = make_version_id(ticks, seq, created_ticks)
        self._db.execute(
            "INSERT INTO versions (entry_id, seq, version, created_us, deleted, value, md5, size, "
            "attributes, user_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry_id,
                seq,
                version,
                now_us,
                deleted,
                None if encoded is None else encoded.text,
                None if encoded is None else encoded.md5,
                0 if encoded is None else encoded.size,
                json.dumps(attributes) if attributes else None,
                json.dumps(list(user_ids)) if user_ids else None,
            ),
        )
        self._db.execute(
            "UPDATE entries SET updated_us = ?, last_seq = ?, last_ticks = ?, version = ?, "
            "deleted = ? WHERE id = ?",
            (now_us, seq, ticks, version, deleted, entry_id),
        )
        return VersionInfo(
            version=version,
            deleted=deleted,
            content_length=0 if encoded is None else encoded.size,
            created_time=from_micros(now_us),
            object_created_time=from_micros(created_us),
        )

    def _retire_previous(self, entry_id: int, last_seq: int, now_us: int) -> None:
        """Mark the latest version superseded, and apply Roblox's retention when asked to."""
        self._db.execute(
            "UPDATE versions SET superseded_us = ? WHERE entry_id = ? AND seq = ?",
            (now_us, entry_id, last_seq),
        )
        if self.retention is not Retention.ROBLOX:
            return
        rows = self._db.execute(
            "SELECT seq, created_us FROM versions WHERE entry_id = ? AND seq <= ? "
            "ORDER BY seq DESC LIMIT 2",
            (entry_id, last_seq),
        ).fetchall()
        previous_created = rows[0][1]
        first_of_hour = len(rows) < 2 or not same_hour(rows[1][1], previous_created)
        snapshot = self._meta("last_snapshot_us")
        previous = PreviousVersion(last_seq, previous_created, first_of_hour)
        if overwritten_in_same_hour(previous, now_us, None if snapshot is None else int(snapshot)):
            self._db.execute(
                "DELETE FROM versions WHERE entry_id = ? AND seq = ?", (entry_id, last_seq)
            )
        self._db.execute(
            "DELETE FROM versions WHERE entry_id = ? AND superseded_us < ?",
            (entry_id, expiry_cutoff_us(now_us)),
        )

    def delete_entry(
        self,
        store: str,
        key: str,
        *,
        scope: str = limits.DEFAULT_SCOPE,
        match_version: str | None = None,
    ) -> VersionInfo:
        check.check_scope(scope)
        check.check_key(key)
        where = entry_label(store, scope, key)
        with self._write():
            now_us = self._now_us()
            store_id = self._readable_store(StoreKind.STANDARD, store)
            current = None if store_id is None else self._entry_row(store_id, scope, key)
            if store_id is None or current is None or current[6]:
                raise EntryNotFound(f"Entry {where} does not exist (or is already deleted).")
            if match_version is not None and current[5] != match_version:
                raise PreconditionFailed(
                    f"Entry {where} is at version {current[5]}, not {match_version}; "
                    "it changed since you read it. Nothing was deleted.",
                    current_version=current[5],
                )
            return self._append_version(
                store_id, scope, key, current, now_us, None, {}, (), deleted=True
            )

    def increment_entry(
        self,
        store: str,
        key: str,
        by: int,
        *,
        scope: str = limits.DEFAULT_SCOPE,
        attributes: Mapping[str, JsonValue] | None = None,
        user_ids: Iterable[int] | None = None,
    ) -> Entry:
        check.check_store_name(store)
        check.check_scope(scope)
        check.check_key(key)
        amount = check.check_int64("Increment amount", by)
        attrs = check.check_attributes(attributes)
        users = check.check_user_ids(user_ids)
        where = entry_label(store, scope, key)
        with self._write():
            now_us = self._now_us()
            store_id = self._writable_store(StoreKind.STANDARD, store, now_us)
            current = self._entry_row(store_id, scope, key)
            base = 0
            if current is not None and not current[6]:
                text = self._db.execute(
                    "SELECT value FROM versions WHERE entry_id = ? AND seq = ?",
                    (current[0], current[3]),
                ).fetchone()[0]
                existing = json.loads(text)
                if isinstance(existing, bool) or not isinstance(existing, int | float):
                    raise InvalidArgument(
                        f"Entry {where} holds {text[:40]}, not an integer; only integer entries "
                        "can be incremented."
                    )
                base = check.check_int64(f"The value of {where}", existing)
            total = check.check_int64(f"The incremented value of {where}", base + amount)
            encoded = EncodedValue.from_value(total)
            info = self._append_version(
                store_id, scope, key, current, now_us, encoded, attrs, users, deleted=False
            )
        return Entry(
            store=store,
            scope=scope,
            key=key,
            value=total,
            version=info.version,
            created_time=info.object_created_time,
            updated_time=info.created_time,
            version_created_time=info.created_time,
            attributes=attrs,
            user_ids=users,
            content_md5=encoded.md5,
            size=encoded.size,
        )

    # ---- ordered entries ---------------------------------------------------------------

    def list_ordered(
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
        with self._read():
            store_id = self._readable_store(StoreKind.ORDERED, store)
            if store_id is None:
                return Page([])
            sql, params = listing.where()
            rows = self._db.execute(
                f"SELECT key, value FROM ordered WHERE store_id = ? AND scope = ? AND {sql}",
                (store_id, scope, *params),
            ).fetchall()
        return listing.page(rows)

    def list_ordered_scopes(self, store: str) -> list[str]:
        with self._read():
            store_id = self._readable_store(StoreKind.ORDERED, store)
            if store_id is None:
                return []
            rows = self._db.execute(
                "SELECT DISTINCT scope FROM ordered WHERE store_id = ? ORDER BY scope",
                (store_id,),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def _ordered_value(self, store_id: int, scope: str, key: str) -> int | None:
        row = self._db.execute(
            "SELECT value FROM ordered WHERE store_id = ? AND scope = ? AND key = ?",
            (store_id, scope, key),
        ).fetchone()
        return None if row is None else int(row[0])

    def get_ordered(
        self, store: str, key: str, *, scope: str = limits.DEFAULT_SCOPE
    ) -> OrderedEntry:
        check.check_scope(scope)
        check.check_ordered_key(key)
        store_id = self._readable_store(StoreKind.ORDERED, store)
        value = None if store_id is None else self._ordered_value(store_id, scope, key)
        if value is None:
            raise EntryNotFound(f"Ordered entry {entry_label(store, scope, key)} does not exist.")
        return OrderedEntry(store, scope, key, value)

    def put_ordered(
        self,
        store: str,
        key: str,
        value: int,
        *,
        scope: str = limits.DEFAULT_SCOPE,
        mode: str,
    ) -> OrderedEntry:
        """``mode``: "create" (must not exist), "update" (must exist), "upsert", "increment"."""
        check.check_store_name(store)
        check.check_scope(scope)
        check.check_ordered_key(key)
        number = check.check_int64("Ordered value" if mode != "increment" else "Amount", value)
        where = entry_label(store, scope, key)
        with self._write():
            now_us = self._now_us()
            store_id = self._writable_store(StoreKind.ORDERED, store, now_us)
            existing = self._ordered_value(store_id, scope, key)
            if mode == "create" and existing is not None:
                raise AlreadyExists(f"Ordered entry {where} already exists (value {existing}).")
            if mode == "update" and existing is None:
                raise EntryNotFound(
                    f"Ordered entry {where} does not exist; pass allow_missing to create it."
                )
            if mode == "increment":
                number = check.check_int64(
                    f"The incremented value of {where}", (existing or 0) + number
                )
            self._db.execute(
                "INSERT INTO ordered (store_id, scope, key, value) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (store_id, scope, key) DO UPDATE SET value = excluded.value",
                (store_id, scope, key, number),
            )
        return OrderedEntry(store, scope, key, number)

    def delete_ordered(self, store: str, key: str, *, scope: str = limits.DEFAULT_SCOPE) -> None:
        check.check_scope(scope)
        check.check_ordered_key(key)
        with self._write():
            store_id = self._readable_store(StoreKind.ORDERED, store)
            deleted = 0
            if store_id is not None:
                deleted = self._db.execute(
                    "DELETE FROM ordered WHERE store_id = ? AND scope = ? AND key = ?",
                    (store_id, scope, key),
                ).rowcount
        if not deleted:
            raise EntryNotFound(f"Ordered entry {entry_label(store, scope, key)} does not exist.")


@dataclass(frozen=True, slots=True)
class _CheckedWrite:
    """An EntryWrite whose names, value and metadata passed Roblox's limits."""

    store: str
    scope: str
    key: str
    encoded: EncodedValue
    match_version: str | None
    exclusive_create: bool
    attributes: dict[str, JsonValue]
    user_ids: tuple[int, ...]

    @classmethod
    def of(cls, write: EntryWrite) -> _CheckedWrite:
        check.check_store_name(write.store)
        check.check_scope(write.scope)
        check.check_key(write.key)
        if write.match_version is not None and write.exclusive_create:
            raise InvalidArgument("Give either match_version or exclusive_create, not both.")
        return cls(
            write.store,
            write.scope,
            write.key,
            check.encode_checked_value(write.value),
            write.match_version,
            write.exclusive_create,
            check.check_attributes(write.attributes),
            check.check_user_ids(write.user_ids),
        )


# "column starts with ?" compared as UTF-8 bytes: substr() on TEXT stops at U+0000, so a
# prefix holding NUL would match nothing although such names are stored.
_STARTS_WITH = "substr(CAST({} AS BLOB), 1, ?) = ?"


def _prefix_args(prefix: str) -> tuple[int, bytes]:
    encoded = prefix.encode("utf-8")
    return len(encoded), encoded


def _key_range(column: str, prefix: str, after: str) -> tuple[str, tuple[str, ...]]:
    """An index range for "``column`` starts with ``prefix`` and sorts after ``after``".

    One lower and one upper bound, so SQLite seeks straight to the first match and stops after
    the last one (two lower bounds made it scan from the start of the index). Code-point order
    is UTF-8 byte order, which is how SQLite compares TEXT.
    """
    args: tuple[str, ...]
    if after >= prefix:
        sql, args = f"{column} > ?", (after,)
    else:
        sql, args = f"{column} >= ?", (prefix,)
    upper = _prefix_upper_bound(prefix)
    if upper is not None:
        sql, args = f"{sql} AND {column} < ?", (*args, upper)
    return sql, args


def _prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string above every string that starts with ``prefix`` (None: no bound)."""
    chars = list(prefix)
    while chars:
        following = ord(chars[-1]) + 1
        if following <= 0x10FFFF:
            if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be stored; skip them
                following = 0xE000
            chars[-1] = chr(following)
            return "".join(chars)
        chars.pop()
    return None


def entry_label(store: str, scope: str, key: str) -> str:
    """How messages name an entry: ``PlayerData/global/Player_1``."""
    return f"{store}/{scope}/{key}"
