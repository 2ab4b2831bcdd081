"""Read an archive: its manifest, its entries (decrypted and md5-checked), its ordered entries."""

from __future__ import annotations

import fnmatch
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..model import JsonValue, OrderedEntry
from ..model.times import from_micros
from ..model.values import content_md5
from ..security.crypto import AesGcmBox
from .format import ARCHIVE_FORMAT, FORMAT_VERSION, ArchiveError, IntegrityError, connect
from .sealing import archive_box, open_payload

_BATCH = 500


@dataclass(frozen=True, slots=True)
class ArchivedEntry:
    """One key's archived latest version (``text`` None when it is a tombstone)."""

    row_id: int
    store: str
    scope: str
    key: str
    created_time: datetime
    updated_time: datetime
    version: str
    version_created_time: datetime
    deleted: bool
    text: str | None
    md5: str
    attributes: dict[str, JsonValue]
    user_ids: tuple[int, ...]

    @property
    def value(self) -> JsonValue:
        return None if self.text is None else json.loads(self.text)


@dataclass(frozen=True, slots=True)
class VersionPayload:
    text: str | None
    md5: str
    attributes: dict[str, JsonValue]
    user_ids: tuple[int, ...]


class ArchiveReader:
    """A finished archive (or, with ``allow_incomplete``, an interrupted one), read-only."""

    def __init__(self, path: Path, *, allow_incomplete: bool = False) -> None:
        self.path = path
        if not path.is_file():
            raise ArchiveError(f"No archive at {path}.")
        try:
            self.db = connect(path, read_only=True)
            fmt = self._meta("format")
        except sqlite3.DatabaseError:
            raise ArchiveError(
                f"{path} is not a DataStore Manager archive (not an SQLite file)."
            ) from None
        if fmt != ARCHIVE_FORMAT:
            self.db.close()
            raise ArchiveError(f"{path} is not a DataStore Manager archive.")
        version = int(self._meta("format_version") or 0)
        if version > FORMAT_VERSION:
            self.db.close()
            raise ArchiveError(
                f"{path} uses archive format {version}; this dsm reads up to {FORMAT_VERSION}. "
                "Upgrade dsm."
            )
        self.manifest: dict[str, Any] = json.loads(self._meta("manifest") or "{}")
        if not self.manifest.get("complete") and not allow_incomplete:
            self.db.close()
            raise ArchiveError(
                f"{path} is an unfinished backup; finish it with `dsm backup --resume --out "
                f"{path}` first."
            )
        self._box: AesGcmBox | None = None
        encryption = self.manifest.get("encryption")
        if encryption:
            box, found_id = archive_box()
            if found_id != encryption.get("keyId"):
                self.db.close()
                raise ArchiveError(
                    f"{path} was encrypted with key {encryption.get('keyId')}, but the key "
                    f"available here is {found_id}; set $DSM_BACKUP_KEY to the backup's key."
                )
            self._box = box

    def close(self) -> None:
        self.db.close()

    @property
    def encrypted(self) -> bool:
        return self._box is not None

    # ---- entries -----------------------------------------------------------------------

    def store_names(self, kind: str = "standard") -> list[str]:
        rows = self.db.execute(
            "SELECT name FROM stores WHERE kind = ? ORDER BY name", (kind,)
        ).fetchall()
        return [str(row[0]) for row in rows]

    def count_entries(self, stores: str = "*", *, include_deleted: bool = False) -> int:
        total = 0
        for name in self.store_names():
            if fnmatch.fnmatchcase(name, stores):
                total += int(
                    self.db.execute(
                        "SELECT count(*) FROM entries WHERE store = ? AND (? OR deleted = 0)",
                        (name, include_deleted),
                    ).fetchone()[0]
                )
        return total

    def entries(
        self, stores: str = "*", *, after_id: int = 0, include_deleted: bool = False
    ) -> Iterator[ArchivedEntry]:
        """Latest version of every key in matching stores, by row id (resume with ``after_id``)."""
        wanted = [name for name in self.store_names() if fnmatch.fnmatchcase(name, stores)]
        if not wanted:
            return
        marks = ",".join("?" * len(wanted))
        last = after_id
        while True:
            rows = self.db.execute(
                "SELECT e.id, e.store, e.scope, e.key, e.created_us, e.updated_us, v.version, "
                "v.created_us, v.deleted, v.md5, v.value, v.attributes, v.user_ids, v.sealed "
                "FROM entries e JOIN versions v ON v.entry_id = e.id AND v.version = e.version "
                f"WHERE e.id > ? AND e.store IN ({marks}) AND (? OR e.deleted = 0) "
                "ORDER BY e.id LIMIT ?",
                (last, *wanted, include_deleted, _BATCH),
            ).fetchall()
            for row in rows:
                (row_id, store, scope, key, created, updated, version, v_created, deleted) = row[:9]
                payload = self.payload((store, scope, key, version), row[9:])
                yield ArchivedEntry(
                    row_id,
                    store,
                    scope,
                    key,
                    from_micros(created),
                    from_micros(updated),
                    version,
                    from_micros(v_created),
                    bool(deleted),
                    payload.text,
                    payload.md5,
                    payload.attributes,
                    payload.user_ids,
                )
            if len(rows) < _BATCH:
                return
            last = rows[-1][0]

    def ordered_entries(self, stores: str = "*") -> Iterator[OrderedEntry]:
        for name in self.store_names("ordered"):
            if fnmatch.fnmatchcase(name, stores):
                rows = self.db.execute(
                    "SELECT scope, key, value FROM ordered WHERE store = ? ORDER BY scope, key",
                    (name,),
                )
                for scope, key, value in rows:
                    yield OrderedEntry(name, scope, key, int(value))

    def payload(self, where: tuple[str, str, str, str], columns: tuple[Any, ...]) -> VersionPayload:
        """Decrypt (when sealed) and md5-check one version's columns
        ``(md5, value, attributes, user_ids, sealed)``."""
        md5, text, attributes, user_ids, sealed = columns
        if sealed is not None:
            if self._box is None:
                raise ArchiveError(f"{self.path} holds encrypted rows but no key was loaded.")
            text, md5, attrs, users = open_payload(self._box, where, sealed)
            payload = VersionPayload(text, md5, attrs, users)
        else:
            payload = VersionPayload(
                text,
                md5 or "",
                json.loads(attributes) if attributes else {},
                tuple(json.loads(user_ids)) if user_ids else (),
            )
        if payload.text is not None and content_md5(payload.text) != payload.md5:
            raise IntegrityError(
                f"Archive {self.path}: {'/'.join(where[:3])} version {where[3]} does not match "
                "its recorded md5; the file is damaged."
            )
        return payload

    def verify(self) -> int:
        """Decrypt and md5-check every version; returns how many were checked."""
        checked = 0
        rows = self.db.execute(
            "SELECT e.store, e.scope, e.key, v.version, v.md5, v.value, v.attributes, "
            "v.user_ids, v.sealed FROM versions v JOIN entries e ON e.id = v.entry_id"
        )
        for row in rows:
            self.payload(tuple(row[:4]), tuple(row[4:]))
            checked += 1
        return checked

    def _meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])
