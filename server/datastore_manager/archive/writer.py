"""Append entries to an archive, one committed checkpoint at a time.

A checkpoint (:meth:`ArchiveWriter.commit_page`) writes a page of entries AND the listing
cursor that follows them in one transaction, so after a crash the archive holds exactly the
pages before the cursor it will resume from: nothing is read twice, nothing is missing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..model import OrderedEntry, StoreKind, utc_now
from ..model.times import format_time, from_micros, to_micros
from ..security.crypto import AesGcmBox
from .format import ARCHIVE_FORMAT, FORMAT_VERSION, ArchiveError, EntryRecord, connect
from .sealing import seal_payload


class ArchiveWriter:
    """Write one archive. Create with :meth:`create` or continue one with :meth:`resume`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, box: AesGcmBox | None) -> None:
        self.path = path
        self._db = conn
        self._box = box

    # ---- opening -----------------------------------------------------------------------

    @classmethod
    def create(
        cls, path: Path, manifest: dict[str, Any], *, box: AesGcmBox | None = None
    ) -> ArchiveWriter:
        """A new archive at ``path``; refuses an existing file (backups are never overwritten)."""
        if path.exists():
            raise ArchiveError(
                f"{path} already exists. Choose a new file, or pass --resume to continue an "
                "interrupted backup into it."
            )
        writer = cls(path, connect(path), box)
        with writer._transaction():
            writer._set_meta("format", ARCHIVE_FORMAT)
            writer._set_meta("format_version", str(FORMAT_VERSION))
            writer._set_meta("manifest", json.dumps(manifest, ensure_ascii=False))
        return writer

    @classmethod
    def resume(cls, path: Path, *, box: AesGcmBox | None = None) -> ArchiveWriter:
        """Continue an interrupted backup (its manifest says which options to keep)."""
        if not path.exists():
            raise ArchiveError(f"Cannot resume: {path} does not exist; start a new backup.")
        writer = cls(path, connect(path), box)
        if writer._meta("format") != ARCHIVE_FORMAT:
            writer.close()
            raise ArchiveError(f"Cannot resume: {path} is not a DataStore Manager archive.")
        return writer

    def seal_with(self, box: AesGcmBox) -> None:
        """Encrypt the rows written from now on (a resumed encrypted backup)."""
        self._box = box

    def close(self) -> None:
        self._db.close()

    # ---- state -------------------------------------------------------------------------

    @property
    def manifest(self) -> dict[str, Any]:
        text = self._meta("manifest")
        return {} if text is None else dict(json.loads(text))

    def update_manifest(self, manifest: dict[str, Any]) -> None:
        with self._transaction():
            self._set_meta("manifest", json.dumps(manifest, ensure_ascii=False))

    def plan_stores(self, stores: Iterable[tuple[StoreKind, str, int | None]]) -> None:
        """Record the stores to back up (kept across resumes; existing rows are untouched)."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO stores (kind, name, created_us) VALUES (?, ?, ?)",
                [(kind.value, name, created) for kind, name, created in stores],
            )

    def pending_stores(self) -> list[tuple[StoreKind, str, str | None]]:
        """Stores not finished yet, with the cursor to continue each from."""
        rows = self._db.execute(
            "SELECT kind, name, cursor FROM stores WHERE done = 0 ORDER BY kind DESC, name"
        ).fetchall()
        return [(StoreKind(kind), name, cursor) for kind, name, cursor in rows]

    def has_entry(self, store: str, scope: str, key: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM entries WHERE store = ? AND scope = ? AND key = ?", (store, scope, key)
        ).fetchone()
        return row is not None

    def counts(self) -> dict[str, int]:
        one = self._db.execute
        return {
            "entries": int(one("SELECT count(*) FROM entries").fetchone()[0]),
            "deletedEntries": int(one("SELECT count(*) FROM entries WHERE deleted").fetchone()[0]),
            "versions": int(one("SELECT count(*) FROM versions").fetchone()[0]),
            "orderedEntries": int(one("SELECT count(*) FROM ordered").fetchone()[0]),
            "bytes": int(one("SELECT coalesce(sum(size), 0) FROM versions").fetchone()[0]),
        }

    def store_counts(self) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT s.kind, s.name, s.created_us, s.done, "
            "(SELECT count(*) FROM entries e WHERE e.store = s.name AND s.kind = 'standard'), "
            "(SELECT count(*) FROM ordered o WHERE o.store = s.name AND s.kind = 'ordered') "
            "FROM stores s ORDER BY s.kind DESC, s.name"
        ).fetchall()

        return [
            {
                "name": name,
                "kind": kind,
                "createdTime": None if created is None else format_time(from_micros(created)),
                "complete": bool(done),
                "entries": standard + ordered,
            }
            for kind, name, created, done, standard, ordered in rows
        ]

    # ---- checkpoints -------------------------------------------------------------------

    def commit_page(
        self,
        kind: StoreKind,
        store: str,
        entries: Sequence[EntryRecord] = (),
        ordered: Sequence[OrderedEntry] = (),
        *,
        cursor: str | None,
    ) -> None:
        """Append a page and move the store's checkpoint in one transaction.

        ``cursor`` None means the store's listing is finished.
        """
        with self._transaction():
            for record in entries:
                self._put_entry(record)
            self._db.executemany(
                "INSERT OR REPLACE INTO ordered (store, scope, key, value) VALUES (?, ?, ?, ?)",
                [(o.store, o.scope, o.key, o.value) for o in ordered],
            )
            self._db.execute(
                "UPDATE stores SET cursor = ?, done = ? WHERE kind = ? AND name = ?",
                (cursor, cursor is None, kind.value, store),
            )

    def finish(self, manifest: dict[str, Any]) -> None:
        """Mark the archive complete: the manifest gets its final counts and end time."""
        manifest = {**manifest, "complete": True, "finishedAt": format_time(utc_now())}
        manifest["counts"] = self.counts()
        manifest["stores"] = self.store_counts()
        self.update_manifest(manifest)
        self._db.execute("VACUUM")

    # ---- internals ---------------------------------------------------------------------

    def _put_entry(self, record: EntryRecord) -> None:
        latest = record.latest
        self._db.execute(
            "DELETE FROM versions WHERE entry_id IN (SELECT id FROM entries WHERE store = ? AND "
            "scope = ? AND key = ?)",
            (record.store, record.scope, record.key),
        )
        row = self._db.execute(
            "INSERT INTO entries (store, scope, key, created_us, updated_us, version, deleted) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (store, scope, key) DO UPDATE SET "
            "created_us = excluded.created_us, updated_us = excluded.updated_us, "
            "version = excluded.version, deleted = excluded.deleted RETURNING id",
            (
                record.store,
                record.scope,
                record.key,
                to_micros(record.created_time),
                to_micros(record.updated_time),
                latest.version,
                latest.deleted,
            ),
        ).fetchone()
        entry_id = int(row[0])
        rows = []
        for seq, version in enumerate(record.versions, start=1):
            where = (record.store, record.scope, record.key, version.version)
            clear: tuple[Any, ...]
            if self._box is not None:
                sealed = seal_payload(
                    self._box,
                    where,
                    version.text,
                    version.md5,
                    version.attributes,
                    version.user_ids,
                )
                clear = (None, None, None, None, sealed)
            else:
                clear = (
                    version.md5 or None,
                    version.text,
                    json.dumps(version.attributes, ensure_ascii=False)
                    if version.attributes
                    else None,
                    json.dumps(list(version.user_ids)) if version.user_ids else None,
                    None,
                )
            rows.append(
                (
                    entry_id,
                    seq,
                    version.version,
                    to_micros(version.created_time),
                    version.deleted,
                    version.size,
                    *clear,
                )
            )
        self._db.executemany(
            "INSERT INTO versions (entry_id, seq, version, created_us, deleted, size, md5, value, "
            "attributes, user_ids, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def _meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, name: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any error)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
