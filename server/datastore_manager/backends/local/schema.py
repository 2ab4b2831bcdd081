"""The SQLite layout of a local store file, and how a connection to it is configured."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = 1

DDL = """
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stores (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('standard', 'ordered')),
    name       TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    deleted_us INTEGER,
    expire_us  INTEGER,
    UNIQUE (kind, name)
);
-- One row per standard key, the latest version is denormalised here so reads are one lookup.
CREATE TABLE IF NOT EXISTS entries (
    id          INTEGER PRIMARY KEY,
    store_id    INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    created_us  INTEGER NOT NULL,
    updated_us  INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL,
    last_ticks  INTEGER NOT NULL,
    version     TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (store_id, scope, key)
);
CREATE TABLE IF NOT EXISTS versions (
    entry_id    INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    version     TEXT NOT NULL,
    created_us  INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    value       TEXT,
    md5         TEXT,
    size        INTEGER NOT NULL DEFAULT 0,
    attributes  TEXT,
    user_ids    TEXT,
    superseded_us INTEGER,
    PRIMARY KEY (entry_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS versions_by_id ON versions (entry_id, version);
CREATE TABLE IF NOT EXISTS ordered (
    store_id INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    scope    TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    INTEGER NOT NULL,
    PRIMARY KEY (store_id, scope, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ordered_by_value ON ordered (store_id, scope, value, key);
"""


def connect(path: Path, *, busy_timeout_ms: int = 30_000) -> sqlite3.Connection:
    """Open (creating if needed) a store file in WAL mode, safe for several processes at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode is durable against application crashes (not power loss) and much faster.
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in DDL.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(
            "INSERT OR IGNORE INTO meta (name, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return conn
