"""The archive's SQLite layout and the records written into it.

Why SQLite (argued in ``docs/archive-format.md``): one file, each checkpoint is one committed
transaction (a kill -9 leaves the last checkpoint intact), indexed random access so the file
opens directly as a read-only backend, and readable with any SQLite tool.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Final

from ..model import DataStoreError, JsonValue

ARCHIVE_FORMAT: Final = "dsm-archive"
FORMAT_VERSION: Final = 1

DDL: Final = """
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Every store the backup planned, with its checkpoint: the listing cursor to continue from.
CREATE TABLE IF NOT EXISTS stores (
    kind       TEXT NOT NULL CHECK (kind IN ('standard', 'ordered')),
    name       TEXT NOT NULL,
    created_us INTEGER,
    cursor     TEXT,
    done       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, name)
);
CREATE TABLE IF NOT EXISTS entries (
    id         INTEGER PRIMARY KEY,
    store      TEXT NOT NULL,
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL,
    version    TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (store, scope, key)
);
-- value/md5/attributes/user_ids are NULL in an encrypted archive; ``sealed`` holds them.
CREATE TABLE IF NOT EXISTS versions (
    entry_id   INTEGER NOT NULL REFERENCES entries (id),
    seq        INTEGER NOT NULL,
    version    TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    size       INTEGER NOT NULL DEFAULT 0,
    md5        TEXT,
    value      TEXT,
    attributes TEXT,
    user_ids   TEXT,
    sealed     BLOB,
    PRIMARY KEY (entry_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS versions_by_id ON versions (entry_id, version);
CREATE TABLE IF NOT EXISTS ordered (
    store TEXT NOT NULL,
    scope TEXT NOT NULL,
    key   TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (store, scope, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ordered_by_value ON ordered (store, scope, value, key);
"""


class ArchiveError(DataStoreError):
    """The file is not a usable archive (wrong format, incomplete, corrupt, wrong key)."""

    code = "FAILED_PRECONDITION"
    http_status = 412


class IntegrityError(ArchiveError):
    """A value's md5 does not match the one recorded (or reported by the source)."""

    code = "DATA_LOSS"
    http_status = 500


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """One version as archived; ``text`` is the value's JSON (None for a tombstone)."""

    version: str
    created_time: datetime
    deleted: bool
    text: str | None
    md5: str = ""
    attributes: dict[str, JsonValue] = field(default_factory=dict)
    user_ids: tuple[int, ...] = ()

    @property
    def size(self) -> int:
        return 0 if self.text is None else len(self.text)


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """A key with the versions backed up (the latest last)."""

    store: str
    scope: str
    key: str
    created_time: datetime
    updated_time: datetime
    versions: tuple[VersionRecord, ...]

    @property
    def latest(self) -> VersionRecord:
        return self.versions[-1]


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """Open an archive; the writer creates the layout, readers open it read-only."""
    if read_only:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
        )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        # Rollback journal (not WAL): the archive stays one self-contained file.
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")
        conn.executescript(DDL)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def read_meta(path: Path) -> dict[str, str]:
    """An archive's ``meta`` table, read-only and without its key; ArchiveError when the file
    is not a DataStore Manager archive."""
    try:
        db = connect(path, read_only=True)
        try:
            rows = dict(db.execute("SELECT name, value FROM meta").fetchall())
        finally:
            db.close()
    except sqlite3.Error:
        raise ArchiveError(f"{path} is not a DataStore Manager archive.") from None
    if rows.get("format") != ARCHIVE_FORMAT:
        raise ArchiveError(f"{path} is not a DataStore Manager archive.")
    return rows
